"""Hypothesis state machine: random hash command sequences give the same
replies on pyengine and the real redis-server.

Thresholds are lowered on both servers (hash-max-listpack-entries 6,
hash-max-listpack-value 10) so the walk crosses the listpack -> hashtable
conversion often. After every step both servers must agree on each key's
OBJECT ENCODING and DEBUG DIGEST-VALUE. Replies whose order Redis leaves
unspecified are normalised only for hashtable-encoded hashes (listpack
ones iterate in insertion order and are compared byte for byte); random
replies (HRANDFIELD) are checked for shape and membership.
"""

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from engine.resp import ReplyReader
from helpers import RawConnection

KEYS = ["h1", "h2", "str"]
FIELDS = ["a", "b", "c", "d", "e", "f", "g", "", "1", "-7", "01", "123456789012", "fieldname-long",
          "x\x00y"]
VALUES = ["1", "0", "-1", "v", "", "12345", "9223372036854775807", "-9223372036854775808",
          "1.5", "a-longer-value", "007", "3e2", " 1"]
INCRS = ["1", "-1", "0", "100", "9223372036854775807", "-9223372036854775808", "x", "1.5"]
FLOAT_INCRS = ["1", "0.1", "-2.5", "1e3", "1e20", "-1e-3", "inf", "nan", "x", "3.0"]

key = st.sampled_from(KEYS)
field = st.sampled_from(FIELDS)
value = st.one_of(st.sampled_from(VALUES), st.binary(max_size=14))
pairs = st.lists(st.tuples(field, value), min_size=1, max_size=5)


def parse(raw):
    rd = ReplyReader()
    rd.feed(raw)
    return rd.gets()


def _flat(v):
    out = []
    for x in v:
        out += x if isinstance(x, list) else [x]
    return out


