/* rt_optim.c — the optimizer object: parameter groups, hyperparameters and
 * their schedule bindings, the step driver and the gradient utilities. It
 * turns each step's hyperparameters into an lrs_rt_hp (rounded as torch
 * rounds them) and runs the chosen SIMD path's kernels over fixed chunks. */
#include "rt_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

int lrs_rt_fail(lrs_optim *opt, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(opt->err, sizeof opt->err, fmt, ap);
    va_end(ap);
    return code;
}

float *lrs_rt_alloc(size_t n)
{
    size_t bytes = n * sizeof(float);
    if (n > SIZE_MAX / sizeof(float) - LRS_RT_ALIGN) return NULL;
    bytes = (bytes + LRS_RT_ALIGN - 1) / LRS_RT_ALIGN * LRS_RT_ALIGN;
    return aligned_alloc(LRS_RT_ALIGN, bytes);
}

void lrs_rt_dealloc(float *p)
{
    free(p);
}

void lrs_rt_state_fill(lrs_optim_kind kind, const lrs_optim_hparams *hp, int slot, float *buf,
                       size_t n)
{
    const lrs_rt_kind *d = &lrs_rt_kinds[kind];
    const float init = d->init ? d->init(hp, slot) : 0.0f;
    for (size_t i = 0; i < n; i++)
        buf[i] = init;
}

const char *lrs_rt_state_name(lrs_optim_kind kind, int slot)
{
    return lrs_rt_kinds[kind].state[slot];
}

int lrs_rt_state_needed(lrs_optim_kind kind, const lrs_rt_group *g, int slot)
{
    return lrs_rt_kinds[kind].state[slot] && lrs_rt_kinds[kind].needs(g, slot);
}

static double rt_constant(const lrs_optim_hparams *c, int h)
{
    double v;
    memcpy(&v, (const char *)c + lrs_rt_hparams[h].offset, sizeof v);
    return v;
}

void lrs_rt_reset_cur(lrs_rt_group *g)
{
    for (int h = 0; h < LRS_RT_NH; h++)
        g->cur[h] = rt_constant(&g->hp, h);
}

const char *lrs_rt_kind_name(int kind)
{
    return kind >= 0 && kind < LRS_RT_NKINDS ? lrs_rt_kinds[kind].name : "?";
}

lrs_optim_hparams lrs_optim_defaults(lrs_optim_kind kind)
{
    if ((unsigned)kind >= LRS_RT_NKINDS) return (lrs_optim_hparams){0};
    return lrs_rt_kinds[kind].defaults;
}

lrs_optim *lrs_optim_new(lrs_optim_kind kind)
{
    if ((unsigned)kind >= LRS_RT_NKINDS) return NULL;
    lrs_optim *opt = calloc(1, sizeof *opt);
    if (!opt) return NULL;
    opt->magic = LRS_RT_MAGIC;
    opt->kind = kind;
    opt->k = lrs_rt_simd_select();
    return opt;
}

static void rt_group_free(lrs_rt_group *g)
{
    for (int s = 0; s < LRS_RT_MAX_STATE; s++)
        lrs_rt_dealloc(g->state[s]);
}

int lrs_rt_valid(const lrs_optim *opt)
{
    return opt && opt->magic == LRS_RT_MAGIC;
}

void lrs_optim_free(lrs_optim *opt)
{
    if (!lrs_rt_valid(opt)) return;
    opt->magic = 0;
    for (size_t i = 0; i < opt->ngroups; i++)
        rt_group_free(&opt->groups[i]);
    free(opt->groups);
    free(opt->partial);
    free(opt);
}

const char *lrs_optim_error(const lrs_optim *opt)
{
    if (!opt) return "no optimizer (NULL handle)";
    if (!lrs_rt_valid(opt)) return "not an optimizer (a foreign or freed handle)";
    return opt->err;
}

