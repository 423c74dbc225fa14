/* libFuzzer target: the plan front end (src/frontends/plan/: load*.c,
 * expr_text.c, walk.c, check.c) on arbitrary bytes as plan JSON.
 * Properties (docs/plan.md, "Errors"):
 *   - loading never crashes and never leaks (ASan), whatever the bytes;
 *   - a refused plan names a JSON path: its message starts with '/';
 *   - a loaded plan checks (views for every iteration, up to a small
 *     budget; capabilities against a2a3sim deterministic) without
 *     crashing, and a refusal names a JSON path too;
 *   - a loaded plan frees cleanly.
 * Seeds: the plans of the repository (make fuzz copies them into the
 * corpus). Nothing is run: no device is opened. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/plan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pto_error err;
    pto_plan *plan = NULL;
    pto_status s = pto_plan_load_text((const char *)data, size, "/nonexistent", &plan, &err);
    if (s != PTO_OK) {
        if (plan || (s != PTO_ERR_NOMEM && err.msg[0] != '/')) {
            fprintf(stderr, "fuzz_plan: load refused (%s) without a JSON path: %s\n",
                    pto_status_name(s), err.msg);
            abort();
        }
        return 0;
    }
    pto_plan_set(plan, "n", 3, NULL);
    s = plan_check_budget(plan, "a2a3sim", 1, 4096, &err);
    if (s != PTO_OK && err.msg[0] != '/') {
        fprintf(stderr, "fuzz_plan: check refused (%s) without a JSON path: %s\n",
                pto_status_name(s), err.msg);
        abort();
    }
    pto_run_config rc;
    pto_plan_run_config(plan, &rc);
    pto_plan_free(plan);
    return 0;
}
