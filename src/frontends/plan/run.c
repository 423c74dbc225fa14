/* Running a plan on a device (docs/plan.md, "Running"): kernels, symbols,
 * tensors, then one pto_launch whose orchestration function is the
 * interpreter: it walks the workload tree (walk.c) and submits each task
 * instance as it is reached, so a streamed run expands the plan while the
 * schedulers run, inside the bounded rings (the orchestrator stalls when
 * they are full). Per task: one params array on the stack, no allocation.
 * Public API only. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/plan/plan.h"
#include "pto/tile.h"

/* The interpreter's state for one run: the device, the plan's device
 * buffers (one per tensor, NULL until allocated) and the symbols' values
 * (read once before launch: symbols cannot change during a launch). */
typedef struct plan_run {
    pto_device *dev;
    pto_run *run;
    const pto_plan *plan;
    void **bufs;
    uint64_t *symvals;
} plan_run;

static uint64_t run_sym(void *ctx, uint32_t index)
{
    const plan_run *r = ctx;
    return r->symvals[index];
}

/* for_each time order: task `id` (just submitted, the newest) waits for
 * the join of the previous iteration of every for_each around it, and
 * becomes part of the current iteration's join: the first task of an
 * iteration is its join; each further one adds a dependency-only task
 * waiting for the join so far and for it. Bounded: two ids per loop. */
static pto_status time_order(plan_run *r, plan_walk *w, pto_task_id id, pto_error *err)
{
    for (uint32_t f = 0; f < w->nframes; f++)
        if (w->frames[f].prev_join != PLAN_NO_TASK) {
            pto_status s = pto_add_dep(r->run, w->frames[f].prev_join, id, err);
            if (s != PTO_OK)
                return s;
        }
    for (uint32_t f = 0; f < w->nframes; f++) {
        plan_frame *fr = &w->frames[f];
        if (fr->cur_join == PLAN_NO_TASK) {
            fr->cur_join = id;
            continue;
        }
        pto_task_id j = 0;
        pto_status s = pto_submit_dummy(r->run, NULL, 0, &j, err);
        if (s == PTO_OK)
            s = pto_add_dep(r->run, fr->cur_join, j, err);
        if (s == PTO_OK)
            s = pto_add_dep(r->run, id, j, err);
        if (s != PTO_OK)
            return s;
        fr->cur_join = j;
    }
    return PTO_OK;
}

/* A slot_set or slot_load instance: the slot task (pto_slot_set with the
 * value's loop variables as constants, or pto_slot_load of the element),
 * with its predicate. */
static pto_status submit_slot(plan_walk *w, const plan_node *N, const pto_expr_env *env,
                              pto_task_id *id, pto_error *err)
{
    plan_run *r = w->ctx;
    pto_expr pred;
    int any = 0;
    pto_status s = plan_node_predicate(w->plan, N, 0, w->vars, &pred, &any, err); /* constants */
    if (s == PTO_OK && N->kind == PLAN_SLOT_LOAD) {
        pto_tensor t;
        s = plan_view(w, &N->load, env, r->bufs[N->load.tensor], &t, err);
        if (s == PTO_OK && any)
            s = pto_set_task_predicate(r->run, &pred, err);
        if (s == PTO_OK)
            s = pto_slot_load(r->run, N->slot, &t, 0, id, err);
        return s;
    }
    pto_expr value;
    if (s == PTO_OK)
        s = plan_expr_reparse(w->plan, N->value, 0, w->vars, &value, err);
    if (s == PTO_OK && any)
        s = pto_set_task_predicate(r->run, &pred, err);
    if (s == PTO_OK)
        s = pto_slot_set(r->run, N->slot, &value, id, err);
    return s;
}

