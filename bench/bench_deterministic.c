/* Deterministic-mode speed: simulated tasks per second of host time on
 * empty kernels that report 100 cycles each, for a host-built graph
 * (independent tasks and a chain) and a streamed run in scopes.
 *
 * Usage: bench_deterministic [N]   (default 1048576 streamed, N/4 host-built)
 * Prints the median of 3 runs; target >= 2 M simulated tasks/s. */
#include <stdio.h>
#include <stdlib.h>

#include "core/clock.h"
#include "pto/pto.h"

static void k100(const uint64_t *a)
{
    (void)a;
    pto_add_cycles(100);
}

struct job {
    uint32_t n;
    int chain, scoped;
};

static pto_status orch(pto_run *run, void *p, pto_error *err)
{
    struct job *j = p;
    pto_status st = PTO_OK;
    pto_task_id t, prev = 0;
    for (uint32_t i = 0; i < j->n && !st; i++) {
        if (j->scoped && i % 1024 == 0 &&
            (st = pto_scope_begin(run, "step", PTO_SCOPE_MANUAL, err)))
            break;
        uint32_t aic = i % 3 == 0;
        st = pto_add_task(run, (int)aic, aic ? PTO_CORE_AIC : PTO_CORE_AIV, 0, 0, &t, err);
        if (!st && j->chain && i && (!j->scoped || i % 1024))
            st = pto_add_dep(run, prev, t, err);
        prev = t;
        if (!st && j->scoped && (i % 1024 == 1023 || i + 1 == j->n))
            st = pto_scope_end(run, err);
    }
    return st;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double measure(uint32_t window, pto_run_mode mode, struct job *j, uint64_t *cycles)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.task_window = window;
    cfg.dep_pool = window * 2;
    cfg.gm_bytes = 1 << 20;
    cfg.heap_bytes = 1 << 20;
    cfg.trace_capacity = 1024;
    pto_device *dev;
    pto_error err;
    if (pto_device_open("a2a3sim", &cfg, &dev, &err) ||
        pto_kernel_register(dev, 0, PTO_CORE_AIV, k100, "k", &err) ||
        pto_kernel_register(dev, 1, PTO_CORE_AIC, k100, "k", &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        exit(1);
    }
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.deterministic = 1;
    rc.mode = mode;
    double v[3];
    for (int r = 0; r < 3; r++) {
        pto_stats st;
        uint64_t t0 = pto_now_ns();
        if (pto_launch(dev, &rc, orch, j, &st, &err)) {
            fprintf(stderr, "error: %s\n", err.msg);
            exit(1);
        }
        v[r] = (double)j->n / ((double)(pto_now_ns() - t0) / 1e9);
        *cycles = st.total_cycles;
    }
    pto_device_close(dev);
    qsort(v, 3, sizeof v[0], cmp);
    return v[1];
}

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], 0, 0) : 1u << 20;
    uint32_t hb = n / 4, window = 1;
    while (window < hb)
        window <<= 1;
    printf("# bench_deterministic: 72 cores, 100-cycle empty kernels, median of 3\n");
    printf("%-28s %10s %14s %16s\n", "run", "tasks", "M tasks/s", "total_cycles");
    struct {
        const char *name;
        pto_run_mode mode;
        struct job j;
        uint32_t window;
    } rows[] = {
        {"host-built independent", PTO_MODE_HOST_BUILT, {hb, 0, 0}, window},
        {"host-built chain", PTO_MODE_HOST_BUILT, {hb, 1, 0}, window},
        {"streamed, scopes of 1024", PTO_MODE_STREAMED, {n, 0, 1}, 16384},
        {"streamed chains, scopes", PTO_MODE_STREAMED, {n, 1, 1}, 16384},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint64_t cycles = 0;
        double rate = measure(rows[i].window, rows[i].mode, &rows[i].j, &cycles);
        printf("%-28s %10u %14.2f %16llu\n", rows[i].name, rows[i].j.n, rate / 1e6,
               (unsigned long long)cycles);
    }
    printf("# target: >= 2 M simulated tasks/s\n");
    return 0;
}
