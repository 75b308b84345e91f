"""pyengine: a Redis-compatible in-memory data store with a Cython core.

    import pyengine
    e = pyengine.Engine()            # in-process, no socket
    e.execute("SET", "k", "v")

    r = pyengine.Redis()             # a redis-py client on an in-process engine
    r.set("k", "v")

The network server is the ``pyengine-server`` command (server.main).
"""

__version__ = "0.1.0"

from pyengine.embedded import Engine, ResponseError  # noqa: E402,F401


def __getattr__(name):
    # redis-py is optional: only touch it when the client is asked for.
    if name in ("Redis", "StrictRedis", "EmbeddedConnection", "EmbeddedConnectionPool"):
        from pyengine import client
        return getattr(client, name)
    if name == "ServerThread":
        from server.threaded import ServerThread
        return ServerThread
    raise AttributeError(name)
