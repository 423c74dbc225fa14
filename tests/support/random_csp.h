/* Random CSP programs (DESIGN 6.4, pto/csp.h), checked two ways: their data
 * against a serial host computation, and, in deterministic runs, every
 * task's start and end cycle against the reference CSPT model of
 * tests/support/cspt_model.h (used by tests/test_csp_random.c and
 * tests/stress.c).
 *
 * A program is 2..RC_MAX_PROCS processes (stages) over RC_MAX_ITEMS items
 * at most. Stage 0 is the source: it produces items 0..N-1. Every other
 * stage s receives each item on 1 or 2 channels from earlier stages (a
 * pipeline: from s - 1; a small DAG: from any earlier stages, so forks,
 * and joins when asked), and may send it on to later ones. Each channel has exactly one
 * sending and one receiving process (no fan-in), a capacity 0..4 (0: a
 * rendezvous) and, for some channels, the item index as payload, which the
 * receiver then uses to choose the item's buffer (it checks the payload
 * against its own count, and a wrong payload also shows in the data).
 *
 * Per item, stage s: receives on its input channels in order, submits 1 or
 * 2 tasks of rc_kernel, then sends on its output channels in order. The
 * tasks compute cell[i][s] from the cells of its input stages for item i
 * (stage 0: from init[i]) with the stage's own affine op, through a
 * per-stage scratch cell when the stage has 2 tasks (so the scratch cell
 * sees RAW, WAR and WAW between items, all inferred from tensors). Each
 * task reports its cycles (1..200) from a param. */
#ifndef PTO_TESTS_RANDOM_CSP_H
#define PTO_TESTS_RANDOM_CSP_H

#include <stddef.h>
#include <stdint.h>

#include "pto/pto.h"

#define RC_MAX_PROCS 5
#define RC_MAX_IN 2  /* input channels of a stage */
#define RC_MAX_OUT 4 /* output channels of a stage */
#define RC_MAX_CHANS 8
#define RC_MAX_ITEMS 40
#define RC_MAX_TASKS 2 /* tasks of a stage per item */
#define RC_KERNEL 0    /* rc_kernel's func_id (AIV) */

/* A channel. Invariants: from < to (stages are numbered in a topological
 * order, so the forward channels are acyclic), or, for a feedback channel
 * (rc_add_feedback), from > to, 1 <= lag <= capacity; capacity <= 4; each
 * channel is listed once in procs[from].out and once in procs[to].in, a
 * feedback channel last. A feedback channel carries no data: stage `to`
 * receives token i - lag before its task of item i >= lag (a credit loop),
 * and lag tokens are left unreceived. */
typedef struct rc_chan {
    uint32_t from, to;
    uint32_t capacity;
    int payload;  /* 1: carries the item index, and the receiver uses it
                    (checks it; a forward channel's also picks the buffer) */
    uint32_t lag; /* a feedback channel's (0: a forward channel) */
} rc_chan;

/* A process (stage). Invariants: stage 0 has nin == 0, every other stage
 * 1 <= nin <= RC_MAX_IN with distinct channels; nout <= RC_MAX_OUT;
 * 1 <= ntasks <= RC_MAX_TASKS; cycles[i][j] in 1..200 for i < nitems,
 * j < ntasks. */
typedef struct rc_proc {
    uint32_t nin, in[RC_MAX_IN];    /* channel indices, in receive order */
    uint32_t nout, out[RC_MAX_OUT]; /* channel indices, in send order */
    uint32_t ntasks;
    uint32_t mul, add, mul2, add2; /* task 0's op; task 1's op (scratch -> cell) */
    uint32_t cycles[RC_MAX_ITEMS][RC_MAX_TASKS];
} rc_proc;

/* A program. Invariants: 2 <= nprocs <= RC_MAX_PROCS; nchans <=
 * RC_MAX_CHANS; 1 <= nitems <= RC_MAX_ITEMS; every stage s >= 1 is reached
 * from stage 0 (it has an input); latency <= 20; dispatch_cycles is the
 * device's (the program runs only on a device opened with it); routed: the
 * run uses "affinity:nprocs" with key = stage, else the default policy. */
typedef struct rc_program {
    uint32_t nprocs, nchans, nitems;
    int dag; /* 0: a pipeline (stage s receives from s - 1 only) */
    rc_proc p[RC_MAX_PROCS];
    rc_chan c[RC_MAX_CHANS];
    uint64_t latency;
    uint32_t dispatch_cycles;
    int routed;
    uint32_t init[RC_MAX_ITEMS];
} rc_program;

/* The kernel every task runs; register it as RC_KERNEL, AIV. */
void rc_kernel(const uint64_t *args);

/* The program of `seed` (dispatch_cycles: the device's). joins: 0 gives
 * every stage one input channel (pipelines and forks), so a receive is
 * always followed by the stage's task; 1 also gives a third of the stages
 * after the second two inputs; some of those are CSP deadlocks by DESIGN
 * 6.4 (tests/test_csp_random.c's test_joins checks them against the
 * model), so the random runs use joins = 0. */
void rc_make(rc_program *p, uint64_t seed, uint32_t dispatch_cycles, int joins);

/* Adds a feedback channel to p (made with joins = 0), from a stage to an
 * earlier one, chosen by seed: a cycle of processes, whose edges the
 * runtime partly leaves out as implied (csp.h, "Implied edges"). */
void rc_add_feedback(rc_program *p, uint64_t seed);

/* What rc_serial computes: cell[i][s], the value of item i after stage s. */
typedef struct rc_values {
    uint32_t cell[RC_MAX_ITEMS][RC_MAX_PROCS];
} rc_values;
void rc_serial(const rc_program *p, rc_values *out);

/* A one-line description of the program, for failure messages. */
void rc_describe(const rc_program *p, char *out, size_t n);

/* Runs p on dev (opened with p->dispatch_cycles, RC_BLOCKS blocks or
 * more, a task window and trace capacity of RC_WINDOW or more; kernel
 * RC_KERNEL registered) and checks it: the
 * cells against rc_serial, the payloads, and in deterministic runs every
 * task's start and end cycle and total_cycles against the CSPT model. 0 on
 * success; otherwise 1 with the reason in why. */
int rc_run_case(pto_device *dev, const rc_program *p, pto_run_mode mode, int deterministic,
                uint32_t watchdog_ms, char *why, size_t why_len);

/* The device shape every program fits: AIV cores >= RC_MAX_PROCS, so each
 * process has a core to itself; a window holding any program's whole
 * graph (host-built runs need it). */
#define RC_BLOCKS 3
#define RC_WINDOW 2048

#endif
