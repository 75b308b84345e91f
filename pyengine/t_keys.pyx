"""Generic keyspace commands (Redis's db.c, expire.c, parts of object.c),
in C: DEL/UNLINK/EXISTS/TYPE/TOUCH, RENAME/RENAMENX/MOVE/COPY, KEYS/SCAN/
RANDOMKEY, the EXPIRE and TTL families, PERSIST, OBJECT, and the database
commands SELECT/SWAPDB/FLUSHDB/FLUSHALL/DBSIZE.

KEYS walks the table with a safe iterator and reports logically expired
keys as absent without deleting them (as Redis does). SCAN uses the dict's
reverse-binary cursor (engine/dict), collects up to COUNT keys (at most
10*COUNT buckets per call), then filters by pattern, TYPE and expiry.
"""

from libc.string cimport memcpy, memcmp, memchr
from libc.limits cimport LLONG_MAX, LLONG_MIN

from engine.dict cimport (pe_entry, dict_t, dict_iter, dict_iter_init, dict_iter_next,
                          dict_iter_release, dict_size, dict_find, dict_fair_random)
from engine.object cimport (robj, obj_type_name, obj_encoding_name, obj_dup, obj_free,
                            OBJ_STRING, OBJ_FLAG_SHARED, OBJ_SHARED_REFCOUNT, LRU_CLOCK_MAX)
from engine.resp cimport rbuf, rbuf_append, rbuf_free, resp_simple
from engine.util cimport stringmatch
from pyengine.core cimport (Client, Server, Db, add_bulk, add_int, add_ok, add_null, add_error,
                            add_error_len, add_array, add_simple, add_syntax_error, arg_is,
                            get_ll_or_reply, get_int_or_reply, add_expire_time_error,
                            add_deferred_len, set_deferred_array, add_bulk_ll, proc_capsule,
                            mstime, CLIENT_FORCE_PROP)
from pyengine.db cimport (lookup_key, lookup_read, lookup_write, db_delete, db_add, db_add_moved,
                          db_take, get_expire, set_expire, remove_expire, key_is_expired,
                          expire_if_needed, empty_db, lfu_decr_and_return, signal_modified_key,
                          LOOKUP_NOTOUCH, LOOKUP_NONOTIFY, LOOKUP_NONE, LOOKUP_WRITE)
from pyengine.scan cimport (scan_opts, scan_batch, parse_scan_cursor, parse_scan_opts,
                           scan_batch_init, scan_batch_next, scan_batch_free,
                           scan_collect_key, scan_dict)
from pyengine.msgs cimport (MSG_NO_SUCH_KEY, MSG_SAME_OBJECT, MSG_DB_INDEX)
from pyengine.pubsub cimport notify_keyspace_event, NOTIFY_GENERIC, NOTIFY_NEW

cdef enum:
    EXPIRE_NX = 1
    EXPIRE_XX = 2
    EXPIRE_GT = 4
    EXPIRE_LT = 8


# ---- existence and deletion --------------------------------------------------------

cdef int _del_generic(Client c) noexcept:
    cdef int j
    cdef long long numdel = 0
    for j in range(1, c.argc):
        expire_if_needed(c.srv, c.db, c.argv[j], c.argvlen[j])
        if db_delete(c.srv, c.db, c.argv[j], c.argvlen[j]):
            notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[j], c.argvlen[j], c.db.id)
            c.srv.dirty += 1
            numdel += 1
    add_int(c, numdel)
    return 0


cdef int del_command(Client c) except -1:
    return _del_generic(c)


cdef int unlink_command(Client c) except -1:
    return _del_generic(c)


cdef int exists_command(Client c) except -1:
    cdef int j
    cdef long long count = 0
    for j in range(1, c.argc):
        if lookup_key(c.srv, c.db, c.argv[j], c.argvlen[j], LOOKUP_NOTOUCH) != NULL:
            count += 1
    add_int(c, count)
    return 0


cdef int touch_command(Client c) except -1:
    cdef int j
    cdef long long touched = 0
    for j in range(1, c.argc):
        if lookup_read(c, c.argv[j], c.argvlen[j]) != NULL:
            touched += 1
    add_int(c, touched)
    return 0


