/* Public device-memory API on the device's GM arena (a2a3sim: device
 * addresses are host addresses inside the arena, copies are memmove).
 *
 * Behaviour chosen for edge cases:
 *  - pto_malloc of 0 bytes is PTO_ERR_INVALID (as pto_gm_alloc).
 *  - Copies: NULL host or device pointers are PTO_ERR_INVALID, also for a
 *    zero-byte copy. A zero-byte copy is PTO_OK and copies nothing, provided
 *    the device pointer lies within (or one past the end of) a live
 *    allocation.
 *  - The device range [ptr, ptr+bytes) must lie inside one live allocation
 *    (its requested size, not the 64-byte rounded span).
 *  - memmove is used, so a source and destination that overlap (e.g. a
 *    device-to-device copy through the host API) are handled. */
#include <string.h>

#include "core/device.h"
#include "util/error.h"

static pto_status check_dev(pto_device *dev, const char *what, pto_error *err)
{
    if (!dev)
        return pto_fail(err, PTO_ERR_INVALID, "%s: device is NULL", what);
    if (!dev->gm)
        return pto_fail(err, PTO_ERR_STATE, "%s: device has no GM arena (not open)", what);
    return PTO_OK;
}

pto_status pto_malloc(pto_device *dev, size_t bytes, void **out, pto_error *err)
{
    pto_status s = check_dev(dev, "pto_malloc", err);
    if (s != PTO_OK)
        return s;
    if (!out)
        return pto_fail(err, PTO_ERR_INVALID, "pto_malloc: out is NULL");
    return pto_gm_alloc(dev->gm, bytes, out, err);
}

pto_status pto_free(pto_device *dev, void *ptr, pto_error *err)
{
    pto_status s = check_dev(dev, "pto_free", err);
    if (s != PTO_OK)
        return s;
    return pto_gm_free(dev->gm, ptr, err);
}

/* Shared body of both copy directions; dev_ptr is the device-side end. */
static pto_status copy(pto_device *dev, const char *what, void *dst, const void *src,
                       const void *dev_ptr, size_t bytes, pto_error *err)
{
    pto_status s = check_dev(dev, what, err);
    if (s != PTO_OK)
        return s;
    if (!dst || !src)
        return pto_fail(err, PTO_ERR_INVALID, "%s of %zu bytes: %s pointer is NULL", what, bytes,
                        dst ? "source" : "destination");
    s = pto_gm_check_range(dev->gm, dev_ptr, bytes, err);
    if (s != PTO_OK) {
        pto_error_append(err, " (in %s)", what);
        return s;
    }
    if (bytes)
        memmove(dst, src, bytes);
    return PTO_OK;
}

pto_status pto_copy_to_device(pto_device *dev, void *dst, const void *src, size_t bytes,
                              pto_error *err)
{
    return copy(dev, "pto_copy_to_device", dst, src, dst, bytes, err);
}

pto_status pto_copy_from_device(pto_device *dev, void *dst, const void *src, size_t bytes,
                                pto_error *err)
{
    return copy(dev, "pto_copy_from_device", dst, src, src, bytes, err);
}
