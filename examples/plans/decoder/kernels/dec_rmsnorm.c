/* RMSNorm of the decoder plan (AIV): all T = 8 token rows of D = 48 at once,
 *   y[t][j] = x[t][j] * rsqrt(mean_j x[t][j]^2 + eps) * w[j]
 * args: x (8 x 48, row stride 48), w (1 x 48), y (8 x 48), eps (f32 bits).
 *
 * Cycles (pto/tile.h cost model, DESIGN 5; 8 x 48 = 384, 8 x 1 = 8):
 *   load x 384, mul 384, row_sum 8, divs 8, adds 8, rsqrt 8,
 *   row_expand_mul 384, load w 48, col_expand_mul 384, store 384 = 2000. */
#include <string.h>

#include <pto/tile.h>

#define T 8
#define D 48

void dec_rmsnorm(const uint64_t *args)
{
    const float *x = (const float *)pto_bits_ptr(args[0]);
    const float *w = (const float *)pto_bits_ptr(args[1]);
    float *y = (float *)pto_bits_ptr(args[2]);
    float eps = pto_bits_f32(args[3]);
    PTO_TILE_DECL(t, PTO_F32, T, D);
    PTO_TILE_DECL(sq, PTO_F32, T, D);
    PTO_TILE_DECL(ms, PTO_F32, T, 1);
    PTO_TILE_DECL(wt, PTO_F32, 1, D);
    int st = 0;
    st |= pto_t_load(&t, x, D);              /* 384 */
    st |= pto_t_mul(&sq, &t, &t);            /* 384 */
    st |= pto_t_row_sum(&ms, &sq);           /*   8 */
    st |= pto_t_divs(&ms, &ms, (float)D);    /*   8: the mean of squares */
    st |= pto_t_adds(&ms, &ms, eps);         /*   8 */
    st |= pto_t_rsqrt(&ms, &ms);             /*   8 */
    st |= pto_t_row_expand_mul(&t, &t, &ms); /* 384 */
    st |= pto_t_load(&wt, w, D);             /*  48 */
    st |= pto_t_col_expand_mul(&t, &t, &wt); /* 384 */
    st |= pto_t_store(y, D, &t);             /* 384 */
    if (st) /* a failed op: poison the output so the golden fails */
        memset(y, 0xff, T * D * sizeof(float));
}
