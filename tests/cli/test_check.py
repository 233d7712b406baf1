#!/usr/bin/env python3
"""`lrsc check`: boundaries of multistep and piecewise, and --no-check.

usage: test_check.py LRSC

The boundaries are the decay points written in the program (by hand
here); --no-check prints what is known without the checker, never nan.
"""
import os
import subprocess
import sys
import tempfile

LRSC = os.path.abspath(sys.argv[1])
fails = []
with tempfile.NamedTemporaryFile("w", suffix=".lrs", delete=False) as f:
    f.write("param total = 1000\n"
            "schedule a = multistep(0.1, gamma = 0.1, at = [300, 600])\n"
            "schedule b = piecewise([0.1, 0.05, 0.01], [250.5, 700])\n"
            "schedule c = 0.1 for 100 then multistep(0.1, 0.5, [300, 2000])\n"
            "schedule d = restarts(cosine(1 -> 0), period = 400)\n"
            "schedule e = linear(1 -> 0)\n")
    path = f.name

p = subprocess.run([LRSC, "check", "--boundaries", path], capture_output=True, text=True)
want = {
    "a": "300, 600",
    "b": "251, 700",          # index counts entries <= step: 250.5 is passed at 251
    "c": "100, 400",          # 300 after the first segment; 2100 lies past the span
    "d": "400, 800",
    "e": "none",
}
got = {}
for line in p.stdout.splitlines():
    name, _, rest = line.partition(": boundaries")
    if rest:
        got[name] = rest.strip()
if p.returncode != 0 or got != want:
    fails.append("check --boundaries: exit %d, %r, want %r" % (p.returncode, got, want))

p = subprocess.run([LRSC, "check", "--no-check", path], capture_output=True, text=True)
lines = p.stdout.splitlines()
if p.returncode != 0 or "nan" in p.stdout or len(lines) != 5:
    fails.append("check --no-check prints nan or no summary: %r" % p.stdout)
elif not lines[0].startswith("a: span 1000 steps, start 0.1, end 0.001"):
    fails.append("check --no-check: %r" % lines[0])

for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
