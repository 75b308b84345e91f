"""A hypothesis state machine sending random set command sequences to the
real redis-server and to pyengine and comparing the replies.

Three set keys and a string key (for WRONGTYPE), members that are small
integers, integers at the intset width boundaries, non-canonical integers
and strings, a small and changing set-max-intset-entries (so conversions
happen all the time), and RESP2/RESP3 switches.

Replies are compared byte for byte except where Redis leaves the order
unspecified; a Python model of the sets decides where that is:

* SMEMBERS: exact when the set is an intset (ascending), else a multiset.
* SINTER: exact when the smallest set (ties: argument order) is an intset.
* SUNION/SDIFF: exact when the result is built as an intset all the way
  (Redis's result set starts as an intset; SDIFF's copy-then-remove
  algorithm can outgrow it before removing), else a multiset.
* SPOP/SRANDMEMBER picks are random: checked for type, count, membership
  and distinctness against the model. After an SPOP both servers' copies of
  the key are rebuilt with the same commands from redis's outcome, so the
  two servers stay in step.
"""

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, invariant, run_state_machine_as_test

from helpers import RawConnection
from set_helpers import tparse, flat, same_unordered, is_canonical_int, sorted_ints

KEYS = [b"s1", b"s2", b"s3"]
ALLKEYS = KEYS + [b"str", b"nokey"]
MEMBERS = ([b"%d" % i for i in range(-3, 12)] +
           [b"32767", b"32768", b"-32769", b"2147483648", b"-9223372036854775808",
            b"9223372036854775807", b"01", b"-0", b"+1", b"9223372036854775808", b"",
            b"a", b"b", b"c", b"hello", b"x" * 50, b"a\x00b"])

key = st.sampled_from(KEYS)
anykey = st.sampled_from(ALLKEYS)
member = st.sampled_from(MEMBERS)
members = st.lists(member, min_size=1, max_size=6)
keylist = st.lists(anykey, min_size=1, max_size=4)

PORTS = {}


@pytest.fixture(scope="module")
def ports(redis_server, pyengine_server):
    PORTS["redis"], PORTS["pyengine"] = redis_server.port, pyengine_server.port
    yield
    for port in PORTS.values():
        c = RawConnection(port)
        c.call("CONFIG", "SET", "set-max-intset-entries", "512")
        c.call("FLUSHALL")
        c.close()


class SetMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.r = RawConnection(PORTS["redis"])
        self.p = RawConnection(PORTS["pyengine"])
        self.model = {}                      # key -> set of members
        self.max_intset = 4
        self.both(b"FLUSHALL")
        self.both(b"CONFIG", b"SET", b"set-max-intset-entries", b"4")
        self.both(b"SET", b"str", b"v")

    def teardown(self):
        self.r.close()
        self.p.close()

    # -- plumbing ----------------------------------------------------------------

    def both(self, *args):
        self.r.send_command(*args)
        self.p.send_command(*args)
        return self.r.read_reply(), self.p.read_reply()

    def same(self, *args):
        r, p = self.both(*args)
        assert p == r, "command %r\n redis:    %r\n pyengine: %r" % (args, r, p)
        return tparse(r)

    def loose(self, *args):
        r, p = self.both(*args)
        return same_unordered(r, p, repr(args))

    def cap(self):
        return min(self.max_intset, 1 << 30)

    def fits_intset(self, ms):
        return all(is_canonical_int(m) for m in ms) and len(ms) <= self.cap()

    def encoding(self, k):
        v = self.same(b"OBJECT", b"ENCODING", k)[1]
        return v.decode() if v is not None else None

    def is_set(self, k):
        return k in self.model

    def wrongtype(self, keys):
        return b"str" in keys

    # -- writes ------------------------------------------------------------------

    @rule(k=key, ms=members)
    def sadd(self, k, ms):
        self.same(b"SADD", k, *ms)
        self.model.setdefault(k, set()).update(ms)

    @rule(k=key, ms=members)
    def srem(self, k, ms):
        self.same(b"SREM", k, *ms)
        if k in self.model:
            self.model[k] -= set(ms)
            if not self.model[k]:
                del self.model[k]

    @rule(src=anykey, dst=anykey, m=member)
    def smove(self, src, dst, m):
        self.same(b"SMOVE", src, dst, m)
        if src == b"str" or (dst == b"str" and src in self.model) or src not in self.model:
            return
        if m in self.model[src] and src != dst:
            self.model[src].discard(m)
            if not self.model[src]:
                del self.model[src]
            self.model.setdefault(dst, set()).add(m)

    @rule(op=st.sampled_from([b"SINTERSTORE", b"SUNIONSTORE", b"SDIFFSTORE"]), dst=key,
          keys=keylist)
    def store(self, op, dst, keys):
        self.same(op, dst, *keys)
        if self.wrongtype(keys):
            return
        result = self.compute(op[:-5], keys)
        if result:
            self.model[dst] = result
        else:
            self.model.pop(dst, None)

    @rule(k=key)
    def delete(self, k):
        self.same(b"DEL", k)
        self.model.pop(k, None)

    @rule(n=st.sampled_from([0, 1, 3, 8, 512]))
    def config(self, n):
        self.same(b"CONFIG", b"SET", b"set-max-intset-entries", b"%d" % n)
        self.max_intset = n

    @rule(proto=st.sampled_from([b"2", b"3"]))
    def hello(self, proto):
        self.both(b"HELLO", proto)          # differ in the client id only

    # -- reads -------------------------------------------------------------------

    @rule(k=anykey)
    def scard(self, k):
        self.same(b"SCARD", k)

    @rule(k=anykey, m=member)
    def sismember(self, k, m):
        self.same(b"SISMEMBER", k, m)

    @rule(k=anykey, ms=members)
    def smismember(self, k, ms):
        self.same(b"SMISMEMBER", k, *ms)

    @rule(k=anykey)
    def smembers(self, k):
        if k in self.model and self.encoding(k) != "intset":
            got = set(flat(self.loose(b"SMEMBERS", k)))
        else:
            reply = self.same(b"SMEMBERS", k)
            if k not in self.model:
                return
            got = flat(reply)
            assert got == sorted_ints(got)
            got = set(got)
        assert got == self.model[k]

    @rule(keys=keylist)
    def sinter(self, keys):
        if self.wrongtype(keys) or any(k not in self.model for k in keys):
            self.same(b"SINTER", *keys)
            return
        sizes = [(len(self.model[k]), i) for i, k in enumerate(keys)]
        driver = keys[min(sizes)[1]]
        if self.encoding(driver) == "intset":
            reply = self.same(b"SINTER", *keys)
        else:
            reply = self.loose(b"SINTER", *keys)
        assert set(flat(reply)) == self.compute(b"SINTER", keys)

    @rule(keys=keylist, limit=st.sampled_from([None, b"0", b"1", b"2", b"5"]))
    def sintercard(self, keys, limit):
        args = (b"LIMIT", limit) if limit is not None else ()
        self.same(b"SINTERCARD", b"%d" % len(keys), *keys, *args)

    @rule(op=st.sampled_from([b"SUNION", b"SDIFF"]), keys=keylist)
    def union_diff(self, op, keys):
        if self.wrongtype(keys):
            self.same(op, *keys)
            return
        result = self.compute(op, keys)
        if self.result_is_intset(op, keys, result):
            reply = self.same(op, *keys)
            assert flat(reply) == sorted_ints(result)
        else:
            reply = self.loose(op, *keys)
            assert set(flat(reply)) == result

    @rule(k=anykey, count=st.sampled_from([None, 0, 1, 2, 5, 50, -1, -3, -20]))
    def srandmember(self, k, count):
        args = (b"%d" % count,) if count is not None else ()
        if k not in self.model:
            self.same(b"SRANDMEMBER", k, *args)
            return
        pool = self.model[k]
        if count is not None and count >= len(pool):
            if self.encoding(k) == "intset":
                self.same(b"SRANDMEMBER", k, *args)
            else:
                assert set(flat(self.loose(b"SRANDMEMBER", k, *args))) == pool
            return
        r, p = self.both(b"SRANDMEMBER", k, *args)
        for reply in (tparse(r), tparse(p)):
            if count is None:
                assert reply[0] == "$" and reply[1] in pool
            else:
                got = flat(reply)
                assert reply[0] == "*" and len(got) == abs(count)
                assert set(got) <= pool
                if count > 0:
                    assert len(set(got)) == count

    @rule(k=anykey, count=st.sampled_from([None, 0, 1, 2, 3, 5, 100]))
    def spop(self, k, count):
        args = (b"%d" % count,) if count is not None else ()
        if k not in self.model:
            self.same(b"SPOP", k, *args)
            return
        pool = self.model[k]
        size = len(pool)
        before = self.encoding(k)
        if count is not None and count >= size:
            # everything, built as a fresh set: ordered iff that is an intset
            if self.fits_intset(pool):
                self.same(b"SPOP", k, *args)
            else:
                assert set(flat(self.loose(b"SPOP", k, *args))) == pool
            self.same(b"EXISTS", k)
            del self.model[k]
            return
        r, p = self.both(b"SPOP", k, *args)
        outcomes = []
        for conn, reply in ((self.r, tparse(r)), (self.p, tparse(p))):
            if count is None:
                assert reply[0] == "$" and reply[1] in pool
                got = [reply[1]]
            else:
                got = flat(reply)
                assert reply[0] in "*~" and len(got) == count == len(set(got))
                assert set(got) <= pool
            left = pool - set(got)
            enc = tparse(conn.call(b"OBJECT", b"ENCODING", k))[1]
            enc = enc.decode() if enc is not None else None
            if count is not None and count > 0 and (size - count) * 5 <= count:
                # the survivors moved to a set made like setTypeCreate would
                assert enc == ("intset" if self.fits_intset(left) else "hashtable")
                if before == "intset":
                    assert got == sorted_ints(got)
            elif left:
                assert enc == before
            outcomes.append(left)
        assert tparse(r)[0] == tparse(p)[0]
        # continue from redis's outcome, rebuilt identically on both servers
        left = outcomes[0]
        self.same(b"DEL", k)
        if left:
            self.same(b"SADD", k, *sorted(left))
            self.model[k] = set(left)
        else:
            del self.model[k]

    @rule(k=anykey, opts=st.sampled_from([(), (b"COUNT", b"2"), (b"MATCH", b"1*"),
                                          (b"MATCH", b"*a*", b"COUNT", b"3")]))
    def sscan(self, k, opts):
        if k not in self.model or self.encoding(k) == "intset":
            self.same(b"SSCAN", k, b"0", *opts)
            return
        seen = []
        for conn in (self.r, self.p):
            cursor, got = b"0", set()
            while True:
                reply = tparse(conn.call(b"SSCAN", k, cursor, *opts))
                cursor = reply[1][0][1]
                got.update(flat(reply[1][1]))
                if cursor == b"0":
                    break
            seen.append(got)
        assert seen[0] == seen[1]

    @rule(k=anykey)
    def meta(self, k):
        self.same(b"TYPE", k)
        self.same(b"EXISTS", k)
        self.same(b"DEBUG", b"DIGEST-VALUE", k)

    # -- the model ------------------------------------------------------------------

    def compute(self, op, keys):
        sets = [self.model.get(k, set()) for k in keys]
        if op == b"SINTER":
            if any(k not in self.model for k in keys):
                return set()
            return set.intersection(*sets)
        if op == b"SUNION":
            return set.union(*sets)
        return sets[0].difference(*sets[1:])

    def result_is_intset(self, op, keys, result):
        """Is SUNION/SDIFF's temporary result an intset at the end?"""
        if not self.fits_intset(result):
            return False
        if op == b"SUNION" or keys[0] not in self.model:
            return True
        first = keys[0]
        if any(k == first for k in keys[1:]):
            return True                      # same set twice: empty result
        one = sum(len(self.model[first]) for k in keys if k in self.model) // 2
        two = sum(len(self.model[k]) for k in keys if k in self.model)
        if one <= two:
            return True                      # algorithm 1 adds only the result
        # algorithm 2 copies the whole first set first
        return self.fits_intset(self.model[first])

    @invariant()
    def cardinalities(self):
        for k in KEYS:
            r = self.same(b"SCARD", k)
            assert r[1] == len(self.model.get(k, ()))


def test_set_machine(ports):
    run_state_machine_as_test(SetMachine, settings=settings(
        max_examples=120, stateful_step_count=40, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
