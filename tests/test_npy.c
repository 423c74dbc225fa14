/* NumPy .npy files (src/tools/npy.c, pto/tools.h):
 *   - round trips of every dtype (f32, f16, bf16, i32) in 0-d, 1-d, 4-d and
 *     empty shapes, through files;
 *   - the exact bytes NumPy writes for known arrays (headers derived by
 *     hand below, padded to 64 bytes with NumPy's growth room);
 *   - version 2.0 files, bf16 read from '<V2' / '|V2', the parser's
 *     accepted variations (key order, quotes, spaces, 1-tuples, 2L);
 *   - one test per error, with its exact message;
 *   - pto_npy_check and pto_npy_compare.
 * Files go to a mkdtemp directory removed at the end. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pto/pto.h"
#include "pto/tools.h"

static char g_dir[64];

static const char *tmp_path(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    return path;
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static size_t read_bytes(const char *path, void *p, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(p, 1, cap, f);
    fclose(f);
    return n;
}

/* A .npy image: magic, version major.0, the header text as given (no
 * padding added), then ndata bytes 0, 1, 2, ... */
static size_t make_npy(uint8_t *buf, int major, const char *header, size_t ndata)
{
    size_t hl = strlen(header), k = 0;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (uint8_t)major;
    buf[7] = 0;
    buf[8] = (uint8_t)hl;
    buf[9] = (uint8_t)(hl >> 8);
    k = 10;
    if (major == 2) {
        buf[10] = (uint8_t)(hl >> 16);
        buf[11] = (uint8_t)(hl >> 24);
        k = 12;
    }
    memcpy(buf + k, header, hl);
    k += hl;
    for (size_t i = 0; i < ndata; i++)
        buf[k++] = (uint8_t)i;
    return k;
}

/* ------------------------------------------------------------------------ */

