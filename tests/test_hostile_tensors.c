/* Hostile input: tensor misuse through the public API. Every case must come
 * back as a clear status and a message naming the parameter -- never a
 * crash, undefined behaviour, or a task handed a wild pointer. Valid
 * neighbours of each case (views ending exactly at the buffer's end,
 * interior base pointers, PTO_OUT outputs used while alive) must still be
 * accepted. Uses only the long-standing API, so it builds on any commit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pto/pto.h"

#define P50 (UINT64_C(1) << 50)

static pto_device *open_dev(void)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 1;
    cfg.schedulers = 1;
    cfg.task_window = 8;
    cfg.dep_pool = 64;
    cfg.tensormap_entries = 64;
    cfg.tensormap_buckets = 16;
    cfg.heap_bytes = 1 << 16;
    cfg.gm_bytes = 1 << 22;
    pto_device *dev = 0;
    pto_error err = {0};
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("open: %s", err.msg);
    return dev;
}

static void k_nop(const uint64_t *a) { (void)a; }

typedef struct hostile hostile;
typedef pto_status (*case_fn)(pto_run *run, hostile *h, pto_error *err);

/* One case: its orchestration stores the status and message of the call
 * under test (st/e) and returns OK, so the run itself succeeds. */
struct hostile {
    pto_device *dev;
    void *buf; /* 256-byte GM buffer */
    case_fn fn;
    pto_status st;
    pto_error e;
    float value; /* pto_read destination */
};

static pto_status orch(pto_run *run, void *vctx, pto_error *err)
{
    hostile *h = vctx;
    return h->fn(run, h, err);
}

/* Runs fn in a run of `mode` (deterministic when det) on a fresh device. */
static hostile run_case(case_fn fn, pto_run_mode mode, int det)
{
    hostile h;
    memset(&h, 0, sizeof h);
    h.dev = open_dev();
    pto_error err = {0};
    assert_int_equal(pto_kernel_register(h.dev, 0, PTO_CORE_AIV, k_nop, "nop", &err), PTO_OK);
    assert_int_equal(pto_malloc(h.dev, 256, &h.buf, &err), PTO_OK);
    h.fn = fn;
    h.st = (pto_status)-1;
    h.value = 12345.0f;
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = mode;
    rc.deterministic = det;
    if (pto_launch(h.dev, &rc, orch, &h, NULL, &err))
        fail_msg("launch: %s", err.msg);
    pto_device_close(h.dev);
    return h;
}

/* The case's call failed with status st and a message holding every
 * fragment given (NULL-terminated). */
static void expect(case_fn fn, pto_status st, ...)
{
    for (int m = 0; m < 2; m++) {
        hostile h = run_case(fn, m ? PTO_MODE_STREAMED : PTO_MODE_HOST_BUILT, 0);
        if (h.st != st)
            fail_msg("%s: status %s, want %s (%s)", m ? "streamed" : "host-built",
                     pto_status_name(h.st), pto_status_name(st), h.e.msg);
        va_list ap;
        va_start(ap, st);
        for (const char *frag; (frag = va_arg(ap, const char *));)
            if (!strstr(h.e.msg, frag))
                fail_msg("message lacks \"%s\": %s", frag, h.e.msg);
        va_end(ap);
    }
}

static pto_status submit1(pto_run *run, pto_param p, pto_error *err)
{
    return pto_submit(run, 0, PTO_CORE_AIV, &p, 1, NULL, err);
}

/* ---- PTO_OUT sizes that overflow ---------------------------------- */

/* (2^64-1) x 4 bytes: rounded to 64 it used to wrap to 0 -> a NULL output. */
static pto_status c_out_max(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    pto_tensor o = pto_tensor_1d(NULL, UINT64_MAX, 4);
    pto_param p[] = {pto_in(pto_tensor_1d(h->buf, 64, 4)), pto_scalar(1), pto_out(o)};
    h->st = pto_submit(run, 0, PTO_CORE_AIV, p, 3, NULL, &h->e);
    return PTO_OK;
}

/* (2^62+1) x 4 bytes wraps to 4: a 4-byte output for 2^62+1 elements. */
static pto_status c_out_wraps_small(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    h->st = submit1(run, pto_out(pto_tensor_1d(NULL, (UINT64_C(1) << 62) + 1, 4)), &h->e);
    return PTO_OK;
}

