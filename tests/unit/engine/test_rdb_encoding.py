"""engine/rdb and engine/crc64: the RDB byte encoding.

Lengths, strings (integer, LZF and plain forms, chosen as Redis chooses),
doubles, the checksum, and the legacy blobs (ziplists and zipmaps, built
here from their documented layout) with the validation that guards them.
"""

import struct

import pytest
from hypothesis import given, settings, strategies as st

from engine import lzf, rdb
from engine.crc64 import py_crc64
from engine.listpack import Listpack


# ---- CRC-64 -------------------------------------------------------------------------------------

def crc64_reference(data, crc=0):
    """Bit by bit: reflected Jones polynomial, no pre/post inversion."""
    poly = 0x95AC9329AC4BC9B5
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc


def test_crc64_check_value():
    assert py_crc64(b"123456789") == 0xE9C6D914C4B8D9CA
    assert py_crc64(b"") == 0


@given(st.binary(max_size=300), st.binary(max_size=300))
def test_crc64_matches_reference_and_chains(a, b):
    assert py_crc64(a) == crc64_reference(a)
    assert py_crc64(b, py_crc64(a)) == py_crc64(a + b)


# ---- lengths --------------------------------------------------------------------------------------

@pytest.mark.parametrize("n,encoded", [
    (0, b"\x00"), (63, b"\x3f"), (64, b"\x40\x40"), (16383, b"\x7f\xff"),
    (16384, b"\x80\x00\x00\x40\x00"), (2 ** 32 - 1, b"\x80\xff\xff\xff\xff"),
    (2 ** 32, b"\x81\x00\x00\x00\x01\x00\x00\x00\x00"), (2 ** 64 - 1, b"\x81" + b"\xff" * 8),
])
def test_length_encoding(n, encoded):
    assert rdb.encode_len(n) == encoded
    assert rdb.decode_len(encoded + b"junk") == (n, len(encoded))


@given(st.integers(0, 2 ** 64 - 1))
def test_length_round_trip(n):
    enc = rdb.encode_len(n)
    assert rdb.decode_len(enc) == (n, len(enc))


@pytest.mark.parametrize("data", [b"", b"\x40", b"\x80\x00\x00", b"\x81\x00", b"\x82", b"\xc0"])
def test_bad_lengths(data):
    with pytest.raises(rdb.DecodeError):
        rdb.decode_len(data)


# ---- strings --------------------------------------------------------------------------------------

@pytest.mark.parametrize("s,encoded", [
    (b"0", b"\xc0\x00"), (b"-128", b"\xc0\x80"), (b"127", b"\xc0\x7f"),
    (b"128", b"\xc1\x80\x00"), (b"-32768", b"\xc1\x00\x80"),
    (b"32768", b"\xc2\x00\x80\x00\x00"), (b"-2147483648", b"\xc2\x00\x00\x00\x80"),
    (b"2147483648", b"\x0a2147483648"),          # fits 11 chars but not 32 bits
    (b"01", b"\x0201"), (b"-0", b"\x02-0"), (b"+1", b"\x02+1"), (b" 1", b"\x02 1"),
    (b"", b"\x00"), (b"abc", b"\x03abc"),
])
def test_string_forms(s, encoded):
    assert rdb.encode_string(s) == encoded
    assert rdb.decode_string(encoded)[0] == s


def test_lzf_only_over_20_bytes_and_when_it_saves_4():
    assert rdb.encode_string(b"a" * 20) == b"\x14" + b"a" * 20
    enc = rdb.encode_string(b"a" * 21)
    assert enc[0] == 0xC3
    block = lzf.compress(b"a" * 21, 17)
    assert enc == b"\xc3" + bytes([len(block)]) + b"\x15" + block
    assert rdb.encode_string(b"a" * 21, compress=False) == b"\x15" + b"a" * 21
    incompressible = bytes(range(100))
    assert rdb.encode_string(incompressible) == b"\x40\x64" + incompressible


@settings(max_examples=300)
@given(st.binary(max_size=2000) | st.integers(-2 ** 63, 2 ** 63 - 1).map(lambda i: b"%d" % i),
       st.booleans())
