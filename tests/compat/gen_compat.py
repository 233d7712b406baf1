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

The tables are committed: the test (check_compat.py) needs neither torch nor
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
          "schedule c = torch_linear(0.1, 1, 0.1, 40)\n",
          {"a": run(lambda o: S.LinearLR(o), 0.1, 100),
           "b": run(lambda o: S.LinearLR(o, start_factor=0.25, total_iters=20), 0.1, 100),
           "c": run(lambda o: S.LinearLR(o, 1.0, 0.1, 40), 0.1, 100)}, 100)
    tcase("torch_exponential",
          "schedule a = torch_exponential(0.1, 0.95)\n"
          "schedule b = torch_exponential(1, gamma = 0.999)\n",
          {"a": run(lambda o: S.ExponentialLR(o, 0.95), 0.1, 300),
           "b": run(lambda o: S.ExponentialLR(o, gamma=0.999), 1.0, 300)}, 300)
    tcase("torch_polynomial",
          "schedule a = torch_polynomial(0.1)\n"
          "schedule b = torch_polynomial(0.1, total_iters = 50, power = 2)\n"
          "schedule c = torch_polynomial(0.1, 40, 0.5)\n",
          {"a": run(lambda o: S.PolynomialLR(o), 0.1, 100),
           "b": run(lambda o: S.PolynomialLR(o, total_iters=50, power=2.0), 0.1, 100),
           "c": run(lambda o: S.PolynomialLR(o, total_iters=40, power=0.5), 0.1, 100)}, 100)

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


SECTIONS = [torch_cases]


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
