"""Generic keyspace commands against a real redis-server, reply bytes compared:
DEL UNLINK EXISTS TYPE TOUCH RENAME RENAMENX COPY KEYS SCAN RANDOMKEY OBJECT.

Replies whose element order is unspecified (KEYS, a SCAN batch) are compared
as multisets; SCAN cursors depend on each server's secret hash seed, so only
full iterations (and errors) are compared.
"""

import pytest

from engine.resp import ReplyReader

BINARY_KEYS = [b"a\x00b", b"\x00", b"\xff\xfe", b"\r\n", b"key with spaces", b"*", b"[", b"\\"]


def parse(raw):
    rd = ReplyReader()
    rd.feed(raw)
    return rd.gets()


# ---- DEL / UNLINK / EXISTS / TOUCH / TYPE -----------------------------------------

@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_del_unlink(diff, cmd):
    diff(cmd, "missing")
    diff("MSET", "a", "1", "b", "2", "c", "3")
    diff(cmd, "a")
    diff(cmd, "a")
    diff(cmd, "b", "c", "missing", "b")
    diff("DBSIZE")
    diff("SET", "x", "1")
    diff(cmd, "x", "x", "x")
    diff(cmd)
    for k in BINARY_KEYS:
        diff("SET", k, "v")
    diff(cmd, *BINARY_KEYS)
    diff("DBSIZE")


def test_exists(diff):
    diff("EXISTS", "k")
    diff("SET", "k", "v")
    diff("EXISTS", "k")
    diff("EXISTS", "k", "k", "missing", "k")
    diff("SET", b"a\x00b", "v")
    diff("EXISTS", b"a\x00b", b"a", b"a\x00", b"a\x00b\x00")
    diff("EXISTS")


def test_touch(diff):
    diff("TOUCH", "missing")
    diff("MSET", "a", "1", "b", "2")
    diff("TOUCH", "a", "b", "c", "a")
    diff("TOUCH")


def test_type(diff):
    diff("TYPE", "missing")
    diff("SET", "s", "v")
    diff("TYPE", "s")
    diff("SET", "i", "12345")
    diff("TYPE", "i")
    diff("TYPE", b"s\x00")
    diff("TYPE")
    diff("TYPE", "s", "extra")
    diff.hello(3)
    diff("TYPE", "s")
    diff("TYPE", "missing")


# ---- RENAME / RENAMENX -------------------------------------------------------------

def test_rename(diff):
    diff("RENAME", "missing", "x")
    diff("RENAME", "missing", "missing")
    diff("SET", "a", "1")
    diff("RENAME", "a", "a")
    diff("GET", "a")
    diff("RENAME", "a", "b")
    diff("EXISTS", "a")
    diff("GET", "b")
    diff("SET", "c", "other")
    diff("RENAME", "b", "c")
    diff("GET", "c")
    diff("DBSIZE")
    diff("OBJECT", "ENCODING", "c")
    diff("RENAME", "c")
    diff("RENAME", "c", "d", "e")


def test_rename_keeps_and_drops_ttl(diff):
    diff("SET", "src", "v", "EX", "1000")
    diff("SET", "dst", "old", "EX", "5000")
    diff("RENAME", "src", "dst")
    diff("TTL", "dst")
    diff("SET", "p", "persistent")
    diff("SET", "t", "v", "EX", "1000")
    diff("RENAME", "p", "t")
    diff("TTL", "t")
    diff("EXPIREAT", "t", "4000000000")
    diff("RENAME", "t", "u")
    diff("EXPIRETIME", "u")


def test_renamenx(diff):
    diff("RENAMENX", "missing", "x")
    diff("RENAMENX", "missing", "missing")
    diff("SET", "a", "1")
    diff("RENAMENX", "a", "a")
    diff("SET", "b", "2")
    diff("RENAMENX", "a", "b")
    diff("GET", "a")
    diff("GET", "b")
    diff("RENAMENX", "a", "c")
    diff("GET", "c")
    diff("EXISTS", "a")
    diff("RENAMENX", "c")


