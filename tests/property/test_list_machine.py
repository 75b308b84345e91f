"""Property test: a hypothesis state machine runs random sequences of list
commands against pyengine and the real redis-server and compares every raw
reply, and the lists' shape (DEBUG OBJECT ql_* fields, serializedlength)
and digests along the way.

Each run picks its own list-max-listpack-size, list-compress-depth and
(sometimes) a small DEBUG QUICKLIST-PACKED-THRESHOLD, set on both servers
and restored at teardown, so tiny nodes, compression and plain nodes are
all exercised. Keys collide on purpose (three list keys and a string key),
and the protocol switches between RESP2 and RESP3.
"""

import re

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from helpers import RawConnection

KEYS = ["a", "b", "c", "s"]
key = st.sampled_from(KEYS)
value = st.one_of(
    st.sampled_from(["x", "y", "1", "-1", "01", "100000", "", "9223372036854775808", "z" * 30]),
    st.integers(-5, 5).map(str),
    st.tuples(st.sampled_from(["ab", "hello ", "q"]), st.integers(20, 150)).map(lambda t: t[0] * t[1]),
    st.just("B" * 3000),
)
index = st.integers(-12, 12).map(str)
end = st.sampled_from(["LEFT", "RIGHT"])


class ListMachine(RuleBasedStateMachine):
    def __init__(self, r, p):
        super().__init__()
        self.r, self.p = r, p
        self.call("FLUSHALL")
        self.call("HELLO", "2", check=False)

    def call(self, *args, check=True):
        rr, pp = self.r.call(*args), self.p.call(*args)
        if check:
            assert pp == rr, "%r\n redis:    %r\n pyengine: %r" % (args, rr, pp)
        return rr

    @initialize(size=st.sampled_from(["-2", "-1", "1", "2", "3", "5", "128"]),
                depth=st.sampled_from(["0", "0", "1", "2"]),
                threshold=st.sampled_from(["0", "0", "0", "20b"]))
    def configure(self, size, depth, threshold):
        self.call("CONFIG", "SET", "list-max-listpack-size", size)
        self.call("CONFIG", "SET", "list-compress-depth", depth)
        self.call("DEBUG", "QUICKLIST-PACKED-THRESHOLD", threshold)
        self.call("SET", "s", "string")

    def teardown(self):
        self.call("CONFIG", "SET", "list-max-listpack-size", "-2", check=False)
        self.call("CONFIG", "SET", "list-compress-depth", "0", check=False)
        self.call("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0", check=False)
        self.call("HELLO", "2", check=False)

    @rule(cmd=st.sampled_from(["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]), k=key,
          vals=st.lists(value, min_size=1, max_size=6))
    def push(self, cmd, k, vals):
        self.call(cmd, k, *vals)

    @rule(cmd=st.sampled_from(["LPOP", "RPOP"]), k=key,
          count=st.one_of(st.none(), st.sampled_from(["0", "1", "2", "5", "-1", "x"])))
    def pop(self, cmd, k, count):
        self.call(cmd, k, *([] if count is None else [count]))

    @rule(k=key, start=index, stop=index)
    def lrange(self, k, start, stop):
        self.call("LRANGE", k, start, stop)

    @rule(k=key, i=index)
    def lindex(self, k, i):
        self.call("LINDEX", k, i)

    @rule(k=key)
    def llen(self, k):
        self.call("LLEN", k)
        self.call("TYPE", k)

    @rule(k=key, i=index, v=value)
    def lset(self, k, i, v):
        self.call("LSET", k, i, v)

    @rule(k=key, where=st.sampled_from(["BEFORE", "AFTER"]), pivot=value, v=value)
    def linsert(self, k, where, pivot, v):
        self.call("LINSERT", k, where, pivot, v)

    @rule(k=key, count=st.integers(-3, 3).map(str), v=value)
    def lrem(self, k, count, v):
        self.call("LREM", k, count, v)

    @rule(k=key, start=index, stop=index)
    def ltrim(self, k, start, stop):
        self.call("LTRIM", k, start, stop)

    @rule(k=key, v=value, rank=st.one_of(st.none(), st.sampled_from(["1", "2", "-1", "-3", "0"])),
          count=st.one_of(st.none(), st.sampled_from(["0", "1", "3"])),
          maxlen=st.one_of(st.none(), st.sampled_from(["0", "2", "10"])))
    def lpos(self, k, v, rank, count, maxlen):
        args = ["LPOS", k, v]
        for name, opt in (("RANK", rank), ("COUNT", count), ("MAXLEN", maxlen)):
            if opt is not None:
                args += [name, opt]
        self.call(*args)

    @rule(src=key, dst=key, a=end, b=end)
    def lmove(self, src, dst, a, b):
        self.call("LMOVE", src, dst, a, b)

    @rule(src=key, dst=key)
    def rpoplpush(self, src, dst):
        self.call("RPOPLPUSH", src, dst)

    @rule(keys=st.lists(key, min_size=1, max_size=3), where=end,
          count=st.one_of(st.none(), st.sampled_from(["1", "2", "10"])))
    def lmpop(self, keys, where, count):
        self.call("LMPOP", str(len(keys)), *keys, where, *([] if count is None else ["COUNT", count]))

    @rule(k=key)
    def shape(self, k):
        r, p = self.r.call("DEBUG", "OBJECT", k), self.p.call("DEBUG", "OBJECT", k)
        mask = lambda b: re.sub(rb"Value at:0x[0-9a-f]+ |lru:\d+ lru_seconds_idle:\d+ ?", b"", b)
        assert mask(p) == mask(r), "DEBUG OBJECT\n redis:    %r\n pyengine: %r" % (r, p)
        self.call("DEBUG", "DIGEST-VALUE", k)

    @rule(proto=st.sampled_from(["2", "3"]))
    def hello(self, proto):
        self.call("HELLO", proto, check=False)

    @rule(k=key, dst=key)
    def copy(self, k, dst):
        self.call("COPY", k, dst, "REPLACE")


@pytest.fixture(scope="module")
def conns(redis_server, pyengine_server):
    r, p = RawConnection(redis_server.port), RawConnection(pyengine_server.port)
    yield r, p
    for c in (r, p):
        c.call("FLUSHALL")
        c.close()


def test_list_machine(conns):
    r, p = conns
    run_state_machine_as_test(
        lambda: ListMachine(r, p),
        settings=settings(max_examples=int(__import__("os").environ.get("LIST_MACHINE_EXAMPLES", "120")), stateful_step_count=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]))
