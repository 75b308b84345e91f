"""Sorted set encodings against a real redis-server: the listpack /
skiplist thresholds (zset-max-listpack-entries, zset-max-listpack-value),
every place Redis 7.0 converts (ZADD, ZINCRBY, each STORE command), OBJECT
ENCODING and DEBUG DIGEST-VALUE at each step, the listpack bytes themselves
(a DUMP payload of Redis's holds the listpack blob), lex ranges over mixed
scores (deterministic on a listpack) and ZSCAN.

Tests that change a threshold do it on both servers and restore the
defaults afterwards (the ``limits`` fixture)."""

import struct

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.resp import ReplyReader


def parse(raw):
    rd = ReplyReader()
    rd.feed(raw)
    return rd.gets()


def enc(d, key):
    r, p = d.both("OBJECT", "ENCODING", key)
    assert r == p, (key, r, p)
    v = parse(r)
    return v.decode() if isinstance(v, bytes) else None


def same_set(d, key, expect_encoding=None):
    """Contents, encoding and digest of ``key`` match on both servers."""
    d("ZRANGE", key, "0", "-1", "WITHSCORES")
    d("ZCARD", key)
    d("DEBUG", "DIGEST-VALUE", key)
    e = enc(d, key)
    if expect_encoding is not None:
        assert e == expect_encoding, (key, e)
    return e


@pytest.fixture
def limits(diff):
    """Set thresholds on both servers; defaults restored afterwards."""
    def set_limits(entries=None, value=None):
        if entries is not None:
            diff("CONFIG", "SET", "zset-max-listpack-entries", str(entries))
        if value is not None:
            diff("CONFIG", "SET", "zset-max-listpack-value", str(value))
    yield set_limits
    diff("CONFIG", "SET", "zset-max-listpack-entries", "128")
    diff("CONFIG", "SET", "zset-max-listpack-value", "64")


def members(n, prefix="m", start=0):
    out = []
    for i in range(start, start + n):
        out += [str(i), "%s%d" % (prefix, i)]
    return out


# ---- thresholds ---------------------------------------------------------------------------

def test_defaults(diff):
    diff("CONFIG", "GET", "zset-max-listpack-entries")
    diff("CONFIG", "GET", "zset-max-listpack-value")
    diff("CONFIG", "GET", "zset-max-ziplist-entries")
    diff("CONFIG", "GET", "zset-max-ziplist-value")


@pytest.mark.parametrize("n", [1, 127, 128, 129, 200])
def test_entries_threshold_one_zadd(diff, n):
    diff("ZADD", "z", *members(n))
    same_set(diff, "z", "listpack" if n <= 128 else "skiplist")


def test_entries_threshold_one_by_one(diff):
    for i in range(130):
        diff("ZADD", "z", str(i % 7), "m%d" % i)
        if i in (0, 126, 127, 128, 129):
            same_set(diff, "z", "listpack" if i < 128 else "skiplist")
    # a skiplist never goes back, even down to one member
    diff("ZREMRANGEBYRANK", "z", "1", "-1")
    same_set(diff, "z", "skiplist")
    diff("ZPOPMIN", "z")
    diff("EXISTS", "z")


def test_repeated_members_stay_listpack(diff):
    """ZADD of many pairs on few distinct members: still a listpack (Redis
    7.0 creates a listpack from the first member alone)."""
    args = []
    for i in range(300):
        args += [str(i), "same%d" % (i % 3)]
    diff("ZADD", "z", *args)
    same_set(diff, "z", "listpack")


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 200])
def test_value_threshold_first_member(diff, size):
    diff("ZADD", "z", "1", "x" * size)
    same_set(diff, "z", "listpack" if size <= 64 else "skiplist")


def test_value_threshold_later_member(diff):
    diff("ZADD", "z", "1", "a", "2", "b" * 64)
    same_set(diff, "z", "listpack")
    diff("ZADD", "z", "3", "c" * 65)
    same_set(diff, "z", "skiplist")
    diff("ZADD", "w", "1", "a", "2", "b" * 65, "3", "c")
    same_set(diff, "w", "skiplist")


