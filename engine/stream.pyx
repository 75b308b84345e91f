"""Streams: an append-only log of entries with 128-bit IDs, read by ranges
and by consumer groups.

Entries live in listpack *nodes* indexed by a radix tree (engine/rax) whose
keys are the node's *master ID* written as 16 big-endian bytes, so the
tree's byte order is the IDs' numeric order. The node layout is Redis's, byte
for byte (RDB stores the nodes as they are):

    master entry:
    +-------+---------+------------+---------+-----+---------+---+
    | count | deleted | num-fields | field_1 | ... | field_N | 0 |
    +-------+---------+------------+---------+-----+---------+---+

    then each entry:
    +-------+---------+----------+------------+---------+---------+-----+----------+
    | flags | ms-diff | seq-diff | num-fields | field_1 | value_1 | ... | lp-count |
    +-------+---------+----------+------------+---------+---------+-----+----------+

``count`` and ``deleted`` are the node's live and deleted (tombstone)
entries. The master entry's fields are the first entry's field names; an
entry whose field names are the same has ``flags & SAMEFIELDS`` and stores
only its values (num-fields and the names are omitted). The ID is stored as
the difference from the master ID (the node's rax key), so it takes two or
three bytes instead of sixteen; ``lp-count`` is how many listpack elements
the entry spans after its flags, so the node can be walked backwards.

A node takes new entries until it reaches ``stream-node-max-bytes`` or
``stream-node-max-entries`` (live + deleted); the next entry starts a new
node with its own master entry. XDEL only flags an entry deleted (and frees
the node when its last live entry goes); MAXLEN/MINID trimming frees whole
nodes from the head and flags entries inside the first remaining one, or
with ``~`` stops at the first node it cannot free whole. Which entries an
approximate trim removes therefore depends on where node boundaries fall;
they fall where Redis puts them, so the same commands leave the same
entries.

Consumer groups (``cgroups``: name -> stream_cg) keep the last ID delivered
to the group, a logical read counter, the group's pending entries list (PEL:
ID -> stream_nack) and the consumers (name -> stream_consumer). Each
consumer has its own PEL whose values are the *same* stream_nack objects as
the group's: a NACK is owned by the group PEL, referenced by exactly one
consumer PEL (its ``consumer``), and freed when acknowledged, claimed away
from a deleted entry, or with its group.

Ownership: the stream owns its nodes, groups, consumers and NACKs; freeing
the stream frees all of them. Functions never read the clock: callers pass
``now_ms``.

Costs: append O(1) amortised (plus O(node bytes) when the node moves in
memory); a range read O(log N + entries returned); XDEL of one entry
O(log N + node size); trimming O(nodes freed + one node).
"""

from libc.string cimport memcpy, memcmp, strchr, strlen
from libc.stdint cimport uint64_t, int64_t, UINT64_MAX
from libc.stdlib cimport strtoull

from engine._mem cimport mem_alloc, mem_free, mem_usable
from engine.rax cimport (rax_t, rax_iter, rax_new, rax_free, rax_insert, rax_try_insert,
                         rax_remove, rax_find, rax_mem_usage, rax_iter_start, rax_seek, rax_next,
                         rax_prev, rax_iter_stop, rax_iter_set_data, rax_eof, rax_size,
                         RAX_SEEK_FIRST, RAX_SEEK_LAST, RAX_SEEK_LE, RAX_SEEK_GE)
from engine.listpack cimport (lp_new, lp_free, lp_dup, lp_bytes, lp_first, lp_next, lp_prev,
                              lp_last, lp_get, lp_get_str, lp_append, lp_append_int,
                              lp_insert_int, LP_REPLACE)
from engine.util cimport string2ll, ull2string, pe_errno_clear, pe_errno_get

from libc.errno cimport EINVAL, ERANGE


# ---- IDs ----------------------------------------------------------------------------

cdef bint streamid_incr(streamid* id) noexcept nogil:
    """The next ID; at the greatest ID it wraps to 0-0 and returns False."""
    if id.seq == UINT64_MAX:
        if id.ms == UINT64_MAX:
            id.ms = 0
            id.seq = 0
            return False
        id.ms += 1
        id.seq = 0
    else:
        id.seq += 1
    return True


cdef bint streamid_decr(streamid* id) noexcept nogil:
    """The previous ID; at 0-0 it wraps to the greatest and returns False."""
    if id.seq == 0:
        if id.ms == 0:
            id.ms = UINT64_MAX
            id.seq = UINT64_MAX
            return False
        id.ms -= 1
        id.seq = UINT64_MAX
    else:
        id.seq -= 1
    return True


cdef void streamid_encode(uchar* buf, const streamid* id) noexcept nogil:
    """The ID as 16 big-endian bytes (a rax key)."""
    cdef int i
    for i in range(8):
        buf[i] = <uchar>(id.ms >> (56 - 8 * i))
        buf[8 + i] = <uchar>(id.seq >> (56 - 8 * i))


cdef void streamid_decode(const uchar* buf, streamid* id) noexcept nogil:
    cdef int i
    id.ms = 0
    id.seq = 0
    for i in range(8):
        id.ms = (id.ms << 8) | buf[i]
        id.seq = (id.seq << 8) | buf[8 + i]


cdef int streamid_format(char* buf, const streamid* id) noexcept nogil:
    """Write "<ms>-<seq>" (no NUL); returns its length (<= 41)."""
    cdef int n = ull2string(buf, id.ms)
    buf[n] = c'-'
    return n + 1 + ull2string(buf + n + 1, id.seq)


cdef bint _parse_u64(const char* s, unsigned long long* out) noexcept nogil:
    """One part of an ID, read as Redis's string2ull reads it: a strict
    decimal, else whatever strtoull accepts in full (leading blanks and '+'
    included, but not an empty string, nor a value out of range)."""
    cdef size_t n = strlen(s)
    cdef long long ll
    cdef char* end = NULL
    if string2ll(s, n, &ll):
        if ll < 0:
            return False
        out[0] = <unsigned long long>ll
        return True
    pe_errno_clear()
    out[0] = strtoull(s, &end, 10)
    if pe_errno_get() == EINVAL or pe_errno_get() == ERANGE:
        return False
    return s[0] != 0 and end[0] == 0


