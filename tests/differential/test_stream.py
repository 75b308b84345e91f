"""Stream commands against a real redis-server: every command and option of
Redis 7.0 (XADD XLEN XRANGE XREVRANGE XDEL XTRIM XREAD XREADGROUP XGROUP
XACK XPENDING XCLAIM XAUTOCLAIM XINFO XSETID), their errors, RESP3, the
generic commands on stream values, and blocking reads with several
connections.

Replies must be byte-identical. IDs are explicit except where ``*`` is the
point of the test (then only the shape is compared). Fields that hold times
(XINFO's seen-time and idle, delivery times and idle times of pending
entries) are masked after checking they are plausible."""

import re
import time

import pytest

from conftest import Differ
from resp_struct import Node, parse
from stream_helpers import T, mask

def masked(d, *args):
    """Send to both; compare with time fields masked."""
    r, p = d.both(*args)
    assert mask(parse(p)) == mask(parse(r)), "command %r\n redis:    %r\n pyengine: %r" % (args, r, p)
    return r


def pending_masked(d, *args):
    """XPENDING's extended form: [id, consumer, idle ms, deliveries] each,
    the idle time masked."""
    r, p = d.both(*args)

    def m(raw):
        node = parse(raw)
        if (node.kind != "*" or node.value is None or
                not all(e.kind == "*" and e.value and len(e.value) == 4 for e in node.value)):
            return node                 # the summary form, an error, ...
        out = []
        for e in node.value:
            items = list(e.value)
            assert items[2].kind == ":" and items[2].value >= 0
            items[2] = T
            out.append(Node(("*", tuple(items))))
        return Node(("*", tuple(out)))
    assert m(p) == m(r), "command %r\n redis:    %r\n pyengine: %r" % (args, r, p)
    return r


def _changes(conn):
    info = conn.call("INFO", "persistence").decode()
    return int(re.search(r"rdb_changes_since_last_save:(\d+)", info).group(1))


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


def fill(d, key, n, start_ms=1, fields=("f", "v")):
    for i in range(n):
        d("XADD", key, "%d-0" % (start_ms + i), *[x if j % 2 == 0 else "%s%d" % (x, i)
                                                    for j, x in enumerate(fields)])


# ---- XADD -----------------------------------------------------------------------------------

def test_xadd_explicit_ids(diff):
    diff("XADD", "s", "1-1", "a", "1", "b", "2")
    diff("XADD", "s", "1-2", "a", "3")
    diff("XADD", "s", "1-2", "a", "3")                  # equal: error
    diff("XADD", "s", "1-1", "a", "3")                  # smaller: error
    diff("XADD", "s", "0-5", "a", "3")
    diff("XADD", "s", "5", "a", "3")                    # incomplete: seq 0
    diff("XADD", "s", "5-*", "a", "3")                  # same ms: seq + 1
    diff("XADD", "s", "9-*", "a", "3")                  # new ms: seq 0
    diff("XADD", "s", "4-*", "a", "3")                  # past ms: error
    diff("XADD", "s", "18446744073709551615-18446744073709551614", "a", "1")
    diff("XADD", "s", "18446744073709551615-*", "a", "1")
    diff("XADD", "s", "18446744073709551615-*", "a", "1")   # exhausted
    diff("XADD", "s", "*", "a", "1")
    diff("XLEN", "s")
    diff("XRANGE", "s", "-", "+")


def test_xadd_zero_and_seq_overflow(diff):
    diff("XADD", "s", "0-0", "a", "1")
    diff("EXISTS", "s")                                 # not created
    diff("XADD", "s", "0-*", "a", "1")
    diff("XADD", "s", "0-*", "a", "1")
    diff("XADD", "t", "1-18446744073709551615", "a", "1")
    diff("XADD", "t", "1-*", "b", "2")                  # sequence exhausted
    diff("XADD", "t", "2-*", "b", "2")
    diff("XRANGE", "t", "-", "+")


@pytest.mark.parametrize("bad", ["-", "+", "abc", "1-", "-1", "1-a", "1-2-3", "18446744073709551616",
                                 "1-18446744073709551616", "*-1", "1-**", "", "(1", " 1", "+1",
                                 "01-02", "1-+2", "x" * 130, "1\x00junk", "-1-1", "1.5"])
def test_xadd_id_syntax(diff, bad):
    diff("XADD", "s", bad, "f", "v")
    diff("XRANGE", "s", "-", "+")


def test_xadd_auto_ids(diff):
    """``*`` makes IDs from the clock: compare shapes, not values."""
    r, p = diff.both("XADD", "s", "*", "a", "1")
    for raw in (r, p):
        ms, seq = re.match(rb"^\$\d+\r\n(\d+)-(\d+)\r\n$", raw).groups()
        assert abs(int(ms) - time.time() * 1000) < 60000
    r2, p2 = diff.both("XADD", "s", "*", "a", "2")
    assert p2 > p or len(p2) >= len(p)
    diff("XLEN", "s")
    diff("XADD", "s", "1-1", "a", "1")                  # below the clock: error


def test_xadd_arity_and_fields(diff):
    diff("XADD", "s")
    diff("XADD", "s", "*")
    diff("XADD", "s", "*", "f")
    diff("XADD", "s", "1-1", "f")
    diff("XADD", "s", "1-1", "f", "v", "g")
    diff("XADD", "s", "MAXLEN", "5")
    diff("XADD", "s", "NOMKSTREAM")
    diff("XADD", "s", "1-1", "", "")
    diff("XADD", "s", "2-1", "f", "v", "f", "w")      # repeated field kept
    diff("XADD", "s", "3-1", "123", "-5", "9999999999999", "1.5")
    diff("XADD", "s", "4-1", "x" * 70, "y" * 5000)
    diff("XRANGE", "s", "-", "+")


def test_xadd_nomkstream(diff):
    diff("XADD", "s", "NOMKSTREAM", "1-1", "a", "1")
    diff("EXISTS", "s")
    diff("XADD", "s", "1-1", "a", "1")
    diff("XADD", "s", "NOMKSTREAM", "2-1", "a", "1")
    diff("XADD", "s", "nomkstream", "MAXLEN", "1", "3-1", "a", "1")
    diff("XRANGE", "s", "-", "+")
    diff.hello(3)
    diff("XADD", "nokey", "NOMKSTREAM", "*", "a", "1")


@pytest.mark.parametrize("opts", [
    ("MAXLEN", "3"), ("MAXLEN", "=", "3"), ("MAXLEN", "~", "3"), ("maxlen", "0"),
    ("MAXLEN", "~", "0"), ("MAXLEN", "~", "150"), ("MAXLEN", "~", "250", "LIMIT", "50"),
    ("MAXLEN", "~", "10", "LIMIT", "0"), ("MAXLEN", "~", "10", "LIMIT", "100"),
    ("MAXLEN", "~", "10", "LIMIT", "1000"), ("MINID", "150"), ("MINID", "=", "150-0"),
    ("MINID", "~", "150"), ("MINID", "~", "250", "LIMIT", "100"), ("MINID", "0"),
    ("MINID", "999999"), ("MAXLEN", "100000"),
], ids=lambda a: " ".join(a))
def test_xadd_trimming(diff, opts):
    fill(diff, "s", 300)
    diff("XADD", "s", *opts, "1000-0", "f", "v")
    diff("XLEN", "s")
    diff("XRANGE", "s", "-", "+", "COUNT", "3")
    diff("XINFO", "STREAM", "s")


@pytest.mark.parametrize("opts", [
    ("MAXLEN",), ("MAXLEN", "~"), ("MAXLEN", "-1"), ("MAXLEN", "x"), ("MAXLEN", "~", "x"),
    ("MAXLEN", "1", "MINID", "1"), ("MINID", "1", "MAXLEN", "1"), ("MINID", "x"),
    ("MINID", "-"), ("MINID", "+"), ("MINID", "~", "+"), ("LIMIT", "10"), ("LIMIT", "0"),
    ("LIMIT", "-1"), ("LIMIT", "x"), ("MAXLEN", "5", "LIMIT", "10"),
    ("MAXLEN", "=", "5", "LIMIT", "10"), ("MAXLEN", "~", "5", "LIMIT", "-3"),
    ("LIMIT", "5", "MAXLEN", "~", "1"), ("MAXLEN", "=", "~", "3"), ("FOO",),
], ids=lambda a: " ".join(a))
def test_xadd_option_errors(diff, opts):
    fill(diff, "s", 5)
    diff("XADD", "s", *opts, "100-0", "f", "v")
    diff("XLEN", "s")