def test_update_of_existing_member_never_converts(diff, limits):
    diff("ZADD", "z", *members(128))
    diff("ZADD", "z", "XX", "1000", "m5")
    diff("ZADD", "z", "NX", "1000", "m4")
    diff("ZADD", "z", "GT", "-5", "m6")
    diff("ZINCRBY", "z", "2.5", "m7")
    same_set(diff, "z", "listpack")
    diff("ZADD", "z", "XX", "1", "brand-new")         # XX: nothing added, no conversion
    same_set(diff, "z", "listpack")
    diff("ZADD", "z", "NX", "1", "brand-new")
    same_set(diff, "z", "skiplist")


def test_zincrby_conversions(diff, limits):
    limits(entries=3, value=5)
    diff("ZINCRBY", "z", "1", "a")
    same_set(diff, "z", "listpack")
    diff("ZINCRBY", "z", "1", "b")
    diff("ZINCRBY", "z", "1", "c")
    diff("ZINCRBY", "z", "5", "a")
    same_set(diff, "z", "listpack")
    diff("ZINCRBY", "z", "1", "d")
    same_set(diff, "z", "skiplist")
    diff("ZINCRBY", "y", "1", "short")
    diff("ZINCRBY", "y", "1", "longer")
    same_set(diff, "y", "skiplist")
    diff("ZINCRBY", "x", "1", "longer")               # the first member decides at creation
    same_set(diff, "x", "skiplist")
    diff("ZADD", "v", "INCR", "1", "longer")
    same_set(diff, "v", "skiplist")


@pytest.mark.parametrize("entries,value", [(0, 64), (1, 64), (2, 1), (128, 0), (5, 3)])
def test_small_limits(diff, limits, entries, value):
    limits(entries=entries, value=value)
    diff("ZADD", "z", "1", "a")
    same_set(diff, "z")
    diff("ZADD", "z", "2", "b", "3", "cc")
    same_set(diff, "z")
    diff("ZADD", "z", "4", "dddd", "5", "e")
    same_set(diff, "z")
    diff("ZADD", "e", "1", "")
    same_set(diff, "e")


def test_config_change_does_not_convert_existing(diff, limits):
    diff("ZADD", "small", *members(10))
    diff("ZADD", "big", *members(200))
    limits(entries=5)
    same_set(diff, "small", "listpack")
    diff("ZADD", "small", "1", "new")                  # the next add converts
    same_set(diff, "small", "skiplist")
    limits(entries=1000)
    same_set(diff, "big", "skiplist")
    diff("ZREMRANGEBYRANK", "big", "0", "190")
    same_set(diff, "big", "skiplist")


# ---- STORE commands -------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"])
def test_store_converts_back_to_listpack(diff, limits, op):
    diff("ZADD", "big", *members(200))                 # a skiplist
    diff("ZADD", "small", *members(10))
    diff("ZADD", "other", *members(195, start=5))
    diff("ZADD", "shrunk", *members(200))
    diff("ZREMRANGEBYRANK", "shrunk", "8", "-1")       # 8 members, still a skiplist
    assert enc(diff, "shrunk") == "skiplist"
    diff(op, "d", "1", "shrunk")
    same_set(diff, "d", "listpack")
    if op == "ZDIFFSTORE":
        diff(op, "d", "2", "big", "other")              # 5 left
    else:
        diff(op, "d", "2", "shrunk", "small")
    same_set(diff, "d", "listpack")
    diff(op, "d", "1", "big")                          # 200 members: a skiplist
    same_set(diff, "d", "skiplist")
    limits(entries=4)
    if op == "ZDIFFSTORE":
        diff(op, "d", "2", "big", "other")
    else:
        diff(op, "d", "2", "shrunk", "small")
    same_set(diff, "d", "skiplist")
    limits(entries=128)
    diff("ZADD", "long", "1", "y" * 65, "2", "m1", "3", "m2")
    if op == "ZDIFFSTORE":
        diff(op, "d", "1", "long")
    else:
        diff(op, "d", "2", "long", "small")
    same_set(diff, "d", "listpack" if op == "ZINTERSTORE" else "skiplist")
    limits(value=65)
    diff(op, "d", "1", "long")
    same_set(diff, "d", "listpack")
    limits(entries=0)
    diff(op, "d", "1", "small")
    same_set(diff, "d", "skiplist")


@pytest.mark.parametrize("op", ["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"])
def test_store_from_plain_sets(diff, op):
    diff("SADD", "s1", "1", "2", "3")
    diff("SADD", "s2", "2", "3", "x" * 70)
    diff(op, "d", "2", "s1", "s2")
    same_set(diff, "d")
    diff(op, "d", "1", "s2")
    same_set(diff, "d")


