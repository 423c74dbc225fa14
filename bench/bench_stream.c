/* Streamed-orchestration benchmarks on a2a3sim with empty kernels.
 *
 *  submit   N tasks, each IN one tile of buffer A and OUT_EXISTING one tile
 *           of buffer B (task k reads A[(k+1) % 64], writes B[k % 64], so it
 *           depends on task k-64 through WAW), in scopes of 256 tasks, task
 *           window 16384, 24 blocks / 3 schedulers. Reports orchestration
 *           ns/task (stats.orch_ns / N: submit with dependency inference,
 *           including any flow-control stalls) and end-to-end ns/task
 *           (stats.wall_ns / N). Baseline in the same run: the same
 *           submissions in PTO_SCOPE_MANUAL scopes (no inference, no deps).
 *           The same submissions are also timed with the orchestrator alone
 *           (`alone` rows): host-built runs of 16384 tasks (the window),
 *           whose schedulers are parked while the graph is built, so
 *           orch_ns is the cost of pto_submit itself (inference, wiring,
 *           TensorMap inserts) with nothing else running.
 *           Target: <= 100 ns/task orchestrator submit throughput with
 *           inference, i.e. the alone row. The streamed rows are printed
 *           for context: there the orchestrator shares the host's CPUs with
 *           the scheduler threads and cannot go faster than they execute
 *           (the manual row is that rate).
 *  stencil  1-D stencil over 64 tiles x T steps (~N tasks): task (t, i) reads
 *           tiles i-1, i, i+1 of buffer t % 2 and writes tile i of buffer
 *           (t + 1) % 2; 4 steps (256 tasks) per scope. Run on 1 block /
 *           1 scheduler and on 24 blocks / 3 schedulers.
 *           Target: <= 500 ns/task end to end (wall_ns / tasks).
 *  rss      10^7 tasks shaped like `submit`, task window 1024, scopes of 512,
 *           GM arena and heap arena 16 MiB each. Prints the process peak RSS
 *           (getrusage ru_maxrss) and, as the baseline, the RSS right after
 *           device open. Target: peak <= 64 MiB. Under `all` it runs first,
 *           in a forked child, so that no other benchmark inflates the peak.
 *
 * Usage: bench_stream [submit|stencil|rss|all] [N] [reps]
 *   N overrides the task count of the selected benchmark(s) (default
 *   1000000 for submit and stencil, 10000000 for rss); reps (default 3) is
 *   the number of runs whose median is reported (rss runs once). A
 *   configuration stops repeating once its runs took over 20 s (the `runs`
 *   column says how many the median is over), so `all` stays bounded while
 *   a target is badly missed.
 * `orch cpu` is the CPU time of the orchestrating thread per task
 * (stats.orch_cpu_ns): orchestration time minus the time it was parked in
 * a stall or preempted.
 * Stall and high-water (hw: peak occupancy of the task ring, dep-list pool and
 * TensorMap pool) columns come from the last of the reps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pto/pto.h"

#define TILES 64      /* tiles per buffer */
#define TILE_ELEMS 64 /* f32 elements per tile (one 256-byte row) */
#define MAX_REPS 64
#define REP_BUDGET_NS 20000000000ull /* no further reps after 20 s of runs */

static void nop(const uint64_t *args) { (void)args; }

typedef struct work {
    int stencil;         /* 0 = submit shape, 1 = stencil */
    uint64_t n;          /* tasks (stencil: rounded up to whole steps) */
    uint32_t per_scope;  /* tasks per user scope */
    pto_scope_mode mode; /* AUTO = inference, MANUAL = none */
    pto_tensor a[TILES]; /* submit: read tiles; stencil: buffer 0 */
    pto_tensor b[TILES]; /* submit: written tiles; stencil: buffer 1 */
    uint64_t progress;   /* print a progress line every this many tasks */
    const char *dispatch; /* the run's dispatch policy (NULL: default) */
    int keyed;            /* task k gets key k (pto_set_task_key) */
    int pred;             /* every task gets the predicate `param0 != 0u` (true) */
    int key_expr;         /* every task gets the key expression `param0 >> 10u` */
    pto_expr pred_e, key_e;
    uint64_t t0_ns;
} work;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void maybe_progress(const work *w, uint64_t done)
{
    if (w->progress && done % w->progress == 0)
        fprintf(stderr, "#   ... %llu / %llu tasks submitted (%.1f s)\n", (unsigned long long)done,
                (unsigned long long)w->n, (double)(now_ns() - w->t0_ns) / 1e9);
}

