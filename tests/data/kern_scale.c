/* Test kernel for test_kernels.c: x[i] = x[i] * a (+ PTO_TEST_OFFSET).
 * args: [0] float *x (device pointer), [1] n, [2] a (f32 bits). */
#include <stdint.h>

#include "pto/kernel.h"

void kern_scale(const uint64_t *args);
void kern_add_one(const uint64_t *args);

void kern_scale(const uint64_t *args)
{
    float *x = pto_bits_ptr(args[0]);
    float a = pto_bits_f32(args[2]);
    for (uint64_t i = 0; i < args[1]; i++) {
        x[i] *= a;
#ifdef PTO_TEST_OFFSET
        x[i] += PTO_TEST_OFFSET;
#endif
    }
}

/* args: [0] uint64_t *counter */
void kern_add_one(const uint64_t *args)
{
    uint64_t *c = pto_bits_ptr(args[0]);
    *c += 1;
}
