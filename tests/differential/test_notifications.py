"""Keyspace notifications against a real redis-server.

One connection subscribes to ``__key*@*__:*`` on each server, another runs
a command family, and the two message streams must be identical byte for
byte: the same events, named as Redis 7.0.15 names them, in the same order.
A marker PUBLISH ends each stream, so a missing or extra event shows as a
difference rather than a timeout. Every family that writes is covered:
strings, bitops, keys, lists, sets, hashes, sorted sets, SORT ... STORE,
streams (consumer groups included), and commands run from Lua scripts and
functions.
"""

import socket
import time

import pytest

from conftest import Differ
from helpers import RawConnection

MARKER_CHANNEL = "__keyevent@99__:zz-end-of-stream"


@pytest.fixture
def pair(redis_server, pyengine_server):
    made = []

    def new():
        d = Differ(redis_server.port, pyengine_server.port)
        made.append(d)
        return d
    yield new
    for d in made:
        d.close()


def send(d, *args):
    d.r.send_command(*args)
    d.p.send_command(*args)


def read(d):
    r, p = d.r.read_reply(), d.p.read_reply()
    assert p == r, "redis: %r\npyengine: %r" % (r, p)
    return r


def _drain(conn, timeout=5.0):
    """Messages until the marker (excluded)."""
    out = []
    conn.sock.settimeout(timeout)
    try:
        while True:
            msg = conn.read_reply()
            if MARKER_CHANNEL.encode() in msg:
                return out
            out.append(msg)
    except (socket.timeout, ConnectionError):
        out.append(b"<timeout: no marker>")
        return out
    finally:
        conn.sock.settimeout(10.0)


class Watch:
    """A subscriber to every keyspace/keyevent channel on both servers."""

    def __init__(self, pair, diff, classes, proto=2):
        self.diff = diff
        diff("CONFIG", "SET", "notify-keyspace-events", classes)
        self.sub = pair()
        self.sub.hello(proto)
        send(self.sub, "PSUBSCRIBE", "__key*@*__:*")
        read(self.sub)

    def events(self, ordered=True):
        """The messages received since the last call, identical on both (as
        multisets when not ``ordered``: active expiry samples keys in an
        order that depends on each server's hash seed)."""
        self.diff("PUBLISH", MARKER_CHANNEL, "end")
        r = _drain(self.sub.r)
        p = _drain(self.sub.p)
        if not ordered:
            r, p = sorted(r), sorted(p)
        assert p == r, "\n redis:    %s\n pyengine: %s" % (
            "\n           ".join(map(repr, r)), "\n           ".join(map(repr, p)))
        return r


