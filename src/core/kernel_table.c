/* Kernel table teardown (see kernel_table.h for the table's invariants). */
#include "core/kernel_table.h"

#include <dlfcn.h>
#include <string.h>

void pto_kernel_table_clear_all(pto_kernel_table *t)
{
    if (!t)
        return;
    for (int i = 0; i < PTO_MAX_FUNCS; i++) {
        pto_kernel_entry *e = &t->entry[i];
        if (e->dl)
            dlclose(e->dl);
        memset(e, 0, sizeof *e);
    }
}
