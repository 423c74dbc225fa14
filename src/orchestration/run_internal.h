/* The run object behind the public pto_run handle.
 *
 * Invariants: one per device, allocated at device open and reset per launch.
 * Everything here is written only by the thread running the orchestration
 * function (the caller in host-built mode, the AICPU orchestrator thread in
 * streamed mode) and read by the launching thread after the orchestration
 * has returned. `copies` holds at most PTO_MAX_COPY_BACKS entries, `scopes`
 * at most PTO_MAX_SCOPE_DEPTH + 1 (index 0 is the run's implicit scope). */
#ifndef PTO_ORCH_RUN_INTERNAL_H
#define PTO_ORCH_RUN_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "core/park.h"
#include "core/task.h"
#include "orchestration/csp.h"
#include "orchestration/policy.h"
#include "orchestration/view.h"
#include "platform/platform.h"
#include "pto/run.h"
#include "pto/scalars.h"

#define PTO_MAX_COPY_BACKS 1024
/* Streamed runs; see pto_run_publish_batch. */
#define PTO_PUBLISH_BATCH 64
#define PTO_PUBLISH_DELAY_NS 20000u

typedef struct pto_copy_back_rec {
    void *host;
    const void *dev;
    size_t bytes;
} pto_copy_back_rec;

/* Filled when the orchestrator finds it can never get a resource; the run
 * then keeps counting submissions (without executing them) until the culprit
 * scope ends, so the report can say how large that scope really is, and how
 * much of the resource it holds at once: nothing in use at the deadlock can
 * retire before the culprit scope ends (it holds the oldest live task, and
 * retirement is in order), so the scope needs in_use + need + drained_need
 * (see pto_flow_drained) — the size the advice names. */
typedef struct pto_deadlock {
    pto_stall_reason reason;
    uint32_t scope_depth; /* culprit scope (0 = the implicit run scope) */
    char scope_name[PTO_SCOPE_NAME_MAX];
    uint64_t scope_tasks; /* final size of the culprit scope */
    uint64_t scope_heap;
    int scope_closed;      /* the culprit scope has ended since */
    uint64_t need;         /* request that could not be met */
    uint64_t in_use;       /* units of the resource held at the deadlock */
    uint64_t drained_need; /* units asked for by the submissions counted
                              after it, while the culprit scope was open */
} pto_deadlock;

/* The run's task window (window.c; pto_run_config.task_window, DESIGN
 * 6.2). Written only by the thread running the orchestration function,
 * except at launch. active: the window is checked at every submission
 * (size != 0 and the capability matrix did not make the run ignore it);
 * otherwise no submission does any window work. In flight = tasks added
 * (tb.next_id) minus tasks completed (run_state.completed); under STALL it
 * never exceeds size once a task is admitted. */
typedef struct pto_window {
    uint32_t size;        /* 0: no window */
    pto_window_mode mode; /* STALL, ABORT or BENCHMARK */
    int active;
    int cycles;          /* threaded STALL: admissions set tb.now_cycle
                            from tb.done_cycle (see pto_window_admit) */
    uint64_t high_water; /* most tasks in flight, the admitted one included */
    int aborted;         /* ABORT: the window was exceeded; `err` says
                            where, and the run fails with it */
    pto_error err;
} pto_window;

/* Run-time scalars (scalars.c; pto/scalars.h). An entry of the run's
 * expression table: a copy of the expression and the values of the
 * symbols it reads (fixed for the run: a launch refuses symbol changes). */
typedef struct pto_run_expr {
    pto_expr e;
    uint64_t hash;
    uint64_t sym_id[PTO_EXPR_MAX_SYMS], sym_bits[PTO_EXPR_MAX_SYMS];
    uint32_t nslots;
    uint16_t slots[PTO_TASK_SLOT_READS]; /* the distinct slots it reads */
} pto_run_expr;

#define PTO_SCALAR_BUCKETS 128 /* > 2 x PTO_RUN_EXPRS: probes stay short */

/* Invariants: slots and exprs are allocated with the run object and reset
 * per launch. The table (exprs[0..nexprs), bucket) and the next task's
 * fields are written only by the thread running the orchestration; an
 * entry never changes once added, so evaluators on any thread read it
 * without a lock (the task that names it was published after it was
 * written). slots[i] is written by the evaluator of a slot task writing i
 * and read by evaluators of tasks reading i, which the TensorMap orders
 * (scalars.c); skipped is counted by any evaluator. */
