/* Random CSP programs (tests/support/random_csp.h): pipelines and small
 * DAGs of 2..5 processes over channels of capacity 0..4, latency 0..20,
 * dispatch_cycles 0 or 3, the default policy or one lane per process.
 *
 * Each seed runs deterministic streamed and deterministic host-built
 * (values, and every task's cycles against the CSPT model of
 * tests/support/cspt_model.h), and threaded streamed (values); every
 * fourth seed threaded host-built too. NSEEDS seeds (1000, or 200 under a
 * sanitizer: about 1 s and 5 s on a 2-core machine). tests/stress.c runs
 * the same cases over fresh seeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "support/cspt_model.h"
#include "support/random_csp.h"

#include "support/sanitized.h"
#ifdef SANITIZED
#define NSEEDS 200
#else
#define NSEEDS 1000
#endif
#define NJOIN_SEEDS 200 /* seeds of test_joins (38 of them have joins) */

static pto_device *open_dev(uint32_t dispatch_cycles)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = RC_BLOCKS;
    cfg.schedulers = 2;
    cfg.dispatch_cycles = dispatch_cycles;
    cfg.task_window = RC_WINDOW;
    cfg.trace_capacity = RC_WINDOW;
    cfg.gm_bytes = 1 << 20;
    cfg.heap_bytes = 4096;
    pto_device *dev = NULL;
    pto_error err = {0};
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("open: %s", err.msg);
    assert_int_equal(pto_kernel_register(dev, RC_KERNEL, PTO_CORE_AIV, rc_kernel, "stage", &err),
                     PTO_OK);
    return dev;
}

static void run(pto_device *dev, const rc_program *p, uint64_t seed, pto_run_mode mode, int det)
{
    char why[1024], what[512];
    if (rc_run_case(dev, p, mode, det, 5000, why, sizeof why)) {
        rc_describe(p, what, sizeof what);
        fail_msg("seed %llu, %s%s: %s\n  program: %s", (unsigned long long)seed,
                 mode == PTO_MODE_STREAMED ? "streamed" : "host-built",
                 det ? " deterministic" : " threaded", why, what);
    }
}

/* Seeds 1..NSEEDS, each program with a feedback channel when feedback. */
static void run_seeds(int feedback)
{
    static const uint32_t dispatch[2] = {0, 3};
    pto_device *dev[2] = {open_dev(dispatch[0]), open_dev(dispatch[1])};
    static rc_program p;
    for (uint64_t seed = 1; seed <= NSEEDS; seed++) {
        uint32_t d = (uint32_t)(seed % 2);
        rc_make(&p, seed, dispatch[d], 0);
        if (feedback)
            rc_add_feedback(&p, seed);
        run(dev[d], &p, seed, PTO_MODE_STREAMED, 1);
        run(dev[d], &p, seed, PTO_MODE_HOST_BUILT, 1);
        run(dev[d], &p, seed, PTO_MODE_STREAMED, 0);
        if (seed % 4 == 0)
            run(dev[d], &p, seed, PTO_MODE_HOST_BUILT, 0);
    }
    pto_device_close(dev[0]);
    pto_device_close(dev[1]);
}

static void test_random_csp(void **state)
{
    (void)state;
    run_seeds(0);
}

/* Cycles of processes: the same programs, each with a feedback channel
 * from a stage to an earlier one (rc_add_feedback, a credit loop). Their
 * times against the model check the edges the runtime leaves out as
 * implied (src/orchestration/csp.h, "Implied edges"). */
static void test_feedback_csp(void **state)
{
    (void)state;
    run_seeds(1);
}

/* The model on DESIGN 6.4's worked example: produce (10) -> capacity 1 ->
 * consume (30), three items: 100 cycles at latency 0, 105 at 5; and the
 * rendezvous of test_csp.c: 100. */
