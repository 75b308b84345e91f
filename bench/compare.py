"""Throughput side by side: redis-benchmark against redis-server and
pyengine-server, alternating.

Method
------
Both servers run for the whole comparison, started with identical flags.
For each round, pipeline depth and test, ``redis-benchmark`` runs once
against redis and then once against pyengine (A B A B ...), with identical
options: the same test (``-t``), clients (``-c``), pipeline depth (``-P``),
request count (``-n``) and ``--csv`` output, from which the ``rps`` column
is taken. Alternating in short runs spreads the noise of a shared machine
(other processes, CPU frequency) over both servers instead of charging one
with a bad minute.

Per test and pipeline depth the summary gives the median ops/s of each
server over the rounds and the median of the per-round ratios
pyengine/redis (each ratio compares two runs taken seconds apart, so it is
steadier than the ratio of the two medians), with the smallest and largest
ratio as a spread.

Beside ops/s, the harness reads each server's CPU time (all threads,
/proc/<pid>/task/*/schedstat) around every run: server CPU microseconds per
request. On a small machine redis-benchmark (one thread) competes with the
server for the CPUs and can be the bottleneck, most of all with pipelining;
ops/s then hides how much work each server does per request, CPU per
request does not. Its ratio is again the median of per-round ratios.

Request counts: ``--requests N`` is the count per test at ``-P 1``; deeper
pipelines run ``N * min(P, 10)`` requests so that a run lasts about as long.
"""

import csv
import hashlib
import io
import shutil
import statistics
import subprocess
import sys
import time

from bench.servers import BenchError, Connection, KINDS

# Tests that are not redis-benchmark -t names: a command line redis-benchmark
# sends as is (its CSV row is named after the command's first word), after a
# setup run on each server. EVALSHA calls a cached one-line script that
# INCRs a key (the scripting path: lookup, the Lua call, redis.call back into
# the dispatcher, the reply conversions).
INCR_SCRIPT = "return redis.call('incr', KEYS[1])"
CUSTOM_TESTS = {
    "XADD": {"setup": [], "command": ["XADD", "bench:stream", "*", "field", "value"]},
    "EVALSHA": {
        "setup": [("SCRIPT", "LOAD", INCR_SCRIPT)],
        "command": ["EVALSHA", hashlib.sha1(INCR_SCRIPT.encode()).hexdigest(), "1",
                    "counter:evalsha"],
    },
}

# redis-benchmark -t names this harness accepts, and the CSV test names they
# produce (the first word of the "test" column, e.g. "MSET (10 keys)"); then
# the custom command lines.
KNOWN_TESTS = ("PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH",
               "LPOP", "RPOP", "SADD", "HSET", "SPOP", "ZADD", "ZPOPMIN",
               "LRANGE_100", "LRANGE_300", "LRANGE_500", "LRANGE_600", "MSET") + tuple(CUSTOM_TESTS)
DEFAULT_TESTS = ("PING_INLINE", "SET", "GET", "INCR", "MSET")
# `--tests aggregates`: the list, set, hash, sorted set and stream commands.
AGGREGATE_TESTS = ("LPUSH", "RPOP", "SADD", "HSET", "ZADD", "LRANGE_100", "LRANGE_600", "XADD")
DEFAULT_PIPELINES = (1, 16)

# Stage targets: minimum pyengine/redis ratio, by (test, pipeline depth).
TARGETS = {
    ("GET", 1): 0.5, ("SET", 1): 0.5,
    ("GET", 16): 0.3, ("SET", 16): 0.3,
    ("EVALSHA", 1): 0.3,
}
TARGETS.update({(t, 1): 0.5 for t in AGGREGATE_TESTS})


def redis_benchmark_path():
    exe = shutil.which("redis-benchmark")
    if exe is None:
        raise BenchError("redis-benchmark is not installed (apt-get install redis-tools)")
    return exe


def requests_for(base, pipeline):
    """Requests per test for a run at depth ``pipeline`` (see module doc)."""
    return base * min(pipeline, 10)


def parse_csv(text):
    """{TEST: rps} from redis-benchmark --csv output."""
    out = {}
    for row in csv.DictReader(io.StringIO(text)):
        name = (row.get("test") or "").split(" ")[0].upper()
        if name and row.get("rps"):
            out[name] = float(row["rps"])
    return out


def run_benchmark(exe, port, tests, requests, clients, pipeline, keyspace=None, timeout=300):
    """redis-benchmark runs (one for the -t tests, one per custom command
    line after its setup); {TEST: ops/s}. Raises BenchError when one fails,
    reports server errors, or leaves a test out."""
    builtin = [t for t in tests if t not in CUSTOM_TESTS]
    out = {}
    base = [exe, "-h", "127.0.0.1", "-p", str(port), "-n", str(requests), "-c", str(clients),
            "-P", str(pipeline), "--csv"]
    if keyspace:
        base += ["-r", str(keyspace)]
    if builtin:
        out.update(_run_one(base + ["-t", ",".join(t.lower() for t in builtin)], builtin, timeout))
    for t in tests:
        if t in CUSTOM_TESTS:
            spec = CUSTOM_TESTS[t]
            if spec["setup"]:
                with Connection(port) as c:
                    for setup in spec["setup"]:
                        c.call(*setup)
            out.update(_run_one(base + list(spec["command"]), [t], timeout))
    return out


