#!/usr/bin/python3
"""Writes golden.txt: reference trajectories of torch.optim (PyTorch 1.13)
for the optimizer runtime's golden test (test_optim_golden.c).

Run with Debian's python3-torch:  /usr/bin/python3 tests/runtime/gen_golden.py

Each configuration runs STEPS steps on GROUP_N parameters per group, with
gradients from a counter-based generator that the C test reproduces exactly
(every value is a float32 with 24 significant bits), and hyperparameters
that follow the schedules below, computed in double the same way in C.
The file records the parameters after selected steps and the final state
buffers, as '%.9g' (which round-trips float32).
"""
import math
import sys

import numpy as np
import torch

STEPS = 200
GROUP_N = 67  # not a multiple of any vector width: tails are exercised
SNAPSHOTS = (1, 2, 5, 20, 100, 200)
M64 = (1 << 64) - 1


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def rnd(seed, t, i):
    """A float32 in [-1, 1) with 24 significant bits, from (seed, t, i)."""
    u = splitmix64((seed << 40) ^ (t << 20) ^ i)
    return ((u >> 40) - (1 << 23)) / float(1 << 23)


def grad_value(seed, t, i):
    # One element in 16 never has a gradient (exercises sign(0) = 0 in
    # Lion); magnitudes vary by powers of two across elements.
    if i % 16 == 7:
        return 0.0
    return rnd(seed, t, i) * 2.0 ** -(i % 4)


INIT_T = 0xFFFFF


# The schedules, with base 1; a binding's scale multiplies them. The C test
# evaluates the same expressions in the same order.
def s_lr(t):
    if t < 10:
        return 1.0 * (t + 1) / 10.0
    return 0.55 + 0.45 * math.cos(math.pi * (t - 10) / 190.0)


def s_momentum(t):
    return 0.95 - 0.1 * t / 200.0


def s_beta2(t):
    return 0.99 + 0.009 * t / 200.0


def s_wd(t):
    return 1.0 + t / 200.0


class Lion(torch.optim.Optimizer):
    """Lion (Chen et al. 2023), written as the reference implementation writes it."""

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0, maximize=False):
        super().__init__(params, dict(lr=lr, betas=betas, weight_decay=weight_decay,
                                      maximize=maximize))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr, wd = group['lr'], group['weight_decay']
            beta1, beta2 = group['betas']
            for p in group['params']:
                grad = p.grad if not group['maximize'] else -p.grad
                if wd != 0:
                    p.mul_(1 - lr * wd)
                state = self.state[p]
                if 'exp_avg' not in state:
                    state['exp_avg'] = torch.zeros_like(p)
                exp_avg = state['exp_avg']
                update = exp_avg.mul(beta1).add(grad, alpha=1 - beta1).sign_()
                p.add_(update, alpha=-lr)
                exp_avg.mul_(beta2).add_(grad, alpha=1 - beta2)


# name, kind, hyperparameters, scheduled hyperparameters, group lr multipliers
CONFIGS = [
    ('sgd_plain', 'sgd', dict(lr=0.05), ['lr'], [1.0]),
    ('sgd_momentum', 'sgd', dict(lr=0.05, momentum=0.9), ['lr'], [1.0]),
    ('sgd_damp_wd', 'sgd', dict(lr=0.02, momentum=0.9, dampening=0.1, weight_decay=1e-2),
     ['lr'], [1.0]),
    ('sgd_nesterov_max', 'sgd', dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-3,
                                     maximize=True), [], [1.0]),
    ('sgd_sched_momentum', 'sgd', dict(lr=0.03, momentum=0.9), ['lr', 'momentum'], [1.0, 0.5]),
    ('adam_plain', 'adam', dict(lr=1e-2), ['lr'], [1.0]),
    ('adam_wd_amsgrad', 'adam', dict(lr=1e-2, weight_decay=1e-2, amsgrad=True), ['lr'], [1.0]),
    ('adam_betas_sched_max', 'adam', dict(lr=3e-3, maximize=True, eps=1e-6),
     ['beta1', 'beta2'], [1.0]),
    ('adamw_plain', 'adamw', dict(lr=1e-2, weight_decay=1e-2), ['lr'], [1.0, 0.1]),
    ('adamw_amsgrad_wdsched', 'adamw', dict(lr=1e-2, weight_decay=0.05, amsgrad=True),
     ['lr', 'weight_decay'], [1.0]),
    ('rmsprop_plain', 'rmsprop', dict(lr=1e-2), ['lr'], [1.0]),
    ('rmsprop_centered_mom_wd', 'rmsprop', dict(lr=1e-3, centered=True, momentum=0.9,
                                                weight_decay=1e-2, alpha=0.9), ['lr'], [1.0]),
    ('rmsprop_momsched_max', 'rmsprop', dict(lr=1e-3, momentum=0.5, maximize=True),
     ['momentum'], [1.0, 2.0]),
    ('adagrad_plain', 'adagrad', dict(lr=1e-1), ['lr'], [1.0]),
    ('adagrad_decay_init_wd', 'adagrad', dict(lr=5e-2, lr_decay=0.01,
                                              initial_accumulator_value=0.1,
                                              weight_decay=1e-2, maximize=True), [], [1.0]),
    ('lion_plain', 'lion', dict(lr=1e-3), ['lr'], [1.0]),
    ('lion_wd_sched', 'lion', dict(lr=3e-4, weight_decay=0.1),
     ['lr', 'weight_decay', 'beta1', 'beta2'], [1.0, 0.5]),
]

