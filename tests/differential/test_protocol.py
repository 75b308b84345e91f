"""The wire protocol against a real redis-server: raw request bytes in, raw
reply bytes (up to the connection close, for protocol errors) compared."""

import socket
import time

import pytest

from helpers import RawConnection
from engine.resp import encode_command


class Pair:
    """One fresh raw connection to each server."""

    def __init__(self, redis_server, pyengine_server):
        self.r = RawConnection(redis_server.port)
        self.p = RawConnection(pyengine_server.port)

    def send(self, data):
        self.r.send(data)
        self.p.send(data)

    def until_closed(self):
        """Everything each server sends until it closes; both must close."""
        r = self.r.read_until_closed(timeout=5)
        p = self.p.read_until_closed(timeout=5)
        return r, p

    def replies(self, n):
        return [self.r.read_reply() for _ in range(n)], [self.p.read_reply() for _ in range(n)]

    def close(self):
        self.r.close()
        self.p.close()


@pytest.fixture
def pair(redis_server, pyengine_server):
    pr = Pair(redis_server, pyengine_server)
    yield pr
    pr.close()


def _closed(conn, wait=2.0):
    """True if the server closed the connection (EOF) within ``wait``."""
    conn.sock.settimeout(wait)
    try:
        data = conn.sock.recv(65536)
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True
    return data == b""


def _silent(conn, wait=0.3):
    """True if nothing arrives within ``wait`` and the connection stays open."""
    conn.sock.settimeout(wait)
    try:
        data = conn.sock.recv(65536)
    except socket.timeout:
        return True
    finally:
        conn.sock.settimeout(10)
    return False


def assert_same_then_closed(pair, data):
    pair.send(data)
    r, p = pair.until_closed()
    assert p == r, "input %r\n redis:    %r\n pyengine: %r" % (data[:200], r[:500], p[:500])
    return r


# ---- inline commands ---------------------------------------------------------------

@pytest.mark.parametrize("data,n", [
    (b'SET a "a\\x41b"\r\nGET a\r\n', 2),
    (b"SET a 'it\\'s'\r\nGET a\r\n", 2),
    (b'SET a "\\n\\r\\t\\b\\a\\z\\\\\\"\\xff\\x00"\r\nGET a\r\n', 2),
    (b'ECHO "\\x4g"\r\n', 1),
    (b'ECHO "\\xZZ"\r\n', 1),
    (b"ECHO 'a\\nb\\\\'\r\n", 1),
    (b'ECHO ""\r\n', 1),
    (b"ECHO ''\r\n", 1),
    (b"ECHO\t a\r\n", 1),
    (b"ECHO a\rb\r\n", 1),
    (b"ECHO \x0bx\x0c\r\n", 1),
    (b"ECHO \xa0x\x85\r\n", 1),
    (b"  PING  \n", 1),
    (b"PING\n", 1),
    (b"PING\r\r\n", 1),
    (b'"PING"\r\n', 1),
    (b'x"ECHO" a\r\n', 1),
    (b"\r\n\r\n\nPING\r\n", 1),
    (b"   \r\n\t\nPING\r\n", 1),
    (b"*0\r\nPING\r\n", 1),
    (b"*-1\r\nPING\r\n", 1),
    (b"*-100\r\nPING\r\n", 1),
    (b"*1\r\n$4\r\nPING\r\n", 1),
    (b"*1\r\n$4\r\nPINGxx", 1),                        # the bulk's CRLF is not checked
    (b"*1\r\n$4\r\nPING\r\nPING\r\n*1\r\n$4\r\nPING\r\n", 3),
])
def test_inline_and_empty_requests(diff, data, n):
    diff.raw(data, replies=n)


@pytest.mark.parametrize("data", [
    b'SET a "unbalanced\r\n',
    b"SET a 'unbalanced\r\n",
    b'SET a "x"y\r\n',
    b"SET a 'x'y\r\n",
    b'ECHO "a\\"\r\n',
    b"ECHO 'a\\'\r\n",
    b'"\r\n',
    b'PING\r\nECHO "a\r\nPING\r\n',
])
def test_unbalanced_quotes_close_the_connection(pair, data):
    out = assert_same_then_closed(pair, data)
    assert out.endswith(b"-ERR Protocol error: unbalanced quotes in request\r\n")


