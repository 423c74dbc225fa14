/* WSP plans (issue #18, DESIGN 6.6): the JSON artifact a workload-schedule
 * compiler emits, run without compiling an orchestration. The format is
 * docs/plan.md (field by field) and schema/plan.schema.json.
 *
 * The plan front end is the separate static library libpto_plan
 * (src/frontends/plan/), built on the public API only (and cJSON): link it
 * before pto, as the CLI does.
 *
 * Lifecycle: pto_plan_load_* parses and validates the text (every error
 * names the JSON path of the field, e.g. "/workload/body/2/task/args/1/
 * offsets/0: unknown loop variable 'j'"); pto_plan_set overrides a
 * symbol's default; pto_plan_check runs the checks that need values
 * (views within their tensors for every iteration, up to a budget) and the
 * capability matrix; pto_plan_run runs it on a device. Errors are values:
 * nothing here exits or aborts. */
#ifndef PTO_PLAN_H
#define PTO_PLAN_H
#include <stddef.h>
#include <stdint.h>
#include "pto/device.h"
#include "pto/export.h"
#include "pto/run.h"
#include "pto/stats.h"
#include "pto/status.h"
#ifdef __cplusplus
extern "C" {
#endif

/* The only wsp_runtime_abi this runtime accepts. */
#define PTO_PLAN_ABI "v10.0"

typedef struct pto_plan pto_plan;

/* Loads a plan from a file; relative kernel paths are relative to the
 * file's directory. */
PTO_API pto_status pto_plan_load_file(const char *path, pto_plan **out, pto_error *err);
/* Loads a plan from len bytes of JSON text; relative kernel paths are
 * relative to base_dir (NULL: "."). */
PTO_API pto_status pto_plan_load_text(const char *text, size_t len, const char *base_dir,
                                      pto_plan **out, pto_error *err);
PTO_API void pto_plan_free(pto_plan *plan); /* NULL: no-op */

/* The plan's "name" ("plan" when it has none). */
PTO_API const char *pto_plan_name(const pto_plan *plan);

/* Overrides the value of a symbol the plan declares (`pto run --set`):
 * a u64 symbol with pto_plan_set, an f32 one with pto_plan_set_f32 (the
 * other call is PTO_ERR_INVALID); PTO_ERR_NOT_FOUND for a name it does not
 * declare. */
PTO_API pto_status pto_plan_set(pto_plan *plan, const char *name, uint64_t value, pto_error *err);
PTO_API pto_status pto_plan_set_f32(pto_plan *plan, const char *name, float value, pto_error *err);
/* An i32[] symbol: n values, n = its declared "length" (else
 * PTO_ERR_INVALID naming both); values are copied. */
PTO_API pto_status pto_plan_set_i32_array(pto_plan *plan, const char *name, const int32_t *values,
                                          uint32_t n, pto_error *err);

/* Tensor data files (NumPy .npy, read and written by libpto_tools'
 * pto_npy_* in pto/tools.h, docs/npy.md: C order, exactly the tensor's
 * dtype -- f32 <f4, f16 <f2, i32 <i4, bf16 as <u2 bits -- and shape): `pto run --input NAME=FILE` fills tensor NAME from FILE in place
 * of its init rule (checked when the plan runs); `--output NAME=FILE`
 * writes its contents after the run. The path is copied; NULL removes it.
 * PTO_ERR_NOT_FOUND for a tensor the plan does not have. */
PTO_API pto_status pto_plan_set_input(pto_plan *plan, const char *tensor, const char *path,
                                      pto_error *err);
PTO_API pto_status pto_plan_set_output(pto_plan *plan, const char *tensor, const char *path,
                                       pto_error *err);
/* `--golden NAME=FILE`: after the run, tensor NAME is compared with FILE
 * (its dtype and shape exactly, else the run fails): an element passes
 * when |got - want| <= the tensor's "tolerance" (default 0), equal
 * infinities and NaN against NaN included; counted in pto_plan_result
 * like an expect rule. */
PTO_API pto_status pto_plan_set_golden(pto_plan *plan, const char *tensor, const char *path,
                                       pto_error *err);

/* Checks that need values: every task view lies inside its tensor for
 * every iteration of its loops (with the symbols' defaults and overrides),
 * checked for up to 2^20 task instances (the rest is checked as the plan
 * runs); and, when platform is not NULL, that no capability the plan
 * requires is UNSUPPORTED on that platform in that mode. */
PTO_API pto_status pto_plan_check(const pto_plan *plan, const char *platform, int deterministic,
                                  pto_error *err);

/* The plan's schedule as a run configuration: mode, dispatch and
 * task_window (the rest from pto_run_config_default). cfg->dispatch points
 * into the plan. */
PTO_API void pto_plan_run_config(const pto_plan *plan, pto_run_config *cfg);

/* What a run of a plan found against its "expect" rules. */
typedef struct pto_plan_result {
    uint32_t checked; /* tensors compared with an expect rule */
    double max_err;   /* largest |got - expected| over them (NaN sticks) */
    double tolerance; /* the largest tolerance among them */
    int pass;         /* 1: every checked tensor within its tolerance */
} pto_plan_result;

/* Runs the plan on dev with cfg (NULL: pto_plan_run_config): registers
 * its kernels as func_ids 0..n-1 (sources compiled through the kernel
 * cache), declares its symbols and applies the overrides, allocates and
 * fills its tensors, checks its capabilities, expands the workload tree
 * inside the orchestration function (streamed: while the schedulers run),
 * copies the tensors back, compares the expect rules into *result (may be
 * NULL) and frees the tensors. stats may be NULL. */
PTO_API pto_status pto_plan_run(pto_device *dev, pto_plan *plan, const pto_run_config *cfg,
                                pto_plan_result *result, pto_stats *stats, pto_error *err);

#ifdef __cplusplus
}
#endif
#endif
