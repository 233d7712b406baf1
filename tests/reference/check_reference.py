#!/usr/bin/env python3
"""Compare `lrsc eval` with a committed reference table.

usage: check_reference.py LRSC CASE.lrs CASE.csv

Runs `lrsc eval CASE.lrs --at <the table's steps>` and checks every value
to 1e-12 relative; an expected exact zero accepts |value| <= 1e-300.
Python 3 standard library only.
"""
import subprocess
import sys

REL = 1e-12
ZERO = 1e-300


def read_csv(text):
    lines = [l for l in text.splitlines() if l.strip()]
    head = lines[0].split(",")
    rows = [l.split(",") for l in lines[1:]]
    return head, rows


def main():
    lrsc, prog, table = sys.argv[1:4]
    with open(table) as f:
        head, rows = read_csv(f.read())
    steps = [r[0] for r in rows]
    cmd = [lrsc, "eval", prog, "--format", "csv", "--at", ",".join(steps)]
    for name in head[1:]:
        cmd += ["--schedule", name]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        print("FAIL %s: lrsc exited %d\n%s" % (prog, p.returncode, p.stderr))
        return 1
    ghead, grows = read_csv(p.stdout)
    if ghead != head:
        print("FAIL %s: header %s, expected %s" % (prog, ghead, head))
        return 1
    if len(grows) != len(rows):
        print("FAIL %s: %d rows, expected %d" % (prog, len(grows), len(rows)))
        return 1
    bad = 0
    worst = 0.0
    for want, got in zip(rows, grows):
        if want[0] != got[0]:
            print("FAIL %s: step %s, expected %s" % (prog, got[0], want[0]))
            return 1
        for col, w, g in zip(head[1:], want[1:], got[1:]):
            w, g = float(w), float(g)
            if w == 0.0:
                ok = abs(g) <= ZERO
                err = 0.0 if ok else float("inf")
            else:
                err = abs(g - w) / abs(w)
                ok = err <= REL
            worst = max(worst, err)
            if not ok:
                bad += 1
                if bad <= 20:
                    print("FAIL %s: %s at step %s = %.17g, expected %.17g (rel. error %.3g)"
                          % (prog, col, want[0], g, w, err))
    if bad:
        print("%s: %d of %d values differ" % (prog, bad, len(rows) * (len(head) - 1)))
        return 1
    print("ok %s: %d steps x %d schedules, worst rel. error %.3g"
          % (prog, len(rows), len(head) - 1, worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
