"""rax: a radix tree mapping byte strings to pointers, in key order.

Streams need an ordered map from 128-bit big-endian IDs to listpack nodes
(and to pending entries), consumer groups an ordered map from names to
groups and consumers; a radix tree gives both with lookups in O(key length)
and no per-key copy of the key: keys sharing a prefix share its bytes.

Node model (the one Redis's rax uses; XINFO STREAM reports the number of
nodes, so the shape of the tree after any sequence of inserts and removes
must be the one Redis builds):

* a node is *compressed* (a run of ``size`` >= 2 bytes and exactly one
  child: the run stands for a chain of single-child nodes) or *branching*
  (``size`` single-byte edges, sorted, one child each; ``size`` may be 0 for
  a leaf, or 1);
* the bytes live on the edges, in the parent; a node *is a key* when the
  bytes on the path from the head to it spell the key, and then carries the
  value pointer;
* every leaf is a key, except the head of an empty tree.

The tree holding "foo", "foobar" and "footer" ([x] marks a key node):

      "foo"          head: compressed run "foo", no key
        |
      [b  t]         branching node, the key "foo", edges b and t
       /    \
    "ar"    "er"     compressed runs, no key
      |       |
     []      []      leaves: the keys "foobar" and "footer"

Inserting "first" splits the run "foo" where the keys part ways: a trimmed
run (nothing here: the split is at byte 1), a branching node with the old
byte and the new one, and a postfix run with the rest of the old bytes:

      [f]  ->  [i  o]  ->  "rst" -> []            ("first")
                    \
                   [o] -> [b  t] -> ...           (as before)

Inserting a key that ends inside a run cuts the run in two, the second half
becoming a key node. Removing a key frees the nodes that only led to it and
then merges a chain of non-key single-child nodes back into one run. Those
rules (when a one-byte run stays a branching node, when merging stops) are
Redis's, so the node count follows Redis's exactly.

Layout of one node, a single allocation (8-byte pointers):

    | hdr u32: key:1 compressed:1 size:30 | size bytes | pad to 8 | children | value |

``children`` is one pointer for a compressed node, ``size`` pointers for a
branching one; ``value`` is present when the node is a key. A node whose
key was removed keeps its allocation until it is next resized.

Ownership: the tree owns its nodes, never the values; ``rax_free`` hands
each value to a callback. Iterators (``rax_iter``) hold pointers into the
tree: any insert or remove invalidates them (seek again afterwards).

Costs: find/insert/remove O(key length) (a branching node is scanned
linearly: at most 256 edges); iteration amortised O(1) per key.
"""

from libc.string cimport memcpy, memmove, memcmp, memset
from libc.stdint cimport uintptr_t

from engine._mem cimport mem_alloc, mem_calloc, mem_realloc, mem_free, mem_usable

cdef enum:
    KEY_BIT = 1
    COMPR_BIT = 2
    PTRSZ = 8


# ---- node layout -------------------------------------------------------------

cdef inline bint _iskey(rax_node* n) noexcept nogil:
    return (n.hdr & KEY_BIT) != 0


cdef inline bint _iscompr(rax_node* n) noexcept nogil:
    return (n.hdr & COMPR_BIT) != 0


cdef inline size_t _size(rax_node* n) noexcept nogil:
    return n.hdr >> 2


cdef inline void _set_hdr(rax_node* n, bint key, bint compr, size_t size) noexcept nogil:
    n.hdr = <uint32_t>((1 if key else 0) | (2 if compr else 0) | (size << 2))


cdef inline uchar* _chars(rax_node* n) noexcept nogil:
    return (<uchar*>n) + 4


cdef inline size_t _ptr_off(size_t nchars) noexcept nogil:
    """Offset of the first child pointer: header + bytes, padded to 8."""
    return (4 + nchars + 7) & ~(<size_t>7)


cdef inline size_t _nchild(rax_node* n) noexcept nogil:
    return 1 if _iscompr(n) else _size(n)


cdef inline rax_node** _children(rax_node* n) noexcept nogil:
    return <rax_node**>((<uchar*>n) + _ptr_off(_size(n)))


cdef inline rax_node** _last_child_ptr(rax_node* n) noexcept nogil:
    return _children(n) + _nchild(n) - 1


cdef inline void** _value_slot(rax_node* n) noexcept nogil:
    return <void**>(_children(n) + _nchild(n))


cdef inline size_t _node_len(size_t nchars, size_t nchild, bint key) noexcept nogil:
    return _ptr_off(nchars) + nchild * PTRSZ + (PTRSZ if key else 0)


