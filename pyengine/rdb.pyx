"""RDB at the object level: values <-> RDB types, the snapshot walk, the
loader, DUMP and RESTORE.

Layers
------
* ``engine/rdb``: bytes (lengths, strings with their integer and LZF
  forms, doubles, the buffered writer, the bounds-checked reader, ziplist
  and zipmap conversion). Knows nothing of values.
* here, ``rdb_save_value`` / ``rdb_load_value``: one value in the RDB form
  Redis 7.0 writes for its encoding, and back into pyengine's encodings at
  the configured thresholds; ``save_fd`` / ``load_buffer``: a whole
  snapshot (magic, AUX fields, functions, every db, EOF, CRC-64); the DUMP
  and RESTORE commands.
* ``pyengine/persist.py``: files (temp file, fsync, rename, fsync of the
  directory), SAVE/BGSAVE (fork), the save rules in the cron, INFO
  persistence, loading at start-up, DEBUG RELOAD, SHUTDOWN and FLUSHALL.

Values written (``rdb_object_type`` gives the type byte)::

    string                 0  STRING            int -> int form, else the bytes
    list  quicklist       18  LIST_QUICKLIST_2  <nodes> (<container> <node>)*:
                                                a raw node as a string (which
                                                rdbcompression may LZF), a
                                                compressed node as its LZF blob
    set   intset          11  SET_INTSET        the intset blob as a string
    set   hashtable        2  SET               <n> <member>*
    zset  listpack        17  ZSET_LISTPACK     the listpack as a string
    zset  skiplist         5  ZSET_2            <n> (<member> <binary double>)*
                                                from the highest score down
    hash  listpack        16  HASH_LISTPACK     the listpack as a string
    hash  hashtable        4  HASH              <n> (<field> <value>)*
    stream                19  STREAM_LISTPACKS_2  nodes, counters, groups
                                                (pyengine/rdb_stream)

The listpack, intset and quicklist engines keep Redis's exact bytes and
node layout, so DUMP of those encodings is byte-identical to Redis's; a
hashtable's order depends on the hash seed (Redis's too), so those payloads
only match as contents.

Loading accepts every type Redis 7.0 loads (also the older ones: the plain
LIST, ziplist lists/hashes/zsets, quicklist v1 of ziplists, zipmap hashes,
the text-double ZSET) and converts like Redis: an intset over
set-max-intset-entries becomes a hashtable, a hash listpack over
hash-max-listpack-entries a hashtable, a loaded HASH stays a listpack while
its fields fit hash-max-listpack-value, a zset listpack (or ziplist) over
zset-max-listpack-entries becomes a skiplist, a loaded ZSET/ZSET_2 becomes
a listpack when its count and longest member fit the zset-max-listpack-*
limits, quicklist nodes keep their layout, lists of plain elements are
pushed with the current node size.

Validation: every blob is checked before anything walks it, whatever
``sanitize-dump-payload`` says: listpacks entry by entry (encodings,
bounds, back-lengths, count; pairs must be even), intsets by size and
width, ziplists and zipmaps completely, quicklist nodes also for their
65535-element limit. Redis skips the entry walk unless sanitizing, and then
may crash later on a corrupt payload; here corruption is always refused
with an error, never loaded. ``sanitize-dump-payload yes`` (or ``clients``
for RESTORE) adds what Redis's deep mode adds on top: duplicate fields in
hash/zset listpacks and loaded HASHes, intset ordering, and the
dump_payload_sanitizations statistic. Duplicates in hashtable-built types
and NaN scores are always refused, as in Redis (and NaN scores in kept
zset listpacks too). Streams are checked completely
(pyengine/rdb_stream). The error texts are Redis's ("Zset ziplist
integrity check failed." ...); a refused RESTORE logs its reason at
verbose level, as Redis does.

Costs: saving is one pass over the keyspace (plus one expires lookup per
key when the db has TTLs) writing through the engine/rdb buffer, no Python
object per key; loading is one pass over the input (a file mapping: plain
strings are not copied until they land in their value) and one dict insert
per key.
"""

from libc.stdlib cimport rand, strtod
from libc.string cimport memcpy
from libc.math cimport isnan
from libc.stdint cimport uint8_t, uint64_t, int64_t
from posix.unistd cimport usleep
from cpython.bytes cimport PyBytes_FromStringAndSize

from engine._mem cimport mem_alloc, mem_free, mem_used
from engine.crc64 cimport crc64
from engine.rdb cimport *
from engine.object cimport (robj, obj_free, obj_string_from_ll, obj_string_encoded, PE_EMB_DATA,
                            OBJ_STRING, OBJ_LIST, OBJ_SET, OBJ_ZSET, OBJ_HASH, OBJ_MODULE,
                            OBJ_STREAM, ENC_INT, ENC_EMBSTR, ENC_RAW, ENC_INTSET, ENC_HT,
                            ENC_LISTPACK, ENC_SKIPLIST, ENC_QUICKLIST, LRU_CLOCK_MAX)
from engine.dict cimport (dict_t, pe_entry, dict_iter, dict_iter_init, dict_iter_next,
                          dict_iter_release, dict_find, dict_add_or_find, dict_expand, dict_size,
                          dict_unlink, dict_free_entry, dict_delete, dict_create, dict_release)
from engine.listpack cimport (uchar, lp_validate, lp_length, lp_bytes, lp_first, lp_next,
                              lp_get, lp_new, lp_free, lp_append, lp_safe_to_add)
from engine.intset cimport (intset, intset_new, intset_add, intset_len, intset_blob_len,
                            intset_validate)
from engine.quicklist cimport (quicklist, ql_node, ql_create, ql_release, ql_append_listpack,
                               ql_append_plain, ql_push_tail, ql_lzf_data, QL_ENC_LZF)
from engine.zset cimport zset_t, zslnode, zs_find_or_add, zs_length
from engine.util cimport string2ll, ll2string
from pyengine.core cimport (Server, Client, Db, add_bulk, add_null, add_ok, add_error,
                            add_syntax_error, arg_is, get_ll_or_reply, mstime, lru_clock,
                            proc_capsule)
from pyengine.db cimport (lookup_read, lookup_write, db_add, db_delete, set_expire,
                          signal_modified_key, init_object_lru, lfu_decr_and_return)
from pyengine.t_list cimport list_object
from pyengine.t_hash cimport (hash_from_listpack, hash_new_ht, hash_ht_add, hash_ht_value,
                              hash_convert, hash_length)
from pyengine.t_set cimport (set_create_intset, set_create_ht, set_from_intset,
                             set_convert_to_ht)
from pyengine.t_zset cimport (zset_new_skiplist, zset_from_listpack,
                              zset_convert_to_listpack_if_needed)
from pyengine.rdb_stream cimport rdb_save_stream, rdb_load_stream
from engine.stream cimport stream_t
from pyengine.msgs cimport (MSG_BUSYKEY, MSG_BAD_DATA_FORMAT, MSG_DUMP_PAYLOAD, MSG_INVALID_TTL,
                            MSG_INVALID_IDLETIME, MSG_INVALID_FREQ)

