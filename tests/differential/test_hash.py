"""Hash commands against a real redis-server, reply bytes compared.

Listpack-encoded hashes iterate in insertion order in Redis, so their
HGETALL/HKEYS/HVALS/HSCAN/HRANDFIELD(count >= size) replies are compared
byte for byte; hashtable order is unspecified and is compared as maps.
"""

import struct
import time

import pytest

from conftest import Differ
from engine.resp import ReplyReader, ReplyError


def parse(raw):
    rd = ReplyReader()
    rd.feed(raw)
    return rd.gets()


@pytest.fixture
def other(redis_server, pyengine_server):
    """A second connection pair to the same two servers."""
    d = Differ(redis_server.port, pyengine_server.port)
    yield d
    d.close()


@pytest.fixture
def small(diff):
    """hash-max-listpack-entries 4, hash-max-listpack-value 8 on both
    servers, restored afterwards."""
    diff("CONFIG", "SET", "hash-max-listpack-entries", "4", "hash-max-listpack-value", "8")
    yield diff
    diff("CONFIG", "SET", "hash-max-listpack-entries", "512", "hash-max-listpack-value", "64")


def enc(diff, key):
    """OBJECT ENCODING, compared, as a str."""
    return diff("OBJECT", "ENCODING", key).split(b"\r\n")[1].decode()


def same_map(diff, *cmd):
    """A reply whose pairs' order is unspecified (HGETALL, HSCAN pairs...)."""
    r, p = diff.both(*cmd)
    rv, pv = parse(r), parse(p)
    if isinstance(rv, list):
        assert isinstance(pv, list) and len(rv) == len(pv), (r, p)
        rv = dict(zip(rv[::2], rv[1::2]))
        pv = dict(zip(pv[::2], pv[1::2]))
    assert rv == pv, "command %r\n redis:    %r\n pyengine: %r" % (cmd, r, p)
    return rv


def same_contents(diff, key):
    """Compare a hash's whole contents: exactly when listpack-encoded
    (order included), as maps / multisets when a hashtable."""
    if enc(diff, key) == "listpack":
        diff("HGETALL", key)
        diff("HKEYS", key)
        diff("HVALS", key)
    else:
        same_map(diff, "HGETALL", key)
        diff.sorted_array("HKEYS", key)
        diff.sorted_array("HVALS", key)
    diff("HLEN", key)
    diff("DEBUG", "DIGEST-VALUE", key)


# ---- basics ----------------------------------------------------------------------------

@pytest.mark.parametrize("proto", [2, 3])
def test_hset_hget_basics(diff, proto):
    diff.hello(proto)
    diff("HSET", "h", "f1", "v1")
    diff("HSET", "h", "f2", "v2", "f3", "v3")
    diff("HSET", "h", "f1", "new", "f4", "v4")        # one update, one insert
    diff("HGET", "h", "f1")
    diff("HGET", "h", "nofield")
    diff("HGET", "nokey", "f")
    diff("HGETALL", "h")
    diff("HKEYS", "h")
    diff("HVALS", "h")
    diff("HLEN", "h")
    diff("HGETALL", "nokey")
    diff("HKEYS", "nokey")
    diff("HVALS", "nokey")
    diff("HMGET", "h", "f1", "nofield", "f4")
    diff("HMGET", "nokey", "a", "b")
    diff("TYPE", "h")
    diff("OBJECT", "ENCODING", "h")


def test_hset_same_field_twice_in_one_call(diff):
    diff("HSET", "h", "a", "1", "a", "2", "b", "3")
    diff("HGETALL", "h")
    diff("HMSET", "h", "b", "x", "b", "y")
    diff("HGETALL", "h")


@pytest.mark.parametrize("cmd", [
    ("HSET", "h"), ("HSET", "h", "f"), ("HSET", "h", "f", "v", "g"), ("HMSET", "h", "f"),
    ("HMSET", "h", "f", "v", "g"), ("HSETNX", "h", "f"), ("HGET", "h"), ("HMGET", "h"),
    ("HDEL", "h"), ("HLEN",), ("HLEN", "h", "x"), ("HSTRLEN", "h"), ("HEXISTS", "h"),
    ("HKEYS",), ("HVALS", "h", "x"), ("HGETALL",), ("HINCRBY", "h", "f"),
    ("HINCRBYFLOAT", "h", "f"), ("HRANDFIELD",), ("HSCAN", "h"), ("hset", "h", "f", "v", "g"),
    ("HmSeT", "h", "f"),
])
def test_arity_errors(diff, cmd):
    diff("HSET", "h", "a", "1")
    diff(*cmd)
    diff("HGETALL", "h")


@pytest.mark.parametrize("cmd", [
    ("HSET", "s", "f", "v"), ("HMSET", "s", "f", "v"), ("HSETNX", "s", "f", "v"),
    ("HGET", "s", "f"), ("HMGET", "s", "f"), ("HDEL", "s", "f"), ("HLEN", "s"),
    ("HSTRLEN", "s", "f"), ("HEXISTS", "s", "f"), ("HKEYS", "s"), ("HVALS", "s"),
    ("HGETALL", "s"), ("HINCRBY", "s", "f", "1"), ("HINCRBYFLOAT", "s", "f", "1"),
    ("HRANDFIELD", "s"), ("HRANDFIELD", "s", "0"), ("HRANDFIELD", "s", "3", "WITHVALUES"),
    ("HSCAN", "s", "0"), ("HSCAN", "s", "x"), ("HSCAN", "s", "0", "COUNT", "0"),
    ("HINCRBY", "s", "f", "x"), ("HINCRBYFLOAT", "s", "f", "x"), ("HSET", "s", "f"),
])
def test_wrongtype(diff, cmd):
    diff("SET", "s", "string")
    diff(*cmd)
    diff("GET", "s")


