"""engine/quicklist: unit tests of node sizing, compression and plain nodes,
and a hypothesis model test against a Python list over fills, compression
depths and packed thresholds (structure invariants checked after every
operation)."""

import contextlib

import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from engine.quicklist import QuickList, set_packed_threshold


@contextlib.contextmanager
def packed_threshold(n):
    assert set_packed_threshold(n)
    try:
        yield
    finally:
        set_packed_threshold(0)


def test_empty():
    ql = QuickList()
    assert len(ql) == 0 and ql.items() == [] and ql.nodes() == []
    assert ql.pop() is None and ql.pop(tail=True) is None and ql.index(0) is None
    assert not ql.delete_range(0, 5)
    ql.check()


def test_options_are_clamped():
    assert QuickList(-9, -3).fill == -5 and QuickList(-9, -3).compress == 0
    assert QuickList(100000, 100000).fill == 32767
    assert QuickList(1, 100000).compress == 65535


def test_push_pop_both_ends():
    ql = QuickList(fill=3)
    for i in range(10):
        ql.push_tail(b"t%d" % i)
        ql.push_head(b"h%d" % i)
    ql.check()
    assert ql.items() == [b"h%d" % i for i in range(9, -1, -1)] + [b"t%d" % i for i in range(10)]
    assert all(n[2] <= 3 for n in ql.nodes())
    assert ql.pop() == b"h9" and ql.pop(tail=True) == b"t9"
    ql.check()


def test_integers_come_back_as_canonical_strings():
    ql = QuickList()
    for v in [b"0", b"-1", b"127", b"4096", b"-9223372036854775808", b"9223372036854775807",
              b"01", b"+1", b"1.0", b"9223372036854775808"]:
        ql.push_tail(v)
    assert ql.items() == [b"0", b"-1", b"127", b"4096", b"-9223372036854775808",
                          b"9223372036854775807", b"01", b"+1", b"1.0", b"9223372036854775808"]


@pytest.mark.parametrize("fill,limit", [(-1, 4096), (-2, 8192), (-3, 16384), (-4, 32768),
                                        (-5, 65536)])
def test_byte_fills(fill, limit):
    ql = QuickList(fill=fill)
    for i in range(3000):
        ql.push_tail(b"x" * 50)
    ql.check()
    nodes = ql.nodes()
    assert all(n[3] <= limit for n in nodes)
    # nodes are filled up to the limit, not split early
    assert all(n[3] + 50 + 8 > limit for n in nodes[:-1])


def test_count_fill_with_safety_limit():
    ql = QuickList(fill=1000)
    for i in range(100):
        ql.push_tail(b"y" * 500)
    ql.check()
    assert all(n[3] <= 8192 for n in ql.nodes())
    ql = QuickList(fill=4)
    for i in range(10):
        ql.push_tail(b"z")
    assert [n[2] for n in ql.nodes()] == [4, 4, 2]


def test_big_element_alone_in_packed_node():
    ql = QuickList(fill=-1)
    ql.push_tail(b"a")
    ql.push_tail(b"b" * 10000)
    ql.push_tail(b"c")
    assert [n[2] for n in ql.nodes()] == [1, 1, 1]
    assert ql.nodes()[1][0] == "packed"
    ql.check()


def test_compression_of_inner_nodes():
    ql = QuickList(fill=4, compress=1)
    for i in range(40):
        ql.push_tail(b"value-%03d-" % i + b"a" * 100)
    ql.check()
    encs = [n[1] for n in ql.nodes()]
    assert encs[0] == "raw" and encs[-1] == "raw"
    assert all(e == "lzf" for e in encs[1:-1])
    assert ql.mem_usage() < ql.uncompressed_size()
    # reading through compressed nodes leaves them compressed
    assert ql.index(20) == b"value-020-" + b"a" * 100
    assert ql.items()[17] == b"value-017-" + b"a" * 100
    ql.check()
    assert [n[1] for n in ql.nodes()] == encs


def test_compress_depth_two_keeps_two_raw_nodes_each_end():
    ql = QuickList(fill=2, compress=2)
    for i in range(20):
        ql.push_head(b"%d" % i + b"b" * 200)
    encs = [n[1] for n in ql.nodes()]
    assert encs[:2] == ["raw", "raw"] and encs[-2:] == ["raw", "raw"]
    assert all(e == "lzf" for e in encs[2:-2])
    # popping brings compressed nodes to the ends: they get decompressed
    for _ in range(15):
        ql.pop()
        ql.check()


def test_small_or_incompressible_nodes_stay_raw():
    import os
    ql = QuickList(fill=1, compress=1)
    for i in range(5):
        ql.push_tail(b"tiny")
    for i in range(5):
        ql.push_tail(os.urandom(300))
    assert all(n[1] == "raw" for n in ql.nodes())
    ql.check()


