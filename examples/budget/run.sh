#!/usr/bin/env bash
# The budgeted-training comparison: the table of test accuracies, and the
# schedules (at the full budget) drawn to budget.svg.
# Usage: examples/budget/run.sh [BUILD_DIR] [OUT.svg]
set -euo pipefail
build=${1:-build}
out=${2:-budget.svg}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
"$build/examples/digits_budget"
"$build/lrsc" plot examples/budget/schedules.lrs -o "$out" -D steps_per_epoch=45 -D "total=20 epochs"
echo "schedules drawn to $out"
