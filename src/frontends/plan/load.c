/* JSON -> plan (docs/plan.md). Every malformed field is reported as
 * "<JSON path>: <what is wrong>" with PTO_ERR_INVALID (PTO_ERR_NOT_FOUND
 * for an undeclared symbol, PTO_ERR_IO for an unreadable file); the loader
 * never trusts the input: types, ranges, names and nesting are checked
 * before use, and a failed load frees everything it built. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "frontends/plan/plan.h"

/* The loader's state: the plan being built, the current JSON path (a
 * NUL-terminated string, len bytes) and the loop variables in scope. */
typedef struct loader {
    pto_plan *plan;
    char path[PLAN_PATH_MAX];
    size_t len;
    char vars[PLAN_MAX_DEPTH][PLAN_NAME_MAX];
    uint32_t var_axis[PLAN_MAX_DEPTH]; /* the axis of each enclosing loop */
    uint32_t nvars;
    /* the conditions of the dynamic conds around the node being loaded,
     * outermost first (gneg: in its else branch) */
    const plan_expr *guards[PLAN_MAX_DEPTH];
    uint8_t gneg[PLAN_MAX_DEPTH];
    uint32_t nguards;
    pto_error *err;
    /* CSP: loading the body of process `proc` (load_csp) when in_proc */
    int in_proc;
    uint32_t proc;
} loader;

__attribute__((format(printf, 2, 3))) static pto_status fail(loader *L, const char *fmt, ...)
{
    char msg[PTO_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pto_fail(L->err, PTO_ERR_INVALID, "%s: %s", L->len ? L->path : "/", msg);
}

/* Path push/pop: push returns the old length to pop back to. */
/* A key is escaped as in a JSON Pointer (RFC 6901): '~' as "~0", '/' as
 * "~1"; a path too long for the buffer is cut (it stays NUL-terminated). */
static size_t push_key(loader *L, const char *key)
{
    size_t old = L->len;
    if (L->len + 1 < sizeof L->path)
        L->path[L->len++] = '/';
    for (const char *c = key; *c && L->len + 2 < sizeof L->path; c++) {
        if (*c == '~' || *c == '/') {
            L->path[L->len++] = '~';
            L->path[L->len++] = *c == '~' ? '0' : '1';
        } else
            L->path[L->len++] = *c;
    }
    L->path[L->len] = '\0';
    return old;
}
static size_t push_index(loader *L, int i)
{
    char k[16];
    snprintf(k, sizeof k, "%d", i);
    return push_key(L, k);
}
static void pop(loader *L, size_t old)
{
    L->len = old;
    L->path[old] = '\0';
}

static const char *json_type(const cJSON *j)
{
    if (cJSON_IsObject(j))
        return "an object";
    if (cJSON_IsArray(j))
        return "an array";
    if (cJSON_IsString(j))
        return "a string";
    if (cJSON_IsNumber(j))
        return "a number";
    if (cJSON_IsBool(j))
        return "a boolean";
    if (cJSON_IsNull(j))
        return "null";
    return "invalid";
}

/* Refuses keys of obj not in allowed (NULL-terminated): a typo must not be
 * silently ignored; and a key given twice (which one would count?). */
static pto_status only_keys(loader *L, const cJSON *obj, const char *const *allowed)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        for (const cJSON *d = obj->child; d != c; d = d->next)
            if (c->string && d->string && !strcmp(c->string, d->string)) {
                size_t old = push_key(L, c->string);
                pto_status s = fail(L, "duplicate field");
                pop(L, old);
                return s;
            }
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = c->string && !strcmp(c->string, *a);
        if (!ok) {
            size_t old = push_key(L, c->string ? c->string : "?");
            pto_status s = fail(L, "unknown field");
            pop(L, old);
            return s;
        }
    }
    return PTO_OK;
}

/* The member key of obj (NULL when absent; a missing required one is an
 * error naming the key). */
static pto_status member(loader *L, const cJSON *obj, const char *key, int required,
                         const cJSON **out)
{
    *out = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!*out && required)
        return fail(L, "missing field '%s'", key);
    return PTO_OK;
}

static pto_status want(loader *L, const cJSON *j, int ok, const char *what)
{
    return ok ? PTO_OK : fail(L, "expected %s, got %s", what, json_type(j));
}

/* A non-negative integer <= max (at the current path). */
static pto_status uint_of(loader *L, const cJSON *j, uint64_t max, uint64_t *out)
{
    if (!cJSON_IsNumber(j))
        return fail(L, "expected a non-negative integer, got %s", json_type(j));
    double d = j->valuedouble;
    if (!(d >= 0) || d != floor(d) || d > 9007199254740992.0 || (uint64_t)d > max)
        return fail(L, "expected an integer in 0..%llu, got %.17g", (unsigned long long)max, d);
    *out = (uint64_t)d;
    return PTO_OK;
}

/* A string copied into out (cap bytes), at key of obj. */
static pto_status string_at(loader *L, const cJSON *obj, const char *key, int required, char *out,
                            size_t cap)
{
    const cJSON *j;
    pto_status s = member(L, obj, key, required, &j);
    if (s != PTO_OK || !j)
        return s;
    size_t old = push_key(L, key);
    s = want(L, j, cJSON_IsString(j), "a string");
    if (s == PTO_OK && strlen(j->valuestring) >= cap)
        s = fail(L, "longer than %zu bytes", cap - 1);
    if (s == PTO_OK && !j->valuestring[0])
        s = fail(L, "empty");
    if (s == PTO_OK)
        memcpy(out, j->valuestring, strlen(j->valuestring) + 1);
    pop(L, old);
    return s;
}

