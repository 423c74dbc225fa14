/* Launch: host-built runs orchestrate on the calling thread, then publish
 * every task; streamed runs orchestrate on an AICPU orchestrator thread
 * while the schedulers dispatch. Both then wait (with a watchdog), gather
 * statistics and perform the copy-backs. */
#include "orchestration/run_internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bits.h"
#include "core/clock.h"
#include "core/device.h"
#include "util/error.h"
#include "platform/platform.h"
#include "util/thread.h"

#define PTO_WAIT_SLICE_NS (UINT64_C(20) * 1000000u)

void pto_run_config_default(pto_run_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->mode = PTO_MODE_HOST_BUILT;
    cfg->watchdog_ms = 60000;
}

static pto_status end_orchestration(pto_run *run, pto_status st, pto_error *err);

/* Work for the orchestrator thread: the orchestration (if fn), then, in
 * a deterministic run (simulate), the rest of the simulation. */
typedef struct orch_job {
    pto_run *run;
    pto_orch_fn fn;
    void *ctx;
    pto_error *err;
    int simulate;
    pto_status st;
    uint64_t ns, cpu_ns;
} orch_job;

static void run_job(orch_job *j)
{
    pto_device *dev = j->run->dev;
    if (j->simulate)
        dev->plat_mode->start(dev->plat_impl);
    if (j->fn) {
        uint64_t t0 = pto_now_ns(), c0 = pto_thread_cpu_ns();
        j->st = j->fn(j->run, j->ctx, j->err);
        j->st = end_orchestration(j->run, j->st, j->err);
        j->ns = pto_now_ns() - t0;
        j->cpu_ns = pto_thread_cpu_ns() - c0;
    }
    if (j->simulate)
        while (pto_platform_advance(dev))
            ;
}

/* The AICPU orchestrator thread: created with the device, parked between
 * runs, so a launch costs a wake instead of a thread. It orchestrates
 * streamed runs and is the driver of deterministic ones (it runs their
 * simulation, kernels included), so the launching thread stays free to
 * keep the watchdog. */
static void *orch_main(void *arg)
{
    pto_run *run = arg;
    const pto_platform *plat = run->dev->plat;
    void *altstack = plat->thread_begin(run->dev);
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
            break; /* exit */
        if (!pinned++)
            plat->pin(run->dev->plat_impl, run->dev->cfg.schedulers);
        run_job(j);
        atomic_store_explicit(&run->orch_job, NULL, memory_order_release);
        pto_event_signal(&run->orch_done);
    }
    plat->thread_end(altstack);
    return 0;
}

static void post_job(pto_run *run, orch_job *j)
{
    atomic_store_explicit(&run->orch_job, j, memory_order_release);
    pto_event_signal(&run->orch_ev);
}

/* Runs j on the orchestrator thread and waits for it (a threaded run: the
 * orchestration's own waits have the watchdog). */
static void orchestrate_streamed(pto_run *run, orch_job *j)
{
    post_job(run, j);
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
        pto_run_free(run);
        return pto_fail(err, PTO_ERR_NOMEM, "run object");
    }
    run->dev = dev;
    pto_status st = pto_scalars_init(&run->sc, err);
    if (st) {
        pto_run_free(run);
        return st;
    }
    dev->tb.eval = pto_scalars_eval;
    dev->tb.eval_arg = run;
    pto_event_init(&run->orch_ev);
    pto_event_init(&run->orch_done);
    run->orch_started = pthread_create(&run->orch_thread, 0, orch_main, run) == 0;
    if (!run->orch_started) {
        pto_run_free(run);
        return pto_fail(err, PTO_ERR_NOMEM, "cannot start the AICPU orchestrator thread");
    }
    *out = run;
    return PTO_OK;
}

uint32_t pto_run_stop(struct pto_run *run, const struct timespec *deadline)
{
    if (!run || !run->orch_started)
        return 0;
    run->orch_started = 0;
    atomic_store(&run->orch_exit, 1);
    pto_event_signal(&run->orch_ev);
    return (uint32_t)pto_join_until(run->orch_thread, deadline);
}

void pto_run_free(struct pto_run *run)
{
    if (!run)
        return;
    free(run->producers);
    free(run->seen);
    pto_scalars_destroy(&run->sc);
    pto_csp_free(&run->csp);
    free(run);
}

pto_device *pto_run_device(pto_run *run) { return run ? run->dev : 0; }

/* The device cannot run again: its threads may hold a kernel that never
 * returns. Threads skip every kernel from now on (sim->dead). */
