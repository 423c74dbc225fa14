/* out[i] = sqrt(log(in[i])).  args: in, out (float device pointers), n. */
#include <math.h>

#include <pto/kernel.h>

void kernel_sqrt_log(const uint64_t *args)
{
    const float *in = (const float *)pto_bits_ptr(args[0]);
    float *out = (float *)pto_bits_ptr(args[1]);
    uint64_t n = args[2];
    for (uint64_t i = 0; i < n; i++)
        out[i] = sqrtf(logf(in[i]));
    pto_add_cycles(2 * n /* log + sqrt */); /* DESIGN §5 cost model */
}
