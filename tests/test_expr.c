/* ScalarExpr (pto/expr.h, DESIGN §6.5): a hand case for every typing and
 * evaluation rule, the text form's errors and columns, the bounds, and a
 * differential test -- random well-typed trees built through the
 * constructors, evaluated by a recursive reference evaluator written here
 * and by the bytecode, and printed and re-parsed to the same bytecode.
 * White-box: pto_expr_verify checks every expression it sees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/expr.h"
#include "pto/expr.h"

/* ---- the environment: symbols, params, slots, axes, tags */

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * UINT64_C(0x100000001b3);
    return h;
}

static const struct {
    const char *name;
    pto_expr_type kind;
    uint64_t value;
} syms[] = {
    {"special", PTO_EXPR_U64, 7},  {"a", PTO_EXPR_U64, UINT64_MAX},
    {"b", PTO_EXPR_U64, 1u << 20}, {"neg", PTO_EXPR_I64, (uint64_t)-3},
    {"flag", PTO_EXPR_BOOL, 1},    {"arr", PTO_EXPR_ARRAY, 0},
    {"m.x", PTO_EXPR_U64, 3},      {"s5", PTO_EXPR_U64, 5},
    {"s6", PTO_EXPR_U64, 6},       {"s7", PTO_EXPR_U64, 7},
    {"s8", PTO_EXPR_U64, 8},       {"flag2", PTO_EXPR_BOOL, 2},
};
#define NSYMS (sizeof syms / sizeof syms[0])

static int resolve(void *ctx, const char *name, size_t len, uint64_t *id, pto_expr_type *kind)
{
    (void)ctx;
    for (size_t i = 0; i < NSYMS; i++)
        if (strlen(syms[i].name) == len && !memcmp(syms[i].name, name, len)) {
            *id = fnv1a(name, len);
            *kind = syms[i].kind;
            return 1;
        }
    return 0;
}

static uint64_t sym_value(void *ctx, uint64_t id)
{
    (void)ctx;
    for (size_t i = 0; i < NSYMS; i++)
        if (fnv1a(syms[i].name, strlen(syms[i].name)) == id)
            return syms[i].value;
    return 0xdead;
}

static const pto_expr_resolver R = {resolve, NULL};
static uint64_t params[4] = {7, 0, UINT64_MAX, 1u << 31};
static uint64_t slots[PTO_EXPR_SLOTS];
static uint64_t axes[2] = {3, 11};
static uint64_t tags[2] = {42, 0};
static pto_expr_env ENV = {params, 4, axes, 2, tags, 2, slots, sym_value, NULL};

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < PTO_EXPR_SLOTS; i++)
        slots[i] = (uint64_t)i * 1000 + 1;
    return 0;
}

/* ---- helpers */

static void check_roundtrip(const pto_expr *e)
{
    char text[4096];
    size_t len;
    pto_expr back, copy = *e;
    pto_error err;
    assert_int_equal(pto_expr_verify(&copy, &err), PTO_OK);
    assert_int_equal(pto_expr_print(e, text, sizeof text, &len, &err), PTO_OK);
    assert_int_equal(strlen(text), len);
    if (pto_expr_parse(&back, text, len, &R, &err))
        fail_msg("reparse of '%s': %s", text, err.msg);
    if (!pto_expr_equal(&back, e))
        fail_msg("'%s' reparsed to other bytecode", text);
}

/* Parses text (must succeed), checks its type, round trip, and value. */
static uint64_t ev_t(const char *text, pto_expr_type want)
{
    pto_expr e;
    pto_error err;
    if (pto_expr_parse(&e, text, strlen(text), &R, &err))
        fail_msg("parse '%s': %s", text, err.msg);
    assert_int_equal(pto_expr_type_of(&e), want);
    check_roundtrip(&e);
    return pto_expr_eval(&e, &ENV);
}
#define EV(text, type, want) assert_int_equal(ev_t(text, PTO_EXPR_##type), (uint64_t)(want))

/* Parsing text must fail with status s and a message containing msg. */
static void perr(const char *text, pto_status s, const char *msg)
{
    pto_expr e;
    pto_error err;
    err.msg[0] = 0;
    pto_status got = pto_expr_parse(&e, text, strlen(text), &R, &err);
    if (got != s || !strstr(err.msg, msg))
        fail_msg("parse '%s': got %s '%s', want %s containing '%s'", text, pto_status_name(got),
                 err.msg, pto_status_name(s), msg);
}

/* ---- hand cases, one per rule */

