#!/usr/bin/env python3
"""-D on lrsc's command line: params of the main file and of imported files.

usage: test_defines.py LRSC

-D m.NAME=EXPR sets param NAME of the file imported `as m` (its EXPR is
read in that file's scope), -D NAME=EXPR the main file's; a module or param
that does not exist is an error at the -D, with the names that do exist.
Expected values are written by hand from the schedules' formulas.
"""
import os
import subprocess
import sys
import tempfile

LRSC = os.path.abspath(sys.argv[1])
fails = []
tmp = tempfile.mkdtemp(prefix="lrs-defines-")
with open(os.path.join(tmp, "m.lrs"), "w") as f:
    f.write("param peak = 0.1\nparam warm = 10\n"
            "schedule inner = linear(0 -> peak) for warm then peak\n")
MAIN = os.path.join(tmp, "main.lrs")
with open(MAIN, "w") as f:
    f.write('import "m.lrs" as m\nparam total = 100\nparam peak = 3\n'
            "schedule lr = m.inner\nschedule own = peak\n")


def lrsc(*args):
    p = subprocess.run([LRSC] + list(args), capture_output=True, text=True, timeout=60, cwd=tmp)
    return p.returncode, p.stdout, p.stderr


def table(out):
    rows = [l.split(",") for l in out.splitlines()]
    return {(name, int(r[0])): float(v) for r in rows[1:] for name, v in zip(rows[0][1:], r[1:])}


def expect_values(args, want):
    rc, out, err = lrsc("eval", MAIN, "--at", "0,5,10,50", *args)
    got = table(out) if rc == 0 else {}
    for key, v in want.items():
        if key not in got or abs(got[key] - v) > 1e-15 * max(1, abs(v)):
            fails.append("%r: %s at %d = %r, want %r (rc %d, %r)"
                         % (args, key[0], key[1], got.get(key), v, rc, err))


# Unchanged: linear 0 -> 0.1 over 10 steps, then 0.1; own = 3.
expect_values([], {("lr", 5): 0.05, ("lr", 50): 0.1, ("own", 0): 3})
# m.peak = 1: the ramp reaches 1; the main file's own `peak` stays 3.
expect_values(["-D", "m.peak=1"], {("lr", 5): 0.5, ("lr", 10): 1, ("own", 0): 3})
# The main file's peak leaves m's alone.
expect_values(["-D", "peak=7"], {("lr", 5): 0.05, ("own", 0): 7})
# EXPR is read in m's scope: warm there is 10, so m.peak = 0.5; with
# m.warm = 20 as well, m.peak = 1 and the ramp lasts 20 steps.
expect_values(["-Dm.peak=warm/20"], {("lr", 5): 0.25, ("lr", 10): 0.5, ("own", 0): 3})
expect_values(["-Dm.peak=warm/20", "-D", "m.warm=20"],
              {("lr", 5): 0.25, ("lr", 10): 0.5, ("lr", 50): 1})


def expect_error(define, *texts):
    rc, out, err = lrsc("eval", MAIN, "--at", "0", "-D", define)
    if rc != 1 or "<-D>:1:" not in err or " | " + define not in err or "^" not in err:
        fails.append("-D %s: want exit 1 at <-D>:1:COL with the line and a caret: rc %d %r"
                     % (define, rc, err))
    for t in texts:
        if t not in err:
            fails.append("-D %s: %r not in %r" % (define, t, err))


expect_error("q.peak=1", "<-D>:1:1: error: the program imports no module as 'q'",
             "did you mean 'm.peak'?")
expect_error("m.peek=1", "<-D>:1:3: error: module 'm' has no param 'peek'",
             "did you mean 'm.peak'?", "the params of module 'm': m.peak, m.warm")
expect_error("m.total=5", "module 'm' has no param 'total'", "-D total=N")
expect_error("m.inner=1", "'m.inner' is a schedule, not a param",
             "m.lrs:3:10: note: 'inner' is declared here")
expect_error("m=1", "'m' is an imported module, not a param", "-D m.NAME=EXPR")
expect_error("warm=1", "no param 'warm' to set",
             "did you mean 'm.warm'? (a param of the file imported as m)",
             "the program's params: peak; total and steps_per_epoch can always be set")
expect_error("zzz=1", "no param 'zzz' to set",
             "the program's params: peak; total and steps_per_epoch can always be set",
             "a param of an imported file is set as MODULE.NAME (modules: m)")
expect_error("pek=1", "did you mean 'peak'?")
expect_error("totl=1", "did you mean 'total'?")

# A file without params says so (and still names the budget).
single = os.path.join(tmp, "one.lrs")
with open(single, "w") as f:
    f.write("schedule lr = 0.1\n")
rc, out, err = lrsc("eval", single, "-D", "warm=3")
if rc != 1 or "the program declares no params; total and steps_per_epoch can always be set" \
        not in err:
    fails.append("no params: rc %d %r" % (rc, err))
# Without `as` there is no module name to use.
rc, out, err = lrsc("eval", single, "-D", "m.peak=1")
if rc != 1 or "imports no module as 'm'" not in err or "as MODULE" not in err:
    fails.append("no modules: rc %d %r" % (rc, err))

for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
