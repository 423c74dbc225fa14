/* out[i] = exp(a[i] + b[i]).  args: a, b, out (float device pointers), n. */
#include <math.h>

#include <pto/kernel.h>

void kernel_add_exp(const uint64_t *args)
{
    const float *a = (const float *)pto_bits_ptr(args[0]);
    const float *b = (const float *)pto_bits_ptr(args[1]);
    float *out = (float *)pto_bits_ptr(args[2]);
    uint64_t n = args[3];
    for (uint64_t i = 0; i < n; i++)
        out[i] = expf(a[i] + b[i]);
    pto_add_cycles(2 * n /* add + exp */); /* DESIGN §5 cost model */
}
