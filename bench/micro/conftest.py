"""Micro benchmarks (pytest-benchmark): the engine's structures timed beside
a plain-Python baseline in the same group.

    python -m pytest bench/micro --benchmark-only

They live outside tests/, so the normal suite (``testpaths = ["tests"]``)
never collects them. The ``hooks`` fixture compiles bench/micro/_hooks.pyx
on first use (a few seconds) to reach the engine's C functions.
"""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


@pytest.fixture(scope="session")
def hooks():
    from bench.micro.build import load_hooks
    try:
        return load_hooks()
    except Exception as e:      # no compiler, engine not built, ...
        pytest.skip("cannot build bench/micro/_hooks.pyx: %s" % e)
