/* ScalarExpr evaluation: one pass over verified postfix code on a stack of
 * PTO_EXPR_MAX_INSNS + 2 words on the C stack (a verified expression of n
 * instructions never holds more than n words), no allocation, no failure.
 *
 * Defined results for what C leaves undefined: i64 add/sub/mul/neg wrap
 * (two's complement, computed on u64); x / 0 and x % 0 are 0 for both
 * types; INT64_MIN / -1 is INT64_MIN (the wrapped quotient) and
 * INT64_MIN % -1 is 0; shift counts are taken modulo 64. Bools are
 * always 0 or 1: a bool symbol whose value bits are not reads as 1. */
#include "core/expr.h"

static inline uint64_t at(const uint64_t *v, uint32_t n, uint32_t i) { return i < n ? v[i] : 0; }

static inline uint64_t div_s(uint64_t a, uint64_t b, int mod)
{
    int64_t x = (int64_t)a, y = (int64_t)b;
    if (y == 0)
        return 0;
    if (y == -1) /* INT64_MIN / -1 overflows in C: wrap instead */
        return mod ? 0 : (uint64_t)0 - a;
    return mod ? (uint64_t)(x % y) : (uint64_t)(x / y);
}

uint64_t pto_expr_eval(const pto_expr *e, const pto_expr_env *env)
{
    /* st[0], st[1]: zero words below the real stack, so reading the two
     * top words is always in bounds (a verified expression never pops
     * them); the result is st[2]. */
    uint64_t st[PTO_EXPR_MAX_INSNS + 2]; /* not cleared: only words pushed are read */
    uint32_t sp = 2, n = e->n;
    if (n - 1 >= PTO_EXPR_MAX_INSNS)
        return 0;
    st[0] = st[1] = 0;
    for (const pto_expr_insn *in = e->code, *end = e->code + n; in < end; in++) {
        uint64_t b = st[sp - 1], a = st[sp - 2], r;
        switch (in->op) {
        case XOP_LIT: st[sp++] = in->imm; continue;
        case XOP_PARAM: st[sp++] = at(env->params, env->nparams, in->arg); continue;
        case XOP_SLOT: st[sp++] = env->slots ? env->slots[in->arg & 255] : 0; continue;
        case XOP_AXIS: st[sp++] = at(env->axes, env->naxes, in->arg); continue;
        case XOP_TAG: st[sp++] = at(env->tags, env->ntags, in->arg); continue;
        case XOP_SYM: /* a bool symbol reads as its value != 0 */
            r = env->symbol ? env->symbol(env->symbol_ctx, in->imm) : 0;
            st[sp++] = in->type == PTO_EXPR_BOOL ? r != 0 : r;
            continue;
        case XOP_NOT: st[sp - 1] = !b; continue;
        case XOP_NEG: st[sp - 1] = (uint64_t)0 - b; continue;
        case XOP_BITNOT: st[sp - 1] = ~b; continue;
        case XOP_CAST: continue;
        case XOP_TOBOOL: st[sp - 1] = b != 0; continue;
        case XOP_ADD: r = a + b; break;
        case XOP_SUB: r = a - b; break;
        case XOP_MUL: r = a * b; break;
        case XOP_DIV_S: r = div_s(a, b, 0); break;
        case XOP_DIV_U: r = b ? a / b : 0; break;
        case XOP_MOD_S: r = div_s(a, b, 1); break;
        case XOP_MOD_U: r = b ? a % b : 0; break;
        case XOP_AND:
        case XOP_LAND: r = a & b; break;
        case XOP_OR:
        case XOP_LOR: r = a | b; break;
        case XOP_XOR: r = a ^ b; break;
        case XOP_SHL: r = a << (b & 63); break;
        case XOP_SHR: r = a >> (b & 63); break;
        case XOP_LT_S: r = (int64_t)a < (int64_t)b; break;
        case XOP_LT_U: r = a < b; break;
        case XOP_LE_S: r = (int64_t)a <= (int64_t)b; break;
        case XOP_LE_U: r = a <= b; break;
        case XOP_GT_S: r = (int64_t)a > (int64_t)b; break;
        case XOP_GT_U: r = a > b; break;
        case XOP_GE_S: r = (int64_t)a >= (int64_t)b; break;
        case XOP_GE_U: r = a >= b; break;
        case XOP_EQ: r = a == b; break;
        case XOP_NE: r = a != b; break;
        case XOP_WHERE: /* cond, a, b: st[sp-3] picks a (st[sp-2]) or b */
            st[sp - 3] = st[sp - 3] ? a : b;
            sp -= 2;
            continue;
        default: return 0; /* not reachable for a verified expression */
        }
        st[--sp - 1] = r;
    }
    return st[2];
}
