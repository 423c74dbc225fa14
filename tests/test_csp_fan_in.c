/* CSP fan-in (pto_channel_fan_in, DESIGN 6.4): several processes send on
 * one channel, and its tokens are ordered by when their sends' tasks
 * complete. Deterministic times and orders are derived by hand from
 * DESIGN 6.4's rules; threaded runs check the same tokens arrive.
 *
 * Two blocks (AIV cores 1, 2, 4, 5), dispatch_cycles 0. At most three
 * kernel tasks run at once in every program here (one per process), so
 * none ever waits for a core. Ties in one cycle go by core: the
 * simulation completes same-cycle tasks in core order, and a producer
 * created earlier submits first and so takes the lower core. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pto/pto.h"

#include "csp_util.h"

static void kcyc(const uint64_t *a)
{
    pto_add_cycles(a[0]);
}

enum { KCYC };

static pto_device *open_dev(void)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 2;
    cfg.schedulers = 1;
    cfg.dispatch_cycles = 0;
    pto_device *dev;
    pto_error err;
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(pto_kernel_register(dev, KCYC, PTO_CORE_AIV, kcyc, "cycles", &err), 0);
    return dev;
}

static pto_status task(pto_run *run, uint64_t cycles, pto_error *err)
{
    pto_param p = pto_scalar(cycles);
    return pto_submit(run, KCYC, PTO_CORE_AIV, &p, 1, NULL, err);
}

/* Producer i sends items[i] tokens (payload 100 * (i + 1) + item), each
 * after a task of cycles[i]; the consumer runs a task of `consume` cycles
 * per token and records the payloads. */
struct fan {
    uint32_t capacity, producers, items[3], consume;
    uint64_t cycles[3];
    pto_channel *ch;
    uint64_t got[16];
    uint32_t ngot;
    int declare, second_receiver;
};

static pto_status producer(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    struct fan *f = ctx;
    pto_status st = PTO_OK;
    for (uint32_t i = 0; i < f->items[index] && !st; i++)
        if (!(st = task(run, f->cycles[index], err)))
            st = pto_send(run, f->ch, 100 * (index + 1) + i, err);
    return st;
}

static pto_status consume_one(pto_run *run, void *ctx, uint64_t v, pto_error *err)
{
    struct fan *f = ctx;
    f->got[f->ngot++] = v;
    return task(run, f->consume, err);
}

static pto_status consumer(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    (void)index;
    return pto_consume(run, ((struct fan *)ctx)->ch, consume_one, ctx, err);
}

static pto_status orch_fan(pto_run *run, void *ctx, pto_error *err)
{
    struct fan *f = ctx;
    pto_status st;
    f->ngot = 0;
    if ((st = pto_channel_create(run, "merge", f->capacity, &f->ch, err)) ||
        (f->declare && (st = pto_channel_fan_in(run, f->ch, f->declare, err))) ||
        (st = pto_process_create(run, "producer", producer, f, f->producers, err)) ||
        (st = pto_process_create(run, "consumer", consumer, f, 1 + f->second_receiver, err)))
        return st;
    return pto_csp_run(run, err);
}

static void expect_order(const struct fan *f, const uint64_t *want, uint32_t n)
{
    assert_int_equal(f->ngot, n);
    for (uint32_t i = 0; i < n; i++)
        if (f->got[i] != want[i])
            fail_msg("token %u: payload %llu, expected %llu", i, (unsigned long long)f->got[i],
                     (unsigned long long)want[i]);
}

/* Threaded: every token once, each producer's in its own order. */
static void expect_tokens(const struct fan *f)
{
    uint32_t total = 0, next[3] = {0};
    for (uint32_t p = 0; p < f->producers; p++)
        total += f->items[p];
    assert_int_equal(f->ngot, total);
    for (uint32_t i = 0; i < f->ngot; i++) {
        uint32_t p = (uint32_t)(f->got[i] / 100 - 1);
        assert_true(p < f->producers);
        assert_int_equal(f->got[i] % 100, next[p]++);
    }
}