cdef inline void* _get_value(rax_node* n) noexcept nogil:
    return _value_slot(n)[0]


cdef inline void _set_value(rax_node* n, void* data) noexcept nogil:
    """Mark ``n`` a key holding ``data``; its allocation must have the slot."""
    n.hdr |= KEY_BIT
    _value_slot(n)[0] = data


cdef rax_node* _new_node(size_t nchars, size_t nchild, bint key, bint compr) noexcept nogil:
    """A zeroed node of that shape (edges and children left to the caller)."""
    cdef rax_node* n = <rax_node*>mem_calloc(_node_len(nchars, nchild, key))
    _set_hdr(n, key, compr, nchars)
    return n


cdef rax_node* _new_leaf() noexcept nogil:
    return _new_node(0, 0, False, False)


cdef rax_node* _realloc_for_value(rax_node* n) noexcept nogil:
    """``n`` grown (if needed) to hold a value slot. May move."""
    return <rax_node*>mem_realloc(n, _node_len(_size(n), _nchild(n), True))


cdef rax_node* _add_child(rax_node* n, uchar c, rax_node** child,
                          rax_node*** parentlink) noexcept nogil:
    """Add edge ``c`` (absent) to the branching node ``n``, in byte order,
    leading to a new empty leaf. Returns ``n`` (moved); *child is the leaf
    and *parentlink the slot in ``n`` pointing to it."""
    cdef size_t k = _size(n)
    cdef bint key = _iskey(n)
    cdef size_t old_off = _ptr_off(k)
    cdef size_t new_off = _ptr_off(k + 1)
    cdef size_t pos = 0
    cdef uchar* base
    cdef rax_node** ptrs
    cdef rax_node* leaf
    while pos < k and _chars(n)[pos] < c:
        pos += 1
    n = <rax_node*>mem_realloc(n, _node_len(k + 1, k + 1, key))
    base = <uchar*>n
    # Everything moves right: the value, the pointers after pos, the pointers
    # before pos, then the bytes after pos (rightmost block first).
    if key:
        memmove(base + new_off + (k + 1) * PTRSZ, base + old_off + k * PTRSZ, PTRSZ)
    memmove(base + new_off + (pos + 1) * PTRSZ, base + old_off + pos * PTRSZ, (k - pos) * PTRSZ)
    if new_off != old_off:
        memmove(base + new_off, base + old_off, pos * PTRSZ)
    memmove(_chars(n) + pos + 1, _chars(n) + pos, k - pos)
    _chars(n)[pos] = c
    _set_hdr(n, key, False, k + 1)
    # zero the padding so node bytes never carry stale data
    memset(_chars(n) + k + 1, 0, new_off - 4 - (k + 1))
    leaf = _new_leaf()
    ptrs = _children(n)
    ptrs[pos] = leaf
    child[0] = leaf
    parentlink[0] = &ptrs[pos]
    return n


cdef rax_node* _compress_node(rax_node* n, const uchar* s, size_t len,
                              rax_node** child) noexcept nogil:
    """Turn the leaf ``n`` into a run of s[:len] leading to a new empty
    leaf, keeping its key and value. Returns ``n`` (moved)."""
    cdef bint key = _iskey(n)
    cdef void* value = _get_value(n) if key else NULL
    cdef rax_node* leaf
    n = <rax_node*>mem_realloc(n, _node_len(len, 1, key))
    _set_hdr(n, key, True, len)
    memcpy(_chars(n), s, len)
    memset(_chars(n) + len, 0, _ptr_off(len) - 4 - len)
    leaf = _new_leaf()
    _children(n)[0] = leaf
    if key:
        _value_slot(n)[0] = value
    child[0] = leaf
    return n


