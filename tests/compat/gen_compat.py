#!/usr/bin/python3
"""Write the reference tables of tests/compat/cases/: for each case a `.lrs`
program calling the compatibility functions of stdlib/compat_*.lrs, and a
`.csv` table (`step,NAME,...`) of the values the original library gives.

Sources, one section each:
  torch   PyTorch's own schedulers (torch.optim.lr_scheduler), driven with a
          dummy SGD optimizer; the value before the first scheduler.step()
          is step 0.  Needs Debian's python3-torch (1.13):
              /usr/bin/python3 tests/compat/gen_compat.py
  hf, keras, optax, timm, fastai
          line-by-line transcriptions of the original formulas, in double
          precision, each citing the file it comes from.  Hugging Face,
          Keras, optax, timm and fastai are not needed to run this script.

The tables are committed: the test (tests/check_table.py) needs neither torch nor
numpy.  Steps cover each schedule's domain densely, with every boundary and
its neighbours.  Tolerance of the check: 1e-12 relative; an expected exact
zero must come out as |value| <= 1e-300.
"""
import bisect
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cases")
CASES = []


def case(name, src, cols, steps):
    """cols: {schedule name: f(step) -> value}."""
    CASES.append((name, src, cols, list(steps)))


def steps_upto(n, extra=()):
    return sorted(set(range(0, n + 1)) | {s for s in extra if s >= 0})


def table(values):
    return lambda g: values[g]


# ---------------------------------------------------------------- PyTorch

