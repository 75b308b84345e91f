"""Sorted sets, "skiplist" encoding: a skiplist plus a member -> score dict.

Why two structures
------------------
A sorted set must answer "score of member" in O(1) (ZSCORE, ZADD's
existence check) and "elements in order / by rank / in a score or lex
interval" in O(log n). The dict (engine/dict) gives the first, the skiplist
the second; every member is in both.

Layout
------
::

    skiplist: ordered by score, then member bytes         (n) = span

    header
    [L2]-------------------------(3)---------------------------> NULL
    [L1]---(1)---> [L1]--------------------(2)-----------------> NULL
    [L0]---(1)---> [L0]----(1)----> [L0]----(1)----> [L0]------> NULL
                   score 1.5        score 2.0        score 2.0
                   ent              ent              ent
    NULL <-backward-  |  <-backward-   |  <-backward-   |   = tail
                      v                v                v
                  +---------+      +---------+      +---------+
                  | next    |      | next    |      | next    |   dict entries
                  | v.d 1.5 |      | v.d 2.0 |      | v.d 2.0 |   (pe_dict.h), chained
                  | klen 1  |      | klen 1  |      | klen 1  |   in the buckets of the
                  | "a"     |      | "b"     |      | "c"     |   member -> score dict
                  +---------+      +---------+      +---------+

* The dict entry (pe_dict.h) carries the member bytes inline and the score
  in its 8-byte value slot (``e.v.d``).
* A skiplist node (pe_zset.h) holds its score, a pointer to its member's
  dict entry (``ent``) instead of a copy of the bytes, a backward pointer
  (level 0 only) and, per level, a forward pointer and a span.

Pointing at the dict entry instead of copying the member keeps each member
stored once, as Redis shares one sds between its dict and skiplist: a copy
would cost the member bytes and a length again in every node (about a
third more memory per element for 20-byte members). It is safe because dict entries never move
(a rehash relinks them; see dict.pyx), so ``ent`` stays valid until the
member is deleted. The price is one pointer dereference per comparison
during a walk, which Redis pays too (``node->ele`` is a pointer).

Invariants
----------
* The dict and the skiplist hold the same members; ``node.score ==
  node.ent.v.d`` and ``zsl.length == dict size``. (Only while a ZUNION
  result is being accumulated do entries exist without nodes; see
  ``zs_acc_add`` / ``zs_acc_index``.)
* Nodes are ordered by score, then by member bytes (memcmp, then length),
  so equal scores are allowed and the order is total. No score is NaN.
* For every level i of every node x (and of the header), ``x.level[i].span``
  is the number of level-0 steps to ``x.level[i].forward`` (to the end when
  it is NULL: the header's spans at unused levels are 0). The 1-based rank of
  a node is the sum of the spans crossed to reach it from the header.
* ``backward`` of the first node is NULL (never the header); ``tail`` is the
  last node.
* ``zsl.level`` is the highest level any node uses (at least 1).

Ownership
---------
The dict owns the entries (member bytes); the skiplist owns the nodes. A
node must never outlive its entry, so deletion always unlinks the node
first, then frees the entry (``_zs_drop``).

Costs
-----
Insert, delete, score update, rank, seek by rank / score / lex: O(log n)
expected. A node's level is drawn with p = 1/4 (Pugh's skiplist as Redis
uses it: max level 32, p = 0.25), so a node has 1.33 levels on average.
Range deletions cost O(log n + k) for k elements removed. ``zs_dup`` is
O(n) (it inserts from the tail so every insert stops at the header).

The three departures from Pugh's paper are Redis's: duplicate scores, the
member as tie-breaker, and the backward pointer for reverse walks.
"""

from libc.string cimport memcpy
from libc.stdlib cimport strtod
from libc.math cimport isnan

from engine._mem cimport mem_alloc, mem_calloc, mem_free, mem_usable
from engine.dict cimport (dict_create, dict_release, dict_find, dict_add_or_find, dict_unlink,
                          dict_free_entry, dict_size, dict_expand, dict_needs_shrink, dict_shrink,
                          dict_mem_overhead, dict_iter, dict_iter_init, dict_iter_next,
                          dict_iter_release, engine_random)


# ---- skiplist: low-level API -----------------------------------------------------

cdef inline zslnode* _node_new(int level, double score, pe_entry* ent) noexcept nogil:
    cdef zslnode* x = <zslnode*>mem_alloc(ZSL_NODE_SIZE(level))
    x.ent = ent
    x.score = score
    x.backward = NULL
    return x


cdef inline bint _before(zslnode* x, double score, const char* m, size_t n) noexcept nogil:
    """Node x sorts strictly before (score, m)."""
    return x.score < score or (x.score == score and zsl_cmp_member(x.ent, m, n) < 0)


