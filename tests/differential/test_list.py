"""List commands against a real redis-server, raw replies compared byte for
byte (RESP2 and RESP3), plus the quicklist's shape: DEBUG OBJECT's ql_*
fields and serializedlength and DEBUG DIGEST-VALUE must be equal under
several list-max-listpack-size / list-compress-depth settings, which is only
true when nodes fill, split, merge and compress exactly as Redis's do."""

import contextlib
import re

import pytest

from conftest import Differ

BIG = "x" * 10000
HUGE = "".join("%07d" % i for i in range(150000))        # ~1 MB, compressible


@pytest.fixture
def other(redis_server, pyengine_server):
    """A second connection pair to the same two servers."""
    d = Differ(redis_server.port, pyengine_server.port)
    yield d
    d.close()


@contextlib.contextmanager
def list_config(diff, size, depth):
    """Set list-max-listpack-size and list-compress-depth on both servers,
    restore the defaults afterwards."""
    diff("CONFIG", "SET", "list-max-listpack-size", str(size))
    diff("CONFIG", "SET", "list-compress-depth", str(depth))
    try:
        yield
    finally:
        diff("CONFIG", "SET", "list-max-listpack-size", "-2")
        diff("CONFIG", "SET", "list-compress-depth", "0")


@contextlib.contextmanager
def packed_threshold(diff, value):
    diff("DEBUG", "QUICKLIST-PACKED-THRESHOLD", value)
    try:
        yield
    finally:
        diff("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")


def same_shape(diff, key):
    """DEBUG OBJECT equal except the address and the LRU fields; and the
    value digests equal."""
    r, p = diff.both("DEBUG", "OBJECT", key)
    mask = lambda b: re.sub(rb"Value at:0x[0-9a-f]+ |lru:\d+ lru_seconds_idle:\d+ ?", b"", b)
    assert mask(p) == mask(r), "DEBUG OBJECT %s\n redis:    %r\n pyengine: %r" % (key, r, p)
    diff("DEBUG", "DIGEST-VALUE", key)


def fill_list(diff, key, values, cmd="RPUSH"):
    for v in values:
        diff(cmd, key, v)


# ---- push / pop -----------------------------------------------------------------------------

def test_push_and_len(diff):
    diff("LPUSH", "l", "a")
    diff("RPUSH", "l", "b", "c", "1", "-2", "01", "9223372036854775808", "")
    diff("LPUSH", "l", "x", "y", "z")
    diff("LLEN", "l")
    diff("LRANGE", "l", "0", "-1")
    diff("LLEN", "missing")
    diff("LPUSH", "l")
    diff("RPUSH")
    diff("TYPE", "l")
    diff("OBJECT", "ENCODING", "l")
    diff("EXISTS", "l")


def test_pushx(diff):
    diff("LPUSHX", "l", "a")
    diff("RPUSHX", "l", "a", "b")
    diff("EXISTS", "l")
    diff("RPUSH", "l", "x")
    diff("LPUSHX", "l", "a", "b")
    diff("RPUSHX", "l", "c", "d")
    diff("LRANGE", "l", "0", "-1")
    diff("LPUSHX", "l")
    diff("SET", "s", "v")
    diff("LPUSHX", "s", "a")
    diff("RPUSHX", "s", "a")


@pytest.mark.parametrize("proto", [2, 3])
def test_pop(diff, proto):
    diff.hello(proto)
    diff("RPUSH", "l", "a", "b", "c", "d", "e", "f", "g", "1", "2", "3")
    diff("LPOP", "l")
    diff("RPOP", "l")
    diff("LPOP", "l", "1")
    diff("RPOP", "l", "2")
    diff("LPOP", "l", "0")
    diff("RPOP", "l", "0")
    diff("LPOP", "l", "-1")
    diff("LPOP", "l", "abc")
    diff("LPOP", "l", "1.5")
    diff("RPOP", "l", "9223372036854775808")
    diff("LPOP", "l", "1", "1")
    diff("RPOP", "l", "2", "2")
    diff("LPOP", "l", "100")
    diff("EXISTS", "l")
    for cmd in ("LPOP", "RPOP"):
        diff(cmd, "missing")
        diff(cmd, "missing", "0")
        diff(cmd, "missing", "3")
        diff(cmd, "missing", "-3")
        diff(cmd, "missing", "x")
    diff("RPUSH", "l", "only")
    diff("RPOP", "l", "5")
    diff("EXISTS", "l")
    diff("RPUSH", "l", "only")
    diff("LPOP", "l")
    diff("EXISTS", "l")


