/* The dispatch policy registry and per-task routing (policy.h). */
#include "orchestration/policy.h"

#include <stdio.h>
#include <string.h>

#include "core/task_buffer.h"
#include "util/error.h"
#include "orchestration/run_internal.h"
#include "platform/platform.h"

/* The splitmix64 finalizer: every input bit affects every output bit, so
 * consecutive and strided keys land on different targets (key mod n would
 * send keys with stride 64 to one target of 4). */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint32_t route_round_robin(const pto_route_info *i)
{
    return (uint32_t)(i->index % i->ntargets);
}
static uint32_t route_affinity(const pto_route_info *i) { return (uint32_t)(i->key % i->ntargets); }
static uint32_t route_hash(const pto_route_info *i)
{
    return (uint32_t)(mix64(i->key) % i->ntargets);
}
static uint32_t route_work_steal(const pto_route_info *i)
{
    return (uint32_t)((i->has_key ? i->key : i->index) % i->ntargets);
}

static const pto_policy_def builtins[] = {
    {"default", PTO_ROW_DISPATCH_DEFAULT, 0, 0, NULL},
    {"round_robin", PTO_ROW_DISPATCH_ROUND_ROBIN, 0, 0, route_round_robin},
    {"affinity", PTO_ROW_DISPATCH_AFFINITY, 1, 0, route_affinity},
    {"hash", PTO_ROW_DISPATCH_HASH, 1, 0, route_hash},
    {"work_steal", PTO_ROW_DISPATCH_WORK_STEAL, 0, 1, route_work_steal},
};
#define NBUILTINS (sizeof builtins / sizeof builtins[0])

/* A user policy: routed through its function. */
static const pto_policy_def user_def = {"user", PTO_ROW_DISPATCH_USER, 0, 0, NULL};

static const pto_policy_def *find_builtin(const char *name, size_t len)
{
    for (size_t i = 0; i < NBUILTINS; i++)
        if (strlen(builtins[i].name) == len && !strncmp(builtins[i].name, name, len))
            return &builtins[i];
    return NULL;
}

static const struct pto_user_policy *find_user(const pto_device *dev, const char *name, size_t len)
{
    for (uint32_t i = 0; i < dev->npolicies; i++)
        if (strlen(dev->policies[i].name) == len && !strncmp(dev->policies[i].name, name, len))
            return &dev->policies[i];
    return NULL;
}

/* "round_robin, affinity, ..., and the user policies" for messages. */
static void policy_names(const pto_device *dev, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = 0; i < NBUILTINS + dev->npolicies && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "",
                              i < NBUILTINS ? builtins[i].name : dev->policies[i - NBUILTINS].name);
}

uint32_t pto_policy_lanes(const pto_device *dev, const pto_policy_sel *sel)
{
    return sel->n ? sel->n : dev->cfg.schedulers;
}

pto_status pto_policy_parse(const pto_device *dev, const char *spec, uint32_t lanes,
                            const char *what, pto_policy_sel *out, pto_error *err)
{
    memset(out, 0, sizeof *out);
    if (!spec)
        spec = "default";
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    out->def = find_builtin(spec, len);
    if (!out->def && (out->user = find_user(dev, spec, len)))
        out->def = &user_def;
    if (!out->def) {
        char names[512];
        policy_names(dev, names, sizeof names);
        return pto_fail(err, PTO_ERR_NOT_FOUND, "%s: unknown dispatch policy '%.*s' (known: %s)",
                        what, (int)len, spec, names);
    }
    out->routes = out->def->route || out->user;
    uint32_t max = lanes ? lanes : pto_lanes_max(dev->cfg.blocks, dev->cfg.schedulers);
    if (colon) {
        uint64_t n;
        const char *why = pto_parse_decimal(colon + 1, &n);
        if (why)
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s: dispatch '%s': N is not valid: %s (give a plain decimal number)",
                            what, spec, why);
        if (!out->routes)
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s: dispatch '%s': the default policy routes nothing and takes no N",
                            what, spec);
        if (n == 0)
            return pto_fail(err, PTO_ERR_INVALID, "%s: dispatch '%s': N must be at least 1", what,
                            spec);
        if (n > max) {
            if (lanes)
                return pto_fail(err, PTO_ERR_INVALID,
                                "%s: dispatch '%s': N = %llu is more than this run's %u lanes "
                                "(the run's dispatch policy sets them: give it N = %llu)",
                                what, spec, (unsigned long long)n, lanes, (unsigned long long)n);
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s: dispatch '%s': N = %llu lanes, but %u blocks have %u AIV cores to "
                            "deal (and %u schedulers): at most %u",
                            what, spec, (unsigned long long)n, dev->cfg.blocks, dev->cfg.blocks * 2,
                            dev->cfg.schedulers, max);
        }
        out->n = (uint32_t)n;
    } else if (lanes && out->routes) {
        out->n = lanes; /* N defaults to the run's lanes */
    }
    return PTO_OK;
}

