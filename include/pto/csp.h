/* CSP processes and channels (DESIGN §6.4): sequential processes whose
 * tasks run in program order, exchanging tokens over bounded channels.
 * Channel operations become scheduling edges of the task graph, so the
 * orchestration never waits for execution, and deterministic runs give
 * the exact CSPT times. Semantics, mechanism and limits: docs/csp.md. */
#ifndef PTO_CSP_H
#define PTO_CSP_H

#include <stdint.h>

#include "pto/device.h"
#include "pto/run.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PTO_CSP_PROCESSES 64    /* processes per run (replicas count one each) */
#define PTO_CSP_CHANNELS 64     /* channels per run */
#define PTO_CSP_CAPACITY 1024   /* the largest channel capacity */
#define PTO_CSP_NAME_MAX 32     /* bytes of a process or channel name, NUL included */
/* The symbol holding the channel latency in cycles (u64; 0 when it is not
 * declared), read when a run's first channel is created. */
#define PTO_CSP_LATENCY_SYMBOL "__pto_wsp_channel_latency_cycles"

typedef struct pto_channel pto_channel;

/* A process body: runs on the orchestrator, interleaved with the other
 * processes' bodies (a coroutine each); index is its replica (0 .. n-1). */
typedef pto_status (*pto_process_fn)(pto_run *run, void *ctx, uint32_t index, pto_error *err);

/* Inside an orchestration function. A channel of `capacity` tokens (0: a
 * rendezvous), 0 .. PTO_CSP_CAPACITY. */
PTO_API pto_status pto_channel_create(pto_run *run, const char *name, uint32_t capacity,
                                      pto_channel **out, pto_error *err);

/* Declares that `senders` (2 .. PTO_CSP_PROCESSES) processes send on ch
 * (fan-in), before its first send; without it, a second process sending
 * on a channel is refused. Its tokens are ordered by when their sends'
 * tasks complete (in deterministic mode: by end cycle, and in one cycle
 * in the order the simulation completes them, see docs/csp.md), which is
 * known only as they complete, so each send waits for its task before the
 * sender goes on. The channel closes when all `senders` that sent on it
 * returned. */
PTO_API pto_status pto_channel_fan_in(pto_run *run, pto_channel *ch, uint32_t senders,
                                      pto_error *err);

/* Adds `replicas` (>= 1) processes running body(run, ctx, i), i = 0 ..
 * replicas - 1, named "name" (one) or "name[i]". They start at
 * pto_csp_run. */
PTO_API pto_status pto_process_create(pto_run *run, const char *name, pto_process_fn body,
                                      void *ctx, uint32_t replicas, pto_error *err);

/* Runs every process created since the last call until all have returned,
 * interleaving them on this thread: a body runs until a channel operation
 * would need an edge to a task not yet submitted, then another runs. The
 * first body error is returned (the others are abandoned, their tasks
 * already submitted still run). When every unfinished process waits,
 * PTO_ERR_DEADLOCK with a report naming each process, what it waits for,
 * and every channel's counts. */
PTO_API pto_status pto_csp_run(pto_run *run, pto_error *err);

/* Inside a process body. send: token k of ch carries the completion of
 * the process's last task (payload: any u64 the receiver gets back); the
 * process's next task starts no earlier than the send completes. */
PTO_API pto_status pto_send(pto_run *run, pto_channel *ch, uint64_t payload, pto_error *err);

/* recv: the process's next task depends on the next token of ch, whose
 * payload (may be NULL) it returns. *closed (may be NULL) is set to 1, and
 * nothing received, when ch is closed and every token was received. */
PTO_API pto_status pto_recv(pto_run *run, pto_channel *ch, uint64_t *payload, int *closed,
                            pto_error *err);

/* consume: receives every token of ch until it is closed and empty,
 * calling fn(run, ctx, payload, err) after each receive (so fn's first
 * task depends on that token); stops at fn's first error. */
typedef pto_status (*pto_token_fn)(pto_run *run, void *ctx, uint64_t payload, pto_error *err);
PTO_API pto_status pto_consume(pto_run *run, pto_channel *ch, pto_token_fn fn, void *ctx,
                               pto_error *err);

/* Closes ch: its receiver gets *closed once it took every token. A
 * channel also closes when its last sender's body returns. One process
 * receives on a channel (a second is refused). */
PTO_API pto_status pto_channel_close(pto_run *run, pto_channel *ch, pto_error *err);

/* CSP of the device's last run, for traces: its processes' names (index
 * i < pto_last_run_processes), the process of each recorded task (index +
 * 1; 0: none), and its tokens in receive order (send: the sender's last
 * task when it sent; recv: the receiving task). Valid until the next
 * launch; dev NULL or no CSP: none. */
typedef struct pto_token_record {
    uint64_t send_task, recv_task;
    uint32_t channel, token;
} pto_token_record;
PTO_API uint32_t pto_last_run_processes(const pto_device *dev);
PTO_API const char *pto_last_run_process_name(const pto_device *dev, uint32_t index);
PTO_API const char *pto_last_run_channel_name(const pto_device *dev, uint32_t channel);
PTO_API uint32_t pto_last_run_task_process(const pto_device *dev, uint64_t task_id);
PTO_API void pto_last_run_tokens(const pto_device *dev, const pto_token_record **tokens,
                                 size_t *count);

#ifdef __cplusplus
}
#endif
#endif
