/* rt_mpi.c — the data-parallel optimizer (ZeRO stage 1) of lrs_mpi.h. Each
 * rank owns a shard of every group, a whole number of 16-element blocks
 * (balanced to within one block, each shard starting 64 bytes apart from
 * the buffer's start), and a single-process optimizer over its shards.
 * A step: gradients exchanged with all-to-all in bounded chunks and summed
 * by the shard's owner in rank order (so the same np always gives the same
 * bits), divided by np; unscaled, checked and clipped with the global norm;
 * the local optimizer steps; parameters all-gathered. Every collective is
 * non-blocking and polled against a deadline, so a rank that stops makes
 * the others fail with LRS_MPI_ETIMEOUT instead of waiting forever. */
#include "lrs_mpi.h"
#include "rt_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RT_MPI_MAGIC 0x49504d5f5352434cull
#define RT_MPI_BLOCK ((size_t)16)      /* elements: one AVX-512 vector, 64 bytes */
#define RT_MPI_CHUNK ((size_t)1 << 20) /* elements exchanged per round and rank */
#define RT_MPI_MAX_N ((size_t)INT32_MAX - RT_MPI_BLOCK)

typedef struct rt_mpi_group {
    float *params, *grads; /* the caller's full buffers */
    size_t n;
    int *count, *displ; /* per rank: shard length and start (elements) */
    float *shard;       /* this rank's averaged gradient (or a 1-element stand-in) */
    float dummy;        /* parameter stand-in when the local shard is empty */
} rt_mpi_group;

struct lrs_mpi_optim {
    uint64_t magic;
    MPI_Comm comm;
    int rank, size;
    lrs_optim_kind kind;
    lrs_optim *local;
    rt_mpi_group *groups;
    size_t ngroups;
    float *recv; /* size x RT_MPI_CHUNK exchange buffer */
    double timeout;
    int skip_nonfinite;
    char err[320];
};

static int rt_mpi_fail(lrs_mpi_optim *d, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int rt_mpi_fail(lrs_mpi_optim *d, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err, sizeof d->err, fmt, ap);
    va_end(ap);
    return code;
}

static int rt_mpi_valid(const lrs_mpi_optim *d)
{
    return d && d->magic == RT_MPI_MAGIC;
}

#define RT_MPI_CHECK(d)                                                                            \
    do {                                                                                           \
        if (!rt_mpi_valid(d)) return LRS_OPTIM_EINVAL;                                             \
    } while (0)

/* The local optimizer's status, its message copied. */
static int rt_mpi_local(lrs_mpi_optim *d, int rc)
{
    if (rc < 0) snprintf(d->err, sizeof d->err, "%s", lrs_optim_error(d->local));
    return rc;
}

static double rt_mpi_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Wait for a non-blocking collective, at most d->timeout seconds. */
static int rt_mpi_wait(lrs_mpi_optim *d, MPI_Request *req, int rc, const char *what)
{
    if (rc != MPI_SUCCESS)
        return rt_mpi_fail(d, LRS_MPI_EMPI, "rank %d: MPI failed to start %s (error %d)", d->rank,
                           what, rc);
    const double deadline = rt_mpi_now() + d->timeout;
    for (unsigned spins = 0;; spins++) {
        int done = 0;
        rc = MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS)
            return rt_mpi_fail(d, LRS_MPI_EMPI, "rank %d: MPI failed in %s (error %d)", d->rank,
                               what, rc);
        if (done) return LRS_OPTIM_OK;
        if (spins > 1000) {
            if (rt_mpi_now() > deadline)
                return rt_mpi_fail(d, LRS_MPI_ETIMEOUT,
                                   "rank %d: %s at step %lld did not complete within %g s: another "
                                   "rank has stopped or died; the communicator cannot be used "
                                   "any more (call MPI_Abort)",
                                   d->rank, what, (long long)lrs_optim_step_count(d->local),
                                   d->timeout);
            struct timespec nap = {0, 50000};
            nanosleep(&nap, NULL);
        }
    }
}

static int rt_mpi_allreduce(lrs_mpi_optim *d, void *buf, int n, MPI_Datatype t, MPI_Op op,
                            const char *what)
{
    MPI_Request req;
    int rc = MPI_Iallreduce(MPI_IN_PLACE, buf, n, t, op, d->comm, &req);
    return rt_mpi_wait(d, &req, rc, what);
}

