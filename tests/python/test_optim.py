"""lrs.optim against torch 1.13's torch.optim (and Lion against the
authors' update, lion-pytorch's update_fn transcribed below), to the
runtime's stated tolerance: relative 1e-6, with an absolute floor of 1e-9
times the tensor's largest magnitude (docs/optimizer.md)."""
import copy
import gc
import math
import unittest

import numpy
import torch

import lrs
import lrs.optim
import lrs.torch


def close(test, got, want, what=""):
    got, want = got.detach().double(), want.detach().double()
    floor = 1e-9 * max(want.abs().max().item(), 1e-30)
    err = ((got - want).abs() - 1e-6 * want.abs()).max().item()
    test.assertLessEqual(err, floor, what)


def net(seed=0, dtype=torch.float32):
    torch.manual_seed(seed)
    m = torch.nn.Sequential(torch.nn.Linear(6, 12), torch.nn.Tanh(), torch.nn.Linear(12, 12),
                            torch.nn.Tanh(), torch.nn.Linear(12, 1))
    return m.to(dtype)


DATA = None


def data():
    global DATA
    if DATA is None:
        g = torch.Generator().manual_seed(7)
        x = torch.randn(64, 6, generator=g)
        DATA = (x, torch.sin(x.sum(1, keepdim=True)))
    return DATA


def backward(model, set_to_none=False, opt=None):
    x, y = data()
    if opt is not None:
        opt.zero_grad(set_to_none=set_to_none)
    loss = torch.nn.functional.mse_loss(model(x.to(next(model.parameters()).dtype)).float(), y)
    loss.backward()
    return loss.item()


def groups(model, lr1, lr2):
    ps = list(model.parameters())
    return [{"params": ps[:4], "lr": lr1}, {"params": ps[4:], "lr": lr2}]


CONFIGS = [
    ("SGD", dict(momentum=0.9, weight_decay=1e-3)),
    ("SGD", dict(momentum=0.9, nesterov=True)),
    ("SGD", dict(momentum=0.5, dampening=0.3, maximize=True)),
    ("SGD", dict()),
    ("Adam", dict(weight_decay=1e-2)),
    ("Adam", dict(amsgrad=True, betas=(0.8, 0.99))),
    ("AdamW", dict(weight_decay=0.1)),
    ("AdamW", dict(amsgrad=True, maximize=True)),
    ("RMSprop", dict(momentum=0.9, centered=True, weight_decay=1e-3)),
    ("RMSprop", dict(alpha=0.9)),
    ("Adagrad", dict(lr_decay=1e-2, initial_accumulator_value=0.1, weight_decay=1e-3)),
]


def lion_reference(params, grads, exp_avgs, lr, wd, beta1, beta2):
    """lion-pytorch (lucidrains), lion_pytorch.py, update_fn."""
    for p, grad, exp_avg in zip(params, grads, exp_avgs):
        p.data.mul_(1 - lr * wd)
        update = exp_avg.clone().mul_(beta1).add(grad, alpha=1 - beta1).sign_()
        p.add_(update, alpha=-lr)
        exp_avg.mul_(beta2).add_(grad, alpha=1 - beta2)