/* The checks torch.optim's constructors make, plus finiteness. */
int lrs_rt_check_hparams(lrs_optim *opt, const lrs_optim_hparams *h)
{
    for (int k = 0; k < LRS_RT_NHALL; k++) {
        const lrs_rt_hparam_info *in = &lrs_rt_hparams[k];
        const double v = rt_constant(h, k);
        if (!isfinite(v) || !(v >= in->lo) || !(v < in->hi))
            return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "invalid %s value: %g", in->name, v);
    }
    const lrs_rt_kind *d = &lrs_rt_kinds[opt->kind];
    const char *why = d->check ? d->check(h) : NULL;
    if (why) return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "%s", why);
    return LRS_OPTIM_OK;
}

/* Allocate the state buffers the group needs and does not have yet, filled
 * with their initial value. Leaves the group unchanged on failure. */
static int rt_group_alloc_state(lrs_optim *opt, lrs_rt_group *g)
{
    float *fresh[LRS_RT_MAX_STATE] = {NULL};
    for (int s = 0; s < LRS_RT_MAX_STATE; s++) {
        if (g->state[s] || !lrs_rt_state_needed(opt->kind, g, s)) continue;
        fresh[s] = lrs_rt_alloc(g->n);
        if (!fresh[s]) {
            for (int j = 0; j < s; j++)
                lrs_rt_dealloc(fresh[j]);
            return lrs_rt_fail(opt, LRS_OPTIM_ENOMEM, "out of memory for %zu-element state", g->n);
        }
        lrs_rt_state_fill(opt->kind, &g->hp, s, fresh[s], g->n);
    }
    for (int s = 0; s < LRS_RT_MAX_STATE; s++)
        if (fresh[s]) g->state[s] = fresh[s];
    return LRS_OPTIM_OK;
}

static size_t rt_chunks(size_t n)
{
    return (n + LRS_RT_CHUNK - 1) / LRS_RT_CHUNK;
}
/* Length of chunk c of an n-element buffer (only the last one is short). */
static size_t rt_chunk_len(size_t n, size_t c)
{
    return n - c * LRS_RT_CHUNK < LRS_RT_CHUNK ? n - c * LRS_RT_CHUNK : LRS_RT_CHUNK;
}

/* A new group over the caller's buffers: float32 gradients in grads, or
 * 16-bit ones of format dtype in grads16 with the 16-bit copy params16. */
static int rt_add_group(lrs_optim *opt, float *params, float *grads, int dtype, uint16_t *params16,
                        uint16_t *grads16, size_t n, const lrs_optim_hparams *hp)
{
    if (opt->ngroups >= (size_t)INT32_MAX)
        return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "too many groups");
    int rc = lrs_rt_check_hparams(opt, hp);
    if (rc) return rc;
    if (opt->ngroups == opt->cap) {
        size_t cap = opt->cap ? 2 * opt->cap : 4;
        lrs_rt_group *gs = realloc(opt->groups, cap * sizeof *gs);
        if (!gs) return lrs_rt_fail(opt, LRS_OPTIM_ENOMEM, "out of memory");
        opt->groups = gs;
        opt->cap = cap;
    }
    size_t np = opt->npartial + rt_chunks(n);
    double *partial = realloc(opt->partial, np * sizeof *partial);
    if (!partial) return lrs_rt_fail(opt, LRS_OPTIM_ENOMEM, "out of memory");
    opt->partial = partial;

    lrs_rt_group *g = &opt->groups[opt->ngroups];
    memset(g, 0, sizeof *g);
    g->params = params;
    g->grads = grads;
    g->params16 = params16;
    g->grads16 = grads16;
    g->dtype = dtype;
    g->n = n;
    g->hp = *hp;
    lrs_rt_reset_cur(g);
    rc = rt_group_alloc_state(opt, g);
    if (rc) return rc;
    opt->npartial = np;
    opt->grads_state = LRS_RT_GRADS_UNKNOWN;
    return (int)opt->ngroups++;
}

int lrs_optim_add_group(lrs_optim *opt, float *params, float *grads, size_t n,
                        const lrs_optim_hparams *hp)
{
    LRS_RT_CHECK(opt);
    if (!params || !grads || !hp || n == 0)
        return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "a group needs params, grads, n > 0 and hparams");
    return rt_add_group(opt, params, grads, LRS_RT_F32, NULL, NULL, n, hp);
}

