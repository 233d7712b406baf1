/* lrs_ir.c — IR construction with constant folding and hash-consing, the
 * one definition of each operation's semantics, and straight-line code for
 * the reference interpreter. */
#include "lrs_ir.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Facts about each operation, one row each (lrs_ir.h):
 *                   name      arity boolean integer discontinuous */
static const lrs_irfacts op_facts[IR_NOPS] = {
    [IR_CONST] = {"const", 0, 0, 0, 0}, [IR_STEP] = {"step", 0, 0, 1, 0},
    [IR_NOISE] = {"noise", 0, 0, 0, 0}, [IR_INPUT] = {"input", 0, 0, 0, 0},
    [IR_NEG] = {"neg", 1, 0, 0, 0},     [IR_NOT] = {"not", 1, 1, 1, 1},
    [IR_ABS] = {"abs", 1, 0, 0, 0},     [IR_FLOOR] = {"floor", 1, 0, 1, 1},
    [IR_CEIL] = {"ceil", 1, 0, 1, 1},   [IR_ROUND] = {"round", 1, 0, 1, 1},
    [IR_SQRT] = {"sqrt", 1, 0, 0, 0},   [IR_EXP] = {"exp", 1, 0, 0, 0},
    [IR_LOG] = {"log", 1, 0, 0, 0},     [IR_LOG2] = {"log2", 1, 0, 0, 0},
    [IR_SIN] = {"sin", 1, 0, 0, 0},     [IR_COS] = {"cos", 1, 0, 0, 0},
    [IR_TANH] = {"tanh", 1, 0, 0, 0},   [IR_PICK] = {"pick", 1, 0, 0, 1},
    [IR_INDEX] = {"index", 1, 0, 1, 1}, [IR_ADD] = {"add", 2, 0, 0, 0},
    [IR_SUB] = {"sub", 2, 0, 0, 0},     [IR_MUL] = {"mul", 2, 0, 0, 0},
    [IR_DIV] = {"div", 2, 0, 0, 0},     [IR_POW] = {"pow", 2, 0, 0, 0},
    [IR_MIN] = {"min", 2, 0, 0, 0},     [IR_MAX] = {"max", 2, 0, 0, 0},
    [IR_MOD] = {"mod", 2, 0, 0, 1},     [IR_LT] = {"lt", 2, 1, 1, 1},
    [IR_LE] = {"le", 2, 1, 1, 1},       [IR_GT] = {"gt", 2, 1, 1, 1},
    [IR_GE] = {"ge", 2, 1, 1, 1},       [IR_EQ] = {"eq", 2, 1, 1, 1},
    [IR_NE] = {"ne", 2, 1, 1, 1},       [IR_AND] = {"and", 2, 1, 1, 1},
    [IR_OR] = {"or", 2, 1, 1, 1},       [IR_SELECT] = {"select", 3, 0, 0, 0},
};

const lrs_irfacts *lrs_ir_facts(lrs_irop op)
{
    return &op_facts[op];
}
int lrs_ir_arity(lrs_irop op)
{
    return op_facts[op].arity;
}
const char *lrs_ir_name(lrs_irop op)
{
    return op_facts[op].name;
}

/* min/max follow C's fmin/fmax except that a NaN operand gives NaN: a NaN
 * must never be hidden by a clamp, or the checker could not see it. */
static double nan_min(double a, double b)
{
    return a != a || b != b ? NAN : a < b ? a : b;
}
static double nan_max(double a, double b)
{
    return a != a || b != b ? NAN : a > b ? a : b;
}

