"""String commands (Redis's t_string.c), all in C.

Every command reads its arguments straight from ``c.argv`` and writes RESP
into ``c.reply``: GET/SET and the other common commands create no Python
object. Values are stored with the encoding Redis would pick, because
OBJECT ENCODING and OBJECT REFCOUNT are observable:

* SET, SETNX, SETEX, PSETEX, GETSET, MSET, MSETNX, APPEND (new key):
  ``int`` for canonical integers, else ``embstr`` up to 44 bytes, else ``raw``
  (Redis's tryObjectEncoding);
* INCR family: ``int``;  INCRBYFLOAT: ``embstr``/``raw`` of the formatted
  number;  APPEND/SETRANGE on an existing key, SETRANGE on a new key: ``raw``.
"""

from libc.string cimport memcpy, memset
from libc.math cimport isnan, isinf

cdef extern from "<math.h>" nogil:
    bint isinf_ld "isinf"(long double x)
    bint isnan_ld "isnan"(long double x)
from libc.stdint cimport uint32_t
from cpython.bytes cimport PyBytes_FromStringAndSize

from engine._mem cimport mem_alloc, mem_calloc, mem_free
from engine.object cimport (robj, obj_str, obj_strlen, obj_string_encoded, obj_string_from_ll,
                            obj_string_plain, obj_string_raw, obj_make_raw, obj_free,
                            OBJ_STRING, ENC_INT, ENC_RAW, OBJ_FLAG_SHARED, SHARED_INTEGERS)
from engine.util cimport string2ll, string2ld, ld2string_human, MAX_LONG_DOUBLE_CHARS
from pyengine.core cimport (Client, Server, Db, add_bulk, add_int, add_ok, add_null, add_error,
                            add_error_len, add_bulk_obj, add_array, add_map, add_syntax_error,
                            arg_is, get_ll_or_reply, get_ld_or_reply, check_type,
                            add_expire_time_error, add_deferred_len, set_deferred_array,
                            proc_capsule, mstime)
from pyengine.db cimport (lookup_read, lookup_write, set_key, db_add, db_delete, db_replace_value,
                          set_expire, remove_expire, signal_modified_key)
from pyengine.msgs cimport (MSG_OVERFLOW, MSG_NAN_OR_INF, MSG_STRING_TOO_LONG, MSG_OFFSET_RANGE,
                            MSG_NOT_INTEGER)
from pyengine.pubsub cimport notify_keyspace_event, NOTIFY_STRING, NOTIFY_GENERIC

cdef enum:
    SET_NX = 1 << 0
    SET_XX = 1 << 1
    SET_EX = 1 << 2
    SET_PX = 1 << 3
    SET_KEEPTTL = 1 << 4
    SET_GET = 1 << 5
    SET_EXAT = 1 << 6
    SET_PXAT = 1 << 7
    SET_PERSIST = 1 << 8

cdef enum:
    PARSE_FOR_GET = 0
    PARSE_FOR_SET = 1


cdef inline bint _shared_ok(Server srv) noexcept:
    """Redis shares small integers unless an LRU/LFU maxmemory policy is on."""
    return srv.maxmemory == 0 or not (srv.maxmemory_policy_flags & 1)


cdef inline robj* _encoded_arg(Client c, int i) noexcept:
    return obj_string_encoded(c.argv[i], c.argvlen[i], _shared_ok(c.srv))


cdef bint _check_string_length(Client c, long long size, long long append) noexcept:
    """checkStringLength: refuse results longer than proto-max-bulk-len."""
    cdef long long total = <long long>(<unsigned long long>size + <unsigned long long>append)
    if total > c.srv.proto_max_bulk_len or total < size or total < append:
        add_error(c, MSG_STRING_TOO_LONG)
        return False
    return True


