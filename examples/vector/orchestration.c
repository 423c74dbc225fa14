/* vector: f = (a + b + 1) * (a + b + 2) over 16384 floats, as four AIV tasks.
 *
 *        t0: c = a + b
 *       /             \
 *  t1: d = c + 1   t2: e = c + 2
 *       \             /
 *        t3: f = d * e
 *
 * With a = 2 and b = 3 every element of f is 42. */
#include <pto/example.h>
#include <pto/pto.h>

#define N 16384
#define BYTES (N * sizeof(float))

enum { FUNC_ADD = 0, FUNC_ADD_SCALAR = 1, FUNC_MUL = 2 };
enum { T_A, T_B, T_C, T_D, T_E, T_F, T_COUNT }; /* device tensors */

/* Host side of one run. dev[] entries are NULL until allocated, so teardown
 * may run after a partial orchestration. host_f is written by the copy-back
 * at the end of the run. */
typedef struct vector_ctx {
    float *dev[T_COUNT];
    float host_a[N], host_b[N], host_f[N];
} vector_ctx;

static pto_status add_task(pto_run *run, int func, uint64_t a0, uint64_t a1, uint64_t a2,
                           pto_task_id *id, pto_error *err)
{
    uint64_t args[4] = {a0, a1, a2, N};
    return pto_add_task(run, func, PTO_CORE_AIV, args, 4, id, err);
}

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    vector_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    for (int t = 0; t < T_COUNT; t++) {
        void *p = NULL;
        PTO_TRY(pto_malloc(dev, BYTES, &p, err));
        c->dev[t] = p;
    }
    for (int i = 0; i < N; i++) {
        c->host_a[i] = 2.0f;
        c->host_b[i] = 3.0f;
    }
    PTO_TRY(pto_copy_to_device(dev, c->dev[T_A], c->host_a, BYTES, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev[T_B], c->host_b, BYTES, err));

    uint64_t a = pto_ptr_bits(c->dev[T_A]), b = pto_ptr_bits(c->dev[T_B]);
    uint64_t cc = pto_ptr_bits(c->dev[T_C]), d = pto_ptr_bits(c->dev[T_D]);
    uint64_t e = pto_ptr_bits(c->dev[T_E]), f = pto_ptr_bits(c->dev[T_F]);
    pto_task_id t0, t1, t2, t3;
    PTO_TRY(add_task(run, FUNC_ADD, a, b, cc, &t0, err));
    PTO_TRY(add_task(run, FUNC_ADD_SCALAR, cc, pto_f32_bits(1.0f), d, &t1, err));
    PTO_TRY(add_task(run, FUNC_ADD_SCALAR, cc, pto_f32_bits(2.0f), e, &t2, err));
    PTO_TRY(add_task(run, FUNC_MUL, d, e, f, &t3, err));
    PTO_TRY(pto_add_dep(run, t0, t1, err));
    PTO_TRY(pto_add_dep(run, t0, t2, err));
    PTO_TRY(pto_add_dep(run, t1, t3, err));
    PTO_TRY(pto_add_dep(run, t2, t3, err));
    return pto_copy_back(run, c->host_f, c->dev[T_F], BYTES, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const vector_ctx *c = vctx;
    double worst = 0.0;
    for (int i = 0; i < N; i++) {
        float s = c->host_a[i] + c->host_b[i];
        double golden = (double)((s + 1.0f) * (s + 2.0f));
        pto_example_err(&worst, (double)c->host_f[i], golden);
    }
    *max_err = worst;
    *tolerance = 1e-5;
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    vector_ctx *c = vctx;
    for (int t = 0; t < T_COUNT; t++) {
        if (c->dev[t])
            pto_free(dev, c->dev[t], NULL);
        c->dev[t] = NULL;
    }
}

static const pto_example_kernel kernels[] = {
    {FUNC_ADD, PTO_CORE_AIV, "kernels/kernel_add.c", "kernel_add"},
    {FUNC_ADD_SCALAR, PTO_CORE_AIV, "kernels/kernel_add_scalar.c", "kernel_add_scalar"},
    {FUNC_MUL, PTO_CORE_AIV, "kernels/kernel_mul.c", "kernel_mul"},
};

static const pto_example example = {
    .name = "vector",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(vector_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
