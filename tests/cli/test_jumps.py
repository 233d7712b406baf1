#!/usr/bin/env python3
"""Acknowledging the jump warning on lrsc's command line and in the file.

usage: test_jumps.py LRSC

A jump of more than 50% between `then` segments warns at the `then`, with
the ways to say it is intended; --allow-jumps silences every jump warning
on every command, `then jump(S)` the one where S begins (another jump of
the file still warns). Neither changes a value nor the boundaries listed.
Expected values are the constants written in the schedules.
"""
import os
import subprocess
import sys
import tempfile

LRSC = os.path.abspath(sys.argv[1])
fails = []
tmp = tempfile.mkdtemp(prefix="lrs-jumps-")
PLAIN = "param total = 100\nschedule sd = 0.1 for 30 then 0.01 for 30 then 0.001\n"
MARKED = "param total = 100\nschedule sd = 0.1 for 30 then jump(0.01) for 30 then 0.001\n"
WANT = {0: 0.1, 29: 0.1, 30: 0.01, 59: 0.01, 60: 0.001, 100: 0.001}


def lrsc(text, *args):
    path = os.path.join(tmp, "j.lrs")
    with open(path, "w") as f:
        f.write(text)
    p = subprocess.run([LRSC] + list(args) + [path], capture_output=True, text=True, timeout=60,
                       cwd=tmp)
    return p.returncode, p.stdout, p.stderr


def values(out):
    return {int(a): float(b) for a, b in (l.split(",") for l in out.splitlines()[1:])}


AT = ["--at", ",".join(map(str, sorted(WANT)))]
J30 = "j.lrs:2:26: warning: the value jumps from 0.1 to 0.01 at step 30"
J60 = "j.lrs:2:43: warning: the value jumps from 0.01 to 0.001 at step 60"
J60_MARKED = "j.lrs:2:49: warning: the value jumps from 0.01 to 0.001 at step 60"

# Without an acknowledgement both jumps warn, and the help names both ways.
rc, out, err = lrsc(PLAIN, "check")
if rc != 0 or J30 not in err or J60 not in err or err.count("warning:") != 2:
    fails.append("plain: want two jump warnings: rc %d %r" % (rc, err))
if "then jump(...)" not in err or "--allow-jumps" not in err:
    fails.append("plain: the help does not name jump(...) and --allow-jumps: %r" % err)

# --allow-jumps: no warning on any command; the values do not change.
for cmd in (["check"], ["eval"] + AT, ["plot", "--width", "40", "--height", "5"],
            ["compile", "-o", os.path.join(tmp, "j.so")]):
    rc, out, err = lrsc(PLAIN, *(cmd + ["--allow-jumps"]))
    if rc != 0 or "warning" in err:
        fails.append("%s --allow-jumps: rc %d %r" % (cmd[0], rc, err))
    if cmd[0] == "eval" and values(out) != WANT:
        fails.append("eval --allow-jumps: %r, want %r" % (values(out), WANT))
rc, out, err = lrsc(PLAIN, "eval", *AT)
if rc != 0 or values(out) != WANT:
    fails.append("eval: %r, want %r" % (out, WANT))

# jump(S) acknowledges exactly the jump into S: the one at step 60 still warns.
rc, out, err = lrsc(MARKED, "check")
if rc != 0 or J60_MARKED not in err or "step 30" in err or err.count("warning:") != 1:
    fails.append("jump(0.01): want only the warning at step 60: rc %d %r" % (rc, err))
rc, out, err = lrsc(MARKED, "eval", *AT)
if rc != 0 or values(out) != WANT:
    fails.append("jump(0.01): values %r, want %r" % (out, WANT))
rc, out, err = lrsc(MARKED, "eval", "--backend", "interp", *AT)
if rc != 0 or values(out) != WANT:
    fails.append("jump(0.01), interpreter: values %r, want %r" % (out, WANT))
rc, out, err = lrsc(MARKED, "check", "--allow-jumps")
if rc != 0 or "warning" in err:
    fails.append("jump(0.01) --allow-jumps: rc %d %r" % (rc, err))

# Both boundaries are still boundaries.
for text in (PLAIN, MARKED):
    rc, out, err = lrsc(text, "check", "--boundaries", "--allow-jumps")
    if rc != 0 or "30" not in out.split("sd:", 2)[-1] or "60" not in out.split("sd:", 2)[-1]:
        fails.append("--boundaries of %r: %r" % (text, out))

for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
