"""Stream commands (Redis 7.0's t_stream.c): XADD XLEN XRANGE XREVRANGE
XDEL XTRIM XREAD XREADGROUP XGROUP XACK XPENDING XCLAIM XAUTOCLAIM XINFO
XSETID, on the structure of engine/stream.

Every stream value is a ``robj`` of type stream whose pointer is a
``stream_t`` (OBJECT ENCODING ``stream``). Replies are written straight
from the node listpacks (``_reply_range``): XADD, XRANGE, XREAD,
XREADGROUP and XACK create no Python object per entry. Python runs on error
paths that format a message, in XINFO's and XGROUP's help texts and in the
DEBUG helpers at the end.

Who is told what, as in Redis 7.0 (it decides WATCH and blocked clients):

* XADD changes the key for WATCH and wakes clients blocked on it
  (signal_modified_key does both);
* XDEL and XTRIM only touch WATCH (Redis does not wake readers for them);
* XGROUP DESTROY only wakes (so blocked XREADGROUP readers get NOGROUP);
  the other XGROUP subcommands, XSETID, XACK, XCLAIM, XAUTOCLAIM and
  XREADGROUP change group state without telling WATCH, as in Redis.

Keyspace notifications (stream class ``t``): xadd, xtrim (XTRIM, and XADD
when its MAXLEN/MINID removed entries), xdel, xsetid, and xgroup-create,
-setid, -destroy, -createconsumer, -delconsumer; a consumer created on the
way by XREADGROUP, XCLAIM or XAUTOCLAIM emits xgroup-createconsumer too
(``_consumer_for``). A stream left empty stays, so there is no del.

Blocking reads use pyengine.blocked's re-run model: XREAD/XREADGROUP with
BLOCK and nothing to serve park the client with its argv, after replacing
each ``$`` with the stream's last ID at that moment (so the re-run does not
resolve ``$`` again). When a key is signalled, the parked command runs again
with ``c.reprocessing`` set and serves *that key only* (``c.ready_key``),
like Redis's serveClientsBlockedOnStreamKey:
XREAD when the stream's last ID passed the one it waits for, XREADGROUP
when it passed the group's last delivered ID (the group is looked up again:
another reader may have been served first); a deleted stream or group ends
an XREADGROUP wait with Redis's UNBLOCKED / NOGROUP error. A served blocked
read without COUNT returns at most 1000 entries, as in Redis.
"""

from libc.string cimport memcpy, memcmp, memchr
from libc.stdlib cimport malloc, free
from libc.stdint cimport uint64_t, UINT64_MAX
from libc.limits cimport LONG_MAX
from cpython.bytes cimport PyBytes_FromStringAndSize

from engine._mem cimport mem_alloc, mem_free
from engine.dict cimport pe_entry, dict_find
from engine.object cimport (robj, obj_register_type, PE_OBJ_HEADER, OBJ_STREAM, ENC_STREAM)
from engine.rax cimport (rax_t, rax_iter, rax_iter_start, rax_seek, rax_next, rax_iter_stop,
                         rax_find, rax_insert, rax_try_insert, rax_remove, rax_size,
                         RAX_SEEK_FIRST, RAX_SEEK_LAST, RAX_SEEK_GE, uchar)
from engine.stream cimport (streamid, stream_t, stream_cg, stream_consumer, stream_nack,
                            stream_iter, streamid_cmp, streamid_is_zero, streamid_incr,
                            streamid_decr, streamid_encode, streamid_decode, streamid_format,
                            streamid_parse, stream_new, stream_free, stream_dup,
                            stream_mem_usage, stream_append, stream_trim, stream_delete_item,
                            stream_entry_exists, stream_last_valid_id, stream_get_edge_id,
                            stream_cg_lag, stream_iter_start, stream_iter_get_id,
                            stream_iter_get_field, stream_iter_stop, stream_create_cg,
                            stream_lookup_cg, stream_destroy_cg, stream_lookup_consumer,
                            stream_create_consumer, stream_del_consumer, stream_create_nack,
                            stream_free_nack, stream_range_has_tombstones,
                            stream_estimate_distance, STREAM_ID_LEN, STREAM_ID_STR_MAX, STREAM_ADD_OK,
                            STREAM_ADD_ID_TOO_SMALL, TRIM_NONE, TRIM_MAXLEN, TRIM_MINID,
                            SCG_INVALID_ENTRIES_READ)
from engine.listpack cimport lp_bytes
from engine.util cimport string2ll, ull2string, ll2string
from engine.resp cimport rbuf_insert
from pyengine.core cimport (Client, Server, add_bulk, add_int, add_ok, add_null,
                            add_null_array, add_array, add_map, add_error, add_error_len,
                            add_syntax_error, add_simple, arg_is, get_ll_or_reply,
                            get_range_or_reply, check_type, add_deferred_len,
                            set_deferred_array, set_deferred_map, proc_capsule, mstime,
                            CLIENT_DENY_BLOCKING, CLIENT_PREVENT_PROP, CLIENT_OBEY,
                            CLIENT_SCRIPT)
from pyengine.db cimport (lookup_read, lookup_write, lookup_key, db_add, signal_modified_key,
                          signal_key_as_ready, LOOKUP_NOSTATS, LOOKUP_NONOTIFY)
from pyengine.blocked cimport block_for_keys
from pyengine.pubsub cimport notify_keyspace_event, NOTIFY_STREAM
from pyengine.msgs cimport MSG_NOT_INTEGER, MSG_NO_SUCH_KEY

cdef enum:
    STATIC_IDS = 8                      # IDs parsed on the stack before allocating
    XREAD_BLOCKED_DEFAULT_COUNT = 1000
    # _reply_range flags
    RWR_NOACK = 1                       # do not create PEL entries
    RWR_RAWENTRIES = 2                  # no array header: just the entries
    RWR_HISTORY = 4                     # serve the consumer's own PEL

# Error texts only this module sends.
cdef const char* MSG_INVALID_ID = b"ERR Invalid stream ID specified as stream command argument"
cdef const char* MSG_BAD_START = b"ERR invalid start ID for the interval"
cdef const char* MSG_BAD_END = b"ERR invalid end ID for the interval"
cdef const char* MSG_MAXLEN_NEG = b"ERR The MAXLEN argument must be >= 0."
cdef const char* MSG_LIMIT_NEG = b"ERR The LIMIT argument must be >= 0."
cdef const char* MSG_MAXLEN_MINID = (b"ERR syntax error, MAXLEN and MINID options at the same "
                                     b"time are not compatible")
cdef const char* MSG_LIMIT_NO_STRATEGY = (b"ERR syntax error, LIMIT cannot be used without "
                                          b"specifying a trimming strategy")
cdef const char* MSG_XTRIM_NO_STRATEGY = (b"ERR syntax error, XTRIM must be called with a "
                                          b"trimming strategy")
cdef const char* MSG_LIMIT_NO_TILDE = (b"ERR syntax error, LIMIT cannot be used without the "
                                       b"special ~ option")
cdef const char* MSG_XADD_ZERO = b"ERR The ID specified in XADD must be greater than 0-0"
cdef const char* MSG_EXHAUSTED = (b"ERR The stream has exhausted the last possible ID, unable "
                                  b"to add more items")
cdef const char* MSG_XADD_SMALL = (b"ERR The ID specified in XADD is equal or smaller than the "
                                   b"target stream top item")
cdef const char* MSG_TOO_LARGE = b"ERR Elements are too large to be stored"
cdef const char* MSG_TIMEOUT_NOT_INT = b"ERR timeout is not an integer or out of range"
cdef const char* MSG_TIMEOUT_NEG = b"ERR timeout is negative"
cdef const char* MSG_UNBALANCED = (b"ERR Unbalanced XREAD list of streams: for each stream key an "
                                   b"ID or '$' must be specified.")
cdef const char* MSG_GROUP_XREAD = (b"ERR The GROUP option is only supported by XREADGROUP. You "
                                    b"called XREAD instead.")
cdef const char* MSG_NOACK_XREAD = (b"ERR The NOACK option is only supported by XREADGROUP. You "
                                    b"called XREAD instead.")
cdef const char* MSG_MISSING_GROUP = b"ERR Missing GROUP option for XREADGROUP"
cdef const char* MSG_DOLLAR_GROUP = (b"ERR The $ ID is meaningless in the context of XREADGROUP: "
                                     b"you want to read the history of this consumer by "
                                     b"specifying a proper ID, or use the > ID to get new "
                                     b"messages. The $ ID would just return an empty result set.")
cdef const char* MSG_GT_XREAD = (b"ERR The > ID can be specified only when calling XREADGROUP "
                                 b"using the GROUP <group> <consumer> option.")
cdef const char* MSG_UNBLOCKED_DELETED = b"UNBLOCKED the stream key no longer exists"
cdef const char* MSG_NOGROUP_BLOCKED = (b"NOGROUP the consumer group this client was blocked on "
                                        b"no longer exists")
cdef const char* MSG_ENTRIESREAD = b"ERR value for ENTRIESREAD must be positive or -1"
cdef const char* MSG_XGROUP_NOKEY = (b"ERR The XGROUP subcommand requires the key to exist. Note "
                                     b"that for CREATE you may want to use the MKSTREAM option to "
                                     b"create an empty stream automatically.")
cdef const char* MSG_BUSYGROUP = b"BUSYGROUP Consumer Group name already exists"
cdef const char* MSG_ENTRIES_ADDED_NEG = b"ERR entries_added must be positive"
cdef const char* MSG_XSETID_MAXDEL = (b"ERR The ID specified in XSETID is smaller than the "
                                      b"provided max_deleted_entry_id")
cdef const char* MSG_XSETID_SMALL = (b"ERR The ID specified in XSETID is smaller than the target "
                                     b"stream top item")
cdef const char* MSG_XSETID_ADDED = (b"ERR The entries_added specified in XSETID is smaller than "
                                     b"the target stream length")