/* The index of s in names[0..n) (NULL-terminated list when n < 0). */
static int pick(const char *s, const char *const *names, int n)
{
    for (int i = 0; n < 0 ? names[i] != NULL : i < n; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

/* A string at key that is one of names; *out = its index. */
static pto_status enum_at(loader *L, const cJSON *obj, const char *key, int required,
                          const char *const *names, const char *list, int *out)
{
    char v[PLAN_NAME_MAX] = "";
    pto_status s = string_at(L, obj, key, required, v, sizeof v);
    if (s != PTO_OK || !v[0])
        return s;
    int i = pick(v, names, -1);
    if (i < 0) {
        size_t old = push_key(L, key);
        s = fail(L, "'%s' is not one of %s", v, list);
        pop(L, old);
        return s;
    }
    *out = i;
    return PTO_OK;
}

static char *dup_path(loader *L, const char *rel)
{
    const char *dir = L->plan->dir;
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = malloc(n);
    if (p) {
        if (rel[0] == '/')
            snprintf(p, n, "%s", rel);
        else
            snprintf(p, n, "%s/%s", dir, rel);
    }
    return p;
}

static pto_status load_kernels(loader *L, const cJSON *arr)
{
    static const char *const keys[] = {"id", "core", "source", "so", "entry", NULL};
    static const char *const cores[] = {"AIC", "AIV", NULL};
    pto_plan *P = L->plan;
    pto_status s = want(L, arr, cJSON_IsArray(arr), "an array");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && (n < 1 || n > PLAN_MAX_KERNELS))
        s = fail(L, "expected 1..%d kernels, got %d", PLAN_MAX_KERNELS, n);
    if (s != PTO_OK)
        return s;
    P->kernels = calloc((size_t)n, sizeof *P->kernels);
    if (!P->kernels)
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    int i = 0;
    for (const cJSON *k = arr->child; k; k = k->next, i++) {
        plan_kernel *K = &P->kernels[i];
        P->nkernels = (uint32_t)i + 1;
        size_t old = push_index(L, i);
        int core = 0;
        s = want(L, k, cJSON_IsObject(k), "an object");
        if (s == PTO_OK)
            s = only_keys(L, k, keys);
        if (s == PTO_OK)
            s = string_at(L, k, "id", 1, K->id, sizeof K->id);
        for (int j = 0; s == PTO_OK && j < i; j++)
            if (!strcmp(P->kernels[j].id, K->id)) {
                size_t o2 = push_key(L, "id");
                s = fail(L, "kernel '%s' is already defined at /kernels/%d", K->id, j);
                pop(L, o2);
            }
        if (s == PTO_OK)
            s = enum_at(L, k, "core", 1, cores, "AIC, AIV", &core);
        K->core = core ? PTO_CORE_AIV : PTO_CORE_AIC;
        if (s == PTO_OK)
            s = string_at(L, k, "entry", 1, K->entry, sizeof K->entry);
        char file[4096] = "", so[4096] = "";
        if (s == PTO_OK)
            s = string_at(L, k, "source", 0, file, sizeof file);
        if (s == PTO_OK)
            s = string_at(L, k, "so", 0, so, sizeof so);
        if (s == PTO_OK && !file[0] == !so[0])
            s = fail(L, "give exactly one of 'source' (a C file) and 'so' (a shared object)");
        if (s == PTO_OK) {
            if (file[0])
                K->source = dup_path(L, file);
            else
                K->so = dup_path(L, so);
            if (!K->source && !K->so)
                s = pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
        }
        pop(L, old);
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
        want(L, j, cJSON_IsObject(j), "an object ({\"linear\": [a, b]} or {\"const\": v})");
    if (s == PTO_OK)
        s = only_keys(L, j, keys);
    if (s != PTO_OK)
        return s;
    const cJSON *lin = cJSON_GetObjectItemCaseSensitive(j, "linear");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "const");
    if (!lin == !c)
        return fail(L, "give exactly one of 'linear' and 'const'");
    f->kind = PLAN_FILL_LINEAR;
    size_t old = push_key(L, lin ? "linear" : "const");
    if (c) {
        s = want(L, c, cJSON_IsNumber(c), "a number");
        f->a = 0;
        f->b = c->valuedouble;
    } else {
        s = want(L, lin,
                 cJSON_IsArray(lin) && cJSON_GetArraySize(lin) == 2 && cJSON_IsNumber(lin->child) &&
                     cJSON_IsNumber(lin->child->next),
                 "an array of two numbers [a, b]");
        if (s == PTO_OK) {
            f->a = lin->child->valuedouble;
            f->b = lin->child->next->valuedouble;
        }
    }
    pop(L, old);
    return s;
}

static pto_status load_tensors(loader *L, const cJSON *arr)
{
    static const char *const keys[] = {"name", "dtype",  "shape",     "role",
                                       "init", "expect", "tolerance", NULL};
    static const char *const dtypes[] = {"f32", "f16", "bf16", "i32", NULL};
    static const uint32_t elem[] = {4, 2, 2, 4};
    static const char *const roles[] = {"in", "out", "inout", "scratch", NULL};
    pto_plan *P = L->plan;
    pto_status s = want(L, arr, cJSON_IsArray(arr), "an array");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && (n < 1 || n > PLAN_MAX_TENSORS))
        s = fail(L, "expected 1..%d tensors, got %d", PLAN_MAX_TENSORS, n);
    if (s != PTO_OK)
        return s;
    P->tensors = calloc((size_t)n, sizeof *P->tensors);
    if (!P->tensors)
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    int i = 0;
    for (const cJSON *t = arr->child; t; t = t->next, i++) {
        plan_tensor *T = &P->tensors[i];
        P->ntensors = (uint32_t)i + 1;
        size_t old = push_index(L, i);
        int dt = 0, role = 0;
        s = want(L, t, cJSON_IsObject(t), "an object");
        if (s == PTO_OK)
            s = only_keys(L, t, keys);
        if (s == PTO_OK)
            s = string_at(L, t, "name", 1, T->name, sizeof T->name);
        for (int j = 0; s == PTO_OK && j < i; j++)
            if (!strcmp(P->tensors[j].name, T->name)) {
                size_t o2 = push_key(L, "name");
                s = fail(L, "tensor '%s' is already defined at /tensors/%d", T->name, j);
                pop(L, o2);
            }
        if (s == PTO_OK)
            s = enum_at(L, t, "dtype", 1, dtypes, "f32, f16, bf16, i32", &dt);
        T->dtype = (plan_dtype)dt;
        T->elem = elem[dt];
        if (s == PTO_OK)
            s = enum_at(L, t, "role", 1, roles, "in, out, inout, scratch", &role);
        T->role = (plan_role)role;
        const cJSON *shape = NULL;
        if (s == PTO_OK)
            s = member(L, t, "shape", 1, &shape);
        if (s == PTO_OK) {
            size_t o2 = push_key(L, "shape");
            int nd = cJSON_GetArraySize(shape);
            s = want(L, shape, cJSON_IsArray(shape), "an array");
            if (s == PTO_OK && (nd < 1 || nd > PTO_MAX_DIMS))
                s = fail(L, "expected 1..%d dims, got %d", PTO_MAX_DIMS, nd);
            T->ndim = (uint32_t)nd;
            T->elems = 1;
            int d = 0;
            for (const cJSON *x = shape->child; s == PTO_OK && x; x = x->next, d++) {
                size_t o3 = push_index(L, d);
                s = uint_of(L, x, UINT32_MAX, &T->shape[d]);
                if (s == PTO_OK && T->shape[d] == 0)
                    s = fail(L, "a dim must be at least 1");
                if (s == PTO_OK && (T->elems *= T->shape[d]) > (UINT64_C(1) << 32))
                    s = fail(L, "the tensor has more than 2^32 elements");
                pop(L, o3);
            }
            pop(L, o2);
            uint64_t st = T->elem;
            for (int dd = nd; s == PTO_OK && dd-- > 0;) {
                T->stride[dd] = st;
                st *= T->shape[dd];
            }
        }
        const cJSON *j;
        if (s == PTO_OK)
            s = member(L, t, "init", 0, &j);
        if (s == PTO_OK && j) {
            size_t o2 = push_key(L, "init");
            s = fill_of(L, j, &T->init);
            if (s == PTO_OK && (T->dtype == PLAN_F16 || T->dtype == PLAN_BF16))
                s = fail(L, "fill rules are implemented for f32 and i32 only");
            pop(L, o2);
        }
        if (s == PTO_OK)
            s = member(L, t, "expect", 0, &j);
        if (s == PTO_OK && j) {
            size_t o2 = push_key(L, "expect");
            s = fill_of(L, j, &T->expect);
            if (s == PTO_OK && (T->dtype == PLAN_F16 || T->dtype == PLAN_BF16))
                s = fail(L, "fill rules are implemented for f32 and i32 only");
            pop(L, o2);
        }
        if (s == PTO_OK)
            s = member(L, t, "tolerance", 0, &j);
        if (s == PTO_OK && j) {
            size_t o2 = push_key(L, "tolerance");
            s = want(L, j, cJSON_IsNumber(j) && j->valuedouble >= 0, "a non-negative number");
            T->tolerance = s == PTO_OK ? j->valuedouble : 0;
            pop(L, o2);
        }
        pop(L, old);
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
    pto_status s = member(L, y, "length", 1, &j);
    if (s == PTO_OK) {
        size_t o2 = push_key(L, "length");
        s = uint_of(L, j, PTO_SYMBOL_ARRAY_ELEMS, &len);
        pop(L, o2);
    }
    if (s == PTO_OK)
        s = member(L, y, "default", 1, &d);
    if (s != PTO_OK)
        return s;
    size_t o2 = push_key(L, "default");
    s = want(L, d, cJSON_IsArray(d), "an array of int32 numbers");
    if (s == PTO_OK && (uint64_t)cJSON_GetArraySize(d) != len)
        s = fail(L, "%d elements, but the symbol's length is %" PRIu64, cJSON_GetArraySize(d), len);
    S->len = (uint32_t)len;
    if (s == PTO_OK && len) {
        S->arr = calloc((size_t)len, sizeof *S->arr);
        if (!S->arr)
            s = pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    }
    int i = 0;
    for (const cJSON *e = d ? d->child : NULL; s == PTO_OK && e; e = e->next, i++) {
        size_t o3 = push_index(L, i);
        double v = cJSON_IsNumber(e) ? e->valuedouble : 0.5;
        s = want(L, e, v >= INT32_MIN && v <= INT32_MAX && v == (double)(int32_t)v,
                 "an int32 number");
        if (s == PTO_OK)
            S->arr[i] = (int32_t)v;
        pop(L, o3);
    }
    pop(L, o2);
    return s;
}

static pto_status load_symbols(loader *L, const cJSON *arr)
{
    static const char *const keys[] = {"name", "type", "default", "length", NULL};
    static const char *const types[] = {"u64", "f32", "i32[]", NULL};
    pto_plan *P = L->plan;
    pto_status s = want(L, arr, cJSON_IsArray(arr), "an array");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && n > PTO_MAX_SYMBOLS)
        s = fail(L, "more than %d symbols", PTO_MAX_SYMBOLS);
    if (s != PTO_OK || n == 0)
        return s;
    P->symbols = calloc((size_t)n, sizeof *P->symbols);
    if (!P->symbols)
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    int i = 0;
    for (const cJSON *y = arr->child; y; y = y->next, i++) {
        plan_symbol *S = &P->symbols[i];
        P->nsymbols = (uint32_t)i + 1;
        size_t old = push_index(L, i);
        int ty = 0;
        s = want(L, y, cJSON_IsObject(y), "an object");
        if (s == PTO_OK)
            s = only_keys(L, y, keys);
        if (s == PTO_OK)
            s = string_at(L, y, "name", 1, S->name, sizeof S->name);
        if (s == PTO_OK) {
            pto_error e = {0};
            if (pto_symbol_check_name(S->name, &e) != PTO_OK) {
                size_t o2 = push_key(L, "name");
                s = fail(L, "%s", e.msg);
                pop(L, o2);
            }
        }
        if (s == PTO_OK && plan_symbol_find(P, S->name, strlen(S->name)) != i) {
            size_t o2 = push_key(L, "name");
            s = fail(L, "symbol '%s' is already declared", S->name);
            pop(L, o2);
        }
        if (s == PTO_OK)
            s = enum_at(L, y, "type", 1, types, "u64, f32, i32[]", &ty);
        S->f32 = ty == 1;
        S->array = ty == 2;
        const cJSON *d = NULL;
        if (s == PTO_OK && !S->array && cJSON_GetObjectItemCaseSensitive(y, "length"))
            s = fail(L, "only an i32[] symbol has a 'length'");
        if (s == PTO_OK && S->array)
            s = load_array(L, y, S);
        else if (s == PTO_OK)
            s = member(L, y, "default", 0, &d);
        if (s == PTO_OK && d) {
            size_t o2 = push_key(L, "default");
            if (!S->f32)
                s = uint_of(L, d, UINT64_MAX, &S->def);
            else if (!cJSON_IsNumber(d) || !(fabs(d->valuedouble) <= 3.4028234663852886e38))
                s = fail(L, "expected a finite f32 number, got %s", json_type(d));
            else
                S->def = pto_f32_bits((float)d->valuedouble);
            pop(L, o2);
        }
        S->id = pto_symbol_id(S->name);
        S->value = S->def;
        pop(L, old);
        if (s != PTO_OK)
            return s;
    }
    return PTO_OK;
}

/* The i32[] symbol named by field `key` of axis object a into *k. */
static pto_status array_symbol(loader *L, const cJSON *a, const char *key, uint32_t *k)
{
    char sym[PLAN_NAME_MAX];
    pto_status s = string_at(L, a, key, 1, sym, sizeof sym);
    if (s != PTO_OK)
        return s;
    int i = plan_symbol_find(L->plan, sym, strlen(sym));
    size_t o2 = push_key(L, key);
    if (i < 0)
        s = pto_fail(L->err, PTO_ERR_NOT_FOUND, "%s: undeclared symbol '%s'", L->path, sym);
    else if (!L->plan->symbols[i].array)
        s = fail(L, "symbol '%s' is %s: '%s' is an i32[] symbol", sym,
                 L->plan->symbols[i].f32 ? "f32" : "u64", key);
    pop(L, o2);
    *k = i < 0 ? 0 : (uint32_t)i;
    return s;
}

