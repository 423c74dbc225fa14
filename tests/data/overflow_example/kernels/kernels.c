/* spill_scale(x, out, n): out[i] = 2 * x[i] for i < n, then a stray store
 * one element past the end of out. copy(x, out, n): out[i] = x[i]. */
#include <pto/kernel.h>

void spill_scale(const uint64_t *args)
{
    const float *x = (const float *)pto_bits_ptr(args[0]);
    float *o = (float *)pto_bits_ptr(args[1]);
    uint64_t n = args[2];
    for (uint64_t i = 0; i < n; i++)
        o[i] = 2.0f * x[i];
    o[n] = 0.0f; /* the bug */
}

void copy(const uint64_t *args)
{
    const float *x = (const float *)pto_bits_ptr(args[0]);
    float *o = (float *)pto_bits_ptr(args[1]);
    uint64_t n = args[2];
    for (uint64_t i = 0; i < n; i++)
        o[i] = x[i];
}
