"""pyengine's own buffer behaviour on the network path (no Redis
counterpart to compare with): memory held for query and reply buffers."""

import re
import socket

import pytest

from helpers import RawConnection
from engine.resp import encode_command

KB = 1024


def client_field(admin, cid, field):
    text = admin.call("CLIENT", "LIST").decode()
    for line in text.split("\n"):
        if re.search(r"\bid=%d\b" % cid, line):
            return int(re.search(r"\b%s=(\d+)" % field, line).group(1))
    raise AssertionError("client %d not listed" % cid)


def test_reply_buffer_holds_backlog_not_history(pyengine_server):
    """A slow reader fed a steady pipeline never drains its reply buffer
    completely; the buffer must still stay near the backlog size."""
    admin = RawConnection(pyengine_server.port)
    c = RawConnection(pyengine_server.port)
    # a small receive window, so the backlog cannot all sit in socket buffers
    c.sock.close()
    c.sock = socket.socket()
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * KB)
    c.sock.settimeout(10)
    c.sock.connect(("127.0.0.1", pyengine_server.port))
    try:
        cid = int(c.call("CLIENT", "ID")[1:-2])
        value = b"r" * (50 * KB)
        assert c.call("SET", "rb", value) == b"+OK\r\n"
        get = encode_command("GET", "rb")
        reply_len = len(b"$%d\r\n" % len(value)) + len(value) + 2
        c.send(get * 200)                          # ~10 MB backlog
        received = 0
        peak = 0
        for _ in range(100):                       # ~50 MB more, read as it comes
            want = received + 10 * reply_len
            while received < want:
                received += len(c.sock.recv(1 << 20))
            c.send(get * 10)
            peak = max(peak, client_field(admin, cid, "rbs"))
        total = (200 + 100 * 10) * reply_len
        while received < total:
            received += len(c.sock.recv(1 << 20))
        assert received == total
        assert peak < 30 * 1024 * KB, "reply buffer grew to %d bytes" % peak
        assert client_field(admin, cid, "omem") == 0
    finally:
        c.close()
        admin.close()


def test_query_buffer_released_after_a_big_command(pyengine_server):
    admin = RawConnection(pyengine_server.port)
    c = RawConnection(pyengine_server.port)
    try:
        cid = int(c.call("CLIENT", "ID")[1:-2])
        data = encode_command("SET", "qb", b"q" * (4 * 1024 * KB))
        for i in range(0, len(data), 64 * KB):
            c.send(data[i:i + 64 * KB])
        assert c.read_reply() == b"+OK\r\n"
        assert c.call("PING") == b"+PONG\r\n"
        # qbuf-free is what the query buffer holds beyond its content
        assert client_field(admin, cid, "qbuf") == 0
        assert client_field(admin, cid, "qbuf-free") <= 64 * KB
        c.call("DEL", "qb")
    finally:
        c.close()
        admin.close()


def _cpu_seconds(pid):
    import os
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_closing_client_with_unread_input_does_not_spin(pyengine_server):
    """After a protocol error the client's input is no longer read; while
    its pending replies wait for socket space, more input from it must not
    wake the loop over and over (level-triggered EPOLLIN)."""
    import time
    c = RawConnection(pyengine_server.port)
    try:
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * KB)
        assert c.call("SET", "spin", b"s" * (1024 * KB)) == b"+OK\r\n"
        c.send(encode_command("GET", "spin") * 40 + b"*1\r\n:x\r\n")
        time.sleep(0.3)
        c.send(b"more input" * 100)
        time.sleep(0.2)
        before = _cpu_seconds(pyengine_server.pid)
        time.sleep(1.0)
        used = _cpu_seconds(pyengine_server.pid) - before
        assert used < 0.5, "server used %.2fs of CPU in 1s while idle" % used
        # the replies, then the error, then the close
        buf = bytearray()
        c.sock.settimeout(10)
        while True:
            chunk = c.sock.recv(1 << 20)
            if not chunk:
                break
            buf += chunk
        data = bytes(buf)
        assert data.endswith(b"-ERR Protocol error: expected '$', got ':'\r\n")
        assert data.count(b"$1048576\r\n") == 40
    finally:
        c.close()
    assert RawConnection(pyengine_server.port).call("DEL", "spin") == b":1\r\n"


def test_idle_client_query_buffer_is_released(pyengine_server):
    """Like Redis's clientsCron, the query buffer of a client idle for more
    than 2 seconds is given back (CLIENT LIST shows qbuf=0 qbuf-free=0)."""
    import time
    admin = RawConnection(pyengine_server.port)
    c = RawConnection(pyengine_server.port)
    try:
        cid = int(c.call("CLIENT", "ID")[1:-2])
        assert client_field(admin, cid, "qbuf") + client_field(admin, cid, "qbuf-free") >= 16 * KB
        deadline = time.time() + 6
        while time.time() < deadline:
            if client_field(admin, cid, "qbuf") + client_field(admin, cid, "qbuf-free") == 0:
                break
            time.sleep(0.2)
        assert client_field(admin, cid, "qbuf") + client_field(admin, cid, "qbuf-free") == 0
        assert c.call("PING") == b"+PONG\r\n"        # the client still works
    finally:
        c.close()
        admin.close()
