"""Sorted set commands (Redis's t_zset.c), all in C.

Layers, each with its own prefix (as in Redis's t_zset.c):

* ``engine/zset``: the "skiplist" encoding, a skiplist plus a member ->
  score dict (``zsl_*``, ``zs_*``), and score / lex range parsing.
* here, ``zzl_*``: the "listpack" encoding (engine/listpack), Redis 7.0's
  for small sets: member, score, member, score ... in score order (ties by
  member bytes), each score written as Redis writes it (an integer
  encoding when it is an integer within +-LLONG_MAX/2, else its "%.17g"
  text), so the bytes are Redis's own (DUMP/RDB)::

      | hdr | "a" | 1 | "b" | "1.5" | "c" | "inf" | 0xFF |

* here, ``zset_*`` and ``zcur_*``: the **encoding-agnostic** sorted set API on
  a value object (robj), switching on ``o.encoding``. Commands only use
  this layer (and the range specs), never an encoding's structures.

Encodings and conversions, exactly where Redis 7.0 converts:

* creation: ZADD makes a listpack unless zset-max-listpack-entries is 0 or
  the first member is longer than zset-max-listpack-value; ZRANGESTORE
  makes a skiplist only for a rank range longer than the entries limit;
  ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE build a skiplist and convert it to a
  listpack when the result fits both limits (the longest member decides).
* ``zset_add`` converts a listpack to a skiplist *before* adding a member
  that would make it longer than zset-max-listpack-entries, or that is
  longer than zset-max-listpack-value (ZADD, ZINCRBY, ZRANGESTORE filling).
* nothing converts a skiplist back (deletions included), and COPY keeps
  the encoding.

Costs: skiplist O(log n) per lookup/update, listpack O(n) walks (n <= 128
by default); a listpack lookup by member compares every other entry.
* ``zcursor``: a position in a sorted set (seek by rank, by first/last
  element of a score or lex range; step forwards or backwards; read member
  and score). Ranges, pops and the ZUNION family's iteration use it.
* the set-source section: ZUNION/ZINTER/ZDIFF (and STORE) accept plain sets
  as inputs, every member with score 1, read through the SET type's API
  (t_set.pxd).
* the commands, ``<name>_command(Client)``: argument parsing in Redis's
  order (so the same error wins when several apply), then the lookup.

Replies: scores go through ``add_double`` ("%.17g", inf/-inf; a bulk string
in RESP2, a RESP3 double). WITHSCORES pairs are a flat array in RESP2 and
[member, score] arrays in RESP3, as Redis 7.0 sends them. No Python object is
created on the paths of ZADD, ZINCRBY, ZREM, ZSCORE, ZMSCORE, ZRANK, ZCARD,
ZCOUNT, the ZRANGE family or the pops; Python appears only in error texts
that name the command and in DEBUG DIGEST.

ZSCAN answers a listpack whole (cursor 0, each score as the listpack stores
it: "100000000000000000", not "1e+17") and walks a skiplist's dict with the
SCAN cursor (pyengine/scan), scores as Redis's scanCallback prints them
("%.17Lg"). BZPOPMIN/BZPOPMAX/BZMPOP follow the blocking list commands
(pyengine/blocked): try the pop, else park the client; a write to one of
its keys re-runs the command.

Keyspace rules: a sorted set that becomes empty is deleted; in-place
modifications call ``signal_modified_key`` (WATCH) and add to
``srv.dirty`` the way Redis does (per element added, updated or removed;
once per STORE). Keyspace notifications (class ``z``) follow Redis
7.0: zadd/zincr only when something was added or updated, zrem and
zremrangeby* when something went (then del if the key went too), one
zpopmin/zpopmax per pop written between the reply's headers and its first
element, the *store events after the reply (or del when an empty result
removed the destination).
"""

from libc.string cimport memcpy, memcmp
from libc.stdlib cimport qsort, strtod
from libc.math cimport isnan, INFINITY
from libc.stdio cimport snprintf
from libc.limits cimport LLONG_MAX, LONG_MAX
from libc.stdint cimport int64_t
from cpython.bytes cimport PyBytes_FromStringAndSize

from engine._mem cimport mem_alloc, mem_calloc, mem_free, mem_usable
from engine.dict cimport (pe_entry, dict_t, dict_create, dict_release, dict_find, dict_add_or_find,
                          dict_fair_random, dict_expand, engine_random)
from engine.listpack cimport (uchar, lp_new, lp_free, lp_dup, lp_bytes, lp_length, lp_safe_to_add,
                              lp_first, lp_last, lp_next, lp_prev, lp_seek, lp_get, lp_get_str,
                              lp_eq, lp_find, lp_insert, lp_insert_int, lp_append, lp_append_int,
                              lp_delete_range, lp_delete_range_with_entry, LP_BEFORE, LP_AFTER,
                              LP_INTBUF_SIZE)
from engine.object cimport (robj, obj_free, obj_register_type, OBJ_ZSET, OBJ_SET, ENC_SKIPLIST,
                            ENC_LISTPACK, PE_OBJ_HEADER)
from engine.util cimport d2string, double2ll, stringmatch, MAX_D2STRING_CHARS
from engine.object cimport ENC_INTSET, pe_fmt_i64
from pyengine.t_set cimport set_iter, set_iter_init, set_iter_next, set_iter_release, set_size, set_is_member
from engine.zset cimport (zset_t, zslnode, zrangespec, zlexrangespec, zs_create, zs_release, zs_dup,
                          zs_mem_usage, zs_find_or_add, zs_update_score, zs_delete, zs_rank,
                          zs_length, zs_delete_range_by_score, zs_delete_range_by_lex,
                          zs_delete_range_by_rank, zs_acc_add, zs_acc_index, zs_shrink_if_needed,
                          zs_insert, zsl_get_by_rank, zsl_get_rank, zsl_first_in_range,
                          zsl_last_in_range, zsl_first_in_lex_range, zsl_last_in_lex_range,
                          zsl_parse_range, zsl_parse_lex_range, zsl_value_gte_min,
                          zsl_value_lte_max, zsl_lex_gte_min, zsl_lex_lte_max,
                          zsl_range_is_empty, zsl_lex_range_is_empty)
from pyengine.core cimport (Client, Server, add_bulk, add_bulk_ll, add_int, add_null,
                            add_null_array, add_error, add_error_obj, add_array, add_double,
                            add_syntax_error, arg_is, check_type, get_ll_or_reply,
                            get_range_or_reply, get_double_or_reply, add_deferred_len,
                            set_deferred_array, proc_capsule, CLIENT_CLOSE_ASAP)
from pyengine.db cimport (lookup_read, lookup_write, db_add, db_delete, set_key,
                          signal_modified_key)
from pyengine.scan cimport (scan_opts, scan_batch, parse_scan_cursor, parse_scan_opts,
                            scan_batch_init, scan_batch_add, scan_batch_next, scan_batch_free,
                            scan_dict)
from pyengine.blocked cimport (may_block, block_for_keys, get_timeout_or_reply, first_ready_key,
                              argv_keys)
from pyengine.pubsub cimport notify_keyspace_event, NOTIFY_ZSET, NOTIFY_GENERIC
from pyengine.msgs cimport (MSG_WRONGTYPE, MSG_MUST_BE_POSITIVE, MSG_ZADD_XX_NX, MSG_ZADD_GT_LT_NX,
                            MSG_ZADD_INCR_PAIR, MSG_ZSCORE_NAN, MSG_ZRANGE_NOT_FLOAT,
                            MSG_ZRANGE_NOT_LEX, MSG_ZRANGE_LIMIT_RANK, MSG_ZRANGE_WITHSCORES_LEX,
                            MSG_WEIGHT_NOT_FLOAT, MSG_LIMIT_NEGATIVE, MSG_NUMKEYS_POSITIVE,
                            MSG_COUNT_POSITIVE, MSG_VALUE_OUT_OF_RANGE)


# ---- value objects ---------------------------------------------------------------------

cdef inline zset_t* _zs(robj* o) noexcept nogil:
    return <zset_t*>o.u.ptr


cdef inline uchar* _lp(robj* o) noexcept nogil:
    return <uchar*>o.u.ptr


cdef inline robj* _zset_obj(int encoding, void* ptr) noexcept nogil:
    cdef robj* o = <robj*>mem_alloc(PE_OBJ_HEADER + sizeof(void*))
    o.type = OBJ_ZSET
    o.encoding = encoding
    o.flags = 0
    o.pad = 0
    o.lru = 0
    o.u.ptr = ptr
    return o


cdef robj* zset_new_skiplist() noexcept nogil:
    """A new empty sorted set object in the "skiplist" encoding."""
    return _zset_obj(ENC_SKIPLIST, <void*>zs_create())


cdef robj* zset_new_listpack() noexcept nogil:
    """A new empty sorted set object in the "listpack" encoding."""
    return _zset_obj(ENC_LISTPACK, <void*>lp_new(0))


cdef robj* zset_from_listpack(uchar* lp) noexcept nogil:
    """A sorted set object in the "listpack" encoding around ``lp`` (taken
    over: member, score pairs in the zzl order; RDB loading)."""
    return _zset_obj(ENC_LISTPACK, <void*>lp)


cdef robj* zset_new_for(Server srv, size_t size_hint, size_t maxelelen) noexcept:
    """A new empty sorted set for about ``size_hint`` members of at most
    ``maxelelen`` bytes, in the encoding Redis 7.0 starts with: a skiplist
    when zset-max-listpack-entries is 0 or either figure is over its limit,
    else a listpack. ZADD passes 1 and the first member's length (a ZADD
    of many members starts as a listpack and converts while adding, so
    repeated members do not force a skiplist); ZRANGESTORE passes the
    rank range's length, 0 when unknown."""
    if (srv.zset_max_listpack_entries == 0 or
            size_hint > <size_t>srv.zset_max_listpack_entries or
            maxelelen > <size_t>srv.zset_max_listpack_value):
        return zset_new_skiplist()
    return zset_new_listpack()


cdef void _zset_obj_free(robj* o) noexcept nogil:
    if o.encoding == ENC_LISTPACK:
        lp_free(_lp(o))
    else:
        zs_release(_zs(o))


cdef size_t _zset_obj_usage(robj* o) noexcept nogil:
    if o.encoding == ENC_LISTPACK:
        return mem_usable(o.u.ptr)
    return zs_mem_usage(_zs(o))


cdef robj* _zset_obj_dup(robj* o) noexcept nogil:
    """COPY: same encoding as the original (zsetDup)."""
    if o.encoding == ENC_LISTPACK:
        return _zset_obj(ENC_LISTPACK, <void*>lp_dup(_lp(o)))
    return _zset_obj(ENC_SKIPLIST, <void*>zs_dup(_zs(o)))


obj_register_type(OBJ_ZSET, _zset_obj_free, _zset_obj_usage, _zset_obj_dup)


# ---- listpack encoding (zzl_*) -------------------------------------------------------------
#
# Members and scores alternate, in score order then member bytes:
#
#     | hdr | member 1 | score 1 | member 2 | score 2 | ... | 0xFF |
#
# A score that is an integer within +-LLONG_MAX/2 (double2ll) is stored with
# a listpack integer encoding, any other as its "%.17g" text ("inf",
# "-inf"), exactly as Redis writes it, so the bytes are Redis's (DUMP, RDB).
# Reading a score back is strtod of the text (exact: "%.17g" round-trips) or
# the integer. Every operation walks the listpack: O(n) for n <= 128 by
# default. Functions that change a listpack return its new address.

