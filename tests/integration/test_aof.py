"""The append-only file across restarts, rewrites, damage and crashes, and
its interoperability with the real redis-server and redis-check-aof.

Each test runs pyengine-server processes on a data directory it owns;
``DEBUG DIGEST`` (Redis's digest of the whole dataset) compares datasets.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest

from helpers import RawConnection, ServerProcess, free_port, wait_for_port, ROOT

IN_CI = bool(os.environ.get("CI"))


def _need(binary):
    if shutil.which(binary) is None:
        msg = "%s is not installed (apt-get install redis-server redis-tools)" % binary
        if IN_CI:
            pytest.fail(msg + " - the AOF interop tests must run in CI")
        pytest.skip(msg)


_STARTED = []          # every Server of the running test, stopped at its end


class Server:
    """A server process on ``datadir`` that survives its own restarts."""

    def __init__(self, datadir, kind="pyengine", args=()):
        self.datadir = datadir
        self.kind = kind
        self.args = list(args)
        self.proc = None
        self.port = None
        self.logpath = os.path.join(datadir, "log-%s.txt" % kind)

    def start(self, check=True):
        self.port = free_port()
        argv = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--dir",
                self.datadir, "--appendonly", "yes", "--enable-debug-command", "yes"] + self.args
        cmd = ([shutil.which("redis-server")] if self.kind == "redis" else
               [sys.executable, "-m", "server.main"]) + argv
        log = open(self.logpath, "a")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        _STARTED.append(self)
        if check:
            wait_for_port(self.port, self.proc)
        return self

    def conn(self):
        return RawConnection(self.port)

    def call(self, *args):
        c = self.conn()
        try:
            return c.call(*args)
        finally:
            c.close()

    def stop(self, sig=signal.SIGTERM):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log(self):
        with open(self.logpath) as f:
            return f.read()


@pytest.fixture
def datadir():
    d = tempfile.mkdtemp(prefix="pe-aof-")
    yield d
    while _STARTED:                   # whatever a failing test left running
        _STARTED.pop().stop(signal.SIGKILL)
    shutil.rmtree(d, ignore_errors=True)


def aofdir(datadir):
    return os.path.join(datadir, "appendonlydir")


def manifest(datadir):
    with open(os.path.join(aofdir(datadir), "appendonly.aof.manifest")) as f:
        return [line.split() for line in f.read().splitlines()]


def fill(srv):
    c = srv.conn()
    try:
        for args in (
            ("SET", "str", "value"), ("SET", "int", "12345"), ("SET", "ttl", "v", "EX", "1000"),
            ("INCRBYFLOAT", "float", "1.25"),
            ("RPUSH", "list", *[str(i) for i in range(300)]), ("LPOP", "list"),
            ("SADD", "iset", "1", "2", "3"), ("SADD", "set", *["m%d" % i for i in range(600)]),
            ("SPOP", "set"),
            ("HSET", "hash", "a", "1", "b", "2"), ("HINCRBYFLOAT", "hash", "a", "0.5"),
            ("ZADD", "zset", "1", "a", "2.5", "b", "-3", "c"), ("ZPOPMIN", "zset"),
            ("XADD", "stream", "*", "f", "v"), ("XADD", "stream", "*", "f", "w"),
            ("XGROUP", "CREATE", "stream", "g", "0"),
            ("XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "stream", ">"),
            ("XGROUP", "CREATE", "emptystream", "g", "$", "MKSTREAM"),
            ("XADD", "trimmed", "5-1", "f", "v"), ("XDEL", "trimmed", "5-1"),
            ("SELECT", "3"), ("SET", "other", "db"), ("EXPIRE", "other", "5000"),
            ("EVAL", "redis.call('set', KEYS[1], 'a') redis.call('append', KEYS[1], 'b')",
             "1", "scripted"),
            ("MULTI",), ("INCR", "tx"), ("INCR", "tx"), ("EXEC",),
        ):
            reply = c.call(*args)
            assert not reply.startswith(b"-"), (args, reply)
    finally:
        c.close()


def digest(srv):
    return srv.call("DEBUG", "DIGEST")


def rewrite(srv):
    """BGREWRITEAOF, and wait until it has finished."""
    assert srv.call("BGREWRITEAOF").startswith(b"+Background append only file rewriting")
    for _ in range(400):
        info = srv.call("INFO", "persistence")
        if b"aof_rewrite_in_progress:0" in info and b"aof_rewrite_scheduled:0" in info:
            return
        time.sleep(0.05)
    raise AssertionError("the AOF rewrite did not finish")


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_data_survives_restart_and_rewrite(datadir, preamble):
    srv = Server(datadir, args=["--aof-use-rdb-preamble", preamble]).start()
    try:
        fill(srv)
        before = digest(srv)
        srv.stop()
        srv.start()
        assert digest(srv) == before
        rewrite(srv)
        srv.call("SET", "after", "rewrite")
        after = digest(srv)
        m = manifest(datadir)
        assert [line[-1] for line in m] == ["b", "i"]
        assert m[0][1].endswith(".base.rdb" if preamble == "yes" else ".base.aof")
        assert m[0][3] != "1"
        files = sorted(os.listdir(aofdir(datadir)))
        assert files == sorted([m[0][1], m[1][1], "appendonly.aof.manifest"])
        srv.stop(signal.SIGKILL)          # no shutdown fsync: appendfsync everysec wrote it
        srv.start()
        assert digest(srv) == after
        assert srv.call("TTL", "ttl") not in (b":-1\r\n", b":-2\r\n")
    finally:
        srv.stop()


def test_truncated_tail_is_cut_back_or_refused(datadir):
    srv = Server(datadir, args=["--aof-use-rdb-preamble", "no"]).start()
    srv.call("SET", "a", "1")
    srv.call("SET", "b", "2")
    srv.stop()
    incr = os.path.join(aofdir(datadir), manifest(datadir)[-1][1])
    whole = os.path.getsize(incr)
    with open(incr, "ab") as f:
        f.write(b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1")         # a write cut short by a crash
    refusing = Server(datadir, args=["--aof-load-truncated", "no"]).start(check=False)
    try:
        assert refusing.proc.wait(20) == 1
    finally:
        refusing.stop(signal.SIGKILL)
    assert "Unexpected end of file reading the append only file" in refusing.log()
    srv.start()
    try:
        assert srv.call("MGET", "a", "b", "c") == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"
        assert "loaded anyway because aof-load-truncated is enabled" in srv.log()
    finally:
        srv.stop()
    assert os.path.getsize(incr) == whole


def test_incomplete_transaction_is_reverted(datadir):
    srv = Server(datadir, args=["--aof-use-rdb-preamble", "no"]).start()
    srv.call("SET", "a", "1")
    srv.stop()
    incr = os.path.join(aofdir(datadir), manifest(datadir)[-1][1])
    with open(incr, "ab") as f:
        f.write(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n")
    srv.start()
    try:
        assert srv.call("EXISTS", "a", "b") == b":1\r\n"
        assert "Revert incomplete MULTI/EXEC transaction" in srv.log()
    finally:
        srv.stop()


def test_damaged_file_stops_startup(datadir):
    srv = Server(datadir, args=["--aof-use-rdb-preamble", "no"]).start()
    srv.call("SET", "a", "1")
    srv.stop()
    incr = os.path.join(aofdir(datadir), manifest(datadir)[-1][1])
    with open(incr, "r+b") as f:
        f.seek(0)
        f.write(b"!")
    bad = Server(datadir).start(check=False)
    try:
        assert bad.proc.wait(20) == 1
    finally:
        bad.stop(signal.SIGKILL)
    assert "Bad file format reading the append only file" in bad.log()


@pytest.mark.parametrize("damage, message", [
    (b"*1\r\n$3\r\nFOO\r\n", "Unknown command 'FOO' reading the append only file"),
    (b"*2\r\n$3\r\nDEL\r\n!1\r\nk\r\n", "Bad file format reading the append only file"),
])
def test_damage_in_the_middle_stops_startup(datadir, damage, message):
    srv = Server(datadir, args=["--aof-use-rdb-preamble", "no"]).start()
    srv.call("SET", "a", "1")
    srv.stop()
    incr = os.path.join(aofdir(datadir), manifest(datadir)[-1][1])
    with open(incr, "ab") as f:
        f.write(damage + b"*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n")
    bad = Server(datadir).start(check=False)
    try:
        assert bad.proc.wait(20) == 1
    finally:
        bad.stop(signal.SIGKILL)
    assert message in bad.log()


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_redis_check_aof_accepts_our_files(datadir, preamble):
    _need("redis-check-aof")
    srv = Server(datadir, args=["--aof-use-rdb-preamble", preamble]).start()
    try:
        fill(srv)
        rewrite(srv)
        srv.call("SET", "x", "y")
    finally:
        srv.stop()
    out = subprocess.run(["redis-check-aof", os.path.join(aofdir(datadir),
                                                          "appendonly.aof.manifest")],
                         capture_output=True, text=True, timeout=60)
    assert "All AOF files and manifest are valid" in out.stdout, out.stdout + out.stderr


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_real_redis_loads_our_aof_and_we_load_its(datadir, preamble):
    _need("redis-server")
    ours = Server(datadir, args=["--aof-use-rdb-preamble", preamble]).start()
    try:
        fill(ours)
        rewrite(ours)
        ours.call("SET", "tail", "incr")
        expected = digest(ours)
    finally:
        ours.stop()
    red = Server(datadir, kind="redis", args=["--aof-use-rdb-preamble", preamble]).start()
    try:
        for _ in range(100):
            if b"loading:0" in red.call("INFO", "persistence"):
                break
            time.sleep(0.05)
        assert digest(red) == expected
        red.call("SET", "from", "redis")
        rewrite(red)
        red.call("RPUSH", "from-list", "a")
        expected = digest(red)
    finally:
        red.stop()
    ours.start()
    try:
        assert digest(ours) == expected
    finally:
        ours.stop()


def test_config_set_appendonly_turns_it_on_and_off(datadir):
    srv = Server(datadir, args=["--aof-use-rdb-preamble", "no"])
    srv.args += ["--appendonly", "no"]
    srv.start()
    try:
        srv.call("SET", "before", "1")
        assert srv.call("CONFIG", "SET", "appendonly", "yes") == b"+OK\r\n"
        for _ in range(100):
            if b"aof_rewrite_in_progress:0" in srv.call("INFO", "persistence"):
                break
            time.sleep(0.05)
        srv.call("SET", "after", "2")
        assert b"aof_enabled:1" in srv.call("INFO", "persistence")
        assert [line[-1] for line in manifest(datadir)] == ["b", "i"]
        assert srv.call("CONFIG", "SET", "appendonly", "no") == b"+OK\r\n"
        srv.call("SET", "unlogged", "3")
    finally:
        srv.stop()
    srv.args = srv.args[:-2]             # appendonly yes again at start-up
    srv.start()
    try:
        assert srv.call("MGET", "before", "after", "unlogged") == \
            b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"
    finally:
        srv.stop()


def _writer(port, name, acked, stop):
    """SET name:i i for i = 1, 2, ... recording each acknowledged i."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError:
        return
    i = 0
    buf = b""
    try:
        while not stop.is_set():
            i += 1
            key = b"%s:%d" % (name, i)
            s.sendall(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%d\r\n" % (
                len(key), key, len(str(i)), i))
            while b"\r\n" not in buf:
                data = s.recv(4096)
                if not data:
                    return
                buf += data
            line, buf = buf.split(b"\r\n", 1)
            if line == b"+OK":
                acked.append(i)
    except OSError:
        return
    finally:
        s.close()


