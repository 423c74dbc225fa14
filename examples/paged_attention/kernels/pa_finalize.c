/* Final normalisation (AIV): out = O / l (row-wise).
 * args: o (16 x 16), l (16), out (16 x 16).
 *
 * Cycles: load O 256, load l 16, row_expand_div 256, store 256 = 784. */
#include <string.h>

#include <pto/tile.h>

#define HEADS 16
#define D 16

void pa_finalize(const uint64_t *args)
{
    const float *o = (const float *)pto_bits_ptr(args[0]);
    const float *l = (const float *)pto_bits_ptr(args[1]);
    float *out = (float *)pto_bits_ptr(args[2]);
    PTO_TILE_DECL(ot, PTO_F32, HEADS, D);
    PTO_TILE_DECL(lt, PTO_F32, HEADS, 1);
    int st = 0;

    st |= pto_t_load(&ot, o, D);               /* 256 */
    st |= pto_t_load(&lt, l, 1);               /*  16 */
    st |= pto_t_row_expand_div(&ot, &ot, &lt); /* 256 */
    st |= pto_t_store(out, D, &ot);            /* 256 */
    if (st)
        memset(out, 0xff, HEADS * D * sizeof(float));
}
