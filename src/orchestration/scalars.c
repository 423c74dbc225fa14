/* Run-time scalars (pto/scalars.h, DESIGN 6.5): the run's slots, its table
 * of expressions, the pending scalar work of the next task and the
 * evaluator the task buffer calls as such a task becomes ready.
 *
 * Ordering: slot i is the 8-byte region &slots[i] in the TensorMap. A slot
 * task writes it; a task whose predicate or key reads it reads it. So the
 * inference that orders tensor accesses (RAW, WAR, WAW) orders slot
 * accesses too, and an evaluation sees exactly the value program order
 * gives it (inside automatic scopes; raw tasks and manual scopes wire
 * their edges themselves). */
#include <stdlib.h>
#include <string.h>

#include "core/bits.h"
#include "core/device.h"
#include "core/expr.h"
#include "core/symbols.h"
#include "orchestration/run_internal.h"
#include "pto/scalars.h"
#include "util/error.h"

_Static_assert(PTO_RUN_EXPRS < UINT16_MAX, "expression indices fit a task's u16 fields");

pto_status pto_scalars_init(pto_run_scalars *sc, pto_error *err)
{
    sc->slots = pto_zalloc_lines(PTO_SLOTS * sizeof *sc->slots);
    sc->exprs = pto_zalloc_lines(PTO_RUN_EXPRS * sizeof *sc->exprs);
    if (!sc->slots || !sc->exprs)
        return pto_fail(err, PTO_ERR_NOMEM, "run slots and expression table");
    return PTO_OK;
}

void pto_scalars_destroy(pto_run_scalars *sc)
{
    free(sc->slots);
    free(sc->exprs);
}

void pto_scalars_reset(pto_run_scalars *sc)
{
    memset(sc->slots, 0, PTO_SLOTS * sizeof *sc->slots);
    sc->nexprs = 0;
    sc->last = 0;
    memset(sc->bucket, 0, sizeof sc->bucket);
    atomic_store_explicit(&sc->skipped, 0, memory_order_relaxed);
    sc->checked = 0;
    pto_scalars_clear_next(sc);
}

void pto_scalars_clear_next(pto_run_scalars *sc)
{
    sc->evals = 0;
    sc->key_routed = 0;
    sc->nreads = 0;
    sc->write = -1;
}

/* The symbols an entry reads, with the values they have for the whole run
 * (a launch refuses symbol changes, pto/symbols.h). */
static uint64_t entry_symbol(void *ctx, uint64_t id)
{
    const pto_run_expr *x = ctx;
    for (uint32_t i = 0; i < x->e.nsym; i++)
        if (x->sym_id[i] == id)
            return x->sym_bits[i];
    return 0; /* not reached: every SYM of the entry is listed */
}

static uint64_t code_hash(const pto_expr *e)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ e->n;
    for (uint32_t i = 0; i < e->n; i++) {
        const pto_expr_insn *in = &e->code[i];
        uint64_t w = (uint64_t)in->op | (uint64_t)in->type << 8 | (uint64_t)in->aux << 16 |
                     (uint64_t)in->arg << 32;
        h = (h ^ w) * UINT64_C(0x100000001b3);
        h = (h ^ in->imm) * UINT64_C(0x100000001b3);
    }
    return h;
}

static int same_code(const pto_expr *a, const pto_expr *b)
{
    return a->n == b->n && a->type == b->type &&
           !memcmp(a->code, b->code, a->n * sizeof a->code[0]);
}

/* Checks a new entry: verified bytecode, no leaf without a value at
 * dispatch, every symbol declared on the device (its value snapshotted). */
