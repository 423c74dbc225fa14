/* Hostile input: API misuse must give a specific status and a message with
 * the key words, never a crash, a hang or a silently wrong value. NULL
 * handles, bad configurations, bad environment values, a core-type change
 * of a func_id that a graph uses, two launches at once on one device, and
 * semantic time past its limit. The CLI's side is tests/cli_hostile.cmake. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "pto/pto.h"
#include "pto/tools.h"

/* Fails unless got == want and msg contains every needle. */
static void expect(pto_status got, pto_status want, const pto_error *err, ...)
{
    if (got != want)
        fail_msg("got %s (%s), want %s", pto_status_name(got), err ? err->msg : "",
                 pto_status_name(want));
    va_list ap;
    va_start(ap, err);
    for (const char *n; (n = va_arg(ap, const char *));)
        if (!err || !strstr(err->msg, n))
            fail_msg("%s: message '%s' lacks '%s'", pto_status_name(got), err ? err->msg : "", n);
    va_end(ap);
}
#define EXPECT(got, want, err, ...) expect((got), (want), (err), __VA_ARGS__, (const char *)NULL)

static void small_config(pto_device_config *cfg)
{
    pto_device_config_default(cfg);
    cfg->blocks = 2;
    cfg->schedulers = 1;
    cfg->task_window = 64;
    cfg->dep_pool = 256;
    cfg->gm_bytes = 1 << 20;
    cfg->heap_bytes = 1 << 16;
    cfg->tensormap_entries = 256;
    cfg->tensormap_buckets = 64;
}

static pto_device *open_small(void)
{
    pto_device_config cfg;
    small_config(&cfg);
    pto_device *dev = NULL;
    pto_error err = {0};
    if (pto_device_open("a2a3sim", &cfg, &dev, &err) != PTO_OK)
        fail_msg("open: %s", err.msg);
    return dev;
}

static pto_status orch_nothing(pto_run *run, void *p, pto_error *err)
{
    (void)run;
    (void)p;
    (void)err;
    return PTO_OK;
}

static void k_nop(const uint64_t *a) { (void)a; }

/* ------------------------------------------------------------------ */

