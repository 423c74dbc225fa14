/* Semantic time: kernels report cycles; start = max(core clock, producers'
 * ends, dispatch) + dispatch overhead; total_cycles = makespan. Deterministic
 * mode reproduces dispatch, records and total_cycles exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pto/pto.h"

/* args[0] = cycles to report */
static void k_cost(const uint64_t *a) { pto_add_cycles(a[0]); }
static void k_silent(const uint64_t *a) { (void)a; }
static uint64_t cost_model(const uint64_t *a) { return 2 * a[0]; }

static pto_device *open_dev(uint32_t blocks, uint32_t scheds, uint32_t dispatch)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = blocks;
    cfg.schedulers = scheds;
    cfg.task_window = 4096;
    cfg.dispatch_cycles = dispatch;
    cfg.gm_bytes = 1 << 20;
    cfg.heap_bytes = 1 << 20;
    pto_device *dev;
    pto_error err;
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(pto_kernel_register(dev, 0, PTO_CORE_AIV, k_cost, "v", &err), 0);
    assert_int_equal(pto_kernel_register(dev, 1, PTO_CORE_AIC, k_cost, "c", &err), 0);
    assert_int_equal(pto_kernel_register(dev, 2, PTO_CORE_AIV, k_silent, "silent", &err), 0);
    return dev;
}

struct graph {
    int shape; /* 0 chain, 1 independent, 2 diamond, 3 random DAG */
    uint32_t n;
    uint64_t seed;
};

static pto_status orch(pto_run *run, void *p, pto_error *err)
{
    struct graph *g = p;
    pto_status st = PTO_OK;
    uint64_t s = g->seed | 1;
    for (uint32_t i = 0; i < g->n && !st; i++) {
        uint64_t c = 100 + 10 * (i % 7);
        int aic = g->shape == 2 ? (i == 1 || i == 2) : (g->shape == 3 && i % 3 == 0);
        pto_task_id t;
        st = pto_add_task(run, aic, aic ? PTO_CORE_AIC : PTO_CORE_AIV, &c, 1, &t, err);
        if (st)
            break;
        if (g->shape == 0 && i)
            st = pto_add_dep(run, i - 1, i, err);
        if (g->shape == 2 && (i == 1 || i == 2))
            st = pto_add_dep(run, 0, i, err);
        if (g->shape == 2 && i == 3 && !(st = pto_add_dep(run, 1, 3, err)))
            st = pto_add_dep(run, 2, 3, err);
        if (g->shape == 3)
            for (int k = 0; k < 2 && i && !st; k++) {
                s ^= s << 13, s ^= s >> 7, s ^= s << 17;
                st = pto_add_dep(run, s % i, i, err);
            }
    }
    return st;
}

static pto_stats run_graph(pto_device *dev, struct graph *g, int det)
{
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.deterministic = det;
    pto_stats st;
    pto_error err;
    if (pto_launch(dev, &rc, orch, g, &st, &err))
        fail_msg("%s", err.msg);
    return st;
}

static void test_exact_cycles(void **s)
{
    (void)s;
    for (int det = 0; det < 2; det++) {
        pto_device *dev = open_dev(1, 1, 0);
        /* chain: 100+110+...+160 per 7 tasks */
        struct graph chain = {0, 7, 0};
        assert_int_equal(run_graph(dev, &chain, det).total_cycles, 910);
        /* diamond: 100 -> (110 AIC | 120 AIC on one AIC core) -> 130 */
        struct graph dia = {2, 4, 0};
        assert_int_equal(run_graph(dev, &dia, det).total_cycles, 100 + 110 + 120 + 130);
        pto_device_close(dev);
        /* 2 blocks: the two AIC tasks run in parallel */
        dev = open_dev(2, 1, 0);
        assert_int_equal(run_graph(dev, &dia, det).total_cycles, 100 + 120 + 130);
        pto_device_close(dev);
        /* dispatch overhead is added to every task of a chain */
        dev = open_dev(1, 1, 5);
        assert_int_equal(run_graph(dev, &chain, det).total_cycles, 910 + 7 * 5);
        pto_device_close(dev);
    }
}

