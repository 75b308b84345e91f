"""redis-py's PubSub on every kind of connection: the real redis-server,
pyengine-server over TCP, the embedded ``pyengine.Redis`` (no socket), and
an embedded engine served by a ServerThread with subscribers and publishers
on both sides. Messages are published by another client of the same server
or engine, and what PubSub hands back (get_message, listen, handlers,
run_in_thread) must be the same everywhere, in RESP2 and RESP3."""

import threading
import time

import pytest

redis = pytest.importorskip("redis")

import pyengine  # noqa: E402


def _collect(p, n, timeout=3.0):
    """The next ``n`` messages (subscription confirmations included)."""
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < deadline:
        m = p.get_message(timeout=0.2)
        if m is not None:
            out.append(m)
    return out


def pubsub_tour(sub, pub):
    """Subscribe, publish from another client, unsubscribe; every message."""
    out = []
    p = sub.pubsub()
    p.subscribe("news", "weather")
    out += _collect(p, 2)
    out.append(pub.publish("news", "hello"))
    out += _collect(p, 1)
    p.psubscribe("n*")
    out += _collect(p, 1)
    out.append(pub.publish("news", "both"))
    out += _collect(p, 2)
    out.append(pub.pubsub_numsub("news", "weather", "none"))
    out.append(pub.pubsub_numpat())
    out.append(sorted(pub.pubsub_channels()))
    p.unsubscribe("weather")
    out += _collect(p, 1)
    p.punsubscribe()
    out += _collect(p, 1)
    out.append(pub.publish("news", b"bin\x00ary"))
    out += _collect(p, 1)
    out.append(p.get_message(timeout=0.1))           # nothing more
    p.unsubscribe()
    out += _collect(p, 1)
    p.close()
    return out


def sharded_tour(sub, pub):
    out = []
    p = sub.pubsub()
    p.ssubscribe("sh")
    out += _collect(p, 1)
    out.append(pub.spublish("sh", "m"))
    out += _collect(p, 1)
    out.append(pub.pubsub_shardnumsub("sh"))
    p.sunsubscribe("sh")
    out += _collect(p, 1)
    p.close()
    return out


def handler_tour(sub, pub):
    """Handlers, ignore_subscribe_messages and listen() from a thread."""
    got = []
    p = sub.pubsub(ignore_subscribe_messages=True)
    p.subscribe(**{"h1": lambda m: got.append(("h1", m["data"]))})
    p.psubscribe(**{"h*": lambda m: got.append(("h*", m["data"]))})
    # consume the confirmations
    for _ in range(4):
        p.get_message(timeout=0.2)
    pub.publish("h1", "x")
    pub.publish("h2", "y")
    deadline = time.monotonic() + 3
    while len(got) < 3 and time.monotonic() < deadline:
        p.get_message(timeout=0.2)
    p.close()

    listened = []
    p = sub.pubsub()
    p.subscribe("l")
    first = p.get_message(timeout=1)

    def publisher():
        time.sleep(0.2)
        for i in range(3):
            pub.publish("l", "m%d" % i)
    t = threading.Thread(target=publisher)
    t.start()
    for m in p.listen():
        listened.append(m)
        if m["data"] == b"m2" or m["data"] == "m2":
            break
    t.join()
    p.close()
    return sorted(got), first, listened


def run_in_thread_tour(sub, pub):
    got = []
    done = threading.Event()

    def handler(m):
        got.append(m["data"])
        if len(got) == 2:
            done.set()
    p = sub.pubsub(ignore_subscribe_messages=True)
    p.subscribe(rt=handler)
    worker = p.run_in_thread(sleep_time=0.05, daemon=True)
    time.sleep(0.2)
    pub.publish("rt", "a")
    pub.publish("rt", "b")
    done.wait(3)
    worker.stop()
    worker.join(3)
    p.close()
    return got


TOURS = [pubsub_tour, sharded_tour, handler_tour, run_in_thread_tour]


@pytest.fixture
def served_engine():
    e = pyengine.Engine()
    srv = e.serve()
    yield e, srv
    srv.stop()


def _pairs(kind, redis_server, pyengine_server, served, protocol, decode):
    kw = dict(protocol=protocol, decode_responses=decode)
    if kind == "redis":
        return redis.Redis(port=redis_server.port, **kw), redis.Redis(port=redis_server.port, **kw)
    if kind == "pyengine-server":
        return (redis.Redis(port=pyengine_server.port, **kw),
                redis.Redis(port=pyengine_server.port, **kw))
    if kind == "embedded":
        e = pyengine.Engine()
        return pyengine.Redis(engine=e, **kw), pyengine.Redis(engine=e, **kw)
    e, srv = served
    if kind == "embedded-sub-network-pub":
        return pyengine.Redis(engine=e, **kw), redis.Redis(port=srv.port, **kw)
    if kind == "network-sub-embedded-pub":
        return redis.Redis(port=srv.port, **kw), pyengine.Redis(engine=e, **kw)
    raise ValueError(kind)


