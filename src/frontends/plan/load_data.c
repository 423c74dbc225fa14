/* The plan's data sections (docs/plan.md): "kernels", "tensors" (with
 * their fill rules), "symbols" (u64, f32, i32[]), "axes" (dense,
 * dense_dyn, ragged, sparse) and "slots". */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/plan/load.h"

pto_status plan_load_kernels(loader *L, const cJSON *arr)
{
    static const char *const keys[] = {"id", "core", "source", "so", "entry", NULL};
    static const char *const cores[] = {"AIC", "AIV", NULL};
    pto_plan *P = L->plan;
    pto_status s = plan_want(L, arr, cJSON_IsArray(arr), "an array");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && (n < 1 || n > PLAN_MAX_KERNELS))
        s = plan_fail(L, "expected 1..%d kernels, got %d", PLAN_MAX_KERNELS, n);
    if (s != PTO_OK)
        return s;
    P->kernels = calloc((size_t)n, sizeof *P->kernels);
    if (!P->kernels)
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    int i = 0;
    for (const cJSON *k = arr->child; k; k = k->next, i++) {
        plan_kernel *K = &P->kernels[i];
        P->nkernels = (uint32_t)i + 1;
        size_t old = plan_push_index(L, i);
        int core = 0;
        s = plan_want(L, k, cJSON_IsObject(k), "an object");
        if (s == PTO_OK)
            s = plan_only_keys(L, k, keys);
        if (s == PTO_OK)
            s = plan_string_at(L, k, "id", 1, K->id, sizeof K->id);
        if (s == PTO_OK)
            s = PLAN_UNIQUE(L, "id", "kernel", "/kernels", P->kernels, id, i);
        if (s == PTO_OK)
            s = plan_enum_at(L, k, "core", 1, cores, "AIC, AIV", &core);
        K->core = core ? PTO_CORE_AIV : PTO_CORE_AIC;
        if (s == PTO_OK)
            s = plan_string_at(L, k, "entry", 1, K->entry, sizeof K->entry);
        char file[4096] = "", so[4096] = "";
        if (s == PTO_OK)
            s = plan_string_at(L, k, "source", 0, file, sizeof file);
        if (s == PTO_OK)
            s = plan_string_at(L, k, "so", 0, so, sizeof so);
        if (s == PTO_OK && !file[0] == !so[0])
            s = plan_fail(L, "give exactly one of 'source' (a C file) and 'so' (a shared object)");
        if (s == PTO_OK) {
            if (file[0])
                K->source = plan_dup_path(L, file);
            else
                K->so = plan_dup_path(L, so);
            if (!K->source && !K->so)
                s = pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
        }
        plan_pop(L, old);
        if (s != PTO_OK)
            return s;
    }
    return PTO_OK;
}

/* A fill rule: {"linear": [a, b]} or {"const": v}. */
static pto_status fill_of(loader *L, const cJSON *j, plan_fill *f)
{
    static const char *const keys[] = {"linear", "const", NULL};
    pto_status s =
        plan_want(L, j, cJSON_IsObject(j), "an object ({\"linear\": [a, b]} or {\"const\": v})");
    if (s == PTO_OK)
        s = plan_only_keys(L, j, keys);
    if (s != PTO_OK)
        return s;
    const cJSON *lin = cJSON_GetObjectItemCaseSensitive(j, "linear");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "const");
    if (!lin == !c)
        return plan_fail(L, "give exactly one of 'linear' and 'const'");
    f->kind = PLAN_FILL_LINEAR;
    size_t old = plan_push_key(L, lin ? "linear" : "const");
    if (c) {
        s = plan_want(L, c, cJSON_IsNumber(c), "a number");
        f->a = 0;
        f->b = c->valuedouble;
    } else {
        s = plan_want(L, lin,
                      cJSON_IsArray(lin) && cJSON_GetArraySize(lin) == 2 &&
                          cJSON_IsNumber(lin->child) && cJSON_IsNumber(lin->child->next),
                      "an array of two numbers [a, b]");
        if (s == PTO_OK) {
            f->a = lin->child->valuedouble;
            f->b = lin->child->next->valuedouble;
        }
    }
    plan_pop(L, old);
    return s;
}