def test_pop_integers_and_big_values(diff):
    diff("RPUSH", "l", "0", "-1", "127", "128", "4095", "-4096", "32767", "-32769", "8388608",
         "2147483648", "-9223372036854775808", "9223372036854775807", BIG, "12")
    diff("LRANGE", "l", "0", "-1")
    for _ in range(7):
        diff("LPOP", "l")
        diff("RPOP", "l")
    diff("LLEN", "l")


# ---- read commands -----------------------------------------------------------------------------

LRANGE_CASES = [("0", "-1"), ("0", "0"), ("-1", "-1"), ("2", "5"), ("5", "2"), ("-3", "-1"),
                ("-100", "100"), ("100", "200"), ("-200", "-100"), ("3", "-3"), ("0", "-100"),
                ("-9223372036854775808", "9223372036854775807"), ("9", "9"), ("10", "10")]


@pytest.mark.parametrize("proto", [2, 3])
def test_lrange(diff, proto):
    diff.hello(proto)
    diff("RPUSH", "l", *[str(i) for i in range(10)])
    for start, end in LRANGE_CASES:
        diff("LRANGE", "l", start, end)
    diff("LRANGE", "l", "a", "1")
    diff("LRANGE", "l", "1", "b")
    diff("LRANGE", "missing", "0", "-1")
    diff("LRANGE", "missing", "x", "-1")
    diff("LRANGE", "l", "0")


def test_lindex(diff):
    diff("RPUSH", "l", "a", "b", "c", "10", BIG)
    for i in ["0", "1", "3", "4", "5", "-1", "-5", "-6", "100", "-100", "9223372036854775807",
              "-9223372036854775808"]:
        diff("LINDEX", "l", i)
    diff("LINDEX", "l", "x")
    diff("LINDEX", "l", "1.0")
    diff("LINDEX", "missing", "0")
    diff("LINDEX", "missing", "x")
    diff.hello(3)
    diff("LINDEX", "l", "100")
    diff("LINDEX", "missing", "0")


# ---- in-place changes --------------------------------------------------------------------------

def test_lset(diff):
    diff("LSET", "missing", "0", "x")
    diff("LSET", "missing", "x", "x")
    diff("RPUSH", "l", "a", "b", "c")
    diff("LSET", "l", "0", "A")
    diff("LSET", "l", "-1", "C")
    diff("LSET", "l", "1", "12345")
    diff("LSET", "l", "3", "x")
    diff("LSET", "l", "-4", "x")
    diff("LSET", "l", "x", "x")
    diff("LSET", "l", "1", BIG)
    diff("LSET", "l", "1", "small")
    diff("LRANGE", "l", "0", "-1")
    diff("LSET", "l", "0")


def test_linsert(diff):
    diff("LINSERT", "missing", "BEFORE", "a", "x")
    diff("LINSERT", "missing", "MIDDLE", "a", "x")
    diff("RPUSH", "l", "a", "b", "c", "1", "01")
    diff("LINSERT", "l", "BEFORE", "a", "x")
    diff("LINSERT", "l", "after", "c", "y")
    diff("LINSERT", "l", "AfTeR", "01", "z")
    diff("LINSERT", "l", "before", "1", "w")
    diff("LINSERT", "l", "before", "nope", "w")
    diff("LINSERT", "l", "around", "a", "w")
    diff("LINSERT", "l", "before", "+1", "w")
    diff("LINSERT", "l", "after", BIG, "w")
    diff("LINSERT", "l", "after", "b", BIG)
    diff("LINSERT", "l", "before", BIG, "v")
    diff("LRANGE", "l", "0", "-1")
    diff("LINSERT", "l", "before", "a")


