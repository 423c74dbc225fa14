/* CSP processes and channels (pto/csp.h); the mechanism is described in
 * csp.h, the semantics in docs/csp.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/device.h"
#include "core/symbols.h"
#include "orchestration/csp.h"
#include "orchestration/run_internal.h"
#include "util/error.h"


void pto_csp_reset(pto_csp *c)
{
    if (c->task_proc && c->tagged_end) /* the last run's tags */
        memset(c->task_proc, 0, c->tagged_end);
    c->tagged_end = 0;
    c->ntokens = c->tokens_dropped = 0;
    c->nprocs = c->first = c->nchans = c->pool_used = 0;
    c->latency = 0;
    c->cur = NULL;
    c->raw = 0;
}

void pto_csp_free(pto_csp *c)
{
    for (uint32_t i = 0; c->procs && i < PTO_CSP_PROCESSES; i++)
        pto_fiber_destroy(&c->procs[i].fiber);
    free(c->procs);
    free(c->chans);
    free(c->pool);
    free(c->task_proc);
    free(c->tokens);
    memset(c, 0, sizeof *c);
}

/* The tables, at a device's first CSP use (kept for its later runs). */
static pto_status ensure(pto_run *run, const char *what, pto_error *err)
{
    pto_csp *c = &run->csp;
    pto_status st = pto_run_check_building(run, what, err);
    if (st || c->procs)
        return st;
    c->procs = calloc(PTO_CSP_PROCESSES, sizeof *c->procs);
    c->chans = calloc(PTO_CSP_CHANNELS, sizeof *c->chans);
    c->pool = calloc(PTO_CSP_POOL, sizeof *c->pool);
    c->task_cap = run->dev->cfg.trace_capacity;
    c->task_proc = calloc(c->task_cap ? c->task_cap : 1, 1);
    c->tokens = malloc(PTO_CSP_TOKEN_LOG * sizeof *c->tokens);
    if (!c->procs || !c->chans || !c->pool || !c->task_proc || !c->tokens) {
        pto_csp_free(c);
        return pto_fail(err, PTO_ERR_NOMEM, "%s: CSP tables", what);
    }
    pto_fiber_host_init(&c->host);
    return PTO_OK;
}

_Static_assert(PTO_CSP_PROCESSES <= 100, "replica indices have at most two digits");

static pto_status check_name(const char *what, const char *name, pto_error *err)
{
    if (!name || !*name || strlen(name) >= PTO_CSP_NAME_MAX - 4)
        return pto_fail(err, PTO_ERR_INVALID, "%s: a name of 1 .. %d bytes is required", what,
                        PTO_CSP_NAME_MAX - 5);
    return PTO_OK;
}

pto_status pto_channel_create(pto_run *run, const char *name, uint32_t capacity,
                              pto_channel **out, pto_error *err)
{
    static const char what[] = "pto_channel_create";
    pto_status st = ensure(run, what, err);
    if (st || (st = check_name(what, name, err)))
        return st;
    pto_csp *c = &run->csp;
    if (!out)
        return pto_fail(err, PTO_ERR_INVALID, "%s('%s'): out is NULL", what, name);
    if ((st = pto_run_require(run, capacity ? PTO_ROW_CSP_CHANNEL : PTO_ROW_CSP_RENDEZVOUS,
                              capacity ? "a CSP channel" : "a CSP rendezvous channel", NULL, err)))
        return st;
    if (capacity > PTO_CSP_CAPACITY)
        return pto_fail(err, PTO_ERR_INVALID, "%s('%s'): capacity %u (at most %d)", what, name,
                        capacity, PTO_CSP_CAPACITY);
    if (c->nchans == PTO_CSP_CHANNELS)
        return pto_fail(err, PTO_ERR_CAPACITY, "%s('%s'): a run has at most %d channels", what,
                        name, PTO_CSP_CHANNELS);
    if (c->pool_used + capacity + 1 > PTO_CSP_POOL)
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "%s('%s'): the run's channels hold at most %d tokens in all "
                        "(capacity + 1 each)",
                        what, name, PTO_CSP_POOL);
    if (!c->nchans) { /* the latency, read once per run: no rebuild to change it */
        int32_t i = pto_symtab_find(&run->dev->symbols, PTO_CSP_LATENCY_SYMBOL);
        c->latency = i < 0 ? 0 : pto_symtab_bits(&run->dev->symbols, (uint32_t)i);
        if (c->latency > UINT32_MAX)
            return pto_fail(err, PTO_ERR_INVALID, "%s: %s = %llu cycles (at most %u)", what,
                            PTO_CSP_LATENCY_SYMBOL, (unsigned long long)c->latency, UINT32_MAX);
    }
    pto_channel *ch = &c->chans[c->nchans++];
    memset(ch, 0, sizeof *ch);
    snprintf(ch->name, sizeof ch->name, "%s", name);
    ch->capacity = capacity;
    ch->ring = capacity + 1;
    ch->tok = &c->pool[c->pool_used];
    c->pool_used += ch->ring;
    for (uint32_t i = 0; i < ch->ring; i++)
        ch->tok[i].rk = PTO_CSP_NONE;
    *out = ch;
    return PTO_OK;
}

