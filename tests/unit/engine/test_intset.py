"""engine/intset: sorted int64 set with 16/32/64-bit widths, Redis's layout."""

import struct

import pytest

from engine.intset import IntSet, validate, value_encoding

I16 = (-2 ** 15, 2 ** 15 - 1)
I32 = (-2 ** 31, 2 ** 31 - 1)
I64 = (-2 ** 63, 2 ** 63 - 1)


def blob(enc, values):
    fmt = {2: "h", 4: "i", 8: "q"}[enc]
    return struct.pack("<II", enc, len(values)) + b"".join(struct.pack("<" + fmt, v) for v in values)


def test_empty():
    s = IntSet()
    assert len(s) == 0
    assert s.encoding == 2
    assert s.blob() == struct.pack("<II", 2, 0)
    assert s.blob_len() == 8
    assert not s.find(0)
    assert s.get(0) is None
    assert s.search(5) == (False, 0)
    assert not s.remove(1)
    with pytest.raises(IndexError):
        s.random()


@pytest.mark.parametrize("v,enc", [
    (0, 2), (1, 2), (-1, 2), (I16[0], 2), (I16[1], 2), (I16[0] - 1, 4), (I16[1] + 1, 4),
    (I32[0], 4), (I32[1], 4), (I32[0] - 1, 8), (I32[1] + 1, 8), (I64[0], 8), (I64[1], 8),
])
def test_value_encoding(v, enc):
    assert value_encoding(v) == enc


def test_add_keeps_sorted_unique():
    s = IntSet()
    assert s.add(5)
    assert s.add(1)
    assert s.add(3)
    assert not s.add(3)
    assert s.add(-10)
    assert s.add(100)
    assert s.tolist() == [-10, 1, 3, 5, 100]
    assert s.blob() == blob(2, [-10, 1, 3, 5, 100])
    assert [s.get(i) for i in range(5)] == [-10, 1, 3, 5, 100]
    assert s.search(4) == (False, 3)
    assert s.search(5) == (True, 3)
    assert s.search(-11) == (False, 0)
    assert s.search(101) == (False, 5)


@pytest.mark.parametrize("big,enc", [
    (I16[1] + 1, 4), (I16[0] - 1, 4), (I32[1] + 1, 8), (I32[0] - 1, 8), (I64[1], 8), (I64[0], 8),
])
def test_upgrade_appends_or_prepends(big, enc):
    s = IntSet()
    for v in (1, -2, 3, 300):
        s.add(v)
    assert s.add(big)
    assert s.encoding == enc
    expect = sorted([1, -2, 3, 300, big])
    assert s.tolist() == expect
    assert s.blob() == blob(enc, expect)
    for v in expect:
        assert s.find(v)
    assert not s.add(big)


def test_upgrade_chain_and_no_downgrade():
    s = IntSet()
    s.add(1)
    s.add(70000)
    assert s.encoding == 4
    s.add(2 ** 40)
    assert s.encoding == 8
    s.remove(2 ** 40)
    s.remove(70000)
    assert s.encoding == 8                     # never downgrades
    assert s.tolist() == [1]
    assert s.blob() == blob(8, [1])
    s.add(2)
    assert s.blob() == blob(8, [1, 2])


def test_find_wider_than_encoding():
    s = IntSet()
    s.add(7)
    assert not s.find(2 ** 40)
    assert not s.find(-2 ** 40)
    assert not s.remove(2 ** 40)
    assert s.tolist() == [7]


def test_remove_and_remove_at():
    s = IntSet()
    for v in range(10):
        s.add(v * 3)
    assert s.remove(0)
    assert s.remove(27)
    assert s.remove(12)
    assert not s.remove(12)
    assert not s.remove(13)
    assert s.tolist() == [3, 6, 9, 15, 18, 21, 24]
    s.remove_at(0)
    s.remove_at(5)
    s.remove_at(2)
    assert s.tolist() == [6, 9, 18, 21]
    assert s.blob_len() == 8 + 4 * 2
    with pytest.raises(IndexError):
        s.remove_at(4)


def test_get_out_of_range():
    s = IntSet()
    s.add(1)
    assert s.get(0) == 1
    assert s.get(1) is None
    assert s.get(-1) is None
    assert s.get(2 ** 40) is None


def test_random_covers_all():
    s = IntSet()
    for v in range(8):
        s.add(v)
    seen = {s.random() for _ in range(500)}
    assert seen == set(range(8))


def test_dup_is_independent():
    s = IntSet()
    for v in (1, 2, 70000):
        s.add(v)
    d = s.dup()
    assert d.blob() == s.blob()
    d.add(5)
    assert s.tolist() == [1, 2, 70000]
    assert d.tolist() == [1, 2, 5, 70000]


def test_many_values_binary_search():
    s = IntSet()
    vals = list(range(-3000, 3000, 7))
    for v in reversed(vals):
        s.add(v)
    assert s.tolist() == vals
    for v in range(-3001, 3001):
        assert s.find(v) == (v in set(vals))


# ---- validation of untrusted blobs ------------------------------------------------

@pytest.mark.parametrize("enc,values", [(2, [1]), (2, [-5, 0, 9]), (4, [1, 70000]),
                                        (8, [I64[0], 0, I64[1]])])
def test_validate_good(enc, values):
    b = blob(enc, values)
    assert validate(b)
    assert validate(b, deep=False)
    assert IntSet.from_blob(b).tolist() == values


@pytest.mark.parametrize("b,deep_only", [
    (b"", False),
    (b"\x02\x00\x00", False),                           # short header
    (struct.pack("<II", 2, 0), False),                  # empty set
    (struct.pack("<II", 3, 1) + b"\x00\x00\x00", False),   # unknown width
    (struct.pack("<II", 0, 0), False),
    (struct.pack("<II", 16, 1) + bytes(16), False),
    (blob(2, [1, 2])[:-1], False),                      # truncated
    (blob(2, [1, 2]) + b"\x00", False),                 # trailing byte
    (struct.pack("<II", 2, 3) + struct.pack("<hh", 1, 2), False),   # length beyond the data
    (struct.pack("<II", 8, 0x20000000) + bytes(8), False),          # huge length
    (struct.pack("<II", 2, 2) + struct.pack("<hh", 2, 1), True),    # descending
    (struct.pack("<II", 2, 2) + struct.pack("<hh", 1, 1), True),    # duplicate
    (struct.pack("<II", 4, 3) + struct.pack("<iii", 1, 5, 3), True),
])
def test_validate_bad(b, deep_only):
    assert not validate(b)
    assert validate(b, deep=False) == deep_only
    with pytest.raises(ValueError):
        IntSet.from_blob(b)


def test_blob_matches_redis_dump(redis_server):
    """The bytes are Redis's: DUMP of a small intset set (stored uncompressed
    below 21 bytes) embeds exactly our blob."""
    from helpers import RawConnection
    from set_helpers import tparse
    c = RawConnection(redis_server.port)
    try:
        for members in ([1, 2, 3], [-5, 70000], [2 ** 40], [5, -1]):
            c.call("DEL", "intset-dump-test")
            c.call("SADD", "intset-dump-test", *[str(m) for m in members])
            payload = tparse(c.call("DUMP", "intset-dump-test"))[1]
            s = IntSet()
            for m in members:
                s.add(m)
            b = s.blob()
            assert len(b) < 64
            assert payload[0] == 11                  # RDB_TYPE_SET_INTSET
            assert payload[1] == len(b)              # 6-bit string length
            assert payload[2:2 + len(b)] == b
        c.call("DEL", "intset-dump-test")
    finally:
        c.close()
