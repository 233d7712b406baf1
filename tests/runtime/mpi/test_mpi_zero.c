/* test_mpi_zero.c — the data-parallel optimizer under mpirun. Modes:
 *   match                every kind and feature against the single-process
 *                        optimizer fed the averaged gradient (summed in rank
 *                        order, divided by np: bit for bit), parameters
 *                        identical on every rank after every step;
 *   chain IN OUT FROM TO load checkpoint IN ("-": none), take steps FROM..TO,
 *                        compare with an uninterrupted single-process run,
 *                        save OUT (elastic resume across np);
 *   stall                the last rank stops taking part: the others must
 *                        report LRS_MPI_ETIMEOUT within the timeout;
 *   die                  the last rank is killed mid-run.
 * Exit 0 on success; any mismatch prints it and aborts the job. */
#include "lrs_mpi.h"
#include "rt_test_util.h"

#include <math.h>
#include <signal.h>
#include <unistd.h>

static int rank, np;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "rank %d: %s:%d: ", rank, __FILE__, __LINE__);                         \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                          \
        }                                                                                          \
    } while (0)

static double warm_cos(int64_t t)
{
    return t < 4 ? (double)(t + 1) / 4 : 0.5 + 0.5 * cos((double)t / 9.0);
}

/* Rank r's gradient at step t, element i of group gi. */
static float grad_of(int r, int gi, int t, size_t i)
{
    return rtt_grad(20 + (unsigned)(r * 2 + gi), (unsigned)t, i);
}

/* The same on every rank, with 13 significant bits at most: any np sums
 * it exactly and divides back to it exactly, so the averaged gradient does
 * not depend on np. */
static float shared_grad(int gi, int t, size_t i)
{
    return roundf(rtt_grad(40 + (unsigned)gi, (unsigned)t, i) * 4096.0f) / 4096.0f;
}

/* Every rank's parameters must be the same bits as rank 0's. */
static void check_identical(const float *p, size_t n, const char *what, int t)
{
    float *r0 = malloc(n * sizeof *r0);
    memcpy(r0, p, n * sizeof *r0);
    MPI_Bcast(r0, (int)n, MPI_FLOAT, 0, MPI_COMM_WORLD);
    int diff = memcmp(r0, p, n * sizeof *r0) != 0, any = 0;
    MPI_Allreduce(&diff, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    CHECK(!any, "%s: parameters differ between ranks after step %d", what, t);
    free(r0);
}

static void check_equal(const float *a, const float *b, size_t n, double rtol, const char *what,
                        int t)
{
    for (size_t i = 0; i < n; i++) {
        if (rtol == 0) {
            CHECK(memcmp(&a[i], &b[i], sizeof a[i]) == 0,
                  "%s: element %zu after step %d: %.9g, single process %.9g", what, i, t,
                  (double)a[i], (double)b[i]);
        } else {
            CHECK(fabs((double)a[i] - (double)b[i]) <= rtol * fmax(fabs((double)b[i]), 1e-3),
                  "%s: element %zu after step %d: %.9g, single process %.9g (rtol %g)", what, i, t,
                  (double)a[i], (double)b[i], rtol);
        }
    }
}

enum { G = 2 };
static const size_t sizes[G] = {70001, 37}; /* threaded chunks; a group smaller than np blocks */

typedef struct run {
    float *p[G], *g[G];   /* distributed */
    float *rp[G], *rg[G]; /* single-process reference */
    lrs_mpi_optim *d;
    lrs_optim *ref;
} run;

static run make(lrs_optim_kind kind, const lrs_optim_hparams *hp)
{
    run r = {.d = lrs_mpi_optim_new(MPI_COMM_WORLD, kind), .ref = lrs_optim_new(kind)};
    CHECK(r.d && r.ref, "create");
    for (int gi = 0; gi < G; gi++) {
        const size_t n = sizes[gi];
        r.p[gi] = malloc(n * sizeof(float)), r.g[gi] = malloc(n * sizeof(float));
        r.rp[gi] = malloc(n * sizeof(float)), r.rg[gi] = malloc(n * sizeof(float));
        for (size_t i = 0; i < n; i++)
            r.p[gi][i] = r.rp[gi][i] = rtt_rnd(9 + (unsigned)gi, RTT_INIT_T, i);
        CHECK(lrs_mpi_optim_add_group(r.d, r.p[gi], r.g[gi], n, hp) == gi, "add_group: %s",
              lrs_mpi_optim_error(r.d));
        CHECK(lrs_optim_add_group(r.ref, r.rp[gi], r.rg[gi], n, hp) == gi, "ref add_group");
    }
    /* A shared schedule, layer-wise scales, as a trainer binds it. */
    CHECK(lrs_mpi_optim_bind(r.d, 0, "lr", warm_cos, hp->lr) == 0, "bind");
    CHECK(lrs_mpi_optim_bind(r.d, 1, "lr", warm_cos, hp->lr * 3) == 0, "bind");
    CHECK(lrs_optim_bind(r.ref, 0, "lr", warm_cos, hp->lr) == 0, "bind");
    CHECK(lrs_optim_bind(r.ref, 1, "lr", warm_cos, hp->lr * 3) == 0, "bind");
    return r;
}

static void drop(run *r)
{
    for (int gi = 0; gi < G; gi++)
        free(r->p[gi]), free(r->g[gi]), free(r->rp[gi]), free(r->rg[gi]);
    lrs_mpi_optim_free(r->d);
    lrs_optim_free(r->ref);
}

/* Rank-local gradients; the reference gets their average in rank order. */
static void fill(run *r, int t, float scale, int poison)
{
    lrs_optim_zero_grad(r->ref); /* new gradients: forget what the last check learned */
    for (int gi = 0; gi < G; gi++)
        for (size_t i = 0; i < sizes[gi]; i++) {
            r->g[gi][i] = grad_of(rank, gi, t, i) * scale;
            float acc = grad_of(0, gi, t, i) * scale;
            for (int q = 1; q < np; q++)
                acc += grad_of(q, gi, t, i) * scale;
            r->rg[gi][i] = acc / (float)np;
        }
    if (poison) {
        if (rank == np - 1) r->g[1][3] = NAN;
        r->rg[1][3] = NAN;
    }
}

static void compare(run *r, const char *what, int t, double rtol)
{
    for (int gi = 0; gi < G; gi++) {
        check_identical(r->p[gi], sizes[gi], what, t);
        check_equal(r->p[gi], r->rp[gi], sizes[gi], rtol, what, t);
    }
}

/* The local shard views of every state buffer against the reference. */
static void compare_state(run *r, const char *what, double rtol)
{
    static const char *const names[] = {
        "momentum_buffer", "exp_avg",  "exp_avg_sq", "max_exp_avg_sq",
        "square_avg",      "grad_avg", "sum"};
    for (int gi = 0; gi < G; gi++)
        for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
            size_t first, count;
            const float *mine = lrs_mpi_optim_state(r->d, gi, names[k], &first, &count);
            const float *ref = lrs_optim_state(r->ref, gi, names[k]);
            CHECK(!mine == !ref, "%s: state %s present on one side only", what, names[k]);
            if (mine && count) check_equal(mine, ref + first, count, rtol, names[k], -1);
        }
}