def test_lrem(diff):
    diff("LREM", "missing", "0", "a")
    diff("LREM", "missing", "x", "a")
    values = ["a", "b", "a", "c", "a", "1", "a", "01", "1", "a"]
    for count in ["0", "1", "2", "-1", "-2", "100", "-100", "-9223372036854775808"]:
        diff("DEL", "l")
        diff("RPUSH", "l", *values)
        diff("LREM", "l", count, "a")
        diff("LRANGE", "l", "0", "-1")
    diff("LREM", "l", "0", "1")
    diff("LREM", "l", "0", "01")
    diff("LREM", "l", "x", "a")
    diff("LREM", "l", "0", "nope")
    diff("LRANGE", "l", "0", "-1")
    diff("DEL", "l")
    diff("RPUSH", "l", "a", "a")
    diff("LREM", "l", "0", "a")
    diff("EXISTS", "l")


def test_ltrim(diff):
    diff("LTRIM", "missing", "0", "1")
    diff("LTRIM", "missing", "x", "1")
    for start, end in LRANGE_CASES:
        diff("DEL", "l")
        diff("RPUSH", "l", *[str(i) for i in range(10)])
        diff("LTRIM", "l", start, end)
        diff("LRANGE", "l", "0", "-1")
        diff("EXISTS", "l")
    diff("RPUSH", "l", "a")
    diff("LTRIM", "l", "x", "1")
    diff("LTRIM", "l", "0", "y")


# ---- LPOS ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("proto", [2, 3])
def test_lpos(diff, proto):
    diff.hello(proto)
    diff("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c", "01")
    opts = [(), ("RANK", "1"), ("RANK", "2"), ("RANK", "4"), ("RANK", "-1"), ("RANK", "-2"),
            ("RANK", "-5"), ("COUNT", "0"), ("COUNT", "1"), ("COUNT", "2"), ("COUNT", "100"),
            ("COUNT", "0", "RANK", "2"), ("COUNT", "2", "RANK", "-1"), ("MAXLEN", "1"),
            ("COUNT", "0", "MAXLEN", "1"), ("COUNT", "0", "MAXLEN", "3"),
            ("COUNT", "0", "MAXLEN", "3", "RANK", "-1"), ("COUNT", "0", "MAXLEN", "7", "RANK", "2"),
            ("rank", "1", "count", "1", "maxlen", "0"), ("RANK", "1", "RANK", "2"),
            ("RANK", "-9223372036854775808"), ("RANK", "-9223372036854775808", "COUNT", "2"),
            ("RANK", "-9223372036854775808", "COUNT", "0"), ("RANK", "9223372036854775807"),
            ("COUNT", "9223372036854775807"), ("MAXLEN", "9223372036854775807")]
    for element in ["a", "c", "1", "01", "x", "3"]:
        for o in opts:
            diff("LPOS", "l", element, *o)
    for bad in [("RANK", "0"), ("RANK", "x"), ("COUNT", "-1"), ("COUNT", "x"), ("MAXLEN", "-1"),
                ("MAXLEN", "x"), ("RANK",), ("COUNT",), ("MAXLEN",), ("FOO", "1"), ("RANK", "1", "X"),
                ("RANK", "0", "COUNT", "-1"), ("COUNT", "-1", "RANK", "0"),
                ("RANK", "9223372036854775808")]:
        diff("LPOS", "l", "c", *bad)
        diff("LPOS", "missing", "c", *bad)
    diff("LPOS", "missing", "c")
    diff("LPOS", "missing", "c", "COUNT", "0")
    diff("LPOS", "missing", "c", "RANK", "2")
    diff("LPOS", "l")


