/* softmax: y = softmax(x) along the last axis of x[1][32][256] (f32), in
 * 8 x 64 tiles: 4 row groups of 8 rows x 4 column tiles. A row's 256 columns
 * span 4 tiles, so each row group is done in three phases (all AIV):
 *
 *   stats[g][j]    (4 per group)  m = rowmax(x_j), s = rowsum(exp(x_j - m))
 *        \  |  |  /
 *   combine[g]                    M = max_j m_j, S = sum_j s_j exp(m_j - M)
 *        /  |  |  \
 *   normalize[g][j] (4 per group) y_j = exp(x_j - M) / S
 *
 * 4 x (4 + 1 + 4) = 36 tasks, added group by group. Inputs: a deterministic
 * LCG in [-4, 4]; the golden is a plain double-precision softmax. */
#include <math.h>
#include <string.h>

#include <pto/example.h>
#include <pto/pto.h>

#define ROWS 32
#define COLS 256
#define TR 8               /* tile rows */
#define TC 64              /* tile cols */
#define GROUPS (ROWS / TR) /* 4 */
#define CT (COLS / TC)     /* column tiles per row group: 4 */
#define ELEMS (ROWS * COLS)
#define BYTES (ELEMS * sizeof(float))

enum { FUNC_STATS = 0, FUNC_COMBINE = 1, FUNC_NORMALIZE = 2 };

/* Per row group scratch, in one device buffer:
 * m[8][4] and s[8][4] (partials, column j written by stats[g][j]), M[8], S[8]. */
#define PART (TR * CT)
#define GROUP_SCRATCH (2 * PART + 2 * TR)
#define SCRATCH_BYTES (GROUPS * GROUP_SCRATCH * sizeof(float))

typedef struct softmax_ctx {
    float *dev_x, *dev_y, *dev_scratch;
    float host_x[ELEMS], host_y[ELEMS];
} softmax_ctx;

static pto_status add_group(pto_run *run, softmax_ctx *c, int g, pto_error *err)
{
    float *scr = c->dev_scratch + g * GROUP_SCRATCH;
    float *m = scr, *s = scr + PART, *M = scr + 2 * PART, *S = M + TR;
    pto_task_id stats[CT], comb, norm;

    for (int j = 0; j < CT; j++) {
        uint64_t a[] = {pto_ptr_bits(c->dev_x + g * TR * COLS + j * TC), COLS, pto_ptr_bits(m + j),
                        pto_ptr_bits(s + j), CT};
        PTO_TRY(pto_add_task(run, FUNC_STATS, PTO_CORE_AIV, a, 5, &stats[j], err));
    }
    uint64_t ca[] = {pto_ptr_bits(m), pto_ptr_bits(s), pto_ptr_bits(M), pto_ptr_bits(S)};
    PTO_TRY(pto_add_task(run, FUNC_COMBINE, PTO_CORE_AIV, ca, 4, &comb, err));
    for (int j = 0; j < CT; j++)
        PTO_TRY(pto_add_dep(run, stats[j], comb, err));
    for (int j = 0; j < CT; j++) {
        size_t off = (size_t)g * TR * COLS + (size_t)j * TC;
        uint64_t a[] = {pto_ptr_bits(c->dev_x + off), COLS, pto_ptr_bits(M), pto_ptr_bits(S),
                        pto_ptr_bits(c->dev_y + off)};
        PTO_TRY(pto_add_task(run, FUNC_NORMALIZE, PTO_CORE_AIV, a, 5, &norm, err));
        PTO_TRY(pto_add_dep(run, comb, norm, err));
    }
    return PTO_OK;
}

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    softmax_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_x, err));
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_y, err));
    PTO_TRY(pto_example_alloc(dev, SCRATCH_BYTES, &c->dev_scratch, err));
    uint64_t state = 0x50f7ull;
    for (int i = 0; i < ELEMS; i++)
        c->host_x[i] = 4.0f * pto_example_rand(&state);
    memset(c->host_y, 0, sizeof c->host_y);
    PTO_TRY(pto_copy_to_device(dev, c->dev_x, c->host_x, BYTES, err));
    for (int g = 0; g < GROUPS; g++)
        PTO_TRY(add_group(run, c, g, err));
    return pto_copy_back(run, c->host_y, c->dev_y, BYTES, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const softmax_ctx *c = vctx;
    double worst = 0.0;
    for (int i = 0; i < ROWS; i++) {
        const float *x = c->host_x + i * COLS;
        double mx = x[0], sum = 0.0;
        for (int j = 1; j < COLS; j++)
            mx = x[j] > mx ? x[j] : mx;
        for (int j = 0; j < COLS; j++)
            sum += exp((double)x[j] - mx);
        for (int j = 0; j < COLS; j++) {
            double golden = exp((double)x[j] - mx) / sum;
            pto_example_err(&worst, (double)c->host_y[i * COLS + j], golden);
        }
    }
    *max_err = worst;
    *tolerance = 1e-6; /* outputs are < 0.2: a few f32 ulps of relative error */
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    softmax_ctx *c = vctx;
    float **ptrs[] = {&c->dev_x, &c->dev_y, &c->dev_scratch};
    pto_example_free(dev, ptrs, sizeof ptrs / sizeof ptrs[0]);
}

static const pto_example_kernel kernels[] = {
    {FUNC_STATS, PTO_CORE_AIV, "kernels/softmax_stats.c", "softmax_stats"},
    {FUNC_COMBINE, PTO_CORE_AIV, "kernels/softmax_combine.c", "softmax_combine"},
    {FUNC_NORMALIZE, PTO_CORE_AIV, "kernels/softmax_normalize.c", "softmax_normalize"},
};

static const pto_example example = {
    .name = "softmax",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(softmax_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
