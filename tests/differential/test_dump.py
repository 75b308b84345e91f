"""DUMP and RESTORE against a real redis-server.

Payloads are compared byte for byte for every encoding whose bytes do not
depend on a hash seed (strings in all their RDB forms, quicklists with and
without compression and plain nodes, intsets of every width, hash
listpacks, listpack and skiplist sorted sets, streams and their groups);
hashtable-encoded sets and hashes are compared by contents after a RESTORE
in the other server. Payloads DUMPed by Redis RESTORE into pyengine and
back, byte for byte where the type allows it (streams whose groups carry
delivery and seen times made on each server are compared that way). Every
RESTORE error is Redis's error, in Redis's order.
"""

import contextlib
import struct

import pytest

from engine.crc64 import py_crc64
from engine.resp import ReplyReader
from rdb_helpers import stream_v1


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


ZSET_SCORES = ["1", "2.5", "-3", "0", "-0", "1e300", "-inf", "inf", "100000000000000000",
               "4611686018427387903", "4611686018427387904", "0.1", "-1.5e-300", "3.0"]


def test_dump_zset_listpack_byte_identical(diff):
    args = []
    for i, sc in enumerate(ZSET_SCORES):
        args += [sc, "m%d" % i]
    diff("ZADD", "z", *args)
    diff("ZADD", "z", "7", "12345", "8", "-99", "9", "x" * 64)   # integer members, longest
    diff("OBJECT", "ENCODING", "z")
    same_dump(diff, "z")
    cross_restore(diff, "z")
    diff("ZINCRBY", "z", "0.5", "m1")
    diff("ZREM", "z", "m0")
    same_dump(diff, "z")


def test_restore_zset_payloads_convert_at_the_limits(diff):
    """A listpack payload over zset-max-listpack-entries loads as a
    skiplist; a skiplist payload that fits the limits loads as a listpack
    (and one with a member over zset-max-listpack-value stays a skiplist)."""
    diff("ZADD", "lp", *[x for i in range(10) for x in (str(i), "m%d" % i)])
    with config(diff, zset_max_listpack_entries=0):
        diff("ZADD", "sl", "1", "a", "2", "b")
        diff("ZADD", "sllong", "1", "a", "2", "y" * 100)
    lp, sl, sllong = (value(diff.r.call("DUMP", k)) for k in ("lp", "sl", "sllong"))
    assert (lp[0], sl[0], sllong[0]) == (17, 5, 5)
    with config(diff, zset_max_listpack_entries=5):
        diff("RESTORE", "lp2", "0", lp)
        diff("OBJECT", "ENCODING", "lp2")
        same_dump(diff, "lp2")
    for key, payload in (("sl2", sl), ("sllong2", sllong)):
        diff("RESTORE", key, "0", payload)
        diff("OBJECT", "ENCODING", key)
        diff("ZRANGE", key, "0", "-1", "WITHSCORES")
        same_dump(diff, key)


def test_restore_zset_ziplist_and_text_double_payloads(diff):
    """Types Redis 7.0 still loads: ZSET_ZIPLIST (12) and the text-double
    ZSET (3)."""
    zl = (b"\x18\x00\x00\x00\x12\x00\x00\x00\x04\x00"      # ziplist: a 1 b 2.5
          b"\x00\x01a" b"\x03\xf2" b"\x02\x01b" b"\x03\x032.5" b"\xff")
    import engine.rdb as rdbenc
    diff("RESTORE", "zz", "0", bad_format(b"\x0c" + rdbenc.encode_string(zl, False)))
    diff("OBJECT", "ENCODING", "zz")
    diff("ZRANGE", "zz", "0", "-1", "WITHSCORES")
    same_dump(diff, "zz")
    text = b"\x03\x03\x01a\x031.5\x01b\xfe\x01c\xff"     # a 1.5, b +inf, c -inf
    diff("RESTORE", "zt", "0", bad_format(text))
    diff("OBJECT", "ENCODING", "zt")
    diff("ZRANGE", "zt", "0", "-1", "WITHSCORES")
    same_dump(diff, "zt")