def test_plain_nodes():
    with packed_threshold(10):
        ql = QuickList(fill=-2, compress=1)
        ql.push_tail(b"a")
        ql.push_tail(b"L" * 10)
        ql.push_tail(b"b")
        ql.push_head(b"M" * 20)
        assert [n[0] for n in ql.nodes()] == ["plain", "packed", "plain", "packed"]
        assert ql.items() == [b"M" * 20, b"a", b"L" * 10, b"b"]
        ql.insert(1, b"N" * 30, after=False)       # between two nodes
        ql.insert(2, b"c", after=True)
        assert ql.items() == [b"M" * 20, b"N" * 30, b"a", b"c", b"L" * 10, b"b"]
        ql.replace(2, b"P" * 12)                    # packed -> plain
        ql.replace(4, b"d")                         # plain -> packed
        ql.replace(0, b"Q" * 40)                    # plain -> plain
        assert ql.items() == [b"Q" * 40, b"N" * 30, b"P" * 12, b"c", b"d", b"b"]
        ql.check()
        assert ql.remove(b"N" * 30) == 1
        assert ql.pop() == b"Q" * 40
        assert ql.pop(tail=True) == b"b"
        ql.check()


def test_plain_node_in_the_middle_of_a_packed_node():
    with packed_threshold(5):
        ql = QuickList(fill=-2)
        for v in [b"aa", b"bb", b"cc", b"dd", b"ee"]:
            ql.push_tail(v)
        ql.replace(2, b"e" * 10)
        assert ql.items() == [b"aa", b"bb", b"e" * 10, b"dd", b"ee"]
        assert [n[0] for n in ql.nodes()] == ["packed", "plain", "packed"]
        ql.check()


def test_split_and_merge_on_middle_insert():
    ql = QuickList(fill=4)
    for i in range(12):
        ql.push_tail(b"%d" % i)
    assert [n[2] for n in ql.nodes()] == [4, 4, 4]
    ql.insert(5, b"x", after=True)               # middle of a full node: split
    ql.check()
    assert ql.items() == [b"0", b"1", b"2", b"3", b"4", b"5", b"x", b"6", b"7", b"8", b"9",
                          b"10", b"11"]
    assert sum(n[2] for n in ql.nodes()) == 13


def test_delete_range_clipping():
    for start, count in [(0, 100), (5, 3), (-3, 10), (-30, 5), (25, 5), (0, 0), (3, -1)]:
        ql = QuickList(fill=3, compress=1)
        model = [b"%d" % i for i in range(20)]
        for v in model:
            ql.push_tail(v)
        deleted = ql.delete_range(start, count)
        if count > 0 and -20 <= start < 20:
            s = start if start >= 0 else 20 + start
            extent = min(count, 20 - s) if start >= 0 else min(count, -start)
            del model[s:s + extent]
            assert deleted
        else:
            assert not deleted
        assert ql.items() == model
        ql.check()


def test_iteration_from_index_both_directions():
    ql = QuickList(fill=3, compress=2)
    model = [b"%d" % i + b"q" * 60 for i in range(50)]
    for v in model:
        ql.push_tail(v)
    for start in [0, 1, 7, 25, 48, 49, -1, -2, -50, 50, -51]:
        fwd = ql.items(start)
        rev = ql.items(start, reverse=True)
        if -50 <= start < 50:
            s = start % 50
            assert fwd == model[s:]
            assert rev == model[:s + 1][::-1]
        else:
            assert fwd == [] and rev == []
        ql.check()


def test_dup_is_independent():
    ql = QuickList(fill=2, compress=1)
    for i in range(30):
        ql.push_tail(b"%d" % i + b"w" * 80)
    c = ql.dup()
    assert c.items() == ql.items() and c.nodes() == ql.nodes()
    c.pop()
    assert len(c) == 29 and len(ql) == 30
    c.check()
    ql.check()


# ---- model test -----------------------------------------------------------------------------

values = st.one_of(
    st.integers(-300, 70000).map(lambda i: str(i).encode()),
    st.sampled_from([b"", b"a", b"01", b"-0", b"x" * 70, b"9223372036854775808"]),
    st.binary(max_size=12),
    st.tuples(st.sampled_from([b"ab", b"xyz", b"hello "]), st.integers(10, 120)).map(
        lambda t: t[0] * t[1]),
    st.just(b"B" * 5000),
)