static void round_trip(pto_dtype dt, uint32_t ndim, const uint64_t *shape)
{
    uint64_t count = 1;
    for (uint32_t d = 0; d < ndim; d++)
        count *= shape[d];
    size_t es = pto_tile_dtype_size(dt), nbytes = (size_t)count * es;
    uint8_t *data = malloc(nbytes + 1);
    assert_non_null(data);
    for (size_t i = 0; i < nbytes; i++)
        data[i] = (uint8_t)(i * 37 + 11);
    pto_error err;
    const char *path = tmp_path("rt.npy");
    assert_int_equal(pto_npy_write(path, dt, ndim, shape, data, &err), PTO_OK);
    pto_npy a;
    pto_status s = pto_npy_read(path, &a, &err);
    if (s)
        fail_msg("%s", err.msg);
    assert_int_equal(a.dtype, dt);
    assert_int_equal(a.ndim, ndim);
    for (uint32_t d = 0; d < ndim; d++)
        assert_int_equal(a.shape[d], shape[d]);
    for (uint32_t d = ndim; d < PTO_NPY_MAX_DIMS; d++)
        assert_int_equal(a.shape[d], 0);
    assert_int_equal(a.count, count);
    assert_int_equal(a.nbytes, nbytes);
    assert_int_equal(a.version, 1);
    assert_non_null(a.data);
    if (nbytes)
        assert_memory_equal(a.data, data, nbytes);
    assert_string_equal(a.descr, dt == PTO_F32   ? "<f4"
                                 : dt == PTO_F16 ? "<f2"
                                 : dt == PTO_I32 ? "<i4"
                                                 : "<u2");
    assert_int_equal(pto_npy_check(&a, dt, ndim, shape, "t", &err), PTO_OK);
    /* the file is header + data exactly, the header a multiple of 64 */
    uint8_t hdr[1024];
    size_t hlen;
    assert_int_equal(pto_npy_header(dt, ndim, shape, hdr, sizeof hdr, &hlen, &err), PTO_OK);
    assert_int_equal(hlen % 64, 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    assert_int_equal((size_t)ftell(f), hlen + nbytes);
    fclose(f);
    pto_npy_free(&a);
    assert_null(a.data);
    free(data);
}

static void test_round_trips(void **state)
{
    (void)state;
    static const pto_dtype dts[] = {PTO_F32, PTO_F16, PTO_BF16, PTO_I32};
    static const uint64_t s1[] = {5}, s4[] = {2, 3, 1, 4}, sz[] = {3, 0},
                          s8[] = {1, 2, 1, 2, 1, 2, 1, 3};
    for (size_t i = 0; i < 4; i++) {
        round_trip(dts[i], 0, NULL);
        round_trip(dts[i], 1, s1);
        round_trip(dts[i], 4, s4);
        round_trip(dts[i], 2, sz);
        round_trip(dts[i], 8, s8);
    }
}

/* np.save('a.npy', np.arange(6, dtype=np.float32).reshape(2, 3)), by hand:
 *   dict "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
 *   is 17 + 24 + 17 + 1 = 59 characters; NumPy adds 21 - 1 = 20 spaces of
 *   growth room (shape[0] = 2 has one digit) and a '\n': 80. Magic (6) +
 *   version (2) + length (2) = 10, and 10 + 80 = 90 pads to 128 with 38
 *   more spaces: header length 118 = 0x76, 58 spaces in all. */
static void test_golden_header(void **state)
{
    (void)state;
    static const char want_dict[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    uint8_t want[128 + 24];
    memcpy(want, "\x93NUMPY\x01\x00\x76\x00", 10);
    memcpy(want + 10, want_dict, 59);
    memset(want + 69, ' ', 58);
    want[127] = '\n';
    float v[6] = {0, 1, 2, 3, 4, 5};
    memcpy(want + 128, v, sizeof v); /* little-endian host */

    uint64_t shape[2] = {2, 3};
    uint8_t got[1024];
    size_t len;
    pto_error err;
    assert_int_equal(sizeof want_dict - 1, 59);
    assert_int_equal(pto_npy_header(PTO_F32, 2, shape, got, sizeof got, &len, &err), PTO_OK);
    assert_int_equal(len, 128);
    assert_memory_equal(got, want, 128);

    const char *path = tmp_path("golden.npy");
    assert_int_equal(pto_npy_write(path, PTO_F32, 2, shape, v, &err), PTO_OK);
    assert_int_equal(read_bytes(path, got, sizeof got), sizeof want);
    assert_memory_equal(got, want, sizeof want);

    /* too small a buffer: CAPACITY, and len still says 128 */
    len = 0;
    assert_int_equal(pto_npy_header(PTO_F32, 2, shape, got, 100, &len, &err), PTO_ERR_CAPACITY);
    assert_int_equal(len, 128);
    assert_string_equal(err.msg, "npy header: 128 bytes needed, 100 given");
}

/* 0-d bf16: "{'descr': '<u2', 'fortran_order': False, 'shape': (), }" is
 * 17 + 24 + 13 + 1 = 55 characters, no growth room (no shape[0]), '\n':
 * 56; 10 + 56 = 66 pads to 128 with 62 spaces: length 118 again.
 * 1-d, 100000 i32: the dict is 17 + 24 + 20 + 1 = 62 characters, shape[0]
 * has 6 digits (15 growth spaces), '\n': 78; 10 + 78 = 88 -> 128, so 55
 * spaces. */
static void test_golden_scalar_and_1d(void **state)
{
    (void)state;
    uint8_t got[1024], want[128];
    size_t len;
    pto_error err;
    static const char d0[] = "{'descr': '<u2', 'fortran_order': False, 'shape': (), }";
    memcpy(want, "\x93NUMPY\x01\x00\x76\x00", 10);
    memcpy(want + 10, d0, 55);
    memset(want + 65, ' ', 62);
    want[127] = '\n';
    assert_int_equal(pto_npy_header(PTO_BF16, 0, NULL, got, sizeof got, &len, &err), PTO_OK);
    assert_int_equal(len, 128);
    assert_memory_equal(got, want, 128);

    static const char d1[] = "{'descr': '<i4', 'fortran_order': False, 'shape': (100000,), }";
    uint64_t n = 100000;
    assert_int_equal(sizeof d1 - 1, 62);
    memcpy(want + 10, d1, 62);
    memset(want + 72, ' ', 55);
    want[127] = '\n';
    assert_int_equal(pto_npy_header(PTO_I32, 1, &n, got, sizeof got, &len, &err), PTO_OK);
    assert_int_equal(len, 128);
    assert_memory_equal(got, want, 128);

    /* 8 dims of 20 digits: the header grows past 128 bytes and is still a
     * multiple of 64 ending in '\n', its length field saying so */
    uint64_t big[8] = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX,
                       UINT64_MAX, UINT64_MAX, UINT64_MAX, 0}; /* count 0: no overflow */
    assert_int_equal(pto_npy_header(PTO_F16, 8, big, got, sizeof got, &len, &err), PTO_OK);
    assert_int_equal(len % 64, 0);
    assert_int_equal(got[len - 1], '\n');
    assert_int_equal(got[8] | got[9] << 8, len - 10);
}

/* A version 2.0 file (4-byte header length) reads like 1.0. */
static void test_version2_read(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t n = make_npy(buf, 2, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }  \n", 8);
    pto_npy a;
    pto_error err;
    assert_int_equal(pto_npy_parse(buf, n, &a, &err), PTO_OK);
    assert_int_equal(a.version, 2);
    assert_int_equal(a.dtype, PTO_I32);
    assert_int_equal(a.ndim, 1);
    assert_int_equal(a.shape[0], 2);
    const int32_t want[2] = {0x03020100, 0x07060504};
    assert_memory_equal(a.data, want, 8);
    pto_npy_free(&a);

    const char *path = tmp_path("v2.npy");
    write_bytes(path, buf, n);
    assert_int_equal(pto_npy_read(path, &a, &err), PTO_OK);
    assert_int_equal(a.version, 2);
    assert_memory_equal(a.data, want, 8);
    pto_npy_free(&a);
}

/* bf16 conventions: '<u2' (what pto_npy_write writes), '<V2' (np.save of
 * an ml_dtypes.bfloat16 array) and '|V2' (a plain 2-byte void) all read as
 * bf16 bits. */
static void test_bf16_descrs(void **state)
{
    (void)state;
    static const char *descrs[] = {"<u2", "<V2", "|V2"};
    for (int i = 0; i < 3; i++) {
        char h[128];
        uint8_t buf[256];
        snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (2,), }\n",
                 descrs[i]);
        size_t n = make_npy(buf, 1, h, 4);
        pto_npy a;
        pto_error err;
        assert_int_equal(pto_npy_parse(buf, n, &a, &err), PTO_OK);
        assert_int_equal(a.dtype, PTO_BF16);
        assert_string_equal(a.descr, descrs[i]);
        uint64_t shape = 2;
        assert_int_equal(pto_npy_check(&a, PTO_BF16, 1, &shape, "w", &err), PTO_OK);
        pto_npy_free(&a);
    }
}