static pto_status load_axes(loader *L, const cJSON *arr)
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
    pto_status s = want(L, arr, cJSON_IsArray(arr), "an array");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && n > PLAN_MAX_AXES)
        s = fail(L, "more than %d axes", PLAN_MAX_AXES);
    if (s != PTO_OK || n == 0)
        return s;
    P->axes = calloc((size_t)n, sizeof *P->axes);
    if (!P->axes)
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    int i = 0;
    for (const cJSON *a = arr->child; a; a = a->next, i++) {
        plan_axis *A = &P->axes[i];
        P->naxes = (uint32_t)i + 1;
        size_t old = push_index(L, i);
        int kind = 0;
        s = want(L, a, cJSON_IsObject(a), "an object");
        if (s == PTO_OK)
            s = only_keys(L, a, keys);
        if (s == PTO_OK)
            s = string_at(L, a, "name", 1, A->name, sizeof A->name);
        for (int j = 0; s == PTO_OK && j < i; j++)
            if (!strcmp(P->axes[j].name, A->name)) {
                size_t o2 = push_key(L, "name");
                s = fail(L, "axis '%s' is already defined at /axes/%d", A->name, j);
                pop(L, o2);
            }
        if (s == PTO_OK)
            s = enum_at(L, a, "kind", 1, kinds, "dense, dense_dyn, ragged, sparse", &kind);
        A->kind = (plan_axis_kind)kind;
        /* a field of another kind is refused */
        for (const cJSON *f = s == PTO_OK ? a->child : NULL; f && s == PTO_OK; f = f->next) {
            if (!strcmp(f->string, "name") || !strcmp(f->string, "kind"))
                continue;
            int mine = 0;
            for (int k = 0; k < 3; k++)
                mine |= own[kind][k] && !strcmp(own[kind][k], f->string);
            if (!mine)
                s = fail(L, "a %s axis has no '%s'", kinds[kind], f->string);
        }
        const cJSON *j = NULL;
        if (s == PTO_OK && A->kind == PLAN_AXIS_DENSE) {
            s = member(L, a, "size", 1, &j);
            if (s == PTO_OK) {
                size_t o2 = push_key(L, "size");
                s = uint_of(L, j, UINT64_MAX, &A->size);
                pop(L, o2);
            }
        } else if (s == PTO_OK && A->kind == PLAN_AXIS_DENSE_DYN) {
            char sym[PLAN_NAME_MAX];
            s = string_at(L, a, "symbol", 1, sym, sizeof sym);
            int k = s == PTO_OK ? plan_symbol_find(P, sym, strlen(sym)) : 0;
            if (s == PTO_OK && k < 0) {
                size_t o2 = push_key(L, "symbol");
                s = pto_fail(L->err, PTO_ERR_NOT_FOUND, "%s: undeclared symbol '%s'", L->path, sym);
                pop(L, o2);
            }
            A->symbol = (uint32_t)k;
            if (s == PTO_OK && (P->symbols[k].f32 || P->symbols[k].array)) {
                size_t o2 = push_key(L, "symbol");
                s = fail(L, "symbol '%s' is %s: an axis size is a u64 symbol", sym,
                         P->symbols[k].f32 ? "f32" : "i32[]");
                pop(L, o2);
            }
        } else if (s == PTO_OK) { /* ragged, sparse */
            char outer[PLAN_NAME_MAX];
            s = string_at(L, a, "outer", 1, outer, sizeof outer);
            A->outer = 0;
            while (s == PTO_OK && (int)A->outer < i && strcmp(P->axes[A->outer].name, outer))
                A->outer++;
            if (s == PTO_OK) {
                size_t o2 = push_key(L, "outer");
                if ((int)A->outer == i)
                    s = fail(L, "unknown axis '%s' (the outer axis is declared before)", outer);
                else if (P->axes[A->outer].kind > PLAN_AXIS_DENSE_DYN)
                    s = fail(L, "axis '%s' is %s: an outer axis is dense or dense_dyn", outer,
                             kinds[P->axes[A->outer].kind]);
                pop(L, o2);
            }
            if (s == PTO_OK)
                s = array_symbol(L, a, A->kind == PLAN_AXIS_RAGGED ? "lengths" : "indptr",
                                 &A->symbol);
            if (s == PTO_OK && A->kind == PLAN_AXIS_SPARSE)
                s = array_symbol(L, a, "indices", &A->indices);
        }
        pop(L, old);
        if (s != PTO_OK)
            return s;
    }
    return PTO_OK;
}

/* Records that the workload needs capability row `feature` (the first
 * node needing it names it). */
static void imply(loader *L, const char *feature)
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

static pto_status expr_at(loader *L, const cJSON *j, int want_bool, int slots_ok, plan_expr **out)
{
    pto_status s = want(L, j, cJSON_IsString(j), "a string (a ScalarExpr)");
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
        return fail(L,
                    "'%s' reads a slot, but this expression is evaluated at expansion (slots "
                    "are read by predicates, keys, cond and slot_set only)",
                    text);
    return PTO_OK;
}

static pto_status expr_of(loader *L, const cJSON *j, plan_expr **out)
{
    return expr_any(L, j, 0, out);
}

static pto_status load_arg(loader *L, const cJSON *a, plan_arg *A)
{
    static const char *const keys[] = {"tensor", "role", "offsets", "shape", "scalar", "f32", NULL};
    static const char *const roles[] = {"in", "out", "inout", NULL};
    static const pto_param_kind kinds[] = {PTO_IN, PTO_OUT_EXISTING, PTO_INOUT};
    pto_plan *P = L->plan;
    snprintf(A->path, sizeof A->path, "%s", L->path);
    pto_status s = want(L, a, cJSON_IsObject(a), "an object");
    if (s == PTO_OK)
        s = only_keys(L, a, keys);
    if (s != PTO_OK)
        return s;
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(a, "scalar");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(a, "f32");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(a, "tensor");
    if (!!sc + !!f + !!t != 1)
        return fail(L, "give exactly one of 'tensor' (a view), 'scalar' (a ScalarExpr) and "
                       "'f32' (a number)");
    if (sc) {
        if (cJSON_GetArraySize(a) != 1)
            return fail(L, "a scalar argument has no other field");
        A->kind = PLAN_ARG_SCALAR;
        size_t old = push_key(L, "scalar");
        s = expr_of(L, sc, &A->scalar);
        pop(L, old);
        return s;
    }
    if (f) {
        if (cJSON_GetArraySize(a) != 1)
            return fail(L, "an f32 argument has no other field");
        A->kind = PLAN_ARG_F32;
        size_t old = push_key(L, "f32");
        s = want(L, f, cJSON_IsNumber(f), "a number");
        A->bits = pto_f32_bits((float)f->valuedouble);
        pop(L, old);
        return s;
    }
    A->kind = PLAN_ARG_VIEW;
    char name[PLAN_NAME_MAX];
    s = string_at(L, a, "tensor", 1, name, sizeof name);
    if (s != PTO_OK)
        return s;
    uint32_t ti = 0;
    while (ti < P->ntensors && strcmp(P->tensors[ti].name, name))
        ti++;
    if (ti == P->ntensors) {
        size_t old = push_key(L, "tensor");
        s = fail(L, "unknown tensor '%s'", name);
        pop(L, old);
        return s;
    }
    A->tensor = ti;
    const plan_tensor *T = &P->tensors[ti];
    int role = 0;
    s = enum_at(L, a, "role", 1, roles, "in, out, inout", &role);
    if (s != PTO_OK)
        return s;
    A->param = kinds[role];
    const cJSON *offs, *shape;
    if ((s = member(L, a, "offsets", 1, &offs)) != PTO_OK ||
        (s = member(L, a, "shape", 1, &shape)) != PTO_OK)
        return s;
    size_t old = push_key(L, "offsets");
    s = want(L, offs, cJSON_IsArray(offs), "an array");
    if (s == PTO_OK && cJSON_GetArraySize(offs) != (int)T->ndim)
        s = fail(L, "tensor '%s' has %u dims, got %d offsets", T->name, (unsigned)T->ndim,
                 cJSON_GetArraySize(offs));
    int d = 0;
    for (const cJSON *o = s == PTO_OK ? offs->child : NULL; o && s == PTO_OK; o = o->next, d++) {
        size_t o2 = push_index(L, d);
        s = expr_of(L, o, &A->offsets[d]);
        pop(L, o2);
    }
    pop(L, old);
    if (s != PTO_OK)
        return s;
    old = push_key(L, "shape");
    s = want(L, shape, cJSON_IsArray(shape), "an array");
    if (s == PTO_OK && cJSON_GetArraySize(shape) != (int)T->ndim)
        s = fail(L, "tensor '%s' has %u dims, got %d extents", T->name, (unsigned)T->ndim,
                 cJSON_GetArraySize(shape));
    d = 0;
    for (const cJSON *x = s == PTO_OK ? shape->child : NULL; x && s == PTO_OK; x = x->next, d++) {
        size_t o2 = push_index(L, d);
        s = uint_of(L, x, T->shape[d], &A->shape[d]);
        if (s == PTO_OK && A->shape[d] == 0)
            s = fail(L, "an extent must be at least 1");
        pop(L, o2);
    }
    pop(L, old);
    return s;
}

static pto_status load_node(loader *L, const cJSON *j, plan_node *N, uint32_t depth);

/* A node list at the current path into *body, *n. */
static pto_status load_list(loader *L, const cJSON *arr, plan_node **body, uint32_t *nbody,
                            uint32_t depth)
{
    pto_status s = want(L, arr, cJSON_IsArray(arr), "an array of workload nodes");
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
        size_t old = push_index(L, i);
        s = load_node(L, c, &(*body)[i], depth);
        pop(L, old);
        if (s != PTO_OK)
            return s;
    }
    L->nvars = nvars;
    return PTO_OK;
}

/* A node's body (sequential, combine, loops). */
static pto_status load_body(loader *L, const cJSON *arr, plan_node *N, uint32_t depth)
{
    return load_list(L, arr, &N->body, &N->nbody, depth);
}

