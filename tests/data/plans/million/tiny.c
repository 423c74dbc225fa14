/* One cycle, nothing else: the kernel of tests/data/plans/million. */
#include <pto/kernel.h>
void tiny(const uint64_t *args)
{
    (void)args;
    pto_add_cycles(1);
}