static int rt_mpi_bcast(lrs_mpi_optim *d, void *buf, int n, const char *what)
{
    MPI_Request req;
    int rc = MPI_Ibcast(buf, n, MPI_BYTE, 0, d->comm, &req);
    return rt_mpi_wait(d, &req, rc, what);
}

lrs_mpi_optim *lrs_mpi_optim_new(MPI_Comm comm, lrs_optim_kind kind)
{
    lrs_mpi_optim *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->local = lrs_optim_new(kind);
    if (!d->local || MPI_Comm_dup(comm, &d->comm) != MPI_SUCCESS) {
        lrs_optim_free(d->local);
        free(d);
        return NULL;
    }
    MPI_Comm_rank(d->comm, &d->rank);
    MPI_Comm_size(d->comm, &d->size);
    d->recv = lrs_rt_alloc((size_t)d->size * RT_MPI_CHUNK);
    if (!d->recv) {
        MPI_Comm_free(&d->comm);
        lrs_optim_free(d->local);
        free(d);
        return NULL;
    }
    d->kind = kind;
    d->timeout = 300;
    d->magic = RT_MPI_MAGIC;
    return d;
}

void lrs_mpi_optim_free(lrs_mpi_optim *d)
{
    if (!rt_mpi_valid(d)) return;
    d->magic = 0;
    for (size_t i = 0; i < d->ngroups; i++) {
        free(d->groups[i].count);
        free(d->groups[i].displ);
        lrs_rt_dealloc(d->groups[i].shard);
    }
    free(d->groups);
    lrs_rt_dealloc(d->recv);
    lrs_optim_free(d->local);
    MPI_Comm_free(&d->comm);
    free(d);
}

const char *lrs_mpi_optim_error(const lrs_mpi_optim *d)
{
    if (!d) return "no distributed optimizer (NULL handle)";
    if (!rt_mpi_valid(d)) return "not a distributed optimizer (a foreign or freed handle)";
    return d->err;
}

int lrs_mpi_optim_add_group(lrs_mpi_optim *d, float *params, float *grads, size_t n,
                            const lrs_optim_hparams *hp)
{
    RT_MPI_CHECK(d);
    if (!params || !grads || !hp || n == 0)
        return rt_mpi_fail(d, LRS_OPTIM_EINVAL, "a group needs params, grads, n > 0 and hparams");
    if (n > RT_MPI_MAX_N)
        return rt_mpi_fail(d, LRS_OPTIM_EINVAL, "a distributed group has at most %zu elements",
                           RT_MPI_MAX_N);
    rt_mpi_group *gs = realloc(d->groups, (d->ngroups + 1) * sizeof *gs);
    if (!gs) return rt_mpi_fail(d, LRS_OPTIM_ENOMEM, "out of memory");
    d->groups = gs;
    rt_mpi_group *g = &gs[d->ngroups];
    memset(g, 0, sizeof *g);
    g->params = params, g->grads = grads, g->n = n;
    g->count = calloc((size_t)d->size, sizeof *g->count);
    g->displ = calloc((size_t)d->size, sizeof *g->displ);
    /* Blocks of 16, rank r taking [r*nb/P, (r+1)*nb/P): shards differ by at
     * most one block and start on a block; the last one takes the tail. */
    const size_t nb = (n + RT_MPI_BLOCK - 1) / RT_MPI_BLOCK, P = (size_t)d->size;
    for (size_t r = 0; g->count && g->displ && r < P; r++) {
        size_t lo = r * nb / P * RT_MPI_BLOCK, hi = (r + 1) * nb / P * RT_MPI_BLOCK;
        if (hi > n) hi = n;
        if (lo > n) lo = n;
        g->displ[r] = (int)lo;
        g->count[r] = (int)(hi - lo);
    }
    const size_t mine = g->count ? (size_t)g->count[d->rank] : 0;
    g->shard = lrs_rt_alloc(mine ? mine : 1);
    int rc = LRS_OPTIM_ENOMEM;
    if (g->count && g->displ && g->shard) {
        memset(g->shard, 0, (mine ? mine : 1) * sizeof(float));
        /* An empty shard still has a group, so that schedules, validation
         * and errors are the same on every rank: it steps a stand-in. */
        float *p = mine ? params + g->displ[d->rank] : &g->dummy;
        rc = rt_mpi_local(d, lrs_optim_add_group(d->local, p, g->shard, mine ? mine : 1, hp));
    } else {
        rt_mpi_fail(d, rc, "out of memory");
    }
    if (rc < 0) {
        free(g->count), free(g->displ), lrs_rt_dealloc(g->shard);
        return rc;
    }
    return (int)d->ngroups++;
}

