/* lrs_signals.c — the host state of signals: the one implementation of the
 * detectors (plateaus, last, reports, best) and of the plateau rules of
 * PyTorch 1.13, Keras and scikit-learn, and its serialisation. Nothing of
 * the compiler or of LLVM: the deployment library takes this file alone.
 *
 * The plateau rules, per report `a` (better/best as each library has it):
 *   torch   (torch/optim/lr_scheduler.py, ReduceLROnPlateau.step, 1.13):
 *           better(a, best) ? best = a, bad = 0 : bad++;
 *           if cooldown_left: cooldown_left--, bad = 0;
 *           if bad > patience: plateau, cooldown_left = cooldown, bad = 0.
 *           better: min/rel a < best*(1-t), min/abs a < best-t, max/rel
 *           a > best*(1+t), max/abs a > best+t; best starts at +-inf, and a
 *           NaN is never better.
 *   keras   (keras/src/callbacks/reduce_lr_on_plateau.py, on_epoch_end):
 *           if cooldown_left: cooldown_left--, bad = 0;
 *           if better(a, best): best = a, bad = 0;
 *           else if !cooldown_left: bad++, and if bad >= patience: plateau,
 *           cooldown_left = cooldown, bad = 0.
 *   sklearn (sklearn/neural_network/_multilayer_perceptron.py,
 *           _update_no_improvement_count and _fit_stochastic, 1.2):
 *           a > best - t ? bad++ : bad = 0 (max: a < best + t);
 *           if a < best: best = a (max: a > best);
 *           if bad > patience: plateau, bad = 0. No cooldown. */
#include "lrs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct det_state {
    double value; /* what the schedules read */
    double best;  /* the plateau rule's best */
    int64_t bad, cooldown_left;
} det_state;

struct lrs_signals {
    size_t nsig, ndet;
    char **names;
    lrs_detector *det;
    int64_t *last_step; /* per signal; -1 before the first report */
    uint32_t *first;    /* per signal: its detectors are order[first[s] .. first[s+1]) */
    uint32_t *order;
    det_state *st;
    double *values;
    uint64_t digest; /* of the signals and detectors, for load */
    char err[256];
};

/* ---- rules ----------------------------------------------------------------- */

static double start_best(const lrs_detector *d)
{
    return d->mode_max ? -INFINITY : INFINITY;
}

static int torch_better(const lrs_detector *d, double a, double best)
{
    double t = d->threshold;
    if (d->mode_max) return d->threshold_abs ? a > best + t : a > best * (t + 1);
    return d->threshold_abs ? a < best - t : a < best * (1 - t);
}

static void plateau_step(const lrs_detector *d, det_state *s, double a)
{
    int event = 0;
    switch (d->rule) {
    case LRS_RULE_KERAS:
        if (s->cooldown_left > 0) {
            s->cooldown_left--;
            s->bad = 0;
        }
        if (torch_better(d, a, s->best)) {
            s->best = a;
            s->bad = 0;
        } else if (s->cooldown_left == 0 && ++s->bad >= d->patience) {
            event = 1;
        }
        break;
    case LRS_RULE_SKLEARN: {
        int worse = d->mode_max ? a < s->best + d->threshold : a > s->best - d->threshold;
        s->bad = worse ? s->bad + 1 : 0;
        if (d->mode_max ? a > s->best : a < s->best) s->best = a;
        event = s->bad > d->patience;
        break;
    }
    default:
        if (torch_better(d, a, s->best)) {
            s->best = a;
            s->bad = 0;
        } else {
            s->bad++;
        }
        if (s->cooldown_left > 0) {
            s->cooldown_left--;
            s->bad = 0;
        }
        event = s->bad > d->patience;
        break;
    }
    if (event) {
        s->value += 1;
        s->cooldown_left = d->cooldown;
        s->bad = 0;
    }
}

static void detector_step(const lrs_detector *d, det_state *s, double a)
{
    switch (d->kind) {
    case LRS_DETECT_PLATEAUS:
        plateau_step(d, s, a);
        break;
    case LRS_DETECT_LAST:
        if (a == a) s->value = a;
        break;
    case LRS_DETECT_REPORTS:
        s->value += 1;
        break;
    case LRS_DETECT_BEST:
        if (a == a && (d->mode_max ? a > s->best : a < s->best)) s->best = s->value = a;
        break;
    }
}

static void detector_init(const lrs_detector *d, det_state *s)
{
    s->best = start_best(d);
    s->bad = s->cooldown_left = 0;
    s->value = d->kind == LRS_DETECT_LAST || d->kind == LRS_DETECT_BEST ? d->initial : 0;
}

