/* Fused Q/K/V projection of one token and one head (AIC), writing K and V
 * straight into the paged KV cache (f16):
 *   q = xn[b] @ Wq[:, h], k = f16(xn[b] @ Wk[:, h]), v = f16(xn[b] @ Wv[:, h])
 * args: xn row (1 x 48), wq, wk, wv (48 x 16 column blocks, row stride 48),
 * q (1 x 16 f32 out), k, v (1 x 16 f16 rows of the cache, out). The plan
 * places k and v at the new token's slot of its page (page table).
 *
 * Cycles (pto/tile.h cost model, DESIGN 5):
 *   load xn 1x48                                         48
 *   q: load Wq 48x16 768, matmul 1*48*16 768, store 16   1552
 *   k: load 768, matmul 768, convert f16 16, store 16    1568
 *   v: the same                                          1568
 *                                                      = 4736 */
#include <string.h>

#include <pto/tile.h>

#define D 48
#define HD 16

/* out (1 x 16, dtype of o) = x @ W; 0 on success. */
static int project(const pto_tile *x, const float *w, pto_tile *acc, pto_tile *o, void *out)
{
    PTO_TILE_DECL(wt, PTO_F32, D, HD);
    int st = 0;
    st |= pto_t_load(&wt, w, D);     /* 768 */
    st |= pto_t_matmul(acc, x, &wt); /* 768 */
    if (o)
        st |= pto_t_convert(o, acc);         /* 16: to f16 */
    st |= pto_t_store(out, HD, o ? o : acc); /* 16 */
    return st;
}

void dec_qkv(const uint64_t *args)
{
    const float *xn = (const float *)pto_bits_ptr(args[0]);
    const float *wq = (const float *)pto_bits_ptr(args[1]);
    const float *wk = (const float *)pto_bits_ptr(args[2]);
    const float *wv = (const float *)pto_bits_ptr(args[3]);
    float *q = (float *)pto_bits_ptr(args[4]);
    uint16_t *k = (uint16_t *)pto_bits_ptr(args[5]);
    uint16_t *v = (uint16_t *)pto_bits_ptr(args[6]);
    PTO_TILE_DECL(x, PTO_F32, 1, D);
    PTO_TILE_DECL(acc, PTO_F32, 1, HD);
    PTO_TILE_DECL(h, PTO_F16, 1, HD);
    int st = 0;
    st |= pto_t_load(&x, xn, D); /* 48 */
    st |= project(&x, wq, &acc, NULL, q);
    st |= project(&x, wk, &acc, &h, k);
    st |= project(&x, wv, &acc, &h, v);
    if (st) { /* poison: the goldens fail */
        memset(q, 0xff, HD * sizeof(float));
        memset(k, 0xff, HD * sizeof(uint16_t));
        memset(v, 0xff, HD * sizeof(uint16_t));
    }
}
