/* Weighted values of one KV block (AIC): PV = p @ V_blk[0..n).
 * args: p (16 x n, row stride 16), n, v (KV block: 16 positions x 16,
 * contiguous), pv (16 x 16 out, contiguous).
 *
 * Cycles: load p 16n, load V 16n, matmul 16*n*16, store PV 256
 *         = 256 + 288n: 4864 for a full block, 544 for n = 1. */
#include <string.h>

#include <pto/tile.h>

#define HEADS 16
#define D 16
#define BLK 16

void pa_pv(const uint64_t *args)
{
    const float *p = (const float *)pto_bits_ptr(args[0]);
    uint32_t n = (uint32_t)args[1];
    const float *v = (const float *)pto_bits_ptr(args[2]);
    float *pv = (float *)pto_bits_ptr(args[3]);
    PTO_TILE_DECL(pt, PTO_F32, HEADS, BLK);
    PTO_TILE_DECL(vt, PTO_F32, BLK, D);
    PTO_TILE_DECL(ot, PTO_F32, HEADS, D);
    int st = pto_tile_set_valid(&pt, HEADS, n) | pto_tile_set_valid(&vt, n, D);

    st |= pto_t_load(&pt, p, BLK);     /* 16n */
    st |= pto_t_load(&vt, v, D);       /* 16n */
    st |= pto_t_matmul(&ot, &pt, &vt); /* 256n */
    st |= pto_t_store(pv, D, &ot);     /* 256 */
    if (st)
        memset(pv, 0xff, HEADS * D * sizeof(float));
}
