/* dispatch: K = 12 equal, independent AIV tasks for comparing dispatch
 * policies (`pto run --dispatch NAME[:N]`). Task i computes tile i of
 *
 *   y = 2 * x + i      (x, y: 12 tiles of 16 x 16 floats, contiguous)
 *
 * with the tile kernel dp_scale_shift (1024 cycles), and carries the key
 * 2 * i (pto_set_task_key): a strided key, so affinity (key mod 4) uses
 * lanes 0 and 2 only, while hash (splitmix64 finalizer mod 4) spreads the
 * keys 5 / 4 / 2 / 1. round_robin and default ignore the key; work_steal
 * starts task i on lane (2 * i) mod 4. README.md derives every run's
 * total_cycles. The data never depend on the policy; check() compares all
 * 12 tiles with the formula in double.
 *
 * Streamed, so a task window (`--task-window`) can stall the orchestrator;
 * `--host-built` builds the same graph before launch. */
#include <pto/example.h>
#include <pto/pto.h>

#define TILE_ELEMS 256 /* 16 x 16 */
#define K 12
#define N (K * TILE_ELEMS)
#define BYTES (N * sizeof(float))
#define A 2.0f
#define KEY_STRIDE 2

enum { FUNC_SCALE_SHIFT = 0 };

typedef struct dp_ctx {
    float *dev_x, *dev_y;
    float host_x[N], host_y[N];
} dp_ctx;

static pto_tensor tile(float *base, int i)
{
    return pto_tensor_1d(base + i * TILE_ELEMS, TILE_ELEMS, sizeof(float));
}

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    dp_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_x, err));
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_y, err));
    uint64_t state = 0xd15aull;
    for (int i = 0; i < N; i++)
        c->host_x[i] = pto_example_rand(&state);
    PTO_TRY(pto_copy_to_device(dev, c->dev_x, c->host_x, BYTES, err));

    for (int i = 0; i < K; i++) {
        pto_param p[4] = {pto_in(tile(c->dev_x, i)), pto_out_existing(tile(c->dev_y, i)),
                          pto_scalar_f32(A), pto_scalar_f32((float)i)};
        PTO_TRY(pto_set_task_key(run, (uint64_t)KEY_STRIDE * (uint64_t)i, err));
        PTO_TRY(pto_submit(run, FUNC_SCALE_SHIFT, PTO_CORE_AIV, p, 4, NULL, err));
    }
    return pto_copy_back(run, c->host_y, c->dev_y, BYTES, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const dp_ctx *c = vctx;
    double worst = 0.0;
    for (int i = 0; i < N; i++)
        pto_example_err(&worst, (double)c->host_y[i],
                        (double)A * (double)c->host_x[i] + (double)(i / TILE_ELEMS));
    *max_err = worst;
    *tolerance = 1e-6; /* one f32 rounding of values below 16 */
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    dp_ctx *c = vctx;
    float **ptrs[] = {&c->dev_x, &c->dev_y};
    pto_example_free(dev, ptrs, sizeof ptrs / sizeof ptrs[0]);
}

static const pto_example_kernel kernels[] = {
    {FUNC_SCALE_SHIFT, PTO_CORE_AIV, "kernels/dp_scale_shift.c", "dp_scale_shift"},
};

static const pto_example example = {
    .name = "dispatch",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(dp_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
    .mode = PTO_MODE_STREAMED,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
