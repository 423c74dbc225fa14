/* Random programs for the streamed/host-built runtime, checked against
 * serial execution (used by tests/test_stream_random.c and tests/stress.c).
 *
 * Three GM buffers of 64 u32. Each step is one task of the same kernel over
 * 1..4 views of those buffers (random buffer, offset and extent; either a
 * 2-D tile of the 8 x 8 interpretation with row stride 8, or a contiguous
 * run given as a 1-D or 2-D tensor), each view IN, INOUT or OUT_EXISTING.
 * A third of the views (and of the slot loads) use an interior base
 * pointer: buffer + some or all of the view's offset, the rest left in the
 * offset -- views of one buffer must meet whatever base each one uses.
 * The kernel's result depends on the order of the tasks touching a range,
 * so any missing RAW, WAR or WAW edge changes the final buffers (or is a
 * data race TSan reports). The same program is run serially on host copies
 * with the very same kernel function, and all buffers are compared exactly.
 * Streamed programs group their steps into scopes of at most
 * min(window, 6) tasks, so the ring never deadlocks.
 *
 * Run-time scalars (half the programs, pto/scalars.h): before a step, a
 * slot task may write one of RP_SLOTS slots (load an element of a buffer,
 * set a constant, or set slot := other * 3 + 1), and a step may carry a
 * predicate over a slot and its param0 (the step number); the serial run
 * evaluates both in program order, skipping the kernel when false, so a
 * missing slot edge changes the buffers too. */
#ifndef PTO_TESTS_RANDOM_PROGRAM_H
#define PTO_TESTS_RANDOM_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "pto/pto.h"

#define RP_NBUF 3
#define RP_LEN 64 /* u32 per buffer, also an 8 x 8 grid */
#define RP_GRID 8
#define RP_MAX_VIEWS 4 /* 4 header args + 3 per view = 16 = PTO_MAX_ARGS */
#define RP_STEPS 48

enum { RP_IN = 0, RP_INOUT = 1, RP_OUT = 2 };

typedef struct rp_view {
    uint32_t buf, kind;
    uint32_t off;     /* first element */
    uint32_t rstride; /* elements between rows */
    int tile;         /* a tile of the 8 x 8 grid (else a contiguous run) */
    int one_d;        /* contiguous run given as a 1-D tensor */
    uint32_t shift;   /* elements of `off` moved into the base pointer: the
                         tensor's base is buffer + shift, its offset
                         (off - shift) elements (0: the buffer's start) */
} rp_view;

typedef struct rp_step {
    uint32_t rows, cols, nviews;
    rp_view v[RP_MAX_VIEWS];
    int scope_begin, scope_end; /* streamed grouping */
    /* scalars: the slot task before the step, and its predicate */
    uint32_t sop;             /* RP_SOP_* */
    uint32_t slot, sbuf, selem, sfrom; /* written slot; load source; set source slot */
    uint32_t sshift;          /* load: the element's view starts this many
                                 elements into the buffer (<= selem) */
    uint64_t sval;            /* constant */
    uint32_t pred;            /* 0, RP_PRED_EVEN, RP_PRED_MOD3 */
    uint32_t pslot;           /* the slot it reads */
} rp_step;

#define RP_SLOTS 4
enum { RP_SOP_NONE = 0, RP_SOP_LOAD, RP_SOP_CONST, RP_SOP_EXPR };
enum { RP_PRED_NONE = 0, RP_PRED_EVEN, RP_PRED_MOD3 }; /* (slot & 1) == 0; (slot + param0) % 3 != 0 */

typedef struct rp_program {
    uint32_t nsteps;
    uint32_t ntasks; /* steps and slot tasks */
    rp_step s[RP_STEPS];
    uint32_t init[RP_NBUF][RP_LEN];
} rp_program;

/* The kernel every step runs (register it as func_id 0, AIV). */
void rp_kernel(const uint64_t *args);
void rp_make(rp_program *p, uint64_t seed, uint32_t nsteps, uint32_t max_scope, int scalars);
/* Returns how many steps their predicate skipped. */
uint32_t rp_serial(const rp_program *p, uint32_t out[RP_NBUF][RP_LEN]);

/* One case: the program of `seed` for this window and mode, run on dev
 * (whose kernel 0 is rp_kernel) and compared with serial execution. The
 * program is min(RP_STEPS, window) long for host-built runs (the graph must
 * fit); dispatch is the run's policy (NULL: default). 0 on success; otherwise 1 with the reason in why. stats, when not
 * NULL, receives the run's statistics. */
int rp_run_case(pto_device *dev, uint32_t window, pto_run_mode mode, int deterministic,
                const char *dispatch, uint64_t seed, uint32_t publish_batch,
                uint32_t watchdog_ms, pto_stats *stats, char *why, size_t why_len);

#endif
