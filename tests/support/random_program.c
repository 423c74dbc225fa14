#include "support/random_program.h"
#include "support/rand.h"

#include <stdio.h>
#include <string.h>

/* args: step, nviews, rows, cols, then per view: address, kind, row stride
 * (elements). For each element, row-major: s mixes the step, the element
 * index and every IN/INOUT value; then INOUT views become v*3 + s and OUT
 * views become s ^ step. */
void rp_kernel(const uint64_t *a)
{
    uint32_t step = (uint32_t)a[0], nv = (uint32_t)a[1];
    uint64_t rows = a[2], cols = a[3];
    for (uint64_t r = 0; r < rows; r++)
        for (uint64_t c = 0; c < cols; c++) {
            uint32_t s = step * 2654435761u + (uint32_t)(r * cols + c);
            for (uint32_t v = 0; v < nv; v++) {
                const uint32_t *p = pto_bits_ptr(a[4 + 3 * v]);
                if (a[5 + 3 * v] != RP_OUT)
                    s = s * 31u + p[r * a[6 + 3 * v] + c];
            }
            for (uint32_t v = 0; v < nv; v++) {
                uint32_t *p = pto_bits_ptr(a[4 + 3 * v]);
                uint32_t *e = &p[r * a[6 + 3 * v] + c];
                if (a[5 + 3 * v] == RP_INOUT)
                    *e = *e * 3u + s;
                else if (a[5 + 3 * v] == RP_OUT)
                    *e = s ^ step;
            }
        }
}


/* Interior bases (rp_view.shift) from a stream of their own, so that the
 * rest of a seed's program is what it was before they existed: none for
 * two views in three, else the whole offset or a random part of it. */
static uint32_t shift_of(uint64_t *y, uint32_t off)
{
    uint32_t r = below(y, 6);
    return r < 4 ? 0 : r == 4 ? off : below(y, off + 1);
}

void rp_make(rp_program *p, uint64_t seed, uint32_t nsteps, uint32_t max_scope, int scalars)
{
    uint64_t x = seed, y = seed ^ 0x5bd1e9955bd1e995ull;
    memset(p, 0, sizeof *p);
    p->nsteps = nsteps;
    for (int b = 0; b < RP_NBUF; b++)
        for (int i = 0; i < RP_LEN; i++)
            p->init[b][i] = (uint32_t)next_rand(&x);
    uint32_t left_in_scope = 0;
    for (uint32_t k = 0; k < nsteps; k++) {
        rp_step *s = &p->s[k];
        s->rows = 1 + below(&x, 4);
        s->cols = 1 + below(&x, RP_GRID);
        s->nviews = 1 + below(&x, RP_MAX_VIEWS);
        int writes = 0;
        for (uint32_t v = 0; v < s->nviews; v++) {
            rp_view *w = &s->v[v];
            w->buf = below(&x, RP_NBUF);
            w->kind = below(&x, 3);
            writes |= w->kind != RP_IN;
            if (below(&x, 2)) { /* tile of the 8 x 8 grid */
                w->tile = 1;
                w->rstride = RP_GRID;
                w->off =
                    below(&x, RP_GRID - s->rows + 1) * RP_GRID + below(&x, RP_GRID - s->cols + 1);
            } else { /* contiguous run of rows * cols */
                w->rstride = s->cols;
                w->off = below(&x, RP_LEN - s->rows * s->cols + 1);
                w->one_d = (int)below(&x, 2);
            }
            w->shift = shift_of(&y, w->off);
        }
        if (!writes)
            s->v[s->nviews - 1].kind = RP_INOUT;
        if (!left_in_scope) {
            s->scope_begin = 1;
            left_in_scope = 1 + below(&x, max_scope);
        }
        if (scalars) {
            s->pred = below(&x, 3);
            s->pslot = below(&x, RP_SLOTS);
            if (left_in_scope >= 2 && below(&x, 2)) { /* room for the slot task too */
                s->sop = 1 + below(&x, 3);
                s->slot = below(&x, RP_SLOTS);
                s->sbuf = below(&x, RP_NBUF);
                s->selem = below(&x, RP_LEN);
                s->sfrom = below(&x, RP_SLOTS);
                s->sval = next_rand(&x);
                s->sshift = shift_of(&y, s->selem);
                left_in_scope--;
            }
        }
        p->ntasks += 1 + (s->sop != RP_SOP_NONE);
        if (--left_in_scope == 0 || k + 1 == nsteps) {
            s->scope_end = 1;
            left_in_scope = 0;
        }
    }
}

static uint32_t pack_args(const rp_step *s, uint32_t k, uint32_t *const bufs[RP_NBUF],
                          uint64_t *args)
{
    args[0] = k;
    args[1] = s->nviews;
    args[2] = s->rows;
    args[3] = s->cols;
    for (uint32_t v = 0; v < s->nviews; v++) {
        args[4 + 3 * v] = pto_ptr_bits(bufs[s->v[v].buf] + s->v[v].off);
        args[5 + 3 * v] = s->v[v].kind;
        args[6 + 3 * v] = s->v[v].rstride;
    }
    return 4 + 3 * s->nviews;
}