cdef void zsl_init(zskiplist* zsl) noexcept nogil:
    """Make ``zsl`` an empty skiplist (allocates the 32-level header)."""
    cdef int j
    zsl.header = _node_new(ZSL_MAXLEVEL, 0, NULL)
    for j in range(ZSL_MAXLEVEL):
        zsl.header.level[j].forward = NULL
        zsl.header.level[j].span = 0
    zsl.tail = NULL
    zsl.length = 0
    zsl.level = 1


cdef void zsl_release(zskiplist* zsl) noexcept nogil:
    """Free every node and the header (not the entries: the dict owns them)."""
    cdef zslnode* x = zsl.header.level[0].forward
    cdef zslnode* nxt
    mem_free(zsl.header)
    while x != NULL:
        nxt = x.level[0].forward
        mem_free(x)
        x = nxt
    zsl.header = NULL
    zsl.tail = NULL
    zsl.length = 0


cdef int zsl_random_level() noexcept nogil:
    """A level in 1..32 with P(level > k) = 4^-k: two random bits per level,
    one 64-bit draw covers all 32 levels."""
    cdef unsigned long long r = engine_random()
    cdef int level = 1
    while (r & 3) == 0 and level < ZSL_MAXLEVEL:
        level += 1
        r >>= 2
    return level


cdef zslnode* _zsl_link(zskiplist* zsl, zslnode* x, int level) noexcept nogil:
    """Link node ``x`` (score and ent set, room for ``level`` levels) at its
    sorted place. (score, member) must not be in the list already."""
    cdef zslnode* update[32]
    cdef unsigned long rank[32]
    cdef zslnode* h = zsl.header
    cdef int i
    cdef double score = x.score
    cdef const char* m = x.ent.key
    cdef size_t n = x.ent.klen
    i = zsl.level - 1
    while i >= 0:
        rank[i] = 0 if i == zsl.level - 1 else rank[i + 1]
        while h.level[i].forward != NULL and _before(h.level[i].forward, score, m, n):
            rank[i] += h.level[i].span
            h = h.level[i].forward
        update[i] = h
        i -= 1
    if level > zsl.level:
        for i in range(zsl.level, level):
            rank[i] = 0
            update[i] = zsl.header
            update[i].level[i].span = zsl.length
        zsl.level = level
    for i in range(level):
        x.level[i].forward = update[i].level[i].forward
        update[i].level[i].forward = x
        # update[i] reached x after (rank[0] - rank[i]) steps at level i
        x.level[i].span = update[i].level[i].span - (rank[0] - rank[i])
        update[i].level[i].span = (rank[0] - rank[i]) + 1
    for i in range(level, zsl.level):
        update[i].level[i].span += 1
    x.backward = NULL if update[0] == zsl.header else update[0]
    if x.level[0].forward != NULL:
        x.level[0].forward.backward = x
    else:
        zsl.tail = x
    zsl.length += 1
    return x


cdef zslnode* zsl_insert(zskiplist* zsl, double score, pe_entry* ent) noexcept nogil:
    """Insert a new node for ``ent`` with ``score`` (not NaN) and return it.
    The member must not be in the list (the caller checks the dict). The node
    points at ``ent``, it does not copy the member. O(log n)."""
    cdef int level = zsl_random_level()
    return _zsl_link(zsl, _node_new(level, score, ent), level)


cdef int _zsl_unlink(zskiplist* zsl, zslnode* x, zslnode** update) noexcept nogil:
    """Unlink ``x`` given ``update[i]``, the last node before x at each level.
    Returns x's level count (the levels where x was a forward target)."""
    cdef int i
    cdef int levels = 0
    for i in range(zsl.level):
        if update[i].level[i].forward == x:
            update[i].level[i].span += x.level[i].span - 1
            update[i].level[i].forward = x.level[i].forward
            levels += 1
        else:
            update[i].level[i].span -= 1
    if x.level[0].forward != NULL:
        x.level[0].forward.backward = x.backward
    else:
        zsl.tail = x.backward
    while zsl.level > 1 and zsl.header.level[zsl.level - 1].forward == NULL:
        zsl.level -= 1
    zsl.length -= 1
    return levels


cdef inline zslnode* _zsl_seek(zskiplist* zsl, double score, const char* m, size_t n,
                               zslnode** update) noexcept nogil:
    """Fill update[] with the last node before (score, m) at each level and
    return the level-0 successor (the node itself when present)."""
    cdef zslnode* x = zsl.header
    cdef int i = zsl.level - 1
    while i >= 0:
        while x.level[i].forward != NULL and _before(x.level[i].forward, score, m, n):
            x = x.level[i].forward
        update[i] = x
        i -= 1
    return x.level[0].forward


cdef zslnode* zsl_delete(zskiplist* zsl, double score, const char* m, size_t n) noexcept nogil:
    """Unlink the node (score, m) and return it (the caller frees it with
    mem_free, then the entry); NULL when absent. O(log n)."""
    cdef zslnode* update[32]
    cdef zslnode* x = _zsl_seek(zsl, score, m, n, update)
    if x != NULL and x.score == score and zsl_cmp_member(x.ent, m, n) == 0:
        _zsl_unlink(zsl, x, update)
        return x
    return NULL


