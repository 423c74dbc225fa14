/* The load and store stages of examples/csp_pipeline: copy one 16 x 16 f32
 * tile (contiguous, 256 floats) from src to dst through a tile.
 * args: src, dst (float device pointers).
 *
 * Cycles (pto/tile.h cost model, 16 x 16 = 256 cells per op):
 *   load 256 + store 256 = 512. */
#include <string.h>

#include <pto/tile.h>

#define T 16

void cp_copy(const uint64_t *args)
{
    const float *src = (const float *)pto_bits_ptr(args[0]);
    float *dst = (float *)pto_bits_ptr(args[1]);
    PTO_TILE_DECL(t, PTO_F32, T, T);
    int st = 0;
    st |= pto_t_load(&t, src, T);  /* 256 */
    st |= pto_t_store(dst, T, &t); /* 256 */
    if (st)                        /* a failed op: poison the tile so check() fails */
        memset(dst, 0xff, T * T * sizeof(float));
}