def test_lpos_across_nodes(diff):
    with list_config(diff, 3, 1):
        diff("RPUSH", "l", *["v%d" % (i % 7) + "p" * 60 for i in range(100)])
        for rank in ["1", "3", "-1", "-4", "15", "-15"]:
            diff("LPOS", "l", "v3" + "p" * 60, "RANK", rank)
            diff("LPOS", "l", "v3" + "p" * 60, "RANK", rank, "COUNT", "0")
            diff("LPOS", "l", "v3" + "p" * 60, "RANK", rank, "COUNT", "5", "MAXLEN", "50")
        same_shape(diff, "l")


# ---- LMOVE / RPOPLPUSH ---------------------------------------------------------------------------------

@pytest.mark.parametrize("src_end", ["LEFT", "RIGHT"])
@pytest.mark.parametrize("dst_end", ["LEFT", "RIGHT"])
def test_lmove(diff, src_end, dst_end):
    diff("RPUSH", "src", "a", "b", "c", "1")
    diff("RPUSH", "dst", "x")
    diff("LMOVE", "src", "dst", src_end, dst_end)
    diff("LMOVE", "src", "new", src_end, dst_end)
    diff("LMOVE", "src", "src", src_end, dst_end)
    diff("LRANGE", "src", "0", "-1")
    diff("LRANGE", "dst", "0", "-1")
    diff("LRANGE", "new", "0", "-1")
    diff("LMOVE", "src", "dst", src_end, dst_end)
    diff("LMOVE", "src", "dst", src_end, dst_end)
    diff("EXISTS", "src")
    diff("LMOVE", "src", "dst", src_end, dst_end)
    diff("LRANGE", "dst", "0", "-1")


def test_lmove_errors_and_single_element_rotation(diff):
    diff("RPUSH", "l", "only")
    diff("LMOVE", "l", "l", "LEFT", "RIGHT")
    diff("LRANGE", "l", "0", "-1")
    diff("LMOVE", "l", "l", "left", "left")
    diff("SET", "s", "v")
    diff("LMOVE", "l", "s", "LEFT", "RIGHT")
    diff("LMOVE", "s", "l", "LEFT", "RIGHT")
    diff("LMOVE", "missing", "s", "LEFT", "RIGHT")
    diff("LMOVE", "l", "d", "UP", "RIGHT")
    diff("LMOVE", "l", "d", "LEFT", "DOWN")
    diff("LMOVE", "missing", "d", "UP", "RIGHT")
    diff("LMOVE", "l", "d", "LEFT")
    diff("LRANGE", "l", "0", "-1")
    diff.hello(3)
    diff("LMOVE", "missing", "d", "LEFT", "RIGHT")
    diff("RPOPLPUSH", "missing", "d")


def test_rpoplpush(diff):
    diff("RPUSH", "l", "a", "b", BIG, "7")
    diff("RPOPLPUSH", "l", "l")
    diff("RPOPLPUSH", "l", "m")
    diff("RPOPLPUSH", "l", "m")
    diff("RPOPLPUSH", "l", "m")
    diff("RPOPLPUSH", "l", "m")
    diff("RPOPLPUSH", "l", "m")
    diff("EXISTS", "l")
    diff("LRANGE", "m", "0", "-1")
    diff("SET", "s", "v")
    diff("RPOPLPUSH", "m", "s")
    diff("RPOPLPUSH", "s", "m")
    diff("RPOPLPUSH", "missing", "m")
    diff("LRANGE", "m", "0", "-1")


# ---- LMPOP -------------------------------------------------------------------------------------

@pytest.mark.parametrize("proto", [2, 3])
def test_lmpop(diff, proto):
    diff.hello(proto)
    diff("RPUSH", "a", "1", "2", "3", "4", "5")
    diff("RPUSH", "b", "x", "y")
    diff("LMPOP", "2", "missing", "a", "LEFT")
    diff("LMPOP", "2", "missing", "a", "RIGHT", "COUNT", "2")
    diff("LMPOP", "3", "a", "b", "c", "left", "count", "10")
    diff("LMPOP", "3", "a", "b", "c", "right", "count", "1")
    diff("LMPOP", "2", "a", "b", "RIGHT", "COUNT", "5")
    diff("EXISTS", "a", "b")
    diff("LMPOP", "2", "a", "b", "RIGHT")
    diff("LMPOP", "1", "nope", "LEFT", "COUNT", "3")