def test_xadd_node_sizes(diff):
    """Node boundaries (stream-node-max-entries / -max-bytes) decide what
    approximate trimming removes and what XINFO reports."""
    try:
        diff("CONFIG", "SET", "stream-node-max-entries", "10")
        fill(diff, "s", 95)
        diff("XINFO", "STREAM", "s")
        diff("XADD", "s", "MAXLEN", "~", "55", "200-0", "f", "v")
        diff("XINFO", "STREAM", "s")
        diff("CONFIG", "SET", "stream-node-max-entries", "0")
        diff("CONFIG", "SET", "stream-node-max-bytes", "100")
        fill(diff, "t", 40, fields=("field", "value"))
        diff("XINFO", "STREAM", "t")
        diff("XTRIM", "t", "MINID", "~", "20")
        diff("XINFO", "STREAM", "t")
        diff("CONFIG", "SET", "stream-node-max-bytes", "0")
        fill(diff, "u", 300)
        diff("XINFO", "STREAM", "u")
        diff("CONFIG", "GET", "stream-node-max-bytes")
        diff("CONFIG", "GET", "stream-node-max-entries")
    finally:
        diff("CONFIG", "SET", "stream-node-max-entries", "100")
        diff("CONFIG", "SET", "stream-node-max-bytes", "4096")


def test_xadd_fields_differ_from_master(diff):
    """Entries with the master entry's fields store values only; others the
    whole list; XINFO and XRANGE see the same."""
    diff("XADD", "s", "1-0", "a", "1", "b", "2")
    diff("XADD", "s", "2-0", "a", "3", "b", "4")
    diff("XADD", "s", "3-0", "b", "3", "a", "4")
    diff("XADD", "s", "4-0", "a", "3")
    diff("XADD", "s", "5-0", "a", "3", "b", "4", "c", "5")
    diff("XRANGE", "s", "-", "+")
    diff("XREVRANGE", "s", "+", "-")
    diff("DEBUG", "DIGEST-VALUE", "s")


def test_xadd_wrongtype(diff):
    diff("SET", "str", "x")
    diff("XADD", "str", "*", "a", "1")
    diff("XADD", "str", "NOMKSTREAM", "*", "a", "1")
    diff("XADD", "str", "0-0", "a", "1")
    diff("XADD", "str", "FOO", "a", "1")


# ---- XRANGE XREVRANGE ------------------------------------------------------------------------------

@pytest.fixture
def ranged(diff):
    for ms in (1, 2, 5):
        for seq in (0, 1, 7):
            diff("XADD", "r", "%d-%d" % (ms, seq), "f", "%d.%d" % (ms, seq))
    diff("XADD", "r", "18446744073709551615-0", "last", "x")
    return diff


@pytest.mark.parametrize("a,b", [
    ("-", "+"), ("+", "-"), ("2", "2"), ("2-1", "5"), ("(2-1", "5"), ("2-1", "(5-1"),
    ("(2", "(5"), ("(1-7", "(2-0"), ("(-", "+"), ("-", "(+"), ("0", "0"), ("5-7", "5-7"),
    ("(5-7", "5-7"), ("1-18446744073709551615", "+"), ("(1-18446744073709551615", "+"),
    ("18446744073709551615", "+"), ("(18446744073709551615-18446744073709551615", "+"),
    ("-", "(0-0"), ("-", "(0"), ("-", "(0-1"), ("(", "+"), ("-", "("), ("x", "+"), ("-", "x"),
    ("((1", "+"), ("(1-", "+"), (" 1", "+"), ("1-+7", "+"), ("-1", "+"), ("-", "-"), ("+", "+"),
])
def test_xrange_bounds(ranged, a, b):
    ranged("XRANGE", "r", a, b)
    ranged("XREVRANGE", "r", b, a)


@pytest.mark.parametrize("opts", [
    ("COUNT", "2"), ("COUNT", "0"), ("COUNT", "-1"), ("count", "100"), ("COUNT",),
    ("COUNT", "x"), ("COUNT", "1", "COUNT", "3"), ("FOO",), ("COUNT", "1", "FOO"),
    ("COUNT", "9223372036854775807"), ("COUNT", "9223372036854775808"),
])
def test_xrange_count(ranged, opts):
    ranged("XRANGE", "r", "-", "+", *opts)
    ranged("XREVRANGE", "r", "+", "-", *opts)
    ranged("XRANGE", "nokey", "-", "+", *opts)


def test_xrange_missing_and_wrongtype(diff):
    diff("XRANGE", "nokey", "-", "+")
    diff("XREVRANGE", "nokey", "+", "-")
    diff("SET", "str", "x")
    diff("XRANGE", "str", "-", "+")
    diff("XRANGE", "str", "x", "+")
    diff("XRANGE", "str", "-", "+", "COUNT", "0")
    diff("XLEN", "str")
    diff("XLEN", "nokey")


def test_xrange_resp3_and_many_nodes(diff):
    fill(diff, "s", 450, fields=("f", "v", "g", "w"))
    diff("XDEL", "s", "5-0", "100-0", "101-0", "250-0")
    diff("XRANGE", "s", "90", "110")
    diff("XREVRANGE", "s", "260", "240", "COUNT", "7")
    diff("XRANGE", "s", "-", "+", "COUNT", "150")
    diff("XREVRANGE", "s", "+", "-")
    diff.hello(3)
    diff("XRANGE", "s", "-", "+", "COUNT", "3")
    diff("XRANGE", "s", "-", "+", "COUNT", "0")
    diff("XRANGE", "nokey", "-", "+")


# ---- XDEL XLEN XTRIM ----------------------------------------------------------------------------------

def test_xdel(diff):
    fill(diff, "s", 250)
    diff("XDEL", "s", "1-0")
    diff("XDEL", "s", "1-0")
    diff("XDEL", "s", "2-0", "3-0", "999-0", "3-0")
    diff("XDEL", "s", "120-0", "x")                     # all checked first
    diff("XDEL", "s", "120", "121-0")
    diff("XDEL", "s", "-")
    diff("XDEL", "s", "+")
    diff("XDEL", "nokey", "x")                          # missing key: 0 before parsing
    diff("XLEN", "s")
    diff("XINFO", "STREAM", "s")
    for i in range(101, 201):
        diff("XDEL", "s", "%d-0" % i)
    diff("XINFO", "STREAM", "s")
    diff("XRANGE", "s", "95", "205")
    diff("SET", "str", "x")
    diff("XDEL", "str", "1-1")
    diff("XDEL", "s")


def test_xdel_everything_and_reuse(diff):
    fill(diff, "s", 5)
    diff("XDEL", "s", "1-0", "2-0", "3-0", "4-0", "5-0")
    diff("XLEN", "s")
    diff("EXISTS", "s")
    diff("XINFO", "STREAM", "s")
    diff("XADD", "s", "5-0", "a", "1")
    diff("XADD", "s", "6-0", "a", "1")
    diff("XINFO", "STREAM", "s")


@pytest.mark.parametrize("opts", [
    ("MAXLEN", "100"), ("MAXLEN", "=", "100"), ("MAXLEN", "~", "100"), ("MAXLEN", "0"),
    ("MAXLEN", "~", "0"), ("MAXLEN", "1000"), ("MINID", "150"), ("MINID", "~", "150"),
    ("MINID", "150-1"), ("MINID", "=", "0"), ("MAXLEN", "~", "10", "LIMIT", "100"),
    ("MAXLEN", "~", "10", "LIMIT", "99"), ("MAXLEN", "~", "10", "LIMIT", "0"),
    ("MINID", "~", "250", "LIMIT", "150"), ("LIMIT", "100", "MAXLEN", "~", "10"),
], ids=lambda a: " ".join(a))
def test_xtrim(diff, opts):
    fill(diff, "s", 300)
    diff("XDEL", "s", "2-0", "150-0")
    diff("XTRIM", "s", *opts)
    diff("XLEN", "s")
    diff("XINFO", "STREAM", "s")
    diff("XRANGE", "s", "-", "+", "COUNT", "2")


