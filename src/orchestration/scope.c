/* Scopes: each task is held by the innermost scope open when it was added,
 * until that scope ends. The hold is implicit (pto_tb_scope_holds): ending a
 * scope lowers scopes_open and touches no task. */
#include <stdio.h>

#include "core/device.h"
#include "util/error.h"
#include "orchestration/run_internal.h"

static void scope_open(pto_run *run, uint32_t depth, const char *name, pto_scope_mode mode)
{
    pto_scope *s = &run->scopes[depth];
    snprintf(s->name, sizeof s->name, "%s", name ? name : "(unnamed)");
    s->mode = mode;
    s->heap_bytes = run->heap_requested;
    if (depth)
        s->policy = run->scopes[depth - 1].policy;
    run->scope_begin[depth] = pto_run_vnext(run);
    run->scopes_open = depth + 1;
}

void pto_run_scopes_reset(pto_run *run)
{
    run->depth = 0;
    scope_open(run, 0, "run", PTO_SCOPE_AUTO);
}

void pto_run_scope_closed(pto_run *run, uint32_t depth)
{
    run->scopes_open = depth;
    if (run->failed && !run->dl.scope_closed && run->dl.scope_depth == depth) {
        run->dl.scope_tasks = pto_run_vnext(run) - run->scope_begin[depth];
        run->dl.scope_heap = run->heap_requested - run->scopes[depth].heap_bytes;
        run->dl.scope_closed = 1;
    }
}

pto_status pto_scope_begin(pto_run *run, const char *name, pto_scope_mode mode, pto_error *err)
{
    pto_status st = pto_run_check_building(run, "pto_scope_begin", err);
    if (st)
        return st;
    if (mode != PTO_SCOPE_AUTO && mode != PTO_SCOPE_MANUAL)
        return pto_fail(err, PTO_ERR_INVALID, "pto_scope_begin: unknown mode %d", mode);
    if (run->depth >= PTO_MAX_SCOPE_DEPTH)
        return pto_fail(err, PTO_ERR_CAPACITY, "pto_scope_begin('%s'): scopes nest at most %d deep",
                        name ? name : "", PTO_MAX_SCOPE_DEPTH);
    pto_run_publish_batch(run);
    scope_open(run, ++run->depth, name, mode);
    return PTO_OK;
}

pto_status pto_scope_end(pto_run *run, pto_error *err)
{
    pto_status st = pto_run_check_building(run, "pto_scope_end", err);
    if (st)
        return st;
    if (run->depth == 0 || (run->csp.cur && run->depth == run->csp.base_depth))
        return pto_fail(err, PTO_ERR_STATE, "pto_scope_end: no scope is open%s",
                        run->csp.cur ? " in this process" : "");
    pto_run_publish_batch(run);
    pto_run_scope_closed(run, run->depth);
    run->depth--;
    if (!run->failed)
        pto_flow_retire(run);
    return PTO_OK;
}
