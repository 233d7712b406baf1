/* rt_internal.h — what the optimizer runtime's files share: the per-step
 * hyperparameter block the kernels read, the per-ISA kernel tables, and the
 * optimizer object itself. Nothing here is part of the public API. */
#ifndef LRS_RT_INTERNAL_H
#define LRS_RT_INTERNAL_H

#include "lrs.h"

#include <stddef.h>
#include <stdint.h>

#define LRS_RT_NKINDS 6
#define LRS_RT_MAX_STATE 3
/* Every buffer is processed in chunks of this many elements. Chunks are the
 * unit of threading and of the norm reduction, so results cannot depend on
 * the thread count; the size is a multiple of every vector width. */
#define LRS_RT_CHUNK ((size_t)16384)
/* Below this many elements a group is updated on the calling thread only:
 * waking the OpenMP team costs more than it saves. */
#define LRS_RT_PAR_MIN ((size_t)1 << 16)
#define LRS_RT_ALIGN 64

/* Kernel flags: loop-invariant, so the branches on them predict perfectly. */
enum {
    LRS_RT_MAXIMIZE = 1u << 0,  /* negate the gradient first */
    LRS_RT_L2 = 1u << 1,        /* g += wd * p (coupled weight decay) */
    LRS_RT_DECOUPLED = 1u << 2, /* p *= decay before the update (AdamW, Lion) */
    LRS_RT_AMSGRAD = 1u << 3,
    LRS_RT_NESTEROV = 1u << 4,
    LRS_RT_CENTERED = 1u << 5,
    LRS_RT_MOMENTUM = 1u << 6, /* SGD / RMSprop: momentum is non-zero this step */
    LRS_RT_FIRST = 1u << 7     /* SGD: momentum buffer not yet initialised */
};

/* The hyperparameters of one group for one step, already rounded to float
 * the way torch.optim rounds Python scalars when it calls tensor ops. */
typedef struct lrs_rt_hp {
    float neg_lr; /* -lr (SGD, RMSprop, Lion), -step_size (Adam), -clr (Adagrad) */
    float wd;     /* coupled weight decay */
    float decay;  /* 1 - lr * wd, decoupled weight decay */
    float b1;     /* beta1, or momentum (SGD, RMSprop) */
    float omb1;   /* 1 - beta1, or 1 - dampening (SGD) */
    float b2;     /* beta2, or alpha (RMSprop) */
    float omb2;   /* 1 - beta2, or 1 - alpha */
    float bc2_sqrt, eps;
    unsigned flags;
} lrs_rt_hp;

typedef void (*lrs_rt_update_fn)(const lrs_rt_hp *h, float *restrict p, const float *restrict g,
                                 float *restrict s0, float *restrict s1, float *restrict s2,
                                 size_t n);

/* The 16-bit formats of a group's model (lrs_optim_dtype's values): its
 * gradients are read in that format and its parameters also written in
 * it. LRS_RT_F32 is a float32 group. */
enum { LRS_RT_F32 = 0, LRS_RT_BF16 = LRS_OPTIM_BFLOAT16, LRS_RT_F16 = LRS_OPTIM_FLOAT16 };
#define LRS_RT_N16 2 /* the 16-bit formats; a table row per format, [dtype - 1] */

/* The 16-bit instance: g is in the group's 16-bit format, and every
 * parameter stored into p is also stored rounded to that format into p16. */
typedef void (*lrs_rt_update16_fn)(const lrs_rt_hp *h, float *restrict p,
                                   const uint16_t *restrict g, float *restrict s0,
                                   float *restrict s1, float *restrict s2, uint16_t *restrict p16,
                                   size_t n);

/* One SIMD path. Every entry computes element i from element i only, so a
 * range may be split anywhere that is a multiple of 16 elements. */
