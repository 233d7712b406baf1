#!/usr/bin/env python3
"""The trainer's budget on lrsc's command line.

usage: test_budget.py LRSC

-D total= and -D steps_per_epoch= set the budget of a file that does not
declare it (other undeclared names stay errors), and a profile that moves
but stretches over an unbounded span (it would keep its start value
forever) is warned about at the segment, with the fix.
"""
import math
import os
import subprocess
import sys
import tempfile

LRSC = os.path.abspath(sys.argv[1])
fails = []
tmp = tempfile.mkdtemp(prefix="lrs-budget-")


def lrsc(text, *args):
    path = os.path.join(tmp, "b.lrs")
    with open(path, "w") as f:
        f.write(text)
    p = subprocess.run([LRSC] + list(args) + [path], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def values(out):
    return {int(a): float(b) for a, b in (l.split(",") for l in out.splitlines()[1:])}


# -D total= for a file without `param total`: 50% is 500 steps.
rc, out, err = lrsc("schedule lr = cosine(0.1 -> 0) for 50%\n", "eval", "-D", "total=1000",
                    "--steps", "250:251")
v = values(out) if rc == 0 else {}
if rc != 0 or abs(v.get(250, -1) - 0.05) > 1e-15:
    fails.append("-D total=1000 undeclared: rc %d %r %r" % (rc, out, err))
rc, out, err = lrsc("schedule lr = linear(0.1 -> 0) for 2 epochs\n", "eval", "-D",
                    "steps_per_epoch=100", "--steps", "100:101")
v = values(out) if rc == 0 else {}
if rc != 0 or abs(v.get(100, -1) - 0.05) > 1e-15:
    fails.append("-D steps_per_epoch=100 undeclared: rc %d %r %r" % (rc, out, err))
rc, out, err = lrsc("schedule lr = 0.1\n", "eval", "-D", "warm=3")
if rc != 1 or "no param 'warm' to set" not in err:
    fails.append("-D warm=3 undeclared: rc %d %r" % (rc, err))

# The frozen profile: warned at the cosine segment (line 2, column 44).
frozen = "param p = 0.1\nschedule lr = linear(0 -> p) for 2000 then cosine(p -> p/10)\n"
rc, out, err = lrsc(frozen, "check")
want = os.path.join(tmp, "b.lrs") + ":2:44: warning:"
if rc != 0 or want not in err or "stays at 0.1 forever" not in err:
    fails.append("frozen cosine not warned at 2:44: rc %d %r" % (rc, err))
elif "^~~~~~~~~~~~~~~~~" not in err or "-D total=N" not in err or "`for N`" not in err:
    fails.append("frozen cosine warning lacks the caret or the fix: %r" % err)
elif err.count("warning:") != 1:
    fails.append("frozen cosine: one warning expected: %r" % err)
rc, out, err = lrsc("schedule lr = cosine(0.1 -> 0)\n", "check")
if "1:15: warning:" not in err or "stays at 0.1 forever" not in err:
    fails.append("a bare stretching cosine is not warned: %r" % err)
# Not warned: with a budget, with `for`, or when the profile does not move.
for text, args in [(frozen, ["-D", "total=10000"]),
                   ("param total = 9000\n" + frozen, []),
                   ("schedule lr = linear(0 -> 0.1) for 2000 then cosine(0.1 -> 0.01) for 8000\n", []),
                   ("schedule lr = linear(0 -> 0.1) for 2000 then cosine(0.1 -> 0.1)\n", []),
                   ("schedule lr = linear(0 -> 0.1) for 2000 then 0.1\n", [])]:
    rc, out, err = lrsc(text, "check", *args)
    if rc != 0 or "warning" in err:
        fails.append("warned without cause: %r %r: rc %d %r" % (text, args, rc, err))

for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
