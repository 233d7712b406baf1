#!/usr/bin/env python3
"""The trainer's budget on lrsc's command line.

usage: test_budget.py LRSC

-D total= and -D steps_per_epoch= set the budget of a file that does not
declare it (other undeclared names stay errors), and a profile that moves
but stretches over an unbounded span (it would keep its start value
forever) is warned about at the segment, with the fix, and `check` says
so beside what it proved. Compatibility functions that take the length of
training give their schedule that span (a horizon) without changing a
value.
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

# `check` says what holds beside the unbounded-span warning: the proof is
# about the schedule as written, one segment of which never moves.
rc, out, err = lrsc(frozen, "check")
if "(proved finite and non-negative as written, but a segment stays at its start value " \
        "forever: see the warning)" not in out:
    fails.append("the summary of a frozen schedule does not say so: %r" % out)
rc, out, err = lrsc(frozen, "check", "-D", "total=10000")
if "lr: span 10000 steps" not in out or "as written" in out:
    fails.append("the summary of a budgeted schedule mentions freezing: %r" % out)

# The compatibility functions that take the length of training give their
# schedule that span (a horizon), so `check` reports the whole schedule and
# `eval` covers it by default. Values from PyTorch 1.13: CosineAnnealingLR
# (lr 0.1, eta_min 0.001) reaches eta_min at T_max = 5000; OneCycleLR(0.1,
# total_steps = 3000) starts at 0.004, is 4e-07 at its least (step 2999),
# 0.1 at its peak and 4.5594990409132347e-07 at step 3000;
# get_linear_schedule_with_warmup is 0 at num_training_steps.
spans = [
    ("torch_cosine_annealing(0.1, 5000, eta_min = 0.001)",
     "span 5000 steps, start 0.1, end 0.001, min 0.001, max 0.1 (proved"),
    ("torch_onecycle(0.1, 3000)", "span 3000 steps, start 0.004, end 4.5595e-07, min 4e-07, max 0.1 (proved"),
    ("hf_linear(0.1, 100, 4000)", "span 4000 steps, start 0, end 0, min 0, max 0.1 (proved"),
    ("keras_cosine_decay(0.1, 2000, warmup_target = 0.2, warmup_steps = 100)",
     "span 2100 steps, start 0.1, end 0, min 0, max 0.2 (proved"),
    # a chain ending in one: its fixed segments, then the horizon
    ("warmup(100, torch_cosine_annealing(0.1, 1000))", "span 1100 steps, start 0, end 0, min 0, max 0.1"),
    ("2 * optax_cosine_decay(0.05, 700)", "span 700 steps, start 0.1, end 0, min 0, max 0.1"),
    ("torch_polynomial(0.1, 50)", "span 50 steps, start 0.1, end 0, min 0, max 0.1"),
    ("torch_exponential(0.1, 0.99)", "span inf"),
]
for expr, want in spans:
    rc, out, err = lrsc("schedule lr = %s\n" % expr, "check")
    if rc != 0 or "lr: " + want not in out or err:
        fails.append("span of %s: want %r, rc %d %r %r" % (expr, want, rc, out, err))
# `total` is the budget: it sets the span instead.
rc, out, err = lrsc("schedule lr = torch_cosine_annealing(0.1, 5000)\n", "check", "-D", "total=300")
if "lr: span 300 steps" not in out:
    fails.append("total does not win over a horizon: %r" % out)
# eval's default rows end at T_max, not at 1000 steps; past T_max the
# cosine goes on (PyTorch: lr again at 2 T_max), where a `for` holds.
rc, out, err = lrsc("schedule lr = torch_cosine_annealing(0.1, 5000)\n", "eval")
rows = out.splitlines()
if rc != 0 or rows[-1] != "5000,0":
    fails.append("eval's default range does not end at T_max: %r" % rows[-3:])
rc, out, err = lrsc("schedule lr = torch_cosine_annealing(0.1, 5000)\n"
                    "schedule held = torch_cosine_annealing(0.1, 5000) for 5000\n", "eval",
                    "--at", "2500,10000")
v = out.splitlines()[1:] if rc == 0 else []
if len(v) != 2 or abs(float(v[1].split(",")[1]) - 0.1) > 1e-15 or float(v[1].split(",")[2]) != 0:
    fails.append("values past a horizon: %r %r" % (out, err))

for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
