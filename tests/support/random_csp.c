#include "support/random_csp.h"
#include "support/rand.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "support/cspt_model.h"

/* args: cycles, mul, add, nin, out, in_0 .. in_{nin-1} (u32 cells).
 * out = mix(fold of the inputs in order, with mul and add). */
void rc_kernel(const uint64_t *a)
{
    uint32_t mul = (uint32_t)a[1], acc = (uint32_t)a[2];
    for (uint64_t r = 0; r < a[3]; r++)
        acc = acc * mul + *(const uint32_t *)pto_bits_ptr(a[5 + r]);
    *(uint32_t *)pto_bits_ptr(a[4]) = acc ^ (acc >> 13);
    pto_add_cycles(a[0]);
}

/* The kernel's function on host values (for the serial run). */
static uint32_t op(uint32_t mul, uint32_t add, const uint32_t *in, uint32_t nin)
{
    uint32_t acc = add;
    for (uint32_t r = 0; r < nin; r++)
        acc = acc * mul + in[r];
    return acc ^ (acc >> 13);
}

static void add_chan(rc_program *p, uint64_t *x, uint32_t from, uint32_t to)
{
    uint32_t c = p->nchans++;
    p->c[c].from = from;
    p->c[c].to = to;
    p->c[c].capacity = below(x, 5);
    p->c[c].payload = (int)below(x, 2);
    rc_proc *f = &p->p[from], *t = &p->p[to];
    f->out[f->nout++] = c;
    t->in[t->nin++] = c;
}

static void swap_u32(uint32_t *a, uint32_t *b)
{
    uint32_t t = *a;
    *a = *b, *b = t;
}

void rc_make(rc_program *p, uint64_t seed, uint32_t dispatch_cycles, int joins)
{
    uint64_t x = seed;
    memset(p, 0, sizeof *p);
    p->nprocs = 2 + below(&x, RC_MAX_PROCS - 1);
    p->nitems = 1 + below(&x, RC_MAX_ITEMS);
    p->dag = p->nprocs >= 3 && below(&x, 2);
    for (uint32_t s = 1; s < p->nprocs; s++) {
        if (!p->dag) {
            add_chan(p, &x, s - 1, s);
            continue;
        }
        uint32_t a = below(&x, s);
        add_chan(p, &x, a, s);
        if (joins && s >= 2 && below(&x, 3) == 0) { /* a join of two distinct stages */
            uint32_t b = below(&x, s - 1);
            add_chan(p, &x, b >= a ? b + 1 : b, s);
        }
    }
    for (uint32_t s = 0; s < p->nprocs; s++) {
        rc_proc *q = &p->p[s];
        if (q->nout >= 2 && below(&x, 2)) /* send order is not creation order */
            swap_u32(&q->out[0], &q->out[q->nout - 1]);
        q->ntasks = 1 + below(&x, RC_MAX_TASKS);
        q->mul = (uint32_t)next_rand(&x) | 1u;
        q->add = (uint32_t)next_rand(&x);
        q->mul2 = (uint32_t)next_rand(&x) | 1u;
        q->add2 = (uint32_t)next_rand(&x);
        for (uint32_t i = 0; i < p->nitems; i++)
            for (uint32_t j = 0; j < q->ntasks; j++)
                q->cycles[i][j] = 1 + below(&x, 200);
    }
    p->latency = below(&x, 3) ? 1 + below(&x, 20) : 0; /* 0 a third of the time */
    p->routed = (int)below(&x, 2);
    p->dispatch_cycles = dispatch_cycles;
    for (uint32_t i = 0; i < p->nitems; i++)
        p->init[i] = (uint32_t)next_rand(&x);
}

void rc_add_feedback(rc_program *p, uint64_t seed)
{
    uint64_t x = seed ^ UINT64_C(0x9e3779b97f4a7c15);
    uint32_t to = below(&x, p->nprocs - 1), from = to + 1 + below(&x, p->nprocs - 1 - to);
    uint32_t c = p->nchans;
    add_chan(p, &x, from, to);
    p->c[c].capacity = 1 + below(&x, 4);
    p->c[c].lag = 1 + below(&x, p->c[c].capacity);
}

/* The data inputs of stage q: its forward channels (the first nin - 1 when
 * the last is a feedback channel). */
static uint32_t data_inputs(const rc_program *p, const rc_proc *q)
{
    return q->nin && p->c[q->in[q->nin - 1]].lag ? q->nin - 1 : q->nin;
}

