/* Random fan-in programs (tests/support/random_fan_in.h): 2..4 producers
 * into one fan-in channel of capacity 0..4, latency 0..20, dispatch_cycles
 * 0 or 3. Every seed runs deterministic (every task's cycles, the token
 * order and the total against the model of random_fan_in.h), every third
 * threaded as well (values and per-producer order). NSEEDS seeds (500, or
 * 100 under a sanitizer). tests/stress.c runs the same over fresh seeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support/random_fan_in.h"
#include "support/sanitized.h"

#ifdef SANITIZED
#define NSEEDS 100
#else
#define NSEEDS 500
#endif

static pto_device *open_dev(uint32_t dispatch)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 3; /* 6 AIV cores >= FR_AIV_CORES: one for each process */
    cfg.schedulers = 2;
    cfg.dispatch_cycles = dispatch;
    cfg.trace_capacity = 4 * FR_T;
    pto_device *dev = NULL;
    pto_error err = {0};
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("open: %s", err.msg);
    assert_int_equal(
        pto_kernel_register(dev, FR_KERNEL, PTO_CORE_AIV, fr_kernel, "fan_in_task", &err), PTO_OK);
    return dev;
}

static void run(pto_device *dev, const fr_prog *p, uint64_t seed, int det)
{
    char why[1024], what[256];
    if (fr_run_case(dev, p, det, 5000, why, sizeof why)) {
        fr_describe(p, what, sizeof what);
        fail_msg("seed %llu, %s: %s\n  program: %s", (unsigned long long)seed,
                 det ? "deterministic" : "threaded", why, what);
    }
}

static void test_random_fan_in(void **state)
{
    (void)state;
    pto_device *dev[2] = {open_dev(0), open_dev(3)};
    static fr_prog p;
    for (uint64_t seed = 1; seed <= NSEEDS; seed++) {
        uint32_t d = (uint32_t)(seed % 2);
        fr_make(&p, seed, d ? 3 : 0);
        run(dev[d], &p, seed, 1);
        if (seed % 3 == 0)
            run(dev[d], &p, seed, 0);
    }
    pto_device_close(dev[0]);
    pto_device_close(dev[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_fan_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
