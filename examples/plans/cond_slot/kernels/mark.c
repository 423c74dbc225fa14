/* The first kernel of examples/plans/cond_slot (AIV): from sel (int32 x 8)
 * writes flags[t] = relu(|sel[t]| - 1) (int32 x 8), the per-tile flag the
 * plan loads into a slot. With sel[t] = t - 3 (the plan's init rule):
 * flags = [2, 1, 0, 0, 0, 1, 2, 3].
 * args: sel, flags (int32 device pointers).
 *
 * Cycles (pto/tile.h cost model, DESIGN 5: an op costs its destination's
 * valid region, 1 x 8 = 8):
 *   load sel 8, abs 8, adds 8, relu 8, store flags 8 = 40. */
#include <string.h>

#include <pto/tile.h>

#define T 8

void plan_mark(const uint64_t *args)
{
    const int32_t *sel = (const int32_t *)pto_bits_ptr(args[0]);
    int32_t *flags = (int32_t *)pto_bits_ptr(args[1]);
    PTO_TILE_DECL(f, PTO_I32, 1, T);
    int st = 0;
    st |= pto_t_load(&f, sel, T);    /* 8 */
    st |= pto_t_abs(&f, &f);         /* 8: |sel| */
    st |= pto_t_adds(&f, &f, -1.0f); /* 8: |sel| - 1 */
    st |= pto_t_relu(&f, &f);        /* 8: max(0, |sel| - 1) */
    st |= pto_t_store(flags, T, &f); /* 8 */
    if (st)                          /* a failed op: poison the flags so the golden fails */
        memset(flags, 0xff, T * sizeof(int32_t));
}
