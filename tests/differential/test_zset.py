"""Sorted set commands against a real redis-server: every command and option,
errors, RESP3 replies, digests, WATCH, COPY and OBJECT ENCODING.

Every test runs twice (the ``zd`` fixture): at the default thresholds
(zset-max-listpack-entries 128, zset-max-listpack-value 64, so small sets
are listpacks and big ones skiplists, as in production), and with
zset-max-listpack-entries 0 on both servers, so the same commands also run
on skiplist-encoded small sets. Replies, OBJECT ENCODING and DEBUG
DIGEST-VALUE compare byte for byte. Thresholds, conversions, listpack bytes
(DUMP), ZSCAN and lex ranges over mixed scores (deterministic on a
listpack) are in tests/differential/test_zset_encodings.py."""

import pytest

from conftest import Differ
from engine.resp import ReplyReader

INF_FORMS = ["inf", "-inf", "+inf", "Infinity", "-INF"]


def parse(raw):
    rd = ReplyReader()
    rd.feed(raw)
    return rd.gets()


@pytest.fixture(params=["default", "skiplist"])
def zd(request, diff):
    if request.param == "skiplist":
        diff("CONFIG", "SET", "zset-max-listpack-entries", "0")
    yield diff
    diff("CONFIG", "SET", "zset-max-listpack-entries", "128")


@pytest.fixture
def other(redis_server, pyengine_server):
    """A second connection pair (WATCH races)."""
    d = Differ(redis_server.port, pyengine_server.port)
    yield d
    d.close()


def fill(d, key="z", n=10):
    args = []
    for i in range(n):
        args += [str(i * 1.5 - 3), "m%d" % i]
    d("ZADD", key, *args)


# ---- ZADD ------------------------------------------------------------------------------

def test_zadd_basic_and_flags(zd):
    zd("ZADD", "z", "1", "a", "2", "b", "3", "c")
    zd("ZADD", "z", "1", "a", "5", "d")
    zd("ZADD", "z", "CH", "1", "a", "9", "b", "7", "e")
    zd("ZADD", "z", "NX", "100", "a", "100", "new")
    zd("ZADD", "z", "XX", "100", "a", "100", "new2")
    zd("ZADD", "z", "XX", "CH", "101", "a", "100", "new3")
    zd("ZADD", "z", "GT", "CH", "50", "a", "200", "b", "1", "fresh")
    zd("ZADD", "z", "LT", "CH", "0", "a", "300", "b")
    zd("ZADD", "z", "XX", "GT", "CH", "1000", "c", "1", "d", "5", "nope")
    zd("ZADD", "z", "xx", "lt", "ch", "-1", "c", "9999", "d")
    zd("ZADD", "z", "gt", "gt", "ch", "ch", "1", "zz")
    zd("ZRANGE", "z", "0", "-1", "WITHSCORES")
    zd("ZADD", "nokey", "XX", "1", "a")
    zd("EXISTS", "nokey")
    zd("ZADD", "nokey", "XX", "INCR", "1", "a")
    zd("EXISTS", "nokey")


def test_zadd_incr(zd):
    zd("ZADD", "z", "INCR", "1.5", "a")
    zd("ZADD", "z", "INCR", "-0.5", "a")
    zd("ZADD", "z", "NX", "INCR", "1", "a")
    zd("ZADD", "z", "NX", "INCR", "1", "b")
    zd("ZADD", "z", "XX", "INCR", "1", "c")
    zd("ZADD", "z", "GT", "INCR", "-1", "a")
    zd("ZADD", "z", "GT", "INCR", "1", "a")
    zd("ZADD", "z", "LT", "INCR", "1", "a")
    zd("ZADD", "z", "LT", "INCR", "-1", "a")
    zd("ZADD", "z", "INCR", "0", "a")
    zd("ZADD", "z", "CH", "INCR", "0", "a")
    zd("ZADD", "z", "INCR", "inf", "a")
    zd("ZADD", "z", "INCR", "-inf", "a")          # NaN
    zd("ZADD", "z", "GT", "INCR", "-inf", "a")    # NaN checked before GT
    zd("ZSCORE", "z", "a")
    zd("ZADD", "z", "INCR", "1", "a", "2", "b")
    zd("ZADD", "z", "INCR")


def test_zadd_errors(zd):
    zd("ZADD", "z")
    zd("ZADD", "z", "1")
    zd("ZADD", "z", "1", "a", "2")
    zd("ZADD", "z", "NX")
    zd("ZADD", "z", "NX", "XX", "1", "a")
    zd("ZADD", "z", "GT", "LT", "1", "a")
    zd("ZADD", "z", "GT", "NX", "1", "a")
    zd("ZADD", "z", "LT", "NX", "1", "a")
    zd("ZADD", "z", "CH", "1")
    zd("ZADD", "z", "1", "a", "x", "b")            # all or nothing
    zd("EXISTS", "z")
    for bad in ("abc", "nan", "NaN", "-nan", " 1", "1 ", "", "1e400", "-1e400", "1.0.0", "0x",
                "1,5", "--1", "1\x00"):
        zd("ZADD", "z", bad, "a")
    zd("EXISTS", "z")
    zd("SET", "s", "x")
    zd("ZADD", "s", "1", "a")
    zd("ZADD", "s", "x", "a")                     # the float error wins over WRONGTYPE
    zd("ZADD", "s", "NX", "XX", "1", "a")


def test_zadd_accepted_score_forms(zd):
    forms = ["0", "-0", "+1", "1.", ".5", "1e3", "1E-3", "0x10", "0X1p4", "1e-320", "007",
             "1.7976931348623157e308", "4.9e-324", "123456789012345678901234567890"] + INF_FORMS
    for i, f in enumerate(forms):
        zd("ZADD", "z", f, "m%d" % i)
        zd("ZSCORE", "z", "m%d" % i)
    zd("ZRANGE", "z", "0", "-1", "WITHSCORES")


def test_score_formatting(zd):
    vals = ["0.1", "0.2", "0.30000000000000004", "1e20", "1e21", "1e-5", "1e-4", "123.456",
            "3.0", "-0", "100000000000000000", "1234567890123456789", "2.5e-310", "0.1e1",
            "1.0000000000000002", "9007199254740993", "-1.5", "3.14159265358979323846"]
    for i, v in enumerate(vals):
        zd("ZADD", "z", v, "m%d" % i)
        zd("ZSCORE", "z", "m%d" % i)
    zd("ZINCRBY", "z", "0.1", "m0")
    zd("ZINCRBY", "z", "0.2", "m0")
    zd("ZRANGE", "z", "0", "-1", "WITHSCORES")
    zd.hello(3)
    zd("ZRANGE", "z", "0", "-1", "WITHSCORES")
    zd("ZMSCORE", "z", "m0", "m3", "m9", "nope")
    zd("ZINCRBY", "z", "1", "m1")
    zd("ZADD", "z", "INCR", "-inf", "m1")


