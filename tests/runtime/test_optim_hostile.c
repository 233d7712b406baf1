/* test_optim_hostile.c — the optimizer API against bad callers and bad
 * files: NULL and foreign handles, scheduled hyperparameters out of range,
 * checkpoints whose checksum is right but whose contents are impossible,
 * links, FIFOs and devices as checkpoint paths, permission bits kept on
 * save, schedule bindings recorded in checkpoints, and checkpoints in a
 * caller's buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_test_util.h"

#define N 33

static char dir[256];

static void path_of(char *out, const char *name)
{
    snprintf(out, 300, "%s/%s", dir, name);
}

typedef struct fix {
    float p[2][N], g[2][N];
    lrs_optim *opt;
} fix;

static double cosine(int64_t t)
{
    return 0.5 + 0.5 * cos((double)t / 5.0);
}

static fix *make(lrs_optim_kind kind, int bind)
{
    fix *f = calloc(1, sizeof *f);
    f->opt = lrs_optim_new(kind);
    lrs_optim_hparams hp = lrs_optim_defaults(kind);
    hp.amsgrad = 1;
    for (int gi = 0; gi < 2; gi++) {
        for (int i = 0; i < N; i++) {
            f->p[gi][i] = rtt_rnd(3 + (unsigned)gi, RTT_INIT_T, (unsigned)i);
            f->g[gi][i] = rtt_grad(3 + (unsigned)gi, 0, (unsigned)i);
        }
        assert_int_equal(lrs_optim_add_group(f->opt, f->p[gi], f->g[gi], N, &hp), gi);
    }
    if (bind) assert_int_equal(lrs_optim_bind(f->opt, -1, "lr", cosine, 0.042), 0);
    return f;
}

static void steps(fix *f, int from, int to)
{
    for (int t = from; t < to; t++) {
        for (int gi = 0; gi < 2; gi++)
            for (int i = 0; i < N; i++)
                f->g[gi][i] = rtt_grad(3 + (unsigned)gi, (unsigned)t, (unsigned)i);
        assert_int_equal(lrs_optim_step(f->opt), 0);
    }
}

static void destroy(fix *f)
{
    lrs_optim_free(f->opt);
    free(f);
}

static void expect_error(const lrs_optim *opt, const char *words)
{
    if (!strstr(lrs_optim_error(opt), words))
        fail_msg("error '%s' does not mention '%s'", lrs_optim_error(opt), words);
}

/* ---- handles ---- */

/* Every function of the optimizer API with one handle: NULL, then an
 * object that is not an optimizer. None may crash or write through it. */
static void call_everything(lrs_optim *o)
{
    float p[4] = {0}, g[4] = {0};
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    double v = 0;
    size_t len = 0;
    unsigned char buf[16];
    assert_int_equal(lrs_optim_add_group(o, p, g, 4, &hp), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_set_buffers(o, 0, p, g), LRS_OPTIM_EINVAL);
    uint16_t p16[4] = {0}, g16[4] = {0};
    assert_int_equal(lrs_optim_add_group16(o, LRS_OPTIM_BFLOAT16, p, p16, g16, 4, &hp),
                     LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_add_group16(o, LRS_OPTIM_FLOAT16, p, p16, g16, 4, &hp),
                     LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_set_buffers16(o, 0, p, p16, g16), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_group_count(o), 0);
    assert_int_equal(lrs_optim_bind(o, 0, "lr", cosine, 1), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_bind_callback(o, 0, "lr", NULL, NULL, 1), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_bind_id(o, 0, "lr", "x"), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_hparam(o, 0, "lr", &v), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_step(o), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_step_count(o), -1);
    assert_int_equal(lrs_optim_set_threads(o, 1), LRS_OPTIM_EINVAL);
    assert_null(lrs_optim_simd(o));
    assert_int_equal(lrs_optim_set_simd(o, "scalar"), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_set_skip_nonfinite(o, 1), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_clip_grad_norm(o, 1.0, &v), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_grads_finite(o), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_unscale_grads(o, 1.0, NULL), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_zero_grad(o), LRS_OPTIM_EINVAL);
    assert_null(lrs_optim_state(o, 0, "exp_avg"));
    assert_null(lrs_optim_state_data(o, 0, "exp_avg"));
    assert_int_equal(lrs_optim_set_hparams(o, 0, &hp), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_group_steps(o, 0), -1);
    assert_int_equal(lrs_optim_set_group_steps(o, 0, 1), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_set_step_count(o, 1), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_save(o, "/nonexistent/x"), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_save_buffer(o, buf, sizeof buf, &len), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_load(o, "/nonexistent/x"), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_load_flags(o, "/nonexistent/x", 0), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_load_buffer(o, buf, sizeof buf, 0), LRS_OPTIM_EINVAL);
    assert_non_null(lrs_optim_error(o));
    lrs_optim_free(o);
}