def test_lmpop_errors(diff):
    diff("RPUSH", "a", "1", "2")
    diff("SET", "s", "v")
    for args in [("0", "a", "LEFT"), ("-1", "a", "LEFT"), ("x", "a", "LEFT"),
                 ("1", "a", "MIDDLE"), ("2", "a", "LEFT"), ("3", "a", "b", "LEFT"),
                 ("1", "a", "LEFT", "COUNT"), ("1", "a", "LEFT", "COUNT", "0"),
                 ("1", "a", "LEFT", "COUNT", "-1"), ("1", "a", "LEFT", "COUNT", "x"),
                 ("1", "a", "LEFT", "COUNT", "1", "COUNT", "1"), ("1", "a", "LEFT", "FOO"),
                 ("9223372036854775807", "a", "LEFT"), ("9223372036854775808", "a", "LEFT"),
                 ("2", "s", "a", "LEFT"), ("2", "missing", "s", "LEFT"), ("2", "a", "s", "LEFT"),
                 ("1", "a", "LEFT", "count", "1"), ("1",), ()]:
        diff("LMPOP", *args)
    diff("LRANGE", "a", "0", "-1")


def test_getkeys(diff):
    for args in [("lmpop", "2", "a", "b", "LEFT"), ("lmpop", "1", "a", "RIGHT", "COUNT", "2"),
                 ("lmove", "a", "b", "LEFT", "RIGHT"), ("rpoplpush", "a", "b"),
                 ("lpush", "a", "1", "2"), ("lpos", "a", "x"), ("lmpop", "0", "a", "LEFT"),
                 ("lmpop", "5", "a", "LEFT")]:
        diff("COMMAND", "GETKEYS", *args)
        diff("COMMAND", "GETKEYSANDFLAGS", *args)


# ---- types, digests, copies ---------------------------------------------------------------------

def test_wrongtype(diff):
    diff("SET", "s", "v")
    for args in [("LPUSH", "s", "a"), ("RPUSH", "s", "a"), ("LPOP", "s"), ("RPOP", "s", "1"),
                 ("LPOP", "s", "0"), ("LLEN", "s"), ("LRANGE", "s", "0", "-1"), ("LINDEX", "s", "0"),
                 ("LINDEX", "s", "x"), ("LSET", "s", "0", "a"), ("LSET", "s", "x", "a"),
                 ("LINSERT", "s", "BEFORE", "a", "b"), ("LINSERT", "s", "X", "a", "b"),
                 ("LREM", "s", "0", "a"), ("LREM", "s", "x", "a"), ("LTRIM", "s", "0", "1"),
                 ("LTRIM", "s", "x", "1"), ("LPOS", "s", "a"), ("LPOS", "s", "a", "RANK", "0"),
                 ("LMOVE", "s", "d", "LEFT", "LEFT"), ("RPOPLPUSH", "s", "d"),
                 ("LMPOP", "1", "s", "LEFT"), ("LPOP", "s", "-1")]:
        diff(*args)
    diff("RPUSH", "l", "a")
    for args in [("GET", "l"), ("APPEND", "l", "x"), ("INCR", "l"), ("STRLEN", "l"),
                 ("SETRANGE", "l", "0", "x"), ("GETRANGE", "l", "0", "1")]:
        diff(*args)


def test_digest_and_copy(diff):
    with list_config(diff, 4, 1):
        diff("RPUSH", "l", *["e%d" % i + "z" * (i % 50) for i in range(200)])
        diff("RPUSH", "l", "1", "2", "-3", BIG)
        same_shape(diff, "l")
        diff("DEBUG", "DIGEST")
        diff("COPY", "l", "c")
        same_shape(diff, "c")
        diff("LPOP", "c", "50")
        diff("LLEN", "l")
        diff("LLEN", "c")
        same_shape(diff, "c")
        same_shape(diff, "l")
        diff("COPY", "l", "c")
        diff("COPY", "l", "c", "REPLACE")
        diff("DEBUG", "DIGEST-VALUE", "l", "c")
        diff("COPY", "l", "c2", "DB", "1")
        diff("SELECT", "1")
        same_shape(diff, "c2")
        diff("SELECT", "0")
        diff("DEBUG", "DIGEST")
    diff("RENAME", "l", "m")
    diff("LRANGE", "m", "0", "3")
    diff("DEBUG", "DIGEST")


