"""quicklist: the encoding of every list, as in Redis 7.0.

A list is a doubly linked list of nodes; each node holds a listpack (see
listpack.pyx) of a bounded size, so pushes and pops at either end touch one
small allocation, and memory overhead stays near listpack density:

    quicklist                                              (48 bytes)
    +------+------+-------+-----+------+----------+
    | head | tail | count | len | fill | compress |
    +--|---+--|---+-------+-----+------+----------+
       |      +------------------------------------------------+
       v                                                       v
    +--------+  next  +--------+  next  +--------+  next  +--------+
    | node 0 | -----> | node 1 | -----> | node 2 | -----> | node 3 |
    |  RAW   | <----- |  LZF   | <----- |  LZF   | <----- |  RAW   |
    +---|----+  prev  +---|----+  prev  +---|----+  prev  +---|----+
        v                 v                 v                 v
    [listpack]       [sz|lzf bytes]    [sz|lzf bytes]     [listpack]
                           (list-compress-depth 1: inner nodes compressed)

    node (40 bytes): prev, next, entry, sz (uncompressed bytes), count
    (16 bits), encoding RAW/LZF, container PACKED/PLAIN, recompress,
    dont_compress.

Node size: ``fill`` is ``list-max-listpack-size`` when the list was created
(later CONFIG SETs apply to new lists only, as in Redis). Negative values
limit a node's listpack bytes: -1 4 KB, -2 8 KB (default), -3 16 KB, -4
32 KB, -5 64 KB; positive values limit the element count, with an 8 KB
safety cap on bytes for nodes of more than one element. An insert is
allowed when ``sz + len(element) + 8`` fits (an overestimate of the entry's
header and back-length). An element of ``packed_threshold`` bytes or more
(1 GB; DEBUG QUICKLIST-PACKED-THRESHOLD changes it) is stored alone in a
PLAIN node: its bytes, without a listpack around them.

Compression: with ``compress`` = depth d > 0, the d nodes at each end stay
raw and every other node is LZF-compressed (engine/lzf), if it has at least
48 bytes and compression saves at least 8. A compressed node's ``entry``
points at ``[size_t clen][clen bytes]``; ``sz`` stays the raw size. An
operation that needs an inner node decompresses it "for use" (``recompress``
set) and compresses it again when done; head and tail are never compressed.
Node splits happen when inserting into a full node in the middle; after a
split, and when a node becomes deletable, neighbours that together fit one
node are merged (the same pairs Redis tries), so a list that shrinks in the
middle does not keep many small nodes.

The shape rules (when a node is full, which node receives an insert, when
nodes split and merge, what gets compressed) follow Redis 7.0's quicklist,
so DEBUG OBJECT's ql_nodes, the RDB node layout and memory use match it.
The code is written here from that behaviour.

Ownership: the quicklist owns its nodes and their entries. An iterator or
entry holds borrowed pointers, valid until the list is modified through
something other than that iterator (ql_del_entry keeps the iterator valid;
inserts and replaces reset it, so it can only be released afterwards).

Costs: push/pop O(1) amortised (one listpack insert at a node end);
index/insert/replace O(n / node size) to find the node plus O(node size);
delete range O(nodes touched); iteration O(1) per element.
"""

from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memmove, memcmp
from cpython.bytes cimport PyBytes_FromStringAndSize

from engine._mem cimport mem_alloc, mem_realloc, mem_free, mem_usable
from engine.listpack cimport (lp_new, lp_free, lp_dup, lp_bytes, lp_length, lp_first, lp_last,
                              lp_next, lp_prev, lp_seek, lp_get, lp_eq, lp_insert, lp_append,
                              lp_prepend, lp_replace, lp_delete, lp_delete_range,
                              LP_BEFORE, LP_AFTER, LP_HDR_SIZE)
from engine.lzf cimport lzf_compress, lzf_decompress

cdef enum:
    SIZE_SAFETY_LIMIT = 8192      # bytes of a multi-element node under a count fill
    SIZE_ESTIMATE_OVERHEAD = 8    # assumed entry header + backlen of a new element
    MIN_COMPRESS_BYTES = 48
    MIN_COMPRESS_IMPROVE = 8
    SCRATCH_MAX = 128 * 1024      # compress bigger nodes into a temporary buffer
    LZF_HDR = sizeof(size_t)

# listpack byte limits of fill -1 .. -5
cdef size_t _levels[5]
_levels[0] = 4096
_levels[1] = 8192
_levels[2] = 16384
_levels[3] = 32768
_levels[4] = 65536

cdef size_t _packed_threshold = 1 << 30
cdef uchar* _scratch = NULL      # compression output buffer (SCRATCH_MAX bytes), made on first use


cdef bint ql_set_packed_threshold(unsigned long long sz) noexcept nogil:
    """DEBUG QUICKLIST-PACKED-THRESHOLD: elements of at least ``sz`` bytes
    go to plain nodes. 0 restores 1 GB; above 4 GB - 1 MB is refused."""
    global _packed_threshold
    if sz > (1ULL << 32) - (1 << 20):
        return False
    if sz == 0:
        sz = 1 << 30
    _packed_threshold = <size_t>sz
    return True


cdef inline bint _is_large(size_t sz) noexcept nogil:
    return sz >= _packed_threshold


# ---- nodes and compression ----------------------------------------------------------

