/* See kernel_ctx.h. One word: idx | num << 16 | sub << 32 | subnum << 48,
 * so a kernel call costs one thread-local store. */
#include "core/kernel_ctx.h"

#include "pto/kernel.h"

#define ONE_CORE ((UINT64_C(1) << 16) | (UINT64_C(1) << 48)) /* block 0 of 1, sub 0 of 1 */

static _Thread_local uint64_t ctx_tls __attribute__((tls_model("initial-exec"))) = ONE_CORE;

void pto_kernel_ctx_set(uint32_t idx, uint32_t num, uint32_t sub, uint32_t subnum)
{
    ctx_tls = (uint64_t)idx | (uint64_t)num << 16 | (uint64_t)sub << 32 | (uint64_t)subnum << 48;
}

uint32_t pto_block_idx(void) { return (uint32_t)(ctx_tls & 0xffff); }
uint32_t pto_block_num(void) { return (uint32_t)(ctx_tls >> 16 & 0xffff); }
uint32_t pto_subblock_idx(void) { return (uint32_t)(ctx_tls >> 32 & 0xffff); }
uint32_t pto_subblock_num(void) { return (uint32_t)(ctx_tls >> 48); }
