#!/usr/bin/env bash
# `make run`: check and plot every example schedule in the terminal.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
lrsc="$build/lrsc"
for f in "$here"/*.lrs; do
    echo "== $(basename "$f") =="
    sed -n '1,/^$/p' "$f" | grep '^#' || true
    "$lrsc" check "$f"
    "$lrsc" plot "$f" --width "${COLUMNS:-100}" --height 8
done
