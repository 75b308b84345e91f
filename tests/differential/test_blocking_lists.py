"""Blocking list commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP) against a
real redis-server: several connections, clients served first come first
served, timeouts, CLIENT UNBLOCK, MULTI."""

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


def test_immediate_pops(diff):
    diff("RPUSH", "l", "a", "b", "c")
    diff("BLPOP", "missing", "l", "0")
    diff("BRPOP", "l", "0")
    diff("BLMOVE", "l", "dst", "LEFT", "RIGHT", "0")
    diff("BRPOPLPUSH", "dst", "l", "0")
    diff("LRANGE", "l", "0", "-1")
    diff("RPUSH", "m", "1", "2", "3", "4")
    diff("BLMPOP", "0", "2", "missing", "m", "LEFT", "COUNT", "3")
    diff("BLMPOP", "0", "1", "m", "RIGHT")
    diff("EXISTS", "m")


def test_timeouts(diff):
    diff("BLPOP", "nokey", "0.05")
    diff("BRPOP", "a", "b", "0.05")
    diff("BLMOVE", "nokey", "dst", "LEFT", "LEFT", "0.05")
    diff("BRPOPLPUSH", "nokey", "dst", "0.05")
    diff("BLMPOP", "0.05", "1", "nokey", "LEFT")
    diff.hello(3)
    diff("BLPOP", "nokey", "0.05")
    diff("BLMOVE", "nokey", "dst", "LEFT", "LEFT", "0.05")


@pytest.mark.parametrize("args", [
    ("BLPOP", "k", "-1"), ("BLPOP", "k", "abc"), ("BLPOP", "k", " 1"), ("BLPOP", "k", "nan"),
    ("BLMOVE", "k", "d", "UP", "LEFT", "0"), ("BLMOVE", "k", "d", "LEFT", "LEFT", "x"),
    ("BLMPOP", "0", "0", "k", "LEFT"), ("BLMPOP", "0", "2", "k", "LEFT"),
    ("BLMPOP", "0", "1", "k", "UP"), ("BLMPOP", "0", "1", "k", "LEFT", "COUNT", "0"),
    ("BLMPOP", "x", "1", "k", "LEFT"), ("BLMPOP", "0", "1", "k", "LEFT", "COUNT", "1", "COUNT", "2"),
    ("BRPOPLPUSH", "k", "d", "-0.5"), ("BLPOP", "k"), ("BLMPOP", "0"),
])
def test_argument_errors(diff, args):
    diff(*args)


def test_wrongtype(diff):
    diff("SET", "s", "x")
    diff("BLPOP", "s", "0")
    diff("BLPOP", "missing", "s", "0")
    diff("RPUSH", "l", "a")
    diff("BLMOVE", "l", "s", "LEFT", "LEFT", "0")
    diff("LRANGE", "l", "0", "-1")
    diff("BLMPOP", "0", "2", "s", "l", "LEFT")


def test_served_by_push_from_other_client(diff, pair):
    waiter = pair()
    send(waiter, "BLPOP", "q", "5")
    settle()
    diff("RPUSH", "q", "job1")
    assert read(waiter) == b"*2\r\n$1\r\nq\r\n$4\r\njob1\r\n"
    diff("EXISTS", "q")


def test_fifo_order(diff, pair):
    waiters = [pair() for _ in range(3)]
    for i, w in enumerate(waiters):
        w("CLIENT", "SETNAME", "w%d" % i)
        send(w, "BRPOP", "q", "5")
        settle()
    diff("RPUSH", "q", "a", "b")
    assert read(waiters[0]) == b"*2\r\n$1\r\nq\r\n$1\r\nb\r\n"
    assert read(waiters[1]) == b"*2\r\n$1\r\nq\r\n$1\r\na\r\n"
    diff("LPUSH", "q", "c")
    assert read(waiters[2]) == b"*2\r\n$1\r\nq\r\n$1\r\nc\r\n"


def test_served_from_the_key_that_became_ready(diff, pair):
    w = pair()
    send(w, "BLPOP", "a", "b", "c", "5")
    settle()
    diff("RPUSH", "b", "x")
    read(w)
    diff("EXISTS", "b")


def test_blmove_served_atomically(diff, pair):
    w = pair()
    send(w, "BLMOVE", "src", "dst", "RIGHT", "LEFT", "5")
    settle()
    diff("RPUSH", "src", "1", "2")
    read(w)
    diff("LRANGE", "src", "0", "-1")
    diff("LRANGE", "dst", "0", "-1")
    w2 = pair()
    send(w2, "BRPOPLPUSH", "src2", "src2", "5")      # rotation onto itself
    settle()
    diff("RPUSH", "src2", "x")
    read(w2)
    diff("LRANGE", "src2", "0", "-1")


def test_chain_of_blocked_moves(diff, pair):
    """BLMOVE into a key another client waits on serves that one too."""
    first, second = pair(), pair()
    send(first, "BLMOVE", "a", "b", "LEFT", "LEFT", "5")
    settle()
    send(second, "BLPOP", "b", "5")
    settle()
    diff("RPUSH", "a", "v")
    read(first)
    read(second)
    diff("EXISTS", "a", "b")


def test_blmpop_served_with_count(diff, pair):
    w = pair()
    send(w, "BLMPOP", "5", "2", "x", "y", "RIGHT", "COUNT", "2")
    settle()
    diff("RPUSH", "y", "1", "2", "3")
    read(w)
    diff("LRANGE", "y", "0", "-1")


