/* Accumulation on the AIV: C_ij += P, 16 x 16.
 * args: c (tile inside the row-major C), ldc, p (16 x 16, contiguous).
 *
 * Cycles: load C 256, load P 256, add 256, store C 256 = 1024. */
#include <string.h>

#include <pto/tile.h>

#define T 16

void bg_tile_add(const uint64_t *args)
{
    float *c = (float *)pto_bits_ptr(args[0]);
    size_t ldc = (size_t)args[1];
    const float *p = (const float *)pto_bits_ptr(args[2]);
    PTO_TILE_DECL(ct, PTO_F32, T, T);
    PTO_TILE_DECL(pt, PTO_F32, T, T);
    int st = 0;

    st |= pto_t_load(&ct, c, ldc);  /* 256 */
    st |= pto_t_load(&pt, p, T);    /* 256 */
    st |= pto_t_add(&ct, &ct, &pt); /* 256 */
    st |= pto_t_store(c, ldc, &ct); /* 256 */
    if (st)
        for (int i = 0; i < T; i++)
            memset(c + i * ldc, 0xff, T * sizeof(float));
}