cdef zslnode* zsl_update_score(zskiplist* zsl, double curscore, const char* m, size_t n,
                               double newscore) noexcept nogil:
    """Move the existing node (curscore, m) to ``newscore`` and return it.
    When the new score keeps it strictly between its neighbours only the
    score changes; otherwise the same node is unlinked and linked again at
    its new place (its level is kept). The caller updates the dict slot.
    Returns NULL (and changes nothing) when the node does not exist."""
    cdef zslnode* update[32]
    cdef zslnode* x = _zsl_seek(zsl, curscore, m, n, update)
    cdef int levels
    if x == NULL or x.score != curscore or zsl_cmp_member(x.ent, m, n) != 0:
        return NULL
    if ((x.backward == NULL or x.backward.score < newscore) and
            (x.level[0].forward == NULL or x.level[0].forward.score > newscore)):
        x.score = newscore
        return x
    levels = _zsl_unlink(zsl, x, update)
    x.score = newscore
    return _zsl_link(zsl, x, levels)


cdef unsigned long zsl_get_rank(zskiplist* zsl, double score, const char* m, size_t n) noexcept nogil:
    """1-based rank of (score, m), 0 when absent. O(log n)."""
    cdef zslnode* x = zsl.header
    cdef unsigned long rank = 0
    cdef int i = zsl.level - 1
    while i >= 0:
        while x.level[i].forward != NULL and (
                x.level[i].forward.score < score or
                (x.level[i].forward.score == score and
                 zsl_cmp_member(x.level[i].forward.ent, m, n) <= 0)):
            rank += x.level[i].span
            x = x.level[i].forward
        if x.ent != NULL and x.score == score and zsl_cmp_member(x.ent, m, n) == 0:
            return rank
        i -= 1
    return 0


cdef zslnode* zsl_get_by_rank(zskiplist* zsl, unsigned long rank) noexcept nogil:
    """The node at 1-based ``rank``, NULL when out of range. O(log n)."""
    cdef zslnode* x = zsl.header
    cdef unsigned long traversed = 0
    cdef int i = zsl.level - 1
    if rank == 0:
        return NULL
    while i >= 0:
        while x.level[i].forward != NULL and traversed + x.level[i].span <= rank:
            traversed += x.level[i].span
            x = x.level[i].forward
        if traversed == rank:
            return x
        i -= 1
    return NULL


# ---- skiplist: score ranges --------------------------------------------------------

cdef bint zsl_is_in_range(zskiplist* zsl, zrangespec* r) noexcept nogil:
    """Some node may fall in ``r``: the range is not empty by itself and
    overlaps [first score, last score]. O(1)."""
    cdef zslnode* x
    if r.min > r.max or (r.min == r.max and (r.minex or r.maxex)):
        return False
    x = zsl.tail
    if x == NULL or not zsl_value_gte_min(x.score, r):
        return False
    x = zsl.header.level[0].forward
    if x == NULL or not zsl_value_lte_max(x.score, r):
        return False
    return True


cdef zslnode* zsl_first_in_range(zskiplist* zsl, zrangespec* r) noexcept nogil:
    """The first node whose score is in ``r``, or NULL. O(log n)."""
    cdef zslnode* x = zsl.header
    cdef int i = zsl.level - 1
    if not zsl_is_in_range(zsl, r):
        return NULL
    while i >= 0:
        while x.level[i].forward != NULL and not zsl_value_gte_min(x.level[i].forward.score, r):
            x = x.level[i].forward
        i -= 1
    x = x.level[0].forward        # not NULL: the tail is >= min
    if not zsl_value_lte_max(x.score, r):
        return NULL
    return x


cdef zslnode* zsl_last_in_range(zskiplist* zsl, zrangespec* r) noexcept nogil:
    """The last node whose score is in ``r``, or NULL. O(log n)."""
    cdef zslnode* x = zsl.header
    cdef int i = zsl.level - 1
    if not zsl_is_in_range(zsl, r):
        return NULL
    while i >= 0:
        while x.level[i].forward != NULL and zsl_value_lte_max(x.level[i].forward.score, r):
            x = x.level[i].forward
        i -= 1
    # x is not the header: the first node is <= max
    if not zsl_value_gte_min(x.score, r):
        return NULL
    return x


# ---- skiplist: lex ranges ------------------------------------------------------------