def test_rename_binary_keys(diff):
    diff("SET", b"a\x00b", "v")
    diff("RENAME", b"a\x00b", b"a\x00c")
    diff("GET", b"a\x00c")
    diff("EXISTS", b"a\x00b")
    diff("RENAMENX", b"a\x00c", b"a\x00c")
    diff("RENAME", b"a\x00c", b"a")
    diff("GET", b"a")


def test_rename_int_encoding_kept(diff):
    diff("SET", "n", "123")
    diff("RENAME", "n", "m")
    diff("OBJECT", "ENCODING", "m")
    diff("OBJECT", "REFCOUNT", "m")
    diff("SET", "big", "12345678901")
    diff("RENAME", "big", "big2")
    diff("OBJECT", "ENCODING", "big2")


# ---- COPY ----------------------------------------------------------------------------

def test_copy_basic(diff):
    diff("COPY", "missing", "x")
    diff("SET", "a", "hello")
    diff("COPY", "a", "b")
    diff("GET", "b")
    diff("COPY", "a", "b")
    diff("SET", "a", "new")
    diff("COPY", "a", "b", "REPLACE")
    diff("GET", "b")
    diff("COPY", "a", "b", "replace", "REPLACE")
    diff("COPY", "a", "a")
    diff("COPY", "a", "a", "REPLACE")
    diff("COPY", "missing", "missing")
    diff("COPY", "a")
    diff("COPY", "a", "b", "FOO")
    diff("COPY", "a", "b", "DB")
    diff("COPY", "a", "b", "REPLACE", "DB")


def test_copy_db(diff):
    diff("SET", "a", "v")
    diff("COPY", "a", "a", "DB", "0")
    diff("COPY", "a", "a", "DB", "1")
    diff("COPY", "a", "a", "DB", "1")
    diff("COPY", "a", "x", "DB", "1", "DB", "2")
    diff("COPY", "a", "x", "DB", "16")
    diff("COPY", "a", "x", "DB", "-1")
    diff("COPY", "a", "x", "DB", "abc")
    diff("COPY", "a", "x", "DB", "4294967296")
    diff("COPY", "a", "x", "DB", "1.5")
    diff("COPY", "missing", "x", "DB", "99")
    diff("SELECT", "1")
    diff("GET", "a")
    diff("GET", "x")
    diff("SET", "a", "in-db1")
    diff("SELECT", "0")
    diff("COPY", "a", "a", "DB", "1")
    diff("COPY", "a", "a", "DB", "1", "REPLACE")
    diff("SELECT", "1")
    diff("GET", "a")
    diff("SELECT", "2")
    diff("GET", "x")
    diff("SELECT", "0")
    diff("FLUSHALL")


def test_copy_ttl_and_encoding(diff):
    diff("SET", "a", "v", "EX", "1000")
    diff("COPY", "a", "b")
    diff("TTL", "b")
    diff("EXPIREAT", "a", "4000000000")
    diff("COPY", "a", "c")
    diff("EXPIRETIME", "c")
    diff("SET", "d", "v", "EX", "1000")
    diff("SET", "e", "persistent")
    diff("COPY", "e", "d", "REPLACE")
    diff("TTL", "d")
    for value in ["1", "100", "10001", "-5", "x" * 10, "x" * 44, "x" * 45, "x" * 200]:
        diff("SET", "src", value)
        diff("COPY", "src", "dst", "REPLACE")
        diff("OBJECT", "ENCODING", "dst")
        diff("OBJECT", "REFCOUNT", "dst")
        diff("OBJECT", "REFCOUNT", "src")
        diff("GET", "dst")
    diff("APPEND", "ap", "abc")
    diff("COPY", "ap", "ap2")
    diff("OBJECT", "ENCODING", "ap2")


def test_copy_binary(diff):
    diff("SET", b"k\x00", b"\x00\xff")
    diff("COPY", b"k\x00", b"k\x00\x00")
    diff("GET", b"k\x00\x00")
    diff("COPY", b"k\x00", b"k")
    diff("GET", b"k")


