/* C = A @ B for row-major, densely packed matrices.
 * args: A (m x k), B (k x n), C (m x n) float device pointers, m, n, k. */
#include <pto/kernel.h>

void kernel_matmul(const uint64_t *args)
{
    const float *a = (const float *)pto_bits_ptr(args[0]);
    const float *b = (const float *)pto_bits_ptr(args[1]);
    float *c = (float *)pto_bits_ptr(args[2]);
    uint64_t m = args[3], n = args[4], k = args[5];
    for (uint64_t i = 0; i < m; i++) {
        float *crow = c + i * n;
        for (uint64_t j = 0; j < n; j++)
            crow[j] = 0.0f;
        for (uint64_t p = 0; p < k; p++) {
            float aip = a[i * k + p];
            const float *brow = b + p * n;
            for (uint64_t j = 0; j < n; j++)
                crow[j] += aip * brow[j];
        }
    }
    pto_add_cycles(m * k * n); /* DESIGN §5 cost model */
}
