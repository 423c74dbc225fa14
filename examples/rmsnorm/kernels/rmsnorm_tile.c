/* RMSNorm of one 16 x 16 f32 tile: y[i][j] = x[i][j] * rsqrt(mean_j x[i][j]^2).
 * args: x, y (float device pointers to the tile's first element), ld (row
 * stride in elements, the same for x and y).
 *
 * Cycles (pto/tile.h cost model), 16 x 16 tile:
 *   load x 256, mul x*x 256, row_sum 16, divs /16 16, rsqrt 16,
 *   row_expand_mul 256, store 256  = 1072. */
#include <string.h>

#include <pto/tile.h>

#define R 16
#define C 16

void rmsnorm_tile(const uint64_t *args)
{
    const float *x = (const float *)pto_bits_ptr(args[0]);
    float *y = (float *)pto_bits_ptr(args[1]);
    size_t ld = (size_t)args[2];
    PTO_TILE_DECL(t, PTO_F32, R, C);
    PTO_TILE_DECL(sq, PTO_F32, R, C);
    PTO_TILE_DECL(ms, PTO_F32, R, 1);
    int st = 0;

    st |= pto_t_load(&t, x, ld);             /* 256 */
    st |= pto_t_mul(&sq, &t, &t);            /* 256 */
    st |= pto_t_row_sum(&ms, &sq);           /*  16 */
    st |= pto_t_divs(&ms, &ms, (float)C);    /*  16: mean of squares */
    st |= pto_t_rsqrt(&ms, &ms);             /*  16 */
    st |= pto_t_row_expand_mul(&t, &t, &ms); /* 256 */
    st |= pto_t_store(y, ld, &t);            /* 256 */
    if (st)                                  /* a failed op: poison the tile so check() fails */
        for (int i = 0; i < R; i++)
            memset(y + i * ld, 0xff, C * sizeof(float));
}