typedef struct lrs_rt_kernels {
    const char *name;
    lrs_rt_update_fn update[LRS_RT_NKINDS];
    /* By 16-bit format ([LRS_RT_BF16 - 1], [LRS_RT_F16 - 1]), then by kernel. */
    lrs_rt_update16_fn update16[LRS_RT_N16][LRS_RT_NKINDS];
    /* Same streams as an update (p, g and the non-NULL states read, p and the
     * states written) with trivial arithmetic: the memory-bound yardstick. */
    lrs_rt_update_fn roofline;
    /* Sum of squares in double over 16 fixed lanes, lanes added in order:
     * squares of floats are exact in double, so every path gives the same bits. */
    double (*sumsq)(const float *g, size_t n);
    /* g *= s; returns non-zero if any input was NaN or infinite. */
    int (*scale)(float *g, size_t n, float s);
    /* Non-zero if every element is finite. */
    int (*finite)(const float *g, size_t n);
    /* The three above over 16-bit gradients, by format as update16 (scale
     * rounds the products back to the format). */
    double (*sumsq16[LRS_RT_N16])(const uint16_t *g, size_t n);
    int (*scale16[LRS_RT_N16])(uint16_t *g, size_t n, float s);
    int (*finite16[LRS_RT_N16])(const uint16_t *g, size_t n);
} lrs_rt_kernels;

extern const lrs_rt_kernels lrs_rt_kernels_scalar;
#if defined(__x86_64__)
extern const lrs_rt_kernels lrs_rt_kernels_avx2;
extern const lrs_rt_kernels lrs_rt_kernels_avx512;
extern const lrs_rt_kernels lrs_rt_kernels_avx512bf16;
#endif

/* The best path the CPU supports, or the one LRS_SIMD names when the CPU
 * supports it (otherwise the best one below it). */
const lrs_rt_kernels *lrs_rt_simd_select(void);
/* The path called `name` if this CPU can run it, else NULL. */
const lrs_rt_kernels *lrs_rt_simd_by_name(const char *name);

/* A hyperparameter bound to a schedule: value = scale * schedule(step). */
/* Longest schedule identity a binding records (lrs_optim_bind_id). */
#define LRS_RT_ID_MAX 32

typedef struct lrs_rt_binding {
    lrs_fn fn;
    double (*cb)(void *user, int64_t step);
    void *user;
    double scale;
    lrs_reactive_fn rfn; /* a reactive schedule, reading sig's detectors */
    const lrs_signals *sig;
    char id[LRS_RT_ID_MAX]; /* not NUL-terminated when full */
} lrs_rt_binding;

/* Whether the binding holds a schedule. */
#define LRS_RT_BOUND(b) ((b).fn || (b).cb || (b).rfn)

enum { LRS_RT_MAX_SIGNALS = 8 }; /* signal states saved with the checkpoint */

/* Hyperparameters: the schedulable ones first (LRS_RT_NH of them), then the
 * constant-only ones, which share the validation table. */
enum {
    LRS_RT_H_LR,
    LRS_RT_H_MOMENTUM,
    LRS_RT_H_BETA1,
    LRS_RT_H_BETA2,
    LRS_RT_H_WD,
    LRS_RT_NH,
    LRS_RT_H_DAMPENING = LRS_RT_NH,
    LRS_RT_H_EPS,
    LRS_RT_H_ALPHA,
    LRS_RT_H_LR_DECAY,
    LRS_RT_H_INIT_ACC,
    LRS_RT_NHALL
};

/* A hyperparameter's name, field and valid range: lo <= v < hi, and finite. */
typedef struct lrs_rt_hparam_info {
    const char *name;
    size_t offset; /* of its double in lrs_optim_hparams */
    double lo, hi;
} lrs_rt_hparam_info;
extern const lrs_rt_hparam_info lrs_rt_hparams[LRS_RT_NHALL];

typedef struct lrs_rt_group {
    float *params;
    float *grads;
    /* A 16-bit model (lrs_optim_add_group16): gradients read from grads16
     * instead of grads, parameters also written to params16; else NULL and
     * dtype LRS_RT_F32. */
    uint16_t *params16, *grads16;
    int dtype;
    size_t n;
    lrs_optim_hparams hp;
    float *state[LRS_RT_MAX_STATE]; /* 64-byte aligned, owned */
    int64_t t;                      /* steps this group has taken */
    int momentum_init;              /* SGD: momentum buffer holds a value */
    lrs_rt_binding bind[LRS_RT_NH];
    double cur[LRS_RT_NH]; /* values used by the last step */
} lrs_rt_group;

