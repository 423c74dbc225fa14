/* The CSP payload of plans (docs/plan.md, "csp"; DESIGN 6.4) run through
 * the public API, deterministically: every total_cycles below is derived
 * by hand from DESIGN 6.4's CSPT rules in the comment above its test,
 * before it was run. Kernels: tests/data/plans/csp/cycles.c (a task of
 * args[0] cycles, nothing else) and examples/plans/elementwise's
 * scale_shift (y = a x + b on a 16 x 16 tile, 1024 cycles). Plans are
 * written with ' for " (see dq). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pto/plan.h"
#include "pto/pto.h"

#define DIR PTO_TEST_DATA_DIR "/plans/csp"

/* A task of n cycles. */
#define CYC(n) "{'task': {'kernel': 'cyc', 'args': [{'scalar': '" n "'}]}}"
/* z_v = 2 y_v + 1 style: tile v of `out` = 2 * (tile v of `in`) + 1. */
#define SS(in, out, v)                                                                             \
    "{'task': {'kernel': 'ss', 'args': [{'tensor': '" in "', 'role': 'in', 'offsets': ['" v        \
    " * 16', '0'], 'shape': [16, 16]}, {'tensor': '" out "', 'role': 'out', 'offsets': ['" v       \
    " * 16', '0'], 'shape': [16, 16]}, {'f32': 2.0}, {'f32': 1.0}]}}"
#define HEAD                                                                                       \
    "{'wsp_runtime_abi': 'v10.0', 'kernels': [{'id': 'cyc', 'core': 'AIV', 'source': "             \
    "'cycles.c', 'entry': 'plan_cycles'}, {'id': 'ss', 'core': 'AIV', 'source': "                  \
    "'" PTO_EXAMPLES_DIR                                                                           \
    "/plans/elementwise/kernels/scale_shift.c', 'entry': 'plan_scale_shift'}], "
/* x = 0, so y = 2 x + 1 = 1 and z = 2 y + 1 = 3 where written */
#define TENSORS                                                                                    \
    "'tensors': [{'name': 'x', 'dtype': 'f32', 'shape': [32, 16], 'role': 'in'}, "                 \
    "{'name': 'y', 'dtype': 'f32', 'shape': [32, 16], 'role': 'scratch', 'expect': "               \
    "{'const': 1.0}}, {'name': 'z', 'dtype': 'f32', 'shape': [32, 16], 'role': 'out', "            \
    "'expect': {'const': 3.0}}], 'axes': [{'name': 'three', 'kind': 'dense', 'size': 3}, "         \
    "{'name': 'two', 'kind': 'dense', 'size': 2}], "
#define SCRATCH                                                                                    \
    "'tensors': [{'name': 't', 'dtype': 'f32', 'shape': [16], 'role': 'scratch'}], 'axes': "       \
    "[{'name': 'three', 'kind': 'dense', 'size': 3}], "

/* The plan text s with ' as " (a static buffer). */
static const char *dq(const char *s)
{
    static char buf[8192];
    size_t n = strlen(s);
    assert_true(n < sizeof buf);
    for (size_t i = 0; i <= n; i++)
        buf[i] = s[i] == '\'' ? '"' : s[i];
    return buf;
}

static pto_plan *load(const char *text)
{
    const char *json = dq(text);
    pto_plan *p = NULL;
    pto_error err = {0};
    pto_status s = pto_plan_load_text(json, strlen(json), DIR, &p, &err);
    if (s != PTO_OK)
        print_error("%s\n", err.msg);
    assert_int_equal(s, PTO_OK);
    assert_int_equal(pto_plan_check(p, "a2a3sim", 1, &err), PTO_OK);
    return p;
}

/* 2 blocks: 4 AIV cores, so every process of these plans finds an idle
 * core whenever its next task may start. */
static pto_device *open_dev(void)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 2;
    cfg.schedulers = 2;
    pto_device *dev = NULL;
    pto_error err = {0};
    assert_int_equal(pto_device_open("a2a3sim", &cfg, &dev, &err), PTO_OK);
    return dev;
}

/* Runs p deterministically (latency: the symbol's value, unless < 0) in
 * mode; returns the status, *cycles the total. */
static pto_status run(pto_device *dev, pto_plan *p, int64_t latency, pto_run_mode mode,
                      uint64_t *cycles, pto_plan_result *res, pto_error *err)
{
    if (latency >= 0)
        assert_int_equal(pto_plan_set(p, PTO_CSP_LATENCY_SYMBOL, (uint64_t)latency, err), PTO_OK);
    pto_run_config rc;
    pto_plan_run_config(p, &rc);
    rc.deterministic = 1;
    rc.mode = mode;
    pto_stats st;
    memset(&st, 0, sizeof st);
    pto_status s = pto_plan_run(dev, p, &rc, res, &st, err);
    *cycles = st.total_cycles;
    return s;
}