double lrs_ir_apply(lrs_irop op, double a, double b)
{
    switch (op) {
    case IR_NEG:
        return -a;
    case IR_NOT:
        return a == 0 ? 1 : 0;
    case IR_ABS:
        return fabs(a);
    case IR_FLOOR:
        return floor(a);
    case IR_CEIL:
        return ceil(a);
    case IR_ROUND:
        return round(a);
    case IR_SQRT:
        return sqrt(a);
    case IR_EXP:
        return exp(a);
    case IR_LOG:
        return log(a);
    case IR_LOG2:
        return log2(a);
    case IR_SIN:
        return sin(a);
    case IR_COS:
        return cos(a);
    case IR_TANH:
        return tanh(a);
    case IR_ADD:
        return a + b;
    case IR_SUB:
        return a - b;
    case IR_MUL:
        return a * b;
    case IR_DIV:
        return a / b;
    case IR_POW:
        /* x ^ 2 is x * x: the square correctly rounded (glibc's pow is
         * within 0.52 ulp, not always the nearest double), and one
         * multiplication in native code instead of a call. */
        return b == 2 ? a * a : pow(a, b);
    case IR_MIN:
        return nan_min(a, b);
    case IR_MAX:
        return nan_max(a, b);
    case IR_MOD: {
        /* Floored, the sign of b, as Python's float % (CPython's
         * float_rem): fmod is exact, so a non-negative a and a positive b
         * give a value in [0, b), which a - b * floor(a / b) does not
         * (it rounds to -7e-12 at a = 64269, b = 1.737). */
        double r = fmod(a, b);
        if (r != 0 && (r < 0) != (b < 0)) return r + b;
        if (r == 0) return b < 0 ? -0.0 : 0.0;
        return r;
    }
    case IR_LT:
        return a < b;
    case IR_LE:
        return a <= b;
    case IR_GT:
        return a > b;
    case IR_GE:
        return a >= b;
    case IR_EQ:
        return a == b;
    case IR_NE:
        return a != b;
    case IR_AND:
        return a != 0 && b != 0;
    case IR_OR:
        return a != 0 || b != 0;
    case IR_CONST: /* no operands: not applied to constants */
    case IR_PICK:  /* tables: lrs_ir_table_apply */
    case IR_INDEX:
    case IR_STEP:
    case IR_NOISE:
    case IR_INPUT:
    case IR_SELECT:
    case IR_NOPS:
        break;
    }
    return NAN;
}

uint32_t lrs_ir_pick_entry(uint32_t n, double a)
{
    /* every comparison is false for NaN: entry 0 */
    return a >= (double)(n - 1) ? n - 1 : a >= 1 ? (uint32_t)a : 0;
}

double lrs_ir_table_apply(lrs_irop op, const double *tab, uint32_t n, double a)
{
    if (op == IR_PICK) return tab[lrs_ir_pick_entry(n, a)];
    /* bisect_right: the first entry that a is not >= (all of them for NaN) */
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a >= tab[mid])
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* splitmix64's finaliser over (step, seed): reproducible across platforms
 * and backends, and cheap in generated code. */
double lrs_ir_noise_value(int64_t step, double seed)
{
    uint64_t x = (uint64_t)step * LRS_NOISE_STEP_MUL + (uint64_t)(int64_t)seed;
    x ^= x >> LRS_NOISE_SHIFT1;
    x *= LRS_NOISE_MUL1;
    x ^= x >> LRS_NOISE_SHIFT2;
    x *= LRS_NOISE_MUL2;
    x ^= x >> LRS_NOISE_SHIFT3;
    return (double)(x >> LRS_NOISE_DROP) * LRS_NOISE_SCALE - 1.0;
}

void lrs_ir_init(lrs_ir *ir)
{
    memset(ir, 0, sizeof *ir);
}

void lrs_ir_free(lrs_ir *ir)
{
    free(ir->nodes);
    free(ir->table);
    free(ir->pool);
    free(ir->tabs);
    memset(ir, 0, sizeof *ir);
}

static uint64_t hash_node(const lrs_irnode *n)
{
    uint64_t kbits;
    memcpy(&kbits, &n->k, sizeof kbits);
    uint64_t h = n->op * 0x100000001B3ull;
    h = (h ^ n->a) * 0x9E3779B97F4A7C15ull;
    h = (h ^ n->b) * 0x9E3779B97F4A7C15ull;
    h = (h ^ n->c) * 0x9E3779B97F4A7C15ull;
    h = (h ^ kbits) * 0x9E3779B97F4A7C15ull;
    /* splitmix64's finaliser: the table uses the low bits, which the
     * products above fill from the operands' low bits only */
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBull;
    return h ^ (h >> 31);
}

