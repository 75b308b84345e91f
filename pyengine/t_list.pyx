"""List commands (Redis 7.0's t_list.c), all in C.

Every list is a quicklist (engine/quicklist): OBJECT ENCODING says
``quicklist`` whatever the size, as Redis 7.0 does (it has no
listpack-encoded list objects; 7.2 added them). A new list takes its node
size and compression depth from ``list-max-listpack-size`` and
``list-compress-depth`` at creation time; changing them later affects new
lists only, as in Redis.

Invariants kept by every command here:

* a list key is never empty: a command that removes the last element
  deletes the key (LPOP, RPOP, LMPOP, LMOVE/RPOPLPUSH source, LREM, LTRIM);
* a change made in place to an existing list calls ``signal_modified_key``
  (WATCH) and adds the number of elements touched to ``srv.dirty``, as
  Redis counts them; creating or deleting a key signals through db_add /
  db_delete;
* keyspace notifications are Redis 7.0's, in its order: "lpush"/"rpush",
  "lpop"/"rpop" (then "del" when the list empties), "lset", "linsert",
  "lrem", "ltrim"; LMOVE notifies the push on the destination before the
  pop on the source; "new" comes from db_add;
* replies are written straight from the listpack bytes (integers with
  add_bulk_ll): LPUSH/RPUSH/LPOP/RPOP/LRANGE/LINDEX create no Python object.
  Python runs only on error paths that format a message and in the DEBUG /
  digest helpers at the end of the file.

Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) are not here
yet; they answer "unknown command" until the blocking infrastructure
exists. Where it will hook in: a client blocked on list keys waits only
while those keys do not exist (a list is never empty), so data becomes
available exactly when a list key is created. In this module every list is
created by ``_create_list_key`` (LPUSH/RPUSH and LMOVE/RPOPLPUSH's
destination), which calls ``db_add``; COPY, RENAME, MOVE, SWAPDB and
RESTORE also create keys through the db layer. Redis signals "key ready" in
dbAdd (signalKeyAsReady, for list, zset and stream values), and the blocked
clients are served after the command, in ``handleClientsBlockedOnKeys``;
the same two points apply here: mark the key ready in ``db_add`` (and in the
paths that bypass it, ``db_add_moved`` and SWAPDB) and serve the waiting
clients after ``call`` returns in the dispatcher. BLMOVE/BRPOPLPUSH and
BLMPOP then reuse ``lmove_generic`` and ``mpop_generic`` below for the
non-blocking case, like Redis's blmoveGenericCommand/blockingPopGeneric.
"""

from libc.string cimport memcpy
from libc.stdio cimport snprintf
from libc.limits cimport LONG_MAX, LONG_MIN
from cpython.bytes cimport PyBytes_FromStringAndSize

from engine._mem cimport mem_alloc, mem_free
from engine.dict cimport pe_entry, dict_find
from engine.object cimport (robj, obj_register_type, PE_OBJ_HEADER, OBJ_LIST, ENC_QUICKLIST)
from engine.listpack cimport uchar, LP_INTBUF_SIZE
from engine.quicklist cimport (quicklist, ql_node, ql_iter, ql_entry, ql_create, ql_release,
                               ql_dup, ql_push, ql_peek, ql_del_end, ql_iter_init_at, ql_next,
                               ql_iter_release, ql_index, ql_insert_before, ql_insert_after,
                               ql_del_entry, ql_replace_at_index, ql_del_range, ql_compare,
                               ql_mem_usage, ql_uncompressed_size, ql_set_packed_threshold,
                               ql_lzf_data, QL_HEAD, QL_TAIL, QL_START_HEAD, QL_START_TAIL,
                               QL_ENC_LZF)
from engine.lzf cimport lzf_compress
from engine.util cimport ll2string, string2ll
from pyengine.core cimport (Client, Server, Db, add_bulk, add_int, add_ok, add_null,
                            add_null_array, add_array, add_error, add_error_len, add_syntax_error,
                            add_bulk_ll, arg_is, get_ll_or_reply, get_range_or_reply, check_type,
                            add_deferred_len, set_deferred_array, proc_capsule)
from pyengine.db cimport lookup_read, lookup_write, db_add, db_delete, signal_modified_key
from pyengine.pubsub cimport notify_keyspace_event, NOTIFY_LIST, NOTIFY_GENERIC
from pyengine.blocked cimport (may_block, block_for_keys, get_timeout_or_reply, first_ready_key,
                              argv_keys)
from pyengine.msgs cimport MSG_NO_SUCH_KEY, MSG_OUT_OF_RANGE, MSG_MUST_BE_POSITIVE

