/* Flow control: the orchestrator's side of the five bounded resources and
 * of the task window (window.c). Getting room, stalling (with statistics)
 * until retirement -- for the window, completion -- frees it, and deciding
 * structurally that it never will: every published task has completed, yet
 * retiring frees nothing. Then the run fails with a report. */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/device.h"
#include "util/error.h"
#include "orchestration/run_internal.h"
#include "platform/platform.h"

#define PTO_STALL_SLICE_NS (UINT64_C(1) * 1000000u)

const char *pto_stall_name(pto_stall_reason r)
{
    static const char *const names[PTO_STALL_REASONS] = {
        "NONE",
        "TASK_RING_FULL",
        "TENSORMAP_POOL_FULL",
        "DEPLIST_POOL_FULL",
        "HEAP_ARENA_FULL",
        "READY_QUEUE_FULL",
        "CHANNEL_EMPTY_WAIT",
        "CHANNEL_FULL_WAIT",
        "TASK_WINDOW",
    };
    return (unsigned)r < PTO_STALL_REASONS ? names[r] : "UNKNOWN";
}

/* The bounded resources, one row each: the variable that sizes it (for
 * advice) and how to read its capacity, occupancy and high-water mark. A
 * new resource (the task window, a channel) is one more row. */
typedef struct flow_level {
    uint64_t capacity, in_use, high_water;
} flow_level;

static void ring_level(pto_device *d, flow_level *l)
{
    *l = (flow_level){d->tb.window, pto_tb_live(&d->tb), d->tb.live_high_water};
}
static void tmap_level(pto_device *d, flow_level *l)
{
    *l = (flow_level){d->tmap.capacity, d->tmap.live, d->tmap.high_water};
}
static void deps_level(pto_device *d, flow_level *l)
{
    *l =
        (flow_level){d->tb.deps.capacity, d->tb.deps.head - d->tb.deps.tail, d->tb.deps.high_water};
}
static void heap_level(pto_device *d, flow_level *l)
{
    *l = (flow_level){d->heap.size, pto_heap_used(&d->heap), d->heap.high_water};
}
static void ready_level(pto_device *d, flow_level *l)
{
    /* never full (each sized >= window); the fullest queue after a publication */
    *l = (flow_level){d->tb.ready[0].capacity, 0, d->tb.ready_high_water};
}
static void window_level(pto_device *d, flow_level *l)
{
    const pto_window *w = &d->run_handle->win;
    uint64_t done = atomic_load(&d->run_state.completed);
    *l = (flow_level){w->size, d->tb.next_id - done, w->high_water};
}

/* by_completion: room comes back as tasks complete, not as they retire
 * (a stall then waits for exactly the completions it lacks). */
static const struct flow_resource {
    const char *knob;
    void (*level)(pto_device *d, flow_level *l);
    int by_completion;
} resources[PTO_STALL_REASONS] = {
    [PTO_STALL_TASK_RING_FULL] = {"PTO_TASK_WINDOW", ring_level, 0},
    [PTO_STALL_TENSORMAP_POOL_FULL] = {"PTO_TENSORMAP", tmap_level, 0},
    [PTO_STALL_DEPLIST_POOL_FULL] = {"PTO_DEP_POOL", deps_level, 0},
    [PTO_STALL_HEAP_ARENA_FULL] = {"PTO_HEAP_BYTES", heap_level, 0},
    [PTO_STALL_READY_QUEUE_FULL] = {"PTO_READY_QUEUE", ready_level, 0},
    [PTO_STALL_TASK_WINDOW] = {"pto_run_config.task_window", window_level, 1},
};

static flow_level level(pto_device *dev, pto_stall_reason r)
{
    flow_level l = {0, 0, 0};
    if ((unsigned)r < PTO_STALL_REASONS && resources[r].level)
        resources[r].level(dev, &l);
    return l;
}

static const char *knob(pto_stall_reason r)
{
    return (unsigned)r < PTO_STALL_REASONS && resources[r].knob ? resources[r].knob
                                                                : "PTO_READY_QUEUE";
}

static uint64_t capacity(pto_device *dev, pto_stall_reason r) { return level(dev, r).capacity; }
static uint64_t in_use(pto_device *dev, pto_stall_reason r) { return level(dev, r).in_use; }

