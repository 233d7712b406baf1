/* test_leak.c — 10,000 compile / free cycles (every tenth one also JIT
 * compiled and called) keep memory flat: the resident size after the last
 * cycle is within a small margin of the size after the first thousand,
 * when everything allocated once has been allocated. */
#include "lrs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (!f) return -1;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = -1;
    fclose(f);
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
    int cycles = argc > 1 ? atoi(argv[1]) : 10000;
    const char *src = "param total = 100_000\n"
                      "schedule lr = warmup(2000, cosine(3e-4 -> 3e-5))\n"
                      "schedule mom = onecycle_momentum()\n";
    lrs_context *ctx = lrs_context_new();
    long base = 0;
    double sink = 0;
    for (int i = 0; i < cycles; i++) {
        lrs_program *p = lrs_compile_string(ctx, "t.lrs", src, strlen(src), NULL, NULL);
        if (!p) return 1;
        if (i % 10 == 0) {
            lrs_fn f = lrs_program_function(p, (size_t)(i % 2));
            if (!f) return 1;
            sink += f(i);
        } else {
            sink += lrs_interp_eval(p, (size_t)(i % 2), i);
        }
        lrs_program_free(p);
        if (i == cycles / 10 - 1) base = rss_kib();
    }
    long end = rss_kib();
    lrs_context_free(ctx);
    printf("%d cycles: RSS %ld KiB after %d, %ld KiB at the end (growth %ld KiB)%s\n", cycles, base,
           cycles / 10, end, end - base, sink > 0 ? "" : " ");
    /* 2 MiB of slack for allocator noise; a leak of even 256 bytes a cycle
     * would show as more than 2 MiB over 9,000 cycles. */
    return end - base > 2048 ? 1 : 0;
}
