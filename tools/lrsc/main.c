/* lrsc — check, evaluate and plot .lrs schedules.
 * The only part of lrs that prints. Exit status: 0 ok, 1 a diagnosed error
 * in the input, 2 a usage error, 3 an internal failure. */
#include "lrs.h"
#include "lrsc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

static const char *usage_main =
    "usage: lrsc COMMAND [OPTIONS] FILE\n"
    "\n"
    "Check, evaluate and plot learning-rate schedules written in .lrs.\n"
    "\n"
    "commands:\n"
    "  check FILE      report diagnostics and a summary line per schedule\n"
    "  eval FILE       print schedule values as CSV, TSV or JSON\n"
    "  plot FILE       draw schedules in the terminal, or to an SVG file with -o\n"
    "  compile FILE    compile to a shared object, object, LLVM IR, assembly or C header\n"
    "\n"
    "options for every command:\n"
    "  -D NAME=EXPR    override a param (any constant expression: -D warm=5%)\n"
    "  -I DIR          search DIR for imports, after the importing file's directory\n"
    "  --color WHEN    colour diagnostics: auto (on a terminal), always, never\n"
    "  --no-check      skip the value checker (finite, non-negative, jumps)\n"
    "  -h, --help      show help (also: lrsc COMMAND --help)\n"
    "  --version       show the version\n"
    "\n"
    "exit status: 0 ok, 1 an error in the input, 2 a usage error, 3 an internal failure\n";

static const char *usage_check =
    "usage: lrsc check [OPTIONS] FILE\n"
    "\n"
    "Compile FILE, print its diagnostics, then one line per exported schedule:\n"
    "its span, the value at step 0, the end value, and the least and greatest\n"
    "values, and whether it was proved finite and non-negative by interval\n"
    "analysis or checked by sampling.\n"
    "\n"
    "  --backend jit|interp  also compile to native code with the JIT (default jit),\n"
    "                        so that backend failures show; interp skips it\n"
    "  -D NAME=EXPR, -I DIR, --color WHEN, --no-check (see lrsc --help)\n";

static const char *usage_eval =
    "usage: lrsc eval [OPTIONS] FILE\n"
    "\n"
    "Print the values of exported schedules, one row per step.\n"
    "\n"
    "  --schedule NAME       a schedule to print (repeatable; default: all)\n"
    "  --steps A:B[:S]       steps A, A+S, ... below B, like a Python slice\n"
    "                        (default: the whole span, at most about 1000 rows)\n"
    "  --at S,S,...          these steps instead\n"
    "  --format csv|tsv|json output format (default csv; header step,NAME,...)\n"
    "  --backend jit|interp  evaluate with native code from the JIT (default) or\n"
    "                        with the reference interpreter\n"
    "  -D NAME=EXPR, -I DIR, --color WHEN, --no-check (see lrsc --help)\n"
    "\n"
    "Values are printed with %.17g, so they read back exactly.\n";

static const char *usage_plot =
    "usage: lrsc plot [OPTIONS] FILE\n"
    "\n"
    "Draw exported schedules: in the terminal (Unicode braille, as wide as the\n"
    "terminal), or as an SVG file with axes, ticks, labels and a legend.\n"
    "\n"
    "  -o FILE.svg           write an SVG file instead of drawing in the terminal\n"
    "  --schedule NAME       a schedule to draw (repeatable; default: all)\n"
    "  --steps A:B[:S]       the steps to draw (default: the whole span)\n"
    "  --log                 logarithmic value axis\n"
    "  --width N, --height N terminal plot size in characters\n"
    "  --backend jit|interp  evaluate with the JIT (default) or the interpreter\n"
    "  -D NAME=EXPR, -I DIR, --color WHEN, --no-check (see lrsc --help)\n";

