/* out[i] = in[i] + s.  args: in, s (f32 bits), out, n. */
#include <pto/kernel.h>

void kernel_add_scalar(const uint64_t *args)
{
    const float *in = (const float *)pto_bits_ptr(args[0]);
    float s = pto_bits_f32(args[1]);
    float *out = (float *)pto_bits_ptr(args[2]);
    uint64_t n = args[3];
    for (uint64_t i = 0; i < n; i++)
        out[i] = in[i] + s;
    pto_add_cycles(n); /* DESIGN §5 cost model */
}
