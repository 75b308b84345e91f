"""The set type and its commands (Redis 7.0's t_set.c), all in C.

Encodings
---------
A set value is a ``robj`` of type OBJ_SET whose ``u.ptr`` is one of:

* ``intset`` (engine/intset): while every member is an integer in
  string2ll's canonical form ("12", "-3"; not "012", "+1", " 1", "1.0")
  and there are at most ``set-max-intset-entries`` members (capped at
  2^30 like Redis). Members are kept sorted, so whatever walks an intset
  (SMEMBERS, SSCAN, a SINTER driven by it, a STORE result) sees ascending
  order, exactly as Redis replies.
* ``hashtable`` (engine/dict): keys only (the value slot is unused, the
  member bytes live inline in the entry).

Conversions happen exactly where Redis 7.0 converts, one way only:
adding a non-integer member to an intset, or an add that makes it exceed
the entry limit, turns it into a hashtable presized for its members. A
hashtable never goes back, even when its members become all integers
again -- but the sets some commands *build* (STORE results, SUNION/SDIFF's
temporary result, SPOP's surviving set) start as intsets, as in Redis, so
their encodings and reply orders follow from the members they receive.

Layers
------
``set_*`` is the encoding-agnostic API (t_set.pxd) other modules use; the
``*_command`` functions below it are the commands. A member is always
passed as bytes (``s``, ``n``); iterators and random picks hand intset
members out as int64 (the caller formats them only when it must).

Redis behaviours kept because they are observable
-------------------------------------------------
* SINTER iterates the smallest set (ties keep argument order: glibc's
  qsort is a stable merge sort for these sizes), so an intset driver gives
  sorted output even when other inputs are hashtables.
* SDIFF picks between "test each member of the first set" and "copy the
  first set then remove the others" by the same work estimate; the second
  can overflow the intset limit on the way and leave a hashtable result.
* SPOP with a count: count >= size replies the whole set (built as a
  SUNION of the one set) and deletes the key; a small count pops random
  members one by one; a count close to the size instead moves the
  survivors into a new set (which may be an intset again) and replies what
  is left of the old one.
* SRANDMEMBER with a count: negative counts (or 1) sample with repetition;
  count >= size replies the whole set; otherwise a temporary table is
  filled by subtracting random members (count*3 > size) or by drawing
  until enough distinct ones.

Hot paths (SADD, SREM, SISMEMBER, SCARD, SMISMEMBER) create no Python
objects: arguments are read from ``c.argv`` and replies written to
``c.reply``.
"""

from libc.stdint cimport int64_t, uint32_t, uint8_t
from libc.stdlib cimport qsort
from cpython.bytes cimport PyBytes_FromStringAndSize

from engine._mem cimport mem_alloc, mem_free, mem_usable
from engine.dict cimport (dict_t, pe_entry, dict_iter, dict_create, dict_release, dict_find,
                          dict_add_or_find, dict_delete, dict_unlink, dict_free_entry,
                          dict_expand, dict_size, dict_shrink, dict_needs_shrink,
                          dict_fair_random, dict_iter_init, dict_iter_next, dict_iter_release,
                          dict_mem_overhead)
from engine.intset cimport (intset, intset_new, intset_add, intset_remove, intset_remove_at,
                            intset_find, intset_len, intset_at, intset_random_pos, intset_dup,
                            intset_free)
from engine.object cimport (robj, obj_free, obj_register_type, PE_OBJ_HEADER, OBJ_SET, ENC_INTSET, ENC_HT)
from engine.resp cimport pe_fmt_i64
from engine.util cimport string2ll, stringmatch
from pyengine.core cimport (Client, Server, Db, add_bulk, add_int, add_null, add_error,
                            add_array, add_set, add_bulk_ll, add_syntax_error, check_type, arg_is,
                            get_range_or_reply, add_deferred_len, set_deferred_set,
                            set_deferred_array, proc_capsule, CLIENT_CLOSE_ASAP,
                            CLIENT_PREVENT_PROP)
from pyengine.db cimport (lookup_read, lookup_write, db_add, db_delete, set_key,
                          db_replace_value, signal_modified_key)
from pyengine.msgs cimport MSG_MUST_BE_POSITIVE
from pyengine.pubsub cimport notify_keyspace_event, NOTIFY_SET, NOTIFY_GENERIC
from pyengine.scan cimport (scan_opts, scan_batch, parse_scan_cursor, parse_scan_opts,
                            scan_batch_init, scan_batch_free, scan_collect_key, scan_dict,
                            scan_batch_next)

cdef enum:
    MAX_INTSET_CAP = 1 << 30            # Redis caps set-max-intset-entries here
    SPOP_MOVE_STRATEGY_MUL = 5
    SRANDMEMBER_SUB_STRATEGY_MUL = 3
    SET_OP_UNION = 0
    SET_OP_DIFF = 1

cdef long long _LLONG_MAX = 9223372036854775807


# ---- set objects ----------------------------------------------------------------

cdef inline robj* _new_set(uint8_t encoding, void* ptr) noexcept nogil:
    cdef robj* o = <robj*>mem_alloc(PE_OBJ_HEADER + sizeof(void*))
    o.type = OBJ_SET
    o.encoding = encoding
    o.flags = 0
    o.pad = 0
    o.lru = 0
    o.u.ptr = ptr
    return o


cdef robj* set_create_intset() noexcept nogil:
    """An empty intset-encoded set. The caller owns it."""
    return _new_set(ENC_INTSET, intset_new())


