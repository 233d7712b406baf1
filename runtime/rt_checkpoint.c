/* rt_checkpoint.c — saving and restoring an optimizer's complete state, to
 * a file or to a caller's buffer. Saving a file is atomic (temporary file,
 * fsync, rename, fsync of the directory); loading reads everything into
 * fresh buffers and verifies the checksum, the invariants of the state and
 * the schedule bindings before it touches the optimizer, so a bad or
 * mismatched checkpoint changes nothing. The layout is in docs/optimizer.md
 * ("Checkpoint format"). */
#include "rt_internal.h"
#include "lrs_strerror.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RT_CKPT_MAGIC "LRSOPTIM"
#define RT_CKPT_VERSION 3u /* 1: no bindings or signals; 2: signals; 3: both */
#define RT_CKPT_NHP 10     /* doubles per group header */
#define RT_CKPT_GROUP_V1 (8 + 8 + 4 + 4 + 8 * RT_CKPT_NHP + 4 * 4)
/* Version 3 adds, per schedulable hyperparameter: bound (u32), id length
 * (u32), scale (f64), id (LRS_RT_ID_MAX bytes, zero-padded). */
#define RT_CKPT_BIND_BYTES (4 + 4 + 8 + LRS_RT_ID_MAX)
#define RT_CKPT_GROUP_BYTES (RT_CKPT_GROUP_V1 + LRS_RT_NH * RT_CKPT_BIND_BYTES)
#define RT_CKPT_HEAD_BYTES (8 + 4 + 4 + 8 + 8)
#define RT_IO_BUF ((size_t)1 << 20)

/* ---- checksum: FNV-1a over 64-bit little-endian words, length mixed in ---- */

typedef struct rt_hash {
    uint64_t h, len;
    unsigned char pend[8];
    size_t npend;
} rt_hash;

static void rt_hash_init(rt_hash *s)
{
    memset(s, 0, sizeof *s), s->h = 0xcbf29ce484222325ull;
}

static uint64_t rt_le64(const unsigned char *b)
{
    uint64_t w = 0;
    for (int k = 7; k >= 0; k--)
        w = w << 8 | b[k];
    return w;
}

static void rt_hash_word(rt_hash *s, uint64_t w)
{
    s->h = (s->h ^ w) * 0x100000001b3ull;
}

static void rt_hash_update(rt_hash *s, const void *data, size_t len)
{
    const unsigned char *b = data;
    s->len += len;
    if (s->npend) { /* complete the word a previous call left open */
        size_t k = 8 - s->npend < len ? 8 - s->npend : len;
        memcpy(s->pend + s->npend, b, k);
        s->npend += k, b += k, len -= k;
        if (s->npend < 8) return;
        rt_hash_word(s, rt_le64(s->pend));
        s->npend = 0;
    }
    for (; len >= 8; b += 8, len -= 8)
        rt_hash_word(s, rt_le64(b));
    memcpy(s->pend, b, len);
    s->npend = len;
}

static uint64_t rt_hash_final(const rt_hash *s)
{
    rt_hash t = *s;
    if (t.npend) {
        memset(t.pend + t.npend, 0, 8 - t.npend);
        rt_hash_word(&t, rt_le64(t.pend));
    }
    rt_hash_word(&t, t.len);
    /* A final avalanche so that every input bit reaches the low bits. */
    uint64_t h = t.h;
    h ^= h >> 33, h *= 0xff51afd7ed558ccdull, h ^= h >> 33;
    return h;
}

/* ---- little-endian field encoding ---- */

static void rt_put(unsigned char **p, uint64_t v, int bytes)
{
    for (int k = 0; k < bytes; k++)
        *(*p)++ = (unsigned char)(v >> (8 * k));
}

static uint64_t rt_get(const unsigned char **p, int bytes)
{
    uint64_t v = 0;
    for (int k = bytes - 1; k >= 0; k--)
        v = v << 8 | (*p)[k];
    *p += bytes;
    return v;
}

static void rt_put_f64(unsigned char **p, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    rt_put(p, v, 8);
}

