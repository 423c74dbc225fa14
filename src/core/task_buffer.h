/* The task buffer (pto_task_buffer): three of the runtime core's five
 * bounded resources (DESIGN §4) and the operations on them that every front
 * end and platform shares. The other two, the TensorMap (tensor_map.h) and
 * the heap arena (heap_arena.h), sit beside it in the device state.
 *
 * Its resources (all fixed at device open, reused across runs):
 *   task ring   `window` slots; task id i lives in slot i & (window-1)
 *   dep pool    fanout nodes (see dep_pool.h)
 *   ready queues per dispatch target and queue (AIC, AIV, dependency-only
 *                (dummy) and MIX tasks), capacity >= window each (see
 *                ready_queue.h): the shared ones (target PTO_TARGET_ANY,
 *                any scheduler serves them) and ntargets sets of one per
 *                lane (only that lane's scheduler serves them)
 *
 * Invariants:
 * - next_id and the dep pool head are written by the orchestrator only.
 * - last_alive (retirement frontier) is written by one owner only, the
 *   orchestrator side; next_id - last_alive <= window.
 * - dfs_* are orchestrator-only scratch for cycle checks, window entries.
 * - Layout: the first line holds what every thread reads (fixed at init);
 *   the orchestrator's counters start on a line of their own, so writing
 *   them per task does not invalidate the schedulers' copy of `tasks` and
 *   `mask` (and then wait to take the line back). */
#ifndef PTO_CORE_TASK_BUFFER_H
#define PTO_CORE_TASK_BUFFER_H

#include <stdatomic.h>
#include <stdint.h>

#include "core/dep_pool.h"
#include "core/lanes.h"
#include "core/ready_queue.h"
#include "core/task.h"
#include "pto/device.h"
#include "pto/stats.h"

typedef struct pto_task_buffer {
    _Alignas(64) pto_task *tasks;
    uint32_t window, mask;
    _Atomic uint32_t special;           /* this run has routed or MIX tasks (set by the
                                 orchestrator before it publishes the first,
                                 cleared by reset): until then dispatchers
                                 skip the lanes' queues and the MIX queues */
    _Atomic uint32_t steal;             /* this run has work_steal tasks (set like
                                 special): an idle lane takes ready work from
                                 its peers' queues */
    _Atomic uint32_t track_done;        /* this run keeps done_cycle (a threaded
                                 run with a task window; set by the launching
                                 thread before the first publication, cleared
                                 by reset); else completion does not touch it */
    pto_ready_queue ready[PTO_NQUEUES]; /* target PTO_TARGET_ANY */
    uint32_t ntargets;
    pto_ready_queue *target_ready; /* PTO_MAX_TARGETS * PTO_NQUEUES heads, the
                                      first ntargets targets' made: queue q of
                                      target l at [l * PTO_NQUEUES + q] */
    /* Called once for each task with evals != 0 as it becomes ready (its
     * producers completed and it is published), by the thread that makes
     * it ready, before it is queued or taken: the run's scalar work
     * (predicate, slot task, expression key; orchestration/scalars.c),
     * which may turn it into a dependency-only task or set its target.
     * Set when the run object is created; read-only after. */
    void (*eval)(void *arg, pto_task *t);
    void *eval_arg;
    pto_dep_pool deps;
    _Alignas(64) uint64_t next_id;
    uint64_t publish_next; /* tasks are published in id order: those below
                                  this id are published (schedulers may touch
                                  them), the rest not yet (orchestrator-written) */
    _Atomic uint64_t last_alive;
    uint64_t live_high_water;  /* max (next_id - last_alive) this run */
    uint64_t heap_mark;        /* heap end mark of the newest retired task */
    uint64_t ready_high_water; /* the most tasks one ready queue held, as seen
                                  after each publication this run */
    uint64_t targets_pushed;   /* targets whose queues pto_tb_publish_upto
                                  pushed to (bit l; orchestrator-written, the
                                  caller clears it) */
    uint64_t retire_hold;      /* retirement stops below this id (CSP: the
                                  first task of a scope a waiting process
                                  keeps open, or a fan-in marker not yet
                                  bound; UINT64_MAX: none); written by
                                  the orchestrator, the frontier owner */
    uint64_t now_cycle;        /* publish cycle of new tasks (deterministic
                                  mode: the simulation clock; threaded with
                                  a task window: done_cycle when the window
                                  last admitted a task, see window.c; else
                                  0); written by the orchestrating (or, in
                                  a deterministic run, simulating) thread;
                                  never decreases within a run */
    int has_backward_edge;     /* an edge to an earlier-added task exists */
    struct pto_edge *edge_log; /* orchestrator-written log of wired edges, each
                                  with its kind (PTO_EDGE_END, _START) */
    uint64_t edge_cap, edge_n, edge_dropped, edge_id_limit;
    uint32_t *dfs_stack, *dfs_parent, *dfs_epoch_of;
    uint32_t dfs_epoch;
    /* The latest end cycle of the tasks completed so far in this run, while
     * track_done: raised (atomic max) by whichever thread completes a task,
     * before it counts the completion in run_state.completed, so a reader
     * that has seen a completion count sees at least those tasks' ends. On
     * its own line: the completing threads share it, the orchestrator only
     * reads it. Reset to 0 per run. */
    _Alignas(64) _Atomic uint64_t done_cycle;
    /* The next done_seq (task.h, PTO_WATCH_DONE), taken by whichever thread
     * completes such a task; wraps (readers compare differences). */
    _Atomic uint32_t done_seq;
} pto_task_buffer;