cdef robj* set_create_ht(size_t presize) noexcept nogil:
    """An empty hashtable-encoded set, with buckets for ``presize`` members
    when > 0. The caller owns it."""
    cdef dict_t* d = dict_create(NULL)
    if presize:
        dict_expand(d, presize)
    return _new_set(ENC_HT, d)


cdef robj* set_from_intset(intset* s) noexcept nogil:
    """An intset-encoded set owning ``s`` (RDB loading: a validated blob)."""
    return _new_set(ENC_INTSET, s)


cdef robj* set_create_for(const char* s, size_t n) noexcept nogil:
    """setTypeCreate: the set a first member ``s`` can live in (intset when
    it is an integer). The member is not added."""
    cdef long long ll
    if string2ll(s, n, &ll):
        return set_create_intset()
    return set_create_ht(0)


cdef void set_convert_to_ht(robj* o, size_t presize) noexcept nogil:
    """Turn an intset-encoded set into a hashtable holding the same members
    (as decimal text), presized for ``presize`` members. O(n)."""
    cdef intset* s = <intset*>o.u.ptr
    cdef dict_t* d = dict_create(NULL)
    cdef uint32_t i, length = intset_len(s)
    cdef char buf[24]
    cdef int n
    cdef bint existed
    dict_expand(d, presize if presize > length else length)
    for i in range(length):
        n = pe_fmt_i64(buf, intset_at(s, i))
        dict_add_or_find(d, buf, n, &existed)
    intset_free(s)
    o.u.ptr = d
    o.encoding = ENC_HT


cdef inline bint _intset_added(robj* o, int64_t ll, long long max_intset) noexcept nogil:
    """Add an integer to an intset-encoded set; convert when it outgrows
    the limit. True if the member was new."""
    cdef bint added
    o.u.ptr = intset_add(<intset*>o.u.ptr, ll, &added)
    if added:
        if max_intset >= MAX_INTSET_CAP:
            max_intset = MAX_INTSET_CAP
        if <long long>intset_len(<intset*>o.u.ptr) > max_intset:
            set_convert_to_ht(o, 0)
    return added


cdef bint set_add(robj* o, const char* s, size_t n, long long max_intset) noexcept nogil:
    """setTypeAdd: add member ``s``; True if it was not there. Converts an
    intset to a hashtable on a non-integer member or when it would exceed
    ``max_intset`` members. O(1) hashtable, O(n) intset."""
    cdef long long ll
    cdef bint existed
    if o.encoding == ENC_INTSET:
        if string2ll(s, n, &ll):
            return _intset_added(o, ll, max_intset)
        set_convert_to_ht(o, 0)
    dict_add_or_find(<dict_t*>o.u.ptr, s, n, &existed)
    return not existed


cdef inline bint _set_add_ll(robj* o, int64_t ll, long long max_intset) noexcept nogil:
    """set_add of an integer member (no text round trip for intsets)."""
    cdef char buf[24]
    cdef bint existed
    if o.encoding == ENC_INTSET:
        return _intset_added(o, ll, max_intset)
    dict_add_or_find(<dict_t*>o.u.ptr, buf, pe_fmt_i64(buf, ll), &existed)
    return not existed


cdef inline void _ht_deleted(dict_t* d) noexcept nogil:
    """After a delete: shrink a table that became sparse (setTypeRemove)."""
    if dict_needs_shrink(d):
        dict_shrink(d)


cdef bint set_remove(robj* o, const char* s, size_t n) noexcept nogil:
    """setTypeRemove: remove member ``s``; True if it was there. An intset
    keeps its width; a hashtable shrinks when under 10% full."""
    cdef long long ll
    cdef bint removed
    if o.encoding == ENC_HT:
        if dict_delete(<dict_t*>o.u.ptr, s, n):
            _ht_deleted(<dict_t*>o.u.ptr)
            return True
        return False
    if string2ll(s, n, &ll):
        o.u.ptr = intset_remove(<intset*>o.u.ptr, ll, &removed)
        return removed
    return False


cdef inline bint _set_remove_ll(robj* o, int64_t ll) noexcept nogil:
    cdef char buf[24]
    cdef bint removed
    if o.encoding == ENC_HT:
        return set_remove(o, buf, pe_fmt_i64(buf, ll))
    o.u.ptr = intset_remove(<intset*>o.u.ptr, ll, &removed)
    return removed


cdef bint set_is_member(robj* o, const char* s, size_t n) noexcept nogil:
    """setTypeIsMember. O(1) hashtable, O(log n) intset."""
    cdef long long ll
    if o.encoding == ENC_HT:
        return dict_find(<dict_t*>o.u.ptr, s, n) != NULL
    if string2ll(s, n, &ll):
        return intset_find(<intset*>o.u.ptr, ll)
    return False


cdef inline bint _set_is_member_ll(robj* o, int64_t ll) noexcept nogil:
    cdef char buf[24]
    if o.encoding == ENC_INTSET:
        return intset_find(<intset*>o.u.ptr, ll)
    return dict_find(<dict_t*>o.u.ptr, buf, pe_fmt_i64(buf, ll)) != NULL


cdef size_t set_size(robj* o) noexcept nogil:
    """Number of members. O(1)."""
    if o.encoding == ENC_INTSET:
        return intset_len(<intset*>o.u.ptr)
    return dict_size(<dict_t*>o.u.ptr)