/* DESIGN 6.4's worked example: three items, produce (10 cycles) -> a
 * capacity-1 channel -> consume (30 cycles). P_k, C_k: the tasks of item
 * k; token k's time T_k = max(end P_k, start C_(k-1)) (receive k - C,
 * C = 1); C_k starts at max(end C_(k-1), T_k + L); P_(k+1) starts at T_k.
 *   L = 0: P_0 [0,10), T_0 = 10, C_0 [10,40); P_1 [10,20), T_1 = max(20,
 *   10) = 20, C_1 [40,70); P_2 [20,30), T_2 = max(30, 40) = 40, C_2
 *   [70,100): 100.
 *   L = 5: C_0 [15,45); T_1 = max(20, 15) = 20, C_1 starts max(45, 25) =
 *   45: [45,75); T_2 = max(30, 45) = 45, C_2 starts max(75, 50) = 75:
 *   [75,105): 105.
 * The same work in one process: program order, 3 x (10 + 30) = 120. */
#define WORKED(cap, prod, cons)                                                                    \
    HEAD SCRATCH "'csp': {'channels': [{'name': 'items', 'capacity': " cap "}], 'processes': "     \
                 "[{'name': 'producer', 'body': [{'for_each': {'axis': 'three', 'var': 'k', "      \
                 "'body': [" CYC(                                                                  \
                     prod) ", {'send': {'channel': 'items'}}]}}]}, {'name': "                      \
                           "'consumer', 'body': [{'consume': {'channel': 'items', 'body': [" CYC(  \
                               cons) "]}}]}]}}"

static void test_worked_example(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    pto_plan *p = load(WORKED("1", "10", "30"));
    pto_plan_result res;
    pto_error err = {0};
    uint64_t cycles = 0;
    assert_int_equal(run(dev, p, -1, PTO_MODE_STREAMED, &cycles, &res, &err), PTO_OK);
    assert_int_equal(cycles, 100); /* latency: the implicit symbol's default, 0 */
    assert_int_equal(run(dev, p, 5, PTO_MODE_STREAMED, &cycles, &res, &err), PTO_OK);
    assert_int_equal(cycles, 105);
    /* host-built: the same edges, every task published before the run */
    assert_int_equal(run(dev, p, 5, PTO_MODE_HOST_BUILT, &cycles, &res, &err), PTO_OK);
    assert_int_equal(cycles, 105);
    assert_int_equal(run(dev, p, 0, PTO_MODE_HOST_BUILT, &cycles, &res, &err), PTO_OK);
    assert_int_equal(cycles, 100);
    pto_plan_free(p);
    p = load(HEAD SCRATCH
             "'csp': {'processes': [{'name': 'one', 'body': [{'parallel_for': "
             "{'axis': 'three', 'var': 'k', 'body': [" CYC("10") ", " CYC("30") "]}}]}]}}");
    assert_int_equal(run(dev, p, -1, PTO_MODE_STREAMED, &cycles, &res, &err), PTO_OK);
    assert_int_equal(cycles, 120);
    pto_plan_free(p);
    /* "latency" in the plan is the symbol's default: on another device, as
     * a device keeps a declared symbol's default across runs and refuses
     * another one */
    p = load(
        HEAD SCRATCH
        "'csp': {'latency': 5, 'channels': [{'name': 'items'}], 'processes': "
        "[{'name': 'producer', 'body': [{'for_each': {'axis': 'three', 'var': "
        "'k', 'body': [" CYC("10") ", {'send': {'channel': 'items'}}]}}]}, "
                                   "{'name': 'consumer', 'body': [{'consume': {'channel': 'items', "
                                   "'body': [" CYC("30") "]}}]}]}}");
    assert_int_equal(run(dev, p, -1, PTO_MODE_STREAMED, &cycles, &res, &err), PTO_ERR_INVALID);
    assert_string_equal(err.msg, "/csp/latency: pto_symbol_declare('__pto_wsp_channel_latency_"
                                 "cycles'): already declared as u64 with default bits 0x0, not "
                                 "u64 with 0x5");
    pto_device_close(dev);
    dev = open_dev();
    assert_int_equal(run(dev, p, -1, PTO_MODE_STREAMED, &cycles, &res, &err), PTO_OK);
    assert_int_equal(cycles, 105);
    pto_plan_free(p);
    pto_device_close(dev);
}