static void test_model_worked_example(void **state)
{
    (void)state;
    static rc_program p;
    static cspt_times t;
    char why[128];
    memset(&p, 0, sizeof p);
    p.nprocs = 2, p.nchans = 1, p.nitems = 3;
    p.c[0] = (rc_chan){.from = 0, .to = 1, .capacity = 1};
    p.p[0].nout = 1, p.p[1].nin = 1;
    p.p[0].ntasks = p.p[1].ntasks = 1;
    for (int i = 0; i < 8; i++)
        p.p[0].cycles[i][0] = 10, p.p[1].cycles[i][0] = 30;
    assert_int_equal(cspt_model(&p, &t, why, sizeof why), 0);
    assert_int_equal(t.makespan, 100);
    p.latency = 5;
    assert_int_equal(cspt_model(&p, &t, why, sizeof why), 0);
    assert_int_equal(t.makespan, 105);
    p.latency = 0;
    p.c[0].capacity = 0; /* P1 [0,10) Q1 [10,40) P2 [10,20) Q2 [40,70) P3 [40,50) Q3 [70,100) */
    assert_int_equal(cspt_model(&p, &t, why, sizeof why), 0);
    assert_int_equal(t.makespan, 100);
    assert_int_equal(t.start[0][2][0], 40);
    p.nitems = 8, p.c[0].capacity = 4; /* the consumer from 10: 10 + 8 * 30 */
    assert_int_equal(cspt_model(&p, &t, why, sizeof why), 0);
    assert_int_equal(t.makespan, 250);
    /* a credit back, capacity 1, lag 1: the producer's item i waits for
     * the consumer's item i - 1, so the two alternate: 3 x (10 + 30) */
    p.nitems = 3;
    p.nchans = 2;
    p.c[1] = (rc_chan){.from = 1, .to = 0, .capacity = 1, .lag = 1};
    p.p[1].nout = 1, p.p[1].out[0] = 1;
    p.p[0].nin = 1, p.p[0].in[0] = 1;
    assert_int_equal(cspt_model(&p, &t, why, sizeof why), 0);
    assert_int_equal(t.makespan, 120);
    assert_int_equal(t.start[0][2][0], 80);
}

/* The generator covers what the test claims: both shapes, joins, forks,
 * every capacity, payloads, latency 0 and not, both policies. */
static void test_generator_coverage(void **state)
{
    (void)state;
    static rc_program p;
    int dag = 0, pipe = 0, join = 0, fork = 0, cap[5] = {0}, pay = 0, lat0 = 0, lat = 0, routed = 0,
        two = 0;
    for (uint64_t seed = 1; seed <= NSEEDS; seed++) {
        rc_make(&p, seed, 0, 1);
        assert_true(p.nprocs >= 2 && p.nprocs <= RC_MAX_PROCS);
        assert_true(p.nitems >= 1 && p.nitems <= RC_MAX_ITEMS);
        dag += p.dag, pipe += !p.dag;
        lat0 += p.latency == 0, lat += p.latency != 0;
        routed += p.routed;
        assert_true(p.latency <= 20);
        for (uint32_t s = 0; s < p.nprocs; s++) {
            join += p.p[s].nin == 2;
            fork += p.p[s].nout >= 2;
            two += p.p[s].ntasks == 2;
            assert_true(s == 0 ? p.p[s].nin == 0 : p.p[s].nin >= 1);
        }
        for (uint32_t c = 0; c < p.nchans; c++) {
            assert_true(p.c[c].from < p.c[c].to);
            cap[p.c[c].capacity]++;
            pay += p.c[c].payload;
        }
    }
    assert_true(dag && pipe && join && fork && pay && lat0 && lat && routed && two);
    for (int c = 0; c < 5; c++)
        assert_true(cap[c] > 0);
}

/* ---- receives without a task of their own, and joins ----
 *
 * A receive whose receiving task is a dependency-only stand-in (the
 * receiver returns or sends before its next task, docs/csp.md), and a
 * rendezvous edge that waits for that stand-in to start. Minimal: P: task
 * (10 cycles); send(ch, rendezvous); task. Q: recv(ch); return. Q's
 * stand-in completes at 10, P's send with it, and P's second task runs
 * [10, 20): 20 cycles. (It hung until the watchdog: a dependency-only
 * task's completion did not release its start waiters.) */

static void k10(const uint64_t *a)
{
    (void)a;
    pto_add_cycles(10);
}

static pto_channel *min_ch;

static pto_status min_p(pto_run *run, void *ctx, uint32_t i, pto_error *err)
{
    (void)ctx, (void)i;
    pto_status st;
    if ((st = pto_submit(run, 0, PTO_CORE_AIV, NULL, 0, NULL, err)) ||
        (st = pto_send(run, min_ch, 7, err)))
        return st;
    return pto_submit(run, 0, PTO_CORE_AIV, NULL, 0, NULL, err);
}

