/* lrs_wasi.c — what the WebAssembly build needs beyond wasi-libc 2022:
 * the runtime of clang's setjmp/longjmp lowering (the protocol of LLVM 19's
 * WebAssemblyLowerEmscriptenEHSjLj pass with wasm exceptions, as in later
 * wasi-libc releases) and realpath. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

struct lrs_wasm_jmp {
    void *func_invocation_id;
    uint32_t label;
    struct lrs_wasm_jmp_arg {
        void *env;
        int val;
    } arg;
};

_Static_assert(sizeof(struct lrs_wasm_jmp) <= 8 * sizeof(long), "jmp_buf too small");

void __wasm_setjmp(void *env, uint32_t label, void *func_invocation_id)
{
    struct lrs_wasm_jmp *jb = env;
    jb->func_invocation_id = func_invocation_id;
    jb->label = label;
}

uint32_t __wasm_setjmp_test(void *env, void *func_invocation_id)
{
    struct lrs_wasm_jmp *jb = env;
    return jb->func_invocation_id == func_invocation_id ? jb->label : 0;
}

void __wasm_longjmp(void *env, int val)
{
    struct lrs_wasm_jmp *jb = env;
    jb->arg.env = env;
    jb->arg.val = val ? val : 1;
    __builtin_wasm_throw(1, &jb->arg); /* tag 1: __c_longjmp */
}

char *realpath(const char *restrict path, char *restrict resolved)
{
    (void)path;
    (void)resolved;
    errno = ENOENT;
    return NULL;
}
