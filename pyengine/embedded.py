"""The embedded engine: pyengine in-process, no socket.

``Engine`` owns an Instance and a Client with no connection. ``execute``
hands argv straight to the dispatcher (no RESP parsing on the way in) and
decodes the RESP reply into Python values; ``feed`` takes raw RESP bytes,
which is what the redis-py compatible connection (pyengine.client) uses.
Both go through the same dispatcher and commands as the network server.

The engine is single-threaded like Redis: calls from several threads are
serialised by a lock (``Engine.lock``), which a network server started on
the same data (``serve()``, server.threaded.ServerThread) takes too, so no
two commands ever run at once. Periodic work (active expiry, rehashing)
runs at the start of a call when a cron tick is due, so an idle engine does
no work; while a server thread runs, its event loop does that work instead.

Reply bytes an embedded connection did not take with its command (a reply
produced later, e.g. for a client woken up by another one, or a pub/sub
message published by another client) stay in that client's buffer:
``take_reply`` collects them and ``wait_output`` sleeps until some command
ran. After each command the engine closes the embedded clients that went
over their output buffer limit (a subscriber that stopped reading) and,
while a server thread serves the same data, wakes its loop when network
clients got replies (messages published from here).
"""

import threading
import time

from engine.resp import ReplyReader, ReplyError, reply_end
from pyengine import blocked, core, dispatch
from pyengine.config import Config, lookup as config_lookup
from pyengine.instance import Instance


class ResponseError(Exception):
    """An error reply; ``str(e)`` is Redis's text ("ERR ...", "WRONGTYPE ...")."""


def _encode(arg):
    if isinstance(arg, bytes):
        return arg
    if isinstance(arg, str):
        return arg.encode("utf-8", "surrogateescape")
    if isinstance(arg, bool):
        return b"1" if arg else b"0"
    if isinstance(arg, int):
        return str(arg).encode()
    if isinstance(arg, float):
        return repr(arg).encode()
    if isinstance(arg, (bytearray, memoryview)):
        return bytes(arg)
    raise TypeError("cannot send %r as a command argument" % (arg,))


def _skip_pushes(data):
    """The command's own reply when RESP3 pushes (pub/sub messages, keyspace
    notifications for this client) came before it; the pushes themselves
    are dropped (execute returns one reply; pyengine.Redis delivers them)."""
    pos = 0
    while data[pos:pos + 1] == b">":
        end = reply_end(data, pos)
        if end < 0 or end >= len(data):
            return data          # only pushes (SUBSCRIBE's confirmations): the first
        pos = end
    return data[pos:]


def make_config(options):
    """A Config with embedded defaults (no snapshots, DEBUG allowed: the
    caller is always local) plus ``options``
    (names with - or _, values as in redis.conf)."""
    cfg = Config()
    cfg.set_from_args(config_lookup("save"), [""])
    cfg.set_from_args(config_lookup("enable-debug-command"), ["local"])
    for name, value in options.items():
        p = config_lookup(name.replace("_", "-"))
        if p is None:
            raise ValueError("unknown configuration parameter %r" % name)
        if isinstance(value, bool):
            value = "yes" if value else "no"
        args = str(value).split() if p.multi_arg and str(value).strip() else [str(value)]
        cfg.set_from_args(p, args)
    return cfg


