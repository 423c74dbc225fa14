/* Plan expressions: ScalarExpr text (docs/expr.md) in which loop
 * variables and slots are named. The text is rewritten into the ScalarExpr
 * grammar before pto_expr_parse: a loop variable `i` of depth N becomes
 * `i64(axisN)` (or, for the run, `i64(param<base+N>)` or its value as a
 * constant), `sym.NAME` becomes `i64(sym.NAME)` and `slot.NAME` the run
 * slot `i64(slotK)` (`slotK` for a u64 slot), so that plain integer
 * literals (i64) mix with them without casts. An element `sym.NAME[E]` of
 * an i32[] symbol becomes the leaf `i64(axis<16 + k>)` of the expression's
 * element k, whose index E is parsed as an expression of its own
 * (plan.h, plan_expr). The parser's column numbers are mapped back to the
 * text as given. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/plan/plan.h"

#define REWRITE_MAX 2048 /* bytes of rewritten text */

int plan_symbol_find(const pto_plan *plan, const char *name, size_t len)
{
    for (uint32_t i = 0; i < plan->nsymbols; i++)
        if (strlen(plan->symbols[i].name) == len && !memcmp(plan->symbols[i].name, name, len))
            return (int)i;
    return -1;
}

static int resolve(void *ctx, const char *name, size_t len, uint64_t *id, pto_expr_type *kind)
{
    const pto_plan *plan = ctx;
    int s = plan_symbol_find(plan, name, len);
    if (s < 0 || plan->symbols[s].array) /* an i32[] symbol is an axis source only */
        return 0;
    *id = plan->symbols[s].id;
    *kind = PTO_EXPR_U64;
    return 1;
}

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_alnum(char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }

/* Appends n bytes of s, each mapped to original column col. */
static int put(char *out, uint32_t *map, size_t *o, const char *s, size_t n, uint32_t col)
{
    if (*o + n >= REWRITE_MAX)
        return -1;
    memcpy(out + *o, s, n);
    for (size_t k = 0; k < n; k++)
        map[*o + k] = col;
    *o += n;
    return 0;
}

static int is_keyword(const char *w, size_t n)
{
    static const char *const kw[] = {"true", "false", "where", "u64", "i64", "bool"};
    for (size_t k = 0; k < sizeof kw / sizeof kw[0]; k++)
        if (strlen(kw[k]) == n && !memcmp(kw[k], w, n))
            return 1;
    return 0;
}

/* How loop variables are written: axis leaves (the plan), params of the
 * task from `base` on, or the constants vals[] (the run). */
typedef struct var_mode {
    uint32_t base;
    const uint64_t *vals;
    int params;
} var_mode;

static int slot_find(const pto_plan *plan, const char *name, size_t len)
{
    for (uint32_t i = 0; i < plan->nslots; i++)
        if (strlen(plan->slots[i].name) == len && !memcmp(plan->slots[i].name, name, len))
            return (int)i;
    return -1;
}

void plan_expr_free_elems(plan_expr *e)
{
    for (uint32_t k = 0; e && k < e->nelems; k++) {
        plan_expr_free_elems(e->elems[k].index);
        if (e->elems[k].index) {
            free(e->elems[k].index->text);
            free(e->elems[k].index->vars);
        }
        free(e->elems[k].index);
        e->elems[k].index = NULL;
    }
    if (e)
        e->nelems = 0;
}

/* The end of the bracketed index starting at text[i] == '[': the index of
 * its matching ']', or n when there is none. */
static size_t match_bracket(const char *text, size_t i, size_t n)
{
    int open = 0;
    for (; i < n; i++) {
        open += text[i] == '[';
        open -= text[i] == ']';
        if (!open)
            return i;
    }
    return n;
}

static pto_status parse_nested(const pto_plan *plan, const char *text, char vars[][PLAN_NAME_MAX],
                               uint32_t nvars, int want_bool, plan_expr *out, uint32_t nest,
                               pto_error *err);

/* The element sym.NAME[E] of array symbol a, whose '[' is text[k]: parses
 * E (a plan expression of its own, one nesting level down) into a new
 * entry of out->elems and appends that entry's leaf axis<PLAN_MAX_DEPTH +
 * entry> to the rewritten text (buf, map, *o). Sets *end past the ']'. */