cdef ql_node* _node_new() noexcept nogil:
    cdef ql_node* node = <ql_node*>mem_alloc(sizeof(ql_node))
    node.prev = NULL
    node.next = NULL
    node.entry = NULL
    node.sz = 0
    node.count = 0
    node.encoding = QL_ENC_RAW
    node.container = QL_PACKED
    node.recompress = 0
    node.dont_compress = 0
    return node


cdef ql_node* _plain_node_new(const char* s, size_t n) noexcept nogil:
    cdef ql_node* node = _node_new()
    node.entry = <uchar*>mem_alloc(n)
    if n:
        memcpy(node.entry, s, n)
    node.container = QL_PLAIN
    node.sz = n
    node.count = 1
    return node


cdef inline void _update_sz(ql_node* node) noexcept nogil:
    node.sz = lp_bytes(node.entry)


cdef inline size_t _lzf_len(ql_node* node) noexcept nogil:
    return (<size_t*>node.entry)[0]


cdef const char* ql_lzf_data(ql_node* node, size_t* clen) noexcept nogil:
    """The compressed bytes of an LZF node (RDB saves them as they are)."""
    clen[0] = _lzf_len(node)
    return <const char*>(node.entry + LZF_HDR)


cdef bint _compress_node(ql_node* node) noexcept nogil:
    """Replace a raw inner node's entry by its LZF form when that saves at
    least MIN_COMPRESS_IMPROVE bytes. True if it did."""
    global _scratch
    cdef uchar* out
    cdef uchar* blob
    cdef size_t clen
    cdef bint temp = False
    if node.dont_compress:
        return False
    node.recompress = 0
    if node.sz < MIN_COMPRESS_BYTES:
        return False
    # the output buffer is scratch space, not data: plain malloc, outside
    # used_memory (Redis compresses into a stack buffer); no memory, no
    # compression
    if node.sz <= SCRATCH_MAX:
        if _scratch == NULL:
            _scratch = <uchar*>malloc(SCRATCH_MAX)
            if _scratch == NULL:
                return False
        out = _scratch
    else:
        out = <uchar*>malloc(node.sz)
        if out == NULL:
            return False
        temp = True
    clen = lzf_compress(node.entry, node.sz, out, node.sz)
    if clen == 0 or clen + MIN_COMPRESS_IMPROVE >= node.sz:
        if temp:
            free(out)
        return False
    blob = <uchar*>mem_alloc(LZF_HDR + clen)
    (<size_t*>blob)[0] = clen
    memcpy(blob + LZF_HDR, out, clen)
    if temp:
        free(out)
    mem_free(node.entry)
    node.entry = blob
    node.encoding = QL_ENC_LZF
    return True


cdef inline void _compress_raw(ql_node* node) noexcept nogil:
    """Compress ``node`` if it is raw (and not the head or tail)."""
    if node != NULL and node.encoding == QL_ENC_RAW:
        if node.prev != NULL and node.next != NULL:
            _compress_node(node)
        else:
            node.recompress = 0


cdef void _decompress_node(ql_node* node) noexcept nogil:
    cdef uchar* raw
    node.recompress = 0
    raw = <uchar*>mem_alloc(node.sz)
    if lzf_decompress(node.entry + LZF_HDR, _lzf_len(node), raw, node.sz) != node.sz:
        mem_free(raw)       # cannot happen with blobs we wrote; keep the node as it is
        return
    mem_free(node.entry)
    node.entry = raw
    node.encoding = QL_ENC_RAW


cdef inline void _decompress(ql_node* node) noexcept nogil:
    if node != NULL and node.encoding == QL_ENC_LZF:
        _decompress_node(node)


cdef inline void _decompress_for_use(ql_node* node) noexcept nogil:
    """Decompress a node an operation is about to read or change; it is
    compressed again by _recompress_only/_compress when done."""
    if node != NULL and node.encoding == QL_ENC_LZF:
        _decompress_node(node)
        node.recompress = 1


cdef void _compress_for_depth(quicklist* ql, ql_node* node) noexcept nogil:
    """Restore the compression rule around the ends after a change: the
    ``compress`` nodes at each end are raw, the first node past them on each
    side is compressed, and so is ``node`` when it lies outside the ends."""
    cdef ql_node* fwd
    cdef ql_node* rev
    cdef unsigned int depth = 0
    cdef bint in_depth = False
    if ql.len == 0 or ql.compress == 0 or ql.len < <unsigned long>ql.compress * 2:
        return
    fwd = ql.head
    rev = ql.tail
    while depth < ql.compress:
        depth += 1
        _decompress(fwd)
        _decompress(rev)
        if fwd == node or rev == node:
            in_depth = True
        if fwd == rev or fwd.next == rev:
            return
        fwd = fwd.next
        rev = rev.prev
    if not in_depth:
        _compress_raw(node)
    _compress_raw(fwd)
    _compress_raw(rev)


cdef inline void _compress(quicklist* ql, ql_node* node) noexcept nogil:
    """Done with ``node``: compress it again if it was decompressed for use,
    else apply the depth rule around it."""
    if node.recompress:
        _compress_raw(node)
    else:
        _compress_for_depth(ql, node)


cdef inline void _recompress_only(ql_node* node) noexcept nogil:
    if node.recompress:
        _compress_raw(node)


# ---- node list ----------------------------------------------------------------------------

