/* Symbols (pto/symbols.h, core/symbols.h): ids, declare/set/get of every
 * type, defaults, errors, capacities, and values changed between two runs
 * of one orchestration. White-box: it reaches the id-collision check
 * through the core table with a forced id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/symbols.h"
#include "pto/pto.h"

static pto_device *open_dev(void)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 1;
    cfg.schedulers = 1;
    cfg.task_window = 64;
    cfg.dep_pool = 256;
    cfg.gm_bytes = 1 << 20;
    pto_device *dev = 0;
    pto_error err = {0};
    if (pto_device_open("a2a3sim", &cfg, &dev, &err) != PTO_OK)
        fail_msg("open: %s", err.msg);
    return dev;
}

#define OK(expr)                                                                                   \
    do {                                                                                           \
        pto_error e_ = {0};                                                                        \
        pto_error *err = &e_;                                                                      \
        pto_status s_ = (expr);                                                                    \
        if (s_ != PTO_OK)                                                                          \
            fail_msg("%s: %s: %s", #expr, pto_status_name(s_), e_.msg);                            \
    } while (0)

/* expr (using `err`) fails with status st and a message containing text. */
#define FAILS(st, text, expr)                                                                      \
    do {                                                                                           \
        pto_error e_ = {0};                                                                        \
        pto_error *err = &e_;                                                                      \
        pto_status s_ = (expr);                                                                    \
        if (s_ != (st) || !strstr(e_.msg, (text)))                                                 \
            fail_msg("%s: got %s '%s', wanted %s containing '%s'", #expr, pto_status_name(s_),  \
                     e_.msg, pto_status_name(st), (text));                                         \
    } while (0)

static void test_fnv_check_values(void **state)
{
    (void)state;
    assert_true(pto_symbol_id("") == UINT64_C(0xcbf29ce484222325));
    assert_true(pto_symbol_id("a") == UINT64_C(0xaf63dc4c8601ec8c));
    assert_true(pto_symbol_id("foobar") == UINT64_C(0x85944171f73967e8));
    assert_true(pto_symbol_id(NULL) == pto_symbol_id(""));
}

