/* Attention output of one head (AIC): O_h = P_h @ V_h, written into columns
 * h*16..h*16+15 of the 16 x 32 attention output.
 * args: p (16 x 16), qkv (16 x 96), h, attn (16 x 32).
 *
 * Cycles: load P 256, load V 256, matmul 16*16*16 4096, store 256 = 4864. */
#include <string.h>

#include <pto/tile.h>

#define S 16
#define HID 32
#define HD 16
#define QKV (3 * HID)

void ll_pv(const uint64_t *args)
{
    const float *p = (const float *)pto_bits_ptr(args[0]);
    const float *qkv = (const float *)pto_bits_ptr(args[1]);
    uint32_t h = (uint32_t)args[2];
    float *attn = (float *)pto_bits_ptr(args[3]);
    PTO_TILE_DECL(pt, PTO_F32, S, S);
    PTO_TILE_DECL(vt, PTO_F32, S, HD);
    PTO_TILE_DECL(ot, PTO_F32, S, HD);
    int st = 0;

    st |= pto_t_load(&pt, p, S);                        /*  256 */
    st |= pto_t_load(&vt, qkv + 2 * HID + h * HD, QKV); /*  256 */
    st |= pto_t_matmul(&ot, &pt, &vt);                  /* 4096 */
    st |= pto_t_store(attn + h * HD, HID, &ot);         /*  256 */
    if (st)
        for (int i = 0; i < S; i++)
            memset(attn + i * HID + h * HD, 0xff, HD * sizeof(float));
}
