"""RDB snapshots side by side: SAVE, load and BGSAVE of the same 1M keys in
redis-server and pyengine-server (``python -m bench persist``).

Method
------
Each server is measured alone (never both loaded at once), freshly started
with identical flags, loaded with the same commands through one pipelined
socket, then:

1. ``SAVE`` timed at the client, three times; the median. Speed = the
   snapshot file's size / that time (MB/s, 1 MB = 2^20 bytes).
2. Loading: ``FLUSHALL`` then ``DEBUG RELOAD NOSAVE NOFLUSH`` (load the file
   into the empty server, no flush in the timed part), three times, the
   median; and once at start-up: the server restarted on the file, its own
   "DB loaded from disk: <s> seconds" log line.
3. ``BGSAVE``: time until ``rdb_bgsave_in_progress:0``, with the memory of
   the parent and the fork child sampled every 10 ms from
   ``/proc/<pid>/smaps_rollup`` (peak RSS of each, peak child Private_Dirty
   = the pages copied on write, peak PSS of both together = the real
   footprint, shared pages counted once), once idle and once while a client
   overwrites 10% of the string keys during the save.

Datasets (``--dataset``): ``mixed`` (the default: 1M keys of every type,
10% of the strings with a TTL: 580k strings of three kinds, 150k 5-field
hashes, 100k 8-element lists, 100k 5-member intsets, 50k 5-member sorted
sets (listpacks), 20k 10-entry streams, every tenth with a consumer group
that has read 3 entries) and ``strings`` (1M ``key:<i>`` -> ``val:<i>``).
Files are written with the defaults (rdbcompression and rdbchecksum on);
both servers write the same encodings, so the files are nearly the same
size (hashtable order and times aside). Target: pyengine >= 0.5 x Redis
for save and load MB/s.
"""

import os
import re
import statistics
import sys
import threading
import time

from bench.servers import BenchError, Connection, KINDS, Server, parse_info

TARGET = 0.5
REPEATS = 3
MB = 1 << 20


