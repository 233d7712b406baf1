/* lrs_wasm_nojit.c — the page has no native backend (no LLVM in the
 * browser): a context never owns JIT state nor a program cached native
 * code, so releasing them is nothing. */
#include "lrs_program.h"

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
