"""CONFIG GET/SET/RESETSTAT/REWRITE/HELP against the real redis-server.

CONFIG GET's reply is a map built from a hash table whose order depends on
a per-process seed, so replies with several parameters are compared as
maps (same names, same values, same reply type); a single parameter is
compared byte for byte. Every parameter pyengine declares must read back
exactly as Redis prints it.
"""

import pytest

from helpers import RawConnection, ServerProcess
from resp_struct import parse, pairs
from pyengine.config import PARAMS

# Values that legitimately differ between the two server processes.
PER_PROCESS = {"port", "dir"}

ALL_NAMES = sorted({p.name for p in PARAMS} | {p.alias for p in PARAMS if p.alias})

# Parameters the tests change on the shared servers (restored afterwards).
TOUCHED = ["hz", "maxmemory", "maxmemory-policy", "maxmemory-samples", "activerehashing",
           "loglevel", "hash-max-listpack-entries", "hash-max-listpack-value",
           "list-max-listpack-size", "zset-max-listpack-entries", "save",
           "client-output-buffer-limit", "notify-keyspace-events",
           "latency-tracking-info-percentiles", "shutdown-on-sigterm", "shutdown-on-sigint",
           "slowlog-log-slower-than", "slowlog-max-len", "proto-max-bulk-len", "busy-reply-threshold",
           "lfu-log-factor", "timeout", "maxclients", "set-max-intset-entries", "latency-tracking",
           "stream-node-max-entries", "active-expire-effort"]


def as_map(raw):
    node = parse(raw)
    return node.kind, {k.value: v.value for k, v in pairs(node)}


DECLARED = {n.encode() for n in ALL_NAMES}


def same_map(diff, *args):
    """CONFIG GET with several results: same names and values, any order.
    A glob pattern also matches Redis parameters pyengine does not declare
    (yet); those are left out of the comparison."""
    r, p = diff.both(*args)
    (rk, rm), (pk, pm) = as_map(r), as_map(p)
    rm = {k: v for k, v in rm.items() if k.lower() in DECLARED}
    assert (rk, rm) == (pk, pm), "command %r\n redis:    %r\n pyengine: %r" % (args, r, p)
    return pm


@pytest.fixture
def cfg(diff):
    """The diff fixture, with the TOUCHED parameters put back afterwards."""
    saved = as_map(diff.r.call("CONFIG", "GET", *TOUCHED))[1]
    yield diff
    args = []
    for k, v in saved.items():
        args += [k, v]
    diff.hello(2)
    assert diff.r.call("CONFIG", "SET", *args) == b"+OK\r\n"
    assert diff.p.call("CONFIG", "SET", *args) == b"+OK\r\n"


@pytest.mark.parametrize("proto", [2, 3])
def test_config_get_every_parameter(diff, proto):
    diff.hello(proto)
    for name in ALL_NAMES:
        if name in PER_PROCESS:
            r, p = diff.both("CONFIG", "GET", name)
            assert as_map(r)[1].keys() == as_map(p)[1].keys()
            continue
        diff("CONFIG", "GET", name)
        diff("CONFIG", "GET", name.upper())


@pytest.mark.parametrize("proto", [2, 3])
def test_config_get_patterns(diff, proto):
    diff.hello(proto)
    r, p = diff.both("CONFIG", "GET", "*")
    rm, pm = as_map(r)[1], as_map(p)[1]
    # pyengine declares a subset of Redis's parameters, each with Redis's value.
    assert set(pm) == {p.name.encode() for p in PARAMS if not p.hidden} | {
        p.alias.encode() for p in PARAMS if p.alias and not p.hidden}
    for k, v in pm.items():
        if k.decode() not in PER_PROCESS:
            assert rm[k] == v, k
    for pats in (("hash-max-*",), ("hash-max-zip*",), ("*max-*-entries*",), ("list-max-*",),
                 ("maxmemory*",), ("*LAZYFREE*",), ("lazyfree-lazy-?????",), ("h[xz]",),
                 ("h[a-z]",), ("save", "hz"), ("hz", "maxmemory", "timeout"), ("hz", "HZ"),
                 ("HZ", "hz"), ("h*", "HZ"), ("HZ", "h*"), ("hz", "hz"), ("hz", "h*", "*z"),
                 ("nosuch",), ("nosuch*",), ("nosuch", "hz"), ("hash-max-ziplist-entries",),
                 ("HASH-MAX-ZIPLIST-ENTRIES", "hash-max-listpack-entries"), ("*-ziplist-*",),
                 ("slowlog*", "*slowlog*"), ("port\x00x",), ("h*\x00x",), ("\x00",), ("",)):
        same_map(diff, "CONFIG", "GET", *pats)
    diff("CONFIG", "GET")


