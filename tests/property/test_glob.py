"""Property tests: the glob matcher (engine.util.stringmatch) against the real
redis-server on random patterns and strings.

* case-sensitive (KEYS, SCAN MATCH): the strings become the keys of a small
  database on both servers; KEYS <pattern> must return the same set, and
  ``py_stringmatch`` must agree with the reference key by key;
* case-insensitive (CONFIG GET, COMMAND LIST FILTERBY PATTERN): the
  reference's COMMAND LIST FILTERBY PATTERN over its command names must equal
  ``py_stringmatch(..., nocase=True)`` over the same names.

The alphabets are small and full of metacharacters and high/NUL bytes so
the odd corners (unterminated classes, escapes at the end, signed ranges)
come up often. Example counts are modest: the whole file runs in seconds.
"""

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from engine.resp import ReplyReader, encode_command
from engine.util import py_stringmatch
from helpers import RawConnection

META = b"*?[]^-\\"
PATTERN_BYTES = META + b"abAB\x00\x7f\x80\xff"
STRING_BYTES = b"abAB*?[]-\\^\x00\x7f\x80\xff"

patterns = st.lists(st.sampled_from([bytes([c]) for c in PATTERN_BYTES]), max_size=9).map(b"".join)
strings = st.lists(st.sampled_from([bytes([c]) for c in STRING_BYTES]), min_size=1,
                   max_size=7).map(b"".join)

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def parse(raw):
    rd = ReplyReader()
    rd.feed(raw)
    return rd.gets()


class Pair:
    def __init__(self, redis_port, pe_port):
        self.r = RawConnection(redis_port)
        self.p = RawConnection(pe_port)

    def pipeline(self, conn, commands):
        conn.send(b"".join(encode_command(*c) for c in commands))
        return [conn.read_reply() for _ in commands]

    def close(self):
        self.r.close()
        self.p.close()


@pytest.fixture(scope="module")
def pair(redis_server, pyengine_server):
    p = Pair(redis_server.port, pyengine_server.port)
    for conn in (p.r, p.p):
        conn.call("SELECT", "13")
        conn.call("FLUSHDB")
    yield p
    for conn in (p.r, p.p):
        conn.call("FLUSHDB")
    p.close()


@SETTINGS
@given(pattern=patterns, keys=st.lists(strings, min_size=1, max_size=6, unique=True))
def test_keys_glob_matches_redis(pair, pattern, keys):
    commands = [("FLUSHDB",)] + [("SET", k, b"v") for k in keys] + [("KEYS", pattern)]
    r = parse(pair.pipeline(pair.r, commands)[-1])
    p = parse(pair.pipeline(pair.p, commands)[-1])
    assert sorted(p) == sorted(r), (pattern, keys)
    for k in keys:
        assert py_stringmatch(pattern, k) == (k in r), (pattern, k)


@SETTINGS
@given(pattern=patterns, key=strings)
def test_scan_match_matches_redis(pair, pattern, key):
    commands = [("FLUSHDB",), ("SET", key, b"v"), ("SCAN", b"0", b"MATCH", pattern)]
    r = parse(pair.pipeline(pair.r, commands)[-1])
    p = parse(pair.pipeline(pair.p, commands)[-1])
    assert p == r, (pattern, key)


@pytest.fixture(scope="module")
def command_names(redis_server):
    conn = RawConnection(redis_server.port)
    names = parse(conn.call("COMMAND", "LIST"))
    yield conn, names
    conn.close()


NOCASE_BYTES = b"*?[]^-\\|aegtcsxAEGTCSZ\x00\x80\xff"
nocase_patterns = st.lists(st.sampled_from([bytes([c]) for c in NOCASE_BYTES]),
                           min_size=1, max_size=8).map(b"".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=nocase_patterns)
def test_nocase_glob_matches_redis(command_names, pattern):
    conn, names = command_names
    expected = set(parse(conn.call("COMMAND", "LIST", "FILTERBY", "PATTERN", pattern)))
    ours = {n for n in names if py_stringmatch(pattern, n, True)}
    assert ours == expected, (pattern, sorted(ours ^ expected))


@pytest.mark.parametrize("pattern, string, expected", [
    (b"[a-\xff]", b"a", True), (b"[a-\xff]", b"b", False), (b"[a-\xff]", b"\xff", True),
    (b"[a-\xff]", b"\x80", False), (b"[\x80-\xff]", b"\x90", True), (b"[\x00-\x7f]", b"\x80", False),
    (b"[", b"a", False), (b"[^", b"a", True), (b"[a-", b"-", True), (b"[a-]", b"^", True),
    (b"\\", b"\\", True), (b"a\\", b"a\\", True), (b"*", b"", False), (b"", b"", True),
    (b"[\\]]", b"]", True), (b"[]]", b"]", False), (b"a*", b"a", True), (b"*a*", b"", False),
])
def test_stringmatch_corners(pattern, string, expected):
    assert py_stringmatch(pattern, string) is expected


def test_stringmatch_no_exponential_blowup():
    # Many stars against a long non-matching string: linear per star.
    pattern = b"a*" * 40 + b"b"
    assert py_stringmatch(pattern, b"a" * 5000) is False
