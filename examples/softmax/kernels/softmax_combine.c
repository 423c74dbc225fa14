/* Phase 2 of the tiled softmax: combine the 4 partial statistics of a row
 * group (8 rows x 4 tiles) into the row max M and the row sum S:
 *   M[i] = max_j m[i][j],  S[i] = sum_j s[i][j] * exp(m[i][j] - M[i])
 * args: m, s (8 x 4 row-major partials), M, S (8 x 1 outputs, contiguous).
 *
 * Cycles: load m 32, row_max 8, row_expand_sub 32, exp 32, load s 32,
 *         mul 32, row_sum 8, store M 8, store S 8  = 192. */
#include <string.h>

#include <pto/tile.h>

#define R 8
#define T 4

void softmax_combine(const uint64_t *args)
{
    const float *m = (const float *)pto_bits_ptr(args[0]);
    const float *s = (const float *)pto_bits_ptr(args[1]);
    float *M = (float *)pto_bits_ptr(args[2]);
    float *S = (float *)pto_bits_ptr(args[3]);
    PTO_TILE_DECL(mt, PTO_F32, R, T);
    PTO_TILE_DECL(sc, PTO_F32, R, T);
    PTO_TILE_DECL(Mt, PTO_F32, R, 1);
    PTO_TILE_DECL(St, PTO_F32, R, 1);
    int st = 0;

    st |= pto_t_load(&mt, m, T);               /* 32 */
    st |= pto_t_row_max(&Mt, &mt);             /*  8 */
    st |= pto_t_row_expand_sub(&mt, &mt, &Mt); /* 32: m - M */
    st |= pto_t_exp(&mt, &mt);                 /* 32: rescale factors */
    st |= pto_t_load(&sc, s, T);               /* 32 */
    st |= pto_t_mul(&sc, &sc, &mt);            /* 32 */
    st |= pto_t_row_sum(&St, &sc);             /*  8 */
    st |= pto_t_store(M, 1, &Mt);              /*  8 */
    st |= pto_t_store(S, 1, &St);              /*  8 */
    if (st)
        memset(S, 0xff, R * sizeof(float));
}
