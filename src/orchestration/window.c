/* task_window(size, unit, mode) (DESIGN 6.2): a bound on the tasks in
 * flight -- submitted and not completed -- checked as each task is
 * submitted. A scheduling bound, distinct from the task ring: the ring
 * bounds the tasks not yet retired (a completed task still holds its slot
 * while its scope is open), the window only those not yet completed.
 *
 * Can a STALL wait forever? No: the orchestrator publishes every task it
 * has wired before it waits, and every task in flight depends only on
 * earlier tasks (in a streamed run pto_add_dep wires only the newest task,
 * and inference finds only earlier writers and readers), so by induction
 * on the id every published task becomes ready, runs and completes -- a
 * kernel that never returns is the watchdog's case, and a failed kernel
 * completes too. Waiting for one completion therefore always ends. The
 * wait still goes through pto_flow_acquire, whose structural deadlock test
 * (every published task completed, still no room) is shared with the
 * resources, so that a future way of holding a task back (CSP channels)
 * would end in a report naming the window instead of a hang. */
#include <stdio.h>

#include "core/device.h"
#include "orchestration/run_internal.h"

static const char *unit_name(pto_window_unit u)
{
    static const char *const names[] = {"tasks", "bytes", "entries"};
    return (unsigned)u < sizeof names / sizeof names[0] ? names[u] : "?";
}

static const char *mode_name(pto_window_mode m)
{
    static const char *const names[] = {"STALL", "ABORT", "BENCHMARK"};
    return (unsigned)m < sizeof names / sizeof names[0] ? names[m] : "?";
}

/* The capability matrix row of the window a run asks for. */
static pto_cap_row window_row(const pto_run_config *cfg)
{
    if (cfg->window_unit == PTO_WINDOW_BYTES)
        return PTO_ROW_WINDOW_BYTES;
    if (cfg->window_unit == PTO_WINDOW_ENTRIES)
        return PTO_ROW_WINDOW_ENTRIES;
    switch (cfg->window_mode) {
    case PTO_WINDOW_ABORT: return PTO_ROW_WINDOW_TASKS_ABORT;
    case PTO_WINDOW_BENCHMARK: return PTO_ROW_WINDOW_TASKS_BENCHMARK;
    default:
        return cfg->mode == PTO_MODE_HOST_BUILT ? PTO_ROW_WINDOW_TASKS_STALL_HOST_BUILT
                                                : PTO_ROW_WINDOW_TASKS_STALL;
    }
}

pto_status pto_window_begin(pto_run *run, pto_error *err)
{
    const pto_run_config *cfg = &run->cfg;
    pto_window *w = &run->win;
    *w = (pto_window){.size = cfg->task_window, .mode = cfg->window_mode};
    if ((unsigned)cfg->window_unit > PTO_WINDOW_ENTRIES)
        return pto_fail(err, PTO_ERR_INVALID,
                        "pto_launch: window_unit %d is not a pto_window_unit (PTO_WINDOW_TASKS, "
                        "PTO_WINDOW_BYTES or PTO_WINDOW_ENTRIES)",
                        (int)cfg->window_unit);
    if ((unsigned)cfg->window_mode > PTO_WINDOW_BENCHMARK)
        return pto_fail(err, PTO_ERR_INVALID,
                        "pto_launch: window_mode %d is not a pto_window_mode (PTO_WINDOW_STALL, "
                        "PTO_WINDOW_ABORT or PTO_WINDOW_BENCHMARK)",
                        (int)cfg->window_mode);
    if (!w->size)
        return PTO_OK; /* unlimited: no directive */
    char what[96];
    snprintf(what, sizeof what, "task_window(%u, %s, %s)", w->size, unit_name(cfg->window_unit),
             mode_name(cfg->window_mode));
    pto_cap_level level;
    pto_status st = pto_run_require(run, window_row(cfg), what, &level, err);
    if (st)
        return st;
    /* The matrix decides: DIAGNOSED means ignored. */
    w->active = level == PTO_CAP_ENFORCED || level == PTO_CAP_RECORDED;
    w->cycles = w->active && w->mode == PTO_WINDOW_STALL && !cfg->deterministic;
    atomic_store_explicit(&run->dev->tb.track_done, (uint32_t)w->cycles, memory_order_relaxed);
    return PTO_OK;
}

pto_status pto_window_admit(pto_run *run, pto_error *err)
{
    pto_window *w = &run->win;
    if (run->failed) /* after a deadlock: submissions are only counted */
        return PTO_OK;
    if (w->aborted) {
        if (err)
            *err = w->err;
        return PTO_ERR_CAPACITY;
    }
    pto_device *dev = run->dev;
    pto_run_state *rs = &dev->run_state;
    uint64_t id = dev->tb.next_id;
    uint64_t done = atomic_load(&rs->completed);
    if (id - done >= w->size) {
        switch (w->mode) {
        case PTO_WINDOW_BENCHMARK: /* record only: the wait it would have been */
            run->flow_stats->flow[PTO_STALL_TASK_WINDOW].stalls++;
            break;
        case PTO_WINDOW_ABORT:
            w->aborted = 1;
            pto_fail(&w->err, PTO_ERR_CAPACITY,
                     "task_window(%u, tasks, ABORT) exceeded: submitting t%llu would put "
                     "%llu tasks in flight (submitted, not completed), more than the window "
                     "of %u; raise pto_run_config.task_window (pto run --task-window) or "
                     "use mode STALL",
                     w->size, (unsigned long long)id, (unsigned long long)(id - done + 1), w->size);
            if (err)
                *err = w->err;
            return PTO_ERR_CAPACITY;
        default: {
            /* A stall is a submission that found the window full, also when
             * the completion it needed came while the held-back tasks were
             * being published (pto_flow_acquire counts only real waits). */
            uint64_t *stalls = &run->flow_stats->flow[PTO_STALL_TASK_WINDOW].stalls;
            uint64_t before = *stalls;
            pto_run_publish(run); /* what is in flight must be able to complete */
            pto_status st = pto_flow_acquire(run, PTO_STALL_TASK_WINDOW, 1, 0, 0, err);
            if (*stalls == before)
                ++*stalls;
            if (st || run->failed)
                return st;
            done = atomic_load(&rs->completed);
        }
        }
    }
    if (id - done + 1 > w->high_water)
        w->high_water = id - done + 1;
    /* Threaded: the tasks admitted once the window had filled wait, in
     * semantic time, for the completions that admitted them -- the latest
     * end among the tasks completed by now (read after the count, so it
     * covers them). Exact for window 1, where that is every earlier task;
     * for a larger window it depends on which tasks the host completed
     * first. Deterministic runs need nothing: tb.now_cycle is the
     * simulation clock, which the wait advanced. */
    if (w->cycles && id >= w->size) {
        uint64_t c = atomic_load_explicit(&dev->tb.done_cycle, memory_order_relaxed);
        if (c > dev->tb.now_cycle)
            dev->tb.now_cycle = c;
    }
    return PTO_OK;
}
