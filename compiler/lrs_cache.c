/* lrs_cache.c — the on-disk cache of native code (lrs_cache.h).
 *
 * An entry is DIR/KEY.so, a shared object written by lrs_program_emit for
 * the host CPU (`cpu = "native"`) with the function prefix lrs_KEY_. KEY
 * is 128 bits of digest over what decides the machine code: the lrs
 * version, the descriptor table's and the backend's ABI versions, the
 * LLVM version liblrs was built against, the code generator's build (the
 * file that holds it), the CPU, and per schedule its name, span,
 * boundaries, ABI (reactive or not) and straight-line code. A hit is read
 * with lrs_aot_open (a regular file, its ELF header, its descriptor's
 * length and checksum, the table's magic and version) and then checked
 * against the program: the table's prefix must carry KEY (a file renamed
 * or copied from another key is refused) and its schedules must be the
 * program's, in order, with the functions of their ABI. An entry that
 * fails is replaced. lrs_program_emit writes to a temporary file in DIR
 * and renames it, so concurrent writers each install a whole file.
 *
 * A shared object runs code when it is loaded, so only a directory owned
 * by the user and writable by no one else is used (the ones made here are
 * 0700), and only entries owned by the user that no one else may write. */
#define _GNU_SOURCE /* ST_NOEXEC */
#include "lrs_cache.h"
#include "lrs_native.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#elif defined(__linux__)
#include <sys/auxv.h>
#endif

#ifndef LRS_LLVM_VERSION
#error "LRS_LLVM_VERSION (the LLVM the backend is built with) must be defined"
#endif

/* ---- the digest ------------------------------------------------------------- */

/* Two 64-bit lanes of different multiplicative hashes over the same
 * bytes, each finished with splitmix64's finaliser: 128 bits, which is
 * plenty against accidental collisions (the key is not a defence against
 * someone who can write the directory; its permissions are). */
typedef struct digest {
    uint64_t a, b;
} digest;

static void digest_init(digest *d)
{
    d->a = 0xcbf29ce484222325ull; /* FNV-1a's offset basis */
    d->b = 0x6a09e667f3bcc909ull;
}

static void feed(void *user, const unsigned char *p, size_t n)
{
    digest *d = user;
    for (size_t i = 0; i < n; i++) {
        d->a = (d->a ^ p[i]) * 0x100000001b3ull; /* FNV-1a */
        d->b = ((d->b ^ p[i]) * 0x9e3779b97f4a7c15ull) ^ (d->b >> 29);
    }
}

static void feed_u64(digest *d, uint64_t v)
{
    unsigned char b[8];
    for (int k = 0; k < 8; k++)
        b[k] = (unsigned char)(v >> (8 * k));
    feed(d, b, sizeof b);
}

static void feed_double(digest *d, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    feed_u64(d, bits);
}

/* Length first, so that ("ab", "c") and ("a", "bc") differ. */
static void feed_str(digest *d, const char *s)
{
    size_t n = strlen(s);
    feed_u64(d, n);
    feed(d, (const unsigned char *)s, n);
}

