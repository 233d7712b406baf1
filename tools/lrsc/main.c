/* lrsc — check, evaluate and plot .lrs schedules.
 * The only part of lrs that prints. Exit status: 0 ok, 1 a diagnosed error
 * in the input, 2 a usage error, 3 an internal failure. */
#include "lrs.h"
#include "lrsc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- options ------------------------------------------------------------------
 * One row per option: its name, the value it takes (NULL for a flag), what it
 * sets, and its help line. A command lists the options it accepts (below); an
 * option of another command is a usage error that names both. */

typedef enum {
    OPT_DEFINE,
    OPT_INCLUDE,
    OPT_COLOR,
    OPT_NO_CHECK,
    OPT_ALLOW_JUMPS,
    OPT_SCHEDULE,
    OPT_STEPS,
    OPT_AT,
    OPT_FORMAT,
    OPT_BACKEND_CHECK,
    OPT_BOUNDARIES,
    OPT_BACKEND,
    OPT_NO_CACHE,
    OPT_OUTPUT_PLOT,
    OPT_LOG,
    OPT_TITLE,
    OPT_X_AXIS,
    OPT_MARKS,
    OPT_WIDTH,
    OPT_HEIGHT,
    OPT_OUTPUT_COMPILE,
    OPT_OBJECT,
    OPT_ASM,
    OPT_EMIT_LLVM,
    OPT_HEADER,
    OPT_PREFIX,
    OPT_CPU,
    OPT_REPORT,
    OPT_PLATEAUS,
    OPT_COUNT
} opt_id;

#define OPT(id) (1u << (id))

typedef struct option {
    const char *name; /* "-D" or "--steps" */
    const char *arg;  /* the value's name in help; NULL: a flag */
    int attached;     /* also written "-DNAME=EXPR" */
    /* Store val (NULL for a flag); on a bad value print a usage error
     * with usage_error and return its status. */
    int (*set)(const char *cmd, const struct option *r, const char *val, lrsc_args *a);
    size_t field;     /* set_string, set_flag: the member of lrsc_args they set */
    const char *help; /* lines after the first start with '\n' */
} option;

/* The value of an option that only stores its argument, or a flag. */
static int set_string(const char *cmd, const option *r, const char *val, lrsc_args *a)
{
    (void)cmd;
    *(const char **)((char *)a + r->field) = val;
    return 0;
}

static int set_flag(const char *cmd, const option *r, const char *val, lrsc_args *a)
{
    (void)cmd, (void)val;
    *(int *)((char *)a + r->field) = 1;
    return 0;
}

/* Print "lrsc CMD: MESSAGE" and a hint; returns LRSC_EXIT_USAGE. */
static int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lrsc%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'lrsc%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
    return LRSC_EXIT_USAGE;
}

static int push_str(const char ***v, size_t *n, const char *s)
{
    const char **p = realloc(*v, (*n + 1) * sizeof *p);
    if (!p) return -1;
    *v = p;
    p[(*n)++] = s;
    return 0;
}

static int parse_at(const char *s, lrsc_args *a)
{
    while (*s) {
        const char *end = strchr(s, ',');
        if (!end) end = s + strlen(s);
        int64_t v;
        if (lrsc_parse_step(s, (size_t)(end - s), &v)) return -1;
        int64_t *p = realloc(a->at, (a->nat + 1) * sizeof *p);
        if (!p) return -1;
        a->at = p;
        a->at[a->nat++] = v;
        s = end;
        if (*s == ',')
            s++;
        else if (*s)
            return -1;
    }
    return a->nat ? 0 : -1;
}

/* Pick val among words[] (NULL-terminated); stores its index in *out. */
static int choose(const char *cmd, const char *opt, const char *val, const char *const *words,
                  int *out)
{
    for (int i = 0; words[i]; i++)
        if (!strcmp(val, words[i])) {
            *out = i;
            return 0;
        }
    char want[128] = "";
    for (int i = 0; words[i]; i++) {
        size_t n = strlen(want);
        snprintf(want + n, sizeof want - n, "%s%s", i ? (words[i + 1] ? ", " : " or ") : "",
                 words[i]);
    }
    return usage_error(cmd, "%s takes %s, not '%s'", opt, want, val);
}

