# Sorted set of 64-bit integers in one flat allocation, byte-compatible with
# Redis's intset (what RDB files store). Design at the top of intset.pyx.

from libc.stdint cimport int8_t, uint32_t, int64_t

cdef extern from "pe_intset.h" nogil:
    ctypedef struct intset "pe_intset":
        uint32_t encoding        # little-endian: 2, 4 or 8 bytes per element
        uint32_t length          # little-endian element count
        int8_t contents[1]
    size_t INTSET_HEADER "PE_INTSET_HEADER"
    uint32_t pe_is_u32(uint32_t v)
    int64_t pe_is_load(const intset* s, uint32_t pos, uint32_t enc)
    void pe_is_store(intset* s, uint32_t pos, uint32_t enc, int64_t value)

cdef enum:
    INTSET_ENC_INT16 = 2
    INTSET_ENC_INT32 = 4
    INTSET_ENC_INT64 = 8

cdef intset* intset_new() noexcept nogil
cdef intset* intset_add(intset* s, int64_t value, bint* added) noexcept nogil
cdef intset* intset_remove(intset* s, int64_t value, bint* removed) noexcept nogil
cdef intset* intset_remove_at(intset* s, uint32_t pos) noexcept nogil
cdef bint intset_search(const intset* s, int64_t value, uint32_t* pos) noexcept nogil
cdef bint intset_get(const intset* s, uint32_t pos, int64_t* value) noexcept nogil
cdef uint32_t intset_random_pos(const intset* s) noexcept nogil
cdef int64_t intset_random(const intset* s) noexcept nogil
cdef intset* intset_dup(const intset* s) noexcept nogil
cdef void intset_free(intset* s) noexcept nogil
cdef bint intset_validate(const unsigned char* p, size_t size, bint deep) noexcept nogil


cdef inline int intset_value_encoding(int64_t v) noexcept nogil:
    """The narrowest width (2, 4 or 8 bytes) that holds ``v``."""
    if v < -2147483648 or v > 2147483647:
        return INTSET_ENC_INT64
    if v < -32768 or v > 32767:
        return INTSET_ENC_INT32
    return INTSET_ENC_INT16


cdef inline uint32_t intset_len(const intset* s) noexcept nogil:
    """Number of elements. O(1)."""
    return pe_is_u32(s.length)


cdef inline uint32_t intset_encoding(const intset* s) noexcept nogil:
    """Bytes per element: 2, 4 or 8."""
    return pe_is_u32(s.encoding)


cdef inline size_t intset_blob_len(const intset* s) noexcept nogil:
    """Bytes of the whole blob (header + elements), as stored in RDB."""
    return INTSET_HEADER + <size_t>pe_is_u32(s.length) * pe_is_u32(s.encoding)


cdef inline int64_t intset_at(const intset* s, uint32_t pos) noexcept nogil:
    """Element at ``pos`` (caller guarantees pos < length). O(1)."""
    return pe_is_load(s, pos, pe_is_u32(s.encoding))


cdef inline bint intset_find(const intset* s, int64_t value) noexcept nogil:
    """True if ``value`` is a member. O(log n); values wider than the
    current encoding are rejected without a search."""
    cdef uint32_t pos
    if intset_value_encoding(value) > <int>pe_is_u32(s.encoding):
        return False
    return intset_search(s, value, &pos)
