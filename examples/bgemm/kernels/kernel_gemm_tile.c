/* Tile matrix multiply: C = A @ B on strided row-major tiles.
 * args: a, lda, b, ldb, c, ldc, m, n, k
 *       (a: m x k with row stride lda, b: k x n / ldb, c: m x n / ldc; strides
 *        in elements, pointers are float device addresses). */
#include <pto/kernel.h>

void kernel_gemm_tile(const uint64_t *args)
{
    const float *a = (const float *)pto_bits_ptr(args[0]);
    uint64_t lda = args[1];
    const float *b = (const float *)pto_bits_ptr(args[2]);
    uint64_t ldb = args[3];
    float *c = (float *)pto_bits_ptr(args[4]);
    uint64_t ldc = args[5];
    uint64_t m = args[6], n = args[7], k = args[8];
    for (uint64_t i = 0; i < m; i++) {
        float *crow = c + i * ldc;
        for (uint64_t j = 0; j < n; j++)
            crow[j] = 0.0f;
        for (uint64_t p = 0; p < k; p++) {
            float aip = a[i * lda + p];
            const float *brow = b + p * ldb;
            for (uint64_t j = 0; j < n; j++)
                crow[j] += aip * brow[j];
        }
    }
    pto_add_cycles(m * k * n); /* DESIGN §5 cost model */
}