static int set_define(const char *cmd, const option *r, const char *val, lrsc_args *a)
{
    (void)r;
    if (!strchr(val, '=')) return usage_error(cmd, "-D needs NAME=EXPR, got '%s'", val);
    return push_str(&a->defines, &a->ndefines, val) ? LRSC_EXIT_INTERNAL : 0;
}

static int set_include(const char *cmd, const option *r, const char *val, lrsc_args *a)
{
    (void)cmd, (void)r;
    return push_str(&a->includes, &a->nincludes, val) ? LRSC_EXIT_INTERNAL : 0;
}

static int set_color(const char *cmd, const option *r, const char *val, lrsc_args *a)
{
    static const char *const w[] = {"never", "always", "auto", NULL};
    int k;
    if (choose(cmd, r->name, val, w, &k)) return LRSC_EXIT_USAGE;
    a->color = k == 2 ? -1 : k;
    return 0;
}

static int set_schedule(const char *cmd, const option *r, const char *val, lrsc_args *a)
{
    (void)cmd, (void)r;
    return push_str(&a->scheds, &a->nscheds, val) ? LRSC_EXIT_INTERNAL : 0;
}

static int set_steps(const char *cmd, const option *r, const char *val, lrsc_args *a)
{
    if (lrsc_parse_slice(val, a))
        return usage_error(cmd,
                           "--steps takes a slice START:STOP:STRIDE (each part optional, the "
                           "stride positive), not '%s'",
                           val);
    return 0;
}

static int set_at(const char *cmd, const option *r, const char *val, lrsc_args *a)
{
    if (parse_at(val, a))
        return usage_error(cmd, "--at takes steps separated by commas, not '%s'", val);
    return 0;
}

static int set_format(const char *cmd, const option *r, const char *val, lrsc_args *a)
{
    static const char *const w[] = {"csv", "tsv", "json", NULL};
    int k;
    if (choose(cmd, r->name, val, w, &k)) return LRSC_EXIT_USAGE;
    a->format = (lrsc_format)k;
    return 0;
}

static int set_backend(const char *cmd, const option *r, const char *val, lrsc_args *a)
{
    static const char *const w[] = {"jit", "interp", NULL};
    int k;
    if (choose(cmd, r->name, val, w, &k)) return LRSC_EXIT_USAGE;
    a->backend = (lrsc_backend)k;
    return 0;
}

static int set_x_axis(const char *cmd, const option *r, const char *val, lrsc_args *a)
{
    static const char *const w[] = {"steps", "epochs", NULL};
    return choose(cmd, r->name, val, w, &a->x_axis);
}

static int set_size(const char *cmd, const option *r, const char *val, lrsc_args *a)
{
    int is_width = !strcmp(r->name, "--width");
    int least = is_width ? 20 : 3;
    char *end;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (end == val || *end || errno || v < least || v > 10000) {
        return usage_error(cmd, "%s takes a whole number from %d to 10000, not '%s'", r->name,
                           least, val);
    }
    *(is_width ? &a->width : &a->height) = (int)v;
    return 0;
}

static int set_emit_kind(const char *cmd, const option *r, const char *val, lrsc_args *a)
{
    (void)val;
    int kind = r->name[1] == 'c'   ? LRS_EMIT_OBJECT
               : r->name[1] == 'S' ? LRS_EMIT_ASM
                                   : LRS_EMIT_LLVM;
    if (a->emit_kind_given && a->emit_kind != kind)
        return usage_error(cmd, "'%s' conflicts with an earlier -c, -S or --emit-llvm", r->name);
    a->emit_kind = kind;
    a->emit_kind_given = 1;
    return 0;
}

/* --report and --plateaus (signals.c). */
static int set_report(const char *cmd, const option *r, const char *val, lrsc_args *a)
{
    return lrsc_set_report(cmd, r->name, val, a);
}

