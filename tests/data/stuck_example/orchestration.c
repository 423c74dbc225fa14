/* stuck_example: a test fixture whose second task never finishes. t0
 * (fill) writes a value, t1 (stuck_forever) depends on it and never
 * returns, so the run can only end by the watchdog; check() is never
 * reached. */
#include <pto/example.h>
#include <pto/pto.h>

typedef struct stuck_ctx {
    float *dev_x;
    float host_x;
} stuck_ctx;

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    stuck_ctx *c = vctx;
    PTO_TRY(pto_example_alloc(pto_run_device(run), sizeof(float), &c->dev_x, err));
    uint64_t args[] = {pto_ptr_bits(c->dev_x), 7};
    pto_task_id t0, t1;
    PTO_TRY(pto_add_task(run, 0, PTO_CORE_AIV, args, 2, &t0, err));
    PTO_TRY(pto_add_task(run, 1, PTO_CORE_AIV, args, 2, &t1, err));
    PTO_TRY(pto_add_dep(run, t0, t1, err));
    return pto_copy_back(run, &c->host_x, c->dev_x, sizeof(float), err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const stuck_ctx *c = vctx;
    *max_err = c->host_x == 7.0f ? 0.0 : 1.0;
    *tolerance = 0.0;
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    stuck_ctx *c = vctx;
    if (c->dev_x)
        pto_free(dev, c->dev_x, NULL);
    c->dev_x = NULL;
}

static const pto_example_kernel kernels[] = {
    {0, PTO_CORE_AIV, "kernels/kernels.c", "fill"},
    {1, PTO_CORE_AIV, "kernels/kernels.c", "stuck_forever"},
};

static const pto_example example = {
    .name = "stuck_example",
    .kernels = kernels,
    .nkernels = 2,
    .ctx_size = sizeof(stuck_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
};

const pto_example *pto_example_get(void) { return &example; }
