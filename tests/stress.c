/* pto_stress: the random-program, random-DAG and random-CSP checks over
 * fresh seeds for as long as asked (not part of `make test`; see
 * docs/testing.md).
 *
 *   pto_stress [--seconds N] [--cases N] [--seed S] [--only KIND] [--quiet]
 *   pto_stress --replay SEED        run one case again, verbosely
 *
 * KIND: program, dag or csp (default: all three, about 1 DAG and 2 CSP
 * programs in 16 cases). Case number k uses seed S + k (--only skips the
 * seeds of other kinds); the seed alone picks everything about the case
 * (device shape, window, mode, publish batch, deterministic or not,
 * program, DAG or CSP program), so a failure line's seed replays it exactly (up to the
 * thread interleaving, which is the point of running many). Every run has a
 * watchdog, so a hang is reported as a failure with its seed, and the
 * broken device is replaced. Exit status 0 iff no case failed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support/rand.h"
#include "support/random_csp.h"
#include "support/random_dag.h"
#include "support/random_fan_in.h"
#include "support/random_program.h"

typedef struct shape {
    uint32_t blocks, schedulers, exec_threads;
} shape;

static const shape shapes[] = {{1, 1, 0}, {4, 2, 0}, {2, 1, 1}, {24, 3, 0}, {24, 3, 2}};
static const uint32_t windows[] = {2, 4, 8, 64, 1024};
#define NSHAPES (sizeof shapes / sizeof shapes[0])
#define NWINDOWS (sizeof windows / sizeof windows[0])
#define DAG_WINDOW 4096
#define WATCHDOG_MS 10000

/* What a seed asks for. */
typedef struct stress_case {
    uint64_t seed;
    uint32_t shape, window; /* indices */
    int dag;                /* a random DAG instead of a program */
    uint32_t dag_n;
    int csp;                  /* a random CSP program (never with dag) */
    int fan_in;               /* CSP, streamed: a random fan-in program instead */
    int feedback;             /* CSP, not fan-in: with a feedback channel (a cycle) */
    uint32_t dispatch_cycles; /* CSP: the device's, 0 or 3 */
    pto_run_mode mode;
    int deterministic;
    uint32_t batch;
    char dispatch[24]; /* the run's policy, "" = default */
} stress_case;

static uint64_t mix(uint64_t z) { return next_rand(&z); } /* one splitmix64 step */

static stress_case case_of(uint64_t seed)
{
    static const uint32_t batches[] = {1, 3, 0};
    uint64_t r = mix(seed);
    stress_case c = {.seed = seed};
    c.shape = (uint32_t)(r % NSHAPES), r /= NSHAPES;
    c.window = (uint32_t)(r % NWINDOWS), r /= NWINDOWS;
    c.dag = r % 16 == 0, r /= 16;
    /* DAGs of 1..256 tasks, one in 16 up to the device's window */
    c.dag_n = 1 + (uint32_t)(r % (r % 16 ? 256 : DAG_WINDOW)), r /= DAG_WINDOW;
    c.mode = r % 2 ? PTO_MODE_STREAMED : PTO_MODE_HOST_BUILT, r /= 2;
    c.deterministic = r % 8 == 0, r /= 8;
    c.batch = batches[r % 3], r /= 3;
    /* Half the cases route their tasks: round robin or work stealing over
     * 1..blocks lanes (each then has an AIC core, for the DAGs' AIC tasks). */
    static const char *policies[] = {"round_robin", "work_steal"};
    if (r % 4 >= 2)
        snprintf(c.dispatch, sizeof c.dispatch, "%s:%u", policies[r % 2],
                 1 + (uint32_t)(r / 4 % shapes[c.shape].blocks));
    if (c.dag)
        c.mode = PTO_MODE_HOST_BUILT; /* explicit deps are host-built */
    if (c.mode == PTO_MODE_HOST_BUILT || c.deterministic)
        c.batch = 0;
    /* CSP programs from bits of their own (the other cases' seeds keep
     * their meaning): two cases in 16, half of them deterministic (whose
     * cycles are checked against the CSPT model), their own policy; half
     * of the streamed ones are fan-in programs (support/random_fan_in.h),
     * half of the others get a feedback channel (rc_add_feedback). */
    uint64_t q = mix(seed ^ 0x6a09e667f3bcc909ull);
    c.csp = !c.dag && q % 8 == 0, q /= 8;
    if (c.csp) {
        c.deterministic = q % 2 == 0, q /= 2;
        c.dispatch_cycles = q % 2 ? 3 : 0, q /= 2;
        c.fan_in = c.mode == PTO_MODE_STREAMED && q % 2, q /= 2;
        c.feedback = !c.fan_in && q % 2, q /= 2;
        c.batch = 0;
        c.dispatch[0] = 0;
    }
    return c;
}

