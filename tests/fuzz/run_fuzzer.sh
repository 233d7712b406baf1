#!/bin/sh
# run_fuzzer.sh HARNESS NAME OUTDIR SEED_DIR... — one libFuzzer run of
# $LRS_FUZZ_SECONDS seconds (default 10), new inputs kept in OUTDIR/corpus_NAME,
# crashes written as OUTDIR/crash_NAME_*.
set -eu
harness=$1 name=$2 out=$3
shift 3
mkdir -p "$out/corpus_$name"
exec "$harness" -max_total_time="${LRS_FUZZ_SECONDS:-10}" -timeout=10 -rss_limit_mb=4096 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$out/crash_${name}_" \
    "$out/corpus_$name" "$@"
