"""SCAN cursor parsing: C strtoul semantics (engine.util.parse_cursor)."""

import pytest

from engine.util import py_parse_cursor

U64 = 2 ** 64


@pytest.mark.parametrize("text, value", [
    (b"0", 0), (b"", 0), (b"123", 123), (b"+5", 5), (b"007", 7), (b"0" * 100 + b"9", 9),
    (b"-1", U64 - 1), (b"-0", 0), (b"-18446744073709551615", 1),
    (b"18446744073709551615", U64 - 1), (b"0\x00junk", 0), (b"12\x00", 12), (b"\x00", 0),
])
def test_valid(text, value):
    assert py_parse_cursor(text) == value


@pytest.mark.parametrize("text", [
    b" 1", b"\t1", b"\n1", b"1 ", b"1x", b"x", b"+", b"-", b"+-1", b"--1", b"0x10", b"1.0",
    b"18446744073709551616", b"-18446744073709551616", b"9" * 100, b"1e3",
])
def test_invalid(text):
    assert py_parse_cursor(text) is None
