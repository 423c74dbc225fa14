/* Runs: orchestration (building the task graph) and launch.
 *
 * A run executes one orchestration function on a device. In host-built mode
 * (pto-runtime's host_build_graph) the function runs to completion on the
 * calling thread before any task is dispatched; the task ring must then hold
 * the whole graph. Every task of a run has an id counting from 0. */
#ifndef PTO_RUN_H
#define PTO_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "pto/device.h"
#include "pto/kernel.h"
#include "pto/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t pto_task_id;
typedef struct pto_run pto_run;

typedef enum pto_run_mode {
    PTO_MODE_HOST_BUILT = 0 /* orchestration completes before launch */
} pto_run_mode;

typedef struct pto_run_config {
    pto_run_mode mode;
    uint32_t watchdog_ms; /* a run with no task completing for this long fails
                             with PTO_ERR_TIMEOUT and a report; 0 = 60000 */
} pto_run_config;

void pto_run_config_default(pto_run_config *cfg);

/* Orchestration: adds tasks, deps and copy-backs through the run. A non-OK
 * return aborts the run with that status (nothing is dispatched). */
typedef pto_status (*pto_orch_fn)(pto_run *run, void *ctx, pto_error *err);

/* Runs orch, then executes the graph to completion, then performs the
 * recorded copy-backs. stats (may be NULL) receives the run's statistics.
 * One run at a time per device. */
pto_status pto_launch(pto_device *dev, const pto_run_config *cfg, pto_orch_fn orch,
                      void *ctx, pto_stats *stats, pto_error *err);

pto_device *pto_run_device(pto_run *run);

/* Adds a task running kernel func_id (which must be registered with this core
 * type) on nargs (<= PTO_MAX_ARGS) u64 arguments. */
pto_status pto_add_task(pto_run *run, int func_id, pto_core_type type,
                        const uint64_t *args, uint32_t nargs, pto_task_id *out,
                        pto_error *err);

/* consumer waits for producer. Rejected with PTO_ERR_CYCLE (naming the tasks)
 * when it would close a cycle; duplicate edges are ignored. */
pto_status pto_add_dep(pto_run *run, pto_task_id producer, pto_task_id consumer,
                       pto_error *err);

/* After the run completes, copy bytes from device src to host dst. */
pto_status pto_copy_back(pto_run *run, void *host_dst, const void *dev_src,
                         size_t bytes, pto_error *err);

#ifdef __cplusplus
}
#endif
#endif