static int same(const lrs_irnode *x, const lrs_irnode *y)
{
    return x->op == y->op && x->a == y->a && x->b == y->b && x->c == y->c &&
           memcmp(&x->k, &y->k, sizeof x->k) == 0;
}

static int grow_table(lrs_ir *ir)
{
    size_t cap = ir->tcap ? ir->tcap * 2 : 256;
    uint32_t *t = malloc(cap * sizeof *t);
    if (!t) return -1;
    for (size_t i = 0; i < cap; i++)
        t[i] = LRS_IR_NONE;
    for (size_t i = 0; i < ir->n; i++) {
        size_t h = hash_node(&ir->nodes[i]) & (cap - 1);
        while (t[h] != LRS_IR_NONE)
            h = (h + 1) & (cap - 1);
        t[h] = (uint32_t)i;
    }
    free(ir->table);
    ir->table = t;
    ir->tcap = cap;
    return 0;
}

/* Whether k more nodes or pool entries stay within the limit; at the
 * limit the IR stops growing (LRS_IR_FULL). */
static int room(lrs_ir *ir, size_t k)
{
    if (!ir->limit || ir->n + ir->npool + k <= ir->limit) return 1;
    ir->oom = LRS_IR_FULL;
    return 0;
}

static uint32_t intern(lrs_ir *ir, lrs_irnode n)
{
    if (ir->oom) return 0;
    if ((ir->n + 1) * 2 > ir->tcap && grow_table(ir)) goto oom;
    size_t h = hash_node(&n) & (ir->tcap - 1);
    while (ir->table[h] != LRS_IR_NONE) {
        if (same(&ir->nodes[ir->table[h]], &n)) return ir->table[h];
        h = (h + 1) & (ir->tcap - 1);
    }
    if (!room(ir, 1)) return 0;
    if (ir->n == ir->cap) {
        size_t cap = ir->cap ? ir->cap * 2 : 256;
        lrs_irnode *p = realloc(ir->nodes, cap * sizeof *p);
        if (!p) goto oom;
        ir->nodes = p;
        ir->cap = cap;
    }
    ir->nodes[ir->n] = n;
    ir->table[h] = (uint32_t)ir->n;
    return (uint32_t)ir->n++;
oom:
    ir->oom = 1;
    return 0;
}

static lrs_irnode mk(lrs_irop op, uint32_t a, uint32_t b, uint32_t c, double k)
{
    lrs_irnode n = {(uint8_t)op, a, b, c, k};
    return n;
}

uint32_t lrs_ir_const(lrs_ir *ir, double k)
{
    if (k == 0) k = 0.0; /* one zero: -0.0 and 0.0 fold the same */
    if (k != k) k = NAN; /* one NaN */
    return intern(ir, mk(IR_CONST, LRS_IR_NONE, LRS_IR_NONE, LRS_IR_NONE, k));
}

uint32_t lrs_ir_step(lrs_ir *ir)
{
    return intern(ir, mk(IR_STEP, LRS_IR_NONE, LRS_IR_NONE, LRS_IR_NONE, 0));
}

uint32_t lrs_ir_noise(lrs_ir *ir, double seed)
{
    return intern(ir, mk(IR_NOISE, LRS_IR_NONE, LRS_IR_NONE, LRS_IR_NONE, seed));
}

uint32_t lrs_ir_input(lrs_ir *ir, uint32_t slot, double initial, int count)
{
    return intern(ir, mk(IR_INPUT, slot, LRS_IR_NONE, count ? 1 : LRS_IR_NONE, initial));
}

/* Whether node x is a whole number in [0, *hi] at every step: a count
 * detector, or min/max of counts and whole constants >= 0. */
