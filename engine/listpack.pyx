"""listpack: a sequence of strings and integers packed in one allocation.

Small hashes, sorted sets and the nodes of lists are listpacks, exactly as
in Redis 7.0, and byte for byte in Redis's format, because RDB files and
DUMP payloads store them as they are in memory:

    +--------+--------+---------+---------+-----+---------+------+
    | total  | count  | entry 1 | entry 2 | ... | entry N | 0xFF |
    | u32 LE | u16 LE |         |         |     |         | end  |
    +--------+--------+---------+---------+-----+---------+------+

``total`` is the size in bytes of the whole listpack; ``count`` the number
of entries, or 65535 when there are too many to say (then it is counted by
walking). Each entry is

    <encoding + data><backlen>

where the first byte of the encoding says the type and size:

    0xxxxxxx                 7-bit unsigned integer (0..127)
    10xxxxxx <data>          string of up to 63 bytes
    110xxxxx yyyyyyyy        13-bit signed integer
    1110xxxx yyyyyyyy <data> string of up to 4095 bytes
    11110000 <u32 len> <data> longer string
    11110001 / 0010 / 0011 / 0100  16/24/32/64-bit signed integer (LE)

``backlen`` is the length of <encoding + data> written so it can be read
from its last byte backwards: 7 bits per byte, the rightmost byte holding
the lowest bits, each byte except the leftmost flagged with 0x80. It makes
walking backwards (lp_prev, lp_last) as cheap as forwards.

A string that is a canonical integer (string2ll rules) is stored with the
smallest integer encoding, as Redis does, so ``lp_get`` hands back either a
pointer to string bytes or an int64.

Every function that changes a listpack may move it (realloc) and returns the
new pointer; positions inside it must be recomputed from what they return.
Costs: next/prev O(1); seek O(n/2); insert/delete O(n) (memmove of the tail).
"""

from libc.string cimport memcpy, memmove, memcmp
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int16_t, int32_t, int64_t

from engine._mem cimport mem_alloc, mem_realloc, mem_free
from engine.util cimport string2ll, ll2string

cdef enum:
    LP_EOF = 0xFF
    LP_COUNT_UNKNOWN = 65535
    LP_MAX_INT_ENC = 9


# ---- header -------------------------------------------------------------------

cdef inline uint32_t _total(const uchar* lp) noexcept nogil:
    return <uint32_t>lp[0] | (<uint32_t>lp[1] << 8) | (<uint32_t>lp[2] << 16) | (<uint32_t>lp[3] << 24)


cdef inline void _set_total(uchar* lp, uint32_t v) noexcept nogil:
    lp[0] = v & 0xFF
    lp[1] = (v >> 8) & 0xFF
    lp[2] = (v >> 16) & 0xFF
    lp[3] = (v >> 24) & 0xFF


cdef inline uint32_t _count(const uchar* lp) noexcept nogil:
    return <uint32_t>lp[4] | (<uint32_t>lp[5] << 8)


cdef inline void _set_count(uchar* lp, uint32_t v) noexcept nogil:
    lp[4] = v & 0xFF
    lp[5] = (v >> 8) & 0xFF


# ---- entry sizes ------------------------------------------------------------------

cdef inline uint32_t _enc_size(const uchar* p) noexcept nogil:
    """Bytes of an entry's encoding + data (without backlen)."""
    cdef uchar b = p[0]
    if b < 0x80:
        return 1
    if (b & 0xC0) == 0x80:
        return 1 + (b & 0x3F)
    if (b & 0xE0) == 0xC0:
        return 2
    if (b & 0xF0) == 0xE0:
        return 2 + (((b & 0x0F) << 8) | p[1])
    if b == 0xF1:
        return 3
    if b == 0xF2:
        return 4
    if b == 0xF3:
        return 5
    if b == 0xF4:
        return 9
    if b == 0xF0:
        return 5 + (<uint32_t>p[1] | (<uint32_t>p[2] << 8) | (<uint32_t>p[3] << 16) |
                    (<uint32_t>p[4] << 24))
    return 1    # 0xFF (end) or an invalid byte: callers validate untrusted data first


cdef inline uint32_t _backlen_size(uint64_t l) noexcept nogil:
    if l <= 127:
        return 1
    if l < 16383:
        return 2
    if l < 2097151:
        return 3
    if l < 268435455:
        return 4
    return 5


