/* csp_prefetch: double buffering with CSP (DESIGN §6.4, pto/csp.h).
 *
 *   acc (8 x 8) = A (8 x 128) @ B (128 x 8), split into NK = 8 K-tiles of 16:
 *   acc = sum over k of A_k (8 x 16) @ B_k (16 x 8)
 *
 * Two variants of the same tasks, selected by the u64 symbol
 * csp_prefetch.single (default 0):
 *
 *   0: two processes joined by the channel "staged" of capacity C (the u64
 *      symbol csp_prefetch.capacity, default 2; 0 is a rendezvous):
 *        loader (AIV)  for k: stage A_k, B_k (pf_load, 512 cycles), send k
 *        matmul (AIC)  recv k: acc += A_k @ B_k (pf_matmul, 1472 cycles)
 *      so the loader runs ahead of the matmul by up to the capacity;
 *   1: one process doing the same work in program order: load 0, matmul
 *      0, load 1, matmul 1, ...
 *
 * Each load writes its own staging tiles (sa_k, sb_k: no buffer is reused,
 * so no anti-dependency is involved) and each matmul reads them, so the
 * tensor map also orders load k before matmul k; the matmuls are chained
 * through acc. With --deterministic --blocks 1 (one AIC core for the
 * matmul, two AIV cores for the loader), README.md derives total_cycles:
 * 12288 + L for two processes at channel latency L (the symbol
 * __pto_wsp_channel_latency_cycles, declared here, default 0) while L <=
 * 1472 C, 512 + L + 7 max(1472, 512 + L) + 1472 for a rendezvous, and
 * 15872 for one process. check() compares acc with A @ B in double.
 * Streamed by default; `--host-built` gives the same totals. */
#include <stdio.h>

#include <pto/csp.h>
#include <pto/example.h>
#include <pto/pto.h>

#define M 8
#define KT 16
#define NN 8
#define NK 8 /* K-tiles */
#define A_TILE (M * KT)
#define B_TILE (KT * NN)
#define SINGLE_SYMBOL "csp_prefetch.single"
#define CAPACITY_SYMBOL "csp_prefetch.capacity"

enum { FUNC_LOAD = 0, FUNC_MATMUL = 1 };

typedef struct pf_ctx {
    float *dev_a, *dev_b, *dev_sa, *dev_sb, *dev_c;
    pto_channel *staged;
    uint64_t single, capacity, latency; /* the symbols' values this run */
    float host_a[NK * A_TILE];          /* A_k contiguous, one after the other */
    float host_b[NK * B_TILE];          /* B row-major: B_k = rows 16k .. 16k+15 */
    float host_c[M * NN];
} pf_ctx;

static pto_tensor part(float *base, uint64_t first, uint64_t count)
{
    return pto_example_part(base, first, count, sizeof(float));
}

/* Stage K-tile k (the loader's task). */
static pto_status submit_load(pto_run *run, pf_ctx *c, uint64_t k, pto_error *err)
{
    pto_param p[4] = {
        pto_in(part(c->dev_a, k * A_TILE, A_TILE)),
        pto_out_existing(part(c->dev_sa, k * A_TILE, A_TILE)),
        pto_in(part(c->dev_b, k * B_TILE, B_TILE)),
        pto_out_existing(part(c->dev_sb, k * B_TILE, B_TILE)),
    };
    return pto_submit(run, FUNC_LOAD, PTO_CORE_AIV, p, 4, NULL, err);
}

/* acc += A_k @ B_k from the staged tiles (the matmul's task). */
static pto_status submit_matmul(pto_run *run, pf_ctx *c, uint64_t k, pto_error *err)
{
    pto_param p[3] = {
        pto_in(part(c->dev_sa, k * A_TILE, A_TILE)),
        pto_in(part(c->dev_sb, k * B_TILE, B_TILE)),
        pto_inout(part(c->dev_c, 0, M * NN)),
    };
    return pto_submit(run, FUNC_MATMUL, PTO_CORE_AIC, p, 3, NULL, err);
}

static pto_status loader(pto_run *run, void *vctx, uint32_t index, pto_error *err)
{
    pf_ctx *c = vctx;
    (void)index;
    for (uint64_t k = 0; k < NK; k++) {
        PTO_TRY(submit_load(run, c, k, err));
        PTO_TRY(pto_send(run, c->staged, k, err));
    }
    return PTO_OK; /* returning closes "staged" */
}

static pto_status matmul(pto_run *run, void *vctx, uint32_t index, pto_error *err)
{
    pf_ctx *c = vctx;
    (void)index;
    for (;;) {
        uint64_t k;
        int closed;
        PTO_TRY(pto_recv(run, c->staged, &k, &closed, err));
        if (closed)
            return PTO_OK;
        PTO_TRY(submit_matmul(run, c, k, err));
    }
}

