"""INFO against the real redis-server.

Values differ between two processes (pids, memory, times), so INFO is
compared by structure: which sections come out for which arguments, and
the field names of each section, in Redis's order. Fields whose values are
deterministic (versions, modes, counters after CONFIG RESETSTAT, keyspace
counts, error and command statistics) are compared by value too.
"""

import pytest

from resp_struct import parse

# pyengine adds one field of its own (DESIGN.md: INFO reports
# redis_version:7.0.15 beside pyengine's own version).
EXTRA_FIELDS = {"Server": ["pyengine_version"]}

DEFAULT = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules",
           "Errorstats", "Cluster", "Keyspace"]
ALL = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules",
       "Commandstats", "Errorstats", "Latencystats", "Cluster", "Keyspace"]

# Sections whose lines are per-command or per-error, in hash-table order.
UNORDERED = {"Commandstats", "Latencystats"}


def info_text(raw):
    node = parse(raw)
    value = node.value
    if node.kind == "=":
        assert value[:4] == b"txt:"
        value = value[4:]
    else:
        assert node.kind == "$"
    return value.decode()


def sections(raw):
    """[(section name, [(field, value)])] in reply order."""
    text = info_text(raw)
    out = []
    if not text:
        return out
    assert text.endswith("\r\n")
    blocks = text[:-2].split("\r\n\r\n")
    for block in blocks:
        lines = block.split("\r\n")
        assert lines[0].startswith("# "), block
        fields = []
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            assert _ == ":", ln
            fields.append((k, v))
        out.append((lines[0][2:], fields))
    return out


def check_structure(diff, *args):
    r, p = diff.both("INFO", *args)
    rs, ps = sections(r), sections(p)
    assert [n for n, _ in ps] == [n for n, _ in rs], args
    for (name, rf), (_, pf) in zip(rs, ps):
        rnames = [k for k, _ in rf]
        pnames = [k for k, _ in pf if k not in EXTRA_FIELDS.get(name, [])]
        if name in UNORDERED:
            assert sorted(pnames) == sorted(rnames), (args, name)
        else:
            assert pnames == rnames, (args, name, set(rnames) ^ set(pnames))
    return dict(rs), dict(ps)


@pytest.mark.parametrize("proto", [2, 3])
def test_info_sections_and_fields(diff, proto):
    diff.hello(proto)
    diff("SET", "k", "v")
    diff("GET", "k")
    diff("NOSUCHCOMMAND")
    for args, expect in (((), DEFAULT), (("default",), DEFAULT), (("all",), ALL),
                         (("everything",), ALL), (("ALL",), ALL), (("server",), ["Server"]),
                         (("SERVER",), ["Server"]), (("server", "clients"), ["Server", "Clients"]),
                         (("clients", "server"), ["Server", "Clients"]),
                         (("keyspace", "cpu", "stats"), ["Stats", "CPU", "Keyspace"]),
                         (("memory",), ["Memory"]), (("persistence",), ["Persistence"]),
                         (("stats",), ["Stats"]), (("replication",), ["Replication"]),
                         (("cpu",), ["CPU"]), (("modules",), ["Modules"]),
                         (("module_list",), ["Modules"]), (("commandstats",), ["Commandstats"]),
                         (("errorstats",), ["Errorstats"]), (("latencystats",), ["Latencystats"]),
                         (("cluster",), ["Cluster"]), (("keyspace",), ["Keyspace"]),
                         (("default", "commandstats"), DEFAULT[:8] + ["Commandstats"] + DEFAULT[8:]),
                         (("all", "server"), ALL), (("server", "server"), ["Server"]),
                         (("nosuchsection",), []), (("nosuchsection", "server"), ["Server"]),
                         (("server\x00x",), ["Server"])):
        rs, ps = check_structure(diff, *args)
        assert list(ps) == expect, args


