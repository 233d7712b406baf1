/* lrs_wasm_nojit.c — the page has no native backend (no LLVM in the
 * browser): a context never owns JIT state nor a program cached native
 * code, so releasing them is nothing, and the on-disk cache is off. */
#include "lrs_cache.h"
#include "lrs_program.h"

char *lrs_cache_env(int *off)
{
    *off = 1;
    return NULL;
}

void lrs_jit_free(lrs_jit *j)
{
    (void)j;
}
void lrs_jit_code_free(lrs_jit_code *c)
{
    (void)c;
}
void lrs_aot_close(lrs_aot *a)
{
    (void)a;
}
