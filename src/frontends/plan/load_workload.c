/* The workload tree (docs/plan.md, "workload"): expressions (slots only
 * where they are evaluated at dispatch), task arguments, and the nodes
 * (loops, cond, sequential, combine, task, slot_set, slot_load), with the
 * guards and dispatch-time expressions of tasks under a dynamic cond. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/plan/load.h"

/* Records that the workload needs capability row `feature` (the first
 * node needing it names it). */
void plan_imply(loader *L, const char *feature)
{
    pto_plan *P = L->plan;
    uint32_t r = 0;
    while (r < pto_caps_rows() && strcmp(pto_caps_feature(r), feature))
        r++;
    if (r == pto_caps_rows())
        return;
    for (uint32_t i = 0; i < P->nimplied; i++)
        if (P->implied[i] == r)
            return;
    if (P->nimplied < 3) {
        snprintf(P->implied_path[P->nimplied], PLAN_PATH_MAX, "%s", L->path);
        P->implied[P->nimplied++] = r;
    }
}

static pto_status expr_at(loader *L, const cJSON *j, int want_bool, int slots_ok, plan_expr **out);

/* An expression at the current path (a condition when want_bool), that
 * the expansion evaluates: it must not read a slot. */
static pto_status expr_any(loader *L, const cJSON *j, int want_bool, plan_expr **out)
{
    return expr_at(L, j, want_bool, 0, out);
}

/* slots_ok: 0 the expression is evaluated at expansion (no slot); 1 at
 * dispatch when it reads a slot (cond, key); 2 always at dispatch
 * (predicate, slot_set value). No array element where it is evaluated at
 * dispatch. */
static pto_status expr_at(loader *L, const cJSON *j, int want_bool, int slots_ok, plan_expr **out)
{
    pto_status s = plan_want(L, j, cJSON_IsString(j), "a string (a ScalarExpr)");
    if (s != PTO_OK)
        return s;
    plan_expr *e = calloc(1, sizeof *e);
    char *text = e ? malloc(strlen(j->valuestring) + 1) : NULL;
    if (!text) {
        free(e);
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    }
    strcpy(text, j->valuestring);
    e->text = text;
    *out = e;
    pto_error m = {0};
    s = plan_expr_parse(L->plan, text, L->vars, L->nvars, want_bool, e, &m);
    if (s != PTO_OK)
        return pto_fail(L->err, s, "%s: %s", L->path, m.msg);
    if (e->reads_slots && !slots_ok)
        return plan_fail(L,
                         "'%s' reads a slot, but this expression is evaluated at expansion (slots "
                         "are read by predicates, keys, cond and slot_set only)",
                         text);
    if (e->nelems && (slots_ok == 2 || e->reads_slots))
        return plan_fail(L,
                         "'%s': an array element is read when the plan is expanded, but this "
                         "expression is evaluated at dispatch (a predicate, a slot_set value, or "
                         "an expression that reads a slot)",
                         text);
    return PTO_OK;
}

pto_status plan_expr_of(loader *L, const cJSON *j, plan_expr **out)
{
    return expr_any(L, j, 0, out);
}

/* The "tensor" and "offsets" fields of a view at obj into A: the tensor's
 * index and one offset expression per dim; every extent is 1 until the
 * caller reads a "shape". */
static pto_status view_at(loader *L, const cJSON *obj, plan_arg *A)
{
    const pto_plan *P = L->plan;
    char name[PLAN_NAME_MAX];
    pto_status s = plan_string_at(L, obj, "tensor", 1, name, sizeof name);
    if (s != PTO_OK)
        return s;
    for (A->tensor = 0; A->tensor < P->ntensors && strcmp(P->tensors[A->tensor].name, name);
         A->tensor++)
        ;
    if (A->tensor == P->ntensors)
        return plan_fail_at(L, "tensor", "unknown tensor '%s'", name);
    const plan_tensor *T = &P->tensors[A->tensor];
    const cJSON *offs;
    if ((s = plan_member(L, obj, "offsets", 1, &offs)) != PTO_OK)
        return s;
    size_t old = plan_push_key(L, "offsets");
    s = plan_want(L, offs, cJSON_IsArray(offs), "an array");
    if (s == PTO_OK && cJSON_GetArraySize(offs) != (int)T->ndim)
        s = plan_fail(L, "tensor '%s' has %u dims, got %d offsets", T->name, (unsigned)T->ndim,
                      cJSON_GetArraySize(offs));
    int d = 0;
    for (const cJSON *o = s == PTO_OK ? offs->child : NULL; o && s == PTO_OK; o = o->next, d++) {
        size_t o2 = plan_push_index(L, d);
        s = plan_expr_of(L, o, &A->offsets[d]);
        A->shape[d] = 1;
        plan_pop(L, o2);
    }
    plan_pop(L, old);
    return s;
}

