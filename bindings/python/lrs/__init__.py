"""lrs: learning-rate schedules as small programs, from Python.

A thin ctypes binding over liblrs (no build step). Compile a `.lrs` file or
source text, then call its schedules::

    import lrs
    prog = lrs.compile("schedule lr = linear(0 -> 3e-4) for 2000 then cosine(3e-4 -> 3e-5)",
                       params={"total": 100_000})
    prog["lr"](1000)             # a float
    prog.eval("lr", range(10))   # a numpy array when numpy is installed, else a list

Errors in the program raise lrs.CompileError, whose message is the
compiler's formatted diagnostics (file:line:column, the line, a caret).

Warnings of the compiler are raised through Python's `warnings` module
(category lrs.CompileWarning); Program.diagnostics keeps them too.

The library is found through $LRS_LIBRARY, then inside the installed package
(lrs/_lib/liblrs.so, the pip route), then where `cmake --install` put it
(recorded in lrs/_install.py), then next to this package in a source tree
(build/compiler/liblrs.so), then on the system's library path.
"""

import ctypes
import ctypes.util
import hashlib
import math
import operator
import os
import threading
import warnings

__all__ = ["compile", "Program", "Schedule", "Signals", "SignalError", "CompileError",
           "CompileWarning", "Diagnostic", "ClosedError", "library_path"]

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

_SEVERITY = ("error", "warning", "note", "help")


class _DiagInfo(ctypes.Structure):
    _fields_ = [
        ("severity", ctypes.c_int),
        ("file", ctypes.c_char_p),
        ("line", ctypes.c_int),
        ("column", ctypes.c_int),
        ("end_column", ctypes.c_int),
        ("message", ctypes.c_char_p),
        ("source_line", ctypes.c_char_p),
    ]


class _Options(ctypes.Structure):
    _fields_ = [
        ("include_dirs", ctypes.POINTER(ctypes.c_char_p)),
        ("include_dir_count", ctypes.c_size_t),
        ("defines", ctypes.POINTER(ctypes.c_char_p)),
        ("define_count", ctypes.c_size_t),
        ("no_check", ctypes.c_int),
        ("no_cache", ctypes.c_int),
        ("cache_dir", ctypes.c_char_p),
        ("allow_jumps", ctypes.c_int),
    ]


class _OptimHparams(ctypes.Structure):
    _fields_ = [(n, ctypes.c_double) for n in (
        "lr", "momentum", "dampening", "beta1", "beta2", "eps", "weight_decay", "alpha",
        "lr_decay", "initial_accumulator_value")] + [
        (n, ctypes.c_int) for n in ("nesterov", "amsgrad", "centered", "maximize")]


_FN = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int64)
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_void_p, ctypes.c_int64)
_RANGE_FN = ctypes.CFUNCTYPE(None, ctypes.c_int64, ctypes.c_int64, ctypes.POINTER(ctypes.c_double))
# A reactive schedule: (step, detector values) -> value.
_RFN = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int64, ctypes.POINTER(ctypes.c_double))


def library_path():
    """Where liblrs is loaded from."""
    env = os.environ.get("LRS_LIBRARY")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    bundled = os.path.join(here, "_lib", "liblrs.so")
    if os.path.exists(bundled):
        return bundled
    try:
        from . import _install  # written by `cmake --install`
        installed = os.path.normpath(os.path.join(here, _install.LIBRARY))
        if os.path.exists(installed):
            return installed
    except ImportError:
        pass
    tree = os.path.join(here, "..", "..", "..", "build", "compiler", "liblrs.so")
    if os.path.exists(tree):
        return os.path.normpath(tree)
    found = ctypes.util.find_library("lrs")
    if found:
        return found
    raise OSError("liblrs not found: build the project (make run) or set LRS_LIBRARY")


class _ScheduleInfo(ctypes.Structure):
    """lrs_schedule_info (lrs.h)."""
    _fields_ = [("name", ctypes.c_char_p), ("span", ctypes.c_double), ("start", ctypes.c_double),
                ("end", ctypes.c_double), ("min", ctypes.c_double), ("max", ctypes.c_double),
                ("proved", ctypes.c_int), ("boundary_count", ctypes.c_size_t),
                ("exact", ctypes.c_int), ("reactive", ctypes.c_int),
                ("bound_min", ctypes.c_double), ("bound_max", ctypes.c_double),
                ("horizon", ctypes.c_int), ("frozen", ctypes.c_int)]