static int set_plateaus(const char *cmd, const option *r, const char *val, lrsc_args *a)
{
    return lrsc_set_plateaus(cmd, r->name, val, a);
}

static const option options[OPT_COUNT] = {
    [OPT_DEFINE] = {"-D", "NAME=EXPR", 1, set_define, 0,
                    "override a param (any constant expression: -D warm=5%);\n"
                    "-D M.NAME=EXPR sets one of the file imported `as M`;\n"
                    "total and steps_per_epoch need no declaration"},
    [OPT_INCLUDE] = {"-I", "DIR", 1, set_include, 0,
                     "search DIR for imports, after the importing file's directory"},
    [OPT_COLOR] = {"--color", "WHEN", 0, set_color, 0,
                   "colour diagnostics: auto (on a terminal), always, never"},
    [OPT_NO_CHECK] = {"--no-check", NULL, 0, set_flag, offsetof(lrsc_args, no_check),
                      "skip the value checker (finite, non-negative, jumps)"},
    [OPT_ALLOW_JUMPS] = {"--allow-jumps", NULL, 0, set_flag, offsetof(lrsc_args, allow_jumps),
                         "every jump between `then` segments is intended (step\n"
                         "decays): no warning about any (in the file, for one\n"
                         "segment: `then jump(S)`)"},
    [OPT_SCHEDULE] = {"--schedule", "NAME", 0, set_schedule, 0,
                      "a schedule to use (repeatable; default: all)"},
    [OPT_STEPS] = {"--steps", "A:B:S", 0, set_steps, 0,
                   "steps A, A+S, ... below B, a Python slice: each part\n"
                   "optional (:B, A:, ::S), a negative A or B counts from\n"
                   "the end of the default range; numbers as in .lrs\n"
                   "(1_000_000, 1e6). Default: the whole span, or a few\n"
                   "cycles when it is infinite, in at most about 1000 rows"},
    [OPT_AT] = {"--at", "S,S,...", 0, set_at, 0, "these steps instead (numbers as in .lrs)"},
    [OPT_FORMAT] = {"--format", "csv|tsv|json", 0, set_format, 0,
                    "output format (default csv; header step,NAME,...)"},
    [OPT_BACKEND_CHECK] = {"--backend", "jit|interp", 0, set_backend, 0,
                           "also compile to native code with the JIT (default jit),\n"
                           "so that backend failures show; interp skips it"},
    [OPT_BOUNDARIES] = {"--boundaries", NULL, 0, set_flag, offsetof(lrsc_args, boundaries),
                        "also list each schedule's segment, cycle and decay\n"
                        "boundaries (the steps where a new part begins)"},
    [OPT_BACKEND] = {"--backend", "jit|interp", 0, set_backend, 0,
                     "evaluate with native code from the JIT (default) or\n"
                     "with the reference interpreter"},
    [OPT_NO_CACHE] = {"--no-cache", NULL, 0, set_flag, offsetof(lrsc_args, no_cache),
                      "compile native code afresh, without the on-disk cache\n"
                      "(as LRS_CACHE=off does)"},
    [OPT_OUTPUT_PLOT] = {"-o", "FILE.svg|FILE.png", 0, set_string, offsetof(lrsc_args, output),
                         "write an SVG or PNG file instead of drawing in the\n"
                         "terminal: one panel per group of schedules of similar\n"
                         "magnitude, the legend beside the data"},
    [OPT_TITLE] = {"--title", "TEXT", 0, set_string, offsetof(lrsc_args, title),
                   "the figure's title (default: FILE's name)"},
    [OPT_X_AXIS] = {"--x", "steps|epochs", 0, set_x_axis, 0,
                    "the x axis unit (default: epochs when the program sets\n"
                    "steps_per_epoch, else steps)"},
    [OPT_MARKS] = {"--boundaries", NULL, 0, set_flag, offsetof(lrsc_args, boundaries),
                   "mark segment, cycle and decay boundaries (dashed lines)"},
    [OPT_LOG] = {"--log", NULL, 0, set_flag, offsetof(lrsc_args, log), "logarithmic value axis"},
    [OPT_WIDTH] = {"--width", "N", 0, set_size, 0, "terminal plot width in characters"},
    [OPT_HEIGHT] = {"--height", "N", 0, set_size, 0, "terminal plot height in characters"},
    [OPT_OUTPUT_COMPILE] = {"-o", "FILE", 0, set_string, offsetof(lrsc_args, output),
                            "the output (default: FILE with .so, .o, .ll or .s)"},
    [OPT_OBJECT] = {"-c", NULL, 0, set_emit_kind, 0,
                    "a relocatable object instead of a shared object"},
    [OPT_ASM] = {"-S", NULL, 0, set_emit_kind, 0, "assembly"},
    [OPT_EMIT_LLVM] = {"--emit-llvm", NULL, 0, set_emit_kind, 0, "optimised LLVM IR as text"},
    [OPT_HEADER] = {"--header", "FILE.h", 0, set_string, offsetof(lrsc_args, header),
                    "also write a C header declaring the functions and\n"
                    "documenting each schedule (alone: only the header)"},
    [OPT_PREFIX] = {"--prefix", "P", 0, set_string, offsetof(lrsc_args, prefix),
                    "function names start with P (default lrs_)"},
    [OPT_CPU] = {"--cpu", "generic|native|NAME", 0, set_string, offsetof(lrsc_args, cpu),
                 "the CPU to compile for: generic (default) runs on any\n"
                 "machine of the architecture, native on this one"},
    [OPT_REPORT] = {"--report", "NAME=FILE.csv", 0, set_report, 0,
                    "replay a recorded history of signal NAME (rows step,value;\n"
                    "a report at step S counts from step S on; repeatable)"},
    [OPT_PLATEAUS] = {"--plateaus", "S,S,...", 0, set_plateaus, 0,
                      "place plateau events at these steps (every plateaus(...)\n"
                      "counts the events at or before the step)"},
};

