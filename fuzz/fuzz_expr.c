/* libFuzzer target: the ScalarExpr text parser (src/core/expr_parse.c) on
 * arbitrary bytes. Properties, from pto/expr.h and core/expr.h:
 *   - parsing never crashes, and fails with a status and a message that
 *     names a column, or succeeds with an expression that verifies;
 *   - a parsed expression prints, and the text parses back to the same
 *     bytecode (round trip), whose printout is the same text;
 *   - evaluating it in a dummy environment (short param/axis/tag arrays, all
 *     slots, a symbol callback) does not crash and gives the same value for
 *     both copies; a bool evaluates to 0 or 1.
 * Symbols: names starting with 'a'..'e' are u64, 'i' i64, 'f' bool, 'r' an
 * array (refused); every other name is undeclared. */
#include <stdio.h>
#include <string.h>

#include "core/expr.h"
#include "fuzz_input.h"

static int resolve(void *ctx, const char *name, size_t len, uint64_t *id, pto_expr_type *kind)
{
    (void)ctx;
    char c = name[0];
    *id = len * 131 + (uint8_t)c;
    *kind = c >= 'a' && c <= 'e' ? PTO_EXPR_U64
            : c == 'i'           ? PTO_EXPR_I64
            : c == 'f'           ? PTO_EXPR_BOOL
            : c == 'r'           ? PTO_EXPR_ARRAY
                                 : PTO_EXPR_NONE;
    return *kind != PTO_EXPR_NONE;
}

static uint64_t symbol(void *ctx, uint64_t id)
{
    (void)ctx;
    return id * 0x9e3779b97f4a7c15u;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint64_t slots[PTO_EXPR_SLOTS];
    static const uint64_t params[3] = {0, 1, UINT64_MAX}, axes[1] = {5}, tags[2] = {9, 0};
    const pto_expr_resolver r = {resolve, NULL};
    const pto_expr_env env = {params, 3, axes, 1, tags, 2, slots, symbol, NULL};
    static pto_expr e, back;
    static pto_error err;
    static char text[16384], again[16384];
    size_t len, len2;

    for (int i = 0; i < PTO_EXPR_SLOTS; i++)
        slots[i] = (uint64_t)i << 56 | (uint64_t)i;
    pto_status s = pto_expr_parse(&e, (const char *)data, size, &r, &err);
    if (s) {
        FZ_CHECK(s == PTO_ERR_INVALID || s == PTO_ERR_NOT_FOUND || s == PTO_ERR_CAPACITY,
                 "status %d", (int)s);
        FZ_CHECK(strstr(err.msg, " at column ") != NULL, "no column: %s", err.msg);
        return 0;
    }
    pto_expr copy = e;
    FZ_CHECK(pto_expr_verify(&copy, &err) == PTO_OK, "%s", err.msg);
    FZ_CHECK(pto_expr_print(&e, text, sizeof text, &len, &err) == PTO_OK, "%s", err.msg);
    s = pto_expr_parse(&back, text, len, &r, &err);
    FZ_CHECK(s == PTO_OK, "reparse of '%s': %s", text, err.msg);
    FZ_CHECK(pto_expr_equal(&e, &back), "'%s' reparsed to other bytecode", text);
    FZ_CHECK(pto_expr_print(&back, again, sizeof again, &len2, &err) == PTO_OK, "%s", err.msg);
    FZ_CHECK(len == len2 && !memcmp(text, again, len), "'%s' printed again as '%s'", text, again);
    uint64_t v = pto_expr_eval(&e, &env);
    FZ_CHECK(v == pto_expr_eval(&back, &env), "'%s' evaluates two ways", text);
    FZ_CHECK(pto_expr_type_of(&e) != PTO_EXPR_BOOL || v <= 1, "'%s': bool %llu", text,
             (unsigned long long)v);
    return 0;
}
