/* Checks of a loaded plan that need values (docs/plan.md, "Checks"):
 * every task view inside its tensor for every iteration, with the
 * symbols' defaults and overrides, for up to PLAN_CHECK_BUDGET task
 * instances (and as many loop steps); and the capabilities the plan
 * requires against the capability matrix. Loading already checked
 * everything that needs no value (types, names, scopes). */
#include <inttypes.h>
#include <string.h>

#include "frontends/plan/plan.h"

/* The check's state: the instances and loop steps visited so far. */
typedef struct check_ctx {
    uint64_t visited, budget;
    int budget_hit;
} check_ctx;

static uint64_t sym_value(void *ctx, uint32_t index)
{
    const pto_plan *plan = ctx;
    return plan->symbols[index].value;
}

static uint64_t sym_by_id(void *ctx, uint64_t id)
{
    const pto_plan *plan = ctx;
    for (uint32_t i = 0; i < plan->nsymbols; i++)
        if (plan->symbols[i].id == id)
            return plan->symbols[i].value;
    return 0;
}

static pto_status visit(plan_walk *w, const plan_node *task, uint32_t depth, pto_error *err)
{
    check_ctx *c = w->ctx2;
    if (++c->visited > c->budget) {
        c->budget_hit = 1;
        return PTO_ERR_CAPACITY; /* stops the walk; not an error of the plan */
    }
    pto_expr_env env;
    plan_walk_env(w, depth, &env); /* the plan's symbol values (sym_by_id) */
    if (task->kind == PLAN_SLOT_LOAD) {
        pto_tensor t;
        return plan_view(w, &task->load, &env, NULL, &t, err);
    }
    for (uint32_t a = 0; a < task->nargs; a++) {
        const plan_arg *arg = &task->args[a];
        pto_status s = PTO_OK;
        uint64_t v;
        if (arg->kind == PLAN_ARG_VIEW) {
            pto_tensor t;
            s = plan_view(w, arg, &env, NULL, &t, err);
        } else if (arg->kind == PLAN_ARG_SCALAR) { /* its array elements */
            s = plan_expr_value(w, arg->scalar, &env, arg->path, "scalar", -1, &v, err);
        }
        if (s != PTO_OK)
            return s;
    }
    uint64_t k;
    return task->key ? plan_expr_value(w, task->key, &env, task->path, "task/key", -1, &k, err)
                     : PTO_OK;
}

pto_status plan_check_axes(const pto_plan *plan, uint64_t (*sym)(void *ctx, uint32_t index),
                           void *ctx, pto_error *err)
{
    for (uint32_t a = 0; a < plan->naxes; a++) {
        const plan_axis *A = &plan->axes[a];
        if (A->kind != PLAN_AXIS_RAGGED && A->kind != PLAN_AXIS_SPARSE)
            continue;
        const plan_axis *O = &plan->axes[A->outer];
        uint64_t outer = O->kind == PLAN_AXIS_DENSE ? O->size : sym(ctx, O->symbol);
        const plan_symbol *S = &plan->symbols[A->symbol];
        const char *field = A->kind == PLAN_AXIS_RAGGED ? "lengths" : "indptr";
        uint64_t want = A->kind == PLAN_AXIS_RAGGED ? outer : outer + 1;
        if (outer == UINT64_MAX || S->len != want)
            return pto_fail(err, PTO_ERR_INVALID,
                            "/axes/%u/%s: symbol '%s' has %u elements, but outer axis '%s' has "
                            "size %" PRIu64 " (%s)",
                            (unsigned)a, field, S->name, (unsigned)S->len, O->name, outer,
                            A->kind == PLAN_AXIS_RAGGED ? "one length per outer iteration"
                                                        : "indptr has size + 1 elements");
        for (uint32_t k = 0; k < S->len; k++) {
            if (S->arr[k] < 0)
                return pto_fail(err, PTO_ERR_INVALID, "/axes/%u/%s: %s[%u] = %d is negative",
                                (unsigned)a, field, S->name, (unsigned)k, (int)S->arr[k]);
            if (A->kind == PLAN_AXIS_SPARSE && k && S->arr[k] < S->arr[k - 1])
                return pto_fail(err, PTO_ERR_INVALID,
                                "/axes/%u/indptr: %s is not non-decreasing: %s[%u] = %d < "
                                "%s[%u] = %d",
                                (unsigned)a, S->name, S->name, (unsigned)k, (int)S->arr[k], S->name,
                                (unsigned)(k - 1), (int)S->arr[k - 1]);
        }
        if (A->kind == PLAN_AXIS_SPARSE) {
            const plan_symbol *I = &plan->symbols[A->indices];
            if ((uint32_t)S->arr[S->len - 1] > I->len)
                return pto_fail(err, PTO_ERR_INVALID,
                                "/axes/%u/indptr: %s[%u] = %d is past the end of '%s' (%u "
                                "elements)",
                                (unsigned)a, S->name, (unsigned)(S->len - 1),
                                (int)S->arr[S->len - 1], I->name, (unsigned)I->len);
            for (uint32_t k = 0; k < I->len; k++)
                if (I->arr[k] < 0)
                    return pto_fail(err, PTO_ERR_INVALID,
                                    "/axes/%u/indices: %s[%u] = %d is negative", (unsigned)a,
                                    I->name, (unsigned)k, (int)I->arr[k]);
        }
    }
    return PTO_OK;
}

