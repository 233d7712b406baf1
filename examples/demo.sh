#!/usr/bin/env bash
# `make run`: check the example schedules, draw the digits demo's schedule,
# then train a small network on the 8x8 digits with it.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
lrsc="$build/lrsc"
width=${COLUMNS:-100}

echo "== example schedules (lrsc check) =="
for f in "$here"/*.lrs; do
    printf '%s\n' "-- examples/$(basename "$f")"
    "$lrsc" check "$f" 2>&1 | grep -v '^ *|\|^ [0-9]* |\|^help:' || true
done
echo
echo "== the digits demo's schedule (examples/digits/schedule.lrs) =="
# The trainer sets these two from the data: 1437 training samples in
# batches of 32 is 45 steps per epoch, for 30 epochs.
"$lrsc" plot "$here/digits/schedule.lrs" -D steps_per_epoch=45 -D "total=30 epochs" \
    --width "$width" --height 10
echo "== training =="
cd "$top"
"$build/examples/digits_train" --optim adamw --epochs 30
if [ -f "$build/playground/index.html" ]; then
    echo
    echo "== the schedule playground =="
    echo "open file://$(cd "$build" && pwd)/playground/index.html in a browser"
fi