static const char *rt_dtype_name(int dtype)
{
    return dtype == LRS_RT_BF16 ? "bfloat16" : dtype == LRS_RT_F16 ? "float16" : "float32";
}

int lrs_optim_add_group16(lrs_optim *opt, lrs_optim_dtype dtype, float *master, uint16_t *params16,
                          uint16_t *grads16, size_t n, const lrs_optim_hparams *hp)
{
    LRS_RT_CHECK(opt);
    if (dtype != LRS_OPTIM_BFLOAT16 && dtype != LRS_OPTIM_FLOAT16)
        return lrs_rt_fail(
            opt, LRS_OPTIM_EINVAL,
            "16-bit format %d is not LRS_OPTIM_BFLOAT16 (1) or LRS_OPTIM_FLOAT16 (2)", (int)dtype);
    if (!master || !params16 || !grads16 || !hp || n == 0)
        return lrs_rt_fail(opt, LRS_OPTIM_EINVAL,
                           "a %s group needs master weights, params16, grads16, n > 0 "
                           "and hparams",
                           rt_dtype_name((int)dtype));
    return rt_add_group(opt, master, NULL, (int)dtype, params16, grads16, n, hp);
}

/* Group `group` if it exists and is a 16-bit group (half) or a float32 one. */
static lrs_rt_group *rt_group_of(lrs_optim *opt, int group, int half)
{
    if (group < 0 || (size_t)group >= opt->ngroups) {
        lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "bad group %d", group);
        return NULL;
    }
    lrs_rt_group *g = &opt->groups[group];
    if ((g->dtype != LRS_RT_F32) != half) {
        lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "group %d is a %s group: use lrs_optim_set_buffers%s",
                    group, rt_dtype_name(g->dtype), half ? "" : "16");
        return NULL;
    }
    return g;
}

int lrs_optim_set_buffers(lrs_optim *opt, int group, float *params, float *grads)
{
    LRS_RT_CHECK(opt);
    if (!params || !grads) return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "NULL buffer");
    lrs_rt_group *g = rt_group_of(opt, group, 0);
    if (!g) return LRS_OPTIM_EINVAL;
    g->params = params;
    g->grads = grads;
    opt->grads_state = LRS_RT_GRADS_UNKNOWN;
    return LRS_OPTIM_OK;
}

int lrs_optim_set_buffers16(lrs_optim *opt, int group, float *master, uint16_t *params16,
                            uint16_t *grads16)
{
    LRS_RT_CHECK(opt);
    if (!master || !params16 || !grads16) return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "NULL buffer");
    lrs_rt_group *g = rt_group_of(opt, group, 1);
    if (!g) return LRS_OPTIM_EINVAL;
    g->params = master;
    g->params16 = params16;
    g->grads16 = grads16;
    opt->grads_state = LRS_RT_GRADS_UNKNOWN;
    return LRS_OPTIM_OK;
}

size_t lrs_optim_group_count(const lrs_optim *opt)
{
    if (!lrs_rt_valid(opt)) return 0;
    return opt->ngroups;
}

static int rt_hparam_index(const lrs_optim *opt, const char *name)
{
    for (int h = 0; name && h < LRS_RT_NH; h++)
        if (strcmp(name, lrs_rt_hparams[h].name) == 0)
            return (lrs_rt_kinds[opt->kind].hparams >> h & 1u) ? h : -1;
    return -1;
}

/* The hyperparameter `name` of the groups `group` selects (-1: all) as
 * [*lo, *hi); its index, or a negative status with the error recorded. */
static int rt_bind_target(lrs_optim *opt, int group, const char *name, size_t *lo, size_t *hi)
{
    int h = rt_hparam_index(opt, name);
    if (h < 0)
        return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "%s has no schedulable hyperparameter '%s'",
                           lrs_rt_kinds[opt->kind].name, name ? name : "(null)");
    if (group < -1 || group >= (int)opt->ngroups)
        return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "no group %d (there are %zu)", group,
                           opt->ngroups);
    *lo = group < 0 ? 0 : (size_t)group;
    *hi = group < 0 ? opt->ngroups : (size_t)group + 1;
    return h;
}