static pto_status min_q(pto_run *run, void *ctx, uint32_t i, pto_error *err)
{
    (void)ctx, (void)i;
    uint64_t v;
    return pto_recv(run, min_ch, &v, NULL, err);
}

static pto_status min_orch(pto_run *run, void *ctx, pto_error *err)
{
    (void)ctx;
    pto_status st;
    if ((st = pto_channel_create(run, "ch", 0, &min_ch, err)) ||
        (st = pto_process_create(run, "P", min_p, NULL, 1, err)) ||
        (st = pto_process_create(run, "Q", min_q, NULL, 1, err)))
        return st;
    return pto_csp_run(run, err);
}

static void test_stand_in_start(void **state)
{
    (void)state;
    for (int m = 0; m < 4; m++) {
        int det = m < 2;
        pto_run_mode mode = m % 2 ? PTO_MODE_HOST_BUILT : PTO_MODE_STREAMED;
        pto_device_config cfg;
        pto_device_config_default(&cfg);
        cfg.blocks = 1;
        cfg.schedulers = 1;
        pto_device *dev;
        pto_error err;
        if (pto_device_open("a2a3sim", &cfg, &dev, &err))
            fail_msg("open: %s", err.msg);
        assert_int_equal(pto_kernel_register(dev, 0, PTO_CORE_AIV, k10, "k10", &err), PTO_OK);
        pto_run_config rc;
        pto_run_config_default(&rc);
        rc.deterministic = det;
        rc.mode = mode;
        rc.watchdog_ms = 2000;
        pto_stats st;
        pto_status s = pto_launch(dev, &rc, min_orch, NULL, &st, &err);
        pto_device_close(dev);
        if (s)
            fail_msg("%s %s: %s", mode == PTO_MODE_STREAMED ? "streamed" : "host-built",
                     det ? "deterministic" : "threaded", err.msg);
        if (det)
            assert_int_equal(st.total_cycles, 20);
    }
}

/* Programs with joins (a stage receiving on two channels before its task)
 * against DESIGN 6.4 read strictly (cspt_model.h: both receives happen
 * when that task starts): where the model gives times, the deterministic
 * run must give the same; where the model finds a cycle of waits, the run
 * must report a CSP deadlock. (The runtime gave the first receive a
 * stand-in task when the second had to wait at orchestration time, so its
 * times depended on the interleaving: 12 of 38 programs differed.) */
static void test_joins(void **state)
{
    (void)state;
    static rc_program p;
    static cspt_times t;
    pto_device *dev = NULL;
    uint32_t joins = 0, bad = 0;
    char first[2048] = "", why[1024], what[512];
    for (uint64_t seed = 1; seed <= NJOIN_SEEDS; seed++) {
        rc_make(&p, seed, 0, 1);
        int join = 0;
        for (uint32_t s = 0; s < p.nprocs; s++)
            join |= p.p[s].nin == 2;
        if (!join)
            continue;
        joins++;
        if (!dev)
            dev = open_dev(0);
        int deadlock = cspt_model(&p, &t, why, sizeof why);
        int fails = rc_run_case(dev, &p, PTO_MODE_STREAMED, 1, 2000, why, sizeof why);
        if (deadlock ? fails && strstr(why, "CSP deadlock") : !fails)
            continue;
        if (!fails)
            snprintf(why, sizeof why, "ran, but the model finds a deadlock");
        print_message("seed %llu (model: %s): %.160s\n", (unsigned long long)seed,
                      deadlock ? "deadlock" : "times", why);
        if (!bad++) {
            rc_describe(&p, what, sizeof what);
            snprintf(first, sizeof first, "seed %llu (%s): %s", (unsigned long long)seed, what,
                     why);
        }
        pto_device_close(dev); /* a hang leaves it unusable */
        dev = NULL;
    }
    pto_device_close(dev);
    if (bad)
        fail_msg("%u of %u programs with joins differ from DESIGN 6.4; first: %s", bad, joins,
                 first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_worked_example), cmocka_unit_test(test_generator_coverage),
        cmocka_unit_test(test_random_csp),           cmocka_unit_test(test_feedback_csp),
        cmocka_unit_test(test_stand_in_start),       cmocka_unit_test(test_joins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