cdef enum:
    SMALL_COPY = 128            # LMOVE copies elements up to this size on the stack

# Error texts only this module sends.
cdef const char* MSG_RANK_ZERO = (b"ERR RANK can't be zero: use 1 to start from the first match, "
                                  b"2 from the second ... or use negative to start from the end "
                                  b"of the list")
cdef const char* MSG_COUNT_NEGATIVE = b"ERR COUNT can't be negative"
cdef const char* MSG_MAXLEN_NEGATIVE = b"ERR MAXLEN can't be negative"
cdef const char* MSG_NUMKEYS = b"ERR numkeys should be greater than 0"
cdef const char* MSG_COUNT_POSITIVE = b"ERR count should be greater than 0"


# ---- list objects ------------------------------------------------------------------------

cdef inline quicklist* _ql(robj* o) noexcept nogil:
    return <quicklist*>o.u.ptr


cdef robj* list_object(quicklist* ql) noexcept nogil:
    """A list value owning ``ql`` (16 bytes: header + pointer)."""
    cdef robj* o = <robj*>mem_alloc(PE_OBJ_HEADER + sizeof(void*))
    o.type = OBJ_LIST
    o.encoding = ENC_QUICKLIST
    o.flags = 0
    o.pad = 0
    o.lru = 0
    o.u.ptr = <void*>ql
    return o


cdef inline int _clamp_int(long long v) noexcept nogil:
    if v > 2147483647:
        return 2147483647
    if v < -2147483648:
        return -2147483648
    return <int>v


cdef robj* list_new(Server srv) noexcept:
    """An empty list with the server's current node size and depth."""
    return list_object(ql_create(_clamp_int(srv.list_max_listpack_size),
                                  _clamp_int(srv.list_compress_depth)))


cdef void _list_free(robj* o) noexcept nogil:
    ql_release(_ql(o))


cdef size_t _list_usage(robj* o) noexcept nogil:
    return ql_mem_usage(_ql(o))


cdef robj* _list_dup(robj* o) noexcept nogil:
    return list_object(ql_dup(_ql(o)))


obj_register_type(OBJ_LIST, _list_free, _list_usage, _list_dup)


cdef robj* _create_list_key(Client c, const char* key, size_t klen) noexcept:
    """Create an empty list under ``key`` (which does not exist) and return
    it; the caller pushes at least one element before returning. Every list
    this module creates comes through here (see the module docstring: the
    point where blocked clients learn that a list key appeared)."""
    cdef robj* o = list_new(c.srv)
    db_add(c.srv, c.db, key, klen, o)
    return o


cdef inline const char* _pop_event(int where) noexcept:
    return b"lpop" if where == LIST_HEAD else b"rpop"


cdef void _elements_removed(Client c, const char* key, size_t klen, robj* o, int where,
                            long count) noexcept:
    """After popping ``count`` elements at ``where`` from ``o``: notify the
    pop, delete the key if the list is empty, signal WATCH, count the
    changes (listElementsRemoved)."""
    notify_keyspace_event(c.srv, NOTIFY_LIST, _pop_event(where), key, klen, c.db.id)
    if _ql(o).count == 0:
        db_delete(c.srv, c.db, key, klen)
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", key, klen, c.db.id)
    signal_modified_key(c.srv, c.db, key, klen)
    c.srv.dirty += count


cdef inline void _add_entry(Client c, ql_entry* e) noexcept:
    if e.value == NULL:
        add_bulk_ll(c, e.longval)
    else:
        add_bulk(c, e.value, e.sz)


cdef void add_list_range_reply(Client c, quicklist* ql, long start, long end, bint reverse) noexcept:
    """Reply the elements [start, end] (negative indexes count from the
    tail), reversed when ``reverse`` (addListRangeReply)."""
    cdef long llen = <long>ql.count
    cdef long rangelen
    cdef ql_iter it
    cdef ql_entry e
    if start < 0:
        start += llen
    if end < 0:
        end += llen
    if start < 0:
        start = 0
    if start > end or start >= llen:
        add_array(c, 0)
        return
    if end >= llen:
        end = llen - 1
    rangelen = end - start + 1
    add_array(c, rangelen)
    ql_iter_init_at(&it, ql, QL_START_TAIL if reverse else QL_START_HEAD, end if reverse else start)
    while rangelen > 0 and ql_next(&it, &e):
        _add_entry(c, &e)
        rangelen -= 1
    ql_iter_release(&it)


