"""RESTORE never crashes and never half-loads, whatever the payload.

Valid payloads of every type and encoding are built with DUMP, then
mutated (bytes flipped, inserted, deleted, the body truncated) and given a
correct footer again, so the parser itself meets the damage instead of the
checksum test. Every RESTORE must answer OK or ``ERR Bad data format``;
when it answers OK the key must behave: read completely, digested, dumped
again (and that payload restored identically), and written to. The engine
runs in this process, so a crash or a memory error fails the test run.

A second property: DUMP/RESTORE round trips keep the contents and the
encoding of random values, with compression on and off.
"""

import struct

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pyengine.embedded import Engine, ResponseError
from rdb_helpers import footer, stream_v1

SETTINGS = dict(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def build_seeds():
    """Payloads of every type/encoding, with and without compression."""
    seeds = []
    for compression in ("yes", "no"):
        e = Engine(rdbcompression=compression, list_max_listpack_size=4, list_compress_depth=1)
        e.execute("SET", "s1", "hello")
        e.execute("SET", "s2", "12345")
        e.execute("SET", "s3", "abc" * 40)
        e.execute("RPUSH", "l1", "a", "b", "1", "-300", "x" * 70)
        e.execute("RPUSH", "l2", *["item-%d" % i for i in range(40)])
        e.execute("SADD", "i1", "1", "2", "70000", "-5")
        e.execute("SADD", "h1", "a", "b", "c")
        e.execute("HSET", "hl", "f", "v", "n", "1", "big", "q" * 30)
        e.execute("HSET", "hh", *[x for i in range(20) for x in ("f%d" % i, "v" * 70)])
        e.execute("ZADD", "z1", "1", "a", "2.5", "b", "-inf", "c", "1e17", "12")
        e.execute("ZADD", "z2", *[x for i in range(140) for x in (str(i / 4), "m%d" % i)])
        e.execute("ZADD", "z3", "1", "a", "2", "q" * 80)
        add_streams(e)
        for key in ("s1", "s2", "s3", "l1", "l2", "i1", "h1", "hl", "hh", "z1", "z2", "z3",
                    "x1", "x2", "x3"):
            seeds.append(e.execute("DUMP", key))
        seeds.append(stream_v1(e.execute("DUMP", "x1")))
    # forms only Redis (or older Redis) writes: a zset listpack, a ziplist
    # hash, the plain list and the text-double zset
    e = Engine()
    e.execute("HSET", "zl", "a", "1", "b", "2.5", "c", "-3")
    hash_lp = e.execute("DUMP", "zl")
    seeds.append(footer(b"\x11" + hash_lp[1:-10]))         # the same listpack as a zset
    seeds.append(footer(b"\x01\x02\x01a\x01b"))
    seeds.append(footer(b"\x03\x02\x01a\x011\x01b\xfe"))
    zl = (struct.pack("<IIH", 0, 0, 2) + b"\x00\x01a" + b"\x03\x01b" + b"\xff")
    zl = struct.pack("<I", len(zl)) + struct.pack("<I", 13) + zl[8:]
    seeds.append(footer(b"\x0d" + bytes([len(zl)]) + zl))
    return seeds


def add_streams(e):
    """x1: three nodes, deleted entries, other fields, two groups with PELs
    and consumers; x2: one entry, one group, no consumer; x3: empty with a
    group."""
    e.execute("CONFIG", "SET", "stream-node-max-entries", "3")
    for i in range(1, 9):
        e.execute("XADD", "x1", "%d-1" % i, "f", str(i), "g", "v" * i)
    e.execute("XADD", "x1", "9-0", "other", "field")
    e.execute("XDEL", "x1", "2-1", "5-1")
    e.execute("XGROUP", "CREATE", "x1", "g1", "0")
    e.execute("XGROUP", "CREATE", "x1", "g2", "4-1")
    e.execute("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "2", "STREAMS", "x1", ">")
    e.execute("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "2", "STREAMS", "x1", ">")
    e.execute("XREADGROUP", "GROUP", "g2", "carol", "STREAMS", "x1", ">")
    e.execute("XGROUP", "CREATECONSUMER", "x1", "g2", "idle")
    e.execute("XADD", "x2", "1-1", "a", "b")
    e.execute("XGROUP", "CREATE", "x2", "g", "$")
    e.execute("XADD", "x3", "MAXLEN", "0", "5-5", "a", "b")
    e.execute("XGROUP", "CREATE", "x3", "g", "$")
    e.execute("CONFIG", "SET", "stream-node-max-entries", "100")


SEEDS = build_seeds()


def exercise_stream(e, key):
    """Every read of a stream and its groups, then writes that walk and
    change the nodes, the PELs and the consumers."""
    def ok(*args):
        try:
            return e.execute(*args)
        except ResponseError:
            return None
    e.execute("XRANGE", key, "-", "+")
    e.execute("XREVRANGE", key, "+", "-", "COUNT", "3")
    e.execute("XLEN", key)
    e.execute("XINFO", "STREAM", key)
    e.execute("XINFO", "STREAM", key, "FULL")
    for g in e.execute("XINFO", "GROUPS", key):
        name = g[1]
        e.execute("XINFO", "CONSUMERS", key, name)
        e.execute("XPENDING", key, name)
        for entry in e.execute("XPENDING", key, name, "-", "+", "100"):
            ok("XCLAIM", key, name, "someone", "0", entry[0])
        ok("XAUTOCLAIM", key, name, "other", "0", "0-0", "COUNT", "5")
        ok("XREADGROUP", "GROUP", name, "reader", "COUNT", "2", "STREAMS", key, ">")
        ok("XREADGROUP", "GROUP", name, "reader", "STREAMS", key, "0")
        ok("XACK", key, name, "1-1", "3-1", "4-1")
        ok("XGROUP", "DELCONSUMER", key, name, "someone")
    ok("XADD", key, "*", "new", "entry")
    first = e.execute("XRANGE", key, "-", "+", "COUNT", "1")
    if first:
        e.execute("XDEL", key, first[0][0])
    e.execute("XTRIM", key, "MAXLEN", "2")
    ok("XSETID", key, "99999999999999-0")
    ok("XGROUP", "DESTROY", key, "g1")
    e.execute("XRANGE", key, "-", "+")


def exercise(e, key):
    """Read, digest, dump, restore and write the key: must not crash."""
    t = e.execute("TYPE", key)
    if t == "string":
        e.execute("GET", key)
        e.execute("APPEND", key, "x")
    elif t == "list":
        e.execute("LRANGE", key, "0", "-1")
        e.execute("LINDEX", key, "-1")
        e.execute("LPUSH", key, "new")
        e.execute("LINSERT", key, "BEFORE", "new", "x")
        e.execute("RPOP", key)
    elif t == "set":
        e.execute("SMEMBERS", key)
        e.execute("SISMEMBER", key, "1")
        e.execute("SADD", key, "new", "5")
        e.execute("SREM", key, "1")
    elif t == "hash":
        e.execute("HGETALL", key)
        e.execute("HSET", key, "new", "v")
        e.execute("HDEL", key, "f")
        e.execute("HLEN", key)
    elif t == "zset":
        e.execute("ZRANGE", key, "0", "-1", "WITHSCORES")
        e.execute("ZADD", key, "3", "new")
        e.execute("ZREM", key, "a")
        e.execute("ZRANGEBYLEX", key, "-", "+")
        e.execute("ZRANGEBYSCORE", key, "-inf", "+inf")
        e.execute("ZRANK", key, "b")
        e.execute("ZADD", key, *[x for i in range(140) for x in (str(i), "grow%d" % i)])
        e.execute("ZPOPMIN", key)
    elif t == "stream":
        exercise_stream(e, key)
    if e.execute("EXISTS", key):
        e.execute("DEBUG", "DIGEST-VALUE", key)
        e.execute("OBJECT", "ENCODING", key)
        payload = e.execute("DUMP", key)
        e.execute("RESTORE", key + ":again", "0", payload)
        assert e.execute("DEBUG", "DIGEST-VALUE", key) == e.execute("DEBUG", "DIGEST-VALUE",
                                                                   key + ":again")
    e.execute("FLUSHALL")


def restore_or_bad_format(e, payload):
    try:
        return e.execute("RESTORE", "k", "0", payload, "REPLACE") == "OK"
    except ResponseError as err:
        assert str(err) == "ERR Bad data format", str(err)
        assert e.execute("EXISTS", "k") == 0
        return False


@pytest.fixture(scope="module", params=["no", "yes"])
def engine(request):
    return Engine(sanitize_dump_payload=request.param, set_max_intset_entries=8,
                  hash_max_listpack_entries=8, list_max_listpack_size=4)


def test_seeds_restore(engine):
    for payload in SEEDS:
        assert restore_or_bad_format(engine, payload), payload
        exercise(engine, "k")


mutation = st.tuples(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]),
                     st.integers(0, 10 ** 6), st.integers(0, 255), st.integers(1, 8))


@settings(**SETTINGS)
@given(st.sampled_from(SEEDS), st.lists(mutation, min_size=1, max_size=4))
def test_mutated_payloads(engine, seed, mutations):
    body = bytearray(seed[:-10])
    for kind, pos, byte, n in mutations:
        if not body:
            break
        i = pos % len(body)
        if kind == "flip":
            body[i] ^= 1 << (byte % 8)
        elif kind == "set":
            body[i] = byte
        elif kind == "insert":
            body[i:i] = bytes([byte]) * n
        elif kind == "delete":
            del body[i:i + n]
        else:
            del body[i:]
    if restore_or_bad_format(engine, footer(bytes(body))):
        exercise(engine, "k")


@settings(**SETTINGS)
@given(st.integers(0, 25), st.binary(max_size=200))
def test_random_bodies(engine, rdbtype, body):
    if restore_or_bad_format(engine, footer(bytes([rdbtype]) + body)):
        exercise(engine, "k")


def test_wrong_footer_is_a_checksum_error(engine):
    payload = bytearray(SEEDS[0])
    payload[-1] ^= 0xFF
    with pytest.raises(ResponseError, match="payload version or checksum are wrong"):
        engine.execute("RESTORE", "k", "0", bytes(payload))
    for short in (b"", b"x" * 9):
        with pytest.raises(ResponseError, match="payload version or checksum are wrong"):
            engine.execute("RESTORE", "k", "0", short)


# ---- round trips ----------------------------------------------------------------------------

values = st.binary(max_size=80) | st.integers(-2 ** 63, 2 ** 63 - 1).map(lambda i: str(i).encode())
members = st.lists(values, min_size=1, max_size=40, unique=True)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["yes", "no"]),
       st.sampled_from(["string", "list", "set", "hash", "zset", "stream"]),
       members, st.lists(st.floats(allow_nan=False), min_size=40, max_size=40))
