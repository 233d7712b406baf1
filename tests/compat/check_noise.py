#!/usr/bin/env python3
"""timm's uniform noise in lrs: the statistics, not timm's numbers.

usage: check_noise.py LRSC

timm draws its noise from torch.Generator seeded with noise_seed + t; lrs'
`noise` hashes (step, seed) instead, so the values cannot be timm's.  What
must hold, and is checked here over 20,000 steps: outside noise_range_t the
value is exactly the noiseless one; inside, value / noiseless - 1 lies in
[-noise_pct, noise_pct) and is spread uniformly (mean near 0, variance near
noise_pct^2 / 3, every tenth of the range used); two runs agree, and another
seed gives other values.  Python 3 standard library only.
"""
import subprocess
import sys
import tempfile
import os

N, LO, HI, PCT = 20000, 1000, 15000, 0.4


def run(lrsc, src):
    with tempfile.NamedTemporaryFile("w", suffix=".lrs", delete=False) as f:
        f.write(src)
    try:
        p = subprocess.run([lrsc, "eval", f.name, "--format", "csv", "--steps", "0:%d" % N],
                           capture_output=True, text=True, timeout=120)
    finally:
        os.unlink(f.name)
    if p.returncode != 0:
        sys.exit("FAIL: lrsc exited %d\n%s" % (p.returncode, p.stderr))
    rows = [l.split(",") for l in p.stdout.splitlines()[1:] if l.strip()]
    return [[float(x) for x in r[1:]] for r in rows]


def main():
    lrsc = sys.argv[1]
    base = "timm_cosine(0.1, 5000, cycle_limit = 4, warmup_t = 100, warmup_lr_init = 1e-4%s)"
    src = ("schedule clean = %s\nschedule noisy = %s\nschedule other = %s\n"
           % (base % "", base % (", noise_range_t = [%d, %d], noise_pct = %g" % (LO, HI, PCT)),
              base % (", noise_range_t = [%d, %d], noise_pct = %g, noise_seed = 7" % (LO, HI, PCT))))
    a, b = run(lrsc, src), run(lrsc, src)
    if a != b:
        print("FAIL: two runs differ")
        return 1
    us, same_as_other = [], 0
    for step, (clean, noisy, other) in enumerate(a):
        if not LO <= step < HI:
            if noisy != clean or other != clean:
                print("FAIL: noise outside noise_range_t at step %d" % step)
                return 1
            continue
        u = noisy / clean - 1
        if not -PCT - 1e-12 <= u < PCT + 1e-12:
            print("FAIL: step %d: relative noise %g outside [-%g, %g)" % (step, u, PCT, PCT))
            return 1
        us.append(u / PCT)
        same_as_other += noisy == other
    n = len(us)
    mean = sum(us) / n
    var = sum((u - mean) ** 2 for u in us) / n
    bins = [0] * 10
    for u in us:
        bins[min(int((u + 1) * 5), 9)] += 1
    ok = abs(mean) < 0.03 and abs(var - 1 / 3) < 0.02 and min(bins) > n / 10 * 0.85 and same_as_other < n / 100
    print("%s timm noise: %d steps, mean %.4f, variance %.4f (1/3 expected), tenths %s, equal across seeds %d"
          % ("ok" if ok else "FAIL", n, mean, var, bins, same_as_other))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
