/* bench_mpi.c — one data-parallel AdamW step (reduce-scatter, sharded
 * update, all-gather) per repetition, timed on rank 0 between barriers,
 * with each rank's peak resident memory; with -s also the single-process
 * lrs_optim_step on the same N in the same process (run it at np 1).
 *
 * usage: mpirun -np P bench_mpi [-n N] [-r REPS] [-s]
 * Prints one Markdown table row. */
#include "lrs_mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double peak_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* kilobytes on Linux */
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, np;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    size_t n = 10000000;
    int reps = 5, single = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            n = (size_t)strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "-s") == 0)
            single = 1;
    }
    if (reps < 1 || reps > 1000) reps = 5;
    float *p = malloc(n * sizeof *p), *g = malloc(n * sizeof *g);
    if (!p || !g) MPI_Abort(MPI_COMM_WORLD, 2);
    for (size_t i = 0; i < n; i++)
        p[i] = (float)(i % 1000) * 1e-3f, g[i] = (float)((i * 7 + (size_t)rank) % 100) * 1e-4f;
    double *t = malloc((size_t)reps * sizeof *t), single_ms = 0;
    if (single && np == 1) {
        /* The single-process runtime first, so its peak is not the MPI one. */
        lrs_optim *o = lrs_optim_new(LRS_OPTIM_ADAMW);
        lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_ADAMW);
        lrs_optim_add_group(o, p, g, n, &hp);
        lrs_optim_step(o);
        for (int r = 0; r < reps; r++) {
            double t0 = MPI_Wtime();
            lrs_optim_step(o);
            t[r] = MPI_Wtime() - t0;
        }
        qsort(t, (size_t)reps, sizeof *t, cmp_double);
        single_ms = t[0] * 1e3;
        lrs_optim_free(o);
    }
    lrs_mpi_optim *d = lrs_mpi_optim_new(MPI_COMM_WORLD, LRS_OPTIM_ADAMW);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_ADAMW);
    if (!d || lrs_mpi_optim_add_group(d, p, g, n, &hp) < 0) MPI_Abort(MPI_COMM_WORLD, 3);
    lrs_mpi_optim_step(d, NULL); /* warm: first touch of the state */
    for (int r = 0; r < reps; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        if (lrs_mpi_optim_step(d, NULL) != 0) MPI_Abort(MPI_COMM_WORLD, 4);
        MPI_Barrier(MPI_COMM_WORLD);
        t[r] = MPI_Wtime() - t0;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    double mib = peak_mib(), maxmib = 0;
    MPI_Reduce(&mib, &maxmib, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("| %d | %.0e | %.1f | %.1f | %.0f |", np, (double)n, t[0] * 1e3, t[reps / 2] * 1e3,
               maxmib);
        if (single_ms > 0)
            printf(" %.1f |\n", single_ms);
        else
            printf(" |\n");
    }
    lrs_mpi_optim_free(d);
    free(p), free(g), free(t);
    MPI_Finalize();
    return 0;
}
