/* Streamed orchestration: inference (RAW/WAR/WAW), heap outputs, scopes,
 * dummy tasks, reads, stalls and the scope-deadlock report. */
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/device.h"
#include "platform/sim/sim.h"
#include "pto/pto.h"

static pto_device *open_dev(uint32_t window, uint64_t heap)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 2;
    cfg.schedulers = 2;
    cfg.task_window = window;
    cfg.dep_pool = window * 4;
    cfg.heap_bytes = heap;
    cfg.tensormap_entries = window * 4;
    cfg.tensormap_buckets = 64;
    cfg.gm_bytes = 1 << 22;
    pto_device *dev = 0;
    pto_error err = {0};
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("open: %s", err.msg);
    return dev;
}

/* f32 kernels over 64 elements: add(a, b, out), add_scalar(a, s, out). */
#define N 64
static void k_add(const uint64_t *a)
{
    const float *x = pto_bits_ptr(a[0]), *y = pto_bits_ptr(a[1]);
    float *o = pto_bits_ptr(a[2]);
    for (int i = 0; i < N; i++)
        o[i] = x[i] + y[i];
}
static void k_adds(const uint64_t *a)
{
    const float *x = pto_bits_ptr(a[0]);
    float s = pto_bits_f32(a[1]);
    float *o = pto_bits_ptr(a[2]);
    for (int i = 0; i < N; i++)
        o[i] = x[i] + s;
}
static void k_mul(const uint64_t *a)
{
    const float *x = pto_bits_ptr(a[0]), *y = pto_bits_ptr(a[1]);
    float *o = pto_bits_ptr(a[2]);
    for (int i = 0; i < N; i++)
        o[i] = x[i] * y[i];
}

static void reg(pto_device *dev)
{
    pto_error err;
    assert_int_equal(pto_kernel_register(dev, 0, PTO_CORE_AIV, k_add, "add", &err), 0);
    assert_int_equal(pto_kernel_register(dev, 1, PTO_CORE_AIV, k_adds, "adds", &err), 0);
    assert_int_equal(pto_kernel_register(dev, 2, PTO_CORE_AIV, k_mul, "mul", &err), 0);
}

struct vec {
    float *a, *b, *g; /* device */
    float read_back;
};

/* f = (a+b+1)(a+b+2) + (a+b) with heap intermediates, in a nested scope. */
static pto_status orch_vec(pto_run *run, void *p, pto_error *err)
{
    struct vec *v = p;
    pto_tensor A = pto_tensor_1d(v->a, N, 4), B = pto_tensor_1d(v->b, N, 4);
    pto_tensor G = pto_tensor_1d(v->g, N, 4);
    pto_status st;
    if ((st = pto_scope_begin(run, "outer", PTO_SCOPE_AUTO, err)))
        return st;
    pto_param p0[] = {pto_in(A), pto_in(B), pto_out(A)};
    if ((st = pto_submit(run, 0, PTO_CORE_AIV, p0, 3, 0, err)))
        return st;
    pto_tensor C = p0[2].tensor;
    if ((st = pto_scope_begin(run, "inner", PTO_SCOPE_AUTO, err)))
        return st;
    pto_param p1[] = {pto_in(C), pto_scalar_f32(1), pto_out(C)};
    pto_param p2[] = {pto_in(C), pto_scalar_f32(2), pto_out(C)};
    if ((st = pto_submit(run, 1, PTO_CORE_AIV, p1, 3, 0, err)) ||
        (st = pto_submit(run, 1, PTO_CORE_AIV, p2, 3, 0, err)))
        return st;
    pto_param p3[] = {pto_in(p1[2].tensor), pto_in(p2[2].tensor), pto_out_existing(G)};
    if ((st = pto_submit(run, 2, PTO_CORE_AIV, p3, 3, 0, err)))
        return st;
    if ((st = pto_scope_end(run, err)))
        return st;
    pto_param p4[] = {pto_in(G), pto_in(C), pto_out_existing(G)}; /* RAW+WAW on G */
    if ((st = pto_submit(run, 0, PTO_CORE_AIV, p4, 3, 0, err)))
        return st;
    if ((st = pto_read(run, &G, 7, &v->read_back, err)))
        return st;
    return pto_scope_end(run, err);
}