/* The visitor: one pto_submit (or slot task) per task instance. */
static pto_status submit_visit(plan_walk *w, const plan_node *task, uint32_t depth, pto_error *err)
{
    plan_run *r = w->ctx;
    const pto_plan *P = r->plan;
    pto_expr_env env;
    plan_walk_env(w, depth, &env); /* the device's symbols (interpret) */
    pto_status s = PTO_OK;
    pto_task_id id = 0;
    if (task->kind != PLAN_TASK) {
        s = submit_slot(w, task, &env, &id, err);
    } else {
        pto_param params[PTO_MAX_ARGS];
        for (uint32_t a = 0; a < task->nargs; a++) {
            const plan_arg *arg = &task->args[a];
            if (arg->kind == PLAN_ARG_VIEW) {
                params[a].kind = arg->param;
                params[a].scalar = 0;
                s = plan_view(w, arg, &env, r->bufs[arg->tensor], &params[a].tensor, err);
                if (s != PTO_OK)
                    return s;
            } else if (arg->kind == PLAN_ARG_F32) {
                params[a] = pto_scalar(arg->bits);
            } else {
                uint64_t v = 0;
                s = plan_expr_value(w, arg->scalar, &env, arg->path, "scalar", -1, &v, err);
                if (s != PTO_OK)
                    return s;
                params[a] = pto_scalar(v);
            }
        }
        /* the loop variables a dispatch-time predicate or key reads */
        for (uint32_t d = 0; d < task->vparams; d++)
            params[task->nargs + d] = pto_scalar(w->vars[d]);
        if (task->dkey)
            s = pto_set_task_key_expr(r->run, task->dkey, err);
        else if (task->key) {
            uint64_t k = 0;
            s = plan_expr_value(w, task->key, &env, task->path, "task/key", -1, &k, err);
            if (s != PTO_OK)
                return s;
            s = pto_set_task_key(r->run, k, err);
        }
        if (s == PTO_OK && task->dpred)
            s = pto_set_task_predicate(r->run, task->dpred, err);
        const plan_kernel *K = &P->kernels[task->kernel];
        uint32_t n = task->nargs + task->vparams;
        if (s != PTO_OK)
            ;
        else if (task->mix)
            s = pto_submit_mix(r->run, task->mix, task->mix & PTO_MIX_AIC ? (int)task->kernel : -1,
                               task->mix & (PTO_MIX_AIV0 | PTO_MIX_AIV1) ? (int)task->aiv_kernel
                                                                         : -1,
                               params, n, &id, err);
        else if (task->blocks)
            s = pto_submit_spmd(r->run, (int)task->kernel, K->core, task->blocks, params, n, &id,
                                err);
        else
            s = pto_submit(r->run, (int)task->kernel, K->core, params, n, &id, err);
    }
    if (s == PTO_OK)
        s = time_order(r, w, id, err);
    static const char *const what[] = {
        [PLAN_TASK] = "task", [PLAN_SLOT_SET] = "slot_set", [PLAN_SLOT_LOAD] = "slot_load"};
    int hint = s == PTO_ERR_CAPACITY && task->kind != PLAN_TASK;
    return plan_error_at(err, s, task->path, what[task->kind],
                         hint ? " (in a slot task, loop variables are constants: one expression "
                                "per distinct value)"
                              : NULL);
}

static pto_status loop_scope(plan_walk *w, const plan_node *loop, int begin, pto_error *err)
{
    plan_run *r = w->ctx;
    return begin ? pto_scope_begin(r->run, loop->var, PTO_SCOPE_AUTO, err)
                 : pto_scope_end(r->run, err);
}

static pto_status interpret(pto_run *run, void *ctx, pto_error *err)
{
    plan_run *r = ctx;
    r->run = run;
    plan_walk w;
    memset(&w, 0, sizeof w);
    w.plan = r->plan;
    w.sym = run_sym;
    w.ctx = r;
    w.visit = submit_visit;
    w.scope = loop_scope;
    pto_expr_env env;
    pto_symbols_env(r->dev, &env);
    w.symbol = env.symbol;
    w.symbol_ctx = env.symbol_ctx;
    pto_status s = PTO_OK; /* slots start at their defaults (a slot task each) */
    for (uint32_t k = 0; k < r->plan->nslots && s == PTO_OK; k++)
        if (r->plan->slots[k].def)
            s = pto_slot_set_u64(run, k, r->plan->slots[k].def, NULL, err);
    if (s == PTO_OK)
        s = plan_walk_run(&w, err);
    /* then the processes (docs/plan.md, "csp"), each walking a copy of w */
    if (s == PTO_OK && r->plan->csp)
        s = plan_csp_run(run, &w, err);
    return s;
}

/* Element k of a fill rule, as a double. */
static double fill_at(const plan_fill *f, uint64_t k) { return f->a * (double)k + f->b; }

