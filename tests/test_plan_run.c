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

/* A plan of tiles 0 and 1 of y and z ([32, 16] each) around `body`. */
#define ARGS(t, b)                                                                                 \
    "[{\"tensor\": \"x\", \"role\": \"in\", \"offsets\": [\"" b " * 16\", \"0\"], "                \
    "\"shape\": [16, 16]}, {\"tensor\": \"" t "\", \"role\": \"out\", \"offsets\": [\"" b          \
    " * 16\", \"0\"], \"shape\": [16, 16]}, {\"f32\": 2.0}, {\"f32\": 1.0}]"
#define TASK(t, b) "{\"task\": {\"kernel\": \"k\", \"args\": " ARGS(t, b) "}}"
#define PFOR(t)                                                                                    \
    "{\"parallel_for\": {\"axis\": \"two\", \"var\": \"b\", \"body\": [" TASK(t, "b") "]}}"
#define SMALL(body)                                                                                \
    "{\"wsp_runtime_abi\": \"v10.0\", \"kernels\": [{\"id\": \"k\", \"core\": \"AIV\", "           \
    "\"source\": \"kernels/scale_shift.c\", \"entry\": \"plan_scale_shift\"}], \"tensors\": ["     \
    "{\"name\": \"x\", \"dtype\": \"f32\", \"shape\": [64, 16], \"role\": \"in\"}, "               \
    "{\"name\": \"y\", \"dtype\": \"f32\", \"shape\": [64, 16], \"role\": \"out\", "               \
    "\"expect\": {\"const\": 1.0}}, {\"name\": \"z\", \"dtype\": \"f32\", \"shape\": "             \
    "[64, 16], \"role\": \"out\"}], \"axes\": [{\"name\": \"two\", \"kind\": \"dense\", "          \
    "\"size\": 2}, {\"name\": \"four\", \"kind\": \"dense\", \"size\": 4}], "                      \
    "\"schedule\": {\"dispatch\": {\"policy\": \"round_robin\", \"targets\": 4}}, "                \
    "\"workload\": {\"body\": [" body "]}}"

/* Runs a small plan deterministically on 2 blocks; its total cycles, tasks
 * and whether y came out all 1.0 (2 * 0 + 1) where written. */