cdef bint streamid_parse(const char* s, size_t len, streamid* id, uint64_t missing_seq,
                         bint strict, int* seq_given) noexcept nogil:
    """Parse "<ms>-<seq>", "<ms>" (seq = missing_seq), "-" and "+" (not
    when ``strict``) and, when ``seq_given`` is not NULL, "<ms>-*" (then
    *seq_given is 0). The argument is read as a C string, as Redis does: it
    ends at a NUL byte. Returns False for an invalid ID."""
    cdef char buf[128]
    cdef char* dot
    cdef unsigned long long ms, seq
    if len > sizeof(buf) - 1:
        return False
    memcpy(buf, s, len)
    buf[len] = 0
    if strict and (buf[0] == c'-' or buf[0] == c'+') and buf[1] == 0:
        return False
    if seq_given != NULL:
        seq_given[0] = 1
    if buf[0] == c'-' and buf[1] == 0:
        id.ms = 0
        id.seq = 0
        return True
    if buf[0] == c'+' and buf[1] == 0:
        id.ms = UINT64_MAX
        id.seq = UINT64_MAX
        return True
    dot = strchr(buf, c'-')
    if dot != NULL:
        dot[0] = 0
    if not _parse_u64(buf, &ms):
        return False
    if dot != NULL:
        if seq_given != NULL and dot[1] == c'*' and dot[2] == 0:
            seq = 0
            seq_given[0] = 0
        elif not _parse_u64(dot + 1, &seq):
            return False
    else:
        seq = missing_seq
    id.ms = ms
    id.seq = seq
    return True


# ---- node helpers ----------------------------------------------------------------------

cdef inline int64_t _lp_int(uchar* p) noexcept nogil:
    """An integer element of a node (always integer-encoded in nodes we
    wrote; a string form is parsed for safety)."""
    cdef size_t n
    cdef long long v = 0
    cdef const char* s = lp_get(p, &n, &v)
    if s != NULL:
        string2ll(s, n, &v)
    return v


cdef inline uchar* _lp_set_int(uchar* lp, uchar** p, int64_t v) noexcept nogil:
    """Replace the element at *p with v; *p follows it. May move lp."""
    return lp_insert_int(lp, v, p[0], LP_REPLACE, p)


cdef bint _lp_edge_id(uchar* lp, bint first, streamid* master_id, streamid* edge_id) noexcept nogil:
    """The first or last entry's ID in a node, tombstones included."""
    cdef uchar* p
    cdef int64_t i, master_fields, lp_count
    if first:
        p = lp_next(lp, lp_next(lp, lp_first(lp)))      # master num-fields
        master_fields = _lp_int(p)
        p = lp_next(lp, p)
        for i in range(master_fields):
            p = lp_next(lp, p)
        p = lp_next(lp, p)                              # past the 0 terminator
        if p == NULL:
            return False
    else:
        p = lp_last(lp)
        lp_count = _lp_int(p)
        if lp_count == 0:
            return False
        while lp_count > 0:
            p = lp_prev(lp, p)
            lp_count -= 1
    p = lp_next(lp, p)                                  # past flags: the ID
    edge_id.ms = master_id.ms + <uint64_t>_lp_int(p)
    p = lp_next(lp, p)
    edge_id.seq = master_id.seq + <uint64_t>_lp_int(p)
    return True


cdef void _free_lp_cb(void* p) noexcept nogil:
    lp_free(<uchar*>p)


cdef void _free_nack_cb(void* p) noexcept nogil:
    mem_free(p)


cdef void _free_consumer(stream_consumer* c) noexcept nogil:
    rax_free(c.pel, NULL)           # the NACKs belong to the group's PEL
    mem_free(c)


cdef void _free_consumer_cb(void* p) noexcept nogil:
    _free_consumer(<stream_consumer*>p)


cdef void _free_cg(stream_cg* cg) noexcept nogil:
    rax_free(cg.pel, _free_nack_cb)
    rax_free(cg.consumers, _free_consumer_cb)
    mem_free(cg)


cdef void _free_cg_cb(void* p) noexcept nogil:
    _free_cg(<stream_cg*>p)


# ---- lifecycle ------------------------------------------------------------------------------

cdef stream_t* stream_new() noexcept nogil:
    cdef stream_t* s = <stream_t*>mem_alloc(sizeof(stream_t))
    s.rax = rax_new()
    s.length = 0
    s.last_id.ms = s.last_id.seq = 0
    s.first_id.ms = s.first_id.seq = 0
    s.max_deleted_entry_id.ms = s.max_deleted_entry_id.seq = 0
    s.entries_added = 0
    s.cgroups = NULL
    return s


cdef void stream_free(stream_t* s) noexcept nogil:
    """Free the stream with its nodes, groups, consumers and NACKs."""
    rax_free(s.rax, _free_lp_cb)
    if s.cgroups != NULL:
        rax_free(s.cgroups, _free_cg_cb)
    mem_free(s)


cdef stream_t* stream_dup(stream_t* s) noexcept nogil:
    """A deep copy (COPY): nodes, counters, groups, PELs and consumers."""
    cdef stream_t* d = stream_new()
    cdef rax_iter ri, rp, rc, rcp
    cdef stream_cg* cg
    cdef stream_cg* ncg
    cdef stream_nack* nack
    cdef stream_nack* nnack
    cdef stream_consumer* con
    cdef stream_consumer* ncon
    cdef void* found
    rax_iter_start(&ri, s.rax)
    rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
    while rax_next(&ri):
        rax_insert(d.rax, ri.key, ri.key_len, lp_dup(<uchar*>ri.data), NULL)
    rax_iter_stop(&ri)
    d.length = s.length
    d.first_id = s.first_id
    d.last_id = s.last_id
    d.max_deleted_entry_id = s.max_deleted_entry_id
    d.entries_added = s.entries_added
    if s.cgroups == NULL:
        return d
    rax_iter_start(&ri, s.cgroups)
    rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
    while rax_next(&ri):
        cg = <stream_cg*>ri.data
        ncg = stream_create_cg(d, <const char*>ri.key, ri.key_len, &cg.last_id, cg.entries_read)
        rax_iter_start(&rp, cg.pel)
        rax_seek(&rp, RAX_SEEK_FIRST, NULL, 0)
        while rax_next(&rp):
            nack = <stream_nack*>rp.data
            nnack = stream_create_nack(NULL, nack.delivery_time)
            nnack.delivery_count = nack.delivery_count
            rax_insert(ncg.pel, rp.key, rp.key_len, nnack, NULL)
        rax_iter_stop(&rp)
        rax_iter_start(&rc, cg.consumers)
        rax_seek(&rc, RAX_SEEK_FIRST, NULL, 0)
        while rax_next(&rc):
            con = <stream_consumer*>rc.data
            ncon = stream_create_consumer(ncg, con.name, con.namelen, con.seen_time)
            rax_iter_start(&rcp, con.pel)
            rax_seek(&rcp, RAX_SEEK_FIRST, NULL, 0)
            while rax_next(&rcp):
                if rax_find(ncg.pel, rcp.key, rcp.key_len, &found):
                    (<stream_nack*>found).consumer = ncon
                    rax_insert(ncon.pel, rcp.key, rcp.key_len, found, NULL)
            rax_iter_stop(&rcp)
        rax_iter_stop(&rc)
    rax_iter_stop(&ri)
    return d


