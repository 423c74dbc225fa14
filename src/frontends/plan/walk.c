/* Expansion of the workload tree in program order (docs/plan.md): the one
 * walk both the checker (bounds for every iteration) and the interpreter
 * (submitting tasks) use. Recursion follows the plan's nesting, at most
 * PLAN_MAX_DEPTH deep; loop variables live in the fixed stack w->vars
 * (slot = loop depth), so expanding any number of tasks allocates nothing. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "frontends/plan/plan.h"

uint64_t plan_axis_size(const plan_walk *w, uint32_t a)
{
    const plan_axis *A = &w->plan->axes[a];
    return A->kind == PLAN_AXIS_DENSE ? A->size : w->sym(w->ctx, A->symbol); /* dense_dyn */
}

/* The iteration range [*lo, *hi) of loop N in the current iteration of
 * the loops around it, and for a sparse axis the index array (*idx) the
 * variable is read from. The i32[] values are read from the plan and
 * checked here (not only by plan_check_axes), so a walk never reads
 * outside an array: a bad value is PTO_ERR_INVALID naming the axis. */
static pto_status loop_range(const plan_walk *w, const plan_node *N, uint64_t *lo, uint64_t *hi,
                             const int32_t **idx, pto_error *err)
{
    const pto_plan *P = w->plan;
    const plan_axis *A = &P->axes[N->axis];
    if (A->kind == PLAN_AXIS_DENSE || A->kind == PLAN_AXIS_DENSE_DYN) {
        *hi = plan_axis_size(w, N->axis);
        return PTO_OK;
    }
    const plan_symbol *S = &P->symbols[A->symbol];
    uint64_t r = w->vars[N->outer_depth];
    if (A->kind == PLAN_AXIS_RAGGED) {
        if (r >= S->len || S->arr[r] < 0)
            return pto_fail(err, PTO_ERR_INVALID, "%s: ragged axis '%s' at %s=%" PRIu64 ": %s",
                            N->path, A->name, w->names[N->outer_depth], r,
                            r >= S->len ? "past the end of its lengths" : "a negative length");
        *hi = (uint64_t)S->arr[r];
        return PTO_OK;
    }
    const plan_symbol *I = &P->symbols[A->indices];
    if (r + 1 >= S->len || S->arr[r] < 0 || S->arr[r + 1] < S->arr[r] ||
        (uint32_t)S->arr[r + 1] > I->len)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: sparse axis '%s' at %s=%" PRIu64 ": indptr[%" PRIu64 "..%" PRIu64
                        "] is not a range of indices",
                        N->path, A->name, w->names[N->outer_depth], r, r, r + 1);
    *lo = (uint64_t)S->arr[r];
    *hi = (uint64_t)S->arr[r + 1];
    *idx = I->arr;
    return PTO_OK;
}

static pto_status walk_node(plan_walk *w, const plan_node *N, uint32_t depth, pto_error *err);

/* A loop node: its iterations in order. The variable runs over [lo, n)
 * of loop_range, or is idx[v] (sparse); in the flat form the loop also
 * runs its outer axis (slot outer_depth) around that, counting the flat
 * index (flat_slot) over every entry. */
static pto_status walk_loop(plan_walk *w, const plan_node *N, pto_error *err)
{
    plan_frame *f = NULL;
    if (N->kind == PLAN_FOR_EACH) {
        f = &w->frames[w->nframes++];
        f->prev_join = f->cur_join = PLAN_NO_TASK;
    }
    pto_status s = w->scope ? w->scope(w, N, 1, err) : PTO_OK;
    uint64_t since = w->tasks, flat = 0;
    uint64_t rows = N->flat_outer ? plan_axis_size(w, w->plan->axes[N->axis].outer) : 1;
    for (uint64_t r = 0; r < rows && s == PTO_OK; r++) {
        if (N->flat_outer) {
            w->vars[N->outer_depth] = r;
            w->names[N->outer_depth] = N->outer_var;
        }
        uint64_t lo = 0, n = 0;
        const int32_t *idx = NULL;
        s = loop_range(w, N, &lo, &n, &idx, err);
        for (uint64_t v = lo; v < n && s == PTO_OK; v++) {
            if ((s = plan_walk_renew(w, N, &since, err)) != PTO_OK)
                break;
            if (f && f->cur_join != PLAN_NO_TASK) { /* the previous iteration had tasks */
                f->prev_join = f->cur_join;
                f->cur_join = PLAN_NO_TASK;
            }
            if (w->max_steps && ++w->steps > w->max_steps) {
                w->steps_hit = 1;
                s = PTO_ERR_CAPACITY;
                break;
            }
            w->vars[N->depth] = idx ? (uint64_t)(int64_t)idx[v] : v;
            w->names[N->depth] = N->var;
            if (N->flat_slot != UINT32_MAX) {
                w->vars[N->flat_slot] = idx ? v : flat++; /* sparse: the entry's position */
                w->names[N->flat_slot] = N->flat_var;
            }
            if (s == PTO_OK)
                s = plan_walk_list(w, N->body, N->nbody, N->depth + N->nslots, err);
        }
    }
    if (f)
        w->nframes--;
    if (s == PTO_OK && w->scope)
        s = w->scope(w, N, 0, err);
    return s;
}

