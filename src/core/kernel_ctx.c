/* See kernel_ctx.h. Outside a kernel (and on threads that never ran one)
 * the word reads as a one-core task: block 0 of 1, sub-block 0 of 1. */
#include "core/kernel_ctx.h"

#include "pto/kernel.h"

_Thread_local uint64_t pto_kernel_ctx_word __attribute__((tls_model("initial-exec"))) =
    (UINT64_C(1) << 16) | (UINT64_C(1) << 48);

uint32_t pto_block_idx(void) { return (uint32_t)(pto_kernel_ctx_word & 0xffff); }
uint32_t pto_block_num(void) { return (uint32_t)(pto_kernel_ctx_word >> 16 & 0xffff); }
uint32_t pto_subblock_idx(void) { return (uint32_t)(pto_kernel_ctx_word >> 32 & 0xffff); }
uint32_t pto_subblock_num(void) { return (uint32_t)(pto_kernel_ctx_word >> 48); }