static int rt_bind(lrs_optim *opt, int group, const char *name, lrs_rt_binding b)
{
    size_t lo, hi;
    int h = rt_bind_target(opt, group, name, &lo, &hi);
    if (h < 0) return h;
    if (!isfinite(b.scale) || !(b.scale >= 0))
        return lrs_rt_fail(opt, LRS_OPTIM_EINVAL,
                           "schedule scale for '%s' must be finite and >= 0, got %g", name,
                           b.scale);
    /* A momentum schedule may need the buffer a zero constant did not.
     * Allocate first, bind after, so that running out of memory leaves
     * every binding as it was (an extra zeroed buffer is harmless). */
    for (size_t i = lo; i < hi; i++) {
        lrs_rt_group probe = opt->groups[i];
        probe.bind[h] = b;
        int rc = rt_group_alloc_state(opt, &probe);
        if (rc) return rc;
        memcpy(opt->groups[i].state, probe.state, sizeof probe.state);
    }
    for (size_t i = lo; i < hi; i++)
        opt->groups[i].bind[h] = b;
    return LRS_OPTIM_OK;
}

int lrs_optim_bind(lrs_optim *opt, int group, const char *name, lrs_fn fn, double scale)
{
    LRS_RT_CHECK(opt);
    lrs_rt_binding b = {.fn = fn, .scale = scale};
    return rt_bind(opt, group, name, b);
}

int lrs_optim_bind_callback(lrs_optim *opt, int group, const char *name,
                            double (*cb)(void *user, int64_t step), void *user, double scale)
{
    LRS_RT_CHECK(opt);
    lrs_rt_binding b = {.cb = cb, .user = user, .scale = scale};
    return rt_bind(opt, group, name, b);
}

int lrs_optim_track_signals(lrs_optim *opt, lrs_signals *sig)
{
    LRS_RT_CHECK(opt);
    if (!sig) {
        opt->nsignals = 0;
        return LRS_OPTIM_OK;
    }
    for (size_t i = 0; i < opt->nsignals; i++)
        if (opt->signals[i] == sig) return LRS_OPTIM_OK;
    if (opt->nsignals == LRS_RT_MAX_SIGNALS)
        return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "more than %d signal states", LRS_RT_MAX_SIGNALS);
    opt->signals[opt->nsignals++] = sig;
    return LRS_OPTIM_OK;
}

int lrs_optim_bind_reactive(lrs_optim *opt, int group, const char *name, lrs_reactive_fn fn,
                            lrs_signals *sig, double scale)
{
    LRS_RT_CHECK(opt);
    if (fn && !sig)
        return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "a reactive schedule needs its signals");
    lrs_rt_binding b = {.rfn = fn, .sig = sig, .scale = scale};
    int rc = rt_bind(opt, group, name, b);
    return rc || !fn ? rc : lrs_optim_track_signals(opt, sig);
}

int lrs_optim_bind_id(lrs_optim *opt, int group, const char *name, const char *id)
{
    LRS_RT_CHECK(opt);
    size_t lo, hi;
    int h = rt_bind_target(opt, group, name, &lo, &hi);
    if (h < 0) return h;
    const size_t len = id ? strlen(id) : 0;
    if (len > LRS_RT_ID_MAX)
        return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "schedule identity '%s' is longer than %d bytes",
                           id, LRS_RT_ID_MAX);
    for (size_t i = lo; i < hi; i++)
        if (!LRS_RT_BOUND(opt->groups[i].bind[h]))
            return lrs_rt_fail(opt, LRS_OPTIM_EINVAL,
                               "'%s' of group %zu is not bound: bind it before naming its schedule",
                               name, i);
    for (size_t i = lo; i < hi; i++) {
        memset(opt->groups[i].bind[h].id, 0, LRS_RT_ID_MAX);
        if (len) memcpy(opt->groups[i].bind[h].id, id, len);
    }
    return LRS_OPTIM_OK;
}

