/* Run-time scalars of a run (DESIGN §6.5): 256 u64 slots, the tasks that
 * set and load them, and predicates and dispatch keys that ScalarExprs
 * (pto/expr.h) compute once a task's producers have completed. Semantics,
 * ordering rules and costs: docs/scalars.md. */
#ifndef PTO_SCALARS_H
#define PTO_SCALARS_H

#include <stdint.h>

#include "pto/expr.h"
#include "pto/run.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PTO_SLOTS PTO_EXPR_SLOTS /* slots per run, all 0 when it starts */
#define PTO_RUN_EXPRS 64         /* distinct predicates, keys and slot values per run */
#define PTO_TASK_SLOT_READS 8    /* distinct slots one task's predicate and key read */

/* Slot `slot` := value, an i64 or u64 expression over slots and symbols
 * (a param reads 0). A dependency-only task does it: inside an automatic
 * scope it runs after the tasks that wrote the slots it reads and after
 * the tasks before it that read or wrote slot `slot` (program order), and
 * the tasks after it that read the slot wait for it. *out (may be NULL):
 * its task id. */
PTO_API pto_status pto_slot_set(pto_run *run, uint32_t slot, const pto_expr *value,
                                pto_task_id *out, pto_error *err);
PTO_API pto_status pto_slot_set_u64(pto_run *run, uint32_t slot, uint64_t value, pto_task_id *out,
                                    pto_error *err);

/* Slot `slot` := element `index` (row-major) of the view t, its elem bytes
 * (1, 2, 4 or 8) read as an unsigned little-endian integer (an f32 gives
 * its bits; an int32 -1 gives 0xffffffff). A dependency-only task does it
 * once the element's producer has completed, so the orchestration never
 * waits for it; it is ordered with the slot's readers and writers as
 * pto_slot_set is. */
PTO_API pto_status pto_slot_load(pto_run *run, uint32_t slot, const pto_tensor *t, uint64_t index,
                                 pto_task_id *out, pto_error *err);

/* The next task submitted (any kind, slot tasks included) carries a
 * predicate: a bool expression over its params (param N = its Nth kernel
 * argument word), slots and symbols, evaluated once, when its producers
 * have completed. False: the task is skipped -- no kernel runs, it takes 0
 * cycles, its consumers are released, its outputs keep what they held --
 * and counted in pto_stats.skipped. Axis variables and task tags have no
 * value at dispatch: an expression reading one is refused. */
PTO_API pto_status pto_set_task_predicate(pto_run *run, const pto_expr *pred, pto_error *err);

/* The next task submitted has a dispatch key computed by an i64 or u64
 * expression (same leaves as a predicate) when its producers have
 * completed, for the policies that route by key: affinity, hash and
 * work_steal (a user policy is refused; the default and round_robin
 * ignore keys, as they ignore pto_set_task_key). */
PTO_API pto_status pto_set_task_key_expr(pto_run *run, const pto_expr *key, pto_error *err);

/* The slots as the device's last run left them (all PTO_SLOTS); dev NULL
 * or no run yet: zeros. */
PTO_API void pto_last_run_slots(const pto_device *dev, uint64_t out[PTO_SLOTS]);

#ifdef __cplusplus
}
#endif
#endif
