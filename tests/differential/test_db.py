"""Database commands against a real redis-server: SELECT SWAPDB MOVE FLUSHDB
FLUSHALL DBSIZE, including what other connections see after a SWAPDB."""

import pytest

from conftest import Differ

FAR = 4000000000


@pytest.fixture
def diff2(redis_server, pyengine_server, diff):
    """A second pair of connections (the first, `diff`, flushed everything)."""
    d = Differ(redis_server.port, pyengine_server.port)
    yield d
    d.close()


@pytest.mark.parametrize("arg", ["0", "1", "15", "16", "-1", "x", "", "01", " 1", "1 ", "+1",
                                 "1.0", "2147483647", "2147483648", "-2147483649",
                                 "4294967296", "9223372036854775808", "\x001"])
def test_select(diff, arg):
    diff("SELECT", arg)
    diff("SET", "where", arg)
    diff("SELECT", "0")
    diff("GET", "where")


def test_select_isolates_databases(diff):
    diff("SET", "k", "db0")
    diff("SELECT", "3")
    diff("GET", "k")
    diff("SET", "k", "db3")
    diff("DBSIZE")
    diff("SELECT", "0")
    diff("GET", "k")
    diff("DBSIZE")
    diff("SELECT")
    diff("SELECT", "1", "2")


def test_swapdb(diff, diff2):
    diff("SET", "a", "in0")
    diff("EXPIREAT", "a", FAR)
    diff("SELECT", "1")
    diff("SET", "b", "in1")
    diff("SET", "c", "in1")
    diff2("SELECT", "1")
    diff("SWAPDB", "0", "1")
    diff("DBSIZE")
    diff("GET", "a")
    diff("EXPIRETIME", "a")
    diff2("GET", "a")               # the other client, in db 1, sees the swapped data
    diff2("SELECT", "0")
    diff2("GET", "b")
    diff2("DBSIZE")
    diff("SWAPDB", "1", "0")
    diff("GET", "b")
    diff("SWAPDB", "1", "1")
    diff("GET", "b")
    diff("SWAPDB", "5", "1")
    diff("DBSIZE")
    diff("SELECT", "5")
    diff("DBSIZE")
    diff("SWAPDB", "15", "5")
    diff("DBSIZE")


@pytest.mark.parametrize("args", [
    ("0", "16"), ("16", "0"), ("-1", "0"), ("0", "-1"), ("x", "0"), ("0", "x"), ("x", "y"),
    ("99", "x"), ("x", "99"), ("0", "2147483648"), ("2147483648", "0"), ("", "0"),
    ("0", "1.5"), ("16", "16"), ("0",), ("0", "1", "2"), (),
])
def test_swapdb_errors(diff, args):
    diff("SWAPDB", *args)


def test_move(diff):
    diff("MOVE", "missing", "1")
    diff("SET", "k", "v")
    diff("EXPIREAT", "k", FAR)
    diff("MOVE", "k", "0")
    diff("MOVE", "k", "1")
    diff("EXISTS", "k")
    diff("MOVE", "k", "1")
    diff("SELECT", "1")
    diff("GET", "k")
    diff("EXPIRETIME", "k")
    diff("SELECT", "0")
    diff("SET", "k", "other")
    diff("MOVE", "k", "1")        # exists in the target: not moved
    diff("GET", "k")
    diff("SET", "n", "42")
    diff("MOVE", "n", "2")
    diff("SELECT", "2")
    diff("OBJECT", "ENCODING", "n")
    diff("OBJECT", "REFCOUNT", "n")
    diff("SELECT", "0")
    diff("SET", b"b\x00in", "v")
    diff("MOVE", b"b\x00in", "15")
    diff("SELECT", "15")
    diff("GET", b"b\x00in")
    diff("SELECT", "0")


@pytest.mark.parametrize("db", ["16", "-1", "x", "", "1.5", "2147483648", "-2147483649",
                                "99999999999999999999", "01"])
def test_move_db_errors(diff, db):
    diff("SET", "k", "v")
    diff("MOVE", "k", db)
    diff("MOVE", "missing", db)
    diff("EXISTS", "k")


def test_move_same_db_checked_before_key(diff):
    diff("MOVE", "missing", "0")
    diff("SELECT", "4")
    diff("MOVE", "missing", "4")
    diff("SET", "k", "v")
    diff("MOVE", "k", "4")
    diff("MOVE", "k", "0")
    diff("SELECT", "0")
    diff("GET", "k")


@pytest.mark.parametrize("cmd", ["FLUSHDB", "FLUSHALL"])
def test_flush(diff, cmd):
    for opts in [(), ("ASYNC",), ("SYNC",), ("async",), ("Sync",)]:
        diff("SET", "a", "1")
        diff("EXPIRE", "a", "1000")
        diff("SELECT", "9")
        diff("SET", "b", "1")
        diff("SELECT", "0")
        diff(cmd, *opts)
        diff("DBSIZE")
        diff("TTL", "a")
        diff("SELECT", "9")
        diff("DBSIZE")
        diff("FLUSHDB")
        diff("SELECT", "0")
    diff("SET", "a", "1")
    for opts in [("FOO",), ("ASYNC", "SYNC"), ("SYNC", "SYNC"), ("",), ("ASYNC\x00",),
                 ("ASYNCX",)]:
        diff(cmd, *opts)
        diff("DBSIZE")


def test_flushall_empty_and_resp3(diff):
    diff("FLUSHALL")
    diff("FLUSHDB")
    diff.hello(3)
    diff("SET", "a", "1")
    diff("FLUSHDB", "ASYNC")
    diff("DBSIZE")
    diff("FLUSHALL", "SYNC")


def test_dbsize(diff):
    diff("DBSIZE")
    diff("MSET", "a", "1", "b", "2")
    diff("DBSIZE")
    diff("DEL", "a")
    diff("DBSIZE")
    diff("SET", "", "empty")
    diff("SET", b"\x00", "nul")
    diff("DBSIZE")
    diff("DBSIZE", "extra")
    diff("SELECT", "2")
    diff("DBSIZE")
    diff.hello(3)
    diff("DBSIZE")
