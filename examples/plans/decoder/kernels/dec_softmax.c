/* Softmax of one row of attention scores (AIV):
 *   p = exp(s * scale - max(s * scale)) / sum(...)   (1 x 32)
 * args: s (1 x 32 f32), p (1 x 32 f32 out), scale (f32 bits).
 *
 * Cycles (pto/tile.h cost model, DESIGN 5; 1 x 32 = 32, 1 x 1 = 1):
 *   load 32, muls 32, row_max 1, row_expand_sub 32, exp 32, row_sum 1,
 *   row_expand_div 32, store 32 = 194. */
#include <string.h>

#include <pto/tile.h>

#define L 32

void dec_softmax(const uint64_t *args)
{
    const float *s = (const float *)pto_bits_ptr(args[0]);
    float *p = (float *)pto_bits_ptr(args[1]);
    float scale = pto_bits_f32(args[2]);
    PTO_TILE_DECL(t, PTO_F32, 1, L);
    PTO_TILE_DECL(m, PTO_F32, 1, 1);
    int st = 0;
    st |= pto_t_load(&t, s, L);             /* 32 */
    st |= pto_t_muls(&t, &t, scale);        /* 32 */
    st |= pto_t_row_max(&m, &t);            /*  1 */
    st |= pto_t_row_expand_sub(&t, &t, &m); /* 32 */
    st |= pto_t_exp(&t, &t);                /* 32 */
    st |= pto_t_row_sum(&m, &t);            /*  1 */
    st |= pto_t_row_expand_div(&t, &t, &m); /* 32 */
    st |= pto_t_store(p, L, &t);            /* 32 */
    if (st)
        memset(p, 0xff, L * sizeof(float));
}