/* The slot task before step k and its predicate, in program order. */
static void serial_slot(const rp_step *s, uint32_t *const bufs[RP_NBUF], uint64_t *slots)
{
    if (s->sop == RP_SOP_LOAD)
        slots[s->slot] = bufs[s->sbuf][s->selem];
    else if (s->sop == RP_SOP_CONST)
        slots[s->slot] = s->sval;
    else if (s->sop == RP_SOP_EXPR)
        slots[s->slot] = slots[s->sfrom] * 3u + 1u;
}

static int serial_pred(const rp_step *s, uint32_t k, const uint64_t *slots)
{
    uint64_t v = slots[s->pslot];
    return s->pred == RP_PRED_EVEN ? (v & 1u) == 0 : s->pred == RP_PRED_MOD3 ? (v + k) % 3u != 0 : 1;
}

uint32_t rp_serial(const rp_program *p, uint32_t out[RP_NBUF][RP_LEN])
{
    uint32_t skipped = 0;
    memcpy(out, p->init, sizeof p->init);
    uint32_t *bufs[RP_NBUF] = {out[0], out[1], out[2]};
    uint64_t slots[RP_SLOTS] = {0};
    for (uint32_t k = 0; k < p->nsteps; k++) {
        uint64_t args[PTO_MAX_ARGS];
        serial_slot(&p->s[k], bufs, slots);
        if (!serial_pred(&p->s[k], k, slots)) {
            skipped++;
            continue;
        }
        pack_args(&p->s[k], k, bufs, args);
        rp_kernel(args);
    }
    return skipped;
}

static pto_tensor view_tensor(const rp_step *s, const rp_view *w, uint32_t *base)
{
    if (w->tile) {
        pto_tensor grid = pto_tensor_2d(base, RP_GRID, RP_GRID, 4);
        return pto_tensor_tile(&grid, w->off / RP_GRID, w->off % RP_GRID, s->rows, s->cols);
    }
    pto_tensor t = w->one_d ? pto_tensor_1d(base, (uint64_t)s->rows * s->cols, 4)
                            : pto_tensor_2d(base, s->rows, s->cols, 4);
    t.offset = (uint64_t)w->off * 4;
    return t;
}

/* The same view with w->shift elements of its offset moved into the base. */
static pto_tensor view_tensor_shifted(const rp_step *s, const rp_view *w, uint32_t *buf)
{
    pto_tensor t = view_tensor(s, w, buf);
    t.base = buf + w->shift;
    t.offset -= (uint64_t)w->shift * 4;
    return t;
}

typedef struct orch_ctx {
    const rp_program *p;
    uint32_t *dev[RP_NBUF];
    pto_expr even[RP_SLOTS], mod3[RP_SLOTS], from[RP_SLOTS];
} orch_ctx;

static void parse(pto_expr *e, const char *fmt, uint32_t slot)
{
    char text[64];
    int n = snprintf(text, sizeof text, fmt, slot, slot);
    pto_error err;
    if (pto_expr_parse(e, text, (size_t)n, NULL, &err))
        fprintf(stderr, "random_program: %s: %s\n", text, err.msg); /* a test bug */
}

/* The slot task before a step and its predicate (scalars programs). */
static pto_status orch_scalars(pto_run *run, orch_ctx *c, const rp_step *s, pto_error *err)
{
    pto_status st = PTO_OK;
    if (s->sop == RP_SOP_LOAD) {
        pto_tensor t = pto_tensor_1d(c->dev[s->sbuf] + s->sshift, RP_LEN - s->sshift, 4);
        st = pto_slot_load(run, s->slot, &t, s->selem - s->sshift, NULL, err);
    } else if (s->sop == RP_SOP_CONST) {
        st = pto_slot_set_u64(run, s->slot, s->sval, NULL, err);
    } else if (s->sop == RP_SOP_EXPR) {
        st = pto_slot_set(run, s->slot, &c->from[s->sfrom], NULL, err);
    }
    if (!st && s->pred)
        st = pto_set_task_predicate(
            run, s->pred == RP_PRED_EVEN ? &c->even[s->pslot] : &c->mod3[s->pslot], err);
    return st;
}

static pto_status orch(pto_run *run, void *vctx, pto_error *err)
{
    orch_ctx *c = vctx;
    pto_status st = PTO_OK;
    for (uint32_t k = 0; k < c->p->nsteps && !st; k++) {
        const rp_step *s = &c->p->s[k];
        if (s->scope_begin && (st = pto_scope_begin(run, "group", PTO_SCOPE_AUTO, err)))
            break;
        if ((s->sop || s->pred) && (st = orch_scalars(run, c, s, err)))
            break;
        pto_param prm[PTO_MAX_ARGS];
        uint32_t n = 0;
        prm[n++] = pto_scalar(k);
        prm[n++] = pto_scalar(s->nviews);
        prm[n++] = pto_scalar(s->rows);
        prm[n++] = pto_scalar(s->cols);
        for (uint32_t v = 0; v < s->nviews; v++) {
            const rp_view *w = &s->v[v];
            pto_tensor t = view_tensor_shifted(s, w, c->dev[w->buf]);
            prm[n++] = w->kind == RP_IN      ? pto_in(t)
                       : w->kind == RP_INOUT ? pto_inout(t)
                                             : pto_out_existing(t);
            prm[n++] = pto_scalar(w->kind);
            prm[n++] = pto_scalar(w->rstride);
        }
        st = pto_submit(run, 0, PTO_CORE_AIV, prm, n, NULL, err);
        if (!st && s->scope_end)
            st = pto_scope_end(run, err);
    }
    return st;
}

