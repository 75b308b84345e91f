"""A real pyengine server in a background thread, for tests that need a socket.

    with pyengine.ServerThread() as srv:            # a fresh Engine
        r = redis.Redis(port=srv.port)
        r.set("k", "v")

    e = pyengine.Engine()
    with e.serve() as srv:                          # on an existing Engine's data
        redis.Redis(port=srv.port).set("k", "v")
        e.execute("GET", "k")                       # -> b"v"

``ServerThread`` runs the same EventLoop and Frontend as ``pyengine-server``
on the Engine's Instance, listening on 127.0.0.1 and a free port (or the
given host/port, and optionally a unix socket). The loop holds the Engine's
lock while it touches data or clients, so the Engine's own ``execute`` and
the network clients never run commands concurrently.

Stopping (``stop()``, leaving the ``with`` block, or a SHUTDOWN command sent
to it) wakes the loop through its eventfd, closes every connection and
listening socket, removes the unix socket file and joins the thread. No
signal handler is touched, so it works from any thread. The Engine stays
usable afterwards and can be served again.
"""

import os
import socket
import threading

from pyengine.config import lookup as config_lookup
from server.frontend import Frontend

MAX_AUTO_PORT = 55000


class ServerThread:
    """A pyengine network server running in a daemon thread.

    ``engine``: the Engine to serve (a new one built from ``engine_options``
    when omitted). ``port=0`` picks a free port; ``unix_socket`` also
    listens on that path. Attributes once started: ``host``, ``port``,
    ``address`` ((host, port)), ``url`` ("redis://host:port/0"),
    ``unix_socket`` and ``engine``."""

    def __init__(self, engine=None, host="127.0.0.1", port=0, unix_socket=None, backlog=511,
                 **engine_options):
        if engine is None:
            from pyengine.embedded import Engine
            engine = Engine(**engine_options)
        elif engine_options:
            raise TypeError("configuration options %s given with an existing engine"
                            % ", ".join(sorted(engine_options)))
        self.engine = engine
        self.host = host
        self.port = port
        self.unix_socket = unix_socket
        self.backlog = backlog
        self.frontend = None
        self.error = None            # an exception that ended the loop, if any
        self._thread = None

    # -- lifecycle --------------------------------------------------------------------
    def start(self):
        """Open the listening sockets and start serving. Returns self."""
        if self._thread is not None:
            raise RuntimeError("this ServerThread was already started")
        inst = self.engine.instance
        socks = self._listen()
        with self.engine.lock:
            if inst.frontend is not None:
                for s in socks:
                    s.close()
                raise RuntimeError("this engine is already being served")
            inst.shutdown_requested = None
            fe = Frontend(inst, lock=self.engine.lock)
            # embedded readers waiting for output (a pub/sub message published
            # by a network client) are woken after each turn, not polled
            fe.loop.after_turn = self.engine.notify_output
            fe.add_listeners(socks)
            fe.unix_path = self.unix_socket
            if self.port:
                # CONFIG GET port / INFO report where clients can connect.
                inst.config.set_from_args(config_lookup("port"), [str(self.port)])
            self.frontend = fe
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name="pyengine-server:%s" % (self.port or self.unix_socket))
        self._thread.start()
        return self

    def _listen(self):
        socks = []
        try:
            s = self._bind_tcp()
            socks.append(s)
            s.listen(self.backlog)
            self.port = s.getsockname()[1]
            if self.unix_socket:
                try:
                    os.unlink(self.unix_socket)
                except FileNotFoundError:
                    pass
                u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                socks.append(u)
                u.bind(self.unix_socket)
                u.listen(self.backlog)
        except BaseException:
            for s in socks:
                s.close()
            raise
        return socks

    def _bind_tcp(self):
        """A TCP socket bound to host:port. For port 0, a free port below
        MAX_AUTO_PORT (ports above are left to the kernel's other users and
        to the +10000 cluster-bus neighbour of a port)."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        too_high = []
        try:
            for _ in range(100):
                s = socket.socket(family, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind((self.host, self.port))
                except BaseException:
                    s.close()
                    raise
                if self.port or s.getsockname()[1] < MAX_AUTO_PORT:
                    return s
                too_high.append(s)       # held so the next bind picks another
            return too_high.pop()
        finally:
            for s in too_high:
                s.close()

    def _run(self):
        inst = self.engine.instance
        try:
            self.frontend.run()
        except BaseException as e:       # reported by stop()
            self.error = e
        finally:
            with self.engine.lock:
                if inst.frontend is self.frontend:
                    inst.frontend = None
                inst.shutdown_requested = None

    def stop(self, timeout=10.0):
        """Stop serving: wake the loop, close the sockets, join the thread.
        Idempotent. Re-raises an exception that crashed the loop."""
        t = self._thread
        if t is None:
            return
        if t.is_alive():
            self.frontend.stop()
            t.join(timeout)
            if t.is_alive():
                raise RuntimeError("the pyengine server thread did not stop within %.1fs" % timeout)
        if self.error is not None:
            err, self.error = self.error, None
            raise err

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self):
        if self._thread is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- addresses --------------------------------------------------------------------
    @property
    def address(self):
        return (self.host, self.port)

    @property
    def url(self):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "redis://%s:%d/0" % (host, self.port)

    def __repr__(self):
        state = "running" if self.running else "stopped"
        return "<ServerThread %s:%d %s>" % (self.host, self.port, state)
