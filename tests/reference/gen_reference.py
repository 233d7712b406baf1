#!/usr/bin/python3
"""Write the reference tables of tests/reference/cases/: for each case a
`.lrs` program and a `.csv` table (`step,NAME,...`) of the values it must
produce, computed without lrsc.

Two sources, kept apart:
  torch_*  PyTorch's own schedulers (torch.optim.lr_scheduler), driven with
           a dummy SGD optimizer; the value before the first scheduler.step()
           is step 0.  Needs Debian's python3-torch:  /usr/bin/python3 gen_reference.py
  ref_*    closed forms transcribed here from the papers (math module only).

The tables are committed, so the tests (tests/check_table.py) need neither
torch nor numpy.  Tolerance of the check: 1e-12 relative; an expected exact
zero accepts |value| <= 1e-300.

Semantics followed where a paper leaves the edges open (docs/language.md and
the stdlib comments): a profile without `over` takes the context span;
progress = step / span, 0 for an infinite span; at and after the end of a
finite span the value is the last segment at progress 1; negative steps
evaluate as step 0; durations round to the nearest whole step.
"""
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cases")
HUGE = 2 ** 62
INF = math.inf


# ---------------------------------------------------------------- helpers

def clamp_step(g, total=INF):
    """Global step -> step in the top-level segment (negative -> 0, after
    the end -> the end)."""
    s = max(g, 0)
    return min(s, total)


def progress(s, span):
    if span == INF:
        return 0.0
    return min(max(s, 0), span) / span


def chain(s, segs, span):
    """A `then` chain: segs = [(dur or None, f(local_step, seg_span))].
    At most one None (the stretch); it gets what the span leaves."""
    fixed = sum(d for d, _ in segs if d is not None)
    durs = [d if d is not None else span - fixed for d, _ in segs]
    start = 0
    for i, ((_, f), d) in enumerate(zip(segs, durs)):
        if s < start + d or i == len(segs) - 1:
            return f(s - start, d)
        start += d


def dur(x):
    """Durations round to the nearest whole step (half away from zero)."""
    return math.floor(x + 0.5)


