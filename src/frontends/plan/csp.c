/* The CSP payload of a plan (docs/plan.md, "csp"; DESIGN 6.4): the checks
 * that need every process body loaded, the capability rows a CSP plan
 * requires, and the interpreter's part: channels and processes created
 * with pto/csp.h, each process body a fiber of the orchestrator walking
 * its nodes (walk.c) and calling pto_send / pto_recv / pto_channel_close
 * at its channel operations. Public API only. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontends/plan/plan.h"

/* Whether the nodes contain a channel operation. */
static int has_op(const plan_node *body, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        const plan_node *N = &body[i];
        if (N->kind >= PLAN_SEND || has_op(N->body, N->nbody) || has_op(N->else_body, N->nelse))
            return 1;
    }
    return 0;
}

/* A process body's opening operation, in program order: OPEN_RECV (*op is
 * a recv or consume reached before any other channel operation, on every
 * path: not under a loop or cond), OPEN_OTHER (a send or close comes
 * first, or the first operation is under a loop or cond: not certain),
 * OPEN_NONE (no channel operation). */
enum { OPEN_RECV, OPEN_OTHER, OPEN_NONE };
static int opening(const plan_node *body, uint32_t n, const plan_node **op)
{
    for (uint32_t i = 0; i < n; i++) {
        const plan_node *N = &body[i];
        switch (N->kind) {
        case PLAN_TASK: break;
        case PLAN_RECV:
        case PLAN_CONSUME: *op = N; return OPEN_RECV;
        case PLAN_SEND:
        case PLAN_CLOSE: return OPEN_OTHER;
        case PLAN_SEQUENTIAL:
        case PLAN_COMBINE: {
            int r = opening(N->body, N->nbody, op);
            if (r != OPEN_NONE)
                return r;
            break;
        }
        default: /* loops, cond: may run no iteration or another branch */
            if (has_op(N->body, N->nbody) || has_op(N->else_body, N->nelse))
                return OPEN_OTHER;
        }
    }
    return OPEN_NONE;
}

static const char *const op_names[] = {"send", "recv", "consume", "close"};

/* Cycles of processes each opening with a receive on a channel whose one
 * sending process (no fan-in, closed by nobody) is the next of the cycle:
 * none of them ever sends, so the run would certainly deadlock. */
static pto_status certain_deadlock(const pto_plan *P, pto_error *err)
{
    const plan_csp *C = P->csp;
    int32_t next[PTO_CSP_PROCESSES];
    const plan_node *op[PTO_CSP_PROCESSES];
    for (uint32_t p = 0; p < C->nprocs; p++) {
        next[p] = -1;
        op[p] = NULL;
        if (opening(C->procs[p].body.body, C->procs[p].body.nbody, &op[p]) != OPEN_RECV)
            continue;
        const plan_channel *H = &C->channels[op[p]->channel];
        if (__builtin_popcountll(H->sent_by) != 1 || H->senders || H->closed_by)
            continue;
        next[p] = __builtin_ctzll(H->sent_by); /* the one sending process */
    }
    for (uint32_t p = 0; p < C->nprocs; p++) {
        int32_t q = next[p];
        for (uint32_t k = 0; k < C->nprocs && q >= 0 && q != (int32_t)p; k++)
            q = next[q];
        if (q != (int32_t)p)
            continue;
        /* p is the first (lowest) process of its cycle: name the cycle */
        char cyc[PTO_ERROR_MSG_MAX] = "";
        size_t o = 0;
        uint32_t a = p;
        do {
            const plan_channel *H = &C->channels[op[a]->channel];
            int w = snprintf(cyc + o, sizeof cyc - o, "%s'%s' first receives on '%s' from '%s'",
                             o ? ", " : "", C->procs[a].name, H->name, C->procs[next[a]].name);
            if (w < 0 || (size_t)w >= sizeof cyc - o)
                break;
            o += (size_t)w;
            a = (uint32_t)next[a];
        } while (a != p);
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s/%s: a certain CSP deadlock: %s; every process of this cycle "
                        "receives before it sends (let one of them send first)",
                        op[p]->path, op_names[op[p]->kind - PLAN_SEND], cyc);
    }
    return PTO_OK;
}

