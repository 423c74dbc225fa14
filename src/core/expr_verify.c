/* ScalarExpr verification: replays an expression's postfix code over a
 * stack of types and checks every invariant stated in core/expr.h, so
 * evaluation can trust the code (no type tests, no stack checks). */
#include <string.h>

#include "core/expr.h"

static pto_status bad(pto_error *err, uint32_t i, const char *what)
{
    return pto_fail(err, PTO_ERR_INVALID, "expression bytecode: instruction %u: %s", i, what);
}

static pto_status check_leaf(const pto_expr *e, const pto_expr_insn *in, uint32_t i,
                             uint32_t *next_sym, pto_error *err)
{
    pto_expr_type t = (pto_expr_type)in->type;
    if (in->op == XOP_LIT)
        return t >= PTO_EXPR_BOOL && t <= PTO_EXPR_U64 && (t != PTO_EXPR_BOOL || in->imm <= 1)
                   ? PTO_OK
                   : bad(err, i, "literal type");
    if (in->op == XOP_SYM) {
        if (t < PTO_EXPR_BOOL || t > PTO_EXPR_U64 || in->arg >= e->nsym || in->arg > *next_sym)
            return bad(err, i, "symbol");
        *next_sym += in->arg == *next_sym;
        return PTO_OK;
    }
    if (t != PTO_EXPR_U64 || in->imm || (in->op == XOP_SLOT && in->arg >= PTO_EXPR_SLOTS))
        return bad(err, i, "leaf");
    return PTO_OK;
}

static pto_status check_op(const pto_expr_insn *in, const uint8_t *ty, uint32_t i, pto_error *err)
{
    uint8_t opc = 0;
    pto_expr_type t = PTO_EXPR_NONE;
    pto_status s;
    int op = pto_expr_opcode_op(in->op);
    if (in->op == XOP_WHERE) {
        s = pto_expr_type_where((pto_expr_type)ty[0], (pto_expr_type)ty[1], (pto_expr_type)ty[2],
                                err);
        opc = XOP_WHERE;
        t = (pto_expr_type)ty[1];
    } else if (in->op == XOP_CAST || in->op == XOP_TOBOOL) {
        t = (pto_expr_type)in->type;
        s = pto_expr_type_cast(t, (pto_expr_type)ty[0], &opc, err);
    } else if (pto_expr_arity(in->op) == 1) {
        s = pto_expr_type_unary((pto_expr_op)op, (pto_expr_type)ty[0], &opc, &t, err);
    } else {
        s = pto_expr_type_binary((pto_expr_op)op, (pto_expr_type)ty[0], (pto_expr_type)ty[1], &opc,
                                 &t, err);
    }
    if (s)
        return s;
    if (opc != in->op || t != in->type || in->arg || in->imm)
        return bad(err, i, "operator does not match its operand types");
    return PTO_OK;
}

pto_status pto_expr_verify(pto_expr *e, pto_error *err)
{
    uint8_t ty[PTO_EXPR_MAX_INSNS];
    uint32_t h = 0, depth = 0, next_sym = 0;
    if (e->n < 1 || e->n > PTO_EXPR_MAX_INSNS || e->nsym > PTO_EXPR_MAX_SYMS)
        return bad(err, 0, "length");
    for (uint32_t i = 0; i < e->n; i++) {
        const pto_expr_insn *in = &e->code[i];
        int ar = pto_expr_arity(in->op);
        pto_status s;
        if (ar < 0 || in->aux || (uint32_t)ar > h)
            return bad(err, i, ar < 0 ? "opcode" : "stack underflow");
        h -= (uint32_t)ar;
        s = ar ? check_op(in, ty + h, i, err) : check_leaf(e, in, i, &next_sym, err);
        if (s)
            return s;
        ty[h++] = in->type;
        depth = h > depth ? h : depth;
    }
    if (h != 1)
        return bad(err, e->n - 1, "leaves more than one value");
    if (next_sym != e->nsym)
        return bad(err, e->n - 1, "unused symbol name");
    static const pto_expr_insn zero;
    for (uint32_t i = e->n; i < PTO_EXPR_MAX_INSNS; i++)
        if (memcmp(&e->code[i], &zero, sizeof zero))
            return bad(err, i, "unused instruction not zero");
    for (uint32_t k = 0; k < PTO_EXPR_MAX_SYMS; k++) {
        size_t len = strnlen(e->sym[k], sizeof e->sym[k]);
        int used = k < e->nsym;
        if (len == sizeof e->sym[k] || (used && !len) || (!used && len))
            return bad(err, k, "symbol name table");
        for (size_t c = len; c < sizeof e->sym[k]; c++)
            if (e->sym[k][c])
                return bad(err, k, "symbol name padding");
        for (uint32_t j = 0; used && j < k; j++)
            if (!strcmp(e->sym[j], e->sym[k]))
                return bad(err, k, "duplicate symbol name");
    }
    e->depth = (uint8_t)depth;
    e->type = ty[0];
    return PTO_OK;
}
