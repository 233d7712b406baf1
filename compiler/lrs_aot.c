/* lrs_aot.c — ahead-of-time output: objects, shared objects, LLVM IR,
 * assembly and a C header. The code is the JIT's (lrs_llvm_build) for a
 * chosen CPU, plus the descriptor table of include/lrs.h that lets
 * lrs_aot_open use a shared object without LLVM. A shared object is linked
 * by the system C compiler against libm only, then gets the file
 * descriptor of lrs_aot_desc.h appended.
 *
 * Every output is written to a temporary file next to it and renamed over
 * it only when complete, so a failure leaves the old file as it was. */
#include "lrs_aot_desc.h"
#include "lrs_backend.h"
#include "lrs_native.h"
#include "lrs_strerror.h"

#include <llvm-c/Core.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum { MAX_CC_ARGS = 32 };

static int fail(int status, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(int status, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return status;
}

static int is_ident_start(char c)
{
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* A prefix must make C identifiers of schedule names. */
static int valid_prefix(const char *s)
{
    if (*s && !is_ident_start(*s)) return 0;
    for (; *s; s++)
        if (!is_ident_start(*s) && !(*s >= '0' && *s <= '9')) return 0;
    return 1;
}

/* ---- names ------------------------------------------------------------------- */

/* Words a function of the header or the object must not be called: C
 * (C23) and C++ (C++23) keywords and alternative tokens, and the names
 * the object and the C runtime define; then the functions of <math.h>
 * (whose float and long double forms, NAMEf and NAMEl, are checked too)
 * and glibc's extras, which the generated code calls and a program linking
 * the object would get from it instead of libm. */
static const char *const keywords[] = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
    "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "co_await", "co_return",
    "co_yield", "compl", "concept", "const", "const_cast", "consteval", "constexpr", "constinit",
    "continue", "decltype", "default", "delete", "do", "double", "dynamic_cast", "else", "enum",
    "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if", "inline",
    "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr",
    "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
    "requires", "restrict", "return", "short", "signed", "sizeof", "static", "static_assert",
    "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true", "try",
    "typedef", "typeid", "typename", "typeof", "typeof_unqual", "union", "unsigned", "using",
    "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq", "complex", "imaginary",
    "errno", "assert", "offsetof", "NULL", "EOF",
    /* the object and the C runtime */
    "lrs_aot_table", "main", "_init", "_fini", "abort", "exit", "malloc", "free", "calloc",
    "realloc", "memcpy", "memset", "memmove", "memcmp", "strlen", "printf", NULL};
static const char *const math_names[] = {"acos",
                                         "asin",
                                         "atan",
                                         "atan2",
                                         "cos",
                                         "sin",
                                         "tan",
                                         "acosh",
                                         "asinh",
                                         "atanh",
                                         "cosh",
                                         "sinh",
                                         "tanh",
                                         "exp",
                                         "exp2",
                                         "expm1",
                                         "exp10",
                                         "pow10",
                                         "frexp",
                                         "ilogb",
                                         "ldexp",
                                         "log",
                                         "log10",
                                         "log1p",
                                         "log2",
                                         "logb",
                                         "modf",
                                         "scalb",
                                         "scalbn",
                                         "scalbln",
                                         "cbrt",
                                         "fabs",
                                         "hypot",
                                         "pow",
                                         "sqrt",
                                         "erf",
                                         "erfc",
                                         "lgamma",
                                         "tgamma",
                                         "gamma",
                                         "ceil",
                                         "floor",
                                         "nearbyint",
                                         "rint",
                                         "lrint",
                                         "llrint",
                                         "round",
                                         "lround",
                                         "llround",
                                         "trunc",
                                         "fmod",
                                         "remainder",
                                         "remquo",
                                         "copysign",
                                         "nan",
                                         "nextafter",
                                         "nexttoward",
                                         "nextup",
                                         "nextdown",
                                         "fdim",
                                         "fmax",
                                         "fmin",
                                         "fma",
                                         "drem",
                                         "significand",
                                         "sincos",
                                         "j0",
                                         "j1",
                                         "jn",
                                         "y0",
                                         "y1",
                                         "yn",
                                         "roundeven",
                                         "fmaximum",
                                         "fminimum",
                                         "fmaxmag",
                                         "fminmag",
                                         "canonicalize",
                                         "fromfp",
                                         "ufromfp",
                                         "getpayload",
                                         "setpayload",
                                         "totalorder",
                                         "totalordermag",
                                         "acospi",
                                         "asinpi",
                                         "atanpi",
                                         "atan2pi",
                                         "cospi",
                                         "sinpi",
                                         "tanpi",
                                         "exp2m1",
                                         "exp10m1",
                                         "log2p1",
                                         "log10p1",
                                         "logp1",
                                         "pown",
                                         "powr",
                                         "rootn",
                                         "rsqrt",
                                         "compoundn",
                                         "fpclassify",
                                         "isfinite",
                                         "isinf",
                                         "isnan",
                                         "isnormal",
                                         "signbit",
                                         "finite",
                                         "isgreater",
                                         "isgreaterequal",
                                         "isless",
                                         "islessequal",
                                         "islessgreater",
                                         "isunordered",
                                         "issignaling",
                                         "iszero",
                                         "issubnormal",
                                         "iscanonical",
                                         "iseqsig",
                                         "matherr",
                                         "HUGE_VAL",
                                         "HUGE_VALF",
                                         "HUGE_VALL",
                                         "INFINITY",
                                         "NAN",
                                         NULL};

static int in_words(const char *const *words, const char *s, size_t n)
{
    for (; *words; words++)
        if (strlen(*words) == n && !strncmp(*words, s, n)) return 1;
    return 0;
}

/* s starts with word w; then *s is moved past it. */
static int eat(const char **s, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(*s, w, n)) return 0;
    *s += n;
    return 1;
}