cdef void set_iter_init(set_iter* it, robj* o) noexcept nogil:
    """Start walking ``o``: ascending for an intset, table order for a
    hashtable (a safe iterator: members returned may be removed). Members
    must not be added while it runs. Release with set_iter_release."""
    it.o = o
    it.encoding = o.encoding
    it.ii = 0
    if o.encoding == ENC_HT:
        dict_iter_init(&it.di, <dict_t*>o.u.ptr)


cdef int set_iter_next(set_iter* it, const char** s, size_t* n, int64_t* ll) noexcept nogil:
    """The next member: returns ENC_INTSET with ``ll`` set, ENC_HT with
    ``s``/``n`` set (pointing into the table), or -1 at the end."""
    cdef pe_entry* e
    cdef intset* iset
    if it.encoding == ENC_INTSET:
        iset = <intset*>it.o.u.ptr
        if it.ii >= intset_len(iset):
            return -1
        ll[0] = intset_at(iset, it.ii)
        it.ii += 1
        return ENC_INTSET
    e = dict_iter_next(&it.di)
    if e == NULL:
        return -1
    s[0] = e.key
    n[0] = e.klen
    return ENC_HT


cdef inline bint _iter_next_text(set_iter* it, const char** s, size_t* n) noexcept nogil:
    """set_iter_next with intset members formatted into ``it.buf``."""
    cdef int64_t ll
    cdef int enc = set_iter_next(it, s, n, &ll)
    if enc == -1:
        return False
    if enc == ENC_INTSET:
        n[0] = pe_fmt_i64(it.buf, ll)
        s[0] = it.buf
    return True


cdef void set_iter_release(set_iter* it) noexcept nogil:
    if it.encoding == ENC_HT:
        dict_iter_release(&it.di)


cdef int set_random(robj* o, const char** s, size_t* n, int64_t* ll) noexcept nogil:
    """setTypeRandomElement of a non-empty set: ENC_INTSET with ``ll`` (a
    uniform pick), or ENC_HT with ``s``/``n`` (a fair pick from the
    table, pointing into it)."""
    cdef pe_entry* e
    cdef intset* iset
    if o.encoding == ENC_INTSET:
        iset = <intset*>o.u.ptr
        ll[0] = intset_at(iset, intset_random_pos(iset))
        return ENC_INTSET
    e = dict_fair_random(<dict_t*>o.u.ptr)
    s[0] = e.key
    n[0] = e.klen
    return ENC_HT


cdef inline void _reply_member(Client c, int enc, const char* s, size_t n, int64_t ll) noexcept:
    if enc == ENC_INTSET:
        add_bulk_ll(c, ll)
    else:
        add_bulk(c, s, n)


# ---- object hooks: free, MEMORY USAGE, COPY -------------------------------------------

cdef void _set_free(robj* o) noexcept nogil:
    if o.encoding == ENC_INTSET:
        intset_free(<intset*>o.u.ptr)
    else:
        dict_release(<dict_t*>o.u.ptr)


cdef size_t _set_usage(robj* o) noexcept nogil:
    """Bytes owned besides the robj: the intset blob, or the table plus
    every entry (exact, O(n))."""
    cdef dict_iter it
    cdef pe_entry* e
    cdef size_t total
    if o.encoding == ENC_INTSET:
        return mem_usable(o.u.ptr)
    total = mem_usable(o.u.ptr) + dict_mem_overhead(<dict_t*>o.u.ptr) - sizeof(dict_t)
    dict_iter_init(&it, <dict_t*>o.u.ptr)
    while True:
        e = dict_iter_next(&it)
        if e == NULL:
            break
        total += mem_usable(e)
    dict_iter_release(&it)
    return total


cdef robj* _set_dup(robj* o) noexcept nogil:
    """setTypeDup: a copy with the same encoding."""
    cdef set_iter it
    cdef const char* s
    cdef size_t n
    cdef robj* copy
    cdef bint existed
    if o.encoding == ENC_INTSET:
        return _new_set(ENC_INTSET, intset_dup(<intset*>o.u.ptr))
    copy = set_create_ht(dict_size(<dict_t*>o.u.ptr))
    set_iter_init(&it, o)
    while _iter_next_text(&it, &s, &n):
        dict_add_or_find(<dict_t*>copy.u.ptr, s, n, &existed)
    set_iter_release(&it)
    return copy


obj_register_type(OBJ_SET, _set_free, _set_usage, _set_dup)


# ---- single-key commands ------------------------------------------------------------

cdef int sadd_command(Client c) except -1:
    cdef robj* o = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef long long added = 0
    cdef long long max_intset = c.srv.set_max_intset_entries
    cdef bint created = False
    cdef int j
    if check_type(c, o, OBJ_SET):
        return 0
    if o == NULL:
        o = set_create_for(c.argv[2], c.argvlen[2])
        db_add(c.srv, c.db, c.argv[1], c.argvlen[1], o)       # signals the key
        created = True
    for j in range(2, c.argc):
        if set_add(o, c.argv[j], c.argvlen[j], max_intset):
            added += 1
    if added and not created:
        signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    if added:
        notify_keyspace_event(c.srv, NOTIFY_SET, b"sadd", c.argv[1], c.argvlen[1], c.db.id)
    c.srv.dirty += added
    add_int(c, added)
    return 0


