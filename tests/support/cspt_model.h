/* A reference model of CSPT time (DESIGN 6.4) for the programs of
 * tests/support/random_csp.h, written from the design's rules, not from the
 * runtime's code.
 *
 * Assumption: no two tasks ever contend for a core. Each process's tasks
 * are sequential (program order), so at most one task of a process runs at
 * a time, and the devices the tests use have at least as many AIV cores as
 * processes (RC_BLOCKS): a ready task always finds an idle core, and an
 * idle core's clock is never later than the cycle the task becomes ready.
 * Dependency-only tasks need no core.
 *
 * The rules, with D = dispatch_cycles (docs/platform.md: a kernel task
 * starts at max(core clock, ready cycle) + D) and L = the channel latency:
 *
 *  - Program order: a process's task starts no earlier than the end of its
 *    previous task and than the completion of every send it made since.
 *  - Data: a task starts no earlier than the end of the task that last
 *    wrote a cell it reads (each cell[i][s] is written once, by stage s's
 *    last task of item i; the scratch cells are private to a process and
 *    so covered by program order).
 *  - A send follows what the process did last: its "task end" E is the end
 *    of the process's last task or, for a second send before another task,
 *    the completion of the previous send (a process is a sequential actor:
 *    it issues the second send once the first completed).
 *  - Capacity C >= 1: send k completes at tau_k = max(E, start of R_{k-C})
 *    (for k < C: E), R_j being the receiving task of token j. R_k starts
 *    no earlier than tau_k + L.
 *  - Rendezvous C = 0: receive k happens when R_k starts, which is no
 *    earlier than E + L (and the receiver's own constraints); send k
 *    completes at R_k's start.
 *  - A receive's receiving task is the process's next task (DESIGN 6.4:
 *    "the receiving process's next task depends on token k"); a process
 *    receiving on two channels before a task receives both when that task
 *    starts.
 *  - A feedback channel (tests/support/random_csp.h) carries no data, and
 *    its receiver takes nothing from it before item lag.
 *  - A kernel task starts at max(all of the above) + D and ends cycles
 *    later; makespan = the latest task end. */
#ifndef PTO_TESTS_CSPT_MODEL_H
#define PTO_TESTS_CSPT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "support/random_csp.h"

/* The model's times. Invariant (once cspt_model returned 0): for each
 * stage s, item i < nitems and task j < p[s].ntasks, end = start +
 * cycles[i][j], and start >= the end of the stage's previous task + D. */
typedef struct cspt_times {
    uint64_t start[RC_MAX_PROCS][RC_MAX_ITEMS][RC_MAX_TASKS];
    uint64_t end[RC_MAX_PROCS][RC_MAX_ITEMS][RC_MAX_TASKS];
    uint64_t makespan;
} cspt_times;

/* Computes every task's times. 0 on success; 1 (reason in why) when the
 * program deadlocks, which a valid rc_program never does. */
int cspt_model(const rc_program *p, cspt_times *t, char *why, size_t why_len);

#endif
