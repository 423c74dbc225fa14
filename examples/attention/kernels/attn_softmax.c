/* Scaled row softmax of one head's scores (AIV): P = softmax(S * scale).
 * args: s (16 x 16, contiguous), p (16 x 16 out), scale (f32 bits).
 *
 * Cycles: load 256, muls 256, row_max 16, row_expand_sub 256, exp 256,
 *         row_sum 16, row_expand_div 256, store 256  = 1568. */
#include <string.h>

#include <pto/tile.h>

#define S 16

void attn_softmax(const uint64_t *args)
{
    const float *s = (const float *)pto_bits_ptr(args[0]);
    float *p = (float *)pto_bits_ptr(args[1]);
    float scale = pto_bits_f32(args[2]);
    PTO_TILE_DECL(t, PTO_F32, S, S);
    PTO_TILE_DECL(mx, PTO_F32, S, 1);
    PTO_TILE_DECL(sum, PTO_F32, S, 1);
    int st = 0;

    st |= pto_t_load(&t, s, S);               /* 256 */
    st |= pto_t_muls(&t, &t, scale);          /* 256 */
    st |= pto_t_row_max(&mx, &t);             /*  16 */
    st |= pto_t_row_expand_sub(&t, &t, &mx);  /* 256 */
    st |= pto_t_exp(&t, &t);                  /* 256 */
    st |= pto_t_row_sum(&sum, &t);            /*  16 */
    st |= pto_t_row_expand_div(&t, &t, &sum); /* 256 */
    st |= pto_t_store(p, S, &t);              /* 256 */
    if (st)
        memset(p, 0xff, S * S * sizeof(float));
}