static void test_match(void)
{
    const lrs_optim_kind kinds[] = {LRS_OPTIM_SGD,     LRS_OPTIM_ADAM,    LRS_OPTIM_ADAMW,
                                    LRS_OPTIM_RMSPROP, LRS_OPTIM_ADAGRAD, LRS_OPTIM_LION};
    static const char *const kind_names[] = {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Lion"};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        lrs_optim_hparams hp = lrs_optim_defaults(kinds[k]);
        hp.momentum = kinds[k] == LRS_OPTIM_SGD || kinds[k] == LRS_OPTIM_RMSPROP ? 0.9 : 0;
        hp.amsgrad = 1;
        hp.centered = 1;
        hp.weight_decay = 1e-2;
        run r = make(kinds[k], &hp);
        CHECK(lrs_mpi_optim_set_skip_nonfinite(r.d, 1) == 0, "skip");
        CHECK(lrs_optim_set_skip_nonfinite(r.ref, 1) == 0, "skip");
        for (int t = 0; t < 12; t++) {
            /* Steps 0-3 plain, 4-5 loss-scaled by 1024 (exact in float),
             * step 6 poisoned with a NaN on the last rank (skipped by all). */
            const int scaled = t == 4 || t == 5, poison = t == 6;
            fill(&r, t, scaled ? 1024.0f : 1.0f, poison);
            lrs_mpi_step s = {.inv_scale = scaled ? 1.0 / 1024 : 0};
            int rc = lrs_mpi_optim_step(r.d, &s);
            int found = 0;
            if (scaled) lrs_optim_unscale_grads(r.ref, 1.0 / 1024, &found);
            int rrc = lrs_optim_step(r.ref);
            CHECK(rc == rrc, "%s step %d: status %d (%s), single process %d", kind_names[k], t, rc,
                  lrs_mpi_optim_error(r.d), rrc);
            CHECK(s.found_nonfinite == poison, "step %d: found_nonfinite %d", t, s.found_nonfinite);
            compare(&r, "plain", t, 0);
        }
        compare_state(&r, "state", 0);
        /* Global clipping: the norm is reduced in another grouping than the
         * single process's, so the coefficient may differ in its last bit. */
        for (int t = 12; t < 16; t++) {
            fill(&r, t, 1.0f, 0);
            lrs_mpi_step s = {.max_norm = 0.5};
            CHECK(lrs_mpi_optim_step(r.d, &s) == 0, "clip step: %s", lrs_mpi_optim_error(r.d));
            double norm = 0;
            CHECK(lrs_optim_clip_grad_norm(r.ref, 0.5, &norm) == 0, "ref clip");
            CHECK(lrs_optim_step(r.ref) == 0, "ref step");
            CHECK(fabs(s.total_norm - norm) <= 1e-12 * norm, "norm %.17g, single process %.17g",
                  s.total_norm, norm);
            compare(&r, "clipped", t, 1e-5);
        }
        drop(&r);
    }
}

