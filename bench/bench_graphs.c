/* Scheduling overhead on empty kernels: independent tasks, a chain and a
 * fan-out/fan-in, on 2 simulated cores (1 block, AIV tasks) and on 72
 * simulated cores (24 blocks, tasks spread over AIC and AIV).
 *
 * Usage: bench_graphs [N] [reps]   (defaults 16384 tasks, 5 repetitions)
 * 16384 is the default task window, the largest host-built graph a default
 * device holds. Much larger graphs (262144 tasks = 64 MiB of task slots)
 * measure DRAM more than scheduling: see bench/RESULTS.md.
 * Prints the median ns/task of the execution phase (launch to last FIN) and
 * of the host-built orchestration phase, plus futex wakes per run, for the
 * default (executors hosted on scheduler threads) and, as the baseline
 * measured in the same run, 2 dedicated executor threads.
 *
 * Then the cost of routing (pto/dispatch.h): the independent graph on 72
 * cores / 3 schedulers under the default policy (the baseline), round_robin
 * and hash (one key per task, set for every policy so that only routing
 * differs), runs alternating; the difference to the default row is what
 * routing costs per task, in orchestration and in execution. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pto/pto.h"

enum shape { INDEPENDENT, CHAIN, CHANNEL, FAN, SHAPES };
static const char *shape_name[] = {"independent", "chain", "channel", "fanout-fanin"};

struct bench {
    enum shape shape;
    uint32_t n;
    int all_types;        /* spread tasks over AIC and AIV */
    int keyed;            /* every task gets a key (pto_set_task_key) */
    pto_channel *ab, *ba; /* CHANNEL */
};

static void nop(const uint64_t *args) { (void)args; }

static pto_status add(pto_run *run, const struct bench *b, uint32_t i, pto_task_id *t,
                      pto_error *err)
{
    int aic = b->all_types && i % 3 == 0;
    pto_status st = b->keyed ? pto_set_task_key(run, i, err) : PTO_OK;
    return st ? st
              : pto_add_task(run, aic ? 0 : 1, aic ? PTO_CORE_AIC : PTO_CORE_AIV, 0, 0, t, err);
}

/* The channel shape: the chain's N tasks alternate between two processes,
 * and each task's one edge from the task before it is a token: task 2k
 * (process index 0) sends on ab, task 2k + 1 (index 1) receives it and
 * sends on ba, which task 2k + 2 receives. Capacity 1 on both channels. */
static pto_status ping_pong(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    struct bench *b = ctx;
    pto_channel *in = index ? b->ab : b->ba, *out = index ? b->ba : b->ab;
    pto_status st = PTO_OK;
    for (uint32_t i = index; i < b->n && !st; i += 2) {
        if (i && (st = pto_recv(run, in, NULL, NULL, err)))
            return st;
        int aic = b->all_types && i % 3 == 0;
        st = pto_submit(run, aic ? 0 : 1, aic ? PTO_CORE_AIC : PTO_CORE_AIV, NULL, 0, NULL, err);
        if (!st && i + 1 < b->n)
            st = pto_send(run, out, 0, err);
    }
    return st;
}

static pto_status orch(pto_run *run, void *ctx, pto_error *err)
{
    struct bench *b = ctx;
    pto_status st;
    if (b->shape == CHANNEL) {
        if ((st = pto_channel_create(run, "ab", 1, &b->ab, err)) ||
            (st = pto_channel_create(run, "ba", 1, &b->ba, err)) ||
            (st = pto_process_create(run, "ping_pong", ping_pong, b, 2, err)))
            return st;
        return pto_csp_run(run, err);
    }
    pto_task_id t, prev = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        if ((st = add(run, b, i, &t, err)))
            return st;
        if (b->shape == CHAIN && i)
            st = pto_add_dep(run, prev, t, err);
        else if (b->shape == FAN && i && i + 1 < b->n)
            st = pto_add_dep(run, 0, t, err);
        else if (b->shape == FAN && i && i + 1 == b->n)
            for (uint32_t j = 1; j + 1 < b->n && !st; j++)
                st = pto_add_dep(run, j, t, err);
        if (st)
            return st;
        prev = t;
    }
    return PTO_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The independent graph on 24 blocks / 3 schedulers, hosted, under each
 * policy; runs alternate between the policies. */