cdef void _insert_node(quicklist* ql, ql_node* old, ql_node* new, bint after) noexcept nogil:
    """Link ``new`` (raw) after/before ``old`` (NULL for the first node)."""
    if after:
        new.prev = old
        if old != NULL:
            new.next = old.next
            if old.next != NULL:
                old.next.prev = new
            old.next = new
        if ql.tail == old:
            ql.tail = new
    else:
        new.next = old
        if old != NULL:
            new.prev = old.prev
            if old.prev != NULL:
                old.prev.next = new
            old.prev = new
        if ql.head == old:
            ql.head = new
    if ql.len == 0:
        ql.head = new
        ql.tail = new
    ql.len += 1
    if old != NULL:
        _compress(ql, old)
    _compress(ql, new)


cdef void _insert_plain_node(quicklist* ql, ql_node* old, const char* s, size_t n,
                             bint after) noexcept nogil:
    _insert_node(ql, old, _plain_node_new(s, n), after)
    ql.count += 1


cdef void _del_node(quicklist* ql, ql_node* node) noexcept nogil:
    """Unlink and free ``node`` (its elements leave the count)."""
    if node.next != NULL:
        node.next.prev = node.prev
    if node.prev != NULL:
        node.prev.next = node.next
    if node == ql.tail:
        ql.tail = node.prev
    if node == ql.head:
        ql.head = node.next
    ql.len -= 1
    ql.count -= node.count
    _compress_for_depth(ql, NULL)      # nodes may have entered the raw ends
    mem_free(node.entry)
    mem_free(node)


cdef bint _del_index(quicklist* ql, ql_node* node, uchar** p) noexcept nogil:
    """Delete the element at *p of a raw node (*p then points at the next
    element of the node, or NULL). True when the node went away."""
    if node.container == QL_PLAIN:
        _del_node(ql, node)
        return True
    node.entry = lp_delete(node.entry, p[0], p)
    node.count -= 1
    ql.count -= 1
    if node.count == 0:
        _del_node(ql, node)
        return True
    _update_sz(node)
    return False


cdef inline bint _fits_level(size_t sz, int fill) noexcept nogil:
    """Whether ``sz`` bytes are within a negative fill's byte limit."""
    cdef int level
    if fill >= 0:
        return False
    level = -fill - 1
    return level < 5 and sz <= _levels[level]


cdef bint _allow_insert(ql_node* node, int fill, size_t sz) noexcept nogil:
    """Whether an element of ``sz`` bytes may join packed node ``node``."""
    cdef size_t new_sz
    if node == NULL or node.container == QL_PLAIN or _is_large(sz):
        return False
    new_sz = node.sz + sz + SIZE_ESTIMATE_OVERHEAD
    if _fits_level(new_sz, fill):
        return True
    if new_sz > SIZE_SAFETY_LIMIT:
        return False
    return <long>node.count < fill


cdef bint _allow_merge(ql_node* a, ql_node* b, int fill) noexcept nogil:
    cdef unsigned int merge_sz
    if a == NULL or b == NULL or a.container == QL_PLAIN or b.container == QL_PLAIN:
        return False
    merge_sz = <unsigned int>(a.sz + b.sz - 11)
    if _fits_level(merge_sz, fill):
        return True
    if merge_sz > SIZE_SAFETY_LIMIT:
        return False
    return <long>a.count + <long>b.count <= fill


cdef inline void _lp_set_header(uchar* lp, size_t total, unsigned long count) noexcept nogil:
    lp[0] = total & 0xFF
    lp[1] = (total >> 8) & 0xFF
    lp[2] = (total >> 16) & 0xFF
    lp[3] = (total >> 24) & 0xFF
    if count > 65535:
        count = 65535
    lp[4] = count & 0xFF
    lp[5] = (count >> 8) & 0xFF


cdef ql_node* _merge_pair(quicklist* ql, ql_node* a, ql_node* b) noexcept nogil:
    """Join the listpacks of neighbours a (left) and b into the node whose
    listpack is bigger (fewer bytes to move) and delete the other node.
    Returns the node kept."""
    cdef size_t abytes, bbytes, total
    cdef unsigned long count
    cdef ql_node* keep
    cdef ql_node* drop
    cdef uchar* t
    _decompress(a)
    _decompress(b)
    abytes = lp_bytes(a.entry)
    bbytes = lp_bytes(b.entry)
    count = lp_length(a.entry) + lp_length(b.entry)
    total = abytes + bbytes - LP_HDR_SIZE - 1
    if abytes >= bbytes:
        keep = a
        drop = b
        t = <uchar*>mem_realloc(a.entry, total)
        memcpy(t + abytes - 1, b.entry + LP_HDR_SIZE, bbytes - LP_HDR_SIZE)
    else:
        keep = b
        drop = a
        t = <uchar*>mem_realloc(b.entry, total)
        memmove(t + abytes - 1, t + LP_HDR_SIZE, bbytes - LP_HDR_SIZE)
        memcpy(t, a.entry, abytes - 1)
    keep.entry = t
    _lp_set_header(t, total, count)
    keep.count = <unsigned short>lp_length(t)
    _update_sz(keep)
    drop.count = 0
    _del_node(ql, drop)
    _compress(ql, keep)
    return keep