/* A name <stdint.h> (which the header includes) defines: [u]int[_least|
 * _fast]{8,16,32,64,ptr,max}_t, their _MAX, _MIN, _C and _WIDTH macros,
 * and PTRDIFF_, SIZE_, SIG_ATOMIC_, WCHAR_ and WINT_ limits. */
static int is_stdint_name(const char *s)
{
    static const char *const widths[] = {"8", "16", "32", "64", "ptr", "max"};
    static const char *const limits[] = {"PTRDIFF", "SIZE", "SIG_ATOMIC", "WCHAR", "WINT"};
    int upper = *s == 'U' || *s == 'I' || *s == 'P' || *s == 'S' || *s == 'W';
    for (size_t i = 0; upper && i < sizeof limits / sizeof *limits; i++) {
        const char *t = s;
        if (eat(&t, limits[i]) &&
            (!strcmp(t, "_MAX") || !strcmp(t, "_MIN") || !strcmp(t, "_WIDTH")))
            return 1;
    }
    eat(&s, upper ? "U" : "u");
    if (!eat(&s, upper ? "INT" : "int")) return 0;
    if (!eat(&s, upper ? "_LEAST" : "_least")) eat(&s, upper ? "_FAST" : "_fast");
    int w = 0;
    for (size_t i = 0; i < sizeof widths / sizeof *widths && !w; i++) {
        char up[4] = {0};
        for (size_t k = 0; widths[i][k]; k++)
            up[k] = (char)(widths[i][k] >= 'a' ? widths[i][k] - 'a' + 'A' : widths[i][k]);
        w = eat(&s, upper ? up : widths[i]);
    }
    if (!w) return 0;
    if (!upper) return !strcmp(s, "_t");
    return !strcmp(s, "_MAX") || !strcmp(s, "_MIN") || !strcmp(s, "_C") || !strcmp(s, "_WIDTH");
}

/* Why identifier `sym` cannot name a function of the output, or NULL. */
static const char *reserved_why(const char *sym)
{
    size_t n = strlen(sym);
    if (in_words(keywords, sym, n)) return "a C or C++ keyword or a name of the C library";
    if (in_words(math_names, sym, n) ||
        (n > 1 && (sym[n - 1] == 'f' || sym[n - 1] == 'l') && in_words(math_names, sym, n - 1)))
        return "a name of the math library";
    if (sym[0] == '_' && (sym[1] == '_' || (sym[1] >= 'A' && sym[1] <= 'Z')))
        return "reserved to the C implementation (it begins with __ or _ and a capital)";
    if (is_stdint_name(sym)) return "a name <stdint.h> defines";
    return NULL;
}

/* One symbol an output defines, and where it comes from. */
typedef struct symbol {
    char *name;
    const lrs_schedule *sched; /* NULL: the table */
    int range;
} symbol;

static int cmp_symbol(const void *a, const void *b)
{
    return strcmp(((const symbol *)a)->name, ((const symbol *)b)->name);
}

static void describe(char *out, size_t n, const lrs_program *p, const symbol *s)
{
    if (!s->sched)
        snprintf(out, n, "the descriptor table");
    else
        snprintf(out, n, "%s function of schedule '%s' (%s:%d:%d)", s->range ? "the range" : "the",
                 s->sched->name, p->source_name ? p->source_name : "<program>", s->sched->line,
                 s->sched->column);
}

/* Every name the outputs define must be distinct, a valid C and C++
 * identifier that is no keyword, no libm function and not the header's
 * guard. The error names the schedule's declaration and the fix. */
static int check_names(const lrs_program *p, const char *prefix, const char *guard, char *err,
                       size_t errlen)
{
    size_t n = 2 * p->nsched + 1;
    symbol *syms = calloc(n, sizeof *syms);
    if (!syms) return fail(LRS_EMIT_EINTERNAL, err, errlen, "out of memory");
    int st = LRS_EMIT_OK;
    size_t k = 0;
    for (size_t i = 0; i < p->nsched; i++)
        for (int r = 0; r < 2; r++)
            syms[k++] = (symbol){lrs_llvm_symbol(prefix, p->sched[i].name, r), &p->sched[i], r};
    syms[k++] = (symbol){lrs_llvm_symbol(prefix, "table", 0), NULL, 0};
    for (size_t i = 0; i < n; i++)
        if (!syms[i].name) st = fail(LRS_EMIT_EINTERNAL, err, errlen, "out of memory");
    const char *fix = "help: rename the schedule, or choose another prefix with --prefix";
    for (size_t i = 0; i < n && !st; i++) {
        const char *why = reserved_why(syms[i].name);
        if (!why && !strcmp(syms[i].name, guard)) why = "the header's include guard";
        if (!why) continue;
        char what[512];
        describe(what, sizeof what, p, &syms[i]);
        st = fail(LRS_EMIT_EINVAL, err, errlen, "%s would be called '%s', which is %s\n%s", what,
                  syms[i].name, why, fix);
    }
    if (!st) qsort(syms, n, sizeof *syms, cmp_symbol);
    for (size_t i = 1; i < n && !st; i++) {
        if (strcmp(syms[i - 1].name, syms[i].name)) continue;
        char a[512], b[512];
        describe(a, sizeof a, p, &syms[i - 1]);
        describe(b, sizeof b, p, &syms[i]);
        st = fail(LRS_EMIT_EINVAL, err, errlen, "%s and %s would both be called '%s'\n%s", a, b,
                  syms[i].name, fix);
    }
    for (size_t i = 0; i < n; i++)
        free(syms[i].name);
    free(syms);
    return st;
}

