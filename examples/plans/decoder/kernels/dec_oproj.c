/* Output projection with the residual, one 16-column block of the model
 * dimension (AIC):  h1[:, j] = x[:, j] + o @ Wo[:, j]
 * args: o (8 x 48 f32), wo (48 x 16 column block, row stride 48), x, h1
 * (8 x 16 column blocks, row stride 48; h1 out).
 *
 * Cycles (pto/tile.h cost model, DESIGN 5):
 *   load o 384, load Wo 768, matmul 8*48*16 6144, load x 128, add 128,
 *   store 128 = 7680. */
#include <string.h>

#include <pto/tile.h>

#define T 8
#define D 48
#define HD 16

void dec_oproj(const uint64_t *args)
{
    const float *o = (const float *)pto_bits_ptr(args[0]);
    const float *wo = (const float *)pto_bits_ptr(args[1]);
    const float *x = (const float *)pto_bits_ptr(args[2]);
    float *h1 = (float *)pto_bits_ptr(args[3]);
    PTO_TILE_DECL(ot, PTO_F32, T, D);
    PTO_TILE_DECL(wt, PTO_F32, D, HD);
    PTO_TILE_DECL(acc, PTO_F32, T, HD);
    PTO_TILE_DECL(xt, PTO_F32, T, HD);
    int st = 0;
    st |= pto_t_load(&ot, o, D);        /*  384 */
    st |= pto_t_load(&wt, wo, D);       /*  768 */
    st |= pto_t_matmul(&acc, &ot, &wt); /* 6144 */
    st |= pto_t_load(&xt, x, D);        /*  128 */
    st |= pto_t_add(&acc, &acc, &xt);   /*  128 */
    st |= pto_t_store(h1, D, &acc);     /*  128 */
    if (st)
        for (int r = 0; r < T; r++)
            memset(h1 + r * D, 0xff, HD * sizeof(float));
}