static int whole_count(const lrs_ir *ir, uint32_t x, double *hi)
{
    const lrs_irnode *n = &ir->nodes[x];
    double k, ha, hb;
    if (n->op == IR_INPUT && n->c == 1) {
        *hi = INFINITY;
        return 1;
    }
    if (lrs_ir_is_const(ir, x, &k) && k >= 0 && k == floor(k)) {
        *hi = k;
        return 1;
    }
    if ((n->op == IR_MIN || n->op == IR_MAX) && whole_count(ir, n->a, &ha) &&
        whole_count(ir, n->b, &hb)) {
        *hi = n->op == IR_MIN ? fmin(ha, hb) : fmax(ha, hb);
        return 1;
    }
    return 0;
}

enum { POW_TABLE = 8 };

/* k ^ n for a count n as a select over k^0 .. k^8, each folded here by
 * lrs_ir_apply (so exactly what pow gives), and pow itself only past that:
 * `0.1 ^ plateaus(sig)` costs compares, not a call, in every backend. */
static uint32_t pow_count(lrs_ir *ir, double k, uint32_t a, uint32_t n, double hi)
{
    uint32_t r = lrs_ir_const(ir, lrs_ir_apply(IR_POW, k, 0));
    for (int j = 1; j <= POW_TABLE && j <= hi; j++)
        r = lrs_ir_select(ir, lrs_ir_bin(ir, IR_GE, n, lrs_ir_const(ir, j)),
                          lrs_ir_const(ir, lrs_ir_apply(IR_POW, k, j)), r);
    if (hi > POW_TABLE)
        r = lrs_ir_select(ir, lrs_ir_bin(ir, IR_GE, n, lrs_ir_const(ir, POW_TABLE + 1)),
                          intern(ir, mk(IR_POW, a, n, LRS_IR_NONE, 0)), r);
    return r;
}

int lrs_ir_is_const(const lrs_ir *ir, uint32_t x, double *k)
{
    if (ir->oom || x >= ir->n || ir->nodes[x].op != IR_CONST) return 0;
    if (k) *k = ir->nodes[x].k;
    return 1;
}

double lrs_ir_value(const lrs_ir *ir, uint32_t x)
{
    double k = NAN;
    lrs_ir_is_const(ir, x, &k);
    return k;
}

/* A unary op that rounds to an integer: the identity on integers. */
static int rounds(lrs_irop op)
{
    return op_facts[op].arity == 1 && op_facts[op].integer && !op_facts[op].boolean;
}

uint32_t lrs_ir_un(lrs_ir *ir, lrs_irop op, uint32_t a)
{
    double ka;
    if (lrs_ir_is_const(ir, a, &ka)) return lrs_ir_const(ir, lrs_ir_apply(op, ka, 0));
    if (!ir->oom) {
        const lrs_irnode *n = &ir->nodes[a];
        if (op == IR_NEG && n->op == IR_NEG) return n->a;
        /* rounding (floor/ceil/round) an integer-valued node gives that node */
        if (rounds(op) && op_facts[n->op].integer) return a;
    }
    return intern(ir, mk(op, a, LRS_IR_NONE, LRS_IR_NONE, 0));
}

/* The operand that a op b always equals, for every double (NaN and the
 * infinities included), or LRS_IR_NONE. */
static uint32_t bin_identity(const lrs_ir *ir, lrs_irop op, uint32_t a, uint32_t b)
{
    double ka = 0, kb = 0;
    int ca = lrs_ir_is_const(ir, a, &ka), cb = lrs_ir_is_const(ir, b, &kb);
    if (op == IR_ADD) {
        if (ca && ka == 0 && !signbit(ka)) return b; /* 0 + -0 is 0, so only exact for b */
        if (cb && kb == 0) return a;
    }
    if (op == IR_SUB && cb && kb == 0) return a;
    if (op == IR_MUL && ca && ka == 1) return b;
    if ((op == IR_MUL || op == IR_DIV || op == IR_POW) && cb && kb == 1) return a;
    if (op == IR_MIN || op == IR_MAX) {
        double neutral = op == IR_MIN ? INFINITY : -INFINITY;
        if (cb && kb == neutral) return a;
        if (ca && ka == neutral) return b;
        if (a == b) return a;
        if (cb && !ir->oom && ir->nodes[a].op == op && ir->nodes[a].b == b) return a;
    }
    return LRS_IR_NONE;
}