cdef size_t stream_mem_usage(stream_t* s) noexcept nogil:
    """Bytes owned by the stream (MEMORY USAGE): a full walk."""
    cdef size_t total = mem_usable(s) + rax_mem_usage(s.rax)
    cdef rax_iter ri, rj
    cdef stream_cg* cg
    rax_iter_start(&ri, s.rax)
    rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
    while rax_next(&ri):
        total += mem_usable(ri.data)
    rax_iter_stop(&ri)
    if s.cgroups == NULL:
        return total
    total += rax_mem_usage(s.cgroups)
    rax_iter_start(&ri, s.cgroups)
    rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
    while rax_next(&ri):
        cg = <stream_cg*>ri.data
        total += mem_usable(cg) + rax_mem_usage(cg.pel) + rax_mem_usage(cg.consumers)
        rax_iter_start(&rj, cg.pel)
        rax_seek(&rj, RAX_SEEK_FIRST, NULL, 0)
        while rax_next(&rj):
            total += mem_usable(rj.data)
        rax_iter_stop(&rj)
        rax_iter_start(&rj, cg.consumers)
        rax_seek(&rj, RAX_SEEK_FIRST, NULL, 0)
        while rax_next(&rj):
            total += mem_usable(rj.data) + rax_mem_usage((<stream_consumer*>rj.data).pel)
        rax_iter_stop(&rj)
    rax_iter_stop(&ri)
    return total


# ---- append -------------------------------------------------------------------------------

cdef int stream_append(stream_t* s, const char** argv, size_t* argvlen, long long numfields,
                       streamid* added_id, streamid* use_id, bint seq_given, long long now_ms,
                       long long node_max_bytes, long long node_max_entries) noexcept nogil:
    """Append an entry of ``numfields`` field/value pairs (argv[2i],
    argv[2i+1]). Its ID is generated from ``now_ms`` (use_id NULL), or is
    *use_id, or *use_id's ms with the next free sequence (not seq_given).
    Returns STREAM_ADD_OK (ID in *added_id), STREAM_ADD_ID_TOO_SMALL or
    STREAM_ADD_TOO_LARGE; on failure nothing changed."""
    cdef streamid id, master_id
    cdef uchar rax_key[STREAM_ID_LEN]
    cdef rax_iter ri
    cdef uchar* lp = NULL
    cdef uchar* lp_ele
    cdef size_t totelelen = 0, lpsize = 0, max_bytes, flen
    cdef long long i
    cdef int64_t count, master_fields, lp_count
    cdef int flags = STREAM_ITEM_FLAG_NONE
    cdef bint new_node
    cdef char intbuf[LP_INTBUF_SIZE]
    cdef const char* f
    if use_id != NULL:
        if seq_given:
            id = use_id[0]
        elif s.last_id.ms == use_id.ms:
            if s.last_id.seq == UINT64_MAX:
                return STREAM_ADD_TOO_LARGE    # what Redis 7.0 answers here
            id = s.last_id
            id.seq += 1
        else:
            id = use_id[0]
    elif <uint64_t>now_ms > s.last_id.ms:
        id.ms = <uint64_t>now_ms
        id.seq = 0
    else:
        id = s.last_id
        streamid_incr(&id)
    if streamid_cmp(&id, &s.last_id) <= 0:
        return STREAM_ADD_ID_TOO_SMALL
    for i in range(numfields * 2):
        totelelen += argvlen[i]
    if totelelen > STREAM_LISTPACK_MAX_SIZE:
        return STREAM_ADD_TOO_LARGE

    rax_iter_start(&ri, s.rax)
    rax_seek(&ri, RAX_SEEK_LAST, NULL, 0)
    if rax_next(&ri):
        lp = <uchar*>ri.data
        lpsize = lp_bytes(lp)
    if lp != NULL:
        max_bytes = <size_t>node_max_bytes
        if node_max_bytes <= 0 or max_bytes > STREAM_LISTPACK_MAX_SIZE:
            max_bytes = STREAM_LISTPACK_MAX_SIZE
        new_node = False
        if lpsize + totelelen >= max_bytes:
            new_node = True
        elif node_max_entries:
            lp_ele = lp_first(lp)
            count = _lp_int(lp_ele) + _lp_int(lp_next(lp, lp_ele))
            if count >= node_max_entries:
                new_node = True
        if new_node:
            lp = NULL

    if lp == NULL:
        master_id = id
        streamid_encode(rax_key, &id)
        lp = lp_new(0)
        lp = lp_append_int(lp, 1)
        lp = lp_append_int(lp, 0)
        lp = lp_append_int(lp, numfields)
        for i in range(numfields):
            lp = lp_append(lp, argv[i * 2], argvlen[i * 2])
        lp = lp_append_int(lp, 0)
        flags |= STREAM_ITEM_FLAG_SAMEFIELDS
        new_node = True
    else:
        new_node = False
        memcpy(rax_key, ri.key, STREAM_ID_LEN)
        streamid_decode(rax_key, &master_id)
        lp_ele = lp_first(lp)
        count = _lp_int(lp_ele)
        lp = _lp_set_int(lp, &lp_ele, count + 1)
        lp_ele = lp_next(lp, lp_ele)               # deleted
        lp_ele = lp_next(lp, lp_ele)               # master num-fields
        master_fields = _lp_int(lp_ele)
        lp_ele = lp_next(lp, lp_ele)
        if numfields == master_fields:
            i = 0
            while i < master_fields:
                f = lp_get_str(lp_ele, intbuf, &flen)
                if flen != argvlen[i * 2] or (flen and memcmp(f, argv[i * 2], flen) != 0):
                    break
                lp_ele = lp_next(lp, lp_ele)
                i += 1
            if i == master_fields:
                flags |= STREAM_ITEM_FLAG_SAMEFIELDS

    lp = lp_append_int(lp, flags)
    lp = lp_append_int(lp, <int64_t>(id.ms - master_id.ms))
    lp = lp_append_int(lp, <int64_t>(id.seq - master_id.seq))
    if not (flags & STREAM_ITEM_FLAG_SAMEFIELDS):
        lp = lp_append_int(lp, numfields)
    for i in range(numfields):
        if not (flags & STREAM_ITEM_FLAG_SAMEFIELDS):
            lp = lp_append(lp, argv[i * 2], argvlen[i * 2])
        lp = lp_append(lp, argv[i * 2 + 1], argvlen[i * 2 + 1])
    lp_count = numfields + 3
    if not (flags & STREAM_ITEM_FLAG_SAMEFIELDS):
        lp_count += numfields + 1
    lp = lp_append_int(lp, lp_count)

    if new_node:
        rax_insert(s.rax, rax_key, STREAM_ID_LEN, lp, NULL)
    else:
        rax_iter_set_data(&ri, lp)                 # the tree did not change
    rax_iter_stop(&ri)
    s.length += 1
    s.entries_added += 1
    s.last_id = id
    if s.length == 1:
        s.first_id = id
    if added_id != NULL:
        added_id[0] = id
    return STREAM_ADD_OK


