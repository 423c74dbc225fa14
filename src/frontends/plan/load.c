/* JSON -> plan (docs/plan.md): the entry points, the root object (the ABI
 * first, then the sections in dependency order), the schedule and the
 * capabilities; freeing a plan; symbol and .npy file overrides. Every
 * malformed field is reported as "<JSON path>: <what is wrong>" with
 * PTO_ERR_INVALID (PTO_ERR_NOT_FOUND for an undeclared symbol, PTO_ERR_IO
 * for an unreadable file); a failed load frees everything it built. The
 * sections live in load_*.c (load.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/plan/load.h"

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
    pto_status s = plan_want(L, sch, cJSON_IsObject(sch), "an object");
    if (s == PTO_OK)
        s = plan_only_keys(L, sch, keys);
    int mode = 1;
    if (s == PTO_OK)
        s = plan_enum_at(L, sch, "mode", 0, modes, "host_built, streamed", &mode);
    P->mode = mode ? PTO_MODE_STREAMED : PTO_MODE_HOST_BUILT;
    const cJSON *d = NULL, *w = NULL;
    if (s == PTO_OK)
        s = plan_member(L, sch, "dispatch", 0, &d);
    if (s == PTO_OK && d) {
        static const char *const dkeys[] = {"policy", "targets", NULL};
        size_t old = plan_push_key(L, "dispatch");
        int pol = 0;
        uint64_t n = 0;
        const cJSON *tg = NULL;
        s = plan_want(L, d, cJSON_IsObject(d), "an object {\"policy\": NAME, \"targets\": N}");
        if (s == PTO_OK)
            s = plan_only_keys(L, d, dkeys);
        if (s == PTO_OK)
            s = plan_enum_at(L, d, "policy", 1, policies,
                             "default, round_robin, affinity, hash, work_steal", &pol);
        if (s == PTO_OK)
            s = plan_member(L, d, "targets", 0, &tg);
        if (s == PTO_OK && tg) {
            size_t o2 = plan_push_key(L, "targets");
            s = plan_uint_of(L, tg, PTO_MAX_CORES, &n);
            if (s == PTO_OK && n == 0)
                s = plan_fail(L, "at least 1 target");
            plan_pop(L, o2);
        }
        if (n)
            snprintf(P->dispatch, sizeof P->dispatch, "%s:%u", policies[pol], (unsigned)n);
        else
            snprintf(P->dispatch, sizeof P->dispatch, "%s", policies[pol]);
        plan_pop(L, old);
    }
    if (s == PTO_OK)
        s = plan_member(L, sch, "task_window", 0, &w);
    if (s == PTO_OK && w) {
        size_t old = plan_push_key(L, "task_window");
        uint64_t size = 0;
        int u = 0, m = 0;
        const cJSON *sz = NULL;
        s = plan_want(L, w, cJSON_IsObject(w),
                      "an object {\"size\": N, \"unit\": ..., \"mode\": ...}");
        if (s == PTO_OK)
            s = plan_only_keys(L, w, wkeys);
        if (s == PTO_OK)
            s = plan_member(L, w, "size", 1, &sz);
        if (s == PTO_OK) {
            size_t o2 = plan_push_key(L, "size");
            s = plan_uint_of(L, sz, UINT32_MAX, &size);
            plan_pop(L, o2);
        }
        if (s == PTO_OK)
            s = plan_enum_at(L, w, "unit", 0, units, "tasks, bytes, entries", &u);
        if (s == PTO_OK)
            s = plan_enum_at(L, w, "mode", 0, wmodes, "stall, abort, benchmark", &m);
        P->task_window = (uint32_t)size;
        P->window_unit = (pto_window_unit)u;
        P->window_mode = (pto_window_mode)m;
        plan_pop(L, old);
    }
    return s;
}

static pto_status load_caps(loader *L, const cJSON *arr)
{
    pto_plan *P = L->plan;
    pto_status s = plan_want(L, arr, cJSON_IsArray(arr), "an array of capability names");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && n > PLAN_MAX_CAPS)
        s = plan_fail(L, "more than %d capabilities", PLAN_MAX_CAPS);
    int i = 0;
    for (const cJSON *c = s == PTO_OK ? arr->child : NULL; c && s == PTO_OK; c = c->next, i++) {
        size_t old = plan_push_index(L, i);
        s = plan_want(L, c, cJSON_IsString(c), "a string (a row of `pto caps`)");
        uint32_t r = 0;
        while (s == PTO_OK && r < pto_caps_rows() && strcmp(pto_caps_feature(r), c->valuestring))
            r++;
        if (s == PTO_OK && r == pto_caps_rows())
            s = plan_fail(L, "unknown capability '%s' (see `pto caps`)", c->valuestring);
        P->caps[P->ncaps++] = r;
        plan_pop(L, old);
    }
    return s;
}

static pto_status load_root(loader *L, const cJSON *root)
{
    static const char *const keys[] = {"wsp_runtime_abi", "name",  "kernels",  "tensors",
                                       "symbols",         "axes",  "workload", "schedule",
                                       "capabilities",    "slots", "csp",      NULL};
    pto_plan *P = L->plan;
    pto_status s = plan_want(L, root, cJSON_IsObject(root), "an object (a plan)");
    if (s != PTO_OK)
        return s;
    /* The ABI first: a plan of another version is refused before anything
     * else of it is read. */
    const cJSON *abi;
    if ((s = plan_member(L, root, "wsp_runtime_abi", 1, &abi)) != PTO_OK)
        return s;
    size_t old = plan_push_key(L, "wsp_runtime_abi");
    if (!cJSON_IsString(abi) || strcmp(abi->valuestring, PTO_PLAN_ABI)) {
        char got[80];
        if (cJSON_IsString(abi))
            snprintf(got, sizeof got, "'%.64s'", abi->valuestring);
        else
            snprintf(got, sizeof got, "%s", plan_json_type(abi));
        s = plan_fail(L, "unsupported ABI %s: this runtime supports \"%s\" only", got,
                      PTO_PLAN_ABI);
    }
    plan_pop(L, old);
    if (s == PTO_OK)
        s = plan_only_keys(L, root, keys);
    snprintf(P->name, sizeof P->name, "plan");
    if (s == PTO_OK)
        s = plan_string_at(L, root, "name", 0, P->name, sizeof P->name);
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
        s = plan_member(L, root, sections[k], required, &j);
        if (s != PTO_OK || !j)
            continue;
        old = plan_push_key(L, sections[k]);
        switch (k) {
        case 0: s = plan_load_symbols(L, j); break;
        case 1: s = plan_load_axes(L, j); break;
        case 2: s = plan_load_kernels(L, j); break;
        case 3: s = plan_load_tensors(L, j); break;
        case 4: s = load_schedule(L, j); break;
        case 5: s = load_caps(L, j); break;
        case 7: s = plan_load_slots(L, j); break;
        case 8: s = plan_load_csp(L, j); break;
        default: {
            static const char *const wkeys[] = {"body", NULL};
            const cJSON *body;
            P->root.kind = PLAN_COMBINE;
            snprintf(P->root.path, sizeof P->root.path, "%s", L->path);
            s = plan_want(L, j, cJSON_IsObject(j), "an object {\"body\": [...]}");
            if (s == PTO_OK)
                s = plan_only_keys(L, j, wkeys);
            if (s == PTO_OK)
                s = plan_member(L, j, "body", 1, &body);
            if (s == PTO_OK) {
                size_t o2 = plan_push_key(L, "body");
                s = plan_load_body(L, body, &P->root, 0);
                plan_pop(L, o2);
            }
        }
        }
        plan_pop(L, old);
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
        plan_expr_free_elems(e);
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
