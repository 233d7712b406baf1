#!/bin/sh
# lrs.optim.AdamW against torch.optim.AdamW, with Debian's python3-torch.
# usage: bench/python/run.sh [BUILD_DIR] [bench_adamw.py options]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
[ $# -gt 0 ] && shift
LRS_LIBRARY="$build/compiler/liblrs.so" PYTHONPATH="$here/../../bindings/python" \
    exec nice /usr/bin/python3 "$here/bench_adamw.py" "$@"