cdef rax_node* _remove_child(rax_node* parent, rax_node* child) noexcept nogil:
    """Drop the edge to ``child`` (not freed here). A run becomes a leaf.
    Returns ``parent`` (possibly moved)."""
    cdef bint key = _iskey(parent)
    cdef void* value = _get_value(parent) if key else NULL
    cdef size_t k = _size(parent)
    cdef size_t old_off, new_off, idx
    cdef uchar* base
    cdef rax_node** ptrs
    if _iscompr(parent):
        _set_hdr(parent, key, False, 0)
        if key:
            _value_slot(parent)[0] = value
        return <rax_node*>mem_realloc(parent, _node_len(0, 0, key))
    ptrs = _children(parent)
    idx = 0
    while ptrs[idx] != child:
        idx += 1
    old_off = _ptr_off(k)
    new_off = _ptr_off(k - 1)
    base = <uchar*>parent
    # Everything moves left: bytes, pointers before idx, after idx, value.
    memmove(_chars(parent) + idx, _chars(parent) + idx + 1, k - idx - 1)
    memmove(base + new_off, base + old_off, idx * PTRSZ)
    memmove(base + new_off + idx * PTRSZ, base + old_off + (idx + 1) * PTRSZ, (k - idx - 1) * PTRSZ)
    if key:
        memmove(base + new_off + (k - 1) * PTRSZ, base + old_off + k * PTRSZ, PTRSZ)
    _set_hdr(parent, key, False, k - 1)
    return <rax_node*>mem_realloc(parent, _node_len(k - 1, k - 1, key))


cdef rax_node** _find_parent_link(rax_node* parent, rax_node* child) noexcept nogil:
    cdef rax_node** cp = _children(parent)
    while cp[0] != child:
        cp += 1
    return cp


# ---- a stack of nodes (the path of a walk) --------------------------------------------

ctypedef struct _stack:
    rax_node** items
    size_t n
    size_t cap
    rax_node* static_items[RAX_STACK_STATIC]


cdef inline void _stack_init(_stack* st) noexcept nogil:
    st.items = st.static_items
    st.n = 0
    st.cap = RAX_STACK_STATIC


cdef void _stack_push(_stack* st, rax_node* n) noexcept nogil:
    cdef rax_node** grown
    if st.n == st.cap:
        grown = <rax_node**>mem_alloc(st.cap * 2 * sizeof(rax_node*))
        memcpy(grown, st.items, st.n * sizeof(rax_node*))
        if st.items != st.static_items:
            mem_free(st.items)
        st.items = grown
        st.cap *= 2
    st.items[st.n] = n
    st.n += 1


cdef inline rax_node* _stack_pop(_stack* st) noexcept nogil:
    if st.n == 0:
        return NULL
    st.n -= 1
    return st.items[st.n]


cdef inline rax_node* _stack_peek(_stack* st) noexcept nogil:
    return NULL if st.n == 0 else st.items[st.n - 1]


cdef inline void _stack_free(_stack* st) noexcept nogil:
    if st.items != st.static_items:
        mem_free(st.items)


# ---- lookup ---------------------------------------------------------------------------

cdef size_t _walk(rax_t* t, const uchar* s, size_t len, rax_node** stopnode,
                  rax_node*** plink, size_t* splitpos, _stack* ts) noexcept nogil:
    """Follow s from the head as far as the edges match. Returns how many
    bytes matched; *stopnode is where it stopped, *plink the slot pointing
    to it, *splitpos (for a run) how many of the run's bytes matched. With
    ``ts`` every node passed through is pushed (the stop node's ancestors)."""
    cdef rax_node* h = t.head
    cdef rax_node** parentlink = &t.head
    cdef size_t i = 0, j = 0, size
    cdef uchar* v
    cdef rax_node** children
    while True:
        size = _size(h)
        if size == 0 or i >= len:
            break
        v = _chars(h)
        if _iscompr(h):
            j = 0
            while j < size and i < len and v[j] == s[i]:
                j += 1
                i += 1
            if j != size:
                break
        else:
            j = 0
            while j < size and v[j] != s[i]:
                j += 1
            if j == size:
                break
            i += 1
        if ts != NULL:
            _stack_push(ts, h)
        children = _children(h)
        if _iscompr(h):
            j = 0
        parentlink = &children[j]
        h = children[j]
        j = 0
    stopnode[0] = h
    if plink != NULL:
        plink[0] = parentlink
    if splitpos != NULL and _iscompr(h):
        splitpos[0] = j
    return i


cdef bint rax_find(rax_t* t, const uchar* s, size_t len, void** data) noexcept nogil:
    """Whether ``s`` is a key; its value goes to *data (if not NULL)."""
    cdef rax_node* h
    cdef size_t splitpos = 0
    cdef size_t i = _walk(t, s, len, &h, NULL, &splitpos, NULL)
    if i != len or (_iscompr(h) and splitpos != 0) or not _iskey(h):
        return False
    if data != NULL:
        data[0] = _get_value(h)
    return True


# ---- insert ---------------------------------------------------------------------------

