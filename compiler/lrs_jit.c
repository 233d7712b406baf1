/* lrs_jit.c — native code in process: one ORC LLJIT per context, resource
 * trackers per program, so freeing a program releases its code. A program
 * is compiled in two modules, each on first use: the scalar functions
 * (cheap: a few ms) and the vectorised range functions (the loop
 * vectoriser makes them several times costlier to compile). Each module is
 * compiled to an object with the context's host target machine (the path
 * of ahead-of-time objects) and linked by the JIT. The context's lock
 * serialises compilation; calling the functions needs no lock. */
#include "lrs_backend.h"
#include "lrs_native.h"

#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>

#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lrs_jit {
    LLVMOrcLLJITRef jit;
    lrs_llvm_target target; /* the host CPU with its features, PIC */
    uint64_t next_id;       /* programs get distinct symbol prefixes */
};

struct lrs_jit_code {
    uint64_t id;                     /* symbol prefixes: lrs_jitID_s_, lrs_jitID_r_ */
    LLVMOrcResourceTrackerRef rt[2]; /* scalar, range */
    lrs_fn *fn;
    lrs_range_fn *range;
    char *error[2]; /* sticky failures */
};

void lrs_jit_dispose(lrs_jit *j)
{
    if (!j) return;
    if (j->jit) {
        LLVMErrorRef e = LLVMOrcDisposeLLJIT(j->jit);
        if (e) LLVMConsumeError(e);
    }
    lrs_llvm_target_free(&j->target);
    free(j);
}

/* Make the process's symbols (libm) and libmvec visible to JIT'd code. */
static int add_generators(lrs_jit *j, char **err)
{
    LLVMOrcJITDylibRef main = LLVMOrcLLJITGetMainJITDylib(j->jit);
    char prefix = LLVMOrcLLJITGetGlobalPrefix(j->jit);
    LLVMOrcDefinitionGeneratorRef g;
    LLVMErrorRef e = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(&g, prefix, NULL, NULL);
    if (e) {
        *err = lrs_llvm_error(e);
        return -1;
    }
    LLVMOrcJITDylibAddGenerator(main, g);
    if (j->target.vecmath) {
        e = LLVMOrcCreateDynamicLibrarySearchGeneratorForPath(&g, "libmvec.so.1", prefix, NULL,
                                                              NULL);
        if (e) {
            /* No libmvec: range functions call the scalar libm instead. */
            LLVMConsumeError(e);
            j->target.vecmath = 0;
        } else {
            LLVMOrcJITDylibAddGenerator(main, g);
            /* tanh and log2 joined libmvec in glibc 2.35 */
            void *h = dlopen("libmvec.so.1", RTLD_LAZY | RTLD_NOLOAD);
            if (h && dlsym(h, "_ZGVbN2v_tanh") && dlsym(h, "_ZGVbN2v_log2"))
                j->target.vecmath |= LRS_VEC_GLIBC235;
            if (h) dlclose(h);
        }
    }
    return 0;
}

static lrs_jit *jit_new(char **err)
{
    lrs_jit *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    /* Code generation at -O1 (Less): the same instruction selection and
     * register allocation for code this small, at two thirds of the
     * compile time of Default. */
    if (lrs_llvm_target_new_level("native", 1, LLVMCodeGenLevelLess, &j->target, err)) goto fail;
    /* The JIT's own target machine mirrors ours (it only links objects). */
    lrs_llvm_target jt;
    if (lrs_llvm_target_new("native", 1, &jt, err)) goto fail;
    LLVMOrcJITTargetMachineBuilderRef jtmb =
        LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(jt.tm);
    jt.tm = NULL; /* consumed */
    lrs_llvm_target_free(&jt);
    LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
    LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, jtmb);
    LLVMErrorRef e = LLVMOrcCreateLLJIT(&j->jit, builder); /* consumes builder */
    if (e) {
        j->jit = NULL;
        *err = lrs_llvm_error(e);
        goto fail;
    }
    if (add_generators(j, err)) goto fail;
    return j;
fail:
    lrs_jit_dispose(j);
    return NULL;
}

static void release(LLVMOrcResourceTrackerRef rt)
{
    if (!rt) return;
    LLVMErrorRef e = LLVMOrcResourceTrackerRemove(rt);
    if (e) LLVMConsumeError(e);
    LLVMOrcReleaseResourceTracker(rt);
}

void lrs_jit_code_dispose(lrs_jit_code *c)
{
    if (!c) return;
    for (int k = 0; k < 2; k++) {
        release(c->rt[k]);
        free(c->error[k]);
    }
    free(c->fn);
    free(c->range);
    free(c);
}