pto_status pto_process_create(pto_run *run, const char *name, pto_process_fn body, void *ctx,
                              uint32_t replicas, pto_error *err)
{
    static const char what[] = "pto_process_create";
    pto_status st = ensure(run, what, err);
    if (st || (st = check_name(what, name, err)))
        return st;
    pto_csp *c = &run->csp;
    if (!body || !replicas)
        return pto_fail(err, PTO_ERR_INVALID, "%s('%s'): a body and at least one replica", what,
                        name);
    if (c->cur)
        return pto_fail(err, PTO_ERR_STATE, "%s('%s'): not from a process body", what, name);
    if ((st = pto_run_require(run, PTO_ROW_CSP_PROCESS_ORDER, "CSP processes", NULL, err)))
        return st;
    if (replicas > PTO_CSP_PROCESSES - c->nprocs)
        return pto_fail(err, PTO_ERR_CAPACITY, "%s('%s'): %u more processes (a run has at most %d)",
                        what, name, replicas, PTO_CSP_PROCESSES);
    for (uint32_t i = 0; i < replicas; i++) {
        pto_csp_proc *p = &c->procs[c->nprocs];
        if (!p->fiber.map && pto_fiber_init(&p->fiber, &c->host, PTO_CSP_STACK))
            return pto_fail(err, PTO_ERR_NOMEM, "%s('%s'): a fiber stack", what, name);
        pto_fiber f = p->fiber;
        memset(p, 0, sizeof *p);
        p->fiber = f;
        size_t len = strlen(name); /* < PTO_CSP_NAME_MAX - 4 (check_name) */
        memcpy(p->name, name, len);
        if (replicas > 1) { /* "name[i]", i < PTO_CSP_PROCESSES */
            char *q = p->name + len;
            *q++ = '[';
            if (i >= 10)
                *q++ = (char)('0' + i / 10);
            *q++ = (char)('0' + i % 10);
            *q++ = ']';
            *q = 0;
        }
        p->body = body;
        p->ctx = ctx;
        p->index = i;
        p->last = PTO_CSP_NONE;
        c->nprocs++;
    }
    return PTO_OK;
}

uint32_t pto_csp_edges(const pto_csp *c, uint64_t *ids, uint32_t cap, uint32_t *starts)
{
    const pto_csp_proc *p = c->cur;
    uint32_t n = 0;
    *starts = 0;
    if (!p || c->raw)
        return 0;
    if (p->last != PTO_CSP_NONE && n < cap)
        ids[n++] = p->last;
    for (uint32_t i = 0; i < p->nafter && n < cap; i++)
        ids[n++] = p->after[i];
    *starts = p->nstart;
    return n;
}