static pto_status element(const pto_plan *plan, const char *text, size_t k, size_t n, int a,
                          char vars[][PLAN_NAME_MAX], uint32_t nvars, plan_expr *out, uint32_t nest,
                          char *buf, uint32_t *map, size_t *o, uint32_t col, size_t *end,
                          pto_error *err)
{
    size_t close = match_bracket(text, k, n);
    if (close == n)
        return pto_fail(err, PTO_ERR_INVALID,
                        "'%s': expected ']' closing the element of '%s' "
                        "opened at column %u",
                        text, plan->symbols[a].name, (unsigned)(k + 1));
    if (out->nelems == PLAN_EXPR_MAX_ELEMS)
        return pto_fail(err, PTO_ERR_CAPACITY, "'%s': more than %d array elements (column %u)",
                        text, PLAN_EXPR_MAX_ELEMS, (unsigned)col);
    if (nest + 1 >= PLAN_EXPR_MAX_NEST)
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "'%s': array elements nested more than %d deep (column %u)", text,
                        PLAN_EXPR_MAX_NEST - 1, (unsigned)col);
    plan_expr *ix = calloc(1, sizeof *ix);
    char *itext = ix ? malloc(close - k) : NULL;
    if (!itext) {
        free(ix);
        return pto_fail(err, PTO_ERR_NOMEM, "out of memory");
    }
    memcpy(itext, text + k + 1, close - k - 1);
    itext[close - k - 1] = '\0';
    ix->text = itext;
    plan_elem *el = &out->elems[out->nelems++];
    el->symbol = (uint32_t)a;
    el->index = ix;
    pto_error m = {0};
    pto_status s = parse_nested(plan, itext, vars, nvars, 0, ix, nest + 1, &m);
    if (s != PTO_OK)
        return pto_fail(err, s, "'%s': index of '%s' at column %u: %s", text, plan->symbols[a].name,
                        (unsigned)col, m.msg);
    out->reads_slots |= ix->reads_slots;
    out->reads_vars |= ix->reads_vars;
    char leaf[40];
    int ln =
        snprintf(leaf, sizeof leaf, "i64(axis%u)", (unsigned)(PLAN_MAX_DEPTH + out->nelems - 1));
    if (put(buf, map, o, leaf, (size_t)ln, col))
        return pto_fail(err, PTO_ERR_INVALID, "expression longer than %d bytes once rewritten",
                        REWRITE_MAX / 2);
    *end = close + 1;
    return PTO_OK;
}

/* Parses text into *ex (and, at load, its array elements into out): loop
 * variables as vm says (NULL: axis leaves), at element nesting level
 * `nest` (0: the expression itself; each level rewrites into its own
 * buffer). Elements only at load (vm NULL, out non-NULL): a reparsed
 * expression is evaluated at dispatch, where no element is read. */
