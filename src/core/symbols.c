/* Symbol table (see symbols.h for its invariants). */
#include "core/symbols.h"

#include <stdlib.h>
#include <string.h>

pto_status pto_symtab_init(pto_symtab *t, pto_error *err)
{
    memset(t, 0, sizeof *t);
    t->sym = calloc(PTO_MAX_SYMBOLS, sizeof *t->sym);
    t->elems = calloc(PTO_SYMBOL_ARRAY_ELEMS, sizeof *t->elems);
    if (!t->sym || !t->elems) {
        pto_symtab_destroy(t);
        return pto_fail(err, PTO_ERR_NOMEM, "symbol table (%d symbols, %d array elements)",
                        PTO_MAX_SYMBOLS, PTO_SYMBOL_ARRAY_ELEMS);
    }
    return PTO_OK;
}

void pto_symtab_destroy(pto_symtab *t)
{
    free(t->sym);
    free(t->elems);
    memset(t, 0, sizeof *t);
}

uint64_t pto_symtab_hash(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static int name_char(char c, int first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
        return 1;
    return !first && ((c >= '0' && c <= '9') || c == '.');
}

pto_status pto_symtab_check_name(const char *name, const char *what, pto_error *err)
{
    if (!name || !name[0])
        return pto_fail(err, PTO_ERR_INVALID, "%s: symbol name is %s", what,
                        name ? "empty" : "NULL");
    size_t n = strnlen(name, PTO_SYMBOL_NAME_MAX);
    if (n >= PTO_SYMBOL_NAME_MAX)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: symbol name '%.*s...' is longer than %d bytes", what, 16, name,
                        PTO_SYMBOL_NAME_MAX - 1);
    for (size_t i = 0; i < n; i++)
        if (!name_char(name[i], i == 0))
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s: symbol name '%s': character %zu is not allowed (letters, "
                            "digits, '_' and '.'; no digit or '.' first)",
                            what, name, i + 1);
    return PTO_OK;
}

int32_t pto_symtab_find(const pto_symtab *t, const char *name)
{
    if (!name)
        return -1;
    uint64_t id = pto_symtab_hash(name);
    for (uint32_t i = 0; i < t->n; i++)
        if (t->sym[i].id == id && !strcmp(t->sym[i].name, name))
            return (int32_t)i;
    /* A forced id (collision tests) is not the name's hash. */
    for (uint32_t i = 0; i < t->n; i++)
        if (!strcmp(t->sym[i].name, name))
            return (int32_t)i;
    return -1;
}

int32_t pto_symtab_find_id(const pto_symtab *t, uint64_t id)
{
    for (uint32_t i = 0; i < t->n; i++)
        if (t->sym[i].id == id)
            return (int32_t)i;
    return -1;
}

pto_status pto_symtab_resolve(const pto_symtab *t, const char *name, uint32_t *index,
                              pto_error *err)
{
    int32_t i = pto_symtab_find(t, name);
    if (i < 0)
        return pto_fail(err, PTO_ERR_NOT_FOUND,
                        "symbol '%s' is not declared (declare it first; %u declared)",
                        name ? name : "(null)", (unsigned)t->n);
    *index = (uint32_t)i;
    return PTO_OK;
}

static int valid_type(pto_symbol_type type)
{
    return type == PTO_SYMBOL_U64 || type == PTO_SYMBOL_F32 || type == PTO_SYMBOL_I32_ARRAY;
}

