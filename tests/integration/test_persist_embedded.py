"""Snapshots in embedded mode: an Engine given ``dir`` loads and saves its
file; BGSAVE forks the embedding process (other threads keep running
commands) and the engine reaps the child on a later call."""

import os
import threading
import time

import pytest

import pyengine
from pyengine.persist import RdbError


def wait_bgsave(e, timeout=30):
    deadline = time.time() + timeout
    while b"rdb_bgsave_in_progress:1" in e.execute("INFO", "persistence"):
        assert time.time() < deadline, "BGSAVE did not finish"
        time.sleep(0.02)


def test_engine_save_and_load(tmp_path):
    e = pyengine.Engine(dir=str(tmp_path))
    e.execute("SET", "a", "1")
    e.execute("HSET", "h", "f", "v")
    e.execute("SET", "t", "x", "EX", "1000")
    assert e.execute("SAVE") == "OK"
    assert (tmp_path / "dump.rdb").exists()
    e2 = pyengine.Engine(dir=str(tmp_path))
    assert e2.execute("DBSIZE") == 3
    assert e2.execute("HGET", "h", "f") == b"v"
    assert 0 < e2.execute("TTL", "t") <= 1000
    # no dir/dbfilename option: nothing is loaded
    assert pyengine.Engine().execute("DBSIZE") == 0


def test_engine_bgsave_with_threads(tmp_path):
    e = pyengine.Engine(dir=str(tmp_path), rdb_key_save_delay=200)
    for i in range(2000):
        e.execute("SET", "k%d" % i, "v")
    stop = threading.Event()
    counts = []

    def writer():
        n = 0
        while not stop.is_set():
            e.execute("INCR", "ctr")
            n += 1
        counts.append(n)

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert e.execute("BGSAVE") == "Background saving started"
        time.sleep(0.2)
        assert b"rdb_bgsave_in_progress:1" in e.execute("INFO", "persistence")
    finally:
        stop.set()
        t.join()
    assert counts[0] > 0                    # the other thread ran during the save
    wait_bgsave(e)
    info = e.execute("INFO", "persistence")
    assert b"rdb_last_bgsave_status:ok" in info
    e2 = pyengine.Engine(dir=str(tmp_path))
    assert e2.execute("DBSIZE") in (2000, 2001)
    assert e2.execute("GET", "k1999") == b"v"


def test_engine_load_damaged_file_raises(tmp_path):
    (tmp_path / "dump.rdb").write_bytes(b"REDIS0010\xfe")
    with pytest.raises(RdbError) as err:
        pyengine.Engine(dir=str(tmp_path))
    assert err.value.offset == 10


def test_server_thread_bgsave(tmp_path):
    import redis
    with pyengine.ServerThread(dir=str(tmp_path)) as srv:
        r = redis.Redis(port=srv.port)
        r.set("k", "v")
        assert r.bgsave()
        deadline = time.time() + 30
        while r.info("persistence")["rdb_bgsave_in_progress"]:
            assert time.time() < deadline
            time.sleep(0.02)
        assert r.info("persistence")["rdb_last_bgsave_status"] == "ok"
        assert r.lastsave()
    assert pyengine.Engine(dir=str(tmp_path)).execute("GET", "k") == b"v"


def test_write_snapshot_to_path_file_or_fd(tmp_path):
    """The snapshot writer the AOF base file reuses: the whole dataset and
    the libraries as RDB to a path, a file object or a descriptor, with the
    "aof-base" AUX field when asked, and no side effect on dirty/lastsave."""
    from pyengine import rdb
    e = pyengine.Engine()
    e.execute("SET", "a", "1")
    e.execute("XADD", "s", "1-1", "f", "v")
    e.execute("ZADD", "z", "1", "m")
    p = e.instance.persistence
    dirty = e.instance.srv.dirty
    lastsave = e.execute("LASTSAVE")
    n, keys = p.write_snapshot(tmp_path / "a.rdb")
    assert keys == 3 and n == os.path.getsize(tmp_path / "a.rdb")
    with open(tmp_path / "b.rdb", "wb") as f:
        f.write(b"")                        # (buffered data is flushed first)
        p.write_snapshot(f, aof_base=True)
    fd = os.open(tmp_path / "c.rdb", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        p.write_snapshot(fd)
    finally:
        os.close(fd)
    assert e.instance.srv.dirty == dirty and e.execute("LASTSAVE") == lastsave
    for name, base in (("a.rdb", b"0"), ("b.rdb", b"1"), ("c.rdb", b"0")):
        data = (tmp_path / name).read_bytes()
        aux = {}

        class H:
            def aux(self, k, v):
                aux[k] = v
        e2 = pyengine.Engine()
        stats = rdb.load_buffer(e2.instance.srv, data, handler=H())
        assert stats["keys_loaded"] == 3 and stats["consumed"] == len(data)
        assert aux[b"aof-base"] == base
        assert e2.execute("XRANGE", "s", "-", "+") == [[b"1-1", [b"f", b"v"]]]
