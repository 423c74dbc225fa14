#!/usr/bin/env python3
"""Text rendering of a `pto run --cycle-trace FILE` trace (Chrome/Perfetto
JSON): the phases (one row per kernel: tasks, cores, first start, last
end), the 0-cycle instants (dependency-only and skipped tasks), and one
line per core lane with a letter per kernel, lanes with identical lines
merged. Standard library only:

    python3 examples/plans/decoder/timeline.py trace.json [columns]
"""
import json
import sys


def main():
    path = sys.argv[1]
    cols = int(sys.argv[2]) if len(sys.argv) > 2 else 96
    trace = json.load(open(path))
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    lanes = {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            lanes[(e["pid"], e["tid"])] = e["args"]["name"]
    spans = [e for e in events if e.get("ph") == "X"]
    instants = [e for e in events if e.get("ph") == "i"]
    end = max(e["ts"] + e["dur"] for e in spans)
    names = []
    for e in sorted(spans, key=lambda e: (e["ts"], e["args"].get("task_id", 0))):
        if e["name"] not in names:
            names.append(e["name"])
    letter = {n: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i] for i, n in enumerate(names)}

    print("phase              letter  tasks  cores  first start  last end")
    for n in names:
        es = [e for e in spans if e["name"] == n]
        cores = {(e["pid"], e["tid"]) for e in es}
        print("%-18s %-6s %6d %6d %12d %9d" % (n, letter[n], len(es), len(cores),
                                              min(e["ts"] for e in es),
                                              max(e["ts"] + e["dur"] for e in es)))
    inst = {}
    for e in instants:
        inst.setdefault((e["name"], e["ts"]), []).append(e["args"].get("task_id"))
    for (n, ts), ids in sorted(inst.items(), key=lambda kv: kv[0][1]):
        print("instant at %6d: %s x%d (tasks %s)" % (ts, n, len(ids), ",".join(map(str, ids))))
    print("total_cycles %d; one column = %.0f cycles; '.' idle" % (end, end / cols))

    rows = {}
    order = []
    for key, lane in sorted(lanes.items()):
        mine = [e for e in spans if (e["pid"], e["tid"]) == key]
        if not mine:
            continue
        line = ["."] * cols
        for e in mine:
            a = int(e["ts"] * cols / end)
            b = max(a + 1, int((e["ts"] + e["dur"]) * cols / end))
            for c in range(a, min(b, cols)):
                line[c] = letter[e["name"]]
        text = "".join(line)
        if text not in rows:
            rows[text] = []
            order.append(text)
        rows[text].append(lane)
    for text in order:
        ls = rows[text]
        label = ls[0] if len(ls) == 1 else "%s (+%d)" % (ls[0], len(ls) - 1)
        print("%-16s |%s|" % (label, text))
    idle = len(lanes) - sum(len(v) for v in rows.values())
    print("(%d lanes with no task)" % idle)


if __name__ == "__main__":
    main()