pto_status pto_policy_require(pto_run *run, pto_policy_sel *sel, pto_error *err)
{
    char what[64];
    snprintf(what, sizeof what, "dispatch policy '%s'",
             sel->user ? sel->user->name : sel->def->name);
    pto_cap_level level;
    pto_status st = pto_run_require(run, (pto_cap_row)sel->def->row, what, &level, err);
    if (!st && run->dev->lanes.dealt) {
        snprintf(what, sizeof what, "%u lanes dealt over the cores", run->dev->lanes.n);
        pto_cap_level lanes;
        st = pto_run_require(run, PTO_ROW_DISPATCH_LANES, what, &lanes, err);
        if (lanes > level)
            level = lanes;
    }
    if (!st && level == PTO_CAP_DIAGNOSED) { /* ignored: nothing is routed */
        sel->def = &builtins[0];
        sel->user = NULL;
        sel->routes = 0;
    }
    return st;
}

uint32_t pto_policy_route_key(uint32_t policy, uint32_t n, uint64_t key)
{
    pto_route_info info = {0, 0, key, 1, 0, PTO_CORE_AIV, n};
    return builtins[policy].route(&info);
}

/* A task goes to lane l under sel: the routing index advances, and the
 * run flags say a lane queue (and stealing) may hold work. */
static uint8_t routed(pto_run *run, const pto_policy_sel *sel, uint32_t l)
{
    run->route_index++;
    pto_tb_flag(&run->dev->tb.special);
    if (sel->def->steal)
        pto_tb_flag(&run->dev->tb.steal);
    return (uint8_t)l;
}

/* A task whose key is an expression (pto_set_task_key_expr): routed when
 * it becomes ready (pto_policy_route_key), by a built-in that routes by
 * key; every one of the policy's lanes must then be able to run it. */
static pto_status route_later(pto_run *run, const pto_policy_sel *sel, const char *name,
                              pto_core_type type, uint8_t *target, pto_error *err)
{
    pto_device *dev = run->dev;
    if (sel->user)
        return pto_fail(err, PTO_ERR_INVALID,
                        "task t%llu: a key expression is evaluated at dispatch, where user policy "
                        "'%s' cannot be called (use affinity, hash or work_steal)",
                        (unsigned long long)dev->tb.next_id, name);
    for (uint32_t l = 0; l < sel->n; l++)
        if (!dev->lanes.count[l][type])
            return pto_fail(err, PTO_ERR_INVALID,
                            "task t%llu (%s): its key expression may route it to any of '%s''s "
                            "%u lanes, and lane %u has no %s core",
                            (unsigned long long)dev->tb.next_id, pto_queue_name(type), name, sel->n,
                            l, pto_queue_name(type));
    run->sc.key_routed = 1;
    run->sc.key_policy = (uint8_t)(sel->def - builtins);
    run->sc.key_n = (uint8_t)sel->n;
    *target = routed(run, sel, 0); /* lane 0 until it is ready */
    return PTO_OK;
}

pto_status pto_run_route_task(pto_run *run, int func_id, pto_core_type type, uint8_t *target,
                              pto_error *err)
{
    pto_policy_sel *sel = &run->scopes[run->depth].policy;
    pto_device *dev = run->dev;
    if (run->failed) /* counted-only tasks run nowhere */
        return PTO_OK;
    const char *name = sel->user ? sel->user->name : sel->def->name;
    pto_route_info info = {dev->tb.next_id, run->route_index, run->key, run->has_key, func_id, type,
                           sel->n};
    if (run->sc.evals & PTO_EVAL_KEY) { /* the key is known once its producers are done */
        if (sel->user || sel->def->needs_key || sel->def->steal)
            return route_later(run, sel, name, type, target, err);
        run->sc.evals &= (uint8_t)~PTO_EVAL_KEY; /* round_robin: keys do not matter */
    }
    if (sel->def->needs_key && !run->has_key)
        return pto_fail(err, PTO_ERR_INVALID,
                        "task t%llu: dispatch policy '%s' routes by key, and the task has none "
                        "(call pto_set_task_key before submitting it)",
                        (unsigned long long)info.task_id, name);
    uint32_t l = sel->user ? sel->user->route(sel->user->ctx, &info) : sel->def->route(&info);
    if (l >= sel->n)
        return pto_fail(err, PTO_ERR_INVALID,
                        "task t%llu: dispatch policy '%s' chose target %u of %u (0..%u)",
                        (unsigned long long)info.task_id, name, l, sel->n, sel->n - 1);
    if (!dev->lanes.count[l][type])
        return pto_fail(err, PTO_ERR_INVALID,
                        "task t%llu (%s) was routed to lane %u, which has no %s core: %u lanes "
                        "dealt over %u blocks give %s cores to lanes 0..%u only",
                        (unsigned long long)info.task_id, pto_queue_name(type), l,
                        pto_queue_name(type), dev->lanes.n, dev->cfg.blocks, pto_queue_name(type),
                        (type == PTO_CORE_AIC ? dev->cfg.blocks : dev->cfg.blocks * 2) - 1);
    *target = routed(run, sel, l);
    return PTO_OK;
}

