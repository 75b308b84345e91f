"""engine/resp: reply encoder, request parser, ReplyReader, reply_end."""

import math
import time

import pytest

from engine._mem import used_memory
from engine.resp import (Encoder, RequestParser, ReplyReader, ReplyError, reply_end,
                         encode_command, split_inline)


# ---- encoder -----------------------------------------------------------------

def enc(proto, method, *args):
    e = Encoder(proto)
    getattr(e, method)(*args)
    return e.take()


@pytest.mark.parametrize("method,args,resp2,resp3", [
    ("simple", (b"OK",), b"+OK\r\n", b"+OK\r\n"),
    ("simple", (b"",), b"+\r\n", b"+\r\n"),
    ("error", (b"ERR bad",), b"-ERR bad\r\n", b"-ERR bad\r\n"),
    ("error", (b"ERR a\r\nb\rc\nd",), b"-ERR a  b c d\r\n", b"-ERR a  b c d\r\n"),
    ("integer", (0,), b":0\r\n", b":0\r\n"),
    ("integer", (-9223372036854775808,), b":-9223372036854775808\r\n",
     b":-9223372036854775808\r\n"),
    ("integer", (9223372036854775807,), b":9223372036854775807\r\n", b":9223372036854775807\r\n"),
    ("bulk", (b"",), b"$0\r\n\r\n", b"$0\r\n\r\n"),
    ("bulk", (b"a\r\nb",), b"$4\r\na\r\nb\r\n", b"$4\r\na\r\nb\r\n"),
    ("bulk_ll", (-12,), b"$3\r\n-12\r\n", b"$3\r\n-12\r\n"),
    ("null", (), b"$-1\r\n", b"_\r\n"),
    ("null_array", (), b"*-1\r\n", b"_\r\n"),
    ("array", (3,), b"*3\r\n", b"*3\r\n"),
    ("array", (0,), b"*0\r\n", b"*0\r\n"),
    ("map", (2,), b"*4\r\n", b"%2\r\n"),
    ("set", (2,), b"*2\r\n", b"~2\r\n"),
    ("push", (3,), b"*3\r\n", b">3\r\n"),
    ("double", (1.5,), b"$3\r\n1.5\r\n", b",1.5\r\n"),
    ("double", (0.1,), b"$19\r\n0.10000000000000001\r\n", b",0.10000000000000001\r\n"),
    ("double", (math.inf,), b"$3\r\ninf\r\n", b",inf\r\n"),
    ("double", (-math.inf,), b"$4\r\n-inf\r\n", b",-inf\r\n"),
    ("double", (1e17,), b"$5\r\n1e+17\r\n", b",1e+17\r\n"),
    ("double", (-0.0,), b"$2\r\n-0\r\n", b",-0\r\n"),
    ("boolean", (True,), b":1\r\n", b"#t\r\n"),
    ("boolean", (False,), b":0\r\n", b"#f\r\n"),
    ("bignum", (b"1234567890123456789012",), b"$22\r\n1234567890123456789012\r\n",
     b"(1234567890123456789012\r\n"),
    ("verbatim", (b"hello", b"txt"), b"$5\r\nhello\r\n", b"=9\r\ntxt:hello\r\n"),
    ("verbatim", (b"", b"mkd"), b"$0\r\n\r\n", b"=4\r\nmkd:\r\n"),
    ("attribute", (1,), b"|1\r\n", b"|1\r\n"),
])
def test_encoder_bytes(method, args, resp2, resp3):
    assert enc(2, method, *args) == resp2
    assert enc(3, method, *args) == resp3


def test_encoder_big_values_and_growth():
    e = Encoder(2)
    big = bytes(range(256)) * 4000
    for _ in range(10):
        e.bulk(big)
    out = e.take()
    assert out == (b"$1024000\r\n" + big + b"\r\n") * 10
    assert e.take() == b""


def test_deferred_length_insert():
    e = Encoder(2)
    e.bulk(b"a")
    mark = len(e)
    e.bulk(b"x")
    e.bulk(b"y")
    e.insert(mark, b"*2\r\n")
    assert e.take() == b"$1\r\na\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n"


