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
/* The good_ragged plan's fields before its workload (for the cases of
 * the flat form). */
#define RHEAD                                                                                      \
    "{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"A"                       \
    "IV\",\"source\":\"k.c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\""                       \
    ",\"dtype\":\"f32\",\"shape\":[64,16],\"role\":\"in\"}],\"symbols\":[{"                        \
    "\"name\":\"n\",\"type\":\"u64\",\"default\":4},{\"name\":\"lens\",\"ty"                       \
    "pe\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\","                        \
    "\"type\":\"i32[]\",\"length\":5,\"default\":[0,1,1,2,3]},{\"name\":\"i"                       \
    "dx\",\"type\":\"i32[]\",\"length\":3,\"default\":[0,3,2]}],\"axes\":[{"                       \
    "\"name\":\"rows\",\"kind\":\"dense\",\"size\":4},{\"name\":\"dyn\",\"k"                       \
    "ind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":\"rag"                       \
    "ged\",\"outer\":\"rows\",\"lengths\":\"lens\"},{\"name\":\"nz\",\"kind"                       \
    "\":\"sparse\",\"outer\":\"rows\",\"indptr\":\"ptr\",\"indices\":\"idx"                        \
    "\"}],"
#define RPLAN(body) RHEAD WL(body) "}"

/* A task with the given fields (a JSON text ending before "args") and one
 * view of x. */
#define FTASK(fields) "{" Q "task" Q ":{" fields "," Q "args" Q ":[" VIEW("x", "0") "]}}"
#define VIEW(tensor, off0)                                                                         \
    "{" Q "tensor" Q ":" Q tensor Q "," Q "role" Q ":" Q "in" Q "," Q "offsets" Q ":[" Q off0 Q    \
    "," Q "0" Q "]," Q "shape" Q ":[16,16]}"
#define HEAD "{" ABI KERNELS TENSORS SYMBOLS AXES
#define PLAN(body) HEAD WL(body) "}"
/* With an i32[] symbol pt = [3, 0, 2, 1] for array elements. */
#define ASYMBOLS                                                                                   \
    Q "symbols" Q ":[{" Q "name" Q ":" Q "n" Q "," Q "type" Q ":" Q "u64" Q "," Q "default" Q      \
      ":4},{" Q "name" Q ":" Q "pt" Q "," Q "type" Q ":" Q "i32[]" Q "," Q "length" Q ":4," Q      \
      "default" Q ":[3,0,2,1]}],"
#define APLAN(body) "{" ABI KERNELS TENSORS ASYMBOLS AXES WL(body) "}"
#define SCALAR(e) "{" Q "scalar" Q ":" Q e Q "}"
#define KEYTASK(key)                                                                               \
    "{" Q "task" Q ":{" Q "kernel" Q ":" Q "k" Q "," Q "args" Q                                    \
    ":[" VIEW("x", "0") "]," Q "key" Q ":" Q key Q "}}"
#define COND(e, then) "{" Q "cond" Q ":{" Q "if" Q ":" Q e Q "," Q "then" Q ":[" then "]}}"
/* With the slots s (i64) and u (u64). */
#define SLOTS                                                                                      \
    Q "slots" Q ":[{" Q "name" Q ":" Q "s" Q "},{" Q "name" Q ":" Q "u" Q "," Q "type" Q ":" Q     \
      "u64" Q "}],"
#define SPLAN(body) HEAD SLOTS WL(body) "}"
/* A task over x's row tile i with extra fields (`extra` ends with a comma). */
#define XTASK(extra)                                                                               \
    "{" Q "task" Q ":{" extra Q "kernel" Q ":" Q "k" Q "," Q "args" Q ":[" VIEW("x", "i * 16") "]" \
                                                                                               "}" \
                                                                                               "}"
#define SSET(slot, value)                                                                          \
    "{" Q "slot_set" Q ":{" Q "slot" Q ":" Q slot Q "," Q "value" Q ":" Q value Q "}}"

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

/* Valid: array elements in offsets, keys, scalars and conditions, nested
 * too; checked with the symbol's values, which an override changes. */
