/* The "csp" section (docs/plan.md, "csp"): channels, the latency and
 * processes whose bodies are workload nodes plus the channel operations.
 * What needs every body loaded (senders, receivers, fan-in, certain
 * deadlocks, capability rows) is checked by csp.c. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/plan/load.h"

/* Puts variable `name` ("" for an unnamed slot) in scope at the next slot
 * (*slot); `key` is the field that names it, for errors. */
static pto_status csp_bind(loader *L, const char *key, const char *name, uint32_t *slot)
{
    pto_status s = PTO_OK;
    size_t old = plan_push_key(L, key);
    if (name[0] && !plan_var_ok(name))
        s = plan_fail(L, "'%s' is not a valid variable name (an identifier, not a keyword)", name);
    else if (L->nvars >= PLAN_MAX_DEPTH)
        s = plan_fail(L, "more than %d variables in scope", PLAN_MAX_DEPTH);
    plan_pop(L, old);
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
pto_status plan_load_chan_op(loader *L, const cJSON *c, plan_node *N, uint32_t depth,
                             plan_node_kind kind)
{
    static const char *const keys[4][4] = {{"channel", "payload", NULL},
                                           {"channel", "as", NULL},
                                           {"channel", "as", "body", NULL},
                                           {"channel", NULL}};
    N->kind = kind;
    int op = (int)(kind - PLAN_SEND);
    if (!L->in_proc)
        return plan_fail(L,
                         "a channel operation belongs in a process body (/csp/processes/N/body), "
                         "not in the workload");
    plan_csp *C = L->plan->csp;
    pto_status s = plan_want(L, c, cJSON_IsObject(c), "an object");
    if (s == PTO_OK)
        s = plan_only_keys(L, c, keys[op]);
    char name[PLAN_NAME_MAX];
    if (s == PTO_OK)
        s = plan_string_at(L, c, "channel", 1, name, sizeof name);
    if (s != PTO_OK)
        return s;
    while (N->channel < C->nchannels && strcmp(C->channels[N->channel].name, name))
        N->channel++;
    if (N->channel == C->nchannels)
        return plan_fail_at(L, "channel", "unknown channel '%s'", name);
    plan_channel *H = &C->channels[N->channel];
    const plan_process *me = &C->procs[L->proc];
    const cJSON *j = NULL;
    if (kind == PLAN_SEND) {
        H->sent_by |= UINT64_C(1) << L->proc;
        if ((s = plan_member(L, c, "payload", 0, &j)) != PTO_OK || !j)
            return s;
        if (!H->payload)
            return plan_fail_at(L, "payload",
                                "channel '%s' carries no payload (declare \"payload\": true)",
                                H->name);
        size_t old = plan_push_key(L, "payload");
        s = plan_expr_of(L, j, &N->payload);
        plan_pop(L, old);
        return s;
    }
    if (kind == PLAN_CLOSE) {
        H->closed_by |= UINT64_C(1) << L->proc;
        return PTO_OK;
    }
    /* recv, consume: one receiving process per channel (DESIGN 6.4) */
    if (me->replicas > 1)
        return plan_fail_at(L, "channel",
                            "process '%s' has %u replicas: each would receive on channel '%s', "
                            "but a channel has one receiving process",
                            me->name, (unsigned)me->replicas, H->name);
    if (H->receiver >= 0 && H->receiver != (int32_t)L->proc)
        return plan_fail_at(L, "channel",
                            "channel '%s' already has a receiving process, '%s' (%s): a channel "
                            "has one receiver",
                            H->name, C->procs[H->receiver].name, C->procs[H->receiver].path);
    H->receiver = (int32_t)L->proc;
    if ((s = plan_string_at(L, c, "as", 0, N->var, sizeof N->var)) != PTO_OK)
        return s;
    if (N->var[0] && !H->payload)
        return plan_fail_at(L, "as", "channel '%s' carries no payload (declare \"payload\": true)",
                            H->name);
    if (kind == PLAN_RECV) /* in scope for the later nodes of its list (load_list) */
        return N->var[0] ? csp_bind(L, "as", N->var, &N->depth) : PTO_OK;
    const cJSON *body;
    if ((s = plan_member(L, c, "body", 1, &body)) != PTO_OK)
        return s;
    uint32_t nvars = L->nvars;
    if ((s = csp_bind(L, "as", N->var, &N->depth)) != PTO_OK) /* a slot even when unnamed */
        return s;
    size_t old = plan_push_key(L, "body");
    s = plan_load_body(L, body, N, depth + 1);
    plan_pop(L, old);
    L->nvars = nvars;
    return s;
}

/* A CSP name: runtime names have at most PTO_CSP_NAME_MAX - 5 bytes. */
static pto_status csp_name(loader *L, const cJSON *obj, char *out)
{
    pto_status s = plan_string_at(L, obj, "name", 1, out, PLAN_NAME_MAX);
    if (s == PTO_OK && strlen(out) > PTO_CSP_NAME_MAX - 5)
        s = plan_fail_at(L, "name", "longer than %d bytes (a CSP name)", PTO_CSP_NAME_MAX - 5);
    return s;
}

static pto_status load_channels(loader *L, const cJSON *arr)
{
    static const char *const keys[] = {"name", "capacity", "payload", "senders", NULL};
    plan_csp *C = L->plan->csp;
    pto_status s = plan_want(L, arr, cJSON_IsArray(arr), "an array");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && n > PTO_CSP_CHANNELS)
        s = plan_fail(L, "expected 0..%d channels, got %d", PTO_CSP_CHANNELS, n);
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
        size_t old = plan_push_index(L, i);
        snprintf(H->path, sizeof H->path, "%s", L->path);
        s = plan_want(L, c, cJSON_IsObject(c), "an object");
        if (s == PTO_OK)
            s = plan_only_keys(L, c, keys);
        if (s == PTO_OK)
            s = csp_name(L, c, H->name);
        if (s == PTO_OK)
            s = PLAN_UNIQUE(L, "name", "channel", "/csp/channels", C->channels, name, i);
        const cJSON *j = NULL;
        if (s == PTO_OK)
            s = plan_member(L, c, "capacity", 0, &j);
        if (s == PTO_OK && j) {
            uint64_t cap = 0;
            size_t o2 = plan_push_key(L, "capacity");
            s = plan_uint_of(L, j, PTO_CSP_CAPACITY, &cap);
            H->capacity = (uint32_t)cap;
            plan_pop(L, o2);
        }
        if (s == PTO_OK)
            s = plan_member(L, c, "payload", 0, &j);
        if (s == PTO_OK && j) {
            size_t o2 = plan_push_key(L, "payload");
            s = plan_want(L, j, cJSON_IsBool(j), "a boolean");
            H->payload = cJSON_IsTrue(j);
            plan_pop(L, o2);
        }
        if (s == PTO_OK)
            s = plan_member(L, c, "senders", 0, &j);
        if (s == PTO_OK && j) {
            uint64_t n2 = 0;
            size_t o2 = plan_push_key(L, "senders");
            s = plan_uint_of(L, j, PTO_CSP_PROCESSES, &n2);
            if (s == PTO_OK && n2 < 2)
                s = plan_fail(L, "a fan-in has 2..%d senders, got %u", PTO_CSP_PROCESSES,
                              (unsigned)n2);
            H->senders = (uint32_t)n2;
            plan_pop(L, o2);
        }
        plan_pop(L, old);
    }
    return s;
}

