/* bgemm_scope: batched C[b] = A[b] @ B[b], streamed, with every task inside
 * ONE scope named "batch" — DESIGN §8's flow-control sizing case.
 *
 * Batch 2; per batch an 8 x 8 grid of 16 x 16 output tiles and 8 k-steps
 * (M = N = K = 128). For every (b, i, j, k):
 *   gemm (AIC): P = A[b](i,k) @ B[b](k,j)     P: PTO_OUT, a 1 KiB heap tile
 *   acc  (AIV): C[b](i,j) += P                C tile: PTO_INOUT
 * 2 * 8 * 8 * 8 = 1024 gemm + 1024 acc = 2048 tasks. Dependencies are
 * inferred: acc after its gemm (RAW on P) and after the earlier accs of the
 * same C tile (RAW + WAW on the INOUT tile); gemms only read A and B.
 *
 * A scope keeps each of its tasks alive (unretired) until the scope ends, so
 * all 2048 tasks must fit the task window at once: with PTO_TASK_WINDOW=1024
 * the orchestrator fills the ring, nothing can retire, and the run fails
 * with the scope-deadlock report (naming 'batch', its 2048 tasks and the
 * window to use: 4096); with 4096 it completes. The batches are stacked in
 * one 256 x 128 GM buffer per operand; C starts at zero and is copied back.
 * The golden is a plain triple loop in double. */
#include <pto/example.h>
#include <pto/pto.h>

#define BATCH 2
#define GRID 8 /* tiles per dimension, also k-steps */
#define T 16   /* tile edge */
#define DIM (GRID * T)
#define ELEMS (BATCH * DIM * DIM)
#define BYTES (ELEMS * sizeof(float))

enum { FUNC_GEMM = 0, FUNC_ACC = 1 };

typedef struct bs_ctx {
    float *dev_a, *dev_b, *dev_c;
    float host_a[ELEMS], host_b[ELEMS], host_c[ELEMS];
} bs_ctx;

/* xorshift64*; the top 24 bits scaled to [-1, 1). */
static float rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    uint64_t v = *s * 2685821657736338717ull;
    return (float)(v >> 40) / 8388608.0f - 1.0f;
}

static pto_status gm_alloc(pto_device *dev, float **out, pto_error *err)
{
    void *p = NULL;
    pto_status s = pto_malloc(dev, BYTES, &p, err);
    *out = p;
    return s;
}

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    bs_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    PTO_TRY(gm_alloc(dev, &c->dev_a, err));
    PTO_TRY(gm_alloc(dev, &c->dev_b, err));
    PTO_TRY(gm_alloc(dev, &c->dev_c, err));
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int e = 0; e < ELEMS; e++) {
        c->host_a[e] = rnd(&seed);
        c->host_b[e] = rnd(&seed);
        c->host_c[e] = 0.0f;
    }
    PTO_TRY(pto_copy_to_device(dev, c->dev_a, c->host_a, BYTES, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_b, c->host_b, BYTES, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_c, c->host_c, BYTES, err));

    /* Batches stacked along the rows: batch b is rows [b*DIM, (b+1)*DIM). */
    pto_tensor A = pto_tensor_2d(c->dev_a, BATCH * DIM, DIM, sizeof(float));
    pto_tensor B = pto_tensor_2d(c->dev_b, BATCH * DIM, DIM, sizeof(float));
    pto_tensor C = pto_tensor_2d(c->dev_c, BATCH * DIM, DIM, sizeof(float));
    pto_tensor ptile = pto_tensor_2d(NULL, T, T, sizeof(float)); /* shape only */

    PTO_TRY(pto_scope_begin(run, "batch", PTO_SCOPE_AUTO, err));
    for (int b = 0; b < BATCH; b++)
        for (int i = 0; i < GRID; i++)
            for (int j = 0; j < GRID; j++)
                for (int k = 0; k < GRID; k++) {
                    uint64_t r0 = (uint64_t)b * DIM;
                    pto_param g[] = {pto_in(pto_tensor_tile(&A, r0 + i * T, k * T, T, T)),
                                     pto_scalar(DIM),
                                     pto_in(pto_tensor_tile(&B, r0 + k * T, j * T, T, T)),
                                     pto_scalar(DIM),
                                     pto_out(ptile),
                                     pto_scalar(T)};
                    PTO_TRY(pto_submit(run, FUNC_GEMM, PTO_CORE_AIC, g, 6, NULL, err));
                    pto_param a[] = {pto_inout(pto_tensor_tile(&C, r0 + i * T, j * T, T, T)),
                                     pto_scalar(DIM), pto_in(g[4].tensor), pto_scalar(T)};
                    PTO_TRY(pto_submit(run, FUNC_ACC, PTO_CORE_AIV, a, 4, NULL, err));
                }
    PTO_TRY(pto_scope_end(run, err));
    return pto_copy_back(run, c->host_c, c->dev_c, BYTES, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const bs_ctx *c = vctx;
    double worst = 0.0;
    for (int b = 0; b < BATCH; b++) {
        const float *a = c->host_a + b * DIM * DIM, *bb = c->host_b + b * DIM * DIM;
        const float *got = c->host_c + b * DIM * DIM;
        for (int r = 0; r < DIM; r++)
            for (int q = 0; q < DIM; q++) {
                double golden = 0.0;
                for (int k = 0; k < DIM; k++)
                    golden += (double)a[r * DIM + k] * (double)bb[k * DIM + q];
                pto_example_err(&worst, (double)got[r * DIM + q], golden);
            }
    }
    *max_err = worst;
    *tolerance = 1e-3;
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    bs_ctx *c = vctx;
    float **ptrs[] = {&c->dev_a, &c->dev_b, &c->dev_c};
    pto_example_free(dev, ptrs, sizeof ptrs / sizeof ptrs[0]);
}

static const pto_example_kernel kernels[] = {
    {FUNC_GEMM, PTO_CORE_AIC, "kernels/bs_gemm.c", "bs_gemm"},
    {FUNC_ACC, PTO_CORE_AIV, "kernels/bs_acc.c", "bs_acc"},
};

static const pto_example example = {
    .name = "bgemm_scope",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(bs_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
    .mode = PTO_MODE_STREAMED,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
