/* Malformed plans (docs/plan.md): each is refused, by pto_plan_load_text or
 * pto_plan_check, with the exact "<JSON path>: <what is wrong>" message;
 * and the valid base plan loads and checks. Public API only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pto/plan.h"

/* Building blocks of the plans below (JSON text). */
#define Q "\""
#define ABI Q "wsp_runtime_abi" Q ":" Q "v10.0" Q ","
#define KERNELS                                                                                    \
    Q "kernels" Q ":[{" Q "id" Q ":" Q "k" Q "," Q "core" Q ":" Q "AIV" Q "," Q "source" Q ":" Q   \
      "k.c" Q "," Q "entry" Q ":" Q "k" Q "}],"
#define TENSORS                                                                                    \
    Q "tensors" Q ":[{" Q "name" Q ":" Q "x" Q "," Q "dtype" Q ":" Q "f32" Q "," Q "shape" Q       \
      ":[64,16]," Q "role" Q ":" Q "in" Q "}],"
#define SYMBOLS                                                                                    \
    Q "symbols" Q ":[{" Q "name" Q ":" Q "n" Q "," Q "type" Q ":" Q "u64" Q "," Q "default" Q      \
      ":4}],"
#define AXES                                                                                       \
    Q "axes" Q ":[{" Q "name" Q ":" Q "rows" Q "," Q "kind" Q ":" Q "dense" Q "," Q "size" Q       \
      ":4},{" Q "name" Q ":" Q "dyn" Q "," Q "kind" Q ":" Q "dense_dyn" Q "," Q "symbol" Q ":" Q   \
      "n" Q "}],"
#define WL(body) Q "workload" Q ":{" Q "body" Q ":[" body "]}"
#define LOOP(axis, var, body)                                                                      \
    "{" Q "parallel_for" Q ":{" Q "axis" Q ":" Q axis Q "," Q "var" Q ":" Q var Q "," Q "body" Q   \
    ":[" body "]}}"
#define TASK(kernel, args)                                                                         \
    "{" Q "task" Q ":{" Q "kernel" Q ":" Q kernel Q "," Q "args" Q ":[" args "]}}"
#define VIEW(tensor, off0)                                                                         \
    "{" Q "tensor" Q ":" Q tensor Q "," Q "role" Q ":" Q "in" Q "," Q "offsets" Q ":[" Q off0 Q    \
    "," Q "0" Q "]," Q "shape" Q ":[16,16]}"
#define HEAD "{" ABI KERNELS TENSORS SYMBOLS AXES
#define PLAN(body) HEAD WL(body) "}"

/* The valid base: one task per row tile of x (4 tiles of 16 x 16). */
static const char *const good = PLAN(LOOP("rows", "i", TASK("k", VIEW("x", "i * 16"))));

static void test_good_plan(void **state)
{
    (void)state;
    pto_plan *p = NULL;
    pto_error err = {0};
    assert_int_equal(pto_plan_load_text(good, strlen(good), ".", &p, &err), PTO_OK);
    assert_int_equal(pto_plan_check(p, "a2a3sim", 1, &err), PTO_OK);
    assert_string_equal(pto_plan_name(p), "plan");
    pto_plan_free(p);
}

typedef struct bad_plan {
    const char *json;
    pto_status status;
    const char *msg;
} bad_plan;

