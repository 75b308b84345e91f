"""engine/rax: inserts, removes, lookups, ordered iteration and seeks, and
the node count after each step. The node counts are the ones Redis's rax
reaches for the same operations (XINFO STREAM reports them), worked out by
hand for the small cases and checked against redis-server for the rest."""

import struct

import pytest

from engine.rax import Rax


def test_empty():
    r = Rax()
    assert len(r) == 0 and r.numnodes == 1
    assert r.items() == [] and r.items("$", reverse=True) == []
    assert r.find(b"") is None and r.find(b"x") is None
    assert not r.remove(b"x")
    assert r.check() == (0, 1)


def test_words_node_counts():
    # foo -> a run "foo" and a leaf; foobar -> the leaf becomes a run "bar";
    # footer splits "bar" at its first byte; first splits "foo" after "f".
    r = Rax()
    counts = []
    for w in [b"foo", b"foobar", b"footer", b"first", b"f", b"fo", b"", b"firstly"]:
        assert r.insert(w, len(w) + 1)
        counts.append(r.numnodes)
        r.check()
    assert counts == [2, 3, 6, 10, 10, 10, 10, 11]
    assert [k for k, _ in r.items()] == sorted([b"foo", b"foobar", b"footer", b"first", b"f",
                                               b"fo", b"", b"firstly"])
    counts = []
    for w in [b"fo", b"foobar", b"", b"first", b"foo", b"f", b"firstly", b"footer"]:
        assert r.remove(w)
        counts.append(r.numnodes)
        r.check()
    assert counts == [11, 9, 9, 9, 7, 7, 2, 1]
    assert len(r) == 0


def test_stream_ids_node_counts():
    ids = [struct.pack(">QQ", 1000 + i * 7, i % 3) for i in range(12)]
    ids += [struct.pack(">QQ", 5000, 0), struct.pack(">QQ", 1 << 40, 1)]
    r = Rax()
    counts = []
    for k in ids:
        r.insert(k, 1)
        counts.append(r.numnodes)
    assert counts == [2, 6, 8, 10, 13, 16, 18, 20, 22, 24, 26, 28, 30, 34]
    counts = []
    for k in ids[::3]:
        r.remove(k)
        counts.append(r.numnodes)
    assert counts == [32, 30, 28, 26, 24]
    r.check()


def test_overwrite_and_try_insert():
    r = Rax()
    assert r.insert(b"k", 1)
    assert not r.insert(b"k", 2)
    assert r.find(b"k") == 2
    assert not r.insert(b"k", 3, overwrite=False)
    assert r.find(b"k") == 2
    assert len(r) == 1


def test_prefix_keys_and_binary():
    r = Rax()
    keys = [b"", b"a", b"ab", b"abc", b"\x00", b"\x00\x00", b"\xff", b"a\x00b"]
    for i, k in enumerate(keys):
        r.insert(k, i)
    assert r.items() == sorted((k, i) for i, k in enumerate(keys))
    assert r.find(b"abcd") is None and r.find(b"ac") is None
    assert b"a\x00b" in r and b"a\x00" not in r
    r.check()


@pytest.mark.parametrize("op,key,reverse,expect", [
    (">=", b"b", False, [b"b", b"ba", b"c"]),
    (">=", b"bb", False, [b"c"]),
    (">", b"b", False, [b"ba", b"c"]),
    ("<=", b"b", True, [b"b", b"ab", b"a"]),
    ("<", b"b", True, [b"ab", b"a"]),
    ("<=", b"bz", True, [b"ba", b"b", b"ab", b"a"]),
    ("<=", b"0", True, []),
    (">=", b"d", False, []),
    ("=", b"ab", False, [b"ab", b"b", b"ba", b"c"]),
    ("=", b"aa", False, []),
    ("^", b"", False, [b"a", b"ab", b"b", b"ba", b"c"]),
    ("$", b"", True, [b"c", b"ba", b"b", b"ab", b"a"]),
])
def test_seeks(op, key, reverse, expect):
    r = Rax()
    for k in [b"a", b"ab", b"b", b"ba", b"c"]:
        r.insert(k, 0)
    assert [k for k, _ in r.items(op, key, reverse=reverse)] == expect


def test_long_keys_and_deep_paths():
    r = Rax()
    keys = [b"x" * n for n in range(0, 300, 7)] + [b"x" * 50 + b"y" * n for n in range(40)]
    for k in keys:
        r.insert(k, len(k))
    assert [k for k, _ in r.items()] == sorted(set(keys))
    assert [k for k, _ in r.items("$", reverse=True)] == sorted(set(keys), reverse=True)
    for k in keys[::2]:
        r.remove(k)
    r.check()
    assert [k for k, _ in r.items()] == sorted(set(keys) - set(keys[::2]))


def test_memory_is_counted():
    r = Rax()
    before = r.mem_usage()
    for i in range(1000):
        r.insert(struct.pack(">QQ", i, 0), i)
    assert r.mem_usage() > before + 1000 * 16
