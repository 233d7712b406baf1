/* lrs_resolve.c — name resolution: loads the standard library and imports,
 * builds each module's scope, binds every name to what it means, warns
 * when a user declaration shadows a library name, and rejects recursive
 * definitions naming the cycle. */
#include "lrs_parse.h"
#include "lrs_program.h"
#include "lrs_forms.h"
#include "lrs_strerror.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct lrs_stdlib_file {
    const char *name;
    const char *text;
    size_t len;
};
extern const struct lrs_stdlib_file lrs_stdlib_files[];
/* The library's definitions, in file order: each one's byte range in
 * its file, from its `def NAME` line to the next (stdlib/embed.cmake). */
struct lrs_stdlib_def {
    const char *name;
    uint32_t file, start, end;
};
extern const struct lrs_stdlib_def lrs_stdlib_defs[];

/* ---- scopes ------------------------------------------------------------ */

static size_t name_hash(const char *name)
{
    size_t h = 1469598103934665603ull;
    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * 1099511628211ull;
    return h;
}

/* The position of name in s, or -1. */
static ptrdiff_t scope_slot(const lrs_scope *s, const char *name)
{
    if (!s->icap) return -1;
    for (size_t h = name_hash(name) & (s->icap - 1); s->index[h]; h = (h + 1) & (s->icap - 1))
        if (!strcmp(s->names[s->index[h] - 1], name)) return (ptrdiff_t)s->index[h] - 1;
    return -1;
}

lrs_decl *lrs_scope_find(const lrs_scope *s, const char *name)
{
    ptrdiff_t i = scope_slot(s, name);
    return i < 0 ? NULL : s->decls[i];
}

static void scope_index(lrs_comp *c, lrs_scope *s, size_t i)
{
    size_t h = name_hash(s->names[i]) & (s->icap - 1);
    while (s->index[h])
        h = (h + 1) & (s->icap - 1);
    s->index[h] = (uint32_t)i + 1;
    (void)c;
}

static void scope_add(lrs_comp *c, lrs_scope *s, const char *name, lrs_decl *d)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        s->names =
            lrs_arena_realloc(&c->arena, s->names, s->n * sizeof *s->names, cap * sizeof *s->names);
        s->decls =
            lrs_arena_realloc(&c->arena, s->decls, s->n * sizeof *s->decls, cap * sizeof *s->decls);
        s->cap = cap;
    }
    s->names[s->n] = name;
    s->decls[s->n] = d;
    s->n++;
    if (s->n * 2 > s->icap) {
        s->icap = s->icap ? s->icap * 2 : 64;
        s->index = lrs_arena_alloc(&c->arena, s->icap * sizeof *s->index);
        for (size_t i = 0; i < s->n; i++)
            scope_index(c, s, i);
    } else {
        scope_index(c, s, s->n - 1);
    }
}

static const char *kind_name(lrs_decl_kind k)
{
    switch (k) {
    case DECL_IMPORT:
        return "import";
    case DECL_PARAM:
        return "param";
    case DECL_LET:
        return "let";
    case DECL_DEF:
        return "def";
    case DECL_SIGNAL:
        return "signal";
    default:
        return "schedule";
    }
}

/* Add a declaration to a scope; a second, different declaration of the
 * same name is an error at `where`. */
static void declare(lrs_comp *c, lrs_module *m, const char *name, lrs_decl *d, lrs_span where,
                    const char *how)
{
    lrs_decl *old = lrs_scope_find(&m->scope, name);
    if (old == d) return;
    if (old) {
        size_t e = lrs_diag_error(&c->sink, where, "'%s' %s", name, how);
        lrs_diag_note(&c->sink, e, 1, old->name_span, "the other '%s' is this %s", name,
                      kind_name(old->kind));
        return;
    }
    scope_add(c, &m->scope, name, d);
}

/* ---- loading ----------------------------------------------------------- */

static lrs_module *new_module(lrs_comp *c, uint32_t file, const char *dir)
{
    lrs_module *m = lrs_arena_alloc(&c->arena, sizeof *m);
    m->file = file;
    m->dir = dir;
    lrs_vec_push(&c->arena, &c->modules, m);
    return m;
}

static const char *dir_of(lrs_comp *c, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return ".";
    if (slash == path) return "/";
    return lrs_arena_strndup(&c->arena, path, (size_t)(slash - path));
}

static void parse_into(lrs_comp *c, lrs_module *m, uint32_t file, uint32_t from, uint32_t to)
{
    lrs_vec decls = {0};
    lrs_parse_range(&c->arena, &c->sink, file, from, to, &decls);
    for (size_t i = 0; i < decls.n; i++) {
        lrs_decl *d = decls.items[i];
        d->module = m;
        lrs_vec_push(&c->arena, &m->decls, d);
    }
}

typedef struct loader {
    lrs_comp *c;
    lrs_vec stack; /* modules being loaded, outermost first */
} loader;

static lrs_module *load(loader *L, uint32_t file, const char *dir, int depth);