cdef int _insert(rax_t* t, const uchar* s, size_t len, void* data, void** old,
                 bint overwrite) noexcept nogil:
    cdef rax_node* h
    cdef rax_node** parentlink
    cdef size_t splitpos = 0
    cdef size_t i = _walk(t, s, len, &h, &parentlink, &splitpos, NULL)
    cdef size_t j = splitpos, trimmedlen, postfixlen, comprsize
    cdef rax_node* nxt
    cdef rax_node* splitnode
    cdef rax_node* trimmed
    cdef rax_node* postfix
    cdef rax_node* child
    cdef rax_node** new_parentlink
    cdef bint hkey
    cdef void* hval

    # The walk consumed the whole key at a node boundary: that node is (or
    # becomes) the key.
    if i == len and (not _iscompr(h) or j == 0):
        if _iskey(h):
            if old != NULL:
                old[0] = _get_value(h)
            if overwrite:
                _value_slot(h)[0] = data
            return 0
        h = _realloc_for_value(h)
        parentlink[0] = h
        _set_value(h, data)
        t.numele += 1
        return 1

    hkey = _iskey(h)
    hval = _get_value(h) if hkey else NULL

    if _iscompr(h) and i != len:
        # Mismatch inside a run at byte j: [trimmed run] -> split node with
        # the run's byte j (and, below, the key's byte) -> [postfix run] -> next.
        nxt = _children(h)[0]
        trimmedlen = j
        postfixlen = _size(h) - j - 1
        splitnode = _new_node(1, 1, trimmedlen == 0 and hkey, False)
        _chars(splitnode)[0] = _chars(h)[j]
        if j == 0:
            if hkey:
                _value_slot(splitnode)[0] = hval
            parentlink[0] = splitnode
        else:
            trimmed = _new_node(j, 1, hkey, j > 1)
            memcpy(_chars(trimmed), _chars(h), j)
            if hkey:
                _value_slot(trimmed)[0] = hval
            _children(trimmed)[0] = splitnode
            parentlink[0] = trimmed
            parentlink = _children(trimmed)
            t.numnodes += 1
        if postfixlen:
            postfix = _new_node(postfixlen, 1, False, postfixlen > 1)
            memcpy(_chars(postfix), _chars(h) + j + 1, postfixlen)
            _children(postfix)[0] = nxt
            t.numnodes += 1
        else:
            postfix = nxt
        _children(splitnode)[0] = postfix
        mem_free(h)
        h = splitnode
    elif _iscompr(h) and i == len:
        # The key ends inside a run at byte j: trimmed run -> postfix run
        # (the new key) -> next.
        nxt = _children(h)[0]
        postfixlen = _size(h) - j
        postfix = _new_node(postfixlen, 1, True, postfixlen > 1)
        memcpy(_chars(postfix), _chars(h) + j, postfixlen)
        _children(postfix)[0] = nxt
        _value_slot(postfix)[0] = data
        t.numnodes += 1
        trimmed = _new_node(j, 1, hkey, j > 1)
        memcpy(_chars(trimmed), _chars(h), j)
        if hkey:
            _value_slot(trimmed)[0] = hval
        _children(trimmed)[0] = postfix
        parentlink[0] = trimmed
        t.numele += 1
        mem_free(h)
        return 1

    # Add the missing bytes: a run when a leaf gets more than one byte,
    # else one edge at a time.
    while i < len:
        if _size(h) == 0 and len - i > 1:
            comprsize = len - i
            if comprsize > RAX_NODE_MAX_SIZE:
                comprsize = RAX_NODE_MAX_SIZE
            h = _compress_node(h, s + i, comprsize, &child)
            parentlink[0] = h
            parentlink = _children(h)
            i += comprsize
        else:
            h = _add_child(h, s[i], &child, &new_parentlink)
            parentlink[0] = h
            parentlink = new_parentlink
            i += 1
        t.numnodes += 1
        h = child
    h = _realloc_for_value(h)
    if not _iskey(h):
        t.numele += 1
    _set_value(h, data)
    parentlink[0] = h
    return 1


cdef int rax_insert(rax_t* t, const uchar* s, size_t len, void* data, void** old) noexcept nogil:
    """Set ``s`` to ``data``. Returns 1 if the key is new, 0 if it existed
    (its value is overwritten; the previous one goes to *old)."""
    return _insert(t, s, len, data, old, True)


cdef int rax_try_insert(rax_t* t, const uchar* s, size_t len, void* data, void** old) noexcept nogil:
    """Like rax_insert but an existing key keeps its value (returns 0)."""
    return _insert(t, s, len, data, old, False)


