"""engine/stream through its test wrapper: ID parsing, the node layout
(master entry, delta-encoded IDs, SAMEFIELDS), node boundaries, ranges in
both directions, deletion, trimming, copies and consumer groups."""

import pytest

from engine.stream import Stream, parse_id

MAX = 2 ** 64 - 1


@pytest.mark.parametrize("text,expect", [
    (b"1-2", (1, 2)), (b"5", (5, 0)), (b"-", (0, 0)), (b"+", (MAX, MAX)),
    (b"18446744073709551615-18446744073709551615", (MAX, MAX)), (b"0", (0, 0)),
    (b" 1-+2", (1, 2)),                  # strtoull's leniency, as Redis parses IDs
    (b"01-002", (1, 2)), (b"1-2\x00junk", (1, 2)),
    (b"", None), (b"1-", None), (b"-1", None), (b"1-a", None), (b"1-2-3", None),
    (b"18446744073709551616", None), (b"1-18446744073709551616", None), (b"x" * 128, None),
    (b"-1-1", None), (b"1.5", None),
])
def test_parse_id(text, expect):
    assert parse_id(text) == expect


def test_parse_id_strict_and_star():
    assert parse_id(b"-", strict=True) is None
    assert parse_id(b"+", strict=True) is None
    assert parse_id(b"7", missing_seq=MAX) == (7, MAX)
    assert parse_id(b"7-*", allow_star=True) == (7, 0, False)
    assert parse_id(b"7-3", allow_star=True) == (7, 3, True)
    assert parse_id(b"7-*") is None
    assert parse_id(b"7-**", allow_star=True) is None


def test_generated_ids():
    s = Stream()
    assert s.add([b"a", b"1"], now_ms=1000) == b"1000-0"
    assert s.add([b"a", b"1"], now_ms=1000) == b"1000-1"
    assert s.add([b"a", b"1"], now_ms=999) == b"1000-2"        # the clock went back
    assert s.add([b"a", b"1"], now_ms=2000) == b"2000-0"
    assert s.add([b"a", b"1"], id=b"2000-*") == b"2000-1"
    assert s.add([b"a", b"1"], id=b"3000-*") == b"3000-0"
    with pytest.raises(ValueError):
        s.add([b"a", b"1"], id=b"2999-*")
    with pytest.raises(ValueError):
        s.add([b"a", b"1"], id=b"3000-0")
    assert s.info()["last_id"] == b"3000-0" and len(s) == 6


def test_node_layout_is_redis_s():
    """Master entry, then flags / ms-diff / seq-diff / [num-fields fields]
    values / lp-count per entry (see the module's design comment)."""
    s = Stream()
    s.add([b"a", b"1", b"b", b"x"], id=b"100-5")
    s.add([b"a", b"2", b"b", b"y"], id=b"101-0")          # same fields: values only
    s.add([b"c", b"3"], id=b"101-1")                      # other fields: all of them
    [(master, items)] = s.nodes()
    assert master == b"100-5"
    assert items == [3, 0, 2, b"a", b"b", 0,
                     2, 0, 0, 1, b"x", 5,
                     2, 1, -5, 2, b"y", 5,                 # seq below the master's: negative delta
                     0, 1, -4, 1, b"c", 3, 6]


def test_node_boundaries():
    s = Stream(node_max_entries=3)
    for i in range(10):
        s.add([b"f", b"v"], id=b"%d-0" % (i + 1))
    assert [m for m, _ in s.nodes()] == [b"1-0", b"4-0", b"7-0", b"10-0"]
    s = Stream(node_max_bytes=40, node_max_entries=0)
    for i in range(10):
        s.add([b"field", b"value"], id=b"%d-0" % (i + 1))
    sizes = [len(blob) for _, blob in s.node_blobs()]
    assert all(n < 40 + 12 for n in sizes) and len(sizes) > 2