cdef int srem_command(Client c) except -1:
    cdef robj* o = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef long long deleted = 0
    cdef bint keyremoved = False
    cdef int j
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_SET):
        return 0
    for j in range(2, c.argc):
        if set_remove(o, c.argv[j], c.argvlen[j]):
            deleted += 1
            if set_size(o) == 0:
                db_delete(c.srv, c.db, c.argv[1], c.argvlen[1])   # signals the key
                keyremoved = True
                break
    if deleted:
        if not keyremoved:
            signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
        notify_keyspace_event(c.srv, NOTIFY_SET, b"srem", c.argv[1], c.argvlen[1], c.db.id)
        if keyremoved:
            notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[1], c.argvlen[1], c.db.id)
        c.srv.dirty += deleted
    add_int(c, deleted)
    return 0


cdef int scard_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_SET):
        return 0
    add_int(c, <long long>set_size(o))
    return 0


cdef int sismember_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_SET):
        return 0
    add_int(c, 1 if set_is_member(o, c.argv[2], c.argvlen[2]) else 0)
    return 0


cdef int smismember_command(Client c) except -1:
    # a missing key is an empty set: all zeros
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef int j
    if check_type(c, o, OBJ_SET):
        return 0
    add_array(c, c.argc - 2)
    for j in range(2, c.argc):
        add_int(c, 1 if o != NULL and set_is_member(o, c.argv[j], c.argvlen[j]) else 0)
    return 0


cdef int smove_command(Client c) except -1:
    cdef robj* src = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef robj* dst = lookup_write(c, c.argv[2], c.argvlen[2])
    cdef const char* ele = c.argv[3]
    cdef size_t elen = c.argvlen[3]
    if src == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, src, OBJ_SET) or check_type(c, dst, OBJ_SET):
        return 0
    if src == dst:                          # same key: a membership test
        add_int(c, 1 if set_is_member(src, ele, elen) else 0)
        return 0
    if not set_remove(src, ele, elen):
        add_int(c, 0)
        return 0
    notify_keyspace_event(c.srv, NOTIFY_SET, b"srem", c.argv[1], c.argvlen[1], c.db.id)
    if set_size(src) == 0:
        db_delete(c.srv, c.db, c.argv[1], c.argvlen[1])
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[1], c.argvlen[1], c.db.id)
    else:
        signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    if dst == NULL:
        dst = set_create_for(ele, elen)
        db_add(c.srv, c.db, c.argv[2], c.argvlen[2], dst)
    c.srv.dirty += 1
    # the destination changes (and is signalled) only if the member is new there
    if set_add(dst, ele, elen, c.srv.set_max_intset_entries):
        c.srv.dirty += 1
        signal_modified_key(c.srv, c.db, c.argv[2], c.argvlen[2])
        notify_keyspace_event(c.srv, NOTIFY_SET, b"sadd", c.argv[2], c.argvlen[2], c.db.id)
    add_int(c, 1)
    return 0


# ---- SPOP / SRANDMEMBER ----------------------------------------------------------------

cdef int spop_command(Client c) except -1:
    cdef robj* o
    cdef const char* s = NULL
    cdef size_t n = 0
    cdef int64_t ll = 0
    cdef intset* iset
    cdef uint32_t pos
    if c.argc == 3:
        return _spop_with_count(c)
    if c.argc > 3:
        add_syntax_error(c)
        return 0
    o = lookup_write(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_null(c)
        return 0
    if check_type(c, o, OBJ_SET):
        return 0
    # Redis notifies "spop" before the reply: publishing leaves the set alone,
    # so it can go first here, before the member is removed and freed
    if o.encoding == ENC_INTSET:
        iset = <intset*>o.u.ptr
        pos = intset_random_pos(iset)
        ll = intset_at(iset, pos)
        notify_keyspace_event(c.srv, NOTIFY_SET, b"spop", c.argv[1], c.argvlen[1], c.db.id)
        add_bulk_ll(c, ll)
        if c.srv.propagating:
            c.prop_argv = [b"SREM", c.arg(1), b"%d" % ll]
        o.u.ptr = intset_remove_at(iset, pos)
    else:
        set_random(o, &s, &n, &ll)
        notify_keyspace_event(c.srv, NOTIFY_SET, b"spop", c.argv[1], c.argvlen[1], c.db.id)
        add_bulk(c, s, n)                   # reply before the entry is freed
        if c.srv.propagating:
            c.prop_argv = [b"SREM", c.arg(1), s[:n]]
        set_remove(o, s, n)
    if set_size(o) == 0:
        db_delete(c.srv, c.db, c.argv[1], c.argvlen[1])
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[1], c.argvlen[1], c.db.id)
    else:
        signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    c.srv.dirty += 1
    return 0