cdef void _arity_error(Client c) noexcept:
    cdef bytes msg = b"ERR wrong number of arguments for '" + c.cmd.fullname.encode() + b"' command"
    add_error_len(c, msg, len(msg))


cdef bint list_position(Client c, int i, int* where) noexcept:
    """LEFT / RIGHT (any case); else a syntax error reply and False."""
    if arg_is(c, i, b"right"):
        where[0] = LIST_TAIL
    elif arg_is(c, i, b"left"):
        where[0] = LIST_HEAD
    else:
        add_syntax_error(c)
        return False
    return True


# ---- LPUSH RPUSH LPUSHX RPUSHX ---------------------------------------------------------------

cdef int _push_generic(Client c, int where, bint xx) noexcept:
    cdef robj* o = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef quicklist* ql
    cdef int j
    if check_type(c, o, OBJ_LIST):
        return 0
    if o == NULL:
        if xx:
            add_int(c, 0)
            return 0
        o = _create_list_key(c, c.argv[1], c.argvlen[1])
    ql = _ql(o)
    for j in range(2, c.argc):
        ql_push(ql, c.argv[j], c.argvlen[j], QL_HEAD if where == LIST_HEAD else QL_TAIL)
    c.srv.dirty += c.argc - 2
    add_int(c, <long long>ql.count)
    signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    notify_keyspace_event(c.srv, NOTIFY_LIST, b"lpush" if where == LIST_HEAD else b"rpush",
                          c.argv[1], c.argvlen[1], c.db.id)
    return 0


cdef int lpush_command(Client c) except -1:
    return _push_generic(c, LIST_HEAD, False)


cdef int rpush_command(Client c) except -1:
    return _push_generic(c, LIST_TAIL, False)


cdef int lpushx_command(Client c) except -1:
    return _push_generic(c, LIST_HEAD, True)


cdef int rpushx_command(Client c) except -1:
    return _push_generic(c, LIST_TAIL, True)


# ---- LPOP RPOP ------------------------------------------------------------------------------

cdef int _pop_generic(Client c, int where) noexcept:
    cdef bint hascount = c.argc == 3
    cdef long long count = 0
    cdef long long llen, rangelen
    cdef robj* o
    cdef quicklist* ql
    cdef ql_entry e
    if c.argc > 3:
        _arity_error(c)
        return 0
    if hascount and not get_range_or_reply(c, 2, 0, LONG_MAX, &count, MSG_MUST_BE_POSITIVE):
        return 0
    o = lookup_write(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        if hascount:
            add_null_array(c)
        else:
            add_null(c)
        return 0
    if check_type(c, o, OBJ_LIST):
        return 0
    if hascount and count == 0:
        add_array(c, 0)
        return 0
    ql = _ql(o)
    if not hascount:
        ql_peek(ql, QL_HEAD if where == LIST_HEAD else QL_TAIL, &e)
        _add_entry(c, &e)
        ql_del_end(ql, QL_HEAD if where == LIST_HEAD else QL_TAIL)
        _elements_removed(c, c.argv[1], c.argvlen[1], o, where, 1)
        return 0
    llen = <long long>ql.count
    rangelen = count if count < llen else llen
    if where == LIST_HEAD:
        add_list_range_reply(c, ql, 0, rangelen - 1, False)
        ql_del_range(ql, 0, rangelen)
    else:
        add_list_range_reply(c, ql, -rangelen, -1, True)
        ql_del_range(ql, -rangelen, rangelen)
    _elements_removed(c, c.argv[1], c.argvlen[1], o, where, rangelen)
    return 0


cdef int lpop_command(Client c) except -1:
    return _pop_generic(c, LIST_HEAD)


cdef int rpop_command(Client c) except -1:
    return _pop_generic(c, LIST_TAIL)


# ---- LLEN LRANGE LINDEX ---------------------------------------------------------------------------

cdef int llen_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_LIST):
        return 0
    add_int(c, <long long>_ql(o).count)
    return 0


cdef int lrange_command(Client c) except -1:
    cdef long long start, end
    cdef robj* o
    if not get_ll_or_reply(c, 2, &start, NULL) or not get_ll_or_reply(c, 3, &end, NULL):
        return 0
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_array(c, 0)
        return 0
    if check_type(c, o, OBJ_LIST):
        return 0
    add_list_range_reply(c, _ql(o), start, end, False)
    return 0


