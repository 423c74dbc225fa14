/* The per-core handshake region between AICPU schedulers and AICores, laid
 * out as on the device: each core owns two cache lines, one written only by
 * the AICPU side and one written only by the core.
 *
 * Protocol:
 *   boot      AICPU sets aicpu_ready = 1; the core answers aicore_done = 1.
 *   dispatch  AICPU writes task_slot (slot and part), then data = token
 *             (release); tokens are per-core sequence numbers 1, 2, 3, ...
 *             never task ids.
 *   ACK       the core stores cond = token (release) when it starts.
 *   FIN       the core stores cond = token | PTO_TOKEN_FIN when done, after
 *             writing status, cycles and timing (release).
 *   exit      AICPU writes data = PTO_TOKEN_EXIT; the core stops.
 * A core holds at most one task: AICPU dispatches the next token only after
 * it has seen the FIN of the previous one. */
#ifndef PTO_SIM_HANDSHAKE_H
#define PTO_SIM_HANDSHAKE_H

#include <stdatomic.h>
#include <stdint.h>

#define PTO_TOKEN_FIN (UINT64_C(1) << 63)
#define PTO_TOKEN_EXIT (PTO_TOKEN_FIN - 1)

typedef struct pto_core_regs_in { /* written by AICPU only */
    _Alignas(64) _Atomic uint32_t aicpu_ready;
    _Atomic uint64_t data;      /* dispatch register: token */
    _Atomic uint64_t task_slot; /* payload for `data`: ring slot, and the part
                                   of the task (SPMD block index) << 32
                                   (relaxed; the release store of `data`
                                   publishes it) */
} pto_core_regs_in;

typedef struct pto_core_regs_out { /* written by the core only */
    _Alignas(64) _Atomic uint32_t aicore_done;
    _Atomic uint64_t cond; /* ACK token, or token | PTO_TOKEN_FIN */
    uint32_t status;       /* 0, or a pto_status for the last token */
    uint64_t cycles;       /* cycles the last token's kernel reported */
} pto_core_regs_out;

typedef struct pto_core_handshake {
    pto_core_regs_in in;
    pto_core_regs_out out;
} pto_core_handshake;

#endif