cdef inline int _lex_bound_cmp(zlexrangespec* r) noexcept nogil:
    """Order of the range's min bound against its max bound."""
    cdef size_t l
    cdef int c
    if r.minkind == r.maxkind and r.minkind != LEX_STR:
        return 0
    if r.minkind == LEX_NEG_INF or r.maxkind == LEX_POS_INF:
        return -1
    if r.minkind == LEX_POS_INF or r.maxkind == LEX_NEG_INF:
        return 1
    l = r.minlen if r.minlen < r.maxlen else r.maxlen
    c = memcmp(r.min, r.max, l)
    if c != 0:
        return c
    return (r.minlen > r.maxlen) - (r.minlen < r.maxlen)


cdef bint zsl_lex_range_is_empty(zlexrangespec* r) noexcept nogil:
    """The lex range holds no string at all (min above max, or equal with
    an exclusive bound), whatever the set."""
    cdef int c = _lex_bound_cmp(r)
    return c > 0 or (c == 0 and (r.minex or r.maxex))


cdef inline int _bytes_cmp(const char* a, size_t an, const char* b, size_t bn) noexcept nogil:
    cdef size_t l = an if an < bn else bn
    cdef int c = memcmp(a, b, l)
    if c != 0:
        return c
    return (an > bn) - (an < bn)


cdef bint zsl_lex_gte_min(const char* m, size_t n, zlexrangespec* r) noexcept nogil:
    """Member bytes m[:n] are at or above the range's min bound."""
    cdef int c
    if r.minkind == LEX_NEG_INF:
        return True
    if r.minkind == LEX_POS_INF:
        return False
    c = _bytes_cmp(m, n, r.min, r.minlen)
    return c > 0 if r.minex else c >= 0


cdef bint zsl_lex_lte_max(const char* m, size_t n, zlexrangespec* r) noexcept nogil:
    """Member bytes m[:n] are at or below the range's max bound."""
    cdef int c
    if r.maxkind == LEX_POS_INF:
        return True
    if r.maxkind == LEX_NEG_INF:
        return False
    c = _bytes_cmp(m, n, r.max, r.maxlen)
    return c < 0 if r.maxex else c <= 0


cdef inline bint _ent_gte_min(pe_entry* e, zlexrangespec* r) noexcept nogil:
    return zsl_lex_gte_min(e.key, e.klen, r)


cdef inline bint _ent_lte_max(pe_entry* e, zlexrangespec* r) noexcept nogil:
    return zsl_lex_lte_max(e.key, e.klen, r)


cdef bint zsl_is_in_lex_range(zskiplist* zsl, zlexrangespec* r) noexcept nogil:
    """Some node may fall in the lex range ``r``. O(1). (Lex ranges are
    meaningful when all scores are equal; the walk assumes member order.)"""
    cdef int c = _lex_bound_cmp(r)
    cdef zslnode* x
    if c > 0 or (c == 0 and (r.minex or r.maxex)):
        return False
    x = zsl.tail
    if x == NULL or not _ent_gte_min(x.ent, r):
        return False
    x = zsl.header.level[0].forward
    if x == NULL or not _ent_lte_max(x.ent, r):
        return False
    return True


cdef zslnode* zsl_first_in_lex_range(zskiplist* zsl, zlexrangespec* r) noexcept nogil:
    """The first node whose member is in ``r``, or NULL. O(log n)."""
    cdef zslnode* x = zsl.header
    cdef int i = zsl.level - 1
    if not zsl_is_in_lex_range(zsl, r):
        return NULL
    while i >= 0:
        while x.level[i].forward != NULL and not _ent_gte_min(x.level[i].forward.ent, r):
            x = x.level[i].forward
        i -= 1
    x = x.level[0].forward
    if x == NULL or not _ent_lte_max(x.ent, r):
        return NULL
    return x


cdef zslnode* zsl_last_in_lex_range(zskiplist* zsl, zlexrangespec* r) noexcept nogil:
    """The last node whose member is in ``r``, or NULL. O(log n)."""
    cdef zslnode* x = zsl.header
    cdef int i = zsl.level - 1
    if not zsl_is_in_lex_range(zsl, r):
        return NULL
    while i >= 0:
        while x.level[i].forward != NULL and _ent_lte_max(x.level[i].forward.ent, r):
            x = x.level[i].forward
        i -= 1
    if x == zsl.header or not _ent_gte_min(x.ent, r):
        return NULL
    return x


# ---- range parsing ---------------------------------------------------------------------

cdef bint _parse_score_bound(const char* s, size_t n, double* out, bint* ex) noexcept nogil:
    """One bound of ZRANGEBYSCORE & co: an optional "(" (exclusive) then
    what strtod accepts up to the end of the string: leading spaces, "inf",
    hex floats, even nothing at all ("(" is an exclusive 0), but not NaN.
    Overflow gives +-inf (no ERANGE check). Like Redis the text is treated
    as a C string: it ends at an embedded NUL."""
    cdef char stackbuf[128]
    cdef char* buf = stackbuf
    cdef char* eptr
    cdef bint ok
    ex[0] = False
    if n > 0 and s[0] == c'(':
        ex[0] = True
        s += 1
        n -= 1
    if n >= sizeof(stackbuf):
        buf = <char*>mem_alloc(n + 1)
    memcpy(buf, s, n)
    buf[n] = 0
    out[0] = strtod(buf, &eptr)
    ok = eptr[0] == 0 and not isnan(out[0])
    if buf != stackbuf:
        mem_free(buf)
    return ok