def torch_cases():
    import warnings
    import torch
    warnings.filterwarnings("ignore")
    S = torch.optim.lr_scheduler
    notes = []

    def run(make, lr, n, field="lr", closed=False):
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=lr, momentum=0.9)
        sch = make(opt)
        out = [opt.param_groups[0][field]]
        for _ in range(n):
            opt.step()
            sch.step()
            if closed:
                out.append(sch._get_closed_form_lr()[0])
            else:
                out.append(opt.param_groups[0][field])
        return out

    def drift(rec, ref):
        return max((abs(a - b) / abs(b) if b else abs(a)) for a, b in zip(rec, ref))

    def tcase(name, src, cols, n):
        case(name, src, {k: table(v) for k, v in cols.items()}, range(n + 1))

    tcase("torch_step",
          "schedule a = torch_step(0.1, 30)\n"
          "schedule b = torch_step(0.05, 7, gamma = 0.5)\n"
          "schedule c = torch_step(lr = 1, step_size = 1, gamma = 0.9)\n",
          {"a": run(lambda o: S.StepLR(o, 30), 0.1, 200),
           "b": run(lambda o: S.StepLR(o, 7, gamma=0.5), 0.05, 200),
           "c": run(lambda o: S.StepLR(o, 1, gamma=0.9), 1.0, 200)}, 200)
    tcase("torch_multistep",
          "schedule a = torch_multistep(0.1, [30, 80])\n"
          "schedule b = torch_multistep(1, [5, 6, 6, 50, 120], gamma = 0.5)\n",
          {"a": run(lambda o: S.MultiStepLR(o, [30, 80]), 0.1, 200),
           "b": run(lambda o: S.MultiStepLR(o, [5, 6, 6, 50, 120], gamma=0.5), 1.0, 200)}, 200)
    tcase("torch_constant",
          "schedule a = torch_constant(0.1)\n"
          "schedule b = torch_constant(0.1, factor = 0.5, total_iters = 20)\n"
          "schedule c = torch_constant(0.1, total_iters = 0)\n",
          {"a": run(lambda o: S.ConstantLR(o), 0.1, 60),
           "b": run(lambda o: S.ConstantLR(o, factor=0.5, total_iters=20), 0.1, 60),
           "c": run(lambda o: S.ConstantLR(o, total_iters=0), 0.1, 60)}, 60)
    tcase("torch_linear",
          "schedule a = torch_linear(0.1)\n"
          "schedule b = torch_linear(0.1, start_factor = 0.25, total_iters = 20)\n"
          "schedule c = torch_linear(0.1, 1, 0.1, 40)\n"
          "schedule d = torch_linear(0.1, start_factor = 0.5, total_iters = 0)\n",
          {"a": run(lambda o: S.LinearLR(o), 0.1, 100),
           "b": run(lambda o: S.LinearLR(o, start_factor=0.25, total_iters=20), 0.1, 100),
           "c": run(lambda o: S.LinearLR(o, 1.0, 0.1, 40), 0.1, 100),
           "d": run(lambda o: S.LinearLR(o, start_factor=0.5, total_iters=0), 0.1, 100)}, 100)
    tcase("torch_exponential",
          "schedule a = torch_exponential(0.1, 0.95)\n"
          "schedule b = torch_exponential(1, gamma = 0.999)\n",
          {"a": run(lambda o: S.ExponentialLR(o, 0.95), 0.1, 300),
           "b": run(lambda o: S.ExponentialLR(o, gamma=0.999), 1.0, 300)}, 300)
    tcase("torch_polynomial",
          "schedule a = torch_polynomial(0.1)\n"
          "schedule b = torch_polynomial(0.1, total_iters = 50, power = 2)\n"
          "schedule c = torch_polynomial(0.1, 40, 0.5)\n"
          "schedule d = torch_polynomial(0.1, total_iters = 0)\n"
          "schedule e = torch_polynomial(0.1, total_iters = 2.5)\n"
          "schedule f = torch_polynomial(0.1, 37.5, power = 1.5)\n",
          {"a": run(lambda o: S.PolynomialLR(o), 0.1, 100),
           "b": run(lambda o: S.PolynomialLR(o, total_iters=50, power=2.0), 0.1, 100),
           "c": run(lambda o: S.PolynomialLR(o, total_iters=40, power=0.5), 0.1, 100),
           "d": run(lambda o: S.PolynomialLR(o, total_iters=0), 0.1, 100),
           "e": run(lambda o: S.PolynomialLR(o, total_iters=2.5), 0.1, 100),
           "f": run(lambda o: S.PolynomialLR(o, total_iters=37.5, power=1.5), 0.1, 100)}, 100)

    # CosineAnnealingLR steps recursively; its values past T_max follow the
    # closed form (back up to lr at 2 T_max).  Where the recursion drifts
    # from the closed form by more than 1e-12 (eta_min = 0 near the
    # minimum) the table holds torch's own _get_closed_form_lr.
    cols = {}
    for col, lr, T, eta, n in (("a", 0.1, 100, 0.001, 450), ("b", 1.0, 50, 0.0, 250),
                               ("c", 0.1, 7, 0.01, 60)):
        mk = lambda o, T=T, eta=eta: S.CosineAnnealingLR(o, T_max=T, eta_min=eta)
        rec, closed = run(mk, lr, n), run(mk, lr, n, closed=True)
        closed[0] = rec[0]
        d = drift(rec, closed)
        notes.append("torch_cosine_annealing %s: recursive form drifts %.3g from the closed form%s"
                     % (col, d, "; table = closed form" if d > 1e-12 else ""))
        cols[col] = closed if d > 1e-12 else rec
    case("torch_cosine_annealing",
         "schedule a = torch_cosine_annealing(0.1, 100, eta_min = 0.001)\n"
         "schedule b = torch_cosine_annealing(1, T_max = 50)\n"
         "schedule c = torch_cosine_annealing(0.1, 7, 0.01)\n",
         {"a": table(cols["a"]), "b": table(cols["b"]), "c": table(cols["c"])}, range(61))
    case("torch_cosine_annealing_long",
         "schedule a = torch_cosine_annealing(0.1, 100, eta_min = 0.001)\n"
         "schedule b = torch_cosine_annealing(1, T_max = 50)\n",
         {"a": table(cols["a"]), "b": table(cols["b"])}, range(61, 251))

    tcase("torch_cosine_warm_restarts",
          "schedule a = torch_cosine_warm_restarts(0.1, 10)\n"
          "schedule b = torch_cosine_warm_restarts(0.1, 10, T_mult = 2, eta_min = 0.001)\n"
          "schedule c = torch_cosine_warm_restarts(1, T_0 = 3, T_mult = 3)\n",
          {"a": run(lambda o: S.CosineAnnealingWarmRestarts(o, 10), 0.1, 400),
           "b": run(lambda o: S.CosineAnnealingWarmRestarts(o, 10, T_mult=2, eta_min=0.001), 0.1, 400),
           "c": run(lambda o: S.CosineAnnealingWarmRestarts(o, 3, T_mult=3), 1.0, 400)}, 400)

    def cyc(field, n, **kw):
        return run(lambda o: S.CyclicLR(o, **kw), kw.get("base_lr", 0.1), n, field)
    tcase("torch_cyclic",
          "schedule a = torch_cyclic_triangular(0.001, 0.006, 20)\n"
          "schedule b = torch_cyclic_triangular2(0.001, 0.006, 20)\n"
          "schedule c = torch_cyclic_exp_range(0.001, 0.006, 20, gamma = 0.999)\n"
          "schedule d = torch_cyclic_triangular(0.001, 0.006, step_size_up = 7, step_size_down = 13)\n"
          "schedule e2 = torch_cyclic_triangular2(base_lr = 0.01, max_lr = 0.1, step_size_up = 3, step_size_down = 10)\n"
          "schedule f = torch_cyclic_exp_range(0.001, 0.006, 5, 15, 0.995)\n"
          "schedule g = torch_cyclic_triangular(0.1, 1)\n",
          {"a": cyc("lr", 400, base_lr=0.001, max_lr=0.006, step_size_up=20, cycle_momentum=False),
           "b": cyc("lr", 400, base_lr=0.001, max_lr=0.006, step_size_up=20, mode="triangular2",
                    cycle_momentum=False),
           "c": cyc("lr", 400, base_lr=0.001, max_lr=0.006, step_size_up=20, mode="exp_range",
                    gamma=0.999, cycle_momentum=False),
           "d": cyc("lr", 400, base_lr=0.001, max_lr=0.006, step_size_up=7, step_size_down=13,
                    cycle_momentum=False),
           "e2": cyc("lr", 400, base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=10,
                     mode="triangular2", cycle_momentum=False),
           "f": cyc("lr", 400, base_lr=0.001, max_lr=0.006, step_size_up=5, step_size_down=15,
                    mode="exp_range", gamma=0.995, cycle_momentum=False),
           "g": cyc("lr", 400, base_lr=0.1, max_lr=1.0, cycle_momentum=False)}, 400)
    case("torch_cyclic_long",
         "schedule g = torch_cyclic_triangular(0.1, 1)\n"
         "schedule m = torch_cyclic_momentum()\n",
         {"g": table(cyc("lr", 8200, base_lr=0.1, max_lr=1.0, cycle_momentum=False)),
          "m": table(cyc("momentum", 8200, base_lr=0.1, max_lr=1.0))},
         sorted(set(range(0, 8201, 97)) | {k * 2000 + d for k in range(5) for d in (-1, 0, 1) if k * 2000 + d >= 0}))
    tcase("torch_cyclic_momentum",
          "schedule a = torch_cyclic_momentum(0.8, 0.9, 20)\n"
          "schedule b = torch_cyclic_momentum(0.85, 0.95, 7, 13, mode = torch_cyclic_triangular2)\n"
          "schedule c = torch_cyclic_momentum(step_size_up = 5, step_size_down = 15, mode = torch_cyclic_exp_range, gamma = 0.995)\n",
          {"a": cyc("momentum", 300, base_lr=0.001, max_lr=0.006, step_size_up=20),
           "b": cyc("momentum", 300, base_lr=0.001, max_lr=0.006, step_size_up=7, step_size_down=13,
                    mode="triangular2", base_momentum=0.85, max_momentum=0.95),
           "c": cyc("momentum", 300, base_lr=0.001, max_lr=0.006, step_size_up=5, step_size_down=15,
                    mode="exp_range", gamma=0.995)}, 300)

    # OneCycleLR is defined up to last_epoch = total_steps (stepping further
    # raises); every step of that domain is in the table.
    def oc(field, total, **kw):
        return run(lambda o: S.OneCycleLR(o, total_steps=total, **kw), kw.get("max_lr", 0.1), total, field)
    tcase("torch_onecycle",
          "schedule a = torch_onecycle(0.1, 100)\n"
          "schedule b = torch_onecycle(0.1, 100, three_phase = true)\n"
          "schedule c = torch_onecycle(1, 100, pct_start = 0.25, div_factor = 10, final_div_factor = 100)\n"
          "schedule d = torch_onecycle(0.1, total_steps = 100, pct_start = 0.45, three_phase = true)\n"
          "schedule ma = torch_onecycle_momentum(100)\n"
          "schedule mb = torch_onecycle_momentum(100, three_phase = true)\n"
          "schedule mc = torch_onecycle_momentum(100, 0.25, base_momentum = 0.8, max_momentum = 0.9)\n",
          {"a": oc("lr", 100, max_lr=0.1),
           "b": oc("lr", 100, max_lr=0.1, three_phase=True),
           "c": oc("lr", 100, max_lr=1.0, pct_start=0.25, div_factor=10, final_div_factor=100),
           "d": oc("lr", 100, max_lr=0.1, pct_start=0.45, three_phase=True),
           "ma": oc("momentum", 100, max_lr=0.1),
           "mb": oc("momentum", 100, max_lr=0.1, three_phase=True),
           "mc": oc("momentum", 100, max_lr=0.1, pct_start=0.25, base_momentum=0.8, max_momentum=0.9)}, 100)
    tcase("torch_onecycle_odd",
          "schedule a = torch_onecycle(0.01, 333, pct_start = 0.3)\n"
          "schedule b = torch_onecycle(0.01, 333, three_phase = true)\n"
          "schedule ma = torch_onecycle_momentum(333, three_phase = true)\n",
          {"a": oc("lr", 333, max_lr=0.01),
           "b": oc("lr", 333, max_lr=0.01, three_phase=True),
           "ma": oc("momentum", 333, max_lr=0.01, three_phase=True)}, 333)
    # anneal_strategy="linear": PyTorch extrapolates past the last phase at
    # step total_steps (a negative lr for these values), which lrs cannot
    # give; the table stops at total_steps - 1.
    lin = {"a": oc("lr", 100, max_lr=0.1, anneal_strategy="linear"),
           "b": oc("lr", 100, max_lr=0.1, anneal_strategy="linear", three_phase=True),
           "ma": oc("momentum", 100, max_lr=0.1, anneal_strategy="linear"),
           "mb": oc("momentum", 100, max_lr=0.1, anneal_strategy="linear", three_phase=True)}
    tcase("torch_onecycle_linear",
          "schedule a = torch_onecycle(0.1, 100, anneal = linear)\n"
          "schedule b = torch_onecycle(0.1, 100, anneal = linear, three_phase = true)\n"
          "schedule ma = torch_onecycle_momentum(100, anneal = linear)\n"
          "schedule mb = torch_onecycle_momentum(100, anneal = linear, three_phase = true)\n",
          lin, 99)
    return notes


