#!/usr/bin/env python3
"""Writes golden_y.npy and golden_flags.npy for examples/plans/cond_slot
(README.md derives them): sel[t] = t - 3, flags[t] = max(0, |sel[t]| - 1);
x[k] = 0.001*k - 1 (row-major, f32); tile t (rows 16t .. 16t+15) of y is
2x + 1 when flags[t] != 0, else x. Plain Python (no numpy): the .npy
format 1.0 header and little-endian data are written by hand."""
import os
import struct


def npy(path, descr, shape, fmt, values):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else ""))
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%d%s" % (len(values), fmt), *values))


def f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


here = os.path.dirname(os.path.abspath(__file__))
flags = [max(0, abs(t - 3) - 1) for t in range(8)]
y = []
for k in range(128 * 16):
    x = f32(0.001 * k - 1.0)
    y.append(f32(f32(x * 2.0) + 1.0) if flags[k // 256] else x)
npy(os.path.join(here, "golden_flags.npy"), "<i4", (8,), "i", flags)
npy(os.path.join(here, "golden_y.npy"), "<f4", (128, 16), "f", y)
print("flags", flags)