cdef double zzl_get_score(uchar* sptr) noexcept nogil:
    """The score stored in entry ``sptr`` (zzlGetScore)."""
    cdef size_t n
    cdef long long v
    cdef char buf[128]
    cdef const char* s = lp_get(sptr, &n, &v)
    if s == NULL:
        return <double>v
    if n > sizeof(buf) - 1:
        n = sizeof(buf) - 1
    memcpy(buf, s, n)
    buf[n] = 0
    return strtod(buf, NULL)


cdef int zzl_compare(uchar* eptr, const char* m, size_t n) noexcept nogil:
    """Order of the member at ``eptr`` against m[:n]: memcmp, then length."""
    cdef char buf[LP_INTBUF_SIZE]
    cdef size_t vlen
    cdef const char* v = lp_get_str(eptr, buf, &vlen)
    cdef size_t minlen = vlen if vlen < n else n
    cdef int c = memcmp(v, m, minlen) if minlen else 0
    if c != 0:
        return c
    return (vlen > n) - (vlen < n)


cdef uchar* zzl_insert_at(uchar* lp, uchar* eptr, const char* m, size_t n,
                          double score) noexcept nogil:
    """Insert the pair before the member entry ``eptr`` (append when NULL)."""
    cdef long long ll
    cdef char sbuf[MAX_D2STRING_CHARS]
    cdef int slen = 0
    cdef bint isint = double2ll(score, &ll)
    cdef uchar* sptr
    if not isint:
        slen = d2string(sbuf, sizeof(sbuf), score)
    if eptr == NULL:
        lp = lp_append(lp, m, n)
        if isint:
            return lp_append_int(lp, ll)
        return lp_append(lp, sbuf, <size_t>slen)
    lp = lp_insert(lp, m, n, eptr, LP_BEFORE, &sptr)
    if isint:
        return lp_insert_int(lp, ll, sptr, LP_AFTER, NULL)
    return lp_insert(lp, sbuf, <size_t>slen, sptr, LP_AFTER, NULL)


cdef uchar* zzl_insert(uchar* lp, const char* m, size_t n, double score) noexcept nogil:
    """Insert a member that is not present, in order (zzlInsert). Appending
    after the last pair is checked first (ascending inserts, conversions)."""
    cdef uchar* eptr
    cdef uchar* sptr = lp_last(lp)
    cdef double s
    if sptr != NULL:
        eptr = lp_prev(lp, sptr)
        s = zzl_get_score(sptr)
        if s < score or (s == score and zzl_compare(eptr, m, n) < 0):
            return zzl_insert_at(lp, NULL, m, n, score)
    eptr = lp_first(lp)
    while eptr != NULL:
        sptr = lp_next(lp, eptr)
        s = zzl_get_score(sptr)
        if s > score or (s == score and zzl_compare(eptr, m, n) > 0):
            return zzl_insert_at(lp, eptr, m, n, score)
        eptr = lp_next(lp, sptr)
    return zzl_insert_at(lp, NULL, m, n, score)


cdef uchar* zzl_find(uchar* lp, const char* m, size_t n, double* score) noexcept nogil:
    """The member entry of m[:n] (and its score), or NULL."""
    cdef uchar* eptr = lp_first(lp)
    if eptr == NULL:
        return NULL
    eptr = lp_find(lp, eptr, m, n, 1)
    if eptr != NULL and score != NULL:
        score[0] = zzl_get_score(lp_next(lp, eptr))
    return eptr


cdef inline void zzl_next(uchar* lp, uchar** eptr, uchar** sptr) noexcept nogil:
    eptr[0] = lp_next(lp, sptr[0])
    sptr[0] = lp_next(lp, eptr[0]) if eptr[0] != NULL else NULL


cdef inline void zzl_prev(uchar* lp, uchar** eptr, uchar** sptr) noexcept nogil:
    sptr[0] = lp_prev(lp, eptr[0])
    eptr[0] = lp_prev(lp, sptr[0]) if sptr[0] != NULL else NULL


cdef inline bint zzl_lex_gte_min(uchar* eptr, zlexrangespec* r) noexcept nogil:
    cdef char buf[LP_INTBUF_SIZE]
    cdef size_t n
    cdef const char* m = lp_get_str(eptr, buf, &n)
    return zsl_lex_gte_min(m, n, r)


cdef inline bint zzl_lex_lte_max(uchar* eptr, zlexrangespec* r) noexcept nogil:
    cdef char buf[LP_INTBUF_SIZE]
    cdef size_t n
    cdef const char* m = lp_get_str(eptr, buf, &n)
    return zsl_lex_lte_max(m, n, r)


cdef bint zzl_is_in_range(uchar* lp, zrangespec* r) noexcept nogil:
    """Some pair may be in ``r``: not empty by itself, last score >= min and
    first score <= max."""
    cdef uchar* p
    if zsl_range_is_empty(r):
        return False
    p = lp_last(lp)
    if p == NULL or not zsl_value_gte_min(zzl_get_score(p), r):
        return False
    p = lp_next(lp, lp_first(lp))
    return zsl_value_lte_max(zzl_get_score(p), r)


cdef uchar* zzl_first_in_range(uchar* lp, zrangespec* r) noexcept nogil:
    """The first member entry whose score is in ``r``, or NULL."""
    cdef uchar* eptr
    cdef uchar* sptr
    cdef double s
    if not zzl_is_in_range(lp, r):
        return NULL
    eptr = lp_first(lp)
    while eptr != NULL:
        sptr = lp_next(lp, eptr)
        s = zzl_get_score(sptr)
        if zsl_value_gte_min(s, r):
            return eptr if zsl_value_lte_max(s, r) else NULL
        eptr = lp_next(lp, sptr)
    return NULL


cdef uchar* zzl_last_in_range(uchar* lp, zrangespec* r) noexcept nogil:
    """The last member entry whose score is in ``r``, or NULL."""
    cdef uchar* sptr
    cdef double s
    if not zzl_is_in_range(lp, r):
        return NULL
    sptr = lp_last(lp)
    while sptr != NULL:
        s = zzl_get_score(sptr)
        if zsl_value_lte_max(s, r):
            return lp_prev(lp, sptr) if zsl_value_gte_min(s, r) else NULL
        sptr = lp_prev(lp, lp_prev(lp, sptr))
    return NULL


cdef bint zzl_is_in_lex_range(uchar* lp, zlexrangespec* r) noexcept nogil:
    cdef uchar* p
    if zsl_lex_range_is_empty(r):
        return False
    p = lp_last(lp)
    if p == NULL or not zzl_lex_gte_min(lp_prev(lp, p), r):
        return False
    return zzl_lex_lte_max(lp_first(lp), r)


cdef uchar* zzl_first_in_lex_range(uchar* lp, zlexrangespec* r) noexcept nogil:
    """The first member entry in the lex range walking from the start (the
    walk stops at the first member >= min: with mixed scores the listpack
    order decides, as in Redis)."""
    cdef uchar* eptr
    if not zzl_is_in_lex_range(lp, r):
        return NULL
    eptr = lp_first(lp)
    while eptr != NULL:
        if zzl_lex_gte_min(eptr, r):
            return eptr if zzl_lex_lte_max(eptr, r) else NULL
        eptr = lp_next(lp, lp_next(lp, eptr))
    return NULL


cdef uchar* zzl_last_in_lex_range(uchar* lp, zlexrangespec* r) noexcept nogil:
    cdef uchar* eptr
    cdef uchar* sptr
    if not zzl_is_in_lex_range(lp, r):
        return NULL
    sptr = lp_last(lp)
    eptr = lp_prev(lp, sptr)
    while eptr != NULL:
        if zzl_lex_lte_max(eptr, r):
            return eptr if zzl_lex_gte_min(eptr, r) else NULL
        sptr = lp_prev(lp, eptr)
        eptr = lp_prev(lp, sptr) if sptr != NULL else NULL
    return NULL


# ---- encoding conversions ------------------------------------------------------------------

cdef void zset_convert_to_skiplist(robj* o) noexcept nogil:
    """listpack -> skiplist (zsetConvert), in place. O(n log n)."""
    cdef uchar* lp
    cdef zset_t* zs
    cdef uchar* eptr
    cdef uchar* sptr
    cdef const char* m
    cdef size_t n
    cdef char buf[LP_INTBUF_SIZE]
    if o.encoding != ENC_LISTPACK:
        return
    lp = _lp(o)
    zs = zs_create()
    eptr = lp_first(lp)
    while eptr != NULL:
        sptr = lp_next(lp, eptr)
        m = lp_get_str(eptr, buf, &n)
        zs_insert(zs, m, n, zzl_get_score(sptr))
        eptr = lp_next(lp, sptr)
    lp_free(lp)
    o.u.ptr = <void*>zs
    o.encoding = ENC_SKIPLIST


cdef void zset_convert_to_listpack(robj* o) noexcept nogil:
    """skiplist -> listpack (zsetConvert), in place: the pairs appended in
    skiplist order. O(n) appends."""
    cdef zset_t* zs
    cdef uchar* lp
    cdef zslnode* x
    if o.encoding != ENC_SKIPLIST:
        return
    zs = _zs(o)
    lp = lp_new(0)
    x = zs.zsl.header.level[0].forward
    while x != NULL:
        lp = zzl_insert_at(lp, NULL, x.ent.key, x.ent.klen, x.score)
        x = x.level[0].forward
    zs_release(zs)
    o.u.ptr = <void*>lp
    o.encoding = ENC_LISTPACK


cdef void zset_convert_to_listpack_if_needed(Server srv, robj* o, size_t maxelelen,
                                             size_t totelelen) noexcept:
    """A STORE result back to a listpack when it fits the limits
    (zsetConvertToListpackIfNeeded: ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE)."""
    if o.encoding != ENC_SKIPLIST:
        return
    if (zs_length(_zs(o)) <= <unsigned long>srv.zset_max_listpack_entries and
            maxelelen <= <size_t>srv.zset_max_listpack_value and
            lp_safe_to_add(NULL, totelelen)):
        zset_convert_to_listpack(o)


# ---- encoding-agnostic sorted set API ------------------------------------------------------

cdef unsigned long zset_length(robj* o) noexcept nogil:
    if o.encoding == ENC_LISTPACK:
        return lp_length(_lp(o)) // 2
    return zs_length(_zs(o))


cdef bint zset_score(robj* o, const char* m, size_t n, double* score) noexcept nogil:
    """The score of member m[:n]; False when absent. O(1) (listpack: O(n))."""
    cdef pe_entry* e
    if o.encoding == ENC_LISTPACK:
        return zzl_find(_lp(o), m, n, score) != NULL
    e = dict_find(_zs(o).dict, m, n)
    if e == NULL:
        return False
    score[0] = e.v.d
    return True


