/* taskbench common part: patterns, kernel, validation, driver loop.
 *
 * Usage of every driver (tb_serial, tb_pthreads, tb_ours, tb_omp_gomp,
 * tb_omp_llvm, tb_tbb, tb_starpu):
 *   tb_X --pattern P [--width W] [--steps T] [--radix R] [--iters I1,I2,...]
 *        [--reps N] [--cpus N] [--kind LABEL] [--name NAME] [--budget-s S] [--rss]
 *   tb_X --header
 * Prints one CSV row per iteration count (see TB_HEADER): the median, min and
 * max wall time over N runs (after one untimed warm-up run with the empty
 * kernel), and whether every run validated. --budget-s: stop repeating an
 * iteration count once its runs took longer than S seconds (the reps column
 * says how many runs the median covers). --rss: one run, no warm-up, and
 * the row carries ru_maxrss before and after the run. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tb.h"

#define TB_HEADER                                                                                  \
    "kind,runtime,pattern,width,radix,steps,iters,tasks,reps,total_ns,build_ns,run_ns,"            \
    "min_ns,max_ns,valid,base_rss_kb,peak_rss_kb"

typedef struct tb_counter {
    _Atomic uint64_t n;
    _Atomic uint64_t sink;
    uint64_t pad[6];
} tb_counter;

static const char *const names[TB_PATTERNS] = {"trivial", "no_comm", "stencil_1d",
                                               "nearest", "fft",     "tree"};

const char *tb_pattern_name(int p) { return p >= 0 && p < TB_PATTERNS ? names[p] : "?"; }

int tb_pattern_parse(const char *s)
{
    for (int i = 0; i < TB_PATTERNS; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

uint64_t tb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int log2i(int w)
{
    int l = 0;
    while ((1 << (l + 1)) <= w)
        l++;
    return l;
}

int tb_active_width(const tb_graph *g, int t)
{
    if (g->pattern != TB_TREE)
        return g->width;
    int L = log2i(g->width);
    if (L == 0)
        return 1;
    int p = t % (2 * L);
    return p <= L ? 1 << p : 1 << (2 * L - p);
}

int tb_uses_data(const tb_graph *g) { return g->pattern != TB_TRIVIAL; }

int tb_deps(const tb_graph *g, int t, int x, int *deps)
{
    if (t == 0)
        return 0;
    int w = g->width, n = 0;
    switch (g->pattern) {
    case TB_TRIVIAL: return 0;
    case TB_NO_COMM: deps[n++] = x; return n;
    case TB_STENCIL_1D:
    case TB_NEAREST: {
        int lo = g->pattern == TB_STENCIL_1D ? x - 1 : x - (g->radix - 1) / 2;
        int hi = g->pattern == TB_STENCIL_1D ? x + 1 : x + g->radix / 2;
        for (int j = lo < 0 ? 0 : lo; j <= hi && j < w; j++)
            deps[n++] = j;
        return n;
    }
    case TB_FFT: {
        int L = log2i(w);
        if (L == 0) {
            deps[n++] = x;
            return n;
        }
        int y = x ^ (1 << ((t - 1) % L));
        deps[n++] = x < y ? x : y;
        deps[n++] = x < y ? y : x;
        return n;
    }
    case TB_TREE: {
        int now = tb_active_width(g, t), before = tb_active_width(g, t - 1);
        if (now > before)
            deps[n++] = x >> 1;
        else if (now < before) {
            deps[n++] = 2 * x;
            deps[n++] = 2 * x + 1;
        } else
            deps[n++] = x;
        return n;
    }
    }
    return 0;
}

static inline uint64_t tag_of(uint64_t epoch, int t, int x)
{
    return ((epoch & 0xffffffu) << 40) | ((uint64_t)t << 16) | (uint64_t)x;
}

/* Compute-bound kernel: four independent multiply-add recurrences. */
static double compute(uint64_t iters, double seed)
{
    double a = seed, b = seed + 1, c = seed + 2, d = seed + 3;
    for (uint64_t i = 0; i < iters; i++) {
        a = a * 0.9999999 + 1e-7;
        b = b * 0.9999998 + 2e-7;
        c = c * 0.9999997 + 3e-7;
        d = d * 0.9999996 + 4e-7;
    }
    return a + b + c + d;
}

static void bad(tb_graph *g) { __atomic_fetch_add(&g->errors, 1, __ATOMIC_RELAXED); }