def _load():
    lib = ctypes.CDLL(library_path())
    P, S, D, I64 = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_double, ctypes.c_int64
    sigs = {
        "lrs_context_new": (P, []),
        "lrs_context_free": (None, [P]),
        "lrs_diags_new": (P, []),
        "lrs_diags_free": (None, [P]),
        "lrs_diags_count": (S, [P]),
        "lrs_diags_get": (ctypes.c_int, [P, S, ctypes.POINTER(_DiagInfo)]),
        "lrs_diags_format": (P, [P, S, ctypes.c_int]),
        "lrs_free": (None, [P]),
        "lrs_compile_file": (P, [P, ctypes.c_char_p, ctypes.POINTER(_Options), P]),
        "lrs_compile_string": (P, [P, ctypes.c_char_p, ctypes.c_char_p, S,
                                   ctypes.POINTER(_Options), P]),
        "lrs_program_free": (None, [P]),
        "lrs_program_schedule_count": (S, [P]),
        "lrs_program_schedule_name": (ctypes.c_char_p, [P, S]),
        "lrs_program_schedule_span": (D, [P, S]),
        "lrs_program_schedule_info": (ctypes.c_int, [P, S, ctypes.POINTER(_ScheduleInfo)]),
        "lrs_program_param_count": (S, [P]),
        "lrs_program_param_name": (ctypes.c_char_p, [P, S]),
        "lrs_program_param_value": (D, [P, S]),
        "lrs_program_next_boundary": (I64, [P, S, I64]),
        "lrs_interp_eval": (D, [P, S, I64]),
        "lrs_interp_range": (None, [P, S, I64, I64, ctypes.POINTER(D)]),
        # signals (lrs.Signals)
        "lrs_program_signal_count": (S, [P]),
        "lrs_program_signal_name": (ctypes.c_char_p, [P, S]),
        "lrs_program_schedule_reactive": (ctypes.c_int, [P, S]),
        "lrs_interp_eval_reactive": (D, [P, S, I64, ctypes.POINTER(D)]),
        "lrs_program_signals_new": (P, [P]),
        "lrs_signals_free": (None, [P]),
        "lrs_signals_reset": (None, [P]),
        "lrs_signals_report": (ctypes.c_int, [P, S, I64, D]),
        "lrs_signals_values": (ctypes.POINTER(D), [P]),
        "lrs_signals_last_step": (I64, [P, S]),
        "lrs_signals_error": (ctypes.c_char_p, [P]),
        "lrs_signals_state_size": (S, [P]),
        "lrs_signals_save": (S, [P, P, S]),
        "lrs_signals_load": (ctypes.c_int, [P, P, S]),
        # the optimizer runtime (lrs.optim)
        "lrs_optim_new": (P, [ctypes.c_int]),
        "lrs_optim_free": (None, [P]),
        "lrs_optim_error": (ctypes.c_char_p, [P]),
        "lrs_optim_defaults": (_OptimHparams, [ctypes.c_int]),
        "lrs_optim_add_group": (ctypes.c_int, [P, P, P, S, ctypes.POINTER(_OptimHparams)]),
        "lrs_optim_add_group16": (ctypes.c_int, [P, ctypes.c_int, P, P, P, S,
                                                 ctypes.POINTER(_OptimHparams)]),
        "lrs_optim_set_buffers": (ctypes.c_int, [P, ctypes.c_int, P, P]),
        "lrs_optim_set_hparams": (ctypes.c_int, [P, ctypes.c_int, ctypes.POINTER(_OptimHparams)]),
        "lrs_optim_bind": (ctypes.c_int, [P, ctypes.c_int, ctypes.c_char_p, P, D]),
        "lrs_optim_bind_callback": (ctypes.c_int, [P, ctypes.c_int, ctypes.c_char_p, _CALLBACK,
                                                   P, D]),
        "lrs_optim_hparam": (ctypes.c_int, [P, ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(D)]),
        "lrs_optim_step": (ctypes.c_int, [P]),
        "lrs_optim_step_count": (I64, [P]),
        "lrs_optim_set_step_count": (ctypes.c_int, [P, I64]),
        "lrs_optim_group_steps": (I64, [P, ctypes.c_int]),
        "lrs_optim_set_group_steps": (ctypes.c_int, [P, ctypes.c_int, I64]),
        "lrs_optim_set_threads": (ctypes.c_int, [P, ctypes.c_int]),
        "lrs_optim_simd": (ctypes.c_char_p, [P]),
        "lrs_optim_set_simd": (ctypes.c_int, [P, ctypes.c_char_p]),
        "lrs_optim_state_data": (ctypes.POINTER(ctypes.c_float), [P, ctypes.c_int,
                                                                  ctypes.c_char_p]),
    }
    for name, (res, args) in sigs.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    # The native backend, when the library has one.
    for name, res in (("lrs_program_function", P), ("lrs_program_range_function", P),
                      ("lrs_program_reactive_function", P)):
        f = getattr(lib, name, None)
        if f is not None:
            f.restype, f.argtypes = res, [P, S]
    return lib


