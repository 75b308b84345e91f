"""Pub/Sub (Redis's pubsub.c) and keyspace notifications (notify.c), in C.

Subscriptions are kept twice, as in Redis:

* per server, name -> subscribers: three engine dicts on the Server
  (``pubsub_channels``, ``pubsub_patterns``, ``pubsubshard_channels``)
  whose values are ``sublist`` arrays of borrowed Client pointers in
  subscription order. PUBLISH finds the channel with the argv bytes (no
  Python object), walks its array, then every pattern (the KEYS glob of
  engine/util); shard channels (SPUBLISH) have no patterns;
* per client, what it subscribed to: Python containers on the Client
  (``pubsub_channels`` and ``pubsubshard_channels``, dicts used as ordered
  sets, and the ``pubsub_patterns`` list). They count subscriptions for the
  replies and CLIENT LIST, and drive UNSUBSCRIBE without arguments and the
  cleanup on RESET or disconnect: the cold paths.

Invariants: a client is in a server list iff the name is in its own
container; an entry exists in a server dict only while its list is not
empty (PUBSUB CHANNELS and NUMPAT count live names); a subscribed client is
in ``Server.clients``, and ``Instance.forget_client`` runs ``reset_client``
(unsubscribe from everything) before dropping it, so the borrowed pointers
never dangle.

Delivery: the payload after the aggregate header (the "message" /
"pmessage" / "smessage" bulk, the pattern, the channel, the message) is
encoded once per publish into a scratch buffer; per subscriber only the
header differs (``*3``/``*4`` in RESP2, the push ``>3``/``>4`` in RESP3),
so each delivery is one header and one memcpy into that subscriber's reply
buffer. The subscriber is then queued for writing (core.schedule_write)
and its client-output-buffer-limit checked (core.close_on_output_limit): a
client over its limit is flagged CLOSE_ASAP and gets nothing more, so a
subscriber that does not read holds about its hard limit at most. Like
Redis, it still counts as a receiver.

Pushes bypass CLIENT REPLY OFF/SKIP (Redis's CLIENT_PUSHING): a push for
the client whose own command reply may be dropped goes to its ``pushes``
side buffer, which the dispatcher appends after dropping the silenced
reply.

Order, as in Redis: a channel's subscribers in subscription order, then
the subscribers of each matching pattern, pattern by pattern in dict order
(Redis's is its dict's order too). UNSUBSCRIBE without arguments goes
through the channels in subscription order (Redis: its dict's order).

Keyspace notifications (``notify_keyspace_event``, inline in pubsub.pxd)
publish the event name on ``__keyspace@<db>__:<key>`` and the key on
``__keyevent@<db>__:<event>``. ``Server.notify_keyspace_events`` is the
class mask of notify-keyspace-events, 0 unless K or E is set, so a command
pays one integer test when notifications are off.
"""

from cpython.ref cimport PyObject
from libc.string cimport memmove, strlen

from engine._mem cimport mem_calloc, mem_realloc
from engine.dict cimport (dict_t, pe_entry, dict_find, dict_add_or_find, dict_delete, dict_size,
                          dict_iter, dict_iter_init, dict_iter_next, dict_iter_release)
from engine.resp cimport (rbuf, rbuf_append, rbuf_shrink, resp_bulk, resp_push, resp_int,
                          resp_null)
from engine.util cimport stringmatch, ll2string
from pyengine.core cimport (Server, Client, sublist, add_error, add_array, add_bulk, add_int,
                            add_deferred_len, set_deferred_array, proc_capsule, schedule_write,
                            close_on_output_limit, CLIENT_PUBSUB, CLIENT_CLOSE_ASAP,
                            CLIENT_DENY_BLOCKING, CLIENT_IN_EXEC, CLIENT_IN_COMMAND,
                            CLIENT_REPLY_OFF, CLIENT_REPLY_SKIP)

# Scratch buffers (single-threaded: commands run under the GIL one at a time).
cdef rbuf _payload          # one publish's encoded payload
cdef rbuf _channel          # a keyspace notification's channel name

cdef enum:
    SCRATCH_KEEP = 65536    # scratch capacity kept between publishes


# ---- subscriber lists ------------------------------------------------------------

cdef inline sublist* _sublist_find(dict_t* d, const char* name, size_t n) noexcept:
    cdef pe_entry* e = dict_find(d, name, n)
    return NULL if e == NULL else <sublist*>e.v.ptr