/* ---- the object ---------------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

void lrs_signals_free(lrs_signals *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nsig; i++)
        free(s->names[i]);
    free(s->names);
    free(s->det);
    free(s->last_step);
    free(s->first);
    free(s->order);
    free(s->st);
    free(s->values);
    free(s);
}

void lrs_signals_reset(lrs_signals *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nsig; i++)
        s->last_step[i] = -1;
    for (size_t k = 0; k < s->ndet; k++) {
        detector_init(&s->det[k], &s->st[k]);
        s->values[k] = s->st[k].value;
    }
    s->err[0] = 0;
}

static int valid_detector(const lrs_detector *d, size_t nsig)
{
    return d->kind <= LRS_DETECT_BEST && d->signal < nsig && d->rule <= LRS_RULE_SKLEARN &&
           d->patience >= 0 && d->cooldown >= 0 && isfinite(d->threshold) && isfinite(d->initial);
}

lrs_signals *lrs_signals_new(const char *const *names, size_t nsig, const lrs_detector *det,
                             size_t ndet)
{
    if ((nsig && !names) || (ndet && !det) || nsig > UINT32_MAX || ndet > UINT32_MAX) return NULL;
    for (size_t k = 0; k < ndet; k++)
        if (!valid_detector(&det[k], nsig)) return NULL;
    lrs_signals *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->nsig = nsig;
    s->ndet = ndet;
    s->names = calloc(nsig + 1, sizeof *s->names);
    s->det = malloc((ndet + 1) * sizeof *s->det);
    s->last_step = malloc((nsig + 1) * sizeof *s->last_step);
    s->first = calloc(nsig + 2, sizeof *s->first);
    s->order = malloc((ndet + 1) * sizeof *s->order);
    s->st = malloc((ndet + 1) * sizeof *s->st);
    s->values = malloc((ndet + 1) * sizeof *s->values);
    if (!s->names || !s->det || !s->last_step || !s->first || !s->order || !s->st || !s->values)
        goto fail;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < nsig; i++) {
        if (!names[i]) goto fail;
        size_t n = strlen(names[i]) + 1;
        if (!(s->names[i] = malloc(n))) goto fail;
        memcpy(s->names[i], names[i], n);
        h = fnv(h, names[i], n);
    }
    if (ndet) memcpy(s->det, det, ndet * sizeof *det);
    for (size_t k = 0; k < ndet; k++) {
        const lrs_detector *d = &det[k];
        uint64_t f[6] = {d->kind, d->signal, d->rule, d->mode_max, d->threshold_abs, 0};
        h = fnv(h, f, sizeof f);
        h = fnv(h, &d->patience, sizeof d->patience);
        h = fnv(h, &d->cooldown, sizeof d->cooldown);
        h = fnv(h, &d->threshold, sizeof d->threshold);
        h = fnv(h, &d->initial, sizeof d->initial);
    }
    s->digest = h;
    /* Detectors grouped by signal, so a report visits only its own. */
    for (size_t k = 0; k < ndet; k++)
        s->first[det[k].signal + 1]++;
    for (size_t i = 0; i < nsig; i++)
        s->first[i + 1] += s->first[i];
    size_t j = 0;
    for (size_t i = 0; i < nsig; i++)
        for (size_t k = 0; k < ndet; k++)
            if (det[k].signal == i) s->order[j++] = (uint32_t)k;
    lrs_signals_reset(s);
    return s;
fail:
    lrs_signals_free(s);
    return NULL;
}

int lrs_signals_find(const lrs_signals *s, const char *name)
{
    for (size_t i = 0; s && name && i < s->nsig; i++)
        if (!strcmp(s->names[i], name)) return (int)i;
    return -1;
}

const char *lrs_signals_error(const lrs_signals *s)
{
    return s ? s->err : "no signal state";
}

const double *lrs_signals_values(const lrs_signals *s)
{
    return s ? s->values : NULL;
}

size_t lrs_signals_detector_count(const lrs_signals *s)
{
    return s ? s->ndet : 0;
}

int64_t lrs_signals_last_step(const lrs_signals *s, size_t sig)
{
    return s && sig < s->nsig ? s->last_step[sig] : -1;
}

int lrs_signals_report(lrs_signals *s, size_t sig, int64_t step, double value)
{
    if (!s) return LRS_SIGNALS_EINVAL;
    if (sig >= s->nsig) {
        snprintf(s->err, sizeof s->err, "no signal %zu (the program has %zu)", sig, s->nsig);
        return LRS_SIGNALS_EINVAL;
    }
    if (step < s->last_step[sig]) {
        snprintf(s->err, sizeof s->err,
                 "signal '%s': a report at step %lld comes after one at step %lld; reports "
                 "must come in step order",
                 s->names[sig], (long long)step, (long long)s->last_step[sig]);
        return LRS_SIGNALS_EORDER;
    }
    if (value == INFINITY || value == -INFINITY) {
        snprintf(s->err, sizeof s->err,
                 "signal '%s': the value reported at step %lld is infinite; report a finite "
                 "value (or NaN, which counts as not better)",
                 s->names[sig], (long long)step);
        return LRS_SIGNALS_ENONFINITE;
    }
    s->last_step[sig] = step < 0 ? 0 : step;
    for (uint32_t j = s->first[sig]; j < s->first[sig + 1]; j++) {
        uint32_t k = s->order[j];
        detector_step(&s->det[k], &s->st[k], value);
        s->values[k] = s->st[k].value;
    }
    s->err[0] = 0;
    return value == value ? LRS_SIGNALS_OK : LRS_SIGNALS_NAN;
}