cdef int lindex_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef long long index
    cdef ql_iter it
    cdef ql_entry e
    if o == NULL:
        add_null(c)
        return 0
    if check_type(c, o, OBJ_LIST):
        return 0
    if not get_ll_or_reply(c, 2, &index, NULL):
        return 0
    if ql_index(_ql(o), index, &it, &e):
        _add_entry(c, &e)
        ql_iter_release(&it)
    else:
        add_null(c)
    return 0


# ---- LSET LINSERT LREM LTRIM ------------------------------------------------------------------------

cdef int lset_command(Client c) except -1:
    cdef robj* o = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef long long index
    if o == NULL:
        add_error(c, MSG_NO_SUCH_KEY)
        return 0
    if check_type(c, o, OBJ_LIST):
        return 0
    if not get_ll_or_reply(c, 2, &index, NULL):
        return 0
    if not ql_replace_at_index(_ql(o), index, c.argv[3], c.argvlen[3]):
        add_error(c, MSG_OUT_OF_RANGE)
        return 0
    add_ok(c)
    signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    notify_keyspace_event(c.srv, NOTIFY_LIST, b"lset", c.argv[1], c.argvlen[1], c.db.id)
    c.srv.dirty += 1
    return 0


cdef int linsert_command(Client c) except -1:
    cdef bint after
    cdef bint inserted = False
    cdef robj* o
    cdef quicklist* ql
    cdef ql_iter it
    cdef ql_entry e
    if arg_is(c, 2, b"after"):
        after = True
    elif arg_is(c, 2, b"before"):
        after = False
    else:
        add_syntax_error(c)
        return 0
    o = lookup_write(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_LIST):
        return 0
    ql = _ql(o)
    ql_iter_init_at(&it, ql, QL_START_HEAD, 0)
    while ql_next(&it, &e):
        if ql_compare(&e, c.argv[3], c.argvlen[3]):
            if after:
                ql_insert_after(&it, &e, c.argv[4], c.argvlen[4])
            else:
                ql_insert_before(&it, &e, c.argv[4], c.argvlen[4])
            inserted = True
            break
    ql_iter_release(&it)
    if not inserted:
        add_int(c, -1)
        return 0
    signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    notify_keyspace_event(c.srv, NOTIFY_LIST, b"linsert", c.argv[1], c.argvlen[1], c.db.id)
    c.srv.dirty += 1
    add_int(c, <long long>ql.count)
    return 0


cdef int lrem_command(Client c) except -1:
    cdef long long toremove
    cdef long long removed = 0
    cdef robj* o
    cdef quicklist* ql
    cdef ql_iter it
    cdef ql_entry e
    if not get_ll_or_reply(c, 2, &toremove, NULL):
        return 0
    o = lookup_write(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_LIST):
        return 0
    ql = _ql(o)
    if toremove < 0:
        toremove = <long long>(0 - <unsigned long long>toremove)   # LLONG_MIN stays negative, as in C
        ql_iter_init_at(&it, ql, QL_START_TAIL, -1)
    else:
        ql_iter_init_at(&it, ql, QL_START_HEAD, 0)
    while ql_next(&it, &e):
        if ql_compare(&e, c.argv[3], c.argvlen[3]):
            ql_del_entry(&it, &e)
            removed += 1
            if toremove and removed == toremove:
                break
    ql_iter_release(&it)
    c.srv.dirty += removed
    if removed:
        signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
        notify_keyspace_event(c.srv, NOTIFY_LIST, b"lrem", c.argv[1], c.argvlen[1], c.db.id)
    if ql.count == 0:
        db_delete(c.srv, c.db, c.argv[1], c.argvlen[1])
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[1], c.argvlen[1], c.db.id)
    add_int(c, removed)
    return 0


cdef int ltrim_command(Client c) except -1:
    cdef long long start, end, llen, ltrim, rtrim
    cdef robj* o
    cdef quicklist* ql
    if not get_ll_or_reply(c, 2, &start, NULL) or not get_ll_or_reply(c, 3, &end, NULL):
        return 0
    o = lookup_write(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_ok(c)
        return 0
    if check_type(c, o, OBJ_LIST):
        return 0
    ql = _ql(o)
    llen = <long long>ql.count
    if start < 0:
        start += llen
    if end < 0:
        end += llen
    if start < 0:
        start = 0
    if start > end or start >= llen:
        ltrim = llen
        rtrim = 0
    else:
        if end >= llen:
            end = llen - 1
        ltrim = start
        rtrim = llen - end - 1
    ql_del_range(ql, 0, ltrim)
    ql_del_range(ql, -rtrim, rtrim)
    notify_keyspace_event(c.srv, NOTIFY_LIST, b"ltrim", c.argv[1], c.argvlen[1], c.db.id)
    if ql.count == 0:
        db_delete(c.srv, c.db, c.argv[1], c.argvlen[1])
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[1], c.argvlen[1], c.db.id)
    signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    c.srv.dirty += ltrim + rtrim
    add_ok(c)
    return 0


