/* Public kernel registration on dev->kernels.
 *
 * Behaviour: registration, unregistration and pto_kernel_set_cost fail with
 * PTO_ERR_STATE while a launch is in progress on the device (dev->busy:
 * another thread's, or a streamed run's own orchestration, whose tasks are
 * executing) — except from a host-built orchestration function on the
 * launching thread, since nothing runs before its graph is complete. There,
 * changing the core type of a func_id that a task of the graph already uses
 * is refused too (PTO_ERR_STATE, naming the task): each task recorded its
 * core type, and so its ready queue and core, when it was added, and would
 * run the new kernel on a core of the old type (a MIX task uses its func_id
 * as AIC and its aiv_func_id as AIV, for the parts it declares). Re-registering with the same
 * type, or a func_id no task uses yet, is allowed. Re-registering a func_id
 * replaces the
 * entry and closes the previous entry's dl handle (after the new one is
 * open, so re-registering from the same .so keeps it loaded). Unregistering
 * an id that is not registered is PTO_ERR_NOT_FOUND. Names longer than the
 * entry's name buffer are truncated; a NULL or empty name becomes "f<id>". */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/device.h"
#include "util/error.h"
#include "orchestration/run_internal.h"

_Static_assert(sizeof(pto_kernel_fn) == sizeof(void *),
               "dlsym results must fit a function pointer");

static pto_status check_id(pto_device *dev, int func_id, const char *what, pto_error *err)
{
    if (!dev)
        return pto_fail(err, PTO_ERR_INVALID, "%s: device is NULL", what);
    if (func_id < 0 || func_id >= PTO_MAX_FUNCS)
        return pto_fail(err, PTO_ERR_INVALID, "%s: func_id %d is out of range [0, %d)", what,
                        func_id, PTO_MAX_FUNCS);
    /* pto_orchestrating is this thread's: only the launching thread of a
     * host-built run sees its own run there. */
    int own_build = dev->run_handle && pto_orchestrating == dev->run_handle;
    if (atomic_load(&dev->executing) || (atomic_load(&dev->busy) && !own_build))
        return pto_fail(err, PTO_ERR_STATE,
                        "%s(func_id %d): a launch is in progress on this device%s; "
                        "(un)register kernels before pto_launch, after it returns, or "
                        "from a host-built orchestration function",
                        what, func_id,
                        atomic_load(&dev->executing) ? " and tasks are executing" : "");
    return PTO_OK;
}

/* From a host-built orchestration function: a task of the graph being built
 * recorded func_id's current core type; it must keep it. */
static pto_status check_type_change(pto_device *dev, int func_id, pto_core_type type,
                                    const char *what, pto_error *err)
{
    const pto_kernel_entry *e = pto_kernel_lookup(&dev->kernels, func_id);
    if (!e || e->type == type || pto_orchestrating != dev->run_handle || !dev->run_handle)
        return PTO_OK;
    const pto_task_buffer *tb = &dev->tb;
    for (uint64_t id = atomic_load(&tb->last_alive); id < tb->next_id; id++) {
        const pto_task *t = &tb->tasks[id & tb->mask];
        int used = -1; /* the core type this task runs func_id on, if any */
        if (t->core_type == PTO_QUEUE_MIX) {
            /* func_id is the AIC part's kernel, aiv_func_id the AIV parts' */
            if ((t->mix & PTO_MIX_AIC) && t->func_id == func_id)
                used = PTO_CORE_AIC;
            else if ((t->mix & (PTO_MIX_AIV0 | PTO_MIX_AIV1)) && t->aiv_func_id == func_id)
                used = PTO_CORE_AIV;
        } else if (t->core_type != PTO_QUEUE_DUMMY && t->func_id == func_id) {
            used = t->core_type;
        }
        if (used >= 0 && used != (int)type)
            return pto_fail(err, PTO_ERR_STATE,
                            "%s(func_id %d): task t%llu of the graph being built uses it "
                            "as %s%s; it cannot become %s before that graph has run "
                            "(register it with another func_id)",
                            what, func_id, (unsigned long long)id, pto_queue_name((uint32_t)used),
                            t->core_type == PTO_QUEUE_MIX ? " (a MIX part)" : "",
                            pto_queue_name(type));
    }
    return PTO_OK;
}

static pto_status check_reg(pto_device *dev, int func_id, pto_core_type type, const char *what,
                            pto_error *err)
{
    pto_status s = check_id(dev, func_id, what, err);
    if (s != PTO_OK)
        return s;
    if (type != PTO_CORE_AIC && type != PTO_CORE_AIV)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s(func_id %d): core type %d is neither PTO_CORE_AIC "
                        "(0) nor PTO_CORE_AIV (1)",
                        what, func_id, (int)type);
    return check_type_change(dev, func_id, type, what, err);
}

/* Fills entry func_id (validated by the caller) and takes ownership of dl. */
static void install(pto_device *dev, int func_id, pto_core_type type, pto_kernel_fn fn, void *dl,
                    const char *name)
{
    pto_kernel_entry *e = &dev->kernels.entry[func_id];
    void *old = e->dl;
    if (name && name[0])
        snprintf(e->name, sizeof e->name, "%s", name);
    else
        snprintf(e->name, sizeof e->name, "f%d", func_id);
    e->type = type;
    e->dl = dl;
    e->fn = fn;
    e->cost = 0; /* a new registration starts without a cost model */
    if (old)
        dlclose(old);
}

