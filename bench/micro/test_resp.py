"""RESP: the engine's request parser and reply encoder (C, through the bench
hooks) and its Python-level reply reader, each beside a plain-Python
baseline producing the same result.

The C request parser records argument offsets into the query buffer and
creates no object; the Python baseline slices each argument out, as a
pure-Python server would have to.
"""

import pytest

from engine.resp import ReplyReader

N = 10_000
REQUESTS = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$%d\r\nval:%d\r\n"
                    % (len(b"key:%d" % i), i, len(b"val:%d" % i), i) for i in range(N))
ITEMS = [b"value:%d" % i for i in range(N)]


# ---- request parsing ------------------------------------------------------------

def py_parse_requests(data):
    """A straightforward Python multibulk parser: (commands, args, consumed)."""
    pos, n, commands, args = 0, len(data), 0, 0
    while pos < n:
        end = data.index(b"\r\n", pos)
        argc = int(data[pos + 1:end])
        pos = end + 2
        argv = []
        for _ in range(argc):
            end = data.index(b"\r\n", pos)
            ln = int(data[pos + 1:end])
            pos = end + 2
            argv.append(data[pos:pos + ln])
            pos += ln + 2
        commands += 1
        args += len(argv)
    return commands, args, pos


@pytest.mark.benchmark(group="resp-parse-10k-SET")
def test_parse_requests_c(benchmark, hooks):
    assert benchmark(hooks.parse_requests, REQUESTS) == (N, 3 * N, len(REQUESTS))


@pytest.mark.benchmark(group="resp-parse-10k-SET")
def test_parse_requests_python(benchmark):
    assert benchmark(py_parse_requests, REQUESTS) == (N, 3 * N, len(REQUESTS))


# ---- reply encoding -------------------------------------------------------------

def py_bulk_array(items):
    return b"".join([b"*%d\r\n" % len(items)] + [b"$%d\r\n%s\r\n" % (len(x), x) for x in items])


@pytest.mark.benchmark(group="resp-encode-array-10k-bulk")
def test_encode_bulk_array_c(benchmark, hooks):
    assert benchmark(hooks.encode_bulk_array, ITEMS) == py_bulk_array(ITEMS)


@pytest.mark.benchmark(group="resp-encode-array-10k-bulk")
def test_encode_bulk_array_python(benchmark, hooks):
    assert benchmark(py_bulk_array, ITEMS) == hooks.encode_bulk_array(ITEMS)


def py_ints(count):
    return b"".join([b":%d\r\n" % i for i in range(count)])


@pytest.mark.benchmark(group="resp-encode-10k-int")
def test_encode_ints_c(benchmark, hooks):
    assert benchmark(hooks.encode_ints, N) == py_ints(N)


@pytest.mark.benchmark(group="resp-encode-10k-int")
def test_encode_ints_python(benchmark):
    assert benchmark(py_ints, N).count(b"\r\n") == N


# ---- reply reading (embedded mode decodes replies with ReplyReader) -------------

REPLY = py_bulk_array(ITEMS)


def py_read_bulk_array(data):
    """A Python reader for one array of bulk strings."""
    end = data.index(b"\r\n")
    count = int(data[1:end])
    pos = end + 2
    out = []
    for _ in range(count):
        end = data.index(b"\r\n", pos)
        ln = int(data[pos + 1:end])
        pos = end + 2
        out.append(data[pos:pos + ln])
        pos += ln + 2
    return out


def engine_read(data):
    r = ReplyReader()
    r.feed(data)
    return r.gets()


@pytest.mark.benchmark(group="resp-read-array-10k-bulk")
def test_read_reply_engine_ReplyReader(benchmark):
    assert benchmark(engine_read, REPLY) == ITEMS


@pytest.mark.benchmark(group="resp-read-array-10k-bulk")
def test_read_reply_python(benchmark):
    assert benchmark(py_read_bulk_array, REPLY) == ITEMS
