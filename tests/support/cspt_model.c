#include "support/cspt_model.h"

#include <stdio.h>
#include <string.h>

#define NONE UINT64_MAX /* a time not known yet */

/* One channel's times. Invariants: token[k] != NONE iff the sender has
 * reached send k (C >= 1: token[k] = tau_k, the send's completion; C = 0:
 * E_k, the end the token carries); rstart[k] != NONE iff the receiver has
 * started R_k; sent / received count the sends and receives modelled. */
typedef struct mchan {
    uint64_t token[RC_MAX_ITEMS], rstart[RC_MAX_ITEMS];
    uint32_t sent, received;
} mchan;

/* Where a process is in its program. Invariants: phase RECV with op <
 * nin, TASK with op < ntasks, SEND with op < nout, or DONE (item ==
 * nitems); f is the earliest start of its next task from program order
 * (last task end, send completions since); ready the same from the tokens
 * received for that task (arrival + L); pend/npend the receives whose
 * receiving task is the next task; waiting: a rendezvous send whose token
 * is published and whose receive has not happened yet. */
enum { RECV, TASK, SEND, DONE };
typedef struct mproc {
    uint32_t item, phase, op;
    uint64_t f, ready;
    uint32_t pend[RC_MAX_IN], pend_k[RC_MAX_IN], npend;
    int waiting;
} mproc;

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* Moves q to the next op of its program (the next phase with an op, the
 * next item, or DONE). */
static void next_op(const rc_program *p, uint32_t s, mproc *q)
{
    const rc_proc *pr = &p->p[s];
    uint32_t count[3] = {pr->nin, pr->ntasks, pr->nout};
    q->op++;
    while (q->phase != DONE && q->op >= count[q->phase]) {
        q->op = 0;
        if (++q->phase == DONE && ++q->item < p->nitems)
            q->phase = RECV;
    }
}

/* Advances process s by one op if it can; 1 when it did. */
static int step(const rc_program *p, uint32_t s, mproc *q, mchan *ch, cspt_times *t,
                uint64_t cell_end[RC_MAX_ITEMS][RC_MAX_PROCS])
{
    const rc_proc *pr = &p->p[s];
    uint32_t i = q->item;
    if (q->phase == RECV && i < p->c[pr->in[q->op]].lag) {
        /* a feedback channel: no token before item lag */
    } else if (q->phase == RECV) {
        uint32_t c = pr->in[q->op];
        mchan *m = &ch[c];
        uint32_t k = m->received;
        if (k >= m->sent || m->token[k] == NONE)
            return 0; /* token k not sent yet */
        q->ready = max64(q->ready, m->token[k] + p->latency);
        q->pend[q->npend] = c, q->pend_k[q->npend++] = k;
        m->received++;
    } else if (q->phase == TASK) {
        uint64_t start = max64(q->f, q->ready);
        if (q->op == 0) /* reads the input stages' cells of item i */
            for (uint32_t r = 0; r < pr->nin; r++)
                if (!p->c[pr->in[r]].lag) /* (a feedback channel carries no data) */
                    start = max64(start, cell_end[i][p->c[pr->in[r]].from]);
        start += p->dispatch_cycles;
        t->start[s][i][q->op] = start;
        t->end[s][i][q->op] = q->f = start + pr->cycles[i][q->op];
        t->makespan = max64(t->makespan, q->f);
        for (uint32_t r = 0; r < q->npend; r++)
            ch[q->pend[r]].rstart[q->pend_k[r]] = start;
        q->npend = 0;
        q->ready = 0;
        if (q->op + 1 == pr->ntasks)
            cell_end[i][s] = q->f;
    } else {
        uint32_t c = pr->out[q->op];
        mchan *m = &ch[c];
        uint32_t cap = p->c[c].capacity, k = m->sent;
        if (cap == 0) {
            if (!q->waiting) { /* the token carries E; the receive decides */
                m->token[k] = q->f;
                m->sent++;
                q->waiting = 1;
                return 1;
            }
            k--; /* the token this send published */
            if (m->rstart[k] == NONE)
                return 0;
            q->f = max64(q->f, m->rstart[k]);
            q->waiting = 0;
        } else {
            uint64_t tau = q->f;
            if (k >= cap) {
                if (m->rstart[k - cap] == NONE)
                    return 0;
                tau = max64(tau, m->rstart[k - cap]);
            }
            m->token[k] = tau;
            m->sent++;
            q->f = tau;
        }
    }
    next_op(p, s, q);
    return 1;
}

int cspt_model(const rc_program *p, cspt_times *t, char *why, size_t why_len)
{
    static _Thread_local mchan ch[RC_MAX_CHANS];
    mproc q[RC_MAX_PROCS];
    uint64_t cell_end[RC_MAX_ITEMS][RC_MAX_PROCS];
    memset(t, 0, sizeof *t);
    memset(q, 0, sizeof q);
    memset(cell_end, 0, sizeof cell_end);
    for (uint32_t c = 0; c < p->nchans; c++) {
        ch[c].sent = ch[c].received = 0;
        for (uint32_t k = 0; k < RC_MAX_ITEMS; k++)
            ch[c].token[k] = ch[c].rstart[k] = NONE;
    }
    for (uint32_t s = 0; s < p->nprocs; s++) { /* position on its first op */
        q[s].op = UINT32_MAX;
        q[s].phase = RECV;
        next_op(p, s, &q[s]);
    }
    for (;;) {
        int progress = 0, done = 1;
        for (uint32_t s = 0; s < p->nprocs; s++) {
            while (q[s].phase != DONE && step(p, s, &q[s], ch, t, cell_end))
                progress = 1;
            done &= q[s].phase == DONE;
        }
        if (done)
            return 0;
        if (!progress) {
            snprintf(why, why_len, "CSPT model: deadlock");
            return 1;
        }
    }
}
