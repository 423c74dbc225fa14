/* Random explicit-dependency DAGs for host-built runs (used by
 * tests/test_dag.c and tests/stress.c): every kernel logs when it starts and
 * ends on a shared logical clock; every edge p -> c must show
 * end(p) < start(c), every task must run once, on a core of its type. */
#ifndef PTO_TESTS_RANDOM_DAG_H
#define PTO_TESTS_RANDOM_DAG_H

#include <stddef.h>
#include <stdint.h>

#include "pto/pto.h"

#define RD_MAX_N 10000
#define RD_MAX_IN 4

typedef struct rd_dag {
    uint32_t n;
    uint32_t order[RD_MAX_N]; /* topological rank -> task index */
    uint32_t nin[RD_MAX_N];
    uint32_t in[RD_MAX_N][RD_MAX_IN]; /* producers (task indices) */
    uint8_t aic[RD_MAX_N];
} rd_dag;

/* Registers the logging kernel as func_id 0 (AIC) and 1 (AIV). */
pto_status rd_register(pto_device *dev, pto_error *err);
/* A random DAG of n <= RD_MAX_N tasks in a random topological order. */
void rd_make(rd_dag *d, uint32_t n, uint64_t seed);
/* Runs it (host-built; deterministic if asked; under dispatch policy
 * `dispatch`, NULL for the default) and checks every edge, that every task
 * ran, the core types and, under "round_robin:N", that task i ran on lane
 * i mod N. 0 on success, else 1 and why. *edges receives the number of
 * edges checked. */
int rd_run_case(pto_device *dev, const rd_dag *d, int deterministic, const char *dispatch,
                uint32_t watchdog_ms, uint64_t *edges, char *why, size_t why_len);

#endif