/* {"if": bool expression, "then": [...], "else": [...]} */
static pto_status load_cond(loader *L, const cJSON *c, plan_node *N, uint32_t depth)
{
    static const char *const keys[] = {"if", "then", "else", NULL};
    N->kind = PLAN_COND;
    pto_status s = want(L, c, cJSON_IsObject(c), "an object");
    if (s == PTO_OK)
        s = only_keys(L, c, keys);
    const cJSON *cond = NULL, *then = NULL, *els = NULL;
    if (s == PTO_OK)
        s = member(L, c, "if", 1, &cond);
    if (s == PTO_OK)
        s = member(L, c, "then", 1, &then);
    if (s == PTO_OK)
        s = member(L, c, "else", 0, &els);
    if (s == PTO_OK) {
        size_t old = push_key(L, "if");
        s = expr_at(L, cond, 1, 1, &N->cond);
        if (s == PTO_OK && N->cond->reads_slots) { /* decided at dispatch: guards */
            N->dynamic = 1;
            imply(L, "dispatch-time predicate");
        }
        pop(L, old);
    }
    if (N->dynamic) {
        L->guards[L->nguards] = N->cond;
        L->gneg[L->nguards++] = 0;
    }
    if (s == PTO_OK) {
        size_t old = push_key(L, "then");
        s = load_list(L, then, &N->body, &N->nbody, depth + 1);
        pop(L, old);
    }
    if (N->dynamic)
        L->gneg[L->nguards - 1] = 1;
    if (s == PTO_OK && els) {
        size_t old = push_key(L, "else");
        s = load_list(L, els, &N->else_body, &N->nelse, depth + 1);
        pop(L, old);
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
    size_t old = push_key(L, "predicate");
    pto_status s = expr_at(L, p, 1, 1, &N->pred);
    pop(L, old);
    if (s == PTO_OK)
        imply(L, "dispatch-time predicate");
    return s;
}

/* A task's dispatch-time predicate and key (N->dpred, N->dkey), loop
 * variables as params appended after its args. */
static pto_status build_dispatch(loader *L, plan_node *N)
{
    const pto_plan *P = L->plan;
    int vars = 0;
    pto_error m = {0};
    pto_status s = PTO_OK;
    uint32_t nparts = N->nguards + (N->pred ? 1 : 0);
    if (nparts) {
        N->dpred = malloc(sizeof *N->dpred);
        if (!N->dpred)
            return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    }
    for (uint32_t k = 0; k < nparts && s == PTO_OK; k++) {
        const plan_expr *e = k < N->nguards ? N->guards[k] : N->pred;
        pto_expr g;
        vars |= e->reads_vars;
        s = plan_expr_reparse(P, e, N->nargs, NULL, &g, &m);
        if (s == PTO_OK && k < N->nguards && N->guard_neg[k])
            s = pto_expr_unary(&g, PTO_EXPR_NOT, &g, &m);
        if (s == PTO_OK && k == 0)
            *N->dpred = g;
        else if (s == PTO_OK)
            s = pto_expr_binary(N->dpred, PTO_EXPR_LAND, N->dpred, &g, &m);
    }
    if (s == PTO_OK && N->key && N->key->reads_slots) {
        vars |= N->key->reads_vars;
        N->dkey = malloc(sizeof *N->dkey);
        if (!N->dkey)
            return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
        s = plan_expr_reparse(P, N->key, N->nargs, NULL, N->dkey, &m);
    }
    if (s != PTO_OK)
        return fail(L, "the dispatch-time predicate or key: %s", m.msg);
    if (vars) {
        N->vparams = L->nvars;
        if (N->nargs + N->vparams > PTO_MAX_ARGS)
            return fail(L,
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
    pto_status s = string_at(L, t, "slot", 1, name, sizeof name);
    if (s != PTO_OK)
        return s;
    const pto_plan *P = L->plan;
    while (N->slot < P->nslots && strcmp(P->slots[N->slot].name, name))
        N->slot++;
    if (N->slot == P->nslots) {
        size_t old = push_key(L, "slot");
        s = fail(L, "unknown slot '%s' (not declared in 'slots')", name);
        pop(L, old);
    }
    return s;
}

/* {"slot": NAME, "value": E, "predicate": B} */
static pto_status load_slot_set(loader *L, const cJSON *t, plan_node *N)
{
    static const char *const keys[] = {"slot", "value", "predicate", NULL};
    N->kind = PLAN_SLOT_SET;
    pto_status s = want(L, t, cJSON_IsObject(t), "an object");
    if (s == PTO_OK)
        s = only_keys(L, t, keys);
    if (s == PTO_OK)
        s = slot_at(L, t, N);
    const cJSON *v = NULL;
    if (s == PTO_OK)
        s = member(L, t, "value", 1, &v);
    if (s == PTO_OK) {
        size_t old = push_key(L, "value");
        s = expr_at(L, v, 0, 1, &N->value);
        pop(L, old);
    }
    if (s == PTO_OK)
        s = load_guards(L, t, N);
    imply(L, "runtime slots");
    return s;
}

/* {"slot": NAME, "tensor": T, "offsets": [E, ...], "predicate": B}: the
 * element at offsets (a view of extent 1 in every dim, role in). */
static pto_status load_slot_load(loader *L, const cJSON *t, plan_node *N)
{
    static const char *const keys[] = {"slot", "tensor", "offsets", "predicate", NULL};
    const pto_plan *P = L->plan;
    N->kind = PLAN_SLOT_LOAD;
    pto_status s = want(L, t, cJSON_IsObject(t), "an object");
    if (s == PTO_OK)
        s = only_keys(L, t, keys);
    if (s == PTO_OK)
        s = slot_at(L, t, N);
    char name[PLAN_NAME_MAX];
    if (s == PTO_OK)
        s = string_at(L, t, "tensor", 1, name, sizeof name);
    if (s != PTO_OK)
        return s;
    plan_arg *A = &N->load;
    snprintf(A->path, sizeof A->path, "%s", L->path);
    A->kind = PLAN_ARG_VIEW;
    A->param = PTO_IN;
    while (A->tensor < P->ntensors && strcmp(P->tensors[A->tensor].name, name))
        A->tensor++;
    if (A->tensor == P->ntensors) {
        size_t old = push_key(L, "tensor");
        s = fail(L, "unknown tensor '%s'", name);
        pop(L, old);
        return s;
    }
    const plan_tensor *T = &P->tensors[A->tensor];
    const cJSON *offs;
    if ((s = member(L, t, "offsets", 1, &offs)) != PTO_OK)
        return s;
    size_t old = push_key(L, "offsets");
    s = want(L, offs, cJSON_IsArray(offs), "an array");
    if (s == PTO_OK && cJSON_GetArraySize(offs) != (int)T->ndim)
        s = fail(L, "tensor '%s' has %u dims, got %d offsets", T->name, (unsigned)T->ndim,
                 cJSON_GetArraySize(offs));
    int d = 0;
    for (const cJSON *o = s == PTO_OK ? offs->child : NULL; o && s == PTO_OK; o = o->next, d++) {
        size_t o2 = push_index(L, d);
        s = expr_of(L, o, &A->offsets[d]);
        A->shape[d] = 1;
        pop(L, o2);
    }
    pop(L, old);
    if (s == PTO_OK)
        s = load_guards(L, t, N);
    imply(L, "runtime slots");
    return s;
}

/* The kernel named by the string at obj[key] (required) into *k, whose
 * core must be `core` unless core is PTO_CORE_TYPES (any; errors at obj/key). */
static pto_status kernel_at(loader *L, const cJSON *obj, const char *key, pto_core_type core,
                            uint32_t *k)
{
    const pto_plan *P = L->plan;
    char id[PLAN_NAME_MAX];
    pto_status s = string_at(L, obj, key, 1, id, sizeof id);
    if (s != PTO_OK)
        return s;
    for (*k = 0; *k < P->nkernels && strcmp(P->kernels[*k].id, id); (*k)++)
        ;
    size_t old = push_key(L, key);
    if (*k == P->nkernels)
        s = fail(L, "unknown kernel '%s'", id);
    else if (core != PTO_CORE_TYPES && P->kernels[*k].core != core)
        s = fail(L, "kernel '%s' is an %s kernel; the %s part needs an %s one", id,
                 P->kernels[*k].core == PTO_CORE_AIC ? "AIC" : "AIV", key,
                 core == PTO_CORE_AIC ? "AIC" : "AIV");
    pop(L, old);
    return s;
}

/* A MIX task's "mix": {"aic": kernel, "aiv": kernel, "parts": [...]}; the
 * parts default to the whole cluster, and a kernel is needed (and read)
 * only for the parts declared. */
static pto_status load_mix(loader *L, const cJSON *m, plan_node *N)
{
    static const char *const keys[] = {"aic", "aiv", "parts", NULL};
    static const char *const parts[] = {"aic", "aiv0", "aiv1"};
    pto_status s = want(L, m, cJSON_IsObject(m), "an object");
    const cJSON *list = NULL;
    if (s == PTO_OK)
        s = only_keys(L, m, keys);
    if (s == PTO_OK)
        s = member(L, m, "parts", 0, &list);
    N->mix = list ? 0 : PTO_MIX_CLUSTER;
    if (s == PTO_OK && list) {
        size_t old = push_key(L, "parts");
        s = want(L, list, cJSON_IsArray(list) && cJSON_GetArraySize(list) > 0,
                 "a non-empty array of \"aic\", \"aiv0\", \"aiv1\"");
        int i = 0;
        for (const cJSON *p = s == PTO_OK ? list->child : NULL; p && s == PTO_OK;
             p = p->next, i++) {
            size_t o2 = push_index(L, i);
            int k = cJSON_IsString(p) ? pick(p->valuestring, parts, 3) : -1;
            if (k < 0)
                s = want(L, p, 0, "\"aic\", \"aiv0\" or \"aiv1\"");
            else if (N->mix >> k & 1)
                s = fail(L, "part '%s' listed twice", parts[k]);
            else
                N->mix |= 1u << k;
            pop(L, o2);
        }
        pop(L, old);
    }
    if (s == PTO_OK && N->mix & PTO_MIX_AIC)
        s = kernel_at(L, m, "aic", PTO_CORE_AIC, &N->kernel);
    else if (s == PTO_OK && cJSON_GetObjectItemCaseSensitive(m, "aic"))
        s = fail(L, "'aic' given, but 'parts' has no \"aic\"");
    if (s == PTO_OK && N->mix & (PTO_MIX_AIV0 | PTO_MIX_AIV1))
        s = kernel_at(L, m, "aiv", PTO_CORE_AIV, &N->aiv_kernel);
    else if (s == PTO_OK && cJSON_GetObjectItemCaseSensitive(m, "aiv"))
        s = fail(L, "'aiv' given, but 'parts' has no AIV part");
    return s;
}

static pto_status load_task(loader *L, const cJSON *t, plan_node *N)
{
    static const char *const keys[] = {"kernel", "mix", "blocks", "args", "key", "predicate", NULL};
    N->kind = PLAN_TASK;
    pto_status s = want(L, t, cJSON_IsObject(t), "an object");
    if (s == PTO_OK)
        s = only_keys(L, t, keys);
    if (s != PTO_OK)
        return s;
    const cJSON *mix = cJSON_GetObjectItemCaseSensitive(t, "mix");
    const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(t, "blocks");
    if (mix && cJSON_GetObjectItemCaseSensitive(t, "kernel"))
        return fail(L, "a task has 'kernel' or 'mix', not both");
    if (mix && blocks)
        return fail(L, "a MIX task runs on one cluster: 'blocks' is for an SPMD task");
    if (mix) {
        size_t old = push_key(L, "mix");
        s = load_mix(L, mix, N);
        pop(L, old);
    } else {
        s = kernel_at(L, t, "kernel", PTO_CORE_TYPES, &N->kernel);
    }
    if (s == PTO_OK && blocks) {
        uint64_t b = 0;
        size_t old = push_key(L, "blocks");
        s = uint_of(L, blocks, PLAN_MAX_SPMD, &b);
        if (s == PTO_OK && b == 0)
            s = fail(L, "an SPMD task has 1 .. %d blocks", PLAN_MAX_SPMD);
        N->blocks = (uint32_t)b;
        pop(L, old);
    }
    if (s != PTO_OK)
        return s;
    const cJSON *args, *key;
    if ((s = member(L, t, "args", 1, &args)) != PTO_OK ||
        (s = member(L, t, "key", 0, &key)) != PTO_OK)
        return s;
    size_t old = push_key(L, "args");
    int n = cJSON_GetArraySize(args);
    s = want(L, args, cJSON_IsArray(args), "an array");
    if (s == PTO_OK && (n < 1 || n > PTO_MAX_ARGS))
        s = fail(L, "expected 1..%d arguments, got %d", PTO_MAX_ARGS, n);
    if (s == PTO_OK && !(N->args = calloc((size_t)n, sizeof *N->args)))
        s = pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    int i = 0;
    for (const cJSON *a = s == PTO_OK ? args->child : NULL; a && s == PTO_OK; a = a->next, i++) {
        N->nargs = (uint32_t)i + 1;
        size_t o2 = push_index(L, i);
        s = load_arg(L, a, &N->args[i]);
        pop(L, o2);
    }
    pop(L, old);
    if (s == PTO_OK && key) {
        old = push_key(L, "key");
        s = expr_at(L, key, 0, 1, &N->key);
        if (s == PTO_OK && N->key->reads_slots)
            imply(L, "ScalarExpr dispatch key");
        pop(L, old);
    }
    if (s == PTO_OK)
        s = load_guards(L, t, N);
    if (s == PTO_OK)
        s = build_dispatch(L, N);
    return s;
}

/* v is an identifier ([A-Za-z_][A-Za-z0-9_]*). */
static int ident_ok(const char *v)
{
    int ok = (v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z') || v[0] == '_';
    for (const char *c = v; *c && ok; c++)
        ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
             (*c >= '0' && *c <= '9');
    return ok;
}

/* v can name a variable: an identifier, not a keyword of the grammar. */
static int var_ok(const char *v)
{
    static const char *const reserved[] = {"true", "false", "where", "u64", "i64",
                                           "bool", "sym",   "slot",  NULL};
    return ident_ok(v) && pick(v, reserved, -1) < 0;
}

/* The loop variable name at l[key] (required or not) into out. */
static pto_status var_at(loader *L, const cJSON *l, const char *key, int required, char *out)
{
    pto_status s = string_at(L, l, key, required, out, PLAN_NAME_MAX);
    if (s != PTO_OK || !out[0] || var_ok(out))
        return s;
    size_t old = push_key(L, key);
    s = fail(L, "'%s' is not a valid loop variable name (an identifier, not a keyword)", out);
    pop(L, old);
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
    pto_status s = want(L, l, cJSON_IsObject(l), "an object");
    if (s == PTO_OK)
        s = only_keys(L, l, keys);
    char axis[PLAN_NAME_MAX];
    if (s == PTO_OK)
        s = string_at(L, l, "axis", 1, axis, sizeof axis);
    if (s == PTO_OK)
        s = var_at(L, l, "var", 1, N->var);
    if (s == PTO_OK)
        s = var_at(L, l, "outer_var", 0, N->outer_var);
    if (s == PTO_OK)
        s = var_at(L, l, "flat_var", 0, N->flat_var);
    if (s != PTO_OK)
        return s;
    while (N->axis < P->naxes && strcmp(P->axes[N->axis].name, axis))
        N->axis++;
    if (N->axis == P->naxes) {
        size_t old = push_key(L, "axis");
        s = fail(L, "unknown axis '%s'", axis);
        pop(L, old);
        return s;
    }
    const cJSON *body;
    if ((s = member(L, l, "body", 1, &body)) != PTO_OK)
        return s;
    const plan_axis *A = &P->axes[N->axis];
    int nested = A->kind == PLAN_AXIS_RAGGED || A->kind == PLAN_AXIS_SPARSE;
    if (sparse_only && A->kind != PLAN_AXIS_SPARSE) {
        size_t old = push_key(L, "axis");
        s = fail(L, "a select runs over a sparse axis: '%s' is %s", A->name, kinds[A->kind]);
        pop(L, old);
        return s;
    }
    if (!nested && (N->outer_var[0] || N->flat_var[0]))
        return fail(L, "'%s' is for a loop over a ragged or sparse axis: '%s' is %s",
                    N->outer_var[0] ? "outer_var" : "flat_var", A->name, kinds[A->kind]);
    if (nested) {
        uint32_t d = L->nvars;
        while (d > 0 && L->var_axis[d - 1] != A->outer)
            d--;
        if (d && N->outer_var[0])
            return fail(L,
                        "'outer_var' names the index of '%s', but an enclosing loop runs over "
                        "'%s' already",
                        P->axes[A->outer].name, P->axes[A->outer].name);
        if (!d && !N->outer_var[0]) {
            size_t old = push_key(L, "axis");
            s = fail(L,
                     "axis '%s' is %s over '%s', but no enclosing loop runs over '%s' (or name "
                     "its index with 'outer_var')",
                     A->name, kinds[A->kind], P->axes[A->outer].name, P->axes[A->outer].name);
            pop(L, old);
            return s;
        }
        if (N->flat_var[0] && !N->outer_var[0])
            return fail(L, "'flat_var' is for the flat form (with 'outer_var')");
        N->flat_outer = N->outer_var[0] != 0;
        N->outer_depth = d ? d - 1 : L->nvars + 1; /* the innermost such loop, or its own */
    }
    N->nslots = 1 + (N->outer_var[0] != 0) + (N->flat_var[0] != 0);
    if (L->nvars + N->nslots > PLAN_MAX_DEPTH)
        return fail(L, "more than %d loop variables in scope", PLAN_MAX_DEPTH);
    N->depth = L->nvars; /* the variable's slot: the loops around it */
    push_var(L, N->var, N->axis);
    if (N->outer_var[0])
        push_var(L, N->outer_var, A->outer); /* slot depth + 1 */
    N->flat_slot = N->flat_var[0] ? L->nvars : UINT32_MAX;
    if (N->flat_var[0])
        push_var(L, N->flat_var, UINT32_MAX); /* slot depth + 2 */
    size_t old = push_key(L, "body");
    s = load_body(L, body, N, depth + 1);
    pop(L, old);
    L->nvars -= N->nslots;
    return s;
}

static pto_status load_chan_op(loader *L, const cJSON *c, plan_node *N, uint32_t depth,
                               plan_node_kind kind);

static pto_status load_node(loader *L, const cJSON *j, plan_node *N, uint32_t depth)
{
    static const char *const kinds[] = {
        "sequential", "parallel_for", "for_each", "task", "combine", "cond",  "select",
        "slot_set",   "slot_load",    "send",     "recv", "consume", "close", NULL};
    snprintf(N->path, sizeof N->path, "%s", L->path);
    pto_status s = want(L, j, cJSON_IsObject(j), "an object (a workload node)");
    if (s != PTO_OK)
        return s;
    if (cJSON_GetArraySize(j) != 1)
        return fail(L, "a workload node has exactly one field, its kind (sequential, "
                       "combine, parallel_for, for_each, select, cond, task, slot_set, "
                       "slot_load)");
    if (depth >= PLAN_MAX_DEPTH)
        return fail(L, "nested deeper than %d", PLAN_MAX_DEPTH);
    const cJSON *c = j->child;
    int kind = pick(c->string, kinds, -1);
    size_t old = push_key(L, c->string);
    if (kind < 0)
        s = fail(L, "unknown workload node (sequential, combine, parallel_for, for_each, "
                    "select, cond, task, slot_set, slot_load)");
    else if (kind == 7)
        s = load_slot_set(L, c, N);
    else if (kind == 8)
        s = load_slot_load(L, c, N);
    else if (kind == 0 || kind == 4) {
        N->kind = kind == 0 ? PLAN_SEQUENTIAL : PLAN_COMBINE;
        s = load_body(L, c, N, depth + 1);
    } else if (kind == 5)
        s = load_cond(L, c, N, depth);
    else if (kind == 3)
        s = load_task(L, c, N);
    else if (kind >= 9)
        s = load_chan_op(L, c, N, depth, (plan_node_kind)(PLAN_SEND + (kind - 9)));
    else { /* select: a parallel_for over a sparse axis (DESIGN 6.6 "select (sparse)") */
        N->kind = kind == 2 ? PLAN_FOR_EACH : PLAN_PARALLEL_FOR;
        s = load_loop(L, c, N, depth, kind == 6);
    }
    pop(L, old);
    return s;
}

static pto_status load_schedule(loader *L, const cJSON *sch)
{
    static const char *const keys[] = {"mode", "dispatch", "task_window", NULL};
    static const char *const modes[] = {"host_built", "streamed", NULL};
    static const char *const policies[] = {"default", "round_robin", "affinity",
                                           "hash",    "work_steal",  NULL};
    static const char *const wkeys[] = {"size", "unit", "mode", NULL};
    static const char *const units[] = {"tasks", "bytes", "entries", NULL};
    static const char *const wmodes[] = {"stall", "abort", "benchmark", NULL};
    pto_plan *P = L->plan;
    pto_status s = want(L, sch, cJSON_IsObject(sch), "an object");
    if (s == PTO_OK)
        s = only_keys(L, sch, keys);
    int mode = 1;
    if (s == PTO_OK)
        s = enum_at(L, sch, "mode", 0, modes, "host_built, streamed", &mode);
    P->mode = mode ? PTO_MODE_STREAMED : PTO_MODE_HOST_BUILT;
    const cJSON *d = NULL, *w = NULL;
    if (s == PTO_OK)
        s = member(L, sch, "dispatch", 0, &d);
    if (s == PTO_OK && d) {
        static const char *const dkeys[] = {"policy", "targets", NULL};
        size_t old = push_key(L, "dispatch");
        int pol = 0;
        uint64_t n = 0;
        const cJSON *tg = NULL;
        s = want(L, d, cJSON_IsObject(d), "an object {\"policy\": NAME, \"targets\": N}");
        if (s == PTO_OK)
            s = only_keys(L, d, dkeys);
        if (s == PTO_OK)
            s = enum_at(L, d, "policy", 1, policies,
                        "default, round_robin, affinity, hash, work_steal", &pol);
        if (s == PTO_OK)
            s = member(L, d, "targets", 0, &tg);
        if (s == PTO_OK && tg) {
            size_t o2 = push_key(L, "targets");
            s = uint_of(L, tg, PTO_MAX_CORES, &n);
            if (s == PTO_OK && n == 0)
                s = fail(L, "at least 1 target");
            pop(L, o2);
        }
        if (n)
            snprintf(P->dispatch, sizeof P->dispatch, "%s:%u", policies[pol], (unsigned)n);
        else
            snprintf(P->dispatch, sizeof P->dispatch, "%s", policies[pol]);
        pop(L, old);
    }
    if (s == PTO_OK)
        s = member(L, sch, "task_window", 0, &w);
    if (s == PTO_OK && w) {
        size_t old = push_key(L, "task_window");
        uint64_t size = 0;
        int u = 0, m = 0;
        const cJSON *sz = NULL;
        s = want(L, w, cJSON_IsObject(w), "an object {\"size\": N, \"unit\": ..., \"mode\": ...}");
        if (s == PTO_OK)
            s = only_keys(L, w, wkeys);
        if (s == PTO_OK)
            s = member(L, w, "size", 1, &sz);
        if (s == PTO_OK) {
            size_t o2 = push_key(L, "size");
            s = uint_of(L, sz, UINT32_MAX, &size);
            pop(L, o2);
        }
        if (s == PTO_OK)
            s = enum_at(L, w, "unit", 0, units, "tasks, bytes, entries", &u);
        if (s == PTO_OK)
            s = enum_at(L, w, "mode", 0, wmodes, "stall, abort, benchmark", &m);
        P->task_window = (uint32_t)size;
        P->window_unit = (pto_window_unit)u;
        P->window_mode = (pto_window_mode)m;
        pop(L, old);
    }
    return s;
}

static pto_status load_caps(loader *L, const cJSON *arr)
{
    pto_plan *P = L->plan;
    pto_status s = want(L, arr, cJSON_IsArray(arr), "an array of capability names");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && n > PLAN_MAX_CAPS)
        s = fail(L, "more than %d capabilities", PLAN_MAX_CAPS);
    int i = 0;
    for (const cJSON *c = s == PTO_OK ? arr->child : NULL; c && s == PTO_OK; c = c->next, i++) {
        size_t old = push_index(L, i);
        s = want(L, c, cJSON_IsString(c), "a string (a row of `pto caps`)");
        uint32_t r = 0;
        while (s == PTO_OK && r < pto_caps_rows() && strcmp(pto_caps_feature(r), c->valuestring))
            r++;
        if (s == PTO_OK && r == pto_caps_rows())
            s = fail(L, "unknown capability '%s' (see `pto caps`)", c->valuestring);
        P->caps[P->ncaps++] = r;
        pop(L, old);
    }
    return s;
}

/* "slots": [{"name": N, "type": "i64" | "u64"}, ...]; slot k is run slot k. */
static pto_status load_slots(loader *L, const cJSON *arr)
{
    static const char *const keys[] = {"name", "type", NULL};
    static const char *const types[] = {"i64", "u64", NULL};
    pto_plan *P = L->plan;
    pto_status s = want(L, arr, cJSON_IsArray(arr), "an array of slots");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && n > PTO_SLOTS)
        s = fail(L, "more than %d slots (a run has %d)", PTO_SLOTS, PTO_SLOTS);
    if (s == PTO_OK && n > 0 && !(P->slots = calloc((size_t)n, sizeof *P->slots)))
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    int i = 0;
    for (const cJSON *y = s == PTO_OK ? arr->child : NULL; y && s == PTO_OK; y = y->next, i++) {
        size_t old = push_index(L, i);
        plan_slot *S = &P->slots[i];
        s = want(L, y, cJSON_IsObject(y), "an object {\"name\": ..., \"type\": ...}");
        if (s == PTO_OK)
            s = only_keys(L, y, keys);
        if (s == PTO_OK)
            s = string_at(L, y, "name", 1, S->name, sizeof S->name);
        if (s == PTO_OK && !ident_ok(S->name)) {
            size_t o2 = push_key(L, "name");
            s = fail(L, "'%s' is not a valid slot name (an identifier)", S->name);
            pop(L, o2);
        }
        for (uint32_t k = 0; s == PTO_OK && k < P->nslots; k++)
            if (!strcmp(P->slots[k].name, S->name)) {
                size_t o2 = push_key(L, "name");
                s = fail(L, "duplicate slot '%s'", S->name);
                pop(L, o2);
            }
        int ty = 0;
        if (s == PTO_OK)
            s = enum_at(L, y, "type", 0, types, "i64, u64", &ty);
        S->u64 = ty == 1;
        if (s == PTO_OK)
            P->nslots++;
        pop(L, old);
    }
    return s;
}

/* ---- The "csp" section (docs/plan.md, "csp"): channels, the latency and
 * processes whose bodies are workload nodes plus the channel operations.
 * What needs every body loaded (senders, receivers, fan-in, certain
 * deadlocks, capability rows) is checked by csp.c. ---- */

/* Puts variable `name` ("" for an unnamed slot) in scope at the next slot
 * (*slot); `key` is the field that names it, for errors. */
static pto_status csp_bind(loader *L, const char *key, const char *name, uint32_t *slot)
{
    pto_status s = PTO_OK;
    size_t old = push_key(L, key);
    if (name[0] && !var_ok(name))
        s = fail(L, "'%s' is not a valid variable name (an identifier, not a keyword)", name);
    else if (L->nvars >= PLAN_MAX_DEPTH)
        s = fail(L, "more than %d variables in scope", PLAN_MAX_DEPTH);
    pop(L, old);
    if (s != PTO_OK)
        return s;
    *slot = L->nvars;
    L->var_axis[L->nvars] = UINT32_MAX; /* no axis */
    snprintf(L->vars[L->nvars++], PLAN_NAME_MAX, "%s", name);
    return PTO_OK;
}

/* A channel operation node: {"send": {"channel": C, "payload": E}},
 * {"recv": {"channel": C, "as": V}}, {"consume": {"channel": C, "as": V,
 * "body": [...]}}, {"close": {"channel": C}}; only in a process body. */
static pto_status load_chan_op(loader *L, const cJSON *c, plan_node *N, uint32_t depth,
                               plan_node_kind kind)
{
    static const char *const keys[4][4] = {{"channel", "payload", NULL},
                                           {"channel", "as", NULL},
                                           {"channel", "as", "body", NULL},
                                           {"channel", NULL}};
    N->kind = kind;
    int op = (int)(kind - PLAN_SEND);
    if (!L->in_proc)
        return fail(L, "a channel operation belongs in a process body (/csp/processes/N/body), "
                       "not in the workload");
    plan_csp *C = L->plan->csp;
    pto_status s = want(L, c, cJSON_IsObject(c), "an object");
    if (s == PTO_OK)
        s = only_keys(L, c, keys[op]);
    char name[PLAN_NAME_MAX];
    if (s == PTO_OK)
        s = string_at(L, c, "channel", 1, name, sizeof name);
    if (s != PTO_OK)
        return s;
    while (N->channel < C->nchannels && strcmp(C->channels[N->channel].name, name))
        N->channel++;
    size_t old = push_key(L, "channel");
    if (N->channel == C->nchannels)
        s = fail(L, "unknown channel '%s'", name);
    pop(L, old);
    if (s != PTO_OK)
        return s;
    plan_channel *H = &C->channels[N->channel];
    const plan_process *me = &C->procs[L->proc];
    const cJSON *j = NULL;
    if (kind == PLAN_SEND) {
        H->sent_by |= UINT64_C(1) << L->proc;
        if ((s = member(L, c, "payload", 0, &j)) != PTO_OK || !j)
            return s;
        old = push_key(L, "payload");
        if (!H->payload)
            s = fail(L, "channel '%s' carries no payload (declare \"payload\": true)", H->name);
        else
            s = expr_of(L, j, &N->payload);
        pop(L, old);
        return s;
    }
    if (kind == PLAN_CLOSE) {
        H->closed_by |= UINT64_C(1) << L->proc;
        return PTO_OK;
    }
    /* recv, consume: one receiving process per channel (DESIGN 6.4) */
    old = push_key(L, "channel");
    if (me->replicas > 1)
        s = fail(L,
                 "process '%s' has %u replicas: each would receive on channel '%s', but a "
                 "channel has one receiving process",
                 me->name, (unsigned)me->replicas, H->name);
    else if (H->receiver >= 0 && H->receiver != (int32_t)L->proc)
        s = fail(L,
                 "channel '%s' already has a receiving process, '%s' (%s): a channel has "
                 "one receiver",
                 H->name, C->procs[H->receiver].name, C->procs[H->receiver].path);
    pop(L, old);
    if (s != PTO_OK)
        return s;
    H->receiver = (int32_t)L->proc;
    if ((s = string_at(L, c, "as", 0, N->var, sizeof N->var)) != PTO_OK)
        return s;
    if (N->var[0] && !H->payload) {
        old = push_key(L, "as");
        s = fail(L, "channel '%s' carries no payload (declare \"payload\": true)", H->name);
        pop(L, old);
        return s;
    }
    if (kind == PLAN_RECV) /* in scope for the later nodes of its list (load_list) */
        return N->var[0] ? csp_bind(L, "as", N->var, &N->depth) : PTO_OK;
    const cJSON *body;
    if ((s = member(L, c, "body", 1, &body)) != PTO_OK)
        return s;
    uint32_t nvars = L->nvars;
    if ((s = csp_bind(L, "as", N->var, &N->depth)) != PTO_OK) /* a slot even when unnamed */
        return s;
    old = push_key(L, "body");
    s = load_body(L, body, N, depth + 1);
    pop(L, old);
    L->nvars = nvars;
    return s;
}

/* A CSP name: runtime names have at most PTO_CSP_NAME_MAX - 5 bytes. */
static pto_status csp_name(loader *L, const cJSON *obj, char *out)
{
    pto_status s = string_at(L, obj, "name", 1, out, PLAN_NAME_MAX);
    if (s == PTO_OK && strlen(out) > PTO_CSP_NAME_MAX - 5) {
        size_t old = push_key(L, "name");
        s = fail(L, "longer than %d bytes (a CSP name)", PTO_CSP_NAME_MAX - 5);
        pop(L, old);
    }
    return s;
}

static pto_status load_channels(loader *L, const cJSON *arr)
{
    static const char *const keys[] = {"name", "capacity", "payload", "senders", NULL};
    plan_csp *C = L->plan->csp;
    pto_status s = want(L, arr, cJSON_IsArray(arr), "an array");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && n > PTO_CSP_CHANNELS)
        s = fail(L, "expected 0..%d channels, got %d", PTO_CSP_CHANNELS, n);
    if (s != PTO_OK || n == 0)
        return s;
    if (!(C->channels = calloc((size_t)n, sizeof *C->channels)))
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    int i = 0;
    for (const cJSON *c = arr->child; c && s == PTO_OK; c = c->next, i++) {
        plan_channel *H = &C->channels[i];
        C->nchannels = (uint32_t)i + 1;
        H->receiver = -1;
        H->capacity = 1; /* DESIGN 6.4: channel(name, capacity = 1) */
        size_t old = push_index(L, i);
        snprintf(H->path, sizeof H->path, "%s", L->path);
        s = want(L, c, cJSON_IsObject(c), "an object");
        if (s == PTO_OK)
            s = only_keys(L, c, keys);
        if (s == PTO_OK)
            s = csp_name(L, c, H->name);
        for (int k = 0; s == PTO_OK && k < i; k++)
            if (!strcmp(C->channels[k].name, H->name)) {
                size_t o2 = push_key(L, "name");
                s = fail(L, "channel '%s' is already defined at /csp/channels/%d", H->name, k);
                pop(L, o2);
            }
        const cJSON *j = NULL;
        if (s == PTO_OK)
            s = member(L, c, "capacity", 0, &j);
        if (s == PTO_OK && j) {
            uint64_t cap = 0;
            size_t o2 = push_key(L, "capacity");
            s = uint_of(L, j, PTO_CSP_CAPACITY, &cap);
            H->capacity = (uint32_t)cap;
            pop(L, o2);
        }
        if (s == PTO_OK)
            s = member(L, c, "payload", 0, &j);
        if (s == PTO_OK && j) {
            size_t o2 = push_key(L, "payload");
            s = want(L, j, cJSON_IsBool(j), "a boolean");
            H->payload = cJSON_IsTrue(j);
            pop(L, o2);
        }
        if (s == PTO_OK)
            s = member(L, c, "senders", 0, &j);
        if (s == PTO_OK && j) {
            uint64_t n2 = 0;
            size_t o2 = push_key(L, "senders");
            s = uint_of(L, j, PTO_CSP_PROCESSES, &n2);
            if (s == PTO_OK && n2 < 2)
                s = fail(L, "a fan-in has 2..%d senders, got %u", PTO_CSP_PROCESSES, (unsigned)n2);
            H->senders = (uint32_t)n2;
            pop(L, o2);
        }
        pop(L, old);
    }
    return s;
}

static pto_status load_processes(loader *L, const cJSON *arr)
{
    static const char *const keys[] = {"name", "replicate", "body", NULL};
    static const char *const rkeys[] = {"n", "var", NULL};
    plan_csp *C = L->plan->csp;
    pto_status s = want(L, arr, cJSON_IsArray(arr), "an array");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && (n < 1 || n > PTO_CSP_PROCESSES))
        s = fail(L, "expected 1..%d processes, got %d", PTO_CSP_PROCESSES, n);
    if (s != PTO_OK)
        return s;
    if (!(C->procs = calloc((size_t)n, sizeof *C->procs)))
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    uint32_t replicas = 0;
    int i = 0;
    for (const cJSON *p = arr->child; p && s == PTO_OK; p = p->next, i++) {
        plan_process *R = &C->procs[i];
        C->nprocs = (uint32_t)i + 1;
        R->replicas = 1;
        R->body.kind = PLAN_COMBINE;
        size_t old = push_index(L, i);
        snprintf(R->path, sizeof R->path, "%s", L->path);
        s = want(L, p, cJSON_IsObject(p), "an object");
        if (s == PTO_OK)
            s = only_keys(L, p, keys);
        if (s == PTO_OK)
            s = csp_name(L, p, R->name);
        for (int k = 0; s == PTO_OK && k < i; k++)
            if (!strcmp(C->procs[k].name, R->name)) {
                size_t o2 = push_key(L, "name");
                s = fail(L, "process '%s' is already defined at /csp/processes/%d", R->name, k);
                pop(L, o2);
            }
        const cJSON *rep = NULL, *body = NULL;
        if (s == PTO_OK)
            s = member(L, p, "replicate", 0, &rep);
        if (s == PTO_OK && rep) {
            size_t o2 = push_key(L, "replicate");
            const cJSON *j = NULL;
            uint64_t r = 0;
            s = want(L, rep, cJSON_IsObject(rep), "an object {\"n\": N, \"var\": V}");
            if (s == PTO_OK)
                s = only_keys(L, rep, rkeys);
            if (s == PTO_OK)
                s = member(L, rep, "n", 1, &j);
            if (s == PTO_OK) {
                size_t o3 = push_key(L, "n");
                s = uint_of(L, j, PTO_CSP_PROCESSES, &r);
                if (s == PTO_OK && r == 0)
                    s = fail(L, "at least 1 replica");
                pop(L, o3);
            }
            R->replicas = (uint32_t)r;
            if (s == PTO_OK)
                s = string_at(L, rep, "var", 0, R->var, sizeof R->var);
            pop(L, o2);
        }
        if (s == PTO_OK && (replicas += R->replicas) > PTO_CSP_PROCESSES) {
            size_t o2 = push_key(L, "replicate");
            s = fail(L, "%u processes with the replicas so far (a run has at most %d)",
                     (unsigned)replicas, PTO_CSP_PROCESSES);
            pop(L, o2);
        }
        if (s == PTO_OK)
            s = member(L, p, "body", 1, &body);
        if (s == PTO_OK) {
            L->in_proc = 1;
            L->proc = (uint32_t)i;
            L->nvars = 0;
            uint32_t slot = 0;
            if (R->var[0]) { /* the replica index: variable slot 0 */
                size_t o2 = push_key(L, "replicate");
                s = csp_bind(L, "var", R->var, &slot);
                pop(L, o2);
            }
            size_t o2 = push_key(L, "body");
            snprintf(R->body.path, sizeof R->body.path, "%s", L->path);
            if (s == PTO_OK)
                s = load_list(L, body, &R->body.body, &R->body.nbody, 1);
            pop(L, o2);
            L->nvars = 0;
            L->in_proc = 0;
        }
        pop(L, old);
    }
    return s;
}

