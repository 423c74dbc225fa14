/* Runs: orchestration (building the task graph) and launch.
 *
 * A run executes one orchestration function on a device, in one of two
 * placements of the same runtime core:
 * - host-built (pto-runtime's host_build_graph): the function runs to
 *   completion on the calling thread before any task is dispatched; the task
 *   ring must hold the whole graph, and a full resource is an error.
 * - streamed: the function runs on an AICPU orchestrator thread while the
 *   schedulers dispatch; each task is published as soon as it is wired, and a
 *   full resource stalls the orchestrator until retirement frees space (or
 *   fails the run with PTO_ERR_DEADLOCK and a report when it never can).
 * Every task of a run has an id counting from 0. */
#ifndef PTO_RUN_H
#define PTO_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "pto/device.h"
#include "pto/kernel.h"
#include "pto/stats.h"
#include "pto/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t pto_task_id;
typedef struct pto_run pto_run;

typedef enum pto_run_mode {
    PTO_MODE_HOST_BUILT = 0, /* orchestration completes before launch */
    PTO_MODE_STREAMED = 1    /* orchestration runs alongside the schedulers */
} pto_run_mode;

/* task_window(size, unit, mode) (DESIGN 6.2): a scheduling bound on the
 * tasks in flight -- submitted and not yet completed -- distinct from the
 * task ring (pto_device_config.task_window, PTO_TASK_WINDOW), which bounds
 * the tasks not yet retired. What each unit and mode does on each platform
 * is the capability matrix (pto/caps.h, `pto caps`). */
typedef enum pto_window_unit {
    PTO_WINDOW_TASKS = 0, /* the window counts tasks */
    PTO_WINDOW_BYTES,     /* UNSUPPORTED: a run asking for it is refused */
    PTO_WINDOW_ENTRIES    /* UNSUPPORTED: a run asking for it is refused */
} pto_window_unit;

typedef enum pto_window_mode {
    PTO_WINDOW_STALL = 0, /* submitting a task while `size` are in flight
                             waits until one completes */
    PTO_WINDOW_ABORT,     /* ... fails the run with PTO_ERR_CAPACITY */
    PTO_WINDOW_BENCHMARK  /* ... is only counted: no change of behaviour */
} pto_window_mode;

typedef struct pto_run_config {
    pto_run_mode mode;
    int deterministic;      /* 1: one host thread (the device's driver)
                             simulates orchestrator, schedulers and cores as
                             a discrete-event simulation in cycle order: same
                             inputs, same dispatch order, trace and
                             total_cycles */
    uint32_t watchdog_ms;   /* progress watchdog: a run in which no task
                             completes for this long fails with
                             PTO_ERR_TIMEOUT and a report naming the tasks
                             still running (id, kernel name, func_id, core);
                             in deterministic mode, the time the simulation
                             has been inside one kernel call. The device is
                             then dead: no kernel starts any more, later
                             launches fail with PTO_ERR_STATE; close it
                             (see pto_device_close). 0 = 60000 */
    uint32_t publish_batch; /* streamed, threaded: submitted tasks are handed
                             to the schedulers in batches of this many, or
                             once the oldest has waited 20 us, or when the
                             orchestration waits or ends (the schedulers then
                             trail the orchestrator instead of contending for
                             the lines it writes); 0 = 64, 1 = every task at
                             the next submit */
    int check_bounds;       /* 1: bounds-checking mode for this run (also on
                             when the device was opened with it): every
                             PTO_OUT output gets a 64-byte red zone on each
                             side (a task's heap block grows by 64 bytes
                             plus 64 per output), and after each kernel
                             returns, the red zones of the buffers its
                             parameters view are checked; a damaged one
                             fails the run with PTO_ERR_KERNEL naming the
                             task, its kernel and the parameter. pto_malloc
                             buffers have red zones only on a device opened
                             with check_bounds. Off: no per-task work. */
    const char *dispatch;   /* the run's dispatch policy, "NAME" or "NAME:N"
                             (see pto/dispatch.h); its N sets the run's
                             lanes. NULL = "default" */
    uint32_t task_window;   /* at most this many tasks in flight (submitted,
                             not completed); 0 = unlimited (the default),
                             and then no per-task work. Counted in the
                             flow-control row PTO_STALL_TASK_WINDOW:
                             capacity = size, high_water = the most tasks
                             in flight, stalls and stall_ns = the waits
                             (BENCHMARK: the submissions that would have
                             waited; no time). In a streamed run, STALL
                             makes the orchestrator wait (a deterministic
                             run advances the simulation instead, so the
                             task is published at the cycle a task
                             completed); ABORT fails the run with
                             PTO_ERR_CAPACITY naming the window, its size
                             and the task; BENCHMARK only counts. A
                             host-built run builds its graph before launch,
                             so nothing is in flight yet that could
                             complete: STALL there is ignored and diagnosed
                             (pto_stats.diagnosed), while ABORT and
                             BENCHMARK count every task of the graph as in
                             flight. Semantic time: window 1 gives exactly
                             the sum of the tasks' cycles plus
                             dispatch_cycles each, in both modes. For a
                             window > 1 the deterministic mode is the
                             reference; a threaded run gives a task that
                             needed a completion to be admitted (every
                             task from id `size` on) the latest end cycle
                             of the tasks completed by then as its publish
                             cycle, so its cycles depend on the order in
                             which the host happened to complete them. */
    /* The window's unit and mode: PTO_WINDOW_TASKS and PTO_WINDOW_STALL
     * by default (both 0). */
    pto_window_unit window_unit;
    pto_window_mode window_mode;
} pto_run_config;