pto_status pto_kernel_register(pto_device *dev, int func_id, pto_core_type type, pto_kernel_fn fn,
                               const char *name, pto_error *err)
{
    pto_status s = check_reg(dev, func_id, type, "pto_kernel_register", err);
    if (s != PTO_OK)
        return s;
    if (!fn)
        return pto_fail(err, PTO_ERR_INVALID,
                        "pto_kernel_register(func_id %d): function pointer is NULL", func_id);
    install(dev, func_id, type, fn, NULL, name);
    return PTO_OK;
}

pto_status pto_kernel_register_so(pto_device *dev, int func_id, pto_core_type type,
                                  const char *so_path, const char *symbol, pto_error *err)
{
    static const char what[] = "pto_kernel_register_so";
    pto_status s = check_reg(dev, func_id, type, what, err);
    if (s != PTO_OK)
        return s;
    if (!so_path || !symbol || !symbol[0])
        return pto_fail(err, PTO_ERR_INVALID, "%s(func_id %d): %s is NULL or empty", what, func_id,
                        so_path ? "symbol" : "so_path");
    struct stat st;
    if (stat(so_path, &st) != 0)
        return pto_fail(err, PTO_ERR_NOT_FOUND, "%s(func_id %d): shared object '%s' not found: %s",
                        what, func_id, so_path, strerror(errno));
    /* A path without '/' would make dlopen search the library path instead
     * of using the file we just found. */
    char path[PATH_MAX];
    const char *open_path = so_path;
    if (!strchr(so_path, '/')) {
        if ((size_t)snprintf(path, sizeof path, "./%s", so_path) >= sizeof path)
            return pto_fail(err, PTO_ERR_INVALID, "%s: path '%s' is too long", what, so_path);
        open_path = path;
    }
    dlerror();
    void *dl = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *why = dlerror();
        return pto_fail(err, PTO_ERR_IO, "%s(func_id %d): cannot load '%s': %s", what, func_id,
                        so_path, why ? why : "unknown dlopen error");
    }
    dlerror();
    void *sym = dlsym(dl, symbol);
    const char *why = dlerror();
    if (why || !sym) {
        pto_fail(err, PTO_ERR_NOT_FOUND, "%s(func_id %d): symbol '%s' not found in '%s': %s", what,
                 func_id, symbol, so_path, why ? why : "symbol resolves to NULL");
        dlclose(dl);
        return PTO_ERR_NOT_FOUND;
    }
    pto_kernel_fn fn;
    memcpy(&fn, &sym, sizeof fn);
    install(dev, func_id, type, fn, dl, symbol);
    return PTO_OK;
}

pto_status pto_kernel_register_source(pto_device *dev, int func_id, pto_core_type type,
                                      const char *c_path, const char *symbol,
                                      const char *extra_flags, pto_error *err)
{
    pto_status s = check_reg(dev, func_id, type, "pto_kernel_register_source", err);
    if (s != PTO_OK)
        return s;
    char so[PATH_MAX];
    s = pto_compile_shared(c_path, extra_flags, so, sizeof so, err);
    if (s != PTO_OK)
        return s;
    return pto_kernel_register_so(dev, func_id, type, so, symbol, err);
}

pto_status pto_kernel_set_cost(pto_device *dev, int func_id, pto_cost_fn cost, pto_error *err)
{
    pto_status s = check_id(dev, func_id, "pto_kernel_set_cost", err);
    if (s != PTO_OK)
        return s;
    pto_kernel_entry *e = &dev->kernels.entry[func_id];
    if (!e->fn)
        return pto_fail(err, PTO_ERR_NOT_FOUND, "pto_kernel_set_cost: func_id %d is not registered",
                        func_id);
    e->cost = cost;
    return PTO_OK;
}

pto_status pto_kernel_unregister(pto_device *dev, int func_id, pto_error *err)
{
    pto_status s = check_id(dev, func_id, "pto_kernel_unregister", err);
    if (s != PTO_OK)
        return s;
    pto_kernel_entry *e = &dev->kernels.entry[func_id];
    if (!e->fn)
        return pto_fail(err, PTO_ERR_NOT_FOUND,
                        "pto_kernel_unregister: func_id %d is not registered", func_id);
    void *dl = e->dl;
    memset(e, 0, sizeof *e);
    if (dl)
        dlclose(dl);
    return PTO_OK;
}

/* "f<id>" for every id, formatted once so pto_kernel_name never formats
 * (and never writes shared memory) after initialisation. */
static char g_default_names[PTO_MAX_FUNCS][8];
static pthread_once_t g_default_once = PTHREAD_ONCE_INIT;

static void init_default_names(void)
{
    for (int i = 0; i < PTO_MAX_FUNCS; i++)
        snprintf(g_default_names[i], sizeof g_default_names[i], "f%d", i);
}

const char *pto_kernel_name(const pto_device *dev, int func_id)
{
    if (func_id < 0 || func_id >= PTO_MAX_FUNCS)
        return "f?";
    if (dev) {
        const pto_kernel_entry *e = pto_kernel_lookup(&dev->kernels, func_id);
        if (e && e->name[0])
            return e->name;
    }
    pthread_once(&g_default_once, init_default_names);
    return g_default_names[func_id];
}
