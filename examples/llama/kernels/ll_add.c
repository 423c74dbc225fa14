/* Residual add (AIV): c = a + b, 16 x 32.
 * args: a, b, c.
 *
 * Cycles: load a 512, load b 512, add 512, store 512 = 2048. */
#include <string.h>

#include <pto/tile.h>

#define R 16
#define C 32

void ll_add(const uint64_t *args)
{
    const float *a = (const float *)pto_bits_ptr(args[0]);
    const float *b = (const float *)pto_bits_ptr(args[1]);
    float *c = (float *)pto_bits_ptr(args[2]);
    PTO_TILE_DECL(at, PTO_F32, R, C);
    PTO_TILE_DECL(bt, PTO_F32, R, C);
    int st = 0;

    st |= pto_t_load(&at, a, C);    /* 512 */
    st |= pto_t_load(&bt, b, C);    /* 512 */
    st |= pto_t_add(&at, &at, &bt); /* 512 */
    st |= pto_t_store(c, C, &at);   /* 512 */
    if (st)
        memset(c, 0xff, R * C * sizeof(float));
}