static uint64_t finish(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* ---- the host ----------------------------------------------------------------- */

#if defined(__x86_64__) || defined(__i386__)
/* What LLVM's host CPU name and features are made of: the vendor, family,
 * model and stepping, the feature leaves, the brand string and the
 * register state the OS enables (XCR0). Leaf 1's EBX is left out: it
 * holds the APIC id of the core the thread happens to run on. */
static void cpu_identity(digest *d)
{
    unsigned r[4];
    unsigned max = __get_cpuid_max(0, NULL);
    feed_str(d, "x86");
    if (__get_cpuid(0, &r[0], &r[1], &r[2], &r[3])) feed(d, (const unsigned char *)r, sizeof r);
    if (max >= 1 && __get_cpuid(1, &r[0], &r[1], &r[2], &r[3])) {
        r[1] = 0;
        feed(d, (const unsigned char *)r, sizeof r);
        if (r[2] & bit_OSXSAVE) {
            unsigned lo, hi;
            __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
            feed_u64(d, (uint64_t)hi << 32 | lo);
        }
    }
    for (unsigned sub = 0; max >= 7 && sub < 2; sub++) {
        __cpuid_count(7, sub, r[0], r[1], r[2], r[3]);
        feed(d, (const unsigned char *)r, sizeof r);
    }
    unsigned emax = __get_cpuid_max(0x80000000u, NULL);
    for (unsigned leaf = 0x80000001u; leaf <= 0x80000004u && leaf <= emax; leaf++) {
        __cpuid(leaf, r[0], r[1], r[2], r[3]);
        feed(d, (const unsigned char *)r, sizeof r);
    }
}
#elif defined(__linux__)
static void cpu_identity(digest *d)
{
    feed_str(d, "hwcap");
    feed_u64(d, getauxval(AT_HWCAP));
    feed_u64(d, getauxval(AT_HWCAP2));
    const char *plat = (const char *)getauxval(AT_PLATFORM);
    feed_str(d, plat ? plat : "");
}
#else
static void cpu_identity(digest *d)
{
    feed_str(d, "unknown");
}
#endif

void lrs_cache_host_get(lrs_cache_host *h, const char *backend_file)
{
    digest d;
    digest_init(&d);
    cpu_identity(&d);
    h->cpu[0] = finish(d.a);
    h->cpu[1] = finish(d.b);
    struct stat st;
    h->ok = backend_file && !stat(backend_file, &st);
    digest_init(&d);
    if (h->ok) {
        feed_u64(&d, (uint64_t)st.st_dev);
        feed_u64(&d, (uint64_t)st.st_ino);
        feed_u64(&d, (uint64_t)st.st_size);
        feed_u64(&d, (uint64_t)st.st_mtim.tv_sec);
        feed_u64(&d, (uint64_t)st.st_mtim.tv_nsec);
    }
    h->backend[0] = finish(d.a);
    h->backend[1] = finish(d.b);
}

/* ---- the key ------------------------------------------------------------------ */

void lrs_cache_key(const lrs_program *p, const lrs_cache_host *h, char out[LRS_CACHE_KEY_LEN + 1])
{
    digest d;
    digest_init(&d);
    feed_str(&d, "lrs native code cache 1");
    feed_str(&d, LRS_VERSION_STRING);
    feed_u64(&d, LRS_AOT_VERSION);
    feed_u64(&d, LRS_NATIVE_ABI);
    feed_str(&d, LRS_LLVM_VERSION);
    feed_u64(&d, sizeof(void *));
    for (int k = 0; k < 2; k++) {
        feed_u64(&d, h->cpu[k]);
        feed_u64(&d, h->backend[k]);
    }
    feed_u64(&d, p->nsched);
    for (size_t i = 0; i < p->nsched; i++) {
        const lrs_schedule *s = &p->sched[i];
        feed_str(&d, s->name);
        feed_u64(&d, (uint64_t)s->reactive);
        feed_double(&d, s->span);
        feed_u64(&d, s->nbounds);
        for (size_t j = 0; j < s->nbounds; j++)
            feed_double(&d, s->bounds[j]);
        lrs_code_digest(&s->code, feed, &d);
    }
    snprintf(out, LRS_CACHE_KEY_LEN + 1, "%016llx%016llx", (unsigned long long)finish(d.a),
             (unsigned long long)finish(d.b));
}

/* ---- the directory ------------------------------------------------------------- */

static int is_off(const char *v)
{
    return v && (!strcasecmp(v, "off") || !strcmp(v, "0") || !strcasecmp(v, "no") ||
                 !strcasecmp(v, "false"));
}

static char *join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *s = malloc(na + nb + 1);
    if (!s) return NULL;
    memcpy(s, a, na);
    memcpy(s + na, b, nb + 1);
    return s;
}

char *lrs_cache_env(int *off)
{
    *off = is_off(getenv("LRS_CACHE"));
    const char *env = getenv("LRS_CACHE_DIR");
    if (env && *env) return join(env, "");
    if ((env = getenv("XDG_CACHE_HOME")) && env[0] == '/') /* relative: ignored (XDG) */
        return join(env, "/lrs");
    if ((env = getenv("HOME")) && env[0] == '/') return join(env, "/.cache/lrs");
    return NULL;
}

int lrs_cache_dir(const lrs_program *p, char *buf, size_t n)
{
    if (p->no_cache || p->ctx->cache_env_off) return -1;
    const char *dir = p->cache_dir && *p->cache_dir ? p->cache_dir : p->ctx->cache_env_dir;
    if (!dir) return -1;
    int len = snprintf(buf, n, "%s", dir);
    return len < 0 || (size_t)len >= n ? -1 : 0;
}

