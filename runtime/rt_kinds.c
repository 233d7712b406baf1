/* rt_kinds.c — one descriptor per optimizer kind: its name, state buffers,
 * schedulable hyperparameters, defaults, extra validation, the kernel it
 * runs and how a step's hyperparameter values become that kernel's
 * lrs_rt_hp block. Everything else in the runtime (groups, binding, the
 * step driver, checkpoints) reads these rows and never switches on a kind.
 *
 * Adding an optimizer: a value in lrs_optim_kind (lrs.h), LRS_RT_NKINDS,
 * one block below (its functions and its row), and its kernel plus the
 * kernel table entry in rt_kernels.inc. */
#include "rt_internal.h"

#include <math.h>
#include <stddef.h>

/* The ranges torch.optim's constructors enforce (lo <= v < hi), checked for
 * constants when a group is added and for scheduled values at every step. */
const lrs_rt_hparam_info lrs_rt_hparams[LRS_RT_NHALL] = {
    [LRS_RT_H_LR] = {"lr", offsetof(lrs_optim_hparams, lr), 0, INFINITY},
    [LRS_RT_H_MOMENTUM] = {"momentum", offsetof(lrs_optim_hparams, momentum), 0, INFINITY},
    [LRS_RT_H_BETA1] = {"beta1", offsetof(lrs_optim_hparams, beta1), 0, 1},
    [LRS_RT_H_BETA2] = {"beta2", offsetof(lrs_optim_hparams, beta2), 0, 1},
    [LRS_RT_H_WD] = {"weight_decay", offsetof(lrs_optim_hparams, weight_decay), 0, INFINITY},
    [LRS_RT_H_DAMPENING] = {"dampening", offsetof(lrs_optim_hparams, dampening), -INFINITY,
                            INFINITY},
    [LRS_RT_H_EPS] = {"eps", offsetof(lrs_optim_hparams, eps), 0, INFINITY},
    [LRS_RT_H_ALPHA] = {"alpha", offsetof(lrs_optim_hparams, alpha), 0, INFINITY},
    [LRS_RT_H_LR_DECAY] = {"lr_decay", offsetof(lrs_optim_hparams, lr_decay), 0, INFINITY},
    [LRS_RT_H_INIT_ACC] = {"initial_accumulator_value",
                           offsetof(lrs_optim_hparams, initial_accumulator_value), 0, INFINITY},
};

#define H(x) (1u << LRS_RT_H_##x)
/* PyTorch 1.13's defaults; the fields a kind does not use keep the values
 * every kind shares, so that validation of unused fields passes. */
#define RT_DEFAULTS(lr_, beta2_, eps_, wd_)                                                        \
    {.lr = lr_, .beta1 = 0.9, .beta2 = beta2_, .eps = eps_, .weight_decay = wd_, .alpha = 0.99}

static int rt_momentum_on(const lrs_rt_group *g)
{
    return g->hp.momentum != 0.0 || LRS_RT_BOUND(g->bind[LRS_RT_H_MOMENTUM]);
}

/* ---- SGD (torch.optim.SGD): momentum_buffer only when momentum is used ---- */

static int sgd_needs(const lrs_rt_group *g, int slot)
{
    return slot == 0 && rt_momentum_on(g);
}

static const char *sgd_check(const lrs_optim_hparams *h)
{
    if (h->nesterov && (h->momentum <= 0 || h->dampening != 0))
        return "nesterov momentum requires a momentum and zero dampening";
    return NULL;
}

static void sgd_prepare(lrs_rt_hp *h, const lrs_rt_group *g, const double *v)
{
    const double mom = v[LRS_RT_H_MOMENTUM];
    h->flags |= (v[LRS_RT_H_WD] != 0 ? LRS_RT_L2 : 0) | (mom != 0 ? LRS_RT_MOMENTUM : 0) |
                (g->hp.nesterov ? LRS_RT_NESTEROV : 0) | (g->momentum_init ? 0 : LRS_RT_FIRST);
    h->b1 = (float)mom;
    h->omb1 = (float)(1.0 - g->hp.dampening);
}

/* ---- Adam and AdamW (torch.optim.Adam, AdamW): one kernel ---- */

static int adam_needs(const lrs_rt_group *g, int slot)
{
    return slot < 2 || (slot == 2 && g->hp.amsgrad);
}

static void rt_betas(lrs_rt_hp *h, const double *v)
{
    const double b1 = v[LRS_RT_H_BETA1], b2 = v[LRS_RT_H_BETA2];
    h->b1 = (float)b1;
    h->omb1 = (float)(1.0 - b1);
    h->b2 = (float)b2;
    h->omb2 = (float)(1.0 - b2);
}

/* Bias corrections from the integer step (torch increments it first), in double. */
static void adam_common(lrs_rt_hp *h, const lrs_rt_group *g, const double *v)
{
    const double t = (double)(g->t + 1);
    rt_betas(h, v);
    const double bc1 = 1.0 - pow(v[LRS_RT_H_BETA1], t), bc2 = 1.0 - pow(v[LRS_RT_H_BETA2], t);
    h->neg_lr = (float)-(v[LRS_RT_H_LR] / bc1);
    h->bc2_sqrt = (float)sqrt(bc2);
    h->flags |= g->hp.amsgrad ? LRS_RT_AMSGRAD : 0;
}

