"""Pub/Sub against a real redis-server: SUBSCRIBE / PSUBSCRIBE / SSUBSCRIBE,
PUBLISH / SPUBLISH, PUBSUB introspection, RESP2 and RESP3 (push) message
shapes, subscribed-mode restrictions, MULTI, RESET, disconnects, CLIENT
LIST / INFO fields. Every reply and every message is compared byte for
byte; where Redis's order comes from a hash table (several patterns
matching one channel, UNSUBSCRIBE without arguments over several channels,
PUBSUB CHANNELS) the multiset is compared instead."""

import re
import time

import pytest

from conftest import Differ
from engine.resp import ReplyReader


@pytest.fixture
def pair(redis_server, pyengine_server):
    """Factory of extra connection pairs (one to each server)."""
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


def read_n_unordered(d, n):
    """n replies from each server, compared as multisets."""
    r = sorted(d.r.read_reply() for _ in range(n))
    p = sorted(d.p.read_reply() for _ in range(n))
    assert p == r, "redis: %r\npyengine: %r" % (r, p)
    return r


def call(d, *args):
    send(d, *args)
    return read(d)


def parse(raw):
    rd = ReplyReader()
    rd.feed(raw)
    return rd.gets()


def settle():
    time.sleep(0.05)


def nothing_pending(d, wait=0.1):
    """Neither server sent anything more on this connection pair."""
    for conn in (d.r, d.p):
        conn.sock.settimeout(wait)
        try:
            data = conn.sock.recv(65536)
        except OSError:
            data = b""
        finally:
            conn.sock.settimeout(10.0)
        assert data == b"" and conn.buf == b"", "unexpected bytes %r" % (conn.buf + data)


# ---- SUBSCRIBE / PUBLISH ---------------------------------------------------------------------

@pytest.mark.parametrize("proto", [2, 3])
def test_subscribe_publish_basics(pair, proto):
    sub, pub = pair(), pair()
    sub.hello(proto)
    send(sub, "SUBSCRIBE", "news", "weather")
    read(sub)
    read(sub)
    call(pub, "PUBLISH", "news", "hello")
    read(sub)
    call(pub, "PUBLISH", "weather", "")
    read(sub)
    call(pub, "PUBLISH", "nobody", "x")             # 0 receivers
    call(pub, "PUBLISH", "news", b"bin\x00\r\nary")
    read(sub)
    send(sub, "SUBSCRIBE", "news")                    # again: no new subscription
    read(sub)
    call(pub, "PUBLISH", "news", "once")              # delivered once
    read(sub)
    send(sub, "UNSUBSCRIBE", "weather", "never")
    read(sub)
    read(sub)
    call(pub, "PUBLISH", "weather", "lost")
    send(sub, "UNSUBSCRIBE")
    read(sub)
    send(sub, "UNSUBSCRIBE")                          # nothing left: null channel
    read(sub)
    nothing_pending(sub)


@pytest.mark.parametrize("proto", [2, 3])
def test_several_subscribers_in_subscription_order(pair, proto):
    subs = [pair() for _ in range(3)]
    pub = pair()
    for s in subs:
        s.hello(proto)
        send(s, "SUBSCRIBE", "ch")
        read(s)
    assert call(pub, "PUBLISH", "ch", "m") == b":3\r\n"
    for s in subs:
        read(s)
    send(subs[1], "UNSUBSCRIBE", "ch")
    read(subs[1])
    assert call(pub, "PUBLISH", "ch", "m2") == b":2\r\n"
    read(subs[0])
    read(subs[2])
    nothing_pending(subs[1])


@pytest.mark.parametrize("proto", [2, 3])
def test_psubscribe(pair, proto):
    sub, pub = pair(), pair()
    sub.hello(proto)
    send(sub, "PSUBSCRIBE", "news.*", "h?llo", "[ab]x")
    for _ in range(3):
        read(sub)
    call(pub, "PUBLISH", "news.tech", "a")
    read(sub)
    call(pub, "PUBLISH", "hallo", "b")
    read(sub)
    call(pub, "PUBLISH", "bx", "c")
    read(sub)
    call(pub, "PUBLISH", "cx", "none")
    send(sub, "PSUBSCRIBE", "news.*")                 # again
    read(sub)
    call(pub, "PUBSUB", "NUMPAT")
    send(sub, "PUNSUBSCRIBE", "h?llo", "nope")
    read(sub)
    read(sub)
    send(sub, "PUNSUBSCRIBE")                         # the rest, in subscription order
    read(sub)
    read(sub)
    send(sub, "PUNSUBSCRIBE")
    read(sub)
    call(pub, "PUBSUB", "NUMPAT")
    nothing_pending(sub)