_lib = None
_context = None
_lock = threading.Lock()


def _L():
    global _lib
    if _lib is None:
        with _lock:
            if _lib is None:
                _lib = _load()
    return _lib


def _ctx():
    """The process's one compile context: created on first use, shared by
    every compilation (the standard library is parsed once per context) and
    never freed, so programs may outlive any particular caller."""
    global _context
    if _context is None:
        with _lock:
            if _context is None:
                _context = _L().lrs_context_new()
                if not _context:
                    raise MemoryError("lrs_context_new failed")
    return _context


class Diagnostic:
    """One diagnostic: severity, file, line, column, message; str() is the
    formatted text (location, source line, caret, notes)."""

    def __init__(self, info, text=""):
        self.severity = _SEVERITY[info.severity] if 0 <= info.severity < 4 else "error"
        self.file = (info.file or b"").decode("utf-8", "replace")
        self.line = info.line
        self.column = info.column
        self.message = (info.message or b"").decode("utf-8", "replace")
        self.text = text

    def __str__(self):
        return self.text or repr(self)

    def __repr__(self):
        return "%s:%d:%d: %s: %s" % (self.file, self.line, self.column, self.severity, self.message)


class CompileError(Exception):
    """A program did not compile. str() is the formatted diagnostics;
    .diagnostics lists them."""

    def __init__(self, text, diagnostics):
        super().__init__(text)
        self.diagnostics = diagnostics


class CompileWarning(UserWarning):
    """A warning of the compiler (a schedule that may not do what it says)."""


class ClosedError(ValueError):
    """A schedule was used after its program was closed."""


def _collect(lib, d):
    texts, diags = [], []
    for i in range(lib.lrs_diags_count(d)):
        info = _DiagInfo()
        lib.lrs_diags_get(d, i, ctypes.byref(info))
        p = lib.lrs_diags_format(d, i, 0)
        text = ""
        if p:
            text = ctypes.string_at(p).decode("utf-8", "replace")
            lib.lrs_free(p)
        texts.append(text)
        diags.append(Diagnostic(info, text))
    return "".join(texts), diags


def _cstrings(items):
    arr = (ctypes.c_char_p * max(len(items), 1))()
    for i, s in enumerate(items):
        arr[i] = s.encode()
    return arr


def _param_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(float(value)) if isinstance(value, float) else str(value)
    return str(value)  # an expression: "5%", "10 epochs", "peak / 2"


def _step(step):
    """A step as an int64, or an error: a fractional step has no value (a
    schedule is a function of whole steps) and ctypes would wrap a step
    outside int64 silently."""
    if isinstance(step, float):
        if not step.is_integer():
            raise ValueError("step %r is not a whole number: lrs schedules are functions of "
                             "integer steps (scale the step, e.g. int(epoch * steps_per_epoch))"
                             % step)
        step = int(step)
    step = operator.index(step)
    if not INT64_MIN <= step <= INT64_MAX:
        raise OverflowError("step %d is outside the int64 range [-2^63, 2^63 - 1]" % step)
    return step


class _Handle:
    """Owns one lrs_program. Freed when the Program is closed and no
    optimizer still runs its native code (pins), or when garbage collected."""

    def __init__(self, ptr):
        self.ptr = ptr
        self.closed = False
        self.pins = 0

    def free(self):
        if self.ptr and self.pins == 0:
            _L().lrs_program_free(self.ptr)
            self.ptr = None

    def __del__(self):
        try:
            self.pins = 0
            self.free()
        except Exception:
            pass


class SignalError(ValueError):
    """A report the signal state refused (an earlier step, an infinite
    value, an unknown signal), or a saved state of other signals."""