class AgainstTorch(unittest.TestCase):
    def test_every_optimizer(self):
        for name, kw in CONFIGS:
            with self.subTest(name=name, kw=kw):
                ref_model, model = net(), net()
                ref = getattr(torch.optim, name)(groups(ref_model, 0.01, 0.003), **kw)
                opt = getattr(lrs.optim, name)(groups(model, 0.01, 0.003), **kw)
                self.assertIsInstance(opt, torch.optim.Optimizer)
                for step in range(30):
                    backward(ref_model, opt=ref)
                    backward(model, opt=opt)
                    ref.step()
                    opt.step()
                    for a, b in zip(model.parameters(), ref_model.parameters()):
                        close(self, a, b, (name, step))
                # the state has torch's layout and values
                got, want = opt.state_dict(), ref.state_dict()
                self.assertEqual(set(got["state"]), set(want["state"]))
                for i, st in want["state"].items():
                    for k, v in st.items():
                        if v is None:
                            self.assertIsNone(got["state"][i][k], k)
                        elif torch.is_tensor(v) and v.dim():
                            close(self, got["state"][i][k], v, k)
                        else:
                            self.assertEqual(float(got["state"][i][k]), float(v), k)
                for g, h in zip(got["param_groups"], want["param_groups"]):
                    for k in h:
                        self.assertEqual(g[k], h[k], k)

    def test_lion(self):
        model, ref_model = net(), net()
        opt = lrs.optim.Lion(model.parameters(), lr=1e-3, betas=(0.9, 0.99), weight_decay=0.1)
        ps = list(ref_model.parameters())
        exp_avgs = [torch.zeros_like(p) for p in ps]
        for step in range(30):
            backward(model, opt=opt)
            for p in ps:
                p.grad = None
            backward(ref_model)
            opt.step()
            with torch.no_grad():
                lion_reference(ps, [p.grad for p in ps], exp_avgs, 1e-3, 0.1, 0.9, 0.99)
            for a, b in zip(model.parameters(), ps):
                close(self, a, b, step)

    def test_every_simd_path(self):
        for path in ("scalar", "avx2", "avx512"):
            with self.subTest(path=path):
                ref_model, model = net(), net()
                ref = torch.optim.AdamW(ref_model.parameters(), lr=1e-2, weight_decay=0.1)
                try:
                    opt = lrs.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1,
                                          simd=path)
                except ValueError as e:
                    self.assertIn("not available", str(e))
                    continue  # this CPU lacks the path (reported by the C tests)
                self.assertEqual(opt.simd, path)
                for _ in range(10):
                    backward(ref_model, opt=ref)
                    backward(model, opt=opt)
                    ref.step()
                    opt.step()
                for a, b in zip(model.parameters(), ref_model.parameters()):
                    close(self, a, b, path)

    def test_threads(self):
        torch.manual_seed(3)
        big = [torch.nn.Parameter(torch.randn(70_000)) for _ in range(3)]
        outs = []
        for threads in (1, 2):
            ps = [torch.nn.Parameter(p.detach().clone()) for p in big]
            opt = lrs.optim.Adam(ps, lr=1e-3, threads=threads)
            for k in range(3):
                for j, p in enumerate(ps):
                    p.grad = torch.sin(p.detach() * (k + j + 1))
                opt.step()
            outs.append(torch.cat([p.detach() for p in ps]))
        self.assertTrue(torch.equal(outs[0], outs[1]))