cdef void _merge_nodes(quicklist* ql, ql_node* center) noexcept nogil:
    """After a split at ``center``: merge (prev_prev, prev), (next,
    next_next), (prev, center) and (center, next) where they fit."""
    cdef int fill = ql.fill
    cdef ql_node* prev = center.prev
    cdef ql_node* prev_prev = prev.prev if prev != NULL else NULL
    cdef ql_node* next = center.next
    cdef ql_node* next_next = next.next if next != NULL else NULL
    cdef ql_node* target
    if _allow_merge(prev, prev_prev, fill):
        _merge_pair(ql, prev_prev, prev)
    if _allow_merge(next, next_next, fill):
        _merge_pair(ql, next, next_next)
    if _allow_merge(center, center.prev, fill):
        target = _merge_pair(ql, center.prev, center)
    else:
        target = center
    if _allow_merge(target, target.next, fill):
        _merge_pair(ql, target, target.next)


cdef ql_node* _split_node(ql_node* node, long offset, bint after) noexcept nogil:
    """Split a raw packed node at ``offset``. after: the new node gets the
    elements after offset, ``node`` keeps [0, offset]; else the new node
    gets [0, offset) and ``node`` keeps [offset, end]. Returns the new node
    (not linked)."""
    cdef ql_node* new = _node_new()
    cdef long orig_start, new_start
    cdef unsigned long orig_extent, new_extent
    new.entry = lp_dup(node.entry)
    if offset < 0:
        offset += node.count
    if after:
        orig_start = offset + 1
        orig_extent = <unsigned long>-1
        new_start = 0
        new_extent = <unsigned long>(offset + 1)
    else:
        orig_start = 0
        orig_extent = <unsigned long>offset
        new_start = offset
        new_extent = <unsigned long>-1
    node.entry = lp_delete_range(node.entry, orig_start, orig_extent)
    node.count = <unsigned short>lp_length(node.entry)
    _update_sz(node)
    new.entry = lp_delete_range(new.entry, new_start, new_extent)
    new.count = <unsigned short>lp_length(new.entry)
    _update_sz(new)
    return new


# ---- lifecycle ---------------------------------------------------------------------------------

cdef quicklist* ql_create(int fill, int compress) noexcept nogil:
    """An empty list with node size ``fill`` (list-max-listpack-size, kept
    within -5..32767) and compression depth ``compress`` (0..65535)."""
    cdef quicklist* ql = <quicklist*>mem_alloc(sizeof(quicklist))
    ql.head = NULL
    ql.tail = NULL
    ql.count = 0
    ql.len = 0
    if fill > QL_FILL_MAX:
        fill = QL_FILL_MAX
    elif fill < -5:
        fill = -5
    ql.fill = fill
    if compress > QL_COMPRESS_MAX:
        compress = QL_COMPRESS_MAX
    elif compress < 0:
        compress = 0
    ql.compress = <unsigned int>compress
    return ql


cdef void ql_release(quicklist* ql) noexcept nogil:
    """Free the list and all its nodes."""
    cdef ql_node* node = ql.head
    cdef ql_node* next
    while node != NULL:
        next = node.next
        mem_free(node.entry)
        mem_free(node)
        node = next
    mem_free(ql)


cdef quicklist* ql_dup(quicklist* orig) noexcept nogil:
    """A copy with the same node layout (compressed nodes copied as they are)."""
    cdef quicklist* copy = ql_create(orig.fill, orig.compress)
    cdef ql_node* cur = orig.head
    cdef ql_node* node
    cdef size_t n
    while cur != NULL:
        node = _node_new()
        n = LZF_HDR + _lzf_len(cur) if cur.encoding == QL_ENC_LZF else cur.sz
        node.entry = <uchar*>mem_alloc(n)
        memcpy(node.entry, cur.entry, n)
        node.count = cur.count
        node.sz = cur.sz
        node.encoding = cur.encoding
        node.container = cur.container
        copy.count += node.count
        _insert_node(copy, copy.tail, node, True)
        cur = cur.next
    return copy


cdef size_t ql_mem_usage(quicklist* ql) noexcept nogil:
    """Bytes owned by the list: header, nodes and their entries."""
    cdef size_t total = mem_usable(ql)
    cdef ql_node* node = ql.head
    while node != NULL:
        total += mem_usable(node) + mem_usable(node.entry)
        node = node.next
    return total


cdef size_t ql_uncompressed_size(quicklist* ql) noexcept nogil:
    """Sum of the nodes' raw sizes (DEBUG OBJECT ql_uncompressed_size)."""
    cdef size_t total = 0
    cdef ql_node* node = ql.head
    while node != NULL:
        total += node.sz
        node = node.next
    return total


# ---- push and pop -------------------------------------------------------------------------------

cdef bint ql_push_head(quicklist* ql, const char* s, size_t n) noexcept nogil:
    """Add an element at the head. True when a new head node was made."""
    cdef ql_node* orig = ql.head
    cdef ql_node* node
    if _is_large(n):
        _insert_plain_node(ql, ql.head, s, n, False)
        return True
    if _allow_insert(ql.head, ql.fill, n):
        ql.head.entry = lp_prepend(ql.head.entry, s, n)
        _update_sz(ql.head)
    else:
        node = _node_new()
        node.entry = lp_prepend(lp_new(0), s, n)
        _update_sz(node)
        _insert_node(ql, ql.head, node, False)
    ql.count += 1
    ql.head.count += 1
    return orig != ql.head