# ---- request parser ------------------------------------------------------------

def parse(data, **kw):
    p = RequestParser(**kw)
    cmds = p.feed(data)
    return cmds, p.error


def test_multibulk_basic():
    assert parse(b"*2\r\n$4\r\nECHO\r\n$3\r\na\x00b\r\n") == ([[b"ECHO", b"a\x00b"]], None)
    assert parse(b"*1\r\n$0\r\n\r\n") == ([[b""]], None)


def test_multibulk_needs_every_byte():
    p = RequestParser()
    assert p.feed(b"*1\r\n$4\r\nPING\r") == []
    assert p.feed(b"\n") == [[b"PING"]]


def test_empty_commands():
    assert parse(b"*0\r\n*-1\r\n*-5\r\n")[0] == [[], [], []]
    assert parse(b"\r\n\n   \r\n\t\n")[0] == [[], [], [], []]


@pytest.mark.parametrize("line,args", [
    (b'SET a "a\\x41b"\r\n', [b"SET", b"a", b"aAb"]),
    (b"SET a 'it\\'s'\r\n", [b"SET", b"a", b"it's"]),
    (b'ECHO "\\n\\r\\t\\b\\a\\z\\\\\\""\n', [b"ECHO", b"\n\r\t\b\a" + b"z\\\""]),
    (b'ECHO "\\x4g"\n', [b"ECHO", b"x4g"]),
    (b'ECHO "\\xFf\\x00"\n', [b"ECHO", b"\xff\x00"]),
    (b"ECHO 'a\\nb'\n", [b"ECHO", b"a\\nb"]),
    (b'ECHO ""  \'\'\n', [b"ECHO", b"", b""]),
    (b"  PING   \n", [b"PING"]),
    (b"a\tb\x0bc\x0cd\n", [b"a", b"b\x0bc\x0cd"]),
    (b"a\rb\r\n", [b"a", b"b"]),
    (b"a\xa0b\x85c\n", [b"a\xa0b\x85c"]),          # only ASCII whitespace separates
    (b'x"y z"\n', [b"xy z"]),
    (b"PING\r\r\n", [b"PING"]),
])
def test_inline(line, args):
    assert parse(line) == ([args], None)


@pytest.mark.parametrize("line", [
    b'SET a "unbalanced\r\n', b"SET a 'unbalanced\r\n", b'SET a "x"y\r\n', b"SET a 'x'y\r\n",
    b'ECHO "a\\"\r\n', b"ECHO 'a\\'\r\n", b'"\n',
])
def test_inline_unbalanced_quotes(line):
    assert parse(line) == ([], b"ERR Protocol error: unbalanced quotes in request")


@pytest.mark.parametrize("data,error", [
    (b"*+1\r\n", b"ERR Protocol error: invalid multibulk length"),
    (b"* 1\r\n", b"ERR Protocol error: invalid multibulk length"),
    (b"*01\r\n", b"ERR Protocol error: invalid multibulk length"),
    (b"*1_0\r\n", b"ERR Protocol error: invalid multibulk length"),
    (b"*\r\n", b"ERR Protocol error: invalid multibulk length"),
    (b"*-0\r\n", b"ERR Protocol error: invalid multibulk length"),
    (b"*2147483648\r\n", b"ERR Protocol error: invalid multibulk length"),
    (b"*1\r\n$-1\r\n", b"ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$+3\r\nFOO\r\n", b"ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$01\r\na\r\n", b"ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$\r\n", b"ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$536870913\r\n", b"ERR Protocol error: invalid bulk length"),
    (b"*1\r\nx4\r\nPING\r\n", b"ERR Protocol error: expected '$', got 'x'"),
    (b"*1\r\n:4\r\n", b"ERR Protocol error: expected '$', got ':'"),
    (b"*2\r\n$1\r\na\r\n\r\n", b"ERR Protocol error: expected '$', got '\r'"),
])
def test_multibulk_errors(data, error):
    assert parse(data) == ([], error)


