/* The platform name table (see platform.h). */
#include "platform/platform.h"

#include <string.h>

#include "platform/a2a3/a2a3.h"
#include "platform/sim/sim.h"

static const pto_platform *const table[] = {&pto_a2a3sim, &pto_a2a3};

const pto_platform *pto_platform_find(const char *name)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
    return 0;
}

const char *pto_platform_names(void) { return "a2a3sim, a2a3"; }
