/* mlp.h — a small multilayer perceptron for the 8x8 digits, trained with
 * the lrs optimizer runtime. Shared by the digits demo and the budgeted
 * training comparison. Plain C; float32 parameters in two groups (weights
 * with weight decay, biases without), as trainers usually set them up. */
#ifndef MLP_H
#define MLP_H

#include "lrs.h"

#include <stddef.h>
#include <stdint.h>

enum { MLP_IN = 64, MLP_HIDDEN = 64, MLP_OUT = 10 };

typedef struct digits {
    float *x; /* n x 64, scaled to [0, 1] */
    int *y;
    size_t n;
} digits;

/* Load digits.txt; returns 0, or -1 with a message in err. */
int digits_load(const char *path, digits *all, char *err, size_t errlen);
/* A seeded shuffle split into train (the first n_train) and test. */
void digits_split(const digits *all, uint64_t seed, double train_frac, digits *train, digits *test);
void digits_free(digits *d);

typedef struct mlp {
    float *w, *gw; /* W1 (in x hidden), W2 (hidden x out) */
    float *b, *gb; /* b1 (hidden), b2 (out) */
    size_t nw, nb;
} mlp;

int mlp_init(mlp *m, uint64_t seed);
void mlp_free(mlp *m);
/* Forward and backward over a batch; gradients are averaged over it.
 * Returns the mean cross-entropy loss. */
double mlp_batch(mlp *m, const digits *d, const size_t *idx, size_t n);
/* Fraction of d classified correctly. */
double mlp_accuracy(const mlp *m, const digits *d);

/* Splitmix64: deterministic shuffles and initialisation. */
uint64_t mlp_rand(uint64_t *state);

/* Train for `epochs` epochs of batches of `batch` with optimizer `opt`
 * already holding the model's two groups; calls progress(epoch, ...) after
 * each epoch when it is not NULL. Returns the final test accuracy. */
typedef void (*mlp_progress)(void *user, int epoch, int epochs, double loss, double train_acc,
                             double test_acc, double lr);
double mlp_train(mlp *m, lrs_optim *opt, const digits *train, const digits *test, int epochs,
                 size_t batch, uint64_t seed, mlp_progress progress, void *user);

#endif
