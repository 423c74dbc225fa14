/* The in-memory plan (docs/plan.md): what load.c builds from the JSON and
 * walk.c, check.c and run.c read. Public API only (layering: front ends sit
 * on include/pto/). Everything is allocated once by the loader and freed by
 * pto_plan_free; nothing here is allocated per task. */
#ifndef PTO_FRONTENDS_PLAN_H
#define PTO_FRONTENDS_PLAN_H
#include <stdint.h>

#include "pto/plan.h"
#include "pto/pto.h"

#define PLAN_MAX_DEPTH 16 /* nesting of workload nodes (and loop variables) */
#define PLAN_NAME_MAX 64  /* bytes of an id or name, with the NUL */
#define PLAN_PATH_MAX 256 /* bytes of a JSON path, with the NUL */
#define PLAN_MAX_KERNELS 256
#define PLAN_MAX_TENSORS 256
#define PLAN_MAX_AXES 64
#define PLAN_MAX_CAPS 64
#define PLAN_MAX_SPMD 4096    /* blocks of an SPMD task (the device bounds it further) */
#define PLAN_SCOPE_TASKS 1024 /* a loop's scope is renewed after this many tasks */
#define PLAN_CHECK_BUDGET (UINT64_C(1) << 20) /* task instances pto_plan_check bounds-checks */

typedef enum plan_dtype { PLAN_F32, PLAN_F16, PLAN_BF16, PLAN_I32 } plan_dtype;
typedef enum plan_role {
    PLAN_ROLE_IN,
    PLAN_ROLE_OUT,
    PLAN_ROLE_INOUT,
    PLAN_ROLE_SCRATCH
} plan_role;

/* A kernel: func_id = its index in plan.kernels. Exactly one of source and
 * so is set (paths already joined with the plan's directory). */
typedef struct plan_kernel {
    char id[PLAN_NAME_MAX];
    pto_core_type core;
    char *source, *so; /* one of them NULL */
    char entry[PLAN_NAME_MAX];
} plan_kernel;

/* A fill rule (tensor "init" and "expect"): element k (row-major) is
 * a * k + b; "const" is a = 0; PLAN_FILL_NONE: zero (init) / no check. */
typedef enum plan_fill_kind { PLAN_FILL_NONE, PLAN_FILL_LINEAR } plan_fill_kind;
typedef struct plan_fill {
    plan_fill_kind kind;
    double a, b;
} plan_fill;

/* A tensor: a row-major buffer of ndim (1..PTO_MAX_DIMS) dims, every dim
 * >= 1, elems = product of shape <= 2^32, stride[d] = bytes between
 * consecutive indices of dim d (stride[ndim-1] = elem). */
typedef struct plan_tensor {
    char name[PLAN_NAME_MAX];
    plan_dtype dtype;
    uint32_t elem; /* bytes per element */
    plan_role role;
    uint32_t ndim;
    uint64_t shape[PTO_MAX_DIMS], stride[PTO_MAX_DIMS];
    uint64_t elems;
    plan_fill init, expect;
    double tolerance; /* expect: largest accepted |got - expected| */
    char *input;      /* NULL, or a .npy file read in place of init */
    char *output;     /* NULL, or a .npy file written after the run */
    char *golden;     /* NULL, or a .npy file the result is compared with */
} plan_tensor;

/* A symbol, u64, f32 (def and value then hold the f32's bits) or i32[]
 * (arr: len elements, the default or the override; len = the declared
 * "length", which an override keeps): id = pto_symbol_id(name); value =
 * the override when overridden, else the default. Only a u64 symbol sizes
 * a dense_dyn axis; only an i32[] one is a ragged or sparse axis source. */
typedef struct plan_symbol {
    char name[PLAN_NAME_MAX];
    uint64_t id, def, value;
    int overridden;
    int f32;
    int array;    /* 1: i32[] (def and value unused) */
    int32_t *arr; /* array: len elements, owned */
    uint32_t len;
} plan_symbol;