typedef struct pto_run_scalars {
    uint64_t *slots; /* PTO_SLOTS */
    pto_run_expr *exprs; /* PTO_RUN_EXPRS */
    uint32_t nexprs;
    uint16_t bucket[PTO_SCALAR_BUCKETS]; /* entry index + 1 by code hash; 0: empty */
    uint32_t last; /* entry index + 1 of the last expression attached (0: none) */
    uint32_t checked; /* capability rows checked this run (bit row - PTO_ROW_SYMBOLS) */
    /* The next task's scalar work, consumed when it is added: */
    uint8_t evals; /* PTO_EVAL_* (task.h) */
    int key_routed; /* the policy in effect routes by the key expression */
    uint16_t pred, keyx;
    uint8_t key_policy, key_n;
    uint32_t nreads;
    uint16_t reads[PTO_TASK_SLOT_READS]; /* slots its predicate, key or value read */
    int32_t write;      /* slot it writes, or -1 */
    uint64_t op[3];     /* a slot task's args (task.h) */
    uint64_t elem_addr; /* pto_slot_load: the element's address */
    _Alignas(64) _Atomic uint64_t skipped; /* tasks whose predicate was false */
} pto_run_scalars;

pto_status pto_scalars_init(pto_run_scalars *sc, pto_error *err);
void pto_scalars_destroy(pto_run_scalars *sc);
void pto_scalars_reset(pto_run_scalars *sc);
/* Forgets the next task's scalar work. */
void pto_scalars_clear_next(pto_run_scalars *sc);
/* pto_run_add: gives the task just added the pending scalar work. */
void pto_scalars_attach(struct pto_run *run, pto_task *t);
/* The task buffer's evaluator (pto_task_buffer.eval), arg = the run. */
void pto_scalars_eval(void *arg, pto_task *t);
uint64_t pto_scalars_skipped(const pto_run_scalars *sc);
/* submit.c: adds a dependency-only task of the runtime's own (a slot task,
 * with the pending scalar work; a CSP token's task); elem: the element a
 * slot load reads, else NULL. */
pto_status pto_run_submit_dummy_task(struct pto_run *run, const char *what, pto_param *elem,
                                    pto_task_id *out, pto_error *err);

struct pto_run {
    pto_device *dev;
    pto_run_config cfg;
    int building; /* inside the orchestration function */
    int failed;   /* a deadlock was found: count, do not execute */
    pto_deadlock dl;
    pto_error dl_err;        /* the report, completed when the run ends */
    pto_error wd_err;        /* the watchdog's report (pto_run_watchdog), by
                             the thread whose wait timed out; pto_launch
                             returns it, whatever the orchestration did
                             with its error since */
    uint32_t batch;          /* streamed: tasks [tb.publish_next, tb.next_id) are
                             held back (see pto_run_publish) until this many */
    uint64_t held_since;     /* pto_now_ns() when the oldest held-back task was added */
    uint64_t drained;        /* tasks counted but not executed after a deadlock */
    uint64_t heap_requested; /* PTO_OUT bytes asked for, drained ones included */
    uint32_t depth;          /* open user scopes; scopes[0] is implicit */
    pto_scope scopes[PTO_MAX_SCOPE_DEPTH + 1];
    uint64_t scope_begin[PTO_MAX_SCOPE_DEPTH + 1]; /* first task id of each open scope */
    uint32_t scopes_open;                          /* depth + 1 while orchestrating, then 0: what
                             retirement sees as held (pto_tb_scope_holds) */
    uint64_t route_index; /* tasks routed so far (policy.c) */
    uint64_t key;         /* pto_set_task_key: the next task's key */
    int has_key;
    /* Routing of tasks to dispatch targets (lanes; DESIGN 6.1), applied as
     * each kernel task is added: returns a target < the device's
     * tb.ntargets. NULL (the default): every task goes to the shared
     * queues, and a successor stays with the scheduler that released it. */
    uint32_t (*route)(void *arg, const pto_task *t);
    void *route_arg;
    pto_window win;
    pto_run_scalars sc;
    pto_csp csp; /* CSP processes and channels (csp.h) */
    pto_stats *flow_stats; /* where stall statistics accumulate */
    uint64_t *producers;   /* window entries: producers of the task being added */
    uint32_t nproducers;
    uint32_t *seen; /* window entries: per-slot dedup epoch */
    uint32_t seen_epoch;
    pto_stats own_stats;   /* flow_stats when the caller passed none */
    int bounds;            /* bounds-checking mode (pto_run_config.check_bounds
                              or the device's): outputs get red zones, tasks
                              record the buffers to check (core/bounds.h) */
    pto_view_cache vcache; /* GM buffers found by recent view checks */
    uint32_t ncopies;
    pto_copy_back_rec copies[PTO_MAX_COPY_BACKS];
    /* The AICPU orchestrator thread (streamed runs): the launching thread
     * posts a job and waits on orch_done; the thread clears orch_job when
     * the job is finished. */
    pthread_t orch_thread;
    int orch_started;
    _Atomic(struct orch_job *) orch_job;
    _Atomic int orch_exit;
    pto_event orch_ev, orch_done;
};