def test_push_in_transaction_serves_after_exec(diff, pair):
    w = pair()
    send(w, "BLPOP", "t", "5")
    settle()
    diff("MULTI")
    diff("RPUSH", "t", "1")
    diff("RPUSH", "t", "2")
    diff("EXEC")
    read(w)
    diff("LRANGE", "t", "0", "-1")


def test_no_blocking_inside_multi(diff):
    diff("MULTI")
    diff("BLPOP", "empty", "0")
    diff("BLMOVE", "empty", "d", "LEFT", "LEFT", "0")
    diff("BLMPOP", "0", "1", "empty", "LEFT")
    diff("EXEC")


def test_pipelined_commands_wait_for_the_blocked_one(diff, pair):
    w = pair()
    send(w, "BLPOP", "p", "5")
    send(w, "SET", "after", "1")
    send(w, "GET", "after")
    settle()
    diff("EXISTS", "after")          # not run yet on either server
    diff("RPUSH", "p", "v")
    read(w)
    read(w)
    read(w)


def test_wrong_type_while_blocked_keeps_waiting(diff, pair):
    w = pair()
    send(w, "BLPOP", "k", "0.3")
    settle()
    diff("SET", "k", "string")
    diff("DEL", "k")
    assert read(w) == b"*-1\r\n"


def test_client_unblock(diff, pair):
    w = pair()
    rid = int(w.r.call("CLIENT", "ID")[1:-2])
    pid = int(w.p.call("CLIENT", "ID")[1:-2])
    send(w, "BLPOP", "u", "0")
    settle()
    r = diff.r.call("CLIENT", "UNBLOCK", str(rid))
    p = diff.p.call("CLIENT", "UNBLOCK", str(pid))
    assert r == p == b":1\r\n"
    read(w)
    send(w, "BLMOVE", "u", "d", "LEFT", "LEFT", "0")
    settle()
    assert diff.r.call("CLIENT", "UNBLOCK", str(rid), "ERROR") == \
        diff.p.call("CLIENT", "UNBLOCK", str(pid), "ERROR") == b":1\r\n"
    read(w)
    diff("CLIENT", "UNBLOCK", "999999")
    diff("CLIENT", "UNBLOCK", "1", "MAYBE")
    diff("CLIENT", "UNBLOCK", "abc")
    assert diff.r.call("CLIENT", "UNBLOCK", str(rid)) == \
        diff.p.call("CLIENT", "UNBLOCK", str(pid)) == b":0\r\n"


def test_blocked_client_disconnect_is_forgotten(diff, redis_server, pyengine_server):
    for port, conn in ((redis_server.port, diff.r), (pyengine_server.port, diff.p)):
        w = RawConnection(port)
        w.send_command("BLPOP", "gone", "0")
        time.sleep(0.05)
        w.close()
    time.sleep(0.1)
    diff("RPUSH", "gone", "v")
    diff("LRANGE", "gone", "0", "-1")


def test_blocked_clients_in_info(diff, pair):
    import re
    w = pair()
    send(w, "BLPOP", "i", "5")
    settle()
    counts = []
    for conn in (diff.r, diff.p):
        info = conn.call("INFO", "clients").decode()
        counts.append(int(re.search(r"blocked_clients:(\d+)", info).group(1)))
    assert counts[0] == counts[1] == 1
    diff("RPUSH", "i", "v")
    read(w)


def test_commandstats_count_a_blocked_command_once(diff, pair):
    import re
    diff("CONFIG", "RESETSTAT")
    w = pair()
    send(w, "BLPOP", "cs", "5")
    settle()
    diff("RPUSH", "cs", "v")
    read(w)
    send(w, "BLPOP", "cs2", "0.05")
    read(w)
    stats = []
    for conn in (diff.r, diff.p):
        info = conn.call("INFO", "commandstats").decode()
        stats.append(re.search(r"cmdstat_blpop:calls=(\d+)", info).group(1))
    assert stats[0] == stats[1] == "2"


def test_swapdb_wakes_a_client_waiting_in_either_db(diff, pair):
    w = pair()
    w("SELECT", "9")
    send(w, "BLPOP", "swapped", "5")
    settle()
    diff("SELECT", "10")
    diff("RPUSH", "swapped", "x", "y")
    diff("SWAPDB", "9", "10")
    assert read(w) == b"*2\r\n$7\r\nswapped\r\n$1\r\nx\r\n"
    diff("SELECT", "9")
    diff("LRANGE", "swapped", "0", "-1")
    diff("FLUSHALL")


def test_rename_moves_a_list_into_a_waited_key(diff, pair):
    w = pair()
    send(w, "BLMPOP", "5", "1", "target", "LEFT")
    settle()
    diff("LPUSH", "staging", "a", "b", "c")
    diff("RENAME", "staging", "target")
    assert read(w) == b"*2\r\n$6\r\ntarget\r\n*1\r\n$1\r\nc\r\n"
    diff("LRANGE", "target", "0", "-1")


def test_served_from_the_key_signalled_first_not_the_first_argument(diff, pair):
    w = pair()
    send(w, "BLPOP", "first", "second", "5")
    settle()
    diff("MULTI")
    diff("RPUSH", "second", "from-second")
    diff("RPUSH", "first", "from-first")
    diff("EXEC")
    assert read(w) == b"*2\r\n$6\r\nsecond\r\n$11\r\nfrom-second\r\n"
    diff("LRANGE", "first", "0", "-1")
    diff("DEL", "first")