static pto_status walk_node(plan_walk *w, const plan_node *N, uint32_t depth, pto_error *err)
{
    switch (N->kind) {
    case PLAN_TASK:
    case PLAN_SLOT_SET:
    case PLAN_SLOT_LOAD: w->tasks++; return w->visit(w, N, depth, err);
    case PLAN_COMBINE: return plan_walk_list(w, N->body, N->nbody, depth, err);
    case PLAN_SEND:
    case PLAN_RECV:
    case PLAN_CONSUME:
    case PLAN_CLOSE:
        if (!w->chan)
            return pto_fail(err, PTO_ERR_INVALID, "%s: a channel operation outside a process",
                            N->path);
        return w->chan(w, N, depth, err);
    case PLAN_SEQUENTIAL: { /* a time-order frame, rotated between children */
        plan_frame *f = &w->frames[w->nframes++];
        f->prev_join = f->cur_join = PLAN_NO_TASK;
        pto_status s = PTO_OK;
        for (uint32_t i = 0; i < N->nbody && s == PTO_OK; i++) {
            if (f->cur_join != PLAN_NO_TASK) {
                f->prev_join = f->cur_join;
                f->cur_join = PLAN_NO_TASK;
            }
            s = walk_node(w, &N->body[i], depth, err);
            depth = plan_depth_after(&N->body[i], depth);
        }
        w->nframes--;
        return s;
    }
    case PLAN_COND: {
        pto_expr_env env;
        plan_walk_env(w, depth, &env);
        if (N->dynamic) { /* decided at dispatch: both branches, their tasks guarded */
            for (uint32_t i = 0; i < N->nbody; i++) {
                pto_status s = walk_node(w, &N->body[i], depth, err);
                if (s != PTO_OK)
                    return s;
            }
            for (uint32_t i = 0; i < N->nelse; i++) {
                pto_status s = walk_node(w, &N->else_body[i], depth, err);
                if (s != PTO_OK)
                    return s;
            }
            return PTO_OK;
        }
        uint64_t c = 0;
        pto_status cs = plan_expr_value(w, N->cond, &env, N->path, "cond/if", -1, &c, err);
        if (cs != PTO_OK)
            return cs;
        int yes = c != 0;
        const plan_node *b = yes ? N->body : N->else_body;
        uint32_t n = yes ? N->nbody : N->nelse;
        return plan_walk_list(w, b, n, depth, err);
    }
    case PLAN_PARALLEL_FOR:
    case PLAN_FOR_EACH: return walk_loop(w, N, err);
    }
    return pto_fail(err, PTO_ERR_INVALID, "%s: bad node kind", N->path);
}

pto_status plan_walk_list(plan_walk *w, const plan_node *body, uint32_t n, uint32_t depth,
                          pto_error *err)
{
    for (uint32_t i = 0; i < n; i++) {
        pto_status s = walk_node(w, &body[i], depth, err);
        if (s != PTO_OK)
            return s;
        depth = plan_depth_after(&body[i], depth);
    }
    return PTO_OK;
}

pto_status plan_walk_renew(plan_walk *w, const plan_node *N, uint64_t *since, pto_error *err)
{
    if (!w->scope || w->tasks - *since < PLAN_SCOPE_TASKS)
        return PTO_OK;
    *since = w->tasks;
    pto_status s = w->scope(w, N, 0, err);
    return s != PTO_OK ? s : w->scope(w, N, 1, err);
}

