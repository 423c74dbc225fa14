/* Host-built runs through the public API: results, stats, error values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "pto/pto.h"

static pto_device *open_dev(uint32_t blocks, uint32_t scheds)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = blocks;
    cfg.schedulers = scheds;
    cfg.task_window = 1024;
    cfg.dep_pool = 4096;
    cfg.gm_bytes = 1 << 20;
    pto_device *dev = 0;
    pto_error err = {0};
    pto_status st = pto_device_open("a2a3sim", &cfg, &dev, &err);
    if (st)
        fail_msg("open: %s", err.msg);
    return dev;
}

/* args[0] = int64 cell, args[1] = value: *cell = *cell * 10 + value */
static void k_append(const uint64_t *args)
{
    int64_t *cell = pto_bits_ptr(args[0]);
    *cell = *cell * 10 + (int64_t)args[1];
}
static void k_nop(const uint64_t *args) { (void)args; }

struct chain_ctx {
    int64_t *cell;
    int64_t host;
    int n;
};

static pto_status orch_chain(pto_run *run, void *p, pto_error *err)
{
    struct chain_ctx *c = p;
    pto_task_id prev = 0;
    for (int i = 0; i < c->n; i++) {
        uint64_t a[2] = {pto_ptr_bits(c->cell), (uint64_t)(i % 9 + 1)};
        pto_task_id t;
        pto_status st = pto_add_task(run, 1, PTO_CORE_AIV, a, 2, &t, err);
        if (st)
            return st;
        if (i && (st = pto_add_dep(run, prev, t, err)))
            return st;
        prev = t;
    }
    return pto_copy_back(run, &c->host, c->cell, sizeof c->host, err);
}

static void chain_on(uint32_t blocks, uint32_t scheds)
{
    pto_device *dev = open_dev(blocks, scheds);
    pto_error err = {0};
    assert_int_equal(pto_kernel_register(dev, 1, PTO_CORE_AIV, k_append, "append", &err), PTO_OK);
    void *cell;
    assert_int_equal(pto_malloc(dev, sizeof(int64_t), &cell, &err), PTO_OK);
    for (int rep = 0; rep < 3; rep++) { /* the device is reused across runs */
        int64_t zero = 0;
        assert_int_equal(pto_copy_to_device(dev, cell, &zero, sizeof zero, &err), PTO_OK);
        struct chain_ctx c = {cell, -1, 12};
        pto_stats st;
        assert_int_equal(pto_launch(dev, 0, orch_chain, &c, &st, &err), PTO_OK);
        /* Serial order 1..9,1,2,3 */
        assert_true(c.host == 123456789123LL);
        assert_int_equal(st.tasks, 12);
        uint64_t sum = 0, dispatched = 0;
        for (uint32_t i = 0; i < st.cores; i++) {
            sum += st.core[i].tasks;
            if (pto_core_type_of(i) == PTO_CORE_AIC)
                assert_int_equal(st.core[i].tasks, 0);
        }
        for (uint32_t i = 0; i < st.schedulers; i++)
            dispatched += st.sched[i].dispatched;
        assert_int_equal(sum, 12);
        assert_int_equal(dispatched, 12);
        const pto_task_record *r;
        size_t n;
        pto_last_run_records(dev, &r, &n);
        assert_int_equal(n, 12);
        for (size_t i = 1; i < n; i++) {
            assert_int_equal(r[i].task_id, i);
            assert_true(r[i].start_ns >= r[i - 1].end_ns); /* chain: serial */
        }
        /* A scheduler's active span runs from its first dispatch to the last
         * FIN of its cores: it covers each of their tasks. */
        for (uint32_t i = 0; i < st.schedulers; i++) {
            const pto_sched_stats *ss = &st.sched[i];
            if (!ss->dispatched) {
                assert_int_equal(ss->end_ns, 0);
                continue;
            }
            assert_true(ss->start_ns <= ss->end_ns);
            for (size_t k = 0; k < n; k++)
                if (r[k].sched == i) {
                    assert_true(r[k].start_ns >= ss->start_ns);
                    assert_true(r[k].end_ns <= ss->end_ns);
                }
        }
        assert_true(st.sched[r[n - 1].sched].end_ns == r[n - 1].end_ns); /* the last FIN */
    }
    pto_device_close(dev);
}

static void test_chain_1x1(void **s)
{
    (void)s;
    chain_on(1, 1);
}
static void test_chain_4x2(void **s)
{
    (void)s;
    chain_on(4, 2);
}
static void test_chain_24x3(void **s)
{
    (void)s;
    chain_on(24, 3);
}

static pto_status orch_empty(pto_run *run, void *p, pto_error *err)
{
    (void)run;
    (void)p;
    (void)err;
    return PTO_OK;
}