@pytest.mark.parametrize("opts", [
    (), ("MAXLEN",), ("MAXLEN", "-1"), ("MAXLEN", "x"), ("MINID", "-"), ("NOMKSTREAM",),
    ("LIMIT", "10"), ("LIMIT", "10", "MAXLEN", "5"), ("MAXLEN", "5", "LIMIT", "-1"),
    ("MAXLEN", "5", "MINID", "1"), ("MAXLEN", "5", "foo"), ("*",), ("1-1",), ("LIMIT", "0"),
    ("MAXLEN", "~", "5", "LIMIT", "x"),
], ids=lambda a: " ".join(a) or "none")
def test_xtrim_errors(diff, opts):
    fill(diff, "s", 5)
    diff("XTRIM", "s", *opts)
    diff("XTRIM", "nokey", *opts)
    diff("SET", "str", "x")
    diff("XTRIM", "str", *opts)


def test_xtrim_approx_limit_default(diff):
    """Without LIMIT, ~ trims at most 100 * stream-node-max-entries."""
    try:
        diff("CONFIG", "SET", "stream-node-max-entries", "1")
        fill(diff, "s", 250)
        diff("XTRIM", "s", "MAXLEN", "~", "0")
        diff("XLEN", "s")
        diff("CONFIG", "SET", "stream-node-max-entries", "0")
        diff("XTRIM", "s", "MAXLEN", "~", "0")
        diff("XLEN", "s")
    finally:
        diff("CONFIG", "SET", "stream-node-max-entries", "100")


# ---- XSETID ------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("200-0",), ("5-0",), ("3-0",), ("4-0",), ("200-0", "ENTRIESADDED", "100"),
    ("200-0", "ENTRIESADDED", "4"), ("200-0", "ENTRIESADDED", "3"), ("200-0", "ENTRIESADDED", "-1"),
    ("200-0", "ENTRIESADDED", "x"), ("200-0", "MAXDELETEDID", "100-0"),
    ("200-0", "MAXDELETEDID", "300-0"), ("200-0", "MAXDELETEDID", "0-0"),
    ("200-0", "MAXDELETEDID", "x"), ("200-0", "ENTRIESADDED", "9", "MAXDELETEDID", "7"),
    ("200-0", "ENTRIESADDED"), ("200-0", "FOO"), ("200-0", "0"), ("200-0", "0-0"), ("-",), ("+",),
    ("x",), ("200",),
], ids=lambda a: " ".join(a))
def test_xsetid(diff, args):
    fill(diff, "s", 4)
    diff("XSETID", "s", *args)
    diff("XINFO", "STREAM", "s")
    diff("XSETID", "nokey", *args)
    diff("XADD", "s", "201-0", "a", "1")


def test_xsetid_empty_stream(diff):
    fill(diff, "s", 3)
    diff("XDEL", "s", "1-0", "2-0", "3-0")
    diff("XSETID", "s", "1-0")                          # empty: anything goes
    diff("XINFO", "STREAM", "s")
    diff("XADD", "s", "2-0", "a", "1")
    diff("SET", "str", "x")
    diff("XSETID", "str", "1-1")


# ---- XINFO --------------------------------------------------------------------------------------------

def test_xinfo_stream(diff):
    diff("XADD", "s", "1-0", "a", "1")
    diff("XINFO", "STREAM", "s")
    diff("XINFO", "STREAM", "s", "FULL")
    fill(diff, "s", 30, start_ms=10)
    diff("XDEL", "s", "10-0", "20-0")
    diff("XGROUP", "CREATE", "s", "g1", "0")
    diff("XGROUP", "CREATE", "s", "g2", "$", "ENTRIESREAD", "31")
    diff("XINFO", "STREAM", "s")
    for opts in [("FULL",), ("FULL", "COUNT", "3"), ("FULL", "COUNT", "0"), ("full", "count", "-5"),
                 ("FULL", "COUNT", "x"), ("FULL", "COUNT"), ("FOO",), ("FULL", "FOO", "1"),
                 ("FULL", "COUNT", "1", "x"), ("COUNT", "1")]:
        masked(diff, "XINFO", "STREAM", "s", *opts)
    diff("XINFO", "STREAM", "nokey")
    diff("SET", "str", "x")
    diff("XINFO", "STREAM", "str")


def test_xinfo_full_with_pending(diff):
    fill(diff, "s", 20)
    diff("XGROUP", "CREATE", "s", "g", "0")
    diff("XREADGROUP", "GROUP", "g", "alice", "COUNT", "7", "STREAMS", "s", ">")
    diff("XREADGROUP", "GROUP", "g", "bob", "COUNT", "5", "STREAMS", "s", ">")
    diff("XGROUP", "CREATECONSUMER", "s", "g", "carol")
    diff("XACK", "s", "g", "2-0", "9-0")
    masked(diff, "XINFO", "STREAM", "s", "FULL")
    masked(diff, "XINFO", "STREAM", "s", "FULL", "COUNT", "2")
    masked(diff, "XINFO", "STREAM", "s", "FULL", "COUNT", "0")
    masked(diff, "XINFO", "CONSUMERS", "s", "g")
    diff("XINFO", "GROUPS", "s")
    diff.hello(3)
    masked(diff, "XINFO", "STREAM", "s", "FULL")
    masked(diff, "XINFO", "CONSUMERS", "s", "g")
    diff("XINFO", "GROUPS", "s")
    diff("XINFO", "STREAM", "s")


def test_xinfo_errors_and_help(diff):
    diff("XADD", "s", "1-0", "a", "1")
    diff("XINFO", "HELP")
    diff("xinfo", "help")
    diff("XINFO", "HELP", "x")
    diff("XINFO", "GROUPS")
    diff("XINFO", "GROUPS", "s", "x")
    diff("XINFO", "CONSUMERS", "s")
    diff("XINFO", "CONSUMERS", "s", "nogroup")
    diff("XINFO", "CONSUMERS", "nokey", "g")
    diff("XINFO", "CONSUMERS", "s", "g", "x")
    diff("XINFO", "GROUPS", "nokey")
    diff("XINFO", "STREAM")
    diff("XINFO", "FOO", "s")
    diff("XINFO", "FOO")
    diff("XINFO")
    diff("XINFO", "GROUPS", "s")
    diff.hello(3)
    diff("XINFO", "HELP")
    diff("XINFO", "GROUPS", "s")


def test_xinfo_lag_and_entries_read(diff):
    """The read counter and lag of Redis 7.0 across XADD, XDEL, XTRIM,
    XSETID and XGROUP SETID."""
    diff("XGROUP", "CREATE", "s", "g1", "$", "MKSTREAM")
    diff("XINFO", "GROUPS", "s")
    fill(diff, "s", 5)
    diff("XGROUP", "CREATE", "s", "g2", "0")
    diff("XGROUP", "CREATE", "s", "g3", "3-0")
    diff("XGROUP", "CREATE", "s", "g4", "$")
    diff("XINFO", "GROUPS", "s")
    diff("XREADGROUP", "GROUP", "g1", "c", "COUNT", "2", "STREAMS", "s", ">")
    diff("XREADGROUP", "GROUP", "g2", "c", "STREAMS", "s", ">")
    diff("XINFO", "GROUPS", "s")
    diff("XDEL", "s", "3-0")
    diff("XINFO", "GROUPS", "s")
    diff("XREADGROUP", "GROUP", "g1", "c", "COUNT", "1", "STREAMS", "s", ">")
    diff("XINFO", "GROUPS", "s")
    diff("XREADGROUP", "GROUP", "g3", "c", "STREAMS", "s", ">")
    diff("XINFO", "GROUPS", "s")
    diff("XTRIM", "s", "MAXLEN", "2")
    diff("XINFO", "GROUPS", "s")
    diff("XGROUP", "SETID", "s", "g2", "0", "ENTRIESREAD", "0")
    diff("XINFO", "GROUPS", "s")
    diff("XGROUP", "SETID", "s", "g2", "1-0")
    diff("XINFO", "GROUPS", "s")
    diff("XADD", "s", "10-0", "f", "v")
    diff("XINFO", "GROUPS", "s")
    diff("XSETID", "s", "20-0", "ENTRIESADDED", "30", "MAXDELETEDID", "15-0")
    diff("XINFO", "GROUPS", "s")
    diff("XINFO", "STREAM", "s")
    diff("XREADGROUP", "GROUP", "g4", "c", "STREAMS", "s", ">")
    diff("XINFO", "GROUPS", "s")


