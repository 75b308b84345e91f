"""engine/lzf: liblzf's format. Round trips, hand-made blocks, corrupt input
that must be refused without touching memory outside the buffers, and
cross-checks with what a real redis-server compresses (DUMP of a string
with rdbcompression yes is an LZF block)."""

import os
import random

import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from engine import lzf
from helpers import RawConnection, ServerProcess


def test_empty_and_tiny():
    assert lzf.compress(b"") is None
    assert lzf.compress(b"a") == b"\x00a"
    assert lzf.compress(b"ab") == b"\x01ab"
    assert lzf.compress(b"abc") == b"\x02abc"
    assert lzf.decompress(b"", 0) == b""
    assert lzf.decompress(b"\x00a", 1) == b"a"


def test_literal_runs_split_at_32():
    data = bytes(range(100))
    out = lzf.compress(data)
    assert out[0] == 31 and out[33] == 31 and out[66] == 31 and out[99] == 3
    assert lzf.decompress(out, 100) == data


def test_run_of_one_byte_is_a_self_overlapping_reference():
    data = b"a" * 100
    out = lzf.compress(data)
    assert len(out) < 10
    assert lzf.decompress(out, 100) == data


def test_hand_made_blocks():
    # literal "abc", then a back reference of 3 bytes, 3 back (offset 2)
    assert lzf.decompress(b"\x02abc" + bytes([(1 << 5) | 0, 2]), 6) == b"abcabc"
    # long form: L=7, extra 3 -> 12 bytes, 1 back: "x" * 12
    assert lzf.decompress(b"\x00x" + bytes([(7 << 5) | 0, 3, 0]), 13) == b"x" * 13


@pytest.mark.parametrize("block,out_len", [
    (b"\x05abc", 6),                       # literal run past the input end
    (b"\x02abc", 2),                       # literal run past the output end
    (b"\x00a\x20", 5),                     # reference missing its offset byte
    (b"\x00a\xe0", 20),                    # long reference missing its length byte
    (b"\x00a\xe0\x01", 20),                # long reference missing its offset byte
    (b"\x00a\x20\x01", 5),                 # reference before the output start
    (b"\x20\x00", 5),                      # reference with no output yet
    (b"\x00a\x20\x00", 2),                 # reference past the output end
    (b"\x00a\xff\xff\xff", 400),           # far reference before the start
])
def test_corrupt_blocks_are_refused(block, out_len):
    assert lzf.decompress_prefix(block, out_len) is None
    with pytest.raises(ValueError):
        lzf.decompress(block, out_len)


def test_compress_respects_out_len():
    data = os.urandom(200)
    assert lzf.compress(data, len(data)) is None          # incompressible
    data = b"hello world " * 30
    full = lzf.compress(data)
    assert lzf.compress(data, len(full)) is None or len(lzf.compress(data, len(full))) <= len(full)
    assert lzf.compress(data, len(full) + 3) == full
    for cap in range(0, len(full) + 5):
        r = lzf.compress(data, cap)
        assert r is None or (len(r) <= cap and lzf.decompress(r, len(data)) == data)


texts = st.one_of(
    st.binary(max_size=3000),
    st.lists(st.sampled_from([b"a", b"ab", b"hello", b"\x00", b"xyz" * 7, b"12345"]),
             max_size=400).map(b"".join),
    st.tuples(st.binary(min_size=1, max_size=40), st.integers(1, 400)).map(lambda t: t[0] * t[1]),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_round_trip(data):
    out = lzf.compress(data)
    if not data:
        assert out is None
        return
    assert out is not None
    assert lzf.decompress(out, len(data)) == data
    # a smaller output buffer gives the same block or refuses
    short = lzf.compress(data, len(out))
    assert short is None or short == out


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300), st.integers(0, 400))
def test_random_blocks_never_overrun(block, out_len):
    r = lzf.decompress_prefix(block, out_len)
    assert r is None or len(r) <= out_len


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(texts.filter(lambda d: len(d) > 0), st.integers(0, 10 ** 6), st.integers(0, 255))
def test_mutated_blocks_never_overrun(data, pos, byte):
    out = bytearray(lzf.compress(data))
    out[pos % len(out)] = byte
    r = lzf.decompress_prefix(bytes(out), len(data))
    assert r is None or len(r) <= len(data)


def test_large_input():
    rnd = random.Random(7)
    words = [bytes(rnd.choice(b"abcdefgh") for _ in range(rnd.randint(1, 12))) for _ in range(300)]
    data = b" ".join(rnd.choice(words) for _ in range(200000))
    out = lzf.compress(data)
    assert len(out) < len(data) // 2
    assert lzf.decompress(out, len(data)) == data


# ---- against redis-server ------------------------------------------------------------------

def _rdb_len(buf, i):
    b = buf[i]
    kind = b >> 6
    if kind == 0:
        return b & 0x3F, i + 1
    if kind == 1:
        return ((b & 0x3F) << 8) | buf[i + 1], i + 2
    if b == 0x80:
        return int.from_bytes(buf[i + 1:i + 5], "big"), i + 5
    if b == 0x81:
        return int.from_bytes(buf[i + 1:i + 9], "big"), i + 9
    raise AssertionError("special encoding %x" % b)


def _call(conn, *args):
    from engine.resp import ReplyReader
    rd = ReplyReader()
    rd.feed(conn.call(*args))
    return rd.gets()


def _dump_lzf(conn, key):
    """(compressed block, original length) from DUMP of a string key."""
    payload = _call(conn, "DUMP", key)
    assert payload[0] == 0                           # RDB_TYPE_STRING
    assert payload[1] == 0xC3, "not LZF-compressed"  # RDB_ENC_LZF
    clen, i = _rdb_len(payload, 2)
    ulen, i = _rdb_len(payload, i)
    return payload[i:i + clen], ulen


@pytest.fixture(scope="module")
def redis_conn():
    import shutil
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    srv = ServerProcess("redis", extra_args=["--rdbcompression", "yes"])
    conn = RawConnection(srv.port)
    yield conn
    conn.close()
    srv.stop()


SAMPLES = [
    b"a" * 1000,
    b"hello world, " * 100,
    b"".join(b"%d," % i for i in range(3000)),
    bytes(range(256)) * 20,
    b"ab" * 5 + b"xyz" * 400 + b"q" * 17 + b"ab" * 300,
    b"abcdefghijklmnopqrstuvwxyz" * 2 + b"0123456789" * 500,
]


@pytest.mark.parametrize("idx", range(len(SAMPLES)))
def test_redis_blocks_decompress_and_match(redis_conn, idx):
    data = SAMPLES[idx]
    redis_conn.call("SET", "k", data)
    block, ulen = _dump_lzf(redis_conn, "k")
    assert ulen == len(data)
    assert lzf.decompress(block, ulen) == data
    # Redis compresses with out_len = len - 4; our block is byte-identical
    assert lzf.compress(data, len(data) - 4) == block


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from([b"a", b"ab", b"hello", b"\x00\x01", b"xyz" * 7, b"12345", b"Q"]),
                min_size=10, max_size=400).map(b"".join).filter(lambda d: len(d) > 20))
def test_redis_blocks_property(redis_conn, data):
    redis_conn.call("SET", "k", data)
    payload = _call(redis_conn, "DUMP", "k")
    ours = lzf.compress(data, len(data) - 4)
    if payload[1] != 0xC3:
        assert ours is None          # Redis found it incompressible too
        return
    block, ulen = _dump_lzf(redis_conn, "k")
    assert lzf.decompress(block, ulen) == data
    assert ours == block
