/* y = n * x + b on one 16 x 16 f32 tile (examples/scalar_tensor), n an
 * unsigned integer scalar parameter (a u64, e.g. a value a task computed
 * and the orchestration read back), b an f32.
 * args: x, y (float device pointers), n (u64), b (f32 bits).
 *
 * Cycles (pto/tile.h cost model, DESIGN §5):
 *   load x 256, muls 256, adds 256, store y 256 = 1024. */
#include <string.h>

#include <pto/tile.h>

#define T 16

void st_axpb(const uint64_t *args)
{
    const float *x = (const float *)pto_bits_ptr(args[0]);
    float *y = (float *)pto_bits_ptr(args[1]);
    float n = (float)args[2], b = pto_bits_f32(args[3]);
    PTO_TILE_DECL(t, PTO_F32, T, T);
    int st = 0;
    st |= pto_t_load(&t, x, T);  /* 256 */
    st |= pto_t_muls(&t, &t, n); /* 256 */
    st |= pto_t_adds(&t, &t, b); /* 256 */
    st |= pto_t_store(y, T, &t); /* 256 */
    if (st)                      /* a failed op: poison y so check() fails */
        memset(y, 0xff, T * T * sizeof(float));
}