void pto_csp_added(pto_run *run, uint64_t id, pto_task *t)
{
    pto_csp_proc *p = run->csp.cur;
    if (run->csp.raw)
        return;
    pto_csp *c = &run->csp;
    pto_task_buffer *tb = &run->dev->tb;
    if (t) { /* its sends' completions: the receives they wait for start */
        uint64_t frontier = atomic_load(&tb->last_alive);
        for (uint32_t i = 0; i < p->nstart; i++)
            if (p->start[i] >= frontier) /* (room was reserved by submit) */
                pto_tb_add_start_dep(tb, p->start[i], id, NULL);
    }
    p->nstart = 0;
    p->last = id;
    p->nafter = 0;
    if (id < c->task_cap) { /* its lane in the traces */
        c->task_proc[id] = (uint8_t)(p - c->procs + 1);
        if (id >= c->tagged_end)
            c->tagged_end = id + 1;
    }
    if (p->npend && t)
        pto_tb_watch_start(t); /* a later send may wait for its start */
    for (uint32_t i = 0; i < p->npend; i++) {
        pto_csp_tok *k = &p->pend[i]->tok[p->pend_k[i] % p->pend[i]->ring];
        k->rtask = id;
        k->rk = p->pend_k[i];
        if (c->ntokens < PTO_CSP_TOKEN_LOG)
            c->tokens[c->ntokens++] = (pto_token_record){k->sender, id,
                                                         (uint32_t)(p->pend[i] - c->chans),
                                                         (uint32_t)p->pend_k[i]};
        else
            c->tokens_dropped++;
    }
    p->npend = 0;
}

/* ---- inside a process body ---- */

/* ch is a channel of this run (what: the caller, for the message). */
static pto_status own_channel(const pto_run *run, const char *what, const pto_channel *ch,
                              pto_error *err)
{
    const pto_csp *c = &run->csp;
    if (!ch || !c->chans || ch < c->chans || ch >= c->chans + c->nchans)
        return pto_fail(err, PTO_ERR_INVALID, "%s: not a channel of this run", what);
    return PTO_OK;
}

static pto_status in_body(pto_run *run, const char *what, pto_channel *ch, pto_error *err)
{
    pto_status st = pto_run_check_building(run, what, err);
    if (st)
        return st;
    if (!run->csp.cur)
        return pto_fail(err, PTO_ERR_STATE, "%s: only inside a process body (pto_csp_run)", what);
    return own_channel(run, what, ch, err);
}

/* A dependency-only task of the channel mechanism, outside the process's
 * program order (raw) or as its next task. */
static pto_status csp_dummy(pto_run *run, const char *what, int raw, uint32_t delay,
                            uint64_t *id, pto_error *err)
{
    run->csp.raw = raw;
    pto_task_id tid = 0;
    pto_status st = pto_run_submit_dummy_task(run, what, NULL, &tid, err);
    run->csp.raw = 0;
    if (!st && tid < run->dev->tb.next_id) /* (not after a deadlock: counted only) */
        pto_tb_task(&run->dev->tb, tid)->delay = delay;
    *id = tid;
    return st;
}

static pto_status edge(pto_run *run, uint64_t producer, uint64_t consumer, int start,
                       pto_error *err)
{
    if (producer == PTO_CSP_NONE || run->failed)
        return PTO_OK;
    if (!start)
        return pto_add_dep(run, producer, consumer, err);
    pto_status st = PTO_OK;
    if (!pto_tb_dep_free(&run->dev->tb)) { /* wait for a node, the consumer held back */
        pto_run_publish_upto(run, consumer);
        st = pto_flow_acquire(run, PTO_STALL_DEPLIST_POOL_FULL, 1, 0, 0, err);
    }
    return st ? st : pto_tb_add_start_dep(&run->dev->tb, producer, consumer, err);
}

/* Retirement may not pass the first task of a scope that a waiting
 * process keeps open. */
static void update_hold(pto_run *run)
{
    pto_csp *c = &run->csp;
    uint64_t hold = UINT64_MAX;
    for (uint32_t i = c->first; i < c->nprocs; i++)
        if (c->procs[i].nscopes && c->procs[i].scope_begin[0] < hold)
            hold = c->procs[i].scope_begin[0];
    run->dev->tb.retire_hold = hold;
}

/* Waits (yields) until the process may go on. Its open scopes leave the
 * run's stack meanwhile (other processes open theirs there) and keep
 * their tasks held; they are back when it resumes. */
