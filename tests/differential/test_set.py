"""Set commands against a real redis-server, reply bytes compared:
SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SPOP SRANDMEMBER SMOVE SINTER
SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN, plus the
set side of TYPE, OBJECT ENCODING, COPY, DEBUG DIGEST(-VALUE) and WATCH.

Order is compared exactly wherever Redis defines it: anything walked out of
an intset is ascending (SMEMBERS of an intset, SINTER driven by an intset,
SUNION/SDIFF whose result is an intset, SRANDMEMBER/SPOP returning a whole
intset). Replies walked out of a hashtable are compared as multisets (with
their RESP types), and random picks (SPOP, SRANDMEMBER) by membership,
distinctness and count.
"""

import pytest

from conftest import Differ
from set_helpers import tparse, flat, unordered, sorted_ints

INTS = [b"1", b"-1", b"0", b"32767", b"-32768", b"32768", b"-32769", b"2147483647",
        b"-2147483648", b"2147483648", b"-2147483649", b"9223372036854775807",
        b"-9223372036854775808"]
NOT_INTS = [b"01", b"+1", b" 1", b"1 ", b"-0", b"1.0", b"", b"9223372036854775808",
            b"-9223372036854775809", b"0x10", b"1e3", b"--1", b"-", b"\x001"]
BINARY = [b"a\x00b", b"\r\n", b"x" * 100, b"\xff\xfe", b"*", b"[a]", b"\\"]


def encoding(diff, key):
    """OBJECT ENCODING, compared, as a str (or None)."""
    v = tparse(diff("OBJECT", "ENCODING", key))[1]
    return v.decode() if v is not None else None


def members(diff, key):
    """The members (from redis; pyengine must agree as a multiset)."""
    return flat(unordered(diff, "SMEMBERS", key))


def smembers(diff, key):
    """SMEMBERS compared exactly when the set is an intset (ascending), as a
    multiset otherwise. Returns the members."""
    if encoding(diff, key) == "intset":
        got = flat(tparse(diff("SMEMBERS", key)))
        assert got == sorted_ints(got)
        return got
    return members(diff, key)


@pytest.fixture
def other(redis_server, pyengine_server):
    """A second connection pair to the same two servers."""
    d = Differ(redis_server.port, pyengine_server.port)
    yield d
    d.close()


@pytest.fixture
def intset_max(diff):
    """Set set-max-intset-entries on both servers; restored afterwards."""
    old = tparse(diff("CONFIG", "GET", "set-max-intset-entries"))[1][1][1]

    def set_to(n):
        diff("CONFIG", "SET", "set-max-intset-entries", str(n))
    yield set_to
    diff("CONFIG", "SET", "set-max-intset-entries", old)


# ---- SADD / SCARD / SISMEMBER / SMISMEMBER / SMEMBERS --------------------------------

def test_basics_hashtable(diff):
    diff("SADD", "s", "foo")
    diff("SADD", "s", "bar", "foo", "baz", "bar")
    assert encoding(diff, "s") == "hashtable"
    diff("SCARD", "s")
    for m in ["foo", "bar", "baz", "qux", "", "1"]:
        diff("SISMEMBER", "s", m)
    diff("SMISMEMBER", "s", "foo", "qux", "bar", "foo")
    assert sorted(members(diff, "s")) == [b"bar", b"baz", b"foo"]
    diff("TYPE", "s")


def test_basics_intset(diff):
    diff("SADD", "s", "16")
    diff("SADD", "s", "17", "16", "-5", "100000")
    assert encoding(diff, "s") == "intset"
    diff("SCARD", "s")
    for m in ["16", "17", "-5", "100000", "18", "016", "16.0", "abc", "", "-0"]:
        diff("SISMEMBER", "s", m)
    diff("SMISMEMBER", "s", "16", "x", "017", "100000")
    assert smembers(diff, "s") == [b"-5", b"16", b"17", b"100000"]


def test_missing_key_replies(diff):
    for proto in (2, 3):
        diff.hello(proto)
        diff("SCARD", "nokey")
        diff("SISMEMBER", "nokey", "a")
        diff("SMISMEMBER", "nokey", "a", "b")
        diff("SMEMBERS", "nokey")
        diff("SPOP", "nokey")
        diff("SPOP", "nokey", "3")
        diff("SPOP", "nokey", "0")
        diff("SRANDMEMBER", "nokey")
        diff("SRANDMEMBER", "nokey", "3")
        diff("SRANDMEMBER", "nokey", "-3")
        diff("SREM", "nokey", "a")
        diff("SMOVE", "nokey", "dst", "a")
        diff("SSCAN", "nokey", "0")
        diff("SINTER", "nokey")
        diff("SUNION", "nokey")
        diff("SDIFF", "nokey")
        diff("SINTERCARD", "1", "nokey")
    diff("EXISTS", "nokey", "dst")


def test_integer_recognition(diff):
    """Only string2ll's canonical integers keep a set an intset."""
    for i, m in enumerate(INTS):
        diff("SADD", "i%d" % i, m)
        assert encoding(diff, "i%d" % i) == "intset"
        diff("SISMEMBER", "i%d" % i, m)
    for i, m in enumerate(NOT_INTS):
        diff("SADD", "n%d" % i, m)
        assert encoding(diff, "n%d" % i) == "hashtable", m
        diff("SISMEMBER", "n%d" % i, m)
    diff("SADD", "all", *INTS)
    assert encoding(diff, "all") == "intset"
    assert smembers(diff, "all") == sorted_ints(INTS)
    for m in NOT_INTS:
        diff("SISMEMBER", "all", m)
    diff("SMISMEMBER", "all", *NOT_INTS)


@pytest.mark.parametrize("seq", [
    [b"1", b"2", b"3"],
    [b"1", b"40000"],                      # 16 -> 32
    [b"-3", b"-40000"],                    # upgrade with a negative: prepended
    [b"5", b"3000000000"],                 # 16 -> 64
    [b"5", b"70000", b"-3000000000", b"7"],
    [b"-9223372036854775808", b"9223372036854775807", b"0"],
])
def test_intset_width_upgrades(diff, seq):
    for m in seq:
        diff("SADD", "s", m)
    diff("SADD", "s", *seq)
    assert encoding(diff, "s") == "intset"
    assert smembers(diff, "s") == sorted_ints(set(seq))
    for m in seq:
        diff("SREM", "s", m)
        diff("SISMEMBER", "s", m)
        if encoding(diff, "s"):
            smembers(diff, "s")
    diff("EXISTS", "s")


