/* y = c on one 16 x 16 f32 tile (examples/scalar_tensor: the WAR writer).
 * args: y (float device pointer), c (f32 bits).
 *
 * Cycles (pto/tile.h cost model, DESIGN §5): fill 256, store 256 = 512. */
#include <string.h>

#include <pto/tile.h>

#define T 16

void st_fill(const uint64_t *args)
{
    float *y = (float *)pto_bits_ptr(args[0]);
    float c = pto_bits_f32(args[1]);
    PTO_TILE_DECL(t, PTO_F32, T, T);
    int st = 0;
    st |= pto_t_fill(&t, c);     /* 256 */
    st |= pto_t_store(y, T, &t); /* 256 */
    if (st)                      /* a failed op: poison y so check() fails */
        memset(y, 0xff, T * T * sizeof(float));
}