@pytest.mark.parametrize("body", [
    b"\x11\x0a\x0a\x00\x00\x00\x01\x00\x81a\x02\xff",                  # a member alone
    b"\x05\x02\x01a" + struct.pack("<d", 1.0) + b"\x01a" + struct.pack("<d", 2.0),  # duplicate
    b"\x05\x01\x01a" + struct.pack("<d", float("nan")),                         # NaN score
    b"\x05\x02\x01a" + struct.pack("<d", 1.0),                                  # truncated
    b"\x03\x01\x01a\x03abc",                          # a text double that is no number
    b"\x03\x01\x01a\x00",                             # an empty one
    b"\x03\x01\x01a\x041.5x",                          # a number then junk: 1.5, as sscanf
])
def test_restore_bad_zset_payloads(diff, body):
    diff("RESTORE", "k", "0", bad_format(body))
    diff("EXISTS", "k")
    diff("ZRANGE", "k", "0", "-1", "WITHSCORES")


# ---- streams ----------------------------------------------------------------------------------

def make_stream(c, key="st", nodes=4):
    """A stream over several nodes with deleted entries, entries with their
    own fields, and groups without consumers (no clock in the payload)."""
    c("CONFIG", "SET", "stream-node-max-entries", str(nodes))
    for i in range(1, 15):
        c("XADD", key, "%d-%d" % (i, i % 2), "f", str(i), "g", "v%d" % i)
    c("XADD", key, "20-0", "other", "x" * 50)
    c("XADD", key, "21-0", "12", "-7")
    c("XDEL", key, "3-1", "8-0", "9-1")
    c("XGROUP", "CREATE", key, "grp", "0")
    c("XGROUP", "CREATE", key, "mid", "7-1", "ENTRIESREAD", "5")
    c("XGROUP", "CREATE", key, "999", "$")
    c("CONFIG", "SET", "stream-node-max-entries", "100")


def test_dump_stream_byte_identical(diff):
    make_stream(diff)
    same_dump(diff, "st")
    diff("XTRIM", "st", "MAXLEN", "9")
    same_dump(diff, "st")
    diff("XSETID", "st", "50-0", "ENTRIESADDED", "100", "MAXDELETEDID", "30-0")
    same_dump(diff, "st")
    diff("XADD", "empty", "MAXLEN", "0", "1-1", "a", "b")
    same_dump(diff, "empty")
    diff("XGROUP", "CREATE", "empty", "g", "$")
    same_dump(diff, "empty")
    with config(diff, rdbcompression="no"):
        same_dump(diff, "st")
    r, p = diff.both("DEBUG", "OBJECT", "st")
    pick = lambda b: [w for w in b.split() if w.startswith(b"serializedlength")]
    assert pick(p) == pick(r)


def _xinfo_full(conn, key):
    """XINFO STREAM FULL, the clock-made fields (delivery and seen times)
    included: they come from the payload, so they must be equal too."""
    return value(conn.call("XINFO", "STREAM", key, "FULL"))


def test_stream_groups_cross_restore(diff):
    """Groups with PELs and consumers: each server's payload restores in
    the other with identical XINFO STREAM FULL (times included: they are
    in the payload), and DUMPs back to the same bytes."""
    make_stream(diff)
    for c in (diff.r, diff.p):
        c.call("XREADGROUP", "GROUP", "grp", "alice", "COUNT", "3", "STREAMS", "st", ">")
        c.call("XREADGROUP", "GROUP", "grp", "bob", "COUNT", "2", "STREAMS", "st", ">")
        c.call("XACK", "st", "grp", "2-0")
        c.call("XCLAIM", "st", "grp", "bob", "0", "1-1", "TIME", "1700000000000", "RETRYCOUNT", "7")
        c.call("XGROUP", "CREATECONSUMER", "st", "mid", "idle")
    r, p = dump_both(diff, "st")
    assert len(r) == len(p)
    assert value(diff.p.call("RESTORE", "fromr", "0", r)) == "OK"
    assert value(diff.r.call("RESTORE", "fromp", "0", p)) == "OK"
    assert _xinfo_full(diff.p, "fromr") == _xinfo_full(diff.r, "st")
    assert _xinfo_full(diff.r, "fromp") == _xinfo_full(diff.p, "st")
    assert value(diff.p.call("DUMP", "fromr")) == r
    assert value(diff.r.call("DUMP", "fromp")) == p
    for args in (("XPENDING", "%s", "grp"), ("XINFO", "GROUPS", "%s")):
        a = [x.replace("%s", "fromr") for x in args]
        b = [x.replace("%s", "st") for x in args]
        assert diff.p.call(*a) == diff.r.call(*b)


