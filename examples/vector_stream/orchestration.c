/* vector_stream: f = (a + b + 1) * (a + b + 2) + (a + b) over 16384 floats,
 * streamed (the orchestration runs on an AICPU thread while tasks execute),
 * as five AIV tasks whose dependencies are inferred from their tensors:
 *
 *  scope "vector":
 *    t0: c = a + b                  c: PTO_OUT (heap arena)
 *    scope "square":
 *      t1: d = c + 1                d: PTO_OUT
 *      t2: e = c + 2                e: PTO_OUT
 *      t3: F = d * e                F: PTO_OUT_EXISTING (GM buffer)
 *    end "square"   (releases t1..t3; d and e may be reclaimed once t3 ran)
 *    t4: F = F + c                  reads F (RAW on t3), rewrites it (WAW)
 *  end "vector"
 *
 * With a = 2 and b = 3 every element of f is 5 * 6 + 5 = 47. F is copied
 * back to the host when the run has completed. */
#include <pto/example.h>
#include <pto/pto.h>

#define N 16384
#define BYTES (N * sizeof(float))

enum { FUNC_ADD = 0, FUNC_ADD_SCALAR = 1, FUNC_MUL = 2 };

/* Only the inputs and the output live in GM; c, d and e are heap tensors
 * the runtime allocates per task. */
typedef struct vs_ctx {
    float *dev_a, *dev_b, *dev_f;
    float host_a[N], host_b[N], host_f[N];
} vs_ctx;

static pto_status gm_alloc(pto_device *dev, float **out, pto_error *err)
{
    void *p = NULL;
    pto_status s = pto_malloc(dev, BYTES, &p, err);
    *out = p;
    return s;
}

/* x (op) y -> out, with the element count as the last kernel argument. */
static pto_status binary(pto_run *run, int func, pto_param x, pto_param y, pto_param *out,
                         pto_error *err)
{
    pto_param p[4] = {x, y, *out, pto_scalar(N)};
    PTO_TRY(pto_submit(run, func, PTO_CORE_AIV, p, 4, NULL, err));
    *out = p[2]; /* a PTO_OUT comes back with its heap address */
    return PTO_OK;
}

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    vs_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    PTO_TRY(gm_alloc(dev, &c->dev_a, err));
    PTO_TRY(gm_alloc(dev, &c->dev_b, err));
    PTO_TRY(gm_alloc(dev, &c->dev_f, err));
    for (int i = 0; i < N; i++) {
        c->host_a[i] = 2.0f;
        c->host_b[i] = 3.0f;
        c->host_f[i] = 0.0f;
    }
    PTO_TRY(pto_copy_to_device(dev, c->dev_a, c->host_a, BYTES, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_b, c->host_b, BYTES, err));

    pto_tensor A = pto_tensor_1d(c->dev_a, N, sizeof(float));
    pto_tensor B = pto_tensor_1d(c->dev_b, N, sizeof(float));
    pto_tensor F = pto_tensor_1d(c->dev_f, N, sizeof(float));

    PTO_TRY(pto_scope_begin(run, "vector", PTO_SCOPE_AUTO, err));
    pto_param sum = pto_out(A);
    PTO_TRY(binary(run, FUNC_ADD, pto_in(A), pto_in(B), &sum, err)); /* t0 */

    PTO_TRY(pto_scope_begin(run, "square", PTO_SCOPE_AUTO, err));
    pto_param d = pto_out(A), e = pto_out(A), f = pto_out_existing(F);
    PTO_TRY(binary(run, FUNC_ADD_SCALAR, pto_in(sum.tensor), pto_scalar_f32(1.0f), &d, err));
    PTO_TRY(binary(run, FUNC_ADD_SCALAR, pto_in(sum.tensor), pto_scalar_f32(2.0f), &e, err));
    PTO_TRY(binary(run, FUNC_MUL, pto_in(d.tensor), pto_in(e.tensor), &f, err));
    PTO_TRY(pto_scope_end(run, err));

    f = pto_out_existing(F);
    PTO_TRY(binary(run, FUNC_ADD, pto_in(F), pto_in(sum.tensor), &f, err)); /* t4 */
    PTO_TRY(pto_scope_end(run, err));
    return pto_copy_back(run, c->host_f, c->dev_f, BYTES, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const vs_ctx *c = vctx;
    double worst = 0.0;
    for (int i = 0; i < N; i++) {
        float s = c->host_a[i] + c->host_b[i];
        double golden = (double)((s + 1.0f) * (s + 2.0f) + s);
        pto_example_err(&worst, (double)c->host_f[i], golden);
    }
    *max_err = worst;
    *tolerance = 1e-5;
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    vs_ctx *c = vctx;
    float **ptrs[] = {&c->dev_a, &c->dev_b, &c->dev_f};
    pto_example_free(dev, ptrs, sizeof ptrs / sizeof ptrs[0]);
}

static const pto_example_kernel kernels[] = {
    {FUNC_ADD, PTO_CORE_AIV, "kernels/vs_add.c", "vs_add"},
    {FUNC_ADD_SCALAR, PTO_CORE_AIV, "kernels/vs_add_scalar.c", "vs_add_scalar"},
    {FUNC_MUL, PTO_CORE_AIV, "kernels/vs_mul.c", "vs_mul"},
};

static const pto_example example = {
    .name = "vector_stream",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(vs_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
    .mode = PTO_MODE_STREAMED,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
