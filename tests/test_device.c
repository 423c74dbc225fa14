/* Devices through the public API: configuration validation, platforms,
 * configuration from the environment, shape reporting, repeated open/close
 * and device-memory error values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pto/pto.h"

/* A config that opens quickly: a small shape and small arena. */
static void small_config(pto_device_config *cfg)
{
    pto_device_config_default(cfg);
    cfg->blocks = 2;
    cfg->schedulers = 1;
    cfg->task_window = 64;
    cfg->dep_pool = 256;
    cfg->gm_bytes = 1 << 20;
}

static pto_device *open_ok(const pto_device_config *cfg)
{
    pto_device *dev = 0;
    pto_error err = {0};
    pto_status st = pto_device_open("a2a3sim", cfg, &dev, &err);
    if (st != PTO_OK)
        fail_msg("open: %s: %s", pto_status_name(st), err.msg);
    assert_non_null(dev);
    return dev;
}

/* Opening with cfg fails with `want`, leaves no device, and the message
 * contains every string of the NULL-terminated list. */
static void expect_open_fails(const char *platform, const pto_device_config *cfg, pto_status want,
                              const char *const *needles)
{
    pto_device *dev = (pto_device *)&dev; /* non-NULL: open must clear it */
    pto_error err = {0};
    pto_status st = pto_device_open(platform, cfg, &dev, &err);
    if (st != want)
        fail_msg("open(%s): got %s (%s), want %s", platform ? platform : "NULL",
                 pto_status_name(st), err.msg, pto_status_name(want));
    assert_int_equal(err.status, want);
    assert_null(dev);
    for (; *needles; needles++)
        if (!strstr(err.msg, *needles))
            fail_msg("message \"%s\" lacks \"%s\"", err.msg, *needles);
}

#define EXPECT_INVALID(cfgp, ...)                                                                  \
    expect_open_fails("a2a3sim", (cfgp), PTO_ERR_INVALID, (const char *const[]){__VA_ARGS__, NULL})

static void test_config_validation(void **state)
{
    (void)state;
    pto_device_config cfg;

    small_config(&cfg);
    cfg.blocks = 25;
    EXPECT_INVALID(&cfg, "blocks=25", "24");

    small_config(&cfg);
    cfg.blocks = 24;
    cfg.schedulers = 5;
    EXPECT_INVALID(&cfg, "schedulers=5", "4");

    small_config(&cfg);
    cfg.blocks = 2;
    cfg.schedulers = 3;
    EXPECT_INVALID(&cfg, "schedulers=3", "blocks=2");

    small_config(&cfg);
    cfg.task_window = 1000;
    EXPECT_INVALID(&cfg, "PTO_TASK_WINDOW", "1000", "power of two");

    small_config(&cfg);
    cfg.dep_pool = 3;
    EXPECT_INVALID(&cfg, "PTO_DEP_POOL", "power of two");

    small_config(&cfg);
    cfg.task_window = 1024;
    cfg.ready_queue = 512;
    EXPECT_INVALID(&cfg, "ready_queue=512", "task_window=1024");

    small_config(&cfg);
    cfg.ready_queue = 96; /* >= window but not a power of two */
    EXPECT_INVALID(&cfg, "PTO_READY_QUEUE", "power of two");

    small_config(&cfg);
    cfg.task_window = 1;
    cfg.ready_queue = 1; /* a ready queue needs at least 2 cells */
    EXPECT_INVALID(&cfg, "ready_queue=1");

    small_config(&cfg);
    cfg.blocks = 1;
    cfg.schedulers = 1;
    cfg.exec_threads = 4; /* one block has 3 cores */
    EXPECT_INVALID(&cfg, "exec_threads=4", "3");

    /* The boundary values themselves are accepted. */
    small_config(&cfg);
    cfg.blocks = 1;
    cfg.schedulers = 1;
    cfg.exec_threads = 3;
    pto_device *dev = open_ok(&cfg);
    pto_device_close(dev);
    small_config(&cfg);
    cfg.blocks = 4;
    cfg.schedulers = 4;
    dev = open_ok(&cfg);
    pto_device_close(dev);

    /* A NULL out pointer is rejected rather than dereferenced. */
    pto_error err = {0};
    assert_int_equal(pto_device_open("a2a3sim", &cfg, NULL, &err), PTO_ERR_INVALID);
}

