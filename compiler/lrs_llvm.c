/* lrs_llvm.c — lowering of the schedule IR to LLVM IR, target machines
 * and the optimisation pipeline. Every IR op is lowered to the exact
 * semantics of lrs_ir_apply() (the interpreter's), so that without
 * fast-math the scalar functions give the interpreter's bits. */
#include "lrs_backend.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/Error.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- messages ------------------------------------------------------------ */

char *lrs_llvm_take_message(char *llvm_msg)
{
    char *s = strdup(llvm_msg ? llvm_msg : "unknown LLVM error");
    if (llvm_msg) LLVMDisposeMessage(llvm_msg);
    return s;
}

char *lrs_llvm_error(LLVMErrorRef e)
{
    return e ? lrs_llvm_take_message(LLVMGetErrorMessage(e)) : NULL;
}

char *lrs_llvm_symbol(const char *prefix, const char *name, int range)
{
    size_t n = strlen(prefix) + strlen(name) + sizeof "_range";
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s%s%s", prefix, name, range ? "_range" : "");
    return s;
}

/* ---- targets ------------------------------------------------------------- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_failed; /* written once under init_once */

static void init_native(void)
{
    init_failed = LLVMInitializeNativeTarget() || LLVMInitializeNativeAsmPrinter() ||
                  LLVMInitializeNativeAsmParser();
}

int lrs_llvm_init(char **err)
{
    pthread_once(&init_once, init_native);
    if (init_failed) {
        *err = strdup("LLVM has no native target for this machine");
        return -1;
    }
    return 0;
}

/* LLVM 19's x86 CPU names. LLVM only warns (on stderr) about a name it
 * does not know, and aborts in code generation on a CPU without 64-bit
 * mode, so names are checked here first: x86_64_cpus can run x86-64 code,
 * x86_32_cpus are LLVM's 32-bit-only ones. */
static const char *const x86_64_cpus =
    " alderlake amdfam10 arrowlake arrowlake-s arrowlake_s athlon-fx athlon64 athlon64-sse3"
    " atom atom_sse4_2 atom_sse4_2_movbe barcelona bdver1 bdver2 bdver3 bdver4 bonnell"
    " broadwell btver1 btver2 cannonlake cascadelake clearwaterforest cooperlake core-avx-i"
    " core-avx2 core2 core_2_duo_sse4_1 core_2_duo_ssse3 core_2nd_gen_avx core_3rd_gen_avx"
    " core_4th_gen_avx core_4th_gen_avx_tsx core_5th_gen_avx core_5th_gen_avx_tsx"
    " core_aes_pclmulqdq core_i7_sse4_2 corei7 corei7-avx emeraldrapids generic goldmont"
    " goldmont-plus goldmont_plus gracemont grandridge graniterapids graniterapids-d"
    " graniterapids_d haswell icelake-client icelake-server icelake_client icelake_server"
    " ivybridge k8 k8-sse3 knl knm lunarlake meteorlake mic_avx512 nehalem nocona opteron"
    " opteron-sse3 pantherlake penryn raptorlake rocketlake sandybridge sapphirerapids"
    " sierraforest silvermont skx skylake skylake-avx512 skylake_avx512 slm tigerlake tremont"
    " westmere x86-64 x86-64-v2 x86-64-v3 x86-64-v4 znver1 znver2 znver3 znver4 znver5 ";

static const char *const x86_32_cpus =
    " athlon athlon-4 athlon-mp athlon-tbird athlon-xp c3 c3-2 geode i386 i486 i586 i686 k6"
    " k6-2 k6-3 lakemont pentium pentium-m pentium-mmx pentium2 pentium3 pentium3m pentium4"
    " pentium4m pentium_4 pentium_4_sse3 pentium_ii pentium_iii pentium_iii_no_xmm_regs"
    " pentium_m pentium_mmx pentium_pro pentiumpro prescott winchip-c6 winchip2 yonah ";

/* Whether `cpu` is a word of the list `names` (' '-separated). */
static int cpu_in(const char *names, const char *cpu)
{
    size_t n = strlen(cpu);
    if (!n || strchr(cpu, ' ')) return 0;
    for (const char *p = strstr(names, cpu); p; p = strstr(p + 1, cpu))
        if (p[-1] == ' ' && p[n] == ' ') return 1;
    return 0;
}

static int has_feature(const char *features, const char *f)
{
    size_t n = strlen(f);
    for (const char *p = strstr(features, f); p; p = strstr(p + 1, f))
        if ((p == features || p[-1] == ',') && (p[n] == ',' || p[n] == 0)) return 1;
    return 0;
}

int lrs_llvm_target_new(const char *cpu, int pic, lrs_llvm_target *out, char **err)
{
    return lrs_llvm_target_new_level(cpu, pic, LLVMCodeGenLevelDefault, out, err);
}

int lrs_llvm_target_new_level(const char *cpu, int pic, LLVMCodeGenOptLevel level,
                              lrs_llvm_target *out, char **err)
{
    memset(out, 0, sizeof *out);
    if (lrs_llvm_init(err)) return -1;
    out->triple = lrs_llvm_take_message(LLVMGetDefaultTargetTriple());
    if (!out->triple) goto oom;
    int x86_64 = !strncmp(out->triple, "x86_64", 6);
    LLVMTargetRef target;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(out->triple, &target, &msg)) {
        *err = lrs_llvm_take_message(msg);
        goto fail;
    }
    char *host_cpu = NULL, *host_features = NULL;
    const char *name, *features = "";
    if (!cpu || !strcmp(cpu, "generic")) {
        name = x86_64 ? "x86-64" : "generic";
    } else if (!strcmp(cpu, "native")) {
        host_cpu = LLVMGetHostCPUName();
        host_features = LLVMGetHostCPUFeatures();
        name = host_cpu;
        features = host_features;
    } else {
        if (x86_64 && !cpu_in(x86_64_cpus, cpu)) {
            size_t n = strlen(cpu) + 160;
            *err = malloc(n);
            if (*err && cpu_in(x86_32_cpus, cpu))
                snprintf(*err, n,
                         "'%s' is not a CPU for x86-64 code: it has no 64-bit mode"
                         " (try generic, native, x86-64-v3 or a 64-bit CPU name)",
                         cpu);
            else if (*err)
                snprintf(*err, n, "'%s' is not a CPU LLVM knows for x86-64", cpu);
            lrs_llvm_target_free(out);
            return LRS_LLVM_EBADCPU;
        }
        name = cpu;
    }
    /* libmvec's variants need the matching ISA; a named CPU keeps to SSE2,
     * which every x86-64 has, since its features are not visible here. */
    if (x86_64) {
        out->vecmath = LRS_VEC_SSE;
        if (has_feature(features, "+avx2")) out->vecmath |= LRS_VEC_AVX2;
        if (has_feature(features, "+avx512f")) out->vecmath |= LRS_VEC_AVX512;
    }
    out->tm = LLVMCreateTargetMachine(target, out->triple, name, features, level,
                                      pic ? LLVMRelocPIC : LLVMRelocDefault, LLVMCodeModelDefault);
    if (host_cpu) LLVMDisposeMessage(host_cpu);
    if (host_features) LLVMDisposeMessage(host_features);
    if (!out->tm) {
        *err = strdup("LLVM could not create a target machine");
        goto fail;
    }
    return 0;
oom:
    *err = NULL;
fail:
    lrs_llvm_target_free(out);
    return -1;
}

void lrs_llvm_target_free(lrs_llvm_target *t)
{
    if (t->tm) LLVMDisposeTargetMachine(t->tm);
    free(t->triple);
    memset(t, 0, sizeof *t);
}

/* ---- lowering ------------------------------------------------------------- */

typedef struct llvm_lower {
    LLVMContextRef c;
    LLVMModuleRef m;
    LLVMBuilderRef b;
    LLVMTypeRef f64, i64, i1;
    const lrs_llvm_target *t;
    LLVMValueRef used[64]; /* vector variants kept alive for the vectoriser */
    unsigned nused;
    const double *pool;        /* the tables of the code being lowered (lrs_code.pool) */
    struct table_global *tabs; /* the module's constant arrays, one per distinct table */
    size_t ntabs, tabcap;
} llvm_lower;

/* A table of IR_PICK or IR_INDEX as a private constant array of the
 * module; schedules whose code reads the same entries share it. */
typedef struct table_global {
    const double *v;
    uint32_t n;
    uint64_t hash;
    LLVMValueRef g;
} table_global;

/* An intrinsic over doubles, e.g. "llvm.cos" -> llvm.cos.f64. */
static LLVMValueRef intrinsic(llvm_lower *L, const char *name, LLVMTypeRef ty, LLVMTypeRef *fty)
{
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    *fty = LLVMIntrinsicGetType(L->c, id, &ty, 1);
    return LLVMGetIntrinsicDeclaration(L->m, id, &ty, 1);
}

/* An attribute on a function, or (for a call) on the call site. */
static void add_enum_attr(llvm_lower *L, LLVMValueRef f, LLVMAttributeIndex at, const char *name,
                          uint64_t val)
{
    unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
    LLVMAttributeRef a = LLVMCreateEnumAttribute(L->c, kind, val);
    if (LLVMIsACallInst(f))
        LLVMAddCallSiteAttribute(f, at, a);
    else
        LLVMAddAttributeAtIndex(f, at, a);
}

/* A pure function of doubles: no memory, no unwinding, always returns. */
static void mark_pure(llvm_lower *L, LLVMValueRef f)
{
    add_enum_attr(L, f, LLVMAttributeFunctionIndex, "memory", 0);
    add_enum_attr(L, f, LLVMAttributeFunctionIndex, "nounwind", 0);
    add_enum_attr(L, f, LLVMAttributeFunctionIndex, "willreturn", 0);
    add_enum_attr(L, f, LLVMAttributeFunctionIndex, "nosync", 0);
    add_enum_attr(L, f, LLVMAttributeFunctionIndex, "nofree", 0);
}

/* The libmvec functions (glibc 2.22 and later, so every x86-64 glibc that
 * has libmvec) and their vector ABI names: b = SSE2, d = AVX2, e = AVX-512. */
static const struct {
    const char *libm;
    int arity, glibc235;
} vec_math[] = {{"cos", 1, 0}, {"sin", 1, 0},  {"exp", 1, 0}, {"log", 1, 0},
                {"pow", 2, 0}, {"tanh", 1, 1}, {"log2", 1, 1}};

/* Tell the loop vectoriser which libmvec function computes `callee` on a
 * vector: the vector-function-abi-variant attribute, with the variants
 * declared and kept alive (what LLVM's -vector-library=LIBMVEC-X86 does,
 * but limited to the ISAs the target really has). */
static void attach_vector_variants(llvm_lower *L, LLVMValueRef call, const char *callee)
{
    int v = -1;
    for (size_t i = 0; i < sizeof vec_math / sizeof *vec_math; i++)
        if (!strcmp(vec_math[i].libm, callee)) v = (int)i;
    if (v < 0 || !L->t || !L->t->vecmath) return;
    if (vec_math[v].glibc235 && !(L->t->vecmath & LRS_VEC_GLIBC235)) return;
    static const struct {
        int bit;
        char isa;
        unsigned lanes;
    } isas[] = {{LRS_VEC_SSE, 'b', 2}, {LRS_VEC_AVX2, 'd', 4}, {LRS_VEC_AVX512, 'e', 8}};
    char attr[512];
    size_t len = 0;
    const char *params = vec_math[v].arity == 2 ? "vv" : "v";
    for (size_t i = 0; i < 3; i++) {
        if (!(L->t->vecmath & isas[i].bit)) continue;
        char vname[64];
        snprintf(vname, sizeof vname, "_ZGV%cN%u%s_%s", isas[i].isa, isas[i].lanes, params,
                 vec_math[v].libm);
        len += (size_t)snprintf(attr + len, sizeof attr - len, "%s_ZGV_LLVM_N%u%s_%s(%s)",
                                len ? "," : "", isas[i].lanes, params, callee, vname);
        if (!LLVMGetNamedFunction(L->m, vname)) {
            LLVMTypeRef vt = LLVMVectorType(L->f64, isas[i].lanes);
            LLVMTypeRef ps[2] = {vt, vt};
            LLVMValueRef f = LLVMAddFunction(
                L->m, vname, LLVMFunctionType(vt, ps, (unsigned)vec_math[v].arity, 0));
            mark_pure(L, f);
            if (L->nused < sizeof L->used / sizeof *L->used) L->used[L->nused++] = f;
        }
    }
    LLVMAttributeRef a =
        LLVMCreateStringAttribute(L->c, "vector-function-abi-variant", 27, attr, (unsigned)len);
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, a);
}