cdef void _sublist_add(dict_t* d, const char* name, size_t n, Client c) noexcept:
    """Append ``c`` to the subscribers of ``name`` (created when missing).
    The caller checked that c is not subscribed yet. Amortized O(1)."""
    cdef bint existed
    cdef pe_entry* e = dict_add_or_find(d, name, n, &existed)
    cdef sublist* sl
    if not existed or e.v.ptr == NULL:
        e.v.ptr = mem_calloc(sizeof(sublist))
    sl = <sublist*>e.v.ptr
    if sl.len == sl.cap:
        sl.cap = sl.cap * 2 if sl.cap else 4
        sl.clients = <PyObject**>mem_realloc(sl.clients, sl.cap * sizeof(PyObject*))
    sl.clients[sl.len] = <PyObject*>c
    sl.len += 1


cdef void _sublist_remove(dict_t* d, const char* name, size_t n, Client c) noexcept:
    """Take ``c`` out of the subscribers of ``name``, keeping the others in
    order; the entry goes away with its last subscriber. O(subscribers)."""
    cdef sublist* sl = _sublist_find(d, name, n)
    cdef size_t i
    if sl == NULL:
        return
    for i in range(sl.len):
        if sl.clients[i] == <PyObject*>c:
            memmove(&sl.clients[i], &sl.clients[i + 1], (sl.len - i - 1) * sizeof(PyObject*))
            sl.len -= 1
            break
    if sl.len == 0:
        dict_delete(d, name, n)          # the Server's entry destructor frees sl


# ---- replies -----------------------------------------------------------------------

cdef inline rbuf* _push_buffer(Client c) noexcept:
    """Where a push for ``c`` goes: its reply buffer, or the side buffer when
    the command c is running now may have its reply silenced."""
    if c.flags & CLIENT_IN_COMMAND and c.flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP):
        return &c.pushes
    return &c.reply


cdef void _deliver(Client c, int nelems, const char* payload, size_t plen) noexcept:
    """One message to one subscriber: header + the shared payload."""
    cdef rbuf* b
    if c.flags & CLIENT_CLOSE_ASAP:
        return
    b = _push_buffer(c)
    resp_push(b, nelems, c.resp)
    rbuf_append(b, payload, plen)
    if b == &c.reply:
        schedule_write(c)
        close_on_output_limit(c)


cdef void _reply_subscription(Client c, bytes kind, bytes name, long long count) noexcept:
    """A (un)subscribe confirmation, always a push: [kind, name|null, count]."""
    cdef rbuf* b = _push_buffer(c)
    resp_push(b, 3, c.resp)
    resp_bulk(b, kind, len(kind))
    if name is None:
        resp_null(b, c.resp)
    else:
        resp_bulk(b, name, len(name))
    resp_int(b, count)


cdef inline long long _subscription_count(Client c) noexcept:
    """Channels plus patterns (the count SUBSCRIBE/PSUBSCRIBE report)."""
    return len(c.pubsub_channels) + len(c.pubsub_patterns)


cdef inline long long _shard_subscription_count(Client c) noexcept:
    return len(c.pubsubshard_channels)


cdef inline void _update_pubsub_flag(Client c) noexcept:
    """Leave subscribed mode when nothing is left (shard channels included)."""
    if _subscription_count(c) + _shard_subscription_count(c) == 0:
        c.flags &= ~CLIENT_PUBSUB


# ---- subscribing -------------------------------------------------------------------

cdef void _subscribe_channel(Client c, bytes channel, bint shard) except *:
    cdef dict mine = c.pubsubshard_channels if shard else c.pubsub_channels
    cdef dict_t* d = c.srv.pubsubshard_channels if shard else c.srv.pubsub_channels
    if channel not in mine:
        mine[channel] = None
        _sublist_add(d, channel, len(channel), c)
    if shard:
        _reply_subscription(c, b"ssubscribe", channel, _shard_subscription_count(c))
    else:
        _reply_subscription(c, b"subscribe", channel, _subscription_count(c))


cdef bint _unsubscribe_channel(Client c, bytes channel, bint shard, bint notify) except *:
    """True if c was subscribed. ``notify``: send the confirmation."""
    cdef dict mine = c.pubsubshard_channels if shard else c.pubsub_channels
    cdef dict_t* d = c.srv.pubsubshard_channels if shard else c.srv.pubsub_channels
    cdef bint was = channel in mine
    if was:
        del mine[channel]
        _sublist_remove(d, channel, len(channel), c)
    if notify:
        if shard:
            _reply_subscription(c, b"sunsubscribe", channel, _shard_subscription_count(c))
        else:
            _reply_subscription(c, b"unsubscribe", channel, _subscription_count(c))
    return was


