/* Output of one head: O = P @ V (AIC).
 * args: p (16 x 16, contiguous), v (16 x 8, row stride ldv), o (16 x 8 out,
 * row stride ldo).
 *
 * Cycles: load P 256, load V 128, matmul 16*16*8 = 2048, store O 128 = 2560. */
#include <string.h>

#include <pto/tile.h>

#define S 16
#define D 8

void attn_pv(const uint64_t *args)
{
    const float *p = (const float *)pto_bits_ptr(args[0]);
    const float *v = (const float *)pto_bits_ptr(args[1]);
    size_t ldv = (size_t)args[2];
    float *o = (float *)pto_bits_ptr(args[3]);
    size_t ldo = (size_t)args[4];
    PTO_TILE_DECL(pt, PTO_F32, S, S);
    PTO_TILE_DECL(vt, PTO_F32, S, D);
    PTO_TILE_DECL(ot, PTO_F32, S, D);
    int st = 0;

    st |= pto_t_load(&pt, p, S);       /*  256 */
    st |= pto_t_load(&vt, v, ldv);     /*  128 */
    st |= pto_t_matmul(&ot, &pt, &vt); /* 2048 */
    st |= pto_t_store(o, ldo, &ot);    /*  128 */
    if (st)
        for (int i = 0; i < S; i++)
            memset(o + i * ldo, 0xff, D * sizeof(float));
}
