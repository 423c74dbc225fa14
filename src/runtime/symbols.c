/* Public symbol calls on a device's table (rules: pto/symbols.h; the table
 * and its invariants: core/symbols.h).
 *
 * Writes (declare, set) are refused with PTO_ERR_STATE while a launch is in
 * progress (dev->busy), whoever calls — the run's own orchestration
 * function too — so a run reads one set of values from start to end. Reads
 * are allowed at any time. */
#include <stdatomic.h>
#include <string.h>

#include "core/device.h"
#include "core/symbols.h"
#include "pto/kernel.h"

/* A symbol named by name (byname) or by id. */
typedef struct sym_ref {
    const char *name;
    uint64_t id;
    int byname;
} sym_ref;

static pto_status check_dev(const pto_device *dev, const char *what, int write, pto_error *err)
{
    if (!dev)
        return pto_fail(err, PTO_ERR_INVALID, "%s: device is NULL", what);
    if (write && atomic_load(&((pto_device *)dev)->busy))
        return pto_fail(err, PTO_ERR_STATE,
                        "%s: a launch is in progress on this device; declare and set "
                        "symbols before pto_launch or after it returns (a run reads one "
                        "set of values)",
                        what);
    return PTO_OK;
}

/* The entry of ref, checked against type want (*index is 0 on failure). */
static pto_status find(const pto_device *dev, sym_ref ref, pto_symbol_type want, const char *what,
                       int write, uint32_t *index, pto_error *err)
{
    *index = 0;
    pto_status s = check_dev(dev, what, write, err);
    if (s != PTO_OK)
        return s;
    const pto_symtab *t = &dev->symbols;
    int32_t i;
    if (ref.byname) {
        if ((s = pto_symtab_check_name(ref.name, what, err)) != PTO_OK)
            return s;
        if ((i = pto_symtab_find(t, ref.name)) < 0)
            return pto_fail(err, PTO_ERR_NOT_FOUND,
                            "%s: symbol '%s' is not declared (pto_symbol_declare it first)", what,
                            ref.name);
    } else if ((i = pto_symtab_find_id(t, ref.id)) < 0) {
        return pto_fail(err, PTO_ERR_NOT_FOUND,
                        "%s: no symbol with id 0x%016llx is declared (ids are "
                        "pto_symbol_id(name))",
                        what, (unsigned long long)ref.id);
    }
    *index = (uint32_t)i;
    return pto_symtab_check_type(t, *index, want, what, err);
}

static pto_status set_scalar(pto_device *dev, sym_ref ref, pto_symbol_type type, uint64_t bits,
                             const char *what, pto_error *err)
{
    uint32_t i;
    pto_status s = find(dev, ref, type, what, 1, &i, err);
    if (s == PTO_OK)
        pto_symtab_set_bits(&dev->symbols, i, bits);
    return s;
}

static pto_status get_scalar(const pto_device *dev, sym_ref ref, pto_symbol_type type,
                             uint64_t *out, const char *what, pto_error *err)
{
    if (!out)
        return pto_fail(err, PTO_ERR_INVALID, "%s: out is NULL", what);
    uint32_t i;
    pto_status s = find(dev, ref, type, what, 0, &i, err);
    if (s == PTO_OK)
        *out = pto_symtab_bits(&dev->symbols, i);
    return s;
}

static pto_status set_array(pto_device *dev, sym_ref ref, const int32_t *values, uint32_t n,
                            const char *what, pto_error *err)
{
    if (n && !values)
        return pto_fail(err, PTO_ERR_INVALID, "%s: values is NULL but n is %u", what, (unsigned)n);
    uint32_t i;
    pto_status s = find(dev, ref, PTO_SYMBOL_I32_ARRAY, what, 1, &i, err);
    if (s != PTO_OK)
        return s;
    return pto_symtab_set_array(&dev->symbols, i, values, n, what, err);
}

static pto_status get_array(const pto_device *dev, sym_ref ref, int32_t *out, uint32_t cap,
                            uint32_t *len, const char *what, pto_error *err)
{
    if (!len)
        return pto_fail(err, PTO_ERR_INVALID, "%s: len is NULL", what);
    if (!out && cap)
        return pto_fail(err, PTO_ERR_INVALID, "%s: out is NULL but cap is %u", what, (unsigned)cap);
    uint32_t i;
    pto_status s = find(dev, ref, PTO_SYMBOL_I32_ARRAY, what, 0, &i, err);
    if (s != PTO_OK)
        return s;
    const pto_symtab *t = &dev->symbols;
    uint32_t n = pto_symtab_len(t, i);
    *len = n;
    if (!out)
        return PTO_OK; /* the length only */
    if (cap < n)
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "%s: symbol '%s' has %u elements; cap is %u (nothing copied)", what,
                        pto_symtab_at(t, i)->name, (unsigned)n, (unsigned)cap);
    if (n)
        memcpy(out, pto_symtab_elems(t, i), (size_t)n * sizeof *out);
    return PTO_OK;
}