pto_status pto_set_dispatch(pto_run *run, const char *policy, pto_error *err)
{
    pto_status st = pto_run_check_building(run, "pto_set_dispatch", err);
    if (st)
        return st;
    pto_policy_sel sel;
    if ((st = pto_policy_parse(run->dev, policy, run->dev->lanes.n, "pto_set_dispatch", &sel,
                               err)) ||
        (st = pto_policy_require(run, &sel, err)))
        return st;
    run->scopes[run->depth].policy = sel;
    return PTO_OK;
}

pto_status pto_set_task_key(pto_run *run, uint64_t key, pto_error *err)
{
    pto_status st = pto_run_check_building(run, "pto_set_task_key", err);
    if (st)
        return st;
    run->key = key;
    run->has_key = 1;
    return PTO_OK;
}

static int valid_name(const char *name)
{
    size_t n = 0;
    for (; name[n]; n++)
        if (!((name[n] >= 'a' && name[n] <= 'z') || (name[n] >= 'A' && name[n] <= 'Z') ||
              (name[n] >= '0' && name[n] <= '9') || name[n] == '_'))
            return 0;
    return n > 0 && n < PTO_POLICY_NAME_MAX;
}

pto_status pto_policy_register(pto_device *dev, const char *name, pto_route_fn route, void *ctx,
                               pto_error *err)
{
    if (!dev || !name || !route)
        return pto_fail(err, PTO_ERR_INVALID,
                        "pto_policy_register: device, name and route required");
    if (!valid_name(name))
        return pto_fail(err, PTO_ERR_INVALID,
                        "pto_policy_register: name '%s' must be 1..%d characters of [A-Za-z0-9_]",
                        name, PTO_POLICY_NAME_MAX - 1);
    if (find_builtin(name, strlen(name)))
        return pto_fail(err, PTO_ERR_INVALID,
                        "pto_policy_register: '%s' is a built-in policy's name", name);
    if (atomic_load(&dev->busy))
        return pto_fail(err, PTO_ERR_STATE,
                        "pto_policy_register('%s'): a run is in progress on the device", name);
    struct pto_user_policy *p = (struct pto_user_policy *)find_user(dev, name, strlen(name));
    if (!p) {
        if (dev->npolicies == PTO_MAX_USER_POLICIES)
            return pto_fail(err, PTO_ERR_CAPACITY,
                            "pto_policy_register('%s'): the device holds %d user policies", name,
                            PTO_MAX_USER_POLICIES);
        p = &dev->policies[dev->npolicies++];
        snprintf(p->name, sizeof p->name, "%s", name);
    }
    p->route = route;
    p->ctx = ctx;
    return PTO_OK;
}

pto_status pto_lanes_get(const pto_device *dev, uint32_t lanes, pto_lane_map *out, pto_error *err)
{
    if (!dev || !out)
        return pto_fail(err, PTO_ERR_INVALID, "pto_lanes_get: device and map required");
    uint32_t max = pto_lanes_max(dev->cfg.blocks, dev->cfg.schedulers);
    if (lanes > max)
        return pto_fail(err, PTO_ERR_INVALID,
                        "pto_lanes_get: %u lanes, but %u blocks have %u AIV cores to deal: at "
                        "most %u",
                        lanes, dev->cfg.blocks, dev->cfg.blocks * 2, max);
    pto_lanes l;
    pto_lanes_build(&l, dev->cores, dev->cfg.schedulers, lanes ? lanes : dev->cfg.schedulers);
    memset(out, 0, sizeof *out);
    out->lanes = l.n;
    out->cores = dev->cores;
    for (uint32_t c = 0; c < dev->cores; c++) {
        out->lane[c] = l.lane_of[c];
        out->scheduler[c] = (uint8_t)pto_core_scheduler(c, dev->cfg.schedulers);
    }
    return PTO_OK;
}
