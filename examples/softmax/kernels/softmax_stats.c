/* Phase 1 of the tiled softmax: statistics of one 8 x 64 tile.
 *   m[i] = max_j x[i][j],  s[i] = sum_j exp(x[i][j] - m[i])
 * args: x (tile's first element), ldx (row stride), m, s (each written as an
 * 8 x 1 column with row stride lds, i.e. into column `tile` of the row
 * group's 8 x 4 partial-statistics matrices), lds.
 *
 * Cycles: load 512, row_max 8, row_expand_sub 512, exp 512, row_sum 8,
 *         store m 8, store s 8  = 1568. */
#include <string.h>

#include <pto/tile.h>

#define R 8
#define C 64

void softmax_stats(const uint64_t *args)
{
    const float *x = (const float *)pto_bits_ptr(args[0]);
    size_t ldx = (size_t)args[1];
    float *m = (float *)pto_bits_ptr(args[2]);
    float *s = (float *)pto_bits_ptr(args[3]);
    size_t lds = (size_t)args[4];
    PTO_TILE_DECL(t, PTO_F32, R, C);
    PTO_TILE_DECL(e, PTO_F32, R, C);
    PTO_TILE_DECL(mt, PTO_F32, R, 1);
    PTO_TILE_DECL(st_, PTO_F32, R, 1);
    int st = 0;

    st |= pto_t_load(&t, x, ldx);            /* 512 */
    st |= pto_t_row_max(&mt, &t);            /*   8 */
    st |= pto_t_row_expand_sub(&e, &t, &mt); /* 512 */
    st |= pto_t_exp(&e, &e);                 /* 512 */
    st |= pto_t_row_sum(&st_, &e);           /*   8 */
    st |= pto_t_store(m, lds, &mt);          /*   8 */
    st |= pto_t_store(s, lds, &st_);         /*   8 */
    if (st) /* a failed op: poison the statistics so check() fails */
        for (int i = 0; i < R; i++)
            memset(s + i * lds, 0xff, sizeof(float));
}