# ---- iteration ------------------------------------------------------------------------------

cdef void stream_iter_start(stream_iter* si, stream_t* s, streamid* start, streamid* end,
                            bint rev) noexcept nogil:
    """Iterate the entries in [start, end] (NULL: unbounded), forwards or
    backwards, skipping tombstones unless si.skip_tombstones is cleared.
    Between stream_iter_get_id calls every field of the current entry must
    be read (or the iteration stopped); the stream must not change except
    through stream_iter_remove_entry."""
    cdef int i
    if start != NULL:
        streamid_encode(si.start_key, start)
    else:
        for i in range(STREAM_ID_LEN):
            si.start_key[i] = 0
    if end != NULL:
        streamid_encode(si.end_key, end)
    else:
        for i in range(STREAM_ID_LEN):
            si.end_key[i] = 0xFF
    rax_iter_start(&si.ri, s.rax)
    if not rev:
        if start != NULL and (start.ms or start.seq):
            rax_seek(&si.ri, RAX_SEEK_LE, si.start_key, STREAM_ID_LEN)
            if rax_eof(&si.ri):
                rax_seek(&si.ri, RAX_SEEK_FIRST, NULL, 0)
        else:
            rax_seek(&si.ri, RAX_SEEK_FIRST, NULL, 0)
    else:
        if end != NULL and (end.ms or end.seq):
            rax_seek(&si.ri, RAX_SEEK_LE, si.end_key, STREAM_ID_LEN)
            if rax_eof(&si.ri):
                rax_seek(&si.ri, RAX_SEEK_LAST, NULL, 0)
        else:
            rax_seek(&si.ri, RAX_SEEK_LAST, NULL, 0)
    si.s = s
    si.lp = NULL
    si.lp_ele = NULL
    si.rev = rev
    si.skip_tombstones = True


cdef bint stream_iter_get_id(stream_iter* si, streamid* id, long long* numfields) noexcept nogil:
    """The next entry in range: its ID and number of fields. False at the end."""
    cdef int64_t lp_count, flags, to_discard, prev_times, i
    cdef uchar buf[STREAM_ID_LEN]
    while True:
        if si.lp == NULL or si.lp_ele == NULL:
            if not si.rev:
                if not rax_next(&si.ri):
                    return False
            elif not rax_prev(&si.ri):
                return False
            streamid_decode(si.ri.key, &si.master_id)
            si.lp = <uchar*>si.ri.data
            si.lp_ele = lp_first(si.lp)                     # count
            si.lp_ele = lp_next(si.lp, si.lp_ele)           # deleted
            si.lp_ele = lp_next(si.lp, si.lp_ele)           # num-fields
            si.master_fields_count = <uint64_t>_lp_int(si.lp_ele)
            si.lp_ele = lp_next(si.lp, si.lp_ele)
            si.master_fields_start = si.lp_ele
            if not si.rev:
                for i in range(<int64_t>si.master_fields_count):
                    si.lp_ele = lp_next(si.lp, si.lp_ele)
            else:
                si.lp_ele = lp_last(si.lp)
        elif si.rev:
            # Back from the current entry's lp-count to the previous one's.
            lp_count = _lp_int(si.lp_ele)
            while lp_count > 0:
                si.lp_ele = lp_prev(si.lp, si.lp_ele)
                lp_count -= 1
            si.lp_ele = lp_prev(si.lp, si.lp_ele)

        while True:
            if not si.rev:
                si.lp_ele = lp_next(si.lp, si.lp_ele)     # past the previous lp-count
                if si.lp_ele == NULL:
                    break
            else:
                lp_count = _lp_int(si.lp_ele)
                if lp_count == 0:                           # the master entry's 0
                    si.lp = NULL
                    si.lp_ele = NULL
                    break
                while lp_count > 0:
                    si.lp_ele = lp_prev(si.lp, si.lp_ele)
                    lp_count -= 1
            si.lp_flags = si.lp_ele
            flags = _lp_int(si.lp_ele)
            si.lp_ele = lp_next(si.lp, si.lp_ele)
            id.ms = si.master_id.ms + <uint64_t>_lp_int(si.lp_ele)
            si.lp_ele = lp_next(si.lp, si.lp_ele)
            id.seq = si.master_id.seq + <uint64_t>_lp_int(si.lp_ele)
            si.lp_ele = lp_next(si.lp, si.lp_ele)
            streamid_encode(buf, id)
            if flags & STREAM_ITEM_FLAG_SAMEFIELDS:
                numfields[0] = <long long>si.master_fields_count
            else:
                numfields[0] = _lp_int(si.lp_ele)
                si.lp_ele = lp_next(si.lp, si.lp_ele)
            if not si.rev:
                if (memcmp(buf, si.start_key, STREAM_ID_LEN) >= 0 and
                        (not si.skip_tombstones or not (flags & STREAM_ITEM_FLAG_DELETED))):
                    if memcmp(buf, si.end_key, STREAM_ID_LEN) > 0:
                        return False
                    si.entry_flags = <int>flags
                    if flags & STREAM_ITEM_FLAG_SAMEFIELDS:
                        si.master_fields_ptr = si.master_fields_start
                    return True
            else:
                if (memcmp(buf, si.end_key, STREAM_ID_LEN) <= 0 and
                        (not si.skip_tombstones or not (flags & STREAM_ITEM_FLAG_DELETED))):
                    if memcmp(buf, si.start_key, STREAM_ID_LEN) < 0:
                        return False
                    si.entry_flags = <int>flags
                    if flags & STREAM_ITEM_FLAG_SAMEFIELDS:
                        si.master_fields_ptr = si.master_fields_start
                    return True
            # Not emitted: skip its fields (forwards) or go back to the
            # previous entry's lp-count (backwards).
            if not si.rev:
                to_discard = numfields[0] if (flags & STREAM_ITEM_FLAG_SAMEFIELDS) else numfields[0] * 2
                for i in range(to_discard):
                    si.lp_ele = lp_next(si.lp, si.lp_ele)
            else:
                prev_times = 4 if (flags & STREAM_ITEM_FLAG_SAMEFIELDS) else 5
                while prev_times > 0:
                    si.lp_ele = lp_prev(si.lp, si.lp_ele)
                    prev_times -= 1


