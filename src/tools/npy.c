/* NumPy .npy files: reading (format 1.0 and 2.0), writing (1.0, or 2.0 when
 * the header needs it), checking against an expected dtype and shape, and
 * comparing with a tolerance. Conventions (dtypes, bf16, C order) are in
 * pto/tools.h and docs/npy.md.
 *
 * A .npy file is
 *   magic "\x93NUMPY" (6 bytes), major and minor version (1 byte each),
 *   header length HLEN (little-endian: 2 bytes in 1.0, 4 bytes in 2.0),
 *   HLEN bytes of header: a Python dict literal, padded with spaces and
 *   ended by '\n' (NumPy pads magic..header to a multiple of 64 bytes),
 *   the data: count * element size bytes, C order.
 * The reader checks the size of the data against the header before
 * allocating anything, so a header that claims a huge shape fails as
 * truncated data instead of asking malloc for it.
 *
 * Uses only the public API (pto_fail), so the fuzz target compiles this
 * file alone with src/util/error.c. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pto/tools.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
#define NPY_ALIGN 64
/* NumPy (>= 1.24) leaves room after the dict to rewrite shape[0] in place
 * with up to this many digits (format.GROWTH_AXIS_MAX_DIGITS). */
#define NPY_GROWTH_DIGITS 21
/* "(d0, d1, ..., d7)" with 20-digit dims fits easily. */
#define NPY_SHAPE_TEXT 256
/* Longest string the header parser keeps (keys and descr are short). */
#define NPY_STR_MAX 32

/* ------------------------------------------------------------------------ */
/* Names and sizes                                                          */

const char *pto_npy_dtype_name(pto_dtype dtype)
{
    switch (dtype) {
    case PTO_F32: return "f32";
    case PTO_F16: return "f16";
    case PTO_BF16: return "bf16";
    case PTO_I32: return "i32";
    default: return "?";
    }
}

/* The descr written for a dtype (bf16 as its raw bits, '<u2'); NULL for an
 * unknown dtype. */
static const char *npy_descr_of(pto_dtype dtype)
{
    switch (dtype) {
    case PTO_F32: return "<f4";
    case PTO_F16: return "<f2";
    case PTO_BF16: return "<u2";
    case PTO_I32: return "<i4";
    default: return NULL;
    }
}

