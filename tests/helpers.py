"""Shared test machinery: free ports, server processes, raw RESP connections.

Servers started here listen on 127.0.0.1 only, on ports the test picks, and
are stopped by their process id when the session ends.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from engine.resp import reply_end, encode_command

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    """A TCP port free on 127.0.0.1 (and whose +10000 neighbour is free too)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 55000:
            return port


def wait_for_port(port, proc, timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %s" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server on port %d did not start" % port)


class ServerProcess:
    """A redis-server or pyengine-server subprocess on a free port."""

    def __init__(self, kind, extra_args=(), port=None, config_file=None):
        self.kind = kind
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="pe-%s-" % kind)
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--enable-debug-command", "yes",
                "--dir", self.dir] + list(extra_args)
        if config_file is not None:
            args = [config_file] + args
        if kind == "redis":
            cmd = [shutil.which("redis-server")] + args
        else:
            cmd = [sys.executable, "-m", "server.main"] + args
        self.log = open(os.path.join(self.dir, "server.log"), "w+")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.proc)

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def logtext(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None


class RawConnection:
    """Bytes in, raw reply bytes out: the differential tests' client."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def send_command(self, *args):
        self.send(encode_command(*args))

    def read_reply(self):
        """One complete raw reply (bytes)."""
        while True:
            end = reply_end(self.buf, 0) if self.buf else -1
            if end >= 0:
                out, self.buf = self.buf[:end], self.buf[end:]
                return out
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed; pending bytes %r" % self.buf)
            self.buf += chunk

    def call(self, *args):
        self.send_command(*args)
        return self.read_reply()

    def read_until_closed(self, timeout=5.0):
        """Everything the server sends until it closes the connection."""
        self.sock.settimeout(timeout)
        data = self.buf
        self.buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            data += chunk
        return data

    def close(self):
        self.sock.close()