/* Element k of a tensor's host data as a double. */
static double elem_at(const plan_tensor *T, const void *host, uint64_t k)
{
    switch (T->dtype) {
    case PLAN_F32: return (double)((const float *)host)[k];
    case PLAN_F16: return (double)pto_tile_f16_to_f32(((const uint16_t *)host)[k]);
    case PLAN_BF16: return (double)pto_tile_bf16_to_f32(((const uint16_t *)host)[k]);
    default: return (double)((const int32_t *)host)[k];
    }
}

static void fill_host(const plan_tensor *T, void *host)
{
    if (T->init.kind == PLAN_FILL_NONE) {
        memset(host, 0, T->elems * T->elem);
        return;
    }
    for (uint64_t k = 0; k < T->elems; k++) {
        double v = fill_at(&T->init, k);
        if (T->dtype == PLAN_F32)
            ((float *)host)[k] = (float)v;
        else if (T->dtype == PLAN_F16) /* via f32, then to nearest even (pto/tile.h) */
            ((uint16_t *)host)[k] = pto_tile_f32_to_f16((float)v);
        else if (T->dtype == PLAN_BF16)
            ((uint16_t *)host)[k] = pto_tile_f32_to_bf16((float)v);
        else { /* i32: rounded, saturated */
            double x = nearbyint(v);
            ((int32_t *)host)[k] = x >= 2147483647.0    ? INT32_MAX
                                   : x <= -2147483648.0 ? INT32_MIN
                                   : x == x             ? (int32_t)x
                                                        : 0;
        }
    }
}

/* Folds T's expect rule over its copied-back data into res. */
static void compare(const plan_tensor *T, const void *host, pto_plan_result *res)
{
    double worst = 0;
    for (uint64_t k = 0; k < T->elems && worst == worst; k++) {
        double got = elem_at(T, host, k);
        double want = fill_at(&T->expect, k);
        double d = fabs(got - want);
        if (d != d || d > worst)
            worst = d;
    }
    res->checked++;
    if (worst != worst || res->max_err != res->max_err)
        res->max_err = worst != worst ? worst : res->max_err;
    else if (worst > res->max_err)
        res->max_err = worst;
    if (T->tolerance > res->tolerance)
        res->tolerance = T->tolerance;
    if (!(worst <= T->tolerance))
        res->pass = 0;
}

