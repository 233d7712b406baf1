"""A PyTorch learning-rate scheduler driven by an lrs program.

    import torch, lrs, lrs.torch
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    prog = lrs.compile("onecycle.lrs", params={"total": 10_000})
    sched = lrs.torch.Scheduler(opt, prog, {"lr": "lr", "momentum": "momentum"})
    for batch in data:
        ...; opt.step(); sched.step()

Scheduler is a subclass of torch's scheduler base class
(torch.optim.lr_scheduler.LRScheduler, or _LRScheduler on torch 1.13), so
frameworks that check for one accept it, and SequentialLR and
ChainedScheduler can compose it. It follows that protocol: on construction
it sets every param group from the schedules at step 0, each step() moves
to the next step (step(n) jumps to step n), last_epoch is the step the
values belong to, get_last_lr() lists the groups' lrs, state_dict() and
load_state_dict() save and resume.

Keys of a mapping are hyperparameters: "lr", "momentum", "weight_decay",
"beta1", "beta2"; for optimizers with `betas` (Adam, AdamW) "momentum" sets
betas[0], as PyTorch's OneCycleLR does. Values are schedule names in the
program (or its Schedule objects).

mode="absolute" (the default) sets lr to the schedule's value;
mode="relative" multiplies each group's own initial lr by it, so per-group
rates and layer-wise decay work as with torch's LambdaLR: write the
schedule as a factor, e.g. `warmup(500, cosine(1 -> 0.1))`.

Schedules that react to metrics (a program with `signal val_loss` and,
say, `warmup(5, torch_reduce_on_plateau(val_loss, 0.1))`) take the metric
the way ReduceLROnPlateau.step(metrics) does: sched.step(val_loss) for a
program with one signal, sched.step(val_loss=..., acc=...) for several;
the report counts from the step it moves to. sched.report(...) reports
without moving (for a scheduler stepped every batch and a metric measured
every epoch). The signal state is the program's (program.signals).

Every value is a pure function of the step and of the signals' state, and
state_dict() carries that state, so resuming is exact.
state_dict() identifies the program (SHA-256 of its source, its params and
its schedules); loading a state saved with a different program raises
ProgramMismatchError unless check_program=False is passed.
"""

import warnings

import torch

import lrs

__all__ = ["Scheduler", "ProgramMismatchError", "HPARAMS"]

HPARAMS = ("lr", "momentum", "weight_decay", "beta1", "beta2")

_Base = getattr(torch.optim.lr_scheduler, "LRScheduler", None) or \
    torch.optim.lr_scheduler._LRScheduler


class ProgramMismatchError(ValueError):
    """A scheduler state was saved with a different program."""


def _set(group, hp, v):
    if hp == "lr" or hp == "weight_decay":
        group[hp] = v
    elif hp == "momentum" and "betas" in group:
        group["betas"] = (v, group["betas"][1])
    elif hp == "momentum":
        group["momentum"] = v
    elif hp == "beta1":
        group["betas"] = (v, group["betas"][1])
    else:
        group["betas"] = (group["betas"][0], v)