/* An exact operation (floor, ceil, round, sqrt, fabs): an LLVM intrinsic,
 * which becomes an instruction where the target has one. */
static LLVMValueRef math1(llvm_lower *L, const char *name, LLVMValueRef x)
{
    LLVMTypeRef fty;
    LLVMValueRef f = intrinsic(L, name, L->f64, &fty);
    return LLVMBuildCall2(L->b, fty, f, &x, 1, "");
}

/* A transcendental function: a call of libm's, marked pure, and
 * `nobuiltin` so that LLVM keeps it as written. Its library-call
 * simplifications are not exact for glibc (pow(2, x) -> exp2(x),
 * pow(x, 0.5) -> sqrt(x) each differ from glibc's pow in the last bit now
 * and then), and the result must be the interpreter's bits (x ^ 2 is a
 * multiplication by lrs_ir_apply's definition, lowered as one). vec: offer libmvec's variants to
 * the loop vectoriser. */
static LLVMValueRef libm(llvm_lower *L, const char *name, LLVMValueRef *args, unsigned n, int vec)
{
    LLVMTypeRef ps[2] = {L->f64, L->f64};
    LLVMTypeRef fty = LLVMFunctionType(L->f64, ps, n, 0);
    LLVMValueRef f = LLVMGetNamedFunction(L->m, name);
    if (!f) {
        f = LLVMAddFunction(L->m, name, fty);
        mark_pure(L, f);
    }
    LLVMValueRef call = LLVMBuildCall2(L->b, fty, f, args, n, "");
    add_enum_attr(L, call, LLVMAttributeFunctionIndex, "nobuiltin", 0);
    add_enum_attr(L, call, LLVMAttributeFunctionIndex, "memory", 0);
    if (vec) attach_vector_variants(L, call, name);
    return call;
}

static LLVMValueRef kf(llvm_lower *L, double k)
{
    return LLVMConstReal(L->f64, k);
}
static LLVMValueRef ki(llvm_lower *L, uint64_t k)
{
    return LLVMConstInt(L->i64, k, 0);
}
static LLVMValueRef to_double(llvm_lower *L, LLVMValueRef flag)
{
    return LLVMBuildUIToFP(L->b, flag, L->f64, "");
}
static LLVMValueRef fcmp(llvm_lower *L, LLVMRealPredicate p, LLVMValueRef a, LLVMValueRef b)
{
    return LLVMBuildFCmp(L->b, p, a, b, "");
}

/* min/max as the interpreter's nan_min/nan_max: NaN if either operand is
 * NaN, else a < b ? a : b. Not llvm.minnum (which drops NaN) nor
 * llvm.minimum (which orders -0 before +0). */
static LLVMValueRef nan_minmax(llvm_lower *L, LLVMRealPredicate p, LLVMValueRef a, LLVMValueRef b,
                               int nan_free)
{
    LLVMValueRef pick = LLVMBuildSelect(L->b, fcmp(L, p, a, b), a, b, "");
    if (nan_free) return pick; /* neither operand can be NaN */
    return LLVMBuildSelect(L->b, fcmp(L, LLVMRealUNO, a, b), kf(L, NAN), pick, "");
}

/* mag[i] bounds |value| of instruction i at every step, or is INFINITY
 * when the value may be infinite or NaN: below 1e300 it is neither. The
 * bounds are generous (a factor above each rounding) and only serve to
 * drop NaN tests LLVM cannot drop itself. */
static void magnitudes(const lrs_code *code, double *mag)
{
    const double up = 1.000001, big = 1e300;
    for (uint32_t i = 0; i < code->n; i++) {
        const lrs_irnode *n = &code->ins[i];
        double ma = lrs_ir_arity(n->op) > 0 ? mag[n->a] : 0;
        double mb = lrs_ir_arity(n->op) > 1 ? mag[n->b] : 0;
        double kb = n->op >= IR_FIRST_BINARY && code->ins[n->b].op == IR_CONST
                        ? fabs(code->ins[n->b].k)
                        : 0;
        double m = INFINITY;
        if (lrs_ir_facts(n->op)->boolean) {
            mag[i] = 1; /* 0 or 1 */
            continue;
        }
        switch ((lrs_irop)n->op) {
        case IR_CONST:
            m = isfinite(n->k) ? fabs(n->k) : INFINITY;
            break;
        case IR_STEP:
            m = 9.3e18; /* (double)INT64_MAX is 2^63 */
            break;
        case IR_NOISE:
            m = 1;
            break;
        case IR_NEG:
        case IR_ABS:
        case IR_FLOOR:
        case IR_CEIL:
        case IR_ROUND:
            m = ma + 1;
            break;
        case IR_SIN:
        case IR_COS:
        case IR_TANH:
            m = ma < big ? 1 : INFINITY;
            break;
        case IR_EXP:
            m = ma < 700 ? exp(ma) * up : INFINITY;
            break;
        case IR_ADD:
        case IR_SUB:
            m = (ma + mb) * up;
            break;
        case IR_MUL:
            m = ma * mb * up;
            break;
        case IR_DIV:
            m = kb > 0 && isfinite(kb) ? ma / kb * up : INFINITY;
            break;
        case IR_MOD:
            m = kb > 0 && isfinite(kb) && ma / kb < big ? (2 * ma + kb) * up : INFINITY;
            break;
        case IR_MIN:
        case IR_MAX:
            m = ma > mb ? ma : mb;
            break;
        case IR_SELECT:
            m = mb > mag[n->c] ? mb : mag[n->c];
            break;
        case IR_PICK: /* its greatest entry */
            m = 0;
            for (uint32_t j = 0; j < n->c; j++)
                m = fmax(m, isfinite(code->pool[n->b + j]) ? fabs(code->pool[n->b + j]) : INFINITY);
            break;
        case IR_INDEX: /* 0 .. entries */
            m = n->c;
            break;
        case IR_INPUT: /* any value a detector reports */
        case IR_SQRT:
        case IR_LOG:
        case IR_LOG2:
        case IR_POW:
        case IR_NOT: /* booleans: handled above */
        case IR_LT:
        case IR_LE:
        case IR_GT:
        case IR_GE:
        case IR_EQ:
        case IR_NE:
        case IR_AND:
        case IR_OR:
        case IR_NOPS:
            break; /* no bound kept */
        }
        mag[i] = m < big ? m : INFINITY;
    }
}

/* x with the low `bits` bits of its significand cleared. */
static double clear_low_bits(double x, int bits)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    u &= ~(((uint64_t)1 << bits) - 1);
    memcpy(&x, &u, sizeof x);
    return x;
}

static LLVMValueRef libm(llvm_lower *L, const char *name, LLVMValueRef *args, unsigned n, int vec);

/* base ^ y for a constant base > 0 (not 1) in a range function's vector
 * code: exp(y ln base) with the product's rounding error put back, so
 * that the loop calls libmvec's exp instead of its several times slower
 * pow. ln base is taken in long double (64 bits or more) as hi + lo; y *
 * hi = t + e exactly by Dekker's product (Veltkamp's split of y, hi split
 * by its bits: no FMA needed, and LLVM contracts nothing without
 * fast-math), so exp(t) (1 + e + y lo) is within libmvec's exp error
 * and a rounding of the value: inside the 4 ulp that range functions
 * allow. Where that is not a number (y infinite or too large to split,
 * or exp(t) infinite), exp(t) alone: 0 or infinity, as pow. */
static LLVMValueRef pow_const_base(llvm_lower *L, double base, LLVMValueRef y)
{
    LLVMBuilderRef b = L->b;
    long double ln = logl((long double)base);
    double hi = (double)ln, lo = (double)(ln - (long double)hi);
    double hh = clear_low_bits(hi, 27), hl = hi - hh;
    LLVMValueRef t = LLVMBuildFMul(b, y, kf(L, hi), "");
    LLVMValueRef p = LLVMBuildFMul(b, y, kf(L, 134217729.0), ""); /* 2^27 + 1 */
    LLVMValueRef yh = LLVMBuildFSub(b, p, LLVMBuildFSub(b, p, y, ""), "");
    LLVMValueRef yl = LLVMBuildFSub(b, y, yh, "");
    LLVMValueRef e = LLVMBuildFSub(b, LLVMBuildFMul(b, yh, kf(L, hh), ""), t, "");
    e = LLVMBuildFAdd(b, e, LLVMBuildFMul(b, yh, kf(L, hl), ""), "");
    e = LLVMBuildFAdd(b, e, LLVMBuildFMul(b, yl, kf(L, hh), ""), "");
    e = LLVMBuildFAdd(b, e, LLVMBuildFMul(b, yl, kf(L, hl), ""), "");
    e = LLVMBuildFAdd(b, e, LLVMBuildFMul(b, y, kf(L, lo), ""), "");
    LLVMValueRef r = libm(L, "exp", &t, 1, 1);
    LLVMValueRef fixed = LLVMBuildFAdd(b, r, LLVMBuildFMul(b, r, e, ""), "");
    return LLVMBuildSelect(b, fcmp(L, LLVMRealUNO, fixed, fixed), r, fixed, "");
}

/* The seed of IR_NOISE as the interpreter converts it: (uint64)(int64)k,
 * with x86's answer (INT64_MIN) where C leaves the conversion undefined. */
static uint64_t noise_seed(double k)
{
    if (!(k > -9223372036854775808.0 - 1 && k < 9223372036854775808.0)) return (uint64_t)INT64_MIN;
    return (uint64_t)(int64_t)k;
}

/* IR_NOISE: lrs_ir_noise_value's splitmix64 finaliser in i64 arithmetic;
 * x >> 11 has 53 bits, so the signed conversion is exact. */
static LLVMValueRef noise(llvm_lower *L, LLVMValueRef step, double seed)
{
    LLVMBuilderRef b = L->b;
    LLVMValueRef x = LLVMBuildMul(b, step, ki(L, LRS_NOISE_STEP_MUL), "");
    x = LLVMBuildAdd(b, x, ki(L, noise_seed(seed)), "");
    x = LLVMBuildXor(b, x, LLVMBuildLShr(b, x, ki(L, LRS_NOISE_SHIFT1), ""), "");
    x = LLVMBuildMul(b, x, ki(L, LRS_NOISE_MUL1), "");
    x = LLVMBuildXor(b, x, LLVMBuildLShr(b, x, ki(L, LRS_NOISE_SHIFT2), ""), "");
    x = LLVMBuildMul(b, x, ki(L, LRS_NOISE_MUL2), "");
    x = LLVMBuildXor(b, x, LLVMBuildLShr(b, x, ki(L, LRS_NOISE_SHIFT3), ""), "");
    LLVMValueRef d = LLVMBuildSIToFP(b, LLVMBuildLShr(b, x, ki(L, LRS_NOISE_DROP), ""), L->f64, "");
    d = LLVMBuildFMul(b, d, kf(L, LRS_NOISE_SCALE), "");
    return LLVMBuildFSub(b, d, kf(L, 1.0), "");
}

/* ---- operations on a few constants ---------------------------------------- */

enum { MAX_LEAVES = 64 };

/* How many constants node n chooses between, from its operands' counts
 * (0: not a choice between constants): a constant, a select whose arms are
 * such choices, or (folded) an operation on one choice and constants. */
static uint32_t choice_size(const lrs_irnode *n, const uint32_t *leaves, int *folds)
{
    int ar = lrs_ir_arity(n->op);
    uint32_t m = 0;
    *folds = 0;
    if (n->op == IR_CONST) {
        m = 1;
    } else if (n->op == IR_SELECT) {
        m = leaves[n->b] && leaves[n->c] ? leaves[n->b] + leaves[n->c] : 0;
    } else if (n->op == IR_PICK || n->op == IR_INDEX) {
        m = 0; /* a table is not folded here (it is one load or search per step) */
    } else if (ar == 1 || ar == 2) {
        uint32_t la = leaves[n->a], lb = ar == 2 ? leaves[n->b] : 1;
        if (la && lb && (la > 1) + (lb > 1) == 1) m = la * lb, *folds = 1;
    }
    if (m > MAX_LEAVES) m = 0, *folds = 0;
    return m;
}