@pytest.mark.timeout(max(300, 5 * int(os.environ.get("PYENGINE_AOF_KILLS", "20"))))
def test_sigkill_loses_no_acknowledged_write(datadir):
    """appendfsync always: kill -9 while 3 clients write, 20 times; after
    each restart every write a client saw acknowledged is there. More kills:
    tools/aof_kill_stress.sh."""
    kills = int(os.environ.get("PYENGINE_AOF_KILLS", "20"))
    srv = Server(datadir, args=["--appendfsync", "always", "--aof-use-rdb-preamble", "no"])
    expected = {}
    for round_ in range(kills):
        srv.start()
        conn = srv.conn()
        try:
            for name, top in expected.items():
                if top:
                    reply = conn.call("GET", b"%s:%d" % (name, top))
                    assert reply == b"$%d\r\n%d\r\n" % (len(str(top)), top), (round_, name, top)
        finally:
            conn.close()
        stop = threading.Event()
        acks = {}
        threads = []
        for w in range(3):
            name = b"r%dw%d" % (round_, w)
            acks[name] = []
            t = threading.Thread(target=_writer, args=(srv.port, name, acks[name], stop))
            t.start()
            threads.append(t)
        time.sleep(0.15)
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait()
        stop.set()
        for t in threads:
            t.join()
        srv.proc = None
        for name, got in acks.items():
            expected[name] = got[-1] if got else 0
    srv.start()
    try:
        conn = srv.conn()
        for name, top in expected.items():
            for i in range(1, top + 1):
                assert conn.call("EXISTS", b"%s:%d" % (name, i)) == b":1\r\n", (name, i)
        conn.close()
        assert sum(expected.values()) > 0
    finally:
        srv.stop()