/* PREFIX + "SCHEDULES_H" in capitals. */
static void header_guard(char *guard, size_t n, const char *prefix)
{
    snprintf(guard, n, "%sSCHEDULES_H", prefix);
    for (char *g = guard; *g; g++)
        if (*g >= 'a' && *g <= 'z') *g = (char)(*g - 'a' + 'A');
}

/* ---- the descriptor table ---------------------------------------------------- */

typedef struct table_builder {
    LLVMContextRef c;
    LLVMModuleRef m;
    LLVMTypeRef ptr, f64, i64, i32;
} table_builder;

static LLVMValueRef private_const(table_builder *T, LLVMValueRef init, const char *name)
{
    LLVMValueRef g = LLVMAddGlobal(T->m, LLVMTypeOf(init), name);
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    return g;
}

static LLVMValueRef cstring(table_builder *T, const char *s)
{
    return private_const(T, LLVMConstStringInContext(T->c, s, (unsigned)strlen(s), 0), ".str");
}

static LLVMValueRef kd(table_builder *T, double v)
{
    return LLVMConstReal(T->f64, v);
}

/* The LLVM struct types below (field types in order, natural alignment)
 * as C structs: the same layout rules give the same offsets, so checking
 * these against include/lrs.h checks the emitted table's layout. */