cdef void stream_iter_get_field(stream_iter* si, const char** field, size_t* flen,
                                const char** value, size_t* vlen) noexcept nogil:
    """The next field and value of the current entry (valid until the next
    iterator call; integers are formatted into the iterator's buffers)."""
    if si.entry_flags & STREAM_ITEM_FLAG_SAMEFIELDS:
        field[0] = lp_get_str(si.master_fields_ptr, si.field_buf, flen)
        si.master_fields_ptr = lp_next(si.lp, si.master_fields_ptr)
    else:
        field[0] = lp_get_str(si.lp_ele, si.field_buf, flen)
        si.lp_ele = lp_next(si.lp, si.lp_ele)
    value[0] = lp_get_str(si.lp_ele, si.value_buf, vlen)
    si.lp_ele = lp_next(si.lp, si.lp_ele)


cdef void stream_iter_remove_entry(stream_iter* si, streamid* current) noexcept nogil:
    """Delete the current entry (flag it; free the node with its last live
    entry) and re-seek so that iteration continues after it."""
    cdef uchar* lp = si.lp
    cdef uchar* p
    cdef int64_t aux
    cdef streamid start, end
    aux = _lp_int(si.lp_flags) | STREAM_ITEM_FLAG_DELETED
    lp = _lp_set_int(lp, &si.lp_flags, aux)
    p = lp_first(lp)
    aux = _lp_int(p)
    if aux == 1:
        lp_free(lp)
        rax_remove(si.s.rax, si.ri.key, si.ri.key_len, NULL)
    else:
        lp = _lp_set_int(lp, &p, aux - 1)
        p = lp_next(lp, p)
        aux = _lp_int(p)
        lp = _lp_set_int(lp, &p, aux + 1)
        rax_iter_set_data(&si.ri, lp)
    si.s.length -= 1
    if si.rev:
        streamid_decode(si.start_key, &start)
        end = current[0]
    else:
        start = current[0]
        streamid_decode(si.end_key, &end)
    stream_iter_stop(si)
    stream_iter_start(si, si.s, &start, &end, si.rev)


cdef void stream_iter_stop(stream_iter* si) noexcept nogil:
    rax_iter_stop(&si.ri)


# ---- lookups and deletion -----------------------------------------------------------------

cdef bint stream_entry_exists(stream_t* s, streamid* id) noexcept nogil:
    """Whether ``id`` is a live entry."""
    cdef stream_iter si
    cdef streamid found
    cdef long long numfields
    cdef bint ok
    stream_iter_start(&si, s, id, id, False)
    ok = stream_iter_get_id(&si, &found, &numfields)
    stream_iter_stop(&si)
    return ok


cdef bint stream_delete_item(stream_t* s, streamid* id) noexcept nogil:
    """Delete the live entry ``id``; False if there is none."""
    cdef stream_iter si
    cdef streamid found
    cdef long long numfields
    cdef bint deleted = False
    stream_iter_start(&si, s, id, id, False)
    if stream_iter_get_id(&si, &found, &numfields):
        stream_iter_remove_entry(&si, &found)
        deleted = True
    stream_iter_stop(&si)
    return deleted


cdef void stream_get_edge_id(stream_t* s, bint first, bint skip_tombstones,
                             streamid* edge_id) noexcept nogil:
    """The first (or last) entry's ID; with no entry, the greatest (or
    smallest) possible ID."""
    cdef stream_iter si
    cdef long long numfields
    stream_iter_start(&si, s, NULL, NULL, not first)
    si.skip_tombstones = skip_tombstones
    if not stream_iter_get_id(&si, edge_id, &numfields):
        if first:
            edge_id.ms = UINT64_MAX
            edge_id.seq = UINT64_MAX
        else:
            edge_id.ms = 0
            edge_id.seq = 0
    stream_iter_stop(&si)


cdef void stream_last_valid_id(stream_t* s, streamid* maxid) noexcept nogil:
    """The last live entry's ID (0-0 for an empty stream)."""
    cdef stream_iter si
    cdef long long numfields
    stream_iter_start(&si, s, NULL, NULL, True)
    if not stream_iter_get_id(&si, maxid, &numfields):
        maxid.ms = 0
        maxid.seq = 0
    stream_iter_stop(&si)


# ---- trimming ---------------------------------------------------------------------------------