void rc_serial(const rc_program *p, rc_values *out)
{
    memset(out, 0, sizeof *out);
    for (uint32_t i = 0; i < p->nitems; i++)
        for (uint32_t s = 0; s < p->nprocs; s++) { /* stages in topological order */
            const rc_proc *q = &p->p[s];
            uint32_t in[RC_MAX_IN], nin = data_inputs(p, q);
            if (s == 0)
                in[0] = p->init[i], nin = 1;
            for (uint32_t r = 0; r < nin && s; r++)
                in[r] = out->cell[i][p->c[q->in[r]].from];
            uint32_t v = op(q->mul, q->add, in, nin);
            if (q->ntasks == 2)
                v = op(q->mul2, q->add2, &v, 1);
            out->cell[i][s] = v;
        }
}

void rc_describe(const rc_program *p, char *out, size_t n)
{
    size_t len = (size_t)snprintf(out, n,
                                  "%u processes (%s), %u items, latency %" PRIu64
                                  ", dispatch_cycles %u, %s; tasks/item:",
                                  p->nprocs, p->dag ? "DAG" : "pipeline", p->nitems, p->latency,
                                  p->dispatch_cycles, p->routed ? "affinity" : "default policy");
    for (uint32_t s = 0; s < p->nprocs && len < n; s++)
        len += (size_t)snprintf(out + len, n - len, " %u", p->p[s].ntasks);
    for (uint32_t c = 0; c < p->nchans && len < n; c++)
        len += (size_t)snprintf(out + len, n - len, "%s %u->%u C%u%s%s", c ? ";" : "; channels",
                                p->c[c].from, p->c[c].to, p->c[c].capacity,
                                p->c[c].payload ? " payload" : "", p->c[c].lag ? " feedback" : "");
}

/* ---- the run ---- */

/* What the process bodies share. Invariants: cells, init and scratch are
 * the device buffers ([item][stage], [item], [stage] u32 cells); ids[s][i][j]
 * is the task id of stage s's task j of item i once submitted; bad != 0
 * once a body saw something wrong (its reason in why). */
typedef struct rc_ctx {
    const rc_program *p;
    uint32_t *cells, *init, *scratch;
    pto_channel *ch[RC_MAX_CHANS];
    pto_task_id ids[RC_MAX_PROCS][RC_MAX_ITEMS][RC_MAX_TASKS];
    int bad;
    char why[256];
} rc_ctx;

static pto_tensor one_cell(uint32_t *buf, uint32_t len, uint32_t index)
{
    pto_tensor t = pto_tensor_1d(buf, len, 4);
    t.offset = (uint64_t)index * 4;
    t.shape[0] = 1;
    return t;
}

static pto_tensor cell_of(rc_ctx *c, uint32_t item, uint32_t stage)
{
    return one_cell(c->cells, RC_MAX_ITEMS * RC_MAX_PROCS, item * RC_MAX_PROCS + stage);
}

static pto_status stage_tasks(pto_run *run, rc_ctx *c, uint32_t s, uint32_t item, pto_error *err)
{
    const rc_proc *q = &c->p->p[s];
    for (uint32_t j = 0; j < q->ntasks; j++) {
        pto_param prm[7];
        uint32_t n = 0;
        prm[n++] = pto_scalar(q->cycles[item][j]);
        prm[n++] = pto_scalar(j ? q->mul2 : q->mul);
        prm[n++] = pto_scalar(j ? q->add2 : q->add);
        uint32_t nin = data_inputs(c->p, q);
        prm[n++] = pto_scalar(j || s == 0 ? 1 : nin);
        prm[n++] = pto_out_existing(j + 1 < q->ntasks ? one_cell(c->scratch, RC_MAX_PROCS, s)
                                                      : cell_of(c, item, s));
        if (j)
            prm[n++] = pto_in(one_cell(c->scratch, RC_MAX_PROCS, s));
        else if (s == 0)
            prm[n++] = pto_in(one_cell(c->init, RC_MAX_ITEMS, item));
        else
            for (uint32_t r = 0; r < nin; r++)
                prm[n++] = pto_in(cell_of(c, item, c->p->c[q->in[r]].from));
        pto_status st;
        if (c->p->routed && (st = pto_set_task_key(run, s, err)))
            return st;
        if ((st = pto_submit(run, RC_KERNEL, PTO_CORE_AIV, prm, n, &c->ids[s][item][j], err)))
            return st;
    }
    return PTO_OK;
}

static void body_bad(rc_ctx *c, const char *what, uint32_t s, uint32_t n, uint64_t v)
{
    if (!c->bad)
        snprintf(c->why, sizeof c->why, "stage %u, item %u: %s (%" PRIu64 ")", s, n, what, v);
    c->bad = 1;
}

/* Stage s: per item, receive on the inputs, run the tasks, send on the
 * outputs; the source stops after nitems, the others when their first
 * input is closed (then every forward input must be). A feedback input
 * (last) is received from item lag on, token n - lag. */