cdef inline uint32_t _write_backlen(uchar* buf, uint64_t l) noexcept nogil:
    """Write the backlen of l at buf; returns its size."""
    cdef uint32_t n = _backlen_size(l)
    cdef uint32_t i
    # rightmost byte = lowest 7 bits; all but the leftmost have 0x80 set
    for i in range(n):
        buf[n - 1 - i] = <uchar>(((l >> (7 * i)) & 127) | (0x80 if i < n - 1 else 0))
    return n


cdef inline uint64_t _read_backlen(const uchar* p) noexcept nogil:
    """Decode a backlen whose last byte is at p."""
    cdef uint64_t val = 0
    cdef int shift = 0
    while True:
        val |= <uint64_t>(p[0] & 127) << shift
        if not (p[0] & 128):
            break
        shift += 7
        p -= 1
        if shift > 28:
            break
    return val


cdef inline uint32_t _entry_size(const uchar* p) noexcept nogil:
    cdef uint32_t l = _enc_size(p)
    return l + _backlen_size(l)


# ---- encoding -------------------------------------------------------------------------

cdef uint32_t _encode_int(uchar* buf, long long v) noexcept nogil:
    """Smallest integer encoding of v at buf; returns encoding+data size."""
    cdef uint64_t u
    if 0 <= v <= 127:
        buf[0] = <uchar>v
        return 1
    if -4096 <= v <= 4095:
        u = <uint64_t>(v if v >= 0 else (1 << 13) + v)
        buf[0] = <uchar>((u >> 8) | 0xC0)
        buf[1] = <uchar>(u & 0xFF)
        return 2
    u = <uint64_t>v
    if -32768 <= v <= 32767:
        buf[0] = 0xF1
        buf[1] = u & 0xFF
        buf[2] = (u >> 8) & 0xFF
        return 3
    if -8388608 <= v <= 8388607:
        buf[0] = 0xF2
        buf[1] = u & 0xFF
        buf[2] = (u >> 8) & 0xFF
        buf[3] = (u >> 16) & 0xFF
        return 4
    if -2147483648 <= v <= 2147483647:
        buf[0] = 0xF3
        buf[1] = u & 0xFF
        buf[2] = (u >> 8) & 0xFF
        buf[3] = (u >> 16) & 0xFF
        buf[4] = (u >> 24) & 0xFF
        return 5
    buf[0] = 0xF4
    cdef int i
    for i in range(8):
        buf[1 + i] = (u >> (8 * i)) & 0xFF
    return 9


cdef inline uint32_t _string_header_size(size_t n) noexcept nogil:
    if n < 64:
        return 1
    if n < 4096:
        return 2
    return 5


cdef void _write_string(uchar* buf, const char* s, uint32_t n) noexcept nogil:
    cdef uint32_t h
    if n < 64:
        buf[0] = <uchar>(0x80 | n)
        h = 1
    elif n < 4096:
        buf[0] = <uchar>(0xE0 | (n >> 8))
        buf[1] = <uchar>(n & 0xFF)
        h = 2
    else:
        buf[0] = 0xF0
        buf[1] = n & 0xFF
        buf[2] = (n >> 8) & 0xFF
        buf[3] = (n >> 16) & 0xFF
        buf[4] = (n >> 24) & 0xFF
        h = 5
    if n:
        memcpy(buf + h, s, n)


# ---- lifecycle ---------------------------------------------------------------------------

cdef uchar* lp_new(size_t capacity) noexcept nogil:
    """An empty listpack (with room for ``capacity`` bytes)."""
    cdef uchar* lp = <uchar*>mem_alloc(capacity if capacity > LP_HDR_SIZE + 1 else LP_HDR_SIZE + 1)
    _set_total(lp, LP_HDR_SIZE + 1)
    _set_count(lp, 0)
    lp[LP_HDR_SIZE] = LP_EOF
    return lp


cdef void lp_free(uchar* lp) noexcept nogil:
    mem_free(lp)


cdef uchar* lp_dup(uchar* lp) noexcept nogil:
    cdef size_t n = _total(lp)
    cdef uchar* c = <uchar*>mem_alloc(n)
    memcpy(c, lp, n)
    return c