/* Make dir and its missing parents (0700), then check that it is a
 * directory of this user that nobody else can write, where code can be
 * loaded from. */
static int trusted_dir(char *dir)
{
    struct stat st;
    if (stat(dir, &st)) {
        for (char *s = dir + 1; *s; s++) {
            if (*s != '/') continue;
            *s = 0;
            int bad = mkdir(dir, 0700) && errno != EEXIST;
            *s = '/';
            if (bad) return -1;
        }
        if (mkdir(dir, 0700) && errno != EEXIST) return -1;
        if (stat(dir, &st)) return -1;
    }
    /* On a file system mounted noexec nothing could be loaded: every run
     * would compile an entry in vain. */
    struct statvfs fs;
    if (!statvfs(dir, &fs) && fs.f_flag & ST_NOEXEC) return -1;
    return S_ISDIR(st.st_mode) && st.st_uid == geteuid() && !(st.st_mode & 022) ? 0 : -1;
}

/* ---- entries ------------------------------------------------------------------- */

/* The loaded entry at path if it is this program's code, else NULL. */
static lrs_aot *open_entry(const lrs_program *p, const char *path, const char *prefix)
{
    struct stat st;
    if (lstat(path, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_mode & 022)
        return NULL;
    lrs_aot *a = lrs_aot_open(path, NULL, 0);
    const lrs_aot_table *t = lrs_aot_get_table(a);
    int ok = t && t->prefix && !strcmp(t->prefix, prefix) && t->schedule_count == p->nsched;
    for (size_t i = 0; ok && i < p->nsched; i++) {
        const lrs_aot_schedule *s = &t->schedules[i];
        ok = s->name && !strcmp(s->name, p->sched[i].name) &&
             (p->sched[i].reactive ? s->reactive_fn && s->reactive_range && !s->fn
                                   : s->fn && s->range && !s->reactive_fn);
    }
    if (!ok) {
        lrs_aot_close(a);
        return NULL;
    }
    return a;
}

lrs_aot *lrs_cache_open(const lrs_program *p, const lrs_cache_host *h, lrs_cache_emit_fn emit,
                        lrs_cache_result *result)
{
    lrs_cache_result dummy;
    if (!result) result = &dummy;
    *result = LRS_CACHE_OFF;
    char dir[4096], path[4096 + LRS_CACHE_KEY_LEN + 8];
    if (!lrs_program_ok(p) || lrs_cache_dir(p, dir, sizeof dir)) return NULL;
    *result = LRS_CACHE_UNUSABLE;
    if (!h->ok || trusted_dir(dir)) return NULL;
    char key[LRS_CACHE_KEY_LEN + 1], prefix[LRS_CACHE_KEY_LEN + 8];
    lrs_cache_key(p, h, key);
    snprintf(prefix, sizeof prefix, "lrs_%s_", key);
    snprintf(path, sizeof path, "%s/%s.so", dir, key);
    lrs_aot *a = open_entry(p, path, prefix);
    if (a) {
        *result = LRS_CACHE_HIT;
        return a;
    }
    /* None, or one that failed a check: write it (again) under a name of
     * its own, then link it in. A failure (no C compiler, a full disk,
     * names lrs_program_emit refuses) leaves the program to the JIT. */
    char tmp[sizeof path + 8];
    snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, key);
    int fd = mkstemp(tmp);
    if (fd < 0) return NULL;
    close(fd);
    lrs_emit_options o = {LRS_EMIT_SHARED, tmp, prefix, "native", NULL};
    char err[512];
    if (emit(p, &o, err, sizeof err) != LRS_EMIT_OK) {
        unlink(tmp);
        return NULL;
    }
    /* A writer that got there first (another thread or process that
     * missed too) keeps its entry: replacing a file this process has
     * loaded would make the loader refuse the new one by that name. A
     * bad entry is replaced. */
    if (link(tmp, path) && (errno != EEXIST || !(a = open_entry(p, path, prefix))) &&
        rename(tmp, path)) {
        unlink(tmp);
        return NULL;
    }
    unlink(tmp);
    if (a)
        *result = LRS_CACHE_HIT; /* the other writer's */
    else if ((a = open_entry(p, path, prefix)))
        *result = LRS_CACHE_STORED;
    return a;
}