cdef long long stream_trim(stream_t* s, int strategy, long long maxlen, streamid* minid,
                           bint approx, long long limit) noexcept nogil:
    """Remove entries from the head: down to ``maxlen`` entries (TRIM_MAXLEN)
    or below ``minid`` (TRIM_MINID). Whole nodes are freed; with ``approx``
    trimming stops at the first node that cannot be freed whole, otherwise
    that node's leading entries are flagged deleted. ``limit`` (0: none)
    caps the entries removed, counted node by node. Returns how many."""
    cdef rax_iter ri
    cdef uchar* lp
    cdef uchar* p
    cdef uchar* pcopy
    cdef int64_t entries, deleted = 0, deleted_from_lp, master_fields, j, flags, to_skip
    cdef int64_t ms_delta, seq_delta, marked_deleted
    cdef streamid master_id, last_id, currid
    cdef bint remove_node, stop
    cdef size_t delta
    cdef uchar nodekey[STREAM_ID_LEN]
    if strategy == TRIM_NONE:
        return 0
    rax_iter_start(&ri, s.rax)
    rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
    while rax_next(&ri):
        if strategy == TRIM_MAXLEN and s.length <= <uint64_t>maxlen:
            break
        lp = <uchar*>ri.data
        p = lp_first(lp)
        entries = _lp_int(p)
        if limit and deleted + entries > limit:
            break
        streamid_decode(ri.key, &master_id)
        if strategy == TRIM_MAXLEN:
            remove_node = s.length - <uint64_t>entries >= <uint64_t>maxlen
        else:
            _lp_edge_id(lp, False, &master_id, &last_id)
            remove_node = streamid_cmp(&last_id, minid) < 0
        if remove_node:
            lp_free(lp)
            memcpy(nodekey, ri.key, STREAM_ID_LEN)
            rax_remove(s.rax, nodekey, STREAM_ID_LEN, NULL)
            rax_seek(&ri, RAX_SEEK_GE, nodekey, STREAM_ID_LEN)
            s.length -= <uint64_t>entries
            deleted += entries
            continue
        if approx:
            break
        # Flag the leading entries of this node deleted.
        deleted_from_lp = 0
        p = lp_next(lp, p)                          # deleted
        p = lp_next(lp, p)                          # master num-fields
        master_fields = _lp_int(p)
        p = lp_next(lp, p)
        for j in range(master_fields):
            p = lp_next(lp, p)
        p = lp_next(lp, p)                          # past the 0 terminator
        while p != NULL:
            pcopy = p
            flags = _lp_int(p)
            p = lp_next(lp, p)
            ms_delta = _lp_int(p)
            p = lp_next(lp, p)
            seq_delta = _lp_int(p)
            p = lp_next(lp, p)
            if strategy == TRIM_MAXLEN:
                stop = s.length <= <uint64_t>maxlen
            else:
                currid.ms = master_id.ms + <uint64_t>ms_delta
                currid.seq = master_id.seq + <uint64_t>seq_delta
                stop = streamid_cmp(&currid, minid) >= 0
            if stop:
                break
            if flags & STREAM_ITEM_FLAG_SAMEFIELDS:
                to_skip = master_fields
            else:
                to_skip = _lp_int(p) * 2
                p = lp_next(lp, p)
            while to_skip > 0:
                p = lp_next(lp, p)
                to_skip -= 1
            p = lp_next(lp, p)                      # past lp-count
            if not (flags & STREAM_ITEM_FLAG_DELETED):
                delta = (p - lp) if p != NULL else 0
                lp = _lp_set_int(lp, &pcopy, flags | STREAM_ITEM_FLAG_DELETED)
                deleted_from_lp += 1
                s.length -= 1
                if p != NULL:
                    p = lp + delta
        deleted += deleted_from_lp
        p = lp_first(lp)
        lp = _lp_set_int(lp, &p, entries - deleted_from_lp)
        p = lp_next(lp, p)
        marked_deleted = _lp_int(p)
        lp = _lp_set_int(lp, &p, marked_deleted + deleted_from_lp)
        rax_iter_set_data(&ri, lp)
        break
    rax_iter_stop(&ri)
    if s.length == 0:
        s.first_id.ms = 0
        s.first_id.seq = 0
    elif deleted:
        stream_get_edge_id(s, True, True, &s.first_id)
    return deleted


# ---- read counters and lag ------------------------------------------------------------------

cdef bint stream_range_has_tombstones(stream_t* s, streamid* start, streamid* end) noexcept nogil:
    """Whether [start, end] (NULL: unbounded) may hold a deleted entry."""
    cdef streamid start_id, end_id
    if not s.length or streamid_is_zero(&s.max_deleted_entry_id):
        return False
    if streamid_cmp(&s.first_id, &s.max_deleted_entry_id) > 0:
        return False
    if start != NULL:
        start_id = start[0]
    else:
        start_id.ms = 0
        start_id.seq = 0
    if end != NULL:
        end_id = end[0]
    else:
        end_id.ms = UINT64_MAX
        end_id.seq = UINT64_MAX
    return (streamid_cmp(&start_id, &s.max_deleted_entry_id) <= 0 and
            streamid_cmp(&s.max_deleted_entry_id, &end_id) <= 0)


cdef long long stream_estimate_distance(stream_t* s, streamid* id) noexcept nogil:
    """The logical read counter of ``id`` (entries added up to it), when it
    can be known without a scan; else SCG_INVALID_ENTRIES_READ."""
    cdef int cmp_last, cmp_id_first, cmp_xdel_first
    if not s.entries_added:
        return 0
    if not s.length and streamid_cmp(id, &s.last_id) < 1:
        return <long long>s.entries_added
    cmp_last = streamid_cmp(id, &s.last_id)
    if cmp_last == 0:
        return <long long>s.entries_added
    if cmp_last > 0:
        return SCG_INVALID_ENTRIES_READ
    cmp_id_first = streamid_cmp(id, &s.first_id)
    cmp_xdel_first = streamid_cmp(&s.max_deleted_entry_id, &s.first_id)
    if streamid_is_zero(&s.max_deleted_entry_id) or cmp_xdel_first < 0:
        if cmp_id_first < 0:
            return <long long>(s.entries_added - s.length)
        if cmp_id_first == 0:
            return <long long>(s.entries_added - s.length + 1)
    return SCG_INVALID_ENTRIES_READ


cdef bint stream_cg_lag(stream_t* s, stream_cg* cg, long long* lag) noexcept nogil:
    """The entries not yet delivered to ``cg`` (*lag); False when unknown."""
    cdef long long entries_read
    if not s.entries_added:
        lag[0] = 0
        return True
    if (cg.entries_read != SCG_INVALID_ENTRIES_READ and
            not stream_range_has_tombstones(s, &cg.last_id, NULL)):
        lag[0] = <long long>s.entries_added - cg.entries_read
        return True
    entries_read = stream_estimate_distance(s, &cg.last_id)
    if entries_read != SCG_INVALID_ENTRIES_READ:
        lag[0] = <long long>s.entries_added - entries_read
        return True
    return False


# ---- consumer groups, consumers, NACKs -----------------------------------------------------

cdef stream_cg* stream_create_cg(stream_t* s, const char* name, size_t namelen, streamid* id,
                                 long long entries_read) noexcept nogil:
    """A new group at ``id``; NULL when the name is taken."""
    cdef stream_cg* cg
    if s.cgroups == NULL:
        s.cgroups = rax_new()
    if rax_find(s.cgroups, <const uchar*>name, namelen, NULL):
        return NULL
    cg = <stream_cg*>mem_alloc(sizeof(stream_cg))
    cg.pel = rax_new()
    cg.consumers = rax_new()
    cg.last_id = id[0]
    cg.entries_read = entries_read
    rax_insert(s.cgroups, <const uchar*>name, namelen, cg, NULL)
    return cg


