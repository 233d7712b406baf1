/* rt_checkpoint.c — saving and restoring an optimizer's complete state.
 * Saving is atomic (temporary file, fsync, rename, fsync of the directory);
 * loading reads everything into fresh buffers and verifies the checksum
 * before it touches the optimizer, so a bad file changes nothing.
 * The layout is in docs/optimizer.md ("Checkpoint format"). */
#include "rt_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RT_CKPT_MAGIC "LRSOPTIM"
#define RT_CKPT_VERSION 1u         /* no signal states */
#define RT_CKPT_VERSION_SIGNALS 2u /* followed by the tracked signal states */
#define RT_CKPT_NHP 10             /* doubles per group header */
#define RT_CKPT_GROUP_BYTES (8 + 8 + 4 + 4 + 8 * RT_CKPT_NHP + 4 * 4)
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

/* ---- buffered, hashing writer ---- */

typedef struct rt_writer {
    int fd;
    unsigned char *buf;
    size_t used;
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
}

static unsigned rt_state_mask(const lrs_rt_group *g)
{
    unsigned mask = 0;
    for (int s = 0; s < LRS_RT_MAX_STATE; s++)
        mask |= g->state[s] ? 1u << s : 0;
    return mask;
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

int lrs_optim_save(lrs_optim *opt, const char *path)
{
    if (!path) return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "no checkpoint path");
    if (!rt_little_endian())
        return lrs_rt_fail(opt, LRS_OPTIM_EUNSUPPORTED, "checkpoints need a little-endian host");
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    rt_writer w = {.fd = -1, .buf = malloc(RT_IO_BUF)};
    if (!tmp || !w.buf) {
        free(tmp), free(w.buf);
        return lrs_rt_fail(opt, LRS_OPTIM_ENOMEM, "out of memory");
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);
    w.fd = mkstemp(tmp);
    if (w.fd < 0) {
        int e = errno;
        free(tmp), free(w.buf);
        return lrs_rt_fail(opt, LRS_OPTIM_EIO, "cannot create a temporary file beside %s: %s", path,
                           strerror(e));
    }
    rt_hash_init(&w.hash);

    unsigned char head[RT_CKPT_HEAD_BYTES], *p = head;
    memcpy(p, RT_CKPT_MAGIC, 8), p += 8;
    rt_put(&p, opt->nsignals ? RT_CKPT_VERSION_SIGNALS : RT_CKPT_VERSION, 4);
    rt_put(&p, (uint64_t)opt->kind, 4);
    rt_put(&p, opt->ngroups, 8);
    rt_put(&p, (uint64_t)opt->step, 8);
    rt_write(&w, head, sizeof head);
    for (size_t i = 0; i < opt->ngroups; i++) {
        unsigned char gh[RT_CKPT_GROUP_BYTES];
        rt_encode_group(gh, &opt->groups[i], rt_state_mask(&opt->groups[i]));
        rt_write(&w, gh, sizeof gh);
    }
    for (size_t i = 0; i < opt->ngroups; i++)
        for (int s = 0; s < LRS_RT_MAX_STATE; s++)
            if (opt->groups[i].state[s])
                rt_write(&w, opt->groups[i].state[s], opt->groups[i].n * sizeof(float));
    /* Version 2: the count, then each signal state's size and bytes
     * (lrs_signals_save), so that reactive schedules resume exactly. */
    if (opt->nsignals) {
        unsigned char cnt[8], *c = cnt;
        rt_put(&c, opt->nsignals, 8);
        rt_write(&w, cnt, sizeof cnt);
    }
    for (size_t i = 0; i < opt->nsignals; i++) {
        size_t n = lrs_signals_state_size(opt->signals[i]);
        unsigned char *blob = malloc(n + 8), *c = blob;
        if (!blob) {
            w.err = ENOMEM;
            break;
        }
        rt_put(&c, n, 8);
        lrs_signals_save(opt->signals[i], blob + 8, n);
        rt_write(&w, blob, n + 8);
        free(blob);
    }
    unsigned char sum[8], *q = sum;
    rt_put(&q, rt_hash_final(&w.hash), 8);
    rt_write(&w, sum, sizeof sum);
    rt_flush(&w);
    if (!w.err && fsync(w.fd) != 0) w.err = errno;
    if (close(w.fd) != 0 && !w.err) w.err = errno;
    if (!w.err && rename(tmp, path) != 0) w.err = errno;
    free(w.buf);
    if (w.err) {
        unlink(tmp);
        free(tmp);
        return lrs_rt_fail(opt, LRS_OPTIM_EIO, "cannot write checkpoint %s: %s", path,
                           strerror(w.err));
    }
    free(tmp);
    /* Make the rename itself durable. */
    char *dir = rt_dirname(path);
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY) : -1;
    free(dir);
    if (dfd < 0 || fsync(dfd) != 0) {
        int e = errno;
        if (dfd >= 0) close(dfd);
        return lrs_rt_fail(opt, LRS_OPTIM_EIO,
                           "checkpoint %s written but its directory could not be synced: %s", path,
                           strerror(e));
    }
    close(dfd);
    return LRS_OPTIM_OK;
}

