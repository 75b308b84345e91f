"""intset: a sorted array of distinct 64-bit integers in one allocation.

What it is
----------
The compact encoding of small all-integer sets (OBJECT ENCODING "intset"),
laid out byte for byte like Redis's intset, which is also the blob an RDB
file stores for such a set (see pe_intset.h)::

    | encoding u32 | length u32 | e[0] | e[1] | ... | e[length-1] |

Every element has the same width, ``encoding`` bytes (2, 4 or 8), stored
little-endian; the header fields are little-endian too.

Invariants
----------
* ``e[0] < e[1] < ... < e[length-1]`` (strictly ascending: no duplicates).
* ``encoding`` is the width of the widest value ever added: adding a value
  that does not fit (``intset_value_encoding``) *upgrades* the whole array
  16 -> 32 -> 64 bits. Removing values never downgrades (Redis does not
  either, and the RDB bytes must match).
* The allocation is exactly header + length * encoding bytes: every add or
  remove reallocs (like Redis), so the blob can be written out as is.

Ownership: an ``intset*`` is one ``mem_alloc`` block. Functions that change
the size (add, remove) may move it and return the new pointer; the old one
must not be used afterwards. ``intset_free`` releases it.

Costs: find O(log n) (binary search); add/remove O(n) (memmove + realloc);
an upgrade O(n) (every element rewritten from the end backwards, so it is
done in place); get/random O(1).

Untrusted blobs (RDB, RESTORE) go through ``intset_validate`` before use.
"""

from libc.string cimport memmove, memcpy

from engine._mem cimport mem_alloc, mem_realloc, mem_free
from engine.dict cimport engine_random


# ---- low-level helpers -----------------------------------------------------------

cdef inline intset* _resize(intset* s, uint32_t length) noexcept nogil:
    """Realloc to hold ``length`` elements of the current width."""
    return <intset*>mem_realloc(s, INTSET_HEADER + <size_t>length * intset_encoding(s))


cdef inline void _set_len(intset* s, uint32_t length) noexcept nogil:
    s.length = pe_is_u32(length)


cdef inline void _move_tail(intset* s, uint32_t frm, uint32_t to) noexcept nogil:
    """Move elements [frm, length) so they start at ``to`` (either way)."""
    cdef uint32_t enc = intset_encoding(s)
    cdef size_t nbytes = <size_t>(intset_len(s) - frm) * enc
    memmove(<char*>s.contents + <size_t>to * enc, <char*>s.contents + <size_t>frm * enc, nbytes)


cdef intset* _upgrade_and_add(intset* s, int64_t value) noexcept nogil:
    """Widen every element to the width ``value`` needs, then add ``value``.
    Such a value is beyond every current element, so it goes first (when
    negative) or last. O(n), in place from the end backwards."""
    cdef uint32_t oldenc = intset_encoding(s)
    cdef uint32_t newenc = <uint32_t>intset_value_encoding(value)
    cdef uint32_t length = intset_len(s)
    cdef uint32_t prepend = 1 if value < 0 else 0
    cdef uint32_t i
    s.encoding = pe_is_u32(newenc)
    s = _resize(s, length + 1)
    # Going backwards never overwrites an element not read yet: element i
    # moves to byte (i + prepend) * newenc >= i * oldenc.
    i = length
    while i > 0:
        i -= 1
        pe_is_store(s, i + prepend, newenc, pe_is_load(s, i, oldenc))
    if prepend:
        pe_is_store(s, 0, newenc, value)
    else:
        pe_is_store(s, length, newenc, value)
    _set_len(s, length + 1)
    return s


# ---- API ---------------------------------------------------------------------------

cdef intset* intset_new() noexcept nogil:
    """An empty intset (16-bit width). The caller owns it."""
    cdef intset* s = <intset*>mem_alloc(INTSET_HEADER)
    s.encoding = pe_is_u32(INTSET_ENC_INT16)
    s.length = 0
    return s


cdef bint intset_search(const intset* s, int64_t value, uint32_t* pos) noexcept nogil:
    """Binary search. True with ``pos`` = the element's index when present;
    False with ``pos`` = where it would be inserted. O(log n)."""
    cdef uint32_t length = intset_len(s)
    cdef uint32_t enc = intset_encoding(s)
    cdef uint32_t lo, hi, mid
    cdef int64_t cur
    if length == 0:
        pos[0] = 0
        return False
    # Appending ascending values (a common pattern) skips the search.
    if value > pe_is_load(s, length - 1, enc):
        pos[0] = length
        return False
    if value < pe_is_load(s, 0, enc):
        pos[0] = 0
        return False
    lo = 0
    hi = length           # search [lo, hi)
    while lo < hi:
        mid = lo + (hi - lo) // 2
        cur = pe_is_load(s, mid, enc)
        if cur == value:
            pos[0] = mid
            return True
        if cur < value:
            lo = mid + 1
        else:
            hi = mid
    pos[0] = lo
    return False


cdef intset* intset_add(intset* s, int64_t value, bint* added) noexcept nogil:
    """Insert ``value``; ``added`` tells whether it was new. Returns the
    (possibly moved) intset. O(n) for the shift and realloc."""
    cdef uint32_t pos
    cdef uint32_t length
    if intset_value_encoding(value) > <int>intset_encoding(s):
        added[0] = True
        return _upgrade_and_add(s, value)
    if intset_search(s, value, &pos):
        added[0] = False
        return s
    length = intset_len(s)
    s = _resize(s, length + 1)
    if pos < length:
        _move_tail(s, pos, pos + 1)
    pe_is_store(s, pos, intset_encoding(s), value)
    _set_len(s, length + 1)
    added[0] = True
    return s