static void test_literals_and_leaves(void **state)
{
    (void)state;
    EV("42", I64, 42);
    EV("42u", U64, 42);
    EV("0xffU", U64, 255);
    EV("-9223372036854775808", I64, INT64_MIN);
    EV("9223372036854775807", I64, INT64_MAX);
    EV("18446744073709551615u", U64, UINT64_MAX);
    EV("true", BOOL, 1);
    EV("false", BOOL, 0);
    EV("param0", U64, 7);
    EV("param3", U64, 1u << 31);
    EV("param4", U64, 0); /* out of range reads 0 */
    EV("param4294967295", U64, 0);
    EV("slot0", U64, 1);
    EV("slot255", U64, 255001);
    EV("axis1", U64, 11);
    EV("axis2", U64, 0);
    EV("tag0", U64, 42);
    EV("tag9", U64, 0);
    EV("sym.special", U64, 7);
    EV("sym.neg", I64, -3);
    EV("sym.flag", BOOL, 1);
    EV("sym.m.x", U64, 3);
    EV("sym.flag2", BOOL, 1); /* a bool symbol reads as value != 0 */
    EV("!sym.flag2", BOOL, 0);
    EV("sym.flag2 == true", BOOL, 1);
    EV("  ( \tparam0 )\n", U64, 7);
    perr("9223372036854775808", PTO_ERR_INVALID, "out of range at column 1");
    perr("18446744073709551616u", PTO_ERR_INVALID, "out of range at column 1");
    perr("-5u", PTO_ERR_INVALID, "negative u64 literal at column 1");
    perr("param4294967296", PTO_ERR_INVALID, "index out of range at column 1");
}

