/* llama: one toy Llama decoder block on 16 tokens, f32.
 *
 *   seq 16, hidden 32, 2 heads of 16, ffn 64, causal attention, eps 1e-5:
 *   Xn  = rmsnorm(X) * g1
 *   Q, K, V = Xn @ Wq, Xn @ Wk, Xn @ Wv          (per head)
 *   A_h = softmax(Q_h K_h^T / 4 + causal) V_h    (per head), A = [A_0 A_1]
 *   H   = X + A @ Wo
 *   Hn  = rmsnorm(H) * g2
 *   Y   = H + (silu(Hn @ Wg) * (Hn @ Wu)) @ Wd
 *
 * 17 tasks, added in this order (id: kernel, core):
 *   t0 rms1 (AIV)   t1 qkv h0 (AIC)   t2 qkv h1 (AIC)
 *   t3 qk h0 (AIC)  t4 softmax h0 (AIV)  t5 pv h0 (AIC)
 *   t6 qk h1 (AIC)  t7 softmax h1 (AIV)  t8 pv h1 (AIC)
 *   t9 oproj (AIC)  t10 residual1 (AIV)  t11 rms2 (AIV)
 *   t12 gate (AIC)  t13 up (AIC)  t14 silu*up (AIV)  t15 down (AIC)
 *   t16 residual2 (AIV)
 * Inputs: a deterministic LCG; the golden recomputes the block in double. */
#include <math.h>
#include <string.h>

#include <pto/example.h>
#include <pto/pto.h>

#define S 16
#define HID 32
#define NH 2
#define HD 16
#define FFN 64
#define QKVW (3 * HID)
#define EPS 1e-5f

enum {
    FUNC_RMSNORM = 0,
    FUNC_QKV = 1,
    FUNC_QK = 2,
    FUNC_SOFTMAX = 3,
    FUNC_PV = 4,
    FUNC_MATMUL = 5,
    FUNC_ADD = 6,
    FUNC_SILU_MUL = 7
};

/* Device buffers (float), with their element counts. */
enum {
    B_X,
    B_G1,
    B_G2,
    B_WQKV,
    B_WO,
    B_WG,
    B_WU,
    B_WD,
    B_MASK, /* inputs */
    B_XN,
    B_QKV,
    B_S,
    B_P,
    B_ATTN,
    B_O,
    B_H,
    B_HN,
    B_GATE,
    B_UP,
    B_ACT,
    B_DOWN,
    B_Y,
    B_COUNT
};
static const size_t buf_elems[B_COUNT] = {
    [B_X] = S * HID,    [B_G1] = HID,       [B_G2] = HID,       [B_WQKV] = HID * QKVW,
    [B_WO] = HID * HID, [B_WG] = HID * FFN, [B_WU] = HID * FFN, [B_WD] = FFN * HID,
    [B_MASK] = S * S,   [B_XN] = S * HID,   [B_QKV] = S * QKVW, [B_S] = NH * S * S,
    [B_P] = NH * S * S, [B_ATTN] = S * HID, [B_O] = S * HID,    [B_H] = S * HID,
    [B_HN] = S * HID,   [B_GATE] = S * FFN, [B_UP] = S * FFN,   [B_ACT] = S * FFN,
    [B_DOWN] = S * HID, [B_Y] = S * HID,
};
#define N_INPUTS (B_MASK + 1)

typedef struct llama_ctx {
    float *dev[B_COUNT];
    float x[S * HID], g1[HID], g2[HID], wqkv[HID * QKVW], wo[HID * HID];
    float wg[HID * FFN], wu[HID * FFN], wd[FFN * HID], mask[S * S];
    float y[S * HID];
} llama_ctx;

static float *host_input(llama_ctx *c, int b)
{
    switch (b) {
    case B_X: return c->x;
    case B_G1: return c->g1;
    case B_G2: return c->g2;
    case B_WQKV: return c->wqkv;
    case B_WO: return c->wo;
    case B_WG: return c->wg;
    case B_WU: return c->wu;
    case B_WD: return c->wd;
    case B_MASK: return c->mask;
    }
    return NULL;
}