typedef struct folder {
    lrs_irnode *ins;
    uint32_t n, cap;
} folder;

static uint32_t fold_push(folder *F, lrs_irnode x)
{
    if (F->n == F->cap) {
        uint32_t cap = F->cap * 2 + 64;
        lrs_irnode *p = realloc(F->ins, cap * sizeof *p);
        if (!p) return LRS_IR_NONE;
        F->ins = p;
        F->cap = cap;
    }
    F->ins[F->n] = x;
    return F->n++;
}

/* op applied at every constant of the select tree t (in F), the other
 * operand the constant k (on the left when left): a tree of the same
 * shape. Depth at most MAX_LEAVES. */
static uint32_t fold_tree(folder *F, uint32_t t, uint8_t op, double k, int left)
{
    lrs_irnode x = F->ins[t];
    if (x.op == IR_CONST) {
        double v = left ? lrs_ir_apply(op, k, x.k) : lrs_ir_apply(op, x.k, k);
        return fold_push(F, (lrs_irnode){IR_CONST, LRS_IR_NONE, LRS_IR_NONE, LRS_IR_NONE, v});
    }
    uint32_t b = fold_tree(F, x.b, op, k, left);
    uint32_t c = b == LRS_IR_NONE ? b : fold_tree(F, x.c, op, k, left);
    if (c == LRS_IR_NONE) return c;
    return fold_push(F, (lrs_irnode){IR_SELECT, x.a, b, c, 0});
}

/* `code` with every operation on a select between constants moved into
 * the select's arms and folded: 0.5 ^ cycle with the cycle from a table of
 * cycle starts becomes a select between the constants 0.5 ^ k, so that no
 * pow is left to run per step, and a range function's piece, where the
 * cycle is one constant, folds to that constant. The same values, since
 * f(c ? x : y) = c ? f(x) : f(y) for every op here. Into *out (malloc'd
 * instructions); 0, or -1 when memory ran out. */
static int fold_const_selects(const lrs_code *code, lrs_code *out)
{
    uint32_t *leaves = malloc((code->n + 1) * sizeof *leaves);
    uint32_t *map = malloc((code->n + 1) * sizeof *map);
    folder F = {0};
    if (!leaves || !map) goto oom;
    for (uint32_t i = 0; i < code->n; i++) {
        const lrs_irnode *orig = &code->ins[i];
        int folds;
        leaves[i] = choice_size(orig, leaves, &folds);
        lrs_irnode n = *orig;
        uint32_t ops[3] = {n.a, n.b, n.c};
        for (int k = 0; k < lrs_ir_arity(n.op); k++)
            ops[k] = map[ops[k]];
        n.a = ops[0], n.b = ops[1], n.c = ops[2];
        if (folds) {
            int tree_left = leaves[orig->a] > 1;
            uint32_t t = tree_left ? n.a : n.b;
            double k = lrs_ir_arity(n.op) == 2 ? F.ins[tree_left ? n.b : n.a].k : 0;
            map[i] = fold_tree(&F, t, n.op, k, !tree_left);
        } else {
            map[i] = fold_push(&F, n);
        }
        if (map[i] == LRS_IR_NONE) goto oom;
    }
    free(leaves);
    free(map);
    *out = (lrs_code){F.ins, F.n, code->pool, code->npool}; /* the tables are shared */
    return 0;
oom:
    free(leaves);
    free(map);
    free(F.ins);
    return -1;
}

/* Which instructions of `code` must be computed with glibc's scalar
 * functions even in a vectorised loop: those where libmvec's last-bit
 * difference could become more than a last-bit difference of the result.
 * exact[i] is 1 for those, and for everything below them; code order is
 * topological, so one backward pass sees every user before its operands.
 *
 * 1. A value that reaches a discontinuity (floor, ceil, round, mod, a
 *    comparison, a select's condition): one ulp of `log` in
 *    floor(log(x) / log(3)) at x = 9 flips a cycle index and changes the
 *    value completely.
 * 2. The argument of a function (exp log log2 sin cos tanh sqrt pow):
 *    sin(exp(x)) at large x turns one ulp of exp into a different sine.
 * 3. A divisor: 1e-16 / (f - c) with f close to c magnifies f's last bit
 *    without bound.
 * 4. Both operands of an addition or subtraction unless one of them is a
 *    constant: two varying values can cancel (cos(s) - cos(s + 1e-9)) and
 *    leave their last bits as the whole result.
 * 5. An operation on a choice between constants, which the backend folds
 *    to constants with glibc's functions (fold_const_selects).
 *
 * What is left reaches the result through multiplications, divisions of
 * the value (not by it), additions of constants, min, max, abs, negation
 * and select arms, so the difference at the result is at most libmvec's
 * ulps of the value times the factors it is multiplied by: within a few
 * ulp of the schedule's scale for the profiles of the standard library
 * (`c + (a - c) * (1 + cos x) / 2` gives at most |a - c| / 2 ulp), which
 * the differential tests check. */
void lrs_llvm_exact_nodes(const lrs_code *code, unsigned char *exact)
{
    memset(exact, 0, code->n);
    uint32_t *leaves = malloc((code->n + 1) * sizeof *leaves); /* rule 5 */
    for (uint32_t i = 0; leaves && i < code->n; i++) {
        int folds;
        leaves[i] = choice_size(&code->ins[i], leaves, &folds);
        if (folds) exact[i] = 1;
    }
    free(leaves);
    for (uint32_t j = code->n; j-- > 0;) {
        const lrs_irnode *n = &code->ins[j];
        int ar = lrs_ir_arity(n->op);
        int disc = lrs_ir_facts(n->op)->discontinuous;
        int func = n->op == IR_SQRT || n->op == IR_EXP || n->op == IR_LOG || n->op == IR_LOG2 ||
                   n->op == IR_SIN || n->op == IR_COS || n->op == IR_TANH || n->op == IR_POW;
        int sum = (n->op == IR_ADD || n->op == IR_SUB) && code->ins[n->a].op != IR_CONST &&
                  code->ins[n->b].op != IR_CONST;
        uint32_t ops[3] = {n->a, n->b, n->c};
        for (int k = 0; k < ar; k++)
            if (exact[j] || disc || func || sum || (n->op == IR_SELECT && k == 0) ||
                (n->op == IR_DIV && k == 1))
                exact[ops[k]] = 1;
    }
}

/* (double)s for 0 <= s: the two halves of s placed in the mantissas of
 * 2^84 and 2^52 and added, which rounds once, as cvtsi2sd does (the
 * subtraction is exact). Not cvtsi2sd itself: that writes only the low
 * lane of its register and so waits for the register's last writer, which
 * in a loop of calls is the previous call's `cos`; LLVM breaks that
 * dependency only after an earlier write in the same function. */
static LLVMValueRef step_to_double(llvm_lower *L, LLVMValueRef s)
{
    LLVMBuilderRef b = L->b;
    LLVMValueRef hi = LLVMBuildLShr(b, s, ki(L, 32), "");
    LLVMValueRef lo = LLVMBuildAnd(b, s, ki(L, 0xffffffffu), "");
    hi = LLVMBuildBitCast(b, LLVMBuildOr(b, hi, ki(L, 0x4530000000000000u), ""), L->f64, "");
    lo = LLVMBuildBitCast(b, LLVMBuildOr(b, lo, ki(L, 0x4330000000000000u), ""), L->f64, "");
    hi = LLVMBuildFSub(b, hi, kf(L, 19342813118337666422669312.0), ""); /* 2^84 + 2^52 */
    return LLVMBuildFAdd(b, hi, lo, "stepf");
}

/* The clamped step and its double, computed once per function, and the
 * detector array of a reactive schedule (NULL otherwise). */
typedef struct step_vals {
    LLVMValueRef s, sd, det;
} step_vals;

/* The constant array [n x double] holding v[0..n), made once per module
 * and content; NULL when memory ran out. */
static LLVMValueRef table_global_of(llvm_lower *L, const double *v, uint32_t n)
{
    uint64_t h = lrs_ir_hash_doubles(v, n);
    for (size_t i = 0; i < L->ntabs; i++)
        if (L->tabs[i].hash == h && L->tabs[i].n == n && !memcmp(L->tabs[i].v, v, n * sizeof *v))
            return L->tabs[i].g;
    if (L->ntabs == L->tabcap) {
        size_t cap = L->tabcap * 2 + 8;
        table_global *t = realloc(L->tabs, cap * sizeof *t);
        if (!t) return NULL;
        L->tabs = t;
        L->tabcap = cap;
    }
    LLVMValueRef *k = malloc(n * sizeof *k);
    if (!k) return NULL;
    for (uint32_t i = 0; i < n; i++)
        k[i] = kf(L, v[i]);
    LLVMTypeRef ty = LLVMArrayType2(L->f64, n);
    LLVMValueRef g = LLVMAddGlobal(L->m, ty, "lrs.table");
    LLVMSetInitializer(g, LLVMConstArray2(L->f64, k, n));
    free(k);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    L->tabs[L->ntabs++] = (table_global){v, n, h, g};
    return g;
}

/* Entry i (an i64) of table g. */
static LLVMValueRef table_load(llvm_lower *L, LLVMValueRef g, LLVMValueRef i)
{
    return LLVMBuildLoad2(L->b, L->f64, LLVMBuildGEP2(L->b, L->f64, g, &i, 1, ""), "");
}

/* IR_PICK: entry lrs_ir_pick_entry(n, a), the index clamped as a double
 * (so NaN and the infinities never reach the conversion) and truncated,
 * which is floor for the non-negative values left. */
static LLVMValueRef table_pick(llvm_lower *L, LLVMValueRef g, uint32_t n, LLVMValueRef a)
{
    LLVMBuilderRef b = L->b;
    LLVMValueRef last = kf(L, (double)(n - 1));
    LLVMValueRef i = LLVMBuildSelect(b, fcmp(L, LLVMRealOGE, a, kf(L, 1)), a, kf(L, 0), "");
    i = LLVMBuildSelect(b, fcmp(L, LLVMRealOGE, a, last), last, i, "");
    return table_load(L, g, LLVMBuildFPToUI(b, i, L->i64, ""));
}

/* IR_INDEX: lrs_ir_table_apply's count of entries <= a by a binary search
 * without branches, its steps fixed by n: base moves up by half while
 * a >= tab[base + half]; the count is then base + (a >= tab[base]). For a
 * sorted table without NaN that is the first entry a is not >= (0 for
 * NaN a), as the interpreter's search finds it. */
static LLVMValueRef table_index(llvm_lower *L, LLVMValueRef g, uint32_t n, LLVMValueRef a)
{
    LLVMBuilderRef b = L->b;
    LLVMValueRef base = ki(L, 0);
    for (uint32_t len = n; len > 1;) {
        uint32_t half = len / 2;
        LLVMValueRef mid = LLVMBuildAdd(b, base, ki(L, half), "");
        LLVMValueRef ge = fcmp(L, LLVMRealOGE, a, table_load(L, g, mid));
        base = LLVMBuildSelect(b, ge, mid, base, "");
        len -= half;
    }
    LLVMValueRef ge = fcmp(L, LLVMRealOGE, a, table_load(L, g, base));
    LLVMValueRef r = LLVMBuildAdd(b, base, LLVMBuildZExt(b, ge, L->i64, ""), "");
    return LLVMBuildUIToFP(b, r, L->f64, "");
}

/* One instruction of `code` from its operands' values a, c and cc. vm:
 * libmvec variants allowed; nan_free: neither a nor c can be NaN. */
