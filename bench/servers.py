"""Server processes for the side-by-side benchmarks.

A ``Server`` is a real ``redis-server`` or a ``pyengine-server``
(``python -m server.main``) started with the same arguments
(``--port P --bind 127.0.0.1 --save "" --appendonly no --dir TMP``) on a
free port of 127.0.0.1, each in a fresh temporary directory that also holds
its log.

Lifetime: a server is stopped by its process id (SIGTERM, then SIGKILL after
10 s) by ``stop()``, which the harness calls from ``finally`` blocks, so an
error or Ctrl-C never leaves one running. The server runs in its own session
(a Ctrl-C in the terminal reaches the harness, which stops it in order) and
asks the kernel to SIGTERM it if the harness dies without cleaning up
(PR_SET_PDEATHSIG, Linux).

The small RESP client here (``Connection``) is the harness's own: the
measuring tool does not depend on the engine it measures.
"""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
KINDS = ("redis", "pyengine")


class BenchError(Exception):
    """A failure of the harness or of a server under test (message for the user)."""


def free_port():
    """A TCP port that is free on 127.0.0.1 now, below 55000."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 55000:
            return port


def _die_with_parent():
    """In the child before exec: SIGTERM me when the harness dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)      # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def server_command(kind, args):
    """argv that starts a ``kind`` server with redis-server style ``args``."""
    if kind == "redis":
        exe = shutil.which("redis-server")
        if exe is None:
            raise BenchError("redis-server is not installed (apt-get install redis-server)")
        return [exe] + args
    if kind == "pyengine":
        return [sys.executable, "-m", "server.main"] + args
    raise ValueError(kind)


# ---- a minimal RESP2 client ---------------------------------------------------

class RespError(Exception):
    """An error reply (its text)."""


def encode(*args):
    """RESP multibulk bytes of one command."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = b"%d" % a
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Connection:
    """A blocking RESP2 connection: ``call`` returns str (status), bytes
    (bulk), int, list, None, or a RespError instance for an error reply."""

    def __init__(self, port, timeout=60.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.pos = 0

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise BenchError("server closed the connection")
        if self.pos:
            self.buf = self.buf[self.pos:]
            self.pos = 0
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line = self.buf[self.pos:i]
                self.pos = i + 2
                return line
            self._fill()

    def read_reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return RespError(rest.decode(errors="replace"))
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) - self.pos < n + 2:
                self._fill()
            data = self.buf[self.pos:self.pos + n]
            self.pos += n + 2
            return data
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.read_reply() for _ in range(n)]
        raise BenchError("unexpected reply line %r" % line)

    def read_exact(self, n):
        """The next ``n`` raw bytes of the reply stream."""
        while len(self.buf) - self.pos < n:
            self._fill()
        data = self.buf[self.pos:self.pos + n]
        self.pos += n
        return data

    def call(self, *args):
        self.send(encode(*args))
        return self.read_reply()


def parse_info(text):
    """INFO's ``field:value`` lines as a dict of strings."""
    out = {}
    for line in text.decode(errors="replace").splitlines():
        if line and not line.startswith("#") and ":" in line:
            k, v = line.split(":", 1)
            out[k] = v
    return out


# ---- server processes ---------------------------------------------------------

class Server:
    """One server process; use as a context manager or call start()/stop()."""

    def __init__(self, kind, extra_args=()):
        self.kind = kind
        self.extra_args = list(extra_args)
        self.port = None
        self.proc = None
        self.dir = None
        self.log = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self, timeout=30.0, log=sys.stderr):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="pe-bench-%s-" % self.kind)
        args = ["--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", self.dir] + self.extra_args
        cmd = server_command(self.kind, args)
        self.log = open(os.path.join(self.dir, "server.log"), "w+")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True,
                                     preexec_fn=_die_with_parent)
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        if log is not None:
            log.write("started %s: pid %d, port %d\n" % (self.kind, self.proc.pid, self.port))
            log.flush()
        return self

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise BenchError("%s exited with status %s at start:\n%s"
                                 % (self.kind, self.proc.returncode, self.log_tail()))
            try:
                with Connection(self.port, timeout=2.0) as c:
                    if c.call("PING") == "PONG":
                        return
            except (OSError, BenchError):
                pass
            if time.monotonic() > deadline:
                raise BenchError("%s did not answer PING within %.0f s:\n%s"
                                 % (self.kind, timeout, self.log_tail()))
            time.sleep(0.05)

    def stop(self):
        """Stop the process by its pid (idempotent) and remove its directory."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        if self.log is not None:
            self.log.close()
            self.log = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines=20):
        if self.log is None:
            return ""
        self.log.flush()
        with open(self.log.name, errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def rss_bytes(self):
        """Resident set size from /proc/<pid>/statm."""
        with open("/proc/%d/statm" % self.proc.pid) as f:
            return int(f.read().split()[1]) * PAGE_SIZE

    def cpu_seconds(self):
        """CPU time the server has used so far, all threads (ns precision
        from /proc/<pid>/task/*/schedstat; clock ticks from stat otherwise)."""
        total = 0
        try:
            for tid in os.listdir("/proc/%d/task" % self.proc.pid):
                with open("/proc/%d/task/%s/schedstat" % (self.proc.pid, tid)) as f:
                    total += int(f.read().split()[0])
            return total / 1e9
        except (OSError, ValueError, IndexError):
            with open("/proc/%d/stat" % self.proc.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def info(self, section=None):
        with Connection(self.port) as c:
            reply = c.call("INFO", section) if section else c.call("INFO")
        if not isinstance(reply, bytes):
            raise BenchError("%s: INFO answered %r" % (self.kind, reply))
        return parse_info(reply)

    def version(self):
        """'redis 7.0.15' or 'pyengine 0.1.0 (redis 7.0.15)', from INFO server."""
        info = self.info("server")
        if self.kind == "pyengine":
            return "pyengine %s (compat redis %s)" % (info.get("pyengine_version", "?"),
                                                     info.get("redis_version", "?"))
        return "redis %s" % info.get("redis_version", "?")
