/* dummy_tasks: ordering that runs through dependency-only tasks.
 *
 * Everything is in one PTO_SCOPE_MANUAL scope, so no dependency is inferred
 * from tensors: the only edges are the explicit pto_add_dep calls below, and
 * the only path from the producer to the consumer goes through the dummies
 * (pto_submit_dummy: no kernel, completes once its producers have).
 *
 *   produce (X[0] = 42)
 *     -> single dummy
 *     -> chain of 100 dummies
 *     -> 32 dummies, each after the chain's last
 *     -> one join dummy after all 32 (many-to-one)
 *     -> copy (Y = X)
 *
 * 1 + 1 + 100 + 32 + 1 + 1 = 136 tasks. The run is streamed: each task is
 * published as soon as the next one is added, so every pto_add_dep names the
 * newest task as its consumer (see pto_add_dep in run.h). X starts as 7
 * everywhere and Y as 0; afterwards Y[0] must be exactly 42 and Y[i] = 7. */
#include <pto/example.h>
#include <pto/pto.h>

#define N 64
#define CHAIN 100
#define FAN 32
#define INIT 7
#define VALUE 42

enum { FUNC_PRODUCE = 0, FUNC_COPY = 1 };

typedef struct dt_ctx {
    int32_t *dev_x, *dev_y;
    int32_t host_x[N], host_y[N];
} dt_ctx;

/* A dummy that waits for `after`. */
static pto_status dummy_after(pto_run *run, pto_task_id after, pto_task_id *id, pto_error *err)
{
    PTO_TRY(pto_submit_dummy(run, NULL, 0, id, err));
    return pto_add_dep(run, after, *id, err);
}

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    dt_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    void *p = NULL;
    PTO_TRY(pto_malloc(dev, N * sizeof(int32_t), &p, err));
    c->dev_x = p;
    PTO_TRY(pto_malloc(dev, N * sizeof(int32_t), &p, err));
    c->dev_y = p;
    for (int i = 0; i < N; i++) {
        c->host_x[i] = INIT;
        c->host_y[i] = 0;
    }
    PTO_TRY(pto_copy_to_device(dev, c->dev_x, c->host_x, sizeof c->host_x, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_y, c->host_y, sizeof c->host_y, err));
    pto_tensor X = pto_tensor_1d(c->dev_x, N, sizeof(int32_t));
    pto_tensor Y = pto_tensor_1d(c->dev_y, N, sizeof(int32_t));

    PTO_TRY(pto_scope_begin(run, "dummies", PTO_SCOPE_MANUAL, err));
    pto_param prod[] = {pto_out_existing(X), pto_scalar(VALUE)};
    pto_task_id producer, single, link, fan[FAN], join, consumer;
    PTO_TRY(pto_submit(run, FUNC_PRODUCE, PTO_CORE_AIV, prod, 2, &producer, err));

    PTO_TRY(dummy_after(run, producer, &single, err)); /* a single dummy */

    link = single; /* a chain of CHAIN dummies */
    for (int i = 0; i < CHAIN; i++)
        PTO_TRY(dummy_after(run, link, &link, err));

    for (int i = 0; i < FAN; i++) /* fan-out from the chain's end ... */
        PTO_TRY(dummy_after(run, link, &fan[i], err));
    PTO_TRY(pto_submit_dummy(run, NULL, 0, &join, err)); /* ... and back into one */
    for (int i = 0; i < FAN; i++)
        PTO_TRY(pto_add_dep(run, fan[i], join, err));

    pto_param copy[] = {pto_in(X), pto_out_existing(Y), pto_scalar(N)};
    PTO_TRY(pto_submit(run, FUNC_COPY, PTO_CORE_AIV, copy, 3, &consumer, err));
    PTO_TRY(pto_add_dep(run, join, consumer, err));
    PTO_TRY(pto_scope_end(run, err));
    return pto_copy_back(run, c->host_y, c->dev_y, sizeof c->host_y, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const dt_ctx *c = vctx;
    double worst = 0.0;
    for (int i = 0; i < N; i++) {
        int32_t golden = i == 0 ? VALUE : INIT;
        double diff = (double)c->host_y[i] - (double)golden;
        if (diff < 0)
            diff = -diff;
        if (diff > worst)
            worst = diff;
    }
    *max_err = worst;
    *tolerance = 0.0; /* integers: exact */
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    dt_ctx *c = vctx;
    if (c->dev_x)
        pto_free(dev, c->dev_x, NULL);
    if (c->dev_y)
        pto_free(dev, c->dev_y, NULL);
    c->dev_x = c->dev_y = NULL;
}

static const pto_example_kernel kernels[] = {
    {FUNC_PRODUCE, PTO_CORE_AIV, "kernels/dt_produce.c", "dt_produce"},
    {FUNC_COPY, PTO_CORE_AIV, "kernels/dt_copy.c", "dt_copy"},
};

static const pto_example example = {
    .name = "dummy_tasks",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(dt_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
    .mode = PTO_MODE_STREAMED,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