# ---- KEYS ----------------------------------------------------------------------------

KEYS_DATA = [b"foo", b"foobar", b"bar", b"baz", b"hello", b"hallo", b"hllo", b"heeeello",
             b"a", b"b", b"c", b"ab", b"a*b", b"a?b", b"a[b", b"a]b", b"a\\b", b"a-b",
             b"^", b"-", b"]", b"[", b"\\", b"*", b"?", b"A", b"Z", b"1", b"12", b"123",
             b"a\x00b", b"\x00", b"\xff", b"\x80", b"\x7f", b"\xe9t\xe9", b"caf\xc3\xa9",
             b"user:1", b"user:2", b"user:10", b"user:1:name", b"", b"x\r\ny"]

PATTERNS = [
    "*", "**", "***", "?", "??", "???", "*?", "?*", "foo*", "*bar", "*o*", "f*o*r", "h?llo",
    "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h[b-a]llo", "[a-c]", "[c-a]", "[^a-c]",
    "[abc]", "[]", "[]]", "[]a]", "[^]]", "[", "[a", "[a-", "[a-]", "[^", "[^a", "[\\]]",
    "[\\", "\\", "\\*", "a\\*b", "a\\?b", "a\\[b", "a\\\\b", "a\\", "\\a", "a[*]b", "a[?]b",
    "a[\\-]b", "a[-]b", "a[a-]", "[-a]", "[--]", "[!a]", "[a-z]*", "*[0-9]", "user:*",
    "user:?", "user:??", "user:*:name", "*:*", "[[]", "a[[]b", "*\\", "*[", "*[a", "A",
    "[A-Z]", "[a-Z]", "[Z-a]", "a\x00b", "a\x00*", "\x00", "*\x00*", "[\x00]", "[\x00-\x01]",
    "\xff", "[\x80-\xff]", "[\xff-\x80]", "[a-\xff]", "[\x7f-\x80]", "[\x00-\x7f]",
    "[^\x80-\xff]", "caf*", "*\xa9", "[\xe9]t[\xe9]", "x\r\ny", "x??y", "?\x00?", "",
]


def _setup_keys(diff):
    for k in KEYS_DATA:
        diff("SET", k, "v")


@pytest.mark.parametrize("pattern", PATTERNS)
def test_keys_patterns(diff, pattern):
    _setup_keys(diff)
    pat = pattern.encode("latin-1")
    diff.sorted_array("KEYS", pat)


def test_keys_empty_db_and_arity(diff):
    diff("KEYS", "*")
    diff("KEYS", "")
    diff("KEYS")
    diff("KEYS", "*", "extra")
    diff("SET", "", "empty")
    diff("KEYS", "")
    diff("KEYS", "*")
    diff("KEYS", "?")


