"""Builds the Python package `lrs` (distribution lrs-schedules) with liblrs
inside it, so that the installed package needs no environment variables.

liblrs comes from a CMake build of this source tree: the one in
$LRS_BUILD_DIR when that is set (brought up to date with
`cmake --build DIR --target lrs`), else a fresh one in build-python/cmake.
Everything else is in pyproject.toml."""
import os
import shutil
import subprocess

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

ROOT = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(ROOT, "build-python")


def build_liblrs():
    tree = os.environ.get("LRS_BUILD_DIR")
    if tree:
        tree = os.path.abspath(tree)
    else:
        tree = os.path.join(WORK, "cmake")
        if not os.path.exists(os.path.join(tree, "CMakeCache.txt")):
            subprocess.check_call(["cmake", "-S", ROOT, "-B", tree, "-DCMAKE_BUILD_TYPE=Release"])
    subprocess.check_call(["cmake", "--build", tree, "--target", "lrs", "-j",
                           str(os.cpu_count() or 2)])
    lib = os.path.join(tree, "compiler", "liblrs.so")
    if not os.path.exists(lib):
        raise RuntimeError("the CMake build in %s produced no compiler/liblrs.so" % tree)
    return lib


class BuildPy(build_py):
    """The pure-Python files, then liblrs as lrs/_lib/liblrs.so."""

    def run(self):
        super().run()
        dest = os.path.join(self.build_lib, "lrs", "_lib")
        os.makedirs(dest, exist_ok=True)
        shutil.copyfile(os.path.realpath(build_liblrs()), os.path.join(dest, "liblrs.so"))


class BinaryDistribution(Distribution):
    """A wheel for this platform: it carries a shared library."""

    def has_ext_modules(self):
        return True


setup(
    distclass=BinaryDistribution,
    cmdclass={"build_py": BuildPy},
    options={"build": {"build_base": os.path.join(WORK, "setuptools")},
             "egg_info": {"egg_base": WORK}},
)
