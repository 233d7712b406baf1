#!/usr/bin/env python3
"""Random well-typed .lrs programs for the backend's differential tests.

usage: gen_programs.py [--count N] [--seed S] [-o FILE]

Writes a bundle: programs separated by "#=== NAME" lines. The same seed
gives the same bundle. Programs are built top-down with the context in
hand (is the span known, and how long is it) so that durations fit and
stretch segments are legal; values may be negative or NaN, so the tests
compile them with the value checker off. Every construct of the language
appears: then/for chains with stretch segments, units, restarts with
mult != 1 and limit, sample, at with a step-dependent k, index/pick over
lists (short ones, and tables of 16 entries or more), noise, horizon, ?:,
every math builtin, stdlib calls, defs with defaults and function-valued
arguments, and signals with every detector and the
reactive compatibility functions (the test evaluates those under random
detector values).
"""
import argparse
import random
import sys

MATH1 = ["abs", "floor", "ceil", "round", "sqrt", "exp", "log", "log2", "sin", "cos", "tanh"]
MATH2 = ["min", "max", "pow", "mod"]
PROFILES = ["linear", "cosine", "exponential", "poly", "rex", "tanh_decay", "one_minus_sqrt"]
CMP = ["<", "<=", ">", ">=", "==", "!="]


class Gen:
    def __init__(self, rng, srng=None, hrng=None, trng=None):
        self.r = rng
        # Signals draw from their own generator, so that the programs
        # without signals stay those of earlier versions of this script;
        # so do the horizons wrapped around schedules.
        self.sr = srng or random.Random(0)
        self.hr = hrng or random.Random(1)
        self.tr = trng or random.Random(2)  # and the lists made tables
        self.signals = []
        self.defs = []       # (name, text, kind): kind "num" or "profile" or "shape"
        self.total = None
        self.spe = None
        # Inside a stretch segment nothing may have a duration of its own:
        # no restarts with a finite limit, no chain without a stretch.
        self.free = 0

    def num(self, lo=0.001, hi=1.0):
        v = self.r.choice([self.r.uniform(lo, hi), round(self.r.uniform(lo, hi), 3),
                           self.r.choice([0.1, 0.5, 1, 2, 1e-3, 3e-4])])
        return repr(v) if isinstance(v, float) else str(v)

    def pos(self):
        """A positive constant expression."""
        r = self.r.random()
        if r < 0.7:
            return self.num()
        if r < 0.8:
            return "%s * %s" % (self.num(), self.num(0.5, 2))
        if r < 0.9:
            return self.r.choice(["pi / 10", "e / 100", "2 ^ -3", "sqrt(2) / 10"])
        return "p%d" % self.r.randrange(2)

    def duration(self, most):
        """A duration of at most `most` steps (an int), in some unit."""
        # at least one step: a zero-length segment leaves nothing for a
        # stretch segment nested in it
        d = self.r.randint(1, max(1, most))
        r = self.r.random()
        if r < 0.15 and self.spe and d >= self.spe:
            return "%d epochs" % (d // self.spe), (d // self.spe) * self.spe
        if r < 0.3 and self.total:
            pct = int(d * 100 / self.total)
            steps = int(round(pct / 100 * self.total))
            if 1 <= steps <= most:
                return "%d%%" % pct, steps
        if r < 0.4:
            return "%d steps" % d, d
        return str(d), d

    # ---- numbers: schedules in the current context -----------------------
    def numexpr(self, depth, span):
        if self.signals and self.sr.random() < 0.2:
            return self.detector()
        r = self.r.random()
        if depth <= 0 or r < 0.25:
            return self.r.choice([self.pos(), "step", "progress", "cycle", "global_step",
                                  "step / 100", "progress * %s" % self.num()])
        d = depth - 1
        if r < 0.45:
            op = self.r.choice(["+", "-", "*", "/"])
            return "(%s %s %s)" % (self.numexpr(d, span), op, self.numexpr(d, span))
        if r < 0.55:
            f = self.r.choice(MATH1)
            return "%s(%s)" % (f, self.numexpr(d, span))
        if r < 0.63:
            f = self.r.choice(MATH2 + ["clamp"])
            if f == "clamp":
                return "clamp(%s, %s, %s)" % (self.numexpr(d, span), self.num(0, 0.1), self.num(0.2, 1))
            if f == "mod":
                return "mod(%s, %s)" % (self.numexpr(d, span), self.r.choice(["7", "2.5", "-3", "step + 1"]))
            if f == "pow":
                return "%s ^ %s" % (self.num(0.1, 1), self.numexpr(d, span))
            return "%s(%s, %s)" % (f, self.numexpr(d, span), self.numexpr(d, span))
        if r < 0.7:
            c = "%s %s %s" % (self.numexpr(d, span), self.r.choice(CMP), self.numexpr(d, span))
            if self.r.random() < 0.3:
                c = "(%s) %s %s" % (c, self.r.choice(["&&", "||"]),
                                   self.r.choice(["step > 10", "!(progress < 0.5)", "cycle == 0"]))
            return "(%s ? %s : %s)" % (c, self.numexpr(d, span), self.numexpr(d, span))
        if r < 0.75:
            lst = sorted(self.r.sample(range(1, 5000), self.r.randint(1, 4)))
            if self.tr.random() < 0.15:  # a table
                lst = sorted(self.tr.sample(range(1, 5000), self.tr.randint(16, 24)))
            return "%s ^ index([%s], step)" % (self.num(0.1, 0.9), ", ".join(map(str, lst)))
        if r < 0.8:
            vals = [self.num() for _ in range(self.r.randint(1, 4))]
            if self.tr.random() < 0.15:  # a table
                vals = [repr(self.tr.uniform(0.001, 1)) for _ in range(self.tr.randint(16, 24))]
            return "pick([%s], %s)" % (", ".join(vals), self.r.choice(["step / 1000", "cycle", "progress * 3", "-1"]))
        if r < 0.85:
            k = self.r.choice(["0", "10", "floor(step / 100) * 100", "step / 2", "step + 5"])
            return "at(%s, %s)" % (self.sched(d, span), k)
        if r < 0.9 and self.defs:
            return self.call_def(d, span)
        return "(%s)" % self.sched(d, span)

    def detector(self):
        sr, sig = self.sr, self.sr.choice(self.signals)
        return sr.choice([
            "plateaus(%s, patience = %d)" % (sig, sr.randint(0, 5)),
            "plateaus(%s, mode = max, threshold = 0.01, threshold_mode = abs, cooldown = %d)"
            % (sig, sr.randint(0, 3)),
            "plateaus(%s, rule = %s)" % (sig, sr.choice(["keras", "sklearn"])),
            "0.5 ^ plateaus(%s)" % sig,
            "reports(%s)" % sig,
            "last(%s, default = %s)" % (sig, sr.choice(["0", "0.5", "-2"])),
            "best(%s, mode = %s)" % (sig, sr.choice(["min", "max"])),
            "torch_reduce_on_plateau(%s, 0.1, patience = %d)" % (sig, sr.randint(0, 3)),
            "keras_reduce_on_plateau(%s, 0.1, min_lr = 1e-3)" % sig,
            "sklearn_adaptive(%s)" % sig,
        ])

    def call_def(self, depth, span):
        name, params, kind = self.r.choice(self.defs)
        if kind == "shape":
            prof = self.r.choice(PROFILES + [n for n, _, k in self.defs if k == "profile"])
            return "%s(%s, %s)" % (name, prof, self.pos())
        if kind == "profile":
            return "%s(%s -> %s)" % (name, self.pos(), self.pos())
        args = [self.numexpr(depth, span) for _ in range(self.r.randint(1, params))]
        return "%s(%s)" % (name, ", ".join(args))

    # ---- schedules ----------------------------------------------------------
    def profile(self, span):
        p = self.r.choice(PROFILES)
        a, b = self.pos(), self.pos()
        extra = ""
        if p == "poly" and self.r.random() < 0.5:
            extra = ", power = %s" % self.r.choice(["2", "0.5", "3"])
        if p == "cosine" and self.r.random() < 0.3:
            extra = ", exponent = 2"
        if p == "rex" and self.r.random() < 0.3:
            extra = ", d = 0.9"
        return "%s(%s -> %s%s)" % (p, a, b, extra)

    def chain(self, depth, span):
        n = self.r.randint(2, 4)
        stretch = self.r.randrange(n) if span is not None else n - 1
        if self.r.random() < 0.3 and span is None and not self.free:
            stretch = None  # every segment fixed; the last holds after
        budget = span if span is not None else 100000
        segs = []
        fixed = 0
        for i in range(n):
            if i == stretch:
                segs.append((None, None))
                continue
            left = budget - fixed - (n - i - 1)
            text, steps = self.duration(min(left, max(1, budget // n)))
            fixed += steps
            segs.append((text, steps))
        out = []
        for text, steps in segs:
            self.free += text is None
            body = self.sched(depth - 1, steps if steps is not None else
                              (None if span is None else span - fixed))
            self.free -= text is None
            out.append("(%s)" % body if text is None else "(%s) for %s" % (body, text))
        return " then ".join(out)

    def sched(self, depth, span):
        text = self.sched1(depth, span)
        if self.hr.random() < 0.04:
            return "horizon(%s, %s)" % (text, self.hr.choice(["0", "1", "100", "5000", "inf", "p0 * 1000"]))
        return text

    def sched1(self, depth, span):
        r = self.r.random()
        if depth <= 0 or r < 0.3:
            return self.profile(span) if r < 0.8 else self.pos()
        d = depth - 1
        if r < 0.45:
            return self.chain(depth, span)
        if r < 0.55:
            # an unbounded span needs a finite limit (else infinitely many
            # cycles: an error), which a stretch segment cannot have
            if span is None and self.free:
                return self.profile(span)
            period = self.r.randint(2, 3000)
            mult = self.r.choice(["1", "2", "1.5", "3"])
            lim = self.r.choice(["", ", limit = inf"] if self.free else
                                ["", ", limit = 3", ", limit = 1", ", limit = inf"])
            if span is None:
                lim = self.r.choice([", limit = 3", ", limit = 1"])
            inner = self.r.choice([self.profile(period), "cosine(%s * 0.5 ^ cycle -> %s)" % (self.pos(), self.num(0, 0.01)),
                                   self.sched(d, period)])
            return "restarts(%s, period = %d, mult = %s%s)" % (inner, period, mult, lim)
        if r < 0.62:
            return "sample(%s, every = %d)" % (self.sched(d, span), self.r.randint(1, 500))
        if r < 0.68:
            return "noise(%s, %s, seed = %d)" % (self.sched(d, span), self.num(0, 0.2), self.r.randint(0, 99))
        if r < 0.82:
            return self.stdlib(d, span)
        return self.numexpr(depth, span)

    def stdlib(self, depth, span):
        r = self.r
        small = lambda: r.randint(1, 1000)
        calls = [
            lambda: "step_decay(%s, %s, %d)" % (self.pos(), self.num(0.1, 0.9), small()),
            lambda: "inv_sqrt(%s, %d)" % (self.pos(), small()),
            lambda: "inverse_time(%s, %s)" % (self.pos(), self.num(0, 0.01)),
            lambda: "warmup(%d, %s)" % (small() if span is None else r.randint(0, span), self.profile(span)),
            lambda: "triangle(%s -> %s)" % (self.num(0, 0.01), self.pos()),
            lambda: "constant(%s)" % self.pos(),
            lambda: "range_test()",
        ]
        # cycles of one length need a finite span (no limit: infinitely many)
        if span is not None:
            calls += [
                lambda: "multistep(%s, gamma = %s, at = [%d, %d])" % (self.pos(), self.num(0.1, 0.9), small(), 1000 + small()),
                lambda: "piecewise([%s, %s, %s], [%d, %d])" % (self.pos(), self.pos(), self.pos(), small(), 1000 + small()),
                lambda: "triangular(%s, %s, %d)" % (self.num(0, 0.01), self.pos(), small()),
                lambda: "triangular2(%s, %s, %d)" % (self.num(0, 0.01), self.pos(), small()),
                lambda: "exp_range(%s, %s, %d, %s)" % (self.num(0, 0.01), self.pos(), small(), self.num(0.99, 1)),
                lambda: "sgdr(%s, %s, %d, mult = %s, decay = %s)" % (self.pos(), self.num(0, 0.01), small(),
                                                                    r.choice(["1", "2"]), self.num(0.5, 1)),
            ]
        if span is not None and span >= 20:
            calls += [
                lambda: "warmup_cosine(%s, %d)" % (self.pos(), r.randint(0, span // 2)),
                lambda: "onecycle(peak = %s%s)" % (self.pos(), r.choice(["", ", three_phase = true", ", anneal = linear"])),
                lambda: "onecycle_momentum(high = 0.95, low = 0.85%s)" % r.choice(["", ", three_phase = true"]),
                lambda: "wsd(%s, %d, %d%s)" % (self.pos(), span // 4, span // 4,
                                              r.choice(["", ", shape = cosine", ", shape = one_minus_sqrt"])),
            ]
        return r.choice(calls)()

    def program(self, name):
        r = self.r
        lines = ["# %s" % name]
        if r.random() < 0.6:
            self.total = r.randint(10, 200000)
            lines.append("param total = %d" % self.total)
        else:
            self.total = None
        if r.random() < 0.4:
            self.spe = r.randint(1, 500)
            lines.append("param steps_per_epoch = %d" % self.spe)
        else:
            self.spe = None
        self.signals = ["m%d" % i for i in range(self.sr.choice([0, 0, 0, 1, 2]))]
        for sig in self.signals:
            lines.append("signal %s" % sig)
        lines.append("param p0 = %s" % self.num())
        lines.append("let p1 = p0 * 2")
        self.defs = []
        if r.random() < 0.5:
            lines.append("def f0(a, b = 0.5) = a * b + (1 - b) * progress")
            self.defs.append(("f0", 2, "num"))
        if r.random() < 0.4:
            lines.append("def half(from, to, over = auto) = (from + (to - from) * sqrt(progress)) for over")
            self.defs.append(("half", 2, "profile"))
        if r.random() < 0.4:
            lines.append("def shaped(shape, peak, floor = 0) = shape(peak -> floor)")
            self.defs.append(("shaped", 2, "shape"))
        depth = r.choice([1, 2, 2, 3, 3, 4])
        for i in range(r.choice([1, 1, 2, 3])):
            lines.append("schedule s%d = %s" % (i, self.sched(depth, self.total)))
        return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()
    g = Gen(random.Random(a.seed), random.Random(a.seed + 1000003), random.Random(a.seed + 2000003),
            random.Random(a.seed + 3000003))
    out = sys.stdout if a.output == "-" else open(a.output, "w")
    for i in range(a.count):
        out.write("#=== gen%d\n" % i)
        out.write(g.program("gen%d (seed %d)" % (i, a.seed)))
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
