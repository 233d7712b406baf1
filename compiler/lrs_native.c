/* lrs_native.c — native code through the backend table (lrs_native.h).
 * Built two ways: for liblrs, which loads liblrs-llvm.so from its own
 * directory on first use (once per process, never unloaded), and with
 * LRS_NATIVE_LINKED for the static library, whose backend is linked in.
 * A module that cannot be loaded is an error of each program that asks
 * for native code (lrs_program_native_error), not of the library. */
#define _GNU_SOURCE /* dladdr */
#include "lrs_cache.h"
#include "lrs_native.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef LRS_NATIVE_LINKED

static const lrs_native_backend *backend(const char **why)
{
    *why = NULL;
    return &lrs_native_llvm;
}

/* Loaded already when there is anything to free. */
static const lrs_native_backend *loaded(void)
{
    return &lrs_native_llvm;
}

/* The file that holds the code generator, for the cache's key: the
 * binary the backend is linked into. */
static int backend_file(char *out, size_t n)
{
    Dl_info info;
    const char *f =
        dladdr((const void *)&lrs_native_llvm, &info) && info.dli_fname && info.dli_fname[0] == '/'
            ? info.dli_fname
            : "/proc/self/exe";
    int len = snprintf(out, n, "%s", f);
    return len < 0 || (size_t)len >= n ? -1 : 0;
}

#else

#include <pthread.h>

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const lrs_native_backend *native; /* written once under load_once */
static char load_error[4400];

/* The module's path: liblrs's directory (found with dladdr on one of its
 * own functions) + "/liblrs-llvm.so". */
static int module_path(char *out, size_t n)
{
    Dl_info info;
    if (!dladdr((void *)module_path, &info) || !info.dli_fname) return -1;
    const char *slash = strrchr(info.dli_fname, '/');
    int dir = slash ? (int)(slash - info.dli_fname) : 1;
    int len = snprintf(out, n, "%.*s/liblrs-llvm.so", dir, slash ? info.dli_fname : ".");
    return len < 0 || (size_t)len >= n ? -1 : 0;
}

static void load(void)
{
    char path[4096];
    if (module_path(path, sizeof path)) {
        snprintf(load_error, sizeof load_error,
                 "cannot find the LLVM backend: liblrs does not know its own directory");
        return;
    }
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(load_error, sizeof load_error, "cannot load the LLVM backend: %s", e ? e : path);
        return;
    }
    const lrs_native_backend *b = dlsym(h, "lrs_native_llvm");
    if (!b || b->abi != LRS_NATIVE_ABI || b->program_size != sizeof(lrs_program) ||
        b->context_size != sizeof(lrs_context)) {
        snprintf(load_error, sizeof load_error,
                 "cannot use the LLVM backend %s: it was built for another version of liblrs",
                 path);
        dlclose(h);
        return;
    }
    native = b;
}

/* The file that holds the code generator, for the cache's key: the
 * module, which a cache hit does not load. */
static int backend_file(char *out, size_t n)
{
    return module_path(out, n);
}

static const lrs_native_backend *backend(const char **why)
{
    pthread_once(&load_once, load);
    *why = native ? NULL : load_error;
    return native;
}

static const lrs_native_backend *loaded(void)
{
    const char *why;
    return backend(&why);
}

#endif

/* A program's first native failure is kept (under the context's lock). */
static void fail_program(lrs_program *p, const char *why)
{
    pthread_mutex_lock(&p->ctx->lock);
    if (!p->native_error) {
        size_t n = strlen(why) + 1;
        if ((p->native_error = malloc(n))) memcpy(p->native_error, why, n);
    }
    pthread_mutex_unlock(&p->ctx->lock);
}

/* The backend for schedule i of p, or NULL (a bad argument, or a module
 * that cannot be loaded: then p's native error says why). */