# ---- multibulk strictness -------------------------------------------------------------

@pytest.mark.parametrize("data", [
    b"*+1\r\n$4\r\nPING\r\n",
    b"* 1\r\n$4\r\nPING\r\n",
    b"*01\r\n$4\r\nPING\r\n",
    b"*1_0\r\n",
    b"*\r\n",
    b"*-0\r\n",
    b"*1x\r\n",
    b"*2147483648\r\n",
    b"*99999999999999999999\r\n",
    b"*1\r\n$-1\r\n",
    b"*1\r\n$+3\r\nFOO\r\n",
    b"*1\r\n$ 3\r\nFOO\r\n",
    b"*1\r\n$01\r\nF\r\n",
    b"*1\r\n$\r\n",
    b"*1\r\n$3x\r\nFOO\r\n",
    b"*1\r\n$600000000\r\n",
    b"*1\r\n$536870913\r\n",
    b"*1\r\nx4\r\nPING\r\n",
    b"*1\r\n:4\r\nPING\r\n",
    b"*2\r\n$4\r\nECHO\r\n\r\n",
    b"*3\r\n$3\r\nfoo\r\n$3\r\na\r\nb\r\n$2\r\nb\nc\r\n",
    b"*1\r\n*1\r\n$4\r\nPING\r\n",
])
def test_protocol_errors(pair, data):
    out = assert_same_then_closed(pair, data)
    assert b"Protocol error" in out


def test_declared_max_bulk_len_is_accepted(diff):
    # 512 MB exactly is allowed; the command waits for its bytes
    diff.r.send(b"*2\r\n$4\r\nECHO\r\n$536870912\r\nabc")
    diff.p.send(b"*2\r\n$4\r\nECHO\r\n$536870912\r\nabc")
    assert _silent(diff.r) and _silent(diff.p)


def test_too_big_inline_request(pair):
    out = assert_same_then_closed(pair, b"x" * 70000)
    assert out == b"-ERR Protocol error: too big inline request\r\n"


def test_too_big_mbulk_count_string(pair):
    out = assert_same_then_closed(pair, b"*" + b"1" * 70000)
    assert out == b"-ERR Protocol error: too big mbulk count string\r\n"


def test_too_big_bulk_count_string(pair):
    out = assert_same_then_closed(pair, b"*1\r\n$" + b"1" * 70000)
    assert out == b"-ERR Protocol error: too big bulk count string\r\n"


def test_inline_just_under_the_limit_is_fine(diff):
    diff.raw(b"ECHO " + b"y" * 65000 + b"\r\n")


@pytest.mark.parametrize("data", [
    b"*1\x00\r\n$4\r\nPING\r\n",
    b"*1\r\n$4\x00\r\nPING\r\n",
    b"PI\x00NG\r\n",
])
def test_nul_in_header_hides_the_terminator(pair, data):
    # Redis's strchr stops at the NUL: no reply, the connection waits ...
    pair.send(data)
    assert _silent(pair.r) and _silent(pair.p)
    # ... until 64 KB pile up without a visible terminator
    out = assert_same_then_closed(pair, b"\r\n" * 35000)
    assert b"Protocol error: too big" in out


def test_nul_after_header_is_harmless(diff):
    diff.raw(b"*2\r\n$4\r\nECHO\r\n$3\r\n\x00\x00\x00\r\n")
    diff.raw(b"*2\r\n$4\r\nECHO\r\n$3\r\n\r\n\x00\r\n")


# ---- pipelines with errors ---------------------------------------------------------------