static pto_status load_arg(loader *L, const cJSON *a, plan_arg *A)
{
    static const char *const keys[] = {"tensor", "role", "offsets", "shape", "scalar", "f32", NULL};
    static const char *const roles[] = {"in", "out", "inout", NULL};
    static const pto_param_kind kinds[] = {PTO_IN, PTO_OUT_EXISTING, PTO_INOUT};
    pto_plan *P = L->plan;
    snprintf(A->path, sizeof A->path, "%s", L->path);
    pto_status s = plan_want(L, a, cJSON_IsObject(a), "an object");
    if (s == PTO_OK)
        s = plan_only_keys(L, a, keys);
    if (s != PTO_OK)
        return s;
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(a, "scalar");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(a, "f32");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(a, "tensor");
    if (!!sc + !!f + !!t != 1)
        return plan_fail(L, "give exactly one of 'tensor' (a view), 'scalar' (a ScalarExpr) and "
                            "'f32' (a number)");
    if (sc) {
        if (cJSON_GetArraySize(a) != 1)
            return plan_fail(L, "a scalar argument has no other field");
        A->kind = PLAN_ARG_SCALAR;
        size_t old = plan_push_key(L, "scalar");
        s = plan_expr_of(L, sc, &A->scalar);
        plan_pop(L, old);
        return s;
    }
    if (f) {
        if (cJSON_GetArraySize(a) != 1)
            return plan_fail(L, "an f32 argument has no other field");
        A->kind = PLAN_ARG_F32;
        size_t old = plan_push_key(L, "f32");
        s = plan_want(L, f, cJSON_IsNumber(f), "a number");
        A->bits = pto_f32_bits((float)f->valuedouble);
        plan_pop(L, old);
        return s;
    }
    A->kind = PLAN_ARG_VIEW;
    int role = 0;
    s = view_at(L, a, A);
    if (s == PTO_OK)
        s = plan_enum_at(L, a, "role", 1, roles, "in, out, inout", &role);
    if (s != PTO_OK)
        return s;
    A->param = kinds[role];
    const plan_tensor *T = &P->tensors[A->tensor];
    const cJSON *shape;
    if ((s = plan_member(L, a, "shape", 1, &shape)) != PTO_OK)
        return s;
    size_t old = plan_push_key(L, "shape");
    s = plan_want(L, shape, cJSON_IsArray(shape), "an array");
    if (s == PTO_OK && cJSON_GetArraySize(shape) != (int)T->ndim)
        s = plan_fail(L, "tensor '%s' has %u dims, got %d extents", T->name, (unsigned)T->ndim,
                      cJSON_GetArraySize(shape));
    int d = 0;
    for (const cJSON *x = s == PTO_OK ? shape->child : NULL; x && s == PTO_OK; x = x->next, d++) {
        size_t o2 = plan_push_index(L, d);
        s = plan_uint_of(L, x, T->shape[d], &A->shape[d]);
        if (s == PTO_OK && A->shape[d] == 0)
            s = plan_fail(L, "an extent must be at least 1");
        plan_pop(L, o2);
    }
    plan_pop(L, old);
    return s;
}

static pto_status load_node(loader *L, const cJSON *j, plan_node *N, uint32_t depth);