static void mark_dead(pto_device *dev)
{
    dev->broken = 1;
    dev->plat->kill(dev->plat_impl);
}

pto_status pto_run_watchdog(pto_run *run, pto_error *err, const char *fmt, ...)
{
    pto_device *dev = run->dev;
    pto_error *e = &run->wd_err;
    e->status = PTO_ERR_TIMEOUT;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    uint32_t cores[PTO_MAX_CORES], slots[PTO_MAX_CORES];
    uint32_t n = dev->plat->running(dev->plat_impl, cores, slots, PTO_MAX_CORES);
    for (uint32_t i = 0; i < n && i < 8; i++) {
        pto_task *t = &dev->tb.tasks[slots[i]];
        pto_error_append(e, " Still running: t%llu (kernel %s) on core %u (%s), func_id %d.",
                         (unsigned long long)t->id, pto_kernel_name(dev, t->func_id), cores[i],
                         pto_queue_name(pto_core_type_of(cores[i])), t->func_id);
    }
    if (!n)
        pto_error_append(e, " No core is running a task: the remaining tasks wait "
                            "on dependencies that cannot complete.");
    pto_error_append(e, " Raise the run's watchdog_ms (pto run --watchdog-ms, "
                        "PTO_WATCHDOG_MS) if kernels are this slow. The device is "
                        "unusable after this error; close it (threads stuck in a "
                        "kernel are abandoned).");
    mark_dead(dev);
    if (err)
        *err = *e;
    return PTO_ERR_TIMEOUT;
}

/* Waits until every task completed; PTO_ERR_TIMEOUT after watchdog_ms
 * without progress. */
static pto_status wait_done(pto_device *dev, uint32_t watchdog_ms, pto_error *err)
{
    pto_run_state *rs = &dev->run_state;
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
        c = atomic_load_explicit(&rs->completed, memory_order_acquire);
        if (pto_watchdog_expired(&wd, c))
            return pto_run_watchdog(dev->run_handle, err,
                                    "watchdog: no task completed for %u ms; %llu of %llu "
                                    "tasks done.",
                                    watchdog_ms, (unsigned long long)c,
                                    (unsigned long long)atomic_load(&rs->total));
    }
}

/* A deterministic run: j (the simulation, after the orchestration in a
 * streamed run) runs on the orchestrator thread, one hand-off per run;
 * this thread keeps the watchdog. The simulation runs one kernel at a
 * time and nothing completes while it does, so "no task completed for
 * watchdog_ms" is "one kernel call has lasted watchdog_ms" (des_since);
 * time spent in the orchestration function does not count. */
static pto_status drive_deterministic(pto_run *run, orch_job *j, pto_error *err)
{
    pto_device *dev = run->dev;
    const pto_platform *plat = dev->plat;
    uint64_t limit = (uint64_t)run->cfg.watchdog_ms * 1000000u;
    int timed_out = 0;
    post_job(run, j);
    for (;;) {
        uint32_t seen = pto_event_prepare(&run->orch_done);
        if (!atomic_load_explicit(&run->orch_job, memory_order_acquire) ||
            (timed_out && plat->gave_up(dev->plat_impl))) {
            pto_event_cancel(&run->orch_done);
            break;
        }
        pto_event_wait(&run->orch_done, seen, PTO_WAIT_SLICE_NS);
        uint64_t since = plat->kernel_since(dev->plat_impl);
        uint64_t now = pto_now_ns();
        if (!since || now < since || now - since < limit)
            continue;
        if (!timed_out) {
            timed_out = 1;
            pto_run_watchdog(run, 0,
                             "watchdog: no task completed for %u ms (the deterministic "
                             "simulation is inside one kernel); %llu task(s) done.",
                             run->cfg.watchdog_ms,
                             (unsigned long long)atomic_load(&dev->run_state.completed));
        }
        if (plat->confirm_stuck(dev->plat_impl, since))
            break;
    }
    if (!timed_out)
        return PTO_OK;
    if (err)
        *err = run->wd_err;
    return PTO_ERR_TIMEOUT;
}

