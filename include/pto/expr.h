/* ScalarExpr (DESIGN §6.5): small typed expressions over task params,
 * slots, axis variables, task tags and symbols, kept as a bounded postfix
 * bytecode in a fixed-size object the caller owns, and evaluated without
 * allocation. Types are bool, i64 and u64, with no implicit promotion.
 * Grammar, typing rules and costs: docs/expr.md. */
#ifndef PTO_EXPR_H
#define PTO_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "pto/export.h"
#include "pto/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Value types. PTO_EXPR_ARRAY is a symbol kind only (what a resolver may
 * answer for an int32-array symbol); no expression has that type. */
typedef enum pto_expr_type {
    PTO_EXPR_NONE = 0,
    PTO_EXPR_BOOL,
    PTO_EXPR_I64,
    PTO_EXPR_U64,
    PTO_EXPR_ARRAY
} pto_expr_type;

/* Operators of pto_expr_unary and pto_expr_binary. */
typedef enum pto_expr_op {
    PTO_EXPR_NOT,    /* !x, bool */
    PTO_EXPR_NEG,    /* -x, i64 or u64, wraps */
    PTO_EXPR_BITNOT, /* ~x, u64 only */
    PTO_EXPR_ADD,
    PTO_EXPR_SUB,
    PTO_EXPR_MUL,
    PTO_EXPR_DIV, /* x / 0 == 0; INT64_MIN / -1 == INT64_MIN */
    PTO_EXPR_MOD, /* x % 0 == 0; INT64_MIN % -1 == 0 */
    PTO_EXPR_AND, /* & on u64; logical and on bool */
    PTO_EXPR_OR,
    PTO_EXPR_XOR,
    PTO_EXPR_SHL, /* operands i64 or u64, taken as u64; count & 63 */
    PTO_EXPR_SHR, /* logical shift */
    PTO_EXPR_LT,  /* i64 or u64; not bool */
    PTO_EXPR_LE,
    PTO_EXPR_GT,
    PTO_EXPR_GE,
    PTO_EXPR_EQ, /* any type, both the same */
    PTO_EXPR_NE,
    PTO_EXPR_LAND, /* && on bools */
    PTO_EXPR_LOR   /* || on bools */
} pto_expr_op;

/* Leaves read from the environment at evaluation; all have type u64. */
typedef enum pto_expr_leaf {
    PTO_EXPR_PARAM, /* task param i (any index; out of range reads 0) */
    PTO_EXPR_SLOT,  /* run slot i, i < PTO_EXPR_SLOTS */
    PTO_EXPR_AXIS,  /* axis variable i (out of range reads 0) */
    PTO_EXPR_TAG    /* task tag i (out of range reads 0) */
} pto_expr_leaf;

#define PTO_EXPR_MAX_INSNS 128 /* instructions per expression */
#define PTO_EXPR_MAX_SYMS 8    /* distinct symbols per expression */
#define PTO_EXPR_NAME_MAX 63   /* bytes of a symbol name */
#define PTO_EXPR_SLOTS 256     /* slots per run */

/* One bytecode instruction (internal layout: src/core/expr.h). */
typedef struct pto_expr_insn {
    uint8_t op;
    uint8_t type;
    uint16_t aux;
    uint32_t arg;
    uint64_t imm;
} pto_expr_insn;

/* An expression: fixed size, caller-owned, copyable with `=`. Only the
 * pto_expr_* calls below may write it; its fields are not API. */
typedef struct pto_expr {
    uint32_t n;    /* instructions in code[] */
    uint8_t type;  /* pto_expr_type of the result */
    uint8_t depth; /* evaluation stack needed */
    uint8_t nsym;  /* names in sym[] */
    uint8_t pad;
    pto_expr_insn code[PTO_EXPR_MAX_INSNS];
    char sym[PTO_EXPR_MAX_SYMS][PTO_EXPR_NAME_MAX + 1];
} pto_expr;