static const char *usage_compile =
    "usage: lrsc compile [OPTIONS] FILE\n"
    "\n"
    "Compile the exported schedules of FILE ahead of time. For each schedule NAME\n"
    "the output defines double PREFIX_NAME(int64_t step) and\n"
    "void PREFIX_NAME_range(int64_t first, int64_t count, double *out), and a\n"
    "descriptor table PREFIX_table (names, spans, params) that lrs_aot_open reads.\n"
    "\n"
    "  -o FILE               the output (default: FILE with .so, .o, .ll or .s)\n"
    "  -c                    a relocatable object instead of a shared object\n"
    "  -S                    assembly\n"
    "  --emit-llvm           optimised LLVM IR as text\n"
    "  --header FILE.h       also write a C header declaring the functions and\n"
    "                        documenting each schedule (alone: only the header)\n"
    "  --prefix P            function names start with P (default lrs_)\n"
    "  --cpu generic|native|NAME  the CPU to compile for: generic (default) runs on\n"
    "                        any machine of the architecture, native on this one\n"
    "  -D NAME=EXPR, -I DIR, --color WHEN, --no-check (see lrsc --help)\n"
    "\n"
    "A shared object is linked by the system C compiler ($CC, else cc) and\n"
    "depends only on libm (and libmvec when the code is vectorised).\n";

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "lrsc%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'lrsc%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
    return EXIT_USAGE;
}

/* Parse "A:B[:S]" (B may be empty: to the end of the span). */
static int parse_range(const char *s, lrsc_args *a)
{
    char *end;
    errno = 0;
    a->start = strtoll(s, &end, 10);
    if (end == s || *end != ':' || errno) return -1;
    s = end + 1;
    if (*s == 0 || *s == ':') {
        a->stop_given = 0;
    } else {
        a->stop = strtoll(s, &end, 10);
        if (end == s || errno) return -1;
        a->stop_given = 1;
        s = end;
    }
    if (*s == ':') {
        s++;
        a->stride = strtoll(s, &end, 10);
        if (end == s || *end || errno || a->stride <= 0) return -1;
    } else if (*s) {
        return -1;
    }
    a->range_given = 1;
    return 0;
}

