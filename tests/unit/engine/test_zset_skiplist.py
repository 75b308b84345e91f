"""engine/zset: the skiplist + member->score dict of the "skiplist" encoding."""

import math
import random

import pytest

from engine.zset import ZSet, parse_lex_range, parse_range, random_level_histogram

INF = float("inf")


def make(pairs):
    z = ZSet()
    for m, s in pairs:
        z.add(m, s)
    z.check()
    return z


def test_empty():
    z = ZSet()
    assert len(z) == 0
    assert z.items() == [] and z.items(reverse=True) == []
    assert z.score(b"a") is None and z.rank(b"a") is None
    assert z.by_rank(0) is None
    assert z.delete(b"a") is False
    assert z.range_by_score(-INF, INF) == []
    assert z.range_by_lex(b"-", b"+") == []
    assert z.count_by_score(-INF, INF) == 0
    assert z.delete_range_by_score(-INF, INF) == 0
    assert z.level == 1
    z.check()


def test_order_is_score_then_member_bytes():
    z = make([(b"b", 1), (b"a", 1), (b"ab", 1), (b"", 1), (b"\x00", 1), (b"\xff", 0),
              (b"z", -1), (b"c", 2)])
    assert [m for m, _ in z.items()] == [b"z", b"\xff", b"", b"\x00", b"a", b"ab", b"b", b"c"]
    assert [m for m, _ in z.items(reverse=True)] == [b"c", b"b", b"ab", b"a", b"\x00", b"", b"\xff", b"z"]
    for i, (m, s) in enumerate(z.items()):
        assert z.rank(m) == i
        assert z.by_rank(i) == (m, s)
    assert z.by_rank(len(z)) is None


def test_add_update_delete_keep_invariants():
    z = ZSet()
    assert z.add(b"a", 1.0) is True
    assert z.add(b"a", 1.0) is False
    assert z.add(b"a", 5.0) is False
    assert z.score(b"a") == 5.0
    assert z.add(b"b", 3.0) is True
    assert z.items() == [(b"b", 3.0), (b"a", 5.0)]
    assert z.delete(b"b") is True and z.delete(b"b") is False
    assert z.items() == [(b"a", 5.0)]
    with pytest.raises(ValueError):
        z.add(b"x", math.nan)
    z.check()


def test_update_in_place_and_moving():
    z = make([(b"a", 1), (b"b", 2), (b"c", 3)])
    z.add(b"b", 2.5)            # stays between its neighbours: score only
    assert z.items() == [(b"a", 1), (b"b", 2.5), (b"c", 3)]
    z.add(b"b", 10)             # moves past c
    assert z.items() == [(b"a", 1), (b"c", 3), (b"b", 10)]
    z.add(b"b", -10)            # moves to the head
    assert z.items() == [(b"b", -10), (b"a", 1), (b"c", 3)]
    z.add(b"c", 1)              # equal score with a: ordered by member
    assert z.items() == [(b"b", -10), (b"a", 1), (b"c", 1)]
    z.add(b"a", 1)
    z.check()


def test_infinities_and_signed_zero():
    z = make([(b"p", INF), (b"n", -INF), (b"z", 0.0)])
    assert z.items() == [(b"n", -INF), (b"z", 0.0), (b"p", INF)]
    z.add(b"z", -0.0)           # equal to 0.0: nothing changes (as in Redis)
    assert math.copysign(1, z.score(b"z")) == 1
    assert z.range_by_score(-INF, INF) == [b"n", b"z", b"p"]
    assert z.range_by_score(-INF, INF, True, True) == [b"z"]


def test_score_ranges():
    z = make([(b"a", 1), (b"b", 2), (b"c", 2), (b"d", 3), (b"e", 4)])
    assert z.range_by_score(2, 3) == [b"b", b"c", b"d"]
    assert z.range_by_score(2, 3, minex=True) == [b"d"]
    assert z.range_by_score(2, 3, maxex=True) == [b"b", b"c"]
    assert z.range_by_score(2, 3, True, True) == []
    assert z.range_by_score(2, 2, True, False) == []
    assert z.range_by_score(3, 2) == []
    assert z.range_by_score(2, 3, reverse=True) == [b"d", b"c", b"b"]
    assert z.range_by_score(5, 9) == [] and z.range_by_score(-9, 0) == []
    assert z.count_by_score(2, 3) == 3 and z.count_by_score(2, 4, True, True) == 1
    assert z.count_by_score(-INF, INF) == 5


def test_lex_ranges():
    z = make([(m, 0) for m in (b"a", b"b", b"c", b"d", b"e", b"", b"ba")])
    assert z.range_by_lex(b"-", b"+") == [b"", b"a", b"b", b"ba", b"c", b"d", b"e"]
    assert z.range_by_lex(b"[b", b"[d") == [b"b", b"ba", b"c", b"d"]
    assert z.range_by_lex(b"(b", b"(d") == [b"ba", b"c"]
    assert z.range_by_lex(b"[", b"(a") == [b""]
    assert z.range_by_lex(b"(", b"[a") == [b"a"]
    assert z.range_by_lex(b"-", b"[b", reverse=True) == [b"b", b"a", b""]
    assert z.range_by_lex(b"+", b"-") == [] and z.range_by_lex(b"-", b"-") == []
    assert z.range_by_lex(b"+", b"+") == [] and z.range_by_lex(b"[b", b"(b") == []
    assert z.range_by_lex(b"[x", b"+") == [] and z.range_by_lex(b"-", b"(") == []
    with pytest.raises(ValueError):
        z.range_by_lex(b"a", b"+")


