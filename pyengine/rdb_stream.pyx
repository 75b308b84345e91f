"""Streams in RDB files and DUMP payloads.

Redis 7.0 writes a stream as RDB_TYPE_STREAM_LISTPACKS_2 (19)::

    <len nodes>
    (<str 16-byte master ID> <str listpack node>)*     in ID order
    <len length>
    <len last_id.ms> <len last_id.seq>
    <len first_id.ms> <len first_id.seq>
    <len max_deleted_entry_id.ms> <len max_deleted_entry_id.seq>
    <len entries_added>
    <len groups>
    per group, in name order:
        <str name> <len last_id.ms> <len last_id.seq>
        <len entries_read>                   -1 is written as 2**64 - 1
        <len pel> (<16 raw bytes ID> <int64 LE delivery ms> <len count>)*
        <len consumers>
        per consumer, in name order:
            <str name> <int64 LE seen-time ms>
            <len pel> (<16 raw bytes ID>)*   the NACK lives in the group PEL

The nodes are the engine's listpacks byte for byte (engine/stream keeps
Redis's node layout), so a DUMP is byte-identical to Redis's. The older
RDB_TYPE_STREAM_LISTPACKS (15, Redis 5-6) stops after last_id and has no
entries_read per group; loading it derives first_id from the nodes,
entries_added from the length, and each group's entries_read by the
engine's distance estimate, as Redis 7.0 does.

Validation (always, whatever sanitize-dump-payload says): a stream value
is refused unless every node passes the listpack check and a walk of its
entries (master entry, flags, ID deltas, field counts, the lp-count back
pointer, nothing after the last entry -- what Redis checks only when
sanitizing), the live and deleted counts in each master entry match the
entries' flags, the node counts add up to the stream's length, names are
unique, every consumer PEL ID is in its group's PEL, and every group PEL
entry ends up owned by exactly one consumer. Redis loads some of these
inconsistencies when not sanitizing and can crash later (a NACK shared by
two consumers is freed under one of them); here they are ``Bad data
format`` or a load error, never a half-built stream.

Costs: saving walks the node rax and the group raxes once and copies no
node; loading copies each node once (out of the input mapping) and inserts
it in the rax, O(total bytes).
"""

from libc.stdint cimport uint64_t, int64_t
from libc.string cimport memcpy

from engine._mem cimport mem_alloc, mem_free
from engine.object cimport robj
from engine.rdb cimport (rdb_writer, rdb_reader, rdbw_len, rdbw_string, rdbw_write, rdbw_millis,
                         rdbr_len, rdbr_take, rdbr_millis, rdbr_string, rdbr_blob, rdbr_fail,
                         RDBR_CORRUPT, RDB_TYPE_STREAM_LISTPACKS_2)
from engine.rax cimport (rax_t, rax_iter, uchar, rax_iter_start, rax_seek, rax_next,
                         rax_iter_stop, rax_try_insert, rax_find, rax_size, RAX_SEEK_FIRST)
from engine.listpack cimport lp_validate, lp_first, lp_next, lp_get, lp_free, lp_bytes
from engine.stream cimport (stream_t, stream_cg, stream_consumer, stream_nack, streamid,
                            stream_new, stream_free, stream_create_cg, stream_create_consumer,
                            stream_get_edge_id, stream_estimate_distance, STREAM_ID_LEN,
                            STREAM_ITEM_FLAG_DELETED, STREAM_ITEM_FLAG_SAMEFIELDS)
from engine.util cimport string2ll
from pyengine.core cimport Server
from pyengine.t_stream cimport stream_object


# ---- saving -----------------------------------------------------------------------------

cdef int _save_pel(rdb_writer* w, rax_t* pel, bint nacks) noexcept nogil:
    """<len n> then each raw 16-byte ID (with ``nacks``, its delivery time
    and count too)."""
    cdef rax_iter ri
    cdef stream_nack* nack
    rdbw_len(w, rax_size(pel))
    rax_iter_start(&ri, pel)
    rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
    while rax_next(&ri):
        rdbw_write(w, ri.key, STREAM_ID_LEN)
        if nacks:
            nack = <stream_nack*>ri.data
            rdbw_millis(w, nack.delivery_time)
            rdbw_len(w, nack.delivery_count)
    rax_iter_stop(&ri)
    return -1 if w.err else 0