/* Rendezvous (C = 0), produce 30 -> consume 10, L = 5. DESIGN 6.4: receive
 * k happens at r_k = max(consumer ready = end C_(k-1), end P_k + L); send
 * k completes then, and P_(k+1) starts at r_k:
 *   P_0 [0,30), r_0 = max(0, 35) = 35, C_0 [35,45); P_1 [35,65), r_1 =
 *   max(45, 70) = 70, C_1 [70,80); P_2 [70,100), r_2 = max(80, 105) = 105,
 *   C_2 [105,115): 115.
 * Capacity 1, same tasks: T_k = max(end P_k, start C_(k-1)); P_0 [0,30),
 *   T_0 = 30, C_0 [35,45); P_1 [30,60), T_1 = max(60, 35) = 60, C_1 starts
 *   max(45, 65) = 65: [65,75); P_2 [60,90), T_2 = max(90, 65) = 90, C_2
 *   starts max(75, 95) = 95: [95,105): 105. At L = 0 both give 100 (P_2
 *   ends at 90 either way, C_2 [90,100)). */
static void test_rendezvous(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    pto_plan_result res;
    pto_error err = {0};
    uint64_t cycles = 0;
    pto_plan *p = load(WORKED("0", "30", "10"));
    assert_int_equal(run(dev, p, 5, PTO_MODE_STREAMED, &cycles, &res, &err), PTO_OK);
    assert_int_equal(cycles, 115);
    assert_int_equal(run(dev, p, 0, PTO_MODE_STREAMED, &cycles, &res, &err), PTO_OK);
    assert_int_equal(cycles, 100);
    pto_plan_free(p);
    p = load(WORKED("1", "30", "10"));
    assert_int_equal(run(dev, p, 5, PTO_MODE_STREAMED, &cycles, &res, &err), PTO_OK);
    assert_int_equal(cycles, 105);
    pto_plan_free(p);
    pto_device_close(dev);
}

/* Payloads: recv binds one to a name the later nodes of its list read. The
 * producer writes y tiles 0 and 1 and sends each index; the consumer
 * receives both (v, w) and writes z tiles v and w: y = 1, z = 3 all over
 * only if both payloads arrived. A third recv finds the channel closed. */
#define PAYLOADS(more)                                                                             \
    HEAD TENSORS                                                                                   \
        "'csp': {'channels': [{'name': 'c', 'capacity': 2, 'payload': true}], "                    \
        "'processes': [{'name': 'p', 'body': [{'parallel_for': {'axis': 'two', 'var': "            \
        "'k', 'body': [" SS(                                                                       \
            "x", "y",                                                                              \
            "k") ", {'send': {'channel': 'c', 'payload': "                                         \
                 "'k'}}]}}]}, {'name': 'q', 'body': [{'recv': {'channel': 'c', 'as': 'v'}}, "      \
                 "{'recv': {'channel': 'c', 'as': 'w'}}, " SS("y", "z", "w") ", " SS(              \
                     "y", "z", "v") more "]}]}}"

static void test_recv_payload(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    pto_plan_result res;
    pto_error err = {0};
    uint64_t cycles = 0;
    pto_plan *p = load(PAYLOADS(""));
    assert_int_equal(run(dev, p, -1, PTO_MODE_STREAMED, &cycles, &res, &err), PTO_OK);
    assert_int_equal(res.checked, 2);
    assert_true(res.pass);
    pto_plan_free(p);
    p = load(PAYLOADS(", {'recv': {'channel': 'c'}}"));
    assert_int_equal(run(dev, p, -1, PTO_MODE_STREAMED, &cycles, &res, &err), PTO_ERR_STATE);
    assert_string_equal(err.msg, "/csp/processes/1/body/4/recv: channel 'c' is closed and every "
                                 "token was received: nothing to receive");
    pto_plan_free(p);
    pto_device_close(dev);
}

/* A deadlock no static check sees (both processes send first): a sends on
 * rendezvous c1 then receives on c2, b sends on c2 then receives on c1;
 * each send waits for the other's receive, which comes after its own
 * send. The run ends with the runtime's CSP deadlock report, and the
 * device stays usable. */
