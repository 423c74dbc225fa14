/* A kernel that crashes the process (issue #13, defect 4) is named on
 * stderr before the process ends with the signal. Each case forks a child
 * that opens a device, runs one good launch (run 1), then a launch (run 2)
 * whose t1 runs the bad kernel; the parent checks how the child ended and
 * the line it wrote. The parent never opens a device, so it has no threads
 * when it forks.
 *
 * Sanitizer builds install no crash handlers (the sanitizers own those
 * signals), so there the cases are skipped. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "pto/pto.h"

#include "support/sanitized.h"
#ifdef SANITIZED
static const int g_sanitized = 1;
#else
static const int g_sanitized = 0;
#endif

#define F_NOP 2
#define F_BAD 3

static volatile int g_sink;
static volatile int g_zero, g_seven = 7;
static int *volatile g_null; /* the compiler cannot know it is NULL */

static void k_nop(const uint64_t *args) { (void)args; }

static void k_segv(const uint64_t *args)
{
    (void)args;
    *(volatile int *)g_null = 1;
}

static void k_fpe(const uint64_t *args)
{
    (void)args;
#if defined(__x86_64__) || defined(__i386__)
    g_sink = g_seven / g_zero; /* integer division by zero traps on x86 */
#else
    raise(SIGFPE);
#endif
}

static void k_ill(const uint64_t *args)
{
    (void)args;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_trap(); /* ud2 */
#else
    raise(SIGILL);
#endif
}

static void k_bus(const uint64_t *args)
{
    (void)args;
    raise(SIGBUS);
}

static void k_abort(const uint64_t *args)
{
    (void)args;
    abort();
}

static void k_exit(const uint64_t *args)
{
    (void)args;
    exit(3);
}

/* Recursion deep enough to overflow any thread stack. */
static volatile int g_depth = 1 << 30;
static int recurse(int n)
{
    volatile char frame[512];
    frame[0] = (char)n;
    if (n >= g_depth)
        return frame[0];
    return recurse(n + 1) + frame[0];
}

static void k_overflow(const uint64_t *args)
{
    (void)args;
    g_sink = recurse(0);
}

static pto_status orch(pto_run *run, void *p, pto_error *err)
{
    pto_task_id t0, t1;
    pto_status st;
    if ((st = pto_add_task(run, F_NOP, PTO_CORE_AIV, 0, 0, &t0, err)) || !p)
        return st;
    if ((st = pto_add_task(run, F_BAD, PTO_CORE_AIV, 0, 0, &t1, err)))
        return st;
    return pto_add_dep(run, t0, t1, err);
}

static void child_fail(const char *what, const pto_error *err)
{
    fprintf(stderr, "child: %s: %s\n", what, err->msg);
    _exit(99);
}

/* What a child runs; never returns. */
typedef struct child_job {
    pto_kernel_fn bad;
    int deterministic;
} child_job;

/* The child: run 1 is good, run 2's t1 runs `bad`. Never returns. */
static void child(const child_job *job)
{
    pto_kernel_fn bad = job->bad;
    int deterministic = job->deterministic;
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core); /* the test needs no core files */
    /* cmocka's handlers (inherited) would longjmp into its test runner. */
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL);
    alarm(60); /* a hang ends as SIGALRM, not forever */
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 1;
    cfg.schedulers = 1;
    cfg.task_window = 16;
    cfg.gm_bytes = 1 << 20;
    cfg.heap_bytes = 1 << 20;
    pto_device *dev = 0;
    pto_error err = {0};
    if (pto_device_open("a2a3sim", &cfg, &dev, &err) ||
        pto_kernel_register(dev, F_NOP, PTO_CORE_AIV, k_nop, "k_nop", &err) ||
        pto_kernel_register(dev, F_BAD, PTO_CORE_AIV, bad, "k_bad", &err))
        child_fail("setup", &err);
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.deterministic = deterministic;
    if (pto_launch(dev, &rc, orch, 0, 0, &err))
        child_fail("run 1", &err);
    pto_launch(dev, &rc, orch, (void *)1, 0, &err);
    fprintf(stderr, "child: run 2 returned\n");
    _exit(98);
}

/* Forks body(job) (which never returns), collects its stderr into out;
 * returns its wait status. */
