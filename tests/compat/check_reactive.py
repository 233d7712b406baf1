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
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from check_table import check as check_table  # noqa: E402


def check(lrsc, base, backend):
    return check_table(lrsc, base + ".lrs", base + ".csv", backend,
                       extra=["--report", "metric=" + base + ".history.csv"], zero=0.0)


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