pto_status plan_error_at(pto_error *err, pto_status s, const char *path, const char *node,
                         const char *hint)
{
    if (s == PTO_OK || !err)
        return s;
    char msg[PTO_ERROR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s", err->msg);
    return pto_fail(err, s, "%s%s%s: %s%s", path, node ? "/" : "", node ? node : "", msg,
                    hint ? hint : "");
}

pto_status plan_walk_run(plan_walk *w, pto_error *err)
{
    return walk_node(w, &w->plan->root, 0, err);
}

/* The loop variables of a task instance as text: "i=3, j=0". */
static void iteration_text(const plan_walk *w, const pto_expr_env *env, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (uint32_t d = 0; d < env->naxes && o < cap; d++) {
        int n =
            snprintf(out + o, cap - o, "%s%s=%" PRIu64, d ? ", " : "", w->names[d], env->axes[d]);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

pto_status plan_view(const plan_walk *w, const plan_arg *arg, const pto_expr_env *env, void *buf,
                     pto_tensor *t, pto_error *err)
{
    const pto_plan *plan = w->plan;
    const plan_tensor *T = &plan->tensors[arg->tensor];
    memset(t, 0, sizeof *t);
    t->base = buf;
    t->ndim = T->ndim;
    t->elem = T->elem;
    for (uint32_t d = 0; d < T->ndim; d++) {
        const plan_expr *e = arg->offsets[d];
        uint64_t v = 0;
        pto_status es = plan_expr_value(w, e, env, arg->path, "offsets", (int)d, &v, err);
        if (es != PTO_OK)
            return es;
        int neg = pto_expr_type_of(&e->e) == PTO_EXPR_I64 && (int64_t)v < 0;
        if (neg || v > T->shape[d] || arg->shape[d] > T->shape[d] - v) {
            char it[256];
            iteration_text(w, env, it, sizeof it);
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s/offsets/%u: view out of bounds at %s: offset '%s' = %s%" PRIu64
                            " with extent %" PRIu64 " does not fit dim %u of tensor '%s' (size "
                            "%" PRIu64 ")",
                            arg->path, (unsigned)d, it[0] ? it : "the only iteration", e->text,
                            neg ? "-" : "", neg ? (uint64_t)0 - v : v, arg->shape[d], (unsigned)d,
                            T->name, T->shape[d]);
        }
        t->offset += v * T->stride[d];
        t->shape[d] = arg->shape[d];
        t->stride[d] = T->stride[d];
    }
    return PTO_OK;
}

pto_status plan_expr_value_elems(const plan_walk *w, const plan_expr *x, const pto_expr_env *env,
                                 const char *path, const char *field, int index, uint64_t *out,
                                 pto_error *err)
{
    /* the loop variables, then the elements in their axis slots */
    uint64_t axes[PLAN_MAX_DEPTH + PLAN_EXPR_MAX_ELEMS] = {0};
    uint32_t nv = env->naxes < PLAN_MAX_DEPTH ? env->naxes : PLAN_MAX_DEPTH;
    memcpy(axes, env->axes, nv * sizeof *axes);
    for (uint32_t k = 0; k < x->nelems; k++) {
        const plan_elem *el = &x->elems[k];
        const plan_symbol *S = &w->plan->symbols[el->symbol];
        uint64_t ix = 0;
        pto_status s = plan_expr_value(w, el->index, env, path, field, index, &ix, err);
        if (s != PTO_OK)
            return s;
        int neg = pto_expr_type_of(&el->index->e) == PTO_EXPR_I64 && (int64_t)ix < 0;
        if (neg || ix >= S->len) {
            char it[256], where[PLAN_PATH_MAX + 80];
            iteration_text(w, env, it, sizeof it);
            if (index >= 0)
                snprintf(where, sizeof where, "%s/%s/%d", path, field, index);
            else if (field)
                snprintf(where, sizeof where, "%s/%s", path, field);
            else
                snprintf(where, sizeof where, "%s", path);
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s: array index out of range at %s: index '%s' of '%s' = %s%" PRIu64
                            ", but '%s' has %u elements",
                            where, it[0] ? it : "the only iteration", el->index->text, S->name,
                            neg ? "-" : "", neg ? (uint64_t)0 - ix : ix, S->name, (unsigned)S->len);
        }
        axes[PLAN_MAX_DEPTH + k] = (uint64_t)(int64_t)S->arr[ix];
    }
    pto_expr_env e2 = *env;
    e2.axes = axes;
    e2.naxes = PLAN_MAX_DEPTH + x->nelems;
    *out = pto_expr_eval(&x->e, &e2);
    return PTO_OK;
}