void pto_flow_fill_stats(pto_device *dev, pto_stats *st)
{
    for (int r = 0; r < PTO_STALL_REASONS; r++)
        if (resources[r].level) {
            flow_level l = level(dev, (pto_stall_reason)r);
            st->flow[r].capacity = l.capacity;
            st->flow[r].high_water = l.high_water;
        }
}

static uint64_t pow2_at_least(uint64_t x)
{
    uint64_t p = 1;
    while (p < x)
        p <<= 1;
    return p;
}

int pto_flow_has_room(pto_run *run, uint64_t deps, uint64_t tmap_entries)
{
    pto_device *dev = run->dev;
    return !run->failed && pto_tb_live(&dev->tb) < dev->tb.window &&
           pto_tb_dep_free(&dev->tb) >= deps && dev->tmap.capacity - dev->tmap.live >= tmap_entries;
}

void pto_flow_retire(pto_run *run)
{
    pto_device *dev = run->dev;
    pto_tb_retire(&dev->tb, run->scope_begin, run->scopes_open);
    pto_heap_release(&dev->heap, dev->tb.heap_mark);
}

/* A stalled orchestrator retires what it can: CSP fan-in markers that
 * completed hold retirement (retire_hold) until they are bound. */
static void retire_stalled(pto_run *run)
{
    if (run->csp.unbound)
        pto_csp_harvest(run);
    pto_flow_retire(run);
}

static int try_get(pto_run *run, pto_stall_reason r, uint64_t need, void **heap_out,
                   uint64_t *heap_mark)
{
    pto_device *dev = run->dev;
    if (r == PTO_STALL_HEAP_ARENA_FULL)
        return pto_heap_alloc(&dev->heap, need, heap_out, heap_mark) == 0;
    flow_level l = level(dev, r);
    if (l.capacity - l.in_use >= need)
        return 1;
    if (r != PTO_STALL_TENSORMAP_POOL_FULL)
        return 0;
    pto_tmap_retire(&dev->tmap, atomic_load(&dev->tb.last_alive));
    l = level(dev, r);
    return l.capacity - l.in_use >= need;
}

/* Why the oldest unretired task cannot retire; sets *scope_depth to the
 * open scope holding it, or -1. */
static void explain_oldest(pto_run *run, pto_error *e, int *scope_depth)
{
    pto_device *dev = run->dev;
    uint64_t f = atomic_load(&dev->tb.last_alive);
    *scope_depth = -1;
    if (f >= dev->tb.next_id) {
        pto_error_append(e, " No task is live.");
        return;
    }
    pto_task *t = pto_tb_task(&dev->tb, f);
    /* (not core_type: a predicate may be turning it into a dummy now) */
    const char *kname = t->func_id < 0 && !t->mix ? "dummy" : pto_kernel_name(dev, t->func_id);
    pto_error_append(e, " Oldest unretired task: t%llu (%s), ", (unsigned long long)f, kname);
    uint32_t state = atomic_load(&t->state);
    int32_t refs = (int32_t)pto_task_refs(t);
    if (state != PTO_TASK_COMPLETED) {
        pto_error_append(e, "%s, waiting on %d producer(s)%s.",
                         state == PTO_TASK_PENDING ? "not yet runnable" : "still running",
                         (int)pto_tb_waiting(&run->dev->tb, t),
                         f >= run->dev->tb.publish_next ? " and on its own wiring" : "");
        return;
    }
    int held = pto_tb_scope_holds(t, run->scope_begin, run->scopes_open);
    pto_error_append(e, "completed, but %d reference(s) remain", refs + held);
    if (held) {
        *scope_depth = t->scope_depth;
        const pto_scope *s = &run->scopes[t->scope_depth];
        pto_error_append(e, ": held by open scope '%s' (depth %u)%s.", s->name, t->scope_depth,
                         refs ? " and by consumers" : "");
    } else {
        pto_error_append(e, ": held by consumers that cannot run.");
    }
}

