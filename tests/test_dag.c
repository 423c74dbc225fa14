/* Randomized explicit-dependency DAGs (10^4 tasks): every kernel logs when
 * it starts and ends on a shared logical clock; every edge p -> c must show
 * end(p) < start(c). Run across device shapes and both executor modes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <cmocka.h>

#include "pto/pto.h"

#define N 10000
#define MAX_IN 4

static _Atomic uint64_t g_clock;
static uint64_t g_start[N], g_end[N];

/* args[0] = task index */
static void k_log(const uint64_t *args)
{
    g_start[args[0]] = atomic_fetch_add(&g_clock, 1);
    g_end[args[0]] = atomic_fetch_add(&g_clock, 1);
}

struct dag {
    uint32_t order[N];        /* topological rank -> task index */
    uint32_t nin[N];
    uint32_t in[N][MAX_IN];   /* producers (task indices) */
    uint8_t aic[N];
};

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Random topological order (a shuffle), so many edges point from a higher
 * task id to a lower one: host-built graphs may wire in any order. */
static void make_dag(struct dag *d, uint64_t seed)
{
    uint32_t rank[N];
    for (uint32_t i = 0; i < N; i++)
        d->order[i] = i;
    for (uint32_t i = N - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(rng(&seed) % (i + 1));
        uint32_t t = d->order[i];
        d->order[i] = d->order[j];
        d->order[j] = t;
    }
    for (uint32_t r = 0; r < N; r++)
        rank[d->order[r]] = r;
    for (uint32_t i = 0; i < N; i++) {
        d->aic[i] = rng(&seed) % 3 == 0;
        d->nin[i] = 0;
        uint32_t want = (uint32_t)(rng(&seed) % (MAX_IN + 1));
        for (uint32_t k = 0; k < want && rank[i] > 0; k++) {
            /* mostly near predecessors (long chains), sometimes far ones */
            uint32_t span = rng(&seed) % 4 ? 16 : rank[i];
            if (span > rank[i])
                span = rank[i];
            uint32_t pr = rank[i] - 1 - (uint32_t)(rng(&seed) % span);
            d->in[i][d->nin[i]++] = d->order[pr];
        }
    }
}

static pto_status orch(pto_run *run, void *ctx, pto_error *err)
{
    const struct dag *d = ctx;
    for (uint32_t i = 0; i < N; i++) {
        uint64_t a = i;
        pto_task_id t;
        pto_status st = pto_add_task(run, d->aic[i] ? 0 : 1,
                                     d->aic[i] ? PTO_CORE_AIC : PTO_CORE_AIV, &a, 1, &t, err);
        if (st)
            return st;
        if (t != i)
            return PTO_ERR_STATE;
    }
    for (uint32_t i = 0; i < N; i++)
        for (uint32_t k = 0; k < d->nin[i]; k++) {
            pto_status st = pto_add_dep(run, d->in[i][k], i, err);
            if (st)
                return st;
        }
    return PTO_OK;
}

static void run_shape(uint32_t blocks, uint32_t scheds, uint32_t exec_threads)
{
    static struct dag d;
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = blocks;
    cfg.schedulers = scheds;
    cfg.exec_threads = exec_threads;
    cfg.gm_bytes = 1 << 20;
    pto_device *dev;
    pto_error err = {0};
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("open: %s", err.msg);
    assert_int_equal(pto_kernel_register(dev, 0, PTO_CORE_AIC, k_log, "log_aic", &err), PTO_OK);
    assert_int_equal(pto_kernel_register(dev, 1, PTO_CORE_AIV, k_log, "log_aiv", &err), PTO_OK);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        make_dag(&d, seed * 0x9e3779b97f4a7c15ull);
        atomic_store(&g_clock, 1);
        for (uint32_t i = 0; i < N; i++)
            g_start[i] = g_end[i] = 0;
        pto_stats st;
        if (pto_launch(dev, 0, orch, &d, &st, &err))
            fail_msg("launch: %s", err.msg);
        assert_int_equal(st.tasks, N);
        uint64_t edges = 0;
        for (uint32_t i = 0; i < N; i++) {
            assert_true(g_start[i] > 0); /* every task ran */
            for (uint32_t k = 0; k < d.nin[i]; k++, edges++)
                if (!(g_end[d.in[i][k]] < g_start[i]))
                    fail_msg("edge t%u -> t%u not honoured", d.in[i][k], i);
        }
        assert_true(edges > N); /* the generator really made a dense graph */
        const pto_task_record *r;
        size_t n;
        pto_last_run_records(dev, &r, &n);
        assert_int_equal(n, N);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(pto_core_type_of(r[i].core), d.aic[i] ? PTO_CORE_AIC : PTO_CORE_AIV);
    }
    pto_device_close(dev);
}

static void test_b1_s1(void **s) { (void)s; run_shape(1, 1, 0); }
static void test_b24_s1(void **s) { (void)s; run_shape(24, 1, 0); } /* 72 cores, one thread */
static void test_b4_s2(void **s) { (void)s; run_shape(4, 2, 0); }
static void test_b24_s3(void **s) { (void)s; run_shape(24, 3, 0); }
static void test_b24_s3_exec2(void **s) { (void)s; run_shape(24, 3, 2); }
static void test_b2_s1_exec1(void **s) { (void)s; run_shape(2, 1, 1); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b1_s1),
        cmocka_unit_test(test_b24_s1),
        cmocka_unit_test(test_b4_s2),
        cmocka_unit_test(test_b24_s3),
        cmocka_unit_test(test_b24_s3_exec2),
        cmocka_unit_test(test_b2_s1_exec1),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
