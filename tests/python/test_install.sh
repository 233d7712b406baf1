#!/bin/sh
# Both installation routes of the Python package, each into a fresh virtual
# environment, then the Python examples run from another directory with a
# clean environment (no PYTHONPATH, no LRS_LIBRARY):
#   1. cmake --install BUILD --prefix VENV
#   2. pip install --no-build-isolation --no-index (the wheel bundles the
#      liblrs of BUILD, through LRS_BUILD_DIR)
# usage: test_install.sh BUILD_DIR SOURCE_DIR PYTHON
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
py=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # VENV: import from an unrelated directory and run the examples
    mkdir -p "$tmp/elsewhere"
    cd "$tmp/elsewhere"
    env -i PATH=/usr/bin:/bin HOME="$tmp" "$1/bin/python" -c '
import os, sys, lrs
lib = lrs.library_path()
assert lib.startswith(sys.argv[1]), (lib, sys.argv[1])
assert lrs.compile("schedule lr = 0.25")["lr"](7) == 0.25
print("import lrs from", os.path.dirname(lrs.__file__), "library", lib)' "$1"
    for ex in "$src"/examples/python/*.py; do
        echo "== $ex"
        env -i PATH=/usr/bin:/bin HOME="$tmp" "$1/bin/python" "$ex" > "$tmp/out.txt"
        cat "$tmp/out.txt"
    done
    grep -q "^final losses" "$tmp/out.txt"
    cd "$tmp"
}

# 1. cmake --install
"$py" -m venv --system-site-packages "$tmp/venv1"
cmake --install "$build" --prefix "$tmp/venv1" > "$tmp/install.log"
test -f "$tmp/venv1/lib/python"*/site-packages/lrs/_install.py
check "$tmp/venv1"

# 2. pip, from a copy holding only what the package needs
mkdir -p "$tmp/pkg/bindings/python"
cp "$src/pyproject.toml" "$src/setup.py" "$src/README.md" "$tmp/pkg/"
cp -r "$src/bindings/python/lrs" "$tmp/pkg/bindings/python/"
rm -rf "$tmp/pkg/bindings/python/lrs/__pycache__" "$tmp/pkg/bindings/python/lrs/_install.py"
"$py" -m venv --system-site-packages "$tmp/venv2"
LRS_BUILD_DIR="$build" "$tmp/venv2/bin/python" -m pip install --no-build-isolation --no-index \
    --no-deps --quiet "$tmp/pkg"
test -f "$tmp/venv2/lib/python"*/site-packages/lrs/_lib/liblrs.so
"$tmp/venv2/bin/python" -m pip show lrs-schedules | grep -q "^Name: lrs-schedules"
check "$tmp/venv2"
echo "both routes ok"
