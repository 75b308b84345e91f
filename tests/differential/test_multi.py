"""Transactions (MULTI EXEC DISCARD WATCH UNWATCH) against a real redis-server,
including two-connection WATCH races."""

import time

import pytest

from conftest import Differ


@pytest.fixture
def other(redis_server, pyengine_server):
    """A second connection pair to the same two servers."""
    d = Differ(redis_server.port, pyengine_server.port)
    yield d
    d.close()


def test_basic_transaction(diff):
    diff("MULTI")
    diff("SET", "a", "1")
    diff("INCR", "a")
    diff("GET", "a")
    diff("MGET", "a", "b")
    diff("EXEC")
    diff("GET", "a")


def test_empty_transaction_and_discard(diff):
    diff("MULTI")
    diff("EXEC")
    diff("MULTI")
    diff("SET", "x", "1")
    diff("DISCARD")
    diff("EXISTS", "x")
    diff("DISCARD")
    diff("EXEC")


def test_nesting_and_misplaced_commands(diff):
    diff("MULTI")
    diff("MULTI")
    diff("SET", "k", "v")
    diff("WATCH", "k")
    diff("EXEC")
    diff("GET", "k")


def test_queue_time_errors_abort(diff):
    diff("MULTI")
    diff("SET", "k", "v")
    diff("NOSUCHCOMMAND", "x")
    diff("GET", "k")
    diff("EXEC")
    diff("EXISTS", "k")
    diff("MULTI")
    diff("SET", "k")
    diff("EXEC")
    diff("MULTI")
    diff("CONFIG", "NOSUCHSUB")
    diff("EXEC")


def test_runtime_errors_do_not_abort(diff):
    diff("SET", "s", "abc")
    diff("MULTI")
    diff("INCR", "s")
    diff("SET", "t", "1")
    diff("INCRBY", "t", "x")
    diff("INCR", "t")
    diff("EXEC")
    diff("GET", "t")


def test_exec_arity_aborts(diff):
    diff("MULTI")
    diff("SET", "k", "v")
    diff("EXEC", "extra")
    diff("EXEC")
    diff("EXISTS", "k")
    diff("MULTI")
    diff("DISCARD", "extra")
    diff("DISCARD")


def test_not_allowed_inside_multi(diff):
    # commands flagged no_multi in Redis 7.0 that pyengine implements
    diff("MULTI")
    diff("SET", "k", "v")
    for cmd in (("WATCH", "k"),):
        diff(*cmd)
    diff("EXEC")


def test_commands_run_immediately_inside_multi(diff):
    diff("MULTI")
    diff("SET", "k", "1")
    diff("RESET")
    diff("EXEC")
    diff("EXISTS", "k")


def test_resp3_exec_and_abort(diff):
    diff.hello(3)
    diff("MULTI")
    diff("SET", "a", "1")
    diff("INCRBYFLOAT", "a", "1.5")
    diff("EXEC")
    diff("WATCH", "a")
    diff("SET", "a", "2")
    diff("MULTI")
    diff("GET", "a")
    diff("EXEC")


def test_watch_touched_by_other_client(diff, other):
    diff("SET", "w", "1")
    diff("WATCH", "w")
    other("SET", "w", "2")
    diff("MULTI")
    diff("SET", "w", "3")
    diff("EXEC")
    diff("GET", "w")


def test_watch_untouched_succeeds(diff, other):
    diff("SET", "w", "1")
    diff("WATCH", "w", "nokey")
    other("SET", "other", "2")
    other("GET", "w")
    diff("MULTI")
    diff("INCR", "w")
    diff("EXEC")


@pytest.mark.parametrize("change", [
    ("DEL", "w"), ("SET", "w", "1"), ("EXPIRE", "w", "100"), ("PERSIST", "w"), ("APPEND", "w", "x"),
    ("INCR", "w"), ("RENAME", "w", "w2"), ("SETRANGE", "w", "0", "x"), ("SETBIT", "w", "1", "1"),
    ("GETDEL", "w"), ("GETEX", "w", "EX", "100"), ("MOVE", "w", "1"), ("FLUSHDB",), ("FLUSHALL",),
    ("SWAPDB", "0", "1"), ("COPY", "src", "w", "REPLACE"), ("BITOP", "NOT", "w", "src"),
    ("MSET", "w", "1"), ("INCRBYFLOAT", "w", "1"), ("UNLINK", "w"), ("GETSET", "w", "z"),
])
def test_watch_invalidated_by(diff, other, change):
    diff("SET", "w", "5")
    diff("EXPIRE", "w", "1000")
    diff("SET", "src", "s")
    diff("WATCH", "w")
    other(*change)
    diff("MULTI")
    diff("PING")
    diff("EXEC")


@pytest.mark.parametrize("change", [
    ("DEL", "nokey"), ("PERSIST", "w"), ("SET", "w", "x", "NX"), ("EXPIRE", "nokey", "5"),
    ("RENAME", "nokey", "w"), ("FLUSHDB",), ("SETRANGE", "w", "0", ""),
])
def test_watch_not_invalidated_by_noops(diff, other, change):
    diff("SET", "w", "5")          # no TTL: PERSIST is a no-op
    diff("WATCH", "w")
    if change == ("FLUSHDB",):
        other("SELECT", "1")
    other(*change)
    diff("MULTI")
    diff("PING")
    diff("EXEC")


def test_watch_missing_key_then_created(diff, other):
    diff("WATCH", "newkey")
    other("SET", "newkey", "1")
    diff("MULTI")
    diff("PING")
    diff("EXEC")


def test_watch_expiring_key(diff):
    diff("SET", "e", "1", "PX", "100")
    diff("WATCH", "e")
    time.sleep(0.25)
    diff("MULTI")
    diff("PING")
    diff("EXEC")


def test_watch_already_expired_key(diff):
    diff("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        diff("SET", "e", "1", "PX", "1")
        time.sleep(0.05)
        diff("WATCH", "e")
        diff("MULTI")
        diff("PING")
        diff("EXEC")
    finally:
        diff("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_unwatch_and_discard_clear_watches(diff, other):
    diff("SET", "w", "1")
    diff("WATCH", "w")
    diff("UNWATCH")
    other("SET", "w", "2")
    diff("MULTI")
    diff("PING")
    diff("EXEC")
    diff("WATCH", "w")
    diff("MULTI")
    diff("DISCARD")
    other("SET", "w", "3")
    diff("MULTI")
    diff("PING")
    diff("EXEC")


def test_watch_in_other_db(diff, other):
    diff("SELECT", "2")
    diff("SET", "w", "1")
    diff("WATCH", "w")
    other("SET", "w", "changed-in-db0")
    diff("MULTI")
    diff("GET", "w")
    diff("EXEC")
    diff("WATCH", "w")
    other("SELECT", "2")
    other("SET", "w", "changed-in-db2")
    diff("MULTI")
    diff("GET", "w")
    diff("EXEC")


def test_exec_after_dirty_cas_keeps_connection_usable(diff, other):
    diff("WATCH", "k")
    other("SET", "k", "1")
    diff("MULTI")
    diff("SET", "k", "mine")
    diff("NOSUCH")
    diff("EXEC")
    diff("GET", "k")


def test_client_list_shows_multi(diff):
    import re
    diff("MULTI")
    diff("SET", "a", "1")
    diff("SET", "b", "2")
    r, p = diff.both("CLIENT", "INFO")
    diff("DISCARD")
    # CLIENT INFO is queued too inside MULTI
    assert r == p == b"+QUEUED\r\n"