cdef bint zset_add(Server srv, robj* o, double score, const char* m, size_t n, int in_flags,
                   int* out_flags, double* newscore) noexcept:
    """Add or update a member (Redis's zsetAdd).

    ``in_flags``: ZADD_IN_INCR (add ``score`` to the current score, 0 when
    absent), NX (only add), XX (only update), GT / LT (only update when the
    new score is greater / less). ``out_flags`` receives ADDED, UPDATED, NOP
    (nothing done because of NX/XX/GT/LT) or NAN. ``newscore`` receives the
    member's score when something was done (INCR's reply).

    A listpack becomes a skiplist before a new member would make it longer
    than zset-max-listpack-entries, or when the member is longer than
    zset-max-listpack-value (or the listpack would pass 1 GB).

    Returns False only for a NaN score or a NaN INCR result, with nothing
    changed. The member bytes are copied (``m`` must not point into ``o``).
    O(log n); O(n) for a listpack."""
    cdef bint incr = (in_flags & ZADD_IN_INCR) != 0
    cdef bint nx = (in_flags & ZADD_IN_NX) != 0
    cdef bint xx = (in_flags & ZADD_IN_XX) != 0
    cdef bint gt = (in_flags & ZADD_IN_GT) != 0
    cdef bint lt = (in_flags & ZADD_IN_LT) != 0
    cdef zset_t* zs
    cdef pe_entry* e
    cdef uchar* eptr
    cdef double cur = 0
    cdef bint added
    out_flags[0] = 0
    if isnan(score):
        out_flags[0] = ZADD_OUT_NAN
        return False
    if o.encoding == ENC_LISTPACK:
        eptr = zzl_find(_lp(o), m, n, &cur)
        if eptr != NULL:
            if nx:
                out_flags[0] = ZADD_OUT_NOP
                return True
            if incr:
                score += cur
                if isnan(score):
                    out_flags[0] = ZADD_OUT_NAN
                    return False
            if (lt and score >= cur) or (gt and score <= cur):
                out_flags[0] = ZADD_OUT_NOP
                return True
            newscore[0] = score
            if score != cur:
                o.u.ptr = <void*>lp_delete_range_with_entry(_lp(o), &eptr, 2)
                o.u.ptr = <void*>zzl_insert(_lp(o), m, n, score)
                out_flags[0] = ZADD_OUT_UPDATED
            return True
        if xx:
            out_flags[0] = ZADD_OUT_NOP
            return True
        if (zset_length(o) + 1 > <unsigned long>srv.zset_max_listpack_entries or
                n > <size_t>srv.zset_max_listpack_value or
                not lp_safe_to_add(_lp(o), n)):
            zset_convert_to_skiplist(o)
        else:
            o.u.ptr = <void*>zzl_insert(_lp(o), m, n, score)
            newscore[0] = score
            out_flags[0] = ZADD_OUT_ADDED
            return True
    zs = _zs(o)
    if xx:
        e = dict_find(zs.dict, m, n)
        if e == NULL:
            out_flags[0] = ZADD_OUT_NOP
            return True
    else:
        e = zs_find_or_add(zs, m, n, score, &added)
        if added:
            out_flags[0] = ZADD_OUT_ADDED
            newscore[0] = score
            return True
    if nx:
        out_flags[0] = ZADD_OUT_NOP
        return True
    cur = e.v.d
    if incr:
        score += cur
        if isnan(score):
            out_flags[0] = ZADD_OUT_NAN
            return False
    if (lt and score >= cur) or (gt and score <= cur):
        out_flags[0] = ZADD_OUT_NOP
        return True
    newscore[0] = score
    if score != cur:
        zs_update_score(zs, e, score)
        out_flags[0] = ZADD_OUT_UPDATED
    return True


cdef bint zset_del(robj* o, const char* m, size_t n) noexcept nogil:
    """Remove member m[:n]; False when absent. ``m`` may point into the set's
    own copy of the member (ZPOP passes the cursor's member): it is not read
    after the removal. O(log n); O(n) for a listpack."""
    cdef uchar* eptr
    if o.encoding == ENC_LISTPACK:
        eptr = zzl_find(_lp(o), m, n, NULL)
        if eptr == NULL:
            return False
        o.u.ptr = <void*>lp_delete_range_with_entry(_lp(o), &eptr, 2)
        return True
    return zs_delete(_zs(o), m, n)


cdef long long zset_rank(robj* o, const char* m, size_t n, bint reverse) noexcept nogil:
    """0-based rank of member m[:n] (from the highest score when
    ``reverse``), -1 when absent. O(log n); O(n) for a listpack."""
    cdef zset_t* zs
    cdef pe_entry* e
    cdef unsigned long rank
    cdef uchar* lp
    cdef uchar* eptr
    if o.encoding == ENC_LISTPACK:
        lp = _lp(o)
        rank = 0
        eptr = lp_first(lp)
        while eptr != NULL:
            if lp_eq(eptr, m, n):
                return <long long>(zset_length(o) - 1 - rank) if reverse else <long long>rank
            rank += 1
            eptr = lp_next(lp, lp_next(lp, eptr))
        return -1
    zs = _zs(o)
    e = dict_find(zs.dict, m, n)
    if e == NULL:
        return -1
    rank = zs_rank(zs, e)
    return <long long>(zs_length(zs) - rank) if reverse else <long long>(rank - 1)


cdef unsigned long zset_count_in_range(robj* o, zrangespec* r) noexcept nogil:
    """Members whose score is in ``r`` (ZCOUNT): two rank lookups. O(log n);
    a walk over the range for a listpack."""
    cdef zset_t* zs
    cdef zslnode* x
    cdef unsigned long count = 0
    cdef uchar* lp
    cdef uchar* eptr
    cdef uchar* sptr
    if o.encoding == ENC_LISTPACK:
        lp = _lp(o)
        eptr = zzl_first_in_range(lp, r)
        if eptr != NULL:
            sptr = lp_next(lp, eptr)
        while eptr != NULL and zsl_value_lte_max(zzl_get_score(sptr), r):
            count += 1
            zzl_next(lp, &eptr, &sptr)
        return count
    zs = _zs(o)
    x = zsl_first_in_range(&zs.zsl, r)
    if x == NULL:
        return 0
    count = zs.zsl.length - (zsl_get_rank(&zs.zsl, x.score, x.ent.key, x.ent.klen) - 1)
    x = zsl_last_in_range(&zs.zsl, r)
    if x != NULL:
        count -= zs.zsl.length - zsl_get_rank(&zs.zsl, x.score, x.ent.key, x.ent.klen)
    return count


cdef unsigned long zset_count_in_lex_range(robj* o, zlexrangespec* r) noexcept nogil:
    """Members in the lex range ``r`` (ZLEXCOUNT). O(log n); a walk for a
    listpack."""
    cdef zset_t* zs
    cdef zslnode* x
    cdef unsigned long count = 0
    cdef uchar* lp
    cdef uchar* eptr
    if o.encoding == ENC_LISTPACK:
        lp = _lp(o)
        eptr = zzl_first_in_lex_range(lp, r)
        while eptr != NULL and zzl_lex_lte_max(eptr, r):
            count += 1
            eptr = lp_next(lp, lp_next(lp, eptr))
        return count
    zs = _zs(o)
    x = zsl_first_in_lex_range(&zs.zsl, r)
    if x == NULL:
        return 0
    count = zs.zsl.length - (zsl_get_rank(&zs.zsl, x.score, x.ent.key, x.ent.klen) - 1)
    x = zsl_last_in_lex_range(&zs.zsl, r)
    if x != NULL:
        count -= zs.zsl.length - zsl_get_rank(&zs.zsl, x.score, x.ent.key, x.ent.klen)
    return count


cdef unsigned long zset_delete_range_by_rank(robj* o, unsigned long start,
                                             unsigned long end) noexcept nogil:
    """Remove 0-based ranks start..end (inclusive, end < length)."""
    cdef unsigned long n
    if o.encoding == ENC_LISTPACK:
        n = end - start + 1
        o.u.ptr = <void*>lp_delete_range(_lp(o), <long>(2 * start), 2 * n)
        return n
    n = zs_delete_range_by_rank(_zs(o), start + 1, end + 1)
    zs_shrink_if_needed(_zs(o))
    return n


cdef unsigned long zset_delete_range_by_score(robj* o, zrangespec* r) noexcept nogil:
    cdef unsigned long n = 0
    cdef uchar* eptr
    cdef uchar* sptr
    if o.encoding == ENC_LISTPACK:
        eptr = zzl_first_in_range(_lp(o), r)
        while eptr != NULL:
            sptr = lp_next(_lp(o), eptr)
            if not zsl_value_lte_max(zzl_get_score(sptr), r):
                break
            o.u.ptr = <void*>lp_delete_range_with_entry(_lp(o), &eptr, 2)
            n += 1
        return n
    n = zs_delete_range_by_score(_zs(o), r)
    zs_shrink_if_needed(_zs(o))
    return n


cdef unsigned long zset_delete_range_by_lex(robj* o, zlexrangespec* r) noexcept nogil:
    cdef unsigned long n = 0
    cdef uchar* eptr
    if o.encoding == ENC_LISTPACK:
        eptr = zzl_first_in_lex_range(_lp(o), r)
        while eptr != NULL and zzl_lex_lte_max(eptr, r):
            o.u.ptr = <void*>lp_delete_range_with_entry(_lp(o), &eptr, 2)
            n += 1
        return n
    n = zs_delete_range_by_lex(_zs(o), r)
    zs_shrink_if_needed(_zs(o))
    return n


cdef bint zset_random_element(robj* o, char* buf, const char** m, size_t* n,
                              double* score) noexcept nogil:
    """A random member and its score: Redis's dictGetFairRandomKey pick for
    a skiplist, a uniform pair index for a listpack (lpRandomPair). An
    integer listpack member is formatted into ``buf`` (LP_INTBUF_SIZE)."""
    cdef pe_entry* e
    cdef unsigned long size
    cdef uchar* p
    if o.encoding == ENC_LISTPACK:
        size = zset_length(o)
        if size == 0:
            return False
        p = lp_seek(_lp(o), <long>(2 * (engine_random() % size)))
        m[0] = lp_get_str(p, buf, n)
        score[0] = zzl_get_score(lp_next(_lp(o), p))
        return True
    e = dict_fair_random(_zs(o).dict)
    if e == NULL:
        return False
    m[0] = e.key
    n[0] = e.klen
    score[0] = e.v.d
    return True


# ---- cursors ---------------------------------------------------------------------------------

cdef inline void _zcur_set_lp(zcursor* cur, robj* o, uchar* eptr) noexcept nogil:
    cur.o = o
    cur.node = NULL
    cur.eptr = eptr
    cur.sptr = lp_next(_lp(o), eptr) if eptr != NULL else NULL


cdef bint zcur_at_rank(zcursor* cur, robj* o, unsigned long rank, bint reverse) noexcept nogil:
    """Position at 0-based ``rank`` counted from the lowest score (from the
    highest when ``reverse``). Returns whether the position exists."""
    cdef zset_t* zs
    cur.o = o
    cur.eptr = NULL
    cur.sptr = NULL
    if o.encoding == ENC_LISTPACK:
        if rank >= zset_length(o):
            cur.node = NULL
            return False
        if reverse:
            _zcur_set_lp(cur, o, lp_seek(_lp(o), -2 - 2 * <long>rank))
        else:
            _zcur_set_lp(cur, o, lp_seek(_lp(o), 2 * <long>rank))
        return cur.eptr != NULL
    zs = _zs(o)
    if rank >= zs.zsl.length:
        cur.node = NULL
    elif reverse:
        cur.node = zs.zsl.tail if rank == 0 else zsl_get_by_rank(&zs.zsl, zs.zsl.length - rank)
    else:
        cur.node = (zs.zsl.header.level[0].forward if rank == 0
                    else zsl_get_by_rank(&zs.zsl, rank + 1))
    return cur.node != NULL


cdef bint zcur_first_in_range(zcursor* cur, robj* o, zrangespec* r, bint reverse) noexcept nogil:
    """Position at the first element whose score is in ``r`` (the last one
    when ``reverse``). Returns False when none is."""
    if o.encoding == ENC_LISTPACK:
        _zcur_set_lp(cur, o, zzl_last_in_range(_lp(o), r) if reverse
                     else zzl_first_in_range(_lp(o), r))
        return cur.eptr != NULL
    cur.o = o
    cur.eptr = NULL
    cur.sptr = NULL
    cur.node = (zsl_last_in_range(&_zs(o).zsl, r) if reverse
                else zsl_first_in_range(&_zs(o).zsl, r))
    return cur.node != NULL


