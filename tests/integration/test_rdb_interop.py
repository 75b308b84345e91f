"""RDB files between pyengine and the real Redis 7.0 binaries.

Every type and encoding goes through the files: strings, quicklists, intsets,
hashtable sets, listpack and hashtable hashes, listpack and skiplist sorted
sets, streams (several nodes, deleted entries, consumer groups with pending
entries, consumers, XSETID counters, an empty stream with a group) and
function libraries. Streams are compared through XINFO STREAM FULL (which
shows the nodes, counters, groups, PELs with delivery times and counts, and
consumers with seen-times), libraries through FUNCTION LIST WITHCODE.

* pyengine SAVE -> ``redis-check-rdb`` passes -> ``redis-server`` loads the
  file and holds the same data (DEBUG DIGEST, per-key contents, TTLs);
* ``redis-server`` SAVE -> pyengine loads it with the same data;
* BGSAVE while serving (a fork: the parent keeps answering, the file is the
  state at the fork), save rules from the cron, DEBUG RELOAD, FLUSHALL and
  SHUTDOWN saves, MISCONF after a failed BGSAVE (compared with Redis);
* a truncated or corrupt file stops start-up with an error naming the file
  and the offset; a large file logs its loading progress.
"""

import os
import random
import re
import signal
import subprocess
import time

import pytest

from serverproc import Procs, base_args, free_port, log_messages, need_tool, wait_for
from test_server_process import call, connect

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def procs(tmp_path):
    p = Procs(tmp_path)
    yield p
    p.cleanup()


def value(raw):
    from engine.resp import ReplyReader
    rd = ReplyReader()
    rd.feed(raw)
    return rd.gets()


class Conn:
    def __init__(self, port):
        self.s = connect(port, timeout=60)

    def __call__(self, *args):
        return value(call(self.s, *args))

    def close(self):
        self.s.close()


def start(procs, kind, port, workdir, *extra, name=None):
    args = base_args(port, workdir) + ["--enable-debug-command", "yes"] + list(extra)
    p = (procs.pyengine if kind == "pyengine" else procs.redis)(args, name=name or kind)
    p.wait_port(port)
    return p


def populate(c):
    """Every type and encoding, TTLs, several databases."""
    c("CONFIG", "SET", "list-compress-depth", "1")
    c("CONFIG", "SET", "list-max-listpack-size", "16")
    c("SET", "int", "12345")
    c("SET", "shared", "7")
    c("SET", "bigint", "123456789012345")
    c("SET", "emb", "hello")
    c("SET", "raw", "compressible " * 200)
    c("SET", "random", random.Random(7).randbytes(5000))
    c("SET", "empty", "")
    c("SET", "key-longer-than-twenty-bytes-and-compressible-" * 3, "v")
    c("SET", "12345", "numeric key")
    c("RPUSH", "list", *["element %d" % i for i in range(2000)])
    c("RPUSH", "smalllist", "a", "1", "-5", "b")
    c("SADD", "intset16", "1", "2", "3")
    c("SADD", "intset64", "1", "9223372036854775807", "-9223372036854775808")
    c("SADD", "hset", *["member%d" % i for i in range(300)])
    c("HSET", "hlp", "f1", "v1", "f2", "2", "f3", "x" * 60)
    c("HSET", "hht", *[x for i in range(700) for x in ("field%d" % i, "value%d" % i)])
    c("HSET", "hbig", "f", "v" * 1000)
    c("ZADD", "zsmall", "1", "a", "2.5", "b", "-3", "c", "1e300", "d", "-inf", "e")
    c("ZADD", "zbig", *[x for i in range(400) for x in (str(i / 7), "zm%d" % i)])
    c("ZADD", "zlongmember", "1", "m" * 100)        # a skiplist of one
    populate_streams(c)
    c("FUNCTION", "LOAD", LIBRARY)
    c("SET", "ttl", "x", "PX", "100000000")
    c("RPUSH", "ttl-list", "a", "b")
    c("PEXPIRE", "ttl-list", "200000000")
    c("SELECT", "3")
    c("SET", "in-db-3", "three")
    c("SADD", "s3", "x", "y")
    c("SELECT", "15")
    c("HSET", "in-db-15", "a", "b")
    c("SELECT", "0")


