"""Property test: random sequences of stream commands give byte-identical
replies on pyengine and the real redis-server.

A hypothesis state machine sends every stream command with random options
(valid and invalid: bad IDs, conflicting trim options, missing groups, wrong
types) over two stream keys and one string key, with small nodes
(stream-node-max-entries 4) so node boundaries and approximate trimming are
exercised, switches between RESP2 and RESP3, and compares the raw replies
after each step. Every few steps and at the end DEBUG DIGEST of the dataset
and XINFO of both streams must match.

What depends on the clock is kept out or masked: IDs are explicit or
``<ms>-*`` (never ``*``), min-idle times are 0 or far above any real idle
time, and the idle / seen-time / delivery-time fields of XPENDING and XINFO
are masked (tests/stream_helpers.py)."""

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from helpers import RawConnection
from resp_struct import parse
from stream_helpers import mask

SKEYS = [b"s1", b"s2"]
key = st.sampled_from(SKEYS + [b"str", b"none"])
skey = st.sampled_from(SKEYS)
group = st.sampled_from([b"g1", b"g2", b"nog"])
consumer = st.sampled_from([b"alice", b"bob", b"carol"])
ms = st.integers(0, 40)
entry_id = st.one_of(
    st.tuples(ms, st.integers(0, 3)).map(lambda t: b"%d-%d" % t),
    ms.map(lambda m: b"%d" % m),
    st.sampled_from([b"-", b"+", b"0-0", b"x", b"(3", b"18446744073709551615-18446744073709551615"]),
)
range_bound = st.one_of(entry_id, st.tuples(ms, st.integers(0, 3)).map(lambda t: b"(%d-%d" % t))
count_arg = st.sampled_from([b"0", b"1", b"2", b"5", b"-1", b"x"])
field = st.sampled_from([b"a", b"b", b"f", b"12", b""])
value = st.sampled_from([b"v", b"1", b"", b"w" * 70, b"-3"])
idle = st.sampled_from([b"0", b"0", b"3600000", b"-5", b"x"])

CONNS = {}


class StreamCommandMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.r, self.p = CONNS["r"], CONNS["p"]
        self.steps = 0

    def both(self, *args):
        args = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        self.r.send_command(*args)
        self.p.send_command(*args)
        return args, self.r.read_reply(), self.p.read_reply()

    def send(self, *args):
        args, rr, pr = self.both(*args)
        assert pr == rr, "command %r\n redis:    %r\n pyengine: %r" % (args, rr, pr)
        return rr

    def send_masked(self, *args):
        """Replies with time fields (XINFO's, XPENDING's idle) masked."""
        args, rr, pr = self.both(*args)
        rn, pn = mask(parse(rr)), mask(parse(pr))
        if args[0] == b"XPENDING" and rn.kind == "*" and rn.value and all(
                e.kind == "*" and e.value and len(e.value) == 4 for e in rn.value):
            strip = lambda n: [tuple(e.value[:2]) + tuple(e.value[3:]) for e in n.value]
            rn, pn = strip(rn), strip(pn) if pn.kind == "*" and pn.value else pn
        assert pn == rn, "command %r\n redis:    %r\n pyengine: %r" % (args, rr, pr)
        return rr

    def hello_both(self, proto):
        for c in (self.r, self.p):
            c.send_command(b"HELLO", proto)
        self.r.read_reply()
        self.p.read_reply()

    @initialize()
    def reset(self):
        self.hello_both(b"2")
        self.send(b"FLUSHALL")
        self.send(b"SET", b"str", b"value")
        self.send(b"XADD", b"s1", b"1-0", b"a", b"1")
        self.send(b"XGROUP", b"CREATE", b"s1", b"g1", b"0")

    @rule(k=key, i=st.one_of(entry_id, ms.map(lambda m: b"%d-*" % m)),
          pairs=st.lists(st.tuples(field, value), min_size=1, max_size=3),
          trim=st.one_of(st.just(()), st.tuples(st.sampled_from([b"MAXLEN", b"MINID"]),
                                                st.sampled_from([b"~", b"=", None]),
                                                st.sampled_from([b"0", b"3", b"10", b"20-0", b"x"]),
                                                st.sampled_from([None, b"2", b"0", b"x"]))),
          nomk=st.booleans())
    def xadd(self, k, i, pairs, trim, nomk):
        args = [b"XADD", k]
        if nomk:
            args.append(b"NOMKSTREAM")
        if trim:
            strategy, how, threshold, limit = trim
            args += [strategy] + ([how] if how else []) + [threshold]
            if limit is not None:
                args += [b"LIMIT", limit]
        args.append(i)
        for f, v in pairs:
            args += [f, v]
        self.send(*args)

    @rule(k=key, a=range_bound, b=range_bound, cnt=st.one_of(st.just(None), count_arg), rev=st.booleans())
    def xrange(self, k, a, b, cnt, rev):
        opts = [b"COUNT", cnt] if cnt is not None else []
        if rev:
            self.send(b"XREVRANGE", k, b, a, *opts)
        else:
            self.send(b"XRANGE", k, a, b, *opts)

    @rule(k=key, ids=st.lists(entry_id, min_size=1, max_size=3))
    def xdel(self, k, ids):
        self.send(b"XDEL", k, *ids)

    @rule(k=key, strategy=st.sampled_from([b"MAXLEN", b"MINID"]), how=st.sampled_from([b"~", b"=", None]),
          threshold=st.sampled_from([b"0", b"2", b"5", b"15-0", b"30", b"-1"]),
          limit=st.sampled_from([None, b"1", b"4", b"0"]))
    def xtrim(self, k, strategy, how, threshold, limit):
        args = [b"XTRIM", k, strategy] + ([how] if how else []) + [threshold]
        if limit is not None:
            args += [b"LIMIT", limit]
        self.send(*args)

    @rule(k=key)
    def xlen(self, k):
        self.send(b"XLEN", k)

    @rule(k=key, i=entry_id, added=st.sampled_from([None, b"0", b"3", b"100"]),
          maxdel=st.sampled_from([None, b"0-0", b"2-0", b"99-0"]))
    def xsetid(self, k, i, added, maxdel):
        args = [b"XSETID", k, i]
        if added is not None:
            args += [b"ENTRIESADDED", added]
        if maxdel is not None:
            args += [b"MAXDELETEDID", maxdel]
        self.send(*args)

    @rule(k=key, g=group, i=st.one_of(entry_id, st.just(b"$")), mk=st.booleans(),
          er=st.sampled_from([None, b"0", b"3", b"-1", b"-2"]))
    def xgroup_create(self, k, g, i, mk, er):
        args = [b"XGROUP", b"CREATE", k, g, i]
        if mk:
            args.append(b"MKSTREAM")
        if er is not None:
            args += [b"ENTRIESREAD", er]
        self.send(*args)

    @rule(k=key, g=group, i=st.one_of(entry_id, st.just(b"$")), er=st.sampled_from([None, b"0", b"2"]))
    def xgroup_setid(self, k, g, i, er):
        self.send(b"XGROUP", b"SETID", k, g, i, *([b"ENTRIESREAD", er] if er else []))

    @rule(k=key, g=group, c=consumer, which=st.sampled_from([b"CREATECONSUMER", b"DELCONSUMER", b"DESTROY"]))
    def xgroup_other(self, k, g, c, which):
        if which == b"DESTROY":
            self.send(b"XGROUP", which, k, g)
        else:
            self.send(b"XGROUP", which, k, g, c)

    @rule(ks=st.lists(key, min_size=1, max_size=2), ids=st.data(), cnt=st.one_of(st.just(None), count_arg))
    def xread(self, ks, ids, cnt):
        opts = [b"COUNT", cnt] if cnt is not None else []
        idl = [ids.draw(st.one_of(entry_id, st.just(b"$"))) for _ in ks]
        self.send(b"XREAD", *opts, b"STREAMS", *ks, *idl)

    @rule(g=group, c=consumer, ks=st.lists(key, min_size=1, max_size=2), data=st.data(),
          cnt=st.one_of(st.just(None), count_arg), noack=st.booleans())
    def xreadgroup(self, g, c, ks, data, cnt, noack):
        opts = ([b"COUNT", cnt] if cnt is not None else []) + ([b"NOACK"] if noack else [])
        idl = [data.draw(st.one_of(st.just(b">"), st.just(b">"), entry_id)) for _ in ks]
        self.send(b"XREADGROUP", b"GROUP", g, c, *opts, b"STREAMS", *ks, *idl)

    @rule(k=key, g=group, ids=st.lists(entry_id, min_size=1, max_size=3))
    def xack(self, k, g, ids):
        self.send(b"XACK", k, g, *ids)

    @rule(k=key, g=group, form=st.sampled_from(["summary", "range", "consumer", "idle"]),
          a=range_bound, b=range_bound, cnt=count_arg, c=consumer, i=idle)
    def xpending(self, k, g, form, a, b, cnt, c, i):
        if form == "summary":
            self.send_masked(b"XPENDING", k, g)
        elif form == "range":
            self.send_masked(b"XPENDING", k, g, a, b, cnt)
        elif form == "consumer":
            self.send_masked(b"XPENDING", k, g, a, b, cnt, c)
        else:
            self.send_masked(b"XPENDING", k, g, b"IDLE", i, a, b, cnt)

    @rule(k=key, g=group, c=consumer, minidle=idle, ids=st.lists(entry_id, min_size=1, max_size=3),
          opts=st.lists(st.sampled_from([(b"JUSTID",), (b"FORCE",), (b"RETRYCOUNT", b"3"),
                                         (b"IDLE", b"0"), (b"LASTID", b"20-0"), (b"TIME", b"x")]),
                        max_size=3))
    def xclaim(self, k, g, c, minidle, ids, opts):
        flat = [x for o in opts for x in o]
        self.send(b"XCLAIM", k, g, c, minidle, *ids, *flat)

    @rule(k=key, g=group, c=consumer, minidle=idle, start=range_bound,
          cnt=st.one_of(st.just(None), st.sampled_from([b"1", b"2", b"10", b"0", b"x"])),
          justid=st.booleans())
    def xautoclaim(self, k, g, c, minidle, start, cnt, justid):
        opts = ([b"COUNT", cnt] if cnt is not None else []) + ([b"JUSTID"] if justid else [])
        self.send(b"XAUTOCLAIM", k, g, c, minidle, start, *opts)

    @rule(k=key, g=group, sub=st.sampled_from(["stream", "full", "groups", "consumers"]),
          cnt=st.sampled_from([None, b"1", b"0"]))
    def xinfo(self, k, g, sub, cnt):
        if sub == "stream":
            self.send(b"XINFO", b"STREAM", k)
        elif sub == "full":
            self.send_masked(b"XINFO", b"STREAM", k, b"FULL", *([b"COUNT", cnt] if cnt else []))
        elif sub == "groups":
            self.send(b"XINFO", b"GROUPS", k)
        else:
            self.send_masked(b"XINFO", b"CONSUMERS", k, g)

    @rule(src=skey, dst=skey)
    def copy(self, src, dst):
        self.send(b"COPY", src, dst, b"REPLACE")

    @rule(k=key)
    def meta(self, k):
        self.send(b"TYPE", k)
        self.send(b"EXISTS", k)
        self.send(b"DEBUG", b"DIGEST-VALUE", k)

    @rule(proto=st.sampled_from([b"2", b"3"]))
    def hello(self, proto):
        self.hello_both(proto)

    @invariant()
    def digest(self):
        self.steps += 1
        if self.steps % 5 == 0:
            self.send(b"DEBUG", b"DIGEST")
            for k in SKEYS:
                self.send(b"XINFO", b"GROUPS", k)
                self.send(b"XINFO", b"STREAM", k)

    def teardown(self):
        self.send(b"DEBUG", b"DIGEST")
        for k in SKEYS:
            self.send_masked(b"XINFO", b"STREAM", k, b"FULL")


@pytest.fixture(scope="module")
def conns(redis_server, pyengine_server):
    r, p = RawConnection(redis_server.port), RawConnection(pyengine_server.port)
    for c in (r, p):
        c.call("CONFIG", "SET", "stream-node-max-entries", "4")
    yield r, p
    for c in (r, p):
        c.call("HELLO", "2")
        c.call("FLUSHALL")
        c.call("CONFIG", "SET", "stream-node-max-entries", "100")
        c.close()


def test_random_stream_command_sequences(conns):
    CONNS["r"], CONNS["p"] = conns
    run_state_machine_as_test(
        StreamCommandMachine,
        settings=settings(max_examples=120, stateful_step_count=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]))
