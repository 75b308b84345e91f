"""Property test: random sequences of sorted set commands give byte-identical
replies on pyengine and the real redis-server.

A hypothesis state machine sends every sorted set command with random
options (valid and invalid: bad floats, bad lex items, conflicting flags,
wrong types) over three sorted set keys and one string key, switches between
RESP2 and RESP3, and after each step compares the raw replies. Every few
steps and at the end DEBUG DIGEST of the whole dataset must match. ZRANDMEMBER
is sent only in its deterministic forms (count 0 or at least the set size);
lex ranges only to listpack-encoded sets or sets whose members all have the
same score (over mixed scores a skiplist's result depends on its random
levels, in Redis too). A rule changes zset-max-listpack-entries/-value on
both servers (small limits make every command cross the thresholds); the
defaults are restored afterwards. ZSCAN is compared raw on listpacks and as
a set of pairs on skiplists (the dict walk order is not Redis's)."""

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from engine.resp import ReplyReader
from helpers import RawConnection

ZKEYS = [b"z1", b"z2", b"z3"]
key = st.sampled_from(ZKEYS + [b"str", b"none"])
zkey = st.sampled_from(ZKEYS)
member = st.sampled_from([b"a", b"b", b"c", b"d", b"e", b"ab", b"", b"\x00x", b"10", b"-1"])
score = st.one_of(
    st.sampled_from([b"0", b"1", b"-1", b"1.5", b"2.5", b"3", b"0.1", b"0.2", b"1e20", b"-0",
                     b"inf", b"-inf", b"+inf", b"100"]),
    st.sampled_from([b"x", b"nan", b"(1", b" 1", b""]),           # invalid
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda f: repr(f).encode()),
)
score_bound = st.sampled_from([b"-inf", b"+inf", b"(-inf", b"0", b"(0", b"1", b"(1", b"1.5", b"(1.5",
                               b"2.5", b"(3", b"100", b"x", b"(", b"nan"])
lex_bound = st.sampled_from([b"-", b"+", b"[a", b"(a", b"[ab", b"(c", b"[c", b"[e", b"[", b"(",
                             b"a", b""])
rank = st.sampled_from([b"0", b"1", b"2", b"-1", b"-2", b"-3", b"5", b"-10", b"100", b"x"])
limit = st.one_of(st.just(()), st.tuples(st.just(b"LIMIT"), st.sampled_from([b"0", b"1", b"2", b"-1",
                                                                             b"10", b"x"]),
                                         st.sampled_from([b"0", b"1", b"3", b"-1", b"x"])))
zadd_flags = st.lists(st.sampled_from([b"NX", b"XX", b"GT", b"LT", b"CH", b"INCR"]),
                      max_size=3, unique=True)
count_arg = st.sampled_from([b"0", b"1", b"2", b"5", b"-1", b"x"])

CONNS = {}


class ZSetCommandMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.r, self.p = CONNS["r"], CONNS["p"]
        self.steps = 0

    def send(self, *args):
        args = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        self.r.send_command(*args)
        self.p.send_command(*args)
        rr, pr = self.r.read_reply(), self.p.read_reply()
        assert pr == rr, "command %r\n redis:    %r\n pyengine: %r" % (args, rr, pr)
        return rr

    def hello_both(self, proto):
        """HELLO replies differ in the connection id: not compared."""
        for c in (self.r, self.p):
            c.send_command(b"HELLO", proto)
        self.r.read_reply()
        self.p.read_reply()

    def lex_ok(self, k):
        """True when lex ranges on ``k`` are deterministic: not a sorted set,
        a listpack, or all its scores are equal."""
        if self.send(b"OBJECT", b"ENCODING", k) == b"$8\r\nlistpack\r\n":
            return True
        rd = ReplyReader()
        rd.feed(self.send(b"ZRANGE", k, b"0", b"-1", b"WITHSCORES"))
        v = rd.gets()
        if not isinstance(v, list) or not v:
            return True
        scores = v[1::2] if not isinstance(v[0], list) else [pair[1] for pair in v]
        return len({float(x) for x in scores}) == 1

    @initialize()
    def reset(self):
        self.hello_both(b"2")
        self.send(b"FLUSHALL")
        self.send(b"CONFIG", b"SET", b"zset-max-listpack-entries", b"128")
        self.send(b"CONFIG", b"SET", b"zset-max-listpack-value", b"64")
        self.send(b"SET", b"str", b"value")
        self.send(b"ZADD", b"z1", b"1", b"a", b"2", b"b", b"3", b"c")

    @rule(k=key, flags=zadd_flags, pairs=st.lists(st.tuples(score, member), min_size=1, max_size=3),
          odd=st.booleans())
    def zadd(self, k, flags, pairs, odd):
        args = [b"ZADD", k] + flags
        for s, m in pairs:
            args += [s, m]
        if odd:
            args.append(b"1")
        self.send(*args)

    @rule(k=key, s=score, m=member)
    def zincrby(self, k, s, m):
        self.send(b"ZINCRBY", k, s, m)

    @rule(k=key, ms=st.lists(member, min_size=1, max_size=3))
    def zrem(self, k, ms):
        self.send(b"ZREM", k, *ms)

    @rule(k=key, m=member, which=st.sampled_from([b"ZSCORE", b"ZRANK", b"ZREVRANK"]))
    def single_reads(self, k, m, which):
        self.send(which, k, m)

    @rule(k=key, ms=st.lists(member, min_size=1, max_size=3))
    def zmscore_zcard(self, k, ms):
        self.send(b"ZMSCORE", k, *ms)
        self.send(b"ZCARD", k)

    @rule(k=key, a=rank, b=rank, rev=st.booleans(), ws=st.booleans(), lim=limit)
    def zrange_rank(self, k, a, b, rev, ws, lim):
        self.send(b"ZRANGE", k, a, b, *([b"REV"] if rev else []), *([b"WITHSCORES"] if ws else []), *lim)

    @rule(k=key, a=score_bound, b=score_bound, rev=st.booleans(), ws=st.booleans(), lim=limit)
    def zrange_score(self, k, a, b, rev, ws, lim):
        opts = [b"BYSCORE"] + ([b"REV"] if rev else []) + ([b"WITHSCORES"] if ws else []) + list(lim)
        self.send(b"ZRANGE", k, a, b, *opts)
        self.send(b"ZREVRANGEBYSCORE" if rev else b"ZRANGEBYSCORE", k, a, b,
                  *([b"WITHSCORES"] if ws else []), *lim)

    @rule(k=zkey, ms=st.lists(member, min_size=1, max_size=4), s=st.sampled_from([b"0", b"1"]))
    def zadd_same_score(self, k, ms, s):
        self.send(b"ZADD", k, *[x for m in ms for x in (s, m)])

    @rule(k=key, a=lex_bound, b=lex_bound, rev=st.booleans(), lim=limit, ws=st.booleans())
    def zrange_lex(self, k, a, b, rev, lim, ws):
        if not self.lex_ok(k):
            return
        self.send(b"ZRANGE", k, a, b, b"BYLEX", *([b"REV"] if rev else []), *lim,
                  *([b"WITHSCORES"] if ws else []))
        self.send(b"ZREVRANGEBYLEX" if rev else b"ZRANGEBYLEX", k, a, b, *lim)

    @rule(k=key, a=rank, b=rank, ws=st.booleans())
    def zrevrange(self, k, a, b, ws):
        self.send(b"ZREVRANGE", k, a, b, *([b"WITHSCORES"] if ws else []))

    @rule(dst=key, src=key, kind=st.sampled_from(["rank", "score", "lex"]), data=st.data())
    def zrangestore(self, dst, src, kind, data):
        if kind == "rank":
            a, b, opts = data.draw(rank), data.draw(rank), []
        elif kind == "score":
            a, b, opts = data.draw(score_bound), data.draw(score_bound), [b"BYSCORE"]
        else:
            if not self.lex_ok(src):
                return
            a, b, opts = data.draw(lex_bound), data.draw(lex_bound), [b"BYLEX"]
        if data.draw(st.booleans()):
            opts.append(b"REV")
        opts += list(data.draw(limit))
        self.send(b"ZRANGESTORE", dst, src, a, b, *opts)

    @rule(k=key, a=score_bound, b=score_bound, la=lex_bound, lb=lex_bound)
    def counts(self, k, a, b, la, lb):
        self.send(b"ZCOUNT", k, a, b)
        if self.lex_ok(k):
            self.send(b"ZLEXCOUNT", k, la, lb)

    @rule(k=key, a=rank, b=rank)
    def zremrangebyrank(self, k, a, b):
        self.send(b"ZREMRANGEBYRANK", k, a, b)

    @rule(k=key, a=score_bound, b=score_bound)
    def zremrangebyscore(self, k, a, b):
        self.send(b"ZREMRANGEBYSCORE", k, a, b)

    @rule(k=key, a=lex_bound, b=lex_bound)
    def zremrangebylex(self, k, a, b):
        if self.lex_ok(k):
            self.send(b"ZREMRANGEBYLEX", k, a, b)

    @rule(k=key, which=st.sampled_from([b"ZPOPMIN", b"ZPOPMAX"]), cnt=st.one_of(st.just(None), count_arg))
    def zpop(self, k, which, cnt):
        self.send(which, k, *([cnt] if cnt is not None else []))

    @rule(ks=st.lists(key, min_size=1, max_size=3), where=st.sampled_from([b"MIN", b"MAX", b"max", b"X"]),
          cnt=st.one_of(st.just(None), count_arg))
    def zmpop(self, ks, where, cnt):
        self.send(b"ZMPOP", len(ks), *ks, where, *([b"COUNT", cnt] if cnt is not None else []))

    @rule(op=st.sampled_from([b"ZUNION", b"ZINTER", b"ZDIFF"]), ks=st.lists(key, min_size=1, max_size=3),
          store=st.one_of(st.just(None), key), data=st.data())
    def setop(self, op, ks, store, data):
        opts = []
        if op != b"ZDIFF" and data.draw(st.booleans()):
            opts += [b"WEIGHTS"] + [data.draw(st.sampled_from([b"1", b"2", b"-1", b"0.5", b"0", b"inf",
                                                               b"x"])) for _ in ks]
        if op != b"ZDIFF" and data.draw(st.booleans()):
            opts += [b"AGGREGATE", data.draw(st.sampled_from([b"SUM", b"MIN", b"MAX", b"avg"]))]
        if store is None and data.draw(st.booleans()):
            opts.append(b"WITHSCORES")
        numkeys = str(len(ks) + data.draw(st.sampled_from([0, 0, 0, 1, -len(ks)]))).encode()
        if store is None:
            self.send(op, numkeys, *ks, *opts)
        else:
            self.send(op + b"STORE", store, numkeys, *ks, *opts)

    @rule(ks=st.lists(key, min_size=1, max_size=3), lim=st.one_of(st.just(()), st.tuples(
        st.just(b"LIMIT"), st.sampled_from([b"0", b"1", b"2", b"-1", b"x"]))))
    def zintercard(self, ks, lim):
        self.send(b"ZINTERCARD", len(ks), *ks, *lim)

    @rule(k=key, cnt=st.sampled_from([b"0", b"100", b"x"]), ws=st.booleans())
    def zrandmember(self, k, cnt, ws):
        self.send(b"ZRANDMEMBER", k, cnt, *([b"WITHSCORES"] if ws else []))

    @rule(entries=st.sampled_from([b"0", b"1", b"2", b"3", b"5", b"128"]),
          value=st.sampled_from([b"0", b"1", b"2", b"64"]))
    def thresholds(self, entries, value):
        self.send(b"CONFIG", b"SET", b"zset-max-listpack-entries", entries)
        self.send(b"CONFIG", b"SET", b"zset-max-listpack-value", value)

    @rule(k=key, match=st.sampled_from([None, b"*", b"a*", b"?", b"[a-c]*"]),
          count=st.sampled_from([None, b"1", b"100", b"0", b"x"]))
    def zscan(self, k, match, count):
        args = [b"ZSCAN", k, b"0"] + ([b"MATCH", match] if match else []) + \
            ([b"COUNT", count] if count else [])
        if self.send(b"OBJECT", b"ENCODING", k) != b"$8\r\nskiplist\r\n":
            self.send(*args)
            return
        found = []
        for c in (self.r, self.p):
            cursor, pairs = b"0", set()
            while True:
                args[2] = cursor
                c.send_command(*args)
                raw = c.read_reply()
                if raw.startswith(b"-"):
                    pairs = raw
                    break
                rd = ReplyReader()
                rd.feed(raw)
                cursor, items = rd.gets()
                pairs |= set(zip(items[::2], items[1::2]))
                if cursor == b"0":
                    break
            found.append(pairs)
        assert found[0] == found[1]

    def send_blocking(self, *args):
        """A blocking command that would block (every key missing) is sent
        inside MULTI, where it answers at once as if timed out."""
        keys_exist = self.send(b"EXISTS", *args[1])
        if keys_exist == b":0\r\n":
            self.send(b"MULTI")
            self.send(*args[0])
            self.send(b"EXEC")
        else:
            self.send(*args[0])

    @rule(ks=st.lists(key, min_size=1, max_size=3), which=st.sampled_from([b"BZPOPMIN", b"BZPOPMAX"]))
    def bzpop(self, ks, which):
        self.send_blocking((which, *ks, b"0"), ks)

    @rule(ks=st.lists(key, min_size=1, max_size=3), where=st.sampled_from([b"MIN", b"MAX"]),
          cnt=st.one_of(st.just(None), count_arg))
    def bzmpop(self, ks, where, cnt):
        self.send_blocking((b"BZMPOP", b"0", len(ks), *ks, where,
                            *([b"COUNT", cnt] if cnt is not None else [])), ks)

    @rule(k=key)
    def meta(self, k):
        self.send(b"TYPE", k)
        self.send(b"EXISTS", k)
        if self.send(b"TYPE", k) == b"+zset\r\n":
            self.send(b"OBJECT", b"ENCODING", k)
        self.send(b"DEBUG", b"DIGEST-VALUE", k)

    @rule(src=zkey, dst=zkey)
    def copy(self, src, dst):
        self.send(b"COPY", src, dst, b"REPLACE")

    @rule(proto=st.sampled_from([b"2", b"3"]))
    def hello(self, proto):
        self.hello_both(proto)

    @invariant()
    def digest(self):
        self.steps += 1
        if self.steps % 5 == 0:
            self.send(b"DEBUG", b"DIGEST")

    def teardown(self):
        self.send(b"DEBUG", b"DIGEST")


@pytest.fixture(scope="module")
def conns(redis_server, pyengine_server):
    r, p = RawConnection(redis_server.port), RawConnection(pyengine_server.port)
    yield r, p
    for c in (r, p):
        c.call("HELLO", "2")
        c.call("FLUSHALL")
        c.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
        c.call("CONFIG", "SET", "zset-max-listpack-value", "64")
        c.close()


def test_random_zset_command_sequences(conns):
    CONNS["r"], CONNS["p"] = conns
    run_state_machine_as_test(
        ZSetCommandMachine,
        settings=settings(max_examples=120, stateful_step_count=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]))
