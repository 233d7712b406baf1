/* test_ckpt_kill.c — crash safety of optimizer checkpoints: a child saves
 * checkpoints in a loop, each one a different complete state; the parent
 * kills it with SIGKILL at random moments and checks that the file on disk
 * always loads and is exactly one of the states the child wrote (the
 * previous or the new one), never a mix. */
#include "lrs.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { N = 20000, ROUNDS = 200 };

static float params[N], grads[N];

static lrs_optim *make(void)
{
    lrs_optim *o = lrs_optim_new(LRS_OPTIM_ADAM);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_ADAM);
    if (lrs_optim_add_group(o, params, grads, N, &hp) < 0) exit(3);
    return o;
}

/* The child: state k is reached after k steps from a fixed start; each
 * save is of a new state, so states on disk are told apart by their step. */
static void writer(const char *path)
{
    for (int i = 0; i < N; i++) {
        params[i] = (float)i / N;
        grads[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
    }
    lrs_optim *o = make();
    for (;;) {
        lrs_optim_step(o);
        if (lrs_optim_save(o, path) != LRS_OPTIM_OK) _exit(4);
    }
}

int main(void)
{
    char dir[] = "/tmp/lrs_ckpt_kill_XXXXXX", path[128];
    if (!mkdtemp(dir)) return 3;
    snprintf(path, sizeof path, "%s/opt.ckpt", dir);
    srand((unsigned)time(NULL));
    int64_t last = 0;
    int bad = 0, loaded = 0;
    for (int r = 0; r < ROUNDS && !bad; r++) {
        pid_t pid = fork();
        if (pid == 0) writer(path);
        struct timespec nap = {0, (long)(1000000 + rand() % 60000000)}; /* 1 to 61 ms */
        nanosleep(&nap, NULL);
        kill(pid, SIGKILL);
        int st;
        waitpid(pid, &st, 0);
        if (access(path, F_OK)) continue; /* killed before the first save */
        /* From the second round on, a save replaces an existing checkpoint:
         * the file must then hold the old state or the new one. */
        lrs_optim *o = make();
        int rc = lrs_optim_load(o, path);
        if (rc != LRS_OPTIM_OK) {
            fprintf(stderr, "round %d: checkpoint does not load: %s\n", r, lrs_optim_error(o));
            bad = 1;
        } else {
            /* The loaded state must be the complete state of its step:
             * replay that many steps from the start and compare every bit. */
            int64_t k = lrs_optim_step_count(o);
            for (int i = 0; i < N; i++) {
                params[i] = (float)i / N;
                grads[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
            }
            lrs_optim *ref = make();
            for (int64_t s = 0; s < k; s++)
                lrs_optim_step(ref);
            const char *bufs[] = {"exp_avg", "exp_avg_sq"};
            for (int b = 0; b < 2; b++)
                if (memcmp(lrs_optim_state(o, 0, bufs[b]), lrs_optim_state(ref, 0, bufs[b]),
                           N * sizeof(float))) {
                    fprintf(stderr, "round %d: %s of step %lld is a mix\n", r, bufs[b],
                            (long long)k);
                    bad = 1;
                }
            lrs_optim_free(ref);
            loaded++;
            last = k;
        }
        lrs_optim_free(o);
    }
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 3;
    printf("%d checkpoints checked after SIGKILL (last at step %lld)\n", loaded, (long long)last);
    return bad || loaded < ROUNDS / 4 ? 1 : 0;
}
