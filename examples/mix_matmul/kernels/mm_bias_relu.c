/* AIV parts of a mix_matmul task: Y = relu(C + bias) on half the tile,
 * rows [0, 8) for sub-block 0 and [8, 16) for sub-block 1. C is what the
 * task's AIC part wrote (it runs first). bias is one value per column.
 * args: a, b, bias, c, y (see mm_gemm.c); this part uses bias, c and y.
 *
 * Cycles: load C half 8x16 = 128, load bias 1x16 = 16, col-expand add 128,
 *         max with 0 (relu) 128, store Y half 128 = 528. */
#include <string.h>

#include <pto/tile.h>

#define T 16
#define H 8 /* rows per AIV part */

void mm_bias_relu(const uint64_t *args)
{
    const float *bias = (const float *)pto_bits_ptr(args[2]);
    const float *c = (const float *)pto_bits_ptr(args[3]);
    float *y = (float *)pto_bits_ptr(args[4]);
    uint32_t row0 = pto_subblock_idx() * H;
    PTO_TILE_DECL(ct, PTO_F32, H, T);
    PTO_TILE_DECL(bt, PTO_F32, 1, T);
    int st = 0;

    st |= pto_t_load(&ct, c + row0 * T, T);    /* 128 */
    st |= pto_t_load(&bt, bias, T);            /*  16 */
    st |= pto_t_col_expand_add(&ct, &ct, &bt); /* 128 */
    st |= pto_t_maxs(&ct, &ct, 0.0f);          /* 128 */
    st |= pto_t_store(y + row0 * T, T, &ct);   /* 128 */
    if (st)
        memset(y + row0 * T, 0xff, H * T * sizeof(float));
}