class Scheduler(_Base):
    def __init__(self, optimizer, program, schedules=None, *, groups=None, mode="absolute",
                 scale=None, last_epoch=-1, check_program=True, verbose=False):
        """schedules: {hyperparameter: schedule} for every group; default
        {"lr": "lr"} (a bare name means {"lr": name}).
        groups: {group index or group "name": {hyperparameter: schedule}},
        what a group schedules differently (merged over `schedules`).
        mode: "absolute" or "relative" (lr = the group's initial lr times
        the schedule). scale: optional per-group multipliers of the lr.
        check_program: whether load_state_dict refuses a state saved with
        another program."""
        if mode not in ("absolute", "relative"):
            raise ValueError("mode must be 'absolute' or 'relative', not %r" % (mode,))
        self.program = program
        self.mode = mode
        self.check_program = check_program
        pgroups = optimizer.param_groups
        common = self._mapping({"lr": "lr"} if schedules is None else schedules)
        maps = [dict(common) for _ in pgroups]
        names = {g.get("name"): i for i, g in enumerate(pgroups) if g.get("name") is not None}
        for key, m in (groups or {}).items():
            i = key if isinstance(key, int) and not isinstance(key, bool) else names.get(key)
            if i is None or not 0 <= i < len(pgroups):
                raise KeyError("no param group %r (the optimizer has %d groups%s)"
                               % (key, len(pgroups), ", named " + ", ".join(map(repr, names))
                                  if names else ""))
            maps[i].update(self._mapping(m))
        for g, m in zip(pgroups, maps):
            for hp in m:
                if hp in ("beta1", "beta2") and "betas" not in g:
                    raise ValueError("%r needs an optimizer with betas" % hp)
                if hp == "momentum" and "momentum" not in g and "betas" not in g:
                    raise ValueError("the optimizer has no momentum or betas to schedule")
        self.maps = maps
        self.scale = [1.0] * len(pgroups) if scale is None else [float(k) for k in scale]
        if len(self.scale) != len(pgroups):
            raise ValueError("scale has %d entries for %d param groups"
                             % (len(self.scale), len(pgroups)))
        self._ended = set()
        # torch's base class records initial_lr and base_lrs, counts the
        # optimizer's steps, then takes the initial step (step 0).
        super().__init__(optimizer, last_epoch)
        if verbose:
            self.verbose = True

    def _mapping(self, m):
        if isinstance(m, (str, lrs.Schedule)):
            m = {"lr": m}
        out = {}
        for hp, s in dict(m).items():
            if hp not in HPARAMS:
                raise ValueError("unknown hyperparameter %r; use one of %s"
                                 % (hp, ", ".join(HPARAMS)))
            name = s.name if isinstance(s, lrs.Schedule) else s
            if isinstance(s, lrs.Schedule) and s.program is not self.program:
                raise ValueError("schedule %r belongs to another program" % name)
            if name not in self.program:
                raise KeyError("the program has no schedule %r (it has %s)"
                               % (name, self.program.schedules))
            out[hp] = name
        return out

    @property
    def mapping(self):
        """The mapping of group 0 (every group's when there is no `groups`)."""
        return self.maps[0] if self.maps else {}

    # --- values ---------------------------------------------------------

    def _values(self, step):
        """[{hyperparameter: value}] per group at `step`; each schedule is
        called once."""
        cache = {}
        out = []
        for i, m in enumerate(self.maps):
            vals = {}
            for hp, name in m.items():
                if name not in cache:
                    cache[name] = self.program[name](step)
                    self._warn_end(name, step)
                v = cache[name]
                if hp == "lr":
                    v = v * self.scale[i]
                    if self.mode == "relative":
                        v = v * self.base_lrs[i]
                vals[hp] = v
            out.append(vals)
        return out

    def _warn_end(self, name, step):
        span = self.program[name].span
        if step > span and not self.program[name].horizon and name not in self._ended:
            self._ended.add(name)
            warnings.warn("schedule %r ended at step %d; step %d and later use its end value"
                          % (name, span, step), RuntimeWarning, stacklevel=4)

    def _apply(self, values):
        for g, vals in zip(self.optimizer.param_groups, values):
            for hp, v in vals.items():
                _set(g, hp, v)
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def get_lr(self):
        """The lrs at last_epoch (what step() sets)."""
        return [vals.get("lr", g["lr"]) for g, vals in
                zip(self.optimizer.param_groups, self._values(self.last_epoch))]

    def step(self, *args, epoch=None, **metrics):
        """Advance one step, or jump to step `epoch` (a whole number: a
        fractional epoch raises ValueError, since schedules are functions
        of integer steps), and set the param groups.

        For a program with signals, step(metric) reports `metric` (a float
        or a tensor) to its one signal, and step(NAME=metric, ...) to the
        signals named, at the step moved to (as
        ReduceLROnPlateau.step(metrics)); a second positional argument is
        then the epoch. An int is an epoch, as torch's step(epoch)."""
        sig = self.program.signals
        # A Python int is an epoch, as torch's schedulers take it (SequentialLR
        # calls step(0)); a float or tensor is a metric.
        if args and sig is not None and not isinstance(args[0], int):
            if len(sig.names) != 1:
                raise TypeError("the program has signals %s: name them, step(%s=...)"
                                % (sig.names, sig.names[0]))
            metrics = {sig.names[0]: args[0], **metrics}
            args = args[1:]
        if len(args) > 1:
            raise TypeError("step() takes at most one epoch")
        if args:
            epoch = args[0]
        if metrics and sig is None:
            raise TypeError("the program declares no signal to report %s to" % sorted(metrics))
        self._step_count = getattr(self, "_step_count", 0) + 1
        self.last_epoch = self.last_epoch + 1 if epoch is None else lrs._step(epoch)
        self._report(metrics)
        self._apply(self._values(self.last_epoch))

    def report(self, *args, **metrics):
        """Report metrics (as step() takes them) at the current step,
        without moving, and set the param groups again."""
        sig = self.program.signals
        if sig is None:
            raise TypeError("the program declares no signal")
        if args:
            if len(sig.names) != 1 or len(args) > 1:
                raise TypeError("name the signals: report(%s=...)" % sig.names[0])
            metrics = {sig.names[0]: args[0], **metrics}
        self._report(metrics)
        self._apply(self._values(self.last_epoch))

    def _report(self, metrics):
        for name, value in metrics.items():
            if isinstance(value, torch.Tensor):
                value = value.item()
            self.program.signals.report(name, self.last_epoch, float(value))

    # --- state ----------------------------------------------------------

    def program_identity(self):
        """What state_dict records to recognise the program."""
        return {"source_hash": self.program.source_hash, "params": dict(self.program.params),
                "schedules": list(self.program.schedules)}

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "_step_count": self._step_count,
                "base_lrs": list(self.base_lrs), "_last_lr": list(self._last_lr),
                "mode": self.mode, "scale": list(self.scale),
                "maps": [dict(m) for m in self.maps], "program": self.program_identity(),
                "signals": self.program.signals.state() if self.program.signals else None}

    def load_state_dict(self, state, check_program=None):
        """Restore a state_dict() and re-apply its step. Raises
        ProgramMismatchError when the state was saved with another program
        or other schedules per hyperparameter, unless check_program=False
        (here or at construction)."""
        check = self.check_program if check_program is None else check_program
        if check:
            self._check_identity(state)
        self.mode = state.get("mode", self.mode)
        self.scale = list(state.get("scale", self.scale))
        self.base_lrs = list(state.get("base_lrs", self.base_lrs))
        self._step_count = state.get("_step_count", self._step_count)
        if state.get("signals") is not None and self.program.signals is not None:
            self.program.signals.load(state["signals"])
        self.last_epoch = lrs._step(state["last_epoch"])
        self._apply(self._values(self.last_epoch))

    def _check_identity(self, state):
        saved, now = state.get("program"), self.program_identity()
        problems = []
        if saved is None:
            problems.append("the state records no program")
        else:
            if saved.get("source_hash") != now["source_hash"]:
                problems.append("its source differs (SHA-256 %.12s..., now %.12s...)"
                                % (saved.get("source_hash"), now["source_hash"]))
            sp, np_ = saved.get("params", {}), now["params"]
            for k in sorted(set(sp) | set(np_)):
                if sp.get(k) != np_.get(k):
                    problems.append("param %s was %r, now %r" % (k, sp.get(k), np_.get(k)))
        if "maps" in state and state["maps"] != self.maps:
            problems.append("schedules per hyperparameter were %r, now %r"
                            % (state["maps"], self.maps))
        if problems:
            raise ProgramMismatchError(
                "the scheduler state was saved with a different program: " + "; ".join(problems)
                + "\nhelp: resume with the same .lrs file and params, or pass "
                "check_program=False to load the step anyway")