# ------------------------------------------------------- Hugging Face
# transformers/src/transformers/optimization.py (v4.46-v4.50): the
# _get_*_lr_lambda functions, transcribed; LambdaLR multiplies them by lr.

def hf_warm(cs, nw):
    return float(cs) / float(max(1, nw))


def hf_linear(cs, nw, nt):
    if cs < nw:
        return hf_warm(cs, nw)
    return max(0.0, float(nt - cs) / float(max(1, nt - nw)))


def hf_cosine(cs, nw, nt, num_cycles=0.5):
    if cs < nw:
        return hf_warm(cs, nw)
    progress = float(cs - nw) / float(max(1, nt - nw))
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))


def hf_hard_restarts(cs, nw, nt, num_cycles=1):
    if cs < nw:
        return hf_warm(cs, nw)
    progress = float(cs - nw) / float(max(1, nt - nw))
    if progress >= 1.0:
        return 0.0
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((float(num_cycles) * progress) % 1.0))))


def hf_poly(cs, nw, nt, lr_end, power, lr_init):
    if cs < nw:
        return hf_warm(cs, nw)
    elif cs > nt:
        return lr_end / lr_init
    else:
        lr_range = lr_init - lr_end
        decay_steps = nt - nw
        pct_remaining = 1 - (cs - nw) / decay_steps
        decay = lr_range * pct_remaining ** power + lr_end
        return decay / lr_init


def hf_inv_sqrt(cs, nw, timescale=None):
    if timescale is None:
        timescale = nw or 10_000
    if cs < nw:
        return hf_warm(cs, nw)
    shift = timescale - nw
    return 1.0 / math.sqrt((cs + shift) / timescale)


def hf_cos_min(cs, nw, nt, num_cycles, min_lr_rate):
    if cs < nw:
        return hf_warm(cs, nw)
    progress = float(cs - nw) / float(max(1, nt - nw))
    factor = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
    factor = factor * (1 - min_lr_rate) + min_lr_rate
    return max(0, factor)


def hf_wsd(cs, nw, nd, nt=None, ns=None, warmup_type="linear", decay_type="cosine", min_lr_ratio=0,
           num_cycles=0.5):
    if ns is None:
        ns = nt - nw - nd
    if cs < nw:
        progress = float(cs) / float(max(1, nw))
        if warmup_type == "linear":
            factor = progress
        elif warmup_type == "cosine":
            factor = 0.5 * (1.0 - math.cos(math.pi * progress))
        elif warmup_type == "1-sqrt":
            factor = 1.0 - math.sqrt(1.0 - progress)
        factor = factor * (1.0 - min_lr_ratio) + min_lr_ratio
        return max(0.0, factor)
    if cs < nw + ns:
        return 1.0
    if cs < nw + ns + nd:
        progress = float(cs - nw - ns) / float(max(1, nd))
        if decay_type == "linear":
            factor = 1.0 - progress
        elif decay_type == "cosine":
            factor = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
        elif decay_type == "1-sqrt":
            factor = 1.0 - math.sqrt(progress)
        factor = factor * (1.0 - min_lr_ratio) + min_lr_ratio
        return max(0.0, factor)
    return min_lr_ratio