@pytest.fixture
def watch(pair, diff):
    made = []

    def new(classes, proto=2):
        w = Watch(pair, diff, classes, proto)
        made.append(w)
        return w
    yield new
    diff("CONFIG", "SET", "notify-keyspace-events", "")
    diff("CONFIG", "SET", "maxmemory", "0")
    diff("CONFIG", "SET", "maxmemory-policy", "noeviction")
    diff("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def run(diff, *commands):
    for cmd in commands:
        diff(*cmd)


def event_names(msgs):
    """(channel, payload) pairs, for the assertions that an event is there."""
    from engine.resp import ReplyReader
    out = []
    for m in msgs:
        rd = ReplyReader()
        rd.feed(m)
        v = rd.gets()
        out.append((v[2], v[3]))
    return out


# ---- families ---------------------------------------------------------------------------------

STRING_COMMANDS = [
    ("SET", "s", "v"), ("SET", "s", "v2", "EX", "100"), ("SET", "s", "v3", "KEEPTTL"),
    ("SET", "s", "v4", "NX"), ("SET", "s", "v5", "XX", "PX", "100000"),
    ("SET", "s", "v6", "GET"), ("SET", "s", "v7", "EXAT", "4000000000"),
    ("SETNX", "s", "x"), ("SETNX", "s2", "x"), ("SETEX", "s3", "100", "x"),
    ("PSETEX", "s4", "100000", "x"), ("GETSET", "s", "gs"), ("GETSET", "newgs", "1"),
    ("MSET", "m1", "1", "m2", "2"), ("MSETNX", "m1", "1", "m3", "3"), ("MSETNX", "m4", "4"),
    ("INCR", "n"), ("DECR", "n"), ("INCRBY", "n", "5"), ("DECRBY", "n", "2"),
    ("INCRBYFLOAT", "f", "1.5"), ("INCRBYFLOAT", "f", "x"), ("INCR", "s"),
    ("APPEND", "a", "x"), ("APPEND", "a", "y"), ("SETRANGE", "r", "3", "abc"),
    ("SETRANGE", "r", "0", "Z"), ("SETRANGE", "r", "0", ""), ("SETRANGE", "r2", "0", ""),
    ("GETDEL", "m2"), ("GETDEL", "m2"), ("GETEX", "m1", "EX", "100"), ("GETEX", "m1", "PERSIST"),
    ("GETEX", "m1", "PERSIST"), ("GETEX", "m1"), ("GETEX", "m1", "PXAT", "1"),
    ("GETEX", "missing", "EX", "10"), ("STRLEN", "s"), ("GETRANGE", "s", "0", "1"),
    ("LCS", "s", "a"),
]

BITOP_COMMANDS = [
    ("SETBIT", "b", "7", "1"), ("SETBIT", "b", "7", "1"), ("SETBIT", "b", "100", "0"),
    ("BITFIELD", "bf", "SET", "u8", "0", "255"), ("BITFIELD", "bf", "INCRBY", "u8", "0", "0"),
    ("BITFIELD", "bf", "GET", "u8", "0"), ("BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1"),
    ("BITFIELD_RO", "bf", "GET", "u4", "0"),
    ("SET", "x1", "abc"), ("SET", "x2", "abd"), ("BITOP", "AND", "dst", "x1", "x2"),
    ("BITOP", "OR", "dst", "nope1", "nope2"), ("BITOP", "OR", "dst", "nope1", "nope2"),
    ("BITCOUNT", "b"), ("BITPOS", "b", "1"), ("GETBIT", "b", "7"),
]

KEYS_COMMANDS = [
    ("SET", "k1", "v"), ("SET", "k2", "v"), ("SET", "k3", "v"), ("DEL", "k1", "nope", "k2"),
    ("UNLINK", "k3", "k3"), ("SET", "a", "1"), ("RENAME", "a", "b"), ("SET", "c", "3"),
    ("RENAME", "b", "c"), ("RENAME", "c", "c"), ("RENAMENX", "c", "d"), ("SET", "e", "5"),
    ("RENAMENX", "d", "e"), ("MOVE", "d", "1"), ("MOVE", "e", "1"), ("SET", "e", "6"),
    ("MOVE", "e", "1"), ("COPY", "e", "f"), ("COPY", "e", "f"), ("COPY", "e", "f", "REPLACE"),
    ("COPY", "e", "g", "DB", "2"), ("EXPIRE", "f", "100"), ("EXPIRE", "f", "100", "NX"),
    ("PEXPIRE", "f", "100000", "XX"), ("EXPIREAT", "f", "4000000000"),
    ("PEXPIREAT", "f", "4000000000000", "GT"), ("PERSIST", "f"), ("PERSIST", "f"),
    ("EXPIRE", "nope", "10"), ("EXPIRE", "f", "-1"), ("SET", "g", "1"),
    ("EXPIREAT", "g", "1"), ("SET", "h", "1"), ("PEXPIRE", "h", "0"), ("TOUCH", "e", "x"),
    ("TYPE", "e"), ("EXISTS", "e"), ("SWAPDB", "0", "1"), ("SWAPDB", "0", "1"),
    ("FLUSHDB",), ("SET", "z", "1"), ("FLUSHALL",),
]

LIST_COMMANDS = [
    ("LPUSH", "l", "a", "b"), ("RPUSH", "l", "c"), ("LPUSHX", "l", "d"), ("RPUSHX", "nol", "x"),
    ("LPUSHX", "nol", "x"), ("LSET", "l", "0", "D"), ("LSET", "l", "10", "x"),
    ("LINSERT", "l", "BEFORE", "c", "bc"), ("LINSERT", "l", "AFTER", "nothere", "x"),
    ("LREM", "l", "0", "bc"), ("LREM", "l", "0", "nothere"), ("LTRIM", "l", "0", "-1"),
    ("LTRIM", "l", "1", "2"), ("LPOP", "l"), ("RPOP", "l"), ("RPUSH", "l", "1", "2", "3"),
    ("LPOP", "l", "2"), ("RPOP", "l", "5"), ("LPOP", "l"), ("RPUSH", "src", "1", "2"),
    ("LMOVE", "src", "dst", "LEFT", "RIGHT"), ("RPOPLPUSH", "src", "dst"),
    ("RPOPLPUSH", "dst", "dst"), ("LMOVE", "nope", "dst", "LEFT", "LEFT"),
    ("LMPOP", "2", "nope", "dst", "RIGHT", "COUNT", "10"), ("RPUSH", "l", "x", "y", "z"),
    ("LTRIM", "l", "5", "10"), ("RPUSH", "l", "x", "x", "y"), ("LREM", "l", "0", "x"),
    ("BLPOP", "nope", "l", "0"), ("RPUSH", "l", "y"), ("LREM", "l", "0", "y"), ("RPUSH", "l", "q"),
    ("BRPOP", "l", "0"), ("RPUSH", "l", "q", "r"), ("BLMOVE", "l", "l2", "RIGHT", "LEFT", "0"),
    ("BRPOPLPUSH", "l", "l2", "0"), ("BLMPOP", "0", "1", "l2", "LEFT", "COUNT", "5"),
    ("LRANGE", "l", "0", "-1"), ("LLEN", "l"), ("LINDEX", "l", "0"), ("LPOS", "l", "x"),
]

SET_COMMANDS = [
    ("SADD", "s", "a", "b", "c"), ("SADD", "s", "a"), ("SADD", "i", "1", "2", "3"),
    ("SREM", "s", "a", "nope"), ("SREM", "s", "nope"), ("SREM", "i", "1", "2", "3"),
    ("SADD", "s2", "x"), ("SMOVE", "s", "s2", "b"), ("SMOVE", "s", "s2", "nope"),
    ("SMOVE", "s2", "s3", "x"), ("SMOVE", "s2", "s3", "b"), ("SMOVE", "s3", "s3", "x"),
    ("SADD", "p", "1"), ("SPOP", "p"), ("SPOP", "p"), ("SADD", "p", "a"), ("SPOP", "p"),
    ("SADD", "p", "1", "2", "3"), ("SPOP", "p", "0"), ("SPOP", "p", "5"),
    ("SADD", "a1", "1", "2", "3"), ("SADD", "a2", "2", "3", "4"),
    ("SINTERSTORE", "d", "a1", "a2"), ("SUNIONSTORE", "d", "a1", "a2"),
    ("SDIFFSTORE", "d", "a1", "a2"), ("SDIFFSTORE", "d", "a1", "a1"),
    ("SDIFFSTORE", "d", "a1", "a1"), ("SINTERSTORE", "d2", "a1", "nope"),
    ("SADD", "d2", "z"), ("SINTERSTORE", "d2", "a1", "nope"), ("SUNIONSTORE", "d3", "n1", "n2"),
    ("SADD", "d3", "z"), ("SUNIONSTORE", "d3", "n1", "n2"), ("SINTERCARD", "2", "a1", "a2"),
    ("SMEMBERS", "a1"), ("SISMEMBER", "a1", "1"), ("SCARD", "a1"),
]

HASH_COMMANDS = [
    ("HSET", "h", "a", "1", "b", "2"), ("HSET", "h", "a", "1"), ("HMSET", "h", "c", "3"),
    ("HSETNX", "h", "a", "x"), ("HSETNX", "h", "d", "4"), ("HSETNX", "h2", "a", "1"),
    ("HDEL", "h", "a", "nope"), ("HDEL", "h", "nope"), ("HINCRBY", "h", "n", "5"),
    ("HINCRBY", "h", "b", "1"), ("HINCRBYFLOAT", "h", "f", "1.5"), ("HINCRBY", "hnew", "n", "1"),
    ("HDEL", "h2", "a"), ("HDEL", "h", "b", "c", "d", "n", "f"), ("HGET", "h", "a"),
    ("HGETALL", "hnew"), ("HLEN", "hnew"),
]


ZSET_COMMANDS = [
    ("ZADD", "z", "1", "a", "2", "b", "3", "c"), ("ZADD", "z", "1", "a"),          # no change: none
    ("ZADD", "z", "XX", "5", "a"), ("ZADD", "z", "INCR", "2", "a"), ("ZINCRBY", "z", "1", "b"),
    ("ZADD", "z", "GT", "CH", "0", "a"), ("ZADD", "z", "LT", "0", "a"),
    ("ZADD", "z", "INCR", "GT", "-1", "a"), ("ZADD", "z", "NX", "XX", "1", "a"),
    ("ZADD", "nz", "XX", "1", "a"), ("ZINCRBY", "zi", "1", "new"),
    ("ZREM", "z", "a", "nope"), ("ZREM", "z", "nope"), ("ZREM", "nz", "a"),
    ("ZREMRANGEBYSCORE", "z", "100", "200"), ("ZREMRANGEBYSCORE", "z", "0", "2"),
    ("ZREMRANGEBYRANK", "z", "5", "9"), ("ZREMRANGEBYRANK", "z", "0", "0"),
    ("ZADD", "z", "0", "x", "0", "y", "0", "w"), ("ZREMRANGEBYLEX", "z", "[x", "[y"),
    ("ZREMRANGEBYLEX", "z", "-", "+"), ("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"),
    ("ZPOPMIN", "z"), ("ZPOPMAX", "z"), ("ZPOPMAX", "z", "0"), ("ZPOPMIN", "z", "5"),
    ("ZPOPMIN", "z"), ("ZADD", "z1", "1", "a", "2", "b"), ("ZADD", "z2", "2", "b", "3", "c"),
    ("ZUNIONSTORE", "d", "2", "z1", "z2"), ("ZINTERSTORE", "d", "2", "z1", "z2"),
    ("ZDIFFSTORE", "d", "2", "z1", "z2"), ("ZDIFFSTORE", "d", "2", "z1", "z1"),
    ("ZDIFFSTORE", "d", "2", "z1", "z1"), ("ZINTERSTORE", "d", "2", "z1", "nope"),
    ("SADD", "set", "a", "q"), ("ZUNIONSTORE", "d", "2", "z1", "set"),
    ("ZRANGESTORE", "r", "z1", "0", "-1"), ("ZRANGESTORE", "r", "z1", "5", "6"),
    ("ZRANGESTORE", "r", "z1", "5", "6"), ("ZRANGESTORE", "r", "z1", "(1", "+inf", "BYSCORE"),
    ("ZMPOP", "1", "z1", "MIN"), ("ZMPOP", "2", "nope", "z1", "MAX", "COUNT", "10"),
    ("ZMPOP", "1", "z1", "MIN"), ("BZPOPMIN", "z2", "0"), ("ZADD", "z3", "1", "a", "2", "b"),
    ("BZPOPMAX", "nope", "z3", "0"), ("BZMPOP", "0", "1", "z3", "MIN", "COUNT", "5"),
    ("ZADD", "big", "1", "a", "2", "b", "3", "c"), ("ZREMRANGEBYRANK", "big", "0", "-1"),
    ("ZADD", "big", "1", "a", "2", "b"), ("ZREMRANGEBYSCORE", "big", "-inf", "+inf"),
    ("ZADD", "w", "1", "a"), ("ZREM", "w", "a", "b"),
    ("ZSCORE", "z2", "c"), ("ZRANGE", "z2", "0", "-1"), ("ZCARD", "z2"), ("ZUNION", "1", "z2"),
]

SORT_COMMANDS = [
    ("RPUSH", "l", "3", "1", "2"), ("SORT", "l", "STORE", "d"), ("SORT", "l", "STORE", "d"),
    ("SORT", "nope", "STORE", "d"), ("SORT", "nope", "STORE", "d"), ("SADD", "s", "b", "a"),
    ("SORT", "s", "ALPHA", "STORE", "d2"), ("ZADD", "z", "1", "x", "2", "y"),
    ("SORT", "z", "BY", "nosort", "STORE", "d3"), ("SET", "w_1", "5"), ("SET", "w_2", "1"),
    ("SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*", "STORE", "d4"),
    ("SORT", "l", "LIMIT", "5", "5", "STORE", "d4"), ("SET", "str", "x"),
    ("SORT", "l", "STORE", "str"), ("SORT", "l", "BY", "w_*"), ("SORT_RO", "l"),
]

STREAM_COMMANDS = [
    ("XADD", "s", "1-1", "f", "v"), ("XADD", "s", "1-2", "f", "v"),
    ("XADD", "s", "NOMKSTREAM", "1-3", "f", "v"), ("XADD", "nos", "NOMKSTREAM", "1-3", "f", "v"),
    ("XADD", "s", "1-1", "f", "v"), ("XADD", "s", "MAXLEN", "2", "2-1", "f", "v"),
    ("XADD", "s", "MAXLEN", "5", "2-2", "f", "v"), ("XADD", "s", "MINID", "0", "2-3", "f", "v"),
    ("XTRIM", "s", "MAXLEN", "10"), ("XTRIM", "s", "MAXLEN", "2"), ("XTRIM", "nos", "MAXLEN", "2"),
    ("XDEL", "s", "1-1"), ("XDEL", "s", "2-2"), ("XDEL", "s", "2-3", "9-9"), ("XDEL", "nos", "1-1"),
    ("XGROUP", "CREATE", "s", "g", "0"), ("XGROUP", "CREATE", "s", "g", "0"),
    ("XGROUP", "CREATE", "s2", "g", "$", "MKSTREAM"), ("XGROUP", "CREATE", "s3", "g", "$"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "alice"), ("XGROUP", "CREATECONSUMER", "s", "g", "alice"),
    ("XGROUP", "SETID", "s", "g", "0"), ("XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "1"),
    ("XADD", "s", "3-1", "a", "1"), ("XADD", "s", "3-2", "a", "2"),
    ("XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "bob", "COUNT", "1", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "carol", "STREAMS", "s", "0"),
    ("XREADGROUP", "GROUP", "g", "carol", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "dave", "NOACK", "STREAMS", "s", "0-0"),
    ("XGROUP", "SETID", "s", "g", "0"),
    ("XREADGROUP", "GROUP", "g", "erin", "COUNT", "2", "STREAMS", "s", ">"),
    ("XCLAIM", "s", "g", "frank", "0", "3-1"), ("XCLAIM", "s", "g", "frank", "0", "3-1"),
    ("XCLAIM", "s", "g", "gina", "0", "9-9"), ("XCLAIM", "s", "g", "hank", "0", "3-2", "JUSTID"),
    ("XAUTOCLAIM", "s", "g", "ivan", "0", "0"), ("XAUTOCLAIM", "s", "g", "jack", "0", "9-9"),
    ("XACK", "s", "g", "3-1"), ("XGROUP", "DELCONSUMER", "s", "g", "alice"),
    ("XGROUP", "DELCONSUMER", "s", "g", "nobody"), ("XGROUP", "DESTROY", "s", "g"),
    ("XGROUP", "DESTROY", "s", "g"), ("XSETID", "s", "9-9"),
    ("XSETID", "s", "9-9", "ENTRIESADDED", "100", "MAXDELETEDID", "1-1"), ("XSETID", "nos", "9-9"),
    ("XADD", "e", "1-1", "a", "1"), ("XDEL", "e", "1-1"), ("XTRIM", "e", "MAXLEN", "0"),
    ("XLEN", "e"), ("XRANGE", "s", "-", "+"), ("DEL", "s"),
]


@pytest.mark.parametrize("family, commands", [
    ("strings", STRING_COMMANDS), ("bitops", BITOP_COMMANDS), ("keys", KEYS_COMMANDS),
    ("lists", LIST_COMMANDS), ("sets", SET_COMMANDS), ("hashes", HASH_COMMANDS),
    ("zsets", ZSET_COMMANDS), ("sort", SORT_COMMANDS), ("streams", STREAM_COMMANDS),
])
@pytest.mark.parametrize("classes", ["KEA", "KA", "EA", "AKEn", "KEg", "KE$lsh", "KEzt", "Eltn"])
def test_command_family_events(watch, diff, family, commands, classes):
    w = watch(classes)
    run(diff, *commands)
    msgs = w.events()
    if classes in ("KEA", "AKEn"):
        assert msgs, "no events at all"


def test_events_in_other_databases(watch, diff):
    w = watch("KEA")
    run(diff, ("SELECT", "5"), ("SET", "k", "v"), ("LPUSH", "l", "x"), ("MOVE", "k", "6"),
        ("SELECT", "6"), ("RENAME", "k", "k2"), ("COPY", "k2", "k3", "DB", "0"),
        ("SELECT", "0"), ("DEL", "k3"))
    w.events()


def test_new_events(watch, diff):
    w = watch("En")
    run(diff, ("SET", "foo", "bar"), ("SET", "foo", "baz"), ("SET", "bar", "bar"),
        ("LPUSH", "l", "a"), ("LPUSH", "l", "b"), ("SADD", "s", "1"), ("HSET", "h", "f", "v"),
        ("INCR", "n"), ("APPEND", "ap", "x"), ("SETBIT", "bit", "1", "1"),
        ("RENAME", "foo", "foo2"), ("RENAME", "foo2", "bar"), ("COPY", "bar", "cp"),
        ("MOVE", "cp", "3"), ("SETRANGE", "sr", "2", "x"), ("LMOVE", "l", "l2", "LEFT", "LEFT"),
        ("SMOVE", "s", "s2", "1"), ("SUNIONSTORE", "su", "s2"), ("BITOP", "NOT", "bn", "bit"),
        ("MSET", "m1", "1", "m2", "2", "m1", "3"), ("HINCRBYFLOAT", "hf", "f", "1"))
    msgs = event_names(w.events())
    assert (b"__keyevent@0__:new", b"foo") in msgs


def test_new_events_sorted_sets_streams_sort(watch, diff):
    """Every way a sorted set, a stream or a SORT result comes to exist."""
    w = watch("En")
    run(diff, ("ZADD", "z", "1", "a"), ("ZADD", "z", "2", "b"), ("ZADD", "zx", "XX", "1", "a"),
        ("ZINCRBY", "zi", "1", "m"), ("ZUNIONSTORE", "zu", "1", "z"), ("ZUNIONSTORE", "zu", "1", "z"),
        ("ZINTERSTORE", "zn", "1", "z"), ("ZDIFFSTORE", "zd", "1", "z"),
        ("ZRANGESTORE", "zr", "z", "0", "0"), ("ZUNIONSTORE", "ze", "1", "nope"),
        ("XADD", "s", "1-1", "f", "v"), ("XADD", "s", "1-2", "f", "v"),
        ("XADD", "sn", "NOMKSTREAM", "1-1", "f", "v"), ("XGROUP", "CREATE", "sg", "g", "$", "MKSTREAM"),
        ("RPUSH", "l", "b", "a"), ("SORT", "l", "ALPHA", "STORE", "sl"),
        ("SORT", "l", "ALPHA", "STORE", "sl"), ("SORT", "nope", "STORE", "se"),
        ("COPY", "z", "zc"), ("COPY", "s", "sc"), ("RENAME", "zc", "zc2"), ("MOVE", "sc", "2"),
        ("EVAL", "redis.call('zadd', KEYS[1], 1, 'a'); return redis.call('xadd', KEYS[2], '1-1', 'f', 'v')",
         "2", "ez", "es"))
    msgs = event_names(w.events())
    assert (b"__keyevent@0__:new", b"zi") in msgs
    assert (b"__keyevent@0__:new", b"sg") in msgs


def test_keymiss_events(watch, diff):
    w = watch("KEm")
    run(diff, ("GET", "nope"), ("MGET", "a", "b"), ("EXISTS", "x", "y"), ("TYPE", "t"),
        ("TTL", "t"), ("PTTL", "t"), ("EXPIRETIME", "t"), ("STRLEN", "t"), ("GETRANGE", "t", "0", "1"),
        ("HGET", "h", "f"), ("HGETALL", "h"), ("HLEN", "h"), ("LRANGE", "l", "0", "-1"),
        ("LLEN", "l"), ("LINDEX", "l", "0"), ("SMEMBERS", "s"), ("SCARD", "s"),
        ("SISMEMBER", "s", "m"), ("SINTER", "s", "s2"), ("SUNION", "a", "b"),
        ("OBJECT", "ENCODING", "o"), ("TOUCH", "t"), ("GETBIT", "b", "0"), ("BITCOUNT", "b"),
        ("SET", "k", "v", "GET"), ("GETSET", "gs", "v"), ("GETDEL", "gd"),
        ("LCS", "a", "b"), ("SRANDMEMBER", "s"), ("HRANDFIELD", "h"), ("COPY", "nope", "x"),
        ("RENAME", "nope", "x"), ("INCR", "counter"), ("LPUSH", "list", "x"), ("DEL", "gone"))
    w.events()


def test_keymiss_events_sorted_sets_streams_sort(watch, diff):
    w = watch("KEm")
    run(diff, ("ZSCORE", "nz", "a"), ("ZRANGE", "nz", "0", "-1"), ("ZRANGEBYSCORE", "nz", "0", "1"),
        ("ZCARD", "nz"), ("ZMSCORE", "nz", "a"), ("ZRANK", "nz", "a"), ("ZRANDMEMBER", "nz"),
        ("ZSCAN", "nz", "0"), ("ZUNION", "2", "nz", "nz2"), ("ZINTERCARD", "1", "nz"),
        ("ZDIFF", "1", "nz"), ("ZCOUNT", "nz", "0", "1"), ("ZLEXCOUNT", "nz", "-", "+"),
        ("ZPOPMIN", "nz"), ("ZREM", "nz", "a"), ("ZMPOP", "1", "nz", "MIN"),
        ("ZRANGESTORE", "d", "nz", "0", "-1"), ("ZUNIONSTORE", "d", "1", "nz"),
        ("XRANGE", "ns", "-", "+"), ("XREVRANGE", "ns", "+", "-"), ("XLEN", "ns"),
        ("XREAD", "STREAMS", "ns", "0"), ("XINFO", "STREAM", "ns"), ("XPENDING", "ns", "g"),
        ("XDEL", "ns", "1-1"), ("XTRIM", "ns", "MAXLEN", "1"), ("XACK", "ns", "g", "1-1"),
        ("SORT", "ns"), ("SORT_RO", "ns"), ("RPUSH", "l", "1", "2"),
        ("SORT", "l", "BY", "w_*", "GET", "h_*->f", "GET", "#"))
    w.events()


def test_keymiss_disabled_without_m(watch, diff):
    w = watch("KEA")
    run(diff, ("GET", "nope"), ("HGET", "h", "f"))
    assert w.events() == []


def test_resp3_subscriber(watch, diff):
    w = watch("KEA", proto=3)
    run(diff, ("SET", "k", "v"), ("LPUSH", "l", "a"), ("DEL", "k", "l"))
    w.events()


def test_self_notification_order_resp3(pair, diff):
    """A RESP3 client subscribed to its own keyspace events: each push comes
    where Redis puts it relative to the command's reply."""
    diff("CONFIG", "SET", "notify-keyspace-events", "KEA")
    try:
        c = pair()
        c.hello(3)
        send(c, "PSUBSCRIBE", "__keyspace@0__:*")
        read(c)
        for cmd in [("SET", "k", "v"), ("EXPIRE", "k", "100"), ("PERSIST", "k"),
                    ("GETEX", "k", "EX", "50"), ("GETDEL", "k"), ("LPUSH", "l", "a", "b"),
                    ("LSET", "l", "0", "x"), ("LPOP", "l"), ("RPOP", "l"), ("SADD", "s", "a"),
                    ("SPOP", "s"), ("HSET", "h", "f", "1"), ("HINCRBY", "h", "f", "2"),
                    ("HDEL", "h", "f"), ("INCR", "n"), ("APPEND", "n", "1"),
                    ("MSET", "a", "1", "b", "2"), ("DEL", "a", "b", "n"),
                    # pops: the event after the reply's headers, before the elements
                    ("ZADD", "z", "1", "a", "2", "b", "3", "c"), ("ZINCRBY", "z", "1", "a"),
                    ("ZPOPMIN", "z"), ("ZPOPMAX", "z", "1"), ("ZREM", "z", "a"),
                    ("ZADD", "z", "1", "a", "2", "b"), ("ZMPOP", "1", "z", "MIN", "COUNT", "5"),
                    ("ZADD", "z", "1", "a", "2", "b"), ("BZPOPMAX", "z", "0"),
                    ("BZMPOP", "0", "1", "z", "MAX"), ("ZADD", "z", "1", "a"),
                    ("ZREMRANGEBYSCORE", "z", "0", "5"), ("ZADD", "z", "1", "a"),
                    ("ZUNIONSTORE", "z2", "1", "z"), ("ZRANGESTORE", "z3", "z", "0", "-1"),
                    ("ZRANGESTORE", "z3", "z", "5", "6"), ("RPUSH", "l", "b", "a"),
                    ("SORT", "l", "ALPHA", "STORE", "sl"), ("SORT", "nope", "STORE", "sl"),
                    ("XADD", "s", "1-1", "f", "v"), ("XADD", "s", "MAXLEN", "1", "1-2", "f", "v"),
                    ("XGROUP", "CREATE", "s", "g", "0"),
                    # the consumer is created after the stream's name is in the reply
                    ("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"),
                    ("XGROUP", "SETID", "s", "g", "0"),
                    ("XCLAIM", "s", "g", "c2", "0", "1-2"),
                    ("XAUTOCLAIM", "s", "g", "c3", "0", "0"), ("XDEL", "s", "1-2"),
                    ("XSETID", "s", "5-0"), ("XGROUP", "DELCONSUMER", "s", "g", "c1"),
                    ("XGROUP", "DESTROY", "s", "g"), ("DEL", "s", "z", "z2", "l", "sl"),
                    ("EVAL", "redis.call('set', KEYS[1], 'v'); return redis.call('del', KEYS[1])",
                     "1", "k")]:
            send(c, *cmd)
            # the reply and every push it brought, in order, up to a PING's echo
            send(c, "PING", "sync")
            while True:
                if read(c).endswith(b"sync\r\n"):
                    break
    finally:
        diff("CONFIG", "SET", "notify-keyspace-events", "")


# ---- expiry and eviction ------------------------------------------------------------------------

def test_expired_event_lazy(watch, diff):
    w = watch("KEA")
    diff("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    run(diff, ("SET", "e1", "v", "PX", "20"), ("SET", "e2", "v", "PX", "20"),
        ("HSET", "e3", "f", "v"), ("PEXPIRE", "e3", "20"), ("RPUSH", "e4", "a"),
        ("PEXPIRE", "e4", "20"))
    time.sleep(0.1)
    run(diff, ("GET", "e1"), ("SET", "e2", "new"), ("HGET", "e3", "f"), ("LPUSH", "e4", "b"))
    msgs = event_names(w.events())
    assert (b"__keyevent@0__:expired", b"e1") in msgs


def test_expired_event_active(watch, diff):
    w = watch("Ex")
    run(diff, ("SET", "a1", "v", "PX", "30"), ("SET", "a2", "v", "PX", "30"))
    deadline = time.time() + 5
    while time.time() < deadline:
        r, p = diff.both("DBSIZE")
        if r == p == b":0\r\n":
            break
        time.sleep(0.05)
    msgs = event_names(w.events(ordered=False))
    assert sorted(msgs) == [(b"__keyevent@0__:expired", b"a1"), (b"__keyevent@0__:expired", b"a2")]


def test_evicted_event(watch, diff):
    w = watch("Ee")
    run(diff, ("CONFIG", "SET", "maxmemory-policy", "allkeys-lru"), ("SET", "foo", "bar"),
        ("CONFIG", "SET", "maxmemory", "1"), ("CONFIG", "SET", "maxmemory", "0"))
    assert event_names(w.events()) == [(b"__keyevent@0__:evicted", b"foo")]


# ---- configuration --------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "", "K", "E", "A", "KEA", "AKE", "gKE", "$lshzxeKE", "KA", "EA", "Km", "En", "Ad",
    "KEgn", "KEAmn", "AmnKE", "ztxed", "g$lshzxetdn", "g$lshzxetd", "lllKKK",
])
def test_config_get_canonical(diff, value):
    try:
        diff("CONFIG", "SET", "notify-keyspace-events", value)
        diff("CONFIG", "GET", "notify-keyspace-events")
    finally:
        diff("CONFIG", "SET", "notify-keyspace-events", "")


@pytest.mark.parametrize("value", ["KEQ", "B", "kea", " K", "K\x00A"])
def test_config_set_errors(diff, value):
    try:
        diff("CONFIG", "SET", "notify-keyspace-events", value)
        diff("CONFIG", "GET", "notify-keyspace-events")
    finally:
        diff("CONFIG", "SET", "notify-keyspace-events", "")


def test_classes_without_k_or_e_publish_nothing(watch, diff):
    w = watch("A")
    run(diff, ("SET", "k", "v"), ("DEL", "k"))
    assert w.events() == []


def test_notifications_inside_multi(watch, diff):
    w = watch("KEA")
    run(diff, ("MULTI",), ("SET", "k", "v"), ("LPUSH", "l", "a"), ("DEL", "k"), ("EXEC",))
    w.events()


def test_blocked_client_served_events(watch, pair, diff):
    """BLPOP served by another client's push: the push's events, then the
    pop and the deletion, as Redis orders them."""
    w = watch("KEA")
    b = pair()
    send(b, "BLPOP", "bl", "0")
    time.sleep(0.1)
    diff("RPUSH", "bl", "x")
    read(b)
    send(b, "BLMOVE", "bl2", "dst", "LEFT", "RIGHT", "0")
    time.sleep(0.1)
    diff("LPUSH", "bl2", "y", "z")
    read(b)
    w.events()


def test_blocked_sorted_set_and_stream_readers_served_events(watch, pair, diff):
    """Clients blocked in BZPOPMIN/BZMPOP/XREADGROUP, served by another
    client's write (in a transaction too): the write's events, then the
    pop (and del) or the consumer creation, in Redis's order."""
    w = watch("KEA")
    b = pair()
    for setup, block, writes in [
            ([], ("BZPOPMIN", "k", "0"), [("ZADD", "k", "1", "a")]),
            ([], ("BZPOPMAX", "k2", "k", "0"), [("ZADD", "k", "1", "a", "2", "b")]),
            ([], ("BZMPOP", "0", "2", "k3", "k4", "MAX", "COUNT", "3"),
             [("MULTI",), ("ZADD", "k4", "1", "a", "2", "b"), ("ZADD", "k4", "3", "c"), ("EXEC",)]),
            ([], ("XREAD", "BLOCK", "0", "STREAMS", "s", "$"), [("XADD", "s", "1-1", "f", "v")]),
            ([("XGROUP", "CREATE", "s", "g", "$")],      # alice is created when served
             ("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"),
             [("XADD", "s", "1-2", "f", "v")]),
            ([("XGROUP", "CREATECONSUMER", "s", "g", "bob")],
             ("XREADGROUP", "GROUP", "g", "bob", "BLOCK", "0", "STREAMS", "s", ">"),
             [("XADD", "s", "1-3", "f", "v")]),
            ([], ("XREADGROUP", "GROUP", "g", "carol", "BLOCK", "0", "STREAMS", "s", ">"),
             [("XGROUP", "DESTROY", "s", "g")])]:
        run(diff, *setup)
        send(b, *block)
        time.sleep(0.1)
        run(diff, *writes)
        read(b)
        w.events()


def test_script_and_function_events(watch, diff):
    """Commands run from Lua (EVAL, EVALSHA, FCALL) notify as when sent by
    a client, errors and pcall included."""
    lib = ("#!lua name=evlib\n"
           "redis.register_function('pushz', function(keys, args) "
           "redis.call('zadd', keys[1], 1, args[1]); return redis.call('zpopmin', keys[1]) end)\n"
           "redis.register_function{function_name='ro', callback=function(keys) "
           "return redis.call('get', keys[1]) end, flags={'no-writes'}}")
    w = watch("KEAm")
    try:
        run(diff,
            ("EVAL", "redis.call('set', KEYS[1], 'v'); redis.call('lpush', KEYS[2], 'a'); "
                     "redis.call('del', KEYS[1]); return 1", "2", "k", "l"),
            ("EVAL", "redis.call('zadd', KEYS[1], 1, 'a', 2, 'b'); redis.call('zrem', KEYS[1], 'a', 'b'); "
                     "return redis.call('xadd', KEYS[2], '1-1', 'f', 'v')", "2", "z", "s"),
            ("EVAL", "return redis.call('get', 'missing')", "0"),
            ("EVAL", "redis.call('incr', KEYS[1]); return redis.call('hset', KEYS[1], 'f', 'v')",
             "1", "cnt"),
            ("EVAL", "redis.pcall('incr', KEYS[1]); redis.call('expire', KEYS[1], 100); return 1",
             "1", "cnt"),
            ("EVAL", "redis.call('sort', KEYS[1], 'store', KEYS[2]); return 1", "2", "l", "sorted"),
            ("FUNCTION", "LOAD", "REPLACE", lib), ("FCALL", "pushz", "1", "fz", "m"),
            ("FCALL_RO", "ro", "1", "missing2"))
        sha = diff("SCRIPT", "LOAD", "return redis.call('rpush', KEYS[1], ARGV[1])")
        diff("EVALSHA", sha.split(b"\r\n")[1].decode(), "1", "x", "y")
        w.events()
    finally:
        diff("FUNCTION", "FLUSH")
