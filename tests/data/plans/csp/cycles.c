/* A kernel of the CSP plan tests: it only counts args[0] cycles (its
 * first argument, a scalar), so a test chooses each task's duration. */
#include <pto/kernel.h>
void plan_cycles(const uint64_t *args)
{
    pto_add_cycles(args[0]);
}
