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

/* Plans with run slots (docs/plan.md, "slots", "Predicates and keys at
 * dispatch"): x, y [64, 16] f32 (4 tiles), cnt int32 [4] = 0, 1, 2, 3, the
 * u64 symbol n (default 2), the dense axis `four`, and SLOTS_DECL. */
#define SCAL(slots, dispatch, body)                                                                \
    "{\"wsp_runtime_abi\": \"v10.0\", \"kernels\": [{\"id\": \"k\", \"core\": \"AIV\", "           \
    "\"source\": \"kernels/scale_shift.c\", \"entry\": \"plan_scale_shift\"}], \"tensors\": ["     \
    "{\"name\": \"x\", \"dtype\": \"f32\", \"shape\": [64, 16], \"role\": \"in\"}, "               \
    "{\"name\": \"y\", \"dtype\": \"f32\", \"shape\": [64, 16], \"role\": \"out\"}, "              \
    "{\"name\": \"cnt\", \"dtype\": \"i32\", \"shape\": [4], \"role\": \"in\", \"init\": "         \
    "{\"linear\": [1, 0]}}], \"symbols\": [{\"name\": \"n\", \"type\": \"u64\", \"default\": "     \
    "2}], "                                                                                        \
    "\"axes\": [{\"name\": \"four\", \"kind\": \"dense\", \"size\": 4}, {\"name\": \"many\", "     \
    "\"kind\": \"dense\", \"size\": 70}], \"slots\": [" slots                                      \
    "], \"schedule\": {\"dispatch\": " dispatch "}, \"workload\": {\"body\": [" body "]}}"
#define DEF "{\"policy\": \"default\"}"
#define AFF "{\"policy\": \"affinity\", \"targets\": 4}"
#define YTASK(extra) "{\"task\": {\"kernel\": \"k\", " extra "\"args\": " ARGS("y", "t") "}}"
#define FOUR(kind, body)                                                                           \
    "{\"" kind "\": {\"axis\": \"four\", \"var\": \"t\", \"body\": [" body "]}}"

/* Loads json (DIR-relative kernels), runs it deterministically on 2 blocks
 * (4 AIV cores), into *st; slots (may be NULL) gets pto_last_run_slots. */
static pto_plan *load_text(const char *json)
{
    pto_plan *p = NULL;
    pto_error err = {0};
    pto_status s = pto_plan_load_text(json, strlen(json), DIR, &p, &err);
    if (s != PTO_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(s, PTO_OK);
    return p;
}

static void run_det(pto_device *dev, pto_plan *p, pto_stats *st, uint64_t *slots)
{
    memset(st, 0, sizeof *st);
    pto_run_config rc;
    pto_plan_run_config(p, &rc);
    rc.deterministic = 1;
    pto_plan_result res;
    pto_error err = {0};
    pto_status s = pto_plan_run(dev, p, &rc, &res, st, &err);
    if (s != PTO_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(s, PTO_OK);
    if (slots)
        pto_last_run_slots(dev, slots);
}

/* A predicate mixing a loop variable (known at expansion, passed as a
 * param) and a slot set from a symbol (known at dispatch): s := n + 1,
 * then tile t runs when t < s. The 4 tasks are independent, one per AIV
 * core (default policy): 1024 cycles whenever one runs. n = 2: 3 run, 1
 * skipped; n = 0: 1 runs, 3 skipped; n = 9: none skipped. Between runs
 * only the symbol changes (no reload, no re-parse). Tasks: 1 slot task +
 * 4. */
static void test_predicate_skips(void **state)
{
    (void)state;
    pto_plan *p =
        load_text(SCAL("{\"name\": \"s\"}", DEF,
                       "{\"slot_set\": {\"slot\": \"s\", \"value\": \"sym.n + 1\"}}, " FOUR(
                           "parallel_for", YTASK("\"predicate\": \"t < slot.s\", "))));
    pto_device *dev = open_dev();
    pto_stats st;
    pto_error err = {0};
    const uint64_t n[] = {2, 0, 9}, skipped[] = {1, 3, 0};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pto_plan_set(p, "n", n[i], &err), PTO_OK);
        run_det(dev, p, &st, NULL);
        assert_int_equal(st.tasks, 5);
        assert_int_equal(st.skipped, skipped[i]);
        assert_int_equal(st.total_cycles, 1024);
    }
    pto_device_close(dev);
    pto_plan_free(p);
}

/* slot_set and slot_load values, read back with pto_last_run_slots:
 * a := n * 10 + 7 = 27; b (u64) := cnt[3] = 3; c accumulates t over a
 * for_each (its value's loop variable a constant per iteration): 0 + 1 +
 * 2 + 3 = 6; d := cnt[t] in a parallel_for, predicated t == 2 (the three
 * other loads are skipped and write nothing): 2; e is never written: 0. */