cdef int _spop_with_count(Client c) except -1:
    cdef long long l
    cdef unsigned long long count, size, remaining
    cdef robj* o
    cdef robj* newset = NULL
    cdef const char* s = NULL
    cdef size_t n = 0
    cdef int64_t ll = 0
    cdef int enc
    cdef intset* iset
    cdef uint32_t pos
    cdef set_iter it
    cdef long long max_intset = c.srv.set_max_intset_entries
    if not get_range_or_reply(c, 2, 0, _LLONG_MAX, &l, MSG_MUST_BE_POSITIVE):
        return 0
    count = <unsigned long long>l
    o = lookup_write(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_set(c, 0)
        return 0
    if check_type(c, o, OBJ_SET):
        return 0
    if count == 0:
        add_set(c, 0)
        return 0
    size = set_size(o)
    notify_keyspace_event(c.srv, NOTIFY_SET, b"spop", c.argv[1], c.argvlen[1], c.db.id)
    c.srv.dirty += <long long>(size if count >= size else count)

    # Case 1: everything. The reply is the SUNION of the one set.
    if count >= size:
        _sunion_diff(c, 1, 1, -1, SET_OP_UNION)
        db_delete(c.srv, c.db, c.argv[1], c.argvlen[1])
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[1], c.argvlen[1], c.db.id)
        if c.srv.propagating:
            c.prop_argv = [b"DEL", c.arg(1)]
        return 0

    # Otherwise each member popped is logged as an SREM of its own.
    if c.srv.propagating:
        c.flags |= CLIENT_PREVENT_PROP
        key = c.arg(1)
    add_set(c, <long long>count)
    remaining = size - count
    if remaining * SPOP_MOVE_STRATEGY_MUL > count:
        # Case 2: few pops: draw and remove one at a time.
        while count:
            count -= 1
            if o.encoding == ENC_INTSET:
                iset = <intset*>o.u.ptr
                pos = intset_random_pos(iset)
                ll = intset_at(iset, pos)
                add_bulk_ll(c, ll)
                if c.srv.propagating:
                    c.srv.also_propagate.append((c.db.id, [b"SREM", key, b"%d" % ll]))
                o.u.ptr = intset_remove_at(iset, pos)
            else:
                set_random(o, &s, &n, &ll)
                add_bulk(c, s, n)
                if c.srv.propagating:
                    c.srv.also_propagate.append((c.db.id, [b"SREM", key, s[:n]]))
                set_remove(o, s, n)
    else:
        # Case 3: most of the set goes: move the survivors to a new set and
        # reply with what is left of the old one.
        while remaining:
            remaining -= 1
            enc = set_random(o, &s, &n, &ll)
            if enc == ENC_INTSET:
                if newset == NULL:
                    newset = set_create_intset()
                _set_add_ll(newset, ll, max_intset)
                _set_remove_ll(o, ll)
            else:
                if newset == NULL:
                    newset = set_create_for(s, n)
                set_add(newset, s, n, max_intset)
                set_remove(o, s, n)          # frees the entry s pointed into: last use
        set_iter_init(&it, o)
        while True:
            enc = set_iter_next(&it, &s, &n, &ll)
            if enc == -1:
                break
            _reply_member(c, enc, s, n, ll)
            if c.srv.propagating:
                c.srv.also_propagate.append(
                    (c.db.id, [b"SREM", key, b"%d" % ll if enc == ENC_INTSET else s[:n]]))
        set_iter_release(&it)
        db_replace_value(c.srv, c.db, c.argv[1], c.argvlen[1], newset)   # frees o
        return 0
    signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    return 0


cdef int srandmember_command(Client c) except -1:
    cdef robj* o
    cdef const char* s = NULL
    cdef size_t n = 0
    cdef int64_t ll = 0
    cdef int enc
    if c.argc == 3:
        return _srandmember_with_count(c)
    if c.argc > 3:
        add_syntax_error(c)
        return 0
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_null(c)
        return 0
    if check_type(c, o, OBJ_SET):
        return 0
    enc = set_random(o, &s, &n, &ll)
    _reply_member(c, enc, s, n, ll)
    return 0


cdef int _srandmember_with_count(Client c) except -1:
    cdef long long l
    cdef unsigned long long count, size, added
    cdef bint uniq = True
    cdef robj* o
    cdef const char* s = NULL
    cdef size_t n = 0
    cdef int64_t ll = 0
    cdef int enc
    cdef char buf[24]
    cdef set_iter it
    cdef dict_t* d
    cdef dict_iter di
    cdef pe_entry* e
    cdef bint existed
    if not get_range_or_reply(c, 2, -_LLONG_MAX, _LLONG_MAX, &l, NULL):
        return 0
    if l >= 0:
        count = <unsigned long long>l
    else:
        count = <unsigned long long>(-l)
        uniq = False
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_array(c, 0)
        return 0
    if check_type(c, o, OBJ_SET):
        return 0
    size = set_size(o)
    if count == 0:
        add_array(c, 0)
        return 0

    # Case 1: with repetition (negative count), or a single member.
    if not uniq or count == 1:
        add_array(c, <long long>count)
        while count:
            count -= 1
            enc = set_random(o, &s, &n, &ll)
            _reply_member(c, enc, s, n, ll)
            if c.flags & CLIENT_CLOSE_ASAP:
                break
        return 0

    # Case 2: the whole set, in its own order.
    if count >= size:
        add_array(c, <long long>size)
        set_iter_init(&it, o)
        while True:
            enc = set_iter_next(&it, &s, &n, &ll)
            if enc == -1:
                break
            _reply_member(c, enc, s, n, ll)
        set_iter_release(&it)
        return 0

    d = dict_create(NULL)
    if count * SRANDMEMBER_SUB_STRATEGY_MUL > size:
        # Case 3: copy everything, then subtract random members.
        dict_expand(d, size)
        set_iter_init(&it, o)
        while _iter_next_text(&it, &s, &n):
            dict_add_or_find(d, s, n, &existed)
        set_iter_release(&it)
        while size > count:
            e = dict_fair_random(d)
            e = dict_unlink(d, e.key, e.klen)
            dict_free_entry(d, e)
            size -= 1
    else:
        # Case 4: draw until there are enough distinct members.
        dict_expand(d, count)
        added = 0
        while added < count:
            enc = set_random(o, &s, &n, &ll)
            if enc == ENC_INTSET:
                n = pe_fmt_i64(buf, ll)
                s = buf
            dict_add_or_find(d, s, n, &existed)
            if not existed:
                added += 1
    add_array(c, <long long>count)
    dict_iter_init(&di, d)
    while True:
        e = dict_iter_next(&di)
        if e == NULL:
            break
        add_bulk(c, e.key, e.klen)
    dict_iter_release(&di)
    dict_release(d)
    return 0


