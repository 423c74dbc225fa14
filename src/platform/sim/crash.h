/* Naming the task whose kernel ended the process.
 *
 * A kernel that faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL), aborts or calls
 * exit() takes the whole process with it: nothing here survives it. What
 * this adds is one line on stderr saying which task did it, e.g.
 *
 *   pto: kernel crashed: SIGSEGV in task t17 (kernel 'k_bad', func_id 3)
 *        on core 5 (AIV), run 2
 *   pto: kernel called exit(3) in task t17 (kernel 'k_bad', func_id 3)
 *        on core 5 (AIV), run 2
 *
 * (one line each), written with write(2) only from the signal handler,
 * which then restores the default disposition and re-raises, so the exit
 * status and core dump are the signal's. A fault outside a kernel goes to
 * the handler installed before ours (or the default action).
 *
 * The record of the running kernel is thread-local and costs three plain
 * stores per task (pto_crash_enter/leave). Every thread that runs kernels
 * (schedulers, executors, the deterministic driver) calls
 * pto_crash_thread_begin first: it names the thread's device and gives it
 * an alternate signal stack, so a kernel's stack overflow is reported too.
 *
 * Sanitizer builds (ASan, TSan) install no handlers and no alternate
 * stacks: the sanitizers own those signals and stacks. */
#ifndef PTO_SIM_CRASH_H
#define PTO_SIM_CRASH_H

#include <stdatomic.h>
#include <stdint.h>

struct pto_device;
struct pto_task;

#include "util/sanitizers.h"
#if defined(PTO_ASAN) || defined(PTO_TSAN)
#define PTO_CRASH_SANITIZED 1
#endif

/* The kernel the calling thread is running. Invariants: written only by
 * its own thread (read by that thread's signal handler and exit hook);
 * `task` is non-NULL exactly while a kernel or its cost function runs,
 * and then `core` is that task's core; `dev` is fixed at thread start. */
typedef struct pto_kernel_tls {
    const struct pto_task *task;
    const struct pto_device *dev;
    uint32_t core;
} pto_kernel_tls;

extern _Thread_local pto_kernel_tls pto_kernel_cur __attribute__((tls_model("initial-exec")));

static inline void pto_crash_enter(const struct pto_task *t, uint32_t core)
{
    pto_kernel_cur.core = core;
    pto_kernel_cur.task = t;
    atomic_signal_fence(memory_order_seq_cst); /* stored before the kernel runs */
}

static inline void pto_crash_leave(void)
{
    atomic_signal_fence(memory_order_seq_cst);
    pto_kernel_cur.task = 0;
}

/* Installs the handlers and the exit hook, once per process (device open). */
void pto_crash_install(void);
/* Thread start/end of a kernel-running thread; begin returns the alternate
 * stack to hand to end (NULL when none was set up). */
void *pto_crash_thread_begin(const struct pto_device *dev);
void pto_crash_thread_end(void *altstack);

#endif