static void test_null_and_foreign_handles(void **state)
{
    (void)state;
    call_everything(NULL);
    assert_non_null(strstr(lrs_optim_error(NULL), "NULL"));
    /* Something else entirely (say, another library object of ours). */
    uint64_t foreign[64];
    for (int i = 0; i < 64; i++)
        foreign[i] = UINT64_C(0x0123456789abcdef) * (uint64_t)(i + 1);
    uint64_t copy[64];
    memcpy(copy, foreign, sizeof copy);
    call_everything((lrs_optim *)foreign);
    assert_non_null(strstr(lrs_optim_error((lrs_optim *)foreign), "not an optimizer"));
    assert_memory_equal(copy, foreign, sizeof copy); /* nothing written through it */
    /* A live optimizer with NULL arguments. */
    fix *f = make(LRS_OPTIM_ADAM, 0);
    assert_int_equal(lrs_optim_add_group(f->opt, NULL, NULL, 4, NULL), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_bind(f->opt, 0, NULL, cosine, 1), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_hparam(f->opt, 0, "lr", NULL), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_set_simd(f->opt, NULL), LRS_OPTIM_EUNSUPPORTED);
    assert_null(lrs_optim_state(f->opt, 0, NULL));
    assert_int_equal(lrs_optim_set_hparams(f->opt, 0, NULL), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_save(f->opt, NULL), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_load(f->opt, NULL), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_save_buffer(f->opt, NULL, 0, NULL), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_load_buffer(f->opt, NULL, 0, 0), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_bind_id(f->opt, 0, "lr", "x"), LRS_OPTIM_EINVAL); /* unbound */
    destroy(f);
}

/* ---- scheduled hyperparameters: validated every step ---- */

static double one_at_three(int64_t t)
{
    return t == 3 ? 1.0 : 0.9;
}
static double negative_at_two(int64_t t)
{
    return t == 2 ? -0.5 : 1.0;
}

/* Steps until the bad one, which must be refused with an error naming
 * `words`, changing no parameter, state buffer or counter. */
static void expect_refused_step(fix *f, int bad_step, const char *const *words)
{
    steps(f, 0, bad_step);
    float p[2][N], m[2][N];
    memcpy(p, f->p, sizeof p);
    for (int gi = 0; gi < 2; gi++)
        memcpy(m[gi],
               lrs_optim_state(f->opt, gi, "exp_avg") ? lrs_optim_state(f->opt, gi, "exp_avg")
                                                      : f->p[gi],
               sizeof m[gi]);
    assert_int_equal(lrs_optim_step(f->opt), LRS_OPTIM_ESCHEDULE);
    print_message("refused: %s\n", lrs_optim_error(f->opt));
    for (const char *const *w = words; *w; w++)
        expect_error(f->opt, *w);
    assert_memory_equal(p, f->p, sizeof p);
    for (int gi = 0; gi < 2; gi++)
        if (lrs_optim_state(f->opt, gi, "exp_avg"))
            assert_memory_equal(m[gi], lrs_optim_state(f->opt, gi, "exp_avg"), sizeof m[gi]);
    assert_int_equal(lrs_optim_step_count(f->opt), bad_step);
    assert_int_equal(lrs_optim_group_steps(f->opt, 0), bad_step);
}