static pto_status stage_body(pto_run *run, void *ctx, uint32_t s, pto_error *err)
{
    rc_ctx *c = ctx;
    const rc_program *p = c->p;
    const rc_proc *q = &p->p[s];
    uint32_t nin = data_inputs(p, q);
    for (uint32_t n = 0;; n++) {
        uint32_t item = n;
        int first_closed = 0, from_payload = 0;
        for (uint32_t r = 0; r < nin; r++) {
            uint64_t v = 0;
            int closed = 0;
            pto_status st = pto_recv(run, c->ch[q->in[r]], &v, &closed, err);
            if (st)
                return st;
            if (r == 0)
                first_closed = closed;
            else if (closed != first_closed)
                body_bad(c, "inputs closed apart", s, n, (uint64_t)closed);
            if (closed || !p->c[q->in[r]].payload)
                continue;
            if (v != n)
                body_bad(c, "payload is not the item", s, n, v);
            if (v >= p->nitems)
                return pto_fail(err, PTO_ERR_INVALID, "stage %u: payload %" PRIu64, s, v);
            if (!from_payload) /* the first payload chooses the buffer */
                item = (uint32_t)v, from_payload = 1;
        }
        if (nin ? first_closed : n == p->nitems) {
            if (n != p->nitems)
                body_bad(c, "closed after fewer items", s, n, n);
            return PTO_OK;
        }
        if (nin < q->nin && n >= p->c[q->in[nin]].lag) { /* the feedback token n - lag */
            const rc_chan *fb = &p->c[q->in[nin]];
            uint64_t v = 0;
            int closed = 0;
            pto_status st = pto_recv(run, c->ch[q->in[nin]], &v, &closed, err);
            if (st)
                return st;
            if (closed)
                body_bad(c, "feedback closed early", s, n, n);
            else if (fb->payload && v != n - fb->lag)
                body_bad(c, "feedback payload is not the item", s, n, v);
        }
        pto_status st = stage_tasks(run, c, s, item, err);
        for (uint32_t o = 0; o < q->nout && !st; o++)
            st = pto_send(run, c->ch[q->out[o]],
                          p->c[q->out[o]].payload ? item : UINT64_C(0xdead0000) + n, err);
        if (st)
            return st;
    }
}

static pto_status rc_orch(pto_run *run, void *ctx, pto_error *err)
{
    rc_ctx *c = ctx;
    pto_status st;
    for (uint32_t k = 0; k < c->p->nchans; k++) {
        char name[16];
        snprintf(name, sizeof name, "c%u_%u_%u", k, c->p->c[k].from, c->p->c[k].to);
        if ((st = pto_channel_create(run, name, c->p->c[k].capacity, &c->ch[k], err)))
            return st;
    }
    if ((st = pto_process_create(run, "stage", stage_body, c, c->p->nprocs, err)))
        return st;
    return pto_csp_run(run, err);
}

#define WHY(...) (snprintf(why, why_len, __VA_ARGS__), 1)

static const pto_task_record *record_of(const pto_task_record *r, size_t n, pto_task_id id)
{
    if (id < n && r[id].task_id == id)
        return &r[id];
    for (size_t k = 0; k < n; k++)
        if (r[k].task_id == id)
            return &r[k];
    return NULL;
}

/* Every task's start and end and the makespan against the model; the
 * token log against the program. */