static void test_slot_values(void **state)
{
    (void)state;
    pto_plan *p = load_text(SCAL(
        "{\"name\": \"a\"}, {\"name\": \"b\", \"type\": \"u64\"}, {\"name\": \"c\"}, "
        "{\"name\": \"d\"}, {\"name\": \"e\"}",
        DEF,
        "{\"slot_set\": {\"slot\": \"a\", \"value\": \"sym.n * 10 + 7\"}}, "
        "{\"slot_load\": {\"slot\": \"b\", \"tensor\": \"cnt\", \"offsets\": "
        "[\"3\"]}}, " FOUR(
            "for_each",
            "{\"slot_set\": {\"slot\": \"c\", \"value\": "
            "\"slot.c + t\"}}") ", " FOUR("parallel_for",
                                          "{\"slot_load\": {\"slot\": \"d\", \"tensor\": \"cnt\", "
                                          "\"offsets\": [\"t\"], \"predicate\": \"t == 2\"}}")));
    pto_device *dev = open_dev();
    pto_stats st;
    uint64_t slots[PTO_SLOTS];
    run_det(dev, p, &st, slots);
    assert_int_equal(slots[0], 27);
    assert_int_equal(slots[1], 3);
    assert_int_equal(slots[2], 6);
    assert_int_equal(slots[3], 2);
    assert_int_equal(slots[4], 0);
    assert_int_equal(st.skipped, 3);
    assert_int_equal(st.total_cycles, 0);
    pto_device_close(dev);
    pto_plan_free(p);
}

/* Slot defaults: a run starts with s = 5, neg = -2 (i64) and z = 0 (a
 * slot task sets each non-zero default before the workload). Per t: one
 * task predicated slot.s == 5u (runs), one slot.neg + 2 != 0 (skipped),
 * so 4 + 4 kernel tasks, 4 skipped, plus the 2 default slot tasks; the 4
 * that run take 1024 each, one per AIV core of 2 blocks: 1024. */
static void test_slot_defaults(void **state)
{
    (void)state;
    pto_plan *p =
        load_text(SCAL("{\"name\": \"s\", \"type\": \"u64\", \"default\": 5}, {\"name\": \"neg\", "
                       "\"default\": -2}, {\"name\": \"z\"}",
                       DEF,
                       FOUR("parallel_for", YTASK("\"predicate\": \"slot.s == 5u\", ")) ", " FOUR(
                           "parallel_for", YTASK("\"predicate\": \"slot.neg + 2 != 0\", "))));
    pto_device *dev = open_dev();
    pto_stats st;
    uint64_t slots[PTO_SLOTS];
    run_det(dev, p, &st, slots);
    assert_int_equal(slots[0], 5);
    assert_int_equal(slots[1], (uint64_t)(int64_t)-2);
    assert_int_equal(slots[2], 0);
    assert_int_equal(st.tasks, 10);
    assert_int_equal(st.skipped, 4);
    assert_int_equal(st.total_cycles, 1024);
    pto_device_close(dev);
    pto_plan_free(p);
}

/* A key read from a slot at dispatch, under affinity:4 (lane = key mod 4;
 * with 2 blocks lane 0 = b0.AIV0 (core 1), 1 = b0.AIV1 (core 2), 2 =
 * b1.AIV0 (core 4), 3 = b1.AIV1 (core 5): cores are numbered block by
 * block, AIC first). lane := n; key = slot.lane + 4t, so all 4 tasks go to
 * lane n mod 4 and run one after another: 4 x 1024 = 4096 cycles. n = 2:
 * all on core 4; n = 3 (no re-parse): all on core 5. The same plan with
 * the key t (evaluated at expansion): one task per lane, 1024. */
static void test_key_by_slot(void **state)
{
    (void)state;
    pto_plan *p =
        load_text(SCAL("{\"name\": \"lane\"}", AFF,
                       "{\"slot_set\": {\"slot\": \"lane\", \"value\": \"sym.n\"}}, " FOUR(
                           "parallel_for", YTASK("\"key\": \"slot.lane + 4 * t\", "))));
    pto_device *dev = open_dev();
    pto_stats st;
    pto_error err = {0};
    run_det(dev, p, &st, NULL);
    assert_int_equal(st.total_cycles, 4096);
    assert_int_equal(st.core[4].tasks, 4);
    assert_int_equal(st.core[1].tasks + st.core[2].tasks + st.core[5].tasks, 0);
    assert_int_equal(pto_plan_set(p, "n", 3, &err), PTO_OK);
    run_det(dev, p, &st, NULL);
    assert_int_equal(st.total_cycles, 4096);
    assert_int_equal(st.core[5].tasks, 4);
    assert_int_equal(st.core[1].tasks + st.core[2].tasks + st.core[4].tasks, 0);
    pto_plan_free(p);
    p = load_text(
        SCAL("{\"name\": \"lane\"}", AFF, FOUR("parallel_for", YTASK("\"key\": \"t\", "))));
    run_det(dev, p, &st, NULL);
    assert_int_equal(st.total_cycles, 1024);
    for (int c = 1; c <= 5; c++)
        assert_int_equal(st.core[c].tasks, c == 3 ? 0 : 1);
    pto_device_close(dev);
    pto_plan_free(p);
}