/* ---- loading ---- */

typedef struct rt_reader {
    int fd;
    rt_hash hash;
    int err; /* errno, or -1 for end of file */
} rt_reader;

/* Read exactly len bytes (hashing them); 0 on success. */
static int rt_read(rt_reader *r, void *data, size_t len, int hash)
{
    unsigned char *b = data;
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
    if (hash) rt_hash_update(&r->hash, data, len);
    return 0;
}

typedef struct rt_loaded_group {
    lrs_optim_hparams hp;
    int64_t t;
    int momentum_init;
    unsigned mask;
    float *state[LRS_RT_MAX_STATE];
} rt_loaded_group;

static void rt_decode_group(const unsigned char *in, uint64_t *n, rt_loaded_group *lg)
{
    const unsigned char *p = in;
    *n = rt_get(&p, 8);
    lg->t = (int64_t)rt_get(&p, 8);
    lg->momentum_init = (int)rt_get(&p, 4);
    lg->mask = (unsigned)rt_get(&p, 4);
    double d[RT_CKPT_NHP];
    for (int k = 0; k < RT_CKPT_NHP; k++)
        d[k] = rt_get_f64(&p);
    lrs_optim_hparams *h = &lg->hp;
    h->lr = d[0], h->momentum = d[1], h->dampening = d[2], h->beta1 = d[3], h->beta2 = d[4];
    h->eps = d[5], h->weight_decay = d[6], h->alpha = d[7], h->lr_decay = d[8];
    h->initial_accumulator_value = d[9];
    h->nesterov = (int)rt_get(&p, 4);
    h->amsgrad = (int)rt_get(&p, 4);
    h->centered = (int)rt_get(&p, 4);
    h->maximize = (int)rt_get(&p, 4);
}

static int rt_load_fail(lrs_optim *opt, rt_loaded_group *lg, size_t nlg, unsigned char **sig,
                        int code, const char *path, const char *what)
{
    for (size_t i = 0; sig && i < LRS_RT_MAX_SIGNALS; i++)
        free(sig[i]);
    for (size_t i = 0; lg && i < nlg; i++)
        for (int s = 0; s < LRS_RT_MAX_STATE; s++)
            lrs_rt_dealloc(lg[i].state[s]);
    free(lg);
    return lrs_rt_fail(opt, code, "checkpoint %s: %s", path, what);
}

