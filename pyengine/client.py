"""A redis-py client on an in-process engine: the whole redis-py API, no socket.

    import pyengine
    r = pyengine.Redis()                     # a redis.Redis on a new Engine
    r.set("k", "v"); r.get("k")              # -> b"v"
    p = r.pipeline(transaction=False); p.incr("n"); p.get("n"); p.execute()

    e = pyengine.Engine(maxmemory="10mb")    # several clients, one engine
    a = pyengine.Redis(engine=e, decode_responses=True)
    b = pyengine.Redis(engine=e, db=1, protocol=2)

How it fits into redis-py: ``EmbeddedConnection`` is a redis-py
``AbstractConnection`` whose ``_connect`` returns an ``EngineSocket``
instead of a network socket. Bytes redis-py "sends" go to ``Engine.feed``
(the same RESP parser and dispatcher as the network server); the reply
bytes are queued in the EngineSocket and redis-py's own parsers read them
back through ``recv``. So the handshake (``HELLO 3``, ``CLIENT SETINFO``
which Redis 7.0 rejects and redis-py ignores, ``AUTH``, ``SELECT``),
pipelines, RESP2/RESP3 reply parsing and response callbacks are redis-py's,
unchanged. Each redis-py connection is its own engine client (own selected
db, protocol, name); a ``ConnectionPool`` hands them out, so threads each
get theirs, and the Engine's lock serialises the commands.

The pure-Python RESP parsers are used even when hiredis is installed: the
hiredis parser polls a real file descriptor, which an EngineSocket has not.

When the engine closes the client (QUIT, a protocol error), the socket
reports end-of-file once its pending bytes are read, as a closed TCP
connection does; redis-py then reconnects with a fresh engine client.

Arguments of ``pyengine.Redis``: those of ``redis.Redis`` that concern the
connection (``db``, ``decode_responses``, ``protocol``, ``client_name``,
``password``, ``socket_timeout``, ``max_connections``, ...) are used as
redis-py uses them; address arguments (``host``, ``port``,
``unix_socket_path``, ``ssl...``) are accepted and ignored so that code
written for ``redis.Redis(...)`` runs unchanged; any other keyword is an
engine configuration parameter (``maxmemory="10mb"``,
``maxmemory_policy="allkeys-lru"``) for the new Engine.
"""

import copy
import errno
import inspect
import socket
import time

import redis
from redis.connection import AbstractConnection, ConnectionPool, parse_url

try:                                    # the parsers' home since redis-py 5
    from redis._parsers import _RESP2Parser, _RESP3Parser
except ImportError:                     # pragma: no cover - older layouts
    from redis.connection import _RESP2Parser, _RESP3Parser

from pyengine import core
from pyengine.embedded import Engine

_CLOSING = core.CLIENT_CLOSE_AFTER_REPLY_FLAG | core.CLIENT_CLOSE_ASAP_FLAG

# How long a blocking read waits on the engine between two checks for reply
# bytes produced outside this connection's own calls.
_POLL = 0.05


class EngineSocket:
    """The transport of an EmbeddedConnection: a socket-like object.

    ``sendall`` runs the bytes through the engine at once and queues the
    reply; ``recv``/``recv_into`` hand queued bytes back, honouring the
    timeout redis-py sets (0: raise BlockingIOError when nothing is queued,
    None: wait, n: wait up to n seconds, then raise socket.timeout)."""

    def __init__(self, engine):
        self.engine = engine
        self.client = engine.new_client()
        self._buf = bytearray()
        self._timeout = None
        self._closed = False     # closed by our side (close())
        self._eof = False        # closed by the engine (QUIT, protocol error)

    # -- writing ------------------------------------------------------------------------
    def sendall(self, data, flags=0):
        if self._closed:
            raise OSError(errno.EBADF, "Bad file descriptor")
        if self._eof:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")
        reply = self.engine.feed(self.client, data)
        if reply:
            self._buf += reply
        if self.client.flags & _CLOSING:
            self._engine_closed()

    def send(self, data, flags=0):
        self.sendall(data)
        return len(data)

    def _engine_closed(self):
        self._eof = True
        self.engine.close_client(self.client)

    # -- reading ------------------------------------------------------------------------
    def _fill(self):
        """Make sure some bytes are queued, or report EOF (False)."""
        if self._buf:
            return True
        if self._closed:
            raise OSError(errno.EBADF, "Bad file descriptor")
        deadline = None
        while True:
            if self._eof:
                return False
            data = self.engine.take_reply(self.client)
            if data:
                self._buf += data
                return True
            if self.client.flags & _CLOSING:
                self._engine_closed()
                return False
            timeout = self._timeout
            if timeout == 0:
                raise BlockingIOError(errno.EWOULDBLOCK, "Resource temporarily unavailable")
            if timeout is None:
                wait = _POLL
            else:
                now = time.monotonic()
                if deadline is None:
                    deadline = now + timeout
                if now >= deadline:
                    raise socket.timeout("timed out")
                wait = min(_POLL, deadline - now)
            self.engine.wait_output(wait)

    def recv(self, bufsize, flags=0):
        if not self._fill():
            return b""
        out = bytes(self._buf[:bufsize])
        if not flags & socket.MSG_PEEK:
            del self._buf[:bufsize]
        return out

    def recv_into(self, buffer, nbytes=0, flags=0):
        view = memoryview(buffer).cast("B")
        n = nbytes or len(view)
        data = self.recv(n, flags)
        view[:len(data)] = data
        return len(data)

    def pending(self):
        """Bytes queued and not read yet (what SSL sockets call pending)."""
        return len(self._buf)

    # -- socket interface redis-py touches -------------------------------------------------
    def settimeout(self, timeout):
        self._timeout = timeout

    def gettimeout(self):
        return self._timeout

    def setblocking(self, flag):
        self._timeout = None if flag else 0.0

    def setsockopt(self, *args):
        pass

    def getpeername(self):
        raise OSError(errno.ENOTCONN, "an embedded connection has no peer address")

    def getsockname(self):
        raise OSError(errno.ENOTCONN, "an embedded connection has no address")

    def shutdown(self, how):
        pass

    def close(self):
        if not self._closed:
            self._closed = True
            self._buf.clear()
            if not self._eof:
                self.engine.close_client(self.client)

    def fileno(self):
        return -1


