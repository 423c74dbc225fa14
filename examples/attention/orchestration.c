/* attention: O = softmax(Q K^T / sqrt(D)) V for B = 1, H = 2 heads, S = 16,
 * D = 8; Q, K, V, O are [H][S][D] f32 (batch dimension of 1 dropped).
 * Per head h, a chain of three tasks:
 *
 *   qk[h] (AIC)       S_h = Q_h @ K_h^T           attn_qk
 *   softmax[h] (AIV)  P_h = softmax(S_h / sqrt(8)) attn_softmax
 *   pv[h] (AIC)       O_h = P_h @ V_h              attn_pv
 *
 * 6 tasks, added head by head (qk0, sm0, pv0, qk1, sm1, pv1). Inputs: a
 * deterministic LCG in [-1, 1]; the golden is plain attention in double. */
#include <math.h>
#include <string.h>

#include <pto/example.h>
#include <pto/pto.h>

#define H 2
#define S 16
#define D 8
#define ELEMS (H * S * D)
#define BYTES (ELEMS * sizeof(float))
#define SCRATCH_BYTES (2 * H * S * S * sizeof(float)) /* S_h and P_h per head */

enum { FUNC_QK = 0, FUNC_SOFTMAX = 1, FUNC_PV = 2 };
enum { T_Q, T_K, T_V, T_O, T_SCRATCH, T_COUNT };

typedef struct attention_ctx {
    float *dev[T_COUNT];
    float host_q[ELEMS], host_k[ELEMS], host_v[ELEMS], host_o[ELEMS];
} attention_ctx;

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    attention_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    for (int t = 0; t < T_COUNT; t++) {
        void *p = NULL;
        PTO_TRY(pto_malloc(dev, t == T_SCRATCH ? SCRATCH_BYTES : BYTES, &p, err));
        c->dev[t] = p;
    }
    uint64_t state = 0xa77e7710ull;
    for (int i = 0; i < ELEMS; i++)
        c->host_q[i] = pto_example_rand(&state);
    for (int i = 0; i < ELEMS; i++)
        c->host_k[i] = pto_example_rand(&state);
    for (int i = 0; i < ELEMS; i++)
        c->host_v[i] = pto_example_rand(&state);
    memset(c->host_o, 0, sizeof c->host_o);
    PTO_TRY(pto_copy_to_device(dev, c->dev[T_Q], c->host_q, BYTES, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev[T_K], c->host_k, BYTES, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev[T_V], c->host_v, BYTES, err));

    const float scale = 1.0f / sqrtf((float)D);
    for (int h = 0; h < H; h++) {
        size_t off = (size_t)h * S * D;
        float *sc = c->dev[T_SCRATCH] + (size_t)2 * h * S * S, *p = sc + S * S;
        uint64_t qk[] = {pto_ptr_bits(c->dev[T_Q] + off), D, pto_ptr_bits(c->dev[T_K] + off), D,
                         pto_ptr_bits(sc)};
        uint64_t sm[] = {pto_ptr_bits(sc), pto_ptr_bits(p), pto_f32_bits(scale)};
        uint64_t pv[] = {pto_ptr_bits(p), pto_ptr_bits(c->dev[T_V] + off), D,
                         pto_ptr_bits(c->dev[T_O] + off), D};
        pto_task_id t_qk, t_sm, t_pv;
        PTO_TRY(pto_add_task(run, FUNC_QK, PTO_CORE_AIC, qk, 5, &t_qk, err));
        PTO_TRY(pto_add_task(run, FUNC_SOFTMAX, PTO_CORE_AIV, sm, 3, &t_sm, err));
        PTO_TRY(pto_add_task(run, FUNC_PV, PTO_CORE_AIC, pv, 5, &t_pv, err));
        PTO_TRY(pto_add_dep(run, t_qk, t_sm, err));
        PTO_TRY(pto_add_dep(run, t_sm, t_pv, err));
    }
    return pto_copy_back(run, c->host_o, c->dev[T_O], BYTES, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const attention_ctx *c = vctx;
    double worst = 0.0;
    for (int h = 0; h < H; h++) {
        const float *q = c->host_q + h * S * D, *k = c->host_k + h * S * D;
        const float *v = c->host_v + h * S * D;
        for (int i = 0; i < S; i++) {
            double sc[S], mx = -INFINITY, sum = 0.0;
            for (int j = 0; j < S; j++) {
                double dot = 0.0;
                for (int d = 0; d < D; d++)
                    dot += (double)q[i * D + d] * (double)k[j * D + d];
                sc[j] = dot / sqrt((double)D);
                mx = sc[j] > mx ? sc[j] : mx;
            }
            for (int j = 0; j < S; j++)
                sum += (sc[j] = exp(sc[j] - mx));
            for (int d = 0; d < D; d++) {
                double golden = 0.0;
                for (int j = 0; j < S; j++)
                    golden += sc[j] / sum * (double)v[j * D + d];
                pto_example_err(&worst, (double)c->host_o[(h * S + i) * D + d], golden);
            }
        }
    }
    *max_err = worst;
    *tolerance = 1e-5;
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    attention_ctx *c = vctx;
    for (int t = 0; t < T_COUNT; t++) {
        if (c->dev[t])
            pto_free(dev, c->dev[t], NULL);
        c->dev[t] = NULL;
    }
}

static const pto_example_kernel kernels[] = {
    {FUNC_QK, PTO_CORE_AIC, "kernels/attn_qk.c", "attn_qk"},
    {FUNC_SOFTMAX, PTO_CORE_AIV, "kernels/attn_softmax.c", "attn_softmax"},
    {FUNC_PV, PTO_CORE_AIC, "kernels/attn_pv.c", "attn_pv"},
};

static const pto_example example = {
    .name = "attention",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(attention_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
