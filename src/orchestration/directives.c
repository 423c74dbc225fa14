/* The directives a run uses, checked against the capability matrix
 * (DESIGN 6.3; platform/caps.c) when it is launched, before anything of it
 * executes: UNSUPPORTED refuses the run, DIAGNOSED lets it proceed with one
 * note on stderr that is counted in its statistics. */
#include <stdio.h>
#include <string.h>

#include "core/device.h"
#include "orchestration/run_internal.h"

pto_status pto_run_require(pto_run *run, pto_cap_row row, const char *what, pto_cap_level *level,
                           pto_error *err)
{
    const char *platform = run->dev->plat->name;
    int col = pto_caps_column_of(platform, run->cfg.deterministic);
    const char *mode = col < 0 ? (run->cfg.deterministic ? "deterministic" : "threaded")
                               : pto_caps_column_mode((uint32_t)col);
    pto_cap_level l = col < 0 ? PTO_CAP_UNSUPPORTED : pto_caps_level(row, (uint32_t)col);
    if (level)
        *level = l;
    const char *feature = pto_caps_feature(row);
    if (l == PTO_CAP_UNSUPPORTED)
        return pto_fail(err, PTO_ERR_INVALID,
                        "pto_launch: %s is not supported on %s%s%s%s: the capability matrix "
                        "has '%s' UNSUPPORTED there (see pto caps); the run is refused "
                        "before anything executes",
                        what, platform, *mode ? " (" : "", mode, *mode ? ")" : "",
                        feature ? feature : "?");
    if (l != PTO_CAP_DIAGNOSED)
        return PTO_OK;
    char note[PTO_DIAGNOSTIC_MAX];
    snprintf(note, sizeof note,
             "%s is ignored on %s%s%s%s: '%s' is DIAGNOSED in the capability matrix (see pto "
             "caps)",
             what, platform, *mode ? " (" : "", mode, *mode ? ")" : "", feature ? feature : "?");
    fprintf(stderr, "pto: note: %s\n", note);
    pto_stats *st = run->flow_stats;
    if (!st->diagnosed++)
        memcpy(st->diagnostic, note, sizeof note);
    return PTO_OK;
}
