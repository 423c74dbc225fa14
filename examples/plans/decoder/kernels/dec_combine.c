/* The MoE combine with the residual (AIV):
 *   out = h1 + sum of y_e over the experts e with tokens (counts[e] != 0)
 * An expert without tokens was skipped and its y_e was never written, so
 * it is left out rather than read.
 * args: h1 (8 x 48), y (E x 8 x 48: the experts' outputs), counts (1 x 8
 * i32), out (8 x 48 out).
 *
 * Cycles (pto/tile.h cost model, DESIGN 5; k = experts with tokens):
 *   load h1 384, load counts 8, per such expert load y_e 384 + add 384,
 *   store 384 = 776 + 768 k. */
#include <string.h>

#include <pto/tile.h>

#define T 8
#define D 48
#define E 8

void dec_combine(const uint64_t *args)
{
    const float *h1 = (const float *)pto_bits_ptr(args[0]);
    const float *y = (const float *)pto_bits_ptr(args[1]);
    const int32_t *counts = (const int32_t *)pto_bits_ptr(args[2]);
    float *out = (float *)pto_bits_ptr(args[3]);
    PTO_TILE_DECL(acc, PTO_F32, T, D);
    PTO_TILE_DECL(ye, PTO_F32, T, D);
    PTO_TILE_DECL(cnt, PTO_I32, 1, E);
    int st = 0;
    st |= pto_t_load(&acc, h1, D);     /* 384 */
    st |= pto_t_load(&cnt, counts, E); /*   8 */
    for (uint32_t e = 0; e < E && !st; e++) {
        if (pto_tile_geti(&cnt, 0, e) == 0)
            continue;
        st |= pto_t_load(&ye, y + (size_t)e * T * D, D); /* 384 */
        st |= pto_t_add(&acc, &acc, &ye);                /* 384 */
    }
    st |= pto_t_store(out, D, &acc); /* 384 */
    if (st)
        memset(out, 0xff, T * D * sizeof(float));
}