cdef const char* MSG_XCLAIM_MINIDLE = b"ERR Invalid min-idle-time argument for XCLAIM"
cdef const char* MSG_XCLAIM_IDLE = b"ERR Invalid IDLE option argument for XCLAIM"
cdef const char* MSG_XCLAIM_TIME = b"ERR Invalid TIME option argument for XCLAIM"
cdef const char* MSG_XCLAIM_RETRY = b"ERR Invalid RETRYCOUNT option argument for XCLAIM"
cdef const char* MSG_XAUTOCLAIM_MINIDLE = b"ERR Invalid min-idle-time argument for XAUTOCLAIM"
cdef const char* MSG_XAUTOCLAIM_COUNT = b"ERR COUNT must be > 0"
cdef const char* MSG_XAUTOCLAIM_NOMEM = (b"ERR Insufficient memory, failed allocating transient "
                                         b"memory, COUNT too high.")


# ---- stream objects -----------------------------------------------------------------------

cdef inline stream_t* _st(robj* o) noexcept nogil:
    return <stream_t*>o.u.ptr


cdef robj* stream_object(stream_t* s) noexcept nogil:
    """A stream value owning ``s`` (16 bytes: header + pointer)."""
    cdef robj* o = <robj*>mem_alloc(PE_OBJ_HEADER + sizeof(void*))
    o.type = OBJ_STREAM
    o.encoding = ENC_STREAM
    o.flags = 0
    o.pad = 0
    o.lru = 0
    o.u.ptr = <void*>s
    return o


cdef void _stream_free(robj* o) noexcept nogil:
    stream_free(_st(o))


cdef size_t _stream_usage(robj* o) noexcept nogil:
    return stream_mem_usage(_st(o))


cdef robj* _stream_dup(robj* o) noexcept nogil:
    return stream_object(stream_dup(_st(o)))


obj_register_type(OBJ_STREAM, _stream_free, _stream_usage, _stream_dup)


# ---- helpers -------------------------------------------------------------------------------

cdef inline void _add_id(Client c, const streamid* id) noexcept:
    cdef char buf[STREAM_ID_STR_MAX]
    cdef int n = streamid_format(buf, id)
    add_bulk(c, buf, n)


cdef inline bint _arg_eq(Client c, int i, const char* s, size_t n) noexcept:
    """argv[i] is exactly the bytes s[:n] (case matters: "$", ">", "*")."""
    return c.argvlen[i] == n and memcmp(c.argv[i], s, n) == 0


cdef bytes _cstr(Client c, int i):
    """argv[i] as a C string sees it: up to the first NUL."""
    cdef const char* nul = <const char*>memchr(c.argv[i], 0, c.argvlen[i])
    cdef size_t n = c.argvlen[i] if nul == NULL else <size_t>(nul - c.argv[i])
    return c.argv[i][:n]


cdef void _error_fmt(Client c, bytes msg) noexcept:
    """addReplyErrorFormat: CR and LF inside become spaces."""
    msg = msg.strip(b"\r\n").replace(b"\r", b" ").replace(b"\n", b" ")
    add_error_len(c, msg, len(msg))


cdef void _subcommand_syntax_error(Client c) noexcept:
    """addReplySubcommandSyntaxError."""
    cdef bytes sub = _cstr(c, 1)[:128]
    _error_fmt(c, b"ERR unknown subcommand or wrong number of arguments for '" + sub +
               b"'. Try " + _cstr(c, 0).upper() + b" HELP.")


cdef void _arity_error(Client c) noexcept:
    cdef bytes msg = b"ERR wrong number of arguments for '" + c.cmd.fullname.encode() + b"' command"
    add_error_len(c, msg, len(msg))


cdef bint _parse_id_or_reply(Client c, int i, streamid* id, uint64_t missing_seq, bint strict,
                             int* seq_given) noexcept:
    if streamid_parse(c.argv[i], c.argvlen[i], id, missing_seq, strict, seq_given):
        return True
    add_error(c, MSG_INVALID_ID)
    return False


cdef bint _parse_interval_or_reply(Client c, int i, streamid* id, bint* exclude,
                                   uint64_t missing_seq) noexcept:
    """A range bound: "(" + strict ID (exclusive), else an ID, "-" or "+"."""
    exclude[0] = c.argvlen[i] > 1 and c.argv[i][0] == c'('
    if exclude[0]:
        if streamid_parse(c.argv[i] + 1, c.argvlen[i] - 1, id, missing_seq, True, NULL):
            return True
        add_error(c, MSG_INVALID_ID)
        return False
    return _parse_id_or_reply(c, i, id, missing_seq, False, NULL)


cdef inline void _touch_watchers(Client c, int i) noexcept:
    """signalModifiedKey without waking blocked readers (XDEL, XTRIM)."""
    if c.srv.watched_count == 0:
        return
    try:
        from pyengine.multi import touch_watched_key
        touch_watched_key(c.srv, c.db.id, PyBytes_FromStringAndSize(c.argv[i], c.argvlen[i]))
    except BaseException:
        pass


# ---- emitting entries -------------------------------------------------------------------------

# ---- propagation: what a stream command logs instead of itself ----------------------------------
#
# XREADGROUP, XCLAIM and XAUTOCLAIM are never logged as such (their result
# depends on time and on who asked first): each entry they hand to a
# consumer is logged as an idempotent XCLAIM ... FORCE JUSTID LASTID, a
# group moved by NOACK reads as XGROUP SETID, a consumer created by a NOACK
# read as XGROUP CREATECONSUMER (Redis's streamPropagate* functions).

cdef bytes _id_bytes(const streamid* id):
    cdef char buf[STREAM_ID_STR_MAX]
    cdef int n = streamid_format(buf, id)
    return buf[:n]


cdef void _prop_xclaim(Client c, object key, object gname, stream_cg* group, object idarg,
                       stream_nack* nack) except *:
    c.srv.also_propagate.append((c.db.id, [
        b"XCLAIM", key, gname, nack.consumer.name[:nack.consumer.namelen], b"0", idarg,
        b"TIME", nack.delivery_time, b"RETRYCOUNT", nack.delivery_count, b"FORCE", b"JUSTID",
        b"LASTID", _id_bytes(&group.last_id)]))


cdef void _prop_group_id(Client c, object key, object gname, stream_cg* group) except *:
    c.srv.also_propagate.append((c.db.id, [
        b"XGROUP", b"SETID", key, gname, _id_bytes(&group.last_id), b"ENTRIESREAD",
        group.entries_read]))


cdef void _prop_consumer_creation(Client c, object key, object gname, stream_consumer* consumer) except *:
    c.srv.also_propagate.append((c.db.id, [
        b"XGROUP", b"CREATECONSUMER", key, gname, consumer.name[:consumer.namelen]]))


cdef size_t _reply_range(Client c, stream_t* s, streamid* start, streamid* end, size_t count,
                         bint rev, stream_cg* group, stream_consumer* consumer, int flags,
                         long long now, object pkey=None, object pgroup=None) except? 0:
    """Reply the entries in [start, end] (at most ``count``, 0: all), as an
    array unless RWR_RAWENTRIES (streamReplyWithRange). With a group: its
    last delivered ID and read counter advance, and unless RWR_NOACK every
    entry enters the PELs of the group and ``consumer`` (an entry pending
    for another consumer moves to this one). Returns the entries sent."""
    cdef stream_iter si
    cdef streamid id
    cdef long long numfields
    cdef size_t arraylen = 0, at = 0, flen, vlen
    cdef const char* f
    cdef const char* v
    cdef uchar buf[STREAM_ID_LEN]
    cdef stream_nack* nack
    cdef void* found
    cdef bint group_inserted
    cdef bint noack = (flags & RWR_NOACK) != 0
    cdef bint propagate_last_id = False
    if group != NULL and (flags & RWR_HISTORY):
        return _reply_range_from_pel(c, s, start, end, count, consumer, now)
    if not (flags & RWR_RAWENTRIES):
        at = add_deferred_len(c)
    stream_iter_start(&si, s, start, end, rev)
    while stream_iter_get_id(&si, &id, &numfields):
        if group != NULL and streamid_cmp(&id, &group.last_id) > 0:
            if (group.entries_read != SCG_INVALID_ENTRIES_READ and
                    not _range_has_tombstones_after(s, &id)):
                group.entries_read += 1
            elif s.entries_added:
                group.entries_read = _estimate(s, &id)
            group.last_id = id
            propagate_last_id = noack       # else each entry's XCLAIM carries LASTID
        add_array(c, 2)
        _add_id(c, &id)
        add_array(c, numfields * 2)
        while numfields > 0:
            stream_iter_get_field(&si, &f, &flen, &v, &vlen)
            add_bulk(c, f, flen)
            add_bulk(c, v, vlen)
            numfields -= 1
        if group != NULL and not noack:
            streamid_encode(buf, &id)
            nack = stream_create_nack(consumer, now)
            group_inserted = rax_try_insert(group.pel, buf, STREAM_ID_LEN, nack, NULL) == 1
            rax_try_insert(consumer.pel, buf, STREAM_ID_LEN, nack, NULL)
            if not group_inserted:
                # Already pending (XGROUP SETID moved the group back): the
                # entry now belongs to this consumer, delivered once, now.
                stream_free_nack(nack)
                rax_find(group.pel, buf, STREAM_ID_LEN, &found)
                nack = <stream_nack*>found
                rax_remove(nack.consumer.pel, buf, STREAM_ID_LEN, NULL)
                nack.consumer = consumer
                nack.delivery_time = now
                nack.delivery_count = 1
                rax_insert(consumer.pel, buf, STREAM_ID_LEN, nack, NULL)
            if pkey is not None:
                _prop_xclaim(c, pkey, pgroup, group, _id_bytes(&id), nack)
        arraylen += 1
        if count and count == arraylen:
            break
    stream_iter_stop(&si)
    if pkey is not None and propagate_last_id:
        _prop_group_id(c, pkey, pgroup, group)
    if not (flags & RWR_RAWENTRIES):
        set_deferred_array(c, at, arraylen)
    return arraylen


cdef inline bint _range_has_tombstones_after(stream_t* s, streamid* id) noexcept nogil:
    return stream_range_has_tombstones(s, id, NULL)


cdef inline long long _estimate(stream_t* s, streamid* id) noexcept nogil:
    return stream_estimate_distance(s, id)