cdef bint ql_push_tail(quicklist* ql, const char* s, size_t n) noexcept nogil:
    """Add an element at the tail. True when a new tail node was made."""
    cdef ql_node* orig = ql.tail
    cdef ql_node* node
    if _is_large(n):
        _insert_plain_node(ql, ql.tail, s, n, True)
        return True
    if _allow_insert(ql.tail, ql.fill, n):
        ql.tail.entry = lp_append(ql.tail.entry, s, n)
        _update_sz(ql.tail)
    else:
        node = _node_new()
        node.entry = lp_append(lp_new(0), s, n)
        _update_sz(node)
        _insert_node(ql, ql.tail, node, True)
    ql.count += 1
    ql.tail.count += 1
    return orig != ql.tail


cdef void ql_push(quicklist* ql, const char* s, size_t n, int where) noexcept nogil:
    if where == QL_HEAD:
        ql_push_head(ql, s, n)
    else:
        ql_push_tail(ql, s, n)


cdef void ql_append_listpack(quicklist* ql, uchar* lp) noexcept nogil:
    """Append a whole listpack as a new tail node (RDB loading; takes
    ownership; the listpack must be valid and non-empty)."""
    cdef ql_node* node = _node_new()
    node.entry = lp
    node.count = <unsigned short>lp_length(lp)
    node.sz = lp_bytes(lp)
    _insert_node(ql, ql.tail, node, True)
    ql.count += node.count


cdef void ql_append_plain(quicklist* ql, uchar* data, size_t sz) noexcept nogil:
    """Append a plain node holding data[:sz] (RDB loading; takes ownership
    of ``data``, a mem_alloc block)."""
    cdef ql_node* node = _node_new()
    node.entry = data
    node.count = 1
    node.sz = sz
    node.container = QL_PLAIN
    _insert_node(ql, ql.tail, node, True)
    ql.count += 1


cdef bint ql_peek(quicklist* ql, int where, ql_entry* e) noexcept nogil:
    """The element at the head or tail (never compressed), or False when
    the list is empty. e.value/e.sz or e.longval are valid until the list
    changes."""
    cdef ql_node* node = ql.head if where == QL_HEAD else ql.tail
    cdef size_t sz = 0
    if node == NULL:
        return False
    e.ql = ql
    e.node = node
    if node.container == QL_PLAIN:
        e.zi = node.entry
        e.value = <const char*>node.entry
        e.sz = node.sz
        e.offset = 0
        return True
    e.zi = lp_first(node.entry) if where == QL_HEAD else lp_last(node.entry)
    e.value = lp_get(e.zi, &sz, &e.longval)
    e.sz = sz
    e.offset = 0 if where == QL_HEAD else -1
    return True


cdef void ql_del_end(quicklist* ql, int where) noexcept nogil:
    """Delete the head or tail element (the list must not be empty)."""
    cdef ql_node* node = ql.head if where == QL_HEAD else ql.tail
    cdef uchar* p
    if node.container == QL_PLAIN:
        _del_node(ql, node)
        return
    p = lp_first(node.entry) if where == QL_HEAD else lp_last(node.entry)
    _del_index(ql, node, &p)


# ---- iteration -------------------------------------------------------------------------------------

cdef void ql_iter_init(ql_iter* it, quicklist* ql, int direction) noexcept nogil:
    """An iterator from the head (QL_START_HEAD) or the tail (QL_START_TAIL)."""
    it.ql = ql
    it.direction = direction
    it.zi = NULL
    if direction == QL_START_HEAD:
        it.current = ql.head
        it.offset = 0
    else:
        it.current = ql.tail
        it.offset = -1


cdef bint ql_iter_init_at(ql_iter* it, quicklist* ql, int direction, long long idx) noexcept nogil:
    """An iterator whose first ql_next returns the element at ``idx``
    (negative counts from the tail) and then moves in ``direction``.
    False when idx is out of range (the iterator is then empty: ql_next
    returns False). Walks from the nearer end: O(nodes/2)."""
    cdef bint forward = idx >= 0
    cdef unsigned long long index, seek_index, accum = 0
    cdef bint seek_forward
    cdef ql_node* n
    it.ql = ql
    it.current = NULL
    it.zi = NULL
    it.direction = direction
    it.offset = 0
    if forward:
        index = <unsigned long long>idx
    else:
        index = <unsigned long long>(-(idx + 1))
    if index >= ql.count:
        return False
    seek_forward = forward
    seek_index = index
    if index > (ql.count - 1) // 2:
        seek_forward = not forward
        seek_index = ql.count - 1 - index
    n = ql.head if seek_forward else ql.tail
    while n != NULL:
        if accum + n.count > seek_index:
            break
        accum += n.count
        n = n.next if seek_forward else n.prev
    if n == NULL:
        return False
    if seek_forward != forward:
        accum = ql.count - n.count - accum
    ql_iter_init(it, ql, direction)
    it.current = n
    if forward:
        it.offset = <long>(index - accum)
    else:
        it.offset = -<long>index - 1 + <long>accum
    return True


