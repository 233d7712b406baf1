/* lrs_aot.c — ahead-of-time output: objects, shared objects, LLVM IR,
 * assembly and a C header. The code is the JIT's (lrs_llvm_build) for a
 * chosen CPU, plus the descriptor table of include/lrs.h that lets
 * lrs_aot_open use a shared object without LLVM. A shared object is linked
 * by the system C compiler against libm only. */
#include "lrs_backend.h"

#include <llvm-c/Core.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* A prefix must make C identifiers of schedule names. */
static int valid_prefix(const char *s)
{
    if (*s && !(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))) return 0;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
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

/* lrs_aot_schedule[] as include/lrs.h lays it out. */
static LLVMValueRef schedules(table_builder *T, const lrs_program *p, const char *prefix,
                              LLVMTypeRef *sty)
{
    LLVMTypeRef f[10] = {T->ptr, T->ptr, T->ptr, T->f64, T->f64,
                         T->f64, T->f64, T->f64, T->i64, T->ptr};
    *sty = LLVMStructTypeInContext(T->c, f, 10, 0);
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
        LLVMValueRef v[10] = {cstring(T, s->name),
                              LLVMGetNamedFunction(T->m, fn),
                              LLVMGetNamedFunction(T->m, rn),
                              kd(T, s->span),
                              kd(T, s->v0),
                              kd(T, s->vend),
                              kd(T, s->vmin),
                              kd(T, s->vmax),
                              LLVMConstInt(T->i64, s->nbounds, 0),
                              bounds};
        rows[i] = LLVMConstNamedStruct(*sty, v, 10);
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
    char *name = lrs_llvm_symbol(prefix, "table", 0);
    if (!sched || !par || !name) {
        free(name);
        return -1;
    }
    LLVMTypeRef f[9] = {T.i32, T.i32, T.ptr, T.ptr, T.ptr, T.i64, T.ptr, T.i64, T.ptr};
    LLVMTypeRef tty = LLVMStructTypeInContext(T.c, f, 9, 0);
    LLVMValueRef v[9] = {LLVMConstInt(T.i32, LRS_AOT_MAGIC, 0),
                         LLVMConstInt(T.i32, LRS_AOT_VERSION, 0),
                         cstring(&T, "lrs " LRS_VERSION_STRING),
                         cstring(&T, p->source_name ? p->source_name : ""),
                         cstring(&T, prefix),
                         LLVMConstInt(T.i64, p->nsched, 0),
                         sched,
                         LLVMConstInt(T.i64, p->nparams, 0),
                         par};
    LLVMValueRef g = LLVMAddGlobal(m, tty, name);
    free(name);
    LLVMSetInitializer(g, LLVMConstNamedStruct(tty, v, 9));
    LLVMSetGlobalConstant(g, 1);
    if (shared) LLVMAddAlias2(m, tty, 0, g, "lrs_aot_table");
    return 0;
}

/* ---- files ------------------------------------------------------------------- */

static int write_file(const char *path, const char *data, size_t n, char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (!f) return fail(LRS_EMIT_EIO, err, errlen, "cannot write %s: %s", path, strerror(errno));
    size_t w = fwrite(data, 1, n, f);
    int e = errno;
    if (fclose(f) || w != n)
        return fail(LRS_EMIT_EIO, err, errlen, "cannot write %s: %s", path, strerror(e ? e : EIO));
    return LRS_EMIT_OK;
}

/* Run argv (with stdout and stderr into a temporary file, whose text is
 * the error on failure). */
static int run(char *const argv[], char *err, size_t errlen)
{
    char log[] = "/tmp/lrs-cc-XXXXXX";
    int fd = mkstemp(log);
    if (fd < 0)
        return fail(LRS_EMIT_EINTERNAL, err, errlen, "cannot create a temporary file: %s",
                    strerror(errno));
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
                    strerror(r));
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        close(fd);
        return LRS_EMIT_OK;
    }
    char out[512] = "";
    ssize_t n = pread(fd, out, sizeof out - 1, 0);
    close(fd);
    out[n > 0 ? n : 0] = 0;
    for (char *q = out + strlen(out); q > out && (q[-1] == '\n' || q[-1] == ' ');)
        *--q = 0;
    return fail(LRS_EMIT_EINTERNAL, err, errlen, "linking with '%s' failed%s%s", argv[0],
                *out ? ": " : "", out);
}

/* cc -shared -nostdlib -o PATH OBJ -lm: no C runtime, so the object's
 * only dependencies are libm (and libmvec, pulled in as needed). */
