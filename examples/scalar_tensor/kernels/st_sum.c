/* s[0] = the sum of 16 int32 (examples/scalar_tensor): a task writes a
 * value that the orchestration or a slot reads back.
 * args: in (int32 x 16), s (int32 device pointer to one element).
 *
 * Cycles (pto/tile.h cost model, DESIGN §5):
 *   load 1x16 16, row_sum 1x16 -> 1x1 1, store 1x1 1 = 18. */
#include <string.h>

#include <pto/tile.h>

#define N 16

void st_sum(const uint64_t *args)
{
    const int32_t *in = (const int32_t *)pto_bits_ptr(args[0]);
    int32_t *s = (int32_t *)pto_bits_ptr(args[1]);
    PTO_TILE_DECL(t, PTO_I32, 1, N);
    PTO_TILE_DECL(sum, PTO_I32, 1, 1);
    int st = 0;
    st |= pto_t_load(&t, in, N);   /* 16 */
    st |= pto_t_row_sum(&sum, &t); /* 1 */
    st |= pto_t_store(s, 1, &sum); /* 1 */
    if (st)                        /* a failed op: poison s so check() fails */
        memset(s, 0xff, sizeof(int32_t));
}
