/* Dispatch policies and lanes (DESIGN 6.1, pto/dispatch.h): the exact
 * behaviour of each policy, in deterministic runs by total_cycles and in
 * threaded runs by the core that ran each task, and every error.
 *
 * The device has 2 blocks (AIV cores 1, 2, 4, 5) and 2 schedulers; a run
 * with 4 lanes deals the AIV cores one per lane (lane = AIV index mod 4:
 * core 1 -> 0, 2 -> 1, 4 -> 2, 5 -> 3) and the AIC cores 0 and 3 to lanes 0
 * and 1. Every kernel reports C cycles and dispatch_cycles is 0, so by
 * DESIGN 5 a task starts when its core is free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pto/pto.h"

#define C 100
#define MAXT 10000

static void k_cost(const uint64_t *a)
{
    (void)a;
    pto_add_cycles(C);
}

/* A program of n independent AIV tasks (or AIC when aic is set), task i
 * with key key[i] (none when has_key is 0), under policy `scope_policy`
 * from task scope_from on (NULL: the run's own throughout). */
struct prog {
    uint32_t n;
    int has_key, aic, spmd;
    uint64_t key[MAXT];
    const char *scope_policy;
    uint32_t scope_from, scope_to;
};

static pto_status orch(pto_run *run, void *p, pto_error *err)
{
    struct prog *g = p;
    pto_status st = PTO_OK;
    for (uint32_t i = 0; i < g->n && !st; i++) {
        if (g->scope_policy && i == g->scope_from &&
            ((st = pto_scope_begin(run, "s", PTO_SCOPE_AUTO, err)) ||
             (st = pto_set_dispatch(run, g->scope_policy, err))))
            return st;
        if (g->has_key && (st = pto_set_task_key(run, g->key[i], err)))
            return st;
        uint64_t a = i;
        if (g->spmd) {
            pto_param prm = pto_scalar(a);
            st = pto_submit_spmd(run, 0, PTO_CORE_AIV, g->spmd, &prm, 1, NULL, err);
        } else {
            st = pto_add_task(run, g->aic ? 1 : 0, g->aic ? PTO_CORE_AIC : PTO_CORE_AIV, &a, 1,
                              NULL, err);
        }
        if (!st && g->scope_policy && i + 1 == g->scope_to)
            st = pto_scope_end(run, err);
    }
    return st;
}

static pto_device *open_dev(uint32_t blocks, uint32_t schedulers)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = blocks;
    cfg.schedulers = schedulers;
    cfg.task_window = 16384;
    cfg.gm_bytes = 1 << 20;
    cfg.heap_bytes = 1 << 20;
    cfg.dispatch_cycles = 0;
    pto_device *dev;
    pto_error err;
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(pto_kernel_register(dev, 0, PTO_CORE_AIV, k_cost, "v", &err), 0);
    assert_int_equal(pto_kernel_register(dev, 1, PTO_CORE_AIC, k_cost, "c", &err), 0);
    return dev;
}

static pto_status launch(pto_device *dev, struct prog *g, const char *policy, int det,
                         pto_run_mode mode, pto_stats *st, pto_error *err)
{
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = mode;
    rc.deterministic = det;
    rc.dispatch = policy;
    return pto_launch(dev, &rc, orch, g, st, err);
}