# ---- XGROUP -----------------------------------------------------------------------------------------------

def test_xgroup_create(diff):
    diff("XGROUP", "CREATE", "s", "g", "$")
    diff("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    diff("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    diff("XINFO", "GROUPS", "s")
    fill(diff, "s", 3)
    for args in [("g2", "0"), ("g3", "$"), ("g4", "2"), ("g5", "2-*"), ("g6", "-"), ("g7", "+"),
                 ("g8", "x"), ("g9", "0", "ENTRIESREAD", "2"), ("g10", "0", "ENTRIESREAD", "-1"),
                 ("g11", "0", "ENTRIESREAD", "-2"), ("g12", "0", "ENTRIESREAD", "x"),
                 ("g13", "0", "ENTRIESREAD"), ("g14", "0", "MKSTREAM", "ENTRIESREAD", "1"),
                 ("g15", "0", "FOO"), ("g16", "0", "MKSTREAM", "MKSTREAM", "MKSTREAM"),
                 ("g17", "0", "MKSTREAM", "MKSTREAM", "MKSTREAM", "MKSTREAM"),
                 ("g18", "99999"), ("", "0"), ("g 19", "0")]:
        diff("XGROUP", "CREATE", "s", *args)
    diff("XINFO", "GROUPS", "s")
    diff("XGROUP", "CREATE", "s")
    diff("XGROUP", "CREATE", "s", "g")
    diff("SET", "str", "x")
    diff("XGROUP", "CREATE", "str", "g", "$", "MKSTREAM")
    diff("XGROUP", "CREATE", "nokey", "g", "$")
    diff("XGROUP", "CREATE", "nokey", "g", "x", "MKSTREAM")
    diff("EXISTS", "nokey")
    diff("XGROUP", "CREATE", "new", "g", "5-5", "MKSTREAM")
    diff("XINFO", "STREAM", "new")


def test_xgroup_setid_destroy_consumers(diff):
    fill(diff, "s", 5)
    diff("XGROUP", "CREATE", "s", "g", "0")
    for args in [("0",), ("$",), ("3",), ("-",), ("+",), ("x",), ("3", "ENTRIESREAD", "2"),
                 ("3", "ENTRIESREAD", "-1"), ("3", "ENTRIESREAD", "-7"), ("3", "ENTRIESREAD"),
                 ("3", "MKSTREAM"), ("3", "ENTRIESREAD", "2", "x")]:
        diff("XGROUP", "SETID", "s", "g", *args)
        diff("XINFO", "GROUPS", "s")
    diff("XGROUP", "SETID", "s", "nog", "0")
    diff("XGROUP", "SETID", "nokey", "g", "0")
    diff("XGROUP", "CREATECONSUMER", "s", "g", "alice")
    diff("XGROUP", "CREATECONSUMER", "s", "g", "alice")
    diff("XGROUP", "CREATECONSUMER", "s", "g", "")
    diff("XGROUP", "CREATECONSUMER", "s", "nog", "alice")
    diff("XGROUP", "CREATECONSUMER", "nokey", "g", "alice")
    diff("XGROUP", "CREATECONSUMER", "s", "g")
    diff("XGROUP", "SETID", "s", "g", "0")
    diff("XREADGROUP", "GROUP", "g", "bob", "COUNT", "3", "STREAMS", "s", ">")
    masked(diff, "XINFO", "CONSUMERS", "s", "g")
    diff("XGROUP", "DELCONSUMER", "s", "g", "bob")
    diff("XGROUP", "DELCONSUMER", "s", "g", "bob")
    diff("XGROUP", "DELCONSUMER", "s", "g", "alice")
    diff("XGROUP", "DELCONSUMER", "s", "nog", "alice")
    diff("XPENDING", "s", "g")
    masked(diff, "XINFO", "CONSUMERS", "s", "g")
    diff("XGROUP", "DESTROY", "s", "g")
    diff("XGROUP", "DESTROY", "s", "g")
    diff("XGROUP", "DESTROY", "nokey", "g")
    diff("XGROUP", "DESTROY", "s")
    diff("XGROUP", "DESTROY", "s", "g", "x")
    diff("XINFO", "GROUPS", "s")


def test_xgroup_help_and_errors(diff):
    diff("XGROUP", "HELP")
    diff("xgroup", "help")
    diff("XGROUP", "HELP", "x")
    diff("XGROUP")
    diff("XGROUP", "FOO")
    diff("XGROUP", "FOO", "s", "g")
    diff.hello(3)
    diff("XGROUP", "HELP")


def test_xgroup_on_other_types(diff):
    diff("SET", "str", "x")
    for sub in (("CREATE", "str", "g", "$"), ("SETID", "str", "g", "$"), ("DESTROY", "str", "g"),
                ("CREATECONSUMER", "str", "g", "c"), ("DELCONSUMER", "str", "g", "c")):
        diff("XGROUP", *sub)


# ---- XREAD (non blocking) ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("STREAMS", "s", "0"), ("STREAMS", "s", "t", "0", "0"), ("COUNT", "1", "STREAMS", "s", "t", "0", "0"),
    ("STREAMS", "s", "t", "$", "$"), ("STREAMS", "s", "3"), ("STREAMS", "s", "(3"),
    ("STREAMS", "s", "-"), ("STREAMS", "s", "+"), ("STREAMS", "s", "x"), ("STREAMS", "s", ">"),
    ("STREAMS", "s", "3-*"), ("STREAMS", "s", "nokey", "0", "0"), ("STREAMS", "nokey", "0"),
    ("STREAMS", "s", "s", "s", "0", "2", "4"), ("COUNT", "0", "STREAMS", "s", "0"),
    ("COUNT", "-5", "STREAMS", "s", "0"), ("COUNT", "x", "STREAMS", "s", "0"),
    ("COUNT", "2", "COUNT", "1", "STREAMS", "s", "0"), ("STREAMS", "s"), ("STREAMS", "s", "t", "0"),
    ("COUNT", "1"), ("FOO", "STREAMS", "s", "0"), ("GROUP", "g", "c", "STREAMS", "s", "0"),
    ("NOACK", "STREAMS", "s", "0"), ("BLOCK", "-1", "STREAMS", "s", "0"),
    ("BLOCK", "x", "STREAMS", "s", "0"), ("BLOCK", "1.5", "STREAMS", "s", "0"),
    ("BLOCK", "0", "STREAMS", "s", "0"), ("BLOCK", "10", "COUNT", "2", "STREAMS", "s", "0"),
    ("STREAMS", "str", "0"), ("STREAMS", "s", "str", "0", "0"), ("STREAMS", "str", "x"),
    ("streams", "s", "18446744073709551615-18446744073709551615"), ("COUNT", "1", "STREAMS"),
    ("STREAMS", "STREAMS", "0"), ("COUNT", "STREAMS", "s", "0"),
], ids=lambda a: " ".join(a))
def test_xread(diff, args):
    fill(diff, "s", 5)
    fill(diff, "t", 2, start_ms=3)
    diff("XADD", "STREAMS", "1-0", "a", "b")
    diff("SET", "str", "x")
    diff("XREAD", *args)
    diff.hello(3)
    diff("XREAD", *args)


def test_xread_tombstones_at_the_end(diff):
    """A stream whose last entries were deleted has nothing after them."""
    fill(diff, "s", 5)
    diff("XDEL", "s", "4-0", "5-0")
    diff("XREAD", "STREAMS", "s", "3-0")
    diff("XREAD", "BLOCK", "10", "STREAMS", "s", "3-0")
    diff("XREAD", "STREAMS", "s", "2-0")


