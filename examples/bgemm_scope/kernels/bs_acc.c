/* C_tile += P for t x t float tiles.
 * args: c, ldc, p, t (c is strided by ldc elements, p is contiguous). */
#include <pto/kernel.h>

void bs_acc(const uint64_t *args)
{
    float *c = (float *)pto_bits_ptr(args[0]);
    const uint64_t ldc = args[1];
    const float *p = (const float *)pto_bits_ptr(args[2]);
    const uint64_t t = args[3];
    for (uint64_t r = 0; r < t; r++)
        for (uint64_t q = 0; q < t; q++)
            c[r * ldc + q] += p[r * t + q];
    pto_add_cycles(t * t); /* DESIGN §5 cost model */
}
