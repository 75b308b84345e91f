"""Real scripted workloads, unchanged: redis-py's Lock (its acquire,
extend, reacquire and release are Lua scripts), and two rate limiters
written as scripts (a fixed window and a token bucket), against
pyengine-server over TCP and the embedded ``pyengine.Redis``.

The rate limiters are checked against the same scripts on the real
redis-server: same allow/deny decisions for the same request sequence.
"""

import threading
import time

import pytest

redis = pytest.importorskip("redis")

import pyengine  # noqa: E402

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(params=["tcp", "embedded"])
def client(request, pyengine_server):
    if request.param == "tcp":
        r = redis.Redis(port=pyengine_server.port)
    else:
        r = pyengine.Redis()
    r.flushall()
    r.script_flush()
    yield r
    r.close()


# ---- redis-py Lock ----------------------------------------------------------------------

def test_lock_acquire_extend_release(client):
    lock = client.lock("resource", timeout=10)
    assert lock.acquire(blocking=False)
    assert lock.owned()
    assert client.pttl("resource") > 9000
    assert lock.extend(20)
    assert client.pttl("resource") > 25000
    assert lock.extend(5, replace_ttl=True)
    assert client.pttl("resource") <= 5000
    assert lock.reacquire()
    assert client.pttl("resource") > 9000
    other = client.lock("resource", timeout=10)
    assert not other.acquire(blocking=False)
    other.local.token = b"not-the-owner"           # the release script must refuse it
    with pytest.raises(redis.exceptions.LockNotOwnedError):
        other.release()
    other.local.token = None
    lock.release()
    assert not client.exists("resource")
    with pytest.raises(redis.exceptions.LockError):
        lock.release()
    assert other.acquire(blocking=False)
    other.release()


def test_lock_expires(client):
    lock = client.lock("short", timeout=0.2)
    assert lock.acquire(blocking=False)
    time.sleep(0.35)
    assert not lock.owned()
    with pytest.raises(redis.exceptions.LockNotOwnedError):
        lock.extend(1)
    other = client.lock("short", timeout=5)
    assert other.acquire(blocking=False)
    other.release()


def test_lock_contention_between_threads(client):
    """Threads take turns on one lock: the counter they update under it is
    never read and written by two holders at once."""
    client.set("counter", 0)
    errors = []
    holders = []
    nthreads, rounds = 6, 15

    def worker():
        try:
            for _ in range(rounds):
                with client.lock("mutex", timeout=5, blocking_timeout=30, sleep=0.001):
                    holders.append(1)
                    if len(holders) != 1:
                        errors.append("two holders")
                    v = int(client.get("counter"))
                    client.set("counter", v + 1)
                    holders.pop()
        except Exception as e:          # pragma: no cover - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=worker) for _ in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert int(client.get("counter")) == nthreads * rounds
    assert not client.exists("mutex")


# ---- rate limiters -----------------------------------------------------------------------

FIXED_WINDOW = """
-- KEYS[1]: counter key; ARGV[1]: limit, ARGV[2]: window (s)
local current = redis.call('INCR', KEYS[1])
if current == 1 then
    redis.call('EXPIRE', KEYS[1], ARGV[2])
end
if current > tonumber(ARGV[1]) then
    return {0, current, redis.call('TTL', KEYS[1])}
end
return {1, current, redis.call('TTL', KEYS[1])}
"""

TOKEN_BUCKET = """
-- KEYS[1]: bucket hash; ARGV: capacity, refill per second, now (ms), cost
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(bucket[1])
local ts = tonumber(bucket[2])
if tokens == nil then
    tokens = capacity
    ts = now
end
local elapsed = math.max(0, now - ts)
tokens = math.min(capacity, tokens + elapsed * rate / 1000)
local allowed = 0
if tokens >= cost then
    tokens = tokens - cost
    allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
"""


def _fixed_window_run(r):
    limiter = r.register_script(FIXED_WINDOW)
    return [limiter(keys=["rl:user1"], args=[5, 60]) for _ in range(8)] + \
        [limiter(keys=["rl:user2"], args=[2, 60]) for _ in range(3)]


def _token_bucket_run(r):
    bucket = r.register_script(TOKEN_BUCKET)
    out = []
    now = 1_000_000
    for step, cost in [(0, 1), (0, 1), (0, 1), (0, 1), (0, 1), (0, 1), (100, 1), (500, 2),
                       (1000, 3), (0, 5), (5000, 1)]:
        now += step
        out.append(bucket(keys=["tb:api"], args=[5, 2, now, cost]))
    return out


@pytest.mark.parametrize("run", [_fixed_window_run, _token_bucket_run])
def test_rate_limiters_match_redis(client, redis_server, run):
    real = redis.Redis(port=redis_server.port)
    real.flushall()
    expected = run(real)
    got = run(client)
    assert got == expected
    real.close()


def test_fixed_window_limits(client):
    limiter = client.register_script(FIXED_WINDOW)
    decisions = [limiter(keys=["w"], args=[3, 100])[0] for _ in range(5)]
    assert decisions == [1, 1, 1, 0, 0]
    assert 0 < client.ttl("w") <= 100


def test_evalsha_after_script_flush_reloads(client):
    """redis-py's Script object answers NOSCRIPT by loading the script again."""
    s = client.register_script("return redis.call('incr', KEYS[1])")
    assert s(keys=["c"]) == 1
    client.script_flush()
    assert s(keys=["c"]) == 2