def test_zrangestore_encodings(diff, limits):
    diff("ZADD", "big", *members(200))
    diff("ZADD", "small", *members(10))
    diff("ZRANGESTORE", "d", "big", "0", "127")        # rank range of 128: listpack
    same_set(diff, "d", "listpack")
    diff("ZRANGESTORE", "d", "big", "0", "128")        # 129: skiplist from the start
    same_set(diff, "d", "skiplist")
    diff("ZRANGESTORE", "d", "big", "0", "5")           # from a skiplist, small: listpack
    same_set(diff, "d", "listpack")
    diff("ZRANGESTORE", "d", "big", "-inf", "+inf", "BYSCORE")   # unknown length: converts
    same_set(diff, "d", "skiplist")
    diff("ZRANGESTORE", "d", "big", "0", "10", "BYSCORE", "LIMIT", "0", "3")
    same_set(diff, "d", "listpack")
    diff("ZRANGESTORE", "d", "small", "-", "+", "BYLEX")
    same_set(diff, "d")
    diff("ZRANGESTORE", "d", "small", "0", "-1", "REV")
    same_set(diff, "d", "listpack")
    limits(entries=3)
    diff("ZRANGESTORE", "d", "small", "0", "2")
    same_set(diff, "d", "listpack")
    diff("ZRANGESTORE", "d", "small", "0", "3")
    same_set(diff, "d", "skiplist")
    diff("ZRANGESTORE", "d", "small", "0", "5", "BYSCORE")
    same_set(diff, "d", "skiplist")
    limits(entries=0)
    diff("ZRANGESTORE", "d", "small", "0", "1", "BYSCORE")
    same_set(diff, "d", "skiplist")
    diff("ZRANGESTORE", "d", "small", "100", "200", "BYSCORE")
    diff("EXISTS", "d")
    limits(entries=128, value=3)
    diff("ZADD", "lm", "1", "aaaa", "2", "b")
    diff("ZRANGESTORE", "d", "lm", "0", "-1")
    same_set(diff, "d", "skiplist")


def test_copy_keeps_encoding(diff):
    diff("ZADD", "l", *members(5))
    diff("ZADD", "s", *members(150))
    diff("COPY", "l", "l2")
    diff("COPY", "s", "s2")
    same_set(diff, "l2", "listpack")
    same_set(diff, "s2", "skiplist")
    diff("ZADD", "l2", "99", "extra")
    same_set(diff, "l")
    same_set(diff, "l2")
    diff("DEBUG", "DIGEST")


# ---- listpack semantics -----------------------------------------------------------------------

SCORES = ["0", "-0", "1", "-1", "127", "128", "-4096", "4095", "40000", "-9000000", "3000000000",
          "4611686018427387903", "4611686018427387904", "4611686018427387905", "9.2e18",
          "-4611686018427387904", "1e17", "1e18", "1.5", "-2.25", "0.1", "1e-300", "5e-324",
          "inf", "-inf", "123456789.123", "3.0", "1e16"]


def test_score_forms_on_listpack(diff):
    for i, s in enumerate(SCORES):
        diff("ZADD", "z", s, "m%d" % i)
    same_set(diff, "z", "listpack")
    for i in range(len(SCORES)):
        diff("ZSCORE", "z", "m%d" % i)
    diff("ZSCAN", "z", "0")
    diff("ZRANGE", "z", "(0", "+inf", "BYSCORE", "WITHSCORES")
    diff("ZRANGE", "z", "-inf", "(1e17", "BYSCORE", "WITHSCORES", "REV")
    diff("ZCOUNT", "z", "-inf", "inf")
    diff("ZCOUNT", "z", "(-inf", "(inf")
    diff.hello(3)
    diff("ZRANGE", "z", "0", "-1", "WITHSCORES")
    diff("ZSCAN", "z", "0")
    diff("ZPOPMAX", "z", "3")


