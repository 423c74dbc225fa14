/* Bounds-checking mode: red zones around GM buffers and PTO_OUT outputs,
 * checked after every kernel. A kernel writing one element past (or before)
 * a buffer fails the run with PTO_ERR_KERNEL naming the task, its kernel and
 * the parameter -- threaded, deterministic and host-built alike -- and the
 * device stays usable. Off, nothing is laid out or checked.
 *
 * ASan builds: the overflowing kernels here are not instrumented
 * (PTO_KERNEL_UNCHECKED), like kernels compiled from source at run time, so
 * the canary check is what catches them in every build; test_asan_report
 * then checks that an instrumented kernel's stray store is reported by ASan
 * itself (the red zones are poisoned), in a child process that ASan ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/redzone.h"
#include "pto/pto.h"

#ifdef PTO_ASAN
#define PTO_KERNEL_UNCHECKED __attribute__((no_sanitize("address")))
#else
#define PTO_KERNEL_UNCHECKED
#endif

#define N 16 /* floats per buffer: 64 bytes */

/* fill(out, value): out[0..N) = value. */
static void k_fill(const uint64_t *a)
{
    float *o = pto_bits_ptr(a[0]);
    for (int i = 0; i < N; i++)
        o[i] = pto_bits_f32(a[1]);
}

/* spill(in, out, at): out[i] = in[i] + 1 for i < N, then one stray store
 * at out[at] (at = N: one element past the end, -1: one before). */
PTO_KERNEL_UNCHECKED static void k_spill(const uint64_t *a)
{
    const float *x = pto_bits_ptr(a[0]);
    float *o = pto_bits_ptr(a[1]);
    for (int i = 0; i < N; i++)
        o[i] = x[i] + 1;
    o[(int64_t)a[2]] = 0;
}

/* The same store, instrumented (ASan builds report it). */
static void k_spill_asan(const uint64_t *a)
{
    float *o = pto_bits_ptr(a[1]);
    o[(int64_t)a[2]] = 0;
}

enum { F_FILL, F_SPILL, F_SPILL_ASAN };

static pto_device *open_dev(int check_bounds)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 2;
    cfg.schedulers = 2;
    cfg.task_window = 64;
    cfg.dep_pool = 256;
    cfg.tensormap_entries = 256;
    cfg.tensormap_buckets = 64;
    cfg.heap_bytes = 1 << 16;
    cfg.gm_bytes = 1 << 20;
    cfg.check_bounds = (uint32_t)check_bounds;
    pto_device *dev = 0;
    pto_error err = {0};
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("open: %s", err.msg);
    assert_int_equal(pto_kernel_register(dev, F_FILL, PTO_CORE_AIV, k_fill, "fill", &err), 0);
    assert_int_equal(pto_kernel_register(dev, F_SPILL, PTO_CORE_AIV, k_spill, "spill", &err), 0);
    assert_int_equal(
        pto_kernel_register(dev, F_SPILL_ASAN, PTO_CORE_AIV, k_spill_asan, "spill_asan", &err), 0);
    return dev;
}

typedef struct prog {
    float *x, *y; /* GM buffers of N floats */
    int target;   /* 0: spill into a PTO_OUT output, 1: into y (OUT_EXISTING) */
    int64_t at;   /* stray store index (N: past the end, -1: before, 0: none) */
    int func;     /* F_SPILL or F_SPILL_ASAN */
    float read;   /* y[3] read back (streamed runs) */
} prog;

/* t0 fills x; t1 spills from x into an output; t2 copies that output into y
 * (a third task after the faulty one, so the failure is not the last event). */
