"""pyengine-server as a process: command line and config files, limits,
sockets, logging, pidfile, daemonize, shutdown and signals, many clients.

Where redis-server's behaviour is observable from outside (its stderr
report for a bad config, the bytes a client over maxclients receives, the
log line layout) the test runs the real redis-server the same way and
compares.
"""

import os
import re
import resource
import signal
import socket
import stat
import subprocess
import time

import pytest

from serverproc import (LOG_LINE, SIGNAL_LOG_LINE, Procs, base_args, free_port, log_messages,
                        need_tool, port_open, raise_nofile, wait_for)

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def procs(tmp_path):
    p = Procs(tmp_path)
    yield p
    p.cleanup()


def call(sock, *args):
    """Send one command on a raw socket; return the raw reply bytes."""
    from engine.resp import encode_command, reply_end
    sock.sendall(encode_command(*args))
    buf = b""
    while True:
        end = reply_end(buf, 0) if buf else -1
        if end >= 0:
            return buf[:end]
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed; got %r" % buf)
        buf += chunk


def read_replies(sock, n):
    """The next ``n`` complete raw replies on ``sock``."""
    from engine.resp import reply_end
    out, buf = [], b""
    while len(out) < n:
        end = reply_end(buf, 0) if buf else -1
        if end >= 0:
            out.append(buf[:end])
            buf = buf[end:]
            continue
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed after %r" % out)
        buf += chunk
    assert buf == b""
    return out