class HalfPrecision(unittest.TestCase):
    def test_bf16_and_fp16_with_master_weights(self):
        for dtype in (torch.bfloat16, torch.float16):
            with self.subTest(dtype=dtype):
                model = net(dtype=dtype)
                ref_model = net(dtype=dtype)
                master = [p.detach().float().clone().requires_grad_() for p in
                          ref_model.parameters()]
                ref = torch.optim.AdamW(master, lr=1e-2, weight_decay=0.1)
                opt = lrs.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)
                for step in range(20):
                    if dtype == torch.bfloat16:
                        backward(model, opt=opt)
                        backward(ref_model)
                    else:  # torch 1.13 has no float16 matmul on the CPU
                        for p, q in zip(model.parameters(), ref_model.parameters()):
                            g = torch.sin(p.detach().float() * (step + 1)).to(dtype)
                            p.grad, q.grad = g, g.clone()
                    for m, p in zip(master, ref_model.parameters()):
                        m.grad = p.grad.float()
                        p.grad = None
                    opt.step()
                    ref.step()
                    with torch.no_grad():
                        for m, p in zip(master, ref_model.parameters()):
                            p.copy_(m)  # round to nearest even, as .to(dtype)
                    for a, b in zip(model.parameters(), ref_model.parameters()):
                        self.assertEqual(a.dtype, dtype)
                        self.assertTrue(torch.equal(a, b), (dtype, step))
                st = opt.state_dict()["state"]
                for i, m in enumerate(master):
                    close(self, st[i]["master_param"], m, "master")
                    close(self, st[i]["exp_avg"], ref.state[m]["exp_avg"], "exp_avg")


    PATHS = ("scalar", "avx2", "avx512", "avx512bf16")

    def opt_on(self, path, params, cls=None, **kw):
        """An lrs.optim optimizer forced onto `path`, or None if this CPU
        lacks it (the C tests report that as a skip)."""
        try:
            opt = (cls or lrs.optim.AdamW)(params, simd=path, **kw)
        except ValueError as e:
            self.assertIn("not available", str(e))
            return None
        self.assertEqual(opt.simd, path)
        return opt

    def test_every_simd_path_and_a_missing_grad(self):
        # The runtime rounds bfloat16 and float16 itself: the same bits as
        # torch's .to(dtype) of the master weights on every path; a
        # parameter without a gradient keeps its 16-bit value and master.
        for dtype in (torch.bfloat16, torch.float16):
            for path in self.PATHS:
                with self.subTest(path=path, dtype=dtype):
                    self.missing_grad_on(path, dtype)

    def missing_grad_on(self, path, dtype):
        model, ref_model = net(dtype=dtype), net(dtype=dtype)
        master = [p.detach().float().clone().requires_grad_() for p in ref_model.parameters()]
        ref = torch.optim.AdamW(master, lr=1e-2, weight_decay=0.1)
        opt = self.opt_on(path, model.parameters(), lr=1e-2, weight_decay=0.1)
        if opt is None:
            return
        for step in range(8):
            if dtype == torch.bfloat16:
                backward(model, opt=opt)
                backward(ref_model)
            else:  # torch 1.13 has no float16 matmul on the CPU
                for p, q in zip(model.parameters(), ref_model.parameters()):
                    g = torch.sin(p.detach().float() * (step + 1)).to(dtype)
                    p.grad, q.grad = g, g.clone()
            ps = list(model.parameters())
            last = step == 7
            if last:  # the first layer's bias sits the last step out
                ps[1].grad = None
                before = (ps[1].detach().clone(),
                          opt.state_dict()["state"][1]["master_param"].clone())
            for m, p, q in zip(master, ref_model.parameters(), ps):
                m.grad = None if q.grad is None else p.grad.float()
                p.grad = None
            opt.step()
            ref.step()
            with torch.no_grad():
                for m, p in zip(master, ref_model.parameters()):
                    p.copy_(m)
            for i, (a, b) in enumerate(zip(model.parameters(), ref_model.parameters())):
                if last and i == 1:
                    self.assertTrue(torch.equal(a, before[0]))
                    self.assertTrue(torch.equal(
                        opt.state_dict()["state"][1]["master_param"], before[1]))
                else:
                    self.assertTrue(torch.equal(a, b), (path, dtype, step, i))

    @staticmethod
    def patterns():
        """float32 bit patterns around every float16 and bfloat16 rounding
        case: ties, near-ties, the subnormal ranges, overflow, NaNs."""
        g = torch.Generator().manual_seed(3)
        b = torch.randint(-2**31, 2**31 - 1, (1 << 16,), generator=g, dtype=torch.int64)
        ties = (b & ~0x1fff) | 0x1000
        below = (b & ~0x1fff) | 0x0fff
        bties = (b & ~0xffff) | 0x8000
        exps = torch.arange(0x66, 0x90).repeat(512)[:1 << 14]
        ranged = (b[:1 << 14] & 0x807fffff) | (exps << 23)
        special = torch.tensor([0, 0x80000000, 1, 0x33000000, 0x33000001, 0x33c00000,
                                0x387fe000, 0x38800000, 0x477fe000, 0x477fefff, 0x477ff000,
                                0xc77ff000, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000,
                                0xffc00000, 0x7f800001, 0x7fc02000, 0xffbfffff, 0x7fffffff],
                               dtype=torch.int64)
        allb = torch.cat([b, ties, below, bties, ranged, special]) & 0xffffffff
        allb = torch.where(allb >= 2**31, allb - 2**32, allb)
        return allb.to(torch.int32).view(torch.float32)

    def test_conversions_are_torchs_on_every_path(self):
        # Rounding: SGD with lr 0 writes the master weights (loaded through
        # state_dict) rounded; torch's .to(dtype) of the same floats is the
        # reference. Widening: SGD with lr 1 from masters -0 stores -g, for
        # all 65536 16-bit gradients; torch's .float() is the reference.
        x = self.patterns()
        every = torch.arange(-2**15, 2**15, dtype=torch.int32).to(torch.int16)
        for dtype in (torch.bfloat16, torch.float16):
            for path in self.PATHS:
                with self.subTest(path=path, dtype=dtype):
                    p = torch.nn.Parameter(torch.zeros(x.numel(), dtype=dtype))
                    opt = self.opt_on(path, [p], cls=lrs.optim.SGD, lr=0.0)
                    if opt is None:
                        continue
                    opt.load_state_dict({"state": {0: {"momentum_buffer": None,
                                                       "master_param": x.clone()}},
                                         "param_groups": opt.state_dict()["param_groups"]})
                    p.grad = torch.zeros_like(p)
                    opt.step()
                    want = x.to(dtype).view(torch.int16)
                    got = p.detach().view(torch.int16)
                    bad = (got != want).nonzero()
                    self.assertEqual(bad.numel(), 0, "0x%08x -> 0x%04x, torch 0x%04x" % (
                        (x.view(torch.int32)[bad[0]].item() & 0xffffffff,
                         got[bad[0]].item() & 0xffff, want[bad[0]].item() & 0xffff)
                        if bad.numel() else (0, 0, 0)))

                    q = torch.nn.Parameter(torch.zeros(every.numel(), dtype=dtype))
                    opt = self.opt_on(path, [q], cls=lrs.optim.SGD, lr=1.0)
                    opt.load_state_dict({"state": {0: {
                        "momentum_buffer": None,
                        "master_param": torch.full((every.numel(),), -0.0)}},
                        "param_groups": opt.state_dict()["param_groups"]})
                    q.grad = every.view(dtype).clone()
                    opt.step()
                    m = opt.state_dict()["state"][0]["master_param"]
                    w = every.view(dtype).float()
                    nan = w.isnan()
                    self.assertTrue(torch.equal(m.isnan(), nan))
                    self.assertTrue(torch.equal(m[~nan].view(torch.int32),
                                                (-w[~nan]).view(torch.int32)))