/* Whether real path `p` is directory real path `dir` or lies below it. */
static int below(const char *p, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/') return 1;
    return !strncmp(p, dir, n) && (p[n] == '/' || !p[n]);
}

/* Find an import's file: next to the importing file, then in the -I
 * directories (lrs_options.include_dirs), in that order. The file found
 * must lie below one of those directories (after symbolic links): a path
 * that leads elsewhere (absolute, `..`, a link out) is refused and
 * *outside set. Only existence is probed here (stat never blocks). */
static char *find_import(lrs_comp *c, const lrs_module *from, const char *path, int *outside)
{
    size_t ndirs = c->opts ? c->opts->include_dir_count : 0;
    char(*roots)[PATH_MAX] = malloc((ndirs + 1) * sizeof *roots);
    char *found = NULL;
    *outside = 0;
    if (!roots) return NULL;
    for (size_t i = 0; i <= ndirs; i++) {
        const char *dir = i == 0 ? from->dir : c->opts->include_dirs[i - 1];
        if (!dir || !realpath(dir, roots[i])) roots[i][0] = 0;
    }
    for (size_t i = 0; i <= ndirs && !found; i++) {
        const char *dir = i == 0 ? from->dir : c->opts->include_dirs[i - 1];
        char buf[PATH_MAX], real[PATH_MAX];
        if (!roots[i][0]) continue;
        int n = path[0] == '/' ? snprintf(buf, sizeof buf, "%s", path)
                               : snprintf(buf, sizeof buf, "%s/%s", dir, path);
        struct stat st;
        if (n < 0 || (size_t)n >= sizeof buf || stat(buf, &st) || !realpath(buf, real)) continue;
        int ok = 0;
        for (size_t k = 0; k <= ndirs && !ok; k++)
            ok = roots[k][0] && below(real, roots[k]);
        if (ok)
            found = lrs_arena_strdup(&c->arena, buf);
        else
            *outside = 1;
    }
    free(roots);
    return found;
}

static void load_import(loader *L, lrs_module *m, lrs_decl *d, int depth)
{
    lrs_comp *c = L->c;
    if (depth >= LRS_MAX_IMPORT_DEPTH) {
        lrs_diag_error(&c->sink, d->span, "imports nested too deeply (the limit is %d)",
                       LRS_MAX_IMPORT_DEPTH);
        return;
    }
    int outside;
    char *path = find_import(c, m, d->path, &outside);
    if (!path && outside) {
        size_t e = lrs_diag_error(&c->sink, d->name_span,
                                  "\"%s\" is outside the directories imports may read", d->path);
        lrs_diag_note(&c->sink, e, 0, d->span,
                      "imports are read only below the importing file's directory (%s)%s", m->dir,
                      c->opts && c->opts->include_dir_count ? " and the -I directories" : "");
        lrs_diag_help(&c->sink, e,
                      "to allow it, add its directory with -I DIR (lrs_options.include_dirs)");
        return;
    }
    if (!path) {
        size_t e = lrs_diag_error(&c->sink, d->name_span, "cannot find \"%s\"", d->path);
        lrs_diag_note(&c->sink, e, 0, d->span, "looked next to this file%s",
                      c->opts && c->opts->include_dir_count ? " and in the -I directories" : "");
        if (!c->opts || !c->opts->include_dir_count)
            lrs_diag_help(&c->sink, e, "add a directory to search with -I DIR");
        return;
    }
    char real[PATH_MAX];
    const char *key = realpath(path, real) ? real : path;
    /* Already loaded (or being loaded: a cycle)? */
    for (size_t i = 0; i < c->modules.n; i++) {
        lrs_module *other = c->modules.items[i];
        lrs_source *src = c->src.files[other->file];
        char oreal[PATH_MAX];
        if (!src->path || !realpath(src->path, oreal) || strcmp(oreal, key)) continue;
        if (other->loading) {
            char chain[1024] = "";
            size_t off = 0;
            int started = 0;
            for (size_t j = 0; j < L->stack.n; j++) {
                lrs_module *s = L->stack.items[j];
                if (s == other) started = 1;
                if (started && off < sizeof chain)
                    off += (size_t)snprintf(chain + off, sizeof chain - off, "%s -> ",
                                            c->src.files[s->file]->name);
            }
            if (off < sizeof chain)
                snprintf(chain + off, sizeof chain - off, "%s", c->src.files[other->file]->name);
            size_t e = lrs_diag_error(&c->sink, d->name_span, "import cycle: %s", chain);
            lrs_diag_help(&c->sink, e,
                          "move what both files need into a third file they both import");
            return;
        }
        d->imported = other;
        return;
    }
    int64_t id = lrs_src_load(&c->src, path, path);
    if (id < 0) {
        lrs_errbuf eb;
        size_t e = lrs_diag_error(&c->sink, d->name_span, "cannot read \"%s\": %s", d->path,
                                  id == LRS_SRC_NOT_REGULAR
                                      ? "it is not a regular file (a directory, FIFO or device)"
                                      : lrs_strerror(errno, &eb));
        if (id == LRS_SRC_NOT_REGULAR)
            lrs_diag_help(&c->sink, e, "import a .lrs file; only regular files are read");
        return;
    }
    d->imported = load(L, (uint32_t)id, dir_of(c, path), depth + 1);
}

