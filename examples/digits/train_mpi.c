/* train_mpi.c — the digits demo, data parallel: under `mpirun -np P` every
 * rank computes the gradients of its part of each batch and the optimizer
 * state is sharded across the ranks (lrs_mpi.h, ZeRO stage 1). Same model,
 * data, shuffles, schedule and step count as train.c, so the accuracy is
 * the same (the gradients differ from the single process's only in the
 * rounding of the average).
 * Usage: mpirun -np P train_mpi [--epochs N] [--batch N] [--seed N]
 *                              [--data digits.txt] [--schedule schedule.lrs] */
#include "lrs_mpi.h"
#include "cli.h"
#include "mlp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    digits_args a = {.data = "examples/digits/digits.txt",
                     .schedule = "examples/digits/schedule.lrs",
                     .epochs = 30,
                     .batch = 32,
                     .seed = 1};
    FILE *out = rank == 0 ? stderr : NULL; /* one rank speaks */
    int args =
        digits_args_parse(&a, argc, argv, 0, "train_mpi",
                          "usage: mpirun -np P train_mpi [--epochs N] [--batch N] [--seed N]\n"
                          "                              [--data FILE] [--schedule FILE.lrs]\n",
                          out);
    if (!args && a.batch < (size_t)np) {
        if (out) fprintf(out, "train_mpi: --batch must be at least the number of ranks (%d)\n", np);
        args = 2;
    }
    if (args) {
        MPI_Finalize();
        return args == 1 ? 0 : 2;
    }
    const char *sched = a.schedule;
    int epochs = a.epochs;
    size_t batch = a.batch;
    uint64_t seed = a.seed;
    char err[256];
    digits all, train, test;
    if (digits_load(a.data, &all, err, sizeof err)) {
        fprintf(stderr, "train_mpi: %s\n", err);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    digits_split(&all, 42, 0.8, &train, &test);
    const size_t steps_per_epoch = (train.n + batch - 1) / batch;
    lrs_context *ctx = lrs_context_new();
    lrs_program *prog = digits_compile(ctx, &a, steps_per_epoch, out);
    int lr_i = prog ? lrs_program_find(prog, "lr") : -1;
    lrs_fn lr = lr_i >= 0 ? lrs_program_function(prog, (size_t)lr_i) : NULL;
    if (!lr) {
        fprintf(stderr, "train_mpi: %s: no native 'lr' schedule\n", sched);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }

    mlp m;
    if (mlp_init(&m, seed)) MPI_Abort(MPI_COMM_WORLD, 3);
    lrs_mpi_optim *d = lrs_mpi_optim_new(MPI_COMM_WORLD, LRS_OPTIM_ADAMW);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_ADAMW), hb = hp;
    hb.weight_decay = 0; /* no decay on biases */
    if (!d || lrs_mpi_optim_add_group(d, m.w, m.gw, m.nw, &hp) < 0 ||
        lrs_mpi_optim_add_group(d, m.b, m.gb, m.nb, &hb) < 0 ||
        lrs_mpi_optim_bind(d, -1, "lr", lr, 1.0) < 0) {
        fprintf(stderr, "train_mpi: %s\n", lrs_mpi_optim_error(d));
        MPI_Abort(MPI_COMM_WORLD, 3);
    }
    if (rank == 0)
        printf("digits: %zu train, %zu test samples; adamw on %d ranks, batch %zu, %d epochs\n",
               train.n, test.n, np, batch, epochs);
    size_t *perm = malloc(train.n * sizeof *perm), *mine = malloc(batch * sizeof *mine);
    for (size_t i = 0; i < train.n; i++)
        perm[i] = i;
    for (int e = 0; e < epochs; e++) {
        /* The same shuffle on every rank (the same seed), as train.c's. */
        for (size_t i = train.n - 1; i > 0; i--) {
            size_t j = (size_t)(mlp_rand(&seed) % (i + 1));
            size_t t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (size_t at = 0; at < train.n; at += batch) {
            const size_t n = train.n - at < batch ? train.n - at : batch;
            /* This rank's samples of the batch: every np-th one. */
            size_t k = 0;
            for (size_t s = (size_t)rank; s < n; s += (size_t)np)
                mine[k++] = perm[at + s];
            if (k) {
                mlp_batch(&m, &train, mine, k);
                /* mlp_batch averages over k; weight by k/(n/np) so that the
                 * average over ranks is the mean over the whole batch. */
                const float w = (float)((double)k * np / (double)n);
                for (size_t i = 0; i < m.nw; i++)
                    m.gw[i] *= w;
                for (size_t i = 0; i < m.nb; i++)
                    m.gb[i] *= w;
            } else {
                memset(m.gw, 0, m.nw * sizeof *m.gw);
                memset(m.gb, 0, m.nb * sizeof *m.gb);
            }
            int rc = lrs_mpi_optim_step(d, NULL);
            if (rc < 0) {
                fprintf(stderr, "train_mpi: %s\n", lrs_mpi_optim_error(d));
                MPI_Abort(MPI_COMM_WORLD, 1);
            }
        }
        if (rank == 0 && ((e + 1) % 5 == 0 || e + 1 == epochs))
            printf("epoch %3d/%d  train %5.1f%%  test %5.1f%%\n", e + 1, epochs,
                   100 * mlp_accuracy(&m, &train), 100 * mlp_accuracy(&m, &test));
    }
    const double acc = mlp_accuracy(&m, &test);
    if (rank == 0) printf("final test accuracy: %.2f%%\n", 100 * acc);
    free(perm), free(mine);
    lrs_mpi_optim_free(d);
    mlp_free(&m);
    lrs_program_free(prog);
    lrs_context_free(ctx);
    digits_free(&train), digits_free(&test), digits_free(&all);
    MPI_Finalize();
    return acc > 0.95 ? 0 : 4;
}