static void test_declare_set_get_every_type(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    OK(pto_symbol_declare(dev, "n", PTO_SYMBOL_U64, 0, err));
    OK(pto_symbol_declare(dev, "seq.len", PTO_SYMBOL_U64, 7, err));
    OK(pto_symbol_declare(dev, "alpha", PTO_SYMBOL_F32, pto_f32_bits(1.5f), err));
    OK(pto_symbol_declare(dev, "lengths", PTO_SYMBOL_I32_ARRAY, 0, err));
    /* Defaults before any set. */
    uint64_t u = 99;
    float f = 0;
    int32_t a[8];
    uint32_t len = 99;
    OK(pto_symbol_get_u64(dev, "n", &u, err));
    assert_int_equal(u, 0);
    OK(pto_symbol_get_u64(dev, "seq.len", &u, err));
    assert_int_equal(u, 7);
    OK(pto_symbol_get_f32(dev, "alpha", &f, err));
    assert_true(f == 1.5f);
    OK(pto_symbol_get_i32_array(dev, "lengths", a, 8, &len, err));
    assert_int_equal(len, 0);
    /* Set and get by name. */
    OK(pto_symbol_set_u64(dev, "n", UINT64_MAX, err));
    OK(pto_symbol_get_u64(dev, "n", &u, err));
    assert_true(u == UINT64_MAX);
    OK(pto_symbol_set_f32(dev, "alpha", -0.25f, err));
    OK(pto_symbol_get_f32(dev, "alpha", &f, err));
    assert_true(f == -0.25f);
    const int32_t v[5] = {3, -1, INT32_MAX, INT32_MIN, 0};
    OK(pto_symbol_set_i32_array(dev, "lengths", v, 5, err));
    OK(pto_symbol_get_i32_array(dev, "lengths", NULL, 0, &len, err)); /* length only */
    assert_int_equal(len, 5);
    OK(pto_symbol_get_i32_array(dev, "lengths", a, 5, &len, err));
    assert_memory_equal(a, v, sizeof v);
    /* By id. */
    uint64_t id = 0;
    pto_symbol_type type = 0;
    OK(pto_symbol_lookup(dev, "alpha", &id, &type, err));
    assert_true(id == pto_symbol_id("alpha"));
    assert_int_equal(type, PTO_SYMBOL_F32);
    OK(pto_symbol_set_f32_by_id(dev, id, 2.0f, err));
    OK(pto_symbol_get_f32_by_id(dev, id, &f, err));
    assert_true(f == 2.0f);
    OK(pto_symbol_set_u64_by_id(dev, pto_symbol_id("seq.len"), 12, err));
    OK(pto_symbol_get_u64_by_id(dev, pto_symbol_id("seq.len"), &u, err));
    assert_int_equal(u, 12);
    OK(pto_symbol_set_i32_array_by_id(dev, pto_symbol_id("lengths"), v + 1, 2, err));
    OK(pto_symbol_get_i32_array_by_id(dev, pto_symbol_id("lengths"), a, 8, &len, err));
    assert_int_equal(len, 2);
    assert_int_equal(a[0], -1);
    assert_int_equal(a[1], INT32_MAX);
    OK(pto_symbol_set_i32_array(dev, "lengths", NULL, 0, err)); /* empty again */
    OK(pto_symbol_get_i32_array(dev, "lengths", a, 8, &len, err));
    assert_int_equal(len, 0);
    /* Declaring again the same way keeps the value; another way is refused. */
    OK(pto_symbol_declare(dev, "seq.len", PTO_SYMBOL_U64, 7, err));
    OK(pto_symbol_get_u64(dev, "seq.len", &u, err));
    assert_int_equal(u, 12);
    FAILS(PTO_ERR_INVALID, "already declared as u64",
          pto_symbol_declare(dev, "seq.len", PTO_SYMBOL_F32, 7, err));
    FAILS(PTO_ERR_INVALID, "already declared as u64",
          pto_symbol_declare(dev, "seq.len", PTO_SYMBOL_U64, 8, err));
    assert_string_equal(pto_symbol_type_name(PTO_SYMBOL_I32_ARRAY), "i32[]");
    assert_string_equal(pto_symbol_type_name((pto_symbol_type)9), "?");
    pto_device_close(dev);
}