PTO_API void pto_run_config_default(pto_run_config *cfg); /* NULL: no-op */

/* Orchestration: adds tasks, deps and copy-backs through the run. A non-OK
 * return aborts the run with that status (nothing is dispatched). */
typedef pto_status (*pto_orch_fn)(pto_run *run, void *ctx, pto_error *err);

/* Runs orch, then executes the graph to completion, then performs the
 * recorded copy-backs. stats (may be NULL) receives the run's statistics.
 * One run at a time per device: a launch while another is in progress on
 * the same device (from another thread, or from inside an orchestration
 * function) fails at once with PTO_ERR_STATE, "a run is already in
 * progress". Kernel (un)registration during a launch is refused likewise,
 * except from a host-built orchestration function (see pto/kernel.h).
 * A run asking for a directive its platform and mode do not support (the
 * capability matrix, pto/caps.h) is refused with PTO_ERR_INVALID before
 * the orchestration function is called; one they ignore (DIAGNOSED) runs,
 * with a note on stderr counted in stats->diagnosed. */
PTO_API pto_status pto_launch(pto_device *dev, const pto_run_config *cfg, pto_orch_fn orch,
                              void *ctx, pto_stats *stats, pto_error *err);

PTO_API pto_device *pto_run_device(pto_run *run);

/* Adds a task running kernel func_id (which must be registered with this core
 * type) on nargs (<= PTO_MAX_ARGS) u64 arguments. No dependency inference:
 * order it with pto_add_dep. */
PTO_API pto_status pto_add_task(pto_run *run, int func_id, pto_core_type type, const uint64_t *args,
                                uint32_t nargs, pto_task_id *out, pto_error *err);

/* consumer waits for producer. Rejected with PTO_ERR_CYCLE (naming the tasks)
 * when it would close a cycle. Duplicate edges are allowed (each is counted
 * once on both sides). In streamed mode the consumer must be the newest task
 * (it is published when the next task is added, a scope ends, a value is read
 * or the orchestration returns); a producer that already retired is ignored. */
PTO_API pto_status pto_add_dep(pto_run *run, pto_task_id producer, pto_task_id consumer,
                               pto_error *err);

/* After the run completes, copy bytes from device src to host dst. */
PTO_API pto_status pto_copy_back(pto_run *run, void *host_dst, const void *dev_src, size_t bytes,
                                 pto_error *err);