@pytest.mark.parametrize("bad", [
    b"*1\r\n:4\r\n", b"*x\r\n", b'ECHO "a\r\n', b"*1\r\n$-5\r\n", b"*1\r\n$99999999999\r\n",
])
def test_good_commands_answered_before_the_error(pair, redis_server, pyengine_server, bad):
    bystander = Pair(redis_server, pyengine_server)
    try:
        bystander.send(encode_command("PING"))
        assert bystander.replies(1) == ([b"+PONG\r\n"], [b"+PONG\r\n"])
        good = (encode_command("SET", "pk", "1") + b"INCR pk\r\n" + encode_command("INCR", "pk") +
                b"\r\n*0\r\nGET pk\r\n")
        out = assert_same_then_closed(pair, good + bad + encode_command("INCR", "pk"))
        assert out.startswith(b"+OK\r\n:2\r\n:3\r\n$1\r\n3\r\n-ERR Protocol error")
        # the command after the bad bytes never ran; other clients carry on
        bystander.send(encode_command("GET", "pk"))
        assert bystander.replies(1) == ([b"$1\r\n3\r\n"], [b"$1\r\n3\r\n"])
        bystander.send(encode_command("DEL", "pk"))
        bystander.replies(1)
    finally:
        bystander.close()


def test_error_reply_split_across_reads(pair):
    pair.send(b"PING\r\n*1\r\n")
    time.sleep(0.05)
    pair.send(b"$4\r\nPING\r\n*1\r\n")
    time.sleep(0.05)
    out = assert_same_then_closed(pair, b"?\r\n")
    assert out == b"+PONG\r\n+PONG\r\n-ERR Protocol error: expected '$', got '?'\r\n"


def test_too_big_inline_after_good_commands(pair):
    out = assert_same_then_closed(pair, b"PING\r\n*1\r\n$4\r\nPING\r\n" + b"x" * 70000)
    assert out == b"+PONG\r\n+PONG\r\n-ERR Protocol error: too big inline request\r\n"


# ---- split and big input ------------------------------------------------------------------

def test_command_split_byte_by_byte(diff):
    data = (encode_command("SET", "split", "a\r\nb\x00c") + b'ECHO "x\\x41y"\r\n' +
            encode_command("GET", "split") + b"*0\r\n\r\n" + encode_command("STRLEN", "split"))
    for i in range(len(data)):
        diff.r.send(data[i:i + 1])
        diff.p.send(data[i:i + 1])
        if i % 7 == 0:
            time.sleep(0.002)
    for _ in range(4):
        r, p = diff.r.read_reply(), diff.p.read_reply()
        assert p == r


def test_big_value_in_small_chunks(diff):
    size = 10 * 1024 * 1024
    value = bytes(range(256)) * (size // 256)
    data = encode_command("SET", "big", value)
    chunk = 16 * 1024
    for i in range(0, len(data), chunk):
        diff.r.send(data[i:i + chunk])
        diff.p.send(data[i:i + chunk])
    assert diff.r.read_reply() == diff.p.read_reply() == b"+OK\r\n"
    diff("STRLEN", "big")
    r, p = diff.both("GET", "big")
    assert r == p == b"$%d\r\n" % size + value + b"\r\n"
    diff("GETRANGE", "big", "1000000", "1000010")
    diff("DEL", "big")


def test_big_inline_value_followed_by_pipeline(diff):
    diff.raw(b"SET bi " + b"v" * 60000 + b"\r\nSTRLEN bi\r\nDEL bi\r\n", replies=3)


def test_big_pipeline_read_back_fully(diff):
    n = 10000
    data = b"".join(encode_command("SET", "p%d" % i, "v%d" % i) for i in range(n))
    data += b"".join(encode_command("INCR", "counter") for _ in range(n))
    data += b"".join(b"GET p%d\r\n" % i for i in range(0, n, 3))
    diff.r.send(data)
    diff.p.send(data)
    total = n * 2 + len(range(0, n, 3))
    for i in range(total):
        r, p = diff.r.read_reply(), diff.p.read_reply()
        assert p == r, "reply %d: %r != %r" % (i, p, r)
    diff("GET", "counter")
    diff("DBSIZE")


def test_pipeline_without_reading_then_read(diff):
    # a client that writes a long pipeline before reading anything (redis-py
    # pipelines do): the server must keep reading while replies pile up
    n = 3000
    big = "x" * 2000
    diff("SET", "bigv", big)
    data = b"".join(encode_command("GET", "bigv") for _ in range(n))
    diff.r.send(data)
    diff.p.send(data)
    for _ in range(n):
        r, p = diff.r.read_reply(), diff.p.read_reply()
        assert p == r


# ---- unknown commands ----------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("NOSUCH",),
    ("NOSUCH", ""),
    ("NOSUCH", "a" * 300, "b"),
    ("NOSUCH", "a" * 100, "b" * 100),
    ("NOSUCH", "a" * 120, "b" * 5, "c"),
    ("NOSUCH", "a" * 126, "b"),
    ("NOSUCH", "a" * 124, "bcdef"),
    ("NOSUCH", *["ab"] * 100),
    ("NOSUCH", "a\r\nb", "c\x00d", "e\rf", "\n"),
    ("NOSUCH", bytes(range(256))),
    ("NOSUCH", b"\xff\xfe\x00\x01"),
    ("x" * 300,),
    ("x" * 300, "y"),
    ("a\r\nb", "c"),
    ("NOSUCH\x00X", "a"),
    ("\xe9t\xe9", "\xff"),
    ("CONFIG", "x" * 300),
    ("CONFIG", "a\r\nb"),
    ("cOnFiG", "a\x00b"),
    ("config\x00", "get"),
    ("CLIENT", "NOSUCH", "a"),
    ("get\x00", "k"),
])
def test_unknown_commands(diff, args):
    diff(*args)