static int parse_at(const char *s, lrsc_args *a)
{
    while (*s) {
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (end == s || errno) return -1;
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

static int push_str(const char ***v, size_t *n, const char *s)
{
    const char **p = realloc(*v, (*n + 1) * sizeof *p);
    if (!p) return -1;
    *v = p;
    p[(*n)++] = s;
    return 0;
}

static int parse_args(const char *cmd, int argc, char **argv, lrsc_args *a, const char *help)
{
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        const char *val = NULL;
        /* Options that take a value accept "-o V", "--opt V" and "--opt=V". */
#define TAKES(name)                                                                                \
    ((!strcmp(o, name) && (i + 1 < argc ? (val = argv[++i], 1)                                     \
                                        : (usage_error(cmd, "option %s needs a value", name),      \
                                           exit(EXIT_USAGE), 0))) ||                               \
     (!strncmp(o, name "=", strlen(name) + 1) && (val = o + strlen(name) + 1, 1)))
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            fputs(help, stdout);
            exit(0);
        } else if (!strncmp(o, "-D", 2) && o[2]) {
            if (!strchr(o + 2, '=')) return usage_error(cmd, "-D needs NAME=EXPR, got '%s'", o + 2);
            push_str(&a->defines, &a->ndefines, o + 2);
        } else if (!strcmp(o, "-D")) {
            if (i + 1 >= argc) return usage_error(cmd, "%s needs NAME=EXPR", "-D");
            if (!strchr(argv[i + 1], '='))
                return usage_error(cmd, "-D needs NAME=EXPR, got '%s'", argv[i + 1]);
            push_str(&a->defines, &a->ndefines, argv[++i]);
        } else if (!strncmp(o, "-I", 2) && o[2]) {
            push_str(&a->includes, &a->nincludes, o + 2);
        } else if (TAKES("-I")) {
            push_str(&a->includes, &a->nincludes, val);
        } else if (TAKES("--color")) {
            if (!strcmp(val, "always"))
                a->color = 1;
            else if (!strcmp(val, "never"))
                a->color = 0;
            else if (!strcmp(val, "auto"))
                a->color = -1;
            else
                return usage_error(cmd, "--color takes auto, always or never, not '%s'", val);
        } else if (!strcmp(o, "--no-check")) {
            a->no_check = 1;
        } else if (strcmp(cmd, "check") && strcmp(cmd, "compile") && TAKES("--schedule")) {
            push_str(&a->scheds, &a->nscheds, val);
        } else if (strcmp(cmd, "check") && strcmp(cmd, "compile") && TAKES("--steps")) {
            if (parse_range(val, a))
                return usage_error(cmd, "--steps takes START:STOP[:STRIDE], not '%s'", val);
        } else if (!strcmp(cmd, "eval") && TAKES("--at")) {
            if (parse_at(val, a))
                return usage_error(cmd, "--at takes steps separated by commas, not '%s'", val);
        } else if (!strcmp(cmd, "eval") && TAKES("--format")) {
            if (!strcmp(val, "csv"))
                a->format = FMT_CSV;
            else if (!strcmp(val, "tsv"))
                a->format = FMT_TSV;
            else if (!strcmp(val, "json"))
                a->format = FMT_JSON;
            else
                return usage_error(cmd, "--format takes csv, tsv or json, not '%s'", val);
        } else if (strcmp(cmd, "compile") && TAKES("--backend")) {
            if (!strcmp(val, "jit"))
                a->backend = BACKEND_JIT;
            else if (!strcmp(val, "interp"))
                a->backend = BACKEND_INTERP;
            else
                return usage_error(cmd, "--backend takes jit or interp, not '%s'", val);
        } else if (!strcmp(cmd, "compile") &&
                   (!strcmp(o, "-c") || !strcmp(o, "-S") || !strcmp(o, "--emit-llvm"))) {
            int kind = o[1] == 'c' ? LRS_EMIT_OBJECT : o[1] == 'S' ? LRS_EMIT_ASM : LRS_EMIT_LLVM;
            if (a->emit_kind_given && a->emit_kind != kind)
                return usage_error(cmd, "'%s' conflicts with an earlier -c, -S or --emit-llvm", o);
            a->emit_kind = kind;
            a->emit_kind_given = 1;
        } else if (!strcmp(cmd, "compile") && TAKES("--header")) {
            a->header = val;
        } else if (!strcmp(cmd, "compile") && TAKES("--prefix")) {
            a->prefix = val;
        } else if (!strcmp(cmd, "compile") && TAKES("--cpu")) {
            a->cpu = val;
        } else if (!strcmp(cmd, "compile") && TAKES("-o")) {
            a->output = val;
        } else if (!strcmp(cmd, "plot") && TAKES("-o")) {
            a->output = val;
        } else if (!strcmp(cmd, "plot") && !strcmp(o, "--log")) {
            a->log = 1;
        } else if (!strcmp(cmd, "plot") && TAKES("--width")) {
            a->width = atoi(val);
            if (a->width < 20)
                return usage_error(cmd, "--width must be at least 20, not '%s'", val);
        } else if (!strcmp(cmd, "plot") && TAKES("--height")) {
            a->height = atoi(val);
            if (a->height < 3)
                return usage_error(cmd, "--height must be at least 3, not '%s'", val);
        } else if (o[0] == '-' && o[1]) {
            return usage_error(cmd, "unknown option '%s'", o);
        } else if (a->file) {
            return usage_error(cmd, "only one FILE, but '%s' is a second", o);
        } else {
            a->file = o;
        }
#undef TAKES
    }
    if (!a->file) return usage_error(cmd, "%s", "no FILE given");
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
        *status = EXIT_INTERNAL;
        lrs_diags_free(d);
        return NULL;
    }
    lrs_options o = {a->includes, a->nincludes, a->defines, a->ndefines, a->no_check};
    lrs_program *p = lrs_compile_file(*ctx, a->file, &o, d);
    int color = a->color >= 0 ? a->color : isatty(2);
    size_t errors = print_diags(d, color);
    if (!p) {
        if (errors) {
            fprintf(stderr, "%zu error%s\n", errors, errors == 1 ? "" : "s");
            *status = EXIT_INPUT;
        } else {
            fprintf(stderr, "lrsc: internal failure compiling %s\n", a->file);
            *status = EXIT_INTERNAL;
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
    if (!*out) return EXIT_INTERNAL;
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
        return EXIT_USAGE;
    }
    return 0;
}

/* The last step worth showing: the longest finite span, else a horizon
 * past the last segment boundary. */