static int run_child(void (*body)(const child_job *), const child_job *job, char *out, size_t cap)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        close(fds[1]);
        body(job);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(fds[0], out + n, cap - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = 0;
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* The child must die of `sig` (or exit with `code` when sig is 0) after
 * printing `head` and the task line. */
static void expect(pto_kernel_fn bad, int deterministic, int sig, int code, const char *head)
{
    if (g_sanitized) {
        skip();
        return;
    }
    char out[4096];
    child_job job = {bad, deterministic};
    int status = run_child(child, &job, out, sizeof out);
    if (sig && !(WIFSIGNALED(status) && WTERMSIG(status) == sig))
        fail_msg("want signal %d, got status 0x%x; stderr: %s", sig, status, out);
    if (!sig && !(WIFEXITED(status) && WEXITSTATUS(status) == code))
        fail_msg("want exit %d, got status 0x%x; stderr: %s", code, status, out);
    print_message("%s", out);
    char want[256];
    /* Deterministic: the lowest idle AIV core, core 1. Threaded: either. */
    snprintf(want, sizeof want, "%s in task t1 (kernel 'k_bad', func_id 3) on core %s", head,
             deterministic ? "1 (AIV), run 2\n" : "");
    if (!strstr(out, want) || !strstr(out, " (AIV), run 2\n"))
        fail_msg("want '%s' in stderr: %s", want, out);
}

#define CASES(name, fn, sig, code, head)                                                           \
    static void test_##name##_threaded(void **s)                                                   \
    {                                                                                              \
        (void)s;                                                                                   \
        expect(fn, 0, sig, code, head);                                                            \
    }                                                                                              \
    static void test_##name##_deterministic(void **s)                                              \
    {                                                                                              \
        (void)s;                                                                                   \
        expect(fn, 1, sig, code, head);                                                            \
    }

CASES(segv, k_segv, SIGSEGV, 0, "pto: kernel crashed: SIGSEGV")
CASES(fpe, k_fpe, SIGFPE, 0, "pto: kernel crashed: SIGFPE")
CASES(ill, k_ill, SIGILL, 0, "pto: kernel crashed: SIGILL")
CASES(bus, k_bus, SIGBUS, 0, "pto: kernel crashed: SIGBUS")
CASES(abort, k_abort, SIGABRT, 0, "pto: kernel crashed: SIGABRT")
CASES(exit, k_exit, 0, 3, "pto: kernel called exit(3)")
CASES(overflow, k_overflow, SIGSEGV, 0, "pto: kernel crashed: SIGSEGV")

/* A fault outside every kernel goes to the handler installed before the
 * device was opened: here one that says so and exits 7. */
static void prev_handler(int sig)
{
    static const char msg[] = "previous handler\n";
    (void)sig;
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) {
    }
    _exit(7);
}

/* Child: opens a device (installing the crash handlers), then faults
 * outside any kernel. */
static void fault_outside(const child_job *job)
{
    (void)job;
    alarm(60);
    signal(SIGSEGV, prev_handler);
    pto_device *dev = 0;
    pto_error err = {0};
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 1;
    cfg.schedulers = 1;
    cfg.gm_bytes = 1 << 20;
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        child_fail("open", &err);
    *(volatile int *)g_null = 1;
    _exit(98);
}

static void test_fault_outside_kernel_chains(void **s)
{
    (void)s;
    if (g_sanitized) {
        skip();
        return;
    }
    char out[1024];
    int status = run_child(fault_outside, NULL, out, sizeof out);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 7 || !strstr(out, "previous handler"))
        fail_msg("status 0x%x, stderr: %s", status, out);
    assert_null(strstr(out, "pto: kernel"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segv_threaded),
        cmocka_unit_test(test_segv_deterministic),
        cmocka_unit_test(test_fpe_threaded),
        cmocka_unit_test(test_fpe_deterministic),
        cmocka_unit_test(test_ill_threaded),
        cmocka_unit_test(test_ill_deterministic),
        cmocka_unit_test(test_bus_threaded),
        cmocka_unit_test(test_bus_deterministic),
        cmocka_unit_test(test_abort_threaded),
        cmocka_unit_test(test_abort_deterministic),
        cmocka_unit_test(test_exit_threaded),
        cmocka_unit_test(test_exit_deterministic),
        cmocka_unit_test(test_overflow_threaded),
        cmocka_unit_test(test_overflow_deterministic),
        cmocka_unit_test(test_fault_outside_kernel_chains),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