def test_sadd_non_integer_converts(diff):
    diff("SADD", "s", "1", "2", "3")
    assert encoding(diff, "s") == "intset"
    diff("SADD", "s", "a")
    assert encoding(diff, "s") == "hashtable"
    diff("SREM", "s", "a")
    assert encoding(diff, "s") == "hashtable"        # never back
    assert sorted(members(diff, "s")) == [b"1", b"2", b"3"]
    diff("SADD", "s", "4")
    diff("SISMEMBER", "s", "4")


def test_sadd_integer_larger_than_64_bits(diff):
    diff("SADD", "s", "17179869184")
    assert encoding(diff, "s") == "intset"
    diff("SADD", "s", "9223372036854775808")
    assert encoding(diff, "s") == "hashtable"
    diff("SISMEMBER", "s", "9223372036854775808")
    diff("SCARD", "s")


def test_default_threshold_512(diff):
    diff("SADD", "s", *[str(i) for i in range(512)])
    assert encoding(diff, "s") == "intset"
    diff("SADD", "s", "0", "511")
    assert encoding(diff, "s") == "intset"
    smembers(diff, "s")
    diff("SADD", "s", "512")
    assert encoding(diff, "s") == "hashtable"
    diff("SCARD", "s")
    # variadic crossing
    diff("SADD", "t", *[str(i) for i in range(600)])
    assert encoding(diff, "t") == "hashtable"
    diff("SADD", "u", *[str(i) for i in range(511)])
    diff("SADD", "u", "1000", "1001")
    assert encoding(diff, "u") == "hashtable"


def test_small_threshold(diff, intset_max):
    intset_max(4)
    diff("CONFIG", "GET", "set-max-intset-entries")
    diff("SADD", "s", "1", "2", "3", "4")
    assert encoding(diff, "s") == "intset"
    diff("SADD", "s", "5")
    assert encoding(diff, "s") == "hashtable"
    diff("SADD", "t", "1", "2", "3", "4", "5")
    assert encoding(diff, "t") == "hashtable"
    intset_max(0)
    diff("SADD", "z", "1")
    assert encoding(diff, "z") == "hashtable"
    intset_max(1)
    diff("SADD", "o", "1")
    assert encoding(diff, "o") == "intset"
    diff("SADD", "o", "1")
    assert encoding(diff, "o") == "intset"
    diff("SADD", "o", "2")
    assert encoding(diff, "o") == "hashtable"


def test_config_change_does_not_convert_existing(diff, intset_max):
    diff("SADD", "s", "1", "2", "3", "4", "5", "6")
    intset_max(3)
    assert encoding(diff, "s") == "intset"
    diff("SREM", "s", "6")
    assert encoding(diff, "s") == "intset"
    diff("SADD", "s", "5")                 # nothing added: no conversion
    assert encoding(diff, "s") == "intset"
    diff("SADD", "s", "7")
    assert encoding(diff, "s") == "hashtable"


def test_binary_members(diff):
    diff("SADD", "s", *BINARY)
    diff("SCARD", "s")
    for m in BINARY + [b"a", b"a\x00", b"x" * 99]:
        diff("SISMEMBER", "s", m)
    members(diff, "s")
    diff("SREM", "s", b"a\x00b", b"a")
    members(diff, "s")


def test_sadd_on_expired_key(diff):
    diff("SADD", "s", "1", "2")
    diff("PEXPIREAT", "s", "1")
    diff("SADD", "s", "3")
    smembers(diff, "s")
    diff("TTL", "s")


# ---- SREM -----------------------------------------------------------------------------

def test_srem_basics(diff):
    diff("SADD", "s", "foo", "bar", "ciao")
    diff("SREM", "s", "qux")
    diff("SREM", "s", "foo")
    members(diff, "s")
    diff("SADD", "i", "3", "4", "5")
    diff("SREM", "i", "6")
    diff("SREM", "i", "4")
    diff("SREM", "i", "a", "04", "5.0")
    smembers(diff, "i")


def test_srem_variadic_and_key_removal(diff):
    diff("SADD", "s", "a", "b", "c")
    diff("SREM", "s", "k", "k", "c", "c")
    diff("SREM", "s", "a", "b", "c", "d")
    diff("EXISTS", "s")
    diff("SADD", "i", "1", "2", "3")
    diff("SREM", "i", "1", "2", "3", "4", "5")
    diff("EXISTS", "i")
    diff("SADD", "t", "1")
    diff("SREM", "t", "1", "1")
    diff("EXISTS", "t")


def test_srem_shrinks_large_hashtable(diff):
    diff("SADD", "s", *["m%d" % i for i in range(2000)])
    diff("SREM", "s", *["m%d" % i for i in range(1990)])
    diff("SCARD", "s")
    assert sorted(members(diff, "s")) == sorted(b"m%d" % i for i in range(1990, 2000))


# ---- errors -----------------------------------------------------------------------------

def test_wrongtype(diff):
    diff("SET", "str", "v")
    for args in [("SADD", "str", "a"), ("SREM", "str", "a"), ("SCARD", "str"),
                 ("SISMEMBER", "str", "a"), ("SMISMEMBER", "str", "a"), ("SMEMBERS", "str"),
                 ("SPOP", "str"), ("SPOP", "str", "2"), ("SPOP", "str", "0"),
                 ("SRANDMEMBER", "str"), ("SRANDMEMBER", "str", "2"),
                 ("SRANDMEMBER", "str", "0"), ("SSCAN", "str", "0"),
                 ("SINTER", "str"), ("SINTERCARD", "1", "str"), ("SUNION", "str"),
                 ("SDIFF", "str"), ("SINTERSTORE", "d", "str"), ("SUNIONSTORE", "d", "str"),
                 ("SDIFFSTORE", "d", "str")]:
        diff(*args)
    diff("SADD", "s", "a")
    for args in [("SINTER", "s", "str"), ("SINTER", "missing", "str"),
                 ("SINTER", "str", "missing"), ("SUNION", "s", "missing", "str"),
                 ("SDIFF", "missing", "str"), ("SDIFF", "s", "str"),
                 ("SINTERSTORE", "d", "s", "str"), ("SINTERSTORE", "d", "missing", "str"),
                 ("SUNIONSTORE", "d", "s", "str"), ("SDIFFSTORE", "d", "s", "str"),
                 ("SINTERCARD", "2", "s", "str"), ("SINTERCARD", "2", "missing", "str")]:
        diff(*args)
    diff("EXISTS", "d")
    diff("GET", "str")