/* Writes the first part of the deadlock report into run->dl_err. */
static void deadlock_found(pto_run *run, pto_stall_reason r, uint64_t need)
{
    pto_device *dev = run->dev;
    pto_error *e = &run->dl_err;
    uint64_t window = dev->tb.window, live = pto_tb_live(&dev->tb);
    pto_fail(e, PTO_ERR_DEADLOCK,
             "deadlock: the orchestrator is stalled on %s (needs %llu, %llu of %llu in "
             "use) and no task can retire: every published task (%llu) has completed.",
             pto_stall_name(r), (unsigned long long)need, (unsigned long long)in_use(dev, r),
             (unsigned long long)capacity(dev, r), (unsigned long long)run->dev->tb.publish_next);
    pto_error_append(e, " Task window: %llu of %llu slots in use (%.0f%%), high-water %llu.",
                     (unsigned long long)live, (unsigned long long)window,
                     100.0 * (double)live / (double)window,
                     (unsigned long long)dev->tb.live_high_water);
    int depth;
    explain_oldest(run, e, &depth);
    pto_error_append(e, " Scope depth %u:", run->depth);
    for (uint32_t d = 0; d <= run->depth; d++)
        pto_error_append(e, "%s '%s' opened at t%llu (%llu task(s) submitted since)", d ? "," : "",
                         run->scopes[d].name, (unsigned long long)run->scope_begin[d],
                         (unsigned long long)(pto_run_vnext(run) - run->scope_begin[d]));
    pto_error_append(e, ".");
    run->dl.reason = r;
    run->dl.need = need;
    run->dl.in_use = in_use(dev, r);
    run->dl.drained_need = 0;
    run->dl.scope_depth = depth < 0 ? 0 : (uint32_t)depth;
    snprintf(run->dl.scope_name, sizeof run->dl.scope_name, "%s",
             run->scopes[run->dl.scope_depth].name);
    run->dl.scope_closed = 0;
    run->failed = 1;
}

void pto_flow_drained(pto_run *run, pto_stall_reason reason, uint64_t units)
{
    if (run->failed && !run->dl.scope_closed && run->dl.reason == reason)
        run->dl.drained_need += units;
}

void pto_flow_finish_report(pto_run *run, pto_error *err)
{
    pto_device *dev = run->dev;
    pto_deadlock *dl = &run->dl;
    const pto_scope *s = &run->scopes[dl->scope_depth];
    if (!dl->scope_closed) { /* still open when the orchestration returned */
        dl->scope_tasks = pto_run_vnext(run) - run->scope_begin[dl->scope_depth];
        dl->scope_heap = run->heap_requested - s->heap_bytes;
    }
    pto_error *e = &run->dl_err;
    const char *name = dl->scope_name;
    uint64_t cap = capacity(dev, dl->reason);
    pto_error_append(e, " Scope '%s' submits %llu task(s) in all.", name,
                     (unsigned long long)dl->scope_tasks);
    pto_error_append(e, " Mitigation: ");
    if (dl->scope_depth == 0)
        pto_error_append(e, "tasks outside every scope belong to the run's implicit scope "
                            "and retire only when the orchestration returns; wrap each "
                            "step in pto_scope_begin/pto_scope_end, or ");
    switch (dl->reason) {
    case PTO_STALL_TASK_RING_FULL:
        if (dl->scope_tasks >= cap)
            pto_error_append(e,
                             "task window %llu < %llu tasks in scope '%s'; use %s >= %llu "
                             "or split the scope.",
                             (unsigned long long)cap, (unsigned long long)dl->scope_tasks, name,
                             knob(dl->reason),
                             (unsigned long long)pow2_at_least(2 * dl->scope_tasks));
        else
            pto_error_append(e, "use %s >= %llu or end scopes sooner.", knob(dl->reason),
                             (unsigned long long)pow2_at_least(2 * cap));
        break;
    case PTO_STALL_HEAP_ARENA_FULL:
        pto_error_append(e,
                         "heap arena %llu bytes; scope '%s' allocates %llu bytes of "
                         "outputs; use %s >= %llu or split the scope.",
                         (unsigned long long)cap, name, (unsigned long long)dl->scope_heap,
                         knob(dl->reason),
                         (unsigned long long)(2 * (dl->scope_heap > cap ? dl->scope_heap : cap)));
        break;
    case PTO_STALL_TENSORMAP_POOL_FULL:
    case PTO_STALL_DEPLIST_POOL_FULL: {
        /* What the scope holds at once (see pto_deadlock), rounded up to the
         * power of two the pool needs: following the advice once works. */
        uint64_t held = dl->in_use + dl->need + dl->drained_need;
        pto_error_append(e,
                         "%s %llu is too small: scope '%s' holds %llu at once (%llu in "
                         "use at the stall, %llu more asked for before it ended); use %s "
                         ">= %llu or split scope '%s'.",
                         pto_stall_name(dl->reason), (unsigned long long)cap, name,
                         (unsigned long long)held, (unsigned long long)dl->in_use,
                         (unsigned long long)(dl->need + dl->drained_need), knob(dl->reason),
                         (unsigned long long)pow2_at_least(held), name);
        break;
    }
    case PTO_STALL_TASK_WINDOW: /* cannot happen today: see window.c */
        pto_error_append(e,
                         "task window of %llu tasks in flight; raise %s (pto run "
                         "--task-window) or set it to 0 (unlimited).",
                         (unsigned long long)cap, knob(dl->reason));
        break;
    default:
        pto_error_append(e,
                         "%s %llu is too small for the tasks alive at once; use %s >= %llu "
                         "or split scope '%s'.",
                         pto_stall_name(dl->reason), (unsigned long long)cap, knob(dl->reason),
                         (unsigned long long)pow2_at_least(2 * cap), name);
    }
    if (err)
        *err = *e;
}

