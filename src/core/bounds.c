/* Bounds-checking mode: the FIN-time red-zone check (see bounds.h). */
#include "core/bounds.h"

#include <stdio.h>

#include "core/redzone.h"
#include "core/task.h"
#include "core/device.h"
#include "util/error.h"

const char *pto_param_kind_name(pto_param_kind k)
{
    static const char *const names[] = {"IN", "OUT", "INOUT", "OUT_EXISTING", "NO_DEP", "SCALAR"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* Which parameter to name for a buffer several parameters share. */
static int rank(int kind)
{
    return kind == PTO_IN ? 0 : kind == PTO_NO_DEP || kind == PTO_GUARD_ARG ? 1 : 2;
}

void pto_guard_add(pto_guard_set *s, uint64_t start, uint64_t bytes, uint32_t param, int kind)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->g[i].start == start) {
            if (rank(kind) > rank(s->g[i].kind)) {
                s->g[i].param = (uint8_t)param;
                s->g[i].kind = (uint8_t)kind;
            }
            return;
        }
    s->g[s->n++] = (pto_guard){start, bytes, (uint8_t)param, (uint8_t)kind};
}

int pto_bounds_check_task(pto_device *dev, const pto_task *t)
{
    const pto_guard_set *s = &dev->guards[t->id & dev->tb.mask];
    if (s->task != t->id)
        return 0;
    for (uint32_t i = 0; i < s->n; i++) {
        const pto_guard *g = &s->g[i];
        pto_redzone_damage d;
        if (!pto_redzone_check((const uint8_t *)(uintptr_t)g->start, g->bytes, &d))
            continue;
        int expected = 0;
        if (!atomic_compare_exchange_strong(&dev->bounds.claimed, &expected, 1))
            return 1; /* an earlier failure is the one reported */
        char which[48];
        if (g->kind == PTO_GUARD_ARG)
            snprintf(which, sizeof which, "argument %u", g->param);
        else
            snprintf(which, sizeof which, "param %u (%s)", g->param,
                     pto_param_kind_name((pto_param_kind)g->kind));
        pto_fail(&dev->bounds.err, PTO_ERR_KERNEL,
                 "bounds check: task t%llu (kernel '%s', func_id %d) wrote %s %s, its buffer "
                 "of %llu bytes at %p: the red zone %s it is damaged at byte offsets "
                 "%lld..%lld from the buffer's start",
                 (unsigned long long)t->id, pto_kernel_name(dev, t->func_id), t->func_id,
                 d.after ? "past the end of" : "before the start of", which,
                 (unsigned long long)g->bytes, (void *)(uintptr_t)g->start,
                 d.after ? "after" : "before", (long long)d.first, (long long)d.last);
        return 1;
    }
    return 0;
}
