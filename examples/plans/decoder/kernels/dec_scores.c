/* Attention scores of one token and one head against its 32 cached
 * positions in two KV pages (AIC):  s = q @ K^T  (1 x 32)
 * args: q (1 x 16 f32), k0, k1 (16 x 16 f16 pages of the cache, row
 * stride 48: positions 0..15 and 16..31, found through the page table by
 * the plan), s (1 x 32 f32 out).
 *
 * K^T is loaded one column at a time (the tile library has no transpose):
 * column t of K^T is the 16 contiguous halves of position t, loaded with a
 * GM stride of 1 into a 16 x 1 view; then converted to f32 for the matmul
 * (q is f32).
 *
 * Cycles (pto/tile.h cost model, DESIGN 5):
 *   load q 16, 32 column loads of 16 = 512, convert 16x32 512,
 *   matmul 1*16*32 512, store s 32 = 1584. */
#include <string.h>

#include <pto/tile.h>

#define D 48
#define HD 16
#define PS 16
#define L 32

void dec_scores(const uint64_t *args)
{
    const float *q = (const float *)pto_bits_ptr(args[0]);
    const uint16_t *page[2] = {(const uint16_t *)pto_bits_ptr(args[1]),
                               (const uint16_t *)pto_bits_ptr(args[2])};
    float *s = (float *)pto_bits_ptr(args[3]);
    PTO_TILE_DECL(qt, PTO_F32, 1, HD);
    PTO_TILE_DECL(kth, PTO_F16, HD, L);
    PTO_TILE_DECL(kt, PTO_F32, HD, L);
    PTO_TILE_DECL(sc, PTO_F32, 1, L);
    int st = 0;
    st |= pto_t_load(&qt, q, HD);      /* 16 */
    for (uint32_t t = 0; t < L; t++) { /* 32 x 16 */
        pto_tile col;
        st |= pto_tile_init(&col, PTO_F16, HD, L, kth_buf.u16 + t);
        st |= pto_tile_set_valid(&col, HD, 1);
        st |= pto_t_load(&col, page[t / PS] + (t % PS) * D, 1);
    }
    st |= pto_t_convert(&kt, &kth);    /* 512 */
    st |= pto_t_matmul(&sc, &qt, &kt); /* 512 */
    st |= pto_t_store(s, L, &sc);      /* 32 */
    if (st)
        memset(s, 0xff, L * sizeof(float));
}
