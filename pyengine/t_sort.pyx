"""SORT and SORT_RO (Redis 7.0's sort.c), all in C.

    SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
             [ALPHA] [STORE destination]

The source is a list, a set or a sorted set (a missing key is an empty
list; any other type is WRONGTYPE). The command works in four steps, as
Redis's does, and each step is observable, so each follows Redis:

1. **Parse** the options left to right: repeated options overwrite (the
   last LIMIT / STORE / BY / ASC|DESC wins; GET accumulates). A BY pattern
   without ``*`` means "don't sort" and that decision *sticks* even if a
   later BY has a ``*`` (Redis only ever sets its dontsort flag). Errors
   (syntax, a LIMIT that is not an integer) are answered before the key is
   looked up, so they win over WRONGTYPE. SORT_RO knows no STORE: the word
   is a syntax error there.

2. **Load** the elements into a vector of ``sort_item``. Every element's
   bytes are copied into one growable *arena* buffer, NUL-terminated: the
   comparisons use strcoll (C strings, exactly as Redis compares sds
   buffers, so an embedded NUL ends the comparison) and the numeric parse
   uses strtod, and the copies stay valid whatever happens to the source
   (``SORT k STORE k`` overwrites it; a compressed quicklist node is only
   decompressed while the iterator is on it). Items keep arena *offsets*,
   since the arena moves when it grows. Load order matters for ties:

   * list: head to tail. With "don't sort" only the LIMIT range is loaded,
     walking from the tail when DESC;
   * set: the set's own order (intsets ascending; a hashtable in table
     order - Redis's is seeded at random, so nothing can depend on it);
   * sorted set: with "don't sort", the LIMIT range in score order (from
     the highest score when DESC); otherwise all members (Redis walks its
     hash table, a random order; we take score order).

   A set with "don't sort" is sorted ALPHA anyway when STORE is given
   (Redis does so, and for scripts, so replicas get the same list).

3. **Score and sort** (skipped with "don't sort"). The sort key is the
   element itself, or the value BY's pattern finds: ``*`` replaced by the
   element, a string key, or with ``->field`` a hash field. Numeric sorting
   parses it with strtod like Redis: the whole string must be consumed
   (so "" is 0 and " 1" is 1, but "1 " is not), no overflow, no NaN;
   otherwise the reply is "One or more scores can't be converted into
   double" (checked for every element, even outside the LIMIT range).
   One departure: Redis tests errno for ERANGE without clearing it first,
   so after one strtod overflowed, its later numeric sorts fail until some
   other call happens to set errno; we clear errno before each strtod. A
   missing BY key scores 0 (numeric) or sorts before everything (ALPHA).
   The comparison (Redis's sortCompare):

   * numeric: by score, ties broken by comparing the elements byte-wise -
     a total order, so the algorithm never shows;
   * ALPHA: strcoll on the BY value or the element (byte-wise memcmp when
     STORE is given, so stored results do not depend on the locale).
     Redis runs with ``setlocale(LC_COLLATE, "")``; pyengine-server does
     the same at start-up (the embedded engine uses its host's locale).
     In the C and C.UTF-8 locales strcoll is byte order;
   * DESC negates the comparison, so equal elements keep their relative
     order: DESC is not the reverse of ASC when there are ties.

   Ties are possible only with ALPHA BY (equal values, missing keys) and
   their order is the algorithm's: Redis uses qsort, which glibc implements
   as a *stable* merge sort for any size Redis can hold, so ties keep load
   order - ``_msort`` below is a stable merge sort, which gives the same
   result. With BY and a LIMIT that selects a strict sub-range Redis uses
   its partial quicksort (pqsort: Bentley & McIlroy's "Engineering a Sort
   Function", skipping partitions outside the range), which is not stable;
   ``_pqsort`` follows that published algorithm step for step (pivot by
   median of three / ninther, fat partitioning with equal keys swapped to
   the ends, insertion sort below 7 elements, recursion on the left part and
   iteration on the right, each only when it overlaps the range) so ties
   come out in the same order.

4. **Output** the LIMIT range: the element, or each GET pattern's value in
   turn (``#`` is the element, a missing key or field a null). With STORE
   the same values go into a new list (a null becomes ""), which replaces
   the destination whatever its type and drops its TTL (set_key, which
   signals WATCH and wakes clients blocked on the key); an empty result
   deletes the destination instead. The reply is then the number of values
   stored, and ``dirty`` grows by that number (1 for a deletion).

LIMIT arithmetic is Redis's: a negative offset is 0, a negative count means
"to the end", an offset past the end selects nothing.

Pattern lookups go through ``lookup_read`` like Redis's lookupKeyRead, so
they count keyspace hits/misses and expire keys lazily; ``#`` and patterns
without ``*`` look nothing up.

No Python object is created on the way: the vector, the arena, the key
buffer and the pattern table are C buffers from engine/_mem (counted in
used_memory while the command runs, as Redis counts its vector).

Not here yet, because the features do not exist: keyspace notifications
("sortstore", "del"), the ACL / cluster refusals of BY and GET, and the
forced sort of sets in scripts (Redis's CLIENT_SCRIPT test).
"""