def test_string_round_trip(s, compress):
    enc = rdb.encode_string(s, compress)
    out, used, ival = rdb.decode_string(enc + b"tail")
    assert out == s and used == len(enc)
    if ival is not None:
        assert b"%d" % ival == s


def test_integer_values():
    assert rdb.encode_ll(5) == b"\xc0\x05"
    assert rdb.encode_ll(2 ** 40) == b"\x0d1099511627776"
    assert rdb.decode_string(rdb.encode_ll(-70000))[2] == -70000


@pytest.mark.parametrize("data", [
    b"\x05abc",                                     # truncated
    b"\xc1\x01",                                    # int16 cut short
    b"\xc4",                                        # unknown special encoding
    b"\xc3\x03\x0a\x00ab",                           # LZF block that expands to 1 byte, not 10
    b"\xc3\x01\x81\x00\x00\x00\x00\x10\x00\x00\x00\x00",   # claims 2^36 bytes from 1
    b"\xc3\x05\x05",                                # LZF truncated
    b"\xc3\xc0\x01",                                # LZF length is not a length
])
def test_bad_strings(data):
    with pytest.raises(rdb.DecodeError):
        rdb.decode_string(data)


# ---- doubles --------------------------------------------------------------------------------------

@pytest.mark.parametrize("d", [0.0, -0.0, 1.5, -3.25e300, float("inf"), float("-inf"), 5e-324])
def test_binary_double(d):
    enc = rdb.encode_double(d)
    assert enc == struct.pack("<d", d)
    got = rdb.decode_double(enc)
    assert got == d and str(got) == str(d)


def test_text_double():
    assert rdb.decode_string_double(b"\x033.5") == 3.5
    assert rdb.decode_string_double(b"\xfe") == float("inf")
    assert rdb.decode_string_double(b"\xff") == float("-inf")
    assert rdb.decode_string_double(b"\xfd") != rdb.decode_string_double(b"\xfd")   # nan
    with pytest.raises(rdb.DecodeError):
        rdb.decode_string_double(b"\x05ab")


# ---- ziplists ----------------------------------------------------------------------------------

def zl_entry(prevlen, v):
    pl = bytes([prevlen]) if prevlen < 254 else b"\xfe" + struct.pack("<I", prevlen)
    if isinstance(v, int):
        if 0 <= v <= 12:
            body = bytes([0xF1 + v])
        elif -128 <= v <= 127:
            body = b"\xfe" + struct.pack("<b", v)
        elif -32768 <= v <= 32767:
            body = b"\xc0" + struct.pack("<h", v)
        elif -(1 << 23) <= v < (1 << 23):
            body = b"\xf0" + struct.pack("<i", v)[:3]
        elif -(1 << 31) <= v < (1 << 31):
            body = b"\xd0" + struct.pack("<i", v)
        else:
            body = b"\xe0" + struct.pack("<q", v)
    else:
        n = len(v)
        if n <= 63:
            body = bytes([n]) + v
        elif n <= 16383:
            body = bytes([0x40 | (n >> 8), n & 0xFF]) + v
        else:
            body = b"\x80" + struct.pack(">I", n) + v
    return pl + body


def ziplist(values, count=None, tail=None):
    entries, prev, last = [], 0, 10
    off = 10
    for v in values:
        e = zl_entry(prev, v)
        entries.append(e)
        last = off
        off += len(e)
        prev = len(e)
    body = b"".join(entries)
    total = 10 + len(body) + 1
    return (struct.pack("<IIH", total, last if tail is None else tail,
                        len(values) if count is None else count) + body + b"\xff")


VALUES = [b"", b"a", b"x" * 63, b"y" * 64, b"z" * 300, b"w" * 16384, 0, 12, 13, -1, -128, 127,
          128, -32768, 32767, 40000, -(1 << 23), (1 << 23) - 1, 1 << 23, -(1 << 31), (1 << 31) - 1,
          1 << 31, -(1 << 63), (1 << 63) - 1]