class EmbeddedConnection(AbstractConnection):
    """A redis-py connection to an in-process Engine (``engine=``)."""

    def __init__(self, engine=None, **kwargs):
        if engine is None:
            raise ValueError("EmbeddedConnection needs engine=<pyengine.Engine>")
        self.engine = engine
        # No network address; attributes redis-py's error reporting reads.
        self.host = None
        self.port = None
        parser = kwargs.get("parser_class")
        if parser is None or not issubclass(parser, (_RESP2Parser, _RESP3Parser)):
            kwargs["parser_class"] = _RESP2Parser   # upgraded to RESP3 by protocol=3
        super().__init__(**kwargs)

    def repr_pieces(self):
        pieces = [("engine", "0x%x" % id(self.engine)), ("db", self.db)]
        if self.client_name:
            pieces.append(("client_name", self.client_name))
        return pieces

    def _connect(self):
        return EngineSocket(self.engine)

    def _host_error(self):
        return "embedded pyengine"

    @property
    def engine_client(self):
        """The engine-side Client of this connection (None if not connected)."""
        sock = self._sock
        return sock.client if sock is not None else None


class EmbeddedConnectionPool(ConnectionPool):
    """A redis-py ConnectionPool of EmbeddedConnections to one Engine."""

    def __init__(self, engine=None, connection_class=EmbeddedConnection, **connection_kwargs):
        from redis.maint_notifications import MaintNotificationsConfig
        if engine is None:
            engine = Engine()
        self.engine = engine
        # Maintenance notifications are a cloud-proxy feature; never ask.
        connection_kwargs.setdefault("maint_notifications_config",
                                     MaintNotificationsConfig(enabled=False))
        super().__init__(connection_class=connection_class, engine=engine, **connection_kwargs)


def _param_names(fn):
    return {name for name, p in inspect.signature(fn).parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)} - {"self"}


# redis.Redis arguments, sorted by what the embedded client does with them.
_CONNECTION_ARGS = _param_names(AbstractConnection.__init__) | {"max_connections"}
_CLIENT_ARGS = {"single_connection_client", "event_dispatcher", "cache", "cache_config"}
_REDIS_ARGS = _param_names(redis.Redis.__init__)


def _redis_default(name):
    """redis.Redis's default for one of its arguments (e.g. its Retry)."""
    p = inspect.signature(redis.Redis.__init__).parameters.get(name)
    return None if p is None or p.default is p.empty else p.default


class Redis(redis.Redis):
    """``redis.Redis`` bound to an in-process pyengine Engine.

    ``engine``: the Engine to use (shared by every client given the same
    one); a new Engine is made from the configuration keywords otherwise.
    ``r.engine`` is the Engine."""

    def __init__(self, engine=None, connection_pool=None, **kwargs):
        config = {k: kwargs.pop(k) for k in list(kwargs) if k not in _REDIS_ARGS}
        client_kwargs = {k: kwargs.pop(k) for k in list(kwargs) if k in _CLIENT_ARGS}
        conn_kwargs = {k: v for k, v in kwargs.items() if k in _CONNECTION_ARGS}
        if "retry" not in conn_kwargs and _redis_default("retry") is not None:
            # As redis.Redis does: reconnect and retry after a closed
            # connection (QUIT, CLIENT KILL) instead of failing the call.
            conn_kwargs["retry"] = copy.deepcopy(_redis_default("retry"))
        own_pool = connection_pool is None
        if own_pool:
            if engine is None:
                engine = Engine(**config)
            elif config:
                raise TypeError("configuration options %s given with an existing engine"
                                % ", ".join(sorted(config)))
            connection_pool = EmbeddedConnectionPool(engine=engine, **conn_kwargs)
        else:
            if config:
                raise TypeError("unexpected keyword arguments %s" % ", ".join(sorted(config)))
            engine = getattr(connection_pool, "engine", engine)
        self.engine = engine
        super().__init__(connection_pool=connection_pool, **client_kwargs)
        self.auto_close_connection_pool = own_pool

    @classmethod
    def from_url(cls, url, engine=None, **kwargs):
        """Options from a redis:// URL (db, credentials, query options such
        as decode_responses); the address part is ignored."""
        options = parse_url(url)
        for k in ("host", "port", "path", "connection_class"):
            options.pop(k, None)
        options.update(kwargs)
        return cls(engine=engine, **options)

    def __repr__(self):
        return "<%s.%s(engine=0x%x)>" % (type(self).__module__, type(self).__name__, id(self.engine))


StrictRedis = Redis