cdef bint zsl_parse_range(const char* min, size_t minlen, const char* max, size_t maxlen,
                          zrangespec* spec) noexcept nogil:
    """Parse a score interval ("1.5", "(1.5", "-inf", "+inf", ...).
    False when either bound is not a float."""
    return (_parse_score_bound(min, minlen, &spec.min, &spec.minex) and
            _parse_score_bound(max, maxlen, &spec.max, &spec.maxex))


cdef bint _parse_lex_item(const char* s, size_t n, const char** out, size_t* outlen,
                          int* kind, bint* ex) noexcept nogil:
    """"[abc" inclusive, "(abc" exclusive, "-" / "+" the infinities (a
    trailing NUL is tolerated after them, as in Redis); anything else,
    including the empty string, is invalid. ``out`` borrows from ``s``."""
    if n == 0:
        return False
    if s[0] == c'+' or s[0] == c'-':
        if n > 1 and s[1] != 0:
            return False
        kind[0] = LEX_POS_INF if s[0] == c'+' else LEX_NEG_INF
        ex[0] = True
        out[0] = NULL
        outlen[0] = 0
        return True
    if s[0] == c'(' or s[0] == c'[':
        kind[0] = LEX_STR
        ex[0] = s[0] == c'('
        out[0] = s + 1
        outlen[0] = n - 1
        return True
    return False


cdef bint zsl_parse_lex_range(const char* min, size_t minlen, const char* max, size_t maxlen,
                              zlexrangespec* spec) noexcept nogil:
    """Parse a lex interval; the spec borrows the argument bytes. False when
    either item is invalid."""
    return (_parse_lex_item(min, minlen, &spec.min, &spec.minlen, &spec.minkind, &spec.minex) and
            _parse_lex_item(max, maxlen, &spec.max, &spec.maxlen, &spec.maxkind, &spec.maxex))


# ---- dict + skiplist ---------------------------------------------------------------------

cdef zset_t* zs_create() noexcept nogil:
    """An empty sorted set (dict with no value hook: the slot is a double)."""
    cdef zset_t* zs = <zset_t*>mem_alloc(sizeof(zset_t))
    zs.dict = dict_create(NULL)
    zsl_init(&zs.zsl)
    return zs


cdef void zs_release(zset_t* zs) noexcept nogil:
    """Free the nodes, then the dict and its entries, then the struct."""
    zsl_release(&zs.zsl)
    dict_release(zs.dict)
    mem_free(zs)


cdef zslnode* zs_insert(zset_t* zs, const char* m, size_t n, double score) noexcept nogil:
    """Add a member that is not present yet (caller checked) with ``score``
    (not NaN). Copies the member bytes into a new dict entry. O(log n)."""
    cdef bint existed
    cdef pe_entry* e = dict_add_or_find(zs.dict, m, n, &existed)
    e.v.d = score
    return zsl_insert(&zs.zsl, score, e)


cdef pe_entry* zs_find_or_add(zset_t* zs, const char* m, size_t n, double score,
                              bint* added) noexcept nogil:
    """The entry of m[:n]; when absent the member is added with ``score``
    (not NaN) and ``added`` is set. One hash lookup either way. O(log n)."""
    cdef bint existed
    cdef pe_entry* e = dict_add_or_find(zs.dict, m, n, &existed)
    added[0] = not existed
    if not existed:
        e.v.d = score
        zsl_insert(&zs.zsl, score, e)
    return e


cdef void zs_update_score(zset_t* zs, pe_entry* e, double newscore) noexcept nogil:
    """Give an existing member (its dict entry ``e``) a new score. O(log n)."""
    zsl_update_score(&zs.zsl, e.v.d, e.key, e.klen, newscore)
    e.v.d = newscore


cdef void zs_shrink_if_needed(zset_t* zs) noexcept nogil:
    """Shrink the dict after deletions when under 10% full (Redis's
    htNeedsResize + dictResize)."""
    if dict_needs_shrink(zs.dict):
        dict_shrink(zs.dict)


cdef inline void _zs_drop(zset_t* zs, zslnode* x, zslnode** update) noexcept nogil:
    """Unlink node x from the skiplist, then remove and free its entry."""
    cdef pe_entry* e
    _zsl_unlink(&zs.zsl, x, update)
    e = dict_unlink(zs.dict, x.ent.key, x.ent.klen)
    mem_free(x)
    dict_free_entry(zs.dict, e)