static void test_scheduled_values_validated_every_step(void **state)
{
    (void)state;
    /* beta1 = 1 makes Adam's bias correction 0 (NaN parameters). */
    fix *f = make(LRS_OPTIM_ADAM, 0);
    assert_int_equal(lrs_optim_bind(f->opt, -1, "beta1", one_at_three, 1.0), 0);
    expect_refused_step(f, 3, (const char *const[]){"beta1", "step 3", "gave 1", NULL});
    destroy(f);
    /* A negative learning rate from the schedule itself. */
    f = make(LRS_OPTIM_ADAMW, 0);
    assert_int_equal(lrs_optim_bind(f->opt, 1, "lr", negative_at_two, 1e-3), 0);
    expect_refused_step(f, 2, (const char *const[]){"'lr'", "group 1", "step 2", "-0.0005", NULL});
    destroy(f);
    /* Negative momentum and beta2 >= 1, through callbacks. */
    f = make(LRS_OPTIM_SGD, 0);
    assert_int_equal(lrs_optim_bind(f->opt, -1, "momentum", negative_at_two, 0.9), 0);
    expect_refused_step(f, 2, (const char *const[]){"momentum", "step 2", NULL});
    destroy(f);
    f = make(LRS_OPTIM_LION, 0);
    assert_int_equal(lrs_optim_bind(f->opt, -1, "beta2", one_at_three, 1.0), 0);
    expect_refused_step(f, 3, (const char *const[]){"beta2", "< 1", NULL});
    destroy(f);
    /* A negative scale is refused when binding, and nothing is bound. */
    f = make(LRS_OPTIM_ADAM, 0);
    assert_int_equal(lrs_optim_bind(f->opt, -1, "lr", cosine, -1e-3), LRS_OPTIM_EINVAL);
    expect_error(f->opt, "scale");
    steps(f, 0, 2);
    double lr;
    assert_int_equal(lrs_optim_hparam(f->opt, 0, "lr", &lr), 0);
    assert_true(lr == 1e-3);
    destroy(f);
}

/* ---- checkpoints: the documented checksum, to forge consistent files ---- */

/* docs/optimizer.md: FNV-1a over the 64-bit little-endian words (the last
 * zero-padded), then the byte length, then h ^= h >> 33;
 * h *= 0xff51afd7ed558ccd; h ^= h >> 33. */
static uint64_t doc_checksum(const unsigned char *b, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t w = 0;
        for (size_t k = 0; k < 8; k++)
            w |= (uint64_t)(i + k < len ? b[i + k] : 0) << (8 * k);
        h = (h ^ w) * 0x100000001b3ull;
    }
    h = (h ^ (uint64_t)len) * 0x100000001b3ull;
    h ^= h >> 33, h *= 0xff51afd7ed558ccdull, h ^= h >> 33;
    return h;
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int k = 0; k < 8; k++)
        p[k] = (unsigned char)(v >> (8 * k));
}

/* Re-seal a checkpoint of `len` bytes (checksum included) after editing it. */
static void reseal(unsigned char *b, size_t len)
{
    put64(b + len - 8, doc_checksum(b, len - 8));
}

/* Offsets in the version-3 layout (docs/optimizer.md). */
enum { HEAD = 40, GROUP = 360, G_T = 8, G_MASK = 20, G_BIND = 120 };

static unsigned char *saved(fix *f, size_t *len)
{
    assert_int_equal(lrs_optim_save_buffer(f->opt, NULL, 0, len), 0);
    unsigned char *b = malloc(*len);
    assert_int_equal(lrs_optim_save_buffer(f->opt, b, *len, len), 0);
    return b;
}

static void expect_load_refused(const unsigned char *b, size_t len, int code, const char *words)
{
    fix *v = make(LRS_OPTIM_ADAM, 1);
    steps(v, 0, 1);
    float m[N], p[N];
    memcpy(m, lrs_optim_state(v->opt, 0, "exp_avg_sq"), sizeof m);
    memcpy(p, v->p[0], sizeof p);
    assert_int_equal(lrs_optim_load_buffer(v->opt, b, len, 0), code);
    print_message("refused: %s\n", lrs_optim_error(v->opt));
    expect_error(v->opt, words);
    assert_memory_equal(m, lrs_optim_state(v->opt, 0, "exp_avg_sq"), sizeof m);
    assert_memory_equal(p, v->p[0], sizeof p);
    assert_int_equal(lrs_optim_step_count(v->opt), 1);
    destroy(v);
}

