/* Ready queue: bounded multi-producer multi-consumer FIFO of task slots
 * (one per core type).
 *
 * Invariants: capacity is a power of two >= 2 fixed at device open and is at
 * least the task window, so it can hold every live task and push never fails while
 * that holds (push still reports full rather than overwrite). Each cell's seq
 * tells whose turn it is: cell i is free for the push of position p when
 * seq == p and holds the value for the pop of position p when seq == p + 1.
 * Producers: orchestrator and schedulers (tasks becoming ready). Consumers:
 * schedulers. */
#ifndef PTO_CORE_READY_QUEUE_H
#define PTO_CORE_READY_QUEUE_H

#include <stdatomic.h>
#include <stdint.h>

#include "pto/status.h"

typedef struct pto_rq_cell {
    _Atomic uint64_t seq;
    uint32_t value;
} pto_rq_cell;

typedef struct pto_ready_queue {
    _Alignas(64) _Atomic uint64_t head; /* next pop position */
    _Alignas(64) _Atomic uint64_t tail; /* next push position */
    _Alignas(64) pto_rq_cell *cells;
    uint64_t mask;
    uint32_t capacity;
} pto_ready_queue;

pto_status pto_rq_init(pto_ready_queue *q, uint32_t capacity, pto_error *err);
void pto_rq_destroy(pto_ready_queue *q);
/* Empties the queue (no concurrent users). */
void pto_rq_reset(pto_ready_queue *q);
/* 0 on success, -1 when full. */
int pto_rq_push(pto_ready_queue *q, uint32_t value);
/* Pushes values[0..n) in order: with one reservation of the tail when
 * their n cells are all free, else one by one. Returns how many were
 * pushed (a prefix; fewer than n only when the queue filled up). */
uint32_t pto_rq_push_n(pto_ready_queue *q, const uint32_t *values, uint32_t n);
/* 0 on success, -1 when empty. */
int pto_rq_pop(pto_ready_queue *q, uint32_t *value);
/* Pops up to max values in order with one reservation of the head (the
 * filled cells found at it). Returns how many (0 when empty). */
uint32_t pto_rq_pop_n(pto_ready_queue *q, uint32_t *values, uint32_t max);
/* Approximate number of queued items (exact when quiescent). */
uint64_t pto_rq_size(pto_ready_queue *q);

#endif
