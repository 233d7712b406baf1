#!/usr/bin/env python3
"""lrsc and the on-disk cache of native code, as a user meets it: the
first `lrsc eval` stores a shared object, the next loads it without
loading LLVM and prints the same values, --no-cache and LRS_CACHE=off
leave the cache alone, a damaged entry is replaced, and the directory
follows LRS_CACHE_DIR, XDG_CACHE_HOME and HOME.

Usage: test_cache.py LRSC
"""
import math
import os
import subprocess
import sys
import tempfile

LRSC = sys.argv[1]
SRC = """param total = 1000
schedule lr = linear(0 -> 1e-3) for 50 then cosine(1e-3 -> 1e-5)
schedule decay = 2e-4 * 0.5 ^ floor(step / 100)
"""
AT = "0,1,49,50,51,99,100,101,500,999,1000,5000"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def env_with(**kw):
    env = {k: v for k, v in os.environ.items()
           if k not in ("LRS_CACHE", "LRS_CACHE_DIR", "XDG_CACHE_HOME", "LD_DEBUG")}
    env.update({k: v for k, v in kw.items() if v is not None})
    return env


def run(path, env, *extra):
    """stdout, and whether the process loaded libLLVM (ld.so's own log)."""
    env = dict(env, LD_DEBUG="files")
    r = subprocess.run([LRSC, "eval", path, "--at", AT, *extra], env=env,
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, "lrsc eval %s exits 0: %s" % (extra, r.stderr[-2000:]))
    loaded = any("libLLVM" in line and "calling init" in line
                 for line in r.stderr.splitlines())
    return r.stdout, loaded


def values(out):
    rows = out.strip().splitlines()[1:]
    return [[float(x) for x in row.split(",")[1:]] for row in rows]


def close(a, b):
    """Within 4 ulp, row by row (docs/backend.md: scalar native code
    gives the interpreter's values within 4 ulp)."""
    va, vb = values(a), values(b)
    if len(va) != len(vb) or not va:
        return False
    for ra, rb in zip(va, vb):
        for x, y in zip(ra, rb):
            if abs(x - y) > 4 * math.ulp(max(abs(x), abs(y))):
                return False
    return True


def entries(d):
    return sorted(f for f in os.listdir(d)) if os.path.isdir(d) else []


with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "s.lrs")
    with open(src, "w") as f:
        f.write(SRC)
    cache = os.path.join(tmp, "cache")
    env = env_with(LRS_CACHE_DIR=cache)
    interp, _ = run(src, env, "--backend", "interp")

    # A miss: compiled and stored, one entry.
    first, _ = run(src, env)
    check(close(first, interp), "the first run agrees with the interpreter")
    files = entries(cache)
    check(len(files) == 1 and files[0].endswith(".so"), "one entry stored: %s" % files)
    entry = os.path.join(cache, files[0]) if files else cache
    st = os.stat(entry)
    check(os.stat(cache).st_mode & 0o777 == 0o700, "the directory is private")

    # A hit: the same output, the same file, and no LLVM in the process.
    second, llvm = run(src, env)
    check(second == first, "a hit prints what the first run printed")
    check(not llvm, "a hit does not load libLLVM")
    st2 = os.stat(entry)
    check((st2.st_ino, st2.st_mtime_ns) == (st.st_ino, st.st_mtime_ns), "a hit leaves the entry")
    check(entries(cache) == files, "a hit adds nothing")

    # Off: the JIT compiles (LLVM loaded), the cache is not touched.
    for how, e, extra in (("--no-cache", env, ("--no-cache",)),
                          ("LRS_CACHE=off", env_with(LRS_CACHE_DIR=cache, LRS_CACHE="off"), ())):
        out, llvm = run(src, e, *extra)
        check(close(out, interp), "%s agrees with the interpreter" % how)
        check(llvm, "%s compiles with LLVM" % how)
        check(entries(cache) == files and os.stat(entry).st_ino == st.st_ino,
              "%s leaves the cache alone" % how)

    # A damaged entry (cut short) is refused and replaced.
    with open(entry, "r+b") as f:
        f.truncate(st.st_size // 2)
    out, _ = run(src, env)
    check(out == first, "after a damaged entry: the same values")
    check(os.path.getsize(entry) == st.st_size, "the damaged entry was replaced")
    again, llvm = run(src, env)
    check(again == first and not llvm, "the replacement is a hit")

    # A changed program misses: a second entry.
    with open(src, "w") as f:
        f.write(SRC.replace("1e-3", "2e-3"))
    changed, _ = run(src, env)
    check(changed != first, "the changed program prints other values")
    check(len(entries(cache)) == 2, "a changed program adds an entry")

    # Where it lives by default: XDG_CACHE_HOME/lrs, else ~/.cache/lrs.
    xdg = os.path.join(tmp, "xdg")
    run(src, env_with(XDG_CACHE_HOME=xdg))
    check(len(entries(os.path.join(xdg, "lrs"))) == 1, "an entry in $XDG_CACHE_HOME/lrs")
    home = os.path.join(tmp, "home")
    os.mkdir(home)
    run(src, env_with(HOME=home))
    check(len(entries(os.path.join(home, ".cache", "lrs"))) == 1, "an entry in ~/.cache/lrs")

if failures:
    print("%d failure(s)" % len(failures))
    sys.exit(1)
print("ok")
