#!/usr/bin/env python3
"""Which steps `lrsc eval` and `lrsc plot` show.

usage: test_steps.py LRSC

--steps takes Python's slice forms and the language's number syntax, every
bound is range-checked (no wrap, no overflow), and the default range of an
unbounded schedule covers a few cycles without aliasing its period.
Expected steps are written by hand from Python's slice rules.
"""
import os
import subprocess
import sys
import tempfile

LRSC = os.path.abspath(sys.argv[1])
fails = []
tmp = tempfile.mkdtemp()


def src(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def run(*args):
    p = subprocess.run([LRSC] + list(args), capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def rows(out):
    lines = out.strip().splitlines()[1:]
    return [(int(l.split(",")[0]), float(l.split(",")[1])) for l in lines]


lin = src("lin.lrs", "schedule lr = linear(1 -> 0) for 1000\n")  # steps 0..1000 are the range
N = 1001
slices = {
    ":3": list(range(N))[:3],
    "998:": list(range(N))[998:],
    "-2:": list(range(N))[-2:],
    ":-998": list(range(N))[:-998],
    "::250": list(range(N))[::250],
    "1e3:1_002": [1000, 1001],  # past the span: the end value holds
    "1_0:2_0:5": [10, 15],
    "-5:-2:2": list(range(N))[-5:-2:2],
    "-100000:3": [0, 1, 2],
    "0:9223372036854775807:4611686018427387904": [0, 4611686018427387904],
    "9223372036854775806:": [],
}
for arg, want in slices.items():
    rc, out, err = run("eval", lin, "--steps", arg)
    got = [s for s, _ in rows(out)] if rc == 0 and out.strip() else []
    if rc != 0 or got != want:
        fails.append("--steps %s: exit %d, steps %r, want %r (%s)" % (arg, rc, got[:6], want[:6], err))

for arg in ("0:1e19", "1.5:", "::0", "::-1", "5", "a:b", "1:2:3:4", "1e:", "0x10:", "_1:",
            "-9223372036854775809:", "9223372036854775808:"):
    rc, out, err = run("eval", lin, "--steps", arg)
    if rc != 2 or "--steps" not in err:
        fails.append("--steps %s: exit %d, want a usage error (%r)" % (arg, rc, err))
# A huge range is refused by its row count, never wrapped to a small one.
rc, out, err = run("eval", lin, "--steps", "-9223372036854775808:9223372036854775807")
if rc != 2 or "rows" not in err or out:
    fails.append("a range of 2^63 steps: exit %d, %r" % (rc, err))

rc, out, err = run("eval", lin, "--at", "1e3,2_500,0,-0")
if rc != 0 or [s for s, _ in rows(out)] != [1000, 2500, 0, 0]:
    fails.append("--at 1e3,2_500,0,-0: exit %d, %r %r" % (rc, out, err))
for arg in ("1.5", "1e19", "", "1,,2"):
    rc, out, err = run("eval", lin, "--at", arg)
    if rc != 2:
        fails.append("--at %r: exit %d, want 2" % (arg, rc))

# Default ranges of unbounded schedules.
sgdr = src("sgdr.lrs", "schedule lr = sgdr(0.1, 0.001, period = 1000, mult = 2)\n")
rc, out, err = run("eval", sgdr)
r = rows(out) if rc == 0 else []
steps = [s for s, _ in r]
if rc != 0 or len(r) < 500 or steps != sorted(steps) or steps[-1] < 7000:
    fails.append("SGDR without total: exit %d, %d rows, last %r (want >= 3 cycles: 7000)"
                 % (rc, len(r), steps[-1:]))
elif min(v for _, v in r) > 0.002 or max(v for _, v in r) < 0.099:
    fails.append("SGDR without total does not show its cycles")

# A period the default stride would alias: a triangle of 4000 steps whose
# boundaries are listed to 40 million; the plot's samples must not all
# land on cycle starts.
tri = src("tri.lrs", "schedule lr = triangular2(0.001, 0.01, 2000)\n")
for cmd in ("eval", "plot"):
    rc, out, err = run("eval", tri) if cmd == "eval" else run("plot", tri, "-o",
                                                              os.path.join(tmp, "t.svg"))
    if rc != 0:
        fails.append("triangular2 without total: %s exit %d %r" % (cmd, rc, err))
r = rows(run("eval", tri)[1])
vals = [v for _, v in r]
if not vals or max(vals) - min(vals) < 0.5 * (0.01 - 0.001):
    fails.append("triangular2 without total evaluates as a flat line: %r" % vals[:5])

short = src("short.lrs", "param total = 1_000_000\nschedule lr = triangular(0.001, 0.01, 500)\n")
rc, out, err = run("eval", short)
vals = [v for _, v in rows(out)] if rc == 0 else []
if not vals or max(vals) - min(vals) < 0.5 * (0.01 - 0.001) or "note:" not in err:
    fails.append("cycles of 1000 over 10^6 steps: exit %d, spread %r, %r"
                 % (rc, vals and max(vals) - min(vals), err))

big = src("big.lrs", "param total = 9223372036854775807\nschedule lr = linear(1 -> 0)\n")
rc, out, err = run("eval", big)
r = rows(out) if rc == 0 else []
if rc != 0 or len(r) < 100 or r[-1][0] != 9223372036854775807 - 1 and r[-1][0] < 2 ** 62:
    fails.append("total = 2^63-1: exit %d, %d rows, last %r, %r" % (rc, len(r), r[-1:], err))

for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
