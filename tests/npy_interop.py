#!/usr/bin/python3
"""The .npy module against real NumPy (Debian's python3-numpy): arrays that
NumPy saves are read by pto_npy_read and written back by pto_npy_write
(tests/npy_roundtrip.c); NumPy must load the same values, and for the
dtypes NumPy names itself the written file must be byte-for-byte what
np.save wrote. bf16 has no NumPy dtype: its bits go as '<u2' (written and
read) or '<V2' (ml_dtypes' bfloat16, read), docs/npy.md.

Usage: npy_interop.py PATH/TO/npy_roundtrip WORKDIR"""
import os
import subprocess
import sys

import numpy as np

tool, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(7)
cases = [
    ("f32", rng.standard_normal((2, 3)).astype("<f4"), True),
    ("f32", np.float32(1.5).reshape(()), True),                 # 0-d
    ("f16", rng.standard_normal((4, 1, 5)).astype("<f2"), True),
    ("i32", rng.integers(-2**31, 2**31 - 1, (7,), dtype="<i4"), True),
    ("i32", np.zeros((3, 0), dtype="<i4"), True),                # empty
    ("f32", rng.standard_normal((1, 2, 1, 2, 1, 2, 1, 2)).astype("<f4"), True),  # 8-d
    ("bf16", rng.integers(0, 2**16, (16, 16), dtype="<u2"), True),  # raw bits
    ("bf16", rng.integers(0, 2**16, (9,), dtype="<u2").view("V2"), False),  # read as bf16
]
failed = 0
for i, (dtype, a, exact) in enumerate(cases):
    src, dst = os.path.join(work, f"in{i}.npy"), os.path.join(work, f"out{i}.npy")
    np.save(src, a)
    out = subprocess.run([tool, src, dst], capture_output=True, text=True)
    want = f"{dtype} {a.ndim}" + "".join(f" {d}" for d in a.shape)
    if out.returncode or out.stdout.strip() != want:
        print(f"case {i}: tool said {out.stdout.strip()!r} {out.stderr.strip()!r}, want {want!r}")
        failed += 1
        continue
    b = np.load(dst)
    bits = a.view("<u2") if a.dtype.kind == "V" else a
    if b.shape != a.shape or b.tobytes() != bits.tobytes():
        print(f"case {i}: values differ after the round trip ({b.dtype} {b.shape})")
        failed += 1
    if exact and open(src, "rb").read() != open(dst, "rb").read():
        print(f"case {i}: the written file is not byte-for-byte np.save's")
        failed += 1
print(f"npy interop: {len(cases)} cases, {failed} failed (numpy {np.__version__})")
sys.exit(1 if failed else 0)
