/* Views of one buffer built on different base pointers: a tensor's base may
 * be any interior pointer of its buffer (pto/tensor.h), and dependencies
 * are inferred between overlapping views of the same buffer whatever base
 * each one uses -- base = buf + 8 with offset 0 and base = buf with offset
 * 8 are the same bytes. RAW, WAR, WAW and a chain, host-built and
 * streamed, deterministic and threaded; a PTO_OUT output viewed through an
 * interior pointer; pto_read and pto_slot_load through one.
 *
 * Every kernel reports C cycles (dispatch_cycles 0), so total_cycles is
 * exactly the length of the longest chain of edges: a missing edge gives a
 * shorter makespan (the tasks run side by side on the device's four AIV
 * cores) in both modes, and in threaded runs also a wrong value (the first
 * task spins before it touches the element). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "pto/pto.h"

#define C 1000    /* cycles every kernel reports */
#define DELAY 800 /* microseconds the first task of a pair spins */
#define LEN 16    /* u32 per buffer */

static void spin_us(uint64_t us)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((uint64_t)(t.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t.tv_nsec -
               (uint64_t)t0.tv_nsec <
           us * 1000u);
}

/* set(dst, value, delay): spin, then *dst = value. */
static void k_set(const uint64_t *a)
{
    spin_us(a[2]);
    *(uint32_t *)pto_bits_ptr(a[0]) = (uint32_t)a[1];
    pto_add_cycles(C);
}
/* copy(src, dst, delay): spin, then *dst = *src. */
static void k_copy(const uint64_t *a)
{
    spin_us(a[2]);
    *(uint32_t *)pto_bits_ptr(a[1]) = *(const uint32_t *)pto_bits_ptr(a[0]);
    pto_add_cycles(C);
}
/* inc(p, delay): *p += 1, with the spin between the load and the store. */
static void k_inc(const uint64_t *a)
{
    uint32_t *p = pto_bits_ptr(a[0]);
    uint32_t v = *p;
    spin_us(a[1]);
    *p = v + 1;
    pto_add_cycles(C);
}
/* fill(dst, value, delay): spin, then LEN elements = value. */
static void k_fill(const uint64_t *a)
{
    spin_us(a[2]);
    uint32_t *p = pto_bits_ptr(a[0]);
    for (int i = 0; i < LEN; i++)
        p[i] = (uint32_t)a[1];
    pto_add_cycles(C);
}
enum { K_SET, K_COPY, K_INC, K_FILL };

static pto_device *open_dev(void)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 2; /* four AIV cores */
    cfg.schedulers = 2;
    cfg.task_window = 64;
    cfg.dispatch_cycles = 0;
    cfg.gm_bytes = 1 << 20;
    cfg.heap_bytes = 1 << 16;
    pto_device *dev = 0;
    pto_error err = {0};
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("open: %s", err.msg);
    assert_int_equal(pto_kernel_register(dev, K_SET, PTO_CORE_AIV, k_set, "set", &err), 0);
    assert_int_equal(pto_kernel_register(dev, K_COPY, PTO_CORE_AIV, k_copy, "copy", &err), 0);
    assert_int_equal(pto_kernel_register(dev, K_INC, PTO_CORE_AIV, k_inc, "inc", &err), 0);
    assert_int_equal(pto_kernel_register(dev, K_FILL, PTO_CORE_AIV, k_fill, "fill", &err), 0);
    return dev;
}

/* Element 2 of buf (bytes [8, 12)) as a one-element view in form f:
 * 0: base buf + 8, offset 0; 1: base buf, offset 8; 2: base buf + 4,
 * offset 4; 3: row 0, column 2 of a 2 x 8 matrix on buf + 8 - 8 (a tile
 * of the whole buffer seen from its start, for contrast). */
