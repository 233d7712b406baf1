/* seed_checkpoint.c — writes valid checkpoints for fuzz_checkpoint's seed
 * corpus (the same optimizer shape as the harness). */
#include "lrs.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    float p0[16], g0[16], p1[5], g1[5];
    for (int i = 0; i < 16; i++)
        p0[i] = g0[i] = (float)i / 7;
    for (int i = 0; i < 5; i++)
        p1[i] = g1[i] = (float)i / 3;
    lrs_optim *o = lrs_optim_new(LRS_OPTIM_ADAMW);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_ADAMW);
    lrs_optim_add_group(o, p0, g0, 16, &hp);
    hp.amsgrad = 1;
    lrs_optim_add_group(o, p1, g1, 5, &hp);
    for (int k = 0; k < 3; k++) {
        lrs_optim_step(o);
        char path[512];
        snprintf(path, sizeof path, "%s/ckpt%d", argv[1], k);
        if (lrs_optim_save(o, path)) return 1;
    }
    lrs_optim_free(o);
    return 0;
}