static double rt_get_f64(const unsigned char **p)
{
    uint64_t v = rt_get(p, 8);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

static int rt_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* ---- hashing writer: to a file (buffered) or to a caller's memory ---- */

typedef struct rt_writer {
    int fd;             /* -1: writing to mem */
    unsigned char *buf; /* file: the write buffer */
    size_t used;
    unsigned char *mem; /* memory: the destination, cap bytes */
    size_t cap;
    rt_hash hash;
    int err; /* errno of the first failure */
} rt_writer;

static void rt_flush(rt_writer *w)
{
    size_t off = 0;
    while (!w->err && off < w->used) {
        ssize_t k = write(w->fd, w->buf + off, w->used - off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0)
            w->err = k < 0 ? errno : EIO;
        else
            off += (size_t)k;
    }
    w->used = 0;
}

static void rt_write(rt_writer *w, const void *data, size_t len)
{
    const unsigned char *b = data;
    rt_hash_update(&w->hash, data, len);
    if (w->fd < 0) {
        if (w->err || len > w->cap - w->used) {
            w->err = ENOSPC;
            return;
        }
        memcpy(w->mem + w->used, b, len);
        w->used += len;
        return;
    }
    while (len && !w->err) {
        size_t k = RT_IO_BUF - w->used < len ? RT_IO_BUF - w->used : len;
        memcpy(w->buf + w->used, b, k);
        w->used += k, b += k, len -= k;
        if (w->used == RT_IO_BUF) rt_flush(w);
    }
}

static void rt_encode_group(unsigned char *out, const lrs_rt_group *g, unsigned mask)
{
    unsigned char *p = out;
    const lrs_optim_hparams *h = &g->hp;
    rt_put(&p, g->n, 8);
    rt_put(&p, (uint64_t)g->t, 8);
    rt_put(&p, (uint64_t)g->momentum_init, 4);
    rt_put(&p, mask, 4);
    const double d[RT_CKPT_NHP] = {
        h->lr,  h->momentum,     h->dampening, h->beta1,    h->beta2,
        h->eps, h->weight_decay, h->alpha,     h->lr_decay, h->initial_accumulator_value};
    for (int k = 0; k < RT_CKPT_NHP; k++)
        rt_put_f64(&p, d[k]);
    rt_put(&p, (uint64_t)h->nesterov, 4);
    rt_put(&p, (uint64_t)h->amsgrad, 4);
    rt_put(&p, (uint64_t)h->centered, 4);
    rt_put(&p, (uint64_t)h->maximize, 4);
    for (int k = 0; k < LRS_RT_NH; k++) {
        const lrs_rt_binding *b = &g->bind[k];
        const int bound = LRS_RT_BOUND(*b);
        const size_t idlen = bound ? strnlen(b->id, LRS_RT_ID_MAX) : 0;
        rt_put(&p, (uint64_t)bound, 4);
        rt_put(&p, idlen, 4);
        rt_put_f64(&p, bound ? b->scale : 0.0);
        memset(p, 0, LRS_RT_ID_MAX);
        memcpy(p, b->id, idlen);
        p += LRS_RT_ID_MAX;
    }
}

static unsigned rt_state_mask(const lrs_rt_group *g)
{
    unsigned mask = 0;
    for (int s = 0; s < LRS_RT_MAX_STATE; s++)
        mask |= g->state[s] ? 1u << s : 0;
    return mask;
}

/* Bytes lrs_optim_save writes for this optimizer. */
static uint64_t rt_ckpt_size(const lrs_optim *opt)
{
    uint64_t size = RT_CKPT_HEAD_BYTES + 8 + (uint64_t)opt->ngroups * RT_CKPT_GROUP_BYTES + 8;
    for (size_t i = 0; i < opt->ngroups; i++)
        for (int s = 0; s < LRS_RT_MAX_STATE; s++)
            if (opt->groups[i].state[s]) size += (uint64_t)opt->groups[i].n * sizeof(float);
    for (size_t i = 0; i < opt->nsignals; i++)
        size += 8 + lrs_signals_state_size(opt->signals[i]);
    return size;
}

/* The whole checkpoint stream, checksum last. */
static void rt_emit(const lrs_optim *opt, rt_writer *w)
{
    rt_hash_init(&w->hash);
    unsigned char head[RT_CKPT_HEAD_BYTES], *p = head;
    memcpy(p, RT_CKPT_MAGIC, 8), p += 8;
    rt_put(&p, RT_CKPT_VERSION, 4);
    rt_put(&p, (uint64_t)opt->kind, 4);
    rt_put(&p, opt->ngroups, 8);
    rt_put(&p, (uint64_t)opt->step, 8);
    rt_write(w, head, sizeof head);
    unsigned char cnt[8], *c = cnt;
    rt_put(&c, opt->nsignals, 8);
    rt_write(w, cnt, sizeof cnt);
    for (size_t i = 0; i < opt->ngroups; i++) {
        unsigned char gh[RT_CKPT_GROUP_BYTES];
        rt_encode_group(gh, &opt->groups[i], rt_state_mask(&opt->groups[i]));
        rt_write(w, gh, sizeof gh);
    }
    for (size_t i = 0; i < opt->ngroups; i++)
        for (int s = 0; s < LRS_RT_MAX_STATE; s++)
            if (opt->groups[i].state[s])
                rt_write(w, opt->groups[i].state[s], opt->groups[i].n * sizeof(float));
    /* Each signal state's size and bytes (lrs_signals_save), so that
     * reactive schedules resume exactly. */
    for (size_t i = 0; i < opt->nsignals; i++) {
        size_t n = lrs_signals_state_size(opt->signals[i]);
        unsigned char *blob = malloc(n + 8), *b = blob;
        if (!blob) {
            w->err = ENOMEM;
            break;
        }
        rt_put(&b, n, 8);
        lrs_signals_save(opt->signals[i], blob + 8, n);
        rt_write(w, blob, n + 8);
        free(blob);
    }
    unsigned char sum[8], *q = sum;
    rt_put(&q, rt_hash_final(&w->hash), 8);
    rt_write(w, sum, sizeof sum);
}

/* The directory part of path ("." when there is none), malloc'd. */
static char *rt_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : 1;
    if (slash == path) len = 1;
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, slash ? path : ".", len);
        d[len] = 0;
    }
    return d;
}