pto_status pto_symtab_declare(pto_symtab *t, const char *name, uint64_t id, pto_symbol_type type,
                              uint64_t def, uint32_t *index, pto_error *err)
{
    static const char what[] = "pto_symbol_declare";
    pto_status s = pto_symtab_check_name(name, what, err);
    if (s != PTO_OK)
        return s;
    if (!valid_type(type))
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s('%s'): type %d is not PTO_SYMBOL_U64, PTO_SYMBOL_F32 or "
                        "PTO_SYMBOL_I32_ARRAY",
                        what, name, (int)type);
    if (type == PTO_SYMBOL_I32_ARRAY && def)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s('%s'): default_bits is %llu; an array's default is the empty "
                        "array (pass 0)",
                        what, name, (unsigned long long)def);
    if (type == PTO_SYMBOL_F32 && def > UINT32_MAX)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s('%s'): default_bits 0x%llx is wider than an f32's 32 bits "
                        "(use pto_f32_bits)",
                        what, name, (unsigned long long)def);
    int32_t at = pto_symtab_find(t, name);
    if (at >= 0) {
        const pto_symbol *e = &t->sym[at];
        if (e->type != type || e->def != def)
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s('%s'): already declared as %s with default bits 0x%llx, "
                            "not %s with 0x%llx",
                            what, name, pto_symbol_type_name(e->type),
                            (unsigned long long)e->def, pto_symbol_type_name(type),
                            (unsigned long long)def);
        if (index)
            *index = (uint32_t)at;
        return PTO_OK;
    }
    int32_t other = pto_symtab_find_id(t, id);
    if (other >= 0)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s('%s'): its id 0x%016llx (FNV-1a 64) is that of the declared "
                        "symbol '%s'; rename one of them",
                        what, name, (unsigned long long)id, t->sym[other].name);
    if (t->n >= PTO_MAX_SYMBOLS)
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "%s('%s'): the device already has %d symbols, the most it holds "
                        "(PTO_MAX_SYMBOLS)",
                        what, name, PTO_MAX_SYMBOLS);
    pto_symbol *e = &t->sym[t->n];
    memset(e, 0, sizeof *e);
    e->id = id;
    e->type = type;
    e->def = def;
    e->bits = def;
    e->off = t->used; /* an empty array at the end */
    strcpy(e->name, name);
    if (index)
        *index = t->n;
    t->n++;
    return PTO_OK;
}

pto_status pto_symtab_check_type(const pto_symtab *t, uint32_t index, pto_symbol_type want,
                                 const char *what, pto_error *err)
{
    const pto_symbol *e = &t->sym[index];
    if (e->type == want)
        return PTO_OK;
    return pto_fail(err, PTO_ERR_INVALID,
                    "%s: symbol '%s' is %s, not %s (no conversion; use the %s call)", what,
                    e->name, pto_symbol_type_name(e->type), pto_symbol_type_name(want),
                    pto_symbol_type_name(e->type));
}

void pto_symtab_set_bits(pto_symtab *t, uint32_t index, uint64_t bits)
{
    t->sym[index].bits = bits;
}

pto_status pto_symtab_set_array(pto_symtab *t, uint32_t index, const int32_t *values, uint32_t n,
                                const char *what, pto_error *err)
{
    pto_symbol *e = &t->sym[index];
    uint32_t others = t->used - e->len;
    if ((uint64_t)others + n > PTO_SYMBOL_ARRAY_ELEMS)
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "%s: symbol '%s': %u elements do not fit; the device's arrays hold "
                        "%d int32 elements together (PTO_SYMBOL_ARRAY_ELEMS) and the "
                        "others use %u",
                        what, e->name, (unsigned)n, PTO_SYMBOL_ARRAY_ELEMS, (unsigned)others);
    if (n == e->len) { /* same length: in place */
        if (n)
            memmove(t->elems + e->off, values, (size_t)n * sizeof *values);
        return PTO_OK;
    }
    /* Close the gap: the arrays after this one move down by its length. */
    uint32_t end = e->off + e->len;
    if (e->len) {
        memmove(t->elems + e->off, t->elems + end, (size_t)(t->used - end) * sizeof *t->elems);
        for (uint32_t i = 0; i < t->n; i++)
            if (t->sym[i].type == PTO_SYMBOL_I32_ARRAY && i != index && t->sym[i].off >= end)
                t->sym[i].off -= e->len;
    }
    t->used = others;
    e->off = t->used;
    e->len = n;
    if (n)
        memcpy(t->elems + e->off, values, (size_t)n * sizeof *values);
    t->used += n;
    return PTO_OK;
}

/* Public (pto/symbols.h): they need no device. */
uint64_t pto_symbol_id(const char *name)
{
    return pto_symtab_hash(name);
}

pto_status pto_symbol_check_name(const char *name, pto_error *err)
{
    return pto_symtab_check_name(name, "pto_symbol_check_name", err);
}

const char *pto_symbol_type_name(pto_symbol_type type)
{
    switch (type) {
    case PTO_SYMBOL_U64:
        return "u64";
    case PTO_SYMBOL_F32:
        return "f32";
    case PTO_SYMBOL_I32_ARRAY:
        return "i32[]";
    }
    return "?";
}