cdef int _parse_extended(Client c, int* flags, int* expire_idx, int command_type) noexcept:
    """SET/GETEX options. Returns 0, or -1 after replying a syntax error.
    ``expire_idx`` receives the argv index of the time argument (or -1)."""
    cdef int j = 3 if command_type == PARSE_FOR_SET else 2
    cdef bint has_next
    cdef int f
    while j < c.argc:
        has_next = j < c.argc - 1
        f = flags[0]
        if arg_is(c, j, b"nx") and not (f & SET_XX) and command_type == PARSE_FOR_SET:
            flags[0] |= SET_NX
        elif arg_is(c, j, b"xx") and not (f & SET_NX) and command_type == PARSE_FOR_SET:
            flags[0] |= SET_XX
        elif arg_is(c, j, b"get") and command_type == PARSE_FOR_SET:
            flags[0] |= SET_GET
        elif (arg_is(c, j, b"keepttl") and not (f & (SET_PERSIST | SET_EX | SET_EXAT | SET_PX | SET_PXAT))
              and command_type == PARSE_FOR_SET):
            flags[0] |= SET_KEEPTTL
        elif (arg_is(c, j, b"persist") and command_type == PARSE_FOR_GET and
              not (f & (SET_EX | SET_EXAT | SET_PX | SET_PXAT | SET_KEEPTTL))):
            flags[0] |= SET_PERSIST
        elif arg_is(c, j, b"ex") and not (f & (SET_KEEPTTL | SET_PERSIST | SET_EXAT | SET_PX | SET_PXAT)) and has_next:
            flags[0] |= SET_EX
            j += 1
            expire_idx[0] = j
        elif arg_is(c, j, b"px") and not (f & (SET_KEEPTTL | SET_PERSIST | SET_EX | SET_EXAT | SET_PXAT)) and has_next:
            flags[0] |= SET_PX
            j += 1
            expire_idx[0] = j
        elif arg_is(c, j, b"exat") and not (f & (SET_KEEPTTL | SET_PERSIST | SET_EX | SET_PX | SET_PXAT)) and has_next:
            flags[0] |= SET_EXAT
            j += 1
            expire_idx[0] = j
        elif arg_is(c, j, b"pxat") and not (f & (SET_KEEPTTL | SET_PERSIST | SET_EX | SET_EXAT | SET_PX)) and has_next:
            flags[0] |= SET_PXAT
            j += 1
            expire_idx[0] = j
        else:
            add_syntax_error(c)
            return -1
        j += 1
    return 0


cdef bint _expire_ms_or_reply(Client c, int idx, int flags, long long* ms) noexcept:
    """The absolute expire time (ms) of argv[idx] under EX/PX/EXAT/PXAT."""
    cdef bint seconds = (flags & (SET_EX | SET_EXAT)) != 0
    if not get_ll_or_reply(c, idx, ms, NULL):
        return False
    if ms[0] <= 0 or (seconds and ms[0] > 9223372036854775807 // 1000):
        add_expire_time_error(c)
        return False
    if seconds:
        ms[0] *= 1000
    if flags & (SET_EX | SET_PX):
        ms[0] += mstime()
    if ms[0] <= 0:
        add_expire_time_error(c)
        return False
    return True


cdef int _get_generic(Client c) noexcept:
    """Reply the string at argv[1] (null if missing). -1 after WRONGTYPE."""
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_null(c)
        return 0
    if check_type(c, o, OBJ_STRING):
        return -1
    add_bulk_obj(c, o)
    return 0


cdef void _set_generic(Client c, int flags, int key, int val, int expire_idx,
                       const char* ok_reply, bint int_reply) noexcept:
    """The common body of SET, SETNX, SETEX, PSETEX."""
    cdef long long ms = 0
    cdef bint found
    if expire_idx >= 0 and not _expire_ms_or_reply(c, expire_idx, flags, &ms):
        return
    if flags & SET_GET:
        if _get_generic(c) < 0:
            return
    found = lookup_write(c, c.argv[key], c.argvlen[key]) != NULL
    if (flags & SET_NX and found) or (flags & SET_XX and not found):
        if not (flags & SET_GET):
            if int_reply:
                add_int(c, 0)
            else:
                add_null(c)
        return
    set_key(c.srv, c.db, c.argv[key], c.argvlen[key], _encoded_arg(c, val), (flags & SET_KEEPTTL) != 0)
    c.srv.dirty += 1
    notify_keyspace_event(c.srv, NOTIFY_STRING, b"set", c.argv[key], c.argvlen[key], c.db.id)
    if expire_idx >= 0:
        set_expire(c.db, c.argv[key], c.argvlen[key], ms)
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"expire", c.argv[key], c.argvlen[key], c.db.id)
    if c.srv.propagating:
        if expire_idx >= 0:
            # relative or not, the expiry is logged as an absolute time
            c.prop_argv = [b"SET", c.arg(key), c.arg(val), b"PXAT", ms]
        elif flags & SET_GET:
            c.prop_argv = [a for j, a in enumerate(c.args()) if j < 3 or a.lower() != b"get"]
    if not (flags & SET_GET):
        if int_reply:
            add_int(c, 1)
        else:
            add_ok(c)


