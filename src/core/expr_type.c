/* ScalarExpr typing rules (DESIGN §6.5): which operand types an operator
 * takes, the opcode it becomes and its result type. No implicit
 * promotion: every rule below names exactly the types it accepts. */
#include "core/expr.h"

static const char *const op_text[] = {
    [PTO_EXPR_NOT] = "!",  [PTO_EXPR_NEG] = "-", [PTO_EXPR_BITNOT] = "~", [PTO_EXPR_ADD] = "+",
    [PTO_EXPR_SUB] = "-",  [PTO_EXPR_MUL] = "*", [PTO_EXPR_DIV] = "/",    [PTO_EXPR_MOD] = "%",
    [PTO_EXPR_AND] = "&",  [PTO_EXPR_OR] = "|",  [PTO_EXPR_XOR] = "^",    [PTO_EXPR_SHL] = "<<",
    [PTO_EXPR_SHR] = ">>", [PTO_EXPR_LT] = "<",  [PTO_EXPR_LE] = "<=",    [PTO_EXPR_GT] = ">",
    [PTO_EXPR_GE] = ">=",  [PTO_EXPR_EQ] = "==", [PTO_EXPR_NE] = "!=",    [PTO_EXPR_LAND] = "&&",
    [PTO_EXPR_LOR] = "||",
};

const char *pto_expr_op_text(pto_expr_op op)
{
    return (unsigned)op <= PTO_EXPR_LOR ? op_text[op] : "?";
}

const char *pto_expr_type_name(pto_expr_type t)
{
    switch (t) {
    case PTO_EXPR_BOOL: return "bool";
    case PTO_EXPR_I64: return "i64";
    case PTO_EXPR_U64: return "u64";
    case PTO_EXPR_ARRAY: return "array";
    default: return "?";
    }
}

int pto_expr_arity(uint8_t opcode)
{
    if (opcode >= XOP_LIT && opcode <= XOP_SYM)
        return 0;
    if (opcode >= XOP_NOT && opcode <= XOP_TOBOOL)
        return 1;
    if (opcode == XOP_WHERE)
        return 3;
    return opcode > XOP_TOBOOL && opcode < XOP_WHERE ? 2 : -1;
}

int pto_expr_opcode_op(uint8_t opcode)
{
    switch (opcode) {
    case XOP_NOT: return PTO_EXPR_NOT;
    case XOP_NEG: return PTO_EXPR_NEG;
    case XOP_BITNOT: return PTO_EXPR_BITNOT;
    case XOP_ADD: return PTO_EXPR_ADD;
    case XOP_SUB: return PTO_EXPR_SUB;
    case XOP_MUL: return PTO_EXPR_MUL;
    case XOP_DIV_S:
    case XOP_DIV_U: return PTO_EXPR_DIV;
    case XOP_MOD_S:
    case XOP_MOD_U: return PTO_EXPR_MOD;
    case XOP_AND: return PTO_EXPR_AND;
    case XOP_OR: return PTO_EXPR_OR;
    case XOP_XOR: return PTO_EXPR_XOR;
    case XOP_SHL: return PTO_EXPR_SHL;
    case XOP_SHR: return PTO_EXPR_SHR;
    case XOP_LT_S:
    case XOP_LT_U: return PTO_EXPR_LT;
    case XOP_LE_S:
    case XOP_LE_U: return PTO_EXPR_LE;
    case XOP_GT_S:
    case XOP_GT_U: return PTO_EXPR_GT;
    case XOP_GE_S:
    case XOP_GE_U: return PTO_EXPR_GE;
    case XOP_EQ: return PTO_EXPR_EQ;
    case XOP_NE: return PTO_EXPR_NE;
    case XOP_LAND: return PTO_EXPR_LAND;
    case XOP_LOR: return PTO_EXPR_LOR;
    default: return -1;
    }
}

static int is_int(pto_expr_type t) { return t == PTO_EXPR_I64 || t == PTO_EXPR_U64; }
static int is_scalar(pto_expr_type t) { return t == PTO_EXPR_BOOL || is_int(t); }

pto_status pto_expr_type_unary(pto_expr_op op, pto_expr_type a, uint8_t *opcode, pto_expr_type *res,
                               pto_error *err)
{
    *res = a;
    if (op == PTO_EXPR_NOT && a == PTO_EXPR_BOOL)
        return *opcode = XOP_NOT, PTO_OK;
    if (op == PTO_EXPR_NEG && is_int(a))
        return *opcode = XOP_NEG, PTO_OK;
    if (op == PTO_EXPR_BITNOT && a == PTO_EXPR_U64)
        return *opcode = XOP_BITNOT, PTO_OK;
    if (op > PTO_EXPR_BITNOT)
        return pto_fail(err, PTO_ERR_INVALID, "operator '%s' is not unary", pto_expr_op_text(op));
    static const char *const need[] = {"bool", "i64 or u64", "u64"};
    return pto_fail(err, PTO_ERR_INVALID, "operator '%s' takes %s, not %s", pto_expr_op_text(op),
                    need[op], pto_expr_type_name(a));
}