/* A node list at the current path into *body, *n. */
pto_status plan_load_list(loader *L, const cJSON *arr, plan_node **body, uint32_t *nbody,
                          uint32_t depth)
{
    pto_status s = plan_want(L, arr, cJSON_IsArray(arr), "an array of workload nodes");
    if (s != PTO_OK)
        return s;
    int n = cJSON_GetArraySize(arr);
    if (n == 0)
        return PTO_OK;
    *body = calloc((size_t)n, sizeof **body);
    if (!*body)
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    int i = 0;
    uint32_t nvars = L->nvars; /* a recv's binding is in scope until the list ends */
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        *nbody = (uint32_t)i + 1;
        size_t old = plan_push_index(L, i);
        s = load_node(L, c, &(*body)[i], depth);
        plan_pop(L, old);
        if (s != PTO_OK)
            return s;
    }
    L->nvars = nvars;
    return PTO_OK;
}

/* A node's body (sequential, combine, loops). */
pto_status plan_load_body(loader *L, const cJSON *arr, plan_node *N, uint32_t depth)
{
    return plan_load_list(L, arr, &N->body, &N->nbody, depth);
}

/* {"if": bool expression, "then": [...], "else": [...]} */
static pto_status load_cond(loader *L, const cJSON *c, plan_node *N, uint32_t depth)
{
    static const char *const keys[] = {"if", "then", "else", NULL};
    N->kind = PLAN_COND;
    pto_status s = plan_want(L, c, cJSON_IsObject(c), "an object");
    if (s == PTO_OK)
        s = plan_only_keys(L, c, keys);
    const cJSON *cond = NULL, *then = NULL, *els = NULL;
    if (s == PTO_OK)
        s = plan_member(L, c, "if", 1, &cond);
    if (s == PTO_OK)
        s = plan_member(L, c, "then", 1, &then);
    if (s == PTO_OK)
        s = plan_member(L, c, "else", 0, &els);
    if (s == PTO_OK) {
        size_t old = plan_push_key(L, "if");
        s = expr_at(L, cond, 1, 1, &N->cond);
        if (s == PTO_OK && N->cond->reads_slots) { /* decided at dispatch: guards */
            N->dynamic = 1;
            plan_imply(L, "dispatch-time predicate");
        }
        plan_pop(L, old);
    }
    if (N->dynamic) {
        L->guards[L->nguards] = N->cond;
        L->gneg[L->nguards++] = 0;
    }
    if (s == PTO_OK) {
        size_t old = plan_push_key(L, "then");
        s = plan_load_list(L, then, &N->body, &N->nbody, depth + 1);
        plan_pop(L, old);
    }
    if (N->dynamic)
        L->gneg[L->nguards - 1] = 1;
    if (s == PTO_OK && els) {
        size_t old = plan_push_key(L, "else");
        s = plan_load_list(L, els, &N->else_body, &N->nelse, depth + 1);
        plan_pop(L, old);
    }
    if (N->dynamic)
        L->nguards--;
    return s;
}

/* The guards around the node being loaded, and its own "predicate" field
 * (of object t; optional): into N. */
static pto_status load_guards(loader *L, const cJSON *t, plan_node *N)
{
    N->nguards = L->nguards;
    memcpy(N->guards, L->guards, sizeof N->guards);
    memcpy(N->guard_neg, L->gneg, sizeof N->guard_neg);
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(t, "predicate");
    if (!p)
        return PTO_OK;
    size_t old = plan_push_key(L, "predicate");
    pto_status s = expr_at(L, p, 1, 2, &N->pred); /* 2: always evaluated at dispatch */
    plan_pop(L, old);
    if (s == PTO_OK)
        plan_imply(L, "dispatch-time predicate");
    return s;
}

/* A task's dispatch-time predicate and key (N->dpred, N->dkey), loop
 * variables as params appended after its args. */
static pto_status build_dispatch(loader *L, plan_node *N)
{
    const pto_plan *P = L->plan;
    int vars = N->pred && N->pred->reads_vars, any = 0;
    for (uint32_t k = 0; k < N->nguards; k++)
        vars |= N->guards[k]->reads_vars;
    pto_error m = {0};
    pto_expr pred;
    pto_status s = plan_node_predicate(P, N, N->nargs, NULL, &pred, &any, &m); /* as params */
    if (s == PTO_OK && any && !(N->dpred = malloc(sizeof *N->dpred)))
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    if (s == PTO_OK && any)
        *N->dpred = pred;
    if (s == PTO_OK && N->key && N->key->reads_slots) {
        vars |= N->key->reads_vars;
        N->dkey = malloc(sizeof *N->dkey);
        if (!N->dkey)
            return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
        s = plan_expr_reparse(P, N->key, N->nargs, NULL, N->dkey, &m);
    }
    if (s != PTO_OK)
        return plan_fail(L, "the dispatch-time predicate or key: %s", m.msg);
    if (vars) {
        N->vparams = L->nvars;
        if (N->nargs + N->vparams > PTO_MAX_ARGS)
            return plan_fail(L,
                             "its predicate or key reads loop variables at dispatch: %u args + %u "
                             "loop variables (passed as params) exceed %d",
                             (unsigned)N->nargs, (unsigned)N->vparams, PTO_MAX_ARGS);
    }
    return PTO_OK;
}

