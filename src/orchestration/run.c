/* Host-built runs: orchestration on the calling thread, then launch and wait
 * (with a watchdog), then copy-back. */
#include "orchestration/run_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "host/device_internal.h"
#include "host/error.h"
#include "platform/sim/sim.h"

#define PTO_WAIT_SLICE_NS (UINT64_C(20) * 1000000u)

void pto_run_config_default(pto_run_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->mode = PTO_MODE_HOST_BUILT;
    cfg->watchdog_ms = 60000;
}

pto_status pto_run_create(pto_device *dev, struct pto_run **out, pto_error *err)
{
    struct pto_run *run = calloc(1, sizeof *run);
    if (!run)
        return pto_fail(err, PTO_ERR_NOMEM, "run object");
    run->dev = dev;
    *out = run;
    return PTO_OK;
}

void pto_run_destroy(struct pto_run *run) { free(run); }

pto_device *pto_run_device(pto_run *run) { return run ? run->dev : 0; }

static pto_status check_building(pto_run *run, const char *what, pto_error *err)
{
    if (!run)
        return pto_fail(err, PTO_ERR_INVALID, "%s: run is NULL", what);
    if (!run->building)
        return pto_fail(err, PTO_ERR_STATE,
                        "%s: only valid inside the orchestration function", what);
    return PTO_OK;
}

pto_status pto_add_task(pto_run *run, int func_id, pto_core_type type,
                        const uint64_t *args, uint32_t nargs, pto_task_id *out,
                        pto_error *err)
{
    pto_status st = check_building(run, "pto_add_task", err);
    if (st)
        return st;
    pto_device *dev = run->dev;
    const pto_kernel_entry *k = pto_kernel_lookup(&dev->kernels, func_id);
    if (!k)
        return pto_fail(err, PTO_ERR_NOT_FOUND,
                        "pto_add_task: func_id %d is not a registered kernel", func_id);
    if (type != k->type)
        return pto_fail(err, PTO_ERR_INVALID,
                        "pto_add_task: func_id %d (%s) is registered for %s, not %s",
                        func_id, k->name, k->type == PTO_CORE_AIC ? "AIC" : "AIV",
                        type == PTO_CORE_AIC ? "AIC" : type == PTO_CORE_AIV ? "AIV" : "?");
    if (nargs > PTO_MAX_ARGS || (nargs && !args))
        return pto_fail(err, PTO_ERR_INVALID,
                        "pto_add_task: %u args (at most %d, non-NULL)", nargs, PTO_MAX_ARGS);
    if (pto_tb_live(&dev->tb) >= dev->tb.window)
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "TASK_RING_FULL: a host-built graph must fit the task window "
                        "(%u tasks); raise PTO_TASK_WINDOW to at least %u",
                        dev->tb.window, dev->tb.window * 2);
    pto_task *t = pto_tb_add(&dev->tb, func_id, type, args, nargs);
    if (out)
        *out = t->id;
    return PTO_OK;
}

pto_status pto_add_dep(pto_run *run, pto_task_id producer, pto_task_id consumer,
                       pto_error *err)
{
    pto_status st = check_building(run, "pto_add_dep", err);
    if (st)
        return st;
    pto_task_buffer *tb = &run->dev->tb;
    uint64_t lo = atomic_load(&tb->last_alive);
    if (producer >= tb->next_id || consumer >= tb->next_id || consumer < lo)
        return pto_fail(err, PTO_ERR_INVALID,
                        "pto_add_dep: t%llu -> t%llu names a task that does not exist "
                        "(tasks so far: %llu)",
                        (unsigned long long)producer, (unsigned long long)consumer,
                        (unsigned long long)tb->next_id);
    if (producer < lo)
        return PTO_OK; /* producer already retired: nothing to wait for */
    return pto_tb_add_dep(tb, producer, consumer, err);
}

pto_status pto_copy_back(pto_run *run, void *host_dst, const void *dev_src,
                         size_t bytes, pto_error *err)
{
    pto_status st = check_building(run, "pto_copy_back", err);
    if (st)
        return st;
    if (!host_dst)
        return pto_fail(err, PTO_ERR_INVALID, "pto_copy_back: host destination is NULL");
    if ((st = pto_gm_check_range(run->dev->gm, dev_src, bytes, err)))
        return st;
    if (run->ncopies >= PTO_MAX_COPY_BACKS)
        return pto_fail(err, PTO_ERR_CAPACITY, "pto_copy_back: more than %d copy-backs",
                        PTO_MAX_COPY_BACKS);
    run->copies[run->ncopies++] = (pto_copy_back_rec){host_dst, dev_src, bytes};
    return PTO_OK;
}

/* Diagnostic for a run that stopped making progress. */
static pto_status watchdog_report(pto_device *dev, uint64_t ms, pto_error *err)
{
    uint64_t done = atomic_load(&dev->run.completed);
    pto_fail(err, PTO_ERR_TIMEOUT,
             "watchdog: no task completed for %llu ms; %llu of %llu tasks done.",
             (unsigned long long)ms, (unsigned long long)done,
             (unsigned long long)atomic_load(&dev->run.total));
    uint32_t cores[PTO_MAX_CORES], slots[PTO_MAX_CORES];
    uint32_t n = pto_sim_running(dev->sim, cores, slots, PTO_MAX_CORES);
    for (uint32_t i = 0; i < n && i < 8; i++) {
        pto_task *t = &dev->tb.tasks[slots[i]];
        pto_error_append(err, " Still running: t%llu (kernel %s) on core %u.",
                         (unsigned long long)t->id, pto_kernel_name(dev, t->func_id),
                         cores[i]);
    }
    if (!n)
        pto_error_append(err, " No core is running a task: the remaining tasks wait "
                              "on dependencies that cannot complete.");
    pto_error_append(err, " Raise the run's watchdog_ms if kernels are this slow. "
                          "The device is unusable after this error; close it.");
    return PTO_ERR_TIMEOUT;
}

