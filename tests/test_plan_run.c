/* pto_plan_run through the public API (docs/plan.md, "Running"): a plan
 * run twice on one device (the second time with a symbol override), the
 * interpreter's own bounds check when pto_plan_check was not called, and
 * deterministic cycles. Uses the kernel of examples/plans/elementwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pto/plan.h"
#include "pto/pto.h"

#define DIR PTO_EXAMPLES_DIR "/plans/elementwise"

/* Reads DIR/plan.json into a plan. */
static pto_plan *load(void)
{
    pto_plan *p = NULL;
    pto_error err = {0};
    pto_status s = pto_plan_load_file(DIR "/plan.json", &p, &err);
    if (s != PTO_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(s, PTO_OK);
    return p;
}

static pto_device *open_dev(void)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 2;
    cfg.schedulers = 2;
    pto_device *dev = NULL;
    pto_error err = {0};
    assert_int_equal(pto_device_open("a2a3sim", &cfg, &dev, &err), PTO_OK);
    return dev;
}

static void test_run_twice(void **state)
{
    (void)state;
    pto_plan *p = load();
    pto_device *dev = open_dev();
    pto_run_config rc;
    pto_plan_run_config(p, &rc);
    assert_int_equal(rc.mode, PTO_MODE_STREAMED);
    assert_string_equal(rc.dispatch, "round_robin:4");
    rc.deterministic = 1;
    pto_stats st;
    pto_plan_result res;
    pto_error err = {0};
    assert_int_equal(pto_plan_run(dev, p, &rc, &res, &st, &err), PTO_OK);
    assert_int_equal(res.checked, 1);
    assert_true(res.pass);
    assert_int_equal(st.tasks, 12);
    assert_int_equal(st.total_cycles, 3072);
    /* 8 tiles: tiles 8..11 of y stay 0, so the expect rule fails */
    assert_int_equal(pto_plan_set(p, "num_tiles", 8, &err), PTO_OK);
    assert_int_equal(pto_plan_run(dev, p, &rc, &res, &st, &err), PTO_OK);
    assert_int_equal(st.tasks, 8);
    assert_int_equal(st.total_cycles, 2048);
    assert_false(res.pass);
    pto_device_close(dev);
    pto_plan_free(p);
}

/* Without pto_plan_check, the interpreter refuses the view itself: the run
 * fails with the same message, and the device stays usable. */
static void test_run_checks_views(void **state)
{
    (void)state;
    pto_plan *p = load();
    pto_device *dev = open_dev();
    pto_error err = {0};
    assert_int_equal(pto_plan_set(p, "num_tiles", 13, &err), PTO_OK);
    pto_plan_result res;
    assert_int_equal(pto_plan_run(dev, p, NULL, &res, NULL, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: "
                                    "view out of bounds at b=12"));
    assert_int_equal(pto_plan_set(p, "num_tiles", 12, &err), PTO_OK);
    assert_int_equal(pto_plan_run(dev, p, NULL, &res, NULL, &err), PTO_OK);
    assert_true(res.pass);
    pto_device_close(dev);
    pto_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_twice),
        cmocka_unit_test(test_run_checks_views),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