/* Parse a file, load its imports, and build its scope. */
static lrs_module *load(loader *L, uint32_t file, const char *dir, int depth)
{
    lrs_comp *c = L->c;
    lrs_module *m = new_module(c, file, dir);
    m->loading = 1;
    lrs_vec_push(&c->arena, &L->stack, m);
    parse_into(c, m, file, 0, (uint32_t)c->src.files[file]->len);

    for (size_t i = 0; i < m->decls.n; i++) {
        lrs_decl *d = m->decls.items[i];
        if (d->kind == DECL_IMPORT) load_import(L, m, d, depth);
    }
    /* Own declarations first, so clashes are reported at the import. */
    for (size_t i = 0; i < m->decls.n; i++) {
        lrs_decl *d = m->decls.items[i];
        if (d->kind != DECL_IMPORT) declare(c, m, d->name, d, d->name_span, "is declared twice");
    }
    for (size_t i = 0; i < m->decls.n; i++) {
        lrs_decl *d = m->decls.items[i];
        if (d->kind != DECL_IMPORT || !d->imported) continue;
        if (d->name) {
            declare(c, m, d->name, d, d->name_span, "is already declared");
            continue;
        }
        const lrs_scope *s = &d->imported->scope;
        for (size_t j = 0; j < s->n; j++)
            if (s->decls[j]->kind != DECL_IMPORT)
                declare(c, m, s->names[j], s->decls[j], d->span,
                        lrs_arena_printf(&c->arena, "from \"%s\" clashes with another declaration",
                                         d->path));
    }
    m->loading = 0;
    L->stack.n--;
    return m;
}

/* Library file f's index in c's source table, added to it as module m's
 * file if it is the first. */
static uint32_t lib_source(lrs_comp *c, lrs_module *m, const struct lrs_stdlib_file *f)
{
    uint32_t id = lrs_src_add_library(&c->src, f->name, f->text, f->len);
    if (!m->decls.n) m->file = id;
    return id;
}

/* Parse bytes [from, to) of library source `id` into the library's module
 * m and declare what they declare; returns the number of m's decls
 * before them. */
static size_t parse_lib_range(lrs_comp *c, lrs_module *m, uint32_t id, uint32_t from, uint32_t to)
{
    size_t first = m->decls.n;
    parse_into(c, m, id, from, to);
    for (size_t i = first; i < m->decls.n; i++) {
        lrs_decl *d = m->decls.items[i];
        if (d->kind != DECL_IMPORT) declare(c, m, d->name, d, d->name_span, "is declared twice");
    }
    return first;
}

/* Parse the whole standard library into module m of compilation c. */
static void parse_stdlib(lrs_comp *c, lrs_module *m)
{
    m->is_stdlib = 1;
    for (const struct lrs_stdlib_file *f = lrs_stdlib_files; f->name; f++)
        parse_lib_range(c, m, lib_source(c, m, f), 0, (uint32_t)f->len);
}

/* ---- the library parsed on demand -----------------------------------------
 * A compilation without the context's parsed library parses only the
 * library definitions whose names it uses: a definition is parsed,
 * declared and bound when its name is first looked up (and binding it may
 * parse others). The build indexes the library's definitions (each line
 * that begins `def NAME`, to the next one: at the top level the library
 * has only definitions, comments and blank lines; a unit test checks that
 * the index lists exactly what a full parse declares, and that each
 * definition parsed alone gives the same diagnostics). Spans are offsets
 * into the whole file, so diagnostics are the same as with a full parse. */
struct lrs_lib_index {
    lrs_scope names;                   /* every name the library declares (decls unused) */
    const struct lrs_stdlib_def **def; /* by position in names */
    unsigned char *parsed;             /* by position in names */
    uint32_t *src; /* by library file: 1 + its index in the source table, or 0 */
    size_t nparsed;
};

static void bind_decl(lrs_comp *c, lrs_module *m, lrs_decl *d);

static struct lrs_lib_index *lib_index_new(lrs_comp *c)
{
    struct lrs_lib_index *x = lrs_arena_alloc(&c->arena, sizeof *x);
    size_t nfiles = 0, ndefs = 0;
    while (lrs_stdlib_files[nfiles].name)
        nfiles++;
    while (lrs_stdlib_defs[ndefs].name)
        ndefs++;
    x->src = lrs_arena_alloc(&c->arena, (nfiles + 1) * sizeof *x->src);
    x->def = lrs_arena_alloc(&c->arena, (ndefs + 1) * sizeof *x->def);
    x->parsed = lrs_arena_alloc(&c->arena, ndefs + 1);
    for (const struct lrs_stdlib_def *e = lrs_stdlib_defs; e->name; e++) {
        if (scope_slot(&x->names, e->name) >= 0) continue; /* the full parse reports it */
        x->def[x->names.n] = e;
        scope_add(c, &x->names, e->name, NULL);
    }
    return x;
}