def connect(port, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_until_closed(sock, timeout=5):
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def config_get(port, name):
    with connect(port) as s:
        reply = call(s, "CONFIG", "GET", name)
    parts = reply.split(b"\r\n")
    return parts[4].decode() if len(parts) > 4 else None


# ---- configuration: files, options, stdin ------------------------------------------

BAD_CONFIGS = [
    "foo bar",
    "port",
    "port 1 2",
    "maxclients abc",
    "timeout -1",
    "loglevel loud",
    "save 10",
    "daemonize maybe",
    "tcp-keepalive x y",
    'unixsocket "unbalanced',
]


@pytest.mark.parametrize("bad", BAD_CONFIGS)
def test_bad_config_file_report_matches_redis(procs, tmp_path, bad):
    path = tmp_path / "bad.conf"
    path.write_text("# a comment\n\nport %d\n%s\nmaxmemory 10mb\n" % (free_port(), bad))
    r = procs.redis([str(path)])
    p = procs.pyengine([str(path)])
    assert r.wait() == 1
    assert p.wait() == 1
    assert "FATAL CONFIG FILE ERROR (Redis 7.0.15)" in r.stderr()
    assert p.stderr() == r.stderr()
    assert p.stdout() == r.stdout() == ""


def test_bad_directive_report_text(procs, tmp_path):
    path = tmp_path / "bad.conf"
    path.write_text("port 6379\nno-such-directive yes\n")
    p = procs.pyengine([str(path)])
    assert p.wait() == 1
    assert p.stderr() == ("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
                          "Reading the configuration file, at line 2\n"
                          ">>> 'no-such-directive yes'\n"
                          "Bad directive or wrong number of arguments\n")


@pytest.mark.parametrize("args", [
    ["--port", "1", "--foo", "bar"],
    ["--port"],
    ["--maxclients", "many"],
    ["--save", "1"],
])
def test_bad_command_line_option_matches_redis(procs, args):
    r = procs.redis(args)
    p = procs.pyengine(args)
    assert r.wait() == 1
    assert p.wait() == 1
    assert p.stderr() == r.stderr()


def test_bad_config_from_stdin_matches_redis(procs):
    text = "port %d\nbogus 1 2 3\n" % free_port()
    r = procs.redis(["-"], stdin_text=text)
    p = procs.pyengine(["-"], stdin_text=text)
    assert r.wait() == 1
    assert p.wait() == 1
    assert p.stderr() == r.stderr()
    assert log_messages(p.stdout()) == log_messages(r.stdout()) == ["Reading config from stdin"]


def test_missing_config_file_matches_redis(procs, tmp_path):
    missing = str(tmp_path / "nope.conf")
    r = procs.redis([missing])
    p = procs.pyengine([missing])
    assert r.wait() == 1
    assert p.wait() == 1
    assert log_messages(p.stdout()) == log_messages(r.stdout())
    assert LOG_LINE.match(p.stdout().splitlines()[0])


def test_port_in_use_matches_redis(procs, tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        args = ["--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        r = procs.redis(args)
        p = procs.pyengine(args)
        assert r.wait() == 1
        assert p.wait() == 1
        want = ["Warning: Could not create server TCP listening socket 127.0.0.1:%d: bind: Address "
                "already in use" % port, "Failed listening on port %d (TCP), aborting." % port]
        assert log_messages(r.stdout())[-2:] == want
        assert log_messages(p.stdout())[-2:] == want
    finally:
        busy.close()


def test_no_listener_exits(procs, tmp_path):
    args = ["--port", "0", "--save", ""]
    r = procs.redis(args)
    p = procs.pyengine(args)
    assert r.wait() == 1
    assert p.wait() == 1
    assert log_messages(p.stdout())[-1] == log_messages(r.stdout())[-1] == \
        "Configured to not listen anywhere, exiting."


def test_config_file_then_command_line_options(procs, tmp_path):
    port = free_port()
    conf = tmp_path / "pe.conf"
    conf.write_text("# test config\nport 1\nbind 127.0.0.1\nsave 900 1\nmaxmemory 1mb\n"
                    "hz 20\ndatabases 4\n")
    p = procs.pyengine([str(conf), "--port", str(port), "--save", "", "--maxmemory", "2mb",
                        "--dir", str(tmp_path)])
    p.wait_port(port)
    assert config_get(port, "port") == str(port)          # options come after the file
    assert config_get(port, "save") == ""                  # --save "" given as the last option
    assert config_get(port, "maxmemory") == str(2 * 1024 * 1024)
    assert config_get(port, "hz") == "20"                  # from the file
    assert config_get(port, "databases") == "4"
    with connect(port) as s:
        assert call(s, "SELECT", "4") == b"-ERR DB index is out of range\r\n"
    msgs = log_messages(p.stdout())
    assert "Configuration loaded" in msgs


def test_save_empty_as_last_option(procs, tmp_path):
    port = free_port()
    p = procs.pyengine(["--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path),
                        "--save"])
    p.wait_port(port)
    assert config_get(port, "save") == ""


def test_config_from_stdin_plus_options(procs, tmp_path):
    port = free_port()
    text = "port %d\nbind 127.0.0.1\nsave \"\"\nmaxmemory-policy allkeys-lru\n" % port
    p = procs.pyengine(["-", "--hz", "25", "--dir", str(tmp_path)], stdin_text=text)
    p.wait_port(port)
    assert config_get(port, "maxmemory-policy") == "allkeys-lru"
    assert config_get(port, "hz") == "25"
    assert log_messages(p.stdout())[0] == "Reading config from stdin"


def test_config_file_include(procs, tmp_path):
    port = free_port()
    inc = tmp_path / "inc.conf"
    inc.write_text("hz 30\n")
    conf = tmp_path / "main.conf"
    conf.write_text("port %d\nbind 127.0.0.1\nsave \"\"\ninclude %s\n" % (port, inc))
    p = procs.pyengine([str(conf), "--dir", str(tmp_path)])
    p.wait_port(port)
    assert config_get(port, "hz") == "30"


# ---- maxclients ------------------------------------------------------------------------

def _over_maxclients(port):
    """Fill a maxclients=2 server; return what the third connection gets."""
    a, b = connect(port), connect(port)
    try:
        assert call(a, "PING") == b"+PONG\r\n"
        assert call(b, "PING") == b"+PONG\r\n"
        c = connect(port)
        got = read_until_closed(c)
        c.close()
        # a slot frees up when a client leaves
        a.close()
        time.sleep(0.2)
        with connect(port) as d:
            assert call(d, "PING") == b"+PONG\r\n"
            info = call(d, "INFO", "stats").decode()
        rejected = int(re.search(r"rejected_connections:(\d+)", info).group(1))
        return got, rejected
    finally:
        a.close()
        b.close()


def test_maxclients_matches_redis(procs, tmp_path):
    rport, pport = free_port(), free_port()
    procs.redis(base_args(rport, tmp_path) + ["--maxclients", "2"]).wait_port(rport)
    procs.pyengine(base_args(pport, tmp_path) + ["--maxclients", "2"]).wait_port(pport)
    time.sleep(0.2)       # the wait_port probes have been closed server-side
    r_got, r_rej = _over_maxclients(rport)
    p_got, p_rej = _over_maxclients(pport)
    assert r_got == b"-ERR max number of clients reached\r\n"
    assert p_got == r_got
    assert p_rej == r_rej >= 1


def test_maxclients_config_set(procs, tmp_path):
    port = free_port()
    procs.pyengine(base_args(port, tmp_path)).wait_port(port)
    time.sleep(0.1)
    with connect(port) as a:
        assert call(a, "CONFIG", "SET", "maxclients", "1") == b"+OK\r\n"
        with connect(port) as b:
            assert read_until_closed(b) == b"-ERR max number of clients reached\r\n"
        assert call(a, "CONFIG", "SET", "maxclients", "100") == b"+OK\r\n"
        with connect(port) as b:
            assert call(b, "PING") == b"+PONG\r\n"


def _limit_messages(out):
    return [m for m in log_messages(out)
            if "open files" in m or "maxclients" in m or "ulimit" in m]


def _low_soft_limit(n):
    def fn():
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))
    return fn


@pytest.mark.parametrize("maxclients, soft", [("10000", 512), ("100000", 4096)])
def test_open_files_limit_adjusted_like_redis(procs, tmp_path, maxclients, soft):
    """The server raises RLIMIT_NOFILE for maxclients, or lowers maxclients
    to what the limit allows, with Redis's log messages and result."""
    rport, pport = free_port(), free_port()
    pre = _low_soft_limit(soft) if soft else None
    r = procs.redis(base_args(rport, tmp_path) + ["--maxclients", maxclients], preexec_fn=pre)
    p = procs.pyengine(base_args(pport, tmp_path) + ["--maxclients", maxclients], preexec_fn=pre)
    r.wait_port(rport)
    p.wait_port(pport)
    want = _limit_messages(r.stdout())
    assert want                       # the situation did need an adjustment
    assert _limit_messages(p.stdout()) == want
    assert config_get(pport, "maxclients") == config_get(rport, "maxclients")
    with open("/proc/%d/limits" % p.pid) as f:
        p_limits = [l for l in f if l.startswith("Max open files")]
    with open("/proc/%d/limits" % r.pid) as f:
        r_limits = [l for l in f if l.startswith("Max open files")]
    assert p_limits == r_limits


# ---- idle timeout ---------------------------------------------------------------------------

def test_idle_timeout_closes_only_idle_clients(procs, tmp_path):
    port = free_port()
    p = procs.pyengine(base_args(port, tmp_path) + ["--timeout", "1", "--loglevel", "verbose"])
    p.wait_port(port)
    idle = connect(port)
    busy = connect(port)
    assert call(idle, "PING") == b"+PONG\r\n"
    start = time.time()
    while time.time() - start < 3.5:
        assert call(busy, "PING") == b"+PONG\r\n"
        time.sleep(0.25)
    # The idle one was closed by the server; the busy one is still served.
    assert read_until_closed(idle, timeout=3) == b""
    assert call(busy, "PING") == b"+PONG\r\n"
    assert "Closing idle client" in log_messages(p.stdout())
    idle.close()
    busy.close()


def test_timeout_zero_keeps_idle_clients(procs, tmp_path):
    port = free_port()
    procs.pyengine(base_args(port, tmp_path) + ["--timeout", "0"]).wait_port(port)
    with connect(port) as s:
        assert call(s, "PING") == b"+PONG\r\n"
        time.sleep(2.2)
        assert call(s, "PING") == b"+PONG\r\n"


def test_timeout_config_set_at_runtime(procs, tmp_path):
    port = free_port()
    procs.pyengine(base_args(port, tmp_path)).wait_port(port)
    with connect(port) as admin, connect(port) as idle:
        assert call(idle, "PING") == b"+PONG\r\n"
        assert call(admin, "CONFIG", "SET", "timeout", "1") == b"+OK\r\n"
        deadline = time.time() + 5
        while time.time() < deadline:
            call(admin, "PING")
            time.sleep(0.3)
            idle.settimeout(0.01)
            try:
                if idle.recv(1) == b"":
                    break
            except socket.timeout:
                pass
        else:
            pytest.fail("the idle client was not closed")


# ---- unix socket -------------------------------------------------------------------------

def test_unixsocket_with_redis_cli(procs, tmp_path):
    cli = need_tool("redis-cli")
    port = free_port()
    path = str(tmp_path / "pe.sock")
    p = procs.pyengine(base_args(port, tmp_path) + ["--unixsocket", path, "--unixsocketperm", "700"])
    p.wait_port(port)
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    out = subprocess.run([cli, "-s", path, "set", "k", "v"], capture_output=True, text=True,
                         timeout=10)
    assert out.stdout == "OK\n"
    out = subprocess.run([cli, "-s", path, "get", "k"], capture_output=True, text=True, timeout=10)
    assert out.stdout == "v\n"
    with connect(port) as s:            # same data over TCP
        assert call(s, "GET", "k") == b"$1\r\nv\r\n"
    out = subprocess.run([cli, "-s", path, "client", "info"], capture_output=True, text=True,
                         timeout=10)
    assert "addr=%s:0 laddr=%s:0 " % (path, path) in out.stdout
    assert " flags=U " in out.stdout
    out = subprocess.run([cli, "-s", path, "shutdown"], capture_output=True, text=True, timeout=10)
    assert p.wait() == 0
    assert not os.path.exists(path)
    msgs = log_messages(p.stdout())
    assert "The server is now ready to accept connections at %s" % path in msgs
    assert "Removing the unix socket file." in msgs


def test_unixsocket_only(procs, tmp_path):
    path = str(tmp_path / "only.sock")
    p = procs.pyengine(["--port", "0", "--unixsocket", path, "--save", ""])
    wait_for(lambda: os.path.exists(path), what="the unix socket")
    with socket.socket(socket.AF_UNIX) as s:
        wait_for(lambda: s.connect_ex(path) == 0, what="connect")
        assert call(s, "PING") == b"+PONG\r\n"
    os.kill(p.pid, signal.SIGTERM)
    assert p.wait() == 0
    assert not os.path.exists(path)


# ---- tcp-keepalive -------------------------------------------------------------------------

def _server_side_timer(server_port, client_port):
    """(timer kind, ticks) of the server side of a loopback TCP connection,
    from /proc/net/tcp (kind 2 = keepalive timer; ticks in 1/100 s)."""
    want_local, want_remote = ":%04X" % server_port, ":%04X" % client_port
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1].endswith(want_local) and fields[2].endswith(want_remote):
                kind, when = fields[5].split(":")
                return int(kind, 16), int(when, 16)
    raise AssertionError("connection not found in /proc/net/tcp")


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="needs Linux /proc/net/tcp")
@pytest.mark.parametrize("keepalive", [7, 0])
def test_tcp_keepalive(procs, tmp_path, keepalive):
    port = free_port()
    procs.pyengine(base_args(port, tmp_path) + ["--tcp-keepalive", str(keepalive)]).wait_port(port)
    with connect(port) as s:
        assert call(s, "PING") == b"+PONG\r\n"
        # (a retransmit timer, kind 1, runs until the client acknowledges)
        kind, ticks = wait_for(lambda: [t for t in [_server_side_timer(port, s.getsockname()[1])]
                                        if t[0] != 1], what="no retransmit timer")[0]
        if keepalive:
            assert kind == 2                       # keepalive timer armed
            assert 0 < ticks <= keepalive * 100    # first probe after tcp-keepalive seconds
        else:
            assert kind == 0
        assert call(s, "CONFIG", "GET", "tcp-keepalive") == \
            b"*2\r\n$13\r\ntcp-keepalive\r\n$%d\r\n%d\r\n" % (len(str(keepalive)), keepalive)


