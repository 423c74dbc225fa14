/* The combine of examples/moe_skip (AIV): y = the sum of the expert outputs
 * y_e of the experts that received tokens (counts[e] != 0). An expert with
 * no tokens was skipped and its y_e still holds what the orchestration put
 * there, so it is left out.
 * args: ye (f32 E x T x D: the E expert outputs, contiguous), counts
 * (int32 x E), y (f32 T x D).
 *
 * Cycles (pto/tile.h cost model, DESIGN §5), k = experts with tokens:
 *   load counts 1x4 4, fill 8x16 128, per such expert load 8x16 128 +
 *   add 8x16 128, store 8x16 128 = 260 + 256 k. */
#include <string.h>

#include <pto/tile.h>

#define T 8
#define D 16
#define E 4

void moe_combine(const uint64_t *args)
{
    const float *ye = (const float *)pto_bits_ptr(args[0]);
    const int32_t *counts = (const int32_t *)pto_bits_ptr(args[1]);
    float *y = (float *)pto_bits_ptr(args[2]);
    PTO_TILE_DECL(tc, PTO_I32, 1, E);
    PTO_TILE_DECL(acc, PTO_F32, T, D);
    PTO_TILE_DECL(te, PTO_F32, T, D);
    int st = 0;
    st |= pto_t_load(&tc, counts, E); /* 4 */
    st |= pto_t_fill(&acc, 0.0f);     /* 128 */
    for (int e = 0; e < E; e++) {
        if (pto_tile_geti(&tc, 0, (uint32_t)e) == 0)
            continue;
        st |= pto_t_load(&te, ye + e * T * D, D); /* 128 */
        st |= pto_t_add(&acc, &acc, &te);         /* 128 */
    }
    st |= pto_t_store(y, D, &acc); /* 128 */
    if (st)                        /* a failed op: poison y so check() fails */
        memset(y, 0xff, T * D * sizeof(float));
}
