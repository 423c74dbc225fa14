#!/usr/bin/python3
"""Writes golden_y.npy for examples/plans/mix (README.md): the plan's init
rules give a[k] = 0.0005 k - 0.25, b[k] = -0.0003 k + 0.2 and
bias[k] = 0.01 k - 0.3 over each tensor's row-major index k (as f32);
tile t of y (rows 16t .. 16t+15) is relu(A_t @ B_t + bias_t), A_t and B_t
rows 16t .. 16t+15 of a and b, bias_t row t of bias (one value per
column). Computed in float64 and stored as f32. Needs Debian's
python3-numpy (scripts/install-deps.sh installs it)."""
import os

import numpy as np


def init(shape, a, b):
    k = np.arange(int(np.prod(shape)), dtype=np.float64)
    return (a * k + b).astype(np.float32).astype(np.float64).reshape(shape)


a = init((64, 16), 0.0005, -0.25)
b = init((64, 16), -0.0003, 0.2)
bias = init((4, 16), 0.01, -0.3)
y = np.zeros((64, 16))
for t in range(4):
    rows = slice(16 * t, 16 * t + 16)
    y[rows] = np.maximum(a[rows] @ b[rows] + bias[t], 0.0)
here = os.path.dirname(os.path.abspath(__file__))
np.save(os.path.join(here, "golden_y.npy"), y.astype(np.float32))
print("y: %d of %d elements > 0, max %.6f" % ((y > 0).sum(), y.size, y.max()))