def test_binary_and_empty_strings(diff):
    diff("HSET", "h", "", "empty-field", "e", "", "nul\x00in", "v\x00v", "\xff\xfe", "\x00")
    diff("HGETALL", "h")
    diff("HGET", "h", "")
    diff("HGET", "h", "nul\x00in")
    diff("HSTRLEN", "h", "e")
    diff("HSTRLEN", "h", "nul\x00in")
    diff("HEXISTS", "h", "")
    diff("HDEL", "h", "")
    diff("HGETALL", "h")
    diff("DEBUG", "DIGEST-VALUE", "h")


@pytest.mark.parametrize("value", ["0", "1", "-1", "127", "128", "-4096", "4095", "4096",
                                   "32767", "-32768", "8388607", "-8388609", "2147483647",
                                   "-2147483649", "9223372036854775807", "-9223372036854775808",
                                   "9223372036854775808", "01", "-0", "+1", " 1", "1.0", "1e3"])
def test_integer_like_fields_and_values(diff, value):
    """Listpacks store canonical integers as integers: replies, lengths and
    digests must still show the original bytes."""
    diff("HSET", "h", value, value, "x", value)
    diff("HGETALL", "h")
    diff("HGET", "h", value)
    diff("HSTRLEN", "h", value)
    diff("HSTRLEN", "h", "x")
    diff("HEXISTS", "h", value)
    diff("HMGET", "h", value, "x")
    diff("DEBUG", "DIGEST-VALUE", "h")
    diff("HDEL", "h", value)
    diff("HGETALL", "h")


def test_hsetnx(diff):
    diff("HSETNX", "h", "f", "v")
    diff("HSETNX", "h", "f", "other")
    diff("HGET", "h", "f")
    diff("HSETNX", "h", "g", "w")
    diff("HGETALL", "h")
    diff("HSETNX", "h2", "", "")
    diff("HGETALL", "h2")


def test_hmset_replies_ok(diff):
    diff("HMSET", "h", "a", "1", "b", "2")
    diff("HMSET", "h", "a", "3")
    diff("HGETALL", "h")
    diff.hello(3)
    diff("HMSET", "h", "c", "4")
    diff("HGETALL", "h")


