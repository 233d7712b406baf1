#!/usr/bin/env python3
"""Fail when a committed generated doc (docs/stdlib.md, docs/schedules/*.svg,
docs/reactive/*.svg)
differs from what the build made from its sources.

usage: check_current.py BUILT_DOCS_DIR SOURCE_DOCS_DIR
"""
import glob
import os
import sys

built, source = sys.argv[1:3]
stale = []
plotted = ("schedules", "reactive")
wanted = [os.path.join(source, "stdlib.md")] + [
    p[:-4] + ".svg" for d in plotted
    for p in sorted(glob.glob(os.path.join(source, d, "*.lrs")))]
for path in wanted:
    rel = os.path.relpath(path, source)
    made = os.path.join(built, rel)
    if not os.path.exists(made):
        stale.append("%s was not built" % rel)
    elif not os.path.exists(path):
        stale.append("docs/%s is not committed" % rel)
    elif open(made, "rb").read() != open(path, "rb").read():
        stale.append("docs/%s is not current" % rel)
extra = [p for d in plotted for p in glob.glob(os.path.join(source, d, "*.svg"))
         if p not in wanted]
stale += ["docs/%s has no source" % os.path.relpath(p, source) for p in extra]
for s in stale:
    print("FAIL:", s)
if stale:
    print("run `cmake --build build --target update_docs` and commit the result")
sys.exit(1 if stale else 0)