static pto_status admit(pto_run *run, const char *what, pto_run_expr *x, pto_error *err)
{
    pto_status st = pto_expr_verify(&x->e, err);
    if (st)
        return pto_fail(err, st, "%s: not a built expression (%s)", what, err ? err->msg : "");
    for (uint32_t i = 0; i < x->e.n; i++) {
        const pto_expr_insn *in = &x->e.code[i];
        if (in->op == XOP_AXIS || in->op == XOP_TAG)
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s: %s%u has no value when a task is dispatched (bind axis "
                            "variables and tags before: plans substitute them)",
                            what, in->op == XOP_AXIS ? "axis" : "tag", in->arg);
    }
    x->nslots = 0;
    for (uint32_t i = 0; i < x->e.n; i++) {
        if (x->e.code[i].op != XOP_SLOT)
            continue;
        uint32_t j = 0;
        while (j < x->nslots && x->slots[j] != x->e.code[i].arg)
            j++;
        if (j < x->nslots)
            continue;
        if (x->nslots == PTO_TASK_SLOT_READS)
            return pto_fail(err, PTO_ERR_CAPACITY,
                            "%s: the expression reads more than %d distinct slots "
                            "(PTO_TASK_SLOT_READS)",
                            what, PTO_TASK_SLOT_READS);
        x->slots[x->nslots++] = (uint16_t)x->e.code[i].arg;
    }
    const pto_symtab *tab = &run->dev->symbols;
    for (uint32_t s = 0; s < x->e.nsym; s++) {
        int32_t k = pto_symtab_find(tab, x->e.sym[s]);
        if (k < 0)
            return pto_fail(err, PTO_ERR_NOT_FOUND,
                            "%s: symbol '%s' is not declared on this device", what, x->e.sym[s]);
        if (pto_symtab_type(tab, (uint32_t)k) == PTO_SYMBOL_I32_ARRAY)
            return pto_fail(err, PTO_ERR_INVALID, "%s: symbol '%s' is an int32 array, not a scalar",
                            what, x->e.sym[s]);
        x->sym_id[s] = pto_symtab_at(tab, (uint32_t)k)->id;
        x->sym_bits[s] = pto_symtab_bits(tab, (uint32_t)k);
    }
    for (uint32_t i = 0; i < x->e.n; i++) /* an id from another resolver */
        if (x->e.code[i].op == XOP_SYM && x->e.code[i].imm != x->sym_id[x->e.code[i].arg])
            return pto_fail(err, PTO_ERR_NOT_FOUND,
                            "%s: symbol '%s' was resolved to an id this device does not give it",
                            what, x->e.sym[x->e.code[i].arg]);
    return PTO_OK;
}

/* The index of e in the run's table, added when new: equal code is one
 * entry, so a loop submitting the same predicate uses one. */
static pto_status intern(pto_run *run, const char *what, const pto_expr *e, uint16_t *out,
                         pto_error *err)
{
    pto_run_scalars *sc = &run->sc;
    if (!e)
        return pto_fail(err, PTO_ERR_INVALID, "%s: expression is NULL", what);
    if (e->n < 1 || e->n > PTO_EXPR_MAX_INSNS || e->nsym > PTO_EXPR_MAX_SYMS)
        return pto_fail(err, PTO_ERR_INVALID, "%s: not a built expression", what);
    if (sc->last && same_code(&sc->exprs[sc->last - 1].e, e)) { /* a loop's same expression */
        *out = (uint16_t)(sc->last - 1);
        return PTO_OK;
    }
    uint64_t h = code_hash(e);
    uint32_t b = (uint32_t)h & (PTO_SCALAR_BUCKETS - 1);
    for (;; b = (b + 1) & (PTO_SCALAR_BUCKETS - 1)) {
        uint16_t k = sc->bucket[b];
        if (!k)
            break;
        if (sc->exprs[k - 1].hash == h && same_code(&sc->exprs[k - 1].e, e)) {
            sc->last = k;
            *out = (uint16_t)(k - 1);
            return PTO_OK;
        }
    }
    if (sc->nexprs == PTO_RUN_EXPRS)
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "%s: the run already holds %d distinct expressions (PTO_RUN_EXPRS)", what,
                        PTO_RUN_EXPRS);
    pto_run_expr *x = &sc->exprs[sc->nexprs];
    x->e = *e;
    x->hash = h;
    pto_status st = admit(run, what, x, err);
    if (st)
        return st;
    sc->bucket[b] = (uint16_t)(++sc->nexprs);
    sc->last = sc->nexprs;
    *out = (uint16_t)(sc->nexprs - 1);
    return PTO_OK;
}

/* Adds the slots expression k reads to the next task's reads. */
static pto_status note_reads(pto_run *run, const char *what, uint16_t k, pto_error *err)
{
    pto_run_scalars *sc = &run->sc;
    const pto_run_expr *x = &sc->exprs[k];
    uint32_t n = sc->nreads;
    for (uint32_t i = 0; i < x->nslots; i++) {
        uint32_t j = 0;
        while (j < n && sc->reads[j] != x->slots[i])
            j++;
        if (j < n)
            continue;
        if (n == PTO_TASK_SLOT_READS)
            return pto_fail(err, PTO_ERR_CAPACITY,
                            "%s: one task's predicate, key and slot value read more than %d "
                            "distinct slots (PTO_TASK_SLOT_READS)",
                            what, PTO_TASK_SLOT_READS);
        sc->reads[n++] = x->slots[i];
    }
    sc->nreads = n;
    return PTO_OK;
}

