"""ServerThread / Engine.serve(): a real server on a background thread,
sharing an Engine's data, stopped cleanly without signal handlers."""

import os
import signal
import socket
import subprocess
import threading
import time

import pytest

import pyengine
from pyengine import Engine
from server.threaded import ServerThread

redis = pytest.importorskip("redis")


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_exported_names():
    assert pyengine.ServerThread is ServerThread


def test_context_manager_serves_and_stops():
    with pyengine.ServerThread() as srv:
        assert 0 < srv.port < 55000
        assert srv.running
        r = redis.Redis(port=srv.port)
        assert r.set("k", "v") is True
        assert r.get("k") == b"v"
        assert srv.engine.execute("GET", "k") == b"v"
        assert srv.url == "redis://127.0.0.1:%d/0" % srv.port
        r.close()
    assert not srv.running
    assert not port_open(srv.port)
    assert srv.engine.instance.frontend is None
    assert srv.engine.execute("GET", "k") == b"v"    # the data stays with the engine


def test_engine_serve_shares_data_both_ways():
    e = Engine()
    e.execute("SET", "from-engine", "1")
    with e.serve() as srv:
        r = redis.Redis(port=srv.port, decode_responses=True)
        assert r.get("from-engine") == "1"
        r.set("from-socket", "2")
        assert e.execute("GET", "from-socket") == b"2"
        embedded = pyengine.Redis(engine=e)
        assert embedded.get("from-socket") == b"2"
        r.close()


def test_given_port_and_config_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with ServerThread(port=port) as srv:
        assert srv.port == port
        r = redis.Redis(port=port)
        assert r.config_get("port") == {"port": str(port)}
        r.close()


def test_port_in_use_raises():
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        srv = ServerThread(port=busy.getsockname()[1])
        with pytest.raises(OSError):
            srv.start()
        assert srv.engine.instance.frontend is None
    finally:
        busy.close()


def test_engine_options_for_a_new_engine():
    with ServerThread(maxmemory="5mb") as srv:
        assert srv.engine.execute("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"5242880"]
    with pytest.raises(TypeError):
        ServerThread(engine=Engine(), maxmemory="5mb")


def test_one_server_per_engine_and_restart():
    e = Engine()
    srv = e.serve()
    try:
        with pytest.raises(RuntimeError):
            e.serve()
    finally:
        srv.stop()
    srv.stop()                      # idempotent
    with e.serve() as again:        # the engine can be served again
        assert redis.Redis(port=again.port).ping() is True


def test_unix_socket(tmp_path):
    path = str(tmp_path / "t.sock")
    with ServerThread(unix_socket=path) as srv:
        r = redis.Redis(unix_socket_path=path)
        assert r.set("u", "1") is True
        assert srv.engine.execute("GET", "u") == b"1"
        info = r.client_info()
        assert info["addr"] == path + ":0" and "U" in info["flags"]
        r.close()
    assert not os.path.exists(path)


def test_redis_cli_against_server_thread():
    from serverproc import need_tool
    cli = need_tool("redis-cli")
    with ServerThread() as srv:
        out = subprocess.run([cli, "-p", str(srv.port), "set", "k", "v"], capture_output=True,
                             text=True, timeout=30)
        assert out.stdout == "OK\n"
        assert srv.engine.execute("GET", "k") == b"v"


def test_stop_closes_connected_clients():
    srv = ServerThread().start()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
    s.sendall(b"PING\r\n")
    assert s.recv(100) == b"+PONG\r\n"
    t0 = time.monotonic()
    srv.stop()
    assert time.monotonic() - t0 < 1.0        # woken at once, not at the next cron tick
    assert s.recv(100) == b""                 # the server closed it
    s.close()


def test_no_signal_handlers_touched():
    before = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
    done = {}

    def in_thread():               # started and stopped from a non-main thread
        with ServerThread() as srv:
            done["pong"] = redis.Redis(port=srv.port).ping()
    t = threading.Thread(target=in_thread)
    t.start()
    t.join(30)
    assert done.get("pong") is True
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_shutdown_command_stops_the_thread():
    e = Engine()
    srv = e.serve()
    redis.Redis(port=srv.port).set("k", "v")
    with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
        s.sendall(b"SHUTDOWN NOSAVE\r\n")
        assert s.recv(100) == b""             # no reply: the connection closes
    srv._thread.join(5)
    assert not srv.running
    assert e.instance.frontend is None
    assert e.execute("GET", "k") == b"v"
    srv.stop()


def test_engine_and_network_clients_never_run_concurrently():
    """INCR from the engine's own execute, from embedded redis-py clients
    and from network clients, all at once: no increment is lost."""
    e = Engine()
    n_threads, per_thread = 4, 300
    with e.serve() as srv:
        def net():
            r = redis.Redis(port=srv.port)
            for _ in range(per_thread):
                r.incr("n")
            r.close()

        def direct():
            for _ in range(per_thread):
                e.execute("INCR", "n")

        def embedded():
            r = pyengine.Redis(engine=e)
            for _ in range(per_thread):
                r.incr("n")
        threads = [threading.Thread(target=f) for f in (net, direct, embedded)
                   for _ in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert e.execute("GET", "n") == b"%d" % (3 * n_threads * per_thread)


def test_expiry_runs_while_served():
    """The server thread's cron does the active expiry for the engine."""
    e = Engine()
    with e.serve():
        for i in range(50):
            e.execute("SET", "k%d" % i, "v", "PX", "30")
        deadline = time.time() + 5
        while time.time() < deadline and e.instance.srv.stat_expiredkeys < 50:
            time.sleep(0.05)
        assert e.instance.srv.stat_expiredkeys == 50    # expired without being read


def test_pipeline_over_server_thread_protocols():
    with ServerThread() as srv:
        for proto in (2, 3):
            r = redis.Redis(port=srv.port, protocol=proto)
            p = r.pipeline(transaction=False)
            for i in range(200):
                p.set("p%d" % i, i)
            p.mget(["p0", "p199"])
            res = p.execute()
            assert res[-1] == [b"0", b"199"]
            assert r.client_info()["resp"] == str(proto)
            r.close()