/* Parse, declare and bind the library's definition i (by position in the
 * index). */
static void lib_parse(lrs_comp *c, size_t i)
{
    struct lrs_lib_index *x = c->lib;
    const struct lrs_stdlib_def *e = x->def[i];
    if (x->parsed[i]) return;
    x->parsed[i] = 1;
    if (++x->nparsed == x->names.n) c->lib = NULL; /* every name is in the scope now */
    lrs_module *m = c->stdlib;
    if (!x->src[e->file]) x->src[e->file] = 1 + lib_source(c, m, &lrs_stdlib_files[e->file]);
    size_t from = parse_lib_range(c, m, x->src[e->file] - 1, e->start, e->end), to = m->decls.n;
    for (size_t j = from; j < to; j++)
        bind_decl(c, m, m->decls.items[j]);
}

/* The library's declaration of name, or NULL. */
static lrs_decl *lib_find(lrs_comp *c, const char *name)
{
    lrs_decl *d = lrs_scope_find(&c->stdlib->scope, name);
    if (d || !c->lib) return d;
    ptrdiff_t i = scope_slot(&c->lib->names, name);
    if (i < 0) return NULL;
    lib_parse(c, (size_t)i);
    return lrs_scope_find(&c->stdlib->scope, name);
}

/* The library of a compilation of its own, parsed on demand. Its module
 * is not among c->modules: its decls are bound as they are parsed, and
 * recursion is searched from the user's decls through their references. */
static void load_stdlib(lrs_comp *c)
{
    lrs_module *m = lrs_arena_alloc(&c->arena, sizeof *m);
    m->is_stdlib = 1;
    c->stdlib = m;
    c->lib = lib_index_new(c);
}

/* ---- the shared standard library ------------------------------------------ */

/* The standard library is the same in every compilation and refers to
 * nothing outside itself, so a context parses, binds and checks it once;
 * its tree lives in the cache's arena and compilations only read it. Spans
 * name source files by index, so a compilation uses the cache only when
 * the library's files get the same indices in its own source table. */
struct lrs_stdlib_cache {
    lrs_arena arena;
    lrs_module *module;
    uint32_t first_file, nfiles;
};

static void bind_module(lrs_comp *c, lrs_module *m);
static void find_cycles(lrs_comp *c, lrs_decl *d, lrs_vec *stack);

void lrs_resolve_cache_free(struct lrs_stdlib_cache *cache)
{
    if (!cache) return;
    lrs_arena_free(&cache->arena);
    free(cache);
}

static struct lrs_stdlib_cache *build_cache(uint32_t first_file)
{
    struct lrs_stdlib_cache *cache = calloc(1, sizeof *cache);
    lrs_comp *k = calloc(1, sizeof *k);
    lrs_diags *d = lrs_diags_new();
    if (!cache || !k || !d) goto fail;
    lrs_arena_init(&cache->arena, 0);
    k->arena = cache->arena; /* moved back below */
    k->src.arena = &k->arena;
    k->sink.out = d;
    k->sink.src = &k->src;
    for (uint32_t i = 0; i < first_file; i++)
        lrs_src_add(&k->src, "", NULL, "", 0);
    lrs_module *m = new_module(k, 0, NULL);
    parse_stdlib(k, m);
    k->stdlib = m;
    bind_module(k, m);
    lrs_vec stack = {0};
    for (size_t j = 0; j < m->decls.n; j++)
        find_cycles(k, m->decls.items[j], &stack);
    cache->arena = k->arena;
    if (k->sink.errors) goto fail;
    cache->module = m;
    cache->first_file = first_file;
    cache->nfiles = (uint32_t)(k->src.n - first_file);
    lrs_diags_free(d);
    free(k);
    return cache;
fail:
    if (cache) lrs_arena_free(&cache->arena);
    free(cache);
    free(k);
    lrs_diags_free(d);
    return NULL;
}

/* Use the context's parsed library if it fits; returns 0 if not. */
static int use_cache(lrs_comp *c)
{
    if (!c->ctx) return 0;
    pthread_mutex_lock(&c->ctx->lock);
    struct lrs_stdlib_cache *cache = c->ctx->stdlib;
    /* A context's first compilation parses only the library files it
     * uses (a process that compiles one program, such as lrsc, pays for
     * no more); the second parses the whole library for the rest. */
    int first = c->ctx->compiles++ == 0;
    pthread_mutex_unlock(&c->ctx->lock);
    if (!cache && first) return 0;
    if (!cache) {
        cache = build_cache((uint32_t)c->src.n);
        if (!cache) return 0;
        pthread_mutex_lock(&c->ctx->lock);
        if (c->ctx->stdlib) { /* another thread was first */
            lrs_resolve_cache_free(cache);
            cache = c->ctx->stdlib;
        } else {
            c->ctx->stdlib = cache;
        }
        pthread_mutex_unlock(&c->ctx->lock);
    }
    if (cache->first_file != c->src.n) return 0;
    size_t i = 0;
    for (const struct lrs_stdlib_file *f = lrs_stdlib_files; f->name; f++, i++) {
        lrs_src_add_library(&c->src, f->name, f->text, f->len);
    }
    if (i != cache->nfiles) return 0;
    c->stdlib = cache->module;
    c->stdlib_shared = 1;
    return 1;
}