static void test_impossible_contents_rejected(void **state)
{
    (void)state;
    fix *f = make(LRS_OPTIM_ADAM, 1);
    steps(f, 0, 4);
    size_t len;
    unsigned char *good = saved(f, &len), *b = malloc(len);
    /* The forged copy of an unedited file loads: the transcription is right. */
    memcpy(b, good, len);
    reseal(b, len);
    fix *v = make(LRS_OPTIM_ADAM, 1);
    assert_int_equal(lrs_optim_load_buffer(v->opt, b, len, 0), 0);
    destroy(v);

    /* A step count with no room for another step. */
    memcpy(b, good, len);
    put64(b + 24, (uint64_t)INT64_MAX);
    reseal(b, len);
    expect_load_refused(b, len, LRS_OPTIM_ECORRUPT, "step count");
    /* A group that took more steps than the optimizer. */
    memcpy(b, good, len);
    put64(b + HEAD + G_T, 5);
    reseal(b, len);
    expect_load_refused(b, len, LRS_OPTIM_ECORRUPT, "group step 5");
    /* A negative exp_avg_sq (slot 1 of group 0 starts after exp_avg). */
    memcpy(b, good, len);
    const size_t sq0 = HEAD + 2 * GROUP + N * 4;
    const float neg = -1e-3f;
    memcpy(b + sq0 + 7 * 4, &neg, 4);
    reseal(b, len);
    expect_load_refused(b, len, LRS_OPTIM_ECORRUPT, "exp_avg_sq[7]");
    /* A NaN in exp_avg. */
    memcpy(b, good, len);
    const float nan = NAN;
    memcpy(b + HEAD + 2 * GROUP + 4, &nan, 4);
    reseal(b, len);
    expect_load_refused(b, len, LRS_OPTIM_ECORRUPT, "exp_avg[1]");
    /* Sizes that disagree: a group of 34 parameters for this optimizer's 33,
     * and a file whose state mask drops amsgrad's buffer while its
     * hyperparameters keep amsgrad on (the file shortened to match). */
    memcpy(b, good, len);
    put64(b + HEAD + GROUP, N + 1);
    reseal(b, len);
    expect_load_refused(b, len, LRS_OPTIM_EMISMATCH, "group 1 has 34");
    {
        /* Group 1's max_exp_avg_sq is the last buffer before the checksum. */
        size_t cut = len - N * 4;
        unsigned char *c = malloc(cut);
        memcpy(c, good, len - 8 - N * 4);
        c[HEAD + GROUP + G_MASK] = 0x3;
        reseal(c, cut);
        expect_load_refused(c, cut, LRS_OPTIM_ECORRUPT, "max_exp_avg_sq is missing");
        free(c);
    }
    /* A flag that is neither 0 nor 1, and a hyperparameter out of range. */
    memcpy(b, good, len);
    b[HEAD + 104] = 2; /* nesterov */
    reseal(b, len);
    expect_load_refused(b, len, LRS_OPTIM_ECORRUPT, "flag");
    memcpy(b, good, len);
    const double bad_beta = 1.5;
    memcpy(b + HEAD + 24 + 3 * 8, &bad_beta, 8);
    reseal(b, len);
    expect_load_refused(b, len, LRS_OPTIM_ECORRUPT, "beta1");
    free(b), free(good);
    destroy(f);
}

/* ---- checkpoint paths ---- */

