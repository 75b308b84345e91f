"""DUMP and RESTORE against a real redis-server.

Payloads are compared byte for byte for every encoding whose bytes do not
depend on a hash seed (strings in all their RDB forms, quicklists with and
without compression and plain nodes, intsets of every width, hash
listpacks, skiplist sorted sets); hashtable-encoded sets and hashes are
compared by contents after a RESTORE in the other server. Payloads DUMPed by
Redis RESTORE into pyengine (listpack sorted sets included) and back. Every
RESTORE error is Redis's error, in Redis's order.
"""

import contextlib
import struct

import pytest

from engine.crc64 import py_crc64
from engine.resp import ReplyReader


def value(raw):
    """A raw reply as Python values (bytes, int, list, str for statuses)."""
    rd = ReplyReader()
    rd.feed(raw)
    return rd.gets()


def dump_both(diff, key):
    r, p = diff.both("DUMP", key)
    return value(r), value(p)


def same_dump(diff, key):
    r, p = dump_both(diff, key)
    assert isinstance(r, bytes), r
    assert p == r, "DUMP %s\n redis:    %r\n pyengine: %r" % (key, r, p)
    return r


def contents(conn, key):
    """A canonical view of a key's value through ordinary commands."""
    t = value(conn.call("TYPE", key))
    t = t.decode() if isinstance(t, bytes) else t
    if t == "string":
        return t, value(conn.call("GET", key))
    if t == "list":
        return t, value(conn.call("LRANGE", key, "0", "-1"))
    if t == "set":
        return t, sorted(value(conn.call("SMEMBERS", key)))
    if t == "zset":
        return t, value(conn.call("ZRANGE", key, "0", "-1", "WITHSCORES"))
    if t == "hash":
        flat = value(conn.call("HGETALL", key))
        return t, sorted(zip(flat[::2], flat[1::2]))
    return t, None


def encoding(conn, key):
    v = value(conn.call("OBJECT", "ENCODING", key))
    return v.decode() if isinstance(v, bytes) else v


def cross_restore(diff, key, new_key=None):
    """DUMP on each server, RESTORE on the other: same contents and the
    encoding each server would choose."""
    new_key = new_key or key + ":copy"
    r, p = dump_both(diff, key)
    assert value(diff.p.call("RESTORE", new_key, "0", r)) == "OK"
    assert value(diff.r.call("RESTORE", new_key, "0", p)) == "OK"
    assert contents(diff.p, new_key) == contents(diff.r, key)
    assert contents(diff.r, new_key) == contents(diff.p, key)
    assert encoding(diff.p, new_key) == encoding(diff.r, new_key)
    diff("DEL", new_key)


@contextlib.contextmanager
def config(diff, **params):
    old = {}
    for name, v in params.items():
        name = name.replace("_", "-")
        old[name] = value(diff.r.call("CONFIG", "GET", name))[1]
        diff("CONFIG", "SET", name, str(v))
    try:
        yield
    finally:
        for name, v in old.items():
            diff("CONFIG", "SET", name, v)


# ---- strings ----------------------------------------------------------------------------------

STRINGS = ["", "a", "0", "-1", "127", "128", "-128", "-129", "32767", "32768", "-32768", "-32769",
           "2147483647", "2147483648", "-2147483648", "-2147483649", "12345678901",
           "9223372036854775807", "-9223372036854775808", "01", "+1", " 1", "1.5", "00",
           "x" * 11, "x" * 20, "x" * 21, "ab" * 11, "x" * 44, "x" * 45, "x" * 63, "x" * 64,
           "y" * 16383, "y" * 16384, "hello world " * 100, "\x00\x01\xff" * 50,
           "".join(chr(33 + (i * 7919) % 90) for i in range(300))]


@pytest.mark.parametrize("rdbcompression", ["yes", "no"])
def test_dump_strings_byte_identical(diff, rdbcompression):
    with config(diff, rdbcompression=rdbcompression):
        for i, s in enumerate(STRINGS):
            key = "s%d" % i
            diff("SET", key, s)
            same_dump(diff, key)
            diff("APPEND", key, "")        # a raw string of the same bytes
            same_dump(diff, key)


def test_dump_missing_key_and_arity(diff):
    diff("DUMP", "nosuchkey")
    diff("DUMP")
    diff("DUMP", "a", "b")
    diff("RESTORE", "k", "0")


# ---- lists ------------------------------------------------------------------------------------

@pytest.mark.parametrize("size,depth", [(-2, 0), (-1, 1), (4, 0), (4, 2), (128, 1), (-5, 3)])
def test_dump_lists_byte_identical(diff, size, depth):
    with config(diff, list_max_listpack_size=size, list_compress_depth=depth):
        diff("RPUSH", "small", "a", "b", "1", "2", "-100000")
        same_dump(diff, "small")
        for i in range(3000):
            diff.both("RPUSH", "big", "element-%d" % (i % 97) * (1 + i % 5))
        same_dump(diff, "big")
        for i in range(500):
            diff.both("LPUSH", "ints", str(i * 1000003))
        same_dump(diff, "ints")
        cross_restore(diff, "big")