static void init_inputs(llama_ctx *c)
{
    uint64_t st = 0x11a3aull;
    for (int i = 0; i < S * HID; i++)
        c->x[i] = pto_example_rand(&st);
    for (int i = 0; i < HID; i++)
        c->g1[i] = 1.0f + 0.5f * pto_example_rand(&st);
    for (int i = 0; i < HID; i++)
        c->g2[i] = 1.0f + 0.5f * pto_example_rand(&st);
    /* weights ~ U(-1, 1) / sqrt(fan_in) */
    for (int i = 0; i < HID * QKVW; i++)
        c->wqkv[i] = pto_example_rand(&st) / sqrtf((float)HID);
    for (int i = 0; i < HID * HID; i++)
        c->wo[i] = pto_example_rand(&st) / sqrtf((float)HID);
    for (int i = 0; i < HID * FFN; i++)
        c->wg[i] = pto_example_rand(&st) / sqrtf((float)HID);
    for (int i = 0; i < HID * FFN; i++)
        c->wu[i] = pto_example_rand(&st) / sqrtf((float)HID);
    for (int i = 0; i < FFN * HID; i++)
        c->wd[i] = pto_example_rand(&st) / sqrtf((float)FFN);
    for (int i = 0; i < S; i++)
        for (int j = 0; j < S; j++)
            c->mask[i * S + j] = j <= i ? 0.0f : -INFINITY;
    memset(c->y, 0, sizeof c->y);
}

static pto_status task(pto_run *run, int func, pto_core_type type, const uint64_t *args,
                       uint32_t nargs, pto_task_id *id, pto_error *err)
{
    return pto_add_task(run, func, type, args, nargs, id, err);
}

static pto_status deps(pto_run *run, const pto_task_id *producers, int n, pto_task_id consumer,
                       pto_error *err)
{
    for (int i = 0; i < n; i++)
        PTO_TRY(pto_add_dep(run, producers[i], consumer, err));
    return PTO_OK;
}

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    llama_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    for (int b = 0; b < B_COUNT; b++) {
        void *p = NULL;
        PTO_TRY(pto_malloc(dev, buf_elems[b] * sizeof(float), &p, err));
        c->dev[b] = p;
    }
    init_inputs(c);
    for (int b = 0; b < N_INPUTS; b++)
        PTO_TRY(pto_copy_to_device(dev, c->dev[b], host_input(c, b), buf_elems[b] * sizeof(float),
                                   err));