# ---- LPOS ---------------------------------------------------------------------------------------

cdef int lpos_command(Client c) except -1:
    cdef int direction = LIST_TAIL
    cdef long long rank = 1, count = -1, maxlen = 0
    cdef long long index = 0, matches = 0, matchindex = -1, arraylen = 0, llen
    cdef int j
    cdef robj* o
    cdef ql_iter it
    cdef ql_entry e
    cdef size_t arraypos = 0
    j = 3
    while j < c.argc:
        if arg_is(c, j, b"rank") and j < c.argc - 1:
            j += 1
            if not get_ll_or_reply(c, j, &rank, NULL):
                return 0
            if rank == 0:
                add_error(c, MSG_RANK_ZERO)
                return 0
        elif arg_is(c, j, b"count") and j < c.argc - 1:
            j += 1
            if not get_range_or_reply(c, j, 0, LONG_MAX, &count, MSG_COUNT_NEGATIVE):
                return 0
        elif arg_is(c, j, b"maxlen") and j < c.argc - 1:
            j += 1
            if not get_range_or_reply(c, j, 0, LONG_MAX, &maxlen, MSG_MAXLEN_NEGATIVE):
                return 0
        else:
            add_syntax_error(c)
            return 0
        j += 1
    if rank < 0:
        rank = <long long>(0 - <unsigned long long>rank)   # LLONG_MIN stays negative, as in C
        direction = LIST_HEAD
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        if count != -1:
            add_array(c, 0)
        else:
            add_null(c)
        return 0
    if check_type(c, o, OBJ_LIST):
        return 0
    if count != -1:
        arraypos = add_deferred_len(c)
    llen = <long long>_ql(o).count
    ql_iter_init_at(&it, _ql(o), QL_START_TAIL if direction == LIST_HEAD else QL_START_HEAD,
                    -1 if direction == LIST_HEAD else 0)
    while ql_next(&it, &e) and (maxlen == 0 or index < maxlen):
        if ql_compare(&e, c.argv[2], c.argvlen[2]):
            matches += 1
            matchindex = index if direction == LIST_TAIL else llen - index - 1
            if matches >= rank:
                if count != -1:
                    arraylen += 1
                    add_int(c, matchindex)
                    # wrapping arithmetic, as C computes it for RANK LLONG_MIN
                    if count and <long long>(<unsigned long long>matches - <unsigned long long>rank
                                             + 1) >= count:
                        break
                else:
                    break
        index += 1
        matchindex = -1
    ql_iter_release(&it)
    if count != -1:
        set_deferred_array(c, arraypos, arraylen)
    elif matchindex != -1:
        add_int(c, matchindex)
    else:
        add_null(c)
    return 0


# ---- LMOVE RPOPLPUSH ------------------------------------------------------------------------------

cdef int lmove_generic(Client c, int wherefrom, int whereto) noexcept:
    """Pop from argv[1] at ``wherefrom``, push to argv[2] at ``whereto``,
    reply the element (lmoveGenericCommand)."""
    cdef robj* sobj = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef robj* dobj
    cdef ql_entry e
    cdef char small[SMALL_COPY]
    cdef char* buf = small
    cdef size_t n
    if sobj == NULL:
        add_null(c)
        return 0
    if check_type(c, sobj, OBJ_LIST):
        return 0
    if _ql(sobj).count == 0:
        add_null(c)
        return 0
    dobj = lookup_write(c, c.argv[2], c.argvlen[2])
    if check_type(c, dobj, OBJ_LIST):
        return 0
    # take a copy of the element: the pop frees it and, when source and
    # destination are the same list, the push may move its node
    ql_peek(_ql(sobj), QL_HEAD if wherefrom == LIST_HEAD else QL_TAIL, &e)
    if e.value == NULL:
        n = <size_t>ll2string(small, e.longval)
    else:
        n = e.sz
        if n > SMALL_COPY:
            buf = <char*>mem_alloc(n)
        memcpy(buf, e.value, n)
    ql_del_end(_ql(sobj), QL_HEAD if wherefrom == LIST_HEAD else QL_TAIL)
    if dobj == NULL:
        dobj = _create_list_key(c, c.argv[2], c.argvlen[2])
    signal_modified_key(c.srv, c.db, c.argv[2], c.argvlen[2])
    ql_push(_ql(dobj), buf, n, QL_HEAD if whereto == LIST_HEAD else QL_TAIL)
    notify_keyspace_event(c.srv, NOTIFY_LIST, b"lpush" if whereto == LIST_HEAD else b"rpush",
                          c.argv[2], c.argvlen[2], c.db.id)
    add_bulk(c, buf, n)
    if buf != small:
        mem_free(buf)
    notify_keyspace_event(c.srv, NOTIFY_LIST, _pop_event(wherefrom), c.argv[1], c.argvlen[1],
                          c.db.id)
    if _ql(sobj).count == 0:
        db_delete(c.srv, c.db, c.argv[1], c.argvlen[1])
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[1], c.argvlen[1], c.db.id)
    signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    c.srv.dirty += 1
    return 0