def test_integer_members(diff):
    """Members that look like integers are stored as listpack integers
    (formatted back on every read)."""
    ms = ["0", "-1", "10", "127", "128", "-4096", "70000", "9223372036854775807",
          "-9223372036854775808", "9223372036854775808", "007", "+1", "1.0", "", "a"]
    for i, m in enumerate(ms):
        diff("ZADD", "z", str(i % 3), m)
    same_set(diff, "z", "listpack")
    for m in ms:
        diff("ZSCORE", "z", m)
        diff("ZRANK", "z", m)
        diff("ZREVRANK", "z", m)
    diff("ZRANGE", "z", "-", "+", "BYLEX")
    diff("ZRANGEBYLEX", "z", "[1", "(a")
    diff("ZLEXCOUNT", "z", "(-", "[9")
    diff("ZMSCORE", "z", *ms)
    diff("ZREM", "z", "127", "-9223372036854775808", "007")
    diff("ZRANDMEMBER", "z", "100", "WITHSCORES")
    diff("ZSCAN", "z", "0", "MATCH", "*0*")
    diff("ZUNIONSTORE", "u", "1", "z", "WEIGHTS", "2")
    same_set(diff, "u", "listpack")
    diff("ZPOPMIN", "z", "4")
    diff("ZPOPMAX", "z", "4")
    same_set(diff, "z", "listpack")


def test_update_moves_member(diff):
    diff("ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d", "4", "e")
    for s, m in (("10", "a"), ("-1", "e"), ("3", "a"), ("3", "e"), ("2.5", "d"), ("2.5", "c")):
        diff("ZADD", "z", s, m)
        diff("ZRANGE", "z", "0", "-1", "WITHSCORES")
    diff("ZINCRBY", "z", "-inf", "b")
    diff("ZINCRBY", "z", "inf", "b")
    same_set(diff, "z", "listpack")


LEX_BOUNDS = [("-", "+"), ("[a", "[c"), ("(a", "(c"), ("[b", "+"), ("-", "(b"), ("[bb", "[d"),
              ("(d", "+"), ("[a", "[a"), ("(a", "[a"), ("+", "-"), ("[c", "[a"), ("[", "(z")]


@pytest.mark.parametrize("order", [
    ["a", "b", "c", "d", "e"],            # scores in member order
    ["e", "d", "c", "b", "a"],            # scores against member order
    ["c", "a", "e", "b", "d"],            # mixed
])
def test_lex_ranges_over_mixed_scores(diff, order):
    """On a listpack the lex walk is a plain scan in score order (start at
    the first member >= min, stop at the first member > max), so Redis's
    result is deterministic even when scores differ."""
    for i, m in enumerate(order):
        diff("ZADD", "z", str(i), m)
    diff("ZADD", "z", "2", "bb")
    assert enc(diff, "z") == "listpack"
    for lo, hi in LEX_BOUNDS:
        diff("ZRANGE", "z", lo, hi, "BYLEX")
        diff("ZRANGE", "z", hi, lo, "BYLEX", "REV")
        diff("ZRANGEBYLEX", "z", lo, hi, "LIMIT", "1", "2")
        diff("ZREVRANGEBYLEX", "z", hi, lo, "LIMIT", "0", "-1")
        diff("ZLEXCOUNT", "z", lo, hi)
        diff("ZRANGESTORE", "d", "z", lo, hi, "BYLEX")
        diff("ZRANGE", "d", "0", "-1", "WITHSCORES")
    for lo, hi in LEX_BOUNDS:
        diff("COPY", "z", "t", "REPLACE")
        diff("ZREMRANGEBYLEX", "t", lo, hi)
        diff("ZRANGE", "t", "0", "-1", "WITHSCORES")


def test_ranges_and_deletes_on_listpack(diff):
    diff("ZADD", "z", *members(40))
    for lo, hi in (("-inf", "+inf"), ("(5", "10"), ("5", "(10"), ("(5", "(5"), ("10", "5"),
                   ("-inf", "(0"), ("39", "+inf"), ("(39", "+inf"), ("2.5", "3.5")):
        diff("ZCOUNT", "z", lo, hi)
        diff("ZRANGEBYSCORE", "z", lo, hi, "WITHSCORES", "LIMIT", "1", "3")
        diff("ZREVRANGEBYSCORE", "z", hi, lo, "LIMIT", "2", "100")
        diff("ZRANGESTORE", "d", "z", lo, hi, "BYSCORE", "REV", "LIMIT", "0", "5")
        same_set(diff, "d")
    for a, b in (("0", "0"), ("-1", "-1"), ("5", "2"), ("-5", "-1"), ("30", "100"), ("0", "-1")):
        diff("ZRANGE", "z", a, b, "WITHSCORES")
        diff("ZRANGE", "z", a, b, "REV")
    diff("ZREMRANGEBYSCORE", "z", "(5", "10")
    diff("ZREMRANGEBYRANK", "z", "-3", "-1")
    diff("ZREMRANGEBYRANK", "z", "0", "1")
    diff("ZREMRANGEBYSCORE", "z", "100", "200")
    same_set(diff, "z", "listpack")
    diff("ZREMRANGEBYRANK", "z", "0", "-1")
    diff("EXISTS", "z")