def hf_cases():
    def lam(lr, f):
        return lambda g: lr * f(g)
    N = range(0, 261)
    case("hf_basic",
         "schedule a = hf_constant(3e-4)\n"
         "schedule b = hf_constant_with_warmup(3e-4, 20)\n"
         "schedule c = hf_linear(3e-4, 20, 200)\n"
         "schedule d = hf_linear(lr = 0.1, num_warmup_steps = 0, num_training_steps = 150)\n"
         "schedule f = hf_constant_with_warmup(0.1, num_warmup_steps = 1)\n",
         {"a": lam(3e-4, lambda g: 1), "b": lam(3e-4, lambda g: 1.0 if g >= 20 else hf_warm(g, 20)),
          "c": lam(3e-4, lambda g: hf_linear(g, 20, 200)), "d": lam(0.1, lambda g: hf_linear(g, 0, 150)),
          "f": lam(0.1, lambda g: 1.0 if g >= 1 else hf_warm(g, 1))}, N)
    case("hf_cosine",
         "schedule a = hf_cosine(3e-4, 20, 200)\n"
         "schedule b = hf_cosine(1, 10, 100, num_cycles = 2)\n"
         "schedule c = hf_cosine_with_restarts(1, 10, 200)\n"
         "schedule d = hf_cosine_with_restarts(0.1, 10, 200, num_cycles = 3)\n"
         "schedule f = hf_cosine_with_min_lr(1, 20, 200, min_lr = 0.1)\n"
         "schedule g = hf_cosine_with_min_lr(0.5, 20, 200, num_cycles = 0.7, min_lr_rate = 0.05)\n",
         {"a": lam(3e-4, lambda g: hf_cosine(g, 20, 200)), "b": lam(1.0, lambda g: hf_cosine(g, 10, 100, 2)),
          "c": lam(1.0, lambda g: hf_hard_restarts(g, 10, 200)),
          "d": lam(0.1, lambda g: hf_hard_restarts(g, 10, 200, 3)),
          "f": lam(1.0, lambda g: hf_cos_min(g, 20, 200, 0.5, 0.1 / 1.0)),
          "g": lam(0.5, lambda g: hf_cos_min(g, 20, 200, 0.7, 0.05))}, N)
    case("hf_polynomial",
         "schedule a = hf_polynomial(1e-3, 20, 200)\n"
         "schedule b = hf_polynomial(1e-3, 20, 200, lr_end = 1e-5, power = 2)\n"
         "schedule c = hf_polynomial(0.1, 0, 100, 0.001, 0.5)\n",
         {"a": lam(1e-3, lambda g: hf_poly(g, 20, 200, 1e-7, 1.0, 1e-3)),
          "b": lam(1e-3, lambda g: hf_poly(g, 20, 200, 1e-5, 2.0, 1e-3)),
          "c": lam(0.1, lambda g: hf_poly(g, 0, 100, 0.001, 0.5, 0.1))}, N)
    case("hf_inverse_sqrt",
         "schedule a = hf_inverse_sqrt(1e-3, 20)\n"
         "schedule b = hf_inverse_sqrt(1e-3, 20, timescale = 50)\n"
         "schedule c = hf_inverse_sqrt(1e-3, 0)\n",
         {"a": lam(1e-3, lambda g: hf_inv_sqrt(g, 20)), "b": lam(1e-3, lambda g: hf_inv_sqrt(g, 20, 50)),
          "c": lam(1e-3, lambda g: hf_inv_sqrt(g, 0))},
         list(N) + [1000, 10000, 123457, 10 ** 9])
    case("hf_warmup_stable_decay",
         "schedule a = hf_warmup_stable_decay(1e-3, 20, 50, 200)\n"
         "schedule b = hf_warmup_stable_decay(1e-3, 20, 50, num_stable_steps = 100, warmup_type = hf_wsd_cosine,"
         " decay_type = hf_wsd_1_sqrt, min_lr_ratio = 0.1)\n"
         "schedule c = hf_warmup_stable_decay(1e-3, 30, 60, 200, warmup_type = hf_wsd_1_sqrt,"
         " decay_type = hf_wsd_linear)\n"
         "schedule d = hf_warmup_stable_decay(1e-3, 10, 100, 150, decay_type = hf_wsd_cosine, num_cycles = 0.3,"
         " min_lr_ratio = 0.01)\n",
         {"a": lam(1e-3, lambda g: hf_wsd(g, 20, 50, 200)),
          "b": lam(1e-3, lambda g: hf_wsd(g, 20, 50, None, 100, "cosine", "1-sqrt", 0.1)),
          "c": lam(1e-3, lambda g: hf_wsd(g, 30, 60, 200, None, "1-sqrt", "linear")),
          "d": lam(1e-3, lambda g: hf_wsd(g, 10, 100, 150, None, "linear", "cosine", 0.01, 0.3))}, N)
    case("hf_long_warmup",
         "schedule a = hf_linear(3e-4, 2000, 100000)\n"
         "schedule b = hf_cosine(3e-4, 2000, 100000)\n"
         "schedule c = hf_warmup_stable_decay(3e-4, 2000, 10000, 100000, warmup_type = hf_wsd_cosine)\n",
         {"a": lam(3e-4, lambda g: hf_linear(g, 2000, 100000)),
          "b": lam(3e-4, lambda g: hf_cosine(g, 2000, 100000)),
          "c": lam(3e-4, lambda g: hf_wsd(g, 2000, 10000, 100000, None, "cosine"))},
         sorted(set(range(0, 20)) | set(range(1990, 2011)) | set(range(0, 100001, 499))
                | set(range(89990, 90011)) | set(range(99990, 100011))))


# -------------------------------------------------------------- Keras
# keras/src/optimizers/schedules/learning_rate_schedule.py (Keras 3.x),
# the __call__ methods, transcribed in double precision.

def keras_exp(step, ilr, ds, dr, staircase=False):
    p = step / ds
    if staircase:
        p = math.floor(p)
    return ilr * dr ** p


def keras_piecewise(step, boundaries, values):
    # pred_fn_pairs: x <= b[0] -> v[0]; x > b[-1] -> v[-1];
    # low < x <= high -> v[i]
    if step <= boundaries[0]:
        return values[0]
    if step > boundaries[-1]:
        return values[-1]
    for low, high, v in zip(boundaries[:-1], boundaries[1:], values[1:-1]):
        if low < step <= high:
            return v


def keras_poly(step, ilr, ds, end=0.0001, power=1.0, cycle=False):
    gs = float(step)
    dsr = float(ds)
    if cycle:
        multiplier = 1.0 if gs == 0 else math.ceil(gs / ds)
        dsr = dsr * multiplier
    else:
        gs = min(gs, dsr)
    p = gs / dsr
    return (ilr - end) * (1 - p) ** power + end


def keras_inv_time(step, ilr, ds, dr, staircase=False):
    p = step / ds
    if staircase:
        p = math.floor(p)
    return ilr / (1 + dr * p)


def keras_cosine(step, ilr, ds, alpha=0.0, warmup_target=None, warmup_steps=0):
    def decay(s, ds, from_lr):
        cf = s / ds
        cd = 0.5 * (1.0 + math.cos(math.pi * cf))
        return from_lr * ((1 - alpha) * cd + alpha)
    gs = float(step)
    if warmup_target is None:
        gs = min(gs, ds)
        return decay(gs, ds, ilr)
    gs = min(gs, ds + warmup_steps)
    if gs < warmup_steps:
        return (warmup_target - ilr) * (gs / warmup_steps) + ilr
    return decay(gs - warmup_steps, ds, warmup_target)


def keras_cdr(step, ilr, first, t_mul=2.0, m_mul=1.0, alpha=0.0):
    cf = float(step) / first
    if t_mul == 1.0:
        i = math.floor(cf)
        cf -= i
    else:
        i = math.floor(math.log(1.0 - cf * (1.0 - t_mul)) / math.log(t_mul))
        sum_r = (1.0 - t_mul ** i) / (1.0 - t_mul)
        cf = (cf - sum_r) / t_mul ** i
    m_fac = m_mul ** i
    cd = 0.5 * m_fac * (1.0 + math.cos(math.pi * cf))
    return ilr * ((1 - alpha) * cd + alpha)