/* A wait after the watchdog fired in this run would only time out again:
 * fail at once (the report stays in run->wd_err for pto_launch). */
static int dead(pto_run *run, pto_error *err)
{
    if (!atomic_load_explicit(&run->dev->broken, memory_order_relaxed))
        return 0;
    pto_fail(err, PTO_ERR_TIMEOUT, "the run timed out (watchdog); nothing more can run");
    return 1;
}

pto_status pto_flow_acquire(pto_run *run, pto_stall_reason r, uint64_t need, void **heap_out,
                            uint64_t *heap_mark, pto_error *err)
{
    if (run->failed)
        return PTO_OK;
    pto_device *dev = run->dev;
    uint64_t cap = capacity(dev, r);
    if (need > cap)
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "%s: a single request for %llu exceeds the capacity %llu; "
                        "raise %s",
                        pto_stall_name(r), (unsigned long long)need, (unsigned long long)cap,
                        knob(r));
    if (try_get(run, r, need, heap_out, heap_mark))
        return PTO_OK;
    pto_run_state *rs = &dev->run_state;
    uint64_t c = atomic_load(&rs->completed); /* read before retiring: see below */
    retire_stalled(run);
    if (try_get(run, r, need, heap_out, heap_mark))
        return PTO_OK;
    if (run->cfg.mode == PTO_MODE_HOST_BUILT) {
        if (r == PTO_STALL_TASK_RING_FULL)
            return pto_fail(err, PTO_ERR_CAPACITY,
                            "TASK_RING_FULL: a host-built graph must fit the task window "
                            "(%llu tasks); raise PTO_TASK_WINDOW to at least %llu",
                            (unsigned long long)cap, (unsigned long long)(2 * cap));
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "%s: a host-built graph must fit the resource (%llu); raise %s",
                        pto_stall_name(r), (unsigned long long)cap, knob(r));
    }

    if (dead(run, err))
        return PTO_ERR_TIMEOUT;
    pto_flow_stats *fs = &run->flow_stats->flow[r];
    uint64_t t0 = pto_now_ns();
    pto_watchdog wd;
    pto_watchdog_start(&wd, rs, run->cfg.watchdog_ms);
    fs->stalls++;
    pto_status st = PTO_OK;
    while (run->cfg.deterministic) {
        /* Waiting = advancing the simulation by one completion. */
        int progressed = pto_platform_advance(dev);
        retire_stalled(run);
        if (try_get(run, r, need, heap_out, heap_mark))
            break;
        if (!progressed) {
            deadlock_found(run, r, need);
            break;
        }
    }
    /* Room comes back only as tasks retire: sleep until a batch of them
     * has completed (a sixteenth of the window, or every published task),
     * instead of re-checking at every completion — on a host with fewer
     * CPUs than threads that spinning took the schedulers' CPU. */
    uint64_t batch = dev->tb.window / 16 ? dev->tb.window / 16 : 1;
    int by_completion = resources[r].by_completion;
    while (!run->cfg.deterministic) {
        /* c was read before the last retire: if every published task had
         * completed by then and retiring still freed too little, nothing
         * can ever free more. */
        uint64_t published = run->dev->tb.publish_next;
        if (c == published) {
            deadlock_found(run, r, need);
            break;
        }
        uint64_t at = c + batch < published ? c + batch : published;
        if (by_completion) { /* the completions that make room, no more */
            flow_level l = level(dev, r);
            uint64_t lack = l.in_use + need > l.capacity ? l.in_use + need - l.capacity : 1;
            at = c + lack < published ? c + lack : published;
        }
        atomic_store_explicit(&rs->progress_at, at, memory_order_relaxed);
        uint32_t seen = pto_event_prepare(&rs->progress);
        /* A completion reaching `at` after prepare sees this waiter. */
        if (atomic_load(&rs->completed) < at)
            pto_event_wait(&rs->progress, seen, PTO_STALL_SLICE_NS);
        else
            pto_event_cancel(&rs->progress);
        c = atomic_load(&rs->completed);
        retire_stalled(run);
        if (try_get(run, r, need, heap_out, heap_mark))
            break;
        if (pto_watchdog_expired(&wd, c)) {
            st = pto_run_watchdog(run, err,
                                  "watchdog: the orchestrator stalled on %s and no task "
                                  "completed for %u ms (%llu of %llu published tasks done).",
                                  pto_stall_name(r), run->cfg.watchdog_ms, (unsigned long long)c,
                                  (unsigned long long)run->dev->tb.publish_next);
            break;
        }
    }
    fs->stall_ns += pto_now_ns() - t0;
    return st;
}

