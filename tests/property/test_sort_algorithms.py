"""Property tests of SORT's two sort routines (pyengine/t_sort.pyx) against
Python's sorted(): the full sort must be stable (it stands for glibc's
qsort, a stable merge sort), and the partial quicksort must put the right
values at the requested positions. The order of ties inside the partial
sort is Redis's algorithm's, checked against redis-server in
tests/differential/test_sort.py."""

from hypothesis import given, settings, strategies as st

from pyengine.t_sort import _debug_sort

KEYS = st.lists(st.none() | st.sampled_from([b"", b"a", b"b", b"ab", b"\x00", b"\xff", b"ba"]),
                max_size=120)


def ref_key(k):
    # missing keys sort first; bytes compare like memcmp then length
    return (k is not None, k or b"")


@settings(max_examples=300, deadline=None)
@given(keys=KEYS, desc=st.booleans())
def test_full_sort_is_stable(keys, desc):
    got = _debug_sort(keys, desc=desc)
    want = sorted(range(len(keys)), key=lambda i: ref_key(keys[i]), reverse=desc)
    assert got == want


@settings(max_examples=300, deadline=None)
@given(scores=st.lists(st.sampled_from([0.0, -1.0, 1.5, 2.0, float("inf"), -float("inf")]),
                       max_size=100), desc=st.booleans())
def test_numeric_full_sort_is_stable(scores, desc):
    got = _debug_sort(scores, desc=desc, numeric=True)
    assert got == sorted(range(len(scores)), key=lambda i: scores[i], reverse=desc)


@settings(max_examples=500, deadline=None)
@given(keys=KEYS, data=st.data(), desc=st.booleans())
def test_partial_sort_range(keys, data, desc):
    n = len(keys)
    if n == 0:
        assert _debug_sort(keys, 0, -1, desc) == []
        return
    lo = data.draw(st.integers(0, n - 1))
    hi = data.draw(st.integers(lo - 1, n - 1))
    got = _debug_sort(keys, lo, hi, desc)
    assert sorted(got) == list(range(n))
    want = sorted((ref_key(k) for k in keys), reverse=desc)
    assert [ref_key(keys[i]) for i in got[lo:hi + 1]] == want[lo:hi + 1]
