"""Compile a schedule, print a few values, and run the SIMD AdamW on numpy
arrays (no PyTorch needed): a least-squares fit whose loss it prints.

    python3 examples/python/schedule_values.py
"""
import os

import numpy

import lrs
import lrs.optim

HERE = os.path.dirname(os.path.abspath(__file__))

prog = lrs.compile(os.path.join(HERE, "..", "transformer.lrs"), params={"total": 10_000})
print("schedules:", prog.schedules, "params:", prog.params)
for step in (0, 1000, 2000, 5000, 10_000):
    print("lr(%d) = %.6g" % (step, prog["lr"](step)))

rng = numpy.random.default_rng(0)
x = rng.standard_normal((256, 8)).astype(numpy.float32)
y = x @ rng.standard_normal(8).astype(numpy.float32)
w = numpy.zeros(8, dtype=numpy.float32)
dw = numpy.zeros_like(w)
fit = lrs.compile("param total = 300\nschedule lr = warmup(30, cosine(0.1 -> 0.001))")
opt = lrs.optim.ArrayOptimizer("adamw", [(w, dw)], lr=fit["lr"], weight_decay=0.0)
for step in range(300):
    r = x @ w - y
    dw[:] = 2 * x.T @ r / len(y)
    opt.step()
    if step % 100 == 0 or step == 299:
        print("step %3d  loss %.6f" % (step, float(numpy.mean(r * r))))
print("simd:", opt.simd)