# ---- remove ---------------------------------------------------------------------------

cdef inline bint _compressible(rax_node* n) noexcept nogil:
    """A node a run may absorb: not a key, exactly one child."""
    return not _iskey(n) and (_iscompr(n) or _size(n) == 1)


cdef int rax_remove(rax_t* t, const uchar* s, size_t len, void** old) noexcept nogil:
    """Remove the key ``s``. Returns 1 if it was there (value to *old)."""
    cdef rax_node* h
    cdef rax_node* child
    cdef rax_node* new
    cdef rax_node* parent
    cdef rax_node* start
    cdef rax_node* tofree
    cdef rax_node** parentlink
    cdef _stack ts
    cdef size_t splitpos = 0, i, comprsize
    cdef int nodes
    cdef bint trycompress = False
    _stack_init(&ts)
    i = _walk(t, s, len, &h, NULL, &splitpos, &ts)
    if i != len or (_iscompr(h) and splitpos != 0) or not _iskey(h):
        _stack_free(&ts)
        return 0
    if old != NULL:
        old[0] = _get_value(h)
    h.hdr &= ~(<uint32_t>KEY_BIT)
    t.numele -= 1

    if _size(h) == 0:
        # Free the chain of nodes that only led to this key, up to a key or
        # a node with other children, then unlink it there.
        child = NULL
        while h != t.head:
            child = h
            mem_free(child)
            t.numnodes -= 1
            h = _stack_pop(&ts)
            if _iskey(h) or (not _iscompr(h) and _size(h) != 1):
                break
        if child != NULL:
            new = _remove_child(h, child)
            if new != h:
                parent = _stack_peek(&ts)
                if parent == NULL:
                    parentlink = &t.head
                else:
                    parentlink = _find_parent_link(parent, h)
                parentlink[0] = new
            if _size(new) == 1 and not _iskey(new):
                trycompress = True
                h = new
    elif _size(h) == 1:
        trycompress = True

    if trycompress:
        # Go up while the parents could join a run, then merge the chain of
        # compressible nodes from there into one run.
        while True:
            parent = _stack_pop(&ts)
            if parent == NULL or not _compressible(parent):
                break
            h = parent
        start = h
        comprsize = _size(h)
        nodes = 1
        while _size(h) != 0:
            h = _last_child_ptr(h)[0]
            if not _compressible(h):
                break
            if comprsize + _size(h) > RAX_NODE_MAX_SIZE:
                break
            nodes += 1
            comprsize += _size(h)
        if nodes > 1:
            new = _new_node(comprsize, 1, False, True)
            t.numnodes += 1
            comprsize = 0
            h = start
            while _size(h) != 0:
                memcpy(_chars(new) + comprsize, _chars(h), _size(h))
                comprsize += _size(h)
                tofree = h
                h = _last_child_ptr(h)[0]
                mem_free(tofree)
                t.numnodes -= 1
                if not _compressible(h):
                    break
            _children(new)[0] = h
            if parent != NULL:
                _find_parent_link(parent, start)[0] = new
            else:
                t.head = new
    _stack_free(&ts)
    return 1


# ---- lifecycle ------------------------------------------------------------------------

cdef rax_t* rax_new() noexcept nogil:
    """An empty tree: one empty head node."""
    cdef rax_t* t = <rax_t*>mem_alloc(sizeof(rax_t))
    t.head = _new_leaf()
    t.numele = 0
    t.numnodes = 1
    return t


cdef void rax_free(rax_t* t, rax_free_cb cb) noexcept nogil:
    """Free the tree; ``cb`` (if not NULL) gets every value. Iterative, so a
    deep tree cannot overflow the C stack."""
    cdef _stack st
    cdef rax_node* n
    cdef rax_node** ptrs
    cdef size_t k, nc
    if t == NULL:
        return
    _stack_init(&st)
    _stack_push(&st, t.head)
    while st.n:
        n = _stack_pop(&st)
        nc = _nchild(n)
        ptrs = _children(n)
        for k in range(nc):
            _stack_push(&st, ptrs[k])
        if cb != NULL and _iskey(n):
            cb(_get_value(n))
        mem_free(n)
    _stack_free(&st)
    mem_free(t)


