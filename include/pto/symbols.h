/* Symbols: named values kept by a device across runs (DESIGN §6.5).
 *
 * A symbol is declared once with a name, a type and a default, then set and
 * read by name or by id between runs. An orchestration function reads them
 * (pto_symbol_get_*) and passes the values on to its tasks, so changing a
 * symbol between two runs of the same orchestration needs no rebuild,
 * recompile or re-parse. docs/symbols.md has the full rules.
 *
 * - id: pto_symbol_id(name), the 64-bit FNV-1a hash of the name's bytes.
 *   Two declared names with the same id are refused at declare time.
 * - Names: 1..PTO_SYMBOL_NAME_MAX-1 bytes of letters, digits, '_' and '.',
 *   not starting with a digit or '.'.
 * - Types: u64; f32 (stored as its bits); int32 array (any length, e.g. the
 *   lengths of a ragged axis, or a sparse axis' indptr or indices).
 * - Default: a declared symbol never set reads its default: the u64 value,
 *   or the f32 whose bits are given (pto_f32_bits); an array's default is
 *   the empty array (default_bits must be 0).
 * - Errors: an undeclared name or id is PTO_ERR_NOT_FOUND; a call of the
 *   wrong type (set_u64 on an f32 symbol, get_f32 on an array, ...) is
 *   PTO_ERR_INVALID, with no conversion; a full table or array store is
 *   PTO_ERR_CAPACITY.
 * - Runs: declare and set fail with PTO_ERR_STATE while a launch is in
 *   progress on the device (its orchestration function included), so every
 *   task of a run sees the same values; gets are allowed at any time. As for
 *   the rest of the device API, calls from several threads at once between
 *   runs are the caller's to order.
 *
 * Capacities, fixed and allocated when the device opens: PTO_MAX_SYMBOLS
 * symbols and PTO_SYMBOL_ARRAY_ELEMS int32 elements over all arrays of the
 * device. */
#ifndef PTO_SYMBOLS_H
#define PTO_SYMBOLS_H

#include <stdint.h>

#include "pto/device.h"
#include "pto/export.h"
#include "pto/expr.h"
#include "pto/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PTO_MAX_SYMBOLS 256
#define PTO_SYMBOL_NAME_MAX 64 /* bytes with the NUL: names up to 63 */
#define PTO_SYMBOL_ARRAY_ELEMS 65536

typedef enum pto_symbol_type {
    PTO_SYMBOL_U64 = 1,
    PTO_SYMBOL_F32 = 2,
    PTO_SYMBOL_I32_ARRAY = 3
} pto_symbol_type;

/* FNV-1a 64 of the bytes of name (offset basis 0xcbf29ce484222325, prime
 * 0x100000001b3); NULL hashes as "". Needs no device. */
PTO_API uint64_t pto_symbol_id(const char *name);

/* PTO_OK when name is a valid symbol name (see above); else
 * PTO_ERR_INVALID saying why. Needs no device. */
PTO_API pto_status pto_symbol_check_name(const char *name, pto_error *err);

/* "u64", "f32", "i32[]" or "?". */
PTO_API const char *pto_symbol_type_name(pto_symbol_type type);

/* Declares name with a type and default (see above). Declaring it again
 * with the same type and default does nothing (its value is kept); another
 * type or default is PTO_ERR_INVALID. */
PTO_API pto_status pto_symbol_declare(pto_device *dev, const char *name, pto_symbol_type type,
                                      uint64_t default_bits, pto_error *err);

/* Looks a declared name up: its id and type (either pointer may be NULL). */
PTO_API pto_status pto_symbol_lookup(const pto_device *dev, const char *name, uint64_t *id,
                                     pto_symbol_type *type, pto_error *err);

PTO_API pto_status pto_symbol_set_u64(pto_device *dev, const char *name, uint64_t value,
                                      pto_error *err);
PTO_API pto_status pto_symbol_set_f32(pto_device *dev, const char *name, float value,
                                      pto_error *err);
/* Copies n elements (values may be NULL when n is 0). */
PTO_API pto_status pto_symbol_set_i32_array(pto_device *dev, const char *name,
                                            const int32_t *values, uint32_t n, pto_error *err);

PTO_API pto_status pto_symbol_get_u64(const pto_device *dev, const char *name, uint64_t *out,
                                      pto_error *err);
PTO_API pto_status pto_symbol_get_f32(const pto_device *dev, const char *name, float *out,
                                      pto_error *err);
/* Sets *len to the array's length and copies it to out[0..len). out may be
 * NULL with cap 0 to ask for the length only; a non-NULL out with cap < len
 * is PTO_ERR_CAPACITY (naming the length) and writes nothing to out. */
PTO_API pto_status pto_symbol_get_i32_array(const pto_device *dev, const char *name, int32_t *out,
                                            uint32_t cap, uint32_t *len, pto_error *err);

/* The same by id (pto_symbol_id of a declared name). */
PTO_API pto_status pto_symbol_set_u64_by_id(pto_device *dev, uint64_t id, uint64_t value,
                                            pto_error *err);
PTO_API pto_status pto_symbol_set_f32_by_id(pto_device *dev, uint64_t id, float value,
                                            pto_error *err);
PTO_API pto_status pto_symbol_set_i32_array_by_id(pto_device *dev, uint64_t id,
                                                  const int32_t *values, uint32_t n,
                                                  pto_error *err);
PTO_API pto_status pto_symbol_get_u64_by_id(const pto_device *dev, uint64_t id, uint64_t *out,
                                            pto_error *err);
PTO_API pto_status pto_symbol_get_f32_by_id(const pto_device *dev, uint64_t id, float *out,
                                            pto_error *err);
PTO_API pto_status pto_symbol_get_i32_array_by_id(const pto_device *dev, uint64_t id, int32_t *out,
                                                  uint32_t cap, uint32_t *len, pto_error *err);

/* ScalarExpr over dev's symbols (pto/expr.h): `sym.NAME` in a built or
 * parsed expression names a declared symbol of dev (an undeclared one is
 * PTO_ERR_NOT_FOUND when the expression is built; an int32 array is no
 * scalar); a u64 or f32 symbol has type u64 (an f32 is its bits). The
 * resolver is for building and parsing; pto_symbols_env sets env's symbol
 * reader, which reads the value at each evaluation, so a symbol set
 * between two runs needs no re-parse. dev NULL: nothing resolves, every
 * symbol reads 0. */
PTO_API void pto_symbols_resolver(const pto_device *dev, pto_expr_resolver *out);
PTO_API void pto_symbols_env(const pto_device *dev, pto_expr_env *env);

#ifdef __cplusplus
}
#endif
#endif