def test_ziplist_entries_and_conversion():
    zl = ziplist(VALUES)
    assert rdb.ziplist_entries(zl) == VALUES
    lp = rdb.ziplist_to_listpack(zl)
    # the listpack holds the same elements (integers stay integers)
    assert Listpack(lp).items() == VALUES
    assert rdb.ziplist_entries(ziplist([])) == []


def test_ziplist_large_prevlen():
    vals = [b"q" * 300, b"r", b"s" * 260, 5]
    assert rdb.ziplist_entries(ziplist(vals)) == vals


@pytest.mark.parametrize("damage", ["total", "tail", "count", "prevlen", "encoding", "end",
                                    "short", "strlen"])
def test_ziplist_damage_is_refused(damage):
    zl = bytearray(ziplist([b"abc", 5, b"def", 300]))
    if damage == "total":
        zl[0] += 1
    elif damage == "tail":
        zl[4] += 1
    elif damage == "count":
        zl[8] = 3
    elif damage == "prevlen":
        zl[15] = 9                    # the second entry's prevlen
    elif damage == "encoding":
        zl[11] = 0xC5                 # not an encoding
    elif damage == "end":
        zl[-1] = 0xFE
    elif damage == "short":
        zl = zl[:9]
    elif damage == "strlen":
        zl[11] = 0x30                 # a string reaching past the end
    assert rdb.ziplist_entries(bytes(zl)) is None
    assert rdb.ziplist_to_listpack(bytes(zl)) is None


def test_ziplist_count_unknown_is_counted():
    zl = ziplist([b"a", b"b"], count=0xFFFF)
    assert rdb.ziplist_entries(zl) == [b"a", b"b"]


def test_ziplist_pairs():
    assert rdb.ziplist_to_listpack(ziplist([b"f", b"v", b"g", 1]), pairs=True) is not None
    assert rdb.ziplist_to_listpack(ziplist([b"f", b"v", b"g"]), pairs=True) is None
    assert rdb.ziplist_to_listpack(ziplist([b"f", b"v", b"f", b"w"]), pairs=True) is None
    assert rdb.ziplist_to_listpack(ziplist([1, b"v", b"1", b"w"]), pairs=True) is None


@settings(max_examples=300)
@given(st.lists(st.binary(max_size=70) | st.integers(-2 ** 63, 2 ** 63 - 1), max_size=30),
       st.integers(0, 10 ** 6), st.integers(0, 255))
def test_ziplist_mutations_never_misread(values, pos, byte):
    zl = bytearray(ziplist(values))
    assert rdb.ziplist_entries(bytes(zl)) == values
    zl[pos % len(zl)] = byte
    out = rdb.ziplist_entries(bytes(zl))       # either refused or a valid reading
    assert out is None or isinstance(out, list)


# ---- zipmaps ---------------------------------------------------------------------------------

def zipmap(pairs, count=None, free=0):
    def ln(n):
        return bytes([n]) if n < 254 else b"\xfe" + struct.pack("<I", n)
    out = bytes([len(pairs) if count is None else count])
    for f, v in pairs:
        out += ln(len(f)) + f + ln(len(v)) + bytes([free]) + v + b"\x00" * free
    return out + b"\xff"


def test_zipmap_conversion():
    pairs = [(b"f", b"v"), (b"long", b"x" * 300), (b"n", b"12")]
    lp, maxlen = rdb.zipmap_to_listpack_bytes(zipmap(pairs, free=2))
    assert Listpack(lp).items() == [b"f", b"v", b"long", b"x" * 300, b"n", 12]
    assert maxlen == 300
    assert rdb.zipmap_to_listpack_bytes(zipmap(pairs, count=254)) is not None


@pytest.mark.parametrize("zm", [
    zipmap([]),                                   # empty
    zipmap([(b"a", b"1"), (b"a", b"2")]),         # duplicate field
    zipmap([(b"a", b"1")], count=2),              # wrong count
    zipmap([(b"a", b"1")])[:-1],                  # no end byte
    b"\x01\x05ab\xff",                            # field past the end
])
def test_zipmap_damage_is_refused(zm):
    assert rdb.zipmap_to_listpack_bytes(zm) is None
