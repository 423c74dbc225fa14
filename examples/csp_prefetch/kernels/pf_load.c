/* The loader of examples/csp_prefetch (AIV): stages K-tile k of A and B,
 * copying A_k (8 x 16 f32) and B_k (16 x 8 f32), each contiguous, from the
 * inputs into the staging buffers the matmul reads.
 * args: a_k, staged a_k, b_k, staged b_k (float device pointers).
 *
 * Cycles (pto/tile.h cost model, DESIGN §5; 128 cells per tile):
 *   load A_k 128, store 128, load B_k 128, store 128 = 512. */
#include <string.h>

#include <pto/tile.h>

#define M 8
#define KT 16
#define N 8

void pf_load(const uint64_t *args)
{
    const float *a = (const float *)pto_bits_ptr(args[0]);
    float *sa = (float *)pto_bits_ptr(args[1]);
    const float *b = (const float *)pto_bits_ptr(args[2]);
    float *sb = (float *)pto_bits_ptr(args[3]);
    PTO_TILE_DECL(ta, PTO_F32, M, KT);
    PTO_TILE_DECL(tb, PTO_F32, KT, N);
    int st = 0;
    st |= pto_t_load(&ta, a, KT);   /* 128 */
    st |= pto_t_store(sa, KT, &ta); /* 128 */
    st |= pto_t_load(&tb, b, N);    /* 128 */
    st |= pto_t_store(sb, N, &tb);  /* 128 */
    if (st) {                       /* a failed op: poison the stages so check() fails */
        memset(sa, 0xff, M * KT * sizeof(float));
        memset(sb, 0xff, KT * N * sizeof(float));
    }
}