static void test_deadlock_report(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    pto_plan_result res;
    pto_error err = {0};
    uint64_t cycles = 0;
    pto_plan *p =
        load(HEAD SCRATCH
             "'csp': {'channels': [{'name': 'c1', 'capacity': 0}, {'name': 'c2', "
             "'capacity': 0}], 'processes': [{'name': 'a', 'body': [" CYC(
                 "10") ", "
                       "{'send': {'channel': 'c1'}}, {'recv': {'channel': 'c2'}}]}, {'name': 'b', "
                       "'body': [" CYC("10") ", {'send': {'channel': 'c2'}}, {'recv': {'channel': "
                                             "'c1'}}]}]}}");
    assert_int_equal(run(dev, p, -1, PTO_MODE_STREAMED, &cycles, &res, &err), PTO_ERR_DEADLOCK);
    assert_non_null(strstr(err.msg, "CSP deadlock: every unfinished process waits on a channel."));
    assert_non_null(strstr(err.msg, "Process 'a' waits to send on 'c1' until token 0 is received "
                                    "(CHANNEL_FULL_WAIT)"));
    assert_non_null(strstr(err.msg, "Process 'b' waits to send on 'c2' until token 0 is received "
                                    "(CHANNEL_FULL_WAIT)"));
    assert_non_null(strstr(err.msg, "CHANNEL_FULL_WAIT"));
    /* threaded: the same report (the orchestration deadlocks, not the run) */
    pto_run_config rc;
    pto_plan_run_config(p, &rc);
    assert_int_equal(pto_plan_run(dev, p, &rc, &res, NULL, &err), PTO_ERR_DEADLOCK);
    assert_non_null(strstr(err.msg, "Process 'b' waits to send on 'c2' until token 0 is received "
                                    "(CHANNEL_FULL_WAIT)"));
    pto_plan_free(p);
    p = load(WORKED("1", "10", "30"));
    assert_int_equal(run(dev, p, 0, PTO_MODE_STREAMED, &cycles, &res, &err), PTO_OK);
    assert_int_equal(cycles, 100);
    pto_plan_free(p);
    pto_device_close(dev);
}

/* replicate and fan-in: prod[r] (r = 0, 1) writes y tile r (1024 cycles,
 * both at [0,1024) on cores of their own) and sends r on c (capacity 1,
 * "senders": 2); cons writes z tile v per token. Tokens in completion
 * order (both end at 1024): T_0 = 1024, C_0 [1024,2048); the second send
 * completes at max(1024, start C_0 = 1024) = 1024, C_1 starts at end C_0:
 * [2048,3072): 3072. z = 3 all over only if the payloads were 0 and 1.
 * Host-built is refused (the runtime orders a fan-in as tasks complete). */
static void test_replicate_fan_in(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    pto_plan_result res;
    pto_error err = {0};
    uint64_t cycles = 0;
    pto_plan *p = load(
        HEAD TENSORS
        "'csp': {'channels': [{'name': 'c', 'capacity': 1, 'payload': true, "
        "'senders': 2}], 'processes': [{'name': 'prod', 'replicate': {'n': 2, "
        "'var': 'r'}, 'body': [" SS(
            "x", "y", "r") ", {'send': {'channel': 'c', "
                           "'payload': 'r'}}]}, {'name': 'cons', 'body': [{'consume': {'channel': "
                           "'c', 'as': 'v', 'body': [" SS("y", "z", "v") "]}}]}]}}");
    assert_int_equal(run(dev, p, -1, PTO_MODE_STREAMED, &cycles, &res, &err), PTO_OK);
    assert_true(res.pass);
    assert_int_equal(cycles, 3072);
    assert_int_equal(run(dev, p, -1, PTO_MODE_HOST_BUILT, &cycles, &res, &err), PTO_ERR_STATE);
    assert_non_null(strstr(err.msg, "/csp/channels/0: pto_channel_fan_in('c')"));
    pto_plan_free(p);
    pto_device_close(dev);
}

/* A workload and processes: the workload is expanded first (y = 2x + 1),
 * then the processes (z = 2y + 1, ordered after y by the tensors). */
static void test_workload_then_processes(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    pto_plan_result res;
    pto_error err = {0};
    uint64_t cycles = 0;
    pto_plan *p =
        load(HEAD TENSORS
             "'workload': {'body': [{'parallel_for': {'axis': 'two', 'var': 'k', "
             "'body': [" SS("x", "y", "k") "]}}]}, 'csp': {'processes': [{'name': "
                                           "'w', 'replicate': {'n': 2, 'var': 'r'}, 'body': [" SS(
                                               "y", "z", "r") "]}]}}");
    assert_int_equal(run(dev, p, -1, PTO_MODE_STREAMED, &cycles, &res, &err), PTO_OK);
    assert_true(res.pass);
    assert_int_equal(cycles, 2048); /* 2 x 1024: y tiles in parallel, then z tiles */
    pto_plan_free(p);
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_example),   cmocka_unit_test(test_rendezvous),
        cmocka_unit_test(test_recv_payload),     cmocka_unit_test(test_deadlock_report),
        cmocka_unit_test(test_replicate_fan_in), cmocka_unit_test(test_workload_then_processes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
