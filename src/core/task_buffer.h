/* The task buffer: the runtime core's bounded resources and the operations
 * on them that every front end and platform shares.
 *
 * Resources (all fixed at device open, reused across runs):
 *   task ring   `window` slots; task id i lives in slot i & (window-1)
 *   dep pool    fanout nodes (see dep_pool.h)
 *   ready queues one per core type, capacity >= window (see ready_queue.h)
 *
 * Invariants:
 * - next_id and the dep pool head are written by the orchestrator only.
 * - last_alive (retirement frontier) is written by one owner only, the
 *   orchestrator side; next_id - last_alive <= window.
 * - dfs_* are orchestrator-only scratch for cycle checks, window entries. */
#ifndef PTO_CORE_TASK_BUFFER_H
#define PTO_CORE_TASK_BUFFER_H

#include <stdatomic.h>
#include <stdint.h>

#include "core/dep_pool.h"
#include "core/ready_queue.h"
#include "core/task.h"
#include "pto/device.h"

typedef struct pto_task_buffer {
    pto_task *tasks;
    uint32_t window, mask;
    uint64_t next_id;
    _Atomic uint64_t last_alive;
    pto_dep_pool deps;
    pto_ready_queue ready[PTO_CORE_TYPES];
    int has_backward_edge; /* an edge to an earlier-added task exists */
    uint32_t *dfs_stack, *dfs_parent, *dfs_epoch_of;
    uint32_t dfs_epoch;
} pto_task_buffer;

pto_status pto_tb_init(pto_task_buffer *tb, uint32_t window, uint32_t dep_pool,
                       uint32_t ready_queue, pto_error *err);
void pto_tb_destroy(pto_task_buffer *tb);
/* Back to empty for a new run (no concurrent users). */
void pto_tb_reset(pto_task_buffer *tb);

static inline pto_task *pto_tb_task(pto_task_buffer *tb, uint64_t id)
{
    return &tb->tasks[id & tb->mask];
}
static inline uint64_t pto_tb_live(pto_task_buffer *tb)
{
    return tb->next_id - atomic_load_explicit(&tb->last_alive, memory_order_acquire);
}

/* Claims the next slot (caller checked space) and fills it; the task holds
 * its publish guard until pto_tb_publish. */
pto_task *pto_tb_add(pto_task_buffer *tb, int func_id, pto_core_type type,
                     const uint64_t *args, uint32_t nargs);

/* Wires producer -> consumer. PTO_ERR_CYCLE (message names the path) if the
 * edge would close a cycle, PTO_ERR_CAPACITY if the dep pool is full. A
 * producer that already completed is not counted. */
pto_status pto_tb_add_dep(pto_task_buffer *tb, uint64_t producer, uint64_t consumer,
                          pto_error *err);

/* Drops the publish guard; returns 1 if the task became ready (and was
 * pushed to its ready queue). */
int pto_tb_publish(pto_task_buffer *tb, pto_task *t);

/* Called for each successor that becomes ready; returns 1 if the caller took
 * it (e.g. dispatched it to one of its own idle cores), 0 to queue it. */
typedef int (*pto_ready_take_fn)(void *arg, pto_task *t);

/* Marks t completed and releases its successors; each one that becomes ready
 * is offered to take (may be NULL) and otherwise pushed to its ready queue.
 * Returns how many became ready. */
uint32_t pto_tb_complete(pto_task_buffer *tb, pto_task *t, pto_ready_take_fn take,
                         void *arg);

/* Advances the frontier over completed tasks and reclaims their dep nodes.
 * Frontier owner only. Returns the new frontier. */
uint64_t pto_tb_retire(pto_task_buffer *tb);

#endif