static pto_status wait_for(pto_run *run, const char *what, enum pto_csp_state why,
                           pto_channel *ch, uint64_t token, pto_error *err)
{
    pto_csp *c = &run->csp;
    pto_csp_proc *p = c->cur;
    uint32_t n = run->depth - c->base_depth;
    if (n > PTO_CSP_SCOPES)
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "%s: process '%s' would wait on channel '%s' with %u scopes open (at "
                        "most %d)",
                        what, p->name, ch->name, n, PTO_CSP_SCOPES);
    pto_stall_reason r = why == CSP_WAIT_RECV ? PTO_STALL_CHANNEL_EMPTY_WAIT
                                              : PTO_STALL_CHANNEL_FULL_WAIT;
    run->flow_stats->flow[r].stalls++;
    pto_run_publish(run); /* its wired tasks may run while it waits */
    p->nscopes = n;
    for (uint32_t i = 0; i < n; i++) {
        p->scopes[i] = run->scopes[c->base_depth + 1 + i];
        p->scope_begin[i] = run->scope_begin[c->base_depth + 1 + i];
    }
    run->depth = c->base_depth;
    run->scopes_open = c->base_depth + 1;
    if (n)
        update_hold(run);
    p->state = why;
    p->wait = ch;
    p->wait_token = token;
    pto_fiber_yield(&p->fiber);
    p->state = CSP_READY;
    for (uint32_t i = 0; i < n; i++) {
        run->scopes[c->base_depth + 1 + i] = p->scopes[i];
        run->scope_begin[c->base_depth + 1 + i] = p->scope_begin[i];
    }
    run->depth = c->base_depth + n;
    run->scopes_open = run->depth + 1;
    p->nscopes = 0;
    if (n)
        update_hold(run);
    return PTO_OK;
}

/* A process that received tokens and now sends, waits or ends without a
 * task in between: a dummy is its receiving task. Before a send, a dummy
 * also stands for the previous send's completion (the process's next
 * "task"), so the second send completes after the first. */
static pto_status settle(pto_run *run, const char *what, int sending, pto_error *err)
{
    pto_csp_proc *p = run->csp.cur;
    uint64_t id;
    return p->npend || (sending && p->nstart) ? csp_dummy(run, what, 0, 0, &id, err) : PTO_OK;
}

static int received_by_task(const pto_channel *ch, uint64_t k)
{
    return ch->tok[k % ch->ring].rk == k;
}

pto_status pto_send(pto_run *run, pto_channel *ch, uint64_t payload, pto_error *err)
{
    static const char what[] = "pto_send";
    pto_status st = in_body(run, what, ch, err);
    if (st || (st = settle(run, what, 1, err)))
        return st;
    pto_csp *c = &run->csp;
    pto_csp_proc *p = c->cur;
    if (ch->closed)
        return pto_fail(err, PTO_ERR_STATE, "%s: process '%s' sends on closed channel '%s'", what,
                        p->name, ch->name);
    if (p->nstart == PTO_CSP_AFTER)
        return pto_fail(err, PTO_ERR_CAPACITY, "%s: process '%s' sent %d times without a task",
                        what, p->name, PTO_CSP_AFTER);
    uint64_t k = ch->sent, back = k - ch->capacity, need = PTO_CSP_NONE;
    pto_csp_tok *tok = &ch->tok[k % ch->ring];
    if (!(p->sent_on >> (ch - c->chans) & 1)) {
        p->sent_on |= UINT64_C(1) << (ch - c->chans);
        ch->senders++;
    }
    if (ch->capacity && k >= ch->capacity) { /* R_{k-C} must exist: it bounds the send */
        while (!received_by_task(ch, back))
            if ((st = wait_for(run, what, CSP_WAIT_SEND, ch, back, err)))
                return st;
        need = ch->tok[back % ch->ring].rtask;
    }
    /* the token: T_k itself, or K_k when it arrives later */
    uint64_t arrive = p->last;
    if (c->latency &&
        ((st = csp_dummy(run, what, 1, (uint32_t)c->latency, &arrive, err)) ||
         (st = edge(run, p->last, arrive, 0, err)) || (st = edge(run, need, arrive, 1, err))))
        return st;
    tok->sender = p->last;
    tok->arrive = arrive;
    tok->payload = payload;
    ch->sent++;
    if (!ch->capacity) { /* rendezvous: completes when R_k starts */
        while (!received_by_task(ch, k))
            if ((st = wait_for(run, what, CSP_WAIT_SEND, ch, k, err)))
                return st;
        need = ch->tok[k % ch->ring].rtask;
    }
    if (need != PTO_CSP_NONE && !run->failed)
        p->start[p->nstart++] = need; /* the next task waits for it to start */
    return PTO_OK;
}