static LLVMValueRef lower_op(llvm_lower *L, const lrs_irnode *n, LLVMValueRef a, LLVMValueRef c,
                             LLVMValueRef cc, int vm, int nan_free, step_vals *sv)
{
    LLVMBuilderRef b = L->b;
    switch ((lrs_irop)n->op) {
    case IR_CONST:
        return kf(L, n->k);
    case IR_STEP:
        if (!sv->sd) sv->sd = step_to_double(L, sv->s);
        return sv->sd;
    case IR_NOISE:
        return noise(L, sv->s, n->k);
    case IR_INPUT: { /* detectors[a] of a reactive schedule */
        if (!sv->det) return kf(L, n->k);
        LLVMValueRef idx = ki(L, n->a);
        return LLVMBuildLoad2(b, L->f64, LLVMBuildGEP2(b, L->f64, sv->det, &idx, 1, ""), "");
    }
    case IR_NEG:
        return LLVMBuildFNeg(b, a, "");
    case IR_NOT:
        return to_double(L, fcmp(L, LLVMRealOEQ, a, kf(L, 0)));
    case IR_ABS:
        return math1(L, "llvm.fabs", a);
    case IR_FLOOR:
        return math1(L, "llvm.floor", a);
    case IR_CEIL:
        return math1(L, "llvm.ceil", a);
    case IR_ROUND:
        return math1(L, "llvm.round", a); /* C round: half away from 0 */
    case IR_SQRT:
        return math1(L, "llvm.sqrt", a);
    case IR_EXP:
        return libm(L, "exp", &a, 1, vm);
    case IR_LOG:
        return libm(L, "log", &a, 1, vm);
    case IR_LOG2:
        return libm(L, "log2", &a, 1, vm);
    case IR_SIN:
        return libm(L, "sin", &a, 1, vm);
    case IR_COS:
        return libm(L, "cos", &a, 1, vm);
    case IR_TANH:
        return libm(L, "tanh", &a, 1, vm);
    case IR_PICK:
    case IR_INDEX: {
        LLVMValueRef g = table_global_of(L, L->pool + n->b, n->c);
        if (!g) return NULL;
        return n->op == IR_PICK ? table_pick(L, g, n->c, a) : table_index(L, g, n->c, a);
    }
    case IR_ADD:
        return LLVMBuildFAdd(b, a, c, "");
    case IR_SUB:
        return LLVMBuildFSub(b, a, c, "");
    case IR_MUL:
        return LLVMBuildFMul(b, a, c, "");
    case IR_DIV:
        return LLVMBuildFDiv(b, a, c, "");
    case IR_POW: { /* lrs_ir_apply's: a * a when c is 2, else libm's pow */
        LLVMBool lost;
        int konst = LLVMIsAConstantFP(c) != NULL;
        if (konst && LLVMConstRealGetDouble(c, &lost) == 2) return LLVMBuildFMul(b, a, a, "");
        LLVMValueRef ab[2] = {a, c};
        double base = LLVMIsAConstantFP(a) ? LLVMConstRealGetDouble(a, &lost) : NAN;
        LLVMValueRef pw = vm && L->t && L->t->vecmath && LDBL_MANT_DIG >= 64 && base > 0 &&
                                  base < INFINITY && base != 1 && !konst
                              ? pow_const_base(L, base, c)
                              : libm(L, "pow", ab, 2, vm);
        if (konst) return pw;
        return LLVMBuildSelect(b, fcmp(L, LLVMRealOEQ, c, kf(L, 2)), LLVMBuildFMul(b, a, a, ""), pw,
                               "");
    }
    case IR_MIN:
        return nan_minmax(L, LLVMRealOLT, a, c, nan_free);
    case IR_MAX:
        return nan_minmax(L, LLVMRealOGT, a, c, nan_free);
    case IR_MOD: { /* lrs_ir_apply's: fmod (frem, exact), then the sign of c */
        LLVMValueRef m = LLVMBuildFRem(b, a, c, ""), zero = kf(L, 0);
        LLVMValueRef neg_c = fcmp(L, LLVMRealOLT, c, zero);
        LLVMValueRef flip = LLVMBuildXor(b, fcmp(L, LLVMRealOLT, m, zero), neg_c, "");
        LLVMValueRef fix = LLVMBuildAnd(b, fcmp(L, LLVMRealUNE, m, zero), flip, "");
        LLVMValueRef r = LLVMBuildSelect(b, fix, LLVMBuildFAdd(b, m, c, ""), m, "");
        return LLVMBuildSelect(b, fcmp(L, LLVMRealOEQ, m, zero),
                               LLVMBuildSelect(b, neg_c, kf(L, -0.0), zero, ""), r, "");
    }
    case IR_LT:
        return to_double(L, fcmp(L, LLVMRealOLT, a, c));
    case IR_LE:
        return to_double(L, fcmp(L, LLVMRealOLE, a, c));
    case IR_GT:
        return to_double(L, fcmp(L, LLVMRealOGT, a, c));
    case IR_GE:
        return to_double(L, fcmp(L, LLVMRealOGE, a, c));
    case IR_EQ:
        return to_double(L, fcmp(L, LLVMRealOEQ, a, c));
    case IR_NE:
        return to_double(L, fcmp(L, LLVMRealUNE, a, c)); /* NaN != x */
    case IR_AND:
        return to_double(L, LLVMBuildAnd(b, fcmp(L, LLVMRealUNE, a, kf(L, 0)),
                                         fcmp(L, LLVMRealUNE, c, kf(L, 0)), ""));
    case IR_OR:
        return to_double(L, LLVMBuildOr(b, fcmp(L, LLVMRealUNE, a, kf(L, 0)),
                                        fcmp(L, LLVMRealUNE, c, kf(L, 0)), ""));
    case IR_SELECT:
        return LLVMBuildSelect(b, fcmp(L, LLVMRealUNE, a, kf(L, 0)), c, cc, "");
    case IR_NOPS:
        break;
    }
    return kf(L, NAN); /* not an operation */
}

/* step = max(step, 0): negative steps are step 0 */
static step_vals clamp_step(llvm_lower *L, LLVMValueRef step)
{
    LLVMTypeRef fty;
    LLVMValueRef smax = intrinsic(L, "llvm.smax", L->i64, &fty);
    LLVMValueRef args[2] = {step, ki(L, 0)};
    step_vals sv = {LLVMBuildCall2(L->b, fty, smax, args, 2, "step"), NULL, NULL};
    return sv;
}

/* Whether neither operand of a min or max (instruction i) can be NaN. */
static int nan_free(const lrs_code *code, const double *mag, uint32_t i)
{
    const lrs_irnode *n = &code->ins[i];
    return lrs_ir_arity(n->op) == 2 && isfinite(mag[n->a]) && isfinite(mag[n->b]);
}

static LLVMValueRef operand(LLVMValueRef *v, const lrs_irnode *n, int k)
{
    uint32_t ops[3] = {n->a, n->b, n->c};
    return lrs_ir_arity(n->op) > k ? v[ops[k]] : NULL;
}

/* A schedule's straight-line code at i64 `step`, in the current block.
 * Every node is computed (selects, not branches), as the interpreter does;
 * nothing can trap, and straight-line code is what the vectoriser wants.
 * vec: attach libmvec variants to math calls (range functions). */
static LLVMValueRef lower_code_fixed(llvm_lower *L, const lrs_code *code, LLVMValueRef step,
                                     LLVMValueRef det, int vec, const uint32_t *fix,
                                     const LLVMValueRef *fixv, size_t nfix)
{
    LLVMValueRef *v = malloc((code->n ? code->n : 1) * sizeof *v);
    unsigned char *exact = malloc(code->n ? code->n : 1), *inv = malloc(code->n ? code->n : 1);
    double *mag = malloc((code->n ? code->n : 1) * sizeof *mag);
    if (!v || !exact || !inv || !mag) {
        free(v);
        free(exact);
        free(inv);
        free(mag);
        return NULL;
    }
    lrs_llvm_exact_nodes(code, exact);
    magnitudes(code, mag);
    step_vals sv = clamp_step(L, step);
    sv.det = det;
    L->pool = code->pool;
    LLVMValueRef result = code->n ? NULL : kf(L, NAN);
    /* What depends on given nodes and constants alone is the same at
     * every step (computed once, outside a loop): glibc's functions. */
    for (uint32_t i = 0; i < code->n; i++) {
        const lrs_irnode *n = &code->ins[i];
        size_t j = 0;
        while (j < nfix && fix[j] != i)
            j++;
        int fixed = j < nfix;
        inv[i] = nfix && (fixed || n->op == IR_CONST);
        if (nfix && !fixed && n->op != IR_CONST && n->op != IR_STEP && n->op != IR_NOISE &&
            n->op != IR_INPUT) {
            uint32_t ops[3] = {n->a, n->b, n->c};
            inv[i] = 1;
            for (int k = 0; k < lrs_ir_arity(n->op); k++)
                inv[i] = inv[i] && inv[ops[k]];
        }
        v[i] = fixed ? fixv[j]
                     : lower_op(L, n, operand(v, n, 0), operand(v, n, 1), operand(v, n, 2),
                                vec && !exact[i] && !inv[i], nan_free(code, mag, i), &sv);
        if (!v[i]) break; /* out of memory */
        if (i == code->n - 1) result = v[i];
    }
    free(v);
    free(exact);
    free(inv);
    free(mag);
    return result;
}

/* lower_code with every node computed (nfix = 0: no node given). */
static LLVMValueRef lower_code(llvm_lower *L, const lrs_code *code, LLVMValueRef step,
                               LLVMValueRef det, int vec)
{
    return lower_code_fixed(L, code, step, det, vec, NULL, NULL, 0);
}

/* ---- intervals of values over a span of steps ------------------------------ */

/* A closed interval of a node's values over a span of steps, or `any`
 * (unknown, maybe NaN). Rounding is monotone, so an op that is monotone in
 * each operand is bounded by its values at the corners. */
typedef struct ival {
    double lo, hi;
    int any;
    int negz; /* may be -0.0 (iv_node's; iv_op leaves it 0) */
} ival;

static ival iv_any(void)
{
    return (ival){-INFINITY, INFINITY, 1, 1};
}

static ival iv_corners(lrs_irop op, ival a, ival b)
{
    double c[4] = {lrs_ir_apply(op, a.lo, b.lo), lrs_ir_apply(op, a.lo, b.hi),
                   lrs_ir_apply(op, a.hi, b.lo), lrs_ir_apply(op, a.hi, b.hi)};
    ival r = {c[0], c[0], 0, 0};
    for (int k = 1; k < 4; k++) {
        r.lo = c[k] < r.lo ? c[k] : r.lo;
        r.hi = c[k] > r.hi ? c[k] : r.hi;
    }
    return isfinite(r.lo) && isfinite(r.hi) ? r : iv_any();
}

/* IR_PICK, IR_INDEX over the finite interval a (tab: the table): the
 * entries between those read at a's ends (both functions are monotone). */
static ival iv_table(const lrs_irnode *n, ival a, const double *tab)
{
    if (n->op == IR_INDEX)
        return (ival){lrs_ir_table_apply(IR_INDEX, tab, n->c, a.lo),
                      lrs_ir_table_apply(IR_INDEX, tab, n->c, a.hi), 0, 0};
    ival r = {INFINITY, -INFINITY, 0, 0};
    for (uint32_t j = lrs_ir_pick_entry(n->c, a.lo); j <= lrs_ir_pick_entry(n->c, a.hi); j++) {
        if (!isfinite(tab[j])) return iv_any();
        r.lo = fmin(r.lo, tab[j]);
        r.hi = fmax(r.hi, tab[j]);
    }
    return r;
}

/* The interval of one node from its operands'. Only finite intervals are
 * kept (no NaN, no infinity), so every case below is plain arithmetic. */
