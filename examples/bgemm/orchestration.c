/* bgemm: C = A @ B with M = N = K = 128 in 32 x 32 tiles.
 *
 * For every output tile (i, j) and k-step k (4 x 4 tiles, 4 k-steps):
 *   gemm[i][j][k] (AIC): P[i][j][k] = A[i][k] @ B[k][j]   (own scratch tile)
 *   add[i][j][k]  (AIV): C[i][j] += P[i][j][k]
 * with deps gemm[i][j][k] -> add[i][j][k] and add[i][j][k-1] -> add[i][j][k],
 * so each C tile is accumulated by a chain while all gemms run in parallel.
 * 64 gemm + 64 add = 128 tasks. Inputs are a deterministic LCG in [-1, 1];
 * the golden is a plain triple loop in double. */
#include <string.h>

#include <pto/example.h>
#include <pto/pto.h>

#define DIM 128
#define TILE 32
#define TILES (DIM / TILE) /* tiles per dimension, also k-steps */
#define ELEMS (DIM * DIM)
#define BYTES (ELEMS * sizeof(float))
#define SCRATCH_TILES (TILES * TILES * TILES)
#define SCRATCH_BYTES (SCRATCH_TILES * TILE * TILE * sizeof(float))

enum { FUNC_GEMM_TILE = 0, FUNC_TILE_ADD = 1 };

/* Host side of one run. Device pointers are NULL until allocated (teardown
 * may follow a partial orchestration). host_c is zero when copied in and
 * receives the result through the copy-back. */
typedef struct bgemm_ctx {
    float *dev_a, *dev_b, *dev_c, *dev_p;
    float host_a[ELEMS], host_b[ELEMS], host_c[ELEMS];
} bgemm_ctx;

/* 64-bit LCG (Knuth's MMIX constants); top 24 bits mapped to [-1, 1]. */
static float *tile(float *base, int ti, int tj) { return base + ti * TILE * DIM + tj * TILE; }

static pto_status add_tile_tasks(pto_run *run, bgemm_ctx *c, int i, int j, pto_error *err)
{
    pto_task_id prev_add = 0;
    for (int k = 0; k < TILES; k++) {
        float *p = c->dev_p + ((i * TILES + j) * TILES + k) * TILE * TILE;
        uint64_t g[] = {pto_ptr_bits(tile(c->dev_a, i, k)),
                        DIM,
                        pto_ptr_bits(tile(c->dev_b, k, j)),
                        DIM,
                        pto_ptr_bits(p),
                        TILE,
                        TILE,
                        TILE,
                        TILE};
        uint64_t a[] = {pto_ptr_bits(tile(c->dev_c, i, j)), DIM, pto_ptr_bits(p), TILE, TILE, TILE};
        pto_task_id gemm, add;
        PTO_TRY(pto_add_task(run, FUNC_GEMM_TILE, PTO_CORE_AIC, g, 9, &gemm, err));
        PTO_TRY(pto_add_task(run, FUNC_TILE_ADD, PTO_CORE_AIV, a, 6, &add, err));
        PTO_TRY(pto_add_dep(run, gemm, add, err));
        if (k > 0)
            PTO_TRY(pto_add_dep(run, prev_add, add, err));
        prev_add = add;
    }
    return PTO_OK;
}

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    bgemm_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_a, err));
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_b, err));
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_c, err));
    PTO_TRY(pto_example_alloc(dev, SCRATCH_BYTES, &c->dev_p, err));

    uint64_t state = 0x5eed2024ull;
    for (int i = 0; i < ELEMS; i++)
        c->host_a[i] = pto_example_rand(&state);
    for (int i = 0; i < ELEMS; i++)
        c->host_b[i] = pto_example_rand(&state);
    memset(c->host_c, 0, sizeof c->host_c);
    PTO_TRY(pto_copy_to_device(dev, c->dev_a, c->host_a, BYTES, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_b, c->host_b, BYTES, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_c, c->host_c, BYTES, err));

    for (int i = 0; i < TILES; i++)
        for (int j = 0; j < TILES; j++)
            PTO_TRY(add_tile_tasks(run, c, i, j, err));
    return pto_copy_back(run, c->host_c, c->dev_c, BYTES, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const bgemm_ctx *c = vctx;
    double worst = 0.0;
    for (int i = 0; i < DIM; i++) {
        for (int j = 0; j < DIM; j++) {
            double golden = 0.0;
            for (int k = 0; k < DIM; k++)
                golden += (double)c->host_a[i * DIM + k] * (double)c->host_b[k * DIM + j];
            pto_example_err(&worst, (double)c->host_c[i * DIM + j], golden);
        }
    }
    *max_err = worst;
    *tolerance = 1e-3;
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    bgemm_ctx *c = vctx;
    float **ptrs[] = {&c->dev_a, &c->dev_b, &c->dev_c, &c->dev_p};
    pto_example_free(dev, ptrs, sizeof ptrs / sizeof ptrs[0]);
}

static const pto_example_kernel kernels[] = {
    {FUNC_GEMM_TILE, PTO_CORE_AIC, "kernels/kernel_gemm_tile.c", "kernel_gemm_tile"},
    {FUNC_TILE_ADD, PTO_CORE_AIV, "kernels/kernel_tile_add.c", "kernel_tile_add"},
};

static const pto_example example = {
    .name = "bgemm",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(bgemm_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