static void test_errors(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    uint64_t u;
    float f;
    int32_t a[4];
    uint32_t len;
    OK(pto_symbol_declare(dev, "u", PTO_SYMBOL_U64, 0, err));
    OK(pto_symbol_declare(dev, "f", PTO_SYMBOL_F32, 0, err));
    OK(pto_symbol_declare(dev, "arr", PTO_SYMBOL_I32_ARRAY, 0, err));
    /* Undeclared names and ids. */
    FAILS(PTO_ERR_NOT_FOUND, "symbol 'typo' is not declared",
          pto_symbol_get_u64(dev, "typo", &u, err));
    FAILS(PTO_ERR_NOT_FOUND, "symbol 'typo' is not declared",
          pto_symbol_set_f32(dev, "typo", 1.0f, err));
    FAILS(PTO_ERR_NOT_FOUND, "no symbol with id 0x",
          pto_symbol_get_u64_by_id(dev, pto_symbol_id("typo"), &u, err));
    FAILS(PTO_ERR_NOT_FOUND, "symbol 'typo'", pto_symbol_lookup(dev, "typo", NULL, NULL, err));
    /* Type mismatches, both ways, no conversion. */
    FAILS(PTO_ERR_INVALID, "symbol 'f' is f32, not u64", pto_symbol_set_u64(dev, "f", 1, err));
    FAILS(PTO_ERR_INVALID, "symbol 'u' is u64, not f32", pto_symbol_set_f32(dev, "u", 1, err));
    FAILS(PTO_ERR_INVALID, "symbol 'u' is u64, not f32", pto_symbol_get_f32(dev, "u", &f, err));
    FAILS(PTO_ERR_INVALID, "symbol 'arr' is i32[], not u64",
          pto_symbol_get_u64(dev, "arr", &u, err));
    FAILS(PTO_ERR_INVALID, "symbol 'arr' is i32[], not f32",
          pto_symbol_set_f32_by_id(dev, pto_symbol_id("arr"), 1, err));
    FAILS(PTO_ERR_INVALID, "symbol 'u' is u64, not i32[]",
          pto_symbol_set_i32_array(dev, "u", a, 1, err));
    FAILS(PTO_ERR_INVALID, "symbol 'f' is f32, not i32[]",
          pto_symbol_get_i32_array(dev, "f", a, 4, &len, err));
    /* Bad arguments name the parameter. */
    FAILS(PTO_ERR_INVALID, "symbol name is NULL", pto_symbol_get_u64(dev, NULL, &u, err));
    FAILS(PTO_ERR_INVALID, "symbol name is empty",
          pto_symbol_declare(dev, "", PTO_SYMBOL_U64, 0, err));
    FAILS(PTO_ERR_INVALID, "character 1 is not allowed",
          pto_symbol_declare(dev, "1x", PTO_SYMBOL_U64, 0, err));
    FAILS(PTO_ERR_INVALID, "character 2 is not allowed",
          pto_symbol_declare(dev, "a=b", PTO_SYMBOL_U64, 0, err));
    char longname[80];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    FAILS(PTO_ERR_INVALID, "longer than 63 bytes",
          pto_symbol_declare(dev, longname, PTO_SYMBOL_U64, 0, err));
    longname[63] = '\0'; /* 63 bytes: the longest */
    OK(pto_symbol_declare(dev, longname, PTO_SYMBOL_U64, 0, err));
    OK(pto_symbol_check_name("a.b_9", err));
    FAILS(PTO_ERR_INVALID, "character 1 is not allowed", pto_symbol_check_name(".a", err));
    FAILS(PTO_ERR_INVALID, "symbol name is NULL", pto_symbol_check_name(NULL, err));
    FAILS(PTO_ERR_INVALID, "type 0 is not", pto_symbol_declare(dev, "t", 0, 0, err));
    FAILS(PTO_ERR_INVALID, "an array's default is the empty array",
          pto_symbol_declare(dev, "t", PTO_SYMBOL_I32_ARRAY, 1, err));
    FAILS(PTO_ERR_INVALID, "wider than an f32",
          pto_symbol_declare(dev, "t", PTO_SYMBOL_F32, UINT64_C(1) << 32, err));
    FAILS(PTO_ERR_INVALID, "device is NULL", pto_symbol_set_u64(NULL, "u", 1, err));
    FAILS(PTO_ERR_INVALID, "out is NULL", pto_symbol_get_u64(dev, "u", NULL, err));
    FAILS(PTO_ERR_INVALID, "out is NULL", pto_symbol_get_f32(dev, "f", NULL, err));
    FAILS(PTO_ERR_INVALID, "len is NULL", pto_symbol_get_i32_array(dev, "arr", a, 4, NULL, err));
    FAILS(PTO_ERR_INVALID, "out is NULL but cap is 4",
          pto_symbol_get_i32_array(dev, "arr", NULL, 4, &len, err));
    FAILS(PTO_ERR_INVALID, "values is NULL but n is 2",
          pto_symbol_set_i32_array(dev, "arr", NULL, 2, err));
    pto_device_close(dev);
}