/* Task k: IN A[(k+1) % 64], OUT_EXISTING B[k % 64]. */
static pto_status orch_submit(pto_run *run, void *ctx, pto_error *err)
{
    work *w = ctx;
    pto_status st = PTO_OK;
    for (uint64_t k = 0; k < w->n;) {
        if ((st = pto_scope_begin(run, "chunk", w->mode, err)))
            return st;
        uint64_t end = k + w->per_scope < w->n ? k + w->per_scope : w->n;
        for (; k < end; k++) {
            pto_param p[2] = {pto_in(w->a[(k + 1) % TILES]), pto_out_existing(w->b[k % TILES])};
            if ((w->keyed && (st = pto_set_task_key(run, k, err))) ||
                (w->pred && (st = pto_set_task_predicate(run, &w->pred_e, err))) ||
                (w->key_expr && (st = pto_set_task_key_expr(run, &w->key_e, err))) ||
                (st = pto_submit(run, 0, PTO_CORE_AIV, p, 2, 0, err)))
                return st;
            maybe_progress(w, k + 1);
        }
        if ((st = pto_scope_end(run, err)))
            return st;
    }
    return st;
}

/* Step t reads buffer t % 2 and writes buffer (t + 1) % 2. */
static pto_status orch_stencil(pto_run *run, void *ctx, pto_error *err)
{
    work *w = ctx;
    uint64_t steps = (w->n + TILES - 1) / TILES;
    uint32_t steps_per_scope = w->per_scope / TILES ? w->per_scope / TILES : 1;
    pto_status st = PTO_OK;
    for (uint64_t t = 0; t < steps; t++) {
        const pto_tensor *src = t % 2 ? w->b : w->a, *dst = t % 2 ? w->a : w->b;
        if (t % steps_per_scope == 0 && (st = pto_scope_begin(run, "steps", w->mode, err)))
            return st;
        for (uint32_t i = 0; i < TILES; i++) {
            pto_param p[4];
            uint32_t np = 0;
            if (i > 0)
                p[np++] = pto_in(src[i - 1]);
            p[np++] = pto_in(src[i]);
            if (i + 1 < TILES)
                p[np++] = pto_in(src[i + 1]);
            p[np++] = pto_out_existing(dst[i]);
            if ((st = pto_submit(run, 0, PTO_CORE_AIV, p, np, 0, err)))
                return st;
        }
        if ((t + 1) % steps_per_scope == 0 || t + 1 == steps)
            if ((st = pto_scope_end(run, err)))
                return st;
        maybe_progress(w, (t + 1) * TILES);
    }
    return st;
}

typedef struct dev_shape {
    uint32_t blocks, schedulers, window, dep_pool, tmap;
    size_t gm_bytes;
    uint64_t heap_bytes;
} dev_shape;

static pto_device *open_dev(const dev_shape *s, work *w, pto_error *err)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = s->blocks;
    cfg.schedulers = s->schedulers;
    cfg.task_window = s->window;
    cfg.dep_pool = s->dep_pool;
    cfg.tensormap_entries = s->tmap;
    cfg.gm_bytes = s->gm_bytes;
    cfg.heap_bytes = s->heap_bytes;
    pto_device *dev;
    if (pto_device_open("a2a3sim", &cfg, &dev, err))
        return 0;
    void *bufs[2];
    if (pto_kernel_register(dev, 0, PTO_CORE_AIV, nop, "nop", err) ||
        pto_malloc(dev, (size_t)TILES * TILE_ELEMS * 4, &bufs[0], err) ||
        pto_malloc(dev, (size_t)TILES * TILE_ELEMS * 4, &bufs[1], err)) {
        pto_device_close(dev);
        return 0;
    }
    for (int k = 0; k < 2; k++) {
        pto_tensor whole = pto_tensor_2d(bufs[k], TILES, TILE_ELEMS, 4);
        for (uint32_t i = 0; i < TILES; i++)
            (k ? w->b : w->a)[i] = pto_tensor_tile(&whole, i, 0, 1, TILE_ELEMS);
    }
    return dev;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct result {
    uint64_t tasks;
    int runs;                        /* reps actually run (see REP_BUDGET_NS) */
    double orch_ns, cpu_ns, wall_ns; /* medians, per task */
    pto_stats last;                  /* stats of the last run */
} result;