int lrs_optim_hparam(const lrs_optim *opt, int group, const char *name, double *out)
{
    LRS_RT_CHECK(opt);
    int h = rt_hparam_index(opt, name);
    if (h < 0 || group < 0 || (size_t)group >= opt->ngroups || !out) return LRS_OPTIM_EINVAL;
    *out = opt->groups[group].cur[h];
    return LRS_OPTIM_OK;
}

int64_t lrs_optim_step_count(const lrs_optim *opt)
{
    if (!lrs_rt_valid(opt)) return -1;
    return opt->step;
}

int lrs_optim_set_threads(lrs_optim *opt, int threads)
{
    LRS_RT_CHECK(opt);
    if (threads < 0) return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "negative thread count");
    opt->threads = threads;
    return LRS_OPTIM_OK;
}

const char *lrs_optim_simd(const lrs_optim *opt)
{
    if (!lrs_rt_valid(opt)) return NULL;
    return opt->k->name;
}

int lrs_optim_set_simd(lrs_optim *opt, const char *name)
{
    LRS_RT_CHECK(opt);
    const lrs_rt_kernels *k = lrs_rt_simd_by_name(name);
    if (!k)
        return lrs_rt_fail(opt, LRS_OPTIM_EUNSUPPORTED, "SIMD path '%s' is not available here",
                           name ? name : "(null)");
    opt->k = k;
    return LRS_OPTIM_OK;
}

int lrs_optim_set_skip_nonfinite(lrs_optim *opt, int on)
{
    LRS_RT_CHECK(opt);
    opt->skip_nonfinite = on != 0;
    return LRS_OPTIM_OK;
}

/* Threads for an n-element loop: one below LRS_RT_PAR_MIN, never more than chunks. */
static int rt_threads(const lrs_optim *opt, size_t n)
{
    if (n < LRS_RT_PAR_MIN) return 1;
#ifdef _OPENMP
    int nt = opt->threads > 0 ? opt->threads : omp_get_max_threads();
#else
    int nt = 1;
#endif
    size_t nch = rt_chunks(n);
    return (size_t)nt > nch ? (int)nch : nt;
}

/* Run `fn` over a float32 group's buffers (`fn16` over a 16-bit group's),
 * one chunk at a time, across threads. */
static void rt_run(const lrs_optim *opt, const lrs_rt_group *g, lrs_rt_update_fn fn,
                   lrs_rt_update16_fn fn16, const lrs_rt_hp *h)
{
    const size_t n = g->n, nch = rt_chunks(n);
    const int nt = rt_threads(opt, n);
    float *const *st = g->state;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
    for (size_t c = 0; c < nch; c++) {
        const size_t lo = c * LRS_RT_CHUNK, len = rt_chunk_len(n, c);
        float *s0 = st[0] ? st[0] + lo : NULL, *s1 = st[1] ? st[1] + lo : NULL,
              *s2 = st[2] ? st[2] + lo : NULL;
        if (g->dtype != LRS_RT_F32)
            fn16(h, g->params + lo, g->grads16 + lo, s0, s1, s2, g->params16 + lo, len);
        else
            fn(h, g->params + lo, g->grads + lo, s0, s1, s2, len);
    }
}

/* The kernel block for one group's step from its hyperparameter values in
 * double: every derived scalar is computed in double, as Python does, and
 * rounded to float once, as torch does when it passes it to a tensor op. */
static lrs_rt_hp rt_make_hp(lrs_optim_kind kind, const lrs_rt_group *g, const double *v)
{
    const double lr = v[LRS_RT_H_LR], wd = v[LRS_RT_H_WD];
    lrs_rt_hp h = {.neg_lr = (float)-lr,
                   .wd = (float)wd,
                   .decay = (float)(1.0 - lr * wd),
                   .eps = (float)g->hp.eps,
                   .flags = g->hp.maximize ? LRS_RT_MAXIMIZE : 0};
    lrs_rt_kinds[kind].prepare(&h, g, v);
    return h;
}