def test_binary_members(zd):
    members = ["", "\x00", "a\x00b", "\xff", "a" * 100, "ü", "\r\n", "$1"]
    for i, m in enumerate(members):
        zd("ZADD", "z", "1", m)
    zd("ZRANGE", "z", "0", "-1", "WITHSCORES")
    zd("ZRANGE", "z", "-", "+", "BYLEX")
    for m in members:
        zd("ZSCORE", "z", m)
        zd("ZRANK", "z", m)
    zd("ZREM", "z", "", "\x00")
    zd("ZRANGE", "z", "0", "-1")


def test_wrongtype_everywhere(zd):
    zd("SET", "s", "x")
    for cmd in (("ZINCRBY", "s", "1", "a"), ("ZREM", "s", "a"), ("ZCARD", "s"), ("ZSCORE", "s", "a"),
                ("ZMSCORE", "s", "a"), ("ZRANK", "s", "a"), ("ZREVRANK", "s", "a"),
                ("ZRANGE", "s", "0", "1"), ("ZRANGESTORE", "d", "s", "0", "1"),
                ("ZREVRANGE", "s", "0", "1"), ("ZRANGEBYSCORE", "s", "0", "1"),
                ("ZREVRANGEBYSCORE", "s", "0", "1"), ("ZRANGEBYLEX", "s", "-", "+"),
                ("ZREVRANGEBYLEX", "s", "+", "-"), ("ZCOUNT", "s", "0", "1"),
                ("ZLEXCOUNT", "s", "-", "+"), ("ZREMRANGEBYRANK", "s", "0", "1"),
                ("ZREMRANGEBYSCORE", "s", "0", "1"), ("ZREMRANGEBYLEX", "s", "-", "+"),
                ("ZPOPMIN", "s"), ("ZPOPMAX", "s", "2"), ("ZMPOP", "1", "s", "MIN"),
                ("ZUNION", "1", "s"), ("ZINTER", "1", "s"), ("ZDIFF", "1", "s"),
                ("ZUNIONSTORE", "d", "1", "s"), ("ZINTERSTORE", "d", "1", "s"),
                ("ZDIFFSTORE", "d", "1", "s"), ("ZINTERCARD", "1", "s"),
                ("ZRANDMEMBER", "s"), ("ZRANDMEMBER", "s", "2")):
        zd(*cmd)
    zd("GET", "s")
    zd("EXISTS", "d")


# ---- single-member commands ------------------------------------------------------------------

def test_zincrby(zd):
    zd("ZINCRBY", "z", "1", "a")
    zd("ZINCRBY", "z", "-2.5", "a")
    zd("ZINCRBY", "z", "1e308", "a")
    zd("ZINCRBY", "z", "1e308", "a")               # inf, not an error
    zd("ZINCRBY", "z", "-inf", "a")                # NaN
    zd("ZINCRBY", "z", "x", "a")
    zd("ZINCRBY", "z", "nan", "a")
    zd("ZINCRBY", "z", "nx", "a")
    zd("ZINCRBY", "z", "1", "a", "2")
    zd("ZRANGE", "z", "0", "-1", "WITHSCORES")


def test_zrem(zd):
    fill(zd)
    zd("ZREM", "z", "m1", "nope", "m2", "m1")
    zd("ZREM", "nokey", "a")
    zd("ZREM", "z", *["m%d" % i for i in range(10)], "after")
    zd("EXISTS", "z")
    zd("ZADD", "z", "1", "a")
    zd("ZREM", "z", "a", "a")
    zd("EXISTS", "z")
    zd("ZREM", "z")


def test_zcard_zscore_zmscore_zrank(zd):
    fill(zd)
    zd("ZCARD", "z")
    zd("ZCARD", "nokey")
    for m in ("m0", "m5", "m9", "nope"):
        zd("ZSCORE", "z", m)
        zd("ZRANK", "z", m)
        zd("ZREVRANK", "z", m)
    zd("ZSCORE", "nokey", "a")
    zd("ZRANK", "nokey", "a")
    zd("ZMSCORE", "z", "m0", "nope", "m9")
    zd("ZMSCORE", "nokey", "a", "b")
    zd("ZMSCORE", "z")
    zd("ZSCORE", "z")
    zd("ZRANK", "z", "a", "b")
    zd.hello(3)
    zd("ZSCORE", "z", "m3")
    zd("ZSCORE", "z", "nope")
    zd("ZSCORE", "nokey", "a")
    zd("ZMSCORE", "z", "m0", "nope")
    zd("ZMSCORE", "nokey", "a")
    zd("ZRANK", "z", "nope")
    zd("ZRANK", "nokey", "a")


def test_equal_scores_rank_by_member(zd):
    zd("ZADD", "z", "1", "c", "1", "a", "1", "b", "0", "z", "2", "0")
    for m in ("a", "b", "c", "z", "0"):
        zd("ZRANK", "z", m)
        zd("ZREVRANK", "z", m)
    zd("ZRANGE", "z", "0", "-1")


# ---- ZRANGE family ------------------------------------------------------------------------------

RANK_PAIRS = [("0", "-1"), ("0", "0"), ("-1", "-1"), ("2", "5"), ("-3", "-1"), ("5", "2"),
              ("-100", "100"), ("10", "20"), ("-20", "-11"), ("0", "-11"), ("9", "9"),
              ("-9223372036854775808", "9223372036854775807")]


def test_zrange_by_rank(zd):
    fill(zd)
    for a, b in RANK_PAIRS:
        zd("ZRANGE", "z", a, b)
        zd("ZRANGE", "z", a, b, "WITHSCORES")
        zd("ZRANGE", "z", a, b, "REV", "WITHSCORES")
        zd("ZREVRANGE", "z", a, b)
        zd("ZREVRANGE", "z", a, b, "WITHSCORES")
    zd("ZRANGE", "nokey", "0", "-1")
    zd("ZRANGE", "z", "a", "1")
    zd("ZRANGE", "z", "0", "1.5")
    zd("ZRANGE", "z", "0", "1", "LIMIT", "0", "1")
    zd("ZRANGE", "z", "0", "1", "LIMIT", "0", "-1")    # -1 means no LIMIT
    zd("ZRANGE", "z", "0", "1", "LIMIT", "5", "-1")
    zd("ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1")
    zd("ZREVRANGE", "z", "0", "1", "REV")
    zd("ZRANGE", "z", "0", "1", "REV", "REV")
    zd("ZRANGE", "z", "0", "1", "foo")
    zd("ZRANGE", "z", "0")