static void test_no_promotion(void **state)
{
    (void)state;
    perr("1 + 1u", PTO_ERR_INVALID, "operator '+' on i64 and u64: no implicit promotion");
    perr("param0 == 1", PTO_ERR_INVALID, "operator '==' on u64 and i64");
    perr("true * true", PTO_ERR_INVALID, "operator '*' on bool and bool");
    perr("1 < 2u", PTO_ERR_INVALID, "operator '<' on i64 and u64");
    perr("sym.neg + param0", PTO_ERR_INVALID, "at column 9");
    /* the same through the constructors */
    pto_expr a, b, c;
    pto_error err;
    pto_expr_i64(&a, 1);
    pto_expr_u64(&b, 1);
    assert_int_equal(pto_expr_binary(&c, PTO_EXPR_SUB, &a, &b, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "operator '-' on i64 and u64"));
    assert_int_equal(pto_expr_unary(&c, PTO_EXPR_ADD, &a, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_expr_binary(&c, PTO_EXPR_NOT, &a, &a, &err), PTO_ERR_INVALID);
}

static void test_arith_wraps(void **state)
{
    (void)state;
    EV("1 + 2 * 3", I64, 7);
    EV("2 - 1 - 1", I64, 0);
    EV("9223372036854775807 + 1", I64, INT64_MIN);
    EV("0u - 1u", U64, UINT64_MAX);
    EV("4294967296u * 4294967296u", U64, 0);
    EV("-7 / 2", I64, -3); /* truncates toward zero */
    EV("-7 % 2", I64, -1); /* sign of the dividend */
    EV("7u / 2u", U64, 3);
    EV("param2 % 10u", U64, UINT64_MAX % 10);
}

static void test_div_mod_zero(void **state)
{
    (void)state;
    EV("7u / 0u", U64, 0);
    EV("7u % 0u", U64, 0);
    EV("7 / 0", I64, 0);
    EV("-7 % 0", I64, 0);
    EV("param0 / param1", U64, 0);
    EV("-9223372036854775808 / -1", I64, INT64_MIN);
    EV("-9223372036854775808 % -1", I64, 0);
    EV("sym.neg / -1", I64, 3);
}

static void test_unary(void **state)
{
    (void)state;
    EV("-(1u)", U64, UINT64_MAX); /* u64 negation wraps */
    EV("-param0", U64, (uint64_t)0 - 7);
    EV("-(-9223372036854775808)", I64, INT64_MIN);
    EV("--5", I64, 5);
    EV("- 5", I64, -5);
    EV("~0u", U64, UINT64_MAX);
    EV("~param0", U64, ~UINT64_C(7));
    EV("!true", BOOL, 0);
    EV("!!sym.flag", BOOL, 1);
    perr("~5", PTO_ERR_INVALID, "operator '~' takes u64, not i64 at column 1");
    perr("~true", PTO_ERR_INVALID, "operator '~' takes u64, not bool");
    perr("!5u", PTO_ERR_INVALID, "operator '!' takes bool, not u64");
    perr("-true", PTO_ERR_INVALID, "operator '-' takes i64 or u64, not bool");
}

static void test_bitwise_and_bools(void **state)
{
    (void)state;
    EV("12u & 10u", U64, 8);
    EV("12u | 10u", U64, 14);
    EV("12u ^ 10u", U64, 6);
    EV("1u | 2u ^ 3u & 1u", U64, 3); /* C precedence: & then ^ then | */
    EV("true & false", BOOL, 0);     /* logical on bools */
    EV("true | false", BOOL, 1);
    EV("true ^ true", BOOL, 0);
    EV("sym.flag ^ false", BOOL, 1);
    EV("true && false", BOOL, 0);
    EV("false || true", BOOL, 1);
    perr("1 & 2", PTO_ERR_INVALID, "operator '&' on i64 and i64: bitwise operators take u64");
    perr("true & 1u", PTO_ERR_INVALID, "operator '&' on bool and u64");
    perr("true && 1u", PTO_ERR_INVALID, "operator '&&' on bool and u64");
    perr("1u || 2u", PTO_ERR_INVALID, "operator '||' on u64 and u64: logical operators take bool");
}

static void test_shifts(void **state)
{
    (void)state;
    EV("1u << 64u", U64, 1); /* count masked with 63 */
    EV("1u << 65u", U64, 2);
    EV("1u << 65", U64, 2);   /* operands cast to u64: an i64 count is fine */
    EV("-1 >> 60u", U64, 15); /* logical shift of the u64 bits */
    EV("-1 << 63", U64, UINT64_C(1) << 63);
    EV("param0 >> 127u", U64, 0);
    EV("(1u << 3u) + 1u", U64, 9);
    perr("true << 1u", PTO_ERR_INVALID, "operator '<<' on bool and u64: shifts take");
    perr("1u >> false", PTO_ERR_INVALID, "operator '>>' on u64 and bool");
}

static void test_compare(void **state)
{
    (void)state;
    EV("-1 < 0", BOOL, 1);       /* signed */
    EV("u64(-1) > 0u", BOOL, 1); /* unsigned */
    EV("i64(0u - 1u) < 0", BOOL, 1);
    EV("2 <= 2", BOOL, 1);
    EV("3u >= 4u", BOOL, 0);
    EV("param0 == 7u", BOOL, 1);
    EV("param0 != 7u", BOOL, 0);
    EV("true == false", BOOL, 0); /* bools: == and != only */
    EV("true != false", BOOL, 1);
    perr("true < false", PTO_ERR_INVALID, "bools compare only with == and !=");
    perr("true >= false", PTO_ERR_INVALID, "operator '>=' on bool and bool");
    perr("1 < 2 < 3", PTO_ERR_INVALID,
         "operator '<' on bool and i64: no implicit promotion (use a cast) at column 7");
}

static void test_where(void **state)
{
    (void)state;
    EV("where(true, 1, 2)", I64, 1);
    EV("where(false, 1u, 2u)", U64, 2);
    EV("(param0 == sym.special) ? 0u : 1u", U64, 0);
    EV("param0 == 8u ? 0u : 1u", U64, 1);
    EV("true ? false ? 1 : 2 : 3", I64, 2); /* right-associative */
    EV("false ? 1 : true ? 2 : 3", I64, 2);
    EV("where(sym.flag, true, false)", BOOL, 1);
    EV("where(true, 1u, 1u / 0u)", U64, 1);
    perr("where(1, 2, 3)", PTO_ERR_INVALID, "condition is i64, not bool at column 1");
    perr("true ? 1 : 2u", PTO_ERR_INVALID, "branches are i64 and u64, not one type at column 6");
    perr("1u ? 1 : 2", PTO_ERR_INVALID, "condition is u64");
    perr("where(true, 1)", PTO_ERR_INVALID, "expected ',' at column 14");
    perr("true ? 1", PTO_ERR_INVALID, "expected ':' at column 9");
    pto_expr c, a, b;
    pto_error err;
    pto_expr_bool(&c, 1);
    pto_expr_i64(&a, 1);
    pto_expr_u64(&b, 2);
    assert_int_equal(pto_expr_where(&c, &c, &a, &b, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "branches are i64 and u64"));
}

static void test_casts(void **state)
{
    (void)state;
    EV("u64(-1)", U64, UINT64_MAX);
    EV("i64(18446744073709551615u)", I64, -1);
    EV("i64(true)", I64, 1);
    EV("u64(false)", U64, 0);
    EV("bool(5u)", BOOL, 1);
    EV("bool(0)", BOOL, 0);
    EV("bool(-1)", BOOL, 1);
    EV("bool(true)", BOOL, 1);
    EV("u64(param0)", U64, 7);
    EV("i64(param0) - 8", I64, -1);
    perr("u64(1, 2)", PTO_ERR_INVALID, "expected ')' at column 6");
    perr("u64 1", PTO_ERR_INVALID, "expected '(' at column 5");
    pto_expr a;
    pto_error err;
    pto_expr_i64(&a, 1);
    assert_int_equal(pto_expr_cast(&a, PTO_EXPR_ARRAY, &a, &err), PTO_ERR_INVALID);
}

static void test_symbols(void **state)
{
    (void)state;
    perr("sym.nope + 1u", PTO_ERR_NOT_FOUND, "unknown symbol 'nope' at column 5");
    perr("1u + sym.specia", PTO_ERR_NOT_FOUND, "unknown symbol 'specia' at column 10");
    perr("sym.arr", PTO_ERR_INVALID, "symbol 'arr' is an array, not a scalar at column 5");
    perr("sym.", PTO_ERR_INVALID, "symbol name of 0 bytes");
    pto_expr e;
    pto_error err;
    assert_int_equal(pto_expr_parse(&e, "sym.special", 11, NULL, &err), PTO_ERR_NOT_FOUND);
    assert_int_equal(pto_expr_symbol(&e, &R, "nope", &err), PTO_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "unknown symbol 'nope'"));
    assert_int_equal(pto_expr_symbol(&e, &R, "arr", &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "array"));
    assert_int_equal(pto_expr_symbol(&e, &R, "a-b", &err), PTO_ERR_INVALID);
    assert_int_equal(pto_expr_symbol(&e, &R, "special", &err), PTO_OK);
    assert_int_equal(pto_expr_eval(&e, &ENV), 7);
    /* a symbol's id is what the resolver gave (FNV-1a of the name here) */
    assert_int_equal(fnv1a("a", 1), UINT64_C(0xaf63dc4c8601ec8c));
    assert_int_equal(e.code[0].imm, fnv1a("special", 7));
    /* no symbol callback: every symbol reads 0 */
    pto_expr_env none = {0};
    assert_int_equal(pto_expr_eval(&e, &none), 0);
    /* eight distinct names fit, a ninth does not; repeats share a name */
    const char *many = "sym.a + sym.b + sym.special + sym.m.x + sym.s5 + sym.s6 + sym.s7 + "
                       "sym.s8 + sym.a";
    assert_int_equal(pto_expr_parse(&e, many, strlen(many), &R, &err), PTO_OK);
    check_roundtrip(&e);
    perr("sym.a + sym.b + sym.special + sym.m.x + sym.s5 + sym.s6 + sym.s7 + sym.s8 + "
         "u64(sym.neg)",
         PTO_ERR_CAPACITY, "more than 8 distinct symbols");
}