/* Resets the device's run state and resources for a new launch. */
static void run_reset(pto_device *dev, const pto_run_config *cfg, const pto_policy_sel *policy,
                      pto_stats *stats)
{
    pto_run *run = dev->run_handle;
    run->cfg = *cfg;
    run->route_index = 0;
    run->has_key = 0;
    pto_scalars_reset(&run->sc);
    pto_csp_reset(&run->csp);
    run->ncopies = 0;
    run->failed = 0;
    run->batch = cfg->mode != PTO_MODE_STREAMED || cfg->deterministic ? 1
                 : cfg->publish_batch                                 ? cfg->publish_batch
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
    run->scopes[0].policy = *policy;
    atomic_store(&dev->run_state.completed, 0);
    atomic_store(&dev->run_state.error_status, 0);
    atomic_store(&dev->run_state.error_task, 0);
    atomic_store(&dev->run_state.total, UINT64_MAX);
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
    atomic_store(&run->dev->run_state.total, published);
    if (atomic_load(&run->dev->run_state.completed) == published)
        pto_event_signal(&run->dev->run_state.done);
    return st;
}

static void fill_flow_stats(pto_device *dev, pto_stats *st)
{
    pto_run *run = dev->run_handle;
    pto_flow_fill_stats(dev, st);
    st->stall_reason = run->failed ? run->dl.reason : PTO_STALL_NONE;
}

/* The outcome of a finished run (deadlock report, orchestration error,
 * kernel failure) or, when it succeeded, its copy-backs. Called while the
 * launch still holds dev->busy. */
static pto_status run_result(pto_device *dev, pto_status st, pto_error *err)
{
    pto_run *run = dev->run_handle;
    pto_run_state *rs = &dev->run_state;
    pto_task_buffer *tb = &dev->tb;
    if (run->failed) {
        pto_flow_finish_report(run, err);
        return PTO_ERR_DEADLOCK;
    }
    if (run->win.aborted) { /* whatever the orchestration did with the error */
        if (err)
            *err = run->win.err;
        return PTO_ERR_CAPACITY;
    }
    if (st != PTO_OK)
        return st;
    if (atomic_load(&dev->bounds.claimed)) { /* a kernel wrote outside its tensors */
        if (err)
            *err = dev->bounds.err;
        return PTO_ERR_KERNEL;
    }
    int32_t fail = atomic_load(&rs->error_status);
    if (fail == PTO_ERR_CAPACITY) { /* the only capacity failure of a task */
        uint64_t id = atomic_load(&rs->error_task);
        int func = (int32_t)(uint32_t)atomic_load(&rs->error_arg[2]);
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "semantic time overflow: task t%llu (kernel %s, func_id %d) starts "
                        "at cycle %llu and reports %llu cycles, so it would end past the "
                        "limit of %llu cycles (PTO_CYCLE_LIMIT = 2^56 - 1); times past it "
                        "are clamped to it",
                        (unsigned long long)id, pto_kernel_name(dev, func), func,
                        (unsigned long long)atomic_load(&rs->error_arg[0]),
                        (unsigned long long)atomic_load(&rs->error_arg[1]),
                        (unsigned long long)PTO_CYCLE_LIMIT);
    }
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

