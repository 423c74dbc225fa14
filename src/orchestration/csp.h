/* CSP state of a run (pto/csp.h; csp.c): processes, channels, and the
 * hooks through which a process's tasks get its edges.
 *
 * How a channel becomes edges (DESIGN 6.4). T_k is the sender's last task
 * when it sends token k, R_k the receiving task: the receiver's next task
 * after its recv (or a dummy put there when it sends or ends
 * first). The send completes at S_k = max(end of T_k, start of R_{k-C})
 * (C >= 1; the first C tokens: end of T_k) or start of R_k (rendezvous);
 * token k arrives `latency` cycles after (C >= 1) or after T_k ends
 * (rendezvous), and R_k starts no earlier. As edges:
 *   the sender's next task: after T_k (program order) and after R_{k-C}
 *                     (R_k) *starts* (a start edge, pto_task_buffer.h);
 *   R_k: after T_k when the latency is 0 (R_k follows R_{k-1}, which
 *                     cannot end before R_{k-C} starts, so S_k adds
 *                     nothing); else after K_k, a dependency-only task
 *                     that ends `latency` cycles after T_k ends and (C >=
 *                     1, k >= C) R_{k-C} starts (pto_task.delay).
 * Fan-in (pto_channel_fan_in): the token order is the order in which the
 * sends' tasks complete, known only as they do. A send then adds M_k, a
 * dependency-only task after T_k watched for its completion
 * (PTO_WATCH_DONE), and waits (CSP_WAIT_BIND: execution must progress)
 * until pto_csp_harvest (where the orchestrator waits; retirement stops
 * at an unbound marker meanwhile) finds M_k
 * completed and gives it the next token index, in done_seq order; M_k
 * stands for T_k above (the arrival K_k, after binding, waits for it).
 * A second send before the process's next task must complete after the
 * first: its T_k is then a dependency-only task that waits for the first
 * send's completion. Edges only point at tasks that exist, so a send that
 * needs R_{k-C} (R_k) before the receiver issued it waits: the process's
 * fiber yields (CHANNEL_FULL_WAIT), as a recv of a token not yet sent does
 * (CHANNEL_EMPTY_WAIT).
 *
 * Invariants: everything here is touched only by the thread running the
 * orchestration (process bodies are fibers on it). Per channel, tokens in
 * flight (sent - received) never exceed capacity + 1 <= the ring's length
 * (a power of two), so token k's entries live at k & mask until received; rk[i] is the token
 * whose receiving task is rtask[i] (UINT64_MAX: none yet). A fan-in
 * channel's ring has PTO_CSP_PROCESSES more entries: each sender may hold
 * one bound token beyond those (it waits on it), and one unbound send
 * (`unbound`, at most PTO_CSP_PROCESSES entries). */
#ifndef PTO_ORCH_CSP_H
#define PTO_ORCH_CSP_H

#include <stdint.h>

#include "core/task_buffer.h"
#include "orchestration/fiber.h"
#include "orchestration/scope.h"
#include "orchestration/policy.h"
#include "pto/csp.h"

#define PTO_CSP_POOL 16384 /* token entries of all channels of a run */
#define PTO_CSP_AFTER 16   /* pending edges of a process's next task */
#define PTO_CSP_STACK (256u << 10)
#define PTO_CSP_SCOPES 8 /* scopes a process may keep open while it waits */
#define PTO_CSP_NONE UINT64_MAX
#define PTO_CSP_PENDING (UINT64_MAX - 1) /* a bound token's arrival task, not yet added */
#define PTO_CSP_TOKEN_LOG 65536          /* tokens the last run's trace keeps */

typedef struct pto_csp_tok {
    uint64_t sender; /* T_k: the sender's last task at the send */
    uint64_t arrive; /* K_k (fan-in: PTO_CSP_PENDING until its sender adds it) */
    uint64_t payload;
    uint64_t rtask; /* R_k */
    uint64_t rk;    /* the token rtask receives */
    /* the receiver's latest task T_k is known to follow, + 1 (the sender's
     * pto_csp_proc.seen at the send; 0: none) */
    uint64_t seen;
    uint32_t from;   /* the sending process's tag */
    uint32_t pad[3]; /* (to 64 bytes: an entry's address is a shift) */
} pto_csp_tok;

/* A fan-in send not yet in its channel's token order. */
typedef struct pto_csp_send {
    uint64_t marker; /* M_k */
    uint64_t sender; /* T_k */
    uint64_t payload;
    uint64_t seen; /* pto_csp_tok.seen */
    uint32_t proc; /* the sending process (index) */
} pto_csp_send;