/* Create PATH.tmp.<pid>.<n> exclusively, without following a link, with
 * `mode` (before the umask). Returns the descriptor or -1 with errno. */
static int rt_create_temp(const char *path, char *tmp, size_t tmplen, mode_t mode)
{
    for (unsigned n = 0; n < 1000; n++) {
        snprintf(tmp, tmplen, "%s.tmp.%ld.%u", path, (long)getpid(), n);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0 || errno != EEXIST) return fd;
    }
    errno = EEXIST;
    return -1;
}

int lrs_optim_save(lrs_optim *opt, const char *path)
{
    LRS_RT_CHECK(opt);
    lrs_errbuf es;
    if (!path) return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "no checkpoint path");
    if (!rt_little_endian())
        return lrs_rt_fail(opt, LRS_OPTIM_EUNSUPPORTED, "checkpoints need a little-endian host");
    /* What is there now decides the new file's mode; a link or anything
     * but a regular file is refused rather than followed or replaced. */
    struct stat st;
    mode_t mode = 0666; /* a new file: as open() would create it, less the umask */
    int keep_mode = 0;
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode))
            return lrs_rt_fail(opt, LRS_OPTIM_EINVAL,
                               "checkpoint path %s is a symbolic link; checkpoints neither "
                               "follow nor replace links: save to the link's target instead",
                               path);
        if (!S_ISREG(st.st_mode))
            return lrs_rt_fail(opt, LRS_OPTIM_EINVAL,
                               "checkpoint path %s exists and is not a regular file", path);
        mode = st.st_mode & 07777;
        keep_mode = 1;
    } else if (errno != ENOENT) {
        return lrs_rt_fail(opt, LRS_OPTIM_EIO, "cannot inspect checkpoint path %s: %s", path,
                           lrs_strerror(errno, &es));
    }
    size_t tlen = strlen(path) + 48;
    char *tmp = malloc(tlen);
    rt_writer w = {.fd = -1, .buf = malloc(RT_IO_BUF)};
    if (!tmp || !w.buf) {
        free(tmp), free(w.buf);
        return lrs_rt_fail(opt, LRS_OPTIM_ENOMEM, "out of memory");
    }
    w.fd = rt_create_temp(path, tmp, tlen, keep_mode ? 0600 : mode);
    if (w.fd < 0) {
        int e = errno;
        free(tmp), free(w.buf);
        return lrs_rt_fail(opt, LRS_OPTIM_EIO, "cannot create a temporary file beside %s: %s", path,
                           lrs_strerror(e, &es));
    }
    /* The existing file's permission bits (the owner is the writer's). */
    if (keep_mode && fchmod(w.fd, mode) != 0) w.err = errno;
    if (!w.err) rt_emit(opt, &w);
    rt_flush(&w);
    if (!w.err && fsync(w.fd) != 0) w.err = errno;
    if (close(w.fd) != 0 && !w.err) w.err = errno;
    if (!w.err && rename(tmp, path) != 0) w.err = errno;
    free(w.buf);
    if (w.err) {
        unlink(tmp);
        free(tmp);
        return lrs_rt_fail(opt, LRS_OPTIM_EIO, "cannot write checkpoint %s: %s", path,
                           lrs_strerror(w.err, &es));
    }
    free(tmp);
    /* Make the rename itself durable. */
    char *dir = rt_dirname(path);
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    free(dir);
    if (dfd < 0 || fsync(dfd) != 0) {
        int e = errno;
        if (dfd >= 0) close(dfd);
        return lrs_rt_fail(opt, LRS_OPTIM_EIO,
                           "checkpoint %s written but its directory could not be synced: %s", path,
                           lrs_strerror(e, &es));
    }
    close(dfd);
    return LRS_OPTIM_OK;
}