static void test_independent_deterministic(void **s)
{
    (void)s;
    /* 6 AIV tasks of 100..150 on the 2 AIV cores of one block, FIFO to the
     * lowest-numbered idle core: */
    pto_device *dev = open_dev(1, 1, 0);
    struct graph ind = {1, 6, 0};
    pto_stats st = run_graph(dev, &ind, 1);
    /* t0(100)->c1, t1(110)->c2; t2(120)->c1@100 ends 220; t3(130)->c2@110 ends 240;
     * t4(140)->c1@220 ends 360; t5(150)->c2@240 ends 390 */
    assert_int_equal(st.total_cycles, 390);
    assert_int_equal(st.core[1].busy_cycles, 360);
    assert_int_equal(st.core[2].busy_cycles, 390);
    const pto_task_record *r;
    size_t n;
    pto_last_run_records(dev, &r, &n);
    assert_int_equal(r[5].core, 2);
    assert_int_equal(r[5].start_cycle, 240);
    pto_device_close(dev);
}

static void test_reproducible(void **s)
{
    (void)s;
    pto_device *dev = open_dev(24, 3, 3);
    struct graph g = {3, 3000, 42};
    pto_stats first = run_graph(dev, &g, 1);
    const pto_task_record *r;
    size_t n;
    pto_last_run_records(dev, &r, &n);
    static pto_task_record ref[3000];
    memcpy(ref, r, n * sizeof *r);
    for (int rep = 0; rep < 10; rep++) {
        pto_stats st = run_graph(dev, &g, 1);
        assert_int_equal(st.total_cycles, first.total_cycles);
        pto_last_run_records(dev, &r, &n);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(r[i].core, ref[i].core);
            assert_int_equal(r[i].start_cycle, ref[i].start_cycle);
            assert_int_equal(r[i].end_cycle, ref[i].end_cycle);
        }
    }
    /* Threaded mode honours the same dependency timing, on any placement. */
    pto_stats thr = run_graph(dev, &g, 0);
    pto_last_run_records(dev, &r, &n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(r[i].end_cycle - r[i].start_cycle, ref[i].end_cycle - ref[i].start_cycle);
    assert_true(thr.total_cycles >= 3000 * 100 / 72);
    pto_device_close(dev);
}

static pto_status orch_silent(pto_run *run, void *p, pto_error *err)
{
    (void)p;
    uint64_t c = 7;
    pto_task_id t;
    pto_status st = pto_add_task(run, 2, PTO_CORE_AIV, &c, 1, &t, err);
    if (!st)
        st = pto_add_task(run, 0, PTO_CORE_AIV, &c, 1, &t, err);
    return st;
}

static void test_uncosted_and_cost_fn(void **s)
{
    (void)s;
    pto_device *dev = open_dev(1, 1, 0);
    pto_error err;
    pto_stats st;
    assert_int_equal(pto_launch(dev, 0, orch_silent, 0, &st, &err), 0);
    assert_int_equal(st.uncosted_tasks, 1);
    assert_int_equal(st.uncosted_func, 2);
    assert_int_equal(pto_kernel_set_cost(dev, 2, cost_model, &err), 0);
    assert_int_equal(pto_launch(dev, 0, orch_silent, 0, &st, &err), 0);
    assert_int_equal(st.uncosted_tasks, 0);
    assert_int_equal(st.uncosted_func, -1);
    assert_int_equal(st.total_cycles, 14); /* 2 * 7 from the model; the other
                                              task's 7 runs alongside */
    assert_int_equal(pto_kernel_set_cost(dev, 9, cost_model, &err), PTO_ERR_NOT_FOUND);
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_cycles),
        cmocka_unit_test(test_independent_deterministic),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_uncosted_and_cost_fn),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
