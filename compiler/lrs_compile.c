/* lrs_compile.c — the compile driver and the program API. The driver is
 * the list of passes; each runs only if the ones before it succeeded. */
#include "lrs_cache.h"
#include "lrs_program.h"
#include "lrs_sema.h"
#include "lrs_strerror.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

lrs_context *lrs_context_new(void)
{
    lrs_context *ctx = calloc(1, sizeof *ctx);
    if (ctx && pthread_mutex_init(&ctx->lock, NULL)) {
        free(ctx);
        return NULL;
    }
    if (!ctx) return NULL;
    /* The cache's environment variables are read here, once, so that no
     * call reads the environment while another thread may change it. */
    ctx->cache_env_dir = lrs_cache_env(&ctx->cache_env_off);
    ctx->magic = LRS_CONTEXT_MAGIC;
    return ctx;
}

void lrs_context_free(lrs_context *ctx)
{
    if (!lrs_context_ok(ctx)) return;
    ctx->magic = 0;
    lrs_jit_free(ctx->jit);
    lrs_resolve_cache_free(ctx->stdlib);
    free(ctx->jit_error);
    free(ctx->cache_env_dir);
    pthread_mutex_destroy(&ctx->lock);
    free(ctx);
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

void lrs_program_free(lrs_program *p)
{
    if (!lrs_program_ok(p)) return;
    p->magic = 0;
    if (p->native) { /* release its code from the JIT */
        pthread_mutex_lock(&p->ctx->lock);
        lrs_jit_code_free(p->native);
        pthread_mutex_unlock(&p->ctx->lock);
    }
    free(p->native_error);
    lrs_aot_close(p->cached);
    free(p->cache_dir);
    for (size_t i = 0; i < p->nsched; i++) {
        free(p->sched[i].name);
        free(p->sched[i].bounds);
        lrs_code_free(&p->sched[i].code);
    }
    for (size_t i = 0; i < p->nparams; i++)
        free(p->params[i].name);
    for (size_t i = 0; i < p->nsignals; i++)
        free(p->signals[i]);
    free(p->signals);
    free(p->detectors);
    free(p->sched);
    free(p->params);
    free(p->source_name);
    lrs_ir_free(&p->ir);
    free(p);
}

/* Move the results of a successful compilation into a program. */
static lrs_program *build(lrs_context *ctx, lrs_comp *c, int checked)
{
    lrs_program *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->magic = LRS_PROGRAM_MAGIC;
    p->ctx = ctx;
    p->ir = c->ir;
    memset(&c->ir, 0, sizeof c->ir);
    p->source_name = xstrdup(c->src.files[c->main->file]->name);
    p->sched = calloc(c->scheds.n + 1, sizeof *p->sched);
    p->params = calloc(c->params.n + 1, sizeof *p->params);
    if (!p->sched || !p->params || !p->source_name) goto fail;
    for (size_t i = 0; i < c->scheds.n; i++) {
        const lrs_sched_out *s = c->scheds.items[i];
        lrs_schedule *d = &p->sched[p->nsched++];
        d->name = xstrdup(s->name);
        d->root = s->root;
        d->span = s->span;
        d->horizon = s->horizon;
        d->frozen = s->frozen;
        d->bounds = malloc((s->nbounds + 1) * sizeof *d->bounds);
        if (!d->name || !d->bounds || lrs_code_build(&p->ir, s->root, &d->code)) goto fail;
        memcpy(d->bounds, s->bounds, s->nbounds * sizeof *d->bounds);
        d->nbounds = s->nbounds;
        d->v0 = checked ? s->v0 : NAN;
        d->vend = checked ? s->vend : NAN;
        d->vmin = checked ? s->vmin : NAN;
        d->vmax = checked ? s->vmax : NAN;
        d->proved = s->proved;
        d->exact = checked && s->exact;
        if (s->decl)
            lrs_src_position(&c->src, s->decl->name_span.file, s->decl->name_span.start, &d->line,
                             &d->column);
        d->reactive = lrs_code_reactive(&d->code);
        d->ilo = checked && s->reactive ? s->ilo : NAN;
        d->ihi = checked && s->reactive ? s->ihi : NAN;
    }
    p->signals = calloc(c->signals.n + 1, sizeof *p->signals);
    p->detectors = calloc(c->detectors.n + 1, sizeof *p->detectors);
    if (!p->signals || !p->detectors) goto fail;
    for (size_t i = 0; i < c->signals.n; i++) {
        const lrs_decl *sig = c->signals.items[i];
        if (!(p->signals[p->nsignals++] = xstrdup(sig->name))) goto fail;
    }
    for (size_t i = 0; i < c->detectors.n; i++)
        p->detectors[p->ndetectors++] = *(const lrs_detector *)c->detectors.items[i];
    for (size_t i = 0; i < c->params.n; i++) {
        const lrs_param_out *s = c->params.items[i];
        p->params[p->nparams].name = xstrdup(s->name);
        p->params[p->nparams].value = s->value;
        if (!p->params[p->nparams++].name) goto fail;
    }
    return p;
fail:
    lrs_program_free(p);
    return NULL;
}

/* A list of count strings in the options: NULL entries are errors. */
static int check_list(lrs_comp *c, const char *file, const char *what, const char *const *list,
                      size_t count)
{
    if (count && !list) {
        lrs_diag_error_noloc(&c->sink, file, "lrs_options.%s is NULL but its count is %zu", what,
                             count);
        return 1;
    }
    int bad = 0;
    for (size_t i = 0; i < count; i++)
        if (!list[i]) {
            lrs_diag_error_noloc(&c->sink, file, "lrs_options.%s[%zu] is NULL", what, i);
            bad = 1;
        }
    return bad;
}

static int check_options(lrs_comp *c, const char *file)
{
    const lrs_options *o = c->opts;
    if (!o) return 0;
    int bad = check_list(c, file, "defines", o->defines, o->define_count);
    return check_list(c, file, "include_dirs", o->include_dirs, o->include_dir_count) || bad;
}

/* parse -> resolve names -> elaborate (types, units, inlining) -> lower
 * (durations, contexts) -> check values -> program */
static lrs_program *run_passes(lrs_context *ctx, lrs_comp *c, uint32_t main_file)
{
    if (check_options(c, c->src.files[main_file]->name)) return NULL;
    if (setjmp(c->oom)) {
        lrs_diag_error_noloc(&c->sink, c->src.files[main_file]->name,
                             "out of memory: the program needs more than %zu MiB to compile",
                             LRS_MAX_ARENA >> 20);
        return NULL;
    }
    c->arena.on_exhausted = &c->oom;
    c->ctx = ctx;
    /* After errors, the later passes still run on what is sound, so one
     * run reports as much as it can: unresolved names elaborate to nothing
     * (silently), and schedules that elaborated cleanly are lowered. Only
     * a recursive definition stops the pipeline here. */
    int errors = lrs_resolve_program(c, main_file);
    if (c->cycles || lrs_diag_full(&c->sink)) return NULL;
    errors += lrs_elab_program(c);
    if (!c->main) return NULL;
    if (!lrs_diag_full(&c->sink)) errors += lrs_lower_program(c);
    if (errors) return NULL;
    int check = !(c->opts && c->opts->no_check);
    if (check && lrs_check_program(c)) return NULL;
    lrs_program *p = build(ctx, c, check);
    if (p && c->opts) {
        p->no_cache = c->opts->no_cache != 0;
        if (c->opts->cache_dir && !(p->cache_dir = xstrdup(c->opts->cache_dir))) {
            lrs_program_free(p);
            p = NULL;
        }
    }
    if (!p) lrs_diag_error_noloc(&c->sink, c->src.files[main_file]->name, "out of memory");
    return p;
}

static lrs_program *compile(lrs_context *ctx, lrs_comp *c, uint32_t main_file)
{
    lrs_program *p = run_passes(ctx, c, main_file);
    lrs_diag_finish(&c->sink);
    return p;
}

typedef struct session {
    lrs_comp c;
    lrs_diags *own;
} session;

static void session_init(session *s, const lrs_options *opts, lrs_diags *diags)
{
    memset(s, 0, sizeof *s);
    lrs_arena_init(&s->c.arena, LRS_MAX_ARENA);
    s->c.src.arena = &s->c.arena;
    s->own = diags ? NULL : lrs_diags_new();
    s->c.sink.out = diags ? diags : s->own;
    s->c.sink.src = &s->c.src;
    s->c.opts = opts;
    lrs_ir_init(&s->c.ir);
}

static void session_done(session *s)
{
    lrs_ir_free(&s->c.ir);
    lrs_arena_free(&s->c.arena);
    lrs_diags_free(s->own);
}

lrs_program *lrs_compile_file(lrs_context *ctx, const char *path, const lrs_options *opts,
                              lrs_diags *diags)
{
    if (!lrs_context_ok(ctx) || !path || (diags && !lrs_diags_valid(diags))) return NULL;
    session s;
    session_init(&s, opts, diags);
    lrs_program *p = NULL;
    if (!s.own && !s.c.sink.out) goto done;
    int64_t id = lrs_src_load(&s.c.src, path, path);
    if (id == LRS_SRC_NOT_REGULAR) {
        size_t e = lrs_diag_error_noloc(&s.c.sink, path,
                                        "cannot read the file: it is not a regular file (a "
                                        "directory, FIFO or device)");
        lrs_diag_help(&s.c.sink, e, "programs are read only from regular files");
        goto done;
    }
    if (id < 0) {
        lrs_errbuf eb;
        lrs_diag_error_noloc(&s.c.sink, path, "cannot read the file: %s", lrs_strerror(errno, &eb));
        goto done;
    }
    p = compile(ctx, &s.c, (uint32_t)id);
done:
    session_done(&s);
    return p;
}

lrs_program *lrs_compile_string(lrs_context *ctx, const char *name, const char *text, size_t len,
                                lrs_options const *opts, lrs_diags *diags)
{
    if (!lrs_context_ok(ctx) || (!text && len) || (diags && !lrs_diags_valid(diags))) return NULL;
    if (!text) text = "";
    session s;
    session_init(&s, opts, diags);
    uint32_t id = lrs_src_add(&s.c.src, name ? name : "<string>", NULL, text, len);
    lrs_program *p = compile(ctx, &s.c, id);
    session_done(&s);
    return p;
}

size_t lrs_program_schedule_count(const lrs_program *p)
{
    return lrs_program_ok(p) ? p->nsched : 0;
}

const char *lrs_program_schedule_name(const lrs_program *p, size_t i)
{
    return lrs_program_ok(p) && i < p->nsched ? p->sched[i].name : NULL;
}

int lrs_program_find(const lrs_program *p, const char *name)
{
    for (size_t i = 0; lrs_program_ok(p) && name && i < p->nsched; i++)
        if (!strcmp(p->sched[i].name, name)) return (int)i;
    return -1;
}

double lrs_program_schedule_span(const lrs_program *p, size_t i)
{
    return lrs_program_ok(p) && i < p->nsched ? p->sched[i].span : NAN;
}

size_t lrs_program_param_count(const lrs_program *p)
{
    return lrs_program_ok(p) ? p->nparams : 0;
}

const char *lrs_program_param_name(const lrs_program *p, size_t i)
{
    return lrs_program_ok(p) && i < p->nparams ? p->params[i].name : NULL;
}

double lrs_program_param_value(const lrs_program *p, size_t i)
{
    return lrs_program_ok(p) && i < p->nparams ? p->params[i].value : NAN;
}

int lrs_program_schedule_info(const lrs_program *p, size_t i, lrs_schedule_info *out)
{
    if (!lrs_program_ok(p) || i >= p->nsched || !out) return -1;
    const lrs_schedule *s = &p->sched[i];
    out->name = s->name;
    out->span = s->span;
    out->horizon = s->horizon;
    out->frozen = s->frozen;
    out->start = s->v0;
    out->end = s->vend;
    out->min = s->vmin;
    out->max = s->vmax;
    out->proved = s->proved;
    out->exact = s->exact;
    out->boundary_count = s->nbounds;
    out->reactive = s->reactive;
    out->bound_min = s->ilo;
    out->bound_max = s->ihi;
    return 0;
}

int64_t lrs_program_next_boundary(const lrs_program *p, size_t i, int64_t step)
{
    if (!lrs_program_ok(p) || i >= p->nsched) return -1;
    const lrs_schedule *s = &p->sched[i];
    for (size_t k = 0; k < s->nbounds; k++)
        if (s->bounds[k] > (double)step) return (int64_t)ceil(s->bounds[k]);
    return -1;
}

size_t lrs_program_signal_count(const lrs_program *p)
{
    return lrs_program_ok(p) ? p->nsignals : 0;
}

const char *lrs_program_signal_name(const lrs_program *p, size_t i)
{
    return lrs_program_ok(p) && i < p->nsignals ? p->signals[i] : NULL;
}

size_t lrs_program_detector_count(const lrs_program *p)
{
    return lrs_program_ok(p) ? p->ndetectors : 0;
}

const lrs_detector *lrs_program_detector(const lrs_program *p, size_t i)
{
    return lrs_program_ok(p) && i < p->ndetectors ? &p->detectors[i] : NULL;
}

int lrs_program_schedule_reactive(const lrs_program *p, size_t i)
{
    return lrs_program_ok(p) && i < p->nsched ? p->sched[i].reactive : 0;
}

lrs_signals *lrs_program_signals_new(const lrs_program *p)
{
    if (!lrs_program_ok(p)) return NULL;
    return lrs_signals_new((const char *const *)p->signals, p->nsignals, p->detectors,
                           p->ndetectors);
}
