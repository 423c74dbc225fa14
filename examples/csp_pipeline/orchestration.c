/* csp_pipeline: load -> compute -> store over a stream of N = 8 tiles of
 * 16 x 16 floats, as three CSP processes (DESIGN §6.4, pto/csp.h) joined
 * by two channels of capacity 2 (the symbol csp_pipeline.capacity; 0 makes
 * them rendezvous channels):
 *
 *   stage[0] load     for k: a_k = x_k   (cp_copy, 512 cycles), send k on "loaded"
 *   stage[1] compute  recv k from "loaded": b_k = 2 a_k + 1 (cp_affine,
 *                     1024 cycles), send k on "computed"
 *   stage[2] store    recv k from "computed": y_k = b_k (cp_copy, 512)
 *
 * One body created with replicas 3: the replica index selects the stage.
 * The token's payload is the tile index k. Data flows through tensors
 * (x, a, b, y: N tiles each, one tile per task), so each task also depends
 * on its producer's task through the tensor map; the channels add the token
 * and capacity edges and the processes' program order. The channel latency
 * is the symbol __pto_wsp_channel_latency_cycles (declared here, default 0):
 * `pto run examples/csp_pipeline --set __pto_wsp_channel_latency_cycles=16`
 * changes it without recompiling. With --deterministic --blocks 2
 * --dispatch affinity:4 (each stage on a core of its own: the task key is
 * the stage), README.md derives total_cycles = 9216 + 2 L for latency L
 * (0 / 16 / 64 -> 9216 / 9248 / 9344), and 9216 + 9 L for rendezvous
 * channels. check() compares y (and a, b) with 2 x + 1 in double. Streamed
 * by default; `--host-built` gives the same totals. */
#include <stdio.h>

#include <pto/csp.h>
#include <pto/example.h>
#include <pto/pto.h>

#define TILE_ELEMS 256 /* 16 x 16 */
#define N 8            /* tiles */
#define ELEMS (N * TILE_ELEMS)
#define BYTES (ELEMS * sizeof(float))
#define CAPACITY_SYMBOL "csp_pipeline.capacity"

enum { FUNC_COPY = 0, FUNC_AFFINE = 1 };

typedef struct cp_ctx {
    float *dev_x, *dev_a, *dev_b, *dev_y;
    pto_channel *loaded, *computed;
    uint64_t capacity, latency; /* the symbols' values this run */
    float host_x[ELEMS], host_a[ELEMS], host_b[ELEMS], host_y[ELEMS];
} cp_ctx;

static pto_tensor tile(float *base, uint64_t k)
{
    return pto_example_part(base, k * TILE_ELEMS, TILE_ELEMS, sizeof(float));
}

/* One stage: index 0 load, 1 compute, 2 store. */
static pto_status stage(pto_run *run, void *vctx, uint32_t index, pto_error *err)
{
    cp_ctx *c = vctx;
    pto_channel *in = index == 0 ? NULL : index == 1 ? c->loaded : c->computed;
    pto_channel *out = index == 0 ? c->loaded : index == 1 ? c->computed : NULL;
    float *src = index == 0 ? c->dev_x : index == 1 ? c->dev_a : c->dev_b;
    float *dst = index == 0 ? c->dev_a : index == 1 ? c->dev_b : c->dev_y;
    for (uint64_t i = 0;; i++) {
        uint64_t k = i;
        if (in) {
            int closed;
            PTO_TRY(pto_recv(run, in, &k, &closed, err));
            if (closed) /* the upstream stage returned and every token was taken */
                return PTO_OK;
        } else if (i == N) {
            return PTO_OK; /* returning closes "loaded" */
        }
        pto_param p[2] = {pto_in(tile(src, k)), pto_out_existing(tile(dst, k))};
        /* key = the stage: `--dispatch affinity:4` pins stage i to lane i */
        PTO_TRY(pto_set_task_key(run, index, err));
        PTO_TRY(
            pto_submit(run, index == 1 ? FUNC_AFFINE : FUNC_COPY, PTO_CORE_AIV, p, 2, NULL, err));
        if (out)
            PTO_TRY(pto_send(run, out, k, err));
    }
}

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    cp_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    PTO_TRY(pto_symbol_get_u64(dev, CAPACITY_SYMBOL, &c->capacity, err));
    PTO_TRY(pto_symbol_get_u64(dev, PTO_CSP_LATENCY_SYMBOL, &c->latency, err));
    float **bufs[] = {&c->dev_x, &c->dev_a, &c->dev_b, &c->dev_y};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        PTO_TRY(pto_example_alloc(dev, BYTES, bufs[i], err));
    uint64_t state = 0xc5b1ull;
    for (int i = 0; i < ELEMS; i++)
        c->host_x[i] = pto_example_rand(&state);
    PTO_TRY(pto_copy_to_device(dev, c->dev_x, c->host_x, BYTES, err));

    if (c->capacity > PTO_CSP_CAPACITY)
        return pto_fail(err, PTO_ERR_INVALID, CAPACITY_SYMBOL " = %llu: at most %d",
                        (unsigned long long)c->capacity, PTO_CSP_CAPACITY);
    PTO_TRY(pto_channel_create(run, "loaded", (uint32_t)c->capacity, &c->loaded, err));
    PTO_TRY(pto_channel_create(run, "computed", (uint32_t)c->capacity, &c->computed, err));
    PTO_TRY(pto_process_create(run, "stage", stage, c, 3, err));
    PTO_TRY(pto_csp_run(run, err));

    PTO_TRY(pto_copy_back(run, c->host_a, c->dev_a, BYTES, err));
    PTO_TRY(pto_copy_back(run, c->host_b, c->dev_b, BYTES, err));
    return pto_copy_back(run, c->host_y, c->dev_y, BYTES, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const cp_ctx *c = vctx;
    double worst = 0.0;
    for (int i = 0; i < ELEMS; i++) {
        double want = 2.0 * (double)c->host_x[i] + 1.0;
        pto_example_err(&worst, (double)c->host_a[i], (double)c->host_x[i]);
        pto_example_err(&worst, (double)c->host_b[i], want);
        pto_example_err(&worst, (double)c->host_y[i], want);
    }
    printf(
        "csp_pipeline: %d tiles through load -> compute -> store, capacity %llu, channel latency "
        "%llu cycles\n",
        N, (unsigned long long)c->capacity, (unsigned long long)c->latency);
    *max_err = worst;
    *tolerance = 1e-6; /* one f32 rounding of values below 3 */
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    cp_ctx *c = vctx;
    float **ptrs[] = {&c->dev_x, &c->dev_a, &c->dev_b, &c->dev_y};
    pto_example_free(dev, ptrs, sizeof ptrs / sizeof ptrs[0]);
}

static const pto_example_kernel kernels[] = {
    {FUNC_COPY, PTO_CORE_AIV, "kernels/cp_copy.c", "cp_copy"},
    {FUNC_AFFINE, PTO_CORE_AIV, "kernels/cp_affine.c", "cp_affine"},
};

static const pto_example_symbol symbols[] = {
    {CAPACITY_SYMBOL, PTO_SYMBOL_U64, 2},        /* both channels' capacity */
    {PTO_CSP_LATENCY_SYMBOL, PTO_SYMBOL_U64, 0}, /* channel latency, cycles */
};

static const pto_example example = {
    .name = "csp_pipeline",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(cp_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
    .mode = PTO_MODE_STREAMED,
    .symbols = symbols,
    .nsymbols = sizeof symbols / sizeof symbols[0],
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