cdef size_t rax_mem_usage(rax_t* t) noexcept nogil:
    """Bytes of every node plus the tree header (values not included)."""
    cdef _stack st
    cdef rax_node* n
    cdef rax_node** ptrs
    cdef size_t k, nc
    cdef size_t total = mem_usable(t)
    _stack_init(&st)
    _stack_push(&st, t.head)
    while st.n:
        n = _stack_pop(&st)
        total += mem_usable(n)
        nc = _nchild(n)
        ptrs = _children(n)
        for k in range(nc):
            _stack_push(&st, ptrs[k])
    _stack_free(&st)
    return total


# ---- iterator -----------------------------------------------------------------------------
#
# The iterator keeps the path from the head to the current key node as
# frames (node, edge taken) and the key bytes spelt by that path. Keys come
# in pre-order: a node's key before the keys below it, children in byte
# order. From a key node, the next key is the first key below it, or else
# the first key of the next sibling subtree of the nearest ancestor that has
# one. The previous key is the last key of the previous sibling subtree of
# the nearest ancestor that has one (its deepest rightmost leaf), or else
# the nearest ancestor that is a key.

cdef void _key_reserve(rax_iter* it, size_t need) noexcept nogil:
    cdef uchar* grown
    cdef size_t cap
    if need <= it.key_max:
        return
    cap = it.key_max * 2
    if cap < need:
        cap = need
    grown = <uchar*>mem_alloc(cap)
    memcpy(grown, it.key, it.key_len)
    if it.key != it.key_static:
        mem_free(it.key)
    it.key = grown
    it.key_max = cap


cdef rax_node* _descend(rax_iter* it, rax_node* n, size_t idx) noexcept nogil:
    """Take edge ``idx`` of ``n``: push the frame, append its bytes, return
    the child."""
    cdef rax_frame* grown
    cdef size_t add
    if it.depth == it.frames_max:
        grown = <rax_frame*>mem_alloc(it.frames_max * 2 * sizeof(rax_frame))
        memcpy(grown, it.frames, it.depth * sizeof(rax_frame))
        if it.frames != it.frames_static:
            mem_free(it.frames)
        it.frames = grown
        it.frames_max *= 2
    it.frames[it.depth].node = n
    it.frames[it.depth].idx = <uint32_t>idx
    it.depth += 1
    if _iscompr(n):
        add = _size(n)
        _key_reserve(it, it.key_len + add)
        memcpy(it.key + it.key_len, _chars(n), add)
        it.key_len += add
    else:
        _key_reserve(it, it.key_len + 1)
        it.key[it.key_len] = _chars(n)[idx]
        it.key_len += 1
    return _children(n)[idx]


cdef inline rax_node* _ascend(rax_iter* it, size_t* idx) noexcept nogil:
    """Pop the last frame (drop its bytes); returns its node, *idx the edge."""
    cdef rax_node* n
    it.depth -= 1
    n = it.frames[it.depth].node
    idx[0] = it.frames[it.depth].idx
    it.key_len -= _size(n) if _iscompr(n) else 1
    return n


cdef inline bint _at(rax_iter* it, rax_node* n) noexcept nogil:
    it.node = n
    it.data = _get_value(n)
    return True


cdef bint _leftmost(rax_iter* it, rax_node* n) noexcept nogil:
    """The first key in the subtree of ``n`` (n itself if a key)."""
    while not _iskey(n):
        if _size(n) == 0:
            return False            # the head of an empty tree
        n = _descend(it, n, 0)
    return _at(it, n)


cdef bint _rightmost(rax_iter* it, rax_node* n) noexcept nogil:
    """The last key in the subtree of ``n``: its deepest rightmost node."""
    while _size(n) != 0:
        n = _descend(it, n, _nchild(n) - 1)
    if not _iskey(n):
        return False
    return _at(it, n)


cdef bint _next_after_subtree(rax_iter* it) noexcept nogil:
    """The first key after every key below the current position."""
    cdef rax_node* p
    cdef size_t k
    while it.depth:
        p = _ascend(it, &k)
        if not _iscompr(p) and k + 1 < _size(p):
            return _leftmost(it, _descend(it, p, k + 1))
    return False


cdef bint _prev_before_subtree(rax_iter* it) noexcept nogil:
    """The last key before the current position and its subtree."""
    cdef rax_node* p
    cdef size_t k
    while it.depth:
        p = _ascend(it, &k)
        if not _iscompr(p) and k > 0:
            return _rightmost(it, _descend(it, p, k - 1))
        if _iskey(p):
            return _at(it, p)
    return False