static pto_status parse_as(const pto_plan *plan, const char *text, char vars[][PLAN_NAME_MAX],
                           uint32_t nvars, int want_bool, const var_mode *vm, pto_expr *ex,
                           int *reads_slots, int *reads_vars, plan_expr *out, uint32_t nest,
                           pto_error *err)
{
    static _Thread_local char bufs[PLAN_EXPR_MAX_NEST][REWRITE_MAX];
    static _Thread_local uint32_t maps[PLAN_EXPR_MAX_NEST][REWRITE_MAX + 1];
    char *buf = bufs[nest];
    uint32_t *map = maps[nest];
    size_t o = 0, n = strlen(text);
    for (size_t i = 0; i < n;) {
        uint32_t col = (uint32_t)i + 1;
        if (text[i] >= '0' && text[i] <= '9') { /* a number with its suffix */
            size_t j = i;
            while (j < n && is_alnum(text[j]))
                j++;
            if (put(buf, map, &o, text + i, j - i, col))
                goto too_long;
            i = j;
        } else if (is_alpha(text[i])) {
            size_t j = i;
            while (j < n && is_alnum(text[j]))
                j++;
            if (j - i == 3 && !memcmp(text + i, "sym", 3) && j < n && text[j] == '.') {
                size_t k = j + 1;
                while (k < n && (is_alnum(text[k]) || text[k] == '.'))
                    k++;
                int a = plan_symbol_find(plan, text + j + 1, k - j - 1);
                size_t b = k;
                while (b < n && (text[b] == ' ' || text[b] == '\t' || text[b] == '\n'))
                    b++;
                if (a >= 0 && plan->symbols[a].array && b < n && text[b] == '[') {
                    if (!out)
                        return pto_fail(err, PTO_ERR_INVALID,
                                        "'%s': an array element in an expression evaluated at "
                                        "dispatch (column %u)",
                                        text, (unsigned)col);
                    pto_status es = element(plan, text, b, n, a, vars, nvars, out, nest, buf, map,
                                            &o, col, &i, err);
                    if (es != PTO_OK)
                        return es;
                    continue;
                }
                if (a >= 0 && !plan->symbols[a].array && b < n && text[b] == '[')
                    return pto_fail(err, PTO_ERR_INVALID,
                                    "'%s': symbol '%s' is %s: only an i32[] symbol has elements "
                                    "(column %u)",
                                    text, plan->symbols[a].name,
                                    plan->symbols[a].f32 ? "f32" : "u64", (unsigned)(b + 1));
                if (a >= 0 && plan->symbols[a].array) /* the array itself is no value */
                    return pto_fail(err, PTO_ERR_INVALID,
                                    "'%s': symbol '%s' is i32[]: use an element, sym.%s[i], or "
                                    "the array as the source of a ragged or sparse axis "
                                    "(column %u)",
                                    text, plan->symbols[a].name, plan->symbols[a].name,
                                    (unsigned)col);
                if (put(buf, map, &o, "i64(", 4, col) || put(buf, map, &o, text + i, k - i, col) ||
                    put(buf, map, &o, ")", 1, col))
                    goto too_long;
                i = k;
                continue;
            }
            if (j - i == 4 && !memcmp(text + i, "slot", 4) && j < n && text[j] == '.') {
                size_t k = j + 1;
                while (k < n && is_alnum(text[k]))
                    k++;
                int a = slot_find(plan, text + j + 1, k - j - 1);
                if (a < 0)
                    return pto_fail(err, PTO_ERR_INVALID,
                                    "'%s': unknown slot '%.*s' (not declared in 'slots', column "
                                    "%u)",
                                    text, (int)(k - j - 1), text + j + 1, (unsigned)col);
                char leaf[32];
                int ln =
                    snprintf(leaf, sizeof leaf, plan->slots[a].u64 ? "slot%d" : "i64(slot%d)", a);
                if (put(buf, map, &o, leaf, (size_t)ln, col))
                    goto too_long;
                *reads_slots = 1;
                i = k;
                continue;
            }
            if (is_keyword(text + i, j - i)) {
                if (put(buf, map, &o, text + i, j - i, col))
                    goto too_long;
                i = j;
                continue;
            }
            int found = -1;
            for (uint32_t v = nvars; v-- > 0;) /* the innermost binding wins */
                if (strlen(vars[v]) == j - i && !memcmp(vars[v], text + i, j - i)) {
                    found = (int)v;
                    break;
                }
            if (found < 0)
                return pto_fail(err, PTO_ERR_INVALID, "unknown loop variable '%.*s'", (int)(j - i),
                                text + i);
            char leaf[48];
            int ln = !vm ? snprintf(leaf, sizeof leaf, "i64(axis%d)", found)
                     : vm->params
                         ? snprintf(leaf, sizeof leaf, "i64(param%u)", vm->base + (unsigned)found)
                         : snprintf(leaf, sizeof leaf, "i64(%" PRIu64 "u)", vm->vals[found]);
            *reads_vars = 1;
            if (put(buf, map, &o, leaf, (size_t)ln, col))
                goto too_long;
            i = j;
        } else {
            if (put(buf, map, &o, text + i, 1, col))
                goto too_long;
            i++;
        }
    }
    buf[o] = '\0';
    map[o] = (uint32_t)n + 1;
    pto_expr_resolver r = {resolve, (void *)plan};
    pto_error e = {0};
    pto_status s = pto_expr_parse(ex, buf, o, &r, &e);
    if (s != PTO_OK) {
        /* map "column N" of the rewritten text back to the original */
        char *c = strstr(e.msg, "column ");
        if (c) {
            unsigned long col = strtoul(c + 7, NULL, 10);
            if (col >= 1 && col <= o + 1) {
                char rest[PTO_ERROR_MSG_MAX];
                char *end = c + 7;
                while (*end >= '0' && *end <= '9')
                    end++;
                snprintf(rest, sizeof rest, "%s", end);
                snprintf(c, sizeof e.msg - (size_t)(c - e.msg), "column %u%s",
                         (unsigned)map[col - 1], rest);
            }
        }
        return pto_fail(err, s, "'%s': %s", text, e.msg);
    }
    pto_expr_type t = pto_expr_type_of(ex);
    if (want_bool && t != PTO_EXPR_BOOL)
        return pto_fail(err, PTO_ERR_INVALID, "'%s' has type %s, not bool (a condition)", text,
                        pto_expr_type_name(t));
    if (!want_bool && t != PTO_EXPR_I64 && t != PTO_EXPR_U64)
        return pto_fail(err, PTO_ERR_INVALID, "'%s' has type %s, not an integer (i64 or u64)", text,
                        pto_expr_type_name(t));
    return PTO_OK;
too_long:
    return pto_fail(err, PTO_ERR_INVALID, "expression longer than %d bytes once rewritten",
                    REWRITE_MAX / 2);
}