/* ---- binding names ----------------------------------------------------- */

typedef struct binder {
    lrs_comp *c;
    lrs_module *m;
    lrs_decl *decl;  /* the declaration being bound */
    lrs_decl *def;   /* enclosing def, for its parameters */
    size_t nvisible; /* parameters visible (defaults see earlier ones) */
} binder;

static void collect_names(binder *b, const char **out, size_t *n, size_t max)
{
    if (b->def)
        for (size_t i = 0; i < b->nvisible && *n < max; i++)
            out[(*n)++] = b->def->params[i].name;
    for (size_t i = 0; i < b->m->scope.n && *n < max; i++)
        out[(*n)++] = b->m->scope.names[i];
    const lrs_scope *lib = b->c->lib ? &b->c->lib->names : &b->c->stdlib->scope;
    if (!b->m->is_stdlib || b->c->lib)
        for (size_t i = 0; i < lib->n && *n < max; i++)
            out[(*n)++] = lib->names[i];
    for (size_t i = 0; i < lrs_builtin_count && *n < max; i++)
        out[(*n)++] = lrs_builtins[i].name;
}

static void unknown_name(binder *b, lrs_span sp, const char *name)
{
    size_t e = lrs_diag_error(&b->c->sink, sp, "unknown name '%s'", name);
    if (e == LRS_NO_DIAG) return; /* past the error cap: no suggestion to compute */
    const char *cands[4096];
    size_t n = 0;
    collect_names(b, cands, &n, 4096);
    const char *s = lrs_suggest(name, cands, n);
    if (s) lrs_diag_help(&b->c->sink, e, "did you mean '%s'?", s);
}

static void ref(binder *b, lrs_decl *d)
{
    lrs_vec_push(&b->c->arena, &b->decl->refs, d);
}

static void bind(binder *b, lrs_ast *n)
{
    if (!n) return;
    switch (n->kind) {
    case AST_NUM:
    case AST_STRING:
        return;
    case AST_NAME: {
        if (b->def)
            for (size_t i = b->nvisible; i-- > 0;)
                if (!strcmp(b->def->params[i].name, n->name)) {
                    n->res.kind = RES_PARAM;
                    n->res.index = (int)i;
                    return;
                }
        lrs_decl *d =
            b->m->is_stdlib ? lib_find(b->c, n->name) : lrs_scope_find(&b->m->scope, n->name);
        if (!d && !b->m->is_stdlib) d = lib_find(b->c, n->name);
        if (d) {
            if (d->kind == DECL_IMPORT) {
                n->res.kind = RES_MODULE;
                n->res.module = d->imported;
            } else {
                n->res.kind = RES_DECL;
                n->res.decl = d;
                ref(b, d);
            }
            return;
        }
        int bi = lrs_builtin_find(n->name);
        if (bi >= 0) {
            n->res.kind = RES_BUILTIN;
            n->res.index = bi;
            return;
        }
        if (b->def && b->def->nparams > b->nvisible) {
            for (size_t i = b->nvisible; i < b->def->nparams; i++)
                if (!strcmp(b->def->params[i].name, n->name)) {
                    size_t e = lrs_diag_error(&b->c->sink, n->span,
                                              "parameter '%s' is not known yet here", n->name);
                    lrs_diag_note(&b->c->sink, e, 1, b->def->params[i].span,
                                  "a default may refer only to earlier parameters");
                    return;
                }
        }
        unknown_name(b, n->span, n->name);
        return;
    }
    case AST_MEMBER: {
        lrs_decl *imp = lrs_scope_find(&b->m->scope, n->name);
        if (!imp || imp->kind != DECL_IMPORT || !imp->name) {
            size_t e =
                lrs_diag_error(&b->c->sink, n->span, "'%s' is not an imported module", n->name);
            lrs_diag_help(&b->c->sink, e, "import it with: import \"FILE.lrs\" as %s", n->name);
            return;
        }
        if (!imp->imported) return; /* the import already failed */
        lrs_decl *d = lrs_scope_find(&imp->imported->scope, n->member);
        if (!d || d->kind == DECL_IMPORT) {
            size_t e =
                lrs_diag_error(&b->c->sink, n->span, "module '%s' has no '%s'", n->name, n->member);
            const char *s =
                lrs_suggest(n->member, imp->imported->scope.names, imp->imported->scope.n);
            if (s) lrs_diag_help(&b->c->sink, e, "did you mean '%s.%s'?", n->name, s);
            return;
        }
        n->res.kind = RES_DECL;
        n->res.decl = d;
        ref(b, d);
        return;
    }
    case AST_CALL:
        bind(b, n->a);
        for (size_t i = 0; i < n->n; i++)
            bind(b, n->args[i].value);
        return;
    case AST_LIST:
        for (size_t i = 0; i < n->n; i++)
            bind(b, n->items[i]);
        return;
    default:
        bind(b, n->a);
        bind(b, n->b);
        bind(b, n->c);
        return;
    }
}