void tb_kernel(tb_graph *g, int t, int x, const tb_rec *const *in, int nin, tb_rec *out)
{
    int deps[TB_MAX_DEPS];
    int n = tb_deps(g, t, x, deps);
    double seed = (double)x;
    if (n != nin)
        bad(g);
    else
        for (int i = 0; i < n; i++) {
            if (!in[i] || in[i]->tag != tag_of(g->epoch, t - 1, deps[i]))
                bad(g);
            else
                seed += in[i]->value * 1e-9;
        }
    double v = compute(g->iters, seed);
    tb_counter *c = (tb_counter *)g->counters + x;
    if (out) {
        out->value = v;
        out->tag = tag_of(g->epoch, t, x);
    } else {
        union {
            double d;
            uint64_t u;
        } bits = {v};
        atomic_store_explicit(&c->sink, bits.u, memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&c->n, 1, memory_order_relaxed);
}

void tb_point(tb_graph *g, int t, int x)
{
    int deps[TB_MAX_DEPS];
    const tb_rec *in[TB_MAX_DEPS];
    int n = tb_deps(g, t, x, deps);
    for (int i = 0; i < n; i++)
        in[i] = tb_in(g, t, deps[i]);
    tb_kernel(g, t, x, in, n, tb_uses_data(g) ? tb_out(g, t, x) : NULL);
}

int tb_explicit_edges(const tb_graph *g,
                      void (*fn)(void *arg, uint64_t task, const uint64_t *preds, int npreds),
                      void *arg)
{
    int w = g->width;
    /* Per record of the two fields: last writer and readers since. */
    int64_t *writer = malloc(2 * (size_t)w * sizeof *writer);
    uint64_t *readers = malloc(2 * (size_t)w * TB_MAX_DEPS * sizeof *readers);
    int *nreaders = calloc(2 * (size_t)w, sizeof *nreaders);
    if (!writer || !readers || !nreaders) {
        free(writer), free(readers), free(nreaders);
        return -1;
    }
    for (int i = 0; i < 2 * w; i++)
        writer[i] = -1;
    uint64_t preds[TB_MAX_DEPS * 2 + 1];
    int deps[TB_MAX_DEPS];
    for (int t = 0; t < g->steps; t++) {
        int aw = tb_active_width(g, t);
        for (int x = 0; x < aw; x++) {
            uint64_t task = tb_task_index(g, t, x);
            int np = 0;
            if (tb_uses_data(g)) {
                int n = tb_deps(g, t, x, deps);
                for (int i = 0; i < n; i++) {
                    int r = ((t - 1) & 1) * w + deps[i];
                    if (writer[r] >= 0)
                        preds[np++] = (uint64_t)writer[r];
                    readers[(size_t)r * TB_MAX_DEPS + nreaders[r]++] = task;
                }
                int o = (t & 1) * w + x;
                if (nreaders[o])
                    for (int i = 0; i < nreaders[o]; i++)
                        preds[np++] = readers[(size_t)o * TB_MAX_DEPS + i];
                else if (writer[o] >= 0)
                    preds[np++] = (uint64_t)writer[o];
                writer[o] = (int64_t)task;
                nreaders[o] = 0;
            }
            int k = 0; /* deduplicate */
            for (int i = 0; i < np; i++) {
                int dup = 0;
                for (int j = 0; j < k && !dup; j++)
                    dup = preds[j] == preds[i];
                if (!dup)
                    preds[k++] = preds[i];
            }
            fn(arg, task, preds, k);
        }
    }
    free(writer), free(readers), free(nreaders);
    return 0;
}

/* ---- driver ---------------------------------------------------------------- */

static int validate_after(tb_graph *g)
{
    int ok = g->errors == 0;
    tb_counter *c = g->counters;
    for (int x = 0; x < g->width; x++) {
        uint64_t want = 0;
        for (int t = 0; t < g->steps; t++)
            want += x < tb_active_width(g, t);
        if (atomic_load(&c[x].n) != want)
            ok = 0;
    }
    if (tb_uses_data(g)) {
        int t = g->steps - 1;
        for (int x = 0; x < tb_active_width(g, t); x++)
            if (tb_out(g, t, x)->tag != tag_of(g->epoch, t, x))
                ok = 0;
    }
    return ok;
}

static void reset(tb_graph *g)
{
    tb_counter *c = g->counters;
    for (int x = 0; x < g->width; x++)
        atomic_store(&c[x].n, 0);
    g->errors = 0;
    g->epoch++;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s --pattern trivial|no_comm|stencil_1d|nearest|fft|tree [--width W]\n"
            "       [--steps T] [--radix R] [--iters I1,I2,..] [--reps N] [--cpus N]\n"
            "       [--kind LABEL] [--name NAME] [--budget-s S] [--rss] | --header\n",
            prog);
}

#define MAX_ITERS 64
#define MAX_REPS 64