pto_status plan_load_tensors(loader *L, const cJSON *arr)
{
    static const char *const keys[] = {"name",   "dtype",     "shape", "role",   "init",
                                       "expect", "tolerance", "input", "golden", NULL};
    static const char *const dtypes[] = {"f32", "f16", "bf16", "i32", NULL};
    static const uint32_t elem[] = {4, 2, 2, 4};
    static const char *const roles[] = {"in", "out", "inout", "scratch", NULL};
    pto_plan *P = L->plan;
    pto_status s = plan_want(L, arr, cJSON_IsArray(arr), "an array");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && (n < 1 || n > PLAN_MAX_TENSORS))
        s = plan_fail(L, "expected 1..%d tensors, got %d", PLAN_MAX_TENSORS, n);
    if (s != PTO_OK)
        return s;
    P->tensors = calloc((size_t)n, sizeof *P->tensors);
    if (!P->tensors)
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    int i = 0;
    for (const cJSON *t = arr->child; t; t = t->next, i++) {
        plan_tensor *T = &P->tensors[i];
        P->ntensors = (uint32_t)i + 1;
        size_t old = plan_push_index(L, i);
        int dt = 0, role = 0;
        s = plan_want(L, t, cJSON_IsObject(t), "an object");
        if (s == PTO_OK)
            s = plan_only_keys(L, t, keys);
        if (s == PTO_OK)
            s = plan_string_at(L, t, "name", 1, T->name, sizeof T->name);
        if (s == PTO_OK)
            s = PLAN_UNIQUE(L, "name", "tensor", "/tensors", P->tensors, name, i);
        if (s == PTO_OK)
            s = plan_enum_at(L, t, "dtype", 1, dtypes, "f32, f16, bf16, i32", &dt);
        T->dtype = (plan_dtype)dt;
        T->elem = elem[dt];
        if (s == PTO_OK)
            s = plan_enum_at(L, t, "role", 1, roles, "in, out, inout, scratch", &role);
        T->role = (plan_role)role;
        const cJSON *shape = NULL;
        if (s == PTO_OK)
            s = plan_member(L, t, "shape", 1, &shape);
        if (s == PTO_OK) {
            size_t o2 = plan_push_key(L, "shape");
            int nd = cJSON_GetArraySize(shape);
            s = plan_want(L, shape, cJSON_IsArray(shape), "an array");
            if (s == PTO_OK && (nd < 1 || nd > PTO_MAX_DIMS))
                s = plan_fail(L, "expected 1..%d dims, got %d", PTO_MAX_DIMS, nd);
            T->ndim = (uint32_t)nd;
            T->elems = 1;
            int d = 0;
            for (const cJSON *x = shape->child; s == PTO_OK && x; x = x->next, d++) {
                size_t o3 = plan_push_index(L, d);
                s = plan_uint_of(L, x, UINT32_MAX, &T->shape[d]);
                if (s == PTO_OK && T->shape[d] == 0)
                    s = plan_fail(L, "a dim must be at least 1");
                if (s == PTO_OK && (T->elems *= T->shape[d]) > (UINT64_C(1) << 32))
                    s = plan_fail(L, "the tensor has more than 2^32 elements");
                plan_pop(L, o3);
            }
            plan_pop(L, o2);
            uint64_t st = T->elem;
            for (int dd = nd; s == PTO_OK && dd-- > 0;) {
                T->stride[dd] = st;
                st *= T->shape[dd];
            }
        }
        const cJSON *j;
        if (s == PTO_OK)
            s = plan_member(L, t, "init", 0, &j);
        if (s == PTO_OK && j) {
            size_t o2 = plan_push_key(L, "init");
            s = fill_of(L, j, &T->init);
            plan_pop(L, o2);
        }
        if (s == PTO_OK)
            s = plan_member(L, t, "expect", 0, &j);
        if (s == PTO_OK && j) {
            size_t o2 = plan_push_key(L, "expect");
            s = fill_of(L, j, &T->expect);
            plan_pop(L, o2);
        }
        if (s == PTO_OK)
            s = plan_member(L, t, "tolerance", 0, &j);
        if (s == PTO_OK && j) {
            size_t o2 = plan_push_key(L, "tolerance");
            s = plan_want(L, j, cJSON_IsNumber(j) && j->valuedouble >= 0, "a non-negative number");
            T->tolerance = s == PTO_OK ? j->valuedouble : 0;
            plan_pop(L, o2);
        }
        /* .npy files, relative to the plan's directory */
        for (int f = 0; f < 2 && s == PTO_OK; f++) {
            const char *key = f ? "golden" : "input";
            char rel[PLAN_PATH_MAX];
            s = plan_member(L, t, key, 0, &j);
            if (s == PTO_OK && j)
                s = plan_string_at(L, t, key, 0, rel, sizeof rel);
            if (s == PTO_OK && j && !f && T->init.kind != PLAN_FILL_NONE)
                s = plan_fail_at(L, key, "a tensor has 'init' or 'input', not both");
            char **slot = f ? &T->golden : &T->input;
            if (s == PTO_OK && j && !(*slot = plan_dup_path(L, rel)))
                s = pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
        }
        plan_pop(L, old);
        if (s != PTO_OK)
            return s;
    }
    return PTO_OK;
}

