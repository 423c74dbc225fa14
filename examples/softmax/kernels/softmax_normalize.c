/* Phase 3 of the tiled softmax: y[i][j] = exp(x[i][j] - M[i]) / S[i] on one
 * 8 x 64 tile. args: x, ld (row stride, shared by x and y), M, S (8 x 1,
 * contiguous), y.
 *
 * Cycles: load x 512, load M 8, load S 8, row_expand_sub 512, exp 512,
 *         row_expand_div 512, store 512  = 2576. */
#include <string.h>

#include <pto/tile.h>

#define R 8
#define C 64

void softmax_normalize(const uint64_t *args)
{
    const float *x = (const float *)pto_bits_ptr(args[0]);
    size_t ld = (size_t)args[1];
    const float *M = (const float *)pto_bits_ptr(args[2]);
    const float *S = (const float *)pto_bits_ptr(args[3]);
    float *y = (float *)pto_bits_ptr(args[4]);
    PTO_TILE_DECL(t, PTO_F32, R, C);
    PTO_TILE_DECL(Mt, PTO_F32, R, 1);
    PTO_TILE_DECL(St, PTO_F32, R, 1);
    int st = 0;

    st |= pto_t_load(&t, x, ld);             /* 512 */
    st |= pto_t_load(&Mt, M, 1);             /*   8 */
    st |= pto_t_load(&St, S, 1);             /*   8 */
    st |= pto_t_row_expand_sub(&t, &t, &Mt); /* 512 */
    st |= pto_t_exp(&t, &t);                 /* 512 */
    st |= pto_t_row_expand_div(&t, &t, &St); /* 512 */
    st |= pto_t_store(y, ld, &t);            /* 512 */
    if (st)
        for (int i = 0; i < R; i++)
            memset(y + i * ld, 0xff, C * sizeof(float));
}
