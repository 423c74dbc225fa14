/* A scope of a run (scope.c): its tasks are held until it ends.
 * Invariants: written only by the thread running the orchestration. */
#ifndef PTO_ORCH_SCOPE_H
#define PTO_ORCH_SCOPE_H

#include <stdint.h>

#include "orchestration/policy.h"
#include "pto/run.h"

#define PTO_SCOPE_NAME_MAX 48

typedef struct pto_scope {
    char name[PTO_SCOPE_NAME_MAX];
    pto_scope_mode mode;
    uint64_t heap_bytes;   /* PTO_OUT bytes requested while open */
    pto_policy_sel policy; /* dispatch policy of its tasks: its parent's
                              until pto_set_dispatch */
} pto_scope;

#endif
