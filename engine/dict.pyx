"""Chained hash table with incremental rehashing and a reverse-binary SCAN.

Structure
---------
Two bucket arrays, ``table[0]`` and ``table[1]``; each bucket is a singly
linked chain of entries (``pe_entry``, see pe_dict.h: chain pointer, an
8-byte value slot, and the key bytes inline). Sizes are powers of two, so a
bucket index is ``hash & (size - 1)``. Keys are hashed with SipHash-1-2 under
a secret 16-byte seed.

Invariants
----------
* ``rehashidx == -1`` iff no rehash runs; then ``table[1]`` is NULL.
* While rehashing, buckets ``[0, rehashidx)`` of table 0 are empty: their
  entries have moved to table 1. New entries always go to table 1.
* Every lookup, insert or delete moves one bucket (``_rehash_step``) unless
  ``pauserehash > 0`` (a safe iterator or a scan is running). The server cron
  adds time-bounded steps (``dict_rehash_ms``), so a table converges even
  when nobody touches it.
* Growth: when ``used >= size`` (load factor 1) the table doubles.
  Shrinking to fit happens when fill drops under 10% (``dict_shrink``, called
  by the cron for the keyspace and after deletions for aggregates), never
  below 4 buckets.
* The resize policy (Redis's dictResizeEnable, process-wide) spares the
  pages a fork child shares: ENABLE normally; AVOID in a parent while a
  child saves (no shrinking, growth only past load factor 5, rehash steps
  only while the two tables differ by a factor of 5 or more); FORBID in the
  child itself (no growth, no rehash at all).

Ownership
---------
The dict owns its entries. ``dict_unlink`` detaches an entry and hands it
to the caller, who frees it with ``dict_free_entry`` (which calls the
``free_entry`` hook to release what the value slot points to).

SCAN
----
``dict_scan`` walks buckets in reverse-binary cursor order: the cursor's
high bits are incremented first, so when the table grows or shrinks between
calls, the buckets already visited map onto buckets the cursor will not visit
again. Every key present for the whole scan is returned at least once (some
may be returned twice when the table shrinks). While rehashing, both tables
are visited: the small table's bucket and every bucket of the large table
that expands from it.

Costs: find/insert/delete O(1) average plus one rehash step; a rehash step
visits at most 10 empty buckets per bucket moved; scan O(1) per bucket.
"""

from libc.stdint cimport uint8_t, uint64_t
from libc.string cimport memcpy, memcmp, memset
from libc.time cimport time
from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC

from engine._mem cimport mem_alloc, mem_calloc, mem_free, mem_usable

cdef enum:
    DICT_INITIAL_SIZE = 4
    FORCE_RESIZE_RATIO = 5
    MIN_FILL_PERCENT = 10

cdef uint8_t _seed[16]
cdef int _resize_policy = DICT_RESIZE_ENABLE
cdef uint64_t _rng_state = 0x9E3779B97F4A7C15ULL


cdef void dict_set_seed(const char* seed16) noexcept nogil:
    """Install the 16-byte SipHash key. Call before any dict holds entries."""
    global _rng_state
    memcpy(_seed, seed16, 16)
    memcpy(&_rng_state, seed16, 8)
    if _rng_state == 0:
        _rng_state = 0x9E3779B97F4A7C15ULL


cdef void dict_set_resize_policy(int policy) noexcept nogil:
    """DICT_RESIZE_ENABLE / _AVOID / _FORBID for every dict of the process
    (see the invariants at the top)."""
    global _resize_policy
    _resize_policy = policy


cdef uint64_t engine_random() noexcept nogil:
    """A fast pseudo-random 64-bit number (sampling, not security)."""
    return pe_xorshift(&_rng_state)


cdef inline uint64_t dict_hash(const char* key, size_t klen) noexcept nogil:
    return pe_siphash(<const uint8_t*>key, klen, _seed)


cdef dict_t* dict_create(entry_free_fn free_entry) noexcept nogil:
    """A new empty dict (no buckets until the first insert)."""
    cdef dict_t* d = <dict_t*>mem_calloc(sizeof(dict_t))
    d.rehashidx = -1
    d.free_entry = free_entry
    return d


cdef void _clear_table(dict_t* d, int t) noexcept nogil:
    cdef unsigned long i
    cdef pe_entry* e
    cdef pe_entry* nxt
    if d.table[t] == NULL:
        return
    for i in range(d.size[t]):
        e = d.table[t][i]
        while e != NULL:
            nxt = e.next
            dict_free_entry(d, e)
            e = nxt
    mem_free(d.table[t])
    d.table[t] = NULL
    d.size[t] = 0
    d.used[t] = 0