static void test_array_capacity(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    static int32_t big[PTO_SYMBOL_ARRAY_ELEMS + 1];
    for (uint32_t i = 0; i < PTO_SYMBOL_ARRAY_ELEMS + 1; i++)
        big[i] = (int32_t)i;
    OK(pto_symbol_declare(dev, "a", PTO_SYMBOL_I32_ARRAY, 0, err));
    OK(pto_symbol_declare(dev, "b", PTO_SYMBOL_I32_ARRAY, 0, err));
    OK(pto_symbol_declare(dev, "c", PTO_SYMBOL_I32_ARRAY, 0, err));
    const int32_t a3[3] = {1, 2, 3}, c2[2] = {-5, -6};
    OK(pto_symbol_set_i32_array(dev, "a", a3, 3, err));
    OK(pto_symbol_set_i32_array(dev, "b", big, 10, err));
    OK(pto_symbol_set_i32_array(dev, "c", c2, 2, err));
    /* Copy-out capacity: refused, the length reported, nothing written. */
    int32_t out[16] = {42};
    uint32_t len = 0;
    FAILS(PTO_ERR_CAPACITY, "symbol 'b' has 10 elements; cap is 4",
          pto_symbol_get_i32_array(dev, "b", out, 4, &len, err));
    assert_int_equal(len, 10);
    assert_int_equal(out[0], 42);
    /* Growing and shrinking b keeps a and c intact. */
    OK(pto_symbol_set_i32_array(dev, "b", big + 100, 16, err));
    OK(pto_symbol_get_i32_array(dev, "a", out, 16, &len, err));
    assert_int_equal(len, 3);
    assert_memory_equal(out, a3, sizeof a3);
    OK(pto_symbol_get_i32_array(dev, "c", out, 16, &len, err));
    assert_int_equal(len, 2);
    assert_memory_equal(out, c2, sizeof c2);
    OK(pto_symbol_get_i32_array(dev, "b", out, 16, &len, err));
    assert_int_equal(len, 16);
    assert_memory_equal(out, big + 100, 16 * sizeof *out);
    OK(pto_symbol_set_i32_array(dev, "a", a3 + 1, 1, err));
    OK(pto_symbol_get_i32_array(dev, "c", out, 16, &len, err));
    assert_memory_equal(out, c2, sizeof c2);
    OK(pto_symbol_get_i32_array(dev, "b", out, 16, &len, err));
    assert_memory_equal(out, big + 100, 16 * sizeof *out);
    /* The device's store: all arrays together hold PTO_SYMBOL_ARRAY_ELEMS. */
    FAILS(PTO_ERR_CAPACITY, "PTO_SYMBOL_ARRAY_ELEMS",
          pto_symbol_set_i32_array(dev, "b", big, PTO_SYMBOL_ARRAY_ELEMS, err));
    OK(pto_symbol_get_i32_array(dev, "b", out, 16, &len, err)); /* unchanged */
    assert_int_equal(len, 16);
    OK(pto_symbol_set_i32_array(dev, "b", big, PTO_SYMBOL_ARRAY_ELEMS - 3, err));
    OK(pto_symbol_get_i32_array(dev, "b", NULL, 0, &len, err));
    assert_int_equal(len, PTO_SYMBOL_ARRAY_ELEMS - 3);
    OK(pto_symbol_set_i32_array(dev, "a", NULL, 0, err));
    OK(pto_symbol_set_i32_array(dev, "b", big, PTO_SYMBOL_ARRAY_ELEMS - 2, err));
    static int32_t back[PTO_SYMBOL_ARRAY_ELEMS];
    OK(pto_symbol_get_i32_array(dev, "b", back, PTO_SYMBOL_ARRAY_ELEMS, &len, err));
    assert_memory_equal(back, big, (size_t)len * sizeof *back);
    OK(pto_symbol_get_i32_array(dev, "c", out, 16, &len, err));
    assert_memory_equal(out, c2, sizeof c2);
    pto_device_close(dev);
}

static void test_table_full(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    char name[16];
    for (int i = 0; i < PTO_MAX_SYMBOLS; i++) {
        snprintf(name, sizeof name, "s%d", i);
        OK(pto_symbol_declare(dev, name, PTO_SYMBOL_U64, (uint64_t)i, err));
    }
    FAILS(PTO_ERR_CAPACITY, "256 symbols",
          pto_symbol_declare(dev, "one_more", PTO_SYMBOL_U64, 0, err));
    uint64_t u = 0;
    OK(pto_symbol_get_u64(dev, "s255", &u, err));
    assert_int_equal(u, 255);
    pto_device_close(dev);
}

/* Two names with one id cannot both be declared. No FNV-1a 64 collision
 * of short names is at hand, so the core table is given a forced id. */