cdef long long _unsubscribe_all_channels(Client c, bint shard, bint notify) except -1:
    cdef dict mine = c.pubsubshard_channels if shard else c.pubsub_channels
    cdef long long count = 0
    for channel in list(mine):
        count += _unsubscribe_channel(c, channel, shard, notify)
    if notify and count == 0:
        # subscribed to nothing: still one confirmation, with a null name
        if shard:
            _reply_subscription(c, b"sunsubscribe", None, _shard_subscription_count(c))
        else:
            _reply_subscription(c, b"unsubscribe", None, _subscription_count(c))
    return count


cdef void _subscribe_pattern(Client c, bytes pattern) except *:
    if pattern not in c.pubsub_patterns:
        c.pubsub_patterns.append(pattern)
        _sublist_add(c.srv.pubsub_patterns, pattern, len(pattern), c)
    _reply_subscription(c, b"psubscribe", pattern, _subscription_count(c))


cdef bint _unsubscribe_pattern(Client c, bytes pattern, bint notify) except *:
    cdef bint was = pattern in c.pubsub_patterns
    if was:
        c.pubsub_patterns.remove(pattern)
        _sublist_remove(c.srv.pubsub_patterns, pattern, len(pattern), c)
    if notify:
        _reply_subscription(c, b"punsubscribe", pattern, _subscription_count(c))
    return was


cdef long long _unsubscribe_all_patterns(Client c, bint notify) except -1:
    cdef long long count = 0
    for pattern in list(c.pubsub_patterns):
        count += _unsubscribe_pattern(c, pattern, notify)
    if notify and count == 0:
        _reply_subscription(c, b"punsubscribe", None, _subscription_count(c))
    return count


def reset_client(Client c):
    """RESET and disconnects: every subscription dropped, no confirmation."""
    if c.pubsub_channels:
        _unsubscribe_all_channels(c, False, False)
    if c.pubsubshard_channels:
        _unsubscribe_all_channels(c, True, False)
    if c.pubsub_patterns:
        _unsubscribe_all_patterns(c, False)
    c.flags &= ~CLIENT_PUBSUB


# ---- publishing --------------------------------------------------------------------

cdef long long pubsub_publish(Server srv, const char* channel, size_t chlen,
                              const char* msg, size_t mlen, bint sharded) noexcept:
    """Deliver ``msg`` to the subscribers of ``channel`` (and, unless
    ``sharded``, of every pattern matching it). Returns the number of
    deliveries (a client matching twice counts twice), as Redis does.
    Creates no Python object; O(subscribers + patterns)."""
    cdef long long receivers = 0
    cdef sublist* sl = _sublist_find(srv.pubsubshard_channels if sharded else srv.pubsub_channels,
                                     channel, chlen)
    cdef size_t i
    cdef dict_iter it
    cdef pe_entry* e
    if sl != NULL:
        _payload.len = 0
        if sharded:
            rbuf_append(&_payload, b"$8\r\nsmessage\r\n", 14)
        else:
            rbuf_append(&_payload, b"$7\r\nmessage\r\n", 13)
        resp_bulk(&_payload, channel, chlen)
        resp_bulk(&_payload, msg, mlen)
        for i in range(sl.len):
            _deliver(<Client>sl.clients[i], 3, _payload.data, _payload.len)
        receivers += sl.len
    if not sharded and dict_size(srv.pubsub_patterns):
        dict_iter_init(&it, srv.pubsub_patterns)
        while True:
            e = dict_iter_next(&it)
            if e == NULL:
                break
            if not stringmatch(e.key, e.klen, channel, chlen, False):
                continue
            sl = <sublist*>e.v.ptr
            _payload.len = 0
            rbuf_append(&_payload, b"$8\r\npmessage\r\n", 14)
            resp_bulk(&_payload, e.key, e.klen)
            resp_bulk(&_payload, channel, chlen)
            resp_bulk(&_payload, msg, mlen)
            for i in range(sl.len):
                _deliver(<Client>sl.clients[i], 4, _payload.data, _payload.len)
            receivers += sl.len
        dict_iter_release(&it)
    if _payload.cap > SCRATCH_KEEP:
        _payload.len = 0
        rbuf_shrink(&_payload, SCRATCH_KEEP)
    return receivers