def test_arity_errors(diff):
    for args in [("SADD",), ("SADD", "s"), ("SREM", "s"), ("SCARD",), ("SCARD", "a", "b"),
                 ("SISMEMBER", "s"), ("SISMEMBER", "s", "a", "b"), ("SMISMEMBER", "s"),
                 ("SMEMBERS",), ("SMEMBERS", "a", "b"), ("SPOP",), ("SRANDMEMBER",),
                 ("SMOVE", "a", "b"), ("SINTER",), ("SINTERCARD", "1"), ("SINTERSTORE", "d"),
                 ("SUNION",), ("SUNIONSTORE", "d"), ("SDIFF",), ("SDIFFSTORE", "d"),
                 ("SSCAN", "s")]:
        diff(*args)


def test_count_argument_errors(diff):
    diff("SADD", "s", "a")                          # one member: valid counts are deterministic
    for count in ["abc", "-1", "1.5", "", "9223372036854775808", "-9223372036854775808", " 1"]:
        diff("SPOP", "s", count)
        diff("SPOP", "nokey", count)
        diff("SRANDMEMBER", "s", count)
        diff("SRANDMEMBER", "nokey", count)
    diff("SPOP", "s", "1", "2")
    diff("SRANDMEMBER", "s", "1", "2")
    diff("SCARD", "s")


def test_sintercard_errors(diff):
    diff("SADD", "a", "1", "2", "3")
    diff("SADD", "b", "2", "3", "4")
    for args in [("0", "a"), ("-1", "a"), ("abc", "a"), ("3", "a", "b"), ("2", "a"),
                 ("1", "a", "LIMIT"), ("1", "a", "LIMIT", "-1"), ("1", "a", "LIMIT", "x"),
                 ("1", "a", "LIMIT", "1", "extra"), ("1", "a", "FOO", "1"), ("1", "a", "b"),
                 ("9223372036854775808", "a"), ("2", "a", "b", "LIMIT", "1", "LIMIT", "0")]:
        diff("SINTERCARD", *args)


# ---- SMOVE -------------------------------------------------------------------------------

def setup_move(diff):
    diff("DEL", "myset1", "myset2", "myset3", "myset4")
    diff("SADD", "myset1", "1", "a", "b")
    diff("SADD", "myset2", "2", "3", "4")
    assert encoding(diff, "myset1") == "hashtable"
    assert encoding(diff, "myset2") == "intset"


def test_smove_basics(diff):
    setup_move(diff)
    diff("SMOVE", "myset1", "myset2", "a")
    members(diff, "myset1")
    members(diff, "myset2")
    assert encoding(diff, "myset2") == "hashtable"
    setup_move(diff)
    diff("SMOVE", "myset2", "myset1", "2")
    members(diff, "myset1")
    smembers(diff, "myset2")
    setup_move(diff)
    diff("SMOVE", "myset1", "myset2", "1")          # integer from a hashtable into an intset
    assert encoding(diff, "myset2") == "intset"
    smembers(diff, "myset2")
    diff("SMOVE", "myset2", "myset1", "3")          # into a hashtable
    members(diff, "myset1")


def test_smove_edge_cases(diff):
    setup_move(diff)
    diff("SMOVE", "myset1", "myset2", "foo")        # not a member
    diff("SMOVE", "myset1", "myset1", "foo")
    diff("SMOVE", "noset", "myset2", "foo")
    diff("SMOVE", "myset1", "myset3", "a")          # to a new destination
    assert encoding(diff, "myset3") == "hashtable"
    diff("SMOVE", "myset2", "myset4", "2")
    assert encoding(diff, "myset4") == "intset"
    diff("SMOVE", "myset1", "myset1", "b")          # same key: membership only
    diff("SMOVE", "myset1", "myset1", "zz")
    members(diff, "myset1")
    diff("SADD", "one", "x")
    diff("SMOVE", "one", "two", "x")                # source emptied: deleted
    diff("EXISTS", "one")
    members(diff, "two")
    diff("SADD", "dst", "x")
    diff("SADD", "src", "x", "y")
    diff("SMOVE", "src", "dst", "x")                # already in destination
    members(diff, "src")
    members(diff, "dst")


def test_smove_wrongtype(diff):
    setup_move(diff)
    diff("SET", "x", "10")
    diff("SMOVE", "x", "myset2", "foo")
    diff("SMOVE", "myset2", "x", "foo")
    diff("SMOVE", "myset2", "x", "2")
    diff("SMOVE", "noset", "x", "foo")              # missing source wins: 0
    smembers(diff, "myset2")


def test_smove_intset_limit(diff, intset_max):
    intset_max(3)
    diff("SADD", "a", "1", "2", "3")
    diff("SADD", "b", "4", "5", "6")
    diff("SMOVE", "a", "b", "1")
    assert encoding(diff, "b") == "hashtable"
    assert encoding(diff, "a") == "intset"


# ---- SPOP ------------------------------------------------------------------------------

def test_spop_single(diff):
    for kind, ms in [("int", [str(i) for i in range(10)]), ("str", ["m%d" % i for i in range(10)])]:
        diff("SADD", "s", *ms)
        popped = set()
        while tparse(diff("SCARD", "s"))[1]:
            r, p = diff.both("SPOP", "s")
            rv, pv = tparse(r), tparse(p)
            assert rv[0] == pv[0] == "$"
            assert rv[1] not in popped and pv[1] not in popped
            popped.update((rv[1], pv[1]))
            if rv[1] != pv[1]:
                # keep both servers in step: each removes the other's pick
                diff.r.call("SREM", "s", pv[1])
                diff.p.call("SREM", "s", rv[1])
            if kind == "int" and encoding(diff, "s"):
                smembers(diff, "s")
        assert popped == {m.encode() for m in ms}
        diff("EXISTS", "s")
        diff("SPOP", "s")