/* 2^32 x 2^32 x 1 byte wraps to 0. */
static pto_status c_out_2d_wraps(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    h->st =
        submit1(run, pto_out(pto_tensor_2d(NULL, UINT64_C(1) << 32, UINT64_C(1) << 32, 1)), &h->e);
    return PTO_OK;
}

static void test_out_size_overflow(void **s)
{
    (void)s;
    expect(c_out_max, PTO_ERR_INVALID, "pto_submit: param 2 (OUT)", "2^64-1", "overflows", NULL);
    expect(c_out_wraps_small, PTO_ERR_INVALID, "param 0 (OUT)", "overflows", NULL);
    expect(c_out_2d_wraps, PTO_ERR_INVALID, "param 0 (OUT)", "2^32 x 2^32", "overflows", NULL);
}

/* ---- views beyond their buffer ------------------------------------- */

static pto_status c_offset_2_50(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    pto_tensor t = pto_tensor_1d(h->buf, 1 << 20, 4); /* 4 MiB */
    t.offset = P50;
    pto_param p[] = {pto_scalar(0), pto_in(t)};
    h->st = pto_submit(run, 0, PTO_CORE_AIV, p, 2, NULL, &h->e);
    return PTO_OK;
}

static pto_status c_4mib_of_256(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    h->st = submit1(run, pto_in(pto_tensor_1d(h->buf, 1 << 20, 4)), &h->e);
    return PTO_OK;
}

static pto_status c_shape_max(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    h->st = submit1(run, pto_in(pto_tensor_1d(h->buf, UINT64_MAX, 4)), &h->e);
    return PTO_OK;
}

/* A "negative" row stride: -16 bytes as a u64. */
static pto_status c_stride_negative(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    pto_tensor t = pto_tensor_2d(h->buf, 2, 4, 4);
    t.stride[0] = (uint64_t)-16;
    h->st = submit1(run, pto_inout(t), &h->e);
    return PTO_OK;
}

/* A huge stride that does not overflow but leaves the buffer. */
static pto_status c_stride_huge(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    pto_tensor t = pto_tensor_2d(h->buf, 2, 4, 4);
    t.stride[0] = UINT64_C(1) << 40;
    h->st = submit1(run, pto_in(t), &h->e);
    return PTO_OK;
}

/* A tile whose offset overflows (it used to wrap to 0, a valid-looking view). */
static pto_status c_tile_overflow(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    pto_tensor whole = pto_tensor_2d(h->buf, 4, 16, 4); /* row stride 64 */
    h->st = submit1(run, pto_in(pto_tensor_tile(&whole, UINT64_C(1) << 58, 0, 1, 1)), &h->e);
    return PTO_OK;
}

/* One element past the end, through each writing kind and NO_DEP. */
static pto_status c_out_existing_one_past(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    h->st = submit1(run, pto_out_existing(pto_tensor_1d(h->buf, 65, 4)), &h->e);
    return PTO_OK;
}

static pto_status c_interior_past(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    pto_param p[] = {pto_scalar(0), pto_scalar(0), pto_scalar(0),
                     pto_inout(pto_tensor_1d((char *)h->buf + 128, 64, 4))};
    h->st = pto_submit(run, 0, PTO_CORE_AIV, p, 4, NULL, &h->e);
    return PTO_OK;
}

static pto_status c_no_dep_past(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    pto_tensor t = pto_tensor_1d(h->buf, 64, 4);
    t.offset = 4;
    h->st = submit1(run, pto_no_dep(t), &h->e);
    return PTO_OK;
}

static pto_status c_dummy_past(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    pto_param p = pto_in(pto_tensor_1d(h->buf, 128, 4));
    h->st = pto_submit_dummy(run, &p, 1, NULL, &h->e);
    return PTO_OK;
}

