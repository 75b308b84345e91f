"""Property tests of engine/rax against a Python dict: random inserts and
removes of short keys over a small alphabet (so keys share prefixes, runs
split and merge), with ordered iteration, every seek and the structural
invariants (sorted edges, runs of two bytes or more, every leaf a key, node
and key counts) checked after each step."""

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from engine.rax import Rax

KEYS = st.one_of(st.binary(max_size=6).map(lambda b: bytes(c % 3 for c in b)),
                 st.binary(min_size=16, max_size=16).map(lambda b: bytes(c % 4 for c in b)),
                 st.binary(max_size=20))


class RaxMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.r = Rax()
        self.model = {}

    @rule(k=KEYS, v=st.integers(0, 1 << 40))
    def insert(self, k, v):
        assert self.r.insert(k, v) == (k not in self.model)
        self.model[k] = v

    @rule(k=KEYS, v=st.integers(0, 100))
    def try_insert(self, k, v):
        assert self.r.insert(k, v, overwrite=False) == (k not in self.model)
        self.model.setdefault(k, v)

    @rule(k=KEYS)
    def remove(self, k):
        assert self.r.remove(k) == (k in self.model)
        self.model.pop(k, None)

    @rule(data=st.data())
    def remove_existing(self, data):
        if self.model:
            k = data.draw(st.sampled_from(sorted(self.model)))
            assert self.r.remove(k)
            del self.model[k]

    @rule(k=KEYS)
    def find(self, k):
        assert self.r.find(k) == self.model.get(k)

    @rule(k=KEYS)
    def seeks(self, k):
        fwd = sorted(self.model.items())
        back = fwd[::-1]
        assert self.r.items(">=", k) == [kv for kv in fwd if kv[0] >= k]
        assert self.r.items(">", k) == [kv for kv in fwd if kv[0] > k]
        assert self.r.items("<=", k, reverse=True) == [kv for kv in back if kv[0] <= k]
        assert self.r.items("<", k, reverse=True) == [kv for kv in back if kv[0] < k]
        assert self.r.items(">=", k, reverse=True, limit=3) == (
            [kv for kv in back if kv[0] <= min([x for x in self.model if x >= k], default=None)][:3]
            if any(x >= k for x in self.model) else [])

    @invariant()
    def consistent(self):
        assert len(self.r) == len(self.model)
        self.r.check()
        assert self.r.items() == sorted(self.model.items())
        assert self.r.items("$", reverse=True) == sorted(self.model.items(), reverse=True)


TestRax = RaxMachine.TestCase
TestRax.settings = settings(max_examples=150, stateful_step_count=60, deadline=None)