uint32_t lrs_ir_bin(lrs_ir *ir, lrs_irop op, uint32_t a, uint32_t b)
{
    double ka = 0, kb = 0;
    if (lrs_ir_is_const(ir, a, &ka) && lrs_ir_is_const(ir, b, &kb))
        return lrs_ir_const(ir, lrs_ir_apply(op, ka, kb));
    uint32_t same = bin_identity(ir, op, a, b);
    if (same != LRS_IR_NONE) return same;
    double hi;
    if (op == IR_POW && lrs_ir_is_const(ir, a, &ka) && !ir->oom && whole_count(ir, b, &hi))
        return pow_count(ir, ka, a, b, hi);
    return intern(ir, mk(op, a, b, LRS_IR_NONE, 0));
}

uint32_t lrs_ir_select(lrs_ir *ir, uint32_t c, uint32_t a, uint32_t b)
{
    double kc;
    if (lrs_ir_is_const(ir, c, &kc)) return kc != 0 ? a : b;
    if (a == b) return a;
    return intern(ir, mk(IR_SELECT, c, a, b, 0));
}

/* ---- tables ---------------------------------------------------------------- */

uint64_t lrs_ir_hash_doubles(const double *v, uint32_t n)
{
    uint64_t h = 0xcbf29ce484222325ull ^ n;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t bits;
        memcpy(&bits, &v[i], sizeof bits);
        h = (h ^ bits) * 0x100000001B3ull;
        h ^= h >> 31;
    }
    return h;
}

enum { TAB_EMPTY = 0 }; /* a slot of ir->tabs: (offset << 32 | entries), entries >= 1 */

static int grow_tabs(lrs_ir *ir)
{
    size_t cap = ir->tabcap ? ir->tabcap * 2 : 64;
    uint64_t *t = calloc(cap, sizeof *t);
    if (!t) return -1;
    for (size_t i = 0; i < ir->tabcap; i++) {
        uint64_t e = ir->tabs[i];
        if (e == TAB_EMPTY) continue;
        size_t h = lrs_ir_hash_doubles(ir->pool + (e >> 32), (uint32_t)e) & (cap - 1);
        while (t[h] != TAB_EMPTY)
            h = (h + 1) & (cap - 1);
        t[h] = e;
    }
    free(ir->tabs);
    ir->tabs = t;
    ir->tabcap = cap;
    return 0;
}

/* The pool offset of the table v[0..n) (n >= 1), added if new; -1 when
 * memory or the limit ran out. */
static int64_t table_offset(lrs_ir *ir, const double *v, uint32_t n)
{
    if ((ir->ntabs + 1) * 2 > ir->tabcap && grow_tabs(ir)) return -1;
    size_t h = lrs_ir_hash_doubles(v, n) & (ir->tabcap - 1);
    for (; ir->tabs[h] != TAB_EMPTY; h = (h + 1) & (ir->tabcap - 1)) {
        uint64_t e = ir->tabs[h];
        if ((uint32_t)e == n && !memcmp(ir->pool + (e >> 32), v, n * sizeof *v))
            return (int64_t)(e >> 32);
    }
    if (!room(ir, n) || ir->npool + n > UINT32_MAX) return -1;
    if (ir->npool + n > ir->pcap) {
        size_t cap = ir->pcap ? ir->pcap : 1024;
        while (cap < ir->npool + n)
            cap *= 2;
        double *p = realloc(ir->pool, cap * sizeof *p);
        if (!p) return -1;
        ir->pool = p;
        ir->pcap = cap;
    }
    size_t off = ir->npool;
    memcpy(ir->pool + off, v, n * sizeof *v);
    ir->npool += n;
    ir->tabs[h] = (uint64_t)off << 32 | n;
    ir->ntabs++;
    return (int64_t)off;
}

