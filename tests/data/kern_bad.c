/* Deliberately broken kernel: test_kernels.c expects the compiler's
 * diagnostics (naming pto_no_such_thing) in the returned error message. */
#include <stdint.h>

void kern_bad(const uint64_t *args);

void kern_bad(const uint64_t *args)
{
    (void)args;
    pto_no_such_thing = 1;
}
