/* One gemm tile on the AIC: P = A_ik @ B_kj, 16 x 16 x 16.
 * args: a, lda, b, ldb (tiles inside row-major matrices, strides in
 * elements), p (16 x 16 out, contiguous).
 *
 * Cycles: load A 256, load B 256, matmul 16*16*16 = 4096, store P 256
 *         = 4864. */
#include <string.h>

#include <pto/tile.h>

#define T 16

void bg_gemm_tile(const uint64_t *args)
{
    const float *a = (const float *)pto_bits_ptr(args[0]);
    size_t lda = (size_t)args[1];
    const float *b = (const float *)pto_bits_ptr(args[2]);
    size_t ldb = (size_t)args[3];
    float *p = (float *)pto_bits_ptr(args[4]);
    PTO_TILE_DECL(at, PTO_F32, T, T);
    PTO_TILE_DECL(bt, PTO_F32, T, T);
    PTO_TILE_DECL(pt, PTO_F32, T, T);
    int st = 0;

    st |= pto_t_load(&at, a, lda);     /*  256 */
    st |= pto_t_load(&bt, b, ldb);     /*  256 */
    st |= pto_t_matmul(&pt, &at, &bt); /* 4096 */
    st |= pto_t_store(p, T, &pt);      /*  256 */
    if (st)
        memset(p, 0xff, T * T * sizeof(float));
}