cdef int type_command(Client c) except -1:
    cdef robj* o = lookup_key(c.srv, c.db, c.argv[1], c.argvlen[1], LOOKUP_NOTOUCH)
    cdef const char* name = obj_type_name(o)
    cdef size_t n = 0
    while name[n]:
        n += 1
    add_simple(c, name, n)
    return 0


# ---- rename, move, copy ----------------------------------------------------------------

cdef inline bint _same_arg(Client c, int a, int b) noexcept:
    return c.argvlen[a] == c.argvlen[b] and memcmp(c.argv[a], c.argv[b], c.argvlen[a]) == 0


cdef int _rename_generic(Client c, bint nx) noexcept:
    cdef robj* o
    cdef long long expire
    if lookup_write(c, c.argv[1], c.argvlen[1]) == NULL:
        add_error(c, MSG_NO_SUCH_KEY)
        return 0
    if _same_arg(c, 1, 2):
        if nx:
            add_int(c, 0)
        else:
            add_ok(c)
        return 0
    expire = get_expire(c.db, c.argv[1], c.argvlen[1])
    if lookup_write(c, c.argv[2], c.argvlen[2]) != NULL:
        if nx:
            add_int(c, 0)
            return 0
        db_delete(c.srv, c.db, c.argv[2], c.argvlen[2])
    o = db_take(c.db, c.argv[1], c.argvlen[1])
    db_add_moved(c.db, c.argv[2], c.argvlen[2], o)
    notify_keyspace_event(c.srv, NOTIFY_NEW, b"new", c.argv[2], c.argvlen[2], c.db.id)
    if expire != -1:
        set_expire(c.db, c.argv[2], c.argvlen[2], expire)
    signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    signal_modified_key(c.srv, c.db, c.argv[2], c.argvlen[2])
    notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"rename_from", c.argv[1], c.argvlen[1], c.db.id)
    notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"rename_to", c.argv[2], c.argvlen[2], c.db.id)
    c.srv.dirty += 1
    if nx:
        add_int(c, 1)
    else:
        add_ok(c)
    return 0


cdef int rename_command(Client c) except -1:
    return _rename_generic(c, False)


cdef int renamenx_command(Client c) except -1:
    return _rename_generic(c, True)


cdef int move_command(Client c) except -1:
    cdef int dbid
    cdef Db* src = c.db
    cdef Db* dst
    cdef robj* o
    cdef long long expire
    if not get_int_or_reply(c, 2, &dbid, NULL):
        return 0
    if dbid < 0 or dbid >= c.srv.dbnum:
        add_error(c, MSG_DB_INDEX)
        return 0
    dst = c.srv.db(dbid)
    if src == dst:
        add_error(c, MSG_SAME_OBJECT)
        return 0
    if lookup_write(c, c.argv[1], c.argvlen[1]) == NULL:
        add_int(c, 0)
        return 0
    expire = get_expire(src, c.argv[1], c.argvlen[1])
    if lookup_key(c.srv, dst, c.argv[1], c.argvlen[1], LOOKUP_WRITE) != NULL:
        add_int(c, 0)
        return 0
    o = db_take(src, c.argv[1], c.argvlen[1])
    db_add_moved(dst, c.argv[1], c.argvlen[1], o)
    notify_keyspace_event(c.srv, NOTIFY_NEW, b"new", c.argv[1], c.argvlen[1], dst.id)
    if expire != -1:
        set_expire(dst, c.argv[1], c.argvlen[1], expire)
    signal_modified_key(c.srv, src, c.argv[1], c.argvlen[1])
    signal_modified_key(c.srv, dst, c.argv[1], c.argvlen[1])
    notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"move_from", c.argv[1], c.argvlen[1], src.id)
    notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"move_to", c.argv[1], c.argvlen[1], dst.id)
    c.srv.dirty += 1
    add_int(c, 1)
    return 0


