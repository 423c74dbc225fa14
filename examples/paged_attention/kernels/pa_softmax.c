/* Online-softmax step for one KV block (AIV), all 16 heads as rows:
 *   x      = S * scale                       (16 x n)
 *   m_new  = max(m, rowmax(x))
 *   alpha  = exp(m - m_new)                  (rescale of the old state)
 *   p      = exp(x - m_new)
 *   l      = l * alpha + rowsum(p)
 * m and l (16 x 1 each) are updated in place; p and alpha are written for
 * the P @ V task and the accumulator update. Before the first block m = -inf
 * and l = 0, so alpha = 0.
 * args: s (16 x n, row stride 16), n, scale (f32 bits), m, l, p (16 x n out,
 * row stride 16), alpha (16 out).
 *
 * Cycles: 16n each for load S, muls, row_expand_sub, exp, store p (80n);
 *   16 each for row_max, load m, max, sub, exp, row_sum, load l, mul, add,
 *   store m, store l, store alpha (192).  = 80n + 192: 1472 full, 272 n = 1. */
#include <string.h>

#include <pto/tile.h>

#define HEADS 16
#define BLK 16

void pa_softmax(const uint64_t *args)
{
    const float *s = (const float *)pto_bits_ptr(args[0]);
    uint32_t n = (uint32_t)args[1];
    float scale = pto_bits_f32(args[2]);
    float *m = (float *)pto_bits_ptr(args[3]);
    float *l = (float *)pto_bits_ptr(args[4]);
    float *p = (float *)pto_bits_ptr(args[5]);
    float *alpha = (float *)pto_bits_ptr(args[6]);
    PTO_TILE_DECL(x, PTO_F32, HEADS, BLK);
    PTO_TILE_DECL(bm, PTO_F32, HEADS, 1);
    PTO_TILE_DECL(mo, PTO_F32, HEADS, 1);
    PTO_TILE_DECL(mn, PTO_F32, HEADS, 1);
    PTO_TILE_DECL(al, PTO_F32, HEADS, 1);
    PTO_TILE_DECL(rs, PTO_F32, HEADS, 1);
    PTO_TILE_DECL(lt, PTO_F32, HEADS, 1);
    int st = pto_tile_set_valid(&x, HEADS, n);

    st |= pto_t_load(&x, s, BLK);            /* 16n */
    st |= pto_t_muls(&x, &x, scale);         /* 16n */
    st |= pto_t_row_max(&bm, &x);            /* 16 */
    st |= pto_t_load(&mo, m, 1);             /* 16 */
    st |= pto_t_max(&mn, &mo, &bm);          /* 16 */
    st |= pto_t_sub(&al, &mo, &mn);          /* 16 */
    st |= pto_t_exp(&al, &al);               /* 16 */
    st |= pto_t_row_expand_sub(&x, &x, &mn); /* 16n */
    st |= pto_t_exp(&x, &x);                 /* 16n */
    st |= pto_t_row_sum(&rs, &x);            /* 16 */
    st |= pto_t_load(&lt, l, 1);             /* 16 */
    st |= pto_t_mul(&lt, &lt, &al);          /* 16 */
    st |= pto_t_add(&lt, &lt, &rs);          /* 16 */
    st |= pto_t_store(p, BLK, &x);           /* 16n */
    st |= pto_t_store(m, 1, &mn);            /* 16 */
    st |= pto_t_store(l, 1, &lt);            /* 16 */
    st |= pto_t_store(alpha, 1, &al);        /* 16 */
    if (st)
        memset(l, 0xff, HEADS * sizeof(float));
}