static void test_unknown_platform(void **state)
{
    (void)state;
    pto_device_config cfg;
    small_config(&cfg);
    expect_open_fails("tpu9", &cfg, PTO_ERR_NOT_FOUND,
                      (const char *const[]){"tpu9", "a2a3sim", NULL});
    expect_open_fails("", &cfg, PTO_ERR_NOT_FOUND, (const char *const[]){"a2a3sim", NULL});
    /* NULL selects the simulator. */
    pto_device *dev = 0;
    pto_error err = {0};
    assert_int_equal(pto_device_open(NULL, &cfg, &dev, &err), PTO_OK);
    pto_device_info info;
    pto_device_get_info(dev, &info);
    assert_string_equal(info.platform, "a2a3sim");
    pto_device_close(dev);
}

/* Saves an environment variable so a test can change it and put it back. */
struct saved_env {
    const char *name;
    char *value; /* NULL: was unset */
};

static struct saved_env env_save(const char *name)
{
    const char *v = getenv(name);
    struct saved_env s = {name, v ? strdup(v) : NULL};
    return s;
}

static void env_restore(struct saved_env *s)
{
    if (s->value)
        setenv(s->name, s->value, 1);
    else
        unsetenv(s->name);
    free(s->value);
    s->value = NULL;
}

static void test_a2a3_toolchain_missing(void **state)
{
    (void)state;
    struct saved_env home = env_save("ASCEND_HOME_PATH"), path = env_save("PATH");
    unsetenv("ASCEND_HOME_PATH");
    /* No ccec or cross compiler can be found on this PATH. */
    setenv("PATH", "/nonexistent-pto-test-dir", 1);
    pto_device_config cfg;
    small_config(&cfg);
    expect_open_fails("a2a3", &cfg, PTO_ERR_TOOLCHAIN,
                      (const char *const[]){"ASCEND_HOME_PATH", "unset", "ccec", "a2a3sim", NULL});
    expect_open_fails("a2a3", NULL, PTO_ERR_TOOLCHAIN,
                      (const char *const[]){"ASCEND_HOME_PATH", "ccec", NULL});
    /* A home that is not a directory is reported as such. */
    setenv("ASCEND_HOME_PATH", "/nonexistent-pto-test-dir/cann", 1);
    expect_open_fails("a2a3", &cfg, PTO_ERR_TOOLCHAIN,
                      (const char *const[]){"ASCEND_HOME_PATH", "not a directory", "ccec", NULL});
    env_restore(&home);
    env_restore(&path);
}

static const char *const config_vars[] = {
    "PTO_BLOCKS",   "PTO_SCHEDULERS",  "PTO_EXEC_THREADS",   "PTO_TASK_WINDOW",
    "PTO_DEP_POOL", "PTO_READY_QUEUE", "PTO_TRACE_CAPACITY", "PTO_GM_BYTES",
};
#define NCONFIG_VARS (sizeof config_vars / sizeof config_vars[0])

static void test_config_from_env(void **state)
{
    (void)state;
    struct saved_env saved[NCONFIG_VARS];
    for (size_t i = 0; i < NCONFIG_VARS; i++) {
        saved[i] = env_save(config_vars[i]);
        unsetenv(config_vars[i]);
    }
    pto_device_config cfg, def;
    pto_device_config_default(&def);
    pto_error err = {0};

    /* Nothing set: nothing changes. */
    pto_device_config_default(&cfg);
    assert_int_equal(pto_device_config_from_env(&cfg, &err), PTO_OK);
    assert_memory_equal(&cfg, &def, sizeof cfg);

    setenv("PTO_TASK_WINDOW", "2048", 1);
    setenv("PTO_BLOCKS", "4", 1);
    setenv("PTO_GM_BYTES", "1048576", 1);
    pto_device_config_default(&cfg);
    assert_int_equal(pto_device_config_from_env(&cfg, &err), PTO_OK);
    assert_int_equal(cfg.task_window, 2048);
    assert_int_equal(cfg.blocks, 4);
    assert_int_equal(cfg.gm_bytes, 1048576);
    /* Unset variables leave their fields alone. */
    assert_int_equal(cfg.schedulers, def.schedulers);
    assert_int_equal(cfg.dep_pool, def.dep_pool);
    assert_int_equal(cfg.gm_max_allocs, def.gm_max_allocs);

    /* The device opened from that config has that shape. */
    pto_device *dev = open_ok(&cfg);
    pto_device_info info;
    pto_device_get_info(dev, &info);
    assert_int_equal(info.blocks, 4);
    assert_int_equal(info.cores, 12);
    assert_int_equal(info.task_window, 2048);
    assert_int_equal(info.ready_queue, 2048);
    assert_int_equal(info.gm_bytes, 1048576);
    pto_device_close(dev);

    /* Malformed numbers are rejected and name the variable; the config
     * keeps the values parsed before. */
    const char *const bad[] = {"abc", "12abc", "", "-"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("PTO_BLOCKS", bad[i], 1);
        memset(&err, 0, sizeof err);
        pto_device_config_default(&cfg);
        assert_int_equal(pto_device_config_from_env(&cfg, &err), PTO_ERR_INVALID);
        assert_int_equal(err.status, PTO_ERR_INVALID);
        assert_non_null(strstr(err.msg, "PTO_BLOCKS"));
        assert_int_equal(cfg.blocks, def.blocks);
    }
    setenv("PTO_BLOCKS", "4", 1);
    setenv("PTO_GM_BYTES", "abc", 1);
    memset(&err, 0, sizeof err);
    assert_int_equal(pto_device_config_from_env(&cfg, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "PTO_GM_BYTES"));
    /* A 32-bit field rejects values that do not fit. */
    setenv("PTO_GM_BYTES", "1048576", 1);
    setenv("PTO_TASK_WINDOW", "4294967296", 1);
    memset(&err, 0, sizeof err);
    assert_int_equal(pto_device_config_from_env(&cfg, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "PTO_TASK_WINDOW"));

    for (size_t i = 0; i < NCONFIG_VARS; i++)
        env_restore(&saved[i]);
}