static const char *const c_keywords[] = {
    "auto",          "break",    "case",     "char",     "const",     "continue",
    "default",       "do",       "double",   "else",     "enum",      "extern",
    "float",         "for",      "goto",     "if",       "inline",    "int",
    "long",          "register", "restrict", "return",   "short",     "signed",
    "sizeof",        "static",   "struct",   "switch",   "typedef",   "union",
    "unsigned",      "void",     "volatile", "while",    "_Bool",     "_Complex",
    "_Alignas",      "_Alignof", "_Atomic",  "_Generic", "_Noreturn", "_Static_assert",
    "_Thread_local", "bool",     "true",     "false",    "main",      NULL};

static void bind_decl(lrs_comp *c, lrs_module *m, lrs_decl *d)
{
    binder b = {c, m, d, NULL, 0};
    if (d->kind == DECL_DEF) {
        b.def = d;
        for (size_t j = 0; j < d->nparams; j++) {
            for (size_t k = 0; k < j; k++)
                if (!strcmp(d->params[k].name, d->params[j].name)) {
                    size_t e = lrs_diag_error(&c->sink, d->params[j].span,
                                              "parameter '%s' is listed twice", d->params[j].name);
                    lrs_diag_note(&c->sink, e, 1, d->params[k].span, "first listed here");
                }
            if (j > 0 && !d->params[j].def && d->params[j - 1].def)
                lrs_diag_error(&c->sink, d->params[j].span,
                               "parameter '%s' needs a default: it follows one that has one",
                               d->params[j].name);
            b.nvisible = j;
            bind(&b, d->params[j].def);
        }
        b.nvisible = d->nparams;
    }
    bind(&b, d->expr);
    if (m->is_stdlib || !d->name || d->kind == DECL_IMPORT) return;
    /* Shadowing the library is allowed, but said. */
    lrs_decl *lib = lib_find(c, d->name);
    if (lib) {
        size_t e = lrs_diag_warning(&c->sink, d->name_span,
                                    "'%s' shadows the standard library's '%s'", d->name, d->name);
        lrs_diag_note(&c->sink, e, 1, lib->name_span, "the library's '%s' is here", d->name);
    } else if (lrs_builtin_find(d->name) >= 0) {
        lrs_diag_warning(&c->sink, d->name_span, "'%s' shadows the built-in '%s'", d->name,
                         d->name);
    }
    if (d->kind == DECL_SCHEDULE)
        for (const char *const *k = c_keywords; *k; k++)
            if (!strcmp(*k, d->name)) {
                size_t e = lrs_diag_error(&c->sink, d->name_span,
                                          "schedule name '%s' is reserved in C", d->name);
                lrs_diag_help(&c->sink, e,
                              "a schedule becomes a C function; choose another name, such as '%s_'",
                              d->name);
            }
}

static void bind_module(lrs_comp *c, lrs_module *m)
{
    for (size_t i = 0; i < m->decls.n; i++)
        bind_decl(c, m, m->decls.items[i]);
}

/* ---- param overrides (-D NAME=EXPR, -D MODULE.NAME=EXPR) ------------------ */

/* The names of the trainer's budget, which -D sets whether or not the
 * program declares them. */
static int trainer_param(const char *name)
{
    return !strcmp(name, "total") || !strcmp(name, "steps_per_epoch");
}

/* The names in scope s of the declarations of `kind` (imports: those with
 * `as NAME`), in declaration order (*n of them, in the arena). */
static const char **scope_names(lrs_comp *c, const lrs_scope *s, lrs_decl_kind kind, size_t *n)
{
    const char **out = lrs_arena_alloc(&c->arena, (s->n + 1) * sizeof *out);
    *n = 0;
    for (size_t j = 0; j < s->n; j++)
        if (s->decls[j]->kind == kind && (kind != DECL_IMPORT || s->decls[j]->name))
            out[(*n)++] = s->names[j];
    return out;
}

/* "a, b, c" (each as MODULE.NAME when module is given), the first few. */
static const char *name_list(lrs_comp *c, const char *module, const char *const *names, size_t n)
{
    char buf[512];
    size_t off = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && off < sizeof buf; i++) {
        if (i == 12) {
            snprintf(buf + off, sizeof buf - off, ", ... (%zu in all)", n);
            break;
        }
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s%s%s", i ? ", " : "",
                                module ? module : "", module ? "." : "", names[i]);
    }
    return lrs_arena_strndup(&c->arena, buf, strlen(buf));
}

/* An override of a name that is not declared where it looks: say which
 * params exist, and the nearest one. */