static void test_null_handles(void **s)
{
    (void)s;
    pto_error err = {0};
    pto_device_info info;
    memset(&info, 0xab, sizeof info);
    pto_device_get_info(NULL, &info); /* used to crash */
    assert_null(info.platform);
    assert_int_equal(info.blocks, 0);
    assert_int_equal(info.cores, 0);
    pto_device_config_default(NULL);
    pto_run_config_default(NULL);
    pto_device_close(NULL);
    pto_tensor none = pto_tensor_tile(NULL, 0, 0, 1, 1); /* used to crash */
    assert_int_equal(none.ndim, 0);
    assert_null(none.base);
    assert_int_equal(pto_tensor_bytes(NULL), 0);
    EXPECT(pto_device_config_from_env(NULL, &err), PTO_ERR_INVALID, &err, "cfg is NULL");
    EXPECT(pto_device_open(NULL, NULL, NULL, &err), PTO_ERR_INVALID, &err, "out is NULL");
    EXPECT(pto_launch(NULL, NULL, orch_nothing, NULL, NULL, &err), PTO_ERR_INVALID, &err, "device");

    EXPECT(pto_kernel_register(NULL, 0, PTO_CORE_AIV, k_nop, "n", &err), PTO_ERR_INVALID, &err,
           "device is NULL");
    EXPECT(pto_kernel_register_so(NULL, 0, PTO_CORE_AIV, "x.so", "k", &err), PTO_ERR_INVALID, &err,
           "device is NULL");
    EXPECT(pto_kernel_register_source(NULL, 0, PTO_CORE_AIV, "x.c", "k", NULL, &err),
           PTO_ERR_INVALID, &err, "device is NULL");
    EXPECT(pto_kernel_set_cost(NULL, 0, NULL, &err), PTO_ERR_INVALID, &err, "device is NULL");
    EXPECT(pto_kernel_unregister(NULL, 0, &err), PTO_ERR_INVALID, &err, "device is NULL");
    char so[64];
    EXPECT(pto_compile_shared(NULL, NULL, so, sizeof so, &err), PTO_ERR_INVALID, &err, "c_path");

    void *p = NULL;
    char host[8];
    EXPECT(pto_malloc(NULL, 64, &p, &err), PTO_ERR_INVALID, &err, "device is NULL");
    EXPECT(pto_free(NULL, p, &err), PTO_ERR_INVALID, &err, "device is NULL");
    EXPECT(pto_copy_to_device(NULL, host, host, 8, &err), PTO_ERR_INVALID, &err, "device is NULL");
    EXPECT(pto_copy_from_device(NULL, host, host, 8, &err), PTO_ERR_INVALID, &err,
           "device is NULL");

    pto_task_id t;
    pto_param prm = pto_scalar(1);
    pto_tensor ten = pto_tensor_1d(host, 2, 4);
    EXPECT(pto_add_task(NULL, 0, PTO_CORE_AIV, NULL, 0, &t, &err), PTO_ERR_INVALID, &err,
           "run is NULL");
    EXPECT(pto_add_dep(NULL, 0, 1, &err), PTO_ERR_INVALID, &err, "run is NULL");
    EXPECT(pto_copy_back(NULL, host, host, 8, &err), PTO_ERR_INVALID, &err, "run is NULL");
    EXPECT(pto_submit(NULL, 0, PTO_CORE_AIV, &prm, 1, &t, &err), PTO_ERR_INVALID, &err,
           "run is NULL");
    EXPECT(pto_submit_dummy(NULL, &prm, 1, &t, &err), PTO_ERR_INVALID, &err, "run is NULL");
    EXPECT(pto_scope_begin(NULL, "s", PTO_SCOPE_AUTO, &err), PTO_ERR_INVALID, &err, "run is NULL");
    EXPECT(pto_scope_end(NULL, &err), PTO_ERR_INVALID, &err, "run is NULL");
    EXPECT(pto_read(NULL, &ten, 0, host, &err), PTO_ERR_INVALID, &err, "run is NULL");
    assert_null(pto_run_device(NULL));

    const pto_task_record *recs = (const pto_task_record *)&err;
    const pto_edge *edges = (const pto_edge *)&err;
    size_t n = 7;
    pto_last_run_records(NULL, &recs, &n);
    assert_null(recs);
    assert_int_equal(n, 0);
    n = 7;
    pto_last_run_edges(NULL, &edges, &n);
    assert_null(edges);
    assert_int_equal(n, 0);
    assert_string_equal(pto_kernel_name(NULL, 3), "f3");

    EXPECT(pto_trace_write_chrome(NULL, NULL, "/dev/null", &err), PTO_ERR_INVALID, &err, "device");
    EXPECT(pto_trace_write_chrome_cycles(NULL, NULL, "/dev/null", &err), PTO_ERR_INVALID, &err,
           "device");
    EXPECT(pto_graph_write(NULL, "/dev/null", PTO_GRAPH_JSON, &err), PTO_ERR_INVALID, &err,
           "device");
    pto_stats_print(NULL, NULL, NULL);

    /* A NULL error sink is fine everywhere. */
    assert_int_equal(pto_launch(NULL, NULL, NULL, NULL, NULL, NULL), PTO_ERR_INVALID);
    assert_int_equal(pto_malloc(NULL, 1, NULL, NULL), PTO_ERR_INVALID);
    assert_int_equal(pto_add_task(NULL, 0, PTO_CORE_AIV, NULL, 0, NULL, NULL), PTO_ERR_INVALID);

    /* A live device with NULL outputs. */
    pto_device *dev = open_small();
    pto_device_get_info(dev, NULL);
    pto_device_get_info(dev, &info);
    assert_string_equal(info.platform, "a2a3sim");
    pto_last_run_records(dev, NULL, NULL);
    pto_last_run_edges(dev, NULL, NULL);
    EXPECT(pto_launch(dev, NULL, NULL, NULL, NULL, &err), PTO_ERR_INVALID, &err, "orchestration");
    EXPECT(pto_malloc(dev, 64, NULL, &err), PTO_ERR_INVALID, &err, "out is NULL");
    pto_device_close(dev);
}