/* An axis: dense (size constant), dense_dyn (size = the value of symbol
 * index `symbol` at expansion time), ragged or sparse (docs/plan.md). The
 * last two hang off an outer axis (dense or dense_dyn, declared before
 * them) whose loop must enclose theirs: in iteration r of it, a ragged
 * loop runs 0 .. lengths[r] - 1; a sparse loop runs k over indptr[r] ..
 * indptr[r+1] - 1 and binds its variable to indices[k]. `symbol` is then
 * lengths (ragged) or indptr (sparse), all i32[] symbols. */
typedef enum plan_axis_kind {
    PLAN_AXIS_DENSE,
    PLAN_AXIS_DENSE_DYN,
    PLAN_AXIS_RAGGED,
    PLAN_AXIS_SPARSE
} plan_axis_kind;
typedef struct plan_axis {
    char name[PLAN_NAME_MAX];
    plan_axis_kind kind;
    uint64_t size;   /* dense */
    uint32_t symbol; /* dense_dyn: u64; ragged: lengths; sparse: indptr (index into plan.symbols) */
    uint32_t indices; /* sparse: index into plan.symbols */
    uint32_t outer;   /* ragged, sparse: index into plan.axes (dense or dense_dyn) */
} plan_axis;

#define PLAN_EXPR_MAX_ELEMS 8 /* array elements (sym.NAME[E]) per expression */
#define PLAN_EXPR_MAX_NEST 4  /* elements nested in an element's index */

/* A run slot of a plan (docs/plan.md, "slots"): slot k of plan.slots is
 * run slot k (PTO_SLOTS of them at most); `slot.NAME` reads it as i64, or
 * as u64 when declared u64. */
typedef struct plan_slot {
    char name[PLAN_NAME_MAX];
    int u64;
    uint64_t def; /* the value it starts a run with (i64: two's complement) */
} plan_slot;

/* A ScalarExpr of a plan: the parsed bytecode (loop variables are axis<N>
 * leaves, N = the variable's depth < PLAN_MAX_DEPTH, read as i64) and the
 * text as given. Its type is i64 or u64, or bool for a condition.
 * reads_slots: the text names a slot (the expression can only be evaluated
 * at dispatch); reads_vars: it names a loop variable. An expression that
 * reads loop variables keeps the names of its scope (vars, nvars; owned)
 * so that it can be parsed again with them as params or constants
 * (expr_text.c).
 * Element k of elems (an element sym.NAME[E] of an i32[] symbol) is the
 * leaf axis<PLAN_MAX_DEPTH + k>, read as i64: the interpreter evaluates
 * its index E (a plan expression of its own, integer-typed, with the same
 * loop variables in scope, owned), reads the element from the symbol's
 * values and passes it in that axis slot (plan_expr_value). nelems <=
 * PLAN_EXPR_MAX_ELEMS; `symbol` indexes plan.symbols and is an i32[]. */
struct plan_expr;
typedef struct plan_elem {
    uint32_t symbol;
    struct plan_expr *index;
} plan_elem;
typedef struct plan_expr {
    pto_expr e;
    char *text;
    int reads_slots, reads_vars;
    char (*vars)[PLAN_NAME_MAX];
    uint32_t nvars;
    plan_elem elems[PLAN_EXPR_MAX_ELEMS];
    uint32_t nelems;
} plan_expr;

/* A task argument: a tile view of a tensor, or a scalar. A view has the
 * tensor's ndim offsets (elements, >= 0 at run time) and constant shape
 * (>= 1 each); the task sees the address of its first element. */
