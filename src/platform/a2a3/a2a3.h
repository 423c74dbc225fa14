/* a2a3: real Ascend hardware. Toolchain-gated: this build has no CANN
 * backend, and opening the platform reports exactly what is missing. */
#ifndef PTO_A2A3_H
#define PTO_A2A3_H

#include "platform/platform.h"
#include "pto/status.h"

/* The a2a3 entry of the platform table: its open is
 * pto_a2a3_open_check, and it offers no execution mode. */
extern const pto_platform pto_a2a3;

/* Always fails with PTO_ERR_TOOLCHAIN: naming the missing pieces
 * (ASCEND_HOME_PATH, ccec, aarch64 cross compiler), or, when all are present,
 * saying that the device backend is not built yet. Never falls back to the
 * simulator. */
pto_status pto_a2a3_open_check(pto_error *err);

#endif
