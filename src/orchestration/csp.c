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
    c->nprocs = c->first = c->nchans = c->pool_used = c->unbound = 0;
    c->latency = 0;
    c->cur = NULL;
    c->raw = c->mark = 0;
}

void pto_csp_free(pto_csp *c)
{
    for (uint32_t i = 0; c->procs && i < PTO_CSP_PROCESSES; i++)
        pto_fiber_destroy(&c->procs[i].fiber);
    free(c->procs);
    free(c->chans);
    free(c->pool);
    free(c->sends);
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
    c->sends = calloc((size_t)PTO_CSP_CHANNELS * PTO_CSP_PROCESSES, sizeof *c->sends);
    c->task_cap = run->dev->cfg.trace_capacity;
    c->task_proc = calloc(c->task_cap ? c->task_cap : 1, 1);
    c->tokens = malloc(PTO_CSP_TOKEN_LOG * sizeof *c->tokens);
    if (!c->procs || !c->chans || !c->pool || !c->sends || !c->task_proc || !c->tokens) {
        pto_csp_free(c);
        return pto_fail(err, PTO_ERR_NOMEM, "%s: CSP tables", what);
    }
    pto_fiber_host_init(&c->host);
    return PTO_OK;
}

_Static_assert(PTO_MAX_SCOPE_DEPTH < PTO_TB_UNSCOPED, "a scope's depth is never UNSCOPED");
_Static_assert(PTO_CSP_PROCESSES <= 100, "replica indices have at most two digits");
_Static_assert(sizeof(pto_csp_tok) == 64, "a token entry's address is a shift");

static pto_status check_name(const char *what, const char *name, pto_error *err)
{
    if (!name || !*name || strlen(name) >= PTO_CSP_NAME_MAX - 4)
        return pto_fail(err, PTO_ERR_INVALID, "%s: a name of 1 .. %d bytes is required", what,
                        PTO_CSP_NAME_MAX - 5);
    return PTO_OK;
}

/* The entries a channel's ring needs for `tokens` in flight: a power of
 * two, so a token's entry is k & mask. */
static uint32_t ring_for(uint32_t tokens)
{
    uint32_t r = 1;
    while (r < tokens)
        r <<= 1;
    return r;
}

/* ch's token ring: `ring` (a power of two) entries of the run's pool
 * (checked by the caller). */
static void carve_ring(pto_csp *c, pto_channel *ch, uint32_t ring)
{
    ch->ring = ring;
    ch->mask = ring - 1;
    ch->tok = &c->pool[c->pool_used];
    c->pool_used += ring;
    for (uint32_t i = 0; i < ring; i++)
        ch->tok[i].rk = PTO_CSP_NONE;
}

pto_status pto_channel_create(pto_run *run, const char *name, uint32_t capacity, pto_channel **out,
                              pto_error *err)
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
    if (c->pool_used + ring_for(capacity + 1) > PTO_CSP_POOL)
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "%s('%s'): the run's channels hold at most %d token entries in all "
                        "(capacity + 1 each, rounded up to a power of two)",
                        what, name, PTO_CSP_POOL);
    if (!c->nchans) { /* the latency, read once per run: no rebuild to change it */
        int32_t i = pto_symtab_find(&run->dev->symbols, PTO_CSP_LATENCY_SYMBOL);
        c->latency = i < 0 ? 0 : pto_symtab_bits(&run->dev->symbols, (uint32_t)i);
        if (c->latency > UINT32_MAX)
            return pto_fail(err, PTO_ERR_INVALID, "%s: %s = %llu cycles (at most %u)", what,
                            PTO_CSP_LATENCY_SYMBOL, (unsigned long long)c->latency, UINT32_MAX);
    }
    pto_channel *ch = &c->chans[c->nchans];
    memset(ch, 0, sizeof *ch);
    snprintf(ch->name, sizeof ch->name, "%s", name);
    ch->capacity = capacity;
    ch->senders = 1;
    ch->receiver = -1;
    ch->index = c->nchans;
    ch->unbound = &c->sends[(size_t)c->nchans++ * PTO_CSP_PROCESSES];
    carve_ring(c, ch, ring_for(capacity + 1));
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
        p->last = p->order = PTO_CSP_NONE;
        p->tag = (uint8_t)++c->nprocs; /* its index + 1 */
    }
    return PTO_OK;
}

