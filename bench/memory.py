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

Datasets (``--dataset``): ``strings`` (the default: N keys), and the
aggregates ``hashes`` (100k hashes of 10 fields), ``zsets`` (100k sorted sets
of 10 members), ``list`` (one list of 1M elements) and ``streams`` (one
stream of 1M entries of three fields, added by XADD with explicit IDs so
both servers get the same bytes and replies). For aggregates the figures
are per item (field, member, element, entry) as well as per key.

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


def _cmd(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def command_batches(n, batch=BATCH):
    """The string load, as (RESP bytes, expected replies) in batches of
    ``batch`` SET commands."""
    out = []
    for start in range(0, n, batch):
        parts = []
        for i in range(start, min(start + batch, n)):
            parts.append(_cmd(b"SET", b"key:%d" % i, b"val:%d" % i))
        out.append((b"".join(parts), b"+OK\r\n" * (min(start + batch, n) - start)))
    return out


def stream_batches(entries, batch=BATCH):
    """One stream of ``entries`` entries: XADD stream <j+1>-0 device <j % 100>
    temp <j % 50>.5 status ok, pipelined; each reply is the ID given."""
    out = []
    for start in range(0, entries, batch):
        cmds, expected = [], []
        for j in range(start, min(start + batch, entries)):
            entry_id = b"%d-0" % (j + 1)
            cmds.append(_cmd(b"XADD", b"stream", entry_id, b"device", b"%d" % (j % 100),
                             b"temp", b"%d.5" % (j % 50), b"status", b"ok"))
            expected.append(b"$%d\r\n%s\r\n" % (len(entry_id), entry_id))
        out.append((b"".join(cmds), b"".join(expected)))
    return out


def aggregate_batches(kind, keys, per_key, batch=BATCH):
    """(RESP bytes, expected replies) loading ``keys`` aggregates of
    ``per_key`` items each: hashes (HSET h:<i> f<j> v<j> ...), zsets
    (ZADD z:<i> <j> m<j> ...), one list (RPUSH in runs of 1000) or one
    stream (XADD)."""
    out = []
    if kind == "streams":
        return stream_batches(per_key, batch)
    if kind == "list":
        total = 0
        cmds, expected = [], []
        for start in range(0, per_key, 1000):
            items = [b"element:%d" % j for j in range(start, min(start + 1000, per_key))]
            total += len(items)
            cmds.append(_cmd(b"RPUSH", b"list", *items))
            expected.append(b":%d\r\n" % total)
            if len(cmds) == 100:
                out.append((b"".join(cmds), b"".join(expected)))
                cmds, expected = [], []
        if cmds:
            out.append((b"".join(cmds), b"".join(expected)))
        return out
    per_batch = max(1, batch // per_key)
    for start in range(0, keys, per_batch):
        cmds = []
        n = min(start + per_batch, keys) - start
        for i in range(start, start + n):
            if kind == "hashes":
                args = [b"HSET", b"h:%d" % i]
                for j in range(per_key):
                    args += [b"field:%d" % j, b"value:%d" % j]
            else:
                args = [b"ZADD", b"z:%d" % i]
                for j in range(per_key):
                    args += [b"%d" % j, b"member:%d" % j]
            cmds.append(_cmd(*args))
        out.append((b"".join(cmds), (b":%d\r\n" % per_key) * n))
    return out


# name -> (description, keys, items per key, unit); --quick divides by 100
DATASETS = {
    "strings": ("`key:<i>` -> `val:<i>` by pipelined SET", 1000000, 1, "key"),
    "hashes": ("hashes `h:<i>` of 10 fields `field:<j>` -> `value:<j>` (HSET)", 100000, 10,
               "field"),
    "zsets": ("sorted sets `z:<i>` of 10 members `member:<j>` scored <j> (ZADD)", 100000, 10,
              "member"),
    "list": ("one list of `element:<j>` (RPUSH)", 1, 1000000, "element"),
    "streams": ("one stream of entries `device <j%100> temp <j%50>.5 status ok` (XADD <j>-0)",
                1, 1000000, "entry"),
}


def dataset_batches(name, keys, per_key):
    if name == "strings":
        return command_batches(keys)
    return aggregate_batches(name, keys, per_key)


def load(port, batches):
    """Send every batch and check the replies are exactly the expected ones."""
    with Connection(port, timeout=120.0) as c:
        for data, expected in batches:
            c.send(data)
            got = c.read_exact(len(expected))
            if got != expected:
                raise BenchError("unexpected reply while loading: %r" % got[:200])


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


def measure(kind, n, batches, log=sys.stderr, items=None):
    """Load ``batches`` (n keys, ``items`` elements in all) into a fresh
    ``kind`` server; its figures."""
    items = items or n
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
        "rss_per_item": (rss1 - rss0) / items,
        "used_per_item": (used1 - used0) / items,
        "load_seconds": load_s,
    }
    log.write("%-8s %d keys loaded in %.1fs: RSS %+.1f MB (%.1f B/key), used_memory %+.1f MB"
              " (%.1f B/key)\n" % (kind, n, load_s, (rss1 - rss0) / 1e6, res["rss_per_key"],
                                   (used1 - used0) / 1e6, res["used_per_key"]))
    log.flush()
    return res


def run_memory(n, log=sys.stderr, dataset="strings", per_key=1):
    """Measure both servers on one dataset; {'keys', 'items', 'redis': {...},
    'pyengine': {...}, ratios}. Ratios compare bytes per item."""
    batches = dataset_batches(dataset, n, per_key)
    out = {"keys": n, "dataset": dataset, "items": n * per_key, "per_key": per_key,
           "unit": DATASETS[dataset][3], "description": DATASETS[dataset][0]}
    for kind in KINDS:
        out[kind] = measure(kind, n, batches, log, n * per_key)
    r, p = out["redis"], out["pyengine"]
    out["rss_ratio"] = p["rss_per_item"] / r["rss_per_item"] if r["rss_per_item"] > 0 else None
    out["used_ratio"] = p["used_per_item"] / r["used_per_item"] if r["used_per_item"] > 0 else None
    out["target"] = TARGET_RATIO
    out["met"] = None if out["rss_ratio"] is None else out["rss_ratio"] <= TARGET_RATIO
    return out