static void test_vector_stream(void **s)
{
    (void)s;
    pto_device *dev = open_dev(16, 1 << 16);
    reg(dev);
    pto_error err = {0};
    struct vec v;
    assert_int_equal(pto_malloc(dev, N * 4, (void **)&v.a, &err), 0);
    assert_int_equal(pto_malloc(dev, N * 4, (void **)&v.b, &err), 0);
    assert_int_equal(pto_malloc(dev, N * 4, (void **)&v.g, &err), 0);
    float a[N], b[N], g[N];
    for (int i = 0; i < N; i++)
        a[i] = 2, b[i] = 3;
    pto_copy_to_device(dev, v.a, a, sizeof a, &err);
    pto_copy_to_device(dev, v.b, b, sizeof b, &err);
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = PTO_MODE_STREAMED;
    for (int rep = 0; rep < 3; rep++) {
        memset(g, 0, sizeof g);
        pto_copy_to_device(dev, v.g, g, sizeof g, &err);
        pto_stats st;
        if (pto_launch(dev, &rc, orch_vec, &v, &st, &err))
            fail_msg("launch: %s", err.msg);
        pto_copy_from_device(dev, g, v.g, sizeof g, &err);
        for (int i = 0; i < N; i++)
            assert_true(g[i] == 47.0f);
        assert_true(v.read_back == 47.0f);
        assert_int_equal(st.tasks, 5);
        assert_int_equal(st.stall_reason, PTO_STALL_NONE);
        assert_true(st.flow[PTO_STALL_HEAP_ARENA_FULL].high_water >= 3 * 256);
        assert_int_equal(st.flow[PTO_STALL_TASK_RING_FULL].capacity, 16);
    }
    pto_device_close(dev);
}

/* A long dependent stream through a tiny window: stalls, never deadlocks. */
struct chain {
    float *x;
    uint32_t n, per_scope;
};

static pto_status orch_chain(pto_run *run, void *p, pto_error *err)
{
    struct chain *c = p;
    pto_tensor X = pto_tensor_1d(c->x, N, 4);
    pto_status st = PTO_OK;
    for (uint32_t i = 0; i < c->n && !st; i += c->per_scope) {
        if ((st = pto_scope_begin(run, "step", PTO_SCOPE_AUTO, err)))
            break;
        for (uint32_t k = 0; k < c->per_scope && !st; k++) {
            pto_param p[] = {pto_in(X), pto_scalar_f32(1), pto_out(X)};
            pto_param q[] = {pto_in(p[2].tensor), pto_scalar_f32(0), pto_out_existing(X)};
            st = pto_submit(run, 1, PTO_CORE_AIV, p, 3, 0, err);
            if (!st) {
                q[0] = pto_in(p[2].tensor);
                st = pto_submit(run, 1, PTO_CORE_AIV, q, 3, 0, err);
            }
        }
        if (!st)
            st = pto_scope_end(run, err);
    }
    return st;
}

static void test_chain_stalls_on_small_window(void **s)
{
    (void)s;
    pto_device *dev = open_dev(8, 4096);
    reg(dev);
    pto_error err = {0};
    struct chain c = {0, 500, 2};
    assert_int_equal(pto_malloc(dev, N * 4, (void **)&c.x, &err), 0);
    /* Threaded, whether the orchestrator ever catches up with the ring
     * depends on timing; in deterministic mode the simulation advances only
     * when the orchestrator waits, so it must stall on the ring. */
    for (int det = 0; det < 2; det++) {
        float x[N] = {0};
        pto_copy_to_device(dev, c.x, x, sizeof x, &err);
        pto_run_config rc;
        pto_run_config_default(&rc);
        rc.mode = PTO_MODE_STREAMED;
        rc.deterministic = det;
        pto_stats st;
        if (pto_launch(dev, &rc, orch_chain, &c, &st, &err))
            fail_msg("launch: %s", err.msg);
        pto_copy_from_device(dev, x, c.x, sizeof x, &err);
        for (int i = 0; i < N; i++)
            assert_true(x[i] == 500.0f); /* serial result */
        assert_int_equal(st.tasks, 1000);
        assert_true(st.flow[PTO_STALL_TASK_RING_FULL].high_water <= 8);
        assert_true(st.flow[PTO_STALL_HEAP_ARENA_FULL].high_water <= 4096);
        if (det) {
            assert_int_equal(st.flow[PTO_STALL_TASK_RING_FULL].high_water, 8);
            assert_true(st.flow[PTO_STALL_TASK_RING_FULL].stalls > 0);
        }
    }
    pto_device_close(dev);
}