/* What the grammar accepts besides NumPy's own output. */
static void test_parser_variants(void **state)
{
    (void)state;
    static const struct {
        const char *header;
        uint32_t ndim;
        uint64_t d0, d1;
    } ok[] = {
        {"{'shape': (3, 2), 'fortran_order': False, 'descr': '<f4'}", 2, 3, 2},
        {"{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (6,)}", 1, 6, 0},
        {"  {  'descr'  :  '<f4' ,\t'fortran_order':False,'shape':( 6 , ) , }\n", 1, 6, 0},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", 2, 2, 3},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 6,), }", 2, 1, 6},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 0, 0, 0},
        {"{'descr':'<f4','fortran_order':False,'shape':(0,)}\r\n", 1, 0, 0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        uint8_t buf[256];
        uint64_t count = ok[i].ndim == 0 ? 1 : ok[i].ndim == 1 ? ok[i].d0 : ok[i].d0 * ok[i].d1;
        size_t n = make_npy(buf, 1, ok[i].header, (size_t)count * 4);
        pto_npy a;
        pto_error err;
        if (pto_npy_parse(buf, n, &a, &err))
            fail_msg("%s: %s", ok[i].header, err.msg);
        assert_int_equal(a.ndim, ok[i].ndim);
        assert_int_equal(a.shape[0], ok[i].d0);
        assert_int_equal(a.shape[1], ok[i].d1);
        assert_int_equal(a.count, count);
        pto_npy_free(&a);
    }
}

/* ------------------------------------------------------------------------ */
/* Errors: one per case, with the exact message                             */

#define HDR(shape_descr) "{" shape_descr "}"

static void expect_parse_error(const uint8_t *buf, size_t n, pto_status status, const char *msg)
{
    pto_npy a;
    pto_error err;
    memset(&a, 0x5a, sizeof a);
    pto_status s = pto_npy_parse(buf, n, &a, &err);
    if (s != status || strcmp(err.msg, msg))
        fail_msg("status %s, message\n  %s\nwanted %s\n  %s", pto_status_name(s), err.msg,
                 pto_status_name(status), msg);
    assert_null(a.data); /* zeroed: nothing to free */
    pto_npy_free(&a);
}

