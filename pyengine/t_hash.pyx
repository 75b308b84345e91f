"""Hash commands (Redis's t_hash.c), in C.

A hash is a ``robj`` of type OBJ_HASH with one of Redis 7.0's two encodings
(OBJECT ENCODING reports them):

* ``listpack`` (engine/listpack): fields and values alternate, each new
  field is appended at the tail with its value, so iteration (HGETALL,
  HKEYS, HSCAN...) is insertion order, exactly as in Redis. The bytes are
  Redis's, because RDB and DUMP store the listpack as it is::

      | hdr | field 1 | value 1 | field 2 | value 2 | ... | 0xFF |

  A lookup is a linear walk comparing every other entry (lp_find with
  skip 1): cheap while the hash stays small.

* ``hashtable`` (engine/dict): one entry per field, the field's bytes inline
  in the entry; the 8-byte value slot points to an owned value buffer
  (``hv``, below) that the dict's free hook releases::

      pe_entry: | next | v.ptr ---+ | klen | field bytes | \\0 |
                                  |
                hv buffer:        +-> | len (1 or 1+8 bytes) | value bytes |

Conversion listpack -> hashtable happens exactly where Redis converts, and
never back:

* before an HSET/HMSET/HSETNX inserts anything, when one of its fields or
  values is longer than hash-max-listpack-value, or the listpack would grow
  past 1 GB (hashTypeTryConversion: lp_safe_to_add on the sum of lengths);
* on every set (HINCRBY/HINCRBYFLOAT included) when the field or the value
  is longer than hash-max-listpack-value;
* after a set that made the hash hold more than hash-max-listpack-entries
  fields.

A hash never stays empty: HDEL deletes the key with its last field. Every
command that changes a hash signals the key (WATCH) and counts ``dirty``
like Redis. The commands read ``c.argv`` and write RESP into ``c.reply``
without creating Python objects (HSET, HGET, HINCRBY, HGETALL are hot).
"""

import hashlib

from libc.string cimport memcpy
from libc.stdint cimport uint8_t, uint64_t
from libc.limits cimport LLONG_MAX, LLONG_MIN

cdef extern from "<math.h>" nogil:
    bint isinf_ld "isinf"(long double x)
    bint isnan_ld "isnan"(long double x)

from cpython.bytes cimport PyBytes_FromStringAndSize

from engine._mem cimport mem_alloc, mem_free, mem_usable
from engine.dict cimport (dict_t, pe_entry, dict_iter, dict_create, dict_release, dict_find,
                          dict_add_or_find, dict_delete, dict_size, dict_expand,
                          dict_needs_shrink, dict_shrink, dict_iter_init, dict_iter_next,
                          dict_iter_release, dict_fair_random, dict_mem_overhead,
                          engine_random)
from engine.listpack cimport (uchar, lp_new, lp_free, lp_dup, lp_bytes, lp_length,
                              lp_safe_to_add, lp_first, lp_next, lp_get, lp_get_str, lp_find,
                              lp_append, lp_replace, lp_delete_range_with_entry, LP_INTBUF_SIZE)
from engine.object cimport (robj, obj_register_type, PE_OBJ_HEADER, OBJ_HASH, ENC_LISTPACK,
                            ENC_HT)
from engine.util cimport (string2ll, string2ld, ll2string, ld2string_human, stringmatch,
                          MAX_LONG_DOUBLE_CHARS)
from pyengine.core cimport (Client, Server, add_bulk, add_bulk_ll, add_int, add_ok, add_null,
                            add_error, add_error_len, add_array, add_map, add_syntax_error,
                            arg_is, get_ll_or_reply, get_range_or_reply, get_ld_or_reply,
                            check_type, add_deferred_len, set_deferred_array, proc_capsule,
                            CLIENT_CLOSE_ASAP)
from pyengine.db cimport lookup_read, lookup_write, db_add, db_delete, signal_modified_key
from pyengine.pubsub cimport notify_keyspace_event, NOTIFY_HASH, NOTIFY_GENERIC
from pyengine.scan cimport (scan_opts, scan_batch, parse_scan_cursor, parse_scan_opts,
                            scan_batch_init, scan_batch_add, scan_batch_next, scan_batch_free,
                            scan_dict)

cdef enum:
    HASH_KEY = 1
    HASH_VALUE = 2
    HV_SHORT_MAX = 254           # longer values get the 1 + 8 byte length header
    HRANDFIELD_SUB_STRATEGY_MUL = 3


# ---- hv: the value buffers of the hashtable encoding --------------------------------
#
# One allocation: a length header then the bytes. Lengths up to 254 take
# one byte; longer ones a 0xFF marker and a native 8-byte length.

cdef inline void* hv_new(const char* s, size_t n) noexcept nogil:
    """A new value buffer holding s[:n] (owned by the caller)."""
    cdef uint8_t* p
    cdef uint64_t n64 = n
    if n <= HV_SHORT_MAX:
        p = <uint8_t*>mem_alloc(1 + n)
        p[0] = <uint8_t>n
        if n:
            memcpy(p + 1, s, n)
    else:
        p = <uint8_t*>mem_alloc(9 + n)
        p[0] = 0xFF
        memcpy(p + 1, &n64, 8)
        memcpy(p + 9, s, n)
    return p