typedef enum plan_arg_kind { PLAN_ARG_VIEW, PLAN_ARG_SCALAR, PLAN_ARG_F32 } plan_arg_kind;
typedef struct plan_arg {
    plan_arg_kind kind;
    char path[PLAN_PATH_MAX];
    /* view */
    uint32_t tensor;                  /* index into plan.tensors */
    pto_param_kind param;             /* PTO_IN, PTO_OUT_EXISTING or PTO_INOUT */
    plan_expr *offsets[PTO_MAX_DIMS]; /* tensor.ndim of them */
    uint64_t shape[PTO_MAX_DIMS];
    /* scalar: expr; f32: bits */
    plan_expr *scalar;
    uint64_t bits;
} plan_arg;

typedef enum plan_node_kind {
    PLAN_SEQUENTIAL,   /* children in time order */
    PLAN_COMBINE,      /* children in program order, ordered by their data only */
    PLAN_PARALLEL_FOR, /* iterations ordered by their data only */
    PLAN_FOR_EACH,     /* iterations in time order */
    PLAN_COND,         /* body (then) or else_body, by a bool expression */
    PLAN_TASK,
    PLAN_SLOT_SET,  /* run slot `slot` := value, a dependency-only slot task */
    PLAN_SLOT_LOAD, /* run slot `slot` := the element view `load` of a tensor */
    /* channel operations, in process bodies only (csp.c) */
    PLAN_SEND,    /* channel, payload (NULL: 0) */
    PLAN_RECV,    /* channel; var (may be "") bound at slot depth for the later siblings */
    PLAN_CONSUME, /* channel; body once per token, var (may be "") at slot depth */
    PLAN_CLOSE    /* channel */
} plan_node_kind;

/* A workload node. Loops bind variable `var` (slot `depth`: the number of
 * loops around it) to 0 .. size(axis) - 1 for their body; a body's
 * expressions see the variables of every enclosing loop. A task has
 * 1..PTO_MAX_ARGS args. */
typedef struct plan_node {
    plan_node_kind kind;
    char path[PLAN_PATH_MAX]; /* JSON path of the node's object */
    /* sequential, combine, loops; cond: the then branch */
    struct plan_node *body;
    uint32_t nbody;
    /* cond: the condition (type bool) and the else branch (may be empty) */
    plan_expr *cond;
    struct plan_node *else_body;
    uint32_t nelse;
    /* loops: variable slots depth .. depth + nslots - 1 hold var, then
     * outer_var (flat form), then flat_var (if named); the body sees them
     * all */
    uint32_t axis; /* index into plan.axes */
    char var[PLAN_NAME_MAX];
    char outer_var[PLAN_NAME_MAX], flat_var[PLAN_NAME_MAX]; /* "" when not given */
    uint32_t depth, nslots;
    uint32_t outer_depth; /* ragged, sparse axis: the slot of the nearest enclosing loop over
                             its outer axis (< depth), or in the flat form its own outer
                             slot (depth + 1) */
    int flat_outer;       /* the flat form: this loop also runs over the outer axis */
    uint32_t flat_slot;   /* flat_var's slot, UINT32_MAX: none */
    /* task: one core (blocks 0, mix 0), SPMD (blocks >= 1: kernel on that
     * many cores of its type) or MIX (mix: PTO_MIX_* parts; kernel = the
     * AIC part's, aiv_kernel = the AIV parts', each read only when its
     * part is declared; never with blocks) */
    uint32_t kernel;     /* index into plan.kernels = func_id */
    uint32_t aiv_kernel; /* MIX */
    uint32_t blocks;     /* SPMD: 1 .. PLAN_MAX_SPMD; 0: not SPMD */
    uint32_t mix;        /* MIX: PTO_MIX_* bits; 0: not MIX */
    plan_arg *args;
    uint32_t nargs;
    plan_expr *key; /* NULL: no dispatch key */
    /* cond: dynamic = the condition reads a slot, so it is not decided at
     * expansion: both branches are expanded and guard their tasks */
    int dynamic;
    /* slot_set, slot_load */
    uint32_t slot;    /* index into plan.slots = the run slot */
    plan_expr *value; /* slot_set: i64 or u64 */
    plan_arg load;    /* slot_load: an element view (every extent 1), role in */
    /* task, slot_set, slot_load: the predicate of the node itself (NULL:
     * none) and the conditions of the dynamic conds around it, outermost
     * first (guard_neg[k]: the node is in the else branch of guard k; the
     * guards point at the conds' own expressions, not owned). The task
     * runs when every guard holds (negated where guard_neg) and its
     * predicate is true. nguards <= PLAN_MAX_DEPTH (a cond nests one
     * level). */
    plan_expr *pred;
    const plan_expr *guards[PLAN_MAX_DEPTH];
    uint8_t guard_neg[PLAN_MAX_DEPTH];
    uint32_t nguards;
    /* task: what the run is handed at dispatch (built once at load): dpred,
     * the whole predicate (guards and pred), dkey the key when it reads a
     * slot; in both, loop variable d reads param (nargs + d), and a task
     * whose dpred/dkey reads a loop variable is submitted with its
     * vparams = depth loop variables appended to its args (nargs + vparams
     * <= PTO_MAX_ARGS). NULL: none. */
    pto_expr *dpred, *dkey;
    uint32_t vparams;
    /* channel operations: the channel (index into plan.csp->channels) and
     * a send's payload (NULL: 0); recv and consume bind var at slot depth
     * (recv: only when var is not "") */
    uint32_t channel;
    plan_expr *payload;
} plan_node;

