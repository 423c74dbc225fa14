/* A kernel that never returns (issue #13, defect 3): in every mode the run
 * fails with PTO_ERR_TIMEOUT and a report naming the stuck task, its kernel
 * and func_id and its core; later launches fail with PTO_ERR_STATE; and
 * pto_device_close returns promptly, abandoning the stuck thread. The
 * kernel is released after close: the abandoned thread then runs on in
 * memory that must still be valid (ASan would report a use after free). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "pto/pto.h"

#define F_NOP 2
#define F_STUCK 7
#define WATCHDOG_MS 300

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, 0);
}

static void k_nop(const uint64_t *args) { (void)args; }

/* args[0]: a host flag; returns once it is set (each test has its own and
 * sets it only after closing the device). Sleeps, so it costs no CPU. */
static void k_stuck(const uint64_t *args)
{
    _Atomic int *release = pto_bits_ptr(args[0]);
    while (!atomic_load(release))
        sleep_ms(1);
}

/* Host-built: t0 nop -> t1 stuck -> t2 nop. */
static pto_status orch_host(pto_run *run, void *p, pto_error *err)
{
    uint64_t a[1] = {pto_ptr_bits(p)};
    pto_task_id t0, t1, t2;
    pto_status st;
    if ((st = pto_add_task(run, F_NOP, PTO_CORE_AIV, 0, 0, &t0, err)) ||
        (st = pto_add_task(run, F_STUCK, PTO_CORE_AIV, a, 1, &t1, err)) ||
        (st = pto_add_dep(run, t0, t1, err)) ||
        (st = pto_add_task(run, F_NOP, PTO_CORE_AIV, 0, 0, &t2, err)))
        return st;
    return pto_add_dep(run, t1, t2, err);
}

/* Streamed: t1 is stuck and holds the retirement frontier, so the 16-slot
 * window fills and the orchestrator stalls (one task per scope, so only
 * the stuck task keeps the others from retiring). */
static pto_status orch_stream(pto_run *run, void *p, pto_error *err)
{
    uint64_t a[1] = {pto_ptr_bits(p)};
    for (int i = 0; i < 64; i++) {
        pto_task_id t;
        pto_status st = pto_scope_begin(run, "step", PTO_SCOPE_MANUAL, err);
        if (!st)
            st = i == 1 ? pto_add_task(run, F_STUCK, PTO_CORE_AIV, a, 1, &t, err)
                        : pto_add_task(run, F_NOP, PTO_CORE_AIV, 0, 0, &t, err);
        if (!st)
            st = pto_scope_end(run, err);
        if (st)
            return st;
    }
    return PTO_OK;
}

static void stuck_in(pto_run_mode mode, int deterministic, _Atomic int *release)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 1;
    cfg.schedulers = 1;
    cfg.task_window = 16;
    cfg.dep_pool = 64;
    cfg.gm_bytes = 1 << 20;
    cfg.heap_bytes = 1 << 20;
    pto_device *dev = 0;
    pto_error err = {0};
    assert_int_equal(pto_device_open("a2a3sim", &cfg, &dev, &err), PTO_OK);
    assert_int_equal(pto_kernel_register(dev, F_NOP, PTO_CORE_AIV, k_nop, "nop", &err), PTO_OK);
    assert_int_equal(pto_kernel_register(dev, F_STUCK, PTO_CORE_AIV, k_stuck, "stuck", &err),
                     PTO_OK);
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = mode;
    rc.deterministic = deterministic;
    rc.watchdog_ms = WATCHDOG_MS;
    pto_orch_fn orch = mode == PTO_MODE_STREAMED ? orch_stream : orch_host;

    uint64_t t0 = now_ms();
    pto_status st = pto_launch(dev, &rc, orch, (void *)release, 0, &err);
    uint64_t launch_ms = now_ms() - t0;
    if (st != PTO_ERR_TIMEOUT)
        fail_msg("launch: %s '%s'", pto_status_name(st), err.msg);
    if (!strstr(err.msg, "watchdog") || !strstr(err.msg, "t1 (kernel stuck) on core ") ||
        !strstr(err.msg, "(AIV), func_id 7"))
        fail_msg("report: '%s'", err.msg);
    print_message("%s (%llu ms)\n", err.msg, (unsigned long long)launch_ms);
    assert_true(launch_ms >= WATCHDOG_MS - 20);
    assert_true(launch_ms < 5000);

    memset(&err, 0, sizeof err);
    assert_int_equal(pto_launch(dev, &rc, orch, (void *)release, 0, &err), PTO_ERR_STATE);
    assert_non_null(strstr(err.msg, "unusable"));

    t0 = now_ms();
    pto_device_close(dev);
    assert_true(now_ms() - t0 < 5000);
    atomic_store(release, 1); /* the abandoned thread runs on (or parks) */
    sleep_ms(50);
}