/* An i32[] symbol's "length" (required, <= PTO_SYMBOL_ARRAY_ELEMS) and
 * "default" (required: exactly length int32 numbers) into S->arr. */
static pto_status load_array(loader *L, const cJSON *y, plan_symbol *S)
{
    const cJSON *j = NULL, *d = NULL;
    uint64_t len = 0;
    pto_status s = plan_member(L, y, "length", 1, &j);
    if (s == PTO_OK) {
        size_t o2 = plan_push_key(L, "length");
        s = plan_uint_of(L, j, PTO_SYMBOL_ARRAY_ELEMS, &len);
        plan_pop(L, o2);
    }
    if (s == PTO_OK)
        s = plan_member(L, y, "default", 1, &d);
    if (s != PTO_OK)
        return s;
    size_t o2 = plan_push_key(L, "default");
    s = plan_want(L, d, cJSON_IsArray(d), "an array of int32 numbers");
    if (s == PTO_OK && (uint64_t)cJSON_GetArraySize(d) != len)
        s = plan_fail(L, "%d elements, but the symbol's length is %" PRIu64, cJSON_GetArraySize(d),
                      len);
    S->len = (uint32_t)len;
    if (s == PTO_OK && len) {
        S->arr = calloc((size_t)len, sizeof *S->arr);
        if (!S->arr)
            s = pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    }
    int i = 0;
    for (const cJSON *e = d ? d->child : NULL; s == PTO_OK && e; e = e->next, i++) {
        size_t o3 = plan_push_index(L, i);
        double v = cJSON_IsNumber(e) ? e->valuedouble : 0.5;
        s = plan_want(L, e, v >= INT32_MIN && v <= INT32_MAX && v == (double)(int32_t)v,
                      "an int32 number");
        if (s == PTO_OK)
            S->arr[i] = (int32_t)v;
        plan_pop(L, o3);
    }
    plan_pop(L, o2);
    return s;
}

pto_status plan_load_symbols(loader *L, const cJSON *arr)
{
    static const char *const keys[] = {"name", "type", "default", "length", NULL};
    static const char *const types[] = {"u64", "f32", "i32[]", NULL};
    pto_plan *P = L->plan;
    pto_status s = plan_want(L, arr, cJSON_IsArray(arr), "an array");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && n > PTO_MAX_SYMBOLS)
        s = plan_fail(L, "more than %d symbols", PTO_MAX_SYMBOLS);
    if (s != PTO_OK || n == 0)
        return s;
    P->symbols = calloc((size_t)n, sizeof *P->symbols);
    if (!P->symbols)
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    int i = 0;
    for (const cJSON *y = arr->child; y; y = y->next, i++) {
        plan_symbol *S = &P->symbols[i];
        P->nsymbols = (uint32_t)i + 1;
        size_t old = plan_push_index(L, i);
        int ty = 0;
        s = plan_want(L, y, cJSON_IsObject(y), "an object");
        if (s == PTO_OK)
            s = plan_only_keys(L, y, keys);
        if (s == PTO_OK)
            s = plan_string_at(L, y, "name", 1, S->name, sizeof S->name);
        if (s == PTO_OK) {
            pto_error e = {0};
            if (pto_symbol_check_name(S->name, &e) != PTO_OK)
                s = plan_fail_at(L, "name", "%s", e.msg);
        }
        if (s == PTO_OK && plan_symbol_find(P, S->name, strlen(S->name)) != i)
            s = plan_fail_at(L, "name", "symbol '%s' is already declared", S->name);
        if (s == PTO_OK)
            s = plan_enum_at(L, y, "type", 1, types, "u64, f32, i32[]", &ty);
        S->f32 = ty == 1;
        S->array = ty == 2;
        const cJSON *d = NULL;
        if (s == PTO_OK && !S->array && cJSON_GetObjectItemCaseSensitive(y, "length"))
            s = plan_fail(L, "only an i32[] symbol has a 'length'");
        if (s == PTO_OK && S->array)
            s = load_array(L, y, S);
        else if (s == PTO_OK)
            s = plan_member(L, y, "default", 0, &d);
        if (s == PTO_OK && d) {
            size_t o2 = plan_push_key(L, "default");
            if (!S->f32)
                s = plan_uint_of(L, d, UINT64_MAX, &S->def);
            else if (!cJSON_IsNumber(d) || !(fabs(d->valuedouble) <= 3.4028234663852886e38))
                s = plan_fail(L, "expected a finite f32 number, got %s", plan_json_type(d));
            else
                S->def = pto_f32_bits((float)d->valuedouble);
            plan_pop(L, o2);
        }
        S->id = pto_symbol_id(S->name);
        S->value = S->def;
        plan_pop(L, old);
        if (s != PTO_OK)
            return s;
    }
    return PTO_OK;
}

