/* Launch: host-built runs orchestrate on the calling thread, then publish
 * every task; streamed runs orchestrate on an AICPU orchestrator thread
 * while the schedulers dispatch. Both then wait (with a watchdog), gather
 * statistics and perform the copy-backs. */
#include "orchestration/run_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bits.h"
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

static pto_status end_orchestration(pto_run *run, pto_status st, pto_error *err);

typedef struct orch_job {
    pto_run *run;
    pto_orch_fn fn;
    void *ctx;
    pto_error *err;
    pto_status st;
    uint64_t ns, cpu_ns;
} orch_job;

static void run_job(orch_job *j)
{
    uint64_t t0 = pto_now_ns(), c0 = pto_thread_cpu_ns();
    j->st = j->fn(j->run, j->ctx, j->err);
    j->st = end_orchestration(j->run, j->st, j->err);
    j->ns = pto_now_ns() - t0;
    j->cpu_ns = pto_thread_cpu_ns() - c0;
}

/* The AICPU orchestrator thread: created with the device, parked between
 * streamed runs, so a launch costs a wake instead of a thread. */
static void *orch_main(void *arg)
{
    pto_run *run = arg;
    int pinned = 0;
    for (;;) {
        uint32_t seen = pto_event_prepare(&run->orch_ev);
        orch_job *j = atomic_load_explicit(&run->orch_job, memory_order_acquire);
        if (!j && !atomic_load(&run->orch_exit)) {
            pto_event_wait(&run->orch_ev, seen, 0);
            continue;
        }
        pto_event_cancel(&run->orch_ev);
        if (!j)
            return 0; /* exit */
        if (!pinned++)
            pto_sim_pin(run->dev->sim, run->dev->cfg.schedulers);
        run_job(j);
        atomic_store_explicit(&run->orch_job, NULL, memory_order_release);
        pto_event_signal(&run->orch_done);
    }
}

/* Runs j on the orchestrator thread (or here, if it could not start). */
static void orchestrate_streamed(pto_run *run, orch_job *j)
{
    if (!run->orch_started) {
        run_job(j);
        return;
    }
    atomic_store_explicit(&run->orch_job, j, memory_order_release);
    pto_event_signal(&run->orch_ev);
    for (;;) {
        uint32_t seen = pto_event_prepare(&run->orch_done);
        if (!atomic_load_explicit(&run->orch_job, memory_order_acquire)) {
            pto_event_cancel(&run->orch_done);
            return;
        }
        pto_event_wait(&run->orch_done, seen, 0);
    }
}

pto_status pto_run_create(pto_device *dev, struct pto_run **out, pto_error *err)
{
    struct pto_run *run = pto_zalloc_lines(sizeof *run);
    if (run) {
        run->producers = malloc((size_t)dev->cfg.task_window * sizeof *run->producers);
        run->seen = calloc(dev->cfg.task_window, sizeof *run->seen);
    }
    if (!run || !run->producers || !run->seen) {
        pto_run_destroy(run);
        return pto_fail(err, PTO_ERR_NOMEM, "run object");
    }
    run->dev = dev;
    pto_event_init(&run->orch_ev);
    pto_event_init(&run->orch_done);
    run->orch_started = pthread_create(&run->orch_thread, 0, orch_main, run) == 0;
    *out = run;
    return PTO_OK;
}

void pto_run_destroy(struct pto_run *run)
{
    if (!run)
        return;
    if (run->orch_started) {
        atomic_store(&run->orch_exit, 1);
        pto_event_signal(&run->orch_ev);
        pthread_join(run->orch_thread, 0);
    }
    free(run->producers);
    free(run->seen);
    free(run);
}

pto_device *pto_run_device(pto_run *run) { return run ? run->dev : 0; }

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
    pto_watchdog wd;
    pto_watchdog_start(&wd, rs, watchdog_ms);
    for (;;) {
        uint32_t seen = pto_event_prepare(&rs->done);
        uint64_t c = atomic_load_explicit(&rs->completed, memory_order_acquire);
        if (c == atomic_load(&rs->total)) {
            pto_event_cancel(&rs->done);
            return PTO_OK;
        }
        pto_event_wait(&rs->done, seen, PTO_WAIT_SLICE_NS);
        if (pto_watchdog_expired(&wd, atomic_load_explicit(&rs->completed,
                                                           memory_order_acquire))) {
            dev->broken = 1;
            return watchdog_report(dev, watchdog_ms, err);
        }
    }
}