/* Waits until every task completed; PTO_ERR_TIMEOUT after watchdog_ms
 * without progress. */
static pto_status wait_done(pto_device *dev, uint32_t watchdog_ms, pto_error *err)
{
    pto_run_state *rs = &dev->run;
    uint64_t last = atomic_load(&rs->completed), since = pto_now_ns();
    uint64_t limit = (uint64_t)watchdog_ms * 1000000u;
    for (;;) {
        uint32_t seen = pto_event_prepare(&rs->done);
        uint64_t c = atomic_load_explicit(&rs->completed, memory_order_acquire);
        if (c == atomic_load(&rs->total)) {
            pto_event_cancel(&rs->done);
            return PTO_OK;
        }
        pto_event_wait(&rs->done, seen, PTO_WAIT_SLICE_NS);
        c = atomic_load_explicit(&rs->completed, memory_order_acquire);
        uint64_t now = pto_now_ns();
        if (c != last) {
            last = c;
            since = now;
        } else if (now - since >= limit) {
            dev->broken = 1;
            return watchdog_report(dev, watchdog_ms, err);
        }
    }
}

pto_status pto_launch(pto_device *dev, const pto_run_config *cfg_in, pto_orch_fn orch,
                      void *ctx, pto_stats *stats, pto_error *err)
{
    if (!dev || !orch)
        return pto_fail(err, PTO_ERR_INVALID, "pto_launch: device and orchestration required");
    if (dev->broken)
        return pto_fail(err, PTO_ERR_STATE,
                        "pto_launch: device is unusable after a watchdog timeout");
    if (dev->busy)
        return pto_fail(err, PTO_ERR_STATE, "pto_launch: a run is already in progress");
    pto_run_config cfg;
    pto_run_config_default(&cfg);
    if (cfg_in)
        cfg = *cfg_in;
    if (!cfg.watchdog_ms)
        cfg.watchdog_ms = 60000;
    if (cfg.mode != PTO_MODE_HOST_BUILT)
        return pto_fail(err, PTO_ERR_INVALID, "pto_launch: unknown run mode %d", cfg.mode);

    dev->busy = 1;
    pto_run *run = dev->run_handle;
    run->cfg = cfg;
    run->ncopies = 0;
    pto_tb_reset(&dev->tb);
    pto_run_state *rs = &dev->run;
    atomic_store(&rs->completed, 0);
    atomic_store(&rs->error_status, 0);
    atomic_store(&rs->error_task, 0);
    dev->nrecords = 0;

    /* Host-built: the whole graph is built before anything runs. */
    uint64_t t_orch = pto_now_ns();
    run->building = 1;
    pto_status st = orch(run, ctx, err);
    run->building = 0;
    uint64_t orch_ns = pto_now_ns() - t_orch;
    if (st != PTO_OK) {
        dev->busy = 0;
        if (err && err->status != st)
            pto_fail(err, st, "orchestration failed with %s", pto_status_name(st));
        return st;
    }

    pto_task_buffer *tb = &dev->tb;
    uint64_t total = tb->next_id;
    atomic_store(&rs->total, total);
    pto_sim_run_prepare(dev->sim);
    rs->t0 = pto_now_ns();
    dev->executing = 1;
    atomic_store_explicit(&rs->active, 1, memory_order_release);
    pto_sim_wake_schedulers(dev->sim);
    for (uint64_t id = 0; id < total; id++)
        pto_tb_publish(tb, pto_tb_task(tb, id));
    pto_sim_wake_schedulers(dev->sim);

    st = wait_done(dev, cfg.watchdog_ms, err);
    uint64_t wall = pto_now_ns() - rs->t0;
    if (st != PTO_OK)
        return st; /* device stays busy and broken: threads may hold tasks */
    atomic_store_explicit(&rs->active, 0, memory_order_release);
    dev->executing = 0;
    pto_tb_retire(tb);
    dev->nrecords = total < dev->cfg.trace_capacity ? total : dev->cfg.trace_capacity;

    if (stats) {
        memset(stats, 0, sizeof *stats);
        pto_sim_run_stats(dev->sim, stats);
        stats->tasks = total;
        stats->wall_ns = wall;
        stats->orch_ns = orch_ns;
        stats->records = dev->nrecords;
        stats->records_dropped = total - dev->nrecords;
    }
    int32_t fail = atomic_load(&rs->error_status);
    if (fail) {
        uint64_t id = atomic_load(&rs->error_task);
        pto_task *t = pto_tb_task(tb, id);
        dev->busy = 0;
        return pto_fail(err, (pto_status)fail,
                        "task t%llu: func_id %d has no registered kernel at dispatch",
                        (unsigned long long)id, t->func_id);
    }
    for (uint32_t i = 0; i < run->ncopies; i++)
        memcpy(run->copies[i].host, run->copies[i].dev, run->copies[i].bytes);
    dev->busy = 0;
    return PTO_OK;
}
