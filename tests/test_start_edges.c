/* The task-graph primitives CSP channels are built on (DESIGN 6.4; issue
 * #17): start edges (a consumer waits for a producer to *start*, and gets
 * its start cycle) and dependency-only tasks with a delay (a channel's
 * latency), in the deterministic simulation (exact cycles) and threaded.
 *
 * DESIGN 6.4's worked example, wired by hand: a producer process P (tasks
 * of 10 cycles) sends three tokens over a channel of capacity C to a
 * consumer process Q (tasks of 30 cycles). Token k is two dummies: S_k, the
 * send's completion, after P_k and (C >= 1) after Q_{k-C} starts; K_k, the
 * token's arrival, S_k + latency. P_{k+1} waits for S_k (and P_k); Q_k for
 * K_k (and Q_{k-1}). Rendezvous (C = 0): K_k after P_k + latency, and S_k
 * when Q_k starts. One block: P and Q run on its two AIV cores. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/device.h"
#include "core/task_buffer.h"
#include "orchestration/run_internal.h"
#include "pto/pto.h"

static void k10(const uint64_t *a)
{
    (void)a;
    pto_add_cycles(10);
}
static void k30(const uint64_t *a)
{
    (void)a;
    pto_add_cycles(30);
}

struct example {
    uint32_t items, capacity, latency;
};

static pto_status dummy(pto_run *run, uint32_t delay, pto_task_id *id, pto_error *err)
{
    pto_status st = pto_submit_dummy(run, NULL, 0, id, err);
    if (!st) /* not yet published: the newest task is held back */
        pto_tb_task(&run->dev->tb, *id)->delay = delay;
    return st;
}

static pto_status task(pto_run *run, int func, pto_task_id *id, pto_error *err)
{
    uint64_t a = 0;
    pto_status st = pto_add_task(run, func, PTO_CORE_AIV, &a, 1, id, err);
    if (!st)
        pto_tb_watch_start(pto_tb_task(&run->dev->tb, *id));
    return st;
}

static pto_status dep(pto_run *run, pto_task_id p, pto_task_id c, pto_error *err)
{
    return p == UINT64_MAX ? PTO_OK : pto_add_dep(run, p, c, err);
}

/* Submission order is what a CSP orchestrator would produce: a send only
 * after the receive it waits for was issued. */
static pto_status orch(pto_run *run, void *ctx, pto_error *err)
{
    struct example *x = ctx;
    pto_task_id P[16], Q[16], S[16], K[16], none = UINT64_MAX;
    pto_status st = PTO_OK;
    for (uint32_t k = 0; k < x->items && !st; k++) {
        /* P_k after P_{k-1} and S_{k-1} */
        if ((st = task(run, 0, &P[k], err)) || (st = dep(run, k ? P[k - 1] : none, P[k], err)) ||
            (st = dep(run, k ? S[k - 1] : none, P[k], err)))
            break;
        if (x->capacity) {
            /* S_k after P_k and the start of Q_{k-C}; K_k = S_k + latency;
             * Q_k after K_k and Q_{k-1} */
            if ((st = dummy(run, 0, &S[k], err)) || (st = dep(run, P[k], S[k], err)) ||
                (k >= x->capacity &&
                 (st = pto_tb_add_start_dep(&run->dev->tb, Q[k - x->capacity], S[k], err))) ||
                (st = dummy(run, x->latency, &K[k], err)) || (st = dep(run, S[k], K[k], err)) ||
                (st = task(run, 1, &Q[k], err)) || (st = dep(run, K[k], Q[k], err)) ||
                (st = dep(run, k ? Q[k - 1] : none, Q[k], err)))
                break;
        } else {
            /* K_k = P_k + latency; Q_k after K_k and Q_{k-1}; S_k at the
             * start of Q_k */
            if ((st = dummy(run, x->latency, &K[k], err)) || (st = dep(run, P[k], K[k], err)) ||
                (st = task(run, 1, &Q[k], err)) || (st = dep(run, K[k], Q[k], err)) ||
                (st = dep(run, k ? Q[k - 1] : none, Q[k], err)) ||
                (st = dummy(run, 0, &S[k], err)) ||
                (st = pto_tb_add_start_dep(&run->dev->tb, Q[k], S[k], err)))
                break;
        }
    }
    return st;
}

static pto_device *open_dev(void)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 1;
    cfg.schedulers = 1;
    cfg.dispatch_cycles = 0;
    pto_device *dev;
    pto_error err;
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(pto_kernel_register(dev, 0, PTO_CORE_AIV, k10, "produce", &err), 0);
    assert_int_equal(pto_kernel_register(dev, 1, PTO_CORE_AIV, k30, "consume", &err), 0);
    return dev;
}