from libc.string cimport memcpy, memcmp, strcoll
from libc.stdlib cimport strtod
from libc.errno cimport ERANGE
from libc.math cimport isnan
from libc.stdint cimport int64_t

from engine._mem cimport mem_alloc, mem_realloc, mem_free
from engine.object cimport (robj, obj_free, obj_str, pe_fmt_i64, OBJ_STRING, OBJ_LIST, OBJ_SET,
                            OBJ_ZSET, OBJ_HASH, ENC_INT, ENC_INTSET, ENC_LISTPACK)
from engine.quicklist cimport (quicklist, ql_iter, ql_entry, ql_iter_init, ql_iter_init_at,
                               ql_next, ql_iter_release, ql_push, QL_TAIL, QL_START_HEAD,
                               QL_START_TAIL)
from engine.util cimport pe_errno_clear, pe_errno_get
from pyengine.core cimport (Client, add_bulk, add_bulk_ll, add_int, add_null, add_array,
                            add_error, add_syntax_error, add_wrongtype, arg_is, get_ll_or_reply,
                            proc_capsule)
from pyengine.db cimport lookup_read, set_key, db_delete
from pyengine.t_list cimport list_new
from pyengine.t_set cimport set_iter, set_iter_init, set_iter_next, set_iter_release, set_size
from pyengine.t_zset cimport zset_convert_to_skiplist, zcursor, zset_length, zcur_at_rank, zcur_next, zcur_member, zcur_valid
from pyengine.t_hash cimport hash_get

cdef const char* MSG_NOT_DOUBLE = b"ERR One or more scores can't be converted into double"

cdef enum:
    # pattern kinds (see _pattern_parse)
    PAT_SELF = 0            # "#": the element itself
    PAT_CONST = 1           # no '*': names no key, finds nothing
    PAT_KEY = 2             # a string key
    PAT_FIELD = 3           # a field of a hash key
    # what a pattern lookup found
    VAL_NONE = 0
    VAL_STR = 1
    VAL_INT = 2
    # insertion sort below this size in _pqsort (Bentley & McIlroy use 7)
    PQ_SMALL = 7
    MSORT_SMALL = 8


# ---- the vector, the arena, patterns -------------------------------------------------------

ctypedef struct sort_item:
    size_t off              # the element's bytes: arena offset (NUL-terminated)
    size_t n
    double score            # numeric sort key
    size_t coff             # ALPHA BY: the BY value's bytes in the arena, when has_cmp
    size_t cn
    int has_cmp             # ALPHA BY found a value (0: the key/field is missing)
    int isnum               # score already holds the element's integer value

ctypedef struct sort_ctx:
    const char* base        # the arena, once loading and scoring are done
    int desc
    int alpha
    int bypattern
    int store

ctypedef struct arena:
    char* p
    size_t len
    size_t cap

ctypedef struct sort_pattern:
    const char* p
    size_t n
    int kind
    size_t star             # index of the first '*'
    size_t postlen          # key-name bytes after the '*'
    const char* field       # PAT_FIELD: the field name (to the end of the pattern)
    size_t fieldlen


cdef void _arena_reserve(arena* a, size_t extra) noexcept nogil:
    """Room for ``extra`` more bytes (doubling growth: amortised O(1))."""
    cdef size_t need = a.len + extra
    cdef size_t cap
    if need <= a.cap:
        return
    cap = a.cap * 2 if a.cap else 256
    while cap < need:
        cap *= 2
    a.p = <char*>mem_realloc(a.p, cap)
    a.cap = cap