cdef size_t _reply_range_from_pel(Client c, stream_t* s, streamid* start, streamid* end,
                                  size_t count, stream_consumer* consumer, long long now) noexcept:
    """XREADGROUP with an ID other than ">": the consumer's own pending
    entries from ``start``; an entry deleted meanwhile is sent as [id, nil].
    Each entry sent counts as delivered again."""
    cdef rax_iter ri
    cdef uchar startkey[STREAM_ID_LEN]
    cdef uchar endkey[STREAM_ID_LEN]
    cdef size_t arraylen = 0
    cdef size_t at = add_deferred_len(c)
    cdef streamid thisid
    cdef stream_nack* nack
    streamid_encode(startkey, start)
    if end != NULL:
        streamid_encode(endkey, end)
    rax_iter_start(&ri, consumer.pel)
    rax_seek(&ri, RAX_SEEK_GE, startkey, STREAM_ID_LEN)
    while rax_next(&ri) and (not count or arraylen < count):
        if end != NULL and memcmp(ri.key, endkey, ri.key_len) > 0:
            break
        streamid_decode(ri.key, &thisid)
        if _reply_range(c, s, &thisid, &thisid, 1, False, NULL, NULL, RWR_RAWENTRIES, now) == 0:
            add_array(c, 2)
            _add_id(c, &thisid)
            add_null_array(c)
        else:
            nack = <stream_nack*>ri.data
            nack.delivery_time = now
            nack.delivery_count += 1
        arraylen += 1
    rax_iter_stop(&ri)
    set_deferred_array(c, at, arraylen)
    return arraylen


# ---- XADD XTRIM ------------------------------------------------------------------------------

ctypedef struct trim_args:
    int strategy
    int strategy_arg_idx
    bint approx
    long long limit
    long long maxlen
    streamid minid
    streamid id             # XADD: the ID given
    bint id_given
    int seq_given
    bint no_mkstream


cdef int _parse_add_trim_args(Client c, trim_args* a, bint xadd) noexcept:
    """streamParseAddOrTrimArgsOrReply: options from argv[2]; returns the
    index of XADD's ID argument, or -1 after an error reply."""
    cdef int i = 2, moreargs
    cdef bint limit_given = False
    a.strategy = TRIM_NONE
    a.strategy_arg_idx = 0
    a.approx = False
    a.limit = 0
    a.maxlen = 0
    a.minid.ms = a.minid.seq = 0
    a.id.ms = a.id.seq = 0
    a.id_given = False
    a.seq_given = 1
    a.no_mkstream = False
    while i < c.argc:
        moreargs = c.argc - 1 - i
        if xadd and c.argv[i][0] == c'*' and (c.argvlen[i] == 1 or c.argv[i][1] == 0):
            break
        elif arg_is(c, i, b"maxlen") and moreargs:
            if a.strategy != TRIM_NONE:
                add_error(c, MSG_MAXLEN_MINID)
                return -1
            a.approx = False
            if moreargs >= 2 and _arg_eq(c, i + 1, b"~", 1):
                a.approx = True
                i += 1
            elif moreargs >= 2 and _arg_eq(c, i + 1, b"=", 1):
                i += 1
            if not get_ll_or_reply(c, i + 1, &a.maxlen, NULL):
                return -1
            if a.maxlen < 0:
                add_error(c, MSG_MAXLEN_NEG)
                return -1
            i += 1
            a.strategy = TRIM_MAXLEN
            a.strategy_arg_idx = i
        elif arg_is(c, i, b"minid") and moreargs:
            if a.strategy != TRIM_NONE:
                add_error(c, MSG_MAXLEN_MINID)
                return -1
            a.approx = False
            if moreargs >= 2 and _arg_eq(c, i + 1, b"~", 1):
                a.approx = True
                i += 1
            elif moreargs >= 2 and _arg_eq(c, i + 1, b"=", 1):
                i += 1
            if not _parse_id_or_reply(c, i + 1, &a.minid, 0, True, NULL):
                return -1
            i += 1
            a.strategy = TRIM_MINID
            a.strategy_arg_idx = i
        elif arg_is(c, i, b"limit") and moreargs:
            if not get_ll_or_reply(c, i + 1, &a.limit, NULL):
                return -1
            if a.limit < 0:
                add_error(c, MSG_LIMIT_NEG)
                return -1
            limit_given = True
            i += 1
        elif xadd and arg_is(c, i, b"nomkstream"):
            a.no_mkstream = True
        elif xadd:
            if not _parse_id_or_reply(c, i, &a.id, 0, True, &a.seq_given):
                return -1
            a.id_given = True
            break
        else:
            add_syntax_error(c)
            return -1
        i += 1
    if a.limit and a.strategy == TRIM_NONE:
        add_error(c, MSG_LIMIT_NO_STRATEGY)
        return -1
    if not xadd and a.strategy == TRIM_NONE:
        add_error(c, MSG_XTRIM_NO_STRATEGY)
        return -1
    if c.flags & CLIENT_OBEY:
        # loading the AOF: the threshold was logged exact, no LIMIT applies
        a.limit = 0
    elif limit_given:
        if not a.approx:
            add_error(c, MSG_LIMIT_NO_TILDE)
            return -1
    elif a.approx:
        a.limit = 100 * c.srv.stream_node_max_entries
        if a.limit <= 0:
            a.limit = 10000
        if a.limit > 1000000:
            a.limit = 1000000
    else:
        a.limit = 0
    return i


cdef inline long long _trim(Client c, stream_t* s, trim_args* a) noexcept:
    return stream_trim(s, a.strategy, a.maxlen, &a.minid, a.approx, a.limit)


cdef int xadd_command(Client c) except -1:
    """XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT n]] *|id field value ..."""
    cdef trim_args a
    cdef int idpos = _parse_add_trim_args(c, &a, True)
    cdef int field_pos
    cdef robj* o
    cdef stream_t* s
    cdef streamid id
    cdef int rc
    if idpos < 0:
        return 0
    field_pos = idpos + 1
    if c.argc - field_pos < 2 or (c.argc - field_pos) % 2 == 1:
        _arity_error(c)
        return 0
    if a.id_given and a.seq_given and a.id.ms == 0 and a.id.seq == 0:
        add_error(c, MSG_XADD_ZERO)
        return 0
    o = lookup_write(c, c.argv[1], c.argvlen[1])
    if check_type(c, o, OBJ_STREAM):
        return 0
    if o == NULL:
        if a.no_mkstream:
            add_null(c)
            return 0
        o = stream_object(stream_new())
        db_add(c.srv, c.db, c.argv[1], c.argvlen[1], o)
    s = _st(o)
    if s.last_id.ms == UINT64_MAX and s.last_id.seq == UINT64_MAX:
        add_error(c, MSG_EXHAUSTED)
        return 0
    rc = stream_append(s, c.argv + field_pos, c.argvlen + field_pos, (c.argc - field_pos) // 2,
                       &id, &a.id if a.id_given else NULL, a.seq_given, mstime(),
                       c.srv.stream_node_max_bytes, c.srv.stream_node_max_entries)
    if rc != STREAM_ADD_OK:
        add_error(c, MSG_XADD_SMALL if rc == STREAM_ADD_ID_TOO_SMALL else MSG_TOO_LARGE)
        return 0
    _add_id(c, &id)
    signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    notify_keyspace_event(c.srv, NOTIFY_STREAM, b"xadd", c.argv[1], c.argvlen[1], c.db.id)
    c.srv.dirty += 1
    if a.strategy != TRIM_NONE:
        if _trim(c, s, &a):
            notify_keyspace_event(c.srv, NOTIFY_STREAM, b"xtrim", c.argv[1], c.argvlen[1],
                                  c.db.id)
    if c.srv.propagating:
        # logged with the ID generated and, after ~ trimming, the exact
        # threshold it came to
        c.prop_argv = c.args()
        if a.strategy != TRIM_NONE and a.approx:
            _rewrite_trim_args(c, s, &a)
        if not a.id_given or not a.seq_given:
            c.prop_argv[idpos] = _id_bytes(&id)
    return 0


cdef void _rewrite_trim_args(Client c, stream_t* s, trim_args* a) except *:
    """MAXLEN|MINID ~ n -> = <what the stream now holds> (streamRewriteTrimArgument)."""
    cdef streamid first
    c.prop_argv[a.strategy_arg_idx - 1] = b"="
    if a.strategy == TRIM_MAXLEN:
        c.prop_argv[a.strategy_arg_idx] = <long long>s.length
    else:
        stream_get_edge_id(s, True, False, &first)
        c.prop_argv[a.strategy_arg_idx] = _id_bytes(&first)


cdef int xtrim_command(Client c) except -1:
    """XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]"""
    cdef trim_args a
    cdef robj* o
    cdef long long deleted
    if _parse_add_trim_args(c, &a, False) < 0:
        return 0
    o = lookup_write(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_STREAM):
        return 0
    deleted = _trim(c, _st(o), &a)
    if deleted:
        notify_keyspace_event(c.srv, NOTIFY_STREAM, b"xtrim", c.argv[1], c.argvlen[1], c.db.id)
        _touch_watchers(c, 1)
        c.srv.dirty += deleted
    add_int(c, deleted)
    if c.srv.propagating and a.approx:
        c.prop_argv = c.args()
        _rewrite_trim_args(c, _st(o), &a)
    return 0


# ---- XLEN XRANGE XREVRANGE XDEL -------------------------------------------------------------

cdef int xlen_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_STREAM):
        return 0
    add_int(c, <long long>_st(o).length)
    return 0


cdef int _xrange_generic(Client c, bint rev) noexcept:
    cdef streamid startid, endid
    cdef long long count = -1
    cdef int startarg = 3 if rev else 2
    cdef int endarg = 2 if rev else 3
    cdef bint startex, endex
    cdef int j
    cdef robj* o
    if not _parse_interval_or_reply(c, startarg, &startid, &startex, 0):
        return 0
    if startex and not streamid_incr(&startid):
        add_error(c, MSG_BAD_START)
        return 0
    if not _parse_interval_or_reply(c, endarg, &endid, &endex, UINT64_MAX):
        return 0
    if endex and not streamid_decr(&endid):
        add_error(c, MSG_BAD_END)
        return 0
    j = 4
    while j < c.argc:
        if arg_is(c, j, b"count") and c.argc - j - 1 >= 1:
            if not get_ll_or_reply(c, j + 1, &count, NULL):
                return 0
            if count < 0:
                count = 0
            j += 1
        else:
            add_syntax_error(c)
            return 0
        j += 1
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_array(c, 0)
        return 0
    if check_type(c, o, OBJ_STREAM):
        return 0
    if count == 0:
        add_null_array(c)
        return 0
    if count == -1:
        count = 0
    _reply_range(c, _st(o), &startid, &endid, <size_t>count, rev, NULL, NULL, 0, 0)
    return 0