cdef int copy_command(Client c) except -1:
    cdef Db* src = c.db
    cdef Db* dst = c.db
    cdef int dbid
    cdef int j = 3
    cdef bint replace = False
    cdef bint delete = False
    cdef robj* o
    cdef robj* newobj
    cdef long long expire
    while j < c.argc:
        if arg_is(c, j, b"replace"):
            replace = True
        elif arg_is(c, j, b"db") and c.argc - j - 1 >= 1:
            if not get_int_or_reply(c, j + 1, &dbid, NULL):
                return 0
            if dbid < 0 or dbid >= c.srv.dbnum:
                add_error(c, MSG_DB_INDEX)
                return 0
            dst = c.srv.db(dbid)
            j += 1
        else:
            add_syntax_error(c)
            return 0
        j += 1
    if src == dst and _same_arg(c, 1, 2):
        add_error(c, MSG_SAME_OBJECT)
        return 0
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
        return 0
    expire = get_expire(src, c.argv[1], c.argvlen[1])
    if lookup_key(c.srv, dst, c.argv[2], c.argvlen[2], LOOKUP_WRITE) != NULL:
        if replace:
            delete = True
        else:
            add_int(c, 0)
            return 0
    newobj = obj_dup(o)
    if newobj == NULL:
        add_error(c, b"ERR unknown type object")
        return 0
    if delete:
        db_delete(c.srv, dst, c.argv[2], c.argvlen[2])
    db_add(c.srv, dst, c.argv[2], c.argvlen[2], newobj)
    if expire != -1:
        set_expire(dst, c.argv[2], c.argvlen[2], expire)
    notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"copy_to", c.argv[2], c.argvlen[2], dst.id)
    c.srv.dirty += 1
    add_int(c, 1)
    return 0


# ---- KEYS, SCAN, RANDOMKEY ----------------------------------------------------------

cdef int keys_command(Client c) except -1:
    cdef dict_iter it
    cdef pe_entry* e
    cdef const char* pat = c.argv[1]
    cdef size_t plen = c.argvlen[1]
    cdef bint allkeys = plen == 1 and pat[0] == c'*'
    cdef size_t at = add_deferred_len(c)
    cdef long long numkeys = 0
    dict_iter_init(&it, c.db.keys)
    while True:
        e = dict_iter_next(&it)
        if e == NULL:
            break
        if allkeys or stringmatch(pat, plen, e.key, e.klen, False):
            if not key_is_expired(c.srv, c.db, e.key, e.klen):
                add_bulk(c, e.key, e.klen)
                numkeys += 1
    dict_iter_release(&it)
    set_deferred_array(c, at, numkeys)
    return 0


cdef int scan_command(Client c) except -1:
    cdef unsigned long cursor
    cdef scan_opts opts
    cdef scan_batch batch
    cdef size_t off = 0, klen, at
    cdef const char* key
    cdef long long emitted = 0
    cdef robj* o
    cdef const char* tname
    if not parse_scan_cursor(c, 1, &cursor):
        return 0
    if not parse_scan_opts(c, 2, True, &opts):
        return 0
    scan_batch_init(&batch)
    cursor = scan_dict(c.db.keys, cursor, opts.count, scan_collect_key, &batch)
    add_array(c, 2)
    add_bulk_ll(c, <long long>cursor)       # Redis prints the cursor as a signed long long
    at = add_deferred_len(c)
    while True:
        key = scan_batch_next(&batch, &off, &klen)
        if key == NULL:
            break
        if opts.use_pattern and not stringmatch(opts.pat, opts.patlen, key, klen, False):
            continue
        if opts.type_idx >= 0:
            o = lookup_key(c.srv, c.db, key, klen, LOOKUP_NOTOUCH)
            tname = obj_type_name(o)
            if not arg_is(c, opts.type_idx, tname):
                continue
        if expire_if_needed(c.srv, c.db, key, klen):
            continue
        add_bulk(c, key, klen)
        emitted += 1
    scan_batch_free(&batch)
    set_deferred_array(c, at, emitted)
    return 0


cdef int randomkey_command(Client c) except -1:
    """A fair random key; keys found logically expired are deleted and the
    draw repeats (dbRandomKey)."""
    cdef pe_entry* e
    cdef rbuf key
    key.data = NULL
    key.len = 0
    key.cap = 0
    while True:
        e = dict_fair_random(c.db.keys)
        if e == NULL:
            add_null(c)
            break
        if dict_size(c.db.expires) and key_is_expired(c.srv, c.db, e.key, e.klen):
            # copy the name out first: deleting frees the entry holding it
            key.len = 0
            rbuf_append(&key, e.key, e.klen)
            if expire_if_needed(c.srv, c.db, key.data, key.len):
                continue
        add_bulk(c, e.key, e.klen)
        break
    rbuf_free(&key)
    return 0


# ---- expiry ------------------------------------------------------------------------------