/* All tasks in one scope larger than the window: the scope-deadlock report. */
static void test_scope_deadlock_report(void **s)
{
    (void)s;
    pto_device *dev = open_dev(8, 1 << 16);
    reg(dev);
    pto_error err = {0};
    struct chain c = {0, 10, 10}; /* 20 tasks in one scope */
    assert_int_equal(pto_malloc(dev, N * 4, (void **)&c.x, &err), 0);
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = PTO_MODE_STREAMED;
    pto_stats st;
    assert_int_equal(pto_launch(dev, &rc, orch_chain, &c, &st, &err), PTO_ERR_DEADLOCK);
    const char *want[] = {
        "stalled on TASK_RING_FULL", "8 of 8 slots in use", "held by open scope 'step'",
        "Scope 'step' submits 20 task(s)",
        "task window 8 < 20 tasks in scope 'step'; use PTO_TASK_WINDOW >= 64 or split the scope"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(err.msg, want[i]))
            fail_msg("report lacks '%s':\n%s", want[i], err.msg);
    assert_int_equal(st.stall_reason, PTO_STALL_TASK_RING_FULL);
    assert_int_equal(st.flow[PTO_STALL_TASK_RING_FULL].stalls, 1);
    /* The device is still usable: the same work in small scopes passes. */
    struct chain ok = {c.x, 10, 2};
    assert_int_equal(pto_launch(dev, &rc, orch_chain, &ok, &st, &err), PTO_OK);
    pto_device_close(dev);
}

/* Tasks outside every scope belong to the implicit run scope: they cannot
 * retire before the orchestration returns, so more of them than the window
 * holds is a deadlock whose report says so. Fewer complete normally. */
static pto_status orch_unscoped(pto_run *run, void *p, pto_error *err)
{
    struct chain *c = p;
    pto_tensor X = pto_tensor_1d(c->x, N, 4);
    for (uint32_t i = 0; i < c->n; i++) {
        pto_param q[] = {pto_inout(X), pto_scalar_f32(1), pto_no_dep(X)};
        pto_status st = pto_submit(run, 1, PTO_CORE_AIV, q, 3, 0, err);
        if (st)
            return st;
    }
    return PTO_OK;
}

static void test_unscoped_tasks(void **s)
{
    (void)s;
    pto_device *dev = open_dev(8, 4096);
    reg(dev);
    pto_error err = {0};
    struct chain c = {0, 8, 0};
    assert_int_equal(pto_malloc(dev, N * 4, (void **)&c.x, &err), 0);
    float x[N] = {0};
    pto_copy_to_device(dev, c.x, x, sizeof x, &err);
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = PTO_MODE_STREAMED;
    pto_stats st;
    assert_int_equal(pto_launch(dev, &rc, orch_unscoped, &c, &st, &err), PTO_OK);
    pto_copy_from_device(dev, x, c.x, sizeof x, &err);
    assert_true(x[0] == 8.0f && x[N - 1] == 8.0f);
    c.n = 9;
    assert_int_equal(pto_launch(dev, &rc, orch_unscoped, &c, &st, &err), PTO_ERR_DEADLOCK);
    const char *want[] = {"held by open scope 'run' (depth 0)", "Scope 'run' submits 9 task(s)",
                          "implicit scope", "pto_scope_begin/pto_scope_end"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(err.msg, want[i]))
            fail_msg("report lacks '%s':\n%s", want[i], err.msg);
    pto_device_close(dev);
}

/* 1 block, 1 scheduler, a window of 4; tmap_entries 0 = the default. */
static pto_device *open_one_block(uint32_t tmap_entries)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 1;
    cfg.schedulers = 1;
    cfg.task_window = 4;
    if (tmap_entries)
        cfg.tensormap_entries = tmap_entries;
    cfg.gm_bytes = 1 << 20;
    pto_device *dev = 0;
    pto_error err = {0};
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("open: %s", err.msg);
    return dev;
}

/* Issue #13, defect 1, as a user meets it: with an 8-entry TensorMap, read
 * T; 7 writes of other buffers (one entry each); read T again; INOUT T.
 * The second read's entry reused the slot of the first (a dead head that
 * no query had cut) and the INOUT's query spun for ever in pto_submit.
 * args[0] = 1: add 1 to the tensor at args[1]; 0: only read it. */
static void k_inc_last(const uint64_t *a)
{
    float *o = pto_bits_ptr(a[1]);
    for (int i = 0; a[0] && i < N; i++)
        o[i] += 1.0f;
}

struct tmap_case {
    float *t, *other[7];
};

