/* RMSNorm with weight (AIV), 16 x 32:
 *   y[i][j] = x[i][j] * rsqrt(mean_j x[i][j]^2 + eps) * gamma[j]
 * args: x, gamma (32), y (16 x 32, contiguous), eps (f32 bits).
 *
 * Cycles: load x 512, mul 512, row_sum 16, divs 16, adds eps 16, rsqrt 16,
 *         row_expand_mul 512, load gamma 32, col_expand_mul 512, store 512
 *         = 2656. */
#include <string.h>

#include <pto/tile.h>

#define R 16
#define C 32

void ll_rmsnorm(const uint64_t *args)
{
    const float *x = (const float *)pto_bits_ptr(args[0]);
    const float *gamma = (const float *)pto_bits_ptr(args[1]);
    float *y = (float *)pto_bits_ptr(args[2]);
    float eps = pto_bits_f32(args[3]);
    PTO_TILE_DECL(t, PTO_F32, R, C);
    PTO_TILE_DECL(sq, PTO_F32, R, C);
    PTO_TILE_DECL(ms, PTO_F32, R, 1);
    PTO_TILE_DECL(g, PTO_F32, 1, C);
    int st = 0;

    st |= pto_t_load(&t, x, C);              /* 512 */
    st |= pto_t_mul(&sq, &t, &t);            /* 512 */
    st |= pto_t_row_sum(&ms, &sq);           /*  16 */
    st |= pto_t_divs(&ms, &ms, (float)C);    /*  16 */
    st |= pto_t_adds(&ms, &ms, eps);         /*  16 */
    st |= pto_t_rsqrt(&ms, &ms);             /*  16 */
    st |= pto_t_row_expand_mul(&t, &t, &ms); /* 512 */
    st |= pto_t_load(&g, gamma, C);          /*  32 */
    st |= pto_t_col_expand_mul(&t, &t, &g);  /* 512 */
    st |= pto_t_store(y, C, &t);             /* 512 */
    if (st)
        memset(y, 0xff, R * C * sizeof(float));
}