def test_dump_list_plain_nodes(diff):
    diff("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100")
    try:
        with config(diff, list_compress_depth=1):
            diff("RPUSH", "pl", "a", "p" * 200, "b", "q" * 300, "c", "r" * 250, "d")
            same_dump(diff, "pl")
            cross_restore(diff, "pl")
    finally:
        diff("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")


# ---- sets ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("members", [
    ["1", "2", "3"],
    ["-5", "70000", "3"],
    ["1", "-9223372036854775808", "9223372036854775807"],
    [str(i) for i in range(0, 3500, 7)],
])
def test_dump_intset_byte_identical(diff, members):
    diff("SADD", "is", *members)
    same_dump(diff, "is")
    cross_restore(diff, "is")


def test_dump_hashtable_set(diff):
    diff("SADD", "hs", *["m%d" % i for i in range(200)])
    cross_restore(diff, "hs")
    with config(diff, set_max_intset_entries=10):
        diff("SADD", "bigint", *[str(i) for i in range(100)])   # a hashtable of integers
        cross_restore(diff, "bigint")
        # an intset payload larger than the limit becomes a hashtable here
        diff("DEL", "bigint")


def test_restore_intset_over_limit_converts(diff):
    diff("SADD", "is", *[str(i) for i in range(50)])
    payload = value(diff.r.call("DUMP", "is"))
    with config(diff, set_max_intset_entries=10):
        diff("RESTORE", "is2", "0", payload)
        diff("OBJECT", "ENCODING", "is2")
        assert contents(diff.p, "is2") == contents(diff.r, "is2")


# ---- hashes -----------------------------------------------------------------------------------

def test_dump_hash_listpack_byte_identical(diff):
    diff("HSET", "h", "f", "v", "n", "12", "neg", "-70000", "long", "z" * 60)
    same_dump(diff, "h")
    cross_restore(diff, "h")


def test_dump_hash_hashtable(diff):
    diff("HSET", "hh", *[x for i in range(600) for x in ("f%d" % i, "v%d" % i)])
    cross_restore(diff, "hh")
    diff("HSET", "hv", "f", "v" * 100)      # converted by value length
    cross_restore(diff, "hv")


def test_restore_hash_listpack_over_limit_converts(diff):
    diff("HSET", "h", *[x for i in range(20) for x in ("f%d" % i, "v")])
    payload = value(diff.r.call("DUMP", "h"))
    with config(diff, hash_max_listpack_entries=5):
        diff("RESTORE", "h2", "0", payload)
        diff("OBJECT", "ENCODING", "h2")
        assert contents(diff.p, "h2") == contents(diff.r, "h2")


# ---- sorted sets ------------------------------------------------------------------------------

def test_dump_zset_skiplist_byte_identical(diff):
    with config(diff, zset_max_listpack_entries=0):
        diff("ZADD", "z", "1", "a", "2", "b", "2", "c", "-inf", "lo", "inf", "hi", "0.1", "x" * 30)
        same_dump(diff, "z")
    args = []
    for i in range(300):
        args += ["%r" % (i * 1.25 - 100), "member:%d" % i]
    diff("ZADD", "bigz", *args)
    same_dump(diff, "bigz")
    cross_restore(diff, "bigz")


def test_restore_zset_listpack_payload(diff):
    """Redis's small zsets are listpacks: the payload loads into a skiplist
    here (LISTPACK: the same encoding once sorted sets have it)."""
    diff.r.call("ZADD", "zl", "1", "a", "2.5", "b", "3", "c")
    payload = value(diff.r.call("DUMP", "zl"))
    assert payload[0] == 17
    assert value(diff.p.call("RESTORE", "zl", "0", payload)) == "OK"
    assert contents(diff.p, "zl") == contents(diff.r, "zl")
    back = value(diff.p.call("DUMP", "zl"))
    diff.r.call("DEL", "zl")
    assert value(diff.r.call("RESTORE", "zl", "0", back)) == "OK"
    assert contents(diff.r, "zl") == contents(diff.p, "zl")


# ---- RESTORE options and errors ------------------------------------------------------------

def payload_of(diff, *setup):
    diff.r.call(*setup)
    p = value(diff.r.call("DUMP", setup[1]))
    diff.r.call("DEL", setup[1])
    return p