static void chain(const char *in, const char *out, int from, int to)
{
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_ADAMW);
    hp.amsgrad = 1;
    run r = make(LRS_OPTIM_ADAMW, &hp);
    /* The reference runs uninterrupted from step 0. */
    for (int t = 0; t < to; t++) {
        for (int gi = 0; gi < G; gi++)
            for (size_t i = 0; i < sizes[gi]; i++)
                r.rg[gi][i] = shared_grad(gi, t, i);
        CHECK(lrs_optim_step(r.ref) == 0, "ref step");
        if (t == from - 1)
            for (int gi = 0; gi < G; gi++) /* the model's own checkpoint */
                memcpy(r.p[gi], r.rp[gi], sizes[gi] * sizeof(float));
    }
    if (strcmp(in, "-") != 0) {
        CHECK(lrs_mpi_optim_load(r.d, in, 0) == 0, "load %s: %s", in, lrs_mpi_optim_error(r.d));
        CHECK(lrs_mpi_optim_step_count(r.d) == from, "step count %lld",
              (long long)lrs_mpi_optim_step_count(r.d));
    }
    for (int t = from; t < to; t++) {
        for (int gi = 0; gi < G; gi++)
            for (size_t i = 0; i < sizes[gi]; i++)
                r.g[gi][i] = shared_grad(gi, t, i);
        CHECK(lrs_mpi_optim_step(r.d, NULL) == 0, "step: %s", lrs_mpi_optim_error(r.d));
    }
    for (int gi = 0; gi < G; gi++) {
        check_identical(r.p[gi], sizes[gi], "resumed", to);
        check_equal(r.p[gi], r.rp[gi], sizes[gi], 0, "resumed", to);
    }
    compare_state(&r, "resumed state", 0);
    CHECK(lrs_mpi_optim_save(r.d, out) == 0, "save %s: %s", out, lrs_mpi_optim_error(r.d));
    /* The single-process runtime reads it too. */
    if (rank == 0) {
        lrs_optim *o = lrs_optim_new(LRS_OPTIM_ADAMW);
        for (int gi = 0; gi < G; gi++)
            lrs_optim_add_group(o, r.rp[gi], r.rg[gi], sizes[gi], &hp);
        lrs_optim_bind(o, 0, "lr", warm_cos, hp.lr);
        lrs_optim_bind(o, 1, "lr", warm_cos, hp.lr * 3);
        CHECK(lrs_optim_load(o, out) == 0, "single-process load: %s", lrs_optim_error(o));
        CHECK(lrs_optim_step_count(o) == to, "single-process step count");
        lrs_optim_free(o);
    }
    printf("rank %d/%d: steps %d..%d from %s bit-identical, saved %s\n", rank, np, from, to, in,
           out);
    drop(&r);
}

static void stall(int die)
{
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_ADAM);
    run r = make(LRS_OPTIM_ADAM, &hp);
    CHECK(lrs_mpi_optim_set_timeout(r.d, 3.0) == 0, "timeout");
    fill(&r, 0, 1.0f, 0);
    CHECK(lrs_mpi_optim_step(r.d, NULL) == 0, "first step");
    if (rank == np - 1) {
        if (die) raise(SIGKILL);
        sleep(120); /* stops taking part */
    }
    const double t0 = MPI_Wtime();
    int rc = lrs_mpi_optim_step(r.d, NULL);
    printf("rank %d: after %.1f s: status %d: %s\n", rank, MPI_Wtime() - t0, rc,
           lrs_mpi_optim_error(r.d));
    fflush(stdout);
    CHECK(rc == LRS_MPI_ETIMEOUT, "expected a timeout");
    /* Every detecting rank has reported before rank 0 ends the job, as the
     * error says to: the communicator is unusable. */
    if (rank != 0) {
        sleep(120);
        return;
    }
    sleep(1);
    printf("stall detected by the other ranks\n");
    fflush(stdout);
    MPI_Abort(MPI_COMM_WORLD, 0);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    rtt_forced_simd();
    const char *mode = argc > 1 ? argv[1] : "match";
    if (strcmp(mode, "match") == 0) {
        test_match();
        if (rank == 0) printf("np %d: every kind matches the single-process optimizer\n", np);
    } else if (strcmp(mode, "chain") == 0 && argc == 6) {
        chain(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
    } else if (strcmp(mode, "stall") == 0 || strcmp(mode, "die") == 0) {
        stall(strcmp(mode, "die") == 0);
    } else {
        CHECK(0, "usage: test_mpi_zero match | chain IN OUT FROM TO | stall | die");
    }
    MPI_Finalize();
    return 0;
}
