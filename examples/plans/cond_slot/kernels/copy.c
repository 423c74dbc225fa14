/* The else branch of examples/plans/cond_slot (AIV): y = x on one 16 x 16
 * f32 tile (contiguous, 256 floats).
 * args: x, y (float device pointers to the tile).
 *
 * Cycles (pto/tile.h cost model, DESIGN 5: 16 x 16 = 256 cells per op):
 *   load x 256, store y 256 = 512. */
#include <string.h>

#include <pto/tile.h>

#define T 16

void plan_copy(const uint64_t *args)
{
    const float *x = (const float *)pto_bits_ptr(args[0]);
    float *y = (float *)pto_bits_ptr(args[1]);
    PTO_TILE_DECL(t, PTO_F32, T, T);
    int st = 0;
    st |= pto_t_load(&t, x, T);  /* 256 */
    st |= pto_t_store(y, T, &t); /* 256 */
    if (st)                      /* a failed op: poison the tile so the golden fails */
        memset(y, 0xff, T * T * sizeof(float));
}