cdef bint ql_next(ql_iter* it, ql_entry* e) noexcept nogil:
    """Fill ``e`` with the next element; False at the end. Nodes are
    decompressed while the iterator is on them."""
    cdef bint plain
    cdef size_t sz
    cdef ql_node* node
    while True:
        e.ql = it.ql
        e.node = it.current
        e.zi = NULL
        e.value = NULL
        e.sz = 0
        node = it.current
        if node == NULL:
            return False
        plain = node.container == QL_PLAIN
        if it.zi == NULL:
            _decompress_for_use(node)
            if plain:
                it.zi = node.entry
            else:
                it.zi = lp_seek(node.entry, it.offset)
        elif plain:
            it.zi = NULL
        elif it.direction == QL_START_HEAD:
            it.zi = lp_next(node.entry, it.zi)
            it.offset += 1
        else:
            it.zi = lp_prev(node.entry, it.zi)
            it.offset -= 1
        e.zi = it.zi
        e.offset = it.offset
        if it.zi != NULL:
            if plain:
                e.value = <const char*>node.entry
                e.sz = node.sz
            else:
                sz = 0
                e.value = lp_get(it.zi, &sz, &e.longval)
                e.sz = sz
            return True
        # this node is done: on to the next one
        _compress(it.ql, node)
        if it.direction == QL_START_HEAD:
            it.current = node.next
            it.offset = 0
        else:
            it.current = node.prev
            it.offset = -1
        it.zi = NULL


cdef void ql_iter_release(ql_iter* it) noexcept nogil:
    """Finish with an iterator: the node it stands on is compressed again
    if the rules want it."""
    if it.current != NULL:
        _compress(it.ql, it.current)
    it.current = NULL


cdef bint ql_index(quicklist* ql, long long idx, ql_iter* it, ql_entry* e) noexcept nogil:
    """The element at ``idx`` in ``e``; ``it`` must be released after use.
    False (nothing to release) when out of range."""
    if not ql_iter_init_at(it, ql, QL_START_TAIL, idx):
        return False
    ql_next(it, e)
    return True


# ---- changes at an iterator ----------------------------------------------------------------------

cdef void _insert(ql_iter* it, ql_entry* e, const char* s, size_t sz, bint after) noexcept nogil:
    """Insert s[:sz] before/after the element ``e`` (from ``it``)."""
    cdef quicklist* ql = it.ql
    cdef bint full = False, at_tail = False, at_head = False
    cdef bint avail_next = False, avail_prev = False
    cdef int fill = ql.fill
    cdef ql_node* node = e.node
    cdef ql_node* new_node
    cdef ql_node* entry_node
    if node == NULL:
        if _is_large(sz):
            _insert_plain_node(ql, ql.tail, s, sz, after)
            return
        new_node = _node_new()
        new_node.entry = lp_prepend(lp_new(0), s, sz)
        _insert_node(ql, NULL, new_node, after)
        new_node.count += 1
        ql.count += 1
        return
    if not _allow_insert(node, fill, sz):
        full = True
    if after and (e.offset == <long>node.count - 1 or e.offset == -1):
        at_tail = True
        if _allow_insert(node.next, fill, sz):
            avail_next = True
    if not after and (e.offset == 0 or e.offset == -<long>node.count):
        at_head = True
        if _allow_insert(node.prev, fill, sz):
            avail_prev = True
    if _is_large(sz):
        if node.container == QL_PLAIN or (at_tail and after) or (at_head and not after):
            _insert_plain_node(ql, node, s, sz, after)
        else:
            _decompress_for_use(node)
            new_node = _split_node(node, e.offset, after)
            entry_node = _plain_node_new(s, sz)
            _insert_node(ql, node, entry_node, after)
            _insert_node(ql, entry_node, new_node, after)
            ql.count += 1
        return
    if not full:
        _decompress_for_use(node)
        node.entry = lp_insert(node.entry, s, sz, e.zi, LP_AFTER if after else LP_BEFORE, NULL)
        node.count += 1
        _update_sz(node)
        _recompress_only(node)
    elif at_tail and avail_next and after:
        new_node = node.next
        _decompress_for_use(new_node)
        new_node.entry = lp_prepend(new_node.entry, s, sz)
        new_node.count += 1
        _update_sz(new_node)
        _recompress_only(new_node)
        _recompress_only(node)
    elif at_head and avail_prev and not after:
        new_node = node.prev
        _decompress_for_use(new_node)
        new_node.entry = lp_append(new_node.entry, s, sz)
        new_node.count += 1
        _update_sz(new_node)
        _recompress_only(new_node)
        _recompress_only(node)
    elif (at_tail and after) or (at_head and not after):
        # the neighbour is full too: a new node of one element
        new_node = _node_new()
        new_node.entry = lp_prepend(lp_new(0), s, sz)
        new_node.count += 1
        _update_sz(new_node)
        _insert_node(ql, node, new_node, after)
    else:
        # full, in the middle: split the node and put the element at the
        # cut, then merge what fits back together
        _decompress_for_use(node)
        new_node = _split_node(node, e.offset, after)
        if after:
            new_node.entry = lp_prepend(new_node.entry, s, sz)
        else:
            new_node.entry = lp_append(new_node.entry, s, sz)
        new_node.count += 1
        _update_sz(new_node)
        _insert_node(ql, node, new_node, after)
        _merge_nodes(ql, node)
    ql.count += 1
    it.current = NULL           # the iterator cannot continue after an insert
    it.zi = NULL


cdef void ql_insert_before(ql_iter* it, ql_entry* e, const char* s, size_t n) noexcept nogil:
    """Insert before ``e``. Afterwards ``it`` can only be released."""
    _insert(it, e, s, n, False)


cdef void ql_insert_after(ql_iter* it, ql_entry* e, const char* s, size_t n) noexcept nogil:
    """Insert after ``e``. Afterwards ``it`` can only be released."""
    _insert(it, e, s, n, True)


