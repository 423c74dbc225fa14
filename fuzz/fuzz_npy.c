/* libFuzzer target: the .npy reader (pto_npy_parse, src/tools/npy.c; the
 * same code pto_npy_read runs on a file) on arbitrary bytes. Properties,
 * from pto/tools.h:
 *   - parsing never crashes; a failure is PTO_ERR_INVALID (or NOMEM) with a
 *     message starting "npy buffer: ", and leaves nothing to free;
 *   - a success has a supported dtype, ndim <= 8, count = product of the
 *     shape, nbytes = count * element size, and exactly the input's last
 *     nbytes bytes as data;
 *   - the array written back (pto_npy_header + data) is a multiple of 64
 *     bytes of header and parses to the same dtype, shape and data, and its
 *     header is the same bytes a second time (writing is a fixed point);
 *   - the copy compares equal to the original with zero tolerance (NaNs
 *     match NaNs; pto_npy_compare and pto_npy_check_close) and passes
 *     pto_npy_check against its dtype and shape.
 * Inputs are mostly mutated from the seeds libFuzzer finds; a .npy file
 * from pto_npy_write is a good seed (docs/testing.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pto/tools.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pto_error err;
    pto_npy a, b;
    pto_status s = pto_npy_parse(data, size, &a, &err);
    if (s) {
        FZ_CHECK(s == PTO_ERR_INVALID || s == PTO_ERR_NOMEM, "status %d", (int)s);
        FZ_CHECK(!strncmp(err.msg, "npy buffer: ", 12), "message: %s", err.msg);
        FZ_CHECK(a.data == NULL, "failure left data: %s", err.msg);
        return 0;
    }
    size_t es = pto_tile_dtype_size(a.dtype);
    FZ_CHECK(es == 2 || es == 4, "dtype %d", (int)a.dtype);
    FZ_CHECK(a.ndim <= PTO_NPY_MAX_DIMS, "ndim %u", a.ndim);
    uint64_t c = 1;
    for (uint32_t d = 0; d < a.ndim; d++)
        c *= a.shape[d]; /* cannot overflow: nbytes fit the input */
    FZ_CHECK(c == a.count, "count %llu, product %llu", (unsigned long long)a.count,
             (unsigned long long)c);
    FZ_CHECK(a.nbytes == a.count * es && a.nbytes <= size, "nbytes %zu", a.nbytes);
    FZ_CHECK(!memcmp(a.data, data + size - a.nbytes, a.nbytes), "data differs from the input");
    FZ_CHECK(a.version == 1 || a.version == 2, "version %u", a.version);

    uint8_t h[1024], h2[1024];
    size_t hl, hl2;
    s = pto_npy_header(a.dtype, a.ndim, a.shape, h, sizeof h, &hl, &err);
    FZ_CHECK(s == PTO_OK, "header: %s", err.msg);
    FZ_CHECK(hl % 64 == 0 && h[hl - 1] == '\n', "header length %zu", hl);
    uint8_t *img = malloc(hl + a.nbytes);
    FZ_CHECK(img != NULL, "malloc");
    memcpy(img, h, hl);
    memcpy(img + hl, a.data, a.nbytes);
    s = pto_npy_parse(img, hl + a.nbytes, &b, &err);
    FZ_CHECK(s == PTO_OK, "reparse: %s", err.msg);
    FZ_CHECK(b.dtype == a.dtype && b.ndim == a.ndim && b.count == a.count &&
                 !memcmp(b.shape, a.shape, sizeof a.shape) && !memcmp(b.data, a.data, a.nbytes),
             "reparse differs");
    s = pto_npy_header(b.dtype, b.ndim, b.shape, h2, sizeof h2, &hl2, &err);
    FZ_CHECK(s == PTO_OK && hl2 == hl && !memcmp(h, h2, hl), "header not a fixed point");
    FZ_CHECK(pto_npy_check(&b, a.dtype, a.ndim, a.shape, "t", &err) == PTO_OK, "%s", err.msg);
    uint64_t first;
    double mx;
    FZ_CHECK(pto_npy_compare(a.dtype, a.count, a.data, b.data, 0, 0, &mx, &first) == 0 &&
                 first == a.count && mx == 0,
             "self compare");
    FZ_CHECK(pto_npy_check_close(&a, b.data, 0, 0, "t", &err) == PTO_OK, "%s", err.msg);
    free(img);
    pto_npy_free(&b);
    pto_npy_free(&a);
    return 0;
}
