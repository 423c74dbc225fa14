/* Randomized explicit-dependency DAGs (10^4 tasks, tests/support/
 * random_dag.c): every edge p -> c must show end(p) < start(c) on a shared
 * logical clock. Run across device shapes and both executor modes, under
 * the default policy, round robin over `blocks` lanes (seed 2; each task
 * checked on its lane) and work stealing (seed 3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "support/random_dag.h"

static void run_shape(uint32_t blocks, uint32_t scheds, uint32_t exec_threads)
{
    static rd_dag d;
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
    assert_int_equal(rd_register(dev, &err), PTO_OK);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        rd_make(&d, RD_MAX_N, seed * 0x9e3779b97f4a7c15ull);
        uint64_t edges;
        char why[512];
        char policy[32] = "";
        if (seed > 1)
            snprintf(policy, sizeof policy, "%s:%u", seed == 2 ? "round_robin" : "work_steal",
                     blocks);
        if (rd_run_case(dev, &d, 0, *policy ? policy : NULL, 0, &edges, why, sizeof why))
            fail_msg("seed %llu: %s", (unsigned long long)seed, why);
        assert_true(edges > RD_MAX_N); /* the generator really made a dense graph */
    }
    pto_device_close(dev);
}

static void test_b1_s1(void **s)
{
    (void)s;
    run_shape(1, 1, 0);
}
static void test_b24_s1(void **s)
{
    (void)s;
    run_shape(24, 1, 0);
} /* 72 cores, one thread */
static void test_b4_s2(void **s)
{
    (void)s;
    run_shape(4, 2, 0);
}
static void test_b24_s3(void **s)
{
    (void)s;
    run_shape(24, 3, 0);
}
static void test_b24_s3_exec2(void **s)
{
    (void)s;
    run_shape(24, 3, 2);
}
static void test_b2_s1_exec1(void **s)
{
    (void)s;
    run_shape(2, 1, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b1_s1),        cmocka_unit_test(test_b24_s1),
        cmocka_unit_test(test_b4_s2),        cmocka_unit_test(test_b24_s3),
        cmocka_unit_test(test_b24_s3_exec2), cmocka_unit_test(test_b2_s1_exec1),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
