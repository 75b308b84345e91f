"""Property tests: engine/util conversions against Python reference semantics."""

import math
import re
from decimal import Decimal

from hypothesis import assume, given, settings, strategies as st, example

from engine.util import (py_string2ll, py_ll2string, py_d2string, py_double_to_human,
                         py_string2d, py_ld2string_human)

LL_MIN, LL_MAX = -2**63, 2**63 - 1
STRICT_INT = re.compile(rb"0|-?[1-9][0-9]*\Z")


def ref_string2ll(s):
    """Redis's rule: canonical decimal (no sign but '-', no leading zeros,
    no "-0"), fewer than 21 bytes, inside the long long range."""
    if len(s) >= 21 or not STRICT_INT.fullmatch(s):
        return None
    v = int(s)
    return v if LL_MIN <= v <= LL_MAX else None


INT_TEXT = st.one_of(
    st.integers(LL_MIN - 10, LL_MAX + 10).map(lambda v: str(v).encode()),
    st.integers(-10**25, 10**25).map(lambda v: str(v).encode()),
    st.text(alphabet="0123456789-+ _.\x00xe", max_size=22).map(str.encode),
    st.binary(max_size=22),
    st.integers(0, 10**6).map(lambda v: b"0" + str(v).encode()),
    st.integers(0, 10**6).map(lambda v: b"+" + str(v).encode()),
)


@settings(max_examples=2000)
@given(INT_TEXT)
@example(b"-0")
@example(b"-9223372036854775808")
@example(b"9223372036854775808")
def test_string2ll_matches_reference(s):
    assert py_string2ll(s) == ref_string2ll(s)


@settings(max_examples=1000)
@given(st.integers(LL_MIN, LL_MAX))
def test_ll2string_round_trips(v):
    s = py_ll2string(v)
    assert s == str(v).encode()
    assert py_string2ll(s) == v


def ref_d2string(d):
    if math.isnan(d):
        return b"nan"
    if math.isinf(d):
        return b"inf" if d > 0 else b"-inf"
    return (b"%.17g" % d)


@settings(max_examples=2000)
@given(st.floats(allow_nan=True, allow_infinity=True))
@example(1e17)
@example(-0.0)
@example(5e-324)
def test_d2string_matches_printf_17g(d):
    s = py_d2string(d)
    assert s == ref_d2string(d)
    if math.isfinite(d):
        assert float(s) == d                   # 17 significant digits round-trip


def ref_human(d):
    """"%.17Lf" of the exact value, trailing zeros (and a bare '.') dropped,
    "-0" written "0"; inf as inf/-inf."""
    if math.isinf(d):
        return b"inf" if d > 0 else b"-inf"
    s = "{:.17f}".format(Decimal(d))            # exact binary value, half-even rounding
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s == "-0":
        s = "0"
    return s.encode()


@settings(max_examples=2000)
@given(st.floats(allow_nan=False, allow_infinity=True))
@example(0.1)
@example(-1e-300)
@example(1e300)
@example(2.5)
def test_ld2string_human_matches_reference(d):
    assert py_double_to_human(d) == ref_human(d)


DEC_FLOAT = re.compile(rb"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity)\Z",
                       re.IGNORECASE)


def ref_string2d(s):
    """strtod over the whole string, decimal forms only (hex floats are
    covered by the unit tests), no leading space, no NaN, no overflow to
    infinity and no underflow to zero."""
    if not DEC_FLOAT.fullmatch(s):
        return None
    v = float(s)
    text = s.lower().lstrip(b"+-")
    if math.isinf(v) and not text.startswith(b"inf"):
        return None
    if v == 0 and re.search(rb"[1-9]", text.split(b"e")[0]):
        return None
    return v


FLOAT_TEXT = st.one_of(
    st.floats(allow_nan=False).map(lambda f: repr(f).encode()),
    st.from_regex(rb"\A[+-]?[0-9]{0,5}(\.[0-9]{0,5})?([eE][+-]?[0-9]{1,4})?\Z"),
    st.text(alphabet="0123456789.eE+- infINFnaN_x", max_size=12).map(str.encode),
)


@settings(max_examples=2000)
@given(FLOAT_TEXT)
@example(b"1e400")
@example(b"1e-400")
@example(b"-inf")
@example(b".")
@example(b"e5")
def test_string2d_matches_reference(s):
    assume(b"0x" not in s.lower())         # hex floats: see the unit tests
    got = py_string2d(s)
    want = ref_string2d(s)
    if want is None:
        assert got is None
    else:
        assert got == want


@settings(max_examples=500)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=6,
                   min_value=Decimal("-9.999999"), max_value=Decimal("9.999999")))
def test_ld2string_human_of_short_decimals_reads_back(d):
    """Small numbers with few decimals come back written as typed (the reason
    for INCRBYFLOAT's long double and 17 decimals; with more integer digits
    the 17 decimals exceed a long double's ~19 significant digits and the
    noise shows, in Redis too)."""
    text = format(d, "f").encode()
    out = py_ld2string_human(text)
    assert Decimal(out.decode()) == d