/* The capability matrix on a directive this run uses, once per run. */
static pto_status require(pto_run *run, pto_cap_row row, const char *what, pto_error *err)
{
    uint32_t bit = 1u << (row - PTO_ROW_SYMBOLS);
    if (run->sc.checked & bit)
        return PTO_OK;
    pto_status st = pto_run_require(run, row, what, NULL, err);
    if (!st)
        run->sc.checked |= bit;
    return st;
}

static pto_status next_expr(pto_run *run, const char *what, const pto_expr *e, pto_expr_type want,
                            pto_cap_row row, uint16_t *k, pto_error *err)
{
    pto_status st = pto_run_check_building(run, what, err);
    if (st || (st = require(run, row, what, err)) || (st = intern(run, what, e, k, err)))
        return st;
    pto_expr_type t = pto_expr_type_of(&run->sc.exprs[*k].e);
    if (want == PTO_EXPR_BOOL ? t != PTO_EXPR_BOOL : t == PTO_EXPR_BOOL)
        return pto_fail(err, PTO_ERR_INVALID, "%s: the expression has type %s, not %s", what,
                        pto_expr_type_name(t), want == PTO_EXPR_BOOL ? "bool" : "i64 or u64");
    return note_reads(run, what, *k, err);
}

/* The next task's predicate or key expression (flag), its entry in *field. */
static pto_status set_next(pto_run *run, const char *what, const pto_expr *e, pto_expr_type want,
                           pto_cap_row row, uint8_t flag, uint16_t *field, pto_error *err)
{
    uint16_t k = 0;
    pto_status st = next_expr(run, what, e, want, row, &k, err);
    if (st)
        return st;
    run->sc.evals |= flag;
    *field = k;
    return PTO_OK;
}

pto_status pto_set_task_predicate(pto_run *run, const pto_expr *pred, pto_error *err)
{
    return set_next(run, "pto_set_task_predicate", pred, PTO_EXPR_BOOL, PTO_ROW_PREDICATE,
                    PTO_EVAL_PRED, run ? &run->sc.pred : NULL, err);
}

pto_status pto_set_task_key_expr(pto_run *run, const pto_expr *key, pto_error *err)
{
    return set_next(run, "pto_set_task_key_expr", key, PTO_EXPR_U64, PTO_ROW_SCALAR_EXPR_KEY,
                    PTO_EVAL_KEY, run ? &run->sc.keyx : NULL, err);
}

static pto_status check_slot(pto_run *run, const char *what, uint32_t slot, pto_error *err)
{
    pto_status st = pto_run_check_building(run, what, err);
    if (st || (st = require(run, PTO_ROW_SLOTS, what, err)))
        return st;
    if (slot >= PTO_SLOTS)
        return pto_fail(err, PTO_ERR_INVALID, "%s: slot %u (a run has slots 0..%d)", what, slot,
                        PTO_SLOTS - 1);
    return PTO_OK;
}

/* A slot task: a dependency-only task writing slot `slot`, with the
 * element it loads (elem != NULL) as its one tensor read. */
static pto_status slot_task(pto_run *run, const char *what, uint32_t slot, uint8_t op,
                            const uint64_t args[3], pto_param *elem, pto_task_id *out,
                            pto_error *err)
{
    pto_run_scalars *sc = &run->sc;
    sc->evals |= op;
    sc->write = (int32_t)slot;
    memcpy(sc->op, args, sizeof sc->op);
    pto_status st = pto_run_submit_dummy_task(run, what, elem, out, err);
    pto_scalars_clear_next(sc); /* consumed, also on failure */
    return st;
}

pto_status pto_slot_set(pto_run *run, uint32_t slot, const pto_expr *value, pto_task_id *out,
                        pto_error *err)
{
    static const char what[] = "pto_slot_set";
    uint16_t k = 0;
    pto_status st = check_slot(run, what, slot, err);
    if (st || (st = next_expr(run, what, value, PTO_EXPR_U64, PTO_ROW_SLOTS, &k, err)))
        return st;
    return slot_task(run, what, slot, PTO_EVAL_SLOT_SET, (uint64_t[3]){slot, 0, k + 1u}, NULL, out,
                     err);
}

pto_status pto_slot_set_u64(pto_run *run, uint32_t slot, uint64_t value, pto_task_id *out,
                            pto_error *err)
{
    static const char what[] = "pto_slot_set_u64";
    pto_status st = check_slot(run, what, slot, err);
    return st ? st
              : slot_task(run, what, slot, PTO_EVAL_SLOT_SET, (uint64_t[3]){slot, value, 0}, NULL,
                          out, err);
}

