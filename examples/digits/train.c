/* train.c — the digits demo: trains a small MLP on the 8x8 digits with the
 * lrs optimizer runtime (AdamW or SGD) and a schedule from a .lrs file.
 * Usage: train [--optim adamw|sgd] [--epochs N] [--batch N] [--seed N]
 *              [--data digits.txt] [--schedule schedule.lrs] [-D NAME=EXPR]... */
#include "cli.h"
#include "mlp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double interp_cb(void *user, int64_t step)
{
    const lrs_program *p = ((void **)user)[0];
    size_t i = (size_t)(uintptr_t)((void **)user)[1];
    return lrs_interp_eval(p, i, step);
}

static void bar(void *user, int epoch, int epochs, double loss, double train_acc, double test_acc,
                double lr)
{
    (void)user;
    enum { W = 24 };
    int fill = epoch * W / epochs;
    printf("epoch %3d/%-3d |", epoch, epochs);
    for (int i = 0; i < W; i++)
        fputs(i < fill ? "\u2588" : "\u2591", stdout);
    printf("| loss %.4f  train %5.1f%%  test %5.1f%%  lr %.3g\n", loss, 100 * train_acc,
           100 * test_acc, lr);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    digits_args a = {.data = "examples/digits/digits.txt",
                     .schedule = "examples/digits/schedule.lrs",
                     .optim = "adamw",
                     .epochs = 30,
                     .batch = 32,
                     .seed = 1};
    int args =
        digits_args_parse(&a, argc, argv, DIGITS_OPTIM | DIGITS_DEFINES, "train",
                          "usage: train [--optim adamw|sgd] [--epochs N] [--batch N] [--seed N]\n"
                          "             [--data FILE] [--schedule FILE.lrs] [-D NAME=EXPR]...\n"
                          "Trains a 64-64-10 MLP on the 8x8 digits; the schedule file's `lr`\n"
                          "(and `momentum`, `weight_decay`, `beta1`, `beta2` if present) drive\n"
                          "the optimizer. steps_per_epoch and total are set from the data.\n",
                          stderr);
    if (args) return args == 1 ? 0 : 2;
    const char *optim = a.optim;
    int epochs = a.epochs;
    size_t batch = a.batch;
    uint64_t seed = a.seed;

    char err[256];
    digits all, train, test;
    if (digits_load(a.data, &all, err, sizeof err)) {
        fprintf(stderr, "train: %s\n", err);
        return 1;
    }
    digits_split(&all, 42, 0.8, &train, &test);

    size_t steps_per_epoch = (train.n + batch - 1) / batch;
    lrs_context *ctx = lrs_context_new();
    lrs_program *prog = digits_compile(ctx, &a, steps_per_epoch, stderr);
    if (!prog) return 1;
    if (lrs_program_find(prog, "lr") < 0) {
        fprintf(stderr, "train: %s has no schedule 'lr'\n", a.schedule);
        return 1;
    }

    mlp m;
    if (mlp_init(&m, seed)) return 3;
    lrs_optim *opt = lrs_optim_new(!strcmp(optim, "sgd") ? LRS_OPTIM_SGD : LRS_OPTIM_ADAMW);
    lrs_optim_hparams hp =
        lrs_optim_defaults(!strcmp(optim, "sgd") ? LRS_OPTIM_SGD : LRS_OPTIM_ADAMW);
    if (!strcmp(optim, "sgd")) {
        hp.momentum = 0.9;
        hp.nesterov = 1;
    }
    lrs_optim_hparams hb = hp;
    hb.weight_decay = 0; /* no decay on biases */
    if (lrs_optim_add_group(opt, m.w, m.gw, m.nw, &hp) < 0 ||
        lrs_optim_add_group(opt, m.b, m.gb, m.nb, &hb) < 0) {
        fprintf(stderr, "train: %s\n", lrs_optim_error(opt));
        return 3;
    }
    /* Bind every schedule named after a hyperparameter. */
    static const char *names[] = {"lr", "momentum", "weight_decay", "beta1", "beta2"};
    void *cbdata[5][2];
    for (int k = 0; k < 5; k++) {
        int i = lrs_program_find(prog, names[k]);
        if (i < 0) continue;
        cbdata[k][0] = prog;
        cbdata[k][1] = (void *)(uintptr_t)i;
        int group = !strcmp(names[k], "weight_decay") ? 0 : -1;
        /* The JIT's native function; the interpreter if it cannot compile. */
        lrs_fn fn = lrs_program_function(prog, (size_t)i);
        int rc = fn ? lrs_optim_bind(opt, group, names[k], fn, 1.0)
                    : lrs_optim_bind_callback(opt, group, names[k], interp_cb, cbdata[k], 1.0);
        if (rc < 0) {
            fprintf(stderr, "train: cannot bind %s: %s\n", names[k], lrs_optim_error(opt));
            return 1;
        }
    }
    printf("digits: %zu train, %zu test samples; %s, batch %zu, %d epochs of %zu steps (SIMD %s)\n",
           train.n, test.n, optim, batch, epochs, steps_per_epoch, lrs_optim_simd(opt));
    double acc = mlp_train(&m, opt, &train, &test, epochs, batch, seed, bar, NULL);
    printf("final test accuracy: %.2f%%\n", 100 * acc);

    lrs_optim_free(opt);
    mlp_free(&m);
    lrs_program_free(prog);
    lrs_context_free(ctx);
    digits_free(&train);
    digits_free(&test);
    digits_free(&all);
    return acc > 0.95 ? 0 : 4;
}
