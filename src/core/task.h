/* One slot of the task ring.
 *
 * Invariants:
 * - Fields above `fanin_remaining` are written by the orchestrator while the
 *   task is being added and are read-only once the task is published.
 * - fanin_remaining = producers not yet completed + 1 publish guard; the
 *   thread that moves it to 0 (publisher or a completing producer) is the one
 *   that pushes the task to its ready queue, so that happens exactly once.
 * - fanout_head/fanout_tail/completed are guarded by `lock`: a producer that
 *   has completed takes no new consumers, so the wiring side checks
 *   `completed` under the lock and does not count such a producer.
 * - A slot is reused only after the retirement frontier has passed its id. */
#ifndef PTO_CORE_TASK_H
#define PTO_CORE_TASK_H

#include <stdatomic.h>
#include <stdint.h>

#include "pto/kernel.h"

#define PTO_DEP_NIL UINT32_MAX

enum pto_task_state {
    PTO_TASK_PENDING = 0, /* added, waiting for producers or publication */
    PTO_TASK_READY,       /* in a ready queue */
    PTO_TASK_RUNNING,     /* dispatched to a core */
    PTO_TASK_COMPLETED    /* FIN handled, successors released */
};

typedef struct pto_task {
    uint64_t id;
    int32_t func_id;
    uint8_t core_type;
    uint8_t nargs;
    uint64_t args[PTO_MAX_ARGS];
    uint32_t fanin_total;     /* orchestrator-only: edges wired into this task */
    uint32_t pad_;
    uint64_t dep_mark;        /* dep-pool head after this task's wiring */

    _Atomic int32_t fanin_remaining;
    _Atomic uint32_t state;   /* enum pto_task_state, for reports and tests */
    _Atomic uint32_t lock;    /* spinlock for the three fields below */
    uint32_t fanout_head;     /* first dep node (PTO_DEP_NIL: none) */
    uint32_t fanout_tail;     /* last dep node, for in-order append */
    uint32_t completed;       /* set once, under lock, on completion */
} pto_task;

static inline void pto_task_lock(pto_task *t)
{
    while (atomic_exchange_explicit(&t->lock, 1, memory_order_acquire))
        while (atomic_load_explicit(&t->lock, memory_order_relaxed))
            ;
}
static inline void pto_task_unlock(pto_task *t)
{
    atomic_store_explicit(&t->lock, 0, memory_order_release);
}

#endif