cdef enum:
    MAX_INTSET_CAP = 1 << 30
    DICT_PRESIZE_MIN = 4          # Redis presizes when a count exceeds its initial table
    QL_NODE_MAX_COUNT = 65535     # quicklist node counts are 16 bits
    CRC_STEP = 1 << 18            # loader: CRC the input in 256 KB steps
    PROGRESS_STEP = 8 << 20       # loader: progress callback every 8 MB

# load_buffer flags for Python callers
PY_RDBFLAGS_NONE = RDBFLAGS_NONE
PY_RDBFLAGS_AOF_PREAMBLE = RDBFLAGS_AOF_PREAMBLE
PY_RDBFLAGS_ALLOW_DUP = RDBFLAGS_ALLOW_DUP


class RdbError(Exception):
    """A snapshot could not be read: ``reason`` at byte ``offset``;
    ``detail`` is a line Redis logs before its error line, or None."""

    def __init__(self, reason, offset, detail=None):
        Exception.__init__(self, "%s (at offset %d)" % (reason, offset))
        self.reason = reason
        self.offset = offset
        self.detail = detail


# ---- saving values ----------------------------------------------------------------------

cdef int rdb_object_type(robj* o) noexcept nogil:
    """The RDB type byte for a value, or -1 when it cannot be saved."""
    if o.type == OBJ_STRING:
        return RDB_TYPE_STRING
    if o.type == OBJ_LIST:
        return RDB_TYPE_LIST_QUICKLIST_2
    if o.type == OBJ_SET:
        return RDB_TYPE_SET_INTSET if o.encoding == ENC_INTSET else RDB_TYPE_SET
    if o.type == OBJ_ZSET:
        return RDB_TYPE_ZSET_LISTPACK if o.encoding == ENC_LISTPACK else RDB_TYPE_ZSET_2
    if o.type == OBJ_HASH:
        return RDB_TYPE_HASH_LISTPACK if o.encoding == ENC_LISTPACK else RDB_TYPE_HASH
    if o.type == OBJ_STREAM:
        return RDB_TYPE_STREAM_LISTPACKS_2
    return -1


cdef int _save_string(rdb_writer* w, robj* o) noexcept nogil:
    if o.encoding == ENC_INT:
        return rdbw_ll(w, o.u.ival)
    if o.encoding == ENC_EMBSTR:
        return rdbw_string(w, PE_EMB_DATA(o), o.u.emblen)
    return rdbw_string(w, o.u.raw.ptr, o.u.raw.len)


cdef int _save_list(rdb_writer* w, robj* o) noexcept nogil:
    cdef quicklist* ql = <quicklist*>o.u.ptr
    cdef ql_node* node = ql.head
    cdef const char* data
    cdef size_t clen
    if rdbw_len(w, ql.len) != 0:
        return -1
    while node != NULL:
        if rdbw_len(w, node.container) != 0:
            return -1
        if node.encoding == QL_ENC_LZF:
            data = ql_lzf_data(node, &clen)
            if rdbw_lzf_blob(w, data, clen, node.sz) != 0:
                return -1
        elif rdbw_string(w, <const char*>node.entry, node.sz) != 0:
            return -1
        node = node.next
    return 0


cdef int _save_dict_keys(rdb_writer* w, dict_t* d, bint values) noexcept nogil:
    """<n> then each key (and with ``values`` its hash value)."""
    cdef dict_iter it
    cdef pe_entry* e
    cdef const char* v
    cdef size_t vl
    cdef int rc = 0
    if rdbw_len(w, dict_size(d)) != 0:
        return -1
    dict_iter_init(&it, d)
    while True:
        e = dict_iter_next(&it)
        if e == NULL:
            break
        if rdbw_string(w, e.key, e.klen) != 0:
            rc = -1
            break
        if values:
            v = hash_ht_value(e, &vl)
            if rdbw_string(w, v, vl) != 0:
                rc = -1
                break
    dict_iter_release(&it)
    return rc


cdef int _save_zset(rdb_writer* w, robj* o) noexcept nogil:
    cdef zset_t* zs
    cdef zslnode* node
    if o.encoding == ENC_LISTPACK:
        return rdbw_string(w, <const char*>o.u.ptr, lp_bytes(<uchar*>o.u.ptr))
    zs = <zset_t*>o.u.ptr
    if rdbw_len(w, zs.zsl.length) != 0:
        return -1
    # highest first, so loading inserts every member at the head of the skiplist
    node = zs.zsl.tail
    while node != NULL:
        if rdbw_string(w, node.ent.key, node.ent.klen) != 0:
            return -1
        if rdbw_double(w, node.score) != 0:
            return -1
        node = node.backward
    return 0


cdef int rdb_save_value(rdb_writer* w, robj* o) noexcept nogil:
    """Write a value's bytes (not its type byte). 0, or -1 (w.err says why;
    EINVAL for a type this build cannot save)."""
    if o.type == OBJ_STRING:
        return _save_string(w, o)
    if o.type == OBJ_LIST:
        return _save_list(w, o)
    if o.type == OBJ_SET:
        if o.encoding == ENC_INTSET:
            return rdbw_string(w, <const char*>o.u.ptr, intset_blob_len(<intset*>o.u.ptr))
        return _save_dict_keys(w, <dict_t*>o.u.ptr, False)
    if o.type == OBJ_ZSET:
        return _save_zset(w, o)
    if o.type == OBJ_HASH:
        if o.encoding == ENC_LISTPACK:
            return rdbw_string(w, <const char*>o.u.ptr, lp_bytes(<uchar*>o.u.ptr))
        return _save_dict_keys(w, <dict_t*>o.u.ptr, True)
    if o.type == OBJ_STREAM:
        return rdb_save_stream(w, <stream_t*>o.u.ptr)
    if not w.err:
        w.err = 22          # EINVAL
    return -1


# ---- loading values ----------------------------------------------------------------------

cdef inline size_t _presize(rdb_reader* r, uint64_t n) noexcept nogil:
    """A table presize for n announced elements that the input can back:
    every element takes at least one byte, so a corrupt count cannot make
    us allocate more than the input justifies."""
    cdef uint64_t left = r.size - r.pos
    return <size_t>(n if n < left else left)


cdef inline bint _shared_ints(Server srv) noexcept:
    return srv.maxmemory == 0 or not (srv.maxmemory_policy_flags & 1)


cdef inline int _clamp_int(long long v) noexcept nogil:
    if v > 2147483647:
        return 2147483647
    if v < -2147483648:
        return -2147483648
    return <int>v


cdef inline quicklist* _new_ql(Server srv) noexcept:
    return ql_create(_clamp_int(srv.list_max_listpack_size), _clamp_int(srv.list_compress_depth))


cdef robj* _load_string(Server srv, rdb_reader* r) noexcept:
    cdef size_t n
    cdef long long v
    cdef bint isint
    cdef const char* s = rdbr_string(r, 0, &n, &v, &isint)
    if s == NULL:
        return NULL
    if isint:
        return obj_string_from_ll(v, _shared_ints(srv))
    return obj_string_encoded(s, n, _shared_ints(srv))