def keras_cases():
    N = range(0, 301)
    case("keras_decays",
         "schedule a = keras_exponential_decay(0.1, 10, 0.9)\n"
         "schedule b = keras_exponential_decay(0.1, 30, 0.5, staircase = true)\n"
         "schedule c = keras_inverse_time_decay(0.1, 10, 0.5)\n"
         "schedule d = keras_inverse_time_decay(0.1, 25, 1, staircase = true)\n"
         "schedule f = keras_piecewise_constant_decay([10, 20, 20.5, 100], [1, 0.5, 0.1, 0.05, 0.01])\n"
         "schedule g = keras_piecewise_constant_decay(boundaries = [100], values = [0.1, 0.01])\n",
         {"a": lambda g: keras_exp(g, 0.1, 10, 0.9), "b": lambda g: keras_exp(g, 0.1, 30, 0.5, True),
          "c": lambda g: keras_inv_time(g, 0.1, 10, 0.5), "d": lambda g: keras_inv_time(g, 0.1, 25, 1.0, True),
          "f": lambda g: keras_piecewise(g, [10, 20, 20.5, 100], [1, 0.5, 0.1, 0.05, 0.01]),
          "g": lambda g: keras_piecewise(g, [100], [0.1, 0.01])}, N)
    case("keras_polynomial",
         "schedule a = keras_polynomial_decay(0.1, 100)\n"
         "schedule b = keras_polynomial_decay(0.1, 100, 0.001, power = 2)\n"
         "schedule c = keras_polynomial_decay(0.1, 40, 0.01, 0.5, cycle = true)\n"
         "schedule d = keras_polynomial_decay(0.1, 7, end_learning_rate = 0, cycle = true)\n",
         {"a": lambda g: keras_poly(g, 0.1, 100), "b": lambda g: keras_poly(g, 0.1, 100, 0.001, 2.0),
          "c": lambda g: keras_poly(g, 0.1, 40, 0.01, 0.5, True),
          "d": lambda g: keras_poly(g, 0.1, 7, 0.0, 1.0, True)}, N)
    case("keras_cosine",
         "schedule a = keras_cosine_decay(0.1, 100)\n"
         "schedule b = keras_cosine_decay(0.1, 100, alpha = 0.1)\n"
         "schedule c = keras_cosine_decay(0, 100, warmup_target = 0.1, warmup_steps = 20)\n"
         "schedule d = keras_cosine_decay(0.01, 150, 0.05, 0.1, 33)\n",
         {"a": lambda g: keras_cosine(g, 0.1, 100), "b": lambda g: keras_cosine(g, 0.1, 100, 0.1),
          "c": lambda g: keras_cosine(g, 0.0, 100, 0.0, 0.1, 20),
          "d": lambda g: keras_cosine(g, 0.01, 150, 0.05, 0.1, 33)}, N)
    case("keras_cosine_restarts",
         "schedule a = keras_cosine_decay_restarts(0.1, 10)\n"
         "schedule b = keras_cosine_decay_restarts(0.1, 20, t_mul = 1, m_mul = 0.5)\n"
         "schedule c = keras_cosine_decay_restarts(1, 7, 3, 0.8, alpha = 0.01)\n"
         "schedule d = keras_cosine_decay_restarts(1, 10, t_mul = 1.5)\n",
         {"a": lambda g: keras_cdr(g, 0.1, 10), "b": lambda g: keras_cdr(g, 0.1, 20, 1.0, 0.5),
          "c": lambda g: keras_cdr(g, 1.0, 7, 3.0, 0.8, 0.01), "d": lambda g: keras_cdr(g, 1.0, 10, 1.5)},
         range(0, 1001))


# -------------------------------------------------------------- optax
# optax/schedules/_schedule.py and _join.py (optax 0.2.x), transcribed in
# double precision (numpy's operations are the same IEEE operations).

def ox_poly(init_value, end_value, power, transition_steps, transition_begin=0):
    if transition_steps <= 0:
        return lambda count: init_value
    if transition_begin < 0:
        transition_begin = 0

    def schedule(count):
        count = min(max(count - transition_begin, 0), transition_steps)
        frac = 1 - count / transition_steps
        return (init_value - end_value) * (frac ** power) + end_value
    return schedule


def ox_linear(init_value, end_value, transition_steps, transition_begin=0):
    return ox_poly(init_value, end_value, 1, transition_steps, transition_begin)


def ox_exp(init_value, transition_steps, decay_rate, transition_begin=0, staircase=False, end_value=None):
    if transition_steps <= 0 or decay_rate == 0:
        return lambda count: init_value
    if transition_begin < 0:
        transition_begin = 0
    clip_fn = max if decay_rate < 1.0 else min

    def schedule(count):
        decreased_count = count - transition_begin
        p = decreased_count / transition_steps
        if staircase:
            p = math.floor(p)
        v = init_value if decreased_count <= 0 else init_value * decay_rate ** p
        if end_value is not None:
            v = clip_fn(v, end_value)
        return v
    return schedule


def ox_cosine(init_value, decay_steps, alpha=0.0, exponent=1.0):
    def schedule(count):
        count = min(float(count), float(decay_steps))
        cosine_decay = 0.5 * (1 + math.cos(math.pi * count / decay_steps))
        decayed = (1 - alpha) * cosine_decay ** exponent + alpha
        return init_value * decayed
    return schedule


def ox_join(schedules, boundaries):
    def schedule(step):
        output = schedules[0](step)
        for boundary, s in zip(boundaries, schedules[1:]):
            output = output if step < boundary else s(step - boundary)
        return output
    return schedule


def ox_warmup_cosine(init_value, peak_value, warmup_steps, decay_steps, end_value=0.0, exponent=1.0):
    alpha = 0.0 if peak_value == 0.0 else end_value / peak_value
    return ox_join([ox_linear(init_value, peak_value, warmup_steps),
                    ox_cosine(peak_value, decay_steps - warmup_steps, alpha, exponent)], [warmup_steps])


def ox_warmup_exp(init_value, peak_value, warmup_steps, transition_steps, decay_rate, transition_begin=0,
                  staircase=False, end_value=None):
    return ox_join([ox_linear(init_value, peak_value, warmup_steps),
                    ox_exp(peak_value, transition_steps, decay_rate, transition_begin, staircase, end_value)],
                   [warmup_steps])


def ox_piecewise_constant(init_value, boundaries_and_scales):
    def schedule(count):
        v = init_value
        for threshold, scale in sorted(boundaries_and_scales.items()):
            indicator = max(0.0, math.copysign(1.0, threshold - count) if threshold != count else 0.0)
            v = v * indicator + (1 - indicator) * scale * v
        return v
    return schedule


def ox_lin_interp(start, end, pct):
    return (end - start) * pct + start