typedef struct llvm_schedule_row {
    void *name, *fn, *range;
    double span, start, end, min, max;
    uint64_t boundary_count;
    void *boundaries;
    void *reactive_fn, *reactive_range;
} llvm_schedule_row;
typedef struct llvm_param_row {
    void *name;
    double value;
} llvm_param_row;
typedef struct llvm_table {
    uint32_t magic, version;
    void *producer, *source, *prefix;
    uint64_t schedule_count;
    void *schedules;
    uint64_t param_count;
    void *params;
    uint64_t signal_count;
    void *signals;
    uint64_t detector_count;
    void *detectors;
} llvm_table;
#define SAME_FIELD(C, L, f)                                                                        \
    _Static_assert(offsetof(C, f) == offsetof(L, f) && sizeof(((C *)0)->f) == sizeof(((L *)0)->f), \
                   #C "." #f " is not where the emitted table puts it")
#define SAME_SIZE(C, L) _Static_assert(sizeof(C) == sizeof(L), #C " and the emitted rows differ")
SAME_FIELD(lrs_aot_schedule, llvm_schedule_row, name);
SAME_FIELD(lrs_aot_schedule, llvm_schedule_row, fn);
SAME_FIELD(lrs_aot_schedule, llvm_schedule_row, range);
SAME_FIELD(lrs_aot_schedule, llvm_schedule_row, span);
SAME_FIELD(lrs_aot_schedule, llvm_schedule_row, start);
SAME_FIELD(lrs_aot_schedule, llvm_schedule_row, end);
SAME_FIELD(lrs_aot_schedule, llvm_schedule_row, min);
SAME_FIELD(lrs_aot_schedule, llvm_schedule_row, max);
SAME_FIELD(lrs_aot_schedule, llvm_schedule_row, boundary_count);
SAME_FIELD(lrs_aot_schedule, llvm_schedule_row, boundaries);
SAME_FIELD(lrs_aot_schedule, llvm_schedule_row, reactive_fn);
SAME_FIELD(lrs_aot_schedule, llvm_schedule_row, reactive_range);
SAME_SIZE(lrs_aot_schedule, llvm_schedule_row);
SAME_FIELD(lrs_aot_param, llvm_param_row, name);
SAME_FIELD(lrs_aot_param, llvm_param_row, value);
SAME_SIZE(lrs_aot_param, llvm_param_row);
SAME_FIELD(lrs_aot_table, llvm_table, magic);
SAME_FIELD(lrs_aot_table, llvm_table, version);
SAME_FIELD(lrs_aot_table, llvm_table, producer);
SAME_FIELD(lrs_aot_table, llvm_table, source);
SAME_FIELD(lrs_aot_table, llvm_table, prefix);
SAME_FIELD(lrs_aot_table, llvm_table, schedule_count);
SAME_FIELD(lrs_aot_table, llvm_table, schedules);
SAME_FIELD(lrs_aot_table, llvm_table, param_count);
SAME_FIELD(lrs_aot_table, llvm_table, params);
SAME_FIELD(lrs_aot_table, llvm_table, signal_count);
SAME_FIELD(lrs_aot_table, llvm_table, signals);
SAME_FIELD(lrs_aot_table, llvm_table, detector_count);
SAME_FIELD(lrs_aot_table, llvm_table, detectors);
SAME_SIZE(lrs_aot_table, llvm_table);

/* lrs_aot_schedule[] as include/lrs.h lays it out (llvm_schedule_row). */
static LLVMValueRef schedules(table_builder *T, const lrs_program *p, const char *prefix,
                              LLVMTypeRef *sty)
{
    LLVMTypeRef f[12] = {T->ptr, T->ptr, T->ptr, T->f64, T->f64, T->f64,
                         T->f64, T->f64, T->i64, T->ptr, T->ptr, T->ptr};
    *sty = LLVMStructTypeInContext(T->c, f, 12, 0);
    LLVMValueRef *rows = calloc(p->nsched + 1, sizeof *rows);
    if (!rows) return NULL;
    for (size_t i = 0; i < p->nsched; i++) {
        const lrs_schedule *s = &p->sched[i];
        char *fn = lrs_llvm_symbol(prefix, s->name, 0), *rn = lrs_llvm_symbol(prefix, s->name, 1);
        LLVMValueRef *b = calloc(s->nbounds + 1, sizeof *b);
        if (!fn || !rn || !b) {
            free(fn), free(rn), free(b), free(rows);
            return NULL;
        }
        for (size_t k = 0; k < s->nbounds; k++)
            b[k] = kd(T, s->bounds[k]);
        LLVMValueRef bounds =
            s->nbounds ? private_const(T, LLVMConstArray2(T->f64, b, s->nbounds), ".bounds")
                       : LLVMConstPointerNull(T->ptr);
        /* A reactive schedule's functions go in the reactive slots. */
        LLVMValueRef null = LLVMConstPointerNull(T->ptr);
        LLVMValueRef sf = LLVMGetNamedFunction(T->m, fn), rf = LLVMGetNamedFunction(T->m, rn);
        LLVMValueRef v[12] = {cstring(T, s->name),
                              s->reactive ? null : sf,
                              s->reactive ? null : rf,
                              kd(T, s->span),
                              kd(T, s->v0),
                              kd(T, s->vend),
                              kd(T, s->vmin),
                              kd(T, s->vmax),
                              LLVMConstInt(T->i64, s->nbounds, 0),
                              bounds,
                              s->reactive ? sf : null,
                              s->reactive ? rf : null};
        rows[i] = LLVMConstNamedStruct(*sty, v, 12);
        free(fn), free(rn), free(b);
    }
    LLVMValueRef arr = private_const(T, LLVMConstArray2(*sty, rows, p->nsched), ".schedules");
    free(rows);
    return arr;
}

static LLVMValueRef params(table_builder *T, const lrs_program *p)
{
    LLVMTypeRef f[2] = {T->ptr, T->f64};
    LLVMTypeRef pty = LLVMStructTypeInContext(T->c, f, 2, 0);
    LLVMValueRef *rows = calloc(p->nparams + 1, sizeof *rows);
    if (!rows) return NULL;
    for (size_t i = 0; i < p->nparams; i++) {
        LLVMValueRef v[2] = {cstring(T, p->params[i].name), kd(T, p->params[i].value)};
        rows[i] = LLVMConstNamedStruct(pty, v, 2);
    }
    LLVMValueRef arr = private_const(T, LLVMConstArray2(pty, rows, p->nparams), ".params");
    free(rows);
    return arr;
}

/* The signal names and the lrs_detector[] array as include/lrs.h lays them out. */
static LLVMValueRef signal_names(table_builder *T, const lrs_program *p)
{
    LLVMValueRef *rows = calloc(p->nsignals + 1, sizeof *rows);
    if (!rows) return NULL;
    for (size_t i = 0; i < p->nsignals; i++)
        rows[i] = cstring(T, p->signals[i]);
    LLVMValueRef arr = private_const(T, LLVMConstArray2(T->ptr, rows, p->nsignals), ".signals");
    free(rows);
    return arr;
}

static LLVMValueRef detectors(table_builder *T, const lrs_program *p)
{
    LLVMTypeRef f[10] = {T->i32, T->i32, T->i32, T->i32, T->i32,
                         T->i32, T->i64, T->i64, T->f64, T->f64};
    LLVMTypeRef dty = LLVMStructTypeInContext(T->c, f, 10, 0);
    LLVMValueRef *rows = calloc(p->ndetectors + 1, sizeof *rows);
    if (!rows) return NULL;
    for (size_t i = 0; i < p->ndetectors; i++) {
        const lrs_detector *d = &p->detectors[i];
        LLVMValueRef v[10] = {LLVMConstInt(T->i32, d->kind, 0),
                              LLVMConstInt(T->i32, d->signal, 0),
                              LLVMConstInt(T->i32, d->rule, 0),
                              LLVMConstInt(T->i32, d->mode_max, 0),
                              LLVMConstInt(T->i32, d->threshold_abs, 0),
                              LLVMConstInt(T->i32, 0, 0),
                              LLVMConstInt(T->i64, (uint64_t)d->patience, 0),
                              LLVMConstInt(T->i64, (uint64_t)d->cooldown, 0),
                              kd(T, d->threshold),
                              kd(T, d->initial)};
        rows[i] = LLVMConstNamedStruct(dty, v, 10);
    }
    LLVMValueRef arr = private_const(T, LLVMConstArray2(dty, rows, p->ndetectors), ".detectors");
    free(rows);
    return arr;
}

/* PREFIX_table, and lrs_aot_table as an alias of it in a shared object. */
static int add_table(LLVMModuleRef m, const lrs_program *p, const char *prefix, int shared)
{
    table_builder T = {.c = LLVMGetModuleContext(m), .m = m};
    T.ptr = LLVMPointerTypeInContext(T.c, 0);
    T.f64 = LLVMDoubleTypeInContext(T.c);
    T.i64 = LLVMInt64TypeInContext(T.c);
    T.i32 = LLVMInt32TypeInContext(T.c);
    LLVMTypeRef sty;
    LLVMValueRef sched = schedules(&T, p, prefix, &sty), par = params(&T, p);
    LLVMValueRef sigs = signal_names(&T, p), dets = detectors(&T, p);
    char *name = lrs_llvm_symbol(prefix, "table", 0);
    if (!sched || !par || !sigs || !dets || !name) {
        free(name);
        return -1;
    }
    LLVMTypeRef f[13] = {T.i32, T.i32, T.ptr, T.ptr, T.ptr, T.i64, T.ptr,
                         T.i64, T.ptr, T.i64, T.ptr, T.i64, T.ptr};
    LLVMTypeRef tty = LLVMStructTypeInContext(T.c, f, 13, 0);
    LLVMValueRef v[13] = {LLVMConstInt(T.i32, LRS_AOT_MAGIC, 0),
                          LLVMConstInt(T.i32, LRS_AOT_VERSION, 0),
                          cstring(&T, "lrs " LRS_VERSION_STRING),
                          cstring(&T, p->source_name ? p->source_name : ""),
                          cstring(&T, prefix),
                          LLVMConstInt(T.i64, p->nsched, 0),
                          sched,
                          LLVMConstInt(T.i64, p->nparams, 0),
                          par,
                          LLVMConstInt(T.i64, p->nsignals, 0),
                          sigs,
                          LLVMConstInt(T.i64, p->ndetectors, 0),
                          dets};
    LLVMValueRef g = LLVMAddGlobal(m, tty, name);
    free(name);
    LLVMSetInitializer(g, LLVMConstNamedStruct(tty, v, 13));
    LLVMSetGlobalConstant(g, 1);
    if (shared) LLVMAddAlias2(m, tty, 0, g, "lrs_aot_table");
    return 0;
}

/* ---- files ------------------------------------------------------------------- */

/* An output file being written: the path the user named, the file it
 * stands for (a symbolic link's target: the link is kept) and the
 * temporary file next to it that becomes it. */
typedef struct output {
    const char *path;
    char target[PATH_MAX];
    char tmp[PATH_MAX + 16];
} output;

static int io_fail(const output *o, int e, char *err, size_t errlen)
{
    lrs_errbuf b;
    return fail(LRS_EMIT_EIO, err, errlen, "cannot write %s: %s%s; the file is unchanged", o->path,
                lrs_strerror(e, &b),
                e == ENOSPC || e == EDQUOT ? " (the disk or the quota is full)"
                : e == EFBIG               ? " (the file size limit was reached)"
                                           : "");
}

/* Resolve the output's target and reserve a temporary name in its
 * directory. Only a regular file (or a name not yet taken) is replaced:
 * a FIFO, a device or a directory is refused without being opened. */
static int output_begin(output *o, const char *path, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    struct stat st;
    if (strlen(path) >= sizeof o->target) return io_fail(o, ENAMETOOLONG, err, errlen);
    strcpy(o->target, path);
    if (!lstat(path, &st) && S_ISLNK(st.st_mode) && !realpath(path, o->target)) {
        /* A dangling link: create the file it names (one level). */
        char to[PATH_MAX];
        ssize_t n = readlink(path, to, sizeof to - 1);
        if (n <= 0) return io_fail(o, errno, err, errlen);
        to[n] = 0;
        const char *slash = strrchr(path, '/');
        int dn = to[0] != '/' && slash ? (int)(slash - path) + 1 : 0;
        if (snprintf(o->target, sizeof o->target, "%.*s%s", dn, path, to) >= (int)sizeof o->target)
            return io_fail(o, ENAMETOOLONG, err, errlen);
        if (!lstat(o->target, &st)) return io_fail(o, ELOOP, err, errlen);
    }
    if (!stat(o->target, &st) && !S_ISREG(st.st_mode))
        return fail(LRS_EMIT_EIO, err, errlen,
                    "cannot write %s: it is not a regular file (%s); outputs are only "
                    "written to regular files",
                    path,
                    S_ISDIR(st.st_mode)                          ? "a directory"
                    : S_ISFIFO(st.st_mode)                       ? "a FIFO"
                    : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                                 : "a socket or similar");
    const char *slash = strrchr(o->target, '/');
    int dn = slash ? (int)(slash - o->target) + 1 : 0;
    snprintf(o->tmp, sizeof o->tmp, "%.*s.lrs-out-XXXXXX", dn, o->target);
    /* mkstemp picks a free name; the file is made again by whoever writes
     * it (O_EXCL, or the linker), with the usual mode and umask. */
    int fd = mkstemp(o->tmp);
    if (fd < 0) return io_fail(o, errno, err, errlen);
    close(fd);
    unlink(o->tmp);
    return LRS_EMIT_OK;
}

/* Write data[0..n) to fd; 0 or an errno value. */
static int write_all(int fd, const char *data, size_t n)
{
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, data + off, n - off);
        if (w > 0)
            off += (size_t)w;
        else if (w == 0)
            return EIO;
        else if (errno != EINTR)
            return errno;
    }
    return 0;
}

