/* Symbol table: a device's named u64 / f32 / int32-array values (DESIGN
 * §6.5; the public calls are in runtime/symbols.c, the rules in
 * include/pto/symbols.h and docs/symbols.md).
 *
 * Invariants: allocated at device open with PTO_MAX_SYMBOLS entries and
 * PTO_SYMBOL_ARRAY_ELEMS int32 elements; never resized. Entries
 * [0, n) are declared symbols, in declaration order; an index never
 * changes and no entry is removed (there is no undeclare), so an index
 * resolved once stays valid for the device's life. ids are unique among
 * them, names too. A scalar's `bits` is its value (the default until
 * set); an array's elements are elems[off, off + len), the arrays' ranges
 * are disjoint and together `used` elements long, packed from 0 (a set
 * of a new length moves the arrays after it down, and appends it).
 *
 * Writers (declare, set) run only while no launch is in progress on the
 * device (runtime/symbols.c checks dev->busy), so readers during a run —
 * the orchestration function, an expression evaluated at dispatch on a
 * scheduler thread — see values that do not change under them, without a
 * lock. */
#ifndef PTO_CORE_SYMBOLS_H
#define PTO_CORE_SYMBOLS_H

#include <stdint.h>

#include "pto/status.h"
#include "pto/symbols.h"

typedef struct pto_symbol {
    uint64_t id;          /* pto_symtab_hash(name), or a forced id (tests) */
    uint64_t def;         /* scalar default bits; 0 for an array */
    uint64_t bits;        /* scalar value bits (u64, or f32 in the low 32) */
    uint32_t off, len;    /* array: elems[off, off + len) */
    pto_symbol_type type; /* fixed at declare */
    char name[PTO_SYMBOL_NAME_MAX];
} pto_symbol;

typedef struct pto_symtab {
    pto_symbol *sym; /* PTO_MAX_SYMBOLS entries, [0, n) declared */
    uint32_t n;
    int32_t *elems; /* PTO_SYMBOL_ARRAY_ELEMS, [0, used) in use */
    uint32_t used;
} pto_symtab;

pto_status pto_symtab_init(pto_symtab *t, pto_error *err);
void pto_symtab_destroy(pto_symtab *t); /* zeroed tables too */

/* FNV-1a 64 of the bytes of s (NULL: ""). */
uint64_t pto_symtab_hash(const char *s);

/* PTO_OK when name is a valid symbol name; else PTO_ERR_INVALID naming
 * what (the calling function) and the problem. */
pto_status pto_symtab_check_name(const char *name, const char *what, pto_error *err);

/* Declares name with the given id (pto_symtab_hash(name); tests force
 * another to reach the collision check). Redeclaring the same name, type
 * and default is OK and keeps the value; *index (may be NULL) gets the
 * entry. Errors: a bad name or type, an array default other than 0, the
 * name declared with another type or default, the id taken by another
 * name (PTO_ERR_INVALID naming both), a full table (PTO_ERR_CAPACITY). */
pto_status pto_symtab_declare(pto_symtab *t, const char *name, uint64_t id, pto_symbol_type type,
                              uint64_t def, uint32_t *index, pto_error *err);

/* The index of a declared name or id, or -1. */
int32_t pto_symtab_find(const pto_symtab *t, const char *name);
int32_t pto_symtab_find_id(const pto_symtab *t, uint64_t id);

/* For builders (ScalarExpr, plan loader): the index of a declared name,
 * else PTO_ERR_NOT_FOUND naming it ("a typo must not silently read 0"). */
pto_status pto_symtab_resolve(const pto_symtab *t, const char *name, uint32_t *index,
                              pto_error *err);

/* Entry index (< t->n, unchecked). Readers: type, scalar bits (the default
 * until set; for f32 the float's bits in the low 32), array length and
 * elements (valid until the next set of that array). */
static inline const pto_symbol *pto_symtab_at(const pto_symtab *t, uint32_t index)
{
    return &t->sym[index];
}
static inline pto_symbol_type pto_symtab_type(const pto_symtab *t, uint32_t index)
{
    return t->sym[index].type;
}
static inline uint64_t pto_symtab_bits(const pto_symtab *t, uint32_t index)
{
    return t->sym[index].bits;
}
static inline uint32_t pto_symtab_len(const pto_symtab *t, uint32_t index)
{
    return t->sym[index].len;
}
static inline const int32_t *pto_symtab_elems(const pto_symtab *t, uint32_t index)
{
    return t->elems + t->sym[index].off;
}
/* Element i of an array; 0 past its end (as a task parameter out of range). */
static inline int32_t pto_symtab_elem(const pto_symtab *t, uint32_t index, uint64_t i)
{
    const pto_symbol *s = &t->sym[index];
    return i < s->len ? t->elems[s->off + i] : 0;
}

/* PTO_OK when entry index has type want; else PTO_ERR_INVALID naming what,
 * the symbol, its type and the asked one. */
pto_status pto_symtab_check_type(const pto_symtab *t, uint32_t index, pto_symbol_type want,
                                 const char *what, pto_error *err);

/* Writers (no launch in progress; the type already checked). */
void pto_symtab_set_bits(pto_symtab *t, uint32_t index, uint64_t bits);
/* Replaces the array's elements; PTO_ERR_CAPACITY (array unchanged) when
 * the other arrays and n elements exceed PTO_SYMBOL_ARRAY_ELEMS. */
pto_status pto_symtab_set_array(pto_symtab *t, uint32_t index, const int32_t *values, uint32_t n,
                                const char *what, pto_error *err);

#endif