class Engine:
    """An in-process pyengine.

    >>> e = Engine()
    >>> e.execute("SET", "k", "v")
    'OK'
    >>> e.execute("GET", "k")
    b'v'

    Replies map to Python as: simple string -> str, bulk -> bytes,
    integer -> int, null -> None, array -> list, map -> dict, set -> set,
    double -> float, boolean -> bool. Error replies raise ResponseError.
    Keyword arguments are configuration parameters (``maxmemory="10mb"``).

    Persistence: an engine given ``dir`` or ``dbfilename`` loads that
    snapshot when it is created (if the file exists; a damaged file raises
    ``pyengine.persist.RdbError`` naming the offset), and SAVE, BGSAVE and
    the ``save`` rules write it. Without either option the engine starts
    empty and writes nothing unless asked (``save`` is "" by default here).
    BGSAVE forks this process, as the server does: the child writes the
    snapshot and exits; the engine reaps it on a later call.
    """

    def __init__(self, **options):
        self.instance = Instance(make_config(options))
        self.instance.log_to_logging = True
        # appendonly=True: load and open the AOF (AofError if it is damaged)
        self.instance.start(load_rdb=False)
        self._lock = threading.RLock()
        self._ran = threading.Condition(self._lock)   # notified after commands ran
        self._client = self.new_client()
        self._next_cron = 0.0
        names = {name.replace("_", "-") for name in options}
        if names & {"dir", "dbfilename"} and not self.instance.config["appendonly"]:
            self.load()

    def load(self, path=None):
        """Load a snapshot (default: dir/dbfilename) into the engine, adding
        to what it holds. Returns the number of keys loaded, or None when
        the file does not exist. Raises RdbError for a damaged file."""
        with self._lock:
            try:
                stats = self.instance.persistence.load_file(path)
            except FileNotFoundError:
                return None
            return stats["keys_loaded"]

    @property
    def lock(self):
        """The lock held while commands run (shared with a server thread)."""
        return self._lock

    def new_client(self):
        """A fresh connection-less client (its own db selection, RESP version)."""
        c = self.instance.new_client(-1)
        c.flags |= core.CLIENT_EMBEDDED_FLAG
        c.addr = ""
        c.is_local = True
        return c

    def _tick(self):
        if self.instance.frontend is not None:
            return               # a server thread's event loop runs the cron
        now = time.monotonic()
        if now >= self._next_cron:
            self.instance.cron()
            self._next_cron = now + 1.0 / self.instance.srv.hz
        self.instance.before_sleep()

    def execute(self, *args):
        """Run one command; return its reply as Python values."""
        return self.execute_on(self._client, args)

    def execute_on(self, client, args):
        argv = [_encode(a) for a in args]
        if not argv:
            raise ValueError("empty command")
        with self._lock:
            self._tick()
            client.set_args(argv)
            dispatch.execute(client)
            self._wait_while_blocked(client)
            data = client.take_reply()
            self._after_command()
        if not data:
            return None          # CLIENT REPLY OFF/SKIP
        if data[:1] == b">":
            data = _skip_pushes(data)
        reader = ReplyReader()
        reader.feed(data)
        value = reader.gets()
        if isinstance(value, ReplyError):
            raise ResponseError(str(value))
        return value

    def _after_command(self):
        """Called with the lock held after commands ran: wake the readers
        waiting for output, and hand what the commands left for others on."""
        srv = self.instance.srv
        if srv.propagating:
            self.instance.flush_aof()       # before the caller sees the reply
        frontend = self.instance.frontend
        if frontend is not None:
            if srv.clients_pending_write or srv.clients_to_close:
                frontend.wakeup()
        elif srv.clients_to_close:
            self.instance.close_scheduled_clients()
        self._ran.notify_all()

    def notify_output(self):
        """Wake the callers waiting in ``wait_output`` (the lock is held:
        a served engine's loop calls this after each turn)."""
        self._ran.notify_all()

    def _wait_while_blocked(self, client):
        """A blocking command (BLPOP ...) that found nothing parks the client:
        wait (releasing the engine) until another caller serves it or its
        timeout passes. Called with the lock held."""
        srv = self.instance.srv
        while client.flags & core.CLIENT_BLOCKED_FLAG and client.btype == core.BLOCK_KEYS_TYPE:
            deadline = client.bpop_timeout
            wait = None
            if deadline:
                wait = max(0.0, (deadline - core.py_mstime()) / 1000.0) + 0.001
            self._ran.wait(wait)
            blocked.handle_timeouts(srv)

    def feed(self, client, data):
        """Process raw RESP bytes from ``client``; return the reply bytes."""
        with self._lock:
            self._tick()
            dispatch.feed(client, data)
            self._after_command()
            return client.take_reply()

    def take_reply(self, client):
        """Reply bytes pending for ``client`` (b"" if none)."""
        with self._lock:
            return client.take_reply()

    def wait_output(self, timeout):
        """Sleep until a command ran on this engine or ``timeout`` seconds
        passed (whichever comes first)."""
        with self._ran:
            self._ran.wait(timeout)

    def close_client(self, client):
        with self._lock:
            self.instance.forget_client(client)

    def serve(self, host="127.0.0.1", port=0, **kwargs):
        """Start a real network server on this engine's data in a
        background thread; returns the running ``ServerThread`` (stop it
        with ``.stop()`` or use it as a context manager)."""
        from server.threaded import ServerThread
        return ServerThread(engine=self, host=host, port=port, **kwargs).start()
