/* The plan loader's internals, shared by its files (docs/plan.md):
 *   load.c          the entry points, the root object, schedule and
 *                   capabilities, freeing, symbol and file overrides;
 *   load_json.c     JSON paths, typed field getters, names;
 *   load_data.c     kernels, tensors, symbols, axes, slots;
 *   load_workload.c expressions, arguments and the workload nodes;
 *   load_csp.c      the "csp" section and the channel operations.
 * Every helper reports a malformed field as "<JSON path>: <what>" through
 * plan_fail and returns its status; the loader never trusts the input. */
#ifndef PTO_FRONTENDS_PLAN_LOAD_H
#define PTO_FRONTENDS_PLAN_LOAD_H
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "frontends/plan/plan.h"

/* The loader's state: the plan being built, the current JSON path (a
 * NUL-terminated string, len bytes) and the loop variables in scope. */
typedef struct loader {
    pto_plan *plan;
    char path[PLAN_PATH_MAX];
    size_t len;
    char vars[PLAN_MAX_DEPTH][PLAN_NAME_MAX];
    uint32_t var_axis[PLAN_MAX_DEPTH]; /* the axis of each enclosing loop */
    uint32_t nvars;
    /* the conditions of the dynamic conds around the node being loaded,
     * outermost first (gneg: in its else branch) */
    const plan_expr *guards[PLAN_MAX_DEPTH];
    uint8_t gneg[PLAN_MAX_DEPTH];
    uint32_t nguards;
    pto_error *err;
    /* CSP: loading the body of process `proc` (load_csp) when in_proc */
    int in_proc;
    uint32_t proc;
} loader;

/* load_json.c */
__attribute__((format(printf, 2, 3))) pto_status plan_fail(loader *L, const char *fmt, ...);
/* plan_fail at the current path's member `key`. */
__attribute__((format(printf, 3, 4))) pto_status plan_fail_at(loader *L, const char *key,
                                                              const char *fmt, ...);
/* Entry i of an array (entries of `stride` bytes, its name `offset` bytes
 * into each, JSON path `array`) has a name no earlier entry has; else
 * "<what> '<name>' is already defined at <array>/<j>" at member `key`. */
pto_status plan_unique(loader *L, const char *key, const char *what, const char *array,
                       const void *entries, size_t stride, size_t offset, int i);
#define PLAN_UNIQUE(L, key, what, array, entries, field, i)                                        \
    plan_unique(L, key, what, array, (entries), sizeof *(entries),                                 \
                (size_t)((const char *)(entries)[0].field - (const char *)(entries)), i)
size_t plan_push_key(loader *L, const char *key);
size_t plan_push_index(loader *L, int i);
void plan_pop(loader *L, size_t old);
const char *plan_json_type(const cJSON *j);
pto_status plan_only_keys(loader *L, const cJSON *obj, const char *const *allowed);
pto_status plan_member(loader *L, const cJSON *obj, const char *key, int required,
                       const cJSON **out);
pto_status plan_want(loader *L, const cJSON *j, int ok, const char *what);
pto_status plan_uint_of(loader *L, const cJSON *j, uint64_t max, uint64_t *out);
pto_status plan_string_at(loader *L, const cJSON *obj, const char *key, int required, char *out,
                          size_t cap);
int plan_pick(const char *s, const char *const *names, int n);
pto_status plan_enum_at(loader *L, const cJSON *obj, const char *key, int required,
                        const char *const *names, const char *list, int *out);
char *plan_dup_path(loader *L, const char *rel);
int plan_ident_ok(const char *v);
int plan_var_ok(const char *v);
pto_status plan_var_at(loader *L, const cJSON *l, const char *key, int required, char *out);

/* load_data.c */
pto_status plan_load_kernels(loader *L, const cJSON *arr);
pto_status plan_load_tensors(loader *L, const cJSON *arr);
pto_status plan_load_symbols(loader *L, const cJSON *arr);
pto_status plan_load_axes(loader *L, const cJSON *arr);
pto_status plan_load_slots(loader *L, const cJSON *arr);

/* load_workload.c */
void plan_imply(loader *L, const char *feature);
pto_status plan_expr_of(loader *L, const cJSON *j, plan_expr **out);
pto_status plan_load_list(loader *L, const cJSON *arr, plan_node **body, uint32_t *nbody,
                          uint32_t depth);
pto_status plan_load_body(loader *L, const cJSON *arr, plan_node *N, uint32_t depth);

/* load_csp.c */
pto_status plan_load_csp(loader *L, const cJSON *csp);
pto_status plan_load_chan_op(loader *L, const cJSON *c, plan_node *N, uint32_t depth,
                             plan_node_kind kind);

#endif