/* A: 3 tasks of 10 cycles, B: 2 of 25; the consumer 30 per token.
 * Capacity 1, latency 0. Sends complete in task-end order: A0 at 10 (k0),
 * A1 at 20 (k1; A1 starts at S_0 = 10), B0 at 25 (k2), A2 at 30 (k3; A2
 * starts at S_1 = max(20, start R_0 = 10) = 20), B1 (k4). Receives:
 * R_0 [10, 40], R_1 [40, 70], R_2 [70, 100] (S_2 = max(25, start R_1 =
 * 40) = 40, so B1 runs [40, 65]), R_3 [100, 130], R_4 [130, 160]: 160.
 * Latency 5: tokens arrive 5 later and S_k = max(end, start R_{k-1}):
 * R_0 [15, 45], R_1 [45, 75] (arrival 25), S_2 = 45, B1 [45, 70], R_2
 * [75, 105], R_3 [105, 135], R_4 [135, 165] (S_4 = max(70, 105)): 165.
 * Rendezvous (latency 0): R_k starts at max(receiver ready, end T_k),
 * and the send completes then: R_0 [10, 40], A1 [10, 20]; R_1 [40, 70],
 * A2 [40, 50]; B0 (25) before A2: R_2 [70, 100], B1 [70, 95]; R_3 [100,
 * 130]; R_4 [130, 160]: 160. */
static void test_two_producers(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    static const uint64_t order[] = {100, 101, 200, 102, 201};
    static const struct {
        uint32_t capacity;
        uint64_t latency, total;
    } cases[] = {{1, 0, 160}, {1, 5, 165}, {0, 0, 160}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct fan f = {.capacity = cases[c].capacity,
                        .producers = 2,
                        .items = {3, 2},
                        .cycles = {10, 25},
                        .consume = 30,
                        .declare = 2};
        set_latency(dev, cases[c].latency);
        assert_int_equal(launch(dev, 1, PTO_MODE_STREAMED, orch_fan, &f), cases[c].total);
        expect_order(&f, order, 5);
        assert_int_equal(launch(dev, 1, PTO_MODE_STREAMED, orch_fan, &f), cases[c].total);
        expect_order(&f, order, 5); /* the same again */
        launch(dev, 0, PTO_MODE_STREAMED, orch_fan, &f);
        expect_tokens(&f);
    }
    pto_device_close(dev);
}

/* Ties: A and B, 2 tasks of 10 each, capacity 2, consumer 30. A0 (core
 * 1) and B0 (core 2) end at 10: A0 is token 0, B0 token 1; A1 (core 1)
 * and B1 (core 2) run [10, 20]: A1 token 2, B1 token 3. R_0 [10, 40],
 * R_1 [40, 70], R_2 [70, 100], R_3 [100, 130]: 130. */
static void test_ties(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    set_latency(dev, 0);
    static const uint64_t order[] = {100, 200, 101, 201};
    struct fan f = {.capacity = 2,
                    .producers = 2,
                    .items = {2, 2},
                    .cycles = {10, 10},
                    .consume = 30,
                    .declare = 2};
    assert_int_equal(launch(dev, 1, PTO_MODE_STREAMED, orch_fan, &f), 130);
    expect_order(&f, order, 4);
    pto_device_close(dev);
}

/* A rendezvous with latency 5 (the arrival task K_k must exist before the
 * receiver can take token k, and a rendezvous send waits for R_k: the
 * send made K_k only after that wait, so every such program was reported
 * as a CSP deadlock). A: 3 tasks of 10, B: 2 of 25, consumer 30. A0
 * [0, 10] (core 1) is token 0: R_0 starts at 10 + 5 = 15 on core 1, so the
 * send completes at 15 and A1 runs [15, 25] on core 2's neighbour, core 4
 * (cores 1 and 2 are busy). B0 [0, 25] on core 2 ties with A1 at 25 and
 * goes first (core 2 < core 4): token 1, R_1 [45, 75], B1 [45, 70]; token
 * 2 = A1: R_2 [75, 105], A2 [75, 85]; token 3 = B1 (70 < 85): R_3 [105,
 * 135]; token 4 = A2: R_4 [135, 165]: 165. */
static void test_rendezvous_latency(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    set_latency(dev, 5);
    static const uint64_t order[] = {100, 200, 101, 201, 102};
    struct fan f = {.capacity = 0,
                    .producers = 2,
                    .items = {3, 2},
                    .cycles = {10, 25},
                    .consume = 30,
                    .declare = 2};
    assert_int_equal(launch(dev, 1, PTO_MODE_STREAMED, orch_fan, &f), 165);
    expect_order(&f, order, 5);
    launch(dev, 0, PTO_MODE_STREAMED, orch_fan, &f);
    expect_tokens(&f);
    pto_device_close(dev);
}

