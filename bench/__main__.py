"""``python -m bench compare``: pyengine-server side by side with redis-server.

    python -m bench compare                      # throughput, 3 alternating rounds
    python -m bench compare --quick --rounds 1   # smoke run, a few seconds
    python -m bench compare --memory             # bytes per key, 1,000,000 keys
    python -m bench compare --json out.json --write-readme
    python -m bench persist                      # RDB save/load MB/s and BGSAVE memory, 1M keys

Throughput method in bench/compare.py, memory method in bench/memory.py,
how to read the numbers in bench/README.md. Both servers are stopped by pid
before the command returns, also on errors and Ctrl-C. Exit status: 0 when
the comparison ran (targets met or not), 1 on a harness or server failure,
130 on interrupt.
"""

import argparse
import os
import signal
import sys

from bench import compare, memory, persist, report
from bench.servers import BenchError, KINDS, Server

QUICK_REQUESTS = 2000
QUICK_KEYS = 10000


def _names(text, known, what):
    out = []
    for item in text.split(","):
        item = item.strip().upper()
        if not item:
            continue
        if item not in known:
            raise argparse.ArgumentTypeError("unknown %s %r (known: %s)"
                                             % (what, item, ", ".join(known)))
        out.append(item)
    if not out:
        raise argparse.ArgumentTypeError("no %s given" % what)
    return tuple(out)


def _tests(text):
    if text.strip().lower() == "aggregates":
        return compare.AGGREGATE_TESTS
    if text.strip().lower() == "pubsub":
        return compare.PUBSUB_TESTS
    return _names(text, compare.KNOWN_TESTS, "test")


def _pipelines(text):
    try:
        out = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("pipeline depths are integers: %r" % text)
    if not out or min(out) < 1:
        raise argparse.ArgumentTypeError("pipeline depths must be >= 1: %r" % text)
    return out


def _positive(text):
    v = int(text)
    if v < 1:
        raise argparse.ArgumentTypeError("must be >= 1: %r" % text)
    return v


def build_parser():
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compare", help="pyengine-server vs redis-server (throughput or memory)",
                       description="Run redis-benchmark alternately against redis-server and "
                       "pyengine-server, or compare memory per key (--memory).")
    c.add_argument("--tests", type=_tests, default=compare.DEFAULT_TESTS,
                   help="comma-separated redis-benchmark tests (default %s), "
                   "'aggregates' for %s, or 'pubsub' for %s"
                   % (",".join(compare.DEFAULT_TESTS), ",".join(compare.AGGREGATE_TESTS),
                      ",".join(compare.PUBSUB_TESTS)))
    c.add_argument("--pipeline", type=_pipelines, default=compare.DEFAULT_PIPELINES,
                   help="comma-separated pipeline depths -P (default 1,16)")
    c.add_argument("--rounds", type=_positive, default=3,
                   help="alternating rounds, redis then pyengine (default 3)")
    c.add_argument("--requests", type=_positive, default=None,
                   help="requests per test at -P 1; deeper pipelines run x min(P,10) "
                   "(default 40000, --quick %d)" % QUICK_REQUESTS)
    c.add_argument("--clients", type=_positive, default=50,
                   help="parallel clients -c (default 50); PUBLISH_FANOUT: subscribers")
    c.add_argument("--keyspace", type=_positive, default=None,
                   help="pass -r N to redis-benchmark (random keys; default: one key)")
    c.add_argument("--quick", action="store_true",
                   help="smoke run: %d requests (memory: %d keys) unless given"
                   % (QUICK_REQUESTS, QUICK_KEYS))
    c.add_argument("--aof", choices=["always", "everysec", "no"], default=None,
                   help="both servers log to an AOF (appendonly yes) with this appendfsync")
    c.add_argument("--memory", action="store_true",
                   help="compare bytes per key instead of throughput")
    c.add_argument("--dataset", default="strings",
                   choices=["strings", "hashes", "zsets", "list", "streams", "aggregates"],
                   help="--memory data: strings (default), one aggregate type, or all of them")
    c.add_argument("--keys", type=_positive, default=None,
                   help="keys for --memory (default 1000000, --quick %d)" % QUICK_KEYS)
    c.add_argument("--json", metavar="PATH", help="write the results as JSON")
    c.add_argument("--markdown", metavar="PATH", help="write the table as markdown")
    c.add_argument("--write-readme", action="store_true",
                   help="replace the latest table in bench/README.md")
    p = sub.add_parser("persist", help="RDB SAVE / load / BGSAVE: pyengine vs redis-server",
                       description="Save and load the same dataset as an RDB snapshot in both "
                       "servers (MB/s), and measure memory during BGSAVE (fork).")
    p.add_argument("--dataset", default="mixed", choices=sorted(persist.DATASETS),
                   help="mixed (every type, default) or strings")
    p.add_argument("--keys", type=_positive, default=None,
                   help="keys (default 1000000, --quick %d)" % QUICK_KEYS)
    p.add_argument("--quick", action="store_true", help="smoke run with few keys")
    p.add_argument("--json", metavar="PATH", help="write the results as JSON")
    p.add_argument("--markdown", metavar="PATH", help="write the table as markdown")
    p.add_argument("--write-readme", action="store_true",
                   help="replace the latest table in bench/README.md")
    return ap