def test_dump_restore_round_trip(compression, kind, items, scores):
    e = Engine(rdbcompression=compression, set_max_intset_entries=16,
               hash_max_listpack_entries=16, list_max_listpack_size=5, list_compress_depth=1,
               zset_max_listpack_entries=16, stream_node_max_entries=4)
    if kind == "string":
        e.execute("SET", "k", items[0])
    elif kind == "list":
        e.execute("RPUSH", "k", *items)
    elif kind == "set":
        e.execute("SADD", "k", *items)
    elif kind == "hash":
        e.execute("HSET", "k", *[x for m in items for x in (m, m[::-1])])
    elif kind == "zset":
        e.execute("ZADD", "k", *[x for m, s in zip(items, scores) for x in (repr(s), m)])
    else:
        for i, m in enumerate(items):
            e.execute("XADD", "k", "%d-%d" % (i // 3 + 1, i % 3), "f", m, *(["g", m] * (i % 2)))
        e.execute("XGROUP", "CREATE", "k", "g", "0")
        e.execute("XREADGROUP", "GROUP", "g", "c%d" % len(items), "COUNT", str(len(items) // 2),
                  "STREAMS", "k", ">")
        if len(items) > 2:
            e.execute("XDEL", "k", "1-1")
    payload = e.execute("DUMP", "k")
    e.execute("RESTORE", "k2", "0", payload)
    assert e.execute("DEBUG", "DIGEST-VALUE", "k") == e.execute("DEBUG", "DIGEST-VALUE", "k2")
    assert e.execute("OBJECT", "ENCODING", "k") == e.execute("OBJECT", "ENCODING", "k2")
    if e.execute("OBJECT", "ENCODING", "k") != b"hashtable":   # the order depends on the table
        assert e.execute("DUMP", "k2") == payload
