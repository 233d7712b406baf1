/* test_threads.c — 8 threads compile, JIT and evaluate programs at once
 * on one shared context; every native value must equal the interpreter's
 * on the same program. Run under ThreadSanitizer by `make test` (tsan
 * build) and plainly in the normal build. */
#include "lrs.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { THREADS = 8, PROGRAMS = 12 };

static lrs_context *ctx;
static int failures;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *work(void *arg)
{
    int id = (int)(long)arg;
    char src[512];
    for (int k = 0; k < PROGRAMS; k++) {
        snprintf(src, sizeof src,
                 "param total = %d\n"
                 "schedule lr = warmup(%d, cosine(0.%d -> 0.001))\n"
                 "schedule m = restarts(linear(0.9 -> 0.8), period = %d, mult = 2)\n",
                 1000 + 100 * id + k, 10 + k, 1 + id, 50 + k);
        lrs_program *p = lrs_compile_string(ctx, "t.lrs", src, strlen(src), NULL, NULL);
        int bad = !p;
        for (size_t i = 0; p && i < lrs_program_schedule_count(p); i++) {
            lrs_fn f = lrs_program_function(p, i);
            if (!f) {
                bad = 1;
                break;
            }
            for (int64_t s = 0; s < 3000; s += 13)
                if (f(s) != lrs_interp_eval(p, i, s) &&
                    fabs(f(s) - lrs_interp_eval(p, i, s)) > 4e-16 * fabs(f(s)))
                    bad = 1;
        }
        lrs_program_free(p);
        if (bad) {
            pthread_mutex_lock(&lock);
            failures++;
            pthread_mutex_unlock(&lock);
        }
    }
    return NULL;
}

int main(void)
{
    ctx = lrs_context_new();
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, work, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    lrs_context_free(ctx);
    printf("%d threads x %d programs: %d failures\n", THREADS, PROGRAMS, failures);
    return failures ? 1 : 0;
}