/* Resets the device's run state and resources for a new launch. */
static void run_reset(pto_device *dev, const pto_run_config *cfg, pto_stats *stats)
{
    pto_run *run = dev->run_handle;
    run->cfg = *cfg;
    run->ncopies = 0;
    run->failed = 0;
    run->batch = cfg->mode != PTO_MODE_STREAMED || cfg->deterministic ? 1
                 : cfg->publish_batch ? cfg->publish_batch
                                      : PTO_PUBLISH_BATCH;
    run->drained = run->heap_requested = 0;
    run->bounds = cfg->check_bounds || dev->cfg.check_bounds;
    dev->bounds_run = run->bounds;
    atomic_store(&dev->bounds.claimed, 0);
    memset(&run->vcache, 0, sizeof run->vcache);
    run->vcache.epoch = pto_gm_epoch(dev->gm);
    memset(&run->dl, 0, sizeof run->dl);
    run->flow_stats = stats ? stats : &run->own_stats;
    memset(run->flow_stats, 0, sizeof *run->flow_stats);
    pto_tb_reset(&dev->tb);
    pto_tmap_reset(&dev->tmap);
    pto_heap_reset(&dev->heap);
    pto_run_scopes_reset(run);
    atomic_store(&dev->run.completed, 0);
    atomic_store(&dev->run.error_status, 0);
    atomic_store(&dev->run.error_task, 0);
    atomic_store(&dev->run.total, UINT64_MAX);
    dev->nrecords = 0;
}

/* Ends the orchestration: publishes the held-back task, closes scopes the
 * function left open (an error, but their tasks must still retire), gives
 * back the implicit scope and fixes the run's task count. */
static pto_status end_orchestration(pto_run *run, pto_status st, pto_error *err)
{
    pto_run_publish(run);
    if (run->depth && st == PTO_OK && !run->failed)
        st = pto_fail(err, PTO_ERR_STATE,
                      "orchestration returned with scope '%s' (depth %u) still open",
                      run->scopes[run->depth].name, run->depth);
    while (run->depth)
        pto_run_scope_closed(run, run->depth--);
    pto_run_scope_closed(run, 0);
    run->building = 0;
    uint64_t published = run->dev->tb.publish_next;
    atomic_store(&run->dev->run.total, published);
    if (atomic_load(&run->dev->run.completed) == published)
        pto_event_signal(&run->dev->run.done);
    return st;
}