def test_pops_on_listpack(diff):
    diff("ZADD", "z", *members(6))
    diff("ZPOPMIN", "z")
    diff("ZPOPMAX", "z", "2")
    diff("ZMPOP", "1", "z", "MIN", "COUNT", "2")
    same_set(diff, "z", "listpack")
    diff("ZMPOP", "1", "z", "MAX", "COUNT", "10")
    diff("EXISTS", "z")


def test_setops_mixing_encodings(diff):
    diff("ZADD", "l", "1", "a", "2", "b", "3", "c", "4", "10")
    diff("ZADD", "s", *members(140, prefix=""))           # members "0".."139": integers
    diff("ZADD", "s", "7", "a", "8", "c")
    for op in ("ZUNION", "ZINTER"):
        diff(op, "2", "l", "s", "WITHSCORES")
        diff(op, "2", "s", "l", "WEIGHTS", "2", "3", "AGGREGATE", "MAX", "WITHSCORES")
    diff("ZDIFF", "2", "l", "s", "WITHSCORES")
    diff("ZINTERCARD", "2", "l", "s")
    diff("ZINTERSTORE", "d", "2", "l", "s")
    same_set(diff, "d", "listpack")
    diff("ZINTER", "2", "l", "l", "WITHSCORES")
    diff("ZDIFF", "2", "l", "l")


def test_memory_usage_grows_with_conversion(diff):
    diff("ZADD", "z", *members(128))
    r, p = diff.both("MEMORY", "USAGE", "z")
    small = int(p[1:-2])
    diff("ZADD", "z", "1", "one-more")
    r, p = diff.both("MEMORY", "USAGE", "z")
    assert int(p[1:-2]) > 2 * small          # a skiplist is much bigger than a listpack


# ---- listpack bytes (DUMP) ------------------------------------------------------------------

def dump_listpack(conn, key):
    """The listpack blob inside a DUMP payload (rdbcompression off)."""
    payload = conn.call("DUMP", key)
    body = payload[payload.index(b"\r\n") + 2:-2]
    assert body[0] == 17                     # RDB_TYPE_ZSET_LISTPACK
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
    """A private redis-server with rdbcompression off for the DUMP checks."""
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
    conn.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
    conn.call("CONFIG", "SET", "zset-max-listpack-value", "64")
    conn.close()


def ours(engine, key=b"z"):
    from pyengine.t_zset import py_zset_listpack
    return py_zset_listpack(engine.instance.srv, 0, key)


SEQUENCES = [
    [("ZADD", "z", "1", "a")],
    [("ZADD", "z", *[x for i, s in enumerate(SCORES) for x in (s, "m%d" % i)])],
    [("ZADD", "z", "1", "a", "1", "b", "0", "c", "2", "10", "2", "-5", "2", "")],
    [("ZADD", "z", "3", "a", "1", "b", "2", "c"), ("ZINCRBY", "z", "10", "b"),
     ("ZADD", "z", "0.5", "a"), ("ZREM", "z", "c"), ("ZADD", "z", "GT", "100", "a")],
    [("ZADD", "z", "1", "x" * 64, "2", "y" * 63, "3", "9223372036854775807", "4", "-1")],
    [("ZADD", "z", *members(128)), ("ZREMRANGEBYSCORE", "z", "10", "100"),
     ("ZREMRANGEBYRANK", "z", "0", "2"), ("ZPOPMAX", "z")],
    [("ZADD", "a", *members(200)), ("ZUNIONSTORE", "z", "1", "a", "WEIGHTS", "0.1"),
     ("ZREMRANGEBYRANK", "z", "50", "-1"), ("ZRANGESTORE", "z", "z", "0", "40")],
    [("ZADD", "a", "1", "a", "2", "b"), ("ZADD", "b", "1.5", "b", "3", "c"),
     ("ZINTERSTORE", "z", "2", "a", "b", "AGGREGATE", "MAX")],
    [("ZADD", "a", *members(20)), ("ZRANGESTORE", "z", "a", "15", "(3", "BYSCORE", "REV")],
]


