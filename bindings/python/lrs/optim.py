"""The optimizer runtime's SIMD optimizers as torch.optim.Optimizer classes.

    import lrs, lrs.optim
    prog = lrs.compile("schedules.lrs", params={"total": 10_000})
    opt = lrs.optim.AdamW(model.parameters(), lr=prog["lr"], weight_decay=0.1)
    for batch in data:
        opt.zero_grad(); loss(model, batch).backward(); opt.step()

SGD, Adam, AdamW, RMSprop, Adagrad and Lion take torch.optim's arguments
and compute torch.optim's (1.13) update rules in place on CPU tensors, with
the runtime's AVX-512 / AVX2 / scalar kernels (docs/optimizer.md states the
agreement: within a relative 1e-6 of torch, in practice the same bits).

Layout. Each param group keeps its parameters in one flat float32 buffer
and its gradients in another: on construction the parameters' data are
moved into the buffer (`p.data` becomes a view of it, as FSDP's flat
parameters do) and `.grad` becomes a view of the gradient buffer, which
backward() accumulates into in place. A step is then one call into the
runtime per group, whatever the number of tensors; the per-tensor checks
(is each .grad still its view? is each parameter's data still in the
buffer?) run as C-level map()s, without Python bytecode per tensor.

bfloat16 / float16 parameters keep float32 master weights in the
optimizer (the ZeRO-Offload pattern). The runtime reads the 16-bit
gradient buffer and writes the 16-bit parameters itself, in the same pass
as the update (each value widened, or rounded to nearest even as torch's
.to(dtype) rounds, in a register).

Gradients re-allocated behind the optimizer's back (zero_grad with
set_to_none=True, then backward(); or `p.grad = t`) are copied into the
buffer at the next step and `.grad` is pointed back at its view; the
runtime only ever sees buffers this object owns, so no pointer can dangle.
A group whose gradients are all None is skipped, as torch skips it; a
parameter whose gradient is None in a group that steps is left unchanged
(parameter and state), although the group's step count, which Adam's bias
correction uses, advances.

Hyperparameters may be schedules: lr=prog["lr"] (also momentum,
weight_decay, betas=(prog["b1"], 0.999)), bound to the runtime and
evaluated there at the optimizer's step count; param_groups show the value
the next step will use. Hyperparameters set in param_groups (by hand or by
a torch scheduler) apply at the next step.

state_dict() has torch.optim's layout (per-parameter "step", "exp_avg",
... tensors; param_groups with torch's keys), so a run can switch between
torch.optim.AdamW and lrs.optim.AdamW through state_dict/load_state_dict.
16-bit parameters add their float32 "master_param".

ArrayOptimizer does the same for numpy float32 arrays (no torch needed).
"""

import ctypes
import operator
from itertools import repeat

import lrs

__all__ = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Lion", "ArrayOptimizer", "KINDS"]

KINDS = {"sgd": 0, "adam": 1, "adamw": 2, "rmsprop": 3, "adagrad": 4, "lion": 5}
_STATE = {0: ("momentum_buffer",), 1: ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
          2: ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
          3: ("square_avg", "momentum_buffer", "grad_avg"), 4: ("sum",), 5: ("exp_avg",)}
_SCHEDULABLE = ("lr", "momentum", "weight_decay", "beta1", "beta2")
_GRAD = operator.attrgetter("grad")
_GROUP_KEYS = ("lr", "momentum", "dampening", "betas", "eps", "weight_decay", "alpha", "lr_decay",
               "initial_accumulator_value", "nesterov", "amsgrad", "centered", "maximize")
_IS = operator.is_


def _fail(lib, opt, rc, what):
    msg = lib.lrs_optim_error(opt).decode("utf-8", "replace")
    raise (MemoryError if rc == -2 else ValueError)("%s: %s" % (what, msg))


