/* Random programs (tests/support/random_program.c): streamed, host-built
 * and deterministic runs must equal serial execution.
 *
 * Windows 2, 4, 8, 64, 1024; streamed and host-built; 3 seeds each, plus
 * one deterministic run of each mode; devices of 1 block / 1 scheduler and
 * 4 blocks / 2 schedulers. tests/stress.c runs the same cases over fresh
 * seeds for as long as asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "support/random_program.h"

static void run_case(pto_device *dev, uint32_t window, pto_run_mode mode, int det, uint64_t seed,
                     uint32_t publish_batch)
{
    char why[1024];
    if (rp_run_case(dev, window, mode, det, NULL, seed, publish_batch, 0, NULL, why, sizeof why))
        fail_msg("window %u mode %s%s seed %llu batch %u: %s", window,
                 mode == PTO_MODE_STREAMED ? "streamed" : "host-built", det ? " deterministic" : "",
                 (unsigned long long)seed, publish_batch, why);
}

static void run_shape(uint32_t blocks, uint32_t schedulers)
{
    static const uint32_t windows[] = {2, 4, 8, 64, 1024};
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        pto_device_config cfg;
        pto_device_config_default(&cfg);
        cfg.blocks = blocks;
        cfg.schedulers = schedulers;
        cfg.task_window = windows[w];
        cfg.gm_bytes = 1 << 20;
        cfg.heap_bytes = 4096;
        cfg.tensormap_entries = 1024;
        cfg.tensormap_buckets = 64;
        cfg.dep_pool = 4096;
        pto_device *dev = NULL;
        pto_error err = {0};
        if (pto_device_open("a2a3sim", &cfg, &dev, &err))
            fail_msg("open: %s", err.msg);
        assert_int_equal(pto_kernel_register(dev, 0, PTO_CORE_AIV, rp_kernel, "step", &err),
                         PTO_OK);
        /* Streamed runs publish each task at the next submit, in batches of
         * 3, and in the default batches. */
        static const uint32_t batches[] = {1, 3, 0};
        for (uint64_t seed = 1; seed <= 3; seed++) {
            run_case(dev, windows[w], PTO_MODE_STREAMED, 0, seed, batches[seed - 1]);
            run_case(dev, windows[w], PTO_MODE_HOST_BUILT, 0, seed, 0);
        }
        run_case(dev, windows[w], PTO_MODE_STREAMED, 1, 4, 0);
        run_case(dev, windows[w], PTO_MODE_HOST_BUILT, 1, 4, 0);
        pto_device_close(dev);
    }
}

static void test_random_b1_s1(void **s)
{
    (void)s;
    run_shape(1, 1);
}

static void test_random_b4_s2(void **s)
{
    (void)s;
    run_shape(4, 2);
}

/* The generator really produces what the test claims to cover: strided
 * tiles, contiguous 1-D and 2-D views, all three access kinds, and steps
 * that touch a range another step wrote. */
static void test_generator_coverage(void **s)
{
    (void)s;
    static rp_program p;
    rp_make(&p, 1000003u + 2, RP_STEPS, 2, 0);
    int tile = 0, one_d = 0, two_d = 0, kinds[3] = {0, 0, 0}, scopes = 0;
    for (uint32_t k = 0; k < p.nsteps; k++) {
        scopes += p.s[k].scope_begin;
        assert_true(p.s[k].nviews >= 1 && p.s[k].nviews <= RP_MAX_VIEWS);
        for (uint32_t v = 0; v < p.s[k].nviews; v++) {
            const rp_view *w = &p.s[k].v[v];
            kinds[w->kind]++;
            if (w->tile)
                tile += p.s[k].rows > 1 && p.s[k].cols < RP_GRID; /* really strided */
            else if (w->one_d)
                one_d++;
            else
                two_d++;
            /* every element of the view lies inside the buffer */
            assert_true(w->off + (p.s[k].rows - 1) * w->rstride + p.s[k].cols <= RP_LEN);
        }
    }
    assert_true(tile > 0 && one_d > 0 && two_d > 0);
    assert_true(kinds[RP_IN] > 0 && kinds[RP_INOUT] > 0 && kinds[RP_OUT] > 0);
    assert_true(scopes >= RP_STEPS / 2); /* groups of at most 2 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generator_coverage),
        cmocka_unit_test(test_random_b1_s1),
        cmocka_unit_test(test_random_b4_s2),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
