/* task_window(size, unit, mode) (DESIGN 6.2) and the capability matrix's
 * levels as real runs see them (DESIGN 6.3): ENFORCED (STALL waits, ABORT
 * fails), RECORDED (BENCHMARK counts), DIAGNOSED (a host-built STALL is
 * ignored, with a note counted in the stats) and UNSUPPORTED (a window in
 * bytes is refused before anything runs).
 *
 * The workload: N independent tasks of C cycles each on a device with more
 * AIV cores than N, dispatch_cycles D. By DESIGN §5 a task starts at
 * max(its core's clock, its producers' ends, the cycle it was published)
 * + D and ends C later. Unlimited, all N are published at cycle 0 and run
 * at once on idle cores: total = C + D. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pto/pto.h"

#define N 12     /* tasks */
#define C 100    /* cycles each */
#define D 3      /* dispatch_cycles */
#define BLOCKS 8 /* 16 AIV cores > N */

static atomic_int ran; /* kernels executed */

/* args[0] = cycles to report */
static void k_cost(const uint64_t *a)
{
    atomic_fetch_add(&ran, 1);
    pto_add_cycles(a[0]);
}

static pto_device *open_dev(uint32_t ring)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = BLOCKS;
    cfg.schedulers = 2;
    cfg.task_window = ring ? ring : 1024;
    cfg.dispatch_cycles = D;
    cfg.gm_bytes = 1 << 20;
    cfg.heap_bytes = 1 << 20;
    pto_device *dev;
    pto_error err;
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(pto_kernel_register(dev, 0, PTO_CORE_AIV, k_cost, "cost", &err), PTO_OK);
    return dev;
}

typedef struct work {
    uint32_t n;
    int submit;          /* pto_submit with a PTO_OUT output, else pto_add_task */
    int ignore_errors;   /* keep submitting after a failed submission */
    int called;          /* the orchestration function ran */
    pto_status first_st; /* first failed submission's status */
    char first_msg[PTO_ERROR_MSG_MAX];
} work;

static pto_status orch(pto_run *run, void *p, pto_error *err)
{
    work *w = p;
    w->called = 1;
    for (uint32_t i = 0; i < w->n; i++) {
        uint64_t c = C;
        pto_status st;
        if (w->submit) {
            pto_param prm[] = {pto_scalar(c), pto_out(pto_tensor_1d(NULL, 16, 4))};
            st = pto_submit(run, 0, PTO_CORE_AIV, prm, 2, NULL, err);
        } else {
            st = pto_add_task(run, 0, PTO_CORE_AIV, &c, 1, NULL, err);
        }
        if (st && !w->first_st) {
            w->first_st = st;
            snprintf(w->first_msg, sizeof w->first_msg, "%s", err->msg);
        }
        if (st && !w->ignore_errors)
            return st;
    }
    return PTO_OK;
}

static pto_run_config config(pto_run_mode mode, int det, uint32_t size, pto_window_unit unit,
                             pto_window_mode wmode)
{
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = mode;
    rc.deterministic = det;
    rc.task_window = size;
    rc.window_unit = unit;
    rc.window_mode = wmode;
    return rc;
}

/* Runs N tasks under the window; fails the test unless the launch
 * returns `want`. */
static pto_stats run_work(pto_device *dev, pto_run_config rc, work *w, pto_status want,
                          pto_error *err)
{
    pto_stats st;
    memset(&st, 0xab, sizeof st); /* everything must be written */
    atomic_store(&ran, 0);
    pto_status got = pto_launch(dev, &rc, orch, w, &st, err);
    if (got != want)
        fail_msg("launch returned %s, want %s: %s", pto_status_name(got), pto_status_name(want),
                 err->msg);
    return st;
}

static const pto_flow_stats *window_row(const pto_stats *st)
{
    return &st->flow[PTO_STALL_TASK_WINDOW];
}

/* Window 1: each task is admitted when the one before it completed, so
 * they run one after another: total = N (C + D), in both modes and both
 * placements of the orchestration that honour it (streamed; raw tasks and
 * pto_submit alike). Every task after the first stalls once: the task
 * before it is still in flight (a streamed run holds the newest task back
 * until the next submission, so it cannot have completed). */