static void test_id_collision(void **state)
{
    (void)state;
    pto_symtab t;
    OK(pto_symtab_init(&t, err));
    uint32_t i = 9;
    OK(pto_symtab_declare(&t, "first", pto_symtab_hash("first"), PTO_SYMBOL_U64, 0, &i, err));
    assert_int_equal(i, 0);
    FAILS(PTO_ERR_INVALID, "is that of the declared symbol 'first'",
          pto_symtab_declare(&t, "second", pto_symtab_hash("first"), PTO_SYMBOL_F32, 0, NULL,
                             err));
    assert_int_equal(t.n, 1);
    assert_int_equal(pto_symtab_find(&t, "second"), -1);
    /* The evaluator's view: resolve, type, bits, array elements. */
    OK(pto_symtab_declare(&t, "xs", pto_symtab_hash("xs"), PTO_SYMBOL_I32_ARRAY, 0, &i, err));
    const int32_t xs[2] = {4, 5};
    OK(pto_symtab_set_array(&t, i, xs, 2, "test", err));
    uint32_t r = 99;
    OK(pto_symtab_resolve(&t, "xs", &r, err));
    assert_int_equal(r, i);
    assert_int_equal(pto_symtab_find_id(&t, pto_symbol_id("xs")), (int)i);
    assert_int_equal(pto_symtab_type(&t, r), PTO_SYMBOL_I32_ARRAY);
    assert_int_equal(pto_symtab_len(&t, r), 2);
    assert_int_equal(pto_symtab_elem(&t, r, 1), 5);
    assert_int_equal(pto_symtab_elem(&t, r, 2), 0); /* past the end */
    assert_int_equal(pto_symtab_elems(&t, r)[0], 4);
    pto_symtab_set_bits(&t, 0, 77);
    assert_int_equal(pto_symtab_bits(&t, 0), 77);
    FAILS(PTO_ERR_NOT_FOUND, "symbol 'nope' is not declared", pto_symtab_resolve(&t, "nope", &r,
                                                                                 err));
    pto_symtab_destroy(&t);
}

/* ---- one orchestration, two runs, two results */

/* args[0] = u64 cell, args[1] = u64 scale, args[2] = f32 bias bits,
 * args[3] = array length: *cell = scale * 1000 + bias * 10 + length. */
static void k_combine(const uint64_t *args)
{
    uint64_t *cell = pto_bits_ptr(args[0]);
    uint32_t b = (uint32_t)args[2];
    float bias;
    memcpy(&bias, &b, sizeof bias);
    *cell = args[1] * 1000 + (uint64_t)(bias * 10.0f) + args[3];
}

struct sym_ctx {
    uint64_t *cell; /* device */
    uint64_t host;
    pto_status set_during_run; /* what a set from the orchestration got */
    char set_msg[256];
};

static pto_status orch_symbols(pto_run *run, void *p, pto_error *err)
{
    struct sym_ctx *c = p;
    pto_device *dev = pto_run_device(run);
    uint64_t scale;
    float bias;
    uint32_t len;
    pto_status st;
    if ((st = pto_symbol_get_u64(dev, "scale", &scale, err)) ||
        (st = pto_symbol_get_f32_by_id(dev, pto_symbol_id("bias"), &bias, err)) ||
        (st = pto_symbol_get_i32_array(dev, "rows", NULL, 0, &len, err)))
        return st;
    pto_error e2 = {0};
    c->set_during_run = pto_symbol_set_u64(dev, "scale", 1, &e2);
    snprintf(c->set_msg, sizeof c->set_msg, "%.200s", e2.msg);
    uint64_t args[4] = {pto_ptr_bits(c->cell), scale, pto_f32_bits(bias), len};
    pto_task_id t;
    if ((st = pto_add_task(run, 1, PTO_CORE_AIV, args, 4, &t, err)))
        return st;
    return pto_copy_back(run, &c->host, c->cell, sizeof c->host, err);
}