static uint64_t run_example(pto_device *dev, int det, pto_run_mode mode, uint32_t capacity,
                            uint32_t latency, uint32_t items)
{
    struct example x = {items, capacity, latency};
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.deterministic = det;
    rc.mode = mode;
    pto_stats st;
    pto_error err;
    if (pto_launch(dev, &rc, orch, &x, &st, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(st.tasks, 4 * items);
    return st.total_cycles;
}

/* DESIGN 6.4: 100 cycles at latency 0, 105 at latency 5. By hand, C = 1,
 * L = 5: P1 [0,10), S1 = 10, K1 = 15, Q1 [15,45); P2 [10,20), S2 =
 * max(20, start Q1 = 15) = 20, K2 = 25, Q2 [45,75); P3 [20,30), S3 =
 * max(30, start Q2 = 45) = 45, K3 = 50, Q3 [75,105). */
static void test_worked_example(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    for (int m = 0; m < 2; m++) {
        pto_run_mode mode = m ? PTO_MODE_HOST_BUILT : PTO_MODE_STREAMED;
        assert_int_equal(run_example(dev, 1, mode, 1, 0, 3), 100);
        assert_int_equal(run_example(dev, 1, mode, 1, 5, 3), 105);
        /* threaded: the same edges (a task's cycles there also depend on
         * which core ran it, so only a lower bound is exact) */
        assert_true(run_example(dev, 0, mode, 1, 0, 3) >= 100);
        assert_true(run_example(dev, 0, mode, 1, 5, 3) >= 105);
    }
    pto_device_close(dev);
}

/* Capacity 1 and a long latency: S_k waits for Q_{k-1}'s start, which the
 * latency delays. L = 50: Q1 [60,90); S2 = max(20, 60) = 60, K2 = 110, Q2
 * [110,140); S3 = max(70 (P3 [60,70)), 110) = 110, K3 = 160, Q3 [160,190). */
static void test_capacity_waits_for_start(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    assert_int_equal(run_example(dev, 1, PTO_MODE_STREAMED, 1, 50, 3), 190);
    assert_true(run_example(dev, 0, PTO_MODE_STREAMED, 1, 50, 3) >= 190);
    /* capacity 2: S2 = 20 (no wait), K2 = 70, Q2 [90,120); P3 [20,30), S3 =
     * max(30, start Q1 = 60) = 60, K3 = 110, Q3 [120,150) */
    assert_int_equal(run_example(dev, 1, PTO_MODE_STREAMED, 2, 50, 3), 150);
    pto_device_close(dev);
}

/* Rendezvous: P1 [0,10), Q1 [10,40), S1 = 10; P2 [10,20), Q2 [40,70),
 * S2 = 40; P3 [40,50), Q3 [70,100): 100. With L = 5: Q1 [15,45), S1 =
 * 15; P2 [15,25), Q2 [45,75), S2 = 45; P3 [45,55), Q3 max(75, 60) ->
 * [75,105). */
static void test_rendezvous(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    assert_int_equal(run_example(dev, 1, PTO_MODE_STREAMED, 0, 0, 3), 100);
    assert_int_equal(run_example(dev, 1, PTO_MODE_STREAMED, 0, 5, 3), 105);
    assert_int_equal(run_example(dev, 1, PTO_MODE_HOST_BUILT, 0, 5, 3), 105);
    assert_true(run_example(dev, 0, PTO_MODE_STREAMED, 0, 5, 3) >= 105);
    assert_true(run_example(dev, 0, PTO_MODE_HOST_BUILT, 0, 5, 3) >= 105);
    pto_device_close(dev);
}

/* Errors: a start edge to a task not watched, or not earlier. */
static pto_status orch_bad(pto_run *run, void *ctx, pto_error *err)
{
    (void)ctx;
    pto_task_id a, b;
    uint64_t arg = 0;
    pto_status st = pto_add_task(run, 0, PTO_CORE_AIV, &arg, 1, &a, err);
    if (!st)
        st = pto_submit_dummy(run, NULL, 0, &b, err);
    return st ? st : pto_tb_add_start_dep(&run->dev->tb, a, b, err);
}

static void test_errors(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = PTO_MODE_STREAMED;
    pto_error err;
    assert_int_equal(pto_launch(dev, &rc, orch_bad, NULL, NULL, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "start edge t0 -> t1: the producer must be an earlier task "
                                    "watched for its start"));
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_example),
        cmocka_unit_test(test_capacity_waits_for_start),
        cmocka_unit_test(test_rendezvous),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