/* ---- commands ----------------------------------------------------------------- */

#define OPTS_COMMON                                                                                \
    (OPT(OPT_DEFINE) | OPT(OPT_INCLUDE) | OPT(OPT_COLOR) | OPT(OPT_NO_CHECK) | OPT(OPT_ALLOW_JUMPS))

typedef struct command {
    const char *name;
    int (*run)(lrsc_args *a);
    unsigned opts; /* OPT(id) for every option it accepts */
    const char *summary;
    const char *about;    /* the paragraph under its usage line */
    const char *epilogue; /* after the options, or NULL */
} command;

static const command commands[] = {
    {"check", lrsc_check,
     OPTS_COMMON | OPT(OPT_BACKEND_CHECK) | OPT(OPT_NO_CACHE) | OPT(OPT_BOUNDARIES),
     "report diagnostics and a summary line per schedule",
     "Compile FILE, print its diagnostics, then one line per exported schedule:\n"
     "its span, the value at step 0, the end value, and the least and greatest\n"
     "values, and whether it was proved finite and non-negative by interval\n"
     "analysis or checked by sampling. The least and greatest values are exact\n"
     "unless marked `~` (then they are estimates from samples). A schedule with a\n"
     "segment that never moves (the unbounded-span warning) is proved \"as\n"
     "written\". With --no-check the checker does not run: the span, start and\n"
     "end are still printed, min and max are not known.",
     NULL},
    {"eval", lrsc_eval,
     OPTS_COMMON | OPT(OPT_SCHEDULE) | OPT(OPT_STEPS) | OPT(OPT_AT) | OPT(OPT_FORMAT) |
         OPT(OPT_BACKEND) | OPT(OPT_NO_CACHE) | OPT(OPT_REPORT) | OPT(OPT_PLATEAUS),
     "print schedule values as CSV, TSV or JSON",
     "Print the values of exported schedules, one row per step.",
     "Values are printed with %.17g, so they read back exactly."},
    {"plot", lrsc_plot,
     OPTS_COMMON | OPT(OPT_OUTPUT_PLOT) | OPT(OPT_SCHEDULE) | OPT(OPT_STEPS) | OPT(OPT_LOG) |
         OPT(OPT_TITLE) | OPT(OPT_X_AXIS) | OPT(OPT_MARKS) | OPT(OPT_WIDTH) | OPT(OPT_HEIGHT) |
         OPT(OPT_BACKEND) | OPT(OPT_NO_CACHE) | OPT(OPT_REPORT) | OPT(OPT_PLATEAUS),
     "draw schedules in the terminal, or to an SVG or PNG file",
     "Draw exported schedules: in the terminal (Unicode braille, as wide as the\n"
     "terminal), or as an SVG or PNG file with axes, round ticks and a legend.",
     NULL},
    {"compile", lrsc_compile_cmd,
     OPTS_COMMON | OPT(OPT_OUTPUT_COMPILE) | OPT(OPT_OBJECT) | OPT(OPT_ASM) | OPT(OPT_EMIT_LLVM) |
         OPT(OPT_HEADER) | OPT(OPT_PREFIX) | OPT(OPT_CPU),
     "compile to a shared object, object, LLVM IR, assembly or C header",
     "Compile the exported schedules of FILE ahead of time. For each schedule NAME\n"
     "the output defines double PREFIX_NAME(int64_t step) and\n"
     "void PREFIX_NAME_range(int64_t first, int64_t count, double *out), and a\n"
     "descriptor table PREFIX_table (names, spans, params) that lrs_aot_open reads.",
     "A shared object is linked by the system C compiler ($CC, else cc) and\n"
     "depends only on libm (and libmvec when the code is vectorised)."},
};
enum { NCOMMANDS = sizeof commands / sizeof *commands };

