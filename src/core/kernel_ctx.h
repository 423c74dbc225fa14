/* The part of its task a kernel runs (pto_block_idx and friends in
 * pto/kernel.h): a per-thread word set by the executor right before it
 * calls a kernel. Each executor runs one kernel at a time on its host
 * thread, so a thread-local value is the running kernel's. One word,
 * idx | num << 16 | sub << 32 | subnum << 48, so a kernel call costs one
 * thread-local store. */
#ifndef PTO_CORE_KERNEL_CTX_H
#define PTO_CORE_KERNEL_CTX_H

#include <stdint.h>

extern _Thread_local uint64_t pto_kernel_ctx_word __attribute__((tls_model("initial-exec")));

/* block idx of num; sub-block sub of subnum (all < 2^16). */
static inline void pto_kernel_ctx_set(uint32_t idx, uint32_t num, uint32_t sub, uint32_t subnum)
{
    pto_kernel_ctx_word =
        (uint64_t)idx | (uint64_t)num << 16 | (uint64_t)sub << 32 | (uint64_t)subnum << 48;
}

#endif