cdef inline const char* hv_get(void* v, size_t* n) noexcept nogil:
    """The bytes of a value buffer (length in ``n``)."""
    cdef uint8_t* p = <uint8_t*>v
    cdef uint64_t n64
    if p[0] != 0xFF:
        n[0] = p[0]
        return <const char*>(p + 1)
    memcpy(&n64, p + 1, 8)
    n[0] = <size_t>n64
    return <const char*>(p + 9)


cdef void _hv_free_entry(pe_entry* e) noexcept nogil:
    """The hashtable dicts' free hook: release the entry's value buffer."""
    if e.v.ptr != NULL:
        mem_free(e.v.ptr)


# ---- hash type API (encoding-agnostic) ---------------------------------------------

cdef inline robj* _hash_obj(void* ptr, uint8_t encoding) noexcept nogil:
    cdef robj* o = <robj*>mem_alloc(PE_OBJ_HEADER + sizeof(void*))
    o.type = OBJ_HASH
    o.encoding = encoding
    o.flags = 0
    o.pad = 0
    o.lru = 0
    o.u.ptr = ptr
    return o


cdef robj* hash_new() noexcept nogil:
    """An empty listpack-encoded hash (createHashObject). Owned by the caller
    until stored with db_add."""
    return _hash_obj(lp_new(0), ENC_LISTPACK)


cdef unsigned long hash_length(robj* o) noexcept nogil:
    """Number of fields. O(1) (a listpack past 65534 entries: O(n))."""
    if o.encoding == ENC_LISTPACK:
        return lp_length(<uchar*>o.u.ptr) // 2
    return dict_size(<dict_t*>o.u.ptr)


cdef inline uchar* _lp_find_field(uchar* lp, const char* f, size_t flen) noexcept nogil:
    """The listpack entry holding field f (its value follows), or NULL."""
    cdef uchar* p = lp_first(lp)
    if p == NULL:
        return NULL
    return lp_find(lp, p, f, flen, 1)


cdef bint hash_get(robj* o, const char* f, size_t flen, const char** vstr, size_t* vlen,
                   long long* vll) noexcept nogil:
    """Look a field up. False when absent. When found, ``*vstr`` points at
    the value's bytes (``*vlen`` of them; valid until the hash changes), or
    is NULL when a listpack stores the value as the integer ``*vll``."""
    cdef uchar* lp
    cdef uchar* p
    cdef pe_entry* e
    if o.encoding == ENC_LISTPACK:
        lp = <uchar*>o.u.ptr
        p = _lp_find_field(lp, f, flen)
        if p == NULL:
            return False
        vstr[0] = lp_get(lp_next(lp, p), vlen, vll)
        return True
    e = dict_find(<dict_t*>o.u.ptr, f, flen)
    if e == NULL:
        return False
    vstr[0] = hv_get(e.v.ptr, vlen)
    return True


cdef bint hash_exists(robj* o, const char* f, size_t flen) noexcept nogil:
    if o.encoding == ENC_LISTPACK:
        return _lp_find_field(<uchar*>o.u.ptr, f, flen) != NULL
    return dict_find(<dict_t*>o.u.ptr, f, flen) != NULL