#define P(b) pto_ptr_bits(c->dev[b])
    pto_task_id rms1, qkv[NH], qk[NH], sm[NH], pv[NH], oproj, res1, rms2, gate, up, act, down, res2;
    uint64_t a_rms1[] = {P(B_X), P(B_G1), P(B_XN), pto_f32_bits(EPS)};
    PTO_TRY(task(run, FUNC_RMSNORM, PTO_CORE_AIV, a_rms1, 4, &rms1, err));
    for (int h = 0; h < NH; h++) {
        uint64_t a[] = {P(B_XN), P(B_WQKV), (uint64_t)h, P(B_QKV)};
        PTO_TRY(task(run, FUNC_QKV, PTO_CORE_AIC, a, 4, &qkv[h], err));
        PTO_TRY(deps(run, &rms1, 1, qkv[h], err));
    }
    for (int h = 0; h < NH; h++) {
        uint64_t s = pto_ptr_bits(c->dev[B_S] + h * S * S);
        uint64_t p = pto_ptr_bits(c->dev[B_P] + h * S * S);
        uint64_t a_qk[] = {P(B_QKV), (uint64_t)h, s};
        uint64_t a_sm[] = {s, P(B_MASK), p, pto_f32_bits(1.0f / sqrtf((float)HD))};
        uint64_t a_pv[] = {p, P(B_QKV), (uint64_t)h, P(B_ATTN)};
        PTO_TRY(task(run, FUNC_QK, PTO_CORE_AIC, a_qk, 3, &qk[h], err));
        PTO_TRY(deps(run, &qkv[h], 1, qk[h], err));
        PTO_TRY(task(run, FUNC_SOFTMAX, PTO_CORE_AIV, a_sm, 4, &sm[h], err));
        PTO_TRY(deps(run, &qk[h], 1, sm[h], err));
        PTO_TRY(task(run, FUNC_PV, PTO_CORE_AIC, a_pv, 4, &pv[h], err));
        PTO_TRY(deps(run, &sm[h], 1, pv[h], err));
    }
    /* qk[h] reads K_h, V_h of qkv[h] only; pv[h] reads V_h: both covered. */
    uint64_t a_o[] = {P(B_ATTN), P(B_WO), P(B_O), S, HID, HID};
    PTO_TRY(task(run, FUNC_MATMUL, PTO_CORE_AIC, a_o, 6, &oproj, err));
    PTO_TRY(deps(run, pv, NH, oproj, err));
    uint64_t a_r1[] = {P(B_X), P(B_O), P(B_H)};
    PTO_TRY(task(run, FUNC_ADD, PTO_CORE_AIV, a_r1, 3, &res1, err));
    PTO_TRY(deps(run, &oproj, 1, res1, err));
    uint64_t a_rms2[] = {P(B_H), P(B_G2), P(B_HN), pto_f32_bits(EPS)};
    PTO_TRY(task(run, FUNC_RMSNORM, PTO_CORE_AIV, a_rms2, 4, &rms2, err));
    PTO_TRY(deps(run, &res1, 1, rms2, err));
    uint64_t a_g[] = {P(B_HN), P(B_WG), P(B_GATE), S, HID, FFN};
    PTO_TRY(task(run, FUNC_MATMUL, PTO_CORE_AIC, a_g, 6, &gate, err));
    PTO_TRY(deps(run, &rms2, 1, gate, err));
    uint64_t a_u[] = {P(B_HN), P(B_WU), P(B_UP), S, HID, FFN};
    PTO_TRY(task(run, FUNC_MATMUL, PTO_CORE_AIC, a_u, 6, &up, err));
    PTO_TRY(deps(run, &rms2, 1, up, err));
    uint64_t a_act[] = {P(B_GATE), P(B_UP), P(B_ACT)};
    PTO_TRY(task(run, FUNC_SILU_MUL, PTO_CORE_AIV, a_act, 3, &act, err));
    pto_task_id gu[2] = {gate, up};
    PTO_TRY(deps(run, gu, 2, act, err));
    uint64_t a_d[] = {P(B_ACT), P(B_WD), P(B_DOWN), S, FFN, HID};
    PTO_TRY(task(run, FUNC_MATMUL, PTO_CORE_AIC, a_d, 6, &down, err));
    PTO_TRY(deps(run, &act, 1, down, err));
    uint64_t a_r2[] = {P(B_H), P(B_DOWN), P(B_Y)};
    PTO_TRY(task(run, FUNC_ADD, PTO_CORE_AIV, a_r2, 3, &res2, err));
    pto_task_id r2[2] = {down, res1};
    PTO_TRY(deps(run, r2, 2, res2, err));
#undef P
    return pto_copy_back(run, c->y, c->dev[B_Y], sizeof c->y, err);
}

/* ---- golden, in double */

static void g_rmsnorm(const double *x, const float *g, double *y)
{
    for (int i = 0; i < S; i++) {
        double ss = 0.0;
        for (int j = 0; j < HID; j++)
            ss += x[i * HID + j] * x[i * HID + j];
        double inv = 1.0 / sqrt(ss / HID + (double)EPS);
        for (int j = 0; j < HID; j++)
            y[i * HID + j] = x[i * HID + j] * inv * g[j];
    }
}

/* c (m x n) = a (m x k, row stride lda) @ b (k x n, row stride ldb) */
static void g_matmul(const double *a, int lda, const float *b, int ldb, double *c, int ldc, int m,
                     int k, int n)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0.0;
            for (int p = 0; p < k; p++)
                s += a[i * lda + p] * (double)b[p * ldb + j];
            c[i * ldc + j] = s;
        }
}