int tb_main(int argc, char **argv, const tb_runtime *rt)
{
    int pattern = -1, width = 16, steps = 1000, radix = 5, reps = 5, cpus = 2, rss = 0;
    double budget_s = 0;
    const char *kind = "run", *name = rt->name;
    uint64_t iters[MAX_ITERS] = {0};
    int niters = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--header")) {
            puts(TB_HEADER);
            return 0;
        } else if (!strcmp(a, "--rss"))
            rss = 1;
        else if (!v) {
            usage(argv[0]);
            return 2;
        } else if (!strcmp(a, "--pattern"))
            pattern = tb_pattern_parse(v), i++;
        else if (!strcmp(a, "--width"))
            width = atoi(v), i++;
        else if (!strcmp(a, "--steps"))
            steps = atoi(v), i++;
        else if (!strcmp(a, "--radix"))
            radix = atoi(v), i++;
        else if (!strcmp(a, "--reps"))
            reps = atoi(v), i++;
        else if (!strcmp(a, "--cpus"))
            cpus = atoi(v), i++;
        else if (!strcmp(a, "--budget-s"))
            budget_s = atof(v), i++;
        else if (!strcmp(a, "--kind"))
            kind = v, i++;
        else if (!strcmp(a, "--name"))
            name = v, i++;
        else if (!strcmp(a, "--iters")) {
            niters = 0;
            for (char *s = argv[++i], *e; *s && niters < MAX_ITERS; s = *e ? e + 1 : e) {
                iters[niters++] = strtoull(s, &e, 10);
                if (e == s)
                    break;
            }
        } else {
            usage(argv[0]);
            return 2;
        }
    }
    if (pattern < 0 || width < 1 || width > TB_MAX_WIDTH || steps < 1 || steps >= (1 << 24) ||
        reps < 1 || reps > MAX_REPS || cpus < 1 || radix < 1 || niters < 1 ||
        ((pattern == TB_FFT || pattern == TB_TREE) && (width & (width - 1)))) {
        usage(argv[0]);
        fprintf(stderr, "(fft and tree need a power-of-two width <= %d)\n", TB_MAX_WIDTH);
        return 2;
    }
    if (rss)
        reps = 1;

    tb_graph g;
    memset(&g, 0, sizeof g);
    g.pattern = pattern, g.width = width, g.steps = steps, g.radix = radix;
    g.prefix = malloc(((size_t)steps + 1) * sizeof *g.prefix);
    g.field[0] = aligned_alloc(64, (size_t)width * sizeof(tb_rec));
    g.field[1] = aligned_alloc(64, (size_t)width * sizeof(tb_rec));
    g.counters = aligned_alloc(64, (size_t)width * sizeof(tb_counter));
    if (!g.prefix || !g.field[0] || !g.field[1] || !g.counters) {
        fprintf(stderr, "%s: out of memory\n", name);
        return 1;
    }
    memset(g.field[0], 0, (size_t)width * sizeof(tb_rec));
    memset(g.field[1], 0, (size_t)width * sizeof(tb_rec));
    memset(g.counters, 0, (size_t)width * sizeof(tb_counter));
    g.prefix[0] = 0;
    for (int t = 0; t < steps; t++)
        g.prefix[t + 1] = g.prefix[t] + (uint64_t)tb_active_width(&g, t);
    g.tasks = g.prefix[steps];

    tb_rec *host_field[2] = {g.field[0], g.field[1]}; /* init may re-point them */
    if (rt->init(&g, cpus)) {
        fprintf(stderr, "%s: init failed\n", name);
        return 1;
    }
    long base_rss = maxrss_kb();
    int all_ok = 1;
    if (!rss) { /* untimed warm-up with the empty kernel */
        uint64_t b = 0;
        reset(&g);
        if (rt->run(&g, &b) || !validate_after(&g)) {
            fprintf(stderr, "%s: %s warm-up run failed validation\n", name,
                    tb_pattern_name(pattern));
            all_ok = 0;
        }
    }
    for (int k = 0; k < niters; k++) {
        uint64_t total[MAX_REPS], build[MAX_REPS], run[MAX_REPS];
        int ok = all_ok, done = reps;
        uint64_t level_start = tb_now_ns();
        g.iters = iters[k];
        for (int r = 0; r < reps; r++) {
            uint64_t b = 0;
            reset(&g);
            uint64_t t0 = tb_now_ns();
            int st = rt->run(&g, &b);
            uint64_t t1 = tb_now_ns();
            if (st || !validate_after(&g)) {
                if (ok)
                    fprintf(stderr,
                            "%s: %s width %d iters %llu: validation FAILED (%d bad inputs)\n", name,
                            tb_pattern_name(pattern), width, (unsigned long long)iters[k],
                            g.errors);
                ok = 0;
            }
            total[r] = t1 - t0;
            build[r] = b;
            run[r] = t1 - t0 - b;
            if (budget_s > 0 && r + 1 < reps && (double)(t1 - level_start) / 1e9 > budget_s) {
                done = r + 1; /* slow: median of the runs done so far */
                break;
            }
        }
        qsort(total, (size_t)done, sizeof total[0], cmp_u64);
        qsort(build, (size_t)done, sizeof build[0], cmp_u64);
        qsort(run, (size_t)done, sizeof run[0], cmp_u64);
        printf("%s,%s,%s,%d,%d,%d,%llu,%llu,%d,%llu,%llu,%llu,%llu,%llu,%s,%ld,%ld\n", kind, name,
               tb_pattern_name(pattern), width, pattern == TB_NEAREST ? radix : 0, steps,
               (unsigned long long)iters[k], (unsigned long long)g.tasks, done,
               (unsigned long long)total[done / 2], (unsigned long long)build[done / 2],
               (unsigned long long)run[done / 2], (unsigned long long)total[0],
               (unsigned long long)total[done - 1], ok ? "PASS" : "FAIL", base_rss, maxrss_kb());
        fflush(stdout);
    }
    rt->fini(&g);
    free(g.prefix), free(host_field[0]), free(host_field[1]), free(g.counters);
    return 0;
}