def _check_picks(r, p, pool, n, distinct, rtype):
    rv, pv = tparse(r), tparse(p)
    assert rv[0] == pv[0] == rtype, (r, p)
    for got in (flat(rv), flat(pv)):
        assert len(got) == n, (got, n)
        assert set(got) <= set(pool)
        if distinct:
            assert len(set(got)) == n
    return flat(pv), flat(rv)


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("kind", ["intset", "hashtable"])
def test_spop_with_count(diff, proto, kind):
    diff.hello(proto)
    pool = [b"%d" % i for i in range(100)] if kind == "intset" else [b"m%d" % i for i in range(100)]
    for count, strategy in [(1, 2), (5, 2), (80, 2), (90, 3), (99, 3)]:
        diff("DEL", "s")
        diff("SADD", "s", *pool)
        assert encoding(diff, "s") == kind
        r, p = diff.both("SPOP", "s", str(count))
        got_p, got_r = _check_picks(r, p, pool, count, True, "~" if proto == 3 else "*")
        if strategy == 3 and kind == "intset":
            # what is left of the old intset is walked: ascending
            assert got_r == sorted_ints(got_r) and got_p == sorted_ints(got_p)
        if strategy == 2 and count == 80 and kind == "intset":
            # drawn one by one: random order (sorted by chance: 1 in 80!)
            assert got_r != sorted_ints(got_r) and got_p != sorted_ints(got_p)
        # both keep the complement of what they popped
        left_r = flat(tparse(diff.r.call("SMEMBERS", "s")))
        left_p = flat(tparse(diff.p.call("SMEMBERS", "s")))
        assert sorted(left_r + got_r) == sorted(pool)
        assert sorted(left_p + got_p) == sorted(pool)
        diff("SCARD", "s")
        assert encoding(diff, "s") == kind


@pytest.mark.parametrize("proto", [2, 3])
def test_spop_count_whole_set(diff, proto):
    diff.hello(proto)
    diff("SADD", "i", "3", "1", "2", "100000", "-7")
    diff("SPOP", "i", "5")                          # intset: ascending
    diff("EXISTS", "i")
    diff("SADD", "i", "3", "1", "2")
    diff("SPOP", "i", "100")
    diff("EXISTS", "i")
    diff("SADD", "h", "a", "b", "c", "1")
    unordered(diff, "SPOP", "h", "4")
    diff("EXISTS", "h")
    diff("SADD", "h", "a", "b")
    unordered(diff, "SPOP", "h", "9223372036854775807")
    diff("EXISTS", "h")
    # a hashtable whose members are all integers again: the reply is built
    # as a fresh set, so it comes back as a (sorted) intset walk
    diff("SADD", "h", "a", "5", "3", "4")
    diff("SREM", "h", "a")
    assert encoding(diff, "h") == "hashtable"
    diff("SPOP", "h", "3")
    diff("SADD", "z", "1")
    diff("SPOP", "z", "0")
    diff("SCARD", "z")


def test_spop_count_strategy3_encoding(diff, intset_max):
    """The survivors move to a new set made like setTypeCreate would: an
    all-integer hashtable shrinks back to an intset."""
    intset_max(20)
    diff("SADD", "s", *[str(i) for i in range(30)])
    assert encoding(diff, "s") == "hashtable"
    r, p = diff.both("SPOP", "s", "25")
    _check_picks(r, p, [b"%d" % i for i in range(30)], 25, True, "*")
    assert encoding(diff, "s") == "intset"
    diff("SCARD", "s")
    # strategy 2 keeps the hashtable
    diff("DEL", "s")
    diff("SADD", "s", *[str(i) for i in range(30)])
    diff.both("SPOP", "s", "3")
    assert encoding(diff, "s") == "hashtable"
    # the boundary: 6 survivors * 5 > 24 pops is strategy 2 ...
    diff("DEL", "s")
    diff("SADD", "s", *[str(i) for i in range(30)])
    diff.both("SPOP", "s", "24")
    assert encoding(diff, "s") == "hashtable"
    # ... 5 * 5 > 25 is not: strategy 3
    diff("DEL", "s")
    diff("SADD", "s", *[str(i) for i in range(30)])
    diff.both("SPOP", "s", "25")
    assert encoding(diff, "s") == "intset"
    # survivors beyond the limit convert again
    diff("DEL", "s")
    diff("SADD", "s", *[str(i) for i in range(200)])
    diff.both("SPOP", "s", "170")
    assert encoding(diff, "s") == "hashtable"
    diff("SCARD", "s")


def test_spop_keeps_ttl_and_deletes_when_empty(diff):
    diff("SADD", "s", *[str(i) for i in range(20)])
    diff("EXPIRE", "s", "1000")
    diff.both("SPOP", "s", "18")                    # strategy 3 replaces the value
    diff("TTL", "s")
    diff.both("SPOP", "s")
    diff("TTL", "s")
    diff.both("SPOP", "s")
    diff("EXISTS", "s")


# ---- SRANDMEMBER -------------------------------------------------------------------------

@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("kind", ["intset", "hashtable"])
def test_srandmember(diff, proto, kind):
    diff.hello(proto)
    pool = [b"%d" % i for i in range(50)] if kind == "intset" else [b"m%d" % i for i in range(50)]
    diff("SADD", "s", *pool)
    for _ in range(20):
        r, p = diff.both("SRANDMEMBER", "s")
        assert tparse(r)[0] == tparse(p)[0] == "$" and tparse(p)[1] in pool
    for count in [1, 2, 10, 16, 17, 30, 49]:        # strategies 1, 4 and 3
        r, p = diff.both("SRANDMEMBER", "s", str(count))
        _check_picks(r, p, pool, count, True, "*")
    for count in [50, 51, 1000]:                    # the whole set in its own order
        if kind == "intset":
            diff("SRANDMEMBER", "s", str(count))
        else:
            unordered(diff, "SRANDMEMBER", "s", str(count))
    for count in [-1, -5, -50, -200]:
        r, p = diff.both("SRANDMEMBER", "s", str(count))
        _check_picks(r, p, pool, -count, False, "*")
    diff("SRANDMEMBER", "s", "0")
    diff("SRANDMEMBER", "s", "-0")
    diff("SCARD", "s")


def test_srandmember_distribution(diff):
    """Every member of a small set shows up (pyengine only: a sanity check
    of the random picks, not a comparison)."""
    diff("SADD", "s", "a", "b", "c", "d", "e", "1")
    seen = set()
    for _ in range(30):
        seen.update(flat(tparse(diff.p.call("SRANDMEMBER", "s", "-10"))))
    assert seen == {b"a", b"b", b"c", b"d", b"e", b"1"}
    diff("SADD", "i", *[str(i) for i in range(10)])
    seen = set()
    for _ in range(30):
        seen.update(flat(tparse(diff.p.call("SRANDMEMBER", "i", "3"))))
    assert seen == {b"%d" % i for i in range(10)}