@pytest.mark.parametrize("proto", [2, 3])
def test_channel_and_patterns_together(pair, proto):
    """A channel subscriber first, then each matching pattern (whose order
    is Redis's dict order, so those are compared as a multiset)."""
    sub, pub = pair(), pair()
    sub.hello(proto)
    send(sub, "SUBSCRIBE", "a.b")
    read(sub)
    send(sub, "PSUBSCRIBE", "a.*", "*.b", "*")
    for _ in range(3):
        read(sub)
    assert call(pub, "PUBLISH", "a.b", "x") == b":4\r\n"
    read(sub)                                         # the channel message first
    read_n_unordered(sub, 3)
    send(sub, "UNSUBSCRIBE", "a.b")
    read(sub)
    send(sub, "PUNSUBSCRIBE", "*")
    read(sub)
    assert call(pub, "PUBLISH", "a.b", "y") == b":2\r\n"
    read_n_unordered(sub, 2)


def test_unsubscribe_all_of_several_channels(pair):
    sub = pair()
    send(sub, "SUBSCRIBE", "c1", "c2", "c3")
    for _ in range(3):
        read(sub)
    send(sub, "UNSUBSCRIBE")
    # Redis goes through its dict (hash order), so which channel comes with
    # which remaining count differs: compare the channels and the counts
    for conn in (sub.r, sub.p):
        out = [parse(conn.read_reply()) for _ in range(3)]
        assert sorted(m[1] for m in out) == [b"c1", b"c2", b"c3"]
        assert [m[2] for m in out] == [2, 1, 0]
        assert all(m[0] == b"unsubscribe" for m in out)
    send(sub, "PING")
    read(sub)


@pytest.mark.parametrize("proto", [2, 3])
def test_unsubscribe_when_not_subscribed(diff, proto):
    diff.hello(proto)
    diff("UNSUBSCRIBE")
    diff("PUNSUBSCRIBE")
    diff("SUNSUBSCRIBE")
    diff("UNSUBSCRIBE", "a", "b")
    diff("PUNSUBSCRIBE", "a*")
    diff("SUNSUBSCRIBE", "x")
    diff("GET", "k")                                   # still a normal connection
    diff("PING")


# ---- sharded channels -----------------------------------------------------------------------

@pytest.mark.parametrize("proto", [2, 3])
def test_ssubscribe_spublish(pair, proto):
    sub, pub = pair(), pair()
    sub.hello(proto)
    send(sub, "SSUBSCRIBE", "s1", "s2")
    read(sub)
    read(sub)
    send(sub, "SUBSCRIBE", "s1")                       # global and shard channels are apart
    read(sub)
    send(sub, "PSUBSCRIBE", "s*")                      # patterns never see SPUBLISH
    read(sub)
    assert call(pub, "SPUBLISH", "s1", "hi") == b":1\r\n"
    read(sub)
    call(pub, "PUBLISH", "s1", "global")
    read_n_unordered(sub, 2)
    call(pub, "PUBSUB", "SHARDNUMSUB", "s1", "s2", "s3")
    call(pub, "PUBSUB", "NUMSUB", "s1", "s2")
    pub.sorted_array("PUBSUB", "SHARDCHANNELS")
    pub.sorted_array("PUBSUB", "SHARDCHANNELS", "*2")
    send(sub, "SUNSUBSCRIBE", "s2")
    read(sub)
    send(sub, "SUNSUBSCRIBE")
    read(sub)
    send(sub, "SUNSUBSCRIBE")
    read(sub)
    send(sub, "UNSUBSCRIBE")
    read(sub)
    send(sub, "PUNSUBSCRIBE")
    read(sub)
    assert call(pub, "SPUBLISH", "s1", "gone") == b":0\r\n"
    send(sub, "GET", "k")                              # out of subscribed mode again
    read(sub)


# ---- PUBSUB introspection ----------------------------------------------------------------------