def test_config_set_errors(cfg):
    diff = cfg
    for args in (
            ("foo", "bar"), ("hz",), ("hz", "1", "foo"), ("hz", "1", "foo", "2"),
            ("foo", "1", "hz", "2"), ("foo", "1", "bar", "2"), ("foo", "1", "databases", "2"),
            ("databases", "3"), ("daemonize", "yes"), ("io-threads", "2"), ("rdbchecksum", "no"),
            ("dir", "/tmp"), ("dbfilename", "x.rdb"), ("hz", "1", "daemonize", "no"),
            ("hz", "x"), ("hz", "-1"), ("hz", "99999999999999999999"), ("hz", "1.5"), ("hz", " 5"),
            ("hz", "5 "), ("hz", "+5"), ("hz", "05"), ("hz", ""), ("maxmemory-samples", "0"),
            ("activerehashing", "x"), ("activerehashing", "1"), ("activerehashing", ""),
            ("maxmemory", "x"), ("maxmemory", "-1"), ("maxmemory", "1.5mb"), ("maxmemory", "1 mb"),
            ("maxmemory", "1tb"), ("maxmemory", "99999999999999999999999"),
            ("maxmemory", "18446744073709551615kb"), ("maxmemory-policy", "x"),
            ("maxmemory-policy", ""), ("maxmemory-policy", "allkeys-lru noeviction"),
            ("loglevel", "x"), ("loglevel", "Warning2"), ("hz", "5", "hz", "6"),
            ("hz", "5", "HZ", "6"), ("maxclients", "0"), ("slowlog-log-slower-than", "-2"),
            ("proto-max-bulk-len", "100"), ("proto-max-bulk-len", "1"), ("unixsocketperm", "777"),
            ("timeout", "-1"), ("timeout", "x"), ("lfu-log-factor", "-1"),
            ("list-max-listpack-size", "x"), ("list-max-ziplist-size", "99999999999"),
            ("save", "x"), ("save", "100"), ("save", "100 10 x"), ("save", "0 10"),
            ("save", "100 -1"), ("save", "100  10"), ("save", "100 10 "), ("save", "1.5 10"),
            ("client-output-buffer-limit", "x"), ("client-output-buffer-limit", "foo 1 2 3"),
            ("client-output-buffer-limit", "master 1 2 3"),
            ("client-output-buffer-limit", "normal 1 2 x"),
            ("client-output-buffer-limit", "normal 1 2 -1"),
            ("client-output-buffer-limit", "normal x 2 3"),
            ("client-output-buffer-limit", "normal 1 2"),
            ("notify-keyspace-events", "x"), ("notify-keyspace-events", "KEx!"),
            ("latency-tracking-info-percentiles", "x"), ("latency-tracking-info-percentiles", "101"),
            ("latency-tracking-info-percentiles", "-1"), ("latency-tracking-info-percentiles", "50 x"),
            ("latency-tracking-info-percentiles", " 50"),
            ("shutdown-on-sigterm", "x"), ("shutdown-on-sigterm", "save nosave"),
            ("shutdown-on-sigterm", "save x"), ("shutdown-on-sigterm", ""),
            ("maxmemory-policy", "noeviction", "hz", "x"), ("hz", "x", "maxmemory-policy", "x"),
            ("hz\x00", "5"), ("h\x00z", "5"), ("\x00", "1"), ("", "1"),
            ("activerehashing", "yes\x00x"), ("maxmemory", "1mb\x00x")):
        diff("CONFIG", "SET", *args)
    # nothing was changed by the failed calls
    same_map(diff, "CONFIG", "GET", *TOUCHED)