cdef int set_command(Client c) except -1:
    cdef int flags = 0
    cdef int expire_idx = -1
    if _parse_extended(c, &flags, &expire_idx, PARSE_FOR_SET) < 0:
        return 0
    _set_generic(c, flags, 1, 2, expire_idx, NULL, False)
    return 0


cdef int setnx_command(Client c) except -1:
    _set_generic(c, SET_NX, 1, 2, -1, NULL, True)
    return 0


cdef int setex_command(Client c) except -1:
    _set_generic(c, SET_EX, 1, 3, 2, NULL, False)
    return 0


cdef int psetex_command(Client c) except -1:
    _set_generic(c, SET_PX, 1, 3, 2, NULL, False)
    return 0


cdef int get_command(Client c) except -1:
    _get_generic(c)
    return 0


cdef int getex_command(Client c) except -1:
    cdef int flags = 0
    cdef int expire_idx = -1
    cdef long long ms = 0
    cdef robj* o
    if _parse_extended(c, &flags, &expire_idx, PARSE_FOR_GET) < 0:
        return 0
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_null(c)
        return 0
    if check_type(c, o, OBJ_STRING):
        return 0
    if expire_idx >= 0 and not _expire_ms_or_reply(c, expire_idx, flags, &ms):
        return 0
    add_bulk_obj(c, o)
    if flags & (SET_PXAT | SET_EXAT) and ms <= mstime():
        db_delete(c.srv, c.db, c.argv[1], c.argvlen[1])
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[1], c.argvlen[1], c.db.id)
        c.srv.dirty += 1
        if c.srv.propagating:
            c.prop_argv = [b"UNLINK" if c.srv.lazyfree_lazy_expire else b"DEL", c.arg(1)]
    elif expire_idx >= 0:
        set_expire(c.db, c.argv[1], c.argvlen[1], ms)
        signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"expire", c.argv[1], c.argvlen[1], c.db.id)
        c.srv.dirty += 1
        if c.srv.propagating:
            c.prop_argv = [b"PEXPIREAT", c.arg(1), ms]
    elif flags & SET_PERSIST:
        if remove_expire(c.db, c.argv[1], c.argvlen[1]):
            signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
            notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"persist", c.argv[1], c.argvlen[1],
                                  c.db.id)
            c.srv.dirty += 1
            if c.srv.propagating:
                c.prop_argv = [b"PERSIST", c.arg(1)]
    return 0


cdef int getdel_command(Client c) except -1:
    if _get_generic(c) < 0:
        return 0
    if db_delete(c.srv, c.db, c.argv[1], c.argvlen[1]):
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[1], c.argvlen[1], c.db.id)
        c.srv.dirty += 1
        if c.srv.propagating:
            c.prop_argv = [b"UNLINK" if c.srv.lazyfree_lazy_user_del else b"DEL", c.arg(1)]
    return 0


