"""lrs.torch.Scheduler against torch 1.13's own schedulers and the
protocols of the frameworks that drive schedulers (PyTorch Lightning,
Hugging Face Trainer), which are not installable here: their documented
calls are made the way they make them."""
import copy
import io
import math
import pickle
import unittest
import warnings

import torch

import lrs
import lrs.torch

BASE = torch.optim.lr_scheduler._LRScheduler
TOL = 1e-12


def model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))


def two_groups(net, cls=torch.optim.SGD, **kw):
    return cls([{"params": net[0].parameters(), "lr": 0.1, "name": "body"},
                {"params": net[2].parameters(), "lr": 0.01, "name": "head"}], **kw)


def close(a, b):
    return abs(a - b) <= TOL * max(abs(a), abs(b), 1e-300)


class ProtocolTest(unittest.TestCase):
    def test_is_a_torch_scheduler(self):
        opt = torch.optim.SGD(model().parameters(), lr=0.1)
        sched = lrs.torch.Scheduler(opt, lrs.compile("schedule lr = 0.5"))
        self.assertIsInstance(sched, BASE)
        if hasattr(torch.optim.lr_scheduler, "LRScheduler"):  # torch 2.x
            self.assertIsInstance(sched, torch.optim.lr_scheduler.LRScheduler)
        self.assertIs(sched.optimizer, opt)
        self.assertEqual(sched.last_epoch, 0)
        self.assertEqual(sched.get_last_lr(), [0.5])
        self.assertEqual(opt.param_groups[0]["initial_lr"], 0.1)

    def test_sequential_first_and_second(self):
        # torch: LinearLR warm-up then ExponentialLR; lrs: the same warm-up
        # as a program (relative to the group's lr) in place of LinearLR.
        def run(first):
            net = model()
            opt = torch.optim.SGD(net.parameters(), lr=0.2)
            s1 = first(opt)
            s2 = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
            seq = torch.optim.lr_scheduler.SequentialLR(opt, [s1, s2], milestones=[10])
            out = []
            for _ in range(30):
                out.append(opt.param_groups[0]["lr"])
                opt.step()
                seq.step()
            return out

        prog = lrs.compile("schedule f = torch_linear(1, 0.25, 1, 10)")
        want = run(lambda o: torch.optim.lr_scheduler.LinearLR(o, 0.25, 1.0, 10))
        got = run(lambda o: lrs.torch.Scheduler(o, prog, "f", mode="relative"))
        for s, (a, b) in enumerate(zip(got, want)):
            self.assertLessEqual(abs(a - b), 1e-9 * b, s)  # LinearLR is chained: ~1e-16 drift

        # lrs second: SequentialLR restarts it with step(0) at the milestone.
        def run2(second):
            net = model()
            opt = torch.optim.SGD(net.parameters(), lr=0.2)
            s1 = torch.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=5)
            s2 = second(opt)
            seq = torch.optim.lr_scheduler.SequentialLR(opt, [s1, s2], milestones=[5])
            out = []
            for _ in range(20):
                out.append(opt.param_groups[0]["lr"])
                opt.step()
                seq.step()
            return out

        prog2 = lrs.compile("schedule f = torch_exponential(1, 0.8)")
        want = run2(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.8))
        got = run2(lambda o: lrs.torch.Scheduler(o, prog2, "f", mode="relative"))
        for s, (a, b) in enumerate(zip(got, want)):
            self.assertLessEqual(abs(a - b), 1e-12 * b, s)

    def test_chained(self):
        # lrs drives momentum, torch's StepLR the lr, in one ChainedScheduler.
        net = model()
        opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.5)
        prog = lrs.compile("param total = 20\nschedule mom = linear(0.95 -> 0.85)")
        chain = torch.optim.lr_scheduler.ChainedScheduler([
            lrs.torch.Scheduler(opt, prog, {"momentum": "mom"}),
            torch.optim.lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)])
        for s in range(1, 20):
            opt.step()
            chain.step()
            g = opt.param_groups[0]
            self.assertTrue(close(g["momentum"], 0.95 - 0.1 * s / 20), s)
            self.assertTrue(close(g["lr"], 0.1 * 0.5 ** (s // 4)), (s, g["lr"]))
            self.assertEqual(chain.get_last_lr(), [g["lr"]])

    def test_save_pickle_deepcopy(self):
        net = model()
        opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
        prog = lrs.compile("param total = 50\nschedule lr = cosine(1e-3 -> 0)\n"
                           "schedule b1 = linear(0.85 -> 0.95)")
        sched = lrs.torch.Scheduler(opt, prog, {"lr": "lr", "beta1": "b1"})
        for _ in range(7):
            opt.step()
            sched.step()
        buf = io.BytesIO()
        torch.save(sched, buf)
        buf.seek(0)
        loaded = torch.load(buf)
        twin = copy.deepcopy(sched)
        pickled = pickle.loads(pickle.dumps(sched))
        for other in (loaded, twin, pickled):
            self.assertIsInstance(other, lrs.torch.Scheduler)
            self.assertIsNot(other.program, prog)
            self.assertEqual(other.last_epoch, 7)
            other.step()
            self.assertEqual(other.get_last_lr(), [prog["lr"](8)])
            self.assertEqual(other.optimizer.param_groups[0]["betas"][0], prog["b1"](8))
        # the original is untouched by its copies
        self.assertEqual(sched.last_epoch, 7)
        self.assertEqual(opt.param_groups[0]["lr"], prog["lr"](7))

    def test_resume_and_identity(self):
        src = "param total = 100\nparam peak = 0.1\nschedule lr = warmup(10, cosine(peak -> 0))\n"
        net = model()
        opt = torch.optim.SGD(net.parameters(), lr=1.0)
        sched = lrs.torch.Scheduler(opt, lrs.compile(src))
        for _ in range(30):
            sched.step()
        state = sched.state_dict()
        buf = io.BytesIO()
        torch.save(state, buf)
        buf.seek(0)
        state = torch.load(buf)
        self.assertEqual(state["program"]["params"], {"total": 100, "peak": 0.1})
        opt2 = torch.optim.SGD(net.parameters(), lr=1.0)
        sched2 = lrs.torch.Scheduler(opt2, lrs.compile(src))
        sched2.load_state_dict(state)
        self.assertEqual(sched2.last_epoch, 30)
        self.assertEqual(opt2.param_groups[0]["lr"], opt.param_groups[0]["lr"])
        for _ in range(5):
            sched.step()
            sched2.step()
            self.assertEqual(sched2.get_last_lr(), sched.get_last_lr())

        edited = lrs.compile(src.replace("cosine", "linear"))
        other = lrs.torch.Scheduler(torch.optim.SGD(net.parameters(), lr=1.0), edited)
        with self.assertRaises(lrs.torch.ProgramMismatchError) as cm:
            other.load_state_dict(state)
        self.assertIn("source differs", str(cm.exception))
        self.assertIn("check_program=False", str(cm.exception))
        self.assertEqual(other.last_epoch, 0)  # nothing loaded
        other.load_state_dict(state, check_program=False)
        self.assertEqual(other.last_epoch, 30)
        self.assertEqual(other.get_last_lr(), [edited["lr"](30)])

        moved = lrs.torch.Scheduler(torch.optim.SGD(net.parameters(), lr=1.0),
                                    lrs.compile(src, params={"total": 200}))
        with self.assertRaises(lrs.torch.ProgramMismatchError) as cm:
            moved.load_state_dict(state)
        self.assertIn("param total was 100", str(cm.exception))
        lenient = lrs.torch.Scheduler(torch.optim.SGD(net.parameters(), lr=1.0),
                                      lrs.compile(src, params={"total": 200}), check_program=False)
        lenient.load_state_dict(state)
        self.assertEqual(lenient.last_epoch, 30)

    def test_relative_per_group_against_lambdalr(self):
        # torch.optim.lr_scheduler.LambdaLR with the factor written out here
        T = 40

        def factor(s):
            return 0.5 * (1 + math.cos(math.pi * min(s, T) / T))

        net = model()
        ref_opt = two_groups(net)
        ref = torch.optim.lr_scheduler.LambdaLR(ref_opt, factor)
        opt = two_groups(net)
        sched = lrs.torch.Scheduler(opt, lrs.compile("param total = %d\nschedule f = cosine(1 -> 0)"
                                                     % T), "f", mode="relative")
        for s in range(50):
            for a, b in zip(sched.get_last_lr(), ref.get_last_lr()):
                self.assertLessEqual(abs(a - b), 1e-15, s)
            ref_opt.step()
            ref.step()
            opt.step()
            sched.step()
        # absolute mode ignores the groups' own rates (unless scale= is given)
        opt = two_groups(net)
        sched = lrs.torch.Scheduler(opt, lrs.compile("schedule lr = 0.3"), scale=[1, 0.5])
        self.assertEqual(sched.get_last_lr(), [0.3, 0.15])

    def test_schedule_per_group(self):
        net = model()
        opt = two_groups(net, torch.optim.SGD, momentum=0.9)
        prog = lrs.compile("param total = 10\nschedule lr = linear(0.1 -> 0)\n"
                           "schedule lr_head = 0.5 * linear(0.1 -> 0)\nschedule mom = 0.8")
        by_name = lrs.torch.Scheduler(opt, prog, {"lr": "lr"},
                                      groups={"head": {"lr": "lr_head", "momentum": "mom"}})
        self.assertEqual(by_name.get_last_lr(), [0.1, 0.05])
        self.assertEqual([g["momentum"] for g in opt.param_groups], [0.9, 0.8])
        by_index = lrs.torch.Scheduler(two_groups(net), prog, groups={1: prog["lr_head"]})
        for _ in range(5):
            by_name.step()
            by_index.step()
        self.assertEqual(by_index.get_last_lr(), [prog["lr"](5), prog["lr_head"](5)])
        self.assertEqual(by_name.get_last_lr(), by_index.get_last_lr())
        with self.assertRaises(KeyError):
            lrs.torch.Scheduler(two_groups(net), prog, groups={"tail": "lr"})
        with self.assertRaises(KeyError):
            lrs.torch.Scheduler(two_groups(net), prog, groups={2: "lr"})

    def test_warnings(self):
        with self.assertWarns(lrs.CompileWarning) as cm:
            prog = lrs.compile("def cosine(a) = a\nschedule lr = cosine(0.1)\n", name="w.lrs")
        self.assertIn("w.lrs:1:5: warning:", str(cm.warning))
        self.assertEqual([d.severity for d in prog.diagnostics], ["warning"])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lrs.compile("def cosine(a) = a\nschedule lr = cosine(0.1)\n", warn=False)
        opt = torch.optim.SGD(model().parameters(), lr=1.0)
        sched = lrs.torch.Scheduler(opt, lrs.compile("schedule lr = linear(1 -> 0) for 3"))
        with self.assertWarns(RuntimeWarning) as cm:
            for _ in range(5):
                sched.step()
        self.assertIn("ended at step 3", str(cm.warning))
        # A horizon (torch_cosine_annealing's T_max) is a span whose values
        # go on: no end-value warning past it, and the cosine comes back up
        # (PyTorch's CosineAnnealingLR is lr again at 2 T_max).
        prog = lrs.compile("schedule lr = torch_cosine_annealing(1, 3)")
        self.assertEqual(prog["lr"].span, 3)
        self.assertTrue(prog["lr"].horizon)
        self.assertFalse(lrs.compile("schedule lr = linear(1 -> 0) for 3")["lr"].horizon)
        sched = lrs.torch.Scheduler(torch.optim.SGD(model().parameters(), lr=1.0), prog)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for _ in range(6):
                sched.step()
        self.assertAlmostEqual(sched.get_last_lr()[0], 1.0, places=12)

    def test_steps_edges(self):
        prog = lrs.compile("param total = 100\nschedule lr = linear(1 -> 0)")
        opt = torch.optim.SGD(model().parameters(), lr=1.0)
        sched = lrs.torch.Scheduler(opt, prog)
        sched.step(50.0)  # a whole float is a step
        self.assertEqual(sched.get_last_lr(), [0.5])
        with self.assertRaises(ValueError):
            sched.step(50.5)
        self.assertEqual(sched.last_epoch, 50)
        with self.assertRaises(OverflowError):
            sched.step(2**63)
        with self.assertRaises(OverflowError):
            prog["lr"](2**64 + 50)
        with self.assertRaises(OverflowError):
            prog["lr"](-2**63 - 1)
        self.assertEqual(prog["lr"](2**63 - 1), 0.0)
        self.assertEqual(prog["lr"](-2**63), 1.0)

    def test_closed_program(self):
        with lrs.compile("schedule lr = 0.25") as prog:
            s = prog["lr"]
            self.assertEqual(s(3), 0.25)
        with self.assertRaises(lrs.ClosedError):
            s(3)
        with self.assertRaises(lrs.ClosedError):
            prog.eval("lr", range(3))
        with self.assertRaises(lrs.ClosedError):
            s.next_boundary(0)
        opt = torch.optim.SGD(model().parameters(), lr=1.0)
        with self.assertRaises(lrs.ClosedError):
            lrs.torch.Scheduler(opt, prog)


class FrameworkProtocolTest(unittest.TestCase):
    def test_lightning_style(self):
        """What pytorch_lightning (1.9 / 2.x, core/optimizer.py) does with the
        return value of configure_optimizers: a dict with "optimizer" and
        "lr_scheduler": {"scheduler", "interval", "frequency"}; it accepts the
        scheduler if it is an LRScheduler (or ReduceLROnPlateau), requires
        scheduler.optimizer to be one of the returned optimizers, steps it
        every `frequency` optimizer steps for interval "step", and saves
        state_dict() in the checkpoint under "lr_schedulers"."""
        prog = lrs.compile("param total = 60\nschedule lr = warmup(6, cosine(0.1 -> 0.001))")
        net = model()

        def configure_optimizers():
            opt = torch.optim.SGD(net.parameters(), lr=0.1)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": lrs.torch.Scheduler(opt, prog),
                                                       "interval": "step", "frequency": 1}}

        conf = configure_optimizers()
        optimizers = [conf["optimizer"]]
        sched = conf["lr_scheduler"]["scheduler"]
        types = tuple(c for c in (getattr(torch.optim.lr_scheduler, "LRScheduler", None), BASE,
                                  torch.optim.lr_scheduler.ReduceLROnPlateau) if c)
        self.assertIsInstance(sched, types)
        self.assertIn(sched.optimizer, optimizers)
        for name in ("step", "state_dict", "load_state_dict", "get_last_lr"):
            self.assertTrue(callable(getattr(sched, name)))
        x, y = torch.randn(32, 4), torch.randn(32, 1)
        logged = []
        for batch_idx in range(40):
            opt = optimizers[0]
            opt.zero_grad()
            torch.nn.functional.mse_loss(net(x), y).backward()
            logged.append(sched.get_last_lr()[0])  # LearningRateMonitor
            opt.step()
            if (batch_idx + 1) % conf["lr_scheduler"]["frequency"] == 0:
                sched.step()
        self.assertEqual(logged, [prog["lr"](s) for s in range(40)])
        self.assertEqual(sched.last_epoch, 40)
        checkpoint = {"optimizer_states": [optimizers[0].state_dict()],
                      "lr_schedulers": [sched.state_dict()]}
        buf = io.BytesIO()
        torch.save(checkpoint, buf)
        buf.seek(0)
        checkpoint = torch.load(buf)
        conf2 = configure_optimizers()
        conf2["optimizer"].load_state_dict(checkpoint["optimizer_states"][0])
        sched2 = conf2["lr_scheduler"]["scheduler"]
        sched2.load_state_dict(checkpoint["lr_schedulers"][0])
        self.assertEqual(sched2.last_epoch, 40)
        self.assertEqual(conf2["optimizer"].param_groups[0]["lr"], prog["lr"](40))

    def test_hf_trainer_style(self):
        """What transformers.Trainer (4.x, trainer.py) does with
        optimizers=(optimizer, lr_scheduler): after each optimizer.step() it
        calls lr_scheduler.step(), logs lr_scheduler.get_last_lr()[0], and
        saves / loads lr_scheduler.state_dict() with torch.save/torch.load
        (scheduler.pt) beside the optimizer. The values are compared with
        get_linear_schedule_with_warmup's lr_lambda as transformers
        writes it (optimization.py), in a LambdaLR."""
        warm, total, lr = 10, 100, 5e-5

        def lr_lambda(current_step):
            if current_step < warm:
                return float(current_step) / float(max(1, warm))
            return max(0.0, float(total - current_step) / float(max(1, total - warm)))

        net = model()
        ref_opt = torch.optim.AdamW(net.parameters(), lr=lr)
        ref = torch.optim.lr_scheduler.LambdaLR(ref_opt, lr_lambda)
        opt = torch.optim.AdamW(net.parameters(), lr=lr)
        prog = lrs.compile("schedule lr = hf_linear(1, %d, %d)" % (warm, total))
        sched = lrs.torch.Scheduler(opt, prog, mode="relative")
        x, y = torch.randn(16, 4), torch.randn(16, 1)
        logs = []
        for step in range(60):
            opt.zero_grad()
            torch.nn.functional.mse_loss(net(x), y).backward()
            opt.step()
            sched.step()
            ref_opt.step()
            ref.step()
            logs.append(sched.get_last_lr()[0])
            self.assertLessEqual(abs(logs[-1] - ref.get_last_lr()[0]), 1e-18, step)
        self.assertEqual(sched.last_epoch, 60)
        buf = io.BytesIO()
        torch.save(sched.state_dict(), buf)
        buf.seek(0)
        opt2 = torch.optim.AdamW(net.parameters(), lr=lr)
        sched2 = lrs.torch.Scheduler(opt2, prog, mode="relative")
        sched2.load_state_dict(torch.load(buf))
        opt2.step()
        sched2.step()
        opt.step()
        sched.step()
        self.assertEqual(sched2.get_last_lr(), sched.get_last_lr())


if __name__ == "__main__":
    unittest.main()
