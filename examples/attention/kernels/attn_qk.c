/* Scores of one head: S = Q @ K^T (AIC).
 * args: q (S x D, row stride ldq), k (S x D, row stride ldk), s (S x S out,
 * contiguous). S = 16, D = 8.
 *
 * The tile library has no transpose op; K^T is loaded through one-column
 * views of the K^T tile: column t of K^T is row t of K, D contiguous
 * elements in GM, loaded with a GM stride of 1 into a D x 1 view whose pitch
 * is the K^T tile's. That is S loads of D elements = the cost of loading K.
 *
 * Cycles: load Q 128, load K^T 16 x 8 = 128, matmul 16*8*16 = 2048,
 *         store S 256  = 2560. */
#include <string.h>

#include <pto/tile.h>

#define S 16
#define D 8

/* kt (capacity (D + 1) x S: one spare row so every column view fits) <-
 * K^T for n key rows of k. Cost: D * n. */
static int load_transposed(pto_tile *kt, const float *k, size_t ldk, uint32_t n)
{
    int st = 0;
    for (uint32_t t = 0; t < n; t++) {
        pto_tile col;
        st |= pto_tile_init(&col, PTO_F32, D, S, (float *)kt->data + t);
        st |= pto_tile_set_valid(&col, D, 1);
        st |= pto_t_load(&col, k + t * ldk, 1);
    }
    return st | pto_tile_set_valid(kt, D, n);
}

void attn_qk(const uint64_t *args)
{
    const float *q = (const float *)pto_bits_ptr(args[0]);
    size_t ldq = (size_t)args[1];
    const float *k = (const float *)pto_bits_ptr(args[2]);
    size_t ldk = (size_t)args[3];
    float *s = (float *)pto_bits_ptr(args[4]);
    PTO_TILE_DECL(qt, PTO_F32, S, D);
    PTO_TILE_DECL(kt, PTO_F32, D + 1, S);
    PTO_TILE_DECL(st_, PTO_F32, S, S);
    int st = 0;

    st |= pto_t_load(&qt, q, ldq);         /*  128 */
    st |= load_transposed(&kt, k, ldk, S); /*  128 */
    st |= pto_t_matmul(&st_, &qt, &kt);    /* 2048 */
    st |= pto_t_store(s, S, &st_);         /*  256 */
    if (st)
        memset(s, 0xff, S * S * sizeof(float));
}