cdef int lmove_command(Client c) except -1:
    cdef int wherefrom, whereto
    if not list_position(c, 3, &wherefrom) or not list_position(c, 4, &whereto):
        return 0
    return lmove_generic(c, wherefrom, whereto)


cdef int rpoplpush_command(Client c) except -1:
    return lmove_generic(c, LIST_TAIL, LIST_HEAD)


# ---- LMPOP ----------------------------------------------------------------------------------------

cdef int mpop_generic(Client c, int first, long long numkeys, int where, long long count) noexcept:
    """Pop up to ``count`` elements from the first non-empty list among
    argv[first : first + numkeys]; reply [key, [elements]] or a null array."""
    cdef long long j, llen, rangelen
    cdef int k
    cdef robj* o
    cdef quicklist* ql
    for j in range(numkeys):
        k = first + <int>j
        o = lookup_write(c, c.argv[k], c.argvlen[k])
        if o == NULL:
            continue
        if check_type(c, o, OBJ_LIST):
            return 0
        ql = _ql(o)
        llen = <long long>ql.count
        if llen == 0:
            continue
        rangelen = count if count < llen else llen
        add_array(c, 2)
        add_bulk(c, c.argv[k], c.argvlen[k])
        if where == LIST_HEAD:
            add_list_range_reply(c, ql, 0, rangelen - 1, False)
            ql_del_range(ql, 0, rangelen)
        else:
            add_list_range_reply(c, ql, -rangelen, -1, True)
            ql_del_range(ql, -rangelen, rangelen)
        if c.srv.propagating:       # LMPOP / BLMPOP are logged as [LR]POP key count
            c.prop_argv = [b"LPOP" if where == LIST_HEAD else b"RPOP", c.arg(k), rangelen]
        _elements_removed(c, c.argv[k], c.argvlen[k], o, where, rangelen)
        return 0
    add_null_array(c)
    return 0


cdef int lmpop_command(Client c) except -1:
    cdef long long numkeys, count = -1
    cdef int where = LIST_HEAD
    cdef long long where_idx
    cdef int j
    if not get_range_or_reply(c, 1, 1, LONG_MAX, &numkeys, MSG_NUMKEYS):
        return 0
    if numkeys >= c.argc - 2:          # where_idx = numkeys + 2 would be past the end
        add_syntax_error(c)
        return 0
    where_idx = numkeys + 2
    if not list_position(c, <int>where_idx, &where):
        return 0
    j = <int>where_idx + 1
    while j < c.argc:
        if count == -1 and arg_is(c, j, b"count") and j < c.argc - 1:
            j += 1
            if not get_range_or_reply(c, j, 1, LONG_MAX, &count, MSG_COUNT_POSITIVE):
                return 0
        else:
            add_syntax_error(c)
            return 0
        j += 1
    if count == -1:
        count = 1
    return mpop_generic(c, 2, numkeys, where, count)


# ---- blocking pops: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP --------------------------------------
#
# Each first tries its non-blocking work; when every key is missing it
# parks the client (pyengine.blocked). A list key appearing (every list is
# created through _create_list_key -> db_add, which signals the key) re-runs
# the command. During such a re-run a key of another type is not an error
# but "not ready": Redis 7.0 only serves blocked clients from a list.