cdef robj* _load_plain_list(Server srv, rdb_reader* r, bint* empty) noexcept:
    """RDB_TYPE_LIST: <n> <element>*, pushed with the current node size."""
    cdef uint64_t n
    cdef size_t sl
    cdef const char* s
    cdef quicklist* ql
    if not rdbr_len(r, &n):
        return NULL
    if n == 0:
        empty[0] = True
        return NULL
    ql = _new_ql(srv)
    while n:
        s = rdbr_string(r, 0, &sl, NULL, NULL)
        if s == NULL:
            ql_release(ql)
            return NULL
        ql_push_tail(ql, s, sl)
        n -= 1
    return list_object(ql)


cdef robj* _load_quicklist(Server srv, rdb_reader* r, int rdbtype, bint deep,
                           bint* empty) noexcept:
    """LIST_QUICKLIST (nodes are ziplists) and LIST_QUICKLIST_2 (a container
    per node: plain element or listpack). The node layout is kept; empty
    nodes are skipped, an empty list is an empty key."""
    cdef uint64_t n, container = RDB_QL_PACKED
    cdef size_t sl
    cdef const char* s
    cdef uchar* blob
    cdef quicklist* ql
    cdef size_t start
    if not rdbr_len(r, &n):
        return NULL
    if n == 0:
        empty[0] = True
        return NULL
    ql = _new_ql(srv)
    while n:
        n -= 1
        if rdbtype == RDB_TYPE_LIST_QUICKLIST_2:
            start = r.pos
            if not rdbr_len(r, &container):
                break
            if container != RDB_QL_PLAIN and container != RDB_QL_PACKED:
                r.pos = start
                rdbr_fail(r, RDBR_CORRUPT, b"Quicklist integrity check failed.")
                break
        start = r.pos
        s = rdbr_string(r, 0, &sl, NULL, NULL)
        if s == NULL:
            break
        if sl == 0:
            r.pos = start
            rdbr_fail(r, RDBR_CORRUPT, b"empty quicklist node")
            break
        if container == RDB_QL_PLAIN:
            blob = <uchar*>mem_alloc(sl)
            memcpy(blob, s, sl)
            ql_append_plain(ql, blob, sl)
            continue
        if rdbtype == RDB_TYPE_LIST_QUICKLIST_2:
            if deep:
                srv.stat_dump_payload_sanitizations += 1
            if not lp_validate(<const uchar*>s, sl, True):
                r.pos = start
                rdbr_fail(r, RDBR_CORRUPT, b"Listpack integrity check failed.")
                break
            blob = <uchar*>mem_alloc(sl)
            memcpy(blob, s, sl)
        else:
            blob = zl_to_listpack(<const uchar*>s, sl, False)
            if blob == NULL:
                r.pos = start
                rdbr_fail(r, RDBR_CORRUPT, b"Ziplist integrity check failed.")
                break
        if lp_length(blob) == 0:
            lp_free(blob)
            continue
        if lp_length(blob) > QL_NODE_MAX_COUNT:
            lp_free(blob)
            r.pos = start
            rdbr_fail(r, RDBR_CORRUPT, b"Listpack integrity check failed: a quicklist node holds more than 65535 elements.")
            break
        ql_append_listpack(ql, blob)
    if r.err:
        ql_release(ql)
        return NULL
    if ql.count == 0:
        ql_release(ql)
        empty[0] = True
        return NULL
    return list_object(ql)


cdef robj* _load_set(Server srv, rdb_reader* r, bint* empty) noexcept:
    """RDB_TYPE_SET: an intset while every member is an integer and the
    count fits set-max-intset-entries, else a presized hashtable."""
    cdef uint64_t n, i
    cdef size_t sl, start
    cdef long long v
    cdef bint isint, added, existed
    cdef const char* s
    cdef robj* o
    cdef long long maxis = srv.set_max_intset_entries
    if maxis > MAX_INTSET_CAP:
        maxis = MAX_INTSET_CAP
    if not rdbr_len(r, &n):
        return NULL
    if n == 0:
        empty[0] = True
        return NULL
    if n > <uint64_t>maxis:
        o = set_create_ht(_presize(r, n) if n > DICT_PRESIZE_MIN else 0)
    else:
        o = set_create_intset()
    for i in range(n):
        start = r.pos
        s = rdbr_string(r, 0, &sl, &v, &isint)
        if s == NULL:
            obj_free(o)
            return NULL
        if o.encoding == ENC_INTSET:
            if isint or string2ll(s, sl, &v):
                o.u.ptr = intset_add(<intset*>o.u.ptr, v, &added)
                if not added:
                    r.pos = start
                    rdbr_fail(r, RDBR_CORRUPT, b"Duplicate set members detected")
                    obj_free(o)
                    return NULL
                continue
            set_convert_to_ht(o, _presize(r, n))
        dict_add_or_find(<dict_t*>o.u.ptr, s, sl, &existed)
        if existed:
            r.pos = start
            rdbr_fail(r, RDBR_CORRUPT, b"Duplicate set members detected")
            obj_free(o)
            return NULL
    return o


cdef double _lp_score(uchar* p) noexcept nogil:
    """A listpack zset score entry as a double (strtod of the text, like
    Redis's zzlStrtod)."""
    cdef size_t n
    cdef long long v
    cdef char buf[128]
    cdef const char* s = lp_get(p, &n, &v)
    if s == NULL:
        return <double>v
    if n > sizeof(buf) - 1:
        n = sizeof(buf) - 1
    memcpy(buf, s, n)
    buf[n] = 0
    return strtod(buf, NULL)


cdef robj* _zset_from_listpack(Server srv, rdb_reader* r, uchar* lp, size_t start) noexcept:
    """A sorted set from a validated member/score listpack (owned from here
    on, freed on failure), as Redis 7.0 loads ZSET_ZIPLIST / ZSET_LISTPACK:
    kept as a listpack, or a skiplist when it holds more than
    zset-max-listpack-entries members. A NaN score is refused (Redis would
    load it and then compare with it); members must be unique before they
    go into a skiplist (a kept listpack is only checked for duplicates when
    sanitizing, as in Redis). O(n), O(n log n) for a skiplist."""
    cdef robj* o
    cdef zset_t* zs
    cdef uchar* p = lp_first(lp)
    cdef uchar* sp
    cdef const char* m
    cdef size_t n
    cdef long long v
    cdef char buf[24]
    cdef double score
    cdef bint added
    cdef unsigned long count = lp_length(lp) // 2
    if count <= <unsigned long>srv.zset_max_listpack_entries:
        while p != NULL:
            sp = lp_next(lp, p)
            if isnan(_lp_score(sp)):
                lp_free(lp)
                r.pos = start
                rdbr_fail(r, RDBR_CORRUPT, b"Zset with NAN score detected")
                return NULL
            p = lp_next(lp, sp)
        return zset_from_listpack(lp)
    o = zset_new_skiplist()
    zs = <zset_t*>o.u.ptr
    if count > DICT_PRESIZE_MIN:
        dict_expand(zs.dict, count)
    while p != NULL:
        sp = lp_next(lp, p)
        m = lp_get(p, &n, &v)
        if m == NULL:
            n = ll2string(buf, v)
            m = buf
        score = _lp_score(sp)
        if isnan(score):
            r.pos = start
            rdbr_fail(r, RDBR_CORRUPT, b"Zset with NAN score detected")
            break
        zs_find_or_add(zs, m, n, score, &added)
        if not added:
            r.pos = start
            rdbr_fail(r, RDBR_CORRUPT, b"Duplicate zset fields detected")
            break
        p = lp_next(lp, sp)
    lp_free(lp)
    if r.err:
        obj_free(o)
        return NULL
    return o