static pto_status orch(pto_run *run, void *vctx, pto_error *err)
{
    prog *p = vctx;
    pto_tensor X = pto_tensor_1d(p->x, N, 4), Y = pto_tensor_1d(p->y, N, 4);
    pto_status st;
    pto_param f[] = {pto_out_existing(X), pto_scalar_f32(2)};
    if ((st = pto_submit(run, F_FILL, PTO_CORE_AIV, f, 2, NULL, err)))
        return st;
    pto_param s[] = {pto_in(X), p->target ? pto_out_existing(Y) : pto_out(X),
                     pto_scalar((uint64_t)p->at)};
    if ((st = pto_submit(run, p->func, PTO_CORE_AIV, s, 3, NULL, err)))
        return st;
    if (!p->target) {
        pto_param c[] = {pto_in(s[1].tensor), pto_out_existing(Y), pto_scalar(0)};
        if ((st = pto_submit(run, F_SPILL, PTO_CORE_AIV, c, 3, NULL, err)))
            return st;
    }
    return PTO_OK;
}

static prog make_prog(pto_device *dev, int target, int64_t at)
{
    prog p;
    memset(&p, 0, sizeof p);
    pto_error err = {0};
    assert_int_equal(pto_malloc(dev, N * 4, (void **)&p.x, &err), PTO_OK);
    assert_int_equal(pto_malloc(dev, N * 4, (void **)&p.y, &err), PTO_OK);
    p.target = target;
    p.at = at;
    p.func = F_SPILL;
    return p;
}

static pto_status launch(pto_device *dev, prog *p, pto_run_mode mode, int det, int check,
                         pto_stats *st, pto_error *err)
{
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = mode;
    rc.deterministic = det;
    rc.check_bounds = check;
    return pto_launch(dev, &rc, orch, p, st, err);
}

static void expect_msg(const pto_error *err, const char *frag)
{
    if (!strstr(err->msg, frag))
        fail_msg("message lacks \"%s\": %s", frag, err->msg);
}

/* One element past a PTO_OUT output, caught in every placement. */
static void test_out_one_past(void **s)
{
    (void)s;
    static const struct {
        pto_run_mode mode;
        int det;
    } how[] = {{PTO_MODE_STREAMED, 0},
               {PTO_MODE_STREAMED, 1},
               {PTO_MODE_HOST_BUILT, 0},
               {PTO_MODE_HOST_BUILT, 1}};
    for (size_t i = 0; i < sizeof how / sizeof how[0]; i++) {
        pto_device *dev = open_dev(0);
        prog p = make_prog(dev, 0, N);
        pto_error err = {0};
        pto_stats st;
        assert_int_equal(launch(dev, &p, how[i].mode, how[i].det, 1, &st, &err), PTO_ERR_KERNEL);
        expect_msg(&err, "bounds check: task t1 (kernel 'spill', func_id 1)");
        expect_msg(&err, "past the end of param 1 (OUT), its buffer of 64 bytes");
        expect_msg(&err, "red zone after it is damaged at byte offsets 64..67");
        assert_int_equal(st.tasks, 3); /* the run finished its other tasks */
        pto_device_close(dev);
    }
}

/* One element before a GM buffer (OUT_EXISTING): GM red zones exist only
 * on a device opened in bounds mode, which then checks every run. */
static void test_gm_one_before(void **s)
{
    (void)s;
    pto_device *dev = open_dev(1);
    prog p = make_prog(dev, 1, -1);
    pto_error err = {0};
    pto_stats st;
    assert_int_equal(launch(dev, &p, PTO_MODE_STREAMED, 0, 0, &st, &err), PTO_ERR_KERNEL);
    expect_msg(&err, "task t1 (kernel 'spill', func_id 1) wrote before the start of param 1 "
                     "(OUT_EXISTING), its buffer of 64 bytes");
    expect_msg(&err, "red zone before it is damaged at byte offsets -4..-1");
    /* The red zone was re-armed: a clean run on the same device passes and
     * computes the right values. */
    p.at = 0;
    if (launch(dev, &p, PTO_MODE_STREAMED, 0, 0, &st, &err))
        fail_msg("clean run after a bounds failure: %s", err.msg);
    float y[N];
    assert_int_equal(pto_copy_from_device(dev, y, p.y, sizeof y, &err), PTO_OK);
    assert_true(y[5] == 3.0f && y[0] == 0.0f);
    pto_device_close(dev);
}