pto_status pto_recv(pto_run *run, pto_channel *ch, uint64_t *payload, int *closed,
                    pto_error *err)
{
    static const char what[] = "pto_recv";
    pto_status st = in_body(run, what, ch, err);
    if (st)
        return st;
    pto_csp_proc *p = run->csp.cur;
    if (closed)
        *closed = 0;
    while (ch->received == ch->sent) {
        if (ch->closed) {
            if (closed)
                *closed = 1;
            return PTO_OK;
        }
        if ((st = settle(run, what, 0, err)) ||
            (st = wait_for(run, what, CSP_WAIT_RECV, ch, 0, err)))
            return st;
    }
    if (p->nafter == PTO_CSP_AFTER || p->npend == PTO_CSP_AFTER)
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "%s: process '%s' received %d tokens without a task in between", what,
                        p->name, PTO_CSP_AFTER);
    uint64_t k = ch->received++;
    pto_csp_tok *tok = &ch->tok[k % ch->ring];
    if (tok->arrive != PTO_CSP_NONE) /* (a token sent before any task: none) */
        p->after[p->nafter++] = tok->arrive;
    p->pend[p->npend] = ch;
    p->pend_k[p->npend++] = k;
    if (payload)
        *payload = tok->payload;
    return PTO_OK;
}

pto_status pto_consume(pto_run *run, pto_channel *ch, pto_token_fn fn, void *ctx, pto_error *err)
{
    if (!fn)
        return pto_fail(err, PTO_ERR_INVALID, "pto_consume: fn is NULL");
    for (;;) {
        uint64_t v;
        int closed;
        pto_status st = pto_recv(run, ch, &v, &closed, err);
        if (st || closed || (st = fn(run, ctx, v, err)))
            return st;
    }
}

pto_status pto_channel_close(pto_run *run, pto_channel *ch, pto_error *err)
{
    pto_status st = pto_run_check_building(run, "pto_channel_close", err);
    if (st || (st = own_channel(run, "pto_channel_close", ch, err)))
        return st;
    ch->closed = 1;
    return PTO_OK;
}

/* ---- the interleaving ---- */

static void body_main(void *arg)
{
    pto_run *run = arg;
    pto_csp *c = &run->csp;
    pto_csp_proc *p = c->cur;
    p->err.msg[0] = 0;
    p->st = p->body(run, p->ctx, p->index, &p->err);
    if (!p->st && run->depth > c->base_depth)
        p->st = pto_fail(&p->err, PTO_ERR_STATE, "process '%s' returned with scope '%s' open",
                         p->name, run->scopes[run->depth].name);
    while (run->depth > c->base_depth) /* its tasks must still retire */
        pto_scope_end(run, NULL);
    if (!p->st)
        p->st = settle(run, "process end", 0, &p->err);
    for (uint32_t i = 0; i < c->nchans; i++) /* it closes what it sent on */
        if (p->sent_on >> i & 1 && --c->chans[i].senders == 0)
            c->chans[i].closed = 1;
    p->state = CSP_DONE;
}

static int can_run(const pto_csp_proc *p)
{
    const pto_channel *ch = p->wait;
    switch (p->state) {
    case CSP_READY: return 1;
    case CSP_WAIT_RECV: return ch->received < ch->sent || ch->closed;
    case CSP_WAIT_SEND: return received_by_task(ch, p->wait_token);
    default: return 0;
    }
}