# ---- multi-key operations ----------------------------------------------------------------

ctypedef struct _setref:
    robj* o
    size_t size
    int idx              # argument position: ties keep argument order


cdef int _by_size(const void* a, const void* b) noexcept nogil:
    cdef const _setref* x = <const _setref*>a
    cdef const _setref* y = <const _setref*>b
    if x.size != y.size:
        return 1 if x.size > y.size else -1
    return x.idx - y.idx


cdef int _by_size_desc(const void* a, const void* b) noexcept nogil:
    cdef const _setref* x = <const _setref*>a
    cdef const _setref* y = <const _setref*>b
    if x.size != y.size:
        return -1 if x.size > y.size else 1
    return x.idx - y.idx


cdef _setref* _lookup_sets(Client c, int first, int setnum, int* missing) noexcept:
    """Read-lookup argv[first : first+setnum]. A missing key gives a NULL
    ref (an empty set). Returns NULL after replying WRONGTYPE when any key
    holds another type (all keys are looked up first, like Redis)."""
    cdef _setref* sets = <_setref*>mem_alloc(<size_t>setnum * sizeof(_setref))
    cdef robj* o
    cdef int j
    missing[0] = 0
    for j in range(setnum):
        o = lookup_read(c, c.argv[first + j], c.argvlen[first + j])
        sets[j].idx = j
        sets[j].o = o
        sets[j].size = 0
        if o == NULL:
            missing[0] += 1
            continue
        if check_type(c, o, OBJ_SET):
            mem_free(sets)
            return NULL
        sets[j].size = set_size(o)
    return sets


cdef void _store_result(Client c, int dst, robj* dstset, const char* event) noexcept:
    """Store a STORE command's result at argv[dst] (replacing whatever is
    there, TTL dropped), reply its size and notify ``event``; an empty
    result deletes the destination instead ("del"). Takes ownership of
    ``dstset``."""
    cdef size_t size = set_size(dstset)
    if size > 0:
        set_key(c.srv, c.db, c.argv[dst], c.argvlen[dst], dstset, False)
        add_int(c, <long long>size)
        notify_keyspace_event(c.srv, NOTIFY_SET, event, c.argv[dst], c.argvlen[dst], c.db.id)
        c.srv.dirty += 1
    else:
        obj_free(dstset)
        add_int(c, 0)
        if db_delete(c.srv, c.db, c.argv[dst], c.argvlen[dst]):
            c.srv.dirty += 1
            notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[dst], c.argvlen[dst],
                                  c.db.id)


cdef int _sinter_generic(Client c, int first, int setnum, int dst, bint cardinality_only,
                         unsigned long long limit) except -1:
    """SINTER / SMEMBERS / SINTERSTORE (dst >= 0: argv index of the
    destination) / SINTERCARD (cardinality_only, stop at ``limit`` when
    non-zero). Walks the smallest set, testing each member against the
    others. O(N*M), N the smallest size, M the number of sets."""
    cdef int missing, j
    cdef _setref* sets = _lookup_sets(c, first, setnum, &missing)
    cdef robj* dstset = NULL
    cdef size_t at = 0
    cdef unsigned long long cardinality = 0
    cdef set_iter it
    cdef const char* s = NULL
    cdef size_t n = 0
    cdef int64_t ll = 0
    cdef int enc
    cdef robj* other
    cdef robj* driver
    cdef bint deferred = False
    cdef long long max_intset = c.srv.set_max_intset_entries
    if sets == NULL:
        return 0
    if missing:
        # the intersection with an empty set is empty
        mem_free(sets)
        if dst >= 0:
            if db_delete(c.srv, c.db, c.argv[dst], c.argvlen[dst]):
                notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[dst], c.argvlen[dst],
                                      c.db.id)
                c.srv.dirty += 1
            add_int(c, 0)
        elif cardinality_only:
            add_int(c, 0)
        else:
            add_set(c, 0)
        return 0
    qsort(sets, setnum, sizeof(_setref), _by_size)
    driver = sets[0].o
    if dst >= 0:
        dstset = set_create_intset()
    elif not cardinality_only:
        # every other set being the driver itself (SMEMBERS, SINTER k k):
        # the size is known, no deferred length needed
        for j in range(1, setnum):
            if sets[j].o != driver:
                deferred = True
                break
        if deferred:
            at = add_deferred_len(c)
        else:
            add_set(c, <long long>sets[0].size)
    set_iter_init(&it, driver)
    while True:
        enc = set_iter_next(&it, &s, &n, &ll)
        if enc == -1:
            break
        j = 1
        while j < setnum:
            other = sets[j].o
            if other != driver:
                if enc == ENC_INTSET:
                    if not _set_is_member_ll(other, ll):
                        break
                elif not set_is_member(other, s, n):
                    break
            j += 1
        if j < setnum:
            continue
        if cardinality_only:
            cardinality += 1
            if limit and cardinality >= limit:
                break
        elif dst < 0:
            _reply_member(c, enc, s, n, ll)
            cardinality += 1
        elif enc == ENC_INTSET:
            _set_add_ll(dstset, ll, max_intset)
        else:
            set_add(dstset, s, n, max_intset)
    set_iter_release(&it)
    mem_free(sets)
    if cardinality_only:
        add_int(c, <long long>cardinality)
    elif dst >= 0:
        _store_result(c, dst, dstset, b"sinterstore")
    elif deferred:
        set_deferred_set(c, at, <long long>cardinality)
    return 0


