/* Tools library (libpto_tools): trace export, human-readable stats and
 * NumPy .npy files. Separate from libpto so the runtime itself depends only
 * on libc, pthreads and libdl. */
#ifndef PTO_TOOLS_H
#define PTO_TOOLS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pto/run.h"
#include "pto/tile.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Chrome trace-event JSON of the device's last run (opens in Perfetto and
 * chrome://tracing): one lane per AICore, one per AICPU scheduler thread. */
PTO_API pto_status pto_trace_write_chrome(const pto_device *dev, const pto_stats *stats,
                                          const char *path, pto_error *err);

/* Chrome trace-event JSON of the device's last run in semantic time:
 * cycles are the time unit (ts = start_cycle, dur = end_cycle -
 * start_cycle; otherData says "time_unit": "cycles" and gives
 * "total_cycles"). One lane per AICore (pid 1, tid = core, named as in the
 * wall trace), one complete event per task named by its kernel with args
 * {task_id, func_id, cycles}. Dependency-only tasks that have a record show
 * as instant events on a "dependency-only" lane (pid 2). The file holds no
 * wall times or addresses: identical records give a byte-identical file.
 * stats may be NULL (total_cycles is then the latest end_cycle). */
PTO_API pto_status pto_trace_write_chrome_cycles(const pto_device *dev, const pto_stats *stats,
                                                 const char *path, pto_error *err);

typedef enum pto_graph_format {
    PTO_GRAPH_JSON = 0, /* {"nodes":[...],"edges":[[producer,consumer],...]};
                           a start edge: [producer,consumer,"start"] */
    PTO_GRAPH_DOT = 1   /* Graphviz digraph */
} pto_graph_format;

/* Dependency graph of the device's last run: one node per recorded task
 * (the first trace_capacity task ids) with id, kernel, func_id, core, core
 * type and start/end cycle; a dependency-only task is a "dummy" node
 * (func_id -1, core type "dummy", null core and cycles), and the
 * edges of pto_last_run_edges between them, duplicates removed, sorted by
 * (producer, consumer, kind). DOT labels nodes "t<id> <kernel>"; AIC tasks
 * are blue boxes, AIV tasks green ellipses, dummies grey dashed diamonds.
 * A start edge (PTO_EDGE_START: the consumer waits for the producer to
 * start, CSP channels) has "start" as its third element in JSON and is
 * dashed with the label "start" in DOT; other edges are plain pairs. */
PTO_API pto_status pto_graph_write(const pto_device *dev, const char *path, pto_graph_format format,
                                   pto_error *err);

/* Prints the stats table (tasks, wall time, ns/task, total_cycles,
 * per-core utilisation in wall time and in cycles, scheduler activity,
 * flow control), with a warning line when kernels reported no cycles. */
PTO_API void pto_stats_print(FILE *out, const pto_device *dev, const pto_stats *stats);

/* ------------------------------------------------------------------------ */
/* NumPy .npy files (docs/npy.md)                                           */
/*
 * Format versions 1.0 and 2.0 are read (3.0 is refused); files are written
 * as 1.0, or 2.0 when the header would not fit 1.0's 16-bit length, with
 * the header NumPy (>= 1.24) writes for the same array, byte for byte:
 * "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", spaces
 * (NumPy's 21 - digits(shape[0]) growth room, then padding so that
 * magic + version + length + header is a multiple of 64 bytes) and '\n'.
 * Only C order (fortran_order False) and little-endian data are supported.
 *
 * dtypes, by the header's 'descr':
 *   '<f4' f32, '<f2' f16, '<i4' i32;
 *   bf16: NumPy has no bfloat16. A bf16 array is written as '<u2' (the raw
 *   bits, little-endian; in Python `a.view(ml_dtypes.bfloat16)` or
 *   `(a.astype(np.uint32) << 16).view(np.float32)`), and '<u2', '<V2' (what
 *   np.save writes for an ml_dtypes.bfloat16 array) and '|V2' are read as
 *   bf16 bits. So a 2-byte unsigned or void array *is* bf16 here: the
 *   plan's dtype says what the bits mean, and pto_npy_check compares with it.
 * Shapes have 0..PTO_NPY_MAX_DIMS dims (0 dims: a scalar, one element); a
 * dim may be 0. Element and byte counts are overflow-checked.
 *
 * Errors are values (never an abort): PTO_ERR_NOT_FOUND (no such file),
 * PTO_ERR_IO (open/read/write failed, not a regular file),
 * PTO_ERR_INVALID (bad magic, version, header dict, dtype, order, shape,
 * truncated or overlong data), PTO_ERR_NOMEM; err->msg names the file
 * ("npy file 'x.npy': ...") and what is wrong. */

