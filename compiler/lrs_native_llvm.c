/* lrs_native_llvm.c — the LLVM backend module's one export: the table
 * liblrs finds with dlsym (lrs_native.h). */
#include "lrs_native.h"

__attribute__((visibility("default"))) const lrs_native_backend lrs_native_llvm = {
    .abi = LRS_NATIVE_ABI,
    .program_size = sizeof(lrs_program),
    .context_size = sizeof(lrs_context),
    .function = lrs_jit_function,
    .range_function = lrs_jit_range_function,
    .jit_free = lrs_jit_dispose,
    .jit_code_free = lrs_jit_code_dispose,
    .emit = lrs_aot_emit,
};