pto_status pto_run_create(pto_device *dev, struct pto_run **out, pto_error *err);
/* Stops the orchestrator thread; with a deadline (CLOCK_REALTIME) it is
 * abandoned if still running then (stuck in a kernel of a deterministic
 * run): returns 1, and the run must never be freed. */
uint32_t pto_run_stop(struct pto_run *run, const struct timespec *deadline);
void pto_run_free(struct pto_run *run);

/* A watchdog fired: formats the report into run->wd_err — fmt, then the
 * tasks still running (id, kernel name, func_id, core) and advice — marks
 * the device dead (no kernel starts any more, no later launch) and copies
 * the report to err. Returns PTO_ERR_TIMEOUT. */
pto_status pto_run_watchdog(pto_run *run, pto_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Tasks submitted so far, including those only counted after a deadlock. */
uint64_t pto_run_vnext(const pto_run *run);

/* The run whose host-built orchestration function this thread is running,
 * or NULL: kernel registration is allowed during a launch only from there
 * (graph.c). */
extern _Thread_local struct pto_run *pto_orchestrating;

/* graph.c */
pto_status pto_run_check_building(pto_run *run, const char *what, pto_error *err);
/* func_id is registered, for this core type. */
/* func_id (passed as argument `arg`, for the message) is registered, for
 * this core type. */
pto_status pto_run_check_kernel(pto_run *run, const char *what, const char *arg, int func_id,
                                pto_core_type type, pto_error *err);
/* Streamed runs publish tasks in batches: the newest task is held back so
 * that pto_add_dep can still wire it, and the ones before it are published
 * together once `batch` are waiting. The scheduler then trails the
 * orchestrator by a batch instead of fighting it for the cache lines of the
 * task being wired (measured in bench/RESULTS.md). pto_run_publish_batch
 * applies that rule, and also publishes when the oldest held-back task has
 * waited PTO_PUBLISH_DELAY_NS (checked when 2, 4, 8, ... are held, so a
 * slow orchestration loop does not sit on a batch); pto_run_publish_upto(run, end) publishes the held-back
 * tasks below `end`, pto_run_publish all of them. Before the orchestrator
 * may wait for anything (pto_flow_acquire, pto_read, the end of the
 * orchestration) it publishes every task whose wiring is finished, so
 * nothing it waits for can depend on an unpublished task. */
void pto_run_publish_batch(pto_run *run);
void pto_run_publish_upto(pto_run *run, uint64_t end);
void pto_run_publish(pto_run *run);
/* Adds a task, owned by the innermost open scope, for dispatch target
 * `target` (pto_run_route; PTO_TARGET_ANY for tasks not routed): first
 * publishes the held-back task, admits it under the task window and waits
 * for a ring slot, unless the caller already did (slot_reserved). *out is
 * NULL when the run has deadlocked (the task is
 * only counted). */
pto_status pto_run_add(pto_run *run, int func_id, uint32_t queue, uint8_t target,
                       const uint64_t *args, uint32_t nargs, int slot_reserved, pto_task **out,
                       pto_error *err);

/* policy.c: the target of the kernel task about to be added (before any
 * of its side effects: a refusal leaves nothing behind), PTO_TARGET_ANY
 * when the policy in effect routes nothing; pto_run_add then consumes the
 * key. The default policy costs one test here (policy.c does the rest). */
pto_status pto_run_route_task(pto_run *run, int func_id, pto_core_type type, uint8_t *target,
                              pto_error *err);
static inline pto_status pto_run_route(pto_run *run, int func_id, pto_core_type type,
                                       uint8_t *target, pto_error *err)
{
    *target = PTO_TARGET_ANY;
    if (__builtin_expect(!run->scopes[run->depth].policy.routes, 1))
        return PTO_OK;
    return pto_run_route_task(run, func_id, type, target, err);
}

/* window.c. Before the next task is added (tb.next_id is its id): admits
 * it under the run's window -- STALL publishes the held-back tasks and
 * waits (pto_flow_acquire, PTO_STALL_TASK_WINDOW) until fewer than `size`
 * are in flight; ABORT fails with PTO_ERR_CAPACITY (and so does every
 * later submission: the run fails); BENCHMARK only counts. Callers test
 * run->win.active first (pto_run_window). */
pto_status pto_window_admit(pto_run *run, pto_error *err);
static inline pto_status pto_run_window(pto_run *run, pto_error *err)
{
    return run->win.active ? pto_window_admit(run, err) : PTO_OK;
}
/* At launch, before anything executes: sets up run->win from the run's
 * configuration and checks the window against the capability matrix
 * (pto_run_require); PTO_ERR_INVALID for a bad unit or mode. */
pto_status pto_window_begin(pto_run *run, pto_error *err);

/* directives.c: whether this run may use the directive of capability
 * matrix row `row` on its platform and mode, before anything of it
 * executes. `what` names the directive as the run uses it (e.g.
 * "task_window(4, tasks, STALL)"), for the messages. UNSUPPORTED refuses
 * the run: PTO_ERR_INVALID naming the directive, the platform and the
 * mode. DIAGNOSED prints one "pto: note: ..." line to stderr and counts it
 * in the run's stats (diagnosed; the first one's text in diagnostic);
 * ENFORCED and RECORDED pass silently. *level (may be NULL) receives the
 * level. */
pto_status pto_run_require(pto_run *run, pto_cap_row row, const char *what, pto_cap_level *level,
                           pto_error *err);

/* scope.c: the implicit run scope (depth 0) is opened per launch. */
void pto_run_scopes_reset(pto_run *run);
/* Scope `depth` ends: its tasks are no longer held (retirement reads
 * scopes_open), and the deadlock report learns the culprit's final size. */
void pto_run_scope_closed(pto_run *run, uint32_t depth);

/* flow.c: waits until `need` units of the resource behind `reason` are
 * free, retiring tasks meanwhile (the caller has published every task
 * whose wiring is done). Host-built runs cannot wait: a full resource is
 * PTO_ERR_CAPACITY. When a streamed run can never get it, the
 * report goes to run->dl_err, run->failed is set and PTO_OK is returned:
 * from then on the orchestration only counts what it submits (callers check
 * run->failed). For PTO_STALL_HEAP_ARENA_FULL it also allocates. */
pto_status pto_flow_acquire(pto_run *run, pto_stall_reason reason, uint64_t need, void **heap_out,
                            uint64_t *heap_mark, pto_error *err);
/* Fast path: one task slot, `deps` dep nodes and `tmap_entries` TensorMap
 * entries are free right now (no retiring, no statistics). */
int pto_flow_has_room(pto_run *run, uint64_t deps, uint64_t tmap_entries);
/* Frontier owner: retire consumed tasks, release their heap and dep nodes. */
void pto_flow_retire(pto_run *run);
/* Waits for execution to progress: deterministic, the simulation's next
 * event; threaded, a completion count other than `seen` (read before the
 * caller checked what it waits for). *progressed = 0 when nothing can: the
 * simulation is idle, or every published task completed. `what` names the
 * waiter in a watchdog report. */
pto_status pto_flow_wait_progress(pto_run *run, uint64_t seen, const char *what, int *progressed,
                                 pto_error *err);
/* Waits until task id completed (for pto_read). */
pto_status pto_flow_wait_task(pto_run *run, uint64_t id, pto_error *err);
/* Completes the deadlock report with the final scope size. */
void pto_flow_finish_report(pto_run *run, pto_error *err);
/* Capacity and high-water mark of every bounded resource into st->flow. */
void pto_flow_fill_stats(pto_device *dev, pto_stats *st);
/* After a deadlock: a counted-only submission would have taken `units` of
 * the resource behind `reason`; added to dl.drained_need when that is the
 * resource the run deadlocked on and the culprit scope is still open. */
void pto_flow_drained(pto_run *run, pto_stall_reason reason, uint64_t units);

#endif
