/* Dispatch targets (lanes; DESIGN 6.1) as the dispatch mechanism provides
 * them: a task routed to a lane goes to that lane's own ready queue and
 * runs on a core of the lane (its scheduler's cores), in threaded and
 * deterministic runs, host-built and streamed; an unrouted task keeps
 * today's behaviour. The tasks are routed by the affinity policy over the
 * default lanes (one per scheduler), their key being the lane. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/device.h"
#include "pto/pto.h"

/* args[0] = cycles to report, args[1] = lane the test routes it to (or
 * PTO_TARGET_ANY), args[2] = the task it depends on (or UINT64_MAX). */
static void k_cost(const uint64_t *a) { pto_add_cycles(a[0]); }

struct prog {
    uint32_t n;
    uint64_t lane[16], dep[16];
};

static pto_status orch(pto_run *run, void *p, pto_error *err)
{
    struct prog *g = p;
    for (uint32_t i = 0; i < g->n; i++) {
        uint64_t a[3] = {100, g->lane[i], g->dep[i]};
        pto_task_id id;
        pto_status st = g->lane[i] == PTO_TARGET_ANY ? PTO_OK : pto_set_task_key(run, g->lane[i], err);
        if (!st)
            st = pto_add_task(run, 0, PTO_CORE_AIV, a, 3, &id, err);
        if (!st && g->dep[i] != UINT64_MAX)
            st = pto_add_dep(run, g->dep[i], id, err);
        if (st)
            return st;
    }
    return PTO_OK;
}

/* 4 blocks, 2 schedulers: lane 0 = blocks 0 and 2 (AIV cores 1, 2, 7, 8),
 * lane 1 = blocks 1 and 3 (AIV cores 4, 5, 10, 11). */
static pto_device *open_dev(void)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 4;
    cfg.schedulers = 2;
    cfg.task_window = 64;
    cfg.gm_bytes = 1 << 20;
    cfg.heap_bytes = 1 << 20;
    pto_device *dev;
    pto_error err;
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(dev->tb.ntargets, 2);
    assert_int_equal(pto_kernel_register(dev, 0, PTO_CORE_AIV, k_cost, "v", &err), 0);
    return dev;
}

static int lane_of(uint32_t core) { return (int)(core / PTO_CORES_PER_BLOCK % 2); }

static pto_stats launch(pto_device *dev, struct prog *g, pto_run_mode mode, int det)
{
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = mode;
    rc.deterministic = det;
    rc.dispatch = g->lane[0] == PTO_TARGET_ANY ? NULL : "affinity";
    pto_stats st;
    pto_error err;
    if (pto_launch(dev, &rc, orch, g, &st, &err))
        fail_msg("%s", err.msg);
    return st;
}

static const struct {
    pto_run_mode mode;
    int det;
} modes[] = {{PTO_MODE_HOST_BUILT, 0},
             {PTO_MODE_HOST_BUILT, 1},
             {PTO_MODE_STREAMED, 0},
             {PTO_MODE_STREAMED, 1}};

/* Eight independent tasks routed to lane 1 run on its four AIV cores only:
 * two rounds of 100 cycles (deterministic: exactly 200; unrouted, the eight
 * AIV cores take one round, 100). */
static void test_routed_tasks_run_on_their_lane(void **s)
{
    (void)s;
    pto_device *dev = open_dev();
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        struct prog g = {.n = 8};
        for (uint32_t i = 0; i < g.n; i++) {
            g.lane[i] = 1;
            g.dep[i] = UINT64_MAX;
        }
        pto_stats st = launch(dev, &g, modes[m].mode, modes[m].det);
        const pto_task_record *r;
        size_t n;
        pto_last_run_records(dev, &r, &n);
        assert_int_equal(n, 8);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(lane_of(r[i].core), 1);
            assert_int_equal(r[i].sched, 1);
        }
        if (modes[m].det) {
            assert_int_equal(st.total_cycles, 200);
            /* all eight sat in lane 1's AIV queue at once */
            assert_int_equal(st.flow[PTO_STALL_READY_QUEUE_FULL].high_water, 8);
        }
        for (uint32_t i = 0; i < g.n; i++)
            g.lane[i] = PTO_TARGET_ANY;
        st = launch(dev, &g, modes[m].mode, modes[m].det);
        if (modes[m].det)
            assert_int_equal(st.total_cycles, 100);
    }
    pto_device_close(dev);
}

/* A chain that alternates lanes: each successor is released by the other
 * lane's scheduler and still runs on its own lane. */
static void test_successors_follow_their_route(void **s)
{
    (void)s;
    pto_device *dev = open_dev();
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        struct prog g = {.n = 6};
        for (uint32_t i = 0; i < g.n; i++) {
            g.lane[i] = i % 2;
            g.dep[i] = i ? i - 1 : UINT64_MAX;
        }
        pto_stats st = launch(dev, &g, modes[m].mode, modes[m].det);
        const pto_task_record *r;
        size_t n;
        pto_last_run_records(dev, &r, &n);
        assert_int_equal(n, 6);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(lane_of(r[i].core), (int)(i % 2));
        if (modes[m].det)
            assert_int_equal(st.total_cycles, 600);
    }
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routed_tasks_run_on_their_lane),
        cmocka_unit_test(test_successors_follow_their_route),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