def steps_for(span, boundaries=(), dense=400):
    """Every step of a short span, else a dense grid plus each boundary
    +-1; always 0, the end, past the end, a negative step and 2^62."""
    st = {0, -1, -5, HUGE}
    end = span if span != INF else 1000
    if end <= dense:
        st.update(range(0, int(end) + 6))
    else:
        k = max(1, int(end) // dense)
        st.update(range(0, int(end) + 1, k))
        st.update({int(end) - 1, int(end), int(end) + 1, int(end) * 2})
    for b in boundaries:
        st.update({b - 1, b, b + 1})
    return sorted(x for x in st if x >= -5)


# ------------------------------------------------- closed-form profiles
# Paper forms, written as the papers (or PyTorch's closed forms) write them.

def lin(a, b, p):            # linear interpolation (torch's _annealing_linear)
    return (b - a) * p + a


def cos_anneal(a, b, p, exponent=1.0):
    # SGDR, Loshchilov & Hutter 2017, eq. (5):
    # eta_min + 1/2 (eta_max - eta_min)(1 + cos(pi T_cur / T_i))
    return b + (a - b) * ((1 + math.cos(math.pi * p)) / 2) ** exponent


def geo(a, b, p):            # geometric interpolation
    return a * (b / a) ** p


def poly_(a, b, p, power=1.0):
    # polynomial decay (PyTorch PolynomialLR / TF PolynomialDecay)
    return (a - b) * (1 - p) ** power + b


def rex_(a, b, p, d=0.5):
    # REX, Chen, Wolfe & Kyrillidis, MLSys 2022: with z = 1 - progress,
    # z / ((1 - d) + d z); d = 0.5 is the paper, d = 0.9 their code.
    z = 1 - p
    return b + (a - b) * z / ((1 - d) + d * z)


def tanh_(a, b, p, lb=-7.0, ub=3.0):
    # timm TanhLRScheduler: lr_min + 0.5 (lr_max - lr_min)(1 - tanh(lb (1 - tr) + ub tr))
    return b + 0.5 * (a - b) * (1 - math.tanh(lb * (1 - p) + ub * p))


def omsqrt(a, b, p):
    # 1 - sqrt cooldown, Hagele et al. 2024 ("Scaling laws and compute-optimal
    # training beyond fixed training durations"), eq. for the cooldown.
    return b + (a - b) * (1 - math.sqrt(p))


def tri(lo, hi, p):
    # CLR, Smith 2017, Alg. 1: x = |t/stepsize - 2 cycle + 1|, lo + (hi - lo) max(0, 1 - x)
    x = abs(2 * p - 1)
    return lo + (hi - lo) * max(0.0, 1 - x)


def clr(lo, hi, half, t, mode, gamma=1.0):
    # CLR, Smith 2017 (triangular, triangular2, exp_range), 0-based step t.
    cyc = math.floor(1 + t / (2 * half))
    x = abs(t / half - 2 * cyc + 1)
    base = (hi - lo) * max(0.0, 1 - x)
    if mode == "triangular":
        return lo + base
    if mode == "triangular2":
        return lo + base * 0.5 ** (cyc - 1)
    return lo + base * gamma ** t


def restarts_cycle(s, period, mult, total=INF):
    """(cycle, local step, cycle length) of SGDR restarts, found by walking
    the cycles (a loop here; lrsc uses a logarithm).  At the end of a finite
    span that ends on a cycle boundary: the last cycle at progress 1."""
    i, start, length = 0, 0, period
    while s >= start + length:
        if total != INF and s >= total and start + length >= total:
            break
        start += length
        i += 1
        length = period * mult ** i
    return i, s - start, length


# ---------------------------------------------------------------- cases

CASES = []


def case(name, src, refs, steps):
    CASES.append((name, src, refs, steps))


def top(total, f):
    """f(local_step, span) as a top-level schedule with `param total`."""
    return lambda g: f(clamp_step(g, total), total)


def profile_cases():
    T = 100
    prog = lambda f: top(T, lambda s, L: f(progress(s, L)))
    st = steps_for(T)
    case("ref_constant", "param total = 100\n"
         "schedule a = constant(0.25)\n"
         "schedule b = constant(0.5, over = 10) then linear(0.5 -> 0.1)\n",
         {"a": lambda g: 0.25,
          "b": top(T, lambda s, L: chain(s, [(10, lambda s, L: 0.5),
                                              (None, lambda s, L: lin(0.5, 0.1, progress(s, L)))], L))},
         st)
    case("ref_linear", "param total = 100\n"
         "schedule a = linear(1 -> 0.1)\n"
         "schedule b = linear(0 -> 2, over = 40) then 2\n"
         "schedule c = linear(1e-3 -> 0)\n",
         {"a": prog(lambda p: lin(1, 0.1, p)),
          "b": top(T, lambda s, L: chain(s, [(40, lambda s, L: lin(0, 2, progress(s, L))),
                                              (None, lambda s, L: 2.0)], L)),
          "c": prog(lambda p: lin(1e-3, 0, p))},
         st)
    case("ref_cosine", "param total = 100\n"
         "schedule a = cosine(0.1 -> 0.001)\n"
         "schedule b = cosine(1 -> 0, exponent = 2)\n"
         "schedule c = cosine(1 -> 0.5, over = 30) then 0.5\n",
         {"a": prog(lambda p: cos_anneal(0.1, 0.001, p)),
          "b": prog(lambda p: cos_anneal(1, 0, p, 2)),
          "c": top(T, lambda s, L: chain(s, [(30, lambda s, L: cos_anneal(1, 0.5, progress(s, L))),
                                              (None, lambda s, L: 0.5)], L))},
         st)
    case("ref_exponential", "param total = 100\n"
         "schedule a = exponential(1 -> 1e-3)\n"
         "schedule b = exponential(0.5 -> 2, over = 20) then 2\n",
         {"a": prog(lambda p: geo(1, 1e-3, p)),
          "b": top(T, lambda s, L: chain(s, [(20, lambda s, L: geo(0.5, 2, progress(s, L))),
                                              (None, lambda s, L: 2.0)], L))},
         st)
    case("ref_poly", "param total = 100\n"
         "schedule a = poly(1 -> 0)\n"
         "schedule b = poly(1 -> 0.01, power = 2)\n"
         "schedule c = poly(1 -> 0.01, power = 0.5)\n",
         {"a": prog(lambda p: poly_(1, 0, p)),
          "b": prog(lambda p: poly_(1, 0.01, p, 2)),
          "c": prog(lambda p: poly_(1, 0.01, p, 0.5))},
         st)
    case("ref_rex", "param total = 100\n"
         "schedule a = rex(1 -> 0)\n"
         "schedule b = rex(0.1 -> 0.001, d = 0.9)\n",
         {"a": prog(lambda p: rex_(1, 0, p)),
          "b": prog(lambda p: rex_(0.1, 0.001, p, 0.9))},
         st)
    case("ref_tanh_decay", "param total = 100\n"
         "schedule a = tanh_decay(0.1 -> 0.001)\n"
         "schedule b = tanh_decay(1 -> 0, lb = -5, ub = 5)\n",
         {"a": prog(lambda p: tanh_(0.1, 0.001, p)),
          "b": prog(lambda p: tanh_(1, 0, p, -5, 5))},
         st)
    case("ref_one_minus_sqrt", "param total = 100\n"
         "schedule a = one_minus_sqrt(1e-3 -> 0)\n"
         "schedule b = one_minus_sqrt(1 -> 0.1)\n",
         {"a": prog(lambda p: omsqrt(1e-3, 0, p)),
          "b": prog(lambda p: omsqrt(1, 0.1, p))},
         st)
    case("ref_range_test", "param total = 100\n"
         "schedule a = range_test()\n"
         "schedule b = range_test(1e-6, 1)\n",
         {"a": prog(lambda p: geo(1e-7, 10, p)),
          "b": prog(lambda p: geo(1e-6, 1, p))},
         st)
    case("ref_triangle", "param total = 100\n"
         "schedule a = triangle(0.1 -> 1)\n"
         "schedule b = triangle(0 -> 1, over = 20) then 0\n",
         {"a": prog(lambda p: tri(0.1, 1, p)),
          "b": top(T, lambda s, L: chain(s, [(20, lambda s, L: tri(0, 1, progress(s, L))),
                                              (None, lambda s, L: 0.0)], L))},
         st)


def inf_span_cases():
    # No `total`: the span is infinite, `step` is the global step.
    def vaswani(peak, warm):
        # Vaswani et al. 2017 normalised to peak: min(step/warm, sqrt(warm/step))
        def f(g):
            s = clamp_step(g)
            return peak * (s / warm if s < warm else math.sqrt(warm / s))
        return f

    def hf_inv_sqrt(peak, warm, ts):
        # Hugging Face get_inverse_sqrt_schedule: 1/sqrt((step + ts - warm)/ts)
        def f(g):
            s = clamp_step(g)
            return peak * (s / warm if s < warm else 1 / math.sqrt((s + ts - warm) / ts))
        return f
    case("ref_inv_sqrt", "schedule a = inv_sqrt(1e-3, 100)\n"
         "schedule b = inv_sqrt(1e-3, 100, timescale = 1000)\n",
         {"a": vaswani(1e-3, 100), "b": hf_inv_sqrt(1e-3, 100, 1000)},
         steps_for(INF, (100, 1000, 10 ** 6)))
    case("ref_inverse_time", "schedule a = inverse_time(0.1, 0.01)\n",
         {"a": lambda g: 0.1 / (1 + 0.01 * clamp_step(g))},
         steps_for(INF, (10 ** 9,)))
    case("ref_decays", "schedule a = step_decay(0.1, 0.5, 7)\n"
         "schedule b = multistep(0.1, 0.1, [10, 25, 60])\n"
         "schedule c = piecewise([0.1, 0.05, 0.01], [10, 30])\n",
         {"a": lambda g: 0.1 * 0.5 ** (clamp_step(g) // 7),
          "b": lambda g: 0.1 * 0.1 ** sum(1 for m in (10, 25, 60) if clamp_step(g) >= m),
          "c": lambda g: [0.1, 0.05, 0.01][sum(1 for m in (10, 30) if clamp_step(g) >= m)]},
         steps_for(INF, (7, 14, 700, 10, 25, 30, 60)))
    case("ref_clr", "schedule a = triangular(0.001, 0.006, 20)\n"
         "schedule b = triangular2(0.001, 0.006, 20)\n"
         "schedule c = exp_range(0.001, 0.006, 20, 0.999)\n",
         {"a": lambda g: clr(0.001, 0.006, 20, clamp_step(g), "triangular"),
          "b": lambda g: clr(0.001, 0.006, 20, clamp_step(g), "triangular2"),
          "c": lambda g: clr(0.001, 0.006, 20, clamp_step(g), "exp_range", 0.999)},
         steps_for(INF, (20, 40, 400, 10000)))


def sgdr_cases():
    # SGDR, Loshchilov & Hutter 2017: T_i = T_0 T_mult^i; the peak shrinks
    # by `decay` per restart (as in timm's cycle_decay).
    def sgdr(peak, floor, period, mult, decay, total):
        def f(g):
            s = clamp_step(g, total)
            i, t, L = restarts_cycle(s, period, mult, total)
            return cos_anneal(peak * decay ** i, floor, t / L)
        return f
    case("ref_sgdr", "param total = 150\n"
         "schedule a = sgdr(0.1, 1e-3, 30)\n"
         "schedule b = sgdr(0.1, 1e-3, 10, mult = 2, decay = 0.5)\n",
         {"a": sgdr(0.1, 1e-3, 30, 1, 1, 150), "b": sgdr(0.1, 1e-3, 10, 2, 0.5, 150)},
         steps_for(150))


def recipe_cases():
    T = 100
    case("ref_warmup", "param total = 100\n"
         "schedule a = warmup(10, cosine(0.1 -> 0))\n"
         "schedule b = warmup(20, linear(1 -> 0.5), from = 0.1)\n",
         {"a": top(T, lambda s, L: chain(s, [(10, lambda s, L: lin(0, 0.1, progress(s, L))),
                                              (None, lambda s, L: cos_anneal(0.1, 0, progress(s, L)))], L)),
          "b": top(T, lambda s, L: chain(s, [(20, lambda s, L: lin(0.1, 1, progress(s, L))),
                                              (None, lambda s, L: lin(1, 0.5, progress(s, L)))], L))},
         steps_for(T))
    case("ref_warmup_cosine", "param total = 100\n"
         "schedule a = warmup_cosine(0.1, 10, 0.001)\n"
         "schedule b = warmup_cosine(1, 25)\n",
         {"a": top(T, lambda s, L: chain(s, [(10, lambda s, L: lin(0, 0.1, progress(s, L))),
                                              (None, lambda s, L: cos_anneal(0.1, 0.001, progress(s, L)))], L)),
          "b": top(T, lambda s, L: chain(s, [(25, lambda s, L: lin(0, 1, progress(s, L))),
                                              (None, lambda s, L: cos_anneal(1, 0, progress(s, L)))], L))},
         steps_for(T))

    # 1cycle, Smith & Topin 2019, shaped as PyTorch's OneCycleLR (initial
    # peak/div, final peak/div/final_div, cos or linear anneal, three_phase),
    # with our boundary rule: warm = round(pct * total), progress = s / warm
    # (PyTorch instead ends phase 1 at pct*total - 1).
    def onecycle(peak, total, pct=0.3, div=25, final_div=1e4, anneal=cos_anneal, three=False):
        w = dur(pct * total)
        if three:
            segs = [(w, lambda s, L: anneal(peak / div, peak, progress(s, L))),
                    (w, lambda s, L: anneal(peak, peak / div, progress(s, L))),
                    (None, lambda s, L: anneal(peak / div, peak / div / final_div, progress(s, L)))]
        else:
            segs = [(w, lambda s, L: anneal(peak / div, peak, progress(s, L))),
                    (None, lambda s, L: anneal(peak, peak / div / final_div, progress(s, L)))]
        return top(total, lambda s, L: chain(s, segs, L))

    def onecycle_m(high, low, total, pct=0.3, three=False):
        w = dur(pct * total)
        if three:
            segs = [(w, lambda s, L: cos_anneal(high, low, progress(s, L))),
                    (w, lambda s, L: cos_anneal(low, high, progress(s, L))),
                    (None, lambda s, L: high)]
        else:
            segs = [(w, lambda s, L: cos_anneal(high, low, progress(s, L))),
                    (None, lambda s, L: cos_anneal(low, high, progress(s, L)))]
        return top(total, lambda s, L: chain(s, segs, L))

    T = 1000
    b = (250, 300, 500, 600)
    case("ref_onecycle", "param total = 1000\n"
         "schedule a = onecycle(0.1)\n"
         "schedule b = onecycle(0.1, pct = 0.25, anneal = linear)\n"
         "schedule c = onecycle(0.1, three_phase = true)\n"
         "schedule d = onecycle(1, div = 10, final_div = 100)\n",
         {"a": onecycle(0.1, T), "b": onecycle(0.1, T, pct=0.25, anneal=lin),
          "c": onecycle(0.1, T, three=True), "d": onecycle(1, T, div=10, final_div=100)},
         steps_for(T, b))
    case("ref_onecycle_momentum", "param total = 1000\n"
         "schedule a = onecycle_momentum()\n"
         "schedule b = onecycle_momentum(0.9, 0.8, pct = 0.25)\n"
         "schedule c = onecycle_momentum(three_phase = true)\n",
         {"a": onecycle_m(0.95, 0.85, T), "b": onecycle_m(0.9, 0.8, T, 0.25),
          "c": onecycle_m(0.95, 0.85, T, three=True)},
         steps_for(T, b))

    # Warmup-stable-decay, Hu et al. 2024 (MiniCPM), Hagele et al. 2024.
    def wsd(peak, warm, decay, total, floor=0.0, shape=lin):
        segs = [(warm, lambda s, L: lin(0, peak, progress(s, L))),
                (None, lambda s, L: peak),
                (decay, lambda s, L: shape(peak, floor, progress(s, L)))]
        return top(total, lambda s, L: chain(s, segs, L))
    T = 1000
    case("ref_wsd", "param total = 1000\n"
         "schedule a = wsd(1e-3, 100, 200)\n"
         "schedule b = wsd(1e-3, 50, 100, floor = 1e-5, shape = cosine)\n"
         "schedule c = wsd(1e-3, 100, 200, shape = one_minus_sqrt)\n",
         {"a": wsd(1e-3, 100, 200, T), "b": wsd(1e-3, 50, 100, T, 1e-5, cos_anneal),
          "c": wsd(1e-3, 100, 200, T, 0.0, omsqrt)},
         steps_for(T, (50, 100, 800, 900)))


def language_examples():
    # The examples of section 2 of docs/language.md, verbatim where they are
    # complete programs.
    peak, T = 3e-4, 100000
    case("ref_example_transformer",
         "# transformer default: linear warmup, cosine decay to 10% of peak\n"
         "param peak  = 3e-4\n"
         "param total = 100_000          # the training budget, in steps\n\n"
         "schedule lr = linear(0 -> peak) for 2000 then cosine(peak -> peak / 10)\n",
         {"lr": top(T, lambda s, L: chain(s, [(2000, lambda s, L: lin(0, peak, progress(s, L))),
                                               (None, lambda s, L: cos_anneal(peak, peak / 10, progress(s, L)))], L))},
         steps_for(T, (2000,)))

    def sgdr_ex(g):
        s = clamp_step(g, 11730)
        i, t, L = restarts_cycle(s, 3910, 2, 11730)
        return cos_anneal(0.1 * 0.5 ** i, 1e-4, t / L)
    case("ref_example_sgdr",
         "# SGDR (Loshchilov & Hutter), peak halves at every restart\n"
         "param total = 30 epochs\n"
         "param steps_per_epoch = 391\n"
         "schedule lr = restarts(cosine(0.1 * 0.5 ^ cycle -> 1e-4), period = 10 epochs, mult = 2)\n",
         {"lr": sgdr_ex}, steps_for(11730, (3910, 11730)))

    def oc(s, L, a, b, c):
        w = dur(0.3 * L)
        return chain(s, [(w, lambda s, L: cos_anneal(a, b, progress(s, L))),
                         (None, lambda s, L: cos_anneal(b, c, progress(s, L)))], L)
    case("ref_example_onecycle",
         "# 1cycle (Smith & Topin): lr up then down, momentum the other way\n"
         "param total = 10_000\n"
         "schedule lr       = onecycle(peak = 0.1)\n"
         "schedule momentum = onecycle_momentum(high = 0.95, low = 0.85)\n",
         {"lr": top(10000, lambda s, L: oc(s, L, 0.004, 0.1, 0.1 / 25 / 1e4)),
          "momentum": top(10000, lambda s, L: oc(s, L, 0.95, 0.85, 0.95))},
         steps_for(10000, (900, 3000)))
    case("ref_example_wsd",
         "# warmup-stable-decay: the middle segment stretches to fill the budget\n"
         "param total = 50_000\n"
         "schedule lr = linear(0 -> 1e-3) for 1000 then 1e-3 then linear(1e-3 -> 0) for 10%\n",
         {"lr": top(50000, lambda s, L: chain(s, [(1000, lambda s, L: lin(0, 1e-3, progress(s, L))),
                                                   (None, lambda s, L: 1e-3),
                                                   (5000, lambda s, L: lin(1e-3, 0, progress(s, L)))], L))},
         steps_for(50000, (1000, 45000)))
    # The step-decay example needs steps_per_epoch, which section 2 leaves
    # out; 100 steps per epoch here.
    def sampled(g):
        s = clamp_step(g, 9000)
        k = (s // 3000) * 3000
        return geo(0.1, 0.001, progress(k, 9000))
    case("ref_example_step_decay",
         "# step decay, written three ways\n"
         "param steps_per_epoch = 100\n"
         "schedule a = 0.1 for 30 epochs then 0.01 for 30 epochs then 0.001\n"
         "schedule b = multistep(0.1, gamma = 0.1, at = [30 epochs, 60 epochs])\n"
         "schedule c = sample(exponential(0.1 -> 0.001) for 90 epochs, every = 30 epochs)\n",
         {"a": lambda g: chain(clamp_step(g), [(3000, lambda s, L: 0.1), (3000, lambda s, L: 0.01),
                                               (None, lambda s, L: 0.001)], INF),
          "b": lambda g: 0.1 * 0.1 ** sum(1 for m in (3000, 6000) if clamp_step(g) >= m),
          "c": sampled},
         steps_for(9000, (3000, 6000, 9000)))


# ------------------------------------------------------------ PyTorch

def torch_cases():
    import warnings
    import torch
    warnings.filterwarnings("ignore")
    S = torch.optim.lr_scheduler

    def run(make, lr, n, closed_form=False):
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=lr)
        sch = make(opt)
        out = [opt.param_groups[0]["lr"]]
        for _ in range(n):
            opt.step()
            sch.step()
            out.append(sch._get_closed_form_lr()[0] if closed_form else opt.param_groups[0]["lr"])
        return out

    def tcase(name, src, cols, n):
        steps = list(range(n + 1))
        refs = {k: (lambda v: (lambda g: v[g]))(v) for k, v in cols.items()}
        case(name, src, refs, steps)

    tcase("torch_steplr", "schedule a = step_decay(0.1, 0.1, 30)\n"
          "schedule b = step_decay(0.05, 0.5, 7)\n",
          {"a": run(lambda o: S.StepLR(o, step_size=30, gamma=0.1), 0.1, 200),
           "b": run(lambda o: S.StepLR(o, step_size=7, gamma=0.5), 0.05, 200)}, 200)
    tcase("torch_multisteplr", "schedule a = multistep(0.1, 0.1, [30, 80])\n"
          "schedule b = multistep(1, 0.5, [5, 6, 50, 120])\n",
          {"a": run(lambda o: S.MultiStepLR(o, milestones=[30, 80], gamma=0.1), 0.1, 200),
           "b": run(lambda o: S.MultiStepLR(o, milestones=[5, 6, 50, 120], gamma=0.5), 1.0, 200)}, 200)
    tcase("torch_exponentiallr", "schedule a = 0.1 * 0.95 ^ step\n"
          "schedule b = exponential(0.1 -> 0.1 * 0.95 ^ 300) for 300\n",
          {"a": run(lambda o: S.ExponentialLR(o, gamma=0.95), 0.1, 300),
           "b": run(lambda o: S.ExponentialLR(o, gamma=0.95), 0.1, 300)}, 300)
    # CosineAnnealingLR steps recursively (each lr from the previous one),
    # our cosine is the closed form.  The recursion's drift from torch's own
    # _get_closed_form_lr is measured here: the recursive values are the
    # table while it stays below 1e-13 (it is ~5e-16 with torch 1.13);
    # otherwise the table falls back to _get_closed_form_lr.
    def cosine_table(T, lr, eta_min):
        rec = run(lambda o: S.CosineAnnealingLR(o, T_max=T, eta_min=eta_min), lr, T)
        closed = run(lambda o: S.CosineAnnealingLR(o, T_max=T, eta_min=eta_min), lr, T, True)
        drift = max(abs(a - b) / abs(b) for a, b in zip(rec, closed) if b)
        return rec if drift < 1e-13 else closed
    rec = cosine_table(100, 0.1, 0.001)
    rec2 = cosine_table(1000, 1.0, 0.0)
    tcase("torch_cosineannealinglr", "param total = 100\nschedule a = cosine(0.1 -> 0.001)\n",
          {"a": rec}, 100)
    tcase("torch_cosineannealinglr_closed", "param total = 1000\nschedule a = cosine(1 -> 0)\n",
          {"a": rec2}, 1000)
    tcase("torch_polynomiallr", "schedule a = poly(0.1 -> 0) for 50 then 0\n"
          "schedule b = poly(0.1 -> 0, power = 2) for 50 then 0\n",
          {"a": run(lambda o: S.PolynomialLR(o, total_iters=50, power=1.0), 0.1, 100),
           "b": run(lambda o: S.PolynomialLR(o, total_iters=50, power=2.0), 0.1, 100)}, 100)
    tcase("torch_linearlr", "schedule a = linear(0.025 -> 0.1) for 20 then 0.1\n"
          "schedule b = linear(0.1 -> 0.01) for 40 then 0.01\n",
          {"a": run(lambda o: S.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=20), 0.1, 100),
           "b": run(lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=40), 0.1, 100)}, 100)
    tcase("torch_constantlr", "schedule a = 0.1 / 3 for 10 then 0.1\n",
          {"a": run(lambda o: S.ConstantLR(o, factor=1 / 3, total_iters=10), 0.1, 60)}, 60)

    def cyc(mode, gamma=1.0):
        return run(lambda o: S.CyclicLR(o, base_lr=0.001, max_lr=0.006, step_size_up=20, mode=mode,
                                        gamma=gamma, cycle_momentum=False), 0.001, 400)
    tcase("torch_cycliclr", "schedule a = triangular(0.001, 0.006, 20)\n"
          "schedule b = triangular2(0.001, 0.006, 20)\n"
          "schedule c = exp_range(0.001, 0.006, 20, 0.999)\n",
          {"a": cyc("triangular"), "b": cyc("triangular2"), "c": cyc("exp_range", 0.999)}, 400)


def write():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith((".lrs", ".csv")):
            os.remove(os.path.join(OUT, f))
    for name, src, refs, steps in CASES:
        with open(os.path.join(OUT, name + ".lrs"), "w") as f:
            f.write("# Reference case %s: see tests/reference/gen_reference.py.\n" % name)
            f.write(src)
        cols = list(refs)
        with open(os.path.join(OUT, name + ".csv"), "w") as f:
            f.write(",".join(["step"] + cols) + "\n")
            for g in steps:
                f.write(",".join([str(g)] + [repr(float(refs[c](g))) for c in cols]) + "\n")


if __name__ == "__main__":
    profile_cases()
    inf_span_cases()
    sgdr_cases()
    recipe_cases()
    language_examples()
    torch_cases()
    write()
    print("%d cases written to %s" % (len(CASES), OUT), file=sys.stderr)
