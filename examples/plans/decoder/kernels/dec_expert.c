/* One expert of the MoE FFN (AIC): a SiLU MLP on all T = 8 tokens, masked
 * to the tokens routed to it,
 *   y_e = mask_e * (silu(hn @ W1_e) @ W2_e)   (8 x 48)
 * args: hn (8 x 48), w1 (48 x 16), w2 (16 x 48), mask (8 x 1 column of the
 * router's masks, row stride 8), y (8 x 48 out).
 * The plan predicates the task on the expert's token count: an expert
 * without tokens is skipped and its y keeps what it held.
 *
 * Cycles (pto/tile.h cost model, DESIGN 5):
 *   load hn 384, load W1 768, matmul 8*48*16 6144, silu 8x16 128,
 *   load W2 768, matmul 8*16*48 6144, load mask 8, row_expand_mul 384,
 *   store 384 = 15112. */
#include <string.h>

#include <pto/tile.h>

#define T 8
#define D 48
#define F 16
#define E 8

void dec_expert(const uint64_t *args)
{
    const float *hn = (const float *)pto_bits_ptr(args[0]);
    const float *w1 = (const float *)pto_bits_ptr(args[1]);
    const float *w2 = (const float *)pto_bits_ptr(args[2]);
    const float *mask = (const float *)pto_bits_ptr(args[3]);
    float *y = (float *)pto_bits_ptr(args[4]);
    PTO_TILE_DECL(x, PTO_F32, T, D);
    PTO_TILE_DECL(a, PTO_F32, D, F);
    PTO_TILE_DECL(hid, PTO_F32, T, F);
    PTO_TILE_DECL(b, PTO_F32, F, D);
    PTO_TILE_DECL(out, PTO_F32, T, D);
    PTO_TILE_DECL(m, PTO_F32, T, 1);
    int st = 0;
    st |= pto_t_load(&x, hn, D);                /*  384 */
    st |= pto_t_load(&a, w1, F);                /*  768 */
    st |= pto_t_matmul(&hid, &x, &a);           /* 6144 */
    st |= pto_t_silu(&hid, &hid);               /*  128 */
    st |= pto_t_load(&b, w2, D);                /*  768 */
    st |= pto_t_matmul(&out, &hid, &b);         /* 6144 */
    st |= pto_t_load(&m, mask, E);              /*    8 */
    st |= pto_t_row_expand_mul(&out, &out, &m); /* 384 */
    st |= pto_t_store(y, D, &out);              /*  384 */
    if (st)
        memset(y, 0xff, T * D * sizeof(float));
}