cdef int _blocking_pop(Client c, int where) except -1:
    """BLPOP / BRPOP key [key ...] timeout."""
    cdef long long timeout
    cdef int numkeys = c.argc - 2
    cdef int k
    cdef robj* o
    cdef ql_entry e
    if not get_timeout_or_reply(c, c.argc - 1, &timeout):
        return 0
    k = first_ready_key(c, 1, numkeys, OBJ_LIST)
    if k == -2:
        return 0
    if k >= 0:
        o = lookup_write(c, c.argv[k], c.argvlen[k])
        add_array(c, 2)
        add_bulk(c, c.argv[k], c.argvlen[k])
        ql_peek(_ql(o), QL_HEAD if where == LIST_HEAD else QL_TAIL, &e)
        _add_entry(c, &e)
        ql_del_end(_ql(o), QL_HEAD if where == LIST_HEAD else QL_TAIL)
        if c.srv.propagating:
            c.prop_argv = [b"LPOP" if where == LIST_HEAD else b"RPOP", c.arg(k)]
        _elements_removed(c, c.argv[k], c.argvlen[k], o, where, 1)
        return 0
    if not may_block(c):
        add_null_array(c)
        return 0
    return block_for_keys(c, argv_keys(c, 1, numkeys), timeout)


cdef int blpop_command(Client c) except -1:
    return _blocking_pop(c, LIST_HEAD)


cdef int brpop_command(Client c) except -1:
    return _blocking_pop(c, LIST_TAIL)


cdef int _blocking_move(Client c, int wherefrom, int whereto, int timeout_idx) except -1:
    cdef long long timeout, dirty
    cdef int k
    if not get_timeout_or_reply(c, timeout_idx, &timeout):
        return 0
    k = first_ready_key(c, 1, 1, OBJ_LIST)
    if k == -2:
        return 0
    if k >= 0:
        dirty = c.srv.dirty
        lmove_generic(c, wherefrom, whereto)
        if c.srv.propagating and c.srv.dirty != dirty:
            if timeout_idx == 3:
                c.prop_argv = [b"RPOPLPUSH", c.arg(1), c.arg(2)]
            else:
                c.prop_argv = [b"LMOVE", c.arg(1), c.arg(2), c.arg(3), c.arg(4)]
        return 0
    if not may_block(c):
        add_null(c)
        return 0
    return block_for_keys(c, argv_keys(c, 1, 1), timeout)


cdef int blmove_command(Client c) except -1:
    cdef int wherefrom, whereto
    if not list_position(c, 3, &wherefrom) or not list_position(c, 4, &whereto):
        return 0
    return _blocking_move(c, wherefrom, whereto, 5)


cdef int brpoplpush_command(Client c) except -1:
    return _blocking_move(c, LIST_TAIL, LIST_HEAD, 3)


cdef int blmpop_command(Client c) except -1:
    """BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]."""
    cdef long long numkeys, count = -1, timeout
    cdef int where = LIST_HEAD
    cdef long long where_idx
    cdef int j, k
    if not get_range_or_reply(c, 2, 1, LONG_MAX, &numkeys, MSG_NUMKEYS):
        return 0
    where_idx = numkeys + 3
    if where_idx >= c.argc:
        add_syntax_error(c)
        return 0
    if not list_position(c, <int>where_idx, &where):
        return 0
    j = <int>where_idx + 1
    while j < c.argc:
        if count == -1 and arg_is(c, j, b"count") and j < c.argc - 1:
            j += 1
            if not get_range_or_reply(c, j, 1, LONG_MAX, &count, MSG_COUNT_POSITIVE):
                return 0
        else:
            add_syntax_error(c)
            return 0
        j += 1
    if count == -1:
        count = 1
    if not get_timeout_or_reply(c, 1, &timeout):
        return 0
    k = first_ready_key(c, 3, <int>numkeys, OBJ_LIST)
    if k == -2:
        return 0
    if k >= 0:
        return mpop_generic(c, k, 1, where, count)
    if not may_block(c):
        add_null_array(c)
        return 0
    return block_for_keys(c, argv_keys(c, 3, <int>numkeys), timeout)


# ---- DEBUG and DIGEST helpers (Python, not on any hot path) -----------------------------------

cdef quicklist* _peek_list(Server srv, int dbid, bytes key):
    cdef pe_entry* e = dict_find(srv.dbs[dbid].keys, key, len(key))
    cdef robj* o
    if e == NULL:
        return NULL
    o = <robj*>e.v.ptr
    if o.type != OBJ_LIST:
        return NULL
    return _ql(o)


def py_list_items(Server srv, int dbid, bytes key):
    """Every element of the list at ``key`` (bytes, integers formatted),
    head to tail; None if there is no list there."""
    cdef quicklist* ql = _peek_list(srv, dbid, key)
    cdef ql_iter it
    cdef ql_entry e
    cdef list out = []
    if ql == NULL:
        return None
    ql_iter_init_at(&it, ql, QL_START_HEAD, 0)
    while ql_next(&it, &e):
        if e.value == NULL:
            out.append(str(e.longval).encode())
        else:
            out.append(PyBytes_FromStringAndSize(e.value, e.sz))
    ql_iter_release(&it)
    return out