static void two_runs(pto_run_mode mode)
{
    pto_device *dev = open_dev();
    OK(pto_kernel_register(dev, 1, PTO_CORE_AIV, k_combine, "combine", err));
    OK(pto_symbol_declare(dev, "scale", PTO_SYMBOL_U64, 2, err));
    OK(pto_symbol_declare(dev, "bias", PTO_SYMBOL_F32, pto_f32_bits(0.5f), err));
    OK(pto_symbol_declare(dev, "rows", PTO_SYMBOL_I32_ARRAY, 0, err));
    void *cell = NULL;
    OK(pto_malloc(dev, sizeof(uint64_t), &cell, err));
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = mode;
    struct sym_ctx c = {cell, 0, PTO_OK, ""};
    /* Run 1: the defaults. */
    OK(pto_launch(dev, &rc, orch_symbols, &c, NULL, err));
    assert_int_equal(c.host, 2 * 1000 + 5 + 0);
    assert_int_equal(c.set_during_run, PTO_ERR_STATE);
    assert_non_null(strstr(c.set_msg, "a launch is in progress"));
    /* Run 2: new values, the same orchestration function, nothing rebuilt. */
    const int32_t rows[3] = {1, 2, 3};
    OK(pto_symbol_set_u64(dev, "scale", 7, err));
    OK(pto_symbol_set_f32(dev, "bias", 2.5f, err));
    OK(pto_symbol_set_i32_array(dev, "rows", rows, 3, err));
    OK(pto_launch(dev, &rc, orch_symbols, &c, NULL, err));
    assert_int_equal(c.host, 7 * 1000 + 25 + 3);
    /* The values stay after the run. */
    uint64_t u = 0;
    OK(pto_symbol_get_u64(dev, "scale", &u, err));
    assert_int_equal(u, 7);
    pto_free(dev, cell, NULL);
    pto_device_close(dev);
}

static void test_two_runs_host_built(void **state)
{
    (void)state;
    two_runs(PTO_MODE_HOST_BUILT);
}

static void test_two_runs_streamed(void **state)
{
    (void)state;
    two_runs(PTO_MODE_STREAMED);
}

/* ScalarExpr over the device's symbols: a parsed expression reads the
 * value at each evaluation (set between two evaluations: no re-parse);
 * undeclared names and arrays are refused when it is parsed. */
static void test_expressions(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    pto_error err;
    assert_int_equal(pto_symbol_declare(dev, "scale", PTO_SYMBOL_U64, 3, &err), PTO_OK);
    assert_int_equal(pto_symbol_declare(dev, "alpha", PTO_SYMBOL_F32, 0, &err), PTO_OK);
    assert_int_equal(pto_symbol_declare(dev, "rows", PTO_SYMBOL_I32_ARRAY, 0, &err), PTO_OK);
    pto_expr_resolver r;
    pto_symbols_resolver(dev, &r);
    pto_expr e;
    const char *text = "sym.scale * 2u + param0";
    assert_int_equal(pto_expr_parse(&e, text, strlen(text), &r, &err), PTO_OK);
    uint64_t params[1] = {1};
    pto_expr_env env = {params, 1, NULL, 0, NULL, 0, NULL, NULL, NULL};
    pto_symbols_env(dev, &env);
    assert_int_equal(pto_expr_eval(&e, &env), 7); /* the default 3 */
    assert_int_equal(pto_symbol_set_u64(dev, "scale", 10, &err), PTO_OK);
    assert_int_equal(pto_expr_eval(&e, &env), 21); /* same expression, new value */
    /* an f32 symbol is its bits, as u64 */
    assert_int_equal(pto_symbol_set_f32(dev, "alpha", 1.5f, &err), PTO_OK);
    text = "sym.alpha";
    assert_int_equal(pto_expr_parse(&e, text, strlen(text), &r, &err), PTO_OK);
    assert_int_equal(pto_expr_eval(&e, &env), 0x3fc00000u);
    /* a typo is an error when parsed, not 0 at run time; an array is no scalar */
    text = "sym.scael + 1u";
    assert_int_equal(pto_expr_parse(&e, text, strlen(text), &r, &err), PTO_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "scael"));
    text = "sym.rows + 1u";
    assert_int_not_equal(pto_expr_parse(&e, text, strlen(text), &r, &err), PTO_OK);
    assert_non_null(strstr(err.msg, "rows"));
    /* no device: nothing resolves */
    pto_symbols_resolver(NULL, &r);
    text = "sym.scale";
    assert_int_equal(pto_expr_parse(&e, text, strlen(text), &r, &err), PTO_ERR_NOT_FOUND);
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fnv_check_values),
        cmocka_unit_test(test_declare_set_get_every_type),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_array_capacity),
        cmocka_unit_test(test_table_full),
        cmocka_unit_test(test_id_collision),
        cmocka_unit_test(test_two_runs_host_built),
        cmocka_unit_test(test_two_runs_streamed),
        cmocka_unit_test(test_expressions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