static const char *exit_help =
    "exit status: 0 ok, 1 an error in the input, 2 a usage error, 3 an internal failure\n";

static void print_option(FILE *f, const option *o)
{
    char head[64];
    snprintf(head, sizeof head, "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    fprintf(f, "  %-22s", head);
    if (strlen(head) > 22) fprintf(f, "\n  %-22s", "");
    for (const char *s = o->help; *s; s++) {
        fputc(*s, f);
        if (*s == '\n') fprintf(f, "  %-22s", "");
    }
    fputc('\n', f);
}

static unsigned common_opts(void)
{
    unsigned m = ~0u;
    for (size_t i = 0; i < NCOMMANDS; i++)
        m &= commands[i].opts;
    return m;
}

static void help_main(FILE *f)
{
    fputs("usage: lrsc COMMAND [OPTIONS] FILE\n"
          "\n"
          "Check, evaluate and plot learning-rate schedules written in .lrs.\n"
          "\n"
          "commands:\n",
          f);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        char head[32];
        snprintf(head, sizeof head, "%s FILE", commands[i].name);
        fprintf(f, "  %-14s  %s\n", head, commands[i].summary);
    }
    fputs("\noptions for every command:\n", f);
    unsigned m = common_opts();
    for (int k = 0; k < OPT_COUNT; k++)
        if (m & OPT(k)) print_option(f, &options[k]);
    fprintf(f, "  %-22s%s\n  %-22s%s\n\n%s", "-h, --help", "show help (also: lrsc COMMAND --help)",
            "--version", "show the version", exit_help);
}

static void help_command(FILE *f, const command *c)
{
    fprintf(f, "usage: lrsc %s [OPTIONS] FILE\n\n%s\n\n", c->name, c->about);
    unsigned common = common_opts();
    for (int k = 0; k < OPT_COUNT; k++)
        if ((c->opts & OPT(k)) && !(common & OPT(k))) print_option(f, &options[k]);
    fprintf(f, "  %-22s%s\n", "-h, --help", "show this help");
    fputs("  the options of every command: ", f);
    int first = 1;
    for (int k = 0; k < OPT_COUNT; k++)
        if (common & OPT(k)) {
            fprintf(f, "%s%s", first ? "" : ", ", options[k].name);
            first = 0;
        }
    fputs(" (see lrsc --help)\n", f);
    if (c->epilogue) fprintf(f, "\n%s\n", c->epilogue);
}

/* The option row for argument o of command c: *val gets its value (from
 * "--opt=V", "-DV" or the next argument). Returns the row, or NULL after
 * printing a usage error into *status. */