static const bad_plan load_errors[] = {
    /* the ABI, checked first */
    {"{" Q "wsp_runtime_abi" Q ":" Q "v9.0" Q "}", PTO_ERR_INVALID,
     "/wsp_runtime_abi: unsupported ABI 'v9.0': this runtime supports \"v10.0\" only"},
    {"{" Q "wsp_runtime_abi" Q ":10}", PTO_ERR_INVALID,
     "/wsp_runtime_abi: unsupported ABI a number: this runtime supports \"v10.0\" only"},
    {"{}", PTO_ERR_INVALID, "/: missing field 'wsp_runtime_abi'"},
    {"[1]", PTO_ERR_INVALID, "/: expected an object (a plan), got an array"},
    {"{" ABI, PTO_ERR_INVALID, "/: not valid JSON (near line 1, column 27)"},
    /* missing and unknown fields */
    {"{" ABI TENSORS WL("") "}", PTO_ERR_INVALID, "/: missing field 'kernels'"},
    {"{" ABI KERNELS TENSORS Q "workloads" Q ":1}", PTO_ERR_INVALID, "/workloads: unknown field"},
    {"{" ABI Q "kernels" Q ":[{" Q "id" Q ":" Q "k" Q "," Q "core" Q ":" Q "AIV" Q "," Q "source" Q
     ":" Q "k.c" Q "}]," TENSORS WL("") "}",
     PTO_ERR_INVALID, "/kernels/0: missing field 'entry'"},
    {"{" ABI KERNELS TENSORS Q "a/b~c" Q ":1}", PTO_ERR_INVALID, "/a~1b~0c: unknown field"},
    {"{" ABI KERNELS KERNELS TENSORS WL("") "}", PTO_ERR_INVALID, "/kernels: duplicate field"},
    /* wrong types and values */
    {"{" ABI Q "kernels" Q ":{}," TENSORS WL("") "}", PTO_ERR_INVALID,
     "/kernels: expected an array, got an object"},
    {"{" ABI Q "kernels" Q ":[{" Q "id" Q ":" Q "k" Q "," Q "core" Q ":" Q "GPU" Q "," Q "source" Q
     ":" Q "k.c" Q "," Q "entry" Q ":" Q "k" Q "}]," TENSORS WL("") "}",
     PTO_ERR_INVALID, "/kernels/0/core: 'GPU' is not one of AIC, AIV"},
    {"{" ABI KERNELS Q "tensors" Q ":[{" Q "name" Q ":" Q "x" Q "," Q "dtype" Q ":" Q "f32" Q "," Q
     "shape" Q ":[64," Q "16" Q "]," Q "role" Q ":" Q "in" Q "}]," WL("") "}",
     PTO_ERR_INVALID, "/tensors/0/shape/1: expected a non-negative integer, got a string"},
    {"{" ABI KERNELS Q "tensors" Q ":[{" Q "name" Q ":" Q "x" Q "," Q "dtype" Q ":" Q "f64" Q "," Q
     "shape" Q ":[4]," Q "role" Q ":" Q "in" Q "}]," WL("") "}",
     PTO_ERR_INVALID, "/tensors/0/dtype: 'f64' is not one of f32, f16, bf16, i32"},
    {"{" ABI KERNELS Q "tensors" Q ":[{" Q "name" Q ":" Q "x" Q "," Q "dtype" Q ":" Q "f32" Q "," Q
     "shape" Q ":[4, 0]," Q "role" Q ":" Q "in" Q "}]," WL("") "}",
     PTO_ERR_INVALID, "/tensors/0/shape/1: a dim must be at least 1"},
    {HEAD Q "schedule" Q ":{" Q "dispatch" Q ":{" Q "policy" Q ":" Q "fifo" Q "}}," WL("") "}",
     PTO_ERR_INVALID,
     "/schedule/dispatch/policy: 'fifo' is not one of default, round_robin, affinity, hash, "
     "work_steal"},
    {HEAD Q "capabilities" Q ":[" Q "teleport" Q "]," WL("") "}", PTO_ERR_INVALID,
     "/capabilities/0: unknown capability 'teleport' (see `pto caps`)"},
    {"{" ABI KERNELS TENSORS Q "symbols" Q ":[{" Q "name" Q ":" Q "f" Q "," Q "type" Q ":" Q "f32" Q
     "}]," Q "axes" Q ":[{" Q "name" Q ":" Q "a" Q "," Q "kind" Q ":" Q "dense_dyn" Q "," Q
     "symbol" Q ":" Q "f" Q "}]," WL("") "}",
     PTO_ERR_INVALID, "/axes/0/symbol: symbol 'f' is f32: an axis size is a u64 symbol"},
    /* names */
    {PLAN(TASK("q", VIEW("x", "0"))), PTO_ERR_INVALID,
     "/workload/body/0/task/kernel: unknown kernel 'q'"},
    {PLAN(TASK("k", VIEW("w", "0"))), PTO_ERR_INVALID,
     "/workload/body/0/task/args/0/tensor: unknown tensor 'w'"},
    {PLAN(LOOP("cols", "i", "")), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/axis: unknown axis 'cols'"},
    {PLAN(LOOP("rows", "i", TASK("k", VIEW("x", "j * 16")))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: unknown loop variable 'j'"},
    {PLAN(TASK("k", VIEW("x", "i"))), PTO_ERR_INVALID,
     "/workload/body/0/task/args/0/offsets/0: unknown loop variable 'i'"},
    {PLAN(LOOP("rows", "i", TASK("k", VIEW("x", "i + sym.m")))), PTO_ERR_NOT_FOUND,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: 'i + sym.m': unknown "
     "symbol 'm' at column 5"},
    {PLAN(LOOP("rows", "i", TASK("k", VIEW("x", "i +")))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: 'i +': expected an "
     "expression, found the end at column 4"},
    {PLAN(LOOP("rows", "i", TASK("k", VIEW("x", "i < 2")))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: 'i < 2' has type bool, not "
     "an integer (i64 or u64)"},
    {PLAN("{" Q "select" Q ":{}}"), PTO_ERR_INVALID,
     "/workload/body/0/select: workload node 'select' is not implemented yet"},
    {PLAN("{" Q "task" Q ":{}," Q "x" Q ":1}"), PTO_ERR_INVALID,
     "/workload/body/0: a workload node has exactly one field, its kind (sequential, "
     "combine, parallel_for, for_each, cond, task)"},
    {PLAN(LOOP("rows", "i", "{" Q "cond" Q ":{" Q "if" Q ":" Q "i + 1" Q "," Q "then" Q ":[]}}")),
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/cond/if: 'i + 1' has type i64, not bool (a "
     "condition)"},
    {PLAN("{" Q "cond" Q ":{" Q "if" Q ":" Q "sym.n > 2" Q "}}"), PTO_ERR_INVALID,
     "/workload/body/0/cond: missing field 'then'"},
};

/* Valid to load, refused by pto_plan_check. */
static const bad_plan check_errors[] = {
    {PLAN(LOOP("rows", "i", TASK("k", VIEW("x", "i * 20")))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: view out of bounds at i=3: "
     "offset 'i * 20' = 60 with extent 16 does not fit dim 0 of tensor 'x' (size 64)"},
    {PLAN(LOOP("dyn", "i", LOOP("rows", "j", TASK("k", VIEW("x", "i * 16 + j - 2"))))),
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/parallel_for/body/0/task/args/0/offsets/0: view out "
     "of bounds at i=0, j=0: offset 'i * 16 + j - 2' = -2 with extent 16 does not fit dim 0 of "
     "tensor 'x' (size 64)"},
    {HEAD Q "capabilities" Q ":[" Q "streams" Q "]," WL("") "}", PTO_ERR_INVALID,
     "/capabilities/0: 'streams' is UNSUPPORTED on a2a3sim deterministic: the plan is refused"},
};

static void test_load_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof load_errors / sizeof load_errors[0]; i++) {
        const bad_plan *b = &load_errors[i];
        pto_plan *p = (pto_plan *)1;
        pto_error err = {0};
        pto_status s = pto_plan_load_text(b->json, strlen(b->json), ".", &p, &err);
        if (s != b->status || strcmp(err.msg, b->msg)) {
            print_error("plan %zu: %s\n  got %s: %s\n  want %s: %s\n", i, b->json,
                        pto_status_name(s), err.msg, pto_status_name(b->status), b->msg);
            fail();
        }
        assert_null(p);
    }
}

static void test_check_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof check_errors / sizeof check_errors[0]; i++) {
        const bad_plan *b = &check_errors[i];
        pto_plan *p = NULL;
        pto_error err = {0};
        assert_int_equal(pto_plan_load_text(b->json, strlen(b->json), ".", &p, &err), PTO_OK);
        pto_status s = pto_plan_check(p, "a2a3sim", 1, &err);
        if (s != b->status || strcmp(err.msg, b->msg)) {
            print_error("plan %zu: %s\n  got %s: %s\n  want %s: %s\n", i, b->json,
                        pto_status_name(s), err.msg, pto_status_name(b->status), b->msg);
            fail();
        }
        pto_plan_free(p);
    }
}

/* A symbol override changes what is checked: n = 5 makes the dyn loop
 * reach row tile 4 of 4. */
static void test_set_symbol(void **state)
{
    (void)state;
    const char *json = PLAN(LOOP("dyn", "i", TASK("k", VIEW("x", "i * 16"))));
    pto_plan *p = NULL;
    pto_error err = {0};
    assert_int_equal(pto_plan_load_text(json, strlen(json), ".", &p, &err), PTO_OK);
    assert_int_equal(pto_plan_check(p, NULL, 0, &err), PTO_OK);
    assert_int_equal(pto_plan_set(p, "n", 5, &err), PTO_OK);
    assert_int_equal(pto_plan_check(p, NULL, 0, &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg, "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: "
                                 "view out of bounds at i=4: offset 'i * 16' = 64 with extent 16 "
                                 "does not fit dim 0 of tensor 'x' (size 64)");
    assert_int_equal(pto_plan_set(p, "m", 5, &err), PTO_ERR_NOT_FOUND);
    assert_string_equal(err.msg, "the plan declares no symbol 'm'");
    pto_plan_free(p);
}

/* NULL arguments are errors, never crashes. */
static void test_null_arguments(void **state)
{
    (void)state;
    pto_error err = {0};
    pto_plan *p = NULL;
    assert_int_equal(pto_plan_load_text(NULL, 0, NULL, &p, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_plan_load_file(NULL, &p, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_plan_load_file("/nonexistent/plan.json", &p, &err), PTO_ERR_NOT_FOUND);
    assert_int_equal(pto_plan_check(NULL, NULL, 0, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_plan_run(NULL, NULL, NULL, NULL, NULL, &err), PTO_ERR_INVALID);
    pto_plan_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_plan),      cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_check_errors),   cmocka_unit_test(test_set_symbol),
        cmocka_unit_test(test_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