cdef bint zcur_first_in_lex_range(zcursor* cur, robj* o, zlexrangespec* r,
                                  bint reverse) noexcept nogil:
    """Position at the first (last when ``reverse``) member in the lex range."""
    if o.encoding == ENC_LISTPACK:
        _zcur_set_lp(cur, o, zzl_last_in_lex_range(_lp(o), r) if reverse
                     else zzl_first_in_lex_range(_lp(o), r))
        return cur.eptr != NULL
    cur.o = o
    cur.eptr = NULL
    cur.sptr = NULL
    cur.node = (zsl_last_in_lex_range(&_zs(o).zsl, r) if reverse
                else zsl_first_in_lex_range(&_zs(o).zsl, r))
    return cur.node != NULL


cdef void zcur_next(zcursor* cur, bint reverse) noexcept nogil:
    """One step towards higher scores (lower when ``reverse``). Does not
    touch ``cur.buf``: a member read before the step stays valid."""
    if cur.eptr != NULL:
        if reverse:
            zzl_prev(_lp(cur.o), &cur.eptr, &cur.sptr)
        else:
            zzl_next(_lp(cur.o), &cur.eptr, &cur.sptr)
        return
    cur.node = cur.node.backward if reverse else cur.node.level[0].forward


cdef const char* zcur_member(zcursor* cur, size_t* n) noexcept nogil:
    """The member at the cursor; valid until the set is modified, or (an
    integer listpack member, formatted into ``cur.buf``) until the next
    zcur_member on this cursor."""
    if cur.eptr != NULL:
        return lp_get_str(cur.eptr, cur.buf, n)
    n[0] = cur.node.ent.klen
    return cur.node.ent.key


cdef double zcur_score(zcursor* cur) noexcept nogil:
    if cur.eptr != NULL:
        return zzl_get_score(cur.sptr)
    return cur.node.score


# ---- set sources -----------------------------------------------------------------------------
# ZUNION/ZINTER/ZDIFF and their STORE forms accept plain sets (score 1 for
# every member, times the weight); they are read through the SET type's API
# (t_set.pxd), intset members as decimal text.

cdef inline bint _setsrc_iter_next(set_iter* it, const char** m, size_t* n) noexcept nogil:
    cdef int64_t ll
    cdef int enc = set_iter_next(it, m, n, &ll)
    if enc == -1:
        return False
    if enc == ENC_INTSET:
        n[0] = pe_fmt_i64(it.buf, ll)
        m[0] = it.buf
    return True


# ---- ZUNION / ZINTER / ZDIFF sources ---------------------------------------------------------

ctypedef struct zsrc:
    robj* o                 # NULL: the key does not exist (an empty input)
    double weight
    unsigned long len
    long index              # position on the command line (stable sorting)

ctypedef struct zsrc_iter:
    zsrc* src
    zcursor cur
    set_iter sit


cdef inline unsigned long _src_length(robj* o) noexcept nogil:
    if o == NULL:
        return 0
    if o.type == OBJ_ZSET:
        return zset_length(o)
    return set_size(o)


cdef void _src_iter_init(zsrc_iter* it, zsrc* s) noexcept nogil:
    """Sorted sets are walked from the highest element down, as Redis does
    (results are built fastest in that order); sets in their own order."""
    it.src = s
    if s.o == NULL:
        return
    if s.o.type == OBJ_ZSET:
        zcur_at_rank(&it.cur, s.o, 0, True)
    else:
        set_iter_init(&it.sit, s.o)


cdef bint _src_iter_next(zsrc_iter* it, const char** m, size_t* n, double* score) noexcept nogil:
    """The next member and its score (1 for a set member, before weights)."""
    cdef robj* o = it.src.o
    if o == NULL:
        return False
    if o.type == OBJ_ZSET:
        if not zcur_valid(&it.cur):
            return False
        m[0] = zcur_member(&it.cur, n)
        score[0] = zcur_score(&it.cur)
        zcur_next(&it.cur, True)
        return True
    if not _setsrc_iter_next(&it.sit, m, n):
        return False
    score[0] = 1.0
    return True


cdef void _src_iter_release(zsrc_iter* it) noexcept nogil:
    if it.src.o != NULL and it.src.o.type != OBJ_ZSET:
        set_iter_release(&it.sit)


cdef bint _src_find(zsrc* s, const char* m, size_t n, double* score) noexcept nogil:
    if s.o == NULL:
        return False
    if s.o.type == OBJ_ZSET:
        return zset_score(s.o, m, n, score)
    if set_is_member(s.o, m, n):
        score[0] = 1.0
        return True
    return False


cdef int _cmp_src_len(const void* a, const void* b) noexcept nogil:
    """Ascending cardinality; ties keep the command-line order (a stable
    sort, like the merge sort behind glibc's qsort, so sums of weighted
    scores are added in the same order as Redis)."""
    cdef const zsrc* x = <const zsrc*>a
    cdef const zsrc* y = <const zsrc*>b
    if x.len != y.len:
        return -1 if x.len < y.len else 1
    return -1 if x.index < y.index else (1 if x.index > y.index else 0)


cdef int _cmp_src_len_rev(const void* a, const void* b) noexcept nogil:
    cdef const zsrc* x = <const zsrc*>a
    cdef const zsrc* y = <const zsrc*>b
    if x.len != y.len:
        return 1 if x.len < y.len else -1
    return -1 if x.index < y.index else (1 if x.index > y.index else 0)


# ---- reply helpers -----------------------------------------------------------------------------

cdef inline void _reply_member_score(Client c, const char* m, size_t n, double score,
                                     bint withscores) noexcept:
    """One element of a WITHSCORES-capable reply: [member, score] in RESP3,
    member then score in RESP2, the member alone without scores."""
    if withscores and c.resp > 2:
        add_array(c, 2)
    add_bulk(c, m, n)
    if withscores:
        add_double(c, score)


cdef inline void _add_array_ws(Client c, long long n, bint withscores) noexcept:
    add_array(c, n * 2 if (withscores and c.resp == 2) else n)


# ---- ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ----------------------------------------

cdef int _zadd_generic(Client c, int flags) noexcept:
    cdef int scoreidx = 2
    cdef bint ch = False
    cdef long long elements
    cdef double stackscores[8]
    cdef double* scores = stackscores
    cdef double score = 0, newscore = 0
    cdef long long j
    cdef long long added = 0, updated = 0, processed = 0
    cdef int retflags
    cdef robj* o
    cdef bint incr, nx, xx, gt, lt
    cdef const char* key = c.argv[1]
    cdef size_t klen = c.argvlen[1]
    while scoreidx < c.argc:
        if arg_is(c, scoreidx, b"nx"):
            flags |= ZADD_IN_NX
        elif arg_is(c, scoreidx, b"xx"):
            flags |= ZADD_IN_XX
        elif arg_is(c, scoreidx, b"ch"):
            ch = True
        elif arg_is(c, scoreidx, b"incr"):
            flags |= ZADD_IN_INCR
        elif arg_is(c, scoreidx, b"gt"):
            flags |= ZADD_IN_GT
        elif arg_is(c, scoreidx, b"lt"):
            flags |= ZADD_IN_LT
        else:
            break
        scoreidx += 1
    incr = (flags & ZADD_IN_INCR) != 0
    nx = (flags & ZADD_IN_NX) != 0
    xx = (flags & ZADD_IN_XX) != 0
    gt = (flags & ZADD_IN_GT) != 0
    lt = (flags & ZADD_IN_LT) != 0
    elements = c.argc - scoreidx
    if elements % 2 or elements == 0:
        add_syntax_error(c)
        return 0
    elements //= 2
    if nx and xx:
        add_error(c, MSG_ZADD_XX_NX)
        return 0
    if (gt and nx) or (lt and nx) or (gt and lt):
        add_error(c, MSG_ZADD_GT_LT_NX)
        return 0
    if incr and elements > 1:
        add_error(c, MSG_ZADD_INCR_PAIR)
        return 0
    # Every score is parsed before anything changes: all or nothing.
    if elements > 8:
        scores = <double*>mem_alloc(elements * sizeof(double))
    for j in range(elements):
        if not get_double_or_reply(c, scoreidx + <int>j * 2, &scores[j], NULL):
            if scores != stackscores:
                mem_free(scores)
            return 0
    o = lookup_write(c, key, klen)
    if check_type(c, o, OBJ_ZSET):
        if scores != stackscores:
            mem_free(scores)
        return 0
    if o == NULL and not xx:
        o = zset_new_for(c.srv, 1, c.argvlen[scoreidx + 1])
        db_add(c.srv, c.db, key, klen, o)
    if o != NULL:
        for j in range(elements):
            if not zset_add(c.srv, o, scores[j], c.argv[scoreidx + 1 + <int>j * 2],
                            c.argvlen[scoreidx + 1 + <int>j * 2], flags, &retflags, &newscore):
                add_error(c, MSG_ZSCORE_NAN)
                if scores != stackscores:
                    mem_free(scores)
                return 0
            if retflags & ZADD_OUT_ADDED:
                added += 1
            if retflags & ZADD_OUT_UPDATED:
                updated += 1
            if not (retflags & ZADD_OUT_NOP):
                processed += 1
            score = newscore
        c.srv.dirty += added + updated
    if scores != stackscores:
        mem_free(scores)
    if incr:
        if processed:
            add_double(c, score)
        else:
            add_null(c)
    else:
        add_int(c, added + updated if ch else added)
    if added or updated:
        signal_modified_key(c.srv, c.db, key, klen)
        notify_keyspace_event(c.srv, NOTIFY_ZSET, b"zincr" if incr else b"zadd", key, klen,
                              c.db.id)
    return 0


cdef int zadd_command(Client c) except -1:
    return _zadd_generic(c, ZADD_IN_NONE)


cdef int zincrby_command(Client c) except -1:
    return _zadd_generic(c, ZADD_IN_INCR)


cdef int zrem_command(Client c) except -1:
    cdef robj* o = lookup_write(c, c.argv[1], c.argvlen[1])
    cdef long long deleted = 0
    cdef bint keyremoved = False
    cdef int j
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_ZSET):
        return 0
    for j in range(2, c.argc):
        if zset_del(o, c.argv[j], c.argvlen[j]):
            deleted += 1
        if zset_length(o) == 0:
            db_delete(c.srv, c.db, c.argv[1], c.argvlen[1])
            keyremoved = True
            break
    if deleted:
        notify_keyspace_event(c.srv, NOTIFY_ZSET, b"zrem", c.argv[1], c.argvlen[1], c.db.id)
        if keyremoved:
            notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[1], c.argvlen[1], c.db.id)
        else:
            signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
        c.srv.dirty += deleted
    add_int(c, deleted)
    return 0


cdef int zcard_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
    elif not check_type(c, o, OBJ_ZSET):
        add_int(c, zset_length(o))
    return 0


cdef int zscore_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef double score
    if o == NULL:
        add_null(c)
    elif not check_type(c, o, OBJ_ZSET):
        if zset_score(o, c.argv[2], c.argvlen[2], &score):
            add_double(c, score)
        else:
            add_null(c)
    return 0


cdef int zmscore_command(Client c) except -1:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef double score
    cdef int j
    if check_type(c, o, OBJ_ZSET):
        return 0
    add_array(c, c.argc - 2)
    for j in range(2, c.argc):
        if o != NULL and zset_score(o, c.argv[j], c.argvlen[j], &score):
            add_double(c, score)
        else:
            add_null(c)
    return 0


cdef int _zrank_generic(Client c, bint reverse) noexcept:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef long long rank
    if o == NULL:
        add_null(c)
        return 0
    if check_type(c, o, OBJ_ZSET):
        return 0
    rank = zset_rank(o, c.argv[2], c.argvlen[2], reverse)
    if rank >= 0:
        add_int(c, rank)
    else:
        add_null(c)
    return 0


