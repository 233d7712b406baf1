#!/usr/bin/env bash
# Runs the optimizer benchmark and, when Debian's python3-torch is
# importable, the PyTorch comparison on the same sizes and thread counts.
# usage: bench/optim/run.sh BUILD_DIR [bench_optim options]
set -euo pipefail
build=${1:-build}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
echo "## lrs (bench_optim $*)"
echo
"$build/bench/optim/bench_optim" "$@"
echo
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    echo "## PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
    echo
    /usr/bin/python3 "$here/torch_bench.py"
else
    echo "(PyTorch not installed: comparison skipped)"
fi
