/* fuzz_checkpoint.c — libFuzzer harness: the optimizer checkpoint loader on
 * any bytes. A rejected file must leave the optimizer exactly as it was. */
#include "lrs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { N0 = 16, N1 = 5 };

static lrs_optim *make(float *p0, float *g0, float *p1, float *g1)
{
    lrs_optim *o = lrs_optim_new(LRS_OPTIM_ADAMW);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_ADAMW);
    lrs_optim_add_group(o, p0, g0, N0, &hp);
    hp.amsgrad = 1;
    lrs_optim_add_group(o, p1, g1, N1, &hp);
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) snprintf(path, sizeof path, "/tmp/lrs_fuzz_ckpt_%d", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    float p0[N0], g0[N0], p1[N1], g1[N1];
    for (int i = 0; i < N0; i++)
        p0[i] = g0[i] = (float)i / 7;
    for (int i = 0; i < N1; i++)
        p1[i] = g1[i] = (float)i / 3;
    lrs_optim *o = make(p0, g0, p1, g1);
    lrs_optim_step(o);
    int64_t steps = lrs_optim_step_count(o);
    float before[N0];
    memcpy(before, lrs_optim_state(o, 0, "exp_avg"), sizeof before);
    if (lrs_optim_load(o, path) != LRS_OPTIM_OK) {
        if (lrs_optim_step_count(o) != steps) abort();
        if (memcmp(before, lrs_optim_state(o, 0, "exp_avg"), sizeof before)) abort();
    } else {
        lrs_optim_step(o); /* a loaded state must be usable */
    }
    lrs_optim_free(o);
    unlink(path);
    return 0;
}