# ---- XREADGROUP XACK XPENDING ------------------------------------------------------------------------------

@pytest.fixture
def grouped(diff):
    fill(diff, "s", 10)
    fill(diff, "t", 3, start_ms=100)
    diff("XGROUP", "CREATE", "s", "g", "0")
    diff("XGROUP", "CREATE", "t", "g", "0")
    diff("SET", "str", "x")
    return diff


@pytest.mark.parametrize("args", [
    ("GROUP", "g", "c", "STREAMS", "s", ">"), ("GROUP", "g", "c", "COUNT", "3", "STREAMS", "s", ">"),
    ("GROUP", "g", "c", "COUNT", "0", "STREAMS", "s", ">"),
    ("GROUP", "g", "c", "NOACK", "STREAMS", "s", ">"), ("GROUP", "g", "c", "STREAMS", "s", "t", ">", ">"),
    ("GROUP", "g", "c", "STREAMS", "s", "0"), ("GROUP", "g", "c", "STREAMS", "s", "$"),
    ("GROUP", "g", "c", "STREAMS", "s", "t", ">", "0"), ("GROUP", "nog", "c", "STREAMS", "s", ">"),
    ("GROUP", "g", "c", "STREAMS", "nokey", ">"), ("GROUP", "g", "c", "STREAMS", "str", ">"),
    ("GROUP", "g", "c", "STREAMS", "s", "x"), ("GROUP", "g", "c", "STREAMS", "s"),
    ("STREAMS", "s", ">"), ("GROUP", "g", "STREAMS", "s", ">"), ("GROUP", "g", "c", "FOO", "STREAMS", "s", ">"),
    ("GROUP", "g", "c", "BLOCK", "-1", "STREAMS", "s", ">"), ("GROUP", "g", "c", "NOACK", "NOACK", "STREAMS", "s", ">"),
    ("GROUP", "g", "c", "GROUP", "g", "d", "STREAMS", "s", ">"), ("group", "g", "c", "streams", "s", ">"),
    ("GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", "t", ">", ">"),
    ("GROUP", "g", "c", "STREAMS", "s", "s", ">", ">"),
], ids=lambda a: " ".join(a))
def test_xreadgroup(grouped, args):
    grouped("XREADGROUP", *args)
    grouped("XREADGROUP", *args)
    grouped("XPENDING", "s", "g")
    grouped("XINFO", "GROUPS", "s")
    grouped.hello(3)
    grouped("XREADGROUP", *args)
    grouped("XPENDING", "s", "g")