cdef int xrange_command(Client c) except -1:
    return _xrange_generic(c, False)


cdef int xrevrange_command(Client c) except -1:
    return _xrange_generic(c, True)


cdef int xdel_command(Client c) except -1:
    """XDEL key id [id ...]: IDs are all checked before anything is deleted."""
    cdef robj* o = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef stream_t* s
    cdef streamid static_ids[STATIC_IDS]
    cdef streamid* ids = static_ids
    cdef int n = c.argc - 2, j
    cdef long long deleted = 0
    cdef bint first_entry = False
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_STREAM):
        return 0
    s = _st(o)
    if n > STATIC_IDS:
        ids = <streamid*>mem_alloc(sizeof(streamid) * n)
    try:
        for j in range(n):
            if not _parse_id_or_reply(c, j + 2, &ids[j], 0, True, NULL):
                return 0
        for j in range(n):
            if stream_delete_item(s, &ids[j]):
                if streamid_cmp(&ids[j], &s.first_id) == 0:
                    first_entry = True
                if streamid_cmp(&ids[j], &s.max_deleted_entry_id) > 0:
                    s.max_deleted_entry_id = ids[j]
                deleted += 1
        if deleted:
            if s.length == 0:
                s.first_id.ms = s.first_id.seq = 0
            elif first_entry:
                stream_get_edge_id(s, True, True, &s.first_id)
            _touch_watchers(c, 1)
            notify_keyspace_event(c.srv, NOTIFY_STREAM, b"xdel", c.argv[1], c.argvlen[1], c.db.id)
            c.srv.dirty += deleted
        add_int(c, deleted)
    finally:
        if ids != static_ids:
            mem_free(ids)
    return 0


# ---- XREAD XREADGROUP ------------------------------------------------------------------------

ctypedef struct xread_args:
    long long timeout           # -1: no BLOCK; 0: forever; else absolute unix ms
    long long count
    int streams_arg
    int streams_count
    int group_idx               # argv index of the group name, -1 without GROUP
    bint noack


cdef bint _get_timeout_ms_or_reply(Client c, int i, long long* out) noexcept:
    """BLOCK <milliseconds>: the absolute unix ms it ends (0: forever)."""
    cdef long long tval
    if not get_ll_or_reply(c, i, &tval, MSG_TIMEOUT_NOT_INT):
        return False
    if tval < 0:
        add_error(c, MSG_TIMEOUT_NEG)
        return False
    if tval > 0:
        tval += mstime()
    out[0] = tval
    return True


cdef bint _parse_xread_args(Client c, xread_args* a, bint xreadgroup) noexcept:
    cdef int i = 1, moreargs
    a.timeout = -1
    a.count = 0
    a.streams_arg = 0
    a.streams_count = 0
    a.group_idx = -1
    a.noack = False
    while i < c.argc:
        moreargs = c.argc - i - 1
        if arg_is(c, i, b"block") and moreargs:
            if c.flags & CLIENT_SCRIPT:
                _error_fmt(c, b"ERR " + _cstr(c, 0) +
                           b" command is not allowed with BLOCK option from scripts")
                return False
            i += 1
            if not _get_timeout_ms_or_reply(c, i, &a.timeout):
                return False
        elif arg_is(c, i, b"count") and moreargs:
            i += 1
            if not get_ll_or_reply(c, i, &a.count, NULL):
                return False
            if a.count < 0:
                a.count = 0
        elif arg_is(c, i, b"streams") and moreargs:
            a.streams_arg = i + 1
            a.streams_count = c.argc - a.streams_arg
            if a.streams_count % 2 != 0:
                add_error(c, MSG_UNBALANCED)
                return False
            a.streams_count //= 2
            break
        elif arg_is(c, i, b"group") and moreargs >= 2:
            if not xreadgroup:
                add_error(c, MSG_GROUP_XREAD)
                return False
            a.group_idx = i + 1
            i += 2
        elif arg_is(c, i, b"noack"):
            if not xreadgroup:
                add_error(c, MSG_NOACK_XREAD)
                return False
            a.noack = True
        else:
            add_syntax_error(c)
            return False
        i += 1
    if a.streams_arg == 0:
        add_syntax_error(c)
        return False
    if xreadgroup and a.group_idx < 0:
        add_error(c, MSG_MISSING_GROUP)
        return False
    return True


cdef stream_consumer* _consumer_for(Client c, stream_cg* cg, int name_idx, const char* key,
                                   size_t klen, long long now, bint* created=NULL) noexcept:
    """The consumer named argv[name_idx] in the group of stream ``key``,
    created if needed (dirty++, and the xgroup-createconsumer event as
    XREADGROUP, XCLAIM and XAUTOCLAIM emit it). ``created`` tells which."""
    cdef stream_consumer* consumer = stream_lookup_consumer(cg, c.argv[name_idx],
                                                            c.argvlen[name_idx], now)
    if created != NULL:
        created[0] = consumer == NULL
    if consumer == NULL:
        consumer = stream_create_consumer(cg, c.argv[name_idx], c.argvlen[name_idx], now)
        c.srv.dirty += 1
        notify_keyspace_event(c.srv, NOTIFY_STREAM, b"xgroup-createconsumer", key, klen, c.db.id)
    return consumer


cdef int _xread_generic(Client c, bint xreadgroup) except -1:
    cdef xread_args a
    cdef streamid static_ids[STATIC_IDS]
    cdef stream_cg* static_groups[STATIC_IDS]
    cdef streamid* ids = static_ids
    cdef stream_cg** groups = static_groups
    cdef int i, id_idx, keyi, flags
    cdef robj* o
    cdef stream_t* s
    cdef stream_cg* group
    cdef stream_consumer* consumer
    cdef streamid maxid, start
    cdef streamid* gt
    cdef bint serve, history
    cdef size_t arraylen = 0, at = 0
    cdef long long now = mstime()
    cdef char buf[STREAM_ID_STR_MAX]
    cdef int n
    cdef bint created = False
    if c.reprocessing:
        return _xread_serve_blocked(c, xreadgroup)
    if not _parse_xread_args(c, &a, xreadgroup):
        return 0
    if a.streams_count > STATIC_IDS:
        ids = <streamid*>mem_alloc(sizeof(streamid) * a.streams_count)
        groups = <stream_cg**>mem_alloc(sizeof(stream_cg*) * a.streams_count)
    try:
        for i in range(a.streams_arg + a.streams_count, c.argc):
            id_idx = i - a.streams_arg - a.streams_count
            keyi = i - a.streams_count
            o = lookup_read(c, c.argv[keyi], c.argvlen[keyi])
            if check_type(c, o, OBJ_STREAM):
                return 0
            groups[id_idx] = NULL
            if a.group_idx >= 0:
                group = NULL
                if o != NULL:
                    group = stream_lookup_cg(_st(o), c.argv[a.group_idx], c.argvlen[a.group_idx])
                if group == NULL:
                    _error_fmt(c, b"NOGROUP No such key '" + _cstr(c, keyi) +
                               b"' or consumer group '" + _cstr(c, a.group_idx) +
                               b"' in XREADGROUP with GROUP option")
                    return 0
                groups[id_idx] = group
            if _arg_eq(c, i, b"$", 1):
                if xreadgroup:
                    add_error(c, MSG_DOLLAR_GROUP)
                    return 0
                if o != NULL:
                    ids[id_idx] = _st(o).last_id
                else:
                    ids[id_idx].ms = ids[id_idx].seq = 0
                continue
            elif _arg_eq(c, i, b">", 1):
                if not xreadgroup:
                    add_error(c, MSG_GT_XREAD)
                    return 0
                ids[id_idx].ms = ids[id_idx].seq = UINT64_MAX
                continue
            if not _parse_id_or_reply(c, i, &ids[id_idx], 0, True, NULL):
                return 0

        # Serve what can be served now.
        for i in range(a.streams_count):
            keyi = a.streams_arg + i
            o = lookup_read(c, c.argv[keyi], c.argvlen[keyi])
            if o == NULL:
                continue
            s = _st(o)
            gt = &ids[i]
            serve = history = False
            if a.group_idx >= 0:
                if gt.ms != UINT64_MAX or gt.seq != UINT64_MAX:
                    serve = history = True
                elif s.length:
                    stream_last_valid_id(s, &maxid)
                    if streamid_cmp(&maxid, &groups[i].last_id) > 0:
                        serve = True
                        gt[0] = groups[i].last_id
            elif s.length:
                stream_last_valid_id(s, &maxid)
                if streamid_cmp(&maxid, gt) > 0:
                    serve = True
            if not serve:
                continue
            arraylen += 1
            if arraylen == 1:
                at = add_deferred_len(c)
            start = gt[0]
            streamid_incr(&start)
            if c.resp == 2:
                add_array(c, 2)
            add_bulk(c, c.argv[keyi], c.argvlen[keyi])
            consumer = NULL
            pkey = pgroup = None
            if a.group_idx >= 0:
                consumer = _consumer_for(c, groups[i], a.group_idx + 1, c.argv[keyi],
                                         c.argvlen[keyi], now, &created)
                if c.srv.propagating:
                    pkey, pgroup = c.arg(keyi), c.arg(a.group_idx)
                    if created and a.noack:
                        _prop_consumer_creation(c, pkey, pgroup, consumer)
            flags = (RWR_NOACK if a.noack else 0) | (RWR_HISTORY if history else 0)
            _reply_range(c, s, &start, NULL, <size_t>a.count, False,
                         groups[i] if a.group_idx >= 0 else NULL, consumer, flags, now,
                         pkey, pgroup)
            if a.group_idx >= 0:
                c.srv.dirty += 1
        if arraylen:
            if c.resp == 2:
                set_deferred_array(c, at, arraylen)
            else:
                set_deferred_map(c, at, arraylen)
            return 0

        if a.timeout != -1:
            if c.flags & CLIENT_DENY_BLOCKING:
                add_null_array(c)
                return 0
            block_for_keys(c, [PyBytes_FromStringAndSize(c.argv[a.streams_arg + i],
                                                         c.argvlen[a.streams_arg + i])
                               for i in range(a.streams_count)], a.timeout)
            # The re-run must wait for what "$" meant now, not when it runs.
            for i in range(a.streams_count):
                id_idx = a.streams_arg + a.streams_count + i
                if _arg_eq(c, id_idx, b"$", 1):
                    n = streamid_format(buf, &ids[i])
                    c.blocked_argv[id_idx] = buf[:n]
            return 0
        add_null_array(c)
    finally:
        if ids != static_ids:
            mem_free(ids)
            mem_free(groups)
    return 0