/* Write data[0..n) and tail[0..tn) to the temporary file, durably. */
static int output_write(output *o, const void *data, size_t n, const void *tail, size_t tn,
                        char *err, size_t errlen)
{
    int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) return io_fail(o, errno, err, errlen);
    int e = write_all(fd, data, n);
    if (!e) e = write_all(fd, tail, tn);
    if (!e && fsync(fd)) e = errno;
    if (close(fd) && !e) e = errno;
    if (e) {
        unlink(o->tmp);
        return io_fail(o, e, err, errlen);
    }
    return LRS_EMIT_OK;
}

/* Rename the temporary file over the target and make the rename durable. */
static int output_commit(output *o, char *err, size_t errlen)
{
    if (rename(o->tmp, o->target)) {
        int e = errno;
        unlink(o->tmp);
        return io_fail(o, e, err, errlen);
    }
    char dir[PATH_MAX];
    const char *slash = strrchr(o->target, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - o->target) + 1 : 1,
             slash ? o->target : ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    return LRS_EMIT_OK;
}

static int write_file(const char *path, const char *data, size_t n, char *err, size_t errlen)
{
    output o;
    int st = output_begin(&o, path, err, errlen);
    if (!st) st = output_write(&o, data, n, NULL, 0, err, errlen);
    if (!st) st = output_commit(&o, err, errlen);
    return st;
}