int lrs_optim_save_buffer(lrs_optim *opt, void *buf, size_t cap, size_t *len)
{
    LRS_RT_CHECK(opt);
    if (!len) return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "no length pointer");
    if (!rt_little_endian())
        return lrs_rt_fail(opt, LRS_OPTIM_EUNSUPPORTED, "checkpoints need a little-endian host");
    const uint64_t need = rt_ckpt_size(opt);
    if (need > SIZE_MAX) return lrs_rt_fail(opt, LRS_OPTIM_ENOMEM, "checkpoint too large");
    *len = (size_t)need;
    if (!buf) return LRS_OPTIM_OK;
    if (cap < need)
        return lrs_rt_fail(opt, LRS_OPTIM_EINVAL,
                           "checkpoint needs %llu bytes, the buffer has %zu (nothing written)",
                           (unsigned long long)need, cap);
    rt_writer w = {.fd = -1, .mem = buf, .cap = cap};
    rt_emit(opt, &w);
    return w.err ? lrs_rt_fail(opt, LRS_OPTIM_EIO, "checkpoint did not fit its buffer")
                 : LRS_OPTIM_OK;
}

/* ---- loading ---- */

typedef struct rt_reader {
    int fd;                   /* -1: reading from mem */
    const unsigned char *mem; /* memory: len bytes, pos read so far */
    size_t len, pos;
    rt_hash hash;
    int err; /* errno, or -1 for end of input */
} rt_reader;

/* Read exactly len bytes (hashing them); 0 on success. */
static int rt_read(rt_reader *r, void *data, size_t len, int hash)
{
    unsigned char *b = data;
    if (r->fd < 0) {
        if (len > r->len - r->pos) {
            r->err = -1;
            return -1;
        }
        memcpy(b, r->mem + r->pos, len);
        r->pos += len;
    } else {
        size_t got = 0;
        while (got < len) {
            ssize_t k = read(r->fd, b + got, len - got);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) {
                r->err = k < 0 ? errno : -1;
                return -1;
            }
            got += (size_t)k;
        }
    }
    if (hash) rt_hash_update(&r->hash, data, len);
    return 0;
}

typedef struct rt_loaded_group {
    lrs_optim_hparams hp;
    int64_t t;
    uint64_t momentum_init, flags[4];
    unsigned mask;
    int has_bind; /* version 2 and later record the bindings */
    struct {
        uint64_t bound, idlen;
        double scale;
        char id[LRS_RT_ID_MAX + 1];
    } bind[LRS_RT_NH];
    float *state[LRS_RT_MAX_STATE];
} rt_loaded_group;

static void rt_decode_group(const unsigned char *in, int version, uint64_t *n, rt_loaded_group *lg)
{
    const unsigned char *p = in;
    *n = rt_get(&p, 8);
    lg->t = (int64_t)rt_get(&p, 8);
    lg->momentum_init = rt_get(&p, 4);
    lg->mask = (unsigned)rt_get(&p, 4);
    double d[RT_CKPT_NHP];
    for (int k = 0; k < RT_CKPT_NHP; k++)
        d[k] = rt_get_f64(&p);
    lrs_optim_hparams *h = &lg->hp;
    h->lr = d[0], h->momentum = d[1], h->dampening = d[2], h->beta1 = d[3], h->beta2 = d[4];
    h->eps = d[5], h->weight_decay = d[6], h->alpha = d[7], h->lr_decay = d[8];
    h->initial_accumulator_value = d[9];
    for (int k = 0; k < 4; k++)
        lg->flags[k] = rt_get(&p, 4);
    h->nesterov = lg->flags[0] != 0;
    h->amsgrad = lg->flags[1] != 0;
    h->centered = lg->flags[2] != 0;
    h->maximize = lg->flags[3] != 0;
    lg->has_bind = version >= 3;
    for (int k = 0; lg->has_bind && k < LRS_RT_NH; k++) {
        lg->bind[k].bound = rt_get(&p, 4);
        lg->bind[k].idlen = rt_get(&p, 4);
        lg->bind[k].scale = rt_get_f64(&p);
        memcpy(lg->bind[k].id, p, LRS_RT_ID_MAX);
        lg->bind[k].id[LRS_RT_ID_MAX] = 0;
        p += LRS_RT_ID_MAX;
    }
}

