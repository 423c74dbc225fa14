/* The kernel of examples/plans/matmul16: C = A @ B on one 16 x 16 x 16 f32
 * tile triple, on an AIC core.
 * args: a, b, c (float device pointers to contiguous 16 x 16 tiles).
 *
 * Cycles (pto/tile.h cost model, DESIGN 5):
 *   load A 256, load B 256, matmul 16*16*16 = 4096, store C 256 = 4864. */
#include <string.h>

#include <pto/tile.h>

#define T 16

void plan_matmul16(const uint64_t *args)
{
    const float *a = (const float *)pto_bits_ptr(args[0]);
    const float *b = (const float *)pto_bits_ptr(args[1]);
    float *c = (float *)pto_bits_ptr(args[2]);
    PTO_TILE_DECL(at, PTO_F32, T, T);
    PTO_TILE_DECL(bt, PTO_F32, T, T);
    PTO_TILE_DECL(ct, PTO_F32, T, T);
    int st = 0;

    st |= pto_t_load(&at, a, T);       /*  256 */
    st |= pto_t_load(&bt, b, T);       /*  256 */
    st |= pto_t_matmul(&ct, &at, &bt); /* 4096 */
    st |= pto_t_store(c, T, &ct);      /*  256 */
    /* a failed op: poison the tile so the expect rule fails */
    if (st)
        memset(c, 0xff, T * T * sizeof(float));
}
