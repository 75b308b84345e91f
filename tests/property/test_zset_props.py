"""Property test: engine/zset against a plain Python model (a dict and the
list of its items sorted by (score, member)).

A hypothesis state machine adds, re-scores and deletes members, deletes
score / lex / rank ranges, and after every step compares the order, ranks,
element-by-rank, score ranges (inclusive and exclusive bounds, both
directions, counts) and lex ranges, then checks the skiplist invariants
(spans, backward pointers, levels, dict <-> node links)."""

import math

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from engine.zset import ZSet

INF = float("inf")
members = st.binary(min_size=0, max_size=3).map(lambda b: bytes(x % 4 + 97 for x in b))
scores = st.one_of(
    st.sampled_from([-INF, INF, 0.0, -0.0, 1.0, 1.5, 2.0, -3.0]),
    st.floats(allow_nan=False, width=64),
)
bound = st.one_of(st.sampled_from([-INF, INF, 0.0, 1.0, 1.5, 2.0]), st.floats(allow_nan=False))
lex_item = st.one_of(st.sampled_from([b"-", b"+"]),
                     st.tuples(st.sampled_from([b"[", b"("]), members).map(lambda t: t[0] + t[1]))


def lex_key(item):
    """A lex item as (kind, bytes, exclusive): kind -1 for "-", 1 for "+"."""
    if item == b"-":
        return (-1, b"", True)
    if item == b"+":
        return (1, b"", True)
    return (0, item[1:], item[:1] == b"(")


def lex_gte_min(m, lo):
    kind, b, ex = lex_key(lo)
    if kind:
        return kind < 0
    return m > b if ex else m >= b


def lex_lte_max(m, hi):
    kind, b, ex = lex_key(hi)
    if kind:
        return kind > 0
    return m < b if ex else m <= b


class ZSetMachine(RuleBasedStateMachine):
    @initialize()
    def init(self):
        self.z = ZSet()
        self.model = {}

    def ordered(self):
        return sorted(self.model.items(), key=lambda kv: (kv[1], kv[0]))

    @rule(m=members, s=scores)
    def add(self, m, s):
        new = self.z.add(m, s)
        assert new == (m not in self.model)
        if m not in self.model or self.model[m] != s:
            self.model[m] = s

    @rule(items=st.lists(st.tuples(st.integers(0, 400).map(lambda i: b"n%d" % i), scores),
                         min_size=20, max_size=120))
    def add_many(self, items):
        """Grow the set past a few dozen members so nodes use several levels."""
        for m, s in items:
            self.add(m, s)

    @rule(m=members)
    def delete(self, m):
        assert self.z.delete(m) == (m in self.model)
        self.model.pop(m, None)

    @rule(lo=bound, hi=bound, minex=st.booleans(), maxex=st.booleans())
    def delete_score_range(self, lo, hi, minex, maxex):
        gone = [m for m, s in self.model.items()
                if (s > lo if minex else s >= lo) and (s < hi if maxex else s <= hi)]
        assert self.z.delete_range_by_score(lo, hi, minex, maxex) == len(gone)
        for m in gone:
            del self.model[m]

    @rule(data=st.data())
    def delete_rank_range(self, data):
        n = len(self.model)
        if n == 0:
            return
        a = data.draw(st.integers(0, n - 1))
        b = data.draw(st.integers(a, n - 1))
        gone = self.ordered()[a:b + 1]
        assert self.z.delete_range_by_rank(a, b) == len(gone)
        for m, _ in gone:
            del self.model[m]

    @rule(lo=lex_item, hi=lex_item)
    def delete_lex_range(self, lo, hi):
        # Lex ranges assume equal scores: give every member score 0 first.
        for m in list(self.model):
            self.z.add(m, 0.0)
            if self.model[m] != 0.0:
                self.model[m] = 0.0
        gone = [m for m in self.model if lex_gte_min(m, lo) and lex_lte_max(m, hi)]
        assert self.z.delete_range_by_lex(lo, hi) == len(gone)
        for m in gone:
            del self.model[m]

    @rule(lo=bound, hi=bound, minex=st.booleans(), maxex=st.booleans(), rev=st.booleans())
    def score_range(self, lo, hi, minex, maxex, rev):
        expect = [m for m, s in self.ordered()
                  if (s > lo if minex else s >= lo) and (s < hi if maxex else s <= hi)]
        if rev:
            expect.reverse()
        assert self.z.range_by_score(lo, hi, minex, maxex, rev) == expect
        assert self.z.count_by_score(lo, hi, minex, maxex) == len(expect)

    @rule(lo=lex_item, hi=lex_item, rev=st.booleans())
    def lex_range(self, lo, hi, rev):
        if len(set(self.model.values())) > 1:
            return              # lex ranges are defined when all scores are equal
        expect = [m for m, _ in self.ordered() if lex_gte_min(m, lo) and lex_lte_max(m, hi)]
        if rev:
            expect.reverse()
        assert self.z.range_by_lex(lo, hi, rev) == expect

    @rule()
    def dup(self):
        d = self.z.dup()
        d.check()
        assert d.items() == self.z.items()

    @invariant()
    def same_order_and_ranks(self):
        expect = self.ordered()
        got = self.z.items()
        assert len(got) == len(expect) == len(self.z)
        for (gm, gs), (em, es) in zip(got, expect):
            assert gm == em and (gs == es or (math.isnan(gs) and math.isnan(es)))
            assert math.copysign(1, gs) == math.copysign(1, es)
        assert self.z.items(reverse=True) == got[::-1]
        for i, (m, s) in enumerate(got):
            assert self.z.rank(m) == i
            assert self.z.by_rank(i) == (m, s)
            assert self.z.score(m) == s
        self.z.check()


TestZSetMachine = ZSetMachine.TestCase
TestZSetMachine.settings = settings(max_examples=300, stateful_step_count=40, deadline=None,
                                    suppress_health_check=[HealthCheck.too_slow])