# ---- SINTER / SINTERCARD / SINTERSTORE ----------------------------------------------

def make_sets(diff, kind):
    """Redis's test fixture: set1..set5 with overlapping ranges."""
    diff("DEL", "set1", "set2", "set3", "set4", "set5")
    for i in range(200):
        diff.r.send_command("SADD", "set1", str(i))
        diff.p.send_command("SADD", "set1", str(i))
        diff.r.send_command("SADD", "set2", str(i + 195))
        diff.p.send_command("SADD", "set2", str(i + 195))
    for i in range(400):
        diff.r.read_reply()
        diff.p.read_reply()
    diff("SADD", "set3", *[str(i) for i in range(199, 201)])
    diff("SADD", "set4", *[str(i) for i in range(5, 10)])
    diff("SADD", "set5", "0")
    if kind == "hashtable":
        for k in ("set1", "set2", "set3", "set4", "set5"):
            diff("SADD", k, "foo")
            diff("SREM", k, "foo")
    for k in ("set1", "set2", "set3", "set4", "set5"):
        assert encoding(diff, k) == kind


def inter_ordered(diff, keys):
    """Is SINTER's reply order defined (driven by an intset)? The driver is
    the smallest set, ties in argument order."""
    sizes = []
    for k in keys:
        enc = encoding(diff, k)
        if enc is None:
            return True                             # empty reply
        sizes.append((tparse(diff("SCARD", k))[1], enc))
    return min(sizes, key=lambda t: t[0])[1] == "intset"


def sinter(diff, *keys):
    if inter_ordered(diff, keys):
        return diff("SINTER", *keys)
    return unordered(diff, "SINTER", *keys)


@pytest.mark.parametrize("kind", ["intset", "hashtable"])
def test_set_operations(diff, kind):
    make_sets(diff, kind)
    sinter(diff, "set1", "set2")
    diff("SINTERCARD", "2", "set1", "set2")
    diff("SINTERSTORE", "res", "set1", "set2")
    assert encoding(diff, "res") == "intset"        # results start as intsets
    smembers(diff, "res")
    sinter(diff, "set1", "set2", "set3")
    diff("SINTERCARD", "3", "set1", "set2", "set3")
    diff("SINTERSTORE", "res", "set1", "set2", "set3")
    smembers(diff, "res")
    for keys in [("set1", "set2"), ("set1", "set2", "set3"), ("set1", "set4", "set5"),
                 ("set1", "nokey", "set2")]:
        diff("SUNIONSTORE", "res", *keys)
        enc = encoding(diff, "res")
        if enc == "intset":
            diff("SUNION", *keys)
        else:
            unordered(diff, "SUNION", *keys)
        smembers(diff, "res")
    for keys in [("set1", "set4", "set5"), ("set1", "set2"), ("set2", "set1"),
                 ("set1", "set4"), ("set4", "set1", "set2"), ("set5", "set1")]:
        diff("SDIFFSTORE", "res", *keys)
        enc = encoding(diff, "res")
        if enc == "intset" or enc is None:
            diff("SDIFF", *keys)
        else:
            unordered(diff, "SDIFF", *keys)
    for k in ("set1", "set2", "set3"):
        sinter(diff, k, k, k)
        if kind == "intset":
            diff("SUNION", k, k, k)
        else:
            unordered(diff, "SUNION", k, k, k)
        diff("SDIFF", k, k, k)


def test_sinter_same_integers_different_encoding(diff):
    diff("SADD", "set1", "1", "2", "3")
    diff("SADD", "set2", "1", "2", "3", "a")
    diff("SREM", "set2", "a")
    assert encoding(diff, "set1") == "intset"
    assert encoding(diff, "set2") == "hashtable"
    diff("SINTER", "set1", "set2")                  # same size: set1 drives (sorted)
    unordered(diff, "SINTER", "set2", "set1")
    diff("SINTERCARD", "2", "set1", "set2")
    diff("SINTERSTORE", "d", "set2", "set1")
    assert encoding(diff, "d") == "intset"
    smembers(diff, "d")


def test_sinter_mixed(diff):
    diff("SADD", "h", "a", "b", "c", "1", "2", "3")
    diff("SADD", "i", "1", "2", "3", "4")
    diff("SADD", "h2", "a", "b", "x")
    diff("SINTER", "i", "h")                        # intset drives
    unordered(diff, "SINTER", "h", "h2")
    diff("SINTER", "i", "h2")
    diff("SINTERSTORE", "d", "h", "h2")
    assert encoding(diff, "d") == "hashtable"
    members(diff, "d")
    diff("SINTERSTORE", "d", "h", "i")
    assert encoding(diff, "d") == "intset"
    for limit in ["0", "1", "2", "3", "100"]:
        diff("SINTERCARD", "2", "h", "i", "LIMIT", limit)
        diff("SINTERCARD", "2", "h", "h2", "limit", limit)
    diff("SINTERCARD", "1", "h")
    diff("SINTERCARD", "2", "h", "h")
    diff("SINTERCARD", "3", "h", "i", "nokey")
    diff("SINTERCARD", "1", "h", "LIMIT", "2")


def test_sinter_many_keys_and_ties(diff):
    diff("SADD", "a", "1", "2", "3")
    diff("SADD", "b", "3", "2", "x")
    diff("SADD", "c", "3", "2", "1")
    diff("SINTER", "a", "c", "b")
    unordered(diff, "SINTER", "b", "a", "c")
    keys = ["k%d" % i for i in range(40)]
    for k in keys:
        diff("SADD", k, "1", "2", "3", k)
    unordered(diff, "SINTER", *keys)
    diff("SINTER", "a", *keys)
    diff("SINTERCARD", str(len(keys)), *keys)