struct pto_channel {
    char name[PTO_CSP_NAME_MAX];
    uint32_t capacity, ring, mask; /* ring: a power of two, mask = ring - 1 */
    uint32_t index;                /* in the run's chans */
    pto_csp_tok *tok;              /* ring entries, from the run's pool */
    uint64_t sent;                 /* sends issued */
    uint64_t bound;                /* tokens in order, [0, bound) (= sent unless fan-in) */
    uint64_t received;
    uint32_t senders;  /* processes that may send: 1, or pto_channel_fan_in's */
    uint32_t seen;     /* processes that sent on it */
    uint32_t returned; /* ... and returned: at `senders`, it closes */
    int32_t receiver;  /* the process receiving on it (-1: none yet) */
    int closed;
    pto_csp_send *unbound; /* fan-in: sends issued and not bound, at most
                              one per process (from the run's pool) */
    uint32_t nunbound;
    uint32_t pad[3]; /* (to 128 bytes: is_channel in csp.c finds an entry's
                        index and start with one rotation) */
};

enum pto_csp_state { CSP_READY, CSP_WAIT_RECV, CSP_WAIT_SEND, CSP_WAIT_BIND, CSP_DONE };

typedef struct pto_csp_proc {
    char name[PTO_CSP_NAME_MAX];
    pto_process_fn body;
    void *ctx;
    uint32_t index;
    uint8_t tag; /* its index in the run's procs + 1 (task_proc) */
    enum pto_csp_state state;
    pto_channel *wait; /* its channel while waiting */
    /* CSP_WAIT_SEND: the token whose R it needs; CSP_WAIT_BIND: its send's
     * marker */
    uint64_t wait_token;
    /* CSP_WAIT_BIND: the token its send became (PTO_CSP_NONE until bound) */
    uint64_t bound_k;
    uint64_t last;                 /* its last task (PTO_CSP_NONE: none yet) */
    uint64_t after[PTO_CSP_AFTER]; /* its next task waits for these */
    uint32_t nafter;
    /* ... and for these to start (its sends' receives k - C, or k) */
    uint64_t start[PTO_CSP_AFTER];
    uint8_t start_from[PTO_CSP_AFTER]; /* the tag of the process start[i] is of */
    uint32_t nstart;
    /* its next task waits for this one's end: `last`, or PTO_CSP_NONE when
     * a pending receive's token implies it (pto_csp_tok.seen) */
    uint64_t order;
    pto_channel *pend[PTO_CSP_AFTER]; /* receives its next task is R of */
    uint64_t pend_k[PTO_CSP_AFTER];
    uint32_t npend;
    uint64_t sent_on; /* channels it sent on (bit = channel index) */
    /* seen[t]: the latest task of the process tagged t that this process's
     * last task is known to follow, + 1 (0: none; seen[0], no process, is
     * always 0): the latest T_k of that process's tokens its tasks
     * received. Edges it implies are left out ("Implied edges" below). */
    uint64_t seen[PTO_CSP_PROCESSES + 1];
    pto_policy_sel policy; /* its dispatch policy while switched out */
    /* Its scopes while it waits (taken off the run's stack, which other
     * processes use meanwhile; their tasks stay held: retire_hold) */
    uint32_t nscopes;
    pto_scope scopes[PTO_CSP_SCOPES];
    uint64_t scope_begin[PTO_CSP_SCOPES];
    pto_status st;
    pto_error err;
    pto_fiber fiber;
} pto_csp_proc;

typedef struct pto_csp {
    pto_csp_proc *procs;    /* PTO_CSP_PROCESSES, allocated at first use */
    pto_channel *chans;     /* PTO_CSP_CHANNELS */
    pto_csp_tok *pool;      /* PTO_CSP_POOL */
    pto_csp_send *sends;    /* PTO_CSP_PROCESSES unbound sends per channel */
    uint32_t nprocs, first; /* processes of this run; pto_csp_run starts [first, nprocs) */
    uint32_t nchans, pool_used;
    uint32_t unbound; /* fan-in sends not yet bound, all channels */
    uint64_t latency;
    pto_csp_proc *cur; /* the process whose body is running, or NULL */
    uint32_t next;     /* round robin: the process (index - first) to try first */
    int raw;           /* adding a token's own dummy: no process edges */
    int mark;          /* ... a fan-in marker: watched for its completion */
    uint32_t base_depth;
    pto_fiber_host host;
    /* For the traces of the last run (pto_last_run_*): the process of
     * each task id < trace_capacity (index + 1; 0: none; entries below
     * tagged_end may be set, the rest are 0) and the tokens received, in
     * receive order (at most PTO_CSP_TOKEN_LOG; the rest counted). */
    uint8_t *task_proc;
    uint64_t task_cap, tagged_end;
    pto_token_record *tokens;
    uint64_t ntokens, tokens_dropped;
} pto_csp;