/* The channel latency: the u64 symbol PTO_CSP_LATENCY_SYMBOL, declared by
 * the plan in "symbols" or here (default "latency", 0 when absent). */
static pto_status load_latency(loader *L, const cJSON *csp)
{
    pto_plan *P = L->plan;
    const cJSON *j = NULL;
    uint64_t lat = 0;
    pto_status s = member(L, csp, "latency", 0, &j);
    int k = plan_symbol_find(P, PTO_CSP_LATENCY_SYMBOL, strlen(PTO_CSP_LATENCY_SYMBOL));
    size_t old = push_key(L, "latency");
    if (s == PTO_OK && j && k >= 0)
        s = fail(L, "the plan declares symbol '%s' (/symbols/%d): its default is the latency",
                 PTO_CSP_LATENCY_SYMBOL, k);
    else if (s == PTO_OK && j)
        s = uint_of(L, j, UINT32_MAX, &lat);
    pop(L, old);
    if (s != PTO_OK)
        return s;
    if (k >= 0) {
        if (P->symbols[k].f32 || P->symbols[k].array)
            return fail(L, "symbol '%s' (/symbols/%d) is %s: the channel latency is a u64 symbol",
                        PTO_CSP_LATENCY_SYMBOL, k, P->symbols[k].f32 ? "f32" : "i32[]");
        return PTO_OK;
    }
    if (P->nsymbols >= PTO_MAX_SYMBOLS)
        return fail(L, "no room to declare symbol '%s' (the plan declares %d symbols)",
                    PTO_CSP_LATENCY_SYMBOL, PTO_MAX_SYMBOLS);
    plan_symbol *sy = realloc(P->symbols, (P->nsymbols + 1) * sizeof *sy);
    if (!sy)
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    P->symbols = sy;
    plan_symbol *S = &sy[P->nsymbols++];
    memset(S, 0, sizeof *S);
    snprintf(S->name, sizeof S->name, "%s", PTO_CSP_LATENCY_SYMBOL);
    S->id = pto_symbol_id(S->name);
    S->def = S->value = lat;
    P->csp->latency_implicit = 1;
    P->csp->latency_symbol = P->nsymbols - 1;
    return PTO_OK;
}