static void test_slots(void **state)
{
    (void)state;
    pto_expr e;
    pto_error err;
    perr("slot256", PTO_ERR_INVALID, "slot index >= 256 at column 1");
    perr("1u + slot1000", PTO_ERR_INVALID, "at column 6");
    assert_int_equal(pto_expr_leaf_of(&e, PTO_EXPR_SLOT, 256, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "slot 256 out of range"));
    assert_int_equal(pto_expr_leaf_of(&e, PTO_EXPR_SLOT, 255, &err), PTO_OK);
    assert_int_equal(pto_expr_eval(&e, &ENV), 255001);
    pto_expr_env noslots = ENV;
    noslots.slots = NULL;
    assert_int_equal(pto_expr_eval(&e, &noslots), 0);
    assert_int_equal(pto_expr_leaf_of(&e, (pto_expr_leaf)9, 0, &err), PTO_ERR_INVALID);
}

static void test_malformed_columns(void **state)
{
    (void)state;
    perr("", PTO_ERR_INVALID, "found the end at column 1");
    perr("1 +", PTO_ERR_INVALID, "found the end at column 4");
    perr("(1 + 2", PTO_ERR_INVALID, "expected ')' at column 7");
    perr("1 $ 2", PTO_ERR_INVALID, "unexpected character at column 3");
    perr("1 = 2", PTO_ERR_INVALID, "unexpected character at column 3");
    perr("5abc", PTO_ERR_INVALID, "after a number at column 2");
    perr("0x", PTO_ERR_INVALID, "expected digits at column 3");
    perr("foo + 1", PTO_ERR_INVALID, "unknown name at column 1");
    perr("param", PTO_ERR_INVALID, "unknown name at column 1");
    perr("paramx", PTO_ERR_INVALID, "unknown name at column 1");
    perr("1 2", PTO_ERR_INVALID, "unexpected character at column 3");
    perr("1.5", PTO_ERR_INVALID, "unexpected character at column 2");
    perr("()", PTO_ERR_INVALID, "expected an expression at column 2");
    perr("true ? 1 : ", PTO_ERR_INVALID, "found the end at column 12");
    pto_expr e;
    pto_error err;
    assert_int_equal(pto_expr_parse(&e, "1\0 2", 4, &R, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "column 2"));
    char deep[700];
    memset(deep, '(', 300);
    strcpy(deep + 300, "1");
    perr(deep, PTO_ERR_INVALID, "nesting deeper than 256");
    memset(deep, '-', 600);
    strcpy(deep + 600, "x");
    perr(deep, PTO_ERR_INVALID, "nesting deeper than 256");
}