cdef inline int _keep_waiting(Client c) noexcept:
    c.still_blocked = True
    return 0


cdef int _xread_serve_blocked(Client c, bint xreadgroup) except -1:
    """The re-run of a blocked XREAD/XREADGROUP for the key being served
    (serveClientsBlockedOnStreamKey): reply, or leave the client waiting."""
    cdef xread_args a
    cdef bytes key = c.ready_key
    cdef int i, idx = -1
    cdef robj* o
    cdef stream_t* s
    cdef stream_cg* group = NULL
    cdef bint created = False
    cdef stream_consumer* consumer = NULL
    cdef streamid gt, start
    cdef long long now = mstime()
    if key is None or not _parse_xread_args(c, &a, xreadgroup):
        return _keep_waiting(c)
    for i in range(a.streams_count):
        if c.argvlen[a.streams_arg + i] == <size_t>len(key) and \
                memcmp(c.argv[a.streams_arg + i], <const char*>key, len(key)) == 0:
            idx = i
            break
    if idx < 0:
        return _keep_waiting(c)
    o = lookup_key(c.srv, c.db, key, len(key), LOOKUP_NOSTATS | LOOKUP_NONOTIFY)
    if o == NULL or o.type != OBJ_STREAM:
        if xreadgroup:
            add_error(c, MSG_UNBLOCKED_DELETED)
            return 0
        return _keep_waiting(c)
    s = _st(o)
    if xreadgroup:
        group = stream_lookup_cg(s, c.argv[a.group_idx], c.argvlen[a.group_idx])
        if group == NULL:
            add_error(c, MSG_NOGROUP_BLOCKED)
            return 0
        gt = group.last_id
    elif not streamid_parse(c.argv[a.streams_arg + a.streams_count + idx],
                            c.argvlen[a.streams_arg + a.streams_count + idx], &gt, 0, True, NULL):
        return _keep_waiting(c)
    if streamid_cmp(&s.last_id, &gt) <= 0:
        return _keep_waiting(c)
    start = gt
    streamid_incr(&start)
    pkey = pgroup = None
    if group != NULL:
        consumer = _consumer_for(c, group, a.group_idx + 1, <const char*>key, len(key), now,
                                 &created)
        if c.srv.propagating:
            pkey, pgroup = key, c.arg(a.group_idx)
            if created and a.noack:
                _prop_consumer_creation(c, pkey, pgroup, consumer)
    if c.resp == 2:
        add_array(c, 1)
        add_array(c, 2)
    else:
        add_map(c, 1)
    add_bulk(c, <const char*>key, len(key))
    _reply_range(c, s, &start, NULL,
                 <size_t>(a.count if a.count else XREAD_BLOCKED_DEFAULT_COUNT), False, group,
                 consumer, RWR_NOACK if a.noack else 0, now, pkey, pgroup)
    return 0


cdef int xread_command(Client c) except -1:
    """XREAD [COUNT n] [BLOCK ms] STREAMS key [key ...] id [id ...]"""
    return _xread_generic(c, False)


cdef int xreadgroup_command(Client c) except -1:
    """XREADGROUP GROUP g consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key ... id ..."""
    _xread_generic(c, True)
    if c.srv.propagating:
        c.flags |= CLIENT_PREVENT_PROP      # logged as its effects (XCLAIM ...)
    return 0


# ---- XGROUP -------------------------------------------------------------------------------------

_XGROUP_HELP = [
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
]

_XINFO_HELP = [
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
]


cdef void _reply_help(Client c, list lines) noexcept:
    """addReplyHelp: a header naming the command, the lines, then HELP."""
    cdef bytes head = _cstr(c, 0).upper() + b" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    cdef bytes line
    add_array(c, len(lines) + 3)
    add_simple(c, head, len(head))
    for s in lines:
        line = s.encode()
        add_simple(c, line, len(line))
    add_simple(c, b"HELP", 4)
    add_simple(c, b"    Prints this help.", 21)


cdef int xgroup_command(Client c) except -1:
    """XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER|HELP (one body
    for all subcommands, checks in Redis's order)."""
    cdef stream_t* s = NULL
    cdef stream_cg* cg = NULL
    cdef robj* o
    cdef bint mkstream = False
    cdef long long entries_read = SCG_INVALID_ENTRIES_READ
    cdef int i
    cdef bint create_sub = arg_is(c, 1, b"create")
    cdef bint setid_sub = arg_is(c, 1, b"setid")
    cdef streamid id
    cdef stream_consumer* consumer
    cdef long long pending
    if c.argc >= 4:
        i = 5
        while i < c.argc:
            if create_sub and arg_is(c, i, b"mkstream"):
                mkstream = True
                i += 1
            elif (create_sub or setid_sub) and arg_is(c, i, b"entriesread") and i + 1 < c.argc:
                if not get_ll_or_reply(c, i + 1, &entries_read, NULL):
                    return 0
                if entries_read < 0 and entries_read != SCG_INVALID_ENTRIES_READ:
                    add_error(c, MSG_ENTRIESREAD)
                    return 0
                i += 2
            else:
                _subcommand_syntax_error(c)
                return 0
        o = lookup_write(c, c.argv[2], c.argvlen[2])
        if o != NULL:
            if check_type(c, o, OBJ_STREAM):
                return 0
            s = _st(o)
    if c.argc >= 4 and not mkstream:
        if s == NULL:
            add_error(c, MSG_XGROUP_NOKEY)
            return 0
        cg = stream_lookup_cg(s, c.argv[3], c.argvlen[3])
        if cg == NULL and (setid_sub or arg_is(c, 1, b"createconsumer") or
                           arg_is(c, 1, b"delconsumer")):
            _error_fmt(c, b"NOGROUP No such consumer group '" + _cstr(c, 3) +
                       b"' for key name '" + _cstr(c, 2) + b"'")
            return 0

    if c.argc == 2 and arg_is(c, 1, b"help"):
        _reply_help(c, _XGROUP_HELP)
    elif create_sub and 5 <= c.argc <= 8:
        if _arg_eq(c, 4, b"$", 1):
            if s != NULL:
                id = s.last_id
            else:
                id.ms = id.seq = 0
        elif not _parse_id_or_reply(c, 4, &id, 0, True, NULL):
            return 0
        if s == NULL:
            o = stream_object(stream_new())
            db_add(c.srv, c.db, c.argv[2], c.argvlen[2], o)
            s = _st(o)
        if stream_create_cg(s, c.argv[3], c.argvlen[3], &id, entries_read) != NULL:
            add_ok(c)
            c.srv.dirty += 1
            notify_keyspace_event(c.srv, NOTIFY_STREAM, b"xgroup-create", c.argv[2],
                                  c.argvlen[2], c.db.id)
        else:
            add_error(c, MSG_BUSYGROUP)
    elif setid_sub and (c.argc == 5 or c.argc == 7):
        if _arg_eq(c, 4, b"$", 1):
            id = s.last_id
        elif not _parse_id_or_reply(c, 4, &id, 0, False, NULL):
            return 0
        cg.last_id = id
        cg.entries_read = entries_read
        add_ok(c)
        c.srv.dirty += 1
        notify_keyspace_event(c.srv, NOTIFY_STREAM, b"xgroup-setid", c.argv[2], c.argvlen[2],
                              c.db.id)
    elif arg_is(c, 1, b"destroy") and c.argc == 4:
        if cg != NULL:
            stream_destroy_cg(s, c.argv[3], c.argvlen[3])
            add_int(c, 1)
            c.srv.dirty += 1
            notify_keyspace_event(c.srv, NOTIFY_STREAM, b"xgroup-destroy", c.argv[2],
                                  c.argvlen[2], c.db.id)
            # blocked XREADGROUP readers of this group get NOGROUP
            signal_key_as_ready(c.srv, c.db, c.argv[2], c.argvlen[2])
        else:
            add_int(c, 0)
    elif arg_is(c, 1, b"createconsumer") and c.argc == 5:
        if stream_create_consumer(cg, c.argv[4], c.argvlen[4], mstime()) != NULL:
            c.srv.dirty += 1
            notify_keyspace_event(c.srv, NOTIFY_STREAM, b"xgroup-createconsumer", c.argv[2],
                                  c.argvlen[2], c.db.id)
            add_int(c, 1)
        else:
            add_int(c, 0)
    elif arg_is(c, 1, b"delconsumer") and c.argc == 5:
        pending = 0
        consumer = stream_lookup_consumer(cg, c.argv[4], c.argvlen[4], -1)
        if consumer != NULL:
            pending = <long long>rax_size(consumer.pel)
            stream_del_consumer(cg, consumer)
            c.srv.dirty += 1
            notify_keyspace_event(c.srv, NOTIFY_STREAM, b"xgroup-delconsumer", c.argv[2],
                                  c.argvlen[2], c.db.id)
        add_int(c, pending)
    else:
        _subcommand_syntax_error(c)
    return 0


# ---- XSETID -----------------------------------------------------------------------------------