cdef stream_cg* stream_lookup_cg(stream_t* s, const char* name, size_t namelen) noexcept nogil:
    cdef void* cg
    if s.cgroups == NULL or not rax_find(s.cgroups, <const uchar*>name, namelen, &cg):
        return NULL
    return <stream_cg*>cg


cdef bint stream_destroy_cg(stream_t* s, const char* name, size_t namelen) noexcept nogil:
    """Remove and free a group; False when there is none."""
    cdef void* cg
    if s.cgroups == NULL or not rax_remove(s.cgroups, <const uchar*>name, namelen, &cg):
        return False
    _free_cg(<stream_cg*>cg)
    return True


cdef stream_consumer* stream_lookup_consumer(stream_cg* cg, const char* name, size_t namelen,
                                             long long now_ms) noexcept nogil:
    """The consumer, its seen-time set to ``now_ms`` unless negative; NULL
    when absent."""
    cdef void* c
    if cg == NULL or not rax_find(cg.consumers, <const uchar*>name, namelen, &c):
        return NULL
    if now_ms >= 0:
        (<stream_consumer*>c).seen_time = now_ms
    return <stream_consumer*>c


cdef stream_consumer* stream_create_consumer(stream_cg* cg, const char* name, size_t namelen,
                                             long long now_ms) noexcept nogil:
    """A new consumer seen at ``now_ms``; NULL when the name is taken."""
    cdef stream_consumer* c
    if cg == NULL or rax_find(cg.consumers, <const uchar*>name, namelen, NULL):
        return NULL
    c = <stream_consumer*>mem_alloc(sizeof(stream_consumer) + namelen)
    c.seen_time = now_ms
    c.pel = rax_new()
    c.namelen = namelen
    memcpy(c.name, name, namelen)
    rax_insert(cg.consumers, <const uchar*>name, namelen, c, NULL)
    return c


cdef void stream_del_consumer(stream_cg* cg, stream_consumer* consumer) noexcept nogil:
    """Remove a consumer; its pending entries leave the group PEL too."""
    cdef rax_iter ri
    cdef void* nack
    rax_iter_start(&ri, consumer.pel)
    rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
    while rax_next(&ri):
        if rax_remove(cg.pel, ri.key, ri.key_len, &nack):
            mem_free(nack)
    rax_iter_stop(&ri)
    rax_remove(cg.consumers, <const uchar*>consumer.name, consumer.namelen, NULL)
    _free_consumer(consumer)


cdef stream_nack* stream_create_nack(stream_consumer* consumer, long long now_ms) noexcept nogil:
    """A NACK delivered once, now, to ``consumer``."""
    cdef stream_nack* n = <stream_nack*>mem_alloc(sizeof(stream_nack))
    n.delivery_time = now_ms
    n.delivery_count = 1
    n.consumer = consumer
    return n


cdef void stream_free_nack(stream_nack* nack) noexcept nogil:
    mem_free(nack)


# ---- Python wrapper for tests ---------------------------------------------------------------

cdef bytes _id_bytes(streamid* id):
    cdef char buf[STREAM_ID_STR_MAX]
    cdef int n = streamid_format(buf, id)
    return buf[:n]


cdef streamid _parse_or_raise(bytes s, uint64_t missing_seq=0, bint strict=False) except *:
    cdef streamid id
    if not streamid_parse(s, len(s), &id, missing_seq, strict, NULL):
        raise ValueError("invalid stream ID %r" % s)
    return id


def parse_id(bytes s, uint64_t missing_seq=0, bint strict=False, bint allow_star=False):
    """streamid_parse for tests: (ms, seq) or (ms, seq, seq_given); None if invalid."""
    cdef streamid id
    cdef int seq_given = 1
    if not streamid_parse(s, len(s), &id, missing_seq, strict, &seq_given if allow_star else NULL):
        return None
    if allow_star:
        return (id.ms, id.seq, bool(seq_given))
    return (id.ms, id.seq)


