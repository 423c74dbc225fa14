/* Accumulator update (AIV): O = O * alpha (row-wise) + PV, in place.
 * args: o (16 x 16, in/out), alpha (16), pv (16 x 16).
 *
 * Cycles: load O 256, load alpha 16, row_expand_mul 256, load PV 256,
 *         add 256, store O 256  = 1296. */
#include <string.h>

#include <pto/tile.h>

#define HEADS 16
#define D 16

void pa_update(const uint64_t *args)
{
    float *o = (float *)pto_bits_ptr(args[0]);
    const float *alpha = (const float *)pto_bits_ptr(args[1]);
    const float *pv = (const float *)pto_bits_ptr(args[2]);
    PTO_TILE_DECL(ot, PTO_F32, HEADS, D);
    PTO_TILE_DECL(at, PTO_F32, HEADS, 1);
    PTO_TILE_DECL(pt, PTO_F32, HEADS, D);
    int st = 0;

    st |= pto_t_load(&ot, o, D);               /* 256 */
    st |= pto_t_load(&at, alpha, 1);           /*  16 */
    st |= pto_t_row_expand_mul(&ot, &ot, &at); /* 256 */
    st |= pto_t_load(&pt, pv, D);              /* 256 */
    st |= pto_t_add(&ot, &ot, &pt);            /* 256 */
    st |= pto_t_store(o, D, &ot);              /* 256 */
    if (st)
        memset(o, 0xff, HEADS * D * sizeof(float));
}