def test_keys_hides_expired(diff):
    diff("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        diff("SET", "live", "v")
        diff("SET", "dead", "v", "PX", "1")
        diff("PSETEX", "dead2", "1", "v")
        import time
        time.sleep(0.05)
        diff.sorted_array("KEYS", "*")
        diff.sorted_array("KEYS", "d*")
        diff("DBSIZE")   # KEYS does not delete: both still count the expired keys
    finally:
        diff("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_keys_resp3(diff):
    diff.hello(3)
    diff("KEYS", "*")
    diff("SET", "a", "1")
    diff("KEYS", "*")
    diff("KEYS", "nomatch")


# ---- SCAN ------------------------------------------------------------------------------

def _scan_all(conn, *options):
    """Full SCAN iteration on one raw connection: (set of keys, list of batch sizes)."""
    cursor = b"0"
    seen = []
    calls = 0
    while True:
        reply = parse(conn.call("SCAN", cursor, *options))
        assert isinstance(reply, list) and len(reply) == 2, reply
        cursor, batch = reply
        seen.extend(batch)
        calls += 1
        assert calls < 100000
        if cursor == b"0":
            return seen, calls


def _scan_both(diff, *options):
    rkeys, _ = _scan_all(diff.r, *options)
    pkeys, pcalls = _scan_all(diff.p, *options)
    assert set(pkeys) == set(rkeys), (options, sorted(set(rkeys) ^ set(pkeys))[:20])
    return set(pkeys), pkeys, pcalls


def test_scan_full_iteration(diff):
    diff("DEBUG", "POPULATE", "1000", "key")
    for k in BINARY_KEYS:
        diff("SET", k, "v")
    keys, raw, _ = _scan_both(diff)
    assert len(keys) == 1000 + len(BINARY_KEYS)
    assert len(raw) == len(keys)      # no rehash during the scan: no duplicates
    keys, _, calls = _scan_both(diff, "COUNT", "1")
    assert len(keys) == 1008
    assert calls > 100
    keys, _, calls = _scan_both(diff, "COUNT", "100000")
    assert len(keys) == 1008 and calls == 1
    keys, _, _ = _scan_both(diff, "MATCH", "key:1*")
    assert len(keys) == 111
    keys, _, _ = _scan_both(diff, "MATCH", "key:?", "COUNT", "5")
    assert len(keys) == 10
    keys, _, _ = _scan_both(diff, "MATCH", "*", "COUNT", "7")
    assert len(keys) == 1008
    keys, _, _ = _scan_both(diff, "MATCH", "a\x00*")
    assert keys == {b"a\x00b"}
    keys, _, _ = _scan_both(diff, "TYPE", "string")
    assert len(keys) == 1008
    keys, _, _ = _scan_both(diff, "TYPE", "STRING", "MATCH", "key:99*")
    assert len(keys) == 11
    for t in ["list", "hash", "set", "zset", "stream", "none", "nosuchtype", ""]:
        keys, _, _ = _scan_both(diff, "TYPE", t)
        assert keys == set()
    # repeated options: the last one wins
    keys, _, _ = _scan_both(diff, "MATCH", "nothing", "MATCH", "key:5", "COUNT", "1", "COUNT", "1000")
    assert keys == {b"key:5"}
    keys, _, _ = _scan_both(diff, "count", "3", "match", "KEY:*", "type", "string")
    assert keys == set()


def test_scan_small_db_single_batch(diff):
    diff("SCAN", "0")
    diff("SCAN", "0", "COUNT", "1")
    diff("SET", "only", "v")
    diff("SCAN", "0")
    diff("SCAN", "0", "MATCH", "o*")
    diff("SCAN", "0", "MATCH", "x*")
    diff("SCAN", "0", "TYPE", "string")
    diff("SCAN", "0", "TYPE", "list")
    diff("SCAN", "00")
    diff("SCAN", "0", "COUNT", "10", "MATCH", "*", "TYPE", "string")
    diff.hello(3)
    diff("SCAN", "0")


@pytest.mark.parametrize("cursor", ["", " 0", "0 ", "\t1", "abc", "1x", "0x10", "1.0", "1e3",
                                    "18446744073709551616", "99999999999999999999999",
                                    "1" * 70, "0" * 70, "-", "+", "\x00", "0\x00", "- 1", "--1"])
def test_scan_invalid_or_odd_cursor(diff, cursor):
    diff("SCAN", cursor)


@pytest.mark.parametrize("cursor", ["+0", "-0", "00000", "0" * 30, "-18446744073709551616",
                                    "18446744073709551616", "-99999999999999999999"])
def test_scan_cursor_parsed_like_strtoul(diff, cursor):
    # Cursors strtoul reads as 0 start a scan (one batch here); overflow is an error.
    diff("SCAN", cursor)
    diff("SET", "k", "v")
    diff("SCAN", cursor, "COUNT", "1000")


def test_scan_nonzero_valid_cursors_accepted(diff):
    # Valid cursors strtoul accepts: replies are arrays (contents depend on the hash seed).
    diff("SET", "k", "v")
    for cursor in ["1", "+1", "-1", "18446744073709551615", "-18446744073709551615",
                   "9223372036854775808", "0001"]:
        r, p = diff.both("SCAN", cursor)
        assert r.startswith(b"*2\r\n") and p.startswith(b"*2\r\n"), (cursor, r, p)


def test_scan_option_errors(diff):
    diff("SET", "k", "v")
    diff("SCAN")
    diff("SCAN", "0", "COUNT")
    diff("SCAN", "0", "COUNT", "0")
    diff("SCAN", "0", "COUNT", "-1")
    diff("SCAN", "0", "COUNT", "abc")
    diff("SCAN", "0", "COUNT", "1.5")
    diff("SCAN", "0", "COUNT", "9223372036854775808")
    diff("SCAN", "0", "MATCH")
    diff("SCAN", "0", "TYPE")
    diff("SCAN", "0", "FOO")
    diff("SCAN", "0", "FOO", "bar")
    diff("SCAN", "0", "MATCH", "*", "COUNT")
    diff("SCAN", "0", "COUNT", "1", "FOO")
    diff("SCAN", "0", "COUNT", "0", "FOO")
    diff("SCAN", "x", "COUNT", "0")
    diff("SCAN", "0", "MATCH", "*", "MATCH")


def test_scan_huge_count(diff):
    diff("DEBUG", "POPULATE", "300", "key")
    for count in ["9223372036854775807", "922337203685477580", "1000000000000"]:
        r, p = diff.both("SCAN", "0", "COUNT", count)
        rv, pv = parse(r), parse(p)
        assert rv[0] == pv[0] == b"0"
        assert sorted(rv[1]) == sorted(pv[1]) and len(pv[1]) == 300


def test_scan_hides_expired(diff):
    diff("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        diff("SET", "live", "v")
        for i in range(20):
            diff("SET", "dead%d" % i, "v", "PX", "1")
        import time
        time.sleep(0.05)
        diff("DBSIZE")
        keys, _, _ = _scan_both(diff)
        assert keys == {b"live"}
        diff("DBSIZE")        # SCAN deleted the expired keys it met
        for i in range(5):
            diff("SET", "dead%d" % i, "v", "PX", "1")
        time.sleep(0.05)
        keys, _, _ = _scan_both(diff, "TYPE", "string")
        assert keys == {b"live"}
        diff("DBSIZE")
    finally:
        diff("DEBUG", "SET-ACTIVE-EXPIRE", "1")


# ---- RANDOMKEY ---------------------------------------------------------------------------

def test_randomkey(diff):
    diff("RANDOMKEY")
    diff("SET", "only", "v")
    diff("RANDOMKEY")
    diff("DEL", "only")
    diff("SET", b"\x00bin\xff", "v")
    diff("RANDOMKEY")
    diff("RANDOMKEY", "extra")
    diff("MSET", "a", "1", "b", "2", "c", "3")
    r, p = diff.both("RANDOMKEY")
    assert parse(p) in (b"a", b"b", b"c", b"\x00bin\xff")
    diff.hello(3)
    diff("FLUSHDB")
    diff("RANDOMKEY")


def test_randomkey_skips_expired(diff):
    diff("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        for i in range(30):
            diff("SET", "dead%d" % i, "v", "PX", "1")
        import time
        time.sleep(0.05)
        diff("RANDOMKEY")           # every key expired: null
        diff("DBSIZE")
        for i in range(30):
            diff("SET", "dead%d" % i, "v", "PX", "1")
        diff("SET", "live", "v")
        diff("EXPIRE", "live", "1000")
        time.sleep(0.05)
        for _ in range(5):
            diff("RANDOMKEY")
    finally:
        diff("DEBUG", "SET-ACTIVE-EXPIRE", "1")


# ---- OBJECT ---------------------------------------------------------------------------------

def test_object_encoding_refcount(diff):
    for sub in ["ENCODING", "REFCOUNT", "IDLETIME", "FREQ"]:
        diff("OBJECT", sub, "missing")
    for value in ["0", "1", "9999", "10000", "-1", "123456789012", "abc", "x" * 44, "x" * 45,
                  "", "1.5", " 1", "01"]:
        diff("SET", "k", value)
        diff("OBJECT", "ENCODING", "k")
        diff("OBJECT", "REFCOUNT", "k")
        diff("OBJECT", "encoding", "k")
    diff("OBJECT", "IDLETIME", "k")
    diff("OBJECT", "FREQ", "k")
    diff.hello(3)
    for sub in ["ENCODING", "REFCOUNT", "IDLETIME", "FREQ"]:
        diff("OBJECT", sub, "missing")


def test_object_help_and_errors(diff):
    diff("OBJECT", "HELP")
    diff("OBJECT", "help")
    diff("OBJECT")
    diff("OBJECT", "FOO")
    diff("OBJECT", "FOO", "k")
    diff("OBJECT", "ENCODING")
    diff("OBJECT", "ENCODING", "a", "b")
    diff("OBJECT", "HELP", "x")
    diff("OBJECT", "REFCOUNT")
    diff("OBJECT", "IDLETIME")
    diff("OBJECT", "FREQ")
    diff.hello(3)
    diff("OBJECT", "HELP")


def test_object_lfu(diff):
    diff("SET", "k", "v")
    diff("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
    try:
        diff("SET", "f", "v")
        diff("OBJECT", "FREQ", "f")
        diff("OBJECT", "IDLETIME", "f")
        diff("OBJECT", "FREQ", "missing")
        diff("OBJECT", "IDLETIME", "missing")
        diff("SET", "n", "5")
        diff("OBJECT", "REFCOUNT", "n")    # LFU: no shared integers
        diff("OBJECT", "ENCODING", "n")
    finally:
        diff("CONFIG", "SET", "maxmemory-policy", "noeviction")
    diff("OBJECT", "FREQ", "f")
    diff("OBJECT", "IDLETIME", "k")


def test_object_idletime_after_debug_sleep(diff):
    diff("SET", "k", "v")
    diff("DEBUG", "SLEEP", "0")
    diff("OBJECT", "IDLETIME", "k")
    diff("TOUCH", "k")
    diff("OBJECT", "IDLETIME", "k")


# ---- arity ----------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("DEL",), ("UNLINK",), ("EXISTS",), ("TOUCH",), ("TYPE",), ("TYPE", "a", "b"),
    ("RENAME", "a"), ("RENAME", "a", "b", "c"), ("RENAMENX", "a"), ("COPY", "a"),
    ("KEYS",), ("KEYS", "a", "b"), ("SCAN",), ("RANDOMKEY", "a"), ("OBJECT",),
    ("DBSIZE", "a"), ("SELECT",), ("SELECT", "0", "1"), ("SWAPDB", "0"), ("MOVE", "a"),
    ("MOVE", "a", "1", "2"), ("EXPIRE", "a"), ("PEXPIRE", "a"), ("EXPIREAT", "a"),
    ("PEXPIREAT", "a"), ("TTL",), ("PTTL", "a", "b"), ("EXPIRETIME",), ("PEXPIRETIME",),
    ("PERSIST",), ("PERSIST", "a", "b"), ("del",), ("Rename", "x"),
])
def test_arity(diff, args):
    diff(*args)


# ---- side effects: keyspace hit/miss statistics and the dirty counter ----------------------

def _info_fields(conn, section, names):
    text = parse(conn.call("INFO", section)).decode()
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        if k in names:
            out[k] = int(v)
    return out


STAT_SEQUENCE = [
    ("EXISTS", "a", "missing", "a"), ("TYPE", "a"), ("TYPE", "missing"), ("TTL", "a"),
    ("PTTL", "missing"), ("EXPIRETIME", "a"), ("PEXPIRETIME", "missing"),
    ("TOUCH", "a", "missing"), ("OBJECT", "ENCODING", "a"), ("OBJECT", "REFCOUNT", "missing"),
    ("OBJECT", "IDLETIME", "a"), ("OBJECT", "FREQ", "a"), ("COPY", "a", "c"),
    ("COPY", "missing", "c"), ("COPY", "a", "c", "REPLACE"), ("RENAME", "c", "d"),
    ("RENAME", "missing", "d"), ("RENAMENX", "d", "a"), ("MOVE", "d", "1"), ("MOVE", "missing", "1"),
    ("EXPIRE", "a", "1000"), ("EXPIRE", "missing", "1000"), ("PEXPIRE", "a", "1000", "GT"),
    ("PERSIST", "a"), ("PERSIST", "a"), ("PERSIST", "missing"), ("EXPIRE", "b", "-1"),
    ("DEL", "b", "missing"), ("UNLINK", "missing"), ("KEYS", "*"), ("SCAN", "0"),
    ("SCAN", "0", "TYPE", "string"), ("SCAN", "0", "TYPE", "list", "MATCH", "a*"), ("RANDOMKEY",),
    ("DBSIZE",), ("SELECT", "1"), ("SWAPDB", "0", "1"), ("SWAPDB", "2", "2"), ("FLUSHDB",),
    ("FLUSHDB",), ("FLUSHALL",), ("FLUSHALL", "ASYNC"),
]


def test_keyspace_stats_and_dirty(diff):
    names = ("keyspace_hits", "keyspace_misses")
    for cmd in STAT_SEQUENCE:
        diff("SELECT", "0")
        diff("MSET", "a", "1", "b", "2", "e", "x")
        diff("SELECT", "0")
        before_r = _info_fields(diff.r, "stats", names)
        before_p = _info_fields(diff.p, "stats", names)
        dirty_r = _info_fields(diff.r, "persistence", ("rdb_changes_since_last_save",))
        dirty_p = _info_fields(diff.p, "persistence", ("rdb_changes_since_last_save",))
        diff.both(*cmd)
        after_r = _info_fields(diff.r, "stats", names)
        after_p = _info_fields(diff.p, "stats", names)
        for n in names:
            assert after_p[n] - before_p[n] == after_r[n] - before_r[n], (cmd, n)
        d_r = _info_fields(diff.r, "persistence", ("rdb_changes_since_last_save",))
        d_p = _info_fields(diff.p, "persistence", ("rdb_changes_since_last_save",))
        assert (d_p["rdb_changes_since_last_save"] - dirty_p["rdb_changes_since_last_save"] ==
                d_r["rdb_changes_since_last_save"] - dirty_r["rdb_changes_since_last_save"]), cmd


@pytest.mark.parametrize("server", ["pyengine", "redis"])
def test_scan_guarantee_while_table_grows_and_shrinks(diff, server):
    """Every key present for the whole iteration is returned, even though the
    table rehashes (grows, then shrinks in the cron) between SCAN calls."""
    import time
    from engine.resp import encode_command
    conn = diff.p if server == "pyengine" else diff.r
    conn.call("DEBUG", "POPULATE", "500", "stay")
    cursor, seen, step = b"0", set(), 0
    while True:
        cursor, batch = parse(conn.call("SCAN", cursor, "COUNT", "20"))
        seen.update(batch)
        step += 1
        if step == 3:          # grow: rehash to larger tables mid-scan
            conn.call("DEBUG", "POPULATE", "5000", "tmp")
        elif step == 8:        # shrink: delete the extra keys, let the cron resize
            conn.send(b"".join(encode_command("DEL", "tmp:%d" % i) for i in range(5000)))
            for _ in range(5000):
                conn.read_reply()
            time.sleep(0.3)
        if cursor == b"0":
            break
    missing = {b"stay:%d" % i for i in range(500)} - seen
    assert not missing, sorted(missing)[:10]


def test_scan_options_with_nul_and_case(diff):
    diff("DEBUG", "POPULATE", "20", "key")
    keys, _, _ = _scan_both(diff, "TYPE", "string\x00junk")
    assert len(keys) == 20
    keys, _, _ = _scan_both(diff, "COUNT\x00x", "5", "MaTcH", "key:1*")
    assert len(keys) == 11
    diff("SCAN", "0", "COUNT", "5\x00")
    keys, _, _ = _scan_both(diff, "MATCH\x00", "*", "COUNT", "100")
    assert len(keys) == 20