cdef void hash_convert(robj* o) noexcept nogil:
    """Convert a listpack hash to the hashtable encoding (presized, like
    hashTypeConvertListpack). No-op for a hashtable."""
    cdef uchar* lp
    cdef uchar* p
    cdef uchar* vp
    cdef dict_t* d
    cdef pe_entry* e
    cdef bint existed
    cdef char fbuf[LP_INTBUF_SIZE]
    cdef char vbuf[LP_INTBUF_SIZE]
    cdef const char* fs
    cdef const char* vs
    cdef size_t fl, vl
    if o.encoding != ENC_LISTPACK:
        return
    lp = <uchar*>o.u.ptr
    d = dict_create(_hv_free_entry)
    dict_expand(d, lp_length(lp) // 2)
    p = lp_first(lp)
    while p != NULL:
        vp = lp_next(lp, p)
        fs = lp_get_str(p, fbuf, &fl)
        vs = lp_get_str(vp, vbuf, &vl)
        e = dict_add_or_find(d, fs, fl, &existed)
        if existed:                 # a corrupt listpack: keep the last value
            mem_free(e.v.ptr)
        e.v.ptr = hv_new(vs, vl)
        p = lp_next(lp, vp)
    lp_free(lp)
    o.u.ptr = d
    o.encoding = ENC_HT


cdef int hash_set(Server srv, robj* o, const char* f, size_t flen, const char* v,
                  size_t vlen) noexcept:
    """Set field f to v (hashTypeSet): converts first when either is longer
    than hash-max-listpack-value, and after inserting when the hash holds
    more than hash-max-listpack-entries fields. New listpack fields go to
    the tail. Returns 1 for an update, 0 for an insert. Copies f and v."""
    cdef uchar* lp
    cdef uchar* p
    cdef pe_entry* e
    cdef bint existed
    cdef int update = 0
    if o.encoding == ENC_LISTPACK and (<long long>flen > srv.hash_max_listpack_value or
                                       <long long>vlen > srv.hash_max_listpack_value):
        hash_convert(o)
    if o.encoding == ENC_LISTPACK:
        lp = <uchar*>o.u.ptr
        p = _lp_find_field(lp, f, flen)
        if p != NULL:
            p = lp_next(lp, p)
            lp = lp_replace(lp, &p, v, vlen)
            update = 1
        else:
            lp = lp_append(lp, f, flen)
            lp = lp_append(lp, v, vlen)
        o.u.ptr = lp
        if <long long>(lp_length(lp) // 2) > srv.hash_max_listpack_entries:
            hash_convert(o)
        return update
    e = dict_add_or_find(<dict_t*>o.u.ptr, f, flen, &existed)
    if existed:
        mem_free(e.v.ptr)
        update = 1
    e.v.ptr = hv_new(v, vlen)
    return update


cdef bint hash_delete(robj* o, const char* f, size_t flen) noexcept nogil:
    """Remove a field; True if it existed. A hashtable shrinks when it
    becomes sparse (Redis's htNeedsResize + dictResize after a delete)."""
    cdef uchar* lp
    cdef uchar* p
    cdef dict_t* d
    if o.encoding == ENC_LISTPACK:
        lp = <uchar*>o.u.ptr
        p = _lp_find_field(lp, f, flen)
        if p == NULL:
            return False
        o.u.ptr = lp_delete_range_with_entry(lp, &p, 2)
        return True
    d = <dict_t*>o.u.ptr
    if not dict_delete(d, f, flen):
        return False
    if dict_needs_shrink(d):
        dict_shrink(d)
    return True


cdef void hash_try_conversion(Server srv, robj* o, Client c, int start, int end) noexcept:
    """hashTypeTryConversion over argv[start..end] (before inserting them):
    a string longer than hash-max-listpack-value, or a total the listpack
    could not take under its 1 GB cap, converts to a hashtable."""
    cdef int i
    cdef size_t total = 0
    if o.encoding != ENC_LISTPACK:
        return
    for i in range(start, end + 1):
        if <long long>c.argvlen[i] > srv.hash_max_listpack_value:
            hash_convert(o)
            return
        total += c.argvlen[i]
    if not lp_safe_to_add(<uchar*>o.u.ptr, total):
        hash_convert(o)


# ---- iteration ---------------------------------------------------------------------

ctypedef struct hash_iter:
    robj* o
    uchar* fptr              # listpack: current field entry (value follows)
    uchar* vptr
    dict_iter di             # hashtable: a safe iterator
    pe_entry* e


cdef inline void hash_iter_init(hash_iter* it, robj* o) noexcept nogil:
    it.o = o
    it.fptr = NULL
    it.vptr = NULL
    it.e = NULL
    if o.encoding == ENC_HT:
        dict_iter_init(&it.di, <dict_t*>o.u.ptr)


cdef inline bint hash_iter_next(hash_iter* it) noexcept nogil:
    """Advance to the next field; False at the end."""
    cdef uchar* lp
    if it.o.encoding == ENC_LISTPACK:
        lp = <uchar*>it.o.u.ptr
        it.fptr = lp_first(lp) if it.fptr == NULL else lp_next(lp, it.vptr)
        if it.fptr == NULL:
            return False
        it.vptr = lp_next(lp, it.fptr)
        return True
    it.e = dict_iter_next(&it.di)
    return it.e != NULL


cdef inline void hash_iter_release(hash_iter* it) noexcept nogil:
    if it.o.encoding == ENC_HT:
        dict_iter_release(&it.di)


cdef inline const char* hash_iter_str(hash_iter* it, int what, char* intbuf,
                                      size_t* n) noexcept nogil:
    """The current field (HASH_KEY) or value as bytes; listpack integers
    are formatted into intbuf (>= LP_INTBUF_SIZE bytes)."""
    if it.o.encoding == ENC_LISTPACK:
        return lp_get_str(it.fptr if what == HASH_KEY else it.vptr, intbuf, n)
    if what == HASH_KEY:
        n[0] = it.e.klen
        return it.e.key
    return hv_get(it.e.v.ptr, n)


# ---- object hooks: free, MEMORY USAGE, COPY -----------------------------------------

cdef void _hash_free(robj* o) noexcept nogil:
    if o.encoding == ENC_LISTPACK:
        lp_free(<uchar*>o.u.ptr)
    else:
        dict_release(<dict_t*>o.u.ptr)


cdef size_t _hash_usage(robj* o) noexcept nogil:
    """Bytes owned by the hash beyond its robj: the listpack, or the dict
    with its entries and value buffers (every one counted: O(n))."""
    cdef dict_iter it
    cdef pe_entry* e
    cdef size_t n
    if o.encoding == ENC_LISTPACK:
        return mem_usable(o.u.ptr)
    n = dict_mem_overhead(<dict_t*>o.u.ptr)
    dict_iter_init(&it, <dict_t*>o.u.ptr)
    while True:
        e = dict_iter_next(&it)
        if e == NULL:
            break
        n += mem_usable(e) + mem_usable(e.v.ptr)
    dict_iter_release(&it)
    return n


cdef robj* _hash_dup(robj* o) noexcept nogil:
    """COPY: a deep copy with the same encoding (hashTypeDup)."""
    cdef dict_t* src
    cdef dict_t* d
    cdef dict_iter it
    cdef pe_entry* e
    cdef pe_entry* ne
    cdef bint existed
    cdef const char* v
    cdef size_t vl
    if o.encoding == ENC_LISTPACK:
        return _hash_obj(lp_dup(<uchar*>o.u.ptr), ENC_LISTPACK)
    src = <dict_t*>o.u.ptr
    d = dict_create(_hv_free_entry)
    dict_expand(d, dict_size(src))
    dict_iter_init(&it, src)
    while True:
        e = dict_iter_next(&it)
        if e == NULL:
            break
        ne = dict_add_or_find(d, e.key, e.klen, &existed)
        v = hv_get(e.v.ptr, &vl)
        ne.v.ptr = hv_new(v, vl)
    dict_iter_release(&it)
    return _hash_obj(d, ENC_HT)


obj_register_type(OBJ_HASH, _hash_free, _hash_usage, _hash_dup)


# ---- building and reading the encodings directly (RDB loading and saving) --------------

cdef robj* hash_from_listpack(uchar* lp) noexcept nogil:
    """A listpack-encoded hash owning ``lp`` (a validated field/value
    listpack with an even number of entries)."""
    return _hash_obj(lp, ENC_LISTPACK)


cdef robj* hash_new_ht(size_t presize) noexcept nogil:
    """An empty hashtable-encoded hash with buckets for ``presize`` fields."""
    cdef dict_t* d = dict_create(_hv_free_entry)
    if presize:
        dict_expand(d, presize)
    return _hash_obj(d, ENC_HT)


cdef bint hash_ht_add(robj* o, const char* f, size_t flen, const char* v,
                      size_t vlen) noexcept nogil:
    """Add a field to a hashtable hash unless it is there already (then
    nothing changes and False is returned). Copies f and v."""
    cdef bint existed
    cdef pe_entry* e = dict_add_or_find(<dict_t*>o.u.ptr, f, flen, &existed)
    if existed:
        return False
    e.v.ptr = hv_new(v, vlen)
    return True


cdef const char* hash_ht_value(pe_entry* e, size_t* n) noexcept nogil:
    """The value bytes of a hashtable hash's dict entry."""
    return hv_get(e.v.ptr, n)


# ---- reply helpers -------------------------------------------------------------------

cdef inline void _add_lp_entry(Client c, uchar* p) noexcept:
    """Reply a listpack entry as a bulk string."""
    cdef size_t n
    cdef long long v
    cdef const char* s = lp_get(p, &n, &v)
    if s != NULL:
        add_bulk(c, s, n)
    else:
        add_bulk_ll(c, v)


cdef inline void _add_iter_cur(Client c, hash_iter* it, int what) noexcept:
    """Reply the iterator's current field or value."""
    cdef size_t n
    cdef const char* s
    if it.o.encoding == ENC_LISTPACK:
        _add_lp_entry(c, it.fptr if what == HASH_KEY else it.vptr)
    elif what == HASH_KEY:
        add_bulk(c, it.e.key, it.e.klen)
    else:
        s = hv_get(it.e.v.ptr, &n)
        add_bulk(c, s, n)


cdef inline void _add_field_value(Client c, robj* o, int i) noexcept:
    """Reply the value of field argv[i] of ``o`` (null if o or the field
    is missing): addHashFieldToReply."""
    cdef const char* vstr
    cdef size_t vlen
    cdef long long vll
    if o == NULL or not hash_get(o, c.argv[i], c.argvlen[i], &vstr, &vlen, &vll):
        add_null(c)
    elif vstr != NULL:
        add_bulk(c, vstr, vlen)
    else:
        add_bulk_ll(c, vll)


cdef void _add_arity_error(Client c) except *:
    cdef bytes msg = (b"ERR wrong number of arguments for '" + c.cmd.fullname.encode() +
                      b"' command")
    add_error_len(c, msg, len(msg))


cdef robj* _lookup_write_or_create(Client c) noexcept:
    """The hash at argv[1] for writing, created empty if missing
    (hashTypeLookupWriteOrCreate). NULL after replying WRONGTYPE."""
    cdef robj* o = lookup_write(c, c.argv[1], c.argvlen[1])
    if check_type(c, o, OBJ_HASH):
        return NULL
    if o == NULL:
        o = hash_new()
        db_add(c.srv, c.db, c.argv[1], c.argvlen[1], o)
    return o


# ---- commands -----------------------------------------------------------------------

cdef int _hset_generic(Client c, bint hmset) except -1:
    cdef robj* o
    cdef int i
    cdef long long created = 0
    if c.argc % 2 == 1:
        _add_arity_error(c)
        return 0
    o = _lookup_write_or_create(c)
    if o == NULL:
        return 0
    hash_try_conversion(c.srv, o, c, 2, c.argc - 1)
    for i in range(2, c.argc, 2):
        if not hash_set(c.srv, o, c.argv[i], c.argvlen[i], c.argv[i + 1], c.argvlen[i + 1]):
            created += 1
    if hmset:
        add_ok(c)
    else:
        add_int(c, created)
    signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    notify_keyspace_event(c.srv, NOTIFY_HASH, b"hset", c.argv[1], c.argvlen[1], c.db.id)
    c.srv.dirty += (c.argc - 2) // 2
    return 0


cdef int hset_command(Client c) except -1:
    return _hset_generic(c, False)


cdef int hmset_command(Client c) except -1:
    return _hset_generic(c, True)


cdef int hsetnx_command(Client c) except -1:
    cdef robj* o = _lookup_write_or_create(c)
    if o == NULL:
        return 0
    if hash_exists(o, c.argv[2], c.argvlen[2]):
        add_int(c, 0)
        return 0
    hash_try_conversion(c.srv, o, c, 2, 3)
    hash_set(c.srv, o, c.argv[2], c.argvlen[2], c.argv[3], c.argvlen[3])
    add_int(c, 1)
    signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    notify_keyspace_event(c.srv, NOTIFY_HASH, b"hset", c.argv[1], c.argvlen[1], c.db.id)
    c.srv.dirty += 1
    return 0


cdef int hget_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_null(c)
        return 0
    if check_type(c, o, OBJ_HASH):
        return 0
    _add_field_value(c, o, 2)
    return 0


cdef int hmget_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef int i
    if check_type(c, o, OBJ_HASH):
        return 0
    add_array(c, c.argc - 2)
    for i in range(2, c.argc):
        _add_field_value(c, o, i)
    return 0


cdef int hdel_command(Client c) except -1:
    cdef robj* o = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef int j
    cdef long long deleted = 0
    cdef bint keyremoved = False
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_HASH):
        return 0
    for j in range(2, c.argc):
        if hash_delete(o, c.argv[j], c.argvlen[j]):
            deleted += 1
            if hash_length(o) == 0:
                db_delete(c.srv, c.db, c.argv[1], c.argvlen[1])
                keyremoved = True
                break
    if deleted:
        signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
        notify_keyspace_event(c.srv, NOTIFY_HASH, b"hdel", c.argv[1], c.argvlen[1], c.db.id)
        if keyremoved:
            notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[1], c.argvlen[1], c.db.id)
        c.srv.dirty += deleted
    add_int(c, deleted)
    return 0