static pto_status load_csp(loader *L, const cJSON *csp)
{
    static const char *const keys[] = {"channels", "processes", "latency", NULL};
    pto_plan *P = L->plan;
    pto_status s = want(L, csp, cJSON_IsObject(csp),
                        "an object {\"channels\": [...], "
                        "\"processes\": [...]}");
    if (s == PTO_OK)
        s = only_keys(L, csp, keys);
    if (s != PTO_OK)
        return s;
    if (!(P->csp = calloc(1, sizeof *P->csp)))
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    const cJSON *ch = NULL, *pr = NULL;
    if ((s = member(L, csp, "channels", 0, &ch)) != PTO_OK ||
        (s = member(L, csp, "processes", 1, &pr)) != PTO_OK || (s = load_latency(L, csp)) != PTO_OK)
        return s;
    size_t old;
    if (ch) {
        old = push_key(L, "channels");
        s = load_channels(L, ch);
        pop(L, old);
        if (s != PTO_OK)
            return s;
    }
    old = push_key(L, "processes");
    s = load_processes(L, pr);
    pop(L, old);
    return s == PTO_OK ? plan_csp_check_static(P, L->err) : s;
}

static pto_status load_root(loader *L, const cJSON *root)
{
    static const char *const keys[] = {"wsp_runtime_abi", "name",  "kernels",  "tensors",
                                       "symbols",         "axes",  "workload", "schedule",
                                       "capabilities",    "slots", "csp",      NULL};
    pto_plan *P = L->plan;
    pto_status s = want(L, root, cJSON_IsObject(root), "an object (a plan)");
    if (s != PTO_OK)
        return s;
    /* The ABI first: a plan of another version is refused before anything
     * else of it is read. */
    const cJSON *abi;
    if ((s = member(L, root, "wsp_runtime_abi", 1, &abi)) != PTO_OK)
        return s;
    size_t old = push_key(L, "wsp_runtime_abi");
    if (!cJSON_IsString(abi) || strcmp(abi->valuestring, PTO_PLAN_ABI)) {
        char got[80];
        if (cJSON_IsString(abi))
            snprintf(got, sizeof got, "'%.64s'", abi->valuestring);
        else
            snprintf(got, sizeof got, "%s", json_type(abi));
        s = fail(L, "unsupported ABI %s: this runtime supports \"%s\" only", got, PTO_PLAN_ABI);
    }
    pop(L, old);
    if (s == PTO_OK)
        s = only_keys(L, root, keys);
    snprintf(P->name, sizeof P->name, "plan");
    if (s == PTO_OK)
        s = string_at(L, root, "name", 0, P->name, sizeof P->name);
    static const char *const sections[] = {"symbols",  "axes",     "kernels",
                                           "tensors",  "schedule", "capabilities",
                                           "workload", "slots",    "csp"};
    static const size_t order[] = {0, 7, 1, 2, 3, 4, 5, 6, 8}; /* slots before the workload */
    for (size_t o = 0; o < sizeof order / sizeof order[0] && s == PTO_OK; o++) {
        size_t k = order[o];
        const cJSON *j;
        /* the workload is optional in a plan with processes */
        int required =
            k == 2 || k == 3 || (k == 6 && !cJSON_GetObjectItemCaseSensitive(root, "csp"));
        s = member(L, root, sections[k], required, &j);
        if (s != PTO_OK || !j)
            continue;
        old = push_key(L, sections[k]);
        switch (k) {
        case 0: s = load_symbols(L, j); break;
        case 1: s = load_axes(L, j); break;
        case 2: s = load_kernels(L, j); break;
        case 3: s = load_tensors(L, j); break;
        case 4: s = load_schedule(L, j); break;
        case 5: s = load_caps(L, j); break;
        case 7: s = load_slots(L, j); break;
        case 8: s = load_csp(L, j); break;
        default: {
            static const char *const wkeys[] = {"body", NULL};
            const cJSON *body;
            P->root.kind = PLAN_COMBINE;
            snprintf(P->root.path, sizeof P->root.path, "%s", L->path);
            s = want(L, j, cJSON_IsObject(j), "an object {\"body\": [...]}");
            if (s == PTO_OK)
                s = only_keys(L, j, wkeys);
            if (s == PTO_OK)
                s = member(L, j, "body", 1, &body);
            if (s == PTO_OK) {
                size_t o2 = push_key(L, "body");
                s = load_body(L, body, &P->root, 0);
                pop(L, o2);
            }
        }
        }
        pop(L, old);
    }
    return s;
}

