/* Lanes: the dispatch targets of a run (DESIGN 6.1).
 *
 * A lane is a fixed set of cores. By default each AICPU scheduler is one
 * lane: its blocks (blocks go to schedulers round robin). A run may ask for
 * n lanes instead; the cores of each type are then dealt to the n lanes
 * round robin by their index among the cores of that type (AIC core i, the
 * cube core of block i, to lane i mod n; AIV core j to lane j mod n), so 2
 * blocks give 4 lanes of one AIV core each, and only lanes 0 and 1 have an
 * AIC core. A lane is served by the scheduler(s) owning its cores. n equal
 * to the number of schedulers means the default map.
 *
 * Invariants: written by the launching thread before a run starts
 * (pto_lanes_build, while no run is in progress), read by every thread of
 * the run; 1 <= n <= PTO_MAX_TARGETS; every core is in exactly one lane,
 * and cores[l] and count[l] agree with lane_of. */
#ifndef PTO_CORE_LANES_H
#define PTO_CORE_LANES_H

#include <stdint.h>

#include "pto/device.h"

#define PTO_CORE_WORDS ((PTO_MAX_CORES + 63) / 64) /* words of a core bitmap */
#define PTO_MAX_TARGETS 64

typedef struct pto_lanes {
    uint32_t n;
    int dealt;                                  /* 0: one lane per scheduler */
    uint8_t lane_of[PTO_MAX_CORES];             /* the lane of each core */
    uint64_t cores[PTO_MAX_TARGETS][PTO_CORE_WORDS]; /* the cores of each lane */
    uint32_t count[PTO_MAX_TARGETS][PTO_CORE_TYPES]; /* its cores of each type */
} pto_lanes;

/* The scheduler owning core c (of nsched): blocks round robin. */
static inline uint32_t pto_core_scheduler(uint32_t c, uint32_t nsched)
{
    return (c / PTO_CORES_PER_BLOCK) % nsched;
}

/* The most lanes a device of `blocks` blocks and nsched schedulers can
 * have: its AIV cores (the more numerous type), or nsched if more. */
static inline uint32_t pto_lanes_max(uint32_t blocks, uint32_t nsched)
{
    uint32_t n = blocks * 2 < PTO_MAX_TARGETS ? blocks * 2 : PTO_MAX_TARGETS;
    return n > nsched ? n : nsched;
}

/* The map of n lanes (1 <= n <= pto_lanes_max) over ncores cores. */
void pto_lanes_build(pto_lanes *l, uint32_t ncores, uint32_t nsched, uint32_t n);

#endif