static void test_host_built(void **s)
{
    (void)s;
    static _Atomic int release;
    stuck_in(PTO_MODE_HOST_BUILT, 0, &release);
}

static void test_streamed(void **s)
{
    (void)s;
    static _Atomic int release;
    stuck_in(PTO_MODE_STREAMED, 0, &release);
}

static void test_deterministic_host_built(void **s)
{
    (void)s;
    static _Atomic int release;
    stuck_in(PTO_MODE_HOST_BUILT, 1, &release);
}

static void test_deterministic_streamed(void **s)
{
    (void)s;
    static _Atomic int release;
    stuck_in(PTO_MODE_STREAMED, 1, &release);
}

/* The driver thread of deterministic runs changes nothing they compute:
 * the same graph twice on one device gives the same cycles and records. */
static void k_cost(const uint64_t *args) { pto_add_cycles(10 + args[0] % 7); }

static pto_status orch_costed(pto_run *run, void *p, pto_error *err)
{
    (void)p;
    pto_task_id prev = 0;
    for (uint64_t i = 0; i < 200; i++) {
        uint64_t a[1] = {i};
        pto_task_id t;
        pto_status st = pto_add_task(run, 3, PTO_CORE_AIV, a, 1, &t, err);
        if (!st && i % 3)
            st = pto_add_dep(run, prev, t, err);
        if (st)
            return st;
        prev = t;
    }
    return PTO_OK;
}

static void test_deterministic_repeats(void **s)
{
    (void)s;
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 2;
    cfg.schedulers = 1;
    cfg.task_window = 256;
    cfg.gm_bytes = 1 << 20;
    pto_device *dev = 0;
    pto_error err = {0};
    assert_int_equal(pto_device_open("a2a3sim", &cfg, &dev, &err), PTO_OK);
    assert_int_equal(pto_kernel_register(dev, 3, PTO_CORE_AIV, k_cost, "cost", &err), PTO_OK);
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.deterministic = 1;
    static pto_task_record first[200];
    uint64_t cycles = 0;
    for (int rep = 0; rep < 2; rep++) {
        pto_stats st;
        assert_int_equal(pto_launch(dev, &rc, orch_costed, 0, &st, &err), PTO_OK);
        const pto_task_record *r;
        size_t n;
        pto_last_run_records(dev, &r, &n);
        assert_int_equal(n, 200);
        if (!rep) {
            cycles = st.total_cycles;
            assert_true(cycles > 0);
            for (size_t i = 0; i < n; i++)
                first[i] = r[i];
            continue;
        }
        assert_int_equal(st.total_cycles, cycles);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(r[i].core, first[i].core);
            assert_int_equal(r[i].start_cycle, first[i].start_cycle);
            assert_int_equal(r[i].end_cycle, first[i].end_cycle);
        }
    }
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_built),
        cmocka_unit_test(test_streamed),
        cmocka_unit_test(test_deterministic_host_built),
        cmocka_unit_test(test_deterministic_streamed),
        cmocka_unit_test(test_deterministic_repeats),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