cdef int xsetid_command(Client c) except -1:
    """XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]"""
    cdef streamid id, max_xdel_id, maxid
    cdef long long entries_added = -1
    cdef int i = 3, moreargs
    cdef robj* o
    cdef stream_t* s
    max_xdel_id.ms = max_xdel_id.seq = 0
    if not _parse_id_or_reply(c, 2, &id, 0, True, NULL):
        return 0
    while i < c.argc:
        moreargs = c.argc - 1 - i
        if arg_is(c, i, b"entriesadded") and moreargs:
            if not get_ll_or_reply(c, i + 1, &entries_added, NULL):
                return 0
            if entries_added < 0:
                add_error(c, MSG_ENTRIES_ADDED_NEG)
                return 0
            i += 2
        elif arg_is(c, i, b"maxdeletedid") and moreargs:
            if not _parse_id_or_reply(c, i + 1, &max_xdel_id, 0, True, NULL):
                return 0
            if streamid_cmp(&id, &max_xdel_id) < 0:
                add_error(c, MSG_XSETID_MAXDEL)
                return 0
            i += 2
        else:
            add_syntax_error(c)
            return 0
    o = lookup_write(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_error(c, MSG_NO_SUCH_KEY)
        return 0
    if check_type(c, o, OBJ_STREAM):
        return 0
    s = _st(o)
    if s.length > 0:
        stream_last_valid_id(s, &maxid)
        if streamid_cmp(&id, &maxid) < 0:
            add_error(c, MSG_XSETID_SMALL)
            return 0
        if entries_added != -1 and s.length > <uint64_t>entries_added:
            add_error(c, MSG_XSETID_ADDED)
            return 0
    s.last_id = id
    if entries_added != -1:
        s.entries_added = <uint64_t>entries_added
    if not streamid_is_zero(&max_xdel_id):
        s.max_deleted_entry_id = max_xdel_id
    add_ok(c)
    c.srv.dirty += 1
    notify_keyspace_event(c.srv, NOTIFY_STREAM, b"xsetid", c.argv[1], c.argvlen[1], c.db.id)
    return 0


# ---- XACK --------------------------------------------------------------------------------------

cdef int xack_command(Client c) except -1:
    """XACK key group id [id ...]: all IDs are checked before any is acked."""
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef stream_cg* group = NULL
    cdef streamid static_ids[STATIC_IDS]
    cdef streamid* ids = static_ids
    cdef int n = c.argc - 3, j
    cdef long long acknowledged = 0
    cdef uchar buf[STREAM_ID_LEN]
    cdef void* nack
    if o != NULL:
        if check_type(c, o, OBJ_STREAM):
            return 0
        group = stream_lookup_cg(_st(o), c.argv[2], c.argvlen[2])
    if o == NULL or group == NULL:
        add_int(c, 0)
        return 0
    if n > STATIC_IDS:
        ids = <streamid*>mem_alloc(sizeof(streamid) * n)
    try:
        for j in range(n):
            if not _parse_id_or_reply(c, j + 3, &ids[j], 0, True, NULL):
                return 0
        for j in range(n):
            streamid_encode(buf, &ids[j])
            if rax_remove(group.pel, buf, STREAM_ID_LEN, &nack):
                rax_remove((<stream_nack*>nack).consumer.pel, buf, STREAM_ID_LEN, NULL)
                stream_free_nack(<stream_nack*>nack)
                acknowledged += 1
                c.srv.dirty += 1
        add_int(c, acknowledged)
    finally:
        if ids != static_ids:
            mem_free(ids)
    return 0


# ---- XPENDING ------------------------------------------------------------------------------------

cdef int xpending_command(Client c) except -1:
    """XPENDING key group [[IDLE min-idle] start end count [consumer]]"""
    cdef bint justinfo = c.argc == 3
    cdef streamid startid, endid, sid
    cdef long long count = 0, minidle = 0, now, elapsed
    cdef bint startex, endex
    cdef int startidx = 3, consumer_idx = -1
    cdef robj* o
    cdef stream_cg* group = NULL
    cdef stream_consumer* consumer = NULL
    cdef rax_iter ri
    cdef rax_t* pel
    cdef uchar startkey[STREAM_ID_LEN]
    cdef uchar endkey[STREAM_ID_LEN]
    cdef size_t at, arraylen
    cdef stream_nack* nack
    if c.argc != 3 and (c.argc < 6 or c.argc > 9):
        add_syntax_error(c)
        return 0
    if c.argc >= 6:
        if arg_is(c, 3, b"idle"):
            if not get_ll_or_reply(c, 4, &minidle, NULL):
                return 0
            if c.argc < 8:
                add_syntax_error(c)
                return 0
            startidx += 2
        if not get_ll_or_reply(c, startidx + 2, &count, NULL):
            return 0
        if count < 0:
            count = 0
        if not _parse_interval_or_reply(c, startidx, &startid, &startex, 0):
            return 0
        if startex and not streamid_incr(&startid):
            add_error(c, MSG_BAD_START)
            return 0
        if not _parse_interval_or_reply(c, startidx + 1, &endid, &endex, UINT64_MAX):
            return 0
        if endex and not streamid_decr(&endid):
            add_error(c, MSG_BAD_END)
            return 0
        if startidx + 3 < c.argc:
            consumer_idx = startidx + 3
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if check_type(c, o, OBJ_STREAM):
        return 0
    if o != NULL:
        group = stream_lookup_cg(_st(o), c.argv[2], c.argvlen[2])
    if group == NULL:
        _error_fmt(c, b"NOGROUP No such key '" + _cstr(c, 1) + b"' or consumer group '" +
                   _cstr(c, 2) + b"'")
        return 0
    if justinfo:
        add_array(c, 4)
        add_int(c, <long long>rax_size(group.pel))
        if rax_size(group.pel) == 0:
            add_null(c)
            add_null(c)
            add_null_array(c)
            return 0
        rax_iter_start(&ri, group.pel)
        rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
        rax_next(&ri)
        streamid_decode(ri.key, &sid)
        _add_id(c, &sid)
        rax_seek(&ri, RAX_SEEK_LAST, NULL, 0)
        rax_next(&ri)
        streamid_decode(ri.key, &sid)
        _add_id(c, &sid)
        rax_iter_stop(&ri)
        at = add_deferred_len(c)
        arraylen = 0
        rax_iter_start(&ri, group.consumers)
        rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
        while rax_next(&ri):
            consumer = <stream_consumer*>ri.data
            if rax_size(consumer.pel) == 0:
                continue
            add_array(c, 2)
            add_bulk(c, <const char*>ri.key, ri.key_len)
            _add_bulk_ull(c, rax_size(consumer.pel))
            arraylen += 1
        rax_iter_stop(&ri)
        set_deferred_array(c, at, arraylen)
        return 0
    if consumer_idx >= 0:
        consumer = stream_lookup_consumer(group, c.argv[consumer_idx], c.argvlen[consumer_idx], -1)
        if consumer == NULL:
            add_array(c, 0)
            return 0
    pel = consumer.pel if consumer != NULL else group.pel
    now = mstime()
    streamid_encode(startkey, &startid)
    streamid_encode(endkey, &endid)
    rax_iter_start(&ri, pel)
    rax_seek(&ri, RAX_SEEK_GE, startkey, STREAM_ID_LEN)
    at = add_deferred_len(c)
    arraylen = 0
    while count and rax_next(&ri) and memcmp(ri.key, endkey, ri.key_len) <= 0:
        nack = <stream_nack*>ri.data
        if minidle and now - nack.delivery_time < minidle:
            continue
        arraylen += 1
        count -= 1
        add_array(c, 4)
        streamid_decode(ri.key, &sid)
        _add_id(c, &sid)
        add_bulk(c, nack.consumer.name, nack.consumer.namelen)
        elapsed = now - nack.delivery_time
        add_int(c, elapsed if elapsed > 0 else 0)
        add_int(c, <long long>nack.delivery_count)
    rax_iter_stop(&ri)
    set_deferred_array(c, at, arraylen)
    return 0


cdef inline void _add_bulk_ull(Client c, unsigned long long v) noexcept:
    cdef char buf[24]
    add_bulk(c, buf, ull2string(buf, v))


# ---- XCLAIM XAUTOCLAIM ------------------------------------------------------------------------------

cdef void _reply_one_entry(Client c, stream_t* s, streamid* id) noexcept:
    _reply_range(c, s, id, id, 1, False, NULL, NULL, RWR_RAWENTRIES, 0)


cdef int xclaim_command(Client c) except -1:
    """XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms]
    [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id]"""
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef stream_t* s
    cdef stream_cg* group = NULL
    cdef long long minidle, retrycount = -1, deliverytime = -1, now
    cdef bint force = False, justid = False, propagate_last_id = False
    cdef streamid static_ids[STATIC_IDS]
    cdef streamid* ids = static_ids
    cdef int n = c.argc - 5, j, last_id_arg, moreargs
    cdef streamid last_id, id
    cdef stream_consumer* consumer = NULL
    cdef size_t at, arraylen = 0
    cdef uchar buf[STREAM_ID_LEN]
    cdef void* found
    cdef stream_nack* nack
    if o != NULL:
        if check_type(c, o, OBJ_STREAM):
            return 0
        group = stream_lookup_cg(_st(o), c.argv[2], c.argvlen[2])
    if o == NULL or group == NULL:
        _error_fmt(c, b"NOGROUP No such key '" + _cstr(c, 1) + b"' or consumer group '" +
                   _cstr(c, 2) + b"'")
        return 0
    s = _st(o)
    if not get_ll_or_reply(c, 4, &minidle, MSG_XCLAIM_MINIDLE):
        return 0
    if minidle < 0:
        minidle = 0
    if n > STATIC_IDS:
        ids = <streamid*>mem_alloc(sizeof(streamid) * n)
    try:
        j = 5
        while j < c.argc:
            if not streamid_parse(c.argv[j], c.argvlen[j], &ids[j - 5], 0, True, NULL):
                break
            j += 1
        last_id_arg = j - 1
        now = mstime()
        last_id.ms = last_id.seq = 0
        while j < c.argc:
            moreargs = c.argc - 1 - j
            if arg_is(c, j, b"force"):
                force = True
            elif arg_is(c, j, b"justid"):
                justid = True
            elif arg_is(c, j, b"idle") and moreargs:
                j += 1
                if not get_ll_or_reply(c, j, &deliverytime, MSG_XCLAIM_IDLE):
                    return 0
                deliverytime = now - deliverytime
            elif arg_is(c, j, b"time") and moreargs:
                j += 1
                if not get_ll_or_reply(c, j, &deliverytime, MSG_XCLAIM_TIME):
                    return 0
            elif arg_is(c, j, b"retrycount") and moreargs:
                j += 1
                if not get_ll_or_reply(c, j, &retrycount, MSG_XCLAIM_RETRY):
                    return 0
            elif arg_is(c, j, b"lastid") and moreargs:
                j += 1
                if not _parse_id_or_reply(c, j, &last_id, 0, True, NULL):
                    return 0
            else:
                _error_fmt(c, b"ERR Unrecognized XCLAIM option '" + _cstr(c, j) + b"'")
                return 0
            j += 1
        if streamid_cmp(&last_id, &group.last_id) > 0:
            group.last_id = last_id
            propagate_last_id = True
        if deliverytime != -1:
            if deliverytime < 0 or deliverytime > now:
                deliverytime = now
        else:
            deliverytime = now

        at = add_deferred_len(c)
        for j in range(5, last_id_arg + 1):
            id = ids[j - 5]
            streamid_encode(buf, &id)
            nack = NULL
            if rax_find(group.pel, buf, STREAM_ID_LEN, &found):
                nack = <stream_nack*>found
            if not stream_entry_exists(s, &id):
                # Pending for an entry that is gone: forget it.
                if nack != NULL:
                    if c.srv.propagating:
                        _prop_xclaim(c, c.arg(1), c.arg(2), group, c.arg(j), nack)
                    propagate_last_id = False
                    c.srv.dirty += 1
                    rax_remove(group.pel, buf, STREAM_ID_LEN, NULL)
                    rax_remove(nack.consumer.pel, buf, STREAM_ID_LEN, NULL)
                    stream_free_nack(nack)
                continue
            if force and nack == NULL:
                nack = stream_create_nack(NULL, now)
                rax_insert(group.pel, buf, STREAM_ID_LEN, nack, NULL)
            if nack == NULL:
                continue
            if nack.consumer != NULL and minidle:
                if now - nack.delivery_time < minidle:
                    continue
            if consumer == NULL:
                consumer = _consumer_for(c, group, 3, c.argv[1], c.argvlen[1], now)
            if nack.consumer != consumer and nack.consumer != NULL:
                rax_remove(nack.consumer.pel, buf, STREAM_ID_LEN, NULL)
            nack.delivery_time = deliverytime
            if retrycount >= 0:
                nack.delivery_count = <uint64_t>retrycount
            elif not justid:
                nack.delivery_count += 1
            if nack.consumer != consumer:
                rax_insert(consumer.pel, buf, STREAM_ID_LEN, nack, NULL)
                nack.consumer = consumer
            if justid:
                _add_id(c, &id)
            else:
                _reply_one_entry(c, s, &id)
            arraylen += 1
            if c.srv.propagating:
                _prop_xclaim(c, c.arg(1), c.arg(2), group, c.arg(j), nack)
            propagate_last_id = False
            c.srv.dirty += 1
        if propagate_last_id:
            c.srv.dirty += 1
            if c.srv.propagating:
                _prop_group_id(c, c.arg(1), c.arg(2), group)
        set_deferred_array(c, at, arraylen)
        if c.srv.propagating:
            c.flags |= CLIENT_PREVENT_PROP
    finally:
        if ids != static_ids:
            mem_free(ids)
    return 0


cdef int xautoclaim_command(Client c) except -1:
    """XAUTOCLAIM key group consumer min-idle-time start [COUNT n] [JUSTID]"""
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef stream_t* s
    cdef stream_cg* group = NULL
    cdef long long minidle, count = 100, attempts, now
    cdef streamid startid, id, endid
    cdef bint startex, justid = False
    cdef int j = 6
    cdef streamid* deleted_ids
    cdef long long deleted_num = 0, k
    cdef stream_consumer* consumer = NULL
    cdef rax_iter ri
    cdef uchar startkey[STREAM_ID_LEN]
    cdef uchar curkey[STREAM_ID_LEN]
    cdef size_t endat, at, arraylen = 0
    cdef stream_nack* nack
    if not get_ll_or_reply(c, 4, &minidle, MSG_XAUTOCLAIM_MINIDLE):
        return 0
    if minidle < 0:
        minidle = 0
    if not _parse_interval_or_reply(c, 5, &startid, &startex, 0):
        return 0
    if startex and not streamid_incr(&startid):
        add_error(c, MSG_BAD_START)
        return 0
    while j < c.argc:
        if arg_is(c, j, b"count") and c.argc - 1 - j:
            if not get_range_or_reply(c, j + 1, 1, LONG_MAX // 16, &count, MSG_XAUTOCLAIM_COUNT):
                return 0
            j += 1
        elif arg_is(c, j, b"justid"):
            justid = True
        else:
            add_syntax_error(c)
            return 0
        j += 1
    if o != NULL:
        if check_type(c, o, OBJ_STREAM):
            return 0
        group = stream_lookup_cg(_st(o), c.argv[2], c.argvlen[2])
    if o == NULL or group == NULL:
        _error_fmt(c, b"NOGROUP No such key '" + _cstr(c, 1) + b"' or consumer group '" +
                   _cstr(c, 2) + b"'")
        return 0
    s = _st(o)
    # Like Redis, room for COUNT deleted IDs up front, or an error when that
    # much memory cannot be had (transient: plain malloc, not counted).
    deleted_ids = <streamid*>malloc(sizeof(streamid) * <size_t>count)
    if deleted_ids == NULL:
        add_error(c, MSG_XAUTOCLAIM_NOMEM)
        return 0
    attempts = count * 10
    add_array(c, 3)
    endat = add_deferred_len(c)
    at = add_deferred_len(c)
    streamid_encode(startkey, &startid)
    rax_iter_start(&ri, group.pel)
    rax_seek(&ri, RAX_SEEK_GE, startkey, STREAM_ID_LEN)
    now = mstime()
    while attempts > 0 and count and rax_next(&ri):
        attempts -= 1
        nack = <stream_nack*>ri.data
        streamid_decode(ri.key, &id)
        if not stream_entry_exists(s, &id):
            if c.srv.propagating:
                _prop_xclaim(c, c.arg(1), c.arg(2), group, _id_bytes(&id), nack)
            c.srv.dirty += 1
            memcpy(curkey, ri.key, STREAM_ID_LEN)
            rax_remove(group.pel, curkey, STREAM_ID_LEN, NULL)
            rax_remove(nack.consumer.pel, curkey, STREAM_ID_LEN, NULL)
            stream_free_nack(nack)
            deleted_ids[deleted_num] = id
            deleted_num += 1
            rax_seek(&ri, RAX_SEEK_GE, curkey, STREAM_ID_LEN)
            count -= 1
            continue
        if minidle and now - nack.delivery_time < minidle:
            continue
        if consumer == NULL:
            consumer = _consumer_for(c, group, 3, c.argv[1], c.argvlen[1], now)
        if nack.consumer != consumer and nack.consumer != NULL:
            rax_remove(nack.consumer.pel, ri.key, ri.key_len, NULL)
        nack.delivery_time = now
        if not justid:
            nack.delivery_count += 1
        if nack.consumer != consumer:
            rax_insert(consumer.pel, ri.key, ri.key_len, nack, NULL)
            nack.consumer = consumer
        if justid:
            _add_id(c, &id)
        else:
            _reply_one_entry(c, s, &id)
        arraylen += 1
        count -= 1
        if c.srv.propagating:
            _prop_xclaim(c, c.arg(1), c.arg(2), group, _id_bytes(&id), nack)
        c.srv.dirty += 1
    # The cursor: the next pending entry, or 0-0 at the end.
    if rax_next(&ri):
        streamid_decode(ri.key, &endid)
    else:
        endid.ms = endid.seq = 0
    rax_iter_stop(&ri)
    set_deferred_array(c, at, arraylen)
    _insert_id_at(c, endat, &endid)
    add_array(c, deleted_num)
    for k in range(deleted_num):
        _add_id(c, &deleted_ids[k])
    free(deleted_ids)
    if c.srv.propagating:
        c.flags |= CLIENT_PREVENT_PROP
    return 0


cdef void _insert_id_at(Client c, size_t at, const streamid* id) noexcept:
    """setDeferredReplyStreamID: a bulk ID written at an earlier position."""
    cdef char idbuf[STREAM_ID_STR_MAX]
    cdef char out[STREAM_ID_STR_MAX + 16]
    cdef int n = streamid_format(idbuf, id)
    cdef int hl
    out[0] = c'$'
    hl = 1 + ll2string(out + 1, n)
    out[hl] = 13
    out[hl + 1] = 10
    memcpy(out + hl + 2, idbuf, n)
    out[hl + 2 + n] = 13
    out[hl + 3 + n] = 10
    rbuf_insert(&c.reply, at, out, hl + 4 + n)


# ---- XINFO -----------------------------------------------------------------------------------------

cdef inline void _add_field(Client c, const char* name, size_t n) noexcept:
    add_bulk(c, name, n)


cdef void _add_lag(Client c, stream_t* s, stream_cg* cg) noexcept:
    cdef long long lag
    if stream_cg_lag(s, cg, &lag):
        add_int(c, lag)
    else:
        add_null(c)


cdef void _add_entries_read(Client c, stream_cg* cg) noexcept:
    if cg.entries_read != SCG_INVALID_ENTRIES_READ:
        add_int(c, cg.entries_read)
    else:
        add_null(c)


cdef void _xinfo_stream(Client c, stream_t* s) noexcept:
    cdef bint full = True
    cdef long long count = 10
    cdef int optc = c.argc - 3
    cdef streamid start, end
    cdef rax_iter ri, rp, rc, rcp
    cdef stream_cg* cg
    cdef stream_nack* nack
    cdef stream_consumer* consumer
    cdef streamid id
    cdef size_t at
    cdef long long n
    if optc == 0:
        full = False
    else:
        if optc != 1 and optc != 3:
            _subcommand_syntax_error(c)
            return
        if not arg_is(c, 3, b"full"):
            _subcommand_syntax_error(c)
            return
        if optc == 3:
            if not arg_is(c, 4, b"count"):
                _subcommand_syntax_error(c)
                return
            if not get_ll_or_reply(c, 5, &count, NULL):
                return
            if count < 0:
                count = 10
    add_map(c, 9 if full else 10)
    _add_field(c, b"length", 6)
    add_int(c, <long long>s.length)
    _add_field(c, b"radix-tree-keys", 15)
    add_int(c, <long long>rax_size(s.rax))
    _add_field(c, b"radix-tree-nodes", 16)
    add_int(c, <long long>s.rax.numnodes)
    _add_field(c, b"last-generated-id", 17)
    _add_id(c, &s.last_id)
    _add_field(c, b"max-deleted-entry-id", 20)
    _add_id(c, &s.max_deleted_entry_id)
    _add_field(c, b"entries-added", 13)
    add_int(c, <long long>s.entries_added)
    _add_field(c, b"recorded-first-entry-id", 23)
    _add_id(c, &s.first_id)
    if not full:
        _add_field(c, b"groups", 6)
        add_int(c, <long long>rax_size(s.cgroups) if s.cgroups != NULL else 0)
        start.ms = start.seq = 0
        end.ms = end.seq = UINT64_MAX
        _add_field(c, b"first-entry", 11)
        if not _reply_range(c, s, &start, &end, 1, False, NULL, NULL, RWR_RAWENTRIES, 0):
            add_null(c)
        _add_field(c, b"last-entry", 10)
        if not _reply_range(c, s, &start, &end, 1, True, NULL, NULL, RWR_RAWENTRIES, 0):
            add_null(c)
        return
    _add_field(c, b"entries", 7)
    _reply_range(c, s, NULL, NULL, <size_t>count, False, NULL, NULL, 0, 0)
    _add_field(c, b"groups", 6)
    if s.cgroups == NULL:
        add_array(c, 0)
        return
    add_array(c, <long long>rax_size(s.cgroups))
    rax_iter_start(&ri, s.cgroups)
    rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
    while rax_next(&ri):
        cg = <stream_cg*>ri.data
        add_map(c, 7)
        _add_field(c, b"name", 4)
        add_bulk(c, <const char*>ri.key, ri.key_len)
        _add_field(c, b"last-delivered-id", 17)
        _add_id(c, &cg.last_id)
        _add_field(c, b"entries-read", 12)
        _add_entries_read(c, cg)
        _add_field(c, b"lag", 3)
        _add_lag(c, s, cg)
        _add_field(c, b"pel-count", 9)
        add_int(c, <long long>rax_size(cg.pel))
        _add_field(c, b"pending", 7)
        at = add_deferred_len(c)
        n = 0
        rax_iter_start(&rp, cg.pel)
        rax_seek(&rp, RAX_SEEK_FIRST, NULL, 0)
        while rax_next(&rp) and (not count or n < count):
            nack = <stream_nack*>rp.data
            add_array(c, 4)
            streamid_decode(rp.key, &id)
            _add_id(c, &id)
            add_bulk(c, nack.consumer.name, nack.consumer.namelen)
            add_int(c, nack.delivery_time)
            add_int(c, <long long>nack.delivery_count)
            n += 1
        rax_iter_stop(&rp)
        set_deferred_array(c, at, n)
        _add_field(c, b"consumers", 9)
        add_array(c, <long long>rax_size(cg.consumers))
        rax_iter_start(&rc, cg.consumers)
        rax_seek(&rc, RAX_SEEK_FIRST, NULL, 0)
        while rax_next(&rc):
            consumer = <stream_consumer*>rc.data
            add_map(c, 4)
            _add_field(c, b"name", 4)
            add_bulk(c, consumer.name, consumer.namelen)
            _add_field(c, b"seen-time", 9)
            add_int(c, consumer.seen_time)
            _add_field(c, b"pel-count", 9)
            add_int(c, <long long>rax_size(consumer.pel))
            _add_field(c, b"pending", 7)
            at = add_deferred_len(c)
            n = 0
            rax_iter_start(&rcp, consumer.pel)
            rax_seek(&rcp, RAX_SEEK_FIRST, NULL, 0)
            while rax_next(&rcp) and (not count or n < count):
                nack = <stream_nack*>rcp.data
                add_array(c, 3)
                streamid_decode(rcp.key, &id)
                _add_id(c, &id)
                add_int(c, nack.delivery_time)
                add_int(c, <long long>nack.delivery_count)
                n += 1
            rax_iter_stop(&rcp)
            set_deferred_array(c, at, n)
        rax_iter_stop(&rc)
    rax_iter_stop(&ri)


cdef int xinfo_command(Client c) except -1:
    """XINFO CONSUMERS key group | GROUPS key | STREAM key [FULL [COUNT n]] | HELP"""
    cdef robj* o
    cdef stream_t* s
    cdef stream_cg* cg
    cdef stream_consumer* consumer
    cdef rax_iter ri
    cdef long long now, idle, lag
    if arg_is(c, 1, b"help"):
        if c.argc != 2:
            _subcommand_syntax_error(c)
            return 0
        _reply_help(c, _XINFO_HELP)
        return 0
    elif c.argc < 3:
        _subcommand_syntax_error(c)
        return 0
    o = lookup_read(c, c.argv[2], c.argvlen[2])
    if o == NULL:
        add_error(c, MSG_NO_SUCH_KEY)
        return 0
    if check_type(c, o, OBJ_STREAM):
        return 0
    s = _st(o)
    if arg_is(c, 1, b"consumers") and c.argc == 4:
        cg = stream_lookup_cg(s, c.argv[3], c.argvlen[3])
        if cg == NULL:
            _error_fmt(c, b"NOGROUP No such consumer group '" + _cstr(c, 3) +
                       b"' for key name '" + _cstr(c, 2) + b"'")
            return 0
        add_array(c, <long long>rax_size(cg.consumers))
        now = mstime()
        rax_iter_start(&ri, cg.consumers)
        rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
        while rax_next(&ri):
            consumer = <stream_consumer*>ri.data
            idle = now - consumer.seen_time
            if idle < 0:
                idle = 0
            add_map(c, 3)
            _add_field(c, b"name", 4)
            add_bulk(c, consumer.name, consumer.namelen)
            _add_field(c, b"pending", 7)
            add_int(c, <long long>rax_size(consumer.pel))
            _add_field(c, b"idle", 4)
            add_int(c, idle)
        rax_iter_stop(&ri)
    elif arg_is(c, 1, b"groups") and c.argc == 3:
        if s.cgroups == NULL:
            add_array(c, 0)
            return 0
        add_array(c, <long long>rax_size(s.cgroups))
        rax_iter_start(&ri, s.cgroups)
        rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
        while rax_next(&ri):
            cg = <stream_cg*>ri.data
            add_map(c, 6)
            _add_field(c, b"name", 4)
            add_bulk(c, <const char*>ri.key, ri.key_len)
            _add_field(c, b"consumers", 9)
            add_int(c, <long long>rax_size(cg.consumers))
            _add_field(c, b"pending", 7)
            add_int(c, <long long>rax_size(cg.pel))
            _add_field(c, b"last-delivered-id", 17)
            _add_id(c, &cg.last_id)
            _add_field(c, b"entries-read", 12)
            _add_entries_read(c, cg)
            _add_field(c, b"lag", 3)
            _add_lag(c, s, cg)
        rax_iter_stop(&ri)
    elif arg_is(c, 1, b"stream"):
        _xinfo_stream(c, s)
    else:
        _subcommand_syntax_error(c)
    return 0


# ---- DEBUG and DIGEST helpers (Python, not on any hot path) -------------------------------------

cdef stream_t* _peek_stream(Server srv, int dbid, bytes key):
    cdef pe_entry* e = dict_find(srv.dbs[dbid].keys, key, len(key))
    cdef robj* o
    if e == NULL:
        return NULL
    o = <robj*>e.v.ptr
    if o.type != OBJ_STREAM:
        return NULL
    return _st(o)


def _digest_parts(Server srv, int dbid, bytes key):
    """xorObjectDigest for a stream: each entry's "ms.seq", then its fields
    and values, mixed in order (groups are not part of the digest)."""
    cdef stream_t* s = _peek_stream(srv, dbid, key)
    cdef stream_iter si
    cdef streamid id
    cdef long long numfields
    cdef const char* f
    cdef const char* v
    cdef size_t fl, vl
    cdef list parts = []
    stream_iter_start(&si, s, NULL, NULL, False)
    while stream_iter_get_id(&si, &id, &numfields):
        parts.append(("mix", b"%d.%d" % (id.ms, id.seq)))
        while numfields > 0:
            stream_iter_get_field(&si, &f, &fl, &v, &vl)
            parts.append(("mix", f[:fl]))
            parts.append(("mix", v[:vl]))
            numfields -= 1
    stream_iter_stop(&si)
    return parts


def _register():
    from pyengine import db as pdb
    pdb.DIGEST_PARTS["stream"] = _digest_parts


_register()


PROCS = {
    "xadd_command": proc_capsule(xadd_command),
    "xtrim_command": proc_capsule(xtrim_command),
    "xlen_command": proc_capsule(xlen_command),
    "xrange_command": proc_capsule(xrange_command),
    "xrevrange_command": proc_capsule(xrevrange_command),
    "xdel_command": proc_capsule(xdel_command),
    "xread_command": proc_capsule(xread_command),
    "xreadgroup_command": proc_capsule(xreadgroup_command),
    "xgroup_create_command": proc_capsule(xgroup_command),
    "xgroup_setid_command": proc_capsule(xgroup_command),
    "xgroup_destroy_command": proc_capsule(xgroup_command),
    "xgroup_createconsumer_command": proc_capsule(xgroup_command),
    "xgroup_delconsumer_command": proc_capsule(xgroup_command),
    "xgroup_help_command": proc_capsule(xgroup_command),
    "xsetid_command": proc_capsule(xsetid_command),
    "xack_command": proc_capsule(xack_command),
    "xpending_command": proc_capsule(xpending_command),
    "xclaim_command": proc_capsule(xclaim_command),
    "xautoclaim_command": proc_capsule(xautoclaim_command),
    "xinfo_stream_command": proc_capsule(xinfo_command),
    "xinfo_groups_command": proc_capsule(xinfo_command),
    "xinfo_consumers_command": proc_capsule(xinfo_command),
    "xinfo_help_command": proc_capsule(xinfo_command),
}
