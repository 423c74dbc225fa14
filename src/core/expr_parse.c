/* ScalarExpr text parser: recursive descent with C precedence, emitting
 * postfix code straight into the output expression (operands first, then
 * the operator), so the bytecode is the one the constructors build for the
 * same tree. Grammar: docs/expr.md. Errors name the 1-based column. */
#include <string.h>

#include "core/expr.h"
#include "util/error.h"

#define MAX_NESTING 256

/* Parser state. Invariants: pos <= len; e holds the code of everything
 * parsed so far; nest counts the open recursion levels (<= MAX_NESTING). */
typedef struct parser {
    const char *s;
    size_t len, pos;
    pto_expr *e;
    const pto_expr_resolver *r;
    pto_error *err;
    int nest;
} parser;

static pto_status fail_at(parser *p, size_t pos, pto_status st, const char *what)
{
    return pto_fail(p->err, st, "%s at column %zu", what, pos + 1);
}

/* Appends " at column N" to an error a typing rule or constructor set. */
static pto_status at_col(parser *p, size_t pos, pto_status st)
{
    if (st)
        pto_error_append(p->err, " at column %zu", pos + 1);
    return st;
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) && p->s[p->pos])
        p->pos++;
}

static int peek(parser *p) { return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1; }
static int peek2(parser *p) { return p->pos + 1 < p->len ? (unsigned char)p->s[p->pos + 1] : -1; }
static int is_digit(int c) { return c >= '0' && c <= '9'; }

static pto_status expect(parser *p, char c, const char *what)
{
    skip_ws(p);
    if (peek(p) != c)
        return fail_at(p, p->pos, PTO_ERR_INVALID, what);
    p->pos++;
    return PTO_OK;
}

static pto_status parse_ternary(parser *p, pto_expr_type *t);

/* A number: decimal or 0x hex digits, then an optional u/U (u64; else
 * i64). neg: a '-' directly before it was taken as the literal's sign. */
static pto_status parse_number(parser *p, int neg, pto_expr_type *t)
{
    size_t start = p->pos - (size_t)neg;
    unsigned base = 10;
    uint64_t v = 0;
    int digits = 0, over = 0;
    if (peek(p) == '0' && (peek2(p) == 'x' || peek2(p) == 'X'))
        base = 16, p->pos += 2;
    for (;;) {
        int c = peek(p), d;
        if (is_digit(c))
            d = c - '0';
        else if (base == 16 && ((c | 32) >= 'a' && (c | 32) <= 'f'))
            d = (c | 32) - 'a' + 10;
        else
            break;
        over |= __builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v);
        digits++;
        p->pos++;
    }
    if (!digits)
        return fail_at(p, p->pos, PTO_ERR_INVALID, "expected digits");
    *t = PTO_EXPR_I64;
    if (peek(p) == 'u' || peek(p) == 'U')
        *t = PTO_EXPR_U64, p->pos++;
    if (pto_expr_name_char((char)peek(p), 0) && peek(p) != '.')
        return fail_at(p, p->pos, PTO_ERR_INVALID, "unexpected character after a number");
    if (*t == PTO_EXPR_U64 && neg)
        return fail_at(p, start, PTO_ERR_INVALID, "negative u64 literal");
    if (over || (*t == PTO_EXPR_I64 && v > (uint64_t)INT64_MAX + (uint64_t)neg))
        return fail_at(p, start, PTO_ERR_INVALID, "integer literal out of range");
    return at_col(p, start, pto_expr_emit(p->e, XOP_LIT, *t, 0, neg ? 0 - v : v, p->err));
}

/* name[0..n) == word? */
static int is_word(const char *name, size_t n, const char *word)
{
    return strlen(word) == n && !memcmp(name, word, n);
}

/* param<N>, slot<N>, axis<N>, tag<N>: 1 when name is one of them. */
static int leaf_name(const char *name, size_t n, pto_expr_leaf *kind, uint64_t *index, int *ok)
{
    static const char *const prefix[] = {"param", "slot", "axis", "tag"};
    for (int k = 0; k < 4; k++) {
        size_t pl = strlen(prefix[k]);
        if (n <= pl || memcmp(name, prefix[k], pl))
            continue;
        *kind = (pto_expr_leaf)k;
        *index = 0;
        *ok = 1;
        for (size_t i = pl; i < n; i++) {
            if (!is_digit(name[i]))
                return 0;
            *index = *index * 10 + (uint64_t)(name[i] - '0');
            if (*index > UINT32_MAX)
                *ok = 0;
        }
        return 1;
    }
    return 0;
}

