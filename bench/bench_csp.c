/* bench_csp: what a CSP channel costs (issue #17), next to an explicit
 * dependency edge.
 *
 *   edges    host-built runs (the orchestrator alone, like bench_stream's
 *            `alone` rows) in 21 rounds of one run per row, medians; empty
 *            kernels on 24 blocks, every task added with pto_submit (no
 *            params) as process bodies do:
 *            - tasks: N independent tasks (the cost of a task alone);
 *            - chain: N tasks, each with pto_add_dep on the previous one;
 *              an explicit edge costs chain - tasks;
 *            - graph: the csp row's graph wired by hand: per item a task
 *              T_k and a task R_k, and pto_add_dep for T_{k-1} -> T_k and
 *              R_{k-1} -> R_k (program order), T_k -> R_k (the token) and
 *              R_{k-C} -> T_{k+1} (the capacity; an end edge where the
 *              channel has a start edge): four explicit edges per item;
 *            - proc:  the csp row's tasks from one process (its program
 *              order, no channel);
 *            - csp:   a producer and a consumer process, one task each per
 *              item, a channel of capacity C (4) between them, latency 0
 *              (two tasks, both processes' program order, the token's edge
 *              and start edge, the send and recv, the fiber switches).
 *            A channel edge costs (csp - proc) / 2; the target: at most an
 *            explicit edge. Also printed: csp/graph.
 *   stream   10^6 items through producer -> channel(4) -> consumer in a
 *            deterministic streamed run with a task window of 1024 and
 *            scopes of 256 items: ns per item and the peak RSS, against
 *            the RSS after device open (flat memory: the rings bound it);
 *            then the graph row's graph in the same kind of run (end to
 *            end, the simulation included): csp/graph; 5 alternating
 *            rounds, medians.
 *
 *   row R    one row of `edges` (R: tasks, chain, graph, proc or csp), run REPS
 *            times and not printed: for profilers, e.g. callgrind on the
 *            orchestration alone with --toggle-collect=orch_csp.
 *
 * Usage: bench_csp [edges|stream|all] [N [C]]   (N: items, defaults 4096
 *        and 10^6; C: the edges rows' channel capacity, default 4);
 *        bench_csp row R [N [REPS [C]]]   (defaults 4096, 5 and 4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "pto/pto.h"

static void nop(const uint64_t *a) { (void)a; }

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double peak_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

#define MAX_C 1024 /* the rows' channel capacity: 1 .. MAX_C */
#define R_MASK (2 * MAX_C - 1)

typedef struct work {
    uint32_t items, batch, capacity;
    pto_channel *ch;
    pto_task_id r[2 * MAX_C]; /* graph: receiving task k at k & R_MASK */
} work;

static pto_status orch_tasks(pto_run *run, void *ctx, pto_error *err)
{
    work *w = ctx;
    for (uint32_t i = 0; i < w->items; i++) {
        pto_status st = pto_submit(run, 0, PTO_CORE_AIV, NULL, 0, NULL, err);
        if (st)
            return st;
    }
    return PTO_OK;
}

static pto_status orch_chain(pto_run *run, void *ctx, pto_error *err)
{
    work *w = ctx;
    pto_task_id prev = 0, id;
    for (uint32_t i = 0; i < w->items; i++) {
        pto_status st = pto_submit(run, 0, PTO_CORE_AIV, NULL, 0, &id, err);
        if (!st && i)
            st = pto_add_dep(run, prev, id, err);
        if (st)
            return st;
        prev = id;
    }
    return PTO_OK;
}

static pto_status orch_graph(pto_run *run, void *ctx, pto_error *err)
{
    work *w = ctx;
    const uint32_t C = w->capacity;
    pto_task_id *r = w->r, t_prev = 0, t, rk;
    for (uint32_t k = 0; k < w->items; k++) {
        pto_status st = PTO_OK;
        if (w->batch && k % w->batch == 0 && k &&
            ((st = pto_scope_end(run, err)) ||
             (st = pto_scope_begin(run, "g", PTO_SCOPE_AUTO, err))))
            return st;
        if (w->batch && !k && (st = pto_scope_begin(run, "g", PTO_SCOPE_AUTO, err)))
            return st;
        st = pto_submit(run, 0, PTO_CORE_AIV, NULL, 0, &t, err);
        if (!st && k)
            st = pto_add_dep(run, t_prev, t, err);
        if (!st && k > C) /* send k - 1 waited for receive k - 1 - C */
            st = pto_add_dep(run, r[(k - 1 - C) & R_MASK], t, err);
        if (!st)
            st = pto_submit(run, 0, PTO_CORE_AIV, NULL, 0, &rk, err);
        if (!st && k)
            st = pto_add_dep(run, r[(k - 1) & R_MASK], rk, err);
        if (!st)
            st = pto_add_dep(run, t, rk, err);
        if (st)
            return st;
        t_prev = t;
        r[k & R_MASK] = rk;
    }
    return w->batch && w->items ? pto_scope_end(run, err) : PTO_OK;
}