cdef int getset_command(Client c) except -1:
    if _get_generic(c) < 0:
        return 0
    set_key(c.srv, c.db, c.argv[1], c.argvlen[1], _encoded_arg(c, 2), False)
    notify_keyspace_event(c.srv, NOTIFY_STRING, b"set", c.argv[1], c.argvlen[1], c.db.id)
    c.srv.dirty += 1
    if c.srv.propagating:
        c.prop_argv = [b"SET", c.arg(1), c.arg(2)]
    return 0


cdef int getrange_command(Client c) except -1:
    cdef long long start, end
    cdef robj* o
    cdef char tmp[24]
    cdef size_t n
    cdef const char* s
    if not get_ll_or_reply(c, 2, &start, NULL) or not get_ll_or_reply(c, 3, &end, NULL):
        return 0
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_bulk(c, b"", 0)
        return 0
    if check_type(c, o, OBJ_STRING):
        return 0
    s = obj_str(o, tmp, &n)
    if start < 0 and end < 0 and start > end:
        add_bulk(c, b"", 0)
        return 0
    if start < 0:
        start = <long long>n + start
    if end < 0:
        end = <long long>n + end
    if start < 0:
        start = 0
    if end < 0:
        end = 0
    if <unsigned long long>end >= n:
        end = <long long>n - 1
    if start > end or n == 0:
        add_bulk(c, b"", 0)
    else:
        add_bulk(c, s + start, <size_t>(end - start + 1))
    return 0


cdef int mget_command(Client c) except -1:
    cdef int j
    cdef robj* o
    add_array(c, c.argc - 1)
    for j in range(1, c.argc):
        o = lookup_read(c, c.argv[j], c.argvlen[j])
        if o == NULL or o.type != OBJ_STRING:
            add_null(c)
        else:
            add_bulk_obj(c, o)
    return 0


cdef int _mset_generic(Client c, bint nx) except -1:
    cdef int j
    cdef bytes msg
    if c.argc % 2 == 0:
        msg = b"ERR wrong number of arguments for '" + c.cmd.fullname.encode() + b"' command"
        add_error_len(c, msg, len(msg))
        return 0
    if nx:
        for j in range(1, c.argc, 2):
            if lookup_write(c, c.argv[j], c.argvlen[j]) != NULL:
                add_int(c, 0)
                return 0
    for j in range(1, c.argc, 2):
        set_key(c.srv, c.db, c.argv[j], c.argvlen[j], _encoded_arg(c, j + 1), False)
        notify_keyspace_event(c.srv, NOTIFY_STRING, b"set", c.argv[j], c.argvlen[j], c.db.id)
    c.srv.dirty += (c.argc - 1) // 2
    if nx:
        add_int(c, 1)
    else:
        add_ok(c)
    return 0


cdef int mset_command(Client c) except -1:
    return _mset_generic(c, False)


cdef int msetnx_command(Client c) except -1:
    return _mset_generic(c, True)


cdef int _incr_decr(Client c, long long incr) noexcept:
    cdef robj* o = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef long long value = 0
    cdef char tmp[24]
    cdef size_t n
    cdef const char* s
    cdef robj* new
    if check_type(c, o, OBJ_STRING):
        return 0
    if o != NULL:
        if o.encoding == ENC_INT:
            value = o.u.ival
        else:
            s = obj_str(o, tmp, &n)
            if not string2ll(s, n, &value):
                add_error(c, MSG_NOT_INTEGER)
                return 0
    if ((incr < 0 and value < 0 and incr < (-9223372036854775807 - 1) - value) or
            (incr > 0 and value > 0 and incr > 9223372036854775807 - value)):
        add_error(c, MSG_OVERFLOW)
        return 0
    value += incr
    if (o != NULL and o.encoding == ENC_INT and not (o.flags & OBJ_FLAG_SHARED) and
            (value < 0 or value >= SHARED_INTEGERS)):
        o.u.ival = value
        signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    else:
        new = obj_string_from_ll(value, _shared_ok(c.srv))
        if o != NULL:
            db_replace_value(c.srv, c.db, c.argv[1], c.argvlen[1], new)
        else:
            db_add(c.srv, c.db, c.argv[1], c.argvlen[1], new)
    notify_keyspace_event(c.srv, NOTIFY_STRING, b"incrby", c.argv[1], c.argvlen[1], c.db.id)
    c.srv.dirty += 1
    add_int(c, value)
    return 0


