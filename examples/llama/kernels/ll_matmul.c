/* Dense projection (AIC): C (M x N) = A (M x K) @ B (K x N), all contiguous
 * row-major; M <= 16, K <= 64, N <= 64.
 * args: a, b, c, m, k, n.
 *
 * Cycles: load A M*K, load B K*N, matmul M*K*N, store C M*N:
 *   output projection 16x32x32: 512 + 1024 + 16384 + 512 = 18432
 *   gate / up         16x32x64: 512 + 2048 + 32768 + 1024 = 36352
 *   down              16x64x32: 1024 + 2048 + 32768 + 512 = 36352 */
#include <string.h>

#include <pto/tile.h>

#define MM 16
#define MK 64
#define MN 64

void ll_matmul(const uint64_t *args)
{
    const float *a = (const float *)pto_bits_ptr(args[0]);
    const float *b = (const float *)pto_bits_ptr(args[1]);
    float *c = (float *)pto_bits_ptr(args[2]);
    uint32_t m = (uint32_t)args[3], k = (uint32_t)args[4], n = (uint32_t)args[5];
    PTO_TILE_DECL(at, PTO_F32, MM, MK);
    PTO_TILE_DECL(bt, PTO_F32, MK, MN);
    PTO_TILE_DECL(ct, PTO_F32, MM, MN);
    int st = pto_tile_set_valid(&at, m, k) | pto_tile_set_valid(&bt, k, n);

    if (!st) {
        st |= pto_t_load(&at, a, k);       /* M*K */
        st |= pto_t_load(&bt, b, n);       /* K*N */
        st |= pto_t_matmul(&ct, &at, &bt); /* M*K*N */
        st |= pto_t_store(c, n, &ct);      /* M*N */
    }
    if (st && m <= MM && n <= MN)
        memset(c, 0xff, (size_t)m * n * sizeof(float));
}