cdef size_t lp_bytes(uchar* lp) noexcept nogil:
    return _total(lp)


cdef unsigned long lp_length(uchar* lp) noexcept nogil:
    """Number of entries (walks the listpack when the header says 65535)."""
    cdef uint32_t n = _count(lp)
    cdef unsigned long count = 0
    cdef uchar* p
    if n != LP_COUNT_UNKNOWN:
        return n
    p = lp_first(lp)
    while p != NULL:
        count += 1
        p = lp_next(lp, p)
    if count < LP_COUNT_UNKNOWN:
        _set_count(lp, <uint32_t>count)
    return count


cdef bint lp_safe_to_add(uchar* lp, size_t add) noexcept nogil:
    """Whether growing by ``add`` bytes keeps the listpack under 1 GB."""
    cdef size_t cur = _total(lp) if lp != NULL else 0
    return cur + add <= LP_MAX_SAFETY_SIZE


# ---- walking -----------------------------------------------------------------------------

cdef uchar* lp_first(uchar* lp) noexcept nogil:
    cdef uchar* p = lp + LP_HDR_SIZE
    return NULL if p[0] == LP_EOF else p


cdef uchar* lp_next(uchar* lp, uchar* p) noexcept nogil:
    p += _entry_size(p)
    return NULL if p[0] == LP_EOF else p


cdef uchar* lp_prev(uchar* lp, uchar* p) noexcept nogil:
    cdef uint64_t l
    if p == lp + LP_HDR_SIZE:
        return NULL
    p -= 1
    l = _read_backlen(p)
    return p - l - _backlen_size(l) + 1


cdef uchar* lp_last(uchar* lp) noexcept nogil:
    cdef uchar* end = lp + _total(lp) - 1
    return lp_prev(lp, end)


cdef uchar* lp_seek(uchar* lp, long index) noexcept nogil:
    """The entry at ``index`` (negative counts from the end), or NULL."""
    cdef unsigned long n = lp_length(lp)
    cdef uchar* p
    if index < 0:
        index += <long>n
    if index < 0 or <unsigned long>index >= n:
        return NULL
    if <unsigned long>index < n // 2:
        p = lp_first(lp)
        while index > 0:
            p = lp_next(lp, p)
            index -= 1
    else:
        p = lp_last(lp)
        index = <long>(n - 1) - index
        while index > 0:
            p = lp_prev(lp, p)
            index -= 1
    return p


# ---- reading --------------------------------------------------------------------------------

cdef const char* lp_get(uchar* p, size_t* slen, long long* ival) noexcept nogil:
    """The entry at p: a pointer to its string bytes (length in slen), or
    NULL when it is an integer (value in ival)."""
    cdef uchar b = p[0]
    cdef uint64_t u
    cdef int i
    if b < 0x80:
        ival[0] = b
        return NULL
    if (b & 0xC0) == 0x80:
        slen[0] = b & 0x3F
        return <const char*>(p + 1)
    if (b & 0xE0) == 0xC0:
        u = ((<uint64_t>(b & 0x1F)) << 8) | p[1]
        ival[0] = <long long>u - (1 << 13) if u >= (1 << 12) else <long long>u
        return NULL
    if (b & 0xF0) == 0xE0:
        slen[0] = ((b & 0x0F) << 8) | p[1]
        return <const char*>(p + 2)
    if b == 0xF0:
        slen[0] = <uint32_t>p[1] | (<uint32_t>p[2] << 8) | (<uint32_t>p[3] << 16) | (<uint32_t>p[4] << 24)
        return <const char*>(p + 5)
    if b == 0xF1:
        u = <uint64_t>p[1] | (<uint64_t>p[2] << 8)
        ival[0] = <long long><int16_t><uint16_t>u
        return NULL
    if b == 0xF2:
        u = <uint64_t>p[1] | (<uint64_t>p[2] << 8) | (<uint64_t>p[3] << 16)
        ival[0] = <long long>u - 16777216 if u >= 8388608 else <long long>u
        return NULL
    if b == 0xF3:
        u = <uint64_t>p[1] | (<uint64_t>p[2] << 8) | (<uint64_t>p[3] << 16) | (<uint64_t>p[4] << 24)
        ival[0] = <long long><int32_t><uint32_t>u
        return NULL
    u = 0
    for i in range(8):
        u |= <uint64_t>p[1 + i] << (8 * i)
    ival[0] = <long long>u
    return NULL


