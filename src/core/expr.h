/* ScalarExpr bytecode (the layout behind pto/expr.h's pto_expr).
 *
 * An expression is postfix code over a stack of u64 words: a leaf pushes a
 * word, a unary instruction replaces the top, a binary one pops two and
 * pushes one, WHERE pops three (cond, a, b; in that push order) and pushes
 * one. Bools are the words 0 and 1, i64 values their two's complement bits.
 *
 * Invariants of a pto_expr built by the pto_expr_* calls (checked by
 * pto_expr_verify, which every constructor and the parser run last):
 *   - 1 <= n <= PTO_EXPR_MAX_INSNS; replaying code[0..n) never pops an
 *     empty stack and leaves exactly one word; `depth` is the highest stack
 *     height reached, so an evaluation stack of n words can never overflow;
 *   - every instruction's `type` is its result type, and its operands have
 *     the types its opcode requires (the typing rules of expr_type.c), so
 *     evaluation needs no type test;
 *   - SLOT has arg < PTO_EXPR_SLOTS; SYM has imm = the symbol's id and
 *     arg < nsym, sym[arg] being its name (NUL-terminated, zero-padded);
 *     names are distinct and stored in first-use order (left to right), so
 *     the same tree always gives the same bytes;
 *   - unused code[] entries and sym[] rows are all zero, so two equal
 *     expressions are equal bytes.
 *
 * Operators whose meaning depends on the operand type (div, mod, the
 * orderings) have separate signed (_S) and unsigned (_U) opcodes, and a
 * cast to bool from an integer is TOBOOL, every other cast CAST (bits
 * unchanged): the type is resolved once, when the expression is built. */
#ifndef PTO_CORE_EXPR_H
#define PTO_CORE_EXPR_H

#include <stdint.h>

#include "pto/expr.h"

enum pto_expr_opcode {
    XOP_LIT = 1, /* imm */
    XOP_PARAM,   /* arg = index */
    XOP_SLOT,
    XOP_AXIS,
    XOP_TAG,
    XOP_SYM, /* imm = id, arg = name index */
    XOP_NOT,
    XOP_NEG,
    XOP_BITNOT,
    XOP_CAST,   /* type = target, bits unchanged */
    XOP_TOBOOL, /* type = bool, x != 0 */
    XOP_ADD,
    XOP_SUB,
    XOP_MUL,
    XOP_DIV_S,
    XOP_DIV_U,
    XOP_MOD_S,
    XOP_MOD_U,
    XOP_AND,
    XOP_OR,
    XOP_XOR,
    XOP_SHL,
    XOP_SHR,
    XOP_LT_S,
    XOP_LT_U,
    XOP_LE_S,
    XOP_LE_U,
    XOP_GT_S,
    XOP_GT_U,
    XOP_GE_S,
    XOP_GE_U,
    XOP_EQ,
    XOP_NE,
    XOP_LAND,
    XOP_LOR,
    XOP_WHERE,
    XOP_COUNT
};

/* Operands an opcode pops (0 for leaves, 3 for WHERE). */
int pto_expr_arity(uint8_t opcode);

/* The public operator an opcode came from (for leaves, CAST, TOBOOL and
 * WHERE: -1). */
int pto_expr_opcode_op(uint8_t opcode);

/* Operator text: "+", "<=", "&&", "!"... */
const char *pto_expr_op_text(pto_expr_op op);

/* Typing rules. Each returns PTO_OK with the opcode and result type, or
 * PTO_ERR_INVALID naming the operator and the operand types (the caller
 * appends a column, if any). */
pto_status pto_expr_type_unary(pto_expr_op op, pto_expr_type a, uint8_t *opcode, pto_expr_type *res,
                               pto_error *err);
pto_status pto_expr_type_binary(pto_expr_op op, pto_expr_type a, pto_expr_type b, uint8_t *opcode,
                                pto_expr_type *res, pto_error *err);
pto_status pto_expr_type_where(pto_expr_type c, pto_expr_type a, pto_expr_type b, pto_error *err);
pto_status pto_expr_type_cast(pto_expr_type to, pto_expr_type from, uint8_t *opcode,
                              pto_error *err);

/* Appending to code[]: PTO_ERR_CAPACITY naming the limit when full. */
pto_status pto_expr_emit(pto_expr *e, uint8_t opcode, pto_expr_type type, uint32_t arg,
                         uint64_t imm, pto_error *err);

/* The index of name in e->sym[], added when new; PTO_ERR_CAPACITY when
 * PTO_EXPR_MAX_SYMS distinct names are already used. */
pto_status pto_expr_intern(pto_expr *e, const char *name, size_t len, uint32_t *index,
                           pto_error *err);

/* May c be byte `first ? 0 : >0` of a symbol name? [A-Za-z_] first, then
 * [A-Za-z0-9_.], so every name prints as `sym.<name>` and parses back. */
static inline int pto_expr_name_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && ((c >= '0' && c <= '9') || c == '.'));
}

/* Resolves a symbol name to (id, scalar type): PTO_ERR_NOT_FOUND for an
 * undeclared name (or no resolver), PTO_ERR_INVALID for an array symbol or
 * a name longer than PTO_EXPR_NAME_MAX or not of the characters of
 * pto_expr_name_char. */
pto_status pto_expr_resolve(const pto_expr_resolver *r, const char *name, size_t len, uint64_t *id,
                            pto_expr_type *type, pto_error *err);

/* Checks the invariants above and sets depth and type. PTO_OK or
 * PTO_ERR_INVALID. */
pto_status pto_expr_verify(pto_expr *e, pto_error *err);

#endif
