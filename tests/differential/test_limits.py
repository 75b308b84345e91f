"""Input limits against a real redis-server, on dedicated server processes
(the limits are lowered with CONFIG SET): client-query-buffer-limit,
proto-max-bulk-len, client-output-buffer-limit, and a declared huge bulk
length that must not be allocated before its bytes arrive."""

import re
import socket
import time

import pytest

from helpers import RawConnection, ServerProcess
from engine.resp import encode_command

MB = 1024 * 1024


@pytest.fixture(scope="module")
def servers():
    from conftest import _need_redis
    _need_redis()
    r = ServerProcess("redis")
    try:
        p = ServerProcess("pyengine")
    except Exception:
        r.stop()
        raise
    yield r, p
    r.stop()
    p.stop()


@pytest.fixture
def conns(servers):
    r, p = servers
    out = [RawConnection(r.port), RawConnection(p.port)]
    for c in out:
        assert c.call("FLUSHALL") == b"+OK\r\n"
    yield out
    for c in out:
        c.close()


def config_set(servers, name, value):
    for s in servers:
        c = RawConnection(s.port)
        assert c.call("CONFIG", "SET", name, value) == b"+OK\r\n", (s.kind, name, value)
        c.close()


@pytest.fixture
def restore_config(servers):
    saved = {}

    def set_(name, value):
        if name not in saved:
            c = RawConnection(servers[0].port)
            saved[name] = c.call("CONFIG", "GET", name)
            c.close()
        config_set(servers, name, value)
    yield set_
    for name, reply in saved.items():
        value = reply.split(b"\r\n")[4].decode()
        config_set(servers, name, value)


def send_ignoring_close(conn, data, chunk=64 * 1024):
    """Send until done or the server hangs up."""
    try:
        for i in range(0, len(data), chunk):
            conn.sock.sendall(data[i:i + chunk])
    except (BrokenPipeError, ConnectionResetError):
        pass


def read_all(conn, timeout=5.0):
    try:
        return conn.read_until_closed(timeout)
    except OSError:
        return b""


def is_closed(conn, wait=5.0):
    conn.sock.settimeout(wait)
    try:
        while True:
            data = conn.sock.recv(65536)
            if not data:
                return True
    except socket.timeout:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True


def alive(server):
    c = RawConnection(server.port)
    try:
        return c.call("PING") == b"+PONG\r\n"
    finally:
        c.close()


def info_field(server, section, field):
    c = RawConnection(server.port)
    try:
        text = c.call("INFO", section).decode()
    finally:
        c.close()
    m = re.search(r"^%s:(\S+)" % field, text, re.M)
    return m.group(1) if m else None


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


# ---- client-query-buffer-limit ----------------------------------------------------------

def test_query_buffer_limit_closes_the_client(servers, restore_config):
    restore_config("client-query-buffer-limit", "1mb")
    bystanders = [RawConnection(s.port) for s in servers]
    victims = [RawConnection(s.port) for s in servers]
    try:
        for b in bystanders:
            assert b.call("SET", "safe", "1") == b"+OK\r\n"
        data = encode_command("SET", "k", b"v" * (3 * MB))
        outs = []
        for v in victims:
            send_ignoring_close(v, data)
            outs.append(read_all(v))
        assert outs[0] == outs[1] == b""              # closed without a reply
        for s in servers:
            assert alive(s)
        for b in bystanders:
            assert b.call("GET", "safe") == b"$1\r\n1\r\n"
            assert b.call("EXISTS", "k") == b":0\r\n"
    finally:
        for c in bystanders + victims:
            c.close()


def test_query_buffer_limit_inline(servers, restore_config):
    restore_config("client-query-buffer-limit", "1mb")
    # an inline request dies at 64 KB already, with an error reply
    outs = []
    for s in servers:
        c = RawConnection(s.port)
        send_ignoring_close(c, b"SET k " + b"v" * (2 * MB))
        outs.append(read_all(c))
        c.close()
    assert outs[0] == outs[1]
    assert outs[0] in (b"", b"-ERR Protocol error: too big inline request\r\n")


def test_value_under_the_limit_is_accepted(servers, conns, restore_config):
    restore_config("client-query-buffer-limit", "1mb")
    value = b"u" * (MB - 1000)
    for c in conns:
        send_ignoring_close(c, encode_command("SET", "under", value), chunk=4096)
    assert [c.read_reply() for c in conns] == [b"+OK\r\n"] * 2
    assert [c.call("STRLEN", "under") for c in conns] == [b":%d\r\n" % len(value)] * 2


def test_many_small_arguments_may_exceed_the_limit_in_total(servers, conns, restore_config):
    # the limit is on bytes not yet parsed into arguments (Redis copies parsed
    # arguments out of its query buffer), so a command of many small
    # arguments can be bigger than the limit
    restore_config("client-query-buffer-limit", "1mb")
    args = ["MSET"]
    for i in range(80):
        args += ["key%d" % i, "x" * 20000]
    data = encode_command(*args)
    assert len(data) > 1.5 * MB
    for c in conns:
        send_ignoring_close(c, data, chunk=8192)
    replies = [c.read_reply() for c in conns]
    assert replies[0] == replies[1] == b"+OK\r\n"
    assert [c.call("STRLEN", "key79") for c in conns] == [b":20000\r\n"] * 2


# ---- proto-max-bulk-len ---------------------------------------------------------------------