cdef int zrank_command(Client c) except -1:
    return _zrank_generic(c, False)


cdef int zrevrank_command(Client c) except -1:
    return _zrank_generic(c, True)


# ---- ZCOUNT ZLEXCOUNT ZREMRANGEBY* -----------------------------------------------------------------

cdef int zcount_command(Client c) except -1:
    cdef zrangespec r
    cdef robj* o
    if not zsl_parse_range(c.argv[2], c.argvlen[2], c.argv[3], c.argvlen[3], &r):
        add_error(c, MSG_ZRANGE_NOT_FLOAT)
        return 0
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
    elif not check_type(c, o, OBJ_ZSET):
        add_int(c, zset_count_in_range(o, &r))
    return 0


cdef int zlexcount_command(Client c) except -1:
    cdef zlexrangespec r
    cdef robj* o
    if not zsl_parse_lex_range(c.argv[2], c.argvlen[2], c.argv[3], c.argvlen[3], &r):
        add_error(c, MSG_ZRANGE_NOT_LEX)
        return 0
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
    elif not check_type(c, o, OBJ_ZSET):
        add_int(c, zset_count_in_lex_range(o, &r))
    return 0


cdef enum:
    RANGE_AUTO = 0
    RANGE_RANK = 1
    RANGE_SCORE = 2
    RANGE_LEX = 3
    DIR_AUTO = 0
    DIR_FORWARD = 1
    DIR_REVERSE = 2


cdef int _zremrange_generic(Client c, int rangetype) noexcept:
    cdef long long start = 0, end = 0, llen
    cdef zrangespec r
    cdef zlexrangespec lr
    cdef robj* o
    cdef unsigned long deleted = 0
    cdef bint keyremoved = False
    if rangetype == RANGE_RANK:
        if not get_ll_or_reply(c, 2, &start, NULL) or not get_ll_or_reply(c, 3, &end, NULL):
            return 0
    elif rangetype == RANGE_SCORE:
        if not zsl_parse_range(c.argv[2], c.argvlen[2], c.argv[3], c.argvlen[3], &r):
            add_error(c, MSG_ZRANGE_NOT_FLOAT)
            return 0
    else:
        if not zsl_parse_lex_range(c.argv[2], c.argvlen[2], c.argv[3], c.argvlen[3], &lr):
            add_error(c, MSG_ZRANGE_NOT_LEX)
            return 0
    o = lookup_write(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_int(c, 0)
        return 0
    if check_type(c, o, OBJ_ZSET):
        return 0
    if rangetype == RANGE_RANK:
        llen = zset_length(o)
        if start < 0:
            start = llen + start
        if end < 0:
            end = llen + end
        if start < 0:
            start = 0
        if start > end or start >= llen:
            add_int(c, 0)
            return 0
        if end >= llen:
            end = llen - 1
        deleted = zset_delete_range_by_rank(o, <unsigned long>start, <unsigned long>end)
    elif rangetype == RANGE_SCORE:
        deleted = zset_delete_range_by_score(o, &r)
    else:
        deleted = zset_delete_range_by_lex(o, &lr)
    if zset_length(o) == 0:
        db_delete(c.srv, c.db, c.argv[1], c.argvlen[1])
        keyremoved = True
    if deleted:
        if not keyremoved:
            signal_modified_key(c.srv, c.db, c.argv[1], c.argvlen[1])
        notify_keyspace_event(c.srv, NOTIFY_ZSET,
                              b"zremrangebyrank" if rangetype == RANGE_RANK else
                              b"zremrangebyscore" if rangetype == RANGE_SCORE else
                              b"zremrangebylex", c.argv[1], c.argvlen[1], c.db.id)
        if keyremoved:
            notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[1], c.argvlen[1], c.db.id)
    c.srv.dirty += deleted
    add_int(c, deleted)
    return 0


cdef int zremrangebyrank_command(Client c) except -1:
    return _zremrange_generic(c, RANGE_RANK)


cdef int zremrangebyscore_command(Client c) except -1:
    return _zremrange_generic(c, RANGE_SCORE)


cdef int zremrangebylex_command(Client c) except -1:
    return _zremrange_generic(c, RANGE_LEX)


# ---- ZRANGE family -------------------------------------------------------------------------------

# Where a range goes: the client's reply, or a new sorted set (ZRANGESTORE).
ctypedef struct zrange_result:
    bint store
    bint withscores
    bint deferred
    size_t at                   # reply offset of a deferred array header
    robj* dst                   # ZRANGESTORE's result being built
    int dstidx                  # ZRANGESTORE's destination argument


cdef void _zr_begin(Client c, zrange_result* h, long long length) noexcept:
    """Start the result; ``length`` is exact when > 0, else unknown. A
    ZRANGESTORE result starts as a skiplist only when the rank range is
    longer than zset-max-listpack-entries (zrangeResultBeginStore); it
    converts while filling like any ZADD."""
    if h.store:
        h.dst = zset_new_for(c.srv, <size_t>length if length > 0 else 0, 0)
        return
    if length > 0:
        _add_array_ws(c, length, h.withscores)
        h.deferred = False
    else:
        h.at = add_deferred_len(c)
        h.deferred = True


cdef inline void _zr_emit(Client c, zrange_result* h, const char* m, size_t n, double score) noexcept:
    cdef int flags
    cdef double ns
    if h.store:
        zset_add(c.srv, h.dst, score, m, n, ZADD_IN_NONE, &flags, &ns)
    else:
        _reply_member_score(c, m, n, score, h.withscores)


cdef void _zr_finalize(Client c, zrange_result* h, unsigned long count) noexcept:
    """End the result: set the deferred length, or store the destination
    (deleting it when the range was empty)."""
    cdef const char* dk
    cdef size_t dl
    if h.store:
        dk = c.argv[h.dstidx]
        dl = c.argvlen[h.dstidx]
        if count:
            set_key(c.srv, c.db, dk, dl, h.dst, False)
            add_int(c, count)
            notify_keyspace_event(c.srv, NOTIFY_ZSET, b"zrangestore", dk, dl, c.db.id)
            c.srv.dirty += 1
        else:
            obj_free(h.dst)
            add_int(c, 0)
            if db_delete(c.srv, c.db, dk, dl):
                notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", dk, dl, c.db.id)
                c.srv.dirty += 1
        h.dst = NULL
        return
    if h.deferred:
        set_deferred_array(c, h.at, count * 2 if (h.withscores and c.resp == 2) else count)


cdef void _zrange_by_rank(Client c, zrange_result* h, robj* o, long long start, long long end,
                          bint reverse) noexcept:
    cdef long long llen = zset_length(o)
    cdef long long rangelen, i
    cdef zcursor cur
    cdef const char* m
    cdef size_t n
    if start < 0:
        start = llen + start
    if end < 0:
        end = llen + end
    if start < 0:
        start = 0
    if start > end or start >= llen:
        _zr_begin(c, h, 0)
        _zr_finalize(c, h, 0)
        return
    if end >= llen:
        end = llen - 1
    rangelen = end - start + 1
    _zr_begin(c, h, rangelen)
    zcur_at_rank(&cur, o, <unsigned long>start, reverse)
    for i in range(rangelen):
        m = zcur_member(&cur, &n)
        _zr_emit(c, h, m, n, zcur_score(&cur))
        zcur_next(&cur, reverse)
    _zr_finalize(c, h, <unsigned long>rangelen)


cdef void _zrange_by_score(Client c, zrange_result* h, robj* o, zrangespec* r,
                           long long offset, long long limit, bint reverse) noexcept:
    """LIMIT offset count: a negative offset walks off the end (an empty
    result), a negative count means no limit, as in Redis."""
    cdef unsigned long count = 0
    cdef zcursor cur
    cdef bint valid
    cdef const char* m
    cdef size_t n
    cdef double score
    _zr_begin(c, h, -1)
    if offset < 0 or (offset > 0 and <unsigned long long>offset >= zset_length(o)):
        _zr_finalize(c, h, 0)
        return
    valid = zcur_first_in_range(&cur, o, r, reverse)
    while valid and offset > 0:
        zcur_next(&cur, reverse)
        valid = zcur_valid(&cur)
        offset -= 1
    while valid and limit != 0:
        score = zcur_score(&cur)
        if reverse:
            if not zsl_value_gte_min(score, r):
                break
        elif not zsl_value_lte_max(score, r):
            break
        m = zcur_member(&cur, &n)
        _zr_emit(c, h, m, n, score)
        count += 1
        zcur_next(&cur, reverse)
        valid = zcur_valid(&cur)
        if limit > 0:
            limit -= 1
    _zr_finalize(c, h, count)


cdef void _zrange_by_lex(Client c, zrange_result* h, robj* o, zlexrangespec* r,
                         long long offset, long long limit, bint reverse) noexcept:
    cdef unsigned long count = 0
    cdef zcursor cur
    cdef bint valid
    cdef const char* m
    cdef size_t n
    _zr_begin(c, h, -1)
    valid = offset >= 0 and zcur_first_in_lex_range(&cur, o, r, reverse)
    while valid and offset > 0:
        zcur_next(&cur, reverse)
        valid = zcur_valid(&cur)
        offset -= 1
    while valid and limit != 0:
        m = zcur_member(&cur, &n)
        if reverse:
            if not zsl_lex_gte_min(m, n, r):
                break
        elif not zsl_lex_lte_max(m, n, r):
            break
        _zr_emit(c, h, m, n, zcur_score(&cur))
        count += 1
        zcur_next(&cur, reverse)
        valid = zcur_valid(&cur)
        if limit > 0:
            limit -= 1
    _zr_finalize(c, h, count)


cdef int _zrange_generic(Client c, int argc_start, bint store, int rangetype,
                         int direction) noexcept:
    """ZRANGE, ZRANGESTORE and the older Z[REV]RANGE[BYSCORE|BYLEX]:
    <src> <min> <max> [BYSCORE|BYLEX] [REV] [WITHSCORES] [LIMIT offset count]."""
    cdef int key = argc_start
    cdef int minidx = argc_start + 1
    cdef int maxidx = argc_start + 2
    cdef int tmp, j, leftargs
    cdef long long opt_start = 0, opt_end = 0, opt_offset = 0, opt_limit = -1
    cdef bint withscores = False
    cdef zrangespec r
    cdef zlexrangespec lr
    cdef zrange_result h
    cdef robj* o
    j = argc_start + 3
    while j < c.argc:
        leftargs = c.argc - j - 1
        if not store and arg_is(c, j, b"withscores"):
            withscores = True
        elif arg_is(c, j, b"limit") and leftargs >= 2:
            if not get_ll_or_reply(c, j + 1, &opt_offset, NULL) or \
                    not get_ll_or_reply(c, j + 2, &opt_limit, NULL):
                return 0
            j += 2
        elif direction == DIR_AUTO and arg_is(c, j, b"rev"):
            direction = DIR_REVERSE
        elif rangetype == RANGE_AUTO and arg_is(c, j, b"bylex"):
            rangetype = RANGE_LEX
        elif rangetype == RANGE_AUTO and arg_is(c, j, b"byscore"):
            rangetype = RANGE_SCORE
        else:
            add_syntax_error(c)
            return 0
        j += 1
    if direction == DIR_AUTO:
        direction = DIR_FORWARD
    if rangetype == RANGE_AUTO:
        rangetype = RANGE_RANK
    if opt_limit != -1 and rangetype == RANGE_RANK:
        add_error(c, MSG_ZRANGE_LIMIT_RANK)
        return 0
    if withscores and rangetype == RANGE_LEX:
        add_error(c, MSG_ZRANGE_WITHSCORES_LEX)
        return 0
    if direction == DIR_REVERSE and (rangetype == RANGE_SCORE or rangetype == RANGE_LEX):
        tmp = maxidx               # the range is given as max, min
        maxidx = minidx
        minidx = tmp
    if rangetype == RANGE_RANK:
        if not get_ll_or_reply(c, minidx, &opt_start, NULL) or \
                not get_ll_or_reply(c, maxidx, &opt_end, NULL):
            return 0
    elif rangetype == RANGE_SCORE:
        if not zsl_parse_range(c.argv[minidx], c.argvlen[minidx], c.argv[maxidx],
                               c.argvlen[maxidx], &r):
            add_error(c, MSG_ZRANGE_NOT_FLOAT)
            return 0
    else:
        if not zsl_parse_lex_range(c.argv[minidx], c.argvlen[minidx], c.argv[maxidx],
                                   c.argvlen[maxidx], &lr):
            add_error(c, MSG_ZRANGE_NOT_LEX)
            return 0
    h.store = store
    h.withscores = withscores or store
    h.deferred = False
    h.at = 0
    h.dst = NULL
    h.dstidx = 1
    o = lookup_read(c, c.argv[key], c.argvlen[key])
    if o == NULL:
        if store:
            _zr_begin(c, &h, -1)
            _zr_finalize(c, &h, 0)
        else:
            add_array(c, 0)
        return 0
    if check_type(c, o, OBJ_ZSET):
        return 0
    if rangetype == RANGE_RANK:
        _zrange_by_rank(c, &h, o, opt_start, opt_end, direction == DIR_REVERSE)
    elif rangetype == RANGE_SCORE:
        _zrange_by_score(c, &h, o, &r, opt_offset, opt_limit, direction == DIR_REVERSE)
    else:
        _zrange_by_lex(c, &h, o, &lr, opt_offset, opt_limit, direction == DIR_REVERSE)
    return 0


