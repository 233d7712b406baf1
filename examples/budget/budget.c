/* budget.c — the budgeted-training comparison of the REX paper on the
 * digits: every schedule of schedules.lrs trained with SGD (momentum 0.9)
 * at 10%, 25%, 50% and 100% of a full budget, over several seeds; prints
 * test accuracy as mean ± std.
 * Usage: budget [--epochs FULL] [--seeds N] [--data FILE] [--schedules FILE] */
#include "../digits/mlp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bound {
    const lrs_program *p;
    size_t i;
} bound;

static double interp_cb(void *user, int64_t step)
{
    const bound *b = user;
    return lrs_interp_eval(b->p, b->i, step);
}

int main(int argc, char **argv)
{
    const char *data = "examples/digits/digits.txt", *file = "examples/budget/schedules.lrs";
    int full = 20, seeds = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--epochs"))
            full = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seeds"))
            seeds = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--data"))
            data = argv[i + 1];
        else if (!strcmp(argv[i], "--schedules"))
            file = argv[i + 1];
        else {
            fprintf(stderr,
                    "usage: budget [--epochs FULL] [--seeds N] [--data FILE] [--schedules FILE]\n");
            return 2;
        }
    }
    if (full < 1 || seeds < 1) {
        fprintf(stderr, "budget: --epochs and --seeds must be positive\n");
        return 2;
    }
    char err[256];
    digits all, train, test;
    if (digits_load(data, &all, err, sizeof err)) {
        fprintf(stderr, "budget: %s\n", err);
        return 1;
    }
    digits_split(&all, 42, 0.8, &train, &test);
    const size_t batch = 32, spe = (train.n + batch - 1) / batch;
    static const double budgets[] = {0.10, 0.25, 0.50, 1.00};
    enum { NB = 4 };
    lrs_context *ctx = lrs_context_new();

    printf("digits, SGD momentum 0.9, batch %zu, full budget %d epochs, %d seeds: test accuracy "
           "%%\n\n",
           batch, full, seeds);
    lrs_program *names = NULL;
    double *acc = NULL; /* [schedule][budget][seed] */
    size_t nsched = 0;
    for (int b = 0; b < NB; b++) {
        int epochs = (int)lround(budgets[b] * full);
        if (epochs < 1) epochs = 1;
        char d1[64], d2[64];
        snprintf(d1, sizeof d1, "steps_per_epoch=%zu", spe);
        snprintf(d2, sizeof d2, "total=%d epochs", epochs);
        const char *defs[] = {d1, d2};
        lrs_options o = {.defines = defs, .define_count = 2};
        lrs_diags *dg = lrs_diags_new();
        lrs_program *p = lrs_compile_file(ctx, file, &o, dg);
        if (!p) {
            for (size_t i = 0; i < lrs_diags_count(dg); i++) {
                char *s = lrs_diags_format(dg, i, 0);
                fputs(s ? s : "", stderr);
                lrs_free(s);
            }
            return 1;
        }
        lrs_diags_free(dg);
        if (!acc) {
            nsched = lrs_program_schedule_count(p);
            acc = calloc(nsched * NB * (size_t)seeds, sizeof *acc);
        }
        for (size_t s = 0; s < nsched; s++)
            for (int seed = 0; seed < seeds; seed++) {
                mlp m;
                mlp_init(&m, 1000 + (uint64_t)seed);
                lrs_optim *opt = lrs_optim_new(LRS_OPTIM_SGD);
                lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_SGD);
                hp.momentum = 0.9;
                hp.weight_decay = 5e-4;
                lrs_optim_add_group(opt, m.w, m.gw, m.nw, &hp);
                hp.weight_decay = 0;
                lrs_optim_add_group(opt, m.b, m.gb, m.nb, &hp);
                bound bd = {p, s};
                lrs_fn fn = lrs_program_function(p, s);
                if (fn)
                    lrs_optim_bind(opt, -1, "lr", fn, 1.0);
                else
                    lrs_optim_bind_callback(opt, -1, "lr", interp_cb, &bd, 1.0);
                acc[(s * NB + (size_t)b) * (size_t)seeds + (size_t)seed] = mlp_train(
                    &m, opt, &train, &test, epochs, batch, 7 + (uint64_t)seed, NULL, NULL);
                lrs_optim_free(opt);
                mlp_free(&m);
            }
        if (names)
            lrs_program_free(p);
        else
            names = p;
    }
    printf("%-10s", "schedule");
    for (int b = 0; b < NB; b++)
        printf("   %9.0f%% budget", 100 * budgets[b]);
    printf("\n");
    for (size_t s = 0; s < nsched; s++) {
        printf("%-10s", lrs_program_schedule_name(names, s));
        for (int b = 0; b < NB; b++) {
            double mean = 0, var = 0;
            const double *a = acc + (s * NB + (size_t)b) * (size_t)seeds;
            for (int k = 0; k < seeds; k++)
                mean += a[k] / seeds;
            for (int k = 0; k < seeds; k++)
                var += (a[k] - mean) * (a[k] - mean) / (seeds > 1 ? seeds - 1 : 1);
            printf("   %8.2f ± %5.2f  ", 100 * mean, 100 * sqrt(var));
        }
        printf("\n");
    }
    free(acc);
    lrs_program_free(names);
    lrs_context_free(ctx);
    digits_free(&train);
    digits_free(&test);
    digits_free(&all);
    return 0;
}