cdef const char* lp_get_str(uchar* p, char* intbuf, size_t* slen) noexcept nogil:
    """The entry at p as string bytes; integers are formatted into intbuf
    (>= LP_INTBUF_SIZE bytes)."""
    cdef long long v
    cdef const char* s = lp_get(p, slen, &v)
    if s != NULL:
        return s
    slen[0] = <size_t>ll2string(intbuf, v)
    return intbuf


cdef bint lp_eq(uchar* p, const char* s, size_t slen) noexcept nogil:
    """Whether the entry at p equals the bytes s (integers compare by value
    against canonical integer strings, as stored)."""
    cdef size_t n
    cdef long long v, w
    cdef const char* e = lp_get(p, &n, &v)
    if e != NULL:
        return n == slen and (n == 0 or memcmp(e, s, n) == 0)
    return string2ll(s, slen, &w) and w == v


cdef uchar* lp_find(uchar* lp, uchar* p, const char* s, size_t slen, unsigned int skip) noexcept nogil:
    """The first entry equal to s starting at p, comparing one entry and
    then skipping ``skip`` (1 to search the fields of a field/value
    listpack). NULL when absent."""
    cdef long long w
    cdef bint s_is_int = slen <= 20 and string2ll(s, slen, &w)
    cdef size_t n
    cdef long long v
    cdef const char* e
    cdef unsigned int k
    while p != NULL:
        e = lp_get(p, &n, &v)
        if e != NULL:
            if n == slen and (n == 0 or memcmp(e, s, n) == 0):
                return p
        elif s_is_int and v == w:
            return p
        p = lp_next(lp, p)
        k = 0
        while k < skip and p != NULL:
            p = lp_next(lp, p)
            k += 1
    return NULL


# ---- writing ------------------------------------------------------------------------------

cdef uchar* _insert_encoded(uchar* lp, const uchar* enc, uint32_t enclen, const char* strdata,
                            uint32_t strlen_, bint is_string, uchar* p, int where,
                            uchar** newp) noexcept nogil:
    """Insert/replace one entry whose encoding is enc[:enclen] (for strings:
    the header, with the bytes taken from strdata)."""
    cdef size_t poff
    cdef uint32_t old_total = _total(lp)
    cdef uint32_t old_size = 0
    cdef uint32_t payload = enclen + (strlen_ if is_string else 0)
    cdef uint32_t new_size = payload + _backlen_size(payload)
    cdef size_t new_total
    cdef uint32_t count
    cdef uchar* dst
    if where == LP_AFTER:
        p += _entry_size(p)
        where = LP_BEFORE
    poff = p - lp
    if where == LP_REPLACE:
        old_size = _entry_size(p)
    new_total = <size_t>old_total + new_size - old_size
    if new_size > old_size:
        lp = <uchar*>mem_realloc(lp, new_total)
        p = lp + poff
        memmove(p + new_size, p + old_size, old_total - poff - old_size)
    elif new_size < old_size:
        memmove(p + new_size, p + old_size, old_total - poff - old_size)
        lp = <uchar*>mem_realloc(lp, new_total)
        p = lp + poff
    dst = p
    memcpy(dst, enc, enclen)
    if is_string and strlen_:
        memcpy(dst + enclen, strdata, strlen_)
    _write_backlen(dst + payload, payload)
    _set_total(lp, <uint32_t>new_total)
    if where != LP_REPLACE:
        count = _count(lp)
        if count != LP_COUNT_UNKNOWN:
            if count + 1 < LP_COUNT_UNKNOWN:
                _set_count(lp, count + 1)
            else:
                _set_count(lp, LP_COUNT_UNKNOWN)
    if newp != NULL:
        newp[0] = p
    return lp