/* Split the words of `cc` (spaces and tabs) into argv[0..), at most `max`. */
static int split_words(char *cc, char **argv, int max)
{
    int n = 0;
    for (char *w = cc; *w && n < max;) {
        while (*w == ' ' || *w == '\t')
            w++;
        if (!*w) break;
        argv[n++] = w;
        while (*w && *w != ' ' && *w != '\t')
            w++;
        if (*w) *w++ = 0;
    }
    return n;
}

/* Run argv with stdout and stderr into a temporary file (whose text is
 * the error on failure). Returns LRS_EMIT_OK only for an exit status of 0
 * that was read; *unknown = 1 when the status could not be read because
 * the host program ignores SIGCHLD (waitpid: ECHILD), the child having
 * finished: the caller must then judge by the output alone. */
static int run(char *const argv[], int *unknown, char *err, size_t errlen)
{
    lrs_errbuf eb;
    *unknown = 0;
    char log[] = "/tmp/lrs-cc-XXXXXX";
    int fd = mkstemp(log);
    if (fd < 0)
        return fail(LRS_EMIT_EINTERNAL, err, errlen, "cannot create a temporary file: %s",
                    lrs_strerror(errno, &eb));
    unlink(log);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd, 1);
    posix_spawn_file_actions_adddup2(&fa, fd, 2);
    pid_t pid;
    int r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (r) {
        close(fd);
        return fail(LRS_EMIT_EINTERNAL, err, errlen, "cannot run the C compiler '%s': %s", argv[0],
                    lrs_strerror(r, &eb));
    }
    int st = 0;
    pid_t w;
    do
        w = waitpid(pid, &st, 0);
    while (w < 0 && errno == EINTR);
    int werr = w < 0 ? errno : 0;
    char out[512] = "";
    ssize_t n = pread(fd, out, sizeof out - 1, 0);
    close(fd);
    out[n > 0 ? n : 0] = 0;
    for (char *q = out + strlen(out); q > out && (q[-1] == '\n' || q[-1] == ' ');)
        *--q = 0;
    if (w == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) return LRS_EMIT_OK;
    if (w < 0 && werr == ECHILD && !*out) {
        *unknown = 1;
        return LRS_EMIT_OK;
    }
    if (w < 0)
        return fail(LRS_EMIT_EINTERNAL, err, errlen,
                    "linking with '%s': its exit status is unknown (%s)%s%s", argv[0],
                    lrs_strerror(werr, &eb), *out ? ": " : "", out);
    if (WIFSIGNALED(st))
        return fail(LRS_EMIT_EINTERNAL, err, errlen,
                    "linking with '%s' failed: killed by signal %d%s%s", argv[0], WTERMSIG(st),
                    *out ? ": " : "", out);
    return fail(LRS_EMIT_EINTERNAL, err, errlen, "linking with '%s' failed%s%s", argv[0],
                *out ? ": " : "", out);
}

/* Read the linked file back, check it is a sound shared object of this
 * machine, and write it again with the descriptor appended. */
static int seal_shared(output *o, const char *cc, int unknown, char *err, size_t errlen)
{
    lrs_errbuf eb;
    int fd = open(o->tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0) {
        int e = fd < 0 ? errno : 0;
        if (fd >= 0) close(fd);
        unlink(o->tmp);
        return fail(
            LRS_EMIT_EINTERNAL, err, errlen, "linking with '%s' %s but wrote no shared object%s%s",
            cc, unknown ? "ended (its exit status is unknown: SIGCHLD is ignored)" : "succeeded",
            e ? ": " : "", e ? lrs_strerror(e, &eb) : "");
    }
    if ((uint64_t)st.st_size > LRS_AOT_MAX_FILE) {
        close(fd);
        unlink(o->tmp);
        return fail(LRS_EMIT_EINTERNAL, err, errlen,
                    "the shared object is larger than %llu MiB, the most lrs_aot_open reads",
                    (unsigned long long)(LRS_AOT_MAX_FILE >> 20));
    }
    size_t size = (size_t)st.st_size;
    unsigned char *buf = malloc(size);
    size_t got = 0;
    while (buf && got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r <= 0 && !(r < 0 && errno == EINTR)) break;
        if (r > 0) got += (size_t)r;
    }
    close(fd);
    unlink(o->tmp);
    const char *why = !buf          ? "out of memory"
                      : got != size ? "it could not be read back"
                                    : lrs_aot_elf_check(buf, size, size);
    if (why) {
        free(buf);
        return fail(LRS_EMIT_EINTERNAL, err, errlen,
                    "linking with '%s' gave a bad shared object: %s", cc, why);
    }
    unsigned char desc[LRS_AOT_DESC_SIZE];
    lrs_aot_desc_make(desc, size, lrs_aot_fnv1a(LRS_FNV_OFFSET, buf, size));
    int rc = output_write(o, buf, size, desc, sizeof desc, err, errlen);
    free(buf);
    if (!rc) {
        /* Executable as a linker would make it (0777 less the umask, which
         * the linker applied to the file it wrote). */
        chmod(o->tmp, st.st_mode & 07777);
    }
    return rc;
}

