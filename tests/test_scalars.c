/* Run-time scalars (DESIGN 6.5, pto/scalars.h): slots, slot tasks,
 * predicates evaluated when a task's producers completed, expression keys,
 * and every error, in the four run modes.
 *
 * The device has 2 blocks (AIV cores 1, 2, 4, 5; AIC 0 and 3) and 2
 * schedulers; dispatch_cycles is 0 and every kernel task reports C cycles,
 * so by DESIGN 5 a chain of k tasks takes k*C cycles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pto/pto.h"
#include "pto/tools.h"
#include <cjson/cJSON.h>

#include "json_file.h"

#define C 100

/* x[0] += 1 (a: x, any scalar params after it). */
static void k_inc(const uint64_t *a)
{
    int32_t *x = (int32_t *)(uintptr_t)a[0];
    x[0] += 1;
    pto_add_cycles(C);
}

/* x[0] = a[1]. */
static void k_store(const uint64_t *a)
{
    int32_t *x = (int32_t *)(uintptr_t)a[0];
    x[0] = (int32_t)a[1];
    pto_add_cycles(C);
}

static void k_cost(const uint64_t *a)
{
    (void)a;
    pto_add_cycles(C);
}

enum { K_INC, K_STORE, K_COST, K_AIC };

static pto_device *open_dev(void)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 2;
    cfg.schedulers = 2;
    cfg.gm_bytes = 1 << 20;
    cfg.heap_bytes = 1 << 20;
    cfg.dispatch_cycles = 0;
    pto_device *dev;
    pto_error err;
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(pto_kernel_register(dev, K_INC, PTO_CORE_AIV, k_inc, "inc", &err), 0);
    assert_int_equal(pto_kernel_register(dev, K_STORE, PTO_CORE_AIV, k_store, "store", &err), 0);
    assert_int_equal(pto_kernel_register(dev, K_COST, PTO_CORE_AIV, k_cost, "cost", &err), 0);
    assert_int_equal(pto_kernel_register(dev, K_AIC, PTO_CORE_AIC, k_cost, "aic", &err), 0);
    return dev;
}

static const struct {
    int det;
    pto_run_mode mode;
} modes[] = {{1, PTO_MODE_HOST_BUILT},
             {1, PTO_MODE_STREAMED},
             {0, PTO_MODE_HOST_BUILT},
             {0, PTO_MODE_STREAMED}};
#define NMODES (sizeof modes / sizeof modes[0])

static pto_status launch(pto_device *dev, uint32_t m, const char *policy, pto_orch_fn fn,
                         void *ctx, pto_stats *st, pto_error *err)
{
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = modes[m].mode;
    rc.deterministic = modes[m].det;
    rc.dispatch = policy;
    return pto_launch(dev, &rc, fn, ctx, st, err);
}

static pto_expr parse(const pto_device *dev, const char *text)
{
    pto_expr e;
    pto_expr_resolver r;
    pto_error err;
    pto_symbols_resolver(dev, &r);
    if (pto_expr_parse(&e, text, strlen(text), &r, &err))
        fail_msg("%s: %s", text, err.msg);
    return e;
}

/* ---- slots: zeroed per run, set by constants and expressions ---- */

struct sets {
    pto_expr twice; /* slot0 * 2u + sym.bias */
};

static pto_status orch_sets(pto_run *run, void *p, pto_error *err)
{
    struct sets *s = p;
    pto_status st;
    if ((st = pto_slot_set_u64(run, 0, 21, NULL, err)) ||
        (st = pto_slot_set(run, 1, &s->twice, NULL, err)) ||
        (st = pto_slot_set_u64(run, 255, UINT64_MAX, NULL, err)))
        return st;
    return PTO_OK;
}

static pto_status orch_nothing(pto_run *run, void *p, pto_error *err)
{
    (void)run, (void)p, (void)err;
    return PTO_OK;
}

