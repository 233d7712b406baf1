"""The Python binding and the PyTorch adapter, against formulas written out
here and against torch 1.13's own schedulers."""
import math
import os
import tempfile
import unittest
import warnings

import lrs

WARMUP_COSINE = """
param total = 10_000
param peak = 3e-4
schedule lr = linear(0 -> peak) for 200 then cosine(peak -> peak / 10)
schedule momentum = 0.9
"""


def warmup_cosine(s, peak=3e-4, total=10_000, warm=200):
    s = min(max(s, 0), total)
    if s < warm:
        return peak * s / warm
    p = (s - warm) / (total - warm)
    return peak / 10 + (peak - peak / 10) * (1 + math.cos(math.pi * p)) / 2


class BindingTest(unittest.TestCase):
    def test_values(self):
        prog = lrs.compile(WARMUP_COSINE)
        self.assertEqual(prog.schedules, ["lr", "momentum"])
        self.assertEqual(prog.params, {"total": 10_000, "peak": 3e-4})
        lr = prog["lr"]
        self.assertEqual(lr.span, 10_000)
        for s in [-3, 0, 1, 199, 200, 201, 5000, 9999, 10_000, 2**40]:
            self.assertAlmostEqual(lr(s) / 3e-4, warmup_cosine(s) / 3e-4, delta=1e-12)
        self.assertEqual(lr.next_boundary(0), 200)
        self.assertIsNone(lr.next_boundary(200))

    def test_eval_range_and_list(self):
        prog = lrs.compile(WARMUP_COSINE)
        a = prog.eval("lr", range(0, 1000))
        b = prog.eval("lr", [0, 500, 999])
        self.assertEqual(len(a), 1000)
        for s in (0, 500, 999):
            self.assertAlmostEqual(a[s] / 3e-4, warmup_cosine(s) / 3e-4, delta=1e-12)
        # the range form is vectorised: within 4 ulp of the scalar function
        for x, y in zip(b, [a[0], a[500], a[999]]):
            self.assertLessEqual(abs(x - y), 4 * math.ulp(y))
        try:
            import numpy
            self.assertIsInstance(a, numpy.ndarray)
        except ImportError:
            self.assertIsInstance(a, list)

    def test_params_and_files(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.lrs")
            with open(path, "w") as f:
                f.write(WARMUP_COSINE)
            prog = lrs.compile(path, params={"peak": 1e-3, "total": "20 * 500"})
            self.assertEqual(prog.params["peak"], 1e-3)
            self.assertAlmostEqual(prog["lr"](100), 1e-3 * 100 / 200, delta=1e-18)
            prog = lrs.compile(path, params={"total": 1000})
            self.assertAlmostEqual(prog["lr"](1000), 3e-5, delta=1e-18)
            # A param of an imported file, as MODULE.NAME.
            main = os.path.join(d, "main.lrs")
            with open(main, "w") as f:
                f.write('import "s.lrs" as w\nparam total = 10_000\nschedule lr2 = w.lr\n')
            prog = lrs.compile(main, params={"w.peak": 1e-3})
            self.assertAlmostEqual(prog["lr2"](100), 1e-3 * 100 / 200, delta=1e-18)
            with self.assertRaises(lrs.CompileError) as cm:
                lrs.compile(main, params={"w.peek": 1})
            self.assertIn("did you mean 'w.peak'?", str(cm.exception))

    def test_errors(self):
        with self.assertRaises(lrs.CompileError) as cm:
            lrs.compile("param total = 10\nschedule lr = cosin(0.1 -> 0)\n", name="bad.lrs")
        text = str(cm.exception)
        self.assertIn("bad.lrs:2:15: error: unknown name 'cosin'", text)
        self.assertIn("did you mean 'cosine'?", text)
        self.assertIn("^~~~~", text)
        d = cm.exception.diagnostics[0]
        self.assertEqual((d.file, d.line, d.column, d.severity), ("bad.lrs", 2, 15, "error"))
        with self.assertRaises(lrs.CompileError):
            lrs.compile(WARMUP_COSINE, params={"peek": 1})
        with self.assertRaises(lrs.CompileError) as cm:
            lrs.compile("/nonexistent/dir/x.lrs")
        self.assertIn("cannot read", str(cm.exception))
        with self.assertRaises(KeyError):
            lrs.compile(WARMUP_COSINE)["nope"]

    def test_allow_jumps(self):
        src = "schedule lr = 0.1 for 30 then 0.01 for 30 then 0.001\n"
        with self.assertWarns(lrs.CompileWarning) as cm:
            lrs.compile(src)
        self.assertIn("the value jumps from 0.1 to 0.01 at step 30", str(cm.warning))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            prog = lrs.compile(src, allow_jumps=True)
        self.assertEqual([prog["lr"](s) for s in (29, 30, 60)], [0.1, 0.01, 0.001])

    def test_native_agrees_with_interpreter(self):
        prog = lrs.compile(WARMUP_COSINE)
        native = prog["lr"]._fn
        if native is None:
            self.skipTest("the library has no native backend")
        interp = lrs._L().lrs_interp_eval
        for s in range(0, 10_001, 37):
            self.assertEqual(native(s), interp(prog._ptr, 0, s))


try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


@unittest.skipIf(torch is None, "python3-torch is not installed")
class TorchAdapterTest(unittest.TestCase):
    def model(self):
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))

    def test_training_loop(self):
        import lrs.torch
        torch.manual_seed(1)
        x = torch.randn(256, 8)
        y = x @ torch.randn(8, 1) + 0.1 * torch.randn(256, 1)
        net = self.model()
        opt = torch.optim.SGD(net.parameters(), lr=1.0, momentum=0.5)
        prog = lrs.compile("param total = 300\nschedule lr = warmup(30, cosine(0.05 -> 0))\n"
                           "schedule momentum = 0.9\n")
        sched = lrs.torch.Scheduler(opt, prog, {"lr": "lr", "momentum": "momentum"})
        self.assertEqual(opt.param_groups[0]["lr"], 0.0)
        self.assertEqual(opt.param_groups[0]["momentum"], 0.9)
        losses = []
        for step in range(300):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(net(x), y)
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
            self.assertAlmostEqual(sched.get_last_lr()[0], prog["lr"](step + 1), delta=0)
        self.assertLess(losses[-1], 0.1 * losses[0])

    def test_matches_onecycle(self):
        import lrs.torch
        total, max_lr = 1000, 0.1
        net = self.model()
        ref_opt = torch.optim.SGD(net.parameters(), lr=max_lr, momentum=0.9)
        ref = torch.optim.lr_scheduler.OneCycleLR(ref_opt, max_lr=max_lr, total_steps=total)
        opt = torch.optim.SGD(net.parameters(), lr=max_lr, momentum=0.9)
        prog = lrs.compile("schedule lr = torch_onecycle(%r, %d)\n"
                           "schedule momentum = torch_onecycle_momentum(%d)\n" % (max_lr, total, total))
        sched = lrs.torch.Scheduler(opt, prog, {"lr": "lr", "momentum": "momentum"})
        for step in range(total):
            for key in ("lr", "momentum"):
                want, got = ref_opt.param_groups[0][key], opt.param_groups[0][key]
                self.assertLessEqual(abs(got - want), 1e-12 * abs(want), (step, key, got, want))
            ref_opt.step()
            opt.step()
            ref.step()
            sched.step()

    def test_adam_betas_and_resume(self):
        import lrs.torch
        prog = lrs.compile("param total = 100\nschedule lr = cosine(1e-2 -> 0)\n"
                           "schedule momentum = linear(0.95 -> 0.85)\n")
        net = self.model()
        opt = torch.optim.AdamW(net.parameters(), lr=1.0, betas=(0.5, 0.999))
        sched = lrs.torch.Scheduler(opt, prog, {"lr": "lr", "momentum": "momentum"})
        self.assertEqual(opt.param_groups[0]["betas"], (0.95, 0.999))
        seen = []
        for _ in range(40):
            opt.step()
            sched.step()
            seen.append((opt.param_groups[0]["lr"], opt.param_groups[0]["betas"]))
        state = sched.state_dict()
        tail = []
        for _ in range(20):
            opt.step()
            sched.step()
            tail.append((opt.param_groups[0]["lr"], opt.param_groups[0]["betas"]))
        # A fresh optimizer and scheduler resumed from the saved state.
        opt2 = torch.optim.AdamW(net.parameters(), lr=1.0, betas=(0.5, 0.999))
        sched2 = lrs.torch.Scheduler(opt2, prog, {"lr": "lr", "momentum": "momentum"})
        sched2.load_state_dict(state)
        self.assertEqual((opt2.param_groups[0]["lr"], opt2.param_groups[0]["betas"]), seen[-1])
        resumed = []
        for _ in range(20):
            opt2.step()
            sched2.step()
            resumed.append((opt2.param_groups[0]["lr"], opt2.param_groups[0]["betas"]))
        self.assertEqual(resumed, tail)


if __name__ == "__main__":
    unittest.main()