cdef void notify_keyspace_event_slow(Server srv, int type_class, const char* event,
                                     const char* key, size_t klen, int dbid) noexcept:
    """The body of notify_keyspace_event once the class is known enabled."""
    cdef char dbbuf[24]
    cdef int dblen = ll2string(dbbuf, dbid)
    cdef size_t evlen = strlen(event)
    cdef int flags = srv.notify_keyspace_events
    if flags & NOTIFY_KEYSPACE:
        _channel.len = 0
        rbuf_append(&_channel, b"__keyspace@", 11)
        rbuf_append(&_channel, dbbuf, dblen)
        rbuf_append(&_channel, b"__:", 3)
        rbuf_append(&_channel, key, klen)
        pubsub_publish(srv, _channel.data, _channel.len, event, evlen, False)
    if flags & NOTIFY_KEYEVENT:
        _channel.len = 0
        rbuf_append(&_channel, b"__keyevent@", 11)
        rbuf_append(&_channel, dbbuf, dblen)
        rbuf_append(&_channel, b"__:", 3)
        rbuf_append(&_channel, event, evlen)
        pubsub_publish(srv, _channel.data, _channel.len, key, klen, False)
    if _channel.cap > SCRATCH_KEEP:
        _channel.len = 0
        rbuf_shrink(&_channel, SCRATCH_KEEP)


# ---- notify-keyspace-events ----------------------------------------------------------

_CLASS_BITS = {
    "K": NOTIFY_KEYSPACE, "E": NOTIFY_KEYEVENT, "g": NOTIFY_GENERIC, "$": NOTIFY_STRING,
    "l": NOTIFY_LIST, "s": NOTIFY_SET, "h": NOTIFY_HASH, "z": NOTIFY_ZSET,
    "x": NOTIFY_EXPIRED, "e": NOTIFY_EVICTED, "t": NOTIFY_STREAM, "m": NOTIFY_KEY_MISS,
    "d": NOTIFY_MODULE, "n": NOTIFY_NEW, "A": NOTIFY_ALL,
}


def keyspace_events_mask(str classes):
    """The Server mask for a notify-keyspace-events value (its class
    characters): 0 when neither K nor E is set, since nothing is published
    then."""
    cdef int flags = 0
    for ch in classes:
        flags |= _CLASS_BITS[ch]
    if not flags & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT):
        return 0
    return flags


def py_publish(Server srv, bytes channel, bytes message, bint sharded=False):
    """PUBLISH from Python (tests, embedding): the number of receivers."""
    return pubsub_publish(srv, channel, len(channel), message, len(message), sharded)


def py_notify(Server srv, int type_class, bytes event, bytes key, int dbid):
    """notify_keyspace_event from Python code (commands written in Python)."""
    notify_keyspace_event(srv, type_class, event, key, len(key), dbid)


def stats(Server srv):
    """(channels, patterns, shard channels) with subscribers (INFO)."""
    return (dict_size(srv.pubsub_channels), dict_size(srv.pubsub_patterns),
            dict_size(srv.pubsubshard_channels))


# ---- commands ----------------------------------------------------------------------

cdef int subscribe_command(Client c) except -1:
    cdef int j
    if c.flags & CLIENT_DENY_BLOCKING and not c.flags & CLIENT_IN_EXEC:
        # a caller expecting one reply per command (a script); EXEC is the
        # exception Redis keeps for backward compatibility
        add_error(c, b"ERR SUBSCRIBE isn't allowed for a DENY BLOCKING client")
        return 0
    for j in range(1, c.argc):
        _subscribe_channel(c, c.arg(j), False)
    c.flags |= CLIENT_PUBSUB
    return 0


cdef int unsubscribe_command(Client c) except -1:
    cdef int j
    if c.argc == 1:
        _unsubscribe_all_channels(c, False, True)
    else:
        for j in range(1, c.argc):
            _unsubscribe_channel(c, c.arg(j), False, True)
    _update_pubsub_flag(c)
    return 0


cdef int psubscribe_command(Client c) except -1:
    cdef int j
    if c.flags & CLIENT_DENY_BLOCKING and not c.flags & CLIENT_IN_EXEC:
        add_error(c, b"ERR PSUBSCRIBE isn't allowed for a DENY BLOCKING client")
        return 0
    for j in range(1, c.argc):
        _subscribe_pattern(c, c.arg(j))
    c.flags |= CLIENT_PUBSUB
    return 0


cdef int punsubscribe_command(Client c) except -1:
    cdef int j
    if c.argc == 1:
        _unsubscribe_all_patterns(c, True)
    else:
        for j in range(1, c.argc):
            _unsubscribe_pattern(c, c.arg(j), True)
    _update_pubsub_flag(c)
    return 0


