/* lrs_native.h — the seam between liblrs and its native backend. The
 * LLVM backend (lrs_llvm.c, lrs_jit.c, lrs_aot.c) is built into a module of
 * its own, liblrs-llvm.so, that liblrs loads beside itself the first time
 * a program is compiled to native code or emitted (lrs_native.c): parsing,
 * checking, the interpreter and the optimizers never load libLLVM. The
 * module exports one symbol, lrs_native_llvm, this table. The static
 * library for the tests links the backend in and calls it directly. */
#ifndef LRS_NATIVE_H
#define LRS_NATIVE_H

#include "lrs_program.h"

/* Bumped whenever the table or a structure both sides read changes. */
#define LRS_NATIVE_ABI 1u

typedef struct lrs_native_backend {
    uint32_t abi;          /* LRS_NATIVE_ABI */
    uint32_t program_size; /* sizeof(lrs_program) and sizeof(lrs_context) as the */
    uint32_t context_size; /* module was built: a check against a stale module */
    lrs_fn (*function)(lrs_program *p, size_t i);
    lrs_range_fn (*range_function)(lrs_program *p, size_t i);
    void (*jit_free)(lrs_jit *j);
    void (*jit_code_free)(lrs_jit_code *c);
    int (*emit)(const lrs_program *p, const lrs_emit_options *o, char *err, size_t errlen);
} lrs_native_backend;

/* The module's table (lrs_native_llvm.c). */
extern const lrs_native_backend lrs_native_llvm;

/* The JIT's and the ahead-of-time entry points behind the public
 * lrs_program_function, lrs_program_range_function and lrs_program_emit
 * (lrs_jit.c, lrs_aot.c). For a reactive schedule the two functions
 * return its reactive forms, cast to lrs_fn and lrs_range_fn
 * (lrs_program_reactive_function casts them back). */
lrs_fn lrs_jit_function(lrs_program *p, size_t i);
lrs_range_fn lrs_jit_range_function(lrs_program *p, size_t i);
int lrs_aot_emit(const lrs_program *p, const lrs_emit_options *o, char *err, size_t errlen);
/* What lrs_jit_free and lrs_jit_code_free (lrs_program.h) call. */
void lrs_jit_dispose(lrs_jit *j);
void lrs_jit_code_dispose(lrs_jit_code *c);

#endif
