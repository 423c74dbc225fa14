/* The router of examples/moe_skip (AIV): from route[t], the expert chosen
 * for each of T = 8 tokens, writes the one-hot masks[e][t] = (route[t] ==
 * e) as floats and counts[e] = the tokens routed to expert e as int32, for
 * E = 4 experts. The tile library has no compare, so the one-hot row of
 * expert e is computed exactly in int32 as relu(1 - |route - e|) (routes
 * are integers).
 * args: route (int32 x T), masks (f32 E x T, row-major), counts (int32 x E).
 *
 * Cycles (pto/tile.h cost model, DESIGN §5):
 *   load route 1x8                                    8
 *   per expert on a 1x8 row: subs, abs, neg, adds,
 *     relu = 5 x 8 = 40; 4 experts                  160
 *   row_sum 4x8 -> 4x1 (counts)                       4
 *   store counts 4x1                                  4
 *   convert the one-hot 4x8 int32 -> f32             32
 *   store masks 4x8                                  32
 *                                                 = 240 */
#include <string.h>

#include <pto/tile.h>

#define T 8
#define E 4

void moe_route(const uint64_t *args)
{
    const int32_t *route = (const int32_t *)pto_bits_ptr(args[0]);
    float *masks = (float *)pto_bits_ptr(args[1]);
    int32_t *counts = (int32_t *)pto_bits_ptr(args[2]);
    PTO_TILE_DECL(r, PTO_I32, 1, T);
    PTO_TILE_DECL(hot, PTO_I32, E, T);
    PTO_TILE_DECL(cnt, PTO_I32, E, 1);
    PTO_TILE_DECL(m, PTO_F32, E, T);
    int st = 0;
    st |= pto_t_load(&r, route, T); /* 8 */
    for (int e = 0; e < E; e++) {   /* 5 ops x 8 each */
        pto_tile row;
        st |= pto_tile_init(&row, PTO_I32, 1, T, hot_buf.i32 + e * T);
        st |= pto_t_subs(&row, &r, (float)e); /* route - e */
        st |= pto_t_abs(&row, &row);          /* |route - e| */
        st |= pto_t_neg(&row, &row);          /* -|route - e| */
        st |= pto_t_adds(&row, &row, 1.0f);   /* 1 - |route - e| */
        st |= pto_t_relu(&row, &row);         /* 1 where route == e, else 0 */
    }
    st |= pto_t_row_sum(&cnt, &hot);    /* 4 */
    st |= pto_t_store(counts, 1, &cnt); /* 4 */
    st |= pto_t_convert(&m, &hot);      /* 32 */
    st |= pto_t_store(masks, T, &m);    /* 32 */
    if (st) {                           /* a failed op: poison the outputs so check() fails */
        memset(masks, 0xff, E * T * sizeof(float));
        memset(counts, 0xff, E * sizeof(int32_t));
    }
}
