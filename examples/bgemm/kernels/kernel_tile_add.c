/* Tile accumulate: C += P on strided row-major tiles.
 * args: c, ldc, p, ldp, rows, cols (strides in elements, float pointers). */
#include <pto/kernel.h>

void kernel_tile_add(const uint64_t *args)
{
    float *c = (float *)pto_bits_ptr(args[0]);
    uint64_t ldc = args[1];
    const float *p = (const float *)pto_bits_ptr(args[2]);
    uint64_t ldp = args[3];
    uint64_t rows = args[4], cols = args[5];
    for (uint64_t i = 0; i < rows; i++)
        for (uint64_t j = 0; j < cols; j++)
            c[i * ldc + j] += p[i * ldp + j];
    pto_add_cycles(rows * cols); /* DESIGN §5 cost model */
}
