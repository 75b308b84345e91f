"""Connection commands on the hot path, in C: PING and ECHO.

PING is what redis-benchmark's PING_INLINE/PING_MBULK measure and what
every client sends as a health check, so it stays free of Python objects.
"""

from pyengine.core cimport Client, add_bulk, add_error_len, add_simple, add_array, proc_capsule
from pyengine.core cimport CLIENT_PUBSUB
from engine.resp cimport rbuf_append


cdef int ping_command(Client c) except -1:
    cdef bytes msg
    if c.argc > 2:
        msg = b"ERR wrong number of arguments for 'ping' command"
        add_error_len(c, msg, len(msg))
        return 0
    if (c.flags & CLIENT_PUBSUB) and c.resp == 2:
        # In RESP2 subscribed mode PING answers with a pubsub-style array.
        add_array(c, 2)
        add_bulk(c, b"pong", 4)
        if c.argc == 1:
            add_bulk(c, b"", 0)
        else:
            add_bulk(c, c.argv[1], c.argvlen[1])
        return 0
    if c.argc == 1:
        rbuf_append(&c.reply, b"+PONG\r\n", 7)
    else:
        add_bulk(c, c.argv[1], c.argvlen[1])
    return 0


cdef int echo_command(Client c) except -1:
    add_bulk(c, c.argv[1], c.argvlen[1])
    return 0


PROCS = {
    "ping_command": proc_capsule(ping_command),
    "echo_command": proc_capsule(echo_command),
}