def _persist(args):
    keys = args.keys or (QUICK_KEYS if args.quick else 1000000)
    meta = report.machine_meta()
    res = persist.run_persist(args.dataset, keys)
    result = {"kind": "persist", "meta": meta,
              "params": {"dataset": args.dataset, "keys": keys, "quick": args.quick},
              "persist": res}
    return result, "persist", persist.markdown(res)


def _throughput(args):
    requests = args.requests or (QUICK_REQUESTS if args.quick else 40000)
    params = {"tests": list(args.tests), "pipelines": list(args.pipeline),
              "rounds": args.rounds, "requests": requests, "clients": args.clients,
              "keyspace": args.keyspace, "quick": args.quick, "aof": args.aof}
    compare.redis_benchmark_path()          # fail before starting anything
    meta = report.machine_meta()
    servers = {}
    try:
        for kind in KINDS:
            extra = ["--appendonly", "yes", "--appendfsync", args.aof] if args.aof else []
            servers[kind] = Server(kind, extra).start()
        versions = {k: s.version() for k, s in servers.items()}
        samples, rows, diffs = compare.run_compare(servers, args.tests, args.pipeline, args.rounds,
                                            requests, args.clients, args.keyspace)
    finally:
        for srv in servers.values():
            srv.stop()
    result = {"kind": "throughput", "meta": meta, "params": params, "servers": versions,
              "loadavg_end": list(os.getloadavg()),
              "targets": ["%s -P %d >= %.2f" % (t, p, v)
                          for (t, p), v in sorted(compare.TARGETS.items())],
              "samples": {k: {str(p): samples[k][p] for p in samples[k]} for k in samples},
              "rows": rows, "data_check": diffs}
    # the aggregate commands, pub/sub and the AOF runs keep their own tables in bench/README.md
    if args.aof:
        section = "throughput-aof"
    elif set(args.tests) <= set(compare.AGGREGATE_TESTS):
        section = "throughput-aggregates"
    elif set(args.tests) <= set(compare.PUBSUB_TESTS):
        section = "throughput-pubsub"
    else:
        section = "throughput"
    return result, section, report.throughput_markdown(result)


def _memory(args):
    meta = report.machine_meta()
    if args.dataset == "strings":
        keys = args.keys or (QUICK_KEYS if args.quick else 1000000)
        m = memory.run_memory(keys)
        result = {"kind": "memory", "meta": meta, "params": {"keys": keys, "quick": args.quick},
                  "memory": m}
        return result, "memory", report.memory_markdown(result)
    names = (["hashes", "zsets", "list", "streams"] if args.dataset == "aggregates"
             else [args.dataset])
    results = []
    for name in names:
        _desc, keys, per_key, _unit = memory.DATASETS[name]
        if args.quick:
            keys, per_key = ((keys, per_key // 100) if name in ("list", "streams")
                             else (keys // 100, per_key))
        results.append(memory.run_memory(keys, dataset=name, per_key=per_key))
    result = {"kind": "memory-aggregates", "meta": meta,
              "params": {"datasets": names, "quick": args.quick}, "memory": results}
    return result, "memory-aggregates", report.aggregates_markdown(result)


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.write_readme and args.quick:
        sys.stderr.write("bench: refusing to put a --quick result in bench/README.md\n")
        return 2
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        if args.command == "persist":
            result, section, table = _persist(args)
        else:
            result, section, table = _memory(args) if args.memory else _throughput(args)
    except BenchError as e:
        sys.stderr.write("bench: %s\n" % e)
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("bench: interrupted; servers stopped\n")
        return 130
    sys.stdout.write(table)
    sys.stdout.flush()
    if args.json:
        report.write_json(args.json, result)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)
    if args.write_readme:
        try:
            report.update_readme(section, table)
        except ValueError as e:
            sys.stderr.write("bench: cannot update %s: %s\n" % (report.README, e))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