int lrs_mpi_optim_bind(lrs_mpi_optim *d, int group, const char *name, lrs_fn fn, double scale)
{
    RT_MPI_CHECK(d);
    return rt_mpi_local(d, lrs_optim_bind(d->local, group, name, fn, scale));
}

int lrs_mpi_optim_bind_callback(lrs_mpi_optim *d, int group, const char *name,
                                double (*cb)(void *user, int64_t step), void *user, double scale)
{
    RT_MPI_CHECK(d);
    return rt_mpi_local(d, lrs_optim_bind_callback(d->local, group, name, cb, user, scale));
}

int lrs_mpi_optim_bind_id(lrs_mpi_optim *d, int group, const char *name, const char *id)
{
    RT_MPI_CHECK(d);
    return rt_mpi_local(d, lrs_optim_bind_id(d->local, group, name, id));
}

int lrs_mpi_optim_set_skip_nonfinite(lrs_mpi_optim *d, int on)
{
    RT_MPI_CHECK(d);
    d->skip_nonfinite = on != 0;
    return LRS_OPTIM_OK;
}

int lrs_mpi_optim_set_timeout(lrs_mpi_optim *d, double seconds)
{
    RT_MPI_CHECK(d);
    if (!(seconds > 0) || !isfinite(seconds))
        return rt_mpi_fail(d, LRS_OPTIM_EINVAL, "timeout must be finite and > 0, got %g", seconds);
    d->timeout = seconds;
    return LRS_OPTIM_OK;
}

int64_t lrs_mpi_optim_step_count(const lrs_mpi_optim *d)
{
    return rt_mpi_valid(d) ? lrs_optim_step_count(d->local) : -1;
}

lrs_optim *lrs_mpi_optim_local(lrs_mpi_optim *d)
{
    return rt_mpi_valid(d) ? d->local : NULL;
}

int lrs_mpi_optim_shard(const lrs_mpi_optim *d, int group, size_t *first, size_t *count)
{
    if (!rt_mpi_valid(d) || group < 0 || (size_t)group >= d->ngroups || !first || !count)
        return LRS_OPTIM_EINVAL;
    *first = (size_t)d->groups[group].displ[d->rank];
    *count = (size_t)d->groups[group].count[d->rank];
    return LRS_OPTIM_OK;
}

const float *lrs_mpi_optim_state(const lrs_mpi_optim *d, int group, const char *name, size_t *first,
                                 size_t *count)
{
    if (lrs_mpi_optim_shard(d, group, first, count) != LRS_OPTIM_OK) return NULL;
    return lrs_optim_state(d->local, group, name);
}

/* ---- the step ---- */

/* The average of every rank's gradients over this rank's shard of g:
 * rounds of all-to-all, at most RT_MPI_CHUNK elements per rank and round;
 * the owner adds the contributions in rank order and divides by np. */
static int rt_mpi_reduce_scatter(lrs_mpi_optim *d, rt_mpi_group *g)
{
    const int P = d->size;
    if (P == 1) { /* the average of one is itself: no exchange, no rounding */
        memcpy(g->shard, g->grads, g->n * sizeof(float));
        return LRS_OPTIM_OK;
    }
    int maxc = 0;
    for (int r = 0; r < P; r++)
        maxc = g->count[r] > maxc ? g->count[r] : maxc;
    int sc[P], sd[P], rcnt[P], rd[P];
    const float inv_p = (float)P;
    const size_t mine = (size_t)g->count[d->rank];
    for (size_t off = 0; off < (size_t)maxc; off += RT_MPI_CHUNK) {
        for (int r = 0; r < P; r++) {
            const size_t c = (size_t)g->count[r];
            const size_t k = c > off ? (c - off < RT_MPI_CHUNK ? c - off : RT_MPI_CHUNK) : 0;
            sc[r] = (int)k;
            sd[r] = g->displ[r] + (int)(k ? off : 0);
            const size_t km =
                mine > off ? (mine - off < RT_MPI_CHUNK ? mine - off : RT_MPI_CHUNK) : 0;
            rcnt[r] = (int)km;
            rd[r] = (int)((size_t)r * RT_MPI_CHUNK);
        }
        MPI_Request req;
        int rc = MPI_Ialltoallv(g->grads, sc, sd, MPI_FLOAT, d->recv, rcnt, rd, MPI_FLOAT, d->comm,
                                &req);
        rc = rt_mpi_wait(d, &req, rc, "the gradient reduce-scatter");
        if (rc) return rc;
        const size_t k = (size_t)rcnt[0];
        float *out = g->shard + off;
        for (size_t i = 0; i < k; i++)
            out[i] = d->recv[i];
        for (int r = 1; r < P; r++) {
            const float *in = d->recv + (size_t)r * RT_MPI_CHUNK;
            for (size_t i = 0; i < k; i++)
                out[i] += in[i];
        }
        for (size_t i = 0; i < k; i++)
            out[i] /= inv_p;
    }
    return LRS_OPTIM_OK;
}