pto_status pto_tb_init(pto_task_buffer *tb, uint32_t window, uint32_t dep_pool,
                       uint32_t ready_queue, pto_error *err);
void pto_tb_destroy(pto_task_buffer *tb);
/* Allocates the log of wired edges between tasks with id < id_limit. */
pto_status pto_tb_edge_log_init(pto_task_buffer *tb, uint64_t cap, uint64_t id_limit,
                                pto_error *err);

/* Makes the ready queues of at least ntargets dispatch targets (lanes)
 * exist, capacity each (PTO_MAX_TARGETS at most): at device open, and at
 * the setup of a run with more lanes than any before (no run in progress).
 * The queue heads of all PTO_MAX_TARGETS targets are allocated at the first
 * call and never move (a scheduler's poll may still look at them); the
 * cells of a target's queues are allocated when it is first reserved, and
 * kept. */
#define PTO_TARGET_ANY 0xff
pto_status pto_tb_targets_reserve(pto_task_buffer *tb, uint32_t ntargets, uint32_t capacity,
                                  pto_error *err);

/* Ready queue q (a pto_core_type, PTO_QUEUE_DUMMY or PTO_QUEUE_MIX) of
 * target (a lane, or PTO_TARGET_ANY). */
static inline pto_ready_queue *pto_tb_queue(pto_task_buffer *tb, uint32_t target, uint32_t q)
{
    return target == PTO_TARGET_ANY ? &tb->ready[q] : &tb->target_ready[target * PTO_NQUEUES + q];
}

/* Back to empty for a new run (no concurrent users). */
void pto_tb_reset(pto_task_buffer *tb);

static inline pto_task *pto_tb_task(pto_task_buffer *tb, uint64_t id)
{
    return &tb->tasks[id & tb->mask];
}
static inline void pto_cycle_max(_Atomic uint64_t *a, uint64_t v)
{
    uint64_t cur = atomic_load_explicit(a, memory_order_relaxed);
    while (cur < v && !atomic_compare_exchange_weak_explicit(a, &cur, v, memory_order_relaxed,
                                                             memory_order_relaxed))
        ;
}

/* Wired producers that t still waits for (not counting its own
 * publication); for reports and tests. */
static inline uint32_t pto_tb_waiting(const pto_task_buffer *tb, pto_task *t)
{
    int32_t r = atomic_load_explicit(&t->fanin_remaining, memory_order_acquire);
    if (t->id < tb->publish_next)
        return (uint32_t)r;
    return t->fanin_wait - (uint32_t)(1 + PTO_FANIN_BIAS - r); /* minus completions */
}

static inline uint64_t pto_tb_live(pto_task_buffer *tb)
{
    return tb->next_id - atomic_load_explicit(&tb->last_alive, memory_order_acquire);
}

/* Claims the next slot (caller checked space) and fills it; the task holds
 * its publish guard until published. queue is a pto_core_type or
 * PTO_QUEUE_DUMMY; scope_depth is the depth of the innermost scope open
 * (see pto_tb_scope_holds). */
pto_task *pto_tb_add(pto_task_buffer *tb, int func_id, uint32_t queue, const uint64_t *args,
                     uint32_t nargs, uint32_t scope_depth);
/* Raises a run flag of the first line (special, steal) once: every
 * scheduler reads that line on every poll, so storing the same value for
 * each task would take it away from all of them each time. */
static inline void pto_tb_flag(_Atomic uint32_t *flag)
{
    if (!atomic_load_explicit(flag, memory_order_relaxed))
        atomic_store_explicit(flag, 1, memory_order_relaxed);
}

/* Gives the task just added a shape beyond one core (before publication):
 * nparts cores at once; for a MIX task (queue PTO_QUEUE_MIX) its parts
 * mask and the kernel of its AIV parts. */
