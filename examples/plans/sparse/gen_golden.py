#!/usr/bin/python3
"""Writes the goldens of examples/plans/sparse for the default symbols
(README.md): x[k] = 0.001 k - 1 (row-major, f32) over [256, 16]; the
nonzeros of the CSR row_ptr [0, 2, 3, 3, 5], col_idx [0, 3, 1, 0, 2] are
the tiles (r, c) = (0, 0), (0, 3), (1, 1), (3, 0), (3, 2), each y = 2x + 1.
  golden_y.npy      plan.json and select.json: tile (r, c) of y is rows
                    (4r + c) 16 .. +16; the other tiles stay 0;
  golden_flat_y.npy flat.json: nonzero p's tile packed at rows 16p .. +16
                    of y [128, 16]; tiles 5..7 stay 0.
Needs Debian's python3-numpy."""
import os

import numpy as np

x = (0.001 * np.arange(256 * 16) - 1.0).astype(np.float32).reshape(256, 16)
row_ptr, col_idx = [0, 2, 3, 3, 5], [0, 3, 1, 0, 2]
y = np.zeros((256, 16), dtype=np.float32)
flat = np.zeros((128, 16), dtype=np.float32)
for r in range(4):
    for p in range(row_ptr[r], row_ptr[r + 1]):
        t = 16 * (4 * r + col_idx[p])
        tile = x[t:t + 16] * np.float32(2) + np.float32(1)
        y[t:t + 16] = tile
        flat[16 * p:16 * p + 16] = tile
here = os.path.dirname(os.path.abspath(__file__))
np.save(os.path.join(here, "golden_y.npy"), y)
np.save(os.path.join(here, "golden_flat_y.npy"), flat)