cdef int ssubscribe_command(Client c) except -1:
    cdef int j
    if c.flags & CLIENT_DENY_BLOCKING:
        # no EXEC exception for the sharded flavour
        add_error(c, b"ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
        return 0
    for j in range(1, c.argc):
        _subscribe_channel(c, c.arg(j), True)
    c.flags |= CLIENT_PUBSUB
    return 0


cdef int sunsubscribe_command(Client c) except -1:
    cdef int j
    if c.argc == 1:
        _unsubscribe_all_channels(c, True, True)
    else:
        for j in range(1, c.argc):
            _unsubscribe_channel(c, c.arg(j), True, True)
    _update_pubsub_flag(c)
    return 0


cdef int publish_command(Client c) except -1:
    add_int(c, pubsub_publish(c.srv, c.argv[1], c.argvlen[1], c.argv[2], c.argvlen[2], False))
    return 0


cdef int spublish_command(Client c) except -1:
    add_int(c, pubsub_publish(c.srv, c.argv[1], c.argvlen[1], c.argv[2], c.argvlen[2], True))
    return 0


# -- PUBSUB introspection -------------------------------------------------------------

PUBSUB_HELP = [
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
]


cdef void _channel_list(Client c, dict_t* d) noexcept:
    """The names in ``d`` matching the optional pattern argv[2]."""
    cdef bint use_pattern = c.argc == 3
    cdef size_t at = add_deferred_len(c)
    cdef long long n = 0
    cdef dict_iter it
    cdef pe_entry* e
    dict_iter_init(&it, d)
    while True:
        e = dict_iter_next(&it)
        if e == NULL:
            break
        if use_pattern and not stringmatch(c.argv[2], c.argvlen[2], e.key, e.klen, False):
            continue
        add_bulk(c, e.key, e.klen)
        n += 1
    dict_iter_release(&it)
    set_deferred_array(c, at, n)


cdef void _numsub(Client c, dict_t* d) noexcept:
    cdef int j
    cdef sublist* sl
    add_array(c, (c.argc - 2) * 2)
    for j in range(2, c.argc):
        sl = _sublist_find(d, c.argv[j], c.argvlen[j])
        add_bulk(c, c.argv[j], c.argvlen[j])
        add_int(c, 0 if sl == NULL else <long long>sl.len)


cdef int _syntax_error(Client c) except -1:
    from pyengine.t_server import reply_subcommand_syntax_error
    reply_subcommand_syntax_error(c)
    return 0


cdef int pubsub_channels_command(Client c) except -1:
    if c.argc > 3:
        return _syntax_error(c)
    _channel_list(c, c.srv.pubsub_channels)
    return 0


cdef int pubsub_shardchannels_command(Client c) except -1:
    if c.argc > 3:
        return _syntax_error(c)
    _channel_list(c, c.srv.pubsubshard_channels)
    return 0


cdef int pubsub_numsub_command(Client c) except -1:
    _numsub(c, c.srv.pubsub_channels)
    return 0


cdef int pubsub_shardnumsub_command(Client c) except -1:
    _numsub(c, c.srv.pubsubshard_channels)
    return 0


cdef int pubsub_numpat_command(Client c) except -1:
    add_int(c, <long long>dict_size(c.srv.pubsub_patterns))
    return 0


cdef int pubsub_help_command(Client c) except -1:
    from pyengine.t_server import reply_help
    reply_help(c, PUBSUB_HELP)
    return 0


PROCS = {
    "subscribe_command": proc_capsule(subscribe_command),
    "unsubscribe_command": proc_capsule(unsubscribe_command),
    "psubscribe_command": proc_capsule(psubscribe_command),
    "punsubscribe_command": proc_capsule(punsubscribe_command),
    "ssubscribe_command": proc_capsule(ssubscribe_command),
    "sunsubscribe_command": proc_capsule(sunsubscribe_command),
    "publish_command": proc_capsule(publish_command),
    "spublish_command": proc_capsule(spublish_command),
    "pubsub_channels_command": proc_capsule(pubsub_channels_command),
    "pubsub_shardchannels_command": proc_capsule(pubsub_shardchannels_command),
    "pubsub_numsub_command": proc_capsule(pubsub_numsub_command),
    "pubsub_shardnumsub_command": proc_capsule(pubsub_shardnumsub_command),
    "pubsub_numpat_command": proc_capsule(pubsub_numpat_command),
    "pubsub_help_command": proc_capsule(pubsub_help_command),
}