def test_memory_usage(diff, pe):
    diff("RPUSH", "l", "a")
    small = int(pe.call("MEMORY", "USAGE", "l")[1:-2])
    for i in range(100):
        pe.call("RPUSH", "l", "x" * 100)
    big = int(pe.call("MEMORY", "USAGE", "l")[1:-2])
    assert 0 < small < big and big > 100 * 100
    diff("MEMORY", "USAGE", "missing")


# ---- shape: node layout and compression ----------------------------------------------------------------

def _exercise(diff, key, n, width):
    """A mix of operations that fills, splits, merges and compresses nodes."""
    vals = ["v%d-" % i + "abc" * (i % width) for i in range(n)]
    half = n // 2
    diff("RPUSH", key, *vals[:half])
    diff("LPUSH", key, *vals[half:])
    same_shape(diff, key)
    for i in range(0, n, 7):
        diff("LINSERT", key, "BEFORE", vals[i], "ins%d" % i + "q" * (i % 30))
        diff("LINSERT", key, "AFTER", vals[(i * 3) % n], "aft%d" % i)
    same_shape(diff, key)
    for i in range(0, n, 5):
        diff("LSET", key, str(i), "set%d" % i + "w" * (i % 90))
    same_shape(diff, key)
    diff("LREM", key, "0", vals[3])
    diff("LREM", key, "2", "aft0")
    diff("LREM", key, "-3", "ins7")
    diff("LTRIM", key, "3", "-4")
    same_shape(diff, key)
    diff("LPOP", key, "5")
    diff("RPOP", key, "7")
    diff("LMOVE", key, key, "LEFT", "RIGHT")
    diff("LMOVE", key, key, "RIGHT", "LEFT")
    same_shape(diff, key)
    diff("LRANGE", key, "0", "-1")
    for i in range(0, n, 9):
        diff("LINDEX", key, str(i))
        diff("LINDEX", key, str(-i - 1))


@pytest.mark.parametrize("size", [-1, -2, -3, -4, -5, 1, 2, 5, 128, 30000])
@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_shape_under_config(diff, size, depth):
    with list_config(diff, size, depth):
        _exercise(diff, "l", 120, 40)
        diff("OBJECT", "ENCODING", "l")


@pytest.mark.parametrize("size,depth", [(-2, 1), (2, 2), (-5, 0)])
def test_shape_many_elements(diff, size, depth):
    with list_config(diff, size, depth):
        for i in range(0, 3000, 500):
            diff("RPUSH", "l", *["item:%d" % j for j in range(i, i + 500)])
        same_shape(diff, "l")
        diff("LINSERT", "l", "BEFORE", "item:1500", BIG)
        diff("LREM", "l", "0", "item:7")
        diff("LTRIM", "l", "100", "-100")
        same_shape(diff, "l")
        diff("LRANGE", "l", "1000", "1100")
        diff("LRANGE", "l", "-50", "-1")
        diff("LINDEX", "l", "1400")


def test_config_applies_to_new_lists(diff):
    diff("RPUSH", "old", *[str(i) for i in range(20)])
    with list_config(diff, 2, 1):
        diff("RPUSH", "old", *[str(i) for i in range(20)])
        diff("RPUSH", "new", *[str(i) + "x" * 100 for i in range(20)])
        same_shape(diff, "old")
        same_shape(diff, "new")
        diff("CONFIG", "SET", "list-max-ziplist-size", "3")
        diff("CONFIG", "GET", "list-max-ziplist-size")
        diff("RPUSH", "newer", *[str(i) for i in range(20)])
        same_shape(diff, "newer")