/* Evaluate every bound hyperparameter for step opt->step into vals
 * (ngroups x LRS_RT_NH), calling each distinct schedule once. */
static int rt_eval_schedules(lrs_optim *opt, double *vals)
{
    enum { CACHE = 16 };
    lrs_rt_binding seen[CACHE];
    double seen_v[CACHE];
    int nseen = 0;
    for (size_t i = 0; i < opt->ngroups; i++) {
        const lrs_rt_group *g = &opt->groups[i];
        for (int h = 0; h < LRS_RT_NH; h++) {
            const lrs_rt_binding *b = &g->bind[h];
            double *out = &vals[i * LRS_RT_NH + (size_t)h];
            if (!LRS_RT_BOUND(*b)) {
                *out = rt_constant(&g->hp, h);
                continue;
            }
            int j = 0;
            while (j < nseen &&
                   !(seen[j].fn == b->fn && seen[j].cb == b->cb && seen[j].user == b->user &&
                     seen[j].rfn == b->rfn && seen[j].sig == b->sig))
                j++;
            double s;
            if (j < nseen) {
                s = seen_v[j];
            } else {
                s = b->fn    ? b->fn(opt->step)
                    : b->rfn ? b->rfn(opt->step, lrs_signals_values(b->sig))
                             : b->cb(b->user, opt->step);
                if (nseen < CACHE) {
                    seen[nseen] = *b;
                    seen_v[nseen++] = s;
                }
            }
            *out = b->scale * s;
            /* The ranges constants are held to (lrs_rt_hparams), every step. */
            const lrs_rt_hparam_info *in = &lrs_rt_hparams[h];
            if (!isfinite(*out) || !(*out >= in->lo) || !(*out < in->hi)) {
                char hi[48] = "";
                if (isfinite(in->hi)) snprintf(hi, sizeof hi, " and < %g", in->hi);
                return lrs_rt_fail(opt, LRS_OPTIM_ESCHEDULE,
                                   "schedule for '%s' of group %zu gave %g at step %lld "
                                   "(%s must be finite and >= %g%s); nothing was changed",
                                   in->name, i, *out, (long long)opt->step, in->name, in->lo, hi);
            }
        }
    }
    return LRS_OPTIM_OK;
}

static int rt_grads_finite(lrs_optim *opt);

int lrs_optim_step(lrs_optim *opt)
{
    LRS_RT_CHECK(opt);
    if (opt->skip_nonfinite) {
        if (opt->grads_state == LRS_RT_GRADS_UNKNOWN) rt_grads_finite(opt);
        if (opt->grads_state == LRS_RT_GRADS_NONFINITE) return LRS_OPTIM_SKIPPED;
    }
    double stackv[8 * LRS_RT_NH];
    double *vals = opt->ngroups <= 8 ? stackv : malloc(opt->ngroups * sizeof(double) * LRS_RT_NH);
    if (!vals) return lrs_rt_fail(opt, LRS_OPTIM_ENOMEM, "out of memory");
    int rc = rt_eval_schedules(opt, vals);
    if (rc == LRS_OPTIM_OK) {
        for (size_t i = 0; i < opt->ngroups; i++) {
            lrs_rt_group *g = &opt->groups[i];
            const double *v = &vals[i * LRS_RT_NH];
            lrs_rt_hp h = rt_make_hp(opt->kind, g, v);
            const int kern = lrs_rt_kinds[opt->kind].kernel;
            rt_run(opt, g, opt->k->update[kern],
                   g->dtype != LRS_RT_F32 ? opt->k->update16[g->dtype - 1][kern] : NULL, &h);
            memcpy(g->cur, v, sizeof g->cur);
            g->t++;
            if (h.flags & LRS_RT_MOMENTUM) g->momentum_init = 1;
        }
        opt->step++;
        opt->grads_state = LRS_RT_GRADS_UNKNOWN;
    }
    if (vals != stackv) free(vals);
    return rc;
}