def test_hdel(diff):
    diff("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
    diff("HDEL", "h", "a")
    diff("HDEL", "h", "a")
    diff("HDEL", "h", "nope", "b", "b", "c")
    diff("HGETALL", "h")
    diff("HDEL", "h", "d", "x", "y")                 # the hash empties: key removed
    diff("EXISTS", "h")
    diff("TYPE", "h")
    diff("HDEL", "h", "d")
    diff("HDEL", "nokey", "a")
    diff("HSET", "h", "a", "1")
    diff("HDEL", "h", "a", "a")
    diff("EXISTS", "h")


def test_hlen_hstrlen_hexists(diff):
    diff("HLEN", "nokey")
    diff("HSTRLEN", "nokey", "f")
    diff("HEXISTS", "nokey", "f")
    diff("HSET", "h", "a", "hello", "b", "-123", "c", "", "d", "9223372036854775807")
    for f in ("a", "b", "c", "d", "nope"):
        diff("HSTRLEN", "h", f)
        diff("HEXISTS", "h", f)
    diff("HLEN", "h")


# ---- HINCRBY / HINCRBYFLOAT -------------------------------------------------------------------

def test_hincrby(diff):
    diff("HINCRBY", "nokey", "f", "5")
    diff("HGETALL", "nokey")
    diff("HINCRBY", "nokey", "f", "-10")
    diff("HINCRBY", "nokey", "g", "0")
    diff("HGETALL", "nokey")
    diff("HSET", "h", "n", "17179869184", "s", "abc", "sp", " 1", "sp2", "1 ", "f", "1.5",
         "big", "9223372036854775807", "small", "-9223372036854775808", "z", "00")
    diff("HINCRBY", "h", "n", "1")
    diff("HINCRBY", "h", "n", "17179869184")
    for field in ("s", "sp", "sp2", "f", "z"):
        diff("HINCRBY", "h", field, "1")
    diff("HINCRBY", "h", "big", "1")
    diff("HINCRBY", "h", "big", "0")
    diff("HINCRBY", "h", "big", "-1")
    diff("HINCRBY", "h", "small", "-1")
    diff("HINCRBY", "h", "small", "1")
    diff("HINCRBY", "h", "new", "-9223372036854775808")
    diff("HINCRBY", "h", "new", "-1")
    for incr in ("x", "1.5", "", " 1", "9223372036854775808", "-9223372036854775809", "0x10"):
        diff("HINCRBY", "h", "n", incr)
        diff("HINCRBY", "h2", "n", incr)          # checked before the key is created
        diff("EXISTS", "h2")
    diff("HGETALL", "h")


def test_hincrbyfloat(diff):
    diff("HINCRBYFLOAT", "nokey", "f", "10.5")
    diff("HINCRBYFLOAT", "nokey", "f", "-0.25")
    diff("HINCRBYFLOAT", "nokey", "f", "3.0e3")
    diff("HINCRBYFLOAT", "nokey", "g", "5")
    diff("HGETALL", "nokey")
    diff("HSET", "h", "i", "17179869184", "s", "abc", "sp", " 1", "sp2", "1 ", "nul", "1\x002",
         "x", "1.1")
    diff("HINCRBYFLOAT", "h", "i", "1.5")
    diff("HINCRBYFLOAT", "h", "i", "17179869184")
    for field in ("s", "sp", "sp2", "nul"):
        diff("HINCRBYFLOAT", "h", field, "1")
    for incr in ("0.1", "-1.1", "1e-5", "1.23456789012345678", "-0", "0", "5.0e-3", "100",
                 "3.14159265358979323846", "-3.14159265358979323846", "1e308", "-1e308",
                 ".5", "5.", "1E2", "0x10"):
        diff("HINCRBYFLOAT", "h", "x", incr)
    for incr in ("x", "", " 1", "1 ", "nan", "NaN", "inf", "-inf", "+inf", "Infinity", "1e5000",
                 "1\x002"):
        diff("HINCRBYFLOAT", "h", "x", incr)
        diff("HINCRBYFLOAT", "h2", "x", incr)
        diff("EXISTS", "h2")
    diff("HSET", "h", "y", "1e4932")
    diff("HINCRBYFLOAT", "h", "y", "1e4932")          # overflows long double
    diff("HGET", "h", "y")
    diff("HINCRBYFLOAT", "h", "zero", "1e-4950")
    same_contents(diff, "h")            # 1e308 printed in full converted it


@pytest.mark.parametrize("proto", [2, 3])
def test_hincrbyfloat_formatting(diff, proto):
    diff.hello(proto)
    for v in ("1", "0.1", "1e20", "1e-20", "-5.5", "123456789.123456789", "1e70"):
        diff("HSET", "h", "f", "0")
        diff("HINCRBYFLOAT", "h", "f", v)
        diff("HGET", "h", "f")
        diff("OBJECT", "ENCODING", "h")
        diff("DEL", "h")


# ---- encodings ------------------------------------------------------------------------------

def test_default_entries_threshold(diff):
    args = []
    for i in range(512):
        args += ["f%d" % i, str(i)]
    diff("HSET", "h", *args)
    assert enc(diff, "h") == "listpack"
    diff("HGETALL", "h")
    diff("HSET", "h", "f0", "updated")          # update: still 512 fields
    assert enc(diff, "h") == "listpack"
    diff("HSET", "h", "f512", "x")              # the 513th field converts
    assert enc(diff, "h") == "hashtable"
    same_contents(diff, "h")
    # one call adding more than the threshold at once
    diff("HSET", "h2", *(args + ["extra", "1"]))
    assert enc(diff, "h2") == "hashtable"
    same_contents(diff, "h2")


@pytest.mark.parametrize("size", [63, 64, 65])
def test_default_value_threshold(diff, size):
    diff("HSET", "v", "f", "x" * size)
    diff("OBJECT", "ENCODING", "v")
    diff("HSET", "k", "y" * size, "v")
    diff("OBJECT", "ENCODING", "k")
    diff("HSETNX", "n", "f", "1")
    diff("HSETNX", "n", "g", "z" * size)
    diff("OBJECT", "ENCODING", "n")
    diff("HINCRBY", "i", "q" * size, "1")
    diff("OBJECT", "ENCODING", "i")
    diff("HINCRBYFLOAT", "fl", "q" * size, "1.5")
    diff("OBJECT", "ENCODING", "fl")
    diff("HMSET", "m", "a", "1", "b", "w" * size, "c", "3")
    diff("OBJECT", "ENCODING", "m")
    for key in ("v", "k", "n", "i", "fl", "m"):
        same_contents(diff, key)


@pytest.mark.parametrize("size", [0, 1, 254, 255, 256, 70000])
def test_hashtable_value_lengths(diff, size):
    """Values of every length class in the hashtable encoding's buffers."""
    diff("HSET", "h", "long" * 20, "x", "v", "y" * size)
    assert enc(diff, "h") == "hashtable"
    diff("HGET", "h", "v")
    diff("HSTRLEN", "h", "v")
    diff("HINCRBYFLOAT", "h", "v", "1")          # never a float here
    diff("HSET", "h", "v", "z" * (size + 1))
    diff("HGET", "h", "v")
    diff("HMGET", "h", "v", "long" * 20)
    same_contents(diff, "h")
    diff("COPY", "h", "h2")
    same_contents(diff, "h2")
    diff("HSCAN", "h2", "0", "MATCH", "v")


def test_small_thresholds_step_by_step(small):
    diff = small
    for i in range(7):
        diff("HSET", "h", "f%d" % i, "v%d" % i)
        diff("OBJECT", "ENCODING", "h")
        same_contents(diff, "h")
    # no conversion back
    for i in range(6):
        diff("HDEL", "h", "f%d" % i)
        diff("OBJECT", "ENCODING", "h")
        same_contents(diff, "h")


@pytest.mark.parametrize("cmd", [
    ("HSET", "h", "a", "12345678"), ("HSET", "h", "a", "123456789"),
    ("HSET", "h", "abcdefgh", "1"), ("HSET", "h", "abcdefghi", "1"),
    ("HSET", "h", "a", "1", "b", "2", "c", "3"), ("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4"),
    ("HSET", "h", "x", "1", "y", "123456789"), ("HSETNX", "h", "new", "123456789"),
    ("HSETNX", "h", "a", "123456789"), ("HSETNX", "h", "new", "1"),
    ("HINCRBY", "h", "a", "1"), ("HINCRBY", "h", "new", "1"), ("HINCRBY", "h", "a", "123456789"),
    ("HINCRBY", "h", "abcdefghi", "1"), ("HINCRBYFLOAT", "h", "a", "0.5"),
    ("HINCRBYFLOAT", "h", "a", "0.123456"), ("HINCRBYFLOAT", "h", "new", "1e10"),
    ("HMSET", "h", "a", "1", "b", "x" * 9), ("HMSET", "h", "n1", "1", "n2", "2"),
    ("HDEL", "h", "a"),
])
def test_small_thresholds_conversions(small, cmd):
    diff = small
    diff("HSET", "h", "a", "1", "b", "2")
    diff(*cmd)
    diff("OBJECT", "ENCODING", "h")
    same_contents(diff, "h")


def test_zero_entries_means_always_hashtable(diff):
    diff("CONFIG", "SET", "hash-max-listpack-entries", "0")
    try:
        diff("HSET", "h", "a", "1")
        diff("OBJECT", "ENCODING", "h")
        diff("HSETNX", "h2", "a", "1")
        diff("OBJECT", "ENCODING", "h2")
        diff("HINCRBY", "h3", "a", "1")
        diff("OBJECT", "ENCODING", "h3")
    finally:
        diff("CONFIG", "SET", "hash-max-listpack-entries", "512")


def test_zero_value_limit(diff):
    diff("CONFIG", "SET", "hash-max-listpack-value", "0")
    try:
        diff("HSET", "h", "", "")
        diff("OBJECT", "ENCODING", "h")
        diff("HSET", "h", "a", "")
        diff("OBJECT", "ENCODING", "h")
    finally:
        diff("CONFIG", "SET", "hash-max-listpack-value", "64")


def test_threshold_lowered_on_existing_hash(diff):
    diff("HSET", "h", "a", "1", "b", "2", "c", "3")
    diff("CONFIG", "SET", "hash-max-listpack-entries", "2")
    try:
        diff("OBJECT", "ENCODING", "h")            # nothing converts until the next write
        diff("HGET", "h", "a")
        diff("OBJECT", "ENCODING", "h")
        diff("HSET", "h", "a", "9")                # an update converts too (length > max)
        diff("OBJECT", "ENCODING", "h")
        same_contents(diff, "h")
    finally:
        diff("CONFIG", "SET", "hash-max-listpack-entries", "512")


def test_ziplist_alias_parameters(diff):
    diff("CONFIG", "SET", "hash-max-ziplist-entries", "3", "hash-max-ziplist-value", "5")
    try:
        diff("HSET", "h", "a", "1", "b", "2", "c", "3")
        diff("OBJECT", "ENCODING", "h")
        diff("HSET", "h", "d", "4")
        diff("OBJECT", "ENCODING", "h")
        diff("HSET", "g", "a", "123456")
        diff("OBJECT", "ENCODING", "g")
    finally:
        diff("CONFIG", "SET", "hash-max-listpack-entries", "512", "hash-max-listpack-value", "64")


@pytest.mark.parametrize("encoding", ["listpack", "hashtable"])
@pytest.mark.parametrize("proto", [2, 3])
def test_operations_per_encoding(small, encoding, proto):
    diff = small
    diff.hello(proto)
    diff("HSET", "h", "a", "1", "b", "two", "c", "-3")
    if encoding == "hashtable":
        diff("HSET", "h", "long", "123456789")
    assert enc(diff, "h") == encoding
    diff("HGET", "h", "a")
    diff("HGET", "h", "b")
    diff("HGET", "h", "zz")
    diff("HMGET", "h", "a", "zz", "c", "b")
    diff("HSTRLEN", "h", "c")
    diff("HEXISTS", "h", "b")
    diff("HINCRBY", "h", "a", "10")
    diff("HINCRBY", "h", "b", "10")
    diff("HINCRBYFLOAT", "h", "c", "0.5")
    diff("HSETNX", "h", "a", "x")
    diff("HLEN", "h")
    same_contents(diff, "h")
    diff("HDEL", "h", "a", "b")
    same_contents(diff, "h")
    diff("COPY", "h", "h2")
    diff("OBJECT", "ENCODING", "h2")
    same_contents(diff, "h2")
    diff("DEL", "h")
    diff("HGETALL", "h2" if encoding == "listpack" else "h")


# ---- HSCAN -------------------------------------------------------------------------------

@pytest.mark.parametrize("proto", [2, 3])
def test_hscan_listpack(diff, proto):
    diff.hello(proto)
    diff("HSET", "h", "foo", "1", "bar", "2", "baz", "three", "10", "ten", "x", "")
    diff("HSCAN", "h", "0")
    diff("HSCAN", "h", "123")                  # any cursor: all of it, cursor 0
    diff("HSCAN", "h", "0", "COUNT", "1")
    diff("HSCAN", "h", "0", "MATCH", "ba*")
    diff("HSCAN", "h", "0", "MATCH", "1*", "COUNT", "100")
    diff("HSCAN", "h", "0", "MATCH", "*")
    diff("HSCAN", "h", "0", "MATCH", "nomatch")
    diff("HSCAN", "h", "0", "match", "b?r", "count", "2", "MATCH", "f*")
    diff("HSCAN", "h", "-1")
    diff("HSCAN", "h", "18446744073709551615")


@pytest.mark.parametrize("args", [
    ("x",), ("1.5",), ("-",), ("18446744073709551616",), (" 1",),
    ("0", "COUNT", "0"), ("0", "COUNT", "-1"), ("0", "COUNT", "x"), ("0", "COUNT"),
    ("0", "MATCH"), ("0", "TYPE", "string"), ("0", "FOO", "bar"), ("0", "COUNT", "1", "MATCH"),
    ("0", "NOVALUES"),
])
def test_hscan_errors(diff, args):
    diff("HSET", "h", "a", "1")
    diff("HSCAN", "h", *args)
    diff("HSCAN", "nokey", *args)          # the cursor is checked first, then the key


def _full_scan(conn, key, *opts):
    cursor = b"0"
    pairs = []
    calls = 0
    while True:
        reply = parse(conn.call("HSCAN", key, cursor, *opts))
        cursor, items = reply
        pairs += list(zip(items[::2], items[1::2]))
        calls += 1
        if cursor == b"0":
            return pairs, calls


@pytest.mark.parametrize("opts", [(), ("COUNT", "5"), ("COUNT", "1000"), ("MATCH", "f1*"),
                                  ("MATCH", "*7", "COUNT", "3")])
def test_hscan_hashtable_full_iteration(diff, opts):
    args = []
    for i in range(700):
        args += ["f%d" % i, "v%d" % i]
    diff("HSET", "h", *args)
    assert enc(diff, "h") == "hashtable"
    rp, rcalls = _full_scan(diff.r, "h", *opts)
    pp, pcalls = _full_scan(diff.p, "h", *opts)
    assert sorted(set(pp)) == sorted(set(rp))
    assert len(set(pp)) == len(pp)              # no rehash during the scan: no duplicates
    if not opts or opts[0] == "COUNT":
        assert len(pp) == 700
    if opts == ("COUNT", "1000"):
        assert pcalls == rcalls == 1            # every bucket fits one call's budget
    elif not opts:                              # about COUNT fields a call (chains vary)
        assert 700 // 15 <= pcalls <= 700 // 8


def test_hscan_hashtable_count_per_call(diff):
    args = []
    for i in range(100):
        args += ["f%d" % i, "v"]
    diff("HSET", "h", *args)
    diff("HSET", "h", "long", "x" * 100)
    for count in ("1", "10", "50", "9223372036854775807"):
        r, p = diff.both("HSCAN", "h", "0", "COUNT", count)
        rv, pv = parse(r), parse(p)
        # at least COUNT fields (whole buckets) unless the scan finished
        assert len(pv[1]) >= min(2 * int(count), 202) or pv[0] == b"0"
        if count == "9223372036854775807":
            assert pv[0] == rv[0] == b"0" and len(pv[1]) == len(rv[1]) == 202


def test_hscan_missing_key(diff):
    diff("HSCAN", "nokey", "0")
    diff.hello(3)
    diff("HSCAN", "nokey", "0", "COUNT", "0")
    diff("HSCAN", "nokey", "0", "TYPE", "hash")


# ---- HRANDFIELD ---------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("x",), ("1.5",), ("",), ("9223372036854775808",), ("-9223372036854775808",),
    ("-9223372036854775808", "WITHVALUES"), ("-9223372036854770000", "WITHVALUES"),
    ("9223372036854770000", "WITHVALUES"), ("4611686018427387904", "WITHVALUES"),
    ("-4611686018427387904", "WITHVALUES"), ("1", "WITHVALUE"), ("1", "WITHVALUES", "x"),
    ("1", "x", "y"), ("0",), ("0", "WITHVALUES"), ("0", "withvalues"),
])
def test_hrandfield_errors_and_edges(diff, args):
    diff("HSET", "h", "a", "1")
    diff("HRANDFIELD", "h", *args)
    diff("HRANDFIELD", "nokey", *args)