static void test_empty_graph(void **s)
{
    (void)s;
    pto_device *dev = open_dev(1, 1);
    pto_error err = {0};
    pto_stats st;
    assert_int_equal(pto_launch(dev, 0, orch_empty, 0, &st, &err), PTO_OK);
    assert_int_equal(st.tasks, 0);
    pto_device_close(dev);
}

/* Each case: an orchestration that makes one bad call and returns its status. */
static int g_case;
static pto_status orch_bad(pto_run *run, void *p, pto_error *err)
{
    (void)p;
    uint64_t a[PTO_MAX_ARGS + 1] = {0};
    pto_task_id t0 = 0, t1 = 0, t2 = 0;
    switch (g_case) {
    case 0: return pto_add_task(run, 77, PTO_CORE_AIV, a, 0, &t0, err);
    case 1: return pto_add_task(run, 2, PTO_CORE_AIC, a, 0, &t0, err);
    case 2: return pto_add_task(run, 2, PTO_CORE_AIV, a, PTO_MAX_ARGS + 1, &t0, err);
    case 3: return pto_add_task(run, -1, PTO_CORE_AIV, a, 0, &t0, err);
    case 4: pto_add_task(run, 2, PTO_CORE_AIV, a, 0, &t0, err); return pto_add_dep(run, t0, 5, err);
    case 5: /* t0 -> t1 -> t2, then t2 -> t0 closes a cycle */
        pto_add_task(run, 2, PTO_CORE_AIV, a, 0, &t0, err);
        pto_add_task(run, 2, PTO_CORE_AIV, a, 0, &t1, err);
        pto_add_task(run, 2, PTO_CORE_AIV, a, 0, &t2, err);
        pto_add_dep(run, t0, t1, err);
        pto_add_dep(run, t1, t2, err);
        return pto_add_dep(run, t2, t0, err);
    case 6:
        pto_add_task(run, 2, PTO_CORE_AIV, a, 0, &t0, err);
        return pto_add_dep(run, t0, t0, err);
    case 7: /* more tasks than the window */
        for (int i = 0; i < 1025; i++) {
            pto_status st = pto_add_task(run, 2, PTO_CORE_AIV, a, 0, &t0, err);
            if (st)
                return st;
        }
        return PTO_OK;
    case 8: return pto_copy_back(run, &t0, &t1, sizeof t0, err); /* not device memory */
    }
    return PTO_OK;
}

static void test_bad_calls(void **s)
{
    (void)s;
    static const struct {
        pto_status st;
        const char *needle;
    } want[] = {
        {PTO_ERR_NOT_FOUND, "func_id 77"},
        {PTO_ERR_INVALID, "registered for AIV"},
        {PTO_ERR_INVALID, "args"},
        {PTO_ERR_NOT_FOUND, "func_id -1"},
        {PTO_ERR_INVALID, "t5"},
        {PTO_ERR_CYCLE, "t2 -> t0 would close a cycle: t0 -> t1 -> t2 -> t0"},
        {PTO_ERR_CYCLE, "t0 -> t0 would close a cycle: t0 -> t0"},
        {PTO_ERR_CAPACITY, "TASK_RING_FULL"},
        {PTO_ERR_INVALID, ""},
    };
    pto_device *dev = open_dev(1, 1);
    pto_error err = {0};
    assert_int_equal(pto_kernel_register(dev, 2, PTO_CORE_AIV, k_nop, "nop", &err), PTO_OK);
    for (g_case = 0; g_case < (int)(sizeof want / sizeof want[0]); g_case++) {
        memset(&err, 0, sizeof err);
        pto_status st = pto_launch(dev, 0, orch_bad, 0, 0, &err);
        if (st != want[g_case].st || !strstr(err.msg, want[g_case].needle))
            fail_msg("case %d: got %s '%s'", g_case, pto_status_name(st), err.msg);
    }
    /* The device still works after every rejected run. */
    g_case = 99;
    assert_int_equal(pto_launch(dev, 0, orch_bad, 0, 0, &err), PTO_OK);
    /* Outside orchestration the graph calls are state errors. */
    pto_task_id t;
    assert_int_equal(pto_add_task(dev ? (pto_run *)0 : 0, 2, PTO_CORE_AIV, 0, 0, &t, &err),
                     PTO_ERR_INVALID);
    pto_device_close(dev);
}

static pto_run *g_saved_run;
static pto_status orch_save(pto_run *run, void *p, pto_error *err)
{
    (void)p;
    (void)err;
    g_saved_run = run;
    return PTO_OK;
}

