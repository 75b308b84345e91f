"""Build the Cython modules of engine/, pyengine/ and server/.

Every ``.pyx`` under the three packages becomes one extension module named
after its path (``engine/dict.pyx`` -> ``engine.dict``). Modules talk to each
other through ``cimport`` of their ``.pxd`` files, so ``engine`` is compiled
first, then ``pyengine``, then ``server``.

Environment:
  PYENGINE_DEBUG_CYTHON=1   bounds/wraparound checks and line tracing back on
  PYENGINE_ANNOTATE=1       write the ``cython -a`` HTML next to each module
"""

import glob
import os
import sys

from setuptools import Extension, setup

try:
    import Cython
    from Cython.Build import cythonize
except ImportError:  # pragma: no cover - the build backend installs Cython
    sys.exit("pyengine needs Cython>=3.1,<3.4 to build (pip install 'Cython>=3.1,<3.4')")

_major, _minor = (int(x) for x in Cython.__version__.split(".")[:2])
if (_major, _minor) < (3, 1) or _major >= 4 or (_major, _minor) >= (3, 4):
    sys.exit(f"pyengine needs Cython>=3.1,<3.4, found {Cython.__version__}")

DEBUG = os.environ.get("PYENGINE_DEBUG_CYTHON") == "1"
ANNOTATE = os.environ.get("PYENGINE_ANNOTATE") == "1"

directives = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": True,
    "embedsignature": True,
}
macros = []
if DEBUG:
    directives["linetrace"] = True
    macros.append(("CYTHON_TRACE_NOGIL", "1"))

extra_compile_args = ["-O2", "-Wno-unused-function", "-Wno-unreachable-code"]
if DEBUG:
    extra_compile_args = ["-O0", "-g"]


def extensions():
    exts = []
    for package in ("engine", "pyengine", "server"):
        for path in sorted(glob.glob(os.path.join(package, "*.pyx"))):
            name = path[:-4].replace(os.sep, ".")
            exts.append(
                Extension(
                    name,
                    [path],
                    include_dirs=["engine", "pyengine"],
                    define_macros=macros,
                    extra_compile_args=extra_compile_args,
                )
            )
    return exts


setup(
    ext_modules=cythonize(
        extensions(),
        compiler_directives=directives,
        annotate=ANNOTATE,
        nthreads=int(os.environ.get("PYENGINE_BUILD_JOBS", "2")),
    ),
)