def test_ranges():
    s = Stream(node_max_entries=4)
    ids = []
    for i in range(20):
        ids.append(s.add([b"n", b"%d" % i], id=b"%d-%d" % (i // 3 + 1, i % 3)))
    assert [x for x, _ in s.range()] == ids
    assert [x for x, _ in s.range(rev=True)] == ids[::-1]
    assert [x for x, _ in s.range(b"3", b"4")] == [i for i in ids if i.startswith((b"3-", b"4-"))]
    assert [x for x, _ in s.range(b"2-1", b"5-0", count=3)] == [b"2-1", b"2-2", b"3-0"]
    assert [x for x, _ in s.range(b"2-1", b"5-0", count=2, rev=True)] == [b"5-0", b"4-2"]
    assert s.range(b"100", b"+") == [] and s.range(b"-", b"0") == []
    assert s.range(b"1-1", b"1-1") == [(b"1-1", [b"n", b"1"])]


def test_delete_and_tombstones():
    s = Stream(node_max_entries=3)
    for i in range(9):
        s.add([b"f", b"%d" % i], id=b"%d-0" % (i + 1))
    assert s.delete(b"2-0") and not s.delete(b"2-0") and not s.delete(b"99-0")
    assert [x for x, _ in s.range()] == [b"%d-0" % i for i in (1, 3, 4, 5, 6, 7, 8, 9)]
    assert [x for x, _ in s.range(tombstones=True)][:3] == [b"1-0", b"2-0", b"3-0"]
    assert s.nodes()[0][1][:2] == [2, 1]                  # live, deleted
    for i in (4, 5, 6):
        s.delete(b"%d-0" % i)                             # the middle node goes
    assert [m for m, _ in s.nodes()] == [b"1-0", b"7-0"]
    assert s.info()["max_deleted_entry_id"] == b"6-0"
    s.delete(b"1-0")
    assert s.info()["first_id"] == b"3-0" and len(s) == 4
    assert s.last_valid_id() == b"9-0"
    s.delete(b"9-0")
    assert s.last_valid_id() == b"8-0" and s.info()["last_id"] == b"9-0"


def test_trim():
    def make():
        s = Stream(node_max_entries=10)
        for i in range(95):
            s.add([b"f", b"v"], id=b"%d-0" % (i + 1))
        return s
    s = make()
    assert s.trim_maxlen(50) == 45
    assert len(s) == 50 and s.range(count=1)[0][0] == b"46-0"
    s = make()
    assert s.trim_maxlen(50, approx=True) == 40           # whole nodes only
    assert s.range(count=1)[0][0] == b"41-0"
    s = make()
    assert s.trim_maxlen(0, approx=True, limit=25) == 20  # the limit counts nodes' entries
    s = make()
    assert s.trim_minid(b"33-0") == 32 and s.range(count=1)[0][0] == b"33-0"
    s = make()
    assert s.trim_minid(b"33-0", approx=True) == 30
    s = make()
    assert s.trim_maxlen(200) == 0 and s.trim_minid(b"1-0") == 0
    assert s.trim_maxlen(0) == 95 and len(s) == 0 and s.info()["first_id"] == b"0-0"


def test_dup_is_deep():
    s = Stream(node_max_entries=2)
    for i in range(5):
        s.add([b"f", b"%d" % i], id=b"%d-0" % (i + 1))
    s.create_group(b"g", b"0-0")
    s.deliver(b"g", b"alice", b"1-0")
    s.deliver(b"g", b"bob", b"2-0")
    d = s.dup()
    assert d.range() == s.range() and d.nodes() == s.nodes() and d.info() == s.info()
    assert d.group(b"g") == s.group(b"g")
    d.delete(b"3-0")
    d.delete_consumer(b"g", b"alice")
    assert len(s) == 5 and s.consumer_pending(b"g", b"alice") == 1
    assert d.group(b"g")[3] == 1 and s.group(b"g")[3] == 2


def test_groups_and_consumers():
    s = Stream()
    for i in range(5):
        s.add([b"f", b"v"], id=b"%d-0" % (i + 1))
    assert s.create_group(b"g", b"0-0")
    assert not s.create_group(b"g", b"0-0")
    assert s.group(b"g") == (b"0-0", -1, 5, 0, [])        # lag known from the start
    for i in (1, 2, 3):
        s.deliver(b"g", b"alice" if i < 3 else b"bob", b"%d-0" % i)
    assert s.group(b"g")[3:] == (3, [b"alice", b"bob"])
    assert s.delete_consumer(b"g", b"alice") == 2
    assert s.group(b"g")[3:] == (1, [b"bob"])
    assert s.destroy_group(b"g") and not s.destroy_group(b"g")
    assert s.group(b"g") is None
    assert s.info()["groups"] == 0


def test_lag_estimates():
    s = Stream()
    for i in range(5):
        s.add([b"f", b"v"], id=b"%d-0" % (i + 1))
    s.create_group(b"last", b"5-0")
    s.create_group(b"first", b"1-0")
    s.create_group(b"before", b"0-0")
    s.create_group(b"middle", b"3-0")
    lag = lambda g: s.group(g)[2]
    assert (lag(b"last"), lag(b"first"), lag(b"before"), lag(b"middle")) == (0, 4, 5, None)
    s.delete(b"4-0")                                      # a tombstone after "first"
    assert lag(b"first") is None and lag(b"last") == 0


def test_memory_accounting():
    s = Stream()
    base = s.mem_usage()
    for i in range(1000):
        s.add([b"field", b"value%d" % i], id=b"%d-0" % (i + 1))
    grown = s.mem_usage()
    assert grown > base + 1000 * 7
    s.trim_maxlen(0)
    assert s.mem_usage() < grown / 10
