#!/usr/bin/env python3
"""Compare `lrsc eval --report` with the committed tables of reactive/.

usage: check_reactive.py LRSC REACTIVE_DIR [CASE ...]

For each case (default: every NAME.lrs that has NAME.csv and
NAME.history.csv) runs `lrsc eval NAME.lrs --report metric=NAME.history.csv
--at <the table's steps>` with each backend (interp, jit) and checks every
value to 1e-12 relative (an expected exact zero must be 0). The tables come
from PyTorch 1.13, scikit-learn and a transcription of Keras
(gen_reactive.py). Python 3 standard library only.
"""
import os
import subprocess
import sys

REL = 1e-12


def read_csv(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[0].split(","), [l.split(",") for l in lines[1:]]


def check(lrsc, base, backend):
    label = "%s [%s]" % (os.path.basename(base), backend)
    with open(base + ".csv") as f:
        head, rows = read_csv(f.read())
    cmd = [lrsc, "eval", base + ".lrs", "--format", "csv", "--backend", backend,
           "--report", "metric=" + base + ".history.csv", "--at", ",".join(r[0] for r in rows)]
    for name in head[1:]:
        cmd += ["--schedule", name]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        print("FAIL %s: lrsc exited %d\n%s" % (label, p.returncode, p.stderr))
        return False
    ghead, grows = read_csv(p.stdout)
    if ghead != head or len(grows) != len(rows):
        print("FAIL %s: got %d rows of %s, expected %d of %s"
              % (label, len(grows), ghead, len(rows), head))
        return False
    bad, worst = 0, 0.0
    for want, got in zip(rows, grows):
        for col, w, g in zip(head[1:], want[1:], got[1:]):
            w, g = float(w), float(g)
            err = abs(g - w) / abs(w) if w else abs(g) * float("inf") if g else 0.0
            worst = max(worst, err)
            if not err <= REL:
                bad += 1
                if bad <= 10:
                    print("FAIL %s: %s at step %s = %.17g, expected %.17g"
                          % (label, col, want[0], g, w))
    if bad:
        print("FAIL %s: %d values differ" % (label, bad))
        return False
    print("ok %s: %d steps x %d schedules, worst rel. error %.3g"
          % (label, len(rows), len(head) - 1, worst))
    return True


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    lrsc, cases = sys.argv[1], sys.argv[2]
    names = sys.argv[3:] or sorted(
        f[:-4] for f in os.listdir(cases)
        if f.endswith(".lrs") and os.path.exists(os.path.join(cases, f[:-4] + ".history.csv")))
    if not names:
        print("FAIL: no cases in %s" % cases)
        return 1
    ok = True
    for backend in ("interp", "jit"):
        for name in names:
            ok &= check(lrsc, os.path.join(cases, name), backend)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