static int rt_load_fail(lrs_optim *opt, rt_loaded_group *lg, size_t nlg, unsigned char **sig,
                        int code, const char *what, const char *msg)
{
    for (size_t i = 0; sig && i < LRS_RT_MAX_SIGNALS; i++)
        free(sig[i]);
    for (size_t i = 0; lg && i < nlg; i++)
        for (int s = 0; s < LRS_RT_MAX_STATE; s++)
            lrs_rt_dealloc(lg[i].state[s]);
    free(lg);
    return lrs_rt_fail(opt, code, "checkpoint %s: %s", what, msg);
}

/* The invariants every state the runtime writes satisfies; a message for
 * the first one group `i` breaks, or NULL. */
static const char *rt_group_invariant(const lrs_optim *opt, const rt_loaded_group *lg, size_t n,
                                      int64_t step, char *msg, size_t len)
{
    const lrs_rt_kind *d = &lrs_rt_kinds[opt->kind];
    if (lg->t < 0 || lg->t > step) {
        snprintf(msg, len, "group step %lld outside 0..%lld (the optimizer's step)",
                 (long long)lg->t, (long long)step);
        return msg;
    }
    if (lg->momentum_init > 1 || lg->flags[0] > 1 || lg->flags[1] > 1 || lg->flags[2] > 1 ||
        lg->flags[3] > 1)
        return "a flag field holds neither 0 nor 1";
    if (lg->momentum_init && !(lg->mask & 1u)) return "momentum is marked started without a buffer";
    /* The buffers its own hyperparameters need (bindings can add more). */
    lrs_rt_group probe = {.n = n, .hp = lg->hp};
    for (int s = 0; s < LRS_RT_MAX_STATE; s++)
        if (!(lg->mask >> s & 1u) && lrs_rt_state_needed(opt->kind, &probe, s)) {
            snprintf(msg, len, "%s is missing", d->state[s]);
            return msg;
        }
    for (int s = 0; s < LRS_RT_MAX_STATE; s++) {
        const float *b = lg->state[s];
        if (!b || !(lg->mask >> s & 1u)) continue;
        const int nonneg = d->nonneg >> s & 1u;
        for (size_t i = 0; i < n; i++)
            if (isnan(b[i]) || (nonneg && b[i] < 0)) {
                snprintf(msg, len, "%s[%zu] is %g, but it is never %s", d->state[s], i,
                         (double)b[i], nonneg ? "negative or NaN" : "NaN");
                return msg;
            }
    }
    return NULL;
}

/* The shortest of %.15g / %.17g that reads back as x. */
static const char *rt_shortest(double x, char *buf, size_t len)
{
    snprintf(buf, len, "%.15g", x);
    if (strtod(buf, NULL) != x) snprintf(buf, len, "%.17g", x);
    return buf;
}

/* Whether the bindings recorded for group i are those of the optimizer. */
static const char *rt_binding_mismatch(const lrs_optim *opt, size_t i, const rt_loaded_group *lg,
                                       char *msg, size_t len)
{
    const lrs_rt_group *g = &opt->groups[i];
    for (int h = 0; h < LRS_RT_NH; h++) {
        if (!(lrs_rt_kinds[opt->kind].hparams >> h & 1u)) continue;
        const lrs_rt_binding *b = &g->bind[h];
        const int now = LRS_RT_BOUND(*b);
        const int then = lg->bind[h].bound != 0;
        const char *name = lrs_rt_hparams[h].name;
        if (now == then && (!now || (b->scale == lg->bind[h].scale &&
                                     strncmp(b->id, lg->bind[h].id, LRS_RT_ID_MAX) == 0)))
            continue;
        char was[96], is[96], sc[32];
        if (then)
            snprintf(was, sizeof was, "bound to schedule '%s' with scale %s",
                     lg->bind[h].id[0] ? lg->bind[h].id : "(unnamed)",
                     rt_shortest(lg->bind[h].scale, sc, sizeof sc));
        else
            snprintf(was, sizeof was, "not bound (constant %g)",
                     *(const double *)((const char *)&lg->hp + lrs_rt_hparams[h].offset));
        if (now)
            snprintf(is, sizeof is, "bound to schedule '%s' with scale %s",
                     b->id[0] ? b->id : "(unnamed)", rt_shortest(b->scale, sc, sizeof sc));
        else
            snprintf(is, sizeof is, "not bound");
        snprintf(msg, len,
                 "group %zu '%s' was %s when saved, here it is %s (bind it as before, or load "
                 "with LRS_OPTIM_LOAD_ANY_BINDINGS to accept)",
                 i, name, was, is);
        return msg;
    }
    return NULL;
}

