/* Fibers: the coroutines CSP process bodies run on (csp.c). One host (the
 * thread running the orchestration) resumes a fiber, which runs until it
 * yields back, switches to another fiber (which then does the same) or its
 * function returns (back to the host).
 *
 * Invariants: a fiber's stack (with a guard page below it) is mapped once
 * by pto_fiber_init and reused by every pto_fiber_start until
 * pto_fiber_destroy; only the host thread touches a fiber; `done` is set
 * when its function has returned (it must not be resumed after that, only
 * started again). */
#ifndef PTO_ORCH_FIBER_H
#define PTO_ORCH_FIBER_H

#include <stddef.h>
#include <ucontext.h>

typedef struct pto_fiber_host {
    ucontext_t uc; /* (without the x86-64 switch) */
    void *sp;      /* x86-64: its saved stack pointer while a fiber runs */
    const void *stack_bottom; /* ASan: the host's stack */
    size_t stack_size;
    void *tsan; /* TSan: the host's fiber */
} pto_fiber_host;

typedef struct pto_fiber {
    ucontext_t uc; /* (without the x86-64 switch) */
    void *sp;      /* x86-64: its saved stack pointer while switched out */
    pto_fiber_host *host;
    void *map, *stack;
    size_t map_size, stack_size;
    void (*fn)(void *);
    void *arg;
    int started, done;
    void *fake; /* ASan: its fake stack while switched out */
    void *tsan;
} pto_fiber;

void pto_fiber_host_init(pto_fiber_host *h);
/* The thread about to resume fibers is the host from now on (runs may
 * orchestrate on different threads). */
void pto_fiber_host_enter(pto_fiber_host *h);
/* Maps the stack: 0, or -1 when it cannot. */
int pto_fiber_init(pto_fiber *f, pto_fiber_host *h, size_t stack_size);
void pto_fiber_destroy(pto_fiber *f);
/* Makes the next resume run fn(arg) from the start of the stack. */
void pto_fiber_start(pto_fiber *f, void (*fn)(void *), void *arg);
/* Host: runs f until it yields or returns. */
void pto_fiber_resume(pto_fiber *f);
/* Inside f: back to the host. */
void pto_fiber_yield(pto_fiber *f);
/* Inside from: straight on to `to` (started, or resumed where it
 * switched away), which later switches or yields on in turn. */
void pto_fiber_switch(pto_fiber *from, pto_fiber *to);

#endif
