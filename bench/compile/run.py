#!/usr/bin/env python3
"""Compile cost against the size of the input, whole processes of lrsc.

Generates the programs (a fixed seed), then times `lrsc check` (parse,
lowering, the value checker), `lrsc eval --at ...` (the same plus the JIT)
and `lrsc compile -o X.so` (ahead of time) on each, and prints a Markdown
table: the median of the runs in seconds and the ratio to the baseline of
the same run, `pick` over a 10-entry list. With --before LRSC, an older
lrsc is timed the same way in the same run (a case that takes longer than
--slow seconds is run once).

usage: bench/compile/run.py [--runs N] [--before LRSC] [--slow S] [--limit S] LRSC
(a run past --limit seconds, default 300, is stopped and shown as "> S")
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time


def programs():
    """name -> source text."""
    rnd = random.Random(1)
    vals = [round(rnd.uniform(0.001, 1), 6) for _ in range(10_000)]
    at = list(range(2, 2 * 10_000, 2))[: 10_000 - 1]

    def lst(v):
        return ", ".join(str(x) for x in v)

    p = {}
    p["pick, 10 entries (baseline)"] = (
        "param total = 20000\nschedule lr = pick([%s], step / 2)\n" % lst(vals[:10]))
    p["piecewise, 10 values"] = (
        "param total = 20000\nschedule lr = piecewise([%s], [%s])\n" % (lst(vals[:10]), lst(at[:9])))
    p["pick, 10,000 entries"] = (
        "param total = 20000\nschedule lr = pick([%s], step / 2)\n" % lst(vals))
    p["piecewise, 10,000 values"] = (
        "param total = 20000\nschedule lr = piecewise([%s], [%s])\n" % (lst(vals), lst(at)))
    s = "param total = 20000\n"
    for i in range(50):
        s += "schedule s%d = pick([%s], step / %d)\n" % (i, lst(vals[:200]), i + 1)
    p["50 schedules, pick over the same 200 entries"] = s
    s = "param total = 1000\nlet a0 = linear(1 -> 0)\n"
    for i in range(1, 41):
        s += "let a%d = a%d + a%d\n" % (i, i - 1, i - 1)
    p["40 lets, each the previous one twice"] = s + "schedule lr = a40 / 2 ^ 40\n"
    return p


COMMANDS = {
    "check": ["check"],
    "eval (JIT)": ["eval", "--at", "0,5000,19999"],
    "compile (.so)": ["compile", "-o", None],
}


def run(lrsc, cmd, path, out, limit):
    """Seconds, or inf past `limit` seconds (the process is then killed)."""
    args = [lrsc] + [a if a is not None else out for a in COMMANDS[cmd]] + [path]
    t = time.perf_counter()
    try:
        r = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=limit)
    except subprocess.TimeoutExpired:
        return float("inf")
    dt = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit("%s failed:\n%s" % (" ".join(args), r.stderr.decode()))
    return dt


def measure(lrsc, files, runs, slow, limit, tmp):
    """(name, cmd) -> median seconds."""
    res = {}
    for name, path in files.items():
        for cmd in COMMANDS:
            out = os.path.join(tmp, "out.so")
            first = run(lrsc, cmd, path, out, limit)
            more = [] if first > slow else [run(lrsc, cmd, path, out, limit) for _ in range(runs - 1)]
            times = [first] + more
            res[name, cmd] = statistics.median(times)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lrsc")
    ap.add_argument("--before")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--slow", type=float, default=5.0)
    ap.add_argument("--limit", type=float, default=300.0, help="seconds before a run is stopped")
    a = ap.parse_args()
    os.environ["LRS_CACHE"] = "off"  # every run compiles: no on-disk cache
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for i, (name, src) in enumerate(programs().items()):
            files[name] = os.path.join(tmp, "p%d.lrs" % i)
            with open(files[name], "w") as f:
                f.write(src)
        builds = [("after", a.lrsc)] + ([("before", a.before)] if a.before else [])
        results = {label: measure(path, files, a.runs, a.slow, a.limit, tmp)
                   for label, path in builds}
    base = next(iter(files))
    head = "| program | command |"
    rule = "|---|---|"
    for label, _ in builds:
        head += " %s s | %s ratio |" % (label, label)
        rule += "---:|---:|"
    print(head)
    print(rule)
    for name in files:
        for cmd in COMMANDS:
            row = "| %s | %s |" % (name, cmd)
            for label, _ in builds:
                t = results[label][name, cmd]
                if t == float("inf"):
                    row += " > %g | - |" % a.limit
                else:
                    row += " %.3f | %.2f |" % (t, t / results[label][base, cmd])
            print(row)


if __name__ == "__main__":
    main()