/* ------------------------------------------------------------------ */

static void bad_open(void (*tweak)(pto_device_config *), pto_status want, const char *needle)
{
    pto_device_config cfg;
    small_config(&cfg);
    tweak(&cfg);
    pto_device *dev = (pto_device *)&cfg; /* must be reset to NULL */
    pto_error err = {0};
    EXPECT(pto_device_open("a2a3sim", &cfg, &dev, &err), want, &err, needle);
    assert_null(dev);
}
static void cfg_blocks(pto_device_config *c) { c->blocks = 25; }
static void cfg_scheds(pto_device_config *c) { c->schedulers = 5; }
static void cfg_scheds_blocks(pto_device_config *c) { c->schedulers = 3; }
static void cfg_window(pto_device_config *c) { c->task_window = 3; }
static void cfg_ready(pto_device_config *c) { c->ready_queue = 8; }
static void cfg_exec(pto_device_config *c) { c->exec_threads = 100; }
static void cfg_heap(pto_device_config *c) { c->heap_bytes = 100; }
static void cfg_huge_ring(pto_device_config *c) { c->dep_pool = 1u << 31; }

static void test_bad_configs(void **s)
{
    (void)s;
    bad_open(cfg_blocks, PTO_ERR_INVALID, "blocks=25");
    bad_open(cfg_scheds, PTO_ERR_INVALID, "schedulers=5");
    bad_open(cfg_scheds_blocks, PTO_ERR_INVALID, "schedulers=3 > blocks=2");
    bad_open(cfg_window, PTO_ERR_INVALID, "task_window (PTO_TASK_WINDOW)=3 is not a power of two");
    bad_open(cfg_ready, PTO_ERR_INVALID, "ready_queue=8");
    bad_open(cfg_exec, PTO_ERR_INVALID, "exec_threads=100");
    bad_open(cfg_heap, PTO_ERR_INVALID, "heap_bytes");
    bad_open(cfg_huge_ring, PTO_ERR_INVALID, "exceeds the limit");
    pto_device *dev = NULL;
    pto_error err = {0};
    EXPECT(pto_device_open("a2a4", NULL, &dev, &err), PTO_ERR_NOT_FOUND, &err,
           "unknown platform 'a2a4'");

    dev = open_small();
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = (pto_run_mode)7;
    EXPECT(pto_launch(dev, &rc, orch_nothing, NULL, NULL, &err), PTO_ERR_INVALID, &err,
           "unknown run mode 7");
    /* Bad kernel registrations. */
    EXPECT(pto_kernel_register(dev, -1, PTO_CORE_AIV, k_nop, "n", &err), PTO_ERR_INVALID, &err,
           "func_id -1 is out of range");
    EXPECT(pto_kernel_register(dev, PTO_MAX_FUNCS, PTO_CORE_AIV, k_nop, "n", &err), PTO_ERR_INVALID,
           &err, "out of range");
    EXPECT(pto_kernel_register(dev, 1, (pto_core_type)9, k_nop, "n", &err), PTO_ERR_INVALID, &err,
           "core type 9");
    EXPECT(pto_kernel_register(dev, 1, PTO_CORE_AIV, NULL, "n", &err), PTO_ERR_INVALID, &err,
           "function pointer is NULL");
    pto_device_close(dev);
}

/* ------------------------------------------------------------------ */

/* Saves and restores one environment variable. */
typedef struct saved_env {
    const char *name;
    char value[256];
    int had;
} saved_env;

static saved_env env_save(const char *name)
{
    saved_env e = {name, "", 0};
    const char *v = getenv(name);
    if (v) {
        e.had = 1;
        snprintf(e.value, sizeof e.value, "%s", v);
    }
    return e;
}

static void env_restore(const saved_env *e)
{
    if (e->had)
        setenv(e->name, e->value, 1);
    else
        unsetenv(e->name);
}

/* name=value must be refused by pto_device_config_from_env, quoting the
 * text, with `why` in the message; the config is left as it was. */