static void test_slot_set(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    pto_error err;
    assert_int_equal(pto_symbol_declare(dev, "bias", PTO_SYMBOL_U64, 0, &err), PTO_OK);
    struct sets s = {parse(dev, "slot0 * 2u + sym.bias")};
    uint64_t slots[PTO_SLOTS];
    for (uint32_t m = 0; m < NMODES; m++) {
        /* a symbol set between two runs of the same expression object */
        assert_int_equal(pto_symbol_set_u64(dev, "bias", m, &err), PTO_OK);
        pto_stats st;
        if (launch(dev, m, NULL, orch_sets, &s, &st, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(st.tasks, 3);
        assert_int_equal(st.skipped, 0);
        pto_last_run_slots(dev, slots);
        assert_int_equal(slots[0], 21);
        assert_int_equal(slots[1], 42 + m);
        assert_int_equal(slots[255], UINT64_MAX);
        assert_int_equal(slots[2], 0);
        /* the next run starts with zeros */
        assert_int_equal(launch(dev, m, NULL, orch_nothing, NULL, &st, &err), PTO_OK);
        pto_last_run_slots(dev, slots);
        for (uint32_t i = 0; i < PTO_SLOTS; i++)
            assert_int_equal(slots[i], 0);
    }
    pto_device_close(dev);
}

/* ---- slot_load: after the element's producer, widths 1..8 ---- */

struct loads {
    void *x; /* int32 x[4] */
    void *b; /* 16 bytes, loaded as u8, u16, u64 */
};

static pto_status orch_loads(pto_run *run, void *p, pto_error *err)
{
    struct loads *l = p;
    pto_tensor x = pto_tensor_1d(l->x, 4, 4), b = pto_tensor_1d(l->b, 16, 1);
    pto_tensor b16 = pto_tensor_1d(l->b, 8, 2), b64 = pto_tensor_1d(l->b, 2, 8);
    pto_tensor x2 = x; /* x[2]: a view of the same buffer */
    x2.offset = 8;
    x2.shape[0] = 1;
    pto_param prm[2] = {pto_inout(x2), pto_scalar(7)};
    pto_status st;
    /* the producer writes x[2] = 7 (100 cycles); the load must see it */
    if ((st = pto_submit(run, K_STORE, PTO_CORE_AIV, prm, 2, NULL, err)) ||
        (st = pto_slot_load(run, 0, &x, 2, NULL, err)) ||
        (st = pto_slot_load(run, 1, &x, 3, NULL, err)) ||
        (st = pto_slot_load(run, 2, &b, 1, NULL, err)) ||
        (st = pto_slot_load(run, 3, &b16, 1, NULL, err)) ||
        (st = pto_slot_load(run, 4, &b64, 1, NULL, err)))
        return st;
    return PTO_OK;
}

static void test_slot_load(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    pto_error err;
    struct loads l;
    assert_int_equal(pto_malloc(dev, 16, &l.x, &err), PTO_OK);
    assert_int_equal(pto_malloc(dev, 16, &l.b, &err), PTO_OK);
    for (uint32_t m = 0; m < NMODES; m++) {
        int32_t x[4] = {0, 0, 0, -1};
        uint8_t b[16];
        for (int i = 0; i < 16; i++)
            b[i] = (uint8_t)(0x10 + i);
        assert_int_equal(pto_copy_to_device(dev, l.x, x, sizeof x, &err), PTO_OK);
        assert_int_equal(pto_copy_to_device(dev, l.b, b, sizeof b, &err), PTO_OK);
        pto_stats st;
        if (launch(dev, m, NULL, orch_loads, &l, &st, &err))
            fail_msg("%s", err.msg);
        uint64_t s[PTO_SLOTS];
        pto_last_run_slots(dev, s);
        assert_int_equal(s[0], 7);
        assert_int_equal(s[1], UINT64_C(0xffffffff)); /* int32 -1: its bits */
        assert_int_equal(s[2], 0x11);
        assert_int_equal(s[3], 0x1312);
        assert_int_equal(s[4], UINT64_C(0x1f1e1d1c1b1a1918));
        if (modes[m].det) /* the store (100), then the loads (0 cycles) */
            assert_int_equal(st.total_cycles, C);
    }
    pto_device_close(dev);
}

/* ---- predicates ---- */

/* Three increments of x[0] in a chain (INOUT), the second predicated on
 * `slot0 != 0u` with slot0 = `on`; a fourth predicated on its param
 * (param1 == 5u) with param1 = 5. */
struct chain {
    void *x;
    uint64_t on;
    pto_expr nonzero, param_is_5;
};

static pto_status orch_chain(pto_run *run, void *p, pto_error *err)
{
    struct chain *c = p;
    pto_tensor x = pto_tensor_1d(c->x, 1, 4);
    pto_param prm[2] = {pto_inout(x), pto_scalar(5)};
    pto_status st;
    if ((st = pto_slot_set_u64(run, 0, c->on, NULL, err)) ||
        (st = pto_submit(run, K_INC, PTO_CORE_AIV, prm, 2, NULL, err)) ||
        (st = pto_set_task_predicate(run, &c->nonzero, err)) ||
        (st = pto_submit(run, K_INC, PTO_CORE_AIV, prm, 2, NULL, err)) ||
        (st = pto_submit(run, K_INC, PTO_CORE_AIV, prm, 2, NULL, err)) ||
        (st = pto_set_task_predicate(run, &c->param_is_5, err)) ||
        (st = pto_submit(run, K_INC, PTO_CORE_AIV, prm, 2, NULL, err)))
        return st;
    return PTO_OK;
}

static void test_predicate_chain(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    pto_error err;
    struct chain c;
    assert_int_equal(pto_malloc(dev, 4, &c.x, &err), PTO_OK);
    c.nonzero = parse(dev, "slot0 != 0u");
    c.param_is_5 = parse(dev, "param1 == 5u");
    for (uint32_t m = 0; m < NMODES; m++)
        for (uint64_t on = 0; on < 2; on++) {
            int32_t x = 0;
            assert_int_equal(pto_copy_to_device(dev, c.x, &x, 4, &err), PTO_OK);
            c.on = on;
            pto_stats st;
            if (launch(dev, m, NULL, orch_chain, &c, &st, &err))
                fail_msg("%s", err.msg);
            assert_int_equal(pto_copy_from_device(dev, &x, c.x, 4, &err), PTO_OK);
            assert_int_equal(x, on ? 4 : 3); /* a skipped task leaves x alone */
            assert_int_equal(st.tasks, 5);
            assert_int_equal(st.skipped, on ? 0 : 1);
            if (modes[m].det) /* a skipped link of the chain takes 0 cycles */
                assert_int_equal(st.total_cycles, (on ? 4 : 3) * C);
            const pto_task_record *r;
            size_t n;
            pto_last_run_records(dev, &r, &n);
            assert_int_equal(n, 5);
            assert_int_equal(r[2].core_type, on ? PTO_CORE_AIV : PTO_RECORD_SKIPPED);
            assert_int_equal(r[2].func_id, K_INC);
            if (!on) {
                assert_int_equal(r[2].core, UINT16_MAX);
                assert_int_equal(r[2].end_cycle, r[2].start_cycle);
                /* its consumer was released, after its producer */
                assert_true(r[3].start_cycle >= r[1].end_cycle);
            }
        }
    pto_device_close(dev);
}

/* Both traces, the stats print and the graph mark the skipped task. */
static void test_skipped_in_traces(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    pto_error err;
    struct chain c;
    assert_int_equal(pto_malloc(dev, 4, &c.x, &err), PTO_OK);
    c.nonzero = parse(dev, "slot0 != 0u");
    c.param_is_5 = parse(dev, "param1 == 5u");
    c.on = 0;
    pto_stats st;
    if (launch(dev, 1, NULL, orch_chain, &c, &st, &err))
        fail_msg("%s", err.msg);
    char path[] = "/tmp/pto_scalars_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(pto_trace_write_chrome_cycles(dev, &st, path, &err), PTO_OK);
    char *t = read_file(path);
    assert_non_null(strstr(t, "\"name\":\"skipped inc\""));
    assert_non_null(strstr(t, "\"skipped_tasks\":1"));
    free(t);
    assert_int_equal(pto_trace_write_chrome(dev, &st, path, &err), PTO_OK);
    t = read_file(path);
    assert_non_null(strstr(t, "\"name\":\"skipped inc\""));
    assert_non_null(strstr(t, "\"skipped\":\"predicate false\""));
    free(t);
    assert_int_equal(pto_graph_write(dev, path, PTO_GRAPH_JSON, &err), PTO_OK);
    t = read_file(path);
    assert_non_null(strstr(t, "\"core_type\":\"skipped\""));
    free(t);
    FILE *f = fopen(path, "w");
    pto_stats_print(f, dev, &st);
    fclose(f);
    t = read_file(path);
    assert_non_null(strstr(t, "skipped          1 (predicate false"));
    free(t);
    remove(path);
    pto_device_close(dev);
}

/* Program order through the slot (WAR and WAW on it, RAW from a load):
 * slot0 := 1; A runs iff slot0 == 1; slot0 := 0; B runs iff slot0 == 1;
 * slot0 := x[0] (a task stores 1 there first, after a slow chain); C runs
 * iff slot0 == 1. Whatever the timing: A and C run, B is skipped. */
struct order {
    void *x, *y;
    pto_expr is1;
};

static pto_status orch_order(pto_run *run, void *p, pto_error *err)
{
    struct order *o = p;
    pto_tensor x = pto_tensor_1d(o->x, 1, 4), y = pto_tensor_1d(o->y, 4, 4);
    pto_param store[2] = {pto_inout(x), pto_scalar(1)};
    pto_param yi[4];
    for (int i = 0; i < 4; i++)
        yi[i] = pto_inout(pto_tensor_1d((char *)o->y + 4 * i, 1, 4));
    (void)y;
    pto_status st;
    if ((st = pto_slot_set_u64(run, 0, 1, NULL, err)) ||
        (st = pto_set_task_predicate(run, &o->is1, err)) ||
        (st = pto_submit(run, K_INC, PTO_CORE_AIV, &yi[0], 1, NULL, err)) ||
        (st = pto_slot_set_u64(run, 0, 0, NULL, err)) ||
        (st = pto_set_task_predicate(run, &o->is1, err)) ||
        (st = pto_submit(run, K_INC, PTO_CORE_AIV, &yi[1], 1, NULL, err)) ||
        (st = pto_submit(run, K_INC, PTO_CORE_AIV, store, 1, NULL, err)) ||
        (st = pto_submit(run, K_INC, PTO_CORE_AIV, store, 1, NULL, err)) ||
        (st = pto_submit(run, K_STORE, PTO_CORE_AIV, store, 2, NULL, err)) ||
        (st = pto_slot_load(run, 0, &x, 0, NULL, err)) ||
        (st = pto_set_task_predicate(run, &o->is1, err)) ||
        (st = pto_submit(run, K_INC, PTO_CORE_AIV, &yi[2], 1, NULL, err)))
        return st;
    return PTO_OK;
}

static void test_predicate_order(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    pto_error err;
    struct order o;
    assert_int_equal(pto_malloc(dev, 4, &o.x, &err), PTO_OK);
    assert_int_equal(pto_malloc(dev, 16, &o.y, &err), PTO_OK);
    o.is1 = parse(dev, "slot0 == 1u");
    for (uint32_t rep = 0; rep < 50; rep++)
        for (uint32_t m = 0; m < NMODES; m++) {
            int32_t y[4] = {0}, x = 0;
            assert_int_equal(pto_copy_to_device(dev, o.y, y, sizeof y, &err), PTO_OK);
            assert_int_equal(pto_copy_to_device(dev, o.x, &x, 4, &err), PTO_OK);
            pto_stats st;
            if (launch(dev, m, NULL, orch_order, &o, &st, &err))
                fail_msg("%s", err.msg);
            assert_int_equal(pto_copy_from_device(dev, y, o.y, sizeof y, &err), PTO_OK);
            assert_int_equal(y[0], 1);
            assert_int_equal(y[1], 0);
            assert_int_equal(y[2], 1);
            assert_int_equal(st.skipped, 1);
        }
    pto_device_close(dev);
}

/* ---- expression keys ---- */

/* n AIV tasks, task i keyed by `slot0 + param0` with param0 = i after
 * slot0 := base (loaded from a tensor a task wrote). */
struct keyed {
    void *x;
    uint32_t n;
    uint64_t base;
    pto_expr key;
};

static pto_status orch_keyed(pto_run *run, void *p, pto_error *err)
{
    struct keyed *k = p;
    pto_tensor x = pto_tensor_1d(k->x, 1, 4);
    pto_param store[2] = {pto_inout(x), pto_scalar(k->base)};
    pto_status st;
    if ((st = pto_set_task_key(run, 0, err)) || /* on lane 0 */
        (st = pto_submit(run, K_STORE, PTO_CORE_AIV, store, 2, NULL, err)) ||
        (st = pto_slot_load(run, 0, &x, 0, NULL, err)))
        return st;
    for (uint32_t i = 0; i < k->n; i++) {
        pto_param prm = pto_scalar(i);
        if ((st = pto_set_task_key_expr(run, &k->key, err)) ||
            (st = pto_submit(run, K_COST, PTO_CORE_AIV, &prm, 1, NULL, err)))
            return st;
    }
    return PTO_OK;
}

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void test_key_expr(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    pto_error err;
    struct keyed k = {.n = 12, .base = 3};
    assert_int_equal(pto_malloc(dev, 4, &k.x, &err), PTO_OK);
    k.key = parse(dev, "slot0 + param0");
    pto_lane_map map;
    assert_int_equal(pto_lanes_get(dev, 4, &map, &err), PTO_OK);
    const char *policies[] = {"affinity:4", "hash:4", "work_steal:4"};
    for (uint32_t p = 0; p < 3; p++)
        for (uint32_t m = 0; m < NMODES; m++) {
            pto_stats st;
            if (launch(dev, m, policies[p], orch_keyed, &k, &st, &err))
                fail_msg("%s: %s", policies[p], err.msg);
            const pto_task_record *r;
            size_t n;
            pto_last_run_records(dev, &r, &n);
            assert_int_equal(n, 2 + k.n);
            uint32_t per_lane[4] = {0};
            for (uint32_t i = 0; i < k.n; i++) {
                uint64_t key = k.base + i;
                uint32_t want = (uint32_t)((p == 1 ? mix64(key) : key) % 4);
                uint32_t lane = map.lane[r[2 + i].core];
                per_lane[want]++;
                if (p < 2) /* work_steal may move a task to an idle lane */
                    assert_int_equal(lane, want);
            }
            if (modes[m].det) { /* the store, then each lane's tasks back to back */
                uint32_t most = 0;
                for (int l = 0; l < 4; l++)
                    most = per_lane[l] > most ? per_lane[l] : most;
                assert_int_equal(st.total_cycles, p == 2 ? C + 3 * C : C + most * C);
            }
        }
    pto_device_close(dev);
}

/* ---- errors ---- */

struct bad {
    int what;
    pto_expr e;
    void *x;
};

static pto_status orch_bad(pto_run *run, void *p, pto_error *err)
{
    struct bad *b = p;
    pto_tensor x = pto_tensor_1d(b->x, 4, 4);
    pto_tensor odd = x;
    odd.elem = 3;
    pto_param prm = pto_scalar(0);
    switch (b->what) {
    case 0: return pto_slot_set_u64(run, 256, 1, NULL, err);
    case 1: return pto_slot_load(run, 300, &x, 0, NULL, err);
    case 2: return pto_slot_load(run, 0, &x, 4, NULL, err);
    case 3: return pto_slot_load(run, 0, &odd, 0, NULL, err);
    case 4: return pto_slot_load(run, 0, NULL, 0, NULL, err);
    case 5: return pto_set_task_predicate(run, &b->e, err);
    case 6: return pto_set_task_key_expr(run, &b->e, err);
    case 7: return pto_slot_set(run, 0, &b->e, NULL, err);
    case 8: { /* a key expression under a user policy */
        pto_status st = pto_set_task_key_expr(run, &b->e, err);
        return st ? st : pto_submit(run, K_COST, PTO_CORE_AIV, &prm, 1, NULL, err);
    }
    case 9: { /* an AIC task whose key may pick lanes 2 and 3, which have no AIC */
        pto_status st = pto_set_task_key_expr(run, &b->e, err);
        return st ? st : pto_submit(run, K_AIC, PTO_CORE_AIC, &prm, 1, NULL, err);
    }
    case 10: /* more distinct expressions than a run holds */
        for (uint64_t i = 0;; i++) {
            pto_expr lit;
            pto_expr_u64(&lit, i);
            pto_status st = pto_slot_set(run, 0, &lit, NULL, err);
            if (st)
                return st;
        }
    case 11: { /* a predicate and a key that read 9 distinct slots together */
        pto_expr p5;
        pto_error e2;
        const char *t = "slot0 + slot1 + slot2 + slot3 + slot4 == 0u";
        if (pto_expr_parse(&p5, t, strlen(t), NULL, &e2))
            return pto_fail(err, PTO_ERR_INVALID, "test: %s", e2.msg);
        pto_status st = pto_set_task_predicate(run, &p5, err);
        return st ? st : pto_set_task_key_expr(run, &b->e, err);
    }
    default: return PTO_OK;
    }
}

static uint32_t route0(void *ctx, const pto_route_info *i)
{
    (void)ctx, (void)i;
    return 0;
}

static void expect_bad(pto_device *dev, struct bad *b, const char *policy, pto_status want,
                       const char *msg)
{
    for (uint32_t m = 0; m < NMODES; m++) {
        pto_error err;
        pto_stats st;
        pto_status got = launch(dev, m, policy, orch_bad, b, &st, &err);
        if (got != want || !strstr(err.msg, msg))
            fail_msg("case %d: status %d (want %d), message '%s' (want '%s')", b->what, got, want,
                     err.msg, msg);
    }
}

static void test_errors(void **state)
{
    (void)state;
    pto_device *dev = open_dev(), *other = open_dev();
    pto_error err;
    struct bad b;
    assert_int_equal(pto_malloc(dev, 16, &b.x, &err), PTO_OK);
    b.what = 0;
    expect_bad(dev, &b, NULL, PTO_ERR_INVALID, "pto_slot_set_u64: slot 256 (a run has slots 0..255)");
    b.what = 1;
    expect_bad(dev, &b, NULL, PTO_ERR_INVALID, "pto_slot_load: slot 300");
    b.what = 2;
    expect_bad(dev, &b, NULL, PTO_ERR_INVALID, "pto_slot_load: index 4 outside 4 elements");
    b.what = 3;
    expect_bad(dev, &b, NULL, PTO_ERR_INVALID, "elements of 3 bytes");
    b.what = 4;
    expect_bad(dev, &b, NULL, PTO_ERR_INVALID, "pto_slot_load: tensor is NULL");
    /* types */
    b.e = parse(dev, "slot0 + 1u");
    b.what = 5;
    expect_bad(dev, &b, NULL, PTO_ERR_INVALID,
               "pto_set_task_predicate: the expression has type u64, not bool");
    b.e = parse(dev, "slot0 == 1u");
    b.what = 6;
    expect_bad(dev, &b, NULL, PTO_ERR_INVALID,
               "pto_set_task_key_expr: the expression has type bool, not i64 or u64");
    b.what = 7;
    expect_bad(dev, &b, NULL, PTO_ERR_INVALID, "pto_slot_set: the expression has type bool");
    /* leaves without a value at dispatch */
    b.e = parse(dev, "axis0 == 1u");
    b.what = 5;
    expect_bad(dev, &b, NULL, PTO_ERR_INVALID, "axis0 has no value when a task is dispatched");
    b.e = parse(dev, "tag2");
    b.what = 6;
    expect_bad(dev, &b, NULL, PTO_ERR_INVALID, "tag2 has no value");
    /* symbols: built on another device; then an array where a scalar was */
    assert_int_equal(pto_symbol_declare(other, "gone", PTO_SYMBOL_U64, 0, &err), PTO_OK);
    b.e = parse(other, "sym.gone == 0u");
    b.what = 5;
    expect_bad(dev, &b, NULL, PTO_ERR_NOT_FOUND, "symbol 'gone' is not declared on this device");
    assert_int_equal(pto_symbol_declare(dev, "gone", PTO_SYMBOL_I32_ARRAY, 0, &err), PTO_OK);
    expect_bad(dev, &b, NULL, PTO_ERR_INVALID, "symbol 'gone' is an int32 array, not a scalar");
    /* keys: a user policy; lanes without the task's core type */
    assert_int_equal(pto_policy_register(dev, "first", route0, NULL, &err), PTO_OK);
    b.e = parse(dev, "param0");
    b.what = 8;
    expect_bad(dev, &b, "first", PTO_ERR_INVALID, "where user policy 'first' cannot be called");
    b.what = 9;
    expect_bad(dev, &b, "affinity:4", PTO_ERR_INVALID,
               "may route it to any of 'affinity''s 4 lanes, and lane 2 has no AIC core");
    b.what = 10;
    expect_bad(dev, &b, NULL, PTO_ERR_CAPACITY, "the run already holds 64 distinct expressions");
    /* too many slots read by one task */
    b.e = parse(dev, "slot0 + slot1 + slot2 + slot3 + slot4 + slot5 + slot6 + slot7 + slot8");
    b.what = 6;
    expect_bad(dev, &b, "affinity:4", PTO_ERR_CAPACITY,
               "pto_set_task_key_expr: the expression reads more than 8 distinct slots");
    b.e = parse(dev, "slot4 + slot5 + slot6 + slot7 + slot8");
    b.what = 11;
    expect_bad(dev, &b, "affinity:4", PTO_ERR_CAPACITY,
               "one task's predicate, key and slot value read more than 8 distinct slots");
    /* outside an orchestration */
    pto_run *none = NULL;
    assert_int_not_equal(pto_slot_set_u64(none, 0, 1, NULL, &err), PTO_OK);
    assert_int_not_equal(pto_set_task_predicate(none, &b.e, &err), PTO_OK);
    pto_device_close(other);
    pto_device_close(dev);
}

/* The capability matrix says what this file tests. */
static void test_caps_rows(void **s)
{
    (void)s;
    const char *rows[] = {"symbols", "runtime slots", "ScalarExpr dispatch key",
                          "dispatch-time predicate"};
    for (uint32_t i = 0; i < 4; i++) {
        int found = 0;
        for (uint32_t r = 0; r < pto_caps_rows(); r++) {
            if (strcmp(pto_caps_feature(r), rows[i]))
                continue;
            found = 1;
            for (uint32_t c = 0; c < pto_caps_columns(); c++)
                assert_int_equal(pto_caps_level(r, c),
                                 strcmp(pto_caps_column_platform(c), "a2a3sim")
                                     ? PTO_CAP_UNSUPPORTED
                                     : PTO_CAP_ENFORCED);
        }
        assert_true(found);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slot_set),        cmocka_unit_test(test_slot_load),
        cmocka_unit_test(test_predicate_chain), cmocka_unit_test(test_predicate_order),
        cmocka_unit_test(test_key_expr),        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_caps_rows),       cmocka_unit_test(test_skipped_in_traces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
