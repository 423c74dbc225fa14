/* .npy files (NumPy format 1.0) for plan tensors: `pto run --input
 * NAME=FILE.npy` and `--output NAME=FILE.npy`. A file holds one C-order
 * array: the magic "\x93NUMPY", version 1.0, a little-endian u16 header
 * length, a Python-dict header ({'descr': '<f4', 'fortran_order': False,
 * 'shape': (192, 16), }) padded with spaces to a multiple of 64 bytes and
 * ending in '\n', then the raw elements. Read files must match the
 * tensor exactly: dtype (<f4 f32, <f2 f16, <i4 i32; bf16 has no NumPy
 * type and is refused), C order, the same shape. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/plan/plan.h"

static const char *descr_of(plan_dtype d)
{
    switch (d) {
    case PLAN_F32: return "<f4";
    case PLAN_F16: return "<f2";
    case PLAN_I32: return "<i4";
    case PLAN_BF16: break;
    }
    return NULL;
}

pto_status plan_npy_write(const plan_tensor *T, const char *path, const void *data, pto_error *err)
{
    const char *descr = descr_of(T->dtype);
    if (!descr)
        return pto_fail(err, PTO_ERR_INVALID, "tensor '%s': bf16 has no .npy type; cannot write %s",
                        T->name, path);
    char head[256];
    int n =
        snprintf(head, sizeof head, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (uint32_t d = 0; d < T->ndim; d++)
        n += snprintf(head + n, sizeof head - (size_t)n, "%" PRIu64 "%s", T->shape[d],
                      T->ndim == 1 || d + 1 < T->ndim ? ", " : "");
    n += snprintf(head + n, sizeof head - (size_t)n, "), }");
    /* 10 bytes of preamble + header + '\n' is a multiple of 64 */
    size_t total = ((size_t)10 + (size_t)n + 1 + 63) / 64 * 64;
    size_t hlen = total - 10;
    char pre[10] = {(char)0x93,       'N', 'U', 'M', 'P', 'Y', 1, 0, (char)(hlen & 0xff),
                    (char)(hlen >> 8)};
    FILE *f = fopen(path, "wb");
    if (!f)
        return pto_fail(err, PTO_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(head, 1, (size_t)n, f) == (size_t)n;
    for (size_t i = (size_t)n; ok && i + 1 < hlen; i++)
        ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF;
    size_t bytes = (size_t)(T->elems * T->elem);
    ok = ok && fwrite(data, 1, bytes, f) == bytes;
    ok = fclose(f) == 0 && ok;
    return ok ? PTO_OK : pto_fail(err, PTO_ERR_IO, "cannot write %s: %s", path, strerror(errno));
}

/* The value text after 'key': in the header, or NULL. */
static const char *field(const char *head, const char *key)
{
    const char *k = strstr(head, key);
    if (!k)
        return NULL;
    k += strlen(key);
    while (*k == ' ' || *k == ':')
        k++;
    return k;
}

pto_status plan_npy_read(const plan_tensor *T, const char *path, void *data, pto_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return pto_fail(err, errno == ENOENT ? PTO_ERR_NOT_FOUND : PTO_ERR_IO, "cannot open %s: %s",
                        path, strerror(errno));
    unsigned char pre[10];
    char head[4096];
    pto_status s = PTO_OK;
    size_t hlen = 0;
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) || pre[6] != 1)
        s = pto_fail(err, PTO_ERR_INVALID, "%s is not a .npy file of format version 1", path);
    else if ((hlen = (size_t)pre[8] | (size_t)pre[9] << 8) >= sizeof head)
        s = pto_fail(err, PTO_ERR_INVALID, "%s: header of %zu bytes is too long", path, hlen);
    else if (fread(head, 1, hlen, f) != hlen)
        s = pto_fail(err, PTO_ERR_INVALID, "%s: truncated header", path);
    if (s == PTO_OK) {
        head[hlen] = '\0';
        const char *descr = descr_of(T->dtype);
        const char *dv = field(head, "'descr'");
        const char *fo = field(head, "'fortran_order'");
        const char *sh = field(head, "'shape'");
        char want[64];
        snprintf(want, sizeof want, "'%s'", descr ? descr : "?");
        if (!descr)
            s = pto_fail(err, PTO_ERR_INVALID, "tensor '%s': bf16 has no .npy type", T->name);
        else if (!dv || strncmp(dv, want, strlen(want)))
            s = pto_fail(err, PTO_ERR_INVALID, "%s: dtype is not %s (tensor '%s')", path, want,
                         T->name);
        else if (!fo || strncmp(fo, "False", 5))
            s = pto_fail(err, PTO_ERR_INVALID, "%s: Fortran order is not supported", path);
        else if (!sh || *sh != '(')
            s = pto_fail(err, PTO_ERR_INVALID, "%s: no shape in the header", path);
        else { /* (a, b, ...) must be the tensor's shape */
            const char *p = sh + 1;
            uint32_t d = 0;
            int ok = 1;
            for (; ok && *p && *p != ')'; d++) {
                char *end = NULL;
                while (*p == ' ')
                    p++;
                if (*p == ')')
                    break;
                unsigned long long x = strtoull(p, &end, 10);
                ok = end != p && d < T->ndim && x == T->shape[d];
                p = end;
                while (ok && (*p == ' ' || *p == ','))
                    p++;
            }
            if (!ok || d != T->ndim) {
                char shape[128];
                size_t o = 0;
                for (uint32_t k = 0; k < T->ndim && o < sizeof shape; k++) {
                    int n = snprintf(shape + o, sizeof shape - o, "%s%" PRIu64, k ? ", " : "",
                                     T->shape[k]);
                    o += n > 0 ? (size_t)n : 0;
                }
                s = pto_fail(err, PTO_ERR_INVALID,
                             "%s: shape %.*s does not match tensor '%s' of shape [%s]", path,
                             (int)strcspn(sh, ")") + 1, sh, T->name, shape);
            }
        }
    }
    size_t bytes = (size_t)(T->elems * T->elem);
    if (s == PTO_OK && fread(data, 1, bytes, f) != bytes)
        s = pto_fail(err, PTO_ERR_INVALID, "%s: fewer than the %zu data bytes of tensor '%s'", path,
                     bytes, T->name);
    fclose(f);
    return s;
}