class Signals:
    """The state of a program's signals (`signal NAME` in the program):
    report metrics to it, and the program's reactive schedules follow.
    report() takes the step from which the report counts (a report at step
    S is seen by the values at steps >= S). A NaN is a report that is not
    better than the best (PyTorch's rule); an infinite value or an earlier
    step raises SignalError. state() and load() save and restore it."""

    def __init__(self, program):
        lib = _L()
        self.names = [lib.lrs_program_signal_name(program._ptr, i).decode()
                      for i in range(lib.lrs_program_signal_count(program._ptr))]
        self._ptr = lib.lrs_program_signals_new(program._ptr)
        if not self._ptr:
            raise MemoryError("cannot create the signal state")

    def _index(self, name):
        try:
            return self.names.index(name)
        except ValueError:
            raise SignalError("no signal %r; the program declares %s" % (name, self.names)) \
                from None

    def report(self, name, step, value):
        """Report `value` of signal `name` made at `step`."""
        lib = _L()
        rc = lib.lrs_signals_report(self._ptr, self._index(name), _step(step), float(value))
        if rc < 0:
            raise SignalError(lib.lrs_signals_error(self._ptr).decode())

    def last_step(self, name):
        """The step of the last report of `name`, or None."""
        k = _L().lrs_signals_last_step(self._ptr, self._index(name))
        return None if k < 0 else k

    def reset(self):
        _L().lrs_signals_reset(self._ptr)

    def _values(self):
        return _L().lrs_signals_values(self._ptr)

    def state(self):
        """The state as bytes (lrs_signals_save)."""
        lib = _L()
        n = lib.lrs_signals_state_size(self._ptr)
        buf = ctypes.create_string_buffer(n)
        lib.lrs_signals_save(self._ptr, buf, n)
        return buf.raw

    def load(self, data):
        """Restore a state(); raises SignalError (and changes nothing) if it
        is damaged or of other signals."""
        lib = _L()
        data = bytes(data)
        if lib.lrs_signals_load(self._ptr, data, len(data)) != 0:
            raise SignalError(lib.lrs_signals_error(self._ptr).decode())

    def __del__(self):
        ptr, self._ptr = getattr(self, "_ptr", None), None
        if ptr and _lib is not None:
            _lib.lrs_signals_free(ptr)

    def __repr__(self):
        return "<lrs signals %s>" % self.names


class Schedule:
    """A compiled schedule: call it with a step (an int in int64; a float
    only when it is a whole number). A reactive schedule (one that reads
    the program's signals) uses the program's Signals as they are now.
    Raises ClosedError once its program is closed."""

    def __init__(self, program, index):
        self._program = program
        self._handle = program._handle
        self.index = index
        self.name = _L().lrs_program_schedule_name(program._ptr, index).decode()
        self.span = _L().lrs_program_schedule_span(program._ptr, index)
        info = _ScheduleInfo()
        _L().lrs_program_schedule_info(program._ptr, index, ctypes.byref(info))
        # the span is a horizon: past it the values go on (no end value holds)
        self.horizon = bool(info.horizon)
        self.reactive = bool(_L().lrs_program_schedule_reactive(program._ptr, index))
        self._addr = program._native(index, self.reactive)
        self._fn = (_RFN if self.reactive else _FN)(self._addr) if self._addr else None

    @property
    def program(self):
        return self._program

    def _live(self):
        if self._handle.closed or not self._handle.ptr:
            raise ClosedError("schedule %r used after its program was closed" % self.name)
        return self._handle.ptr

    def __call__(self, step):
        ptr = self._live()
        step = _step(step)
        if self.reactive:
            det = self._program.signals._values()
            if self._fn is not None:
                return self._fn(step, det)
            return _L().lrs_interp_eval_reactive(ptr, self.index, step, det)
        if self._fn is not None:
            return self._fn(step)
        return _L().lrs_interp_eval(ptr, self.index, step)

    def next_boundary(self, step):
        """The first `then` boundary after `step`, or None."""
        b = _L().lrs_program_next_boundary(self._live(), self.index, _step(step))
        return None if b < 0 else b

    def __reduce__(self):
        # pickled as "schedule `name` of the (recompiled) program"
        return operator.getitem, (self._program, self.name)

    def __repr__(self):
        return "<lrs schedule %s, span %s>" % (self.name, self.span)