/* Parse, check and commit a checkpoint of `size` bytes from r. */
static int rt_parse(lrs_optim *opt, rt_reader *r, uint64_t size, const char *what, unsigned flags)
{
    char msg[400];
    lrs_errbuf es;
    rt_hash_init(&r->hash);
    rt_loaded_group *lg = NULL;
    size_t nlg = 0;
    unsigned char *sig[LRS_RT_MAX_SIGNALS] = {0}; /* the saved signal states */

#define FAIL(c, ...)                                                                               \
    do {                                                                                           \
        snprintf(msg, sizeof msg, __VA_ARGS__);                                                    \
        return rt_load_fail(opt, lg, nlg, sig, (c), what, msg);                                    \
    } while (0)
#define READ(buf, len, part)                                                                       \
    do {                                                                                           \
        if (rt_read(r, (buf), (len), 1) != 0) {                                                    \
            if (r->err == -1)                                                                      \
                FAIL(LRS_OPTIM_ECORRUPT, "truncated in %s (it has %llu bytes)", (part),            \
                     (unsigned long long)size);                                                    \
            FAIL(LRS_OPTIM_EIO, "read error in %s: %s", (part), lrs_strerror(r->err, &es));        \
        }                                                                                          \
    } while (0)

    unsigned char head[RT_CKPT_HEAD_BYTES];
    READ(head, sizeof head, "the header");
    if (memcmp(head, RT_CKPT_MAGIC, 8) != 0)
        FAIL(LRS_OPTIM_ECORRUPT, "not an lrs optimizer checkpoint (bad magic)");
    const unsigned char *p = head + 8;
    const uint64_t version = rt_get(&p, 4), kind = rt_get(&p, 4), ngroups = rt_get(&p, 8);
    const int64_t step = (int64_t)rt_get(&p, 8);
    if (version < 1 || version > RT_CKPT_VERSION)
        FAIL(LRS_OPTIM_ECORRUPT, "format version %llu, this library reads versions 1 to %u",
             (unsigned long long)version, RT_CKPT_VERSION);
    /* Signal states: version 3 counts them in the header, version 2 holds
     * at least one (counted after the buffers), version 1 none. */
    uint64_t saved_nsig = 0;
    if (version >= 3) {
        unsigned char cnt[8];
        READ(cnt, sizeof cnt, "the header");
        p = cnt;
        saved_nsig = rt_get(&p, 8);
    }
    const int saved_any = version >= 3 ? saved_nsig != 0 : version == 2;
    if (saved_any && !opt->nsignals)
        FAIL(LRS_OPTIM_EMISMATCH, "holds signal states, and this optimizer tracks none "
                                  "(bind its reactive schedules first)");
    if (!saved_any && opt->nsignals)
        FAIL(LRS_OPTIM_EMISMATCH, "holds no signal states, and this optimizer tracks %zu",
             opt->nsignals);
    if (version >= 3 && saved_nsig != opt->nsignals)
        FAIL(LRS_OPTIM_EMISMATCH, "holds %llu signal states, this optimizer tracks %zu",
             (unsigned long long)saved_nsig, opt->nsignals);
    const size_t nsig = opt->nsignals;
    if (kind >= LRS_RT_NKINDS)
        FAIL(LRS_OPTIM_ECORRUPT, "unknown optimizer kind %llu", (unsigned long long)kind);
    if (kind != (uint64_t)opt->kind)
        FAIL(LRS_OPTIM_EMISMATCH, "saved by %s, this optimizer is %s", lrs_rt_kind_name((int)kind),
             lrs_rt_kind_name(opt->kind));
    if (ngroups != opt->ngroups)
        FAIL(LRS_OPTIM_EMISMATCH, "has %llu parameter groups, this optimizer has %zu",
             (unsigned long long)ngroups, opt->ngroups);
    lg = calloc(ngroups ? ngroups : 1, sizeof *lg);
    if (!lg) FAIL(LRS_OPTIM_ENOMEM, "out of memory");
    nlg = ngroups;

    /* Group headers; the expected size follows from them. */
    const size_t gbytes = version >= 3 ? RT_CKPT_GROUP_BYTES : RT_CKPT_GROUP_V1;
    uint64_t expect = RT_CKPT_HEAD_BYTES + (version >= 3 ? 8u : 0u) + ngroups * gbytes + 8;
    for (size_t i = 0; i < nlg; i++) {
        unsigned char gh[RT_CKPT_GROUP_BYTES];
        uint64_t n;
        READ(gh, gbytes, "a group header");
        rt_decode_group(gh, (int)version, &n, &lg[i]);
        if (n != opt->groups[i].n)
            FAIL(LRS_OPTIM_EMISMATCH, "group %zu has %llu parameters, this optimizer's has %zu", i,
                 (unsigned long long)n, opt->groups[i].n);
        if (lg[i].mask >> LRS_RT_MAX_STATE)
            FAIL(LRS_OPTIM_ECORRUPT, "group %zu header is damaged (state mask %#x)", i, lg[i].mask);
        for (int s = 0; s < LRS_RT_MAX_STATE; s++)
            if (lg[i].mask >> s & 1u) {
                if (!lrs_rt_state_name(opt->kind, s))
                    FAIL(LRS_OPTIM_ECORRUPT, "group %zu header is damaged (slot %d is not %s's)", i,
                         s, lrs_rt_kind_name(opt->kind));
                expect += n * sizeof(float);
            }
    }
    if (version == 2) expect += 8;
    for (size_t i = 0; i < nsig; i++)
        expect += 8 + lrs_signals_state_size(opt->signals[i]);
    if (size < expect)
        FAIL(LRS_OPTIM_ECORRUPT, "truncated: %llu bytes, the header promises %llu",
             (unsigned long long)size, (unsigned long long)expect);
    if (size > expect)
        FAIL(LRS_OPTIM_ECORRUPT, "%llu bytes, the header promises %llu (trailing data)",
             (unsigned long long)size, (unsigned long long)expect);

    /* The buffers: fresh ones, also for any slot the current bindings need
     * that the file lacks (filled with the slot's initial value). */
    for (size_t i = 0; i < nlg; i++) {
        lrs_rt_group probe = opt->groups[i];
        probe.hp = lg[i].hp;
        const size_t n = probe.n;
        for (int s = 0; s < LRS_RT_MAX_STATE; s++) {
            const int in_file = lg[i].mask >> s & 1u;
            if (!in_file && !lrs_rt_state_needed(opt->kind, &probe, s)) continue;
            lg[i].state[s] = lrs_rt_alloc(n);
            if (!lg[i].state[s]) FAIL(LRS_OPTIM_ENOMEM, "out of memory for group %zu", i);
            if (in_file) {
                READ(lg[i].state[s], n * sizeof(float), "a state buffer");
            } else {
                lrs_rt_state_fill(opt->kind, &lg[i].hp, s, lg[i].state[s], n);
            }
        }
    }
    if (version == 2) {
        unsigned char cnt[8];
        READ(cnt, sizeof cnt, "the signal states");
        p = cnt;
        if (rt_get(&p, 8) != nsig)
            FAIL(LRS_OPTIM_EMISMATCH, "holds another number of signal states than the %zu tracked",
                 nsig);
    }
    for (size_t i = 0; i < nsig; i++) {
        unsigned char len[8];
        READ(len, sizeof len, "a signal state");
        p = len;
        size_t n = lrs_signals_state_size(opt->signals[i]);
        if (rt_get(&p, 8) != n)
            FAIL(LRS_OPTIM_EMISMATCH, "signal state %zu is of other signals or detectors", i);
        if (!(sig[i] = malloc(n))) FAIL(LRS_OPTIM_ENOMEM, "out of memory");
        READ(sig[i], n, "a signal state");
        int rc = lrs_signals_verify(opt->signals[i], sig[i], n);
        if (rc == LRS_SIGNALS_EMISMATCH)
            FAIL(LRS_OPTIM_EMISMATCH, "signal state %zu is of other signals or detectors", i);
        if (rc) FAIL(LRS_OPTIM_ECORRUPT, "signal state %zu is damaged", i);
    }
    unsigned char sum[8];
    const uint64_t want = rt_hash_final(&r->hash);
    if (rt_read(r, sum, sizeof sum, 0) != 0)
        FAIL(LRS_OPTIM_ECORRUPT, "truncated before the checksum");
    p = sum;
    if (rt_get(&p, 8) != want) FAIL(LRS_OPTIM_ECORRUPT, "checksum mismatch (the file is damaged)");

    /* Intact as written; now what it says must be possible. */
    if (step < 0 || step == INT64_MAX)
        FAIL(LRS_OPTIM_ECORRUPT, "impossible step count %lld", (long long)step);
    for (size_t i = 0; i < nlg; i++) {
        if (lrs_rt_check_hparams(opt, &lg[i].hp) != LRS_OPTIM_OK)
            FAIL(LRS_OPTIM_ECORRUPT, "group %zu: %s", i, opt->err);
        char why[200];
        const char *bad = rt_group_invariant(opt, &lg[i], opt->groups[i].n, step, why, sizeof why);
        if (bad) FAIL(LRS_OPTIM_ECORRUPT, "group %zu: %s", i, bad);
        for (int h = 0; lg[i].has_bind && h < LRS_RT_NH; h++)
            if (lg[i].bind[h].bound > 1 || lg[i].bind[h].idlen > LRS_RT_ID_MAX ||
                strnlen(lg[i].bind[h].id, LRS_RT_ID_MAX) != lg[i].bind[h].idlen ||
                !isfinite(lg[i].bind[h].scale))
                FAIL(LRS_OPTIM_ECORRUPT, "group %zu: binding of '%s' is damaged", i,
                     lrs_rt_hparams[h].name);
    }
    if (!(flags & LRS_OPTIM_LOAD_ANY_BINDINGS))
        for (size_t i = 0; i < nlg; i++) {
            const char *bad =
                lg[i].has_bind ? rt_binding_mismatch(opt, i, &lg[i], msg, sizeof msg) : NULL;
            if (bad) return rt_load_fail(opt, lg, nlg, sig, LRS_OPTIM_EMISMATCH, what, bad);
        }
#undef READ
#undef FAIL

    /* Everything checked: commit. */
    for (size_t i = 0; i < nlg; i++) {
        lrs_rt_group *g = &opt->groups[i];
        for (int s = 0; s < LRS_RT_MAX_STATE; s++) {
            lrs_rt_dealloc(g->state[s]);
            g->state[s] = lg[i].state[s];
        }
        g->hp = lg[i].hp;
        g->t = lg[i].t;
        g->momentum_init = lg[i].momentum_init != 0;
        lrs_rt_reset_cur(g);
    }
    free(lg);
    for (size_t i = 0; i < nsig; i++) { /* verified above: cannot fail */
        lrs_signals_load(opt->signals[i], sig[i], lrs_signals_state_size(opt->signals[i]));
        free(sig[i]);
    }
    opt->step = step;
    opt->grads_state = LRS_RT_GRADS_UNKNOWN;
    return LRS_OPTIM_OK;
}