def test_big_elements(diff):
    with list_config(diff, -2, 1):
        diff("RPUSH", "l", "a", BIG, "b", HUGE, "c", BIG + "y", "d")
        diff("LPUSH", "l", HUGE + "z")
        same_shape(diff, "l")
        diff("LINDEX", "l", "4")
        diff("LRANGE", "l", "0", "-1")
        diff("LINSERT", "l", "AFTER", "b", HUGE)
        diff("LSET", "l", "1", "tiny")
        diff("LSET", "l", "2", HUGE)
        same_shape(diff, "l")
        diff("LPOS", "l", HUGE, "COUNT", "0")
        diff("LREM", "l", "1", HUGE)
        diff("LRANGE", "l", "0", "-1")
        diff("RPOP", "l", "3")
        same_shape(diff, "l")


@pytest.mark.parametrize("depth", [0, 1])
def test_plain_nodes(diff, depth):
    with list_config(diff, -2, depth), packed_threshold(diff, "10b"):
        diff("RPUSH", "l", "aa", "bb", "x" * 10, "cc", "y" * 50, "dd", "ee")
        same_shape(diff, "l")
        diff("LINSERT", "l", "BEFORE", "cc", "z" * 20)
        diff("LINSERT", "l", "AFTER", "x" * 10, "small")
        diff("LINSERT", "l", "AFTER", "aa", "w" * 30)
        same_shape(diff, "l")
        diff("LSET", "l", "0", "q" * 40)
        diff("LSET", "l", "2", "tiny")
        diff("LSET", "l", "-1", "r" * 11)
        same_shape(diff, "l")
        diff("LRANGE", "l", "0", "-1")
        diff("LPOS", "l", "x" * 10)
        diff("LREM", "l", "0", "y" * 50)
        diff("LTRIM", "l", "1", "-2")
        same_shape(diff, "l")
        diff("LMOVE", "l", "m", "LEFT", "RIGHT")
        diff("LMOVE", "l", "m", "RIGHT", "LEFT")
        diff("RPOPLPUSH", "l", "m")
        same_shape(diff, "m")
        diff("LRANGE", "m", "0", "-1")
        diff("LPOP", "l", "10")
        diff("EXISTS", "l")


def test_packed_threshold_errors(diff):
    for v in ["x", "-1", "5gb", "4294967296", "1k", "10mb", "0"]:
        diff("DEBUG", "QUICKLIST-PACKED-THRESHOLD", v)
    diff("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")


def test_redis_suite_compression_cases(diff):
    """The crash regressions of Redis's list.tcl, replayed on both."""
    with list_config(diff, 1, 2):
        for c in "abcd":
            diff("LPUSH", "list1", c * 500)
        for c in "efgj":
            diff("LINSERT", "list1", "AFTER", "d" * 500, c * 500)
        same_shape(diff, "list1")
        for _ in range(8):
            diff("LPOP", "list1")
    with list_config(diff, -2, 1), packed_threshold(diff, "100b"):
        diff("RPUSH", "lst", "x" * 100, "x" * 32, "x" * 32)
        diff("LSET", "lst", "-1", "x" * 100)
        diff("LRANGE", "lst", "0", "-1")
        same_shape(diff, "lst")
    with packed_threshold(diff, "10b"):
        diff("DEL", "lst")
        diff("LPUSH", "lst", "aa", "bb")
        diff("LSET", "lst", "-2", "x" * 10)
        diff("RPOP", "lst")
        diff("LRANGE", "lst", "0", "-1")


# ---- WATCH / MULTI -------------------------------------------------------------------------------------

