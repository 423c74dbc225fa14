#!/usr/bin/python3
"""Writes golden_y.npy for examples/plans/ragged/plan.json with the default
seq_lens [3, 1, 4, 2] (README.md): x[k] = 0.001 k - 1 (row-major, f32)
over [512, 16]; tile (b, t), t < seq_lens[b], is rows (8b + t) 16 .. +16
and becomes y = 2x + 1; the slots past a sequence's length stay 0.
(flat.json packs the same tiles and checks them with an expect rule.)
Needs Debian's python3-numpy."""
import os

import numpy as np

x = (0.001 * np.arange(512 * 16) - 1.0).astype(np.float32).reshape(512, 16)
y = np.zeros((512, 16), dtype=np.float32)
for b, n in enumerate([3, 1, 4, 2]):
    for t in range(n):
        r = 16 * (8 * b + t)
        y[r:r + 16] = x[r:r + 16] * np.float32(2) + np.float32(1)
np.save(os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_y.npy"), y)
