/* The AICPU <-> AICore handshake region after real runs: boot flags set,
 * tokens are per-core sequence numbers (never task ids) that keep counting
 * across runs, and the last status is FIN = token | top bit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/device.h"
#include "platform/sim/sim.h"
#include "pto/pto.h"

static void nop(const uint64_t *a) { (void)a; }

static pto_status orch_n(pto_run *run, void *ctx, pto_error *err)
{
    uint32_t n = *(uint32_t *)ctx;
    for (uint32_t i = 0; i < n; i++) {
        pto_task_id t;
        int aic = i % 3 == 0;
        pto_status st = pto_add_task(run, aic, aic ? PTO_CORE_AIC : PTO_CORE_AIV, 0, 0, &t, err);
        if (st)
            return st;
    }
    return PTO_OK;
}

static void check_protocol(uint32_t blocks, uint32_t scheds, uint32_t exec_threads)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = blocks;
    cfg.schedulers = scheds;
    cfg.exec_threads = exec_threads;
    cfg.task_window = 1024;
    cfg.gm_bytes = 1 << 20;
    pto_device *dev;
    pto_error err = {0};
    assert_int_equal(pto_device_open("a2a3sim", &cfg, &dev, &err), PTO_OK);
    pto_sim *sim = dev->plat_impl;
    /* Boot completed on every core before open returned. */
    for (uint32_t c = 0; c < dev->cores; c++) {
        assert_int_equal(atomic_load(&sim->hs[c].in.aicpu_ready), 1);
        assert_int_equal(atomic_load(&sim->hs[c].out.aicore_done), 1);
        assert_int_equal(atomic_load(&sim->hs[c].in.data), 0); /* nothing dispatched */
    }
    assert_int_equal(pto_kernel_register(dev, 1, PTO_CORE_AIC, nop, "a", &err), PTO_OK);
    assert_int_equal(pto_kernel_register(dev, 0, PTO_CORE_AIV, nop, "v", &err), PTO_OK);
    uint64_t per_core[PTO_MAX_CORES] = {0};
    uint32_t sizes[] = {1000, 7, 333};
    for (int r = 0; r < 3; r++) {
        pto_stats st;
        assert_int_equal(pto_launch(dev, 0, orch_n, &sizes[r], &st, &err), PTO_OK);
        uint64_t total = 0;
        for (uint32_t c = 0; c < dev->cores; c++) {
            per_core[c] += st.core[c].tasks;
            total += st.core[c].tasks;
            uint64_t data = atomic_load(&sim->hs[c].in.data);
            uint64_t cond = atomic_load(&sim->hs[c].out.cond);
            /* Token k is the core's k-th dispatch, over all runs so far. */
            assert_int_equal(data, per_core[c]);
            if (data)
                assert_int_equal(cond, data | PTO_TOKEN_FIN);
            assert_int_equal(sim->hs[c].out.status, 0);
        }
        assert_int_equal(total, sizes[r]);
    }
    assert_true(PTO_TOKEN_EXIT < PTO_TOKEN_FIN);
    assert_int_equal(PTO_TOKEN_EXIT & PTO_TOKEN_FIN, 0);
    pto_device_close(dev);
}

static void test_hosted_1x1(void **s)
{
    (void)s;
    check_protocol(1, 1, 0);
}
static void test_hosted_24x3(void **s)
{
    (void)s;
    check_protocol(24, 3, 0);
}
static void test_dedicated_24x3(void **s)
{
    (void)s;
    check_protocol(24, 3, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hosted_1x1),
        cmocka_unit_test(test_hosted_24x3),
        cmocka_unit_test(test_dedicated_24x3),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
