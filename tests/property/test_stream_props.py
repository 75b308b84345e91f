"""Property tests of engine/stream against a plain Python model (a list of
(id, fields) in ID order): random appends (explicit, ms-*, generated),
deletions, exact and approximate trims with small nodes, then every range
query, forwards and backwards, must equal the model's. Approximate trims
may keep more than asked: the engine's result must be a suffix of the model
that keeps at least what was asked, and becomes the new model."""

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from engine.stream import Stream

FIELDS = st.lists(st.sampled_from([b"a", b"b", b"c", b"12", b"", b"x" * 70]), min_size=1, max_size=3)
VALUES = st.sampled_from([b"v", b"1", b"-7", b"", b"y" * 100, b"123456789012"])
BOUND = st.one_of(st.sampled_from([b"-", b"+"]),
                  st.tuples(st.integers(0, 60), st.integers(0, 4)).map(lambda t: b"%d-%d" % t),
                  st.integers(0, 60).map(lambda n: b"%d" % n))


def key(idb):
    ms, seq = idb.split(b"-")
    return (int(ms), int(seq))


def bound(b, missing_seq):
    if b == b"-":
        return (0, 0)
    if b == b"+":
        return (2 ** 64 - 1, 2 ** 64 - 1)
    if b"-" in b:
        return key(b)
    return (int(b), missing_seq)


class StreamMachine(RuleBasedStateMachine):
    @initialize(entries=st.integers(0, 12), max_bytes=st.sampled_from([0, 60, 200, 4096]))
    def start(self, entries, max_bytes):
        self.s = Stream(node_max_bytes=max_bytes, node_max_entries=entries)
        self.model = []                  # [(id tuple, fields)]
        self.last = (0, 0)
        self.clock = 1

    @rule(fields=FIELDS, values=st.lists(VALUES, min_size=3, max_size=3),
          how=st.sampled_from(["explicit", "star", "auto"]), gap=st.integers(0, 3),
          seq=st.integers(0, 3))
    def add(self, fields, values, how, gap, seq):
        flat = []
        for f, v in zip(fields, values):
            flat += [f, v]
        if how == "auto":
            self.clock += gap
            idb = self.s.add(flat, now_ms=self.clock)
        else:
            ms = self.last[0] + gap
            if how == "star":
                idb = self.s.add(flat, id=b"%d-*" % ms)
            else:
                want = (ms, seq)
                if want <= self.last:
                    try:
                        self.s.add(flat, id=b"%d-%d" % want)
                    except ValueError:
                        return
                    raise AssertionError("an ID not above the last one was accepted")
                idb = self.s.add(flat, id=b"%d-%d" % want)
        new = key(idb)
        assert new > self.last
        self.last = new
        self.model.append((new, flat))

    @rule(data=st.data())
    def delete(self, data):
        if self.model and data.draw(st.booleans()):
            i = data.draw(st.integers(0, len(self.model) - 1))
            idt = self.model[i][0]
            assert self.s.delete(b"%d-%d" % idt)
            del self.model[i]
        else:
            idt = (data.draw(st.integers(0, 60)), data.draw(st.integers(0, 4)))
            present = any(m[0] == idt for m in self.model)
            assert self.s.delete(b"%d-%d" % idt) == present
            self.model = [m for m in self.model if m[0] != idt]

    @rule(maxlen=st.integers(0, 30), approx=st.booleans(), limit=st.sampled_from([0, 0, 3, 10]))
    def trim_maxlen(self, maxlen, approx, limit):
        if not approx:
            limit = 0
        n = self.s.trim_maxlen(maxlen, approx, limit)
        self._after_trim(n, lambda kept: len(kept) >= min(maxlen, len(self.model)), approx or limit)
        if not approx and not limit:
            assert len(self.model) == min(maxlen, len(self.model))

    @rule(ms=st.integers(0, 60), seq=st.integers(0, 4), approx=st.booleans())
    def trim_minid(self, ms, seq, approx):
        n = self.s.trim_minid(b"%d-%d" % (ms, seq), approx)
        keep = [m for m in self.model if m[0] >= (ms, seq)]
        self._after_trim(n, lambda kept: all(m in kept for m in keep), approx)
        if not approx:
            assert self.model == keep

    def _after_trim(self, n, keeps_enough, loose):
        got = self.s.range()
        kept = [(key(i), f) for i, f in got]
        assert kept == self.model[len(self.model) - len(kept):]      # a suffix
        assert len(self.model) - len(kept) == n
        assert keeps_enough(kept) or loose
        self.model = kept

    @rule(a=BOUND, b=BOUND, count=st.integers(0, 5), rev=st.booleans())
    def ranges(self, a, b, count, rev):
        lo, hi = bound(a, 0), bound(b, 2 ** 64 - 1)
        want = [m for m in self.model if lo <= m[0] <= hi]
        if rev:
            want = want[::-1]
        if count:
            want = want[:count]
        got = [(key(i), f) for i, f in self.s.range(a, b, count=count, rev=rev)]
        assert got == want

    @invariant()
    def consistent(self):
        assert len(self.s) == len(self.model)
        info = self.s.info()
        assert info["first_id"] == (b"%d-%d" % self.model[0][0] if self.model else b"0-0")
        assert info["last_id"] == b"%d-%d" % self.last
        total_live = 0
        for master, items in self.s.nodes():
            live, dead = items[0], items[1]
            assert live > 0
            total_live += live
        assert total_live == len(self.model)
        assert [(key(i), f) for i, f in self.s.range()] == self.model


TestStream = StreamMachine.TestCase
TestStream.settings = settings(max_examples=120, stateful_step_count=50, deadline=None)
