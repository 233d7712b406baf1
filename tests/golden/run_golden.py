#!/usr/bin/env python3
"""Run one golden program and check its inline expectations.

usage: run_golden.py LRSC FILE.lrs

Directives (comment lines in FILE.lrs):
  # cmd: check|eval|plot         the lrsc command (default: eval if the file
                                 has `value:` lines, else check)
  # args: ARGS                   extra arguments, shell-split; {dir} is the
                                 file's directory
  # run: ARGS                    run `lrsc ARGS` instead ({file}, {dir})
  # exit: N                      expected exit status (default: 1 if an error
                                 is expected, else 0)
  # value: NAME STEP = PYEXPR    schedule NAME at STEP equals PYEXPR (Python,
                                 math's names in scope), to 1e-12 relative;
                                 an expected 0 accepts |v| <= 1e-300
  # noise: NAME A:B BASE PCT     at steps A..B-1 the value lies within
                                 BASE*(1 +- PCT) (BASE a Python expression of
                                 s), is not BASE everywhere, and a second run
                                 prints the same values
  # expect: KIND [F:]L:C TEXT    stderr has "FILE:L:C: KIND: ...TEXT..."
                                 (KIND error, warning or note)
  # expect: help TEXT            stderr has a line "help: ...TEXT..."
  # stderr: TEXT                 stderr contains TEXT
  # stdout: TEXT                 stdout contains TEXT
Every error or warning that lrsc prints must be expected.
Values are written by hand or as formulas here, never taken from lrsc.
"""
import math
import os
import re
import shlex
import subprocess
import sys

REL = 1e-12
ZERO = 1e-300
NS = {k: getattr(math, k) for k in dir(math) if not k.startswith("_")}
NS.update(min=min, max=max, abs=abs, round=round)


def run(lrsc, args, cwd):
    p = subprocess.run([lrsc] + args, cwd=cwd, capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def parse_csv(text):
    lines = [l for l in text.splitlines() if l.strip()]
    head = lines[0].split(",")
    return {(col, int(r.split(",")[0])): float(v)
            for r in lines[1:] for col, v in zip(head[1:], r.split(",")[1:])}


def main():
    lrsc, path = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    d, base = os.path.dirname(path), os.path.basename(path)
    cmd, args, raw, exit_want = None, [], None, None
    values, noises, expects, helps, substr, outs = [], [], [], [], [], []
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.match(r"\s*#\s*(cmd|args|run|exit|value|noise|expect|stderr|stdout):\s*(.*?)\s*$", line)
        if not m:
            continue
        key, rest = m.groups()
        rest = rest.replace("{dir}", d).replace("{file}", base)
        if key == "cmd":
            cmd = rest
        elif key == "args":
            args += shlex.split(rest)
        elif key == "run":
            raw = shlex.split(rest)
        elif key == "exit":
            exit_want = int(rest)
        elif key == "value":
            m2 = re.match(r"(\w+)\s+(-?\d+)\s*=\s*(.+)$", rest)
            values.append((m2.group(1), int(m2.group(2)), eval(m2.group(3), NS)))
        elif key == "noise":
            name, rng, basex, pct = rest.split()
            a, b = map(int, rng.split(":"))
            noises.append((name, a, b, basex, float(pct)))
        elif key == "expect":
            if rest.startswith("help "):
                helps.append(rest[5:])
            else:
                m2 = re.match(r"(error|warning|note)\s+(?:(\S+):)?(\d+):(\d+)\s+(.*)$", rest)
                expects.append((m2.group(1), m2.group(2) or base, int(m2.group(3)),
                                int(m2.group(4)), m2.group(5)))
        elif key == "stderr":
            substr.append(rest)
        elif key == "stdout":
            outs.append(rest)
    if exit_want is None:
        exit_want = 1 if any(e[0] == "error" for e in expects) else 0

    fails = []
    if raw is not None:
        argv = raw
    else:
        if cmd is None:
            cmd = "eval" if values or noises else "check"
        argv = [cmd, base] + args
        if cmd == "eval" and (values or noises):
            steps = sorted({s for _, s, _ in values} | {s for n in noises for s in range(n[1], n[2])})
            argv += ["--at", ",".join(map(str, steps))]
    rc, out, err = run(lrsc, argv, d)
    if rc != exit_want:
        fails.append("exit status %d, expected %d" % (rc, exit_want))
    for s in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
        if s in err:
            fails.append("sanitizer report in stderr")
    got = parse_csv(out) if (values or noises) and rc == 0 else {}
    for name, step, want in values:
        g = got.get((name, step))
        if g is None:
            fails.append("no value of %s at %d" % (name, step))
            continue
        ok = abs(g) <= ZERO if want == 0 else abs(g - want) <= REL * abs(want)
        if not ok:
            fails.append("%s at %d = %.17g, expected %.17g" % (name, step, g, want))
    for name, a, b, basex, pct in noises:
        vals = [got.get((name, s)) for s in range(a, b)]
        if None in vals:
            fails.append("noise: missing values of %s" % name)
            continue
        bases = [eval(basex, dict(NS, s=s)) for s in range(a, b)]
        for s, v, bv in zip(range(a, b), vals, bases):
            if not (bv * (1 - pct) - 1e-15 <= v <= bv * (1 + pct) + 1e-15):
                fails.append("noise: %s at %d = %.17g outside %g +- %g%%" % (name, s, v, bv, pct * 100))
        if all(v == bv for v, bv in zip(vals, bases)):
            fails.append("noise: %s is never perturbed" % name)
        rc2, out2, _ = run(lrsc, argv, d)
        if out2 != out:
            fails.append("noise: a second run printed different values")
    # Diagnostics.
    diag = re.compile(r"^(\S+?):(\d+):(\d+): (error|warning|note): (.*)$")
    lines = err.splitlines()
    seen = []
    for l in lines:
        m = diag.match(l)
        if m:
            seen.append((m.group(4), m.group(1), int(m.group(2)), int(m.group(3)), m.group(5)))
    for kind, f, ln, col, text in expects:
        if not any(k == kind and (sf == f or sf.endswith("/" + f)) and sl == ln and sc == col and text in st
                   for k, sf, sl, sc, st in seen):
            fails.append("missing diagnostic: %s:%d:%d: %s: ...%s..." % (f, ln, col, kind, text))
    for kind, sf, sl, sc, st in seen:
        if kind == "note":
            continue
        if not any(k == kind and (sf == f or sf.endswith("/" + f)) and sl == ln and sc == col
                   for k, f, ln, col, _ in expects):
            fails.append("unexpected diagnostic: %s:%d:%d: %s: %s" % (sf, sl, sc, kind, st))
    for h in helps:
        if not any(l.startswith("help: ") and h in l for l in lines):
            fails.append("missing help line: ...%s..." % h)
    for s in substr:
        if s not in err:
            fails.append("stderr lacks: %s" % s)
    for s in outs:
        if s not in out:
            fails.append("stdout lacks: %s" % s)
    if fails:
        print("FAIL %s (lrsc %s)" % (base, " ".join(argv[:8])))
        for f in fails:
            print("  " + f)
        print("--- stderr:\n" + err)
        return 1
    print("ok %s: %d values, %d diagnostics" % (base, len(values), len(expects) + len(helps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