def test_config_set_values(cfg):
    diff = cfg
    for name, value in (
            ("hz", "0"), ("hz", "1000"), ("hz", "20"), ("activerehashing", "YES"), ("activerehashing", "no"),
            ("maxmemory", "1k"), ("maxmemory", "1KB"), ("maxmemory", "1gB"), ("maxmemory", "5b"),
            ("maxmemory", ""), ("maxmemory", "kb"), ("maxmemory", "0"),
            ("maxmemory-policy", "ALLKEYS-LRU"), ("maxmemory-policy", "volatile-ttl"),
            ("maxmemory-policy", "noeviction"), ("loglevel", "WARNING"), ("loglevel", "notice"),
            ("hash-max-ziplist-entries", "100"), ("hash-max-listpack-value", "1mb"),
            ("list-max-ziplist-size", "-3"), ("list-max-listpack-size", "-5"),
            ("list-max-listpack-size", "-2"), ("zset-max-ziplist-entries", "7"),
            ("save", "100 10"), ("save", "100 10 20 0"), ("save", "+100 10"), ("save", "100 "),
            ("save", ""),
            ("client-output-buffer-limit", "normal 1000000 2000000 3"),
            ("client-output-buffer-limit", "pubsub 10mb 5MB 7 replica 1gb 2gb 8"),
            ("client-output-buffer-limit", "slave 256mb 64mb 60"),
            ("client-output-buffer-limit", ""),
            ("client-output-buffer-limit", "normal 0 0 0"),
            ("notify-keyspace-events", "KEA"), ("notify-keyspace-events", "g"),
            ("notify-keyspace-events", "Kgn"), ("notify-keyspace-events", "AKEnm"),
            ("notify-keyspace-events", "Ex$lshzetdg"), ("notify-keyspace-events", ""),
            ("latency-tracking-info-percentiles", "50 99"),
            ("latency-tracking-info-percentiles", "0.5 99.999 100 0"),
            ("latency-tracking-info-percentiles", "1e1"),
            ("latency-tracking-info-percentiles", ""),
            ("latency-tracking-info-percentiles", "50 99 99.9"),
            ("shutdown-on-sigterm", "save now"), ("shutdown-on-sigterm", "NOW force NOSAVE"),
            ("shutdown-on-sigterm", "default save"), ("shutdown-on-sigterm", "default"),
            ("shutdown-on-sigint", "force"), ("shutdown-on-sigint", "default"),
            ("slowlog-log-slower-than", "-1"), ("slowlog-max-len", "0"), ("slowlog-max-len", "128"),
            ("proto-max-bulk-len", "1mb"), ("proto-max-bulk-len", "512mb"),
            ("lua-time-limit", "100"), ("busy-reply-threshold", "5000"),
            ("timeout", "0"), ("maxclients", "10000"), ("latency-tracking", "no"),
            ("latency-tracking", "yes"), ("set-max-intset-entries", "0"),
            ("stream-node-max-entries", "9223372036854775807"), ("active-expire-effort", "10")):
        diff("CONFIG", "SET", name, value)
        diff("CONFIG", "GET", name)
        same_map(diff, "CONFIG", "GET", name, name.split("-")[0] + "*")