cdef bint zs_delete(zset_t* zs, const char* m, size_t n) noexcept nogil:
    """Remove member m[:n]; False when absent. ``m`` may point into the
    member's own entry (it is freed last). O(log n)."""
    cdef pe_entry* e = dict_unlink(zs.dict, m, n)
    cdef zslnode* x
    if e == NULL:
        return False
    x = zsl_delete(&zs.zsl, e.v.d, e.key, e.klen)
    mem_free(x)
    dict_free_entry(zs.dict, e)
    zs_shrink_if_needed(zs)
    return True


cdef unsigned long zs_rank(zset_t* zs, pe_entry* e) noexcept nogil:
    """1-based rank of an existing member. O(log n)."""
    return zsl_get_rank(&zs.zsl, e.v.d, e.key, e.klen)


cdef unsigned long zs_delete_range_by_score(zset_t* zs, zrangespec* r) noexcept nogil:
    """Remove every member whose score is in ``r``; returns how many.
    O(log n + k). The caller shrinks the dict (zs_shrink_if_needed)."""
    cdef zslnode* update[32]
    cdef zslnode* x = zs.zsl.header
    cdef zslnode* nxt
    cdef unsigned long removed = 0
    cdef int i = zs.zsl.level - 1
    while i >= 0:
        while x.level[i].forward != NULL and not zsl_value_gte_min(x.level[i].forward.score, r):
            x = x.level[i].forward
        update[i] = x
        i -= 1
    x = x.level[0].forward
    while x != NULL and zsl_value_lte_max(x.score, r):
        nxt = x.level[0].forward
        _zs_drop(zs, x, update)
        removed += 1
        x = nxt
    return removed


cdef unsigned long zs_delete_range_by_lex(zset_t* zs, zlexrangespec* r) noexcept nogil:
    """Remove every member in the lex range ``r``; returns how many."""
    cdef zslnode* update[32]
    cdef zslnode* x = zs.zsl.header
    cdef zslnode* nxt
    cdef unsigned long removed = 0
    cdef int i = zs.zsl.level - 1
    while i >= 0:
        while x.level[i].forward != NULL and not _ent_gte_min(x.level[i].forward.ent, r):
            x = x.level[i].forward
        update[i] = x
        i -= 1
    x = x.level[0].forward
    while x != NULL and _ent_lte_max(x.ent, r):
        nxt = x.level[0].forward
        _zs_drop(zs, x, update)
        removed += 1
        x = nxt
    return removed


cdef unsigned long zs_delete_range_by_rank(zset_t* zs, unsigned long start,
                                           unsigned long end) noexcept nogil:
    """Remove ranks start..end (1-based, inclusive); returns how many."""
    cdef zslnode* update[32]
    cdef zslnode* x = zs.zsl.header
    cdef zslnode* nxt
    cdef unsigned long traversed = 0
    cdef unsigned long removed = 0
    cdef int i = zs.zsl.level - 1
    while i >= 0:
        while x.level[i].forward != NULL and traversed + x.level[i].span < start:
            traversed += x.level[i].span
            x = x.level[i].forward
        update[i] = x
        i -= 1
    traversed += 1
    x = x.level[0].forward
    while x != NULL and traversed <= end:
        nxt = x.level[0].forward
        _zs_drop(zs, x, update)
        removed += 1
        traversed += 1
        x = nxt
    return removed


cdef pe_entry* zs_acc_add(zset_t* zs, const char* m, size_t n, bint* existed) noexcept nogil:
    """Accumulation mode (ZUNION): find or add the dict entry of m[:n]
    without a skiplist node; the caller keeps the running score in
    ``e.v.d`` (zeroed for a new entry). Call zs_acc_index once all entries
    are in, before any other zs_* call."""
    return dict_add_or_find(zs.dict, m, n, existed)


cdef void zs_acc_index(zset_t* zs) noexcept nogil:
    """End accumulation mode: insert a node for every dict entry. The
    skiplist must be empty. O(n log n)."""
    cdef dict_iter it
    cdef pe_entry* e
    dict_iter_init(&it, zs.dict)
    while True:
        e = dict_iter_next(&it)
        if e == NULL:
            break
        zsl_insert(&zs.zsl, e.v.d, e)
    dict_iter_release(&it)


cdef zset_t* zs_dup(zset_t* zs) noexcept nogil:
    """A deep copy (COPY). Inserts from the largest element down, so every
    insert stops at the header: O(n) plus the dict inserts."""
    cdef zset_t* d = zs_create()
    cdef zslnode* x = zs.zsl.tail
    cdef bint existed
    cdef pe_entry* e
    dict_expand(d.dict, dict_size(zs.dict))
    while x != NULL:
        e = dict_add_or_find(d.dict, x.ent.key, x.ent.klen, &existed)
        e.v.d = x.score
        zsl_insert(&d.zsl, x.score, e)
        x = x.backward
    return d