cdef int zrange_command(Client c) except -1:
    return _zrange_generic(c, 1, False, RANGE_AUTO, DIR_AUTO)


cdef int zrangestore_command(Client c) except -1:
    return _zrange_generic(c, 2, True, RANGE_AUTO, DIR_AUTO)


cdef int zrevrange_command(Client c) except -1:
    return _zrange_generic(c, 1, False, RANGE_RANK, DIR_REVERSE)


cdef int zrangebyscore_command(Client c) except -1:
    return _zrange_generic(c, 1, False, RANGE_SCORE, DIR_FORWARD)


cdef int zrevrangebyscore_command(Client c) except -1:
    return _zrange_generic(c, 1, False, RANGE_SCORE, DIR_REVERSE)


cdef int zrangebylex_command(Client c) except -1:
    return _zrange_generic(c, 1, False, RANGE_LEX, DIR_FORWARD)


cdef int zrevrangebylex_command(Client c) except -1:
    return _zrange_generic(c, 1, False, RANGE_LEX, DIR_REVERSE)


# ---- ZPOPMIN ZPOPMAX ZMPOP ----------------------------------------------------------------------

cdef int _zpop_generic(Client c, int first_key, int keyc, bint pop_max, bint emitkey,
                       long long count, bint nested, bint nil_when_empty) noexcept:
    """Pop up to ``count`` (-1: one, the plain form) elements from the first
    non-empty key of argv[first_key : first_key + keyc] (Redis's
    genericZpopCommand). Reply shapes:
      flat [m, s, ...]            ZPOPMIN/MAX in RESP2, or without COUNT
      [[m, s], ...]               ZPOPMIN/MAX with COUNT in RESP3 (nested)
      [key, m, s]                 BZPOPMIN/MAX (emitkey, flat)
      [key, [[m, s], ...]]        ZMPOP, BZMPOP (emitkey + nested); null when empty"""
    cdef robj* o = NULL
    cdef int idx, kidx = 0
    cdef long long llen, rangelen, i
    cdef zcursor cur
    cdef const char* m
    cdef size_t n
    for idx in range(keyc):
        kidx = first_key + idx
        o = lookup_write(c, c.argv[kidx], c.argvlen[kidx])
        if o == NULL:
            continue
        if check_type(c, o, OBJ_ZSET):
            return 0
        break
    if o == NULL:
        if nil_when_empty:
            add_null_array(c)
        else:
            add_array(c, 0)
        return 0
    if count == 0:
        add_array(c, 0)
        return 0
    if count == -1:
        count = 1
    llen = zset_length(o)
    rangelen = count if count < llen else llen
    if emitkey and nested:
        add_array(c, 2)
        add_bulk(c, c.argv[kidx], c.argvlen[kidx])
        add_array(c, rangelen)
    elif emitkey:
        add_array(c, rangelen * 2 + 1)
        add_bulk(c, c.argv[kidx], c.argvlen[kidx])
    elif nested:
        add_array(c, rangelen)
    else:
        add_array(c, rangelen * 2)
    for i in range(rangelen):
        zcur_at_rank(&cur, o, 0, pop_max)
        m = zcur_member(&cur, &n)
        if i == 0:
            # the event goes out once, after the reply's headers and before
            # the first element (a RESP3 subscriber to its own keys sees it
            # there, as Redis 7.0 writes it)
            notify_keyspace_event(c.srv, NOTIFY_ZSET, b"zpopmax" if pop_max else b"zpopmin",
                                  c.argv[kidx], c.argvlen[kidx], c.db.id)
            signal_modified_key(c.srv, c.db, c.argv[kidx], c.argvlen[kidx])
        if nested:
            add_array(c, 2)
        add_bulk(c, m, n)
        add_double(c, zcur_score(&cur))
        zset_del(o, m, n)
        c.srv.dirty += 1
    if zset_length(o) == 0:
        db_delete(c.srv, c.db, c.argv[kidx], c.argvlen[kidx])
        notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[kidx], c.argvlen[kidx],
                              c.db.id)
    if emitkey and c.srv.propagating:
        # BZPOPMIN/MAX are logged as ZPOPMIN/MAX key, ZMPOP/BZMPOP with the count popped
        c.prop_argv = [b"ZPOPMAX" if pop_max else b"ZPOPMIN", c.arg(kidx)]
        if nested:
            c.prop_argv.append(rangelen)
    return 0


cdef int _zpop_minmax(Client c, bint pop_max) noexcept:
    cdef long long count = -1
    if c.argc > 3:
        add_syntax_error(c)
        return 0
    if c.argc == 3 and not get_range_or_reply(c, 2, 0, LLONG_MAX, &count, MSG_MUST_BE_POSITIVE):
        return 0
    return _zpop_generic(c, 1, 1, pop_max, False, count, c.resp > 2 and count != -1, False)


cdef int zpopmin_command(Client c) except -1:
    return _zpop_minmax(c, False)


cdef int zpopmax_command(Client c) except -1:
    return _zpop_minmax(c, True)


cdef int zmpop_command(Client c) except -1:
    """ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]"""
    cdef long long numkeys, count = -1
    cdef long long where_idx
    cdef bint pop_max
    cdef int j
    if not get_range_or_reply(c, 1, 1, LLONG_MAX, &numkeys, MSG_NUMKEYS_POSITIVE):
        return 0
    if numkeys >= c.argc:
        add_syntax_error(c)
        return 0
    where_idx = 1 + numkeys + 1
    if where_idx >= c.argc:
        add_syntax_error(c)
        return 0
    if arg_is(c, <int>where_idx, b"min"):
        pop_max = False
    elif arg_is(c, <int>where_idx, b"max"):
        pop_max = True
    else:
        add_syntax_error(c)
        return 0
    j = <int>where_idx + 1
    while j < c.argc:
        if count == -1 and arg_is(c, j, b"count") and j < c.argc - 1:
            j += 1
            if not get_range_or_reply(c, j, 1, LLONG_MAX, &count, MSG_COUNT_POSITIVE):
                return 0
        else:
            add_syntax_error(c)
            return 0
        j += 1
    if count == -1:
        count = 1
    return _zpop_generic(c, 2, <int>numkeys, pop_max, True, count, True, True)


# ---- blocking pops: BZPOPMIN BZPOPMAX BZMPOP -------------------------------------------------------
#
# As the blocking list commands (t_list.pyx): try the non-blocking pop;
# when every key is missing, park the client (pyengine.blocked) unless
# inside MULTI (then the timeout reply). Any write to one of the keys
# re-runs the command; during such a re-run a key of another type is "not
# ready" rather than WRONGTYPE (Redis 7.0 serves blocked clients only from a
# sorted set).

cdef int _blocking_zpop(Client c, int first, int numkeys, int timeout_idx, bint pop_max,
                        long long count, bint nested) except -1:
    """The shared body: BZPOPMIN/BZPOPMAX (count -1, flat [key, m, s]) and
    BZMPOP (count >= 1, nested, null when empty)."""
    cdef long long timeout
    cdef int k
    if not get_timeout_or_reply(c, timeout_idx, &timeout):
        return 0
    k = first_ready_key(c, first, numkeys, OBJ_ZSET)
    if k == -2:
        return 0
    if k >= 0:
        return _zpop_generic(c, k, 1, pop_max, True, count, nested, nested)
    if not may_block(c):
        add_null_array(c)
        return 0
    return block_for_keys(c, argv_keys(c, first, numkeys), timeout)


cdef int bzpopmin_command(Client c) except -1:
    """BZPOPMIN key [key ...] timeout"""
    return _blocking_zpop(c, 1, c.argc - 2, c.argc - 1, False, -1, False)


cdef int bzpopmax_command(Client c) except -1:
    """BZPOPMAX key [key ...] timeout"""
    return _blocking_zpop(c, 1, c.argc - 2, c.argc - 1, True, -1, False)


cdef int bzmpop_command(Client c) except -1:
    """BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]"""
    cdef long long numkeys, count = -1
    cdef long long where_idx
    cdef bint pop_max
    cdef int j
    if not get_range_or_reply(c, 2, 1, LONG_MAX, &numkeys, MSG_NUMKEYS_POSITIVE):
        return 0
    if numkeys >= c.argc:               # where_idx would be past the end (no overflow)
        add_syntax_error(c)
        return 0
    where_idx = 2 + numkeys + 1
    if where_idx >= c.argc:
        add_syntax_error(c)
        return 0
    if arg_is(c, <int>where_idx, b"min"):
        pop_max = False
    elif arg_is(c, <int>where_idx, b"max"):
        pop_max = True
    else:
        add_syntax_error(c)
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
    return _blocking_zpop(c, 3, <int>numkeys, 1, pop_max, count, True)


# ---- ZUNION ZINTER ZDIFF (+STORE) ZINTERCARD ------------------------------------------------------

cdef enum:
    SETOP_UNION = 0
    SETOP_INTER = 1
    SETOP_DIFF = 2
    AGGR_SUM = 1
    AGGR_MIN = 2
    AGGR_MAX = 3


cdef inline void _aggregate(double* target, double val, int aggregate) noexcept nogil:
    """Combine a member's scores. +inf + -inf is 0 (Redis's convention)."""
    if aggregate == AGGR_SUM:
        target[0] = target[0] + val
        if isnan(target[0]):
            target[0] = 0.0
    elif aggregate == AGGR_MIN:
        target[0] = val if val < target[0] else target[0]
    else:
        target[0] = val if val > target[0] else target[0]


cdef void _zunion(zsrc* src, long setnum, zset_t* dst, int aggregate) noexcept nogil:
    """Accumulate every member's aggregated weighted score in dst's dict,
    then index them all in dst's skiplist."""
    cdef long i
    cdef zsrc_iter it
    cdef const char* m
    cdef size_t n
    cdef double s, score
    cdef bint existed
    cdef pe_entry* e
    for i in range(setnum):
        if src[i].len == 0:
            continue
        _src_iter_init(&it, &src[i])
        while _src_iter_next(&it, &m, &n, &s):
            score = src[i].weight * s
            if isnan(score):
                score = 0
            e = zs_acc_add(dst, m, n, &existed)
            if not existed:
                e.v.d = score
            else:
                _aggregate(&e.v.d, score, aggregate)
        _src_iter_release(&it)
    zs_acc_index(dst)