/* The i32[] symbol named by field `key` of axis object a into *k. */
static pto_status array_symbol(loader *L, const cJSON *a, const char *key, uint32_t *k)
{
    char sym[PLAN_NAME_MAX];
    pto_status s = plan_string_at(L, a, key, 1, sym, sizeof sym);
    if (s != PTO_OK)
        return s;
    int i = plan_symbol_find(L->plan, sym, strlen(sym));
    size_t o2 = plan_push_key(L, key);
    if (i < 0)
        s = pto_fail(L->err, PTO_ERR_NOT_FOUND, "%s: undeclared symbol '%s'", L->path, sym);
    else if (!L->plan->symbols[i].array)
        s = plan_fail(L, "symbol '%s' is %s: '%s' is an i32[] symbol", sym,
                      L->plan->symbols[i].f32 ? "f32" : "u64", key);
    plan_pop(L, o2);
    *k = i < 0 ? 0 : (uint32_t)i;
    return s;
}

pto_status plan_load_axes(loader *L, const cJSON *arr)
{
    static const char *const keys[] = {"name",    "kind",   "size",    "symbol", "outer",
                                       "lengths", "indptr", "indices", NULL};
    static const char *const kinds[] = {"dense", "dense_dyn", "ragged", "sparse", NULL};
    /* the fields each kind has besides name and kind */
    static const char *const own[4][3] = {{"size", NULL, NULL},
                                          {"symbol", NULL, NULL},
                                          {"outer", "lengths", NULL},
                                          {"outer", "indptr", "indices"}};
    pto_plan *P = L->plan;
    pto_status s = plan_want(L, arr, cJSON_IsArray(arr), "an array");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && n > PLAN_MAX_AXES)
        s = plan_fail(L, "more than %d axes", PLAN_MAX_AXES);
    if (s != PTO_OK || n == 0)
        return s;
    P->axes = calloc((size_t)n, sizeof *P->axes);
    if (!P->axes)
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    int i = 0;
    for (const cJSON *a = arr->child; a; a = a->next, i++) {
        plan_axis *A = &P->axes[i];
        P->naxes = (uint32_t)i + 1;
        size_t old = plan_push_index(L, i);
        int kind = 0;
        s = plan_want(L, a, cJSON_IsObject(a), "an object");
        if (s == PTO_OK)
            s = plan_only_keys(L, a, keys);
        if (s == PTO_OK)
            s = plan_string_at(L, a, "name", 1, A->name, sizeof A->name);
        if (s == PTO_OK)
            s = PLAN_UNIQUE(L, "name", "axis", "/axes", P->axes, name, i);
        if (s == PTO_OK)
            s = plan_enum_at(L, a, "kind", 1, kinds, "dense, dense_dyn, ragged, sparse", &kind);
        A->kind = (plan_axis_kind)kind;
        /* a field of another kind is refused */
        for (const cJSON *f = s == PTO_OK ? a->child : NULL; f && s == PTO_OK; f = f->next) {
            if (!strcmp(f->string, "name") || !strcmp(f->string, "kind"))
                continue;
            int mine = 0;
            for (int k = 0; k < 3; k++)
                mine |= own[kind][k] && !strcmp(own[kind][k], f->string);
            if (!mine)
                s = plan_fail(L, "a %s axis has no '%s'", kinds[kind], f->string);
        }
        const cJSON *j = NULL;
        if (s == PTO_OK && A->kind == PLAN_AXIS_DENSE) {
            s = plan_member(L, a, "size", 1, &j);
            if (s == PTO_OK) {
                size_t o2 = plan_push_key(L, "size");
                s = plan_uint_of(L, j, UINT64_MAX, &A->size);
                plan_pop(L, o2);
            }
        } else if (s == PTO_OK && A->kind == PLAN_AXIS_DENSE_DYN) {
            char sym[PLAN_NAME_MAX];
            s = plan_string_at(L, a, "symbol", 1, sym, sizeof sym);
            int k = s == PTO_OK ? plan_symbol_find(P, sym, strlen(sym)) : 0;
            if (s == PTO_OK && k < 0) {
                size_t o2 = plan_push_key(L, "symbol");
                s = pto_fail(L->err, PTO_ERR_NOT_FOUND, "%s: undeclared symbol '%s'", L->path, sym);
                plan_pop(L, o2);
            }
            A->symbol = (uint32_t)k;
            if (s == PTO_OK && (P->symbols[k].f32 || P->symbols[k].array))
                s = plan_fail_at(L, "symbol", "symbol '%s' is %s: an axis size is a u64 symbol",
                                 sym, P->symbols[k].f32 ? "f32" : "i32[]");
        } else if (s == PTO_OK) { /* ragged, sparse */
            char outer[PLAN_NAME_MAX];
            s = plan_string_at(L, a, "outer", 1, outer, sizeof outer);
            A->outer = 0;
            while (s == PTO_OK && (int)A->outer < i && strcmp(P->axes[A->outer].name, outer))
                A->outer++;
            if (s == PTO_OK) {
                size_t o2 = plan_push_key(L, "outer");
                if ((int)A->outer == i)
                    s = plan_fail(L, "unknown axis '%s' (the outer axis is declared before)",
                                  outer);
                else if (P->axes[A->outer].kind > PLAN_AXIS_DENSE_DYN)
                    s = plan_fail(L, "axis '%s' is %s: an outer axis is dense or dense_dyn", outer,
                                  kinds[P->axes[A->outer].kind]);
                plan_pop(L, o2);
            }
            if (s == PTO_OK)
                s = array_symbol(L, a, A->kind == PLAN_AXIS_RAGGED ? "lengths" : "indptr",
                                 &A->symbol);
            if (s == PTO_OK && A->kind == PLAN_AXIS_SPARSE)
                s = array_symbol(L, a, "indices", &A->indices);
        }
        plan_pop(L, old);
        if (s != PTO_OK)
            return s;
    }
    return PTO_OK;
}