cdef bint _seek_ge(rax_iter* it, const uchar* s, size_t len) noexcept nogil:
    """Position on the smallest key >= s."""
    cdef rax_node* n = it.rt.head
    cdef size_t i = 0, m, size, k
    cdef uchar* v
    while True:
        if i == len:
            if _iskey(n):
                return _at(it, n)
            return _leftmost(it, n)
        size = _size(n)
        if size == 0:
            return _next_after_subtree(it)      # a key shorter than s: smaller
        v = _chars(n)
        if _iscompr(n):
            m = 0
            while m < size and i + m < len and v[m] == s[i + m]:
                m += 1
            if m == size:
                n = _descend(it, n, 0)
                i += size
                continue
            if i + m == len or v[m] > s[i + m]:
                return _leftmost(it, _descend(it, n, 0))
            return _next_after_subtree(it)
        k = 0
        while k < size and v[k] < s[i]:
            k += 1
        if k < size and v[k] == s[i]:
            n = _descend(it, n, k)
            i += 1
            continue
        if k < size:
            return _leftmost(it, _descend(it, n, k))
        return _next_after_subtree(it)


cdef bint _seek_le(rax_iter* it, const uchar* s, size_t len) noexcept nogil:
    """Position on the greatest key <= s."""
    cdef rax_node* n = it.rt.head
    cdef size_t i = 0, m, size, k
    cdef uchar* v
    while True:
        if i == len:
            if _iskey(n):
                return _at(it, n)
            return _prev_before_subtree(it)
        size = _size(n)
        if size == 0:
            if _iskey(n):
                return _at(it, n)
            return _prev_before_subtree(it)
        v = _chars(n)
        if _iscompr(n):
            m = 0
            while m < size and i + m < len and v[m] == s[i + m]:
                m += 1
            if m == size:
                n = _descend(it, n, 0)
                i += size
                continue
            if i + m == len or v[m] > s[i + m]:
                if _iskey(n):
                    return _at(it, n)
                return _prev_before_subtree(it)
            return _rightmost(it, n)
        k = size
        while k > 0 and v[k - 1] > s[i]:
            k -= 1
        # k edges are <= s[i]
        if k > 0 and v[k - 1] == s[i]:
            n = _descend(it, n, k - 1)
            i += 1
            continue
        if k > 0:
            return _rightmost(it, _descend(it, n, k - 1))
        if _iskey(n):
            return _at(it, n)
        return _prev_before_subtree(it)


cdef inline bint _key_is(rax_iter* it, const uchar* s, size_t len) noexcept nogil:
    return it.key_len == len and (len == 0 or memcmp(it.key, s, len) == 0)


cdef void rax_iter_start(rax_iter* it, rax_t* t) noexcept nogil:
    """Prepare an iterator on ``t`` (at EOF until seeked)."""
    it.rt = t
    it.flags = RAX_ITER_EOF
    it.key = it.key_static
    it.key_len = 0
    it.key_max = RAX_ITER_STATIC_KEY
    it.data = NULL
    it.node = NULL
    it.frames = it.frames_static
    it.depth = 0
    it.frames_max = RAX_STACK_STATIC


cdef bint rax_seek(rax_iter* it, int op, const uchar* s, size_t len) noexcept nogil:
    """Position the iterator (the next rax_next/rax_prev returns the key
    found here first). Returns False (and EOF) when no key qualifies."""
    cdef bint ok
    it.depth = 0
    it.key_len = 0
    it.flags = 0
    if it.rt.numele == 0:
        ok = False
    elif op == RAX_SEEK_FIRST:
        ok = _leftmost(it, it.rt.head)
    elif op == RAX_SEEK_LAST:
        ok = _rightmost(it, it.rt.head)
    elif op == RAX_SEEK_GE or op == RAX_SEEK_GT or op == RAX_SEEK_EQ:
        ok = _seek_ge(it, s, len)
        if ok and _key_is(it, s, len):
            if op == RAX_SEEK_GT:
                ok = rax_next_step(it)
        elif op == RAX_SEEK_EQ:
            ok = False
    else:
        ok = _seek_le(it, s, len)
        if ok and op == RAX_SEEK_LT and _key_is(it, s, len):
            ok = _prev_before_subtree(it)
    if ok:
        it.flags = RAX_ITER_JUST_SEEKED
    else:
        it.flags = RAX_ITER_EOF
    return ok


cdef bint rax_next_step(rax_iter* it) noexcept nogil:
    if _size(it.node) != 0:
        return _leftmost(it, _descend(it, it.node, 0))
    return _next_after_subtree(it)