cdef void _unsupported_option_error(Client c, int j) noexcept:
    """"ERR Unsupported option <opt>": the option as a C string (up to a NUL
    byte), trailing CR/LF trimmed like addReplyErrorFormat does."""
    cdef rbuf msg
    cdef const char* opt = c.argv[j]
    cdef const char* nul = <const char*>memchr(opt, 0, c.argvlen[j])
    cdef size_t n = c.argvlen[j] if nul == NULL else <size_t>(nul - opt)
    msg.data = NULL
    msg.len = 0
    msg.cap = 0
    rbuf_append(&msg, b"ERR Unsupported option ", 23)
    rbuf_append(&msg, opt, n)
    while msg.len and (msg.data[msg.len - 1] == c'\r' or msg.data[msg.len - 1] == c'\n'):
        msg.len -= 1
    add_error_len(c, msg.data, msg.len)
    rbuf_free(&msg)


cdef int _expire_generic(Client c, long long basetime, bint seconds) noexcept:
    cdef int flags = 0
    cdef int j = 3
    cdef long long when
    cdef long long current
    while j < c.argc:
        if arg_is(c, j, b"nx"):
            flags |= EXPIRE_NX
        elif arg_is(c, j, b"xx"):
            flags |= EXPIRE_XX
        elif arg_is(c, j, b"gt"):
            flags |= EXPIRE_GT
        elif arg_is(c, j, b"lt"):
            flags |= EXPIRE_LT
        else:
            _unsupported_option_error(c, j)
            return 0
        j += 1
    if (flags & EXPIRE_NX) and (flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)):
        add_error(c, b"ERR NX and XX, GT or LT options at the same time are not compatible")
        return 0
    if (flags & EXPIRE_GT) and (flags & EXPIRE_LT):
        add_error(c, b"ERR GT and LT options at the same time are not compatible")
        return 0
    if not get_ll_or_reply(c, 2, &when, NULL):
        return 0
    if seconds:
        if when > LLONG_MAX // 1000 or when < LLONG_MIN // 1000:    # C division: truncates
            add_expire_time_error(c)
            return 0
        when *= 1000
    if when > LLONG_MAX - basetime:
        add_expire_time_error(c)
        return 0
    when += basetime
    if lookup_write(c, c.argv[1], c.argvlen[1]) == NULL:
        add_int(c, 0)
        return 0
    if flags:
        current = get_expire(c.db, c.argv[1], c.argvlen[1])
        if (flags & EXPIRE_NX) and current != -1:
            add_int(c, 0)
            return 0
        if (flags & EXPIRE_XX) and current == -1:
            add_int(c, 0)
            return 0
        if (flags & EXPIRE_GT) and (when <= current or current == -1):
            add_int(c, 0)
            return 0
        if (flags & EXPIRE_LT) and current != -1 and when >= current:
            add_int(c, 0)
            return 0
    if when <= mstime():
        db_delete(c.srv, c.db, c.argv[1], c.argvlen[1])
        if c.srv.propagating:
            c.prop_argv = [b"UNLINK" if c.srv.lazyfree_lazy_expire else b"DEL", c.arg(1)]
        c.srv.dirty += 1
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[1], c.argvlen[1], c.db.id)
        add_int(c, 1)
    else:
        set_expire(c.db, c.argv[1], c.argvlen[1], when)
        add_int(c, 1)
        signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
        if c.srv.propagating and (basetime != 0 or seconds):
            # logged as PEXPIREAT with the absolute time (options kept)
            c.prop_argv = c.args()
            c.prop_argv[0] = b"PEXPIREAT"
            c.prop_argv[2] = when
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"expire", c.argv[1], c.argvlen[1], c.db.id)
        c.srv.dirty += 1
    return 0


cdef int expire_command(Client c) except -1:
    return _expire_generic(c, mstime(), True)


cdef int expireat_command(Client c) except -1:
    return _expire_generic(c, 0, True)


cdef int pexpire_command(Client c) except -1:
    return _expire_generic(c, mstime(), False)


cdef int pexpireat_command(Client c) except -1:
    return _expire_generic(c, 0, False)


