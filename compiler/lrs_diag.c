/* lrs_diag.c — source line tables, the diagnostics list of the public API,
 * and rendering diagnostics in the "FILE:LINE:COL: error: MESSAGE" form. */
#include "lrs_diag.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- sources ---------------------------------------------------------- */

/* Whether text looks like lrs source: no NUL byte and valid UTF-8. A
 * diagnostic quotes only a few bytes of anything else (a binary file, or
 * /proc/self/environ given as a program, must not be printed). */
static int looks_like_text(const unsigned char *t, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = t[i];
        size_t k = c < 0x80                ? 0
                   : c >= 0xc2 && c < 0xe0 ? 1
                   : c >= 0xe0 && c < 0xf0 ? 2
                   : c >= 0xf0 && c < 0xf5 ? 3
                                           : 9;
        if (!c || k == 9 || (k && i + k >= n)) return 0;
        for (size_t j = 1; j <= k; j++)
            if ((t[i + j] & 0xc0) != 0x80) return 0;
        i += k + 1;
    }
    return 1;
}

/* Append source f to s; returns its index. */
static uint32_t src_append(lrs_sources *s, lrs_source *f)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        s->files =
            lrs_arena_realloc(s->arena, s->files, s->n * sizeof *s->files, cap * sizeof *s->files);
        s->cap = cap;
    }
    s->files[s->n] = f;
    return (uint32_t)s->n++;
}

uint32_t lrs_src_add(lrs_sources *s, const char *name, const char *path, const char *text,
                     size_t len)
{
    /* A UTF-8 byte-order mark is not part of the text. */
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
        text += 3;
        len -= 3;
    }
    lrs_source *f = lrs_arena_alloc(s->arena, sizeof *f);
    f->name = lrs_arena_strdup(s->arena, name);
    f->path = path ? lrs_arena_strdup(s->arena, path) : NULL;
    f->text = lrs_arena_strndup(s->arena, text, len);
    f->len = len;
    f->binary = !looks_like_text((const unsigned char *)text, len);
    return src_append(s, f);
}

uint32_t lrs_src_add_library(lrs_sources *s, const char *name, const char *text, size_t len)
{
    lrs_source *f = lrs_arena_alloc(s->arena, sizeof *f);
    *f = (lrs_source){.name = name, .text = text, .len = len, .library = 1};
    return src_append(s, f);
}

int64_t lrs_src_load(lrs_sources *s, const char *path, const char *name)
{
    /* Non-blocking, so that a FIFO or a device cannot stall the open; only
     * regular files are read. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        int e = errno;
        close(fd);
        if (!S_ISREG(st.st_mode)) return LRS_SRC_NOT_REGULAR;
        errno = e;
        return -1;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int e = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            char *p = realloc(buf, cap);
            if (!p) {
                e = ENOMEM;
                break;
            }
            buf = p;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            e = errno;
            break;
        }
        if (got == 0) break;
        len += (size_t)got;
        /* Past the source limit the parser reports the size; stop reading. */
        if (len > ((size_t)1 << 24)) break;
    }
    close(fd);
    if (e) {
        free(buf);
        errno = e;
        return -1;
    }
    uint32_t id = lrs_src_add(s, name, path, buf ? buf : "", len);
    free(buf);
    return id;
}

static void build_lines(lrs_sources *s, lrs_source *f)
{
    size_t n = 1;
    for (size_t i = 0; i < f->len; i++)
        n += f->text[i] == '\n';
    f->line_starts = lrs_arena_alloc(s->arena, n * sizeof *f->line_starts);
    size_t k = 0;
    f->line_starts[k++] = 0;
    for (size_t i = 0; i < f->len; i++)
        if (f->text[i] == '\n') f->line_starts[k++] = (uint32_t)(i + 1);
    f->nlines = n;
}