class Gradients(unittest.TestCase):
    def pair(self, **kw):
        ref_model, model = net(), net()
        return (ref_model, torch.optim.SGD(ref_model.parameters(), lr=0.05, momentum=0.9, **kw),
                model, lrs.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, **kw))

    def same(self, a, b, what=""):
        for p, q in zip(a.parameters(), b.parameters()):
            close(self, p, q, what)

    def test_set_to_none_and_reallocated(self):
        ref_model, ref, model, opt = self.pair()
        for step in range(12):
            none = step % 2 == 0
            backward(ref_model, none, ref)
            backward(model, none, opt)
            ref.step()
            opt.step()
            self.same(model, ref_model, step)
        # .grad now views the optimizer's buffer again
        flat = opt._flats[0]
        for p, v in zip(model.parameters(), flat.gviews):
            self.assertIs(p.grad, v)
        opt.zero_grad(set_to_none=True)
        self.assertTrue(all(p.grad is None for p in model.parameters()))
        # gradients assigned by hand, the old ones freed: no dangling pointer
        torch.manual_seed(5)
        for p, q in zip(model.parameters(), ref_model.parameters()):
            g = torch.randn_like(p)
            p.grad = g
            q.grad = g.clone()
        del g
        gc.collect()
        opt.step()
        ref.step()
        self.same(model, ref_model, "assigned")
        # a gradient replaced by a tensor of another layout (non-contiguous)
        for p, q in zip(model.parameters(), ref_model.parameters()):
            if p.dim() == 2:
                g = torch.randn(p.shape[1], p.shape[0]).t()
                p.grad = g
                q.grad = g.contiguous()
        opt.step()
        ref.step()
        self.same(model, ref_model, "transposed")

    def test_none_grads_skip(self):
        ref_model, ref, model, opt = self.pair(weight_decay=0.01)
        for step in range(6):
            backward(ref_model, True, ref)
            backward(model, True, opt)
            # the last layer gets no gradient: torch leaves it alone
            for m in (ref_model, model):
                for p in m[4].parameters():
                    p.grad = None
            before = [p.detach().clone() for p in model[4].parameters()]
            ref.step()
            opt.step()
            self.same(model, ref_model, step)
            for p, b in zip(model[4].parameters(), before):
                self.assertTrue(torch.equal(p, b))
        # a group with no gradients at all is skipped
        opt.zero_grad(set_to_none=True)
        before = [p.detach().clone() for p in model.parameters()]
        opt.step()
        for p, b in zip(model.parameters(), before):
            self.assertTrue(torch.equal(p, b))

    def test_replaced_param_data(self):
        ref_model, ref, model, opt = self.pair()
        backward(ref_model, opt=ref)
        backward(model, opt=opt)
        ref.step()
        opt.step()
        with torch.no_grad():
            for p, q in zip(model.parameters(), ref_model.parameters()):
                new = torch.full_like(p, 0.5)
                p.data = new  # replaces the storage behind the optimizer's back
                q.data = new.clone()
        backward(ref_model, opt=ref)
        backward(model, opt=opt)
        ref.step()
        opt.step()
        self.same(model, ref_model, "replaced")
        for p, v in zip(model.parameters(), opt._flats[0].pviews):
            self.assertEqual(p.data_ptr(), v.data_ptr())

    def test_many_tensors_one_group(self):
        torch.manual_seed(11)
        ps = [torch.nn.Parameter(torch.randn(k % 7 + 1, 3)) for k in range(500)]
        qs = [torch.nn.Parameter(p.detach().clone()) for p in ps]
        opt = lrs.optim.AdamW(ps, lr=1e-2)
        ref = torch.optim.AdamW(qs, lr=1e-2)
        for k in range(5):
            for p, q in zip(ps, qs):
                g = torch.cos(p.detach() * (k + 1))
                if p.grad is None:
                    p.grad = g
                else:
                    p.grad.copy_(g)
                q.grad = g.clone()
            opt.step()
            ref.step()
        self.assertEqual(len(opt._flats), 1)
        for p, q in zip(ps, qs):
            close(self, p, q)