cdef void ql_del_entry(ql_iter* it, ql_entry* e) noexcept nogil:
    """Delete the element ``e`` the iterator just returned; the iterator
    stays usable and its next ql_next returns the element after it."""
    cdef ql_node* prev = e.node.prev
    cdef ql_node* next = e.node.next
    cdef bint gone = _del_index(it.ql, e.node, &e.zi)
    it.zi = NULL
    if gone:
        if it.direction == QL_START_HEAD:
            it.current = next
            it.offset = 0
        else:
            it.current = prev
            it.offset = -1


cdef void ql_replace_entry(ql_iter* it, ql_entry* e, const char* s, size_t sz) noexcept nogil:
    """Replace the element ``e`` by s[:sz]. Afterwards ``it`` can only be
    released."""
    cdef quicklist* ql = it.ql
    cdef ql_node* node = e.node
    cdef uchar* p
    if node.container != QL_PLAIN and not _is_large(sz):
        node.entry = lp_replace(node.entry, &e.zi, s, sz)
        _update_sz(node)
        _compress(ql, node)
    elif node.container == QL_PLAIN:
        if _is_large(sz):
            mem_free(node.entry)
            node.entry = <uchar*>mem_alloc(sz)
            node.sz = sz
            if sz:
                memcpy(node.entry, s, sz)
            _compress(ql, node)
        else:
            ql_insert_after(it, e, s, sz)
            _del_node(ql, node)
    else:
        # a large element replacing one inside a listpack: insert it as a
        # plain node after the old element, then delete the old element
        node.dont_compress = 1
        ql_insert_after(it, e, s, sz)
        if node.count == 1:
            _del_node(ql, node)
        else:
            p = lp_seek(node.entry, -1)
            _del_index(ql, node, &p)
            node.dont_compress = 0
            _compress(ql, node)
            _compress(ql, node.next)
    it.current = NULL
    it.zi = NULL


cdef bint ql_replace_at_index(quicklist* ql, long long idx, const char* s, size_t n) noexcept nogil:
    """LSET: replace the element at ``idx``. False when out of range."""
    cdef ql_iter it
    cdef ql_entry e
    if not ql_index(ql, idx, &it, &e):
        return False
    ql_replace_entry(&it, &e, s, n)
    ql_iter_release(&it)
    return True


cdef bint ql_del_range(quicklist* ql, long start, long count) noexcept nogil:
    """Delete ``count`` elements from index ``start`` (negative counts from
    the tail; the range is clipped to the list). False if nothing was
    deleted."""
    cdef unsigned long extent, delcount
    cdef ql_iter it
    cdef ql_node* node
    cdef ql_node* next
    cdef long offset
    cdef bint whole
    if count <= 0:
        return False
    extent = <unsigned long>count
    if start >= 0 and extent > ql.count - <unsigned long>start:
        extent = ql.count - <unsigned long>start
    elif start < 0 and extent > <unsigned long>(-start):
        extent = <unsigned long>(-start)
    if not ql_iter_init_at(&it, ql, QL_START_TAIL, start):
        return False
    node = it.current
    offset = it.offset
    ql_iter_release(&it)
    while extent:
        next = node.next
        whole = False
        if offset == 0 and extent >= node.count:
            whole = True
            delcount = node.count
        elif offset >= 0 and extent + <unsigned long>offset >= node.count:
            delcount = node.count - offset
        elif offset < 0:
            delcount = <unsigned long>(-offset)
            if delcount > extent:
                delcount = extent
        else:
            delcount = extent
        if whole or node.container == QL_PLAIN:
            _del_node(ql, node)
        else:
            _decompress_for_use(node)
            node.entry = lp_delete_range(node.entry, offset, delcount)
            _update_sz(node)
            node.count -= delcount
            ql.count -= delcount
            if node.count == 0:
                _del_node(ql, node)
            else:
                _recompress_only(node)
        extent -= delcount
        node = next
        offset = 0
    return True


cdef bint ql_compare(ql_entry* e, const char* s, size_t n) noexcept nogil:
    """Whether the element ``e`` equals s[:n] (integers compare by value
    with canonical integer strings, as stored)."""
    if e.node.container == QL_PLAIN:
        return e.sz == n and (n == 0 or memcmp(e.value, s, n) == 0)
    return lp_eq(e.zi, s, n)


# ---- Python wrapper for tests --------------------------------------------------------------------

def set_packed_threshold(unsigned long long sz):
    return ql_set_packed_threshold(sz)


cdef object _entry_value(ql_entry* e):
    if e.value == NULL:
        return str(e.longval).encode()
    return PyBytes_FromStringAndSize(e.value, e.sz)


