#!/usr/bin/env python3
"""Every lrsc command written in README.md, docs/*.md, lrsc(1) and the
examples runs, and prints what the docs show.

usage: test_docs.py LRSC SOURCE_DIR

- Transcripts (`$ lrsc ...` lines in code blocks, and in lrsc(1)'s
  example): each command exits 0, and the lines shown after it are what it
  prints. `$ cat FILE` followed by lines creates FILE.
- Other `lrsc` lines of code blocks that name no placeholder (FILE, NAME,
  ...) run and exit 0.
- `try: lrsc ...` hints in the comments of examples/**/*.lrs run in the
  example's directory.
- Every .lrs code block of docs/language.md (one with a `schedule`)
  compiles without errors.
Commands run in a scratch directory where examples/ and docs/ are the
source tree's, so outputs land there.
"""
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

LRSC, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
fails = []
work = tempfile.mkdtemp()
for d in ("examples", "docs", "stdlib"):
    os.symlink(os.path.join(ROOT, d), os.path.join(work, d))
PLACEHOLDER = re.compile(r"\b(FILE|NAME|EXPR|DIR|OUT|CPU|TEXT|COMMAND)\b|\.\.\.|\[|\|")


def run(cmd, cwd, where):
    args = shlex.split(cmd, comments=True)
    if not args or args[0] != "lrsc":
        return None
    p = subprocess.run([LRSC] + args[1:], cwd=cwd, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        fails.append("%s: `%s` exits %d: %s" % (where, cmd, p.returncode, p.stderr.strip()[:300]))
    return p.stdout


def transcript(lines, where):
    """Lines of a code block or man example: $ commands and their output."""
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            i += 1
            continue
        cmd = line[2:].replace("\\-", "-")
        shown = []
        i += 1
        while i < len(lines) and not lines[i].startswith("$ "):
            shown.append(lines[i])
            i += 1
        if cmd.startswith("cat "):
            with open(os.path.join(work, cmd[4:].strip()), "w") as f:
                f.write("\n".join(shown) + "\n")
            continue
        out = run(cmd, work, where)
        if out is not None and shown and out.splitlines() != shown:
            fails.append("%s: `%s` prints\n%s\nbut the docs show\n%s"
                         % (where, cmd, out.rstrip(), "\n".join(shown)))


pages = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
for page in pages:
    text = open(page, encoding="utf-8").read()
    rel = os.path.relpath(page, ROOT)
    for block in re.findall(r"^```[^\n]*\n(.*?)^```", text, re.S | re.M):
        lines = block.rstrip("\n").split("\n")
        if any(l.startswith("$ ") for l in lines):
            transcript(lines, rel)
            continue
        for l in lines:
            if l.startswith("lrsc ") and not PLACEHOLDER.search(l.split("#")[0]):
                run(l, work, rel)
        if rel == "docs/language.md" and re.search(r"^schedule ", block, re.M) and \
                not block.lstrip().startswith(("import", "param NAME")) and "EXPR" not in block:
            path = os.path.join(work, "block.lrs")
            with open(path, "w") as f:
                f.write(block)
            p = subprocess.run([LRSC, "check", path], capture_output=True, text=True)
            if p.returncode != 0:
                fails.append("docs/language.md: a code block does not compile:\n%s%s"
                             % (block, p.stderr[:400]))

man = open(os.path.join(ROOT, "docs", "man", "lrsc.1")).read()
ex = re.search(r"^\.SH EXAMPLE\n\.nf\n(.*?)^\.fi", man, re.S | re.M)
if not ex:
    fails.append("lrsc(1) has no EXAMPLE")
else:
    transcript(ex.group(1).rstrip("\n").split("\n"), "lrsc(1)")

hints = 0
for path in sorted(glob.glob(os.path.join(ROOT, "examples", "**", "*.lrs"), recursive=True)):
    for m in re.finditer(r"#.*?\btry:\s*(lrsc .*)$", open(path).read(), re.M):
        scratch = os.path.join(work, "ex%d" % hints)
        shutil.copytree(os.path.dirname(path), scratch)
        run(m.group(1), scratch, os.path.relpath(path, ROOT))
        hints += 1
if hints == 0:
    fails.append("no `try:` hint found in examples/: the scan is broken")

for f in fails:
    print("FAIL:", f)
sys.exit(1 if fails else 0)