static ival iv_op(const lrs_irnode *n, const ival *v, double lo, double hi, const double *pool)
{
    ival a = lrs_ir_arity(n->op) > 0 ? v[n->a] : iv_any();
    ival b = lrs_ir_arity(n->op) > 1 ? v[n->b] : iv_any();
    if (n->op == IR_CONST) return isfinite(n->k) ? (ival){n->k, n->k, 0, 0} : iv_any();
    if (n->op == IR_STEP) return (ival){lo, hi, 0, 0};
    if (n->op == IR_SELECT) {
        ival c = v[n->a], x = v[n->b], y = v[n->c];
        if (!c.any && (c.lo > 0 || c.hi < 0)) return x; /* always true */
        if (!c.any && c.lo == 0 && c.hi == 0) return y; /* always false */
        if (x.any || y.any) return iv_any();
        return (ival){x.lo < y.lo ? x.lo : y.lo, x.hi > y.hi ? x.hi : y.hi, 0, 0};
    }
    if (a.any || (lrs_ir_arity(n->op) > 1 && b.any)) return iv_any();
    switch ((lrs_irop)n->op) {
    case IR_NEG:
        return (ival){-a.hi, -a.lo, 0, 0};
    case IR_PICK:
    case IR_INDEX:
        return iv_table(n, a, pool + n->b);
    case IR_FLOOR:
    case IR_CEIL:
    case IR_ROUND:
        return (ival){lrs_ir_apply(n->op, a.lo, 0), lrs_ir_apply(n->op, a.hi, 0), 0, 0};
    case IR_ADD:
    case IR_SUB:
    case IR_MUL:
    case IR_MIN:
    case IR_MAX:
        return iv_corners(n->op, a, b);
    case IR_DIV:
        return b.lo > 0 || b.hi < 0 ? iv_corners(IR_DIV, a, b) : iv_any();
    case IR_LT:
        return a.hi < b.lo    ? (ival){1, 1, 0, 0}
               : a.lo >= b.hi ? (ival){0, 0, 0, 0}
                              : (ival){0, 1, 0, 0};
    case IR_LE:
        return a.hi <= b.lo  ? (ival){1, 1, 0, 0}
               : a.lo > b.hi ? (ival){0, 0, 0, 0}
                             : (ival){0, 1, 0, 0};
    case IR_GT:
        return a.lo > b.hi    ? (ival){1, 1, 0, 0}
               : a.hi <= b.lo ? (ival){0, 0, 0, 0}
                              : (ival){0, 1, 0, 0};
    case IR_GE:
        return a.lo >= b.hi  ? (ival){1, 1, 0, 0}
               : a.hi < b.lo ? (ival){0, 0, 0, 0}
                             : (ival){0, 1, 0, 0};
    case IR_CONST: /* (the first three are answered above) */
    case IR_STEP:
    case IR_SELECT:
    case IR_NOISE:
    case IR_INPUT:
    case IR_NOT:
    case IR_ABS:
    case IR_SQRT:
    case IR_EXP:
    case IR_LOG:
    case IR_LOG2:
    case IR_SIN:
    case IR_COS:
    case IR_TANH:
    case IR_POW:
    case IR_MOD:
    case IR_EQ:
    case IR_NE:
    case IR_AND:
    case IR_OR:
    case IR_NOPS: { /* of nonzero constants only (a zero's sign is not known) */
        int two = lrs_ir_arity(n->op) == 2;
        if (n->op == IR_NOISE || a.lo != a.hi || a.lo == 0 || (two && (b.lo != b.hi || b.lo == 0)))
            return iv_any();
        double r = lrs_ir_apply(n->op, a.lo, two ? b.lo : 0);
        return isfinite(r) ? (ival){r, r, 0, 0} : iv_any();
    }
    }
    return iv_any(); /* not an operation */
}

/* Whether node n, whose interval is r (its operands' in v), may be -0.0:
 * IEEE 754 gives -0.0 only from -0.0 operands, a negative operand of *
 * or /, the negation of +0.0, or a negative value rounded up to 0. */
static int iv_negzero(const lrs_irnode *n, const ival *v, ival r)
{
    if (r.any) return 1;
    if (r.lo > 0 || r.hi < 0 || lrs_ir_facts(n->op)->boolean) return 0;
    int ar = lrs_ir_arity(n->op);
    ival a = ar > 0 ? v[n->a] : iv_any(), b = ar > 1 ? v[n->b] : iv_any();
    switch ((lrs_irop)n->op) {
    case IR_CONST:
        return signbit(n->k) != 0;
    case IR_STEP:  /* an integer converted */
    case IR_INDEX: /* a count */
    case IR_ABS:
        return 0;
    case IR_ADD: /* x + y is -0.0 only for -0.0 + -0.0 */
        return a.negz && b.negz;
    case IR_SUB: /* and x - y only for -0.0 - +0.0 */
        return a.negz && b.lo <= 0 && b.hi >= 0;
    case IR_MUL:
    case IR_DIV:
        return !(a.lo >= 0 && !a.negz && b.lo >= 0 && !b.negz);
    case IR_MIN:
    case IR_MAX:
        return a.negz || b.negz;
    case IR_SELECT:
        return b.negz || v[n->c].negz;
    case IR_FLOOR:
        return a.negz;
    default:
        return 1;
    }
}

/* iv_op with whether the value may be -0.0. */
static ival iv_node(const lrs_irnode *n, const ival *v, double lo, double hi, const double *pool)
{
    ival r = iv_op(n, v, lo, hi, pool);
    r.negz = iv_negzero(n, v, r);
    return r;
}

/* The operand that node n equals, bit for bit, wherever its operands'
 * intervals v hold, or LRS_IR_NONE: a select's decided arm; min(a, b)
 * (a < b ? a : b) is b when a >= b always, a when a <= b always with a
 * tie only where a and b have the same bits (not at a zero that may be
 * -0.0); max(a, b) (a > b ? a : b) likewise. Intervals that are not `any`
 * hold no NaN. */
static uint32_t iv_equal_operand(const lrs_irnode *n, const ival *v)
{
    if (n->op != IR_MIN && n->op != IR_MAX && n->op != IR_SELECT) return LRS_IR_NONE;
    ival a = v[n->a], b = v[n->b];
    if (a.any) return LRS_IR_NONE;
    if (n->op == IR_SELECT)
        return a.lo > 0 || a.hi < 0 ? n->b : a.lo == 0 && a.hi == 0 ? n->c : LRS_IR_NONE;
    if (b.any) return LRS_IR_NONE;
    int min = n->op == IR_MIN;
    double ta = min ? a.hi : a.lo, tb = min ? b.lo : b.hi; /* where a meets b */
    if (min ? a.lo >= b.hi : a.hi <= b.lo) return n->b;
    if (min ? ta < tb : ta > tb) return n->a;
    if (ta == tb && (ta != 0 || (!a.negz && !b.negz))) return n->a;
    return LRS_IR_NONE;
}

/* Which nodes are a monotone function of the step along a chain where
 * every operation has one operand that depends on the step and a
 * constant other: + or - a constant, a constant minus it, * or / by a
 * nonzero constant, negation, min or max with a constant. Each is
 * monotone in that operand after rounding (and the step's conversion to
 * double is), so the chain is: non-decreasing when m[i] > 0, where
 * m[i] * step + c[i] is the chain in exact arithmetic with its min and
 * max left out. */
static void step_chains(const lrs_code *code, unsigned char *ok, double *m, double *c)
{
    for (uint32_t i = 0; i < code->n; i++) {
        const lrs_irnode *n = &code->ins[i];
        ok[i] = 0;
        m[i] = c[i] = 0;
        if (n->op == IR_STEP) {
            ok[i] = 1;
            m[i] = 1;
            continue;
        }
        if (n->op == IR_NEG && ok[n->a]) {
            ok[i] = 1;
            m[i] = -m[n->a];
            c[i] = -c[n->a];
            continue;
        }
        if (lrs_ir_arity(n->op) != 2) continue;
        int left = ok[n->a] && code->ins[n->b].op == IR_CONST;
        int right = ok[n->b] && code->ins[n->a].op == IR_CONST;
        if (!left && !right) continue;
        uint32_t x = left ? n->a : n->b;
        double k = code->ins[left ? n->b : n->a].k;
        if (!isfinite(k)) continue;
        ok[i] = 1;
        switch ((lrs_irop)n->op) {
        case IR_ADD:
            m[i] = m[x], c[i] = c[x] + k;
            break;
        case IR_SUB:
            m[i] = left ? m[x] : -m[x], c[i] = left ? c[x] - k : k - c[x];
            break;
        case IR_MUL:
            m[i] = m[x] * k, c[i] = c[x] * k;
            ok[i] = k != 0;
            break;
        case IR_DIV:
            m[i] = m[x] / k, c[i] = c[x] / k;
            ok[i] = left && k != 0;
            break;
        case IR_MIN:
        case IR_MAX:
            m[i] = m[x], c[i] = c[x];
            break;
        default:
            ok[i] = 0;
            break;
        }
    }
}

/* For comparison i of a step chain with a constant (ok, m, c: from
 * step_chains), the first step whose answer differs from the step
 * before's, into *at, and its answer there, into *then: found by
 * evaluating the comparison (scratch: code->n values) around the chain's
 * exact-arithmetic threshold. A chain is monotone, so the answer changes
 * once at most. Returns 0 when i is no such comparison or the change is
 * not found there. */
static int comparison_flip(const lrs_code *code, const unsigned char *ok, const double *m,
                           const double *c, uint32_t i, double *scratch, int64_t *at, int *then)
{
    const lrs_irnode *x = &code->ins[i];
    if (!(x->op >= IR_LT && x->op <= IR_GE)) return 0;
    int left = ok[x->a] && code->ins[x->b].op == IR_CONST;
    int right = ok[x->b] && code->ins[x->a].op == IR_CONST;
    if (!left && !right) return 0;
    uint32_t ch = left ? x->a : x->b;
    double k = code->ins[left ? x->b : x->a].k;
    if (!(m[ch] != 0)) return 0;
    double t = ceil((k - c[ch]) / m[ch]);
    if (!(t >= 1 && t < 9.0e18)) return 0;
    lrs_code upto = {code->ins, i + 1, code->pool, code->npool};
    int64_t s0 = (int64_t)t;
    double prev = lrs_code_eval(&upto, s0 - 3, scratch);
    for (int64_t s = s0 - 2; s <= s0 + 2; s++) {
        double v = lrs_code_eval(&upto, s, scratch);
        if (v != prev) {
            *at = s;
            *then = v != 0;
            return 1;
        }
        prev = v;
    }
    return 0;
}

/* ---- branches for the scalar function ---------------------------------------- */

/* Whether computing node i costs a call (or a division): worth a branch. */
static int costly_op(uint8_t op)
{
    return (op >= IR_EXP && op <= IR_TANH) || op == IR_POW || op == IR_DIV || op == IR_MOD;
}

/* Where the building of a frame's node is. Every node starts at
 * LAZY_START and, once its operands are pushed, is built at LAZY_OPERANDS;
 * a select with a costly arm goes on through its condition and arms. */
typedef enum lazy_state {
    LAZY_START,    /* nothing pushed yet */
    LAZY_OPERANDS, /* operands (or a costly select's condition) are built */
    LAZY_THEN,     /* a costly select's then arm is built */
    LAZY_ELSE,     /* a costly select's else arm is built */
    LAZY_PICK      /* the operand it is known to equal is built */
} lazy_state;

typedef struct lazy_frame {
    uint32_t node;
    lazy_state state;
    LLVMValueRef then_v;
    LLVMBasicBlockRef then_bb, else_bb, join_bb;
    size_t mark;              /* undo-log length when the arm began */
    uint32_t pick;            /* LAZY_PICK: the operand */
    int64_t lo, hi;           /* the steps before the branch */
    int64_t else_lo, else_hi; /* the steps of the else arm */
} lazy_frame;

typedef struct lazy {
    llvm_lower *L;
    const lrs_code *code;
    LLVMValueRef *v;       /* value of each node where the current block is, or NULL */
    unsigned char *costly; /* a call or division somewhere below the node */
    double *mag;           /* magnitudes() */
    uint32_t *undo;        /* nodes given a value, in order */
    size_t nundo;
    lazy_frame *stack;
    size_t depth, cap;
    size_t emitted, budget; /* instructions built: past budget, give up */
    LLVMValueRef fn;
    /* Facts: the current block runs at steps lo..hi only (a branch on a
     * comparison of the step narrows them), and iv holds the nodes'
     * intervals over iv_lo..iv_hi, recomputed when they differ, while
     * facts_left (node intervals) lasts. */
    int64_t lo, hi, iv_lo, iv_hi;
    ival *iv;
    size_t facts_left;
    unsigned char *chain; /* step_chains */
    double *m, *c, *scratch;
} lazy;

