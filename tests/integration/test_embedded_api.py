"""The embedded API: ``Engine.execute`` (replies as Python values, error
replies raised), and ``pyengine.Redis``, the redis-py client with no
socket (connections, databases, protocols, pipelines, threads)."""

import os
import subprocess
import sys
import threading

import pytest

import pyengine
from pyengine import Engine, ResponseError

redis = pytest.importorskip("redis")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---- Engine.execute ---------------------------------------------------------------------

def test_execute_value_mapping_resp2():
    e = Engine()
    assert e.execute("SET", "k", "v") == "OK"                 # simple string -> str
    assert e.execute("GET", "k") == b"v"                      # bulk -> bytes
    assert e.execute("GET", "missing") is None                # null -> None
    assert e.execute("INCR", "n") == 1                        # integer -> int
    assert e.execute("MGET", "k", "missing") == [b"v", None]  # array -> list
    assert e.execute("PING") == "PONG"
    assert e.execute("DEBUG", "PROTOCOL", "double") == b"3.141"   # RESP2: doubles are bulks
    assert e.execute("DEBUG", "PROTOCOL", "map") == [0, 0, 1, 1, 2, 0]
    assert e.execute("DEBUG", "PROTOCOL", "true") == 1


def test_execute_value_mapping_resp3():
    e = Engine()
    hello = e.execute("HELLO", "3")
    assert isinstance(hello, dict) and hello[b"proto"] == 3    # map -> dict
    assert e.execute("DEBUG", "PROTOCOL", "double") == 3.141   # double -> float
    assert e.execute("DEBUG", "PROTOCOL", "true") is True      # boolean -> bool
    assert e.execute("DEBUG", "PROTOCOL", "false") is False
    assert e.execute("DEBUG", "PROTOCOL", "set") == {0, 1, 2}  # set -> set
    assert e.execute("DEBUG", "PROTOCOL", "map") == {0: False, 1: True, 2: False}
    assert e.execute("DEBUG", "PROTOCOL", "null") is None
    assert e.execute("CONFIG", "GET", "maxmemory") == {b"maxmemory": b"0"}


def test_execute_argument_types():
    e = Engine()
    assert e.execute("SET", b"bytes", 12) == "OK"
    assert e.execute("GET", "bytes") == b"12"
    assert e.execute("SET", "f", 1.5) == "OK"
    assert e.execute("INCRBYFLOAT", "f", 1) == b"2.5"
    assert e.execute("SET", "u", "h\u00e9") == "OK"
    assert e.execute("GET", "u") == "h\u00e9".encode()
    assert e.execute("SET", "ba", bytearray(b"xy")) == "OK"
    assert e.execute("SET", "mv", memoryview(b"zz")) == "OK"
    assert e.execute("MGET", "ba", "mv") == [b"xy", b"zz"]
    with pytest.raises(TypeError):
        e.execute("SET", "k", object())
    with pytest.raises(ValueError):
        e.execute()


@pytest.mark.parametrize("args, message", [
    (("GET",), "ERR wrong number of arguments for 'get' command"),
    (("NOSUCH", "a"), "ERR unknown command 'NOSUCH', with args beginning with: 'a' "),
    (("INCR", "s"), "ERR value is not an integer or out of range"),
    (("SET", "k", "v", "EX", "0"), "ERR invalid expire time in 'set' command"),
    (("SELECT", "99"), "ERR DB index is out of range"),
])
def test_execute_errors_raise_response_error(args, message):
    e = Engine()
    e.execute("SET", "s", "text")
    with pytest.raises(ResponseError) as exc:
        e.execute(*args)
    assert str(exc.value) == message
    assert e.execute("PING") == "PONG"          # the engine carries on


