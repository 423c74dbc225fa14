/* Helpers of the CSP tests (test_csp.c, test_csp_fan_in.c): a launch that
 * must succeed, returning the run's total cycles, and the channel latency
 * symbol. */
#ifndef PTO_TESTS_CSP_UTIL_H
#define PTO_TESTS_CSP_UTIL_H

#include "pto/pto.h"

static inline uint64_t launch(pto_device *dev, int det, pto_run_mode mode, pto_orch_fn fn,
                              void *ctx)
{
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.deterministic = det;
    rc.mode = mode;
    pto_stats st;
    pto_error err;
    if (pto_launch(dev, &rc, fn, ctx, &st, &err))
        fail_msg("%s", err.msg);
    return st.total_cycles;
}

static inline void set_latency(pto_device *dev, uint64_t cycles)
{
    pto_error err;
    assert_int_equal(pto_symbol_declare(dev, PTO_CSP_LATENCY_SYMBOL, PTO_SYMBOL_U64, 0, &err),
                     PTO_OK);
    assert_int_equal(pto_symbol_set_u64(dev, PTO_CSP_LATENCY_SYMBOL, cycles, &err), PTO_OK);
}

#endif