class _Runtime:
    """One lrs_optim: its groups of caller buffers (kept alive here), its
    bindings, its constant hyperparameters."""

    def __init__(self, kind, threads=None, simd=None):
        self.lib = lrs._L()
        self.kind = kind
        self.ptr = self.lib.lrs_optim_new(kind)
        if not self.ptr:
            raise MemoryError("lrs_optim_new failed")
        self.keep = []      # buffers the runtime points into, per group
        self.hkeys = []     # constant hyperparameters last passed, per group
        self.pins = []      # program handles of bound schedules
        self.callbacks = []
        self.count = 0      # the runtime's step count (lrs_optim_step_count)
        if threads is not None:
            self.check(self.lib.lrs_optim_set_threads(self.ptr, int(threads)), "threads")
        if simd is not None:
            self.check(self.lib.lrs_optim_set_simd(self.ptr, simd.encode()), "simd")

    def check(self, rc, what):
        if rc < 0:
            _fail(self.lib, self.ptr, rc, what)
        return rc

    def add(self, p_addr, g_addr, n, hp, keep, p16_addr=None, dtype16=0):
        """A group over float32 params and grads; with p16_addr, a 16-bit
        group of format dtype16 (lrs_optim_dtype): p_addr the float32 master
        weights, g_addr the 16-bit grads."""
        if p16_addr is None:
            rc = self.lib.lrs_optim_add_group(self.ptr, p_addr, g_addr, n, ctypes.byref(hp))
        else:
            rc = self.lib.lrs_optim_add_group16(self.ptr, dtype16, p_addr, p16_addr, g_addr, n,
                                                ctypes.byref(hp))
        g = self.check(rc, "add_group")
        self.keep.append(keep)
        self.hkeys.append(_hkey(hp))
        return g

    def set_hparams(self, group, hp):
        key = _hkey(hp)
        if key != self.hkeys[group]:
            self.check(self.lib.lrs_optim_set_hparams(self.ptr, group, ctypes.byref(hp)),
                       "hyperparameters of group %d" % group)
            self.hkeys[group] = key

    def bind(self, group, name, sched, scale=1.0):
        if not isinstance(sched, lrs.Schedule):
            raise TypeError("%s must be a number or an lrs.Schedule" % name)
        sched._live()
        if sched._addr:
            rc = self.lib.lrs_optim_bind(self.ptr, group, name.encode(), sched._addr, scale)
        else:  # interpreter: a callback into lrs_interp_eval
            prog, index = sched._handle, sched.index

            def cb(_user, step):
                return self.lib.lrs_interp_eval(prog.ptr, index, step)
            c = lrs._CALLBACK(cb)
            self.callbacks.append(c)
            rc = self.lib.lrs_optim_bind_callback(self.ptr, group, name.encode(), c, None, scale)
        self.check(rc, "bind %s" % name)
        sched._handle.pins += 1
        self.pins.append(sched._handle)

    def step(self, count=None):
        for h in self.pins:
            if h.closed:
                raise lrs.ClosedError("a schedule bound to this optimizer belongs to a closed "
                                      "program")
        if count is not None and count != self.count:
            self.lib.lrs_optim_set_step_count(self.ptr, count)
            self.count = count
        rc = self.lib.lrs_optim_step(self.ptr)
        if rc < 0:
            _fail(self.lib, self.ptr, rc, "step")
        if rc == 0:  # taken (not skipped): the runtime counted it
            self.count += 1
        return rc

    def state(self, group, name, n):
        """State buffer `name` of `group` as a ctypes float array (or None)."""
        p = self.lib.lrs_optim_state_data(self.ptr, group, name.encode())
        if not p:
            return None
        return (ctypes.c_float * n).from_address(ctypes.addressof(p.contents))

    def group_steps(self, group):
        return self.lib.lrs_optim_group_steps(self.ptr, group)

    def set_group_steps(self, group, t):
        self.check(self.lib.lrs_optim_set_group_steps(self.ptr, group, int(t)), "step count")

    def simd(self):
        return self.lib.lrs_optim_simd(self.ptr).decode()

    def close(self):
        if self.ptr:
            self.lib.lrs_optim_free(self.ptr)
            self.ptr = None
            for h in self.pins:
                h.pins -= 1
                if h.closed:
                    h.free()
            self.pins = []
            self.keep = []

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def _hkey(hp):
    return tuple(getattr(hp, f) for f, _ in hp._fields_)


def _hparams(kind, group):
    """An lrs_optim_hparams from a torch-style param group."""
    lib = lrs._L()
    hp = lib.lrs_optim_defaults(kind)
    for k in ("lr", "momentum", "dampening", "eps", "weight_decay", "alpha", "lr_decay",
              "initial_accumulator_value"):
        v = group.get(k)
        if v is not None and not isinstance(v, lrs.Schedule):
            setattr(hp, k, float(v))
    betas = group.get("betas")
    if betas is not None:
        for k, v in zip(("beta1", "beta2"), betas):
            if not isinstance(v, lrs.Schedule):
                setattr(hp, k, float(v))
    for k in ("nesterov", "amsgrad", "centered", "maximize"):
        setattr(hp, k, 1 if group.get(k) else 0)
    return hp