/* The whole plan. Every index above is in range; names are unique per
 * kind; expressions reference only declared symbols and variables in
 * scope (load.c guarantees all of it). */
struct pto_plan {
    char name[PLAN_NAME_MAX];
    char dir[4096]; /* base directory of relative kernel paths */
    plan_kernel *kernels;
    uint32_t nkernels;
    plan_tensor *tensors;
    uint32_t ntensors;
    plan_symbol *symbols;
    uint32_t nsymbols;
    plan_axis *axes;
    uint32_t naxes;
    plan_slot *slots; /* nslots <= PTO_SLOTS */
    uint32_t nslots;
    plan_node root; /* a PLAN_COMBINE at "/workload" */
    /* schedule */
    pto_run_mode mode;
    char dispatch[PLAN_NAME_MAX]; /* "" = the default policy */
    uint32_t task_window;
    pto_window_unit window_unit;
    pto_window_mode window_mode;
    /* capabilities: rows of the matrix (pto_caps_feature) */
    uint32_t caps[PLAN_MAX_CAPS];
    uint32_t ncaps;
    /* the capabilities the workload implies (rows "runtime slots",
     * "dispatch-time predicate", "ScalarExpr dispatch key"), each with the
     * path of the first node needing it; checked as the declared ones */
    uint32_t implied[3];
    char implied_path[3][PLAN_PATH_MAX];
    uint32_t nimplied;
    struct plan_csp *csp; /* NULL: no "csp" section */
};

/* An active for_each loop or sequential node during a walk (time order,
 * docs/plan.md; "iteration" below is a child of a sequential): the
 * task whose completion means "every task of the previous iteration
 * completed" (prev_join) and the same for the current iteration so far
 * (cur_join); PLAN_NO_TASK when there is none. The walker maintains the
 * stack and rotates cur_join into prev_join between iterations; the
 * interpreter sets cur_join. */
#define PLAN_NO_TASK UINT64_MAX
typedef struct plan_frame {
    uint64_t prev_join, cur_join;
} plan_frame;

/* walk.c: expands the workload tree in program order, calling visit for
 * every task instance with the loop variables in vars[0..depth). A
 * non-OK visit stops the walk with its status. sym(ctx, index) gives the
 * value of plan symbol `index` (dense_dyn sizes). */