class StateAndSchedules(unittest.TestCase):
    def test_switch_with_torch_mid_training(self):
        for first, second in ((torch.optim.AdamW, lrs.optim.AdamW),
                              (lrs.optim.AdamW, torch.optim.AdamW)):
            with self.subTest(first=first.__module__, second=second.__module__):
                ref_model, model = net(), net()
                ref = torch.optim.AdamW(groups(ref_model, 1e-2, 3e-3), weight_decay=0.05)
                opt = first(groups(model, 1e-2, 3e-3), weight_decay=0.05)
                for step in range(40):
                    if step == 20:
                        state = opt.state_dict()
                        opt = second(groups(model, 0.5, 0.5), weight_decay=0.0)
                        opt.load_state_dict(state)
                        self.assertEqual(opt.param_groups[1]["lr"], 3e-3)
                    backward(ref_model, opt=ref)
                    backward(model, opt=opt)
                    ref.step()
                    opt.step()
                for a, b in zip(model.parameters(), ref_model.parameters()):
                    close(self, a, b, "after the switch")

    def test_save_and_resume_exact(self):
        model = net()
        opt = lrs.optim.RMSprop(model.parameters(), lr=1e-2, momentum=0.9, centered=True)
        for _ in range(5):
            backward(model, opt=opt)
            opt.step()
        state = copy.deepcopy(opt.state_dict())
        snapshot = copy.deepcopy(model.state_dict())
        for _ in range(5):
            backward(model, opt=opt)
            opt.step()
        want = [p.detach().clone() for p in model.parameters()]
        model2 = net()
        model2.load_state_dict(snapshot)
        opt2 = lrs.optim.RMSprop(model2.parameters(), lr=1e-2, momentum=0.9, centered=True)
        opt2.load_state_dict(state)
        for _ in range(5):
            backward(model2, opt=opt2)
            opt2.step()
        for a, b in zip(model2.parameters(), want):
            self.assertTrue(torch.equal(a, b))

    def test_save_and_resume_exact_16_bit(self):
        # The master weights travel in state_dict ("master_param"): a run
        # resumed from it, on a model holding only the 16-bit values, is
        # the uninterrupted run, bit for bit (parameters and masters).
        def grads(model, step):
            for p in model.parameters():
                p.grad = torch.cos(p.detach().float() * (step + 2)).to(p.dtype)

        for dtype in (torch.bfloat16, torch.float16):
            with self.subTest(dtype=dtype):
                model = net(dtype=dtype)
                opt = lrs.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.1)
                for step in range(4):
                    grads(model, step)
                    opt.step()
                state = copy.deepcopy(opt.state_dict())
                snapshot = copy.deepcopy(model.state_dict())
                for step in range(4, 8):
                    grads(model, step)
                    opt.step()
                want = [p.detach().clone() for p in model.parameters()]
                masters = [st["master_param"] for st in opt.state_dict()["state"].values()]
                model2 = net(seed=1, dtype=dtype)
                model2.load_state_dict(snapshot)
                opt2 = lrs.optim.AdamW(model2.parameters(), lr=1e-2, weight_decay=0.1)
                opt2.load_state_dict(state)
                for step in range(4, 8):
                    grads(model2, step)
                    opt2.step()
                for a, b in zip(model2.parameters(), want):
                    self.assertEqual(a.dtype, dtype)
                    self.assertTrue(torch.equal(a, b))
                got = [st["master_param"] for st in opt2.state_dict()["state"].values()]
                for a, b in zip(got, masters):
                    self.assertTrue(torch.equal(a, b))
                # the masters are more than the rounded parameters
                self.assertFalse(all(torch.equal(m, p.float())
                                     for m, p in zip(got, model2.parameters())))

    def test_bound_schedule(self):
        prog = lrs.compile("param total = 30\nschedule lr = warmup(5, cosine(0.02 -> 0.001))\n"
                           "schedule b1 = linear(0.8 -> 0.95)")
        ref_model, model = net(), net()
        ref = torch.optim.AdamW(ref_model.parameters(), lr=1.0)
        opt = lrs.optim.AdamW(model.parameters(), lr=prog["lr"], betas=(prog["b1"], 0.999))
        for step in range(30):
            self.assertEqual(opt.param_groups[0]["lr"], prog["lr"](step))
            self.assertEqual(opt.param_groups[0]["betas"], (prog["b1"](step), 0.999))
            for g in ref.param_groups:  # the value, set by hand on torch's optimizer
                g["lr"] = prog["lr"](step)
                g["betas"] = (prog["b1"](step), 0.999)
            backward(ref_model, opt=ref)
            backward(model, opt=opt)
            ref.step()
            opt.step()
            for a, b in zip(model.parameters(), ref_model.parameters()):
                close(self, a, b, step)
        # resumed from a state_dict, the schedule continues at step 30
        opt2 = lrs.optim.AdamW(model.parameters(), lr=prog["lr"], betas=(prog["b1"], 0.999))
        opt2.load_state_dict(opt.state_dict())
        self.assertEqual(opt2.param_groups[0]["lr"], prog["lr"](30))

    def test_schedule_index_after_a_skipped_group(self):
        # A group with no gradients is skipped (its runtime takes no step)
        # while the optimizer's count advances: the next step evaluates the
        # schedule at the optimizer's count, not at the runtime's own.
        prog = lrs.compile("param total = 10\nschedule lr = linear(0.1 -> 0.01)")
        p = torch.nn.Parameter(torch.zeros(4))
        q = torch.nn.Parameter(torch.zeros(4))
        opt = lrs.optim.SGD([{"params": [p]}, {"params": [q]}], lr=prog["lr"])
        for step in range(6):
            p.grad = torch.ones(4)
            q.grad = torch.ones(4) if step % 3 == 0 else None
            before = q.detach().clone()
            opt.step()
            if step % 3 == 0:
                self.assertTrue(torch.equal(q.detach(), before - float(prog["lr"](step))))
            else:
                self.assertTrue(torch.equal(q.detach(), before))
        want = -sum(float(prog["lr"](s)) for s in (0, 3))
        self.assertTrue(torch.allclose(q.detach(), torch.full((4,), want), rtol=1e-6))

    def test_step_in_a_profiler_range(self):
        # step() is in torch's range "Optimizer.step#AdamW.step" while a
        # profiler runs, as torch.optim's optimizers are.
        model = net()
        opt = lrs.optim.AdamW(model.parameters(), lr=1e-3)
        backward(model, opt=opt)
        with torch.autograd.profiler.profile() as prof:
            opt.step()
        names = [e.name for e in prof.function_events]
        self.assertIn("Optimizer.step#AdamW.step", names)
        backward(model, opt=opt)
        opt.step()  # and without one

    def test_closed_program_does_not_crash(self):
        model = net()
        with lrs.compile("schedule lr = 0.01") as prog:
            opt = lrs.optim.SGD(model.parameters(), lr=prog["lr"])
        backward(model, opt=opt)
        with self.assertRaises(lrs.ClosedError):
            opt.step()
        del opt
        gc.collect()
        self.assertIsNone(prog._handle.ptr)  # freed once the optimizer let go

    def test_torch_scheduler_drives_it(self):
        model = net()
        opt = lrs.optim.AdamW(model.parameters(), lr=0.1)
        prog = lrs.compile("param total = 10\nschedule f = linear(1 -> 0)")
        sched = lrs.torch.Scheduler(opt, prog, "f", mode="relative")
        ref_model = net()
        ref = torch.optim.AdamW(ref_model.parameters(), lr=0.1)
        ref_s = torch.optim.lr_scheduler.LambdaLR(ref, lambda s: 1 - min(s, 10) / 10)
        for _ in range(10):
            backward(model, opt=opt)
            backward(ref_model, opt=ref)
            opt.step()
            ref.step()
            sched.step()
            ref_s.step()
        for a, b in zip(model.parameters(), ref_model.parameters()):
            close(self, a, b)

    def test_rejects(self):
        with self.assertRaises(TypeError):
            lrs.optim.AdamW([torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))])
        with self.assertRaises(TypeError):
            lrs.optim.AdamW([torch.nn.Parameter(torch.zeros(3)),
                             torch.nn.Parameter(torch.zeros(3, dtype=torch.bfloat16))])
        with self.assertRaises(ValueError):
            lrs.optim.AdamW([torch.nn.Parameter(torch.zeros(3))], lr=-1.0)
        with self.assertRaises(ValueError):
            lrs.optim.Lion([torch.nn.Parameter(torch.zeros(3))], lr=-1.0)


