"""Expiry commands and the two expiry mechanisms against a real redis-server.

EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT), TTL PTTL EXPIRETIME
PEXPIRETIME, PERSIST; lazy expiry (an expired key is invisible to every
command) and the active expire cycle (keys nobody touches are reclaimed;
DEBUG SET-ACTIVE-EXPIRE 0 stops it).

Time-dependent values are compared without flakiness: absolute times set by
EXPIREAT/PEXPIREAT are exact, relative TTLs are long (TTL rounds to seconds)
or compared as ranges.
"""

import time

import pytest

from engine.resp import ReplyReader

FAR = 4000000000            # a unix time (s) far in the future
FAR_MS = FAR * 1000 + 123


def parse(raw):
    rd = ReplyReader()
    rd.feed(raw)
    return rd.gets()


@pytest.fixture
def no_active_expire(diff):
    """Only lazy expiry on both servers for the test's duration."""
    diff("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    yield diff
    diff("DEBUG", "SET-ACTIVE-EXPIRE", "1")


# ---- setting TTLs -------------------------------------------------------------------

@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_missing_key_and_basics(diff, cmd):
    diff(cmd, "missing", "100")
    diff(cmd, "missing", FAR)
    diff("SET", "k", "v")
    diff(cmd, "k", FAR if cmd.endswith("AT") else 100000)
    diff("EXISTS", "k")
    diff(cmd, "k", "abc")
    diff(cmd, "k", "1.5")
    diff(cmd, "k", " 1")
    diff(cmd, "k", "")
    diff(cmd, "k", "+1")
    diff(cmd, "k", "01")
    diff(cmd, "k", "99999999999999999999")
    diff(cmd, "missing", "abc")
    diff(cmd, b"k\x00", "100")


def test_ttl_relative(diff):
    diff("SET", "k", "v")
    diff("EXPIRE", "k", "1000")
    diff("TTL", "k")
    r, p = diff.both("PTTL", "k")
    assert 990000 <= parse(p) <= 1000000 and 990000 <= parse(r) <= 1000000
    diff("PEXPIRE", "k", "500000")
    diff("TTL", "k")
    diff("EXPIRE", "k", "100", "XX")
    diff("TTL", "k")
    r, p = diff.both("EXPIRETIME", "k")
    now = int(time.time())
    assert abs(parse(p) - (now + 100)) <= 2 and abs(parse(r) - parse(p)) <= 2
    r, p = diff.both("PEXPIRETIME", "k")
    assert abs(parse(p) - parse(r)) < 2000


def test_expiretime_absolute_exact(diff):
    diff("SET", "k", "v")
    diff("EXPIREAT", "k", FAR)
    diff("EXPIRETIME", "k")
    diff("PEXPIRETIME", "k")
    diff("PEXPIREAT", "k", FAR_MS)
    diff("EXPIRETIME", "k")        # rounds half up: (ms + 500) / 1000
    diff("PEXPIRETIME", "k")
    for ms in [FAR_MS + 377, FAR_MS + 376, FAR * 1000 + 499, FAR * 1000 + 500, FAR * 1000 + 999]:
        diff("PEXPIREAT", "k", ms)
        diff("EXPIRETIME", "k")
        diff("PEXPIRETIME", "k")
    diff("TTL", "missing")
    diff("PTTL", "missing")
    diff("EXPIRETIME", "missing")
    diff("PEXPIRETIME", "missing")
    diff("SET", "p", "v")
    diff("TTL", "p")
    diff("PTTL", "p")
    diff("EXPIRETIME", "p")
    diff("PEXPIRETIME", "p")


def test_expire_in_the_past_deletes(diff):
    for cmd, when in [("EXPIRE", "0"), ("EXPIRE", "-1"), ("PEXPIRE", "0"), ("PEXPIRE", "-100"),
                      ("EXPIREAT", "0"), ("EXPIREAT", "1"), ("PEXPIREAT", "1000"),
                      ("EXPIREAT", "-9223372036854775"), ("PEXPIREAT", "-9223372036854775808"),
                      ("EXPIRE", "-9223372036854775"), ("PEXPIRE", "-9223372036854775808")]:
        diff("SET", "k", "v")
        diff(cmd, "k", when)
        diff("EXISTS", "k")
        diff("TTL", "k")
        diff(cmd, "k", when)


def test_expire_overflow(diff):
    diff("SET", "k", "v")
    for cmd, when in [("EXPIRE", "9223372036854775807"), ("EXPIRE", "9223372036854775"),
                      ("EXPIRE", "9223372036854776"), ("EXPIRE", "-9223372036854776"),
                      ("EXPIRE", "-9223372036854775808"), ("PEXPIRE", "9223372036854775807"),
                      ("PEXPIRE", "9223372036854775000"), ("EXPIREAT", "9223372036854776"),
                      ("EXPIREAT", "-9223372036854776"), ("EXPIREAT", "9223372036854775807"),
                      ("pexpire", "9223372036854775807"), ("expireat", "9223372036854775808")]:
        diff(cmd, "k", when)
        diff(cmd, "missing", when)
        diff("EXISTS", "k")
    # The largest absolute times that do not overflow are accepted.
    diff("EXPIREAT", "k", "9223372036854775")
    diff("EXPIRETIME", "k")
    diff("PEXPIRETIME", "k")
    diff("PEXPIREAT", "k", "9223372036854775807")
    diff("EXPIRETIME", "k")
    diff("PEXPIRETIME", "k")
    diff("TTL", "k")
    diff("EXPIRE", "k", "-9223372036854775")
    diff("EXISTS", "k")


def test_expire_options(diff):
    diff("SET", "k", "v")
    # persistent key
    diff("EXPIREAT", "k", FAR, "XX")
    diff("EXPIREAT", "k", FAR, "GT")
    diff("TTL", "k")
    diff("EXPIREAT", "k", FAR, "NX")
    diff("EXPIRETIME", "k")
    # volatile key
    diff("EXPIREAT", "k", FAR + 10, "NX")
    diff("EXPIREAT", "k", FAR + 10, "XX")
    diff("EXPIRETIME", "k")
    diff("EXPIREAT", "k", FAR + 10, "GT")
    diff("EXPIREAT", "k", FAR + 5, "GT")
    diff("EXPIREAT", "k", FAR + 20, "GT")
    diff("EXPIRETIME", "k")
    diff("EXPIREAT", "k", FAR + 20, "LT")
    diff("EXPIREAT", "k", FAR + 30, "LT")
    diff("EXPIREAT", "k", FAR + 15, "LT")
    diff("EXPIRETIME", "k")
    diff("EXPIREAT", "k", FAR + 16, "XX", "GT")
    diff("EXPIREAT", "k", FAR + 12, "xx", "lt")
    diff("EXPIREAT", "k", FAR + 12, "Gt", "gT")
    diff("EXPIRETIME", "k")
    diff("PEXPIREAT", "k", FAR_MS, "LT")
    diff("PEXPIRETIME", "k")
    # LT on a persistent key always sets, GT never does
    diff("SET", "p", "v")
    diff("EXPIREAT", "p", FAR, "LT")
    diff("EXPIRETIME", "p")
    diff("PERSIST", "p")
    diff("PEXPIRE", "p", "100000000", "GT")
    diff("TTL", "p")
    # LT with a past time deletes
    diff("EXPIRE", "p", "-1", "LT")
    diff("EXISTS", "p")
    diff("SET", "p", "v", "EX", "1000")
    diff("EXPIRE", "p", "0", "LT")
    diff("EXISTS", "p")
    diff("SET", "p", "v", "EX", "1000")
    diff("EXPIRE", "p", "0", "GT")
    diff("EXISTS", "p")
    diff("EXPIRE", "missing", "10", "NX")
    diff("EXPIRE", "missing", "10", "LT")


@pytest.mark.parametrize("opts", [
    ("NX", "XX"), ("XX", "NX"), ("NX", "GT"), ("NX", "LT"), ("GT", "LT"), ("LT", "GT"),
    ("NX", "XX", "GT", "LT"), ("GT", "LT", "NX"), ("nx", "xx"), ("NX", "NX"), ("XX", "XX"),
    ("FOO",), ("NX", "FOO"), ("FOO", "NX", "XX"), ("NX", "XX", "FOO"), ("EX",), ("",),
    ("n\x00x",), ("foo\r\n",), ("a\nb",), ("\r\n",), ("\x00",), ("NX\x00",), ("x" * 300,),
])
@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_expire_option_errors(diff, cmd, opts):
    diff("SET", "k", "v")
    diff(cmd, "k", "100", *opts)
    diff(cmd, "missing", "100", *opts)
    diff(cmd, "k", "notanumber", *opts)       # options are checked first
    diff(cmd, "k", "9223372036854775807", *opts)


def test_persist(diff):
    diff("PERSIST", "missing")
    diff("SET", "k", "v")
    diff("PERSIST", "k")
    diff("EXPIRE", "k", "100")
    diff("PERSIST", "k")
    diff("TTL", "k")
    diff("PERSIST", "k")
    diff("SET", b"b\x00", "v", "EX", "100")
    diff("PERSIST", b"b\x00")
    diff("PERSIST", b"b")
    diff("TTL", b"b\x00")


def test_ttl_cleared_by_set_and_del(diff):
    diff("SET", "k", "v", "EX", "100")
    diff("SET", "k", "w")
    diff("TTL", "k")
    diff("SET", "k", "v", "EX", "100")
    diff("DEL", "k")
    diff("SET", "k", "v")
    diff("TTL", "k")
    diff("SET", "k", "v", "EX", "100")
    diff("APPEND", "k", "x")
    diff("INCR", "n")
    diff("EXPIRE", "n", "100")
    diff("INCR", "n")
    diff("TTL", "n")
    diff("TTL", "k")


def test_expire_resp3(diff):
    diff.hello(3)
    diff("SET", "k", "v")
    diff("EXPIREAT", "k", FAR)
    diff("TTL", "missing")
    diff("EXPIRETIME", "k")
    diff("PERSIST", "k")
    diff("EXPIRE", "k", "1", "FOO")


# ---- lazy expiry ------------------------------------------------------------------------

def _expired_keys_stat(conn):
    info = parse(conn.call("INFO", "stats")).decode()
    for line in info.splitlines():
        if line.startswith("expired_keys:"):
            return int(line.split(":")[1])
    raise AssertionError(info)


def _make_expired(diff, *keys):
    for k in keys:
        diff("SET", k, "val", "PX", "1")
    time.sleep(0.02)


def test_lazy_expiry_hides_keys_from_every_command(no_active_expire):
    diff = no_active_expire
    base_r, base_p = _expired_keys_stat(diff.r), _expired_keys_stat(diff.p)
    diff("SET", "live", "v")
    checks = [
        ("GET", "x"), ("EXISTS", "x"), ("TYPE", "x"), ("TTL", "x"), ("PTTL", "x"),
        ("EXPIRETIME", "x"), ("PEXPIRETIME", "x"), ("TOUCH", "x"), ("OBJECT", "ENCODING", "x"),
        ("OBJECT", "REFCOUNT", "x"), ("OBJECT", "IDLETIME", "x"), ("OBJECT", "FREQ", "x"),
        ("STRLEN", "x"), ("GETRANGE", "x", "0", "-1"), ("MGET", "x", "live"),
        ("RENAME", "x", "y"), ("RENAMENX", "x", "y"), ("COPY", "x", "y"), ("MOVE", "x", "1"),
        ("EXPIRE", "x", "100"), ("PEXPIRE", "x", "100", "LT"), ("PERSIST", "x"),
        ("DEL", "x"), ("UNLINK", "x"), ("GETDEL", "x"), ("GETEX", "x", "PERSIST"),
        ("SET", "x", "new", "NX"), ("SET", "x", "new", "XX"), ("SETNX", "x", "new"),
        ("APPEND", "x", "tail"), ("INCR", "x"), ("SETRANGE", "x", "2", "ab"),
        ("SET", "x", "new", "GET"), ("GETSET", "x", "new"), ("MSETNX", "x", "1", "z", "2"),
        ("KEYS", "*"), ("RANDOMKEY",), ("SCAN", "0", "MATCH", "x"), ("DBSIZE",),
    ]
    for cmd in checks:
        if cmd == ("RANDOMKEY",):
            diff("DEL", "live")   # with a live key too, which one is drawn first is random
        _make_expired(diff, "x")
        diff("DBSIZE")
        diff(*cmd)
        diff("SET", "live", "v")
        diff("DBSIZE")
        diff("EXISTS", "x")
        diff("GET", "x")
        diff("DEL", "x", "y", "z")
        diff("SELECT", "1")
        diff("FLUSHDB")
        diff("SELECT", "0")
    # expired destinations count as missing
    _make_expired(diff, "dst")
    diff("RENAMENX", "live", "dst")
    diff("GET", "dst")
    _make_expired(diff, "dst2")
    diff("COPY", "dst", "dst2")
    diff("GET", "dst2")
    diff("SELECT", "1")
    _make_expired(diff, "dst")
    diff("SELECT", "0")
    diff("MOVE", "dst", "1")
    diff("SELECT", "1")
    diff("GET", "dst")
    diff("SELECT", "0")
    assert (_expired_keys_stat(diff.p) - base_p) == (_expired_keys_stat(diff.r) - base_r)


def test_lazy_expiry_keys_does_not_delete(no_active_expire):
    diff = no_active_expire
    _make_expired(diff, "a", "b", "c")
    diff("SET", "live", "v")
    diff("KEYS", "*")
    diff("DBSIZE")
    diff("EXISTS", "a", "b", "c")
    diff("DBSIZE")


# ---- active expiry ------------------------------------------------------------------------

def _wait_dbsize(conn, target, timeout):
    deadline = time.time() + timeout
    size = None
    while time.time() < deadline:
        size = parse(conn.call("DBSIZE"))
        if size == target:
            return size
        time.sleep(0.05)
    return size


def _fill(conn, n, px, prefix="tmp", batch=200):
    """n keys with a PX TTL, pipelined; nothing reads them afterwards."""
    from engine.resp import encode_command
    for start in range(0, n, batch):
        count = min(batch, n - start)
        conn.send(b"".join(encode_command("SET", "%s:%d" % (prefix, i), "v", "PX", str(px))
                           for i in range(start, start + count)))
        for _ in range(count):
            assert conn.read_reply() == b"+OK\r\n"


@pytest.mark.parametrize("server", ["pyengine", "redis"])
def test_active_expire_reclaims_untouched_keys(diff, server):
    conn = diff.p if server == "pyengine" else diff.r
    conn.call("SET", "persistent", "v")
    _fill(conn, 3000, 100)
    conn.call("SELECT", "7")
    _fill(conn, 500, 100, prefix="db7")
    conn.call("SET", "persistent7", "v")
    conn.call("SELECT", "0")
    assert parse(conn.call("DBSIZE")) == 3001
    # Only the active cycle can remove them: nothing touches these keys.
    assert _wait_dbsize(conn, 1, 10) == 1
    conn.call("SELECT", "7")
    assert _wait_dbsize(conn, 1, 10) == 1
    conn.call("SELECT", "0")


@pytest.mark.parametrize("server", ["pyengine", "redis"])
def test_debug_set_active_expire_off_keeps_keys(diff, server):
    conn = diff.p if server == "pyengine" else diff.r
    assert conn.call("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"+OK\r\n"
    try:
        _fill(conn, 500, 50)
        time.sleep(0.8)
        assert parse(conn.call("DBSIZE")) == 500
        # still there, but invisible
        assert parse(conn.call("EXISTS", "tmp:1")) == 0
        assert parse(conn.call("DBSIZE")) == 499
    finally:
        conn.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    assert _wait_dbsize(conn, 0, 10) == 0


def test_active_expire_counts_expired_keys(pe):
    before = _expired_keys_stat(pe)
    _fill(pe, 200, 50)
    deadline = time.time() + 10
    while time.time() < deadline and parse(pe.call("DBSIZE")) != 0:
        time.sleep(0.05)
    assert parse(pe.call("DBSIZE")) == 0
    assert _expired_keys_stat(pe) - before == 200


# ---- arity ------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("EXPIRE",), ("EXPIRE", "k"), ("PEXPIRE", "k"), ("EXPIREAT", "k"), ("PEXPIREAT", "k"),
    ("TTL",), ("TTL", "a", "b"), ("PTTL",), ("EXPIRETIME", "a", "b"), ("PEXPIRETIME",),
    ("PERSIST",), ("PERSIST", "a", "b"),
])
def test_arity(diff, args):
    diff(*args)