static void unknown_param(lrs_comp *c, const lrs_define *def, const lrs_module *m)
{
    const char *mod = def->module;
    size_t nc, nm;
    const char **cands = scope_names(c, &m->scope, DECL_PARAM, &nc);
    size_t k = mod ? lrs_diag_error(&c->sink, def->name_span, "module '%s' has no param '%s'", mod,
                                    def->name)
                   : lrs_diag_error(&c->sink, def->name_span, "no param '%s' to set", def->name);
    const char *s = lrs_suggest(def->name, cands, nc);
    if (mod) {
        if (s) lrs_diag_help(&c->sink, k, "did you mean '%s.%s'?", mod, s);
        if (trainer_param(def->name))
            lrs_diag_help(&c->sink, k, "-D %s=N sets it for the whole program", def->name);
        if (nc)
            lrs_diag_note(&c->sink, k, 0, def->name_span, "the params of module '%s': %s", mod,
                          name_list(c, mod, cands, nc));
        else
            lrs_diag_note(&c->sink, k, 0, def->name_span, "module '%s' declares no params", mod);
        return;
    }
    /* total and steps_per_epoch are said once, apart from the others;
     * a param of a file imported `as M` is set as M.NAME. */
    size_t nl = 0;
    for (size_t i = 0; i < nc; i++)
        if (!trainer_param(cands[i])) cands[nl++] = cands[i];
    if (!s) s = lrs_suggest(def->name, (const char *const[]){"total", "steps_per_epoch"}, 2);
    if (s) lrs_diag_help(&c->sink, k, "did you mean '%s'?", s);
    const char **mods = scope_names(c, &m->scope, DECL_IMPORT, &nm);
    for (size_t i = 0; i < nm && !s; i++) {
        const lrs_module *im = lrs_scope_find(&m->scope, mods[i])->imported;
        if (!im) continue;
        const lrs_decl *same = lrs_scope_find(&im->scope, def->name);
        size_t nt;
        const char **theirs = scope_names(c, &im->scope, DECL_PARAM, &nt);
        s = same && same->kind == DECL_PARAM ? def->name : lrs_suggest(def->name, theirs, nt);
        if (s)
            lrs_diag_help(&c->sink, k, "did you mean '%s.%s'? (a param of the file imported as %s)",
                          mods[i], s, mods[i]);
    }
    lrs_diag_note(&c->sink, k, 0, def->name_span,
                  "%s%s; total and steps_per_epoch can always be set",
                  nl   ? "the program's params: "
                  : nc ? "the program declares no other params"
                       : "the program declares no params",
                  nl ? name_list(c, NULL, cands, nl) : "");
    if (nm && !s)
        lrs_diag_note(&c->sink, k, 0, def->name_span,
                      "a param of an imported file is set as MODULE.NAME (modules: %s)",
                      name_list(c, NULL, mods, nm));
}

/* The declaration an override sets, or NULL after saying why there is none. */
static lrs_decl *override_target(lrs_comp *c, const lrs_define *def, lrs_ast *e)
{
    lrs_module *m = c->main;
    if (def->module) {
        lrs_decl *imp = lrs_scope_find(&m->scope, def->module);
        if (!imp || imp->kind != DECL_IMPORT || !imp->name) {
            size_t k = lrs_diag_error(&c->sink, def->module_span,
                                      "the program imports no module as '%s'", def->module);
            size_t nm;
            const char **mods = scope_names(c, &m->scope, DECL_IMPORT, &nm);
            const char *s = lrs_suggest(def->module, mods, nm);
            if (s)
                lrs_diag_help(&c->sink, k, "did you mean '%s.%s'?", s, def->name);
            else if (nm)
                lrs_diag_note(&c->sink, k, 0, def->module_span, "the modules it imports: %s",
                              name_list(c, NULL, mods, nm));
            else
                lrs_diag_help(&c->sink, k,
                              "MODULE.NAME sets a param of a file imported with "
                              "`import \"FILE.lrs\" as MODULE`; without a module, -D %s=... "
                              "sets a param of the main file",
                              def->name);
            return NULL;
        }
        if (!imp->imported) return NULL; /* the import already failed */
        m = imp->imported;
    }
    lrs_decl *d = lrs_scope_find(&m->scope, def->name);
    if (!d && !def->module && trainer_param(def->name)) {
        /* The trainer's budget is set even where the file does not
         * declare it: the override declares it in the main file. */
        d = lrs_arena_alloc(&c->arena, sizeof *d);
        d->kind = DECL_PARAM;
        d->name = lrs_arena_strndup(&c->arena, def->name, strlen(def->name));
        d->name_span = def->name_span;
        d->span = e->span;
        d->expr = e;
        d->module = c->main;
        scope_add(c, &c->main->scope, d->name, d);
        lrs_vec_push(&c->arena, &c->main->decls, d);
    }
    if (d && d->kind == DECL_PARAM) return d;
    if (!d) {
        unknown_param(c, def, m);
        return NULL;
    }
    const char *mod = def->module ? def->module : "", *dot = def->module ? "." : "";
    size_t k =
        d->kind == DECL_IMPORT
            ? lrs_diag_error(&c->sink, def->name_span,
                             "'%s%s%s' is an imported module, not a param", mod, dot, def->name)
            : lrs_diag_error(&c->sink, def->name_span,
                             "'%s%s%s' is a %s, not a param; only params can be set with -D", mod,
                             dot, def->name, kind_name(d->kind));
    if (d->kind == DECL_IMPORT && !def->module)
        lrs_diag_help(&c->sink, k, "set one of its params with -D %s.NAME=EXPR", def->name);
    lrs_diag_note(&c->sink, k, 1, d->name_span, "'%s' is declared here", def->name);
    return NULL;
}