uint32_t lrs_ir_table(lrs_ir *ir, lrs_irop op, const double *v, uint32_t n, uint32_t a)
{
    double ka;
    if (lrs_ir_is_const(ir, a, &ka)) return lrs_ir_const(ir, lrs_ir_table_apply(op, v, n, ka));
    if (ir->oom) return 0;
    if (op == IR_PICK && n == 1) return lrs_ir_const(ir, v[0]);
    int64_t off = table_offset(ir, v, n);
    if (off < 0) {
        if (!ir->oom) ir->oom = 1;
        return 0;
    }
    return intern(ir, mk(op, a, (uint32_t)off, n, 0));
}

/* ---- straight-line code ------------------------------------------------ */

/* The tables the code reads, copied into its own pool (each once), and
 * its table nodes' offsets moved there. */
static int copy_tables(const lrs_ir *ir, lrs_code *out)
{
    size_t need = 0;
    for (uint32_t i = 0; i < out->n; i++)
        if (out->ins[i].op == IR_PICK || out->ins[i].op == IR_INDEX) need = 1;
    if (!need) return 0;
    /* where each table of the IR's pool is in the code's, by IR offset */
    uint32_t *at = malloc((ir->npool + 1) * sizeof *at);
    if (!at) return -1;
    for (uint32_t i = 0; i < out->n; i++) {
        const lrs_irnode *n = &out->ins[i];
        if (n->op == IR_PICK || n->op == IR_INDEX) at[n->b] = LRS_IR_NONE;
    }
    need = 0;
    for (uint32_t i = 0; i < out->n; i++) {
        const lrs_irnode *n = &out->ins[i];
        if ((n->op == IR_PICK || n->op == IR_INDEX) && at[n->b] == LRS_IR_NONE) {
            at[n->b] = (uint32_t)need;
            need += n->c;
        }
    }
    out->pool = malloc(need * sizeof *out->pool);
    unsigned char *copied = calloc(ir->npool + 1, 1);
    if (!out->pool || !copied) {
        free(at);
        free(copied);
        return -1;
    }
    out->npool = (uint32_t)need;
    for (uint32_t i = 0; i < out->n; i++) {
        lrs_irnode *n = &out->ins[i];
        if (n->op != IR_PICK && n->op != IR_INDEX) continue;
        if (!copied[n->b]) memcpy(out->pool + at[n->b], ir->pool + n->b, n->c * sizeof *out->pool);
        copied[n->b] = 1;
        n->b = at[n->b];
    }
    free(at);
    free(copied);
    return 0;
}

int lrs_code_build(const lrs_ir *ir, uint32_t root, lrs_code *out)
{
    memset(out, 0, sizeof *out);
    if (ir->oom || root >= ir->n) return -1;
    uint32_t *map = malloc((root + 1) * sizeof *map);
    if (!map) return -1;
    for (uint32_t i = 0; i <= root; i++)
        map[i] = LRS_IR_NONE;
    /* Mark live nodes from the root down; operands precede users. */
    map[root] = 0;
    uint32_t live = 0;
    for (uint32_t i = root + 1; i-- > 0;) {
        if (map[i] == LRS_IR_NONE) continue;
        live++;
        const lrs_irnode *n = &ir->nodes[i];
        uint32_t ops[3] = {n->a, n->b, n->c};
        for (int j = 0; j < lrs_ir_arity(n->op); j++)
            map[ops[j]] = 0;
    }
    out->ins = malloc(live * sizeof *out->ins);
    if (!out->ins) {
        free(map);
        return -1;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i <= root; i++) {
        if (map[i] == LRS_IR_NONE) continue;
        lrs_irnode n = ir->nodes[i];
        int ar = lrs_ir_arity(n.op);
        if (ar > 0) n.a = map[n.a];
        if (ar > 1) n.b = map[n.b];
        if (ar > 2) n.c = map[n.c];
        map[i] = k;
        out->ins[k++] = n;
    }
    out->n = k;
    free(map);
    if (copy_tables(ir, out)) {
        lrs_code_free(out);
        return -1;
    }
    return 0;
}