def test_proto_max_bulk_len(servers, conns, restore_config):
    restore_config("proto-max-bulk-len", "1mb")
    ok = encode_command("SET", "pm", b"p" * MB)
    for c in conns:
        c.send(ok)
    assert [c.read_reply() for c in conns] == [b"+OK\r\n"] * 2
    replies = [c.call("SETRANGE", "pm", str(MB), "x") for c in conns]
    assert replies[0] == replies[1]
    replies = [c.call("APPEND", "pm", "x") for c in conns]
    assert replies[0] == replies[1]
    outs = []
    for s in servers:
        c = RawConnection(s.port)
        c.send(b"*3\r\n$3\r\nSET\r\n$2\r\npm\r\n$%d\r\n" % (MB + 1))
        outs.append(read_all(c))
        c.close()
    assert outs[0] == outs[1] == b"-ERR Protocol error: invalid bulk length\r\n"


# ---- a declared length allocates nothing ------------------------------------------------------

def test_huge_declared_bulk_is_not_preallocated(servers):
    p = servers[1]
    c = RawConnection(p.port)
    try:
        c.call("PING")
        rss_before = rss_kb(p.pid)
        used_before = int(info_field(p, "memory", "used_memory"))
        c.send(b"*3\r\n$3\r\nSET\r\n$4\r\nhuge\r\n$500000000\r\n" + b"a" * 100)
        time.sleep(0.3)
        c.send(b"b" * 100000)                   # a few more bytes: still nothing big
        time.sleep(0.3)
        assert alive(p)
        assert rss_kb(p.pid) - rss_before < 50 * 1024
        assert int(info_field(p, "memory", "used_memory")) - used_before < 50 * MB
    finally:
        c.close()
    time.sleep(0.1)
    assert alive(p)


def test_many_clients_declaring_huge_bulks(servers):
    p = servers[1]
    rss_before = rss_kb(p.pid)
    clients = [RawConnection(p.port) for _ in range(20)]
    try:
        for c in clients:
            c.send(b"*2\r\n$4\r\nECHO\r\n$536870912\r\nxyz")
        time.sleep(0.5)
        assert alive(p)
        assert rss_kb(p.pid) - rss_before < 50 * 1024
    finally:
        for c in clients:
            c.close()


# ---- client-output-buffer-limit ---------------------------------------------------------------

def test_output_buffer_hard_limit(servers, conns, restore_config):
    restore_config("client-output-buffer-limit", "normal 1mb 0 0")
    for c in conns:
        send_ignoring_close(c, encode_command("SET", "obig", b"o" * (2 * MB)))
        assert c.read_reply() == b"+OK\r\n"
    outs = []
    for s in servers:
        v = RawConnection(s.port)
        v.send(encode_command("GET", "obig"))
        outs.append(read_all(v))
        v.close()
    assert outs[0] == outs[1] == b""
    for s in servers:
        assert alive(s)
    # under the limit: served normally
    replies = [c.call("GETRANGE", "obig", "0", "9") for c in conns]
    assert replies[0] == replies[1] == b"$10\r\noooooooooo\r\n"


# ---- stricter limits before AUTH -------------------------------------------------------------

@pytest.fixture
def with_password(servers):
    admins = [RawConnection(s.port) for s in servers]
    for a in admins:
        assert a.call("CONFIG", "SET", "requirepass", "pw") == b"+OK\r\n"
    yield
    for a in admins:
        assert a.call("CONFIG", "SET", "requirepass", "") == b"+OK\r\n"
        a.close()


@pytest.mark.parametrize("data", [
    b"*11\r\n",
    b"*10\r\n$4\r\nECHO\r\n",
    b"*2\r\n$4\r\nECHO\r\n$16385\r\n",
    b"*2\r\n$4\r\nECHO\r\n$16384\r\n",
    b"GET k\r\nPING\r\n*11\r\n",
    b"AUTH wrong\r\n*11\r\n",
    b"AUTH pw\r\n*11\r\n$4\r\nECHO\r\n" + b"$1\r\na\r\n" * 10,
    b"AUTH pw\r\n*2\r\n$4\r\nECHO\r\n$16385\r\n" + b"e" * 16385 + b"\r\n",
    b"*3\r\n$4\r\nAUTH\r\n$2\r\npw\r\n$3\r\nfoo\r\n",
])
def test_unauthenticated_limits(servers, with_password, data):
    outs = []
    for s in servers:
        c = RawConnection(s.port)
        c.send(data)
        outs.append(read_all(c, timeout=0.5))
        c.close()
    assert outs[0] == outs[1], "%r\n redis:    %r\n pyengine: %r" % (data[:60], outs[0], outs[1])


# ---- idle timeout (last interaction is updated by every read) ---------------------------------

def test_idle_timeout_spares_active_clients(servers, restore_config):
    restore_config("timeout", "1")
    idle = [RawConnection(s.port) for s in servers]
    active = [RawConnection(s.port) for s in servers]
    try:
        for c in idle + active:
            assert c.call("PING") == b"+PONG\r\n"
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            for c in active:
                assert c.call("PING") == b"+PONG\r\n"
            time.sleep(0.3)
        for c in idle:
            assert is_closed(c, wait=3.0)
        for c in active:
            assert c.call("PING") == b"+PONG\r\n"
    finally:
        for c in idle + active:
            c.close()
