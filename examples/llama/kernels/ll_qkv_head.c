/* Q, K and V projections of one head (AIC):
 *   Q_h = Xn @ Wq[:, h], K_h = Xn @ Wk[:, h], V_h = Xn @ Wv[:, h]
 * Wqkv is 32 x 96 row-major (Wq | Wk | Wv, 32 columns each, head h in
 * columns h*16..h*16+15 of each); the results go to the same columns of the
 * 16 x 96 row-major QKV matrix.
 * args: xn (16 x 32), wqkv, h, qkv.
 *
 * Cycles: load Xn 512, then 3 x (load W slice 32x16 512, matmul 16*32*16
 *         8192, store 16x16 256)  = 512 + 3 * 8960 = 27392. */
#include <string.h>

#include <pto/tile.h>

#define S 16
#define HID 32
#define HD 16
#define QKV (3 * HID)

void ll_qkv_head(const uint64_t *args)
{
    const float *xn = (const float *)pto_bits_ptr(args[0]);
    const float *w = (const float *)pto_bits_ptr(args[1]);
    uint32_t h = (uint32_t)args[2];
    float *qkv = (float *)pto_bits_ptr(args[3]);
    PTO_TILE_DECL(xt, PTO_F32, S, HID);
    PTO_TILE_DECL(wt, PTO_F32, HID, HD);
    PTO_TILE_DECL(ot, PTO_F32, S, HD);
    int st = 0;

    st |= pto_t_load(&xt, xn, HID); /* 512 */
    for (uint32_t p = 0; p < 3; p++) {
        size_t col = (size_t)p * HID + (size_t)h * HD;
        st |= pto_t_load(&wt, w + col, QKV);    /*  512 */
        st |= pto_t_matmul(&ot, &xt, &wt);      /* 8192 */
        st |= pto_t_store(qkv + col, QKV, &ot); /*  256 */
    }
    if (st)
        for (int i = 0; i < S; i++)
            memset(qkv + i * QKV, 0xff, QKV * sizeof(float));
}
