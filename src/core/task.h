/* One slot of the task ring.
 *
 * Invariants:
 * - Fields above `fanin_remaining` are written by the orchestrator while the
 *   task is being added and wired, and are read-only once it is published.
 * - Readiness count: fanin_remaining starts at 1 + PTO_FANIN_BIAS; wiring an
 *   edge into a producer's fanout only counts it in fanin_wait (no atomic on
 *   the consumer); every such producer subtracts 1 when it completes, and
 *   publication subtracts the rest, 1 + PTO_FANIN_BIAS - fanin_wait. The
 *   bias exceeds any number of edges, so the count reaches 0 only after
 *   publication and after the last wired producer completed, whichever
 *   comes last; that thread makes the task ready, exactly once.
 * - refs = one per consumer wired to this task while it owns heap outputs
 *   (released when that consumer completes). A task without heap outputs
 *   has nothing a consumer needs once it completed, so it takes no consumer
 *   references (its consumers are still woken through its fanout; one
 *   submitted after it completed is not wired at all, see pto_tb_add_dep).
 *   The scope reference is implicit (see pto_tb_scope_holds). The task is
 *   CONSUMED, and may retire, once it is COMPLETED, refs == 0 and its scope
 *   has ended.
 * - The fanout is a lock-free stack of consumer edges (newest first, linked
 *   by the dep nodes' next_out) whose head shares one word with refs
 *   (`link`), so wiring a consumer is a single CAS: push the edge and take
 *   a reference. Completion swaps in PTO_FANOUT_CLOSED, after which no edge
 *   is added (a consumer wired later sees CLOSED and only takes the end
 *   cycle). Before publication no scheduler can see the task, and the
 *   orchestrator updates `link` with plain stores.
 * - A slot is reused only after the retirement frontier has passed its id. */
#ifndef PTO_CORE_TASK_H
#define PTO_CORE_TASK_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "pto/kernel.h"
#include "pto/stats.h"

#define PTO_DEP_NIL UINT32_MAX
/* `fanout` of a completed task; dep pools are smaller than this. */
#define PTO_FANOUT_CLOSED (UINT32_MAX - 1)
/* Larger than any task's number of wired edges (dep pools hold fewer). */
#define PTO_FANIN_BIAS (INT32_C(1) << 30)
/* One reference in pto_task.link (refs live in its upper half). */
#define PTO_REF_ONE (UINT64_C(1) << 32)

/* Queue index of dependency-only tasks (no kernel, no core), and of MIX
 * tasks (parts on one cluster; see pto_submit_mix). */
#define PTO_QUEUE_DUMMY PTO_RECORD_DUMMY
#define PTO_QUEUE_MIX PTO_RECORD_MIX
#define PTO_NQUEUES 4

/* "AIC", "AIV", "dummy" or "MIX" for a task's queue (core_type), for
 * messages. */
