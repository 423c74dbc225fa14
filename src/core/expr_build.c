/* ScalarExpr constructors: leaves, and operators composing verified
 * sub-expressions by concatenating their postfix code (a, then b, then the
 * operator). Bounded: an expression never exceeds PTO_EXPR_MAX_INSNS
 * instructions or PTO_EXPR_MAX_SYMS names; nothing is allocated. */
#include <string.h>

#include "core/expr.h"

pto_status pto_expr_emit(pto_expr *e, uint8_t opcode, pto_expr_type type, uint32_t arg,
                         uint64_t imm, pto_error *err)
{
    if (e->n >= PTO_EXPR_MAX_INSNS)
        return pto_fail(err, PTO_ERR_CAPACITY, "expression longer than %d instructions",
                        PTO_EXPR_MAX_INSNS);
    pto_expr_insn *i = &e->code[e->n++];
    i->op = opcode;
    i->type = (uint8_t)type;
    i->aux = 0;
    i->arg = arg;
    i->imm = imm;
    return PTO_OK;
}

pto_status pto_expr_intern(pto_expr *e, const char *name, size_t len, uint32_t *index,
                           pto_error *err)
{
    for (uint32_t k = 0; k < e->nsym; k++)
        if (strlen(e->sym[k]) == len && !memcmp(e->sym[k], name, len))
            return *index = k, PTO_OK;
    if (e->nsym >= PTO_EXPR_MAX_SYMS)
        return pto_fail(err, PTO_ERR_CAPACITY, "more than %d distinct symbols in one expression",
                        PTO_EXPR_MAX_SYMS);
    memcpy(e->sym[e->nsym], name, len);
    *index = e->nsym++;
    return PTO_OK;
}

pto_status pto_expr_resolve(const pto_expr_resolver *r, const char *name, size_t len, uint64_t *id,
                            pto_expr_type *type, pto_error *err)
{
    int shown = len > PTO_EXPR_NAME_MAX ? PTO_EXPR_NAME_MAX : (int)len;
    if (len == 0 || len > PTO_EXPR_NAME_MAX)
        return pto_fail(err, PTO_ERR_INVALID, "symbol name of %zu bytes (1..%d allowed)", len,
                        PTO_EXPR_NAME_MAX);
    for (size_t i = 0; i < len; i++)
        if (!pto_expr_name_char(name[i], i == 0))
            return pto_fail(err, PTO_ERR_INVALID,
                            "symbol name '%.*s': byte %zu is not a letter, digit, '_' or '.'",
                            shown, name, i);
    *type = PTO_EXPR_NONE;
    if (!r || !r->resolve || !r->resolve(r->ctx, name, len, id, type))
        return pto_fail(err, PTO_ERR_NOT_FOUND, "unknown symbol '%.*s'", shown, name);
    if (*type == PTO_EXPR_ARRAY)
        return pto_fail(err, PTO_ERR_INVALID, "symbol '%.*s' is an array, not a scalar", shown,
                        name);
    if (*type != PTO_EXPR_BOOL && *type != PTO_EXPR_I64 && *type != PTO_EXPR_U64)
        return pto_fail(err, PTO_ERR_INVALID, "symbol '%.*s': resolver gave kind %d", shown, name,
                        (int)*type);
    return PTO_OK;
}

static void leaf(pto_expr *out, uint8_t opcode, pto_expr_type t, uint32_t arg, uint64_t imm)
{
    memset(out, 0, sizeof *out);
    pto_expr_emit(out, opcode, t, arg, imm, NULL);
    out->type = (uint8_t)t;
    out->depth = 1;
}

void pto_expr_bool(pto_expr *out, int v) { leaf(out, XOP_LIT, PTO_EXPR_BOOL, 0, v != 0); }
void pto_expr_i64(pto_expr *out, int64_t v) { leaf(out, XOP_LIT, PTO_EXPR_I64, 0, (uint64_t)v); }
void pto_expr_u64(pto_expr *out, uint64_t v) { leaf(out, XOP_LIT, PTO_EXPR_U64, 0, v); }

pto_status pto_expr_leaf_of(pto_expr *out, pto_expr_leaf kind, uint32_t index, pto_error *err)
{
    static const uint8_t ops[] = {XOP_PARAM, XOP_SLOT, XOP_AXIS, XOP_TAG};
    if ((unsigned)kind > PTO_EXPR_TAG)
        return pto_fail(err, PTO_ERR_INVALID, "unknown leaf kind %d", (int)kind);
    if (kind == PTO_EXPR_SLOT && index >= PTO_EXPR_SLOTS)
        return pto_fail(err, PTO_ERR_INVALID, "slot %u out of range (0..%d)", index,
                        PTO_EXPR_SLOTS - 1);
    leaf(out, ops[kind], PTO_EXPR_U64, index, 0);
    return PTO_OK;
}