cdef uchar* lp_insert(uchar* lp, const char* s, size_t slen, uchar* p, int where,
                      uchar** newp) noexcept nogil:
    """Insert the string s before/after the entry at p (p may be the end
    byte for an append), or replace it (LP_REPLACE). Canonical integers are
    stored as integers. Returns the (possibly moved) listpack; *newp points
    at the new entry."""
    cdef uchar buf[LP_MAX_INT_ENC]
    cdef uint32_t n
    cdef long long v
    if slen <= 20 and string2ll(s, slen, &v):
        n = _encode_int(buf, v)
        return _insert_encoded(lp, buf, n, NULL, 0, False, p, where, newp)
    n = _string_header_size(slen)
    if n == 1:
        buf[0] = <uchar>(0x80 | slen)
    elif n == 2:
        buf[0] = <uchar>(0xE0 | (slen >> 8))
        buf[1] = <uchar>(slen & 0xFF)
    else:
        buf[0] = 0xF0
        buf[1] = slen & 0xFF
        buf[2] = (slen >> 8) & 0xFF
        buf[3] = (slen >> 16) & 0xFF
        buf[4] = (slen >> 24) & 0xFF
    return _insert_encoded(lp, buf, n, s, <uint32_t>slen, True, p, where, newp)


cdef uchar* lp_insert_int(uchar* lp, long long v, uchar* p, int where, uchar** newp) noexcept nogil:
    cdef uchar buf[LP_MAX_INT_ENC]
    cdef uint32_t n = _encode_int(buf, v)
    return _insert_encoded(lp, buf, n, NULL, 0, False, p, where, newp)


cdef uchar* lp_append(uchar* lp, const char* s, size_t slen) noexcept nogil:
    return lp_insert(lp, s, slen, lp + _total(lp) - 1, LP_BEFORE, NULL)


cdef uchar* lp_prepend(uchar* lp, const char* s, size_t slen) noexcept nogil:
    return lp_insert(lp, s, slen, lp + LP_HDR_SIZE, LP_BEFORE, NULL)


cdef uchar* lp_append_int(uchar* lp, long long v) noexcept nogil:
    return lp_insert_int(lp, v, lp + _total(lp) - 1, LP_BEFORE, NULL)


cdef uchar* lp_replace(uchar* lp, uchar** p, const char* s, size_t slen) noexcept nogil:
    """Replace the entry at *p; *p is updated to the new entry."""
    return lp_insert(lp, s, slen, p[0], LP_REPLACE, p)


cdef uchar* lp_delete_range_with_entry(uchar* lp, uchar** p, unsigned long num) noexcept nogil:
    """Delete ``num`` entries (or up to the end) starting at *p. *p then
    points at the entry that followed, or is NULL at the end."""
    cdef uchar* start = p[0]
    cdef uchar* q = start
    cdef unsigned long deleted = 0
    cdef size_t poff = start - lp
    cdef uint32_t total = _total(lp)
    cdef size_t gap
    cdef uint32_t count
    while deleted < num and q[0] != LP_EOF:
        q += _entry_size(q)
        deleted += 1
    gap = q - start
    memmove(start, q, total - (q - lp))
    lp = <uchar*>mem_realloc(lp, total - gap)
    _set_total(lp, <uint32_t>(total - gap))
    count = _count(lp)
    if count != LP_COUNT_UNKNOWN:
        _set_count(lp, <uint32_t>(count - deleted))
    p[0] = NULL if lp[poff] == LP_EOF else lp + poff
    return lp


cdef uchar* lp_delete(uchar* lp, uchar* p, uchar** newp) noexcept nogil:
    """Delete the entry at p; *newp (if given) gets the next entry or NULL."""
    cdef uchar* q = p
    lp = lp_delete_range_with_entry(lp, &q, 1)
    if newp != NULL:
        newp[0] = q
    return lp


cdef uchar* lp_delete_range(uchar* lp, long index, unsigned long num) noexcept nogil:
    """Delete ``num`` entries from ``index`` (negative counts from the end)."""
    cdef uchar* p = lp_seek(lp, index)
    if p == NULL or num == 0:
        return lp
    return lp_delete_range_with_entry(lp, &p, num)


# ---- validation (untrusted input: RDB, RESTORE) ---------------------------------------------