/* `(` args `)` of a cast or where(): count expressions separated by ','. */
static pto_status parse_args(parser *p, int count, pto_expr_type *t, size_t *col)
{
    pto_status s = expect(p, '(', "expected '('");
    for (int i = 0; i < count && !s; i++) {
        if (i)
            s = expect(p, ',', "expected ','");
        skip_ws(p);
        col[i] = p->pos;
        if (!s)
            s = parse_ternary(p, &t[i]);
    }
    return s ? s : expect(p, ')', "expected ')'");
}

static pto_status parse_word(parser *p, pto_expr_type *t)
{
    size_t start = p->pos, n;
    while (pto_expr_name_char((char)peek(p), p->pos == start) && peek(p) != '.')
        p->pos++;
    const char *w = p->s + start;
    n = p->pos - start;
    pto_expr_leaf kind;
    uint64_t index;
    int ok;
    pto_status s;
    if (is_word(w, n, "true") || is_word(w, n, "false")) {
        *t = PTO_EXPR_BOOL;
        return at_col(p, start, pto_expr_emit(p->e, XOP_LIT, *t, 0, w[0] == 't', p->err));
    }
    if (leaf_name(w, n, &kind, &index, &ok)) {
        static const uint8_t ops[] = {XOP_PARAM, XOP_SLOT, XOP_AXIS, XOP_TAG};
        if (!ok)
            return fail_at(p, start, PTO_ERR_INVALID, "index out of range");
        if (kind == PTO_EXPR_SLOT && index >= PTO_EXPR_SLOTS)
            return fail_at(p, start, PTO_ERR_INVALID, "slot index >= 256");
        *t = PTO_EXPR_U64;
        return at_col(p, start, pto_expr_emit(p->e, ops[kind], *t, (uint32_t)index, 0, p->err));
    }
    if (is_word(w, n, "sym") && peek(p) == '.') {
        size_t ns = ++p->pos;
        while (pto_expr_name_char((char)peek(p), p->pos == ns))
            p->pos++;
        uint64_t id = 0;
        uint32_t k = 0;
        s = at_col(p, ns, pto_expr_resolve(p->r, p->s + ns, p->pos - ns, &id, t, p->err));
        if (!s)
            s = at_col(p, ns, pto_expr_intern(p->e, p->s + ns, p->pos - ns, &k, p->err));
        return s ? s : at_col(p, start, pto_expr_emit(p->e, XOP_SYM, *t, k, id, p->err));
    }
    pto_expr_type args[3];
    size_t col[3];
    if (is_word(w, n, "where")) {
        if ((s = parse_args(p, 3, args, col)))
            return s;
        s = at_col(p, start, pto_expr_type_where(args[0], args[1], args[2], p->err));
        *t = args[1];
        return s ? s : at_col(p, start, pto_expr_emit(p->e, XOP_WHERE, *t, 0, 0, p->err));
    }
    *t = is_word(w, n, "u64")    ? PTO_EXPR_U64
         : is_word(w, n, "i64")  ? PTO_EXPR_I64
         : is_word(w, n, "bool") ? PTO_EXPR_BOOL
                                 : PTO_EXPR_NONE;
    if (*t == PTO_EXPR_NONE)
        return fail_at(p, start, PTO_ERR_INVALID, n ? "unknown name" : "expected an expression");
    uint8_t opc;
    if ((s = parse_args(p, 1, args, col)))
        return s;
    s = at_col(p, start, pto_expr_type_cast(*t, args[0], &opc, p->err));
    return s ? s : at_col(p, start, pto_expr_emit(p->e, opc, *t, 0, 0, p->err));
}

static pto_status parse_unary(parser *p, pto_expr_type *t)
{
    skip_ws(p);
    size_t at = p->pos;
    int c = peek(p);
    pto_status s;
    if (++p->nest > MAX_NESTING)
        return fail_at(p, at, PTO_ERR_INVALID, "nesting deeper than 256");
    if (c == '-' && is_digit(peek2(p))) {
        p->pos++;
        s = parse_number(p, 1, t);
    } else if (c == '!' || c == '~' || c == '-') {
        pto_expr_op op = c == '!' ? PTO_EXPR_NOT : c == '~' ? PTO_EXPR_BITNOT : PTO_EXPR_NEG;
        uint8_t opc;
        pto_expr_type a;
        p->pos++;
        s = parse_unary(p, &a);
        if (!s)
            s = at_col(p, at, pto_expr_type_unary(op, a, &opc, t, p->err));
        if (!s)
            s = at_col(p, at, pto_expr_emit(p->e, opc, *t, 0, 0, p->err));
    } else if (c == '(') {
        p->pos++;
        s = parse_ternary(p, t);
        if (!s)
            s = expect(p, ')', "expected ')'");
    } else if (is_digit(c)) {
        s = parse_number(p, 0, t);
    } else if (c >= 0 && pto_expr_name_char((char)c, 1)) {
        s = parse_word(p, t);
    } else {
        s = fail_at(p, at, PTO_ERR_INVALID,
                    c < 0 ? "expected an expression, found the end" : "expected an expression");
    }
    p->nest--;
    return s;
}