static pto_tensor elem2(uint32_t *buf, int f)
{
    char *b = (char *)buf;
    pto_tensor t;
    switch (f) {
    case 0: return pto_tensor_1d(b + 8, 1, 4);
    case 1:
        t = pto_tensor_1d(b, 1, 4);
        t.offset = 8;
        return t;
    case 2:
        t = pto_tensor_1d(b + 4, 1, 4);
        t.offset = 4;
        return t;
    default: {
        pto_tensor m = pto_tensor_2d(b, 2, 8, 4);
        return pto_tensor_tile(&m, 0, 2, 1, 1);
    }
    }
}

enum { RAW, WAR, WAW, CHAIN };
#define CHAIN_LEN 6

struct pair {
    int what;     /* RAW, WAR, WAW, CHAIN */
    int interior; /* 0: every view in form 1 (the reference) */
    uint32_t *buf, *res;
};

static int form(const struct pair *c, int i) { return c->interior ? (i == 0 ? 0 : i % 4) : 1; }

static pto_status orch_pair(pto_run *run, void *p, pto_error *err)
{
    struct pair *c = p;
    pto_tensor a = elem2(c->buf, form(c, 0)), b = elem2(c->buf, form(c, 1));
    pto_tensor res = pto_tensor_1d(c->res, 1, 4);
    pto_status st;
    if ((st = pto_scope_begin(run, "pair", PTO_SCOPE_AUTO, err)))
        return st;
    if (c->what == RAW) { /* A writes 7 slowly; B copies it to res */
        pto_param pa[] = {pto_out_existing(a), pto_scalar(7), pto_scalar(DELAY)};
        pto_param pb[] = {pto_in(b), pto_out_existing(res), pto_scalar(0)};
        if ((st = pto_submit(run, K_SET, PTO_CORE_AIV, pa, 3, 0, err)) ||
            (st = pto_submit(run, K_COPY, PTO_CORE_AIV, pb, 3, 0, err)))
            return st;
    } else if (c->what == WAR) { /* A copies 5 to res slowly; B writes 9 */
        pto_param pa[] = {pto_in(a), pto_out_existing(res), pto_scalar(DELAY)};
        pto_param pb[] = {pto_out_existing(b), pto_scalar(9), pto_scalar(0)};
        if ((st = pto_submit(run, K_COPY, PTO_CORE_AIV, pa, 3, 0, err)) ||
            (st = pto_submit(run, K_SET, PTO_CORE_AIV, pb, 3, 0, err)))
            return st;
    } else if (c->what == WAW) { /* A writes 1 slowly; B writes 2 */
        pto_param pa[] = {pto_out_existing(a), pto_scalar(1), pto_scalar(DELAY)};
        pto_param pb[] = {pto_out_existing(b), pto_scalar(2), pto_scalar(0)};
        if ((st = pto_submit(run, K_SET, PTO_CORE_AIV, pa, 3, 0, err)) ||
            (st = pto_submit(run, K_SET, PTO_CORE_AIV, pb, 3, 0, err)))
            return st;
    } else { /* CHAIN_LEN increments, each through another form */
        for (int i = 0; i < CHAIN_LEN; i++) {
            pto_param q[] = {pto_inout(elem2(c->buf, form(c, i))), pto_scalar(DELAY / 4)};
            if ((st = pto_submit(run, K_INC, PTO_CORE_AIV, q, 2, 0, err)))
                return st;
        }
    }
    return pto_scope_end(run, err);
}

static const char *const what_name[] = {"RAW", "WAR", "WAW", "chain"};

