"""Property test: random sequences of keyspace commands give the same replies
on pyengine and the real redis-server.

The commands are the generic keyspace and database ones (RENAME, COPY,
MOVE, SWAPDB, EXPIREAT, PERSIST, ...) mixed with a few string writes, over a
handful of keys and three databases, so collisions (existing destinations,
same-key operations, TTLs carried or dropped) happen often. Time-dependent
replies are avoided: TTLs are absolute (far future, or past to delete),
read back with EXPIRETIME/PEXPIRETIME. KEYS is compared as a multiset.
"""

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.resp import ReplyReader, encode_command
from helpers import RawConnection

KEYS = [b"a", b"b", b"c", b"\x00k"]
DBS = [b"0", b"1", b"2"]
FUTURE = [b"4000000000", b"4000000001", b"4100000000"]
PAST = [b"1", b"0", b"-5"]

k = st.sampled_from(KEYS)
db = st.sampled_from(DBS + [b"3", b"16", b"x"])
when = st.sampled_from(FUTURE + PAST)
flag = st.sampled_from([(), (b"NX",), (b"XX",), (b"GT",), (b"LT",), (b"XX", b"GT"), (b"NX", b"XX")])
value = st.sampled_from([b"1", b"v", b"12345678901234567890", b"x" * 50])

command = st.one_of(
    st.tuples(st.just(b"SET"), k, value),
    st.tuples(st.just(b"APPEND"), k, value),
    st.tuples(st.just(b"INCR"), k),
    st.tuples(st.just(b"DEL"), k, k),
    st.tuples(st.just(b"UNLINK"), k),
    st.tuples(st.just(b"EXISTS"), k, k),
    st.tuples(st.just(b"TYPE"), k),
    st.tuples(st.just(b"TOUCH"), k),
    st.tuples(st.just(b"RENAME"), k, k),
    st.tuples(st.just(b"RENAMENX"), k, k),
    st.tuples(st.just(b"COPY"), k, k),
    st.tuples(st.just(b"COPY"), k, k, st.just(b"REPLACE")),
    st.tuples(st.just(b"COPY"), k, k, st.just(b"DB"), db),
    st.tuples(st.just(b"COPY"), k, k, st.just(b"DB"), db, st.just(b"REPLACE")),
    st.tuples(st.just(b"MOVE"), k, db),
    st.tuples(st.just(b"SELECT"), db),
    st.tuples(st.just(b"SWAPDB"), db, db),
    st.tuples(st.just(b"EXPIREAT"), k, when).flatmap(lambda t: flag.map(lambda f: t + f)),
    st.tuples(st.just(b"PEXPIREAT"), k, when.map(lambda w: w + b"123")).flatmap(
        lambda t: flag.map(lambda f: t + f)),
    st.tuples(st.just(b"PERSIST"), k),
    st.tuples(st.just(b"EXPIRETIME"), k),
    st.tuples(st.just(b"PEXPIRETIME"), k),
    st.tuples(st.just(b"OBJECT"), st.just(b"ENCODING"), k),
    st.tuples(st.just(b"GET"), k),
    st.tuples(st.just(b"DBSIZE")),
    st.tuples(st.just(b"FLUSHDB")),
)


def parse(raw):
    rd = ReplyReader()
    rd.feed(raw)
    return rd.gets()


@pytest.fixture(scope="module")
def conns(redis_server, pyengine_server):
    r, p = RawConnection(redis_server.port), RawConnection(pyengine_server.port)
    yield r, p
    for c in (r, p):
        c.call("FLUSHALL")
        c.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(command, min_size=1, max_size=25))
def test_random_keyspace_sequences(conns, ops):
    r, p = conns
    prologue = [(b"FLUSHALL",), (b"SELECT", b"0")]
    script = prologue + list(ops) + [(b"SELECT", b"0"), (b"KEYS", b"*"), (b"SELECT", b"1"),
                                     (b"KEYS", b"*"), (b"SELECT", b"2"), (b"KEYS", b"*")]
    for conn in (r, p):
        conn.send(b"".join(encode_command(*c) for c in script))
    for cmd in script:
        rr, pp = r.read_reply(), p.read_reply()
        if cmd[0] == b"KEYS":
            assert sorted(parse(pp)) == sorted(parse(rr)), (ops, cmd)
        else:
            assert pp == rr, (ops, cmd, rr, pp)