/* The slot named by field "slot" of t into N->slot. */
static pto_status slot_at(loader *L, const cJSON *t, plan_node *N)
{
    char name[PLAN_NAME_MAX];
    pto_status s = plan_string_at(L, t, "slot", 1, name, sizeof name);
    if (s != PTO_OK)
        return s;
    const pto_plan *P = L->plan;
    while (N->slot < P->nslots && strcmp(P->slots[N->slot].name, name))
        N->slot++;
    if (N->slot == P->nslots)
        s = plan_fail_at(L, "slot", "unknown slot '%s' (not declared in 'slots')", name);
    return s;
}

/* {"slot": NAME, "value": E, "predicate": B} */
static pto_status load_slot_set(loader *L, const cJSON *t, plan_node *N)
{
    static const char *const keys[] = {"slot", "value", "predicate", NULL};
    N->kind = PLAN_SLOT_SET;
    pto_status s = plan_want(L, t, cJSON_IsObject(t), "an object");
    if (s == PTO_OK)
        s = plan_only_keys(L, t, keys);
    if (s == PTO_OK)
        s = slot_at(L, t, N);
    const cJSON *v = NULL;
    if (s == PTO_OK)
        s = plan_member(L, t, "value", 1, &v);
    if (s == PTO_OK) {
        size_t old = plan_push_key(L, "value");
        s = expr_at(L, v, 0, 2, &N->value);
        plan_pop(L, old);
    }
    if (s == PTO_OK)
        s = load_guards(L, t, N);
    plan_imply(L, "runtime slots");
    return s;
}

/* {"slot": NAME, "tensor": T, "offsets": [E, ...], "predicate": B}: the
 * element at offsets (a view of extent 1 in every dim, role in). */
static pto_status load_slot_load(loader *L, const cJSON *t, plan_node *N)
{
    static const char *const keys[] = {"slot", "tensor", "offsets", "predicate", NULL};
    N->kind = PLAN_SLOT_LOAD;
    pto_status s = plan_want(L, t, cJSON_IsObject(t), "an object");
    if (s == PTO_OK)
        s = plan_only_keys(L, t, keys);
    if (s == PTO_OK)
        s = slot_at(L, t, N);
    plan_arg *A = &N->load;
    snprintf(A->path, sizeof A->path, "%s", L->path);
    A->kind = PLAN_ARG_VIEW;
    A->param = PTO_IN;
    if (s == PTO_OK)
        s = view_at(L, t, A); /* one element: every extent 1 */
    if (s == PTO_OK)
        s = load_guards(L, t, N);
    plan_imply(L, "runtime slots");
    return s;
}

/* The kernel named by the string at obj[key] (required) into *k, whose
 * core must be `core` unless core is PTO_CORE_TYPES (any; errors at obj/key). */
static pto_status kernel_at(loader *L, const cJSON *obj, const char *key, pto_core_type core,
                            uint32_t *k)
{
    const pto_plan *P = L->plan;
    char id[PLAN_NAME_MAX];
    pto_status s = plan_string_at(L, obj, key, 1, id, sizeof id);
    if (s != PTO_OK)
        return s;
    for (*k = 0; *k < P->nkernels && strcmp(P->kernels[*k].id, id); (*k)++)
        ;
    size_t old = plan_push_key(L, key);
    if (*k == P->nkernels)
        s = plan_fail(L, "unknown kernel '%s'", id);
    else if (core != PTO_CORE_TYPES && P->kernels[*k].core != core)
        s = plan_fail(L, "kernel '%s' is an %s kernel; the %s part needs an %s one", id,
                      P->kernels[*k].core == PTO_CORE_AIC ? "AIC" : "AIV", key,
                      core == PTO_CORE_AIC ? "AIC" : "AIV");
    plan_pop(L, old);
    return s;
}