def test_pubsub_introspection(pair, diff):
    a, b = pair(), pair()
    send(a, "SUBSCRIBE", "news.1", "news.2", "other")
    for _ in range(3):
        read(a)
    send(b, "SUBSCRIBE", "news.1")
    read(b)
    send(b, "PSUBSCRIBE", "p*", "q*")
    read(b)
    read(b)
    send(a, "PSUBSCRIBE", "p*")
    read(a)
    diff.sorted_array("PUBSUB", "CHANNELS")
    diff.sorted_array("PUBSUB", "CHANNELS", "news.*")
    diff("PUBSUB", "CHANNELS", "nomatch*")
    diff("PUBSUB", "NUMSUB")
    diff("PUBSUB", "NUMSUB", "news.1", "news.2", "missing", "news.1")
    diff("PUBSUB", "NUMPAT")
    diff("PUBSUB", "SHARDCHANNELS")
    diff("PUBSUB", "SHARDNUMSUB")
    diff("PUBSUB", "SHARDNUMSUB", "x")
    diff.hello(3)
    diff("PUBSUB", "NUMSUB", "news.1", "nope")
    diff("PUBSUB", "NUMPAT")
    diff.sorted_array("PUBSUB", "CHANNELS")


@pytest.mark.parametrize("args", [
    ("SUBSCRIBE",), ("PSUBSCRIBE",), ("SSUBSCRIBE",), ("PUBLISH",), ("PUBLISH", "c"),
    ("PUBLISH", "c", "m", "x"), ("SPUBLISH", "c"), ("SPUBLISH", "c", "m", "x"), ("PUBSUB",),
    ("PUBSUB", "foo"), ("PUBSUB", "NUMPAT", "x"), ("PUBSUB", "CHANNELS", "a", "b"),
    ("PUBSUB", "SHARDCHANNELS", "a", "b"), ("PUBSUB", "HELP"), ("PUBSUB", "help", "x"),
    ("PUBSUB", "numsub"), ("pubsub", "Channels"),
])
def test_pubsub_command_errors_and_help(diff, args):
    diff(*args)


def test_command_getkeys(diff):
    # COMMAND INFO / DOCS of every declared command are compared in test_command.py
    diff("COMMAND", "GETKEYS", "SSUBSCRIBE", "a", "b")
    diff("COMMAND", "GETKEYS", "SPUBLISH", "a", "b")


# ---- subscribed mode ------------------------------------------------------------------------------

def test_resp2_subscribed_mode_restrictions(pair):
    sub = pair()
    send(sub, "SUBSCRIBE", "c")
    read(sub)
    for args in [("GET", "k"), ("SET", "k", "v"), ("MULTI",), ("EXEC",), ("HELLO",),
                 ("CLIENT", "LIST"), ("config", "get", "x"), ("PUBLISH", "c", "m"),
                 ("PUBSUB", "NUMPAT"), ("ECHO", "x"), ("GET",), ("NOSUCHCMD",),
                 ("CONFIG", "NOSUCH")]:
        send(sub, *args)
        read(sub)
    for args in [("PING",), ("PING", "hi"), ("PING", "a", "b"), ("SUBSCRIBE", "d"),
                 ("PSUBSCRIBE", "x*"), ("SSUBSCRIBE", "s"), ("UNSUBSCRIBE", "d"),
                 ("PUNSUBSCRIBE", "x*"), ("SUNSUBSCRIBE", "s")]:
        send(sub, *args)
        read(sub)
    send(sub, "RESET")                                 # back to normal, subscriptions gone
    read(sub)
    call(sub, "GET", "k")
    call(sub, "PUBSUB", "NUMSUB", "c")
    send(sub, "SUBSCRIBE", "c")
    read(sub)
    send(sub, "QUIT")
    read(sub)


def test_resp3_subscribed_mode_runs_everything(pair):
    sub, pub = pair(), pair()
    sub.hello(3)
    send(sub, "SUBSCRIBE", "c")
    read(sub)
    call(sub, "SET", "k", "v")
    call(sub, "GET", "k")
    call(sub, "PING")
    call(sub, "PING", "x")
    # publishing to itself: the push comes before the reply
    call(sub, "PUBLISH", "c", "self")
    read(sub)
    call(pub, "PUBLISH", "c", "other")
    read(sub)
    call(sub, "PUBSUB", "NUMSUB", "c")


def test_ping_reply_shapes(pair):
    sub = pair()
    send(sub, "PSUBSCRIBE", "x")
    read(sub)
    call(sub, "PING")
    call(sub, "PING", "")
    send(sub, "PUNSUBSCRIBE")
    read(sub)
    call(sub, "PING")                                  # not subscribed any more