static pto_status mix_error(pto_expr_op op, pto_expr_type a, pto_expr_type b, const char *why,
                            pto_error *err)
{
    return pto_fail(err, PTO_ERR_INVALID, "operator '%s' on %s and %s: %s", pto_expr_op_text(op),
                    pto_expr_type_name(a), pto_expr_type_name(b), why);
}

pto_status pto_expr_type_binary(pto_expr_op op, pto_expr_type a, pto_expr_type b, uint8_t *opcode,
                                pto_expr_type *res, pto_error *err)
{
    int s = a == PTO_EXPR_I64; /* signed variant */
    if (!is_scalar(a) || !is_scalar(b) || op < PTO_EXPR_ADD || op > PTO_EXPR_LOR)
        return mix_error(op, a, b, "not a binary operator on these", err);
    if (op == PTO_EXPR_SHL || op == PTO_EXPR_SHR) {
        if (!is_int(a) || !is_int(b))
            return mix_error(op, a, b, "shifts take i64 or u64 operands (cast a bool)", err);
        *res = PTO_EXPR_U64;
        *opcode = op == PTO_EXPR_SHL ? XOP_SHL : XOP_SHR;
        return PTO_OK;
    }
    if (a != b)
        return mix_error(op, a, b, "no implicit promotion (use a cast)", err);
    *res = a;
    switch (op) {
    case PTO_EXPR_ADD:
    case PTO_EXPR_SUB:
    case PTO_EXPR_MUL:
    case PTO_EXPR_DIV:
    case PTO_EXPR_MOD:
        if (!is_int(a))
            return mix_error(op, a, b, "arithmetic takes i64 or u64", err);
        *opcode = op == PTO_EXPR_ADD   ? XOP_ADD
                  : op == PTO_EXPR_SUB ? XOP_SUB
                  : op == PTO_EXPR_MUL ? XOP_MUL
                  : op == PTO_EXPR_DIV ? (s ? XOP_DIV_S : XOP_DIV_U)
                                       : (s ? XOP_MOD_S : XOP_MOD_U);
        return PTO_OK;
    case PTO_EXPR_AND:
    case PTO_EXPR_OR:
    case PTO_EXPR_XOR:
        if (a == PTO_EXPR_I64)
            return mix_error(op, a, b, "bitwise operators take u64 (or bool)", err);
        *opcode = op == PTO_EXPR_AND ? XOP_AND : op == PTO_EXPR_OR ? XOP_OR : XOP_XOR;
        return PTO_OK;
    case PTO_EXPR_LT:
    case PTO_EXPR_LE:
    case PTO_EXPR_GT:
    case PTO_EXPR_GE:
        if (!is_int(a))
            return mix_error(op, a, b, "bools compare only with == and !=", err);
        *res = PTO_EXPR_BOOL;
        *opcode = (uint8_t)((op == PTO_EXPR_LT   ? XOP_LT_S
                             : op == PTO_EXPR_LE ? XOP_LE_S
                             : op == PTO_EXPR_GT ? XOP_GT_S
                                                 : XOP_GE_S) +
                            !s);
        return PTO_OK;
    case PTO_EXPR_EQ:
    case PTO_EXPR_NE:
        *res = PTO_EXPR_BOOL;
        *opcode = op == PTO_EXPR_EQ ? XOP_EQ : XOP_NE;
        return PTO_OK;
    default: /* LAND, LOR */
        if (a != PTO_EXPR_BOOL)
            return mix_error(op, a, b, "logical operators take bool", err);
        *opcode = op == PTO_EXPR_LAND ? XOP_LAND : XOP_LOR;
        return PTO_OK;
    }
}

pto_status pto_expr_type_where(pto_expr_type c, pto_expr_type a, pto_expr_type b, pto_error *err)
{
    if (c != PTO_EXPR_BOOL)
        return pto_fail(err, PTO_ERR_INVALID, "where/?: condition is %s, not bool",
                        pto_expr_type_name(c));
    if (a != b || !is_scalar(a))
        return pto_fail(err, PTO_ERR_INVALID, "where/?: branches are %s and %s, not one type",
                        pto_expr_type_name(a), pto_expr_type_name(b));
    return PTO_OK;
}

pto_status pto_expr_type_cast(pto_expr_type to, pto_expr_type from, uint8_t *opcode, pto_error *err)
{
    if (!is_scalar(to) || !is_scalar(from))
        return pto_fail(err, PTO_ERR_INVALID, "cast from %s to %s", pto_expr_type_name(from),
                        pto_expr_type_name(to));
    *opcode = to == PTO_EXPR_BOOL && from != PTO_EXPR_BOOL ? XOP_TOBOOL : XOP_CAST;
    return PTO_OK;
}
