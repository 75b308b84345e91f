"""Blocking sorted set pops (BZPOPMIN BZPOPMAX BZMPOP) against a real
redis-server: immediate pops, several connections served first come first
served, timeouts, CLIENT UNBLOCK, MULTI, wrong types, RESP3 shapes."""

import re
import time

import pytest

from conftest import Differ
from helpers import RawConnection


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


def settle():
    time.sleep(0.05)


@pytest.mark.parametrize("proto", [2, 3])
def test_immediate_pops(diff, proto):
    diff.hello(proto)
    diff("ZADD", "z", "1", "a", "2.5", "b", "3", "c", "inf", "d")
    diff("BZPOPMIN", "missing", "z", "0")
    diff("BZPOPMAX", "z", "0")
    diff("BZMPOP", "0", "2", "missing", "z", "MIN")
    diff("ZADD", "m", "1", "x", "2", "y", "3", "w", "4", "v")
    diff("BZMPOP", "0", "1", "m", "MAX", "COUNT", "3")
    diff("BZMPOP", "0", "1", "m", "min", "count", "10")
    diff("EXISTS", "m")
    diff("BZPOPMAX", "z", "1")
    diff("EXISTS", "z")


def test_immediate_pops_skiplist(diff):
    diff("ZADD", "big", *[x for i in range(200) for x in (str(i / 3), "e%d" % i)])
    diff("BZPOPMIN", "big", "0")
    diff("BZPOPMAX", "big", "0")
    diff("BZMPOP", "0", "1", "big", "MAX", "COUNT", "5")
    diff("OBJECT", "ENCODING", "big")
    diff("ZCARD", "big")


def test_timeouts(diff):
    diff("BZPOPMIN", "nokey", "0.05")
    diff("BZPOPMAX", "a", "b", "0.05")
    diff("BZMPOP", "0.05", "1", "nokey", "MIN")
    diff("BZMPOP", "0.05", "2", "a", "b", "MAX", "COUNT", "3")
    diff.hello(3)
    diff("BZPOPMIN", "nokey", "0.05")
    diff("BZMPOP", "0.05", "1", "nokey", "MIN")


@pytest.mark.parametrize("args", [
    ("BZPOPMIN", "k", "-1"), ("BZPOPMIN", "k", "abc"), ("BZPOPMIN", "k", " 1"),
    ("BZPOPMIN", "k", "nan"), ("BZPOPMAX", "k", "inf"), ("BZPOPMAX", "k", ""),
    ("BZPOPMIN", "k"), ("BZPOPMAX",),
    ("BZMPOP", "0", "0", "k", "MIN"), ("BZMPOP", "0", "-1", "k", "MIN"),
    ("BZMPOP", "0", "2", "k", "MIN"), ("BZMPOP", "0", "x", "k", "MIN"),
    ("BZMPOP", "0", "1", "k", "UP"), ("BZMPOP", "0", "1", "k"),
    ("BZMPOP", "0", "1", "k", "MIN", "COUNT", "0"), ("BZMPOP", "0", "1", "k", "MIN", "COUNT", "-1"),
    ("BZMPOP", "0", "1", "k", "MIN", "COUNT"), ("BZMPOP", "0", "1", "k", "MIN", "COUNT", "x"),
    ("BZMPOP", "x", "1", "k", "MIN"), ("BZMPOP", "-1", "1", "k", "MIN"),
    ("BZMPOP", "0", "1", "k", "MIN", "COUNT", "1", "COUNT", "2"),
    ("BZMPOP", "0", "1", "k", "MIN", "extra"), ("BZMPOP", "0"), ("BZMPOP", "0", "1"),
    ("BZMPOP", "0", "9223372036854775807", "k", "MIN"),
    ("BZMPOP", "0", "9223372036854775808", "k", "MIN"),
    ("BZMPOP", "x", "0", "k", "MIN"),               # numkeys is checked before the timeout
])
def test_argument_errors(diff, args):
    diff(*args)


def test_wrongtype(diff):
    diff("SET", "s", "x")
    diff("BZPOPMIN", "s", "0")
    diff("BZPOPMAX", "missing", "s", "0")
    diff("ZADD", "z", "1", "a")
    diff("BZPOPMIN", "s", "z", "0")          # the first existing key decides
    diff("BZPOPMIN", "z", "s", "0")
    diff("BZMPOP", "0", "2", "s", "z", "MIN")
    diff("RPUSH", "l", "a")
    diff("BZMPOP", "0", "2", "missing", "l", "MAX")