cdef int _save_consumers(rdb_writer* w, stream_cg* cg) noexcept nogil:
    cdef rax_iter ri
    cdef stream_consumer* consumer
    rdbw_len(w, rax_size(cg.consumers))
    rax_iter_start(&ri, cg.consumers)
    rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
    while rax_next(&ri) and not w.err:
        consumer = <stream_consumer*>ri.data
        rdbw_string(w, <const char*>ri.key, ri.key_len)
        rdbw_millis(w, consumer.seen_time)
        _save_pel(w, consumer.pel, False)
    rax_iter_stop(&ri)
    return -1 if w.err else 0


cdef int rdb_save_stream(rdb_writer* w, stream_t* s) noexcept nogil:
    """The RDB_TYPE_STREAM_LISTPACKS_2 body of ``s`` (layout at the top).
    0, or -1 with w.err set."""
    cdef rax_iter ri
    cdef stream_cg* cg
    rdbw_len(w, rax_size(s.rax))
    rax_iter_start(&ri, s.rax)
    rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
    while rax_next(&ri) and not w.err:
        rdbw_string(w, <const char*>ri.key, ri.key_len)
        rdbw_string(w, <const char*>ri.data, lp_bytes(<uchar*>ri.data))
    rax_iter_stop(&ri)
    rdbw_len(w, s.length)
    rdbw_len(w, s.last_id.ms)
    rdbw_len(w, s.last_id.seq)
    rdbw_len(w, s.first_id.ms)
    rdbw_len(w, s.first_id.seq)
    rdbw_len(w, s.max_deleted_entry_id.ms)
    rdbw_len(w, s.max_deleted_entry_id.seq)
    rdbw_len(w, s.entries_added)
    if s.cgroups == NULL:
        rdbw_len(w, 0)
        return -1 if w.err else 0
    rdbw_len(w, rax_size(s.cgroups))
    rax_iter_start(&ri, s.cgroups)
    rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
    while rax_next(&ri) and not w.err:
        cg = <stream_cg*>ri.data
        rdbw_string(w, <const char*>ri.key, ri.key_len)
        rdbw_len(w, cg.last_id.ms)
        rdbw_len(w, cg.last_id.seq)
        rdbw_len(w, <uint64_t>cg.entries_read)
        _save_pel(w, cg.pel, True)
        _save_consumers(w, cg)
    rax_iter_stop(&ri)
    return -1 if w.err else 0


# ---- node validation --------------------------------------------------------------------

cdef inline bint _lp_int(uchar* p, int64_t* v) noexcept nogil:
    """An element that is an integer (integer-encoded, or a string that
    is a canonical integer, as Redis's lpGetIntegerIfValid accepts)."""
    cdef size_t n
    cdef long long ll
    cdef const char* s
    if p == NULL:
        return False
    s = lp_get(p, &n, &ll)
    if s != NULL and not string2ll(s, n, &ll):
        return False
    v[0] = ll
    return True


