/* Fibers for CSP process bodies (fiber.h), told to the sanitizers so that
 * ASan tracks the stacks and TSan the happens-before order across
 * switches (both run the test suite in CI).
 *
 * The switch: on x86-64, six callee-saved registers and the stack pointer
 * (pto_fiber_swap below, ~10 ns); elsewhere swapcontext, which also saves
 * the signal mask with a system call (measured at ~0.6 us a switch on the
 * 2-CPU VMs, half of a CSP token's cost; bench/RESULTS.md). */
#include "orchestration/fiber.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/sanitizers.h"

#ifdef PTO_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef PTO_TSAN
#include <sanitizer/tsan_interface.h>
#endif

/* The fiber a fresh context starts (makecontext passes ints only). */
static _Thread_local pto_fiber *starting;
/* The switch in progress comes from the host (ASan: only then does the
 * fiber switched to learn the host's stack from it). */
static _Thread_local int from_host;

#if defined(__x86_64__)
/* Saves rbp, rbx, r12-r15 on the current stack and its pointer in *from,
 * then continues on the stack `to` saved the same way (or prepared by
 * prepare_stack). The control words of the FPU are the same on both sides
 * (one thread), so they need no saving. */
void pto_fiber_swap(void **from, void *to);
__asm__(".text\n"
        ".globl pto_fiber_swap\n"
        ".hidden pto_fiber_swap\n"
        ".type pto_fiber_swap, @function\n"
        "pto_fiber_swap:\n"
        "  pushq %rbp\n"
        "  pushq %rbx\n"
        "  pushq %r12\n"
        "  pushq %r13\n"
        "  pushq %r14\n"
        "  pushq %r15\n"
        "  movq %rsp, (%rdi)\n"
        "  movq %rsi, %rsp\n"
        "  popq %r15\n"
        "  popq %r14\n"
        "  popq %r13\n"
        "  popq %r12\n"
        "  popq %rbx\n"
        "  popq %rbp\n"
        "  ret\n"
        ".size pto_fiber_swap, .-pto_fiber_swap\n");

/* A fresh stack whose first switch "returns" into entry: six zero
 * registers, entry's address, and a zero return address for entry (so it
 * starts with the stack aligned as after a call). */
static void *prepare_stack(pto_fiber *f, void (*entry)(void))
{
    uintptr_t top = ((uintptr_t)f->stack + f->stack_size) & ~(uintptr_t)15;
    void **sp = (void **)top;
    *--sp = NULL;          /* entry's return address: never used */
    *--sp = (void *)entry; /* where the first switch returns to */
    for (int i = 0; i < 6; i++)
        *--sp = NULL; /* rbp, rbx, r12-r15 */
    return sp;
}
#define PTO_FIBER_ASM 1
#endif

static void before_switch(pto_fiber_host *h, pto_fiber *to, int to_host, void **fake, int dying)
{
    (void)h, (void)to, (void)to_host, (void)fake, (void)dying;
#ifdef PTO_ASAN
    if (to_host)
        __sanitizer_start_switch_fiber(dying ? NULL : fake, h->stack_bottom, h->stack_size);
    else
        __sanitizer_start_switch_fiber(fake, to->stack, to->stack_size);
#endif
#ifdef PTO_TSAN
    __tsan_switch_to_fiber(to_host ? h->tsan : to->tsan, 0);
#endif
}

static void after_switch(pto_fiber_host *h, void *fake, int in_host)
{
    (void)h, (void)fake, (void)in_host;
#ifdef PTO_ASAN
    if (in_host || !from_host) /* (from another fiber: nothing to learn) */
        __sanitizer_finish_switch_fiber(fake, NULL, NULL);
    else /* learn (again) where the host's stack is */
        __sanitizer_finish_switch_fiber(fake, (const void **)&h->stack_bottom, &h->stack_size);
#endif
}

static void entry(void)
{
    pto_fiber *f = starting;
    after_switch(f->host, NULL, 0);
    f->fn(f->arg);
    f->done = 1;
    before_switch(f->host, f, 1, NULL, 1);
#ifdef PTO_FIBER_ASM
    void *dead;
    pto_fiber_swap(&dead, f->host->sp); /* never resumed */
#else
    setcontext(&f->host->uc); /* never resumed */
#endif
}

void pto_fiber_host_init(pto_fiber_host *h) { memset(h, 0, sizeof *h); }

void pto_fiber_host_enter(pto_fiber_host *h)
{
    (void)h;
#ifdef PTO_TSAN
    h->tsan = __tsan_get_current_fiber();
#endif
}

int pto_fiber_init(pto_fiber *f, pto_fiber_host *h, size_t stack_size)
{
    memset(f, 0, sizeof *f);
    long page = sysconf(_SC_PAGESIZE);
    size_t ps = page > 0 ? (size_t)page : 4096;
    /* a guard page below the stack: an overflow faults instead of writing
     * into other memory */
    void *m =
        mmap(NULL, stack_size + ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return -1;
    mprotect(m, ps, PROT_NONE);
    f->map = m;
    f->map_size = stack_size + ps;
    f->stack = (char *)m + ps;
    f->stack_size = stack_size;
    f->host = h;
#ifdef PTO_TSAN
    f->tsan = __tsan_create_fiber(0);
#endif
    return 0;
}

void pto_fiber_destroy(pto_fiber *f)
{
    if (!f->map)
        return;
#ifdef PTO_TSAN
    __tsan_destroy_fiber(f->tsan);
#endif
    munmap(f->map, f->map_size);
    f->map = NULL;
}

void pto_fiber_start(pto_fiber *f, void (*fn)(void *), void *arg)
{
    f->fn = fn;
    f->arg = arg;
    f->done = 0;
    f->started = 0;
#ifdef PTO_ASAN
    /* the last body's frames never returned: their redzones are still
     * poisoned */
    ASAN_UNPOISON_MEMORY_REGION(f->stack, f->stack_size);
#endif
#ifdef PTO_FIBER_ASM
    f->sp = prepare_stack(f, entry);
#else
    getcontext(&f->uc);
    f->uc.uc_stack.ss_sp = f->stack;
    f->uc.uc_stack.ss_size = f->stack_size;
    f->uc.uc_link = NULL;
    makecontext(&f->uc, entry, 0);
#endif
}

/* f is about to run: the first time, from the start of its stack. */
static void starts(pto_fiber *f)
{
    if (!f->started) {
        f->started = 1;
        starting = f;
    }
}

void pto_fiber_resume(pto_fiber *f)
{
    void *fake = NULL;
    starts(f);
    from_host = 1;
    before_switch(f->host, f, 0, &fake, 0);
#ifdef PTO_FIBER_ASM
    pto_fiber_swap(&f->host->sp, f->sp);
#else
    swapcontext(&f->host->uc, &f->uc);
#endif
    after_switch(f->host, fake, 1);
}

void pto_fiber_switch(pto_fiber *from, pto_fiber *to)
{
    starts(to);
    from_host = 0;
    before_switch(from->host, to, 0, &from->fake, 0);
#ifdef PTO_FIBER_ASM
    pto_fiber_swap(&from->sp, to->sp);
#else
    swapcontext(&from->uc, &to->uc);
#endif
    after_switch(from->host, from->fake, 0);
}

void pto_fiber_yield(pto_fiber *f)
{
    before_switch(f->host, f, 1, &f->fake, 0);
#ifdef PTO_FIBER_ASM
    pto_fiber_swap(&f->sp, f->host->sp);
#else
    swapcontext(&f->uc, &f->host->uc);
#endif
    after_switch(f->host, f->fake, 0);
}