cdef class Stream:
    """A Python handle on a stream (tests and tools)."""
    cdef stream_t* s
    cdef public long long node_max_bytes
    cdef public long long node_max_entries

    def __cinit__(self, long long node_max_bytes=4096, long long node_max_entries=100):
        self.s = stream_new()
        self.node_max_bytes = node_max_bytes
        self.node_max_entries = node_max_entries

    def __dealloc__(self):
        if self.s != NULL:
            stream_free(self.s)

    def __len__(self):
        return self.s.length

    def add(self, list fields, bytes id=None, long long now_ms=0):
        """Append field/value pairs (a flat list of bytes); returns the ID
        (bytes). ``id`` may be "<ms>-<seq>" or "<ms>-*"; None generates
        one from ``now_ms``. Raises ValueError like XADD's errors."""
        cdef streamid use, added
        cdef int seq_given = 1
        cdef long long n = len(fields)
        cdef const char** argv = <const char**>mem_alloc(sizeof(char*) * (n + 1))
        cdef size_t* lens = <size_t*>mem_alloc(sizeof(size_t) * (n + 1))
        cdef int rc
        cdef long long i
        try:
            if n == 0 or n % 2:
                raise ValueError("fields must be pairs")
            for i in range(n):
                argv[i] = <const char*>(<bytes>fields[i])
                lens[i] = len(<bytes>fields[i])
            if id is not None and not streamid_parse(id, len(id), &use, 0, True, &seq_given):
                raise ValueError("invalid stream ID")
            rc = stream_append(self.s, argv, lens, n // 2, &added, &use if id is not None else NULL,
                               seq_given, now_ms, self.node_max_bytes, self.node_max_entries)
        finally:
            mem_free(argv)
            mem_free(lens)
        if rc == STREAM_ADD_ID_TOO_SMALL:
            raise ValueError("ID too small")
        if rc != STREAM_ADD_OK:
            raise ValueError("too large")
        return _id_bytes(&added)

    def range(self, bytes start=b"-", bytes end=b"+", long long count=0, bint rev=False,
              bint tombstones=False):
        """[(id, [field, value, ...])] in [start, end], at most count (0: all)."""
        cdef streamid a = _parse_or_raise(start, 0)
        cdef streamid b = _parse_or_raise(end, UINT64_MAX)
        cdef stream_iter si
        cdef streamid id
        cdef long long numfields
        cdef const char* f
        cdef const char* v
        cdef size_t fl, vl
        cdef list out = []
        stream_iter_start(&si, self.s, &a, &b, rev)
        si.skip_tombstones = not tombstones
        while stream_iter_get_id(&si, &id, &numfields):
            items = []
            while numfields > 0:
                stream_iter_get_field(&si, &f, &fl, &v, &vl)
                items.append(f[:fl])
                items.append(v[:vl])
                numfields -= 1
            out.append((_id_bytes(&id), items))
            if count and len(out) == count:
                break
        stream_iter_stop(&si)
        return out

    def delete(self, bytes id):
        cdef streamid x = _parse_or_raise(id, 0, True)
        cdef bint ok = stream_delete_item(self.s, &x)
        if ok:
            if streamid_cmp(&x, &self.s.max_deleted_entry_id) > 0:
                self.s.max_deleted_entry_id = x
            if self.s.length == 0:
                self.s.first_id.ms = self.s.first_id.seq = 0
            elif streamid_cmp(&x, &self.s.first_id) == 0:
                stream_get_edge_id(self.s, True, True, &self.s.first_id)
        return ok

    def exists(self, bytes id):
        cdef streamid x = _parse_or_raise(id, 0, True)
        return stream_entry_exists(self.s, &x)

    def trim_maxlen(self, long long maxlen, bint approx=False, long long limit=0):
        return stream_trim(self.s, TRIM_MAXLEN, maxlen, NULL, approx, limit)

    def trim_minid(self, bytes minid, bint approx=False, long long limit=0):
        cdef streamid x = _parse_or_raise(minid, 0, True)
        return stream_trim(self.s, TRIM_MINID, 0, &x, approx, limit)

    def last_valid_id(self):
        cdef streamid x
        stream_last_valid_id(self.s, &x)
        return _id_bytes(&x)

    def info(self):
        return {"length": self.s.length, "last_id": _id_bytes(&self.s.last_id),
                "first_id": _id_bytes(&self.s.first_id),
                "max_deleted_entry_id": _id_bytes(&self.s.max_deleted_entry_id),
                "entries_added": self.s.entries_added, "nodes": rax_size(self.s.rax),
                "rax_nodes": self.s.rax.numnodes,
                "groups": rax_size(self.s.cgroups) if self.s.cgroups != NULL else 0}

    def nodes(self):
        """[(master id, [listpack element, ...])]: the raw node contents."""
        cdef rax_iter ri
        cdef streamid mid
        cdef uchar* p
        cdef size_t n
        cdef long long v
        cdef const char* sp
        cdef list out = []
        rax_iter_start(&ri, self.s.rax)
        rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
        while rax_next(&ri):
            streamid_decode(ri.key, &mid)
            items = []
            p = lp_first(<uchar*>ri.data)
            while p != NULL:
                sp = lp_get(p, &n, &v)
                items.append(v if sp == NULL else sp[:n])
                p = lp_next(<uchar*>ri.data, p)
            out.append((_id_bytes(&mid), items))
        rax_iter_stop(&ri)
        return out

    def node_blobs(self):
        """[(rax key, listpack bytes)] of every node, in order."""
        cdef rax_iter ri
        cdef list out = []
        rax_iter_start(&ri, self.s.rax)
        rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
        while rax_next(&ri):
            out.append(((<char*>ri.key)[:ri.key_len],
                        (<char*>ri.data)[:lp_bytes(<uchar*>ri.data)]))
        rax_iter_stop(&ri)
        return out

    def mem_usage(self):
        return stream_mem_usage(self.s)

    def dup(self):
        cdef Stream d = Stream(self.node_max_bytes, self.node_max_entries)
        stream_free(d.s)
        d.s = stream_dup(self.s)
        return d

    def create_group(self, bytes name, bytes id=b"0-0", long long entries_read=-1):
        cdef streamid x = _parse_or_raise(id)
        return stream_create_cg(self.s, name, len(name), &x, entries_read) != NULL

    def destroy_group(self, bytes name):
        return stream_destroy_cg(self.s, name, len(name))

    def group(self, bytes name):
        """(last id, entries_read, lag or None, pel size, consumer names)."""
        cdef stream_cg* cg = stream_lookup_cg(self.s, name, len(name))
        cdef long long lag
        cdef rax_iter ri
        if cg == NULL:
            return None
        names = []
        rax_iter_start(&ri, cg.consumers)
        rax_seek(&ri, RAX_SEEK_FIRST, NULL, 0)
        while rax_next(&ri):
            names.append((<char*>ri.key)[:ri.key_len])
        rax_iter_stop(&ri)
        return (_id_bytes(&cg.last_id), cg.entries_read,
                lag if stream_cg_lag(self.s, cg, &lag) else None, rax_size(cg.pel), names)

    def deliver(self, bytes group, bytes consumer, bytes id, long long now_ms=0):
        """Put ``id`` in the PELs of the group and ``consumer`` (created if
        needed), as XREADGROUP does for one entry."""
        cdef stream_cg* cg = stream_lookup_cg(self.s, group, len(group))
        cdef stream_consumer* c
        cdef streamid x = _parse_or_raise(id, 0, True)
        cdef uchar key[STREAM_ID_LEN]
        cdef stream_nack* nack
        c = stream_lookup_consumer(cg, consumer, len(consumer), now_ms)
        if c == NULL:
            c = stream_create_consumer(cg, consumer, len(consumer), now_ms)
        streamid_encode(key, &x)
        nack = stream_create_nack(c, now_ms)
        if rax_try_insert(cg.pel, key, STREAM_ID_LEN, nack, NULL):
            rax_insert(c.pel, key, STREAM_ID_LEN, nack, NULL)
        else:
            mem_free(nack)

    def consumer_pending(self, bytes group, bytes consumer):
        cdef stream_cg* cg = stream_lookup_cg(self.s, group, len(group))
        cdef stream_consumer* c = stream_lookup_consumer(cg, consumer, len(consumer), -1)
        return None if c == NULL else rax_size(c.pel)

    def delete_consumer(self, bytes group, bytes consumer):
        cdef stream_cg* cg = stream_lookup_cg(self.s, group, len(group))
        cdef stream_consumer* c = stream_lookup_consumer(cg, consumer, len(consumer), -1)
        cdef long long n
        if c == NULL:
            return None
        n = rax_size(c.pel)
        stream_del_consumer(cg, c)
        return n