/* A MIX task's "mix": {"aic": kernel, "aiv": kernel, "parts": [...]}; the
 * parts default to the whole cluster, and a kernel is needed (and read)
 * only for the parts declared. */
static pto_status load_mix(loader *L, const cJSON *m, plan_node *N)
{
    static const char *const keys[] = {"aic", "aiv", "parts", NULL};
    static const char *const parts[] = {"aic", "aiv0", "aiv1"};
    pto_status s = plan_want(L, m, cJSON_IsObject(m), "an object");
    const cJSON *list = NULL;
    if (s == PTO_OK)
        s = plan_only_keys(L, m, keys);
    if (s == PTO_OK)
        s = plan_member(L, m, "parts", 0, &list);
    N->mix = list ? 0 : PTO_MIX_CLUSTER;
    if (s == PTO_OK && list) {
        size_t old = plan_push_key(L, "parts");
        s = plan_want(L, list, cJSON_IsArray(list) && cJSON_GetArraySize(list) > 0,
                      "a non-empty array of \"aic\", \"aiv0\", \"aiv1\"");
        int i = 0;
        for (const cJSON *p = s == PTO_OK ? list->child : NULL; p && s == PTO_OK;
             p = p->next, i++) {
            size_t o2 = plan_push_index(L, i);
            int k = cJSON_IsString(p) ? plan_pick(p->valuestring, parts, 3) : -1;
            if (k < 0)
                s = plan_want(L, p, 0, "\"aic\", \"aiv0\" or \"aiv1\"");
            else if (N->mix >> k & 1)
                s = plan_fail(L, "part '%s' listed twice", parts[k]);
            else
                N->mix |= 1u << k;
            plan_pop(L, o2);
        }
        plan_pop(L, old);
    }
    if (s == PTO_OK && N->mix & PTO_MIX_AIC)
        s = kernel_at(L, m, "aic", PTO_CORE_AIC, &N->kernel);
    else if (s == PTO_OK && cJSON_GetObjectItemCaseSensitive(m, "aic"))
        s = plan_fail(L, "'aic' given, but 'parts' has no \"aic\"");
    if (s == PTO_OK && N->mix & (PTO_MIX_AIV0 | PTO_MIX_AIV1))
        s = kernel_at(L, m, "aiv", PTO_CORE_AIV, &N->aiv_kernel);
    else if (s == PTO_OK && cJSON_GetObjectItemCaseSensitive(m, "aiv"))
        s = plan_fail(L, "'aiv' given, but 'parts' has no AIV part");
    return s;
}

