#!/usr/bin/python3
"""PyTorch 1.13's scheduler.step() per call, for the schedules of bench_jit.c.
Run with Debian's /usr/bin/python3 (python3-torch). Prints a Markdown table."""
import math
import time

import torch


def per_call(make, n=100000):
    best = float("inf")
    for _ in range(3):
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        sched = make(opt)
        t0 = time.perf_counter()
        for _ in range(n):
            opt.step()  # keeps torch from warning about the call order
            sched.step()
        t = time.perf_counter() - t0
        # subtract the optimizer step itself
        opt2 = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        t1 = time.perf_counter()
        for _ in range(n):
            opt2.step()
        t -= time.perf_counter() - t1
        best = min(best, t)
    return best / n * 1e9


def rex(s):
    if s < 1000:
        return 1e-3 * s / 1000
    z = 1 - min(s - 1000, 49000) / 49000
    return 1e-3 * z / (0.5 + 0.5 * z)


L = torch.optim.lr_scheduler
cases = [
    ("warmup+cosine", lambda o: L.SequentialLR(o, [L.LinearLR(o, 1e-8, 1.0, total_iters=2000),
                                                  L.CosineAnnealingLR(o, 98000, eta_min=3e-5)], [2000])),
    ("sgdr mult 2 (no peak decay in torch)", lambda o: L.CosineAnnealingWarmRestarts(o, 3910, T_mult=2, eta_min=1e-4)),
    ("1cycle", lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=10**6)),
    ("rex + warmup (LambdaLR)", lambda o: L.LambdaLR(o, rex)),
]
print("| schedule | torch %s scheduler.step() ns/call |" % torch.__version__)
print("|---|---:|")
for name, make in cases:
    print("| %s | %.0f |" % (name, per_call(make)))