int lrs_optim_load(lrs_optim *opt, const char *path)
{
    char msg[160];
    if (!path) return lrs_rt_fail(opt, LRS_OPTIM_EINVAL, "no checkpoint path");
    if (!rt_little_endian())
        return lrs_rt_fail(opt, LRS_OPTIM_EUNSUPPORTED, "checkpoints need a little-endian host");
    rt_reader r = {.fd = open(path, O_RDONLY)};
    if (r.fd < 0)
        return lrs_rt_fail(opt, LRS_OPTIM_EIO, "cannot open checkpoint %s: %s", path,
                           strerror(errno));
    struct stat st;
    if (fstat(r.fd, &st) != 0) {
        int e = errno;
        close(r.fd);
        return lrs_rt_fail(opt, LRS_OPTIM_EIO, "cannot stat checkpoint %s: %s", path, strerror(e));
    }
    const uint64_t fsize = (uint64_t)st.st_size;
    rt_hash_init(&r.hash);
    rt_loaded_group *lg = NULL;
    size_t nlg = 0;
    unsigned char *sig[LRS_RT_MAX_SIGNALS] = {0}; /* the saved signal states */

#define FAIL(c, ...)                                                                               \
    do {                                                                                           \
        snprintf(msg, sizeof msg, __VA_ARGS__);                                                    \
        close(r.fd);                                                                               \
        return rt_load_fail(opt, lg, nlg, sig, (c), path, msg);                                    \
    } while (0)
#define READ(buf, len, what)                                                                       \
    do {                                                                                           \
        if (rt_read(&r, (buf), (len), 1) != 0) {                                                   \
            if (r.err == -1)                                                                       \
                FAIL(LRS_OPTIM_ECORRUPT, "truncated in %s (file has %llu bytes)", (what),          \
                     (unsigned long long)fsize);                                                   \
            FAIL(LRS_OPTIM_EIO, "read error in %s: %s", (what), strerror(r.err));                  \
        }                                                                                          \
    } while (0)

    unsigned char head[RT_CKPT_HEAD_BYTES];
    READ(head, sizeof head, "the header");
    if (memcmp(head, RT_CKPT_MAGIC, 8) != 0)
        FAIL(LRS_OPTIM_ECORRUPT, "not an lrs optimizer checkpoint (bad magic)");
    const unsigned char *p = head + 8;
    const uint64_t version = rt_get(&p, 4), kind = rt_get(&p, 4), ngroups = rt_get(&p, 8);
    const int64_t step = (int64_t)rt_get(&p, 8);
    if (version != RT_CKPT_VERSION && version != RT_CKPT_VERSION_SIGNALS)
        FAIL(LRS_OPTIM_ECORRUPT, "format version %llu, this library reads versions %u and %u",
             (unsigned long long)version, RT_CKPT_VERSION, RT_CKPT_VERSION_SIGNALS);
    const size_t nsig = version == RT_CKPT_VERSION_SIGNALS ? opt->nsignals : 0;
    if (version == RT_CKPT_VERSION_SIGNALS && !nsig)
        FAIL(LRS_OPTIM_EMISMATCH, "holds signal states, and this optimizer tracks none "
                                  "(bind its reactive schedules first)");
    if (version == RT_CKPT_VERSION && opt->nsignals)
        FAIL(LRS_OPTIM_EMISMATCH, "holds no signal states, and this optimizer tracks %zu",
             opt->nsignals);
    if (kind >= LRS_RT_NKINDS)
        FAIL(LRS_OPTIM_ECORRUPT, "unknown optimizer kind %llu", (unsigned long long)kind);
    if (kind != (uint64_t)opt->kind)
        FAIL(LRS_OPTIM_EMISMATCH, "saved by %s, this optimizer is %s", lrs_rt_kind_name((int)kind),
             lrs_rt_kind_name(opt->kind));
    if (ngroups != opt->ngroups)
        FAIL(LRS_OPTIM_EMISMATCH, "has %llu parameter groups, this optimizer has %zu",
             (unsigned long long)ngroups, opt->ngroups);
    if (step < 0) FAIL(LRS_OPTIM_ECORRUPT, "negative step count");
    lg = calloc(ngroups ? ngroups : 1, sizeof *lg);
    if (!lg) FAIL(LRS_OPTIM_ENOMEM, "out of memory");
    nlg = ngroups;

    /* Group headers; the expected size follows from them. */
    uint64_t expect = RT_CKPT_HEAD_BYTES + ngroups * RT_CKPT_GROUP_BYTES + 8;
    for (size_t i = 0; i < nlg; i++) {
        unsigned char gh[RT_CKPT_GROUP_BYTES];
        uint64_t n;
        READ(gh, sizeof gh, "a group header");
        rt_decode_group(gh, &n, &lg[i]);
        if (n != opt->groups[i].n)
            FAIL(LRS_OPTIM_EMISMATCH, "group %zu has %llu parameters, this optimizer's has %zu", i,
                 (unsigned long long)n, opt->groups[i].n);
        if (lg[i].mask >> LRS_RT_MAX_STATE || lg[i].t < 0 ||
            lrs_rt_check_hparams(opt, &lg[i].hp) != LRS_OPTIM_OK)
            FAIL(LRS_OPTIM_ECORRUPT, "group %zu header is damaged", i);
        for (int s = 0; s < LRS_RT_MAX_STATE; s++)
            if (lg[i].mask >> s & 1u) {
                if (!lrs_rt_state_name(opt->kind, s))
                    FAIL(LRS_OPTIM_ECORRUPT, "group %zu header is damaged", i);
                expect += n * sizeof(float);
            }
    }
    if (nsig) expect += 8;
    for (size_t i = 0; i < nsig; i++)
        expect += 8 + lrs_signals_state_size(opt->signals[i]);
    if (fsize < expect)
        FAIL(LRS_OPTIM_ECORRUPT, "truncated: %llu bytes, the header promises %llu",
             (unsigned long long)fsize, (unsigned long long)expect);
    if (fsize > expect)
        FAIL(LRS_OPTIM_ECORRUPT, "%llu bytes, the header promises %llu (trailing data)",
             (unsigned long long)fsize, (unsigned long long)expect);

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
    if (nsig) {
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
    const uint64_t want = rt_hash_final(&r.hash);
    if (rt_read(&r, sum, sizeof sum, 0) != 0)
        FAIL(LRS_OPTIM_ECORRUPT, "truncated before the checksum");
    p = sum;
    if (rt_get(&p, 8) != want) FAIL(LRS_OPTIM_ECORRUPT, "checksum mismatch (the file is damaged)");
    close(r.fd);
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