# ---- logging -----------------------------------------------------------------------------

def _check_log_lines(text):
    lines = text.splitlines()
    assert lines
    for line in lines:
        assert LOG_LINE.match(line) or SIGNAL_LOG_LINE.match(line), line
    return lines


def test_log_line_format_matches_redis(procs, tmp_path):
    rport, pport = free_port(), free_port()
    rlog, plog = str(tmp_path / "redis.log"), str(tmp_path / "pe.log")
    r = procs.redis(base_args(rport, tmp_path) + ["--logfile", rlog, "--loglevel", "verbose"])
    p = procs.pyengine(base_args(pport, tmp_path) + ["--logfile", plog, "--loglevel", "verbose"])
    r.wait_port(rport)
    p.wait_port(pport)
    for port in (rport, pport):
        with connect(port) as s:
            call(s, "PING")
        time.sleep(0.2)
        os.kill(r.pid if port == rport else p.pid, signal.SIGTERM)
    assert r.wait() == 0
    assert p.wait() == 0
    assert p.stdout() == ""                  # everything went to the logfile
    for path in (rlog, plog):
        with open(path) as f:
            text = f.read()
        lines = _check_log_lines(text)
        msgs = log_messages(text)
        assert "Ready to accept connections" in msgs
        assert any(m.startswith("Accepted 127.0.0.1:") for m in msgs)
        assert any(m.startswith("Client closed connection id=") for m in msgs)
        assert "Received SIGTERM scheduling shutdown..." in msgs
        assert msgs[-1] == "Redis is now ready to exit, bye bye..."
        # verbose lines are marked "-", notices "*", warnings "#"
        marks = {LOG_LINE.match(l).group(5): LOG_LINE.match(l).group(4)
                 for l in lines if LOG_LINE.match(l)}
        assert marks["Ready to accept connections"] == "*"
        assert marks["Redis is now ready to exit, bye bye..."] == "#"
        assert {marks[m] for m in marks if m.startswith("Accepted ")} == {"-"}
        pid = str(r.pid if path == rlog else p.pid)
        assert all(l.split(":")[0] == pid for l in lines)
        # the time stamp is the wall clock's
        stamp = LOG_LINE.match(lines[-1]).group(3)
        t = time.mktime(time.strptime(stamp.split(".")[0], "%d %b %Y %H:%M:%S"))
        assert abs(t - time.time()) < 60