cdef robj* _load_zset(Server srv, rdb_reader* r, int rdbtype, bint* empty) noexcept:
    """ZSET (text doubles) and ZSET_2 (binary doubles): <n> (<member> <score>)*
    into a skiplist, converted to a listpack afterwards when the count and
    the longest member fit zset-max-listpack-entries/-value (as Redis 7.0
    does: the file's order is not the set's, so the conversion comes last)."""
    cdef uint64_t n
    cdef size_t sl, start, maxelelen = 0, totelelen = 0
    cdef const char* s
    cdef double score
    cdef bint added, ok
    cdef robj* o
    cdef zset_t* zs
    if not rdbr_len(r, &n):
        return NULL
    if n == 0:
        empty[0] = True
        return NULL
    o = zset_new_skiplist()
    zs = <zset_t*>o.u.ptr
    if n > DICT_PRESIZE_MIN:
        dict_expand(zs.dict, _presize(r, n))
    while n:
        n -= 1
        start = r.pos
        s = rdbr_string(r, 0, &sl, NULL, NULL)
        if s == NULL:
            break
        if rdbtype == RDB_TYPE_ZSET_2:
            ok = rdbr_double(r, &score)
        else:
            ok = rdbr_string_double(r, &score)
        if not ok:
            break
        if isnan(score):
            r.pos = start
            rdbr_fail(r, RDBR_CORRUPT, b"Zset with NAN score detected")
            break
        zs_find_or_add(zs, s, sl, score, &added)
        if not added:
            r.pos = start
            rdbr_fail(r, RDBR_CORRUPT, b"Duplicate zset fields detected")
            break
        if sl > maxelelen:
            maxelelen = sl
        totelelen += sl
    if r.err:
        obj_free(o)
        return NULL
    zset_convert_to_listpack_if_needed(srv, o, maxelelen, totelelen)
    return o


cdef robj* _load_hash(Server srv, rdb_reader* r, bint deep, bint* empty) noexcept:
    """RDB_TYPE_HASH: <n> (<field> <value>)*. A listpack while the count fits
    hash-max-listpack-entries and every string hash-max-listpack-value (and
    the listpack its 1 GB cap); otherwise a presized hashtable."""
    cdef uint64_t n
    cdef size_t fl, vl, start
    cdef const char* f
    cdef const char* v
    cdef robj* o
    cdef uchar* lp
    cdef dict_t* seen = NULL
    cdef bint existed
    if not rdbr_len(r, &n):
        return NULL
    if n == 0:
        empty[0] = True
        return NULL
    if n > <uint64_t>srv.hash_max_listpack_entries:
        o = hash_new_ht(_presize(r, n) if n > DICT_PRESIZE_MIN else 0)
    else:
        o = hash_from_listpack(lp_new(0))
        if deep:
            seen = dict_create(NULL)
    while n and o.encoding == ENC_LISTPACK:
        n -= 1
        start = r.pos
        f = rdbr_string(r, 0, &fl, NULL, NULL)
        if f == NULL:
            break
        v = rdbr_string(r, 1, &vl, NULL, NULL)
        if v == NULL:
            break
        if seen != NULL:
            dict_add_or_find(seen, f, fl, &existed)
            if existed:
                r.pos = start
                rdbr_fail(r, RDBR_CORRUPT, b"Hash with dup elements")
                break
        lp = <uchar*>o.u.ptr
        if (<long long>fl > srv.hash_max_listpack_value or
                <long long>vl > srv.hash_max_listpack_value or not lp_safe_to_add(lp, fl + vl)):
            hash_convert(o)
            if n > DICT_PRESIZE_MIN:
                dict_expand(<dict_t*>o.u.ptr, _presize(r, n + 1 + dict_size(<dict_t*>o.u.ptr)))
            if not hash_ht_add(o, f, fl, v, vl):
                r.pos = start
                rdbr_fail(r, RDBR_CORRUPT, b"Duplicate hash fields detected")
            break
        lp = lp_append(lp, f, fl)
        o.u.ptr = lp_append(lp, v, vl)
    if seen != NULL:
        dict_release(seen)
    while n and not r.err:
        n -= 1
        start = r.pos
        f = rdbr_string(r, 0, &fl, NULL, NULL)
        if f == NULL:
            break
        v = rdbr_string(r, 1, &vl, NULL, NULL)
        if v == NULL:
            break
        if not hash_ht_add(o, f, fl, v, vl):
            r.pos = start
            rdbr_fail(r, RDBR_CORRUPT, b"Duplicate hash fields detected")
    if r.err:
        obj_free(o)
        return NULL
    return o


cdef uchar* _copy_listpack(rdb_reader* r, const char* s, size_t n, size_t start, bint deep,
                           Server srv, const char* why) noexcept:
    """A validated copy of a pairs listpack (hash or zset), or NULL with
    ``why`` (Redis's words for the type) as the error."""
    cdef uchar* lp
    if deep:
        srv.stat_dump_payload_sanitizations += 1
    if not lp_validate(<const uchar*>s, n, True) or lp_length(<uchar*>s) % 2:
        r.pos = start
        rdbr_fail(r, RDBR_CORRUPT, why)
        return NULL
    lp = <uchar*>mem_alloc(n)
    memcpy(lp, s, n)
    if deep and not lp_pairs_unique(lp):     # (Redis's deep check: the same message)
        lp_free(lp)
        r.pos = start
        rdbr_fail(r, RDBR_CORRUPT, why)
        return NULL
    return lp


