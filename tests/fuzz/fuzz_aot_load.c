/* fuzz_aot_load.c — libFuzzer harness: the shared-object loader. A real
 * object is made once (compile, lrs_program_emit); each input is a list of
 * edits of it (truncate, change bytes, insert bytes, 5 bytes each:
 * op, offset (3 bytes), value), or, when it starts with 0xff, a whole file.
 * lrs_aot_open must refuse every file that differs from the object (the
 * descriptor's length and checksum), load the object itself, and never
 * take a signal. */
#include "lrs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/lrs_fuzz_aot_XXXXXX";
static unsigned char *good;
static size_t good_n;

static void init(void)
{
    if (!mkdtemp(dir)) abort();
    lrs_context *ctx = lrs_context_new();
    const char *src = "param total = 1000\nschedule lr = linear(0 -> 0.1) for 100 then "
                      "cosine(0.1 -> 0.001)\n";
    lrs_program *p = lrs_compile_string(ctx, "seed.lrs", src, strlen(src), NULL, NULL);
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/good.so", dir);
    lrs_emit_options o = {LRS_EMIT_SHARED, path, NULL, NULL, NULL};
    if (!p || lrs_program_emit(p, &o, err, sizeof err)) abort();
    lrs_program_free(p);
    lrs_context_free(ctx);
    FILE *f = fopen(path, "rb");
    good = malloc(1 << 22);
    good_n = fread(good, 1, 1 << 22, f);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!good) init();
    size_t cap = good_n + size + 16, n;
    unsigned char *buf = malloc(cap);
    if (size && data[0] == 0xff) {
        memcpy(buf, data + 1, size - 1);
        n = size - 1;
    } else {
        memcpy(buf, good, good_n);
        n = good_n;
        for (size_t i = 0; i + 5 <= size; i += 5) {
            size_t off =
                ((size_t)data[i + 1] | (size_t)data[i + 2] << 8 | (size_t)data[i + 3] << 16);
            off = n ? off % (n + 1) : 0;
            switch (data[i] % 3) {
            case 0: /* truncate */
                n = off;
                break;
            case 1: /* change one byte */
                if (off < n) buf[off] ^= data[i + 4];
                break;
            default: /* insert one byte */
                if (n + 1 < cap) {
                    memmove(buf + off + 1, buf + off, n - off);
                    buf[off] = data[i + 4];
                    n++;
                }
            }
        }
    }
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/in.so", dir);
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
    int same = n == good_n && !memcmp(buf, good, n);
    free(buf);
    lrs_aot *a = lrs_aot_open(path, err, sizeof err);
    if (a && !same) abort(); /* a changed file was loaded */
    if (!a && same) abort(); /* the object itself was refused */
    if (a) {
        lrs_fn fn = lrs_aot_function(a, "lr");
        if (!fn || fn(50) != 0.05) abort();
        lrs_aot_close(a);
    }
    unlink(path);
    return 0;
}