static int lazy_push(lazy *Z, uint32_t node)
{
    if (Z->v[node]) return 0;
    if (Z->depth == Z->cap) {
        size_t cap = Z->cap * 2 + 16;
        lazy_frame *s = realloc(Z->stack, cap * sizeof *s);
        if (!s) return -1;
        Z->stack = s;
        Z->cap = cap;
    }
    Z->stack[Z->depth++] = (lazy_frame){.node = node};
    return 0;
}

static void lazy_set(lazy *Z, uint32_t node, LLVMValueRef val)
{
    Z->v[node] = val;
    Z->undo[Z->nundo++] = node;
    Z->emitted++;
}

/* Forget the values computed in an arm: they do not dominate the join. */
static void lazy_undo(lazy *Z, size_t mark)
{
    while (Z->nundo > mark)
        Z->v[Z->undo[--Z->nundo]] = NULL;
}

/* Whether Z->iv holds the intervals of the steps Z->lo..Z->hi. */
static int lazy_facts(lazy *Z)
{
    const lrs_code *code = Z->code;
    if (Z->iv_lo == Z->lo && Z->iv_hi == Z->hi) return 1;
    if (Z->facts_left < code->n) return 0;
    Z->facts_left -= code->n;
    for (uint32_t i = 0; i < code->n; i++)
        Z->iv[i] = iv_node(&code->ins[i], Z->iv, (double)Z->lo, (double)Z->hi, code->pool);
    Z->iv_lo = Z->lo;
    Z->iv_hi = Z->hi;
    return 1;
}

/* The operand that node i equals at every step the current block runs
 * at (iv_equal_operand over Z->iv), or LRS_IR_NONE. */
static uint32_t lazy_equal_operand(lazy *Z, uint32_t i)
{
    const lrs_irnode *n = &Z->code->ins[i];
    /* (the ops it answers for, tested before any intervals are computed) */
    if ((n->op != IR_MIN && n->op != IR_MAX && n->op != IR_SELECT) || !lazy_facts(Z))
        return LRS_IR_NONE;
    return iv_equal_operand(n, Z->iv);
}

/* The steps of the then and else arms of a branch on node cond, within
 * Z->lo..Z->hi: where a comparison of a step chain with a constant holds,
 * and where it does not. Unchanged (both) when cond is no such comparison
 * or a side would have no step. */
static void lazy_split(lazy *Z, uint32_t cond, int64_t *tlo, int64_t *thi, int64_t *elo,
                       int64_t *ehi)
{
    *tlo = *elo = Z->lo;
    *thi = *ehi = Z->hi;
    int64_t at;
    int then;
    size_t cost = 6 * ((size_t)cond + 1); /* comparison_flip evaluates the code up to cond */
    if (Z->facts_left < cost) return;
    Z->facts_left -= cost;
    if (!comparison_flip(Z->code, Z->chain, Z->m, Z->c, cond, Z->scratch, &at, &then)) return;
    /* true from `at` on, or before it */
    int64_t lo1 = then ? at : Z->lo, hi1 = then ? Z->hi : at - 1;
    int64_t lo2 = then ? Z->lo : at, hi2 = then ? at - 1 : Z->hi;
    if (lo1 < Z->lo) lo1 = Z->lo;
    if (hi1 > Z->hi) hi1 = Z->hi;
    if (lo2 < Z->lo) lo2 = Z->lo;
    if (hi2 > Z->hi) hi2 = Z->hi;
    if (lo1 > hi1 || lo2 > hi2) return;
    *tlo = lo1, *thi = hi1, *elo = lo2, *ehi = hi2;
}

/* The scalar function's code with a branch at every select whose arms do
 * costly work, so that only the active segment of a `then` chain (or the
 * taken side of any select) is computed. Nodes are built on demand from
 * the root with an explicit stack; a node computed inside an arm is
 * forgotten at the join and built again where needed later, and when that
 * re-building passes Z->budget the caller falls back to lower_code. The
 * values are the same as lower_code's: only which nodes run differs.
 * Returns the result, NULL when out of memory or over budget (*over). */
static LLVMValueRef lower_lazy(lazy *Z, step_vals *sv, int *over)
{
    llvm_lower *L = Z->L;
    const lrs_code *code = Z->code;
    LLVMBuilderRef b = L->b;
    *over = 0;
    if (!code->n) return kf(L, NAN);
    if (lazy_push(Z, code->n - 1)) return NULL;
    while (Z->depth) {
        lazy_frame *f = &Z->stack[Z->depth - 1];
        const lrs_irnode *n = &code->ins[f->node];
        if (Z->emitted > Z->budget) {
            *over = 1;
            return NULL;
        }
        if (f->state == LAZY_START && Z->v[f->node]) {
            Z->depth--;
            continue;
        }
        if (f->state == LAZY_START) { /* equal to an operand here: that one only */
            uint32_t k = lazy_equal_operand(Z, f->node);
            if (k != LRS_IR_NONE) {
                f->state = LAZY_PICK;
                f->pick = k;
                if (lazy_push(Z, k)) return NULL;
                continue;
            }
        }
        if (f->state == LAZY_PICK) {
            uint32_t node = f->node;
            Z->depth--;
            lazy_set(Z, node, Z->v[f->pick]);
            continue;
        }
        int ar = lrs_ir_arity(n->op);
        if (n->op != IR_SELECT || !(Z->costly[n->b] || Z->costly[n->c])) {
            if (f->state == LAZY_START) { /* operands first */
                f->state = LAZY_OPERANDS;
                uint32_t ops[3] = {n->a, n->b, n->c};
                for (int k = ar; k-- > 0;)
                    if (lazy_push(Z, ops[k])) return NULL;
                continue;
            }
            LLVMValueRef r = lower_op(L, n, operand(Z->v, n, 0), operand(Z->v, n, 1),
                                      operand(Z->v, n, 2), 0, nan_free(code, Z->mag, f->node), sv);
            if (!r) return NULL;
            lazy_set(Z, f->node, r);
            Z->depth--;
            continue;
        }
        /* a select with a costly arm: cond; br; then arm; else arm; phi */
        switch (f->state) {
        case LAZY_START:
            f->state = LAZY_OPERANDS;
            if (lazy_push(Z, n->a)) return NULL;
            break;
        case LAZY_OPERANDS: {
            LLVMValueRef cond = fcmp(L, LLVMRealUNE, Z->v[n->a], kf(L, 0));
            f->then_bb = LLVMAppendBasicBlockInContext(L->c, Z->fn, "then");
            f->else_bb = LLVMAppendBasicBlockInContext(L->c, Z->fn, "else");
            f->join_bb = LLVMAppendBasicBlockInContext(L->c, Z->fn, "join");
            LLVMBuildCondBr(b, cond, f->then_bb, f->else_bb);
            LLVMPositionBuilderAtEnd(b, f->then_bb);
            f->mark = Z->nundo;
            f->lo = Z->lo;
            f->hi = Z->hi;
            lazy_split(Z, n->a, &Z->lo, &Z->hi, &f->else_lo, &f->else_hi);
            f->state = LAZY_THEN;
            if (lazy_push(Z, n->b)) return NULL;
            break;
        }
        case LAZY_THEN:
            f->then_v = Z->v[n->b];
            f->then_bb = LLVMGetInsertBlock(b);
            LLVMBuildBr(b, f->join_bb);
            lazy_undo(Z, f->mark);
            LLVMPositionBuilderAtEnd(b, f->else_bb);
            Z->lo = f->else_lo;
            Z->hi = f->else_hi;
            f->state = LAZY_ELSE;
            if (lazy_push(Z, n->c)) return NULL;
            break;
        case LAZY_PICK: /* (answered above) */
            break;
        case LAZY_ELSE: {
            LLVMValueRef else_v = Z->v[n->c];
            LLVMBasicBlockRef else_end = LLVMGetInsertBlock(b);
            LLVMBuildBr(b, f->join_bb);
            lazy_undo(Z, f->mark);
            Z->lo = f->lo;
            Z->hi = f->hi;
            LLVMPositionBuilderAtEnd(b, f->join_bb);
            LLVMValueRef phi = LLVMBuildPhi(b, L->f64, "");
            LLVMValueRef in_v[2] = {f->then_v, else_v};
            LLVMBasicBlockRef in_b[2] = {f->then_bb, else_end};
            LLVMAddIncoming(phi, in_v, in_b, 2);
            uint32_t node = f->node;
            Z->depth--;
            lazy_set(Z, node, phi);
            break;
        }
        }
    }
    return Z->v[code->n - 1];
}

/* The scalar function's body with branches (lower_lazy) where the code
 * has costly selected work. NULL with *over = 0 when there is no such
 * select or memory ran out, with *over = 1 when branching would duplicate
 * too much: the caller then lowers the straight line instead. */
static LLVMValueRef lower_branches(llvm_lower *L, LLVMValueRef fn, const lrs_code *code, int *over)
{
    uint32_t n = code->n;
    lazy Z = {.L = L,
              .code = code,
              .fn = fn,
              .budget = 4 * (size_t)n + 64,
              .hi = INT64_MAX, /* (the step is max(step, 0)) */
              .iv_lo = 1,      /* no intervals yet */
              .facts_left = (size_t)1 << 20};
    L->pool = code->pool;
    Z.v = calloc(n + 1, sizeof *Z.v);
    Z.costly = calloc(n + 1, 1);
    Z.mag = malloc((n + 1) * sizeof *Z.mag);
    Z.undo = malloc((Z.budget + 2 * (size_t)n + 1) * sizeof *Z.undo);
    Z.iv = malloc((n + 1) * sizeof *Z.iv);
    Z.chain = malloc(n + 1);
    Z.m = malloc((n + 1) * sizeof *Z.m);
    Z.c = malloc((n + 1) * sizeof *Z.c);
    Z.scratch = malloc((n + 1) * sizeof *Z.scratch);
    LLVMValueRef r = NULL;
    int any = 0;
    *over = 0;
    if (!Z.v || !Z.costly || !Z.mag || !Z.undo || !Z.iv || !Z.chain || !Z.m || !Z.c || !Z.scratch)
        goto done;
    magnitudes(code, Z.mag);
    step_chains(code, Z.chain, Z.m, Z.c);
    for (uint32_t i = 0; i < n; i++) {
        const lrs_irnode *x = &code->ins[i];
        uint32_t ops[3] = {x->a, x->b, x->c};
        Z.costly[i] = (unsigned char)costly_op(x->op);
        for (int k = 0; k < lrs_ir_arity(x->op); k++)
            Z.costly[i] |= Z.costly[ops[k]];
        if (x->op == IR_SELECT && (Z.costly[x->b] || Z.costly[x->c])) any = 1;
    }
    if (!any) {
        *over = 1;
        goto done;
    }
    step_vals sv = clamp_step(L, LLVMGetParam(fn, 0));
    sv.sd = step_to_double(L, sv.s); /* here, where it dominates every use */
    sv.det = LLVMCountParams(fn) > 1 ? LLVMGetParam(fn, 1) : NULL;
    r = lower_lazy(&Z, &sv, over);
done:
    free(Z.v);
    free(Z.costly);
    free(Z.mag);
    free(Z.undo);
    free(Z.stack);
    free(Z.iv);
    free(Z.chain);
    free(Z.m);
    free(Z.c);
    free(Z.scratch);
    return r;
}

/* PREFIX_NAME(i64 step) -> double and PREFIX_NAME_range(i64 first, i64
 * count, ptr out); a reactive schedule's take `ptr detectors` last. */
