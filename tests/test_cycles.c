/* Semantic time: kernels report cycles; start = max(core clock, producers'
 * ends, dispatch) + dispatch overhead; total_cycles = makespan. Deterministic
 * mode reproduces dispatch, records and total_cycles exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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
    /* Deterministic: both tasks start at 0 on the two AIV cores (threaded,
     * one scheduler thread may run them one after the other on one core,
     * 21, depending on when the second is published). */
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.deterministic = 1;
    assert_int_equal(pto_launch(dev, &rc, orch_silent, 0, &st, &err), 0);
    assert_int_equal(st.uncosted_tasks, 0);
    assert_int_equal(st.total_cycles, 14); /* 2 * 7 from the model; the other
                                              task's 7 runs alongside */
    assert_int_equal(pto_kernel_set_cost(dev, 9, cost_model, &err), PTO_ERR_NOT_FOUND);
    pto_device_close(dev);
}

/* ---- the semantic-time limit (PTO_CYCLE_LIMIT = 2^56 - 1) ---- */

/* Reports args[0] then args[1] cycles: two adds that must saturate, not wrap. */
static void k_cost2(const uint64_t *a)
{
    pto_add_cycles(a[0]);
    pto_add_cycles(a[1]);
}
static uint64_t cost_huge(const uint64_t *a)
{
    (void)a;
    return UINT64_MAX - 3;
}

/* A chain of n tasks of kernel `func`, task i reporting c[i][0] + c[i][1]. */
struct big_chain {
    uint32_t n;
    int func;
    uint64_t c[3][2];
};

static pto_status orch_big_chain(pto_run *run, void *p, pto_error *err)
{
    struct big_chain *g = p;
    for (uint32_t i = 0; i < g->n; i++) {
        pto_task_id t;
        pto_status st = pto_add_task(run, g->func, PTO_CORE_AIV, g->c[i], 2, &t, err);
        if (!st && i)
            st = pto_add_dep(run, i - 1, i, err);
        if (st)
            return st;
    }
    return PTO_OK;
}

/* Threaded and deterministic, host-built and streamed. */
static const struct {
    int det;
    pto_run_mode mode;
} limit_modes[] = {
    {0, PTO_MODE_HOST_BUILT},
    {1, PTO_MODE_HOST_BUILT},
    {0, PTO_MODE_STREAMED},
    {1, PTO_MODE_STREAMED},
};

/* Runs g in every mode; each must give `want`, the same message (whose
 * must-have parts are `needles`) and, when want is PTO_OK, total_cycles. */
static void limit_case(pto_device *dev, struct big_chain *g, pto_status want, uint64_t total,
                       const char *const *needles, size_t nneedles)
{
    char first[PTO_ERROR_MSG_MAX] = "";
    for (size_t m = 0; m < sizeof limit_modes / sizeof limit_modes[0]; m++) {
        pto_run_config rc;
        pto_run_config_default(&rc);
        rc.deterministic = limit_modes[m].det;
        rc.mode = limit_modes[m].mode;
        pto_stats st;
        pto_error err = {0};
        pto_status s = pto_launch(dev, &rc, orch_big_chain, g, &st, &err);
        if (s != want)
            fail_msg("mode %zu: %s (%s), want %s", m, pto_status_name(s), err.msg,
                     pto_status_name(want));
        /* Clamped, never wrapped: the makespan stays within the limit. */
        assert_true(st.total_cycles <= PTO_CYCLE_LIMIT);
        if (want == PTO_OK) {
            assert_int_equal(st.total_cycles, total);
            continue;
        }
        assert_int_equal(st.total_cycles, PTO_CYCLE_LIMIT);
        for (size_t i = 0; i < nneedles; i++)
            if (!strstr(err.msg, needles[i]))
                fail_msg("mode %zu: '%s' lacks '%s'", m, err.msg, needles[i]);
        if (m == 0)
            snprintf(first, sizeof first, "%s", err.msg);
        else
            assert_string_equal(err.msg, first);
    }
}

static void test_cycle_limit(void **s)
{
    (void)s;
    const uint64_t half = UINT64_C(1) << 55;
    pto_device *dev = open_dev(2, 1, 5);
    pto_error err;
    assert_int_equal(pto_kernel_register(dev, 3, PTO_CORE_AIV, k_cost2, "big", &err), 0);
    assert_int_equal(pto_kernel_register(dev, 4, PTO_CORE_AIV, k_cost2, "costed", &err), 0);
    assert_int_equal(pto_kernel_set_cost(dev, 4, cost_huge, &err), 0);

    /* Exactly at the limit: 5 + 2^55 + 5 + (2^55 - 11) = 2^56 - 1, in every mode. */
    struct big_chain at = {2, 3, {{half, 0}, {half - 11, 0}}};
    limit_case(dev, &at, PTO_OK, PTO_CYCLE_LIMIT, NULL, 0);
    /* One cycle more: t1 ends at 2^56. */
    struct big_chain past = {3, 3, {{half, 0}, {half - 10, 0}, {1, 0}}};
    const char *past_msg[] = {"t1 (kernel big, func_id 3)", "starts at cycle 36028797018963978",
                              "reports 36028797018963958 cycles",
                              "limit of 72057594037927935 cycles", "PTO_CYCLE_LIMIT"};
    limit_case(dev, &past, PTO_ERR_CAPACITY, 0, past_msg, 5);
    /* 2^55 twice in a chain. */
    struct big_chain twice = {2, 3, {{half, 0}, {half, 0}}};
    const char *twice_msg[] = {"t1 (kernel big", "reports 36028797018963968 cycles"};
    limit_case(dev, &twice, PTO_ERR_CAPACITY, 0, twice_msg, 2);
    /* UINT64_MAX at once. */
    struct big_chain max = {1, 3, {{UINT64_MAX, 0}}};
    const char *max_msg[] = {"t0 (kernel big", "starts at cycle 5",
                             "reports 18446744073709551615 cycles"};
    limit_case(dev, &max, PTO_ERR_CAPACITY, 0, max_msg, 3);
    /* Two reports of 2^63 saturate (they used to wrap to 0: "uncosted"). */
    struct big_chain wrap = {1, 3, {{UINT64_C(1) << 63, UINT64_C(1) << 63}}};
    limit_case(dev, &wrap, PTO_ERR_CAPACITY, 0, max_msg, 3);
    /* A cost function's cycles are added saturating too. */
    struct big_chain cost = {1, 4, {{10, 0}}};
    const char *cost_msg[] = {"t0 (kernel costed", "reports 18446744073709551615 cycles"};
    limit_case(dev, &cost, PTO_ERR_CAPACITY, 0, cost_msg, 2);
    /* The device is fine afterwards. */
    struct big_chain small = {2, 3, {{100, 1}, {200, 2}}};
    limit_case(dev, &small, PTO_OK, 5 + 101 + 5 + 202, NULL, 0);
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_cycles), cmocka_unit_test(test_independent_deterministic),
        cmocka_unit_test(test_reproducible), cmocka_unit_test(test_uncosted_and_cost_fn),
        cmocka_unit_test(test_cycle_limit),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
