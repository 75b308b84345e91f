"""Property tests of engine/intset against a Python sorted set: random adds
and removes across every width (so upgrades happen at random points), with
the blob checked byte for byte against the layout after every step."""

import struct

from hypothesis import given, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, invariant

from engine.intset import IntSet, validate

# values biased to the width boundaries, where upgrades happen
BOUNDS = [0, 1, -1, 2 ** 15 - 1, -2 ** 15, 2 ** 15, -2 ** 15 - 1, 2 ** 31 - 1, -2 ** 31,
          2 ** 31, -2 ** 31 - 1, 2 ** 63 - 1, -2 ** 63]
VALUES = st.one_of(
    st.sampled_from(BOUNDS),
    st.integers(-300, 300),
    st.integers(-2 ** 15 - 50, 2 ** 15 + 50),
    st.integers(-2 ** 31 - 50, 2 ** 31 + 50),
    st.integers(-2 ** 63, 2 ** 63 - 1),
)


def width(v):
    if -2 ** 15 <= v < 2 ** 15:
        return 2
    if -2 ** 31 <= v < 2 ** 31:
        return 4
    return 8


class IntSetMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.s = IntSet()
        self.model = set()
        self.enc = 2                   # widest width ever added (never shrinks)

    @rule(v=VALUES)
    def add(self, v):
        assert self.s.add(v) == (v not in self.model)
        self.model.add(v)
        self.enc = max(self.enc, width(v))

    @rule(v=VALUES)
    def remove(self, v):
        assert self.s.remove(v) == (v in self.model)
        self.model.discard(v)

    @rule(data=st.data())
    def remove_existing(self, data):
        if self.model:
            v = data.draw(st.sampled_from(sorted(self.model)))
            assert self.s.remove(v)
            self.model.discard(v)

    @rule(data=st.data())
    def remove_at(self, data):
        if self.model:
            ordered = sorted(self.model)
            i = data.draw(st.integers(0, len(ordered) - 1))
            self.s.remove_at(i)
            self.model.discard(ordered[i])

    @rule(v=VALUES)
    def find(self, v):
        assert self.s.find(v) == (v in self.model)
        ordered = sorted(self.model)
        found, pos = self.s.search(v)
        assert found == (v in self.model)
        assert pos == sum(1 for x in ordered if x < v)

    @rule(i=st.integers(-1, 40))
    def get(self, i):
        ordered = sorted(self.model)
        assert self.s.get(i) == (ordered[i] if 0 <= i < len(ordered) else None)

    @rule()
    def random(self):
        if self.model:
            assert self.s.random() in self.model

    @rule()
    def dup_roundtrip(self):
        d = self.s.dup()
        assert d.blob() == self.s.blob()
        if self.model:
            assert IntSet.from_blob(self.s.blob()).tolist() == sorted(self.model)

    @invariant()
    def layout(self):
        ordered = sorted(self.model)
        assert len(self.s) == len(ordered)
        assert self.s.encoding == self.enc
        fmt = {2: "h", 4: "i", 8: "q"}[self.enc]
        expect = struct.pack("<II", self.enc, len(ordered)) + b"".join(
            struct.pack("<" + fmt, v) for v in ordered)
        assert self.s.blob() == expect
        assert self.s.blob_len() == len(expect)
        assert validate(expect) == bool(ordered)


TestIntSetMachine = IntSetMachine.TestCase
TestIntSetMachine.settings = settings(max_examples=200, stateful_step_count=60, deadline=None)


@settings(max_examples=300, deadline=None)
@given(st.lists(VALUES, max_size=60))
def test_bulk_add_equals_sorted_set(values):
    s = IntSet()
    for v in values:
        s.add(v)
    assert s.tolist() == sorted(set(values))
    assert s.encoding == max([2] + [width(v) for v in values])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_validate_never_accepts_garbage_that_breaks_invariants(b):
    """Whatever validates deeply is a well-formed intset: loading it gives
    strictly ascending values that fill the blob exactly."""
    if validate(b):
        vals = IntSet.from_blob(b).tolist()
        assert vals == sorted(set(vals)) and vals
        enc = struct.unpack_from("<I", b)[0]
        assert len(b) == 8 + enc * len(vals)


@settings(max_examples=200, deadline=None)
@given(st.lists(VALUES, min_size=1, max_size=30, unique=True), st.data())
def test_validate_detects_disorder(values, data):
    values = sorted(values)
    enc = max(width(v) for v in values)
    fmt = {2: "h", 4: "i", 8: "q"}[enc]
    good = struct.pack("<II", enc, len(values)) + b"".join(struct.pack("<" + fmt, v) for v in values)
    assert validate(good)
    if len(values) >= 2:
        i = data.draw(st.integers(0, len(values) - 2))
        swapped = values[:i] + [values[i + 1], values[i]] + values[i + 2:]
        bad = struct.pack("<II", enc, len(values)) + b"".join(
            struct.pack("<" + fmt, v) for v in swapped)
        assert not validate(bad)
        assert validate(bad, deep=False)