@pytest.mark.parametrize("seq", range(len(SEQUENCES)))
def test_listpack_bytes_match_redis(redis_conn, seq):
    from pyengine.embedded import Engine
    engine = Engine()
    for cmd in SEQUENCES[seq]:
        redis_conn.call(*cmd)
        engine.execute(*cmd)
    assert redis_conn.call("OBJECT", "ENCODING", "z") == b"$8\r\nlistpack\r\n"
    assert ours(engine) == dump_listpack(redis_conn, "z")


def test_listpack_bytes_large_values(redis_conn):
    """Long members (12-bit and 32-bit string lengths) with a raised value limit."""
    from pyengine.embedded import Engine
    redis_conn.call("CONFIG", "SET", "zset-max-listpack-value", "100000")
    engine = Engine()
    engine.execute("CONFIG", "SET", "zset-max-listpack-value", "100000")
    for cmd in (("ZADD", "z", "1", "a" * 63, "2", "b" * 64, "3", "c" * 4095, "4", "d" * 4096,
                 "0.25", "e" * 70000),):
        redis_conn.call(*cmd)
        engine.execute(*cmd)
    assert redis_conn.call("OBJECT", "ENCODING", "z") == b"$8\r\nlistpack\r\n"
    assert ours(engine) == dump_listpack(redis_conn, "z")


def test_no_listpack_when_skiplist(redis_conn):
    from pyengine.embedded import Engine
    engine = Engine()
    engine.execute("ZADD", "z", *members(129))
    assert ours(engine) is None
    assert ours(engine, b"nokey") is None


_ms = st.sampled_from(["a", "b", "c", "1", "-1", "300", "70000", "", "m" * 20, "9223372036854775807"])
_sc = st.one_of(st.sampled_from(["0", "-0", "1", "1.5", "-3", "1e17", "inf", "-inf", "0.1",
                                 "4611686018427387904", "1e300", "127"]),
                st.floats(allow_nan=False, allow_infinity=False).map(repr))
_ops = st.lists(st.one_of(
    st.tuples(st.just("ZADD"), _sc, _ms),
    st.tuples(st.just("ZINCRBY"), _sc, _ms),
    st.tuples(st.just("ZREM"), _ms),
    st.tuples(st.just("ZPOPMIN")),
    st.tuples(st.just("ZPOPMAX"))), min_size=1, max_size=25)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(ops=_ops)
def test_listpack_bytes_random_ops(redis_conn, ops):
    from pyengine.embedded import Engine, ResponseError
    engine = Engine()
    redis_conn.call("DEL", "z")
    for op in ops:
        cmd = (op[0], "z") + op[1:]
        rr = redis_conn.call(*cmd)
        try:
            pr = engine.execute(*cmd)
        except ResponseError:
            assert rr.startswith(b"-")
            continue
        assert not rr.startswith(b"-")
    if redis_conn.call("OBJECT", "ENCODING", "z") == b"$8\r\nlistpack\r\n":
        assert ours(engine) == dump_listpack(redis_conn, "z")
    else:
        assert ours(engine) is None
        assert engine.execute("EXISTS", "z") == 0


# ---- ZSCAN --------------------------------------------------------------------------------------

@pytest.mark.parametrize("proto", [2, 3])
def test_zscan_listpack(diff, proto):
    diff.hello(proto)
    for i, s in enumerate(SCORES):
        diff("ZADD", "z", s, "m%d" % i)
    diff("ZADD", "z", "1", "10", "2", "-5", "3", "")
    assert enc(diff, "z") == "listpack"
    diff("ZSCAN", "z", "0")
    diff("ZSCAN", "z", "123")                  # any cursor: all of it, cursor 0
    diff("ZSCAN", "z", "0", "COUNT", "1")
    diff("ZSCAN", "z", "0", "MATCH", "m1*")
    diff("ZSCAN", "z", "0", "MATCH", "1*", "COUNT", "100")
    diff("ZSCAN", "z", "0", "MATCH", "*")
    diff("ZSCAN", "z", "0", "MATCH", "nomatch")
    diff("ZSCAN", "z", "0", "MATCH", "-?", "COUNT", "2", "MATCH", "m2?")
    diff("ZSCAN", "z", "-1")
    diff("ZSCAN", "z", "18446744073709551615")


