/* fuzz_emit.c — libFuzzer harness: ahead-of-time emission of the C header
 * and the LLVM IR for any program that compiles. */
#include "lrs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lrs_context *ctx;
    static char dir[] = "/tmp/lrs_fuzz_emit_XXXXXX";
    if (!ctx) {
        ctx = lrs_context_new();
        if (!mkdtemp(dir)) abort();
    }
    lrs_program *p = lrs_compile_string(ctx, "fuzz.lrs", (const char *)data, size, NULL, NULL);
    if (!p) return 0;
    char path[128], err[512];
    static const lrs_emit_kind kinds[] = {LRS_EMIT_HEADER, LRS_EMIT_LLVM};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/out.%d", dir, k);
        lrs_emit_options o = {kinds[k], path, "fz_", "generic", NULL};
        /* A program whose names cannot be C functions is refused (EINVAL) */
        int r = lrs_program_emit(p, &o, err, sizeof err);
        if (r != LRS_EMIT_OK && r != LRS_EMIT_EINVAL) abort();
        unlink(path);
    }
    lrs_program_free(p);
    return 0;
}
