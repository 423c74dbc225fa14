#include "support/random_dag.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One DAG at a time per process: the kernel logs into these. */
static _Atomic uint64_t g_clock;
static uint64_t g_start[RD_MAX_N], g_end[RD_MAX_N];

/* args[0] = task index */
static void k_log(const uint64_t *args)
{
    g_start[args[0]] = atomic_fetch_add(&g_clock, 1);
    g_end[args[0]] = atomic_fetch_add(&g_clock, 1);
}

pto_status rd_register(pto_device *dev, pto_error *err)
{
    pto_status st = pto_kernel_register(dev, 0, PTO_CORE_AIC, k_log, "log_aic", err);
    return st ? st : pto_kernel_register(dev, 1, PTO_CORE_AIV, k_log, "log_aiv", err);
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Random topological order (a shuffle), so many edges point from a higher
 * task id to a lower one: host-built graphs may wire in any order. */
void rd_make(rd_dag *d, uint32_t n, uint64_t seed)
{
    static _Thread_local uint32_t rank[RD_MAX_N];
    if (!seed)
        seed = 0x9e3779b97f4a7c15ull; /* xorshift needs a nonzero state */
    d->n = n;
    for (uint32_t i = 0; i < n; i++)
        d->order[i] = i;
    for (uint32_t i = n - 1; i > 0 && n; i--) {
        uint32_t j = (uint32_t)(rng(&seed) % (i + 1));
        uint32_t t = d->order[i];
        d->order[i] = d->order[j];
        d->order[j] = t;
    }
    for (uint32_t r = 0; r < n; r++)
        rank[d->order[r]] = r;
    for (uint32_t i = 0; i < n; i++) {
        d->aic[i] = rng(&seed) % 3 == 0;
        d->nin[i] = 0;
        uint32_t want = (uint32_t)(rng(&seed) % (RD_MAX_IN + 1));
        for (uint32_t k = 0; k < want && rank[i] > 0; k++) {
            /* mostly near predecessors (long chains), sometimes far ones */
            uint32_t span = rng(&seed) % 4 ? 16 : rank[i];
            if (span > rank[i])
                span = rank[i];
            uint32_t pr = rank[i] - 1 - (uint32_t)(rng(&seed) % span);
            d->in[i][d->nin[i]++] = d->order[pr];
        }
    }
}

static pto_status orch(pto_run *run, void *ctx, pto_error *err)
{
    const rd_dag *d = ctx;
    for (uint32_t i = 0; i < d->n; i++) {
        uint64_t a = i;
        pto_task_id t;
        pto_status st = pto_add_task(run, d->aic[i] ? 0 : 1,
                                     d->aic[i] ? PTO_CORE_AIC : PTO_CORE_AIV, &a, 1, &t, err);
        if (st)
            return st;
        if (t != i)
            return PTO_ERR_STATE;
    }
    for (uint32_t i = 0; i < d->n; i++)
        for (uint32_t k = 0; k < d->nin[i]; k++) {
            pto_status st = pto_add_dep(run, d->in[i][k], i, err);
            if (st)
                return st;
        }
    return PTO_OK;
}

#define WHY(...) (snprintf(why, why_len, __VA_ARGS__), 1)

int rd_run_case(pto_device *dev, const rd_dag *d, int deterministic, const char *dispatch,
                uint32_t watchdog_ms, uint64_t *edges, char *why, size_t why_len)
{
    atomic_store(&g_clock, 1);
    for (uint32_t i = 0; i < d->n; i++)
        g_start[i] = g_end[i] = 0;
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.deterministic = deterministic;
    rc.dispatch = dispatch;
    if (watchdog_ms)
        rc.watchdog_ms = watchdog_ms;
    pto_stats st;
    pto_error err = {0};
    *edges = 0;
    if (pto_launch(dev, &rc, orch, (void *)d, &st, &err))
        return WHY("launch: %s", err.msg);
    if (st.tasks != d->n)
        return WHY("%llu tasks ran, %u added", (unsigned long long)st.tasks, d->n);
    for (uint32_t i = 0; i < d->n; i++) {
        if (!g_start[i])
            return WHY("task t%u never ran", i);
        for (uint32_t k = 0; k < d->nin[i]; k++, ++*edges)
            if (!(g_end[d->in[i][k]] < g_start[i]))
                return WHY("edge t%u -> t%u not honoured", d->in[i][k], i);
    }
    const pto_task_record *r;
    size_t n;
    pto_last_run_records(dev, &r, &n);
    if (n != d->n)
        return WHY("%zu trace records for %u tasks", n, d->n);
    for (size_t i = 0; i < n; i++)
        if (pto_core_type_of(r[i].core) != (d->aic[i] ? PTO_CORE_AIC : PTO_CORE_AIV))
            return WHY("task t%zu ran on core %u of the wrong type", i, r[i].core);
    const char *colon = dispatch ? strchr(dispatch, ':') : NULL;
    if (colon && !strncmp(dispatch, "round_robin:", 12)) {
        uint32_t lanes = (uint32_t)strtoul(colon + 1, NULL, 10);
        pto_lane_map map;
        if (pto_lanes_get(dev, lanes, &map, &err))
            return WHY("lanes: %s", err.msg);
        for (size_t i = 0; i < n; i++)
            if (map.lane[r[i].core] != i % lanes)
                return WHY("task t%zu ran on core %u of lane %u, not lane %zu", i, r[i].core,
                           map.lane[r[i].core], i % lanes);
    }
    return 0;
}
