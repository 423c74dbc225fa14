/* scalar_tensor: values going back and forth between tasks, slots and the
 * orchestration (DESIGN §6.5, pto/scalars.h), plus WAR and WAW ordering on
 * one buffer. All tasks are AIV, on 16 x 16 f32 tiles or 16 int32; every
 * task carries a key, so the run may use `--dispatch affinity:4` (README.md
 * derives each task's lane and the total on `--blocks 2`).
 *
 *   t0  S[0] = sum(Ia) = 30                  key 0
 *   t1  S[1] = sum(Ib) = 24                  key 1
 *   t2  slot1 := S[1]                        pto_slot_load, after t1
 *   t3  slot2 := slot1 * 2u                  pto_slot_set of an expression
 *   t4  Y3 = X + 1   if slot2 == 48u         key 1 (runs)
 *   t5  Y4 = X + 2   if slot2 != 48u         key 1 (skipped: Y4 untouched)
 *   t6  Y2 = B + 1                           key 2 (reads B)
 *   t7  B = 5                                key 3 (WAR: after t6)
 *       v = S[0]                             pto_read: waits for t0
 *   t8  slot0 := v                           pto_slot_set_u64
 *   t9  Y1 = v * X                           v as a PTO_SCALAR param, key
 *                                            `slot0` (pto_set_task_key_expr)
 *   t10 B = Y1 + 3                           key 0 (WAW: after t7; RAW on t9)
 *
 * check() proves the order: Y2 = B0 + 1 (t6 read B before t7 overwrote
 * it), B = v * X + 3 (t10 wrote it after t7), Y3 = X + 1 and Y4 still the
 * sentinel (slot2 was 48), Y1 = 30 * X and S = {30, 24, 0, ...}.
 *
 * Streamed only: pto_read waits for a running task, and a host-built graph
 * does not run until the orchestration has returned. `--host-built` fails
 * with an error saying so. */
#include <stdio.h>
#include <string.h>

#include <pto/example.h>
#include <pto/pto.h>
#include <pto/scalars.h>

#define N 16              /* int32 per input row, and elements of S */
#define TILE_ELEMS 256    /* 16 x 16 */
#define NY 4              /* output tiles Y1 .. Y4 */
#define SENTINEL 12345.0f /* Y's initial value: what a skipped task leaves */
#define WAR_FILL 5.0f     /* what t7 writes into B */

enum { FUNC_SUM = 0, FUNC_FILL = 1, FUNC_AXPB = 2 };

typedef struct st_ctx {
    float *dev_x, *dev_b, *dev_y;
    int32_t *dev_in, *dev_s;
    int32_t host_in[2 * N];
    float host_x[TILE_ELEMS], host_b0[TILE_ELEMS];
    float host_b[TILE_ELEMS], host_y[NY * TILE_ELEMS];
    int32_t host_s[N];
    int32_t v; /* S[0] as pto_read returned it */
} st_ctx;

static pto_tensor tile(float *base) { return pto_tensor_1d(base, TILE_ELEMS, sizeof(float)); }

/* Y(k): output tile k = 1 .. 4. */
static pto_tensor ytile(const st_ctx *c, int k)
{
    return pto_example_part(c->dev_y, (uint64_t)(k - 1) * TILE_ELEMS, TILE_ELEMS, sizeof(float));
}

static pto_status parse(pto_run *run, const char *text, pto_expr *out, pto_error *err)
{
    pto_expr_resolver res;
    pto_symbols_resolver(pto_run_device(run), &res);
    return pto_expr_parse(out, text, strlen(text), &res, err);
}

/* Submits st_axpb: y = n * x + b, with key `key`. */
static pto_status axpb(pto_run *run, pto_tensor x, pto_tensor y, uint64_t n, float b, uint64_t key,
                       pto_error *err)
{
    pto_param p[4] = {pto_in(x), pto_out_existing(y), pto_scalar(n), pto_scalar_f32(b)};
    PTO_TRY(pto_set_task_key(run, key, err));
    return pto_submit(run, FUNC_AXPB, PTO_CORE_AIV, p, 4, NULL, err);
}