static pto_status producer(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    work *w = ctx;
    (void)index;
    pto_status st = PTO_OK;
    for (uint32_t i = 0; i < w->items && !st; i++) {
        if (w->batch && i % w->batch == 0 && (st = pto_scope_begin(run, "p", PTO_SCOPE_AUTO, err)))
            return st;
        if ((st = pto_submit(run, 0, PTO_CORE_AIV, NULL, 0, NULL, err)) ||
            (st = pto_send(run, w->ch, i, err)))
            return st;
        if (w->batch && ((i + 1) % w->batch == 0 || i + 1 == w->items))
            st = pto_scope_end(run, err);
    }
    return st;
}

static pto_status consumer(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    work *w = ctx;
    (void)index;
    for (uint32_t i = 0;; i++) {
        uint64_t v;
        int closed;
        pto_status st = PTO_OK;
        if (w->batch && i % w->batch == 0 && (st = pto_scope_begin(run, "c", PTO_SCOPE_AUTO, err)))
            return st;
        if ((st = pto_recv(run, w->ch, &v, &closed, err)))
            return st;
        if (closed)
            return w->batch ? pto_scope_end(run, err) : PTO_OK;
        if ((st = pto_submit(run, 0, PTO_CORE_AIV, NULL, 0, NULL, err)))
            return st;
        if (w->batch && (i + 1) % w->batch == 0 && (st = pto_scope_end(run, err)))
            return st;
    }
}

/* The csp row's tasks in one process: its program order, no channel. */
static pto_status alone(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    work *w = ctx;
    (void)index;
    pto_status st = PTO_OK;
    for (uint32_t i = 0; i < w->items && !st; i++)
        if (!(st = pto_submit(run, 0, PTO_CORE_AIV, NULL, 0, NULL, err)))
            st = pto_submit(run, 0, PTO_CORE_AIV, NULL, 0, NULL, err);
    return st;
}

static pto_status orch_proc(pto_run *run, void *ctx, pto_error *err)
{
    pto_status st = pto_process_create(run, "alone", alone, ctx, 1, err);
    return st ? st : pto_csp_run(run, err);
}

static pto_status orch_csp(pto_run *run, void *ctx, pto_error *err)
{
    work *w = ctx;
    pto_status st;
    if ((st = pto_channel_create(run, "items", w->capacity, &w->ch, err)) ||
        (st = pto_process_create(run, "producer", producer, w, 1, err)) ||
        (st = pto_process_create(run, "consumer", consumer, w, 1, err)))
        return st;
    return pto_csp_run(run, err);
}

/* A device of 24 blocks with the empty kernel; NULL (the error printed)
 * when it cannot be opened. */
