/* Crash reports for kernels (see crash.h): the signal handler, the exit
 * hook and the per-thread alternate signal stacks. Everything the handler
 * and the hook do is async-signal-safe: a line is formatted by hand into a
 * stack buffer and written with one write(2). */
#include "platform/sim/crash.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/task.h"
#include "core/device.h"

_Thread_local pto_kernel_tls pto_kernel_cur __attribute__((tls_model("initial-exec")));

#ifndef PTO_CRASH_SANITIZED
#define NSIGS 5
static const int g_sig[NSIGS] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static const char *const g_sig_name[NSIGS] = {"SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGABRT"};
/* The dispositions ours replaced, for faults outside kernels: written
 * once, under g_once, before our handler is installed; read-only after. */
static struct sigaction g_prev[NSIGS];
#endif
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

#define PTO_ALTSTACK_BYTES (64u * 1024u)

/* One output line; put* truncate at the buffer's end. */
typedef struct line {
    char b[320];
    size_t n;
} line;

static void put(line *l, const char *s)
{
    while (*s && l->n < sizeof l->b - 1)
        l->b[l->n++] = *s++;
}

static void put_u64(line *l, uint64_t v)
{
    char d[20];
    int i = 0;
    do
        d[i++] = (char)('0' + v % 10);
    while ((v /= 10) && i < 20);
    while (i && l->n < sizeof l->b - 1)
        l->b[l->n++] = d[--i];
}

static void put_i64(line *l, int64_t v)
{
    if (v < 0) {
        put(l, "-");
        put_u64(l, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(l, (uint64_t)v);
    }
}

/* " in task t17 (kernel 'k', func_id 3) on core 5 (AIV), run 2\n" */
static void put_task(line *l)
{
    const pto_task *t = pto_kernel_cur.task;
    const pto_device *dev = pto_kernel_cur.dev;
    put(l, " in task t");
    put_u64(l, t->id);
    put(l, " (kernel '");
    if (dev && t->func_id >= 0 && t->func_id < PTO_MAX_FUNCS) {
        char name[sizeof dev->kernels.entry[0].name];
        memcpy(name, dev->kernels.entry[t->func_id].name, sizeof name);
        name[sizeof name - 1] = 0;
        put(l, name);
    }
    put(l, "', func_id ");
    put_i64(l, t->func_id);
    put(l, ") on core ");
    put_u64(l, pto_kernel_cur.core);
    put(l, pto_kernel_cur.core % PTO_CORES_PER_BLOCK ? " (AIV)" : " (AIC)");
    if (dev) {
        put(l, ", run ");
        put_u64(l, dev->launches);
    }
    put(l, "\n");
}

static void emit(const line *l)
{
    if (write(STDERR_FILENO, l->b, l->n) < 0) {
        /* nothing left to tell anyone */
    }
}

#ifndef PTO_CRASH_SANITIZED
/* Ends the process as `sig` would: default disposition, raised again; it
 * is delivered as soon as the handler returns (the signal is blocked in
 * it), or at once if the fault repeats. */
static void die(int sig)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, 0);
    raise(sig);
}

/* A fault outside every kernel: what would have happened without us. */
static void chain(int i, int sig, siginfo_t *si, void *uc)
{
    const struct sigaction *p = &g_prev[i];
    if (p->sa_flags & SA_SIGINFO) {
        if (p->sa_sigaction)
            p->sa_sigaction(sig, si, uc);
        return;
    }
    if (p->sa_handler == SIG_IGN && si && si->si_code <= 0)
        return; /* sent by kill/raise and ignored: stays ignored */
    if (p->sa_handler == SIG_DFL || p->sa_handler == SIG_IGN) {
        die(sig); /* an ignored fault would repeat forever: the kernel kills */
        return;
    }
    p->sa_handler(sig);
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
    int saved = errno;
    int i = 0;
    while (i < NSIGS && g_sig[i] != sig)
        i++;
    if (i == NSIGS) {
        errno = saved;
        return;
    }
    if (pto_kernel_cur.task) {
        line l = {.n = 0};
        put(&l, "pto: kernel crashed: ");
        put(&l, g_sig_name[i]);
        put_task(&l);
        emit(&l);
        die(sig);
    } else {
        chain(i, sig, si, uc);
    }
    errno = saved;
}
#endif

/* exit() called by a kernel runs the exit handlers on the kernel's thread,
 * whose record still names the task. The process then exits as asked. */
#ifdef __GLIBC__
static void on_exit_hook(int status, void *arg)
{
    (void)arg;
    if (!pto_kernel_cur.task)
        return;
    line l = {.n = 0};
    put(&l, "pto: kernel called exit(");
    put_i64(&l, status);
    put(&l, ")");
    put_task(&l);
    emit(&l);
}
#else
static void on_exit_hook(void)
{
    if (!pto_kernel_cur.task)
        return;
    line l = {.n = 0};
    put(&l, "pto: kernel called exit()");
    put_task(&l);
    emit(&l);
}
#endif

static void install_once(void)
{
#ifdef __GLIBC__
    on_exit(on_exit_hook, 0);
#else
    atexit(on_exit_hook);
#endif
#ifndef PTO_CRASH_SANITIZED
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < NSIGS; i++) {
        if (sigaction(g_sig[i], 0, &g_prev[i]) == 0)
            sigaction(g_sig[i], &sa, 0);
    }
#endif
}

void pto_crash_install(void) { pthread_once(&g_once, install_once); }

void *pto_crash_thread_begin(const pto_device *dev)
{
    pto_kernel_cur.dev = dev;
#ifdef PTO_CRASH_SANITIZED
    return 0;
#else
    stack_t cur;
    if (sigaltstack(0, &cur) == 0 && !(cur.ss_flags & SS_DISABLE))
        return 0; /* the thread has one already */
    size_t size = PTO_ALTSTACK_BYTES;
    if (size < (size_t)SIGSTKSZ)
        size = (size_t)SIGSTKSZ;
    stack_t ss = {.ss_sp = malloc(size), .ss_size = size, .ss_flags = 0};
    if (!ss.ss_sp || sigaltstack(&ss, 0) != 0) {
        free(ss.ss_sp);
        return 0; /* best effort: faults are still reported, overflows not */
    }
    return ss.ss_sp;
#endif
}

void pto_crash_thread_end(void *altstack)
{
    if (!altstack)
        return;
    stack_t ss = {.ss_sp = 0, .ss_size = 0, .ss_flags = SS_DISABLE};
    sigaltstack(&ss, 0);
    free(altstack);
}