static void test_good_elements(void **state)
{
    (void)state;
    static const char *const json = APLAN(
        LOOP("rows", "i",
             TASK("k", VIEW("x", "sym.pt[i] * 16") "," SCALAR("sym.pt[sym.pt[i]] + sym.pt[ 3 - i "
                                                              "]")) "," KEYTASK(
                 "sym.pt[(i + 1) % 4]") "," COND("sym.pt[i] > 1", TASK("k", VIEW("x", "16")))));
    pto_plan *p = NULL;
    pto_error err = {0};
    assert_int_equal(pto_plan_load_text(json, strlen(json), ".", &p, &err), PTO_OK);
    assert_int_equal(pto_plan_check(p, "a2a3sim", 1, &err), PTO_OK);
    const int32_t far[] = {0, 1, 2, 4};
    assert_int_equal(pto_plan_set_i32_array(p, "pt", far, 4, &err), PTO_OK);
    assert_int_equal(pto_plan_check(p, "a2a3sim", 1, &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg, "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: "
                                 "view out of bounds at i=3: offset 'sym.pt[i] * 16' = 64 with "
                                 "extent 16 does not fit dim 0 of tensor 'x' (size 64)");
    pto_plan_free(p);
}

/* Valid: i32[] symbols as the sources of a ragged axis (lens) and a sparse
 * one (ptr, idx) under a loop over rows. */
static const char *const good_ragged =
    "{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\",\"source\":\"k."
    "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,16],\"r"
    "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{\"name\":\"le"
    "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\",\"type\":\"i"
    "32[]\",\"length\":5,\"default\":[0,1,1,2,3]},{\"name\":\"idx\",\"type\":\"i32[]\",\"length"
    "\":3,\"default\":[0,3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":4},{\""
    "name\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":\"ragge"
    "d\",\"outer\":\"rows\",\"lengths\":\"lens\"},{\"name\":\"nz\",\"kind\":\"sparse\",\"outer\""
    ":\"rows\",\"indptr\":\"ptr\",\"indices\":\"idx\"}],\"workload\":{\"body\":[{\"parallel_for"
    "\":{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\",\"var\":"
    "\"t\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\""
    "offsets\":[\"i * 16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\""
    "var\":\"j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"i"
    "n\",\"offsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}";

static void test_good_ragged(void **state)
{
    (void)state;
    pto_plan *p = NULL;
    pto_error err = {0};
    assert_int_equal(pto_plan_load_text(good_ragged, strlen(good_ragged), ".", &p, &err), PTO_OK);
    assert_int_equal(pto_plan_check(p, "a2a3sim", 1, &err), PTO_OK);
    /* pto_plan_set_i32_array: the declared length only, i32[] symbols only */
    const int32_t two[] = {3, 4}, four[] = {4, 4, 4, 5};
    assert_int_equal(pto_plan_set_i32_array(p, "lens", two, 2, &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg, "symbol 'lens' has length 4: 2 values given");
    assert_int_equal(pto_plan_set_i32_array(p, "n", two, 2, &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg, "symbol 'n' is u64, not i32[]");
    assert_int_equal(pto_plan_set(p, "lens", 3, &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg, "symbol 'lens' is i32[], not u64");
    assert_int_equal(pto_plan_set_i32_array(p, "nope", two, 2, &err), PTO_ERR_NOT_FOUND);
    /* other lengths: the ragged loop's tasks view tile i only, so the check
     * passes; a sparse index past x is refused naming the iteration */
    assert_int_equal(pto_plan_set_i32_array(p, "lens", four, 4, &err), PTO_OK);
    assert_int_equal(pto_plan_check(p, "a2a3sim", 1, &err), PTO_OK);
    const int32_t idx[] = {0, 3, 7};
    assert_int_equal(pto_plan_set_i32_array(p, "idx", idx, 3, &err), PTO_OK);
    assert_int_equal(pto_plan_check(p, "a2a3sim", 1, &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg,
                        "/workload/body/0/parallel_for/body/1/parallel_for/body/0/task/args/0/"
                        "offsets/0: view out of bounds at i=3, j=7: offset 'j * 16' = 112 with "
                        "extent 16 does not fit dim 0 of tensor 'x' (size 64)");
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
    /* a name given twice (plan_unique) */
    {"{" ABI Q "kernels" Q ":[{" Q "id" Q ":" Q "k" Q "," Q "core" Q ":" Q "AIV" Q "," Q "source" Q
     ":" Q "k.c" Q "," Q "entry" Q ":" Q "k" Q "},{" Q "id" Q ":" Q "k" Q "," Q "core" Q ":" Q
     "AIC" Q "," Q "source" Q ":" Q "k.c" Q "," Q "entry" Q ":" Q "k" Q "}]," TENSORS WL("") "}",
     PTO_ERR_INVALID, "/kernels/1/id: kernel 'k' is already defined at /kernels/0"},
    {"{" ABI KERNELS Q "tensors" Q ":[{" Q "name" Q ":" Q "x" Q "," Q "dtype" Q ":" Q "f32" Q "," Q
     "shape" Q ":[4]," Q "role" Q ":" Q "in" Q "},{" Q "name" Q ":" Q "y" Q "," Q "dtype" Q ":" Q
     "f32" Q "," Q "shape" Q ":[4]," Q "role" Q ":" Q "in" Q "},{" Q "name" Q ":" Q "x" Q "," Q
     "dtype" Q ":" Q "f32" Q "," Q "shape" Q ":[4]," Q "role" Q ":" Q "in" Q "}]," WL("") "}",
     PTO_ERR_INVALID, "/tensors/2/name: tensor 'x' is already defined at /tensors/0"},
    {"{" ABI KERNELS TENSORS Q "axes" Q ":[{" Q "name" Q ":" Q "a" Q "," Q "kind" Q ":" Q "dense" Q
     "," Q "size" Q ":4},{" Q "name" Q ":" Q "a" Q "," Q "kind" Q ":" Q "dense" Q "," Q "size" Q
     ":2}]," WL("") "}",
     PTO_ERR_INVALID, "/axes/1/name: axis 'a' is already defined at /axes/0"},
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
     "/workload/body/0/select: missing field 'axis'"},
    {PLAN("{" Q "select" Q ":{" Q "axis" Q ":" Q "rows" Q "," Q "var" Q ":" Q "i" Q "," Q "body" Q
          ":[]}}"),
     PTO_ERR_INVALID,
     "/workload/body/0/select/axis: a select runs over a sparse axis: 'rows' is dense"},
    {PLAN("{" Q "task" Q ":{}," Q "x" Q ":1}"), PTO_ERR_INVALID,
     "/workload/body/0: a workload node has exactly one field, its kind (sequential, "
     "combine, parallel_for, for_each, select, cond, task, slot_set, slot_load)"},
    {PLAN(LOOP("rows", "i", "{" Q "cond" Q ":{" Q "if" Q ":" Q "i + 1" Q "," Q "then" Q ":[]}}")),
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/cond/if: 'i + 1' has type i64, not bool (a "
     "condition)"},
    {PLAN("{" Q "cond" Q ":{" Q "if" Q ":" Q "sym.n > 2" Q "}}"), PTO_ERR_INVALID,
     "/workload/body/0/cond: missing field 'then'"},
    /* the flat form of ragged and sparse loops (outer_var, flat_var) */
    {RPLAN("{\"parallel_for\":{\"axis\":\"rows\",\"var\":\"i\",\"outer_var\":\"b\""
           ",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"r"
           "ole\":\"in\",\"offsets\":[\"0\",\"0\"],\"shape\":[16,16]}]}}]}}"),
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for: 'outer_var' is for a loop over a ragged"
     " or sparse axis: 'rows' is dense"},
    {RPLAN("{\"parallel_for\":{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"parall"
           "el_for\":{\"axis\":\"tok\",\"var\":\"t\",\"outer_var\":\"b\",\"body\":"
           "[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in"
           "\",\"offsets\":[\"0\",\"0\"],\"shape\":[16,16]}]}}]}}]}}"),
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/parallel_for: 'outer_var' names t"
     "he index of 'rows', but an enclosing loop runs over 'rows' already"},
    {RPLAN("{\"parallel_for\":{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"parall"
           "el_for\":{\"axis\":\"tok\",\"var\":\"t\",\"flat_var\":\"f\",\"body\":["
           "{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in"
           "\",\"offsets\":[\"0\",\"0\"],\"shape\":[16,16]}]}}]}}]}}"),
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/parallel_for: 'flat_var' is for t"
     "he flat form (with 'outer_var')"},
    {RPLAN("{\"parallel_for\":{\"axis\":\"nz\",\"var\":\"c\",\"outer_var\":\"sym\""
           ",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"r"
           "ole\":\"in\",\"offsets\":[\"0\",\"0\"],\"shape\":[16,16]}]}}]}}"),
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/outer_var: 'sym' is not a valid loop var"
     "iable name (an identifier, not a keyword)"},
    {RPLAN("{\"parallel_for\":{\"axis\":\"tok\",\"var\":\"t\",\"body\":[{\"task\":"
           "{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"offset"
           "s\":[\"0\",\"0\"],\"shape\":[16,16]}]}}]}}"),
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/axis: axis 'tok' is ragged over 'rows', "
     "but no enclosing loop runs over 'rows' (or name its index with 'outer_"
     "var')"},
    /* SPMD and MIX tasks */
    {PLAN(FTASK(Q "kernel" Q ":" Q "k" Q "," Q "mix" Q ":{" Q "aiv" Q ":" Q "k" Q "}")),
     PTO_ERR_INVALID, "/workload/body/0/task: a task has 'kernel' or 'mix', not both"},
    {PLAN(FTASK(Q "mix" Q ":{" Q "aiv" Q ":" Q "k" Q "}," Q "blocks" Q ":2")), PTO_ERR_INVALID,
     "/workload/body/0/task: a MIX task runs on one cluster: 'blocks' is for an SPMD task"},
    {PLAN(FTASK(Q "kernel" Q ":" Q "k" Q "," Q "blocks" Q ":0")), PTO_ERR_INVALID,
     "/workload/body/0/task/blocks: an SPMD task has 1 .. 4096 blocks"},
    {PLAN(FTASK(Q "kernel" Q ":" Q "k" Q "," Q "blocks" Q ":5000")), PTO_ERR_INVALID,
     "/workload/body/0/task/blocks: expected an integer in 0..4096, got 5000"},
    {PLAN(FTASK(Q "blocks" Q ":2")), PTO_ERR_INVALID,
     "/workload/body/0/task: missing field 'kernel'"},
    {PLAN(FTASK(Q "mix" Q ":{" Q "aic" Q ":" Q "k" Q "," Q "aiv" Q ":" Q "k" Q "}")),
     PTO_ERR_INVALID,
     "/workload/body/0/task/mix/aic: kernel 'k' is an AIV kernel; the aic part needs an AIC "
     "one"},
    {PLAN(FTASK(Q "mix" Q ":{" Q "aiv" Q ":" Q "k" Q "," Q "parts" Q ":[" Q "aiv0" Q "," Q "aiv0" Q
                  "]}")),
     PTO_ERR_INVALID, "/workload/body/0/task/mix/parts/1: part 'aiv0' listed twice"},
    {PLAN(FTASK(Q "mix" Q ":{" Q "aiv" Q ":" Q "k" Q "," Q "parts" Q ":[" Q "gpu" Q "]}")),
     PTO_ERR_INVALID,
     "/workload/body/0/task/mix/parts/0: expected \"aic\", \"aiv0\" or \"aiv1\", got a "
     "string"},
    {PLAN(FTASK(Q "mix" Q ":{" Q "aic" Q ":" Q "k" Q "," Q "aiv" Q ":" Q "k" Q "," Q "parts" Q
                  ":[" Q "aiv1" Q "]}")),
     PTO_ERR_INVALID, "/workload/body/0/task/mix: 'aic' given, but 'parts' has no \"aic\""},
    {PLAN(FTASK(Q "mix" Q ":{}")), PTO_ERR_INVALID,
     "/workload/body/0/task/mix: missing field 'aic'"}, /* i32[] symbols, ragged and sparse axes */
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\",\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"default\":[1]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\","
     "\"size\":4}],\"workload\":{\"body\":[{\"parallel_for\":{\"axis\":\"rows\",\"var\":\"i\",\""
     "body\":[{\"parallel_for\":{\"axis\":\"tok\",\"var\":\"t\",\"body\":[{\"task\":{\"kernel\":"
     "\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"offsets\":[\"i * 16\",\"0\"],\"shape\""
     ":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\"var\":\"j\",\"body\":[{\"task\":{\"ke"
     "rnel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"offsets\":[\"j * 16\",\"0\"],\""
     "shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID, "/symbols/1: missing field 'length'"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\",\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,3]}],\"axes\":[{\"name\":\"rows\",\""
     "kind\":\"dense\",\"size\":4}],\"workload\":{\"body\":[{\"parallel_for\":{\"axis\":\"rows\""
     ",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\",\"var\":\"t\",\"body\":[{\"ta"
     "sk\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"offsets\":[\"i * 16\""
     ",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\"var\":\"j\",\"body\""
     ":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"offsets\":[\"j"
     " * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID, "/symbols/1/default: 3 elements, but the symbol's length is 4"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\",\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":2,\"default\":[1,2.5]}],\"axes\":[{\"name\":\"rows\",\""
     "kind\":\"dense\",\"size\":4}],\"workload\":{\"body\":[{\"parallel_for\":{\"axis\":\"rows\""
     ",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\",\"var\":\"t\",\"body\":[{\"ta"
     "sk\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"offsets\":[\"i * 16\""
     ",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\"var\":\"j\",\"body\""
     ":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"offsets\":[\"j"
     " * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID, "/symbols/1/default/1: expected an int32 number, got a number"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\",\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":1,\"default\":[3000000000]}],\"axes\":[{\"name\":\"rows"
     "\",\"kind\":\"dense\",\"size\":4}],\"workload\":{\"body\":[{\"parallel_for\":{\"axis\":\"r"
     "ows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\",\"var\":\"t\",\"body\":["
     "{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"offsets\":[\"i *"
     " 16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\"var\":\"j\",\"b"
     "ody\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"offsets\""
     ":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID, "/symbols/1/default/0: expected an int32 number, got a number"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\",\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4,\"length\":2}],"
     "\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":4}],\"workload\":{\"body\":[{\"pa"
     "rallel_for\":{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\""
     ",\"var\":\"t\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":"
     "\"in\",\"offsets\":[\"i * 16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\""
     ":\"nz\",\"var\":\"j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\""
     "role\":\"in\",\"offsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID, "/symbols/0: only an i32[] symbol has a 'length'"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\",\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\",\"type\":\"i"
     "32[]\",\"length\":5,\"default\":[0,1,1,2,3]},{\"name\":\"idx\",\"type\":\"i32[]\",\"length"
     "\":3,\"default\":[0,3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":4},{\""
     "name\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":\"ragge"
     "d\",\"outer\":\"rows\",\"lengths\":\"zz\"}],\"workload\":{\"body\":[{\"parallel_for\":{\"a"
     "xis\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\",\"var\":\"t\",\""
     "body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"offsets\""
     ":[\"i * 16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\"var\":\""
     "j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"of"
     "fsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_NOT_FOUND, "/axes/2/lengths: undeclared symbol 'zz'"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\",\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\",\"type\":\"i"
     "32[]\",\"length\":5,\"default\":[0,1,1,2,3]},{\"name\":\"idx\",\"type\":\"i32[]\",\"length"
     "\":3,\"default\":[0,3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":4},{\""
     "name\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":\"ragge"
     "d\",\"outer\":\"rows\",\"lengths\":\"n\"}],\"workload\":{\"body\":[{\"parallel_for\":{\"ax"
     "is\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\",\"var\":\"t\",\""
     "body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"offsets\""
     ":[\"i * 16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\"var\":\""
     "j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"of"
     "fsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID, "/axes/2/lengths: symbol 'n' is u64: 'lengths' is an i32[] symbol"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\",\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\",\"type\":\"i"
     "32[]\",\"length\":5,\"default\":[0,1,1,2,3]},{\"name\":\"idx\",\"type\":\"i32[]\",\"length"
     "\":3,\"default\":[0,3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":4},{\""
     "name\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":\"ragge"
     "d\",\"outer\":\"q\",\"lengths\":\"lens\"}],\"workload\":{\"body\":[{\"parallel_for\":{\"ax"
     "is\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\",\"var\":\"t\",\""
     "body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"offsets\""
     ":[\"i * 16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\"var\":\""
     "j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"of"
     "fsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID, "/axes/2/outer: unknown axis 'q' (the outer axis is declared before)"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\",\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\",\"type\":\"i"
     "32[]\",\"length\":5,\"default\":[0,1,1,2,3]},{\"name\":\"idx\",\"type\":\"i32[]\",\"length"
     "\":3,\"default\":[0,3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":4},{\""
     "name\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":\"ragge"
     "d\",\"outer\":\"rows\",\"lengths\":\"lens\"},{\"name\":\"nz\",\"kind\":\"sparse\",\"outer\""
     ":\"tok\",\"indptr\":\"ptr\",\"indices\":\"idx\"}],\"workload\":{\"body\":[{\"parallel_for\""
     ":{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\",\"var\":\""
     "t\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"of"
     "fsets\":[\"i * 16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\"v"
     "ar\":\"j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in"
     "\",\"offsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID, "/axes/3/outer: axis 'tok' is ragged: an outer axis is dense or dense_dyn"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\",\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\",\"type\":\"i"
     "32[]\",\"length\":5,\"default\":[0,1,1,2,3]},{\"name\":\"idx\",\"type\":\"i32[]\",\"length"
     "\":3,\"default\":[0,3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":4},{\""
     "name\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":\"ragge"
     "d\",\"outer\":\"rows\",\"lengths\":\"lens\",\"size\":3}],\"workload\":{\"body\":[{\"parall"
     "el_for\":{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\",\""
     "var\":\"t\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"i"
     "n\",\"offsets\":[\"i * 16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\""
     "nz\",\"var\":\"j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"rol"
     "e\":\"in\",\"offsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID, "/axes/2: a ragged axis has no 'size'"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\",\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\",\"type\":\"i"
     "32[]\",\"length\":5,\"default\":[0,1,1,2,3]},{\"name\":\"idx\",\"type\":\"i32[]\",\"length"
     "\":3,\"default\":[0,3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":4},{\""
     "name\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"lens\"}],\"workload\":{\"body\":[{\"par"
     "allel_for\":{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\""
     ",\"var\":\"t\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":"
     "\"in\",\"offsets\":[\"i * 16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\""
     ":\"nz\",\"var\":\"j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\""
     "role\":\"in\",\"offsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID, "/axes/1/symbol: symbol 'lens' is i32[]: an axis size is a u64 symbol"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\",\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\",\"type\":\"i"
     "32[]\",\"length\":5,\"default\":[0,1,1,2,3]},{\"name\":\"idx\",\"type\":\"i32[]\",\"length"
     "\":3,\"default\":[0,3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":4},{\""
     "name\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":\"ragge"
     "d\",\"outer\":\"rows\",\"lengths\":\"lens\"},{\"name\":\"nz\",\"kind\":\"sparse\",\"outer\""
     ":\"rows\",\"indptr\":\"ptr\",\"indices\":\"n\"}],\"workload\":{\"body\":[{\"parallel_for\""
     ":{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\",\"var\":\""
     "t\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"of"
     "fsets\":[\"i * 16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\"v"
     "ar\":\"j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in"
     "\",\"offsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID, "/axes/3/indices: symbol 'n' is u64: 'indices' is an i32[] symbol"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\",\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\",\"type\":\"i"
     "32[]\",\"length\":5,\"default\":[0,1,1,2,3]},{\"name\":\"idx\",\"type\":\"i32[]\",\"length"
     "\":3,\"default\":[0,3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":4},{\""
     "name\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":\"ragge"
     "d\",\"outer\":\"rows\",\"lengths\":\"lens\"},{\"name\":\"nz\",\"kind\":\"sparse\",\"outer\""
     ":\"rows\",\"indptr\":\"ptr\",\"indices\":\"idx\"}],\"workload\":{\"body\":[{\"parallel_for"
     "\":{\"axis\":\"dyn\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\",\"var\":\""
     "t\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\",\"of"
     "fsets\":[\"t\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/parallel_for/axis: axis 'tok' is ragged over 'rows', "
     "but no enclosing loop runs over 'rows' (or name its index with 'outer_var')"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\",\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\",\"type\":\"i"
     "32[]\",\"length\":5,\"default\":[0,1,1,2,3]},{\"name\":\"idx\",\"type\":\"i32[]\",\"length"
     "\":3,\"default\":[0,3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":4},{\""
     "name\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":\"ragge"
     "d\",\"outer\":\"rows\",\"lengths\":\"lens\"},{\"name\":\"nz\",\"kind\":\"sparse\",\"outer\""
     ":\"rows\",\"indptr\":\"ptr\",\"indices\":\"idx\"}],\"workload\":{\"body\":[{\"parallel_for"
     "\":{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"ten"
     "sor\":\"x\",\"role\":\"in\",\"offsets\":[\"sym.lens\",\"0\"],\"shape\":[16,16]}]}}]}}]}}",
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: 'sym.lens': symbol 'lens' is "
     "i32[]: use an element, sym.lens[i], or the array as the source of a ragged or sparse axis "
     "(column 1)"},
    /* array elements sym.NAME[E] */
    {APLAN(LOOP("rows", "i", TASK("k", VIEW("x", "sym.pt[i * 16")))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: 'sym.pt[i * 16': expected ']' "
     "closing the element of 'pt' opened at column 7"},
    {APLAN(LOOP("rows", "i", TASK("k", VIEW("x", "16 * sym.pt[q]")))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: '16 * sym.pt[q]': index of "
     "'pt' at column 6: unknown loop variable 'q'"},
    {APLAN(LOOP("rows", "i", TASK("k", VIEW("x", "sym.pt[i > 1]")))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: 'sym.pt[i > 1]': index of "
     "'pt' at column 1: 'i > 1' has type bool, not an integer (i64 or u64)"},
    {APLAN(LOOP("rows", "i", TASK("k", VIEW("x", "sym.pt[i +]")))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: 'sym.pt[i +]': index of 'pt' "
     "at column 1: 'i +': expected an expression, found the end at column 4"},
    {APLAN(LOOP("rows", "i", TASK("k", VIEW("x", "sym.pt[sym.pt[sym.pt[sym.pt[i]]]]")))),
     PTO_ERR_CAPACITY,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: "
     "'sym.pt[sym.pt[sym.pt[sym.pt[i]]]]': index of 'pt' at column 1: "
     "'sym.pt[sym.pt[sym.pt[i]]]': index of 'pt' at column 1: 'sym.pt[sym.pt[i]]': index of "
     "'pt' at column 1: 'sym.pt[i]': array elements nested more than 3 deep (column 1)"},
    {APLAN(LOOP("rows", "i",
                TASK("k", VIEW("x", "sym.pt[0]+sym.pt[1]+sym.pt[2]+sym.pt[3]+sym.pt[0]+sym.pt[1]+"
                                    "sym.pt[2]+sym.pt[3]+sym.pt[i]")))),
     PTO_ERR_CAPACITY,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: "
     "'sym.pt[0]+sym.pt[1]+sym.pt[2]+sym.pt[3]+sym.pt[0]+sym.pt[1]+sym.pt[2]+sym.pt[3]+sym.pt[i]':"
     " more than 8 array elements (column 81)"},
    {APLAN(LOOP("rows", "i", TASK("k", VIEW("x", "sym.n[i]")))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: 'sym.n[i]': symbol 'n' is "
     "u64: only an i32[] symbol has elements (column 6)"},
    /* no array element where the expression is evaluated at dispatch */
    {"{" ABI KERNELS TENSORS ASYMBOLS AXES SLOTS WL(
         LOOP("rows", "i", XTASK(Q "predicate" Q ":" Q "sym.pt[i] > 0" Q ","))) "}",
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/predicate: 'sym.pt[i] > 0': an array element is "
     "read when the plan is expanded, but this expression is evaluated at dispatch (a predicate, "
     "a slot_set value, or an expression that reads a slot)"},
    {"{" ABI KERNELS TENSORS ASYMBOLS AXES SLOTS WL(SSET("s", "sym.pt[1]")) "}", PTO_ERR_INVALID,
     "/workload/body/0/slot_set/value: 'sym.pt[1]': an array element is read when the plan is "
     "expanded, but this expression is evaluated at dispatch (a predicate, a slot_set value, or "
     "an expression that reads a slot)"},
    {"{" ABI KERNELS TENSORS ASYMBOLS AXES SLOTS WL(
         LOOP("rows", "i", COND("slot.s > sym.pt[i]", TASK("k", VIEW("x", "0"))))) "}",
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/cond/if: 'slot.s > sym.pt[i]': an array element is "
     "read when the plan is expanded, but this expression is evaluated at dispatch (a predicate, "
     "a slot_set value, or an expression that reads a slot)"},
    {"{" ABI KERNELS TENSORS ASYMBOLS AXES SLOTS WL(
         LOOP("rows", "i", TASK("k", VIEW("x", "sym.pt[slot.s]")))) "}",
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: 'sym.pt[slot.s]' reads a slot, "
     "but this expression is evaluated at expansion (slots are read by predicates, keys, cond "
     "and slot_set only)"},
    /* tensor data files */
    {"{" ABI KERNELS Q "tensors" Q ":[{" Q "name" Q ":" Q "x" Q "," Q "dtype" Q ":" Q "f32" Q "," Q
     "shape" Q ":[4]," Q "role" Q ":" Q "in" Q "," Q "init" Q ":{" Q "const" Q ":1}," Q "input" Q
     ":" Q "x.npy" Q "}]," WL("") "}",
     PTO_ERR_INVALID, "/tensors/0/input: a tensor has 'init' or 'input', not both"},
    {"{" ABI KERNELS Q "tensors" Q ":[{" Q "name" Q ":" Q "x" Q "," Q "dtype" Q ":" Q "f32" Q "," Q
     "shape" Q ":[4]," Q "role" Q ":" Q "in" Q "," Q "golden" Q ":7}]," WL("") "}",
     PTO_ERR_INVALID, "/tensors/0/golden: expected a string, got a number"},
    /* slots, slot_set, slot_load, predicates, dispatch-time keys */
    {HEAD Q "slots" Q ":{}," WL("") "}", PTO_ERR_INVALID,
     "/slots: expected an array of slots, got an object"},
    {HEAD Q "slots" Q ":[{" Q "name" Q ":" Q "s" Q "},{" Q "name" Q ":" Q "s" Q "}]," WL("") "}",
     PTO_ERR_INVALID, "/slots/1/name: duplicate slot 's'"},
    {HEAD Q "slots" Q ":[{" Q "name" Q ":" Q "a.b" Q "}]," WL("") "}", PTO_ERR_INVALID,
     "/slots/0/name: 'a.b' is not a valid slot name (an identifier)"},
    {HEAD Q "slots" Q ":[{" Q "name" Q ":" Q "s" Q "," Q "type" Q ":" Q "f32" Q "}]," WL("") "}",
     PTO_ERR_INVALID, "/slots/0/type: 'f32' is not one of i64, u64"},
    {HEAD Q "slots" Q ":[{" Q "name" Q ":" Q "s" Q "," Q "index" Q ":3}]," WL("") "}",
     PTO_ERR_INVALID, "/slots/0/index: unknown field"},
    {HEAD Q "slots" Q ":[{" Q "name" Q ":" Q "s" Q "," Q "type" Q ":" Q "u64" Q "," Q "default" Q
            ":-1}]," WL("") "}",
     PTO_ERR_INVALID,
     "/slots/0/default: expected an integer >= 0 (a u64 slot) of at most 2^53 in magnitude, got "
     "a number"},
    {HEAD Q "slots" Q ":[{" Q "name" Q ":" Q "s" Q "," Q "default" Q ":1.5}]," WL("") "}",
     PTO_ERR_INVALID,
     "/slots/0/default: expected an integer of at most 2^53 in magnitude, got a number"},
    {HEAD Q "slots" Q ":[{" Q "name" Q ":" Q "s" Q "," Q "default" Q ":" Q "7" Q "}]," WL("") "}",
     PTO_ERR_INVALID,
     "/slots/0/default: expected an integer of at most 2^53 in magnitude, got a string"},
    {SPLAN(LOOP("rows", "i", XTASK(Q "predicate" Q ":" Q "slot.q != 0" Q ","))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/predicate: 'slot.q != 0': unknown slot 'q' (not "
     "declared in 'slots', column 1)"},
    {PLAN(LOOP("rows", "i", XTASK(Q "predicate" Q ":" Q "i < slot.s" Q ","))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/predicate: 'i < slot.s': unknown slot 's' (not "
     "declared in 'slots', column 5)"},
    {SPLAN(LOOP("rows", "i", XTASK(Q "predicate" Q ":" Q "slot3 != 0" Q ","))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/predicate: unknown loop variable 'slot3'"},
    {SPLAN(LOOP("rows", "i", XTASK(Q "predicate" Q ":" Q "i + slot.s" Q ","))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/predicate: 'i + slot.s' has type i64, not bool (a "
     "condition)"},
    {SPLAN(LOOP("rows", "i", XTASK(Q "key" Q ":" Q "slot.s == 1" Q ","))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/key: 'slot.s == 1' has type bool, not an integer "
     "(i64 or u64)"},
    {SPLAN(LOOP("rows", "i", XTASK(Q "key" Q ":" Q "slot.u + i" Q ","))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/key: 'slot.u + i': operator '+' on u64 and i64: "
     "no implicit promotion (use a cast) at column 8"},
    {SPLAN(LOOP("rows", "i", TASK("k", VIEW("x", "slot.s * 16")))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: 'slot.s * 16' reads a slot, but "
     "this expression is evaluated at expansion (slots are read by predicates, keys, cond and "
     "slot_set only)"},
    {SPLAN(SSET("q", "1")), PTO_ERR_INVALID,
     "/workload/body/0/slot_set/slot: unknown slot 'q' (not declared in 'slots')"},
    {SPLAN(SSET("s", "1 == 1")), PTO_ERR_INVALID,
     "/workload/body/0/slot_set/value: '1 == 1' has type bool, not an integer (i64 or u64)"},
    {SPLAN("{" Q "slot_set" Q ":{" Q "slot" Q ":" Q "s" Q "}}"), PTO_ERR_INVALID,
     "/workload/body/0/slot_set: missing field 'value'"},
    {SPLAN("{" Q "slot_load" Q ":{" Q "slot" Q ":" Q "s" Q "," Q "tensor" Q ":" Q "w" Q "," Q
           "offsets" Q ":[" Q "0" Q "]}}"),
     PTO_ERR_INVALID, "/workload/body/0/slot_load/tensor: unknown tensor 'w'"},
    {SPLAN("{" Q "slot_load" Q ":{" Q "slot" Q ":" Q "s" Q "," Q "tensor" Q ":" Q "x" Q "," Q
           "offsets" Q ":[" Q "0" Q "]}}"),
     PTO_ERR_INVALID, "/workload/body/0/slot_load/offsets: tensor 'x' has 2 dims, got 1 offsets"},
    {SPLAN("{" Q "slot_load" Q ":{" Q "slot" Q ":" Q "s" Q "," Q "tensor" Q ":" Q "x" Q "," Q
           "offsets" Q ":[" Q "slot.s" Q "," Q "0" Q "]}}"),
     PTO_ERR_INVALID,
     "/workload/body/0/slot_load/offsets/0: 'slot.s' reads a slot, but this expression is "
     "evaluated at expansion (slots are read by predicates, keys, cond and slot_set only)"},
    {SPLAN(LOOP("rows", "i", "{" Q "cond" Q ":{" Q "if" Q ":" Q "slot.s" Q "," Q "then" Q ":[]}}")),
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/cond/if: 'slot.s' has type i64, not bool (a "
     "condition)"},
    /* 16 args and a predicate reading the loop variable i: 17 params */
    {SPLAN(LOOP(
         "rows", "i",
         "{" Q "task" Q ":{" Q "predicate" Q ":" Q "i == slot.s" Q "," Q "kernel" Q ":" Q "k" Q
         "," Q "args" Q
         ":[" VIEW("x", "0") "," VIEW("x", "0") "," VIEW("x", "0") "," VIEW("x", "0") "," VIEW("x", "0") "," VIEW("x", "0") "," VIEW("x", "0") "," VIEW(
             "x",
             "0") "," VIEW("x",
                           "0") "," VIEW("x",
                                         "0") "," VIEW("x",
                                                       "0") "," VIEW("x",
                                                                     "0") "," VIEW("x",
                                                                                   "0") "," VIEW("x",
                                                                                                 "0") "," VIEW("x",
                                                                                                               "0") "," VIEW("x",
                                                                                                                             "0") "]}}")),
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task: its predicate or key reads loop variables at "
     "dispatch: 16 args + 1 loop variables (passed as params) exceed 16"},
    {PLAN(LOOP("rows", "slot", TASK("k", VIEW("x", "0")))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/var: 'slot' is not a valid loop variable name (an "
     "identifier, not a keyword)"},
};

/* Valid to load, refused by pto_plan_check. */
static const bad_plan check_errors[] = {
    /* array elements: an index out of the array names the iteration */
    {APLAN(LOOP("rows", "i", TASK("k", VIEW("x", "sym.pt[i + 1] * 16")))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: array index out of range at "
     "i=3: index 'i + 1' of 'pt' = 4, but 'pt' has 4 elements"},
    {APLAN(LOOP("rows", "i", LOOP("dyn", "j", TASK("k", VIEW("x", "sym.pt[j - i] * 16"))))),
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/parallel_for/body/0/task/args/0/offsets/0: array "
     "index out of range at i=1, j=0: index 'j - i' of 'pt' = -1, but 'pt' has 4 elements"},
    {APLAN(LOOP("rows", "i", TASK("k", VIEW("x", "sym.pt[sym.pt[i] + 1] * 16")))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: array index out of range at "
     "i=0: index 'sym.pt[i] + 1' of 'pt' = 4, but 'pt' has 4 elements"},
    {APLAN(LOOP("rows", "i", TASK("k", VIEW("x", "sym.pt[3 - i] * 20")))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: view out of bounds at i=3: "
     "offset 'sym.pt[3 - i] * 20' = 60 with extent 16 does not fit dim 0 of tensor 'x' (size "
     "64)"},
    {APLAN(LOOP("rows", "i", KEYTASK("sym.pt[i * 2]"))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/key: array index out of range at i=2: index "
     "'i * 2' of 'pt' = 4, but 'pt' has 4 elements"},
    {APLAN(LOOP("rows", "i", TASK("k", VIEW("x", "0") "," SCALAR("sym.pt[4 - i]")))),
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/1/scalar: array index out of range at i=0: "
     "index '4 - i' of 'pt' = 4, but 'pt' has 4 elements"},
    {"{" ABI KERNELS TENSORS ASYMBOLS AXES SLOTS WL(
         LOOP("rows", "i",
              "{" Q "slot_load" Q ":{" Q "slot" Q ":" Q "s" Q "," Q "tensor" Q ":" Q "x" Q "," Q
              "offsets" Q ":[" Q "sym.pt[i + 1]" Q "," Q "0" Q "]}}")) "}",
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/slot_load/offsets/0: array index out of range at "
     "i=3: index 'i + 1' of 'pt' = 4, but 'pt' has 4 elements"},
    {APLAN(LOOP("rows", "i", COND("sym.pt[i + i] > 0", TASK("k", VIEW("x", "0"))))),
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/cond/if: array index out of range at i=2: index "
     "'i + i' of 'pt' = 4, but 'pt' has 4 elements"},
    {PLAN(LOOP("rows", "i", TASK("k", VIEW("x", "i * 20")))), PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/task/args/0/offsets/0: view out of bounds at "
     "i=3: "
     "offset 'i * 20' = 60 with extent 16 does not fit dim 0 of tensor 'x' (size 64)"},
    {PLAN(LOOP("dyn", "i", LOOP("rows", "j", TASK("k", VIEW("x", "i * 16 + j - 2"))))),
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/0/parallel_for/body/0/task/args/0/offsets/0: view "
     "out "
     "of bounds at i=0, j=0: offset 'i * 16 + j - 2' = -2 with extent 16 does not fit dim "
     "0 of "
     "tensor 'x' (size 64)"},
    {HEAD Q "capabilities" Q ":[" Q "streams" Q "]," WL("") "}", PTO_ERR_INVALID,
     "/capabilities/0: 'streams' is UNSUPPORTED on a2a3sim deterministic: the plan is "
     "refused"}, /* the values of ragged and sparse axis sources */
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\","
     "\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,"
     "16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{"
     "\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":3,\"default\":[1,2,0]},{\"name\":\"ptr\",\"type\":"
     "\"i32"
     "[]\",\"length\":5,\"default\":[0,1,1,2,3]},{\"name\":\"idx\",\"type\":\"i32[]\","
     "\"length\""
     ":3,\"default\":[0,3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":4},"
     "{\"na"
     "me\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":"
     "\"ragged\""
     ",\"outer\":\"rows\",\"lengths\":\"lens\"},{\"name\":\"nz\",\"kind\":\"sparse\","
     "\"outer\":\""
     "rows\",\"indptr\":\"ptr\",\"indices\":\"idx\"}],\"workload\":{\"body\":[{\"parallel_"
     "for\":"
     "{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\","
     "\"var\":\"t"
     "\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\","
     "\"off"
     "sets\":[\"i * "
     "16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\"va"
     "r\":\"j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":"
     "\"in\""
     ",\"offsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID,
     "/axes/2/lengths: symbol 'lens' has 3 elements, but outer axis 'rows' has size 4 (one "
     "length per outer iteration)"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\","
     "\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,"
     "16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{"
     "\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,-2,0,1]},{\"name\":\"ptr\","
     "\"type\":\""
     "i32[]\",\"length\":5,\"default\":[0,1,1,2,3]},{\"name\":\"idx\",\"type\":\"i32[]\","
     "\"lengt"
     "h\":3,\"default\":[0,3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":"
     "4},{\""
     "name\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":"
     "\"ragge"
     "d\",\"outer\":\"rows\",\"lengths\":\"lens\"},{\"name\":\"nz\",\"kind\":\"sparse\","
     "\"outer\""
     ":\"rows\",\"indptr\":\"ptr\",\"indices\":\"idx\"}],\"workload\":{\"body\":[{"
     "\"parallel_for"
     "\":{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\","
     "\"var\":"
     "\"t\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":"
     "\"in\",\""
     "offsets\":[\"i * "
     "16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\""
     "var\":\"j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\","
     "\"role\":\"i"
     "n\",\"offsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID, "/axes/2/lengths: lens[1] = -2 is negative"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\","
     "\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,"
     "16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{"
     "\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\","
     "\"type\":\"i"
     "32[]\",\"length\":4,\"default\":[0,1,1,2]},{\"name\":\"idx\",\"type\":\"i32[]\","
     "\"length\""
     ":3,\"default\":[0,3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":4},"
     "{\"na"
     "me\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":"
     "\"ragged\""
     ",\"outer\":\"rows\",\"lengths\":\"lens\"},{\"name\":\"nz\",\"kind\":\"sparse\","
     "\"outer\":\""
     "rows\",\"indptr\":\"ptr\",\"indices\":\"idx\"}],\"workload\":{\"body\":[{\"parallel_"
     "for\":"
     "{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\","
     "\"var\":\"t"
     "\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":\"in\","
     "\"off"
     "sets\":[\"i * "
     "16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\"va"
     "r\":\"j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":"
     "\"in\""
     ",\"offsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID,
     "/axes/3/indptr: symbol 'ptr' has 4 elements, but outer axis 'rows' has size 4 "
     "(indptr has size + 1 elements)"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\","
     "\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,"
     "16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{"
     "\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\","
     "\"type\":\"i"
     "32[]\",\"length\":5,\"default\":[0,2,1,2,3]},{\"name\":\"idx\",\"type\":\"i32[]\","
     "\"length"
     "\":3,\"default\":[0,3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":"
     "4},{\""
     "name\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":"
     "\"ragge"
     "d\",\"outer\":\"rows\",\"lengths\":\"lens\"},{\"name\":\"nz\",\"kind\":\"sparse\","
     "\"outer\""
     ":\"rows\",\"indptr\":\"ptr\",\"indices\":\"idx\"}],\"workload\":{\"body\":[{"
     "\"parallel_for"
     "\":{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\","
     "\"var\":"
     "\"t\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":"
     "\"in\",\""
     "offsets\":[\"i * "
     "16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\""
     "var\":\"j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\","
     "\"role\":\"i"
     "n\",\"offsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID, "/axes/3/indptr: ptr is not non-decreasing: ptr[2] = 1 < ptr[1] = 2"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\","
     "\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,"
     "16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{"
     "\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\","
     "\"type\":\"i"
     "32[]\",\"length\":5,\"default\":[0,1,1,2,4]},{\"name\":\"idx\",\"type\":\"i32[]\","
     "\"length"
     "\":3,\"default\":[0,3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":"
     "4},{\""
     "name\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":"
     "\"ragge"
     "d\",\"outer\":\"rows\",\"lengths\":\"lens\"},{\"name\":\"nz\",\"kind\":\"sparse\","
     "\"outer\""
     ":\"rows\",\"indptr\":\"ptr\",\"indices\":\"idx\"}],\"workload\":{\"body\":[{"
     "\"parallel_for"
     "\":{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\","
     "\"var\":"
     "\"t\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":"
     "\"in\",\""
     "offsets\":[\"i * "
     "16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\""
     "var\":\"j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\","
     "\"role\":\"i"
     "n\",\"offsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID, "/axes/3/indptr: ptr[4] = 4 is past the end of 'idx' (3 elements)"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\","
     "\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,"
     "16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{"
     "\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\","
     "\"type\":\"i"
     "32[]\",\"length\":5,\"default\":[0,1,1,2,3]},{\"name\":\"idx\",\"type\":\"i32[]\","
     "\"length"
     "\":3,\"default\":[0,-3,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":"
     "4},{\""
     "name\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":"
     "\"ragge"
     "d\",\"outer\":\"rows\",\"lengths\":\"lens\"},{\"name\":\"nz\",\"kind\":\"sparse\","
     "\"outer\""
     ":\"rows\",\"indptr\":\"ptr\",\"indices\":\"idx\"}],\"workload\":{\"body\":[{"
     "\"parallel_for"
     "\":{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\","
     "\"var\":"
     "\"t\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":"
     "\"in\",\""
     "offsets\":[\"i * "
     "16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\""
     "var\":\"j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\","
     "\"role\":\"i"
     "n\",\"offsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID, "/axes/3/indices: idx[1] = -3 is negative"},
    {"{\"wsp_runtime_abi\":\"v10.0\",\"kernels\":[{\"id\":\"k\",\"core\":\"AIV\","
     "\"source\":\"k."
     "c\",\"entry\":\"k\"}],\"tensors\":[{\"name\":\"x\",\"dtype\":\"f32\",\"shape\":[64,"
     "16],\"r"
     "ole\":\"in\"}],\"symbols\":[{\"name\":\"n\",\"type\":\"u64\",\"default\":4},{"
     "\"name\":\"le"
     "ns\",\"type\":\"i32[]\",\"length\":4,\"default\":[1,2,0,1]},{\"name\":\"ptr\","
     "\"type\":\"i"
     "32[]\",\"length\":5,\"default\":[0,1,1,2,3]},{\"name\":\"idx\",\"type\":\"i32[]\","
     "\"length"
     "\":3,\"default\":[0,4,2]}],\"axes\":[{\"name\":\"rows\",\"kind\":\"dense\",\"size\":"
     "4},{\""
     "name\":\"dyn\",\"kind\":\"dense_dyn\",\"symbol\":\"n\"},{\"name\":\"tok\",\"kind\":"
     "\"ragge"
     "d\",\"outer\":\"rows\",\"lengths\":\"lens\"},{\"name\":\"nz\",\"kind\":\"sparse\","
     "\"outer\""
     ":\"rows\",\"indptr\":\"ptr\",\"indices\":\"idx\"}],\"workload\":{\"body\":[{"
     "\"parallel_for"
     "\":{\"axis\":\"rows\",\"var\":\"i\",\"body\":[{\"parallel_for\":{\"axis\":\"tok\","
     "\"var\":"
     "\"t\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\",\"role\":"
     "\"in\",\""
     "offsets\":[\"i * "
     "16\",\"0\"],\"shape\":[16,16]}]}}]}},{\"parallel_for\":{\"axis\":\"nz\",\""
     "var\":\"j\",\"body\":[{\"task\":{\"kernel\":\"k\",\"args\":[{\"tensor\":\"x\","
     "\"role\":\"i"
     "n\",\"offsets\":[\"j * 16\",\"0\"],\"shape\":[16,16]}]}}]}}]}}]}}",
     PTO_ERR_INVALID,
     "/workload/body/0/parallel_for/body/1/parallel_for/body/0/task/args/0/offsets/0: view "
     "out of bounds at i=2, j=4: offset 'j * 16' = 64 with extent 16 does not fit dim 0 of "
     "tensor 'x' (size 64)"},
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

/* A plan using slots, predicates or a dispatch-time key needs the matrix
 * rows "runtime slots", "dispatch-time predicate", "ScalarExpr dispatch
 * key": ENFORCED on a2a3sim, refused on a2a3 naming the first node that
 * needs each (checked in the order of first use). More than 256 slots are
 * refused when loaded. */
static void test_slot_capabilities(void **state)
{
    (void)state;
    static const struct {
        const char *json, *msg;
    } cases[] = {
        {SPLAN(SSET("s", "1")),
         "/workload/body/0/slot_set: needs 'runtime slots', which is UNSUPPORTED on a2a3: the plan "
         "is refused"},
        {SPLAN(LOOP("rows", "i", XTASK(Q "predicate" Q ":" Q "i < 2" Q ","))),
         "/workload/body/0/parallel_for/body/0/task: needs 'dispatch-time predicate', which is "
         "UNSUPPORTED on a2a3: the plan is refused"},
        {SPLAN(LOOP("rows", "i",
                    "{" Q "cond" Q ":{" Q "if" Q ":" Q "slot.s == 0" Q "," Q "then" Q ":[]}}")),
         "/workload/body/0/parallel_for/body/0/cond/if: needs 'dispatch-time predicate', which is "
         "UNSUPPORTED on a2a3: the plan is refused"},
        {SPLAN(LOOP("rows", "i", XTASK(Q "key" Q ":" Q "slot.s + i" Q ","))),
         "/workload/body/0/parallel_for/body/0/task/key: needs 'ScalarExpr dispatch key', which "
         "is UNSUPPORTED on a2a3: the plan is refused"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pto_plan *p = NULL;
        pto_error err = {0};
        assert_int_equal(pto_plan_load_text(cases[i].json, strlen(cases[i].json), ".", &p, &err),
                         PTO_OK);
        assert_int_equal(pto_plan_check(p, "a2a3sim", 1, &err), PTO_OK);
        assert_int_equal(pto_plan_check(p, "a2a3sim", 0, &err), PTO_OK);
        assert_int_equal(pto_plan_check(p, "a2a3", 0, &err), PTO_ERR_INVALID);
        assert_string_equal(err.msg, cases[i].msg);
        pto_plan_free(p);
    }
    /* 257 slots */
    char *json = malloc(16384);
    assert_non_null(json);
    size_t o = (size_t)snprintf(json, 16384, "%s", HEAD Q "slots" Q ":[");
    for (int k = 0; k < 257; k++)
        o += (size_t)snprintf(json + o, 16384 - o, "%s{\"name\":\"s%d\"}", k ? "," : "", k);
    snprintf(json + o, 16384 - o, "%s", "]," WL("") "}");
    pto_plan *p = NULL;
    pto_error err = {0};
    assert_int_equal(pto_plan_load_text(json, strlen(json), ".", &p, &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg, "/slots: more than 256 slots (a run has 256)");
    free(json);
}

/* ---- The CSP payload ("csp", docs/plan.md): plans written with ' for "
 * (csp_dq), around the HEAD above. ---- */
#define CSP(x) HEAD Q "csp" Q ": {" x "}}"
#define T1 "{'task': {'kernel': 'k', 'args': [{'scalar': '1'}]}}"
#define TV(v) "{'task': {'kernel': 'k', 'args': [{'scalar': '" v "'}]}}"
#define CH(c) "{'name': '" c "'}"
#define PROC(n, body) "{'name': '" n "', 'body': [" body "]}"
#define SEND(c) "{'send': {'channel': '" c "'}}"
#define RECV(c) "{'recv': {'channel': '" c "'}}"
#define CONSUME(c) "{'consume': {'channel': '" c "', 'body': [" T1 "]}}"
#define CHANS(x) "'channels': [" x "], "
#define PROCS(x) "'processes': [" x "]"
/* p sends on c, q consumes it */
#define PQ PROC("p", T1 ", " SEND("c")) ", " PROC("q", CONSUME("c"))

/* The plan text s with ' as " (a static buffer). */
static const char *csp_dq(const char *s)
{
    static char buf[8192];
    size_t n = strlen(s);
    assert_true(n < sizeof buf);
    for (size_t i = 0; i <= n; i++)
        buf[i] = s[i] == '\'' ? '"' : s[i];
    return buf;
}

static const bad_plan csp_errors[] = {
    {PLAN(SEND("c")), PTO_ERR_INVALID,
     "/workload/body/0/send: a channel operation belongs in a process body "
     "(/csp/processes/N/body), not in the workload"},
    {CSP(CHANS(CH("c")) PROCS(PROC("p", T1 ", " SEND("d")))), PTO_ERR_INVALID,
     "/csp/processes/0/body/1/send/channel: unknown channel 'd'"},
    {CSP(CHANS(CH("c")) PROCS(PROC("p", "{'close': {'channel': 'e'}}"))), PTO_ERR_INVALID,
     "/csp/processes/0/body/0/close/channel: unknown channel 'e'"},
    {CSP(CHANS(CH("c") ", " CH("d")) PROCS(PQ)), PTO_ERR_INVALID,
     "/csp/channels/1: channel 'd' has no sender (no process body sends on it)"},
    {CSP(CHANS(CH("c")) PROCS(PROC("p", T1 ", " SEND("c")))), PTO_ERR_INVALID,
     "/csp/channels/0: channel 'c' has no receiver (no process body receives from it with recv "
     "or consume)"},
    {CSP(CHANS(CH("c")) PROCS(PQ ", " PROC("r", RECV("c")))), PTO_ERR_INVALID,
     "/csp/processes/2/body/0/recv/channel: channel 'c' already has a receiving process, 'q' "
     "(/csp/processes/1): a channel has one receiver"},
    {CSP(CHANS(CH("c")) PROCS(PROC("p", SEND("c")) ", {'name': 'q', 'replicate': {'n': 2}, "
                                                   "'body': [" RECV("c") "]}")),
     PTO_ERR_INVALID,
     "/csp/processes/1/body/0/recv/channel: process 'q' has 2 replicas: each would receive on "
     "channel 'c', but a channel has one receiving process"},
    {CSP(CHANS(CH("c")) PROCS(PQ ", " PROC("r", SEND("c")))), PTO_ERR_INVALID,
     "/csp/channels/0: channel 'c' has 2 sending processes: declare \"senders\": 2 (fan-in)"},
    {CSP(CHANS("{'name': 'c', 'senders': 3}") PROCS(PQ ", " PROC("r", SEND("c")))), PTO_ERR_INVALID,
     "/csp/channels/0/senders: 3 declared, but 2 processes send on channel 'c'"},
    {CSP(CHANS("{'name': 'c', 'senders': 1}") PROCS(PQ)), PTO_ERR_INVALID,
     "/csp/channels/0/senders: a fan-in has 2..64 senders, got 1"},
    /* cyclic channels: statically certain deadlocks */
    {CSP(CHANS(CH("c") ", " CH("d")) PROCS(PROC("p", RECV("d") ", " T1 ", " SEND("c")) ", " PROC(
         "q", RECV("c") ", " T1 ", " SEND("d")))),
     PTO_ERR_INVALID,
     "/csp/processes/0/body/0/recv: a certain CSP deadlock: 'p' first receives on 'd' from "
     "'q', 'q' first receives on 'c' from 'p'; every process of this cycle receives before it "
     "sends (let one of them send first)"},
    {CSP(CHANS(CH("c")) PROCS(PROC("p", CONSUME("c") ", " SEND("c")))), PTO_ERR_INVALID,
     "/csp/processes/0/body/0/consume: a certain CSP deadlock: 'p' first receives on 'c' from "
     "'p'; every process of this cycle receives before it sends (let one of them send first)"},
    /* fields */
    {CSP(CHANS("{'name': 'c', 'capacity': 2000}") PROCS(PQ)), PTO_ERR_INVALID,
     "/csp/channels/0/capacity: expected an integer in 0..1024, got 2000"},
    {CSP(CHANS("{'name': 'c', 'capacity': -1}") PROCS(PQ)), PTO_ERR_INVALID,
     "/csp/channels/0/capacity: expected an integer in 0..1024, got -1"},
    {CSP(CHANS(CH("c") ", " CH("c")) PROCS(PQ)), PTO_ERR_INVALID,
     "/csp/channels/1/name: channel 'c' is already defined at /csp/channels/0"},
    {CSP(CHANS(CH("c")) PROCS(PQ ", " PROC("p", T1))), PTO_ERR_INVALID,
     "/csp/processes/2/name: process 'p' is already defined at /csp/processes/0"},
    {CSP(CHANS(CH("c")) PROCS(PROC("a_process_name_of_28_bytes__", T1))), PTO_ERR_INVALID,
     "/csp/processes/0/name: longer than 27 bytes (a CSP name)"},
    {CSP("'chanels': []"), PTO_ERR_INVALID, "/csp/chanels: unknown field"},
    {CSP("'channels': [" CH("c") "]"), PTO_ERR_INVALID, "/csp: missing field 'processes'"},
    {CSP(CHANS(CH("c")) PROCS(PROC("p", "{'send': 3}"))), PTO_ERR_INVALID,
     "/csp/processes/0/body/0/send: expected an object, got a number"},
    {CSP(CHANS(CH("c")) PROCS(
         PROC("p", "{'send': {'channel': 'c', 'payload': '1'}}") ", " PROC("q", CONSUME("c")))),
     PTO_ERR_INVALID,
     "/csp/processes/0/body/0/send/payload: channel 'c' carries no payload (declare "
     "\"payload\": true)"},
    {CSP(CHANS(CH("c"))
             PROCS(PROC("p", SEND("c")) ", " PROC("q", "{'recv': {'channel': 'c', 'as': 'v'}}"))),
     PTO_ERR_INVALID,
     "/csp/processes/1/body/0/recv/as: channel 'c' carries no payload (declare \"payload\": "
     "true)"},
    /* a recv's binding: for the nodes after it in its list only */
    {CSP(CHANS("{'name': 'c', 'payload': true}") PROCS(
         PROC("p", SEND("c")) ", " PROC("q", TV("v") ", {'recv': {'channel': 'c', 'as': 'v'}}"))),
     PTO_ERR_INVALID, "/csp/processes/1/body/0/task/args/0/scalar: unknown loop variable 'v'"},
    {CSP(CHANS("{'name': 'c', 'payload': true}") PROCS(PROC("p", SEND("c")) ", " PROC(
         "q", "{'sequential': [{'recv': {'channel': 'c', 'as': 'v'}}]}, " TV("v")))),
     PTO_ERR_INVALID, "/csp/processes/1/body/1/task/args/0/scalar: unknown loop variable 'v'"},
    {CSP(CHANS(CH("c"))
             PROCS(PROC("p", SEND("c")) ", " PROC("q", "{'consume': {'channel': 'c'}}"))),
     PTO_ERR_INVALID, "/csp/processes/1/body/0/consume: missing field 'body'"},
    {CSP(PROCS("{'name': 'p', 'replicate': {'n': 0}, 'body': []}")), PTO_ERR_INVALID,
     "/csp/processes/0/replicate/n: at least 1 replica"},
    {CSP(PROCS("{'name': 'p', 'replicate': {'n': 64}, 'body': []}, " PROC("q", ""))),
     PTO_ERR_INVALID,
     "/csp/processes/1/replicate: 65 processes with the replicas so far (a run has at most 64)"},
    {CSP(PROCS("{'name': 'p', 'replicate': {'n': 2, 'var': 'sym'}, 'body': []}")), PTO_ERR_INVALID,
     "/csp/processes/0/replicate/var: 'sym' is not a valid variable name (an identifier, not a "
     "keyword)"},
    /* the latency symbol */
    {"{" ABI KERNELS TENSORS "'symbols': [{'name': '__pto_wsp_channel_latency_cycles', 'type': "
     "'u64'}], 'csp': {'latency': 3, " PROCS(PROC("p", T1)) "}}",
     PTO_ERR_INVALID,
     "/csp/latency: the plan declares symbol '__pto_wsp_channel_latency_cycles' (/symbols/0): "
     "its default is the latency"},
    {"{" ABI KERNELS TENSORS "'symbols': [{'name': '__pto_wsp_channel_latency_cycles', 'type': "
     "'f32'}], 'csp': {" PROCS(PROC("p", T1)) "}}",
     PTO_ERR_INVALID,
     "/csp: symbol '__pto_wsp_channel_latency_cycles' (/symbols/0) is f32: the channel "
     "latency is a u64 symbol"},
};

static void test_csp_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof csp_errors / sizeof csp_errors[0]; i++) {
        const bad_plan *b = &csp_errors[i];
        const char *json = csp_dq(b->json);
        pto_plan *p = (pto_plan *)1;
        pto_error err = {0};
        pto_status s = pto_plan_load_text(json, strlen(json), ".", &p, &err);
        if (s != b->status || strcmp(err.msg, b->msg)) {
            print_error("plan %zu: %s\n  got %s: %s\n  want %s: %s\n", i, json, pto_status_name(s),
                        err.msg, pto_status_name(b->status), b->msg);
            fail();
        }
        assert_null(p);
    }
}

/* Valid: a cycle where one process sends first, and one whose first
 * receive is in a loop (not certain: the loop may run no iteration) load;
 * their deadlocks, if any, are the runtime's to report. A CSP plan needs
 * the CSP rows of the capability matrix: refused on the gated a2a3. */
static void test_csp_good(void **state)
{
    (void)state;
    static const char *const good_csp[] = {
        CSP(CHANS(CH("c") ", " CH("d")) PROCS(
            PROC("p", SEND("c") ", " RECV("d")) ", " PROC("q", RECV("c") ", " T1 ", " SEND("d")))),
        CSP(CHANS(CH("c") ", " CH("d")) PROCS(
            PROC("p", "{'parallel_for': {'axis': 'rows', 'var': 'i', 'body': [" RECV(
                          "d") "]}}, " SEND("c")) ", " PROC("q", RECV("c") ", " SEND("d")))),
    };
    for (size_t i = 0; i < sizeof good_csp / sizeof good_csp[0]; i++) {
        const char *json = csp_dq(good_csp[i]);
        pto_plan *p = NULL;
        pto_error err = {0};
        pto_status s = pto_plan_load_text(json, strlen(json), ".", &p, &err);
        if (s != PTO_OK)
            print_error("plan %zu: %s\n", i, err.msg);
        assert_int_equal(s, PTO_OK);
        assert_int_equal(pto_plan_check(p, "a2a3sim", 1, &err), PTO_OK);
        assert_int_equal(pto_plan_check(p, "a2a3sim", 0, &err), PTO_OK);
        assert_int_equal(pto_plan_check(p, "a2a3", 0, &err), PTO_ERR_INVALID);
        assert_string_equal(err.msg, "/csp/processes: 'csp: process program order' is "
                                     "UNSUPPORTED on a2a3: the plan is refused");
        pto_plan_free(p);
    }
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
        cmocka_unit_test(test_good_plan),      cmocka_unit_test(test_good_ragged),
        cmocka_unit_test(test_good_elements),  cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_check_errors),   cmocka_unit_test(test_set_symbol),
        cmocka_unit_test(test_null_arguments), cmocka_unit_test(test_slot_capabilities),
        cmocka_unit_test(test_csp_errors),     cmocka_unit_test(test_csp_good),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
