/* mlp.c — data loading and a 64-64-10 ReLU network with softmax
 * cross-entropy, forward and backward by hand (see mlp.h). */
#include "mlp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t mlp_rand(uint64_t *s)
{
    uint64_t x = (*s += 0x9E3779B97F4A7C15ull);
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static double uniform(uint64_t *s)
{
    return (double)(mlp_rand(s) >> 11) / 9007199254740992.0;
}

int digits_load(const char *path, digits *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open %s", path);
        return -1;
    }
    char line[256];
    size_t cap = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n') continue;
        if (d->n == cap) {
            cap = cap ? 2 * cap : 2048;
            float *x = realloc(d->x, cap * MLP_IN * sizeof *x);
            int *y = realloc(d->y, cap * sizeof *y);
            if (!x || !y) {
                free(x ? x : d->x);
                free(y ? y : d->y);
                fclose(f);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            d->x = x;
            d->y = y;
        }
        if (line[0] < '0' || line[0] > '9' || line[1] != ' ' || strlen(line) < 2 + MLP_IN) {
            snprintf(err, errlen, "%s:%zu: malformed sample", path, lineno);
            fclose(f);
            digits_free(d);
            return -1;
        }
        d->y[d->n] = line[0] - '0';
        for (int i = 0; i < MLP_IN; i++) {
            int v = line[2 + i] - 'a';
            if (v < 0 || v > 16) {
                snprintf(err, errlen, "%s:%zu: pixel %d out of range", path, lineno, i);
                fclose(f);
                digits_free(d);
                return -1;
            }
            d->x[d->n * MLP_IN + (size_t)i] = (float)v / 16.0f;
        }
        d->n++;
    }
    fclose(f);
    if (d->n == 0) {
        snprintf(err, errlen, "%s: no samples", path);
        return -1;
    }
    return 0;
}

void digits_free(digits *d)
{
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}

