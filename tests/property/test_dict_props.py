"""Property tests of engine/dict against a Python dict, and of SCAN's
guarantee under growth, shrinking and rehashing between calls."""

from hypothesis import given, settings, strategies as st, HealthCheck
from hypothesis.stateful import RuleBasedStateMachine, rule, invariant, precondition

from engine.dict import Dict, set_resize_policy, RESIZE_ENABLE, RESIZE_AVOID, RESIZE_FORBID

KEYS = st.binary(min_size=0, max_size=12) | st.integers(0, 400).map(lambda i: b"k%d" % i)


class DictMachine(RuleBasedStateMachine):
    """Random inserts, deletes and lookups with forced expand/shrink and
    interleaved rehash steps; the model is a Python dict."""

    def __init__(self):
        super().__init__()
        self.d = Dict()
        self.model = {}
        self.paused = 0

    @rule(k=KEYS, v=st.integers(-2**63, 2**63 - 1))
    def insert(self, k, v):
        assert self.d.set(k, v) == (k not in self.model)
        self.model[k] = v

    @rule(k=KEYS)
    def delete(self, k):
        assert self.d.delete(k) == (k in self.model)
        self.model.pop(k, None)

    @rule(data=st.data())
    def delete_existing(self, data):
        if self.model:
            k = data.draw(st.sampled_from(sorted(self.model)))
            assert self.d.unlink(k) == self.model.pop(k)

    @rule(k=KEYS)
    def lookup(self, k):
        assert self.d.get(k) == self.model.get(k)

    @rule(size=st.integers(0, 5000))
    def expand(self, size):
        was = self.d.is_rehashing()
        ok = self.d.expand(size)
        if was:
            assert not ok

    @rule()
    def shrink(self):
        self.d.shrink()

    @rule(n=st.integers(1, 50))
    def rehash(self, n):
        self.d.rehash(n)

    @rule()
    def pause(self):
        self.d.pause_rehash()
        self.paused += 1

    @precondition(lambda self: self.paused > 0)
    @rule()
    def resume(self):
        self.d.resume_rehash()
        self.paused -= 1

    @rule(policy=st.sampled_from([RESIZE_ENABLE, RESIZE_AVOID, RESIZE_FORBID]))
    def resize_policy(self, policy):
        set_resize_policy(policy)

    @invariant()
    def matches_model(self):
        assert len(self.d) == len(self.model)
        if self.paused == 0:
            self.d.check()

    def teardown(self):
        set_resize_policy(RESIZE_ENABLE)
        while self.paused:
            self.d.resume_rehash()
            self.paused -= 1
        assert sorted(self.d.keys()) == sorted(self.model)
        for k, v in self.model.items():
            assert self.d.get(k) == v
        self.d.check()


TestDictMachine = DictMachine.TestCase
TestDictMachine.settings = settings(max_examples=60, stateful_step_count=80, deadline=None)


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.integers(1, 300)),
        st.tuples(st.just("del"), st.integers(1, 300)),
        st.tuples(st.just("expand"), st.integers(0, 4096)),
        st.tuples(st.just("shrink"), st.just(0)),
        st.tuples(st.just("rehash"), st.integers(1, 20)),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stable=st.integers(0, 200), transient=st.integers(0, 300), ops=OPS,
       start_rehashing=st.booleans(), seed=st.randoms(use_true_random=False))
def test_scan_returns_every_stable_key(stable, transient, ops, start_rehashing, seed):
    """Every key present for the whole scan is returned at least once, while
    between SCAN calls the table grows (inserts, forced expands), shrinks
    (deletes of other keys, forced shrinks) and rehashes part way."""
    d = Dict()
    stable_keys = [b"s%d" % i for i in range(stable)]
    for k in stable_keys:
        d.set(k, 1)
    extra = set()
    for i in range(transient):
        k = b"t%d" % i
        d.set(k, 1)
        extra.add(k)
    if start_rehashing and not d.is_rehashing():
        d.expand(len(d) * 4 + 8)
    ever = set(stable_keys) | extra
    next_new = 0
    seen = set()
    cursor = 0
    calls = 0
    op_i = 0
    while True:
        cursor, batch = d.scan(cursor)
        seen.update(batch)
        calls += 1
        assert calls < 200000
        if cursor == 0:
            break
        # mutate between calls (never touching the stable keys)
        if op_i < len(ops) and seed.random() < 0.7:
            op, n = ops[op_i]
            op_i += 1
            if op == "add":
                for _ in range(n):
                    k = b"n%d" % next_new
                    next_new += 1
                    d.set(k, 1)
                    extra.add(k)
                    ever.add(k)
            elif op == "del":
                for k in list(extra)[:n]:
                    d.delete(k)
                    extra.discard(k)
            elif op == "expand":
                d.expand(n)
            elif op == "shrink":
                d.shrink()
            elif op == "rehash":
                d.rehash(n)
    assert set(stable_keys) <= seen
    assert seen <= ever
    d.check()


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 2000))
def test_scan_without_changes_returns_each_key_once(n):
    d = Dict()
    ks = [b"k%d" % i for i in range(n)]
    for k in ks:
        d.set(k, 1)
    while d.is_rehashing():
        d.rehash(100)
    got = []
    cursor = 0
    while True:
        cursor, batch = d.scan(cursor)
        got += batch
        if cursor == 0:
            break
    assert sorted(got) == sorted(ks)