/* Every unfinished process waits: the report. */
static pto_status deadlock(pto_run *run, pto_error *err)
{
    pto_csp *c = &run->csp;
    pto_fail(err, PTO_ERR_DEADLOCK, "CSP deadlock: every unfinished process waits on a channel.");
    int empty = 0, full = 0;
    for (uint32_t i = c->first; i < c->nprocs; i++) {
        const pto_csp_proc *p = &c->procs[i];
        if (p->state == CSP_DONE)
            continue;
        if (p->state == CSP_WAIT_RECV) {
            pto_error_append(err, " Process '%s' waits to receive token %llu on '%s' "
                                  "(CHANNEL_EMPTY_WAIT).",
                             p->name, (unsigned long long)p->wait->received, p->wait->name);
            empty = 1;
        } else {
            pto_error_append(err, " Process '%s' waits to send on '%s' until token %llu is "
                                  "received (CHANNEL_FULL_WAIT).",
                             p->name, p->wait->name, (unsigned long long)p->wait_token);
            full = 1;
        }
    }
    pto_error_append(err, " Channels:");
    for (uint32_t i = 0; i < c->nchans; i++) {
        const pto_channel *ch = &c->chans[i];
        pto_error_append(err, " '%s' capacity %u, sent %llu, received %llu, %s;", ch->name,
                         ch->capacity, (unsigned long long)ch->sent,
                         (unsigned long long)ch->received, ch->closed ? "closed" : "open");
    }
    pto_error_append(err, " Mitigation:");
    if (empty)
        pto_error_append(err, " a receive waits for a token no process will send: send before "
                              "receiving in one process of a cycle, or close the channel "
                              "(pto_channel_close, or its sender's return);");
    if (full)
        pto_error_append(err, " a send waits for a receive no process will make: add the "
                              "receiver, or give the channel more capacity;");
    return PTO_ERR_DEADLOCK;
}

pto_status pto_csp_run(pto_run *run, pto_error *err)
{
    static const char what[] = "pto_csp_run";
    pto_status st = ensure(run, what, err);
    if (st)
        return st;
    pto_csp *c = &run->csp;
    if (c->cur)
        return pto_fail(err, PTO_ERR_STATE, "%s: not from a process body", what);
    c->base_depth = run->depth;
    pto_fiber_host_enter(&c->host);
    pto_policy_sel base = run->scopes[run->depth].policy;
    for (uint32_t i = c->first; i < c->nprocs; i++) {
        c->procs[i].policy = base;
        pto_fiber_start(&c->procs[i].fiber, body_main, run);
    }
    /* Round robin from the process after the last one run: a process runs
     * until it waits or returns. */
    uint32_t n = c->nprocs - c->first, next = 0, done = 0;
    while (done < n && !st) {
        uint32_t i = 0;
        while (i < n && !can_run(&c->procs[c->first + (next + i) % n]))
            i++;
        if (i == n) {
            st = deadlock(run, err);
            break;
        }
        pto_csp_proc *p = &c->procs[c->first + (next + i) % n];
        next = (next + i + 1) % n;
        run->scopes[run->depth].policy = p->policy;
        c->cur = p;
        pto_fiber_resume(&p->fiber);
        c->cur = NULL;
        p->policy = run->scopes[run->depth].policy;
        if (p->state == CSP_DONE) {
            done++;
            if (p->st) {
                st = p->st;
                if (err)
                    *err = p->err;
            }
        }
    }
    run->scopes[run->depth].policy = base;
    /* Processes abandoned after an error or a deadlock never resume: their
     * scopes end here, so their tasks can retire. */
    for (uint32_t i = c->first; i < c->nprocs; i++)
        c->procs[i].nscopes = 0;
    run->dev->tb.retire_hold = UINT64_MAX;
    c->first = c->nprocs;
    return st;
}

/* ---- the last run, for traces ---- */

static const pto_csp *last_csp(const pto_device *dev)
{
    return dev && dev->run_handle && dev->launches && dev->run_handle->csp.procs
               ? &dev->run_handle->csp
               : NULL;
}

uint32_t pto_last_run_processes(const pto_device *dev)
{
    const pto_csp *c = last_csp(dev);
    return c ? c->nprocs : 0;
}

const char *pto_last_run_process_name(const pto_device *dev, uint32_t index)
{
    const pto_csp *c = last_csp(dev);
    return c && index < c->nprocs ? c->procs[index].name : NULL;
}

const char *pto_last_run_channel_name(const pto_device *dev, uint32_t channel)
{
    const pto_csp *c = last_csp(dev);
    return c && channel < c->nchans ? c->chans[channel].name : NULL;
}

uint32_t pto_last_run_task_process(const pto_device *dev, uint64_t task_id)
{
    const pto_csp *c = last_csp(dev);
    return c && task_id < c->tagged_end ? c->task_proc[task_id] : 0;
}

void pto_last_run_tokens(const pto_device *dev, const pto_token_record **tokens, size_t *count)
{
    const pto_csp *c = last_csp(dev);
    if (tokens)
        *tokens = c ? c->tokens : NULL;
    if (count)
        *count = c ? c->ntokens : 0;
}
