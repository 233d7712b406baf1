#!/usr/bin/env bash
# The data-parallel benchmark: one AdamW step (reduce-scatter, sharded
# update, all-gather) at N = 1e7 and 1e8 on 1, 2 and 4 ranks of this
# machine, with the single-process runtime beside it at np 1 (one thread
# per rank in both). Rows: np | N | ms/step (fastest) | ms/step (median) |
# peak MiB per rank | single-process ms/step.
# usage: bench/optim/run_mpi.sh BUILD_DIR [reps]
set -euo pipefail
build=${1:-build}
reps=${2:-5}
export OMP_NUM_THREADS=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
echo "| np | N | ms/step (fastest) | ms/step (median) | peak MiB per rank | single process ms/step |"
echo "|---|---|---|---|---|---|"
for n in 1e7 1e8; do
    for np in 1 2 4; do
        single=""
        [ "$np" = 1 ] && single=-s
        mpirun --oversubscribe -np "$np" "$build/bench/optim/bench_mpi" -n "$n" -r "$reps" $single
    done
done
