"""Keyspace notifications against a real redis-server.

One connection subscribes to ``__key*@*__:*`` on each server, another runs
a command family, and the two message streams must be identical byte for
byte: the same events, named as Redis 7.0.15 names them, in the same order.
A marker PUBLISH ends each stream, so a missing or extra event shows as a
difference rather than a timeout. Sorted sets are not covered yet (their
events are wired when the zset listpack work lands); streams are not
implemented.
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


@pytest.mark.parametrize("family, commands", [
    ("strings", STRING_COMMANDS), ("bitops", BITOP_COMMANDS), ("keys", KEYS_COMMANDS),
    ("lists", LIST_COMMANDS), ("sets", SET_COMMANDS), ("hashes", HASH_COMMANDS),
])
@pytest.mark.parametrize("classes", ["KEA", "KA", "EA", "AKEn", "KEg", "KE$lsh"])
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
                    ("MSET", "a", "1", "b", "2"), ("DEL", "a", "b", "n")]:
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