cdef unsigned long _zinter(zsrc* src, long setnum, zset_t* dst, int aggregate,
                           bint cardinality_only, long long limit) noexcept nogil:
    """Members of the smallest input present in all others (src is sorted by
    size). Fills dst, or only counts (ZINTERCARD, stopping at ``limit`` > 0)."""
    cdef unsigned long cardinality = 0
    cdef zsrc_iter it
    cdef const char* m
    cdef size_t n
    cdef double s, score, value
    cdef long j
    if src[0].len == 0:
        return 0
    _src_iter_init(&it, &src[0])
    while _src_iter_next(&it, &m, &n, &s):
        score = src[0].weight * s
        if isnan(score):
            score = 0
        j = 1
        while j < setnum:
            if src[j].o == src[0].o:
                value = s * src[j].weight
                _aggregate(&score, value, aggregate)
            elif _src_find(&src[j], m, n, &value):
                value *= src[j].weight
                _aggregate(&score, value, aggregate)
            else:
                break
            j += 1
        if j == setnum:
            if cardinality_only:
                cardinality += 1
                if limit and cardinality >= <unsigned long long>limit:
                    break
            else:
                zs_insert(dst, m, n, score)
    _src_iter_release(&it)
    return cardinality


cdef void _zdiff(zsrc* src, long setnum, zset_t* dst) noexcept nogil:
    """Members of the first input in no other one, with their scores.
    Picks Redis's cheaper algorithm: check each member of the first input
    against the others (O(N*M)), or copy the first and remove the others'
    members (O(L) for L members in all)."""
    cdef long j
    cdef long long algo_one = 0, algo_two = 0
    cdef zsrc_iter it
    cdef const char* m
    cdef size_t n
    cdef double s, value
    cdef bint exists
    cdef long long cardinality = 0
    if src[0].len == 0:
        return
    for j in range(setnum):
        if j > 0 and src[0].o == src[j].o:
            return                  # the first input minus itself
        algo_one += src[0].len
        algo_two += src[j].len
    algo_one //= 2
    if algo_one <= algo_two:
        if setnum > 1:
            qsort(&src[1], setnum - 1, sizeof(zsrc), _cmp_src_len_rev)
        _src_iter_init(&it, &src[0])
        while _src_iter_next(&it, &m, &n, &s):
            exists = False
            for j in range(1, setnum):
                if src[j].o == src[0].o or _src_find(&src[j], m, n, &value):
                    exists = True
                    break
            if not exists:
                zs_insert(dst, m, n, s)
        _src_iter_release(&it)
        return
    for j in range(setnum):
        if src[j].len == 0:
            continue
        _src_iter_init(&it, &src[j])
        while _src_iter_next(&it, &m, &n, &s):
            if j == 0:
                zs_insert(dst, m, n, s)
                cardinality += 1
            elif zs_delete(dst, m, n):
                cardinality -= 1
            if cardinality == 0:
                break
        _src_iter_release(&it)
        if cardinality == 0:
            break
    zs_shrink_if_needed(dst)


cdef int _zsetop_generic(Client c, int dstidx, int numkeys_idx, int op,
                         bint cardinality_only) noexcept:
    """ZUNION/ZINTER/ZDIFF numkeys key [key ...] [WEIGHTS w ...]
    [AGGREGATE SUM|MIN|MAX] [WITHSCORES], the STORE forms (dstidx > 0, no
    WITHSCORES) and ZINTERCARD numkeys key [key ...] [LIMIT limit]."""
    cdef long long setnum, limit = 0
    cdef long i
    cdef int j, remaining
    cdef int aggregate = AGGR_SUM
    cdef bint withscores = False
    cdef zsrc* src
    cdef robj* o
    cdef robj* dstobj
    cdef zset_t* dst
    cdef unsigned long cardinality = 0
    cdef zslnode* x
    cdef bytes msg
    cdef size_t maxelelen = 0, totelelen = 0
    cdef unsigned long length
    if not get_ll_or_reply(c, numkeys_idx, &setnum, NULL):
        return 0
    if setnum < 1:
        msg = ("ERR at least 1 input key is needed for '%s' command" % c.cmd.fullname).encode()
        add_error_obj(c, msg)
        return 0
    if setnum > c.argc - (numkeys_idx + 1):
        add_syntax_error(c)
        return 0
    src = <zsrc*>mem_calloc(setnum * sizeof(zsrc))
    j = numkeys_idx + 1
    for i in range(setnum):
        o = lookup_read(c, c.argv[j], c.argvlen[j])
        if o != NULL and o.type != OBJ_ZSET and o.type != OBJ_SET:
            mem_free(src)
            add_error(c, MSG_WRONGTYPE)
            return 0
        src[i].o = o
        src[i].weight = 1.0
        src[i].index = i
        src[i].len = _src_length(o)
        j += 1
    remaining = c.argc - j
    while remaining:
        if (op != SETOP_DIFF and not cardinality_only and remaining >= setnum + 1 and
                arg_is(c, j, b"weights")):
            j += 1
            remaining -= 1
            for i in range(setnum):
                if not get_double_or_reply(c, j, &src[i].weight, MSG_WEIGHT_NOT_FLOAT):
                    mem_free(src)
                    return 0
                j += 1
                remaining -= 1
        elif (op != SETOP_DIFF and not cardinality_only and remaining >= 2 and
                arg_is(c, j, b"aggregate")):
            j += 1
            remaining -= 1
            if arg_is(c, j, b"sum"):
                aggregate = AGGR_SUM
            elif arg_is(c, j, b"min"):
                aggregate = AGGR_MIN
            elif arg_is(c, j, b"max"):
                aggregate = AGGR_MAX
            else:
                mem_free(src)
                add_syntax_error(c)
                return 0
            j += 1
            remaining -= 1
        elif (remaining >= 1 and dstidx == 0 and not cardinality_only and
                arg_is(c, j, b"withscores")):
            j += 1
            remaining -= 1
            withscores = True
        elif cardinality_only and remaining >= 2 and arg_is(c, j, b"limit"):
            j += 1
            remaining -= 1
            if not get_range_or_reply(c, j, 0, LLONG_MAX, &limit, MSG_LIMIT_NEGATIVE):
                mem_free(src)
                return 0
            j += 1
            remaining -= 1
        else:
            mem_free(src)
            add_syntax_error(c)
            return 0
    if op != SETOP_DIFF:
        qsort(src, setnum, sizeof(zsrc), _cmp_src_len)
    if cardinality_only:
        cardinality = _zinter(src, setnum, NULL, aggregate, True, limit)
        mem_free(src)
        add_int(c, cardinality)
        return 0
    # The result is built as a skiplist, then stored or replied.
    dstobj = zset_new_skiplist()
    dst = _zs(dstobj)
    if op == SETOP_INTER:
        _zinter(src, setnum, dst, aggregate, False, 0)
    elif op == SETOP_UNION:
        _zunion(src, setnum, dst, aggregate)
    else:
        _zdiff(src, setnum, dst)
    mem_free(src)
    if dstidx:
        if zs_length(dst):
            length = zs_length(dst)
            # Back to a listpack when the result fits (zsetConvertToListpackIfNeeded
            # with the longest member and the total of member lengths).
            x = dst.zsl.header.level[0].forward
            while x != NULL:
                totelelen += x.ent.klen
                if x.ent.klen > maxelelen:
                    maxelelen = x.ent.klen
                x = x.level[0].forward
            zset_convert_to_listpack_if_needed(c.srv, dstobj, maxelelen, totelelen)
            set_key(c.srv, c.db, c.argv[dstidx], c.argvlen[dstidx], dstobj, False)
            add_int(c, length)
            notify_keyspace_event(c.srv, NOTIFY_ZSET,
                                  b"zunionstore" if op == SETOP_UNION else
                                  b"zinterstore" if op == SETOP_INTER else b"zdiffstore",
                                  c.argv[dstidx], c.argvlen[dstidx], c.db.id)
            c.srv.dirty += 1
        else:
            obj_free(dstobj)
            add_int(c, 0)
            if db_delete(c.srv, c.db, c.argv[dstidx], c.argvlen[dstidx]):
                notify_keyspace_event(c.srv, NOTIFY_GENERIC, b"del", c.argv[dstidx],
                                      c.argvlen[dstidx], c.db.id)
                c.srv.dirty += 1
        return 0
    _add_array_ws(c, zs_length(dst), withscores)
    x = dst.zsl.header.level[0].forward
    while x != NULL:
        _reply_member_score(c, x.ent.key, x.ent.klen, x.score, withscores)
        x = x.level[0].forward
    obj_free(dstobj)
    return 0


cdef int zunionstore_command(Client c) except -1:
    return _zsetop_generic(c, 1, 2, SETOP_UNION, False)


cdef int zinterstore_command(Client c) except -1:
    return _zsetop_generic(c, 1, 2, SETOP_INTER, False)


cdef int zdiffstore_command(Client c) except -1:
    return _zsetop_generic(c, 1, 2, SETOP_DIFF, False)


cdef int zunion_command(Client c) except -1:
    return _zsetop_generic(c, 0, 1, SETOP_UNION, False)


cdef int zinter_command(Client c) except -1:
    return _zsetop_generic(c, 0, 1, SETOP_INTER, False)


cdef int zintercard_command(Client c) except -1:
    return _zsetop_generic(c, 0, 1, SETOP_INTER, True)


cdef int zdiff_command(Client c) except -1:
    return _zsetop_generic(c, 0, 1, SETOP_DIFF, False)


# ---- ZRANDMEMBER -------------------------------------------------------------------------------

# Like Redis: when the set has fewer than 3x the requested distinct members,
# copy it and remove random members; otherwise draw until enough distinct
# (a listpack: one pass of selection sampling, in listpack order).
cdef enum:
    ZRANDMEMBER_SUB_STRATEGY_MUL = 3


cdef void** _collect_positions(robj* o, unsigned long size) noexcept nogil:
    """Every element's position (listpack member entries or skiplist nodes),
    from the highest score down; mem_alloc'd, the caller frees. Valid while
    the set is not modified."""
    cdef void** out = <void**>mem_alloc((size if size else 1) * sizeof(void*))
    cdef unsigned long i = 0
    cdef zcursor cur
    zcur_at_rank(&cur, o, 0, True)
    while zcur_valid(&cur) and i < size:
        out[i] = <void*>cur.eptr if o.encoding == ENC_LISTPACK else <void*>cur.node
        i += 1
        zcur_next(&cur, True)
    return out


cdef void _reply_position(Client c, robj* o, void* pos, bint withscores) noexcept:
    """Reply one element from a _collect_positions entry."""
    cdef zcursor cur
    cdef const char* m
    cdef size_t n
    cur.o = o
    if o.encoding == ENC_LISTPACK:
        cur.node = NULL
        cur.eptr = <uchar*>pos
        cur.sptr = lp_next(_lp(o), cur.eptr)
    else:
        cur.eptr = NULL
        cur.sptr = NULL
        cur.node = <zslnode*>pos
    m = zcur_member(&cur, &n)
    _reply_member_score(c, m, n, zcur_score(&cur) if withscores else 0, withscores)