static void test_window1_serial_streamed(void **s)
{
    (void)s;
    pto_device *dev = open_dev(0);
    for (int det = 0; det < 2; det++)
        for (int submit = 0; submit < 2; submit++) {
            work w = {.n = N, .submit = submit};
            pto_error err;
            pto_stats st =
                run_work(dev, config(PTO_MODE_STREAMED, det, 1, PTO_WINDOW_TASKS, PTO_WINDOW_STALL),
                         &w, PTO_OK, &err);
            assert_int_equal(st.tasks, N);
            assert_int_equal(st.total_cycles, N * (C + D));
            const pto_flow_stats *f = window_row(&st);
            assert_int_equal(f->capacity, 1);
            assert_int_equal(f->high_water, 1);
            assert_int_equal(f->stalls, N - 1);
            assert_int_equal(st.diagnosed, 0);
            assert_string_equal(st.diagnostic, "");
            /* task k starts at k (C + D) + D */
            const pto_task_record *r;
            size_t n;
            pto_last_run_records(dev, &r, &n);
            assert_int_equal(n, N);
            for (uint64_t k = 0; k < N; k++) {
                assert_int_equal(r[k].start_cycle, k * (C + D) + D);
                assert_int_equal(r[k].end_cycle, (k + 1) * (C + D));
            }
        }
    pto_device_close(dev);
}

/* A host-built graph is complete before launch: nothing in flight can
 * complete while it is built, so a STALL window cannot hold anything back.
 * The capability matrix has it DIAGNOSED: the run proceeds unchanged (all
 * N tasks at once: C + D cycles in deterministic mode), the row keeps only
 * the capacity, and the stats count one diagnostic. */
static void test_window1_host_built_diagnosed(void **s)
{
    (void)s;
    pto_device *dev = open_dev(0);
    for (int det = 0; det < 2; det++) {
        work w = {.n = N};
        pto_error err;
        pto_stats st =
            run_work(dev, config(PTO_MODE_HOST_BUILT, det, 1, PTO_WINDOW_TASKS, PTO_WINDOW_STALL),
                     &w, PTO_OK, &err);
        assert_int_equal(atomic_load(&ran), N);
        assert_int_equal(st.tasks, N);
        if (det)
            assert_int_equal(st.total_cycles, C + D);
        assert_int_equal(window_row(&st)->capacity, 1);
        assert_int_equal(window_row(&st)->high_water, 0);
        assert_int_equal(window_row(&st)->stalls, 0);
        assert_int_equal(window_row(&st)->stall_ns, 0);
        assert_int_equal(st.diagnosed, 1);
        char want[PTO_DIAGNOSTIC_MAX];
        snprintf(want, sizeof want,
                 "task_window(1, tasks, STALL) is ignored on a2a3sim (%s): 'task_window(tasks, "
                 "STALL), host-built run' is DIAGNOSED in the capability matrix (see pto caps)",
                 det ? "deterministic" : "threaded");
        assert_string_equal(st.diagnostic, want);
    }
    pto_device_close(dev);
}

/* Deterministic, streamed, window W <= cores (hand-derived from the start
 * rule). The first W tasks are published at cycle 0 and end at C + D.
 * Task W is admitted when the first completion is simulated, at C + D, and
 * so are tasks W+1 .. 2W-1 (the other completions at C + D): each starts
 * at C + D + D on a core freed at C + D and ends at 2 (C + D). Round r
 * therefore ends at (r + 1)(C + D), and the makespan is ceil(N / W)(C + D):
 * W = 2: 6 x 103 = 618; W = 4: 3 x 103 = 309; W = 5: 309 (rounds of 5, 5,
 * 2). Unlimited (0) and W >= N: every task at cycle 0, C + D = 103. Every
 * admission from task W on finds W in flight (nothing completes unless the
 * orchestrator advances the simulation): N - W stalls. */
static void test_window_det_totals(void **s)
{
    (void)s;
    static const struct {
        uint32_t size;
        uint64_t total, stalls, high_water;
    } cases[] = {
        {2, 6 * (C + D), N - 2, 2}, {4, 3 * (C + D), N - 4, 4}, {5, 3 * (C + D), N - 5, 5},
        {N, C + D, 0, N},           {0, C + D, 0, 0},
    };
    pto_device *dev = open_dev(0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        work w = {.n = N};
        pto_error err;
        pto_stats st = run_work(
            dev, config(PTO_MODE_STREAMED, 1, cases[i].size, PTO_WINDOW_TASKS, PTO_WINDOW_STALL),
            &w, PTO_OK, &err);
        assert_int_equal(st.total_cycles, cases[i].total);
        const pto_flow_stats *f = window_row(&st);
        assert_int_equal(f->capacity, cases[i].size);
        assert_int_equal(f->high_water, cases[i].high_water);
        assert_int_equal(f->stalls, cases[i].stalls);
        if (!cases[i].size)
            assert_int_equal(f->stall_ns, 0);
    }
    pto_device_close(dev);
}

/* Threaded, window 2: the row reports the stalls and a high-water of
 * exactly the size; the results are those of any schedule. */
