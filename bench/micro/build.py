"""Compile bench/micro/_hooks.pyx on first use (into the source tree,
like ``setup.py build_ext --inplace`` does for the engine) and import it.

The hooks are not part of the engine build: they exist only to time the
engine's C functions from pytest-benchmark. They are rebuilt when the .pyx
or any engine .pxd/.h it depends on is newer than the built module.
"""

import glob
import importlib
import os
import sysconfig

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SOURCE = os.path.join(HERE, "_hooks.pyx")
SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")
TARGET = os.path.join(HERE, "_hooks" + SUFFIX)


def _stale():
    if not os.path.exists(TARGET):
        return True
    deps = [SOURCE] + glob.glob(os.path.join(ROOT, "engine", "*.pxd")) \
        + glob.glob(os.path.join(ROOT, "engine", "*.h"))
    built = os.path.getmtime(TARGET)
    return any(os.path.getmtime(p) > built for p in deps)


def build():
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    ext = Extension("bench.micro._hooks", [os.path.relpath(SOURCE, ROOT)],
                    include_dirs=[os.path.join(ROOT, "engine"), os.path.join(ROOT, "pyengine")],
                    extra_compile_args=["-O2", "-Wno-unused-function", "-Wno-unreachable-code"])
    cwd = os.getcwd()
    os.chdir(ROOT)          # module names follow paths relative to the root
    try:
        exts = cythonize([ext], include_path=[ROOT], quiet=True, compiler_directives={
            "language_level": 3, "boundscheck": False, "wraparound": False,
            "initializedcheck": False, "cdivision": True})
        dist = Distribution({"ext_modules": exts})
        dist.verbose = 0
        cmd = dist.get_command_obj("build_ext")
        cmd.inplace = True
        cmd.build_temp = os.path.join(ROOT, "build", "bench-micro")
        dist.run_command("build_ext")
    finally:
        os.chdir(cwd)


def load_hooks():
    """The compiled hooks module (building it when needed)."""
    if _stale():
        build()
    return importlib.import_module("bench.micro._hooks")