cdef bint _node_valid(uchar* lp, uint64_t* live) noexcept nogil:
    """A (listpack-validated, non-empty) stream node, checked entry by entry
    (layout at the top of engine/stream.pyx): the master entry, every
    entry's shape, the live and deleted counts matching the flags, nothing
    after the last entry. *live gets the node's live entry count."""
    cdef uchar* p
    cdef int64_t count, deleted, master_fields, zero, flags, fields, lp_count, j, v
    cdef int64_t seen_live = 0, seen_deleted = 0
    p = lp_first(lp)
    if not _lp_int(p, &count) or count < 0:
        return False
    p = lp_next(lp, p)
    if not _lp_int(p, &deleted) or deleted < 0:
        return False
    p = lp_next(lp, p)
    if not _lp_int(p, &master_fields) or master_fields < 0:
        return False
    j = 0
    while j < master_fields:
        p = lp_next(lp, p)
        if p == NULL:
            return False
        j += 1
    p = lp_next(lp, p)
    if not _lp_int(p, &zero) or zero != 0:
        return False
    p = lp_next(lp, p)
    while p != NULL:
        if not _lp_int(p, &flags):
            return False
        p = lp_next(lp, p)
        if not _lp_int(p, &v):                 # ms delta
            return False
        p = lp_next(lp, p)
        if not _lp_int(p, &v):                 # seq delta
            return False
        p = lp_next(lp, p)
        fields = master_fields
        lp_count = 3
        if not (flags & STREAM_ITEM_FLAG_SAMEFIELDS):
            if not _lp_int(p, &fields) or fields < 0:
                return False
            p = lp_next(lp, p)
            lp_count += fields + 1
        j = 0
        while j < fields * (1 if flags & STREAM_ITEM_FLAG_SAMEFIELDS else 2):
            if p == NULL:
                return False
            p = lp_next(lp, p)
            j += 1
        if not _lp_int(p, &v) or v != fields + lp_count:
            return False
        p = lp_next(lp, p)
        if flags & STREAM_ITEM_FLAG_DELETED:
            seen_deleted += 1
        else:
            seen_live += 1
    if seen_live != count or seen_deleted != deleted:
        return False
    live[0] = <uint64_t>count
    return True


# ---- loading ----------------------------------------------------------------------------

cdef inline bint _fail(rdb_reader* r, size_t start, const char* why) noexcept nogil:
    r.pos = start
    return rdbr_fail(r, RDBR_CORRUPT, why)


cdef bint _load_nodes(Server srv, rdb_reader* r, stream_t* s, bint deep,
                      uint64_t* live_total) noexcept:
    cdef uint64_t nodes, live
    cdef size_t start, kl, n
    cdef const char* key
    cdef uchar rawkey[STREAM_ID_LEN]
    cdef uchar* lp
    if not rdbr_len(r, &nodes):
        return False
    while nodes:
        nodes -= 1
        start = r.pos
        key = rdbr_string(r, 0, &kl, NULL, NULL)
        if key == NULL:
            return False
        if kl != STREAM_ID_LEN:
            return _fail(r, start, b"Stream node key entry is not the size of a stream ID")
        memcpy(rawkey, key, STREAM_ID_LEN)
        start = r.pos
        lp = rdbr_blob(r, &n)
        if lp == NULL:
            return False
        if deep:
            srv.stat_dump_payload_sanitizations += 1
        if not lp_validate(lp, n, True):
            lp_free(lp)
            return _fail(r, start, b"Stream listpack integrity check failed.")
        if lp_first(lp) == NULL:
            lp_free(lp)
            return _fail(r, start, b"Empty listpack inside stream")
        if not _node_valid(lp, &live):
            lp_free(lp)
            return _fail(r, start, b"Stream listpack integrity check failed.")
        if rax_try_insert(s.rax, rawkey, STREAM_ID_LEN, lp, NULL) != 1:
            lp_free(lp)
            return _fail(r, start, b"Listpack re-added with existing key")
        live_total[0] += live
    return True