/* Symbol lookup when an expression is built or parsed. resolve returns 1
 * and sets *id (the symbol's id) and *kind (PTO_EXPR_U64, PTO_EXPR_I64,
 * PTO_EXPR_BOOL, or PTO_EXPR_ARRAY, which is refused as a scalar) when the
 * name (len bytes, not NUL-terminated) is declared, 0 when it is not. */
typedef struct pto_expr_resolver {
    int (*resolve)(void *ctx, const char *name, size_t len, uint64_t *id, pto_expr_type *kind);
    void *ctx;
} pto_expr_resolver;

/* What evaluation reads. params/axes/tags: n entries each (NULL with 0);
 * an index past the end reads 0. slots: PTO_EXPR_SLOTS entries, or NULL
 * (every slot reads 0). symbol: the value bits of symbol `id` (NULL:
 * every symbol reads 0). */
typedef struct pto_expr_env {
    const uint64_t *params;
    uint32_t nparams;
    const uint64_t *axes;
    uint32_t naxes;
    const uint64_t *tags;
    uint32_t ntags;
    const uint64_t *slots;
    uint64_t (*symbol)(void *ctx, uint64_t id);
    void *symbol_ctx;
} pto_expr_env;

/* Constructors. Each writes *out; out may be the same object as an
 * operand. A failure leaves *out unspecified and names the problem (the
 * operator and both types for a type error). */
PTO_API void pto_expr_bool(pto_expr *out, int v);
PTO_API void pto_expr_i64(pto_expr *out, int64_t v);
PTO_API void pto_expr_u64(pto_expr *out, uint64_t v);
PTO_API pto_status pto_expr_leaf_of(pto_expr *out, pto_expr_leaf kind, uint32_t index,
                                    pto_error *err);
PTO_API pto_status pto_expr_symbol(pto_expr *out, const pto_expr_resolver *r, const char *name,
                                   pto_error *err);
PTO_API pto_status pto_expr_unary(pto_expr *out, pto_expr_op op, const pto_expr *a, pto_error *err);
PTO_API pto_status pto_expr_binary(pto_expr *out, pto_expr_op op, const pto_expr *a,
                                   const pto_expr *b, pto_error *err);
PTO_API pto_status pto_expr_where(pto_expr *out, const pto_expr *cond, const pto_expr *a,
                                  const pto_expr *b, pto_error *err);
PTO_API pto_status pto_expr_cast(pto_expr *out, pto_expr_type to, const pto_expr *a,
                                 pto_error *err);

/* Parses len bytes of text (grammar: docs/expr.md). Malformed text is
 * PTO_ERR_INVALID naming the 1-based column; an undeclared symbol is
 * PTO_ERR_NOT_FOUND. r may be NULL when the text names no symbol. */
PTO_API pto_status pto_expr_parse(pto_expr *out, const char *text, size_t len,
                                  const pto_expr_resolver *r, pto_error *err);

/* Writes e as text that parses back to the same bytecode, NUL-terminated,
 * into buf (cap bytes) and sets *len (when non-NULL) to its length. A buf
 * too small is PTO_ERR_CAPACITY, *len then being the length needed. */
PTO_API pto_status pto_expr_print(const pto_expr *e, char *buf, size_t cap, size_t *len,
                                  pto_error *err);

/* The value of e in env, as u64 bits (bool: 0 or 1; i64: two's
 * complement). No allocation, no failure. */
PTO_API uint64_t pto_expr_eval(const pto_expr *e, const pto_expr_env *env);

/* The type of e's result. */
PTO_API pto_expr_type pto_expr_type_of(const pto_expr *e);

/* "bool", "i64", "u64", "array", or "?". */
PTO_API const char *pto_expr_type_name(pto_expr_type t);

/* 1 when a and b hold the same bytecode and symbol names. */
PTO_API int pto_expr_equal(const pto_expr *a, const pto_expr *b);

#ifdef __cplusplus
}
#endif
#endif