def _schedules(group):
    """{runtime hyperparameter name: Schedule} of a param group."""
    out = {}
    for k in ("lr", "momentum", "weight_decay"):
        if isinstance(group.get(k), lrs.Schedule):
            out[k] = group[k]
    for k, v in zip(("beta1", "beta2"), group.get("betas") or ()):
        if isinstance(v, lrs.Schedule):
            out[k] = v
    return out


def _with_values(group, bound, step):
    """The group with each bound hyperparameter replaced by its value at `step`."""
    g = dict(group)
    for name, s in bound.items():
        v = s(step)
        if name in ("beta1", "beta2"):
            b = list(g["betas"])
            b[0 if name == "beta1" else 1] = v
            g["betas"] = tuple(b)
        else:
            g[name] = v
    return g


# ---------------------------------------------------------------------------
# numpy arrays


class ArrayOptimizer:
    """The runtime over numpy float32 arrays, updated in place:

        opt = lrs.optim.ArrayOptimizer("adamw", [(w, dw), (b, db)], lr=prog["lr"])
        ...fill dw, db...; opt.step()

    Each (param, grad) pair must be C-contiguous, writeable float32 arrays of
    one size; the optimizer keeps references to them. Hyperparameters are
    torch.optim's names (betas=(b1, b2)); any of lr, momentum, weight_decay
    and the betas may be an lrs.Schedule."""

    def __init__(self, kind, pairs, threads=None, simd=None, **hparams):
        import numpy
        k = KINDS.get(str(kind).lower())
        if k is None:
            raise ValueError("unknown optimizer %r; use one of %s" % (kind, ", ".join(KINDS)))
        self.kind = k
        self._rt = _Runtime(k, threads, simd)
        self.hparams = dict(hparams)
        self.bound = _schedules(self.hparams)
        self.pairs = []
        for p, g in pairs:
            for a, what in ((p, "param"), (g, "grad")):
                if not isinstance(a, numpy.ndarray) or a.dtype != numpy.float32 or \
                        not a.flags.c_contiguous or not a.flags.writeable:
                    raise TypeError("each %s must be a writeable, C-contiguous float32 numpy "
                                    "array" % what)
            if p.shape != g.shape or p.size == 0:
                raise ValueError("a param and its grad need the same non-empty shape")
            hp = _hparams(k, _with_values(self.hparams, self.bound, 0))
            gi = self._rt.add(p.ctypes.data, g.ctypes.data, p.size, hp, (p, g))
            self.pairs.append((p, g))
        for name, s in self.bound.items():
            self._rt.bind(-1, name, s)

    @property
    def simd(self):
        return self._rt.simd()

    @property
    def steps(self):
        return self._rt.lib.lrs_optim_step_count(self._rt.ptr)

    def step(self):
        """One step on every array; returns False if it was skipped."""
        return self._rt.step() == 0

    def zero_grad(self):
        for _, g in self.pairs:
            g.fill(0)

    def state(self, i, name):
        """A copy of state buffer `name` of pair i (None if it has none)."""
        import numpy
        a = self._rt.state(i, name, self.pairs[i][0].size)
        return None if a is None else numpy.array(a, dtype=numpy.float32).reshape(
            self.pairs[i][0].shape)

    def close(self):
        self._rt.close()


# ---------------------------------------------------------------------------
# torch

try:
    import torch
except ImportError:  # pragma: no cover - numpy-only installs
    torch = None