/* Submits a task with tensor parameters; dependencies are inferred from
 * overlapping tensors (RAW for IN/INOUT; WAR and WAW for INOUT/OUT_EXISTING)
 * unless the innermost scope is PTO_SCOPE_MANUAL. The kernel receives one
 * u64 per parameter, in order: the address of the view's first element, or
 * the scalar. PTO_OUT parameters are allocated contiguously from the heap
 * arena (their tensor.base/stride are filled in); such an output stays valid
 * until the scope it was submitted in has ended and its readers finished. */
PTO_API pto_status pto_submit(pto_run *run, int func_id, pto_core_type type, pto_param *params,
                              uint32_t nparams, pto_task_id *out, pto_error *err);

/* A dependency-only task: no kernel; completes as soon as its producers
 * have. Its params take part in inference like a kernel's would. */
PTO_API pto_status pto_submit_dummy(pto_run *run, pto_param *params, uint32_t nparams,
                                    pto_task_id *out, pto_error *err);

/* Task shapes beyond one core (pto-runtime's block_dim and MIX kernels).
 *
 * SPMD: one kernel on block_num cores of `type` (1 <= block_num <= the
 * device's cores of that type); each part learns its index and the count
 * from pto_block_idx() and pto_block_num() (pto/kernel.h). Parts start as
 * cores of the type become free, each by the start rule on its own core;
 * with block_num idle cores they all start in the same cycle. The task
 * completes when every part has; it ends at its latest part's end.
 *
 * MIX: parts on one cluster (1 AIC + 2 AIV), or a declared subset `parts`
 * (PTO_MIX_* bits): the AIC part runs aic_func_id (registered for AIC), the
 * AIV parts aiv_func_id (registered for AIV), each told its part by
 * pto_subblock_idx(). It waits for a cluster whose declared cores are all
 * idle and starts every part in the same cycle, max over those cores'
 * clocks (and its producers' ends), plus dispatch_cycles; the task lasts as
 * long as its longest part. The simulation runs the parts one after another
 * on one host thread, AIC first, so AIV parts see what the AIC part wrote.
 *
 * Bad shapes are PTO_ERR_INVALID at submit: block_num 0 or more cores than
 * the device has of that type, parts 0 or outside PTO_MIX_CLUSTER, a kernel
 * missing for a declared part. Dependencies are inferred as for
 * pto_submit; every part receives the same arguments. */
#define PTO_MIX_AIC 1u  /* the cluster's cube core */
#define PTO_MIX_AIV0 2u /* its first vector core */
#define PTO_MIX_AIV1 4u /* its second vector core */
#define PTO_MIX_CLUSTER 7u
PTO_API pto_status pto_submit_spmd(pto_run *run, int func_id, pto_core_type type,
                                   uint32_t block_num, pto_param *params, uint32_t nparams,
                                   pto_task_id *out, pto_error *err);
PTO_API pto_status pto_submit_mix(pto_run *run, uint32_t parts, int aic_func_id, int aiv_func_id,
                                  pto_param *params, uint32_t nparams, pto_task_id *out,
                                  pto_error *err);

#define PTO_MAX_SCOPE_DEPTH 64

typedef enum pto_scope_mode {
    PTO_SCOPE_AUTO = 0,  /* infer dependencies from tensors */
    PTO_SCOPE_MANUAL = 1 /* no inference: explicit pto_add_dep only */
} pto_scope_mode;

/* Scopes bound task lifetime: each task holds one reference for the
 * innermost scope open when it was added, released by that scope's end.
 * Tasks outside every user scope belong to the run's implicit scope, which
 * ends when the orchestration function returns. name is copied. */
PTO_API pto_status pto_scope_begin(pto_run *run, const char *name, pto_scope_mode mode,
                                   pto_error *err);
PTO_API pto_status pto_scope_end(pto_run *run, pto_error *err);

/* Copies element `index` (row-major over the view's shape) of t into dst
 * (t->elem bytes), after every earlier task writing it has finished. */
PTO_API pto_status pto_read(pto_run *run, const pto_tensor *t, uint64_t index, void *dst,
                            pto_error *err);

#ifdef __cplusplus
}
#endif
#endif