cdef size_t _arena_put(arena* a, const char* s, size_t n) noexcept nogil:
    """Append ``n`` bytes and a NUL; return their offset. ``s`` must not
    point into the arena (it may move)."""
    cdef size_t off = a.len
    _arena_reserve(a, n + 1)
    if n:
        memcpy(a.p + off, s, n)
    a.p[off + n] = 0
    a.len = off + n + 1
    return off


cdef size_t _arena_put_ll(arena* a, long long v, size_t* n) noexcept nogil:
    """Append the decimal text of ``v`` and a NUL; return its offset."""
    cdef size_t off = a.len
    _arena_reserve(a, 24)
    n[0] = <size_t>pe_fmt_i64(a.p + off, v)
    a.p[off + n[0]] = 0
    a.len = off + n[0] + 1
    return off


cdef inline size_t _cstrlen(const char* s, size_t n) noexcept nogil:
    """Length of ``s`` read as a C string (up to the first NUL)."""
    cdef size_t i = 0
    while i < n and s[i] != 0:
        i += 1
    return i


cdef bint _has_star(const char* s, size_t n) noexcept nogil:
    """strchr(s, '*') on the sds: a '*' before the first NUL."""
    cdef size_t i = 0
    while i < n and s[i] != 0:
        if s[i] == c'*':
            return True
        i += 1
    return False


cdef void _pattern_parse(sort_pattern* pat, const char* p, size_t n) noexcept nogil:
    """Classify a BY/GET pattern (lookupKeyByPattern's reading of it, which
    treats the pattern as a C string when searching): "#" alone is the
    element; the first '*' is replaced by the element; a "->" after it
    followed by at least one byte names a hash field, everything after the
    arrow."""
    cdef size_t z = _cstrlen(p, n)
    cdef size_t i
    pat.p = p
    pat.n = n
    pat.field = NULL
    pat.fieldlen = 0
    pat.star = 0
    pat.postlen = 0
    if z >= 1 and p[0] == c'#' and z == 1:
        pat.kind = PAT_SELF
        return
    i = 0
    while i < z and p[i] != c'*':
        i += 1
    if i == z:
        pat.kind = PAT_CONST
        return
    pat.star = i
    pat.kind = PAT_KEY
    i += 1
    while i + 1 < z:
        if p[i] == c'-' and p[i + 1] == c'>':
            if i + 2 < z:
                pat.kind = PAT_FIELD
                pat.field = p + i + 2
                pat.fieldlen = n - i - 2
            break
        i += 1
    pat.postlen = n - pat.star - 1 - (pat.fieldlen + 2 if pat.kind == PAT_FIELD else 0)


cdef int _pattern_value(Client c, sort_pattern* pat, const char* sub, size_t sublen, arena* kbuf,
                        const char** s, size_t* n, long long* ll) noexcept:
    """Look up what ``pat`` names for the element ``sub``: VAL_NONE (no such
    key, wrong type, no such field, or a pattern without '*'), VAL_STR with
    the bytes in ``s``/``n`` (valid until the keyspace changes; for "#",
    ``sub`` itself) or VAL_INT with the value in ``ll``. ``kbuf`` is scratch
    for the key name. One keyspace lookup at most."""
    cdef size_t klen
    cdef robj* o
    cdef char tmp[24]
    if pat.kind == PAT_SELF:
        s[0] = sub
        n[0] = sublen
        return VAL_STR
    if pat.kind == PAT_CONST:
        return VAL_NONE
    klen = pat.star + sublen + pat.postlen
    kbuf.len = 0
    _arena_reserve(kbuf, klen + 1)
    memcpy(kbuf.p, pat.p, pat.star)
    if sublen:
        memcpy(kbuf.p + pat.star, sub, sublen)
    if pat.postlen:
        memcpy(kbuf.p + pat.star + sublen, pat.p + pat.star + 1, pat.postlen)
    o = lookup_read(c, kbuf.p, klen)
    if o == NULL:
        return VAL_NONE
    if pat.kind == PAT_FIELD:
        if o.type != OBJ_HASH:
            return VAL_NONE
        if not hash_get(o, pat.field, pat.fieldlen, s, n, ll):
            return VAL_NONE
        return VAL_INT if s[0] == NULL else VAL_STR
    if o.type != OBJ_STRING:
        return VAL_NONE
    if o.encoding == ENC_INT:
        ll[0] = o.u.ival
        return VAL_INT
    s[0] = obj_str(o, tmp, n)
    return VAL_STR