static void expect_header_error(const char *header, size_t ndata, const char *msg)
{
    uint8_t buf[1024];
    size_t n = make_npy(buf, 1, header, ndata);
    expect_parse_error(buf, n, PTO_ERR_INVALID, msg);
}

static void test_error_preamble(void **state)
{
    (void)state;
    expect_parse_error((const uint8_t *)"", 0, PTO_ERR_INVALID,
                       "npy buffer: truncated: 0 bytes, shorter than the 10-byte preamble");
    expect_parse_error((const uint8_t *)"\x93NUM", 4, PTO_ERR_INVALID,
                       "npy buffer: truncated: 4 bytes, shorter than the 10-byte preamble");
    expect_parse_error((const uint8_t *)"PK\x03\x04 zip file", 15, PTO_ERR_INVALID,
                       "npy buffer: not a .npy file (bad magic: it must start with \\x93NUMPY)");
    expect_parse_error((const uint8_t *)"\x93NUMPY\x03\x00\x00\x00", 10, PTO_ERR_INVALID,
                       "npy buffer: unsupported format version 3.0 (1.0 and 2.0 are read)");
    expect_parse_error((const uint8_t *)"\x93NUMPY\x01\x01\x00\x00", 10, PTO_ERR_INVALID,
                       "npy buffer: unsupported format version 1.1 (1.0 and 2.0 are read)");
    expect_parse_error((const uint8_t *)"\x93NUMPY\x02\x00\x00\x00", 10, PTO_ERR_INVALID,
                       "npy buffer: truncated: 10 bytes, shorter than the 12-byte preamble of "
                       "version 2.0");
    expect_parse_error((const uint8_t *)"\x93NUMPY\x01\x00\x76\x00{'descr'", 17, PTO_ERR_INVALID,
                       "npy buffer: truncated header: 118 bytes declared, 7 present");
}

static void test_error_header_too_long(void **state)
{
    (void)state;
    expect_parse_error((const uint8_t *)"\x93NUMPY\x02\x00\x01\x00\x01\x00", 12, PTO_ERR_INVALID,
                       "npy buffer: header length 65537 exceeds the limit of 65536 bytes");
}

static void test_error_dict_syntax(void **state)
{
    (void)state;
    expect_header_error("", 0,
                        "npy buffer: bad header dict at offset 0: expected '{', found the end");
    expect_header_error("['descr']", 0,
                        "npy buffer: bad header dict at offset 0: expected '{', found '['");
    expect_header_error("{'descr' '<f4'}", 0,
                        "npy buffer: bad header dict at offset 9: expected ':' after the key, "
                        "found '''");
    expect_header_error("{descr: '<f4'}", 0,
                        "npy buffer: bad header dict at offset 1: expected a key in quotes or "
                        "'}', found 'd'");
    expect_header_error("{'descr': '<f4' 'shape': ()}", 0,
                        "npy buffer: bad header dict at offset 16: expected ',' or '}', found '''");
    expect_header_error("{'descr': '<f4", 0,
                        "npy buffer: bad header dict at offset 14: expected the closing quote, "
                        "found the end");
    expect_header_error("{'descr': '<f\\x34'}", 0,
                        "npy buffer: bad header dict at offset 13: expected a plain string (no "
                        "escapes or line breaks), found '\\'");
    expect_header_error("{'descr': 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'}", 0,
                        "npy buffer: bad header dict at offset 10: string longer than 31 "
                        "characters");
    expect_header_error("{'descr': '<f4', 'fortran_order': false, 'shape': ()}", 0,
                        "npy buffer: bad header dict at offset 34: expected True or False for "
                        "'fortran_order', found 'f'");
    expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", 0,
                        "npy buffer: bad header dict at offset 50: expected a tuple for 'shape', "
                        "found '['");
    expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': ()} x", 0,
                        "npy buffer: bad header dict at offset 54: expected only spaces after "
                        "the dict, found 'x'");
    expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': ()}\x01", 0,
                        "npy buffer: bad header dict at offset 53: expected only spaces after "
                        "the dict, found byte 0x01");
    expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': (,)}", 0,
                        "npy buffer: bad header dict at offset 51: expected a dimension (a "
                        "non-negative integer), found ','");
    expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': (2 3)}", 0,
                        "npy buffer: bad header dict at offset 53: expected ',' or ')' in "
                        "'shape', found '3'");
}