static void bad_env(const char *name, const char *value, const char *why)
{
    saved_env saved = env_save(name);
    setenv(name, value, 1);
    pto_device_config cfg, def;
    pto_device_config_default(&cfg);
    def = cfg;
    pto_error err = {0};
    char quoted[300];
    snprintf(quoted, sizeof quoted, "%s='%s'", name, value);
    EXPECT(pto_device_config_from_env(&cfg, &err), PTO_ERR_INVALID, &err, quoted, why);
    assert_memory_equal(&cfg, &def, sizeof cfg);
    env_restore(&saved);
}

static void test_bad_env_values(void **s)
{
    (void)s;
    /* strtoull(.., 0) read these as octal 8, hex 16 and 2^64 - 1. */
    bad_env("PTO_BLOCKS", "010", "leading zero");
    bad_env("PTO_BLOCKS", "0x10", "hexadecimal");
    bad_env("PTO_BLOCKS", "-1", "sign");
    bad_env("PTO_TASK_WINDOW", "-1", "sign");
    bad_env("PTO_BLOCKS", "+4", "sign");
    bad_env("PTO_BLOCKS", " ", "spaces");
    bad_env("PTO_BLOCKS", " 4", "spaces");
    bad_env("PTO_BLOCKS", "4 ", "spaces");
    bad_env("PTO_BLOCKS", "", "empty");
    bad_env("PTO_BLOCKS", "4k", "not a decimal number");
    bad_env("PTO_BLOCKS", "99999999999999999999", "larger than 18446744073709551615");
    bad_env("PTO_HEAP_BYTES", "18446744073709551616", "larger than");
    bad_env("PTO_DEP_POOL", "0x100", "hexadecimal");

    saved_env b = env_save("PTO_BLOCKS"), w = env_save("PTO_TASK_WINDOW"),
              x = env_save("PTO_EXEC_THREADS");
    pto_device_config cfg;
    pto_error err = {0};
    unsetenv("PTO_BLOCKS");
    setenv("PTO_TASK_WINDOW", "4294967296", 1);
    pto_device_config_default(&cfg);
    EXPECT(pto_device_config_from_env(&cfg, &err), PTO_ERR_INVALID, &err,
           "PTO_TASK_WINDOW=4294967296 is too large");
    unsetenv("PTO_TASK_WINDOW");
    setenv("PTO_BLOCKS", "0", 1);
    EXPECT(pto_device_config_from_env(&cfg, &err), PTO_ERR_INVALID, &err, "PTO_BLOCKS=0",
           "positive");
    /* Plain decimal is fine; 0 executor threads means hosted executors. */
    setenv("PTO_BLOCKS", "10", 1);
    setenv("PTO_EXEC_THREADS", "0", 1);
    pto_device_config_default(&cfg);
    cfg.exec_threads = 5;
    assert_int_equal(pto_device_config_from_env(&cfg, &err), PTO_OK);
    assert_int_equal(cfg.blocks, 10);
    assert_int_equal(cfg.exec_threads, 0);
    env_restore(&b);
    env_restore(&w);
    env_restore(&x);

    /* Read by the simulator when a device opens. */
    static const struct {
        const char *name, *value, *why;
    } open_bad[] = {
        {"PTO_SPIN_US", "abc", "PTO_SPIN_US='abc'"},
        {"PTO_SPIN_US", "010", "leading zero"},
        {"PTO_SPIN_US", "-5", "sign"},
        {"PTO_SPIN_US", "99999999999", "too large"},
        {"PTO_PIN_THREADS", "2", "0 or 1"},
        {"PTO_PIN_THREADS", "yes", "PTO_PIN_THREADS='yes'"},
    };
    for (size_t i = 0; i < sizeof open_bad / sizeof open_bad[0]; i++) {
        saved_env e = env_save(open_bad[i].name);
        setenv(open_bad[i].name, open_bad[i].value, 1);
        pto_device_config c;
        small_config(&c);
        pto_device *dev = NULL;
        pto_status st = pto_device_open("a2a3sim", &c, &dev, &err);
        env_restore(&e);
        if (dev)
            pto_device_close(dev);
        EXPECT(st, PTO_ERR_INVALID, &err, open_bad[i].why);
    }
}

