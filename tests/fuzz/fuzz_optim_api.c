/* fuzz_optim_api.c — libFuzzer harness: sequences of optimizer API calls
 * with arguments from the input (create, add groups, bind, step, clip,
 * unscale, save, load, set steps and hyperparameters, destroy), on live
 * handles. Every call must return (an error is fine) without a signal or a
 * sanitizer report; after a failed step or load nothing may have changed
 * (the parameters are compared). */
#include "lrs.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { GROUPS = 3, MAXN = 67 };

static double sched(int64_t step)
{
    return 0.01 / (1.0 + (double)(step % 1000));
}

static double wild(void *user, int64_t step)
{
    (void)user;
    return step % 3 == 0 ? NAN : step % 3 == 1 ? -1.0 : 1e308;
}

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static unsigned take(reader *r)
{
    if (!r->n) return 0;
    r->n--;
    return *r->p++;
}

static double number(reader *r)
{
    static const double vals[] = {0, 1e-3, 0.9, 0.999, 1, -1, 1e-8, 2, NAN, INFINITY, -0.0, 1e300};
    return vals[take(r) % (sizeof vals / sizeof *vals)];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) snprintf(path, sizeof path, "/tmp/lrs_fuzz_optim_%d.ckpt", (int)getpid());
    reader r = {data, size};
    lrs_optim *o = lrs_optim_new((lrs_optim_kind)(take(&r) % 7));
    if (!o) return 0;
    float params[GROUPS][MAXN], grads[GROUPS][MAXN], before[GROUPS][MAXN];
    for (int g = 0; g < GROUPS; g++)
        for (int k = 0; k < MAXN; k++) {
            params[g][k] = (float)(k % 7) - 3.0f;
            grads[g][k] = (float)((k * 5) % 11) - 5.0f;
        }
    static const char *const names[] = {"lr",           "momentum", "beta1", "beta2",
                                        "weight_decay", "x",        ""};
    static const char *const bufs[] = {"exp_avg", "exp_avg_sq", "momentum_buffer", "sum", "nope"};
    while (r.n) {
        int g = (int)(take(&r) % (GROUPS + 1)) - 1;
        switch (take(&r) % 14) {
        case 0: {
            lrs_optim_hparams hp = lrs_optim_defaults((lrs_optim_kind)(take(&r) % 6));
            hp.lr = number(&r);
            hp.beta1 = number(&r);
            size_t n = take(&r) % MAXN;
            int gi = g < 0 ? 0 : g;
            lrs_optim_add_group(o, params[gi], grads[gi], n, &hp);
            break;
        }
        case 1:
            lrs_optim_bind(o, g, names[take(&r) % 7], take(&r) & 1 ? sched : NULL, number(&r));
            break;
        case 2:
            lrs_optim_bind_callback(o, g, names[take(&r) % 7], wild, NULL, number(&r));
            break;
        case 3: {
            memcpy(before, params, sizeof params);
            int st = lrs_optim_step(o);
            if (st < 0 && memcmp(before, params, sizeof params)) abort(); /* changed on error */
            break;
        }
        case 4: {
            double norm;
            lrs_optim_clip_grad_norm(o, number(&r), &norm);
            break;
        }
        case 5: {
            int found;
            lrs_optim_unscale_grads(o, number(&r), &found);
            break;
        }
        case 6:
            lrs_optim_save(o, path);
            break;
        case 7: {
            memcpy(before, params, sizeof params);
            lrs_optim_load(o, path);
            if (memcmp(before, params, sizeof params)) abort(); /* parameters are the model's */
            break;
        }
        case 8:
            lrs_optim_set_step_count(o, (int64_t)((uint64_t)take(&r) << (take(&r) % 64)));
            break;
        case 9:
            lrs_optim_set_group_steps(o, g, (int64_t)take(&r) - 128);
            break;
        case 10: {
            lrs_optim_hparams hp = lrs_optim_defaults((lrs_optim_kind)(take(&r) % 6));
            hp.lr = number(&r);
            hp.eps = number(&r);
            lrs_optim_set_hparams(o, g, &hp);
            break;
        }
        case 11: {
            double v;
            lrs_optim_hparam(o, g, names[take(&r) % 7], &v);
            (void)lrs_optim_state(o, g, bufs[take(&r) % 5]);
            (void)lrs_optim_error(o);
            (void)lrs_optim_group_count(o);
            (void)lrs_optim_step_count(o);
            break;
        }
        case 12:
            lrs_optim_set_skip_nonfinite(o, take(&r) & 1);
            grads[0][take(&r) % MAXN] = take(&r) & 1 ? NAN : INFINITY;
            break;
        default:
            lrs_optim_zero_grad(o);
            (void)lrs_optim_grads_finite(o);
            break;
        }
    }
    lrs_optim_free(o);
    unlink(path);
    return 0;
}