cdef bint lp_validate(const uchar* lp, size_t size, bint deep) noexcept nogil:
    """Check a listpack blob of ``size`` bytes before trusting it: header and
    end byte, and with ``deep`` every entry's encoding, bounds and backlen,
    and the entry count. Never reads outside [lp, lp + size)."""
    cdef const uchar* p
    cdef const uchar* end
    cdef uint32_t enc, bl, count = 0
    cdef uchar b
    cdef size_t left
    if size < LP_HDR_SIZE + 1 or _total(lp) != size or lp[size - 1] != LP_EOF:
        return False
    if not deep:
        return True
    p = lp + LP_HDR_SIZE
    end = lp + size - 1
    while p < end:
        left = end - p
        b = p[0]
        if (b & 0xE0) == 0xE0 and (b & 0xF0) == 0xE0 and left < 2:
            return False
        if b == 0xF0 and left < 5:
            return False
        if (b & 0xE0) == 0xC0 and left < 2:
            return False
        if b >= 0xF5:
            return False          # unused encodings, or a stray end byte
        enc = _enc_size(p)
        if enc > left:
            return False
        bl = _backlen_size(enc)
        if enc + bl > left:
            return False
        if _read_backlen(p + enc + bl - 1) != enc:
            return False
        p += enc + bl
        count += 1
    if p != end:
        return False
    if _count(lp) != LP_COUNT_UNKNOWN and _count(lp) != count:
        return False
    return True


# ---- Python wrapper for tests ----------------------------------------------------------------

cdef class Listpack:
    """A Python handle on a listpack (tests and tools only)."""
    cdef uchar* lp

    def __cinit__(self, bytes blob=None):
        if blob is None:
            self.lp = lp_new(0)
        else:
            if not lp_validate(<const uchar*><const char*>blob, len(blob), True):
                raise ValueError("invalid listpack")
            self.lp = <uchar*>mem_alloc(len(blob))
            memcpy(self.lp, <const char*>blob, len(blob))

    def __dealloc__(self):
        if self.lp != NULL:
            lp_free(self.lp)

    def __len__(self):
        return lp_length(self.lp)

    def blob(self):
        return (<char*>self.lp)[:lp_bytes(self.lp)]

    cdef object _value(self, uchar* p):
        cdef size_t n
        cdef long long v
        cdef const char* s = lp_get(p, &n, &v)
        if s == NULL:
            return v
        return s[:n]

    def items(self):
        cdef list out = []
        cdef uchar* p = lp_first(self.lp)
        while p != NULL:
            out.append(self._value(p))
            p = lp_next(self.lp, p)
        return out

    def items_reversed(self):
        cdef list out = []
        cdef uchar* p = lp_last(self.lp)
        while p != NULL:
            out.append(self._value(p))
            p = lp_prev(self.lp, p)
        return out

    def append(self, bytes s):
        self.lp = lp_append(self.lp, s, len(s))

    def prepend(self, bytes s):
        self.lp = lp_prepend(self.lp, s, len(s))

    def append_int(self, long long v):
        self.lp = lp_append_int(self.lp, v)

    def get(self, long index):
        cdef uchar* p = lp_seek(self.lp, index)
        if p == NULL:
            raise IndexError(index)
        return self._value(p)

    def insert(self, long index, bytes s, bint after=False):
        cdef uchar* p = lp_seek(self.lp, index)
        if p == NULL:
            raise IndexError(index)
        self.lp = lp_insert(self.lp, s, len(s), p, LP_AFTER if after else LP_BEFORE, NULL)

    def replace(self, long index, bytes s):
        cdef uchar* p = lp_seek(self.lp, index)
        if p == NULL:
            raise IndexError(index)
        self.lp = lp_replace(self.lp, &p, s, len(s))

    def delete(self, long index):
        cdef uchar* p = lp_seek(self.lp, index)
        if p == NULL:
            raise IndexError(index)
        self.lp = lp_delete(self.lp, p, NULL)

    def delete_range(self, long index, unsigned long num):
        self.lp = lp_delete_range(self.lp, index, num)

    def find(self, bytes s, unsigned int skip=0):
        """Index of the first entry equal to s (comparing every skip+1-th), or -1."""
        cdef uchar* p = lp_find(self.lp, lp_first(self.lp), s, len(s), skip)
        cdef uchar* q = lp_first(self.lp)
        cdef long i = 0
        if p == NULL:
            return -1
        while q != p:
            q = lp_next(self.lp, q)
            i += 1
        return i

    def validate(self, bint deep=True):
        return lp_validate(self.lp, lp_bytes(self.lp), deep)


def validate_blob(bytes blob, bint deep=True):
    return lp_validate(<const uchar*><const char*>blob, len(blob), deep)
