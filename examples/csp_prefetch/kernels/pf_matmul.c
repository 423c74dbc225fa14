/* The matmul of examples/csp_prefetch (AIC): acc += A_k @ B_k for one
 * K-tile, A_k 8 x 16 and B_k 16 x 8 (staged by pf_load), acc 8 x 8 f32,
 * all contiguous row-major.
 * args: staged a_k, staged b_k, acc (float device pointers).
 *
 * Cycles (pto/tile.h cost model, DESIGN §5):
 *   load A_k 8x16 128, load B_k 16x8 128, matmul 8*16*8 1024,
 *   load acc 8x8 64, add 8x8 64, store acc 8x8 64 = 1472. */
#include <string.h>

#include <pto/tile.h>

#define M 8
#define KT 16
#define N 8

void pf_matmul(const uint64_t *args)
{
    const float *a = (const float *)pto_bits_ptr(args[0]);
    const float *b = (const float *)pto_bits_ptr(args[1]);
    float *acc = (float *)pto_bits_ptr(args[2]);
    PTO_TILE_DECL(ta, PTO_F32, M, KT);
    PTO_TILE_DECL(tb, PTO_F32, KT, N);
    PTO_TILE_DECL(tp, PTO_F32, M, N);
    PTO_TILE_DECL(tc, PTO_F32, M, N);
    int st = 0;
    st |= pto_t_load(&ta, a, KT);      /* 128 */
    st |= pto_t_load(&tb, b, N);       /* 128 */
    st |= pto_t_matmul(&tp, &ta, &tb); /* 1024 */
    st |= pto_t_load(&tc, acc, N);     /* 64 */
    st |= pto_t_add(&tc, &tc, &tp);    /* 64 */
    st |= pto_t_store(acc, N, &tc);    /* 64 */
    if (st)                            /* a failed op: poison acc so check() fails */
        memset(acc, 0xff, M * N * sizeof(float));
}
