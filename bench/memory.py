"""Memory per key side by side: the same N small string keys loaded into
redis-server and pyengine-server.

Method
------
The servers are measured one after the other (never both loaded at once on
a shared machine), each freshly started with identical flags:

1. wait until the idle server's ``used_memory`` is stable, then read the
   baseline: resident set size from ``/proc/<pid>/statm`` and ``used_memory``
   from ``INFO memory``;
2. load exactly N distinct keys through one raw socket, pipelined in
   batches (``SET key:<i> val:<i>`` for i in 0..N-1; the same bytes go to
   both servers), checking every reply is ``+OK`` and that ``DBSIZE`` is N;
3. wait until ``used_memory`` is stable again (incremental rehash done),
   read both figures again.

Bytes per key = (after - before) / N, for RSS (what the operating system
charges: values, keys, hash table, allocator overhead and fragmentation) and
for ``used_memory`` (what each server's allocator accounting reports; Redis
counts jemalloc's allocation sizes, pyengine its counting allocator's). The
stage target compares the RSS figure: pyengine <= 1.5 x Redis.
"""

import sys
import time

from bench.servers import BenchError, Connection, KINDS, Server

TARGET_RATIO = 1.5
BATCH = 10000


def command_batches(n, batch=BATCH):
    """The load, as RESP bytes in batches of ``batch`` SET commands."""
    out = []
    for start in range(0, n, batch):
        parts = []
        for i in range(start, min(start + batch, n)):
            k = b"key:%d" % i
            v = b"val:%d" % i
            parts.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
        out.append((min(start + batch, n) - start, b"".join(parts)))
    return out


def load(port, batches):
    """Send every batch and check each reply is +OK."""
    with Connection(port, timeout=120.0) as c:
        for count, data in batches:
            c.send(data)
            got = c.read_exact(5 * count)
            if got != b"+OK\r\n" * count:
                raise BenchError("unexpected reply while loading keys: %r"
                                 % got[:200])


def used_memory(srv):
    return int(srv.info("memory")["used_memory"])


def settle(srv, timeout=5.0, interval=0.25):
    """Wait until used_memory stops changing (rehashing, lazy frees)."""
    deadline = time.monotonic() + timeout
    last = used_memory(srv)
    while time.monotonic() < deadline:
        time.sleep(interval)
        now = used_memory(srv)
        if now == last:
            return now
        last = now
    return last


def measure(kind, n, batches, log=sys.stderr):
    """Load ``batches`` (n keys) into a fresh ``kind`` server; its figures."""
    with Server(kind) as srv:
        used0 = settle(srv)
        rss0 = srv.rss_bytes()
        t0 = time.monotonic()
        load(srv.port, batches)
        load_s = time.monotonic() - t0
        with Connection(srv.port) as c:
            size = c.call("DBSIZE")
        if size != n:
            raise BenchError("%s: DBSIZE is %r after loading %d keys" % (kind, size, n))
        used1 = settle(srv)
        rss1 = srv.rss_bytes()
        info = srv.info("memory")
        version = srv.version()
    res = {
        "server": version,
        "allocator": info.get("mem_allocator", "?"),
        "rss_before": rss0, "rss_after": rss1,
        "used_before": used0, "used_after": used1,
        "rss_per_key": (rss1 - rss0) / n,
        "used_per_key": (used1 - used0) / n,
        "load_seconds": load_s,
    }
    log.write("%-8s %d keys loaded in %.1fs: RSS %+.1f MB (%.1f B/key), used_memory %+.1f MB"
              " (%.1f B/key)\n" % (kind, n, load_s, (rss1 - rss0) / 1e6, res["rss_per_key"],
                                   (used1 - used0) / 1e6, res["used_per_key"]))
    log.flush()
    return res


def run_memory(n, log=sys.stderr):
    """Measure both servers; {'keys', 'redis': {...}, 'pyengine': {...}, ratios}."""
    batches = command_batches(n)
    out = {"keys": n}
    for kind in KINDS:
        out[kind] = measure(kind, n, batches, log)
    r, p = out["redis"], out["pyengine"]
    out["rss_ratio"] = p["rss_per_key"] / r["rss_per_key"] if r["rss_per_key"] > 0 else None
    out["used_ratio"] = p["used_per_key"] / r["used_per_key"] if r["used_per_key"] > 0 else None
    out["target"] = TARGET_RATIO
    out["met"] = None if out["rss_ratio"] is None else out["rss_ratio"] <= TARGET_RATIO
    return out