static void run_small(const char *json, uint64_t cycles, uint64_t tasks, int pass)
{
    pto_plan *p = NULL;
    pto_error err = {0};
    pto_status s = pto_plan_load_text(json, strlen(json), DIR, &p, &err);
    if (s != PTO_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(s, PTO_OK);
    pto_device *dev = open_dev();
    pto_run_config rc;
    pto_plan_run_config(p, &rc);
    rc.deterministic = 1;
    pto_stats st;
    pto_plan_result res;
    assert_int_equal(pto_plan_run(dev, p, &rc, &res, &st, &err), PTO_OK);
    assert_int_equal(st.total_cycles, cycles);
    assert_int_equal(st.tasks, tasks);
    assert_int_equal(res.pass, pass);
    pto_device_close(dev);
    pto_plan_free(p);
}

/* sequential: the second loop (lanes 2, 3, idle) waits for the first
 * (lanes 0, 1): 2 x 1024, and a join task per child; combine: both at once, 1024.
 * y tiles 2, 3 stay 0 (expect const 1.0 fails: pass 0). */
static void test_sequential_and_combine(void **state)
{
    (void)state;
    run_small(SMALL("{\"sequential\": [" PFOR("y") ", " PFOR("z") "]}"), 2048, 6, 0);
    run_small(SMALL("{\"combine\": [" PFOR("y") ", " PFOR("z") "]}"), 1024, 4, 0);
}

/* cond over loop variables: even tiles of 4 to y, odd ones to z; all of
 * y's tiles 0..3 written only when the condition is always true. */
static void test_cond(void **state)
{
    (void)state;
    run_small(SMALL("{\"parallel_for\": {\"axis\": \"four\", \"var\": \"b\", \"body\": [{\"cond\": "
                    "{\"if\": \"b % 2 == 0\", \"then\": [" TASK("y", "b") "], \"else\": [" TASK(
                        "z", "b") "]}}]}}"),
              1024, 4, 0);
    run_small(SMALL("{\"parallel_for\": {\"axis\": \"four\", \"var\": \"b\", \"body\": [{\"cond\": "
                    "{\"if\": \"b < 4\", \"then\": [" TASK("y", "b") "]}}]}}"),
              1024, 4, 1);
}

/* An f32 symbol passed as a kernel scalar (its bits): y = 2 * 0 + sym.b
 * over tiles 0..3; b = 1.0 by default (expect const 1.0 holds), 2.5 once
 * set (it does not); a u64 setter on it is refused. */
static void test_f32_symbol(void **state)
{
    (void)state;
    const char *json =
        "{\"wsp_runtime_abi\": \"v10.0\", \"kernels\": [{\"id\": \"k\", \"core\": \"AIV\", "
        "\"source\": \"kernels/scale_shift.c\", \"entry\": \"plan_scale_shift\"}], \"tensors\": ["
        "{\"name\": \"x\", \"dtype\": \"f32\", \"shape\": [64, 16], \"role\": \"in\"}, "
        "{\"name\": \"y\", \"dtype\": \"f32\", \"shape\": [64, 16], \"role\": \"out\", "
        "\"expect\": {\"const\": 1.0}}], \"symbols\": [{\"name\": \"b\", \"type\": \"f32\", "
        "\"default\": 1.0}], \"axes\": [{\"name\": \"four\", \"kind\": \"dense\", \"size\": 4}], "
        "\"workload\": {\"body\": [{\"parallel_for\": {\"axis\": \"four\", \"var\": \"t\", "
        "\"body\": [{\"task\": {\"kernel\": \"k\", \"args\": [{\"tensor\": \"x\", \"role\": "
        "\"in\", \"offsets\": [\"t * 16\", \"0\"], \"shape\": [16, 16]}, {\"tensor\": \"y\", "
        "\"role\": \"out\", \"offsets\": [\"t * 16\", \"0\"], \"shape\": [16, 16]}, {\"f32\": "
        "2.0}, {\"scalar\": \"sym.b\"}]}}]}}]}}";
    pto_plan *p = NULL;
    pto_error err = {0};
    assert_int_equal(pto_plan_load_text(json, strlen(json), DIR, &p, &err), PTO_OK);
    pto_device *dev = open_dev();
    pto_plan_result res;
    assert_int_equal(pto_plan_run(dev, p, NULL, &res, NULL, &err), PTO_OK);
    assert_true(res.pass);
    assert_int_equal(pto_plan_set(p, "b", 3, &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg, "symbol 'b' is f32, not u64");
    assert_int_equal(pto_plan_set_f32(p, "b", 2.5f, &err), PTO_OK);
    assert_int_equal(pto_plan_run(dev, p, NULL, &res, NULL, &err), PTO_OK);
    assert_false(res.pass);
    assert_true(res.max_err > 1.49 && res.max_err < 1.51);
    pto_device_close(dev);
    pto_plan_free(p);
}

/* Array elements at expansion: task i reads x tile inv[perm[i]] (= i
 * while inv is perm's inverse) into y tile i, so y = 2x + 1 (x[k] = k);
 * with perm all 0 every task reads tile inv[0] = 1 and y is wrong. 4
 * tasks of 1024 cycles on 4 lanes. */
static void test_array_elements(void **state)
{
    (void)state;
    const char *json =
        "{\"wsp_runtime_abi\": \"v10.0\", \"kernels\": [{\"id\": \"k\", \"core\": \"AIV\", "
        "\"source\": \"kernels/scale_shift.c\", \"entry\": \"plan_scale_shift\"}], \"tensors\": ["
        "{\"name\": \"x\", \"dtype\": \"f32\", \"shape\": [64, 16], \"role\": \"in\", "
        "\"init\": {\"linear\": [1, 0]}}, {\"name\": \"y\", \"dtype\": \"f32\", \"shape\": "
        "[64, 16], \"role\": \"out\", \"expect\": {\"linear\": [2, 1]}}], \"symbols\": "
        "[{\"name\": \"perm\", \"type\": \"i32[]\", \"length\": 4, \"default\": [2, 0, 3, 1]}, "
        "{\"name\": \"inv\", \"type\": \"i32[]\", \"length\": 4, \"default\": [1, 3, 0, 2]}], "
        "\"axes\": [{\"name\": \"four\", \"kind\": \"dense\", \"size\": 4}], "
        "\"schedule\": {\"dispatch\": {\"policy\": \"round_robin\", \"targets\": 4}}, "
        "\"workload\": {\"body\": [{\"parallel_for\": {\"axis\": \"four\", \"var\": \"i\", "
        "\"body\": [{\"task\": {\"kernel\": \"k\", \"args\": [{\"tensor\": \"x\", \"role\": "
        "\"in\", \"offsets\": [\"sym.inv[sym.perm[i]] * 16\", \"0\"], \"shape\": [16, 16]}, "
        "{\"tensor\": \"y\", \"role\": \"out\", \"offsets\": [\"i * 16\", \"0\"], \"shape\": "
        "[16, 16]}, {\"f32\": 2.0}, {\"f32\": 1.0}]}}]}}]}}";
    pto_plan *p = NULL;
    pto_error err = {0};
    assert_int_equal(pto_plan_load_text(json, strlen(json), DIR, &p, &err), PTO_OK);
    pto_device *dev = open_dev();
    pto_run_config rc;
    pto_plan_run_config(p, &rc);
    rc.deterministic = 1;
    pto_plan_result res;
    pto_stats st;
    assert_int_equal(pto_plan_run(dev, p, &rc, &res, &st, &err), PTO_OK);
    assert_true(res.pass);
    assert_int_equal(st.tasks, 4);
    assert_int_equal(st.total_cycles, 1024);
    const int32_t zeros[] = {0, 0, 0, 0}, id[] = {0, 1, 2, 3};
    assert_int_equal(pto_plan_set_i32_array(p, "perm", zeros, 4, &err), PTO_OK);
    assert_int_equal(pto_plan_run(dev, p, &rc, &res, &st, &err), PTO_OK);
    assert_false(res.pass);
    assert_int_equal(pto_plan_set_i32_array(p, "inv", id, 4, &err), PTO_OK);
    assert_int_equal(pto_plan_set_i32_array(p, "perm", id, 4, &err), PTO_OK);
    assert_int_equal(pto_plan_run(dev, p, &rc, &res, &st, &err), PTO_OK);
    assert_true(res.pass);
    /* an index out of the array fails the run naming the iteration */
    const int32_t far[] = {0, 1, 2, 4};
    assert_int_equal(pto_plan_set_i32_array(p, "perm", far, 4, &err), PTO_OK);
    assert_int_equal(pto_plan_run(dev, p, &rc, &res, &st, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: "
                                    "array index out of range at i=3: index 'sym.perm[i]' of "
                                    "'inv' = 4, but 'inv' has 4 elements"));
    pto_device_close(dev);
    pto_plan_free(p);
}

/* Fill rules on f16 and bf16 tensors (no task touches them): the rule's
 * values rounded through f32 to the half type, compared as doubles. h
 * (f16) holds 0.25k - 3 exactly for k < 1024; b (bf16) holds k rounded to
 * 8 significant bits: 514 -> 512 (a tie, to even), so max_err = 2. */
static void test_half_fill_rules(void **state)
{
    (void)state;
#define HALF_PLAN(tol)                                                                             \
    "{\"wsp_runtime_abi\": \"v10.0\", \"kernels\": [{\"id\": \"k\", \"core\": \"AIV\", "           \
    "\"source\": \"kernels/scale_shift.c\", \"entry\": \"plan_scale_shift\"}], \"tensors\": ["     \
    "{\"name\": \"x\", \"dtype\": \"f32\", \"shape\": [16, 16], \"role\": \"in\"}, "               \
    "{\"name\": \"y\", \"dtype\": \"f32\", \"shape\": [16, 16], \"role\": \"out\", "              \
    "\"expect\": {\"const\": 1.0}}, {\"name\": \"h\", \"dtype\": \"f16\", \"shape\": [64, 16], "   \
    "\"role\": \"inout\", \"init\": {\"linear\": [0.25, -3]}, \"expect\": {\"linear\": "           \
    "[0.25, -3]}}, {\"name\": \"b\", \"dtype\": \"bf16\", \"shape\": [64, 16], \"role\": "          \
    "\"inout\", \"init\": {\"linear\": [1, 0]}, \"expect\": {\"linear\": [1, 0]}, \"tolerance\": " \
    tol "}], \"workload\": {\"body\": [{\"task\": {\"kernel\": \"k\", \"args\": [{\"tensor\": "  \
    "\"x\", \"role\": \"in\", \"offsets\": [\"0\", \"0\"], \"shape\": [16, 16]}, {\"tensor\": "   \
    "\"y\", \"role\": \"out\", \"offsets\": [\"0\", \"0\"], \"shape\": [16, 16]}, {\"f32\": 2.0}, " \
    "{\"f32\": 1.0}]}}]}}"
    static const char *const json[] = {HALF_PLAN("2"), HALF_PLAN("1.9")};
    for (int i = 0; i < 2; i++) {
        pto_plan *p = NULL;
        pto_error err = {0};
        assert_int_equal(pto_plan_load_text(json[i], strlen(json[i]), DIR, &p, &err), PTO_OK);
        pto_device *dev = open_dev();
        pto_plan_result res;
        assert_int_equal(pto_plan_run(dev, p, NULL, &res, NULL, &err), PTO_OK);
        assert_int_equal(res.checked, 3);
        assert_true(res.max_err == 2.0);
        assert_int_equal(res.pass, i == 0);
        pto_device_close(dev);
        pto_plan_free(p);
    }
#undef HALF_PLAN
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_twice),
        cmocka_unit_test(test_run_checks_views),
        cmocka_unit_test(test_sequential_and_combine),
        cmocka_unit_test(test_cond),
        cmocka_unit_test(test_f32_symbol),
        cmocka_unit_test(test_array_elements),
        cmocka_unit_test(test_half_fill_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