/* Used by the benchmarks: the roofline kernel over every float32 group's streams. */
void lrs_rt_roofline_step(lrs_optim *opt)
{
    lrs_rt_hp h = {0};
    for (size_t i = 0; i < opt->ngroups; i++)
        if (opt->groups[i].dtype == LRS_RT_F32)
            rt_run(opt, &opt->groups[i], opt->k->roofline, NULL, &h);
}

/* ---- gradient utilities ---- */

static int rt_grads_finite(lrs_optim *opt)
{
    int ok = 1;
    for (size_t i = 0; i < opt->ngroups && ok; i++) {
        const lrs_rt_group *g = &opt->groups[i];
        const size_t n = g->n, nch = rt_chunks(n);
        const int nt = rt_threads(opt, n);
        int bad = 0;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1) reduction(| : bad)
        for (size_t c = 0; c < nch; c++) {
            const size_t lo = c * LRS_RT_CHUNK, len = rt_chunk_len(n, c);
            bad |= g->dtype != LRS_RT_F32 ? !opt->k->finite16[g->dtype - 1](g->grads16 + lo, len)
                                          : !opt->k->finite(g->grads + lo, len);
        }
        ok = !bad;
    }
    opt->grads_state = ok ? LRS_RT_GRADS_FINITE : LRS_RT_GRADS_NONFINITE;
    return ok;
}

int lrs_optim_grads_finite(lrs_optim *opt)
{
    LRS_RT_CHECK(opt);
    return rt_grads_finite(opt);
}

/* g *= s over every group; returns non-zero if any result is not finite. */
static int rt_scale_all(lrs_optim *opt, float s)
{
    int bad = 0;
    for (size_t i = 0; i < opt->ngroups; i++) {
        const lrs_rt_group *g = &opt->groups[i];
        const size_t n = g->n, nch = rt_chunks(n);
        const int nt = rt_threads(opt, n);
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1) reduction(| : bad)
        for (size_t c = 0; c < nch; c++) {
            const size_t lo = c * LRS_RT_CHUNK, len = rt_chunk_len(n, c);
            bad |= g->dtype != LRS_RT_F32 ? opt->k->scale16[g->dtype - 1](g->grads16 + lo, len, s)
                                          : opt->k->scale(g->grads + lo, len, s);
        }
    }
    return bad;
}

int lrs_optim_unscale_grads(lrs_optim *opt, double inv_scale, int *found_nonfinite)
{
    LRS_RT_CHECK(opt);
    if (!isfinite(inv_scale))
        return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "inv_scale must be finite, got %g", inv_scale);
    int bad = rt_scale_all(opt, (float)inv_scale);
    opt->grads_state = bad ? LRS_RT_GRADS_NONFINITE : LRS_RT_GRADS_FINITE;
    if (found_nonfinite) *found_nonfinite = bad;
    return LRS_OPTIM_OK;
}

int lrs_optim_clip_grad_norm(lrs_optim *opt, double max_norm, double *total_norm)
{
    LRS_RT_CHECK(opt);
    if (!(max_norm >= 0) || !isfinite(max_norm))
        return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "max_norm must be finite and >= 0, got %g",
                           max_norm);
    /* One partial sum per chunk, in a fixed slot, then the slots in order:
     * the association never depends on which thread ran which chunk. */
    size_t base = 0;
    for (size_t i = 0; i < opt->ngroups; i++) {
        const lrs_rt_group *g = &opt->groups[i];
        const size_t n = g->n, nch = rt_chunks(n);
        const int nt = rt_threads(opt, n);
        double *part = opt->partial + base;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
        for (size_t c = 0; c < nch; c++) {
            const size_t lo = c * LRS_RT_CHUNK, len = rt_chunk_len(n, c);
            part[c] = g->dtype != LRS_RT_F32 ? opt->k->sumsq16[g->dtype - 1](g->grads16 + lo, len)
                                             : opt->k->sumsq(g->grads + lo, len);
        }
        base += nch;
    }
    double sum = 0;
    for (size_t c = 0; c < base; c++)
        sum += opt->partial[c];
    const double norm = sqrt(sum);
    if (total_norm) *total_norm = norm;
    if (!isfinite(norm)) {
        opt->grads_state = LRS_RT_GRADS_NONFINITE;
        return LRS_OPTIM_OK;
    }
    const double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0) rt_scale_all(opt, (float)coef);
    opt->grads_state = LRS_RT_GRADS_FINITE;
    return LRS_OPTIM_OK;
}