static int check_cycles(pto_device *dev, const rc_program *p, const rc_ctx *c, const pto_stats *st,
                        char *why, size_t why_len)
{
    static _Thread_local cspt_times t;
    if (cspt_model(p, &t, why, why_len))
        return 1;
    const pto_task_record *r;
    size_t nr;
    pto_last_run_records(dev, &r, &nr);
    for (uint32_t i = 0; i < p->nitems; i++)
        for (uint32_t s = 0; s < p->nprocs; s++)
            for (uint32_t j = 0; j < p->p[s].ntasks; j++) {
                const pto_task_record *x = record_of(r, nr, c->ids[s][i][j]);
                if (!x)
                    return WHY("no record of stage %u item %u task %u", s, i, j);
                if (x->start_cycle != t.start[s][i][j] || x->end_cycle != t.end[s][i][j])
                    return WHY("stage %u item %u task %u: [%" PRIu64 ", %" PRIu64
                               "), CSPT model [%" PRIu64 ", %" PRIu64 ")",
                               s, i, j, x->start_cycle, x->end_cycle, t.start[s][i][j],
                               t.end[s][i][j]);
            }
    /* each token's receiving task is the receiver's next task, and a
     * stage's first send carries its last task of the item */
    const pto_token_record *tok;
    size_t ntok, want = 0;
    pto_last_run_tokens(dev, &tok, &ntok);
    for (uint32_t k = 0; k < p->nchans; k++)
        want += p->c[k].lag < p->nitems ? p->nitems - p->c[k].lag : 0;
    if (ntok != want)
        return WHY("%zu tokens logged, %zu sent", ntok, want);
    for (size_t k = 0; k < ntok; k++) {
        uint32_t i = tok[k].token;
        if (tok[k].channel >= p->nchans || i >= p->nitems)
            return WHY("token %u on channel %u", i, tok[k].channel);
        const rc_chan *ch = &p->c[tok[k].channel];
        const rc_proc *from = &p->p[ch->from];
        if (i + ch->lag >= p->nitems || tok[k].recv_task != c->ids[ch->to][i + ch->lag][0])
            return WHY("token %u of channel %u received by task %" PRIu64 ", not %" PRIu64, i,
                       tok[k].channel, tok[k].recv_task,
                       i + ch->lag < p->nitems ? c->ids[ch->to][i + ch->lag][0] : UINT64_MAX);
        if (from->out[0] == tok[k].channel &&
            tok[k].send_task != c->ids[ch->from][i][from->ntasks - 1])
            return WHY("token %u of channel %u sent by task %" PRIu64 ", not %" PRIu64, i,
                       tok[k].channel, tok[k].send_task, c->ids[ch->from][i][from->ntasks - 1]);
    }
    if (st->total_cycles != t.makespan)
        return WHY("total_cycles %" PRIu64 ", CSPT model %" PRIu64, st->total_cycles, t.makespan);
    return 0;
}

int rc_run_case(pto_device *dev, const rc_program *p, pto_run_mode mode, int deterministic,
                uint32_t watchdog_ms, char *why, size_t why_len)
{
    static _Thread_local rc_ctx c;
    static _Thread_local rc_values want;
    memset(&c, 0, sizeof c);
    c.p = p;
    rc_serial(p, &want);
    pto_error err = {0};
    int bad = 0;
    const size_t cells_bytes = RC_MAX_ITEMS * RC_MAX_PROCS * 4;
    void *m[3] = {NULL, NULL, NULL};
    size_t bytes[3] = {cells_bytes, RC_MAX_ITEMS * 4, RC_MAX_PROCS * 4};
    for (int b = 0; b < 3 && !bad; b++)
        if (pto_malloc(dev, bytes[b], &m[b], &err))
            bad = WHY("malloc: %s", err.msg);
    static const uint32_t junk[RC_MAX_ITEMS * RC_MAX_PROCS];
    if (!bad && (pto_copy_to_device(dev, m[0], junk, cells_bytes, &err) ||
                 pto_copy_to_device(dev, m[1], p->init, RC_MAX_ITEMS * 4, &err)))
        bad = WHY("copy in: %s", err.msg);
    c.cells = m[0], c.init = m[1], c.scratch = m[2];
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = mode;
    rc.deterministic = deterministic;
    char policy[32];
    snprintf(policy, sizeof policy, "affinity:%u", p->nprocs);
    rc.dispatch = p->routed ? policy : NULL;
    if (watchdog_ms)
        rc.watchdog_ms = watchdog_ms;
    if (!bad && (pto_symbol_declare(dev, PTO_CSP_LATENCY_SYMBOL, PTO_SYMBOL_U64, 0, &err) ||
                 pto_symbol_set_u64(dev, PTO_CSP_LATENCY_SYMBOL, p->latency, &err)))
        bad = WHY("latency symbol: %s", err.msg);
    pto_stats st;
    if (!bad && pto_launch(dev, &rc, rc_orch, &c, &st, &err))
        bad = WHY("launch: %s", err.msg);
    if (!bad && c.bad)
        bad = WHY("%s", c.why);
    static _Thread_local uint32_t got[RC_MAX_ITEMS * RC_MAX_PROCS];
    if (!bad && pto_copy_from_device(dev, got, m[0], cells_bytes, &err))
        bad = WHY("copy out: %s", err.msg);
    for (uint32_t i = 0; i < p->nitems && !bad; i++)
        for (uint32_t s = 0; s < p->nprocs && !bad; s++)
            if (got[i * RC_MAX_PROCS + s] != want.cell[i][s])
                bad = WHY("item %u stage %u = %u, serial %u", i, s, got[i * RC_MAX_PROCS + s],
                          want.cell[i][s]);
    if (!bad && deterministic)
        bad = check_cycles(dev, p, &c, &st, why, why_len);
    for (int b = 0; b < 3; b++)
        if (m[b])
            pto_free(dev, m[b], &err);
    return bad;
}