/* 1 (with the case printed) when the run went wrong. */
static int run_pair(pto_device *dev, int what, int interior, pto_run_mode mode, int det)
{
    pto_error err = {0};
    struct pair c = {what, interior, 0, 0};
    assert_int_equal(pto_malloc(dev, LEN * 4, (void **)&c.buf, &err), 0);
    assert_int_equal(pto_malloc(dev, LEN * 4, (void **)&c.res, &err), 0);
    uint32_t init[LEN], zero[LEN] = {0};
    for (int i = 0; i < LEN; i++)
        init[i] = i == 2 ? 5 : 100 + (uint32_t)i;
    pto_copy_to_device(dev, c.buf, init, sizeof init, &err);
    pto_copy_to_device(dev, c.res, zero, sizeof zero, &err);
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = mode;
    rc.deterministic = det;
    pto_stats st;
    if (pto_launch(dev, &rc, orch_pair, &c, &st, &err))
        fail_msg("launch: %s", err.msg);
    uint32_t buf[LEN], res[LEN];
    pto_copy_from_device(dev, buf, c.buf, sizeof buf, &err);
    pto_copy_from_device(dev, res, c.res, sizeof res, &err);
    uint32_t want_buf = what == RAW ? 7 : what == WAR ? 9 : what == WAW ? 2 : 5 + CHAIN_LEN;
    uint32_t want_res = what == RAW ? 7 : what == WAR ? 5 : 0;
    uint64_t want_cycles = (what == CHAIN ? CHAIN_LEN : 2) * (uint64_t)C;
    int bad = buf[2] != want_buf || res[0] != want_res || st.total_cycles != want_cycles;
    if (bad)
        print_message("%s, %s views, %s, %s: buf[2] = %u (want %u), res = %u (want %u), "
                      "total_cycles %llu (want %llu)\n",
                      what_name[what], interior ? "interior" : "plain",
                      mode == PTO_MODE_STREAMED ? "streamed" : "host-built",
                      det ? "deterministic" : "threaded", buf[2], want_buf, res[0], want_res,
                      (unsigned long long)st.total_cycles, (unsigned long long)want_cycles);
    for (int i = 0; i < LEN; i++)
        if (i != 2)
            assert_int_equal(buf[i], init[i]);
    pto_free(dev, c.buf, &err);
    pto_free(dev, c.res, &err);
    return bad;
}

static void test_interior_pairs(void **s)
{
    (void)s;
    pto_device *dev = open_dev();
    int bad = 0;
    for (int mode = 0; mode < 2; mode++)
        for (int det = 1; det >= 0; det--)
            for (int what = RAW; what <= CHAIN; what++)
                for (int interior = 0; interior < 2; interior++)
                    bad += run_pair(dev, what, interior, (pto_run_mode)mode, det);
    pto_device_close(dev);
    if (bad)
        fail_msg("%d of 32 cases went wrong", bad);
}

/* A PTO_OUT output O (filled with 1 slowly by A), then, through views on
 * interior pointers of it: B writes 9 to O[2] (WAW after A), D copies O[2]
 * to res[0] (RAW after B), E writes a tag to O[3] through base O, offset 12
 * (WAW after A); streamed: pto_read of O[3] through base O + 12 (after E)
 * and of buf[2] through base buf + 8 after a slow write through base buf,
 * offset 8; pto_slot_load of O[2] through base O + 4 (after B). */
struct outc {
    uint32_t *buf, *res;
    int streamed;
    uint32_t tag; /* E's value: another one each run (O is at the same
                     address in every run, and keeps what the last wrote) */
    uint32_t read_o3, read_buf2;
};