@pytest.mark.parametrize("args", [
    ("x",), ("1.5",), ("-",), ("18446744073709551616",), (" 1",),
    ("0", "COUNT", "0"), ("0", "COUNT", "-1"), ("0", "COUNT", "x"), ("0", "COUNT"),
    ("0", "MATCH"), ("0", "TYPE", "zset"), ("0", "FOO", "bar"), ("0", "COUNT", "1", "MATCH"),
    ("0", "NOSCORES"),
])
def test_zscan_errors(diff, args):
    diff("ZADD", "z", "1", "a")
    diff("ZSCAN", "z", *args)
    diff("ZSCAN", "nokey", *args)          # the cursor is checked first, then the key


def test_zscan_wrongtype_and_missing(diff):
    diff("SET", "s", "x")
    diff("ZSCAN", "s", "0")
    diff("ZSCAN", "s", "x")
    diff("ZSCAN", "s", "0", "COUNT", "0")
    diff("ZSCAN", "nokey", "0")
    diff.hello(3)
    diff("ZSCAN", "nokey", "0", "COUNT", "0")
    diff("ZSCAN")
    diff("ZSCAN", "z")


def _full_scan(conn, key, *opts):
    cursor = b"0"
    pairs = []
    calls = 0
    while True:
        cursor, items = parse(conn.call("ZSCAN", key, cursor, *opts))
        pairs += list(zip(items[::2], items[1::2]))
        calls += 1
        if cursor == b"0":
            return pairs, calls


@pytest.mark.parametrize("opts", [(), ("COUNT", "5"), ("COUNT", "1000"), ("MATCH", "m1*"),
                                  ("MATCH", "*7", "COUNT", "3")])
def test_zscan_skiplist_full_iteration(diff, opts):
    args = []
    for i in range(700):
        args += [repr(i / 7 - 30), "m%d" % i]
    diff("ZADD", "z", *args)
    diff("ZADD", "z", "1e17", "big", "inf", "top", "-0", "negzero", "4611686018427387904", "huge")
    assert enc(diff, "z") == "skiplist"
    rp, rcalls = _full_scan(diff.r, "z", *opts)
    pp, pcalls = _full_scan(diff.p, "z", *opts)
    assert sorted(set(pp)) == sorted(set(rp))
    assert len(set(pp)) == len(pp)
    if not opts or opts[0] == "COUNT":
        assert len(pp) == 704
    if opts == ("COUNT", "1000"):
        assert pcalls == rcalls == 1


def test_zscan_skiplist_score_text(diff):
    """ZSCAN of a skiplist prints scores as "%.17Lg" (1e+17, -0), unlike the
    listpack's stored form (100000000000000000, 0)."""
    vals = ["1e17", "-0", "0.1", "inf", "-inf", "1.5", "4611686018427387904", "3", "1e-5"]
    diff("ZADD", "s", *[x for i, v in enumerate(vals) for x in (v, "k%d" % i)])
    diff("ZADD", "s", *members(130, prefix="pad"))
    diff("ZADD", "l", *[x for i, v in enumerate(vals) for x in (v, "k%d" % i)])
    assert enc(diff, "s") == "skiplist" and enc(diff, "l") == "listpack"
    for key in ("s", "l"):
        rp, _ = _full_scan(diff.r, key, "MATCH", "k*")
        pp, _ = _full_scan(diff.p, key, "MATCH", "k*")
        assert sorted(pp) == sorted(rp)
        assert len(pp) == len(vals)


def test_zscan_count_per_call(diff):
    diff("ZADD", "z", *members(100))
    diff("ZADD", "z", "1", "x" * 100)
    for count in ("1", "10", "50", "9223372036854775807"):
        r, p = diff.both("ZSCAN", "z", "0", "COUNT", count)
        rv, pv = parse(r), parse(p)
        assert len(pv[1]) >= min(2 * int(count), 202) or pv[0] == b"0"
        if count == "9223372036854775807":
            assert pv[0] == rv[0] == b"0" and len(pv[1]) == len(rv[1]) == 202


def test_zscan_command_metadata(diff):
    for name in ("zscan", "bzpopmin", "bzpopmax", "bzmpop"):
        diff("COMMAND", "INFO", name)
        diff("COMMAND", "DOCS", name)
    diff("COMMAND", "GETKEYS", "ZSCAN", "z", "0")
    diff("COMMAND", "GETKEYS", "BZPOPMIN", "a", "b", "0")
    diff("COMMAND", "GETKEYS", "BZMPOP", "0", "2", "a", "b", "MIN")