/* The dtype a descr is read as; 0 when unsupported. */
static int npy_dtype_of(const char *descr, pto_dtype *dtype)
{
    static const struct {
        const char *descr;
        pto_dtype dtype;
    } table[] = {{"<f4", PTO_F32},  {"<f2", PTO_F16},  {"<i4", PTO_I32},
                 {"<u2", PTO_BF16}, {"<V2", PTO_BF16}, {"|V2", PTO_BF16}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (!strcmp(descr, table[i].descr)) {
            *dtype = table[i].dtype;
            return 1;
        }
    return 0;
}

/* "()", "(5,)", "(2, 3)": shapes as Python prints them. */
static void npy_shape_text(char *buf, size_t cap, uint32_t ndim, const uint64_t *shape)
{
    size_t k = 0;
    int w = snprintf(buf, cap, "(");
    k = w > 0 ? (size_t)w : 0;
    for (uint32_t d = 0; d < ndim && k < cap; d++) {
        w = snprintf(buf + k, cap - k, "%s%" PRIu64, d ? ", " : "", shape[d]);
        k += w > 0 ? (size_t)w : 0;
    }
    if (k < cap)
        snprintf(buf + k, cap - k, "%s)", ndim == 1 ? "," : "");
}

/* Elements and bytes of a shape; 0 when either overflows 64 bits (or
 * size_t). Invariant of every pto_npy: nbytes == count * element size. */
static int npy_sizes(pto_dtype dtype, uint32_t ndim, const uint64_t *shape, uint64_t *count,
                     size_t *nbytes)
{
    uint64_t c = 1;
    for (uint32_t d = 0; d < ndim; d++)
        if (shape[d] == 0)
            c = 0; /* an empty array: no product overflows, (2^40, 2^40, 0) is fine */
    for (uint32_t d = 0; c && d < ndim; d++) {
        if (c > UINT64_MAX / shape[d])
            return 0;
        c *= shape[d];
    }
    uint64_t es = (uint64_t)PTO_DTYPE_SIZE(dtype);
    if (c > UINT64_MAX / es || c * es > (uint64_t)SIZE_MAX)
        return 0;
    *count = c;
    *nbytes = (size_t)(c * es);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Preamble: magic, version, header length                                  */

/* Decodes the preamble from p (avail bytes of the start of a total-byte
 * input): *pre is 10 (1.0) or 12 (2.0), *hlen the header length, and the
 * whole header is known to be present (pre + hlen <= total). */
static pto_status npy_preamble(const char *where, const uint8_t *p, size_t avail, uint64_t total,
                               size_t *pre, uint32_t *hlen, uint8_t *major, pto_error *err)
{
    size_t m = avail < NPY_MAGIC_LEN ? avail : NPY_MAGIC_LEN;
    if (memcmp(p, NPY_MAGIC, m))
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: not a .npy file (bad magic: it must start with \\x93NUMPY)", where);
    if (total < 10)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: truncated: %" PRIu64 " bytes, shorter than the 10-byte preamble",
                        where, total);
    if ((p[6] != 1 && p[6] != 2) || p[7] != 0)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: unsupported format version %u.%u (1.0 and 2.0 are read)", where,
                        (unsigned)p[6], (unsigned)p[7]);
    *major = p[6];
    if (p[6] == 1) {
        *pre = 10;
        *hlen = (uint32_t)p[8] | (uint32_t)p[9] << 8;
    } else {
        if (total < 12)
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s: truncated: %" PRIu64
                            " bytes, shorter than the 12-byte preamble of version 2.0",
                            where, total);
        *pre = 12;
        *hlen =
            (uint32_t)p[8] | (uint32_t)p[9] << 8 | (uint32_t)p[10] << 16 | (uint32_t)p[11] << 24;
    }
    if (*hlen > PTO_NPY_MAX_HEADER)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: header length %" PRIu32 " exceeds the limit of %u bytes", where, *hlen,
                        PTO_NPY_MAX_HEADER);
    if (total - *pre < *hlen)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: truncated header: %" PRIu32 " bytes declared, %" PRIu64 " present",
                        where, *hlen, total - *pre);
    return PTO_OK;
}

/* ------------------------------------------------------------------------ */
/* Header dict parser                                                       */
/*
 * Exactly this grammar (a subset of Python literal syntax; ws is any of
 * space, tab, CR, LF):
 *   header := ws '{' ws [ item ws { ',' ws item ws } [ ',' ws ] ] '}' ws <end>
 *   item   := 'descr' ws ':' ws string
 *           | 'fortran_order' ws ':' ws ( 'True' | 'False' )
 *           | 'shape' ws ':' ws tuple
 *   tuple  := '(' ws ')' | '(' ws int ws ',' ws ')'
 *           | '(' ws int ws { ',' ws int ws }+ [ ',' ws ] ')'
 *   int    := '0' | [1-9][0-9]*, optionally followed by 'L' (Python 2)
 *   string := "'" chars "'" | '"' chars '"'   (no backslash, no newline)
 * Keys are strings too; each key must appear exactly once. */

typedef struct npy_parser {
    const char *s;
    size_t n, i; /* invariant: i <= n */
    const char *where;
    pto_error *err;
} npy_parser;