def test_loglevel_warning_hides_notices(procs, tmp_path):
    port = free_port()
    log = str(tmp_path / "w.log")
    p = procs.pyengine(base_args(port, tmp_path) + ["--logfile", log, "--loglevel", "warning"])
    p.wait_port(port)
    with connect(port) as s:
        call(s, "CONFIG", "SET", "loglevel", "verbose")
        call(s, "PING")
    with connect(port) as s:
        s.sendall(b"SHUTDOWN NOSAVE\r\n")
        read_until_closed(s)
    assert p.wait() == 0
    with open(log) as f:
        text = f.read()
    lines = _check_log_lines(text)
    msgs = log_messages(text)
    before = msgs[:msgs.index("Server initialized")]
    assert "Ready to accept connections" not in msgs          # a notice, hidden at start
    assert any(m.startswith("Accepted 127.0.0.1:") for m in msgs)  # verbose after CONFIG SET
    assert before and all(LOG_LINE.match(l).group(4) == "#" for l in lines[:len(before)])


def test_logfile_unwritable_is_ignored(procs, tmp_path):
    port = free_port()
    p = procs.pyengine(base_args(port, tmp_path) + ["--logfile", str(tmp_path / "nodir" / "x.log")])
    p.wait_port(port)
    with connect(port) as s:
        assert call(s, "PING") == b"+PONG\r\n"


