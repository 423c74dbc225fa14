/* c[i] = a[i] + b[i].  args: a, b, c (float device pointers), n. */
#include <pto/kernel.h>

void kernel_add(const uint64_t *args)
{
    const float *a = (const float *)pto_bits_ptr(args[0]);
    const float *b = (const float *)pto_bits_ptr(args[1]);
    float *c = (float *)pto_bits_ptr(args[2]);
    uint64_t n = args[3];
    for (uint64_t i = 0; i < n; i++)
        c[i] = a[i] + b[i];
    pto_add_cycles(n); /* DESIGN §5 cost model */
}
