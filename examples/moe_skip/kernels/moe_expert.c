/* One expert of examples/moe_skip (AIC): y_e = (x @ W_e) scaled row by row
 * by the expert's mask, so the rows of tokens routed elsewhere are 0.
 * x: T x D = 8 x 16 f32, W_e: D x D = 16 x 16, mask: T floats (1 or 0),
 * y_e: T x D, all contiguous row-major.
 * args: x, w, mask, y (float device pointers).
 *
 * Cycles (pto/tile.h cost model, DESIGN §5):
 *   load x 8x16 128, load W 16x16 256, matmul 8*16*16 2048,
 *   load mask 8x1 8, row_expand_mul 8x16 128, store y 8x16 128 = 2696. */
#include <string.h>

#include <pto/tile.h>

#define T 8
#define D 16

void moe_expert(const uint64_t *args)
{
    const float *x = (const float *)pto_bits_ptr(args[0]);
    const float *w = (const float *)pto_bits_ptr(args[1]);
    const float *mask = (const float *)pto_bits_ptr(args[2]);
    float *y = (float *)pto_bits_ptr(args[3]);
    PTO_TILE_DECL(tx, PTO_F32, T, D);
    PTO_TILE_DECL(tw, PTO_F32, D, D);
    PTO_TILE_DECL(tm, PTO_F32, T, 1);
    PTO_TILE_DECL(ty, PTO_F32, T, D);
    int st = 0;
    st |= pto_t_load(&tx, x, D);               /* 128 */
    st |= pto_t_load(&tw, w, D);               /* 256 */
    st |= pto_t_matmul(&ty, &tx, &tw);         /* 2048 */
    st |= pto_t_load(&tm, mask, 1);            /* 8 */
    st |= pto_t_row_expand_mul(&ty, &ty, &tm); /* 128 */
    st |= pto_t_store(y, D, &ty);              /* 128 */
    if (st)                                    /* a failed op: poison y so check() fails */
        memset(y, 0xff, T * D * sizeof(float));
}
