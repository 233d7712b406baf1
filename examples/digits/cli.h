/* cli.h — what the digits trainers (train, train_plateau, train_mpi) share:
 * their common options, parsed with range checks, and the schedule file
 * compiled with steps_per_epoch and total set from the data. */
#ifndef DIGITS_CLI_H
#define DIGITS_CLI_H

#include "lrs.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { DIGITS_MAX_DEFINES = 30 };

typedef struct digits_args {
    const char *data, *schedule;
    const char *optim; /* --optim, for a trainer that takes it */
    int epochs;        /* 1 to 100000 */
    size_t batch;      /* 1 to 2^20 */
    uint64_t seed;
    const char *defines[DIGITS_MAX_DEFINES + 2]; /* -D NAME=EXPR; two more for the data's */
    size_t ndef;
} digits_args;

/* The options a trainer takes beside --epochs, --batch, --seed, --data
 * and --schedule. */
enum { DIGITS_OPTIM = 1, DIGITS_DEFINES = 2 };

/* Parse argv[1..argc) into a, whose fields hold the defaults. prog names
 * the trainer in messages, usage is printed for --help; messages go to
 * out (NULL: none). Returns 0 to go on, 1 after --help, 2 on a bad
 * option or value. */
int digits_args_parse(digits_args *a, int argc, char **argv, unsigned takes, const char *prog,
                      const char *usage, FILE *out);

/* Compile a->schedule with a's defines and steps_per_epoch and
 * total = a->epochs epochs, printing its diagnostics to out (NULL: none);
 * NULL if it does not compile. */
lrs_program *digits_compile(lrs_context *ctx, digits_args *a, size_t steps_per_epoch, FILE *out);

#endif