static void test_views_beyond_buffer(void **s)
{
    (void)s;
    expect(c_offset_2_50, PTO_ERR_INVALID, "pto_submit: param 1 (IN)",
           "view [offset 1125899906842624, +4194304 bytes)",
           "lies outside its buffer of 256 bytes at 0x", NULL);
    expect(c_4mib_of_256, PTO_ERR_INVALID, "param 0 (IN)", "+4194304 bytes",
           "outside its buffer of 256 bytes", NULL);
    expect(c_shape_max, PTO_ERR_INVALID, "param 0 (IN)", "2^64-1", "overflows", NULL);
    expect(c_stride_negative, PTO_ERR_INVALID, "param 0 (INOUT)", "2^64-16", "overflows", NULL);
    expect(c_stride_huge, PTO_ERR_INVALID, "param 0 (IN)", "outside its buffer of 256 bytes", NULL);
    expect(c_tile_overflow, PTO_ERR_INVALID, "param 0 (IN)", NULL);
    expect(c_out_existing_one_past, PTO_ERR_INVALID, "param 0 (OUT_EXISTING)",
           "[offset 0, +260 bytes)", "outside its buffer of 256 bytes", NULL);
    expect(c_interior_past, PTO_ERR_INVALID, "param 3 (INOUT)", "[offset 128, +256 bytes)", NULL);
    expect(c_no_dep_past, PTO_ERR_INVALID, "param 0 (NO_DEP)", "[offset 4, +256 bytes)", NULL);
    expect(c_dummy_past, PTO_ERR_INVALID, "pto_submit_dummy: param 0 (IN)", NULL);
}

/* ---- bases that are not (or no longer) device memory ---------------- */

static float host_array[64];

static pto_status c_host_pointer(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    h->st = submit1(run, pto_in(pto_tensor_1d(host_array, 64, 4)), &h->e);
    return PTO_OK;
}

static pto_status c_freed_buffer(pto_run *run, hostile *h, pto_error *err)
{
    void *p = NULL;
    if (pto_malloc(h->dev, 256, &p, err) || pto_free(h->dev, p, err))
        return err->status;
    h->st = submit1(run, pto_in(pto_tensor_1d(p, 64, 4)), &h->e);
    return PTO_OK;
}

static pto_status c_bad_ndim(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    pto_tensor t = pto_tensor_1d(h->buf, 64, 4);
    t.ndim = 5;
    pto_param p[] = {pto_scalar(0), pto_in(t)};
    h->st = pto_submit(run, 0, PTO_CORE_AIV, p, 2, NULL, &h->e);
    return PTO_OK;
}

static void test_bases(void **s)
{
    (void)s;
    expect(c_host_pointer, PTO_ERR_INVALID, "param 0 (IN)", "not device memory", NULL);
    expect(c_freed_buffer, PTO_ERR_INVALID, "param 0 (IN)", "not inside a live", NULL);
    expect(c_bad_ndim, PTO_ERR_INVALID, "param 1 (IN)", "ndim", NULL);
}

/* ---- PTO_OUT outputs: views of them are checked too ------------------ */

/* A 64-byte output, then a 128-byte view of it. */
static pto_status c_heap_view_past(pto_run *run, hostile *h, pto_error *err)
{
    pto_param o = pto_out(pto_tensor_1d(NULL, 16, 4));
    if (pto_submit(run, 0, PTO_CORE_AIV, &o, 1, NULL, err))
        return err->status;
    pto_param p[] = {pto_in(o.tensor), pto_scalar(0)};
    p[0].tensor.shape[0] = 32;
    h->st = pto_submit(run, 0, PTO_CORE_AIV, p, 2, NULL, &h->e);
    return PTO_OK;
}

/* An output read after its scope ended and its task retired: the window of
 * 8 fills with later tasks, so retirement passes it (deterministic). */
static pto_status c_heap_retired(pto_run *run, hostile *h, pto_error *err)
{
    pto_param o = pto_out(pto_tensor_1d(NULL, 16, 4));
    pto_status st;
    if ((st = pto_scope_begin(run, "producer", PTO_SCOPE_AUTO, err)) ||
        (st = pto_submit(run, 0, PTO_CORE_AIV, &o, 1, NULL, err)) || (st = pto_scope_end(run, err)))
        return st;
    for (int i = 0; i < 32; i++) {
        if ((st = pto_scope_begin(run, "later", PTO_SCOPE_AUTO, err)) ||
            (st = submit1(run, pto_out(pto_tensor_1d(NULL, 16, 4)), err)) ||
            (st = pto_scope_end(run, err)))
            return st;
    }
    h->st = submit1(run, pto_in(o.tensor), &h->e);
    return PTO_OK;
}

