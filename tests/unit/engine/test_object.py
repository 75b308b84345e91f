"""engine/object: value headers and the string encodings (int/embstr/raw)."""

import pytest

from engine.object import Obj, type_name_of_missing


@pytest.mark.parametrize("s,enc", [
    (b"0", "int"), (b"1", "int"), (b"-1", "int"), (b"9999", "int"), (b"10000", "int"),
    (b"9223372036854775807", "int"), (b"-9223372036854775808", "int"),
    (b"9223372036854775808", "embstr"), (b"01", "embstr"), (b"+1", "embstr"), (b" 1", "embstr"),
    (b"-0", "embstr"), (b"1.5", "embstr"), (b"", "embstr"), (b"x" * 44, "embstr"),
    (b"x" * 45, "raw"), (b"1" * 45, "raw"), (b"\x00" * 3, "embstr"),
])
def test_encoding_chosen_like_redis(s, enc):
    o = Obj.encoded(s)
    assert o.type == "string"
    assert o.encoding == enc
    assert o.value() == s
    assert o.strlen() == len(s)


@pytest.mark.parametrize("v,shared", [(0, True), (9999, True), (10000, False), (-1, False)])
def test_shared_integer_range(v, shared):
    assert Obj.encoded(str(v).encode()).shared is shared
    assert Obj.from_ll(v).shared is shared
    assert Obj.encoded(str(v).encode(), allow_shared=False).shared is False


def test_plain_never_int():
    assert Obj.plain(b"123").encoding == "embstr"
    assert Obj.plain(b"x" * 45).encoding == "raw"


def test_dup_keeps_encoding_and_bytes_but_not_sharing():
    for s in (b"5", b"12345678901", b"hello", b"x" * 100):
        o = Obj.encoded(s)
        c = o.dup()
        assert c.encoding == o.encoding
        assert c.value() == s
        assert c.shared is False


def test_mem_usage_by_encoding():
    i = Obj.encoded(b"12345")
    e = Obj.encoded(b"hello")
    r = Obj.encoded(b"x" * 100)
    # usable sizes: malloc may hand out a slightly larger recycled chunk, so
    # the upper bounds leave glibc's worst-case slack (a 32-byte remainder)
    assert 16 <= i.mem_usage() < 16 + 8 + 32
    assert 12 + 5 <= e.mem_usage() < 32 + 32
    assert r.mem_usage() >= 32 + 100
    assert 12 + 44 <= Obj.encoded(b"x" * 44).mem_usage() < 64 + 32
    assert i.mem_usage() < r.mem_usage()


def test_append_converts_to_raw_and_grows_greedily():
    o = Obj.encoded(b"12")
    o.append(b"34")
    assert o.encoding == "raw"
    assert o.value() == b"1234"
    o = Obj.encoded(b"abc")
    o.append(b"def")
    assert (o.encoding, o.value()) == ("raw", b"abcdef")
    cap = o.capacity
    assert cap >= 12                                       # room for more (doubling)
    data = b"abcdef"
    for i in range(200):
        o.append(b"%d," % i)
        data += b"%d," % i
    assert o.value() == data
    assert o.capacity >= len(data)
    assert o.capacity < 4 * len(data) + 64


def test_append_to_raw_is_in_place():
    o = Obj.raw(b"abc", 64)
    assert o.encoding == "raw" and o.capacity >= 64
    o.append(b"d")
    assert o.value() == b"abcd"
    assert o.capacity >= 64


def test_raw_with_empty_string():
    o = Obj.raw(b"")
    assert o.value() == b""
    o.append(b"x")
    assert o.value() == b"x"


def test_type_name_of_missing_key():
    assert type_name_of_missing() == b"none"
