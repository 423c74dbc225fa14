/* One slot of the task ring.
 *
 * Invariants:
 * - Fields above `fanin_remaining` are written by the orchestrator while the
 *   task is being added and wired, and are read-only once it is published.
 * - fanin_remaining = producers not yet completed + 1 publish guard; the
 *   thread that moves it to 0 (publisher or a completing producer) is the one
 *   that makes the task ready, so that happens exactly once.
 * - refs = one per consumer wired to this task (released when that consumer
 *   completes; a consumer submitted after a heap-less task completed is not
 *   wired, see pto_tb_add_dep) + one per scope open when it was added
 *   (released by scope_end). The task is CONSUMED, and may retire, once it is COMPLETED
 *   and refs == 0.
 * - fanout_head/fanout_tail/completed are guarded by `lock` once the task
 *   is published: a producer that has completed takes no new consumers, so
 *   the wiring side checks `completed` under the lock and does not count
 *   such a producer. Before publication no scheduler can see the task (or
 *   its consumers), and the orchestrator updates them without the lock.
 * - A slot is reused only after the retirement frontier has passed its id. */
#ifndef PTO_CORE_TASK_H
#define PTO_CORE_TASK_H

#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "pto/kernel.h"

#define PTO_DEP_NIL UINT32_MAX

/* Queue index of dependency-only tasks (no kernel, no core). */
#define PTO_QUEUE_DUMMY 2
#define PTO_NQUEUES 3

enum pto_task_state {
    PTO_TASK_PENDING = 0, /* added, waiting for producers or publication */
    PTO_TASK_READY,       /* in a ready queue */
    PTO_TASK_RUNNING,     /* dispatched to a core */
    PTO_TASK_COMPLETED    /* successors released, consumer refs given back */
};

/* 256 bytes, cache-line aligned, so neighbouring slots never share a line.
 * Lines 0-2 are the descriptor and the consumer side (wired by the
 * orchestrator, counted down by completing producers); line 3 is the
 * producer side (taken by the orchestrator wiring consumers, by the
 * scheduler completing the task and by consumers giving references back). */
typedef struct pto_task {
    _Alignas(64) uint64_t id;
    int32_t func_id;
    uint8_t core_type;        /* pto_core_type, or PTO_QUEUE_DUMMY */
    uint8_t nargs;
    uint8_t scope_depth;      /* owning scope (0 = the run's implicit scope) */
    uint32_t fanin_total;     /* edges wired into this task */
    uint32_t fanin_head;      /* edge list of this task's producers */
    uint64_t dep_mark;        /* dep-pool head after this task's wiring */
    uint64_t heap_mark;       /* heap-arena head after this task's outputs */
    uint64_t args[PTO_MAX_ARGS];
    uint64_t end_cycle;       /* semantic end; written before completion */
    _Atomic uint64_t ready_cycle; /* max(publish cycle, producers' end_cycle) */
    _Atomic int32_t fanin_remaining;

    _Alignas(64) _Atomic int32_t refs;
    _Atomic uint32_t state;   /* enum pto_task_state */
    _Atomic uint32_t lock;    /* spinlock for the three fields below */
    uint32_t fanout_head;     /* edge list of this task's consumers */
    uint32_t fanout_tail;     /* last fanout edge, for in-order append */
    uint32_t completed;       /* set once, under lock, on completion */
} pto_task;

_Static_assert(sizeof(pto_task) == 256, "a task slot is four cache lines");

/* Starts fetching all four lines of a slot, for writing. */
static inline void pto_task_prefetch(const pto_task *t)
{
    for (size_t line = 0; line < sizeof *t; line += 64)
        __builtin_prefetch((const char *)t + line, 1);
}

/* The lock is held for a few instructions; if its holder was preempted (2
 * CPUs, more threads), spinning would burn the whole time slice: yield. */
static inline void pto_task_lock(pto_task *t)
{
    for (unsigned spins = 0; atomic_exchange_explicit(&t->lock, 1, memory_order_acquire);)
        while (atomic_load_explicit(&t->lock, memory_order_relaxed))
            if (++spins % 64 == 0)
                sched_yield();
}
static inline void pto_task_unlock(pto_task *t)
{
    atomic_store_explicit(&t->lock, 0, memory_order_release);
}

#endif