def _digest_parts(Server srv, int dbid, bytes key):
    """xorObjectDigest for a list: each element mixed in order."""
    return [("mix", v) for v in py_list_items(srv, dbid, key)]


cdef size_t _rdb_len_len(size_t n) noexcept nogil:
    """Bytes of an RDB length (rdbSaveLen)."""
    if n < (1 << 6):
        return 1
    if n < (1 << 14):
        return 2
    if n <= 0xFFFFFFFFUL:
        return 5
    return 9


cdef size_t _rdb_string_len(const uchar* s, size_t n, bint compression) noexcept nogil:
    """Bytes rdbSaveRawString writes for s[:n]: an integer encoding, an LZF
    block, or length + bytes."""
    cdef long long v
    cdef size_t clen
    cdef uchar* out
    if n <= 11 and string2ll(<const char*>s, n, &v):
        if -128 <= v <= 127:
            return 2
        if -32768 <= v <= 32767:
            return 3
        if -2147483648 <= v <= 2147483647:
            return 5
    if compression and n > 20:
        out = <uchar*>mem_alloc(n - 4 + 1)
        clen = lzf_compress(s, n, out, n - 4)
        mem_free(out)
        if clen:
            return 1 + _rdb_len_len(clen) + _rdb_len_len(n) + clen
    return _rdb_len_len(n) + n


cdef size_t _rdb_list_len(quicklist* ql, bint compression) noexcept nogil:
    """rdbSavedObjectLen of a list (RDB_TYPE_LIST_QUICKLIST_2 body)."""
    cdef size_t total = _rdb_len_len(ql.len)
    cdef ql_node* node = ql.head
    cdef size_t clen
    while node != NULL:
        total += _rdb_len_len(node.container)
        if node.encoding == QL_ENC_LZF:
            ql_lzf_data(node, &clen)
            total += 1 + _rdb_len_len(clen) + _rdb_len_len(node.sz) + clen
        else:
            total += _rdb_string_len(node.entry, node.sz, compression)
        node = node.next
    return total


def _debug_object(Server srv, int dbid, bytes key):
    """(serializedlength, extra text) for DEBUG OBJECT of a list."""
    cdef quicklist* ql = _peek_list(srv, dbid, key)
    cdef char buf[160]
    cdef int n
    compression = bool(srv.config["rdbcompression"]) if srv.config is not None else True
    n = snprintf(buf, sizeof(buf),
                 b" ql_nodes:%lu ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d"
                 b" ql_uncompressed_size:%lu",
                 ql.len, <double>ql.count / ql.len, ql.fill, <int>(1 if ql.compress != 0 else 0),
                 ql_uncompressed_size(ql))
    return _rdb_list_len(ql, compression), buf[:n].decode()


def set_packed_threshold(unsigned long long sz):
    """DEBUG QUICKLIST-PACKED-THRESHOLD. False when out of range."""
    return ql_set_packed_threshold(sz)


def _register():
    from pyengine import db as pdb
    pdb.DIGEST_PARTS["list"] = _digest_parts
    pdb.DEBUG_OBJECT["list"] = _debug_object


_register()


PROCS = {
    "lpush_command": proc_capsule(lpush_command),
    "rpush_command": proc_capsule(rpush_command),
    "lpushx_command": proc_capsule(lpushx_command),
    "rpushx_command": proc_capsule(rpushx_command),
    "lpop_command": proc_capsule(lpop_command),
    "rpop_command": proc_capsule(rpop_command),
    "llen_command": proc_capsule(llen_command),
    "lrange_command": proc_capsule(lrange_command),
    "lindex_command": proc_capsule(lindex_command),
    "lset_command": proc_capsule(lset_command),
    "linsert_command": proc_capsule(linsert_command),
    "lrem_command": proc_capsule(lrem_command),
    "ltrim_command": proc_capsule(ltrim_command),
    "lpos_command": proc_capsule(lpos_command),
    "lmove_command": proc_capsule(lmove_command),
    "rpoplpush_command": proc_capsule(rpoplpush_command),
    "lmpop_command": proc_capsule(lmpop_command),
    "blpop_command": proc_capsule(blpop_command),
    "brpop_command": proc_capsule(brpop_command),
    "blmove_command": proc_capsule(blmove_command),
    "brpoplpush_command": proc_capsule(brpoplpush_command),
    "blmpop_command": proc_capsule(blmpop_command),
}