def test_unknown_command_inline(diff):
    diff.raw(b"NOSUCH " + b"x" * 200 + b" " + b"y" * 10 + b"\r\n")
    diff.raw(b'NOSUCH "a\\r\\nb" "\\x00z"\r\n')



# ---- RESP3 ---------------------------------------------------------------------------------

@pytest.mark.parametrize("data,closes", [
    (b"GET nokey\r\n*1\r\n:1\r\n", True),
    (b"NOSUCH a\r\n*1\r\n$3\r\nfoo\r\n", False),
    (b'ECHO "x\\x00y"\r\n*2\r\n$4\r\nECHO\r\n$1\r\nz\r\n*1_0\r\n', True),
])
def test_resp3_connection(pair, data, closes):
    pair.send(encode_command("HELLO", "3"))
    pair.replies(1)                               # differs in the client id only
    pair.send(data)
    if closes:
        r, p = pair.until_closed()
    else:
        r, p = pair.r.read_reply() + pair.r.read_reply(), pair.p.read_reply() + pair.p.read_reply()
    assert p == r


def test_quit_in_a_pipeline(pair):
    out = assert_same_then_closed(pair, b"PING\r\nQUIT\r\nPING\r\n")
    assert out == b"+PONG\r\n+OK\r\n"


def test_empty_command_name(diff):
    diff.raw(b"*1\r\n$0\r\n\r\n")
    diff.raw(b"*2\r\n$0\r\n\r\n$1\r\na\r\n")


def test_input_after_a_protocol_error_does_not_cut_the_replies(redis_server, pyengine_server):
    """The client keeps writing after its protocol error while a large
    backlog of replies is still being written: every reply and the error
    arrive before the close (a close with unread input would reset the
    connection and drop what the kernel had not sent yet)."""
    import hashlib
    outs = []
    for s in (redis_server, pyengine_server):
        c = RawConnection(s.port)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        assert c.call("SET", "bigreply", b"b" * (1 << 20)) == b"+OK\r\n"
        c.send(encode_command("GET", "bigreply") * 12 + b"*1\r\n:x\r\n")
        time.sleep(0.2)
        c.send(b"more input after the error\r\n" * 100)
        time.sleep(0.2)
        buf = bytearray()
        c.sock.settimeout(10)
        while True:
            try:
                chunk = c.sock.recv(1 << 20)
            except ConnectionResetError:
                break
            if not chunk:
                break
            buf += chunk
        c.close()
        outs.append((len(buf), hashlib.sha1(buf).hexdigest(), bytes(buf[-60:])))
        RawConnection(s.port).call("DEL", "bigreply")
    assert outs[0] == outs[1]
    assert outs[0][2].endswith(b"-ERR Protocol error: expected '$', got ':'\r\n")
