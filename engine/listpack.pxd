# listpack: Redis's compact sequence of strings and integers in one
# allocation, byte-compatible with Redis (RDB stores it as is). Design and
# byte layout at the top of listpack.pyx.

ctypedef unsigned char uchar

cdef enum:
    LP_BEFORE = 0
    LP_AFTER = 1
    LP_REPLACE = 2
    LP_HDR_SIZE = 6
    LP_INTBUF_SIZE = 21          # digits of an int64 with sign
    LP_MAX_SAFETY_SIZE = 1 << 30 # never grow a listpack past 1 GB

cdef uchar* lp_new(size_t capacity) noexcept nogil
cdef void lp_free(uchar* lp) noexcept nogil
cdef uchar* lp_dup(uchar* lp) noexcept nogil
cdef size_t lp_bytes(uchar* lp) noexcept nogil
cdef unsigned long lp_length(uchar* lp) noexcept nogil
cdef bint lp_safe_to_add(uchar* lp, size_t add) noexcept nogil

cdef uchar* lp_first(uchar* lp) noexcept nogil
cdef uchar* lp_last(uchar* lp) noexcept nogil
cdef uchar* lp_next(uchar* lp, uchar* p) noexcept nogil
cdef uchar* lp_prev(uchar* lp, uchar* p) noexcept nogil
cdef uchar* lp_seek(uchar* lp, long index) noexcept nogil

cdef const char* lp_get(uchar* p, size_t* slen, long long* ival) noexcept nogil
cdef const char* lp_get_str(uchar* p, char* intbuf, size_t* slen) noexcept nogil
cdef bint lp_eq(uchar* p, const char* s, size_t slen) noexcept nogil
cdef uchar* lp_find(uchar* lp, uchar* p, const char* s, size_t slen, unsigned int skip) noexcept nogil

cdef uchar* lp_insert(uchar* lp, const char* s, size_t slen, uchar* p, int where,
                      uchar** newp) noexcept nogil
cdef uchar* lp_insert_int(uchar* lp, long long v, uchar* p, int where, uchar** newp) noexcept nogil
cdef uchar* lp_append(uchar* lp, const char* s, size_t slen) noexcept nogil
cdef uchar* lp_prepend(uchar* lp, const char* s, size_t slen) noexcept nogil
cdef uchar* lp_append_int(uchar* lp, long long v) noexcept nogil
cdef uchar* lp_replace(uchar* lp, uchar** p, const char* s, size_t slen) noexcept nogil
cdef uchar* lp_delete(uchar* lp, uchar* p, uchar** newp) noexcept nogil
cdef uchar* lp_delete_range(uchar* lp, long index, unsigned long num) noexcept nogil
cdef uchar* lp_delete_range_with_entry(uchar* lp, uchar** p, unsigned long num) noexcept nogil
cdef bint lp_validate(const uchar* lp, size_t size, bint deep) noexcept nogil
