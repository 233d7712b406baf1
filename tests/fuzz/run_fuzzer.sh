#!/bin/sh
# run_fuzzer.sh HARNESS NAME RUNS OUTDIR SEED_DIR... — one libFuzzer run,
# crashes written as OUTDIR/crash_NAME_*.
#
# With LRS_FUZZ_SECONDS set, the run explores for that many seconds from a
# random seed, keeping new inputs in OUTDIR/corpus_NAME (`make fuzz`).
# Without it, the run is the smoke test of `make test`: seed 1 and RUNS
# executions in all (the seed corpus counts), from an empty corpus, so the
# same tree always tries the same inputs.
set -eu
harness=$1 name=$2 runs=$3 out=$4
shift 4
if [ -n "${LRS_FUZZ_SECONDS:-}" ]; then
    budget="-max_total_time=$LRS_FUZZ_SECONDS"
    corpus="$out/corpus_$name"
else
    budget="-seed=1 -runs=$runs"
    corpus="$out/smoke_$name"
    rm -rf "$corpus"
fi
mkdir -p "$corpus"
# shellcheck disable=SC2086
exec "$harness" $budget -timeout=10 -rss_limit_mb=4096 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$out/crash_${name}_" \
    "$corpus" "$@"