def test_client_reply_off_keeps_pushes_resp2(pair):
    sub, pub = pair(), pair()
    send(sub, "CLIENT", "REPLY", "OFF")
    send(sub, "SUBSCRIBE", "c")
    read(sub)
    call(pub, "PUBLISH", "c", "m")
    read(sub)
    send(sub, "CLIENT", "REPLY", "ON")                 # refused in subscribed mode, silently
    send(sub, "UNSUBSCRIBE", "c")
    read(sub)
    send(sub, "CLIENT", "REPLY", "ON")
    read(sub)
    call(sub, "PING")


def test_client_reply_off_keeps_pushes(pair):
    sub, pub = pair(), pair()
    sub.hello(3)
    send(sub, "CLIENT", "REPLY", "OFF")
    send(sub, "SUBSCRIBE", "c")
    read(sub)                                          # the confirmation still arrives
    call(pub, "PUBLISH", "c", "m")
    read(sub)
    send(sub, "SET", "k", "v")                         # silenced
    send(sub, "PUBLISH", "c", "to-self")               # the push only
    read(sub)
    send(sub, "UNSUBSCRIBE", "c")
    read(sub)
    send(sub, "CLIENT", "REPLY", "ON")
    read(sub)
    call(sub, "GET", "k")


def test_client_reply_skip_keeps_pushes(pair):
    sub = pair()
    sub.hello(3)
    send(sub, "CLIENT", "REPLY", "SKIP")
    send(sub, "SSUBSCRIBE", "s")
    read(sub)
    call(sub, "PING")


# ---- MULTI --------------------------------------------------------------------------------------

@pytest.mark.parametrize("proto", [2, 3])
def test_subscribe_inside_multi(pair, proto):
    c, pub = pair(), pair()
    c.hello(proto)
    call(c, "MULTI")
    call(c, "SUBSCRIBE", "a")
    call(c, "SSUBSCRIBE", "b")                          # refused when EXEC runs it
    call(c, "PSUBSCRIBE", "x*")
    call(c, "PING")                                     # pubsub-style once subscribed (RESP2)
    call(c, "SET", "k", "v")
    call(c, "PUBLISH", "a", "from-exec")
    call(c, "EXEC")
    if proto == 3:
        # RESP3 pushes go out as they happen
        call(pub, "PUBLISH", "xyz", "m")
        read(c)
    else:
        call(c, "GET", "k")                             # subscribed mode now
        call(pub, "PUBLISH", "a", "m")
        read(c)


def test_publish_inside_multi(pair):
    c, sub = pair(), pair()
    send(sub, "SUBSCRIBE", "ch")
    read(sub)
    call(c, "MULTI")
    call(c, "PUBLISH", "ch", "1")
    call(c, "PUBLISH", "ch", "2")
    call(c, "SPUBLISH", "ch", "3")
    call(c, "EXEC")
    read(sub)
    read(sub)
    nothing_pending(sub)


def test_unsubscribe_inside_multi(pair):
    c = pair()
    c.hello(3)
    send(c, "SUBSCRIBE", "a", "b")
    read(c)
    read(c)
    call(c, "MULTI")
    call(c, "UNSUBSCRIBE", "a")
    call(c, "PUNSUBSCRIBE")
    call(c, "EXEC")


# ---- RESET and disconnects ---------------------------------------------------------------------

def test_reset_drops_subscriptions(pair, diff):
    sub = pair()
    sub.hello(3)
    send(sub, "SUBSCRIBE", "r1")
    read(sub)
    send(sub, "PSUBSCRIBE", "r*")
    read(sub)
    send(sub, "SSUBSCRIBE", "rs")
    read(sub)
    diff("PUBSUB", "NUMSUB", "r1")
    call(sub, "RESET")
    diff("PUBSUB", "NUMSUB", "r1")
    diff("PUBSUB", "NUMPAT")
    diff("PUBSUB", "SHARDNUMSUB", "rs")
    diff("PUBLISH", "r1", "x")
    nothing_pending(sub)
    call(sub, "GET", "k")