/* Raw tasks (pto_add_task): arguments pointing into a guarded buffer count. */
static pto_status orch_raw(pto_run *run, void *vctx, pto_error *err)
{
    prog *p = vctx;
    uint64_t args[] = {pto_ptr_bits(p->x), pto_ptr_bits(p->y), (uint64_t)p->at};
    return pto_add_task(run, F_SPILL, PTO_CORE_AIV, args, 3, NULL, err);
}

/* PTO_CHECK_BOUNDS=1 turns the mode on for a device opened without it. */
static void test_env_and_raw_args(void **s)
{
    (void)s;
    setenv("PTO_CHECK_BOUNDS", "1", 1);
    pto_device *dev = open_dev(0);
    unsetenv("PTO_CHECK_BOUNDS");
    pto_device_info info;
    pto_device_get_info(dev, &info);
    assert_int_equal(info.check_bounds, 1);
    prog p = make_prog(dev, 1, N);
    pto_run_config rc;
    pto_run_config_default(&rc);
    pto_error err = {0};
    assert_int_equal(pto_launch(dev, &rc, orch_raw, &p, NULL, &err), PTO_ERR_KERNEL);
    expect_msg(&err, "task t0 (kernel 'spill', func_id 1) wrote past the end of argument 1, "
                     "its buffer of 64 bytes");
    pto_device_close(dev);
}

/* Off: no red zones (GM buffers are adjacent, outputs take their rounded
 * size), nothing is checked, and the same stray store goes unnoticed (it
 * lands in unused heap memory). On: each buffer takes 128 bytes more. */
static void test_off_and_capacity(void **s)
{
    (void)s;
    for (int on = 0; on < 2; on++) {
        pto_device *dev = open_dev(on);
        prog p = make_prog(dev, 0, on ? 0 : N);
        assert_int_equal((char *)p.y - (char *)p.x, on ? 64 + 128 : 64);
        pto_error err = {0};
        pto_stats st;
        if (launch(dev, &p, PTO_MODE_STREAMED, 1, 0, &st, &err))
            fail_msg("bounds %s: %s", on ? "on" : "off", err.msg);
        /* One task's heap block: its 64-byte output, plus with red zones one
         * before and one after it. */
        assert_int_equal(st.flow[PTO_STALL_HEAP_ARENA_FULL].high_water, on ? 192 : 64);
        float y[N];
        assert_int_equal(pto_copy_from_device(dev, y, p.y, sizeof y, &err), PTO_OK);
        assert_true(y[7] == 4.0f);
        pto_device_close(dev);
    }
}

/* ASan builds: an instrumented kernel's store into a red zone is reported
 * by ASan (poisoned memory) at the store. ASan ends the process, so the run
 * happens in a child; no device is open here, so the fork is safe. */
static void test_asan_report(void **s)
{
    (void)s;
#ifndef PTO_ASAN
    skip(); /* nothing is poisoned outside ASan builds; the canary tests cover it */
#else
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        pto_device *dev = open_dev(0);
        prog p = make_prog(dev, 0, N);
        p.func = F_SPILL_ASAN;
        pto_error err = {0};
        launch(dev, &p, PTO_MODE_STREAMED, 1, 1, NULL, &err);
        _exit(0); /* not reached when ASan reports */
    }
    close(fd[1]);
    static char out[1 << 16];
    size_t len = 0;
    ssize_t r;
    while ((r = read(fd[0], out + len, sizeof out - 1 - len)) > 0)
        len += (size_t)r;
    out[len] = 0;
    close(fd[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_false(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (!strstr(out, "AddressSanitizer: use-after-poison"))
        fail_msg("no ASan report of the stray store:\n%s", out);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_out_one_past),     cmocka_unit_test(test_gm_one_before),
        cmocka_unit_test(test_env_and_raw_args), cmocka_unit_test(test_off_and_capacity),
        cmocka_unit_test(test_asan_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