pto_status pto_launch(pto_device *dev, const pto_run_config *cfg_in, pto_orch_fn orch, void *ctx,
                      pto_stats *stats, pto_error *err)
{
    if (!dev || !orch)
        return pto_fail(err, PTO_ERR_INVALID, "pto_launch: device and orchestration required");
    if (dev->broken)
        return pto_fail(err, PTO_ERR_STATE,
                        "pto_launch: device is unusable after a watchdog timeout");
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

    const pto_platform_mode *mode =
        cfg.deterministic ? dev->plat->deterministic : dev->plat->threaded;
    if (!mode)
        return pto_fail(err, PTO_ERR_INVALID, "pto_launch: platform %s has no %s mode",
                        dev->plat->name, cfg.deterministic ? "deterministic" : "threaded");

    pto_policy_sel policy;
    pto_status st = pto_policy_parse(dev, cfg.dispatch, 0, "pto_launch", &policy, err);
    if (st)
        return st;

    int idle = 0; /* one run at a time: a concurrent launch fails here */
    if (!atomic_compare_exchange_strong(&dev->busy, &idle, 1))
        return pto_fail(err, PTO_ERR_STATE, "pto_launch: a run is already in progress");
    /* The run's lanes: their ready queues exist from now on (a run with
     * more lanes than any before makes them here, at run setup). */
    uint32_t lanes = pto_policy_lanes(dev, &policy);
    if ((st = pto_tb_targets_reserve(&dev->tb, lanes, dev->cfg.ready_queue, err))) {
        atomic_store(&dev->busy, 0);
        return st;
    }
    pto_lanes_build(&dev->lanes, dev->cores, dev->cfg.schedulers, lanes);
    if (!policy.n && policy.routes)
        policy.n = lanes;
    dev->plat_mode = mode;
    pto_run *run = dev->run_handle;
    run_reset(dev, &cfg, &policy, stats);
    /* The run's directives against the capability matrix, before anything
     * of it executes (its orchestration function included). */
    if ((st = pto_window_begin(run, err)) ||
        (st = pto_policy_require(run, &run->scopes[0].policy, err))) {
        atomic_store(&dev->busy, 0);
        return st;
    }
    dev->launches++;
    pto_run_state *rs = &dev->run_state;
    pto_task_buffer *tb = &dev->tb;
    uint64_t orch_ns, orch_cpu_ns;

    if (cfg.mode == PTO_MODE_HOST_BUILT) {
        /* The whole graph is built before anything runs. */
        uint64_t t_orch = pto_now_ns(), c_orch = pto_thread_cpu_ns();
        run->building = 1;
        pto_orchestrating = run; /* may (re)register kernels, see kernel.c */
        st = orch(run, ctx, err);
        pto_orchestrating = NULL;
        run->building = 0;
        orch_ns = pto_now_ns() - t_orch;
        orch_cpu_ns = pto_thread_cpu_ns() - c_orch;
        if (st == PTO_OK && run->depth)
            st = pto_fail(err, PTO_ERR_STATE,
                          "orchestration returned with scope '%s' (depth %u) still open",
                          run->scopes[run->depth].name, run->depth);
        if (run->win.aborted) { /* whatever the orchestration did with the error */
            st = PTO_ERR_CAPACITY;
            if (err)
                *err = run->win.err;
        }
        if (st != PTO_OK) {
            dev->busy = 0;
            if (err && err->status != st)
                pto_fail(err, st, "orchestration failed with %s", pto_status_name(st));
            return st;
        }
        uint64_t total = tb->next_id;
        atomic_store(&rs->total, total);
        dev->plat->prepare(dev->plat_impl);
        rs->t0 = pto_now_ns();
        dev->executing = 1;
        if (!cfg.deterministic) {
            atomic_store_explicit(&rs->active, 1, memory_order_release);
            dev->plat_mode->start(dev->plat_impl);
        }
        pto_tb_publish_upto(tb, total);
        if (cfg.deterministic) {
            orch_job job = {run, 0, 0, err, 1, PTO_OK, 0, 0};
            if (drive_deterministic(run, &job, err) != PTO_OK)
                return PTO_ERR_TIMEOUT; /* device stays busy and dead */
        } else {
            dev->plat_mode->start(dev->plat_impl);
        }
    } else if (cfg.deterministic) {
        /* The whole run on the driver thread: orchestration drives the
         * simulation whenever it waits, and the simulation finishes after. */
        dev->plat->prepare(dev->plat_impl);
        rs->t0 = pto_now_ns();
        dev->executing = 1;
        run->building = 1;
        orch_job job = {run, orch, ctx, err, 1, PTO_OK, 0, 0};
        if (drive_deterministic(run, &job, err) != PTO_OK)
            return PTO_ERR_TIMEOUT;
        orch_ns = job.ns;
        orch_cpu_ns = job.cpu_ns;
        st = job.st;
    } else {
        dev->plat->prepare(dev->plat_impl);
        rs->t0 = pto_now_ns();
        dev->executing = 1;
        atomic_store_explicit(&rs->active, 1, memory_order_release);
        orch_job job = {run, orch, ctx, err, 0, PTO_OK, 0, 0};
        run->building = 1;
        orchestrate_streamed(run, &job);
        orch_ns = job.ns;
        orch_cpu_ns = job.cpu_ns;
        st = job.st;
        if (dev->broken) { /* the orchestration's wait timed out */
            if (err)
                *err = run->wd_err;
            return PTO_ERR_TIMEOUT;
        }
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
    dev->plat->stats(dev->plat_impl, sp);
    sp->tasks = total;
    sp->skipped = pto_scalars_skipped(&run->sc);
    sp->wall_ns = wall;
    sp->orch_ns = orch_ns;
    sp->orch_cpu_ns = orch_cpu_ns;
    sp->records = dev->nrecords;
    sp->records_dropped = total - dev->nrecords;
    sp->edges = dev->tb.edge_n;
    sp->edges_dropped = dev->tb.edge_dropped;
    fill_flow_stats(dev, sp);
    pto_status rst = run_result(dev, st, err);
    atomic_store(&dev->busy, 0); /* after the last use of the run's state */
    return rst;
}
