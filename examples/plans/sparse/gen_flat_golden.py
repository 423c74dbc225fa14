#!/usr/bin/python3
"""Writes golden_flat_y.npy for examples/plans/sparse/flat.json with its
default symbols (README.md): x[k] = 0.001 k - 1 (row-major, f32) over
[256, 16]; nonzero p of the CSR (row_ptr [0, 2, 3, 3, 5], col_idx
[0, 3, 1, 0, 2]) at tile (r, c) gives packed tile p of y: rows 16p .. 16p+15
= 2 x[rows (4r + c) 16 ..] + 1; tiles 5..7 of y stay 0. Needs Debian's
python3-numpy."""
import os

import numpy as np

x = (0.001 * np.arange(256 * 16) - 1.0).astype(np.float32).reshape(256, 16)
row_ptr, col_idx = [0, 2, 3, 3, 5], [0, 3, 1, 0, 2]
y = np.zeros((128, 16), dtype=np.float32)
for r in range(4):
    for p in range(row_ptr[r], row_ptr[r + 1]):
        t = 4 * r + col_idx[p]
        y[16 * p:16 * p + 16] = x[16 * t:16 * t + 16] * np.float32(2) + np.float32(1)
np.save(os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_flat_y.npy"), y)
