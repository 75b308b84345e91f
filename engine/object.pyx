"""Value objects and the string encodings.

Every value in the keyspace is a ``robj`` (pe_object.h): a 8-byte header
(type, encoding, flags, 24-bit LRU clock or LFU data) followed by what the
encoding needs. Strings have the three encodings Redis reports in OBJECT
ENCODING:

* ``int``: the value is a canonical decimal integer (string2ll) of at most
  20 chars; stored as an int64 (16 bytes in all).
* ``embstr``: up to 44 bytes, stored inline after the header in the same
  allocation, which therefore fits a 64-byte malloc chunk.
* ``raw``: longer strings, or strings that were modified in place
  (APPEND, SETRANGE); a separate growable buffer (ptr, len, cap).

Redis shares one object for each integer 0..9999 (OBJECT REFCOUNT says
2147483647). pyengine gives every key its own 16-byte object but marks it
``OBJ_FLAG_SHARED`` where Redis would share, so every reply is the same.

Other types (lists, hashes, ...) keep their structure behind ``u.ptr`` and
register a free and a memory-usage function with ``obj_register_type``.
"""

from libc.string cimport memcpy

from engine._mem cimport mem_alloc, mem_realloc, mem_free, mem_usable
from engine.util cimport string2ll

cdef obj_free_fn _free_hooks[8]
cdef obj_usage_fn _usage_hooks[8]
cdef obj_dup_fn _dup_hooks[8]


cdef void obj_register_type(int type, obj_free_fn free_fn, obj_usage_fn usage_fn,
                            obj_dup_fn dup_fn) noexcept nogil:
    """Install how objects of ``type`` are freed, measured and copied."""
    _free_hooks[type] = free_fn
    _usage_hooks[type] = usage_fn
    _dup_hooks[type] = dup_fn


cdef robj* obj_dup(robj* o) noexcept nogil:
    """A deep copy of any value (COPY), or NULL for a type with no copier."""
    if o.type == OBJ_STRING:
        return obj_string_dup(o)
    if _dup_hooks[o.type] != NULL:
        return _dup_hooks[o.type](o)
    return NULL


cdef inline robj* _new(size_t size, uint8_t type, uint8_t encoding) noexcept nogil:
    cdef robj* o = <robj*>mem_alloc(size)
    o.type = type
    o.encoding = encoding
    o.flags = 0
    o.pad = 0
    o.lru = 0
    return o


cdef robj* obj_string_from_ll(long long v, bint allow_shared) noexcept nogil:
    """An ``int``-encoded string. ``allow_shared`` marks 0..9999 as shared
    (what Redis does unless an LRU/LFU maxmemory policy is active)."""
    cdef robj* o = _new(PE_OBJ_HEADER + 8, OBJ_STRING, ENC_INT)
    o.u.ival = v
    if allow_shared and 0 <= v < SHARED_INTEGERS:
        o.flags = OBJ_FLAG_SHARED
    return o


cdef robj* obj_string_embstr(const char* s, size_t n) noexcept nogil:
    """An ``embstr`` string (n <= 44 expected; not enforced)."""
    cdef robj* o = _new(PE_EMB_OVERHEAD + n, OBJ_STRING, ENC_EMBSTR)
    o.u.emblen = <uint32_t>n
    memcpy(PE_EMB_DATA(o), s, n)
    return o


cdef robj* obj_string_raw(const char* s, size_t n, size_t cap) noexcept nogil:
    """A ``raw`` string holding s[:n] with room for ``cap`` bytes (>= n)."""
    cdef robj* o = _new(sizeof(robj), OBJ_STRING, ENC_RAW)
    if cap < n:
        cap = n
    o.u.raw.ptr = <char*>mem_alloc(cap if cap else 1)
    if n:
        memcpy(o.u.raw.ptr, s, n)
    o.u.raw.len = n
    o.u.raw.cap = mem_usable(o.u.raw.ptr)
    return o


cdef robj* obj_string_plain(const char* s, size_t n) noexcept nogil:
    """embstr up to 44 bytes, raw beyond (Redis's createStringObject)."""
    if n <= EMBSTR_SIZE_LIMIT:
        return obj_string_embstr(s, n)
    return obj_string_raw(s, n, n)


cdef robj* obj_string_encoded(const char* s, size_t n, bint allow_shared) noexcept nogil:
    """The encoding SET and friends store (Redis's tryObjectEncoding): int
    when the bytes are a canonical integer, else embstr/raw by length."""
    cdef long long v
    if n <= 20 and string2ll(s, n, &v):
        return obj_string_from_ll(v, allow_shared)
    return obj_string_plain(s, n)


cdef robj* obj_string_dup(robj* o) noexcept nogil:
    """A copy of a string object with the same encoding (COPY)."""
    if o.encoding == ENC_INT:
        return obj_string_from_ll(o.u.ival, False)   # a copy is never shared
    if o.encoding == ENC_EMBSTR:
        return obj_string_embstr(PE_EMB_DATA(o), o.u.emblen)
    return obj_string_raw(o.u.raw.ptr, o.u.raw.len, o.u.raw.len)