@pytest.mark.parametrize("cmd,expect", [
    (("BZPOPMIN", "q", "5"), b"*3\r\n$1\r\nq\r\n$3\r\njob\r\n$1\r\n1\r\n"),
    (("BZPOPMAX", "q", "5"), b"*3\r\n$1\r\nq\r\n$3\r\njob\r\n$1\r\n1\r\n"),
    (("BZMPOP", "5", "1", "q", "MIN"), b"*2\r\n$1\r\nq\r\n*1\r\n*2\r\n$3\r\njob\r\n$1\r\n1\r\n"),
])
def test_served_by_zadd_from_other_client(diff, pair, cmd, expect):
    waiter = pair()
    send(waiter, *cmd)
    settle()
    diff("ZADD", "q", "1", "job")
    assert read(waiter) == expect
    diff("EXISTS", "q")


def test_served_resp3_shapes(diff, pair):
    w = pair()
    w.hello(3)
    send(w, "BZPOPMIN", "q", "5")
    settle()
    diff("ZADD", "q", "1.5", "a", "2", "b")
    read(w)
    send(w, "BZMPOP", "5", "2", "x", "y", "MAX", "COUNT", "2")
    settle()
    diff("ZADD", "y", "1", "a", "2", "b", "3", "c")
    read(w)
    diff("ZRANGE", "y", "0", "-1", "WITHSCORES")


def test_fifo_order(diff, pair):
    waiters = [pair() for _ in range(3)]
    for i, w in enumerate(waiters):
        w("CLIENT", "SETNAME", "w%d" % i)
        send(w, "BZPOPMAX", "q", "5")
        settle()
    diff("ZADD", "q", "1", "a", "2", "b")
    assert read(waiters[0]) == b"*3\r\n$1\r\nq\r\n$1\r\nb\r\n$1\r\n2\r\n"
    assert read(waiters[1]) == b"*3\r\n$1\r\nq\r\n$1\r\na\r\n$1\r\n1\r\n"
    diff("ZADD", "q", "3", "c")
    assert read(waiters[2]) == b"*3\r\n$1\r\nq\r\n$1\r\nc\r\n$1\r\n3\r\n"


