/* taskbench: shared workload definitions, kernel, validation and driver loop.
 *
 * A workload is a grid of `steps` timesteps x `width` points. Point (t, x) is
 * one task; at t > 0 it reads the outputs of its dependencies at step t - 1
 * (given by the pattern) and writes its own output. Outputs live in two data
 * fields: step t writes field t % 2, so a record is overwritten two steps
 * later (runtimes that infer dependencies from data see the WAR/WAW hazards
 * this creates, runtimes with explicit edges must add them).
 *
 * Every output record carries a tag naming (run epoch, t, x); every task
 * checks that each input it received carries exactly the tag of the
 * dependency it expects, and counts itself in a per-point counter. After a run
 * the counters and the last step's outputs are checked too. Any mismatch
 * marks the run invalid.
 *
 * Each runtime driver implements tb_runtime and calls tb_main. */
#ifndef TB_H
#define TB_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tb_pattern {
    TB_TRIVIAL,    /* no dependencies, no declared data */
    TB_NO_COMM,    /* (t,x) <- (t-1,x) */
    TB_STENCIL_1D, /* (t,x) <- (t-1,x-1), (t-1,x), (t-1,x+1) */
    TB_NEAREST,    /* (t,x) <- (t-1,j), x-(r-1)/2 <= j <= x+r/2 */
    TB_FFT,        /* (t,x) <- (t-1,x), (t-1,x^2^s), s = (t-1) mod log2(width) */
    TB_TREE,       /* binary fan-out then fan-in, see tb_active_width */
    TB_PATTERNS
};

#define TB_MAX_DEPS 8
#define TB_MAX_WIDTH 4096

/* One point's output: one cache line. */
typedef struct tb_rec {
    uint64_t tag;
    double value;
    uint64_t pad[6];
} tb_rec;

typedef struct tb_graph {
    int pattern;
    int width, steps, radix;
    uint64_t iters;      /* compute-bound kernel iterations (0 = empty kernel) */
    uint64_t epoch;      /* changes every run: stale data never validates */
    uint64_t tasks;      /* total active points */
    uint64_t *prefix;    /* prefix[t] = task index of (t, 0); steps + 1 entries */
    tb_rec *field[2];    /* width records each, 64-byte aligned */
    void *counters;      /* per-point task counters, one cache line each */
    volatile int errors; /* validation failures in the current run */
} tb_graph;

const char *tb_pattern_name(int p);
int tb_pattern_parse(const char *s);

/* Points 0 .. tb_active_width(g, t) - 1 are active at step t. */
int tb_active_width(const tb_graph *g, int t);
/* Dependencies of (t, x) at step t - 1, ascending, distinct; returns count. */
int tb_deps(const tb_graph *g, int t, int x, int *deps);
/* Task index of (t, x). */
static inline uint64_t tb_task_index(const tb_graph *g, int t, int x)
{
    return g->prefix[t] + (uint64_t)x;
}
/* 1 when tasks of this pattern read/write the data fields (all but trivial). */
int tb_uses_data(const tb_graph *g);

static inline tb_rec *tb_out(tb_graph *g, int t, int x) { return &g->field[t & 1][x]; }
static inline tb_rec *tb_in(tb_graph *g, int t, int dep) { return &g->field[(t - 1) & 1][dep]; }

/* The task body: validates in[0..nin) against the dependencies of (t, x),
 * runs the kernel, writes *out (NULL for trivial) and counts the point. */
void tb_kernel(tb_graph *g, int t, int x, const tb_rec *const *in, int nin, tb_rec *out);
/* Same, gathering its inputs from the fields itself. */
void tb_point(tb_graph *g, int t, int x);

/* Explicit dependence edges of the 2-field program as a runtime with data
 * inference would derive them in submission order: RAW from the inputs' last
 * writer, and for the output record WAR from every reader since its last
 * write (or WAW from that writer when it had no readers). For each task in
 * order (t, x) calls fn(arg, task, preds, npreds) with distinct predecessor
 * task indices. Returns 0, or -1 on allocation failure. */
int tb_explicit_edges(const tb_graph *g,
                      void (*fn)(void *arg, uint64_t task, const uint64_t *preds, int npreds),
                      void *arg);

uint64_t tb_now_ns(void);

typedef struct tb_runtime {
    const char *name;
    /* Once per process, before any run; ncpu = worker threads to use. May
     * re-point g->field[] at runtime-owned memory (width records each). */
    int (*init)(tb_graph *g, int ncpu);
    /* Executes the whole graph once; *build_ns (preset 0) may receive the part
     * spent building an explicit graph. Returns 0 on success. */
    int (*run)(tb_graph *g, uint64_t *build_ns);
    void (*fini)(tb_graph *g);
} tb_runtime;

/* Parses the command line, runs and prints CSV rows. Usage: see tb_common.c. */
int tb_main(int argc, char **argv, const tb_runtime *rt);

#ifdef __cplusplus
}
#endif
#endif