cdef size_t zs_mem_usage(zset_t* zs) noexcept nogil:
    """Bytes owned: struct, dict buckets, header, every node and entry. O(n)."""
    cdef size_t total = mem_usable(zs) + dict_mem_overhead(zs.dict) + mem_usable(zs.zsl.header)
    cdef zslnode* x = zs.zsl.header.level[0].forward
    while x != NULL:
        total += mem_usable(x) + mem_usable(x.ent)
        x = x.level[0].forward
    return total


# ---- Python wrapper for tests -------------------------------------------------------------

cdef bytes _member(zslnode* x):
    return x.ent.key[:x.ent.klen]


cdef class ZSet:
    """A Python handle on one zset_t (tests only). Members are bytes."""
    cdef zset_t* zs

    def __cinit__(self):
        self.zs = zs_create()

    def __dealloc__(self):
        if self.zs != NULL:
            zs_release(self.zs)

    def __len__(self):
        return zs_length(self.zs)

    def add(self, bytes member, double score):
        """Insert or update; returns True when the member is new."""
        cdef pe_entry* e = dict_find(self.zs.dict, member, len(member))
        if isnan(score):
            raise ValueError("NaN score")
        if e != NULL:
            if e.v.d != score:
                zs_update_score(self.zs, e, score)
            return False
        zs_insert(self.zs, member, len(member), score)
        return True

    def delete(self, bytes member):
        return zs_delete(self.zs, member, len(member))

    def score(self, bytes member):
        cdef pe_entry* e = dict_find(self.zs.dict, member, len(member))
        return None if e == NULL else e.v.d

    def rank(self, bytes member):
        """0-based rank, or None."""
        cdef pe_entry* e = dict_find(self.zs.dict, member, len(member))
        return None if e == NULL else zs_rank(self.zs, e) - 1

    def by_rank(self, unsigned long rank):
        """(member, score) at 0-based rank, or None."""
        cdef zslnode* x = zsl_get_by_rank(&self.zs.zsl, rank + 1)
        return None if x == NULL else (_member(x), x.score)

    def items(self, bint reverse=False):
        cdef list out = []
        cdef zslnode* x = self.zs.zsl.tail if reverse else self.zs.zsl.header.level[0].forward
        while x != NULL:
            out.append((_member(x), x.score))
            x = x.backward if reverse else x.level[0].forward
        return out

    def range_by_score(self, double mn, double mx, bint minex=False, bint maxex=False,
                       bint reverse=False):
        """Members with mn <(=) score <(=) mx in order, from
        zsl_first_in_range (or last, reversed) walking while in range."""
        cdef zrangespec r
        cdef list out = []
        cdef zslnode* x
        r.min, r.max, r.minex, r.maxex = mn, mx, minex, maxex
        x = zsl_last_in_range(&self.zs.zsl, &r) if reverse else zsl_first_in_range(&self.zs.zsl, &r)
        while x != NULL:
            if reverse and not zsl_value_gte_min(x.score, &r):
                break
            if not reverse and not zsl_value_lte_max(x.score, &r):
                break
            out.append(_member(x))
            x = x.backward if reverse else x.level[0].forward
        return out

    def range_by_lex(self, bytes mn, bytes mx, bint reverse=False):
        """Members in the lex range given as Redis items ("[a", "(b", "-", "+").
        Raises ValueError for an invalid item."""
        cdef zlexrangespec r
        cdef list out = []
        cdef zslnode* x
        if not zsl_parse_lex_range(mn, len(mn), mx, len(mx), &r):
            raise ValueError("invalid lex range")
        x = (zsl_last_in_lex_range(&self.zs.zsl, &r) if reverse
             else zsl_first_in_lex_range(&self.zs.zsl, &r))
        while x != NULL:
            if reverse and not _ent_gte_min(x.ent, &r):
                break
            if not reverse and not _ent_lte_max(x.ent, &r):
                break
            out.append(_member(x))
            x = x.backward if reverse else x.level[0].forward
        return out

    def count_by_score(self, double mn, double mx, bint minex=False, bint maxex=False):
        """ZCOUNT's computation: ranks of the first and last node in range."""
        cdef zrangespec r
        cdef zslnode* a
        cdef zslnode* b
        r.min, r.max, r.minex, r.maxex = mn, mx, minex, maxex
        a = zsl_first_in_range(&self.zs.zsl, &r)
        if a == NULL:
            return 0
        b = zsl_last_in_range(&self.zs.zsl, &r)
        return (zsl_get_rank(&self.zs.zsl, b.score, b.ent.key, b.ent.klen) -
                zsl_get_rank(&self.zs.zsl, a.score, a.ent.key, a.ent.klen) + 1)

    def delete_range_by_score(self, double mn, double mx, bint minex=False, bint maxex=False):
        cdef zrangespec r
        cdef unsigned long n
        r.min, r.max, r.minex, r.maxex = mn, mx, minex, maxex
        n = zs_delete_range_by_score(self.zs, &r)
        zs_shrink_if_needed(self.zs)
        return n

    def delete_range_by_lex(self, bytes mn, bytes mx):
        cdef zlexrangespec r
        cdef unsigned long n
        if not zsl_parse_lex_range(mn, len(mn), mx, len(mx), &r):
            raise ValueError("invalid lex range")
        n = zs_delete_range_by_lex(self.zs, &r)
        zs_shrink_if_needed(self.zs)
        return n

    def delete_range_by_rank(self, unsigned long start, unsigned long end):
        """0-based inclusive ranks (start <= end < len)."""
        cdef unsigned long n = zs_delete_range_by_rank(self.zs, start + 1, end + 1)
        zs_shrink_if_needed(self.zs)
        return n

    def dup(self):
        cdef ZSet z = ZSet.__new__(ZSet)
        zs_release(z.zs)
        z.zs = zs_dup(self.zs)
        return z

    def mem_usage(self):
        return zs_mem_usage(self.zs)

    @property
    def level(self):
        return self.zs.zsl.level

    def check(self):
        """Verify every invariant of the design comment; AssertionError on a
        breach. O(n * levels)."""
        cdef zskiplist* zsl = &self.zs.zsl
        cdef zslnode* x
        cdef zslnode* prev = NULL
        cdef zslnode* f
        cdef unsigned long rank = 0, steps
        cdef int i, maxlevel = 1, lv
        cdef pe_entry* e
        cdef dict ranks = {}
        x = zsl.header.level[0].forward
        while x != NULL:
            rank += 1
            ranks[<size_t>x] = rank
            e = dict_find(self.zs.dict, x.ent.key, x.ent.klen)
            if e != x.ent:
                raise AssertionError("node %r does not point at its dict entry" % _member(x))
            if e.v.d != x.score and not (isnan(e.v.d) and isnan(x.score)):
                raise AssertionError("score %r in node, %r in dict" % (x.score, e.v.d))
            if isnan(x.score):
                raise AssertionError("NaN score")
            if x.backward != prev:
                raise AssertionError("backward pointer of %r" % _member(x))
            if prev != NULL and not _before(prev, x.score, x.ent.key, x.ent.klen):
                raise AssertionError("order: %r before %r" % (_member(prev), _member(x)))
            prev = x
            x = x.level[0].forward
        if zsl.tail != prev:
            raise AssertionError("tail")
        if rank != zsl.length or rank != dict_size(self.zs.dict):
            raise AssertionError("length %d, nodes %d, dict %d" % (
                zsl.length, rank, dict_size(self.zs.dict)))
        # spans: walk every level from the header
        for i in range(ZSL_MAXLEVEL):
            x = zsl.header
            steps = 0
            while x != NULL:
                f = x.level[i].forward
                if i >= zsl.level:
                    if x != zsl.header or f != NULL:
                        raise AssertionError("level %d above zsl.level in use" % i)
                    break
                if f != NULL:
                    if i + 1 > maxlevel:
                        maxlevel = i + 1
                    if x.level[i].span != ranks[<size_t>f] - steps:
                        raise AssertionError("span at level %d: %d, expected %d" % (
                            i, x.level[i].span, ranks[<size_t>f] - steps))
                    steps = ranks[<size_t>f]
                elif x == zsl.header and zsl.length > 0:
                    raise AssertionError("level %d below zsl.level is empty" % i)
                x = f
        if maxlevel != zsl.level and zsl.length > 0:
            raise AssertionError("zsl.level %d but highest used %d" % (zsl.level, maxlevel))
        return True


