/* Scores of all 16 query heads against one KV block (AIC):
 *   S[h][t] = q[h] . k[t]   for the n valid keys t < n of the block.
 * The 16 heads share the single KV head, so Q is one 16 x 16 tile (heads x
 * head_dim) and the scores are Q @ K_blk^T (16 x n).
 * args: q (16 x 16, contiguous), k (KV block: 16 positions x 16, contiguous),
 * n (valid keys, 1..16), s (16 x 16 out, row stride 16, first n columns).
 *
 * K^T is loaded through one-column views of the K^T tile (the tile library
 * has no transpose): column t of K^T is row t of the block, 16 contiguous
 * elements loaded with a GM stride of 1 into a 16 x 1 view. n loads of 16.
 *
 * Cycles: load Q 256, load K^T 16*n, matmul 16*16*n, store S 16*n
 *         = 256 + 288n: 4864 for a full block, 544 for n = 1. */
#include <string.h>

#include <pto/tile.h>

#define HEADS 16
#define D 16
#define BLK 16

static int load_transposed(pto_tile *kt, const float *k, size_t ldk, uint32_t n)
{
    int st = 0;
    for (uint32_t t = 0; t < n; t++) {
        pto_tile col;
        st |= pto_tile_init(&col, PTO_F32, D, BLK, (float *)kt->data + t);
        st |= pto_tile_set_valid(&col, D, 1);
        st |= pto_t_load(&col, k + t * ldk, 1);
    }
    return st | pto_tile_set_valid(kt, D, n);
}

void pa_qk(const uint64_t *args)
{
    const float *q = (const float *)pto_bits_ptr(args[0]);
    const float *k = (const float *)pto_bits_ptr(args[1]);
    uint32_t n = (uint32_t)args[2];
    float *s = (float *)pto_bits_ptr(args[3]);
    PTO_TILE_DECL(qt, PTO_F32, HEADS, D);
    PTO_TILE_DECL(kt, PTO_F32, D + 1, BLK); /* spare row for the column views */
    PTO_TILE_DECL(sc, PTO_F32, HEADS, BLK);
    int st = n < 1 || n > BLK;

    if (!st) {
        st |= pto_t_load(&qt, q, D);         /* 256 */
        st |= load_transposed(&kt, k, D, n); /* 16n */
        st |= pto_t_matmul(&sc, &qt, &kt);   /* 256n */
        st |= pto_t_store(s, BLK, &sc);      /* 16n */
    }
    if (st)
        memset(s, 0xff, HEADS * BLK * sizeof(float));
}
