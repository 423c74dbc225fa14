/* One part of the SPMD task y = a * x + b: block i of n handles the tiles
 * [i * T / n, (i + 1) * T / n) of the T = ntiles 16 x 16 tiles of x and y
 * (contiguous, 256 floats each).
 * args: x, y, a (f32 bits), b (f32 bits), ntiles.
 *
 * Cycles per tile: load x 256, muls 256, adds 256, store y 256 = 1024. */
#include <string.h>

#include <pto/tile.h>

#define T 16

void sv_axpb(const uint64_t *args)
{
    const float *x = (const float *)pto_bits_ptr(args[0]);
    float *y = (float *)pto_bits_ptr(args[1]);
    float a = pto_bits_f32(args[2]), b = pto_bits_f32(args[3]);
    uint64_t ntiles = args[4], n = pto_block_num(), i = pto_block_idx();
    PTO_TILE_DECL(xt, PTO_F32, T, T);
    for (uint64_t t = i * ntiles / n; t < (i + 1) * ntiles / n; t++) {
        int st = 0;
        st |= pto_t_load(&xt, x + t * T * T, T);  /* 256 */
        st |= pto_t_muls(&xt, &xt, a);            /* 256 */
        st |= pto_t_adds(&xt, &xt, b);            /* 256 */
        st |= pto_t_store(y + t * T * T, T, &xt); /* 256 */
        if (st)
            memset(y + t * T * T, 0xff, T * T * sizeof(float));
    }
}