static void test_calls_outside_orchestration(void **s)
{
    (void)s;
    pto_device *dev = open_dev(1, 1);
    pto_error err = {0};
    assert_int_equal(pto_kernel_register(dev, 2, PTO_CORE_AIV, k_nop, "nop", &err), PTO_OK);
    assert_int_equal(pto_launch(dev, 0, orch_save, 0, 0, &err), PTO_OK);
    pto_task_id t;
    assert_int_equal(pto_add_task(g_saved_run, 2, PTO_CORE_AIV, 0, 0, &t, &err), PTO_ERR_STATE);
    assert_non_null(strstr(err.msg, "orchestration"));
    pto_device_close(dev);
}

/* A kernel unregistered after its task was added fails at dispatch. */
static pto_status orch_unreg(pto_run *run, void *p, pto_error *err)
{
    (void)p;
    pto_task_id t;
    pto_status st = pto_add_task(run, 3, PTO_CORE_AIV, 0, 0, &t, err);
    if (st)
        return st;
    return pto_kernel_unregister(pto_run_device(run), 3, err);
}

static void test_unknown_kernel_at_dispatch(void **s)
{
    (void)s;
    pto_device *dev = open_dev(1, 1);
    pto_error err = {0};
    assert_int_equal(pto_kernel_register(dev, 3, PTO_CORE_AIV, k_nop, "gone", &err), PTO_OK);
    assert_int_equal(pto_launch(dev, 0, orch_unreg, 0, 0, &err), PTO_ERR_KERNEL);
    assert_non_null(strstr(err.msg, "t0"));
    assert_non_null(strstr(err.msg, "func_id 3"));
    pto_device_close(dev);
}

/* A kernel slower than the watchdog: the run fails with a report naming the
 * running task, and the device refuses further runs. */
static void k_slow(const uint64_t *args)
{
    (void)args;
    struct timespec ts = {0, 400 * 1000000L};
    nanosleep(&ts, 0);
}

static pto_status orch_slow(pto_run *run, void *p, pto_error *err)
{
    (void)p;
    pto_task_id t;
    return pto_add_task(run, 4, PTO_CORE_AIV, 0, 0, &t, err);
}

static void test_watchdog(void **s)
{
    (void)s;
    pto_device *dev = open_dev(1, 1);
    pto_error err = {0};
    assert_int_equal(pto_kernel_register(dev, 4, PTO_CORE_AIV, k_slow, "slow", &err), PTO_OK);
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.watchdog_ms = 50;
    assert_int_equal(pto_launch(dev, &rc, orch_slow, 0, 0, &err), PTO_ERR_TIMEOUT);
    assert_non_null(strstr(err.msg, "no task completed for 50 ms"));
    assert_non_null(strstr(err.msg, "0 of 1 tasks done"));
    assert_non_null(strstr(err.msg, "t0 (kernel slow) on core"));
    assert_int_equal(pto_launch(dev, &rc, orch_slow, 0, 0, &err), PTO_ERR_STATE);
    pto_device_close(dev); /* joins once the slow kernel returns */
}

/* Hosted executors: a scheduler thread inside a long kernel must not hold
 * up a ready task that another (idle) host thread can run. */
static void k_long(const uint64_t *args)
{
    (void)args;
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, 0);
}

static pto_status orch_long_short(pto_run *run, void *p, pto_error *err)
{
    (void)p;
    pto_task_id t;
    pto_status st = pto_add_task(run, 5, PTO_CORE_AIV, 0, 0, &t, err);
    return st ? st : pto_add_task(run, 2, PTO_CORE_AIV, 0, 0, &t, err);
}

static void test_idle_thread_helps(void **s)
{
    (void)s;
    pto_device *dev = open_dev(2, 2);
    pto_error err = {0};
    assert_int_equal(pto_kernel_register(dev, 2, PTO_CORE_AIV, k_nop, "nop", &err), PTO_OK);
    assert_int_equal(pto_kernel_register(dev, 5, PTO_CORE_AIV, k_long, "long", &err), PTO_OK);
    for (int rep = 0; rep < 3; rep++) {
        assert_int_equal(pto_launch(dev, 0, orch_long_short, 0, 0, &err), PTO_OK);
        const pto_task_record *r;
        size_t n;
        pto_last_run_records(dev, &r, &n);
        assert_int_equal(n, 2);
        assert_true(r[1].end_ns < r[0].end_ns); /* not serialised behind t0 */
    }
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_1x1),
        cmocka_unit_test(test_chain_4x2),
        cmocka_unit_test(test_chain_24x3),
        cmocka_unit_test(test_empty_graph),
        cmocka_unit_test(test_bad_calls),
        cmocka_unit_test(test_calls_outside_orchestration),
        cmocka_unit_test(test_unknown_kernel_at_dispatch),
        cmocka_unit_test(test_watchdog),
        cmocka_unit_test(test_idle_thread_helps),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