cdef robj* obj_make_raw(robj* o, size_t mincap) noexcept nogil:
    """Return a ``raw`` string with the same bytes and room for ``mincap``.

    When ``o`` is already raw it is grown in place and returned; otherwise a
    new object is returned and ``o`` is left to the caller to free. Growth
    is greedy like sds (double up to 1 MB, then +1 MB) so repeated APPENDs
    are amortised O(1).
    """
    cdef char tmp[24]
    cdef size_t n
    cdef const char* p
    cdef size_t newcap
    if o.encoding == ENC_RAW:
        if o.u.raw.cap < mincap:
            newcap = mincap * 2 if mincap < 1024 * 1024 else mincap + 1024 * 1024
            o.u.raw.ptr = <char*>mem_realloc(o.u.raw.ptr, newcap)
            o.u.raw.cap = mem_usable(o.u.raw.ptr)
        return o
    p = obj_str(o, tmp, &n)
    if mincap < n:
        mincap = n
    return obj_string_raw(p, n, mincap)


cdef void obj_free(robj* o) noexcept nogil:
    """Free a value object and everything it owns."""
    if o == NULL:
        return
    if o.type == OBJ_STRING:
        if o.encoding == ENC_RAW:
            mem_free(o.u.raw.ptr)
    elif _free_hooks[o.type] != NULL:
        _free_hooks[o.type](o)
    mem_free(o)


cdef size_t obj_mem_usage(robj* o) noexcept nogil:
    """Bytes owned by the object (MEMORY USAGE, without the key)."""
    cdef size_t n = mem_usable(o)
    if o.type == OBJ_STRING:
        if o.encoding == ENC_RAW:
            n += mem_usable(o.u.raw.ptr)
    elif _usage_hooks[o.type] != NULL:
        n += _usage_hooks[o.type](o)
    return n


cdef const char* obj_type_name(robj* o) noexcept nogil:
    """TYPE's answer; "none" for NULL (a missing key)."""
    if o == NULL:
        return b"none"
    if o.type == OBJ_STRING:
        return b"string"
    if o.type == OBJ_LIST:
        return b"list"
    if o.type == OBJ_SET:
        return b"set"
    if o.type == OBJ_ZSET:
        return b"zset"
    if o.type == OBJ_HASH:
        return b"hash"
    if o.type == OBJ_STREAM:
        return b"stream"
    return b"none"


cdef const char* obj_encoding_name(robj* o) noexcept nogil:
    cdef uint8_t e = o.encoding
    if e == ENC_RAW:
        return b"raw"
    if e == ENC_INT:
        return b"int"
    if e == ENC_HT:
        return b"hashtable"
    if e == ENC_QUICKLIST:
        return b"quicklist"
    if e == ENC_LISTPACK:
        return b"listpack"
    if e == ENC_INTSET:
        return b"intset"
    if e == ENC_SKIPLIST:
        return b"skiplist"
    if e == ENC_EMBSTR:
        return b"embstr"
    if e == ENC_STREAM:
        return b"stream"
    return b"unknown"


# ---- Python wrapper for tests ------------------------------------------------

cdef class Obj:
    """A Python handle owning one robj (tests only)."""
    cdef robj* o

    def __dealloc__(self):
        obj_free(self.o)

    @staticmethod
    cdef Obj _wrap(robj* o):
        cdef Obj w = Obj.__new__(Obj)
        w.o = o
        return w

    @staticmethod
    def encoded(bytes s, bint allow_shared=True):
        """obj_string_encoded: what SET stores."""
        return Obj._wrap(obj_string_encoded(s, len(s), allow_shared))

    @staticmethod
    def plain(bytes s):
        return Obj._wrap(obj_string_plain(s, len(s)))

    @staticmethod
    def from_ll(long long v, bint allow_shared=True):
        return Obj._wrap(obj_string_from_ll(v, allow_shared))

    @staticmethod
    def raw(bytes s, size_t cap=0):
        return Obj._wrap(obj_string_raw(s, len(s), cap))

    @property
    def encoding(self):
        return (<bytes>obj_encoding_name(self.o)).decode()

    @property
    def type(self):
        return (<bytes>obj_type_name(self.o)).decode()

    @property
    def shared(self):
        return bool(self.o.flags & OBJ_FLAG_SHARED)

    @property
    def capacity(self):
        """Bytes available to a raw string (0 for other encodings)."""
        return self.o.u.raw.cap if self.o.encoding == ENC_RAW else 0

    def value(self):
        cdef char tmp[24]
        cdef size_t n
        cdef const char* p = obj_str(self.o, tmp, &n)
        return p[:n]

    def strlen(self):
        return obj_strlen(self.o)

    def mem_usage(self):
        return obj_mem_usage(self.o)

    def dup(self):
        return Obj._wrap(obj_dup(self.o))

    def append(self, bytes s):
        """APPEND's path: make the string raw (in place when it already is)
        with room for the result, then copy the new bytes after the old."""
        cdef size_t oldlen = obj_strlen(self.o)
        cdef robj* r = obj_make_raw(self.o, oldlen + len(s))
        if r != self.o:
            obj_free(self.o)
            self.o = r
        memcpy(r.u.raw.ptr + oldlen, <const char*>s, len(s))
        r.u.raw.len = oldlen + len(s)


def type_name_of_missing():
    return obj_type_name(NULL)