static void test_error_dict_keys(void **state)
{
    (void)state;
    expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}", 0,
                        "npy buffer: bad header dict at offset 54: unknown key 'x' (the keys are "
                        "'descr', 'fortran_order' and 'shape')");
    expect_header_error("{'descr': '<f4', 'descr': '<f4'}", 0,
                        "npy buffer: bad header dict at offset 17: duplicate key 'descr'");
    expect_header_error("{'descr': '<f4', 'shape': ()}", 0,
                        "npy buffer: bad header dict: missing key 'fortran_order'");
    expect_header_error("{'fortran_order': False, 'shape': ()}", 0,
                        "npy buffer: bad header dict: missing key 'descr'");
    expect_header_error("{}", 0, "npy buffer: bad header dict: missing key 'descr'");
}

static void test_error_shape(void **state)
{
    (void)state;
    expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': (5)}", 20,
                        "npy buffer: bad header dict at offset 50: 'shape' (5) is not a tuple (a "
                        "1-tuple is written (5,))");
    expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': (05,)}", 20,
                        "npy buffer: bad header dict at offset 51: dimension with a leading "
                        "zero");
    expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", 0,
                        "npy buffer: bad header dict at offset 51: expected a dimension (a "
                        "non-negative integer), found '-'");
    expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': "
                        "(18446744073709551616,)}",
                        0,
                        "npy buffer: bad header dict at offset 51: dimension does not fit 64 "
                        "bits");
    expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': "
                        "(1, 1, 1, 1, 1, 1, 1, 1, 1)}",
                        4,
                        "npy buffer: shape has more than 8 dimensions (at most 8 are supported)");
    /* 2^22 * 2^21 * 2^21 = 2^64 elements: the product overflows */
    expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': "
                        "(4194304, 2097152, 2097152)}",
                        0,
                        "npy buffer: shape (4194304, 2097152, 2097152) of f32 is too large: its "
                        "byte size overflows 64 bits");
    /* 2^62 elements fit, 2^64 bytes of f32 do not */
    expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': "
                        "(4611686018427387904,)}",
                        0,
                        "npy buffer: shape (4611686018427387904,) of f32 is too large: its byte "
                        "size overflows 64 bits");
    /* a huge shape that does not overflow is truncated data (never
     * allocated) */
    expect_header_error("{'descr': '<f2', 'fortran_order': False, 'shape': (1000000000000,)}", 8,
                        "npy buffer: truncated data: shape (1000000000000,) of f16 needs "
                        "2000000000000 bytes, 8 follow the header");
}

static void test_error_dtype_order(void **state)
{
    (void)state;
    expect_header_error("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", 8,
                        "npy buffer: unsupported dtype '<f8' (supported: '<f4' f32, '<f2' f16, "
                        "'<i4' i32, '<u2', '<V2' or '|V2' bf16 bits)");
    expect_header_error("{'descr': '>f4', 'fortran_order': False, 'shape': (1,)}", 4,
                        "npy buffer: unsupported dtype '>f4' (supported: '<f4' f32, '<f2' f16, "
                        "'<i4' i32, '<u2', '<V2' or '|V2' bf16 bits)");
    expect_header_error("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", 4,
                        "npy buffer: unsupported dtype: structured arrays (a list 'descr') are "
                        "not supported");
    expect_header_error("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3)}", 24,
                        "npy buffer: fortran_order is True: only C-order arrays are supported "
                        "(save np.ascontiguousarray(a))");
}

static void test_error_data_size(void **state)
{
    (void)state;
    expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", 20,
                        "npy buffer: truncated data: shape (2, 3) of f32 needs 24 bytes, 20 "
                        "follow the header");
    expect_header_error("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", 25,
                        "npy buffer: 1 bytes after the data (shape (2, 3) of f32 needs 24 bytes)");
    expect_header_error("{'descr': '<i4', 'fortran_order': False, 'shape': ()}", 0,
                        "npy buffer: truncated data: shape () of i32 needs 4 bytes, 0 follow the "
                        "header");
}

