/* The part of its task a kernel runs (pto_block_idx and friends in
 * pto/kernel.h): a per-thread word set by the executor right before it
 * calls a kernel. Each executor runs one kernel at a time on its host
 * thread, so a thread-local value is the running kernel's. */
#ifndef PTO_CORE_KERNEL_CTX_H
#define PTO_CORE_KERNEL_CTX_H

#include <stdint.h>

/* block idx of num; sub-block sub of subnum (all < 2^16). */
void pto_kernel_ctx_set(uint32_t idx, uint32_t num, uint32_t sub, uint32_t subnum);

#endif