int lrs_signals_report_name(lrs_signals *s, const char *name, int64_t step, double value)
{
    int i = lrs_signals_find(s, name);
    if (i < 0) {
        if (s) snprintf(s->err, sizeof s->err, "no signal '%s'", name ? name : "(null)");
        return LRS_SIGNALS_EINVAL;
    }
    return lrs_signals_report(s, (size_t)i, step, value);
}

/* ---- serialisation ------------------------------------------------------------
 * "LRSS", version 1 (32 bits), the digest of the signals and detectors, the counts,
 * then per signal its last step and per detector value, best, bad and
 * cooldown, all little-endian, then an FNV-1a checksum of what precedes. */

enum { STATE_VERSION = 1, HEAD = 32, PER_SIG = 8, PER_DET = 32, TAIL = 8 };

size_t lrs_signals_state_size(const lrs_signals *s)
{
    return s ? HEAD + s->nsig * PER_SIG + s->ndet * PER_DET + TAIL : 0;
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double bitsd(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

size_t lrs_signals_save(const lrs_signals *s, void *buf, size_t cap)
{
    size_t n = lrs_signals_state_size(s);
    if (!s || !buf || cap < n) return 0;
    unsigned char *p = buf;
    memcpy(p, "LRSS", 4);
    put32(p + 4, STATE_VERSION);
    put64(p + 8, s->digest);
    put64(p + 16, s->nsig);
    put64(p + 24, s->ndet);
    unsigned char *q = p + HEAD;
    for (size_t i = 0; i < s->nsig; i++, q += PER_SIG)
        put64(q, (uint64_t)s->last_step[i]);
    for (size_t k = 0; k < s->ndet; k++, q += PER_DET) {
        put64(q, dbits(s->st[k].value));
        put64(q + 8, dbits(s->st[k].best));
        put64(q + 16, (uint64_t)s->st[k].bad);
        put64(q + 24, (uint64_t)s->st[k].cooldown_left);
    }
    put64(q, fnv(1469598103934665603ull, p, (size_t)(q - p)));
    return n;
}

int lrs_signals_load(lrs_signals *s, const void *buf, size_t len)
{
    int rc = lrs_signals_verify(s, buf, len);
    if (rc) return rc;
    const unsigned char *q = (const unsigned char *)buf + HEAD;
    for (size_t i = 0; i < s->nsig; i++, q += PER_SIG)
        s->last_step[i] = (int64_t)get64(q);
    for (size_t k = 0; k < s->ndet; k++, q += PER_DET) {
        s->st[k].value = s->values[k] = bitsd(get64(q));
        s->st[k].best = bitsd(get64(q + 8));
        s->st[k].bad = (int64_t)get64(q + 16);
        s->st[k].cooldown_left = (int64_t)get64(q + 24);
    }
    s->err[0] = 0;
    return LRS_SIGNALS_OK;
}

int lrs_signals_verify(lrs_signals *s, const void *buf, size_t len)
{
    if (!s || !buf) return LRS_SIGNALS_EINVAL;
    const unsigned char *p = buf;
    size_t n = lrs_signals_state_size(s);
    if (len < HEAD + TAIL || memcmp(p, "LRSS", 4)) {
        snprintf(s->err, sizeof s->err, "not a saved signal state");
        return LRS_SIGNALS_ECORRUPT;
    }
    if ((get64(p) >> 32) != STATE_VERSION) {
        snprintf(s->err, sizeof s->err, "a signal state of another version");
        return LRS_SIGNALS_ECORRUPT;
    }
    if (get64(p + 8) != s->digest || get64(p + 16) != s->nsig || get64(p + 24) != s->ndet) {
        snprintf(s->err, sizeof s->err,
                 "the saved signal state is of other signals or detectors (another program)");
        return LRS_SIGNALS_EMISMATCH;
    }
    if (len != n || get64(p + n - TAIL) != fnv(1469598103934665603ull, p, n - TAIL)) {
        snprintf(s->err, sizeof s->err, "the saved signal state is damaged or truncated");
        return LRS_SIGNALS_ECORRUPT;
    }
    const unsigned char *q = p + HEAD;
    for (size_t i = 0; i < s->nsig; i++, q += PER_SIG)
        if ((int64_t)get64(q) < -1) goto corrupt;
    for (size_t k = 0; k < s->ndet; k++, q += PER_DET) {
        double v = bitsd(get64(q));
        if (!isfinite(v) || (int64_t)get64(q + 16) < 0 || (int64_t)get64(q + 24) < 0) goto corrupt;
    }
    return LRS_SIGNALS_OK;
corrupt:
    snprintf(s->err, sizeof s->err, "the saved signal state holds impossible values");
    return LRS_SIGNALS_ECORRUPT;
}