class Program:
    """A compiled .lrs program: its schedules by name, and its params.

    source_hash is the SHA-256 of the main source text; params holds every
    param's final value. Pickling (torch.save, copy.deepcopy) records how the
    program was compiled and compiles it again on loading."""

    def __init__(self, ptr, diagnostics, recipe, source_hash):
        self._handle = _Handle(ptr)
        self.diagnostics = diagnostics  # warnings
        self._recipe = recipe
        self.source_hash = source_hash
        lib = _L()
        self.params = {
            lib.lrs_program_param_name(ptr, i).decode(): lib.lrs_program_param_value(ptr, i)
            for i in range(lib.lrs_program_param_count(ptr))
        }
        # The signal state the reactive schedules read (None without signals).
        self.signals = Signals(self) if lib.lrs_program_signal_count(ptr) else None
        self._schedules = {}
        for i in range(lib.lrs_program_schedule_count(ptr)):
            s = Schedule(self, i)
            self._schedules[s.name] = s

    @property
    def _ptr(self):
        return None if self._handle.closed else self._handle.ptr

    @property
    def closed(self):
        return self._handle.closed

    def _native(self, index, reactive=False):
        f = getattr(_L(), "lrs_program_reactive_function" if reactive else "lrs_program_function",
                    None)
        if f is None or os.environ.get("LRS_BACKEND") == "interp":
            return None
        return f(self._handle.ptr, index) or None

    @property
    def schedules(self):
        return list(self._schedules)

    def __getitem__(self, name):
        try:
            return self._schedules[name]
        except KeyError:
            raise KeyError("no schedule %r; the program has %s" % (name, self.schedules)) from None

    def __contains__(self, name):
        return name in self._schedules

    def eval(self, name, steps):
        """Values of schedule `name` at `steps` (an iterable of ints, or a
        range, which is evaluated in one call). A numpy array if numpy is
        installed, else a list."""
        s = self[name]
        ptr = s._live()
        if isinstance(steps, range) and steps.step == 1 and not s.reactive:
            n = len(steps)
            if n:
                _step(steps.start)
                _step(steps.stop - 1)
            out = (ctypes.c_double * max(n, 1))()
            rng = getattr(_L(), "lrs_program_range_function", None)
            addr = rng(ptr, s.index) if rng and os.environ.get("LRS_BACKEND") != "interp" else None
            if addr:
                _RANGE_FN(addr)(steps.start, n, out)
            else:
                _L().lrs_interp_range(ptr, s.index, steps.start, n, out)
            values = list(out)[:n]
        else:
            values = [s(k) for k in steps]
        try:
            import numpy
            return numpy.asarray(values, dtype=numpy.float64)
        except ImportError:
            return values

    def close(self):
        """Free the compiled code. Schedules of a closed program raise
        ClosedError; an optimizer bound to one refuses to step."""
        self._handle.closed = True
        self._handle.free()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __reduce__(self):
        return _recompile, self._recipe

    def __repr__(self):
        return "<lrs program %s, schedules %s>" % (self._recipe[0] if self._recipe[1] else
                                                   self._recipe[3] or "<string>", self.schedules)


def _recompile(source, is_file, params, name, include, check, allow_jumps=False):
    if is_file:
        return compile(source, params=params, include=include, check=check,
                       allow_jumps=allow_jumps)
    return compile(source, params=params, include=include, name=name, check=check,
                   allow_jumps=allow_jumps)


def compile(path_or_source, params=None, include=None, name=None, check=True, warn=True,
            allow_jumps=False):
    """Compile a .lrs program: a path to a file (anything that names an
    existing file or ends in .lrs), or the source text itself. params
    overrides `param`s: {"peak": 1e-3, "warm": "5%"} (values may be numbers
    or expressions; "m.peak" is a param of the file imported `as m`).
    include lists directories searched by `import`. allow_jumps: every
    jump between `then` segments is intended (no warning about any).
    Raises CompileError with the formatted diagnostics on errors; each
    warning is issued as a CompileWarning unless warn is false."""
    lib = _L()
    params = dict(params or {})
    defines = ["%s=%s" % (k, _param_text(v)) for k, v in params.items()]
    dirs = [os.fspath(d) for d in (include or [])]
    opts = _Options(_cstrings(dirs), len(dirs), _cstrings(defines), len(defines), 0 if check else 1,
                    allow_jumps=1 if allow_jumps else 0)
    d = lib.lrs_diags_new()
    src = os.fspath(path_or_source)
    is_file = os.path.isfile(src) or src.endswith(".lrs")
    try:
        if is_file:
            src = os.path.abspath(src)
            try:
                with open(src, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            except OSError:
                digest = None
            ptr = lib.lrs_compile_file(_ctx(), src.encode(), ctypes.byref(opts), d)
        else:
            data = src.encode()
            digest = hashlib.sha256(data).hexdigest()
            ptr = lib.lrs_compile_string(_ctx(), (name or "<string>").encode(), data, len(data),
                                         ctypes.byref(opts), d)
        text, diags = _collect(lib, d)
    finally:
        lib.lrs_diags_free(d)
    if not ptr:
        raise CompileError(text or "compilation failed", diags)
    if warn:
        for dg in diags:
            if dg.severity == "warning":
                warnings.warn(CompileWarning(str(dg).rstrip("\n")), stacklevel=2)
    recipe = (src, is_file, params, name, dirs, check, allow_jumps)
    return Program(ptr, diags, recipe, digest)