static void golden(const llama_ctx *c, double *y)
{
    static double x[S * HID], xn[S * HID], q[S * HID], k[S * HID], v[S * HID];
    static double attn[S * HID], h[S * HID], hn[S * HID], gt[S * FFN], ut[S * FFN];
    for (int i = 0; i < S * HID; i++)
        x[i] = c->x[i];
    g_rmsnorm(x, c->g1, xn);
    g_matmul(xn, HID, c->wqkv, QKVW, q, HID, S, HID, HID);
    g_matmul(xn, HID, c->wqkv + HID, QKVW, k, HID, S, HID, HID);
    g_matmul(xn, HID, c->wqkv + 2 * HID, QKVW, v, HID, S, HID, HID);
    for (int hh = 0; hh < NH; hh++)
        for (int i = 0; i < S; i++) {
            double sc[S], mx = -INFINITY, sum = 0.0;
            for (int j = 0; j <= i; j++) {
                double d = 0.0;
                for (int e = 0; e < HD; e++)
                    d += q[i * HID + hh * HD + e] * k[j * HID + hh * HD + e];
                sc[j] = d / sqrt((double)HD);
                mx = sc[j] > mx ? sc[j] : mx;
            }
            for (int j = 0; j <= i; j++)
                sum += (sc[j] = exp(sc[j] - mx));
            for (int e = 0; e < HD; e++) {
                double o = 0.0;
                for (int j = 0; j <= i; j++)
                    o += sc[j] / sum * v[j * HID + hh * HD + e];
                attn[i * HID + hh * HD + e] = o;
            }
        }
    g_matmul(attn, HID, c->wo, HID, h, HID, S, HID, HID);
    for (int i = 0; i < S * HID; i++)
        h[i] += x[i];
    g_rmsnorm(h, c->g2, hn);
    g_matmul(hn, HID, c->wg, FFN, gt, FFN, S, HID, FFN);
    g_matmul(hn, HID, c->wu, FFN, ut, FFN, S, HID, FFN);
    for (int i = 0; i < S * FFN; i++)
        gt[i] = gt[i] / (1.0 + exp(-gt[i])) * ut[i];
    g_matmul(gt, FFN, c->wd, HID, y, HID, S, FFN, HID);
    for (int i = 0; i < S * HID; i++)
        y[i] += h[i];
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const llama_ctx *c = vctx;
    static double y[S * HID];
    double worst = 0.0;
    golden(c, y);
    for (int i = 0; i < S * HID; i++) {
        pto_example_err(&worst, (double)c->y[i], y[i]);
    }
    *max_err = worst;
    *tolerance = 1e-5; /* |y| is O(1); f32 error through ~10 chained ops */
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    llama_ctx *c = vctx;
    for (int b = 0; b < B_COUNT; b++) {
        if (c->dev[b])
            pto_free(dev, c->dev[b], NULL);
        c->dev[b] = NULL;
    }
}

static const pto_example_kernel kernels[] = {
    {FUNC_RMSNORM, PTO_CORE_AIV, "kernels/ll_rmsnorm.c", "ll_rmsnorm"},
    {FUNC_QKV, PTO_CORE_AIC, "kernels/ll_qkv_head.c", "ll_qkv_head"},
    {FUNC_QK, PTO_CORE_AIC, "kernels/ll_qk.c", "ll_qk"},
    {FUNC_SOFTMAX, PTO_CORE_AIV, "kernels/ll_softmax.c", "ll_softmax"},
    {FUNC_PV, PTO_CORE_AIC, "kernels/ll_pv.c", "ll_pv"},
    {FUNC_MATMUL, PTO_CORE_AIC, "kernels/ll_matmul.c", "ll_matmul"},
    {FUNC_ADD, PTO_CORE_AIV, "kernels/ll_add.c", "ll_add"},
    {FUNC_SILU_MUL, PTO_CORE_AIV, "kernels/ll_silu_mul.c", "ll_silu_mul"},
};

static const pto_example example = {
    .name = "llama",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(llama_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