def test_disconnect_cleans_up(pair, diff):
    sub = pair()
    send(sub, "SUBSCRIBE", "d1", "d2")
    read(sub)
    read(sub)
    send(sub, "PSUBSCRIBE", "d*")
    read(sub)
    send(sub, "SSUBSCRIBE", "ds")
    read(sub)
    diff("PUBSUB", "NUMSUB", "d1", "d2")
    sub.close()
    deadline = time.time() + 3
    while time.time() < deadline:
        r, p = diff.both("PUBSUB", "NUMPAT")
        if r == p == b":0\r\n":
            break
        time.sleep(0.02)
    diff("PUBSUB", "NUMSUB", "d1", "d2")
    diff("PUBSUB", "NUMPAT")
    diff("PUBSUB", "SHARDNUMSUB", "ds")
    diff("PUBLISH", "d1", "x")
    diff("SPUBLISH", "ds", "x")


# ---- CLIENT LIST and INFO -------------------------------------------------------------------------

CLIENT_FIELDS = ("flags", "db", "sub", "psub", "ssub", "multi", "cmd", "resp")


def _client_fields(raw):
    text = parse(raw)
    text = text.decode() if isinstance(text, bytes) else str(text)
    fields = dict(kv.split("=", 1) for kv in text.strip().split(" "))
    return {k: fields[k] for k in CLIENT_FIELDS}


def test_client_info_subscription_fields(pair):
    c = pair()
    c.hello(3)
    for args in [("SUBSCRIBE", "a", "b"), ("PSUBSCRIBE", "p*"), ("SSUBSCRIBE", "s1", "s2", "s3")]:
        send(c, *args)
        for _ in range(len(args) - 1):
            read(c)
        r, p = c.both("CLIENT", "INFO")
        assert _client_fields(p) == _client_fields(r)
    send(c, "UNSUBSCRIBE", "a", "b")
    read(c)
    read(c)
    r, p = c.both("CLIENT", "INFO")
    assert _client_fields(p) == _client_fields(r)


def test_client_list_type_pubsub(pair, diff):
    sub = pair()
    send(sub, "SUBSCRIBE", "lst")
    read(sub)
    r, p = diff.both("CLIENT", "LIST", "TYPE", "pubsub")
    lines_r = parse(r).decode().strip().split("\n")
    lines_p = parse(p).decode().strip().split("\n")
    assert len(lines_r) == len(lines_p) == 1
    fr = dict(kv.split("=", 1) for kv in lines_r[0].split(" "))
    fp = dict(kv.split("=", 1) for kv in lines_p[0].split(" "))
    for k in CLIENT_FIELDS:
        assert fp[k] == fr[k], k


def _info_fields(raw, names):
    text = parse(raw)
    text = text.decode() if isinstance(text, bytes) else str(text)
    out = {}
    for line in text.split("\r\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            if k in names:
                out[k] = v
    return out


def test_info_pubsub_fields(pair, diff):
    names = ("pubsub_channels", "pubsub_patterns", "pubsubshard_channels")
    r, p = diff.both("INFO", "stats")
    assert _info_fields(p, names) == _info_fields(r, names)
    a, b = pair(), pair()
    send(a, "SUBSCRIBE", "i1", "i2")
    read(a)
    read(a)
    send(b, "SUBSCRIBE", "i1")
    read(b)
    send(b, "PSUBSCRIBE", "i*", "j*")
    read(b)
    read(b)
    send(a, "SSUBSCRIBE", "is")
    read(a)
    r, p = diff.both("INFO", "stats")
    fr, fp = _info_fields(r, names), _info_fields(p, names)
    assert fp == fr
    assert fr == {"pubsub_channels": "2", "pubsub_patterns": "2", "pubsubshard_channels": "1"}


# ---- big messages and many subscribers ---------------------------------------------------------------

@pytest.mark.parametrize("proto", [2, 3])
def test_large_message_to_many_subscribers(pair, proto):
    subs = [pair() for _ in range(5)]
    pub = pair()
    for s in subs:
        s.hello(proto)
        send(s, "SUBSCRIBE", "big")
        read(s)
        send(s, "PSUBSCRIBE", "b*")
        read(s)
    msg = bytes(range(256)) * 2048                      # 512 KB
    assert call(pub, "PUBLISH", "big", msg) == b":10\r\n"
    for s in subs:
        read(s)
        read(s)


def test_protocol_switch_while_subscribed(pair):
    """HELLO 2 from a RESP3 subscriber puts it in RESP2 subscribed mode;
    HELLO itself is refused there."""
    c, pub = pair(), pair()
    c.hello(3)
    send(c, "SUBSCRIBE", "p")
    read(c)
    c.hello_cmd("HELLO", "2")
    call(c, "GET", "k")
    call(pub, "PUBLISH", "p", "m")
    read(c)
    call(c, "HELLO", "3")
    call(c, "PING")
