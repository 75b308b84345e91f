"""redis-cli against pyengine-server: one-shot commands, interactive-style
stdin input, and --pipe mass insertion, each compared with the real
redis-server's output for the same invocation."""

import subprocess

import pytest

from serverproc import need_tool


def cli(port, *args, input=None):
    out = subprocess.run([need_tool("redis-cli"), "-p", str(port)] + list(args),
                         input=input, capture_output=True, timeout=60)
    return out.returncode, out.stdout, out.stderr


@pytest.fixture
def servers(redis_server, pyengine_server):
    for s in (redis_server, pyengine_server):
        assert cli(s.port, "flushall")[1] == b"OK\n"
    return redis_server.port, pyengine_server.port


def test_set_and_get(servers):
    rport, pport = servers
    assert cli(pport, "set", "k", "v") == (0, b"OK\n", b"")
    assert cli(pport, "get", "k") == (0, b"v\n", b"")
    assert cli(pport, "get", "missing") == (0, b"\n", b"")


@pytest.mark.parametrize("args", [
    ["set", "k", "v"],
    ["get", "k"],
    ["incr", "counter"],
    ["incr", "k"],
    ["mset", "a", "1", "b", "2"],
    ["mget", "a", "b", "nope"],
    ["get"],
    ["nosuchcommand", "x"],
    ["--no-raw", "get", "k"],
    ["--raw", "mget", "a", "b"],
    ["--csv", "mget", "a", "b"],
    ["-3", "config", "get", "maxmemory"],
    ["-3", "hello", "3"],
    ["-n", "2", "dbsize"],
    ["-r", "3", "incr", "n3"],
    ["ttl", "k"],
    ["exists", "k", "a", "nope"],
])
def test_output_matches_redis(servers, args):
    rport, pport = servers
    for port in (rport, pport):
        cli(port, "set", "k", "v")
    r, p = cli(rport, *args), cli(pport, *args)
    if args[:2] == ["-3", "hello"]:
        # the client id differs
        def no_id(res):
            lines = [l for l in res[1].split(b"\n") if not l.startswith(b"id ")]
            return res[0], b"\n".join(lines), res[2]
        r, p = no_id(r), no_id(p)
        assert b"proto 3" in p[1]
    assert p == r


def test_commands_from_stdin_match_redis(servers):
    script = b"set a 1\nincr a\nget a\nappend a xyz\nget a\nbadcommand\ndel a\n"
    rport, pport = servers
    assert cli(pport, input=script) == cli(rport, input=script)


def mass_insert_file(n):
    """A --pipe input in RESP (the way redis.io describes mass insertion)."""
    chunks = []
    for i in range(n):
        key, value = b"key:%d" % i, b"value:%d" % i
        chunks.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key,
                                                                       len(value), value))
    return b"".join(chunks)


def test_pipe_mass_insert(servers, tmp_path):
    n = 20000
    data = mass_insert_file(n)
    rport, pport = servers
    results = {}
    for port in (rport, pport):
        rc, out, err = cli(port, "--pipe", input=data)
        assert rc == 0
        results[port] = out
        assert cli(port, "dbsize")[1] == b"%d\n" % n
        assert cli(port, "get", "key:%d" % (n - 1))[1] == b"value:%d\n" % (n - 1)
    assert results[pport].endswith(b"errors: 0, replies: %d\n" % n)
    assert results[pport] == results[rport]


def test_pipe_with_errors(servers):
    data = b"SET a 1\r\nINCR a\r\nGETRANGE a x y\r\nINCR nope nope\r\nGET a\r\n"
    rport, pport = servers
    r = cli(rport, "--pipe", input=data)
    p = cli(pport, "--pipe", input=data)
    assert p == r


def test_cli_info_and_ping(servers):
    rport, pport = servers
    assert cli(pport, "ping") == (0, b"PONG\n", b"")
    rc, out, _ = cli(pport, "info", "server")
    assert rc == 0 and b"redis_version:7.0.15" in out
