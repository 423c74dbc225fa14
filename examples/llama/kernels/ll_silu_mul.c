/* SwiGLU activation (AIV): a = silu(g) * u, 16 x 64.
 * args: g, u, a.
 *
 * Cycles: load g 1024, load u 1024, silu 1024, mul 1024, store 1024 = 5120. */
#include <string.h>

#include <pto/tile.h>

#define R 16
#define C 64

void ll_silu_mul(const uint64_t *args)
{
    const float *g = (const float *)pto_bits_ptr(args[0]);
    const float *u = (const float *)pto_bits_ptr(args[1]);
    float *a = (float *)pto_bits_ptr(args[2]);
    PTO_TILE_DECL(gt, PTO_F32, R, C);
    PTO_TILE_DECL(ut, PTO_F32, R, C);
    int st = 0;

    st |= pto_t_load(&gt, g, C);    /* 1024 */
    st |= pto_t_load(&ut, u, C);    /* 1024 */
    st |= pto_t_silu(&gt, &gt);     /* 1024 */
    st |= pto_t_mul(&gt, &gt, &ut); /* 1024 */
    st |= pto_t_store(a, C, &gt);   /* 1024 */
    if (st)
        memset(a, 0xff, R * C * sizeof(float));
}