@pytest.mark.parametrize("proto", [2, 3])
def test_hrandfield_missing_key(diff, proto):
    diff.hello(proto)
    diff("HRANDFIELD", "nokey")
    diff("HRANDFIELD", "nokey", "5")
    diff("HRANDFIELD", "nokey", "-5", "WITHVALUES")


@pytest.mark.parametrize("proto", [2, 3])
def test_hrandfield_whole_listpack_in_order(diff, proto):
    """count >= size answers the whole hash in iteration order: for a
    listpack that is insertion order, identical in both."""
    diff.hello(proto)
    diff("HSET", "h", "a", "1", "b", "2", "c", "3", "7", "-7", "e", "")
    for count in ("5", "6", "100", "9223372036854775807"):
        diff("HRANDFIELD", "h", count)
        diff("HRANDFIELD", "h", count, "WITHVALUES")
    diff("HRANDFIELD", "h", "4611686018427387903", "WITHVALUES")


def _check_random_reply(raw, proto, contents, n, withvalues, unique):
    v = parse(raw)
    assert isinstance(v, list)
    if withvalues and proto == 2:
        assert len(v) == 2 * n
        pairs = list(zip(v[::2], v[1::2]))
    elif withvalues:
        assert len(v) == n and all(isinstance(p, list) and len(p) == 2 for p in v)
        pairs = [tuple(p) for p in v]
    else:
        assert len(v) == n
        pairs = [(f, contents[f]) for f in v]
    for f, val in pairs:
        assert contents[f] == val
    if unique:
        assert len(set(f for f, _ in pairs)) == n
    return [f for f, _ in pairs]