static const lrs_native_backend *for_schedule(lrs_program *p, size_t i)
{
    if (!p || i >= p->nsched) return NULL;
    const char *why;
    const lrs_native_backend *b = backend(&why);
    if (!b) fail_program(p, why);
    return b;
}

/* A reactive schedule's functions come from the backend's table too, as
 * lrs_fn and lrs_range_fn: cast back to their own types here. */
static int reactive(const lrs_program *p, size_t i)
{
    return lrs_program_ok(p) && i < p->nsched && p->sched[i].reactive;
}

/* Schedule i of p from the on-disk cache (lrs_cache.c), or NULL: then
 * the JIT compiles it. The cache is tried once per program, on its first
 * native function, under the context's lock; a hit needs no backend. */
static const lrs_aot_schedule *cached(lrs_program *p, size_t i)
{
    if (!lrs_program_ok(p) || i >= p->nsched) return NULL;
    pthread_mutex_lock(&p->ctx->lock);
    if (!p->cache_tried) {
        p->cache_tried = 1;
        char dir[4096], file[4096];
        lrs_cache_host h;
        if (!lrs_cache_dir(p, dir, sizeof dir) && !backend_file(file, sizeof file)) {
            lrs_cache_host_get(&h, file);
            p->cached = lrs_cache_open(p, &h, lrs_program_emit, NULL);
        }
    }
    const lrs_aot_table *t = lrs_aot_get_table(p->cached); /* written once, freed with p */
    pthread_mutex_unlock(&p->ctx->lock);
    return t ? &t->schedules[i] : NULL;
}

lrs_fn lrs_program_function(lrs_program *p, size_t i)
{
    if (reactive(p, i)) return NULL;
    const lrs_aot_schedule *s = cached(p, i);
    if (s) return s->fn;
    const lrs_native_backend *b = for_schedule(p, i);
    return b ? b->function(p, i) : NULL;
}

lrs_range_fn lrs_program_range_function(lrs_program *p, size_t i)
{
    if (reactive(p, i)) return NULL;
    const lrs_aot_schedule *s = cached(p, i);
    if (s) return s->range;
    const lrs_native_backend *b = for_schedule(p, i);
    return b ? b->range_function(p, i) : NULL;
}

lrs_reactive_fn lrs_program_reactive_function(lrs_program *p, size_t i)
{
    if (!reactive(p, i)) return NULL;
    const lrs_aot_schedule *s = cached(p, i);
    if (s) return s->reactive_fn;
    const lrs_native_backend *b = for_schedule(p, i);
    return b ? (lrs_reactive_fn)(void (*)(void))b->function(p, i) : NULL;
}

lrs_reactive_range_fn lrs_program_reactive_range_function(lrs_program *p, size_t i)
{
    if (!reactive(p, i)) return NULL;
    const lrs_aot_schedule *s = cached(p, i);
    if (s) return s->reactive_range;
    const lrs_native_backend *b = for_schedule(p, i);
    return b ? (lrs_reactive_range_fn)(void (*)(void))b->range_function(p, i) : NULL;
}

const char *lrs_program_native_error(const lrs_program *p)
{
    if (!lrs_program_ok(p)) return NULL;
    pthread_mutex_lock(&p->ctx->lock);
    const char *e = p->native_error; /* written once, freed with p */
    pthread_mutex_unlock(&p->ctx->lock);
    return e;
}

int lrs_program_emit(const lrs_program *p, const lrs_emit_options *o, char *err, size_t errlen)
{
    const char *why;
    const lrs_native_backend *b = backend(&why);
    if (!b) {
        if (err && errlen) snprintf(err, errlen, "%s", why);
        return LRS_EMIT_EINTERNAL;
    }
    return b->emit(p, o, err, errlen);
}

/* JIT state exists only once the backend made it, so it is loaded here. */
void lrs_jit_free(lrs_jit *j)
{
    if (j) loaded()->jit_free(j);
}

void lrs_jit_code_free(lrs_jit_code *c)
{
    if (c) loaded()->jit_code_free(c);
}
