/* out[i] = x[i] * y[i] over n floats.  args: x, y, out, n. */
#include <pto/kernel.h>

void vs_mul(const uint64_t *args)
{
    const float *x = (const float *)pto_bits_ptr(args[0]);
    const float *y = (const float *)pto_bits_ptr(args[1]);
    float *out = (float *)pto_bits_ptr(args[2]);
    for (uint64_t i = 0, n = args[3]; i < n; i++)
        out[i] = x[i] * y[i];
    pto_add_cycles(args[3]); /* DESIGN §5 cost model */
}