static inline const char *pto_queue_name(uint32_t q)
{
    static const char *const names[] = {"AIC", "AIV", "dummy", "MIX"};
    return q < sizeof names / sizeof names[0] ? names[q] : "?";
}

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
    uint8_t core_type; /* pto_core_type, PTO_QUEUE_DUMMY or PTO_QUEUE_MIX */
    uint8_t nargs;
    uint8_t scope_depth;  /* owning scope (0 = the run's implicit scope) */
    uint8_t nparts;       /* cores it runs on at once: 1; an SPMD task's
                            block_num; a MIX task's parts (popcount of mix) */
    uint32_t fanin_total; /* edges wired into this task (with a dep node) */
    uint32_t fanin_head;  /* edge list of this task's producers */
    uint64_t dep_mark;    /* dep-pool head after this task's wiring */
    uint64_t heap_mark;   /* heap-arena head after this task's outputs */
    uint64_t args[PTO_MAX_ARGS];
    uint64_t end_cycle;              /* semantic end; written before completion */
    _Atomic uint64_t ready_cycle;    /* max(publish cycle, producers' end_cycle) */
    _Atomic int32_t fanin_remaining; /* see the readiness count above */
    uint32_t fanin_wait;             /* edges in producers' fanouts (count down) */

    _Alignas(64) _Atomic uint64_t link; /* refs << 32 | fanout head: the
                                           newest consumer edge, NIL or CLOSED */
    _Atomic uint32_t state;             /* enum pto_task_state */
    /* Task shapes beyond one core (written by the orchestrator before
     * publication, then read-only): */
    uint8_t mix;         /* MIX: its parts, PTO_MIX_AIC | PTO_MIX_AIV0 | PTO_MIX_AIV1 */
    uint8_t target;      /* dispatch target (lane) whose ready queue it goes to,
                            or PTO_TARGET_ANY (task_buffer.h) */
    uint8_t evals;       /* PTO_EVAL_* work done when it becomes ready (0:
                            none); the evaluator may add PTO_EVAL_SKIPPED */
    uint8_t watch;       /* PTO_WATCH_*: what its dispatcher or completer
                            reports; set by the orchestrator before
                            publication */
    int32_t aiv_func_id; /* MIX: kernel of the AIV parts (func_id: the AIC part's) */
    /* Parts in flight (SPMD): parts_sent is advanced by the dispatcher that
     * holds the task (popped from its ready queue; the queue orders the
     * hand-over); parts_left counts down at each part's FIN and the FIN that
     * takes it to 0 completes the task; parts_start/parts_end are the
     * earliest part start and the latest part end. */
    uint32_t parts_sent;
    _Atomic uint32_t parts_left;
    _Atomic uint64_t parts_end;
    _Atomic uint64_t parts_start; /* the earliest part start */
    /* Run-time scalars (orchestration/scalars.c), read when the task
     * becomes ready if evals says so: its predicate's and key's entries in
     * the run's expression table, and the key's policy (a built-in's index)
     * and N. */
    uint16_t pred, keyx;
    uint8_t key_policy, key_n;
    /* Start edges (CSP: a consumer that waits for this task to *start*;
     * pto_tb_add_start_dep): a lock-free stack of dep nodes (linked by
     * next_out) like the fanout, closed (PTO_FANOUT_CLOSED) by the
     * dispatcher of its first part when PTO_WATCH_START is set, after storing
     * the start cycle in parts_start. */
    _Atomic uint32_t start_link;
    union {
        uint32_t delay;    /* a dependency-only task ends this many cycles
                              after it became ready (CSP channel latency); 0
                              otherwise; read when it becomes ready */
        uint32_t done_seq; /* PTO_WATCH_DONE: its place in the order in which
                              such tasks completed (pto_task_buffer.done_seq),
                              written by its completer before the state
                              store (read by the orchestrator after seeing
                              COMPLETED, before it may retire) */
    };
} pto_task;

/* pto_task.watch */
#define PTO_WATCH_START 1u /* start edges may be wired to it (start_link) */
#define PTO_WATCH_DONE 2u  /* its completion takes a done_seq (CSP fan-in;
                              only for tasks without a delay) */

/* pto_task.evals: what the run's evaluator (pto_task_buffer.eval) does as
 * the task becomes ready, in this order. */
#define PTO_EVAL_PRED 1u      /* predicate `pred`: false skips the task */
#define PTO_EVAL_SLOT_LOAD 2u /* slot args[0] := the args[2]-byte element at args[1] */
#define PTO_EVAL_SLOT_SET 4u  /* slot args[0] := expression args[2] - 1, or args[1] if 0 */
#define PTO_EVAL_KEY 8u       /* target := route(key_policy, key_n, value of keyx) */
#define PTO_EVAL_SKIPPED 16u  /* set by the evaluator: the predicate was false,
                                 and the task became a dependency-only one */

_Static_assert(sizeof(pto_task) == 256, "a task slot is four cache lines");

static inline uint32_t pto_task_refs(pto_task *t)
{
    return (uint32_t)(atomic_load_explicit(&t->link, memory_order_acquire) >> 32);
}

static inline uint32_t pto_task_fanout(pto_task *t)
{
    return (uint32_t)atomic_load_explicit(&t->link, memory_order_acquire);
}

/* Starts fetching all four lines of a slot, for writing. */
static inline void pto_task_prefetch(const pto_task *t)
{
    for (size_t line = 0; line < sizeof *t; line += 64)
        __builtin_prefetch((const char *)t + line, 1);
}

#endif