/* The same failures through a file name the file. */
static void test_error_files(void **state)
{
    (void)state;
    pto_npy a;
    pto_error err;
    char want[512];
    const char *path = tmp_path("missing.npy");
    assert_int_equal(pto_npy_read(path, &a, &err), PTO_ERR_NOT_FOUND);
    snprintf(want, sizeof want, "npy file '%s': cannot open: No such file or directory", path);
    assert_string_equal(err.msg, want);

    assert_int_equal(pto_npy_read(g_dir, &a, &err), PTO_ERR_IO);
    snprintf(want, sizeof want, "npy file '%s': not a regular file", g_dir);
    assert_string_equal(err.msg, want);

    uint8_t buf[256];
    size_t n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", 20);
    path = tmp_path("short.npy");
    write_bytes(path, buf, n);
    assert_int_equal(pto_npy_read(path, &a, &err), PTO_ERR_INVALID);
    snprintf(want, sizeof want,
             "npy file '%s': truncated data: shape (2, 3) of f32 needs 24 bytes, 20 follow the "
             "header",
             path);
    assert_string_equal(err.msg, want);
    assert_null(a.data);

    path = tmp_path("tiny.npy");
    write_bytes(path, "\x93NUMPY\x01", 7);
    assert_int_equal(pto_npy_read(path, &a, &err), PTO_ERR_INVALID);
    snprintf(want, sizeof want,
             "npy file '%s': truncated: 7 bytes, shorter than the 10-byte preamble", path);
    assert_string_equal(err.msg, want);

    path = tmp_path("hdr.npy");
    write_bytes(path, "\x93NUMPY\x01\x00\x40\x00{}", 12);
    assert_int_equal(pto_npy_read(path, &a, &err), PTO_ERR_INVALID);
    snprintf(want, sizeof want, "npy file '%s': truncated header: 64 bytes declared, 2 present",
             path);
    assert_string_equal(err.msg, want);

    path = tmp_path("text.npy");
    write_bytes(path, "hello", 5);
    assert_int_equal(pto_npy_read(path, &a, &err), PTO_ERR_INVALID);
    snprintf(want, sizeof want,
             "npy file '%s': not a .npy file (bad magic: it must start with \\x93NUMPY)", path);
    assert_string_equal(err.msg, want);
}

