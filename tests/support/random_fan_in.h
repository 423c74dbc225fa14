/* Random fan-in programs (pto_channel_fan_in, docs/csp.md "Fan-in"), used
 * by tests/test_csp_fan_in_random.c and tests/stress.c: 2..FR_P producer
 * processes send on one channel into one consumer, each token's payload
 * naming its producer and item; capacity 0..4, latency 0..20, 1..FR_J
 * items per producer, every task 1..60 cycles (small, so that ends often
 * tie). Streamed runs only (fan-in needs them).
 *
 * Deterministic runs are checked against a model of DESIGN 6.4's CSPT
 * rules with the fan-in order of docs/csp.md, written from those rules:
 * every producer and consumer task's start and end, the token order and
 * the total. Threaded runs check the values (the consumer's task for a
 * token works on its payload's item, so values do not depend on the order)
 * and that every producer's tokens arrive once, in its own order.
 *
 * The model, with D = dispatch_cycles and L = the latency. No task waits
 * for a core (at most FR_P + 1 processes run one task each at a time, on
 * at least that many AIV cores), so a task starts at its ready cycle + D:
 *  - producer p's task j starts at S + D, S = the completion of its
 *    previous send (0 for j = 0), and ends at E = its start + cycles;
 *  - tokens are numbered in the order of their sends' tasks' E; within one
 *    cycle by the core the task ran on (the simulation completes a cycle's
 *    tasks in core order). The core is an execution fact the model takes
 *    from the run's records, for ties only;
 *  - capacity C >= 1: send k completes at tau_k = max(E_k, start of R_{k-C})
 *    (E_k for k < C), and R_k starts at max(end of R_{k-1}, tau_k + L) + D;
 *  - rendezvous: R_k starts at max(end of R_{k-1}, E_k + L) + D, and send k
 *    completes at that start;
 *  - total = the latest end.
 * Every producer's next E depends only on tokens already numbered, so the
 * model numbers tokens one at a time, taking the smallest pending E. */
#ifndef PTO_TESTS_RANDOM_FAN_IN_H
#define PTO_TESTS_RANDOM_FAN_IN_H

#include <stddef.h>
#include <stdint.h>

#include "pto/pto.h"

#define FR_P 4  /* producers at most */
#define FR_J 12 /* items per producer at most */
#define FR_T (FR_P * FR_J)
#define FR_KERNEL 1 /* fr_kernel's func_id (AIV) */
#define FR_AIV_CORES (FR_P + 1)

/* A program. Invariants: 2 <= producers <= FR_P; 1 <= items[p] <= FR_J;
 * total = sum of items; capacity <= 4; latency <= 20; every cycles value
 * in 1..60; dispatch is the device's dispatch_cycles. */
typedef struct fr_prog {
    uint32_t producers, items[FR_P], total, capacity;
    uint64_t latency;
    uint32_t dispatch;
    uint32_t pcyc[FR_P][FR_J]; /* producer p's task for item j */
    uint32_t ccyc[FR_T];       /* the consumer's task for token k */
    uint32_t init[FR_P][FR_J];
} fr_prog;

/* The kernel every task runs; register it as FR_KERNEL, AIV. */
void fr_kernel(const uint64_t *args);

/* The program of `seed` for a device of dispatch_cycles `dispatch`. */
void fr_make(fr_prog *p, uint64_t seed, uint32_t dispatch);

/* A one-line description, for failure messages. */
void fr_describe(const fr_prog *p, char *out, size_t n);

/* Runs p (streamed) on dev (opened with p->dispatch, FR_AIV_CORES AIV
 * cores or more, a trace capacity of 4 * FR_T or more; FR_KERNEL
 * registered; the latency symbol declared or not) and checks it as above.
 * 0 on success; otherwise 1 with the reason in why. */
int fr_run_case(pto_device *dev, const fr_prog *p, int deterministic, uint32_t watchdog_ms,
                char *why, size_t why_len);

#endif
