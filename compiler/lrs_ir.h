/* lrs_ir.h — the schedule IR: a hash-consed DAG of pure double operations
 * over one input, the global step. Lowering produces it; the checker, the
 * interpreter and the LLVM backend consume it. Nodes are created after
 * their operands, so index order is a topological order.
 *
 * Semantics of every operation are defined once, in lrs_ir_apply(), which
 * the folder, the interpreter and the interval checker all use. */
#ifndef LRS_IR_H
#define LRS_IR_H

#include <stddef.h>
#include <stdint.h>

typedef enum lrs_irop {
    IR_CONST, /* k */
    IR_STEP,  /* (double)max(step, 0) */
    IR_NOISE, /* uniform in [-1, 1] from hash(max(step, 0), seed = k) */
    IR_INPUT, /* detector a of the detector array; k when there is none (before any report);
                 c = 1 for a count (whole numbers >= 0) */
    /* unary */
    IR_NEG,
    IR_NOT,
    IR_ABS,
    IR_FLOOR,
    IR_CEIL,
    IR_ROUND,
    IR_SQRT,
    IR_EXP,
    IR_LOG,
    IR_LOG2,
    IR_SIN,
    IR_COS,
    IR_TANH,
    IR_PICK,  /* entry clamp(floor(a), 0, c - 1) of the table at pool offset b with c entries
                 (entry 0 for NaN): pick(L, i) */
    IR_INDEX, /* how many entries of the sorted table at b (c entries, no NaN) are <= a,
                 found by binary search (0 for NaN): index(L, x) */
    /* binary */
    IR_ADD,
    IR_SUB,
    IR_MUL,
    IR_DIV,
    IR_POW,
    IR_MIN,
    IR_MAX,
    IR_MOD,
    IR_LT,
    IR_LE,
    IR_GT,
    IR_GE,
    IR_EQ,
    IR_NE,
    IR_AND,
    IR_OR, /* give 0.0 or 1.0 */
    /* ternary */
    IR_SELECT, /* a ? b : c */
    IR_NOPS
} lrs_irop;

enum { IR_FIRST_UNARY = IR_NEG, IR_FIRST_BINARY = IR_ADD };

#define LRS_IR_NONE UINT32_MAX

/* The steps the checker covers: IR_STEP ranges over [0, LRS_IR_STEP_LIMIT],
 * (double)INT64_MAX = 2^63 (every int64 step, as the code converts it). */
#define LRS_IR_STEP_LIMIT 0x1p63

typedef struct lrs_irnode {
    uint8_t op;
    uint32_t a, b, c; /* operand indices, LRS_IR_NONE when unused */
    double k;         /* IR_CONST value, IR_NOISE seed */
} lrs_irnode;

/* The IR stops growing at its size limit: nodes plus table entries. */
enum { LRS_IR_FULL = 2 };

typedef struct lrs_ir {
    lrs_irnode *nodes;
    size_t n, cap;
    uint32_t *table; /* hash-consing: open addressing over node indices */
    size_t tcap;
    double *pool; /* the entries of every IR_PICK and IR_INDEX table, each table once */
    size_t npool, pcap;
    uint64_t *tabs; /* the tables by content: open addressing over (offset << 32 | entries) */
    size_t ntabs, tabcap;
    size_t limit; /* nodes plus pool entries allowed (0: no limit) */
    int oom;      /* 1: an allocation failed; LRS_IR_FULL: the limit was reached;
                     either way the IR is unusable */
} lrs_ir;

/* What the passes and backends need to know about an operation. */
typedef struct lrs_irfacts {
    const char *name;
    int arity;
    int boolean;       /* gives 0.0 or 1.0 */
    int integer;       /* gives an integer (or an infinity or NaN) */
    int discontinuous; /* its value can jump as an operand changes by an ulp */
} lrs_irfacts;

const lrs_irfacts *lrs_ir_facts(lrs_irop op);
int lrs_ir_arity(lrs_irop op);
const char *lrs_ir_name(lrs_irop op);

void lrs_ir_init(lrs_ir *ir);
void lrs_ir_free(lrs_ir *ir);