typedef struct plan_walk {
    const pto_plan *plan;
    uint64_t vars[PLAN_MAX_DEPTH];
    const char *names[PLAN_MAX_DEPTH]; /* the loop variables' names */
    plan_frame frames[PLAN_MAX_DEPTH]; /* for_each and sequential nodes around, outermost first */
    uint32_t nframes;
    uint64_t (*sym)(void *ctx, uint32_t index);
    pto_status (*visit)(struct plan_walk *w, const plan_node *task, uint32_t depth, pto_error *err);
    void *ctx; /* for sym */
    /* the symbol reader of expressions (pto_expr_env.symbol), for cond */
    uint64_t (*symbol)(void *ctx, uint64_t id);
    void *symbol_ctx;
    void *ctx2; /* for visit */
    /* loop steps taken; with max_steps > 0 the walk stops after that many
     * with PTO_ERR_CAPACITY and steps_hit set (a bounded check) */
    uint64_t steps, max_steps;
    int steps_hit;
    /* Optional (the interpreter's): every loop runs inside a scope of its
     * own, begun before its first iteration and ended after its last, and
     * renewed (ended and begun again) at an iteration boundary once
     * PLAN_SCOPE_TASKS tasks were visited in it, so that tasks retire while
     * the walk goes on (a task is held by its scope until the scope ends). */
    pto_status (*scope)(struct plan_walk *w, const plan_node *loop, int begin, pto_error *err);
    uint64_t tasks; /* task instances visited */
    /* channel operations (csp.c; NULL outside a process body, where the
     * loader never puts one) and its context */
    pto_status (*chan)(struct plan_walk *w, const plan_node *op, uint32_t depth, pto_error *err);
    void *chan_ctx;
} plan_walk;
pto_status plan_walk_run(plan_walk *w, pto_error *err);

/* The expression environment of the walk's current iteration: the loop
 * variables vars[0..depth) and the walk's symbol reader. */
static inline void plan_walk_env(const plan_walk *w, uint32_t depth, pto_expr_env *env)
{
    *env = (pto_expr_env){
        .axes = w->vars, .naxes = depth, .symbol = w->symbol, .symbol_ctx = w->symbol_ctx};
}
/* Walks the nodes body[0..n) in program order with depth loop variables
 * bound; a recv binding its payload makes it visible (one more variable)
 * to the nodes after it (plan_depth_after). */
pto_status plan_walk_list(plan_walk *w, const plan_node *body, uint32_t n, uint32_t depth,
                          pto_error *err);
/* The variables bound after node N, depth before it. */
static inline uint32_t plan_depth_after(const plan_node *N, uint32_t depth)
{
    return N->kind == PLAN_RECV && N->var[0] ? N->depth + 1 : depth;
}
/* At an iteration boundary of loop (or consume) N: renews N's scope once
 * PLAN_SCOPE_TASKS tasks were visited since *since (plan_walk.scope). */
pto_status plan_walk_renew(plan_walk *w, const plan_node *N, uint64_t *since, pto_error *err);
/* err's message again, after "path/node: " (node NULL: "path: ") and
 * before hint (NULL: none); returns s. For a status from the runtime. */
pto_status plan_error_at(pto_error *err, pto_status s, const char *path, const char *node,
                         const char *hint);

/* The size of dense or dense_dyn axis a under w's symbol values. */
uint64_t plan_axis_size(const plan_walk *w, uint32_t a);

/* check.c: the values of the i32[] symbols of every ragged and sparse
 * axis against its outer axis (with the symbols' current values and
 * sym(ctx, index) for dense_dyn sizes): lengths has size(outer) elements,
 * none negative; indptr has size(outer) + 1, non-negative and
 * non-decreasing, its last <= the length of indices, and no index is
 * negative. Errors name /axes/N/FIELD. The walk re-checks what it reads,
 * so a plan run without this check still cannot read out of bounds. */
pto_status plan_check_axes(const pto_plan *plan, uint64_t (*sym)(void *ctx, uint32_t index),
                           void *ctx, pto_error *err);