def test_mixed_waiters_min_and_max(diff, pair):
    a, b, c = pair(), pair(), pair()
    send(a, "BZPOPMIN", "q", "5")
    settle()
    send(b, "BZPOPMAX", "q", "5")
    settle()
    send(c, "BZMPOP", "5", "1", "q", "MIN", "COUNT", "10")
    settle()
    diff("ZADD", "q", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
    read(a)
    read(b)
    read(c)
    diff("EXISTS", "q")


def test_served_from_the_key_that_became_ready(diff, pair):
    w = pair()
    send(w, "BZPOPMIN", "a", "b", "c", "5")
    settle()
    diff("ZADD", "b", "1", "x", "2", "y")
    read(w)
    diff("ZRANGE", "b", "0", "-1")


@pytest.mark.parametrize("store", [
    ("ZUNIONSTORE", "dst", "1", "src"), ("ZINTERSTORE", "dst", "1", "src"),
    ("ZDIFFSTORE", "dst", "1", "src"), ("ZRANGESTORE", "dst", "src", "0", "-1"),
    ("ZINCRBY", "dst", "5", "m"), ("ZADD", "dst", "INCR", "1", "m"),
])
def test_served_by_other_writes(diff, pair, store):
    diff("ZADD", "src", "1", "a", "2", "b")
    w = pair()
    send(w, "BZPOPMAX", "dst", "5")
    settle()
    diff(*store)
    read(w)
    diff("ZRANGE", "dst", "0", "-1", "WITHSCORES")


def test_zadd_xx_on_missing_key_keeps_waiting(diff, pair):
    w = pair()
    send(w, "BZPOPMIN", "k", "0.3")
    settle()
    diff("ZADD", "k", "XX", "1", "a")
    assert read(w) == b"*-1\r\n"


def test_zadd_in_transaction_serves_after_exec(diff, pair):
    w = pair()
    send(w, "BZPOPMIN", "t", "5")
    settle()
    diff("MULTI")
    diff("ZADD", "t", "2", "b")
    diff("ZADD", "t", "1", "a")
    diff("EXEC")
    read(w)
    diff("ZRANGE", "t", "0", "-1", "WITHSCORES")


def test_add_and_remove_in_transaction_keeps_waiting(diff, pair):
    w = pair()
    send(w, "BZPOPMIN", "t", "0.3")
    settle()
    diff("MULTI")
    diff("ZADD", "t", "1", "a")
    diff("DEL", "t")
    diff("EXEC")
    assert read(w) == b"*-1\r\n"


def test_no_blocking_inside_multi(diff):
    diff("MULTI")
    diff("BZPOPMIN", "empty", "0")
    diff("BZPOPMAX", "empty", "a", "0")
    diff("BZMPOP", "0", "1", "empty", "MIN")
    diff("BZMPOP", "0", "1", "empty", "MIN", "COUNT", "x")
    diff("EXEC")
    diff("ZADD", "z", "1", "a")
    diff("MULTI")
    diff("BZPOPMIN", "empty", "z", "0")
    diff("EXEC")


def test_pipelined_commands_wait_for_the_blocked_one(diff, pair):
    w = pair()
    send(w, "BZPOPMIN", "p", "5")
    send(w, "SET", "after", "1")
    send(w, "GET", "after")
    settle()
    diff("EXISTS", "after")
    diff("ZADD", "p", "1", "v")
    read(w)
    read(w)
    read(w)


def test_wrong_type_while_blocked_keeps_waiting(diff, pair):
    w = pair()
    send(w, "BZPOPMIN", "k", "0.3")
    settle()
    diff("SET", "k", "string")
    diff("DEL", "k")
    assert read(w) == b"*-1\r\n"


def test_wrong_type_first_key_while_blocked(diff, pair):
    """A re-run skips a key that became another type and serves from the
    sorted set (Redis 7.0 serves the key that became ready)."""
    w = pair()
    send(w, "BZMPOP", "5", "2", "a", "b", "MIN")
    settle()
    diff("SET", "a", "string")
    diff("ZADD", "b", "1", "x")
    read(w)
    diff("TYPE", "a")


def test_client_unblock(diff, pair):
    w = pair()
    rid = int(w.r.call("CLIENT", "ID")[1:-2])
    pid = int(w.p.call("CLIENT", "ID")[1:-2])
    send(w, "BZPOPMIN", "u", "0")
    settle()
    r = diff.r.call("CLIENT", "UNBLOCK", str(rid))
    p = diff.p.call("CLIENT", "UNBLOCK", str(pid))
    assert r == p == b":1\r\n"
    read(w)
    send(w, "BZMPOP", "0", "1", "u", "MAX")
    settle()
    assert diff.r.call("CLIENT", "UNBLOCK", str(rid), "ERROR") == \
        diff.p.call("CLIENT", "UNBLOCK", str(pid), "ERROR") == b":1\r\n"
    read(w)
    assert diff.r.call("CLIENT", "UNBLOCK", str(rid)) == \
        diff.p.call("CLIENT", "UNBLOCK", str(pid)) == b":0\r\n"


def test_blocked_client_disconnect_is_forgotten(diff, redis_server, pyengine_server):
    for port in (redis_server.port, pyengine_server.port):
        w = RawConnection(port)
        w.send_command("BZPOPMIN", "gone", "0")
        time.sleep(0.05)
        w.close()
    time.sleep(0.1)
    diff("ZADD", "gone", "1", "v")
    diff("ZRANGE", "gone", "0", "-1")


def test_blocked_clients_in_info(diff, pair):
    w = pair()
    send(w, "BZPOPMAX", "i", "5")
    settle()
    counts = []
    for conn in (diff.r, diff.p):
        info = conn.call("INFO", "clients").decode()
        counts.append(int(re.search(r"blocked_clients:(\d+)", info).group(1)))
    assert counts[0] == counts[1] == 1
    diff("ZADD", "i", "1", "v")
    read(w)


def test_commandstats_count_a_blocked_command_once(diff, pair):
    diff("CONFIG", "RESETSTAT")
    w = pair()
    send(w, "BZPOPMIN", "cs", "5")
    settle()
    diff("ZADD", "cs", "1", "v")
    read(w)
    send(w, "BZPOPMIN", "cs2", "0.05")
    read(w)
    stats = []
    for conn in (diff.r, diff.p):
        info = conn.call("INFO", "commandstats").decode()
        stats.append(re.search(r"cmdstat_bzpopmin:calls=(\d+)", info).group(1))
    assert stats[0] == stats[1] == "2"


def test_digest_after_blocked_pops(diff, pair):
    w = pair()
    send(w, "BZMPOP", "5", "1", "d", "MAX", "COUNT", "2")
    settle()
    diff("ZADD", "d", *[x for i in range(10) for x in (str(i), "m%d" % i)])
    read(w)
    diff("DEBUG", "DIGEST-VALUE", "d")
    diff("OBJECT", "ENCODING", "d")


def test_served_from_the_key_signalled_first_not_the_first_argument(diff, pair):
    w = pair()
    send(w, "BZMPOP", "5", "2", "zfirst", "zsecond", "MIN")
    settle()
    diff("MULTI")
    diff("ZADD", "zsecond", "2", "b")
    diff("ZADD", "zfirst", "1", "a")
    diff("EXEC")
    read(w)
    diff("ZRANGE", "zfirst", "0", "-1")
    diff("DEL", "zfirst")
