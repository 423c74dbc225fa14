/* paged_attention: one decode step of multi-query attention over a paged KV
 * cache, with online softmax across KV blocks.
 *
 *   batch 1, 16 query heads, 1 KV head, head_dim 16, KV block size 16,
 *   context length 33, max context 256 (block table of 16 entries).
 *
 * The sequence's 33 positions live in 3 KV blocks named by the block table
 * (physical blocks 11, 4 and 7 of a 16-block pool); block 2 holds 1 valid
 * position. The other 13 table entries are -1 and the unused pool blocks are
 * filled with garbage (100.0) that must never be read. The orchestration
 * resolves the block table on the host and, for each KV block j
 * (n_j = 16, 16, 1 valid keys), adds:
 *
 *   qk[j]  (AIC)  S_j = Q @ K_j^T                      pa_qk
 *   sm[j]  (AIV)  online softmax step: m, l, p_j, alpha_j   pa_softmax
 *   pv[j]  (AIC)  PV_j = p_j @ V_j                     pa_pv
 *   up[j]  (AIV)  O = O * alpha_j + PV_j                pa_update
 *
 * and finally fin (AIV): out = O / l (pa_finalize). Dependencies:
 * qk[j] -> sm[j], sm[j-1] -> sm[j], sm[j] -> pv[j], pv[j] -> up[j],
 * up[j-1] -> up[j], up[2] -> fin. 13 tasks. The state starts at m = -inf,
 * l = 0, O = 0. The golden is plain softmax attention over the 33 positions
 * in double precision. */
#include <math.h>
#include <string.h>

#include <pto/example.h>
#include <pto/pto.h>

#define HEADS 16
#define D 16
#define BLK 16
#define CTX 33
#define MAX_CTX 256
#define TABLE (MAX_CTX / BLK) /* 16 block-table entries */
#define POOL 16               /* physical KV blocks in the cache */
#define NBLK ((CTX + BLK - 1) / BLK)

enum { FUNC_QK = 0, FUNC_SOFTMAX = 1, FUNC_PV = 2, FUNC_UPDATE = 3, FUNC_FINALIZE = 4 };

/* Device layout, one float buffer each. */
#define Q_ELEMS (HEADS * D)
#define CACHE_ELEMS (POOL * BLK * D)
/* state: m[16], l[16], O[16 x 16]; per block: S, p (16 x 16), alpha[16], PV. */
#define STATE_ELEMS (2 * HEADS + HEADS * D)
#define BLOCK_SCRATCH (2 * HEADS * BLK + HEADS + HEADS * D)

typedef struct pa_ctx {
    float *dev_q, *dev_k, *dev_v, *dev_state, *dev_scratch, *dev_out;
    int32_t block_table[TABLE];
    float host_q[Q_ELEMS], host_k[CACHE_ELEMS], host_v[CACHE_ELEMS];
    float host_state[STATE_ELEMS], host_out[Q_ELEMS];
} pa_ctx;

static pto_status alloc(pto_device *dev, size_t elems, float **out, pto_error *err)
{
    void *p = NULL;
    pto_status s = pto_malloc(dev, elems * sizeof(float), &p, err);
    *out = p;
    return s;
}

