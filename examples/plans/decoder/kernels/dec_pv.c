/* Attention output of one token and one head (AIC):  o = p @ V  (1 x 16)
 * args: p (1 x 32 f32), v0, v1 (16 x 16 f16 pages of the cache, row stride
 * 48, found through the page table by the plan), o (1 x 16 f32 out, in the
 * token's row of the attention output).
 *
 * Cycles (pto/tile.h cost model, DESIGN 5):
 *   load p 32, load V pages 2 x 256, convert 32x16 512, matmul 1*32*16
 *   512, store o 16 = 1584. */
#include <string.h>

#include <pto/tile.h>

#define D 48
#define HD 16
#define PS 16
#define L 32

void dec_pv(const uint64_t *args)
{
    const float *p = (const float *)pto_bits_ptr(args[0]);
    const uint16_t *page[2] = {(const uint16_t *)pto_bits_ptr(args[1]),
                               (const uint16_t *)pto_bits_ptr(args[2])};
    float *o = (float *)pto_bits_ptr(args[3]);
    PTO_TILE_DECL(pt, PTO_F32, 1, L);
    PTO_TILE_DECL(vh, PTO_F16, L, HD);
    PTO_TILE_DECL(vt, PTO_F32, L, HD);
    PTO_TILE_DECL(ot, PTO_F32, 1, HD);
    int st = 0;
    st |= pto_t_load(&pt, p, L);  /* 32 */
    for (int g = 0; g < 2; g++) { /* 2 x 256: rows 16g .. 16g + 15 */
        pto_tile half;
        st |= pto_tile_init(&half, PTO_F16, PS, HD, vh_buf.u16 + g * PS * HD);
        st |= pto_t_load(&half, page[g], D);
    }
    st |= pto_t_convert(&vt, &vh);     /* 512 */
    st |= pto_t_matmul(&ot, &pt, &vt); /* 512 */
    st |= pto_t_store(o, HD, &ot);     /* 16 */
    if (st)
        memset(o, 0xff, HD * sizeof(float));
}
