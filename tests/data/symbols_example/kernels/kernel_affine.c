/* y[i] = x[i] * scale + bias. args: x, y, scale (u64), bias (f32 bits), n. */
#include <pto/kernel.h>

void kernel_affine(const uint64_t *args)
{
    const float *x = pto_bits_ptr(args[0]);
    float *y = pto_bits_ptr(args[1]);
    float scale = (float)args[2];
    float bias = pto_bits_f32(args[3]);
    for (uint64_t i = 0; i < args[4]; i++)
        y[i] = x[i] * scale + bias;
}