void lrs_code_free(lrs_code *c)
{
    free(c->ins);
    free(c->pool);
    memset(c, 0, sizeof *c);
}

int lrs_code_reactive(const lrs_code *c)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (c->ins[i].op == IR_INPUT) return 1;
    return 0;
}

void lrs_code_digest(const lrs_code *c, void (*feed)(void *user, const unsigned char *p, size_t n),
                     void *user)
{
    unsigned char b[4 + 4 * 3 + 8];
    for (int k = 0; k < 4; k++)
        b[k] = (unsigned char)(c->n >> (8 * k));
    feed(user, b, 4);
    for (uint32_t i = 0; i < c->n; i++) {
        const lrs_irnode *x = &c->ins[i];
        uint64_t kbits;
        memcpy(&kbits, &x->k, sizeof kbits);
        uint32_t ops[4] = {x->op, x->a, x->b, x->c};
        for (int w = 0; w < 4; w++)
            for (int k = 0; k < 4; k++)
                b[4 * w + k] = (unsigned char)(ops[w] >> (8 * k));
        for (int k = 0; k < 8; k++)
            b[16 + k] = (unsigned char)(kbits >> (8 * k));
        feed(user, b, sizeof b);
    }
    for (int k = 0; k < 4; k++)
        b[k] = (unsigned char)(c->npool >> (8 * k));
    feed(user, b, 4);
    for (uint32_t i = 0; i < c->npool; i++) {
        uint64_t kbits;
        memcpy(&kbits, &c->pool[i], sizeof kbits);
        for (int k = 0; k < 8; k++)
            b[k] = (unsigned char)(kbits >> (8 * k));
        feed(user, b, 8);
    }
}

double lrs_code_eval(const lrs_code *c, int64_t step, double *v)
{
    return lrs_code_eval_det(c, step, NULL, v);
}

double lrs_code_eval_det(const lrs_code *c, int64_t step, const double *det, double *v)
{
    if (step < 0) step = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        const lrs_irnode *n = &c->ins[i];
        switch ((lrs_irop)n->op) {
        case IR_CONST:
            v[i] = n->k;
            break;
        case IR_STEP:
            v[i] = (double)step;
            break;
        case IR_NOISE:
            v[i] = lrs_ir_noise_value(step, n->k);
            break;
        case IR_INPUT:
            v[i] = det ? det[n->a] : n->k;
            break;
        case IR_SELECT:
            v[i] = v[n->a] != 0 ? v[n->b] : v[n->c];
            break;
        case IR_PICK:
        case IR_INDEX:
            v[i] = lrs_ir_table_apply(n->op, c->pool + n->b, n->c, v[n->a]);
            break;
        case IR_NEG:
        case IR_NOT:
        case IR_ABS:
        case IR_FLOOR:
        case IR_CEIL:
        case IR_ROUND:
        case IR_SQRT:
        case IR_EXP:
        case IR_LOG:
        case IR_LOG2:
        case IR_SIN:
        case IR_COS:
        case IR_TANH:
        case IR_ADD:
        case IR_SUB:
        case IR_MUL:
        case IR_DIV:
        case IR_POW:
        case IR_MIN:
        case IR_MAX:
        case IR_MOD:
        case IR_LT:
        case IR_LE:
        case IR_GT:
        case IR_GE:
        case IR_EQ:
        case IR_NE:
        case IR_AND:
        case IR_OR:
        case IR_NOPS:
            v[i] = lrs_ir_apply(n->op, v[n->a], n->b != LRS_IR_NONE ? v[n->b] : 0);
            break;
        }
    }
    return c->n ? v[c->n - 1] : NAN;
}
