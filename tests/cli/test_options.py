#!/usr/bin/env python3
"""lrsc's command table as a user sees it.

usage: test_options.py LRSC DIR

Every command's --help lists its options; each listed option is accepted by
that command (never "is not an option"), and each option listed only by
other commands is a usage error (exit 2) that names the command. The exit
status of a bad command line is 2 everywhere.
"""
import os
import re
import subprocess
import sys
import tempfile

LRSC = os.path.abspath(sys.argv[1])
fails = []


def run(*args, cwd=None):
    p = subprocess.run([LRSC] + list(args), capture_output=True, text=True, timeout=60, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def listed(text):
    """Option names at the start of help lines ("  --steps A:B ...")."""
    names = []
    for line in text.splitlines():
        m = re.match(r"  (-[-\w]+)", line)
        if m and m.group(1) not in ("-h",):
            names.append(m.group(1))
    return names


rc, main_help, _ = run("--help")
commands = re.findall(r"^  (\w+) FILE  ", main_help, re.M)
if sorted(commands) != ["check", "compile", "eval", "plot"]:
    fails.append("lrsc --help lists commands %r" % commands)
common = listed(main_help.split("options for every command:")[1])
common.remove("--version")
own = {}
for c in commands:
    rc, out, err = run(c, "--help")
    if rc != 0 or not out.startswith("usage: lrsc %s " % c):
        fails.append("lrsc %s --help: exit %d, %r" % (c, rc, out[:60]))
    own[c] = set(listed(out)) | set(common)
    rc2, out2, _ = run("help", c)
    if out2 != out:
        fails.append("lrsc help %s differs from lrsc %s --help" % (c, c))

everything = set().union(*own.values())
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "s.lrs")
    with open(src, "w") as f:
        f.write("param total = 10\nschedule lr = linear(1 -> 0)\n")
    for c in commands:
        for o in sorted(everything):
            # A value that no option accepts, so only the option itself is judged.
            rc, out, err = run(c, o, "@bad@", src, cwd=tmp)
            refused = "is not an option of 'lrsc %s'" % c in err
            if o in own[c] and refused:
                fails.append("lrsc %s refuses its own option %s" % (c, o))
            if o not in own[c]:
                if not refused or rc != 2:
                    fails.append("lrsc %s %s: exit %d, stderr %r; want a usage error naming "
                                 "the command" % (c, o, rc, err[:100]))
                owners = [d for d in commands if o in own[d]]
                if not all("lrsc " + d in err for d in owners):
                    fails.append("lrsc %s %s does not say which commands take it: %r"
                                 % (c, o, err))

    # Usage errors are exit 2 with a hint; "--opt=V" equals "--opt V".
    for args in (["eval", src, "--format", "xml"], ["eval", src, "--steps"],
                 ["plot", src, "--width", "12x"], ["check"], ["frobnicate", src],
                 ["eval", src, src], ["eval", src, "--color=sometimes"]):
        rc, out, err = run(*args)
        if rc != 2 or "Try 'lrsc" not in err:
            fails.append("%r: exit %d, stderr %r; want 2 and a hint" % (args, rc, err))
    a = run("eval", src, "--format=json", "--at=0,5")
    b = run("eval", src, "--format", "json", "--at", "0,5")
    if a != b or a[0] != 0 or '"lr": [1, 0.5]' not in a[1]:
        fails.append("--opt=V and --opt V differ: %r %r" % (a, b))

# lrsc(1) documents every option of every command.
man = open(os.path.join(os.path.abspath(sys.argv[2]), "..", "..", "docs", "man",
                        "lrsc.1")).read().replace("\\-", "-")
for c in commands:
    for o in sorted(own[c]):
        if not re.search(r"\\fB%s\\f|\.BI? %s\b|\.B %s$" % (re.escape(o), re.escape(o), re.escape(o)),
                         man, re.M):
            fails.append("lrsc(1) does not document %s of lrsc %s" % (o, c))

for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
