/* Bounds-checking mode: which red zones each task's parameters touch, and
 * the check that runs right after the task's kernel returns.
 *
 * Invariants:
 * - guards[] has one pto_guard_set per task-ring slot (allocated at device
 *   open, calloc'ed: pages of a device that never checks stay unmapped).
 *   The orchestrator fills a task's set while adding it (before the task is
 *   published); the executor running the task reads it after the kernel. A
 *   set whose `task` is not the task's id (a task added by pto_add_task, or
 *   a slot last used by an older task) means "nothing to check".
 * - g[0..n) names distinct buffers (by start), each once, with the
 *   parameter most likely to have written it (a writing kind before NO_DEP
 *   before IN).
 * - report.claimed goes 0 -> 1 once per run (reset by the launch): the
 *   executor that claims it fills err; the launching thread reads err after
 *   every task has completed. */
#ifndef PTO_CORE_BOUNDS_H
#define PTO_CORE_BOUNDS_H

#include <stdatomic.h>
#include <stdint.h>

#include "pto/kernel.h"
#include "pto/tensor.h"
#include "pto/status.h"

struct pto_device;
struct pto_task;

/* pto_guard.kind of a raw pto_add_task argument. */
#define PTO_GUARD_ARG 0xff

/* One guarded buffer [start, start + bytes): red zones on both sides. */
typedef struct pto_guard {
    uint64_t start, bytes;
    uint8_t param, kind; /* the parameter it is reported as: a pto_param_kind,
                            or PTO_GUARD_ARG */
} pto_guard;

typedef struct pto_guard_set {
    uint64_t task;
    uint32_t n;
    pto_guard g[PTO_MAX_ARGS];
} pto_guard_set;

typedef struct pto_bounds_report {
    _Atomic int claimed;
    pto_error err;
} pto_bounds_report;

/* "IN", "OUT", ... for messages (bounds and view checks). */
const char *pto_param_kind_name(pto_param_kind k);

/* Adds buffer [start, +bytes) of parameter `param` (argument `param` when
 * kind is PTO_GUARD_ARG) to the set (see the invariants on duplicates). */
void pto_guard_add(pto_guard_set *s, uint64_t start, uint64_t bytes, uint32_t param, int kind);

/* Right after task t's kernel (k_name, t->func_id) returned: 0 when the red
 * zones of its parameters are intact; else 1, and the first damage of the
 * run is reported (pto_bounds_report). */
int pto_bounds_check_task(struct pto_device *dev, const struct pto_task *t);

#endif