static int measure(pto_device *dev, work *w, int reps, pto_run_mode mode, result *r)
{
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = mode;
    rc.dispatch = w->dispatch;
    uint64_t orch[MAX_REPS], cpu[MAX_REPS], wall[MAX_REPS], start = now_ns();
    for (int i = 0; i < reps; i++) {
        pto_error err = {0};
        w->t0_ns = now_ns();
        if (pto_launch(dev, &rc, w->stencil ? orch_stencil : orch_submit, w, &r->last, &err)) {
            fprintf(stderr, "error: %s\n", err.msg);
            return -1;
        }
        orch[i] = r->last.orch_ns;
        cpu[i] = r->last.orch_cpu_ns;
        wall[i] = r->last.wall_ns;
        if (now_ns() - start > REP_BUDGET_NS && i + 1 < reps) {
            reps = i + 1; /* slow: keep `all` bounded, median of what ran */
            break;
        }
    }
    r->runs = reps;
    qsort(orch, (size_t)reps, sizeof orch[0], cmp_u64);
    qsort(cpu, (size_t)reps, sizeof cpu[0], cmp_u64);
    qsort(wall, (size_t)reps, sizeof wall[0], cmp_u64);
    r->tasks = r->last.tasks;
    r->orch_ns = (double)orch[reps / 2] / (double)r->tasks;
    r->cpu_ns = (double)cpu[reps / 2] / (double)r->tasks;
    r->wall_ns = (double)wall[reps / 2] / (double)r->tasks;
    return 0;
}

static void print_header(void)
{
    printf("%-8s %-7s %-10s %9s %4s %9s %9s %9s %16s %9s %6s %7s %7s\n", "bench", "shape", "infer",
           "tasks", "runs", "orch", "orch cpu", "e2e", "stalls", "stall", "ring", "dep", "tmap");
    printf("%-8s %-7s %-10s %9s %4s %9s %9s %9s %16s %9s %6s %7s %7s\n", "", "blk/sch", "", "", "",
           "ns/task", "ns/task", "ns/task", "ring/dep/tmap", "ms", "hw", "hw", "hw");
}

static void print_row_as(const char *bench, const dev_shape *s, const char *infer, const result *r)
{
    const pto_flow_stats *f = r->last.flow;
    uint64_t stall_ns = 0;
    for (int i = 0; i < PTO_STALL_REASONS; i++)
        stall_ns += f[i].stall_ns;
    char shape[16], stalls[48];
    snprintf(shape, sizeof shape, "%u/%u", s->blocks, s->schedulers);
    snprintf(stalls, sizeof stalls, "%llu/%llu/%llu",
             (unsigned long long)f[PTO_STALL_TASK_RING_FULL].stalls,
             (unsigned long long)f[PTO_STALL_DEPLIST_POOL_FULL].stalls,
             (unsigned long long)f[PTO_STALL_TENSORMAP_POOL_FULL].stalls);
    printf("%-8s %-7s %-10s %9llu %4d %9.1f %9.1f %9.1f %16s %9.1f %6llu %7llu %7llu\n", bench,
           shape, infer, (unsigned long long)r->tasks, r->runs, r->orch_ns, r->cpu_ns, r->wall_ns,
           stalls, (double)stall_ns / 1e6,
           (unsigned long long)f[PTO_STALL_TASK_RING_FULL].high_water,
           (unsigned long long)f[PTO_STALL_DEPLIST_POOL_FULL].high_water,
           (unsigned long long)f[PTO_STALL_TENSORMAP_POOL_FULL].high_water);
    fflush(stdout);
}