static void test_bounds_and_printing(void **state)
{
    (void)state;
    pto_expr e, one;
    pto_error err;
    char text[8192];
    /* 64 + 63 = 127 instructions fit; 65 literals and 64 adds do not */
    size_t n = 0;
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s1", i ? "+" : "");
    assert_int_equal(pto_expr_parse(&e, text, n, &R, &err), PTO_ERR_CAPACITY);
    assert_non_null(strstr(err.msg, "longer than 128 instructions"));
    assert_int_equal(pto_expr_parse(&e, text, n - 2, &R, &err), PTO_OK);
    assert_int_equal(pto_expr_eval(&e, &ENV), 64);
    check_roundtrip(&e);
    /* the deepest stack: right-nested, 64 values held at once */
    n = 0;
    for (int i = 0; i < 63; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "1+(");
    n += (size_t)snprintf(text + n, sizeof text - n, "1%63s", "");
    memset(text + n - 63, ')', 63);
    assert_int_equal(pto_expr_parse(&e, text, n, &R, &err), PTO_OK);
    assert_int_equal(e.depth, 64);
    assert_int_equal(pto_expr_eval(&e, &ENV), 64);
    check_roundtrip(&e);
    /* constructors: the same bound, operands may alias the output */
    pto_expr_u64(&e, 1);
    pto_expr_u64(&one, 1);
    pto_status s = PTO_OK;
    int adds = 0;
    while (!(s = pto_expr_binary(&e, PTO_EXPR_ADD, &one, &e, &err)))
        adds++;
    assert_int_equal(s, PTO_ERR_CAPACITY);
    assert_int_equal(adds, 63);
    assert_int_equal(pto_expr_eval(&e, &ENV), 64);
    pto_expr_u64(&e, 3);
    assert_int_equal(pto_expr_binary(&e, PTO_EXPR_MUL, &e, &e, &err), PTO_OK);
    assert_int_equal(pto_expr_eval(&e, &ENV), 9);
    /* printing: exact text, a literal under a unary operator, short buffers */
    size_t len;
    pto_expr_i64(&e, 5);
    assert_int_equal(pto_expr_unary(&e, PTO_EXPR_NEG, &e, &err), PTO_OK);
    assert_int_equal(pto_expr_print(&e, text, sizeof text, &len, &err), PTO_OK);
    assert_string_equal(text, "-(5)");
    check_roundtrip(&e);
    const char *src = "(param0 == sym.special) ? 0u : 1u";
    assert_int_equal(pto_expr_parse(&e, src, strlen(src), &R, &err), PTO_OK);
    assert_int_equal(pto_expr_print(&e, text, sizeof text, &len, &err), PTO_OK);
    assert_string_equal(text, "((param0 == sym.special) ? 0u : 1u)");
    assert_int_equal(pto_expr_print(&e, text, 10, &len, &err), PTO_ERR_CAPACITY);
    assert_int_equal(len, strlen("((param0 == sym.special) ? 0u : 1u)"));
    assert_int_equal(strlen(text), 9);
    assert_int_equal(pto_expr_print(&e, text, 0, &len, &err), PTO_ERR_CAPACITY);
    src = "where(bool(slot3), i64(tag0) % -4, -(sym.neg)) >= 1 || !sym.flag";
    assert_int_equal(pto_expr_parse(&e, src, strlen(src), &R, &err), PTO_OK);
    assert_int_equal(pto_expr_print(&e, text, sizeof text, &len, &err), PTO_OK);
    assert_string_equal(text, "(((bool(slot3) ? (i64(tag0) % -4) : -sym.neg) >= 1) || !sym.flag)");
    assert_int_equal(pto_expr_eval(&e, &ENV), 1);
    check_roundtrip(&e);
    assert_string_equal(pto_expr_type_name(PTO_EXPR_ARRAY), "array");
    assert_string_equal(pto_expr_type_name((pto_expr_type)77), "?");
    /* equality is by bytecode */
    pto_expr other;
    assert_int_equal(pto_expr_parse(&other, "1 + 2", 5, &R, &err), PTO_OK);
    assert_int_equal(pto_expr_parse(&one, "2 + 1", 5, &R, &err), PTO_OK);
    assert_false(pto_expr_equal(&other, &one));
    assert_int_equal(pto_expr_parse(&one, "(1)+2", 5, &R, &err), PTO_OK);
    assert_true(pto_expr_equal(&other, &one));
    /* garbage operands are refused by the constructors */
    memset(&other, 0xa5, sizeof other);
    other.type = PTO_EXPR_U64; /* past the typing rules, into the copy */
    assert_int_equal(pto_expr_binary(&one, PTO_EXPR_ADD, &one, &other, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_expr_unary(&one, PTO_EXPR_NEG, &other, &err), PTO_ERR_INVALID);
    other.n = 1;
    other.nsym = 1;
    assert_int_equal(pto_expr_cast(&one, PTO_EXPR_U64, &other, &err), PTO_ERR_INVALID);
    /* a damaged object is refused by the printer, and evaluates to 0 */
    e.code[0].op = 200;
    assert_int_equal(pto_expr_print(&e, text, sizeof text, &len, &err), PTO_ERR_INVALID);
    e.n = 0;
    assert_int_equal(pto_expr_eval(&e, &ENV), 0);
}

/* ---- differential: random trees, reference evaluator, bytecode, text */

typedef struct node {
    int kind; /* K_* */
    int op;   /* pto_expr_op, leaf kind, or cast target */
    pto_expr_type type;
    uint64_t v;       /* literal bits, leaf index */
    const char *name; /* symbol */
    int kid[3];
} node;

enum { K_LIT, K_LEAF, K_SYM, K_UNARY, K_BINARY, K_WHERE, K_CAST };

typedef struct gen {
    node nodes[64];
    int n;
    uint64_t rng;
} gen;

static uint64_t rnd(gen *g)
{
    g->rng ^= g->rng << 13;
    g->rng ^= g->rng >> 7;
    g->rng ^= g->rng << 17;
    return g->rng;
}

static uint64_t interesting(gen *g)
{
    static const uint64_t v[] = {0,
                                 1,
                                 2,
                                 3,
                                 7,
                                 63,
                                 64,
                                 65,
                                 (uint64_t)-1,
                                 (uint64_t)-2,
                                 (uint64_t)INT64_MIN,
                                 (uint64_t)INT64_MAX,
                                 1u << 31};
    uint64_t r = rnd(g);
    return r % 3 ? v[r / 3 % (sizeof v / sizeof v[0])] : rnd(g) >> (rnd(g) % 64);
}

static pto_expr_type rnd_int(gen *g) { return rnd(g) % 2 ? PTO_EXPR_I64 : PTO_EXPR_U64; }
static pto_expr_type rnd_type(gen *g) { return (pto_expr_type)(PTO_EXPR_BOOL + rnd(g) % 3); }

static int gen_node(gen *g, pto_expr_type t, int depth);

static int add(gen *g, node nd)
{
    g->nodes[g->n] = nd;
    return g->n++;
}

static int gen_leaf(gen *g, pto_expr_type t)
{
    node nd = {.kind = K_LIT, .type = t};
    uint64_t r = rnd(g) % 8;
    if (t == PTO_EXPR_BOOL) {
        if (r == 0)
            nd.kind = K_SYM, nd.name = "flag";
        nd.v = rnd(g) % 2;
    } else if (t == PTO_EXPR_I64) {
        if (r == 0)
            nd.kind = K_SYM, nd.name = "neg";
        nd.v = interesting(g);
    } else if (r < 4) {
        nd.kind = K_LEAF;
        nd.op = (int)r;
        nd.v = r == PTO_EXPR_SLOT ? rnd(g) % PTO_EXPR_SLOTS : rnd(g) % 6;
    } else if (r == 4) {
        static const char *const names[] = {"special", "a", "b", "m.x"};
        nd.kind = K_SYM, nd.name = names[rnd(g) % 4];
    } else {
        nd.v = interesting(g);
    }
    return add(g, nd);
}

static int gen_node(gen *g, pto_expr_type t, int depth)
{
    if (depth == 0 || g->n > 40 || rnd(g) % 5 == 0)
        return gen_leaf(g, t);
    node nd = {.type = t};
    uint64_t r = rnd(g) % 10;
    pto_expr_type k0 = t, k1 = t;
    if (r == 0) {
        nd.kind = K_WHERE;
        nd.kid[0] = gen_node(g, PTO_EXPR_BOOL, depth - 1);
        nd.kid[1] = gen_node(g, t, depth - 1);
        nd.kid[2] = gen_node(g, t, depth - 1);
        return add(g, nd);
    }
    if (r == 1) {
        nd.kind = K_CAST, nd.op = t;
        nd.kid[0] = gen_node(g, rnd_type(g), depth - 1);
        return add(g, nd);
    }
    if (r == 2) {
        nd.kind = K_UNARY;
        nd.op = t == PTO_EXPR_BOOL                ? PTO_EXPR_NOT
                : t == PTO_EXPR_I64 || rnd(g) % 2 ? PTO_EXPR_NEG
                                                  : PTO_EXPR_BITNOT;
        nd.kid[0] = gen_node(g, t, depth - 1);
        return add(g, nd);
    }
    nd.kind = K_BINARY;
    if (t == PTO_EXPR_BOOL) {
        static const int ops[] = {PTO_EXPR_LT,  PTO_EXPR_LE,   PTO_EXPR_GT,  PTO_EXPR_GE,
                                  PTO_EXPR_EQ,  PTO_EXPR_NE,   PTO_EXPR_AND, PTO_EXPR_OR,
                                  PTO_EXPR_XOR, PTO_EXPR_LAND, PTO_EXPR_LOR};
        nd.op = ops[rnd(g) % 11];
        int order = nd.op >= PTO_EXPR_LT && nd.op <= PTO_EXPR_GE;
        int equality = nd.op == PTO_EXPR_EQ || nd.op == PTO_EXPR_NE;
        k0 = order ? rnd_int(g) : equality ? rnd_type(g) : t;
        k1 = k0;
    } else {
        static const int ops[] = {PTO_EXPR_ADD, PTO_EXPR_SUB, PTO_EXPR_MUL, PTO_EXPR_DIV,
                                  PTO_EXPR_MOD, PTO_EXPR_AND, PTO_EXPR_OR,  PTO_EXPR_XOR,
                                  PTO_EXPR_SHL, PTO_EXPR_SHR};
        nd.op = ops[rnd(g) % (t == PTO_EXPR_I64 ? 5 : 10)];
        if (nd.op == PTO_EXPR_SHL || nd.op == PTO_EXPR_SHR)
            k0 = rnd_int(g), k1 = rnd_int(g);
    }
    nd.kid[0] = gen_node(g, k0, depth - 1);
    nd.kid[1] = gen_node(g, k1, depth - 1);
    return add(g, nd);
}

/* The reference: DESIGN §6.5 read directly, one node at a time. */
static uint64_t ref(const gen *g, int i)
{
    const node *nd = &g->nodes[i];
    switch (nd->kind) {
    case K_LIT: return nd->v;
    case K_SYM: return sym_value(NULL, fnv1a(nd->name, strlen(nd->name)));
    case K_LEAF:
        switch (nd->op) {
        case PTO_EXPR_PARAM: return nd->v < 4 ? params[nd->v] : 0;
        case PTO_EXPR_SLOT: return slots[nd->v];
        case PTO_EXPR_AXIS: return nd->v < 2 ? axes[nd->v] : 0;
        default: return nd->v < 2 ? tags[nd->v] : 0;
        }
    case K_WHERE: return ref(g, nd->kid[0]) ? ref(g, nd->kid[1]) : ref(g, nd->kid[2]);
    case K_CAST: {
        uint64_t x = ref(g, nd->kid[0]);
        return nd->op == PTO_EXPR_BOOL ? x != 0 : x;
    }
    case K_UNARY: {
        uint64_t x = ref(g, nd->kid[0]);
        return nd->op == PTO_EXPR_NOT ? !x : nd->op == PTO_EXPR_NEG ? ~x + 1 : ~x;
    }
    default: break;
    }
    uint64_t a = ref(g, nd->kid[0]), b = ref(g, nd->kid[1]);
    int s = g->nodes[nd->kid[0]].type == PTO_EXPR_I64;
    int64_t x = (int64_t)a, y = (int64_t)b;
    switch (nd->op) {
    case PTO_EXPR_ADD: return a + b;
    case PTO_EXPR_SUB: return a - b;
    case PTO_EXPR_MUL: return a * b;
    case PTO_EXPR_DIV:
        if (b == 0)
            return 0;
        if (s)
            return x == INT64_MIN && y == -1 ? a : (uint64_t)(x / y);
        return a / b;
    case PTO_EXPR_MOD:
        if (b == 0)
            return 0;
        if (s)
            return x == INT64_MIN && y == -1 ? 0 : (uint64_t)(x % y);
        return a % b;
    case PTO_EXPR_AND: return a & b;
    case PTO_EXPR_OR: return a | b;
    case PTO_EXPR_XOR: return a ^ b;
    case PTO_EXPR_SHL: return a << (b % 64);
    case PTO_EXPR_SHR: return a >> (b % 64);
    case PTO_EXPR_LT: return s ? x < y : a < b;
    case PTO_EXPR_LE: return s ? x <= y : a <= b;
    case PTO_EXPR_GT: return s ? x > y : a > b;
    case PTO_EXPR_GE: return s ? x >= y : a >= b;
    case PTO_EXPR_EQ: return a == b;
    case PTO_EXPR_NE: return a != b;
    case PTO_EXPR_LAND: return a && b;
    default: return a || b;
    }
}

static void build(const gen *g, int i, pto_expr *out)
{
    const node *nd = &g->nodes[i];
    pto_expr k[3];
    pto_error err;
    pto_status s = PTO_OK;
    for (int c = 0; c < (nd->kind == K_WHERE    ? 3
                         : nd->kind == K_BINARY ? 2
                                                : nd->kind >= K_UNARY);
         c++)
        build(g, nd->kid[c], &k[c]);
    switch (nd->kind) {
    case K_LIT:
        if (nd->type == PTO_EXPR_BOOL)
            pto_expr_bool(out, (int)nd->v);
        else if (nd->type == PTO_EXPR_I64)
            pto_expr_i64(out, (int64_t)nd->v);
        else
            pto_expr_u64(out, nd->v);
        return;
    case K_LEAF: s = pto_expr_leaf_of(out, (pto_expr_leaf)nd->op, (uint32_t)nd->v, &err); break;
    case K_SYM: s = pto_expr_symbol(out, &R, nd->name, &err); break;
    case K_UNARY: s = pto_expr_unary(out, (pto_expr_op)nd->op, &k[0], &err); break;
    case K_BINARY: s = pto_expr_binary(out, (pto_expr_op)nd->op, &k[0], &k[1], &err); break;
    case K_WHERE: s = pto_expr_where(out, &k[0], &k[1], &k[2], &err); break;
    default: s = pto_expr_cast(out, (pto_expr_type)nd->op, &k[0], &err); break;
    }
    if (s)
        fail_msg("build node %d: %s", i, err.msg);
    assert_int_equal(pto_expr_type_of(out), nd->type);
}

static void test_differential(void **state)
{
    (void)state;
    gen g = {.rng = 0x9e3779b97f4a7c15u};
    int nonzero = 0;
    for (int it = 0; it < 100000; it++) {
        g.n = 0;
        int root = gen_node(&g, rnd_type(&g), 1 + (int)(rnd(&g) % 6));
        pto_expr e;
        build(&g, root, &e);
        uint64_t want = ref(&g, root), got = pto_expr_eval(&e, &ENV);
        if (want != got) {
            char text[4096];
            pto_expr_print(&e, text, sizeof text, NULL, NULL);
            fail_msg("iteration %d: %s: bytecode %llu, reference %llu", it, text,
                     (unsigned long long)got, (unsigned long long)want);
        }
        nonzero += want != 0;
        check_roundtrip(&e);
    }
    assert_true(nonzero > 20000); /* the cases are not all trivial */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literals_and_leaves),
        cmocka_unit_test(test_no_promotion),
        cmocka_unit_test(test_arith_wraps),
        cmocka_unit_test(test_div_mod_zero),
        cmocka_unit_test(test_unary),
        cmocka_unit_test(test_bitwise_and_bools),
        cmocka_unit_test(test_shifts),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_where),
        cmocka_unit_test(test_casts),
        cmocka_unit_test(test_symbols),
        cmocka_unit_test(test_slots),
        cmocka_unit_test(test_malformed_columns),
        cmocka_unit_test(test_bounds_and_printing),
        cmocka_unit_test(test_differential),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
