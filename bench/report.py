"""Results as markdown tables, JSON, and the marked sections of bench/README.md.

The README holds the latest tables between marker comments, one pair per
kind of result, so a throughput run and a memory run update their own
section only:

    <!-- bench:throughput:begin -->  ...  <!-- bench:throughput:end -->
    <!-- bench:memory:begin -->      ...  <!-- bench:memory:end -->
"""

import json
import os
import platform
import subprocess
import time

from bench.servers import ROOT

README = os.path.join(ROOT, "bench", "README.md")


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _git_commit():
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, text=True, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL).stdout.strip()
        return rev + ("-dirty" if dirty else "") if rev else None
    except OSError:
        return None


def machine_meta():
    """Where and when: for reading a result later."""
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "loadavg": list(os.getloadavg()),
        "python": platform.python_version(),
        "commit": _git_commit(),
    }


def _ops(v):
    return "%s" % format(int(round(v)), ",")


def _ratio(v):
    return "-" if v is None else "%.2f" % v


def _us(v):
    return "-" if v is None else "%.2f" % v


def _verdict(target, met, op):
    if target is None:
        return "", ""
    return "%s %.2f" % (op, target), ("met" if met else "**not met**")


def throughput_markdown(result):
    meta, params = result["meta"], result["params"]
    if params["tests"] == ["PUBLISH_FANOUT"]:
        driver = ("PUBLISH fan-out (bench/pubsub.py: 1 publisher, %d subscribers; ops/s = "
                  "messages delivered per second, CPU per delivered message)" % params["clients"])
        unit = "PUBLISH commands per run"
    else:
        driver = "`redis-benchmark -c %d --csv`" % params["clients"]
        unit = "requests per test"
    lines = [
        "Throughput, %s: %s vs %s, %s, %d round(s), "
        "%s %s at -P 1 (x min(P,10) deeper)%s."
        % (meta["date"], result["servers"]["redis"], result["servers"]["pyengine"],
           driver, params["rounds"], format(params["requests"], ","), unit,
           ", `-r %d`" % params["keyspace"] if params.get("keyspace") else ""),
        "Machine: %d CPUs (%s), load average %.2f at start, %.2f at end; commit %s%s."
        % (meta["cpus"], meta["cpu"], meta["loadavg"][0], result["loadavg_end"][0],
           meta["commit"] or "?", "; **--quick (smoke run)**" if params.get("quick") else ""),
        "",
        "| test | -P | redis ops/s | pyengine ops/s | pyengine/redis | ratio range "
        "| target | status | redis CPU µs/req | pyengine CPU µs/req | CPU pyengine/redis |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for row in result["rows"]:
        target, status = _verdict(row["target"], row["met"], ">=")
        lines.append("| %s | %d | %s | %s | %s | %s-%s | %s | %s | %s | %s | %s |" % (
            row["test"], row["pipeline"], _ops(row["redis_ops"]), _ops(row["pyengine_ops"]),
            _ratio(row["ratio"]), _ratio(row["ratio_min"]), _ratio(row["ratio_max"]),
            target, status, _us(row["redis_cpu_us"]), _us(row["pyengine_cpu_us"]),
            _ratio(row["cpu_ratio"])))
    diffs = result.get("data_check")
    if diffs is None:
        lines.append("\nData check: not done (random keys).")
    elif diffs:
        lines.append("\n**Data check failed**: the servers hold different data after "
                     "identical runs (%d key(s), e.g. %s)." % (len(diffs), diffs[0]))
    else:
        lines.append("\nData check: both servers hold identical keys and values after the runs.")
    return "\n".join(lines) + "\n"


def memory_markdown(result):
    meta, m = result["meta"], result["memory"]
    r, p = m["redis"], m["pyengine"]
    lines = [
        "Memory, %s: %s distinct keys `key:<i>` -> `val:<i>` loaded by pipelined SET; "
        "bytes per key = (after - before) / keys." % (meta["date"], format(m["keys"], ",")),
        "Machine: %d CPUs, load average %.2f; commit %s%s."
        % (meta["cpus"], meta["loadavg"][0], meta["commit"] or "?",
           "; **--quick (smoke run)**" if result["params"].get("quick") else ""),
        "",
        "| measure | redis (%s, %s) | pyengine (%s) | pyengine/redis | target | status |"
        % (r["server"], r["allocator"], p["allocator"]),
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    target, status = _verdict(m["target"], m["met"], "<=")
    lines.append("| RSS delta, bytes/key | %.1f | %.1f | %s | %s | %s |" % (
        r["rss_per_key"], p["rss_per_key"], _ratio(m["rss_ratio"]), target, status))
    lines.append("| used_memory delta, bytes/key | %.1f | %.1f | %s | | |" % (
        r["used_per_key"], p["used_per_key"], _ratio(m["used_ratio"])))
    lines.append("| RSS before -> after, MB | %.1f -> %.1f | %.1f -> %.1f | | | |" % (
        r["rss_before"] / 1e6, r["rss_after"] / 1e6, p["rss_before"] / 1e6,
        p["rss_after"] / 1e6))
    lines.append("| load time, s | %.1f | %.1f | | | |" % (r["load_seconds"], p["load_seconds"]))
    return "\n".join(lines) + "\n"


def aggregates_markdown(result):
    """One row per aggregate dataset: bytes per item from RSS and used_memory."""
    meta = result["meta"]
    lines = [
        "Memory of aggregates, %s; bytes per item = (after - before) / items." % meta["date"],
        "Machine: %d CPUs, load average %.2f; commit %s%s."
        % (meta["cpus"], meta["loadavg"][0], meta["commit"] or "?",
           "; **--quick (smoke run)**" if result["params"].get("quick") else ""),
        "",
        "| dataset | items | RSS B/item redis | RSS B/item pyengine | ratio | used_memory B/item "
        "redis | used_memory B/item pyengine | ratio | target | status |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for m in result["memory"]:
        r, p = m["redis"], m["pyengine"]
        target, status = _verdict(m["target"], m["met"], "<=")
        lines.append("| %s (%s) | %s | %.1f | %.1f | %s | %.1f | %.1f | %s | %s | %s |" % (
            m["dataset"], m["description"], format(m["items"], ","), r["rss_per_item"],
            p["rss_per_item"], _ratio(m["rss_ratio"]), r["used_per_item"], p["used_per_item"],
            _ratio(m["used_ratio"]), target, status))
    return "\n".join(lines) + "\n"


def write_json(path, result):
    with open(path, "w") as f:
        json.dump(result, f, indent=2, sort_keys=True)
        f.write("\n")


def replace_section(text, section, body):
    """``text`` with the lines between the ``section`` markers replaced by
    ``body``; raises ValueError when the markers are missing."""
    begin = "<!-- bench:%s:begin -->" % section
    end = "<!-- bench:%s:end -->" % section
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i:
        raise ValueError("markers %s ... %s not found" % (begin, end))
    return text[:i + len(begin)] + "\n" + body.rstrip("\n") + "\n" + text[j:]


def update_readme(section, body, path=README):
    with open(path) as f:
        text = f.read()
    text = replace_section(text, section, body)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