@pytest.mark.parametrize("encoding", ["listpack", "hashtable"])
@pytest.mark.parametrize("proto", [2, 3])
def test_hrandfield_random_paths(diff, encoding, proto):
    diff.hello(proto)
    contents = {("f%d" % i).encode(): ("v%d" % i).encode() for i in range(10)}
    if encoding == "hashtable":
        contents[b"long" * 20] = b"x"
    args = []
    for f, v in contents.items():
        args += [f, v]
    diff("HSET", "h", *args)
    assert enc(diff, "h") == encoding
    size = len(contents)
    seen = set()
    for count, withvalues in [(-1, False), (-5, True), (-20, False), (-1001, True), (1, True),
                              (1, False), (size - 1, True), (size - 2, False), (2, True),
                              (3, False), (size, True)]:
        args = ["HRANDFIELD", "h", str(count)] + (["WITHVALUES"] if withvalues else [])
        r, p = diff.both(*args)
        n = min(abs(count), size) if count > 0 else -count
        _check_random_reply(r, proto, contents, n, withvalues, count > 0)
        seen.update(_check_random_reply(p, proto, contents, n, withvalues, count > 0))
    for _ in range(200):
        _, p = diff.both("HRANDFIELD", "h")
        seen.add(parse(p))
    assert seen == set(contents)