static pto_status orch_out(pto_run *run, void *p, pto_error *err)
{
    struct outc *c = p;
    pto_status st;
    if ((st = pto_scope_begin(run, "out", PTO_SCOPE_AUTO, err)))
        return st;
    pto_param pa[] = {pto_out(pto_tensor_1d(NULL, LEN, 4)), pto_scalar(1), pto_scalar(DELAY)};
    if ((st = pto_submit(run, K_FILL, PTO_CORE_AIV, pa, 3, 0, err)))
        return st;
    pto_tensor O = pa[0].tensor;
    char *o = O.base;
    pto_param pb[] = {pto_out_existing(pto_tensor_1d(o + 8, 1, 4)), pto_scalar(9),
                      pto_scalar(DELAY / 2)};
    pto_tensor o2 = pto_tensor_1d(o + 4, 1, 4); /* O[2] = base O + 4, offset 4 */
    o2.offset = 4;
    pto_param pd[] = {pto_in(o2), pto_out_existing(pto_tensor_1d(c->res, 1, 4)), pto_scalar(0)};
    pto_tensor o3 = O; /* O[3] = base O (alloc fields kept), offset 12 */
    o3.shape[0] = 1;
    o3.offset = 12;
    pto_param pe[] = {pto_out_existing(o3), pto_scalar(c->tag), pto_scalar(DELAY)};
    if ((st = pto_submit(run, K_SET, PTO_CORE_AIV, pb, 3, 0, err)) ||
        (st = pto_submit(run, K_COPY, PTO_CORE_AIV, pd, 3, 0, err)) ||
        (st = pto_submit(run, K_SET, PTO_CORE_AIV, pe, 3, 0, err)))
        return st;
    if (c->streamed) {
        pto_tensor r3 = pto_tensor_1d(o + 12, 1, 4);
        if ((st = pto_read(run, &r3, 0, &c->read_o3, err)))
            return st;
        pto_tensor w = elem2(c->buf, 1), r = elem2(c->buf, 0);
        pto_param pw[] = {pto_out_existing(w), pto_scalar(42), pto_scalar(DELAY)};
        if ((st = pto_submit(run, K_SET, PTO_CORE_AIV, pw, 3, 0, err)) ||
            (st = pto_read(run, &r, 0, &c->read_buf2, err)))
            return st;
    }
    pto_tensor ol = pto_tensor_1d(o + 4, 2, 4); /* its element 1 is O[2] */
    if ((st = pto_slot_load(run, 0, &ol, 1, NULL, err)))
        return st;
    return pto_scope_end(run, err);
}

static void test_interior_output(void **s)
{
    (void)s;
    pto_device *dev = open_dev();
    pto_error err = {0};
    int bad = 0;
    for (int mode = 0; mode < 2; mode++)
        for (int det = 1; det >= 0; det--) {
            struct outc c = {0, 0, mode == PTO_MODE_STREAMED, 11 + (uint32_t)(2 * mode + det),
                             0, 0};
            assert_int_equal(pto_malloc(dev, LEN * 4, (void **)&c.buf, &err), 0);
            assert_int_equal(pto_malloc(dev, LEN * 4, (void **)&c.res, &err), 0);
            uint32_t zero[LEN] = {0};
            pto_copy_to_device(dev, c.buf, zero, sizeof zero, &err);
            pto_copy_to_device(dev, c.res, zero, sizeof zero, &err);
            pto_run_config rc;
            pto_run_config_default(&rc);
            rc.mode = (pto_run_mode)mode;
            rc.deterministic = det;
            pto_stats st;
            if (pto_launch(dev, &rc, orch_out, &c, &st, &err))
                fail_msg("launch: %s", err.msg);
            uint32_t res[LEN];
            pto_copy_from_device(dev, res, c.res, sizeof res, &err);
            uint64_t slots[PTO_SLOTS];
            pto_last_run_slots(dev, slots);
            if (slots[0] != 9) {
                print_message("%s, %s: pto_slot_load of O[2] through base O + 4 gave %llu "
                              "(want 9)\n",
                              mode ? "streamed" : "host-built", det ? "deterministic" : "threaded",
                              (unsigned long long)slots[0]);
                bad++;
            }
            /* A -> B -> D is the longest chain; the streamed part adds a
             * task of its own, in parallel with it (exactly, when
             * deterministic: a threaded run may queue it behind another
             * on a busy core) */
            if (res[0] != 9 || st.total_cycles < 3 * C || (det && st.total_cycles != 3 * C) ||
                (c.streamed && (c.read_o3 != c.tag || c.read_buf2 != 42))) {
                print_message("%s, %s: res = %u (want 9), total_cycles %llu (want %d), pto_read "
                              "O[3] = %u (want %u), buf[2] = %u (want 42)\n",
                              mode ? "streamed" : "host-built", det ? "deterministic" : "threaded",
                              res[0], (unsigned long long)st.total_cycles, 3 * C, c.read_o3, c.tag,
                              c.read_buf2);
                bad++;
            }
            pto_free(dev, c.buf, &err);
            pto_free(dev, c.res, &err);
        }
    pto_device_close(dev);
    if (bad)
        fail_msg("%d checks went wrong", bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interior_pairs),
        cmocka_unit_test(test_interior_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
