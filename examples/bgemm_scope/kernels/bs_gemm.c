/* P = A_tile @ B_tile for t x t float tiles; P is a contiguous t x t tile.
 * args: a, lda, b, ldb, p, t (a, b, p float device pointers; lda, ldb are
 * row strides in elements). */
#include <pto/kernel.h>

void bs_gemm(const uint64_t *args)
{
    const float *a = (const float *)pto_bits_ptr(args[0]);
    const uint64_t lda = args[1];
    const float *b = (const float *)pto_bits_ptr(args[2]);
    const uint64_t ldb = args[3];
    float *p = (float *)pto_bits_ptr(args[4]);
    const uint64_t t = args[5];
    for (uint64_t r = 0; r < t; r++) {
        for (uint64_t c = 0; c < t; c++) {
            float s = 0.0f;
            for (uint64_t q = 0; q < t; q++)
                s += a[r * lda + q] * b[q * ldb + c];
            p[r * t + c] = s;
        }
    }
    pto_add_cycles(t * t * t); /* DESIGN §5: matmul costs M*K*N */
}