/* The matrix column of a platform and mode; -1 when there is none. */
static int caps_column(const char *platform, int deterministic)
{
    const char *mode = deterministic ? "deterministic" : "threaded";
    int any = -1;
    for (uint32_t c = 0; c < pto_caps_columns(); c++) {
        if (strcmp(pto_caps_column_platform(c), platform))
            continue;
        if (!strcmp(pto_caps_column_mode(c), mode))
            return (int)c;
        if (!pto_caps_column_mode(c)[0])
            any = (int)c; /* a platform without modes (the gated a2a3) */
    }
    return any;
}

pto_status plan_check_caps(const pto_plan *plan, const char *platform, int deterministic,
                           pto_error *err)
{
    int col = caps_column(platform, deterministic);
    if (col < 0)
        return pto_fail(err, PTO_ERR_NOT_FOUND,
                        "/capabilities: no column for platform '%s' in the capability matrix",
                        platform);
    const char *mode = pto_caps_column_mode((uint32_t)col);
    for (uint32_t i = 0; i < plan->ncaps; i++) {
        pto_cap_level lv = pto_caps_level(plan->caps[i], (uint32_t)col);
        if (lv == PTO_CAP_UNSUPPORTED)
            return pto_fail(err, PTO_ERR_INVALID,
                            "/capabilities/%u: '%s' is UNSUPPORTED on %s%s%s: the plan is "
                            "refused",
                            (unsigned)i, pto_caps_feature(plan->caps[i]), platform,
                            mode[0] ? " " : "", mode);
    }
    /* the rows the workload implies (slots, predicates, dispatch-time keys) */
    for (uint32_t i = 0; i < plan->nimplied; i++)
        if (pto_caps_level(plan->implied[i], (uint32_t)col) == PTO_CAP_UNSUPPORTED)
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s: needs '%s', which is UNSUPPORTED on %s%s%s: the plan is refused",
                            plan->implied_path[i], pto_caps_feature(plan->implied[i]), platform,
                            mode[0] ? " " : "", mode);
    return plan->csp ? plan_csp_check_caps(plan, (uint32_t)col, platform, err) : PTO_OK;
}

pto_status pto_plan_check(const pto_plan *plan, const char *platform, int deterministic,
                          pto_error *err)
{
    return plan_check_budget(plan, platform, deterministic, PLAN_CHECK_BUDGET, err);
}

pto_status plan_check_budget(const pto_plan *plan, const char *platform, int deterministic,
                             uint64_t budget, pto_error *err)
{
    if (!plan)
        return pto_fail(err, PTO_ERR_INVALID, "pto_plan_check: plan is NULL");
    if (platform) {
        pto_status s = plan_check_caps(plan, platform, deterministic, err);
        if (s != PTO_OK)
            return s;
    }
    pto_status as = plan_check_axes(plan, sym_value, (void *)plan, err);
    if (as != PTO_OK)
        return as;
    check_ctx c = {0, budget, 0};
    plan_walk w;
    memset(&w, 0, sizeof w);
    w.plan = plan;
    w.sym = sym_value;
    w.ctx = (void *)plan;
    w.ctx2 = &c;
    w.symbol = sym_by_id;
    w.symbol_ctx = (void *)plan;
    w.visit = visit;
    w.max_steps = budget;
    pto_status s = plan_walk_run(&w, err);
    if (s == PTO_ERR_CAPACITY && (c.budget_hit || w.steps_hit))
        return PTO_OK; /* the rest is checked as the plan runs */
    return s;
}