cdef void dict_empty(dict_t* d) noexcept nogil:
    """Free every entry and both tables; the dict stays usable."""
    _clear_table(d, 0)
    _clear_table(d, 1)
    d.rehashidx = -1
    d.pauserehash = 0


cdef void dict_release(dict_t* d) noexcept nogil:
    """Free every entry and the dict itself."""
    dict_empty(d)
    mem_free(d)


cdef void dict_free_entry(dict_t* d, pe_entry* e) noexcept nogil:
    """Release an entry detached by dict_unlink (value first, via the hook)."""
    if d.free_entry != NULL:
        d.free_entry(e)
    mem_free(e)


cdef inline unsigned long _next_power(unsigned long size) noexcept nogil:
    cdef unsigned long n = DICT_INITIAL_SIZE
    if size >= (<unsigned long>1 << 62):
        return <unsigned long>1 << 62
    while n < size:
        n <<= 1
    return n


cdef bint dict_expand(dict_t* d, unsigned long size) noexcept nogil:
    """Make room for ``size`` entries: allocate a table of the next power of
    two and start rehashing into it (or install it directly when empty).
    Returns False if a rehash already runs or the size would not change."""
    cdef unsigned long realsize
    cdef pe_entry** newtable
    if dict_is_rehashing(d) or d.used[0] > size:
        return False
    realsize = _next_power(size)
    if realsize == d.size[0]:
        return False
    if realsize < size or realsize > (<size_t>-1) // sizeof(pe_entry*):
        return False            # the bucket array's byte size would overflow
    newtable = <pe_entry**>mem_calloc(realsize * sizeof(pe_entry*))
    if d.table[0] == NULL:
        d.table[0] = newtable
        d.size[0] = realsize
        d.used[0] = 0
        return True
    d.table[1] = newtable
    d.size[1] = realsize
    d.used[1] = 0
    d.rehashidx = 0
    return True