cdef int incr_command(Client c) except -1:
    return _incr_decr(c, 1)


cdef int decr_command(Client c) except -1:
    return _incr_decr(c, -1)


cdef int incrby_command(Client c) except -1:
    cdef long long incr
    if get_ll_or_reply(c, 2, &incr, NULL):
        _incr_decr(c, incr)
    return 0


cdef int decrby_command(Client c) except -1:
    cdef long long incr
    if not get_ll_or_reply(c, 2, &incr, NULL):
        return 0
    if incr == -9223372036854775807 - 1:
        add_error(c, b"ERR decrement would overflow")
        return 0
    return _incr_decr(c, -incr)


cdef int incrbyfloat_command(Client c) except -1:
    cdef robj* o = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef long double value = 0, incr
    cdef char tmp[24]
    cdef char buf[MAX_LONG_DOUBLE_CHARS]
    cdef size_t n
    cdef int len
    cdef const char* s
    cdef robj* new
    if check_type(c, o, OBJ_STRING):
        return 0
    if o != NULL:
        if o.encoding == ENC_INT:
            value = <long double>o.u.ival
        else:
            s = obj_str(o, tmp, &n)
            if not string2ld(s, n, &value):
                add_error(c, b"ERR value is not a valid float")
                return 0
    if not get_ld_or_reply(c, 2, &incr, NULL):
        return 0
    value += incr
    if isnan_ld(value) or isinf_ld(value):
        add_error(c, MSG_NAN_OR_INF)
        return 0
    len = ld2string_human(buf, sizeof(buf), value)
    new = obj_string_plain(buf, len)
    if o != NULL:
        db_replace_value(c.srv, c.db, c.argv[1], c.argvlen[1], new)
    else:
        db_add(c.srv, c.db, c.argv[1], c.argvlen[1], new)
    notify_keyspace_event(c.srv, NOTIFY_STRING, b"incrbyfloat", c.argv[1], c.argvlen[1], c.db.id)
    c.srv.dirty += 1
    add_bulk(c, buf, len)
    if c.srv.propagating:
        # the result, not the increment: float formatting must not differ on replay
        c.prop_argv = [b"SET", c.arg(1), buf[:len], b"KEEPTTL"]
    return 0


cdef robj* _unshare_raw(Client c, robj* o, size_t mincap) noexcept:
    """A raw, privately owned version of the key's string (dbUnshareStringValue)
    with room for ``mincap`` bytes, installed in the keyspace."""
    cdef robj* r = obj_make_raw(o, mincap)
    if r != o:
        db_replace_value(c.srv, c.db, c.argv[1], c.argvlen[1], r)
        r.lru = r.lru
    return r


cdef int append_command(Client c) except -1:
    cdef robj* o = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef size_t total
    cdef size_t olen
    if o == NULL:
        o = _encoded_arg(c, 2)
        db_add(c.srv, c.db, c.argv[1], c.argvlen[1], o)
        total = obj_strlen(o)
    else:
        if check_type(c, o, OBJ_STRING):
            return 0
        olen = obj_strlen(o)
        if not _check_string_length(c, olen, c.argvlen[2]):
            return 0
        o = _unshare_raw(c, o, olen + c.argvlen[2])
        memcpy(o.u.raw.ptr + o.u.raw.len, c.argv[2], c.argvlen[2])
        o.u.raw.len += c.argvlen[2]
        total = o.u.raw.len
        signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    notify_keyspace_event(c.srv, NOTIFY_STRING, b"append", c.argv[1], c.argvlen[1], c.db.id)
    c.srv.dirty += 1
    add_int(c, <long long>total)
    return 0