DEFAULTS = dict(
    sgd=dict(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
             maximize=False),
    adam=dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False,
              maximize=False),
    adamw=dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2, amsgrad=False,
               maximize=False),
    rmsprop=dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False, maximize=False),
    adagrad=dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                 eps=1e-10, maximize=False),
    lion=dict(lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.0, maximize=False),
)

STATE_NAMES = dict(
    sgd=['momentum_buffer'],
    adam=['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'],
    adamw=['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'],
    rmsprop=['square_avg', 'momentum_buffer', 'grad_avg'],
    adagrad=['sum'],
    lion=['exp_avg'],
)


def make_optimizer(kind, groups):
    def torch_args(hp):
        a = dict(hp)
        if 'beta1' in a:
            a['betas'] = (a.pop('beta1'), a.pop('beta2'))
        return a
    pg = [dict(params=[p], **torch_args(hp)) for p, hp in groups]
    if kind == 'sgd':
        return torch.optim.SGD(pg, lr=groups[0][1]['lr'], foreach=False)
    if kind == 'adam':
        return torch.optim.Adam(pg, foreach=False)
    if kind == 'adamw':
        return torch.optim.AdamW(pg, foreach=False)
    if kind == 'rmsprop':
        return torch.optim.RMSprop(pg, foreach=False)
    if kind == 'adagrad':
        # Adagrad takes the accumulator's start from its constructor argument
        # only, never from the group.
        return torch.optim.Adagrad(
            pg, initial_accumulator_value=groups[0][1]['initial_accumulator_value'], foreach=False)
    return Lion(pg)


def fmt(values):
    return ' '.join('%.9g' % float(v) for v in values)


def run(out, name, kind, overrides, sched, mults, seed):
    hp = dict(DEFAULTS[kind])
    hp.update(overrides)
    params = []
    for gi in range(len(mults)):
        gseed = seed + 1000 * gi
        init = np.array([rnd(gseed, INIT_T, i) for i in range(GROUP_N)], dtype=np.float32)
        params.append(torch.tensor(init))
    groups = []
    for gi, m in enumerate(mults):
        ghp = dict(hp)
        ghp['lr'] = hp['lr'] * m
        groups.append((params[gi], ghp))
    opt = make_optimizer(kind, groups)

    out.write('config %s kind=%s seed=%d steps=%d n=%d\n' % (name, kind, seed, STEPS, GROUP_N))
    out.write('hp ' + ' '.join('%s=%r' % (k, float(v)) for k, v in sorted(hp.items())) + '\n')
    out.write('sched ' + ' '.join(sched) + '\n')
    out.write('groups ' + ' '.join('%r' % m for m in mults) + '\n')

    for t in range(STEPS):
        for gi, (m, group) in enumerate(zip(mults, opt.param_groups)):
            # The C side binds scale * schedule(t) with scale = base * multiplier.
            if 'lr' in sched:
                group['lr'] = (hp['lr'] * m) * s_lr(t)
            if 'momentum' in sched:
                group['momentum'] = 1.0 * s_momentum(t)
            if 'beta1' in sched or 'beta2' in sched:
                b1 = 1.0 * s_momentum(t) if 'beta1' in sched else hp['beta1']
                b2 = 1.0 * s_beta2(t) if 'beta2' in sched else hp['beta2']
                group['betas'] = (b1, b2)
            if 'weight_decay' in sched:
                group['weight_decay'] = hp['weight_decay'] * s_wd(t)
            gseed = seed + 1000 * gi
            g = np.array([grad_value(gseed, t, i) for i in range(GROUP_N)], dtype=np.float32)
            params[gi].grad = torch.tensor(g)
        opt.step()
        if t + 1 in SNAPSHOTS:
            for gi in range(len(mults)):
                out.write('params %d %d %s\n' % (gi, t + 1, fmt(params[gi].numpy())))
    for gi in range(len(mults)):
        st = opt.state[params[gi]]
        for sname in STATE_NAMES[kind]:
            if sname in st and st[sname] is not None:
                out.write('state %d %s %s\n' % (gi, sname, fmt(st[sname].numpy())))
    out.write('end\n')


def main():
    torch.set_num_threads(1)
    path = sys.argv[1] if len(sys.argv) > 1 else __file__.rsplit('/', 1)[0] + '/golden.txt'
    with open(path, 'w') as out:
        out.write('# Generated by gen_golden.py with torch %s; do not edit.\n' % torch.__version__)
        for k, (name, kind, overrides, sched, mults) in enumerate(CONFIGS):
            run(out, name, kind, overrides, sched, mults, seed=101 + k)


if __name__ == '__main__':
    main()