SCORE_BOUNDS = [("-inf", "+inf"), ("(-inf", "(+inf"), ("0", "3"), ("(0", "3"), ("0", "(3"),
                ("(0", "(3"), ("1.5", "1.5"), ("(1.5", "1.5"), ("1.5", "(1.5"), ("3", "0"),
                ("-3", "-3"), ("(", "3"), ("", "3"), (" 0", "3"), ("0x1", "3"), ("-1e400", "1e400"),
                ("10", "+inf"), ("-inf", "-10"), ("1\x00x", "5")]
BAD_SCORE_BOUNDS = [("a", "1"), ("1", "b"), ("nan", "1"), ("(nan", "1"), ("1 ", "2"), ("[1", "2"),
                    ("((1", "2"), ("1", "(")]


def test_zrange_by_score(zd):
    fill(zd)
    zd("ZADD", "z", "1.5", "x1", "1.5", "x2", "inf", "top", "-inf", "bottom")
    for lo, hi in SCORE_BOUNDS:
        zd("ZRANGE", "z", lo, hi, "BYSCORE")
        zd("ZRANGE", "z", lo, hi, "BYSCORE", "WITHSCORES")
        zd("ZRANGE", "z", hi, lo, "BYSCORE", "REV", "WITHSCORES")
        zd("ZRANGEBYSCORE", "z", lo, hi)
        zd("ZRANGEBYSCORE", "z", lo, hi, "WITHSCORES")
        zd("ZREVRANGEBYSCORE", "z", hi, lo)
        zd("ZREVRANGEBYSCORE", "z", hi, lo, "WITHSCORES")
        zd("ZCOUNT", "z", lo, hi)
    for lo, hi in BAD_SCORE_BOUNDS:
        zd("ZRANGE", "z", lo, hi, "BYSCORE")
        zd("ZRANGEBYSCORE", "z", lo, hi)
        zd("ZREVRANGEBYSCORE", "z", hi, lo)
        zd("ZCOUNT", "z", lo, hi)
        zd("ZREMRANGEBYSCORE", "z", lo, hi)
        zd("ZRANGESTORE", "d", "z", lo, hi, "BYSCORE")
    zd("ZRANGEBYSCORE", "nokey", "-inf", "+inf")
    zd("ZCOUNT", "nokey", "-inf", "+inf")
    zd("ZCOUNT", "nokey", "x", "+inf")


LIMITS = [("0", "3"), ("2", "3"), ("0", "0"), ("0", "-1"), ("3", "-5"), ("-1", "3"), ("-5", "-1"),
          ("13", "1"), ("14", "1"), ("100", "1"), ("1", "100"), ("0", "9223372036854775807")]