def test_parse_range():
    assert parse_range(b"1.5", b"(2") == (1.5, 2.0, False, True)
    assert parse_range(b"-inf", b"+inf") == (-INF, INF, False, False)
    assert parse_range(b"(-inf", b"(inf") == (-INF, INF, True, True)
    assert parse_range(b"(", b"") == (0.0, 0.0, True, False)      # strtod of nothing
    assert parse_range(b" 1", b"\t2") == (1.0, 2.0, False, False)  # strtod skips spaces
    assert parse_range(b"0x10", b"1e400") == (16.0, INF, False, False)
    assert parse_range(b"1\x00junk", b"2") == (1.0, 2.0, False, False)  # C string
    for bad in (b"1 ", b"nan", b"(nan", b"abc", b"((1", b"1.5.5", b"--1", b"[1"):
        assert parse_range(bad, b"2") is None, bad
        assert parse_range(b"1", bad) is None, bad
    assert parse_range(b"(" + b"1" * 300, b"2")[0] == float("1" * 300)


def test_parse_lex_range():
    assert parse_lex_range(b"-", b"+") == (("-", None, True), ("+", None, True))
    assert parse_lex_range(b"[a", b"(b") == (("str", b"a", False), ("str", b"b", True))
    assert parse_lex_range(b"[", b"(") == (("str", b"", False), ("str", b"", True))
    assert parse_lex_range(b"+\x00x", b"[a") == (("+", None, True), ("str", b"a", False))
    assert parse_lex_range(b"[a\x00b", b"+") == (("str", b"a\x00b", False), ("+", None, True))
    for bad in (b"", b"a", b"+a", b"-a", b"++", b"1"):
        assert parse_lex_range(bad, b"+") is None, bad
        assert parse_lex_range(b"-", bad) is None, bad


def test_delete_ranges():
    base = [(b"m%02d" % i, float(i // 2)) for i in range(20)]
    z = make(base)
    assert z.delete_range_by_score(3, 5, True, False) == 4
    assert [m for m, s in z.items() if 3 < s <= 5] == []
    z.check()
    z = make(base)
    assert z.delete_range_by_rank(0, 4) == 5
    assert z.items() == base[5:]
    assert z.delete_range_by_rank(10, 14) == 5
    assert z.items() == base[5:15]
    z.check()
    z = make([(b"%c" % c, 0) for c in b"abcdefgh"])
    assert z.delete_range_by_lex(b"(b", b"[e") == 3
    assert [m for m, _ in z.items()] == [b"a", b"b", b"f", b"g", b"h"]
    assert z.delete_range_by_lex(b"-", b"+") == 5
    assert len(z) == 0 and z.level == 1
    z.check()


def test_dup_is_deep_and_ordered():
    z = make([(b"k%d" % i, random.random()) for i in range(300)])
    d = z.dup()
    d.check()
    assert d.items() == z.items()
    d.add(b"k1", 99)
    d.delete(b"k2")
    assert z.score(b"k1") != 99 and z.score(b"k2") is not None
    z.check()


def test_mem_usage_counts_nodes_and_entries():
    z = ZSet()
    empty = z.mem_usage()
    assert empty > 32 * 16            # the 32-level header
    z.add(b"x" * 100, 1)
    one = z.mem_usage()
    assert one - empty >= 100 + 24 + 16
    for i in range(100):
        z.add(b"m%d" % i, i)
    assert z.mem_usage() > one + 100 * (24 + 16 + 8)
    for i in range(100):
        z.delete(b"m%d" % i)
    z.delete(b"x" * 100)
    # nodes and entries are freed; at most the (shrinking) bucket arrays remain
    assert z.mem_usage() <= empty + (128 + 16) * 8


def test_random_level_distribution():
    h = random_level_histogram(200000)
    total = sum(h)
    assert abs(h[0] / total - 0.75) < 0.01
    assert abs(h[1] / total - 0.1875) < 0.01
    assert h[1] > h[2] > h[3]
    assert sum(h[16:]) == 0          # 4^-16: not in 200k draws


def test_large_random_workload():
    rnd = random.Random(7)
    z = ZSet()
    model = {}
    for step in range(20000):
        m = b"%d" % rnd.randrange(3000)
        op = rnd.random()
        if op < 0.6:
            s = float(rnd.randrange(100)) if rnd.random() < 0.5 else rnd.uniform(-1e6, 1e6)
            z.add(m, s)
            if model.get(m) != s:
                model[m] = s
        else:
            assert z.delete(m) == (m in model)
            model.pop(m, None)
        if step % 5000 == 0:
            z.check()
    z.check()
    expect = sorted(model.items(), key=lambda kv: (kv[1], kv[0]))
    assert z.items() == expect
    for i in range(0, len(expect), 97):
        assert z.rank(expect[i][0]) == i
        assert z.by_rank(i) == expect[i]
    assert z.level <= 32