class HashMachine(RuleBasedStateMachine):
    redis_port = None
    pe_port = None

    def __init__(self):
        super().__init__()
        self.r = RawConnection(self.redis_port)
        self.p = RawConnection(self.pe_port)
        self.proto = 2
        self.both("FLUSHALL")
        self.both("CONFIG", "SET", "hash-max-listpack-entries", "6", "hash-max-listpack-value", "10")
        self.both("SET", "str", "a string")

    def teardown(self):
        self.r.close()
        self.p.close()

    def both(self, *args):
        self.r.send_command(*args)
        self.p.send_command(*args)
        return self.r.read_reply(), self.p.read_reply()

    def same(self, *args):
        r, p = self.both(*args)
        assert p == r, "command %r\n redis:    %r\n pyengine: %r" % (args, r, p)
        return r

    def encoding(self, k):
        return self.same("OBJECT", "ENCODING", k)

    def ordered(self, k):
        """Whether replies about ``k`` are deterministic: anything but a
        hashtable-encoded hash (a listpack iterates in insertion order;
        a missing key or a string answer the same every time)."""
        return self.encoding(k) != b"$9\r\nhashtable\r\n"

    def is_hash(self, k):
        return self.same("TYPE", k) == b"+hash\r\n"

    def same_unordered(self, *args, pairs_of=1):
        r, p = self.both(*args)
        rv, pv = parse(r), parse(p)
        if not isinstance(rv, (list, dict)):
            assert p == r, (args, r, p)
            return
        if isinstance(rv, dict):
            assert rv == pv, (args, r, p)
            return
        norm = lambda v: sorted(tuple(v[i:i + pairs_of]) for i in range(0, len(v), pairs_of))
        assert norm(rv) == norm(pv), "command %r\n redis:    %r\n pyengine: %r" % (args, r, p)

    # ---- writes -------------------------------------------------------------------------

    @rule(k=key, kv=pairs, hmset=st.booleans())
    def hset(self, k, kv, hmset):
        args = []
        for f, v in kv:
            args += [f, v]
        self.same("HMSET" if hmset else "HSET", k, *args)

    @rule(k=key, f=field, v=value)
    def hsetnx(self, k, f, v):
        self.same("HSETNX", k, f, v)

    @rule(k=key, fs=st.lists(field, min_size=1, max_size=4))
    def hdel(self, k, fs):
        self.same("HDEL", k, *fs)

    @rule(k=key, f=field, incr=st.one_of(st.sampled_from(INCRS), st.integers(-10 ** 6, 10 ** 6).map(str)))
    def hincrby(self, k, f, incr):
        self.same("HINCRBY", k, f, incr)

    @rule(k=key, f=field, incr=st.sampled_from(FLOAT_INCRS))
    def hincrbyfloat(self, k, f, incr):
        self.same("HINCRBYFLOAT", k, f, incr)

    @rule(k=key)
    def delete(self, k):
        self.same("DEL", k)

    @rule(src=key, dst=key)
    def copy(self, src, dst):
        self.same("COPY", src, dst, "REPLACE")

    @rule(name=st.sampled_from(["hash-max-listpack-entries", "hash-max-listpack-value"]),
          n=st.integers(0, 12))
    def config(self, name, n):
        self.same("CONFIG", "SET", name, str(n))

    @rule(proto=st.sampled_from([2, 3]))
    def hello(self, proto):
        self.both("HELLO", str(proto))
        self.proto = proto

    # ---- reads --------------------------------------------------------------------------

    @rule(k=key, f=field)
    def hget(self, k, f):
        self.same("HGET", k, f)
        self.same("HSTRLEN", k, f)
        self.same("HEXISTS", k, f)

    @rule(k=key, fs=st.lists(field, min_size=1, max_size=4))
    def hmget(self, k, fs):
        self.same("HMGET", k, *fs)

    @rule(k=key)
    def hlen(self, k):
        self.same("HLEN", k)

    @rule(k=key, cmd=st.sampled_from(["HGETALL", "HKEYS", "HVALS"]))
    def hgetall(self, k, cmd):
        if self.ordered(k):
            self.same(cmd, k)
        else:
            self.same_unordered(cmd, k, pairs_of=2 if cmd == "HGETALL" else 1)

    @rule(k=key, match=st.sampled_from([None, "*", "a*", "?", "*1*", "[a-c]"]))
    def hscan(self, k, match):
        opts = [] if match is None else ["MATCH", match]
        if self.ordered(k):
            self.same("HSCAN", k, "0", *opts)
            return
        out = []
        for conn in (self.r, self.p):
            cursor, items = b"0", []
            while True:
                cursor, got = parse(conn.call("HSCAN", k, cursor, "COUNT", "3", *opts))
                items += list(zip(got[::2], got[1::2]))
                if cursor == b"0":
                    break
            out.append(sorted(set(items)))
        assert out[0] == out[1], (k, match, out)

    @rule(k=key, count=st.one_of(st.none(), st.integers(-12, 12)), withvalues=st.booleans())
    def hrandfield(self, k, count, withvalues):
        args = ["HRANDFIELD", k]
        if count is not None:
            args.append(str(count))
            if withvalues:
                args.append("WITHVALUES")
        if not self.is_hash(k):
            self.same(*args)
            return
        size = parse(self.same("HLEN", k))
        if count is not None and count >= size and self.ordered(k):
            self.same(*args)                       # the whole listpack, in order
            return
        r, p = self.both(*args)
        rv, pv = parse(r), parse(p)
        if count is None:
            assert (rv is None) == (pv is None), (r, p)
            return
        assert isinstance(pv, list) and len(pv) == len(rv), (args, r, p)
        full = parse(self.both("HGETALL", k)[0])
        full = full if isinstance(full, dict) else dict(zip(full[::2], full[1::2]))
        flat = _flat(pv) if withvalues else pv
        step = 2 if withvalues else 1
        for i in range(0, len(flat), step):
            assert flat[i] in full
            if withvalues:
                assert full[flat[i]] == flat[i + 1]
        if count > 0:
            assert len(set(flat[::step])) == len(flat[::step])

    # ---- invariants ---------------------------------------------------------------------

    @invariant()
    def same_encoding_and_digest(self):
        for k in KEYS:
            self.same("OBJECT", "ENCODING", k)
            self.same("DEBUG", "DIGEST-VALUE", k)
            self.same("TYPE", k)


@pytest.fixture
def restore_config(redis_server, pyengine_server):
    yield
    for port in (redis_server.port, pyengine_server.port):
        c = RawConnection(port)
        c.call("CONFIG", "SET", "hash-max-listpack-entries", "512", "hash-max-listpack-value", "64")
        c.call("FLUSHALL")
        c.close()


def test_hash_machine(redis_server, pyengine_server, restore_config):
    HashMachine.redis_port = redis_server.port
    HashMachine.pe_port = pyengine_server.port
    run_state_machine_as_test(HashMachine, settings=settings(
        max_examples=150, stateful_step_count=40, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