WATCH_WRITES = [
    ("RPUSH", "w", "x"), ("LPUSH", "w", "x"), ("RPUSHX", "w", "x"), ("LPUSHX", "w", "x"),
    ("LPOP", "w"), ("RPOP", "w", "2"), ("LSET", "w", "0", "z"), ("LINSERT", "w", "BEFORE", "a", "q"),
    ("LREM", "w", "0", "a"), ("LTRIM", "w", "1", "-1"), ("LMOVE", "w", "o", "LEFT", "RIGHT"),
    ("LMOVE", "o", "w", "LEFT", "RIGHT"), ("RPOPLPUSH", "w", "w"), ("LMPOP", "1", "w", "LEFT"),
]
WATCH_NOOPS = [
    ("LINSERT", "w", "BEFORE", "nope", "q"), ("LREM", "w", "0", "nope"), ("LRANGE", "w", "0", "-1"),
    ("LPOP", "w", "0"), ("LINDEX", "w", "0"), ("LPOS", "w", "a"), ("LLEN", "w"),
    ("LPUSHX", "missing", "x"), ("LSET", "w", "100", "x"),
]


@pytest.mark.parametrize("write", WATCH_WRITES + WATCH_NOOPS, ids=lambda a: " ".join(a))
def test_watch(diff, other, write):
    diff("RPUSH", "w", "a", "b", "c")
    diff("RPUSH", "o", "1", "2")
    diff("WATCH", "w")
    other(*write)
    diff("MULTI")
    diff("PING")
    diff("EXEC")


def test_multi_exec(diff):
    diff("MULTI")
    diff("RPUSH", "l", "a", "b")
    diff("LPOP", "l")
    diff("LPOS", "l", "b")
    diff("LMPOP", "1", "l", "RIGHT", "COUNT", "3")
    diff("LPUSH", "s")
    diff("EXEC")
    diff("SET", "s", "v")
    diff("MULTI")
    diff("LPUSH", "s", "x")
    diff("RPUSH", "l", "y")
    diff("EXEC")
    diff("LRANGE", "l", "0", "-1")


def test_expired_list(diff):
    diff("RPUSH", "l", "a", "b")
    diff("PEXPIREAT", "l", "1")
    diff("LLEN", "l")
    diff("RPUSH", "l2", "a")
    diff("PEXPIREAT", "l2", "1")
    diff("RPUSHX", "l2", "b")
    diff("LPUSH", "l2", "c")
    diff("LRANGE", "l2", "0", "-1")
    diff("RPUSH", "l3", "a")
    diff("EXPIRE", "l3", "100")
    diff("LPUSH", "l3", "b")
    diff("TTL", "l3")
    diff("LPOP", "l3", "2")
    diff("TTL", "l3")


def _changes(conn):
    info = conn.call("INFO", "persistence").decode()
    return int(re.search(r"rdb_changes_since_last_save:(\d+)", info).group(1))


@pytest.mark.parametrize("cmd", [
    ("RPUSH", "l", "x", "y", "z"), ("LPUSH", "l", "x"), ("RPUSHX", "l", "a", "b"),
    ("LPUSHX", "missing", "a"), ("LPOP", "l"), ("RPOP", "l", "3"), ("LPOP", "l", "0"),
    ("LPOP", "l", "100"), ("LSET", "l", "1", "q"), ("LSET", "l", "100", "q"),
    ("LINSERT", "l", "AFTER", "b", "n"), ("LINSERT", "l", "AFTER", "nope", "n"),
    ("LREM", "l", "0", "a"), ("LREM", "l", "0", "nope"), ("LTRIM", "l", "1", "-2"),
    ("LTRIM", "l", "5", "1"), ("LMOVE", "l", "m", "LEFT", "RIGHT"), ("RPOPLPUSH", "l", "l"),
    ("LMPOP", "2", "x", "l", "RIGHT", "COUNT", "4"), ("LRANGE", "l", "0", "-1"), ("LPOS", "l", "a"),
], ids=lambda a: " ".join(a))
def test_dirty_counter(diff, cmd):
    """Changes counted like Redis (INFO rdb_changes_since_last_save)."""
    diff("RPUSH", "l", "a", "b", "c", "a", "d", "a", "e")
    before = (_changes(diff.r), _changes(diff.p))
    diff(*cmd)
    after = (_changes(diff.r), _changes(diff.p))
    assert after[1] - before[1] == after[0] - before[0]
