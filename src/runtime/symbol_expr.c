/* A device's symbols seen from ScalarExpr (pto/symbols.h): the resolver
 * that builds and parses against the declared names, and the reader an
 * evaluation environment calls. A u64 or f32 symbol has type u64 in an
 * expression (an f32 is its bits); an int32 array is no scalar, and the
 * builder refuses it by name. */
#include <string.h>

#include "core/device.h"
#include "core/symbols.h"
#include "pto/symbols.h"

static int resolve(void *ctx, const char *name, size_t len, uint64_t *id, pto_expr_type *kind)
{
    const pto_device *dev = ctx;
    char buf[PTO_SYMBOL_NAME_MAX];
    if (!dev || len >= sizeof buf)
        return 0; /* longer than any declared name */
    memcpy(buf, name, len);
    buf[len] = 0;
    int32_t i = pto_symtab_find(&dev->symbols, buf);
    if (i < 0)
        return 0;
    *id = pto_symtab_at(&dev->symbols, (uint32_t)i)->id;
    *kind = pto_symtab_type(&dev->symbols, (uint32_t)i) == PTO_SYMBOL_I32_ARRAY ? PTO_EXPR_ARRAY
                                                                                  : PTO_EXPR_U64;
    return 1;
}

/* The value is read when the expression is evaluated, so a symbol set
 * between two evaluations needs no re-parse. */
static uint64_t read_symbol(void *ctx, uint64_t id)
{
    const pto_device *dev = ctx;
    if (!dev)
        return 0;
    int32_t i = pto_symtab_find_id(&dev->symbols, id);
    return i < 0 ? 0 : pto_symtab_bits(&dev->symbols, (uint32_t)i);
}

void pto_symbols_resolver(const pto_device *dev, pto_expr_resolver *out)
{
    if (out)
        *out = (pto_expr_resolver){resolve, (void *)dev};
}

void pto_symbols_env(const pto_device *dev, pto_expr_env *env)
{
    if (!env)
        return;
    env->symbol = read_symbol;
    env->symbol_ctx = (void *)dev;
}