static void test_info_and_core_types(void **state)
{
    (void)state;
    pto_device_config cfg;
    small_config(&cfg);
    cfg.blocks = 24;
    cfg.schedulers = 3;
    pto_device *dev = open_ok(&cfg);
    pto_device_info info;
    pto_device_get_info(dev, &info);
    assert_string_equal(info.platform, "a2a3sim");
    assert_int_equal(info.blocks, 24);
    assert_int_equal(info.aic_cores, 24);
    assert_int_equal(info.aiv_cores, 48);
    assert_int_equal(info.cores, 72);
    assert_int_equal(info.schedulers, 3);
    assert_int_equal(info.task_window, 64);
    assert_int_equal(info.dep_pool, 256);
    assert_int_equal(info.ready_queue, 64);    /* default: the window */
    assert_int_equal(info.trace_capacity, 64); /* default: the window */
    assert_int_equal(info.gm_bytes, 1 << 20);
    pto_device_close(dev);

    small_config(&cfg);
    cfg.blocks = 1;
    cfg.schedulers = 1;
    cfg.exec_threads = 2;
    dev = open_ok(&cfg);
    pto_device_get_info(dev, &info);
    assert_int_equal(info.blocks, 1);
    assert_int_equal(info.aic_cores, 1);
    assert_int_equal(info.aiv_cores, 2);
    assert_int_equal(info.cores, 3);
    assert_int_equal(info.schedulers, 1);
    assert_int_equal(info.exec_threads, 2);
    pto_device_close(dev);

    /* Zero fields take the defaults. */
    memset(&cfg, 0, sizeof cfg);
    cfg.gm_bytes = 1 << 20;
    cfg.task_window = 64;
    dev = open_ok(&cfg);
    pto_device_get_info(dev, &info);
    pto_device_config def;
    pto_device_config_default(&def);
    assert_int_equal(info.blocks, def.blocks);
    assert_int_equal(info.schedulers, 3); /* the default (def.schedulers is 0: resolved at open) */
    assert_int_equal(info.dep_pool, def.dep_pool);
    pto_device_close(dev);
    /* ... and on fewer blocks than 3, one scheduler per block */
    cfg.blocks = 2;
    dev = open_ok(&cfg);
    pto_device_get_info(dev, &info);
    assert_int_equal(info.schedulers, 2);
    pto_device_close(dev);

    assert_int_equal(pto_core_type_of(0), PTO_CORE_AIC);
    assert_int_equal(pto_core_type_of(1), PTO_CORE_AIV);
    assert_int_equal(pto_core_type_of(2), PTO_CORE_AIV);
    assert_int_equal(pto_core_type_of(3), PTO_CORE_AIC);
    uint32_t aic = 0, aiv = 0;
    for (uint32_t c = 0; c < PTO_MAX_CORES; c++) {
        if (pto_core_type_of(c) == PTO_CORE_AIC)
            aic++;
        else
            aiv++;
    }
    assert_int_equal(aic, PTO_MAX_BLOCKS);
    assert_int_equal(aiv, 2 * PTO_MAX_BLOCKS);
}