cdef int _ttl_generic(Client c, bint output_ms, bint output_abs) noexcept:
    cdef long long expire, ttl = -1
    if lookup_key(c.srv, c.db, c.argv[1], c.argvlen[1], LOOKUP_NOTOUCH) == NULL:
        add_int(c, -2)
        return 0
    expire = get_expire(c.db, c.argv[1], c.argvlen[1])
    if expire != -1:
        ttl = expire if output_abs else expire - mstime()
        if ttl < 0:
            ttl = 0
    if ttl == -1:
        add_int(c, -1)
    else:
        # ttl >= 0 here; rounding in unsigned arithmetic also gives the
        # reference's answer for times within 500 ms of LLONG_MAX
        add_int(c, ttl if output_ms else <long long>((<unsigned long long>ttl + 500) // 1000))
    return 0


cdef int ttl_command(Client c) except -1:
    return _ttl_generic(c, False, False)


cdef int pttl_command(Client c) except -1:
    return _ttl_generic(c, True, False)


cdef int expiretime_command(Client c) except -1:
    return _ttl_generic(c, False, True)


cdef int pexpiretime_command(Client c) except -1:
    return _ttl_generic(c, True, True)


cdef int persist_command(Client c) except -1:
    if lookup_write(c, c.argv[1], c.argvlen[1]) != NULL and remove_expire(c.db, c.argv[1], c.argvlen[1]):
        signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"persist", c.argv[1], c.argvlen[1], c.db.id)
        c.srv.dirty += 1
        add_int(c, 1)
    else:
        add_int(c, 0)
    return 0


# ---- OBJECT -----------------------------------------------------------------------------

cdef robj* _object_lookup(Client c) noexcept:
    cdef robj* o = lookup_key(c.srv, c.db, c.argv[2], c.argvlen[2], LOOKUP_NOTOUCH | LOOKUP_NONOTIFY)
    if o == NULL:
        add_null(c)
    return o


cdef int object_encoding_command(Client c) except -1:
    cdef robj* o = _object_lookup(c)
    cdef const char* name
    cdef size_t n = 0
    if o != NULL:
        name = obj_encoding_name(o)
        while name[n]:
            n += 1
        add_bulk(c, name, n)
    return 0


cdef int object_refcount_command(Client c) except -1:
    cdef robj* o = _object_lookup(c)
    if o != NULL:
        add_int(c, OBJ_SHARED_REFCOUNT if o.flags & OBJ_FLAG_SHARED else 1)
    return 0


cdef long long object_idle_ms(Server srv, robj* o) noexcept:
    """estimateObjectIdleTime: ms since the last access (LRU clock)."""
    cdef long long clock = (srv.mstime // 1000) & LRU_CLOCK_MAX
    if clock >= o.lru:
        return (clock - o.lru) * 1000
    return (clock + (LRU_CLOCK_MAX - o.lru)) * 1000


cdef int object_idletime_command(Client c) except -1:
    cdef robj* o = _object_lookup(c)
    if o == NULL:
        return 0
    if c.srv.maxmemory_policy_flags & 2:
        add_error(c, b"ERR An LFU maxmemory policy is selected, idle time not tracked. Please note "
                     b"that when switching between policies at runtime LRU and LFU data will take "
                     b"some time to adjust.")
        return 0
    add_int(c, object_idle_ms(c.srv, o) // 1000)
    return 0


cdef int object_freq_command(Client c) except -1:
    cdef robj* o = _object_lookup(c)
    if o == NULL:
        return 0
    if not (c.srv.maxmemory_policy_flags & 2):
        add_error(c, b"ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                     b"Please note that when switching between policies at runtime LRU and LFU "
                     b"data will take some time to adjust.")
        return 0
    add_int(c, <long long>lfu_decr_and_return(c.srv, o))
    return 0


# ---- databases ------------------------------------------------------------------------------

cdef int select_command(Client c) except -1:
    cdef int dbid
    if not get_int_or_reply(c, 1, &dbid, NULL):
        return 0
    if dbid < 0 or dbid >= c.srv.dbnum:
        add_error(c, MSG_DB_INDEX)
        return 0
    c.select_db(dbid)
    add_ok(c)
    return 0


cdef int swapdb_command(Client c) except -1:
    cdef int id1, id2
    cdef Db tmp
    cdef Db* a
    cdef Db* b
    if not get_int_or_reply(c, 1, &id1, b"ERR invalid first DB index"):
        return 0
    if not get_int_or_reply(c, 2, &id2, b"ERR invalid second DB index"):
        return 0
    if id1 < 0 or id1 >= c.srv.dbnum or id2 < 0 or id2 >= c.srv.dbnum:
        add_error(c, MSG_DB_INDEX)
        return 0
    if id1 != id2:
        if c.srv.watched_count:
            from pyengine.multi import touch_all_watched_keys_in_db
            touch_all_watched_keys_in_db(c.srv, id1, id2)
            touch_all_watched_keys_in_db(c.srv, id2, id1)
        a = c.srv.db(id1)
        b = c.srv.db(id2)
        # Swap the contents; clients keep pointing at the same Db slot, so
        # a client that selected id1 now sees what was id2's data.
        tmp.keys = a.keys
        tmp.expires = a.expires
        tmp.avg_ttl = a.avg_ttl
        tmp.expires_cursor = a.expires_cursor
        a.keys = b.keys
        a.expires = b.expires
        a.avg_ttl = b.avg_ttl
        a.expires_cursor = b.expires_cursor
        b.keys = tmp.keys
        b.expires = tmp.expires
        b.avg_ttl = tmp.avg_ttl
        b.expires_cursor = tmp.expires_cursor
        if c.srv.blocking_count:
            # Keys clients wait for may now exist in either db.
            from pyengine.blocked import signal_all_blocked_in_db
            signal_all_blocked_in_db(c.srv, id1)
            signal_all_blocked_in_db(c.srv, id2)
    c.srv.dirty += 1
    add_ok(c)
    return 0


cdef int _flush_flags_ok(Client c) noexcept:
    if c.argc == 1:
        return 1
    if c.argc == 2 and (arg_is(c, 1, b"sync") or arg_is(c, 1, b"async")):
        return 1
    add_syntax_error(c)
    return 0


cdef int flushdb_command(Client c) except -1:
    if not _flush_flags_ok(c):
        return 0
    c.srv.dirty += empty_db(c.srv, c.db.id)
    c.flags |= CLIENT_FORCE_PROP        # logged even when there was nothing to flush
    add_ok(c)
    return 0


cdef int flushall_command(Client c) except -1:
    """FLUSHALL (flushAllDataAndResetRDB): empty every db, stop a saving
    child, and with save rules set write the empty snapshot at once."""
    if not _flush_flags_ok(c):
        return 0
    c.srv.dirty += empty_db(c.srv, -1)
    c.flags |= CLIENT_FORCE_PROP
    if c.srv.instance is not None:
        c.srv.instance.persistence.flushall()
    add_ok(c)
    return 0


cdef int dbsize_command(Client c) except -1:
    add_int(c, <long long>dict_size(c.db.keys))
    return 0


PROCS = {
    "del_command": proc_capsule(del_command),
    "unlink_command": proc_capsule(unlink_command),
    "exists_command": proc_capsule(exists_command),
    "touch_command": proc_capsule(touch_command),
    "type_command": proc_capsule(type_command),
    "rename_command": proc_capsule(rename_command),
    "renamenx_command": proc_capsule(renamenx_command),
    "move_command": proc_capsule(move_command),
    "copy_command": proc_capsule(copy_command),
    "keys_command": proc_capsule(keys_command),
    "scan_command": proc_capsule(scan_command),
    "randomkey_command": proc_capsule(randomkey_command),
    "expire_command": proc_capsule(expire_command),
    "expireat_command": proc_capsule(expireat_command),
    "pexpire_command": proc_capsule(pexpire_command),
    "pexpireat_command": proc_capsule(pexpireat_command),
    "ttl_command": proc_capsule(ttl_command),
    "pttl_command": proc_capsule(pttl_command),
    "expiretime_command": proc_capsule(expiretime_command),
    "pexpiretime_command": proc_capsule(pexpiretime_command),
    "persist_command": proc_capsule(persist_command),
    "object_encoding_command": proc_capsule(object_encoding_command),
    "object_refcount_command": proc_capsule(object_refcount_command),
    "object_idletime_command": proc_capsule(object_idletime_command),
    "object_freq_command": proc_capsule(object_freq_command),
    "select_command": proc_capsule(select_command),
    "swapdb_command": proc_capsule(swapdb_command),
    "flushdb_command": proc_capsule(flushdb_command),
    "flushall_command": proc_capsule(flushall_command),
    "dbsize_command": proc_capsule(dbsize_command),
}