def test_store_destination_rules(diff):
    diff("SADD", "a", "1", "2", "3")
    diff("SADD", "b", "2", "3", "4")
    # destination of another type, with a TTL: replaced, TTL dropped
    for cmd in ["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]:
        diff("SET", "d", "string")
        diff("EXPIRE", "d", "100")
        diff(cmd, "d", "a", "b")
        diff("TYPE", "d")
        diff("TTL", "d")
        smembers(diff, "d")
    # an empty result deletes the destination
    for cmd, keys in [("SINTERSTORE", ("a", "nokey")), ("SINTERSTORE", ("a", "x")),
                      ("SUNIONSTORE", ("nokey", "nokey2")), ("SDIFFSTORE", ("a", "a")),
                      ("SDIFFSTORE", ("nokey", "a")), ("SDIFFSTORE", ("a", "c"))]:
        diff("SET", "d", "string")
        diff("SADD", "x", "9")
        diff("SADD", "c", "1", "2", "3", "4")
        diff(cmd, "d", *keys)
        diff("EXISTS", "d")
        diff(cmd, "d", *keys)
    # destination among the sources
    diff("SINTERSTORE", "a", "a", "b")
    smembers(diff, "a")
    diff("SUNIONSTORE", "a", "a", "b")
    smembers(diff, "a")
    diff("SDIFFSTORE", "b", "b", "a")
    diff("EXISTS", "b")
    diff("SADD", "b", "2", "3", "4", "5")
    diff("SDIFFSTORE", "b", "b", "a")
    smembers(diff, "b")


def test_store_results_encodings(diff, intset_max):
    intset_max(5)
    diff("SADD", "a", "1", "2", "3", "4")
    diff("SADD", "b", "5", "6", "7")
    diff("SUNIONSTORE", "d", "a", "b")              # 7 ints > 5: hashtable
    assert encoding(diff, "d") == "hashtable"
    diff("SADD", "c", "1", "2", "x")
    diff("SUNIONSTORE", "d", "a", "c")
    assert encoding(diff, "d") == "hashtable"
    diff("SDIFFSTORE", "d", "c", "a")
    assert encoding(diff, "d") == "hashtable"
    diff("SDIFFSTORE", "d", "a", "c")
    assert encoding(diff, "d") == "intset"
    smembers(diff, "d")
    diff("SINTERSTORE", "d", "c", "a")
    assert encoding(diff, "d") == "intset"


def test_sdiff_algorithms_encoding(diff, intset_max):
    """SDIFF's second algorithm copies the first set before removing: it can
    cross the intset limit on the way and leave a hashtable result."""
    intset_max(10)
    diff("SADD", "big", *[str(i) for i in range(20)])
    for i in range(8):
        diff("SADD", "sm%d" % i, str(i))
    # algorithm 1 (small first set relative to the others' total)
    diff("SDIFFSTORE", "d", "big", "sm0")
    assert encoding(diff, "d") == "hashtable"
    diff("SADD", "rm", *[str(i) for i in range(15)])
    # algo one work = 20*2/2 = 20 > algo two work 35? no: 20 <= 35: algorithm 1
    diff("SDIFFSTORE", "d", "big", "rm")
    assert encoding(diff, "d") == "intset"
    diff("SDIFF", "big", "rm")
    # many tiny sets make algorithm 1 expensive: algorithm 2, hashtable result
    keys = ["sm%d" % i for i in range(8)]
    diff("SDIFFSTORE", "d", "big", *keys)
    assert encoding(diff, "d") == "hashtable"
    unordered(diff, "SDIFF", "big", *keys)
    diff("SDIFF", "sm1", "big", "big")
    diff("SDIFF", "nokey", "big")


def test_sdiff_algorithm_boundary(diff, intset_max):
    """Exactly at Redis's work estimate: (size(first) * #sets) / 2 against
    the total size. Algorithm 2 copies all 20 members (> 15: hashtable),
    algorithm 1 adds only the 10-12 survivors (intset)."""
    intset_max(15)
    diff("SADD", "big", *[str(i) for i in range(20)])
    diff("SADD", "a", "0", "1", "2", "3")
    diff("SADD", "b", "4", "5", "6", "7")
    diff("SDIFFSTORE", "d", "big", "a", "b")        # 60//2 = 30 > 28: algorithm 2
    assert encoding(diff, "d") == "hashtable"
    unordered(diff, "SDIFF", "big", "a", "b")
    diff("SADD", "a", "8")
    diff("SADD", "b", "9")
    diff("SDIFFSTORE", "d", "big", "a", "b")        # 30 <= 30: algorithm 1
    assert encoding(diff, "d") == "intset"
    diff("SDIFF", "big", "a", "b")


def test_sdiff_fuzz(diff):
    import random
    rnd = random.Random(7)
    for _ in range(30):
        diff("DEL", "s1", "s2", "s3")
        keys = []
        for k in ("s1", "s2", "s3"):
            n = rnd.randint(0, 30)
            if n:
                ms = [str(rnd.randint(0, 40)) if rnd.random() < 0.8 else "x%d" % rnd.randint(0, 9)
                      for _ in range(n)]
                diff("SADD", k, *ms)
            keys.append(k)
        rnd.shuffle(keys)
        diff("SDIFFSTORE", "d", *keys)
        if encoding(diff, "d") in ("intset", None):
            diff("SDIFF", *keys)
        else:
            unordered(diff, "SDIFF", *keys)
        diff("SUNIONSTORE", "d", *keys)
        if encoding(diff, "d") in ("intset", None):
            diff("SUNION", *keys)
        else:
            unordered(diff, "SUNION", *keys)
        diff("SINTERCARD", "3", *keys)
        diff("SINTERSTORE", "d", *keys)
        if inter_ordered(diff, keys):
            diff("SINTER", *keys)
        else:
            unordered(diff, "SINTER", *keys)


@pytest.mark.parametrize("proto", [2, 3])
def test_resp3_types(diff, proto):
    diff.hello(proto)
    diff("SADD", "i", "1", "2", "3")
    diff("SADD", "h", "a", "b")
    diff("SMEMBERS", "i")
    diff("SINTER", "i", "i")
    diff("SUNION", "i", "nokey")
    diff("SDIFF", "i", "nokey")
    diff("SINTER", "i", "nokey")
    diff("SDIFF", "nokey", "i")
    diff("SUNION", "nokey")
    unordered(diff, "SMEMBERS", "h")
    unordered(diff, "SUNION", "h", "i")
    diff("SMISMEMBER", "i", "1", "5")
    diff("SRANDMEMBER", "i", "5")
    diff("SRANDMEMBER", "i", "0")
    diff("SPOP", "i", "0")
    diff("SSCAN", "i", "0")
    diff("SINTERCARD", "1", "i")
    diff("SPOP", "i", "10")


# ---- SSCAN -------------------------------------------------------------------------------

def test_sscan_intset(diff):
    diff("SADD", "s", *[str(i) for i in range(-20, 300, 7)])
    diff("SSCAN", "s", "0")
    diff("SSCAN", "s", "0", "COUNT", "2")
    diff("SSCAN", "s", "12345")                     # any cursor: everything, cursor 0
    diff("SSCAN", "s", "0", "MATCH", "1*")
    diff("SSCAN", "s", "0", "MATCH", "-*", "COUNT", "1000")
    diff("SSCAN", "s", "0", "match", "*", "count", "1")
    diff("SSCAN", "s", "0", "MATCH", "nomatch")


def full_scan(conn, key, *opts):
    cursor, seen = b"0", []
    while True:
        reply = tparse(conn.call("SSCAN", key, cursor, *opts))
        cursor = reply[1][0][1]
        seen += flat(reply[1][1])
        if cursor == b"0":
            return seen


def test_sscan_hashtable(diff):
    ms = ["m%d" % i for i in range(1000)] + [str(i) for i in range(100)]
    diff("SADD", "s", *ms)
    for opts in [(), ("COUNT", "5"), ("COUNT", "100"), ("MATCH", "m1*"), ("MATCH", "*0", "COUNT", "3")]:
        r, p = set(full_scan(diff.r, "s", *opts)), set(full_scan(diff.p, "s", *opts))
        assert r == p
        assert len(r) > 0
    diff("SADD", "t", "a", "b", "c")
    r, p = diff.both("SSCAN", "t", "0", "COUNT", "100")   # small table: one call
    for reply in (tparse(r), tparse(p)):
        assert reply[1][0] == ("$", b"0") and sorted(flat(reply[1][1])) == [b"a", b"b", b"c"]


def test_sscan_errors(diff):
    diff("SADD", "s", "a", "b")
    diff("SADD", "i", "1")
    diff("SET", "str", "v")
    for key in ("s", "i", "nokey", "str"):
        for args in [("abc",), ("-1",), ("0", "COUNT"), ("0", "COUNT", "0"),
                     ("0", "COUNT", "-1"), ("0", "COUNT", "x"), ("0", "MATCH"),
                     ("0", "TYPE", "set"), ("0", "FOO", "bar"), ("0", "COUNT", "1", "EXTRA"),
                     ("18446744073709551615",), ("18446744073709551616",), ("+5",), (" 0",)]:
            r, p = diff.both("SSCAN", key, *args)
            if key == "s" and tparse(r)[0] == "*":
                # a valid scan of a hashtable: cursors are seed-dependent
                for reply in (tparse(r), tparse(p)):
                    assert reply[0] == "*" and set(flat(reply[1][1])) <= {b"a", b"b"}
            else:
                assert p == r, (key, args, r, p)


# ---- generic commands on sets ---------------------------------------------------------

def test_type_encoding_copy(diff):
    diff("SADD", "i", "1", "2", "3")
    diff("SADD", "h", "a", "b", "1")
    diff("TYPE", "i")
    diff("TYPE", "h")
    diff("COPY", "i", "i2")
    diff("COPY", "h", "h2")
    assert encoding(diff, "i2") == "intset"
    assert encoding(diff, "h2") == "hashtable"
    diff("SADD", "i", "4")
    diff("SREM", "h", "a")
    smembers(diff, "i2")
    members(diff, "h2")
    diff("COPY", "i", "h2")
    diff("COPY", "i", "h2", "REPLACE")
    smembers(diff, "h2")
    diff("SET", "i2", "x")
    diff("COPY", "h", "i2", "REPLACE")
    members(diff, "i2")
    diff("RENAME", "i", "i3")
    smembers(diff, "i3")
    diff("OBJECT", "ENCODING", "nokey")


def test_scan_type_set(diff):
    diff("SADD", "s1", "a")
    diff("SADD", "s2", "1")
    diff("SET", "str", "v")
    r, p = diff.both("SCAN", "0", "TYPE", "set", "COUNT", "100")
    for reply in (tparse(r), tparse(p)):
        assert reply[1][0] == ("$", b"0") and sorted(flat(reply[1][1])) == [b"s1", b"s2"]
    diff("SCAN", "0", "TYPE", "SET", "MATCH", "nomatch")


def test_debug_digest(diff):
    diff("SADD", "i", "1", "2", "3", "-100000", "5000000000")
    diff("SADD", "h", "a", "b", "1", b"\x00\xff")
    diff("SADD", "big", *["m%d" % i for i in range(600)])
    diff("DEBUG", "DIGEST-VALUE", "i", "h", "big", "nokey")
    diff("EXPIRE", "h", "1000")
    diff("DEBUG", "DIGEST-VALUE", "h")
    diff("DEBUG", "DIGEST")
    # same members, different encodings: same digest
    diff("SADD", "x", "1", "2", "3", "a")
    diff("SREM", "x", "a")
    diff("SADD", "y", "3", "2", "1")
    r = diff("DEBUG", "DIGEST-VALUE", "x", "y")
    items = tparse(r)[1]
    assert items[0] == items[1]


def test_memory_usage(diff):
    diff("SADD", "i", "1", "2", "3")
    diff("SADD", "h", *["m%d" % i for i in range(100)])
    for k in ("i", "h"):
        r = tparse(diff.p.call("MEMORY", "USAGE", k))
        assert r[0] == ":" and r[1] > 0
    small = tparse(diff.p.call("MEMORY", "USAGE", "i"))[1]
    large = tparse(diff.p.call("MEMORY", "USAGE", "h"))[1]
    assert large > small + 100 * 8


# ---- WATCH -------------------------------------------------------------------------------

def _watched_exec(diff, other, key, setup, *write):
    """WATCH ``key``, run ``write`` from another connection, then EXEC."""
    diff("DEL", key, "other", "dst")
    for cmd in setup:
        diff(*cmd)
    diff("WATCH", key)
    other.both(*write)                               # random picks may differ
    diff("MULTI")
    diff("PING")
    r = diff("EXEC")
    return tparse(r)[1] is None                       # True: aborted


@pytest.mark.parametrize("setup,write,aborts", [
    ([("SADD", "k", "a")], ("SADD", "k", "b"), True),
    ([("SADD", "k", "a")], ("SADD", "k", "a"), False),          # nothing added
    ([], ("SADD", "k", "a"), True),
    ([("SADD", "k", "a", "b")], ("SREM", "k", "a"), True),
    ([("SADD", "k", "a", "b")], ("SREM", "k", "c"), False),
    ([("SADD", "k", "a")], ("SREM", "k", "a"), True),           # deleted
    ([("SADD", "k", "1", "2")], ("SPOP", "k"), True),
    ([("SADD", "k", "1", "2")], ("SPOP", "k", "1"), True),
    ([("SADD", "k", "1", "2")], ("SPOP", "k", "5"), True),
    ([("SADD", "k", "1", "2")], ("SPOP", "k", "0"), False),
    ([("SADD", "k", "1", "2")], ("SRANDMEMBER", "k", "5"), False),
    ([("SADD", "k", "a"), ("SADD", "other", "b")], ("SMOVE", "other", "k", "b"), True),
    ([("SADD", "k", "a"), ("SADD", "other", "a")], ("SMOVE", "other", "k", "a"), False),
    ([("SADD", "k", "a")], ("SMOVE", "k", "other", "a"), True),
    ([("SADD", "k", "a", "b")], ("SMOVE", "k", "k", "a"), False),
    ([("SADD", "other", "a")], ("SINTERSTORE", "k", "other"), True),
    ([("SADD", "k", "a")], ("SINTERSTORE", "k", "nokey"), True),
    ([], ("SINTERSTORE", "k", "nokey"), False),
    ([("SADD", "other", "a")], ("SUNIONSTORE", "k", "other"), True),
    ([("SADD", "other", "a")], ("SDIFFSTORE", "k", "other"), True),
    ([("SADD", "k", "a")], ("SDIFFSTORE", "k", "nokey"), True),
])
def test_watch(diff, other, setup, write, aborts):
    assert _watched_exec(diff, other, "k", setup, *write) == aborts


def test_watch_multi_exec_writes(diff, other):
    diff("SADD", "s", "a")
    diff("WATCH", "s")
    diff("MULTI")
    diff("SADD", "s", "b")
    diff("SREM", "s", "a")
    diff("SMEMBERS", "s")
    diff("EXEC")
    other("SMEMBERS", "s")


# ---- keyspace stats and the dirty counter ------------------------------------------------

def _info_fields(conn, section, names):
    text = tparse(conn.call("INFO", section))[1].decode()
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        if k in names:
            out[k] = int(v)
    return out


SET_STAT_SEQUENCE = [
    ("SADD", "i", "9"), ("SADD", "i", "1"), ("SADD", "n", "a", "b", "a"), ("SADD", "str", "x"),
    ("SREM", "i", "1", "2", "7"), ("SREM", "missing", "a"), ("SREM", "one", "z"),
    ("SCARD", "i"), ("SCARD", "missing"), ("SISMEMBER", "h", "a"), ("SMISMEMBER", "missing", "a"),
    ("SMEMBERS", "i"), ("SPOP", "one"), ("SPOP", "i", "2"), ("SPOP", "i", "100"),
    ("SPOP", "missing", "2"), ("SPOP", "i", "0"), ("SRANDMEMBER", "one", "3"),
    ("SRANDMEMBER", "missing"), ("SMOVE", "i", "h", "1"), ("SMOVE", "i", "h", "a"),
    ("SMOVE", "missing", "h", "a"), ("SMOVE", "one", "new", "z"), ("SMOVE", "h", "h", "a"),
    ("SINTER", "i", "h", "missing"), ("SINTERCARD", "2", "i", "one"),
    ("SINTERSTORE", "d", "i", "i"), ("SINTERSTORE", "i", "missing"), ("SINTERSTORE", "x", "missing"),
    ("SUNION", "i", "missing", "h"), ("SUNIONSTORE", "d", "i", "h"), ("SDIFF", "i", "h"),
    ("SDIFFSTORE", "d", "i", "i"), ("SDIFFSTORE", "d", "h", "missing"), ("SSCAN", "i", "0"),
    ("SSCAN", "missing", "0"), ("SADD", "str", "a"), ("SCARD", "str"),
]


@pytest.mark.parametrize("cmd", SET_STAT_SEQUENCE, ids=lambda c: " ".join(c))
def test_keyspace_stats_and_dirty(diff, cmd):
    names = ("keyspace_hits", "keyspace_misses")
    diff("SADD", "i", "1", "2", "3", "4", "5")
    diff("SADD", "h", "a", "b", "c", "1")
    diff("SADD", "one", "z")
    diff("SET", "str", "v")
    before_r = _info_fields(diff.r, "stats", names)
    before_p = _info_fields(diff.p, "stats", names)
    dirty_r = _info_fields(diff.r, "persistence", ("rdb_changes_since_last_save",))
    dirty_p = _info_fields(diff.p, "persistence", ("rdb_changes_since_last_save",))
    diff.both(*cmd)
    after_r = _info_fields(diff.r, "stats", names)
    after_p = _info_fields(diff.p, "stats", names)
    for n in names:
        assert after_p[n] - before_p[n] == after_r[n] - before_r[n], (cmd, n)
    d_r = _info_fields(diff.r, "persistence", ("rdb_changes_since_last_save",))
    d_p = _info_fields(diff.p, "persistence", ("rdb_changes_since_last_save",))
    assert (d_p["rdb_changes_since_last_save"] - dirty_p["rdb_changes_since_last_save"] ==
            d_r["rdb_changes_since_last_save"] - dirty_r["rdb_changes_since_last_save"]), cmd


@pytest.mark.parametrize("args", [
    ("SADD", "k", "a"), ("SMOVE", "a", "b", "m"), ("SINTER", "a", "b", "c"),
    ("SINTERSTORE", "d", "a", "b"), ("SDIFFSTORE", "d", "a"), ("SUNION", "a"),
    ("SINTERCARD", "2", "a", "b"), ("SINTERCARD", "1", "a", "LIMIT", "3"),
    ("SINTERCARD", "3", "a", "b"), ("SINTERCARD", "0", "a"), ("SSCAN", "k", "0", "COUNT", "3"),
    ("SPOP", "k", "3"), ("SRANDMEMBER", "k"), ("SMISMEMBER", "k", "a", "b"),
])
def test_command_getkeys(diff, args):
    diff("COMMAND", "GETKEYS", *args)