/* ------------------------------------------------------------------ */
/* A func_id's core type cannot change under a graph that uses it. */

typedef struct rereg {
    pto_status to_aic, same_type, unused_aic, unused_aiv, streamed;
    pto_error err_aic, err_streamed;
} rereg;

static _Atomic uint64_t g_ran[2];
static void k_count0(const uint64_t *a)
{
    (void)a;
    atomic_fetch_add(&g_ran[0], 1);
}
static void k_count1(const uint64_t *a)
{
    (void)a;
    atomic_fetch_add(&g_ran[1], 1);
}

static pto_status orch_rereg(pto_run *run, void *p, pto_error *err)
{
    rereg *r = p;
    pto_device *dev = pto_run_device(run);
    pto_task_id t;
    pto_status st = pto_add_task(run, 0, PTO_CORE_AIV, NULL, 0, &t, err);
    if (st)
        return st;
    /* t0 chose an AIV core: func 0 must stay AIV until the graph ran. */
    r->to_aic = pto_kernel_register(dev, 0, PTO_CORE_AIC, k_count1, "aic", &r->err_aic);
    r->same_type = pto_kernel_register(dev, 0, PTO_CORE_AIV, k_count0, "again", err);
    /* An id no task uses may change freely, then be used. */
    r->unused_aic = pto_kernel_register(dev, 1, PTO_CORE_AIC, k_count1, "one", err);
    r->unused_aiv = pto_kernel_register(dev, 1, PTO_CORE_AIV, k_count1, "one", err);
    if ((st = pto_add_task(run, 1, PTO_CORE_AIV, NULL, 0, &t, err)))
        return st;
    return pto_add_task(run, 0, PTO_CORE_AIV, NULL, 0, &t, err);
}

static pto_status orch_rereg_streamed(pto_run *run, void *p, pto_error *err)
{
    rereg *r = p;
    r->streamed =
        pto_kernel_register(pto_run_device(run), 1, PTO_CORE_AIV, k_count1, "x", &r->err_streamed);
    pto_task_id t;
    return pto_add_task(run, 0, PTO_CORE_AIV, NULL, 0, &t, err);
}

static void test_reregister_core_type(void **s)
{
    (void)s;
    pto_device *dev = open_small();
    pto_error err = {0};
    assert_int_equal(pto_kernel_register(dev, 0, PTO_CORE_AIV, k_count0, "zero", &err), 0);
    rereg r;
    memset(&r, 0, sizeof r);
    atomic_store(&g_ran[0], 0);
    atomic_store(&g_ran[1], 0);
    assert_int_equal(pto_launch(dev, NULL, orch_rereg, &r, NULL, &err), PTO_OK);
    EXPECT(r.to_aic, PTO_ERR_STATE, &r.err_aic, "func_id 0", "task t0", "as AIV",
           "cannot become AIC");
    assert_int_equal(r.same_type, PTO_OK);
    assert_int_equal(r.unused_aic, PTO_OK);
    assert_int_equal(r.unused_aiv, PTO_OK);
    /* Every task ran the kernel of the type it was added with. */
    assert_int_equal(atomic_load(&g_ran[0]), 2);
    assert_int_equal(atomic_load(&g_ran[1]), 1);
    /* No graph now: the type may change. */
    assert_int_equal(pto_kernel_register(dev, 0, PTO_CORE_AIC, k_count0, "zero", &err), 0);
    assert_int_equal(pto_kernel_register(dev, 0, PTO_CORE_AIV, k_count0, "zero", &err), 0);

    /* A streamed orchestration runs while tasks execute: refused. */
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = PTO_MODE_STREAMED;
    assert_int_equal(pto_launch(dev, &rc, orch_rereg_streamed, &r, NULL, &err), PTO_OK);
    EXPECT(r.streamed, PTO_ERR_STATE, &r.err_streamed, "func_id 1", "a launch is in progress");
    pto_device_close(dev);
}

/* ------------------------------------------------------------------ */
/* Two launches at once on one device. */