static void print_row(const char *bench, const dev_shape *s, const work *w, const result *r)
{
    print_row_as(bench, s, w->mode == PTO_SCOPE_AUTO ? "auto" : "manual", r);
}

/* Verdict lines, printed at the end: figures against the issues' targets,
 * and figures printed beside them for context (no target of their own). */
static char verdicts[8][200];
static int nverdicts;

static void verdict(const char *what, double got, double target, const char *unit)
{
    if (nverdicts < 8)
        snprintf(verdicts[nverdicts++], sizeof verdicts[0], "%-40s %8.1f %-8s target <= %5.0f  %s",
                 what, got, unit, target, got <= target ? "MET" : "MISSED");
}

static void context(const char *what, double got, const char *unit, const char *why)
{
    if (nverdicts < 8)
        snprintf(verdicts[nverdicts++], sizeof verdicts[0], "%-40s %8.1f %-8s (context) %s", what,
                 got, unit, why);
}

static void print_load(const char *when)
{
    double l[3];
    if (getloadavg(l, 3) == 3)
        printf("# load average %s: %.2f %.2f %.2f\n", when, l[0], l[1], l[2]);
}

static int bench_submit(uint64_t n, int reps)
{
    printf("\n# submit: %llu tasks (IN A tile, OUT_EXISTING B tile, 64 tiles), scopes of "
           "256, window 16384, median of %d\n",
           (unsigned long long)n, reps);
    print_load("before submit");
    print_header();
    dev_shape s = {24, 3, 16384, 65536, 65536, 1u << 20, 1u << 20};
    static work w;
    memset(&w, 0, sizeof w);
    pto_error err = {0};
    pto_device *dev = open_dev(&s, &w, &err);
    if (!dev) {
        fprintf(stderr, "error: %s\n", err.msg);
        return -1;
    }
    if (pto_expr_parse(&w.pred_e, "param0 != 0u", 12, NULL, &err) ||
        pto_expr_parse(&w.key_e, "param0 >> 10u", 13, NULL, &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        pto_device_close(dev);
        return -1;
    }
    /* Streamed: baseline first (manual, no inference), then with inference.
     * Alone: the same with the orchestrator alone (host-built runs of one
     * window; more reps, since each is short). */
    enum { ALONE_TASKS = 16384, ALONE_REPS = 31 };
    /* The last rows: the alone auto row under round_robin, and under hash
     * with a key per task (the key's cost included): routing's cost per
     * submit is their difference to the alone auto row; then with a
     * predicate (always true) on every task, and under hash with a key
     * expression instead of a key (pto/scalars.h): attaching them costs
     * the difference to the alone auto and auto hash rows (their
     * evaluation happens where the tasks become ready, in e2e). */
    static const struct {
        const char *bench, *label;
        pto_run_mode mode;
        pto_scope_mode scope;
        const char *dispatch;
        int keyed, pred, key_expr;
    } rows[] = {
        {"submit", "manual", PTO_MODE_STREAMED, PTO_SCOPE_MANUAL, NULL, 0, 0, 0},
        {"submit", "auto", PTO_MODE_STREAMED, PTO_SCOPE_AUTO, NULL, 0, 0, 0},
        {"alone", "manual", PTO_MODE_HOST_BUILT, PTO_SCOPE_MANUAL, NULL, 0, 0, 0},
        {"alone", "auto", PTO_MODE_HOST_BUILT, PTO_SCOPE_AUTO, NULL, 0, 0, 0},
        {"alone", "auto rr", PTO_MODE_HOST_BUILT, PTO_SCOPE_AUTO, "round_robin", 0, 0, 0},
        {"alone", "auto hash", PTO_MODE_HOST_BUILT, PTO_SCOPE_AUTO, "hash", 1, 0, 0},
        {"alone", "auto pred", PTO_MODE_HOST_BUILT, PTO_SCOPE_AUTO, NULL, 0, 1, 0},
        {"alone", "auto hash kx", PTO_MODE_HOST_BUILT, PTO_SCOPE_AUTO, "hash", 0, 0, 1},
    };
    enum { NROWS = sizeof rows / sizeof rows[0] };
    result r[NROWS];
    for (int i = 0; i < NROWS; i++) {
        int alone = rows[i].mode == PTO_MODE_HOST_BUILT;
        w.n = alone ? ALONE_TASKS : n;
        w.per_scope = 256;
        w.mode = rows[i].scope;
        w.dispatch = rows[i].dispatch;
        w.keyed = rows[i].keyed;
        w.pred = rows[i].pred;
        w.key_expr = rows[i].key_expr;
        if (measure(dev, &w, alone ? ALONE_REPS : reps, rows[i].mode, &r[i])) {
            pto_device_close(dev);
            return -1;
        }
        print_row_as(rows[i].bench, &s, rows[i].label, &r[i]);
    }
    pto_device_close(dev);
    printf("# streamed: inference costs %.1f ns/task of orchestration (%.1f auto - %.1f "
           "manual)\n",
           r[1].orch_ns - r[0].orch_ns, r[1].orch_ns, r[0].orch_ns);
    printf("# alone: inference costs %.1f ns/task (%.1f auto - %.1f manual)\n",
           r[3].orch_ns - r[2].orch_ns, r[3].orch_ns, r[2].orch_ns);
    printf("# alone: routing costs %+.1f ns/task under round_robin, %+.1f under hash with a "
           "key per task (target <= 10)\n",
           r[4].orch_ns - r[3].orch_ns, r[5].orch_ns - r[3].orch_ns);
    printf("# alone: a predicate costs %+.1f ns/task to attach, a key expression %+.1f over a "
           "key (hash); both are evaluated where the task becomes ready\n",
           r[6].orch_ns - r[3].orch_ns, r[7].orch_ns - r[5].orch_ns);
    const pto_flow_stats *ring = &r[1].last.flow[PTO_STALL_TASK_RING_FULL];
    double share = r[1].last.orch_ns ? (double)ring->stall_ns / (double)r[1].last.orch_ns : 0;
    if (ring->stalls)
        printf("# streamed auto stalled %llu times on TASK_RING_FULL, %.0f%% of its "
               "orchestration time%s\n",
               (unsigned long long)ring->stalls, 100 * share,
               share > 0.5 ? ": it outran the schedulers, so its ns/task is their "
                             "execution rate; its own cost is the alone row"
                           : "");
    /* The target is the orchestrator's submit throughput: its own cost is
     * the alone row. Streamed, it shares the CPUs with the schedulers and
     * cannot outrun their execution rate (the manual row, no inference). */
    verdict("submit, inference, orchestrator alone", r[3].orch_ns, 100, "ns/task");
    char why[96];
    snprintf(why, sizeof why, "sharing the CPUs with 3 schedulers (manual: %.1f)", r[0].orch_ns);
    context("submit, inference, streamed (24/3)", r[1].orch_ns, "ns/task", why);
    return 0;
}

static int bench_stencil(uint64_t n, int reps)
{
    printf("\n# stencil: 64 tiles x %llu steps, 3-point reads, double-buffered, scopes of "
           "256 (4 steps), window 16384, median of %d\n",
           (unsigned long long)((n + TILES - 1) / TILES), reps);
    print_load("before stencil");
    print_header();
    dev_shape shapes[2] = {{1, 1, 16384, 131072, 131072, 1u << 20, 1u << 20},
                           {24, 3, 16384, 131072, 131072, 1u << 20, 1u << 20}};
    for (int i = 0; i < 2; i++) {
        static work w;
        memset(&w, 0, sizeof w);
        pto_error err = {0};
        pto_device *dev = open_dev(&shapes[i], &w, &err);
        if (!dev) {
            fprintf(stderr, "error: %s\n", err.msg);
            return -1;
        }
        w.stencil = 1;
        w.n = n;
        w.per_scope = 256;
        w.mode = PTO_SCOPE_AUTO;
        result r;
        int rc = measure(dev, &w, reps, PTO_MODE_STREAMED, &r);
        pto_device_close(dev);
        if (rc)
            return -1;
        print_row("stencil", &shapes[i], &w, &r);
        char what[64];
        snprintf(what, sizeof what, "stencil, e2e ns/task (%u/%u)", shapes[i].blocks,
                 shapes[i].schedulers);
        verdict(what, r.wall_ns, 500, "ns/task");
    }
    return 0;
}

static double maxrss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* Linux: KiB */
}