cdef int strlen_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_STRING):
        return 0
    add_int(c, <long long>obj_strlen(o))
    return 0


cdef int setrange_command(Client c) except -1:
    cdef long long offset
    cdef robj* o
    cdef size_t vlen = c.argvlen[3]
    cdef size_t olen, newlen
    if not get_ll_or_reply(c, 2, &offset, NULL):
        return 0
    if offset < 0:
        add_error(c, MSG_OFFSET_RANGE)
        return 0
    o = lookup_write(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        if vlen == 0:
            add_int(c, 0)
            return 0
        if not _check_string_length(c, offset, vlen):
            return 0
        o = obj_string_raw(NULL, 0, offset + vlen)
        memset(o.u.raw.ptr, 0, offset + vlen)
        o.u.raw.len = offset + vlen
        db_add(c.srv, c.db, c.argv[1], c.argvlen[1], o)
    else:
        if check_type(c, o, OBJ_STRING):
            return 0
        olen = obj_strlen(o)
        if vlen == 0:
            add_int(c, <long long>olen)
            return 0
        if not _check_string_length(c, offset, vlen):
            return 0
        newlen = <size_t>offset + vlen
        o = _unshare_raw(c, o, newlen if newlen > olen else olen)
        if newlen > o.u.raw.len:
            memset(o.u.raw.ptr + o.u.raw.len, 0, newlen - o.u.raw.len)
            o.u.raw.len = newlen
    memcpy(o.u.raw.ptr + offset, c.argv[3], vlen)
    signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    notify_keyspace_event(c.srv, NOTIFY_STRING, b"setrange", c.argv[1], c.argvlen[1], c.db.id)
    c.srv.dirty += 1
    add_int(c, <long long>o.u.raw.len)
    return 0


cdef int lcs_command(Client c) except -1:
    cdef robj* oa = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef robj* ob = lookup_read(c, c.argv[2], c.argvlen[2])
    cdef char ta[24]
    cdef char tb[24]
    cdef const char* a = b""
    cdef const char* b = b""
    cdef size_t alen = 0, blen = 0
    cdef bint getlen = False, getidx = False, withmatchlen = False
    cdef long long minmatchlen = 0
    cdef int j
    cdef uint32_t* lcs
    cdef unsigned long long cells
    cdef uint32_t i, k, idx, l1, l2
    cdef uint32_t as_, ae, bs, be, match_len
    cdef bint emit
    cdef char* result = NULL
    cdef size_t arraypos = 0
    cdef long long arraylen = 0
    cdef bint computelcs
    if (oa != NULL and oa.type != OBJ_STRING) or (ob != NULL and ob.type != OBJ_STRING):
        add_error(c, b"ERR The specified keys must contain string values")
        return 0
    if oa != NULL:
        a = obj_str(oa, ta, &alen)
    if ob != NULL:
        b = obj_str(ob, tb, &blen)
    j = 3
    while j < c.argc:
        if arg_is(c, j, b"idx"):
            getidx = True
        elif arg_is(c, j, b"len"):
            getlen = True
        elif arg_is(c, j, b"withmatchlen"):
            withmatchlen = True
        elif arg_is(c, j, b"minmatchlen") and j < c.argc - 1:
            if not get_ll_or_reply(c, j + 1, &minmatchlen, NULL):
                return 0
            if minmatchlen < 0:
                minmatchlen = 0
            j += 1
        else:
            add_syntax_error(c)
            return 0
        j += 1
    if getlen and getidx:
        add_error(c, b"ERR If you want both the length and indexes, please just use IDX.")
        return 0
    if alen >= 0xFFFFFFFE or blen >= 0xFFFFFFFE:
        add_error(c, b"ERR String too long for LCS")
        return 0
    cells = (<unsigned long long>alen + 1) * (blen + 1)
    if cells * sizeof(uint32_t) > <unsigned long long>c.srv.proto_max_bulk_len:
        add_error(c, b"ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
        return 0
    lcs = <uint32_t*>mem_alloc(cells * sizeof(uint32_t))
    # lcs[i*(blen+1)+k] = length of the LCS of a[:i] and b[:k]
    for i in range(alen + 1):
        for k in range(blen + 1):
            if i == 0 or k == 0:
                lcs[i * (blen + 1) + k] = 0
            elif a[i - 1] == b[k - 1]:
                lcs[i * (blen + 1) + k] = lcs[(i - 1) * (blen + 1) + k - 1] + 1
            else:
                l1 = lcs[(i - 1) * (blen + 1) + k]
                l2 = lcs[i * (blen + 1) + k - 1]
                lcs[i * (blen + 1) + k] = l1 if l1 > l2 else l2
    idx = lcs[alen * (blen + 1) + blen]
    computelcs = getidx or not getlen
    if computelcs:
        result = <char*>mem_alloc(idx + 1)
    if getidx:
        add_map(c, 2)
        add_bulk(c, b"matches", 7)
        arraypos = add_deferred_len(c)
    # Walk back from the end, collecting the LCS and the matching ranges.
    i = <uint32_t>alen
    k = <uint32_t>blen
    as_ = <uint32_t>alen          # alen means "no range open"
    ae = bs = be = 0
    while computelcs and i > 0 and k > 0:
        emit = False
        if a[i - 1] == b[k - 1]:
            result[idx - 1] = a[i - 1]
            if as_ == alen:
                as_ = ae = i - 1
                bs = be = k - 1
            elif as_ == i and bs == k:
                as_ -= 1
                bs -= 1
            else:
                emit = True
            if as_ == 0 or bs == 0:
                emit = True
            idx -= 1
            i -= 1
            k -= 1
        else:
            l1 = lcs[(i - 1) * (blen + 1) + k]
            l2 = lcs[i * (blen + 1) + k - 1]
            if l1 > l2:
                i -= 1
            else:
                k -= 1
            if as_ != alen:
                emit = True
        match_len = ae - as_ + 1
        if emit:
            if (minmatchlen == 0 or match_len >= minmatchlen) and getidx:
                add_array(c, 2 + withmatchlen)
                add_array(c, 2)
                add_int(c, as_)
                add_int(c, ae)
                add_array(c, 2)
                add_int(c, bs)
                add_int(c, be)
                if withmatchlen:
                    add_int(c, match_len)
                arraylen += 1
            as_ = <uint32_t>alen
    if getidx:
        add_bulk(c, b"len", 3)
        add_int(c, lcs[alen * (blen + 1) + blen])
        set_deferred_array(c, arraypos, arraylen)
    elif getlen:
        add_int(c, lcs[alen * (blen + 1) + blen])
    else:
        add_bulk(c, result, lcs[alen * (blen + 1) + blen])
    mem_free(result)
    mem_free(lcs)
    return 0


PROCS = {
    "set_command": proc_capsule(set_command),
    "setnx_command": proc_capsule(setnx_command),
    "setex_command": proc_capsule(setex_command),
    "psetex_command": proc_capsule(psetex_command),
    "get_command": proc_capsule(get_command),
    "getex_command": proc_capsule(getex_command),
    "getdel_command": proc_capsule(getdel_command),
    "getset_command": proc_capsule(getset_command),
    "getrange_command": proc_capsule(getrange_command),
    "substr_command": proc_capsule(getrange_command),
    "mget_command": proc_capsule(mget_command),
    "mset_command": proc_capsule(mset_command),
    "msetnx_command": proc_capsule(msetnx_command),
    "incr_command": proc_capsule(incr_command),
    "decr_command": proc_capsule(decr_command),
    "incrby_command": proc_capsule(incrby_command),
    "decrby_command": proc_capsule(decrby_command),
    "incrbyfloat_command": proc_capsule(incrbyfloat_command),
    "append_command": proc_capsule(append_command),
    "strlen_command": proc_capsule(strlen_command),
    "setrange_command": proc_capsule(setrange_command),
    "lcs_command": proc_capsule(lcs_command),
}