/* Evaluates the view arg of a task instance into t (base = buf), checking
 * it lies inside its tensor; out of bounds is PTO_ERR_INVALID naming the
 * arg's path and the iteration. env: the instance's loop variables. */
pto_status plan_view(const plan_walk *w, const plan_arg *arg, const pto_expr_env *env, void *buf,
                     pto_tensor *t, pto_error *err);

/* expr_text.c: parses a plan expression: loop variables in scope (names
 * vars[0..nvars)) become i64(axis<depth>), `sym.NAME` the i64 of a declared
 * plan symbol, `sym.NAME[E]` an element of an i32[] one (out->elems); the
 * result must be bool when want_bool, else i64 or u64. Errors are the
 * message only (no path), in err. The element indexes allocated into out
 * are freed by plan_expr_free_elems, also after a failure. */
pto_status plan_expr_parse(const pto_plan *plan, const char *text, char vars[][PLAN_NAME_MAX],
                           uint32_t nvars, int want_bool, plan_expr *out, pto_error *err);
void plan_expr_free_elems(plan_expr *e);

/* walk.c: the value of expression x for the task instance or loop step
 * whose loop variables are env->axes[0..env->naxes) (naxes <=
 * PLAN_MAX_DEPTH): x's elements are read from the plan's i32[] symbol
 * values first. An element index out of its array (negative or >= the
 * length) is PTO_ERR_INVALID naming the JSON path (path, then "/field"
 * when field, then "/index" when index >= 0) and the iteration; nothing
 * is read outside an array. No allocation. */
pto_status plan_expr_value_elems(const plan_walk *w, const plan_expr *x, const pto_expr_env *env,
                                 const char *path, const char *field, int index, uint64_t *out,
                                 pto_error *err);
static inline pto_status plan_expr_value(const plan_walk *w, const plan_expr *x,
                                         const pto_expr_env *env, const char *path,
                                         const char *field, int index, uint64_t *out,
                                         pto_error *err)
{
    if (!x->nelems) { /* the common case, inline: every offset of every task */
        *out = pto_expr_eval(&x->e, env);
        return PTO_OK;
    }
    return plan_expr_value_elems(w, x, env, path, field, index, out, err);
}

/* Parses e's text again (same scope, e->vars) for the run: loop variable d
 * becomes i64(param<base + d>) when vals is NULL, else the i64 constant
 * vals[d]. `slot.NAME` reads run slot NAME. Into *out; errors as above. */
pto_status plan_expr_reparse(const pto_plan *plan, const plan_expr *e, uint32_t base,
                             const uint64_t *vals, pto_expr *out, pto_error *err);

/* Node N's whole predicate: its dynamic conds' guards (negated where
 * guard_neg) and its own predicate, and-ed, each parsed again as
 * plan_expr_reparse does with base and vals; *any = 0 (and *out untouched)
 * when it has none. */
pto_status plan_node_predicate(const pto_plan *plan, const plan_node *N, uint32_t base,
                               const uint64_t *vals, pto_expr *out, int *any, pto_error *err);

/* check.c: refuses a plan requiring a capability that is UNSUPPORTED on
 * platform in that mode (naming /capabilities/N). */
pto_status plan_check_caps(const pto_plan *plan, const char *platform, int deterministic,
                           pto_error *err);

/* pto_plan_check with a budget of task instances (and loop steps) in
 * place of PLAN_CHECK_BUDGET (the fuzz target's is small). */
pto_status plan_check_budget(const pto_plan *plan, const char *platform, int deterministic,
                             uint64_t budget, pto_error *err);

/* npy.c: a tensor's data from / to a .npy file of exactly its dtype and
 * shape (C order; libpto_tools' pto_npy_*, so bf16 is '<u2' bits). */
