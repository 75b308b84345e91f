"""Smoke test of the benchmark harness (``python -m bench compare``).

Runs the comparison in --quick mode (one round, tiny request counts) and
checks its output has a ratio for every test and pipeline depth, that the
memory mode reports bytes per key, and that an interrupted run stops both
servers. Speed targets are not checked here: they belong to the benchmark
(bench/README.md), not to the test suite.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTS = ("PING_INLINE", "SET", "GET", "INCR", "MSET")


def _need_tools():
    missing = [t for t in ("redis-server", "redis-benchmark") if shutil.which(t) is None]
    if missing:
        msg = "%s not installed (apt-get install redis-server redis-tools)" % ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(msg + " - the benchmark smoke test must run in CI")
        pytest.skip(msg)


def run_bench(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "bench", "compare"] + list(args), cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead too (the harness reaps its children; be safe anyway)
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def started_pids(stderr):
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"started (\w+): pid (\d+), port \d+", stderr)}


def test_compare_quick_table_has_ratios(tmp_path):
    _need_tools()
    out = tmp_path / "result.json"
    md = tmp_path / "table.md"
    p = run_bench("--quick", "--rounds", "1", "--requests", "300", "--clients", "5",
                  "--json", str(out), "--markdown", str(md))
    assert p.returncode == 0, p.stderr
    for pipeline in (1, 16):
        for test in TESTS:
            row = re.search(r"^\| %s \| %d \| ([\d,]+) \| ([\d,]+) \| (\d+\.\d\d) \|"
                            % (test, pipeline), p.stdout, re.M)
            assert row, "no row for %s -P %d in:\n%s" % (test, pipeline, p.stdout)
            assert float(row.group(3)) > 0
    assert "both servers hold identical keys and values" in p.stdout
    assert md.read_text() == p.stdout
    result = json.loads(out.read_text())
    rows = {(r["test"], r["pipeline"]): r for r in result["rows"]}
    assert set(rows) == {(t, p) for t in TESTS for p in (1, 16)}
    for r in rows.values():
        assert r["redis_ops"] > 0 and r["pyengine_ops"] > 0
        assert r["ratio"] == pytest.approx(r["pyengine_ops"] / r["redis_ops"])
    assert result["data_check"] == []
    pids = started_pids(p.stderr)
    assert set(pids) == {"redis", "pyengine"}
    assert not any(pid_alive(pid) for pid in pids.values())


def test_compare_quick_pubsub_fanout(tmp_path):
    """PUBLISH_FANOUT: a row per depth, deliveries counted per subscriber."""
    _need_tools()
    out = tmp_path / "pubsub.json"
    p = run_bench("--tests", "pubsub", "--quick", "--rounds", "1", "--requests", "200",
                  "--clients", "5", "--json", str(out))
    assert p.returncode == 0, p.stderr
    assert "messages delivered per second" in p.stdout
    rows = {(r["test"], r["pipeline"]): r for r in json.loads(out.read_text())["rows"]}
    assert set(rows) == {("PUBLISH_FANOUT", 1), ("PUBLISH_FANOUT", 16)}
    for r in rows.values():
        assert r["redis_ops"] > 0 and r["pyengine_ops"] > 0 and r["target"] == 0.5
    assert not any(pid_alive(pid) for pid in started_pids(p.stderr).values())


def test_fanout_reader_rejects_a_wrong_message():
    """The subscriber reader compares every byte with the published stream:
    a message out of order fails the run instead of being counted."""
    import socket
    sys.path.insert(0, ROOT)
    from bench import pubsub
    from bench.servers import BenchError
    stream = pubsub.expected_stream(3)
    a, b = socket.socketpair()
    try:
        b.setblocking(False)
        a.sendall(pubsub._message(0) + pubsub._message(2) + pubsub._message(1))
        with pytest.raises(BenchError, match="differ"):
            pubsub._read_all([b], stream, timeout=5)
    finally:
        a.close()
        b.close()
    a, b = socket.socketpair()
    try:
        b.setblocking(False)
        a.sendall(stream)
        assert pubsub._read_all([b], stream, timeout=5) > 0
    finally:
        a.close()
        b.close()


def test_compare_quick_memory(tmp_path):
    _need_tools()
    out = tmp_path / "mem.json"
    p = run_bench("--memory", "--quick", "--keys", "3000", "--json", str(out))
    assert p.returncode == 0, p.stderr
    assert re.search(r"^\| used_memory delta, bytes/key \| [\d.]+ \| [\d.]+ \| \d+\.\d\d \|",
                     p.stdout, re.M), p.stdout
    assert re.search(r"^\| RSS delta, bytes/key \|", p.stdout, re.M), p.stdout
    m = json.loads(out.read_text())["memory"]
    assert m["keys"] == 3000
    for kind in ("redis", "pyengine"):
        assert m[kind]["used_per_key"] > 0
    assert not any(pid_alive(pid) for pid in started_pids(p.stderr).values())


def test_interrupt_stops_both_servers():
    _need_tools()
    proc = subprocess.Popen([sys.executable, "-m", "bench", "compare", "--rounds", "50",
                             "--requests", "1000000", "--tests", "PING_INLINE"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        err = ""
        deadline = time.monotonic() + 60
        while len(started_pids(err)) < 2 and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            err += line
        pids = started_pids(err)
        assert set(pids) == {"redis", "pyengine"}, err
        time.sleep(0.5)                # redis-benchmark is running now
        proc.send_signal(signal.SIGINT)
        rest, err2 = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err + err2
    assert "interrupted" in err2
    assert not any(pid_alive(pid) for pid in pids.values())


def test_readme_sections_are_replaceable():
    """--write-readme finds both marked sections and replaces only one."""
    sys.path.insert(0, ROOT)
    from bench import report
    from bench.compare import parse_csv
    with open(report.README) as f:
        text = f.read()
    new = report.replace_section(text, "memory", "NEW TABLE\n")
    assert "<!-- bench:memory:begin -->\nNEW TABLE\n<!-- bench:memory:end -->" in new
    assert report.replace_section(new, "throughput", "T").count("NEW TABLE") == 1
    with pytest.raises(ValueError):
        report.replace_section("no markers", "memory", "x")
    csv_text = ('"test","rps","avg_latency_ms"\n"MSET (10 keys)","1234.5","0.1"\n'
                '"PING_INLINE","99.0","0.2"\n')
    assert parse_csv(csv_text) == {"MSET": 1234.5, "PING_INLINE": 99.0}