static double cur_rss_mib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return (double)resident * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

/* Returns the peak RSS in MiB, or a negative value on error. */
static double bench_rss(uint64_t n)
{
    printf("\n# rss: %llu tasks streamed (submit shape), window 1024, scopes of 512, "
           "GM 16 MiB, heap 16 MiB, 24 blocks / 3 schedulers\n",
           (unsigned long long)n);
    print_load("before rss");
    double before = maxrss_mib();
    dev_shape s = {24, 3, 1024, 4096, 4096, 16u << 20, 16u << 20};
    static work w;
    memset(&w, 0, sizeof w);
    pto_error err = {0};
    pto_device *dev = open_dev(&s, &w, &err);
    if (!dev) {
        fprintf(stderr, "error: %s\n", err.msg);
        return -1;
    }
    double open_peak = maxrss_mib(), open_cur = cur_rss_mib();
    printf("# RSS before device open:  peak %.1f MiB\n", before);
    printf("# RSS after device open:   peak %.1f MiB, current %.1f MiB (baseline)\n", open_peak,
           open_cur);
    fflush(stdout);
    w.n = n;
    w.per_scope = 512;
    w.mode = PTO_SCOPE_AUTO;
    w.progress = n >= 10000000 ? n / 10 : 0;
    result r;
    int rc = measure(dev, &w, 1, PTO_MODE_STREAMED, &r);
    double peak = maxrss_mib(), cur = cur_rss_mib();
    if (!rc) {
        print_header();
        print_row("rss", &s, &w, &r);
        printf("# RSS after the run:       peak %.1f MiB, current %.1f MiB "
               "(+%.1f MiB over the post-open baseline)\n",
               peak, cur, peak - open_peak);
    }
    pto_device_close(dev);
    return rc ? -1 : peak;
}