/* Constructors fold constants and simple identities. */
uint32_t lrs_ir_const(lrs_ir *ir, double k);
uint32_t lrs_ir_step(lrs_ir *ir);
uint32_t lrs_ir_noise(lrs_ir *ir, double seed);
/* Detector `slot`, whose value before any report is `initial`; count:
 * its values are whole numbers >= 0 (plateaus, reports). */
uint32_t lrs_ir_input(lrs_ir *ir, uint32_t slot, double initial, int count);
uint32_t lrs_ir_un(lrs_ir *ir, lrs_irop op, uint32_t a);
uint32_t lrs_ir_bin(lrs_ir *ir, lrs_irop op, uint32_t a, uint32_t b);
uint32_t lrs_ir_select(lrs_ir *ir, uint32_t c, uint32_t a, uint32_t b);
/* pick (op IR_PICK) or index (IR_INDEX, over a sorted list without NaN)
 * of the n >= 1 constants v[] at a: the table is stored once per content,
 * and a constant a folds. */
uint32_t lrs_ir_table(lrs_ir *ir, lrs_irop op, const double *v, uint32_t n, uint32_t a);
/* The value of IR_PICK or IR_INDEX over the table tab[0..n) at a: the one
 * definition, for every backend. */
double lrs_ir_table_apply(lrs_irop op, const double *tab, uint32_t n, double a);
/* The entry IR_PICK reads at a, in [0, n). */
uint32_t lrs_ir_pick_entry(uint32_t n, double a);
/* A hash of the bits of v[0..n), for sharing tables by content. */
uint64_t lrs_ir_hash_doubles(const double *v, uint32_t n);

/* Nonzero if node x is a constant; its value in *k. */
int lrs_ir_is_const(const lrs_ir *ir, uint32_t x, double *k);
/* The value of node x if it is a constant, else NAN. */
double lrs_ir_value(const lrs_ir *ir, uint32_t x);

/* The value of a unary or binary op on constants (b ignored for unary). */
double lrs_ir_apply(lrs_irop op, double a, double b);
/* The noise value in [-1, 1] at (non-negative) step for a seed:
 * splitmix64's finaliser over step * LRS_NOISE_STEP_MUL + (uint64)seed,
 * its top 53 bits scaled to [-1, 1). Every backend computes it from these
 * constants, bit for bit. */
#define LRS_NOISE_STEP_MUL 0x9E3779B97F4A7C15ull
#define LRS_NOISE_MUL1 0xBF58476D1CE4E5B9ull
#define LRS_NOISE_MUL2 0x94D049BB133111EBull
enum { LRS_NOISE_SHIFT1 = 30, LRS_NOISE_SHIFT2 = 27, LRS_NOISE_SHIFT3 = 31, LRS_NOISE_DROP = 11 };
#define LRS_NOISE_SCALE (2.0 / 9007199254740992.0) /* 2 / 2^53 */
double lrs_ir_noise_value(int64_t step, double seed);

/* A straight-line program for one root: the live nodes in topological
 * order with operands renumbered to positions in `ins`; the result is the
 * last instruction. Owned by the caller (malloc). */
typedef struct lrs_code {
    lrs_irnode *ins;
    uint32_t n;
    double *pool; /* the tables its IR_PICK and IR_INDEX read (b: offset here), or NULL */
    uint32_t npool;
} lrs_code;

/* Returns 0, or -1 when memory ran out. */
int lrs_code_build(const lrs_ir *ir, uint32_t root, lrs_code *out);
void lrs_code_free(lrs_code *c);
/* Evaluate at a step with a caller-provided scratch of c->n doubles, with
 * the detectors before any report. */
double lrs_code_eval(const lrs_code *c, int64_t step, double *scratch);
/* The same with detector values det[] (NULL: before any report). */
double lrs_code_eval_det(const lrs_code *c, int64_t step, const double *det, double *scratch);
/* Nonzero if the code reads a detector. */
int lrs_code_reactive(const lrs_code *c);
/* Feed every instruction of c to `feed` as fixed-layout bytes (op, the
 * operands, the bits of k; little-endian), then the bits of its tables'
 * entries (the pool its IR_PICK and IR_INDEX read), for a digest of the code such
 * as the on-disk cache's key: two codes feed the same bytes only when
 * they compute the same thing. Whatever an instruction gains joins it. */
void lrs_code_digest(const lrs_code *c, void (*feed)(void *user, const unsigned char *p, size_t n),
                     void *user);

#endif