def test_hrandfield_distribution(diff):
    """Every field comes up about equally often (chi-square, df = 9), in
    both servers (the commands go to both so their statistics stay alike)."""
    for encoding_arg in ("v", "v" * 70):
        diff("DEL", "h")
        args = []
        for i in range(10):
            args += ["f%d" % i, encoding_arg]
        diff("HSET", "h", *args)
        for count in ("-1000", "3"):
            counts = {}
            rounds = 1 if count == "-1000" else 333
            for _ in range(rounds):
                for f in parse(diff.both("HRANDFIELD", "h", count)[1]):
                    counts[f] = counts.get(f, 0) + 1
            total = sum(counts.values())
            expected = total / 10
            chi = sum((counts.get(b"f%d" % i, 0) - expected) ** 2 / expected for i in range(10))
            assert chi < 40, (encoding_arg[:3], count, counts)


# ---- keyspace integration -------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["listpack", "hashtable"])
def test_digest(diff, encoding):
    diff("HSET", "h", "a", "1", "b", "hello", "c", "-42", "", "")
    if encoding == "hashtable":
        diff("HSET", "h", "big", "z" * 100)
    diff("SET", "s", "x")
    diff("DEBUG", "DIGEST-VALUE", "h")
    diff("DEBUG", "DIGEST-VALUE", "h", "s", "nokey")
    diff("DEBUG", "DIGEST")
    diff("HDEL", "h", "a")
    diff("DEBUG", "DIGEST-VALUE", "h")
    diff("EXPIRE", "h", "100")
    diff("DEBUG", "DIGEST-VALUE", "h")
    diff("DEBUG", "DIGEST")


def test_digest_independent_of_order(diff):
    diff("HSET", "a", "x", "1", "y", "2")
    diff("HSET", "b", "y", "2", "x", "1")
    ra, pa = diff.both("DEBUG", "DIGEST-VALUE", "a")
    rb, pb = diff.both("DEBUG", "DIGEST-VALUE", "b")
    assert ra == pa == rb == pb


def test_copy_and_rename(diff):
    diff("HSET", "h", "a", "1", "b", "2")
    diff("COPY", "h", "h2")
    diff("HSET", "h2", "c", "3")
    diff("HGETALL", "h")
    diff("HGETALL", "h2")
    diff("COPY", "h", "h2")
    diff("COPY", "h", "h2", "REPLACE")
    diff("HGETALL", "h2")
    diff("COPY", "h", "h3", "DB", "1")
    diff("SELECT", "1")
    diff("HGETALL", "h3")
    diff("OBJECT", "ENCODING", "h3")
    diff("SELECT", "0")
    diff("RENAME", "h", "r")
    diff("HGETALL", "r")
    diff("MOVE", "r", "1")
    diff("SELECT", "1")
    diff("HGETALL", "r")
    diff("DEL", "r", "h3")
    diff("SELECT", "0")


def test_type_exists_del_and_overwrite(diff):
    diff("HSET", "h", "a", "1")
    diff("TYPE", "h")
    diff("EXISTS", "h")
    diff("SET", "h", "now a string")
    diff("TYPE", "h")
    diff("HGET", "h", "a")
    diff("DEL", "h")
    diff("HSET", "h", "a", "1")
    diff("SCAN", "0", "TYPE", "hash")
    diff("SCAN", "0", "TYPE", "string")
    diff("DEL", "h")
    diff("TYPE", "h")


def test_expired_hash(diff):
    diff("HSET", "h", "a", "1")
    diff("PEXPIRE", "h", "50")
    time.sleep(0.15)
    diff("HGET", "h", "a")
    diff("HLEN", "h")
    diff("HGETALL", "h")
    diff("HSET", "h", "b", "2")                 # a new hash
    diff("HGETALL", "h")
    diff("TTL", "h")


def test_memory_usage(diff):
    def usage():
        r, p = diff.both("MEMORY", "USAGE", "h")
        assert r.startswith(b":") and p.startswith(b":")
        return int(p[1:-2])
    diff("HSET", "h", "a", "1")
    small = usage()
    diff("HSET", "h", "b", "x" * 1000)
    big = usage()
    assert small > 0 and big > small + 1000
    diff("HDEL", "h", "b")
    assert usage() < big - 900
    diff("MEMORY", "USAGE", "nokey")