static void describe(const stress_case *c, char *out, size_t n)
{
    const shape *s = &shapes[c->shape];
    if (c->csp) {
        static rc_program p;
        static fr_prog f;
        char what[512];
        if (c->fan_in) {
            fr_make(&f, c->seed, c->dispatch_cycles);
            fr_describe(&f, what, sizeof what);
        } else {
            rc_make(&p, c->seed, c->dispatch_cycles, 0);
            if (c->feedback)
                rc_add_feedback(&p, c->seed);
            rc_describe(&p, what, sizeof what);
        }
        snprintf(out, n,
                 "seed %" PRIu64 ": CSP program, %u blocks / %u schedulers / %u exec "
                 "threads, %s%s: %.600s",
                 c->seed, s->blocks < RC_BLOCKS ? RC_BLOCKS : s->blocks, s->schedulers,
                 s->exec_threads, c->mode == PTO_MODE_STREAMED ? "streamed" : "host-built",
                 c->deterministic ? " deterministic" : "", what);
    } else if (c->dag)
        snprintf(out, n,
                 "seed %" PRIu64 ": DAG of %u tasks, %u blocks / %u schedulers / %u exec "
                 "threads, host-built%s%s%s",
                 c->seed, c->dag_n, s->blocks, s->schedulers, s->exec_threads,
                 c->deterministic ? " deterministic" : "", *c->dispatch ? ", dispatch " : "",
                 c->dispatch);
    else
        snprintf(out, n,
                 "seed %" PRIu64 ": program, %u blocks / %u schedulers / %u exec threads, "
                 "window %u, %s%s, publish batch %u%s%s",
                 c->seed, s->blocks, s->schedulers, s->exec_threads, windows[c->window],
                 c->mode == PTO_MODE_STREAMED ? "streamed" : "host-built",
                 c->deterministic ? " deterministic" : "", c->batch,
                 *c->dispatch ? ", dispatch " : "", c->dispatch);
}

/* Devices are kept open per (shape, window), plus one per shape for DAGs
 * and two per shape for CSP programs (dispatch_cycles 0 and 3). */
#define DEV_DAG NWINDOWS
#define DEV_CSP (NWINDOWS + 1)
static pto_device *devs[NSHAPES][NWINDOWS + 3];

static uint32_t device_index(const stress_case *c)
{
    return c->csp ? DEV_CSP + (c->dispatch_cycles != 0) : c->dag ? DEV_DAG : c->window;
}

static pto_device *device_for(const stress_case *c, char *why, size_t n)
{
    uint32_t w = device_index(c);
    if (devs[c->shape][w])
        return devs[c->shape][w];
    const shape *s = &shapes[c->shape];
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = s->blocks;
    cfg.schedulers = s->schedulers;
    cfg.exec_threads = s->exec_threads;
    cfg.gm_bytes = 1 << 20;
    cfg.task_window = c->dag ? DAG_WINDOW : windows[c->window];
    if (c->csp) { /* a core per process, the whole graph in the window */
        cfg.blocks = s->blocks < RC_BLOCKS ? RC_BLOCKS : s->blocks;
        cfg.task_window = cfg.trace_capacity = RC_WINDOW;
        cfg.dispatch_cycles = c->dispatch_cycles;
        cfg.heap_bytes = 4096;
    } else if (!c->dag) {
        cfg.heap_bytes = 4096;
        cfg.tensormap_entries = 1024;
        cfg.tensormap_buckets = 64;
        cfg.dep_pool = 4096;
    }
    pto_device *dev = NULL;
    pto_error err = {0};
    pto_status st = pto_device_open("a2a3sim", &cfg, &dev, &err);
    if (!st)
        st = c->dag ? rd_register(dev, &err)
             : c->csp
                 ? (pto_kernel_register(dev, RC_KERNEL, PTO_CORE_AIV, rc_kernel, "stage", &err) ||
                    pto_kernel_register(dev, FR_KERNEL, PTO_CORE_AIV, fr_kernel, "fan_in", &err))
                 : pto_kernel_register(dev, 0, PTO_CORE_AIV, rp_kernel, "step", &err);
    if (st) {
        snprintf(why, n, "device: %.1000s", err.msg);
        pto_device_close(dev);
        return NULL;
    }
    return devs[c->shape][w] = dev;
}

/* Runs one case; 0 = passed. A failed device is closed (a new one is opened
 * for the next case that needs it). */
