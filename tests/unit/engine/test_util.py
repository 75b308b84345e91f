"""engine/util: Redis's number rules and glob matching."""

import math

import pytest

from engine.util import (py_string2ll, py_string2ull, py_string2d, py_string2ld, py_ll2string,
                         py_ull2string, py_d2string, py_ld2string_human, py_double_to_human,
                         py_stringmatch, py_lower, py_eq_nocase, py_double2ll)


@pytest.mark.parametrize("s,v", [
    (b"0", 0), (b"1", 1), (b"-1", -1), (b"10", 10), (b"9223372036854775807", 2**63 - 1),
    (b"-9223372036854775808", -2**63), (b"12345678901234567890"[:19], 1234567890123456789),
])
def test_string2ll_accepts(s, v):
    assert py_string2ll(s) == v


@pytest.mark.parametrize("s", [
    b"", b"-", b"+1", b" 1", b"1 ", b"01", b"-0", b"00", b"1_0", b"1.0", b"0x10", b"1e3",
    b"9223372036854775808", b"-9223372036854775809", b"99999999999999999999",
    b"1\x00", b"\x001", b"-01", b"--1", b"1-", b"123456789012345678901",
    b"184467440737095516150",
])
def test_string2ll_rejects(s):
    assert py_string2ll(s) is None


def test_string2ull():
    assert py_string2ull(b"0") == 0
    assert py_string2ull(b"18446744073709551615") == 2**64 - 1
    for s in (b"18446744073709551616", b"-1", b"+1", b"01", b"", b" 1", b"1a"):
        assert py_string2ull(s) is None


@pytest.mark.parametrize("v", [0, 1, -1, 9, 10, -10, 2**63 - 1, -2**63, 1234567890])
def test_ll2string(v):
    assert py_ll2string(v) == str(v).encode()


def test_ull2string():
    for v in (0, 1, 2**64 - 1, 10**19):
        assert py_ull2string(v) == str(v).encode()


@pytest.mark.parametrize("s,v", [
    (b"1", 1.0), (b"1.5", 1.5), (b"-1.5", -1.5), (b"+2", 2.0), (b"1e3", 1000.0), (b".5", 0.5),
    (b"5.", 5.0), (b"inf", math.inf), (b"-inf", -math.inf), (b"+Infinity", math.inf),
    (b"0x10", 16.0), (b"1e-320", 1e-320), (b"0" * 6000 + b"1", 1.0),
])
def test_string2d_accepts(s, v):
    assert py_string2d(s) == v


@pytest.mark.parametrize("s", [
    b"", b" 1", b"1 ", b"nan", b"-nan", b"1e400", b"-1e400", b"1e-400", b"abc", b"1.5x",
    b"1\x00", b"\t1", b"1_0", b"--1",
])
def test_string2d_rejects(s):
    assert py_string2d(s) is None


def test_string2ld():
    assert py_string2ld(b"10.5") == 10.5
    assert py_string2ld(b"1e4000") is not None          # fits a long double
    assert py_string2ld(b"1e5000") is None              # overflow
    assert py_string2ld(b" 1") is None
    assert py_string2ld(b"nan") is None
    assert py_string2ld(b"1" * 5120) is None            # longer than Redis's buffer
    assert py_string2ld(b"") is None


@pytest.mark.parametrize("v,s", [
    (0.0, b"0"), (-0.0, b"-0"), (1.0, b"1"), (1.5, b"1.5"), (0.1, b"0.10000000000000001"),
    (1e17, b"1e+17"), (123.0, b"123"), (math.inf, b"inf"), (-math.inf, b"-inf"),
    (math.nan, b"nan"), (5e-324, b"4.9406564584124654e-324"),
])
def test_d2string(v, s):
    assert py_d2string(v) == s


@pytest.mark.parametrize("s,out", [
    (b"10.5", b"10.5"), (b"3.0", b"3"), (b"0.1", b"0.1"), (b"-0.0", b"0"), (b"-1e-300", b"0"),
    (b"1e17", b"100000000000000000"), (b"5.0e3", b"5000"), (b"inf", b"inf"), (b"-inf", b"-inf"),
    (b"1.10000000000000000000001", b"1.1"), (b"-2.5", b"-2.5"),
])
def test_ld2string_human(s, out):
    assert py_ld2string_human(s) == out


def test_double_to_human():
    assert py_double_to_human(0.1) == b"0.10000000000000001"
    assert py_double_to_human(2.0) == b"2"


@pytest.mark.parametrize("pat,s,nocase,ok", [
    (b"*", b"anything", False, True), (b"*", b"", False, False), (b"", b"", False, True),
    (b"h?llo", b"hello", False, True), (b"h?llo", b"hllo", False, False),
    (b"h*llo", b"heeeello", False, True), (b"h[ae]llo", b"hallo", False, True),
    (b"h[ae]llo", b"hillo", False, False), (b"h[^e]llo", b"hallo", False, True),
    (b"h[^e]llo", b"hello", False, False), (b"h[a-b]llo", b"hbllo", False, True),
    (b"h[b-a]llo", b"hallo", False, True), (b"h\\*llo", b"h*llo", False, True),
    (b"h\\*llo", b"hello", False, False), (b"HELLO", b"hello", True, True),
    (b"HELLO", b"hello", False, False), (b"[A-Z]", b"q", True, True),
    (b"a*b*c", b"aXXbYYc", False, True), (b"a*b*c", b"aXXbYY", False, False),
    (b"*a", b"\xc3a", False, True), (b"\xc3*", b"\xc3\xa9", True, True),
    (b"[\xe0-\xef]", b"\xe9", False, True),
])
def test_stringmatch(pat, s, nocase, ok):
    assert py_stringmatch(pat, s, nocase) is ok


def test_nocase_is_ascii_only():
    # the C locale's tolower: bytes >= 0x80 are never folded
    assert py_stringmatch(b"\xc9", b"\xe9", True) is False
    assert py_lower(b"AbC\xc9Z") == b"abc\xc9z"
    assert py_eq_nocase(b"GeT", b"get")
    assert not py_eq_nocase(b"GETX", b"get")
    assert not py_eq_nocase(b"GE", b"get")
    assert py_eq_nocase(b"GET\x00junk", b"get")       # a NUL ends the argument


def test_stringmatch_pathological_is_fast():
    import time
    pat = b"a*" * 40 + b"b"
    start = time.monotonic()
    assert py_stringmatch(pat, b"a" * 5000) is False
    assert time.monotonic() - start < 2


@pytest.mark.parametrize("d,v", [
    (0.0, 0), (-0.0, 0), (1.0, 1), (-3.0, -3), (1e17, 10**17), (2.0**52, 2**52),
    (4611686018427387904.0, 4611686018427387904), (-4611686018427387904.0, -4611686018427387904),
    (9007199254740993.0, 9007199254740992),
])
def test_double2ll_integers(d, v):
    """Integral doubles within +-LLONG_MAX/2 (what a zset listpack stores as
    an integer)."""
    assert py_double2ll(d) == v


@pytest.mark.parametrize("d", [0.5, -1.5, 1e-300, 4611686018427388928.0, 9.2e18, -9.3e18, 1e300,
                               math.inf, -math.inf, math.nan])
def test_double2ll_rejects(d):
    assert py_double2ll(d) is None