cdef int hlen_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_HASH):
        return 0
    add_int(c, <long long>hash_length(o))
    return 0


cdef int hstrlen_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef const char* vstr
    cdef size_t vlen = 0
    cdef long long vll
    cdef char buf[LP_INTBUF_SIZE]
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_HASH):
        return 0
    if hash_get(o, c.argv[2], c.argvlen[2], &vstr, &vlen, &vll):
        if vstr == NULL:
            vlen = <size_t>ll2string(buf, vll)
    else:
        vlen = 0
    add_int(c, <long long>vlen)
    return 0


cdef int hexists_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_HASH):
        return 0
    add_int(c, 1 if hash_exists(o, c.argv[2], c.argvlen[2]) else 0)
    return 0


cdef int _hgetall_generic(Client c, int flags) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef hash_iter it
    cdef long long length
    cdef bint both = flags == (HASH_KEY | HASH_VALUE)
    if o == NULL:
        if both:
            add_map(c, 0)
        else:
            add_array(c, 0)
        return 0
    if check_type(c, o, OBJ_HASH):
        return 0
    length = <long long>hash_length(o)
    if both:
        add_map(c, length)
    else:
        add_array(c, length)
    hash_iter_init(&it, o)
    while hash_iter_next(&it):
        if flags & HASH_KEY:
            _add_iter_cur(c, &it, HASH_KEY)
        if flags & HASH_VALUE:
            _add_iter_cur(c, &it, HASH_VALUE)
    hash_iter_release(&it)
    return 0