static pto_status alone(pto_run *run, void *vctx, uint32_t index, pto_error *err)
{
    pf_ctx *c = vctx;
    (void)index;
    for (uint64_t k = 0; k < NK; k++) {
        PTO_TRY(submit_load(run, c, k, err));
        PTO_TRY(submit_matmul(run, c, k, err));
    }
    return PTO_OK;
}

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    pf_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    PTO_TRY(pto_symbol_get_u64(dev, SINGLE_SYMBOL, &c->single, err));
    PTO_TRY(pto_symbol_get_u64(dev, CAPACITY_SYMBOL, &c->capacity, err));
    PTO_TRY(pto_symbol_get_u64(dev, PTO_CSP_LATENCY_SYMBOL, &c->latency, err));
    if (c->single > 1)
        return pto_fail(err, PTO_ERR_INVALID,
                        SINGLE_SYMBOL " = %llu: 0 (loader and matmul processes) or 1 (one process)",
                        (unsigned long long)c->single);
    PTO_TRY(pto_example_alloc(dev, sizeof c->host_a, &c->dev_a, err));
    PTO_TRY(pto_example_alloc(dev, sizeof c->host_b, &c->dev_b, err));
    PTO_TRY(pto_example_alloc(dev, sizeof c->host_a, &c->dev_sa, err));
    PTO_TRY(pto_example_alloc(dev, sizeof c->host_b, &c->dev_sb, err));
    PTO_TRY(pto_example_alloc(dev, sizeof c->host_c, &c->dev_c, err));
    uint64_t state = 0x9fe7ull;
    for (int i = 0; i < NK * A_TILE; i++)
        c->host_a[i] = pto_example_rand(&state);
    for (int i = 0; i < NK * B_TILE; i++)
        c->host_b[i] = pto_example_rand(&state);
    for (int i = 0; i < M * NN; i++)
        c->host_c[i] = 0.0f;
    PTO_TRY(pto_copy_to_device(dev, c->dev_a, c->host_a, sizeof c->host_a, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_b, c->host_b, sizeof c->host_b, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_c, c->host_c, sizeof c->host_c, err));

    if (c->single) {
        PTO_TRY(pto_process_create(run, "alone", alone, c, 1, err));
    } else {
        if (c->capacity > PTO_CSP_CAPACITY)
            return pto_fail(err, PTO_ERR_INVALID, CAPACITY_SYMBOL " = %llu: at most %d",
                            (unsigned long long)c->capacity, PTO_CSP_CAPACITY);
        PTO_TRY(pto_channel_create(run, "staged", (uint32_t)c->capacity, &c->staged, err));
        PTO_TRY(pto_process_create(run, "loader", loader, c, 1, err));
        PTO_TRY(pto_process_create(run, "matmul", matmul, c, 1, err));
    }
    PTO_TRY(pto_csp_run(run, err));
    return pto_copy_back(run, c->host_c, c->dev_c, sizeof c->host_c, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const pf_ctx *c = vctx;
    double worst = 0.0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < NN; j++) {
            double s = 0.0;
            for (int k = 0; k < NK; k++)
                for (int t = 0; t < KT; t++)
                    s += (double)c->host_a[k * A_TILE + i * KT + t] *
                         (double)c->host_b[(k * KT + t) * NN + j];
            pto_example_err(&worst, (double)c->host_c[i * NN + j], s);
        }
    if (c->single)
        printf("csp_prefetch: acc = A @ B over %d K-tiles, one process (load, matmul, load, "
               "matmul, ...)\n",
               NK);
    else
        printf("csp_prefetch: acc = A @ B over %d K-tiles, loader and matmul processes, capacity "
               "%llu, channel latency %llu cycles\n",
               NK, (unsigned long long)c->capacity, (unsigned long long)c->latency);
    *max_err = worst;
    *tolerance = 1e-4; /* f32 sums of 128 products below 1, in 8 partial sums */
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    pf_ctx *c = vctx;
    float **ptrs[] = {&c->dev_a, &c->dev_b, &c->dev_sa, &c->dev_sb, &c->dev_c};
    pto_example_free(dev, ptrs, sizeof ptrs / sizeof ptrs[0]);
}

static const pto_example_kernel kernels[] = {
    {FUNC_LOAD, PTO_CORE_AIV, "kernels/pf_load.c", "pf_load"},
    {FUNC_MATMUL, PTO_CORE_AIC, "kernels/pf_matmul.c", "pf_matmul"},
};

static const pto_example_symbol symbols[] = {
    {SINGLE_SYMBOL, PTO_SYMBOL_U64, 0},          /* 1: the single-process variant */
    {CAPACITY_SYMBOL, PTO_SYMBOL_U64, 2},        /* the channel's capacity */
    {PTO_CSP_LATENCY_SYMBOL, PTO_SYMBOL_U64, 0}, /* channel latency, cycles */
};

static const pto_example example = {
    .name = "csp_prefetch",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(pf_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
    .mode = PTO_MODE_STREAMED,
    .symbols = symbols,
    .nsymbols = sizeof symbols / sizeof symbols[0],
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
