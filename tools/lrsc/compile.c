/* compile.c — `lrsc compile`: ahead-of-time output through lrs_program_emit. */
#include "lrsc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FILE.lrs -> FILE.EXT in the current directory's sense of FILE. */
static char *default_output(const char *file, const char *ext)
{
    size_t n = strlen(file);
    const char *dot = strrchr(file, '.'), *slash = strrchr(file, '/');
    if (dot && (!slash || dot > slash)) n = (size_t)(dot - file);
    char *s = malloc(n + strlen(ext) + 1);
    if (s) {
        memcpy(s, file, n);
        strcpy(s + n, ext);
    }
    return s;
}

static int emit(lrsc_args *a, const lrs_program *p, lrs_emit_kind kind, const char *path)
{
    /* The library reads no environment: $CC is the command line's. */
    lrs_emit_options o = {kind, path, a->prefix, a->cpu, getenv("CC")};
    char err[1024];
    int r = lrs_program_emit(p, &o, err, sizeof err);
    if (r == LRS_EMIT_OK) return 0;
    fprintf(stderr, "lrsc compile: %s\n", err);
    return r == LRS_EMIT_EIO      ? LRSC_EXIT_INPUT
           : r == LRS_EMIT_EINVAL ? LRSC_EXIT_USAGE
                                  : LRSC_EXIT_INTERNAL;
}

int lrsc_compile_cmd(lrsc_args *a)
{
    static const char *const ext[] = {".so", ".o", ".ll", ".s"};
    lrs_context *ctx;
    int status = 0;
    lrs_program *p = lrsc_compile(a, &ctx, &status);
    if (p) {
        lrs_emit_kind kind = a->emit_kind_given ? (lrs_emit_kind)a->emit_kind : LRS_EMIT_SHARED;
        /* --header alone writes only the header. */
        if (a->output || !a->header || a->emit_kind_given) {
            char *path = a->output ? NULL : default_output(a->file, ext[kind]);
            status = a->output || path ? emit(a, p, kind, a->output ? a->output : path)
                                       : LRSC_EXIT_INTERNAL;
            free(path);
        }
        if (!status && a->header) status = emit(a, p, LRS_EMIT_HEADER, a->header);
    }
    lrs_program_free(p);
    lrs_context_free(ctx);
    return status;
}