static void np_ws(npy_parser *p)
{
    while (p->i < p->n &&
           (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\r' || p->s[p->i] == '\n'))
        p->i++;
}

/* A syntax error at p->i: "expected WHAT, found 'c'" (or the end). */
static pto_status np_expected(npy_parser *p, const char *what)
{
    char found[16];
    if (p->i >= p->n)
        snprintf(found, sizeof found, "the end");
    else if (p->s[p->i] >= 0x20 && p->s[p->i] < 0x7f)
        snprintf(found, sizeof found, "'%c'", p->s[p->i]);
    else
        snprintf(found, sizeof found, "byte 0x%02x", (unsigned)(unsigned char)p->s[p->i]);
    return pto_fail(p->err, PTO_ERR_INVALID,
                    "%s: bad header dict at offset %zu: expected %s, found %s", p->where, p->i,
                    what, found);
}

static int np_eat(npy_parser *p, char c)
{
    if (p->i < p->n && p->s[p->i] == c) {
        p->i++;
        return 1;
    }
    return 0;
}

/* A quoted string into out (NUL-terminated, at most NPY_STR_MAX - 1
 * characters). */
static pto_status np_string(npy_parser *p, char *out, const char *what)
{
    if (p->i >= p->n || (p->s[p->i] != '\'' && p->s[p->i] != '"'))
        return np_expected(p, what);
    char q = p->s[p->i++];
    size_t start = p->i, k = 0;
    while (p->i < p->n && p->s[p->i] != q) {
        char c = p->s[p->i];
        if (c == '\\' || c == '\n' || c == '\r')
            return np_expected(p, "a plain string (no escapes or line breaks)");
        if (k + 1 >= NPY_STR_MAX)
            return pto_fail(p->err, PTO_ERR_INVALID,
                            "%s: bad header dict at offset %zu: string longer than %d characters",
                            p->where, start - 1, NPY_STR_MAX - 1);
        out[k++] = c;
        p->i++;
    }
    if (p->i >= p->n)
        return np_expected(p, "the closing quote");
    p->i++;
    out[k] = '\0';
    return PTO_OK;
}

static pto_status np_bool(npy_parser *p, int *v)
{
    if (p->n - p->i >= 4 && !memcmp(p->s + p->i, "True", 4)) {
        p->i += 4;
        *v = 1;
    } else if (p->n - p->i >= 5 && !memcmp(p->s + p->i, "False", 5)) {
        p->i += 5;
        *v = 0;
    } else {
        return np_expected(p, "True or False for 'fortran_order'");
    }
    return PTO_OK;
}

static int np_digit(const npy_parser *p)
{
    return p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9';
}

/* A dimension: a non-negative decimal integer that fits 64 bits. */
static pto_status np_int(npy_parser *p, uint64_t *v)
{
    if (!np_digit(p))
        return np_expected(p, "a dimension (a non-negative integer)");
    size_t start = p->i;
    uint64_t x = 0;
    while (np_digit(p)) {
        unsigned d = (unsigned)(p->s[p->i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return pto_fail(p->err, PTO_ERR_INVALID,
                            "%s: bad header dict at offset %zu: dimension does not fit 64 bits",
                            p->where, start);
        x = x * 10 + d;
        p->i++;
    }
    if (p->i - start > 1 && p->s[start] == '0') /* 07 and 00 are not Python ints */
        return pto_fail(p->err, PTO_ERR_INVALID,
                        "%s: bad header dict at offset %zu: dimension with a leading zero",
                        p->where, start);
    (void)np_eat(p, 'L'); /* Python 2 long, as old NumPy wrote it */
    *v = x;
    return PTO_OK;
}

static pto_status np_tuple(npy_parser *p, uint32_t *ndim, uint64_t *shape)
{
    pto_status s;
    size_t start = p->i;
    if (!np_eat(p, '('))
        return np_expected(p, "a tuple for 'shape'");
    np_ws(p);
    *ndim = 0;
    if (np_eat(p, ')'))
        return PTO_OK; /* () : 0-d */
    for (;;) {
        if (*ndim == PTO_NPY_MAX_DIMS)
            return pto_fail(p->err, PTO_ERR_INVALID,
                            "%s: shape has more than %d dimensions (at most %d are supported)",
                            p->where, PTO_NPY_MAX_DIMS, PTO_NPY_MAX_DIMS);
        if ((s = np_int(p, &shape[*ndim])) != PTO_OK)
            return s;
        ++*ndim;
        np_ws(p);
        if (np_eat(p, ')')) {
            /* (5) is the int 5 in Python, not a tuple */
            if (*ndim == 1)
                return pto_fail(p->err, PTO_ERR_INVALID,
                                "%s: bad header dict at offset %zu: 'shape' (%" PRIu64
                                ") is not a tuple (a 1-tuple is written (%" PRIu64 ",))",
                                p->where, start, shape[0], shape[0]);
            return PTO_OK;
        }
        if (!np_eat(p, ','))
            return np_expected(p, "',' or ')' in 'shape'");
        np_ws(p);
        if (np_eat(p, ')'))
            return PTO_OK; /* trailing comma: (5,) or (2, 3,) */
    }
}

enum { KEY_DESCR = 1, KEY_FORTRAN = 2, KEY_SHAPE = 4 };

/* Parses the header text (hlen bytes) into a's dtype, ndim, shape, count,
 * nbytes and descr. */
static pto_status npy_header_dict(const char *where, const char *h, size_t hlen, pto_npy *a,
                                  pto_error *err)
{
    npy_parser p = {h, hlen, 0, where, err};
    char key[NPY_STR_MAX], descr[NPY_STR_MAX] = "";
    int fortran = 0;
    unsigned seen = 0;
    pto_status s;

    np_ws(&p);
    if (!np_eat(&p, '{'))
        return np_expected(&p, "'{'");
    np_ws(&p);
    while (!np_eat(&p, '}')) {
        size_t at = p.i;
        if ((s = np_string(&p, key, "a key in quotes or '}'")) != PTO_OK)
            return s;
        unsigned k = !strcmp(key, "descr")           ? KEY_DESCR
                     : !strcmp(key, "fortran_order") ? KEY_FORTRAN
                     : !strcmp(key, "shape")         ? KEY_SHAPE
                                                     : 0;
        if (!k)
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s: bad header dict at offset %zu: unknown key '%s' (the keys are "
                            "'descr', 'fortran_order' and 'shape')",
                            where, at, key);
        if (seen & k)
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s: bad header dict at offset %zu: duplicate key '%s'", where, at,
                            key);
        seen |= k;
        np_ws(&p);
        if (!np_eat(&p, ':'))
            return np_expected(&p, "':' after the key");
        np_ws(&p);
        if (k == KEY_DESCR) {
            if (p.i < p.n && p.s[p.i] == '[')
                return pto_fail(err, PTO_ERR_INVALID,
                                "%s: unsupported dtype: structured arrays (a list 'descr') are "
                                "not supported",
                                where);
            s = np_string(&p, descr, "a string for 'descr'");
        } else if (k == KEY_FORTRAN) {
            s = np_bool(&p, &fortran);
        } else {
            s = np_tuple(&p, &a->ndim, a->shape);
        }
        if (s != PTO_OK)
            return s;
        np_ws(&p);
        if (np_eat(&p, ',')) {
            np_ws(&p);
        } else if (p.i >= p.n || p.s[p.i] != '}') {
            return np_expected(&p, "',' or '}'");
        }
    }
    np_ws(&p);
    if (p.i != p.n)
        return np_expected(&p, "only spaces after the dict");
    if (seen != (KEY_DESCR | KEY_FORTRAN | KEY_SHAPE))
        return pto_fail(err, PTO_ERR_INVALID, "%s: bad header dict: missing key '%s'", where,
                        !(seen & KEY_DESCR)     ? "descr"
                        : !(seen & KEY_FORTRAN) ? "fortran_order"
                                                : "shape");

    if (!npy_dtype_of(descr, &a->dtype))
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: unsupported dtype '%s' (supported: '<f4' f32, '<f2' f16, '<i4' "
                        "i32, '<u2', '<V2' or '|V2' bf16 bits)",
                        where, descr);
    memcpy(a->descr, descr, strlen(descr) + 1); /* a supported descr has 3 chars */
    if (fortran)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: fortran_order is True: only C-order arrays are supported (save "
                        "np.ascontiguousarray(a))",
                        where);
    if (!npy_sizes(a->dtype, a->ndim, a->shape, &a->count, &a->nbytes)) {
        char sh[NPY_SHAPE_TEXT];
        npy_shape_text(sh, sizeof sh, a->ndim, a->shape);
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: shape %s of %s is too large: its byte size overflows 64 bits", where,
                        sh, pto_npy_dtype_name(a->dtype));
    }
    return PTO_OK;
}

/* The data must be exactly a->nbytes: have is what follows the header. */
static pto_status npy_data_size(const char *where, const pto_npy *a, uint64_t have, pto_error *err)
{
    if (have == a->nbytes)
        return PTO_OK;
    char sh[NPY_SHAPE_TEXT];
    npy_shape_text(sh, sizeof sh, a->ndim, a->shape);
    if (have < a->nbytes)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: truncated data: shape %s of %s needs %zu bytes, %" PRIu64
                        " follow the header",
                        where, sh, pto_npy_dtype_name(a->dtype), a->nbytes, have);
    return pto_fail(err, PTO_ERR_INVALID,
                    "%s: %" PRIu64 " bytes after the data (shape %s of %s needs %zu bytes)", where,
                    have - a->nbytes, sh, pto_npy_dtype_name(a->dtype), a->nbytes);
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */

void pto_npy_free(pto_npy *a)
{
    if (!a)
        return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

pto_status pto_npy_parse(const void *buf, size_t n, pto_npy *out, pto_error *err)
{
    const char *where = "npy buffer";
    if (!out)
        return pto_fail(err, PTO_ERR_INVALID, "%s: out is NULL", where);
    memset(out, 0, sizeof *out);
    if (!buf && n)
        return pto_fail(err, PTO_ERR_INVALID, "%s: buf is NULL", where);
    const uint8_t *p = buf;
    size_t pre;
    uint32_t hlen;
    pto_npy a = {0};
    pto_status s = npy_preamble(where, p, n, n, &pre, &hlen, &a.version, err);
    if (s == PTO_OK)
        s = npy_header_dict(where, (const char *)p + pre, hlen, &a, err);
    if (s == PTO_OK)
        s = npy_data_size(where, &a, n - pre - hlen, err);
    if (s != PTO_OK)
        return s;
    a.data = malloc(a.nbytes ? a.nbytes : 1);
    if (!a.data)
        return pto_fail(err, PTO_ERR_NOMEM, "%s: out of memory for %zu bytes of data", where,
                        a.nbytes);
    if (a.nbytes)
        memcpy(a.data, p + pre + hlen, a.nbytes);
    *out = a;
    return PTO_OK;
}

pto_status pto_npy_read(const char *path, pto_npy *out, pto_error *err)
{
    if (!out)
        return pto_fail(err, PTO_ERR_INVALID, "pto_npy_read: out is NULL");
    memset(out, 0, sizeof *out);
    if (!path)
        return pto_fail(err, PTO_ERR_INVALID, "pto_npy_read: path is NULL");
    char where[PTO_ERROR_MSG_MAX / 2];
    snprintf(where, sizeof where, "npy file '%s'", path);

    FILE *f = fopen(path, "rb");
    if (!f)
        return pto_fail(err, errno == ENOENT ? PTO_ERR_NOT_FOUND : PTO_ERR_IO,
                        "%s: cannot open: %s", where, strerror(errno));
    pto_npy a = {0};
    char *header = NULL;
    pto_status s = PTO_OK;
    struct stat st;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        s = pto_fail(err, PTO_ERR_IO, "%s: not a regular file", where);
        goto out;
    }
    uint64_t total = (uint64_t)st.st_size;
    uint8_t pb[12];
    size_t got = fread(pb, 1, sizeof pb, f);
    if (got < sizeof pb && (uint64_t)got < total) {
        s = pto_fail(err, PTO_ERR_IO, "%s: read failed", where);
        goto out;
    }
    size_t pre;
    uint32_t hlen;
    if ((s = npy_preamble(where, pb, got, total, &pre, &hlen, &a.version, err)) != PTO_OK)
        goto out;
    /* npy_preamble: pre + hlen <= total and hlen <= PTO_NPY_MAX_HEADER */
    header = malloc(hlen ? hlen : 1);
    if (!header) {
        s = pto_fail(err, PTO_ERR_NOMEM, "%s: out of memory for the header", where);
        goto out;
    }
    if (fseek(f, (long)pre, SEEK_SET) || fread(header, 1, hlen, f) != hlen) {
        s = pto_fail(err, PTO_ERR_IO, "%s: read failed", where);
        goto out;
    }
    if ((s = npy_header_dict(where, header, hlen, &a, err)) != PTO_OK)
        goto out;
    if ((s = npy_data_size(where, &a, total - pre - hlen, err)) != PTO_OK)
        goto out;
    a.data = malloc(a.nbytes ? a.nbytes : 1);
    if (!a.data) {
        s = pto_fail(err, PTO_ERR_NOMEM, "%s: out of memory for %zu bytes of data", where,
                     a.nbytes);
        goto out;
    }
    if (fread(a.data, 1, a.nbytes, f) != a.nbytes) {
        s = pto_fail(err, PTO_ERR_IO, "%s: read failed (the file changed while read?)", where);
        goto out;
    }
    *out = a;
    a.data = NULL;
out:
    free(a.data);
    free(header);
    fclose(f);
    return s;
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */

/* Checks the arguments of a write; fills *nbytes. */
static pto_status npy_write_args(const char *where, pto_dtype dtype, uint32_t ndim,
                                 const uint64_t *shape, size_t *nbytes, pto_error *err)
{
    uint64_t count;
    if (!npy_descr_of(dtype))
        return pto_fail(err, PTO_ERR_INVALID, "%s: unknown dtype %d", where, (int)dtype);
    if (ndim > PTO_NPY_MAX_DIMS)
        return pto_fail(err, PTO_ERR_INVALID, "%s: %" PRIu32 " dimensions (at most %d)", where,
                        ndim, PTO_NPY_MAX_DIMS);
    if (ndim && !shape)
        return pto_fail(err, PTO_ERR_INVALID, "%s: shape is NULL", where);
    if (!npy_sizes(dtype, ndim, shape, &count, nbytes)) {
        char sh[NPY_SHAPE_TEXT];
        npy_shape_text(sh, sizeof sh, ndim, shape);
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: shape %s of %s is too large: its byte size overflows 64 bits", where,
                        sh, pto_npy_dtype_name(dtype));
    }
    return PTO_OK;
}

pto_status pto_npy_header(pto_dtype dtype, uint32_t ndim, const uint64_t *shape, void *buf,
                          size_t cap, size_t *len, pto_error *err)
{
    size_t nbytes;
    pto_status s = npy_write_args("npy header", dtype, ndim, shape, &nbytes, err);
    if (s != PTO_OK)
        return s;
    if (!len || (!buf && cap))
        return pto_fail(err, PTO_ERR_INVALID, "npy header: len or buf is NULL");

    /* The dict as NumPy writes it: keys sorted, repr of each value, ", "
     * after every item. Bounded: < 60 + 8 * 22 characters. */
    char sh[NPY_SHAPE_TEXT], dict[NPY_SHAPE_TEXT + 128];
    npy_shape_text(sh, sizeof sh, ndim, shape);
    int dl = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                      npy_descr_of(dtype), sh);
    size_t hl = (size_t)dl;
    if (ndim) {
        /* growth room: 21 - digits(shape[0]); a uint64 has <= 20 digits */
        char d0[24];
        int w = snprintf(d0, sizeof d0, "%" PRIu64, shape[0]);
        hl += (size_t)(NPY_GROWTH_DIGITS - w);
    }
    hl += 1; /* the final '\n' */
    /* pad = 64 - (pre + hl) % 64, so 1..64 spaces (NumPy adds a whole 64
     * when already aligned). Version 2.0 only when 1.0's 16-bit length
     * cannot hold it: unreachable with <= 8 dims, kept to match NumPy. */
    size_t pre = 10, pad = NPY_ALIGN - (pre + hl) % NPY_ALIGN;
    if (hl + pad > 0xffff) {
        pre = 12;
        pad = NPY_ALIGN - (pre + hl) % NPY_ALIGN;
    }
    size_t hlen = hl + pad, total = pre + hlen;
    *len = total;
    if (total > cap)
        return pto_fail(err, PTO_ERR_CAPACITY, "npy header: %zu bytes needed, %zu given", total,
                        cap);
    uint8_t *o = buf;
    memcpy(o, NPY_MAGIC, NPY_MAGIC_LEN);
    o[6] = pre == 10 ? 1 : 2;
    o[7] = 0;
    o[8] = (uint8_t)hlen;
    o[9] = (uint8_t)(hlen >> 8);
    if (pre == 12) {
        o[10] = (uint8_t)(hlen >> 16);
        o[11] = (uint8_t)(hlen >> 24);
    }
    memcpy(o + pre, dict, (size_t)dl);
    memset(o + pre + dl, ' ', total - pre - (size_t)dl - 1);
    o[total - 1] = '\n';
    return PTO_OK;
}

pto_status pto_npy_write(const char *path, pto_dtype dtype, uint32_t ndim, const uint64_t *shape,
                         const void *data, pto_error *err)
{
    if (!path)
        return pto_fail(err, PTO_ERR_INVALID, "pto_npy_write: path is NULL");
    char where[PTO_ERROR_MSG_MAX / 2];
    snprintf(where, sizeof where, "npy file '%s'", path);
    size_t nbytes, hlen;
    pto_status s = npy_write_args(where, dtype, ndim, shape, &nbytes, err);
    if (s != PTO_OK)
        return s;
    if (!data && nbytes)
        return pto_fail(err, PTO_ERR_INVALID, "%s: data is NULL", where);
    uint8_t header[1024];
    if ((s = pto_npy_header(dtype, ndim, shape, header, sizeof header, &hlen, err)) != PTO_OK)
        return s;
    FILE *f = fopen(path, "wb");
    if (!f)
        return pto_fail(err, PTO_ERR_IO, "%s: cannot create: %s", where, strerror(errno));
    int ok = fwrite(header, 1, hlen, f) == hlen;
    ok = ok && (nbytes == 0 || fwrite(data, 1, nbytes, f) == nbytes);
    int e = errno;
    ok = (fclose(f) == 0) && ok;
    if (!ok) {
        remove(path);
        return pto_fail(err, PTO_ERR_IO, "%s: write failed: %s", where, strerror(e ? e : EIO));
    }
    return PTO_OK;
}

/* ------------------------------------------------------------------------ */
/* Checking and comparing                                                   */

pto_status pto_npy_check(const pto_npy *a, pto_dtype dtype, uint32_t ndim, const uint64_t *shape,
                         const char *tensor_name, pto_error *err)
{
    const char *name = tensor_name ? tensor_name : "?";
    if (!a)
        return pto_fail(err, PTO_ERR_INVALID, "tensor '%s': no array given", name);
    if (ndim > PTO_NPY_MAX_DIMS || (ndim && !shape))
        return pto_fail(err, PTO_ERR_INVALID,
                        "tensor '%s': bad expected shape (%" PRIu32 " dimensions)", name, ndim);
    int dt_ok = a->dtype == dtype;
    int sh_ok = a->ndim == ndim;
    for (uint32_t d = 0; sh_ok && d < ndim; d++)
        sh_ok = a->shape[d] == shape[d];
    if (dt_ok && sh_ok)
        return PTO_OK;
    char want[NPY_SHAPE_TEXT], got[NPY_SHAPE_TEXT];
    npy_shape_text(want, sizeof want, ndim, shape);
    npy_shape_text(got, sizeof got, a->ndim <= PTO_NPY_MAX_DIMS ? a->ndim : 0, a->shape);
    return pto_fail(err, PTO_ERR_INVALID, "tensor '%s': expected %s %s, got %s %s (descr '%s'): %s",
                    name, pto_npy_dtype_name(dtype), want, pto_npy_dtype_name(a->dtype), got,
                    a->descr,
                    !dt_ok && !sh_ok ? "dtype and shape differ"
                    : !dt_ok         ? "dtype differs"
                                     : "shape differs");
}

/* Element i of data as a double (exact for every supported dtype). */
static double npy_elem(pto_dtype dtype, const void *data, uint64_t i)
{
    const unsigned char *b = data;
    switch (dtype) {
    case PTO_F32: {
        float f;
        memcpy(&f, b + i * 4, 4);
        return f;
    }
    case PTO_I32: {
        int32_t v;
        memcpy(&v, b + i * 4, 4);
        return v;
    }
    case PTO_F16:
    case PTO_BF16: {
        uint16_t h;
        memcpy(&h, b + i * 2, 2);
        return dtype == PTO_F16 ? pto_tile_f16_to_f32(h) : pto_tile_bf16_to_f32(h);
    }
    default: return 0;
    }
}

uint64_t pto_npy_compare(pto_dtype dtype, uint64_t n, const void *got, const void *want,
                         double rtol, double atol, double *max_err, uint64_t *first_bad)
{
    double mx = 0;
    uint64_t bad = 0, first = n;
    if (!npy_descr_of(dtype) || (n && (!got || !want))) {
        if (max_err)
            *max_err = n ? INFINITY : 0;
        if (first_bad)
            *first_bad = 0;
        return n;
    }
    for (uint64_t i = 0; i < n; i++) {
        double g = npy_elem(dtype, got, i), w = npy_elem(dtype, want, i), d;
        int ok;
        if (g == w || (isnan(g) && isnan(w))) {
            d = 0;
            ok = 1;
        } else if (!isfinite(g) || !isfinite(w)) {
            /* a NaN or an infinity on one side only (unequal infinities
             * included): never close, whatever rtol says */
            d = INFINITY;
            ok = 0;
        } else {
            d = fabs(g - w);
            ok = d <= atol + rtol * fabs(w);
        }
        if (d > mx)
            mx = d;
        if (!ok) {
            if (!bad)
                first = i;
            bad++;
        }
    }
    if (max_err)
        *max_err = mx;
    if (first_bad)
        *first_bad = first;
    return bad;
}

pto_status pto_npy_check_close(const pto_npy *golden, const void *got, double rtol, double atol,
                               const char *tensor_name, pto_error *err)
{
    const char *name = tensor_name ? tensor_name : "?";
    if (!golden || golden->ndim > PTO_NPY_MAX_DIMS || !npy_descr_of(golden->dtype) ||
        (golden->count && (!got || !golden->data)))
        return pto_fail(err, PTO_ERR_INVALID, "tensor '%s': no golden array or data to compare",
                        name);
    double mx;
    uint64_t first, n = golden->count;
    uint64_t bad = pto_npy_compare(golden->dtype, n, got, golden->data, rtol, atol, &mx, &first);
    if (!bad)
        return PTO_OK;
    /* the multi-index of the first mismatch, C order: the last dim varies
     * fastest */
    uint64_t idx[PTO_NPY_MAX_DIMS], rest = first;
    for (uint32_t d = golden->ndim; d-- > 0;) {
        idx[d] = rest % golden->shape[d]; /* shape[d] > 0: the array has elements */
        rest /= golden->shape[d];
    }
    char mi[NPY_SHAPE_TEXT];
    size_t k = 0;
    int w = snprintf(mi, sizeof mi, "[");
    k = (size_t)w;
    for (uint32_t d = 0; d < golden->ndim && k < sizeof mi; d++) {
        w = snprintf(mi + k, sizeof mi - k, "%s%" PRIu64, d ? ", " : "", idx[d]);
        k += w > 0 ? (size_t)w : 0;
    }
    if (k < sizeof mi)
        snprintf(mi + k, sizeof mi - k, "]");
    double g = npy_elem(golden->dtype, got, first),
           v = npy_elem(golden->dtype, golden->data, first);
    return pto_fail(err, PTO_ERR_INVALID,
                    "tensor '%s': %" PRIu64 " of %" PRIu64
                    " elements differ (|got - want| > atol + rtol * |want|, rtol %g, atol %g); "
                    "first at index %" PRIu64 " %s: got %.9g, want %.9g; max |got - want| %.9g",
                    name, bad, n, rtol, atol, first, mi, g, v, mx);
}