def test_info_deterministic_values(diff):
    diff("CONFIG", "RESETSTAT")
    diff("SET", "a", "1")
    diff("SET", "b", "2")
    diff("EXPIRE", "b", "1000")
    diff("SELECT", "3")
    diff("SET", "c", "3")
    diff("SELECT", "0")
    diff("GET", "a")
    diff("GET", "missing")
    diff("GET")
    diff("NOSUCHCOMMAND")
    diff("INCR", "a", "b")
    diff("SET", "a", "x")
    diff("INCR", "a")
    rs, ps = check_structure(diff, "everything")
    for section, fields in (
            ("Server", ["redis_version", "redis_mode", "arch_bits", "multiplexing_api",
                        "process_supervised", "hz", "configured_hz", "io_threads_active"]),
            ("Clients", ["maxclients", "cluster_connections", "blocked_clients", "tracking_clients",
                         "clients_in_timeout_table"]),
            ("Memory", ["maxmemory", "maxmemory_human", "maxmemory_policy", "mem_replication_backlog",
                        "mem_clients_slaves", "mem_cluster_links", "mem_aof_buffer",
                        "number_of_functions", "number_of_libraries", "active_defrag_running",
                        "lazyfree_pending_objects"]),
            ("Persistence", ["loading", "async_loading", "rdb_bgsave_in_progress", "aof_enabled",
                             "aof_rewrite_in_progress", "aof_rewrite_scheduled",
                             "aof_last_bgrewrite_status", "aof_last_write_status",
                             "module_fork_in_progress"]),
            ("Stats", ["keyspace_hits", "keyspace_misses", "expired_keys", "evicted_keys",
                       "total_error_replies", "unexpected_error_replies", "pubsub_channels",
                       "pubsub_patterns", "sync_full", "rejected_connections"]),
            ("Replication", ["role", "connected_slaves", "master_failover_state",
                             "second_repl_offset", "repl_backlog_active"]),
            ("Cluster", ["cluster_enabled"]),
            ("Errorstats", None)):
        r, p = dict(rs[section]), dict(ps[section])
        for f in fields or r:
            assert p[f] == r[f], (section, f, r[f], p[f])
    # keyspace: key and expire counts (avg_ttl depends on timing)
    for db in ("db0", "db3"):
        r = dict(rs["Keyspace"])[db].split(",")[:2]
        p = dict(ps["Keyspace"])[db].split(",")[:2]
        assert r == p, db
    # commandstats: the same commands, calls, rejected and failed calls
    def stats(fields):
        out = {}
        for k, v in fields:
            parts = dict(x.split("=") for x in v.split(","))
            out[k] = (parts["calls"], parts["rejected_calls"], parts["failed_calls"])
        return out
    assert stats(ps["Commandstats"]) == stats(rs["Commandstats"])


def test_info_errorstats(diff):
    diff("CONFIG", "RESETSTAT")
    diff("INFO", "errorstats")
    diff("GET")
    diff("NOSUCHCOMMAND")
    diff("SET", "k", "v", "EX", "x")
    diff("SET", "k", "v")
    diff("INCR", "k")
    diff("HELLO", "4")
    diff("AUTH", "a", "b")
    diff("CONFIG", "SET", "foo", "bar")
    diff("DEBUG", "ERROR", "MYERR custom text")
    diff("DEBUG", "ERROR", "no-space-at-all")
    diff("INFO", "errorstats")
    r, p = diff.both("INFO", "stats")
    r, p = dict(sections(r)[0][1]), dict(sections(p)[0][1])
    assert p["total_error_replies"] == r["total_error_replies"]
    diff("CONFIG", "RESETSTAT")
    diff("INFO", "errorstats")


def test_info_arity_and_types(diff):
    diff.hello(3)
    r, p = diff.both("INFO", "cluster")
    assert r == p
    assert r.startswith(b"=")
    diff.hello(2)
    diff("INFO", "cluster")
    diff("INFO", "keyspace")
    diff("INFO", "nosuch")
    diff("INFO", "nosuch", "other")
    diff("INFO", "modules")