def ox_cos_interp(start, end, pct):
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def ox_piecewise_interpolate(interpolate_type, init_value, boundaries_and_scales):
    fn = {"linear": ox_lin_interp, "cosine": ox_cos_interp}[interpolate_type]
    if boundaries_and_scales:
        boundaries, scales = zip(*sorted(boundaries_and_scales.items()))
    else:
        boundaries, scales = (), ()

    def schedule(count):
        bounds = (0,) + boundaries
        values = [init_value]
        for s in scales:
            values.append(values[-1] * s)
        out = 0.0
        for i in range(len(bounds) - 1):
            size = max(bounds[i + 1] - bounds[i], 1)
            if bounds[i] <= count < bounds[i + 1]:
                out += fn(values[i], values[i + 1], (count - bounds[i]) / size)
        return out + (values[-1] if bounds[-1] <= count else 0.0)
    return schedule


def ox_linear_onecycle(transition_steps, peak_value, pct_start=0.3, pct_final=0.85, div_factor=25.0,
                       final_div_factor=1e4):
    return ox_piecewise_interpolate("linear", peak_value / div_factor,
                                    {int(pct_start * transition_steps): div_factor,
                                     int(pct_final * transition_steps): 1.0 / div_factor,
                                     transition_steps: 1.0 / final_div_factor})


def ox_cosine_onecycle(transition_steps, peak_value, pct_start=0.3, div_factor=25.0, final_div_factor=1e4):
    return ox_piecewise_interpolate("cosine", peak_value / div_factor,
                                    {int(pct_start * transition_steps): div_factor,
                                     int(transition_steps): 1.0 / (div_factor * final_div_factor)})


def ox_sgdr(cosine_kwargs):
    boundaries, schedules, step = [], [], 0
    for kwargs in cosine_kwargs:
        schedules += [ox_warmup_cosine(**kwargs)]
        boundaries += [step + kwargs["decay_steps"]]
        step += kwargs["decay_steps"]
    return ox_join(schedules, boundaries[:-1])


def optax_cases():
    N = range(0, 301)
    case("optax_polynomial",
         "schedule a = optax_polynomial(0.1, 0.001, 2, 100)\n"
         "schedule b = optax_polynomial(0.1, 0, 0.5, 100, transition_begin = 50)\n"
         "schedule c = optax_linear(0, 0.1, 30)\n"
         "schedule d = optax_polynomial(0.1, 0.2, 1, 0)\n",
         {"a": ox_poly(0.1, 0.001, 2, 100), "b": ox_poly(0.1, 0.0, 0.5, 100, 50),
          "c": ox_linear(0.0, 0.1, 30), "d": ox_poly(0.1, 0.2, 1, 0)}, N)
    case("optax_exponential",
         "schedule a = optax_exponential_decay(0.1, 10, 0.9)\n"
         "schedule b = optax_exponential_decay(0.1, 25, 0.5, transition_begin = 40, staircase = true)\n"
         "schedule c = optax_exponential_decay(0.1, 10, 0.8, end_value = 0.01)\n"
         "schedule d = optax_exponential_decay(0.001, 10, 1.5, 20, end_value = 0.05)\n",
         {"a": ox_exp(0.1, 10, 0.9), "b": ox_exp(0.1, 25, 0.5, 40, True), "c": ox_exp(0.1, 10, 0.8, end_value=0.01),
          "d": ox_exp(0.001, 10, 1.5, 20, end_value=0.05)}, N)
    case("optax_cosine",
         "schedule a = optax_cosine_decay(0.1, 100)\n"
         "schedule b = optax_cosine_decay(0.1, 100, alpha = 0.1, exponent = 2)\n"
         "schedule c = optax_warmup_cosine_decay(0, 0.1, 20, 200)\n"
         "schedule d = optax_warmup_cosine_decay(1e-4, 1e-3, 30, 250, end_value = 1e-5, exponent = 0.5)\n"
         "schedule f = optax_warmup_exponential_decay(0, 0.1, 20, 10, 0.9)\n"
         "schedule g = optax_warmup_exponential_decay(0, 0.1, 20, 10, 0.5, 15, true, 0.01)\n",
         {"a": ox_cosine(0.1, 100), "b": ox_cosine(0.1, 100, 0.1, 2.0), "c": ox_warmup_cosine(0.0, 0.1, 20, 200),
          "d": ox_warmup_cosine(1e-4, 1e-3, 30, 250, 1e-5, 0.5), "f": ox_warmup_exp(0.0, 0.1, 20, 10, 0.9),
          "g": ox_warmup_exp(0.0, 0.1, 20, 10, 0.5, 15, True, 0.01)}, N)
    case("optax_piecewise",
         "schedule a = optax_piecewise_constant(0.1, [50, 100, 200], [0.5, 0.1, 2])\n"
         "schedule b = optax_piecewise_interpolate(linear, 1, [4, 8], [0.1, 0.01])\n"
         "schedule c = optax_piecewise_interpolate(cosine, 0.1, [30, 100, 101, 250], [10, 0.5, 0.1, 0.2])\n"
         "schedule d = optax_linear_onecycle(200, 0.1)\n"
         "schedule f = optax_cosine_onecycle(200, 0.1)\n"
         "schedule g = optax_cosine_onecycle(155, 1, pct_start = 0.25, div_factor = 10, final_div_factor = 100)\n"
         "schedule h = optax_piecewise_constant(0.1, [], [])\n"
         "schedule i = optax_piecewise_interpolate(cosine, 0.1, [], [])\n",
         {"a": ox_piecewise_constant(0.1, {50: 0.5, 100: 0.1, 200: 2.0}),
          "b": ox_piecewise_interpolate("linear", 1.0, {4: 0.1, 8: 0.01}),
          "c": ox_piecewise_interpolate("cosine", 0.1, {30: 10.0, 100: 0.5, 101: 0.1, 250: 0.2}),
          "d": ox_linear_onecycle(200, 0.1), "f": ox_cosine_onecycle(200, 0.1),
          "g": ox_cosine_onecycle(155, 1.0, 0.25, 10.0, 100.0),
          "h": ox_piecewise_constant(0.1, {}), "i": ox_piecewise_interpolate("cosine", 0.1, {})}, N)
    kw = dict(init_value=0.0, peak_value=0.1, warmup_steps=10, decay_steps=50)
    kw2 = dict(init_value=0.01, peak_value=1.0, warmup_steps=0, decay_steps=33, end_value=0.001)
    case("optax_sgdr",
         "schedule a = optax_sgdr(0, 0.1, 10, 50, cycles = 4)\n"
         "schedule b = optax_sgdr(0.01, 1, 0, 33, end_value = 0.001, cycles = 3)\n",
         {"a": ox_sgdr([kw] * 4), "b": ox_sgdr([kw2] * 3)}, N)