def test_proto_max_bulk_len():
    assert parse(b"*1\r\n$10\r\n", proto_max_bulk_len=9)[1] == \
        b"ERR Protocol error: invalid bulk length"
    assert parse(b"*1\r\n$9\r\n123456789\r\n", proto_max_bulk_len=9) == ([[b"123456789"]], None)
    # the default is 512 MB
    assert parse(b"*1\r\n$536870912\r\n")[1] is None


def test_unauthenticated_limits():
    assert parse(b"*11\r\n", unauthenticated=True)[1] == \
        b"ERR Protocol error: unauthenticated multibulk length"
    assert parse(b"*10\r\n", unauthenticated=True)[1] is None
    assert parse(b"*1\r\n$16385\r\n", unauthenticated=True)[1] == \
        b"ERR Protocol error: unauthenticated bulk length"
    assert parse(b"*1\r\n$16384\r\n", unauthenticated=True)[1] is None


def test_good_commands_before_an_error_are_returned():
    cmds, err = parse(b"PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n:4\r\nPING\r\n")
    assert cmds == [[b"PING"], [b"PING"]]
    assert err == b"ERR Protocol error: expected '$', got ':'"


def test_error_is_final():
    p = RequestParser()
    p.feed(b"*x\r\n")
    assert p.error is not None
    assert p.log_reason == "invalid mbulk count"
    assert p.feed(b"PING\r\n") == []


def test_too_big_inline_and_count_strings():
    big = b"x" * 65536
    assert parse(big) == ([], None)                            # exactly 64 KB: wait
    assert parse(big + b"x")[1] == b"ERR Protocol error: too big inline request"
    assert parse(b"*" + big)[1] == b"ERR Protocol error: too big mbulk count string"
    assert parse(b"*1\r\n$" + big)[1] == b"ERR Protocol error: too big bulk count string"
    # a newline within the limit is fine, even for a long inline command
    cmds, err = parse(b"ECHO " + b"y" * 60000 + b"\r\n")
    assert err is None and cmds[0][1] == b"y" * 60000


def test_nul_bytes_in_headers_stop_the_line_search():
    # Redis searches its NUL-terminated buffer with strchr: a NUL before the
    # terminator hides it, the parser waits, and past 64 KB it gives up
    p = RequestParser()
    assert p.feed(b"*1\x00\r\n$4\r\nPING\r\n") == []
    assert p.error is None
    p.feed(b"x" * 70000)
    assert p.error == b"ERR Protocol error: too big mbulk count string"
    p = RequestParser()
    assert p.feed(b"PI\x00NG\r\n") == []
    p.feed(b"\r\n" * 40000)
    assert p.error == b"ERR Protocol error: too big inline request"
    p = RequestParser()
    assert p.feed(b"*1\r\n$4\x00\r\nPING\r\n") == []
    p.feed(b"\r\n" * 40000)
    assert p.error == b"ERR Protocol error: too big bulk count string"
    # NUL bytes inside bulk data are just data
    assert parse(b"*1\r\n$3\r\n\x00\x00\x00\r\n") == ([[b"\x00\x00\x00"]], None)


def test_cr_without_lf_in_headers():
    # like Redis, the byte after '\r' is assumed to be '\n'
    assert parse(b"*1\rX$4\rYPING\r\n") == ([[b"PING"]], None)


def test_bulk_terminator_not_checked():
    # Redis skips the two bytes after bulk data without looking at them
    assert parse(b"*1\r\n$4\r\nPINGxy") == ([[b"PING"]], None)


def test_declared_length_is_not_preallocated():
    p = RequestParser()
    before = used_memory()
    assert p.feed(b"*2\r\n$3\r\nSET\r\n$500000000\r\nabc") == []
    assert used_memory() - before < 1 << 20
    assert p.buffered() < 100
    assert p.state()[2] == 500000000


