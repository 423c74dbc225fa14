/* mix_matmul: 4 independent tiles Y_t = relu(A_t @ B_t + bias_t), each 16 x
 * 16 with a per-column bias, each ONE MIX task on a whole cluster:
 *
 *   AIC part  (mm_gemm)       C_t = A_t @ B_t          (GM scratch tile)
 *   AIV parts (mm_bias_relu)  Y_t = relu(C_t + bias_t) rows [0, 8) on
 *                             sub-block 0, rows [8, 16) on sub-block 1
 *
 * The AIV parts read what the AIC part of the same task wrote (the
 * simulation runs the AIC part first). Inputs are a deterministic LCG in
 * [-1, 1); the golden is the same computation on the host in double. */
#include <string.h>

#include <pto/example.h>
#include <pto/pto.h>

#define T 16
#define TILES 4
#define TE (T * T) /* elements per tile */
#define MAT_BYTES (TILES * TE * sizeof(float))
#define BIAS_BYTES (TILES * T * sizeof(float))

enum { FUNC_GEMM = 0, FUNC_BIAS_RELU = 1 };

typedef struct mm_ctx {
    float *dev_a, *dev_b, *dev_bias, *dev_c, *dev_y;
    float host_a[TILES * TE], host_b[TILES * TE], host_bias[TILES * T], host_y[TILES * TE];
} mm_ctx;

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    mm_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    PTO_TRY(pto_example_alloc(dev, MAT_BYTES, &c->dev_a, err));
    PTO_TRY(pto_example_alloc(dev, MAT_BYTES, &c->dev_b, err));
    PTO_TRY(pto_example_alloc(dev, BIAS_BYTES, &c->dev_bias, err));
    PTO_TRY(pto_example_alloc(dev, MAT_BYTES, &c->dev_c, err));
    PTO_TRY(pto_example_alloc(dev, MAT_BYTES, &c->dev_y, err));
    uint64_t state = 0x313cull;
    for (int i = 0; i < TILES * TE; i++)
        c->host_a[i] = pto_example_rand(&state);
    for (int i = 0; i < TILES * TE; i++)
        c->host_b[i] = pto_example_rand(&state);
    for (int i = 0; i < TILES * T; i++)
        c->host_bias[i] = pto_example_rand(&state);
    PTO_TRY(pto_copy_to_device(dev, c->dev_a, c->host_a, MAT_BYTES, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_b, c->host_b, MAT_BYTES, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_bias, c->host_bias, BIAS_BYTES, err));

    for (int t = 0; t < TILES; t++) {
        pto_param p[5] = {
            pto_in(pto_tensor_2d(c->dev_a + t * TE, T, T, sizeof(float))),
            pto_in(pto_tensor_2d(c->dev_b + t * TE, T, T, sizeof(float))),
            pto_in(pto_tensor_1d(c->dev_bias + t * T, T, sizeof(float))),
            pto_out_existing(pto_tensor_2d(c->dev_c + t * TE, T, T, sizeof(float))),
            pto_out_existing(pto_tensor_2d(c->dev_y + t * TE, T, T, sizeof(float))),
        };
        PTO_TRY(pto_submit_mix(run, PTO_MIX_CLUSTER, FUNC_GEMM, FUNC_BIAS_RELU, p, 5, NULL, err));
    }
    return pto_copy_back(run, c->host_y, c->dev_y, MAT_BYTES, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const mm_ctx *c = vctx;
    double worst = 0.0;
    for (int t = 0; t < TILES; t++)
        for (int i = 0; i < T; i++)
            for (int j = 0; j < T; j++) {
                double g = c->host_bias[t * T + j];
                for (int k = 0; k < T; k++)
                    g += (double)c->host_a[t * TE + i * T + k] *
                         (double)c->host_b[t * TE + k * T + j];
                pto_example_err(&worst, (double)c->host_y[t * TE + i * T + j], g > 0.0 ? g : 0.0);
            }
    *max_err = worst;
    *tolerance = 1e-5; /* sums of 16 products in [-1, 1] plus a bias, f32 */
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    mm_ctx *c = vctx;
    float **ptrs[] = {&c->dev_a, &c->dev_b, &c->dev_bias, &c->dev_c, &c->dev_y};
    pto_example_free(dev, ptrs, sizeof ptrs / sizeof ptrs[0]);
}

static const pto_example_kernel kernels[] = {
    {FUNC_GEMM, PTO_CORE_AIC, "kernels/mm_gemm.c", "mm_gemm"},
    {FUNC_BIAS_RELU, PTO_CORE_AIV, "kernels/mm_bias_relu.c", "mm_bias_relu"},
};

static const pto_example example = {
    .name = "mix_matmul",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(mm_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