# --------------------------------------------------------------- timm
# timm/scheduler/cosine_lr.py, tanh_lr.py, poly_lr.py, step_lr.py,
# multistep_lr.py (timm 0.9-1.0): __init__'s warmup_steps and _get_lr,
# transcribed, for one param group with base value `lr`.  Noise is not in
# these tables (see check_noise.py).

def timm_cycle(t, t_initial, cycle_mul):
    if cycle_mul != 1:
        i = math.floor(math.log(1 - t / t_initial * (1 - cycle_mul), cycle_mul))
        t_i = cycle_mul ** i * t_initial
        t_curr = t - (1 - cycle_mul ** i) / (1 - cycle_mul) * t_initial
    else:
        i = t // t_initial
        t_i = t_initial
        t_curr = t - (t_initial * i)
    return i, t_i, t_curr


def timm_cosine(lr, t_initial, lr_min=0., cycle_mul=1., cycle_decay=1., cycle_limit=1, warmup_t=0,
                warmup_lr_init=0, warmup_prefix=False, k_decay=1.0):
    warmup_step = (lr - warmup_lr_init) / warmup_t if warmup_t else 1

    def get(t):
        if t < warmup_t:
            return warmup_lr_init + t * warmup_step
        if warmup_prefix:
            t = t - warmup_t
        i, t_i, t_curr = timm_cycle(t, t_initial, cycle_mul)
        lr_max = lr * cycle_decay ** i
        if i < cycle_limit:
            return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t_curr ** k_decay / t_i ** k_decay))
        return lr_min
    return get


def timm_tanh(lr, t_initial, lb=-7., ub=3., lr_min=0., cycle_mul=1., cycle_decay=1., cycle_limit=1, warmup_t=0,
              warmup_lr_init=0, warmup_prefix=False):
    def core(t):
        i, t_i, t_curr = timm_cycle(t, t_initial, cycle_mul)
        if i < cycle_limit:
            lr_max = lr * cycle_decay ** i
            tr = t_curr / t_i
            return lr_min + 0.5 * (lr_max - lr_min) * (1 - math.tanh(lb * (1. - tr) + ub * tr))
        return lr_min

    def get(t):
        if t < warmup_t:
            return warmup_lr_init + t * warmup_step
        if warmup_prefix:
            t = t - warmup_t
        return core(t)
    if warmup_t:
        t_v = lr if warmup_prefix else get(warmup_t)
        warmup_step = (t_v - warmup_lr_init) / warmup_t
    else:
        warmup_step = 1
    return get


def timm_poly(lr, t_initial, power=0.5, lr_min=0., cycle_mul=1., cycle_decay=1., cycle_limit=1, warmup_t=0,
              warmup_lr_init=0, warmup_prefix=False, k_decay=1.0):
    warmup_step = (lr - warmup_lr_init) / warmup_t if warmup_t else 1

    def get(t):
        if t < warmup_t:
            return warmup_lr_init + t * warmup_step
        if warmup_prefix:
            t = t - warmup_t
        i, t_i, t_curr = timm_cycle(t, t_initial, cycle_mul)
        lr_max = lr * cycle_decay ** i
        if i < cycle_limit:
            return lr_min + (lr_max - lr_min) * (1 - t_curr ** k_decay / t_i ** k_decay) ** power
        return lr_min
    return get