/* Every rank's parameters from their owners. */
static int rt_mpi_allgather(lrs_mpi_optim *d, rt_mpi_group *g)
{
    if (d->size == 1) return LRS_OPTIM_OK;
    MPI_Request req;
    int rc = MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_FLOAT, g->params, g->count, g->displ, MPI_FLOAT,
                             d->comm, &req);
    return rt_mpi_wait(d, &req, rc, "the parameter all-gather");
}

/* Sum of squares of the local shards, in the fixed order of lrs_optim's
 * norm (16384-element chunks, 16 lanes each), then the ranks in order. */
static int rt_mpi_norm(lrs_mpi_optim *d, double *norm)
{
    double local = 0;
    for (size_t i = 0; i < d->ngroups; i++) {
        const size_t n = (size_t)d->groups[i].count[d->rank];
        for (size_t lo = 0; lo < n; lo += LRS_RT_CHUNK)
            local += d->local->k->sumsq(d->groups[i].shard + lo,
                                        n - lo < LRS_RT_CHUNK ? n - lo : LRS_RT_CHUNK);
    }
    double all[d->size];
    MPI_Request req;
    int rc = MPI_Iallgather(&local, 1, MPI_DOUBLE, all, 1, MPI_DOUBLE, d->comm, &req);
    rc = rt_mpi_wait(d, &req, rc, "the gradient norm");
    if (rc) return rc;
    double sum = 0;
    for (int r = 0; r < d->size; r++)
        sum += all[r];
    *norm = sqrt(sum);
    return LRS_OPTIM_OK;
}

static void rt_mpi_scale(lrs_mpi_optim *d, float s, int *bad)
{
    for (size_t i = 0; i < d->ngroups; i++) {
        const size_t n = (size_t)d->groups[i].count[d->rank];
        if (n) *bad |= d->local->k->scale(d->groups[i].shard, n, s);
    }
}

int lrs_mpi_optim_step(lrs_mpi_optim *d, lrs_mpi_step *s)
{
    RT_MPI_CHECK(d);
    lrs_mpi_step none = {0};
    if (!s) s = &none;
    const double inv_scale = s->inv_scale == 0 ? 1.0 : s->inv_scale;
    if (!isfinite(inv_scale) || !(s->max_norm >= 0) || !isfinite(s->max_norm))
        return rt_mpi_fail(d, LRS_OPTIM_EINVAL,
                           "inv_scale and max_norm must be finite, max_norm >= 0");
    for (size_t i = 0; i < d->ngroups; i++) {
        int rc = rt_mpi_reduce_scatter(d, &d->groups[i]);
        if (rc) return rc;
    }
    int bad = 0;
    if (inv_scale != 1.0) {
        rt_mpi_scale(d, (float)inv_scale, &bad);
    } else {
        for (size_t i = 0; i < d->ngroups && !bad; i++) {
            const size_t n = (size_t)d->groups[i].count[d->rank];
            bad = n && !d->local->k->finite(d->groups[i].shard, n);
        }
    }
    /* The same decision everywhere: any rank's non-finite shard counts. */
    int rc = rt_mpi_allreduce(d, &bad, 1, MPI_INT, MPI_MAX, "the non-finite check");
    if (rc) return rc;
    s->found_nonfinite = bad;
    if (s->max_norm > 0) {
        rc = rt_mpi_norm(d, &s->total_norm);
        if (rc) return rc;
        const double coef = s->max_norm / (s->total_norm + 1e-6);
        if (isfinite(s->total_norm) && coef < 1.0) {
            int ignored = 0;
            rt_mpi_scale(d, (float)coef, &ignored);
        }
    }
    if (bad && d->skip_nonfinite) return LRS_OPTIM_SKIPPED;
    rc = rt_mpi_local(d, lrs_optim_step(d->local));
    if (rc) return rc; /* schedule errors: the same on every rank, nothing changed */
    for (size_t i = 0; i < d->ngroups; i++) {
        rc = rt_mpi_allgather(d, &d->groups[i]);
        if (rc) return rc;
    }
    return LRS_OPTIM_OK;
}