static void test_window_threaded_row(void **s)
{
    (void)s;
    pto_device *dev = open_dev(0);
    work w = {.n = 64};
    pto_error err;
    pto_stats st = run_work(
        dev, config(PTO_MODE_STREAMED, 0, 2, PTO_WINDOW_TASKS, PTO_WINDOW_STALL), &w, PTO_OK, &err);
    assert_int_equal(st.tasks, 64);
    assert_int_equal(atomic_load(&ran), 64);
    const pto_flow_stats *f = window_row(&st);
    assert_int_equal(f->capacity, 2);
    assert_int_equal(f->high_water, 2);
    assert_true(f->stalls > 0);
    assert_true(f->stall_ns > 0);
    assert_int_equal(st.stall_reason, PTO_STALL_NONE);
    /* window 2: at most two at a time, at least half the serial time */
    assert_true(st.total_cycles >= 32 * (C + D));
    assert_true(st.total_cycles <= 64 * (C + D));
    pto_device_close(dev);
}

/* ABORT: in a deterministic streamed run nothing completes while the
 * orchestration submits (it never waits), so submitting t4 under a window
 * of 4 would put 5 in flight: the run fails with PTO_ERR_CAPACITY naming
 * the window, its size and the task, even when the orchestration ignores
 * the error; the tasks before it still ran. A host-built run counts every
 * task of its graph as in flight and fails before anything runs. */
static void test_window_abort(void **s)
{
    (void)s;
    static const char want[] =
        "task_window(4, tasks, ABORT) exceeded: submitting t4 would put 5 tasks in flight "
        "(submitted, not completed), more than the window of 4; raise "
        "pto_run_config.task_window (pto run --task-window) or use mode STALL";
    pto_device *dev = open_dev(0);
    for (int ignore = 0; ignore < 2; ignore++) {
        work w = {.n = N, .ignore_errors = ignore};
        pto_error err;
        pto_stats st =
            run_work(dev, config(PTO_MODE_STREAMED, 1, 4, PTO_WINDOW_TASKS, PTO_WINDOW_ABORT), &w,
                     PTO_ERR_CAPACITY, &err);
        assert_int_equal(err.status, PTO_ERR_CAPACITY);
        assert_string_equal(err.msg, want);
        assert_int_equal(w.first_st, PTO_ERR_CAPACITY);
        assert_string_equal(w.first_msg, want);
        assert_int_equal(atomic_load(&ran), 4);
        assert_int_equal(st.tasks, 4);
        assert_int_equal(window_row(&st)->high_water, 4);
        assert_int_equal(window_row(&st)->stalls, 0);
    }
    for (int ignore = 0; ignore < 2; ignore++) {
        work w = {.n = N, .ignore_errors = ignore};
        pto_error err;
        run_work(dev, config(PTO_MODE_HOST_BUILT, 0, 4, PTO_WINDOW_TASKS, PTO_WINDOW_ABORT), &w,
                 PTO_ERR_CAPACITY, &err);
        assert_string_equal(err.msg, want);
        assert_int_equal(atomic_load(&ran), 0);
    }
    /* Within the window: no failure. */
    work w = {.n = 4};
    pto_error err;
    pto_stats st =
        run_work(dev, config(PTO_MODE_HOST_BUILT, 1, 4, PTO_WINDOW_TASKS, PTO_WINDOW_ABORT), &w,
                 PTO_OK, &err);
    assert_int_equal(st.total_cycles, C + D);
    assert_int_equal(window_row(&st)->high_water, 4);
    pto_device_close(dev);
}

/* BENCHMARK records without changing anything: deterministic, the total is
 * the unlimited run's; the row counts the N - 2 submissions that found 2
 * in flight (nothing completes while a deterministic orchestration does
 * not wait), the high-water is N and no time was spent waiting. */
static void test_window_benchmark(void **s)
{
    (void)s;
    pto_device *dev = open_dev(0);
    for (int host = 0; host < 2; host++) {
        work w = {.n = N};
        pto_error err;
        pto_stats st = run_work(dev,
                                config(host ? PTO_MODE_HOST_BUILT : PTO_MODE_STREAMED, 1, 2,
                                       PTO_WINDOW_TASKS, PTO_WINDOW_BENCHMARK),
                                &w, PTO_OK, &err);
        assert_int_equal(st.total_cycles, C + D);
        const pto_flow_stats *f = window_row(&st);
        assert_int_equal(f->capacity, 2);
        assert_int_equal(f->stalls, N - 2);
        assert_int_equal(f->high_water, N);
        assert_int_equal(f->stall_ns, 0);
        assert_int_equal(st.diagnosed, 0);
    }
    /* Threaded: counted, never waited for. */
    work w = {.n = N};
    pto_error err;
    pto_stats st =
        run_work(dev, config(PTO_MODE_STREAMED, 0, 2, PTO_WINDOW_TASKS, PTO_WINDOW_BENCHMARK), &w,
                 PTO_OK, &err);
    assert_int_equal(atomic_load(&ran), N);
    assert_true(window_row(&st)->stalls > 0);
    assert_int_equal(window_row(&st)->stall_ns, 0);
    pto_device_close(dev);
}

