/* Causal scaled softmax of one head's scores (AIV):
 *   P = softmax(S * scale + mask), mask = 0 on and below the diagonal, -inf
 *   above it.
 * args: s (16 x 16), mask (16 x 16), p (16 x 16 out), scale (f32 bits).
 *
 * Cycles: load S 256, muls 256, load mask 256, add 256, row_max 16,
 *         row_expand_sub 256, exp 256, row_sum 16, row_expand_div 256,
 *         store 256  = 2080. */
#include <string.h>

#include <pto/tile.h>

#define S 16

void ll_softmax(const uint64_t *args)
{
    const float *s = (const float *)pto_bits_ptr(args[0]);
    const float *mask = (const float *)pto_bits_ptr(args[1]);
    float *p = (float *)pto_bits_ptr(args[2]);
    float scale = pto_bits_f32(args[3]);
    PTO_TILE_DECL(t, PTO_F32, S, S);
    PTO_TILE_DECL(mk, PTO_F32, S, S);
    PTO_TILE_DECL(mx, PTO_F32, S, 1);
    PTO_TILE_DECL(sum, PTO_F32, S, 1);
    int st = 0;

    st |= pto_t_load(&t, s, S);               /* 256 */
    st |= pto_t_muls(&t, &t, scale);          /* 256 */
    st |= pto_t_load(&mk, mask, S);           /* 256 */
    st |= pto_t_add(&t, &t, &mk);             /* 256 */
    st |= pto_t_row_max(&mx, &t);             /*  16 */
    st |= pto_t_row_expand_sub(&t, &t, &mx);  /* 256 */
    st |= pto_t_exp(&t, &t);                  /* 256 */
    st |= pto_t_row_sum(&sum, &t);            /*  16 */
    st |= pto_t_row_expand_div(&t, &t, &sum); /* 256 */
    st |= pto_t_store(p, S, &t);              /* 256 */
    if (st)
        memset(p, 0xff, S * S * sizeof(float));
}