static const option *find_option(const command *c, int argc, char **argv, int *i, const char **val,
                                 int *status)
{
    const char *o = argv[*i];
    const option *known = NULL;
    for (int k = 0; k < OPT_COUNT; k++) {
        const option *r = &options[k];
        size_t n = strlen(r->name);
        int exact = !strcmp(o, r->name);
        int eq = r->arg && !strncmp(o, r->name, n) && o[n] == '=' && r->name[1] == '-';
        int glued = r->attached && !strncmp(o, r->name, n) && o[n];
        if (!exact && !eq && !glued) continue;
        known = r;
        if (!(c->opts & OPT(k))) continue;
        *val = NULL;
        if (eq)
            *val = o + n + 1;
        else if (glued)
            *val = o + n;
        else if (r->arg) {
            if (*i + 1 >= argc) {
                *status = usage_error(c->name, "option %s needs a value", r->name);
                return NULL;
            }
            *val = argv[++*i];
        }
        return r;
    }
    if (!known) {
        *status = usage_error(c->name, "unknown option '%s'", o);
        return NULL;
    }
    fprintf(stderr, "lrsc %s: %s is not an option of 'lrsc %s'", c->name, known->name, c->name);
    const char *sep = "; it belongs to";
    for (size_t j = 0; j < NCOMMANDS; j++)
        for (int k = 0; k < OPT_COUNT; k++)
            if ((commands[j].opts & OPT(k)) && !strcmp(options[k].name, known->name)) {
                fprintf(stderr, "%s lrsc %s", sep, commands[j].name);
                sep = ",";
                break;
            }
    fprintf(stderr, "\nTry 'lrsc %s --help'.\n", c->name);
    *status = LRSC_EXIT_USAGE;
    return NULL;
}

/* Returns 0 to run the command, -1 after printing help, else an exit status. */
static int parse_args(const command *c, int argc, char **argv, lrsc_args *a)
{
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            help_command(stdout, c);
            return -1;
        }
        if (o[0] == '-' && o[1]) {
            const char *val;
            int status = 0;
            const option *r = find_option(c, argc, argv, &i, &val, &status);
            if (!r) return status;
            if ((status = r->set(c->name, r, val, a))) return status;
        } else if (a->file) {
            return usage_error(c->name, "only one FILE, but '%s' is a second", o);
        } else {
            a->file = o;
        }
    }
    if (!a->file) return usage_error(c->name, "%s", "no FILE given");
    return 0;
}

/* Print every diagnostic; returns the number of errors. */
static size_t print_diags(const lrs_diags *d, int color)
{
    for (size_t i = 0; i < lrs_diags_count(d); i++) {
        char *s = lrs_diags_format(d, i, color);
        if (s) fputs(s, stderr);
        lrs_free(s);
    }
    return lrs_diags_error_count(d);
}

/* Compile a->file; on failure print why and return NULL with *status set. */
lrs_program *lrsc_compile(lrsc_args *a, lrs_context **ctx, int *status)
{
    *ctx = lrs_context_new();
    lrs_diags *d = lrs_diags_new();
    if (!*ctx || !d) {
        fprintf(stderr, "lrsc: out of memory\n");
        *status = LRSC_EXIT_INTERNAL;
        lrs_diags_free(d);
        return NULL;
    }
    lrs_options o = {.include_dirs = a->includes,
                     .include_dir_count = a->nincludes,
                     .defines = a->defines,
                     .define_count = a->ndefines,
                     .no_check = a->no_check,
                     .no_cache = a->no_cache,
                     .allow_jumps = a->allow_jumps};
    lrs_program *p = lrs_compile_file(*ctx, a->file, &o, d);
    int color = a->color >= 0 ? a->color : isatty(2);
    size_t errors = print_diags(d, color);
    if (!p) {
        if (errors) {
            fprintf(stderr, "%zu error%s\n", errors, errors == 1 ? "" : "s");
            *status = LRSC_EXIT_INPUT;
        } else {
            fprintf(stderr, "lrsc: internal failure compiling %s\n", a->file);
            *status = LRSC_EXIT_INTERNAL;
        }
    }
    lrs_diags_free(d);
    return p;
}