static pto_status setup(pto_device *dev, pto_plan *P, plan_run *r, pto_error *err)
{
    for (uint32_t i = 0; i < P->nkernels; i++) {
        const plan_kernel *K = &P->kernels[i];
        pto_status s =
            K->source
                ? pto_kernel_register_source(dev, (int)i, K->core, K->source, K->entry, NULL, err)
                : pto_kernel_register_so(dev, (int)i, K->core, K->so, K->entry, err);
        if (s != PTO_OK) {
            char msg[PTO_ERROR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
            return pto_fail(err, s, "/kernels/%u: %s", (unsigned)i, msg);
        }
    }
    for (uint32_t i = 0; i < P->nsymbols; i++) {
        const plan_symbol *S = &P->symbols[i];
        pto_symbol_type ty = S->array ? PTO_SYMBOL_I32_ARRAY
                             : S->f32 ? PTO_SYMBOL_F32
                                      : PTO_SYMBOL_U64;
        pto_status s = pto_symbol_declare(dev, S->name, ty, S->array ? 0 : S->def, err);
        /* an array's device default is empty: its values are set always (the
         * walk reads the same values from the plan) */
        if (s == PTO_OK && S->array)
            s = pto_symbol_set_i32_array(dev, S->name, S->arr, S->len, err);
        else if (s == PTO_OK && S->overridden)
            s = S->f32 ? pto_symbol_set_f32(dev, S->name, pto_bits_f32(S->value), err)
                       : pto_symbol_set_u64(dev, S->name, S->value, err);
        if (s == PTO_OK && !S->f32 && !S->array) /* the axis sizes */
            s = pto_symbol_get_u64(dev, S->name, &r->symvals[i], err);
        if (s != PTO_OK) {
            char msg[PTO_ERROR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
            if (P->csp && P->csp->latency_implicit && P->csp->latency_symbol == i)
                return pto_fail(err, s, "/csp/latency: %s", msg); /* declared by "csp" */
            return pto_fail(err, s, "/symbols/%u: %s", (unsigned)i, msg);
        }
    }
    return PTO_OK;
}

pto_status pto_plan_run(pto_device *dev, pto_plan *P, const pto_run_config *cfg,
                        pto_plan_result *result, pto_stats *stats, pto_error *err)
{
    if (!dev || !P)
        return pto_fail(err, PTO_ERR_INVALID, "pto_plan_run: NULL device or plan");
    pto_run_config rc;
    if (cfg)
        rc = *cfg;
    else
        pto_plan_run_config(P, &rc);
    pto_plan_result res = {0, 0.0, 0.0, 1};
    pto_device_info di;
    pto_device_get_info(dev, &di);
    pto_status s = plan_check_caps(P, di.platform ? di.platform : "a2a3sim", rc.deterministic, err);
    if (s != PTO_OK)
        return s;
    plan_run r = {.dev = dev, .plan = P};
    r.bufs = calloc(P->ntensors, sizeof *r.bufs);
    r.symvals = calloc(P->nsymbols + 1, sizeof *r.symvals);
    uint64_t most = 0;
    for (uint32_t i = 0; i < P->ntensors; i++)
        if (P->tensors[i].elems * P->tensors[i].elem > most)
            most = P->tensors[i].elems * P->tensors[i].elem;
    void *host = most <= SIZE_MAX ? malloc((size_t)most) : NULL;
    if (!r.bufs || !r.symvals || !host) {
        s = pto_fail(err, PTO_ERR_NOMEM, "pto_plan_run: out of host memory");
        goto out;
    }
    if ((s = setup(dev, P, &r, err)) != PTO_OK)
        goto out;
    if ((s = plan_check_axes(P, run_sym, &r, err)) != PTO_OK) /* ragged and sparse sources */
        goto out;
    for (uint32_t i = 0; i < P->ntensors && s == PTO_OK; i++) {
        const plan_tensor *T = &P->tensors[i];
        size_t bytes = (size_t)(T->elems * T->elem);
        s = pto_malloc(dev, bytes, &r.bufs[i], err);
        if (s == PTO_OK && T->input)
            s = plan_npy_read(T, T->input, host, err);
        else if (s == PTO_OK)
            fill_host(T, host);
        if (s == PTO_OK)
            s = pto_copy_to_device(dev, r.bufs[i], host, bytes, err);
        if (s != PTO_OK) {
            char msg[PTO_ERROR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
            s = pto_fail(err, s, "/tensors/%u: %s", (unsigned)i, msg);
        }
    }
    if (s != PTO_OK)
        goto out;
    s = pto_launch(dev, &rc, interpret, &r, stats, err);
    for (uint32_t i = 0; i < P->ntensors && s == PTO_OK; i++) {
        const plan_tensor *T = &P->tensors[i];
        if (T->expect.kind == PLAN_FILL_NONE && !T->output && !T->golden)
            continue;
        s = pto_copy_from_device(dev, host, r.bufs[i], (size_t)(T->elems * T->elem), err);
        if (s == PTO_OK && T->expect.kind != PLAN_FILL_NONE)
            compare(T, host, &res);
        if (s == PTO_OK && T->output)
            s = plan_npy_write(T, T->output, host, err);
        if (s == PTO_OK && T->golden) {
            double worst = 0;
            uint64_t bad = 0;
            s = plan_npy_golden(T, host, &worst, &bad, err);
            if (s == PTO_OK) {
                res.checked++;
                if (worst > res.max_err || worst != worst)
                    res.max_err = worst;
                if (T->tolerance > res.tolerance)
                    res.tolerance = T->tolerance;
                if (bad)
                    res.pass = 0;
            } else {
                char msg[PTO_ERROR_MSG_MAX];
                snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
                s = pto_fail(err, s, "/tensors/%u: golden: %s", (unsigned)i, msg);
            }
        }
    }
out:
    for (uint32_t i = 0; r.bufs && i < P->ntensors; i++)
        if (r.bufs[i])
            pto_free(dev, r.bufs[i], NULL);
    free(r.bufs);
    free(r.symvals);
    free(host);
    if (result)
        *result = res;
    return s;
}