def test_multi_exec(diff):
    diff("MULTI")
    diff("HSET", "h", "a", "1")
    diff("HINCRBY", "h", "a", "x")
    diff("HINCRBY", "h", "a", "2")
    diff("HSET", "h", "b")
    diff("HGETALL", "h")
    diff("EXEC")
    diff.hello(3)
    diff("MULTI")
    diff("HGETALL", "h")
    diff("HRANDFIELD", "h", "5", "WITHVALUES")
    diff("EXEC")


@pytest.mark.parametrize("change", [
    ("HSET", "w", "a", "1"), ("HSET", "w", "a", "0"), ("HMSET", "w", "new", "1"),
    ("HSETNX", "w", "new", "1"), ("HDEL", "w", "a"), ("HDEL", "w", "a", "b"),
    ("HINCRBY", "w", "a", "1"), ("HINCRBYFLOAT", "w", "a", "1.5"), ("DEL", "w"),
    ("HINCRBY", "w", "new", "0"),
])
def test_watch_invalidated_by(diff, other, change):
    diff("HSET", "w", "a", "0", "b", "1")
    diff("WATCH", "w")
    other(*change)
    diff("MULTI")
    diff("PING")
    diff("EXEC")


@pytest.mark.parametrize("change", [
    ("HSETNX", "w", "a", "1"), ("HDEL", "w", "nope"), ("HGET", "w", "a"), ("HGETALL", "w"),
    ("HINCRBY", "w", "s", "1"), ("HINCRBYFLOAT", "w", "s", "1"), ("HINCRBY", "w", "a", "x"),
    ("HSET", "other", "a", "1"), ("HSCAN", "w", "0"), ("HRANDFIELD", "w", "-3"),
    ("HSET", "w", "a"), ("HDEL", "nokey", "a"),
])
def test_watch_not_invalidated_by(diff, other, change):
    diff("HSET", "w", "a", "0", "s", "str")
    diff("WATCH", "w")
    if change[0] == "HRANDFIELD":
        other.both(*change)
    else:
        other(*change)
    diff("MULTI")
    diff("PING")
    diff("EXEC")


def test_watch_missing_key_created_by_hset(diff, other):
    diff("WATCH", "newh")
    other("HSET", "newh", "a", "1")
    diff("MULTI")
    diff("PING")
    diff("EXEC")


def _dirty(conn):
    info = conn.call("INFO", "persistence").decode()
    for line in info.split("\r\n"):
        if line.startswith("rdb_changes_since_last_save:"):
            return int(line.split(":")[1])
    raise AssertionError(info)


def test_dirty_counting(diff):
    cmds = [("HSET", "h", "a", "1", "b", "2", "a", "3"), ("HMSET", "h", "c", "1"),
            ("HSETNX", "h", "a", "1"), ("HSETNX", "h", "z", "1"), ("HDEL", "h", "a", "nope", "b"),
            ("HDEL", "h", "nope"), ("HINCRBY", "h", "n", "5"), ("HINCRBY", "h", "n", "x"),
            ("HINCRBYFLOAT", "h", "n", "1.5"), ("HINCRBYFLOAT", "h", "c", "inf"),
            ("HGET", "h", "n"), ("HGETALL", "h"), ("HDEL", "h", "c", "z", "n", "x"),
            ("HSET", "h", "a"), ("HINCRBY", "s", "f", "1")]
    diff("SET", "s", "str")
    for cmd in cmds:
        before = (_dirty(diff.r), _dirty(diff.p))
        diff(*cmd)
        after = (_dirty(diff.r), _dirty(diff.p))
        assert after[0] - before[0] == after[1] - before[1], cmd


