/* Parking (core/park.h): no lost wake-up; the stalled orchestrator's
 * targeted progress wake (core/run_state.h).
 *
 * A waiter consumes items that a poster hands over one at a time (post, then
 * signal), while a third thread signals the same event constantly with no
 * work behind it — the stale signals that scheduler threads send each other
 * all the time. A wait may only end on its 2 s timeout if nobody signalled
 * work: the poster signals right after posting, so a timeout with an item
 * posted means the signal was lost. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/park.h"
#include "core/run_state.h"

#define ITEMS 20000
#define WAIT_NS (UINT64_C(2) * 1000000000u)

typedef struct shared {
    pto_event ev;
    _Atomic uint64_t posted, consumed;
    _Atomic int stop;
    uint64_t lost, parks;
} shared;

static void *waiter(void *arg)
{
    shared *s = arg;
    while (atomic_load(&s->consumed) < ITEMS) {
        uint32_t seen = pto_event_prepare(&s->ev);
        if (atomic_load(&s->posted) > atomic_load(&s->consumed)) {
            pto_event_cancel(&s->ev);
            atomic_fetch_add(&s->consumed, 1);
            continue;
        }
        s->parks++;
        if (pto_event_wait(&s->ev, seen, WAIT_NS) &&
            atomic_load(&s->posted) > atomic_load(&s->consumed))
            s->lost++;
    }
    return 0;
}

static void *noise(void *arg)
{
    shared *s = arg;
    while (!atomic_load(&s->stop))
        pto_event_signal(&s->ev);
    return 0;
}

static void test_no_lost_wakeup(void **state)
{
    (void)state;
    static shared s;
    pto_event_init(&s.ev);
    pthread_t w, n;
    assert_int_equal(pthread_create(&w, 0, waiter, &s), 0);
    assert_int_equal(pthread_create(&n, 0, noise, &s), 0);
    for (uint64_t i = 1; i <= ITEMS && !s.lost; i++) {
        atomic_store(&s.posted, i);
        pto_event_signal(&s.ev);
        while (atomic_load(&s.consumed) < i && !s.lost)
            sched_yield();
    }
    atomic_store(&s.stop, 1);
    pthread_join(n, 0);
    atomic_store(&s.consumed, ITEMS); /* lets a stuck waiter leave */
    pto_event_signal(&s.ev);
    pthread_join(w, 0);
    print_message("parks: %llu, lost wake-ups: %llu\n", (unsigned long long)s.parks,
                  (unsigned long long)s.lost);
    assert_int_equal(s.lost, 0);
    assert_true(s.parks > 0); /* the waiter did sleep, so wakes were tested */
}

/* A stalled orchestrator parks until `completed` reaches progress_at:
 * completions below it do not wake it (no futex wake per task), the one
 * that reaches it does, and so does the end of the run. */
static void test_progress_wakes_at_target(void **state)
{
    (void)state;
    pto_run_state rs;
    memset(&rs, 0, sizeof rs);
    pto_event_init(&rs.done);
    pto_event_init(&rs.progress);
    atomic_store(&rs.total, 100);
    atomic_store(&rs.progress_at, 12);
    uint32_t seen = pto_event_prepare(&rs.progress); /* a parked waiter */
    pto_run_state_add_completed(&rs, 5);
    pto_run_state_add_completed(&rs, 6);
    assert_int_equal(atomic_load(&rs.progress.seq), seen); /* 11 < 12 */
    assert_int_equal(atomic_load(&rs.progress.wakes), 0);
    pto_run_state_add_completed(&rs, 1);
    assert_int_not_equal(atomic_load(&rs.progress.seq), seen); /* 12: woken */
    assert_int_equal(atomic_load(&rs.progress.wakes), 1);
    assert_int_equal(pto_event_wait(&rs.progress, seen, 1000000), 0); /* returns at once */
    /* Without a waiter nothing is signalled, whatever the count. */
    pto_run_state_add_completed(&rs, 50);
    assert_int_equal(atomic_load(&rs.progress.wakes), 1);
    assert_int_equal(atomic_load(&rs.done.wakes), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_lost_wakeup),
        cmocka_unit_test(test_progress_wakes_at_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