static void test_error_write(void **state)
{
    (void)state;
    pto_error err;
    uint64_t shape[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    float x[1] = {1};
    char want[512];
    const char *path = tmp_path("w.npy");
    assert_int_equal(pto_npy_write(path, (pto_dtype)9, 1, shape, x, &err), PTO_ERR_INVALID);
    snprintf(want, sizeof want, "npy file '%s': unknown dtype 9", path);
    assert_string_equal(err.msg, want);
    assert_int_equal(pto_npy_write(path, PTO_F32, 9, shape, x, &err), PTO_ERR_INVALID);
    snprintf(want, sizeof want, "npy file '%s': 9 dimensions (at most 8)", path);
    assert_string_equal(err.msg, want);
    uint64_t huge[2] = {UINT64_MAX, 2};
    assert_int_equal(pto_npy_write(path, PTO_I32, 2, huge, x, &err), PTO_ERR_INVALID);
    snprintf(want, sizeof want,
             "npy file '%s': shape (18446744073709551615, 2) of i32 is too large: its byte size "
             "overflows 64 bits",
             path);
    assert_string_equal(err.msg, want);
    assert_int_equal(pto_npy_write(path, PTO_F32, 1, shape, NULL, &err), PTO_ERR_INVALID);
    snprintf(want, sizeof want, "npy file '%s': data is NULL", path);
    assert_string_equal(err.msg, want);
    assert_int_equal(pto_npy_write(path, PTO_F32, 1, NULL, x, &err), PTO_ERR_INVALID);
    snprintf(want, sizeof want, "npy file '%s': shape is NULL", path);
    assert_string_equal(err.msg, want);
    assert_int_equal(access(path, F_OK), -1); /* nothing written */

    path = tmp_path("no/such/dir.npy");
    assert_int_equal(pto_npy_write(path, PTO_F32, 1, shape, x, &err), PTO_ERR_IO);
    snprintf(want, sizeof want, "npy file '%s': cannot create: No such file or directory", path);
    assert_string_equal(err.msg, want);

    /* an empty array needs no data pointer */
    uint64_t zero = 0;
    path = tmp_path("empty.npy");
    assert_int_equal(pto_npy_write(path, PTO_F32, 1, &zero, NULL, &err), PTO_OK);
}

/* ------------------------------------------------------------------------ */

static void test_check(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t n = make_npy(buf, 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3)}", 12);
    pto_npy a;
    pto_error err;
    assert_int_equal(pto_npy_parse(buf, n, &a, &err), PTO_OK);
    uint64_t s23[2] = {2, 3}, s32[2] = {3, 2}, s6 = 6;
    assert_int_equal(pto_npy_check(&a, PTO_F16, 2, s23, "x", &err), PTO_OK);
    assert_int_equal(pto_npy_check(&a, PTO_F32, 2, s23, "x", &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg,
                        "tensor 'x': expected f32 (2, 3), got f16 (2, 3) (descr '<f2'): dtype "
                        "differs");
    assert_int_equal(pto_npy_check(&a, PTO_F16, 2, s32, "weights", &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg,
                        "tensor 'weights': expected f16 (3, 2), got f16 (2, 3) (descr '<f2'): "
                        "shape differs");
    assert_int_equal(pto_npy_check(&a, PTO_BF16, 1, &s6, "y", &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg,
                        "tensor 'y': expected bf16 (6,), got f16 (2, 3) (descr '<f2'): dtype and "
                        "shape differ");
    assert_int_equal(pto_npy_check(&a, PTO_F16, 0, NULL, "s", &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg,
                        "tensor 's': expected f16 (), got f16 (2, 3) (descr '<f2'): shape differs");
    pto_npy_free(&a);
    pto_npy_free(&a); /* twice is fine: zeroed */
    pto_npy_free(NULL);
}

static void test_compare(void **state)
{
    (void)state;
    double mx;
    uint64_t first;
    /* f32: |g - w| <= atol + rtol * |w| */
    float w[5] = {1.0f, 100.0f, -2.0f, 0.0f, 5.0f};
    float g[5] = {1.0f, 100.5f, -2.0f, 0.001f, 5.0f};
    assert_int_equal(pto_npy_compare(PTO_F32, 5, g, w, 0.01, 0.01, &mx, &first), 0);
    assert_int_equal(first, 5);
    assert_true(fabs(mx - 0.5) < 1e-12);
    assert_int_equal(pto_npy_compare(PTO_F32, 5, g, w, 0.001, 0.01, &mx, &first), 1);
    assert_int_equal(first, 1); /* 0.5 > 0.01 + 0.1 */
    assert_int_equal(pto_npy_compare(PTO_F32, 5, g, w, 0, 0, &mx, &first), 2);
    assert_int_equal(first, 1);
    /* the bound is inclusive: 0.5 <= 0 + 0.005 * 100 */
    assert_int_equal(pto_npy_compare(PTO_F32, 2, g, w, 0.005, 0, &mx, &first), 0);

    /* NaN and infinities */
    float wn[4] = {NAN, INFINITY, -INFINITY, 1.0f};
    float gn[4] = {NAN, INFINITY, INFINITY, 1.0f};
    assert_int_equal(pto_npy_compare(PTO_F32, 4, gn, wn, 1, 1, &mx, &first), 1);
    assert_int_equal(first, 2);
    assert_true(isinf(mx));
    float gm[2] = {1.0f, NAN}, wm[2] = {1.0f, 1.0f};
    assert_int_equal(pto_npy_compare(PTO_F32, 2, gm, wm, 1e9, 1e9, &mx, &first), 1);
    assert_int_equal(first, 1);
    float gi[1] = {1e30f}, wi[1] = {INFINITY};
    assert_int_equal(pto_npy_compare(PTO_F32, 1, gi, wi, 1, 0, &mx, &first), 1);

    /* f16 and bf16 are converted exactly: 1.0 vs 1.0009765625 (one f16 ulp) */
    uint16_t h1[2] = {0x3c00, 0x3c00}, h2[2] = {0x3c00, 0x3c01};
    assert_int_equal(pto_npy_compare(PTO_F16, 2, h2, h1, 0, 0, &mx, &first), 1);
    assert_true(mx == 0.0009765625);
    assert_int_equal(pto_npy_compare(PTO_F16, 2, h2, h1, 0, 0.0009765625, &mx, &first), 0);
    /* bf16 1.0 (0x3f80) vs 1.0078125 (0x3f81) */
    uint16_t b1[1] = {0x3f80}, b2[1] = {0x3f81};
    assert_int_equal(pto_npy_compare(PTO_BF16, 1, b2, b1, 0, 0.0078, &mx, &first), 1);
    assert_true(mx == 0.0078125);
    assert_int_equal(pto_npy_compare(PTO_BF16, 1, b2, b1, 0.0078125, 0, &mx, &first), 0);

    /* i32 exactly, with tolerances too */
    int32_t ia[3] = {INT32_MAX, INT32_MIN, 7}, ib[3] = {INT32_MAX, INT32_MIN, 9};
    assert_int_equal(pto_npy_compare(PTO_I32, 3, ia, ib, 0, 0, &mx, &first), 1);
    assert_int_equal(first, 2);
    assert_true(mx == 2.0);
    assert_int_equal(pto_npy_compare(PTO_I32, 3, ia, ib, 0, 2, NULL, NULL), 0);

    /* n == 0, bad dtype */
    assert_int_equal(pto_npy_compare(PTO_F32, 0, NULL, NULL, 0, 0, &mx, &first), 0);
    assert_true(mx == 0);
    assert_int_equal(first, 0);
    assert_int_equal(pto_npy_compare((pto_dtype)7, 3, ia, ib, 0, 0, &mx, &first), 3);
    assert_int_equal(first, 0);
}

static void test_check_close(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", 24);
    pto_npy want;
    pto_error err;
    assert_int_equal(pto_npy_parse(buf, n, &want, &err), PTO_OK);
    float w[6] = {0, 1, 2, 3, 2, 5}, g[6] = {0, 1, 2, 3, 2.5f, 5.25f};
    memcpy(want.data, w, sizeof w);
    assert_int_equal(pto_npy_check_close(&want, w, 0, 0, "y", &err), PTO_OK);
    assert_int_equal(pto_npy_check_close(&want, g, 0.001, 1e-5, "y", &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg,
                        "tensor 'y': 2 of 6 elements differ (|got - want| > atol + rtol * "
                        "|want|, rtol 0.001, atol 1e-05); first at index 4 [1, 1]: got 2.5, "
                        "want 2; max |got - want| 0.5");
    assert_int_equal(pto_npy_check_close(&want, g, 0.25, 0, "y", &err),
                     PTO_OK); /* 0.5 <= 0.25 * 2 */
    pto_npy_free(&want);

    /* 0-d: the multi-index is [] */
    int32_t seven = 7, eight = 8;
    n = make_npy(buf, 1, "{'descr': '<i4', 'fortran_order': False, 'shape': ()}", 4);
    assert_int_equal(pto_npy_parse(buf, n, &want, &err), PTO_OK);
    memcpy(want.data, &seven, 4);
    assert_int_equal(pto_npy_check_close(&want, &eight, 0, 0, "s", &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg,
                        "tensor 's': 1 of 1 elements differ (|got - want| > atol + rtol * "
                        "|want|, rtol 0, atol 0); first at index 0 []: got 8, want 7; max |got "
                        "- want| 1");
    assert_int_equal(pto_npy_check_close(&want, NULL, 0, 0, "s", &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg, "tensor 's': no golden array or data to compare");
    pto_npy_free(&want);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(pto_npy_dtype_name(PTO_F32), "f32");
    assert_string_equal(pto_npy_dtype_name(PTO_F16), "f16");
    assert_string_equal(pto_npy_dtype_name(PTO_BF16), "bf16");
    assert_string_equal(pto_npy_dtype_name(PTO_I32), "i32");
    assert_string_equal(pto_npy_dtype_name((pto_dtype)42), "?");
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/pto_npy_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_golden_header),
        cmocka_unit_test(test_golden_scalar_and_1d),
        cmocka_unit_test(test_version2_read),
        cmocka_unit_test(test_bf16_descrs),
        cmocka_unit_test(test_parser_variants),
        cmocka_unit_test(test_error_preamble),
        cmocka_unit_test(test_error_header_too_long),
        cmocka_unit_test(test_error_dict_syntax),
        cmocka_unit_test(test_error_dict_keys),
        cmocka_unit_test(test_error_shape),
        cmocka_unit_test(test_error_dtype_order),
        cmocka_unit_test(test_error_data_size),
        cmocka_unit_test(test_error_files),
        cmocka_unit_test(test_error_write),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_check_close),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