pto_status pto_plan_load_text(const char *text, size_t len, const char *base_dir, pto_plan **out,
                              pto_error *err)
{
    if (!out)
        return pto_fail(err, PTO_ERR_INVALID, "pto_plan_load_text: out is NULL");
    *out = NULL;
    if (!text)
        return pto_fail(err, PTO_ERR_INVALID, "pto_plan_load_text: text is NULL");
    pto_plan *P = calloc(1, sizeof *P);
    if (!P)
        return pto_fail(err, PTO_ERR_NOMEM, "out of memory");
    const char *dir = base_dir && *base_dir ? base_dir : ".";
    if (strlen(dir) >= sizeof P->dir) {
        free(P);
        return pto_fail(err, PTO_ERR_INVALID, "base directory longer than %zu bytes",
                        sizeof P->dir - 1);
    }
    strcpy(P->dir, dir);
    P->mode = PTO_MODE_STREAMED;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    pto_status s;
    if (!root) {
        size_t at = end && end >= text ? (size_t)(end - text) : 0;
        size_t line = 1, col = 1;
        for (size_t i = 0; i < at && i < len; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else
                col++;
        }
        s = pto_fail(err, PTO_ERR_INVALID, "/: not valid JSON (near line %zu, column %zu)", line,
                     col);
    } else {
        loader L = {.plan = P, .err = err};
        s = load_root(&L, root);
        cJSON_Delete(root);
    }
    if (s != PTO_OK) {
        pto_plan_free(P);
        return s;
    }
    *out = P;
    return PTO_OK;
}