cdef class QuickList:
    """A Python handle on a quicklist (tests only). Values come back as
    bytes (integers formatted as Redis replies them)."""
    cdef quicklist* ql

    def __cinit__(self, int fill=-2, int compress=0):
        self.ql = ql_create(fill, compress)

    def __dealloc__(self):
        if self.ql != NULL:
            ql_release(self.ql)

    def __len__(self):
        return self.ql.count

    @property
    def fill(self):
        return self.ql.fill

    @property
    def compress(self):
        return self.ql.compress

    def push_head(self, bytes v):
        return ql_push_head(self.ql, v, len(v))

    def push_tail(self, bytes v):
        return ql_push_tail(self.ql, v, len(v))

    def pop(self, bint tail=False):
        cdef ql_entry e
        cdef int where = QL_TAIL if tail else QL_HEAD
        if not ql_peek(self.ql, where, &e):
            return None
        v = _entry_value(&e)
        ql_del_end(self.ql, where)
        return v

    def items(self, long long start=0, bint reverse=False):
        """Elements from index ``start`` towards the tail (or the head)."""
        cdef ql_iter it
        cdef ql_entry e
        cdef list out = []
        if not ql_iter_init_at(&it, self.ql, QL_START_TAIL if reverse else QL_START_HEAD, start):
            return out
        while ql_next(&it, &e):
            out.append(_entry_value(&e))
        ql_iter_release(&it)
        return out

    def all_reversed(self):
        cdef ql_iter it
        cdef ql_entry e
        cdef list out = []
        ql_iter_init(&it, self.ql, QL_START_TAIL)
        while ql_next(&it, &e):
            out.append(_entry_value(&e))
        ql_iter_release(&it)
        return out

    def index(self, long long idx):
        cdef ql_iter it
        cdef ql_entry e
        if not ql_index(self.ql, idx, &it, &e):
            return None
        v = _entry_value(&e)
        ql_iter_release(&it)
        return v

    def insert(self, long long idx, bytes v, bint after=False):
        """Insert before/after the element at ``idx`` (reached by index)."""
        cdef ql_iter it
        cdef ql_entry e
        if not ql_index(self.ql, idx, &it, &e):
            raise IndexError(idx)
        _insert(&it, &e, v, len(v), after)
        ql_iter_release(&it)

    def insert_at_pivot(self, bytes pivot, bytes v, bint after=False):
        """LINSERT's path: iterate from the head to the first element equal
        to ``pivot``. False when there is none."""
        cdef ql_iter it
        cdef ql_entry e
        cdef bint found = False
        ql_iter_init_at(&it, self.ql, QL_START_HEAD, 0)
        while ql_next(&it, &e):
            if ql_compare(&e, pivot, len(pivot)):
                _insert(&it, &e, v, len(v), after)
                found = True
                break
        ql_iter_release(&it)
        return found

    def replace(self, long long idx, bytes v):
        return ql_replace_at_index(self.ql, idx, v, len(v))

    def delete_range(self, long start, long count):
        return ql_del_range(self.ql, start, count)

    def remove(self, bytes v, long count=0):
        """LREM's path: delete up to |count| elements equal to v (0: all),
        from the tail when count < 0. Returns how many."""
        cdef ql_iter it
        cdef ql_entry e
        cdef long removed = 0
        if self.ql.count == 0:
            return 0
        if count < 0:
            count = -count
            ql_iter_init_at(&it, self.ql, QL_START_TAIL, -1)
        else:
            ql_iter_init_at(&it, self.ql, QL_START_HEAD, 0)
        while ql_next(&it, &e):
            if ql_compare(&e, v, len(v)):
                ql_del_entry(&it, &e)
                removed += 1
                if count and removed == count:
                    break
        ql_iter_release(&it)
        return removed

    def dup(self):
        cdef QuickList c = QuickList.__new__(QuickList)
        ql_release(c.ql)
        c.ql = ql_dup(self.ql)
        return c

    def mem_usage(self):
        return ql_mem_usage(self.ql)

    def uncompressed_size(self):
        return ql_uncompressed_size(self.ql)

    def nodes(self):
        """[(container, encoding, count, sz, recompress)] from head to tail."""
        cdef ql_node* n = self.ql.head
        cdef list out = []
        while n != NULL:
            out.append(("plain" if n.container == QL_PLAIN else "packed",
                        "lzf" if n.encoding == QL_ENC_LZF else "raw", n.count, n.sz, n.recompress))
            n = n.next
        return out

    def check(self):
        """Assert the structure's invariants (tests)."""
        cdef ql_node* n = self.ql.head
        cdef ql_node* prev = NULL
        cdef unsigned long count = 0, length = 0, i
        cdef uchar* raw
        cdef unsigned long depth = self.ql.compress
        while n != NULL:
            assert n.prev == prev, "broken prev link"
            assert n.count > 0, "empty node"
            assert not n.recompress, "node left decompressed-for-use"
            assert not n.dont_compress
            if n.encoding == QL_ENC_LZF:
                assert n.prev != NULL and n.next != NULL, "compressed head/tail"
                raw = <uchar*>mem_alloc(n.sz)
                assert lzf_decompress(n.entry + LZF_HDR, _lzf_len(n), raw, n.sz) == n.sz
            else:
                raw = n.entry
            if n.container == QL_PACKED:
                assert lp_bytes(raw) == n.sz, "stale sz"
                assert lp_length(raw) == n.count, "stale count"
                # (byte limits are not an invariant: like Redis, a split
                # puts the new element in the cut-off part whatever its size)
                if n.count > 1 and self.ql.fill > 0:
                    assert n.count <= self.ql.fill, "count over fill"
            else:
                assert n.count == 1
            if raw != n.entry:
                mem_free(raw)
            count += n.count
            length += 1
            prev = n
            n = n.next
        assert self.ql.tail == prev, "tail is not the last node"
        assert count == self.ql.count, "count %d != %d" % (count, self.ql.count)
        assert length == self.ql.len
        if depth:
            # the ends are raw
            n = self.ql.head
            i = 0
            while n != NULL and i < depth:
                assert n.encoding == QL_ENC_RAW, "node %d from the head is compressed" % i
                n = n.next
                i += 1
            n = self.ql.tail
            i = 0
            while n != NULL and i < depth:
                assert n.encoding == QL_ENC_RAW, "node %d from the tail is compressed" % i
                n = n.prev
                i += 1