/* ---- inside a process body ---- */

/* ch is one of c's channels: an entry of its table (an address inside an
 * entry is not; compared as integers, ch is not dereferenced). One test:
 * the offset rotated right by log2(entry size) is the entry's index when
 * the offset is a multiple of the size, and at least 2^57 when it is not;
 * an address below the table wraps to a huge offset (no table: nchans 0). */
_Static_assert(sizeof(pto_channel) == 128, "rotate by 7 below");
static inline int is_channel(const pto_csp *c, const pto_channel *ch)
{
    uintptr_t off = (uintptr_t)ch - (uintptr_t)c->chans;
    return (off >> 7 | off << (sizeof off * 8 - 7)) < c->nchans;
}

static pto_status own_channel(const pto_run *run, const char *what, const pto_channel *ch,
                              pto_error *err)
{
    if (!is_channel(&run->csp, ch))
        return pto_fail(err, PTO_ERR_INVALID, "%s: not a channel of this run", what);
    return PTO_OK;
}

pto_status pto_channel_fan_in(pto_run *run, pto_channel *ch, uint32_t senders, pto_error *err)
{
    static const char what[] = "pto_channel_fan_in";
    pto_status st = pto_run_check_building(run, what, err);
    if (st || (st = own_channel(run, what, ch, err)))
        return st;
    pto_csp *c = &run->csp;
    if (senders < 2 || senders > PTO_CSP_PROCESSES)
        return pto_fail(err, PTO_ERR_INVALID, "%s('%s'): %u senders (2 .. %d)", what, ch->name,
                        senders, PTO_CSP_PROCESSES);
    if (ch->sent || ch->closed || ch->senders > 1)
        return pto_fail(err, PTO_ERR_STATE, "%s('%s'): once, before the channel's first send", what,
                        ch->name);
    if (run->cfg.mode != PTO_MODE_STREAMED)
        return pto_fail(err, PTO_ERR_STATE,
                        "%s('%s'): a fan-in channel's token order is known only as its sends "
                        "complete, while tasks run (streamed mode); a host-built graph fixes "
                        "every edge before anything runs",
                        what, ch->name);
    uint32_t ring = ring_for(ch->capacity + 1 + PTO_CSP_PROCESSES);
    if (c->pool_used + ring > PTO_CSP_POOL)
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "%s('%s'): the run's channels hold at most %d token entries in all (a "
                        "fan-in channel: capacity + %d, rounded up to a power of two)",
                        what, ch->name, PTO_CSP_POOL, 1 + PTO_CSP_PROCESSES);
    ch->senders = senders;
    carve_ring(c, ch, ring);
    return PTO_OK;
}

static pto_status in_body_slow(pto_run *run, const char *what, pto_channel *ch, pto_error *err)
{
    pto_status st = pto_run_check_building(run, what, err);
    if (st)
        return st;
    if (!run->csp.cur)
        return pto_fail(err, PTO_ERR_STATE, "%s: only inside a process body (pto_csp_run)", what);
    return own_channel(run, what, ch, err);
}

/* Called from a process body on a channel of this run (a process runs only
 * inside pto_csp_run, so while the run is building). */
static inline int in_body_ok(const pto_run *run, const pto_channel *ch)
{
    return run && run->csp.cur && is_channel(&run->csp, ch);
}

static inline pto_status in_body(pto_run *run, const char *what, pto_channel *ch, pto_error *err)
{
    return __builtin_expect(in_body_ok(run, ch), 1) ? PTO_OK : in_body_slow(run, what, ch, err);
}

/* A dependency-only task of the channel mechanism, outside the process's
 * program order (raw) or as its next task. */