struct pto_run;
void pto_csp_reset(pto_csp *c);
void pto_csp_free(pto_csp *c);

/* A token's own task (pto_csp.raw), outside the process's order: never
 * scoped (a long stream must not pile them up); a fan-in marker is watched
 * for its completion. Before publication. */
static inline void pto_csp_added_raw(const pto_csp *c, pto_task *t)
{
    t->scope_depth = PTO_TB_UNSCOPED;
    if (c->mark)
        t->watch |= PTO_WATCH_DONE;
}

/* Implied edges. A process's tasks follow one another, so a task that
 * waits for the end of process q's task Y also waits for the end, and so
 * the start, of every task of q up to Y. Through a received token's
 * arrival, the next task waits for the end of the token's T_k (a task of
 * its sender); so it need not wait again for its process's last task when
 * T_k is known to follow that task (pto_csp_tok.seen), nor for the start
 * of a receive R of q's (a start edge) when T_k is a task of q from R on.
 * Such an edge is left out: the graph of a process cycle (ping-pong,
 * credits) stays a chain, every time the same (a retired arrival ended
 * before the next task is published). */

/* p's next task need not wait for p->start[i] to start: it is p's own
 * task, or a token p received was sent by that task's process after it
 * (a sender of PTO_CSP_NONE, + 1, is 0). */
static inline int pto_csp_start_implied(const pto_csp_proc *p, uint32_t i)
{
    if (p->start_from[i] == p->tag)
        return 1;
    for (uint32_t j = 0; j < p->npend; j++) {
        const pto_csp_tok *tok = &p->pend[j]->tok[p->pend_k[j] & p->pend[j]->mask];
        if (tok->from == p->start_from[i] && tok->sender + 1 > p->start[i])
            return 1;
    }
    return 0;
}

/* After task `id` was added while process c->cur runs (not raw; t: the
 * task, NULL when the run only counts tasks after a deadlock): it waits for
 * the receives its process's sends wait for to start (submit.c reserved
 * the dep nodes and wired its `order` and `after` tasks; frontier: the
 * oldest live task), unless implied, becomes the process's last task and
 * the receiving task of its pending receives, and follows their tokens'
 * T_k. Inline: it runs for every task of a process. */
static inline void pto_csp_added(pto_csp *c, pto_task_buffer *tb, uint64_t id, pto_task *t,
                                 uint64_t frontier)
{
    pto_csp_proc *p = c->cur;
    for (uint32_t i = 0; t && i < p->nstart; i++)
        if (p->start[i] >= frontier && !pto_csp_start_implied(p, i))
            pto_tb_add_start_dep(tb, p->start[i], id, NULL);
    p->nstart = 0;
    p->last = id;
    p->order = id;
    p->nafter = 0;
    if (id < c->task_cap) { /* its lane in the traces (ids only grow in a run) */
        c->task_proc[id] = p->tag;
        c->tagged_end = id + 1;
    }
    uint32_t npend = p->npend;
    if (!npend)
        return;
    if (t)
        pto_tb_watch_start(t); /* a later send may wait for its start */
    for (uint32_t i = 0; i < npend; i++) {
        pto_channel *ch = p->pend[i];
        uint64_t k = p->pend_k[i];
        pto_csp_tok *tok = &ch->tok[k & ch->mask];
        tok->rtask = id;
        tok->rk = k;
        if (tok->sender + 1 > p->seen[tok->from]) /* (PTO_CSP_NONE + 1 is 0) */
            p->seen[tok->from] = tok->sender + 1;
        if (c->ntokens < PTO_CSP_TOKEN_LOG)
            c->tokens[c->ntokens++] = (pto_token_record){tok->sender, id, ch->index, (uint32_t)k};
        else
            c->tokens_dropped++;
    }
    p->npend = 0;
}
/* Binds the fan-in sends whose markers completed, in completion order;
 * run where the orchestrator waits (the CSP loop, a stalled
 * pto_flow_acquire). Unbound markers hold retirement (retire_hold). */
void pto_csp_harvest(struct pto_run *run);

#endif