def test_partial_command_survives_buffer_compaction():
    p = RequestParser()
    assert p.feed(b"PING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk") == [[b"PING"]]
    assert p.buffered() == len(b"*3\r\n$3\r\nSET\r\n$1\r\nk")       # PING dropped
    assert p.feed(b"\r\n$5\r\nvalue\r\nPING\r\n") == [[b"SET", b"k", b"value"], [b"PING"]]
    assert p.buffered() == 0


def test_line_search_resumes():
    # a long inline command arriving a byte at a time is scanned once in all
    p = RequestParser()
    line = b"ECHO " + b"z" * 60000
    start = time.monotonic()
    for i in range(len(line)):
        p.feed(line[i:i + 1])
    assert p.scanned() == len(line)
    assert p.feed(b"\r\n") == [[b"ECHO", b"z" * 60000]]
    assert p.scanned() == 0
    assert time.monotonic() - start < 5


def test_huge_argument_count_grows_argv_gradually():
    p = RequestParser()
    n = 5000
    data = b"*%d\r\n" % n + b"$1\r\nx\r\n" * n
    assert p.feed(data) == [[b"x"] * n]
    # a big declared count alone is accepted and waits
    p = RequestParser()
    before = used_memory()
    assert p.feed(b"*2147483647\r\n$1\r\nx\r\n") == []
    assert used_memory() - before < 1 << 20


# ---- ReplyReader / reply_end -------------------------------------------------------

def test_reply_reader_types():
    r = ReplyReader()
    r.feed(b"+OK\r\n-ERR x\r\n:5\r\n$3\r\nabc\r\n$-1\r\n*-1\r\n*2\r\n:1\r\n$1\r\na\r\n"
           b"%1\r\n+k\r\n:1\r\n~2\r\n:1\r\n:2\r\n_\r\n,1.5\r\n,inf\r\n#t\r\n#f\r\n(123\r\n"
           b"=7\r\ntxt:abc\r\n>2\r\n+a\r\n+b\r\n!5\r\nERR e\r\n|1\r\n+a\r\n+b\r\n:9\r\n")
    out = []
    more = object()
    while True:
        v = r.gets(more)
        if v is more:
            break
        out.append(v)
    assert out[0] == "OK"
    assert isinstance(out[1], ReplyError) and str(out[1]) == "ERR x"
    assert out[2:8] == [5, b"abc", None, None, [1, b"a"], {"k": 1}]
    assert out[8] == {1, 2}
    assert out[9] is None and out[10] == 1.5 and out[11] == math.inf
    assert out[12] is True and out[13] is False and out[14] == 123
    assert out[15] == b"abc" and out[16] == ["a", "b"]
    assert isinstance(out[17], ReplyError) and str(out[17]) == "ERR e"
    assert out[18] == 9                        # attributes annotate the next reply
    assert not r.has_data()


def test_reply_reader_incremental():
    data = b"*3\r\n$5\r\nhello\r\n%1\r\n+a\r\n*1\r\n:1\r\n:7\r\n"
    r = ReplyReader()
    for i in range(len(data) - 1):
        r.feed(data[i:i + 1])
        assert r.gets() is False
    r.feed(data[-1:])
    assert r.gets() == [b"hello", {"a": [1]}, 7]


def test_reply_end():
    stream = b"+OK\r\n*2\r\n$1\r\na\r\n*1\r\n:1\r\n%1\r\n+k\r\n+v\r\n|1\r\n+a\r\n+b\r\n:1\r\n$-1\r\n"
    ends = []
    pos = 0
    while pos < len(stream):
        pos = reply_end(stream, pos)
        ends.append(pos)
    assert ends == [5, 24, 36, 52, 57]
    assert reply_end(b"*2\r\n$1\r\na\r\n") == -1
    assert reply_end(b"$3\r\nab") == -1


def test_encode_command():
    assert encode_command("SET", b"k", 1) == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n"


def test_split_inline():
    assert split_inline(b'save 900 1 "a b"') == [b"save", b"900", b"1", b"a b"]
    assert split_inline(b'x "unterminated') is None
    assert split_inline(b"a\x00b c") == [b"a"]
    assert split_inline(b"") == []