static int run_one(const stress_case *c, char *why, size_t n)
{
    static rd_dag dag;
    pto_device *dev = device_for(c, why, n);
    if (!dev)
        return 1;
    int bad;
    if (c->csp && c->fan_in) {
        static fr_prog f;
        fr_make(&f, c->seed, c->dispatch_cycles);
        bad = fr_run_case(dev, &f, c->deterministic, WATCHDOG_MS, why, n);
    } else if (c->csp) {
        static rc_program p;
        rc_make(&p, c->seed, c->dispatch_cycles, 0);
        if (c->feedback)
            rc_add_feedback(&p, c->seed);
        bad = rc_run_case(dev, &p, c->mode, c->deterministic, WATCHDOG_MS, why, n);
    } else if (c->dag) {
        uint64_t edges;
        rd_make(&dag, c->dag_n, c->seed);
        bad = rd_run_case(dev, &dag, c->deterministic, *c->dispatch ? c->dispatch : NULL,
                          WATCHDOG_MS, &edges, why, n);
    } else {
        bad = rp_run_case(dev, windows[c->window], c->mode, c->deterministic,
                          *c->dispatch ? c->dispatch : NULL, c->seed, c->batch, WATCHDOG_MS, NULL,
                          why, n);
    }
    if (bad) {
        pto_device_close(dev);
        devs[c->shape][device_index(c)] = NULL;
    }
    return bad;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int usage(void)
{
    fprintf(stderr, "usage: pto_stress [--seconds N] [--cases N] [--seed S] "
                    "[--only program|dag|csp] [--quiet]\n"
                    "       pto_stress --replay SEED\n");
    return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return 0;
    *out = strtoull(s, &end, 10);
    return *end == 0;
}

int main(int argc, char **argv)
{
    uint64_t seconds = 60, cases = UINT64_MAX, seed = 0, replay = 0;
    int have_seed = 0, have_replay = 0, quiet = 0;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--seconds") && parse_u64(v, &seconds))
            i++;
        else if (!strcmp(a, "--cases") && parse_u64(v, &cases))
            i++;
        else if (!strcmp(a, "--seed") && parse_u64(v, &seed))
            i++, have_seed = 1;
        else if (!strcmp(a, "--replay") && parse_u64(v, &replay))
            i++, have_replay = 1;
        else if (!strcmp(a, "--only") && v &&
                 (!strcmp(v, "program") || !strcmp(v, "dag") || !strcmp(v, "csp")))
            only = argv[++i];
        else if (!strcmp(a, "--quiet"))
            quiet = 1;
        else
            return usage();
    }
    char what[1024], why[2048];
    if (have_replay) {
        stress_case c = case_of(replay);
        describe(&c, what, sizeof what);
        int bad = run_one(&c, why, sizeof why);
        printf("%s: %s%s\n", what, bad ? "FAIL: " : "pass", bad ? why : "");
        return bad;
    }
    if (!have_seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = mix((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) >> 16;
    }
    printf("pto_stress: seeds from %" PRIu64 ", %" PRIu64 " s\n", seed, seconds);
    fflush(stdout);
    uint64_t runs = 0, failures = 0, dags = 0, csps = 0, fans = 0, feedbacks = 0, det = 0,
             streamed = 0, skipped = 0;
    double t0 = now_s(), next_report = t0 + 10, end = t0 + (double)seconds;
    for (uint64_t k = 0; k < cases; k++) {
        if ((k & 15) == 0) {
            double t = now_s();
            if (t >= end)
                break;
            if (!quiet && t >= next_report) {
                fprintf(stderr, "pto_stress: %" PRIu64 " cases, %" PRIu64 " failed, %.0f/s\n", runs,
                        failures, runs / (t - t0));
                next_report = t + 10;
            }
        }
        stress_case c = case_of(seed + k);
        if (only && strcmp(only, c.csp ? "csp" : c.dag ? "dag" : "program")) {
            skipped++;
            continue;
        }
        runs++;
        dags += c.dag;
        csps += c.csp;
        fans += c.fan_in;
        feedbacks += c.feedback;
        det += c.deterministic;
        streamed += c.mode == PTO_MODE_STREAMED;
        if (run_one(&c, why, sizeof why)) {
            failures++;
            describe(&c, what, sizeof what);
            printf("FAIL %s: %s\n  replay: pto_stress --replay %" PRIu64 "\n", what, why, c.seed);
            fflush(stdout);
        }
    }
    double t = now_s() - t0;
    printf("pto_stress: %" PRIu64 " cases in %.0f s (%.0f/s): %" PRIu64 " streamed, %" PRIu64
           " host-built, %" PRIu64 " of them DAGs, %" PRIu64 " CSP programs (%" PRIu64
           " fan-in, %" PRIu64 " with a feedback channel), %" PRIu64
           " deterministic; seeds %" PRIu64 "..%" PRIu64 "\n",
           runs, t, runs / (t > 0 ? t : 1), streamed, runs - streamed, dags, csps, fans, feedbacks,
           det, seed, seed + runs + skipped - 1);
    printf("%" PRIu64 " passed, %" PRIu64 " failed\n", runs - failures, failures);
    for (size_t s = 0; s < NSHAPES; s++)
        for (size_t w = 0; w < NWINDOWS + 3; w++)
            pto_device_close(devs[s][w]);
    return failures != 0;
}