def test_config_set_several_pairs_is_atomic(cfg):
    diff = cfg
    diff("CONFIG", "SET", "hz", "20", "maxmemory", "1mb", "maxmemory-policy", "allkeys-lru")
    same_map(diff, "CONFIG", "GET", "hz", "maxmemory", "maxmemory-policy")
    # one bad value: nothing changes
    diff("CONFIG", "SET", "hz", "30", "maxmemory", "x", "maxmemory-policy", "noeviction")
    diff("CONFIG", "SET", "hz", "30", "maxmemory-policy", "noeviction", "activerehashing", "maybe")
    same_map(diff, "CONFIG", "GET", "hz", "maxmemory", "maxmemory-policy", "activerehashing")
    # a name and its alias are different parameters for the duplicate check
    diff("CONFIG", "SET", "hash-max-ziplist-entries", "5", "hash-max-listpack-entries", "6")
    same_map(diff, "CONFIG", "GET", "hash-max-*-entries")
    diff("CONFIG", "SET", "hash-max-listpack-entries", "7", "hash-max-ziplist-entries", "8")
    same_map(diff, "CONFIG", "GET", "hash-max-*-entries")
    diff("CONFIG", "SET", "hash-max-ziplist-entries", "5", "HASH-MAX-ZIPLIST-ENTRIES", "6")
    diff("CONFIG", "SET", "hz", "1", "maxmemory", "0", "HZ", "2")
    # errors name the argument as given or the parameter's own name
    diff("CONFIG", "SET", "HASH-MAX-ZIPLIST-ENTRIES", "x")
    diff("CONFIG", "SET", "Hz", "x")
    diff("CONFIG", "SET", "LIST-MAX-ZIPLIST-SIZE", "x")


def test_config_set_applies(cfg):
    """Changes reach the running server (sample: maxmemory policy errors,
    proto-max-bulk-len limits, slowlog)."""
    diff = cfg
    diff("CONFIG", "SET", "slowlog-log-slower-than", "0")
    diff("SLOWLOG", "RESET")
    diff("PING")
    r, p = diff.both("SLOWLOG", "LEN")
    assert r == p == b":2\r\n"
    diff("CONFIG", "SET", "slowlog-max-len", "1")
    diff("PING")
    diff("SLOWLOG", "LEN")
    diff("CONFIG", "SET", "slowlog-log-slower-than", "10000")
    diff("SLOWLOG", "RESET")
    diff("CONFIG", "SET", "maxmemory", "1", "maxmemory-policy", "noeviction")
    diff("SET", "k", "v")
    diff("GET", "k")
    diff("CONFIG", "SET", "maxmemory", "0")
    diff("SET", "k", "v")


def test_config_resetstat(diff):
    diff("CONFIG", "RESETSTAT")
    diff("CONFIG", "RESETSTAT", "x")
    diff("SET", "a", "b")
    diff("GET", "a")
    diff("NOSUCHCOMMAND")
    diff("CONFIG", "RESETSTAT")
    diff("INFO", "errorstats")
    r, p = diff.both("INFO", "commandstats")
    # only CONFIG RESETSTAT and INFO ran since the reset (their times vary)
    for raw in (r, p):
        lines = parse(raw).value.decode().split("\r\n")
        assert lines[0] == "# Commandstats" and lines[-1] == "", lines
        stats = {ln.split(":")[0]: ln.split(":")[1] for ln in lines[1:-1]}
        assert sorted(stats) == ["cmdstat_config|resetstat", "cmdstat_info"], lines
        for v in stats.values():
            assert v.startswith("calls=1,usec=") and v.endswith(",rejected_calls=0,failed_calls=0")
    r, p = diff.both("INFO", "stats")
    for field in (b"total_error_replies:0", b"keyspace_hits:0", b"keyspace_misses:0",
                  b"expired_keys:0", b"evicted_keys:0", b"rejected_connections:0"):
        assert field in r and field in p, field


def test_config_rewrite_without_file(diff):
    diff("CONFIG", "REWRITE")
    diff("CONFIG", "REWRITE", "x")


def test_config_help_and_errors(diff):
    diff("CONFIG", "HELP")
    diff("CONFIG", "help")
    diff("CONFIG", "HELP", "x")
    diff("CONFIG")
    diff("CONFIG", "FOO")
    diff("CONFIG", "FOO", "bar")
    diff("CONFIG", "GET")
    diff("CONFIG", "SET")
    diff("CONFIG", "SET", "hz")


