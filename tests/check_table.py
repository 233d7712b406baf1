#!/usr/bin/env python3
"""Compare `lrsc eval` with committed tables of values: the one harness of
tests/reference (closed forms from the papers, PyTorch's schedulers) and
tests/compat (the original libraries' values), whose generators
(gen_reference.py, gen_compat.py) write CASE.lrs beside CASE.csv.

usage: check_table.py LRSC CASES_DIR [CASE ...]

For each case (default: every CASES_DIR/*.csv) runs
`lrsc eval CASE.lrs --at <the table's steps>` through every backend lrsc
offers (`--backend`, when it has the option; else its one evaluator) and
checks every value to 1e-12 relative.  An expected exact zero must come out
as |value| <= 1e-300.  Python 3 standard library only.
"""
import os
import subprocess
import sys

REL = 1e-12
ZERO = 1e-300


def read_csv(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[0].split(","), [l.split(",") for l in lines[1:]]


def backends(lrsc):
    p = subprocess.run([lrsc, "eval", "--help"], capture_output=True, text=True)
    text = p.stdout + p.stderr
    if "--backend" not in text:
        return [None]
    found = [b for b in ("interp", "jit") if b in text.split("--backend", 1)[1]]
    return found or [None]


def check(lrsc, prog, table, backend, extra=(), zero=ZERO):
    """One case through one backend; extra: more lrsc eval arguments; an
    expected exact zero must come out as |value| <= zero."""
    label = "%s [%s]" % (os.path.basename(prog), backend or "default")
    with open(table) as f:
        head, rows = read_csv(f.read())
    cmd = [lrsc, "eval", prog, "--format", "csv", "--at", ",".join(r[0] for r in rows)]
    cmd += list(extra)
    if backend:
        cmd += ["--backend", backend]
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
        if want[0] != got[0]:
            print("FAIL %s: step %s, expected %s" % (label, got[0], want[0]))
            return False
        for col, w, g in zip(head[1:], want[1:], got[1:]):
            w, g = float(w), float(g)
            if w == 0.0:
                err = 0.0 if abs(g) <= zero else float("inf")
            else:
                err = abs(g - w) / abs(w)
            worst = max(worst, err)
            if not err <= REL:
                bad += 1
                if bad <= 10:
                    print("FAIL %s: %s at step %s = %.17g, expected %.17g (rel. error %.3g)"
                          % (label, col, want[0], g, w, err))
    n = len(rows) * (len(head) - 1)
    if bad:
        print("FAIL %s: %d of %d values differ" % (label, bad, n))
        return False
    print("ok %s: %d steps x %d schedules, worst rel. error %.3g"
          % (label, len(rows), len(head) - 1, worst))
    return True


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    lrsc, cases = sys.argv[1], sys.argv[2]
    names = sys.argv[3:] or sorted(f[:-4] for f in os.listdir(cases) if f.endswith(".csv"))
    if not names:
        print("FAIL: no cases in %s" % cases)
        return 1
    ok = True
    for b in backends(lrsc):
        for name in names:
            base = os.path.join(cases, name)
            ok &= check(lrsc, base + ".lrs", base + ".csv", b)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