static void test_heap_outputs(void **s)
{
    (void)s;
    expect(c_heap_view_past, PTO_ERR_INVALID, "param 0 (IN)", "outside its buffer of 64 bytes",
           NULL);
    hostile h = run_case(c_heap_retired, PTO_MODE_STREAMED, 1);
    if (h.st != PTO_ERR_INVALID)
        fail_msg("status %s, want PTO_ERR_INVALID (%s)", pto_status_name(h.st), h.e.msg);
    assert_non_null(strstr(h.e.msg, "param 0 (IN)"));
    assert_non_null(strstr(h.e.msg, "no longer allocated"));
}

/* ---- pto_read ----------------------------------------------------------- */

static pto_status c_read_far(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    pto_tensor t = pto_tensor_1d(h->buf, 64, 4);
    t.offset = P50;
    h->st = pto_read(run, &t, 0, &h->value, &h->e);
    return PTO_OK;
}

static pto_status c_read_view_past(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    pto_tensor t = pto_tensor_1d(h->buf, 1 << 20, 4);
    h->st = pto_read(run, &t, 1000000, &h->value, &h->e);
    return PTO_OK;
}

static pto_status c_read_index_past(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    pto_tensor t = pto_tensor_1d(h->buf, 64, 4);
    h->st = pto_read(run, &t, 64, &h->value, &h->e);
    return PTO_OK;
}

static pto_status c_read_shape_max(pto_run *run, hostile *h, pto_error *err)
{
    (void)err;
    pto_tensor t = pto_tensor_2d(h->buf, UINT64_MAX, UINT64_MAX, 4);
    h->st = pto_read(run, &t, UINT64_MAX - 1, &h->value, &h->e);
    return PTO_OK;
}

static void read_case(case_fn fn, const char *frag)
{
    hostile h = run_case(fn, PTO_MODE_STREAMED, 0);
    if (h.st != PTO_ERR_INVALID)
        fail_msg("status %s, want PTO_ERR_INVALID (%s)", pto_status_name(h.st), h.e.msg);
    if (!strstr(h.e.msg, "pto_read") || !strstr(h.e.msg, frag))
        fail_msg("message lacks \"%s\": %s", frag, h.e.msg);
    assert_true(h.value == 12345.0f); /* nothing was copied */
}

static void test_read_out_of_range(void **s)
{
    (void)s;
    read_case(c_read_far, "outside its buffer of 256 bytes");
    read_case(c_read_view_past, "outside its buffer of 256 bytes");
    read_case(c_read_index_past, "index 64 outside 64 elements");
    read_case(c_read_shape_max, "overflows");
}

/* ---- valid neighbours are accepted ------------------------------------- */

static pto_status c_valid(pto_run *run, hostile *h, pto_error *err)
{
    pto_tensor whole = pto_tensor_2d(h->buf, 4, 16, 4);
    pto_tensor last = pto_tensor_1d((char *)h->buf + 192, 16, 4); /* ends at 256 */
    pto_tensor t = pto_tensor_1d(h->buf, 1, 4);
    t.offset = 252;
    pto_param o = pto_out(pto_tensor_2d(NULL, 4, 4, 4));
    pto_param p[] = {pto_in(whole), pto_inout(pto_tensor_tile(&whole, 3, 8, 1, 8)),
                     pto_out_existing(last), pto_no_dep(t), o};
    pto_status st;
    if ((st = pto_submit(run, 0, PTO_CORE_AIV, p, 5, NULL, err)))
        return st;
    pto_param q[] = {pto_in(p[4].tensor), pto_inout(pto_tensor_tile(&p[4].tensor, 1, 1, 3, 3))};
    if ((st = pto_submit(run, 0, PTO_CORE_AIV, q, 2, NULL, err)) ||
        (st = pto_submit_dummy(run, q, 2, NULL, err)))
        return st;
    h->st = PTO_OK;
    return PTO_OK;
}

static void test_valid_views_accepted(void **s)
{
    (void)s;
    for (int m = 0; m < 2; m++) {
        hostile h = run_case(c_valid, m ? PTO_MODE_STREAMED : PTO_MODE_HOST_BUILT, 0);
        assert_int_equal(h.st, PTO_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_size_overflow),
        cmocka_unit_test(test_views_beyond_buffer),
        cmocka_unit_test(test_bases),
        cmocka_unit_test(test_heap_outputs),
        cmocka_unit_test(test_valid_views_accepted),
        cmocka_unit_test(test_read_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
