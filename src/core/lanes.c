#include "core/lanes.h"

#include <string.h>

void pto_lanes_build(pto_lanes *l, uint32_t ncores, uint32_t nsched, uint32_t n)
{
    memset(l, 0, sizeof *l);
    l->n = n;
    l->dealt = n != nsched;
    for (uint32_t c = 0; c < ncores; c++) {
        pto_core_type type = pto_core_type_of(c);
        uint32_t block = c / PTO_CORES_PER_BLOCK;
        /* index among the cores of its type: block for the AIC, 2 per block for AIV */
        uint32_t index = type == PTO_CORE_AIC ? block : 2 * block + c % PTO_CORES_PER_BLOCK - 1;
        uint32_t lane = l->dealt ? index % n : pto_core_scheduler(c, nsched);
        l->lane_of[c] = (uint8_t)lane;
        l->cores[lane][c >> 6] |= UINT64_C(1) << (c & 63);
        l->count[lane][type]++;
    }
}