static size_t line_index(lrs_sources *s, lrs_source *f, uint32_t off)
{
    if (!f->line_starts) build_lines(s, f);
    size_t lo = 0, hi = f->nlines; /* last line start <= off */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (f->line_starts[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

void lrs_src_position(lrs_sources *s, uint32_t file, uint32_t off, int *line, int *col)
{
    lrs_source *f = s->files[file];
    if (off > f->len) off = (uint32_t)f->len;
    size_t li = line_index(s, f, off);
    *line = (int)li + 1;
    *col = (int)(off - f->line_starts[li]) + 1;
}

/* ---- the public list --------------------------------------------------- */

/* One diagnostic or note, and how many bytes of its line the quoted
 * excerpt leaves out before it (the caret is placed by that). */
typedef struct item {
    lrs_diag_info info;
    int shift;
} item;

typedef struct entry {
    item top;
    item *notes;
    size_t nnotes;
    lrs_span where; /* the span reported (when located), to find repeats */
    int located;
    const char *libfn; /* reported for a call of this library function */
} entry;

#define DIAGS_MAGIC 0x4c525344u /* tells an lrs_diags from another pointer */

struct lrs_diags {
    unsigned magic;
    entry *items;
    size_t n, cap;
    size_t errors, warnings;
    lrs_diag_callback cb;
    void *user;
};

/* A list made by lrs_diags_new (not NULL, not another object). */
static int is_diags(const lrs_diags *d)
{
    return d && d->magic == DIAGS_MAGIC;
}

static char *xstrdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void info_free(lrs_diag_info *i)
{
    free((char *)i->file);
    free((char *)i->message);
    free((char *)i->source_line);
}

lrs_diags *lrs_diags_new(void)
{
    lrs_diags *d = calloc(1, sizeof(lrs_diags));
    if (d) d->magic = DIAGS_MAGIC;
    return d;
}

void lrs_diags_clear(lrs_diags *d)
{
    if (!is_diags(d)) return;
    for (size_t i = 0; i < d->n; i++) {
        info_free(&d->items[i].top.info);
        for (size_t j = 0; j < d->items[i].nnotes; j++)
            info_free(&d->items[i].notes[j].info);
        free(d->items[i].notes);
    }
    d->n = d->errors = d->warnings = 0;
}

void lrs_diags_free(lrs_diags *d)
{
    if (!is_diags(d)) return;
    lrs_diags_clear(d);
    free(d->items);
    d->magic = 0;
    free(d);
}

void lrs_diags_set_callback(lrs_diags *d, lrs_diag_callback cb, void *user)
{
    if (!is_diags(d)) return;
    d->cb = cb;
    d->user = user;
}

size_t lrs_diags_count(const lrs_diags *d)
{
    return is_diags(d) ? d->n : 0;
}
size_t lrs_diags_error_count(const lrs_diags *d)
{
    return is_diags(d) ? d->errors : 0;
}
size_t lrs_diags_warning_count(const lrs_diags *d)
{
    return is_diags(d) ? d->warnings : 0;
}

int lrs_diags_get(const lrs_diags *d, size_t i, lrs_diag_info *out)
{
    if (!is_diags(d) || i >= d->n || !out) return -1;
    *out = d->items[i].top.info;
    return 0;
}

size_t lrs_diags_note_count(const lrs_diags *d, size_t i)
{
    return is_diags(d) && i < d->n ? d->items[i].nnotes : 0;
}

int lrs_diags_note(const lrs_diags *d, size_t i, size_t j, lrs_diag_info *out)
{
    if (!is_diags(d) || i >= d->n || j >= d->items[i].nnotes || !out) return -1;
    *out = d->items[i].notes[j].info;
    return 0;
}

int lrs_diags_valid(const lrs_diags *d)
{
    return is_diags(d);
}

void lrs_free(void *p)
{
    free(p);
}

/* ---- rendering --------------------------------------------------------- */

typedef struct strbuf {
    char *p;
    size_t n, cap;
    int failed;
} strbuf;

static void sb_append(strbuf *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void sb_printf(strbuf *b, const char *fmt, ...) LRS_PRINTF(2, 3);
static void sb_printf(strbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        sb_append(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_append(b, big, (size_t)n);
    free(big);
}

static const char *sev_name[] = {"error", "warning", "note", "help"};
static const char *sev_color[] = {"\033[1;31m", "\033[1;35m", "\033[1;36m", "\033[1;32m"};

static void render_one(strbuf *b, const item *it, int color)
{
    const lrs_diag_info *i = &it->info;
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    const char *sc = color ? sev_color[i->severity] : "";
    if (i->file && i->line > 0)
        sb_printf(b, "%s%s:%d:%d:%s ", bold, i->file, i->line, i->column, reset);
    else if (i->file)
        sb_printf(b, "%s%s:%s ", bold, i->file, reset);
    sb_printf(b, "%s%s:%s %s%s%s\n", sc, sev_name[i->severity], reset, bold, i->message, reset);
    if (!i->source_line || i->line <= 0) return;
    int w = snprintf(NULL, 0, "%d", i->line);
    sb_printf(b, " %d | %s\n", i->line, i->source_line);
    sb_printf(b, " %*s | ", w, "");
    /* The caret's place in the excerpt, never past its end; tabs are kept
     * in the gutter so the caret lines up under the text. */
    const char *s = i->source_line;
    int len = (int)strlen(s);
    int col = i->column - it->shift, end = i->end_column - it->shift;
    if (col < 1) col = 1;
    if (col > len + 1) col = len + 1;
    if (end > len + 2) end = len + 2;
    for (int c = 1; c < col; c++)
        sb_append(b, s[c - 1] == '\t' ? "\t" : " ", 1);
    sb_append(b, sc, strlen(sc));
    sb_append(b, "^", 1);
    for (int c = col + 1; c < end; c++)
        sb_append(b, "~", 1);
    sb_printf(b, "%s\n", reset);
}

char *lrs_diags_format(const lrs_diags *d, size_t i, int color)
{
    if (!is_diags(d) || i >= d->n) return NULL;
    strbuf b = {0};
    render_one(&b, &d->items[i].top, color);
    for (size_t j = 0; j < d->items[i].nnotes; j++)
        render_one(&b, &d->items[i].notes[j], color);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* ---- the sink ---------------------------------------------------------- */

/* The longest excerpt of a line a diagnostic quotes (bytes): of a text
 * file, and of a file that is not text (NUL bytes or bad UTF-8). */
enum { QUOTE_TEXT = 160, QUOTE_BINARY = 16, QUOTE_BEFORE = 60 };

/* Fill location fields of `it` from a span. The line is quoted in an
 * excerpt around the column (with "..." where it is cut), control bytes
 * made visible so binary input cannot garble a terminal. */
static void locate(lrs_sink *k, lrs_span span, item *it)
{
    lrs_diag_info *info = &it->info;
    lrs_source *f = k->src->files[span.file];
    int line, col, eline, ecol;
    lrs_src_position(k->src, span.file, span.start, &line, &col);
    lrs_src_position(k->src, span.file, span.end > span.start ? span.end : span.start + 1, &eline,
                     &ecol);
    size_t li = (size_t)line - 1;
    size_t ls = f->line_starts[li];
    size_t le = li + 1 < f->nlines ? f->line_starts[li + 1] - 1 : f->len;
    if (le > ls && f->text[le - 1] == '\r') le--;
    size_t max = f->binary ? QUOTE_BINARY : QUOTE_TEXT, at = ls + (size_t)col - 1;
    size_t ws = ls, we = le;
    if (we - ws > max) {
        size_t before = f->binary ? 0 : QUOTE_BEFORE;
        ws = at > ls + before ? at - before : ls;
        /* start on a character, not inside a UTF-8 sequence */
        while (ws > ls && ((unsigned char)f->text[ws] & 0xc0) == 0x80)
            ws--;
        we = ws + max < le ? ws + max : le;
        while (we < le && we > ws && ((unsigned char)f->text[we] & 0xc0) == 0x80)
            we--;
    }
    int pre = ws > ls, post = we < le;
    char *text = malloc(we - ws + 7);
    if (text) {
        size_t o = 0;
        if (pre) memcpy(text, "...", 3), o = 3;
        for (size_t p = ws; p < we; p++) {
            unsigned char c = (unsigned char)f->text[p];
            text[o++] =
                (c < 0x20 && c != '\t') || c == 0x7f || (f->binary && c >= 0x80) ? '?' : (char)c;
        }
        if (post) memcpy(text + o, "...", 3), o += 3;
        text[o] = 0;
    }
    it->shift = (int)(ws - ls) - (pre ? 3 : 0);
    info->file = xstrdup(f->name);
    info->line = line;
    info->column = col;
    info->end_column = eline == line ? ecol : (int)(le - ls) + 2;
    if (info->end_column <= col) info->end_column = col + 1;
    info->source_line = text;
}

static int in_library(const lrs_sink *k, lrs_span s)
{
    return k->src && s.file < k->src->n && k->src->files[s.file]->library;
}

/* Whether a diagnostic like this one was reported already. */
static int repeated(const lrs_sink *k, lrs_severity sev, const lrs_span *span, const char *msg)
{
    const lrs_diags *d = k->out;
    if (!span || !is_diags(d)) return 0;
    for (size_t i = 0; i < d->n; i++) {
        const entry *e = &d->items[i];
        if (e->located && e->top.info.severity == sev && e->where.file == span->file &&
            e->where.start == span->start && e->where.end == span->end &&
            !strcmp(e->top.info.message, msg))
            return 1;
    }
    return 0;
}

static size_t push(lrs_sink *k, lrs_severity sev, const lrs_span *span, const char *file,
                   const char *fmt, va_list ap)
{
    lrs_diags *d = k->out;
    char msg[1024];
    if (fmt) vsnprintf(msg, sizeof msg, fmt, ap);
    /* Library code of a user's call: reported at the call. */
    const lrs_span *lib = NULL;
    if (span && k->origin && in_library(k, *span) && !in_library(k, k->origin->call)) {
        lib = span;
        span = &k->origin->call;
    }
    if (fmt && repeated(k, sev, span, msg)) return LRS_NO_DIAG;
    if (sev == LRS_SEV_ERROR) {
        if (k->capped) {
            k->dropped_errors++;
            return LRS_NO_DIAG;
        }
        if (k->errors >= LRS_MAX_ERRORS) {
            k->capped = 1;
            k->dropped_errors++;
            /* One last, unlocated error says why the rest is missing. */
            span = NULL;
            fmt = NULL;
            if (!file) file = k->src && k->src->n ? k->src->files[0]->name : NULL;
        }
        k->errors++;
    } else {
        if (k->warnings >= LRS_MAX_WARNINGS) {
            k->dropped_warnings++;
            return LRS_NO_DIAG;
        }
        k->warnings++;
    }
    if (!is_diags(d)) return LRS_NO_DIAG;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        entry *p = realloc(d->items, cap * sizeof *p);
        if (!p) return LRS_NO_DIAG;
        d->items = p;
        d->cap = cap;
    }
    entry *e = &d->items[d->n];
    memset(e, 0, sizeof *e);
    e->top.info.severity = sev;
    if (!fmt)
        snprintf(msg, sizeof msg, "too many errors (the limit is %d); stopping", LRS_MAX_ERRORS);
    e->top.info.message = xstrdup(msg);
    if (span) {
        locate(k, *span, &e->top);
        e->where = *span;
        e->located = 1;
    } else {
        e->top.info.file = xstrdup(file);
    }
    if (sev == LRS_SEV_ERROR)
        d->errors++;
    else
        d->warnings++;
    size_t idx = d->n++;
    if (!fmt) k->cap_index = idx + 1;
    if (lib && fmt) {
        e->libfn = k->origin->fn;
        lrs_diag_note(k, idx, 1, *lib, "in the standard library's '%s', here", k->origin->fn);
    }
    if (d->cb) d->cb(d->user, d, idx);
    return fmt ? idx : LRS_NO_DIAG; /* notes belong to the error that was dropped */
}

size_t lrs_diag_error(lrs_sink *k, lrs_span span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t r = push(k, LRS_SEV_ERROR, &span, NULL, fmt, ap);
    va_end(ap);
    return r;
}

size_t lrs_diag_warning(lrs_sink *k, lrs_span span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t r = push(k, LRS_SEV_WARNING, &span, NULL, fmt, ap);
    va_end(ap);
    return r;
}

size_t lrs_diag_error_noloc(lrs_sink *k, const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t r = push(k, LRS_SEV_ERROR, NULL, file, fmt, ap);
    va_end(ap);
    return r;
}

int lrs_diag_full(const lrs_sink *k)
{
    return k->capped;
}

static void add_note(lrs_sink *k, size_t d, lrs_severity sev, const lrs_span *span, const char *fmt,
                     va_list ap)
{
    if (d == LRS_NO_DIAG || !is_diags(k->out) || d >= k->out->n) return;
    entry *e = &k->out->items[d];
    item *p = realloc(e->notes, (e->nnotes + 1) * sizeof *p);
    if (!p) return;
    e->notes = p;
    item *n = &p[e->nnotes++];
    memset(n, 0, sizeof *n);
    n->info.severity = sev;
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    n->info.message = xstrdup(msg);
    if (span) locate(k, *span, n);
}

void lrs_diag_note(lrs_sink *k, size_t d, int has_span, lrs_span span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_note(k, d, LRS_SEV_NOTE, has_span ? &span : NULL, fmt, ap);
    va_end(ap);
}

void lrs_diag_help(lrs_sink *k, size_t d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_note(k, d, LRS_SEV_HELP, NULL, fmt, ap);
    va_end(ap);
}

static size_t push_unlocated(lrs_sink *k, lrs_severity sev, const char *file, const char *fmt, ...)
    LRS_PRINTF(4, 5);
static size_t push_unlocated(lrs_sink *k, lrs_severity sev, const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t r = push(k, sev, NULL, file, fmt, ap);
    va_end(ap);
    return r;
}

void lrs_diag_finish(lrs_sink *k)
{
    lrs_diags *d = k->out;
    if (!is_diags(d)) return;
    /* A diagnostic from inside a library function says where to look. */
    for (size_t i = 0; i < d->n; i++) {
        entry *e = &d->items[i];
        int helped = 0;
        for (size_t j = 0; j < e->nnotes; j++)
            helped |= e->notes[j].info.severity == LRS_SEV_HELP;
        if (e->libfn && !helped)
            lrs_diag_help(k, i, "check the arguments of '%s' (docs/stdlib.md describes them)",
                          e->libfn);
        e->libfn = NULL;
    }
    if (k->cap_index && k->cap_index <= d->n) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "too many errors: %zu more not shown, and the compiler stopped there (the "
                 "limit is %d)",
                 k->dropped_errors, LRS_MAX_ERRORS);
        lrs_diag_info *i = &d->items[k->cap_index - 1].top.info;
        char *m = xstrdup(msg);
        if (m) {
            free((char *)i->message);
            i->message = m;
        }
        k->cap_index = 0;
    }
    if (k->dropped_warnings) {
        size_t n = k->dropped_warnings;
        k->dropped_warnings = 0;
        k->warnings = LRS_MAX_WARNINGS - 1; /* room for this one */
        push_unlocated(k, LRS_SEV_WARNING, k->src && k->src->n ? k->src->files[0]->name : NULL,
                       "too many warnings: %zu more not shown (the limit is %d)", n,
                       LRS_MAX_WARNINGS);
    }
}

/* ---- suggestions ------------------------------------------------------- */

/* Optimal string alignment distance (Damerau-Levenshtein with adjacent
 * transpositions), capped at `cap` for speed. */
static size_t edit_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return cap + 1;
    if ((la > lb ? la - lb : lb - la) > cap) return cap + 1;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

const char *lrs_suggest(const char *word, const char *const *cands, size_t n)
{
    size_t len = strlen(word);
    size_t cap = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    const char *best = NULL;
    size_t best_d = cap + 1;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i] || !strcmp(cands[i], word)) continue;
        size_t dist = edit_distance(word, cands[i], cap);
        if (dist < best_d) {
            best_d = dist;
            best = cands[i];
        }
    }
    return best;
}