void digits_split(const digits *all, uint64_t seed, double train_frac, digits *train, digits *test)
{
    size_t *perm = malloc(all->n * sizeof *perm);
    for (size_t i = 0; i < all->n; i++)
        perm[i] = i;
    for (size_t i = all->n - 1; i > 0; i--) {
        size_t j = (size_t)(mlp_rand(&seed) % (i + 1));
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    size_t ntr = (size_t)(train_frac * (double)all->n);
    digits *parts[2] = {train, test};
    size_t from[2] = {0, ntr}, count[2] = {ntr, all->n - ntr};
    for (int p = 0; p < 2; p++) {
        digits *d = parts[p];
        d->n = count[p];
        d->x = malloc(d->n * MLP_IN * sizeof *d->x);
        d->y = malloc(d->n * sizeof *d->y);
        for (size_t i = 0; i < d->n; i++) {
            size_t k = perm[from[p] + i];
            memcpy(d->x + i * MLP_IN, all->x + k * MLP_IN, MLP_IN * sizeof *d->x);
            d->y[i] = all->y[k];
        }
    }
    free(perm);
}

int mlp_init(mlp *m, uint64_t seed)
{
    m->nw = MLP_IN * MLP_HIDDEN + MLP_HIDDEN * MLP_OUT;
    m->nb = MLP_HIDDEN + MLP_OUT;
    m->w = calloc(m->nw, sizeof *m->w);
    m->gw = calloc(m->nw, sizeof *m->gw);
    m->b = calloc(m->nb, sizeof *m->b);
    m->gb = calloc(m->nb, sizeof *m->gb);
    if (!m->w || !m->gw || !m->b || !m->gb) return -1;
    /* He-uniform for the ReLU layer, Glorot-uniform for the output, as
     * PyTorch's default Linear init roughly does. */
    double a1 = sqrt(6.0 / MLP_IN), a2 = sqrt(6.0 / (MLP_HIDDEN + MLP_OUT));
    for (size_t i = 0; i < MLP_IN * MLP_HIDDEN; i++)
        m->w[i] = (float)((2 * uniform(&seed) - 1) * a1);
    for (size_t i = MLP_IN * MLP_HIDDEN; i < m->nw; i++)
        m->w[i] = (float)((2 * uniform(&seed) - 1) * a2);
    return 0;
}

void mlp_free(mlp *m)
{
    free(m->w);
    free(m->gw);
    free(m->b);
    free(m->gb);
}

/* logits of one sample; h receives the hidden activations */
static void forward(const mlp *m, const float *x, float *h, double *z)
{
    const float *w1 = m->w, *w2 = m->w + MLP_IN * MLP_HIDDEN, *b1 = m->b, *b2 = m->b + MLP_HIDDEN;
    for (int j = 0; j < MLP_HIDDEN; j++) {
        float a = b1[j];
        for (int i = 0; i < MLP_IN; i++)
            a += x[i] * w1[i * MLP_HIDDEN + j];
        h[j] = a > 0 ? a : 0;
    }
    for (int k = 0; k < MLP_OUT; k++) {
        double a = b2[k];
        for (int j = 0; j < MLP_HIDDEN; j++)
            a += h[j] * w2[j * MLP_OUT + k];
        z[k] = a;
    }
}

double mlp_batch(mlp *m, const digits *d, const size_t *idx, size_t n)
{
    memset(m->gw, 0, m->nw * sizeof *m->gw);
    memset(m->gb, 0, m->nb * sizeof *m->gb);
    float *gw1 = m->gw, *gw2 = m->gw + MLP_IN * MLP_HIDDEN, *gb1 = m->gb, *gb2 = m->gb + MLP_HIDDEN;
    const float *w2 = m->w + MLP_IN * MLP_HIDDEN;
    double loss = 0;
    for (size_t s = 0; s < n; s++) {
        const float *x = d->x + idx[s] * MLP_IN;
        float h[MLP_HIDDEN];
        double z[MLP_OUT], zmax = -INFINITY, sum = 0;
        forward(m, x, h, z);
        for (int k = 0; k < MLP_OUT; k++)
            zmax = fmax(zmax, z[k]);
        for (int k = 0; k < MLP_OUT; k++)
            sum += exp(z[k] - zmax);
        int y = d->y[idx[s]];
        loss += log(sum) + zmax - z[y];
        /* d loss / d z = softmax - onehot, averaged over the batch */
        float dz[MLP_OUT], dh[MLP_HIDDEN];
        for (int k = 0; k < MLP_OUT; k++)
            dz[k] = (float)((exp(z[k] - zmax) / sum - (k == y)) / (double)n);
        for (int j = 0; j < MLP_HIDDEN; j++) {
            float a = 0;
            for (int k = 0; k < MLP_OUT; k++) {
                gw2[j * MLP_OUT + k] += h[j] * dz[k];
                a += w2[j * MLP_OUT + k] * dz[k];
            }
            dh[j] = h[j] > 0 ? a : 0;
        }
        for (int k = 0; k < MLP_OUT; k++)
            gb2[k] += dz[k];
        for (int i = 0; i < MLP_IN; i++)
            if (x[i] != 0)
                for (int j = 0; j < MLP_HIDDEN; j++)
                    gw1[i * MLP_HIDDEN + j] += x[i] * dh[j];
        for (int j = 0; j < MLP_HIDDEN; j++)
            gb1[j] += dh[j];
    }
    return loss / (double)n;
}

double mlp_accuracy(const mlp *m, const digits *d)
{
    size_t right = 0;
    for (size_t s = 0; s < d->n; s++) {
        float h[MLP_HIDDEN];
        double z[MLP_OUT];
        forward(m, d->x + s * MLP_IN, h, z);
        int best = 0;
        for (int k = 1; k < MLP_OUT; k++)
            if (z[k] > z[best]) best = k;
        right += best == d->y[s];
    }
    return d->n ? (double)right / (double)d->n : 0;
}

double mlp_train(mlp *m, lrs_optim *opt, const digits *train, const digits *test, int epochs,
                 size_t batch, uint64_t seed, mlp_progress progress, void *user)
{
    size_t *perm = malloc(train->n * sizeof *perm);
    for (size_t i = 0; i < train->n; i++)
        perm[i] = i;
    for (int e = 0; e < epochs; e++) {
        for (size_t i = train->n - 1; i > 0; i--) {
            size_t j = (size_t)(mlp_rand(&seed) % (i + 1));
            size_t t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        double loss = 0;
        size_t nb = 0;
        for (size_t at = 0; at < train->n; at += batch, nb++) {
            size_t n = train->n - at < batch ? train->n - at : batch;
            loss += mlp_batch(m, train, perm + at, n);
            lrs_optim_step(opt);
        }
        if (progress) {
            double lr = 0;
            lrs_optim_hparam(opt, 0, "lr", &lr);
            progress(user, e + 1, epochs, loss / (double)nb, mlp_accuracy(m, train),
                     mlp_accuracy(m, test), lr);
        }
    }
    free(perm);
    return mlp_accuracy(m, test);
}
