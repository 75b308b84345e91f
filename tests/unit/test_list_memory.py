"""List commands give back all the memory they take: a cycle of list
commands that ends with the keys deleted leaves used_memory where the
same cycle left it before (the first cycle warms reply buffers and the
keyspace tables)."""

from engine._mem import used_memory
from pyengine import Engine


def _cycle(e):
    e.execute("CONFIG", "SET", "list-max-listpack-size", "3")
    e.execute("CONFIG", "SET", "list-compress-depth", "1")
    e.execute("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "200b")
    try:
        e.execute("RPUSH", "l", *[b"%d-" % i + b"v" * (i % 300) for i in range(400)])
        e.execute("LPUSH", "l", *[str(i) for i in range(100)])
        for i in range(0, 400, 17):
            e.execute("LINSERT", "l", "BEFORE", str(i % 100), b"i" * (i % 250))
            e.execute("LSET", "l", str(i), b"s" * (i % 260))
        e.execute("LRANGE", "l", "0", "-1")
        e.execute("LPOS", "l", "7", "COUNT", "0")
        e.execute("LREM", "l", "0", "5")
        e.execute("LTRIM", "l", "2", "-3")
        for _ in range(30):
            e.execute("LMOVE", "l", "m", "LEFT", "RIGHT")
            e.execute("RPOPLPUSH", "l", "l")
        e.execute("LMPOP", "2", "x", "m", "LEFT", "COUNT", "5")
        e.execute("COPY", "l", "c")
        e.execute("DEBUG", "OBJECT", "l")
        e.execute("DEBUG", "DIGEST")
        e.execute("LPOP", "c", "1000")
        e.execute("DEL", "l", "m", "c")
    finally:
        e.execute("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")
        e.execute("CONFIG", "SET", "list-max-listpack-size", "-2")
        e.execute("CONFIG", "SET", "list-compress-depth", "0")


def test_list_commands_do_not_leak():
    e = Engine()
    e.execute("SET", "keep", "x")
    _cycle(e)
    after_first = used_memory()
    _cycle(e)
    assert used_memory() == after_first
    _cycle(e)
    assert used_memory() == after_first