def test_engine_options_and_config():
    e = Engine(maxmemory="2mb", maxmemory_policy="allkeys-lru", databases=4)
    assert e.execute("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"2097152"]
    assert e.execute("CONFIG", "GET", "maxmemory-policy") == [b"maxmemory-policy", b"allkeys-lru"]
    with pytest.raises(ResponseError):
        e.execute("SELECT", "4")
    with pytest.raises(ValueError):
        Engine(no_such_option=1)


def test_engines_are_independent():
    a, b = Engine(), Engine()
    a.execute("SET", "k", "a")
    assert b.execute("GET", "k") is None


def test_execute_from_threads_is_serialised():
    e = Engine()

    def work():
        for _ in range(500):
            e.execute("INCR", "n")
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert e.execute("GET", "n") == b"4000"


def test_lazy_expiry_in_engine():
    import time
    e = Engine()
    e.execute("SET", "k", "v", "PX", "50")
    assert e.execute("GET", "k") == b"v"
    time.sleep(0.12)
    assert e.execute("GET", "k") is None
    assert e.execute("DBSIZE") == 0


# ---- pyengine.Redis ---------------------------------------------------------------------

def test_redis_is_a_redis_py_client():
    r = pyengine.Redis()
    assert isinstance(r, redis.Redis)
    assert pyengine.StrictRedis is pyengine.Redis
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.incr("n", 5) == 5
    assert r.mget("k", "n", "x") == [b"v", b"5", None]
    assert r.exists("k", "n") == 2
    assert r.expire("k", 100) is True
    assert 0 < r.ttl("k") <= 100
    assert sorted(r.keys()) == [b"k", b"n"]
    assert sorted(r.scan_iter()) == [b"k", b"n"]
    assert r.delete("k") == 1
    assert r.engine.execute("GET", "n") == b"5"    # same data as the Engine's


def test_redis_errors_are_redis_py_errors():
    r = pyengine.Redis()
    r.set("s", "text")
    with pytest.raises(redis.ResponseError) as exc:
        r.incr("s")
    assert str(exc.value) == "value is not an integer or out of range"
    with pytest.raises(redis.ResponseError):
        r.execute_command("NOSUCH")
    assert r.ping() is True


def test_pipeline():
    r = pyengine.Redis()
    p = r.pipeline(transaction=False)
    for i in range(100):
        p.set("k%d" % i, i)
    p.mget(["k0", "k99"])
    p.incr("k5")
    res = p.execute()
    assert res[:100] == [True] * 100
    assert res[100:] == [[b"0", b"99"], 6]
    p = r.pipeline(transaction=False)
    p.set("x", "nan")
    p.incr("x")
    p.get("x")
    res = p.execute(raise_on_error=False)
    assert res[0] is True and res[2] == b"nan"
    assert isinstance(res[1], redis.ResponseError)
    with pytest.raises(redis.ResponseError):
        r.pipeline(transaction=False).incr("x").execute()
    # transactions: the default pipeline wraps the commands in MULTI/EXEC
    assert r.pipeline().set("a", 1).incr("a").get("a").execute() == [True, 2, b"2"]


def test_transaction_with_watch():
    """redis-py's optimistic locking (WATCH, MULTI/EXEC, retry on conflict)."""
    r = pyengine.Redis()
    other = pyengine.Redis(engine=r.connection_pool.engine)
    r.set("counter", 10)
    attempts = []

    def incr(pipe):
        value = int(pipe.get("counter"))
        if not attempts:
            other.set("counter", 100)       # a concurrent change: first EXEC aborts
        attempts.append(value)
        pipe.multi()
        pipe.set("counter", value + 1)

    assert r.transaction(incr, "counter") == [True]
    assert attempts == [10, 100]
    assert r.get("counter") == b"101"


def test_pipeline_large_values():
    r = pyengine.Redis()
    big = os.urandom(300000)
    p = r.pipeline(transaction=False)
    p.set("big", big)
    p.get("big")
    p.strlen("big")
    assert p.execute() == [True, big, len(big)]


@pytest.mark.parametrize("protocol", [2, 3])
def test_protocol_per_connection(protocol):
    r = pyengine.Redis(protocol=protocol)
    info = r.client_info()
    assert info["resp"] == str(protocol)
    r.set("n", 1)
    assert r.incrbyfloat("n", 0.5) == 1.5
    assert r.config_get("maxmemory") == {"maxmemory": "0"}


def test_each_connection_is_its_own_client():
    e = Engine()
    r0 = pyengine.Redis(engine=e)
    r1 = pyengine.Redis(engine=e, db=1, protocol=2, client_name="one",
                        decode_responses=True)
    r0.set("k", "db0")
    r1.set("k", "db1")
    assert r0.get("k") == b"db0"
    assert r1.get("k") == "db1"
    assert e.execute("GET", "k") == b"db0"
    assert r1.client_getname() == "one"
    assert r0.client_getname() is None
    assert r0.client_id() != r1.client_id()
    assert r1.client_info()["db"] == 1
    assert r0.client_info()["resp"] == "3"


def test_two_clients_one_engine_share_data():
    e = Engine()
    a = pyengine.Redis(engine=e)
    b = pyengine.Redis(engine=e)
    a.set("shared", "x")
    assert b.get("shared") == b"x"
    with pytest.raises(TypeError):
        pyengine.Redis(engine=e, maxmemory="1mb")   # options belong to a new engine


def test_engine_options_through_redis():
    r = pyengine.Redis(maxmemory="3mb", decode_responses=True)
    assert r.config_get("maxmemory") == {"maxmemory": str(3 * 1024 * 1024)}
    assert r.engine.execute("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"3145728"]


def test_address_arguments_are_ignored():
    r = pyengine.Redis(host="redis.example", port=6390, socket_connect_timeout=1)
    assert r.ping() is True


def test_from_url():
    r = pyengine.Redis.from_url("redis://localhost:6379/3?decode_responses=True")
    r.set("k", "v")
    assert r.get("k") == "v"
    assert r.client_info()["db"] == 3


def test_quit_then_reconnect():
    r = pyengine.Redis(single_connection_client=True)
    r.set("k", "v")
    first = r.client_id()
    assert r.execute_command("QUIT") in (True, b"OK", "OK")
    assert r.get("k") == b"v"                  # a new engine client after QUIT
    assert r.client_id() != first


def test_closed_connections_leave_the_engine():
    e = Engine()
    before = len(e.instance.srv.clients)
    r = pyengine.Redis(engine=e)
    r.ping()
    assert len(e.instance.srv.clients) == before + 1
    r.close()
    assert len(e.instance.srv.clients) == before


def test_threads_with_a_connection_pool():
    r = pyengine.Redis()
    errors = []

    def work(i):
        try:
            for j in range(200):
                r.incr("counter")
                r.set("t%d:%d" % (i, j), j)
        except Exception as exc:      # pragma: no cover - reported below
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert r.get("counter") == b"1600"
    assert r.dbsize() == 1601


def test_socket_timeout_on_empty_read():
    """A read with nothing to come times out like a socket would."""
    r = pyengine.Redis(socket_timeout=0.2, single_connection_client=True)
    r.ping()
    conn = r.connection
    with pytest.raises(redis.TimeoutError):
        conn.read_response()
    assert conn.can_read() is False


def test_import_without_redis_py():
    """redis-py is optional: pyengine and its Engine work without it, and
    only pyengine.Redis needs it."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'redis' or name.startswith('redis.'):\n"
        "            raise ImportError('no redis here')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import pyengine\n"
        "e = pyengine.Engine()\n"
        "assert e.execute('SET', 'k', 'v') == 'OK'\n"
        "assert 'redis' not in sys.modules\n"
        "try:\n"
        "    pyengine.Redis\n"
        "except ImportError:\n"
        "    print('needs-redis')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "needs-redis"