def _run_one(cmd, tests, timeout):
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError("redis-benchmark did not finish in %d s: %s" % (timeout, " ".join(cmd)))
    rps = parse_csv(proc.stdout)
    missing = [t for t in tests if t not in rps]
    if proc.returncode != 0 or missing or "Error" in proc.stderr:
        raise BenchError("redis-benchmark failed (status %d, missing %s): %s\n%s%s"
                         % (proc.returncode, ",".join(missing) or "-", " ".join(cmd),
                            proc.stdout[-2000:], proc.stderr[-2000:]))
    return rps


def keyspace_state(port):
    """{key: value-or-type} of a server after the runs (a handful of keys
    without -r: redis-benchmark writes fixed key names)."""
    out = {}
    with Connection(port) as c:
        keys = c.call("KEYS", "*")
        if not isinstance(keys, list):
            raise BenchError("KEYS * answered %r" % (keys,))
        for k in sorted(keys)[:1000]:
            t = c.call("TYPE", k)
            if t == "string":
                out[k.decode(errors="replace")] = c.call("GET", k)
            elif t == "stream":
                out[k.decode(errors="replace")] = (t, c.call("XLEN", k))
            else:
                out[k.decode(errors="replace")] = t
    return out


def check_same_state(servers):
    """After identical runs without -r both servers must hold the same keys
    and values (the INCR counter counts every INCR request): otherwise they
    did not do the same work and the ratios would compare unlike things.
    Returns a list of differences (empty when consistent)."""
    a, b = (keyspace_state(servers[k].port) for k in KINDS)
    diffs = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            diffs.append("%s: redis %r, pyengine %r" % (k, a.get(k), b.get(k)))
    return diffs


def _median(values):
    return statistics.median(values) if values else None


def _spread(r, e):
    """Per-round ratios e/r, and their median, min and max."""
    ratios = [b / a for a, b in zip(r, e) if a > 0]
    if not ratios:
        return None, None, None
    return statistics.median(ratios), min(ratios), max(ratios)


def summarize(samples, tests, pipelines):
    """Rows of the table from samples[kind][pipeline][test] =
    {"ops": [ops/s per round], "cpu_us": [server CPU microseconds per request]}."""
    rows = []
    for p in pipelines:
        for t in tests:
            r = samples["redis"][p][t]
            e = samples["pyengine"][p][t]
            ratio, rmin, rmax = _spread(r["ops"], e["ops"])
            cpu_ratio = _spread(r["cpu_us"], e["cpu_us"])[0]
            target = TARGETS.get((t, p))
            rows.append({
                "test": t, "pipeline": p, "rounds": len(r["ops"]),
                "redis_ops": _median(r["ops"]), "pyengine_ops": _median(e["ops"]),
                "ratio": ratio, "ratio_min": rmin, "ratio_max": rmax,
                "redis_cpu_us": _median(r["cpu_us"]), "pyengine_cpu_us": _median(e["cpu_us"]),
                "cpu_ratio": cpu_ratio,
                "target": target,
                "met": None if target is None or ratio is None else ratio >= target,
            })
    return rows


def run_compare(servers, tests, pipelines, rounds, requests, clients, keyspace=None,
                log=sys.stderr):
    """Alternate redis-benchmark runs over the two running ``servers``
    ({kind: Server}), one run per test; return (samples, rows, differences
    in the final data or None when not checked)."""
    exe = redis_benchmark_path()
    samples = {k: {p: {t: {"ops": [], "cpu_us": []} for t in tests} for p in pipelines}
               for k in KINDS}
    for rnd in range(rounds):
        for p in pipelines:
            n = requests_for(requests, p)
            t0 = time.monotonic()
            line = []
            for t in tests:
                for kind in KINDS:
                    srv = servers[kind]
                    if not srv.alive():
                        raise BenchError("%s is no longer running:\n%s" % (kind, srv.log_tail()))
                    cpu0 = srv.cpu_seconds()
                    rps = run_benchmark(exe, srv.port, (t,), n, clients, p, keyspace)[t]
                    cpu_us = (srv.cpu_seconds() - cpu0) * 1e6 / n
                    samples[kind][p][t]["ops"].append(rps)
                    samples[kind][p][t]["cpu_us"].append(cpu_us)
                line.append("%s %.2f" % (t, samples["pyengine"][p][t]["ops"][rnd]
                                         / samples["redis"][p][t]["ops"][rnd]))
            log.write("round %d/%d  -P %-3d %5.1fs  pyengine/redis: %s\n"
                      % (rnd + 1, rounds, p, time.monotonic() - t0, "  ".join(line)))
            log.flush()
    diffs = None if keyspace else check_same_state(servers)
    if diffs:
        log.write("WARNING: the servers' data differ after identical runs:\n  %s\n"
                  % "\n  ".join(diffs[:10]))
    return samples, summarize(samples, tests, pipelines), diffs