static inline void pto_tb_set_shape(pto_task_buffer *tb, pto_task *t, uint32_t nparts, uint32_t mix,
                                    int aiv_func_id)
{
    if (mix)
        pto_tb_flag(&tb->special);
    t->nparts = (uint8_t)nparts;
    t->mix = (uint8_t)mix;
    t->aiv_func_id = aiv_func_id;
    t->parts_sent = 0;
    atomic_store_explicit(&t->parts_left, nparts, memory_order_relaxed);
    atomic_store_explicit(&t->parts_end, 0, memory_order_relaxed);
    atomic_store_explicit(&t->parts_start, UINT64_MAX, memory_order_relaxed);
}

static inline uint64_t pto_tb_dep_free(const pto_task_buffer *tb)
{
    return tb->deps.capacity - (tb->deps.head - tb->deps.tail);
}

/* Wires producer -> consumer: the consumer waits for the producer unless it
 * already completed (checked under the producer's lock) and holds a
 * reference on it until the consumer completes. A producer found COMPLETED
 * that owns no heap outputs is not wired at all (only its end cycle is
 * credited): nothing of it remains for the consumer to wait for or keep. PTO_ERR_CYCLE (message names
 * the path) if the edge would close a cycle, PTO_ERR_CAPACITY
 * (DEPLIST_POOL_FULL) if the dep pool is full. The producer must not have
 * retired. */
pto_status pto_tb_add_dep(pto_task_buffer *tb, uint64_t producer, uint64_t consumer,
                          pto_error *err);

/* Start edges (CSP, DESIGN 6.4: a send completes no earlier than the
 * receive k - C, which happens when the receiving task starts). A task
 * that may be the producer of one is marked before publication
 * (pto_tb_watch_start); pto_tb_add_start_dep then makes consumer wait until
 * producer's first part is dispatched, its ready cycle raised to that
 * start (credited at once when the producer started already). No
 * reference is taken. PTO_ERR_INVALID unless producer < consumer and
 * watched (so no cycle can form), PTO_ERR_CAPACITY when the dep pool is
 * full. The dispatcher of a watched task's first part calls
 * pto_tb_started, which records the start in parts_start and releases the
 * waiters (each offered to take, as in pto_tb_complete, else queued);
 * later calls do nothing. Returns how many became ready. The edge log
 * lists a start edge with kind PTO_EDGE_START. */
void pto_tb_watch_start(pto_task *t);
pto_status pto_tb_add_start_dep(pto_task_buffer *tb, uint64_t producer, uint64_t consumer,
                                pto_error *err);
/* Called for each successor that becomes ready; returns 1 if the caller took
 * it (e.g. dispatched it to one of its own idle cores), 0 to queue it. */
typedef int (*pto_ready_take_fn)(void *arg, pto_task *t);
uint32_t pto_tb_started(pto_task_buffer *tb, pto_task *t, uint64_t start, pto_ready_take_fn take,
                        void *arg);

/* Publishes the tasks [publish_next, end) in id order: drops each one's
 * publish guard and pushes those that became ready to their ready queues
 * (in id order, a batch at a time). Returns the set of shared queues (bit
 * q) that received tasks; targets whose queues did are added to
 * targets_pushed. */
uint32_t pto_tb_publish_upto(pto_task_buffer *tb, uint64_t end);

/* t became ready: its scalar work first (see pto_task_buffer.eval). */
static inline void pto_tb_eval(pto_task_buffer *tb, pto_task *t)
{
    if (__builtin_expect(t->evals != 0, 0))
        tb->eval(tb->eval_arg, t);
}

/* Marks t completed: releases its successors (each one that becomes ready is
 * offered to take, which may be NULL, and otherwise pushed to its ready
 * queue), gives back its references on its producers and, while
 * track_done, raises done_cycle to its end. Returns how many successors
 * became ready. */
uint32_t pto_tb_complete(pto_task_buffer *tb, pto_task *t, pto_ready_take_fn take, void *arg);

/* A task's scope reference is implicit: the orchestrator's open scopes are
 * scope_begin[0..open), the first task id of the scope open at each depth,
 * outermost first. The scope that owned t (the innermost one open when t
 * was added) still holds it iff that depth is open and began no later than
 * t: a scope opened at the same depth afterwards begins after t. This is
 * one reference per task, given back when its scope ends, without touching
 * the task (whose line the completing scheduler owns). */
/* pto_task.scope_depth of a task no scope holds (a CSP token's own
 * dependency-only task: nothing of it is read once it completed). */
#define PTO_TB_UNSCOPED UINT8_MAX

static inline int pto_tb_scope_holds(const pto_task *t, const uint64_t *scope_begin, uint32_t open)
{
    return t->scope_depth < open && t->id >= scope_begin[t->scope_depth];
}

/* Advances the frontier over consumed tasks (COMPLETED, refs == 0, not held
 * by an open scope) and reclaims their dep nodes; heap_mark becomes the
 * newest retired task's heap end for the caller to release. Frontier owner
 * only. Returns the frontier. */
uint64_t pto_tb_retire(pto_task_buffer *tb, const uint64_t *scope_begin, uint32_t open);

#endif