/* Each task in its own scope, so it retires once it completed. */
static pto_status sub_scoped(pto_run *run, pto_param *p, uint32_t n, pto_error *err)
{
    pto_status st = pto_scope_begin(run, "step", PTO_SCOPE_AUTO, err);
    if (!st)
        st = pto_submit(run, 4, PTO_CORE_AIV, p, n, 0, err);
    return st ? st : pto_scope_end(run, err);
}

static pto_status orch_tmap_reuse(pto_run *run, void *p, pto_error *err)
{
    struct tmap_case *c = p;
    pto_tensor T = pto_tensor_1d(c->t, N, 4);
    pto_status st;
    pto_param rd[] = {pto_scalar(0), pto_in(T)};
    if ((st = sub_scoped(run, rd, 2, err)))
        return st;
    for (int i = 0; i < 7; i++) {
        pto_param w[] = {pto_scalar(1), pto_inout(pto_tensor_1d(c->other[i], N, 4))};
        if ((st = sub_scoped(run, w, 2, err)))
            return st;
    }
    if ((st = sub_scoped(run, rd, 2, err)))
        return st;
    pto_param io[] = {pto_scalar(1), pto_inout(T)};
    return sub_scoped(run, io, 2, err);
}

static void test_small_tensormap_reused_head(void **s)
{
    (void)s;
    pto_device *dev = open_one_block(8);
    pto_error err = {0};
    assert_int_equal(pto_kernel_register(dev, 4, PTO_CORE_AIV, k_inc_last, "inc_last", &err), 0);
    struct tmap_case c;
    float zero[N] = {0}, x[N];
    assert_int_equal(pto_malloc(dev, N * 4, (void **)&c.t, &err), 0);
    pto_copy_to_device(dev, c.t, zero, sizeof zero, &err);
    for (int i = 0; i < 7; i++) {
        assert_int_equal(pto_malloc(dev, N * 4, (void **)&c.other[i], &err), 0);
        pto_copy_to_device(dev, c.other[i], zero, sizeof zero, &err);
    }
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = PTO_MODE_STREAMED;
    rc.publish_batch = 1;
    alarm(30); /* the old code spins in pto_submit: fail instead of hanging */
    for (int run = 0; run < 3; run++) {
        if (pto_launch(dev, &rc, orch_tmap_reuse, &c, NULL, &err) != PTO_OK)
            fail_msg("run %d: %s", run, err.msg);
        pto_copy_from_device(dev, x, c.t, sizeof x, &err);
        assert_true(x[0] == (float)(run + 1) && x[N - 1] == (float)(run + 1));
        for (int i = 0; i < 7; i++) {
            pto_copy_from_device(dev, x, c.other[i], sizeof x, &err);
            assert_true(x[0] == (float)(run + 1) && x[N - 1] == (float)(run + 1));
        }
    }
    alarm(0);
    pto_device_close(dev);
}

/* Issue #13, defect 2: a lost wake between runs. The scheduler handles the
 * FINs that end a run, the host sees the run complete and clears `active`,
 * and only then does the scheduler reach dispatch(), which returned early
 * without publishing the cores it had just freed: idle_pub stayed 0 (both
 * AIV cores were busy at its last dispatch). The next streamed run's
 * notify skipped the parked scheduler because of that stale count, and
 * the run hung until the watchdog ("0 of 1 tasks done"). The test seam
 * pto_sim_set_test_after_fins forces that interleaving: after the FINs that
 * complete the run it waits until the host has cleared `active`. */
static _Atomic(pto_device *) hook_dev;
static _Atomic int hook_armed, hook_fired;

static void wait_for_run_end(pto_sim_sched *s, uint32_t fins)
{
    (void)s, (void)fins;
    pto_device *dev = atomic_load(&hook_dev);
    if (!dev || !atomic_load(&hook_armed) ||
        atomic_load(&dev->run_state.completed) != atomic_load(&dev->run_state.total))
        return;
    atomic_store(&hook_armed, 0); /* once: the end of the armed run */
    for (int i = 0; i < 20000 && atomic_load(&dev->run_state.active); i++) {
        struct timespec ts = {0, 50000};
        nanosleep(&ts, 0);
    }
    atomic_store(&hook_fired, 1);
}

static void k_nop(const uint64_t *a) { (void)a; }

/* C (AIC) releases A and B (AIV) together: the scheduler hands both to
 * its two AIV cores in one poll, and their FINs end the run together. */
