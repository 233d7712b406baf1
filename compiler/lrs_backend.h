/* lrs_backend.h — the native backend, in the order it runs:
 *
 *   lrs_llvm_module    IR of a program -> one LLVM module       (lrs_llvm.c)
 *   lrs_llvm_optimize  default<O2> with loop and SLP vectorisation (range
 *                      functions, files; scalar JIT code gets a short pipeline)
 *   lrs_jit_*          the module into the context's LLJIT     (lrs_jit.c)
 *   lrs_aot_*          the module to a file: .o, .so, .ll, .s  (lrs_aot.c)
 *
 * Only these three files include LLVM's headers. Errors come back as a
 * malloc'd message (char **err); nothing here prints. */
#ifndef LRS_BACKEND_H
#define LRS_BACKEND_H

#include "lrs_program.h"

#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/TargetMachine.h>

/* ---- targets ------------------------------------------------------------ */

/* Which libmvec variants the target can call: SSE2 (2 lanes, every
 * x86-64), AVX2 (4) and AVX-512 (8). Zero off x86-64 or when the loader
 * has no libmvec. */
enum {
    LRS_VEC_SSE = 1,
    LRS_VEC_AVX2 = 2,
    LRS_VEC_AVX512 = 4,
    LRS_VEC_GLIBC235 = 8 /* also tanh and log2 (glibc 2.35): the JIT, when present */
};

typedef struct lrs_llvm_target {
    LLVMTargetMachineRef tm;
    char *triple;
    int vecmath; /* LRS_VEC_* bits */
} lrs_llvm_target;

/* Initialise LLVM's native target once per process (thread-safe). */
int lrs_llvm_init(char **err);
/* A target machine for the host triple. cpu: "native" (host CPU and
 * features), "generic" (the architecture's baseline) or an LLVM CPU name.
 * pic selects position-independent code (shared objects, the JIT).
 * Returns 0, LRS_LLVM_EBADCPU for a CPU name not valid for the target (a
 * usage error), or -1 for any other failure; *err says why. */
enum { LRS_LLVM_EBADCPU = -2 };
int lrs_llvm_target_new(const char *cpu, int pic, lrs_llvm_target *out, char **err);
/* The same with a code generation level (lrs_llvm_target_new: Default). */
int lrs_llvm_target_new_level(const char *cpu, int pic, LLVMCodeGenOptLevel level,
                              lrs_llvm_target *out, char **err);
void lrs_llvm_target_free(lrs_llvm_target *t);

/* ---- lowering ----------------------------------------------------------- */

/* Which functions a module defines. */
enum { LRS_LLVM_SCALAR = 1, LRS_LLVM_RANGE = 2, LRS_LLVM_BOTH = 3 };

/* One module for programs progs[0..n) (usually one): for every schedule,
 * PREFIXES[k]NAME(i64) -> double and/or PREFIXES[k]NAME_range(i64 first,
 * i64 count, ptr out), external. NULL and *err on failure (a verifier
 * error is a bug in the lowering). */
LLVMModuleRef lrs_llvm_module(LLVMContextRef llctx, const lrs_program *const *progs,
                              const char *const *prefixes, size_t n, const lrs_llvm_target *t,
                              int which, char **err);
/* exact[i] = 1 where instruction i of code feeds a discontinuity and so
 * is computed with glibc's scalar math even in range functions. */
void lrs_llvm_exact_nodes(const lrs_code *code, unsigned char *exact);
/* The optimisation pipeline: default<O2>, loop and SLP vectorisation. */
int lrs_llvm_optimize(LLVMModuleRef m, const lrs_llvm_target *t, char **err);
/* Lower, verify and optimise p in a fresh LLVM context (default<O2>, or a
 * short pipeline of folding and CFG clean-up when which is
 * LRS_LLVM_SCALAR): the caller owns
 * *llctx and the module (LLVMDisposeModule, then LLVMContextDispose). */
LLVMModuleRef lrs_llvm_build(const lrs_program *p, const char *prefix, const lrs_llvm_target *t,
                             int which, LLVMContextRef *llctx, char **err);
/* Machine code (LLVMObjectFile) or assembly (LLVMAssemblyFile) in memory. */
int lrs_llvm_codegen(LLVMModuleRef m, const lrs_llvm_target *t, LLVMCodeGenFileType kind,
                     LLVMMemoryBufferRef *out, char **err);
/* "PREFIX" "NAME" ["_range"] in a malloc'd string. */
char *lrs_llvm_symbol(const char *prefix, const char *name, int range);
/* A copy of an LLVM message (LLVMDisposeMessage'd). */
char *lrs_llvm_take_message(char *llvm_msg);
char *lrs_llvm_error(LLVMErrorRef e);

/* ---- JIT ---------------------------------------------------------------- */

/* Compile the scalar (range = 0) or range (1) functions of every schedule
 * of p into ctx's JIT unless done already. Returns the code (owned by p),
 * or NULL with p's sticky error set. (The hooks that free JIT state are in
 * lrs_program.h.) */
const lrs_jit_code *lrs_jit_program(lrs_program *p, int range);

#endif
