"""What each write command logs to the AOF, against a real redis-server.

Both servers run with ``appendonly yes`` and get the same commands; the
bytes each appends to its incremental AOF file are compared, after
replacing absolute times (PXAT/PEXPIREAT/XCLAIM TIME values and generated
stream IDs, which differ by the milliseconds between the two servers) with
a placeholder. This checks Redis 7's effects propagation: relative expiries
logged as absolute ones, INCRBYFLOAT as SET ... KEEPTTL, blocking pops as
plain pops, SPOP as SREM/DEL, XREADGROUP/XCLAIM as XCLAIM effects, scripts
and transactions as MULTI/EXEC units, expired keys as DEL, and so on.
"""

import glob
import os
import re
import time

import pytest

from conftest import _need_redis
from helpers import RawConnection, ServerProcess

AOF_ARGS = ["--appendonly", "yes", "--appendfsync", "always", "--aof-use-rdb-preamble", "yes"]


class AofPair:
    def __init__(self):
        _need_redis()
        self.servers = [ServerProcess("redis", AOF_ARGS), ServerProcess("pyengine", AOF_ARGS)]
        self.conns = [RawConnection(s.port) for s in self.servers]
        for c in self.conns:
            assert c.call("PING") == b"+PONG\r\n"     # loaded, AOF files created
        self.extra = []

    def incr_file(self, srv):
        files = sorted(glob.glob(os.path.join(srv.dir, "appendonlydir", "*.incr.aof")))
        assert files, "no incr AOF file in %s" % srv.dir
        return files[-1]

    def offsets(self):
        return [os.path.getsize(self.incr_file(s)) for s in self.servers]

    def appended(self, offsets):
        out = []
        for srv, off in zip(self.servers, offsets):
            with open(self.incr_file(srv), "rb") as f:
                f.seek(off)
                out.append(f.read())
        return out

    def both(self, *args):
        replies = [c.call(*args) for c in self.conns]
        return replies

    def connect(self):
        pair = [RawConnection(s.port) for s in self.servers]
        self.extra += pair
        return pair

    def close(self):
        for c in self.conns + self.extra:
            c.close()
        for s in self.servers:
            s.stop()


@pytest.fixture(scope="module")
def aof():
    pair = AofPair()
    yield pair
    pair.close()


def parse_aof(data):
    """The commands in AOF bytes, as lists of bytes."""
    out = []
    pos = 0
    while pos < len(data):
        assert data[pos:pos + 1] == b"*", data[pos:pos + 40]
        eol = data.index(b"\r\n", pos)
        argc = int(data[pos + 1:eol])
        pos = eol + 2
        argv = []
        for _ in range(argc):
            eol = data.index(b"\r\n", pos)
            n = int(data[pos + 1:eol])
            argv.append(data[eol + 2:eol + 2 + n])
            pos = eol + 2 + n + 2
        out.append(argv)
    return out


def normalize(commands, loose_members=False):
    """Absolute times (ms since the epoch, near now) and generated stream IDs
    become placeholders; with ``loose_members`` SREM members (random SPOP
    picks) do too."""
    now = time.time() * 1000
    out = []
    for argv in commands:
        norm = []
        for a in argv:
            m = re.fullmatch(rb"(\d{13})(-\d+)?", a)
            if m and abs(int(m.group(1)) - now) < 86400000:
                # the sequence of a generated ID depends on the millisecond too
                a = b"<time>" + (b"-<seq>" if m.group(2) else b"")
            norm.append(a)
        if loose_members and norm[0].upper() == b"SREM":
            norm = norm[:2] + [b"<member>"]
        out.append(norm)
    return out


def check(aof, commands, loose_members=False, setup=()):
    for args in setup:
        aof.both(*args)
    before = aof.offsets()
    for args in commands:
        r, p = aof.both(*args)
        if not loose_members:
            assert normalize([[r]]) == normalize([[p]]) or r[:1] == p[:1], (args, r, p)
    time.sleep(0.05)
    red, ours = aof.appended(before)
    expected = normalize(parse_aof(red), loose_members)
    got = normalize(parse_aof(ours), loose_members)
    assert got == expected
    return expected