cdef int hkeys_command(Client c) except -1:
    return _hgetall_generic(c, HASH_KEY)


cdef int hvals_command(Client c) except -1:
    return _hgetall_generic(c, HASH_VALUE)


cdef int hgetall_command(Client c) except -1:
    return _hgetall_generic(c, HASH_KEY | HASH_VALUE)


cdef int hincrby_command(Client c) except -1:
    cdef long long incr, value = 0
    cdef robj* o
    cdef const char* vstr
    cdef size_t vlen
    cdef char buf[LP_INTBUF_SIZE]
    cdef int n
    if not get_ll_or_reply(c, 3, &incr, NULL):
        return 0
    o = _lookup_write_or_create(c)
    if o == NULL:
        return 0
    if hash_get(o, c.argv[2], c.argvlen[2], &vstr, &vlen, &value):
        if vstr != NULL and not string2ll(vstr, vlen, &value):
            add_error(c, b"ERR hash value is not an integer")
            return 0
    else:
        value = 0
    if ((incr < 0 and value < 0 and incr < LLONG_MIN - value) or
            (incr > 0 and value > 0 and incr > LLONG_MAX - value)):
        add_error(c, b"ERR increment or decrement would overflow")
        return 0
    value += incr
    n = ll2string(buf, value)
    hash_set(c.srv, o, c.argv[2], c.argvlen[2], buf, n)
    add_int(c, value)
    signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    notify_keyspace_event(c.srv, NOTIFY_HASH, b"hincrby", c.argv[1], c.argvlen[1], c.db.id)
    c.srv.dirty += 1
    return 0