int lrs_optim_zero_grad(lrs_optim *opt)
{
    LRS_RT_CHECK(opt);
    for (size_t i = 0; i < opt->ngroups; i++) {
        const lrs_rt_group *g = &opt->groups[i];
        const size_t n = g->n, nch = rt_chunks(n);
        const int nt = rt_threads(opt, n);
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
        for (size_t c = 0; c < nch; c++) {
            const size_t lo = c * LRS_RT_CHUNK, len = rt_chunk_len(n, c);
            if (g->dtype != LRS_RT_F32)
                memset(g->grads16 + lo, 0, len * sizeof *g->grads16);
            else
                memset(g->grads + lo, 0, len * sizeof *g->grads);
        }
    }
    /* The caller is about to write new gradients. */
    opt->grads_state = LRS_RT_GRADS_UNKNOWN;
    return LRS_OPTIM_OK;
}

const float *lrs_optim_state(const lrs_optim *opt, int group, const char *name)
{
    if (!lrs_rt_valid(opt)) return NULL;
    if (group < 0 || (size_t)group >= opt->ngroups || !name) return NULL;
    for (int s = 0; s < LRS_RT_MAX_STATE; s++) {
        const char *sn = lrs_rt_kinds[opt->kind].state[s];
        if (sn && strcmp(sn, name) == 0 && opt->groups[group].state[s])
            return opt->groups[group].state[s];
    }
    return NULL;
}

float *lrs_optim_state_data(lrs_optim *opt, int group, const char *name)
{
    return (float *)lrs_optim_state(opt, group, name);
}

static int rt_check_group(lrs_optim *opt, int group)
{
    if (group < 0 || (size_t)group >= opt->ngroups)
        return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "no group %d (there are %zu)", group,
                           opt->ngroups);
    return LRS_OPTIM_OK;
}

int lrs_optim_set_hparams(lrs_optim *opt, int group, const lrs_optim_hparams *hp)
{
    LRS_RT_CHECK(opt);
    int rc = rt_check_group(opt, group);
    if (rc) return rc;
    if (!hp) return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "NULL hyperparameters");
    rc = lrs_rt_check_hparams(opt, hp);
    if (rc) return rc;
    /* As in rt_bind: allocate what the new values need first. */
    lrs_rt_group probe = opt->groups[group];
    probe.hp = *hp;
    rc = rt_group_alloc_state(opt, &probe);
    if (rc) return rc;
    lrs_rt_group *g = &opt->groups[group];
    memcpy(g->state, probe.state, sizeof probe.state);
    g->hp = *hp;
    for (int h = 0; h < LRS_RT_NH; h++)
        if (!LRS_RT_BOUND(g->bind[h])) g->cur[h] = rt_constant(&g->hp, h);
    return LRS_OPTIM_OK;
}

int64_t lrs_optim_group_steps(const lrs_optim *opt, int group)
{
    if (!lrs_rt_valid(opt)) return -1;
    if (group < 0 || (size_t)group >= opt->ngroups) return -1;
    return opt->groups[group].t;
}

int lrs_optim_set_group_steps(lrs_optim *opt, int group, int64_t steps)
{
    LRS_RT_CHECK(opt);
    int rc = rt_check_group(opt, group);
    if (rc) return rc;
    if (steps < 0)
        return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "negative step count %lld", (long long)steps);
    opt->groups[group].t = steps;
    opt->groups[group].momentum_init = steps > 0 && opt->groups[group].state[0] != NULL;
    return LRS_OPTIM_OK;
}

int lrs_optim_set_step_count(lrs_optim *opt, int64_t steps)
{
    LRS_RT_CHECK(opt);
    if (steps < 0)
        return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "negative step count %lld", (long long)steps);
    opt->step = steps;
    return LRS_OPTIM_OK;
}