static atomic_int g_started, g_release;

/* Holds its run until released (at most ~5 s, so nothing can hang). */
static void k_hold(const uint64_t *a)
{
    (void)a;
    atomic_store(&g_started, 1);
    for (int i = 0; i < 5000 && !atomic_load(&g_release); i++) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

static pto_status orch_hold(pto_run *run, void *p, pto_error *err)
{
    (void)p;
    pto_task_id t;
    return pto_add_task(run, 2, PTO_CORE_AIV, NULL, 0, &t, err);
}

typedef struct launch_arg {
    pto_device *dev;
    pto_orch_fn orch;
    void *ctx;
    pthread_barrier_t *barrier;
    pto_status st;
    pto_error err;
} launch_arg;

static void *launch_thread(void *p)
{
    launch_arg *a = p;
    if (a->barrier)
        pthread_barrier_wait(a->barrier);
    a->st = pto_launch(a->dev, NULL, a->orch, a->ctx, NULL, &a->err);
    return NULL;
}

/* out[0] = the sum 1..n computed by a chain of n tasks (one per step),
 * copied back to the host; each launcher has its own output. */
typedef struct sum_job {
    uint64_t *acc; /* device */
    uint64_t host;
    uint32_t n;
} sum_job;

static void k_add(const uint64_t *a) { *(uint64_t *)pto_bits_ptr(a[0]) += a[1]; }

static pto_status orch_sum(pto_run *run, void *p, pto_error *err)
{
    sum_job *j = p;
    pto_task_id prev = 0, t;
    for (uint32_t i = 1; i <= j->n; i++) {
        uint64_t args[2] = {pto_ptr_bits(j->acc), i};
        pto_status st = pto_add_task(run, 3, PTO_CORE_AIV, args, 2, &t, err);
        if (!st && i > 1)
            st = pto_add_dep(run, prev, t, err);
        if (st)
            return st;
        prev = t;
    }
    return pto_copy_back(run, &j->host, j->acc, sizeof j->host, err);
}

static pto_status orch_nested(pto_run *run, void *p, pto_error *err)
{
    pto_error *inner = p;
    pto_status st = pto_launch(pto_run_device(run), NULL, orch_nothing, NULL, NULL, inner);
    return st == PTO_ERR_STATE ? PTO_OK : pto_launch(NULL, NULL, NULL, NULL, NULL, err);
}

static void test_concurrent_launch(void **s)
{
    (void)s;
    pto_device *dev = open_small();
    pto_error err = {0};
    assert_int_equal(pto_kernel_register(dev, 2, PTO_CORE_AIV, k_hold, "hold", &err), 0);
    assert_int_equal(pto_kernel_register(dev, 3, PTO_CORE_AIV, k_add, "add", &err), 0);

    /* A launch while another thread's run is executing fails at once, and
     * so does registering a kernel; the first run is unharmed. */
    atomic_store(&g_started, 0);
    atomic_store(&g_release, 0);
    launch_arg a = {dev, orch_hold, NULL, NULL, PTO_OK, {0}};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, launch_thread, &a), 0);
    while (!atomic_load(&g_started)) {
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    pto_status second = pto_launch(dev, NULL, orch_nothing, NULL, NULL, &err);
    pto_error rerr = {0};
    pto_status reg = pto_kernel_register(dev, 4, PTO_CORE_AIV, k_nop, "late", &rerr);
    atomic_store(&g_release, 1);
    pthread_join(th, NULL);
    EXPECT(second, PTO_ERR_STATE, &err, "a run is already in progress");
    EXPECT(reg, PTO_ERR_STATE, &rerr, "func_id 4", "a launch is in progress");
    assert_int_equal(a.st, PTO_OK);

    /* Launching from inside an orchestration function: refused too. */
    pto_error inner = {0};
    assert_int_equal(pto_launch(dev, NULL, orch_nested, &inner, NULL, &err), PTO_OK);
    EXPECT(inner.status, PTO_ERR_STATE, &inner, "a run is already in progress");

    /* Two threads launching at the same moment, many times: each launch
     * either runs (and computes the right sum) or fails cleanly; never both
     * fail, never a wrong sum, a hang or a crash. */
    enum { ROUNDS = 40, N = 20 };
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    int refused = 0;
    for (int round = 0; round < ROUNDS; round++) {
        sum_job job[2];
        launch_arg la[2];
        pthread_t t2[2];
        for (int i = 0; i < 2; i++) {
            void *acc = NULL;
            assert_int_equal(pto_malloc(dev, sizeof(uint64_t), &acc, &err), PTO_OK);
            uint64_t zero = 0;
            assert_int_equal(pto_copy_to_device(dev, acc, &zero, sizeof zero, &err), PTO_OK);
            job[i] = (sum_job){acc, 0, N};
            la[i] = (launch_arg){dev, orch_sum, &job[i], &bar, PTO_OK, {0}};
            assert_int_equal(pthread_create(&t2[i], NULL, launch_thread, &la[i]), 0);
        }
        for (int i = 0; i < 2; i++)
            pthread_join(t2[i], NULL);
        int ok = 0;
        for (int i = 0; i < 2; i++) {
            if (la[i].st == PTO_OK) {
                ok++;
                assert_int_equal(job[i].host, (uint64_t)N * (N + 1) / 2);
            } else {
                refused++;
                EXPECT(la[i].st, PTO_ERR_STATE, &la[i].err, "a run is already in progress");
            }
            assert_int_equal(pto_free(dev, job[i].acc, &err), PTO_OK);
        }
        assert_true(ok >= 1);
    }
    pthread_barrier_destroy(&bar);
    print_message("concurrent launches: %d of %d refused\n", refused, 2 * ROUNDS);
    /* Still usable. */
    assert_int_equal(pto_launch(dev, NULL, orch_nothing, NULL, NULL, &err), PTO_OK);
    pto_device_close(dev);
}