static void test_save_keeps_mode_and_refuses_links(void **state)
{
    (void)state;
    fix *f = make(LRS_OPTIM_ADAM, 1);
    steps(f, 0, 2);
    char path[300], link[300];
    path_of(path, "mode.ckpt");
    path_of(link, "link.ckpt");
    /* A new file: 0666 less the umask, as any created file. */
    mode_t um = umask(022);
    umask(um);
    assert_int_equal(lrs_optim_save(f->opt, path), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0666 & ~um);
    /* An existing file keeps its bits across the replacement. */
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(lrs_optim_save(f->opt, path), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    /* A symbolic link is neither followed nor replaced. */
    assert_int_equal(symlink(path, link), 0);
    struct stat before;
    assert_int_equal(stat(path, &before), 0);
    steps(f, 2, 3);
    assert_int_equal(lrs_optim_save(f->opt, link), LRS_OPTIM_EINVAL);
    expect_error(f->opt, "symbolic link");
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_ino, before.st_ino);
    assert_int_equal(st.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
    /* Loading through a link reads its target. */
    fix *g = make(LRS_OPTIM_ADAM, 1);
    assert_int_equal(lrs_optim_load(g->opt, link), 0);
    assert_int_equal(lrs_optim_step_count(g->opt), 2);
    destroy(g);
    /* A directory in the way. */
    assert_int_equal(lrs_optim_save(f->opt, dir), LRS_OPTIM_EINVAL);
    expect_error(f->opt, "not a regular file");
    destroy(f);
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "blocked on a FIFO\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(1);
}

static void test_fifo_and_device_never_block(void **state)
{
    (void)state;
    signal(SIGALRM, on_alarm);
    alarm(10); /* a blocking open would hang forever; this turns it into a failure */
    fix *f = make(LRS_OPTIM_ADAM, 1);
    char fifo[300];
    path_of(fifo, "pipe.ckpt");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(lrs_optim_load(f->opt, fifo), LRS_OPTIM_EIO);
    expect_error(f->opt, "not a regular file");
    assert_int_equal(lrs_optim_save(f->opt, fifo), LRS_OPTIM_EINVAL);
    expect_error(f->opt, "not a regular file");
    assert_int_equal(lrs_optim_load(f->opt, "/dev/zero"), LRS_OPTIM_EIO);
    expect_error(f->opt, "not a regular file");
    assert_int_equal(lrs_optim_save(f->opt, "/dev/null"), LRS_OPTIM_EINVAL);
    alarm(0);
    unlink(fifo);
    destroy(f);
}

/* ---- bindings recorded in checkpoints ---- */

static void test_binding_mismatch_is_an_error(void **state)
{
    (void)state;
    fix *f = make(LRS_OPTIM_ADAM, 1); /* lr = 0.042 * cosine */
    assert_int_equal(lrs_optim_bind_id(f->opt, -1, "lr", "sched.lrs:cosine"), 0);
    steps(f, 0, 3);
    char path[300];
    path_of(path, "bound.ckpt");
    assert_int_equal(lrs_optim_save(f->opt, path), 0);

    /* Not bound at all: trains at the constant 0.001 unless refused. */
    fix *g = make(LRS_OPTIM_ADAM, 0);
    assert_int_equal(lrs_optim_load(g->opt, path), LRS_OPTIM_EMISMATCH);
    print_message("refused: %s\n", lrs_optim_error(g->opt));
    expect_error(g->opt, "'lr'");
    expect_error(g->opt, "sched.lrs:cosine");
    expect_error(g->opt, "0.042");
    expect_error(g->opt, "not bound");
    assert_int_equal(lrs_optim_step_count(g->opt), 0);
    /* Accepted explicitly. */
    assert_int_equal(lrs_optim_load_flags(g->opt, path, LRS_OPTIM_LOAD_ANY_BINDINGS), 0);
    assert_int_equal(lrs_optim_step_count(g->opt), 3);
    destroy(g);
    /* Another scale, another identity, an extra binding. */
    g = make(LRS_OPTIM_ADAM, 0);
    assert_int_equal(lrs_optim_bind(g->opt, -1, "lr", cosine, 0.05), 0);
    assert_int_equal(lrs_optim_bind_id(g->opt, -1, "lr", "sched.lrs:cosine"), 0);
    assert_int_equal(lrs_optim_load(g->opt, path), LRS_OPTIM_EMISMATCH);
    expect_error(g->opt, "0.05");
    assert_int_equal(lrs_optim_bind(g->opt, -1, "lr", cosine, 0.042), 0);
    assert_int_equal(lrs_optim_bind_id(g->opt, -1, "lr", "other.lrs:cosine"), 0);
    assert_int_equal(lrs_optim_load(g->opt, path), LRS_OPTIM_EMISMATCH);
    expect_error(g->opt, "other.lrs:cosine");
    assert_int_equal(lrs_optim_bind_id(g->opt, -1, "lr", "sched.lrs:cosine"), 0);
    assert_int_equal(lrs_optim_bind(g->opt, 1, "beta2", cosine, 0.99), 0);
    assert_int_equal(lrs_optim_load(g->opt, path), LRS_OPTIM_EMISMATCH);
    expect_error(g->opt, "group 1 'beta2'");
    /* As when saved: loads, and continues bit for bit. */
    assert_int_equal(lrs_optim_bind(g->opt, 1, "beta2", NULL, 1), 0);
    assert_int_equal(lrs_optim_bind(g->opt, -1, "lr", cosine, 0.042), 0);
    assert_int_equal(lrs_optim_bind_id(g->opt, -1, "lr", "sched.lrs:cosine"), 0);
    assert_int_equal(lrs_optim_load(g->opt, path), 0);
    memcpy(g->p, f->p, sizeof g->p);
    steps(f, 3, 6);
    steps(g, 3, 6);
    assert_memory_equal(f->p, g->p, sizeof f->p);
    destroy(g);
    assert_int_equal(lrs_optim_bind_id(f->opt, 0, "lr", "123456789012345678901234567890123"),
                     LRS_OPTIM_EINVAL);
    destroy(f);
}

/* ---- checkpoints in a caller's buffer ---- */

static void test_buffer_round_trip(void **state)
{
    (void)state;
    fix *ref = make(LRS_OPTIM_ADAMW, 1), *a = make(LRS_OPTIM_ADAMW, 1);
    steps(ref, 0, 8);
    steps(a, 0, 3);
    size_t len = 0, len2 = 0;
    assert_int_equal(lrs_optim_save_buffer(a->opt, NULL, 0, &len), 0);
    unsigned char *b = malloc(len + 1);
    /* Too small: an error, and not one byte written. */
    memset(b, 0xAB, len + 1);
    assert_int_equal(lrs_optim_save_buffer(a->opt, b, len - 1, &len2), LRS_OPTIM_EINVAL);
    expect_error(a->opt, "bytes");
    for (size_t i = 0; i < len + 1; i++)
        assert_int_equal(b[i], 0xAB);
    assert_int_equal(lrs_optim_save_buffer(a->opt, b, len + 1, &len2), 0);
    assert_int_equal(len2, len);
    /* The same bytes as the file. */
    char path[300];
    path_of(path, "buffer.ckpt");
    assert_int_equal(lrs_optim_save(a->opt, path), 0);
    FILE *fp = fopen(path, "rb");
    unsigned char *fb = malloc(len + 1);
    assert_int_equal(fread(fb, 1, len + 1, fp), len);
    fclose(fp);
    assert_memory_equal(fb, b, len);
    /* A fresh optimizer resumes from the buffer bit for bit. */
    fix *c = make(LRS_OPTIM_ADAMW, 1);
    memcpy(c->p, a->p, sizeof c->p);
    assert_int_equal(lrs_optim_load_buffer(c->opt, b, len, 0), 0);
    steps(c, 3, 8);
    assert_memory_equal(ref->p, c->p, sizeof c->p);
    /* Truncated and extended buffers are refused. */
    assert_int_equal(lrs_optim_load_buffer(c->opt, b, len - 1, 0), LRS_OPTIM_ECORRUPT);
    expect_error(c->opt, "truncated");
    assert_int_equal(lrs_optim_load_buffer(c->opt, b, len + 1, 0), LRS_OPTIM_ECORRUPT);
    expect_error(c->opt, "trailing");
    free(b), free(fb);
    destroy(ref), destroy(a), destroy(c);
}

static int setup(void **state)
{
    (void)state;
    return rtt_make_dir(dir, sizeof dir, "lrs-hostile");
}

static int teardown(void **state)
{
    (void)state;
    return rtt_remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_and_foreign_handles),
        cmocka_unit_test(test_scheduled_values_validated_every_step),
        cmocka_unit_test(test_impossible_contents_rejected),
        cmocka_unit_test(test_save_keeps_mode_and_refuses_links),
        cmocka_unit_test(test_fifo_and_device_never_block),
        cmocka_unit_test(test_binding_mismatch_is_an_error),
        cmocka_unit_test(test_buffer_round_trip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
