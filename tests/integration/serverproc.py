"""Helpers for the integration tests: server processes started with any
arguments (config files, stdin, daemonize), tools that must exist, log
line parsing.

Every process started here listens on 127.0.0.1 (or a unix socket) on a
port the test picked, and is stopped by its pid when the test ends (the
``procs`` fixture in each test module).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

from helpers import free_port  # noqa: E402,F401

IN_CI = bool(os.environ.get("CI"))

# Redis's log line: "pid:R dd Mon yyyy hh:mm:ss.mmm L message"
LOG_LINE = re.compile(r"^(\d+):([CMSX]) (\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}\.\d{3}) "
                      r"([.\-*#]) (.*)$")
# ... and the form written from a signal handler: "pid:signal-handler (unixtime) message"
SIGNAL_LOG_LINE = re.compile(r"^(\d+):signal-handler \((\d+)\) (.*)$")


def need_tool(name):
    """The path of a Redis tool; skip (or fail in CI) when it is missing."""
    path = shutil.which(name)
    if path is None:
        msg = "%s is not installed (apt-get install redis-server redis-tools)" % name
        if IN_CI:
            pytest.fail(msg + " - integration tests must run in CI")
        pytest.skip(msg)
    return path


def pyengine_cmd(args):
    return [sys.executable, "-m", "server.main"] + list(args)


def log_messages(text):
    """The messages of Redis-format log lines (pid, role and time dropped);
    lines in neither log format are kept whole."""
    out = []
    for line in text.splitlines():
        m = LOG_LINE.match(line)
        if m:
            out.append(m.group(5))
            continue
        m = SIGNAL_LOG_LINE.match(line)
        out.append(m.group(3) if m else line)
    return out


def wait_for(pred, timeout=10.0, interval=0.05, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise AssertionError("timed out waiting for %s" % what)


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Proc:
    """A server process (pyengine-server or redis-server) with its output
    in files under ``workdir``."""

    def __init__(self, cmd, workdir, stdin_text=None, name="server", preexec_fn=None):
        self.cmd = cmd
        self.out_path = os.path.join(workdir, name + ".stdout")
        self.err_path = os.path.join(workdir, name + ".stderr")
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self.out, stderr=self.err,
                                     preexec_fn=preexec_fn,
                                     stdin=subprocess.PIPE if stdin_text is not None
                                     else subprocess.DEVNULL)
        if stdin_text is not None:
            self.proc.stdin.write(stdin_text.encode())
            self.proc.stdin.close()

    @property
    def pid(self):
        return self.proc.pid

    def wait(self, timeout=20):
        rc = self.proc.wait(timeout)
        self.out.flush()
        self.err.flush()
        return rc

    def stdout(self):
        self.out.flush()
        with open(self.out_path, "r", errors="replace") as f:
            return f.read()

    def stderr(self):
        self.err.flush()
        with open(self.err_path, "r", errors="replace") as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None

    def wait_port(self, port, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited with %s\nstdout:\n%s\nstderr:\n%s" % (
                    self.proc.returncode, self.stdout(), self.stderr()))
            if port_open(port):
                return
            time.sleep(0.05)
        raise AssertionError("server did not listen on %d" % port)

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.out.close()
        self.err.close()


class Procs:
    """Processes started by one test; all stopped (SIGKILL by pid) at its end."""

    def __init__(self, workdir):
        self.workdir = str(workdir)
        self.started = []
        self.extra_pids = []      # e.g. daemonized children

    def pyengine(self, args, stdin_text=None, name="pyengine", preexec_fn=None):
        p = Proc(pyengine_cmd(args), self.workdir, stdin_text, name, preexec_fn)
        self.started.append(p)
        return p

    def redis(self, args, stdin_text=None, name="redis", preexec_fn=None):
        p = Proc([need_tool("redis-server")] + list(args), self.workdir, stdin_text, name,
                 preexec_fn)
        self.started.append(p)
        return p

    def cleanup(self):
        for p in self.started:
            p.kill()
        for pid in self.extra_pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def base_args(port, workdir):
    """Options every test server gets: loopback only, no snapshots."""
    return ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(workdir)]


def raise_nofile(n):
    """Raise this process's RLIMIT_NOFILE soft limit to at least ``n`` (the
    hard limit too when allowed); skip when the machine does not allow it."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < n:
        try:
            new_hard = hard if hard == resource.RLIM_INFINITY or hard >= n else n
            resource.setrlimit(resource.RLIMIT_NOFILE, (n, new_hard))
        except (ValueError, OSError) as e:
            pytest.skip("cannot raise the open files limit to %d: %s" % (n, e))
    return soft, hard
