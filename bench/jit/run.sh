#!/bin/sh
# The native backend's benchmark: bench_jit (JIT, interpreter and C per call,
# range evaluation, compile latency, whole-process lrsc eval), then PyTorch's
# scheduler.step() when Debian's python3-torch is installed.
# usage: bench/jit/run.sh [BUILD_DIR]   (default build)
set -eu
build=${1:-build}
"$build/bench/jit/bench_jit" "$build/lrsc"
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    echo
    /usr/bin/python3 "$(dirname "$0")/torch_step.py"
fi