/* Requires capability row `feature` for `path`. */
static void need(plan_csp *C, const char *feature, const char *path)
{
    for (uint32_t r = 0; r < pto_caps_rows(); r++)
        if (!strcmp(pto_caps_feature(r), feature)) {
            for (uint32_t i = 0; i < C->ncaps; i++)
                if (C->cap_row[i] == r)
                    return;
            if (C->ncaps < PLAN_CSP_CAPS) {
                C->cap_row[C->ncaps] = r;
                snprintf(C->cap_path[C->ncaps++], PLAN_PATH_MAX, "%s", path);
            }
            return;
        }
}

/* The first consume node, depth first; NULL when none. */
static const plan_node *first_consume(const plan_node *body, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (body[i].kind == PLAN_CONSUME)
            return &body[i];
        const plan_node *c = first_consume(body[i].body, body[i].nbody);
        if (!c)
            c = first_consume(body[i].else_body, body[i].nelse);
        if (c)
            return c;
    }
    return NULL;
}

pto_status plan_csp_check_static(pto_plan *P, pto_error *err)
{
    plan_csp *C = P->csp;
    for (uint32_t c = 0; c < C->nchannels; c++) {
        const plan_channel *H = &C->channels[c];
        if (!H->sent_by)
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s: channel '%s' has no sender (no process body sends on it)", H->path,
                            H->name);
        if (H->receiver < 0)
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s: channel '%s' has no receiver (no process body receives from "
                            "it with recv or consume)",
                            H->path, H->name);
        uint32_t n = 0;
        for (uint32_t p = 0; p < C->nprocs; p++)
            if (H->sent_by >> p & 1)
                n += C->procs[p].replicas;
        if (n > 1 && !H->senders)
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s: channel '%s' has %u sending processes: declare \"senders\": "
                            "%u (fan-in)",
                            H->path, H->name, (unsigned)n, (unsigned)n);
        if (H->senders && H->senders != n)
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s/senders: %u declared, but %u process%s send%s on channel '%s'",
                            H->path, (unsigned)H->senders, (unsigned)n, n == 1 ? "" : "es",
                            n == 1 ? "s" : "", H->name);
    }
    pto_status s = certain_deadlock(P, err);
    if (s != PTO_OK)
        return s;
    /* the CSP rows of the capability matrix this plan needs */
    need(C, "csp: process program order", "/csp/processes");
    for (uint32_t c = 0; c < C->nchannels; c++) {
        char path[PLAN_PATH_MAX];
        snprintf(path, sizeof path, "%.200s/capacity", C->channels[c].path);
        need(C,
             C->channels[c].capacity ? "csp: channel capacity >= 1"
                                     : "csp: rendezvous channel (capacity 0)",
             path);
    }
    for (uint32_t p = 0; p < C->nprocs; p++) {
        const plan_node *c = first_consume(C->procs[p].body.body, C->procs[p].body.nbody);
        if (c) {
            char path[PLAN_PATH_MAX];
            snprintf(path, sizeof path, "%.240s/consume", c->path);
            need(C, "csp: consume until closed", path);
            break;
        }
    }
    need(C, "cspt: channel latency", "/csp");
    need(C, "csp: deadlock report", "/csp");
    return PTO_OK;
}

pto_status plan_csp_check_caps(const pto_plan *P, uint32_t col, const char *platform,
                               pto_error *err)
{
    const plan_csp *C = P->csp;
    for (uint32_t i = 0; C && i < C->ncaps; i++)
        if (pto_caps_level(C->cap_row[i], col) == PTO_CAP_UNSUPPORTED) {
            const char *mode = pto_caps_column_mode(col);
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s: '%s' is UNSUPPORTED on %s%s%s: the plan is refused",
                            C->cap_path[i], pto_caps_feature(C->cap_row[i]), platform,
                            mode[0] ? " " : "", mode);
        }
    return PTO_OK;
}

/* ---- Running ---- */

/* A process's context: the run, the channels of this run, the process and
 * the walk every replica copies (plan_csp_run's stack frame owns it all,
 * alive until pto_csp_run returned). */
typedef struct csp_proc {
    pto_run *run;
    pto_channel **chans;
    const plan_process *proc;
    const plan_walk *tmpl;
} csp_proc;

/* err's message after the operation's path. */
static pto_status at_op(const plan_node *N, pto_status s, pto_error *err)
{
    return plan_error_at(err, s, N->path, op_names[N->kind - PLAN_SEND], NULL);
}

