/* Kernel table: func_id -> entry point, core type and name.
 *
 * Invariants: PTO_MAX_FUNCS entries fixed at device open. Written only by
 * registration calls, which are made while no task of the device is executing
 * (before launch, or from host-built orchestration); read lock-free by
 * executors at dispatch. */
#ifndef PTO_SRC_KERNEL_TABLE_H
#define PTO_SRC_KERNEL_TABLE_H

#include "pto/kernel.h"

typedef struct pto_kernel_entry {
    pto_kernel_fn fn; /* NULL: func_id not registered */
    pto_cost_fn cost; /* optional cycle model, NULL: none */
    pto_core_type type;
    void *dl; /* dlopen handle owned by this entry, or NULL */
    char name[64];
} pto_kernel_entry;

typedef struct pto_kernel_table {
    pto_kernel_entry entry[PTO_MAX_FUNCS];
} pto_kernel_table;

/* NULL when func_id is out of range or unregistered. */
static inline const pto_kernel_entry *pto_kernel_lookup(const pto_kernel_table *t, int func_id)
{
    if (func_id < 0 || func_id >= PTO_MAX_FUNCS || !t->entry[func_id].fn)
        return 0;
    return &t->entry[func_id];
}

/* Closes every dl handle and clears the table. */
void pto_kernel_table_clear_all(pto_kernel_table *t);

#endif
