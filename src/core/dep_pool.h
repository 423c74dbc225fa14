/* Dep-list pool: one node per dependency edge, linked into the producer's
 * fanout list and into the consumer's fanin list.
 *
 * Invariants: capacity is a power of two fixed at device open. Nodes are
 * taken in order at `head` by the orchestrator only (when it wires an edge)
 * and given back in order by advancing `tail` to the dep_mark of the newest
 * retired task. A node wired for consumer C is dead once C retires: in
 * streamed orchestration edges are wired only into the newest task, so every
 * node below C's mark belongs to a consumer <= C whose producers retired
 * before it. (A host-built graph may wire edges in any order, but it never
 * allocates while running, and the pool is reset per run.)
 * head - tail <= capacity; a full pool is reported, never overwritten.
 * `nodes`, `capacity` and `mask` are read by the schedulers; the counters
 * the orchestrator writes per edge sit on a line of their own. */
#ifndef PTO_CORE_DEP_POOL_H
#define PTO_CORE_DEP_POOL_H

#include <stdint.h>

#include "pto/status.h"

typedef struct pto_dep_node {
    uint32_t producer; /* ring slot of the producer task */
    uint32_t consumer; /* ring slot of the consumer task */
    uint32_t next_out; /* next edge of the producer's fanout list */
    uint32_t next_in;  /* next edge of the consumer's fanin list */
} pto_dep_node;

typedef struct pto_dep_pool {
    pto_dep_node *nodes;
    uint32_t capacity, mask;
    _Alignas(64) uint64_t head; /* orchestrator: next node to hand out */
    uint64_t tail;              /* orchestrator (retirement): oldest live node */
    uint64_t high_water;
} pto_dep_pool;

pto_status pto_dep_pool_init(pto_dep_pool *p, uint32_t capacity, pto_error *err);
void pto_dep_pool_destroy(pto_dep_pool *p);
void pto_dep_pool_reset(pto_dep_pool *p);

/* Index of a fresh node, or PTO_DEP_NIL when the pool is full. */
static inline uint32_t pto_dep_pool_alloc(pto_dep_pool *p)
{
    if (p->head - p->tail >= p->capacity)
        return UINT32_MAX;
    uint32_t idx = (uint32_t)(p->head & p->mask);
    /* Schedulers read nodes when tasks complete: claim the line 16 nodes
     * ahead now so that writing it later does not wait for them. */
    __builtin_prefetch(&p->nodes[(p->head + 16) & p->mask], 1);
    p->head++;
    if (p->head - p->tail > p->high_water)
        p->high_water = p->head - p->tail;
    return idx;
}

#endif
