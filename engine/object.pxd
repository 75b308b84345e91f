# Value objects: the type/encoding header every keyspace value carries, and
# the string encodings (int, embstr, raw). Design in object.pyx.

from libc.stdint cimport uint8_t, uint32_t, int64_t

cdef extern from "pe_object.h" nogil:
    ctypedef struct pe_obj_raw:
        char* ptr
        size_t len
        size_t cap
    ctypedef union pe_obj_u:
        int64_t ival
        uint32_t emblen
        pe_obj_raw raw
        void* ptr
    ctypedef struct robj "pe_obj":
        uint8_t type
        uint8_t encoding
        uint8_t flags
        uint8_t pad
        uint32_t lru
        pe_obj_u u
    size_t PE_OBJ_HEADER
    size_t PE_EMB_OVERHEAD
    char* PE_EMB_DATA(robj* o)

cdef extern from "pe_resp.h" nogil:
    int pe_fmt_i64(char* dst, long long v)

# Types, numbered as Redis numbers them (TYPE and OBJECT report names).
cdef enum:
    OBJ_STRING = 0
    OBJ_LIST = 1
    OBJ_SET = 2
    OBJ_ZSET = 3
    OBJ_HASH = 4
    OBJ_MODULE = 5
    OBJ_STREAM = 6

# Encodings, numbered as Redis numbers them.
cdef enum:
    ENC_RAW = 0
    ENC_INT = 1
    ENC_HT = 2
    ENC_ZIPMAP = 3
    ENC_LINKEDLIST = 4
    ENC_ZIPLIST = 5
    ENC_INTSET = 6
    ENC_SKIPLIST = 7
    ENC_EMBSTR = 8
    ENC_QUICKLIST = 9
    ENC_STREAM = 10
    ENC_LISTPACK = 11

cdef enum:
    OBJ_FLAG_SHARED = 1           # stands for one of Redis's shared integers
    EMBSTR_SIZE_LIMIT = 44
    SHARED_INTEGERS = 10000
    OBJ_SHARED_REFCOUNT = 2147483647
    LRU_BITS = 24
    LRU_CLOCK_MAX = (1 << 24) - 1

cdef robj* obj_string_from_ll(long long v, bint allow_shared) noexcept nogil
cdef robj* obj_string_embstr(const char* s, size_t n) noexcept nogil
cdef robj* obj_string_raw(const char* s, size_t n, size_t cap) noexcept nogil
cdef robj* obj_string_encoded(const char* s, size_t n, bint allow_shared) noexcept nogil
cdef robj* obj_string_plain(const char* s, size_t n) noexcept nogil
cdef robj* obj_string_dup(robj* o) noexcept nogil
cdef robj* obj_make_raw(robj* o, size_t mincap) noexcept nogil
cdef void obj_free(robj* o) noexcept nogil
cdef size_t obj_mem_usage(robj* o) noexcept nogil
cdef const char* obj_type_name(robj* o) noexcept nogil
cdef const char* obj_encoding_name(robj* o) noexcept nogil
ctypedef void (*obj_free_fn)(robj* o) noexcept nogil
ctypedef size_t (*obj_usage_fn)(robj* o) noexcept nogil
ctypedef robj* (*obj_dup_fn)(robj* o) noexcept nogil
cdef void obj_register_type(int type, obj_free_fn free_fn, obj_usage_fn usage_fn,
                            obj_dup_fn dup_fn) noexcept nogil
cdef robj* obj_dup(robj* o) noexcept nogil

cdef inline const char* obj_str(robj* o, char* tmp, size_t* n) noexcept nogil:
    """Bytes of a string object; for the int encoding they are formatted
    into ``tmp`` (>= 24 bytes). ``n`` receives the length."""
    if o.encoding == ENC_EMBSTR:
        n[0] = o.u.emblen
        return PE_EMB_DATA(o)
    if o.encoding == ENC_INT:
        n[0] = <size_t>pe_fmt_i64(tmp, o.u.ival)
        return tmp
    n[0] = o.u.raw.len
    return o.u.raw.ptr

cdef inline size_t obj_strlen(robj* o) noexcept nogil:
    cdef char tmp[24]
    cdef size_t n
    obj_str(o, tmp, &n)
    return n
