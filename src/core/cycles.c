/* The per-thread cycle counter behind pto_add_cycles. Each executor runs one
 * kernel at a time on its host thread, so a thread-local counter is the
 * per-core counter of the running kernel. */
#include "core/cycles.h"
#include "pto/kernel.h"

/* initial-exec: a plain %fs-relative access, no __tls_get_addr call per
 * kernel from the shared library (8 bytes fit glibc's static TLS reserve
 * even when the library is dlopen'ed). */
static _Thread_local uint64_t pto_cycles_tls __attribute__((tls_model("initial-exec")));

void pto_add_cycles(uint64_t n) { pto_cycles_tls = pto_cycles_sat_add(pto_cycles_tls, n); }
uint64_t pto_cycles_read(void) { return pto_cycles_tls; }
void pto_cycles_reset(void) { pto_cycles_tls = 0; }