static void adam_prepare(lrs_rt_hp *h, const lrs_rt_group *g, const double *v)
{
    adam_common(h, g, v);
    h->flags |= v[LRS_RT_H_WD] != 0 ? LRS_RT_L2 : 0;
}

static void adamw_prepare(lrs_rt_hp *h, const lrs_rt_group *g, const double *v)
{
    adam_common(h, g, v);
    h->flags |= LRS_RT_DECOUPLED;
}

/* ---- RMSprop (torch.optim.RMSprop) ---- */

static int rmsprop_needs(const lrs_rt_group *g, int slot)
{
    return slot == 0 || (slot == 1 && rt_momentum_on(g)) || (slot == 2 && g->hp.centered);
}

static void rmsprop_prepare(lrs_rt_hp *h, const lrs_rt_group *g, const double *v)
{
    const double mom = v[LRS_RT_H_MOMENTUM];
    h->b1 = (float)mom;
    h->b2 = (float)g->hp.alpha;
    h->omb2 = (float)(1.0 - g->hp.alpha);
    h->flags |= (v[LRS_RT_H_WD] != 0 ? LRS_RT_L2 : 0) | (mom > 0 ? LRS_RT_MOMENTUM : 0) |
                (g->hp.centered ? LRS_RT_CENTERED : 0);
}

/* ---- Adagrad (torch.optim.Adagrad, dense): sum starts at the accumulator ---- */

static int rt_first_slot(const lrs_rt_group *g, int slot)
{
    (void)g;
    return slot == 0;
}

static float adagrad_init(const lrs_optim_hparams *h, int slot)
{
    (void)slot;
    return (float)h->initial_accumulator_value;
}

static void adagrad_prepare(lrs_rt_hp *h, const lrs_rt_group *g, const double *v)
{
    const double t = (double)(g->t + 1);
    h->neg_lr = (float)-(v[LRS_RT_H_LR] / (1.0 + (t - 1.0) * g->hp.lr_decay));
    h->flags |= v[LRS_RT_H_WD] != 0 ? LRS_RT_L2 : 0;
}

/* ---- Lion (Chen et al. 2023, Algorithm 2) ---- */

static void lion_prepare(lrs_rt_hp *h, const lrs_rt_group *g, const double *v)
{
    (void)g;
    rt_betas(h, v);
    h->flags |= v[LRS_RT_H_WD] != 0 ? LRS_RT_DECOUPLED : 0;
}

/* ---- the table ---- */

const lrs_rt_kind lrs_rt_kinds[] = {
    [LRS_OPTIM_SGD] = {.name = "SGD",
                       .state = {"momentum_buffer"},
                       .hparams = H(LR) | H(MOMENTUM) | H(WD),
                       .defaults = RT_DEFAULTS(1e-3, 0.999, 1e-8, 0),
                       .check = sgd_check,
                       .needs = sgd_needs,
                       .kernel = LRS_OPTIM_SGD,
                       .prepare = sgd_prepare},
    [LRS_OPTIM_ADAM] = {.name = "Adam",
                        .state = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
                        .nonneg = 1u << 1 | 1u << 2,
                        .hparams = H(LR) | H(BETA1) | H(BETA2) | H(WD),
                        .defaults = RT_DEFAULTS(1e-3, 0.999, 1e-8, 0),
                        .needs = adam_needs,
                        .kernel = LRS_OPTIM_ADAM,
                        .prepare = adam_prepare},
    [LRS_OPTIM_ADAMW] = {.name = "AdamW",
                         .state = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
                         .nonneg = 1u << 1 | 1u << 2,
                         .hparams = H(LR) | H(BETA1) | H(BETA2) | H(WD),
                         .defaults = RT_DEFAULTS(1e-3, 0.999, 1e-8, 1e-2),
                         .needs = adam_needs,
                         .kernel = LRS_OPTIM_ADAM,
                         .prepare = adamw_prepare},
    [LRS_OPTIM_RMSPROP] = {.name = "RMSprop",
                           .state = {"square_avg", "momentum_buffer", "grad_avg"},
                           .nonneg = 1u << 0,
                           .hparams = H(LR) | H(MOMENTUM) | H(WD),
                           .defaults = RT_DEFAULTS(1e-2, 0.999, 1e-8, 0),
                           .needs = rmsprop_needs,
                           .kernel = LRS_OPTIM_RMSPROP,
                           .prepare = rmsprop_prepare},
    [LRS_OPTIM_ADAGRAD] = {.name = "Adagrad",
                           .state = {"sum"},
                           .nonneg = 1u << 0,
                           .hparams = H(LR) | H(WD),
                           .defaults = RT_DEFAULTS(1e-2, 0.999, 1e-10, 0),
                           .needs = rt_first_slot,
                           .init = adagrad_init,
                           .kernel = LRS_OPTIM_ADAGRAD,
                           .prepare = adagrad_prepare},
    [LRS_OPTIM_LION] = {.name = "Lion",
                        .state = {"exp_avg"},
                        .hparams = H(LR) | H(BETA1) | H(BETA2) | H(WD),
                        .defaults = RT_DEFAULTS(1e-4, 0.99, 1e-8, 0),
                        .needs = rt_first_slot,
                        .kernel = LRS_OPTIM_LION,
                        .prepare = lion_prepare},
};
_Static_assert(sizeof lrs_rt_kinds / sizeof *lrs_rt_kinds == LRS_RT_NKINDS,
               "one descriptor per optimizer kind");
