#!/usr/bin/python3
"""PyTorch's CPU optimizers on the same sizes and thread counts as
bench_optim: ns per parameter per step, fastest of the repetitions, for the
default (single-tensor) and foreach implementations.

usage: /usr/bin/python3 torch_bench.py [-n N,N,...] [-t T,T,...] [-k KIND,...]
"""
import argparse
import time

import torch

KINDS = {
    'sgd': lambda ps, fe: torch.optim.SGD(ps, lr=1e-3, momentum=0.9, foreach=fe),
    'adam': lambda ps, fe: torch.optim.Adam(ps, foreach=fe),
    'adamw': lambda ps, fe: torch.optim.AdamW(ps, foreach=fe),
    'rmsprop': lambda ps, fe: torch.optim.RMSprop(ps, foreach=fe),
    'adagrad': lambda ps, fe: torch.optim.Adagrad(ps, foreach=fe),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('-n', default='100000,1000000,10000000,100000000')
    ap.add_argument('-t', default='1,2')
    ap.add_argument('-k', default='sgd,adam,adamw,rmsprop,adagrad')
    ap.add_argument('--big-kinds', default='adamw',
                    help='kinds still run at N >= 1e8 (each step takes seconds)')
    a = ap.parse_args()
    print('| optimizer | implementation | threads | N | ns/param/step |')
    print('|---|---|---|---:|---:|')
    for n in [int(float(x)) for x in a.n.split(',')]:
        p = torch.linspace(-1, 1, n)
        g = torch.linspace(1, -1, n)
        reps = max(3, min(100, int(3e8 / n)))
        for threads in [int(x) for x in a.t.split(',')]:
            torch.set_num_threads(threads)
            for kind in a.k.split(','):
                if n >= 100000000 and kind not in a.big_kinds.split(','):
                    continue
                for fe, label in ((False, 'torch default'), (True, 'torch foreach')):
                    param = torch.nn.Parameter(p.clone())
                    param.grad = g.clone()
                    opt = KINDS[kind]([param], fe)
                    opt.step()
                    times = []
                    for _ in range(reps):
                        t0 = time.perf_counter()
                        opt.step()
                        times.append(time.perf_counter() - t0)
                    times.sort()
                    print('| %s | %s | %d | %.0e | %.3f |' % (
                        kind, label, threads, n, times[0] * 1e9 / n), flush=True)
                    del opt, param


if __name__ == '__main__':
    main()