/* cc -shared -nostdlib -o TMP OBJ -lm: no C runtime, so the object's
 * only dependencies are libm (and libmvec, pulled in as needed). */
static int link_shared(const char *obj, const char *path, const char *cc, char *err, size_t errlen)
{
    output o;
    int st = output_begin(&o, path, err, errlen);
    if (st) return st;
    if (!cc || !*cc) cc = "cc";
    char *words = strdup(cc);
    if (!words) return fail(LRS_EMIT_EINTERNAL, err, errlen, "out of memory");
    char *argv[MAX_CC_ARGS + 8];
    int n = split_words(words, argv, MAX_CC_ARGS);
    if (!n) argv[n++] = "cc";
    char *rest[] = {"-shared", "-nostdlib", "-o", o.tmp, (char *)obj, "-lm", NULL};
    for (size_t i = 0; i < sizeof rest / sizeof *rest; i++)
        argv[n++] = rest[i];
    int unknown;
    st = run(argv, &unknown, err, errlen);
    if (!st)
        st = seal_shared(&o, argv[0], unknown, err, errlen);
    else
        unlink(o.tmp);
    if (!st) st = output_commit(&o, err, errlen);
    free(words);
    return st;
}

static int emit_code(const lrs_program *p, const lrs_emit_options *o, const char *prefix, char *err,
                     size_t errlen)
{
    lrs_llvm_target t;
    char *msg = NULL;
    int trc = lrs_llvm_target_new(o->cpu, 1, &t, &msg);
    if (trc) {
        int st = trc == LRS_LLVM_EBADCPU ? LRS_EMIT_EINVAL : LRS_EMIT_EINTERNAL;
        fail(st, err, errlen, "%s", msg ? msg : "out of memory");
        free(msg);
        return st;
    }
    LLVMContextRef llctx;
    LLVMModuleRef m = lrs_llvm_build(p, prefix, &t, LRS_LLVM_BOTH, &llctx, &msg);
    int st = LRS_EMIT_OK;
    if (!m) {
        st = fail(LRS_EMIT_EINTERNAL, err, errlen, "%s", msg ? msg : "out of memory");
        goto done;
    }
    if (add_table(m, p, prefix, o->kind == LRS_EMIT_SHARED)) {
        st = fail(LRS_EMIT_EINTERNAL, err, errlen, "out of memory");
        goto done;
    }
    if (o->kind == LRS_EMIT_LLVM) {
        char *text = LLVMPrintModuleToString(m);
        st = write_file(o->path, text, strlen(text), err, errlen);
        LLVMDisposeMessage(text);
        goto done;
    }
    LLVMMemoryBufferRef buf;
    if (lrs_llvm_codegen(m, &t, o->kind == LRS_EMIT_ASM ? LLVMAssemblyFile : LLVMObjectFile, &buf,
                         &msg)) {
        st = fail(LRS_EMIT_EINTERNAL, err, errlen, "%s", msg ? msg : "out of memory");
        goto done;
    }
    const char *data = LLVMGetBufferStart(buf);
    size_t size = LLVMGetBufferSize(buf);
    if (o->kind != LRS_EMIT_SHARED) {
        st = write_file(o->path, data, size, err, errlen);
    } else {
        /* No suffix: the C compiler hands unknown files to the linker. */
        char obj[] = "/tmp/lrs-obj-XXXXXX";
        int fd = mkstemp(obj), e = fd < 0 ? errno : write_all(fd, data, size);
        if (fd >= 0 && close(fd) && !e) e = errno;
        if (e) {
            lrs_errbuf eb;
            st = fail(LRS_EMIT_EINTERNAL, err, errlen, "cannot write a temporary file in /tmp: %s",
                      lrs_strerror(e, &eb));
        } else {
            st = link_shared(obj, o->path, o->cc, err, errlen);
        }
        if (fd >= 0) unlink(obj);
    }
    LLVMDisposeMemoryBuffer(buf);
done:
    free(msg);
    if (m) LLVMDisposeModule(m);
    if (llctx) LLVMContextDispose(llctx);
    lrs_llvm_target_free(&t);
    return st;
}

/* ---- the C header -------------------------------------------------------------- */

/* An exact integer as an integer, any other value as the shortest decimal
 * that reads back as it (full precision). */
