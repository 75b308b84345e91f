"""Scripts past busy-reply-threshold, on a real redis-server and on
pyengine-server side by side: other clients get BUSY, SCRIPT KILL stops a
read-only script (even one that pcalls in a loop), a script that wrote is
UNKILLABLE, FUNCTION KILL / SCRIPT KILL refuse the other kind, FUNCTION
STATS shows the running function, the caller's pipelined commands run
after the script, and SHUTDOWN NOSAVE ends the server anyway."""

import socket
import time

import pytest

from helpers import ServerProcess

pytestmark = pytest.mark.timeout(120)


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def send(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.s.recv(65536)
            if not data:
                raise ConnectionError("closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        """One reply, flattened to its first line (enough for these tests),
        aggregates read whole."""
        line = self.line()
        if line[:1] in (b"*", b"%", b"~") and int(line[1:]) > 0:
            n = int(line[1:]) * (2 if line[:1] == b"%" else 1)
            return [line] + [self.reply() for _ in range(n)]
        if line[:1] == b"$" and int(line[1:]) >= 0:
            return self.line()
        return line

    def call(self, *args):
        self.send(*args)
        return self.reply()

    def close(self):
        self.s.close()


@pytest.fixture(params=["redis", "pyengine"])
def server(request):
    if request.param == "redis":
        pytest.importorskip("redis")
        import shutil
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
    srv = ServerProcess(request.param)
    yield srv
    srv.stop()


def _wait_busy(c):
    for _ in range(200):
        r = c.call("PING")
        if r.startswith(b"-BUSY"):
            return r
        time.sleep(0.02)
    raise AssertionError("the server never became busy")


def test_busy_and_script_kill(server):
    r = Conn(server.port)
    assert r.call("CONFIG", "SET", "busy-reply-threshold", "50") == b"+OK"
    runner = Conn(server.port)
    runner.send("EVAL", "local f = function() while 1 do redis.call('ping') end end "
                        "while 1 do pcall(f) end", "0")
    runner.send("PING")                         # pipelined: runs after the script
    assert _wait_busy(r) == (b"-BUSY Redis is busy running a script. You can only call "
                             b"SCRIPT KILL or SHUTDOWN NOSAVE.")
    assert r.call("GET", "x").startswith(b"-BUSY")
    assert r.call("FUNCTION", "STATS").startswith(b"-BUSY")
    assert r.call("FUNCTION", "KILL").startswith(b"-BUSY Redis is busy running a script. "
                                                   b"You can only call SCRIPT KILL")
    assert r.call("SCRIPT", "KILL") == b"+OK"
    err = runner.reply()
    assert err.startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    assert runner.reply() == b"+PONG"
    assert r.call("PING") == b"+PONG"
    assert r.call("SCRIPT", "KILL") == b"-NOTBUSY No scripts in execution right now."


def test_function_busy_stats_and_kill(server):
    r = Conn(server.port)
    r.call("CONFIG", "SET", "busy-reply-threshold", "50")
    r.call("FUNCTION", "LOAD", "REPLACE",
           "#!lua name=spin\nredis.register_function('spin', function() while 1 do end end)")
    runner = Conn(server.port)
    runner.send("FCALL", "spin", "0")
    assert _wait_busy(r).endswith(b"You can only call FUNCTION KILL or SHUTDOWN NOSAVE.")
    stats = r.call("FUNCTION", "STATS")
    assert stats[1] == b"running_script"
    assert stats[2][1:5] == [b"name", b"spin", b"command", [b"*3", b"FCALL", b"spin", b"0"]]
    assert r.call("SCRIPT", "KILL").endswith(b"You can only call FUNCTION KILL or SHUTDOWN NOSAVE.")
    assert r.call("FUNCTION", "KILL") == b"+OK"
    assert runner.reply().startswith(b"-ERR Script killed by user with SCRIPT KILL...")
    assert r.call("PING") == b"+PONG"


def test_script_that_wrote_is_unkillable_and_shutdown_nosave(server):
    r = Conn(server.port)
    r.call("CONFIG", "SET", "busy-reply-threshold", "50")
    runner = Conn(server.port)
    runner.send("EVAL", "redis.call('set', KEYS[1], 'y') while true do end", "1", "x")
    _wait_busy(r)
    assert r.call("SCRIPT", "KILL").startswith(b"-UNKILLABLE Sorry the script already executed "
                                                b"write commands against the dataset.")
    assert r.call("SHUTDOWN").startswith(b"-BUSY")
    r.send("SHUTDOWN", "NOSAVE")
    deadline = time.time() + 10
    while server.alive() and time.time() < deadline:
        time.sleep(0.05)
    assert not server.alive()


def test_short_script_after_threshold_is_usable(server):
    r = Conn(server.port)
    r.call("CONFIG", "SET", "busy-reply-threshold", "10")
    assert r.call("EVAL", "for i = 1, 100000 do redis.call('ping') end return 'ok'", "0") == b"ok"
    assert r.call("PING") == b"+PONG"


def test_reply_queued_before_the_script_started_is_delivered(server):
    """A client served in the same loop turn as the EVAL, before it, gets
    its reply while the script runs (the nested event pass flushes what the
    interrupted turn queued), and then BUSY."""
    r = Conn(server.port)
    r.call("CONFIG", "SET", "busy-reply-threshold", "50")
    runner = Conn(server.port)
    r.call("PING")
    r.send("PING")                      # sent together with the EVAL below
    runner.send("EVAL", "while true do end", "0")
    assert r.reply() in (b"+PONG", b"-BUSY Redis is busy running a script. You can only "
                                   b"call SCRIPT KILL or SHUTDOWN NOSAVE.")
    assert _wait_busy(r).startswith(b"-BUSY")
    assert r.call("SCRIPT", "KILL") == b"+OK"
    assert runner.reply().startswith(b"-ERR Script killed by user with SCRIPT KILL...")