cdef bint _parse_score(const char* s, double* out) noexcept nogil:
    """The numeric sort key of the C string ``s``, as Redis reads it: strtod
    must consume everything up to the NUL, without overflow/underflow
    (ERANGE) and not give NaN. Leading white space is the C locale's (Redis
    never sets LC_CTYPE); nothing strtod accepts starts with a byte >= 0x80
    in that locale. When nothing converts, Redis's end pointer is the start
    of the string: only an empty string passes (as 0)."""
    cdef const char* q = s
    cdef char* end
    cdef double d
    while q[0] == c' ' or (q[0] >= c'\t' and q[0] <= c'\r'):
        q += 1
    out[0] = 0.0
    if <unsigned char>q[0] >= 0x80:
        return s[0] == 0
    pe_errno_clear()
    d = strtod(q, &end)
    if end == q:
        return s[0] == 0
    out[0] = d
    return end[0] == 0 and pe_errno_get() != ERANGE and not isnan(d)


# ---- comparison and the two sorts ----------------------------------------------------------

cdef inline int _bincmp(const char* a, size_t an, const char* b, size_t bn) noexcept nogil:
    """Byte-wise comparison, shorter first on a common prefix (compareStringObjects)."""
    cdef int r = memcmp(a, b, an if an < bn else bn)
    if r != 0:
        return -1 if r < 0 else 1
    if an == bn:
        return 0
    return -1 if an < bn else 1


cdef inline int _sign(int r) noexcept nogil:
    return (r > 0) - (r < 0)


cdef int _cmp(sort_ctx* x, sort_item* a, sort_item* b) noexcept nogil:
    """Redis's sortCompare: < 0, 0 or > 0 (only the sign is meaningful)."""
    cdef int r
    if not x.alpha:
        if a.score > b.score:
            r = 1
        elif a.score < b.score:
            r = -1
        else:
            r = _bincmp(x.base + a.off, a.n, x.base + b.off, b.n)
    elif x.bypattern:
        if not a.has_cmp or not b.has_cmp:
            if a.has_cmp == b.has_cmp:
                r = 0
            elif not a.has_cmp:
                r = -1
            else:
                r = 1
        elif x.store:
            r = _bincmp(x.base + a.coff, a.cn, x.base + b.coff, b.cn)
        else:
            r = _sign(strcoll(x.base + a.coff, x.base + b.coff))
    elif x.store:
        r = _bincmp(x.base + a.off, a.n, x.base + b.off, b.n)
    else:
        r = _sign(strcoll(x.base + a.off, x.base + b.off))
    return -r if x.desc else r


cdef void _msort(sort_ctx* x, sort_item* a, sort_item* tmp, size_t n) noexcept nogil:
    """Stable merge sort of a[0:n] (tmp: room for n/2 items). Stability is
    what makes it agree with glibc's qsort, which Redis uses. O(n log n)
    comparisons, log2(n) recursion depth."""
    cdef size_t mid, i, j, k
    cdef sort_item t
    if n <= MSORT_SMALL:
        # stable insertion sort
        i = 1
        while i < n:
            t = a[i]
            j = i
            while j > 0 and _cmp(x, &a[j - 1], &t) > 0:
                a[j] = a[j - 1]
                j -= 1
            a[j] = t
            i += 1
        return
    mid = n // 2
    _msort(x, a, tmp, mid)
    _msort(x, a + mid, tmp, n - mid)
    if _cmp(x, &a[mid - 1], &a[mid]) <= 0:
        return
    memcpy(tmp, a, mid * sizeof(sort_item))
    i = 0
    j = mid
    k = 0
    while i < mid and j < n:
        # the right run wins only when strictly smaller: equal items keep order
        if _cmp(x, &a[j], &tmp[i]) < 0:
            a[k] = a[j]
            j += 1
        else:
            a[k] = tmp[i]
            i += 1
        k += 1
    while i < mid:
        a[k] = tmp[i]
        i += 1
        k += 1


cdef inline void _swap(sort_item* a, long i, long j) noexcept nogil:
    cdef sort_item t = a[i]
    a[i] = a[j]
    a[j] = t