cdef robj* _load_blob_type(Server srv, rdb_reader* r, int rdbtype, bint deep,
                           bint* empty) noexcept:
    """The types stored as one string: zipmap, ziplist list/hash/zset,
    intset, hash/zset listpack."""
    cdef size_t start = r.pos
    cdef size_t n, maxlen
    cdef const char* s = rdbr_string(r, 0, &n, NULL, NULL)
    cdef uchar* lp
    cdef uchar* blob
    cdef unsigned long count
    cdef const uchar* p
    cdef zl_entry e
    cdef char buf[24]
    cdef int bl
    cdef quicklist* ql
    cdef robj* o
    if s == NULL:
        return NULL
    if rdbtype == RDB_TYPE_HASH_ZIPMAP:
        lp = zipmap_to_listpack(<const uchar*>s, n, &maxlen)
        if lp == NULL:
            r.pos = start
            rdbr_fail(r, RDBR_CORRUPT, b"Zipmap integrity check failed.")
            return NULL
        o = hash_from_listpack(lp)
        if (<long long>hash_length(o) > srv.hash_max_listpack_entries or
                <long long>maxlen > srv.hash_max_listpack_value):
            hash_convert(o)
        return o
    if rdbtype == RDB_TYPE_LIST_ZIPLIST:
        if not zl_validate(<const uchar*>s, n, False, &count):
            r.pos = start
            rdbr_fail(r, RDBR_CORRUPT, b"List ziplist integrity check failed.")
            return NULL
        if count == 0:
            empty[0] = True
            return NULL
        ql = _new_ql(srv)
        p = zl_first(<const uchar*>s)
        while True:
            p = zl_next(p, &e)
            if p == NULL:
                break
            if e.s == NULL:
                bl = ll2string(buf, e.v)
                ql_push_tail(ql, buf, bl)
            else:
                ql_push_tail(ql, <const char*>e.s, e.n)
        return list_object(ql)
    if rdbtype == RDB_TYPE_SET_INTSET:
        if deep:
            srv.stat_dump_payload_sanitizations += 1
        if not intset_validate(<const uchar*>s, n, deep):
            r.pos = start
            rdbr_fail(r, RDBR_CORRUPT, b"Intset integrity check failed.")
            return NULL
        blob = <uchar*>mem_alloc(n)
        memcpy(blob, s, n)
        o = set_from_intset(<intset*>blob)
        if <long long>intset_len(<intset*>blob) > srv.set_max_intset_entries:
            set_convert_to_ht(o, 0)
        return o
    if rdbtype == RDB_TYPE_ZSET_ZIPLIST or rdbtype == RDB_TYPE_HASH_ZIPLIST:
        lp = zl_to_listpack(<const uchar*>s, n, True)
        if lp == NULL:
            r.pos = start
            rdbr_fail(r, RDBR_CORRUPT, b"Zset ziplist integrity check failed."
                      if rdbtype == RDB_TYPE_ZSET_ZIPLIST else
                      b"Hash ziplist integrity check failed.")
            return NULL
    else:
        lp = _copy_listpack(r, s, n, start, deep, srv,
                            b"Zset listpack integrity check failed."
                            if rdbtype == RDB_TYPE_ZSET_LISTPACK else
                            b"Hash listpack integrity check failed.")
        if lp == NULL:
            return NULL
    if lp_length(lp) == 0:
        lp_free(lp)
        empty[0] = True
        return NULL
    if rdbtype == RDB_TYPE_ZSET_ZIPLIST or rdbtype == RDB_TYPE_ZSET_LISTPACK:
        return _zset_from_listpack(srv, r, lp, start)
    o = hash_from_listpack(lp)
    if <long long>hash_length(o) > srv.hash_max_listpack_entries:
        hash_convert(o)
    return o


cdef robj* rdb_load_value(Server srv, rdb_reader* r, int rdbtype, bint deep,
                          bint* empty) noexcept:
    """Read one value of ``rdbtype`` into a new object (owned by the
    caller), or NULL: r.err set on malformed input, or *empty set when the
    value is a valid but empty aggregate (Redis skips those keys)."""
    empty[0] = False
    if rdbtype == RDB_TYPE_STRING:
        return _load_string(srv, r)
    if rdbtype == RDB_TYPE_LIST:
        return _load_plain_list(srv, r, empty)
    if rdbtype == RDB_TYPE_LIST_QUICKLIST or rdbtype == RDB_TYPE_LIST_QUICKLIST_2:
        return _load_quicklist(srv, r, rdbtype, deep, empty)
    if rdbtype == RDB_TYPE_SET:
        return _load_set(srv, r, empty)
    if rdbtype == RDB_TYPE_ZSET or rdbtype == RDB_TYPE_ZSET_2:
        return _load_zset(srv, r, rdbtype, empty)
    if rdbtype == RDB_TYPE_HASH:
        return _load_hash(srv, r, deep, empty)
    if (rdbtype == RDB_TYPE_HASH_ZIPMAP or rdbtype == RDB_TYPE_LIST_ZIPLIST or
            rdbtype == RDB_TYPE_SET_INTSET or rdbtype == RDB_TYPE_ZSET_ZIPLIST or
            rdbtype == RDB_TYPE_ZSET_LISTPACK or rdbtype == RDB_TYPE_HASH_ZIPLIST or
            rdbtype == RDB_TYPE_HASH_LISTPACK):
        return _load_blob_type(srv, r, rdbtype, deep, empty)
    if rdbtype == RDB_TYPE_STREAM_LISTPACKS or rdbtype == RDB_TYPE_STREAM_LISTPACKS_2:
        return rdb_load_stream(srv, r, rdbtype, deep)
    if rdbtype == RDB_TYPE_MODULE or rdbtype == RDB_TYPE_MODULE_2:
        rdbr_fail(r, RDBR_CORRUPT, b"module values cannot be loaded: no module is loaded")
    else:
        rdbr_fail(r, RDBR_CORRUPT, b"Unknown RDB encoding type")
    return NULL


cdef inline bint _is_object_type(int t) noexcept nogil:
    return 0 <= t <= 7 or 9 <= t <= 19