static void print_num(FILE *f, double v)
{
    if (isnan(v))
        fputs("nan", f);
    else if (isinf(v))
        fputs(v > 0 ? "inf" : "-inf", f);
    else if (v == floor(v) && fabs(v) < 0x1p64)
        fprintf(f, "%.0f", v);
    else {
        char s[40];
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(s, sizeof s, "%.*g", prec, v);
            if (strtod(s, NULL) == v) break;
        }
        fputs(s, f);
    }
}

/* Text from the user (a file name) inside a C comment: printable ASCII,
 * and no sequence that ends or opens a comment. */
static void print_in_comment(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c > 0x7e)
            fputc('?', f);
        else if ((c == '*' && s[1] == '/') || (c == '/' && s[1] == '*'))
            fputs(c == '*' ? "*?" : "/?", f);
        else
            fputc(c, f);
    }
}

static void header_schedule(FILE *f, const lrs_schedule *s, const char *prefix)
{
    fprintf(f, "/* %s: ", s->name);
    if (isinf(s->span)) {
        fputs("no end", f);
    } else {
        print_num(f, s->span);
        fputs(" steps, then holds its last value", f);
    }
    if (!isnan(s->v0)) {
        fputs("; starts at ", f);
        print_num(f, s->v0);
        fputs(", ends at ", f);
        print_num(f, s->vend);
        fputs(", between ", f);
        print_num(f, s->vmin);
        fputs(" and ", f);
        print_num(f, s->vmax);
    }
    fputs(".\n", f);
    if (s->nbounds) {
        fputs(" * Segments begin at steps", f);
        for (size_t k = 0; k < s->nbounds && k < 16; k++) {
            fputc(' ', f);
            print_num(f, s->bounds[k]);
        }
        if (s->nbounds > 16) fprintf(f, " ... (%zu in all)", s->nbounds);
        fputs(".\n", f);
    }
    fprintf(f, " * Negative steps evaluate as step 0.%s */\n",
            s->reactive ? "\n * Reactive: it reads the detector values (lrs_signals_values)" : "");
    const char *det = s->reactive ? ", const double *detectors" : "";
    fprintf(f, "double %s%s(int64_t step%s);\n", prefix, s->name, det);
    fprintf(f, "/* %s at steps first, first + 1, ... into out[0..count). */\n", s->name);
    fprintf(f, "void %s%s_range(int64_t first, int64_t count, double *out%s);\n\n", prefix, s->name,
            det);
}

static int emit_header(const lrs_program *p, const lrs_emit_options *o, const char *prefix,
                       const char *guard, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return fail(LRS_EMIT_EINTERNAL, err, errlen, "out of memory");
    fputs("/* Schedules compiled from ", f);
    print_in_comment(f, p->source_name ? p->source_name : "a program");
    fprintf(f, " by lrs %s (lrsc compile). Do not edit.\n", LRS_VERSION_STRING);
    if (p->nparams) {
        fputs(" * Built with", f);
        for (size_t i = 0; i < p->nparams; i++) {
            fprintf(f, "%s %s = ", i ? "," : "", p->params[i].name);
            print_num(f, p->params[i].value);
        }
        fputs(".\n", f);
    }
    fputs(" * The functions are pure: they read no memory and write only `out`. */\n", f);
    fprintf(f, "#ifndef %s\n#define %s\n\n#include <stdint.h>\n\n", guard, guard);
    fputs("#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n", f);
    for (size_t i = 0; i < p->nsched; i++)
        header_schedule(f, &p->sched[i], prefix);
    fprintf(f,
            "/* The descriptor table (struct lrs_aot_table in lrs.h). */\n"
            "extern const struct lrs_aot_table %stable;\n\n",
            prefix);
    fprintf(f, "#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s */\n", guard);
    int bad = ferror(f);
    if (fclose(f) || bad) {
        free(text);
        return fail(LRS_EMIT_EINTERNAL, err, errlen, "out of memory");
    }
    int st = write_file(o->path, text, len, err, errlen);
    free(text);
    return st;
}

/* The longest prefix: symbols stay far below any tool's limit. */
enum { MAX_PREFIX = 64 };

int lrs_aot_emit(const lrs_program *p, const lrs_emit_options *o, char *err, size_t errlen)
{
    if (err && errlen) err[0] = 0;
    if (!lrs_program_ok(p) || !o || !o->path)
        return fail(LRS_EMIT_EINVAL, err, errlen, "no program, options or output path");
    const char *prefix = o->prefix ? o->prefix : "lrs_";
    if (!valid_prefix(prefix) || strlen(prefix) > MAX_PREFIX)
        return fail(LRS_EMIT_EINVAL, err, errlen,
                    "the prefix '%.*s' does not make C identifiers (letters, digits and _, "
                    "not first a digit, at most %d)",
                    MAX_PREFIX, prefix, MAX_PREFIX);
    if ((int)o->kind < LRS_EMIT_SHARED || (int)o->kind > LRS_EMIT_HEADER)
        return fail(LRS_EMIT_EINVAL, err, errlen, "unknown output kind %d", (int)o->kind);
    char guard[MAX_PREFIX + sizeof "SCHEDULES_H"];
    header_guard(guard, sizeof guard, prefix);
    int st = check_names(p, prefix, guard, err, errlen);
    if (st) return st;
    if (o->kind == LRS_EMIT_HEADER) return emit_header(p, o, prefix, guard, err, errlen);
    return emit_code(p, o, prefix, err, errlen);
}