pto_status pto_slot_load(pto_run *run, uint32_t slot, const pto_tensor *t, uint64_t index,
                         pto_task_id *out, pto_error *err)
{
    static const char what[] = "pto_slot_load";
    pto_status st = check_slot(run, what, slot, err);
    if (!st && !t)
        st = pto_fail(err, PTO_ERR_INVALID, "%s: tensor is NULL", what);
    if (!st && t->elem != 1 && t->elem != 2 && t->elem != 4 && t->elem != 8)
        st = pto_fail(err, PTO_ERR_INVALID,
                      "%s: elements of %u bytes (a slot loads one of 1, 2, 4 or 8 bytes)", what,
                      t->elem);
    pto_param p = {.kind = PTO_IN}; /* the one element: the submission checks it */
    if (!st)
        st = pto_view_element(what, t, index, &p.tensor, err);
    if (st)
        return st;
    run->sc.elem_addr = pto_ptr_bits(p.tensor.base) + p.tensor.offset;
    return slot_task(run, what, slot, PTO_EVAL_SLOT_LOAD, (uint64_t[3]){slot, 0, t->elem}, &p, out,
                     err);
}

void pto_scalars_attach(pto_run *run, pto_task *t)
{
    pto_run_scalars *sc = &run->sc;
    uint8_t ev = sc->evals;
    if ((ev & PTO_EVAL_KEY) && !sc->key_routed)
        ev &= (uint8_t)~PTO_EVAL_KEY; /* the policy routes without keys */
    t->evals = ev;
    t->pred = sc->pred;
    t->keyx = sc->keyx;
    t->key_policy = sc->key_policy;
    t->key_n = sc->key_n;
    if (ev & (PTO_EVAL_SLOT_SET | PTO_EVAL_SLOT_LOAD)) {
        memcpy(t->args, sc->op, sizeof sc->op);
        if (ev & PTO_EVAL_SLOT_LOAD)
            t->args[1] = sc->elem_addr;
    }
    pto_scalars_clear_next(sc);
}

/* The unsigned little-endian integer of the elem bytes at addr. */
static uint64_t load_elem(uint64_t addr, uint64_t elem)
{
    const void *p = pto_bits_ptr(addr);
    switch (elem) {
    case 1: return *(const uint8_t *)p;
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    default: {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    }
}

static uint64_t eval(pto_run *run, uint16_t k, const pto_task *t, uint32_t nparams)
{
    pto_run_expr *x = &run->sc.exprs[k];
    pto_expr_env env = {.params = t->args,
                        .nparams = nparams,
                        .slots = run->sc.slots,
                        .symbol = entry_symbol,
                        .symbol_ctx = x};
    return pto_expr_eval(&x->e, &env);
}

void pto_scalars_eval(void *arg, pto_task *t)
{
    pto_run *run = arg;
    pto_run_scalars *sc = &run->sc;
    uint8_t ev = t->evals;
    int slot_task = (ev & (PTO_EVAL_SLOT_SET | PTO_EVAL_SLOT_LOAD)) != 0;
    uint32_t nparams = slot_task ? 0 : t->nargs; /* a slot task's args are its own */
    if ((ev & PTO_EVAL_PRED) && !eval(run, t->pred, t, nparams)) {
        t->evals = ev | PTO_EVAL_SKIPPED;
        t->core_type = PTO_QUEUE_DUMMY; /* no kernel, no core, no cycles */
        t->target = PTO_TARGET_ANY;
        atomic_fetch_add_explicit(&sc->skipped, 1, memory_order_relaxed);
        return;
    }
    if (ev & PTO_EVAL_SLOT_LOAD)
        sc->slots[t->args[0]] = load_elem(t->args[1], t->args[2]);
    if (ev & PTO_EVAL_SLOT_SET)
        sc->slots[t->args[0]] =
            t->args[2] ? eval(run, (uint16_t)(t->args[2] - 1), t, 0) : t->args[1];
    if (ev & PTO_EVAL_KEY)
        t->target =
            (uint8_t)pto_policy_route_key(t->key_policy, t->key_n, eval(run, t->keyx, t, nparams));
}

uint64_t pto_scalars_skipped(const pto_run_scalars *sc)
{
    return atomic_load_explicit(&sc->skipped, memory_order_relaxed);
}

void pto_last_run_slots(const pto_device *dev, uint64_t out[PTO_SLOTS])
{
    if (!out)
        return;
    if (!dev || !dev->run_handle || !dev->launches)
        memset(out, 0, PTO_SLOTS * sizeof *out);
    else
        memcpy(out, dev->run_handle->sc.slots, PTO_SLOTS * sizeof *out);
}