def test_xreadgroup_history(grouped):
    d = grouped
    d("XREADGROUP", "GROUP", "g", "alice", "COUNT", "4", "STREAMS", "s", ">")
    d("XREADGROUP", "GROUP", "g", "bob", "COUNT", "2", "STREAMS", "s", ">")
    d("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")
    d("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", "2")
    d("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "(2")
    d("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", "0")
    d("XREADGROUP", "GROUP", "g", "nobody", "STREAMS", "s", "0")
    d("XDEL", "s", "2-0")
    d("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")      # deleted: [id, nil]
    d("XACK", "s", "g", "1-0", "2-0")
    d("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")
    pending_masked(d, "XPENDING", "s", "g", "-", "+", "10")
    d.hello(3)
    d("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")
    d("XDEL", "s", "3-0")
    d("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")


def test_xreadgroup_setid_back_reassigns(grouped):
    """An entry pending for one consumer, delivered again after SETID,
    moves to the new reader with a fresh count."""
    d = grouped
    d("XREADGROUP", "GROUP", "g", "alice", "COUNT", "3", "STREAMS", "s", ">")
    d("XGROUP", "SETID", "s", "g", "0")
    d("XREADGROUP", "GROUP", "g", "bob", "COUNT", "2", "STREAMS", "s", ">")
    d("XPENDING", "s", "g")
    pending_masked(d, "XPENDING", "s", "g", "-", "+", "10")
    d("XGROUP", "SETID", "s", "g", "0")
    d("XREADGROUP", "GROUP", "g", "bob", "COUNT", "2", "NOACK", "STREAMS", "s", ">")
    pending_masked(d, "XPENDING", "s", "g", "-", "+", "10")
    masked(d, "XINFO", "STREAM", "s", "FULL")


def test_xack(grouped):
    d = grouped
    d("XREADGROUP", "GROUP", "g", "alice", "COUNT", "5", "STREAMS", "s", ">")
    d("XACK", "s", "g", "1-0")
    d("XACK", "s", "g", "1-0")
    d("XACK", "s", "g", "2-0", "3", "3-0", "99-0")
    d("XACK", "s", "g", "4-0", "x")                     # checked before any ack
    d("XACK", "s", "g", "-")
    d("XACK", "s", "nog", "x")                          # missing group: 0 first
    d("XACK", "nokey", "g", "x")
    d("XACK", "str", "g", "1-0")
    d("XACK", "s", "g")
    d("XPENDING", "s", "g")
    masked(d, "XINFO", "CONSUMERS", "s", "g")


@pytest.mark.parametrize("args", [
    (), ("-", "+", "10"), ("-", "+", "2"), ("-", "+", "0"), ("-", "+", "-1"), ("(2", "+", "10"),
    ("2", "(5", "10"), ("-", "+", "10", "alice"), ("-", "+", "10", "bob"), ("-", "+", "10", "nobody"),
    ("IDLE", "0", "-", "+", "10"), ("IDLE", "100000", "-", "+", "10"),
    ("IDLE", "0", "-", "+", "10", "alice"), ("IDLE", "x", "-", "+", "10"), ("IDLE", "0", "-", "+"),
    ("-", "+"), ("-",), ("-", "+", "x"), ("x", "+", "10"), ("-", "x", "10"),
    ("(18446744073709551615-18446744073709551615", "+", "10"), ("-", "(0", "10"),
    ("-", "+", "10", "alice", "extra"), ("-", "+", "10", "alice", "x", "y"),
    ("IDLE", "0", "-", "+", "10", "alice", "extra"), ("idle", "-1", "-", "+", "1"),
    ("3", "3", "1"), ("+", "-", "10"),
], ids=lambda a: " ".join(a) or "summary")
def test_xpending(grouped, args):
    d = grouped
    d("XREADGROUP", "GROUP", "g", "alice", "COUNT", "4", "STREAMS", "s", ">")
    d("XREADGROUP", "GROUP", "g", "bob", "COUNT", "3", "STREAMS", "s", ">")
    d("XGROUP", "CREATECONSUMER", "s", "g", "idle-one")
    pending_masked(d, "XPENDING", "s", "g", *args)
    pending_masked(d, "XPENDING", "s", "nog", *args)
    pending_masked(d, "XPENDING", "nokey", "g", *args)
    pending_masked(d, "XPENDING", "str", "g", *args)
    d.hello(3)
    pending_masked(d, "XPENDING", "s", "g", *args)


def test_xpending_empty_group(grouped):
    grouped("XPENDING", "s", "g")
    grouped("XPENDING", "s", "g", "-", "+", "10")
    grouped.hello(3)
    grouped("XPENDING", "s", "g")


# ---- XCLAIM XAUTOCLAIM ----------------------------------------------------------------------------------

@pytest.fixture
def claimed(grouped):
    d = grouped
    d("XREADGROUP", "GROUP", "g", "alice", "COUNT", "6", "STREAMS", "s", ">")
    return d


@pytest.mark.parametrize("args", [
    ("bob", "0", "1-0"), ("bob", "0", "1-0", "2-0", "99-0"), ("bob", "0", "1-0", "JUSTID"),
    ("bob", "0", "1-0", "RETRYCOUNT", "7"), ("bob", "0", "1-0", "RETRYCOUNT", "7", "JUSTID"),
    ("bob", "0", "1-0", "IDLE", "5000"), ("bob", "0", "1-0", "TIME", "1000"),
    ("bob", "0", "1-0", "TIME", "99999999999999"), ("bob", "0", "1-0", "IDLE", "-5"),
    ("bob", "0", "9-0"), ("bob", "0", "9-0", "FORCE"), ("bob", "0", "9-0", "FORCE", "JUSTID"),
    ("bob", "0", "99-0", "FORCE"), ("bob", "0", "1-0", "LASTID", "8-0"),
    ("bob", "0", "1-0", "LASTID", "50-0"), ("bob", "0", "1-0", "LASTID", "x"),
    ("bob", "0", "1-0", "LASTID", "-"), ("bob", "100000", "1-0"), ("bob", "-5", "1-0"),
    ("bob", "x", "1-0"), ("bob", "0", "1-0", "IDLE", "x"), ("bob", "0", "1-0", "TIME", "x"),
    ("bob", "0", "1-0", "RETRYCOUNT", "x"), ("bob", "0", "1-0", "FOO"), ("bob", "0", "+"),
    ("bob", "0", "1-0", "IDLE"), ("bob", "0", "1-0", "5"), ("alice", "0", "1-0", "2-0"),
    ("bob", "0", "FORCE", "1-0"), ("bob", "0", "1-0", "retrycount", "-1"),
    ("bob", "0", "1-0", "RETRYCOUNT", "3", "IDLE", "20", "FORCE", "JUSTID", "LASTID", "2-0"),
], ids=lambda a: " ".join(a))
def test_xclaim(claimed, args):
    d = claimed
    d("XCLAIM", "s", "g", *args)
    d("XPENDING", "s", "g")
    pending_masked(d, "XPENDING", "s", "g", "-", "+", "20")
    d("XINFO", "GROUPS", "s")


def test_xclaim_deleted_and_errors(claimed):
    d = claimed
    d("XDEL", "s", "2-0", "3-0")
    d("XCLAIM", "s", "g", "bob", "0", "2-0", "3-0", "4-0")
    d("XPENDING", "s", "g")
    d("XCLAIM", "s", "nog", "bob", "0", "1-0")
    d("XCLAIM", "nokey", "g", "bob", "0", "1-0")
    d("XCLAIM", "str", "g", "bob", "0", "1-0")
    d("XCLAIM", "s", "g", "bob", "0")
    d.hello(3)
    d("XCLAIM", "s", "g", "carol", "0", "5-0", "6-0")
    d("XCLAIM", "s", "g", "carol", "0", "5-0", "JUSTID")


@pytest.mark.parametrize("args", [
    ("bob", "0", "0"), ("bob", "0", "0", "COUNT", "2"), ("bob", "0", "0", "COUNT", "1", "JUSTID"),
    ("bob", "0", "3"), ("bob", "0", "(3"), ("bob", "0", "-"), ("bob", "0", "+"),
    ("bob", "100000", "0"), ("bob", "-1", "0"), ("bob", "x", "0"), ("bob", "0", "x"),
    ("bob", "0", "0", "COUNT", "0"), ("bob", "0", "0", "COUNT", "-1"), ("bob", "0", "0", "COUNT", "x"),
    ("bob", "0", "0", "COUNT"), ("bob", "0", "0", "FOO"), ("bob", "0", "0", "JUSTID", "JUSTID"),
    ("bob", "0", "0", "COUNT", "576460752303423487"), ("bob", "0", "0", "COUNT", "576460752303423488"),
    ("bob", "0", "(18446744073709551615-18446744073709551615"), ("alice", "0", "0", "COUNT", "3"),
], ids=lambda a: " ".join(a))
def test_xautoclaim(claimed, args):
    d = claimed
    d("XDEL", "s", "2-0", "4-0")
    d("XAUTOCLAIM", "s", "g", *args)
    d("XPENDING", "s", "g")
    pending_masked(d, "XPENDING", "s", "g", "-", "+", "20")
    d("XAUTOCLAIM", "s", "nog", *args)
    d("XAUTOCLAIM", "nokey", "g", *args)
    d("XAUTOCLAIM", "str", "g", *args)
    d.hello(3)
    d("XAUTOCLAIM", "s", "g", *args)


def test_xautoclaim_cursor_walk(claimed):
    """Walking the PEL with the returned cursor, deleted entries reported
    once and counted against COUNT."""
    d = claimed
    d("XDEL", "s", "1-0", "3-0", "5-0")
    cursor = "0-0"
    for _ in range(6):
        r = d("XAUTOCLAIM", "s", "g", "bob", "0", cursor, "COUNT", "2")
        cursor = re.match(rb"\*3\r\n\$\d+\r\n([0-9-]+)\r\n", r).group(1).decode()
        if cursor == "0-0":
            break
    d("XPENDING", "s", "g")


# ---- generic commands on streams ----------------------------------------------------------------------

def test_generic_commands(diff):
    fill(diff, "s", 120)
    diff("XGROUP", "CREATE", "s", "g", "0")
    diff("XREADGROUP", "GROUP", "g", "alice", "COUNT", "3", "STREAMS", "s", ">")
    diff("TYPE", "s")
    diff("OBJECT", "ENCODING", "s")
    diff("OBJECT", "REFCOUNT", "s")
    diff("DEBUG", "DIGEST-VALUE", "s")
    r, p = diff.both("DEBUG", "OBJECT", "s")
    mask_addr = lambda b: re.sub(rb" lru:\d+", b" lru:X", re.sub(rb"Value at:0x[0-9a-f]+", b"Value at:X", b))
    assert mask_addr(p) == mask_addr(r)
    r, p = diff.both("MEMORY", "USAGE", "s")
    assert r.startswith(b":") and p.startswith(b":") and int(p[1:]) > 120 * 4
    diff("COPY", "s", "c")
    diff("DEBUG", "DIGEST-VALUE", "c")
    diff("XINFO", "GROUPS", "c")
    diff("XPENDING", "c", "g")
    diff("XACK", "c", "g", "1-0")                       # the copy's PEL is its own
    diff("XPENDING", "s", "g")
    diff("XADD", "c", "500-0", "x", "y")
    diff("XLEN", "s")
    diff("COPY", "s", "c")
    diff("COPY", "s", "c", "REPLACE")
    diff("COPY", "s", "c", "DB", "1")
    diff("RENAME", "c", "d")
    diff("XINFO", "STREAM", "d")
    diff("MOVE", "d", "2")
    diff("SELECT", "2")
    diff("XINFO", "STREAM", "d")
    diff("XPENDING", "d", "g")
    diff("SELECT", "1")
    diff("XLEN", "c")
    diff("SELECT", "0")
    diff("SCAN", "0", "TYPE", "stream")
    diff("GET", "s")
    diff("LPUSH", "s", "x")
    diff("HSET", "s", "f", "v")
    diff("EXPIRE", "s", "100")
    diff("TTL", "s")
    diff("PERSIST", "s")
    diff("DEBUG", "DIGEST")
    diff("DEL", "s")
    diff("EXISTS", "s")
    diff("DEBUG", "DIGEST")


def test_digest_of_empty_and_grouped_stream(diff):
    diff("XADD", "s", "1-0", "a", "1")
    diff("XDEL", "s", "1-0")
    diff("DEBUG", "DIGEST-VALUE", "s")
    diff("XGROUP", "CREATE", "s", "g", "$")
    diff("DEBUG", "DIGEST-VALUE", "s")
    r, p = diff.both("DEBUG", "OBJECT", "s")
    mask_addr = lambda b: re.sub(rb" lru:\d+", b" lru:X", re.sub(rb"Value at:0x[0-9a-f]+", b"Value at:X", b))
    assert mask_addr(p) == mask_addr(r)


@pytest.mark.parametrize("cmd", [
    ("XADD", "s", "10-0", "a", "1"), ("XADD", "s", "1-0", "a", "1"), ("XADD", "s", "MAXLEN", "2", "10-0", "a", "1"),
    ("XADD", "s", "NOMKSTREAM", "10-0", "a", "1"), ("XDEL", "s", "1-0", "2-0", "99-0"), ("XDEL", "s", "99-0"),
    ("XTRIM", "s", "MAXLEN", "1"), ("XTRIM", "s", "MAXLEN", "10"), ("XSETID", "s", "50-0"),
    ("XGROUP", "CREATE", "s", "g2", "0"), ("XGROUP", "CREATE", "new", "g", "0", "MKSTREAM"),
    ("XGROUP", "SETID", "s", "g", "0"), ("XGROUP", "DESTROY", "s", "g"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "x"), ("XGROUP", "DELCONSUMER", "s", "g", "alice"),
    ("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "bob", "NOACK", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"),
    ("XACK", "s", "g", "1-0", "2-0", "3-0"), ("XCLAIM", "s", "g", "bob", "0", "1-0", "2-0"),
    ("XCLAIM", "s", "g", "bob", "0", "1-0", "JUSTID", "LASTID", "9-0"),
    ("XCLAIM", "s", "g", "bob", "0", "9-0", "LASTID", "9-0"),
    ("XAUTOCLAIM", "s", "g", "bob", "0", "0"), ("XRANGE", "s", "-", "+"),
    ("XREAD", "STREAMS", "s", "0"),
], ids=lambda a: " ".join(a))
def test_dirty_counter(diff, cmd):
    """Changes counted like Redis (INFO rdb_changes_since_last_save)."""
    fill(diff, "s", 5)
    diff("XGROUP", "CREATE", "s", "g", "0")
    diff("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">")
    before = (_changes(diff.r), _changes(diff.p))
    diff(*cmd)
    after = (_changes(diff.r), _changes(diff.p))
    assert after[1] - before[1] == after[0] - before[0]


def test_watch(diff, pair):
    """What touches a WATCHed stream in Redis 7.0: XADD, XDEL and XTRIM do;
    group commands, XSETID and reads do not."""
    fill(diff, "s", 5)
    diff("XGROUP", "CREATE", "s", "g", "0")
    for cmd in [("XADD", "s", "10-0", "a", "1"), ("XDEL", "s", "1-0"), ("XDEL", "s", "99-0"),
                ("XTRIM", "s", "MAXLEN", "3"), ("XTRIM", "s", "MAXLEN", "100"), ("XSETID", "s", "20-0"),
                ("XGROUP", "CREATE", "s", "g2", "0"),
                ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"), ("XACK", "s", "g", "3-0"),
                ("XGROUP", "DESTROY", "s", "g2")]:
        diff("WATCH", "s")
        pair()(*cmd)
        diff("MULTI")
        diff("XLEN", "s")
        diff("EXEC")


def test_command_getkeys(diff):
    for args in [("XREAD", "COUNT", "2", "STREAMS", "a", "b", "0", "0"),
                 ("XREAD", "BLOCK", "0", "STREAMS", "a", "0"),
                 ("XREADGROUP", "GROUP", "streams", "c", "STREAMS", "a", "b", "0", "0"),
                 ("XREADGROUP", "GROUP", "g", "c", "NOACK", "COUNT", "1", "STREAMS", "a", ">"),
                 ("XREAD", "STREAMS", "a"), ("XREAD", "STREAMS", "a", "b", "c"),
                 ("XREAD", "STREAMS", "STREAMS", "0"), ("XADD", "s", "*", "a", "1"),
                 ("XGROUP", "CREATE", "s", "g", "$"), ("XINFO", "STREAM", "s"),
                 ("XAUTOCLAIM", "s", "g", "c", "0", "0"), ("XSETID", "s", "1-1")]:
        diff("COMMAND", "GETKEYS", *args)
        diff("COMMAND", "GETKEYSANDFLAGS", *args)


# ---- blocking --------------------------------------------------------------------------------------------

def test_block_timeouts(diff):
    diff("XREAD", "BLOCK", "30", "STREAMS", "nokey", "$")
    diff("XREAD", "BLOCK", "30", "STREAMS", "nokey", "0")
    diff("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    diff("XREADGROUP", "GROUP", "g", "c", "BLOCK", "30", "STREAMS", "s", ">")
    diff("XREADGROUP", "GROUP", "g", "c", "BLOCK", "30", "STREAMS", "s", "0")   # history: no block
    diff.hello(3)
    diff("XREAD", "BLOCK", "30", "STREAMS", "nokey", "$")
    diff("XREADGROUP", "GROUP", "g", "c", "BLOCK", "30", "STREAMS", "s", ">")
    masked(diff, "XINFO", "CONSUMERS", "s", "g")


def test_block_xread_dollar(diff, pair):
    b = pair()
    diff("XADD", "s", "1-0", "a", "1")
    send(b, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    settle()
    diff("XADD", "other", "1-0", "a", "1")
    diff("XADD", "s", "2-0", "b", "2")
    read(b)
    # "$" keeps meaning the last ID when the client blocked: an entry added
    # and deleted meanwhile, then a new one, serves only the new one.
    send(b, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    settle()
    diff("MULTI")
    diff("XADD", "s", "3-0", "c", "3")
    diff("XADD", "s", "4-0", "d", "4")
    diff("EXEC")
    read(b)


def test_block_xread_served_in_order(diff, pair):
    b, c, e = pair(), pair(), pair()
    fill(diff, "s", 3)
    send(b, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    settle()
    send(c, "XREAD", "BLOCK", "0", "COUNT", "1", "STREAMS", "s", "1-0")   # served at once
    read(c)
    send(c, "XREAD", "BLOCK", "0", "STREAMS", "nokey", "s", "$", "$")
    settle()
    send(e, "XREAD", "BLOCK", "0", "COUNT", "2", "STREAMS", "s", "3-0")
    settle()
    diff("XADD", "s", "4-0", "x", "1")
    read(b)
    read(c)
    read(e)


def test_block_xread_wrongtype_and_deleted(diff, pair):
    b = pair()
    diff("XADD", "s", "1-0", "a", "1")
    send(b, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    settle()
    diff("DEL", "s")                                    # XREAD keeps waiting
    diff("SET", "s", "x")
    diff("DEL", "s")
    diff("XADD", "s", "0-1", "a", "1")                  # recreated: IDs > 1-0 only
    diff("XADD", "s", "2-0", "b", "1")
    read(b)
    send(b, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    settle()
    diff("XTRIM", "s", "MAXLEN", "0")                   # not a wake-up
    diff("XSETID", "s", "10-0")                         # nor this
    diff("XADD", "s", "11-0", "c", "1")
    read(b)


def test_block_xread_empty_reply_never(diff, pair):
    """Blocking XREAD will not reply with an empty array (Redis's test)."""
    b = pair()
    diff("XADD", "s", "666", "f", "v")
    diff("XADD", "s", "667", "f2", "v2")
    diff("XDEL", "s", "667")
    send(b, "XREAD", "BLOCK", "10", "STREAMS", "s", "666")
    time.sleep(0.1)
    read(b)


def test_block_xread_multiple_keys_in_multi(diff, pair):
    """Only the first key made ready is served, as Redis does."""
    b = pair()
    send(b, "XREAD", "BLOCK", "0", "STREAMS", "k1", "k2", "$", "$")
    settle()
    diff("MULTI")
    diff("XADD", "k2", "1-0", "a", "1")
    diff("XADD", "k1", "1-0", "a", "1")
    diff("EXEC")
    read(b)
    send(b, "XREAD", "BLOCK", "0", "STREAMS", "k1", "k1", "k1", "$", "0", "$")
    settle()
    diff("XADD", "k1", "2-0", "b", "2")
    read(b)


def test_block_xread_resp3_and_count(diff, pair):
    b = pair()
    b.hello(3)
    send(b, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    settle()
    diff("MULTI")
    for i in range(1, 1200):
        diff("XADD", "s", "%d-0" % i, "f", "v")
    diff("EXEC")
    read(b)                                             # 1000 at most without COUNT
    send(b, "XREAD", "BLOCK", "0", "COUNT", "2", "STREAMS", "s", "1-0")
    read(b)


def test_block_xreadgroup(diff, pair):
    b, c = pair(), pair()
    diff("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    send(b, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
    settle()
    send(c, "XREADGROUP", "GROUP", "g", "bob", "BLOCK", "0", "COUNT", "1", "STREAMS", "s", ">")
    settle()
    diff("XADD", "s", "1-0", "a", "1")
    read(b)                                             # first come, first served
    diff("XADD", "s", "2-0", "b", "2")
    read(c)
    diff("XPENDING", "s", "g")
    masked(diff, "XINFO", "CONSUMERS", "s", "g")
    send(b, "XREADGROUP", "GROUP", "g", "carol", "BLOCK", "0", "NOACK", "STREAMS", "s", ">")
    settle()
    diff("MULTI")
    diff("XADD", "s", "3-0", "c", "3")
    diff("XADD", "s", "4-0", "d", "4")
    diff("EXEC")
    read(b)
    diff("XPENDING", "s", "g")
    diff("XINFO", "GROUPS", "s")
    masked(diff, "XINFO", "CONSUMERS", "s", "g")


def test_block_xreadgroup_setid_moves_target(diff, pair):
    """A blocked reader waits for the group's last ID as it is when served."""
    b = pair()
    fill(diff, "s", 3)
    diff("XGROUP", "CREATE", "s", "g", "$")
    send(b, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
    settle()
    diff("XGROUP", "SETID", "s", "g", "1-0")
    diff("XADD", "s", "4-0", "x", "1")
    read(b)


@pytest.mark.parametrize("action", [
    ("DEL", "s"), ("SET", "s", "x"), ("XGROUP", "DESTROY", "s", "g"), ("FLUSHALL",), ("FLUSHDB",),
    ("UNLINK", "s"), ("RENAME", "s", "s2"), ("MOVE", "s", "3"),
], ids=lambda a: " ".join(a))
def test_block_xreadgroup_stream_or_group_gone(diff, pair, action):
    b = pair()
    diff("XADD", "s", "1-0", "a", "1")
    diff("XGROUP", "CREATE", "s", "g", "$")
    send(b, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
    settle()
    diff(*action)
    read(b)


def test_block_xreadgroup_recreated_stream(diff, pair):
    """A stream deleted and created again in one transaction: the group is
    gone, so the reader gets NOGROUP-like UNBLOCKED... as Redis decides."""
    b = pair()
    diff("XADD", "s", "1-0", "a", "1")
    diff("XGROUP", "CREATE", "s", "g", "$")
    send(b, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
    settle()
    diff("MULTI")
    diff("DEL", "s")
    diff("XADD", "s", "2-0", "a", "1")
    diff("EXEC")
    read(b)


@pytest.mark.parametrize("other", [None, ("LPUSH", "s", "e1")], ids=["missing", "list"])
def test_block_xreadgroup_swapdb(diff, pair, other):
    b = pair()
    diff("SELECT", "4")
    diff("FLUSHDB")
    if other:
        diff(*other)
    diff("SELECT", "9")
    diff("DEL", "s")
    diff("XADD", "s", "666", "f", "v")
    diff("XGROUP", "CREATE", "s", "g", "$")
    b("SELECT", "9")
    send(b, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
    settle()
    diff("SWAPDB", "4", "9")
    read(b)
    diff("FLUSHALL")


def test_block_xreadgroup_swapdb_to_stream(diff, pair):
    """SWAPDB brings in a stream: the reader is served from it, or gets
    NOGROUP when that stream has no such group."""
    b = pair()
    diff("SELECT", "4")
    diff("XADD", "s", "5-0", "other", "db")
    diff("XGROUP", "CREATE", "s", "g", "0")
    diff("SELECT", "9")
    diff("XADD", "s", "1-0", "f", "v")
    diff("XGROUP", "CREATE", "s", "g", "$")
    b("SELECT", "9")
    send(b, "XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
    settle()
    diff("SWAPDB", "4", "9")
    read(b)
    diff("FLUSHALL")


def test_block_client_unblock_and_multi(diff, pair):
    b = pair()
    r_id = int(b.r.call("CLIENT", "ID")[1:])
    p_id = int(b.p.call("CLIENT", "ID")[1:])
    for how in ([], ["TIMEOUT"], ["ERROR"]):
        send(b, "XREAD", "BLOCK", "0", "STREAMS", "nokey", "$")
        settle()
        assert diff.r.call("CLIENT", "UNBLOCK", str(r_id), *how) == diff.p.call(
            "CLIENT", "UNBLOCK", str(p_id), *how)
        read(b)
    diff("MULTI")
    diff("XREAD", "BLOCK", "0", "STREAMS", "nokey", "$")
    diff("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    diff("XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">")
    diff("EXEC")
    diff.hello(3)
    diff("MULTI")
    diff("XREAD", "BLOCK", "0", "STREAMS", "nokey", "$")
    diff("EXEC")


def test_block_xread_timeout_then_data(diff, pair):
    b = pair()
    send(b, "XREAD", "BLOCK", "100", "STREAMS", "s", "$")
    time.sleep(0.25)
    read(b)
    diff("XADD", "s", "1-0", "a", "1")
    send(b, "XREAD", "BLOCK", "2000", "STREAMS", "s", "$")
    settle()
    diff("XADD", "s", "2-0", "a", "1")
    read(b)


def _hits_misses(conn):
    info = conn.call("INFO", "stats").decode()
    return (int(re.search(r"keyspace_hits:(\d+)", info).group(1)),
            int(re.search(r"keyspace_misses:(\d+)", info).group(1)))


@pytest.mark.parametrize("cmd", [
    ("XADD", "s", "10-0", "a", "1"), ("XLEN", "s"), ("XLEN", "nokey"), ("XRANGE", "s", "-", "+"),
    ("XRANGE", "nokey", "-", "+"), ("XREAD", "STREAMS", "s", "nokey", "0", "0"),
    ("XREAD", "STREAMS", "s", "$"), ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">"), ("XACK", "s", "g", "1-0"),
    ("XACK", "nokey", "g", "1-0"), ("XPENDING", "s", "g"), ("XPENDING", "nokey", "g"),
    ("XCLAIM", "s", "g", "c", "0", "1-0"), ("XAUTOCLAIM", "s", "g", "c", "0", "0"),
    ("XINFO", "STREAM", "s"), ("XINFO", "GROUPS", "nokey"), ("XDEL", "s", "1-0"),
    ("XTRIM", "s", "MAXLEN", "1"), ("XSETID", "s", "99-0"), ("XGROUP", "CREATE", "s", "g2", "0"),
], ids=lambda a: " ".join(a))
def test_keyspace_stats(diff, cmd):
    """Keyspace hits and misses counted like Redis (the same lookups)."""
    fill(diff, "s", 3)
    diff("XGROUP", "CREATE", "s", "g", "0")
    before = (_hits_misses(diff.r), _hits_misses(diff.p))
    diff(*cmd)
    after = (_hits_misses(diff.r), _hits_misses(diff.p))
    assert [a - b for a, b in zip(after[1], before[1])] == [a - b for a, b in zip(after[0], before[0])]


def test_binary_names_in_errors_and_replies(diff):
    """Names are binary-safe in replies; in error texts they stop at a NUL
    byte and CR/LF become spaces, as Redis formats them."""
    diff("XADD", "s\x00k", "1-0", "f\x00", "v\r\n")
    diff("XRANGE", "s\x00k", "-", "+")
    diff("XGROUP", "CREATE", "s\x00k", "g\x00\n", "0")
    diff("XREADGROUP", "GROUP", "g\x00\n", "c\r\nx", "STREAMS", "s\x00k", ">")
    diff("XINFO", "GROUPS", "s\x00k")
    diff("XPENDING", "s\x00k", "g\x00\n")
    for g in ("g\x00", "g\nh", "\r\ng", "nog\x00x"):
        diff("XREADGROUP", "GROUP", g, "c", "STREAMS", "s\x00k", ">")
        diff("XPENDING", "s\x00k", g)
        diff("XCLAIM", "s\x00k", g, "c", "0", "1-0")
        diff("XAUTOCLAIM", "s\x00k", g, "c", "0", "0")
        diff("XINFO", "CONSUMERS", "s\x00k", g)
        diff("XGROUP", "SETID", "s\x00k", g, "0")
    diff("XCLAIM", "s\x00k", "g\x00\n", "c", "0", "1-0", "BAD\x00opt")
    diff("XCLAIM", "s\x00k", "g\x00\n", "c", "0", "1-0", "BAD\nopt")
