/* x[0] = value (an int32), after some busy work so that a consumer that was
 * not really ordered after it would very likely see the old value.
 * args: x (int32 device pointer), value. */
#include <pto/kernel.h>

void dt_produce(const uint64_t *args)
{
    volatile uint64_t acc = 0;
    for (uint64_t i = 0; i < 1000000; i++)
        acc += i;
    int32_t *x = (int32_t *)pto_bits_ptr(args[0]);
    x[0] = (int32_t)args[1];
    pto_add_cycles(1); /* DESIGN §5 cost model */
}
