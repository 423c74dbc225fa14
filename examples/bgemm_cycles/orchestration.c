/* bgemm_cycles: C = A @ B with M = N = K = 64 in 16 x 16 tiles (4 x 4 output
 * tiles, 4 k-steps), written with the tile library so every task reports
 * cycles. For every k-step k and output tile (i, j):
 *
 *   gemm[k][i][j] (AIC)  P[k][i][j] = A[i][k] @ B[k][j]   (own scratch tile)
 *   add[k][i][j]  (AIV)  C[i][j] += P[k][i][j]
 *
 * deps: gemm[k][i][j] -> add[k][i][j], add[k-1][i][j] -> add[k][i][j].
 * Tasks are added k-step by k-step (k outermost), so the gemms of k-step 3,
 * the last ones an AIC runs, each leave a single add behind them.
 * 64 gemm + 64 add = 128 tasks. C starts at zero; inputs are a deterministic
 * LCG in [-1, 1]; the golden is a plain triple loop in double. */
#include <math.h>
#include <string.h>

#include <pto/example.h>
#include <pto/pto.h>

#define DIM 64
#define TILE 16
#define TILES (DIM / TILE) /* tiles per dimension, also k-steps: 4 */
#define ELEMS (DIM * DIM)
#define BYTES (ELEMS * sizeof(float))
#define SCRATCH_BYTES (TILES * TILES * TILES * TILE * TILE * sizeof(float))

enum { FUNC_GEMM_TILE = 0, FUNC_TILE_ADD = 1 };

typedef struct bgemm_ctx {
    float *dev_a, *dev_b, *dev_c, *dev_p;
    float host_a[ELEMS], host_b[ELEMS], host_c[ELEMS];
} bgemm_ctx;

static float *tile(float *base, int ti, int tj) { return base + ti * TILE * DIM + tj * TILE; }

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    bgemm_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_a, err));
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_b, err));
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_c, err));
    PTO_TRY(pto_example_alloc(dev, SCRATCH_BYTES, &c->dev_p, err));
    uint64_t state = 0xb6e3ull;
    for (int i = 0; i < ELEMS; i++)
        c->host_a[i] = pto_example_rand(&state);
    for (int i = 0; i < ELEMS; i++)
        c->host_b[i] = pto_example_rand(&state);
    memset(c->host_c, 0, sizeof c->host_c);
    PTO_TRY(pto_copy_to_device(dev, c->dev_a, c->host_a, BYTES, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_b, c->host_b, BYTES, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_c, c->host_c, BYTES, err));

    pto_task_id prev_add[TILES][TILES];
    for (int k = 0; k < TILES; k++)
        for (int i = 0; i < TILES; i++)
            for (int j = 0; j < TILES; j++) {
                float *p = c->dev_p + ((k * TILES + i) * TILES + j) * TILE * TILE;
                uint64_t g[] = {pto_ptr_bits(tile(c->dev_a, i, k)), DIM,
                                pto_ptr_bits(tile(c->dev_b, k, j)), DIM, pto_ptr_bits(p)};
                uint64_t a[] = {pto_ptr_bits(tile(c->dev_c, i, j)), DIM, pto_ptr_bits(p)};
                pto_task_id gemm, add;
                PTO_TRY(pto_add_task(run, FUNC_GEMM_TILE, PTO_CORE_AIC, g, 5, &gemm, err));
                PTO_TRY(pto_add_task(run, FUNC_TILE_ADD, PTO_CORE_AIV, a, 3, &add, err));
                PTO_TRY(pto_add_dep(run, gemm, add, err));
                if (k > 0)
                    PTO_TRY(pto_add_dep(run, prev_add[i][j], add, err));
                prev_add[i][j] = add;
            }
    return pto_copy_back(run, c->host_c, c->dev_c, BYTES, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const bgemm_ctx *c = vctx;
    double worst = 0.0;
    for (int i = 0; i < DIM; i++)
        for (int j = 0; j < DIM; j++) {
            double golden = 0.0;
            for (int k = 0; k < DIM; k++)
                golden += (double)c->host_a[i * DIM + k] * (double)c->host_b[k * DIM + j];
            pto_example_err(&worst, (double)c->host_c[i * DIM + j], golden);
        }
    *max_err = worst;
    *tolerance = 1e-4; /* sums of 64 products in [-1, 1], f32 */
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    bgemm_ctx *c = vctx;
    float **ptrs[] = {&c->dev_a, &c->dev_b, &c->dev_c, &c->dev_p};
    pto_example_free(dev, ptrs, sizeof ptrs / sizeof ptrs[0]);
}

static const pto_example_kernel kernels[] = {
    {FUNC_GEMM_TILE, PTO_CORE_AIC, "kernels/bg_gemm_tile.c", "bg_gemm_tile"},
    {FUNC_TILE_ADD, PTO_CORE_AIV, "kernels/bg_tile_add.c", "bg_tile_add"},
};

static const pto_example example = {
    .name = "bgemm_cycles",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(bgemm_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
