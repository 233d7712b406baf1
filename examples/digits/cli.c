/* cli.c — the digits trainers' shared options and schedule compile. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* v as an integer in [lo, hi], or -1 (v is not one). */
static int whole(const char *v, unsigned long long lo, unsigned long long hi,
                 unsigned long long *out)
{
    char *end;
    errno = 0;
    if (*v < '0' || *v > '9') return -1; /* no sign, no space */
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end || x < lo || x > hi) return -1;
    *out = x;
    return 0;
}

int digits_args_parse(digits_args *a, int argc, char **argv, unsigned takes, const char *prog,
                      const char *usage, FILE *out)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long x = 0;
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            if (out) fputs(usage, stdout); /* asked for: not an error */
            return 1;
        }
        const char *range = NULL;
        if (!v)
            range = "needs a value";
        else if (!strcmp(o, "--epochs"))
            range = whole(v, 1, 100000, &x) ? "takes a whole number from 1 to 100000"
                                            : (a->epochs = (int)x, NULL);
        else if (!strcmp(o, "--batch"))
            range = whole(v, 1, 1u << 20, &x) ? "takes a whole number from 1 to 1048576"
                                              : (a->batch = (size_t)x, NULL);
        else if (!strcmp(o, "--seed"))
            range = whole(v, 0, UINT64_MAX, &x) ? "takes a whole number from 0 to 2^64-1"
                                                : (a->seed = x, NULL);
        else if (!strcmp(o, "--data"))
            a->data = v;
        else if (!strcmp(o, "--schedule"))
            a->schedule = v;
        else if ((takes & DIGITS_OPTIM) && !strcmp(o, "--optim"))
            range = strcmp(v, "adamw") && strcmp(v, "sgd") ? "takes adamw or sgd"
                                                           : (a->optim = v, NULL);
        else if ((takes & DIGITS_DEFINES) && !strcmp(o, "-D"))
            range = a->ndef >= DIGITS_MAX_DEFINES ? "is given too often (at most 30)"
                                                  : (a->defines[a->ndef++] = v, NULL);
        else {
            if (out) fprintf(out, "%s: unknown option %s (try --help)\n", prog, o);
            return 2;
        }
        if (range) {
            if (out) fprintf(out, "%s: %s %s%s%s\n", prog, o, range, v ? ", not " : "", v ? v : "");
            return 2;
        }
        i++;
    }
    return 0;
}

lrs_program *digits_compile(lrs_context *ctx, digits_args *a, size_t steps_per_epoch, FILE *out)
{
    char spe[64], tot[64];
    snprintf(spe, sizeof spe, "steps_per_epoch=%zu", steps_per_epoch);
    snprintf(tot, sizeof tot, "total=%d epochs", a->epochs);
    const char *defines[DIGITS_MAX_DEFINES + 2];
    memcpy(defines, a->defines, a->ndef * sizeof *defines);
    defines[a->ndef] = spe;
    defines[a->ndef + 1] = tot;
    lrs_diags *diags = lrs_diags_new();
    lrs_options opts = {.defines = defines, .define_count = a->ndef + 2};
    lrs_program *prog = lrs_compile_file(ctx, a->schedule, &opts, diags);
    for (size_t i = 0; out && i < lrs_diags_count(diags); i++) {
        char *s = lrs_diags_format(diags, i, isatty(fileno(out)));
        fputs(s ? s : "", out);
        lrs_free(s);
    }
    lrs_diags_free(diags);
    return prog;
}