/* Resolve --schedule names to indices (all schedules when none is named). */
int lrsc_select(lrsc_args *a, const lrs_program *p, size_t **out, size_t *n)
{
    size_t total = lrs_program_schedule_count(p);
    size_t want = a->nscheds ? a->nscheds : total;
    *out = calloc(want + 1, sizeof **out);
    *n = 0;
    if (!*out) return LRSC_EXIT_INTERNAL;
    if (!a->nscheds) {
        for (size_t i = 0; i < total; i++)
            (*out)[(*n)++] = i;
        return 0;
    }
    for (size_t i = 0; i < a->nscheds; i++) {
        int k = lrs_program_find(p, a->scheds[i]);
        if (k >= 0) {
            (*out)[(*n)++] = (size_t)k;
            continue;
        }
        fprintf(stderr, "lrsc: %s has no schedule '%s'", a->file, a->scheds[i]);
        if (total) {
            fprintf(stderr, "; it exports:");
            for (size_t j = 0; j < total; j++)
                fprintf(stderr, " %s", lrs_program_schedule_name(p, j));
        }
        fputc('\n', stderr);
        return LRSC_EXIT_USAGE;
    }
    return 0;
}

int lrsc_values(lrsc_args *a, lrs_program *p, const size_t *sel, size_t n, const int64_t *steps,
                size_t nsteps, double *vals)
{
    double *det = NULL; /* reactive schedules: the detectors at each step */
    size_t nd = lrs_program_detector_count(p);
    int status = lrsc_histories(a, p, steps, nsteps, &det);
    for (size_t j = 0; j < n && !status; j++) {
        int reactive = lrs_program_schedule_reactive(p, sel[j]);
        lrs_fn fn = NULL;
        lrs_reactive_fn rfn = NULL;
        if (a->backend == BACKEND_JIT &&
            !(reactive ? (rfn = lrs_program_reactive_function(p, sel[j])) != NULL
                       : (fn = lrs_program_function(p, sel[j])) != NULL)) {
            const char *why = lrs_program_native_error(p);
            fprintf(stderr, "lrsc: %s: %s\n", a->file, why ? why : "native compilation failed");
            status = LRSC_EXIT_INTERNAL;
            break;
        }
        for (size_t i = 0; i < nsteps; i++) {
            const double *d = det ? det + i * nd : NULL;
            vals[j * nsteps + i] = fn    ? fn(steps[i])
                                   : rfn ? rfn(steps[i], d)
                                         : lrs_interp_eval_reactive(p, sel[j], steps[i], d);
        }
    }
    free(det);
    return status;
}

static void args_free(lrsc_args *a)
{
    free(a->defines);
    free(a->includes);
    free(a->scheds);
    free(a->at);
    free(a->reports);
    free(a->plateaus);
    free(a->events);
}

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(name, commands[i].name)) return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        help_main(stderr);
        return LRSC_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
        const command *c = argc > 2 && !strcmp(name, "help") ? find_command(argv[2]) : NULL;
        if (c)
            help_command(stdout, c);
        else
            help_main(stdout);
        return LRSC_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("lrsc %s\n", LRS_VERSION_STRING);
        return LRSC_OK;
    }
    const command *c = find_command(name);
    if (!c) {
        fprintf(stderr, "lrsc: unknown command '%s'", name);
        for (size_t i = 0; i < NCOMMANDS; i++)
            if (name[0] && !strncmp(name, commands[i].name, 2))
                fprintf(stderr, "; did you mean '%s'?", commands[i].name);
        fprintf(stderr, "\nTry 'lrsc --help'.\n");
        return LRSC_EXIT_USAGE;
    }
    lrsc_args a = {.color = -1, .stride = 1, .format = FMT_CSV, .x_axis = -1};
    int r = parse_args(c, argc - 2, argv + 2, &a);
    if (r < 0)
        r = LRSC_OK;
    else if (!r)
        r = c->run(&a);
    args_free(&a);
    return r;
}