/* UNSUPPORTED: a window in bytes or entries is refused before anything of
 * the run executes -- not even the orchestration function is called. A
 * unit or mode outside the enums is invalid. Window 0 ignores the unit. */
static void test_window_unsupported(void **s)
{
    (void)s;
    pto_device *dev = open_dev(0);
    static const char *const units[] = {"tasks", "bytes", "entries"};
    for (int det = 0; det < 2; det++)
        for (pto_window_unit u = PTO_WINDOW_BYTES; u <= PTO_WINDOW_ENTRIES; u++) {
            work w = {.n = N};
            pto_error err;
            run_work(dev, config(PTO_MODE_STREAMED, det, 4, u, PTO_WINDOW_STALL), &w,
                     PTO_ERR_INVALID, &err);
            char want[PTO_ERROR_MSG_MAX];
            snprintf(want, sizeof want,
                     "pto_launch: task_window(4, %s, STALL) is not supported on a2a3sim (%s): "
                     "the capability matrix has 'task_window(%s, *)' UNSUPPORTED there (see "
                     "pto caps); the run is refused before anything executes",
                     units[u], det ? "deterministic" : "threaded", units[u]);
            assert_string_equal(err.msg, want);
            assert_int_equal(w.called, 0);
            assert_int_equal(atomic_load(&ran), 0);
        }
    work w = {.n = N};
    pto_error err;
    pto_run_config rc = config(PTO_MODE_STREAMED, 0, 4, (pto_window_unit)7, PTO_WINDOW_STALL);
    run_work(dev, rc, &w, PTO_ERR_INVALID, &err);
    assert_string_equal(err.msg, "pto_launch: window_unit 7 is not a pto_window_unit "
                                 "(PTO_WINDOW_TASKS, PTO_WINDOW_BYTES or PTO_WINDOW_ENTRIES)");
    rc = config(PTO_MODE_STREAMED, 0, 4, PTO_WINDOW_TASKS, (pto_window_mode)9);
    run_work(dev, rc, &w, PTO_ERR_INVALID, &err);
    assert_string_equal(err.msg, "pto_launch: window_mode 9 is not a pto_window_mode "
                                 "(PTO_WINDOW_STALL, PTO_WINDOW_ABORT or PTO_WINDOW_BENCHMARK)");
    assert_int_equal(w.called, 0);
    /* The device is still usable, and window 0 = unlimited, whatever the unit. */
    pto_stats st = run_work(
        dev, config(PTO_MODE_STREAMED, 1, 0, PTO_WINDOW_BYTES, PTO_WINDOW_STALL), &w, PTO_OK, &err);
    assert_int_equal(st.total_cycles, C + D);
    assert_int_equal(window_row(&st)->capacity, 0);
    pto_device_close(dev);
}

/* The window is not a resource: a deterministic run that deadlocks on the
 * task ring (every task in the implicit scope, more tasks than its 16
 * slots) reports the ring, with the window's stalls counted on the way.
 * A window run leaves nothing behind for the next run. */
static void test_window_and_ring(void **s)
{
    (void)s;
    pto_device *dev = open_dev(16);
    work w = {.n = 40};
    pto_error err;
    pto_stats st =
        run_work(dev, config(PTO_MODE_STREAMED, 1, 4, PTO_WINDOW_TASKS, PTO_WINDOW_STALL), &w,
                 PTO_ERR_DEADLOCK, &err);
    assert_int_equal(st.stall_reason, PTO_STALL_TASK_RING_FULL);
    assert_non_null(strstr(err.msg, "stalled on TASK_RING_FULL"));
    assert_int_equal(st.flow[PTO_STALL_TASK_RING_FULL].high_water, 16);
    /* t4 .. t16 each found 4 in flight (t16 was then refused a ring slot) */
    assert_int_equal(window_row(&st)->stalls, 13);
    assert_int_equal(window_row(&st)->high_water, 4);
    /* the next run, unlimited: 12 tasks on 16 cores at once */
    work w2 = {.n = N};
    st = run_work(dev, config(PTO_MODE_STREAMED, 1, 0, PTO_WINDOW_TASKS, PTO_WINDOW_STALL), &w2,
                  PTO_OK, &err);
    assert_int_equal(st.total_cycles, C + D);
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window1_serial_streamed),
        cmocka_unit_test(test_window1_host_built_diagnosed),
        cmocka_unit_test(test_window_det_totals),
        cmocka_unit_test(test_window_threaded_row),
        cmocka_unit_test(test_window_abort),
        cmocka_unit_test(test_window_benchmark),
        cmocka_unit_test(test_window_unsupported),
        cmocka_unit_test(test_window_and_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
