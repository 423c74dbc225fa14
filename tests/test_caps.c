/* The capability matrix's public enumeration (pto/caps.h, DESIGN 6.3):
 * every row named once, the levels the design fixes, the a2a3 column
 * (toolchain-gated) UNSUPPORTED throughout, and out-of-range queries. The
 * levels as runs see them are in test_window.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pto/pto.h"

/* The row named `feature`; fails the test when there is none. */
static uint32_t row_of(const char *feature)
{
    for (uint32_t r = 0; r < pto_caps_rows(); r++)
        if (!strcmp(pto_caps_feature(r), feature))
            return r;
    fail_msg("no capability row '%s'", feature);
    return 0;
}

static void test_columns(void **s)
{
    (void)s;
    assert_int_equal(pto_caps_columns(), 3);
    assert_string_equal(pto_caps_column_platform(0), "a2a3sim");
    assert_string_equal(pto_caps_column_mode(0), "threaded");
    assert_string_equal(pto_caps_column_platform(1), "a2a3sim");
    assert_string_equal(pto_caps_column_mode(1), "deterministic");
    assert_string_equal(pto_caps_column_platform(2), "a2a3");
    assert_string_equal(pto_caps_column_mode(2), "");
    assert_null(pto_caps_column_platform(3));
    assert_null(pto_caps_column_mode(3));
}

static void test_rows_named_once(void **s)
{
    (void)s;
    uint32_t n = pto_caps_rows();
    assert_int_equal(n, 31);
    for (uint32_t r = 0; r < n; r++) {
        const char *f = pto_caps_feature(r);
        assert_non_null(f);
        assert_true(f[0] != '\0');
        for (uint32_t q = 0; q < r; q++)
            assert_string_not_equal(f, pto_caps_feature(q));
        assert_int_equal(pto_caps_level(r, 2), PTO_CAP_UNSUPPORTED); /* a2a3 */
    }
    assert_null(pto_caps_feature(n));
    assert_int_equal(pto_caps_level(n, 0), PTO_CAP_UNSUPPORTED);
    assert_int_equal(pto_caps_level(0, 3), PTO_CAP_UNSUPPORTED);
}

static void test_levels(void **s)
{
    (void)s;
    static const struct {
        const char *feature;
        pto_cap_level sim; /* both a2a3sim columns */
    } want[] = {
        {"dispatch(default)", PTO_CAP_ENFORCED},
        {"dispatch(round_robin)", PTO_CAP_ENFORCED},
        {"dispatch(affinity)", PTO_CAP_ENFORCED},
        {"dispatch(hash)", PTO_CAP_ENFORCED},
        {"dispatch(work_steal)", PTO_CAP_ENFORCED},
        {"dispatch(user policy)", PTO_CAP_ENFORCED},
        {"dispatch lanes (N dealt, N != schedulers)", PTO_CAP_ENFORCED},
        {"task_window(tasks, STALL)", PTO_CAP_ENFORCED},
        {"task_window(tasks, STALL), host-built run", PTO_CAP_DIAGNOSED},
        {"task_window(tasks, ABORT)", PTO_CAP_ENFORCED},
        {"task_window(tasks, BENCHMARK)", PTO_CAP_RECORDED},
        {"task_window(bytes, *)", PTO_CAP_UNSUPPORTED},
        {"task_window(entries, *)", PTO_CAP_UNSUPPORTED},
        {"streams", PTO_CAP_UNSUPPORTED},
        {"stream_by", PTO_CAP_UNSUPPORTED},
        {"timing", PTO_CAP_UNSUPPORTED},
        {"dispatch_threshold", PTO_CAP_UNSUPPORTED},
        {"pipeline_depth", PTO_CAP_UNSUPPORTED},
        {"batch_deps", PTO_CAP_UNSUPPORTED},
        {"spatial_map", PTO_CAP_UNSUPPORTED},
        {"layout", PTO_CAP_UNSUPPORTED},
        {"csp: process program order", PTO_CAP_ENFORCED},
        {"csp: channel capacity >= 1", PTO_CAP_ENFORCED},
        {"csp: rendezvous channel (capacity 0)", PTO_CAP_ENFORCED},
        {"csp: consume until closed", PTO_CAP_ENFORCED},
        {"cspt: channel latency", PTO_CAP_ENFORCED},
        {"csp: deadlock report", PTO_CAP_ENFORCED},
        {"symbols", PTO_CAP_ENFORCED},
        {"runtime slots", PTO_CAP_ENFORCED},
        {"ScalarExpr dispatch key", PTO_CAP_ENFORCED},
        {"dispatch-time predicate", PTO_CAP_ENFORCED},
    };
    assert_int_equal(sizeof want / sizeof want[0], pto_caps_rows());
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint32_t r = row_of(want[i].feature);
        assert_int_equal(r, i); /* table order */
        assert_int_equal(pto_caps_level(r, 0), want[i].sim);
        assert_int_equal(pto_caps_level(r, 1), want[i].sim);
    }
}

static void test_level_names(void **s)
{
    (void)s;
    assert_string_equal(pto_cap_level_name(PTO_CAP_ENFORCED), "ENFORCED");
    assert_string_equal(pto_cap_level_name(PTO_CAP_RECORDED), "RECORDED");
    assert_string_equal(pto_cap_level_name(PTO_CAP_DIAGNOSED), "DIAGNOSED");
    assert_string_equal(pto_cap_level_name(PTO_CAP_UNSUPPORTED), "UNSUPPORTED");
    assert_string_equal(pto_cap_level_name((pto_cap_level)4), "UNKNOWN");
    assert_string_equal(pto_cap_level_name((pto_cap_level)-1), "UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_rows_named_once),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_level_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