pto_status plan_npy_read(const plan_tensor *T, const char *path, void *data, pto_error *err);
pto_status plan_npy_write(const plan_tensor *T, const char *path, const void *data, pto_error *err);
/* Compares data (T's contents after a run) with the golden file T->golden
 * into *max_err and *bad (elements with |got - want| > T->tolerance); a
 * golden of another dtype or shape is PTO_ERR_INVALID. */
pto_status plan_npy_golden(const plan_tensor *T, const void *data, double *max_err, uint64_t *bad,
                           pto_error *err);

/* CSP (docs/plan.md, "csp"): channels and processes; loaded by load.c
 * (load_csp), checked, run and freed by csp.c.
 *
 * Invariants: names are unique per kind and short enough for the runtime
 * (< PTO_CSP_NAME_MAX - 4 bytes); capacity <= PTO_CSP_CAPACITY; the
 * replicas of all processes sum to <= PTO_CSP_PROCESSES; every channel has
 * at least one sending and exactly one receiving process (a receiving
 * process has one replica); a channel sent on by several processes
 * (replicas counted) declares exactly that many senders (fan-in), else
 * senders = 0; no cycle of processes each opening with a receive from the
 * next (csp.c, plan_csp_check_static). */
typedef struct plan_channel {
    char name[PLAN_NAME_MAX];
    char path[PLAN_PATH_MAX]; /* "/csp/channels/N" */
    uint32_t capacity;        /* 0: rendezvous */
    uint32_t senders;         /* declared fan-in (2..); 0: none */
    int payload;              /* declared: tokens carry a payload */
    /* what the process bodies do with it (filled while they load) */
    int32_t receiver;   /* process index; -1: none */
    uint64_t sent_by;   /* bit p: process p has a send on it */
    uint64_t closed_by; /* bit p: process p has a close of it */
} plan_channel;

/* A process: `replicas` copies of body (a PLAN_COMBINE), replica i with
 * var (when not "") = i at variable slot 0, so body expressions start at
 * depth 1 then (0 without var). */
typedef struct plan_process {
    char name[PLAN_NAME_MAX];
    char path[PLAN_PATH_MAX]; /* "/csp/processes/N" */
    uint32_t replicas;
    char var[PLAN_NAME_MAX];
    plan_node body;
} plan_process;

/* The CSP rows of the capability matrix a CSP plan requires (implicitly,
 * besides "capabilities"): row and the JSON path that needs it. */
#define PLAN_CSP_CAPS 6
typedef struct plan_csp {
    plan_channel *channels;
    uint32_t nchannels;
    plan_process *procs;
    uint32_t nprocs;
    int latency_implicit;    /* the latency symbol was declared by "csp" (load_latency) */
    uint32_t latency_symbol; /* then its index in plan.symbols */
    uint32_t cap_row[PLAN_CSP_CAPS];
    char cap_path[PLAN_CSP_CAPS][PLAN_PATH_MAX];
    uint32_t ncaps;
} plan_csp;

/* csp.c: the checks of a loaded csp section that need every body loaded:
 * every channel has a sender and a receiver, fan-in declarations, the
 * certain deadlocks (cycles of opening receives), and the CSP capability
 * rows the plan requires. Errors name JSON paths. */
pto_status plan_csp_check_static(pto_plan *plan, pto_error *err);
/* csp.c: the CSP rows against matrix column col (plan_check_caps). */
pto_status plan_csp_check_caps(const pto_plan *plan, uint32_t col, const char *platform,
                               pto_error *err);
/* csp.c: inside the orchestration function, after the workload: creates
 * the channels and processes and runs them (pto_csp_run); each process
 * body walks with a copy of tmpl (its visit, scope and symbol readers). */
pto_status plan_csp_run(pto_run *run, const plan_walk *tmpl, pto_error *err);
/* csp.c: frees plan->csp (its bodies with free_node). */
void plan_csp_free(pto_plan *plan, void (*free_node)(plan_node *));

/* Symbol lookup by name; -1 when not declared. */
int plan_symbol_find(const pto_plan *plan, const char *name, size_t len);

#endif