pto_status pto_flow_wait_progress(pto_run *run, uint64_t seen, const char *what, int *progressed,
                                  pto_error *err)
{
    pto_device *dev = run->dev;
    pto_run_state *rs = &dev->run_state;
    *progressed = 1;
    pto_run_publish(run);
    if (run->cfg.deterministic) {
        *progressed = pto_platform_advance(dev);
        return PTO_OK;
    }
    if (dead(run, err))
        return PTO_ERR_TIMEOUT;
    pto_watchdog wd;
    pto_watchdog_start(&wd, rs, run->cfg.watchdog_ms);
    while (atomic_load(&rs->completed) == seen) {
        if (seen == dev->tb.publish_next) { /* nothing is in flight */
            *progressed = 0;
            return PTO_OK;
        }
        /* The completer's count increment (a seq_cst RMW, see
         * pto_run_state_add_completed) after prepare sees this waiter. */
        atomic_store_explicit(&rs->progress_at, seen + 1, memory_order_relaxed);
        uint32_t ev = pto_event_prepare(&rs->progress);
        if (atomic_load(&rs->completed) != seen) {
            pto_event_cancel(&rs->progress);
            break;
        }
        pto_event_wait(&rs->progress, ev, PTO_STALL_SLICE_NS);
        if (pto_watchdog_expired(&wd, atomic_load(&rs->completed)))
            return pto_run_watchdog(run, err, "watchdog: %s: no task completed for %u ms.", what,
                                    run->cfg.watchdog_ms);
    }
    return PTO_OK;
}

pto_status pto_flow_wait_task(pto_run *run, uint64_t id, pto_error *err)
{
    pto_device *dev = run->dev;
    pto_task *t = pto_tb_task(&dev->tb, id);
    for (;;) {
        /* The count before the state check: a completion after it wakes. */
        uint64_t seen = atomic_load(&dev->run_state.completed);
        if (id < atomic_load(&dev->tb.last_alive) ||
            atomic_load_explicit(&t->state, memory_order_acquire) == PTO_TASK_COMPLETED)
            return PTO_OK;
        int progressed;
        pto_status st = pto_flow_wait_progress(run, seen, "pto_read", &progressed, err);
        if (st)
            return st;
        if (!progressed)
            return pto_fail(err, PTO_ERR_STATE, "pto_read: t%llu can never complete",
                            (unsigned long long)id);
    }
}