cdef bint _load_groups(rdb_reader* r, stream_t* s, int rdbtype) noexcept:
    """The consumer groups, their PELs and consumers (layout at the top)."""
    cdef uint64_t ngroups, npel, nconsumers, v1, v2, entries_read
    cdef size_t start, nl
    cdef const char* name
    cdef const uchar* rawid
    cdef streamid cg_id
    cdef stream_cg* cg
    cdef stream_consumer* consumer
    cdef stream_nack* nack
    cdef void* found
    cdef int64_t ms
    cdef rax_iter ri
    cdef bint orphan
    if not rdbr_len(r, &ngroups):
        return False
    while ngroups:
        ngroups -= 1
        start = r.pos
        name = rdbr_string(r, 0, &nl, NULL, NULL)
        if name == NULL or not rdbr_len(r, &v1) or not rdbr_len(r, &v2):
            return False
        cg_id.ms = v1
        cg_id.seq = v2
        if rdbtype == RDB_TYPE_STREAM_LISTPACKS_2:
            if not rdbr_len(r, &entries_read):
                return False
        else:
            entries_read = <uint64_t>stream_estimate_distance(s, &cg_id)
        cg = stream_create_cg(s, name, nl, &cg_id, <long long>entries_read)
        if cg == NULL:
            return _fail(r, start, b"Duplicated consumer group name")
        # the group PEL: NACKs without an owner until the consumers are read
        if not rdbr_len(r, &npel):
            return False
        while npel:
            npel -= 1
            start = r.pos
            rawid = rdbr_take(r, STREAM_ID_LEN)
            if rawid == NULL or not rdbr_millis(r, &ms) or not rdbr_len(r, &v1):
                return False
            nack = <stream_nack*>mem_alloc(sizeof(stream_nack))
            nack.delivery_time = ms
            nack.delivery_count = v1
            nack.consumer = NULL
            if rax_try_insert(cg.pel, rawid, STREAM_ID_LEN, nack, NULL) != 1:
                mem_free(nack)
                return _fail(r, start,
                             b"Duplicated global PEL entry loading stream consumer group")
        if not rdbr_len(r, &nconsumers):
            return False
        while nconsumers:
            nconsumers -= 1
            start = r.pos
            name = rdbr_string(r, 0, &nl, NULL, NULL)
            if name == NULL:
                return False
            consumer = stream_create_consumer(cg, name, nl, 0)
            if consumer == NULL:
                return _fail(r, start, b"Duplicate stream consumer detected.")
            if not rdbr_millis(r, &ms):
                return False
            consumer.seen_time = ms
            if not rdbr_len(r, &npel):
                return False
            while npel:
                npel -= 1
                start = r.pos
                rawid = rdbr_take(r, STREAM_ID_LEN)
                if rawid == NULL:
                    return False
                if not rax_find(cg.pel, rawid, STREAM_ID_LEN, &found):
                    return _fail(r, start, b"Consumer entry not found in group global PEL")
                nack = <stream_nack*>found
                if nack.consumer != NULL:
                    # also in another consumer's PEL (or twice in this one)
                    return _fail(r, start, b"Duplicated consumer PEL entry loading a stream "
                                           b"consumer group")
                nack.consumer = consumer
                rax_try_insert(consumer.pel, rawid, STREAM_ID_LEN, nack, NULL)
        # every pending entry must have an owner (Redis checks when sanitizing)
        orphan = False
        rax_iter_start(&ri, cg.pel)
        rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
        while rax_next(&ri):
            if (<stream_nack*>ri.data).consumer == NULL:
                orphan = True
                break
        rax_iter_stop(&ri)
        if orphan:
            return _fail(r, r.pos, b"Stream CG PEL entry without consumer")
    return True


cdef robj* rdb_load_stream(Server srv, rdb_reader* r, int rdbtype, bint deep) noexcept:
    """A stream value of RDB_TYPE_STREAM_LISTPACKS(_2), or NULL with r.err
    set. An empty stream (no entries, maybe groups) is a valid value, not an
    empty key."""
    cdef stream_t* s = stream_new()
    cdef uint64_t live = 0
    cdef size_t start
    cdef bint ok = _load_nodes(srv, r, s, deep, &live)
    if ok:
        start = r.pos
        ok = (rdbr_len(r, &s.length) and rdbr_len(r, &s.last_id.ms) and
              rdbr_len(r, &s.last_id.seq))
        if ok and rdbtype == RDB_TYPE_STREAM_LISTPACKS_2:
            ok = (rdbr_len(r, &s.first_id.ms) and rdbr_len(r, &s.first_id.seq) and
                  rdbr_len(r, &s.max_deleted_entry_id.ms) and
                  rdbr_len(r, &s.max_deleted_entry_id.seq) and rdbr_len(r, &s.entries_added))
        elif ok:
            s.entries_added = s.length
            stream_get_edge_id(s, True, True, &s.first_id)
        if ok and s.length and rax_size(s.rax) == 0:
            ok = _fail(r, start, b"Stream length inconsistent with rax entries")
        elif ok and s.length != live:
            ok = _fail(r, start, b"Stream length inconsistent with its nodes' entries")
    if ok:
        ok = _load_groups(r, s, rdbtype)
    if not ok or r.err:
        stream_free(s)
        return NULL
    return stream_object(s)
