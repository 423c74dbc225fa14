/* spmd_vector: y = a * x + b over N = 24576 floats (96 tiles of 16 x 16) as
 * ONE SPMD task on every AIV core of the device (48 on the default 24
 * blocks): part i of n (pto_block_idx / pto_block_num) handles the
 * contiguous tiles [i * 96 / n, (i + 1) * 96 / n). x is a deterministic
 * LCG in [-1, 1); a = 1.5, b = -0.25; the golden is the same formula on
 * the host in double. */
#include <string.h>

#include <pto/example.h>
#include <pto/pto.h>

#define TILE_ELEMS 256
#define NTILES 96
#define N (NTILES * TILE_ELEMS)
#define BYTES (N * sizeof(float))
#define A 1.5f
#define B (-0.25f)

enum { FUNC_AXPB = 0 };

typedef struct sv_ctx {
    float *dev_x, *dev_y;
    float host_x[N], host_y[N];
} sv_ctx;

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    sv_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_x, err));
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_y, err));
    uint64_t state = 0x5e3dull;
    for (int i = 0; i < N; i++)
        c->host_x[i] = pto_example_rand(&state);
    PTO_TRY(pto_copy_to_device(dev, c->dev_x, c->host_x, BYTES, err));

    pto_device_info info;
    pto_device_get_info(dev, &info);
    pto_param p[5] = {pto_in(pto_tensor_1d(c->dev_x, N, sizeof(float))),
                      pto_out_existing(pto_tensor_1d(c->dev_y, N, sizeof(float))),
                      pto_scalar_f32(A), pto_scalar_f32(B), pto_scalar(NTILES)};
    PTO_TRY(pto_submit_spmd(run, FUNC_AXPB, PTO_CORE_AIV, info.aiv_cores, p, 5, NULL, err));
    return pto_copy_back(run, c->host_y, c->dev_y, BYTES, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const sv_ctx *c = vctx;
    double worst = 0.0;
    for (int i = 0; i < N; i++)
        pto_example_err(&worst, (double)c->host_y[i], (double)A * (double)c->host_x[i] + (double)B);
    *max_err = worst;
    *tolerance = 1e-6; /* two f32 roundings of values below 2 */
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    sv_ctx *c = vctx;
    float **ptrs[] = {&c->dev_x, &c->dev_y};
    pto_example_free(dev, ptrs, sizeof ptrs / sizeof ptrs[0]);
}

static const pto_example_kernel kernels[] = {
    {FUNC_AXPB, PTO_CORE_AIV, "kernels/sv_axpb.c", "sv_axpb"},
};

static const pto_example example = {
    .name = "spmd_vector",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(sv_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
