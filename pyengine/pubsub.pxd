# Pub/Sub and keyspace notifications. Design at the top of pubsub.pyx.
from pyengine.core cimport Server, Client

# Keyspace notification classes (the bits of notify-keyspace-events; Redis's
# NOTIFY_*). K and E say where events go, the others which events exist.
cdef enum:
    NOTIFY_KEYSPACE = 1 << 0      # K
    NOTIFY_KEYEVENT = 1 << 1      # E
    NOTIFY_GENERIC = 1 << 2       # g
    NOTIFY_STRING = 1 << 3        # $
    NOTIFY_LIST = 1 << 4          # l
    NOTIFY_SET = 1 << 5           # s
    NOTIFY_HASH = 1 << 6          # h
    NOTIFY_ZSET = 1 << 7          # z
    NOTIFY_EXPIRED = 1 << 8       # x
    NOTIFY_EVICTED = 1 << 9       # e
    NOTIFY_STREAM = 1 << 10       # t
    NOTIFY_KEY_MISS = 1 << 11     # m (not part of A)
    NOTIFY_MODULE = 1 << 13       # d
    NOTIFY_NEW = 1 << 14          # n (not part of A)
    NOTIFY_ALL = (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH |
                  NOTIFY_ZSET | NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

cdef long long pubsub_publish(Server srv, const char* channel, size_t chlen,
                              const char* msg, size_t mlen, bint sharded) noexcept
cdef void notify_keyspace_event_slow(Server srv, int type_class, const char* event,
                                     const char* key, size_t klen, int dbid) noexcept


cdef inline void notify_keyspace_event(Server srv, int type_class, const char* event,
                                       const char* key, size_t klen, int dbid) noexcept:
    """Publish the keyspace/keyevent notification of ``event`` (a C string
    such as "set") on ``key`` in database ``dbid`` if the class is enabled.
    Costs one integer test when notifications are off: the Server field is
    0 unless notify-keyspace-events has K or E."""
    if srv.notify_keyspace_events & type_class:
        notify_keyspace_event_slow(srv, type_class, event, key, klen, dbid)