static void init_inputs(pa_ctx *c)
{
    static const int32_t used[NBLK] = {11, 4, 7};
    uint64_t state = 0x9a6edull;
    for (int i = 0; i < TABLE; i++)
        c->block_table[i] = i < NBLK ? used[i] : -1;
    for (int i = 0; i < Q_ELEMS; i++)
        c->host_q[i] = pto_example_rand(&state);
    for (int i = 0; i < CACHE_ELEMS; i++)
        c->host_k[i] = c->host_v[i] = 100.0f; /* garbage outside the context */
    for (int t = 0; t < CTX; t++) {
        int phys = c->block_table[t / BLK], slot = t % BLK;
        for (int d = 0; d < D; d++) {
            c->host_k[(phys * BLK + slot) * D + d] = pto_example_rand(&state);
            c->host_v[(phys * BLK + slot) * D + d] = pto_example_rand(&state);
        }
    }
    for (int h = 0; h < HEADS; h++) {
        c->host_state[h] = -INFINITY;    /* m */
        c->host_state[HEADS + h] = 0.0f; /* l */
    }
    memset(c->host_state + 2 * HEADS, 0, HEADS * D * sizeof(float)); /* O */
    memset(c->host_out, 0, sizeof c->host_out);
}

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    pa_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    PTO_TRY(alloc(dev, Q_ELEMS, &c->dev_q, err));
    PTO_TRY(alloc(dev, CACHE_ELEMS, &c->dev_k, err));
    PTO_TRY(alloc(dev, CACHE_ELEMS, &c->dev_v, err));
    PTO_TRY(alloc(dev, STATE_ELEMS, &c->dev_state, err));
    PTO_TRY(alloc(dev, (size_t)NBLK * BLOCK_SCRATCH, &c->dev_scratch, err));
    PTO_TRY(alloc(dev, Q_ELEMS, &c->dev_out, err));
    init_inputs(c);
    PTO_TRY(pto_copy_to_device(dev, c->dev_q, c->host_q, sizeof c->host_q, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_k, c->host_k, sizeof c->host_k, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_v, c->host_v, sizeof c->host_v, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_state, c->host_state, sizeof c->host_state, err));

    float *m = c->dev_state, *l = m + HEADS, *o = l + HEADS;
    const float scale = 1.0f / sqrtf((float)D); /* 0.25 */
    pto_task_id prev_sm = 0, prev_up = 0;
    for (int j = 0; j * BLK < CTX; j++) {
        uint32_t n = CTX - j * BLK < BLK ? (uint32_t)(CTX - j * BLK) : BLK;
        int32_t phys = c->block_table[j];
        const float *kb = c->dev_k + (size_t)phys * BLK * D;
        const float *vb = c->dev_v + (size_t)phys * BLK * D;
        float *s = c->dev_scratch + (size_t)j * BLOCK_SCRATCH, *p = s + HEADS * BLK;
        float *alpha = p + HEADS * BLK, *pv = alpha + HEADS;
        uint64_t qk[] = {pto_ptr_bits(c->dev_q), pto_ptr_bits(kb), n, pto_ptr_bits(s)};
        uint64_t sm[] = {pto_ptr_bits(s),     n,
                         pto_f32_bits(scale), pto_ptr_bits(m),
                         pto_ptr_bits(l),     pto_ptr_bits(p),
                         pto_ptr_bits(alpha)};
        uint64_t pva[] = {pto_ptr_bits(p), n, pto_ptr_bits(vb), pto_ptr_bits(pv)};
        uint64_t up[] = {pto_ptr_bits(o), pto_ptr_bits(alpha), pto_ptr_bits(pv)};
        pto_task_id t_qk, t_sm, t_pv, t_up;
        PTO_TRY(pto_add_task(run, FUNC_QK, PTO_CORE_AIC, qk, 4, &t_qk, err));
        PTO_TRY(pto_add_task(run, FUNC_SOFTMAX, PTO_CORE_AIV, sm, 7, &t_sm, err));
        PTO_TRY(pto_add_task(run, FUNC_PV, PTO_CORE_AIC, pva, 4, &t_pv, err));
        PTO_TRY(pto_add_task(run, FUNC_UPDATE, PTO_CORE_AIV, up, 3, &t_up, err));
        PTO_TRY(pto_add_dep(run, t_qk, t_sm, err));
        if (j > 0)
            PTO_TRY(pto_add_dep(run, prev_sm, t_sm, err));
        PTO_TRY(pto_add_dep(run, t_sm, t_pv, err));
        PTO_TRY(pto_add_dep(run, t_pv, t_up, err));
        if (j > 0)
            PTO_TRY(pto_add_dep(run, prev_up, t_up, err));
        prev_sm = t_sm;
        prev_up = t_up;
    }
    uint64_t fa[] = {pto_ptr_bits(o), pto_ptr_bits(l), pto_ptr_bits(c->dev_out)};
    pto_task_id t_fin;
    PTO_TRY(pto_add_task(run, FUNC_FINALIZE, PTO_CORE_AIV, fa, 3, &t_fin, err));
    PTO_TRY(pto_add_dep(run, prev_up, t_fin, err));
    return pto_copy_back(run, c->host_out, c->dev_out, sizeof c->host_out, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const pa_ctx *c = vctx;
    double worst = 0.0;
    for (int h = 0; h < HEADS; h++) {
        double sc[CTX], mx = -INFINITY, sum = 0.0;
        for (int t = 0; t < CTX; t++) {
            const float *k = c->host_k + (c->block_table[t / BLK] * BLK + t % BLK) * D;
            double dot = 0.0;
            for (int d = 0; d < D; d++)
                dot += (double)c->host_q[h * D + d] * (double)k[d];
            sc[t] = dot / sqrt((double)D);
            mx = sc[t] > mx ? sc[t] : mx;
        }
        for (int t = 0; t < CTX; t++)
            sum += (sc[t] = exp(sc[t] - mx));
        for (int d = 0; d < D; d++) {
            double golden = 0.0;
            for (int t = 0; t < CTX; t++)
                golden += sc[t] / sum *
                          (double)c->host_v[(c->block_table[t / BLK] * BLK + t % BLK) * D + d];
            pto_example_err(&worst, (double)c->host_out[h * D + d], golden);
        }
    }
    *max_err = worst;
    *tolerance = 1e-5;
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    pa_ctx *c = vctx;
    float **ptrs[] = {&c->dev_q, &c->dev_k, &c->dev_v, &c->dev_state, &c->dev_scratch, &c->dev_out};
    pto_example_free(dev, ptrs, sizeof ptrs / sizeof ptrs[0]);
}

static const pto_example_kernel kernels[] = {
    {FUNC_QK, PTO_CORE_AIC, "kernels/pa_qk.c", "pa_qk"},
    {FUNC_SOFTMAX, PTO_CORE_AIV, "kernels/pa_softmax.c", "pa_softmax"},
    {FUNC_PV, PTO_CORE_AIC, "kernels/pa_pv.c", "pa_pv"},
    {FUNC_UPDATE, PTO_CORE_AIV, "kernels/pa_update.c", "pa_update"},
    {FUNC_FINALIZE, PTO_CORE_AIV, "kernels/pa_finalize.c", "pa_finalize"},
};

static const pto_example example = {
    .name = "paged_attention",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(pa_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