cdef bint dict_needs_shrink(dict_t* d) noexcept nogil:
    return (d.size[0] > DICT_INITIAL_SIZE and not dict_is_rehashing(d) and
            d.used[0] * 100 // d.size[0] < MIN_FILL_PERCENT)


cdef bint dict_shrink(dict_t* d) noexcept nogil:
    """Shrink a sparse table to the smallest power of two holding its entries."""
    cdef unsigned long minimal
    if _resize_policy != DICT_RESIZE_ENABLE or not dict_needs_shrink(d):
        return False
    minimal = d.used[0]
    if minimal < DICT_INITIAL_SIZE:
        minimal = DICT_INITIAL_SIZE
    return dict_expand(d, minimal)


cdef inline void _expand_if_needed(dict_t* d) noexcept nogil:
    if dict_is_rehashing(d):
        return
    if d.size[0] == 0:
        dict_expand(d, DICT_INITIAL_SIZE)
        return
    if ((_resize_policy == DICT_RESIZE_ENABLE and d.used[0] >= d.size[0]) or
            (_resize_policy != DICT_RESIZE_FORBID and
             d.used[0] // d.size[0] > FORCE_RESIZE_RATIO)):
        dict_expand(d, d.used[0] + 1)


cdef bint dict_rehash(dict_t* d, int n) noexcept nogil:
    """Move up to ``n`` buckets from table 0 to table 1, visiting at most
    ``n * 10`` empty buckets. Returns True while entries remain to move;
    False also when the resize policy holds the rehash (FORBID, or AVOID
    with tables less than 5 times apart)."""
    cdef int empty_visits = n * 10
    cdef pe_entry* e
    cdef pe_entry* nxt
    cdef unsigned long idx
    cdef unsigned long mask1
    cdef unsigned long s0 = d.size[0], s1 = d.size[1]
    if not dict_is_rehashing(d) or _resize_policy == DICT_RESIZE_FORBID:
        return False
    if _resize_policy == DICT_RESIZE_AVOID and (
            (s1 > s0 and s1 // s0 < FORCE_RESIZE_RATIO) or
            (s1 < s0 and s0 // s1 < FORCE_RESIZE_RATIO)):
        return False
    mask1 = d.size[1] - 1
    while n > 0 and d.used[0] != 0:
        n -= 1
        while d.table[0][d.rehashidx] == NULL:
            d.rehashidx += 1
            empty_visits -= 1
            if empty_visits == 0:
                return True
        e = d.table[0][d.rehashidx]
        while e != NULL:
            nxt = e.next
            idx = dict_hash(e.key, e.klen) & mask1
            e.next = d.table[1][idx]
            d.table[1][idx] = e
            d.used[0] -= 1
            d.used[1] += 1
            e = nxt
        d.table[0][d.rehashidx] = NULL
        d.rehashidx += 1
    if d.used[0] == 0:
        mem_free(d.table[0])
        d.table[0] = d.table[1]
        d.size[0] = d.size[1]
        d.used[0] = d.used[1]
        d.table[1] = NULL
        d.size[1] = 0
        d.used[1] = 0
        d.rehashidx = -1
        return False
    return True


cdef long long _now_ms() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec * 1000 + ts.tv_nsec // 1000000


cdef int dict_rehash_ms(dict_t* d, int ms) noexcept nogil:
    """Rehash in batches of 100 buckets for about ``ms`` milliseconds.
    Returns the number of buckets moved (approximately)."""
    cdef long long start
    cdef int rehashes = 0
    if d.pauserehash > 0:
        return 0
    start = _now_ms()
    while dict_rehash(d, 100):
        rehashes += 100
        if _now_ms() - start > ms:
            break
    return rehashes


cdef inline void _rehash_step(dict_t* d) noexcept nogil:
    if d.pauserehash == 0:
        dict_rehash(d, 1)


cdef pe_entry* dict_find(dict_t* d, const char* key, size_t klen) noexcept nogil:
    """The entry for ``key``, or NULL."""
    cdef uint64_t h
    cdef int t
    cdef pe_entry* e
    if dict_size(d) == 0:
        return NULL
    if dict_is_rehashing(d):
        _rehash_step(d)
    h = dict_hash(key, klen)
    for t in range(2):
        if d.table[t] == NULL:
            break
        e = d.table[t][h & (d.size[t] - 1)]
        while e != NULL:
            if e.klen == klen and memcmp(e.key, key, klen) == 0:
                return e
            e = e.next
        if not dict_is_rehashing(d):
            break
    return NULL


cdef pe_entry* dict_add_or_find(dict_t* d, const char* key, size_t klen, bint* existed) noexcept nogil:
    """Return the entry for ``key``, inserting a new one (value slot zeroed)
    if absent. ``existed`` tells which happened."""
    cdef uint64_t h
    cdef int t
    cdef pe_entry* e
    cdef unsigned long idx
    if dict_is_rehashing(d):
        _rehash_step(d)
    _expand_if_needed(d)
    h = dict_hash(key, klen)
    for t in range(2):
        if d.table[t] == NULL:
            break
        e = d.table[t][h & (d.size[t] - 1)]
        while e != NULL:
            if e.klen == klen and memcmp(e.key, key, klen) == 0:
                existed[0] = True
                return e
            e = e.next
        if not dict_is_rehashing(d):
            break
    existed[0] = False
    e = <pe_entry*>mem_alloc(PE_ENTRY_HEADER + klen + 1)
    e.v.u64 = 0
    e.klen = <uint32_t>klen
    memcpy(e.key, key, klen)
    e.key[klen] = 0
    t = 1 if dict_is_rehashing(d) else 0
    idx = h & (d.size[t] - 1)
    e.next = d.table[t][idx]
    d.table[t][idx] = e
    d.used[t] += 1
    return e


cdef pe_entry* dict_unlink(dict_t* d, const char* key, size_t klen) noexcept nogil:
    """Detach and return the entry for ``key`` (NULL if absent). The caller
    frees it with dict_free_entry."""
    cdef uint64_t h
    cdef int t
    cdef pe_entry* e
    cdef pe_entry* prev
    cdef unsigned long idx
    if dict_size(d) == 0:
        return NULL
    if dict_is_rehashing(d):
        _rehash_step(d)
    h = dict_hash(key, klen)
    for t in range(2):
        if d.table[t] == NULL:
            break
        idx = h & (d.size[t] - 1)
        e = d.table[t][idx]
        prev = NULL
        while e != NULL:
            if e.klen == klen and memcmp(e.key, key, klen) == 0:
                if prev == NULL:
                    d.table[t][idx] = e.next
                else:
                    prev.next = e.next
                d.used[t] -= 1
                e.next = NULL
                return e
            prev = e
            e = e.next
        if not dict_is_rehashing(d):
            break
    return NULL


cdef bint dict_delete(dict_t* d, const char* key, size_t klen) noexcept nogil:
    """Remove and free the entry for ``key``. Returns True if it existed."""
    cdef pe_entry* e = dict_unlink(d, key, klen)
    if e == NULL:
        return False
    dict_free_entry(d, e)
    return True


cdef pe_entry* dict_random(dict_t* d) noexcept nogil:
    """A random entry (NULL if empty): a random non-empty bucket, then a
    random element of its chain. Not perfectly uniform, like Redis's."""
    cdef pe_entry* e
    cdef pe_entry* orig
    cdef unsigned long h
    cdef unsigned long listlen
    cdef unsigned long s0
    if dict_size(d) == 0:
        return NULL
    if dict_is_rehashing(d):
        _rehash_step(d)
    if dict_is_rehashing(d):
        s0 = d.size[0]
        while True:
            h = d.rehashidx + engine_random() % (dict_buckets(d) - <unsigned long>d.rehashidx)
            e = d.table[1][h - s0] if h >= s0 else d.table[0][h]
            if e != NULL:
                break
    else:
        while True:
            h = engine_random() & (d.size[0] - 1)
            e = d.table[0][h]
            if e != NULL:
                break
    listlen = 0
    orig = e
    while e != NULL:
        e = e.next
        listlen += 1
    listlen = engine_random() % listlen
    e = orig
    while listlen:
        e = e.next
        listlen -= 1
    return e


cdef enum:
    FAIR_SAMPLE = 15


cdef pe_entry* dict_fair_random(dict_t* d) noexcept nogil:
    """RANDOMKEY's and the aggregates' pick (dictGetFairRandomKey): sample
    up to 15 entries (never more than the dict holds, so a small dict is
    sampled without repeats) from consecutive buckets after a random one,
    then choose one of them; this evens out chain lengths. A run of empty
    buckets longer than the sample jumps to a new random bucket, and a
    chain still being read when the sample is full is reservoir-sampled,
    so the tail of a long chain is not starved. Falls back to
    dict_random when nothing was found. O(15 * 10) bucket visits."""
    cdef pe_entry* sample[FAIR_SAMPLE]
    cdef unsigned long count = FAIR_SAMPLE
    cdef unsigned long stored = 0
    cdef unsigned long emptylen = 0
    cdef unsigned long i, maxsteps, mask, r
    cdef int t, tables
    cdef pe_entry* e
    if dict_size(d) == 0:
        return NULL
    if dict_size(d) < count:
        count = dict_size(d)
    maxsteps = count * 10
    for i in range(count):
        if not dict_is_rehashing(d):
            break
        _rehash_step(d)
    tables = 2 if dict_is_rehashing(d) else 1
    mask = d.size[0] - 1
    if tables == 2 and d.size[1] - 1 > mask:
        mask = d.size[1] - 1
    i = engine_random() & mask
    while stored < count and maxsteps > 0:
        maxsteps -= 1
        for t in range(tables):
            if tables == 2 and t == 0 and i < <unsigned long>d.rehashidx:
                # buckets below rehashidx of table 0 are empty; beyond the
                # end of table 1 too: jump to where entries still are
                if i >= d.size[1]:
                    i = <unsigned long>d.rehashidx
                else:
                    continue
            if i >= d.size[t]:
                continue
            e = d.table[t][i]
            if e == NULL:
                emptylen += 1
                if emptylen >= 5 and emptylen > count:
                    i = engine_random() & mask
                    emptylen = 0
                continue
            emptylen = 0
            while e != NULL:
                if stored < count:
                    sample[stored] = e
                else:
                    r = engine_random() % (stored + 1)
                    if r < count:
                        sample[r] = e
                e = e.next
                stored += 1
            if stored >= count:
                break
        if stored >= count:
            break
        i = (i + 1) & mask
    if stored == 0:
        return dict_random(d)
    if stored > count:
        stored = count
    return sample[engine_random() % stored]


cdef inline void _scan_bucket(pe_entry* e, scan_fn fn, void* privdata) noexcept:
    cdef pe_entry* nxt
    while e != NULL:
        nxt = e.next
        fn(privdata, e)
        e = nxt


cdef unsigned long dict_scan(dict_t* d, unsigned long cursor, scan_fn fn, void* privdata) noexcept:
    """Call ``fn`` for the entries of the bucket(s) at ``cursor``; return the
    next cursor (0 when the scan is complete). ``fn`` must not add or
    delete entries of ``d``."""
    cdef unsigned long v = cursor
    cdef unsigned long m0, m1
    cdef int t0, t1
    if dict_size(d) == 0:
        return 0
    d.pauserehash += 1
    if not dict_is_rehashing(d):
        m0 = d.size[0] - 1
        _scan_bucket(d.table[0][v & m0], fn, privdata)
        v |= ~m0
        v = pe_rev64(v)
        v += 1
        v = pe_rev64(v)
    else:
        t0 = 0
        t1 = 1
        if d.size[0] > d.size[1]:
            t0 = 1
            t1 = 0
        m0 = d.size[t0] - 1
        m1 = d.size[t1] - 1
        _scan_bucket(d.table[t0][v & m0], fn, privdata)
        while True:
            _scan_bucket(d.table[t1][v & m1], fn, privdata)
            v |= ~m1
            v = pe_rev64(v)
            v += 1
            v = pe_rev64(v)
            if not (v & (m0 ^ m1)):
                break
    d.pauserehash -= 1
    return v


cdef void dict_iter_init(dict_iter* it, dict_t* d) noexcept nogil:
    """Start a safe iteration: entries returned may be deleted, rehashing
    pauses until dict_iter_release."""
    it.d = d
    it.tbl = 0
    it.index = -1
    it.entry = NULL
    it.next_entry = NULL
    it.started = False


cdef pe_entry* dict_iter_next(dict_iter* it) noexcept nogil:
    """The next entry, or NULL at the end."""
    cdef dict_t* d = it.d
    while True:
        if it.entry == NULL:
            if not it.started:
                it.started = True
                d.pauserehash += 1
            it.index += 1
            if d.table[it.tbl] == NULL or it.index >= <long>d.size[it.tbl]:
                if dict_is_rehashing(d) and it.tbl == 0:
                    it.tbl = 1
                    it.index = 0
                    if d.table[1] == NULL or d.size[1] == 0:
                        return NULL
                else:
                    return NULL
            it.entry = d.table[it.tbl][it.index]
        else:
            it.entry = it.next_entry
        if it.entry != NULL:
            it.next_entry = it.entry.next
            return it.entry


cdef void dict_iter_release(dict_iter* it) noexcept nogil:
    if it.started:
        it.d.pauserehash -= 1
        it.started = False


cdef size_t dict_mem_overhead(dict_t* d) noexcept nogil:
    """Bytes of bucket arrays and dict header (MEMORY STATS / USAGE)."""
    return sizeof(dict_t) + (d.size[0] + d.size[1]) * sizeof(pe_entry*)


# ---- Python wrapper for tests ------------------------------------------------

cdef void _collect(void* privdata, pe_entry* e) noexcept:
    (<list>privdata).append(e.key[:e.klen])


cdef long long _freed_entries = 0


cdef void _count_free(pe_entry* e) noexcept nogil:
    global _freed_entries
    _freed_entries += 1


def freed_entries():
    """How many entries dicts made with ``Dict(count_frees=True)`` freed."""
    return _freed_entries


cdef class Dict:
    """A Python handle on a dict_t whose values are Python ints (tests only)."""
    cdef dict_t* d

    def __cinit__(self, bint count_frees=False):
        self.d = dict_create(_count_free if count_frees else <entry_free_fn>NULL)

    def __dealloc__(self):
        if self.d != NULL:
            dict_release(self.d)

    def set(self, bytes key, long long value):
        cdef bint existed
        cdef pe_entry* e = dict_add_or_find(self.d, key, len(key), &existed)
        e.v.s64 = value
        return not existed

    def get(self, bytes key):
        cdef pe_entry* e = dict_find(self.d, key, len(key))
        return None if e == NULL else e.v.s64

    def delete(self, bytes key):
        return dict_delete(self.d, key, len(key))

    def __len__(self):
        return dict_size(self.d)

    def rehash(self, int n):
        return dict_rehash(self.d, n)

    def expand(self, unsigned long size):
        return dict_expand(self.d, size)

    def shrink(self):
        return dict_shrink(self.d)

    def is_rehashing(self):
        return dict_is_rehashing(self.d)

    def buckets(self):
        return (self.d.size[0], self.d.size[1])

    def scan(self, unsigned long cursor):
        """One SCAN step: (next_cursor, [keys])."""
        cdef list out = []
        cdef unsigned long nxt = dict_scan(self.d, cursor, _collect, <void*>out)
        return nxt, out

    def keys(self):
        cdef dict_iter it
        cdef pe_entry* e
        cdef list out = []
        dict_iter_init(&it, self.d)
        while True:
            e = dict_iter_next(&it)
            if e == NULL:
                break
            out.append(e.key[:e.klen])
        dict_iter_release(&it)
        return out

    def random_key(self, bint fair=False):
        cdef pe_entry* e = dict_fair_random(self.d) if fair else dict_random(self.d)
        return None if e == NULL else e.key[:e.klen]

    def used(self):
        return (self.d.used[0], self.d.used[1])

    @property
    def rehashidx(self):
        return self.d.rehashidx

    def pause_rehash(self):
        self.d.pauserehash += 1

    def resume_rehash(self):
        self.d.pauserehash -= 1

    def rehash_ms(self, int ms):
        return dict_rehash_ms(self.d, ms)

    def needs_shrink(self):
        return dict_needs_shrink(self.d)

    def mem_overhead(self):
        return dict_mem_overhead(self.d)

    def empty(self):
        dict_empty(self.d)

    def unlink(self, bytes key):
        """dict_unlink + dict_free_entry: the value, or None if absent."""
        cdef pe_entry* e = dict_unlink(self.d, key, len(key))
        cdef long long v
        if e == NULL:
            return None
        v = e.v.s64
        if e.next != NULL:
            raise AssertionError("unlinked entry still chained")
        dict_free_entry(self.d, e)
        return v

    def iter_delete(self, pred):
        """Walk with a safe iterator, deleting the keys for which pred(key)
        is true as they are returned. Returns every key visited, in order."""
        cdef dict_iter it
        cdef pe_entry* e
        cdef list out = []
        cdef bytes k
        dict_iter_init(&it, self.d)
        try:
            while True:
                e = dict_iter_next(&it)
                if e == NULL:
                    break
                k = e.key[:e.klen]
                out.append(k)
                if pred(k):
                    dict_delete(self.d, k, len(k))
        finally:
            dict_iter_release(&it)
        return out

    def check(self):
        """Verify the structural invariants; raise AssertionError on a breach.

        Every entry sits in the bucket its hash selects, counts match the
        chains, sizes are 0 or powers of two, table 1 exists iff rehashing,
        buckets below rehashidx are empty, keys are NUL terminated and no
        key appears twice."""
        cdef dict_t* d = self.d
        cdef int t
        cdef unsigned long i, n
        cdef pe_entry* e
        cdef set seen = set()
        cdef bytes k
        if d.pauserehash != 0:
            raise AssertionError("pauserehash %d" % d.pauserehash)
        if (d.rehashidx == -1) != (d.table[1] == NULL):
            raise AssertionError("rehashidx %d but table[1] %s" % (
                d.rehashidx, "NULL" if d.table[1] == NULL else "set"))
        for t in range(2):
            if d.size[t] & (d.size[t] - 1):
                raise AssertionError("size[%d] = %d is not a power of two" % (t, d.size[t]))
            if (d.table[t] == NULL) != (d.size[t] == 0):
                raise AssertionError("table[%d] and size disagree" % t)
            n = 0
            for i in range(d.size[t]):
                e = d.table[t][i]
                if t == 0 and d.rehashidx != -1 and <long>i < d.rehashidx and e != NULL:
                    raise AssertionError("bucket %d below rehashidx %d not empty" % (i, d.rehashidx))
                while e != NULL:
                    k = e.key[:e.klen]
                    if e.key[e.klen] != 0:
                        raise AssertionError("key %r not NUL terminated" % k)
                    if (dict_hash(e.key, e.klen) & (d.size[t] - 1)) != i:
                        raise AssertionError("key %r in bucket %d of table %d" % (k, i, t))
                    if k in seen:
                        raise AssertionError("key %r twice" % k)
                    seen.add(k)
                    n += 1
                    e = e.next
            if n != d.used[t]:
                raise AssertionError("table %d holds %d entries, used says %d" % (t, n, d.used[t]))
        return True


RESIZE_ENABLE = DICT_RESIZE_ENABLE
RESIZE_AVOID = DICT_RESIZE_AVOID
RESIZE_FORBID = DICT_RESIZE_FORBID


def set_resize_policy(int policy):
    """RESIZE_ENABLE, RESIZE_AVOID (a child is saving) or RESIZE_FORBID (in
    the child)."""
    dict_set_resize_policy(policy)


def hash_key(bytes key):
    return dict_hash(key, len(key))


def rev64(unsigned long long v):
    return pe_rev64(v)


def set_seed(bytes seed):
    if len(seed) != 16:
        raise ValueError("seed must be 16 bytes")
    dict_set_seed(seed)
