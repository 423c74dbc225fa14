/* Dispatch policies (DESIGN 6.1; public side: pto/dispatch.h): a registry
 * of named entries — the built-ins in one table, the device's user
 * policies after them — and the routing of each task as it is added.
 *
 * Invariants: a pto_policy_sel is written by the thread running the
 * orchestration (or the launching thread before it starts) and names an
 * entry that outlives the run: a built-in, or a user policy, which cannot
 * be (re)registered while a run is in progress. */
#ifndef PTO_ORCH_POLICY_H
#define PTO_ORCH_POLICY_H

#include <stdint.h>

#include "core/device.h"
#include "pto/dispatch.h"

typedef struct pto_policy_def {
    const char *name;
    int row;       /* its capability-matrix row (pto_cap_row) */
    int needs_key; /* routes by key: a task without one is refused */
    int steal;     /* idle lanes take ready work from their peers */
    uint32_t (*route)(const pto_route_info *info); /* NULL: no routing */
} pto_policy_def;

/* A policy in effect: a built-in (def) or a user policy (user), and n. */
typedef struct pto_policy_sel {
    const pto_policy_def *def;
    const struct pto_user_policy *user;
    uint32_t n;
    int routes; /* def->route or user: the task path's one test */
} pto_policy_sel;

/* Parses "NAME" or "NAME:N" (spec NULL: "default") against dev's registry.
 * lanes: the run's lanes, the bound on N and its default; 0 at launch,
 * when N sets the lanes (it must then be <= pto_lanes_max). `what` names
 * the caller in messages. */
pto_status pto_policy_parse(const pto_device *dev, const char *spec, uint32_t lanes,
                            const char *what, pto_policy_sel *out, pto_error *err);

/* The capability matrix on sel (and, for dealt lanes, on lanes) for the
 * run's platform: UNSUPPORTED refuses it (naming policy and platform),
 * DIAGNOSED notes it once and makes sel the default policy. */
struct pto_run;
pto_status pto_policy_require(struct pto_run *run, pto_policy_sel *sel, pto_error *err);

/* The target of a key under built-in policy number `policy` (a
 * pto_task's key_policy) over n lanes: for keys known only at dispatch. */
uint32_t pto_policy_route_key(uint32_t policy, uint32_t n, uint64_t key);

/* The lanes a run with policy sel has: its N, or one per scheduler. */
uint32_t pto_policy_lanes(const pto_device *dev, const pto_policy_sel *sel);

#endif