/* The walk's hook for channel operations (in a process body). */
static pto_status chan_op(plan_walk *w, const plan_node *N, uint32_t depth, pto_error *err)
{
    csp_proc *c = w->chan_ctx;
    pto_channel *ch = c->chans[N->channel];
    const char *name = w->plan->csp->channels[N->channel].name;
    uint64_t payload = 0;
    int closed = 0;
    pto_status s = PTO_OK;
    switch (N->kind) {
    case PLAN_SEND:
        if (N->payload) {
            pto_expr_env env;
            plan_walk_env(w, depth, &env);
            s = plan_expr_value(w, N->payload, &env, N->path, "send/payload", -1, &payload, err);
            if (s != PTO_OK)
                return s;
        }
        return at_op(N, pto_send(c->run, ch, payload, err), err);
    case PLAN_CLOSE: return at_op(N, pto_channel_close(c->run, ch, err), err);
    case PLAN_RECV:
        s = at_op(N, pto_recv(c->run, ch, &payload, &closed, err), err);
        if (s == PTO_OK && closed)
            return pto_fail(err, PTO_ERR_STATE,
                            "%s/recv: channel '%s' is closed and every token was received: "
                            "nothing to receive",
                            N->path, name);
        if (N->var[0]) { /* its slot, for the nodes after it */
            w->vars[N->depth] = payload;
            w->names[N->depth] = N->var;
        }
        return s;
    default: break;
    }
    /* consume: the body once per token, in a scope renewed like a loop's */
    s = w->scope ? w->scope(w, N, 1, err) : PTO_OK;
    uint64_t since = w->tasks;
    while (s == PTO_OK) {
        s = at_op(N, pto_recv(c->run, ch, &payload, &closed, err), err);
        if (s != PTO_OK || closed)
            break;
        s = plan_walk_renew(w, N, &since, err);
        w->vars[N->depth] = payload;
        w->names[N->depth] = N->var;
        if (s == PTO_OK)
            s = plan_walk_list(w, N->body, N->nbody, N->depth + 1, err);
    }
    if (s == PTO_OK && w->scope)
        s = w->scope(w, N, 0, err);
    return s;
}

/* A process body (pto_process_fn): replica `index` walks its nodes with a
 * walk of its own (variables, time-order frames), on its own fiber. */
static pto_status process_body(pto_run *run, void *vctx, uint32_t index, pto_error *err)
{
    (void)run;
    const csp_proc *c = vctx;
    plan_walk w = *c->tmpl;
    w.nframes = 0;
    w.tasks = 0;
    w.chan = chan_op;
    w.chan_ctx = (void *)c;
    uint32_t depth = 0;
    if (c->proc->var[0]) {
        w.vars[0] = index;
        w.names[0] = c->proc->var;
        depth = 1;
    }
    return plan_walk_list(&w, c->proc->body.body, c->proc->body.nbody, depth, err);
}

pto_status plan_csp_run(pto_run *run, const plan_walk *tmpl, pto_error *err)
{
    const plan_csp *C = tmpl->plan->csp;
    pto_channel *chans[PTO_CSP_CHANNELS];
    csp_proc procs[PTO_CSP_PROCESSES];
    pto_status s = PTO_OK;
    for (uint32_t i = 0; i < C->nchannels && s == PTO_OK; i++) {
        const plan_channel *H = &C->channels[i];
        s = pto_channel_create(run, H->name, H->capacity, &chans[i], err);
        if (s == PTO_OK && H->senders)
            s = pto_channel_fan_in(run, chans[i], H->senders, err);
        s = plan_error_at(err, s, H->path, NULL, NULL);
    }
    for (uint32_t i = 0; i < C->nprocs && s == PTO_OK; i++) {
        procs[i] = (csp_proc){run, chans, &C->procs[i], tmpl};
        s = pto_process_create(run, C->procs[i].name, process_body, &procs[i], C->procs[i].replicas,
                               err);
    }
    return s == PTO_OK ? pto_csp_run(run, err) : s;
}

void plan_csp_free(pto_plan *P, void (*free_node)(plan_node *))
{
    plan_csp *C = P->csp;
    if (!C)
        return;
    for (uint32_t p = 0; C->procs && p < C->nprocs; p++)
        free_node(&C->procs[p].body);
    free(C->procs);
    free(C->channels);
    free(C);
    P->csp = NULL;
}
