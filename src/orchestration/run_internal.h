/* The run object behind the public pto_run handle.
 *
 * Invariants: one per device, allocated at device open; `copies` holds at
 * most PTO_MAX_COPY_BACKS entries; everything here is written by the thread
 * executing the orchestration function, and read by the launching thread
 * after the orchestration returned. */
#ifndef PTO_ORCH_RUN_INTERNAL_H
#define PTO_ORCH_RUN_INTERNAL_H

#include "pto/run.h"

#define PTO_MAX_COPY_BACKS 1024

typedef struct pto_copy_back_rec {
    void *host;
    const void *dev;
    size_t bytes;
} pto_copy_back_rec;

struct pto_run {
    pto_device *dev;
    pto_run_config cfg;
    int building;   /* inside the orchestration function */
    uint32_t ncopies;
    pto_copy_back_rec copies[PTO_MAX_COPY_BACKS];
};

pto_status pto_run_create(pto_device *dev, struct pto_run **out, pto_error *err);
void pto_run_destroy(struct pto_run *run);

#endif
