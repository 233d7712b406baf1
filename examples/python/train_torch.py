"""Train a small PyTorch model with lrs: the 1cycle schedule of
examples/onecycle.lrs drives SGD's lr and momentum through
lrs.torch.Scheduler, then lrs.optim.AdamW (the SIMD runtime) trains with
a schedule bound directly to it.

    python3 examples/python/train_torch.py
"""
import os

import torch

import lrs
import lrs.optim
import lrs.torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)
x = torch.randn(512, 16)
y = torch.sin(x @ torch.randn(16, 1))


def model():
    return torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))


def train(net, opt, sched, steps):
    for step in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        if step % (steps // 4) == 0 or step == steps - 1:
            print("  step %4d  lr %.5f  loss %.5f" % (step, opt.param_groups[0]["lr"],
                                                      loss.item()))
    return loss.item()


steps = 400
prog = lrs.compile(os.path.join(HERE, "..", "onecycle.lrs"), params={"total": steps})
net = model()
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
sched = lrs.torch.Scheduler(opt, prog, {"lr": "lr", "momentum": "momentum"})
print("torch.optim.SGD with lrs.torch.Scheduler (1cycle):")
first = train(net, opt, sched, steps)

fit = lrs.compile("param total = %d\nschedule lr = warmup(40, cosine(3e-3 -> 3e-5))" % steps)
net = model()
opt = lrs.optim.AdamW(net.parameters(), lr=fit["lr"], weight_decay=0.01)
print("lrs.optim.AdamW (%s) with a bound schedule:" % opt.simd)
second = train(net, opt, None, steps)
print("final losses: %.5f %.5f" % (first, second))
