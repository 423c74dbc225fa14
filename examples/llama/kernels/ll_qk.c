/* Attention scores of one head (AIC): S_h = Q_h @ K_h^T, 16 x 16.
 * args: qkv (16 x 96: Q | K | V, head h in columns h*16.. of each), h, s
 * (16 x 16 out).
 *
 * K_h^T is loaded through one-column views of the K^T tile (the tile
 * library has no transpose): column t of K^T is row t of K_h, 16 contiguous
 * elements loaded with a GM stride of 1 into a 16 x 1 view. 16 loads of 16.
 *
 * Cycles: load Q 256, load K^T 256, matmul 16*16*16 4096, store 256 = 4864. */
#include <string.h>

#include <pto/tile.h>

#define S 16
#define HID 32
#define HD 16
#define QKV (3 * HID)

static int load_transposed(pto_tile *kt, const float *k, size_t ldk, uint32_t n)
{
    int st = 0;
    for (uint32_t t = 0; t < n; t++) {
        pto_tile col;
        st |= pto_tile_init(&col, PTO_F32, HD, S, (float *)kt->data + t);
        st |= pto_tile_set_valid(&col, HD, 1);
        st |= pto_t_load(&col, k + t * ldk, 1);
    }
    return st | pto_tile_set_valid(kt, HD, n);
}

void ll_qk(const uint64_t *args)
{
    const float *qkv = (const float *)pto_bits_ptr(args[0]);
    uint32_t h = (uint32_t)args[1];
    float *s = (float *)pto_bits_ptr(args[2]);
    PTO_TILE_DECL(qt, PTO_F32, S, HD);
    PTO_TILE_DECL(kt, PTO_F32, HD + 1, S); /* spare row for the column views */
    PTO_TILE_DECL(sc, PTO_F32, S, S);
    int st = 0;

    st |= pto_t_load(&qt, qkv + h * HD, QKV);               /*  256 */
    st |= load_transposed(&kt, qkv + HID + h * HD, QKV, S); /*  256 */
    st |= pto_t_matmul(&sc, &qt, &kt);                      /* 4096 */
    st |= pto_t_store(s, S, &sc);                           /*  256 */
    if (st)
        memset(s, 0xff, S * S * sizeof(float));
}