int64_t lrsc_default_end(const lrs_program *p, const size_t *sel, size_t n)
{
    double end = 0;
    int finite = 0;
    for (size_t i = 0; i < n; i++) {
        double span = lrs_program_schedule_span(p, sel[i]);
        if (isfinite(span)) {
            finite = 1;
            if (span > end) end = span;
        }
    }
    if (finite) return (int64_t)end;
    double horizon = 1000;
    for (size_t i = 0; i < n; i++) {
        int64_t b = -1, next;
        while ((next = lrs_program_next_boundary(p, sel[i], b)) >= 0)
            b = next;
        if (b > 0 && 2.0 * (double)b > horizon) horizon = 2.0 * (double)b;
    }
    return (int64_t)horizon;
}

int lrsc_values(lrsc_args *a, lrs_program *p, const size_t *sel, size_t n, const int64_t *steps,
                size_t nsteps, double *vals)
{
    for (size_t j = 0; j < n; j++) {
        lrs_fn fn = NULL;
        if (a->backend == BACKEND_JIT && !(fn = lrs_program_function(p, sel[j]))) {
            const char *why = lrs_program_native_error(p);
            fprintf(stderr, "lrsc: %s: %s\n", a->file, why ? why : "native compilation failed");
            return EXIT_INTERNAL;
        }
        for (size_t i = 0; i < nsteps; i++)
            vals[j * nsteps + i] = fn ? fn(steps[i]) : lrs_interp_eval(p, sel[j], steps[i]);
    }
    return 0;
}

static void print_value(double v)
{
    if (isnan(v))
        printf("nan");
    else if (isinf(v))
        printf(v > 0 ? "inf" : "-inf");
    else
        printf("%.6g", v);
}

static int cmd_check(lrsc_args *a)
{
    lrs_context *ctx;
    int status = 0;
    lrs_program *p = lrsc_compile(a, &ctx, &status);
    if (p && a->backend == BACKEND_JIT && lrs_program_schedule_count(p) &&
        !lrs_program_function(p, 0)) {
        const char *why = lrs_program_native_error(p);
        fprintf(stderr, "lrsc: %s: %s\n", a->file, why ? why : "native compilation failed");
        status = EXIT_INTERNAL;
    } else if (p) {
        for (size_t i = 0; i < lrs_program_schedule_count(p); i++) {
            lrs_schedule_info in;
            lrs_program_schedule_info(p, i, &in);
            printf("%s: span ", in.name);
            if (isinf(in.span))
                printf("inf");
            else
                printf("%.0f steps", in.span);
            printf(", start ");
            print_value(in.start);
            printf(", end ");
            print_value(in.end);
            printf(", min ");
            print_value(in.min);
            printf(", max ");
            print_value(in.max);
            if (!a->no_check)
                printf(in.proved ? " (proved finite and non-negative)" : " (checked by sampling)");
            printf("\n");
        }
        if (lrs_program_schedule_count(p) == 0) printf("%s: no schedules\n", a->file);
    }
    lrs_program_free(p);
    lrs_context_free(ctx);
    return status;
}

static void args_free(lrsc_args *a)
{
    free(a->defines);
    free(a->includes);
    free(a->scheds);
    free(a->at);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("lrsc %s\n", LRS_VERSION_STRING);
        return 0;
    }
    lrsc_args a = {.color = -1, .stride = 1, .format = FMT_CSV};
    int r;
    if (!strcmp(cmd, "check")) {
        r = parse_args(cmd, argc - 2, argv + 2, &a, usage_check);
        if (!r) r = cmd_check(&a);
    } else if (!strcmp(cmd, "eval")) {
        r = parse_args(cmd, argc - 2, argv + 2, &a, usage_eval);
        if (!r) r = lrsc_eval(&a);
    } else if (!strcmp(cmd, "plot")) {
        r = parse_args(cmd, argc - 2, argv + 2, &a, usage_plot);
        if (!r) r = lrsc_plot(&a);
    } else if (!strcmp(cmd, "compile")) {
        r = parse_args(cmd, argc - 2, argv + 2, &a, usage_compile);
        if (!r) r = lrsc_compile_cmd(&a);
    } else {
        const char *cmds[] = {"check", "eval", "plot", "compile"};
        fprintf(stderr, "lrsc: unknown command '%s'", cmd);
        for (int i = 0; i < 4; i++)
            if (cmd[0] && !strncmp(cmd, cmds[i], 2))
                fprintf(stderr, "; did you mean '%s'?", cmds[i]);
        fprintf(stderr, "\nTry 'lrsc --help'.\n");
        return EXIT_USAGE;
    }
    args_free(&a);
    return r;
}