if torch is not None:
    _HALF = {torch.bfloat16: 1, torch.float16: 2}  # lrs_optim_dtype
    _DATA_PTR = torch.Tensor.data_ptr
    _PROFILING = torch.autograd._profiler_enabled

    def _addr(t):
        return ctypes.c_void_p(t.data_ptr())

    class _Flat:
        """A param group's flat buffers and the runtime group over them."""

        def __init__(self, opt, group):
            params = [p for p in group["params"]]
            dtypes = {p.dtype for p in params}
            if len(dtypes) != 1:
                raise TypeError("a param group of %s must have one dtype, not %s; put "
                                "parameters of each dtype in their own group"
                                % (type(opt).__name__, sorted(map(str, dtypes))))
            dtype = dtypes.pop()
            if dtype != torch.float32 and dtype not in _HALF:
                raise TypeError("%s updates float32, bfloat16 and float16 parameters, not %s"
                                % (type(opt).__name__, dtype))
            for p in params:
                if p.device.type != "cpu":
                    raise TypeError("%s runs on the CPU; a parameter is on %s"
                                    % (type(opt).__name__, p.device))
                if p.grad is not None and p.grad.is_sparse:
                    raise TypeError("sparse gradients are not supported")
            self.params = params
            self.sizes = [p.numel() for p in params]
            self.n = sum(self.sizes)
            # 16-bit: P the float32 master weights; the runtime reads the
            # 16-bit gradients G and writes the 16-bit parameters `store` itself
            self.half = _HALF.get(dtype, 0)
            n = max(self.n, 1)
            with torch.no_grad():
                store = torch.empty(n, dtype=dtype)
                self.store = store
                self.P = torch.empty(n, dtype=torch.float32) if self.half else store
                self.G = torch.zeros(n, dtype=dtype)
                self.pviews, self.gviews = [], []
                o = 0
                for p, k in zip(params, self.sizes):
                    pv = store[o:o + k].view(p.shape)
                    pv.copy_(p.data)
                    gv = self.G[o:o + k].view(p.shape)
                    if p.grad is not None:
                        gv.copy_(p.grad)
                    self.pviews.append(pv)
                    self.gviews.append(gv)
                    o += k
                if self.half:
                    self.P.copy_(store)
                for p, pv in zip(params, self.pviews):
                    p.data = pv
            self.ptrs = list(map(_DATA_PTR, params))
            self.rt = None  # the runtime, one per group so that a group can be skipped
            self.gkey = None  # the group's hyperparameters last passed to it

        def sync_params(self):
            """Parameters whose data were replaced (p.data = ...) are copied
            back into the buffer and pointed at it again."""
            with torch.no_grad():
                for i, p in enumerate(self.params):
                    if p.data_ptr() != self.ptrs[i] or p.dtype != self.store.dtype or \
                            p.shape != self.pviews[i].shape:
                        if p.shape != self.pviews[i].shape:
                            raise RuntimeError("a parameter changed shape from %s to %s under "
                                               "the optimizer" % (tuple(self.pviews[i].shape),
                                                                  tuple(p.shape)))
                        self.pviews[i].copy_(p.data)
                        if self.half:
                            o = sum(self.sizes[:i])
                            self.P[o:o + self.sizes[i]].copy_(self.pviews[i].reshape(-1))
                        p.data = self.pviews[i]
            self.ptrs = list(map(_DATA_PTR, self.params))

        def gather(self, grads):
            """Bring gradients that are not the buffer's views into it.
            Returns the indices of parameters whose grad is None, or None
            if every one is (the group is skipped)."""
            missing = [i for i, g in enumerate(grads) if g is None]
            if len(missing) == len(grads):
                return None
            with torch.no_grad():
                if missing:
                    grads = list(grads)
                    for i in missing:
                        grads[i] = torch.zeros_like(self.gviews[i])
                for g in grads:
                    if g.is_sparse:
                        raise TypeError("sparse gradients are not supported")
                flat = list(map(torch.flatten, grads))
                if any(map(_IS, grads, self.gviews)):
                    self.G.copy_(torch.cat(flat))  # some read the buffer: copy through
                else:
                    torch.cat(flat, out=self.G) if self.n else None
            live = [i for i in range(len(grads)) if i not in set(missing)] if missing else None
            if live is None:
                list(map(setattr, self.params, repeat("grad"), self.gviews))
            else:
                for i in live:
                    self.params[i].grad = self.gviews[i]
            return missing

        def slices(self, i):
            o = sum(self.sizes[:i])
            return o, o + self.sizes[i]

    class _Optimizer(torch.optim.Optimizer):
        """Common part of lrs.optim's torch optimizers."""

        _kind = None

        def __init__(self, params, defaults, threads=None, simd=None):
            self._threads, self._simd = threads, simd
            self._flats = []
            self._bound = []
            self._steps = 0
            super().__init__(params, defaults)

        # -- construction ------------------------------------------------

        def add_param_group(self, param_group):
            param_group = dict(param_group)
            bound = {}
            for k, v in self.defaults.items():  # schedules given as defaults
                if k not in param_group:
                    param_group[k] = v
            bound = _schedules(param_group)
            start = _with_values(param_group, bound, self._steps)
            super().add_param_group(start)
            group = self.param_groups[-1]
            for flag in ("capturable", "differentiable", "fused"):
                if group.get(flag):
                    raise ValueError("%s does not support %s=True" % (type(self).__name__, flag))
            flat = _Flat(self, group)
            if flat.n:
                flat.rt = _Runtime(self._kind, self._threads, self._simd)
                flat.rt.add(_addr(flat.P), _addr(flat.G), flat.n, _hparams(self._kind, group),
                            (flat.P, flat.G, flat.store),
                            _addr(flat.store) if flat.half else None, flat.half)
                for name, s in bound.items():
                    flat.rt.bind(0, name, s)
            self._flats.append(flat)
            self._bound.append(bound)

        @property
        def simd(self):
            """The SIMD path the runtime uses ("avx512bf16", "avx512", "avx2" or "scalar")."""
            for f in self._flats:
                if f.rt:
                    return f.rt.simd()
            return _Runtime(self._kind, self._threads, self._simd).simd()

        # -- stepping ----------------------------------------------------

        def _hook_for_profile(self):
            # torch.optim.Optimizer wraps step() in a profiler range entered
            # at every call (two dispatcher calls, about 5 us); step() enters
            # the same range itself, only while a profiler is running.
            self._zero_grad_profile_name = "Optimizer.zero_grad#%s.zero_grad" % (
                type(self).__name__)

        def step(self, closure=None):
            if _PROFILING():
                with torch.autograd.profiler.record_function(
                        "Optimizer.step#%s.step" % type(self).__name__):
                    out = self._step(closure)
                    self._optimizer_step_code()
                    return out
            return self._step(closure)

        def _step(self, closure):
            # No torch.no_grad() around it: the runtime's update is not a
            # torch op, and the copies of the rare paths (gather,
            # sync_params) enter it themselves.
            loss = None
            if closure is not None:
                with torch.enable_grad():
                    loss = closure()
            for group, flat, bound in zip(self.param_groups, self._flats, self._bound):
                if flat.rt is None:
                    continue
                params = flat.params
                if group["params"] is not params and group["params"] != params:
                    raise RuntimeError("the parameters of a param group changed; build a new "
                                       "optimizer (or use add_param_group) instead")
                if flat.ptrs != list(map(_DATA_PTR, params)):
                    flat.sync_params()
                missing = ()
                if not all(map(_IS, map(_GRAD, params), flat.gviews)):
                    missing = flat.gather(list(map(_GRAD, params)))
                    if missing is None:
                        continue  # no gradients at all: torch skips the group
                key = tuple(map(group.get, _GROUP_KEYS))
                if key != flat.gkey:  # build the struct only when something changed
                    flat.rt.set_hparams(0, _hparams(self._kind, group))
                    flat.gkey = key
                saved = self._save(flat, missing) if missing else None
                flat.rt.step(self._steps)
                if saved:
                    self._restore(flat, saved)
                if bound:
                    group.update(_with_values(group, bound, self._steps + 1))
            self._steps += 1
            return loss

        def _buffers(self, flat):
            """[(torch state name, float32 tensor over the runtime's buffer)]:
            views valid while the runtime lives; used only inside a call."""
            out = []
            for name in _STATE[self._kind]:
                a = flat.rt.state(0, name, flat.n)
                if a is not None:
                    out.append((name, torch.frombuffer(a, dtype=torch.float32)))
            return out

        def _save(self, flat, missing):
            out = []
            for i in missing:
                a, b = flat.slices(i)
                out.append((a, b, flat.P[a:b].clone(),
                            flat.store[a:b].clone() if flat.half else None,
                            [(v, v[a:b].clone()) for _, v in self._buffers(flat)]))
            return out

        def _restore(self, flat, saved):
            for a, b, p, p16, states in saved:
                flat.P[a:b].copy_(p)
                if p16 is not None:  # the runtime wrote the 16-bit copy too
                    flat.store[a:b].copy_(p16)
                for v, old in states:
                    v[a:b].copy_(old)

        def zero_grad(self, set_to_none=False):
            """As torch's: set_to_none=True sets every .grad to None (the next
            step copies what backward allocates into the buffer); otherwise
            each group's gradient buffer is zeroed in one operation."""
            for flat in self._flats:
                if set_to_none:
                    list(map(setattr, flat.params, repeat("grad"), repeat(None)))
                    continue
                if all(map(_IS, map(_GRAD, flat.params), flat.gviews)):
                    flat.G.zero_()
                    continue
                for p in flat.params:
                    if p.grad is not None:
                        if p.grad.grad_fn is not None:
                            p.grad.detach_()
                        else:
                            p.grad.requires_grad_(False)
                        p.grad.zero_()

        # -- state -------------------------------------------------------

        def _group_step_value(self, t):
            return torch.tensor(float(t))

        def state_dict(self):
            """torch.optim's layout: {"state": {index: {...}}, "param_groups":
            [...]}; the tensors are copies."""
            state, groups, index = {}, [], 0
            for group, flat, bound in zip(self.param_groups, self._flats, self._bound):
                g = {k: v for k, v in group.items() if k != "params"}
                g["params"] = list(range(index, index + len(flat.params)))
                g["lrs_step"] = self._steps  # the step bound schedules resume at
                groups.append(g)
                if flat.rt is None:
                    index += len(flat.params)
                    continue
                t = flat.rt.group_steps(0)
                bufs = self._buffers(flat)
                if t > 0:
                    for i, p in enumerate(flat.params):
                        a, b = flat.slices(i)
                        st = self._step_state(t)
                        for name, v in bufs:
                            st[name] = v[a:b].clone().view(p.shape)
                        if flat.half:
                            st["master_param"] = flat.P[a:b].clone().view(p.shape)
                        state[index + i] = st
                index += len(flat.params)
            return {"state": state, "param_groups": groups}

        def _step_state(self, t):
            return {"step": torch.tensor(float(t))}

        def _steps_of(self, st):
            v = st.get("step")
            return None if v is None else int(v.item() if torch.is_tensor(v) else v)

        def load_state_dict(self, state_dict):
            """Load a state_dict() of this class or of torch.optim's class of
            the same name (parameters in the same order and groups)."""
            groups = state_dict["param_groups"]
            if len(groups) != len(self.param_groups):
                raise ValueError("loaded state dict has a different number of parameter groups")
            for g, saved in zip(self.param_groups, groups):
                if len(g["params"]) != len(saved["params"]):
                    raise ValueError("loaded state dict contains a parameter group that doesn't "
                                     "match the size of optimizer's group")
            states = state_dict["state"]
            for group, saved, flat, bound in zip(self.param_groups, groups, self._flats,
                                                 self._bound):
                for k, v in saved.items():
                    if k in ("params", "lrs_step") or k in bound:
                        continue  # a bound hyperparameter follows its schedule
                    if k == "betas":
                        v = tuple(group["betas"][j] if b in bound else v[j]
                                  for j, b in enumerate(("beta1", "beta2")))
                    group[k] = v
                if flat.rt is None:
                    continue
                flat.rt.set_hparams(0, _hparams(self._kind, group))
                flat.gkey = None
                steps = set()
                with torch.no_grad():
                    bufs = dict(self._buffers(flat))
                    for name in _STATE[self._kind]:
                        if name not in bufs and any(name in states.get(i, {}) and
                                                    states[i][name] is not None
                                                    for i in saved["params"]):
                            raise ValueError("the state has %r, which this group's "
                                             "hyperparameters do not use" % name)
                    for i, key in enumerate(saved["params"]):
                        st = states.get(key, {})
                        a, b = flat.slices(i)
                        t = self._steps_of(st)
                        if t is not None:
                            steps.add(t)
                        elif st.get("momentum_buffer") is not None:
                            steps.add(1)  # SGD keeps no step; a buffer means it has one
                        for name, v in bufs.items():
                            src = st.get(name)
                            if src is None:
                                v[a:b].fill_(self._state_init(group, name))
                            else:
                                v[a:b].copy_(src.reshape(-1))
                        if flat.half:
                            m = st.get("master_param")
                            flat.P[a:b].copy_(m.reshape(-1) if m is not None else
                                              flat.pviews[i].reshape(-1))
                t = max(steps) if steps else 0
                flat.rt.set_group_steps(0, t)
            recorded = [g["lrs_step"] for g in groups if "lrs_step" in g]
            # torch.optim keeps an unknown key as it is: take the larger count
            self._steps = max([int(r) for r in recorded] +
                              [f.rt.group_steps(0) for f in self._flats if f.rt] + [0])
            for group, bound in zip(self.param_groups, self._bound):
                if bound:
                    group.update(_with_values(group, bound, self._steps))

        def _state_init(self, group, name):
            return group.get("initial_accumulator_value", 0) if name == "sum" else 0

        def __getstate__(self):
            raise TypeError("%s cannot be pickled (it owns native buffers); save its "
                            "state_dict() instead" % type(self).__name__)

    def _torch_defaults(cls, kw):
        """torch.optim's defaults for `cls` with `kw`, checked as torch checks
        them (schedules replaced by their value at step 0)."""
        plain = {}
        for k, v in kw.items():
            if isinstance(v, lrs.Schedule):
                v = v(0)
            elif k == "betas":
                v = tuple(b(0) if isinstance(b, lrs.Schedule) else b for b in v)
            plain[k] = v
        ref = cls([torch.zeros(1, requires_grad=True)], **plain).defaults
        d = dict(ref)
        d.update(kw)
        return d

    class SGD(_Optimizer):
        """torch.optim.SGD's update (1.13) on the runtime."""
        _kind = KINDS["sgd"]

        def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                     nesterov=False, *, maximize=False, foreach=None, threads=None, simd=None):
            d = _torch_defaults(torch.optim.SGD, dict(
                lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                nesterov=nesterov, maximize=maximize, foreach=foreach))
            super().__init__(params, d, threads, simd)

        def _step_state(self, t):
            return {"momentum_buffer": None}  # replaced by the buffer when there is one

        def _steps_of(self, st):
            return None

    class Adam(_Optimizer):
        """torch.optim.Adam's update (1.13) on the runtime."""
        _kind = KINDS["adam"]
        _ref = torch.optim.Adam

        def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                     amsgrad=False, *, maximize=False, foreach=None, threads=None, simd=None):
            d = _torch_defaults(self._ref, dict(
                lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                maximize=maximize, foreach=foreach))
            super().__init__(params, d, threads, simd)

    class AdamW(Adam):
        """torch.optim.AdamW's update (1.13) on the runtime."""
        _kind = KINDS["adamw"]
        _ref = torch.optim.AdamW

        def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                     amsgrad=False, *, maximize=False, foreach=None, threads=None, simd=None):
            super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                             foreach=foreach, threads=threads, simd=simd)

    class RMSprop(_Optimizer):
        """torch.optim.RMSprop's update (1.13) on the runtime."""
        _kind = KINDS["rmsprop"]

        def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                     centered=False, *, maximize=False, foreach=None, threads=None, simd=None):
            d = _torch_defaults(torch.optim.RMSprop, dict(
                lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                centered=centered, maximize=maximize, foreach=foreach))
            super().__init__(params, d, threads, simd)

        def _step_state(self, t):
            return {"step": int(t)}  # an int in torch 1.13's RMSprop

    class Adagrad(_Optimizer):
        """torch.optim.Adagrad's update (1.13, dense) on the runtime."""
        _kind = KINDS["adagrad"]

        def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                     initial_accumulator_value=0, eps=1e-10, *, maximize=False, foreach=None,
                     threads=None, simd=None):
            d = _torch_defaults(torch.optim.Adagrad, dict(
                lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                initial_accumulator_value=initial_accumulator_value, eps=eps,
                maximize=maximize, foreach=foreach))
            super().__init__(params, d, threads, simd)

    class Lion(_Optimizer):
        """Lion (Chen et al. 2023, Algorithm 2) on the runtime; torch 1.13 has
        no Lion, so its state_dict follows lion-pytorch's ("exp_avg")."""
        _kind = KINDS["lion"]

        def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0, *,
                     maximize=False, threads=None, simd=None):
            for k, v in (("lr", lr), ("weight_decay", weight_decay)):
                if not isinstance(v, lrs.Schedule) and not 0.0 <= v:
                    raise ValueError("Invalid %s value: %r" % (k, v))
            d = dict(lr=lr, betas=tuple(betas), weight_decay=weight_decay, maximize=maximize)
            super().__init__(params, d, threads, simd)

        def _step_state(self, t):
            return {}

        def _steps_of(self, st):
            return None
