/* symbols_example: a test fixture whose orchestration reads three symbols
 * (docs/symbols.md) and passes them to its one task as scalar parameters:
 * y[i] = x[i] * scale + (bias + sum(rows)), x[i] = i. Running it twice with
 * different `--set` values gives two results from one compiled object.
 * check() prints the values it saw and y[1]. */
#include <stdio.h>

#include <pto/example.h>
#include <pto/pto.h>

#define N 64
#define BYTES (N * sizeof(float))
#define MAX_ROWS 16

/* dev_* are NULL until allocated; host_y receives the copy-back; the
 * symbol values are those the orchestration read. */
typedef struct sym_ctx {
    float *dev_x, *dev_y;
    float host_x[N], host_y[N];
    uint64_t scale;
    float bias;
    int64_t rows_sum;
    uint32_t nrows;
} sym_ctx;

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    sym_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    int32_t rows[MAX_ROWS];
    PTO_TRY(pto_symbol_get_u64(dev, "scale", &c->scale, err));
    PTO_TRY(pto_symbol_get_f32(dev, "bias", &c->bias, err));
    PTO_TRY(pto_symbol_get_i32_array(dev, "rows", rows, MAX_ROWS, &c->nrows, err));
    c->rows_sum = 0;
    for (uint32_t i = 0; i < c->nrows; i++)
        c->rows_sum += rows[i];
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_x, err));
    PTO_TRY(pto_example_alloc(dev, BYTES, &c->dev_y, err));
    for (int i = 0; i < N; i++)
        c->host_x[i] = (float)i;
    PTO_TRY(pto_copy_to_device(dev, c->dev_x, c->host_x, BYTES, err));
    uint64_t args[5] = {pto_ptr_bits(c->dev_x), pto_ptr_bits(c->dev_y), c->scale,
                        pto_f32_bits(c->bias + (float)c->rows_sum), N};
    pto_task_id t;
    PTO_TRY(pto_add_task(run, 0, PTO_CORE_AIV, args, 5, &t, err));
    return pto_copy_back(run, c->host_y, c->dev_y, BYTES, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const sym_ctx *c = vctx;
    double worst = 0.0;
    for (int i = 0; i < N; i++)
        pto_example_err(&worst, (double)c->host_y[i],
                        (double)(c->host_x[i] * (float)c->scale + (c->bias + (float)c->rows_sum)));
    printf("symbols: scale=%llu bias=%g rows=%u (sum %lld) y[1]=%g\n",
           (unsigned long long)c->scale, (double)c->bias, (unsigned)c->nrows,
           (long long)c->rows_sum, (double)c->host_y[1]);
    *max_err = worst;
    *tolerance = 1e-5;
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    sym_ctx *c = vctx;
    float **const slots[] = {&c->dev_x, &c->dev_y};
    pto_example_free(dev, slots, 2);
}

static const pto_example_kernel kernels[] = {
    {0, PTO_CORE_AIV, "kernels/kernel_affine.c", "kernel_affine"},
};

/* bias defaults to 0.5 (bits of 0.5f: 0x3f000000). */
static const pto_example_symbol symbols[] = {
    {"scale", PTO_SYMBOL_U64, 1},
    {"bias", PTO_SYMBOL_F32, 0x3f000000u},
    {"rows", PTO_SYMBOL_I32_ARRAY, 0},
};

static const pto_example example = {
    .name = "symbols",
    .kernels = kernels,
    .nkernels = 1,
    .ctx_size = sizeof(sym_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
    .symbols = symbols,
    .nsymbols = 3,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