/* ------------------------------------------------------------------ */
/* Semantic time past PTO_CYCLE_LIMIT: the same clear error in both modes. */

static void k_cycles(const uint64_t *a) { pto_add_cycles(a[0]); }

static pto_status orch_two(pto_run *run, void *p, pto_error *err)
{
    const uint64_t *c = p;
    pto_task_id t0, t1;
    pto_status st = pto_add_task(run, 5, PTO_CORE_AIV, &c[0], 1, &t0, err);
    if (!st)
        st = pto_add_task(run, 5, PTO_CORE_AIV, &c[1], 1, &t1, err);
    return st ? st : pto_add_dep(run, t0, t1, err);
}

static void test_cycles_past_limit(void **s)
{
    (void)s;
    pto_device *dev = open_small();
    pto_error err = {0};
    assert_int_equal(pto_kernel_register(dev, 5, PTO_CORE_AIV, k_cycles, "big", &err), 0);
    for (int det = 0; det < 2; det++) {
        pto_run_config rc;
        pto_run_config_default(&rc);
        rc.deterministic = det;
        uint64_t twice[2] = {UINT64_C(1) << 55, UINT64_C(1) << 55};
        EXPECT(pto_launch(dev, &rc, orch_two, twice, NULL, &err), PTO_ERR_CAPACITY, &err,
               "task t1 (kernel big", "limit of 72057594037927935 cycles");
        uint64_t max[2] = {1, UINT64_MAX};
        EXPECT(pto_launch(dev, &rc, orch_two, max, NULL, &err), PTO_ERR_CAPACITY, &err,
               "task t1 (kernel big", "reports 18446744073709551615 cycles");
        uint64_t below[2] = {UINT64_C(1) << 55, (UINT64_C(1) << 55) - 1};
        pto_stats st;
        assert_int_equal(pto_launch(dev, &rc, orch_two, below, &st, &err), PTO_OK);
        assert_int_equal(st.total_cycles, PTO_CYCLE_LIMIT);
    }
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_handles),      cmocka_unit_test(test_bad_configs),
        cmocka_unit_test(test_bad_env_values),    cmocka_unit_test(test_reregister_core_type),
        cmocka_unit_test(test_concurrent_launch), cmocka_unit_test(test_cycles_past_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