class Arrays(unittest.TestCase):
    def test_numpy_against_torch(self):
        rng = numpy.random.default_rng(0)
        w = rng.standard_normal(1000).astype(numpy.float32)
        b = rng.standard_normal(10).astype(numpy.float32)
        dw, db = numpy.zeros_like(w), numpy.zeros_like(b)
        tw, tb = torch.nn.Parameter(torch.tensor(w)), torch.nn.Parameter(torch.tensor(b))
        prog = lrs.compile("param total = 20\nschedule lr = cosine(0.01 -> 0)")
        opt = lrs.optim.ArrayOptimizer("adamw", [(w, dw), (b, db)], lr=prog["lr"],
                                       weight_decay=0.1)
        ref = torch.optim.AdamW([tw, tb], lr=1.0, weight_decay=0.1)
        for step in range(20):
            dw[:] = numpy.sin(w * 3)
            db[:] = numpy.cos(b)
            tw.grad, tb.grad = torch.tensor(dw), torch.tensor(db)
            ref.param_groups[0]["lr"] = prog["lr"](step)
            self.assertTrue(opt.step())
            ref.step()
        close(self, torch.tensor(w), tw)
        close(self, torch.tensor(b), tb)
        close(self, torch.tensor(opt.state(0, "exp_avg")), ref.state[tw]["exp_avg"])
        self.assertEqual(opt.steps, 20)
        with self.assertRaises(TypeError):
            lrs.optim.ArrayOptimizer("sgd", [(w.astype(numpy.float64), dw)])
        with self.assertRaises(ValueError):
            lrs.optim.ArrayOptimizer("adamax", [(w, dw)])


if __name__ == "__main__":
    unittest.main()