#define WHY(...) (snprintf(why, why_len, __VA_ARGS__), 1)

int rp_run_case(pto_device *dev, uint32_t window, pto_run_mode mode, int deterministic,
                const char *dispatch,
                uint64_t seed, uint32_t publish_batch, uint32_t watchdog_ms, pto_stats *stats,
                char *why, size_t why_len)
{
    static _Thread_local rp_program prog;
    int scalars = (int)((seed * 0x9e3779b97f4a7c15ull) >> 63); /* half the seeds */
    uint32_t nsteps = RP_STEPS;
    if (mode == PTO_MODE_HOST_BUILT && nsteps > window >> scalars)
        nsteps = window >> scalars; /* a host-built graph must fit the window (slot tasks too) */
    if (!nsteps)
        nsteps = 1, scalars = 0;
    uint32_t max_scope = window < 6 ? window : 6;
    rp_make(&prog, seed * 1000003u + window, nsteps, max_scope, scalars);

    uint32_t want[RP_NBUF][RP_LEN], got[RP_NBUF][RP_LEN];
    uint32_t skipped = rp_serial(&prog, want);

    static _Thread_local orch_ctx c;
    memset(&c, 0, sizeof c);
    c.p = &prog;
    for (uint32_t i = 0; scalars && i < RP_SLOTS; i++) {
        parse(&c.even[i], "(slot%u & 1u) == 0u", i);
        parse(&c.mod3[i], "(slot%u + param0) %% 3u != 0u", i);
        parse(&c.from[i], "slot%u * 3u + 1u", i);
    }
    pto_error err = {0};
    int bad = 0;
    for (int b = 0; b < RP_NBUF && !bad; b++) {
        void *p = NULL;
        if (pto_malloc(dev, RP_LEN * 4, &p, &err))
            bad = WHY("malloc: %s", err.msg);
        else if (pto_copy_to_device(dev, p, prog.init[b], RP_LEN * 4, &err))
            bad = WHY("copy in: %s", err.msg);
        c.dev[b] = p;
    }
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = mode;
    rc.deterministic = deterministic;
    rc.dispatch = dispatch;
    rc.publish_batch = publish_batch;
    if (watchdog_ms)
        rc.watchdog_ms = watchdog_ms;
    pto_stats st_local, *st = stats ? stats : &st_local;
    if (!bad && pto_launch(dev, &rc, orch, &c, st, &err))
        bad = WHY("launch: %s", err.msg);
    for (int b = 0; b < RP_NBUF && !bad; b++)
        if (pto_copy_from_device(dev, got[b], c.dev[b], RP_LEN * 4, &err))
            bad = WHY("copy out: %s", err.msg);
    for (int b = 0; b < RP_NBUF && !bad; b++)
        for (int i = 0; i < RP_LEN && !bad; i++)
            if (got[b][i] != want[b][i])
                bad = WHY("buffer %d [%d] = %u, serial %u", b, i, got[b][i], want[b][i]);
    if (!bad && st->skipped != skipped)
        bad = WHY("%llu tasks skipped, serial %u", (unsigned long long)st->skipped, skipped);
    if (!bad && st->tasks != prog.ntasks)
        bad = WHY("%llu tasks ran, %u submitted", (unsigned long long)st->tasks, prog.ntasks);
    if (!bad &&
        (st->flow[PTO_STALL_TASK_RING_FULL].capacity != window ||
         st->flow[PTO_STALL_TASK_RING_FULL].high_water > window ||
         st->flow[PTO_STALL_READY_QUEUE_FULL].stalls != 0 || st->stall_reason != PTO_STALL_NONE))
        bad = WHY("flow statistics: ring %llu/%llu, ready-queue stalls %llu, reason %d",
                  (unsigned long long)st->flow[PTO_STALL_TASK_RING_FULL].high_water,
                  (unsigned long long)st->flow[PTO_STALL_TASK_RING_FULL].capacity,
                  (unsigned long long)st->flow[PTO_STALL_READY_QUEUE_FULL].stalls,
                  (int)st->stall_reason);
    /* nothing retires before launch */
    if (!bad && mode == PTO_MODE_HOST_BUILT &&
        st->flow[PTO_STALL_TASK_RING_FULL].high_water != prog.ntasks)
        bad = WHY("host-built ring high water %llu, want %u",
                  (unsigned long long)st->flow[PTO_STALL_TASK_RING_FULL].high_water, prog.ntasks);
    for (int b = 0; b < RP_NBUF; b++)
        if (c.dev[b])
            pto_free(dev, c.dev[b], &err);
    return bad;
}