cdef bint rax_next(rax_iter* it) noexcept nogil:
    """Move to the next key in order; False at the end."""
    if it.flags & RAX_ITER_EOF:
        return False
    if it.flags & RAX_ITER_JUST_SEEKED:
        it.flags &= ~RAX_ITER_JUST_SEEKED
        return True
    if not rax_next_step(it):
        it.flags |= RAX_ITER_EOF
        return False
    return True


cdef bint rax_prev(rax_iter* it) noexcept nogil:
    """Move to the previous key in order; False at the start."""
    if it.flags & RAX_ITER_EOF:
        return False
    if it.flags & RAX_ITER_JUST_SEEKED:
        it.flags &= ~RAX_ITER_JUST_SEEKED
        return True
    if not _prev_before_subtree(it):
        it.flags |= RAX_ITER_EOF
        return False
    return True


cdef void rax_iter_set_data(rax_iter* it, void* data) noexcept nogil:
    """Replace the current key's value in place (the tree is unchanged, so
    the iterator stays valid)."""
    _value_slot(it.node)[0] = data
    it.data = data


cdef void rax_iter_stop(rax_iter* it) noexcept nogil:
    if it.key != it.key_static:
        mem_free(it.key)
        it.key = it.key_static
    if it.frames != it.frames_static:
        mem_free(it.frames)
        it.frames = it.frames_static


# ---- Python wrapper for tests -------------------------------------------------------------

_SEEK_OPS = {"^": RAX_SEEK_FIRST, "$": RAX_SEEK_LAST, ">=": RAX_SEEK_GE, ">": RAX_SEEK_GT,
             "<=": RAX_SEEK_LE, "<": RAX_SEEK_LT, "=": RAX_SEEK_EQ}


cdef class Rax:
    """A Python handle on a rax mapping bytes to small integers (tests)."""
    cdef rax_t* t

    def __cinit__(self):
        self.t = rax_new()

    def __dealloc__(self):
        rax_free(self.t, NULL)

    def __len__(self):
        return self.t.numele

    @property
    def numnodes(self):
        return self.t.numnodes

    def insert(self, bytes key, uintptr_t value, bint overwrite=True):
        """True when the key is new."""
        if overwrite:
            return rax_insert(self.t, <const uchar*><const char*>key, len(key), <void*>value, NULL) == 1
        return rax_try_insert(self.t, <const uchar*><const char*>key, len(key), <void*>value, NULL) == 1

    def remove(self, bytes key):
        return rax_remove(self.t, <const uchar*><const char*>key, len(key), NULL) == 1

    def find(self, bytes key):
        cdef void* v
        if rax_find(self.t, <const uchar*><const char*>key, len(key), &v):
            return <uintptr_t>v
        return None

    def __contains__(self, bytes key):
        return rax_find(self.t, <const uchar*><const char*>key, len(key), NULL)

    def items(self, str op="^", bytes key=b"", bint reverse=False, long limit=-1):
        """(key, value) pairs from a seek, going forward (or backward)."""
        cdef rax_iter it
        cdef list out = []
        rax_iter_start(&it, self.t)
        rax_seek(&it, _SEEK_OPS[op], <const uchar*><const char*>key, len(key))
        while limit != 0 and (rax_prev(&it) if reverse else rax_next(&it)):
            out.append(((<char*>it.key)[:it.key_len], <uintptr_t>it.data))
            limit -= 1
        rax_iter_stop(&it)
        return out

    def mem_usage(self):
        return rax_mem_usage(self.t)

    def check(self):
        """Walk the tree and verify its invariants; returns (keys, nodes)."""
        cdef list todo = [<uintptr_t>self.t.head]
        cdef rax_node* n
        cdef size_t nodes = 0, keys = 0, k
        cdef uchar* v
        while todo:
            n = <rax_node*><uintptr_t>todo.pop()
            nodes += 1
            if _iskey(n):
                keys += 1
            v = _chars(n)
            if _iscompr(n):
                assert _size(n) >= 2, "a run of fewer than 2 bytes"
            else:
                for k in range(1, _size(n)):
                    assert v[k - 1] < v[k], "edges out of order"
            if _size(n) == 0 and n != self.t.head:
                assert _iskey(n), "a leaf that is not a key"
            for k in range(_nchild(n)):
                todo.append(<uintptr_t>_children(n)[k])
        assert nodes == self.t.numnodes, (nodes, self.t.numnodes)
        assert keys == self.t.numele, (keys, self.t.numele)
        return keys, nodes
