/* The kernel of examples/plans/gemm_tiled: one k-step of a tiled GEMM on an
 * AIC core, C_ij += A_ik @ B_kj, all 16 x 16 f32 tiles inside row-major
 * matrices.
 * args: a, lda, b, ldb, c, ldc (tile pointers and row strides in elements).
 *
 * Cycles (pto/tile.h cost model, DESIGN 5):
 *   load A 256, load B 256, load C 256, matmul_acc 16*16*16 = 4096,
 *   store C 256 = 5120. */
#include <string.h>

#include <pto/tile.h>

#define T 16

void plan_gemm_acc(const uint64_t *args)
{
    const float *a = (const float *)pto_bits_ptr(args[0]);
    size_t lda = (size_t)args[1];
    const float *b = (const float *)pto_bits_ptr(args[2]);
    size_t ldb = (size_t)args[3];
    float *c = (float *)pto_bits_ptr(args[4]);
    size_t ldc = (size_t)args[5];
    PTO_TILE_DECL(at, PTO_F32, T, T);
    PTO_TILE_DECL(bt, PTO_F32, T, T);
    PTO_TILE_DECL(ct, PTO_F32, T, T);
    int st = 0;

    st |= pto_t_load(&at, a, lda);         /*  256 */
    st |= pto_t_load(&bt, b, ldb);         /*  256 */
    st |= pto_t_load(&ct, c, ldc);         /*  256: the partial sum so far */
    st |= pto_t_matmul_acc(&ct, &at, &bt); /* 4096 */
    st |= pto_t_store(c, ldc, &ct);        /*  256 */
    if (st) /* a failed op: poison the tile so the expect rule fails */
        for (int i = 0; i < T; i++)
            memset(c + i * ldc, 0xff, T * sizeof(float));
}