pto_status pto_plan_load_file(const char *path, pto_plan **out, pto_error *err)
{
    if (!out || !path)
        return pto_fail(err, PTO_ERR_INVALID, "pto_plan_load_file: NULL argument");
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pto_fail(err, errno == ENOENT ? PTO_ERR_NOT_FOUND : PTO_ERR_IO,
                        "cannot open plan %s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        if (cap >= (size_t)1 << 30) {
            free(buf);
            fclose(f);
            return pto_fail(err, PTO_ERR_CAPACITY, "plan %s is larger than 1 GiB", path);
        }
        char *b = realloc(buf, cap * 2);
        if (!b)
            free(buf);
        buf = b;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return pto_fail(err, PTO_ERR_NOMEM, "out of memory reading plan %s", path);
    if (bad) {
        free(buf);
        return pto_fail(err, PTO_ERR_IO, "cannot read plan %s", path);
    }
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    pto_status s = pto_plan_load_text(buf, n, dir, out, err);
    free(buf);
    if (s != PTO_OK) { /* name the file */
        char msg[PTO_ERROR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
        if (err)
            pto_fail(err, s, "%s: %s", path, msg);
    }
    return s;
}

static void free_expr(plan_expr *e)
{
    if (e) {
        free(e->text);
        free(e->vars);
        free(e);
    }
}

static void free_node(plan_node *N)
{
    for (uint32_t i = 0; i < N->nbody; i++)
        free_node(&N->body[i]);
    free(N->body);
    for (uint32_t i = 0; i < N->nelse; i++)
        free_node(&N->else_body[i]);
    free(N->else_body);
    free_expr(N->cond);
    for (uint32_t i = 0; i < N->nargs; i++) {
        for (int d = 0; d < PTO_MAX_DIMS; d++)
            free_expr(N->args[i].offsets[d]);
        free_expr(N->args[i].scalar);
    }
    free(N->args);
    free_expr(N->key);
    free_expr(N->value);
    free_expr(N->pred);
    for (int d = 0; d < PTO_MAX_DIMS; d++)
        free_expr(N->load.offsets[d]);
    free(N->dpred);
    free(N->dkey);
    free_expr(N->payload);
}

void pto_plan_free(pto_plan *P)
{
    if (!P)
        return;
    for (uint32_t i = 0; i < P->nkernels; i++) {
        free(P->kernels[i].source);
        free(P->kernels[i].so);
    }
    free(P->kernels);
    for (uint32_t i = 0; i < P->ntensors; i++) {
        free(P->tensors[i].input);
        free(P->tensors[i].output);
        free(P->tensors[i].golden);
    }
    free(P->tensors);
    for (uint32_t i = 0; i < P->nsymbols; i++)
        free(P->symbols[i].arr);
    free(P->symbols);
    free(P->axes);
    free(P->slots);
    free_node(&P->root);
    plan_csp_free(P, free_node);
    free(P);
}

const char *pto_plan_name(const pto_plan *P) { return P ? P->name : "plan"; }

pto_status pto_plan_set(pto_plan *P, const char *name, uint64_t value, pto_error *err)
{
    if (!P || !name)
        return pto_fail(err, PTO_ERR_INVALID, "pto_plan_set: NULL argument");
    int k = plan_symbol_find(P, name, strlen(name));
    if (k < 0)
        return pto_fail(err, PTO_ERR_NOT_FOUND, "the plan declares no symbol '%s'", name);
    if (P->symbols[k].f32 || P->symbols[k].array)
        return pto_fail(err, PTO_ERR_INVALID, "symbol '%s' is %s, not u64", name,
                        P->symbols[k].f32 ? "f32" : "i32[]");
    P->symbols[k].value = value;
    P->symbols[k].overridden = 1;
    return PTO_OK;
}

pto_status pto_plan_set_f32(pto_plan *P, const char *name, float value, pto_error *err)
{
    if (!P || !name)
        return pto_fail(err, PTO_ERR_INVALID, "pto_plan_set_f32: NULL argument");
    int k = plan_symbol_find(P, name, strlen(name));
    if (k < 0)
        return pto_fail(err, PTO_ERR_NOT_FOUND, "the plan declares no symbol '%s'", name);
    if (!P->symbols[k].f32)
        return pto_fail(err, PTO_ERR_INVALID, "symbol '%s' is %s, not f32", name,
                        P->symbols[k].array ? "i32[]" : "u64");
    P->symbols[k].value = pto_f32_bits(value);
    P->symbols[k].overridden = 1;
    return PTO_OK;
}

pto_status pto_plan_set_i32_array(pto_plan *P, const char *name, const int32_t *values, uint32_t n,
                                  pto_error *err)
{
    if (!P || !name || (n && !values))
        return pto_fail(err, PTO_ERR_INVALID, "pto_plan_set_i32_array: NULL argument");
    int k = plan_symbol_find(P, name, strlen(name));
    if (k < 0)
        return pto_fail(err, PTO_ERR_NOT_FOUND, "the plan declares no symbol '%s'", name);
    plan_symbol *S = &P->symbols[k];
    if (!S->array)
        return pto_fail(err, PTO_ERR_INVALID, "symbol '%s' is %s, not i32[]", name,
                        S->f32 ? "f32" : "u64");
    if (n != S->len)
        return pto_fail(err, PTO_ERR_INVALID, "symbol '%s' has length %u: %u values given", name,
                        (unsigned)S->len, (unsigned)n);
    if (n)
        memcpy(S->arr, values, (size_t)n * sizeof *values);
    S->overridden = 1;
    return PTO_OK;
}

/* Sets the input (which 0), output (1) or golden (2) file of tensor
 * `tensor` to a copy of path (NULL: none). */
static pto_status set_file(pto_plan *P, const char *tensor, const char *path, int which,
                           pto_error *err)
{
    static const char *const what[] = {"input", "output", "golden"};
    if (!P || !tensor)
        return pto_fail(err, PTO_ERR_INVALID, "pto_plan_set_%s: NULL argument", what[which]);
    uint32_t i = 0;
    while (i < P->ntensors && strcmp(P->tensors[i].name, tensor))
        i++;
    if (i == P->ntensors)
        return pto_fail(err, PTO_ERR_NOT_FOUND, "the plan has no tensor '%s'", tensor);
    char *copy = NULL;
    if (path && !(copy = malloc(strlen(path) + 1)))
        return pto_fail(err, PTO_ERR_NOMEM, "out of memory");
    if (copy)
        strcpy(copy, path);
    char **slot = which == 0   ? &P->tensors[i].input
                  : which == 1 ? &P->tensors[i].output
                               : &P->tensors[i].golden;
    free(*slot);
    *slot = copy;
    return PTO_OK;
}

pto_status pto_plan_set_input(pto_plan *P, const char *tensor, const char *path, pto_error *err)
{
    return set_file(P, tensor, path, 0, err);
}

pto_status pto_plan_set_output(pto_plan *P, const char *tensor, const char *path, pto_error *err)
{
    return set_file(P, tensor, path, 1, err);
}

pto_status pto_plan_set_golden(pto_plan *P, const char *tensor, const char *path, pto_error *err)
{
    return set_file(P, tensor, path, 2, err);
}

void pto_plan_run_config(const pto_plan *P, pto_run_config *cfg)
{
    if (!cfg)
        return;
    pto_run_config_default(cfg);
    if (!P)
        return;
    cfg->mode = P->mode;
    cfg->dispatch = P->dispatch[0] ? P->dispatch : NULL;
    cfg->task_window = P->task_window;
    cfg->window_unit = P->window_unit;
    cfg->window_mode = P->window_mode;
}