/* replicate: three replicas of one producer body, 2 tokens each after
 * tasks of 10, 25 and 35 cycles; capacity 4; the consumer 5 per token.
 * Task ends 10, 20 (r0), 25, 50 (r1), 35, 70 (r2), no two alike; with
 * capacity 4 no producer waits (tokens 4 and 5 have no next task), so
 * R_k runs 5 cycles from its token: the last [70, 75]. */
static void test_replicas(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    set_latency(dev, 0);
    static const uint64_t order[] = {100, 101, 200, 300, 201, 301};
    struct fan f = {.capacity = 4,
                    .producers = 3,
                    .items = {2, 2, 2},
                    .cycles = {10, 25, 35},
                    .consume = 5,
                    .declare = 3};
    assert_int_equal(launch(dev, 1, PTO_MODE_STREAMED, orch_fan, &f), 75);
    expect_order(&f, order, 6);
    launch(dev, 0, PTO_MODE_STREAMED, orch_fan, &f);
    expect_tokens(&f);
    pto_device_close(dev);
}

static void expect_error(pto_device *dev, int det, pto_run_mode mode, struct fan *f,
                         pto_status want, const char *text)
{
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.deterministic = det;
    rc.mode = mode;
    pto_error err;
    pto_status got = pto_launch(dev, &rc, orch_fan, f, NULL, &err);
    if (got != want)
        fail_msg("status %d, expected %d (%s): %s", got, want, text, got ? err.msg : "");
    if (!strstr(err.msg, text))
        fail_msg("'%s' not in: %s", text, err.msg);
}

static void test_errors(void **state)
{
    (void)state;
    pto_device *dev = open_dev();
    set_latency(dev, 0);
    struct fan f = {.capacity = 1, .producers = 2, .items = {1, 1, 1}, .cycles = {10, 10, 10},
                    .consume = 5};
    expect_error(dev, 1, PTO_MODE_STREAMED, &f, PTO_ERR_STATE,
                 "process 'producer[1]' is the second process to send on channel 'merge'; "
                 "declare its senders with pto_channel_fan_in");
    f.declare = 1;
    expect_error(dev, 1, PTO_MODE_STREAMED, &f, PTO_ERR_INVALID,
                 "pto_channel_fan_in('merge'): 1 senders (2 .. 64)");
    f.declare = 2;
    expect_error(dev, 1, PTO_MODE_HOST_BUILT, &f, PTO_ERR_STATE,
                 "pto_channel_fan_in('merge'): a fan-in channel's token order is known only as "
                 "its sends complete");
    f.producers = 3;
    expect_error(dev, 0, PTO_MODE_STREAMED, &f, PTO_ERR_STATE,
                 "process 'producer[2]' is sender 3 of channel 'merge', declared with 2");
    f.producers = 2;
    f.second_receiver = 1;
    expect_error(dev, 1, PTO_MODE_STREAMED, &f, PTO_ERR_STATE,
                 "process 'consumer[1]' receives on channel 'merge', which process "
                 "'consumer[0]' receives on");
    /* two senders declared, one sends: the channel never closes */
    f.second_receiver = 0;
    f.producers = 1;
    for (int det = 0; det < 2; det++) {
        expect_error(dev, det, PTO_MODE_STREAMED, &f, PTO_ERR_DEADLOCK,
                     "Process 'consumer' waits to receive token 1 on 'merge' "
                     "(CHANNEL_EMPTY_WAIT)");
        expect_error(dev, det, PTO_MODE_STREAMED, &f, PTO_ERR_DEADLOCK,
                     "'merge' capacity 1, sent 1, received 1, open");
    }
    /* the device stays usable */
    f = (struct fan){.capacity = 1, .producers = 2, .items = {3, 2}, .cycles = {10, 25},
                     .consume = 30, .declare = 2};
    assert_int_equal(launch(dev, 1, PTO_MODE_STREAMED, orch_fan, &f), 160);
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_producers),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_rendezvous_latency),
        cmocka_unit_test(test_replicas),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
