#!/usr/bin/python3
"""Inputs and goldens of examples/plans/decoder (run with Debian's
/usr/bin/python3 and python3-numpy; the files are committed, so running
the plan needs no Python):

    /usr/bin/python3 examples/plans/decoder/gen.py

Reads the page table and the position of the new token from plan.json
(the defaults of the symbols `page_table` and `pos`), draws the weights,
the input tokens and the paged KV cache from a fixed seed, computes the
decoder layer in float64 (rounding K and V to f16 where the plan stores
them) and writes data/*.npy. The seed is the first one from SEED0 whose
top-1 routing uses exactly ACTIVE experts with a logit margin of at least
MARGIN, so the number of experts that run (and so total_cycles) is fixed.
"""
import json
import os
import sys

import numpy as np

B, H, HD, D = 8, 3, 16, 48        # sequences (one new token each), heads, head dim, model dim
PS, PAGES, POOL = 16, 2, 20       # page size, pages per sequence, pages in the pool
E, F = 8, 16                      # experts, expert hidden size
EPS, SCALE = 1e-5, 0.25           # rmsnorm eps, 1/sqrt(HD)
SEED0, ACTIVE, MARGIN = 1, 3, 0.02
GARBAGE = 100.0                   # unused pages and the new token's slot before the run

here = os.path.dirname(os.path.abspath(__file__))


def rmsnorm(x, w):
    return x / np.sqrt((x * x).mean(axis=1, keepdims=True) + EPS) * w


def silu(x):
    return x / (1.0 + np.exp(-x))


def layer(seed, pt, pos):
    rng = np.random.default_rng(seed)
    f32 = lambda a: np.asarray(a, dtype=np.float32)
    inp = {
        "x": f32(rng.uniform(-1, 1, (B, D))),
        "w_norm1": f32(rng.uniform(0.5, 1.5, (1, D))),
        "w_norm2": f32(rng.uniform(0.5, 1.5, (1, D))),
        "wq": f32(rng.uniform(-0.25, 0.25, (D, D))),
        "wk": f32(rng.uniform(-0.25, 0.25, (D, D))),
        "wv": f32(rng.uniform(-0.25, 0.25, (D, D))),
        "wo": f32(rng.uniform(-0.25, 0.25, (D, D))),
        "w_router": f32(rng.uniform(-0.5, 0.5, (D, E))),
        "w1": f32(rng.uniform(-0.25, 0.25, (E * D, F))),
        "w2": f32(rng.uniform(-0.25, 0.25, (E * F, D))),
    }
    kc = np.full((POOL * PS, D), GARBAGE)
    vc = np.full((POOL * PS, D), GARBAGE)
    for b in range(B):  # the cached positions 0 .. pos-1 of each sequence
        for t in range(pos):
            row = pt[b * PAGES + t // PS] * PS + t % PS
            kc[row] = rng.uniform(-1, 1, D)
            vc[row] = rng.uniform(-1, 1, D)
    inp["k_cache"] = kc.astype(np.float16)
    inp["v_cache"] = vc.astype(np.float16)

    g = {k: v.astype(np.float64) for k, v in inp.items()}
    xn = rmsnorm(g["x"], g["w_norm1"])
    kc, vc = g["k_cache"].copy(), g["v_cache"].copy()
    o = np.zeros((B, D))
    for b in range(B):
        row = pt[b * PAGES + pos // PS] * PS + pos % PS
        for h in range(H):
            c = slice(h * HD, (h + 1) * HD)
            kc[row, c] = (xn[b] @ g["wk"][:, c]).astype(np.float16)  # stored as f16
            vc[row, c] = (xn[b] @ g["wv"][:, c]).astype(np.float16)
        for h in range(H):
            c = slice(h * HD, (h + 1) * HD)
            q = xn[b] @ g["wq"][:, c]
            rows = [pt[b * PAGES + t // PS] * PS + t % PS for t in range(PAGES * PS)]
            s = kc[rows, c] @ q * SCALE
            p = np.exp(s - s.max())
            p /= p.sum()
            o[b, c] = p @ vc[rows, c]
    h1 = g["x"] + o @ g["wo"]
    hn = rmsnorm(h1, g["w_norm2"])
    logits = hn @ g["w_router"]
    route = logits.argmax(axis=1)
    top2 = np.sort(logits, axis=1)[:, -2:]
    margin = (top2[:, 1] - top2[:, 0]).min()
    counts = np.bincount(route, minlength=E)
    y = np.full((E * B, D), 12345.0)  # the sentinel: an expert that is skipped leaves it
    out = h1.copy()
    for e in range(E):
        if counts[e] == 0:
            continue
        mask = (route == e).astype(np.float64)[:, None]
        ye = mask * (silu(hn @ g["w1"][e * D:(e + 1) * D]) @ g["w2"][e * F:(e + 1) * F])
        y[e * B:(e + 1) * B] = ye
        out += ye
    gold = {
        "k_cache": kc.astype(np.float16),
        "v_cache": vc.astype(np.float16),
        "counts": counts.astype(np.int32).reshape(1, E),
        "active": np.array([[sum(1 << e for e in range(E) if counts[e])]], dtype=np.int32),
        "y_exp": y.astype(np.float32),
        "out": out.astype(np.float32),
    }
    return inp, gold, route, counts, margin


def main():
    plan = json.load(open(os.path.join(here, "plan.json")))
    sym = {s["name"]: s["default"] for s in plan["symbols"]}
    pt, pos = sym["page_table"], sym["pos"]
    for seed in range(SEED0, SEED0 + 10000):
        inp, gold, route, counts, margin = layer(seed, pt, pos)
        if np.count_nonzero(counts) == ACTIVE and margin >= MARGIN:
            break
    else:
        sys.exit("no seed gives %d active experts" % ACTIVE)
    os.makedirs(os.path.join(here, "data"), exist_ok=True)
    for name, a in inp.items():
        np.save(os.path.join(here, "data", name + ".npy"), a)
    for name, a in gold.items():
        np.save(os.path.join(here, "data", "golden_" + name + ".npy"), a)
    print("seed %d: route %s, tokens per expert %s, experts run %s, logit margin %.3f"
          % (seed, route.tolist(), counts.tolist(), np.nonzero(counts)[0].tolist(), margin))


if __name__ == "__main__":
    main()
