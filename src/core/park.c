#include "core/park.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

void pto_event_init(pto_event *ev)
{
    atomic_init(&ev->seq, 0);
    atomic_init(&ev->waiters, 0);
    atomic_init(&ev->pending, 0);
    atomic_init(&ev->wakes, 0);
}

uint32_t pto_event_prepare(pto_event *ev)
{
    atomic_fetch_add(&ev->waiters, 1);
    atomic_thread_fence(memory_order_seq_cst); /* order before the re-check */
    uint32_t seen = atomic_load(&ev->seq);
    /* Only now re-arm: a signaller that set pending earlier has bumped seq
     * already (then `seen` includes its wake and clearing is right) or will
     * bump it after this load (then the wait below returns). Clearing
     * before the load lost a wake: a signal landing in between was counted
     * in `seen` yet left pending set, muting every later signal. */
    atomic_store(&ev->pending, 0);
    /* The caller's re-check for work follows: keep it after the store (a
     * seq_cst store does not order a later weaker load on every machine),
     * or a signaller that found pending still set could be missed too. */
    atomic_thread_fence(memory_order_seq_cst);
    return seen;
}

void pto_event_cancel(pto_event *ev) { atomic_fetch_sub(&ev->waiters, 1); }

int pto_event_wait(pto_event *ev, uint32_t seen, uint64_t timeout_ns)
{
    int timed_out = 0;
    if (atomic_load(&ev->seq) == seen) {
        struct timespec ts, *tsp = 0;
        if (timeout_ns) {
            ts.tv_sec = (time_t)(timeout_ns / 1000000000u);
            ts.tv_nsec = (long)(timeout_ns % 1000000000u);
            tsp = &ts;
        }
        long r = syscall(SYS_futex, (uint32_t *)&ev->seq, FUTEX_WAIT_PRIVATE, seen, tsp, 0, 0);
        if (r != 0 && errno == ETIMEDOUT)
            timed_out = 1;
    }
    atomic_fetch_sub(&ev->waiters, 1);
    return timed_out;
}

void pto_event_signal(pto_event *ev)
{
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load(&ev->waiters) == 0 || atomic_exchange(&ev->pending, 1))
        return;
    atomic_fetch_add(&ev->seq, 1);
    atomic_fetch_add_explicit(&ev->wakes, 1, memory_order_relaxed);
    syscall(SYS_futex, (uint32_t *)&ev->seq, FUTEX_WAKE_PRIVATE, 0x7fffffff, 0, 0, 0);
}
