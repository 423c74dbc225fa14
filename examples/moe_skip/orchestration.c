/* moe_skip: a mixture of experts whose empty experts are skipped at
 * dispatch (DESIGN §6.5, pto/scalars.h). T = 8 tokens of D = 16 features,
 * E = 4 experts with a 16 x 16 weight each:
 *
 *   router (AIV)   route -> masks[e][t] = (route[t] == e), counts[e]
 *   slot e := counts[e]                  (pto_slot_load, one per expert)
 *   expert e (AIC) y_e = mask_e * (x @ W_e), predicate `slot<e> != 0u`
 *   combine (AIV)  y = sum of y_e over the experts with counts[e] != 0
 *
 * The routing is the int32-array symbol moe.route (the expert of each
 * token), read when the orchestration runs: `pto run examples/moe_skip
 * --set moe.route=[1,1,3,0,3,3,1,0]` empties other experts than the default
 * without recompiling anything. Declared empty; empty means the default
 * routing DEFAULT_ROUTE below.
 *
 * An expert with no tokens is skipped: no kernel, 0 cycles, and its output
 * y_e keeps what the orchestration wrote there, SENTINEL everywhere (had
 * it run, its rows would be 0). check() compares y with a plain C MoE,
 * counts with the histogram of the route, the y_e of the experts with
 * tokens with x @ W_e on their tokens' rows (0 elsewhere), and the y_e of
 * the empty experts with SENTINEL, and prints which experts were skipped.
 * README.md derives total_cycles for three routings. Streamed by default;
 * `--host-built` builds the same graph before launch. */
#include <stdio.h>

#include <pto/example.h>
#include <pto/pto.h>
#include <pto/scalars.h>

#define T 8  /* tokens */
#define D 16 /* features */
#define E 4  /* experts */
#define SENTINEL 12345.0f

enum { FUNC_ROUTE = 0, FUNC_EXPERT = 1, FUNC_COMBINE = 2 };

/* moe.route when it is empty (never set, or set to []): experts 1 and 3
 * get no token. */
static const int32_t DEFAULT_ROUTE[T] = {0, 2, 0, 2, 2, 0, 2, 0};

typedef struct moe_ctx {
    float *dev_x, *dev_w, *dev_masks, *dev_ye, *dev_y;
    int32_t *dev_route, *dev_counts;
    int32_t route[T]; /* the routing this run used */
    float host_x[T * D], host_w[E * D * D];
    float host_ye[E * T * D], host_y[T * D];
    int32_t host_counts[E];
} moe_ctx;

/* The routing: moe.route, or DEFAULT_ROUTE when it is empty. */
static pto_status read_route(pto_device *dev, int32_t route[T], pto_error *err)
{
    uint32_t len = 0;
    PTO_TRY(pto_symbol_get_i32_array(dev, "moe.route", NULL, 0, &len, err));
    if (len == 0) {
        for (int t = 0; t < T; t++)
            route[t] = DEFAULT_ROUTE[t];
        return PTO_OK;
    }
    if (len != T)
        return pto_fail(err, PTO_ERR_INVALID,
                        "moe.route has %u elements: it needs one expert per token, %d", len, T);
    PTO_TRY(pto_symbol_get_i32_array(dev, "moe.route", route, T, &len, err));
    for (int t = 0; t < T; t++)
        if (route[t] < 0 || route[t] >= E)
            return pto_fail(err, PTO_ERR_INVALID, "moe.route[%d] = %d: an expert is 0 .. %d", t,
                            (int)route[t], E - 1);
    return PTO_OK;
}

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    moe_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    PTO_TRY(read_route(dev, c->route, err));

    PTO_TRY(pto_example_alloc(dev, sizeof c->host_x, &c->dev_x, err));
    PTO_TRY(pto_example_alloc(dev, sizeof c->host_w, &c->dev_w, err));
    PTO_TRY(pto_example_alloc(dev, E * T * sizeof(float), &c->dev_masks, err));
    PTO_TRY(pto_example_alloc(dev, sizeof c->host_ye, &c->dev_ye, err));
    PTO_TRY(pto_example_alloc(dev, sizeof c->host_y, &c->dev_y, err));
    PTO_TRY(pto_example_alloc_i32(dev, T, &c->dev_route, err));
    PTO_TRY(pto_example_alloc_i32(dev, E, &c->dev_counts, err));
    uint64_t state = 0x30e5ull;
    for (int i = 0; i < T * D; i++)
        c->host_x[i] = pto_example_rand(&state);
    for (int i = 0; i < E * D * D; i++)
        c->host_w[i] = pto_example_rand(&state);
    for (int i = 0; i < E * T * D; i++)
        c->host_ye[i] = SENTINEL;
    PTO_TRY(pto_copy_to_device(dev, c->dev_x, c->host_x, sizeof c->host_x, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_w, c->host_w, sizeof c->host_w, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_ye, c->host_ye, sizeof c->host_ye, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_route, c->route, sizeof c->route, err));

    pto_tensor route = pto_tensor_1d(c->dev_route, T, sizeof(int32_t));
    pto_tensor masks = pto_tensor_1d(c->dev_masks, E * T, sizeof(float));
    pto_tensor counts = pto_tensor_1d(c->dev_counts, E, sizeof(int32_t));
    pto_tensor x = pto_tensor_1d(c->dev_x, T * D, sizeof(float));
    pto_tensor ye = pto_tensor_1d(c->dev_ye, E * T * D, sizeof(float));

    pto_param rp[3] = {pto_in(route), pto_out_existing(masks), pto_out_existing(counts)};
    PTO_TRY(pto_submit(run, FUNC_ROUTE, PTO_CORE_AIV, rp, 3, NULL, err));

    pto_expr_resolver res;
    pto_symbols_resolver(dev, &res);
    for (uint32_t e = 0; e < E; e++) {
        /* slot e := counts[e], once the router has written it */
        PTO_TRY(pto_slot_load(run, e, &counts, e, NULL, err));
        char text[32];
        int n = snprintf(text, sizeof text, "slot%u != 0u", (unsigned)e);
        pto_expr pred;
        PTO_TRY(pto_expr_parse(&pred, text, (size_t)n, &res, err));
        PTO_TRY(pto_set_task_predicate(run, &pred, err));
        pto_param p[4] = {
            pto_in(x),
            pto_in(pto_example_part(c->dev_w, e * D * D, D * D, sizeof(float))),
            pto_in(pto_example_part(c->dev_masks, e * T, T, sizeof(float))),
            pto_out_existing(pto_example_part(c->dev_ye, e * T * D, T * D, sizeof(float))),
        };
        PTO_TRY(pto_submit(run, FUNC_EXPERT, PTO_CORE_AIC, p, 4, NULL, err));
    }

    pto_param cp[3] = {pto_in(ye), pto_in(counts),
                       pto_out_existing(pto_tensor_1d(c->dev_y, T * D, sizeof(float)))};
    PTO_TRY(pto_submit(run, FUNC_COMBINE, PTO_CORE_AIV, cp, 3, NULL, err));

    PTO_TRY(pto_copy_back(run, c->host_y, c->dev_y, sizeof c->host_y, err));
    PTO_TRY(pto_copy_back(run, c->host_ye, c->dev_ye, sizeof c->host_ye, err));
    return pto_copy_back(run, c->host_counts, c->dev_counts, sizeof c->host_counts, err);
}