static pto_status sum(pto_run *run, pto_tensor in, pto_tensor s, uint64_t key, pto_error *err)
{
    pto_param p[2] = {pto_in(in), pto_out_existing(s)};
    PTO_TRY(pto_set_task_key(run, key, err));
    return pto_submit(run, FUNC_SUM, PTO_CORE_AIV, p, 2, NULL, err);
}

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    st_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    PTO_TRY(pto_example_alloc(dev, sizeof c->host_x, &c->dev_x, err));
    PTO_TRY(pto_example_alloc(dev, sizeof c->host_b, &c->dev_b, err));
    PTO_TRY(pto_example_alloc(dev, sizeof c->host_y, &c->dev_y, err));
    PTO_TRY(pto_example_alloc_i32(dev, 2 * N, &c->dev_in, err));
    PTO_TRY(pto_example_alloc_i32(dev, N, &c->dev_s, err));
    uint64_t state = 0x5ca1ull;
    for (int i = 0; i < TILE_ELEMS; i++)
        c->host_x[i] = pto_example_rand(&state);
    for (int i = 0; i < TILE_ELEMS; i++)
        c->host_b0[i] = pto_example_rand(&state);
    for (int i = 0; i < NY * TILE_ELEMS; i++)
        c->host_y[i] = SENTINEL;
    for (int i = 0; i < N; i++) {
        c->host_in[i] = (7 * i) % 5;     /* Ia: sum 30 */
        c->host_in[N + i] = (3 * i) % 4; /* Ib: sum 24 */
        c->host_s[i] = 0;
    }
    PTO_TRY(pto_copy_to_device(dev, c->dev_x, c->host_x, sizeof c->host_x, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_b, c->host_b0, sizeof c->host_b0, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_y, c->host_y, sizeof c->host_y, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_in, c->host_in, sizeof c->host_in, err));
    PTO_TRY(pto_copy_to_device(dev, c->dev_s, c->host_s, sizeof c->host_s, err));

    pto_tensor X = tile(c->dev_x), B = tile(c->dev_b);
    pto_tensor S = pto_tensor_1d(c->dev_s, N, sizeof(int32_t));
    pto_expr e;

    /* t0, t1: two tasks write values into S */
    PTO_TRY(sum(run, pto_example_part(c->dev_in, 0, N, sizeof(int32_t)),
                pto_example_part(c->dev_s, 0, 1, sizeof(int32_t)), 0, err));
    PTO_TRY(sum(run, pto_example_part(c->dev_in, N, N, sizeof(int32_t)),
                pto_example_part(c->dev_s, 1, 1, sizeof(int32_t)), 1, err));
    /* t2: slot1 := S[1], after t1; t3: slot2 := slot1 * 2u, after t2 */
    PTO_TRY(pto_slot_load(run, 1, &S, 1, NULL, err));
    PTO_TRY(parse(run, "slot1 * 2u", &e, err));
    PTO_TRY(pto_slot_set(run, 2, &e, NULL, err));
    /* t4, t5: predicated on slot2; exactly one runs */
    PTO_TRY(parse(run, "slot2 == 48u", &e, err));
    PTO_TRY(pto_set_task_predicate(run, &e, err));
    PTO_TRY(axpb(run, X, ytile(c, 3), 1, 1.0f, 1, err));
    PTO_TRY(parse(run, "slot2 != 48u", &e, err));
    PTO_TRY(pto_set_task_predicate(run, &e, err));
    PTO_TRY(axpb(run, X, ytile(c, 4), 1, 2.0f, 1, err));
    /* t6 reads B; t7 overwrites it (WAR) */
    PTO_TRY(axpb(run, B, ytile(c, 2), 1, 1.0f, 2, err));
    {
        pto_param p[2] = {pto_out_existing(B), pto_scalar_f32(WAR_FILL)};
        PTO_TRY(pto_set_task_key(run, 3, err));
        PTO_TRY(pto_submit(run, FUNC_FILL, PTO_CORE_AIV, p, 2, NULL, err));
    }
    /* The round trip: the orchestration waits for t0 and reads S[0] ... */
    pto_status st = pto_read(run, &S, 0, &c->v, err);
    if (st == PTO_ERR_STATE && err) {
        char why[PTO_ERROR_MSG_MAX];
        snprintf(why, sizeof why, "%s", err->msg);
        return pto_fail(err, st,
                        "scalar_tensor runs streamed only (drop --host-built): its "
                        "orchestration reads S[0] with pto_read while the tasks run. %s",
                        why);
    }
    PTO_TRY(st);
    /* ... t8 puts it in slot0 ... */
    PTO_TRY(pto_slot_set_u64(run, 0, (uint64_t)(uint32_t)c->v, NULL, err));
    /* ... and t9 takes it as a scalar param and its key as `slot0` */
    {
        pto_param p[4] = {pto_in(X), pto_out_existing(ytile(c, 1)),
                          pto_scalar((uint64_t)(uint32_t)c->v), pto_scalar_f32(0.0f)};
        PTO_TRY(parse(run, "slot0", &e, err));
        PTO_TRY(pto_set_task_key_expr(run, &e, err));
        PTO_TRY(pto_submit(run, FUNC_AXPB, PTO_CORE_AIV, p, 4, NULL, err));
    }
    /* t10 writes B again (WAW after t7), from Y1 (RAW on t9) */
    PTO_TRY(axpb(run, ytile(c, 1), B, 1, 3.0f, 0, err));

    PTO_TRY(pto_copy_back(run, c->host_y, c->dev_y, sizeof c->host_y, err));
    PTO_TRY(pto_copy_back(run, c->host_b, c->dev_b, sizeof c->host_b, err));
    return pto_copy_back(run, c->host_s, c->dev_s, sizeof c->host_s, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const st_ctx *c = vctx;
    int32_t sa = 0, sb = 0;
    for (int i = 0; i < N; i++) {
        sa += c->host_in[i];
        sb += c->host_in[N + i];
    }
    uint64_t slot2 = 2u * (uint64_t)sb;
    double worst = 0.0;
    pto_example_err(&worst, (double)c->v, (double)sa);
    for (int i = 0; i < N; i++)
        pto_example_err(&worst, (double)c->host_s[i], i == 0 ? sa : i == 1 ? sb : 0);
    const float *y1 = c->host_y, *y2 = y1 + TILE_ELEMS, *y3 = y2 + TILE_ELEMS,
                *y4 = y3 + TILE_ELEMS;
    for (int i = 0; i < TILE_ELEMS; i++) {
        double x = (double)c->host_x[i];
        pto_example_err(&worst, (double)y1[i], (double)sa * x);
        pto_example_err(&worst, (double)y2[i], (double)c->host_b0[i] + 1.0);
        pto_example_err(&worst, (double)y3[i], slot2 == 48u ? x + 1.0 : (double)SENTINEL);
        pto_example_err(&worst, (double)y4[i], slot2 != 48u ? x + 2.0 : (double)SENTINEL);
        pto_example_err(&worst, (double)c->host_b[i], (double)sa * x + 3.0);
    }
    printf("scalar_tensor: pto_read S[0] = %d (slot0: t9's param and key, lane %d of 4), "
           "slot1 = S[1] = %d, slot2 = %llu: t4 %s, t5 %s\n",
           (int)c->v, (int)((uint32_t)c->v % 4u), (int)c->host_s[1], (unsigned long long)slot2,
           y3[0] == SENTINEL ? "skipped" : "ran", y4[0] == SENTINEL ? "skipped" : "ran");
    *max_err = worst;
    *tolerance = 1e-5; /* two f32 roundings of values below 34 */
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    st_ctx *c = vctx;
    float **ptrs[] = {&c->dev_x, &c->dev_b, &c->dev_y};
    pto_example_free(dev, ptrs, sizeof ptrs / sizeof ptrs[0]);
    int32_t **iptrs[] = {&c->dev_in, &c->dev_s};
    for (size_t i = 0; i < sizeof iptrs / sizeof iptrs[0]; i++) {
        if (*iptrs[i])
            pto_free(dev, *iptrs[i], NULL);
        *iptrs[i] = NULL;
    }
}

static const pto_example_kernel kernels[] = {
    {FUNC_SUM, PTO_CORE_AIV, "kernels/st_sum.c", "st_sum"},
    {FUNC_FILL, PTO_CORE_AIV, "kernels/st_fill.c", "st_fill"},
    {FUNC_AXPB, PTO_CORE_AIV, "kernels/st_axpb.c", "st_axpb"},
};

static const pto_example example = {
    .name = "scalar_tensor",
    .kernels = kernels,
    .nkernels = sizeof kernels / sizeof kernels[0],
    .ctx_size = sizeof(st_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
    .mode = PTO_MODE_STREAMED,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
