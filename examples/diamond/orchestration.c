/* diamond: F = exp(sqrt(log A) @ W1 + sqrt(log A) @ W2) on 128 x 128 floats.
 *
 *            t0 (AIV): B = sqrt(log A)
 *           /                         \
 *  t1 (AIC): C1 = B @ W1     t2 (AIC): C2 = B @ W2
 *           \                         /
 *            t3 (AIV): F = exp(C1 + C2)
 *
 * With A = e^4 and W1 = W2 = 1/256 everywhere: B = 2, C1 = C2 = 1, so every
 * element of F is e^2 = 7.389... */
#include <math.h>

#include <pto/example.h>
#include <pto/pto.h>

#define DIM 128
#define ELEMS (DIM * DIM)
#define BYTES (ELEMS * sizeof(float))
#define E4 54.598150033144236f /* e^4 */

enum { FUNC_SQRT_LOG = 0, FUNC_MATMUL = 1, FUNC_ADD_EXP = 2 };
enum { T_A, T_W1, T_W2, T_B, T_C1, T_C2, T_F, T_COUNT }; /* device tensors */

/* Host side of one run. dev[] entries are NULL until allocated (teardown may
 * follow a partial orchestration); host_f receives the copy-back of F. */
typedef struct diamond_ctx {
    float *dev[T_COUNT];
    float host_a[ELEMS], host_w1[ELEMS], host_w2[ELEMS], host_f[ELEMS];
    double gold_b[ELEMS]; /* check(): sqrt(log A) in double */
} diamond_ctx;

static uint64_t bits(const diamond_ctx *c, int t) { return pto_ptr_bits(c->dev[t]); }

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    diamond_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    for (int t = 0; t < T_COUNT; t++) {
        void *p = NULL;
        PTO_TRY(pto_malloc(dev, BYTES, &p, err));
        c->dev[t] = p;
    }
    for (int i = 0; i < ELEMS; i++) {
        c->host_a[i] = E4;
        c->host_w1[i] = 1.0f / 256.0f;
        c->host_w2[i] = 1.0f / 256.0f;
    }
    PTO_TRY(pto_copy_to_device(dev, c->dev[T_A], c->host_a, BYTES, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev[T_W1], c->host_w1, BYTES, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev[T_W2], c->host_w2, BYTES, err));

    uint64_t a0[] = {bits(c, T_A), bits(c, T_B), ELEMS};
    uint64_t a1[] = {bits(c, T_B), bits(c, T_W1), bits(c, T_C1), DIM, DIM, DIM};
    uint64_t a2[] = {bits(c, T_B), bits(c, T_W2), bits(c, T_C2), DIM, DIM, DIM};
    uint64_t a3[] = {bits(c, T_C1), bits(c, T_C2), bits(c, T_F), ELEMS};
    pto_task_id t0, t1, t2, t3;
    PTO_TRY(pto_add_task(run, FUNC_SQRT_LOG, PTO_CORE_AIV, a0, 3, &t0, err));
    PTO_TRY(pto_add_task(run, FUNC_MATMUL, PTO_CORE_AIC, a1, 6, &t1, err));
    PTO_TRY(pto_add_task(run, FUNC_MATMUL, PTO_CORE_AIC, a2, 6, &t2, err));
    PTO_TRY(pto_add_task(run, FUNC_ADD_EXP, PTO_CORE_AIV, a3, 4, &t3, err));
    PTO_TRY(pto_add_dep(run, t0, t1, err));
    PTO_TRY(pto_add_dep(run, t0, t2, err));
    PTO_TRY(pto_add_dep(run, t1, t3, err));
    PTO_TRY(pto_add_dep(run, t2, t3, err));
    return pto_copy_back(run, c->host_f, c->dev[T_F], BYTES, err);
}

/* Golden in double precision, straight from the definition. */
static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    diamond_ctx *c = vctx;
    double *b = c->gold_b;
    for (int i = 0; i < ELEMS; i++)
        b[i] = sqrt(log((double)c->host_a[i]));
    double worst = 0.0, scale = 0.0;
    for (int i = 0; i < DIM; i++) {
        for (int j = 0; j < DIM; j++) {
            double c1 = 0.0, c2 = 0.0;
            for (int k = 0; k < DIM; k++) {
                c1 += b[i * DIM + k] * (double)c->host_w1[k * DIM + j];
                c2 += b[i * DIM + k] * (double)c->host_w2[k * DIM + j];
            }
            double golden = exp(c1 + c2);
            pto_example_err(&worst, (double)c->host_f[i * DIM + j], golden);
            if (fabs(golden) > scale)
                scale = fabs(golden);
        }
    }
    *max_err = worst;
    *tolerance = 1e-4 * scale; /* 1e-4 relative to the largest golden value */
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    diamond_ctx *c = vctx;
    for (int t = 0; t < T_COUNT; t++) {
        if (c->dev[t])
            pto_free(dev, c->dev[t], NULL);
        c->dev[t] = NULL;
    }
}

static const pto_example_kernel kernels[] = {
    {FUNC_SQRT_LOG, PTO_CORE_AIV, "kernels/kernel_sqrt_log.c", "kernel_sqrt_log"},
    {FUNC_MATMUL, PTO_CORE_AIC, "kernels/kernel_matmul.c", "kernel_matmul"},
    {FUNC_ADD_EXP, PTO_CORE_AIV, "kernels/kernel_add_exp.c", "kernel_add_exp"},
};

static const pto_example example = {
    .name = "diamond",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(diamond_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