def test_debug_loadaof_reloads_from_the_file(datadir):
    srv = Server(datadir).start()
    try:
        fill(srv)
        before = digest(srv)
        assert srv.call("DEBUG", "LOADAOF") == b"+OK\r\n"
        assert digest(srv) == before
        assert srv.call("FCALL", "nosuch", "0").startswith(b"-")
    finally:
        srv.stop()


def test_write_error_refuses_writes_until_the_aof_can_be_written(datadir):
    """appendfsync everysec: a failed AOF write (here the disk is full)
    makes writes fail with Redis's MISCONF error, reads still work, and
    everything is accepted again once a write succeeds."""
    cwd = os.getcwd()                 # an engine's dir option chdirs the process
    try:
        _write_error_round(datadir)
    finally:
        os.chdir(cwd)


def _write_error_round(datadir):
    import pyengine
    e = pyengine.Engine(appendonly=True, appendfsync="everysec", dir=datadir)
    aof = e.instance.aof
    saved = os.dup(aof.fd)
    full = os.open("/dev/full", os.O_WRONLY)
    try:
        os.dup2(full, aof.fd)
        e.execute("SET", "lost?", "1")        # its AOF write fails after the reply
        with pytest.raises(pyengine.ResponseError,
                           match="MISCONF Errors writing to the AOF file: No space left"):
            e.execute("SET", "k", "v")
        assert e.execute("GET", "lost?") == b"1"
        assert b"aof_last_write_status:err" in e.execute("INFO", "persistence")
        os.dup2(saved, aof.fd)
        e.instance.cron()                     # retries the write
        assert e.execute("SET", "k", "v") == "OK"
    finally:
        os.close(full)
        os.close(saved)
    aof.shutdown()
    reloaded = pyengine.Engine(appendonly=True, dir=datadir)
    assert reloaded.execute("MGET", "lost?", "k") == [b"1", b"v"]
