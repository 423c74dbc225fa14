#include "platform/a2a3/a2a3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

/* Looks for an executable `name` in dir (if non-NULL) or on PATH. */
static int find_tool(const char *name, const char *dir)
{
    char path[8192];
    if (dir) {
        snprintf(path, sizeof path, "%.4000s/%.200s", dir, name);
        return access(path, X_OK) == 0;
    }
    const char *p = getenv("PATH");
    while (p && *p) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        if (len > 4000)
            len = 4000;
        snprintf(path, sizeof path, "%.*s/%.200s", (int)len, p, name);
        if (access(path, X_OK) == 0)
            return 1;
        p = colon ? colon + 1 : 0;
    }
    return 0;
}

static pto_status a2a3_open(pto_device *dev, void **impl, pto_error *err)
{
    (void)dev;
    *impl = 0;
    return pto_a2a3_open_check(err);
}

const pto_platform pto_a2a3 = {.name = "a2a3", .open = a2a3_open};

pto_status pto_a2a3_open_check(pto_error *err)
{
    const char *home = getenv("ASCEND_HOME_PATH");
    char bindir[4200];
    struct stat st;
    int have_home = home && *home && stat(home, &st) == 0 && S_ISDIR(st.st_mode);
    if (have_home)
        snprintf(bindir, sizeof bindir, "%.4000s/bin", home);
    int have_ccec = (have_home && find_tool("ccec", bindir)) || find_tool("ccec", 0);
    int have_cross =
        find_tool("aarch64-linux-gnu-gcc", 0) || find_tool("aarch64-target-linux-gnu-gcc", 0);
    if (!have_home || !have_ccec || !have_cross) {
        pto_fail(err, PTO_ERR_TOOLCHAIN, "platform a2a3 needs the Ascend CANN toolchain; missing:");
        if (!have_home)
            pto_error_append(err, " ASCEND_HOME_PATH (%s)",
                             home && *home ? "not a directory" : "unset");
        if (!have_ccec)
            pto_error_append(err, " ccec");
        if (!have_cross)
            pto_error_append(err, " aarch64 cross compiler (aarch64-linux-gnu-gcc)");
        pto_error_append(err, ". Use --platform a2a3sim to simulate.");
        return PTO_ERR_TOOLCHAIN;
    }
    return pto_fail(err, PTO_ERR_TOOLCHAIN,
                    "platform a2a3: CANN found at %s, but this build of libpto has "
                    "no Ascend device backend yet (see README status table). Use "
                    "--platform a2a3sim.",
                    home);
}