cdef int hincrbyfloat_command(Client c) except -1:
    cdef long double value = 0, incr
    cdef long long ll
    cdef robj* o
    cdef const char* vstr
    cdef size_t vlen
    cdef char buf[MAX_LONG_DOUBLE_CHARS]
    cdef int n
    if not get_ld_or_reply(c, 3, &incr, NULL):
        return 0
    if isnan_ld(incr) or isinf_ld(incr):
        add_error(c, b"ERR value is NaN or Infinity")
        return 0
    o = _lookup_write_or_create(c)
    if o == NULL:
        return 0
    if hash_get(o, c.argv[2], c.argvlen[2], &vstr, &vlen, &ll):
        if vstr != NULL:
            if not string2ld(vstr, vlen, &value):
                add_error(c, b"ERR hash value is not a float")
                return 0
        else:
            value = <long double>ll
    else:
        value = 0
    value += incr
    if isnan_ld(value) or isinf_ld(value):
        add_error(c, b"ERR increment would produce NaN or Infinity")
        return 0
    n = ld2string_human(buf, sizeof(buf), value)
    hash_set(c.srv, o, c.argv[2], c.argvlen[2], buf, n)
    add_bulk(c, buf, n)
    signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
    notify_keyspace_event(c.srv, NOTIFY_HASH, b"hincrbyfloat", c.argv[1], c.argvlen[1], c.db.id)
    c.srv.dirty += 1
    if c.srv.propagating:
        c.prop_argv = [b"HSET", c.arg(1), c.arg(2), buf[:n]]    # the result, as Redis logs it
    return 0


# ---- HSCAN ------------------------------------------------------------------------

cdef void _scan_collect_pair(void* privdata, pe_entry* e) noexcept:
    """scan_fn for hashtable hashes: field and value, two records."""
    cdef size_t n
    cdef const char* v = hv_get(e.v.ptr, &n)
    scan_batch_add(<scan_batch*>privdata, e.key, e.klen)
    scan_batch_add(<scan_batch*>privdata, v, n)


cdef int hscan_command(Client c) except -1:
    cdef unsigned long cursor
    cdef robj* o
    cdef scan_opts opts
    cdef scan_batch batch
    cdef hash_iter it
    cdef size_t at, off = 0, fl, vl
    cdef const char* f
    cdef const char* v
    cdef char fbuf[LP_INTBUF_SIZE]
    cdef long long emitted = 0
    if not parse_scan_cursor(c, 2, &cursor):
        return 0
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_array(c, 2)
        add_bulk(c, b"0", 1)
        add_array(c, 0)
        return 0
    if check_type(c, o, OBJ_HASH):
        return 0
    if not parse_scan_opts(c, 3, False, &opts):
        return 0
    if o.encoding == ENC_LISTPACK:
        # A listpack is small: everything in one call, cursor 0.
        add_array(c, 2)
        add_bulk(c, b"0", 1)
        at = add_deferred_len(c)
        hash_iter_init(&it, o)
        while hash_iter_next(&it):
            if opts.use_pattern:
                f = lp_get_str(it.fptr, fbuf, &fl)
                if not stringmatch(opts.pat, opts.patlen, f, fl, False):
                    continue
            _add_lp_entry(c, it.fptr)
            _add_lp_entry(c, it.vptr)
            emitted += 2
        hash_iter_release(&it)
        set_deferred_array(c, at, emitted)
        return 0
    scan_batch_init(&batch)
    # Two records per field, so twice COUNT (unsigned: a huge COUNT wraps as in Redis).
    cursor = scan_dict(<dict_t*>o.u.ptr, cursor, <long long>(<unsigned long long>opts.count * 2),
                       _scan_collect_pair, &batch)
    add_array(c, 2)
    add_bulk_ll(c, <long long>cursor)
    at = add_deferred_len(c)
    while True:
        f = scan_batch_next(&batch, &off, &fl)
        if f == NULL:
            break
        v = scan_batch_next(&batch, &off, &vl)
        if opts.use_pattern and not stringmatch(opts.pat, opts.patlen, f, fl, False):
            continue
        add_bulk(c, f, fl)
        add_bulk(c, v, vl)
        emitted += 2
    scan_batch_free(&batch)
    set_deferred_array(c, at, emitted)
    return 0