cdef int _sunion_diff(Client c, int first, int setnum, int dst, int op) except -1:
    """SUNION / SDIFF and their STORE forms (dst >= 0). The result is built
    as a new set that starts as an intset (so it converts, and is walked,
    like Redis's), then replied or stored."""
    cdef int missing, j
    cdef _setref* sets = _lookup_sets(c, first, setnum, &missing)
    cdef robj* dstset
    cdef robj* first_set
    cdef bint sameset = False
    cdef int diff_algo = 1
    cdef long long algo_one_work = 0, algo_two_work = 0
    cdef long long cardinality = 0
    cdef long long max_intset = c.srv.set_max_intset_entries
    cdef set_iter it
    cdef const char* s = NULL
    cdef size_t n = 0
    cdef int64_t ll = 0
    cdef int enc
    if sets == NULL:
        return 0
    first_set = sets[0].o
    for j in range(1, setnum):
        if sets[j].o != NULL and sets[j].o == first_set:
            sameset = True
    if op == SET_OP_DIFF and first_set != NULL and not sameset:
        # Algorithm 1 (test each member of the first set against the
        # others) costs about size(first) * #sets / 2; algorithm 2 (copy the
        # first set, remove every member of the others) the total size.
        for j in range(setnum):
            if sets[j].o == NULL:
                continue
            algo_one_work += <long long>sets[0].size
            algo_two_work += <long long>sets[j].size
        algo_one_work //= 2
        diff_algo = 1 if algo_one_work <= algo_two_work else 2
        if diff_algo == 1 and setnum > 1:
            qsort(sets + 1, setnum - 1, sizeof(_setref), _by_size_desc)

    dstset = set_create_intset()
    if op == SET_OP_UNION:
        for j in range(setnum):
            if sets[j].o == NULL:
                continue
            set_iter_init(&it, sets[j].o)
            while True:
                enc = set_iter_next(&it, &s, &n, &ll)
                if enc == -1:
                    break
                if (_set_add_ll(dstset, ll, max_intset) if enc == ENC_INTSET
                        else set_add(dstset, s, n, max_intset)):
                    cardinality += 1
            set_iter_release(&it)
    elif op == SET_OP_DIFF and sameset:
        pass                # the first set minus itself: empty
    elif op == SET_OP_DIFF and first_set != NULL and diff_algo == 1:
        set_iter_init(&it, first_set)
        while True:
            enc = set_iter_next(&it, &s, &n, &ll)
            if enc == -1:
                break
            j = 1
            while j < setnum:
                if sets[j].o != NULL:
                    if (_set_is_member_ll(sets[j].o, ll) if enc == ENC_INTSET
                            else set_is_member(sets[j].o, s, n)):
                        break
                j += 1
            if j == setnum:
                if enc == ENC_INTSET:
                    _set_add_ll(dstset, ll, max_intset)
                else:
                    set_add(dstset, s, n, max_intset)
                cardinality += 1
        set_iter_release(&it)
    elif op == SET_OP_DIFF and first_set != NULL:
        for j in range(setnum):
            if sets[j].o == NULL:
                continue
            set_iter_init(&it, sets[j].o)
            while True:
                enc = set_iter_next(&it, &s, &n, &ll)
                if enc == -1:
                    break
                if j == 0:
                    if (_set_add_ll(dstset, ll, max_intset) if enc == ENC_INTSET
                            else set_add(dstset, s, n, max_intset)):
                        cardinality += 1
                elif (_set_remove_ll(dstset, ll) if enc == ENC_INTSET
                        else set_remove(dstset, s, n)):
                    cardinality -= 1
            set_iter_release(&it)
            if cardinality == 0:
                break
    mem_free(sets)

    if dst >= 0:
        _store_result(c, dst, dstset, b"sunionstore" if op == SET_OP_UNION else b"sdiffstore")
        return 0
    add_set(c, cardinality)
    set_iter_init(&it, dstset)
    while True:
        enc = set_iter_next(&it, &s, &n, &ll)
        if enc == -1:
            break
        _reply_member(c, enc, s, n, ll)
    set_iter_release(&it)
    obj_free(dstset)
    return 0


cdef int smembers_command(Client c) except -1:
    return _sinter_generic(c, 1, 1, -1, False, 0)


cdef int sinter_command(Client c) except -1:
    return _sinter_generic(c, 1, c.argc - 1, -1, False, 0)


cdef int sinterstore_command(Client c) except -1:
    return _sinter_generic(c, 2, c.argc - 2, 1, False, 0)