static LLVMValueRef add_function(llvm_lower *L, const char *prefix, const char *name, int range,
                                 int reactive)
{
    char *sym = lrs_llvm_symbol(prefix, name, range);
    if (!sym) return NULL;
    LLVMTypeRef ptr = LLVMPointerTypeInContext(L->c, 0);
    LLVMTypeRef ps[4] = {L->i64, L->i64, ptr, ptr};
    LLVMTypeRef sps[2] = {L->i64, ptr};
    LLVMTypeRef fty = range ? LLVMFunctionType(LLVMVoidTypeInContext(L->c), ps, 3u + !!reactive, 0)
                            : LLVMFunctionType(L->f64, sps, 1u + !!reactive, 0);
    LLVMValueRef f = LLVMAddFunction(L->m, sym, fty);
    free(sym);
    add_enum_attr(L, f, LLVMAttributeFunctionIndex, "nounwind", 0);
    add_enum_attr(L, f, LLVMAttributeFunctionIndex, "willreturn", 0);
    add_enum_attr(L, f, LLVMAttributeFunctionIndex, "nosync", 0);
    add_enum_attr(L, f, LLVMAttributeFunctionIndex, "nofree", 0);
    /* memory(none) for the scalar function, memory(argmem: write) for the
     * range one: the generated code reads nothing and writes only out. */
    /* A reactive one also reads its detectors: argmem read (1), readwrite (3). */
    add_enum_attr(L, f, LLVMAttributeFunctionIndex, "memory",
                  (range ? 2u : 0u) | (reactive ? 1u : 0u));
    if (range) {
        /* Vector spills across a libmvec call are 32 or 64 bytes; without
         * a realigned frame they are unaligned whenever the caller's stack
         * is only 16-byte aligned, and the loop ran 2.5x slower then. */
        LLVMAttributeRef realign = LLVMCreateStringAttribute(L->c, "stackrealign", 12, "", 0);
        LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex, realign);
        add_enum_attr(L, f, 3, "noalias", 0);
        add_enum_attr(L, f, 3, "nocapture", 0);
        add_enum_attr(L, f, 3, "writeonly", 0);
    }
    if (reactive) {
        LLVMAttributeIndex det = range ? 4 : 2;
        add_enum_attr(L, f, det, "nocapture", 0);
        add_enum_attr(L, f, det, "readonly", 0);
        add_enum_attr(L, f, det, "noalias", 0);
    }
    return f;
}

/* PREFIX_NAME(step) = the schedule at step: with branches where they
 * save work, else straight-line. Returns the function or NULL. */
static LLVMValueRef lower_scalar(llvm_lower *L, const char *prefix, const char *name,
                                 const lrs_code *code, int reactive)
{
    LLVMValueRef f = add_function(L, prefix, name, 0, reactive);
    if (!f) return NULL;
    LLVMPositionBuilderAtEnd(L->b, LLVMAppendBasicBlockInContext(L->c, f, "entry"));
    int straight = 0;
    LLVMValueRef r = lower_branches(L, f, code, &straight);
    if (!r && straight) { /* in a fresh function (deleting one drops its references) */
        LLVMDeleteFunction(f);
        if (!(f = add_function(L, prefix, name, 0, reactive))) return NULL;
        LLVMPositionBuilderAtEnd(L->b, LLVMAppendBasicBlockInContext(L->c, f, "entry"));
        r = lower_code(L, code, LLVMGetParam(f, 0), reactive ? LLVMGetParam(f, 1) : NULL, 0);
    }
    if (!r) return NULL;
    LLVMBuildRet(L->b, r);
    return f;
}

/* ---- range functions, segment by segment ------------------------------------- */

/* `code` specialised to steps lo..hi: each comparison whose answer is the
 * same at every step of the span (by interval arithmetic), and each other
 * value that is, becomes that constant, so that LLVM folds the selects it
 * decides and drops their other arms; a min, max or select that equals an
 * operand there (iv_equal_operand) is that operand for its users. The
 * values are unchanged on the span. Into spec (n nodes); eq: scratch. */
static int specialise(const lrs_code *code, double lo, double hi, lrs_irnode *spec, ival *v,
                      uint32_t *eq)
{
    int folded = 0;
    for (uint32_t i = 0; i < code->n; i++) {
        const lrs_irnode *n = &code->ins[i];
        spec[i] = *n;
        if (lrs_ir_arity(n->op) > 0) spec[i].a = eq[n->a];
        if (lrs_ir_arity(n->op) > 1) spec[i].b = eq[n->b];
        if (lrs_ir_arity(n->op) > 2) spec[i].c = eq[n->c];
        v[i] = iv_node(n, v, lo, hi, code->pool);
        eq[i] = i;
        /* a comparison decided, or a value the same at every step (not 0,
         * whose sign the interval may not know) */
        int cmp = n->op >= IR_LT && n->op <= IR_GE;
        uint32_t same = iv_equal_operand(n, v);
        if (n->op != IR_CONST && !v[i].any && v[i].lo == v[i].hi && (cmp || v[i].lo != 0)) {
            spec[i] = (lrs_irnode){
                .op = IR_CONST, .a = LRS_IR_NONE, .b = LRS_IR_NONE, .c = LRS_IR_NONE, .k = v[i].lo};
            folded = 1;
        } else if (same != LRS_IR_NONE) {
            eq[i] = eq[same];
            folded = 1;
        }
    }
    /* the result is the last node's value: a copy of what it equals */
    if (code->n && eq[code->n - 1] != code->n - 1) spec[code->n - 1] = spec[eq[code->n - 1]];
    return folded;
}

enum { MAX_PIECES = 16 };

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The steps (at most max, into out) where a comparison of a step chain
 * with a constant changes its answer: the first step whose answer
 * differs from the step before's, found by evaluating the comparison
 * around the chain's exact-arithmetic threshold. */
static size_t comparison_starts(const lrs_code *code, int64_t *out, size_t max)
{
    unsigned char *ok = malloc(code->n + 1);
    double *m = malloc((code->n + 1) * sizeof *m), *c = malloc((code->n + 1) * sizeof *c);
    double *scratch = malloc((code->n + 1) * sizeof *scratch);
    size_t n = 0;
    if (ok && m && c && scratch) {
        step_chains(code, ok, m, c);
        for (uint32_t i = 0; i < code->n && n <= max; i++) {
            int64_t at;
            int then;
            if (!comparison_flip(code, ok, m, c, i, scratch, &at, &then)) continue;
            if (n < max) out[n] = at;
            n++;
        }
    }
    free(ok);
    free(m);
    free(c);
    free(scratch);
    return n;
}

/* The pieces of a schedule's steps: starts[0] = 0 < starts[1] < ... (the
 * integer steps where its segments begin, and where a comparison of the
 * step with a constant changes its answer, when they all fit). Returns
 * how many, 1 when the boundaries are unknown or too many to specialise
 * for. */
static size_t pieces(const lrs_schedule *s, const lrs_code *code, int64_t *starts)
{
    int64_t cand[3 * MAX_PIECES];
    size_t nc = 0;
    for (size_t k = 0; k < s->nbounds; k++) {
        double b = ceil(s->bounds[k]);
        if (!(b > 0 && b < 9.0e18)) continue;
        if (nc == MAX_PIECES) return 1;
        cand[nc++] = (int64_t)b;
    }
    size_t bounds_only = nc;
    size_t more = comparison_starts(code, cand + nc, 2 * MAX_PIECES);
    nc += more <= 2 * MAX_PIECES ? more : 0;
    /* past the span the schedule holds: often a constant there */
    double end = ceil(s->span);
    int with_end = end > 0 && end < 9.0e18;
    for (int pass = 0; pass < 3; pass++) { /* everything, the bounds and the end, the bounds */
        int64_t all[3 * MAX_PIECES + 1];
        size_t na = pass ? bounds_only : nc;
        memcpy(all, cand, na * sizeof *all);
        if (with_end && pass < 2) all[na++] = (int64_t)end;
        qsort(all, na, sizeof *all, cmp_i64);
        size_t n = 1;
        starts[0] = 0;
        for (size_t k = 0; k < na && n <= MAX_PIECES; k++)
            if (all[k] > starts[n - 1]) {
                if (n < MAX_PIECES) starts[n] = all[k];
                n++;
            }
        if (n <= MAX_PIECES) return n;
    }
    return 1;
}

/* Cycle indices held constant over runs of steps: at most MAX_RUNS
 * floors of a non-decreasing step chain whose value changes at most
 * every MIN_RUN steps. */
enum { MAX_RUNS = 4, MIN_RUN = 64 };

static size_t run_floors(const lrs_code *code, uint32_t *fl, double *fm, double *fc)
{
    unsigned char *ok = malloc(code->n + 1);
    double *m = malloc((code->n + 1) * sizeof *m), *c = malloc((code->n + 1) * sizeof *c);
    size_t n = 0;
    if (ok && m && c) {
        step_chains(code, ok, m, c);
        for (uint32_t i = 0; i < code->n && n < MAX_RUNS; i++) {
            uint32_t a = code->ins[i].a;
            if (code->ins[i].op != IR_FLOOR || !ok[a] || !(m[a] > 0 && m[a] <= 1.0 / MIN_RUN) ||
                !isfinite(c[a]))
                continue;
            fl[n] = i, fm[n] = m[a], fc[n] = c[a];
            n++;
        }
    }
    free(ok);
    free(m);
    free(c);
    return n;
}

/* The floors fl[0..nf) at step first +sat k (scalar code, as the
 * scalar function computes them), into fv. */
static int floors_at(llvm_lower *L, const lrs_code *code, const uint32_t *fl, size_t nf,
                     LLVMValueRef first, LLVMValueRef k, LLVMValueRef det, LLVMValueRef *fv)
{
    LLVMTypeRef fty;
    LLVMValueRef sat = intrinsic(L, "llvm.sadd.sat", L->i64, &fty);
    LLVMValueRef args[2] = {first, k};
    LLVMValueRef step = LLVMBuildCall2(L->b, fty, sat, args, 2, "");
    for (size_t j = 0; j < nf; j++) {
        lrs_code upto = {code->ins, fl[j] + 1, code->pool, code->npool};
        if (!(fv[j] = lower_code(L, &upto, step, det, 0))) return -1;
    }
    return 0;
}

/* A run from k0 (its floors fv): how many steps from k0, at least 1 and
 * at most room, hold the same floors. Each floor's chain m * step + c
 * reaches fv + 1 about ceil((fv + 1 - c) / m); the run stops a step short
 * of the first of those (or at room), and is one step unless the floors
 * at its last step are still fv (then every step between has them: the
 * chains are monotone). */
static LLVMValueRef run_length(llvm_lower *L, const lrs_code *code, const uint32_t *fl,
                               const double *fm, const double *fc, size_t nf, LLVMValueRef first,
                               LLVMValueRef k0, LLVMValueRef room, LLVMValueRef det,
                               const LLVMValueRef *fv)
{
    LLVMBuilderRef b = L->b;
    LLVMTypeRef fty;
    LLVMValueRef sat = intrinsic(L, "llvm.sadd.sat", L->i64, &fty);
    LLVMValueRef args[2] = {first, k0};
    LLVMValueRef s0 = LLVMBuildCall2(b, fty, sat, args, 2, "");
    LLVMValueRef sd0 = LLVMBuildSIToFP(b, clamp_step(L, s0).s, L->f64, "");
    LLVMValueRef ceil_fn = intrinsic(L, "llvm.ceil", L->f64, &fty);
    LLVMTypeRef cty = fty;
    LLVMValueRef r = kf(L, 9.0e18);
    for (size_t j = 0; j < nf; j++) {
        LLVMValueRef t = LLVMBuildFDiv(
            b, LLVMBuildFSub(b, LLVMBuildFAdd(b, fv[j], kf(L, 1), ""), kf(L, fc[j]), ""),
            kf(L, fm[j]), "");
        t = LLVMBuildCall2(b, cty, ceil_fn, &t, 1, "");
        t = LLVMBuildFSub(b, LLVMBuildFSub(b, t, sd0, ""), kf(L, 1), "");
        /* min(r, t); a t below 1 (NaN, or a chain held by a min or max)
         * is no estimate: the check below decides */
        r = LLVMBuildSelect(
            b, LLVMBuildAnd(b, fcmp(L, LLVMRealOGE, t, kf(L, 1)), fcmp(L, LLVMRealOLT, t, r), ""),
            t, r, "");
    }
    r = LLVMBuildSelect(b, fcmp(L, LLVMRealOGE, r, kf(L, 1)), r, kf(L, 1), "");
    LLVMValueRef n = LLVMBuildFPToSI(b, r, L->i64, "");
    n = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, n, room, ""), n, room, "");
    LLVMValueRef last = LLVMBuildNSWAdd(b, k0, LLVMBuildNSWSub(b, n, ki(L, 1), ""), "");
    LLVMValueRef fl_last[MAX_RUNS];
    if (floors_at(L, code, fl, nf, first, last, det, fl_last)) return NULL;
    LLVMValueRef same = LLVMConstInt(L->i1, 1, 0);
    for (size_t j = 0; j < nf; j++)
        same = LLVMBuildAnd(b, same, fcmp(L, LLVMRealOEQ, fl_last[j], fv[j]), "");
    return LLVMBuildSelect(b, same, n, ki(L, 1), "run");
}

