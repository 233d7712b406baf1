"""lrs.optim.AdamW against torch.optim.AdamW (single-tensor and foreach) on
the CPU, and against the C runtime's own step on the same buffers.

For N parameters split into T equal tensors, 1 and 2 threads, float32 and
bfloat16: seconds per optimizer.step(), fastest of R repetitions after a
warm-up step, as ns per parameter. "C runtime" times lrs_optim_step on the
optimizer's own flat buffers through ctypes (for bf16 the whole step: the
kernels convert); the Python overhead is lrs.optim over that. torch's bf16 rows
keep parameters and state in bf16 (torch has no master weights), lrs keeps
float32 masters and state, so it moves more bytes per parameter.

    python3 bench/python/bench_adamw.py [--sizes 1e6,1e7,1e8] [--tensors 1,100,1000]
                                        [--threads 1,2] [--dtypes fp32,bf16]
"""
import argparse
import gc
import time

import torch

import lrs.optim


def best(fn, reps):
    fn()  # warm-up: first-touch of state buffers, thread pools
    t = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


def make(n, tensors, dtype):
    g = torch.Generator().manual_seed(0)
    k = n // tensors
    ps = [torch.nn.Parameter(torch.randn(k, generator=g).to(dtype)) for _ in range(tensors)]
    for p in ps:
        p.grad = (torch.randn(k, generator=g) * 1e-2).to(dtype)
    return ps


def run(n, tensors, threads, dtype, reps):
    torch.set_num_threads(threads)
    out = {}
    for name, kw in (("torch single-tensor", {"foreach": False}),
                     ("torch foreach", {"foreach": True})):
        ps = make(n, tensors, dtype)
        opt = torch.optim.AdamW(ps, lr=1e-3, **kw)
        out[name] = best(opt.step, reps)
        del opt, ps
        gc.collect()
    ps = make(n, tensors, dtype)
    opt = lrs.optim.AdamW(ps, lr=1e-3, threads=threads)
    out["lrs.optim"] = best(opt.step, reps)
    rts = [f.rt for f in opt._flats if f.rt]
    lib = lrs._L()

    def c_step():
        for rt in rts:
            lib.lrs_optim_step(rt.ptr)
    out["C runtime"] = best(c_step, reps)
    simd = opt.simd
    del opt, ps, rts
    gc.collect()
    return out, simd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1e6,1e7,1e8")
    ap.add_argument("--tensors", default="1,100,1000")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--dtypes", default="fp32,bf16")
    a = ap.parse_args()
    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16}
    print("torch", torch.__version__)
    print("| N | tensors | threads | dtype | torch single ns/p | torch foreach ns/p | "
          "lrs.optim ns/p | C runtime ns/p | vs torch best | lrs.optim / C |")
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for n in (int(float(s)) for s in a.sizes.split(",")):
        reps = 3 if n >= 10**8 else 5 if n >= 10**7 else 20
        for tensors in (int(t) for t in a.tensors.split(",")):
            for threads in (int(t) for t in a.threads.split(",")):
                for dn in a.dtypes.split(","):
                    r, simd = run(n, tensors, threads, dtypes[dn], reps)
                    ns = {k: v / n * 1e9 for k, v in r.items()}
                    tb = min(ns["torch single-tensor"], ns["torch foreach"])
                    print("| %.0e | %d | %d | %s | %.3f | %.3f | %.3f | %.3f | %.1fx | %.2f |"
                          % (n, tensors, threads, dn, ns["torch single-tensor"],
                             ns["torch foreach"], ns["lrs.optim"], ns["C runtime"],
                             tb / ns["lrs.optim"], ns["lrs.optim"] / ns["C runtime"]),
                          flush=True)
    print("simd:", simd)


if __name__ == "__main__":
    main()