KINDS = ["redis", "pyengine-server", "embedded", "embedded-sub-network-pub",
         "network-sub-embedded-pub"]


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("decode", [False, True])
@pytest.mark.parametrize("tour", TOURS, ids=lambda t: t.__name__)
def test_pubsub_same_everywhere(redis_server, pyengine_server, served_engine, protocol, decode,
                                tour):
    results = {}
    for kind in KINDS:
        sub, pub = _pairs(kind, redis_server, pyengine_server, served_engine, protocol, decode)
        pub.flushall()
        results[kind] = tour(sub, pub)
        sub.close()
        pub.close()
    for kind in KINDS[1:]:
        assert results[kind] == results["redis"], kind


def test_embedded_subscriber_wakes_quickly():
    """A message published by another embedded client reaches a subscriber
    blocked in get_message at once (no polling interval)."""
    e = pyengine.Engine()
    sub, pub = pyengine.Redis(engine=e), pyengine.Redis(engine=e)
    p = sub.pubsub(ignore_subscribe_messages=True)
    p.subscribe("fast")
    p.get_message(timeout=0.5)
    box = {}

    def reader():
        box["m"] = p.get_message(timeout=5)
        box["t"] = time.monotonic()
    t = threading.Thread(target=reader)
    t.start()
    time.sleep(0.2)
    sent = time.monotonic()
    pub.publish("fast", "now")
    t.join(5)
    assert box["m"]["data"] == b"now"
    assert box["t"] - sent < 0.04
    p.close()


def test_embedded_unsubscribed_client_is_forgotten():
    e = pyengine.Engine()
    sub, pub = pyengine.Redis(engine=e), pyengine.Redis(engine=e)
    p = sub.pubsub()
    p.subscribe("gone")
    p.get_message(timeout=0.5)
    assert pub.pubsub_numsub("gone") == [(b"gone", 1)]
    p.close()
    assert pub.pubsub_numsub("gone") == [(b"gone", 0)]
    assert pub.publish("gone", "x") == 0


def test_embedded_subscriber_over_its_limit_is_closed():
    """An embedded subscriber that stops reading is closed at its pubsub
    output limit, like a network one, so its buffer cannot grow without
    bound; redis-py sees the connection end."""
    e = pyengine.Engine(client_output_buffer_limit="pubsub 1mb 0 0")
    sub, pub = pyengine.Redis(engine=e), pyengine.Redis(engine=e)
    p = sub.pubsub()
    p.subscribe("flood")
    p.get_message(timeout=0.5)
    payload = b"x" * 65536
    for _ in range(40):
        pub.publish("flood", payload)
    assert pub.pubsub_numsub("flood") == [(b"flood", 0)]
    info = pub.info("stats")
    assert info["pubsub_channels"] == 0
    p.close()


def test_served_engine_wakes_embedded_subscriber(served_engine):
    """A network client's PUBLISH wakes an embedded subscriber of the served
    engine after that loop turn, and an embedded PUBLISH wakes the loop to
    write to a network subscriber."""
    e, srv = served_engine
    esub, npub = pyengine.Redis(engine=e), redis.Redis(port=srv.port)
    nsub, epub = redis.Redis(port=srv.port), pyengine.Redis(engine=e)
    for sub, pub in ((esub, npub), (nsub, epub)):
        p = sub.pubsub(ignore_subscribe_messages=True)
        p.subscribe("wake")
        p.get_message(timeout=0.5)
        box = {}

        def reader():
            box["m"] = p.get_message(timeout=5)
            box["t"] = time.monotonic()
        t = threading.Thread(target=reader)
        t.start()
        time.sleep(0.2)
        sent = time.monotonic()
        pub.publish("wake", "now")
        t.join(5)
        assert box["m"]["data"] == b"now"
        assert box["t"] - sent < 0.04
        p.close()


def test_engine_execute_returns_the_reply_after_pushes():
    """Engine.execute in RESP3 while the client gets pushes (its own keyspace
    notifications, messages it published to itself): the command's reply."""
    e = pyengine.Engine(notify_keyspace_events="KEA")
    e.execute("HELLO", "3")
    assert e.execute("SUBSCRIBE", "__keyspace@0__:k", "c") == [b"subscribe", b"__keyspace@0__:k", 1]
    assert e.execute("SET", "k", "v") == "OK"
    assert e.execute("PUBLISH", "c", "to-myself") == 1
    assert e.execute("GET", "k") == b"v"