/* Under `all`, the rss run gets a fresh process so its peak is its own. */
static double bench_rss_forked(uint64_t n)
{
    double *shared =
        mmap(0, sizeof(double), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return bench_rss(n);
    *shared = -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        munmap(shared, sizeof(double));
        return bench_rss(n);
    }
    if (pid == 0) {
        *shared = bench_rss(n);
        fflush(stdout);
        _exit(*shared < 0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        ;
    double peak = *shared;
    munmap(shared, sizeof(double));
    return peak;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "all";
    uint64_t n = argc > 2 ? strtoull(argv[2], 0, 0) : 0;
    int reps = argc > 3 ? atoi(argv[3]) : 3;
    int do_submit = !strcmp(what, "submit"), do_stencil = !strcmp(what, "stencil");
    int do_rss = !strcmp(what, "rss"), all = !strcmp(what, "all");
    if ((!do_submit && !do_stencil && !do_rss && !all) || reps < 1 || reps > MAX_REPS ||
        (argc > 2 && n < TILES)) {
        fprintf(stderr, "usage: bench_stream [submit|stencil|rss|all] [N>=%d] [reps 1..%d]\n",
                TILES, MAX_REPS);
        return 2;
    }
    printf("# bench_stream: streamed orchestration on a2a3sim, empty kernels, %s\n", what);
    int fail = 0;
    if (do_rss || all) {
        uint64_t rn = n ? n : 10000000;
        double peak = all ? bench_rss_forked(rn) : bench_rss(rn);
        if (peak < 0)
            fail = 1;
        else {
            char label[64];
            snprintf(label, sizeof label, "rss, peak RSS (%llu-task stream)",
                     (unsigned long long)rn);
            verdict(label, peak, 64, "MiB");
        }
    }
    if (!fail && (do_submit || all))
        fail = bench_submit(n ? n : 1000000, reps) != 0;
    if (!fail && (do_stencil || all))
        fail = bench_stencil(n ? n : 1000000, reps) != 0;
    if (fail)
        return 1;
    print_load("at end");
    printf("\n# verdict (targets from the project's issues)\n");
    for (int i = 0; i < nverdicts; i++)
        printf("%s\n", verdicts[i]);
    return 0;
}
