/* overflow_example: see README.md. y = 2 * x through a PTO_OUT output whose
 * kernel also writes one element past it. */
#include <pto/example.h>
#include <pto/pto.h>

#define N 100
#define BYTES (N * sizeof(float))

typedef struct ov_ctx {
    float *dev_x, *dev_y;
    float host_x[N], host_y[N];
} ov_ctx;

static pto_status alloc(pto_device *dev, float **out, pto_error *err)
{
    void *p = NULL;
    pto_status s = pto_malloc(dev, BYTES, &p, err);
    *out = p;
    return s;
}

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    ov_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    PTO_TRY(alloc(dev, &c->dev_x, err));
    PTO_TRY(alloc(dev, &c->dev_y, err));
    for (int i = 0; i < N; i++)
        c->host_x[i] = (float)i;
    PTO_TRY(pto_copy_to_device(dev, c->dev_x, c->host_x, BYTES, err));
    pto_tensor X = pto_tensor_1d(c->dev_x, N, sizeof(float));
    pto_tensor Y = pto_tensor_1d(c->dev_y, N, sizeof(float));
    pto_param s[] = {pto_in(X), pto_out(X), pto_scalar(N)};
    PTO_TRY(pto_submit(run, 0, PTO_CORE_AIV, s, 3, NULL, err));
    pto_param k[] = {pto_in(s[1].tensor), pto_out_existing(Y), pto_scalar(N)};
    PTO_TRY(pto_submit(run, 1, PTO_CORE_AIV, k, 3, NULL, err));
    return pto_copy_back(run, c->host_y, c->dev_y, BYTES, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const ov_ctx *c = vctx;
    double worst = 0.0;
    for (int i = 0; i < N; i++)
        pto_example_err(&worst, (double)c->host_y[i], 2.0 * (double)c->host_x[i]);
    *max_err = worst;
    *tolerance = 0.0;
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    ov_ctx *c = vctx;
    pto_free(dev, c->dev_x, NULL);
    pto_free(dev, c->dev_y, NULL);
}

static const pto_example_kernel kernels[] = {
    {0, PTO_CORE_AIV, "kernels/kernels.c", "spill_scale"},
    {1, PTO_CORE_AIV, "kernels/kernels.c", "copy"},
};

static const pto_example example = {
    .name = "overflow_example",
    .kernels = kernels,
    .nkernels = 2,
    .ctx_size = sizeof(ov_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
    .mode = PTO_MODE_STREAMED,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