static pto_status csp_dummy(pto_run *run, const char *what, int raw, uint32_t delay, uint64_t *id,
                            pto_error *err)
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
    if (producer < atomic_load(&run->dev->tb.last_alive))
        return PTO_OK; /* it retired, so it started: nothing to wait for */
    pto_status st = PTO_OK;
    if (!pto_tb_dep_free(&run->dev->tb)) { /* wait for a node, the consumer held back */
        pto_run_publish_upto(run, consumer);
        st = pto_flow_acquire(run, PTO_STALL_DEPLIST_POOL_FULL, 1, 0, 0, err);
    }
    return st ? st : pto_tb_add_start_dep(&run->dev->tb, producer, consumer, err);
}

/* Retirement may not pass the first task of a scope that a waiting
 * process keeps open, nor a fan-in marker not yet bound (its done_seq is
 * read by pto_csp_harvest, which the orchestrator runs where it waits). */
static void update_hold(pto_run *run)
{
    pto_csp *c = &run->csp;
    uint64_t hold = UINT64_MAX;
    for (uint32_t i = c->first; i < c->nprocs; i++)
        if (c->procs[i].nscopes && c->procs[i].scope_begin[0] < hold)
            hold = c->procs[i].scope_begin[0];
    for (uint32_t i = 0; i < c->nchans && c->unbound; i++)
        for (uint32_t j = 0; j < c->chans[i].nunbound; j++)
            if (c->chans[i].unbound[j].marker < hold)
                hold = c->chans[i].unbound[j].marker;
    run->dev->tb.retire_hold = hold;
}

static inline int received_by_task(const pto_channel *ch, uint64_t k)
{
    return ch->tok[k & ch->mask].rk == k;
}

/* What a token p sends on ch tells the receiver: the receiver's latest
 * task p's last task is known to follow (csp.h, "Implied edges"). */
static inline uint64_t seen_by(const pto_csp_proc *p, const pto_channel *ch)
{
    return p->seen[ch->receiver + 1]; /* (no receiver yet: seen[0], 0) */
}

/* The next start edge of p's next task: from `task`, a receive of ch's. */
static inline void add_start(pto_csp_proc *p, const pto_channel *ch, uint64_t task)
{
    p->start_from[p->nstart] = (uint8_t)(ch->receiver + 1);
    p->start[p->nstart++] = task;
}

/* The next token of ch is in order and its arrival task exists. */
static inline int token_ready(const pto_channel *ch)
{
    return ch->received < ch->bound && ch->tok[ch->received & ch->mask].arrive != PTO_CSP_PENDING;
}

static inline int can_run(const pto_csp_proc *p)
{
    const pto_channel *ch = p->wait;
    /* (tests, not a switch: an indirect jump whose target alternates
     * between two waiting processes is mispredicted) */
    if (p->state == CSP_WAIT_SEND)
        return received_by_task(ch, p->wait_token);
    if (p->state == CSP_WAIT_RECV)
        return token_ready(ch) || (ch->closed && ch->received == ch->sent);
    return p->state == CSP_READY || (p->state == CSP_WAIT_BIND && p->bound_k != PTO_CSP_NONE);
}

/* p waits: straight on to the next process that can run, round robin after
 * p as pto_csp_run's loop would pick it (one fiber switch instead of two);
 * to that loop when none can, or while fan-in sends are unbound (it binds
 * them, waits for execution and finds deadlocks). */
static inline __attribute__((always_inline)) void switch_away(pto_run *run, pto_csp_proc *p)
{
    pto_csp *c = &run->csp;
    pto_csp_proc *first = c->procs + c->first, *end = c->procs + c->nprocs, *q = p;
    while (!c->unbound && (q = q + 1 == end ? first : q + 1) != p)
        if (can_run(q)) {
            pto_policy_sel *policy = &run->scopes[run->depth].policy;
            p->policy = *policy;
            *policy = q->policy;
            c->cur = q;
            c->next = q + 1 == end ? 0 : (uint32_t)(q + 1 - first);
            pto_fiber_switch(&p->fiber, &q->fiber);
            return; /* (resumed: whoever switched here set cur and the policy) */
        }
    pto_fiber_yield(&p->fiber);
}

/* p waits (why: on ch, for token) until another process's step lets it
 * go on; the others run meanwhile. */
