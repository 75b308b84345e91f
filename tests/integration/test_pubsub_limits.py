"""client-output-buffer-limit for subscribers, on redis-server and
pyengine-server alike: a subscriber that never reads is disconnected when
its pending messages pass the pubsub hard limit, or stay over the soft
limit for longer than its seconds; the server's memory stays bounded while
it floods and returns down once the subscriber is gone."""

import os
import socket
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from helpers import RawConnection, ServerProcess  # noqa: E402
from engine.resp import ReplyReader  # noqa: E402

MB = 1024 * 1024
KINDS = ["redis", "pyengine"]


def _need(kind):
    import shutil
    if kind == "redis" and shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")


def parse(raw):
    rd = ReplyReader()
    rd.feed(raw)
    return rd.gets()


def info_field(conn, section, name):
    text = parse(conn.call("INFO", section))
    text = text.decode() if isinstance(text, bytes) else str(text)
    for line in text.split("\r\n"):
        if line.startswith(name + ":"):
            return int(line.split(":", 1)[1])
    raise KeyError(name)


def pubsub_clients(conn):
    text = parse(conn.call("CLIENT", "LIST", "TYPE", "pubsub"))
    text = text.decode() if isinstance(text, bytes) else str(text)
    return [line for line in text.split("\n") if line.strip()]


def lazy_subscriber(port, channel):
    """A subscriber with a tiny receive window that will never read again."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$%d\r\n%s\r\n" % (len(channel), channel))
    s.settimeout(5)
    got = b""
    while not got.endswith(b":1\r\n"):
        got += s.recv(4096)
    return s


def wait_until(fn, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if fn():
            return True
        time.sleep(0.05)
    return False


def drained_to_eof(s, timeout=10.0):
    """Read what the server had sent until the connection ends."""
    s.settimeout(timeout)
    try:
        while True:
            data = s.recv(1 << 20)
            if not data:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


@pytest.mark.parametrize("kind", KINDS)
def test_subscriber_over_hard_limit_is_disconnected(kind):
    _need(kind)
    srv = ServerProcess(kind, extra_args=["--client-output-buffer-limit", "pubsub 4mb 0 0"])
    try:
        admin = RawConnection(srv.port)
        pub = RawConnection(srv.port)
        base = info_field(admin, "memory", "used_memory")
        sub = lazy_subscriber(srv.port, b"flood")
        payload = b"m" * (64 * 1024)
        receivers = []
        peak = 0
        for i in range(200):                                 # 12.5 MB in all
            receivers.append(int(pub.call("PUBLISH", "flood", payload)[1:-2]))
            if i % 10 == 0:
                peak = max(peak, info_field(admin, "memory", "used_memory") - base)
        # the subscriber took messages until the limit, then was dropped
        assert receivers[0] == 1 and receivers[-1] == 0
        assert peak < 4 * MB + 2 * MB, "memory grew past the hard limit: %d" % peak
        assert wait_until(lambda: pubsub_clients(admin) == [], 5)
        assert admin.call("PUBSUB", "NUMSUB", "flood") == b"*2\r\n$5\r\nflood\r\n:0\r\n"
        # memory returns down once the client is gone
        assert wait_until(
            lambda: info_field(admin, "memory", "used_memory") - base < 1 * MB, 5), \
            info_field(admin, "memory", "used_memory") - base
        assert drained_to_eof(sub)
        sub.close()
        assert "for overcoming of output buffer limits" in srv.logtext()
        # the server keeps serving
        assert admin.call("PING") == b"+PONG\r\n"
        admin.close()
        pub.close()
    finally:
        srv.stop()


@pytest.mark.parametrize("kind", KINDS)
def test_subscriber_over_soft_limit_for_its_seconds_is_disconnected(kind):
    """Over the soft limit and then quiet: the clients cron notices once
    the seconds ran out (Redis: more than soft_seconds whole seconds)."""
    _need(kind)
    srv = ServerProcess(kind, extra_args=["--client-output-buffer-limit", "pubsub 0 1mb 1"])
    try:
        admin = RawConnection(srv.port)
        pub = RawConnection(srv.port)
        sub = lazy_subscriber(srv.port, b"soft")
        payload = b"s" * (64 * 1024)
        for _ in range(160):                                 # 10 MB (a few MB fit in the
            # kernel socket buffers), then nothing
            pub.call("PUBLISH", "soft", payload)
        assert len(pubsub_clients(admin)) == 1               # not at once
        t0 = time.monotonic()
        assert wait_until(lambda: pubsub_clients(admin) == [], 6)
        assert time.monotonic() - t0 >= 0.5
        assert drained_to_eof(sub)
        sub.close()
        admin.close()
        pub.close()
    finally:
        srv.stop()


@pytest.mark.parametrize("kind", KINDS)
def test_reading_subscriber_is_not_disconnected(kind):
    """A subscriber that keeps up receives everything, far beyond the limit."""
    _need(kind)
    srv = ServerProcess(kind, extra_args=["--client-output-buffer-limit", "pubsub 1mb 512kb 1"])
    try:
        pub = RawConnection(srv.port)
        sub = RawConnection(srv.port)
        sub.call("SUBSCRIBE", "steady")
        payload = b"k" * (32 * 1024)
        for i in range(100):                                 # 3.2 MB through a 1 MB limit
            assert pub.call("PUBLISH", "steady", payload) == b":1\r\n"
            msg = sub.read_reply()
            assert msg.endswith(payload + b"\r\n")
        sub.close()
        pub.close()
    finally:
        srv.stop()


@pytest.mark.parametrize("kind", KINDS)
def test_limit_applies_to_pubsub_class_only(kind):
    """With only a pubsub limit, a normal client's big replies are fine and
    a subscriber is cut; CONFIG SET changes the limit at runtime."""
    _need(kind)
    srv = ServerProcess(kind)
    try:
        admin = RawConnection(srv.port)
        assert admin.call("CONFIG", "SET", "client-output-buffer-limit",
                          "pubsub 2mb 0 0") == b"+OK\r\n"
        value = b"normal 0 0 0 slave 268435456 67108864 60 pubsub 2097152 0 0"
        assert admin.call("CONFIG", "GET", "client-output-buffer-limit") == (
            b"*2\r\n$26\r\nclient-output-buffer-limit\r\n$%d\r\n%s\r\n" % (len(value), value))
        assert admin.call("SET", "big", b"b" * (5 * MB)) == b"+OK\r\n"
        reader = RawConnection(srv.port)
        for _ in range(3):
            reader.send_command("GET", "big")
        for _ in range(3):
            assert len(reader.read_reply()) > 5 * MB
        sub = lazy_subscriber(srv.port, b"cut")
        for _ in range(200):                                 # 12.5 MB
            admin.call("PUBLISH", "cut", b"c" * (64 * 1024))
        assert wait_until(lambda: pubsub_clients(admin) == [], 5)
        assert drained_to_eof(sub)
        sub.close()
        reader.close()
        admin.close()
    finally:
        srv.stop()