static pto_status get_f32(const pto_device *dev, sym_ref ref, float *out, const char *what,
                          pto_error *err)
{
    uint64_t b = 0;
    if (!out)
        return pto_fail(err, PTO_ERR_INVALID, "%s: out is NULL", what);
    pto_status s = get_scalar(dev, ref, PTO_SYMBOL_F32, &b, what, err);
    if (s == PTO_OK)
        *out = pto_bits_f32(b);
    return s;
}

#define BYNAME(n) ((sym_ref){(n), 0, 1})
#define BYID(i) ((sym_ref){NULL, (i), 0})

pto_status pto_symbol_declare(pto_device *dev, const char *name, pto_symbol_type type,
                              uint64_t default_bits, pto_error *err)
{
    pto_status s = check_dev(dev, "pto_symbol_declare", 1, err);
    if (s != PTO_OK)
        return s;
    return pto_symtab_declare(&dev->symbols, name, pto_symtab_hash(name), type, default_bits, NULL,
                              err);
}

pto_status pto_symbol_lookup(const pto_device *dev, const char *name, uint64_t *id,
                             pto_symbol_type *type, pto_error *err)
{
    static const char what[] = "pto_symbol_lookup";
    pto_status s = check_dev(dev, what, 0, err);
    if (s == PTO_OK)
        s = pto_symtab_check_name(name, what, err);
    uint32_t i = 0;
    if (s == PTO_OK)
        s = pto_symtab_resolve(&dev->symbols, name, &i, err);
    if (s != PTO_OK)
        return s;
    if (id)
        *id = pto_symtab_at(&dev->symbols, i)->id;
    if (type)
        *type = pto_symtab_type(&dev->symbols, i);
    return PTO_OK;
}

pto_status pto_symbol_set_u64(pto_device *dev, const char *name, uint64_t value, pto_error *err)
{
    return set_scalar(dev, BYNAME(name), PTO_SYMBOL_U64, value, "pto_symbol_set_u64", err);
}

pto_status pto_symbol_set_f32(pto_device *dev, const char *name, float value, pto_error *err)
{
    return set_scalar(dev, BYNAME(name), PTO_SYMBOL_F32, pto_f32_bits(value), "pto_symbol_set_f32",
                      err);
}

pto_status pto_symbol_set_i32_array(pto_device *dev, const char *name, const int32_t *values,
                                    uint32_t n, pto_error *err)
{
    return set_array(dev, BYNAME(name), values, n, "pto_symbol_set_i32_array", err);
}

pto_status pto_symbol_get_u64(const pto_device *dev, const char *name, uint64_t *out,
                              pto_error *err)
{
    return get_scalar(dev, BYNAME(name), PTO_SYMBOL_U64, out, "pto_symbol_get_u64", err);
}

pto_status pto_symbol_get_f32(const pto_device *dev, const char *name, float *out, pto_error *err)
{
    return get_f32(dev, BYNAME(name), out, "pto_symbol_get_f32", err);
}

pto_status pto_symbol_get_i32_array(const pto_device *dev, const char *name, int32_t *out,
                                    uint32_t cap, uint32_t *len, pto_error *err)
{
    return get_array(dev, BYNAME(name), out, cap, len, "pto_symbol_get_i32_array", err);
}

pto_status pto_symbol_set_u64_by_id(pto_device *dev, uint64_t id, uint64_t value, pto_error *err)
{
    return set_scalar(dev, BYID(id), PTO_SYMBOL_U64, value, "pto_symbol_set_u64_by_id", err);
}

pto_status pto_symbol_set_f32_by_id(pto_device *dev, uint64_t id, float value, pto_error *err)
{
    return set_scalar(dev, BYID(id), PTO_SYMBOL_F32, pto_f32_bits(value),
                      "pto_symbol_set_f32_by_id", err);
}

pto_status pto_symbol_set_i32_array_by_id(pto_device *dev, uint64_t id, const int32_t *values,
                                          uint32_t n, pto_error *err)
{
    return set_array(dev, BYID(id), values, n, "pto_symbol_set_i32_array_by_id", err);
}

pto_status pto_symbol_get_u64_by_id(const pto_device *dev, uint64_t id, uint64_t *out,
                                    pto_error *err)
{
    return get_scalar(dev, BYID(id), PTO_SYMBOL_U64, out, "pto_symbol_get_u64_by_id", err);
}

pto_status pto_symbol_get_f32_by_id(const pto_device *dev, uint64_t id, float *out, pto_error *err)
{
    return get_f32(dev, BYID(id), out, "pto_symbol_get_f32_by_id", err);
}

pto_status pto_symbol_get_i32_array_by_id(const pto_device *dev, uint64_t id, int32_t *out,
                                          uint32_t cap, uint32_t *len, pto_error *err)
{
    return get_array(dev, BYID(id), out, cap, len, "pto_symbol_get_i32_array_by_id", err);
}