def test_restore_stream_redis6_payload(diff):
    """The Redis 5/6 stream type: first ID from the nodes, entries added =
    length, each group's entries_read estimated (XINFO shows the results)."""
    make_stream(diff)
    diff.r.call("XREADGROUP", "GROUP", "grp", "alice", "COUNT", "3", "STREAMS", "st", ">")
    old = stream_v1(value(diff.r.call("DUMP", "st")))
    diff("RESTORE", "old", "0", old)
    assert _xinfo_full(diff.p, "old") == _xinfo_full(diff.r, "old")
    diff("XINFO", "GROUPS", "old")
    same_dump(diff, "old")


def _stream_payload_parts(diff):
    diff.r.call("XADD", "src", "1-1", "a", "1")
    diff.r.call("XGROUP", "CREATE", "src", "g", "0")
    p = value(diff.r.call("DUMP", "src"))
    diff.r.call("DEL", "src")
    return p[:-10]


def test_restore_bad_stream_payloads(diff):
    body = _stream_payload_parts(diff)
    node_key = body.index(b"\x10") + 1
    g = body.rindex(b"\x01g")                                 # the group's name
    cases = [
        body[:-1],                                            # truncated
        body[:node_key - 1] + b"\x0f" + body[node_key:node_key + 15] + body[node_key + 16:],
        body[:-1] + b"\x01\x01c" + b"\x00" * 8 + b"\x01" + b"\x00" * 16,   # PEL id unknown
        body[:g - 1] + b"\x02" + body[g:] + body[g:],        # the same group twice
        body[:-1] + b"\x02\x01c" + b"\x00" * 9 + b"\x01c" + b"\x00" * 9,  # consumer twice
    ]
    for case in cases:
        diff("RESTORE", "k", "0", bad_format(case))
        diff("EXISTS", "k")
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
    diff("ZADD", "zl", "1", "a", "2.5", "b")
    diff("ZADD", "zs", *[x for i in range(200) for x in (str(i / 3), "m%d" % i)])
    make_stream(diff)
    for key in ("s", "i", "l", "is", "h", "zl", "zs", "st"):
        r, p = diff.both("DEBUG", "OBJECT", key)
        pick = lambda b: [w for w in b.split() if w.startswith(b"serializedlength")]
        assert pick(p) == pick(r), key


def test_dump_payload_sanitizations_counter(diff):
    good = payload_of(diff, "HSET", "src", "a", "1")
    make_stream(lambda *a: diff.r.call(*a), "st")
    stream = value(diff.r.call("DUMP", "st"))
    zset = payload_of(diff, "ZADD", "z", "1", "a")
    with config(diff, sanitize_dump_payload="yes"):
        diff("CONFIG", "RESETSTAT")
        diff("RESTORE", "h", "0", good)
        diff("RESTORE", "st2", "0", stream)
        diff("RESTORE", "z2", "0", zset)
        pick = lambda t: [ln for ln in t.split(b"\r\n") if ln.startswith(b"dump_payload")]
        assert pick(value(diff.p.call("INFO", "stats"))) == pick(value(diff.r.call("INFO", "stats")))