int lrs_optim_load_flags(lrs_optim *opt, const char *path, unsigned flags)
{
    LRS_RT_CHECK(opt);
    lrs_errbuf es;
    if (!path) return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "no checkpoint path");
    if (!rt_little_endian())
        return lrs_rt_fail(opt, LRS_OPTIM_EUNSUPPORTED, "checkpoints need a little-endian host");
    /* Non-blocking, so that a FIFO or a device cannot hang the open; then
     * only a regular file is read. */
    rt_reader r = {.fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)};
    if (r.fd < 0)
        return lrs_rt_fail(opt, LRS_OPTIM_EIO, "cannot open checkpoint %s: %s", path,
                           lrs_strerror(errno, &es));
    struct stat st;
    if (fstat(r.fd, &st) != 0) {
        int e = errno;
        close(r.fd);
        return lrs_rt_fail(opt, LRS_OPTIM_EIO, "cannot stat checkpoint %s: %s", path,
                           lrs_strerror(e, &es));
    }
    if (!S_ISREG(st.st_mode)) {
        close(r.fd);
        return lrs_rt_fail(opt, LRS_OPTIM_EIO, "checkpoint %s is not a regular file", path);
    }
    int rc = rt_parse(opt, &r, (uint64_t)st.st_size, path, flags);
    close(r.fd);
    return rc;
}

int lrs_optim_load(lrs_optim *opt, const char *path)
{
    return lrs_optim_load_flags(opt, path, 0);
}

int lrs_optim_load_buffer(lrs_optim *opt, const void *buf, size_t len, unsigned flags)
{
    LRS_RT_CHECK(opt);
    if (!buf) return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "no checkpoint buffer");
    if (!rt_little_endian())
        return lrs_rt_fail(opt, LRS_OPTIM_EUNSUPPORTED, "checkpoints need a little-endian host");
    rt_reader r = {.fd = -1, .mem = buf, .len = len};
    return rt_parse(opt, &r, len, "(buffer)", flags);
}