cdef void _zrandmember_with_count(Client c, long long l, bint withscores) noexcept:
    cdef robj* o = lookup_read(c, c.argv[1], c.argvlen[1])
    cdef unsigned long long count, size, i, k
    cdef bint uniq = True
    cdef const char* m = NULL
    cdef size_t n = 0
    cdef double score = 0
    cdef zcursor cur
    cdef void** pos
    cdef void* tmp
    cdef dict_t* seen
    cdef bint existed
    cdef unsigned long long added, picked, remaining, index
    cdef char buf[LP_INTBUF_SIZE]
    cdef uchar* lp
    cdef uchar* p
    if o == NULL:
        add_array(c, 0)
        return
    if check_type(c, o, OBJ_ZSET):
        return
    size = zset_length(o)
    if l >= 0:
        count = <unsigned long long>l
    else:
        count = <unsigned long long>(-l)
        uniq = False
    if count == 0:
        add_array(c, 0)
        return
    # Case 1: repetitions allowed (or one member): independent draws.
    if not uniq or count == 1:
        _add_array_ws(c, <long long>count, withscores)
        if o.encoding == ENC_LISTPACK:
            pos = _collect_positions(o, size)
            while count:
                count -= 1
                _reply_position(c, o, pos[engine_random() % size], withscores)
                if c.flags & CLIENT_CLOSE_ASAP:
                    break
            mem_free(pos)
            return
        while count:
            count -= 1
            zset_random_element(o, buf, &m, &n, &score)
            _reply_member_score(c, m, n, score, withscores)
            if c.flags & CLIENT_CLOSE_ASAP:
                break
        return
    _add_array_ws(c, <long long>(count if count < size else size), withscores)
    # Case 2: at least the whole set: all of it, from the highest score down.
    if count >= size:
        zcur_at_rank(&cur, o, 0, True)
        while zcur_valid(&cur):
            m = zcur_member(&cur, &n)
            _reply_member_score(c, m, n, zcur_score(&cur), withscores)
            zcur_next(&cur, True)
        return
    # Case 3: most of the set: drop random members until count remain.
    if count * ZRANDMEMBER_SUB_STRATEGY_MUL > size:
        pos = _collect_positions(o, size)
        while size > count:
            k = engine_random() % size
            size -= 1
            tmp = pos[k]
            pos[k] = pos[size]
            pos[size] = tmp
        for i in range(count):
            _reply_position(c, o, pos[i], withscores)
        mem_free(pos)
        return
    # Case 4: a small sample of a big set.
    if o.encoding == ENC_LISTPACK:
        # One pass of selection sampling (lpRandomPairsUnique): each member
        # is taken with probability (still wanted) / (not yet visited).
        lp = _lp(o)
        p = lp_first(lp)
        picked = 0
        remaining = count
        index = 0
        while picked < count and p != NULL:
            if (<double>(engine_random() >> 11) * (1.0 / 9007199254740992.0) <=
                    <double>remaining / <double>(size - index)):
                _reply_position(c, o, p, withscores)
                remaining -= 1
                picked += 1
            p = lp_next(lp, lp_next(lp, p))
            index += 1
        return
    seen = dict_create(NULL)
    dict_expand(seen, <unsigned long>count)
    added = 0
    while added < count:
        zset_random_element(o, buf, &m, &n, &score)
        dict_add_or_find(seen, m, n, &existed)
        if existed:
            continue
        added += 1
        _reply_member_score(c, m, n, score, withscores)
    dict_release(seen)


cdef int zrandmember_command(Client c) except -1:
    """ZRANDMEMBER key [count [WITHSCORES]]"""
    cdef long long l
    cdef bint withscores = False
    cdef robj* o
    cdef const char* m = NULL
    cdef size_t n = 0
    cdef double score = 0
    cdef char buf[LP_INTBUF_SIZE]
    if c.argc >= 3:
        if not get_range_or_reply(c, 2, -LLONG_MAX, LLONG_MAX, &l, NULL):
            return 0
        if c.argc > 4 or (c.argc == 4 and not arg_is(c, 3, b"withscores")):
            add_syntax_error(c)
            return 0
        if c.argc == 4:
            withscores = True
            if l < -LLONG_MAX // 2 or l > LLONG_MAX // 2:
                add_error(c, MSG_VALUE_OUT_OF_RANGE)
                return 0
        _zrandmember_with_count(c, l, withscores)
        return 0
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_null(c)
        return 0
    if check_type(c, o, OBJ_ZSET):
        return 0
    zset_random_element(o, buf, &m, &n, &score)
    add_bulk(c, m, n)
    return 0


# ---- ZSCAN ---------------------------------------------------------------------------------------

cdef inline int _scan_score(char* buf, size_t buflen, double score) noexcept nogil:
    """A skiplist score as ZSCAN prints it: Redis's scanCallback makes a
    string object from the score as a long double, "%.17Lg" (the value is
    exact, so this matches "%.17g" digit for digit), inf / -inf spelled out."""
    if score == INFINITY:
        memcpy(buf, b"inf", 3)
        return 3
    if score == -INFINITY:
        memcpy(buf, b"-inf", 4)
        return 4
    return snprintf(buf, buflen, b"%.17Lg", <long double>score)


cdef void _scan_collect_pair(void* privdata, pe_entry* e) noexcept:
    """scan_fn for skiplist sorted sets: member and score, two records."""
    cdef char buf[MAX_D2STRING_CHARS]
    cdef int n = _scan_score(buf, sizeof(buf), e.v.d)
    scan_batch_add(<scan_batch*>privdata, e.key, e.klen)
    scan_batch_add(<scan_batch*>privdata, buf, <size_t>n)


cdef inline void _add_lp_entry(Client c, uchar* p) noexcept:
    cdef size_t n
    cdef long long v
    cdef const char* s = lp_get(p, &n, &v)
    if s != NULL:
        add_bulk(c, s, n)
    else:
        add_bulk_ll(c, v)


cdef int zscan_command(Client c) except -1:
    """ZSCAN key cursor [MATCH pattern] [COUNT count]. A listpack answers
    everything at once with cursor 0, each score as the listpack stores it;
    a skiplist walks its dict with the SCAN cursor (2*COUNT records)."""
    cdef unsigned long cursor
    cdef robj* o
    cdef scan_opts opts
    cdef scan_batch batch
    cdef size_t at, off = 0, fl, vl
    cdef const char* f
    cdef const char* v
    cdef char fbuf[LP_INTBUF_SIZE]
    cdef long long emitted = 0
    cdef uchar* lp
    cdef uchar* eptr
    if not parse_scan_cursor(c, 2, &cursor):
        return 0
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o == NULL:
        add_array(c, 2)
        add_bulk(c, b"0", 1)
        add_array(c, 0)
        return 0
    if check_type(c, o, OBJ_ZSET):
        return 0
    if not parse_scan_opts(c, 3, False, &opts):
        return 0
    if o.encoding == ENC_LISTPACK:
        add_array(c, 2)
        add_bulk(c, b"0", 1)
        at = add_deferred_len(c)
        lp = _lp(o)
        eptr = lp_first(lp)
        while eptr != NULL:
            if opts.use_pattern:
                f = lp_get_str(eptr, fbuf, &fl)
                if not stringmatch(opts.pat, opts.patlen, f, fl, False):
                    eptr = lp_next(lp, lp_next(lp, eptr))
                    continue
            _add_lp_entry(c, eptr)
            eptr = lp_next(lp, eptr)
            _add_lp_entry(c, eptr)
            eptr = lp_next(lp, eptr)
            emitted += 2
        set_deferred_array(c, at, emitted)
        return 0
    scan_batch_init(&batch)
    cursor = scan_dict(_zs(o).dict, cursor, <long long>(<unsigned long long>opts.count * 2),
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


# ---- DEBUG DIGEST ---------------------------------------------------------------------------------

def _mix(digest, data):
    """Redis's mixDigest: digest = SHA1(digest XOR SHA1(data))."""
    import hashlib
    h = hashlib.sha1(data).digest()
    return hashlib.sha1(bytes(a ^ b for a, b in zip(digest, h))).digest()


def py_digest_parts(Server srv, int dbid, bytes key):
    """xorObjectDigest's parts for a sorted set: per member, the 20 bytes
    mix(mix(zero, member), "%.17g" of the score), xor'ed into the digest."""
    cdef pe_entry* e = dict_find(srv.dbs[dbid].keys, key, len(key))
    cdef robj* o
    cdef zcursor cur
    cdef const char* m
    cdef size_t n
    cdef char buf[MAX_D2STRING_CHARS]
    cdef int blen
    cdef list parts = []
    if e == NULL:
        return parts
    o = <robj*>e.v.ptr
    zcur_at_rank(&cur, o, 0, False)
    while zcur_valid(&cur):
        m = zcur_member(&cur, &n)
        blen = d2string(buf, sizeof(buf), zcur_score(&cur))
        parts.append(("xor", _mix(_mix(bytes(20), m[:n]), buf[:blen])))
        zcur_next(&cur, False)
    return parts


def py_zset_listpack(Server srv, int dbid, bytes key):
    """The raw listpack bytes of a listpack-encoded sorted set (what RDB and
    DUMP store), or None. Test-only: compared with Redis's DUMP payloads."""
    cdef pe_entry* e = dict_find(srv.dbs[dbid].keys, key, len(key))
    cdef robj* o
    if e == NULL:
        return None
    o = <robj*>e.v.ptr
    if o.type != OBJ_ZSET or o.encoding != ENC_LISTPACK:
        return None
    return PyBytes_FromStringAndSize(<const char*>o.u.ptr, lp_bytes(_lp(o)))


def _register_digest():
    from pyengine import db
    db.DIGEST_PARTS["zset"] = py_digest_parts


_register_digest()


PROCS = {
    "zadd_command": proc_capsule(zadd_command),
    "zincrby_command": proc_capsule(zincrby_command),
    "zrem_command": proc_capsule(zrem_command),
    "zcard_command": proc_capsule(zcard_command),
    "zscore_command": proc_capsule(zscore_command),
    "zmscore_command": proc_capsule(zmscore_command),
    "zrank_command": proc_capsule(zrank_command),
    "zrevrank_command": proc_capsule(zrevrank_command),
    "zcount_command": proc_capsule(zcount_command),
    "zlexcount_command": proc_capsule(zlexcount_command),
    "zremrangebyrank_command": proc_capsule(zremrangebyrank_command),
    "zremrangebyscore_command": proc_capsule(zremrangebyscore_command),
    "zremrangebylex_command": proc_capsule(zremrangebylex_command),
    "zrange_command": proc_capsule(zrange_command),
    "zrangestore_command": proc_capsule(zrangestore_command),
    "zrevrange_command": proc_capsule(zrevrange_command),
    "zrangebyscore_command": proc_capsule(zrangebyscore_command),
    "zrevrangebyscore_command": proc_capsule(zrevrangebyscore_command),
    "zrangebylex_command": proc_capsule(zrangebylex_command),
    "zrevrangebylex_command": proc_capsule(zrevrangebylex_command),
    "zpopmin_command": proc_capsule(zpopmin_command),
    "zpopmax_command": proc_capsule(zpopmax_command),
    "zmpop_command": proc_capsule(zmpop_command),
    "zunionstore_command": proc_capsule(zunionstore_command),
    "zinterstore_command": proc_capsule(zinterstore_command),
    "zdiffstore_command": proc_capsule(zdiffstore_command),
    "zunion_command": proc_capsule(zunion_command),
    "zinter_command": proc_capsule(zinter_command),
    "zintercard_command": proc_capsule(zintercard_command),
    "zdiff_command": proc_capsule(zdiff_command),
    "zrandmember_command": proc_capsule(zrandmember_command),
    "zscan_command": proc_capsule(zscan_command),
    "bzpopmin_command": proc_capsule(bzpopmin_command),
    "bzpopmax_command": proc_capsule(bzpopmax_command),
    "bzmpop_command": proc_capsule(bzmpop_command),
}
