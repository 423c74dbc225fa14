/* The loader's JSON helpers (load.h): the current JSON path (a JSON
 * Pointer), typed field getters that name the field and the type found,
 * and the names a plan may use. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/plan/load.h"

static pto_status vfail(loader *L, const char *fmt, va_list ap)
{
    char msg[PTO_ERROR_MSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    return pto_fail(L->err, PTO_ERR_INVALID, "%s: %s", L->len ? L->path : "/", msg);
}

__attribute__((format(printf, 2, 3))) pto_status plan_fail(loader *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pto_status s = vfail(L, fmt, ap);
    va_end(ap);
    return s;
}

__attribute__((format(printf, 3, 4))) pto_status plan_fail_at(loader *L, const char *key,
                                                              const char *fmt, ...)
{
    size_t old = plan_push_key(L, key);
    va_list ap;
    va_start(ap, fmt);
    pto_status s = vfail(L, fmt, ap);
    va_end(ap);
    plan_pop(L, old);
    return s;
}

pto_status plan_unique(loader *L, const char *key, const char *what, const char *array,
                       const void *entries, size_t stride, size_t offset, int i)
{
    const char *name = (const char *)entries + (size_t)i * stride + offset;
    for (int j = 0; j < i; j++)
        if (!strcmp((const char *)entries + (size_t)j * stride + offset, name))
            return plan_fail_at(L, key, "%s '%s' is already defined at %s/%d", what, name, array,
                                j);
    return PTO_OK;
}

/* Path push/pop: push returns the old length to pop back to. */
/* A key is escaped as in a JSON Pointer (RFC 6901): '~' as "~0", '/' as
 * "~1"; a path too long for the buffer is cut (it stays NUL-terminated). */
size_t plan_push_key(loader *L, const char *key)
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
size_t plan_push_index(loader *L, int i)
{
    char k[16];
    snprintf(k, sizeof k, "%d", i);
    return plan_push_key(L, k);
}
void plan_pop(loader *L, size_t old)
{
    L->len = old;
    L->path[old] = '\0';
}

const char *plan_json_type(const cJSON *j)
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
pto_status plan_only_keys(loader *L, const cJSON *obj, const char *const *allowed)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        for (const cJSON *d = obj->child; d != c; d = d->next)
            if (c->string && d->string && !strcmp(c->string, d->string))
                return plan_fail_at(L, c->string, "duplicate field");
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = c->string && !strcmp(c->string, *a);
        if (!ok)
            return plan_fail_at(L, c->string ? c->string : "?", "unknown field");
    }
    return PTO_OK;
}

/* The member key of obj (NULL when absent; a missing required one is an
 * error naming the key). */
pto_status plan_member(loader *L, const cJSON *obj, const char *key, int required,
                       const cJSON **out)
{
    *out = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!*out && required)
        return plan_fail(L, "missing field '%s'", key);
    return PTO_OK;
}

pto_status plan_want(loader *L, const cJSON *j, int ok, const char *what)
{
    return ok ? PTO_OK : plan_fail(L, "expected %s, got %s", what, plan_json_type(j));
}

/* A non-negative integer <= max (at the current path). */
pto_status plan_uint_of(loader *L, const cJSON *j, uint64_t max, uint64_t *out)
{
    if (!cJSON_IsNumber(j))
        return plan_fail(L, "expected a non-negative integer, got %s", plan_json_type(j));
    double d = j->valuedouble;
    if (!(d >= 0) || d != floor(d) || d > 9007199254740992.0 || (uint64_t)d > max)
        return plan_fail(L, "expected an integer in 0..%llu, got %.17g", (unsigned long long)max,
                         d);
    *out = (uint64_t)d;
    return PTO_OK;
}

/* A string copied into out (cap bytes), at key of obj. */
pto_status plan_string_at(loader *L, const cJSON *obj, const char *key, int required, char *out,
                          size_t cap)
{
    const cJSON *j;
    pto_status s = plan_member(L, obj, key, required, &j);
    if (s != PTO_OK || !j)
        return s;
    size_t old = plan_push_key(L, key);
    s = plan_want(L, j, cJSON_IsString(j), "a string");
    if (s == PTO_OK && strlen(j->valuestring) >= cap)
        s = plan_fail(L, "longer than %zu bytes", cap - 1);
    if (s == PTO_OK && !j->valuestring[0])
        s = plan_fail(L, "empty");
    if (s == PTO_OK)
        memcpy(out, j->valuestring, strlen(j->valuestring) + 1);
    plan_pop(L, old);
    return s;
}

/* The index of s in names[0..n) (NULL-terminated list when n < 0). */
int plan_pick(const char *s, const char *const *names, int n)
{
    for (int i = 0; n < 0 ? names[i] != NULL : i < n; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

/* A string at key that is one of names; *out = its index. */
pto_status plan_enum_at(loader *L, const cJSON *obj, const char *key, int required,
                        const char *const *names, const char *list, int *out)
{
    char v[PLAN_NAME_MAX] = "";
    pto_status s = plan_string_at(L, obj, key, required, v, sizeof v);
    if (s != PTO_OK || !v[0])
        return s;
    int i = plan_pick(v, names, -1);
    if (i < 0)
        return plan_fail_at(L, key, "'%s' is not one of %s", v, list);
    *out = i;
    return PTO_OK;
}

char *plan_dup_path(loader *L, const char *rel)
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

/* v is an identifier ([A-Za-z_][A-Za-z0-9_]*). */
int plan_ident_ok(const char *v)
{
    int ok = (v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z') || v[0] == '_';
    for (const char *c = v; *c && ok; c++)
        ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
             (*c >= '0' && *c <= '9');
    return ok;
}

/* v can name a variable: an identifier, not a keyword of the grammar. */
int plan_var_ok(const char *v)
{
    static const char *const reserved[] = {"true", "false", "where", "u64", "i64",
                                           "bool", "sym",   "slot",  NULL};
    return plan_ident_ok(v) && plan_pick(v, reserved, -1) < 0;
}

/* The loop variable name at l[key] (required or not) into out. */
pto_status plan_var_at(loader *L, const cJSON *l, const char *key, int required, char *out)
{
    pto_status s = plan_string_at(L, l, key, required, out, PLAN_NAME_MAX);
    if (s != PTO_OK || !out[0] || plan_var_ok(out))
        return s;
    return plan_fail_at(
        L, key, "'%s' is not a valid loop variable name (an identifier, not a keyword)", out);
}