# ---- pidfile, daemonize ---------------------------------------------------------------------

def test_pidfile_written_and_removed(procs, tmp_path):
    port = free_port()
    pidfile = str(tmp_path / "pe.pid")
    p = procs.pyengine(base_args(port, tmp_path) + ["--pidfile", pidfile])
    p.wait_port(port)
    with open(pidfile) as f:
        assert f.read() == "%d\n" % p.pid
    os.kill(p.pid, signal.SIGTERM)
    assert p.wait() == 0
    assert not os.path.exists(pidfile)
    assert "Removing the pid file." in log_messages(p.stdout())


def test_daemonize(procs, tmp_path):
    port = free_port()
    pidfile = str(tmp_path / "d.pid")
    log = str(tmp_path / "d.log")
    p = procs.pyengine(base_args(port, tmp_path) + ["--daemonize", "yes", "--pidfile", pidfile,
                                                    "--logfile", log])
    assert p.wait(10) == 0                   # the parent returns at once
    wait_for(lambda: os.path.exists(pidfile) and open(pidfile).read().endswith("\n"),
             what="the pidfile")
    pid = int(open(pidfile).read())
    procs.extra_pids.append(pid)
    assert pid != p.pid
    os.kill(pid, 0)                          # the daemon is alive
    with connect(port) as s:
        assert call(s, "SET", "k", "v") == b"+OK\r\n"
        assert call(s, "GET", "k") == b"$1\r\nv\r\n"
        assert call(s, "CONFIG", "GET", "daemonize") == \
            b"*2\r\n$9\r\ndaemonize\r\n$3\r\nyes\r\n"
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    assert int(fields[3]) == pid             # session leader (setsid)
    with connect(port) as s:
        s.sendall(b"SHUTDOWN NOSAVE\r\n")
        assert read_until_closed(s) == b""
    wait_for(lambda: not os.path.exists("/proc/%d" % pid) or
             open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0] == "Z",
             what="the daemon to exit")
    assert not os.path.exists(pidfile)
    assert p.stdout() == ""                  # stdout went to /dev/null, the log to the file
    msgs = log_messages(open(log).read())
    assert "User requested shutdown..." in msgs and "Removing the pid file." in msgs