# ---- HRANDFIELD ------------------------------------------------------------------------

cdef inline unsigned long _rand_below(unsigned long n) noexcept nogil:
    return <unsigned long>(engine_random() % n)


cdef inline double _rand_unit() noexcept nogil:
    """A uniform double in [0, 1)."""
    return <double>(engine_random() >> 11) * (1.0 / 9007199254740992.0)


cdef void** _collect_pairs(robj* o, unsigned long size) noexcept nogil:
    """An array (mem_alloc'd, caller frees) of every field: listpack field
    entries (uchar*) or dict entries (pe_entry*), in iteration order."""
    cdef void** out = <void**>mem_alloc((size if size else 1) * sizeof(void*))
    cdef unsigned long i = 0
    cdef hash_iter it
    hash_iter_init(&it, o)
    while hash_iter_next(&it) and i < size:
        out[i] = <void*>it.fptr if o.encoding == ENC_LISTPACK else <void*>it.e
        i += 1
    hash_iter_release(&it)
    return out


cdef inline void _add_pair(Client c, robj* o, void* p, bint withvalues) noexcept:
    """Reply one field (and its value) from a _collect_pairs element; RESP3
    nests a field/value pair in an array of 2."""
    cdef pe_entry* e
    cdef size_t n
    cdef const char* s
    if withvalues and c.resp > 2:
        add_array(c, 2)
    if o.encoding == ENC_LISTPACK:
        _add_lp_entry(c, <uchar*>p)
        if withvalues:
            _add_lp_entry(c, lp_next(<uchar*>o.u.ptr, <uchar*>p))
    else:
        e = <pe_entry*>p
        add_bulk(c, e.key, e.klen)
        if withvalues:
            s = hv_get(e.v.ptr, &n)
            add_bulk(c, s, n)


cdef void _hrandfield_with_count(Client c, long long l, bint withvalues) noexcept:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef unsigned long count, size, i, picked, remaining, index
    cdef bint uniq = True
    cdef void** pairs
    cdef void* tmp
    cdef dict_t* seen
    cdef pe_entry* e
    cdef bint existed
    cdef uchar* lp
    cdef uchar* p
    cdef hash_iter it
    if o == NULL:
        add_array(c, 0)
        return
    if check_type(c, o, OBJ_HASH):
        return
    size = hash_length(o)
    if l >= 0:
        count = <unsigned long>l
    else:
        count = <unsigned long>(-l)
        uniq = False
    if count == 0:
        add_array(c, 0)
        return

    # CASE 1: negative count (repetitions allowed, random order), or just one.
    if not uniq or count == 1:
        add_array(c, <long long>(count * 2 if withvalues and c.resp == 2 else count))
        if o.encoding == ENC_HT:
            while count:
                count -= 1
                _add_pair(c, o, dict_fair_random(<dict_t*>o.u.ptr), withvalues)
                if c.flags & CLIENT_CLOSE_ASAP:
                    break
        else:
            pairs = _collect_pairs(o, size)
            while count:
                count -= 1
                _add_pair(c, o, pairs[_rand_below(size)], withvalues)
                if c.flags & CLIENT_CLOSE_ASAP:
                    break
            mem_free(pairs)
        return

    add_array(c, <long long>((count if count < size else size) *
                             (2 if withvalues and c.resp == 2 else 1)))

    # CASE 2: at least as many as the hash holds: all of it, in order.
    if count >= size:
        hash_iter_init(&it, o)
        while hash_iter_next(&it):
            if withvalues and c.resp > 2:
                add_array(c, 2)
            _add_iter_cur(c, &it, HASH_KEY)
            if withvalues:
                _add_iter_cur(c, &it, HASH_VALUE)
        hash_iter_release(&it)
        return

    # CASE 3: close to the size: drop random fields until count remain.
    if count * HRANDFIELD_SUB_STRATEGY_MUL > size:
        pairs = _collect_pairs(o, size)
        while size > count:
            i = _rand_below(size)
            size -= 1
            tmp = pairs[i]
            pairs[i] = pairs[size]
            pairs[size] = tmp
        for i in range(count):
            _add_pair(c, o, pairs[i], withvalues)
        mem_free(pairs)
        return

    # CASE 4: few out of many.
    if o.encoding == ENC_LISTPACK:
        # One pass of selection sampling: unique picks in listpack order.
        lp = <uchar*>o.u.ptr
        p = lp_first(lp)
        picked = 0
        remaining = count
        index = 0
        while picked < count and p != NULL:
            if _rand_unit() <= <double>remaining / <double>(size - index):
                _add_pair(c, o, p, withvalues)
                remaining -= 1
                picked += 1
            p = lp_next(lp, lp_next(lp, p))
            index += 1
        return
    seen = dict_create(NULL)
    dict_expand(seen, count)
    picked = 0
    while picked < count:
        e = dict_fair_random(<dict_t*>o.u.ptr)
        dict_add_or_find(seen, e.key, e.klen, &existed)
        if existed:
            continue
        picked += 1
        _add_pair(c, o, e, withvalues)
    dict_release(seen)