static inline __attribute__((always_inline)) void
park(pto_run *run, pto_csp_proc *p, enum pto_csp_state why, pto_channel *ch, uint64_t token)
{
    run->flow_stats
        ->flow[why == CSP_WAIT_RECV ? PTO_STALL_CHANNEL_EMPTY_WAIT : PTO_STALL_CHANNEL_FULL_WAIT]
        .stalls++;
    pto_run_publish(run); /* its wired tasks may run while it waits */
    p->state = why;
    p->wait = ch;
    p->wait_token = token;
    switch_away(run, p);
    p->state = CSP_READY;
}

/* wait_for with n scopes open: they leave the run's stack meanwhile (other
 * processes open theirs there) and keep their tasks held; they are back
 * when it resumes. */
static __attribute__((noinline)) pto_status wait_scoped(pto_run *run, const char *what,
                                                        enum pto_csp_state why, pto_channel *ch,
                                                        uint64_t token, uint32_t n, pto_error *err)
{
    pto_csp *c = &run->csp;
    pto_csp_proc *p = c->cur;
    if (n > PTO_CSP_SCOPES)
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "%s: process '%s' would wait on channel '%s' with %u scopes open (at "
                        "most %d)",
                        what, p->name, ch->name, n, PTO_CSP_SCOPES);
    p->nscopes = n;
    for (uint32_t i = 0; i < n; i++) {
        p->scopes[i] = run->scopes[c->base_depth + 1 + i];
        p->scope_begin[i] = run->scope_begin[c->base_depth + 1 + i];
    }
    run->depth = c->base_depth;
    run->scopes_open = c->base_depth + 1;
    update_hold(run);
    park(run, p, why, ch, token);
    for (uint32_t i = 0; i < n; i++) {
        run->scopes[c->base_depth + 1 + i] = p->scopes[i];
        run->scope_begin[c->base_depth + 1 + i] = p->scope_begin[i];
    }
    run->depth = c->base_depth + n;
    run->scopes_open = run->depth + 1;
    p->nscopes = 0;
    update_hold(run);
    return PTO_OK;
}

/* Waits (yields) until the process may go on (see park; wait_scoped when
 * it has scopes open). Inline in the waits of the short paths: a resumed
 * process returns through one frame less (each frame is a mispredicted
 * return after a fiber switch). */