pto_status pto_expr_symbol(pto_expr *out, const pto_expr_resolver *r, const char *name,
                           pto_error *err)
{
    uint64_t id = 0;
    pto_expr_type t;
    size_t len = name ? strlen(name) : 0;
    pto_status s = pto_expr_resolve(r, name, len, &id, &t, err);
    if (s)
        return s;
    uint32_t k;
    leaf(out, XOP_SYM, t, 0, id);
    pto_expr_intern(out, name, len, &k, NULL); /* first name: index 0 */
    return PTO_OK;
}

/* dst = dst ++ src, renumbering src's symbol names into dst's. */
static pto_status append(pto_expr *dst, const pto_expr *src, pto_error *err)
{
    if (src->n < 1 || src->n > PTO_EXPR_MAX_INSNS || src->nsym > PTO_EXPR_MAX_SYMS)
        return pto_fail(err, PTO_ERR_INVALID, "operand is not a built expression");
    if (dst->n + src->n > PTO_EXPR_MAX_INSNS)
        return pto_fail(err, PTO_ERR_CAPACITY, "expression longer than %d instructions",
                        PTO_EXPR_MAX_INSNS);
    for (uint32_t i = 0; i < src->n; i++) {
        pto_expr_insn in = src->code[i];
        if (in.op == XOP_SYM) {
            if (in.arg >= src->nsym)
                return pto_fail(err, PTO_ERR_INVALID, "operand is not a built expression");
            const char *name = src->sym[in.arg];
            pto_status s =
                pto_expr_intern(dst, name, strnlen(name, PTO_EXPR_NAME_MAX + 1), &in.arg, err);
            if (s)
                return s;
        }
        dst->code[dst->n++] = in;
    }
    return PTO_OK;
}

/* *out = a ++ b ++ c ++ (opcode, type); any of them may alias out. An
 * operand that is not a built expression (garbage) is refused, here or by
 * the verifier, without reading outside it. */
static pto_status compose(pto_expr *out, const pto_expr *a, const pto_expr *b, const pto_expr *c,
                          uint8_t opcode, pto_expr_type t, pto_error *err)
{
    pto_expr acc = *a;
    pto_status s = PTO_OK;
    if (acc.n < 1 || acc.n > PTO_EXPR_MAX_INSNS || acc.nsym > PTO_EXPR_MAX_SYMS)
        return pto_fail(err, PTO_ERR_INVALID, "operand is not a built expression");
    if (b)
        s = append(&acc, b, err);
    if (!s && c)
        s = append(&acc, c, err);
    if (!s)
        s = pto_expr_emit(&acc, opcode, t, 0, 0, err);
    if (!s)
        s = pto_expr_verify(&acc, err);
    if (!s)
        *out = acc;
    return s;
}

pto_status pto_expr_unary(pto_expr *out, pto_expr_op op, const pto_expr *a, pto_error *err)
{
    uint8_t opc;
    pto_expr_type t;
    pto_status s = pto_expr_type_unary(op, (pto_expr_type)a->type, &opc, &t, err);
    return s ? s : compose(out, a, NULL, NULL, opc, t, err);
}

pto_status pto_expr_binary(pto_expr *out, pto_expr_op op, const pto_expr *a, const pto_expr *b,
                           pto_error *err)
{
    uint8_t opc;
    pto_expr_type t;
    pto_status s =
        pto_expr_type_binary(op, (pto_expr_type)a->type, (pto_expr_type)b->type, &opc, &t, err);
    return s ? s : compose(out, a, b, NULL, opc, t, err);
}

pto_status pto_expr_where(pto_expr *out, const pto_expr *cond, const pto_expr *a, const pto_expr *b,
                          pto_error *err)
{
    pto_status s = pto_expr_type_where((pto_expr_type)cond->type, (pto_expr_type)a->type,
                                       (pto_expr_type)b->type, err);
    return s ? s : compose(out, cond, a, b, XOP_WHERE, (pto_expr_type)a->type, err);
}

pto_status pto_expr_cast(pto_expr *out, pto_expr_type to, const pto_expr *a, pto_error *err)
{
    uint8_t opc;
    pto_status s = pto_expr_type_cast(to, (pto_expr_type)a->type, &opc, err);
    return s ? s : compose(out, a, NULL, NULL, opc, to, err);
}

pto_expr_type pto_expr_type_of(const pto_expr *e) { return (pto_expr_type)e->type; }

int pto_expr_equal(const pto_expr *a, const pto_expr *b)
{
    return a->n == b->n && a->type == b->type && a->nsym == b->nsym &&
           !memcmp(a->code, b->code, a->n * sizeof a->code[0]) &&
           !memcmp(a->sym, b->sym, sizeof a->sym);
}