def _rewritten_lines(text):
    """A rewritten file's lines, without the per-process ones (port, dir)
    and the ACL user line (pyengine has no ACL users yet)."""
    return [ln for ln in text.split("\n")
            if not ln.startswith(("port ", "dir ", "user "))]


def test_config_rewrite_with_file(tmp_path):
    """CONFIG REWRITE keeps comments, replaces the lines of parameters in
    place (aliases by their name), blanks repeated ones, and appends changed
    parameters after a signature: the same file as Redis's, up to the order
    of the appended lines (Redis walks a hash table)."""
    original = ("# my settings\nhz 15\nmaxmemory 2mb\nhash-max-ziplist-entries 100\n"
                "save 100 10\nsave 200 20\n  loglevel   warning  \n\n\n# end\n")
    texts = {}
    for kind in ("redis", "pyengine"):
        path = tmp_path / ("%s.conf" % kind)
        path.write_text(original)
        srv = ServerProcess(kind, [], config_file=str(path))
        try:
            c = RawConnection(srv.port)
            assert c.call("CONFIG", "SET", "hz", "25", "maxmemory-policy", "allkeys-lfu",
                          "save", "", "client-output-buffer-limit", "pubsub 1mb 2mb 3",
                          "notify-keyspace-events", "KEA", "loglevel", "notice",
                          "latency-tracking-info-percentiles", "50 99.5",
                          "maxmemory", "3000") == b"+OK\r\n"
            assert c.call("CONFIG", "REWRITE") == b"+OK\r\n"
            texts[kind] = path.read_text()
            c.close()
        finally:
            srv.stop()
    r, p = _rewritten_lines(texts["redis"]), _rewritten_lines(texts["pyengine"])
    sig = r.index("# Generated by CONFIG REWRITE")
    assert p[:sig + 1] == r[:sig + 1], (texts["redis"], texts["pyengine"])
    assert sorted(p[sig + 1:]) == sorted(r[sig + 1:]), (texts["redis"], texts["pyengine"])


def test_config_set_port_and_bind():
    """CONFIG SET port/bind move the listeners; a port that cannot be bound
    fails and leaves the old one serving."""
    from helpers import free_port
    import socket
    servers = [ServerProcess(kind) for kind in ("redis", "pyengine")]
    blocker = socket.socket()
    try:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        busy = blocker.getsockname()[1]
        replies = []
        for srv in servers:
            c = RawConnection(srv.port)
            out = [c.call("CONFIG", "SET", "maxmemory", "12345", "port", str(busy)),
                   c.call("CONFIG", "GET", "maxmemory")]
            probe = RawConnection(srv.port)
            out.append(probe.call("PING"))
            probe.close()
            new = free_port()
            out.append(c.call("CONFIG", "SET", "port", str(new)))
            probe = RawConnection(new)
            out.append(probe.call("PING"))
            out.append(probe.call("CONFIG", "SET", "bind", "127.0.0.1 -::1"))
            out.append(probe.call("CONFIG", "GET", "bind"))
            probe.close()
            probe = RawConnection(new)
            out.append(probe.call("CONFIG", "SET", "bind", "192.0.2.1"))   # not a local address
            out.append(probe.call("CONFIG", "GET", "bind"))
            out.append(probe.call("PING"))
            probe.close()
            srv.port = new           # stop() only needs the pid
            c.close()
            replies.append(out)
        assert replies[0] == replies[1]
        assert replies[0][0].startswith(b"-ERR CONFIG SET failed (possibly related to argument 'port')")
    finally:
        blocker.close()
        for s in servers:
            s.stop()


def _start_pair(tmp_path, text, extra=()):
    """Both servers started from the same config file text (one copy each)."""
    servers = []
    for kind in ("redis", "pyengine"):
        path = tmp_path / ("%s.conf" % kind)
        path.write_text(text)
        servers.append((ServerProcess(kind, list(extra), config_file=str(path)), path))
    return servers


