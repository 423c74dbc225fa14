/* Parking: how an idle host thread sleeps until another thread has work for
 * it, without a lost wake-up and without a syscall on the common path.
 *
 * Protocol (Dekker-style, all seq_cst):
 *   waiter: pto_event_prepare() -> re-check for work -> pto_event_wait() or
 *           pto_event_cancel();
 *   writer: publish work -> pto_event_signal().
 * Either the waiter's re-check sees the work, or the writer sees the waiter
 * and bumps seq so the futex wait returns. signal() costs one fence and one
 * load while nobody is parked; a real wake (futex) costs ~60 us on the
 * project's VMs, so callers keep it off the common path.
 *
 * Invariants: seq only increases (wrapping); waiters counts threads between
 * prepare and wait/cancel; pending is cleared by prepare (after it has read
 * seq) and set by the one signaller that issues the wake, so a parked
 * thread costs at most one futex wake however many threads signal it, and
 * pending is never left set by a wake its waiter already counted. Any thread
 * may signal; several may wait. tests/test_park.c checks that no wake is
 * lost under a storm of stale signals. */
#ifndef PTO_CORE_PARK_H
#define PTO_CORE_PARK_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct pto_event {
    _Alignas(64) _Atomic uint32_t seq;
    _Atomic uint32_t waiters;
    _Atomic uint32_t pending; /* a wake is in flight for the current wait */
    _Atomic uint64_t wakes;   /* futex wakes issued (statistics) */
} pto_event;

void pto_event_init(pto_event *ev);
/* Returns the seq value to pass to pto_event_wait. */
uint32_t pto_event_prepare(pto_event *ev);
void pto_event_cancel(pto_event *ev);
/* Sleeps until seq != seen or timeout_ns elapses (0 = no timeout).
 * Returns 0 when woken or seq already moved, 1 on timeout. Ends the
 * prepare/wait pair either way. */
int pto_event_wait(pto_event *ev, uint32_t seen, uint64_t timeout_ns);
/* Wakes every parked waiter; cheap when there is none. A writer whose
 * "publish work" was a seq_cst read-modify-write may test `waiters` itself
 * first (a seq_cst load): the RMW plays the fence's part. */
void pto_event_signal(pto_event *ev);

/* Spin-wait hint. */
static inline void pto_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
