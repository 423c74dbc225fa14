/* y[i] = x[i] for n int32 values.  args: x, y, n. */
#include <pto/kernel.h>

void dt_copy(const uint64_t *args)
{
    const int32_t *x = (const int32_t *)pto_bits_ptr(args[0]);
    int32_t *y = (int32_t *)pto_bits_ptr(args[1]);
    for (uint64_t i = 0, n = args[2]; i < n; i++)
        y[i] = x[i];
    pto_add_cycles(args[2]); /* DESIGN §5 cost model */
}