cdef intset* intset_remove_at(intset* s, uint32_t pos) noexcept nogil:
    """Remove the element at ``pos`` (< length). Returns the (possibly
    moved) intset; the width is kept. O(n)."""
    cdef uint32_t length = intset_len(s)
    if pos + 1 < length:
        _move_tail(s, pos + 1, pos)
    _set_len(s, length - 1)
    return _resize(s, length - 1)


cdef intset* intset_remove(intset* s, int64_t value, bint* removed) noexcept nogil:
    """Remove ``value`` if present; ``removed`` tells whether it was.
    Returns the (possibly moved) intset. O(n)."""
    cdef uint32_t pos
    if intset_value_encoding(value) <= <int>intset_encoding(s) and intset_search(s, value, &pos):
        removed[0] = True
        return intset_remove_at(s, pos)
    removed[0] = False
    return s


cdef bint intset_get(const intset* s, uint32_t pos, int64_t* value) noexcept nogil:
    """The element at ``pos`` into ``value``; False when pos >= length."""
    if pos < intset_len(s):
        value[0] = pe_is_load(s, pos, intset_encoding(s))
        return True
    return False


cdef uint32_t intset_random_pos(const intset* s) noexcept nogil:
    """A uniformly random index. The intset must not be empty."""
    return <uint32_t>(engine_random() % intset_len(s))


cdef int64_t intset_random(const intset* s) noexcept nogil:
    """A uniformly random element. The intset must not be empty."""
    return intset_at(s, intset_random_pos(s))


cdef intset* intset_dup(const intset* s) noexcept nogil:
    """An identical copy (same width, same bytes). The caller owns it."""
    cdef size_t n = intset_blob_len(s)
    cdef intset* copy = <intset*>mem_alloc(n)
    memcpy(copy, s, n)
    return copy


cdef void intset_free(intset* s) noexcept nogil:
    mem_free(s)


cdef bint intset_validate(const unsigned char* p, size_t size, bint deep) noexcept nogil:
    """Whether ``size`` bytes at ``p`` are a well-formed, non-empty intset
    blob: a known width, a length that accounts for exactly ``size`` bytes
    and, when ``deep``, strictly ascending elements (O(n)). Never reads
    outside [p, p + size)."""
    cdef const intset* s = <const intset*>p
    cdef uint32_t enc, count, i
    cdef int64_t prev, cur
    if size < INTSET_HEADER:
        return False
    memcpy(&enc, p, 4)              # the blob may be unaligned: no field reads
    memcpy(&count, p + 4, 4)
    enc = pe_is_u32(enc)
    count = pe_is_u32(count)
    if enc != INTSET_ENC_INT16 and enc != INTSET_ENC_INT32 and enc != INTSET_ENC_INT64:
        return False
    if INTSET_HEADER + <size_t>count * enc != size:
        return False
    if count == 0:
        return False
    if not deep:
        return True
    prev = pe_is_load(s, 0, enc)
    for i in range(1, count):
        cur = pe_is_load(s, i, enc)
        if cur <= prev:
            return False
        prev = cur
    return True


# ---- Python wrapper for tests ------------------------------------------------

cdef class IntSet:
    """A Python handle owning one intset (tests and tools only)."""
    cdef intset* s

    def __cinit__(self):
        self.s = intset_new()

    def __dealloc__(self):
        intset_free(self.s)

    @staticmethod
    def from_blob(bytes blob, bint deep=True):
        """An IntSet holding a copy of ``blob``; ValueError if it does not
        validate."""
        cdef IntSet w
        if not intset_validate(<const unsigned char*><const char*>blob, len(blob), deep):
            raise ValueError("invalid intset blob")
        w = IntSet.__new__(IntSet)
        intset_free(w.s)
        w.s = <intset*>mem_alloc(len(blob))
        memcpy(w.s, <const char*>blob, len(blob))
        return w

    def add(self, long long v):
        cdef bint added
        self.s = intset_add(self.s, v, &added)
        return added

    def remove(self, long long v):
        cdef bint removed
        self.s = intset_remove(self.s, v, &removed)
        return removed

    def remove_at(self, unsigned int pos):
        if pos >= intset_len(self.s):
            raise IndexError(pos)
        self.s = intset_remove_at(self.s, pos)

    def find(self, long long v):
        return intset_find(self.s, v)

    def search(self, long long v):
        """(found, position)."""
        cdef uint32_t pos
        cdef bint found = intset_search(self.s, v, &pos)
        return found, pos

    def get(self, long long pos):
        """Element at ``pos`` or None when out of range."""
        cdef int64_t v
        if pos < 0 or pos > 0xFFFFFFFF:
            return None
        if intset_get(self.s, <uint32_t>pos, &v):
            return v
        return None

    def random(self):
        if intset_len(self.s) == 0:
            raise IndexError("empty intset")
        return intset_random(self.s)

    def dup(self):
        cdef IntSet w = IntSet.__new__(IntSet)
        intset_free(w.s)
        w.s = intset_dup(self.s)
        return w

    def __len__(self):
        return intset_len(self.s)

    @property
    def encoding(self):
        """Bytes per element (2, 4 or 8)."""
        return intset_encoding(self.s)

    def blob_len(self):
        return intset_blob_len(self.s)

    def blob(self):
        """The raw bytes (what an RDB file stores)."""
        return (<const char*>self.s)[:intset_blob_len(self.s)]

    def tolist(self):
        cdef uint32_t i
        return [intset_at(self.s, i) for i in range(intset_len(self.s))]


def validate(bytes blob, bint deep=True):
    """intset_validate over a Python bytes object."""
    return intset_validate(<const unsigned char*><const char*>blob, len(blob), deep)


def value_encoding(long long v):
    return intset_value_encoding(v)