def _cmd(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def mixed_commands(keys):
    """(RESP bytes, number of replies) batches for the mixed dataset."""
    n_str = keys * 58 // 100
    n_hash = keys * 15 // 100
    n_list = keys * 10 // 100
    n_set = keys * 10 // 100
    n_stream = keys * 2 // 100
    n_zset = keys - n_str - n_hash - n_list - n_set - n_stream
    cmds = []
    for i in range(n_str):
        k = b"str:%d" % i
        if i % 3 == 0:
            v = b"%d" % (i * 7)
        elif i % 3 == 1:
            v = b"value:%d" % i
        else:
            v = (b"payload-%d-" % i) * 8
        cmds.append(_cmd(b"SET", k, v))
    for i in range(n_hash):
        args = [b"HSET", b"hash:%d" % i]
        for j in range(5):
            args += [b"field%d" % j, b"value-%d-%d" % (i, j)]
        cmds.append(_cmd(*args))
    for i in range(n_list):
        cmds.append(_cmd(b"RPUSH", b"list:%d" % i, *[b"item-%d" % (i + j) for j in range(8)]))
    for i in range(n_set):
        cmds.append(_cmd(b"SADD", b"set:%d" % i, *[b"%d" % (i * 10 + j) for j in range(5)]))
    for i in range(n_zset):
        args = [b"ZADD", b"zset:%d" % i]
        for j in range(5):
            args += [b"%d.5" % j, b"member-%d" % j]
        cmds.append(_cmd(*args))
    for i in range(n_stream):
        k = b"stream:%d" % i
        for j in range(10):
            cmds.append(_cmd(b"XADD", k, b"%d-%d" % (1000 + j, i), b"field", b"value-%d" % j,
                             b"n", b"%d" % j))
        if i % 10 == 0:
            cmds.append(_cmd(b"XGROUP", b"CREATE", k, b"group", b"0"))
            cmds.append(_cmd(b"XREADGROUP", b"GROUP", b"group", b"consumer", b"COUNT", b"3",
                             b"STREAMS", k, b">"))
    for i in range(0, n_str, 10):
        cmds.append(_cmd(b"EXPIRE", b"str:%d" % i, b"1000000"))
    return cmds


def string_commands(keys):
    return [_cmd(b"SET", b"key:%d" % i, b"val:%d" % i) for i in range(keys)]


DATASETS = {"mixed": mixed_commands, "strings": string_commands}


def load(port, cmds, batch=20000):
    with Connection(port, timeout=300.0) as c:
        for start in range(0, len(cmds), batch):
            part = cmds[start:start + batch]
            c.send(b"".join(part))
            for _ in part:
                r = c.read_reply()
                if isinstance(r, Exception):
                    raise BenchError("error reply while loading: %s" % r)


def _smaps(pid):
    """(Rss, Pss, Private_Dirty) bytes of a process, or None."""
    out = {}
    try:
        with open("/proc/%d/smaps_rollup" % pid, "rb") as f:
            for line in f:
                k, _, rest = line.partition(b":")
                if k in (b"Rss", b"Pss", b"Private_Dirty"):
                    out[k.decode()] = int(rest.split()[0]) * 1024
    except (OSError, ValueError):
        return None
    return out


class _Sampler(threading.Thread):
    """Peaks of the parent's and the child's memory while a BGSAVE runs."""

    def __init__(self, parent, child):
        super().__init__(daemon=True)
        self.parent, self.child = parent, child
        self.stop = threading.Event()
        self.peak = {"parent_rss": 0, "child_rss": 0, "child_private_dirty": 0, "pss_total": 0}

    def run(self):
        while not self.stop.is_set():
            p, c = _smaps(self.parent), _smaps(self.child)
            if p:
                self.peak["parent_rss"] = max(self.peak["parent_rss"], p["Rss"])
            if c:
                self.peak["child_rss"] = max(self.peak["child_rss"], c["Rss"])
                self.peak["child_private_dirty"] = max(self.peak["child_private_dirty"],
                                                       c["Private_Dirty"])
                if p:
                    self.peak["pss_total"] = max(self.peak["pss_total"], p["Pss"] + c["Pss"])
            time.sleep(0.01)


def _child_pid(srv, before):
    """The pid in the newest "Background saving started by pid N" line."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        srv.log.flush()
        with open(srv.log.name, errors="replace") as f:
            pids = re.findall(r"Background saving started by pid (\d+)", f.read())
        if len(pids) > before:
            return int(pids[-1])
        time.sleep(0.005)
    raise BenchError("%s: no BGSAVE child in the log" % srv.kind)


def _count_children(srv):
    with open(srv.log.name, errors="replace") as f:
        return len(re.findall(r"Background saving started by pid", f.read()))


def bgsave(srv, conn, writes=None):
    """One BGSAVE with memory sampling; ``writes`` (RESP bytes, replies)
    are sent while it runs."""
    before = _count_children(srv)
    t0 = time.monotonic()
    r = conn.call("BGSAVE")
    if r != "Background saving started":
        raise BenchError("%s: BGSAVE answered %r" % (srv.kind, r))
    child = _child_pid(srv, before)
    sampler = _Sampler(srv.pid, child)
    sampler.start()
    if writes is not None:
        with Connection(srv.port, timeout=300.0) as w:
            data, n = writes
            w.send(data)
            for _ in range(n):
                w.read_reply()
    while parse_info(conn.call("INFO", "persistence")).get("rdb_bgsave_in_progress") != "0":
        time.sleep(0.005)
    elapsed = time.monotonic() - t0
    sampler.stop.set()
    sampler.join()
    info = parse_info(conn.call("INFO", "persistence"))
    if info.get("rdb_last_bgsave_status") != "ok":
        raise BenchError("%s: BGSAVE failed" % srv.kind)
    out = dict(sampler.peak)
    out["seconds"] = elapsed
    out["rdb_last_cow_size"] = int(info.get("rdb_last_cow_size", 0))
    return out


def _startup_load_seconds(srv):
    srv.log.flush()
    with open(srv.log.name, errors="replace") as f:
        m = re.findall(r"DB loaded from disk: ([0-9.]+) seconds", f.read())
    return float(m[-1]) if m else None


def measure(kind, dataset, cmds, keys, log=sys.stderr):
    res = {}
    srv = Server(kind, extra_args=["--enable-debug-command", "yes"]).start(log=log)
    try:
        t0 = time.monotonic()
        load(srv.port, cmds)
        res["fill_seconds"] = time.monotonic() - t0
        with Connection(srv.port, timeout=600.0) as c:
            dbsize = c.call("DBSIZE")
            if dbsize != keys:
                raise BenchError("%s: DBSIZE %r, expected %d" % (kind, dbsize, keys))
            res["used_memory"] = int(parse_info(c.call("INFO", "memory"))["used_memory"])
            res["rss"] = srv.rss_bytes()
            saves = []
            for _ in range(REPEATS):
                t0 = time.monotonic()
                if c.call("SAVE") != "OK":
                    raise BenchError("%s: SAVE failed" % kind)
                saves.append(time.monotonic() - t0)
            path = os.path.join(srv.dir, "dump.rdb")
            res["file_bytes"] = os.path.getsize(path)
            res["save_seconds"] = statistics.median(saves)
            res["save_mb_s"] = res["file_bytes"] / MB / res["save_seconds"]
            loads = []
            for _ in range(REPEATS):
                c.call("FLUSHALL")
                t0 = time.monotonic()
                r = c.call("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH")
                loads.append(time.monotonic() - t0)
                if r != "OK" or c.call("DBSIZE") != keys:
                    raise BenchError("%s: DEBUG RELOAD failed: %r" % (kind, r))
            res["load_seconds"] = statistics.median(loads)
            res["load_mb_s"] = res["file_bytes"] / MB / res["load_seconds"]
            res["bgsave_idle"] = bgsave(srv, c)
            n_str = keys * 58 // 100 if dataset == "mixed" else keys
            prefix = b"str:" if dataset == "mixed" else b"key:"
            wr = [_cmd(b"SET", prefix + b"%d" % i, b"overwritten") for i in range(0, n_str, 10)]
            res["bgsave_writes"] = bgsave(srv, c, (b"".join(wr), len(wr)))
            res["bgsave_writes"]["keys_written"] = len(wr)
        # start-up load: a new server process on the same file
        srv_dir = srv.dir
        srv.dir = None                          # keep the directory for the restart
        srv.stop()
        srv2 = Server(kind, extra_args=["--dir", srv_dir, "--dbfilename", "dump.rdb",
                                        "--enable-debug-command", "yes"])
        srv2.start(timeout=300.0, log=log)
        try:
            res["startup_load_seconds"] = _startup_load_seconds(srv2)
            with Connection(srv2.port) as c:
                if c.call("DBSIZE") != keys:
                    raise BenchError("%s: wrong DBSIZE after the restart" % kind)
        finally:
            srv2.stop()
            import shutil
            shutil.rmtree(srv_dir, ignore_errors=True)
    finally:
        srv.stop()
    log.write("%-8s file %.1f MB  SAVE %.3fs (%.0f MB/s)  load %.3fs (%.0f MB/s)  "
              "BGSAVE %.3fs\n" % (kind, res["file_bytes"] / MB, res["save_seconds"],
                                  res["save_mb_s"], res["load_seconds"], res["load_mb_s"],
                                  res["bgsave_idle"]["seconds"]))
    log.flush()
    return res


def run_persist(dataset="mixed", keys=1000000, log=sys.stderr):
    cmds = DATASETS[dataset](keys)
    out = {"dataset": dataset, "keys": keys}
    for kind in KINDS:
        out[kind] = measure(kind, dataset, cmds, keys, log)
    r, p = out["redis"], out["pyengine"]
    out["save_ratio"] = p["save_mb_s"] / r["save_mb_s"]
    out["load_ratio"] = p["load_mb_s"] / r["load_mb_s"]
    out["target"] = TARGET
    out["met"] = out["save_ratio"] >= TARGET and out["load_ratio"] >= TARGET
    return out


def markdown(result):
    r, p = result["redis"], result["pyengine"]
    lines = ["### RDB save and load, %d keys (%s dataset)" % (result["keys"], result["dataset"]),
             "",
             "| | redis-server | pyengine | ratio |",
             "| --- | ---: | ---: | ---: |",
             "| file size | %.1f MB | %.1f MB | |" % (r["file_bytes"] / MB, p["file_bytes"] / MB),
             "| SAVE | %.3f s | %.3f s | |" % (r["save_seconds"], p["save_seconds"]),
             "| SAVE speed | %.0f MB/s | %.0f MB/s | %.2f |" % (
                 r["save_mb_s"], p["save_mb_s"], result["save_ratio"]),
             "| load (DEBUG RELOAD NOSAVE NOFLUSH) | %.3f s | %.3f s | |" % (
                 r["load_seconds"], p["load_seconds"]),
             "| load speed | %.0f MB/s | %.0f MB/s | %.2f |" % (
                 r["load_mb_s"], p["load_mb_s"], result["load_ratio"]),
             "| load at start-up (its log) | %s s | %s s | |" % (
                 r.get("startup_load_seconds"), p.get("startup_load_seconds")),
             "| BGSAVE (idle) | %.3f s | %.3f s | |" % (
                 r["bgsave_idle"]["seconds"], p["bgsave_idle"]["seconds"]),
             "| RSS before BGSAVE | %.0f MB | %.0f MB | |" % (r["rss"] / MB, p["rss"] / MB)]
    for name, label in (("bgsave_idle", "idle"), ("bgsave_writes", "10% keys rewritten")):
        rb, pb = r[name], p[name]
        lines.append("| BGSAVE %s: peak parent RSS / child RSS | %.0f / %.0f MB | %.0f / %.0f MB "
                     "| |" % (label, rb["parent_rss"] / MB, rb["child_rss"] / MB,
                              pb["parent_rss"] / MB, pb["child_rss"] / MB))
        lines.append("| BGSAVE %s: child copy-on-write (Private_Dirty) | %.1f MB | %.1f MB | |" % (
            label, rb["child_private_dirty"] / MB, pb["child_private_dirty"] / MB))
        lines.append("| BGSAVE %s: peak PSS parent + child | %.0f MB | %.0f MB | |" % (
            label, rb["pss_total"] / MB, pb["pss_total"] / MB))
    lines.append("")
    lines.append("Target: save and load speed >= %.1f x Redis: %s." % (
        result["target"], "met" if result["met"] else "NOT met"))
    return "\n".join(lines) + "\n"
