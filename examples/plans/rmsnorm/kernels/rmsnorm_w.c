/* The kernel of examples/plans/rmsnorm: RMSNorm with epsilon and a weight on
 * one 16 x 16 f32 row tile (16 rows of 16 columns), on an AIV core:
 *   y[i][j] = x[i][j] * rsqrt(mean_j x[i][j]^2 + eps) * w[j]
 * args: x, y (tile pointers, row stride 16), w (1 x 16 weights), eps (f32
 * bits).
 *
 * Cycles (pto/tile.h cost model, DESIGN 5; 16 x 16 = 256, 16 x 1 = 16,
 * 1 x 16 = 16):
 *   load x 256, mul x*x 256, row_sum 16, divs /16 16, adds eps 16,
 *   rsqrt 16, row_expand_mul 256, load w 16, col_expand_mul 256,
 *   store y 256 = 1360. */
#include <string.h>

#include <pto/tile.h>

#define R 16
#define C 16

void plan_rmsnorm_w(const uint64_t *args)
{
    const float *x = (const float *)pto_bits_ptr(args[0]);
    float *y = (float *)pto_bits_ptr(args[1]);
    const float *w = (const float *)pto_bits_ptr(args[2]);
    float eps = pto_bits_f32(args[3]);
    PTO_TILE_DECL(t, PTO_F32, R, C);
    PTO_TILE_DECL(sq, PTO_F32, R, C);
    PTO_TILE_DECL(ms, PTO_F32, R, 1);
    PTO_TILE_DECL(wt, PTO_F32, 1, C);
    int st = 0;

    st |= pto_t_load(&t, x, C);              /* 256 */
    st |= pto_t_mul(&sq, &t, &t);            /* 256 */
    st |= pto_t_row_sum(&ms, &sq);           /*  16 */
    st |= pto_t_divs(&ms, &ms, (float)C);    /*  16: mean of squares */
    st |= pto_t_adds(&ms, &ms, eps);         /*  16 */
    st |= pto_t_rsqrt(&ms, &ms);             /*  16 */
    st |= pto_t_row_expand_mul(&t, &t, &ms); /* 256 */
    st |= pto_t_load(&wt, w, C);             /*  16 */
    st |= pto_t_col_expand_mul(&t, &t, &wt); /* 256 */
    st |= pto_t_store(y, C, &t);             /* 256 */
    if (st) /* a failed op: poison the tile so the expect rule fails */
        memset(y, 0xff, R * C * sizeof(float));
}