CASES = {
    "strings": [
        ["SET", "s1", "v"], ["SET", "s2", "v", "EX", "100"], ["SET", "s3", "v", "px", "100000", "GET"],
        ["SET", "s1", "w", "GET"], ["SET", "s1", "x", "get", "NX"], ["SETEX", "s4", "100", "v"],
        ["PSETEX", "s5", "100000", "v"], ["SET", "s2", "y", "KEEPTTL"], ["SETNX", "s6", "v"],
        ["SETNX", "s6", "w"], ["SET", "s7", "v", "EXAT", "4102444800"],
        ["SET", "s8", "v", "PXAT", "4102444800000"], ["GETSET", "s1", "z"], ["GETDEL", "s1"],
        ["GETDEL", "s1"], ["INCRBYFLOAT", "f", "1.5"], ["INCRBYFLOAT", "f", "1e3"],
        ["INCR", "n"], ["INCRBY", "n", "5"], ["DECR", "n"], ["APPEND", "a", "x"],
        ["SETRANGE", "a", "3", "y"], ["MSET", "m1", "1", "m2", "2"], ["MSETNX", "m1", "1", "m3", "3"],
        ["GETEX", "s2", "EX", "50"], ["GETEX", "s2", "PERSIST"], ["GETEX", "s2", "PERSIST"],
        ["GETEX", "s4", "PXAT", "1"], ["GETEX", "s5"], ["GET", "s5"],
    ],
    "expire": [
        ["SET", "e1", "v"], ["EXPIRE", "e1", "100"], ["PEXPIRE", "e1", "200000", "GT"],
        ["EXPIREAT", "e1", "4102444800"], ["PEXPIREAT", "e1", "4102444800001"],
        ["EXPIRE", "e1", "100", "NX"], ["EXPIRE", "e1", "100", "xx"], ["PERSIST", "e1"],
        ["PERSIST", "e1"], ["EXPIRE", "nokey", "10"], ["SET", "e2", "v"], ["EXPIRE", "e2", "-1"],
        ["SET", "e3", "v"], ["PEXPIREAT", "e3", "1"],
    ],
    "lists": [
        ["RPUSH", "l1", "a", "b", "c", "d", "e"], ["BLPOP", "l1", "0"], ["BRPOP", "nol", "l1", "1"],
        ["BLMOVE", "l1", "l2", "left", "RIGHT", "0"], ["BRPOPLPUSH", "l1", "l2", "0"],
        ["LMPOP", "2", "nol", "l2", "LEFT", "COUNT", "10"], ["BLMPOP", "0", "1", "l1", "RIGHT"],
        ["LMOVE", "l1", "l1", "LEFT", "LEFT"], ["LPUSHX", "nol", "x"], ["LPOP", "nol"],
        ["LINSERT", "l1", "BEFORE", "zz", "x"], ["LREM", "l1", "0", "zz"],
    ],
    "hashes_sets_zsets": [
        ["HSET", "h", "f", "1"], ["HINCRBYFLOAT", "h", "f", "0.25"], ["HINCRBY", "h", "g", "2"],
        ["HDEL", "h", "nof"], ["SADD", "s", "a"], ["SPOP", "s"], ["SADD", "s", "1", "2"],
        ["SPOP", "s", "5"], ["SPOP", "s", "0"], ["SMOVE", "s", "t", "q"],
        ["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"], ["BZPOPMIN", "z", "0"],
        ["BZPOPMAX", "noz", "z", "0"], ["ZMPOP", "1", "z", "MIN", "COUNT", "1"],
        ["BZMPOP", "0", "1", "z", "MAX", "COUNT", "5"], ["ZADD", "z", "INCR", "1.5", "m"],
        ["ZREM", "z", "nom"],
    ],
    "streams": [
        ["XADD", "x", "1-1", "f", "v"], ["XADD", "x", "*", "f", "v"], ["XADD", "x", "5-*", "f", "v"],
        ["XADD", "x", "MAXLEN", "~", "1", "*", "f", "v"], ["XTRIM", "x", "MAXLEN", "~", "0"],
        ["XTRIM", "x", "MAXLEN", "=", "2"], ["XADD", "x", "NOMKSTREAM", "MINID", "=", "0", "*", "a", "b"],
        ["XGROUP", "CREATE", "x", "g", "0"], ["XGROUP", "CREATE", "y", "g2", "$", "MKSTREAM"],
        ["XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "x", ">"],
        ["XREADGROUP", "GROUP", "g", "c2", "NOACK", "COUNT", "1", "STREAMS", "x", ">"],
        ["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "x", "0"],
        ["XREADGROUP", "GROUP", "g", "c3", "NOACK", "STREAMS", "x", ">"],
        ["XGROUP", "CREATECONSUMER", "x", "g", "c4"], ["XGROUP", "DELCONSUMER", "x", "g", "c4"],
        ["XGROUP", "SETID", "x", "g", "0", "ENTRIESREAD", "0"],
        ["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "x", ">"],
        ["XCLAIM", "x", "g", "c2", "0", "1-1"], ["XCLAIM", "x", "g", "c2", "0", "1-1", "JUSTID"],
        ["XAUTOCLAIM", "x", "g", "c3", "0", "0", "COUNT", "2"], ["XACK", "x", "g", "1-1"],
        ["XDEL", "x", "1-1"], ["XSETID", "y", "9-9"], ["XGROUP", "DESTROY", "y", "g2"],
    ],
    "transactions": [
        ["MULTI"], ["SET", "t1", "v"], ["INCR", "t2"], ["GET", "t1"], ["EXEC"],
        ["MULTI"], ["SET", "t1", "w"], ["GET", "t1"], ["EXEC"],
        ["MULTI"], ["GET", "t1"], ["EXEC"],
        ["MULTI"], ["SELECT", "3"], ["SET", "t3", "v"], ["SELECT", "0"], ["EXEC"],
        ["MULTI"], ["SET", "t4", "v", "EX", "100"], ["INCRBYFLOAT", "t5", "2"], ["EXEC"],
    ],
    "scripts": [
        ["EVAL", "redis.call('set', KEYS[1], 'v') return 1", "1", "sc1"],
        ["EVAL", "redis.call('set', KEYS[1], 'v') redis.call('incr', KEYS[2]) return 1", "2",
         "sc1", "sc2"],
        ["EVAL", "return redis.call('get', KEYS[1])", "1", "sc1"],
        ["EVAL", "redis.call('set', KEYS[1], 'v', 'EX', 100) redis.call('spop', KEYS[2]) "
                 "return 1", "2", "sc3", "nosuchset"],
        ["EVAL", "redis.set_repl(redis.REPL_NONE) redis.call('set', KEYS[1], 'x') "
                 "redis.set_repl(redis.REPL_ALL) redis.call('set', KEYS[2], 'y') return 1",
         "2", "sc4", "sc5"],
        ["FUNCTION", "LOAD", "REPLACE",
         "#!lua name=aoflib\nredis.register_function('f', function(keys, args) "
         "return redis.call('incr', keys[1]) end)"],
        ["FCALL", "f", "1", "fc1"], ["FUNCTION", "DELETE", "aoflib"],
    ],
    "keyspace": [
        ["SET", "k1", "v"], ["COPY", "k1", "k2"], ["COPY", "k1", "k2", "DB", "2", "REPLACE"],
        ["RENAME", "k2", "k3"], ["RENAMENX", "k3", "k1"], ["MOVE", "k3", "4"],
        ["SWAPDB", "4", "5"], ["DEL", "k1", "nokey"], ["UNLINK", "nokey"], ["FLUSHDB"],
        ["FLUSHDB"], ["SELECT", "5"], ["SET", "k4", "v"], ["FLUSHALL"], ["FLUSHALL", "ASYNC"],
        ["SELECT", "0"], ["SORT", "nolist", "STORE", "dst"], ["RPUSH", "sl", "3", "1", "2"],
        ["SORT", "sl", "STORE", "dst"],
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_commands_log_their_effects(aof, name):
    check(aof, CASES[name])


def test_spop_with_count_logs_each_member(aof):
    aof.both("DEL", "sp")
    aof.both("SADD", "sp", *[str(i) for i in range(20)])
    logged = check(aof, [["SPOP", "sp", "3"], ["SPOP", "sp", "15"], ["SPOP", "sp", "10"]],
                   loose_members=True)
    assert [a[0] for a in logged].count(b"SREM") == 18


def test_expired_keys_are_logged_as_del(aof):
    aof.both("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        aof.both("SET", "ex1", "v", "PX", "1")
        aof.both("SET", "ex2", "v", "PX", "1")
        time.sleep(0.05)
        # a read deleting the key logs DEL alone; a write that first deletes
        # the expired key logs both as one MULTI/EXEC unit
        logged = check(aof, [["GET", "ex1"], ["SET", "ex2", "new"]])
        assert logged[0] == [b"DEL", b"ex1"]
    finally:
        aof.both("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_blocked_client_served_later_logs_the_pop(aof):
    waiters = aof.connect()
    pushers = aof.connect()
    before = aof.offsets()
    for w in waiters:
        w.send_command("BLMOVE", "bl", "bdst", "left", "right", "0")
    for w in aof.connect():
        w.send_command("BZPOPMIN", "bz", "0")
    time.sleep(0.2)
    for p in pushers:
        p.call("RPUSH", "bl", "a", "b")
        p.call("ZADD", "bz", "1", "m")
    for w in waiters:
        w.read_reply()
    time.sleep(0.05)
    red, ours = aof.appended(before)
    assert normalize(parse_aof(ours)) == normalize(parse_aof(red))