def test_limit(zd):
    fill(zd)
    zd("ZADD", "z", "0", "a", "0", "b", "0", "c")
    for i in range(12):
        zd("ZADD", "lex", "0", "m%02d" % i)
    for off, cnt in LIMITS:
        zd("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", off, cnt)
        zd("ZRANGE", "z", "+inf", "-inf", "BYSCORE", "REV", "LIMIT", off, cnt, "WITHSCORES")
        zd("ZRANGEBYSCORE", "z", "(0", "10", "LIMIT", off, cnt, "WITHSCORES")
        zd("ZREVRANGEBYSCORE", "z", "10", "(0", "WITHSCORES", "LIMIT", off, cnt)
        zd("ZRANGE", "z", "-", "+", "BYLEX", "LIMIT", off, cnt)
        zd("ZRANGE", "lex", "-", "+", "BYLEX", "LIMIT", off, cnt)
        zd("ZRANGEBYLEX", "lex", "[m03", "+", "LIMIT", off, cnt)
        zd("ZREVRANGEBYLEX", "lex", "+", "(m03", "LIMIT", off, cnt)
        zd("ZRANGESTORE", "d", "lex", "(m01", "[m09", "BYLEX", "REV", "LIMIT", off, cnt)
        zd("ZRANGE", "d", "0", "-1", "WITHSCORES")
        zd("ZRANGESTORE", "d", "z", "-inf", "+inf", "BYSCORE", "LIMIT", off, cnt)
        zd("ZRANGE", "d", "0", "-1", "WITHSCORES")
    zd("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0")
    zd("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "x", "1")
    zd("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "y")
    zd("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0", "1", "LIMIT", "1", "1")
    zd("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0", "1", "WITHSCORES", "WITHSCORES")
    zd("ZRANGEBYSCORE", "z", "-inf", "+inf", "BYSCORE")
    zd("ZRANGEBYSCORE", "z", "-inf", "+inf", "REV")


LEX_BOUNDS = [("-", "+"), ("[a", "[c"), ("(a", "(c"), ("[a", "(c"), ("(a", "[c"), ("[b", "[b"),
              ("(b", "[b"), ("[c", "[a"), ("-", "[b"), ("[b", "+"), ("+", "-"), ("-", "-"),
              ("+", "+"), ("[", "+"), ("(", "+"), ("-", "("), ("[m", "[m5"), ("[\x00", "+")]
BAD_LEX_BOUNDS = [("a", "+"), ("-", "c"), ("", "+"), ("-", ""), ("+a", "+"), ("-", "--"),
                  ("1", "2")]


def test_lex_ranges(zd):
    for m in ("a", "b", "c", "d", "e", "", "ab", "m1", "m5", "m50", "\x00", "\xff"):
        zd("ZADD", "z", "0", m)
    for lo, hi in LEX_BOUNDS:
        zd("ZRANGE", "z", lo, hi, "BYLEX")
        zd("ZRANGE", "z", hi, lo, "BYLEX", "REV")
        zd("ZRANGEBYLEX", "z", lo, hi)
        zd("ZREVRANGEBYLEX", "z", hi, lo)
        zd("ZLEXCOUNT", "z", lo, hi)
        zd("ZRANGESTORE", "d", "z", lo, hi, "BYLEX")
        zd("ZRANGE", "d", "0", "-1")
    for lo, hi in BAD_LEX_BOUNDS:
        zd("ZRANGE", "z", lo, hi, "BYLEX")
        zd("ZRANGEBYLEX", "z", lo, hi)
        zd("ZREVRANGEBYLEX", "z", hi, lo)
        zd("ZLEXCOUNT", "z", lo, hi)
        zd("ZREMRANGEBYLEX", "z", lo, hi)
    zd("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES")
    zd("ZRANGEBYLEX", "z", "-", "+", "WITHSCORES")
    zd("ZRANGEBYLEX", "nokey", "-", "+")
    zd("ZLEXCOUNT", "nokey", "-", "+")
    zd("ZLEXCOUNT", "nokey", "x", "+")
    zd("ZRANGEBYLEX", "z", "-", "+", "BYLEX")


# Lex ranges over members with different scores are tested on listpacks
# only (test_zset_encodings.py): on a skiplist the walk assumes member
# order, so the result depends on its random levels (in Redis too).


def test_zrange_option_errors(zd):
    fill(zd)
    zd("ZRANGE", "z", "0", "-1", "BYSCORE", "BYLEX")
    zd("ZRANGE", "z", "0", "-1", "BYLEX", "BYSCORE")
    zd("ZRANGE", "z", "0", "-1", "BYSCORE", "BYSCORE")
    zd("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES")
    zd("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES", "LIMIT", "x", "1")
    zd("ZRANGE", "z", "0", "-1", "LIMIT", "1", "2")
    zd("ZRANGE", "z", "x", "y", "LIMIT", "1", "2")
    zd("ZRANGE", "z", "0", "-1", "LIMIT", "1")
    zd("ZRANGE", "z", "0", "-1", "LIMIT")
    zd("ZRANGE", "z", "(1", "2")
    zd("ZRANGE", "z", "a", "+", "BYLEX")
    zd("ZRANGE", "z", "a", "+", "BYSCORE")
    zd("ZRANGE", "nokey", "a", "b")
    zd("ZRANGE", "nokey", "0", "1", "LIMIT", "0", "1")
    zd("ZREVRANGEBYSCORE", "z", "x", "y", "BYLEX")
    zd("ZRANGEBYLEX", "z", "-", "+", "REV")


def test_zrangestore(zd):
    fill(zd)
    zd("ZRANGESTORE", "d", "z", "0", "-1")
    zd("ZRANGE", "d", "0", "-1", "WITHSCORES")
    zd("ZRANGESTORE", "d", "z", "2", "4", "REV")
    zd("ZRANGE", "d", "0", "-1", "WITHSCORES")
    zd("ZRANGESTORE", "d", "z", "(0", "3", "BYSCORE", "LIMIT", "1", "2")
    zd("ZRANGE", "d", "0", "-1", "WITHSCORES")
    zd("ZRANGESTORE", "d", "z", "3", "(0", "BYSCORE", "REV")
    zd("ZRANGE", "d", "0", "-1", "WITHSCORES")
    zd("ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES")
    zd("ZRANGESTORE", "d", "z", "5", "1")            # empty: d is deleted
    zd("EXISTS", "d")
    zd("ZRANGESTORE", "d", "z", "0", "-1")
    zd("ZRANGESTORE", "d", "nokey", "0", "-1")       # missing source: deleted too
    zd("EXISTS", "d")
    zd("SET", "str", "v")
    zd("EXPIRE", "str", "1000")
    zd("ZRANGESTORE", "str", "z", "0", "2")          # overwrites any type, drops the TTL
    zd("TYPE", "str")
    zd("TTL", "str")
    zd("ZRANGE", "str", "0", "-1", "WITHSCORES")
    zd("ZRANGESTORE", "z", "z", "1", "3")            # source == destination
    zd("ZRANGE", "z", "0", "-1", "WITHSCORES")
    zd("ZRANGESTORE", "d", "z")
    zd.hello(3)
    zd("ZRANGESTORE", "d", "z", "0", "-1")
    zd("ZRANGE", "d", "0", "-1", "WITHSCORES")
    zd("OBJECT", "ENCODING", "d")


def test_zrange_resp3(zd):
    fill(zd)
    zd.hello(3)
    zd("ZRANGE", "z", "0", "-1")
    zd("ZRANGE", "z", "0", "-1", "WITHSCORES")
    zd("ZRANGE", "z", "0", "-1", "REV", "WITHSCORES")
    zd("ZRANGE", "z", "(0", "+inf", "BYSCORE", "WITHSCORES", "LIMIT", "1", "3")
    zd("ZRANGE", "z", "100", "200", "BYSCORE", "WITHSCORES")
    zd("ZREVRANGE", "z", "0", "2", "WITHSCORES")
    zd("ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES")
    zd("ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES")
    zd("ZRANGE", "nokey", "0", "-1", "WITHSCORES")
    zd("ZRANGE", "z", "-", "+", "BYLEX")
    zd("ZCOUNT", "z", "-inf", "+inf")


# ---- removals by range -------------------------------------------------------------------------

def test_zremrangebyrank(zd):
    for a, b in RANK_PAIRS:
        fill(zd)
        zd("ZREMRANGEBYRANK", "z", a, b)
        zd("ZRANGE", "z", "0", "-1", "WITHSCORES")
        zd("DEL", "z")
    zd("ZREMRANGEBYRANK", "nokey", "0", "-1")
    zd("ZREMRANGEBYRANK", "z", "x", "1")
    zd("ZREMRANGEBYRANK", "nokey", "0", "y")
    fill(zd)
    zd("ZREMRANGEBYRANK", "z", "0", "-1")
    zd("EXISTS", "z")


def test_zremrangebyscore(zd):
    for lo, hi in SCORE_BOUNDS:
        fill(zd)
        zd("ZREMRANGEBYSCORE", "z", lo, hi)
        zd("ZRANGE", "z", "0", "-1", "WITHSCORES")
        zd("DEL", "z")
    zd("ZREMRANGEBYSCORE", "nokey", "-inf", "+inf")
    zd("ZREMRANGEBYSCORE", "nokey", "x", "+inf")
    fill(zd)
    zd("ZREMRANGEBYSCORE", "z", "-inf", "+inf")
    zd("EXISTS", "z")


def test_zremrangebylex(zd):
    for lo, hi in LEX_BOUNDS:
        for m in ("a", "b", "c", "d", "", "ab"):
            zd("ZADD", "z", "0", m)
        zd("ZREMRANGEBYLEX", "z", lo, hi)
        zd("ZRANGE", "z", "0", "-1")
        zd("DEL", "z")
    zd("ZREMRANGEBYLEX", "nokey", "-", "+")
    zd("ZREMRANGEBYLEX", "nokey", "a", "+")


def test_many_elements_rank_paths(zd):
    """Enough elements for several skiplist levels and dict resizes."""
    args = []
    for i in range(600):
        args += [str((i * 7919) % 1000 / 7), "e%d" % i]
    zd("ZADD", "big", *args)
    for m in ("e0", "e1", "e299", "e599"):
        zd("ZRANK", "big", m)
        zd("ZREVRANK", "big", m)
    zd("ZRANGE", "big", "100", "140", "WITHSCORES")
    zd("ZRANGE", "big", "-140", "-100", "REV")
    zd("ZCOUNT", "big", "(10", "50")
    zd("ZRANGEBYSCORE", "big", "(10", "50", "LIMIT", "20", "30")
    zd("ZREMRANGEBYRANK", "big", "10", "500")
    zd("ZRANGE", "big", "0", "-1", "WITHSCORES")
    zd("ZREMRANGEBYSCORE", "big", "10", "100")
    zd("ZCARD", "big")
    zd("DEBUG", "DIGEST-VALUE", "big")


# ---- pops ------------------------------------------------------------------------------------------

def test_zpopmin_zpopmax(zd):
    fill(zd)
    zd("ZPOPMIN", "z")
    zd("ZPOPMAX", "z")
    zd("ZPOPMIN", "z", "2")
    zd("ZPOPMAX", "z", "0")
    zd("ZPOPMIN", "z", "1")
    zd("ZPOPMIN", "z", "-1")
    zd("ZPOPMIN", "z", "x")
    zd("ZPOPMIN", "z", "1", "2")
    zd("ZPOPMAX", "z", "100")
    zd("EXISTS", "z")
    zd("ZPOPMIN", "nokey")
    zd("ZPOPMIN", "nokey", "0")
    zd("ZPOPMAX", "nokey", "3")
    zd("ZPOPMIN", "nokey", "-1")
    fill(zd)
    zd.hello(3)
    zd("ZPOPMIN", "z")
    zd("ZPOPMAX", "z", "1")
    zd("ZPOPMIN", "z", "3")
    zd("ZPOPMAX", "z", "0")
    zd("ZPOPMAX", "nokey")
    zd("ZPOPMAX", "nokey", "2")


def test_zmpop(zd):
    fill(zd, "a", 4)
    fill(zd, "b", 6)
    zd("ZMPOP", "2", "a", "b", "MIN")
    zd("ZMPOP", "2", "nokey", "b", "max", "COUNT", "2")
    zd("ZMPOP", "2", "a", "b", "MIN", "count", "100")
    zd("EXISTS", "a")
    zd("ZMPOP", "3", "a", "nokey", "b", "MAX", "COUNT", "1")
    zd("ZMPOP", "1", "nokey", "MIN")
    zd("ZMPOP", "1", "nokey", "MIN", "COUNT", "10")
    for bad in (("0", "a", "MIN"), ("-1", "a", "MIN"), ("x", "a", "MIN"), ("1", "a"),
                ("1", "a", "LEFT"), ("1", "a", "MIN", "COUNT"), ("1", "a", "MIN", "COUNT", "0"),
                ("1", "a", "MIN", "COUNT", "-1"), ("1", "a", "MIN", "COUNT", "x"),
                ("1", "a", "MIN", "COUNT", "1", "COUNT", "1"), ("1", "a", "MIN", "FOO"),
                ("3", "a", "MIN"), ("2", "a", "MIN")):
        zd("ZMPOP", *bad)
    zd("SET", "s", "v")
    fill(zd, "c", 3)
    zd("ZMPOP", "2", "nokey", "s", "MIN")
    zd("ZMPOP", "2", "c", "s", "MIN")              # first non-empty key wins
    zd.hello(3)
    zd("ZMPOP", "1", "c", "MAX", "COUNT", "2")
    zd("ZMPOP", "1", "nokey", "MAX")


# ---- ZUNION ZINTER ZDIFF ----------------------------------------------------------------------------

def setup_sources(d):
    d("ZADD", "z1", "1", "a", "2", "b", "3", "c", "4", "d")
    d("ZADD", "z2", "10", "b", "20", "c", "30", "e")
    d("ZADD", "z3", "0.1", "c", "0.2", "e", "0.3", "f", "inf", "a")
    d("ZADD", "zi", "-inf", "a", "inf", "b", "1", "c")


@pytest.mark.parametrize("op", ["ZUNION", "ZINTER", "ZDIFF"])
def test_setops_reply(zd, op):
    setup_sources(zd)
    for keys in (["z1"], ["z1", "z2"], ["z2", "z1"], ["z1", "z2", "z3"], ["z1", "nokey"],
                 ["nokey", "z1"], ["z1", "z1"], ["z1", "z2", "z1"], ["nokey"], ["z1", "zi"]):
        zd(op, str(len(keys)), *keys)
        zd(op, str(len(keys)), *keys, "WITHSCORES")
        zd(op, str(len(keys)), *keys, "withscores", "WITHSCORES")
    if op != "ZDIFF":
        zd(op, "2", "z1", "z2", "WEIGHTS", "2", "0.5", "WITHSCORES")
        zd(op, "2", "z1", "z2", "WEIGHTS", "-1", "inf", "WITHSCORES")
        zd(op, "2", "z1", "zi", "WEIGHTS", "0", "1", "WITHSCORES")      # 0 * inf -> 0
        zd(op, "2", "z1", "zi", "WEIGHTS", "-inf", "inf", "WITHSCORES")
        zd(op, "2", "zi", "zi", "WEIGHTS", "1", "-1", "WITHSCORES")     # inf - inf -> 0
        for agg in ("SUM", "MIN", "MAX", "min", "Max"):
            zd(op, "3", "z1", "z2", "z3", "AGGREGATE", agg, "WITHSCORES")
            zd(op, "2", "z1", "zi", "WEIGHTS", "1", "-1", "AGGREGATE", agg, "WITHSCORES")
            zd(op, "2", "z1", "z1", "AGGREGATE", agg, "WEIGHTS", "2", "3", "WITHSCORES")
        zd(op, "2", "z1", "z2", "WEIGHTS", "1", "2", "WEIGHTS", "3", "4", "WITHSCORES")
        zd(op, "2", "z1", "z2", "AGGREGATE", "MIN", "AGGREGATE", "MAX", "WITHSCORES")
    zd.hello(3)
    zd(op, "2", "z1", "z2", "WITHSCORES")
    zd(op, "2", "z1", "z2")
    zd(op, "1", "nokey", "WITHSCORES")


@pytest.mark.parametrize("op", ["ZUNION", "ZINTER", "ZDIFF", "ZINTERCARD"])
def test_setops_errors(zd, op):
    setup_sources(zd)
    zd(op, "0", "z1")
    zd(op, "-1", "z1")
    zd(op, "x", "z1")
    zd(op, "3", "z1", "z2")
    zd(op, "9223372036854775807", "z1")
    zd(op, "2", "z1", "z2", "WEIGHTS", "1")
    zd(op, "2", "z1", "z2", "WEIGHTS", "1", "x")
    zd(op, "2", "z1", "z2", "WEIGHTS", "1", "nan")
    zd(op, "2", "z1", "z2", "AGGREGATE")
    zd(op, "2", "z1", "z2", "AGGREGATE", "AVG")
    zd(op, "2", "z1", "z2", "FOO")
    zd(op, "2", "z1", "z2", "LIMIT", "1")
    zd(op, "2", "z1", "z2", "LIMIT", "-1")
    zd(op, "2", "z1", "z2", "LIMIT", "x")
    zd(op, "2", "z1", "z2", "LIMIT")
    zd(op, "2", "z1", "z2", "WITHSCORES", "x")
    zd("SET", "s", "v")
    zd(op, "2", "z1", "s")
    zd(op, "2", "s", "z1", "FOO")                    # WRONGTYPE wins over options
    zd(op, "2", "z1", "z2", "WEIGHTS", "1", "2", "WITHSCORES", "FOO")


@pytest.mark.parametrize("op", ["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"])
def test_setops_store(zd, op):
    setup_sources(zd)
    zd(op, "dst", "2", "z1", "z2")
    zd("ZRANGE", "dst", "0", "-1", "WITHSCORES")
    zd("OBJECT", "ENCODING", "dst")
    zd(op, "dst", "3", "z1", "z2", "z3")
    zd("ZRANGE", "dst", "0", "-1", "WITHSCORES")
    if op != "ZDIFFSTORE":
        zd(op, "dst", "2", "z1", "z2", "WEIGHTS", "3", "-2", "AGGREGATE", "MAX")
        zd("ZRANGE", "dst", "0", "-1", "WITHSCORES")
        zd(op, "dst", "2", "z1", "z2", "WEIGHTS", "3")
    zd(op, "dst", "2", "z1", "z2", "WITHSCORES")
    zd(op, "z1", "2", "z1", "z2")                      # destination is a source
    zd("ZRANGE", "z1", "0", "-1", "WITHSCORES")
    zd(op, "dst", "1", "nokey")                        # empty result deletes dst
    zd("EXISTS", "dst")
    zd(op, "dst", "1", "nokey")
    zd("SET", "str", "v")
    zd("EXPIRE", "str", "100")
    zd(op, "str", "1", "z2")                           # overwrites any type, drops TTL
    zd("TYPE", "str")
    zd("TTL", "str")
    zd(op, "dst", "0", "z1")
    zd(op, "dst", "x")
    zd(op, "dst")
    zd(op, "dst", "2", "z2", "str")
    zd.hello(3)
    zd(op, "dst", "2", "z2", "z3")


def test_zinter_zdiff_edge_cases(zd):
    setup_sources(zd)
    zd("ZINTER", "2", "z1", "nokey", "WITHSCORES")
    zd("ZINTERSTORE", "d", "2", "nokey", "z1")
    zd("ZDIFF", "2", "nokey", "z1")
    zd("ZDIFF", "2", "z1", "nokey", "WITHSCORES")
    zd("ZDIFF", "3", "z1", "z2", "z1")
    zd("ZDIFF", "2", "z1", "z3", "WITHSCORES")
    args = []
    for i in range(200):
        args += [str(i), "k%d" % i]
    zd("ZADD", "big", *args)
    zd("ZADD", "small", "1", "k5", "2", "k7", "3", "zz")
    zd("ZDIFF", "2", "big", "small", "WITHSCORES")      # algorithm 2 (big first input)
    zd("ZDIFF", "2", "small", "big", "WITHSCORES")      # algorithm 1
    zd("ZDIFF", "3", "small", "big", "nokey", "WITHSCORES")
    zd("ZDIFFSTORE", "d", "2", "big", "small")
    zd("ZCARD", "d")
    zd("ZINTER", "2", "big", "small", "WITHSCORES")
    zd("ZUNION", "2", "big", "small", "WITHSCORES")


def test_zunion_float_summation_order(zd):
    """Sums of weighted scores are added in Redis's order (inputs sorted by
    size, ties in command-line order), so rounding matches."""
    zd("ZADD", "x", "0.1", "m", "1", "p")
    zd("ZADD", "y", "0.2", "m", "2", "p")
    zd("ZADD", "w", "0.3", "m")
    for keys in (("x", "y", "w"), ("w", "x", "y"), ("y", "w", "x")):
        zd("ZUNION", "3", *keys, "WITHSCORES")
        zd("ZINTER", "3", *keys, "WITHSCORES")
        zd("ZUNION", "3", *keys, "WEIGHTS", "0.7", "1.3", "3.1", "WITHSCORES")
        zd("ZINTER", "3", *keys, "WEIGHTS", "0.7", "1.3", "3.1", "WITHSCORES")


def test_zintercard(zd):
    setup_sources(zd)
    zd("ZINTERCARD", "2", "z1", "z2")
    zd("ZINTERCARD", "3", "z1", "z2", "z3")
    zd("ZINTERCARD", "2", "z1", "z1")
    zd("ZINTERCARD", "2", "z1", "nokey")
    zd("ZINTERCARD", "1", "z1", "LIMIT", "0")
    zd("ZINTERCARD", "1", "z1", "LIMIT", "2")
    zd("ZINTERCARD", "1", "z1", "LIMIT", "100")
    zd("ZINTERCARD", "1", "z1", "limit", "1", "LIMIT", "3")
    zd("ZINTERCARD", "1", "z1", "WITHSCORES")
    zd("ZINTERCARD", "1", "z1", "WEIGHTS", "1")
    zd("ZINTERCARD", "1", "z1", "AGGREGATE", "SUM")


# ---- ZRANDMEMBER ----------------------------------------------------------------------------------

def test_zrandmember_deterministic_cases(zd):
    fill(zd, "z", 5)
    zd("ZADD", "one", "2.5", "only")
    zd("ZRANDMEMBER", "one")
    zd("ZRANDMEMBER", "one", "1")
    zd("ZRANDMEMBER", "one", "-3")
    zd("ZRANDMEMBER", "one", "-3", "WITHSCORES")
    zd("ZRANDMEMBER", "one", "5", "withscores")
    zd("ZRANDMEMBER", "z", "5", "WITHSCORES")          # the whole set, highest first
    zd("ZRANDMEMBER", "z", "100")
    zd("ZRANDMEMBER", "z", "0")
    zd("ZRANDMEMBER", "z", "0", "WITHSCORES")
    zd("ZRANDMEMBER", "nokey")
    zd("ZRANDMEMBER", "nokey", "5")
    zd("ZRANDMEMBER", "nokey", "-5", "WITHSCORES")
    zd("ZRANDMEMBER", "z", "x")
    zd("ZRANDMEMBER", "z", "1", "x")
    zd("ZRANDMEMBER", "z", "1", "WITHSCORES", "x")
    zd("ZRANDMEMBER", "z", "-9223372036854775808")
    zd("ZRANDMEMBER", "z", "-9223372036854775807", "WITHSCORES")
    zd("ZRANDMEMBER", "z", "4611686018427387904", "WITHSCORES")
    zd("ZRANDMEMBER", "nokey", "9223372036854775807", "WITHSCORES")
    zd("ZRANDMEMBER", "z", "9223372036854775808")
    zd.hello(3)
    zd("ZRANDMEMBER", "one", "-2", "WITHSCORES")
    zd("ZRANDMEMBER", "one", "1", "WITHSCORES")
    zd("ZRANDMEMBER", "z", "7", "WITHSCORES")
    zd("ZRANDMEMBER", "nokey")


@pytest.mark.parametrize("proto", [2, 3])
def test_zrandmember_random_shapes(zd, proto):
    n = 50
    fill(zd, "z", n)
    zd.hello(proto)
    scores = {("m%d" % i).encode(): i * 1.5 - 3 for i in range(n)}
    for count in (1, 3, 20, 40, 49, -1, -10, -200):
        for ws in (False, True):
            args = ["ZRANDMEMBER", "z", str(count)] + (["WITHSCORES"] if ws else [])
            r, p = zd.both(*args)
            for raw in (r, p):
                val = parse(raw)
                assert len(val) == (abs(count) * (2 if ws and proto == 2 else 1))
                if ws and proto == 2:
                    pairs = list(zip(val[::2], val[1::2]))
                elif ws:
                    pairs = [tuple(x) for x in val]
                else:
                    pairs = [(m, None) for m in val]
                members = [m for m, _ in pairs]
                assert set(members) <= set(scores)
                if count > 0:
                    assert len(set(members)) == len(members)
                for m, s in pairs:
                    if s is not None:
                        assert float(s) == scores[m]
    r, p = zd.both("ZRANDMEMBER", "z")
    assert parse(r) in scores and parse(p) in scores


# ---- type, encoding, copy, memory, digest -------------------------------------------------------------

def test_type_encoding_copy_digest(zd):
    fill(zd, "z", 20)
    zd("TYPE", "z")
    zd("OBJECT", "ENCODING", "z")
    zd("DEBUG", "DIGEST-VALUE", "z")
    zd("COPY", "z", "c")
    zd("ZRANGE", "c", "0", "-1", "WITHSCORES")
    zd("OBJECT", "ENCODING", "c")
    zd("DEBUG", "DIGEST-VALUE", "z", "c")
    zd("ZADD", "c", "1000", "extra")
    zd("ZCARD", "z")
    zd("DEBUG", "DIGEST-VALUE", "z", "c")
    zd("COPY", "z", "c")
    zd("COPY", "z", "c", "REPLACE")
    zd("DEBUG", "DIGEST-VALUE", "c")
    zd("COPY", "z", "x", "DB", "3")
    zd("SELECT", "3")
    zd("ZRANGE", "x", "0", "-1")
    zd("SELECT", "0")
    for v in ("0.1", "1e21", "-0", "inf", "-inf", "3", "1.5e-300"):
        zd("ZADD", "f", v, "k" + v)
    zd("ZADD", "f", "0", "\x00bin\xff")
    zd("DEBUG", "DIGEST-VALUE", "f")
    zd("EXPIRE", "f", "100")
    zd("DEBUG", "DIGEST-VALUE", "f")
    zd("DEBUG", "DIGEST")
    r, p = zd.both("MEMORY", "USAGE", "z")
    assert r.startswith(b":") and p.startswith(b":")
    pe_small = int(p[1:-2])
    fill(zd, "z", 200)
    r, p = zd.both("MEMORY", "USAGE", "z")
    assert int(p[1:-2]) > pe_small
    zd("RENAME", "z", "z2")
    zd("ZRANGE", "z2", "0", "3", "WITHSCORES")
    zd("DEBUG", "DIGEST")


def test_expired_zset_is_gone(zd):
    fill(zd, "z", 3)
    zd("PEXPIRE", "z", "1")
    import time
    time.sleep(0.05)
    zd("ZCARD", "z")
    zd("ZADD", "z", "XX", "1", "m0")
    zd("ZRANGE", "z", "0", "-1")
    zd("ZADD", "z", "1", "fresh")
    zd("TTL", "z")


def test_multi_exec_with_zsets(zd):
    zd("MULTI")
    zd("ZADD", "z", "1", "a", "2", "b")
    zd("ZINCRBY", "z", "5", "a")
    zd("ZRANGE", "z", "0", "-1", "WITHSCORES")
    zd("ZADD", "z", "NX", "XX", "1", "a")
    zd("ZPOPMIN", "z")
    zd("EXEC")
    zd("MULTI")
    zd("ZADD", "z", "1")
    zd("EXEC")


# ---- WATCH ----------------------------------------------------------------------------------------

WATCH_CASES = [
    (("ZADD", "z", "9", "new"), True),
    (("ZADD", "z", "1", "a"), False),                 # same score: nothing changes
    (("ZADD", "z", "NX", "5", "a"), False),
    (("ZADD", "z", "XX", "5", "nope"), False),
    (("ZADD", "z", "GT", "0", "a"), False),
    (("ZADD", "z", "5", "a"), True),
    (("ZINCRBY", "z", "0", "a"), False),
    (("ZINCRBY", "z", "1", "a"), True),
    (("ZREM", "z", "nope"), False),
    (("ZREM", "z", "a"), True),
    (("ZREM", "z", "a", "b"), True),                  # deletes the key
    (("ZPOPMIN", "z"), True),
    (("ZPOPMAX", "z", "0"), False),
    (("ZMPOP", "1", "z", "MAX"), True),
    (("ZREMRANGEBYRANK", "z", "5", "9"), False),
    (("ZREMRANGEBYRANK", "z", "0", "0"), True),
    (("ZREMRANGEBYSCORE", "z", "10", "20"), False),
    (("ZREMRANGEBYSCORE", "z", "-inf", "+inf"), True),
    (("ZREMRANGEBYLEX", "z", "[a", "[a"), True),
    (("ZRANGESTORE", "z", "z", "0", "0"), True),
    (("ZUNIONSTORE", "z", "1", "nokey"), True),       # empty result deletes z
    (("ZUNIONSTORE", "other", "1", "z"), False),
    (("ZINTERSTORE", "z", "1", "z"), True),
    (("ZRANGE", "z", "0", "-1"), False),
    (("ZRANDMEMBER", "z", "2"), False),
]


@pytest.mark.parametrize("cmd,touches", WATCH_CASES, ids=[" ".join(c) for c, _ in WATCH_CASES])
def test_watch_invalidation(zd, other, cmd, touches):
    zd("ZADD", "z", "1", "a", "2", "b")
    zd("WATCH", "z")
    other(*cmd)
    zd("MULTI")
    zd("ZCARD", "z")
    r = zd("EXEC")
    assert (r in (b"*-1\r\n", b"_\r\n")) == touches, r


def test_watch_on_missing_key_created_by_zadd(zd, other):
    zd("WATCH", "nz")
    other("ZADD", "nz", "XX", "1", "a")
    zd("MULTI")
    zd("PING")
    zd("EXEC")
    zd("WATCH", "nz")
    other("ZADD", "nz", "1", "a")
    zd("MULTI")
    zd("PING")
    zd("EXEC")


def test_command_info_and_docs(zd):
    for name in ("zadd", "zrange", "zrangestore", "zunionstore", "zintercard", "zmpop",
                 "zrandmember", "zpopmin", "zremrangebylex"):
        zd("COMMAND", "INFO", name)
        zd("COMMAND", "DOCS", name)
    zd("COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2")
    zd("COMMAND", "GETKEYS", "ZINTERCARD", "2", "a", "b")
    zd("COMMAND", "GETKEYS", "ZMPOP", "2", "a", "b", "MIN")
    zd("COMMAND", "GETKEYS", "ZRANGESTORE", "d", "s", "0", "1")


def test_arity_errors(zd):
    for cmd in ("ZADD z 1", "ZINCRBY z 1", "ZREM z", "ZCARD", "ZSCORE z", "ZMSCORE z",
                "ZRANK z", "ZREVRANK z", "ZRANGE z 0", "ZRANGESTORE d z 0", "ZREVRANGE z 0",
                "ZRANGEBYSCORE z 0", "ZREVRANGEBYSCORE z 0", "ZRANGEBYLEX z -",
                "ZREVRANGEBYLEX z +", "ZCOUNT z 0", "ZLEXCOUNT z -", "ZREMRANGEBYRANK z 0",
                "ZREMRANGEBYSCORE z 0", "ZREMRANGEBYLEX z -", "ZPOPMIN", "ZPOPMAX", "ZMPOP 1 z",
                "ZUNION", "ZUNIONSTORE d", "ZINTER", "ZINTERSTORE d", "ZINTERCARD", "ZDIFF",
                "ZDIFFSTORE d", "ZRANDMEMBER"):
        zd(*cmd.split())


def test_stats_hits_misses_dirty_errors(zd):
    """Lookups count keyspace hits/misses like Redis (reads) or not (writes),
    and the dirty counter grows by the same amounts."""
    import re

    def stats():
        out = []
        for raw in zd.both("INFO", "all"):
            text = raw.decode()
            out.append({k: int(re.search(k + r":(\d+)", text).group(1))
                        for k in ("keyspace_hits", "keyspace_misses", "rdb_changes_since_last_save",
                                  "total_error_replies")})
        return out

    before = stats()
    for cmd in (("ZADD", "z", "1", "a", "2", "b"), ("ZADD", "z", "1", "a"),
                ("ZADD", "z", "CH", "3", "a", "4", "c"), ("ZINCRBY", "z", "1", "a"),
                ("ZREM", "z", "a", "nope"), ("ZSCORE", "z", "b"), ("ZSCORE", "no", "b"),
                ("ZMSCORE", "z", "b"), ("ZRANK", "z", "b"), ("ZRANGE", "z", "0", "-1"),
                ("ZRANGE", "no", "0", "-1"), ("ZRANGESTORE", "d", "z", "0", "-1"),
                ("ZRANGESTORE", "d", "no", "0", "-1"), ("ZUNIONSTORE", "u", "2", "z", "no"),
                ("ZUNIONSTORE", "u", "1", "no"), ("ZINTER", "2", "z", "d"), ("ZPOPMIN", "z"),
                ("ZPOPMIN", "no"), ("ZMPOP", "2", "no", "z", "MAX", "COUNT", "5"),
                ("ZADD", "u", "1", "x", "2", "y"), ("ZREMRANGEBYRANK", "u", "0", "0"),
                ("ZREMRANGEBYSCORE", "u", "-inf", "+inf"), ("ZRANDMEMBER", "no"),
                ("ZCARD", "no"), ("ZCOUNT", "no", "0", "1"), ("SET", "s", "x"),
                ("ZADD", "s", "1", "a"), ("ZRANGE", "s", "0", "1"), ("ZADD", "z", "x", "a"),
                ("ZADD", "z", "1", "a", "2", "b", "3", "c"), ("ZREMRANGEBYLEX", "z", "-", "+"),
                ("ZDIFFSTORE", "dd", "1", "d"), ("ZINTERCARD", "1", "z")):
        zd(*cmd)
    after = stats()
    deltas = [{k: a[k] - b[k] for k in a} for a, b in zip(after, before)]
    assert deltas[0] == deltas[1]


def test_zrandmember_uniform(zd):
    """Redis's own distribution check (chi-square, df = 9, bound 40 is
    p = 0.00001) for each sampling strategy: repeated draws, one member,
    a few distinct members, most of the set."""
    zd("ZADD", "z", *[x for i in range(10) for x in (str(i), "m%d" % i)])
    for count, rounds in ((-1000, 1), (1, 1000), (2, 500), (8, 125)):
        seen = {}
        for _ in range(rounds):
            r, p = zd.both("ZRANDMEMBER", "z", str(count))
            for m in parse(p):
                seen[m] = seen.get(m, 0) + 1
        total = sum(seen.values())
        expect = total / 10
        chi = sum((c - expect) ** 2 / expect for c in seen.values())
        assert len(seen) == 10 and chi < 40, (count, seen)


# ---- plain sets as inputs of ZUNION / ZINTER / ZDIFF ---------------------------------------------

@pytest.mark.parametrize("cmd", ["ZUNION", "ZINTER", "ZDIFF"])
def test_set_sources(zd, cmd):
    zd("SADD", "iset", "1", "2", "3", "10")                # intset
    zd("SADD", "hset", "a", "b", "2", "zz")                # hashtable
    zd("ZADD", "zs", "5", "a", "1.5", "2", "-1", "q")
    keys = ["iset", "hset", "zs", "missing"]
    if cmd == "ZDIFF":
        zd.sorted_array(cmd, "3", "zs", "iset", "hset")
        zd.sorted_array(cmd, "2", "hset", "zs", "WITHSCORES")
        zd.sorted_array(cmd, "2", "iset", "missing", "WITHSCORES")
        return
    zd(cmd, "4", *keys, "WITHSCORES")
    zd(cmd, "3", "iset", "hset", "zs", "WEIGHTS", "2", "0.5", "3", "WITHSCORES")
    for agg in ("SUM", "MIN", "MAX"):
        zd(cmd, "2", "hset", "zs", "AGGREGATE", agg, "WITHSCORES")
    zd(cmd + "STORE", "dst", "3", "iset", "hset", "zs")
    zd("ZRANGE", "dst", "0", "-1", "WITHSCORES")
    zd("OBJECT", "ENCODING", "dst")
