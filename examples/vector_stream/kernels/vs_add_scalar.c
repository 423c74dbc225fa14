/* out[i] = x[i] + s over n floats.  args: x, s (f32 bits), out, n. */
#include <pto/kernel.h>

void vs_add_scalar(const uint64_t *args)
{
    const float *x = (const float *)pto_bits_ptr(args[0]);
    const float s = pto_bits_f32(args[1]);
    float *out = (float *)pto_bits_ptr(args[2]);
    for (uint64_t i = 0, n = args[3]; i < n; i++)
        out[i] = x[i] + s;
    pto_add_cycles(args[3]); /* DESIGN §5 cost model */
}