enum { LRS_RT_GRADS_UNKNOWN, LRS_RT_GRADS_FINITE, LRS_RT_GRADS_NONFINITE };

/* The first word of every live optimizer; cleared when it is freed. */
#define LRS_RT_MAGIC 0x4d4954504f53524cull /* "LRSOPTIM" */

struct lrs_optim {
    uint64_t magic;
    lrs_optim_kind kind;
    const lrs_rt_kernels *k;
    lrs_rt_group *groups;
    size_t ngroups, cap;
    int64_t step;
    int threads;
    int skip_nonfinite;
    int grads_state;                          /* what the last check/clip/unscale learned */
    lrs_signals *signals[LRS_RT_MAX_SIGNALS]; /* saved and restored with checkpoints */
    size_t nsignals;
    double *partial; /* per-chunk partial sums for the norm */
    size_t npartial;
    char err[256];
};

/* Non-zero if `opt` is a live optimizer (not NULL, not another object). */
int lrs_rt_valid(const lrs_optim *opt);
/* The error for a handle that is not one: no message can be stored. */
#define LRS_RT_CHECK(opt)                                                                          \
    do {                                                                                           \
        if (!lrs_rt_valid(opt)) return LRS_OPTIM_EINVAL;                                           \
    } while (0)

/* Record a formatted error message; returns `code`. */
int lrs_rt_fail(lrs_optim *opt, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* One optimizer kind (the rows are in rt_kinds.c). */
typedef struct lrs_rt_kind {
    const char *name;
    /* State buffers by slot (PyTorch's names); NULL: the slot is unused. */
    const char *state[LRS_RT_MAX_STATE];
    /* Bit k: slot k never holds a negative value (checked on load). */
    unsigned nonneg;
    /* The schedulable hyperparameters, bits of LRS_RT_H_*. */
    unsigned hparams;
    lrs_optim_hparams defaults;
    /* Checks beyond the ranges of lrs_rt_hparams: the problem, or NULL. May be NULL. */
    const char *(*check)(const lrs_optim_hparams *h);
    /* Whether a group needs buffer `slot` given its hyperparameters and bindings. */
    int (*needs)(const lrs_rt_group *g, int slot);
    /* Initial value of a fresh buffer; NULL: zero. */
    float (*init)(const lrs_optim_hparams *h, int slot);
    /* Index of the kernel in lrs_rt_kernels.update (kinds may share one). */
    int kernel;
    /* Complete a step's kernel block from the values v[LRS_RT_NH] of this
     * step; neg_lr, wd, decay, eps and MAXIMIZE are already set. */
    void (*prepare)(lrs_rt_hp *h, const lrs_rt_group *g, const double *v);
} lrs_rt_kind;
extern const lrs_rt_kind lrs_rt_kinds[];

/* Name of a kind's state slot, or NULL if the kind does not use it. */
const char *lrs_rt_state_name(lrs_optim_kind kind, int slot);
/* Whether the group needs buffer `slot` given its hyperparameters and bindings. */
int lrs_rt_state_needed(lrs_optim_kind kind, const lrs_rt_group *g, int slot);

/* torch.optim's constructor checks plus finiteness; records the error. */
int lrs_rt_check_hparams(lrs_optim *opt, const lrs_optim_hparams *h);
/* cur[] := the group's constants (what lrs_optim_hparam reports before a step). */
void lrs_rt_reset_cur(lrs_rt_group *g);
const char *lrs_rt_kind_name(int kind);
/* The benchmarks' yardstick: the roofline kernel over every group's streams. */
void lrs_rt_roofline_step(lrs_optim *opt);

/* Fill a fresh state buffer with its initial value. */
void lrs_rt_state_fill(lrs_optim_kind kind, const lrs_optim_hparams *hp, int slot, float *buf,
                       size_t n);

float *lrs_rt_alloc(size_t n);
void lrs_rt_dealloc(float *p);

#endif /* LRS_RT_INTERNAL_H */