static pto_stats run_ok(pto_device *dev, struct prog *g, const char *policy, int det,
                        pto_run_mode mode)
{
    pto_stats st;
    pto_error err;
    if (launch(dev, g, policy, det, mode, &st, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(st.tasks, g->n);
    return st;
}

/* Lane of the core that ran each task (lanes: the run's lane count). */
static void lanes_run(pto_device *dev, uint32_t lanes, uint32_t n, uint32_t *lane)
{
    pto_lane_map map;
    pto_error err;
    assert_int_equal(pto_lanes_get(dev, lanes, &map, &err), PTO_OK);
    const pto_task_record *r;
    size_t count;
    pto_last_run_records(dev, &r, &count);
    assert_int_equal(count, n);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(r[i].task_id, i);
        lane[i] = map.lane[r[i].core];
    }
}

static const struct {
    int det;
    pto_run_mode mode;
} modes[] = {{1, PTO_MODE_HOST_BUILT},
             {1, PTO_MODE_STREAMED},
             {0, PTO_MODE_HOST_BUILT},
             {0, PTO_MODE_STREAMED}};
#define NMODES (sizeof modes / sizeof modes[0])

static struct prog g; /* large: not on the stack */

/* The capability matrix says what this file tests: every dispatch row is
 * ENFORCED on both a2a3sim modes. */
static void test_caps_rows(void **s)
{
    (void)s;
    uint32_t rows = 0;
    for (uint32_t r = 0; r < pto_caps_rows(); r++) {
        const char *f = pto_caps_feature(r);
        if (strncmp(f, "dispatch(", 9) && strncmp(f, "dispatch lanes", 14))
            continue; /* dispatch_threshold is another directive */
        rows++;
        for (uint32_t c = 0; c < pto_caps_columns(); c++)
            if (!strcmp(pto_caps_column_platform(c), "a2a3sim"))
                assert_int_equal(pto_caps_level(r, c), PTO_CAP_ENFORCED);
    }
    assert_int_equal(rows, 7); /* default, 4 built-ins, user, dealt lanes */
}

static void test_lane_map(void **s)
{
    (void)s;
    pto_device *dev = open_dev(2, 2);
    pto_lane_map map;
    pto_error err;
    /* 4 lanes: AIC 0 -> 0, AIV 1 -> 0, AIV 2 -> 1, AIC 3 -> 1, AIV 4 -> 2, AIV 5 -> 3 */
    assert_int_equal(pto_lanes_get(dev, 4, &map, &err), PTO_OK);
    const uint8_t want4[6] = {0, 0, 1, 1, 2, 3};
    assert_int_equal(map.lanes, 4);
    assert_memory_equal(map.lane, want4, 6);
    /* default: one lane per scheduler, blocks round robin */
    assert_int_equal(pto_lanes_get(dev, 0, &map, &err), PTO_OK);
    const uint8_t want2[6] = {0, 0, 0, 1, 1, 1};
    assert_int_equal(map.lanes, 2);
    assert_memory_equal(map.lane, want2, 6);
    assert_memory_equal(map.scheduler, want2, 6);
    assert_int_equal(pto_lanes_get(dev, 5, &map, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "4 AIV cores"));
    pto_device_close(dev);
}

/* round_robin:4 over k = 10 equal tasks, one core per lane: task i on lane
 * i mod 4, ceil(10/4) * C = 300 cycles; round_robin:2 (the run still has
 * 4 lanes, the scope's N is 2): lanes 0 and 1 only, ceil(10/2) * C. */
static void test_round_robin(void **s)
{
    (void)s;
    pto_device *dev = open_dev(2, 2);
    memset(&g, 0, sizeof g);
    g.n = 10;
    uint32_t lane[10];
    for (size_t m = 0; m < NMODES; m++) {
        pto_stats st = run_ok(dev, &g, "round_robin:4", modes[m].det, modes[m].mode);
        if (modes[m].det)
            assert_int_equal(st.total_cycles, 300);
        lanes_run(dev, 4, g.n, lane);
        for (uint32_t i = 0; i < g.n; i++)
            assert_int_equal(lane[i], i % 4);
    }
    g.scope_policy = "round_robin:2";
    g.scope_from = 0;
    g.scope_to = 10;
    pto_stats st = run_ok(dev, &g, "round_robin:4", 1, PTO_MODE_STREAMED);
    assert_int_equal(st.total_cycles, 500);
    lanes_run(dev, 4, g.n, lane);
    for (uint32_t i = 0; i < g.n; i++)
        assert_int_equal(lane[i], i % 2);
    pto_device_close(dev);
}

/* affinity: equal keys, same target; one constant key is the serial sum
 * (10 * C); keys i mod 3 put task i on lane (i mod 3) mod 4. */
static void test_affinity(void **s)
{
    (void)s;
    pto_device *dev = open_dev(2, 2);
    memset(&g, 0, sizeof g);
    g.n = 10;
    g.has_key = 1;
    uint32_t lane[10];
    for (size_t m = 0; m < NMODES; m++) {
        for (uint32_t i = 0; i < g.n; i++)
            g.key[i] = 7;
        pto_stats st = run_ok(dev, &g, "affinity:4", modes[m].det, modes[m].mode);
        if (modes[m].det)
            assert_int_equal(st.total_cycles, 10 * C);
        lanes_run(dev, 4, g.n, lane);
        for (uint32_t i = 0; i < g.n; i++)
            assert_int_equal(lane[i], 3);
        for (uint32_t i = 0; i < g.n; i++)
            g.key[i] = i % 3;
        st = run_ok(dev, &g, "affinity:4", modes[m].det, modes[m].mode);
        if (modes[m].det) /* lanes 0, 1, 2 take 4, 3, 3 tasks */
            assert_int_equal(st.total_cycles, 4 * C);
        lanes_run(dev, 4, g.n, lane);
        for (uint32_t i = 0; i < g.n; i++)
            assert_int_equal(lane[i], i % 3);
    }
    pto_device_close(dev);
}

/* 10^4 keys spread over 4 targets within +-5 % (2375..2625 each), for
 * consecutive keys and for keys with stride 64; key mod n (affinity) puts
 * every stride-64 key on one target. */
static void spread(pto_device *dev, const char *policy, uint64_t stride, uint32_t count[4])
{
    memset(&g, 0, sizeof g);
    g.n = MAXT;
    g.has_key = 1;
    for (uint32_t i = 0; i < g.n; i++)
        g.key[i] = i * stride;
    run_ok(dev, &g, policy, 1, PTO_MODE_HOST_BUILT);
    static uint32_t lane[MAXT];
    lanes_run(dev, 4, g.n, lane);
    memset(count, 0, 4 * sizeof *count);
    for (uint32_t i = 0; i < g.n; i++)
        count[lane[i]]++;
}

static void test_hash_spreads(void **s)
{
    (void)s;
    pto_device *dev = open_dev(2, 2);
    uint32_t count[4];
    const uint64_t strides[] = {1, 64};
    for (int k = 0; k < 2; k++) {
        spread(dev, "hash:4", strides[k], count);
        for (int l = 0; l < 4; l++) {
            assert_in_range(count[l], 2375, 2625);
        }
    }
    spread(dev, "affinity:4", 64, count);
    assert_int_equal(count[0], MAXT);
    pto_device_close(dev);
}

/* work_steal: 88 tasks, 64 keyed to lane 0 and 8 to each of lanes 1..3 —
 * lane 0 has 8x the work. The even split is 88 / 4 * C = 2200. Derivation
 * (deterministic): for 8 rounds every lane runs its own (t = 800); then
 * lane 0 has 56 left, and lanes 1..3 steal from it (their victim order
 * reaches lane 0 after their empty peers), so the 4 cores take 56 in 14
 * rounds: 800 + 1400 = 2200 exactly. Without stealing (affinity): 6400.
 * Threaded: every task runs exactly once, on some core. */
static void test_work_steal(void **s)
{
    (void)s;
    pto_device *dev = open_dev(2, 2);
    memset(&g, 0, sizeof g);
    g.n = 88;
    g.has_key = 1;
    for (uint32_t i = 0; i < g.n; i++)
        g.key[i] = i < 64 ? 0 : 1 + (i - 64) / 8;
    for (size_t m = 0; m < NMODES; m++) {
        pto_stats st = run_ok(dev, &g, "work_steal:4", modes[m].det, modes[m].mode);
        uint64_t ran = 0;
        for (uint32_t c = 0; c < st.cores; c++)
            ran += st.core[c].tasks;
        assert_int_equal(ran, 88);
        uint32_t lane[88];
        lanes_run(dev, 4, g.n, lane); /* each task id has exactly one record */
        if (modes[m].det)
            assert_int_equal(st.total_cycles, 2200);
    }
    pto_stats st = run_ok(dev, &g, "affinity:4", 1, PTO_MODE_HOST_BUILT);
    assert_int_equal(st.total_cycles, 6400);
    pto_device_close(dev);
}

/* A user policy is called once per routed task (not for dependency-only
 * tasks or MIX tasks, which are not routed) and its choice is obeyed. */
struct calls {
    uint32_t n;
    uint64_t index[64];
};

static uint32_t route_reverse(void *ctx, const pto_route_info *info)
{
    struct calls *c = ctx;
    if (c->n < 64)
        c->index[c->n] = info->index;
    c->n++;
    return info->ntargets - 1 - (uint32_t)(info->task_id % info->ntargets);
}

static pto_status orch_with_dummies(pto_run *run, void *p, pto_error *err)
{
    (void)p;
    pto_status st = PTO_OK;
    for (uint64_t i = 0; i < 12 && !st; i++)
        st = i % 3 == 2 ? pto_submit_dummy(run, NULL, 0, NULL, err)
                        : pto_add_task(run, 0, PTO_CORE_AIV, &i, 1, NULL, err);
    return st;
}

static void test_user_policy(void **s)
{
    (void)s;
    pto_device *dev = open_dev(2, 2);
    struct calls calls;
    pto_error err;
    assert_int_equal(pto_policy_register(dev, "reverse", route_reverse, &calls, &err), PTO_OK);
    for (size_t m = 0; m < NMODES; m++) {
        memset(&calls, 0, sizeof calls);
        pto_run_config rc;
        pto_run_config_default(&rc);
        rc.mode = modes[m].mode;
        rc.deterministic = modes[m].det;
        rc.dispatch = "reverse:4";
        pto_stats st;
        if (pto_launch(dev, &rc, orch_with_dummies, NULL, &st, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(calls.n, 8); /* 12 tasks, 4 of them dummies */
        for (uint32_t i = 0; i < 8; i++)
            assert_int_equal(calls.index[i], i);
        pto_lane_map map;
        assert_int_equal(pto_lanes_get(dev, 4, &map, &err), PTO_OK);
        const pto_task_record *r;
        size_t count;
        pto_last_run_records(dev, &r, &count);
        assert_int_equal(count, 12);
        for (uint32_t i = 0; i < 12; i++)
            if (i % 3 != 2)
                assert_int_equal(map.lane[r[i].core], 3 - i % 4);
        if (modes[m].det) /* ids 0 1 3 4 6 7 9 10 -> lanes 3 2 0 3 1 0 2 1: two rounds */
            assert_int_equal(st.total_cycles, 2 * C);
    }
    pto_device_close(dev);
}

/* A scope's policy holds until it ends; the routing index keeps counting
 * across policies. Tasks 0..3 round robin (lanes 0 1 2 3), 4..7 under
 * affinity with key 2 (lane 2), 8..11 round robin again: routing indexes 8..11
 * -> lanes 0 1 2 3. */
static void test_scope_policy(void **s)
{
    (void)s;
    pto_device *dev = open_dev(2, 2);
    memset(&g, 0, sizeof g);
    g.n = 12;
    g.has_key = 1;
    for (uint32_t i = 0; i < g.n; i++)
        g.key[i] = 2;
    g.scope_policy = "affinity";
    g.scope_from = 4;
    g.scope_to = 8;
    uint32_t lane[12];
    const uint32_t want[12] = {0, 1, 2, 3, 2, 2, 2, 2, 0, 1, 2, 3};
    for (size_t m = 0; m < NMODES; m++) {
        pto_stats st = run_ok(dev, &g, "round_robin:4", modes[m].det, modes[m].mode);
        lanes_run(dev, 4, g.n, lane);
        for (uint32_t i = 0; i < g.n; i++)
            assert_int_equal(lane[i], want[i]);
        if (modes[m].det) /* lane 2 runs 2 + 4 tasks */
            assert_int_equal(st.total_cycles, 6 * C);
    }
    pto_device_close(dev);
}

/* An SPMD task routed to a lane runs its parts on that lane's cores: 4
 * blocks, 4 lanes of 2 AIV cores each (lane l: AIV indexes l and l + 4);
 * a 4-part task on lane 1 takes two rounds of its two cores: 2 * C. */
static void test_spmd_on_a_lane(void **s)
{
    (void)s;
    pto_device *dev = open_dev(4, 2);
    memset(&g, 0, sizeof g);
    g.n = 1;
    g.has_key = 1;
    g.key[0] = 1;
    g.spmd = 4;
    pto_stats st = run_ok(dev, &g, "affinity:4", 1, PTO_MODE_HOST_BUILT);
    assert_int_equal(st.total_cycles, 2 * C);
    pto_lane_map map;
    pto_error err;
    assert_int_equal(pto_lanes_get(dev, 4, &map, &err), PTO_OK);
    for (uint32_t c = 0; c < st.cores; c++)
        if (st.core[c].tasks) {
            assert_int_equal(map.lane[c], 1);
            assert_int_equal(st.core[c].tasks, 2);
        }
    pto_device_close(dev);
}

/* A routed SPMD successor released on another lane's scheduler is queued
 * on its own lane, whose scheduler is woken: each of 50 rounds is t0 (key
 * 0: lane 0, scheduler 0) then a 2-part SPMD task (key 3: lane 3, core 5 of
 * scheduler 1) after it. Deterministic: 50 * (C + 2C). */
static pto_status orch_spmd_chain(pto_run *run, void *p, pto_error *err)
{
    (void)p;
    pto_status st = PTO_OK;
    pto_task_id a, b = 0;
    for (uint64_t i = 0; i < 50 && !st; i++) {
        pto_param prm = pto_scalar(i);
        if ((st = pto_set_task_key(run, 0, err)) ||
            (st = pto_add_task(run, 0, PTO_CORE_AIV, &i, 1, &a, err)) ||
            (i && (st = pto_add_dep(run, b, a, err))) || /* after the last round */
            (st = pto_set_task_key(run, 3, err)) ||
            (st = pto_submit_spmd(run, 0, PTO_CORE_AIV, 2, &prm, 1, &b, err)))
            return st;
        st = pto_add_dep(run, a, b, err);
    }
    return st;
}

static void test_routed_spmd_successor(void **s)
{
    (void)s;
    pto_device *dev = open_dev(2, 2);
    for (size_t m = 0; m < NMODES; m++) {
        pto_run_config rc;
        pto_run_config_default(&rc);
        rc.mode = modes[m].mode;
        rc.deterministic = modes[m].det;
        rc.dispatch = "affinity:4";
        rc.watchdog_ms = 10000;
        pto_stats st;
        pto_error err;
        if (pto_launch(dev, &rc, orch_spmd_chain, NULL, &st, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(st.tasks, 100);
        assert_int_equal(st.core[1].tasks, 50);
        assert_int_equal(st.core[5].tasks, 100);
        if (modes[m].det)
            assert_int_equal(st.total_cycles, 50 * 3 * C);
    }
    pto_device_close(dev);
}

static void expect_error(pto_device *dev, struct prog *p, const char *policy, pto_status want,
                         const char *text)
{
    pto_stats st;
    pto_error err;
    pto_status got = launch(dev, p, policy, 1, PTO_MODE_STREAMED, &st, &err);
    if (got != want)
        fail_msg("dispatch '%s': %s, not %s", policy ? policy : "(null)", pto_status_name(got),
                 pto_status_name(want));
    if (!strstr(err.msg, text))
        fail_msg("'%s' not in: %s", text, err.msg);
}

static void test_errors(void **s)
{
    (void)s;
    pto_device *dev = open_dev(2, 2);
    memset(&g, 0, sizeof g);
    g.n = 2;
    expect_error(dev, &g, "fifo", PTO_ERR_NOT_FOUND, "unknown dispatch policy 'fifo'");
    expect_error(dev, &g, "round_robin:0", PTO_ERR_INVALID, "at least 1");
    expect_error(dev, &g, "round_robin:5", PTO_ERR_INVALID, "4 AIV cores");
    expect_error(dev, &g, "round_robin:x", PTO_ERR_INVALID, "decimal");
    expect_error(dev, &g, "default:2", PTO_ERR_INVALID, "takes no N");
    expect_error(dev, &g, "hash", PTO_ERR_INVALID, "routes by key, and the task has none");
    expect_error(dev, &g, "affinity:4", PTO_ERR_INVALID, "pto_set_task_key");
    /* an AIC task on lane 2: 2 blocks deal AIC cores to lanes 0 and 1 only */
    g.aic = 1;
    g.n = 3;
    expect_error(dev, &g, "round_robin:4", PTO_ERR_INVALID, "lane 2, which has no AIC core");
    g.aic = 0;
    g.n = 2;
    /* a scope may not ask for more lanes than the run has */
    g.scope_policy = "round_robin:3";
    g.scope_to = 2;
    expect_error(dev, &g, NULL, PTO_ERR_INVALID, "more than this run's 2 lanes");
    g.scope_policy = NULL;
    pto_error err;
    assert_int_equal(pto_policy_register(dev, "hash", route_reverse, NULL, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_policy_register(dev, "a-b", route_reverse, NULL, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_policy_register(dev, "x", NULL, NULL, &err), PTO_ERR_INVALID);
    /* the device still runs */
    run_ok(dev, &g, "round_robin", 1, PTO_MODE_STREAMED);
    pto_device_close(dev);
}

static uint32_t route_out_of_range(void *ctx, const pto_route_info *info)
{
    (void)ctx;
    return info->ntargets;
}

static void test_user_policy_out_of_range(void **s)
{
    (void)s;
    pto_device *dev = open_dev(2, 2);
    pto_error err;
    assert_int_equal(pto_policy_register(dev, "bad", route_out_of_range, NULL, &err), PTO_OK);
    memset(&g, 0, sizeof g);
    g.n = 2;
    expect_error(dev, &g, "bad", PTO_ERR_INVALID, "chose target 2 of 2");
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caps_rows),
        cmocka_unit_test(test_lane_map),      cmocka_unit_test(test_round_robin),
        cmocka_unit_test(test_affinity),      cmocka_unit_test(test_hash_spreads),
        cmocka_unit_test(test_work_steal),    cmocka_unit_test(test_user_policy),
        cmocka_unit_test(test_scope_policy),  cmocka_unit_test(test_spmd_on_a_lane),
        cmocka_unit_test(test_routed_spmd_successor),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_user_policy_out_of_range),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