# ---- shutdown ------------------------------------------------------------------------------

@pytest.mark.parametrize("flags", [[], ["NOSAVE"], ["NOW"], ["FORCE"], ["NOSAVE", "NOW", "FORCE"]])
def test_shutdown_command(procs, tmp_path, flags):
    port = free_port()
    path = str(tmp_path / "s.sock")
    pidfile = str(tmp_path / "s.pid")
    p = procs.pyengine(base_args(port, tmp_path) + ["--unixsocket", path, "--pidfile", pidfile])
    p.wait_port(port)
    other = connect(port)
    assert call(other, "PING") == b"+PONG\r\n"
    with connect(port) as s:
        call(s, "SET", "k", "v")
        from engine.resp import encode_command
        s.sendall(encode_command("SHUTDOWN", *flags))
        assert read_until_closed(s) == b""    # no reply: the connection just closes
    assert p.wait() == 0
    assert read_until_closed(other) == b""    # every client was closed
    other.close()
    assert not os.path.exists(path)
    assert not os.path.exists(pidfile)
    assert not port_open(port)
    msgs = log_messages(p.stdout())
    assert "User requested shutdown..." in msgs
    assert msgs[-1] == "Redis is now ready to exit, bye bye..."


def test_shutdown_bad_arguments_match_redis(procs, tmp_path):
    rport, pport = free_port(), free_port()
    procs.redis(base_args(rport, tmp_path)).wait_port(rport)
    procs.pyengine(base_args(pport, tmp_path)).wait_port(pport)
    for args in (["SHUTDOWN", "BOGUS"], ["SHUTDOWN", "NOSAVE", "SAVE"], ["SHUTDOWN", "ABORT"],
                 ["SHUTDOWN", "ABORT", "NOW"]):
        with connect(rport) as r, connect(pport) as p:
            assert call(p, *args) == call(r, *args), args
    assert port_open(rport) and port_open(pport)