cdef int hrandfield_command(Client c) except -1:
    cdef long long l
    cdef robj* o
    cdef void* p
    cdef uchar* lp
    if c.argc >= 3:
        if not get_range_or_reply(c, 2, -LLONG_MAX, LLONG_MAX, &l, NULL):
            return 0
        if c.argc > 4 or (c.argc == 4 and not arg_is(c, 3, b"withvalues")):
            add_syntax_error(c)
            return 0
        # -LONG_MAX/2 .. LONG_MAX/2 (C division), so count*2 cannot overflow
        if c.argc == 4 and (l < -(LLONG_MAX // 2) or l > LLONG_MAX // 2):
            add_error(c, b"ERR value is out of range")
            return 0
        _hrandfield_with_count(c, l, c.argc == 4)
        return 0
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_null(c)
        return 0
    if check_type(c, o, OBJ_HASH):
        return 0
    if o.encoding == ENC_HT:
        _add_pair(c, o, dict_fair_random(<dict_t*>o.u.ptr), False)
    else:
        lp = <uchar*>o.u.ptr
        p = lp_first(lp)
        l = <long long>_rand_below(hash_length(o))
        while l > 0:
            p = lp_next(lp, lp_next(lp, <uchar*>p))
            l -= 1
        _add_lp_entry(c, <uchar*>p)
    return 0


# ---- Python-level access (DEBUG DIGEST, tests) -------------------------------------------

cdef robj* _peek(Server srv, int dbid, bytes key):
    cdef pe_entry* e = dict_find(srv.db(dbid).keys, key, len(key))
    if e == NULL or (<robj*>e.v.ptr).type != OBJ_HASH:
        return NULL
    return <robj*>e.v.ptr


def py_hash_items(Server srv, int dbid, bytes key):
    """[(field, value)] of the hash at ``key`` in iteration order (None if
    there is no hash there). No expiry, no stats."""
    cdef robj* o = _peek(srv, dbid, key)
    cdef hash_iter it
    cdef char fb[LP_INTBUF_SIZE]
    cdef char vb[LP_INTBUF_SIZE]
    cdef const char* f
    cdef const char* v
    cdef size_t fl, vl
    cdef list out = []
    if o == NULL:
        return None
    hash_iter_init(&it, o)
    while hash_iter_next(&it):
        f = hash_iter_str(&it, HASH_KEY, fb, &fl)
        v = hash_iter_str(&it, HASH_VALUE, vb, &vl)
        out.append((PyBytes_FromStringAndSize(f, fl), PyBytes_FromStringAndSize(v, vl)))
    hash_iter_release(&it)
    return out


def py_hash_listpack(Server srv, int dbid, bytes key):
    """The raw listpack bytes of a listpack-encoded hash (what RDB/DUMP
    would store), or None. For tests comparing with Redis's DUMP."""
    cdef robj* o = _peek(srv, dbid, key)
    if o == NULL or o.encoding != ENC_LISTPACK:
        return None
    return PyBytes_FromStringAndSize(<const char*>o.u.ptr, lp_bytes(<uchar*>o.u.ptr))


def _sha1(data):
    return hashlib.sha1(data).digest()


def _mix(digest, data):
    """Redis's mixDigest: SHA1(digest xor SHA1(data))."""
    h = _sha1(data)
    return _sha1(bytes(a ^ b for a, b in zip(digest, h)))


def digest_parts(srv, dbid, key):
    """DEBUG DIGEST parts of a hash (xorObjectDigest): per field, the digest
    of field then value mixed from zero, xored into the key's digest."""
    zero = bytes(20)
    return [("xor", _mix(_mix(zero, f), v)) for f, v in py_hash_items(srv, dbid, key)]


from pyengine import db as _db
_db.DIGEST_PARTS["hash"] = digest_parts


PROCS = {
    "hset_command": proc_capsule(hset_command),
    "hmset_command": proc_capsule(hmset_command),
    "hsetnx_command": proc_capsule(hsetnx_command),
    "hget_command": proc_capsule(hget_command),
    "hmget_command": proc_capsule(hmget_command),
    "hdel_command": proc_capsule(hdel_command),
    "hlen_command": proc_capsule(hlen_command),
    "hstrlen_command": proc_capsule(hstrlen_command),
    "hexists_command": proc_capsule(hexists_command),
    "hkeys_command": proc_capsule(hkeys_command),
    "hvals_command": proc_capsule(hvals_command),
    "hgetall_command": proc_capsule(hgetall_command),
    "hincrby_command": proc_capsule(hincrby_command),
    "hincrbyfloat_command": proc_capsule(hincrbyfloat_command),
    "hrandfield_command": proc_capsule(hrandfield_command),
    "hscan_command": proc_capsule(hscan_command),
}
