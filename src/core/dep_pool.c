#include "core/dep_pool.h"

#include <stdlib.h>

#include "core/bits.h"
#include "core/task.h"
#include "util/error.h"

pto_status pto_dep_pool_init(pto_dep_pool *p, uint32_t capacity, pto_error *err)
{
    if (!pto_is_pow2(capacity) || capacity >= (uint32_t)PTO_FANIN_BIAS)
        return pto_fail(err, PTO_ERR_INVALID, "dep pool size %u is not a power of two below 2^30",
                        capacity);
    p->nodes = malloc((size_t)capacity * sizeof *p->nodes);
    if (!p->nodes)
        return pto_fail(err, PTO_ERR_NOMEM, "dep pool of %u nodes", capacity);
    p->capacity = capacity;
    p->mask = capacity - 1;
    pto_dep_pool_reset(p);
    return PTO_OK;
}

void pto_dep_pool_destroy(pto_dep_pool *p)
{
    free(p->nodes);
    p->nodes = 0;
}

void pto_dep_pool_reset(pto_dep_pool *p) { p->head = p->tail = p->high_water = 0; }