static int policies(uint32_t n, int reps, uint32_t window)
{
    static const char *policy[] = {"default", "round_robin", "hash"};
    enum { NP = 3 };
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 24;
    cfg.schedulers = 3;
    cfg.task_window = window;
    cfg.dep_pool = window * 2;
    cfg.gm_bytes = 1 << 20;
    pto_device *dev;
    pto_error err = {0};
    if (pto_device_open("a2a3sim", &cfg, &dev, &err) ||
        pto_kernel_register(dev, 0, PTO_CORE_AIC, nop, "nop_aic", &err) ||
        pto_kernel_register(dev, 1, PTO_CORE_AIV, nop, "nop_aiv", &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    uint64_t exec[NP][64], orchs[NP][64];
    struct bench b = {INDEPENDENT, n, 1, 1, NULL, NULL};
    for (int r = 0; r < reps; r++)
        for (int p = 0; p < NP; p++) {
            pto_run_config rc;
            pto_run_config_default(&rc);
            rc.dispatch = policy[p];
            pto_stats st;
            if (pto_launch(dev, &rc, orch, &b, &st, &err)) {
                fprintf(stderr, "error: %s\n", err.msg);
                return 1;
            }
            struct timespec pause = {0, 1000000};
            nanosleep(&pause, 0);
            exec[p][r] = st.wall_ns;
            orchs[p][r] = st.orch_ns;
        }
    printf("\n# dispatch policies: independent, 72 cores / 3 schedulers, hosted, keyed tasks\n");
    printf("%-12s %12s %12s %14s %14s\n", "policy", "exec ns/task", "orch ns/task", "exec vs dflt",
           "orch vs dflt");
    double e0 = 0, o0 = 0;
    for (int p = 0; p < NP; p++) {
        qsort(exec[p], (size_t)reps, sizeof exec[p][0], cmp_u64);
        qsort(orchs[p], (size_t)reps, sizeof orchs[p][0], cmp_u64);
        double e = (double)exec[p][reps / 2] / n, o = (double)orchs[p][reps / 2] / n;
        if (!p) {
            e0 = e;
            o0 = o;
        }
        printf("%-12s %12.1f %12.1f %+14.1f %+14.1f\n", policy[p], e, o, e - e0, o - o0);
    }
    printf("# target: routing costs <= 10 ns/task over the default\n");
    pto_device_close(dev);
    return 0;
}

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], 0, 0) : 16384;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (reps < 1 || reps > 64 || n < 3) {
        fprintf(stderr, "usage: bench_graphs [N>=3] [reps 1..64]\n");
        return 2;
    }
    uint32_t window = 1;
    while (window < n)
        window <<= 1;
    printf("# bench_graphs: N=%u tasks, median of %d runs, empty kernels, host-built\n", n, reps);
    printf("%-10s %-13s %6s %6s %12s %12s %10s %8s\n", "executors", "graph", "cores", "scheds",
           "exec ns/task", "orch ns/task", "wakes/run", "vs 2");
    for (int mode = 0; mode < 2; mode++)
        for (int shape = 0; shape < SHAPES; shape++) {
            /* 2 cores / 1 scheduler; 72 cores on the same single scheduler
         * thread (isolates the cost of simulating more cores); 72 cores on
         * the full 3-scheduler shape. The three devices stay open and their
         * runs alternate, so that drift in this host's speed hits the
         * baseline and the 72-core rows alike. */
            pto_device *devs[3];
            uint64_t exec[3][64], orchs[3][64], wakes[3][64];
            for (int row = 0; row < 3; row++) {
                pto_device_config cfg;
                pto_device_config_default(&cfg);
                cfg.blocks = row ? 24 : 1;
                cfg.schedulers = row == 2 ? 3 : 1;
                cfg.task_window = window;
                cfg.dep_pool = window * 2;
                cfg.gm_bytes = 1 << 20;
                cfg.exec_threads = mode ? 2 : 0;
                pto_error err = {0};
                if (pto_device_open("a2a3sim", &cfg, &devs[row], &err) ||
                    pto_kernel_register(devs[row], 0, PTO_CORE_AIC, nop, "nop_aic", &err) ||
                    pto_kernel_register(devs[row], 1, PTO_CORE_AIV, nop, "nop_aiv", &err)) {
                    fprintf(stderr, "error: %s\n", err.msg);
                    return 1;
                }
            }
            for (int r = 0; r < reps; r++)
                for (int row = 0; row < 3; row++) {
                    struct bench b = {(enum shape)shape, n, row > 0, 0, NULL, NULL};
                    pto_stats st;
                    pto_error err = {0};
                    if (pto_launch(devs[row], 0, orch, &b, &st, &err)) {
                        fprintf(stderr, "error: %s\n", err.msg);
                        return 1;
                    }
                    /* Let this device's threads finish spinning and park
                 * before the next device runs (not timed). */
                    struct timespec pause = {0, 1000000};
                    nanosleep(&pause, 0);
                    exec[row][r] = st.wall_ns;
                    orchs[row][r] = st.orch_ns;
                    wakes[row][r] = st.wakes;
                }
            double base = 0;
            for (int row = 0; row < 3; row++) {
                qsort(exec[row], (size_t)reps, sizeof exec[row][0], cmp_u64);
                qsort(orchs[row], (size_t)reps, sizeof orchs[row][0], cmp_u64);
                qsort(wakes[row], (size_t)reps, sizeof wakes[row][0], cmp_u64);
                double per = (double)exec[row][reps / 2] / n;
                if (!row)
                    base = per;
                char ratio[16] = "";
                if (row)
                    snprintf(ratio, sizeof ratio, "%.2fx", base / per);
                printf("%-10s %-13s %6u %6u %12.1f %12.1f %10llu %8s\n",
                       mode ? "2 threads" : "hosted", shape_name[shape], row ? 72u : 2u,
                       row == 2 ? 3u : 1u, per, (double)orchs[row][reps / 2] / n,
                       (unsigned long long)wakes[row][reps / 2], ratio);
                pto_device_close(devs[row]);
            }
        }
    printf("# 'vs 2' = throughput of 72 simulated cores relative to 2 (higher is better)\n");
    return policies(n, reps, window);
}