def test_config_file_save_lines_and_command_line(tmp_path):
    """In a config file the first "save" line replaces the default rules and
    the next ones add to them; --save on the command line comes after the
    file; "--name value" may come as one argument."""
    cases = [("save 100 10\nsave 200 20\n", ()),
             ("save 100 10\n", ("--save", "300", "30")),
             ("save 100 10\nsave \"\"\nsave 5 5\n", ()),
             ("hz 11\n", ("--loglevel", "warning", "--maxmemory '7mb'", "--save")),
             ("", ("--save", "--hz", "12"))]
    for text, extra in cases:
        pair = _start_pair(tmp_path, text, extra)
        try:
            got = []
            for srv, _ in pair:
                c = RawConnection(srv.port)
                got.append(as_map(c.call("CONFIG", "GET", "save", "hz", "loglevel", "maxmemory")))
                c.close()
            assert got[0] == got[1], (text, extra, got)
        finally:
            for srv, _ in pair:
                srv.stop()


def test_debug_config_rewrite_force_all(tmp_path):
    pair = _start_pair(tmp_path, "hz 12\n")
    try:
        texts = []
        for srv, path in pair:
            c = RawConnection(srv.port)
            assert c.call("DEBUG", "CONFIG-REWRITE-FORCE-ALL") == b"+OK\r\n"
            c.close()
            texts.append(path.read_text())
        # every parameter pyengine declares is written, with Redis's text
        r_lines = set(_rewritten_lines(texts[0]))
        for line in _rewritten_lines(texts[1]):
            assert line in r_lines, line
        names = {ln.split(" ")[0] for ln in _rewritten_lines(texts[1]) if ln and not ln.startswith("#")}
        assert names >= {p.name for p in PARAMS} - {"port", "dir", "requirepass", "unixsocket",
                                                     "pidfile", "bind"}
    finally:
        for srv, _ in pair:
            srv.stop()


def test_config_set_bind_empty_stops_tcp(tmp_path):
    """bind "" listens on no TCP address (clients use the unix socket)."""
    import socket
    from helpers import free_port
    results = []
    for kind in ("redis", "pyengine"):
        sock = str(tmp_path / ("%s.sock" % kind))
        srv = ServerProcess(kind, ["--unixsocket", sock])
        try:
            c = RawConnection(srv.port)
            out = [c.call("CONFIG", "SET", "bind", ""), c.call("CONFIG", "GET", "bind")]
            try:
                socket.create_connection(("127.0.0.1", srv.port), timeout=1).close()
                out.append("connected")
            except OSError:
                out.append("refused")
            u = socket.socket(socket.AF_UNIX)
            u.connect(sock)
            u.sendall(b"PING\r\n")
            out.append(u.recv(100))
            u.sendall(b"CONFIG SET bind 127.0.0.1\r\n")
            out.append(u.recv(100))
            u.close()
            c2 = RawConnection(srv.port)
            out.append(c2.call("PING"))
            c2.close()
            c.close()
            results.append(out)
        finally:
            srv.stop()
    assert results[0] == results[1]
    assert results[0][2] == "refused"


def test_command_line_word_right_after_config_file(tmp_path):
    """`server conf loglevel warning --port P ...`: a word that is not an
    option starts the appended options (Redis quotes it: "loglevel" "warning")."""
    import shutil
    import subprocess
    import sys
    from helpers import ROOT, free_port, wait_for_port
    conf = tmp_path / "w.conf"
    conf.write_text("hz 13\n")
    got = []
    for kind in ("redis", "pyengine"):
        port = free_port()
        exe = [shutil.which("redis-server")] if kind == "redis" else [sys.executable, "-m", "server.main"]
        proc = subprocess.Popen(exe + [str(conf), "loglevel", "warning", "--port", str(port),
                                       "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, proc)
            c = RawConnection(port)
            got.append(as_map(c.call("CONFIG", "GET", "loglevel", "hz")))
            c.close()
        finally:
            proc.terminate()
            proc.wait(10)
    assert got[0] == got[1] == ("*", {b"loglevel": b"warning", b"hz": b"13"})