pto_status plan_expr_parse(const pto_plan *plan, const char *text, char vars[][PLAN_NAME_MAX],
                           uint32_t nvars, int want_bool, plan_expr *out, pto_error *err)
{
    return parse_nested(plan, text, vars, nvars, want_bool, out, 0, err);
}

static pto_status parse_nested(const pto_plan *plan, const char *text, char vars[][PLAN_NAME_MAX],
                               uint32_t nvars, int want_bool, plan_expr *out, uint32_t nest,
                               pto_error *err)
{
    out->reads_slots = out->reads_vars = 0;
    pto_status s = parse_as(plan, text, vars, nvars, want_bool, NULL, &out->e, &out->reads_slots,
                            &out->reads_vars, out, nest, err);
    if (s != PTO_OK || !out->reads_vars)
        return s;
    /* maybe evaluated at dispatch: keep the scope for plan_expr_reparse */
    out->vars = malloc(nvars * sizeof *out->vars);
    if (!out->vars)
        return pto_fail(err, PTO_ERR_NOMEM, "out of memory");
    memcpy(out->vars, vars, nvars * sizeof *out->vars);
    out->nvars = nvars;
    return PTO_OK;
}

pto_status plan_expr_reparse(const pto_plan *plan, const plan_expr *e, uint32_t base,
                             const uint64_t *vals, pto_expr *out, pto_error *err)
{
    if (!e->reads_vars) { /* no axis leaf: the bytecode as loaded */
        *out = e->e;
        return PTO_OK;
    }
    var_mode vm = {base, vals, vals == NULL};
    int rs = 0, rv = 0;
    return parse_as(plan, e->text, e->vars, e->nvars, pto_expr_type_of(&e->e) == PTO_EXPR_BOOL, &vm,
                    out, &rs, &rv, NULL, 0, err);
}

pto_status plan_node_predicate(const pto_plan *plan, const plan_node *N, uint32_t base,
                               const uint64_t *vals, pto_expr *out, int *any, pto_error *err)
{
    uint32_t nparts = N->nguards + (N->pred ? 1 : 0);
    *any = nparts > 0;
    pto_status s = PTO_OK;
    for (uint32_t k = 0; k < nparts && s == PTO_OK; k++) {
        const plan_expr *e = k < N->nguards ? N->guards[k] : N->pred;
        pto_expr g;
        s = plan_expr_reparse(plan, e, base, vals, &g, err);
        if (s == PTO_OK && k < N->nguards && N->guard_neg[k])
            s = pto_expr_unary(&g, PTO_EXPR_NOT, &g, err);
        if (s == PTO_OK && k == 0)
            *out = g;
        else if (s == PTO_OK)
            s = pto_expr_binary(out, PTO_EXPR_LAND, out, &g, err);
    }
    return s;
}
