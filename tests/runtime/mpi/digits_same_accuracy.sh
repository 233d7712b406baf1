#!/bin/sh
# The digits demo data parallel under `mpirun -np 2` reaches the single-process
# demo's test accuracy (same model, data, shuffles, schedule and steps).
# usage: digits_same_accuracy.sh MPIRUN SINGLE_TRAINER MPI_TRAINER
set -eu
mpirun=$1 single=$2 parallel=$3
a=$("$single" --optim adamw --epochs 30 | grep 'final test accuracy')
b=$("$mpirun" --oversubscribe -np 2 "$parallel" --epochs 30 | grep 'final test accuracy')
echo "single process: $a"
echo "2 ranks:        $b"
[ "$a" = "$b" ] || { echo "accuracies differ" >&2; exit 1; }