#define PTO_NPY_MAX_DIMS 8
/* Headers longer than this are refused (NumPy's own limit is 10000). */
#define PTO_NPY_MAX_HEADER 65536u

typedef struct pto_npy {
    pto_dtype dtype;
    uint32_t ndim;                    /* 0..PTO_NPY_MAX_DIMS */
    uint64_t shape[PTO_NPY_MAX_DIMS]; /* shape[ndim..] are 0 */
    uint64_t count;                   /* elements: product of shape (1 when ndim is 0) */
    size_t nbytes;                    /* count * element size */
    void *data;                       /* malloc'd, nbytes (at least 1 byte); pto_npy_free */
    char descr[8];                    /* the header's descr, e.g. "<u2" for bf16 bits */
    uint8_t version;                  /* major format version read: 1 or 2 */
} pto_npy;

/* Reads the .npy file at path into *out (zeroed first; on failure it holds
 * nothing to free). The file size must be exactly header + data. */
PTO_API pto_status pto_npy_read(const char *path, pto_npy *out, pto_error *err);

/* The same from n bytes in memory (the data is copied; buf may be freed
 * after). Messages say "npy buffer" where pto_npy_read names the file. */
PTO_API pto_status pto_npy_parse(const void *buf, size_t n, pto_npy *out, pto_error *err);

/* Frees out->data and zeroes *out. NULL and a zeroed pto_npy are fine. */
PTO_API void pto_npy_free(pto_npy *a);

/* Writes data (count(shape) elements of dtype, C order) to path as .npy.
 * shape may be NULL when ndim is 0. */
PTO_API pto_status pto_npy_write(const char *path, pto_dtype dtype, uint32_t ndim,
                                 const uint64_t *shape, const void *data, pto_error *err);

/* The preamble pto_npy_write writes before the data (magic, version,
 * header length, header dict, padding, '\n') into buf (cap bytes); *len is
 * its length, a multiple of 64. PTO_ERR_CAPACITY when cap is too small
 * (*len still says how much is needed). 1024 bytes always suffice. */
PTO_API pto_status pto_npy_header(pto_dtype dtype, uint32_t ndim, const uint64_t *shape, void *buf,
                                  size_t cap, size_t *len, pto_error *err);

/* PTO_OK when a has the expected dtype and shape; else PTO_ERR_INVALID
 * and a message naming the tensor with both, e.g.
 *   "tensor 'x': expected f32 (2, 3), got f16 (2, 3) (descr '<f2'): dtype differs"
 * (shapes are written as Python tuples: (), (5,), (2, 3)). */
PTO_API pto_status pto_npy_check(const pto_npy *a, pto_dtype dtype, uint32_t ndim,
                                 const uint64_t *shape, const char *tensor_name, pto_error *err);

/* Compares n elements of dtype: element i matches when
 *     |got[i] - want[i]| <= atol + rtol * |want[i]|
 * computed in double (f16/bf16 converted to float exactly, i32 exactly),
 * or when both are equal (so equal infinities match), or both are NaN.
 * Returns the number of elements that do not match. *max_err (may be NULL)
 * is the largest |got - want| (infinite when a NaN or infinity is on one
 * side only; 0 when n is 0), *first_bad (may be NULL) the index of the
 * first mismatch, or n when all match. An unknown dtype compares nothing
 * and returns n (every element a mismatch, *first_bad 0). */
PTO_API uint64_t pto_npy_compare(pto_dtype dtype, uint64_t n, const void *got, const void *want,
                                 double rtol, double atol, double *max_err, uint64_t *first_bad);

/* Compares got (golden->count elements of golden's dtype, C order: the
 * tensor the run produced, already checked to have golden's dtype and
 * shape) with the golden array as pto_npy_compare does. PTO_OK when every
 * element matches; else PTO_ERR_INVALID and a message naming the tensor,
 * how many elements differ, the first one (flat index and [multi-index])
 * with both values, and the largest |got - want|, e.g.
 *   "tensor 'y': 2 of 6 elements differ (|got - want| > atol + rtol *
 *    |want|, rtol 0.001, atol 1e-05); first at index 4 [1, 1]: got 2.5,
 *    want 2; max |got - want| 0.5" (one line). */
PTO_API pto_status pto_npy_check_close(const pto_npy *golden, const void *got, double rtol,
                                       double atol, const char *tensor_name, pto_error *err);

/* "f32", "f16", "bf16", "i32", or "?" for an unknown dtype. */
PTO_API const char *pto_npy_dtype_name(pto_dtype dtype);

#ifdef __cplusplus
}
#endif
#endif
