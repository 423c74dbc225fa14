#include "core/ready_queue.h"

#include <stdlib.h>

#include "core/bits.h"
#include "util/error.h"

pto_status pto_rq_init(pto_ready_queue *q, uint32_t capacity, pto_error *err)
{
    /* The per-cell turn counter needs two cells to tell "full" from "empty". */
    if (!pto_is_pow2(capacity) || capacity < 2)
        return pto_fail(err, PTO_ERR_INVALID, "ready queue capacity %u is not a power of two >= 2",
                        capacity);
    q->cells = aligned_alloc(64, pto_round_up((size_t)capacity * sizeof *q->cells, 64));
    if (!q->cells)
        return pto_fail(err, PTO_ERR_NOMEM, "ready queue of %u entries", capacity);
    q->capacity = capacity;
    q->mask = capacity - 1;
    pto_rq_reset(q);
    return PTO_OK;
}

void pto_rq_destroy(pto_ready_queue *q)
{
    free(q->cells);
    q->cells = 0;
}

void pto_rq_reset(pto_ready_queue *q)
{
    for (uint64_t i = 0; i < q->capacity; i++)
        atomic_store_explicit(&q->cells[i].seq, i, memory_order_relaxed);
    atomic_store_explicit(&q->head, 0, memory_order_relaxed);
    atomic_store_explicit(&q->tail, 0, memory_order_release);
}

int pto_rq_push(pto_ready_queue *q, uint32_t value)
{
    uint64_t pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
    for (;;) {
        pto_rq_cell *c = &q->cells[pos & q->mask];
        uint64_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        int64_t diff = (int64_t)(seq - pos);
        if (diff == 0) {
            if (atomic_compare_exchange_weak_explicit(&q->tail, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed)) {
                c->value = value;
                atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
                return 0;
            }
        } else if (diff < 0) {
            return -1; /* full */
        } else {
            pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
        }
    }
}

uint32_t pto_rq_push_n(pto_ready_queue *q, const uint32_t *values, uint32_t n)
{
    uint64_t pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
    uint32_t i = 0;
    while (n > 1 && n <= q->capacity) {
        for (i = 0; i < n; i++)
            if (atomic_load_explicit(&q->cells[(pos + i) & q->mask].seq, memory_order_acquire) !=
                pos + i)
                break;
        if (i < n)
            break; /* a cell is still taken, or another push moved the tail */
        if (atomic_compare_exchange_weak_explicit(&q->tail, &pos, pos + n, memory_order_relaxed,
                                                  memory_order_relaxed)) {
            /* Cells become visible in order: a pop of position p waits
             * for its own cell only. */
            for (i = 0; i < n; i++) {
                pto_rq_cell *c = &q->cells[(pos + i) & q->mask];
                c->value = values[i];
                atomic_store_explicit(&c->seq, pos + i + 1, memory_order_release);
            }
            return n;
        }
    }
    for (i = 0; i < n && pto_rq_push(q, values[i]) == 0; i++)
        ;
    return i;
}

int pto_rq_pop(pto_ready_queue *q, uint32_t *value)
{
    uint64_t pos = atomic_load_explicit(&q->head, memory_order_relaxed);
    for (;;) {
        pto_rq_cell *c = &q->cells[pos & q->mask];
        uint64_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        int64_t diff = (int64_t)(seq - (pos + 1));
        if (diff == 0) {
            if (atomic_compare_exchange_weak_explicit(&q->head, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed)) {
                *value = c->value;
                atomic_store_explicit(&c->seq, pos + q->mask + 1, memory_order_release);
                return 0;
            }
        } else if (diff < 0) {
            return -1; /* empty */
        } else {
            pos = atomic_load_explicit(&q->head, memory_order_relaxed);
        }
    }
}

uint32_t pto_rq_pop_n(pto_ready_queue *q, uint32_t *values, uint32_t max)
{
    uint64_t pos = atomic_load_explicit(&q->head, memory_order_relaxed);
    while (max) {
        uint32_t n = 0;
        uint64_t seq;
        /* Cells filled for positions pos, pos + 1, ...: nobody can take
         * them while the head stays at pos, nor refill them before. */
        while (n < max && (seq = atomic_load_explicit(&q->cells[(pos + n) & q->mask].seq,
                                                      memory_order_acquire)) == pos + n + 1)
            n++;
        if (!n) {
            if ((int64_t)(seq - (pos + 1)) < 0)
                return 0; /* empty */
            pos = atomic_load_explicit(&q->head, memory_order_relaxed);
            continue;
        }
        if (atomic_compare_exchange_weak_explicit(&q->head, &pos, pos + n, memory_order_relaxed,
                                                  memory_order_relaxed)) {
            for (uint32_t i = 0; i < n; i++) {
                pto_rq_cell *c = &q->cells[(pos + i) & q->mask];
                values[i] = c->value;
                atomic_store_explicit(&c->seq, pos + i + q->mask + 1, memory_order_release);
            }
            return n;
        }
    }
    return 0;
}

uint64_t pto_rq_size(pto_ready_queue *q)
{
    uint64_t t = atomic_load_explicit(&q->tail, memory_order_acquire);
    uint64_t h = atomic_load_explicit(&q->head, memory_order_acquire);
    return t > h ? t - h : 0;
}