/* ---- checkpoints: the single-process format, through rank 0 ---- */

/* Rank 0's status and message, on every rank. */
static int rt_mpi_agree(lrs_mpi_optim *d, int rc)
{
    struct {
        int rc;
        char msg[sizeof d->err];
    } m = {.rc = rc};
    if (d->rank == 0) memcpy(m.msg, d->err, sizeof m.msg);
    int e = rt_mpi_bcast(d, &m, (int)sizeof m, "the checkpoint status");
    if (e) return e;
    memcpy(d->err, m.msg, sizeof d->err);
    return m.rc;
}

/* On rank 0: an optimizer over the full groups with the local one's
 * hyperparameters, bindings and counters (buffers: the caller's). */
static int rt_mpi_full(lrs_mpi_optim *d, lrs_optim **out)
{
    lrs_optim *f = lrs_optim_new(d->kind);
    if (!f) return rt_mpi_fail(d, LRS_OPTIM_ENOMEM, "out of memory");
    for (size_t i = 0; i < d->ngroups; i++) {
        const lrs_rt_group *lg = &d->local->groups[i];
        int rc = lrs_optim_add_group(f, d->groups[i].params, d->groups[i].grads, d->groups[i].n,
                                     &lg->hp);
        if (rc < 0) {
            rt_mpi_fail(d, rc, "%s", lrs_optim_error(f));
            lrs_optim_free(f);
            return rc;
        }
        memcpy(f->groups[i].bind, lg->bind, sizeof lg->bind);
        f->groups[i].t = lg->t;
        f->groups[i].momentum_init = lg->momentum_init;
    }
    f->step = d->local->step;
    *out = f;
    return LRS_OPTIM_OK;
}

static int rt_mpi_state_mask(const lrs_rt_group *g)
{
    int m = 0;
    for (int s = 0; s < LRS_RT_MAX_STATE; s++)
        m |= g->state[s] ? 1 << s : 0;
    return m;
}

int lrs_mpi_optim_save(lrs_mpi_optim *d, const char *path)
{
    RT_MPI_CHECK(d);
    lrs_optim *f = NULL;
    int rc = d->rank == 0 ? rt_mpi_full(d, &f) : LRS_OPTIM_OK;
    /* Every rank holds the same slots (they follow from hyperparameters and bindings). */
    for (size_t i = 0; i < d->ngroups; i++) {
        const lrs_rt_group *lg = &d->local->groups[i];
        const rt_mpi_group *g = &d->groups[i];
        for (int s = 0; s < LRS_RT_MAX_STATE; s++) {
            if (!lg->state[s]) continue;
            float *dst = NULL;
            if (f && !f->groups[i].state[s]) {
                f->groups[i].state[s] = lrs_rt_alloc(g->n);
                if (!f->groups[i].state[s]) rc = rt_mpi_fail(d, LRS_OPTIM_ENOMEM, "out of memory");
            }
            if (f && f->groups[i].state[s]) dst = f->groups[i].state[s];
            float scratch;
            MPI_Request req;
            int e = MPI_Igatherv(lg->state[s], g->count[d->rank], MPI_FLOAT, dst ? dst : &scratch,
                                 g->count, g->displ, MPI_FLOAT, 0, d->comm, &req);
            e = rt_mpi_wait(d, &req, e, "the checkpoint gather");
            if (e) {
                lrs_optim_free(f);
                return e;
            }
        }
        if (f) /* slots the full optimizer has and the shards do not */
            for (int s = 0; s < LRS_RT_MAX_STATE; s++)
                if (!lg->state[s] && f->groups[i].state[s]) {
                    lrs_rt_dealloc(f->groups[i].state[s]);
                    f->groups[i].state[s] = NULL;
                }
    }
    if (f && rc == LRS_OPTIM_OK) {
        rc = lrs_optim_save(f, path);
        if (rc) rt_mpi_fail(d, rc, "%s", lrs_optim_error(f));
    }
    lrs_optim_free(f);
    return rt_mpi_agree(d, rc);
}

