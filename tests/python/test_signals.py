"""Schedules that react to metrics from Python: lrs.Signals, and
lrs.torch.Scheduler.step(metric) against torch 1.13's ReduceLROnPlateau;
a real model (an MLP on scikit-learn's digits, in torch) trained with
`warmup then plateau` on its validation loss, stopped and resumed from a
checkpoint, takes bit-identical steps."""
import io
import math
import unittest

import torch

import lrs
import lrs.torch

PLATEAU = """
signal val_loss
schedule lr = torch_reduce_on_plateau(val_loss, 0.1, patience = 2, cooldown = 1, min_lr = 1e-3)
"""

WARMUP_PLATEAU = """
param steps_per_epoch = 22
signal val_loss
schedule lr = warmup(3 epochs, torch_reduce_on_plateau(val_loss, 0.05, factor = 0.3, patience = 1,
                                                       threshold = 0.05))
"""


class SignalsTest(unittest.TestCase):
    def test_report_and_errors(self):
        prog = lrs.compile(PLATEAU)
        self.assertEqual(prog.signals.names, ["val_loss"])
        self.assertTrue(prog["lr"].reactive)
        s = prog.signals
        for step, v in enumerate([1.0, 1.0, 1.0, 1.0]):
            s.report("val_loss", step + 1, v)
        self.assertAlmostEqual(prog["lr"](10), 0.01, delta=1e-15)
        with self.assertRaisesRegex(lrs.SignalError, "comes after one at step 4"):
            s.report("val_loss", 2, 0.5)
        with self.assertRaisesRegex(lrs.SignalError, "infinite"):
            s.report("val_loss", 5, math.inf)
        with self.assertRaisesRegex(lrs.SignalError, "no signal 'loss'"):
            s.report("loss", 5, 1.0)
        s.report("val_loss", 5, math.nan)  # not better: accepted
        saved = s.state()
        s.report("val_loss", 6, 0.1)
        s.load(saved)
        self.assertEqual(s.last_step("val_loss"), 5)
        with self.assertRaises(lrs.SignalError):
            s.load(saved[:-1])

    def test_matches_torch_reduce_on_plateau(self):
        """The same metrics through torch's ReduceLROnPlateau and through
        lrs.torch.Scheduler.step(metric), epoch by epoch, NaN included."""
        metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, float("nan"), 0.86, 0.87, 0.88, 0.9,
                   0.7, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76]
        p1 = torch.nn.Parameter(torch.zeros(1))
        o1 = torch.optim.SGD([p1], lr=0.1)
        ref = torch.optim.lr_scheduler.ReduceLROnPlateau(o1, patience=2, cooldown=1, min_lr=1e-3)
        p2 = torch.nn.Parameter(torch.zeros(1))
        o2 = torch.optim.SGD([p2], lr=0.1)
        sched = lrs.torch.Scheduler(o2, lrs.compile(PLATEAU))
        for m in metrics:
            o1.step()
            o2.step()
            ref.step(m)
            sched.step(torch.tensor(m))
            a, b = o1.param_groups[0]["lr"], o2.param_groups[0]["lr"]
            self.assertLessEqual(abs(a - b), 1e-12 * a, (m, a, b))
        self.assertLess(o2.param_groups[0]["lr"], 0.1)

    def test_keywords_and_report(self):
        prog = lrs.compile("signal a\nsignal b\nschedule lr = 0.1 * 0.5 ^ plateaus(a, patience = 0)"
                           " * 0.5 ^ plateaus(b, patience = 0)\n")
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        sched = lrs.torch.Scheduler(opt, prog)
        with self.assertRaisesRegex(TypeError, "name them"):
            sched.step(1.0)
        sched.step(a=1.0, b=1.0)
        sched.step(a=1.0, b=1.0)  # both not better: two plateaus
        self.assertAlmostEqual(opt.param_groups[0]["lr"], 0.025, delta=1e-15)
        sched.report(a=2.0)  # at the current step, without moving
        self.assertEqual(sched.last_epoch, 2)
        self.assertAlmostEqual(opt.param_groups[0]["lr"], 0.0125, delta=1e-15)


def digits_data():
    from sklearn.datasets import load_digits
    d = load_digits()
    x = torch.tensor(d.data / 16.0, dtype=torch.float32)
    y = torch.tensor(d.target)
    g = torch.Generator().manual_seed(0)
    perm = torch.randperm(len(y), generator=g)
    return x[perm[:1400]], y[perm[:1400]], x[perm[1400:]], y[perm[1400:]]


class TrainingTest(unittest.TestCase):
    """Warmup then plateau on the validation loss; a run stopped after
    epoch 8 and resumed from a checkpoint (model, optimizer, scheduler
    state_dicts through torch.save) takes the same steps, bit for bit, as
    the run that went on."""

    EPOCHS, STOP, BATCH = 16, 8, 64

    def setUp(self):
        torch.set_num_threads(1)
        self.xt, self.yt, self.xv, self.yv = digits_data()

    def fresh(self):
        torch.manual_seed(1)
        net = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
        opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        prog = lrs.compile(WARMUP_PLATEAU)
        return net, opt, lrs.torch.Scheduler(opt, prog)

    def epochs(self, net, opt, sched, first, last, log):
        loss_fn = torch.nn.CrossEntropyLoss()
        for e in range(first, last):
            g = torch.Generator().manual_seed(100 + e)
            perm = torch.randperm(len(self.yt), generator=g)
            for k in range(0, len(perm), self.BATCH):
                idx = perm[k:k + self.BATCH]
                opt.zero_grad()
                loss_fn(net(self.xt[idx]), self.yt[idx]).backward()
                opt.step()
                log.append(opt.param_groups[0]["lr"])
                sched.step()
            with torch.no_grad():
                val = loss_fn(net(self.xv), self.yv)
            sched.report(val)  # counts from the next step on

    def test_stop_and_resume_is_exact(self):
        net, opt, sched = self.fresh()
        full = []
        self.epochs(net, opt, sched, 0, self.STOP, full)
        buf = io.BytesIO()
        torch.save({"model": net.state_dict(), "optim": opt.state_dict(),
                    "sched": sched.state_dict()}, buf)
        self.epochs(net, opt, sched, self.STOP, self.EPOCHS, full)
        final = [p.detach().clone() for p in net.parameters()]

        net2, opt2, sched2 = self.fresh()
        buf.seek(0)
        ck = torch.load(buf)
        net2.load_state_dict(ck["model"])
        opt2.load_state_dict(ck["optim"])
        sched2.load_state_dict(ck["sched"])
        resumed = full[:self.STOP * 22]
        self.epochs(net2, opt2, sched2, self.STOP, self.EPOCHS, resumed)
        self.assertEqual(full, resumed)  # every step's rate, exactly
        for a, b in zip(final, net2.parameters()):
            self.assertTrue(torch.equal(a, b.detach()))
        # warmup to the peak, then at least one plateau
        self.assertEqual(max(full), 0.05)
        self.assertLess(full[-1], 0.05)
        # a state without the signals would not have resumed the drops
        self.assertIsNotNone(ck["sched"]["signals"])


if __name__ == "__main__":
    unittest.main()
