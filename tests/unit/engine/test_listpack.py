"""engine/listpack: the byte format must be Redis's (RDB stores listpacks as
they are), so besides model tests the blobs are compared with what a real
redis-server DUMPs for the same content."""

import struct

import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from engine.listpack import Listpack, validate_blob
from helpers import RawConnection

ints = st.one_of(
    st.integers(-200, 200), st.integers(-5000, 5000), st.integers(-40000, 40000),
    st.integers(-9000000, 9000000), st.integers(-2 ** 31 - 5, 2 ** 31 + 5),
    st.integers(-2 ** 63, 2 ** 63 - 1)).map(lambda i: str(i).encode())
strings = st.one_of(st.binary(max_size=70), st.binary(min_size=4090, max_size=4100),
                    st.sampled_from([b"", b"01", b"-0", b"+1", b" 1", b"1.5", b"9223372036854775808"]))
values = st.one_of(ints, strings)


def model_value(v):
    """What a listpack hands back for an inserted string."""
    import re
    if re.fullmatch(rb"0|-?[1-9][0-9]*", v) and len(v) <= 20 and -2 ** 63 <= int(v) < 2 ** 63:
        return int(v)
    return v


def test_empty():
    lp = Listpack()
    assert len(lp) == 0 and lp.items() == [] and lp.blob() == b"\x07\x00\x00\x00\x00\x00\xff"
    assert lp.validate()


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["append", "prepend", "insert", "replace", "delete",
                                            "delete_range"]),
                          values, st.integers(-300, 300), st.integers(0, 5)), max_size=40))
def test_model(ops):
    lp = Listpack()
    model = []
    for op, v, idx, n in ops:
        if op == "append":
            lp.append(v)
            model.append(model_value(v))
        elif op == "prepend":
            lp.prepend(v)
            model.insert(0, model_value(v))
        elif not model:
            continue
        else:
            i = idx % len(model)
            if op == "insert":
                lp.insert(i, v, after=bool(n % 2))
                model.insert(i + (n % 2), model_value(v))
            elif op == "replace":
                lp.replace(i, v)
                model[i] = model_value(v)
            elif op == "delete":
                lp.delete(i)
                del model[i]
            else:
                lp.delete_range(i, n)
                del model[i:i + n]
        assert lp.items() == model
    assert lp.items_reversed() == model[::-1]
    assert len(lp) == len(model)
    assert lp.validate() and validate_blob(lp.blob())
    for i, v in enumerate(model):
        assert lp.get(i) == v and lp.get(i - len(model)) == v


def test_find_with_skip():
    lp = Listpack()
    for x in (b"f1", b"v1", b"7", b"f1", b"v2", b"8"):
        lp.append(x)
    assert lp.find(b"f1") == 0
    assert lp.find(b"7") == 2
    assert lp.find(b"8", skip=1) == -1         # fields at 0, 2, 4 only
    assert lp.find(b"v2", skip=1) == 4
    assert lp.find(b"07") == -1                # not the canonical integer 7


@pytest.mark.parametrize("blob", [
    b"", b"\x07\x00\x00\x00\x00\x00", b"\x07\x00\x00\x00\x00\x00\xfe",
    b"\x08\x00\x00\x00\x01\x00\x05\xff",                 # entry without its backlen
    b"\x09\x00\x00\x00\x02\x00\x05\x01\xff",             # count says 2, holds 1
    b"\x09\x00\x00\x00\x01\x00\x81\x02\xff",             # string longer than the blob
    b"\x09\x00\x00\x00\x01\x00\xf5\x01\xff",             # unused encoding
])
def test_validate_rejects(blob):
    assert not validate_blob(blob)


def _dump_listpack(conn, key):
    """The listpack blob inside a DUMP payload (rdbcompression off)."""
    payload = conn.call("DUMP", key)
    assert payload.startswith(b"$")
    body = payload[payload.index(b"\r\n") + 2:-2]
    data = body[1:-10]                       # type byte ... version(2) + crc(8)
    b0 = data[0]
    if b0 >> 6 == 0:
        n, off = b0 & 0x3F, 1
    elif b0 >> 6 == 1:
        n, off = ((b0 & 0x3F) << 8) | data[1], 2
    elif b0 == 0x80:
        n, off = struct.unpack(">I", data[1:5])[0], 5
    else:
        raise AssertionError("unexpected RDB length encoding %r" % data[:9])
    blob = data[off:off + n]
    assert len(blob) == n
    return blob


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(values, values), min_size=1, max_size=30, unique_by=lambda t: t[0]))
def test_same_bytes_as_redis(redis_server, pairs):
    conn = RawConnection(redis_server.port)
    try:
        conn.call("CONFIG", "SET", "rdbcompression", "no")
        conn.call("CONFIG", "SET", "hash-max-listpack-value", "100000")
        conn.call("DEL", "h")
        args = []
        for f, v in pairs:
            args += [f, v]
        conn.call("HSET", "h", *args)
        assert conn.call("OBJECT", "ENCODING", "h") == b"$8\r\nlistpack\r\n"
        redis_blob = _dump_listpack(conn, "h")
    finally:
        conn.call("CONFIG", "SET", "rdbcompression", "yes")
        conn.call("CONFIG", "SET", "hash-max-listpack-value", "64")
        conn.close()
    lp = Listpack()
    for f, v in pairs:
        lp.append(f)
        lp.append(v)
    assert lp.blob() == redis_blob
    assert Listpack(redis_blob).items() == lp.items()


def test_count_saturates_at_65535():
    """Past 65534 entries the header says 'unknown' (65535) and lengths are
    counted by walking; deleting back below keeps working."""
    lp = Listpack()
    for i in range(70000):
        lp.append(b"%d" % (i % 100))
    assert lp.blob()[4:6] == b"\xff\xff"
    assert len(lp) == 70000
    lp.delete_range(0, 69990)
    assert len(lp) == 10 and lp.validate()