static void fill_flow_stats(pto_device *dev, pto_stats *st)
{
    pto_run *run = dev->run_handle;
    pto_flow_stats *f = st->flow;
    f[PTO_STALL_TASK_RING_FULL].capacity = dev->tb.window;
    f[PTO_STALL_TASK_RING_FULL].high_water = dev->tb.live_high_water;
    f[PTO_STALL_TENSORMAP_POOL_FULL].capacity = dev->tmap.capacity;
    f[PTO_STALL_TENSORMAP_POOL_FULL].high_water = dev->tmap.high_water;
    f[PTO_STALL_DEPLIST_POOL_FULL].capacity = dev->tb.deps.capacity;
    f[PTO_STALL_DEPLIST_POOL_FULL].high_water = dev->tb.deps.high_water;
    f[PTO_STALL_HEAP_ARENA_FULL].capacity = dev->heap.size;
    f[PTO_STALL_HEAP_ARENA_FULL].high_water = dev->heap.high_water;
    f[PTO_STALL_READY_QUEUE_FULL].capacity = dev->tb.ready[0].capacity;
    st->stall_reason = run->failed ? run->dl.reason : PTO_STALL_NONE;
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
    if (cfg.mode != PTO_MODE_HOST_BUILT && cfg.mode != PTO_MODE_STREAMED)
        return pto_fail(err, PTO_ERR_INVALID, "pto_launch: unknown run mode %d", cfg.mode);
    if (cfg.mode == PTO_MODE_STREAMED && dev->cfg.schedulers + 1 > PTO_MAX_AICPU_THREADS)
        return pto_fail(err, PTO_ERR_INVALID,
                        "pto_launch: a streamed run needs one AICPU thread to orchestrate; "
                        "with %u schedulers that is %u > %d AICPU threads",
                        dev->cfg.schedulers, dev->cfg.schedulers + 1, PTO_MAX_AICPU_THREADS);

    dev->busy = 1;
    pto_run *run = dev->run_handle;
    run_reset(dev, &cfg, stats);
    pto_run_state *rs = &dev->run;
    pto_task_buffer *tb = &dev->tb;
    pto_status st;
    uint64_t orch_ns, orch_cpu_ns;

    if (cfg.mode == PTO_MODE_HOST_BUILT) {
        /* The whole graph is built before anything runs. */
        uint64_t t_orch = pto_now_ns(), c_orch = pto_thread_cpu_ns();
        run->building = 1;
        st = orch(run, ctx, err);
        run->building = 0;
        orch_ns = pto_now_ns() - t_orch;
        orch_cpu_ns = pto_thread_cpu_ns() - c_orch;
        if (st == PTO_OK && run->depth)
            st = pto_fail(err, PTO_ERR_STATE,
                          "orchestration returned with scope '%s' (depth %u) still open",
                          run->scopes[run->depth].name, run->depth);
        if (st != PTO_OK) {
            dev->busy = 0;
            if (err && err->status != st)
                pto_fail(err, st, "orchestration failed with %s", pto_status_name(st));
            return st;
        }
        uint64_t total = tb->next_id;
        atomic_store(&rs->total, total);
        pto_sim_run_prepare(dev->sim);
        rs->t0 = pto_now_ns();
        dev->executing = 1;
        if (!cfg.deterministic) {
            atomic_store_explicit(&rs->active, 1, memory_order_release);
            pto_sim_wake_schedulers(dev->sim);
        }
        pto_tb_publish_upto(tb, total);
        if (cfg.deterministic) {
            pto_des_begin(dev->sim);
            while (pto_des_step(dev->sim))
                ;
        } else {
            pto_sim_wake_schedulers(dev->sim);
        }
    } else if (cfg.deterministic) {
        /* The whole run on this thread: orchestration drives the simulation
         * whenever it waits, and the simulation finishes after it. */
        pto_sim_run_prepare(dev->sim);
        rs->t0 = pto_now_ns();
        dev->executing = 1;
        pto_des_begin(dev->sim);
        uint64_t t_orch = pto_now_ns(), c_orch = pto_thread_cpu_ns();
        run->building = 1;
        st = orch(run, ctx, err);
        st = end_orchestration(run, st, err);
        orch_ns = pto_now_ns() - t_orch;
        orch_cpu_ns = pto_thread_cpu_ns() - c_orch;
        while (pto_des_step(dev->sim))
            ;
    } else {
        pto_sim_run_prepare(dev->sim);
        rs->t0 = pto_now_ns();
        dev->executing = 1;
        atomic_store_explicit(&rs->active, 1, memory_order_release);
        orch_job job = {run, orch, ctx, err, PTO_OK, 0, 0};
        run->building = 1;
        orchestrate_streamed(run, &job);
        orch_ns = job.ns;
        orch_cpu_ns = job.cpu_ns;
        st = job.st;
    }

    pto_status wst = wait_done(dev, cfg.watchdog_ms, err);
    uint64_t wall = pto_now_ns() - rs->t0;
    if (wst != PTO_OK)
        return wst; /* device stays busy and broken: threads may hold tasks */
    atomic_store_explicit(&rs->active, 0, memory_order_release);
    int bounds_failed = atomic_load(&dev->bounds.claimed);
    if (bounds_failed) /* reported below; the next run starts with intact red zones */
        pto_gm_rearm_all(dev->gm);
    dev->executing = 0;
    pto_flow_retire(run);
    uint64_t total = atomic_load(&rs->total);
    dev->nrecords = total < dev->cfg.trace_capacity ? total : dev->cfg.trace_capacity;

    pto_stats *sp = run->flow_stats;
    pto_sim_run_stats(dev->sim, sp);
    sp->tasks = total;
    sp->wall_ns = wall;
    sp->orch_ns = orch_ns;
    sp->orch_cpu_ns = orch_cpu_ns;
    sp->records = dev->nrecords;
    sp->records_dropped = total - dev->nrecords;
    sp->edges = dev->tb.edge_n;
    sp->edges_dropped = dev->tb.edge_dropped;
    fill_flow_stats(dev, sp);
    dev->busy = 0;
    if (run->failed) {
        pto_flow_finish_report(run, err);
        return PTO_ERR_DEADLOCK;
    }
    if (st != PTO_OK)
        return st;
    if (bounds_failed) {
        if (err)
            *err = dev->bounds.err;
        return PTO_ERR_KERNEL;
    }
    int32_t fail = atomic_load(&rs->error_status);
    if (fail) {
        uint64_t id = atomic_load(&rs->error_task);
        pto_task *t = pto_tb_task(tb, id);
        return pto_fail(err, (pto_status)fail,
                        "task t%llu: func_id %d has no registered kernel at dispatch",
                        (unsigned long long)id, t->func_id);
    }
    for (uint32_t i = 0; i < run->ncopies; i++)
        memcpy(run->copies[i].host, run->copies[i].dev, run->copies[i].bytes);
    return PTO_OK;
}