def test_shutdown_with_redis_cli(procs, tmp_path):
    cli = need_tool("redis-cli")
    port = free_port()
    p = procs.pyengine(base_args(port, tmp_path))
    p.wait_port(port)
    out = subprocess.run([cli, "-p", str(port), "shutdown", "nosave"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 0
    assert out.stdout == ""
    assert p.wait() == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_graceful_exit(procs, tmp_path, signum):
    port = free_port()
    path = str(tmp_path / "g.sock")
    pidfile = str(tmp_path / "g.pid")
    p = procs.pyengine(base_args(port, tmp_path) + ["--unixsocket", path, "--pidfile", pidfile])
    p.wait_port(port)
    client = connect(port)
    assert call(client, "PING") == b"+PONG\r\n"
    os.kill(p.pid, signum)
    assert p.wait() == 0
    assert read_until_closed(client) == b""
    client.close()
    assert not os.path.exists(path)
    assert not os.path.exists(pidfile)
    name = "SIGTERM" if signum == signal.SIGTERM else "SIGINT"
    out = p.stdout()
    assert any(SIGNAL_LOG_LINE.match(l) and l.endswith("Received %s scheduling shutdown..." % name)
               for l in out.splitlines())
    msgs = log_messages(out)
    assert msgs.index("Received %s scheduling shutdown..." % name) < \
        msgs.index("User requested shutdown...") < msgs.index("Redis is now ready to exit, bye bye...")


def test_signal_while_busy_with_clients(procs, tmp_path):
    """SIGTERM arriving while clients keep sending still ends the process."""
    port = free_port()
    p = procs.pyengine(base_args(port, tmp_path))
    p.wait_port(port)
    s = connect(port)
    s.sendall(b"PING\r\n" * 1000)
    os.kill(p.pid, signal.SIGTERM)
    assert p.wait() == 0
    s.close()


# ---- many clients --------------------------------------------------------------------------

def test_two_thousand_concurrent_clients(procs, tmp_path):
    n = 2000
    raise_nofile(n + 256)
    port = free_port()
    p = procs.pyengine(base_args(port, tmp_path))
    p.wait_port(port)
    socks = []
    try:
        for i in range(n):
            socks.append(connect(port, timeout=30))
        # every client sends its commands before any reply is read
        for i, s in enumerate(socks):
            s.sendall(b"SET key:%d %d\r\nINCR counter\r\nGET key:%d\r\n" % (i, i, i))
        counters = set()
        for i, s in enumerate(socks):
            ok, incr, value = read_replies(s, 3)
            assert ok == b"+OK\r\n"
            assert value == b"$%d\r\n%d\r\n" % (len(str(i)), i)
            counters.add(int(incr[1:-2]))
        assert counters == set(range(1, n + 1))       # each INCR got its own value
        with connect(port) as admin:
            info = call(admin, "INFO", "clients").decode()
            assert "connected_clients:%d\r\n" % (n + 1) in info
            assert call(admin, "GET", "counter") == b"$4\r\n2000\r\n"
            assert call(admin, "DBSIZE") == b":2001\r\n"
        # a second round on every connection
        for s in socks:
            s.sendall(b"INCR counter\r\n")
        seen = {int(read_replies(s, 1)[0][1:-2]) for s in socks}
        assert seen == set(range(n + 1, 2 * n + 1))
    finally:
        for s in socks:
            s.close()
    with connect(port) as admin:
        def few():
            info = call(admin, "INFO", "clients").decode()
            return "connected_clients:1\r\n" in info
        wait_for(few, timeout=20, what="the clients to be gone")


def test_shutdown_on_sigterm_config(procs, tmp_path):
    """shutdown-on-sigterm gives SIGTERM SHUTDOWN's flags: "save" writes a
    final snapshot even without save rules; when that save fails the server
    stays up (as Redis does); SIGINT keeps the default."""
    port = free_port()
    p = procs.pyengine(base_args(port, tmp_path) + ["--shutdown-on-sigterm", "save"])
    p.wait_port(port)
    (tmp_path / "dump.rdb").mkdir()          # the rename onto it fails: the save fails
    with connect(port) as s:
        assert call(s, "SET", "k", "v") == b"+OK\r\n"
    os.kill(p.pid, signal.SIGTERM)
    wait_for(lambda: "Errors trying to shut down the server. Check the logs for more information."
             in log_messages(p.stdout()), what="the failed shutdown")
    assert "Error trying to save the DB, can't exit." in log_messages(p.stdout())
    with connect(port) as s:
        assert call(s, "PING") == b"+PONG\r\n"
    (tmp_path / "dump.rdb").rmdir()
    os.kill(p.pid, signal.SIGTERM)
    assert p.wait() == 0
    assert "DB saved on disk" in log_messages(p.stdout())
    # the snapshot holds the key: a new server loads it
    port2 = free_port()
    p2 = procs.pyengine(base_args(port2, tmp_path), name="second")
    p2.wait_port(port2)
    with connect(port2) as s:
        assert call(s, "GET", "k") == b"$1\r\nv\r\n"
    os.kill(p2.pid, signal.SIGINT)
    assert p2.wait() == 0


def test_shutdown_on_sigterm_nosave_now(procs, tmp_path):
    port = free_port()
    p = procs.pyengine(base_args(port, tmp_path) + ["--shutdown-on-sigterm", "nosave now"])
    p.wait_port(port)
    os.kill(p.pid, signal.SIGTERM)
    assert p.wait() == 0