/* x[t] @ W_e, in double. */
static double token_out(const moe_ctx *c, int e, int t, int j)
{
    double s = 0.0;
    for (int k = 0; k < D; k++)
        s += (double)c->host_x[t * D + k] * (double)c->host_w[e * D * D + k * D + j];
    return s;
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const moe_ctx *c = vctx;
    int count[E] = {0};
    for (int t = 0; t < T; t++)
        count[c->route[t]]++;
    double worst = 0.0;
    for (int e = 0; e < E; e++)
        pto_example_err(&worst, (double)c->host_counts[e], (double)count[e]);
    /* the plain MoE: each token through its expert */
    for (int t = 0; t < T; t++)
        for (int j = 0; j < D; j++)
            pto_example_err(&worst, (double)c->host_y[t * D + j], token_out(c, c->route[t], t, j));
    /* the experts' own outputs: computed rows, zero rows, or untouched */
    int untouched = 1;
    for (int e = 0; e < E; e++)
        for (int t = 0; t < T; t++)
            for (int j = 0; j < D; j++) {
                double got = (double)c->host_ye[(e * T + t) * D + j];
                double want = count[e] == 0      ? (double)SENTINEL
                              : c->route[t] == e ? token_out(c, e, t, j)
                                                 : 0.0;
                if (count[e] == 0 && got != want)
                    untouched = 0;
                pto_example_err(&worst, got, want);
            }
    printf("moe_skip: route [");
    for (int t = 0; t < T; t++)
        printf("%s%d", t ? "," : "", (int)c->route[t]);
    printf("], tokens per expert [");
    for (int e = 0; e < E; e++)
        printf("%s%d", e ? "," : "", count[e]);
    printf("], skipped experts:");
    for (int e = 0; e < E; e++)
        if (count[e] == 0)
            printf(" %d", e);
    printf(" (outputs %s)\n", untouched ? "untouched" : "OVERWRITTEN");
    *max_err = worst;
    *tolerance = 1e-5; /* f32 sums of 16 products below 1 */
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    moe_ctx *c = vctx;
    float **ptrs[] = {&c->dev_x, &c->dev_w, &c->dev_masks, &c->dev_ye, &c->dev_y};
    pto_example_free(dev, ptrs, sizeof ptrs / sizeof ptrs[0]);
    int32_t **iptrs[] = {&c->dev_route, &c->dev_counts};
    for (size_t i = 0; i < sizeof iptrs / sizeof iptrs[0]; i++) {
        if (*iptrs[i])
            pto_free(dev, *iptrs[i], NULL);
        *iptrs[i] = NULL;
    }
}

static const pto_example_kernel kernels[] = {
    {FUNC_ROUTE, PTO_CORE_AIV, "kernels/moe_route.c", "moe_route"},
    {FUNC_EXPERT, PTO_CORE_AIC, "kernels/moe_expert.c", "moe_expert"},
    {FUNC_COMBINE, PTO_CORE_AIV, "kernels/moe_combine.c", "moe_combine"},
};

static const pto_example_symbol symbols[] = {
    {"moe.route", PTO_SYMBOL_I32_ARRAY, 0}, /* [] = DEFAULT_ROUTE */
};

static const pto_example example = {
    .name = "moe_skip",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(moe_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
    .mode = PTO_MODE_STREAMED,
    .symbols = symbols,
    .nsymbols = sizeof symbols / sizeof symbols[0],
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
