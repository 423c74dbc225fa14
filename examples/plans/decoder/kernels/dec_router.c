/* The MoE router of the decoder plan (AIV): top-1 of E = 8 experts for each
 * of T = 8 tokens,
 *   route[t] = argmax_e (hn @ Wr)[t][e]
 *   masks[t][e] = (route[t] == e) (f32), counts[e] = tokens routed to e (i32)
 *   active = sum over e of 2^e * min(counts[e], 1): bit e set when expert e
 *   has tokens (i32; the plan loads it into a slot for the predicates)
 * args: hn (8 x 48), wr (48 x 8), masks (8 x 8 out), counts (1 x 8 out),
 * active (1 x 1 out).
 *
 * The tile library has no compare: the one-hot is computed exactly in i32
 * as relu(1 - |e - route[t]|) from a tile of expert numbers broadcast down
 * the columns; the counts are the column sums, a matmul by a row of ones.
 *
 * Cycles (pto/tile.h cost model, DESIGN 5; 8 x 8 = 64):
 *   load hn 8x48 384, load Wr 48x8 384, matmul 8*48*8 3072,
 *   topk k = 1 of 8x8: 5*8*8 + 8*1 = 328,
 *   load the expert numbers 1x8 8, fill 64, col_expand_add 64,
 *   row_expand_sub 64, abs 64, neg 64, adds 64, relu 64, convert 64,
 *   store masks 64, fill ones 1x8 8, matmul 1*8*8 64, convert 8,
 *   store counts 8, mins 8, load the bit values 8, mul 8, row_sum 1,
 *   store active 1                                          = 4866 */
#include <string.h>

#include <pto/tile.h>

#define T 8
#define D 48
#define E 8

static const int32_t expert_no[E] = {0, 1, 2, 3, 4, 5, 6, 7};
static const int32_t expert_bit[E] = {1, 2, 4, 8, 16, 32, 64, 128};

void dec_router(const uint64_t *args)
{
    const float *hn = (const float *)pto_bits_ptr(args[0]);
    const float *wr = (const float *)pto_bits_ptr(args[1]);
    float *masks = (float *)pto_bits_ptr(args[2]);
    int32_t *counts = (int32_t *)pto_bits_ptr(args[3]);
    int32_t *active = (int32_t *)pto_bits_ptr(args[4]);
    PTO_TILE_DECL(x, PTO_F32, T, D);
    PTO_TILE_DECL(w, PTO_F32, D, E);
    PTO_TILE_DECL(logit, PTO_F32, T, E);
    PTO_TILE_DECL(best, PTO_F32, T, 1);
    PTO_TILE_DECL(route, PTO_I32, T, 1);
    PTO_TILE_DECL(num, PTO_I32, 1, E);
    PTO_TILE_DECL(hot, PTO_I32, T, E);
    PTO_TILE_DECL(hotf, PTO_F32, T, E);
    PTO_TILE_DECL(ones, PTO_F32, 1, T);
    PTO_TILE_DECL(cntf, PTO_F32, 1, E);
    PTO_TILE_DECL(cnt, PTO_I32, 1, E);
    PTO_TILE_DECL(bits, PTO_I32, 1, E);
    PTO_TILE_DECL(act, PTO_I32, 1, 1);
    int st = 0;
    st |= pto_t_load(&x, hn, D);                    /*  384 */
    st |= pto_t_load(&w, wr, E);                    /*  384 */
    st |= pto_t_matmul(&logit, &x, &w);             /* 3072 */
    st |= pto_t_topk(&best, &route, &logit, 1);     /*  328 */
    st |= pto_t_load(&num, expert_no, E);           /*    8 */
    st |= pto_t_fill(&hot, 0.0f);                   /*   64 */
    st |= pto_t_col_expand_add(&hot, &hot, &num);   /*   64: e */
    st |= pto_t_row_expand_sub(&hot, &hot, &route); /*   64: e - route[t] */
    st |= pto_t_abs(&hot, &hot);                    /*   64 */
    st |= pto_t_neg(&hot, &hot);                    /*   64 */
    st |= pto_t_adds(&hot, &hot, 1.0f);             /*   64 */
    st |= pto_t_relu(&hot, &hot);                   /*   64: 1 where e == route[t] */
    st |= pto_t_convert(&hotf, &hot);               /*   64 */
    st |= pto_t_store(masks, E, &hotf);             /*   64 */
    st |= pto_t_fill(&ones, 1.0f);                  /*    8 */
    st |= pto_t_matmul(&cntf, &ones, &hotf);        /*   64: column sums */
    st |= pto_t_convert(&cnt, &cntf);               /*    8 */
    st |= pto_t_store(counts, E, &cnt);             /*    8 */
    st |= pto_t_mins(&cnt, &cnt, 1.0f);             /*    8: 1 when the expert has tokens */
    st |= pto_t_load(&bits, expert_bit, E);         /*    8 */
    st |= pto_t_mul(&cnt, &cnt, &bits);             /*    8 */
    st |= pto_t_row_sum(&act, &cnt);                /*    1 */
    st |= pto_t_store(active, 1, &act);             /*    1 */
    if (st) { /* poison: every expert runs on garbage and the goldens fail */
        memset(masks, 0xff, T * E * sizeof(float));
        memset(counts, 0x7f, E * sizeof(int32_t));
        *active = 0xff;
    }
}