/* A cond on a slot inside a for_each (time order): s := t % 2, then tile t
 * when s == 1. Iterations 0 and 2: a slot task and a skipped task, 0
 * cycles; 1 and 3: 1024 each, one after another: 2048. Tasks per
 * iteration: the slot task, the kernel task and their join: 12; skipped 2.
 * The same cond over a loop variable only is decided at expansion: 2
 * tasks, 1024 (they run in parallel), nothing skipped. */
static void test_cond_on_slot_in_for_each(void **state)
{
    (void)state;
    pto_plan *p = load_text(
        SCAL("{\"name\": \"s\"}", DEF,
             FOUR("for_each", "{\"slot_set\": {\"slot\": \"s\", \"value\": \"t % 2\"}}, {\"cond\": "
                              "{\"if\": \"slot.s == 1\", \"then\": [" YTASK("") "]}}")));
    pto_device *dev = open_dev();
    pto_stats st;
    run_det(dev, p, &st, NULL);
    assert_int_equal(st.tasks, 12);
    assert_int_equal(st.skipped, 2);
    assert_int_equal(st.total_cycles, 2048);
    pto_plan_free(p);
    p = load_text(SCAL(
        "{\"name\": \"s\"}", DEF,
        FOUR("parallel_for", "{\"cond\": {\"if\": \"t % 2 == 1\", \"then\": [" YTASK("") "]}}")));
    run_det(dev, p, &st, NULL);
    assert_int_equal(st.tasks, 2);
    assert_int_equal(st.skipped, 0);
    assert_int_equal(st.total_cycles, 1024);
    pto_device_close(dev);
    pto_plan_free(p);
}

/* The run's PTO_RUN_EXPRS limit: a predicate that reads a loop variable is
 * one run expression per task node (the variable is a param), so 70
 * iterations are fine; a slot_set value reading one is specialized per
 * iteration (a slot task has no params): the 65th distinct value is
 * refused, naming the node. */
static void test_run_exprs_limit(void **state)
{
    (void)state;
    pto_plan *p = load_text(
        SCAL("{\"name\": \"s\"}", DEF,
             "{\"parallel_for\": {\"axis\": \"many\", \"var\": \"t\", \"body\": [{\"task\": "
             "{\"kernel\": \"k\", \"predicate\": \"t + slot.s < 2\", \"args\": " ARGS(
                 "y", "(t % 4)") "}}]}}"));
    pto_device *dev = open_dev();
    pto_stats st;
    run_det(dev, p, &st, NULL);
    assert_int_equal(st.tasks, 70);
    assert_int_equal(st.skipped, 68);
    pto_plan_free(p);
    p = load_text(
        SCAL("{\"name\": \"s\"}", DEF,
             "{\"for_each\": {\"axis\": \"many\", \"var\": \"t\", \"body\": [{\"slot_set\": "
             "{\"slot\": \"s\", \"value\": \"t\"}}]}}"));
    pto_error err = {0};
    assert_int_equal(pto_plan_run(dev, p, NULL, NULL, NULL, &err), PTO_ERR_CAPACITY);
    assert_string_equal(err.msg, "/workload/body/0/for_each/body/0/slot_set: pto_slot_set: the run "
                                 "already holds 64 distinct expressions (PTO_RUN_EXPRS) (in a slot "
                                 "task, loop variables are constants: one expression per distinct "
                                 "value)");
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
    "{\"name\": \"y\", \"dtype\": \"f32\", \"shape\": [16, 16], \"role\": \"out\", "               \
    "\"expect\": {\"const\": 1.0}}, {\"name\": \"h\", \"dtype\": \"f16\", \"shape\": [64, 16], "   \
    "\"role\": \"inout\", \"init\": {\"linear\": [0.25, -3]}, \"expect\": {\"linear\": "           \
    "[0.25, -3]}}, {\"name\": \"b\", \"dtype\": \"bf16\", \"shape\": [64, 16], \"role\": "         \
    "\"inout\", \"init\": {\"linear\": [1, 0]}, \"expect\": {\"linear\": [1, 0]}, "                \
    "\"tolerance\": " tol                                                                          \
    "}], \"workload\": {\"body\": [{\"task\": {\"kernel\": \"k\", \"args\": [{\"tensor\": "        \
    "\"x\", \"role\": \"in\", \"offsets\": [\"0\", \"0\"], \"shape\": [16, 16]}, {\"tensor\": "    \
    "\"y\", \"role\": \"out\", \"offsets\": [\"0\", \"0\"], \"shape\": [16, 16]}, {\"f32\": "      \
    "2.0}, "                                                                                       \
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
        cmocka_unit_test(test_predicate_skips),
        cmocka_unit_test(test_slot_values),
        cmocka_unit_test(test_slot_defaults),
        cmocka_unit_test(test_key_by_slot),
        cmocka_unit_test(test_cond_on_slot_in_for_each),
        cmocka_unit_test(test_run_exprs_limit),
        cmocka_unit_test(test_array_elements),
        cmocka_unit_test(test_half_fill_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