static int link_shared(const char *obj, const char *path, const char *cc, char *err, size_t errlen)
{
    /* A path the user cannot write is their I/O problem, not ours. */
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    if (fd < 0)
        return fail(LRS_EMIT_EIO, err, errlen, "cannot write %s: %s", path, strerror(errno));
    close(fd);
    if (!cc || !*cc) cc = getenv("CC");
    if (!cc || !*cc) cc = "cc";
    char *words = lrs_llvm_strdup(cc);
    if (!words) return fail(LRS_EMIT_EINTERNAL, err, errlen, "out of memory");
    char *argv[MAX_CC_ARGS + 8];
    int n = 0;
    for (char *w = strtok(words, " \t"); w && n < MAX_CC_ARGS; w = strtok(NULL, " \t"))
        argv[n++] = w;
    if (!n) argv[n++] = "cc";
    char *rest[] = {"-shared", "-nostdlib", "-o", (char *)path, (char *)obj, "-lm", NULL};
    for (size_t i = 0; i < sizeof rest / sizeof *rest; i++)
        argv[n++] = rest[i];
    int r = run(argv, err, errlen);
    free(words);
    return r;
}

static int emit_code(const lrs_program *p, const lrs_emit_options *o, const char *prefix, char *err,
                     size_t errlen)
{
    lrs_llvm_target t;
    char *msg = NULL;
    if (lrs_llvm_target_new(o->cpu, 1, &t, &msg)) {
        int st = msg && strstr(msg, "not a CPU") ? LRS_EMIT_EINVAL : LRS_EMIT_EINTERNAL;
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
        int fd = mkstemp(obj);
        if (fd < 0) {
            st = fail(LRS_EMIT_EINTERNAL, err, errlen, "cannot create a temporary file: %s",
                      strerror(errno));
        } else {
            close(fd);
            st = write_file(obj, data, size, err, errlen);
            if (st == LRS_EMIT_EIO) st = LRS_EMIT_EINTERNAL; /* our file, not the user's */
            if (!st) st = link_shared(obj, o->path, o->cc, err, errlen);
            unlink(obj);
        }
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

/* The shortest decimal that reads back as v. */
static void print_num(FILE *f, double v)
{
    if (isnan(v))
        fputs("nan", f);
    else if (isinf(v))
        fputs(v > 0 ? "inf" : "-inf", f);
    else {
        char s[40];
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(s, sizeof s, "%.*g", prec, v);
            if (strtod(s, NULL) == v) break;
        }
        fputs(s, f);
    }
}

static void header_schedule(FILE *f, const lrs_schedule *s, const char *prefix)
{
    fprintf(f, "/* %s: ", s->name);
    if (isinf(s->span))
        fputs("no end", f);
    else
        fprintf(f, "%.0f steps, then holds its last value", s->span);
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
        for (size_t k = 0; k < s->nbounds && k < 16; k++)
            fprintf(f, " %.0f", s->bounds[k]);
        if (s->nbounds > 16) fprintf(f, " ... (%zu in all)", s->nbounds);
        fputs(".\n", f);
    }
    fprintf(f, " * Negative steps evaluate as step 0. */\n");
    fprintf(f, "double %s%s(int64_t step);\n", prefix, s->name);
    fprintf(f, "/* %s at steps first, first + 1, ... into out[0..count). */\n", s->name);
    fprintf(f, "void %s%s_range(int64_t first, int64_t count, double *out);\n\n", prefix, s->name);
}

static int emit_header(const lrs_program *p, const lrs_emit_options *o, const char *prefix,
                       char *err, size_t errlen)
{
    FILE *f = fopen(o->path, "w");
    if (!f) return fail(LRS_EMIT_EIO, err, errlen, "cannot write %s: %s", o->path, strerror(errno));
    char guard[64];
    snprintf(guard, sizeof guard, "%sSCHEDULES_H", prefix);
    for (char *g = guard; *g; g++)
        if (*g >= 'a' && *g <= 'z') *g = (char)(*g - 'a' + 'A');
    fprintf(f, "/* Schedules compiled from %s by lrs %s (lrsc compile). Do not edit.\n",
            p->source_name ? p->source_name : "a program", LRS_VERSION_STRING);
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
    int e = ferror(f) ? errno : 0;
    if (fclose(f) || e)
        return fail(LRS_EMIT_EIO, err, errlen, "cannot write %s: %s", o->path,
                    strerror(e ? e : EIO));
    return LRS_EMIT_OK;
}

int lrs_program_emit(const lrs_program *p, const lrs_emit_options *o, char *err, size_t errlen)
{
    if (err && errlen) err[0] = 0;
    if (!p || !o || !o->path)
        return fail(LRS_EMIT_EINVAL, err, errlen, "no program, options or output path");
    const char *prefix = o->prefix ? o->prefix : "lrs_";
    if (!valid_prefix(prefix))
        return fail(LRS_EMIT_EINVAL, err, errlen,
                    "the prefix '%s' does not make C identifiers (letters, digits, _)", prefix);
    switch (o->kind) {
    case LRS_EMIT_HEADER:
        return emit_header(p, o, prefix, err, errlen);
    case LRS_EMIT_SHARED:
    case LRS_EMIT_OBJECT:
    case LRS_EMIT_LLVM:
    case LRS_EMIT_ASM:
        return emit_code(p, o, prefix, err, errlen);
    }
    return fail(LRS_EMIT_EINVAL, err, errlen, "unknown output kind %d", (int)o->kind);
}
