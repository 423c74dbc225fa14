/* The kernel of examples/plans/softmax: row softmax of one 16 x 16 f32 row
 * tile (16 rows of 16 columns), on an AIV core:
 *   y[i][j] = exp(x[i][j] - max_j x[i][j]) / sum_j exp(x[i][j] - max_j x[i][j])
 * args: x, y (tile pointers, row stride 16).
 *
 * Cycles (pto/tile.h cost model, DESIGN 5; 16 x 16 = 256, 16 x 1 = 16):
 *   load x 256, row_max 16, row_expand_sub 256, exp 256, row_sum 16,
 *   row_expand_div 256, store y 256 = 1312. */
#include <string.h>

#include <pto/tile.h>

#define R 16
#define C 16

void plan_softmax_rows(const uint64_t *args)
{
    const float *x = (const float *)pto_bits_ptr(args[0]);
    float *y = (float *)pto_bits_ptr(args[1]);
    PTO_TILE_DECL(t, PTO_F32, R, C);
    PTO_TILE_DECL(m, PTO_F32, R, 1);
    PTO_TILE_DECL(s, PTO_F32, R, 1);
    int st = 0;

    st |= pto_t_load(&t, x, C);             /* 256 */
    st |= pto_t_row_max(&m, &t);            /*  16 */
    st |= pto_t_row_expand_sub(&t, &t, &m); /* 256: x - max, so exp <= 1 */
    st |= pto_t_exp(&t, &t);                /* 256 */
    st |= pto_t_row_sum(&s, &t);            /*  16 */
    st |= pto_t_row_expand_div(&t, &t, &s); /* 256 */
    st |= pto_t_store(y, C, &t);            /* 256 */
    if (st) /* a failed op: poison the tile so the expect rule fails */
        memset(y, 0xff, R * C * sizeof(float));
}