cdef void rdb_set_lru_or_lfu(Server srv, robj* o, long long freq, long long idle,
                             long long clock) noexcept:
    """objectSetLRUOrLFU: under an LFU policy a given ``freq`` (0..255)
    becomes the counter; otherwise a given ``idle`` (seconds) is subtracted
    from the LRU ``clock`` (an idle time past the clock's start wraps half
    a period ahead, so the key is evicted last). -1 means not given."""
    cdef long long lru_abs
    if srv.maxmemory_policy_flags & 2:
        if freq >= 0:
            o.lru = <unsigned int>(((((srv.mstime // 1000) // 60) & 65535) << 8) | freq)
    elif idle >= 0:
        lru_abs = clock - idle
        if lru_abs < 0:
            lru_abs = (clock + (LRU_CLOCK_MAX // 2)) % LRU_CLOCK_MAX
        o.lru = <unsigned int>lru_abs


# ---- snapshot: saving ---------------------------------------------------------------------

cdef inline void _debug_delay(long long usec) noexcept nogil:
    """rdb-key-save-delay / key-load-delay (tests slow saving and loading
    down with them): sleep per key; a negative value sleeps 1 us once every
    -usec keys on average (Redis's debugDelay)."""
    if usec < 0:
        usec = 1 if rand() % (-usec) == 0 else 0
    if usec > 0:
        usleep(<unsigned int>usec)


cdef unsigned int _idle_seconds(robj* o, unsigned int clock) noexcept nogil:
    if clock >= o.lru:
        return clock - o.lru
    return clock + (LRU_CLOCK_MAX - o.lru)


cdef class _SaveProgress:
    """rdbSaveDb's child-info cadence: every 1024 keys look at the clock,
    and at most once a second hand the keys saved so far to ``callback``
    (BGSAVE's child reports them, with its copy-on-write size, to the
    parent's INFO)."""
    cdef object callback
    cdef long long last_ms

    def __cinit__(self, callback):
        self.callback = callback
        self.last_ms = mstime()

    cdef void tick(self, unsigned long long nkeys) noexcept:
        cdef long long now
        if (nkeys & 1023) != 0:
            return
        now = mstime()
        if now - self.last_ms < 1000:
            return
        self.last_ms = now
        try:
            self.callback(nkeys)
        except BaseException:
            pass                # a report lost, never the save


cdef int _save_db(Server srv, rdb_writer* w, int dbid, long long delay,
                  unsigned long long* nkeys, _SaveProgress progress) noexcept:
    """SELECTDB, RESIZEDB, then every key of one non-empty db."""
    cdef Db* db = srv.db(dbid)
    cdef dict_iter it
    cdef pe_entry* e
    cdef pe_entry* x
    cdef robj* o
    cdef int t, rc = 0
    cdef bint has_expires = dict_size(db.expires) > 0
    cdef bint savelfu = (srv.maxmemory_policy_flags & 2) != 0
    cdef bint savelru = (srv.maxmemory_policy_flags & 1) != 0 and not savelfu
    cdef unsigned int clock = lru_clock()
    cdef uchar freq
    if dict_size(db.keys) == 0:
        return 0
    if rdbw_byte(w, RDB_OPCODE_SELECTDB) != 0 or rdbw_len(w, <uint64_t>dbid) != 0:
        return -1
    if (rdbw_byte(w, RDB_OPCODE_RESIZEDB) != 0 or rdbw_len(w, dict_size(db.keys)) != 0 or
            rdbw_len(w, dict_size(db.expires)) != 0):
        return -1
    dict_iter_init(&it, db.keys)
    while True:
        e = dict_iter_next(&it)
        if e == NULL:
            break
        o = <robj*>e.v.ptr
        t = rdb_object_type(o)
        if t < 0:
            if not w.err:
                w.err = 22
            rc = -1
            break
        if has_expires:
            x = dict_find(db.expires, e.key, e.klen)
            if x != NULL:
                rdbw_byte(w, RDB_OPCODE_EXPIRETIME_MS)
                rdbw_millis(w, x.v.s64)
        if savelru:
            rdbw_byte(w, RDB_OPCODE_IDLE)
            rdbw_len(w, _idle_seconds(o, clock))
        elif savelfu:
            freq = <uchar>lfu_decr_and_return(srv, o)
            rdbw_byte(w, RDB_OPCODE_FREQ)
            rdbw_write(w, &freq, 1)
        rdbw_byte(w, t)
        rdbw_string(w, e.key, e.klen)
        if rdb_save_value(w, o) != 0:
            rc = -1
            break
        nkeys[0] += 1
        if delay:
            _debug_delay(delay)
        if progress is not None:
            progress.tick(nkeys[0])
    dict_iter_release(&it)
    if w.err:
        return -1
    return rc


def save_fd(Server srv, int fd, bint compress=True, bint checksum=True, bint autosync=True,
            aux=(), functions=(), long long key_save_delay=0, progress=None):
    """Write a whole RDB snapshot to ``fd``: magic, the ``aux`` (key, value)
    byte pairs, the ``functions`` library codes, every db, EOF, checksum.
    ``progress(keys saved so far)`` is called about once a second when
    given. Returns (bytes written, keys saved). Raises OSError on a write
    error (nothing is fsynced, closed or renamed here: persist.py does
    that)."""
    cdef rdb_writer w
    cdef unsigned long long nkeys = 0
    cdef _SaveProgress ticker = _SaveProgress(progress) if progress is not None else None
    cdef int i
    cdef bytes k, v
    cdef bytes magic = b"REDIS%04d" % RDB_VERSION
    srv.mstime = mstime()
    if rdbw_init_fd(&w, fd, compress, checksum, RDBW_AUTOSYNC if autosync else 0) != 0:
        rdbw_release(&w)
        raise MemoryError("cannot allocate the RDB write buffer")
    try:
        rdbw_write(&w, <const char*>magic, len(magic))
        for k, v in aux:
            rdbw_aux(&w, k, len(k), v, len(v))
        for v in functions:
            rdbw_byte(&w, RDB_OPCODE_FUNCTION2)
            rdbw_string(&w, v, len(v))
        for i in range(srv.dbnum):
            if w.err or _save_db(srv, &w, i, key_save_delay, &nkeys, ticker) != 0:
                break
        if not w.err:
            rdbw_finish_file(&w)
        if w.err:
            import os
            raise OSError(w.err, os.strerror(w.err))
        return rdbw_total(&w), nkeys
    finally:
        rdbw_release(&w)


# ---- snapshot: loading --------------------------------------------------------------------

cdef class _Loader:
    """State of one load_buffer call (the key copy buffer, counters)."""
    cdef char* keybuf
    cdef size_t keycap
    cdef public long long loaded
    cdef public long long expired
    cdef public long long empty_skipped
    cdef public list empty_keys

    def __cinit__(self):
        self.keybuf = NULL
        self.keycap = 0
        self.empty_keys = []

    def __dealloc__(self):
        if self.keybuf != NULL:
            mem_free(self.keybuf)

    cdef char* key_copy(self, const char* s, size_t n):
        if self.keycap < n + 1:
            if self.keybuf != NULL:
                mem_free(self.keybuf)
            self.keycap = n + 1 if n + 1 > 64 else 64
            self.keybuf = <char*>mem_alloc(self.keycap)
        memcpy(self.keybuf, s, n)
        return self.keybuf


cdef inline uint64_t _cap_to_input(rdb_reader* r, uint64_t n) noexcept nogil:
    cdef uint64_t left = r.size - r.pos
    return n if n < left else left


cdef bytes _read_string(rdb_reader* r):
    cdef size_t n
    cdef const char* s = rdbr_string(r, 0, &n, NULL, NULL)
    if s == NULL:
        raise _error(r)
    return PyBytes_FromStringAndSize(s, n)


cdef bytes _read_library(rdb_reader* r, int opcode):
    """A function library after its opcode: FUNCTION2 is the whole code;
    the 7.0-rc FUNCTION form is name, engine, an optional description and
    the body, and the shebang line is rebuilt from them (as Redis 7.0
    loads it)."""
    cdef uint64_t has_desc
    if opcode == RDB_OPCODE_FUNCTION2:
        return _read_string(r)
    name = _read_string(r)
    engine = _read_string(r)
    if not rdbr_len(r, &has_desc):
        raise _error(r)
    if has_desc:
        _read_string(r)
    body = _read_string(r)
    return b"#!" + engine + b" name=" + name + b"\n" + body


cdef object _error(rdb_reader* r):
    if r.err == RDBR_TRUNCATED:
        return RdbError("Unexpected EOF reading RDB file", r.err_pos)
    return RdbError((<bytes>r.why).decode(), r.err_pos)


def load_buffer(Server srv, const unsigned char[::1] data, int flags=RDBFLAGS_NONE,
                bint deep=False, bint verify_checksum=True, handler=None,
                long long key_load_delay=0):
    """Load an RDB snapshot from ``data`` into the server's databases.

    ``flags``: RDBFLAGS_AOF_PREAMBLE keeps expired keys; RDBFLAGS_ALLOW_DUP
    replaces keys that exist (else a duplicate is an error). ``deep``: the
    sanitize-dump-payload checks. ``handler`` (optional) receives
    ``aux(key, value)``, ``function(code, flags)`` (each function library,
    7.0-rc ones with their shebang rebuilt; it raises ValueError(reason) to
    refuse one; without the method libraries are an error),
    ``module_aux(module_id)`` and ``progress(offset, size, keys)`` every 8 MB.
    ``key_load_delay``: key-load-delay, microseconds slept after each key.

    Returns a dict: version, keys_loaded, keys_expired, empty_keys_skipped,
    empty_keys (the first 10 names), consumed (bytes, checksum included).
    Raises RdbError(reason, offset) for malformed or truncated input; keys
    loaded before the error stay loaded (the caller decides what to do).
    """
    cdef rdb_reader r
    cdef _Loader L = _Loader()
    cdef size_t size = data.shape[0]
    cdef const uchar* base = &data[0] if size else <const uchar*>b""
    cdef const uchar* p
    cdef int rdbver = 0, t, i, dbid = 0
    cdef uint64_t n1, n2, crc = 0, got = 0
    cdef size_t crc_pos = 0, next_progress = PROGRESS_STEP, kl, sl, start
    cdef int64_t expiretime = -1, ms
    cdef long long lfu_freq = -1, lru_idle = -1, now
    cdef long long clock = lru_clock()
    cdef Db* db
    cdef const char* ks
    cdef char* key
    cdef robj* val
    cdef bint empty, existed
    cdef pe_entry* e
    cdef const char* s2
    srv.mstime = mstime()
    now = srv.mstime
    rdbr_init(&r, base, size)
    try:
        p = rdbr_take(&r, 9)
        if p == NULL:
            raise _error(&r)
        if (<const char*>p)[:5] != b"REDIS":
            raise RdbError("Wrong signature trying to load DB from file", 0)
        for i in range(5, 9):
            if not (48 <= p[i] <= 57):
                break
            rdbver = rdbver * 10 + (p[i] - 48)
        if rdbver < 1 or rdbver > RDB_VERSION:
            raise RdbError("Can't handle RDB format version %d" % rdbver, 5)
        db = srv.db(0)
        while True:
            if r.pos - crc_pos >= CRC_STEP:
                crc = crc64(crc, base + crc_pos, r.pos - crc_pos)
                crc_pos = r.pos
            if r.pos >= next_progress and handler is not None:
                next_progress = r.pos + PROGRESS_STEP
                if hasattr(handler, "progress"):
                    handler.progress(r.pos, size, L.loaded)
            start = r.pos
            t = rdbr_type(&r)
            if t < 0:
                raise _error(&r)
            if t == RDB_OPCODE_EXPIRETIME:
                if not rdbr_seconds(&r, &expiretime):
                    raise _error(&r)
                continue
            if t == RDB_OPCODE_EXPIRETIME_MS:
                if not rdbr_millis(&r, &expiretime):
                    raise _error(&r)
                continue
            if t == RDB_OPCODE_FREQ:
                p = rdbr_take(&r, 1)
                if p == NULL:
                    raise _error(&r)
                lfu_freq = p[0]
                continue
            if t == RDB_OPCODE_IDLE:
                if not rdbr_len(&r, &n1):
                    raise _error(&r)
                lru_idle = <long long>(n1 & 0x7FFFFFFFFFFFFFFF)
                continue
            if t == RDB_OPCODE_EOF:
                break
            if t == RDB_OPCODE_SELECTDB:
                if not rdbr_len(&r, &n1):
                    raise _error(&r)
                if n1 >= <uint64_t>srv.dbnum:
                    raise RdbError("Data file was created with a Redis server configured to "
                                   "handle more than %d databases" % srv.dbnum, start)
                dbid = <int>n1
                db = srv.db(dbid)
                continue
            if t == RDB_OPCODE_RESIZEDB:
                if not rdbr_len(&r, &n1) or not rdbr_len(&r, &n2):
                    raise _error(&r)
                dict_expand(db.keys, dict_size(db.keys) + _cap_to_input(&r, n1))
                dict_expand(db.expires, dict_size(db.expires) + _cap_to_input(&r, n2))
                continue
            if t == RDB_OPCODE_AUX:
                ks = rdbr_string(&r, 0, &kl, NULL, NULL)
                if ks == NULL:
                    raise _error(&r)
                auxkey = PyBytes_FromStringAndSize(ks, kl)
                s2 = rdbr_string(&r, 1, &sl, NULL, NULL)
                if s2 == NULL:
                    raise _error(&r)
                if handler is not None and hasattr(handler, "aux"):
                    handler.aux(auxkey, PyBytes_FromStringAndSize(s2, sl))
                continue
            if t == RDB_OPCODE_MODULE_AUX:
                if not rdbr_len(&r, &n1) or not rdbr_len(&r, &n2):
                    raise _error(&r)
                if n2 != RDB_MODULE_OPCODE_UINT:
                    raise RdbError("bad when_opcode in module AUX data", start)
                if not rdbr_len(&r, &n2) or not rdbr_skip_module_value(&r):
                    raise _error(&r)
                if handler is not None and hasattr(handler, "module_aux"):
                    handler.module_aux(n1)
                continue
            if t == RDB_OPCODE_FUNCTION2 or t == RDB_OPCODE_FUNCTION:
                code = _read_library(&r, t)
                if handler is None or not hasattr(handler, "function"):
                    raise RdbError("the file contains function libraries and nothing "
                                   "here can load them", start)
                try:
                    handler.function(code, flags)
                except ValueError as exc:
                    raise RdbError("Failed loading library, %s" % exc, start)
                continue
            if not _is_object_type(t):
                raise RdbError("Unknown RDB type %d" % t, start)
            # a key and its value
            ks = rdbr_string(&r, 0, &kl, NULL, NULL)
            if ks == NULL:
                raise _error(&r)
            key = L.key_copy(ks, kl)
            val = rdb_load_value(srv, &r, t, deep, &empty)
            if val == NULL:
                if not empty:
                    raise _error(&r)
                L.empty_skipped += 1
                if len(L.empty_keys) < 10:
                    L.empty_keys.append(PyBytes_FromStringAndSize(key, kl))
            elif (not (flags & RDBFLAGS_AOF_PREAMBLE) and expiretime != -1 and
                    expiretime < now):
                obj_free(val)
                L.expired += 1
            else:
                e = dict_add_or_find(db.keys, key, kl, &existed)
                if existed:
                    if not (flags & RDBFLAGS_ALLOW_DUP):
                        obj_free(val)
                        raise RdbError("RDB has duplicated key '%s' in DB %d" % (
                            PyBytes_FromStringAndSize(key, kl).decode("utf-8", "replace"),
                            dbid), start)
                    obj_free(<robj*>e.v.ptr)
                    dict_delete(db.expires, key, kl)
                e.v.ptr = <void*>val
                L.loaded += 1
                if expiretime != -1:
                    set_expire(db, key, kl, expiretime)
                init_object_lru(srv, val)
                rdb_set_lru_or_lfu(srv, val, lfu_freq, lru_idle, clock)
            expiretime = -1
            lfu_freq = -1
            lru_idle = -1
            if key_load_delay:
                _debug_delay(key_load_delay)
        crc = crc64(crc, base + crc_pos, r.pos - crc_pos)
        if rdbver >= 5:
            p = rdbr_take(&r, 8)
            if p == NULL:
                raise _error(&r)
            got = 0
            for i in range(8):
                got |= (<uint64_t>p[i]) << (8 * i)
            if verify_checksum and got != 0 and got != crc:
                raise RdbError("RDB CRC error", r.pos - 8,
                               "Wrong RDB checksum expected: (%x) but got (%x). Aborting now."
                               % (crc, got))
        return {"version": rdbver, "keys_loaded": L.loaded, "keys_expired": L.expired,
                "empty_keys_skipped": L.empty_skipped, "empty_keys": L.empty_keys,
                "consumed": r.pos, "checksum_skipped": rdbver >= 5 and got == 0}
    finally:
        rdbr_release(&r)


# ---- DUMP / RESTORE -------------------------------------------------------------------------

cdef bint _dump(Server srv, robj* o, rdb_writer* w) noexcept:
    """A DUMP payload into a memory writer: type, value, version, CRC-64."""
    cdef uchar trailer[10]
    cdef uint64_t crc
    cdef int i, t = rdb_object_type(o)
    if rdbw_init_mem(w, srv.rdb_compression) != 0:
        return False
    if t < 0:
        return False
    rdbw_byte(w, t)
    if rdb_save_value(w, o) != 0:
        return False
    trailer[0] = RDB_VERSION & 0xFF
    trailer[1] = (RDB_VERSION >> 8) & 0xFF
    rdbw_write(w, trailer, 2)
    crc = crc64(0, w.buf, w.len)
    for i in range(8):
        trailer[i] = <uchar>(crc >> (8 * i))
    rdbw_write(w, trailer, 8)
    return w.err == 0


cdef int dump_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef rdb_writer w
    if o == NULL:
        add_null(c)
        return 0
    if _dump(c.srv, o, &w):
        add_bulk(c, <const char*>w.buf, w.len)
    else:
        add_error(c, b"ERR this value type cannot be serialized by this build")
    rdbw_release(&w)
    return 0


cdef bint _payload_ok(Server srv, const uchar* p, size_t n) noexcept:
    """verifyDumpPayload: a version footer no newer than ours and a correct
    CRC-64 (unless DEBUG SET-SKIP-CHECKSUM-VALIDATION is on)."""
    cdef unsigned int ver
    cdef uint64_t crc, got = 0
    cdef int i
    if n < 10:
        return False
    ver = p[n - 10] | (p[n - 9] << 8)
    if ver > RDB_VERSION:
        return False
    if srv.skip_checksum_validation:
        return True
    crc = crc64(0, p, n - 8)
    for i in range(8):
        got |= (<uint64_t>p[n - 8 + i]) << (8 * i)
    return crc == got


cdef int restore_command(Client c) except -1:
    """RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f],
    with Redis's checks in Redis's order."""
    cdef Server srv = c.srv
    cdef long long ttl, lfu_freq = -1, lru_idle = -1, clock = -1
    cdef bint replace = False, absttl = False, deleted = False, deep, empty
    cdef int j = 4, t, additional
    cdef rdb_reader r
    cdef robj* obj
    cdef const char* key = c.argv[1]
    cdef size_t klen = c.argvlen[1]
    while j < c.argc:
        additional = c.argc - j - 1
        if arg_is(c, j, b"replace"):
            replace = True
        elif arg_is(c, j, b"absttl"):
            absttl = True
        elif arg_is(c, j, b"idletime") and additional >= 1 and lfu_freq == -1:
            if not get_ll_or_reply(c, j + 1, &lru_idle, NULL):
                return 0
            if lru_idle < 0:
                add_error(c, MSG_INVALID_IDLETIME)
                return 0
            clock = lru_clock()
            j += 1
        elif arg_is(c, j, b"freq") and additional >= 1 and lru_idle == -1:
            if not get_ll_or_reply(c, j + 1, &lfu_freq, NULL):
                return 0
            if lfu_freq < 0 or lfu_freq > 255:
                add_error(c, MSG_INVALID_FREQ)
                return 0
            j += 1
        else:
            add_syntax_error(c)
            return 0
        j += 1
    if not replace and lookup_write(c, key, klen) != NULL:
        add_error(c, MSG_BUSYKEY)
        return 0
    if not get_ll_or_reply(c, 2, &ttl, NULL):
        return 0
    if ttl < 0:
        add_error(c, MSG_INVALID_TTL)
        return 0
    if not _payload_ok(srv, <const uchar*>c.argv[3], c.argvlen[3]):
        add_error(c, MSG_DUMP_PAYLOAD)
        return 0
    # sanitize-dump-payload: yes, or clients (every pyengine client is one)
    deep = srv.sanitize_payload != 0
    rdbr_init(&r, <const uchar*>c.argv[3], c.argvlen[3])
    t = rdbr_type(&r)
    obj = NULL
    if t >= 0 and _is_object_type(t):
        obj = rdb_load_value(srv, &r, t, deep, &empty)
    if obj == NULL and r.err == RDBR_CORRUPT and srv.log is not None:
        # Redis logs a corrupt payload's reason at verbose level
        srv.log("verbose", "Internal error in RDB reading offset %d -> %s" % (
            r.err_pos, (<bytes>r.why).decode("utf-8", "replace")))
    rdbr_release(&r)
    if obj == NULL:
        add_error(c, MSG_BAD_DATA_FORMAT)
        return 0
    if replace:
        deleted = db_delete(srv, c.db, key, klen)
    if ttl and not absttl:
        ttl += srv.mstime
    if ttl and ttl <= srv.mstime:
        if deleted:
            srv.dirty += 1
        obj_free(obj)
        add_ok(c)
        return 0
    db_add(srv, c.db, key, klen, obj)
    if ttl:
        set_expire(c.db, key, klen, ttl)
    rdb_set_lru_or_lfu(srv, obj, lfu_freq, lru_idle, clock)
    signal_modified_key(srv, c.db, key, klen)
    add_ok(c)
    srv.dirty += 1
    return 0


# ---- Python-level access (DEBUG OBJECT, tests, tools) --------------------------------------

cdef robj* _peek(Server srv, int dbid, bytes key):
    cdef pe_entry* e = dict_find(srv.db(dbid).keys, key, len(key))
    return NULL if e == NULL else <robj*>e.v.ptr


def py_dump(Server srv, int dbid, bytes key):
    """The DUMP payload of a key (no expiry check, no stats), or None."""
    cdef robj* o = _peek(srv, dbid, key)
    cdef rdb_writer w
    if o == NULL:
        return None
    try:
        if not _dump(srv, o, &w):
            raise ValueError("value cannot be serialized")
        return PyBytes_FromStringAndSize(<const char*>w.buf, w.len)
    finally:
        rdbw_release(&w)


def serialized_length(Server srv, int dbid, bytes key):
    """rdbSavedObjectLen: bytes the value takes in an RDB file (without
    its type byte and key), with the current rdbcompression setting; None
    for a missing key or a value that cannot be saved."""
    cdef robj* o = _peek(srv, dbid, key)
    cdef rdb_writer w
    cdef size_t n
    if o == NULL:
        return None
    rdbw_init_mem(&w, srv.rdb_compression)
    ok = rdb_save_value(&w, o) == 0
    n = w.len
    rdbw_release(&w)
    return n if ok else None


PROCS = {
    "dump_command": proc_capsule(dump_command),
    "restore_command": proc_capsule(restore_command),
}