static pto_status load_processes(loader *L, const cJSON *arr)
{
    static const char *const keys[] = {"name", "replicate", "body", NULL};
    static const char *const rkeys[] = {"n", "var", NULL};
    plan_csp *C = L->plan->csp;
    pto_status s = plan_want(L, arr, cJSON_IsArray(arr), "an array");
    int n = cJSON_GetArraySize(arr);
    if (s == PTO_OK && (n < 1 || n > PTO_CSP_PROCESSES))
        s = plan_fail(L, "expected 1..%d processes, got %d", PTO_CSP_PROCESSES, n);
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
        size_t old = plan_push_index(L, i);
        snprintf(R->path, sizeof R->path, "%s", L->path);
        s = plan_want(L, p, cJSON_IsObject(p), "an object");
        if (s == PTO_OK)
            s = plan_only_keys(L, p, keys);
        if (s == PTO_OK)
            s = csp_name(L, p, R->name);
        if (s == PTO_OK)
            s = PLAN_UNIQUE(L, "name", "process", "/csp/processes", C->procs, name, i);
        const cJSON *rep = NULL, *body = NULL;
        if (s == PTO_OK)
            s = plan_member(L, p, "replicate", 0, &rep);
        if (s == PTO_OK && rep) {
            size_t o2 = plan_push_key(L, "replicate");
            const cJSON *j = NULL;
            uint64_t r = 0;
            s = plan_want(L, rep, cJSON_IsObject(rep), "an object {\"n\": N, \"var\": V}");
            if (s == PTO_OK)
                s = plan_only_keys(L, rep, rkeys);
            if (s == PTO_OK)
                s = plan_member(L, rep, "n", 1, &j);
            if (s == PTO_OK) {
                size_t o3 = plan_push_key(L, "n");
                s = plan_uint_of(L, j, PTO_CSP_PROCESSES, &r);
                if (s == PTO_OK && r == 0)
                    s = plan_fail(L, "at least 1 replica");
                plan_pop(L, o3);
            }
            R->replicas = (uint32_t)r;
            if (s == PTO_OK)
                s = plan_string_at(L, rep, "var", 0, R->var, sizeof R->var);
            plan_pop(L, o2);
        }
        if (s == PTO_OK && (replicas += R->replicas) > PTO_CSP_PROCESSES)
            s = plan_fail_at(L, "replicate",
                             "%u processes with the replicas so far (a run has at most %d)",
                             (unsigned)replicas, PTO_CSP_PROCESSES);
        if (s == PTO_OK)
            s = plan_member(L, p, "body", 1, &body);
        if (s == PTO_OK) {
            L->in_proc = 1;
            L->proc = (uint32_t)i;
            L->nvars = 0;
            uint32_t slot = 0;
            if (R->var[0]) { /* the replica index: variable slot 0 */
                size_t o2 = plan_push_key(L, "replicate");
                s = csp_bind(L, "var", R->var, &slot);
                plan_pop(L, o2);
            }
            size_t o2 = plan_push_key(L, "body");
            snprintf(R->body.path, sizeof R->body.path, "%s", L->path);
            if (s == PTO_OK)
                s = plan_load_list(L, body, &R->body.body, &R->body.nbody, 1);
            plan_pop(L, o2);
            L->nvars = 0;
            L->in_proc = 0;
        }
        plan_pop(L, old);
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
    pto_status s = plan_member(L, csp, "latency", 0, &j);
    int k = plan_symbol_find(P, PTO_CSP_LATENCY_SYMBOL, strlen(PTO_CSP_LATENCY_SYMBOL));
    size_t old = plan_push_key(L, "latency");
    if (s == PTO_OK && j && k >= 0)
        s = plan_fail(L, "the plan declares symbol '%s' (/symbols/%d): its default is the latency",
                      PTO_CSP_LATENCY_SYMBOL, k);
    else if (s == PTO_OK && j)
        s = plan_uint_of(L, j, UINT32_MAX, &lat);
    plan_pop(L, old);
    if (s != PTO_OK)
        return s;
    if (k >= 0) {
        if (P->symbols[k].f32 || P->symbols[k].array)
            return plan_fail(L,
                             "symbol '%s' (/symbols/%d) is %s: the channel latency is a u64 symbol",
                             PTO_CSP_LATENCY_SYMBOL, k, P->symbols[k].f32 ? "f32" : "i32[]");
        return PTO_OK;
    }
    if (P->nsymbols >= PTO_MAX_SYMBOLS)
        return plan_fail(L, "no room to declare symbol '%s' (the plan declares %d symbols)",
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

pto_status plan_load_csp(loader *L, const cJSON *csp)
{
    static const char *const keys[] = {"channels", "processes", "latency", NULL};
    pto_plan *P = L->plan;
    pto_status s = plan_want(L, csp, cJSON_IsObject(csp),
                             "an object {\"channels\": [...], "
                             "\"processes\": [...]}");
    if (s == PTO_OK)
        s = plan_only_keys(L, csp, keys);
    if (s != PTO_OK)
        return s;
    if (!(P->csp = calloc(1, sizeof *P->csp)))
        return pto_fail(L->err, PTO_ERR_NOMEM, "out of memory");
    const cJSON *ch = NULL, *pr = NULL;
    if ((s = plan_member(L, csp, "channels", 0, &ch)) != PTO_OK ||
        (s = plan_member(L, csp, "processes", 1, &pr)) != PTO_OK ||
        (s = load_latency(L, csp)) != PTO_OK)
        return s;
    size_t old;
    if (ch) {
        old = plan_push_key(L, "channels");
        s = load_channels(L, ch);
        plan_pop(L, old);
        if (s != PTO_OK)
            return s;
    }
    old = plan_push_key(L, "processes");
    s = load_processes(L, pr);
    plan_pop(L, old);
    return s == PTO_OK ? plan_csp_check_static(P, L->err) : s;
}