static pto_status orch_fork(pto_run *run, void *p, pto_error *err)
{
    (void)p;
    pto_task_id c, a, b;
    pto_status st;
    if ((st = pto_add_task(run, 5, PTO_CORE_AIC, NULL, 0, &c, err)) ||
        (st = pto_add_task(run, 4, PTO_CORE_AIV, NULL, 0, &a, err)) ||
        (st = pto_add_task(run, 4, PTO_CORE_AIV, NULL, 0, &b, err)) ||
        (st = pto_add_dep(run, c, a, err)) || (st = pto_add_dep(run, c, b, err)))
        return st;
    return PTO_OK;
}

static pto_status orch_one(pto_run *run, void *p, pto_error *err)
{
    (void)p;
    return pto_submit(run, 4, PTO_CORE_AIV, NULL, 0, 0, err);
}

static void test_no_lost_wake_after_run_end(void **s)
{
    (void)s;
    pto_device *dev = open_one_block(0);
    pto_error err = {0};
    assert_int_equal(pto_kernel_register(dev, 4, PTO_CORE_AIV, k_nop, "nop_aiv", &err), 0);
    assert_int_equal(pto_kernel_register(dev, 5, PTO_CORE_AIC, k_nop, "nop_aic", &err), 0);
    pto_run_config hb, rc;
    pto_run_config_default(&hb);
    hb.watchdog_ms = 2000;
    rc = hb;
    rc.mode = PTO_MODE_STREAMED;
    rc.publish_batch = 1;
    atomic_store(&hook_dev, dev);
    pto_sim_set_test_after_fins(wait_for_run_end);
    for (int round = 0; round < 5; round++) {
        atomic_store(&hook_fired, 0);
        atomic_store(&hook_armed, 1);
        if (pto_launch(dev, &hb, orch_fork, NULL, NULL, &err) != PTO_OK)
            fail_msg("fork run %d: %s", round, err.msg);
        struct timespec ts = {0, 1000000};
        for (int i = 0; i < 1000 && !atomic_load(&hook_fired); i++)
            nanosleep(&ts, 0);
        assert_true(atomic_load(&hook_fired));
        ts.tv_nsec = 20000000; /* the scheduler parks meanwhile */
        nanosleep(&ts, 0);
        if (pto_launch(dev, &rc, orch_one, NULL, NULL, &err) != PTO_OK)
            fail_msg("streamed run %d: %s", round, err.msg);
    }
    pto_sim_set_test_after_fins(NULL);
    atomic_store(&hook_dev, NULL);
    pto_device_close(dev);
}

/* Publication batches never hold work back for long: a task the
 * orchestrator submitted runs while the orchestration is still going, once
 * a later submit finds it waited 20 us, even though the batch is not full.
 * The kernel's flag is polled without pto_read (which would publish). */
static _Atomic int ran_flag;
static void k_flag(const uint64_t *a)
{
    (void)a;
    atomic_store(&ran_flag, 1);
}

static pto_status orch_slow(pto_run *run, void *p, pto_error *err)
{
    int *seen = p;
    pto_status st;
    for (int i = 0; i < 3 && !*seen; i++) {
        if ((st = pto_submit(run, 3, PTO_CORE_AIV, NULL, 0, 0, err)))
            return st;
        struct timespec ts = {0, 1000000}; /* 1 ms of "host work" */
        nanosleep(&ts, 0);
    }
    for (int i = 0; i < 2000 && !atomic_load(&ran_flag); i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, 0);
    }
    *seen = atomic_load(&ran_flag);
    return PTO_OK;
}

static void test_publication_is_timely(void **s)
{
    (void)s;
    pto_device *dev = open_dev(64, 4096);
    pto_error err = {0};
    assert_int_equal(pto_kernel_register(dev, 3, PTO_CORE_AIV, k_flag, "flag", &err), 0);
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = PTO_MODE_STREAMED;
    assert_int_equal(rc.publish_batch, 0); /* the default batch, 64 */
    int seen = 0;
    atomic_store(&ran_flag, 0);
    if (pto_launch(dev, &rc, orch_slow, &seen, NULL, &err))
        fail_msg("launch: %s", err.msg);
    assert_int_equal(seen, 1);
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_stream),
        cmocka_unit_test(test_chain_stalls_on_small_window),
        cmocka_unit_test(test_scope_deadlock_report),
        cmocka_unit_test(test_unscoped_tasks),
        cmocka_unit_test(test_publication_is_timely),
        cmocka_unit_test(test_small_tensormap_reused_head),
        cmocka_unit_test(test_no_lost_wake_after_run_end),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