LIBRARY = ("#!lua name=interop\n"
           "redis.register_function('hello', function(keys, args) return 'hi' end)\n"
           "redis.register_function{function_name='ro', callback=function() return 1 end, "
           "flags={'no-writes'}, description='read only'}")


def populate_streams(c):
    """Streams in every shape the RDB format has: several listpack nodes
    (stream-node-max-entries 5), entries with other fields than their
    node's master entry, deleted entries, groups with PELs (a re-delivered
    entry, an acknowledged one), consumers with and without pending
    entries, an integer-like group name, XSETID counters, and an empty
    stream that still has a group."""
    c("CONFIG", "SET", "stream-node-max-entries", "5")
    for i in range(1, 23):
        c("XADD", "stream", "%d-%d" % (i, i % 3), "f", str(i), "name", "v%d" % i)
    c("XADD", "stream", "30-0", "other", "fields", "here", "x" * 40)
    c("XDEL", "stream", "4-1", "5-2", "12-0")
    c("XGROUP", "CREATE", "stream", "g1", "0")
    c("XGROUP", "CREATE", "stream", "g2", "10-1", "ENTRIESREAD", "7")
    c("XGROUP", "CREATE", "stream", "12345", "$")
    c("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "4", "STREAMS", "stream", ">")
    c("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "stream", ">")
    c("XACK", "stream", "g1", "2-2")
    c("XCLAIM", "stream", "g1", "bob", "0", "1-1")
    c("XGROUP", "CREATECONSUMER", "stream", "g2", "idle")
    c("XREADGROUP", "GROUP", "g2", "carol", "COUNT", "2", "STREAMS", "stream", ">")
    c("XADD", "stream2", "1-1", "a", "1")
    c("XADD", "stream2", "2-1", "a", "2")
    c("XDEL", "stream2", "2-1")
    c("XSETID", "stream2", "100-0", "ENTRIESADDED", "50", "MAXDELETEDID", "40-0")
    c("XADD", "emptystream", "MAXLEN", "0", "5-5", "a", "b")
    c("XGROUP", "CREATE", "emptystream", "g", "$")
    c("CONFIG", "SET", "stream-node-max-entries", "100")


def snapshot(c, dbs=(0, 3, 15)):
    """{(db, key): (type, contents, has ttl)} through ordinary commands."""
    out = {}
    for db in dbs:
        c("SELECT", str(db))
        for key in c("KEYS", "*"):
            t = c("TYPE", key)
            if t == "string":
                v = c("GET", key)
            elif t == "list":
                v = c("LRANGE", key, "0", "-1")
            elif t == "set":
                v = sorted(c("SMEMBERS", key))
            elif t == "hash":
                flat = c("HGETALL", key)
                v = sorted(zip(flat[::2], flat[1::2]))
            elif t == "zset":
                v = c("ZRANGE", key, "0", "-1", "WITHSCORES")
            elif t == "stream":
                v = c("XINFO", "STREAM", key, "FULL")
            else:
                v = None
            out[(db, key)] = (t, v, c("PTTL", key) > 0)
    c("SELECT", "0")
    out["functions"] = [normalized_library(li) for li in c("FUNCTION", "LIST", "WITHCODE")]
    return out


def normalized_library(li):
    """A FUNCTION LIST entry with its functions sorted by name (Redis lists
    them in its hash order)."""
    d = dict(zip(li[::2], li[1::2]))
    d[b"functions"] = sorted(d[b"functions"], key=lambda f: f[1])
    return d


def check_rdb(path):
    tool = need_tool("redis-check-rdb")
    r = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "RDB looks OK" in r.stdout, r.stdout + r.stderr
    return r.stdout


@pytest.mark.parametrize("options", [(), ("--rdbcompression", "no"), ("--rdbchecksum", "no"),
                                     ("--maxmemory-policy", "allkeys-lfu"),
                                     ("--maxmemory-policy", "allkeys-lru")])
def test_pyengine_snapshot_loads_in_redis(procs, tmp_path, options):
    pport, rport = free_port(), free_port()
    start(procs, "pyengine", pport, tmp_path, *options)
    p = Conn(pport)
    populate(p)
    want = snapshot(p)
    digest = p("DEBUG", "DIGEST")
    assert p("SAVE") == "OK"
    out = check_rdb(tmp_path / "dump.rdb")
    assert "[info] %d keys read" % (len(want) - 1) in out
    start(procs, "redis", rport, tmp_path, *options)
    r = Conn(rport)
    assert snapshot(r) == want
    assert r("DEBUG", "DIGEST") == digest
    # and back: Redis's own snapshot of the same data loads into pyengine
    assert r("SAVE") == "OK"
    p("DEBUG", "RELOAD", "NOSAVE")
    assert snapshot(p) == want
    assert p("DEBUG", "DIGEST") == digest


def test_redis_snapshot_loads_in_pyengine(procs, tmp_path):
    rport, pport = free_port(), free_port()
    start(procs, "redis", rport, tmp_path)
    r = Conn(rport)
    populate(r)
    want = snapshot(r)
    r("SET", "expired", "x", "PX", "300")
    assert r("SAVE") == "OK"
    r("DEL", "expired")
    time.sleep(0.5)                     # expired by the time pyengine loads it
    p = start(procs, "pyengine", pport, tmp_path)
    c = Conn(pport)
    assert snapshot(c) == want
    assert c("DEBUG", "DIGEST") == r("DEBUG", "DIGEST")
    # the encodings pyengine picks for what it loaded are Redis's
    keys = [k for k in want if k != "functions"]
    for db, key in keys:
        c("SELECT", str(db))
        r("SELECT", str(db))
        assert c("OBJECT", "ENCODING", key) == r("OBJECT", "ENCODING", key), key
    info = c("INFO", "persistence").decode()
    assert "rdb_last_load_keys_loaded:%d" % len(keys) in info
    assert "rdb_last_load_keys_expired:1" in info
    msgs = log_messages(p.stdout())
    assert "Loading RDB produced by version 7.0.15" in msgs
    assert any(m.startswith("Done loading RDB, keys loaded: %d, keys expired: 1." % len(keys))
               for m in msgs)
    assert any(m.startswith("DB loaded from disk:") for m in msgs)


def test_debug_reload_keeps_everything(procs, tmp_path):
    pport, rport = free_port(), free_port()
    rdir = tmp_path / "r"
    rdir.mkdir()
    start(procs, "pyengine", pport, tmp_path, name="pe")
    start(procs, "redis", rport, rdir, name="redis")
    p, r = Conn(pport), Conn(rport)
    for c in (p, r):
        populate(c)
    before = snapshot(p)
    keys = [k for k in before if k != "functions"]
    encodings = {k: (p("SELECT", str(k[0])), p("OBJECT", "ENCODING", k[1]))[1] for k in keys}
    p("SELECT", "0")
    assert p("DEBUG", "RELOAD") == "OK"
    assert r("DEBUG", "RELOAD") == "OK"
    assert snapshot(p) == before
    assert {k: (p("SELECT", str(k[0])), p("OBJECT", "ENCODING", k[1]))[1] for k in keys} == encodings
    p("SELECT", "0")
    assert p("DEBUG", "DIGEST") == r("DEBUG", "DIGEST")
    # list nodes keep their shape (ql_nodes, compression) through the reload
    for c in (p, r):
        c("SELECT", "0")
    mask = lambda s: re.sub(r"Value at:0x[0-9a-f]+ |lru:\d+ lru_seconds_idle:\d+ ?", "", s)
    assert mask(p("DEBUG", "OBJECT", "list")) == mask(r("DEBUG", "OBJECT", "list"))
    for opts in (["NOSAVE"], ["NOSAVE", "NOFLUSH", "MERGE"], ["MERGE"]):
        assert p("DEBUG", "RELOAD", *opts) == "OK"
        assert r("DEBUG", "RELOAD", *opts) == "OK"
    assert p("DEBUG", "DIGEST") == r("DEBUG", "DIGEST")
    for c in (p, r):
        err = c("DEBUG", "RELOAD", "BOGUS")
        assert str(err) == "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."


def rdb_file(*items):
    """An RDB v10 file of raw items (opcodes and their bytes), EOF, CRC."""
    from engine.crc64 import py_crc64
    data = b"REDIS0010" + b"".join(items) + b"\xff"
    return data + py_crc64(data).to_bytes(8, "little")


def rdb_str(b):
    from engine import rdb as rdbenc
    return rdbenc.encode_string(b, False)


def test_function_libraries_in_files_like_redis(procs, tmp_path):
    """Libraries in files: the 7.0-rc opcode (name, engine, description and
    body apart) loads with its shebang rebuilt; DEBUG RELOAD replaces the
    libraries with the file's, keeps them with NOFLUSH MERGE and fails
    without MERGE (the library exists); a library that does not compile
    stops start-up. Each step compared with redis-server."""
    old = rdb_file(b"\xf6", rdb_str(b"oldlib"), rdb_str(b"LUA"), b"\x01", rdb_str(b"a desc"),
                   rdb_str(b"\nredis.register_function('oldf', function() return 7 end)"))
    bad = rdb_file(b"\xf5", rdb_str(b"#!lua name=bad\nthis is not lua"))
    results = {}
    for kind in ("redis", "pyengine"):
        d = tmp_path / kind
        d.mkdir()
        (d / "dump.rdb").write_bytes(old)
        port = free_port()
        start(procs, kind, port, d, name=kind)
        c = Conn(port)
        got = [c("FUNCTION", "LIST", "WITHCODE"), c("FCALL", "oldf", "0")]
        c("FUNCTION", "LOAD", LIBRARY)
        got.append(c("SAVE"))
        c("FUNCTION", "LOAD", "#!lua name=later\nredis.register_function('l', function() end)")
        got.append(c("DEBUG", "RELOAD", "NOSAVE"))
        got.append(sorted(li[1] for li in c("FUNCTION", "LIST")))
        got.append(str(c("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH")))
        got.append(c("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"))
        got.append(sorted(li[1] for li in c("FUNCTION", "LIST")))
        c.s.sendall(b"SHUTDOWN NOSAVE\r\n")
        (d / "dump.rdb").write_bytes(bad)
        proc = (procs.pyengine if kind == "pyengine" else procs.redis)(
            base_args(free_port(), d), name=kind + "-bad")
        proc.wait(timeout=60)      # (Redis exits with 0 here: its file check passed)
        got.append(any("Failed loading library" in m for m in log_messages(proc.stdout())))
        results[kind] = got
    assert results["pyengine"] == results["redis"]
    assert results["pyengine"][-1]


def _child_pid(proc):
    for m in log_messages(proc.stdout()):
        mm = re.match(r"Background saving started by pid (\d+)", m)
        if mm:
            last = int(mm.group(1))
    return last


def test_bgsave_while_serving(procs, tmp_path):
    port = free_port()
    proc = start(procs, "pyengine", port, tmp_path, "--rdb-key-save-delay", "1000")
    c = Conn(port)
    for i in range(3000):
        c("SET", "key:%d" % i, "v%d" % i)
    assert c("LASTSAVE") > 0
    before = c("LASTSAVE")
    assert c("BGSAVE") == "Background saving started"
    child = _child_pid(proc)
    try:
        # the parent serves while the child writes (3000 keys * 1 ms)
        t0 = time.monotonic()
        for i in range(200):
            assert c("SET", "during:%d" % i, "x") == "OK"
            assert c("GET", "key:%d" % i) == b"v%d" % i
        assert time.monotonic() - t0 < 1.0
        info = c("INFO", "persistence").decode()
        assert "rdb_bgsave_in_progress:1" in info
        assert "current_save_keys_total:3000" in info
        # the child reports its progress about once a second (every 1024 keys)
        wait_for(lambda: re.search(r"current_save_keys_processed:(\d+)",
                                   c("INFO", "persistence").decode()).group(1) != "0",
                 timeout=10, what="a progress report from the child")
        info = c("INFO", "persistence").decode()
        done = int(re.search(r"current_save_keys_processed:(\d+)", info).group(1))
        assert done % 1024 == 0 and 0 < done < 3000
        assert "current_fork_perc:%.2f" % (done * 100 / 3000) in info
        assert str(c("BGSAVE")) == "ERR Background save already in progress"
        assert str(c("SAVE")) == "ERR Background save already in progress"
        c("MULTI")
        c("BGSAVE")
        assert [str(e) for e in c("EXEC")] == ["ERR Background save already in progress"]
        wait_for(lambda: "rdb_bgsave_in_progress:0" in c("INFO", "persistence").decode(),
                 timeout=60, what="the BGSAVE to finish")
    finally:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass
    info = c("INFO", "persistence").decode()
    assert "rdb_last_bgsave_status:ok" in info
    assert "rdb_changes_since_last_save:200" in info      # the writes made during the save
    for field in ("current_save_keys_total", "current_save_keys_processed", "current_cow_size",
                  "current_cow_peak"):
        assert "%s:0\r\n" % field in info                # reset with the child
    assert c("LASTSAVE") >= before
    assert "Background saving terminated with success" in log_messages(proc.stdout())
    stats = c("INFO", "stats").decode()
    assert "total_forks:1" in stats
    out = check_rdb(tmp_path / "dump.rdb")
    assert "[info] 3000 keys read" in out                 # the state at the fork
    assert not [f for f in os.listdir(tmp_path) if f.startswith("temp-")]


def test_no_resize_while_a_child_saves(procs, tmp_path):
    """While a BGSAVE child runs, a full keyspace table does not grow (it
    would copy pages the child shares) until the load factor reaches 5;
    once the child is gone the next write grows it. Compared with Redis
    (its own test, "Don't rehash if redis has child process")."""
    sizes = {}
    for kind in ("redis", "pyengine"):
        d = tmp_path / kind
        d.mkdir()
        port = free_port()
        proc = start(procs, kind, port, d, "--rdb-key-save-delay", "1000000", name=kind)
        c = Conn(port)
        assert c("DEBUG", "POPULATE", "4096") == "OK"
        assert c("BGSAVE") == "Background saving started"
        wait_for(lambda: "rdb_bgsave_in_progress:1" in c("INFO", "persistence").decode(),
                 timeout=10)
        c("MSET", "k1", "v1", "k2", "v2")
        during = re.findall(r"table size: (\d+)", c("DEBUG", "HTSTATS", "0").decode())
        os.kill(_child_pid(proc), signal.SIGKILL)
        wait_for(lambda: "rdb_bgsave_in_progress:0" in c("INFO", "persistence").decode(),
                 timeout=10)
        c("SET", "k3", "v3")
        after = re.findall(r"table size: (\d+)", c("DEBUG", "HTSTATS", "0").decode())
        sizes[kind] = ("8192" in during, "8192" in after)   # grown (or growing) at all
    assert sizes["pyengine"] == sizes["redis"] == (False, True)


def test_key_load_delay_slows_loading(procs, tmp_path):
    port = free_port()
    start(procs, "pyengine", port, tmp_path)
    c = Conn(port)
    assert c("DEBUG", "POPULATE", "300") == "OK"
    assert c("CONFIG", "SET", "key-load-delay", "2000") == "OK"
    assert c("CONFIG", "GET", "key-load-delay") == [b"key-load-delay", b"2000"]
    t0 = time.monotonic()
    assert c("DEBUG", "RELOAD") == "OK"
    assert time.monotonic() - t0 >= 0.6
    assert c("DBSIZE") == 300
    c("CONFIG", "SET", "key-load-delay", "0")


def test_bgsave_schedule_inside_multi(procs, tmp_path):
    port = free_port()
    proc = start(procs, "pyengine", port, tmp_path)
    c = Conn(port)
    c("SET", "a", "1")
    assert c("BGSAVE", "SCHEDULE") == "Background saving started"
    wait_for(lambda: "rdb_bgsave_in_progress:0" in c("INFO", "persistence").decode(), timeout=30)
    c("MULTI")
    c("BGSAVE")
    assert c("EXEC") == ["Background saving scheduled"]
    wait_for(lambda: log_messages(proc.stdout()).count(
        "Background saving terminated with success") == 2, timeout=30,
        what="the scheduled BGSAVE")
    assert str(c("BGSAVE", "NOW")) == "ERR syntax error"


def test_save_rules_start_a_bgsave(procs, tmp_path):
    port = free_port()
    args = base_args(port, tmp_path)
    args[args.index("--save") + 1] = "1 2"
    proc = procs.pyengine(args)
    proc.wait_port(port)
    c = Conn(port)
    c("SET", "a", "1")
    time.sleep(2.5)
    assert not (tmp_path / "dump.rdb").exists()           # 1 change < 2
    c("SET", "b", "2")
    wait_for(lambda: (tmp_path / "dump.rdb").exists() and
             "Background saving terminated with success" in log_messages(proc.stdout()),
             timeout=20, what="the save rule")
    assert "2 changes in 1 seconds. Saving..." in log_messages(proc.stdout())
    wait_for(lambda: "rdb_changes_since_last_save:0" in c("INFO", "persistence").decode(),
             timeout=10)


def test_misconf_after_failed_bgsave_like_redis(procs, tmp_path):
    replies = {}
    for kind in ("redis", "pyengine"):
        port = free_port()
        d = tmp_path / kind
        d.mkdir()
        args = base_args(port, d) + ["--enable-debug-command", "yes"]
        args[args.index("--save") + 1] = "3600 1"
        proc = (procs.pyengine if kind == "pyengine" else procs.redis)(args, name=kind)
        proc.wait_port(port)
        c = Conn(port)
        c("FUNCTION", "LOAD", "#!lua name=m\nredis.register_function('w', function(k) "
                              "return redis.call('set', k[1], 1) end)")
        (d / "dump.rdb").mkdir()                      # the final rename fails
        got = [c("SET", "k", "v"), c("BGSAVE")]
        wait_for(lambda: "rdb_bgsave_in_progress:0" in c("INFO", "persistence").decode(),
                 timeout=30)
        info = c("INFO", "persistence").decode()
        got.append(re.search(r"rdb_last_bgsave_status:(\w+)", info).group(1))
        got += [str(c("SET", "k", "v2")), str(c("PING")), c("GET", "k"), str(c("SAVE"))]
        c("MULTI")
        got.append(str(c("SET", "k", "v3")))
        got.append(str(c("EXEC")))
        # scripts: a write inside a flagless EVAL, a shebang script without
        # no-writes (refused before it runs), reads and no-writes scripts
        for script in ("return redis.call('set','k',1)", "return redis.call('get','k')",
                       "#!lua\nreturn redis.call('set','k',1)",
                       "#!lua flags=no-writes\nreturn redis.call('get','k')"):
            got.append(str(c("EVAL", script, "1", "k")))
        got.append(str(c("FCALL", "w", "1", "k")))
        got.append(c("CONFIG", "SET", "stop-writes-on-bgsave-error", "no"))
        got.append(c("SET", "k", "v4"))
        c("CONFIG", "SET", "stop-writes-on-bgsave-error", "yes")
        (d / "dump.rdb").rmdir()
        got.append(c("SAVE"))
        got.append(c("SET", "k", "v5"))
        replies[kind] = got
    assert replies["pyengine"] == replies["redis"]
    assert replies["pyengine"][3].startswith("MISCONF")


def test_flushall_and_shutdown_save(procs, tmp_path):
    port = free_port()
    args = base_args(port, tmp_path)
    args[args.index("--save") + 1] = "3600 1000"
    proc = procs.pyengine(args)
    proc.wait_port(port)
    c = Conn(port)
    c("SET", "a", "1")
    assert c("FLUSHALL") == "OK"                    # with save rules: an empty snapshot now
    assert "[info] 0 keys read" in check_rdb(tmp_path / "dump.rdb")
    c("SET", "b", "2")
    assert "rdb_changes_since_last_save:1" in c("INFO", "persistence").decode()
    c.s.sendall(b"SHUTDOWN\r\n")
    assert proc.wait() == 0
    assert "Saving the final RDB snapshot before exiting." in log_messages(proc.stdout())
    assert "[info] 1 keys read" in check_rdb(tmp_path / "dump.rdb")
    # SHUTDOWN NOSAVE leaves the file as it was; SHUTDOWN SAVE without rules writes one
    port = free_port()
    proc = procs.pyengine(base_args(port, tmp_path), name="second")
    proc.wait_port(port)
    c = Conn(port)
    assert c("GET", "b") == b"2"
    c("SET", "c", "3")
    c.s.sendall(b"SHUTDOWN NOSAVE\r\n")
    assert proc.wait() == 0
    assert "[info] 1 keys read" in check_rdb(tmp_path / "dump.rdb")
    port = free_port()
    proc = procs.pyengine(base_args(port, tmp_path), name="third")
    proc.wait_port(port)
    c = Conn(port)
    c("SET", "c", "3")
    c.s.sendall(b"SHUTDOWN SAVE\r\n")
    assert proc.wait() == 0
    assert "[info] 2 keys read" in check_rdb(tmp_path / "dump.rdb")


def _good_file(procs, tmp_path):
    port = free_port()
    proc = start(procs, "pyengine", port, tmp_path, "--rdbcompression", "no", name="writer")
    c = Conn(port)
    for i in range(50):
        c("SET", "k%d" % i, "v" * 30)
        c("RPUSH", "l%d" % i, "a", "b")
    assert c("SAVE") == "OK"
    c.s.sendall(b"SHUTDOWN NOSAVE\r\n")
    proc.wait()
    return (tmp_path / "dump.rdb").read_bytes()


@pytest.mark.parametrize("damage", ["truncate-middle", "truncate-checksum", "flip-value",
                                    "bad-magic", "bad-version", "empty", "bad-type"])
def test_damaged_file_stops_startup(procs, tmp_path, damage):
    data = _good_file(procs, tmp_path)
    if damage == "truncate-middle":
        data = data[:len(data) // 2]
    elif damage == "truncate-checksum":
        data = data[:-3]
    elif damage == "flip-value":
        i = data.index(b"vvvvvvvv")
        data = data[:i] + b"w" + data[i + 1:]
    elif damage == "bad-magic":
        data = b"RODIS" + data[5:]
    elif damage == "bad-version":
        data = data[:5] + b"0011" + data[9:]
    elif damage == "empty":
        data = b""
    elif damage == "bad-type":
        i = data.index(b"\xfe\x00\xfb") + 5               # the first key's type byte
        data = data[:i] + b"\x08" + data[i + 1:]
    (tmp_path / "dump.rdb").write_bytes(data)
    port = free_port()
    proc = procs.pyengine(base_args(port, tmp_path), name="reader")
    assert proc.wait(timeout=60) != 0
    msgs = log_messages(proc.stdout())
    err = [m for m in msgs if "RDB file" in m and "at offset" in m]
    assert err, msgs
    assert str(tmp_path / "dump.rdb") in err[0]
    assert "Terminating server after rdb file reading failure." in msgs
    if damage == "flip-value":
        assert "RDB CRC error" in err[0]                 # the words Redis's own test looks for
        assert any(re.match(r"Wrong RDB checksum expected: \([0-9a-f]+\) but got \([0-9a-f]+\)\. "
                            r"Aborting now\.$", m) for m in msgs)
    if damage == "bad-magic":
        assert "Wrong signature" in err[0]


def test_unreadable_path_stops_startup(procs, tmp_path):
    (tmp_path / "dump.rdb").mkdir()
    port = free_port()
    proc = procs.pyengine(base_args(port, tmp_path))
    assert proc.wait(timeout=60) == 1
    assert "Fatal error loading the DB: Is a directory. Exiting." in log_messages(proc.stdout())


def test_large_file_logs_progress(procs, tmp_path):
    port = free_port()
    proc = start(procs, "pyengine", port, tmp_path, "--rdbcompression", "no", name="writer")
    c = Conn(port)
    assert c("DEBUG", "POPULATE", "300000", "key", "150") == "OK"
    assert c("SAVE") == "OK"
    c.s.sendall(b"SHUTDOWN NOSAVE\r\n")
    proc.wait()
    assert os.path.getsize(tmp_path / "dump.rdb") > 40 << 20
    port = free_port()
    proc = start(procs, "pyengine", port, tmp_path, name="reader")
    c = Conn(port)
    assert c("DBSIZE") == 300000
    progress = [m for m in log_messages(proc.stdout()) if m.startswith("Loading RDB file ")]
    assert len(progress) >= 3, progress
    assert str(tmp_path / "dump.rdb") in progress[0]