/* The binary operator at pos (longest match) and its precedence (1 = ||
 * ... 10 = * / %), or 0. */
static int binary_op(parser *p, pto_expr_op *op, size_t *n)
{
    static const struct {
        const char *text;
        pto_expr_op op;
        int prec;
    } ops[] = {
        {"||", PTO_EXPR_LOR, 1}, {"&&", PTO_EXPR_LAND, 2}, {"==", PTO_EXPR_EQ, 6},
        {"!=", PTO_EXPR_NE, 6},  {"<=", PTO_EXPR_LE, 7},   {">=", PTO_EXPR_GE, 7},
        {"<<", PTO_EXPR_SHL, 8}, {">>", PTO_EXPR_SHR, 8},  {"|", PTO_EXPR_OR, 3},
        {"^", PTO_EXPR_XOR, 4},  {"&", PTO_EXPR_AND, 5},   {"<", PTO_EXPR_LT, 7},
        {">", PTO_EXPR_GT, 7},   {"+", PTO_EXPR_ADD, 9},   {"-", PTO_EXPR_SUB, 9},
        {"*", PTO_EXPR_MUL, 10}, {"/", PTO_EXPR_DIV, 10},  {"%", PTO_EXPR_MOD, 10},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t l = strlen(ops[i].text);
        if (p->pos + l <= p->len && !memcmp(p->s + p->pos, ops[i].text, l)) {
            *op = ops[i].op;
            *n = l;
            return ops[i].prec;
        }
    }
    return 0;
}

/* Precedence climbing: operands of operators binding at least min_prec;
 * all binary operators are left-associative. */
static pto_status parse_binary(parser *p, int min_prec, pto_expr_type *t)
{
    pto_status s = parse_unary(p, t);
    for (;;) {
        pto_expr_op op;
        size_t n;
        skip_ws(p);
        size_t at = p->pos;
        int prec = s ? 0 : binary_op(p, &op, &n);
        if (prec < min_prec || !prec)
            return s;
        p->pos += n;
        pto_expr_type b;
        uint8_t opc;
        if ((s = parse_binary(p, prec + 1, &b)))
            return s;
        s = at_col(p, at, pto_expr_type_binary(op, *t, b, &opc, t, p->err));
        if (!s)
            s = at_col(p, at, pto_expr_emit(p->e, opc, *t, 0, 0, p->err));
    }
}

/* cond ? a : b, right-associative, binding loosest. */
static pto_status parse_ternary(parser *p, pto_expr_type *t)
{
    pto_expr_type a = PTO_EXPR_NONE, b = PTO_EXPR_NONE;
    size_t at;
    pto_status s;
    if (++p->nest > MAX_NESTING)
        return fail_at(p, p->pos, PTO_ERR_INVALID, "nesting deeper than 256");
    s = parse_binary(p, 1, t);
    skip_ws(p);
    at = p->pos;
    if (!s && peek(p) == '?') {
        p->pos++;
        s = parse_ternary(p, &a);
        if (!s)
            s = expect(p, ':', "expected ':'");
        if (!s)
            s = parse_ternary(p, &b);
        if (!s)
            s = at_col(p, at, pto_expr_type_where(*t, a, b, p->err));
        *t = a;
        if (!s)
            s = at_col(p, at, pto_expr_emit(p->e, XOP_WHERE, a, 0, 0, p->err));
    }
    p->nest--;
    return s;
}

pto_status pto_expr_parse(pto_expr *out, const char *text, size_t len, const pto_expr_resolver *r,
                          pto_error *err)
{
    parser p = {text, text ? len : 0, 0, out, r, err, 0};
    pto_expr_type t;
    memset(out, 0, sizeof *out);
    pto_status s = parse_ternary(&p, &t);
    if (s)
        return s;
    skip_ws(&p);
    if (p.pos < p.len)
        return fail_at(&p, p.pos, PTO_ERR_INVALID, "unexpected character");
    return pto_expr_verify(out, err);
}