cdef int sintercard_command(Client c) except -1:
    cdef long long numkeys, limit = 0
    cdef int j
    if not get_range_or_reply(c, 1, 1, _LLONG_MAX, &numkeys,
                              b"ERR numkeys should be greater than 0"):
        return 0
    if numkeys > c.argc - 2:
        add_error(c, b"ERR Number of keys can't be greater than number of args")
        return 0
    j = 2 + <int>numkeys
    while j < c.argc:
        if arg_is(c, j, b"limit") and c.argc - 1 - j > 0:
            j += 1
            if not get_range_or_reply(c, j, 0, _LLONG_MAX, &limit, b"ERR LIMIT can't be negative"):
                return 0
        else:
            add_syntax_error(c)
            return 0
        j += 1
    return _sinter_generic(c, 2, <int>numkeys, -1, True, <unsigned long long>limit)


cdef int sunion_command(Client c) except -1:
    return _sunion_diff(c, 1, c.argc - 1, -1, SET_OP_UNION)


cdef int sunionstore_command(Client c) except -1:
    return _sunion_diff(c, 2, c.argc - 2, 1, SET_OP_UNION)


cdef int sdiff_command(Client c) except -1:
    return _sunion_diff(c, 1, c.argc - 1, -1, SET_OP_DIFF)


cdef int sdiffstore_command(Client c) except -1:
    return _sunion_diff(c, 2, c.argc - 2, 1, SET_OP_DIFF)


# ---- SSCAN ---------------------------------------------------------------------------------

cdef int sscan_command(Client c) except -1:
    cdef unsigned long cursor
    cdef robj* o
    cdef scan_opts opts
    cdef scan_batch batch
    cdef size_t off, n, at
    cdef const char* s
    cdef long long emitted = 0
    cdef intset* iset
    cdef uint32_t i
    cdef char buf[24]
    if not parse_scan_cursor(c, 2, &cursor):
        return 0
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_array(c, 2)
        add_bulk(c, b"0", 1)
        add_array(c, 0)
        return 0
    if check_type(c, o, OBJ_SET):
        return 0
    if not parse_scan_opts(c, 3, False, &opts):
        return 0
    add_array(c, 2)
    if o.encoding == ENC_INTSET:
        # small by construction: everything in one call, cursor 0
        add_bulk(c, b"0", 1)
        at = add_deferred_len(c)
        iset = <intset*>o.u.ptr
        for i in range(intset_len(iset)):
            n = pe_fmt_i64(buf, intset_at(iset, i))
            if opts.use_pattern and not stringmatch(opts.pat, opts.patlen, buf, n, False):
                continue
            add_bulk(c, buf, n)
            emitted += 1
        set_deferred_array(c, at, emitted)
        return 0
    scan_batch_init(&batch)
    cursor = scan_dict(<dict_t*>o.u.ptr, cursor, opts.count, scan_collect_key, &batch)
    add_bulk_ll(c, <long long>cursor)
    at = add_deferred_len(c)
    off = 0
    while True:
        s = scan_batch_next(&batch, &off, &n)
        if s == NULL:
            break
        if opts.use_pattern and not stringmatch(opts.pat, opts.patlen, s, n, False):
            continue
        add_bulk(c, s, n)
        emitted += 1
    scan_batch_free(&batch)
    set_deferred_array(c, at, emitted)
    return 0


# ---- DEBUG DIGEST and Python-level access ---------------------------------------------

cdef robj* _peek_set(Server srv, int dbid, bytes key):
    cdef pe_entry* e = dict_find(srv.dbs[dbid].keys, key, len(key))
    cdef robj* o
    if e == NULL:
        return NULL
    o = <robj*>e.v.ptr
    return o if o.type == OBJ_SET else NULL


def py_set_members(Server srv, int dbid, bytes key):
    """The members of a set value in walk order (tests, DEBUG), or None.
    No expiry, stats or LRU side effects."""
    cdef robj* o = _peek_set(srv, dbid, key)
    cdef set_iter it
    cdef const char* s
    cdef size_t n
    cdef list out = []
    if o == NULL:
        return None
    set_iter_init(&it, o)
    while _iter_next_text(&it, &s, &n):
        out.append(PyBytes_FromStringAndSize(s, n))
    set_iter_release(&it)
    return out


def _digest_parts(Server srv, int dbid, bytes key):
    """xorObjectDigest for sets: each member's digest is xored in, so the
    result does not depend on order or encoding."""
    members = py_set_members(srv, dbid, key)
    return [("xor", m) for m in members or ()]


from pyengine import db as _db
_db.DIGEST_PARTS["set"] = _digest_parts


PROCS = {
    "sadd_command": proc_capsule(sadd_command),
    "srem_command": proc_capsule(srem_command),
    "scard_command": proc_capsule(scard_command),
    "sismember_command": proc_capsule(sismember_command),
    "smismember_command": proc_capsule(smismember_command),
    "smembers_command": proc_capsule(smembers_command),
    "spop_command": proc_capsule(spop_command),
    "srandmember_command": proc_capsule(srandmember_command),
    "smove_command": proc_capsule(smove_command),
    "sinter_command": proc_capsule(sinter_command),
    "sintercard_command": proc_capsule(sintercard_command),
    "sinterstore_command": proc_capsule(sinterstore_command),
    "sunion_command": proc_capsule(sunion_command),
    "sunionstore_command": proc_capsule(sunionstore_command),
    "sdiff_command": proc_capsule(sdiff_command),
    "sdiffstore_command": proc_capsule(sdiffstore_command),
    "sscan_command": proc_capsule(sscan_command),
}