cdef inline void _vecswap(sort_item* a, long i, long j, long n) noexcept nogil:
    cdef long k = 0
    while k < n:
        _swap(a, i + k, j + k)
        k += 1


cdef inline long _med3(sort_ctx* x, sort_item* a, long i, long j, long k) noexcept nogil:
    """Index of the median of a[i], a[j], a[k] (Bentley & McIlroy's med3,
    with its exact comparison sequence)."""
    if _cmp(x, &a[i], &a[j]) < 0:
        if _cmp(x, &a[j], &a[k]) < 0:
            return j
        return k if _cmp(x, &a[i], &a[k]) < 0 else i
    if _cmp(x, &a[j], &a[k]) > 0:
        return j
    return i if _cmp(x, &a[i], &a[k]) < 0 else k


cdef inline bint _outside(long first, long count, long lo, long hi) noexcept nogil:
    """The part [first, first+count) holds none of the wanted range [lo, hi]
    in the sense Redis's pqsort tests it: both bounds before it, or both
    after it (an empty range, hi = lo - 1, is tested the same way)."""
    return (lo < first and hi < first) or (lo >= first + count and hi >= first + count)


cdef void _pqsort(sort_ctx* x, sort_item* base, long first, long n, long lo, long hi) noexcept nogil:
    """Partial quicksort of base[first:first+n] such that positions lo..hi
    (absolute indexes into ``base``) end up holding what a full sort would
    put there (Redis's pqsort, after Bentley & McIlroy). The order of equal
    items follows the algorithm exactly, as Redis's does."""
    cdef sort_item* a
    cdef long m, l, r, d, pa, pb, pc, pd, s
    cdef int cr
    while True:
        a = base + first
        if n < PQ_SMALL:
            m = 1
            while m < n:
                l = m
                while l > 0 and _cmp(x, &a[l - 1], &a[l]) > 0:
                    _swap(a, l, l - 1)
                    l -= 1
                m += 1
            return
        m = n // 2
        if n > PQ_SMALL:
            l = 0
            r = n - 1
            if n > 40:
                d = n // 8
                l = _med3(x, a, l, l + d, l + 2 * d)
                m = _med3(x, a, m - d, m, m + d)
                r = _med3(x, a, r - 2 * d, r - d, r)
            m = _med3(x, a, l, m, r)
        _swap(a, 0, m)
        pa = 1
        pb = 1
        pc = n - 1
        pd = n - 1
        while True:
            while pb <= pc:
                cr = _cmp(x, &a[pb], &a[0])
                if cr > 0:
                    break
                if cr == 0:
                    _swap(a, pa, pb)
                    pa += 1
                pb += 1
            while pb <= pc:
                cr = _cmp(x, &a[pc], &a[0])
                if cr < 0:
                    break
                if cr == 0:
                    _swap(a, pc, pd)
                    pd -= 1
                pc -= 1
            if pb > pc:
                break
            _swap(a, pb, pc)
            pb += 1
            pc -= 1
        # move the runs of pivot-equal items from both ends to the middle
        s = pa if pa < pb - pa else pb - pa
        _vecswap(a, 0, pb - s, s)
        s = pd - pc if pd - pc < n - pd - 1 else n - pd - 1
        _vecswap(a, pb, n - s, s)
        s = pb - pa                      # items smaller than the pivot
        if s > 1 and not _outside(first, s, lo, hi):
            _pqsort(x, base, first, s, lo, hi)
        s = pd - pc                      # items greater than the pivot
        if s <= 1:
            return
        first = first + n - s
        n = s
        if _outside(first, n, lo, hi):
            return


# ---- the command ---------------------------------------------------------------------------

cdef inline void _item_set(sort_item* it, size_t off, size_t n) noexcept nogil:
    it.off = off
    it.n = n
    it.score = 0.0
    it.coff = 0
    it.cn = 0
    it.has_cmp = 0
    it.isnum = 0


cdef inline void _item_ll(sort_item* it, arena* ar, long long v) noexcept nogil:
    cdef size_t n
    cdef size_t off = _arena_put_ll(ar, v, &n)
    _item_set(it, off, n)
    it.score = <double>v
    it.isnum = 1


