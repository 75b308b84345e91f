"""redis-py as the client: the same calls go to the real redis-server, to
pyengine-server over TCP, and to the embedded ``pyengine.Redis`` (no
socket), in RESP2 and RESP3, and the Python results must be equal.

Errors are compared as (exception class, message). Unordered replies
(KEYS, SCAN) are sorted; nothing else is normalised.
"""

import pytest

redis = pytest.importorskip("redis")

import pyengine  # noqa: E402


def outcome(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except redis.RedisError as e:
        return ("error", type(e).__name__, str(e))


def strings_api(r):
    """A tour of redis-py's string commands; returns every result."""
    out = []
    o = out.append
    o(r.set("s", "hello"))
    o(r.get("s"))
    o(r.set("s", "x", nx=True))
    o(r.set("s", "world", xx=True, get=True))
    o(r.set("fresh", "1", xx=True))
    o(r.set("e", "v", ex=1000))
    o(r.ttl("e"))
    o(r.set("e", "v", px=100000, keepttl=False))
    o(r.set("e2", "v", keepttl=True))
    o(r.setex("sx", 1000, "v"))
    o(r.psetex("psx", 100000, "v"))
    o(r.setnx("s", "no"))
    o(r.setnx("new", "yes"))
    o(r.getset("s", "again"))
    o(r.getdel("new"))
    o(r.getdel("new"))
    o(r.getex("s", ex=500))
    o(r.ttl("s"))
    o(r.getex("s", persist=True))
    o(r.ttl("s"))
    o(r.append("s", "!!"))
    o(r.strlen("s"))
    o(r.setrange("s", 1, "AB"))
    o(r.getrange("s", 0, 3))
    o(r.getrange("s", -3, -1))
    o(r.substr("s", 1, 2))
    o(r.mset({"a": "1", "b": "2", "c": "3"}))
    o(r.msetnx({"a": "x", "d": "4"}))
    o(r.msetnx({"d": "4", "e9": "5"}))
    o(r.mget("a", "b", "nope", "d"))
    o(r.incr("n"))
    o(r.incrby("n", 10))
    o(r.decr("n"))
    o(r.decrby("n", 5))
    o(r.incrbyfloat("f", 1.5))
    o(r.incrbyfloat("f", "2.25"))
    o(r.get("f"))
    o(outcome(r.incr, "s"))
    o(outcome(r.incrbyfloat, "s", 1))
    o(outcome(r.incrby, "n", "abc"))
    o(r.set("l1", "ohmytext"))
    o(r.set("l2", "mynewtext"))
    o(r.lcs("l1", "l2"))
    o(r.lcs("l1", "l2", len=True))
    o(r.lcs("l1", "l2", idx=True, minmatchlen=2, withmatchlen=True))
    o(r.set("big", "x" * 10000))
    o(len(r.get("big")))
    o(r.set("bin", b"\x00\xc3\xa9\r\n"))
    o(r.get("bin"))
    o(outcome(r.execute_command, "GET"))
    o(outcome(r.execute_command, "SET", "k"))
    o(outcome(r.execute_command, "NOSUCHCOMMAND", "x"))
    o(outcome(r.set, "k", "v", ex=0))
    o(outcome(r.execute_command, "SET", "k", "v", "EX", "10", "PX", "10"))
    return out


def keys_api(r):
    out = []
    o = out.append
    r.mset({"k1": "a", "k2": "b", "k3": "c", "other": "d"})
    o(r.exists("k1", "k2", "nope", "k1"))
    o(sorted(r.keys("k*")))
    o(sorted(r.scan_iter(match="k*", count=2)))
    o(r.type("k1"))
    o(r.type("nope"))
    o(r.delete("k3", "nope"))
    o(r.unlink("k2"))
    o(r.expire("k1", 1000))
    o(r.ttl("k1"))
    o(r.pttl("k1") > 990000)
    o(r.expire("k1", 2000, gt=True))
    o(r.expire("k1", 10, gt=True))
    o(r.expire("k1", 10, lt=True))
    o(r.expire("k1", 20, xx=True))
    o(r.expire("other", 20, nx=True))
    o(r.persist("k1"))
    o(r.persist("k1"))
    o(r.ttl("k1"))
    o(r.ttl("nope"))
    o(r.pexpire("k1", 500000))
    o(r.expireat("other", 4102444800))
    o(r.expiretime("other"))
    o(r.pexpireat("other", 4102444800000))
    o(r.pexpiretime("other"))
    o(r.rename("k1", "renamed"))
    o(outcome(r.rename, "nope", "x"))
    o(r.set("target", "t"))
    o(r.renamenx("renamed", "target"))
    o(r.copy("renamed", "copied"))
    o(r.copy("renamed", "copied"))
    o(r.copy("renamed", "copied", replace=True))
    o(r.move("copied", 3))
    o(r.exists("copied"))
    o(r.touch("renamed", "target", "nope"))
    o(r.object("encoding", "renamed"))
    o(r.set("num", 12345))
    o(r.object("encoding", "num"))
    o(r.object("encoding", "big") if r.set("big", "y" * 100) else None)
    o(r.dbsize())
    o(r.randomkey() is not None)
    o(r.echo("hello"))
    o(r.ping())
    o(outcome(r.execute_command, "EXPIRE", "k", "abc"))
    o(r.flushdb())
    o(r.dbsize())
    o(r.randomkey())
    return out


def pipeline_api(r):
    out = []
    p = r.pipeline(transaction=False)
    for i in range(50):
        p.set("p%d" % i, i)
    p.mget(["p%d" % i for i in range(50)])
    for i in range(50):
        p.incrby("p%d" % i, i)
    p.get("p49")
    out.append(p.execute())
    p = r.pipeline(transaction=False)
    p.set("x", "notanumber")
    p.incr("x")
    p.get("x")
    p.execute_command("NOSUCH")
    res = p.execute(raise_on_error=False)
    out.append([("error", type(v).__name__, str(v)) if isinstance(v, Exception) else v
                for v in res])
    p = r.pipeline(transaction=False)
    p.set("y", "1")
    p.incr("x")
    out.append(outcome(p.execute))
    with r.pipeline(transaction=False) as p:
        out.append(p.set("z", 1).incr("z").get("z").execute())
    return out


def _clients(redis_port, pyengine_port, **kwargs):
    return [("redis", redis.Redis(port=redis_port, **kwargs)),
            ("pyengine-server", redis.Redis(port=pyengine_port, **kwargs)),
            ("embedded", pyengine.Redis(**kwargs))]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("decode", [False, True])
@pytest.mark.parametrize("tour", [strings_api, keys_api, pipeline_api])
def test_redis_py_same_results(redis_server, pyengine_server, protocol, decode, tour):
    results = {}
    for name, r in _clients(redis_server.port, pyengine_server.port, protocol=protocol,
                            decode_responses=decode):
        r.flushall()
        results[name] = tour(r)
        r.close()
    assert results["pyengine-server"] == results["redis"]
    assert results["embedded"] == results["redis"]


@pytest.mark.parametrize("protocol", [2, 3])
def test_handshake_protocol(redis_server, pyengine_server, protocol):
    """redis-py's handshake (HELLO for RESP3, CLIENT SETINFO rejected by
    7.0) leaves each connection in the same state on both servers."""
    infos = {}
    for name, r in _clients(redis_server.port, pyengine_server.port, protocol=protocol):
        info = r.client_info()
        assert info["resp"] == str(protocol)
        assert r.ping() is True
        infos[name] = info
        r.close()
    assert sorted(infos["pyengine-server"]) == sorted(infos["redis"])
    assert sorted(infos["embedded"]) == sorted(infos["redis"])
    for key in ("name", "db", "flags", "multi", "cmd", "user", "resp"):
        assert infos["pyengine-server"][key] == infos["redis"][key], key
        assert infos["embedded"][key] == infos["redis"][key], key


def test_client_setinfo_rejected_like_redis(redis_server, pyengine_server):
    for port in (redis_server.port, pyengine_server.port):
        r = redis.Redis(port=port)
        with pytest.raises(redis.ResponseError) as e:
            r.execute_command("CLIENT", "SETINFO", "LIB-NAME", "x")
        assert str(e.value) == "unknown subcommand 'SETINFO'. Try CLIENT HELP."
        r.close()


def test_resp3_types_from_server(redis_server, pyengine_server):
    out = {}
    for name, r in _clients(redis_server.port, pyengine_server.port, protocol=3):
        conn = r.connection_pool.get_connection()
        try:
            conn.send_command("CONFIG", "GET", "maxmemory-policy")
            cfg = conn.read_response()
            conn.send_command("HELLO", "3")
            hello = conn.read_response()
        finally:
            r.connection_pool.release(conn)
        out[name] = (cfg, sorted(hello), hello[b"proto"], hello[b"version"])
        r.close()
    assert out["redis"][0] == {b"maxmemory-policy": b"noeviction"}
    assert out["pyengine-server"] == out["redis"]
    assert out["embedded"] == out["redis"]


def test_select_db_and_client_name(pyengine_server):
    r = redis.Redis(port=pyengine_server.port, db=2, client_name="tester")
    r.flushall()
    r.set("k", "in-db-2")
    assert r.client_getname() == "tester"
    assert r.client_info()["db"] == 2
    assert redis.Redis(port=pyengine_server.port).get("k") is None
    assert redis.Redis(port=pyengine_server.port, db=2).get("k") == b"in-db-2"


@pytest.mark.parametrize("protocol", [2, 3])
def test_transactional_pipeline_and_watch(pyengine_server, protocol):
    """redis-py's default pipeline (MULTI/EXEC) and WATCH-based transaction,
    over the network."""
    r = redis.Redis(port=pyengine_server.port, protocol=protocol)
    r.delete("a", "w")
    assert r.pipeline().set("a", 1).incr("a").get("a").execute() == [True, 2, b"2"]
    other = redis.Redis(port=pyengine_server.port, protocol=protocol)
    with r.pipeline() as p:
        p.watch("w")
        other.set("w", "changed")
        p.multi()
        p.set("w", "mine")
        with pytest.raises(redis.WatchError):
            p.execute()
    assert r.get("w") == b"changed"
    assert r.ping() is True