static void apply_overrides(lrs_comp *c)
{
    size_t n = c->opts ? c->opts->define_count : 0;
    for (size_t i = 0; i < n; i++) {
        const char *text = c->opts->defines[i];
        uint32_t file = lrs_src_add(&c->src, "<-D>", NULL, text, strlen(text));
        lrs_define def = {0};
        lrs_ast *e = lrs_parse_define(&c->arena, &c->sink, file, &def);
        if (!e) continue;
        lrs_decl *d = override_target(c, &def, e);
        if (!d) continue;
        /* The override replaces the declared value, and is bound in the
         * scope of the file that declares the param. */
        d->expr = e;
        d->refs.n = 0;
        binder b = {c, d->module, d, NULL, 0};
        bind(&b, e);
    }
}

/* ---- recursion ----------------------------------------------------------- */

static void report_cycle(lrs_comp *c, lrs_decl *d, const lrs_vec *stack)
{
    /* The cycle is the part of the stack from d's first appearance. */
    size_t from = 0;
    while (from < stack->n && stack->items[from] != d)
        from++;
    char chain[1024];
    size_t off = 0;
    for (size_t i = from; i < stack->n && off < sizeof chain; i++)
        off += (size_t)snprintf(chain + off, sizeof chain - off, "'%s' -> ",
                                ((lrs_decl *)stack->items[i])->name);
    if (off < sizeof chain) snprintf(chain + off, sizeof chain - off, "'%s'", d->name);
    c->cycles = 1;
    size_t e = lrs_diag_error(&c->sink, d->name_span, "'%s' is defined in terms of itself: %s",
                              d->name, chain);
    if (from + 1 == stack->n && lib_find(c, d->name))
        lrs_diag_help(&c->sink, e,
                      "inside this file '%s' means this declaration, which shadows the "
                      "library's '%s'; give it another name, such as '%s_lr'",
                      d->name, d->name, d->name);
    else
        lrs_diag_help(&c->sink, e,
                      "definitions cannot be recursive; write the value in closed form of "
                      "`step` (restarts and sample cover the usual repetitions)");
}

/* Depth-first search over the decls' references with an explicit stack
 * (a chain of thousands of lets must not use the C stack): `stack` holds
 * the decls in progress, `next` the index of the reference each one
 * visits next. */
static void find_cycles(lrs_comp *c, lrs_decl *root, lrs_vec *stack)
{
    lrs_vec next = {0};
    lrs_decl *d = root;
    for (;;) {
        /* The shared library was checked when it was cached, and it names
         * nothing outside itself: its decls are not walked (or written). */
        if (d && !(c->stdlib_shared && d->module == c->stdlib) && d->visit != WALK_DONE) {
            if (d->visit == WALK_IN_PROGRESS) {
                report_cycle(c, d, stack);
            } else {
                d->visit = WALK_IN_PROGRESS;
                lrs_vec_push(&c->arena, stack, d);
                lrs_vec_push(&c->arena, &next, (void *)(uintptr_t)0);
            }
        }
        d = NULL;
        if (stack->n == 0) break;
        lrs_decl *top = stack->items[stack->n - 1];
        size_t i = (size_t)(uintptr_t)next.items[next.n - 1];
        if (i < top->refs.n) {
            next.items[next.n - 1] = (void *)(uintptr_t)(i + 1);
            d = top->refs.items[i];
        } else {
            top->visit = WALK_DONE;
            stack->n--;
            next.n--;
        }
    }
}

int lrs_resolve_program(lrs_comp *c, uint32_t main_file)
{
    int before = c->sink.errors;
    if (!use_cache(c)) load_stdlib(c);
    if (c->sink.errors != before) return c->sink.errors - before; /* a broken build */
    loader L = {c, {0}};
    lrs_source *src = c->src.files[main_file];
    c->main = load(&L, main_file, src->path ? dir_of(c, src->path) : NULL, 0);
    if (lrs_diag_full(&c->sink)) return c->sink.errors - before;
    for (size_t i = 0; i < c->modules.n; i++)
        bind_module(c, c->modules.items[i]);
    apply_overrides(c);
    lrs_vec stack = {0};
    for (size_t i = 0; i < c->modules.n; i++) {
        lrs_module *m = c->modules.items[i];
        for (size_t j = 0; j < m->decls.n; j++)
            find_cycles(c, m->decls.items[j], &stack);
    }
    return c->sink.errors - before;
}
