/* State of the device's current run, shared by the host thread that launched
 * it and the scheduler threads.
 *
 * Invariants: written by the launching thread before `active` is set
 * (release) and read by schedulers after they observe it (acquire);
 * `completed` only grows during a run; the thread whose increment makes
 * completed == total signals `done`. error_* keep the first failure. */
#ifndef PTO_CORE_RUN_STATE_H
#define PTO_CORE_RUN_STATE_H

#include <stdatomic.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/park.h"
#include "pto/status.h"

typedef struct pto_run_state {
    _Atomic uint32_t active; /* schedulers serve ready queues while set */
    _Atomic uint64_t total;  /* tasks in the run; UINT64_MAX while a
                                      streamed orchestration may add more */
    uint64_t t0;             /* launch time, ns (pto_now_ns) */
    _Alignas(64) _Atomic uint64_t completed;
    _Atomic int32_t error_status; /* pto_status of the first kernel failure */
    _Atomic uint64_t error_task;
    _Atomic uint64_t error_arg[3]; /* PTO_ERR_CAPACITY: the task's start cycle,
                                      the cycles it reported, its func_id */
    pto_event done;                /* host waits for completed == total */
    pto_event progress;            /* a stalled orchestrator waits here */
    _Atomic uint64_t progress_at;  /* ... to be woken once completed reaches
                                      this (set by it before it parks; it is
                                      the only waiter) */
} pto_run_state;

/* Progress watchdog of a waiting thread: expires once no task has
 * completed for limit_ns. Owned by that thread. */
typedef struct pto_watchdog {
    uint64_t last, since, limit_ns;
} pto_watchdog;

static inline void pto_watchdog_start(pto_watchdog *w, pto_run_state *rs, uint32_t ms)
{
    w->last = atomic_load_explicit(&rs->completed, memory_order_acquire);
    w->since = pto_now_ns();
    w->limit_ns = (uint64_t)ms * 1000000u;
}

/* Call after each wait with the current completion count. */
static inline int pto_watchdog_expired(pto_watchdog *w, uint64_t completed)
{
    uint64_t now = pto_now_ns();
    if (completed != w->last) {
        w->last = completed;
        w->since = now;
        return 0;
    }
    return now - w->since >= w->limit_ns;
}

/* Adds n completions; signals `done` when the run is complete. */
static inline void pto_run_state_add_completed(pto_run_state *rs, uint64_t n)
{
    /* seq_cst: it orders the count before the load of the progress
     * waiters, which then needs no fence (see pto_event_signal). */
    uint64_t c = atomic_fetch_add(&rs->completed, n) + n;
    /* A late reader may see the next run's total: a spurious signal is
     * harmless, the waiter re-checks. */
    if (c == atomic_load_explicit(&rs->total, memory_order_relaxed))
        pto_event_signal(&rs->done);
    /* Seeing the waiter (acquire) makes its progress_at visible. */
    if (atomic_load(&rs->progress.waiters) &&
        c >= atomic_load_explicit(&rs->progress_at, memory_order_relaxed))
        pto_event_signal(&rs->progress);
}

/* Records the first failure of the run. */
static inline void pto_run_state_fail(pto_run_state *rs, int32_t status, uint64_t task)
{
    int32_t expected = 0;
    if (atomic_compare_exchange_strong(&rs->error_status, &expected, status))
        atomic_store(&rs->error_task, task);
}

/* A task's end cycle would pass PTO_CYCLE_LIMIT (see core/cycles.h):
 * records it as the run's first failure, PTO_ERR_CAPACITY, with its start
 * cycle and duration (read by the launching thread once every task has
 * completed). */
static inline void pto_run_state_fail_cycles(pto_run_state *rs, uint64_t task, int32_t func_id,
                                             uint64_t start, uint64_t cycles)
{
    int32_t expected = 0;
    if (atomic_compare_exchange_strong(&rs->error_status, &expected, PTO_ERR_CAPACITY)) {
        atomic_store(&rs->error_task, task);
        atomic_store(&rs->error_arg[0], start);
        atomic_store(&rs->error_arg[1], cycles);
        atomic_store(&rs->error_arg[2], (uint64_t)(uint32_t)func_id);
    }
}

#endif