static void test_open_close_full_shape_repeatedly(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++) {
        pto_device_config cfg;
        pto_device_config_default(&cfg);
        cfg.blocks = 24;
        cfg.schedulers = 3;
        cfg.gm_bytes = 1 << 20;
        pto_device *dev = open_ok(&cfg);
        pto_device_info info;
        pto_device_get_info(dev, &info);
        assert_int_equal(info.cores, 72);
        assert_int_equal(info.schedulers, 3);
        assert_int_equal(info.task_window, cfg.task_window);
        /* The device is usable: memory round-trips. */
        void *p = 0;
        pto_error err = {0};
        assert_int_equal(pto_malloc(dev, 256, &p, &err), PTO_OK);
        uint32_t in[64], out[64];
        for (int k = 0; k < 64; k++)
            in[k] = (uint32_t)(k * 7 + i);
        assert_int_equal(pto_copy_to_device(dev, p, in, sizeof in, &err), PTO_OK);
        memset(out, 0, sizeof out);
        assert_int_equal(pto_copy_from_device(dev, out, p, sizeof out, &err), PTO_OK);
        assert_memory_equal(in, out, sizeof in);
        assert_int_equal(pto_free(dev, p, &err), PTO_OK);
        pto_device_close(dev);
    }
    pto_device_close(NULL); /* allowed, no-op */
}

static void test_device_memory_errors(void **state)
{
    (void)state;
    pto_device_config cfg;
    small_config(&cfg);
    pto_device *dev = open_ok(&cfg);
    pto_device_info info;
    pto_device_get_info(dev, &info);
    size_t gm = info.gm_bytes;
    assert_int_equal(gm, 1 << 20);
    pto_error err = {0};
    void *p = (void *)&err;

    assert_int_equal(pto_malloc(dev, 0, &p, &err), PTO_ERR_INVALID);
    assert_int_equal(err.status, PTO_ERR_INVALID);
    assert_null(p);
    memset(&err, 0, sizeof err);
    p = (void *)&err;
    assert_int_equal(pto_malloc(dev, gm + 1, &p, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "PTO_GM_BYTES"));
    assert_null(p);

    /* The whole arena is one valid allocation. */
    assert_int_equal(pto_malloc(dev, gm, &p, &err), PTO_OK);
    assert_non_null(p);
    void *q = 0;
    assert_int_equal(pto_malloc(dev, 1, &q, &err), PTO_ERR_NOMEM); /* full */
    assert_int_equal(pto_free(dev, p, &err), PTO_OK);

    void *a = 0, *b = 0;
    assert_int_equal(pto_malloc(dev, 100, &a, &err), PTO_OK);
    assert_int_equal(pto_malloc(dev, 100, &b, &err), PTO_OK);
    assert_true(a != b);
    assert_int_equal((uintptr_t)a % 64, 0);
    assert_int_equal((uintptr_t)b % 64, 0);

    assert_int_equal(pto_free(dev, a, &err), PTO_OK);
    memset(&err, 0, sizeof err);
    assert_int_equal(pto_free(dev, a, &err), PTO_ERR_INVALID); /* double free */
    assert_int_equal(err.status, PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "double free"));

    int local = 0;
    memset(&err, 0, sizeof err);
    assert_int_equal(pto_free(dev, &local, &err), PTO_ERR_INVALID); /* foreign */
    assert_non_null(strstr(err.msg, "foreign"));
    memset(&err, 0, sizeof err);
    assert_int_equal(pto_free(dev, (char *)b + 8, &err), PTO_ERR_INVALID); /* interior */
    assert_non_null(strstr(err.msg, "interior"));
    assert_int_equal(pto_free(dev, NULL, &err), PTO_ERR_INVALID);

    /* A pointer of another device is foreign too. */
    pto_device *dev2 = open_ok(&cfg);
    void *c = 0;
    assert_int_equal(pto_malloc(dev2, 64, &c, &err), PTO_OK);
    memset(&err, 0, sizeof err);
    assert_int_equal(pto_free(dev, c, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "foreign"));
    assert_int_equal(pto_free(dev2, c, &err), PTO_OK);
    pto_device_close(dev2);

    /* The rejected frees did no damage: b is still live and freeable, and
     * then the whole arena is available again. */
    assert_int_equal(pto_free(dev, b, &err), PTO_OK);
    assert_int_equal(pto_free(dev, b, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_malloc(dev, gm, &p, &err), PTO_OK);
    assert_int_equal(pto_free(dev, p, &err), PTO_OK);
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_validation),
        cmocka_unit_test(test_unknown_platform),
        cmocka_unit_test(test_a2a3_toolchain_missing),
        cmocka_unit_test(test_config_from_env),
        cmocka_unit_test(test_info_and_core_types),
        cmocka_unit_test(test_open_close_full_shape_repeatedly),
        cmocka_unit_test(test_device_memory_errors),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