/* "slots": [{"name": N, "type": "i64" | "u64"}, ...]; slot k is run slot k. */
pto_status plan_load_slots(loader *L, const cJSON *arr)
{
    static const char *const keys[] = {"name", "type", "default", NULL};
    static const char *const types[] = {"i64", "u64", NULL};
    pto_plan *P = L->plan;
    pto_status s = plan_want(L, arr, cJSON_IsArray(arr), "an array of slots");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && n > PTO_SLOTS)
        s = plan_fail(L, "more than %d slots (a run has %d)", PTO_SLOTS, PTO_SLOTS);
    if (s == PTO_OK && n > 0 && !(P->slots = calloc((size_t)n, sizeof *P->slots)))
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    int i = 0;
    for (const cJSON *y = s == PTO_OK ? arr->child : NULL; y && s == PTO_OK; y = y->next, i++) {
        size_t old = plan_push_index(L, i);
        plan_slot *S = &P->slots[i];
        s = plan_want(L, y, cJSON_IsObject(y), "an object {\"name\": ..., \"type\": ...}");
        if (s == PTO_OK)
            s = plan_only_keys(L, y, keys);
        if (s == PTO_OK)
            s = plan_string_at(L, y, "name", 1, S->name, sizeof S->name);
        if (s == PTO_OK && !plan_ident_ok(S->name))
            s = plan_fail_at(L, "name", "'%s' is not a valid slot name (an identifier)", S->name);
        for (uint32_t k = 0; s == PTO_OK && k < P->nslots; k++)
            if (!strcmp(P->slots[k].name, S->name))
                s = plan_fail_at(L, "name", "duplicate slot '%s'", S->name);
        int ty = 0;
        if (s == PTO_OK)
            s = plan_enum_at(L, y, "type", 0, types, "i64, u64", &ty);
        S->u64 = ty == 1;
        const cJSON *d = NULL;
        if (s == PTO_OK)
            s = plan_member(L, y, "default", 0, &d);
        if (s == PTO_OK && d) { /* set by a slot task when the run starts */
            size_t o2 = plan_push_key(L, "default");
            double v = cJSON_IsNumber(d) ? d->valuedouble : NAN;
            if (!(v == floor(v) && fabs(v) <= 9007199254740992.0) || (S->u64 && v < 0))
                s = plan_fail(L, "expected an integer%s of at most 2^53 in magnitude, got %s",
                              S->u64 ? " >= 0 (a u64 slot)" : "", plan_json_type(d));
            S->def = v < 0 ? (uint64_t)(int64_t)v : (uint64_t)v;
            if (s == PTO_OK && S->def)
                plan_imply(L, "runtime slots");
            plan_pop(L, o2);
        }
        if (s == PTO_OK)
            P->nslots++;
        plan_pop(L, old);
    }
    return s;
}