static pto_device *open_dev(uint32_t window)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 24;
    cfg.task_window = window;
    pto_device *dev;
    pto_error err;
    if (pto_device_open("a2a3sim", &cfg, &dev, &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        return NULL;
    }
    if (pto_kernel_register(dev, 0, PTO_CORE_AIV, nop, "nop", &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        pto_device_close(dev);
        return NULL;
    }
    return dev;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One host-built run of fn: orchestration ns per item. */
static int launch_once(pto_device *dev, pto_orch_fn fn, work *w, double *ns, uint64_t *tasks)
{
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = PTO_MODE_HOST_BUILT;
    pto_stats st;
    pto_error err;
    if (pto_launch(dev, &rc, fn, w, &st, &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        return -1;
    }
    *ns = (double)st.orch_ns / w->items;
    *tasks = st.tasks;
    return 0;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp);
    return v[n / 2];
}

/* Rounds of one run of each row, so that the VM's slow and fast phases
 * (which move whole runs by up to 2x) hit every row alike; the medians of
 * each row and of the rounds' ratios csp/graph. */
static int bench_edges(uint32_t items, uint32_t capacity)
{
    enum { ROWS = 5, REPS = 21 };
    static const char *const names[ROWS] = {"tasks", "chain", "graph", "proc", "csp"};
    const pto_orch_fn fns[ROWS] = {orch_tasks, orch_chain, orch_graph, orch_proc, orch_csp};
    pto_device *dev = open_dev(16384);
    if (!dev)
        return -1;
    work w = {.items = items, .capacity = capacity};
    double v[ROWS][REPS], ratio[REPS], explicit_edge[REPS], channel_edge[REPS];
    uint64_t tasks[ROWS];
    int rc = 0;
    for (int r = 0; r < REPS && !rc; r++) {
        for (int i = 0; i < ROWS && !rc; i++)
            rc = launch_once(dev, fns[i], &w, &v[i][r], &tasks[i]);
        ratio[r] = v[4][r] / v[2][r];
        explicit_edge[r] = v[1][r] - v[0][r];
        channel_edge[r] = (v[4][r] - v[3][r]) / 2;
    }
    pto_device_close(dev);
    if (rc)
        return -1;
    printf("# edges: %u items, channel capacity %u, host-built (orchestrator alone), 24 blocks, "
           "medians of %d rounds of one run per row\n",
           items, capacity, REPS);
    printf("%-8s %12s %8s\n", "row", "orch ns/item", "tasks");
    for (int i = 0; i < ROWS; i++)
        printf("%-8s %12.1f %8llu\n", names[i], median(v[i], REPS), (unsigned long long)tasks[i]);
    printf("# medians of the rounds' differences and ratios: an explicit edge %.1f ns (chain - "
           "tasks); a channel edge %.1f ns ((csp - proc) / 2: a token's edge and its capacity "
           "edge); csp/graph %.2f\n",
           median(explicit_edge, REPS), median(channel_edge, REPS), median(ratio, REPS));
    return 0;
}

/* One deterministic streamed run of fn, window 1024: wall ns per item. */
static int stream_once(pto_orch_fn fn, work *w, double *ns, pto_stats *st, double *opened)
{
    pto_error err;
    pto_device *dev = open_dev(1024);
    if (!dev)
        return -1;
    if (opened)
        *opened = peak_mib();
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = PTO_MODE_STREAMED;
    rc.deterministic = 1;
    uint64_t t0 = now_ns();
    pto_status s = pto_launch(dev, &rc, fn, w, st, &err);
    *ns = (double)(now_ns() - t0) / w->items;
    pto_device_close(dev);
    if (s)
        fprintf(stderr, "error: %s\n", err.msg);
    return s ? -1 : 0;
}

static int bench_stream(uint32_t items)
{
    enum { REPS = 5 };
    double before = peak_mib(), opened, after = 0, csp[REPS], graph[REPS], ratio[REPS];
    work w = {.items = items, .batch = 256, .capacity = 4};
    pto_stats st, sg;
    for (int r = 0; r < REPS; r++) { /* alternating, as edges' rounds */
        if (stream_once(orch_csp, &w, &csp[r], &st, r ? NULL : &opened))
            return -1;
        if (!r)
            after = peak_mib();
        if (stream_once(orch_graph, &w, &graph[r], &sg, NULL))
            return -1;
        ratio[r] = csp[r] / graph[r];
    }
    printf("# stream: %u items, producer -> channel(4) -> consumer, deterministic streamed, "
           "window 1024, scopes of 256; medians of %d rounds\n",
           items, REPS);
    printf("tasks %llu, %.1f ns/item, total_cycles %llu, ring high water %llu\n",
           (unsigned long long)st.tasks, median(csp, REPS), (unsigned long long)st.total_cycles,
           (unsigned long long)st.flow[PTO_STALL_TASK_RING_FULL].high_water);
    printf("peak RSS: %.1f MiB before device open, %.1f after, %.1f after the first run\n", before,
           opened, after);
    printf("the same graph wired by hand (the edges row's graph, same scopes): %.1f ns/item, "
           "csp/graph %.2f (median of the rounds' ratios)\n",
           median(graph, REPS), median(ratio, REPS));
    return 0;
}

static int bench_row(const char *row, uint32_t items, uint32_t reps, uint32_t capacity)
{
    static const struct {
        const char *name;
        pto_orch_fn fn;
    } rows[] = {{"tasks", orch_tasks},
                {"chain", orch_chain},
                {"graph", orch_graph},
                {"proc", orch_proc},
                {"csp", orch_csp}};
    pto_orch_fn fn = NULL;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (!strcmp(row, rows[i].name))
            fn = rows[i].fn;
    if (!fn) {
        fprintf(stderr, "error: row '%s' (tasks, chain, graph, proc or csp)\n", row);
        return -1;
    }
    pto_error err;
    pto_device *dev = open_dev(16384);
    if (!dev)
        return -1;
    work w = {.items = items, .capacity = capacity};
    int rc = 0;
    for (uint32_t r = 0; r < reps && !rc; r++) {
        pto_run_config rc_;
        pto_run_config_default(&rc_);
        rc_.mode = PTO_MODE_HOST_BUILT;
        pto_stats st;
        if (pto_launch(dev, &rc_, fn, &w, &st, &err)) {
            fprintf(stderr, "error: %s\n", err.msg);
            rc = -1;
        }
    }
    pto_device_close(dev);
    return rc;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "all";
    if (!strcmp(what, "row")) {
        if (argc < 3) {
            fprintf(stderr, "usage: bench_csp row tasks|chain|graph|proc|csp [N [REPS [C]]]\n");
            return 2;
        }
        uint32_t items = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 4096;
        uint32_t reps = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 5;
        uint32_t cap = argc > 5 ? (uint32_t)strtoul(argv[5], NULL, 10) : 4;
        if (cap < 1 || cap > MAX_C) {
            fprintf(stderr, "error: capacity %u (1 .. %d)\n", cap, MAX_C);
            return 2;
        }
        return bench_row(argv[2], items ? items : 4096, reps, cap) ? 1 : 0;
    }
    uint32_t n = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 0;
    uint32_t cap = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 4;
    if (cap < 1 || cap > MAX_C) {
        fprintf(stderr, "error: capacity %u (1 .. %d)\n", cap, MAX_C);
        return 2;
    }
    int all = !strcmp(what, "all"), rc = 0;
    if (all || !strcmp(what, "edges"))
        rc |= bench_edges(n ? n : 4096, cap);
    if (all || !strcmp(what, "stream"))
        rc |= bench_stream(n ? n : 1000000);
    return rc ? 1 : 0;
}