/* for (k = from; k < to; k++) out[k] = code(first +sat k), from the current
 * block; leaves the builder in the block after the loop. Where the code
 * has cycle indices (run_floors), an outer loop finds the runs of steps
 * that share them and the inner loop takes them as given: what depends
 * only on them (gamma ^ cycle) is computed once a run, by the scalar
 * code, and the inner loop vectorises without it. The same values. */
static int range_loop(llvm_lower *L, LLVMValueRef f, const lrs_code *code, LLVMValueRef first,
                      LLVMValueRef from, LLVMValueRef to, LLVMValueRef out)
{
    uint32_t fl[MAX_RUNS];
    double fm[MAX_RUNS], fc[MAX_RUNS];
    size_t nf = run_floors(code, fl, fm, fc);
    LLVMBuilderRef b = L->b;
    LLVMValueRef det = LLVMCountParams(f) > 3 ? LLVMGetParam(f, 3) : NULL;
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(b);
    LLVMBasicBlockRef head = nf ? LLVMAppendBasicBlockInContext(L->c, f, "run") : NULL;
    LLVMBasicBlockRef loop = LLVMAppendBasicBlockInContext(L->c, f, "loop");
    LLVMBasicBlockRef tail = nf ? LLVMAppendBasicBlockInContext(L->c, f, "next_run") : NULL;
    LLVMBasicBlockRef after = LLVMAppendBasicBlockInContext(L->c, f, "after");
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntSLT, from, to, ""), nf ? head : loop, after);
    LLVMValueRef fv[MAX_RUNS], start = from, stop = to, k0 = NULL;
    LLVMBasicBlockRef into_loop = pre;
    if (nf) {
        LLVMPositionBuilderAtEnd(b, head);
        k0 = LLVMBuildPhi(b, L->i64, "k0");
        if (floors_at(L, code, fl, nf, first, k0, det, fv)) return -1;
        LLVMValueRef run =
            run_length(L, code, fl, fm, fc, nf, first, k0, LLVMBuildNSWSub(b, to, k0, ""), det, fv);
        if (!run) return -1;
        start = k0;
        stop = LLVMBuildNSWAdd(b, k0, run, "stop");
        into_loop = LLVMGetInsertBlock(b);
        LLVMBuildBr(b, loop);
    }
    LLVMPositionBuilderAtEnd(b, loop);
    LLVMValueRef k = LLVMBuildPhi(b, L->i64, "k");
    LLVMTypeRef fty;
    LLVMValueRef sat = intrinsic(L, "llvm.sadd.sat", L->i64, &fty);
    LLVMValueRef args[2] = {first, k};
    LLVMValueRef step = LLVMBuildCall2(b, fty, sat, args, 2, "s");
    LLVMValueRef v = lower_code_fixed(L, code, step, det, 1, fl, fv, nf);
    if (!v) return -1;
    LLVMBuildStore(b, v, LLVMBuildGEP2(b, L->f64, out, &k, 1, ""));
    LLVMValueRef next = LLVMBuildNSWAdd(b, k, ki(L, 1), "");
    LLVMBasicBlockRef end = LLVMGetInsertBlock(b);
    LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntEQ, next, stop, ""), nf ? tail : after, loop);
    LLVMValueRef in_v[2] = {start, next};
    LLVMBasicBlockRef in_b[2] = {into_loop, end};
    LLVMAddIncoming(k, in_v, in_b, 2);
    if (nf) {
        LLVMPositionBuilderAtEnd(b, tail);
        LLVMBuildCondBr(b, LLVMBuildICmp(b, LLVMIntEQ, stop, to, ""), after, head);
        LLVMValueRef h_v[2] = {from, stop};
        LLVMBasicBlockRef h_b[2] = {pre, tail};
        LLVMAddIncoming(k0, h_v, h_b, 2);
    }
    LLVMPositionBuilderAtEnd(b, after);
    return 0;
}

/* PREFIX_NAME_range(first, count, out): out[k] = f(first +sat k) for
 * 0 <= k < count; nothing when count <= 0. The step saturates at
 * INT64_MAX, as lrs_interp_range does. One loop per piece of the schedule
 * (between the steps where its segments begin), each with the code
 * specialised to its steps, so that a loop computes its own segment only
 * and stays straight-line for the vectoriser. */
static int lower_range(llvm_lower *L, LLVMValueRef f, const lrs_code *code, const lrs_schedule *s)
{
    LLVMValueRef first = LLVMGetParam(f, 0), count = LLVMGetParam(f, 1), out = LLVMGetParam(f, 2);
    LLVMBuilderRef b = L->b;
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(L->c, f, "entry"));
    int64_t starts[MAX_PIECES];
    size_t np = pieces(s, code, starts);
    lrs_irnode *spec = malloc((code->n + 1) * sizeof *spec);
    ival *iv = malloc((code->n + 1) * sizeof *iv);
    uint32_t *eq = malloc((code->n + 1) * sizeof *eq);
    int r = spec && iv && eq ? 0 : -1;
    LLVMTypeRef fty;
    LLVMValueRef ssub = intrinsic(L, "llvm.ssub.sat", L->i64, &fty);
    LLVMValueRef k = ki(L, 0);
    for (size_t p = 0; p < np && !r; p++) {
        /* piece p: clamped steps starts[p] .. starts[p + 1] - 1 (or on) */
        double lo = (double)starts[p], hi = p + 1 < np ? (double)(starts[p + 1] - 1) : 9.3e18;
        lrs_code c = {spec, code->n, code->pool, code->npool};
        if (np == 1 || !specialise(code, lo, hi, spec, iv, eq)) c = *code;
        LLVMValueRef to = count;
        if (p + 1 < np) { /* min(count, max(k, starts[p + 1] - first)) */
            LLVMValueRef args[2] = {ki(L, (uint64_t)starts[p + 1]), first};
            LLVMValueRef e = LLVMBuildCall2(b, fty, ssub, args, 2, "");
            e = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, e, k, ""), k, e, "");
            to = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, e, count, ""), e, count, "end");
        }
        r = range_loop(L, f, &c, first, k, to, out);
        k = to;
    }
    free(spec);
    free(iv);
    free(eq);
    if (r) return -1;
    LLVMBuildRetVoid(b);
    return 0;
}

/* @llvm.compiler.used: keeps the vector variants' declarations until the
 * loop vectoriser has seen them. */
static void keep_used(llvm_lower *L)
{
    if (!L->nused) return;
    LLVMTypeRef ptr = LLVMPointerTypeInContext(L->c, 0);
    LLVMTypeRef aty = LLVMArrayType2(ptr, L->nused);
    LLVMValueRef g = LLVMAddGlobal(L->m, aty, "llvm.compiler.used");
    LLVMSetInitializer(g, LLVMConstArray2(ptr, L->used, L->nused));
    LLVMSetLinkage(g, LLVMAppendingLinkage);
    LLVMSetSection(g, "llvm.metadata");
}

LLVMModuleRef lrs_llvm_module(LLVMContextRef llctx, const lrs_program *const *progs,
                              const char *const *prefixes, size_t n, const lrs_llvm_target *t,
                              int which, char **err)
{
    *err = NULL;
    llvm_lower L = {.c = llctx, .t = t};
    const char *name = n && progs[0]->source_name ? progs[0]->source_name : "lrs";
    L.m = LLVMModuleCreateWithNameInContext(name, llctx);
    L.b = LLVMCreateBuilderInContext(llctx);
    L.f64 = LLVMDoubleTypeInContext(llctx);
    L.i64 = LLVMInt64TypeInContext(llctx);
    L.i1 = LLVMInt1TypeInContext(llctx);
    if (t) {
        LLVMSetTarget(L.m, t->triple);
        LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(t->tm);
        LLVMSetModuleDataLayout(L.m, dl);
        LLVMDisposeTargetData(dl);
    }
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < progs[k]->nsched; i++) {
            const lrs_schedule *s = &progs[k]->sched[i];
            const char *prefix = prefixes[k];
            lrs_code code;
            if (fold_const_selects(&s->code, &code)) {
                *err = strdup("out of memory lowering to LLVM IR");
                goto fail;
            }
            LLVMValueRef f = which & LRS_LLVM_SCALAR
                                 ? lower_scalar(&L, prefix, s->name, &code, s->reactive)
                                 : NULL;
            LLVMValueRef r =
                which & LRS_LLVM_RANGE ? add_function(&L, prefix, s->name, 1, s->reactive) : NULL;
            int bad = (which & LRS_LLVM_SCALAR && !f) ||
                      (which & LRS_LLVM_RANGE && (!r || lower_range(&L, r, &code, s)));
            free(code.ins);
            if (bad) {
                *err = strdup("out of memory lowering to LLVM IR");
                goto fail;
            }
        }
    keep_used(&L);
    free(L.tabs);
    LLVMDisposeBuilder(L.b);
    char *msg = NULL;
    if (LLVMVerifyModule(L.m, LLVMReturnStatusAction, &msg)) {
        *err = lrs_llvm_take_message(msg);
        LLVMDisposeModule(L.m);
        return NULL;
    }
    if (msg) LLVMDisposeMessage(msg);
    return L.m;
fail:
    free(L.tabs);
    LLVMDisposeBuilder(L.b);
    LLVMDisposeModule(L.m);
    return NULL;
}

static int run_passes(LLVMModuleRef m, const lrs_llvm_target *t, const char *pipeline, char **err)
{
    LLVMPassBuilderOptionsRef o = LLVMCreatePassBuilderOptions();
    LLVMPassBuilderOptionsSetLoopVectorization(o, 1);
    LLVMPassBuilderOptionsSetSLPVectorization(o, 1);
    LLVMPassBuilderOptionsSetLoopInterleaving(o, 1);
    LLVMPassBuilderOptionsSetLoopUnrolling(o, 1);
    LLVMErrorRef e = LLVMRunPasses(m, pipeline, t ? t->tm : NULL, o);
    LLVMDisposePassBuilderOptions(o);
    if (e) {
        *err = lrs_llvm_error(e);
        return -1;
    }
    return 0;
}

int lrs_llvm_optimize(LLVMModuleRef m, const lrs_llvm_target *t, char **err)
{
    return run_passes(m, t, "default<O2>", err);
}

/* Scalar functions alone: they are straight-line code and branches,
 * already in the shape the lowering chose, with nothing to vectorise or
 * unroll; folding and CFG clean-up are what is left to do, and the whole
 * of default<O2> would cost several times as long. */
static const char *const scalar_pipeline = "function(instcombine<no-verify-fixpoint>,simplifycfg)";

LLVMModuleRef lrs_llvm_build(const lrs_program *p, const char *prefix, const lrs_llvm_target *t,
                             int which, LLVMContextRef *llctx, char **err)
{
    *llctx = LLVMContextCreate();
    LLVMModuleRef m = lrs_llvm_module(*llctx, &p, &prefix, 1, t, which, err);
    const char *pipeline = which == LRS_LLVM_SCALAR ? scalar_pipeline : "default<O2>";
    if (m && run_passes(m, t, pipeline, err)) {
        LLVMDisposeModule(m);
        m = NULL;
    }
    if (!m) {
        LLVMContextDispose(*llctx);
        *llctx = NULL;
    }
    return m;
}

int lrs_llvm_codegen(LLVMModuleRef m, const lrs_llvm_target *t, LLVMCodeGenFileType kind,
                     LLVMMemoryBufferRef *out, char **err)
{
    char *msg = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(t->tm, m, kind, &msg, out)) {
        *err = lrs_llvm_take_message(msg);
        return -1;
    }
    if (msg) LLVMDisposeMessage(msg);
    return 0;
}