def parse_range(bytes mn, bytes mx):
    """zsl_parse_range: (min, max, minex, maxex), or None when invalid."""
    cdef zrangespec r
    if not zsl_parse_range(mn, len(mn), mx, len(mx), &r):
        return None
    return (r.min, r.max, bool(r.minex), bool(r.maxex))


def parse_lex_range(bytes mn, bytes mx):
    """zsl_parse_lex_range: ((kind, bytes, ex), (kind, bytes, ex)) with kind
    "str" / "-" / "+", or None when invalid."""
    cdef zlexrangespec r
    names = {LEX_STR: "str", LEX_NEG_INF: "-", LEX_POS_INF: "+"}
    if not zsl_parse_lex_range(mn, len(mn), mx, len(mx), &r):
        return None
    lo = r.min[:r.minlen] if r.minkind == LEX_STR else None
    hi = r.max[:r.maxlen] if r.maxkind == LEX_STR else None
    return ((names[r.minkind], lo, bool(r.minex)), (names[r.maxkind], hi, bool(r.maxex)))


def random_level_histogram(int n):
    """Counts of zsl_random_level() over n draws, by level (index 0 = level 1)."""
    cdef list h = [0] * ZSL_MAXLEVEL
    cdef int i
    for i in range(n):
        h[zsl_random_level() - 1] += 1
    return h