static pto_status load_task(loader *L, const cJSON *t, plan_node *N)
{
    static const char *const keys[] = {"kernel", "mix", "blocks", "args", "key", "predicate", NULL};
    N->kind = PLAN_TASK;
    pto_status s = plan_want(L, t, cJSON_IsObject(t), "an object");
    if (s == PTO_OK)
        s = plan_only_keys(L, t, keys);
    if (s != PTO_OK)
        return s;
    const cJSON *mix = cJSON_GetObjectItemCaseSensitive(t, "mix");
    const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(t, "blocks");
    if (mix && cJSON_GetObjectItemCaseSensitive(t, "kernel"))
        return plan_fail(L, "a task has 'kernel' or 'mix', not both");
    if (mix && blocks)
        return plan_fail(L, "a MIX task runs on one cluster: 'blocks' is for an SPMD task");
    if (mix) {
        size_t old = plan_push_key(L, "mix");
        s = load_mix(L, mix, N);
        plan_pop(L, old);
    } else {
        s = kernel_at(L, t, "kernel", PTO_CORE_TYPES, &N->kernel);
    }
    if (s == PTO_OK && blocks) {
        uint64_t b = 0;
        size_t old = plan_push_key(L, "blocks");
        s = plan_uint_of(L, blocks, PLAN_MAX_SPMD, &b);
        if (s == PTO_OK && b == 0)
            s = plan_fail(L, "an SPMD task has 1 .. %d blocks", PLAN_MAX_SPMD);
        N->blocks = (uint32_t)b;
        plan_pop(L, old);
    }
    if (s != PTO_OK)
        return s;
    const cJSON *args, *key;
    if ((s = plan_member(L, t, "args", 1, &args)) != PTO_OK ||
        (s = plan_member(L, t, "key", 0, &key)) != PTO_OK)
        return s;
    size_t old = plan_push_key(L, "args");
    int n = cJSON_GetArraySize(args);
    s = plan_want(L, args, cJSON_IsArray(args), "an array");
    if (s == PTO_OK && (n < 1 || n > PTO_MAX_ARGS))
        s = plan_fail(L, "expected 1..%d arguments, got %d", PTO_MAX_ARGS, n);
    if (s == PTO_OK && !(N->args = calloc((size_t)n, sizeof *N->args)))
        s = pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    int i = 0;
    for (const cJSON *a = s == PTO_OK ? args->child : NULL; a && s == PTO_OK; a = a->next, i++) {
        N->nargs = (uint32_t)i + 1;
        size_t o2 = plan_push_index(L, i);
        s = load_arg(L, a, &N->args[i]);
        plan_pop(L, o2);
    }
    plan_pop(L, old);
    if (s == PTO_OK && key) {
        old = plan_push_key(L, "key");
        s = expr_at(L, key, 0, 1, &N->key);
        if (s == PTO_OK && N->key->reads_slots)
            plan_imply(L, "ScalarExpr dispatch key");
        plan_pop(L, old);
    }
    if (s == PTO_OK)
        s = load_guards(L, t, N);
    if (s == PTO_OK)
        s = build_dispatch(L, N);
    return s;
}

/* Binds the next variable slot to name (for expressions in the body). */
static void push_var(loader *L, const char *name, uint32_t axis)
{
    L->var_axis[L->nvars] = axis;
    snprintf(L->vars[L->nvars++], PLAN_NAME_MAX, "%s", name);
}

/* A loop node (parallel_for, for_each; select when sparse_only: its axis
 * must be sparse). A ragged or sparse axis is either nested in a loop over
 * its outer axis, or, with "outer_var", runs its own outer loop (DESIGN
 * 6.6's flat form: the flat index over all entries binds the outer and
 * the inner index, and "flat_var" the flat index itself). */
