"""A PyTorch learning-rate scheduler driven by an lrs program.

    import torch, lrs, lrs.torch
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    prog = lrs.compile("onecycle.lrs", params={"total": 10_000})
    sched = lrs.torch.Scheduler(opt, prog, {"lr": "lr", "momentum": "momentum"})
    for batch in data:
        ...; opt.step(); sched.step()

It follows the protocol of torch.optim.lr_scheduler (step, get_last_lr,
state_dict, load_state_dict, last_epoch): on construction it sets every
param group from the schedules at step 0, and each step() moves to the
next step. Keys of the mapping are hyperparameters: "lr", "momentum",
"weight_decay", "beta1", "beta2"; for optimizers with `betas` (Adam, AdamW)
"momentum" sets betas[0], as PyTorch's OneCycleLR does. Values are schedule
names in the program. Every value is a pure function of the step, so
resuming is exact: load_state_dict restores the step and re-applies it.
"""

__all__ = ["Scheduler"]

_HPARAMS = ("lr", "momentum", "weight_decay", "beta1", "beta2")


class Scheduler:
    def __init__(self, optimizer, program, mapping=None, last_epoch=-1, scale=None):
        """mapping: {hyperparameter: schedule name}; default {"lr": "lr"}.
        scale: optional per-group multipliers of the lr (layer-wise rates)."""
        self.optimizer = optimizer
        self.program = program
        self.mapping = dict(mapping or {"lr": "lr"})
        for hp, name in self.mapping.items():
            if hp not in _HPARAMS:
                raise ValueError("unknown hyperparameter %r; use one of %s" % (hp, ", ".join(_HPARAMS)))
            if name not in program:
                raise KeyError("the program has no schedule %r (it has %s)" % (name, program.schedules))
        groups = optimizer.param_groups
        self.scale = list(scale) if scale is not None else [1.0] * len(groups)
        if len(self.scale) != len(groups):
            raise ValueError("scale has %d entries for %d param groups" % (len(self.scale), len(groups)))
        for hp in self.mapping:
            for g in groups:
                if hp in ("beta1", "beta2") and "betas" not in g:
                    raise ValueError("%r needs an optimizer with betas" % hp)
                if hp == "momentum" and "momentum" not in g and "betas" not in g:
                    raise ValueError("the optimizer has no momentum or betas to schedule")
        for g in groups:
            g.setdefault("initial_lr", g["lr"])
        self.base_lrs = [g["initial_lr"] for g in groups]
        self.last_epoch = last_epoch
        self._last_lr = [g["lr"] for g in groups]
        self.step()

    def _apply(self, step):
        values = {hp: self.program[name](step) for hp, name in self.mapping.items()}
        for g, k in zip(self.optimizer.param_groups, self.scale):
            for hp, v in values.items():
                if hp == "lr":
                    g["lr"] = v * k
                elif hp == "weight_decay":
                    g["weight_decay"] = v
                elif hp == "momentum" and "betas" in g:
                    g["betas"] = (v, g["betas"][1])
                elif hp == "momentum":
                    g["momentum"] = v
                elif hp == "beta1":
                    g["betas"] = (v, g["betas"][1])
                else:
                    g["betas"] = (g["betas"][0], v)
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def step(self, epoch=None):
        """Advance one step (or jump to `epoch`) and set the param groups."""
        self.last_epoch = self.last_epoch + 1 if epoch is None else int(epoch)
        self._apply(self.last_epoch)

    def get_last_lr(self):
        return list(self._last_lr)

    def get_lr(self):
        return [self.program[self.mapping["lr"]](self.last_epoch) * k for k in self.scale] \
            if "lr" in self.mapping else self.get_last_lr()

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "mapping": dict(self.mapping),
                "scale": list(self.scale), "base_lrs": list(self.base_lrs),
                "_last_lr": list(self._last_lr)}

    def load_state_dict(self, state):
        if state.get("mapping", self.mapping) != self.mapping:
            raise ValueError("state was saved with mapping %r, this scheduler has %r"
                             % (state.get("mapping"), self.mapping))
        self.scale = list(state.get("scale", self.scale))
        self.base_lrs = list(state.get("base_lrs", self.base_lrs))
        self.last_epoch = int(state["last_epoch"])
        self._apply(self.last_epoch)