ops = st.one_of(
    st.tuples(st.just("push_head"), values),
    st.tuples(st.just("push_tail"), values),
    st.tuples(st.just("pop"), st.booleans()),
    st.tuples(st.just("index"), st.integers(-60, 60)),
    st.tuples(st.just("insert"), st.integers(-60, 60), values, st.booleans()),
    st.tuples(st.just("insert_pivot"), values, values, st.booleans()),
    st.tuples(st.just("replace"), st.integers(-60, 60), values),
    st.tuples(st.just("delete_range"), st.integers(-60, 60), st.integers(-2, 30)),
    st.tuples(st.just("remove"), values, st.integers(-3, 3)),
    st.tuples(st.just("items"), st.integers(-60, 60), st.booleans()),
)


def _in_range(model, i):
    return -len(model) <= i < len(model)


@settings(max_examples=int(__import__("os").environ.get("QL_EXAMPLES", "300")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(fill=st.sampled_from([-5, -2, -1, 1, 2, 3, 5, 100]),
       compress=st.sampled_from([0, 0, 1, 2, 3]),
       threshold=st.sampled_from([0, 0, 4, 50]),
       prefill=st.integers(0, 120),
       program=st.lists(ops, max_size=50))
def test_model(fill, compress, threshold, prefill, program):
    assert set_packed_threshold(threshold)
    try:
        _run_model(fill, compress, prefill, program)
    finally:
        set_packed_threshold(0)


def _run_model(fill, compress, prefill, program):
    ql = QuickList(fill=fill, compress=compress)
    model = []
    for i in range(prefill):
        v = b"%d-" % i + b"p" * (i % 40)
        ql.push_tail(v)
        model.append(v)
    for op in program:
        kind = op[0]
        if kind == "push_head":
            ql.push_head(op[1])
            model.insert(0, op[1])
        elif kind == "push_tail":
            ql.push_tail(op[1])
            model.append(op[1])
        elif kind == "pop":
            got = ql.pop(tail=op[1])
            want = (model.pop() if op[1] else model.pop(0)) if model else None
            assert got == want
        elif kind == "index":
            assert ql.index(op[1]) == (model[op[1]] if _in_range(model, op[1]) else None)
        elif kind == "insert":
            _, i, v, after = op
            if _in_range(model, i):
                ql.insert(i, v, after)
                pos = i % len(model)
                model.insert(pos + 1 if after else pos, v)
        elif kind == "insert_pivot":
            _, pivot, v, after = op
            found = ql.insert_at_pivot(pivot, v, after)
            assert found == (pivot in model)
            if found:
                pos = model.index(pivot)
                model.insert(pos + 1 if after else pos, v)
        elif kind == "replace":
            _, i, v = op
            assert ql.replace(i, v) == _in_range(model, i)
            if _in_range(model, i):
                model[i] = v
        elif kind == "delete_range":
            _, start, count = op
            deleted = ql.delete_range(start, count)
            if count > 0 and _in_range(model, start):
                s = start % len(model)
                extent = min(count, len(model) - s) if start >= 0 else min(count, -start)
                del model[s:s + extent]
                assert deleted
            else:
                assert not deleted
        elif kind == "remove":
            _, v, count = op
            removed = ql.remove(v, count)
            idxs = [j for j, x in enumerate(model) if x == v]
            if count < 0:
                idxs = idxs[::-1][:-count]
            elif count > 0:
                idxs = idxs[:count]
            assert removed == len(idxs)
            for j in sorted(idxs, reverse=True):
                del model[j]
        elif kind == "items":
            _, start, reverse = op
            got = ql.items(start, reverse)
            if _in_range(model, start):
                s = start % len(model)
                assert got == (model[:s + 1][::-1] if reverse else model[s:])
            else:
                assert got == []
        ql.check()
        assert len(ql) == len(model)
    assert ql.items() == model
    assert ql.all_reversed() == model[::-1]
    c = ql.dup()
    c.check()
    assert c.items() == model


def test_memory_is_returned():
    """Every byte a list allocates (nodes, listpacks, LZF blobs, plain
    nodes) is freed with it: used_memory goes back to where it was."""
    from engine._mem import used_memory
    import gc
    gc.collect()
    before = used_memory()
    with packed_threshold(300):
        for fill, depth in [(-2, 0), (3, 1), (1, 2), (-1, 3)]:
            ql = QuickList(fill=fill, compress=depth)
            for i in range(500):
                ql.push_tail(b"%d-" % i + b"m" * (i % 400))
                ql.push_head(b"%d" % i)
            for i in range(0, 900, 13):
                ql.insert(i, b"ins" * (i % 150), after=bool(i % 2))
                ql.replace(i + 1, b"rep" * (i % 130))
            ql.remove(b"7")
            ql.delete_range(100, 200)
            c = ql.dup()
            for _ in range(50):
                ql.pop()
                c.pop(tail=True)
            assert used_memory() > before
            del ql, c
            gc.collect()
            assert used_memory() == before
