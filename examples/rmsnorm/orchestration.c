/* rmsnorm: y = x * rsqrt(mean(x^2)) row-wise over a 32 x 16 f32 matrix,
 * cut into two 16 x 16 row tiles, one AIV task each (no dependencies):
 *
 *   t0: rows  0..15   rmsnorm_tile   (1072 cycles)
 *   t1: rows 16..31   rmsnorm_tile   (1072 cycles)
 *
 * Inputs: a deterministic LCG in [-1, 1]. The golden is computed in double. */
#include <math.h>
#include <string.h>

#include <pto/example.h>
#include <pto/pto.h>

#define ROWS 32
#define COLS 16
#define TILE_ROWS 16
#define ELEMS (ROWS * COLS)
#define BYTES (ELEMS * sizeof(float))

enum { FUNC_RMSNORM = 0 };

typedef struct rmsnorm_ctx {
    float *dev_x, *dev_y;
    float host_x[ELEMS], host_y[ELEMS];
} rmsnorm_ctx;

/* 64-bit LCG (Knuth's MMIX constants); top 24 bits mapped to [-1, 1]. */
static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    rmsnorm_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_x, err));
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_y, err));
    uint64_t state = 0x12345678ull;
    for (int i = 0; i < ELEMS; i++)
        c->host_x[i] = pto_example_rand(&state);
    memset(c->host_y, 0, sizeof c->host_y);
    PTO_TRY(pto_copy_to_device(dev, c->dev_x, c->host_x, BYTES, err));

    for (int r0 = 0; r0 < ROWS; r0 += TILE_ROWS) {
        uint64_t args[3] = {pto_ptr_bits(c->dev_x + r0 * COLS), pto_ptr_bits(c->dev_y + r0 * COLS),
                            COLS};
        PTO_TRY(pto_add_task(run, FUNC_RMSNORM, PTO_CORE_AIV, args, 3, NULL, err));
    }
    return pto_copy_back(run, c->host_y, c->dev_y, BYTES, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const rmsnorm_ctx *c = vctx;
    double worst = 0.0;
    for (int i = 0; i < ROWS; i++) {
        double ss = 0.0;
        for (int j = 0; j < COLS; j++)
            ss += (double)c->host_x[i * COLS + j] * (double)c->host_x[i * COLS + j];
        double inv = 1.0 / sqrt(ss / COLS);
        for (int j = 0; j < COLS; j++) {
            double golden = (double)c->host_x[i * COLS + j] * inv;
            pto_example_err(&worst, (double)c->host_y[i * COLS + j], golden);
        }
    }
    *max_err = worst;
    *tolerance = 1e-5; /* |y| < 4: a few f32 ulps */
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    rmsnorm_ctx *c = vctx;
    float **ptrs[] = {&c->dev_x, &c->dev_y};
    pto_example_free(dev, ptrs, sizeof ptrs / sizeof ptrs[0]);
}

static const pto_example_kernel kernels[] = {
    {FUNC_RMSNORM, PTO_CORE_AIV, "kernels/rmsnorm_tile.c", "rmsnorm_tile"},
};

static const pto_example example = {
    .name = "rmsnorm",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(rmsnorm_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
