/* .npy files for plan tensors: `pto run --input NAME=FILE.npy` and
 * `--output NAME=FILE.npy`, through libpto_tools' NumPy reader and writer
 * (pto/tools.h, docs/npy.md). A file read must have exactly the tensor's
 * dtype and shape (pto_npy_check names the tensor and both). */
#include <string.h>

#include "frontends/plan/plan.h"
#include "pto/tools.h"

static pto_dtype dtype_of(plan_dtype d)
{
    switch (d) {
    case PLAN_F32: return PTO_F32;
    case PLAN_F16: return PTO_F16;
    case PLAN_BF16: return PTO_BF16;
    case PLAN_I32: break;
    }
    return PTO_I32;
}

pto_status plan_npy_write(const plan_tensor *T, const char *path, const void *data, pto_error *err)
{
    return pto_npy_write(path, dtype_of(T->dtype), T->ndim, T->shape, data, err);
}

pto_status plan_npy_golden(const plan_tensor *T, const void *data, double *max_err, uint64_t *bad,
                           pto_error *err)
{
    pto_npy a;
    pto_status s = pto_npy_read(T->golden, &a, err);
    if (s == PTO_OK)
        s = pto_npy_check(&a, dtype_of(T->dtype), T->ndim, T->shape, T->name, err);
    if (s == PTO_OK)
        *bad = pto_npy_compare(a.dtype, a.count, data, a.data, 0.0, T->tolerance, max_err, NULL);
    pto_npy_free(&a);
    return s;
}

pto_status plan_npy_read(const plan_tensor *T, const char *path, void *data, pto_error *err)
{
    pto_npy a;
    pto_status s = pto_npy_read(path, &a, err);
    if (s == PTO_OK)
        s = pto_npy_check(&a, dtype_of(T->dtype), T->ndim, T->shape, T->name, err);
    if (s == PTO_OK)
        memcpy(data, a.data, a.nbytes); /* nbytes = the tensor's: checked */
    pto_npy_free(&a);
    return s;
}