/* Look up PREFIX_NAME (or PREFIX_NAME_range) for every schedule. */
static int lookup_all(lrs_jit *j, const lrs_program *p, const char *prefix, int range,
                      lrs_jit_code *c, char **err)
{
    for (size_t i = 0; i < p->nsched; i++) {
        char *sym = lrs_llvm_symbol(prefix, p->sched[i].name, range);
        if (!sym) return -1;
        LLVMOrcExecutorAddress addr = 0;
        LLVMErrorRef e = LLVMOrcLLJITLookup(j->jit, &addr, sym);
        free(sym);
        if (e) {
            *err = lrs_llvm_error(e);
            return -1;
        }
        /* An executor address is the function's address in this process. */
        if (range)
            c->range[i] = (lrs_range_fn)(uintptr_t)addr;
        else
            c->fn[i] = (lrs_fn)(uintptr_t)addr;
    }
    return 0;
}

/* lower -> optimise -> object code -> link into the JIT -> look up. The
 * two halves have distinct prefixes, so that a schedule `x_range` cannot
 * collide with the range function of `x`. */
static int compile(lrs_jit *j, const lrs_program *p, lrs_jit_code *c, int range, char **err)
{
    char prefix[48];
    snprintf(prefix, sizeof prefix, "lrs_jit%" PRIu64 "_%c_", c->id, range ? 'r' : 's');
    LLVMContextRef llctx;
    LLVMModuleRef m = lrs_llvm_build(p, prefix, &j->target,
                                     range ? LRS_LLVM_RANGE : LRS_LLVM_SCALAR, &llctx, err);
    if (!m) return -1;
    LLVMMemoryBufferRef obj = NULL;
    int r = lrs_llvm_codegen(m, &j->target, LLVMObjectFile, &obj, err);
    LLVMDisposeModule(m);
    LLVMContextDispose(llctx);
    if (r) return -1;
    LLVMOrcResourceTrackerRef rt =
        LLVMOrcJITDylibCreateResourceTracker(LLVMOrcLLJITGetMainJITDylib(j->jit));
    LLVMErrorRef e = LLVMOrcLLJITAddObjectFileWithRT(j->jit, rt, obj); /* consumes obj */
    if (!e && !lookup_all(j, p, prefix, range, c, err)) {
        c->rt[range] = rt;
        return 0;
    }
    if (e) *err = lrs_llvm_error(e);
    release(rt);
    return -1;
}

static lrs_jit_code *code_new(lrs_jit *j, const lrs_program *p)
{
    lrs_jit_code *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->id = j->next_id++;
    c->fn = calloc(p->nsched + 1, sizeof *c->fn);
    c->range = calloc(p->nsched + 1, sizeof *c->range);
    if (!c->fn || !c->range) {
        lrs_jit_code_dispose(c);
        return NULL;
    }
    return c;
}

static char *sticky(char *err, const char *what)
{
    const char *why = err ? err : "out of memory";
    size_t n = strlen(what) + strlen(why) + 3;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s: %s", what, why);
    free(err);
    return s;
}

const lrs_jit_code *lrs_jit_program(lrs_program *p, int range)
{
    lrs_context *ctx = p->ctx;
    const lrs_jit_code *done = NULL;
    pthread_mutex_lock(&ctx->lock);
    char *err = NULL;
    if (!ctx->jit && !ctx->jit_error) {
        ctx->jit = jit_new(&err);
        if (!ctx->jit) ctx->jit_error = sticky(err, "cannot start the JIT");
        err = NULL;
    }
    /* native_error keeps the first failure; each half fails only once. */
    if (!ctx->jit) {
        if (!p->native_error)
            p->native_error = strdup(ctx->jit_error ? ctx->jit_error : "out of memory");
        goto out;
    }
    if (!p->native && !(p->native = code_new(ctx->jit, p))) goto out;
    lrs_jit_code *c = p->native;
    if (!c->rt[range] && !c->error[range] && compile(ctx->jit, p, c, range, &err)) {
        c->error[range] = sticky(err, "cannot compile to native code");
        if (!p->native_error) p->native_error = strdup(c->error[range]);
    }
    if (c->rt[range]) done = c;
out:
    pthread_mutex_unlock(&ctx->lock);
    return done;
}

/* ---- behind the public API (lrs_native.c) ------------------------------------ */

lrs_fn lrs_jit_function(lrs_program *p, size_t i)
{
    if (!lrs_program_ok(p) || i >= p->nsched) return NULL;
    const lrs_jit_code *c = lrs_jit_program(p, 0);
    return c ? c->fn[i] : NULL;
}

lrs_range_fn lrs_jit_range_function(lrs_program *p, size_t i)
{
    if (!lrs_program_ok(p) || i >= p->nsched) return NULL;
    const lrs_jit_code *c = lrs_jit_program(p, 1);
    return c ? c->range[i] : NULL;
}
