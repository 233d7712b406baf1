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

The library is found through $LRS_LIBRARY, then next to this package in a
source tree (build/compiler/liblrs.so), then on the system's library path.
"""

import ctypes
import ctypes.util
import math
import os

__all__ = ["compile", "Program", "Schedule", "CompileError", "Diagnostic", "library_path"]

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
    ]


_FN = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int64)
_RANGE_FN = ctypes.CFUNCTYPE(None, ctypes.c_int64, ctypes.c_int64, ctypes.POINTER(ctypes.c_double))


def library_path():
    """Where liblrs is loaded from."""
    env = os.environ.get("LRS_LIBRARY")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    tree = os.path.join(here, "..", "..", "..", "build", "compiler", "liblrs.so")
    if os.path.exists(tree):
        return os.path.normpath(tree)
    found = ctypes.util.find_library("lrs")
    if found:
        return found
    raise OSError("liblrs not found: build the project (make run) or set LRS_LIBRARY")


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
        "lrs_program_param_count": (S, [P]),
        "lrs_program_param_name": (ctypes.c_char_p, [P, S]),
        "lrs_program_param_value": (D, [P, S]),
        "lrs_program_next_boundary": (I64, [P, S, I64]),
        "lrs_interp_eval": (D, [P, S, I64]),
        "lrs_interp_range": (None, [P, S, I64, I64, ctypes.POINTER(D)]),
    }
    for name, (res, args) in sigs.items():
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    # The native backend, when the library has one.
    for name, res in (("lrs_program_function", P), ("lrs_program_range_function", P)):
        f = getattr(lib, name, None)
        if f is not None:
            f.restype, f.argtypes = res, [P, S]
    return lib


_lib = None


def _L():
    global _lib
    if _lib is None:
        _lib = _load()
    return _lib


class Diagnostic:
    """One diagnostic: severity, file, line, column, message."""

    def __init__(self, info):
        self.severity = _SEVERITY[info.severity] if 0 <= info.severity < 4 else "error"
        self.file = (info.file or b"").decode("utf-8", "replace")
        self.line = info.line
        self.column = info.column
        self.message = (info.message or b"").decode("utf-8", "replace")

    def __repr__(self):
        return "%s:%d:%d: %s: %s" % (self.file, self.line, self.column, self.severity, self.message)


class CompileError(Exception):
    """A program did not compile. str() is the formatted diagnostics;
    .diagnostics lists them."""

    def __init__(self, text, diagnostics):
        super().__init__(text)
        self.diagnostics = diagnostics


def _collect(lib, d):
    texts, diags = [], []
    for i in range(lib.lrs_diags_count(d)):
        info = _DiagInfo()
        lib.lrs_diags_get(d, i, ctypes.byref(info))
        diags.append(Diagnostic(info))
        p = lib.lrs_diags_format(d, i, 0)
        if p:
            texts.append(ctypes.string_at(p).decode("utf-8", "replace"))
            lib.lrs_free(p)
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


class Schedule:
    """A compiled schedule: call it with a step."""

    def __init__(self, program, index):
        self._program = program
        self.index = index
        self.name = _L().lrs_program_schedule_name(program._ptr, index).decode()
        self.span = _L().lrs_program_schedule_span(program._ptr, index)
        self._fn = program._native(index)

    def __call__(self, step):
        step = int(step)
        if self._fn is not None:
            return self._fn(step)
        return _L().lrs_interp_eval(self._program._ptr, self.index, step)

    def next_boundary(self, step):
        """The first `then` boundary after `step`, or None."""
        b = _L().lrs_program_next_boundary(self._program._ptr, self.index, int(step))
        return None if b < 0 else b

    def __repr__(self):
        return "<lrs schedule %s, span %s>" % (self.name, self.span)


class Program:
    """A compiled .lrs program: its schedules by name, and its params."""

    def __init__(self, ptr, context, diagnostics):
        self._ptr = ptr
        self._context = context
        self.diagnostics = diagnostics  # warnings
        lib = _L()
        self.params = {
            lib.lrs_program_param_name(ptr, i).decode(): lib.lrs_program_param_value(ptr, i)
            for i in range(lib.lrs_program_param_count(ptr))
        }
        self._schedules = {}
        for i in range(lib.lrs_program_schedule_count(ptr)):
            s = Schedule(self, i)
            self._schedules[s.name] = s

    def _native(self, index):
        f = getattr(_L(), "lrs_program_function", None)
        if f is None or os.environ.get("LRS_BACKEND") == "interp":
            return None
        addr = f(self._ptr, index)
        return _FN(addr) if addr else None

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
        if isinstance(steps, range) and steps.step == 1:
            n = len(steps)
            out = (ctypes.c_double * max(n, 1))()
            rng = getattr(_L(), "lrs_program_range_function", None)
            addr = rng(self._ptr, s.index) if rng and os.environ.get("LRS_BACKEND") != "interp" else None
            if addr:
                _RANGE_FN(addr)(steps.start, n, out)
            else:
                _L().lrs_interp_range(self._ptr, s.index, steps.start, n, out)
            values = list(out)[:n]
        else:
            values = [s(k) for k in steps]
        try:
            import numpy
            return numpy.asarray(values, dtype=numpy.float64)
        except ImportError:
            return values

    def close(self):
        if self._ptr:
            _L().lrs_program_free(self._ptr)
            self._ptr = None
            _L().lrs_context_free(self._context)
            self._context = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def compile(path_or_source, params=None, include=None, name=None, check=True):
    """Compile a .lrs program: a path to a file (anything that names an
    existing file or ends in .lrs), or the source text itself. params
    overrides `param`s: {"peak": 1e-3, "warm": "5%"} (values may be numbers
    or expressions). include lists directories searched by `import`.
    Raises CompileError with the formatted diagnostics on errors."""
    lib = _L()
    defines = ["%s=%s" % (k, _param_text(v)) for k, v in (params or {}).items()]
    dirs = [str(d) for d in (include or [])]
    opts = _Options(_cstrings(dirs), len(dirs), _cstrings(defines), len(defines), 0 if check else 1)
    ctx = lib.lrs_context_new()
    d = lib.lrs_diags_new()
    try:
        src = os.fspath(path_or_source)
        if os.path.isfile(src) or src.endswith(".lrs"):
            ptr = lib.lrs_compile_file(ctx, src.encode(), ctypes.byref(opts), d)
        else:
            data = src.encode()
            ptr = lib.lrs_compile_string(ctx, (name or "<string>").encode(), data, len(data),
                                         ctypes.byref(opts), d)
        text, diags = _collect(lib, d)
    finally:
        lib.lrs_diags_free(d)
    if not ptr:
        lib.lrs_context_free(ctx)
        raise CompileError(text or "compilation failed", diags)
    return Program(ptr, ctx, diags)