static inline __attribute__((always_inline)) pto_status wait_for(pto_run *run, const char *what,
                                                                 enum pto_csp_state why,
                                                                 pto_channel *ch, uint64_t token,
                                                                 pto_error *err)
{
    uint32_t n = run->depth - run->csp.base_depth;
    if (__builtin_expect(n != 0, 0))
        return wait_scoped(run, what, why, ch, token, n, err);
    park(run, run->csp.cur, why, ch, token);
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

/* p sends on ch: the first time, it counts as one of ch's senders (an
 * undeclared channel has one, a fan-in channel pto_channel_fan_in's). */
static pto_status count_sender(pto_channel *ch, pto_csp_proc *p, pto_error *err)
{
    uint64_t bit = UINT64_C(1) << ch->index;
    if (p->sent_on & bit)
        return PTO_OK;
    if (ch->seen == ch->senders && ch->senders == 1)
        return pto_fail(err, PTO_ERR_STATE,
                        "pto_send: process '%s' is the second process to send on channel '%s'; "
                        "declare its senders with pto_channel_fan_in (their tokens are then "
                        "ordered by when their sends complete)",
                        p->name, ch->name);
    if (ch->seen == ch->senders)
        return pto_fail(err, PTO_ERR_STATE,
                        "pto_send: process '%s' is sender %u of channel '%s', declared with %u "
                        "(pto_channel_fan_in)",
                        p->name, ch->seen + 1, ch->name, ch->senders);
    p->sent_on |= bit;
    ch->seen++;
    return PTO_OK;
}

/* The next task of the process that sent token k of ch waits for R_{k-C}
 * (R_k: rendezvous) to start: returns that task (PTO_CSP_NONE: none),
 * waiting until the receiver issued it. Inlined: a resumed process returns
 * through one frame less (each frame is a mispredicted return after a
 * fiber switch). */
static inline __attribute__((always_inline)) pto_status wait_receive(pto_run *run, const char *what,
                                                                     pto_channel *ch, uint64_t k,
                                                                     uint64_t *need, pto_error *err)
{
    *need = PTO_CSP_NONE;
    if (ch->capacity && k < ch->capacity)
        return PTO_OK;
    uint64_t back = k - ch->capacity;
    pto_status st;
    while (!received_by_task(ch, back))
        if ((st = wait_for(run, what, CSP_WAIT_SEND, ch, back, err)))
            return st;
    *need = ch->tok[back & ch->mask].rtask;
    return PTO_OK;
}

/* K_k: token k arrives `latency` cycles after `after` ends and (C >= 1,
 * k >= C) `back`, R_{k-C}, starts. */
static pto_status arrival(pto_run *run, const char *what, uint64_t after, uint64_t back,
                          uint64_t *id, pto_error *err)
{
    pto_status st = csp_dummy(run, what, 1, (uint32_t)run->csp.latency, id, err);
    if (!st)
        st = edge(run, after, *id, 0, err);
    return st ? st : edge(run, back, *id, 1, err);
}

/* Token k of ch, sent by p after its last task (T_k): send_token's and the
 * short paths' step. */
static inline void put_token(const pto_csp_proc *p, pto_channel *ch, uint64_t k, uint64_t payload)
{
    pto_csp_tok *tok = &ch->tok[k & ch->mask];
    tok->sender = tok->arrive = p->last;
    tok->payload = payload;
    tok->seen = seen_by(p, ch);
    tok->from = p->tag;
    ch->bound = ch->sent = k + 1;
}

/* The edges of token k of ch, sent after task `after` (T_k; on a fan-in
 * channel its marker M_k), in the order both sides need them: a capacity
 * C >= 1 bounds the send, and K_k, by R_{k-C} (waited for first); the
 * token's arrival is K_k with a latency, else `after`; a single sender's
 * token is published here (publish; a fan-in token was bound by
 * pto_csp_harvest). Only then may a rendezvous wait for R_k: the receiver
 * cannot take token k before its arrival task exists. The sender's next
 * task waits for that receive to start. */
static inline __attribute__((always_inline)) pto_status send_token(pto_run *run, pto_channel *ch,
                                                                   uint64_t k, uint64_t after,
                                                                   uint64_t payload, int publish,
                                                                   pto_error *err)
{
    static const char what[] = "pto_send";
    pto_csp_proc *p = run->csp.cur;
    uint64_t need = PTO_CSP_NONE, arrive = after;
    pto_status st;
    if (ch->capacity && (st = wait_receive(run, what, ch, k, &need, err)))
        return st;
    if (run->csp.latency && (st = arrival(run, what, after, need, &arrive, err)))
        return st;
    if (publish) /* (k = ch->sent, after = p->last) */
        put_token(p, ch, k, payload);
    ch->tok[k & ch->mask].arrive = arrive;
    if (!ch->capacity && (st = wait_receive(run, what, ch, k, &need, err))) /* rendezvous */
        return st;
    if (need != PTO_CSP_NONE && !run->failed)
        add_start(p, ch, need); /* the next task waits for it to start */
    return PTO_OK;
}

/* A send on a fan-in channel: its marker, then a wait until the marker
 * completed and took its place in the token order (pto_csp_harvest). */
static pto_status send_fan_in(pto_run *run, pto_channel *ch, uint64_t payload, pto_error *err)
{
    static const char what[] = "pto_send";
    pto_csp *c = &run->csp;
    pto_csp_proc *p = c->cur;
    uint64_t m;
    c->mark = 1;
    pto_status st = csp_dummy(run, what, 1, 0, &m, err);
    c->mark = 0;
    if (st || (st = edge(run, p->last, m, 0, err)))
        return st;
    ch->sent++;
    if (run->failed) /* (counted only) */
        return PTO_OK;
    ch->unbound[ch->nunbound++] =
        (pto_csp_send){m, p->last, payload, seen_by(p, ch), (uint32_t)(p - c->procs)};
    c->unbound++;
    update_hold(run);
    p->bound_k = PTO_CSP_NONE;
    p->wait_token = m;
    while (p->bound_k == PTO_CSP_NONE)
        if ((st = wait_for(run, what, CSP_WAIT_BIND, ch, m, err)))
            return st;
    return send_token(run, ch, p->bound_k, m, payload, 0, err);
}

static pto_status send_slow(pto_run *run, pto_channel *ch, uint64_t payload, pto_error *err);
static pto_status send_wait(pto_run *run, pto_channel *ch, uint64_t payload, pto_error *err);

/* The short path: an open channel of capacity >= 1 with one sender (this
 * process, which sent on it before) and no latency; the process's first
 * send since its last task, no receive pending (no settle dummy), the
 * receive k - C issued (else send_wait): send_token's steps without the
 * cases that do not apply. */
pto_status pto_send(pto_run *run, pto_channel *ch, uint64_t payload, pto_error *err)
{
    pto_csp_proc *p;
    if (__builtin_expect(in_body_ok(run, ch) && ch->capacity && ch->senders == 1 && !ch->closed &&
                             !run->csp.latency && !run->failed &&
                             (p = run->csp.cur, !(p->npend | p->nstart)) &&
                             (p->sent_on >> ch->index & 1),
                         1)) {
        uint64_t k = ch->sent;
        if (k >= ch->capacity) {
            const pto_csp_tok *back = &ch->tok[(k - ch->capacity) & ch->mask];
            if (back->rk != k - ch->capacity) /* not issued yet */
                return send_wait(run, ch, payload, err);
            add_start(p, ch, back->rtask); /* (nstart was 0) */
        }
        put_token(p, ch, k, payload);
        return PTO_OK;
    }
    return send_slow(run, ch, payload, err);
}

/* The short path's wait for the receive k - C, then its last steps (out of
 * line, so that the short path saves no registers). Only a close by
 * another process or a failure can have changed its case meanwhile. */
static __attribute__((noinline)) pto_status send_wait(pto_run *run, pto_channel *ch,
                                                      uint64_t payload, pto_error *err)
{
    uint64_t k = ch->sent, back = k - ch->capacity;
    pto_status st;
    while (!received_by_task(ch, back))
        if ((st = wait_for(run, "pto_send", CSP_WAIT_SEND, ch, back, err)))
            return st;
    if (ch->closed | run->failed)
        return send_slow(run, ch, payload, err);
    pto_csp_proc *p = run->csp.cur;
    add_start(p, ch, ch->tok[back & ch->mask].rtask);
    put_token(p, ch, k, payload);
    return PTO_OK;
}

static __attribute__((noinline)) pto_status send_slow(pto_run *run, pto_channel *ch,
                                                      uint64_t payload, pto_error *err)
{
    static const char what[] = "pto_send";
    pto_status st = in_body(run, what, ch, err);
    if (st || (st = settle(run, what, 1, err)))
        return st;
    pto_csp_proc *p = run->csp.cur;
    if ((st = count_sender(ch, p, err)))
        return st;
    if (ch->closed)
        return pto_fail(err, PTO_ERR_STATE, "%s: process '%s' sends on closed channel '%s'", what,
                        p->name, ch->name);
    if (p->nstart == PTO_CSP_AFTER)
        return pto_fail(err, PTO_ERR_CAPACITY, "%s: process '%s' sent %d times without a task",
                        what, p->name, PTO_CSP_AFTER);
    if (ch->senders > 1)
        return send_fan_in(run, ch, payload, err);
    return send_token(run, ch, ch->sent, p->last, payload, 1, err);
}

/* Takes ch's next token for p's next task (its arrival: a producer of
 * that task; the task: the token's receiving task, pto_csp_added; its T_k
 * may be known to follow p's last task: csp.h, "Implied edges"). */
static inline void take_token(pto_csp_proc *p, pto_channel *ch, uint64_t *payload)
{
    uint64_t k = ch->received++;
    const pto_csp_tok *tok = &ch->tok[k & ch->mask];
    if (tok->arrive != PTO_CSP_NONE) /* (a token sent before any task: none) */
        p->after[p->nafter++] = tok->arrive;
    if (tok->seen == p->last + 1) /* (no last task: PTO_CSP_NONE + 1 is 0, no edge either) */
        p->order = PTO_CSP_NONE;
    p->pend[p->npend] = ch;
    p->pend_k[p->npend++] = k;
    if (payload)
        *payload = tok->payload;
}

/* Waits until ch's next token is ready (*end = 0) or ch is closed and
 * every token received (*end = 1). */
static inline __attribute__((always_inline)) pto_status wait_token(pto_run *run, pto_channel *ch,
                                                                   int *end, pto_error *err)
{
    pto_status st;
    *end = 0;
    while (!token_ready(ch)) {
        if (ch->closed && ch->received == ch->sent) {
            *end = 1;
            return PTO_OK;
        }
        /* (no stand-in for the receives before: they happen when the
         * process's next task starts, even if this one waits) */
        if ((st = wait_for(run, "pto_recv", CSP_WAIT_RECV, ch, 0, err)))
            return st;
    }
    return PTO_OK;
}

static pto_status recv_slow(pto_run *run, pto_channel *ch, uint64_t *payload, int *closed,
                            pto_error *err);
static pto_status recv_wait(pto_run *run, pto_channel *ch, uint64_t *payload, int *closed,
                            pto_error *err);

/* The short path: p is the channel's receiver and has room for a token. */
pto_status pto_recv(pto_run *run, pto_channel *ch, uint64_t *payload, int *closed, pto_error *err)
{
    pto_csp_proc *p;
    _Static_assert(!(PTO_CSP_AFTER & (PTO_CSP_AFTER - 1)), "a | b < AFTER: both are");
    if (__builtin_expect(in_body_ok(run, ch) &&
                             ch->receiver == (int32_t)(p = run->csp.cur)->tag - 1 &&
                             (p->nafter | p->npend) < PTO_CSP_AFTER,
                         1)) {
        if (!token_ready(ch))
            return recv_wait(run, ch, payload, closed, err);
        if (closed)
            *closed = 0;
        take_token(p, ch, payload);
        return PTO_OK;
    }
    return recv_slow(run, ch, payload, closed, err);
}

/* The short path's wait for a token, then its last step (out of line, so
 * that the short path saves no registers), or the end of the channel. */
static __attribute__((noinline)) pto_status
recv_wait(pto_run *run, pto_channel *ch, uint64_t *payload, int *closed, pto_error *err)
{
    int end;
    pto_status st = wait_token(run, ch, &end, err);
    if (st)
        return st;
    if (closed)
        *closed = end;
    if (!end)
        take_token(run->csp.cur, ch, payload);
    return PTO_OK;
}

static __attribute__((noinline)) pto_status
recv_slow(pto_run *run, pto_channel *ch, uint64_t *payload, int *closed, pto_error *err)
{
    static const char what[] = "pto_recv";
    pto_status st = in_body(run, what, ch, err);
    if (st)
        return st;
    pto_csp *c = &run->csp;
    pto_csp_proc *p = c->cur;
    int32_t self = (int32_t)p->tag - 1;
    if (ch->receiver != self && ch->receiver >= 0)
        return pto_fail(err, PTO_ERR_STATE,
                        "%s: process '%s' receives on channel '%s', which process '%s' "
                        "receives on (a channel has one receiving process)",
                        what, p->name, ch->name, c->procs[ch->receiver].name);
    ch->receiver = self;
    int end;
    if ((st = wait_token(run, ch, &end, err)))
        return st;
    if (closed)
        *closed = end;
    if (end)
        return PTO_OK;
    if (p->nafter == PTO_CSP_AFTER || p->npend == PTO_CSP_AFTER)
        return pto_fail(err, PTO_ERR_CAPACITY,
                        "%s: process '%s' received %d tokens without a task in between", what,
                        p->name, PTO_CSP_AFTER);
    take_token(p, ch, payload);
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
    for (uint32_t i = 0; i < c->nchans; i++) /* the last sender closes */
        if (p->sent_on >> i & 1 && ++c->chans[i].returned == c->chans[i].senders)
            c->chans[i].closed = 1;
    p->state = CSP_DONE;
}

/* What only execution can end: a fan-in send waiting for its place, or a
 * receive from a fan-in channel whose sends have not completed. */
static int waits_on_device(const pto_csp_proc *p)
{
    return p->state == CSP_WAIT_BIND || (p->state == CSP_WAIT_RECV && p->wait->nunbound);
}

void pto_csp_harvest(pto_run *run)
{
    pto_csp *c = &run->csp;
    pto_task_buffer *tb = &run->dev->tb;
    uint32_t unbound = c->unbound;
    for (uint32_t i = 0; i < c->nchans && c->unbound; i++) {
        pto_channel *ch = &c->chans[i];
        for (;;) { /* the completed marker that completed first, until none */
            uint32_t best = UINT32_MAX, seq = 0;
            for (uint32_t j = 0; j < ch->nunbound; j++) {
                pto_task *t = pto_tb_task(tb, ch->unbound[j].marker);
                if (atomic_load_explicit(&t->state, memory_order_acquire) == PTO_TASK_COMPLETED &&
                    (best == UINT32_MAX || (int32_t)(t->done_seq - seq) < 0)) {
                    best = j;
                    seq = t->done_seq;
                }
            }
            if (best == UINT32_MAX)
                break;
            pto_csp_send e = ch->unbound[best];
            ch->unbound[best] = ch->unbound[--ch->nunbound];
            c->unbound--;
            uint64_t k = ch->bound++;
            ch->tok[k & ch->mask] = (pto_csp_tok){.sender = e.sender,
                                                  .arrive = c->latency ? PTO_CSP_PENDING : e.marker,
                                                  .payload = e.payload,
                                                  .rk = PTO_CSP_NONE,
                                                  .seen = e.seen,
                                                  .from = e.proc + 1};
            if (c->procs[e.proc].wait_token == e.marker)
                c->procs[e.proc].bound_k = k;
        }
    }
    if (c->unbound != unbound)
        update_hold(run);
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
            pto_error_append(err,
                             " Process '%s' waits to receive token %llu on '%s' "
                             "(CHANNEL_EMPTY_WAIT).",
                             p->name, (unsigned long long)p->wait->received, p->wait->name);
            empty = 1;
        } else if (p->state == CSP_WAIT_BIND) {
            pto_error_append(err,
                             " Process '%s' waits for its send on '%s' to complete, and "
                             "the task before it cannot end (CHANNEL_FULL_WAIT).",
                             p->name, p->wait->name);
            full = 1;
        } else {
            pto_error_append(err,
                             " Process '%s' waits to send on '%s' until token %llu is "
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
                              "receiver, give the channel more capacity, or submit a task "
                              "after each receive (a receive happens when the receiver's next "
                              "task starts);");
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
    uint32_t n = c->nprocs - c->first, done = 0;
    c->next = 0;
    int idle = 0; /* execution cannot progress (last seen) */
    pto_run_state *rs = &run->dev->run_state;
    while (done < n && !st) {
        uint64_t seen = atomic_load(&rs->completed); /* (before the harvest) */
        if (c->unbound)
            pto_csp_harvest(run);
        uint32_t i = 0, device = 0, j = c->next; /* j = (next + i) mod n */
        for (; i < n && !can_run(&c->procs[c->first + j]); i++, j = j + 1 == n ? 0 : j + 1)
            device |= waits_on_device(&c->procs[c->first + j]);
        if (i == n && device && !idle) { /* only execution can help: wait for it */
            int progressed;
            st = pto_flow_wait_progress(run, seen, "CSP processes wait for their sends",
                                        &progressed, err);
            idle = !progressed;
            continue;
        }
        if (i == n) {
            st = deadlock(run, err);
            break;
        }
        idle = 0;
        pto_csp_proc *p = &c->procs[c->first + j];
        c->next = j + 1 == n ? 0 : j + 1;
        run->scopes[run->depth].policy = p->policy;
        c->cur = p;
        pto_fiber_resume(&p->fiber);
        p = c->cur; /* the process back here (others may have run in between) */
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
    for (uint32_t i = 0; i < c->nchans; i++) /* (abandoned sends) */
        c->chans[i].nunbound = 0;
    c->unbound = 0;
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
