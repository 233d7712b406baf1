/* train_plateau.c — the digits trainer with a schedule that reacts to the
 * validation loss: warmup, then ReduceLROnPlateau (examples/digits/
 * plateau.lrs). After every epoch it reports the validation loss to the
 * program's signal state and says when the rate dropped.
 * Usage: train_plateau [--epochs N] [--batch N] [--seed N] [--data digits.txt]
 *                      [--schedule plateau.lrs] */
#include "cli.h"
#include "mlp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reactive schedule and the signals it reads: the optimizer calls it
 * once per step with the detector values of the moment. */
typedef struct reactive {
    lrs_reactive_fn fn;
    const lrs_program *prog;
    size_t index;
    const lrs_signals *sig;
} reactive;

static double reactive_cb(void *user, int64_t step)
{
    const reactive *r = user;
    const double *det = lrs_signals_values(r->sig);
    return r->fn ? r->fn(step, det) : lrs_interp_eval_reactive(r->prog, r->index, step, det);
}

int main(int argc, char **argv)
{
    digits_args a = {.data = "examples/digits/digits.txt",
                     .schedule = "examples/digits/plateau.lrs",
                     .epochs = 30,
                     .batch = 32,
                     .seed = 1};
    int args =
        digits_args_parse(&a, argc, argv, 0, "train_plateau",
                          "usage: train_plateau [--epochs N] [--batch N] [--seed N] [--data FILE]\n"
                          "                     [--schedule FILE.lrs]\n"
                          "Trains a 64-64-10 MLP on the 8x8 digits with SGD; the schedule file's\n"
                          "`lr` reads the signal `val_loss`, reported after every epoch.\n",
                          stderr);
    if (args) return args == 1 ? 0 : 2;
    const char *sched = a.schedule;
    int epochs = a.epochs;
    size_t batch = a.batch;
    uint64_t seed = a.seed;

    char err[256];
    digits all, train, val;
    if (digits_load(a.data, &all, err, sizeof err)) {
        fprintf(stderr, "train_plateau: %s\n", err);
        return 1;
    }
    digits_split(&all, 42, 0.8, &train, &val);
    size_t steps_per_epoch = (train.n + batch - 1) / batch;
    lrs_context *ctx = lrs_context_new();
    lrs_program *prog = digits_compile(ctx, &a, steps_per_epoch, stderr);
    int li = prog ? lrs_program_find(prog, "lr") : -1;
    lrs_signals *sig = prog ? lrs_program_signals_new(prog) : NULL;
    int vi = lrs_signals_find(sig, "val_loss");
    if (li < 0 || vi < 0) {
        if (prog) fprintf(stderr, "train_plateau: %s needs `signal val_loss` and `lr`\n", sched);
        return 1;
    }
    reactive r = {lrs_program_reactive_function(prog, (size_t)li), prog, (size_t)li, sig};

    mlp m;
    if (mlp_init(&m, seed)) return 3;
    lrs_optim *opt = lrs_optim_new(LRS_OPTIM_SGD);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    hp.momentum = 0.9;
    hp.nesterov = 1;
    hp.weight_decay = 1e-4;
    lrs_optim_hparams hb = hp;
    hb.weight_decay = 0;
    if (lrs_optim_add_group(opt, m.w, m.gw, m.nw, &hp) < 0 ||
        lrs_optim_add_group(opt, m.b, m.gb, m.nb, &hb) < 0 ||
        lrs_optim_bind_callback(opt, -1, "lr", reactive_cb, &r, 1.0) < 0) {
        fprintf(stderr, "train_plateau: %s\n", lrs_optim_error(opt));
        return 3;
    }
    printf("digits: %zu train, %zu validation samples; SGD, batch %zu, %d epochs of %zu steps\n",
           train.n, val.n, batch, epochs, steps_per_epoch);

    size_t *perm = malloc(train.n * sizeof *perm), *all_val = malloc(val.n * sizeof *all_val);
    for (size_t i = 0; i < train.n; i++)
        perm[i] = i;
    for (size_t i = 0; i < val.n; i++)
        all_val[i] = i;
    int drops = 0;
    for (int e = 0; e < epochs; e++) {
        for (size_t i = train.n - 1; i > 0; i--) {
            size_t j = (size_t)(mlp_rand(&seed) % (i + 1)), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        double lr = 0;
        for (size_t at = 0; at < train.n; at += batch) {
            mlp_batch(&m, &train, perm + at, train.n - at < batch ? train.n - at : batch);
            if (lrs_optim_step(opt) < 0) {
                fprintf(stderr, "train_plateau: %s\n", lrs_optim_error(opt));
                return 3;
            }
            if (at == 0) lrs_optim_hparam(opt, 0, "lr", &lr);
        }
        /* The validation loss (mlp_batch's gradients are not used). */
        double val_loss = mlp_batch(&m, &val, all_val, val.n);
        int64_t step = lrs_optim_step_count(opt); /* the first step that sees it */
        int rc = lrs_signals_report(sig, (size_t)vi, step, val_loss);
        if (rc < 0) {
            fprintf(stderr, "train_plateau: %s\n", lrs_signals_error(sig));
            return 3;
        }
        double next = reactive_cb(&r, step);
        printf("epoch %3d  lr %-9.3g val_loss %.4f  val %5.1f%%\n", e + 1, lr, val_loss,
               100 * mlp_accuracy(&m, &val));
        if (next < lr) {
            drops++;
            printf("  -> plateau: the rate dropped from %.3g to %.3g at step %lld\n", lr, next,
                   (long long)step);
        }
    }
    double acc = mlp_accuracy(&m, &val);
    printf("final validation accuracy: %.2f%% after %d drops of the rate\n", 100 * acc, drops);

    free(perm);
    free(all_val);
    lrs_optim_free(opt);
    mlp_free(&m);
    lrs_signals_free(sig);
    lrs_program_free(prog);
    lrs_context_free(ctx);
    digits_free(&train);
    digits_free(&val);
    digits_free(&all);
    return acc > 0.9 ? 0 : 4;
}