cdef inline void _item_ql(sort_item* it, arena* ar, ql_entry* e) noexcept nogil:
    if e.value == NULL:
        _item_ll(it, ar, e.longval)
    else:
        _item_set(it, _arena_put(ar, e.value, e.sz), e.sz)


cdef void _push_value(quicklist* ql, int kind, const char* s, size_t n, long long ll) noexcept nogil:
    """STORE: append one output value (a missing one is an empty string)."""
    cdef char tmp[24]
    cdef size_t tn
    if kind == VAL_INT:
        tn = <size_t>pe_fmt_i64(tmp, ll)
        ql_push(ql, tmp, tn, QL_TAIL)
    elif kind == VAL_STR:
        ql_push(ql, s, n, QL_TAIL)
    else:
        ql_push(ql, b"", 0, QL_TAIL)


cdef int sort_generic(Client c, bint readonly) except -1:
    cdef long long limit_start = 0, limit_count = -1, start, end, vectorlen, k, outputlen
    cdef int desc = 0, alpha = 0, dontsort = 0, conv_error = 0, kind
    cdef int by_i = -1, store_i = -1, j = 2, leftargs, g, ngets = 0
    cdef robj* o
    cdef robj* dst
    cdef int otype
    cdef sort_pattern bypat
    cdef sort_pattern* gets = NULL
    cdef sort_item* items = NULL
    cdef sort_item* tmp
    cdef sort_item* it
    cdef arena ar
    cdef arena kbuf
    cdef sort_ctx ctx
    cdef ql_iter qi
    cdef ql_entry qe
    cdef set_iter si
    cdef zcursor zc
    cdef const char* s
    cdef size_t n, off
    cdef long long ll
    cdef int64_t i64
    cdef quicklist* ql = NULL
    ar.p = NULL
    ar.len = ar.cap = 0
    kbuf.p = NULL
    kbuf.len = kbuf.cap = 0

    # 1. options
    if c.argc > 3:
        gets = <sort_pattern*>mem_alloc(sizeof(sort_pattern) * <size_t>((c.argc - 2) // 2))
    while j < c.argc:
        leftargs = c.argc - j - 1
        if arg_is(c, j, b"asc"):
            desc = 0
        elif arg_is(c, j, b"desc"):
            desc = 1
        elif arg_is(c, j, b"alpha"):
            alpha = 1
        elif arg_is(c, j, b"limit") and leftargs >= 2:
            if (not get_ll_or_reply(c, j + 1, &limit_start, NULL)
                    or not get_ll_or_reply(c, j + 2, &limit_count, NULL)):
                mem_free(gets)
                return 0
            j += 2
        elif not readonly and arg_is(c, j, b"store") and leftargs >= 1:
            store_i = j + 1
            j += 1
        elif arg_is(c, j, b"by") and leftargs >= 1:
            by_i = j + 1
            if not _has_star(c.argv[by_i], c.argvlen[by_i]):
                dontsort = 1
            j += 1
        elif arg_is(c, j, b"get") and leftargs >= 1:
            _pattern_parse(&gets[ngets], c.argv[j + 1], c.argvlen[j + 1])
            ngets += 1
            j += 1
        else:
            add_syntax_error(c)
            mem_free(gets)
            return 0
        j += 1

    # 2. the source
    o = lookup_read(c, c.argv[1], c.argvlen[1])
    if o != NULL and o.type != OBJ_SET and o.type != OBJ_LIST and o.type != OBJ_ZSET:
        add_wrongtype(c)
        mem_free(gets)
        return 0
    otype = OBJ_LIST if o == NULL else o.type

    if dontsort and otype == OBJ_SET and store_i >= 0:
        # a stored set must not depend on the table's order: sort it
        dontsort = 0
        alpha = 1
        by_i = -1
    # Redis converts a listpack sorted set to a skiplist before loading it,
    # for good: OBJECT ENCODING shows it afterwards (SORT_RO too).
    if otype == OBJ_ZSET and o.encoding == ENC_LISTPACK:
        zset_convert_to_skiplist(o)
    if by_i >= 0:
        _pattern_parse(&bypat, c.argv[by_i], c.argvlen[by_i])

    if o == NULL:
        vectorlen = 0
    elif otype == OBJ_LIST:
        vectorlen = <long long>(<quicklist*>o.u.ptr).count
    elif otype == OBJ_SET:
        vectorlen = <long long>set_size(o)
    else:
        vectorlen = <long long>zset_length(o)

    # LIMIT, clamped to the vector (Redis's arithmetic, empty ranges included)
    start = limit_start if limit_start > 0 else 0
    if start > vectorlen:
        start = vectorlen
    if limit_count < -1:
        limit_count = -1
    if limit_count > vectorlen:
        limit_count = vectorlen
    end = vectorlen - 1 if limit_count < 0 else start + limit_count - 1
    if start >= vectorlen:
        start = vectorlen - 1
        end = vectorlen - 2
    if end >= vectorlen:
        end = vectorlen - 1

    # lists and sorted sets in their own order: load just the range
    if (otype == OBJ_ZSET or otype == OBJ_LIST) and dontsort and (start != 0 or end != vectorlen - 1):
        vectorlen = end - start + 1

    items = <sort_item*>mem_alloc(sizeof(sort_item) * <size_t>(vectorlen if vectorlen > 0 else 1))
    k = 0
    if o == NULL:
        pass
    elif otype == OBJ_LIST and dontsort:
        if end >= start:
            ql = <quicklist*>o.u.ptr
            ql_iter_init_at(&qi, ql, QL_START_TAIL if desc else QL_START_HEAD,
                            <long long>ql.count - start - 1 if desc else start)
            while k < vectorlen and ql_next(&qi, &qe):
                _item_ql(&items[k], &ar, &qe)
                k += 1
            ql_iter_release(&qi)
            ql = NULL
            end -= start
            start = 0
    elif otype == OBJ_LIST:
        ql_iter_init(&qi, <quicklist*>o.u.ptr, QL_START_HEAD)
        while ql_next(&qi, &qe):
            _item_ql(&items[k], &ar, &qe)
            k += 1
        ql_iter_release(&qi)
    elif otype == OBJ_SET:
        set_iter_init(&si, o)
        while True:
            kind = set_iter_next(&si, &s, &n, &i64)
            if kind == -1:
                break
            if kind == ENC_INTSET:
                _item_ll(&items[k], &ar, i64)
            else:
                _item_set(&items[k], _arena_put(&ar, s, n), n)
            k += 1
        set_iter_release(&si)
    elif dontsort:
        if vectorlen > 0:
            zcur_at_rank(&zc, o, <unsigned long>start, desc)
            while k < vectorlen and zcur_valid(&zc):
                s = zcur_member(&zc, &n)
                _item_set(&items[k], _arena_put(&ar, s, n), n)
                k += 1
                zcur_next(&zc, desc)
        end -= start
        start = 0
    else:
        zcur_at_rank(&zc, o, 0, False)
        while zcur_valid(&zc):
            s = zcur_member(&zc, &n)
            _item_set(&items[k], _arena_put(&ar, s, n), n)
            k += 1
            zcur_next(&zc, False)
    vectorlen = k

    # 3. sort keys, then sort
    if not dontsort:
        for k in range(vectorlen):
            it = &items[k]
            if by_i >= 0:
                it.score = 0.0              # what a missing key sorts as
                kind = _pattern_value(c, &bypat, ar.p + it.off, it.n, &kbuf, &s, &n, &ll)
                if kind == VAL_NONE:
                    continue
                if alpha:
                    if bypat.kind == PAT_SELF:
                        it.coff = it.off
                        it.cn = it.n
                    elif kind == VAL_INT:
                        it.coff = _arena_put_ll(&ar, ll, &it.cn)
                    else:
                        it.coff = _arena_put(&ar, s, n)
                        it.cn = n
                    it.has_cmp = 1
                elif kind == VAL_INT:
                    it.score = <double>ll
                elif bypat.kind == PAT_SELF:
                    if not it.isnum and not _parse_score(ar.p + it.off, &it.score):
                        conv_error = 1
                else:
                    # a NUL-terminated copy for strtod, dropped right after
                    off = _arena_put(&ar, s, n)
                    if not _parse_score(ar.p + off, &it.score):
                        conv_error = 1
                    ar.len = off
            elif not alpha and not it.isnum:
                if not _parse_score(ar.p + it.off, &it.score):
                    conv_error = 1
        ctx.base = ar.p
        ctx.desc = desc
        ctx.alpha = alpha
        ctx.bypattern = by_i >= 0
        ctx.store = store_i >= 0
        if by_i >= 0 and (start != 0 or end != vectorlen - 1):
            _pqsort(&ctx, items, 0, vectorlen, start, end)
        elif vectorlen > 1:
            tmp = <sort_item*>mem_alloc(sizeof(sort_item) * <size_t>(vectorlen // 2 + 1))
            _msort(&ctx, items, tmp, <size_t>vectorlen)
            mem_free(tmp)

    # 4. output
    outputlen = (end - start + 1) * (ngets if ngets else 1)
    if conv_error:
        add_error(c, MSG_NOT_DOUBLE)
    elif store_i < 0:
        add_array(c, outputlen)
        k = start
        while k <= end:
            it = &items[k]
            if not ngets:
                add_bulk(c, ar.p + it.off, it.n)
            for g in range(ngets):
                kind = _pattern_value(c, &gets[g], ar.p + it.off, it.n, &kbuf, &s, &n, &ll)
                if kind == VAL_STR:
                    add_bulk(c, s, n)
                elif kind == VAL_INT:
                    add_bulk_ll(c, ll)
                else:
                    add_null(c)
            k += 1
    else:
        dst = list_new(c.srv)
        ql = <quicklist*>dst.u.ptr
        k = start
        while k <= end:
            it = &items[k]
            if not ngets:
                ql_push(ql, ar.p + it.off, it.n, QL_TAIL)
            for g in range(ngets):
                kind = _pattern_value(c, &gets[g], ar.p + it.off, it.n, &kbuf, &s, &n, &ll)
                _push_value(ql, kind, s, n, ll)
            k += 1
        if outputlen:
            set_key(c.srv, c.db, c.argv[store_i], c.argvlen[store_i], dst, False)
            c.srv.dirty += outputlen
        else:
            obj_free(dst)
            if db_delete(c.srv, c.db, c.argv[store_i], c.argvlen[store_i]):
                c.srv.dirty += 1
        add_int(c, outputlen)

    mem_free(items)
    mem_free(gets)
    mem_free(ar.p)
    mem_free(kbuf.p)
    return 0


cdef int sort_command(Client c) except -1:
    return sort_generic(c, False)


cdef int sort_ro_command(Client c) except -1:
    return sort_generic(c, True)


# ---- test hook -----------------------------------------------------------------------------

def _debug_sort(list keys, long lo=-1, long hi=-1, bint desc=False, bint numeric=False):
    """Run the command's sorts on a vector whose ALPHA BY values are ``keys``
    (bytes, or None for a missing key), compared byte-wise as with STORE; or
    with ``numeric``, whose scores are ``keys`` (floats) with all elements
    equal. lo < 0: the full (stable merge) sort; else the partial quicksort
    for positions lo..hi. Returns the original indexes in sorted order."""
    cdef long n = len(keys)
    cdef long i
    cdef arena ar
    cdef sort_ctx ctx
    cdef sort_item* items
    cdef sort_item* tmp
    ar.p = NULL
    ar.len = ar.cap = 0
    offs = [0 if numeric or k is None else _arena_put(&ar, <bytes>k, len(<bytes>k)) for k in keys]
    items = <sort_item*>mem_alloc(sizeof(sort_item) * <size_t>(n if n else 1))
    for i in range(n):
        # the element is empty (n = 0: every element compares equal), and
        # its offset carries the original index
        _item_set(&items[i], <size_t>i, 0)
        if numeric:
            items[i].score = keys[i]
        elif keys[i] is not None:
            items[i].has_cmp = 1
            items[i].coff = offs[i]
            items[i].cn = <size_t>len(keys[i])
    ctx.base = ar.p
    ctx.desc = desc
    ctx.alpha = not numeric
    ctx.bypattern = 1
    ctx.store = 1
    if lo >= 0:
        _pqsort(&ctx, items, 0, n, lo, hi)
    elif n > 1:
        tmp = <sort_item*>mem_alloc(sizeof(sort_item) * <size_t>(n // 2 + 1))
        _msort(&ctx, items, tmp, <size_t>n)
        mem_free(tmp)
    out = [items[i].off for i in range(n)]
    mem_free(items)
    mem_free(ar.p)
    return out


PROCS = {
    "sort_command": proc_capsule(sort_command),
    "sort_ro_command": proc_capsule(sort_ro_command),
}