int lrs_mpi_optim_load(lrs_mpi_optim *d, const char *path, unsigned flags)
{
    RT_MPI_CHECK(d);
    lrs_optim *f = NULL;
    int rc = LRS_OPTIM_OK;
    if (d->rank == 0) {
        rc = rt_mpi_full(d, &f);
        if (rc == LRS_OPTIM_OK) {
            rc = lrs_optim_load_flags(f, path, flags);
            if (rc) rt_mpi_fail(d, rc, "%s", lrs_optim_error(f));
        }
    }
    rc = rt_mpi_agree(d, rc);
    if (rc) {
        lrs_optim_free(f);
        return rc;
    }
    /* Counters and hyperparameters, then the state slices. Fresh shard
     * buffers first, so that a failure leaves the local optimizer as it was. */
    typedef struct {
        lrs_optim_hparams hp;
        int64_t t;
        int momentum_init, mask;
    } head;
    const size_t G = d->ngroups;
    head *h = calloc(G ? G : 1, sizeof *h);
    float **fresh = calloc((G ? G : 1) * LRS_RT_MAX_STATE, sizeof *fresh);
    int64_t step = f ? f->step : 0;
    int bad = !h || !fresh;
    for (size_t i = 0; f && h && i < G; i++)
        h[i] = (head){f->groups[i].hp, f->groups[i].t, f->groups[i].momentum_init,
                      rt_mpi_state_mask(&f->groups[i])};
    rc = rt_mpi_allreduce(d, &bad, 1, MPI_INT, MPI_MAX, "the checkpoint load");
    if (!rc && bad) rc = rt_mpi_fail(d, LRS_OPTIM_ENOMEM, "out of memory loading a checkpoint");
    if (!rc) rc = rt_mpi_bcast(d, &step, (int)sizeof step, "the checkpoint load");
    if (!rc) rc = rt_mpi_bcast(d, h, (int)(G * sizeof *h), "the checkpoint load");
    for (size_t i = 0; !rc && i < G; i++) {
        const rt_mpi_group *g = &d->groups[i];
        const size_t mine = (size_t)g->count[d->rank], len = mine ? mine : 1;
        for (int s = 0; !rc && s < LRS_RT_MAX_STATE; s++) {
            if (!(h[i].mask >> s & 1)) continue;
            float *buf = lrs_rt_alloc(len);
            fresh[i * LRS_RT_MAX_STATE + (size_t)s] = buf;
            int nomem = !buf;
            rc = rt_mpi_allreduce(d, &nomem, 1, MPI_INT, MPI_MAX, "the checkpoint load");
            if (!rc && nomem) rc = rt_mpi_fail(d, LRS_OPTIM_ENOMEM, "out of memory");
            if (rc) break;
            lrs_rt_state_fill(d->kind, &h[i].hp, s, buf, len); /* the stand-in's value */
            MPI_Request req;
            int e = MPI_Iscatterv(f ? f->groups[i].state[s] : NULL, g->count, g->displ, MPI_FLOAT,
                                  buf, (int)mine, MPI_FLOAT, 0, d->comm, &req);
            rc = rt_mpi_wait(d, &req, e, "the checkpoint scatter");
        }
    }
    lrs_optim_free(f);
    if (!rc) /* commit */
        for (size_t i = 0; i < G; i++) {
            lrs_rt_group *lg = &d->local->groups[i];
            for (int s = 0; s < LRS_RT_MAX_STATE; s++) {
                lrs_rt_dealloc(lg->state[s]);
                lg->state[s] = fresh[i * LRS_RT_MAX_STATE + (size_t)s];
                fresh[i * LRS_RT_MAX_STATE + (size_t)s] = NULL;
            }
            lg->hp = h[i].hp;
            lg->t = h[i].t;
            lg->momentum_init = h[i].momentum_init;
            lrs_rt_reset_cur(lg);
        }
    if (!rc) {
        d->local->step = step;
        d->local->grads_state = LRS_RT_GRADS_UNKNOWN;
    }
    for (size_t k = 0; fresh && k < G * LRS_RT_MAX_STATE; k++)
        lrs_rt_dealloc(fresh[k]);
    free(fresh);
    free(h);
    return rc;
}