def test_restore_errors_in_redis_order(diff):
    good = payload_of(diff, "SET", "src", "bar")
    diff("SET", "exists", "1")
    diff("RESTORE", "exists", "0", good)                       # BUSYKEY
    diff("RESTORE", "exists", "-1", good)                      # BUSYKEY before the TTL check
    diff("RESTORE", "new", "-1", good)
    diff("RESTORE", "new", "abc", good)
    diff("RESTORE", "new", "0", "xx")
    diff("RESTORE", "new", "0", good[:-1] + bytes([good[-1] ^ 1]))
    diff("RESTORE", "new", "0", b"\x00\x03bar\x0b\x00" + good[-8:])   # newer version
    diff("RESTORE", "new", "0", good, "BOGUS")
    diff("RESTORE", "new", "0", good, "IDLETIME")
    diff("RESTORE", "new", "0", good, "IDLETIME", "-1")
    diff("RESTORE", "new", "0", good, "IDLETIME", "x")
    diff("RESTORE", "new", "0", good, "FREQ", "256")
    diff("RESTORE", "new", "0", good, "FREQ", "-1")
    diff("RESTORE", "new", "0", good, "FREQ", "1", "IDLETIME", "1")
    diff("RESTORE", "new", "0", good, "IDLETIME", "1", "FREQ", "1")
    diff("RESTORE", "exists", "0", good, "FREQ", "300")      # options parsed first
    diff("EXISTS", "new")


def bad_format(body):
    """A payload with a valid footer around ``body``."""
    data = body + struct.pack("<H", 10)
    return data + struct.pack("<Q", py_crc64(data))


@pytest.mark.parametrize("body", [
    b"", b"\x00", b"\x08", b"\x63", b"\x00\x05ab", b"\x02\x00", b"\x0b\x04\x02\x00\x00\x00",
    b"\x12\x01\x03\x02ab", b"\x10\x07\x07\x00\x00\x00\x01\x00\xff",
])
def test_restore_bad_data_format(diff, body):
    diff("RESTORE", "k", "0", bad_format(body))
    diff("EXISTS", "k")


def test_restore_replace_absttl_and_ttl(diff):
    good = payload_of(diff, "SET", "src", "bar")
    diff("SET", "k", "old")
    diff("RESTORE", "k", "0", good, "REPLACE")
    diff("GET", "k")
    diff("RESTORE", "t", "100000", good)
    assert 99000 <= value(diff.p.call("PTTL", "t")) <= 100000
    diff("RESTORE", "past", "1", good, "ABSTTL")          # already expired: OK, no key
    diff("EXISTS", "past")
    diff("RESTORE", "k", "1", good, "ABSTTL", "REPLACE")  # replaces with nothing
    diff("EXISTS", "k")
    diff("RESTORE", "big", "2569591501", good)
    assert value(diff.p.call("PTTL", "big")) > 2569591501 - 5000


def test_restore_idletime_and_freq(diff):
    good = payload_of(diff, "SET", "src", "bar")
    with config(diff, maxmemory_policy="allkeys-lru"):
        diff("RESTORE", "lru", "0", good, "IDLETIME", "1000")
        assert 1000 <= value(diff.p.call("OBJECT", "IDLETIME", "lru")) <= 1002
    with config(diff, maxmemory_policy="allkeys-lfu"):
        diff("RESTORE", "lfu", "0", good, "FREQ", "100")
        diff("OBJECT", "FREQ", "lfu")


def _dirty(conn):
    info = value(conn.call("INFO", "persistence"))
    line = [ln for ln in info.split(b"\r\n") if ln.startswith(b"rdb_changes_since")][0]
    return int(line.split(b":")[1])


def test_restore_dirty_and_keyspace(diff):
    good = payload_of(diff, "RPUSH", "src", "a", "b")
    before = _dirty(diff.r), _dirty(diff.p)
    diff("RESTORE", "l", "0", good)
    diff("LRANGE", "l", "0", "-1")
    diff("TYPE", "l")
    diff("OBJECT", "ENCODING", "l")
    diff("RESTORE", "l", "0", good, "REPLACE")
    diff("RESTORE", "l", "1", good, "REPLACE", "ABSTTL")
    diff("RESTORE", "l", "1", good, "REPLACE", "ABSTTL")
    assert _dirty(diff.p) - before[1] == _dirty(diff.r) - before[0]


def test_restore_is_rejected_inside_multi_only_at_exec(diff):
    good = payload_of(diff, "SET", "src", "bar")
    diff("MULTI")
    diff("RESTORE", "m", "0", good)
    diff("RESTORE", "m", "0", good)
    diff("EXEC")


def test_debug_object_serializedlength(diff):
    diff("SET", "s", "x" * 100)
    diff("SET", "i", "123")
    diff("RPUSH", "l", *["v%d" % i for i in range(300)])
    diff("SADD", "is", "1", "2", "3")
    diff("HSET", "h", "a", "1")
    for key in ("s", "i", "l", "is", "h"):
        r, p = diff.both("DEBUG", "OBJECT", key)
        pick = lambda b: [w for w in b.split() if w.startswith(b"serializedlength")]
        assert pick(p) == pick(r), key


def test_dump_payload_sanitizations_counter(diff):
    good = payload_of(diff, "HSET", "src", "a", "1")
    with config(diff, sanitize_dump_payload="yes"):
        diff("CONFIG", "RESETSTAT")
        diff("RESTORE", "h", "0", good)
        pick = lambda t: [ln for ln in t.split(b"\r\n") if ln.startswith(b"dump_payload")]
        assert pick(value(diff.p.call("INFO", "stats"))) == pick(value(diff.r.call("INFO", "stats")))