def test_pipeline_many_commands(diff):
    """A pipeline of hash writes and reads in one packet."""
    cmds = []
    for i in range(200):
        cmds.append(("HSET", "p%d" % (i % 7), "f%d" % i, "v" * (i % 70)))
        cmds.append(("HINCRBY", "c", "n%d" % (i % 5), str(i)))
        cmds.append(("HGET", "p%d" % (i % 7), "f%d" % (i // 2)))
    from helpers import encode_command
    data = b"".join(encode_command(*c) for c in cmds)
    diff.raw(data, replies=len(cmds))
    for i in range(7):
        same_contents(diff, "p%d" % i)


# ---- listpack bytes (RDB compatibility) -----------------------------------------------------

def dump_listpack(conn, key):
    """The listpack blob inside a DUMP payload (rdbcompression off)."""
    payload = conn.call("DUMP", key)
    body = payload[payload.index(b"\r\n") + 2:-2]
    assert body[0] == 16                     # RDB_TYPE_HASH_LISTPACK
    data = body[1:-10]                       # type byte ... version(2) + crc(8)
    b0 = data[0]
    if b0 >> 6 == 0:
        n, off = b0 & 0x3F, 1
    elif b0 >> 6 == 1:
        n, off = ((b0 & 0x3F) << 8) | data[1], 2
    elif b0 == 0x80:
        n, off = struct.unpack(">I", data[1:5])[0], 5
    else:
        raise AssertionError("unexpected RDB length encoding %r" % data[:9])
    return data[off:off + n]


@pytest.fixture(scope="module")
def dump_redis():
    """A private redis-server for the DUMP-based checks, so the shared
    one's command statistics stay comparable with pyengine's."""
    from conftest import _need_redis
    from helpers import ServerProcess
    _need_redis()
    srv = ServerProcess("redis", extra_args=["--rdbcompression", "no"])
    yield srv
    srv.stop()


@pytest.fixture
def redis_conn(dump_redis):
    from helpers import RawConnection
    conn = RawConnection(dump_redis.port)
    conn.call("FLUSHALL")
    yield conn
    conn.close()


SEQUENCES = [
    [("HSET", "h", "a", "1")],
    [("HSET", "h", "a", "1", "b", "hello", "c", "-5", "d", "12345678901", "e", "")],
    [("HSET", "h", "a", "1"), ("HSET", "h", "a", "a much longer value than before")],
    [("HSET", "h", "a", "long value here", "b", "2"), ("HSET", "h", "a", "s")],
    [("HSET", "h", "a", "1", "b", "2", "c", "3"), ("HDEL", "h", "b"), ("HSET", "h", "d", "4")],
    [("HINCRBY", "h", "n", "5"), ("HINCRBY", "h", "n", "-1000"), ("HINCRBYFLOAT", "h", "f", "1.5"),
     ("HINCRBYFLOAT", "h", "n", "0.25"), ("HSETNX", "h", "n", "x"), ("HSETNX", "h", "m", "y")],
    [("HSET", "h", "x" * 63, "y" * 64, "9223372036854775807", "-9223372036854775808")],
    [("HMSET", "h", *sum([["f%d" % i, str(i * 1000)] for i in range(300)], []))],
]


@pytest.mark.parametrize("seq", range(len(SEQUENCES)))
def test_listpack_bytes_match_redis(redis_conn, seq):
    """A hash built by the same commands has Redis's exact listpack bytes."""
    from pyengine.embedded import Engine
    from pyengine.t_hash import py_hash_listpack
    engine = Engine()
    for cmd in SEQUENCES[seq]:
        redis_conn.call(*cmd)
        engine.execute(*cmd)
    assert redis_conn.call("OBJECT", "ENCODING", "h") == b"$8\r\nlistpack\r\n"
    ours = py_hash_listpack(engine.instance.srv, 0, b"h")
    assert ours == dump_listpack(redis_conn, "h")


def test_listpack_bytes_every_entry_encoding(redis_conn):
    """Redis's 'Hash ziplist of various encodings' content (immediate, 13,
    16, 24, 32, 64-bit integers; 6, 12 and 32-bit string lengths), built
    with a huge hash-max-listpack-value, has Redis's exact bytes."""
    from pyengine.embedded import Engine
    from pyengine.t_hash import py_hash_listpack
    redis_conn.call("CONFIG", "SET", "hash-max-listpack-value", "1000000")
    try:
        engine = Engine(hash_max_listpack_value=1000000)
        cmds = [("HSET", "h", "ZIP_INT_8B", "127"), ("HSET", "h", "ZIP_INT_16B", "32767"),
                ("HSET", "h", "ZIP_INT_24B", "-8388608"),
                ("HSET", "h", "ZIP_INT_32B", "2147483647"),
                ("HSET", "h", "ZIP_INT_64B", "9223372036854775807"),
                ("HSET", "h", "ZIP_INT_NOT", "9223372036854775808"),
                ("HSET", "h", "ZIP_INT_IMM_MIN", "0"), ("HSET", "h", "ZIP_INT_IMM_MAX", "12"),
                ("HSET", "h", "ZIP_INT_13B", "-4096"),
                ("HSET", "h", "ZIP_STR_06B", "x" * 31), ("HSET", "h", "ZIP_STR_14B", "x" * 8191),
                ("HSET", "h", "ZIP_STR_32B", "x" * 65535), ("HINCRBY", "h", "ZIP_INT_8B", "1"),
                ("HSET", "h", "ZIP_STR_14B", "y" * 4095)]
        for cmd in cmds:
            redis_conn.call(*cmd)
            engine.execute(*cmd)
        assert redis_conn.call("OBJECT", "ENCODING", "h") == b"$8\r\nlistpack\r\n"
        assert py_hash_listpack(engine.instance.srv, 0, b"h") == dump_listpack(redis_conn, "h")
    finally:
        redis_conn.call("CONFIG", "SET", "hash-max-listpack-value", "64")


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_lp_fields = st.sampled_from(["a", "b", "c", "1", "-1", "300", "70000", "", "f" * 20])
_lp_values = st.one_of(st.sampled_from(["0", "-5", "127", "128", "4096", "-40000", "9000000",
                                        "5000000000", "01", "x", "", "v" * 63]),
                       st.binary(max_size=64))
_lp_ops = st.lists(st.one_of(
    st.tuples(st.just("HSET"), _lp_fields, _lp_values),
    st.tuples(st.just("HSETNX"), _lp_fields, _lp_values),
    st.tuples(st.just("HDEL"), _lp_fields),
    st.tuples(st.just("HINCRBY"), _lp_fields, st.integers(-10 ** 12, 10 ** 12).map(str)),
    st.tuples(st.just("HINCRBYFLOAT"), _lp_fields, st.sampled_from(["0.5", "-1", "1e3"]))),
    min_size=1, max_size=25)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ops=_lp_ops)
def test_listpack_bytes_random_ops(redis_conn, ops):
    from pyengine.embedded import Engine, ResponseError
    from pyengine.t_hash import py_hash_listpack
    engine = Engine()
    redis_conn.call("DEL", "h")
    for op in ops:
        cmd = (op[0], "h") + op[1:]
        redis_conn.call(*cmd)
        try:
            engine.execute(*cmd)
        except ResponseError:
            pass
    if redis_conn.call("OBJECT", "ENCODING", "h") == b"$8\r\nlistpack\r\n":
        assert py_hash_listpack(engine.instance.srv, 0, b"h") == dump_listpack(redis_conn, "h")
    else:
        assert py_hash_listpack(engine.instance.srv, 0, b"h") is None
