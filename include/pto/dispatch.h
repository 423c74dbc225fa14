/* Dispatch policies and lanes (PTO-WSP v10 `dispatch(policy)`).
 *
 * A dispatch target is a lane: a fixed set of cores (see pto_lanes_get).
 * A policy routes each kernel task of a run (one-core and SPMD tasks; a MIX
 * task claims a whole cluster and is not routed; a dependency-only task
 * needs no core) to one of n targets; the task then runs on a core of that
 * lane, and so do its SPMD parts. Policies, by name:
 *
 *   default        no routing: a task goes to the shared queues, any
 *                  scheduler runs it, and a successor stays on the
 *                  scheduler that completed its producer.
 *   round_robin:N  target = routing index mod N; the routing index counts
 *                  the run's routed tasks in submission order, from 0.
 *   affinity:N     target = key mod N: equal keys, same target.
 *   hash:N         target = mix64(key) mod N, mix64 being the splitmix64
 *                  finalizer, so consecutive and strided keys spread.
 *   work_steal:N   starts a task on key mod N (routing index mod N when it
 *                  has no key); a lane with an idle core takes ready work
 *                  from its peers' queues (deterministic mode: peers in the
 *                  order l+1, l+2, ... mod N).
 *   user policies  pto_policy_register.
 *
 * N defaults to the run's lanes. The run's lanes are the N of the run's
 * policy (pto_run_config.dispatch), or one per scheduler: with N equal to
 * the schedulers each scheduler's blocks are a lane; with another N the
 * cores of each type are dealt to N lanes round robin, which needs N <= the
 * device's AIV cores (2 per block). A task of a type its lane has no core
 * of (N above the AIC cores, for an AIC task) is refused at submit. A key
 * is a u64 given before the task is submitted (pto_set_task_key); affinity
 * and hash refuse a task without one.
 *
 * Semantic time: a routed task starts by the usual rule on a core of its
 * lane; with one core per lane, round_robin:N over k equal independent
 * tasks of c cycles takes ceil(k/N)*c cycles (plus dispatch_cycles per
 * task). */
#ifndef PTO_DISPATCH_H
#define PTO_DISPATCH_H

#include <stdint.h>

#include "pto/device.h"
#include "pto/run.h"
#include "pto/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a policy sees of the task it routes. */
typedef struct pto_route_info {
    uint64_t task_id;
    uint64_t index; /* routing index: routed tasks of the run before it */
    uint64_t key;   /* 0 when it has none */
    int has_key;
    int func_id;
    pto_core_type type;
    uint32_t ntargets; /* N: the policy's targets, 0..N-1 */
} pto_route_info;

/* A user policy: returns the target (< info->ntargets) of the task. It is
 * called exactly once per routed task, on the thread running the
 * orchestration, in submission order; a target out of range fails the
 * submit. */
typedef uint32_t (*pto_route_fn)(void *ctx, const pto_route_info *info);

#define PTO_MAX_USER_POLICIES 16
#define PTO_POLICY_NAME_MAX 32

/* Registers a user policy on dev under name (not a built-in's, at most
 * PTO_POLICY_NAME_MAX - 1 characters of [A-Za-z0-9_]); registering a name
 * again replaces its function and context. Not during a launch. */
PTO_API pto_status pto_policy_register(pto_device *dev, const char *name, pto_route_fn route,
                                       void *ctx, pto_error *err);

/* Inside an orchestration function: the policy ("NAME" or "NAME:N"; N at
 * most the run's lanes) for the tasks submitted from now until the
 * innermost open scope ends (the run's implicit scope: the rest of the
 * run); an enclosing scope's policy is back after it. */
PTO_API pto_status pto_set_dispatch(pto_run *run, const char *policy, pto_error *err);

/* The key of the next task submitted (consumed by it). */
PTO_API pto_status pto_set_task_key(pto_run *run, uint64_t key, pto_error *err);

/* The lane map of a run of `lanes` lanes on dev (0: one per scheduler). */
typedef struct pto_lane_map {
    uint32_t lanes, cores;
    uint8_t lane[PTO_MAX_CORES];      /* lane of each core */
    uint8_t scheduler[PTO_MAX_CORES]; /* scheduler owning each core */
} pto_lane_map;

PTO_API pto_status pto_lanes_get(const pto_device *dev, uint32_t lanes, pto_lane_map *out,
                                 pto_error *err);

#ifdef __cplusplus
}
#endif
#endif