static pto_status load_loop(loader *L, const cJSON *l, plan_node *N, uint32_t depth,
                            int sparse_only)
{
    static const char *const keys[] = {"axis", "var", "outer_var", "flat_var", "body", NULL};
    static const char *const kinds[] = {"dense", "dense_dyn", "ragged", "sparse"};
    pto_plan *P = L->plan;
    pto_status s = plan_want(L, l, cJSON_IsObject(l), "an object");
    if (s == PTO_OK)
        s = plan_only_keys(L, l, keys);
    char axis[PLAN_NAME_MAX];
    if (s == PTO_OK)
        s = plan_string_at(L, l, "axis", 1, axis, sizeof axis);
    if (s == PTO_OK)
        s = plan_var_at(L, l, "var", 1, N->var);
    if (s == PTO_OK)
        s = plan_var_at(L, l, "outer_var", 0, N->outer_var);
    if (s == PTO_OK)
        s = plan_var_at(L, l, "flat_var", 0, N->flat_var);
    if (s != PTO_OK)
        return s;
    while (N->axis < P->naxes && strcmp(P->axes[N->axis].name, axis))
        N->axis++;
    if (N->axis == P->naxes)
        return plan_fail_at(L, "axis", "unknown axis '%s'", axis);
    const cJSON *body;
    if ((s = plan_member(L, l, "body", 1, &body)) != PTO_OK)
        return s;
    const plan_axis *A = &P->axes[N->axis];
    int nested = A->kind == PLAN_AXIS_RAGGED || A->kind == PLAN_AXIS_SPARSE;
    if (sparse_only && A->kind != PLAN_AXIS_SPARSE)
        return plan_fail_at(L, "axis", "a select runs over a sparse axis: '%s' is %s", A->name,
                            kinds[A->kind]);
    if (!nested && (N->outer_var[0] || N->flat_var[0]))
        return plan_fail(L, "'%s' is for a loop over a ragged or sparse axis: '%s' is %s",
                         N->outer_var[0] ? "outer_var" : "flat_var", A->name, kinds[A->kind]);
    if (nested) {
        uint32_t d = L->nvars;
        while (d > 0 && L->var_axis[d - 1] != A->outer)
            d--;
        if (d && N->outer_var[0])
            return plan_fail(L,
                             "'outer_var' names the index of '%s', but an enclosing loop runs over "
                             "'%s' already",
                             P->axes[A->outer].name, P->axes[A->outer].name);
        if (!d && !N->outer_var[0])
            return plan_fail_at(L, "axis",
                                "axis '%s' is %s over '%s', but no enclosing loop runs over '%s' "
                                "(or name its index with 'outer_var')",
                                A->name, kinds[A->kind], P->axes[A->outer].name,
                                P->axes[A->outer].name);
        if (N->flat_var[0] && !N->outer_var[0])
            return plan_fail(L, "'flat_var' is for the flat form (with 'outer_var')");
        N->flat_outer = N->outer_var[0] != 0;
        N->outer_depth = d ? d - 1 : L->nvars + 1; /* the innermost such loop, or its own */
    }
    N->nslots = 1 + (N->outer_var[0] != 0) + (N->flat_var[0] != 0);
    if (L->nvars + N->nslots > PLAN_MAX_DEPTH)
        return plan_fail(L, "more than %d loop variables in scope", PLAN_MAX_DEPTH);
    N->depth = L->nvars; /* the variable's slot: the loops around it */
    push_var(L, N->var, N->axis);
    if (N->outer_var[0])
        push_var(L, N->outer_var, A->outer); /* slot depth + 1 */
    N->flat_slot = N->flat_var[0] ? L->nvars : UINT32_MAX;
    if (N->flat_var[0])
        push_var(L, N->flat_var, UINT32_MAX); /* slot depth + 2 */
    size_t old = plan_push_key(L, "body");
    s = plan_load_body(L, body, N, depth + 1);
    plan_pop(L, old);
    L->nvars -= N->nslots;
    return s;
}

static pto_status load_node(loader *L, const cJSON *j, plan_node *N, uint32_t depth)
{
    static const char *const kinds[] = {
        "sequential", "parallel_for", "for_each", "task", "combine", "cond",  "select",
        "slot_set",   "slot_load",    "send",     "recv", "consume", "close", NULL};
    snprintf(N->path, sizeof N->path, "%s", L->path);
    pto_status s = plan_want(L, j, cJSON_IsObject(j), "an object (a workload node)");
    if (s != PTO_OK)
        return s;
    if (cJSON_GetArraySize(j) != 1)
        return plan_fail(L, "a workload node has exactly one field, its kind (sequential, "
                            "combine, parallel_for, for_each, select, cond, task, slot_set, "
                            "slot_load)");
    if (depth >= PLAN_MAX_DEPTH)
        return plan_fail(L, "nested deeper than %d", PLAN_MAX_DEPTH);
    const cJSON *c = j->child;
    int kind = plan_pick(c->string, kinds, -1);
    size_t old = plan_push_key(L, c->string);
    if (kind < 0)
        s = plan_fail(L, "unknown workload node (sequential, combine, parallel_for, for_each, "
                         "select, cond, task, slot_set, slot_load)");
    else if (kind == 7)
        s = load_slot_set(L, c, N);
    else if (kind == 8)
        s = load_slot_load(L, c, N);
    else if (kind == 0 || kind == 4) {
        N->kind = kind == 0 ? PLAN_SEQUENTIAL : PLAN_COMBINE;
        s = plan_load_body(L, c, N, depth + 1);
    } else if (kind == 5)
        s = load_cond(L, c, N, depth);
    else if (kind == 3)
        s = load_task(L, c, N);
    else if (kind >= 9)
        s = plan_load_chan_op(L, c, N, depth, (plan_node_kind)(PLAN_SEND + (kind - 9)));
    else { /* select: a parallel_for over a sparse axis (DESIGN 6.6 "select (sparse)") */
        N->kind = kind == 2 ? PLAN_FOR_EACH : PLAN_PARALLEL_FOR;
        s = load_loop(L, c, N, depth, kind == 6);
    }
    plan_pop(L, old);
    return s;
}
