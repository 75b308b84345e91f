"""Stream commands give back all the memory they take: a cycle of stream
commands (appends across many nodes, deletes, trims, groups, consumers,
pending entries, claims, copies) that ends with the keys deleted leaves
used_memory where the same cycle left it before (the first two cycles warm
reply buffers and the keyspace tables).

The allocator counter is per process, so the cycles run in a fresh
interpreter: other tests' engines and server threads cannot move it."""

import gc
import os
import subprocess
import sys

from engine._mem import used_memory
from pyengine import Engine


def _settled_used_memory():
    """used_memory once objects other tests left behind are collected (the
    counter is per process)."""
    gc.collect()
    return used_memory()


def _cycle(e):
    e.execute("CONFIG", "SET", "stream-node-max-entries", "7")
    try:
        for i in range(1, 400):
            e.execute("XADD", "s", "%d-0" % i, "f", "v%d" % i, *(["g", "x" * (i % 90)] if i % 3 else []))
        e.execute("XADD", "s", "MAXLEN", "~", "350", "400-0", "f", "v")
        e.execute("XDEL", "s", *["%d-0" % i for i in range(60, 200, 3)])
        e.execute("XTRIM", "s", "MINID", "70")
        e.execute("XGROUP", "CREATE", "s", "g", "0")
        e.execute("XGROUP", "CREATE", "s", "h", "$")
        e.execute("XREADGROUP", "GROUP", "g", "alice", "COUNT", "50", "STREAMS", "s", ">")
        e.execute("XREADGROUP", "GROUP", "g", "bob", "COUNT", "50", "STREAMS", "s", ">")
        e.execute("XREADGROUP", "GROUP", "g", "carol", "NOACK", "COUNT", "20", "STREAMS", "s", ">")
        e.execute("XACK", "s", "g", *["%d-0" % i for i in range(70, 120)])
        e.execute("XCLAIM", "s", "g", "dave", "0", *["%d-0" % i for i in range(120, 160)])
        e.execute("XCLAIM", "s", "g", "dave", "0", "300-0", "FORCE")
        e.execute("XDEL", "s", "130-0", "140-0")
        e.execute("XAUTOCLAIM", "s", "g", "erin", "0", "0", "COUNT", "30")
        e.execute("XGROUP", "SETID", "s", "g", "0")
        e.execute("XREADGROUP", "GROUP", "g", "frank", "COUNT", "10", "STREAMS", "s", ">")
        e.execute("XGROUP", "DELCONSUMER", "s", "g", "bob")
        e.execute("XGROUP", "CREATECONSUMER", "s", "h", "zed")
        e.execute("XINFO", "STREAM", "s", "FULL")
        e.execute("COPY", "s", "c")
        e.execute("XGROUP", "DESTROY", "c", "g")
        e.execute("XSETID", "s", "1000-0")
        e.execute("DEBUG", "OBJECT", "s")
        e.execute("DEBUG", "DIGEST")
        e.execute("MEMORY", "USAGE", "s")
        e.execute("XADD", "t", "1-0", "a", "1")
        e.execute("XDEL", "t", "1-0")
        e.execute("DEL", "s", "c", "t")
    finally:
        e.execute("CONFIG", "SET", "stream-node-max-entries", "100")


def _measure():
    e = Engine()
    e.execute("SET", "keep", "x")
    _cycle(e)
    _cycle(e)
    after_first = _settled_used_memory()
    readings = []
    for _ in range(2):
        _cycle(e)
        readings.append(_settled_used_memory())
    return after_first, readings


def test_stream_commands_do_not_leak():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ("import sys; sys.path[:0] = [%r, %r]; import test_stream_memory as t; "
            "print(t._measure())" % (root, os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=root)
    assert out.returncode == 0, out.stderr
    after_first, readings = eval(out.stdout.strip().splitlines()[-1])
    assert readings == [after_first, after_first]
