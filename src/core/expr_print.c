/* ScalarExpr printer: postfix code back to text that parses to the same
 * bytecode. Every binary operator and ?: is printed in parentheses, so no
 * precedence question arises; a literal operand of a unary operator is
 * parenthesized too (`-(5)` is NEG of 5, `-5` the literal -5). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/expr.h"

/* Output: len counts every byte produced, written or not; buf[0..cap)
 * receives what fits. */
typedef struct out {
    char *buf;
    size_t cap, len;
} out;

static void put(out *o, const char *s)
{
    size_t n = strlen(s);
    if (o->len < o->cap) {
        size_t room = o->cap - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

/* start[i]: the first instruction of the subtree ending at i. */
static void print_node(const pto_expr *e, const uint8_t *start, uint32_t i, out *o)
{
    const pto_expr_insn *in = &e->code[i];
    char tmp[96];
    static const char *const leaf[] = {
        [XOP_PARAM] = "param", [XOP_SLOT] = "slot", [XOP_AXIS] = "axis", [XOP_TAG] = "tag"};
    switch (in->op) {
    case XOP_LIT:
        if (in->type == PTO_EXPR_BOOL)
            put(o, in->imm ? "true" : "false");
        else if (in->type == PTO_EXPR_I64)
            snprintf(tmp, sizeof tmp, "%" PRId64, (int64_t)in->imm), put(o, tmp);
        else
            snprintf(tmp, sizeof tmp, "%" PRIu64 "u", in->imm), put(o, tmp);
        return;
    case XOP_PARAM:
    case XOP_SLOT:
    case XOP_AXIS:
    case XOP_TAG:
        snprintf(tmp, sizeof tmp, "%s%" PRIu32, leaf[in->op], in->arg);
        put(o, tmp);
        return;
    case XOP_SYM:
        put(o, "sym.");
        put(o, e->sym[in->arg]);
        return;
    case XOP_CAST:
    case XOP_TOBOOL:
        put(o, pto_expr_type_name((pto_expr_type)in->type));
        put(o, "(");
        print_node(e, start, i - 1, o);
        put(o, ")");
        return;
    case XOP_WHERE: {
        uint32_t b = i - 1, a = start[b] - 1u, c = start[a] - 1u;
        put(o, "(");
        print_node(e, start, c, o);
        put(o, " ? ");
        print_node(e, start, a, o);
        put(o, " : ");
        print_node(e, start, b, o);
        put(o, ")");
        return;
    }
    default: break;
    }
    const char *op = pto_expr_op_text((pto_expr_op)pto_expr_opcode_op(in->op));
    if (pto_expr_arity(in->op) == 1) {
        int lit = e->code[i - 1].op == XOP_LIT;
        put(o, op);
        put(o, lit ? "(" : "");
        print_node(e, start, i - 1, o);
        put(o, lit ? ")" : "");
        return;
    }
    uint32_t b = i - 1, a = start[b] - 1u;
    put(o, "(");
    print_node(e, start, a, o);
    put(o, " ");
    put(o, op);
    put(o, " ");
    print_node(e, start, b, o);
    put(o, ")");
}

pto_status pto_expr_print(const pto_expr *e, char *buf, size_t cap, size_t *len, pto_error *err)
{
    pto_expr copy = *e;
    uint8_t start[PTO_EXPR_MAX_INSNS], stack[PTO_EXPR_MAX_INSNS];
    uint32_t h = 0;
    pto_status s = pto_expr_verify(&copy, err);
    if (s)
        return s;
    for (uint32_t i = 0; i < e->n; i++) {
        int ar = pto_expr_arity(e->code[i].op);
        start[i] = (uint8_t)(ar ? stack[h - (uint32_t)ar] : i);
        h -= (uint32_t)ar;
        stack[h++] = start[i];
    }
    out o = {buf, cap, 0};
    print_node(e, start, e->n - 1, &o);
    if (len)
        *len = o.len;
    if (o.len >= cap) {
        if (cap)
            buf[cap - 1] = 0;
        return pto_fail(err, PTO_ERR_CAPACITY, "expression text needs %zu bytes, buffer has %zu",
                        o.len + 1, cap);
    }
    buf[o.len] = 0;
    return PTO_OK;
}
