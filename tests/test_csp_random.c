/* Random CSP programs (tests/support/random_csp.h): pipelines and small
 * DAGs of 2..5 processes over channels of capacity 0..4, latency 0..20,
 * dispatch_cycles 0 or 3, the default policy or one lane per process.
 *
 * Each seed runs deterministic streamed and deterministic host-built
 * (values, and every task's cycles against the CSPT model of
 * tests/support/cspt_model.h), and threaded streamed (values); every
 * fourth seed threaded host-built too. NSEEDS seeds, a quarter of them
 * under a sanitizer. tests/stress.c runs the same cases over fresh seeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "support/cspt_model.h"
#include "support/random_csp.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifdef SANITIZED
#define NSEEDS 50
#else
#define NSEEDS 200
#endif

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

static void test_random_csp(void **state)
{
    (void)state;
    static const uint32_t dispatch[2] = {0, 3};
    pto_device *dev[2] = {open_dev(dispatch[0]), open_dev(dispatch[1])};
    static rc_program p;
    for (uint64_t seed = 1; seed <= NSEEDS; seed++) {
        uint32_t d = (uint32_t)(seed % 2);
        rc_make(&p, seed, dispatch[d], 0);
        run(dev[d], &p, seed, PTO_MODE_STREAMED, 1);
        run(dev[d], &p, seed, PTO_MODE_HOST_BUILT, 1);
        run(dev[d], &p, seed, PTO_MODE_STREAMED, 0);
        if (seed % 4 == 0)
            run(dev[d], &p, seed, PTO_MODE_HOST_BUILT, 0);
    }
    pto_device_close(dev[0]);
    pto_device_close(dev[1]);
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
}

/* The generator covers what the test claims: both shapes, joins, forks,
 * every capacity, payloads, latency 0 and not, both policies. */
static void test_generator_coverage(void **state)
{
    (void)state;
    static rc_program p;
    int dag = 0, pipe = 0, join = 0, fork = 0, cap[5] = {0}, pay = 0, lat0 = 0, lat = 0,
        routed = 0, two = 0;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_worked_example),
        cmocka_unit_test(test_generator_coverage),
        cmocka_unit_test(test_random_csp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