def timm_step(lr, decay_t, decay_rate=1., warmup_t=0, warmup_lr_init=0, warmup_prefix=True):
    warmup_step = (lr - warmup_lr_init) / warmup_t if warmup_t else 1

    def get(t):
        if t < warmup_t:
            return warmup_lr_init + t * warmup_step
        if warmup_prefix:
            t = t - warmup_t
        return lr * (decay_rate ** (t // decay_t))
    return get


def timm_multistep(lr, decay_t, decay_rate=1., warmup_t=0, warmup_lr_init=0, warmup_prefix=True):
    warmup_step = (lr - warmup_lr_init) / warmup_t if warmup_t else 1

    def get(t):
        if t < warmup_t:
            return warmup_lr_init + t * warmup_step
        if warmup_prefix:
            t = t - warmup_t
        return lr * (decay_rate ** bisect.bisect_right(decay_t, t))
    return get


def timm_cases():
    N = range(0, 401)
    case("timm_cosine",
         "schedule a = timm_cosine(0.1, 100)\n"
         "schedule b = timm_cosine(0.1, 50, lr_min = 1e-4, cycle_limit = 4, cycle_decay = 0.5, warmup_t = 5,"
         " warmup_lr_init = 1e-5)\n"
         "schedule c = timm_cosine(0.1, 30, cycle_mul = 2, cycle_limit = 4, warmup_t = 10, warmup_prefix = true)\n"
         "schedule d = timm_cosine(0.1, 40, 1e-3, 1.5, 0.8, 10, k_decay = 2)\n"
         "schedule f = timm_cosine(0.1, 60, cycle_limit = 3, k_decay = 0.5, warmup_t = 7, warmup_lr_init = 0.01)\n",
         {"a": timm_cosine(0.1, 100),
          "b": timm_cosine(0.1, 50, lr_min=1e-4, cycle_limit=4, cycle_decay=0.5, warmup_t=5, warmup_lr_init=1e-5),
          "c": timm_cosine(0.1, 30, cycle_mul=2, cycle_limit=4, warmup_t=10, warmup_prefix=True),
          "d": timm_cosine(0.1, 40, 1e-3, 1.5, 0.8, 10, k_decay=2.0),
          "f": timm_cosine(0.1, 60, cycle_limit=3, k_decay=0.5, warmup_t=7, warmup_lr_init=0.01)}, N)
    case("timm_tanh_poly",
         "schedule a = timm_tanh(0.1, 100)\n"
         "schedule b = timm_tanh(0.1, 50, lb = -6, ub = 4, lr_min = 1e-4, cycle_limit = 3, warmup_t = 5)\n"
         "schedule c = timm_tanh(0.1, 30, cycle_mul = 2, cycle_limit = 3, cycle_decay = 0.7, warmup_t = 10,"
         " warmup_prefix = true, warmup_lr_init = 1e-3)\n"
         "schedule d = timm_poly(0.1, 100)\n"
         "schedule f = timm_poly(0.1, 50, power = 2, lr_min = 1e-4, cycle_limit = 3, warmup_t = 5, k_decay = 1.5)\n"
         "schedule g = timm_poly(0.1, 30, 1, cycle_mul = 2, cycle_limit = 3, warmup_t = 10, warmup_prefix = true)\n",
         {"a": timm_tanh(0.1, 100),
          "b": timm_tanh(0.1, 50, lb=-6., ub=4., lr_min=1e-4, cycle_limit=3, warmup_t=5),
          "c": timm_tanh(0.1, 30, cycle_mul=2, cycle_limit=3, cycle_decay=0.7, warmup_t=10, warmup_prefix=True,
                         warmup_lr_init=1e-3),
          "d": timm_poly(0.1, 100),
          "f": timm_poly(0.1, 50, power=2., lr_min=1e-4, cycle_limit=3, warmup_t=5, k_decay=1.5),
          "g": timm_poly(0.1, 30, 1., cycle_mul=2, cycle_limit=3, warmup_t=10, warmup_prefix=True)}, N)
    case("timm_step",
         "schedule a = timm_step(0.1, 30, 0.1)\n"
         "schedule b = timm_step(0.1, 30, decay_rate = 0.5, warmup_t = 5, warmup_lr_init = 1e-4)\n"
         "schedule c = timm_step(0.1, 30, 0.5, 5, 1e-4, warmup_prefix = false)\n"
         "schedule d = timm_multistep(0.1, [30, 60, 60, 90], 0.1)\n"
         "schedule f = timm_multistep(0.1, [30, 60], decay_rate = 0.5, warmup_t = 10, warmup_lr_init = 1e-3)\n"
         "schedule g = timm_multistep(0.1, [30, 60], 0.5, 10, warmup_prefix = false)\n",
         {"a": timm_step(0.1, 30, 0.1), "b": timm_step(0.1, 30, 0.5, 5, 1e-4),
          "c": timm_step(0.1, 30, 0.5, 5, 1e-4, False), "d": timm_multistep(0.1, [30, 60, 60, 90], 0.1),
          "f": timm_multistep(0.1, [30, 60], 0.5, 10, 1e-3), "g": timm_multistep(0.1, [30, 60], 0.5, 10, 0, False)},
         range(0, 201))


# ------------------------------------------------------------- fastai
# fastai/callback/schedule.py (fastai 2.7): sched_cos, SchedExp,
# combine_scheds, combined_cos, fit_one_cycle, fit_flat_cos, fit_sgdr and
# LRFinder, transcribed in double precision; pos = iteration / (n_epoch *
# n_iter) (Learner.pct_train), computed directly.

def fa_sched_cos(start, end, pos):
    return start + (1 + math.cos(math.pi * (1 - pos))) * (end - start) / 2


def fa_combine_scheds(pcts, scheds):
    assert sum(pcts) == 1.
    c = [0.0]
    for p in pcts:
        c.append(c[-1] + p)
    pct_lim = len(c) - 2

    def inner(pos):
        idx = min(max(i for i in range(len(c)) if pos >= c[i]), pct_lim)
        actual_pos = (pos - c[idx]) / (c[idx + 1] - c[idx])
        return scheds[idx](actual_pos)
    return inner


def fa_combined_cos(pct, start, middle, end):
    return fa_combine_scheds([pct, 1 - pct], [lambda p: fa_sched_cos(start, middle, p),
                                              lambda p: fa_sched_cos(middle, end, p)])


def fa_over(n_epoch, n_iter, f):
    return lambda g: f(min(g, n_epoch * n_iter) / (n_epoch * n_iter))


def fastai_cases():
    lr = 0.01
    case("fastai",
         "schedule a = fastai_fit_one_cycle(5, 0.01, n_iter = 40)\n"
         "schedule b = fastai_fit_one_cycle_moms(5, n_iter = 40)\n"
         "schedule c = fastai_fit_one_cycle(4, 0.1, div = 10, div_final = 1e4, pct_start = 0.3, n_iter = 25)\n"
         "schedule d = fastai_fit_one_cycle_moms(4, [0.9, 0.8, 0.85], 0.3, n_iter = 25)\n"
         "schedule f = fastai_fit_flat_cos(5, 0.01, n_iter = 40)\n"
         "schedule g = fastai_fit_sgdr(3, 1, 0.01, n_iter = 20)\n"
         "schedule k = fastai_lr_find()\n"
         "schedule m = fastai_lr_find(1e-6, 1, num_it = 150)\n",
         {"a": fa_over(5, 40, fa_combined_cos(0.25, lr / 25., lr, lr / 1e5)),
          "b": fa_over(5, 40, fa_combined_cos(0.25, 0.95, 0.85, 0.95)),
          "c": fa_over(4, 25, fa_combined_cos(0.3, 0.1 / 10., 0.1, 0.1 / 1e4)),
          "d": fa_over(4, 25, fa_combined_cos(0.3, 0.9, 0.8, 0.85)),
          "f": fa_over(5, 40, fa_combined_cos(0.75, lr, lr, lr / 1e5)),
          "g": fa_over(7, 20, fa_sgdr(3, 1, lr, 2)),
          "k": lambda g: 1e-7 * (10 / 1e-7) ** (min(g, 100) / 100),
          "m": lambda g: 1e-6 * (1 / 1e-6) ** (min(g, 150) / 150)},
         range(0, 200))


def fa_sgdr(n_cycles, cycle_len, lr_max, cycle_mult):
    n_epoch = cycle_len * (cycle_mult ** n_cycles - 1) // (cycle_mult - 1)
    pcts = [cycle_len * cycle_mult ** i / n_epoch for i in range(n_cycles)]
    return fa_combine_scheds(pcts, [lambda p: fa_sched_cos(lr_max, 0, p) for _ in range(n_cycles)])


SECTIONS = [torch_cases, hf_cases, keras_cases, optax_cases, timm_cases, fastai_cases]


# ------------------------------------------------------------------ output

def write(notes):
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith((".lrs", ".csv")):
            os.remove(os.path.join(OUT, f))
    for name, src, cols, steps in CASES:
        with open(os.path.join(OUT, name + ".lrs"), "w") as f:
            f.write("# Compatibility case %s: see tests/compat/gen_compat.py.\n" % name)
            f.write(src)
        names = list(cols)
        with open(os.path.join(OUT, name + ".csv"), "w") as f:
            f.write(",".join(["step"] + names) + "\n")
            for g in steps:
                f.write(",".join([str(g)] + [repr(float(cols[c](g))) for c in names]) + "\n")
    with open(os.path.join(OUT, "NOTES.txt"), "w") as f:
        f.write("Generated by gen_compat.py.\n")
        for n in notes:
            f.write(n + "\n")


if __name__ == "__main__":
    notes = []
    for section in SECTIONS:
        notes += section() or []
    write(notes)
    for n in notes:
        print(n, file=sys.stderr)
    print("%d cases written to %s" % (len(CASES), OUT), file=sys.stderr)
