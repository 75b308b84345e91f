# Number/string conversions and glob matching with Redis's exact rules.
#
# string2ll: strict decimal (no '+', no spaces, no leading zeros, no "-0"),
#   the rule behind every integer argument and the `int` string encoding.
# string2ld / string2d: strtold/strtod over the whole string, no leading
#   space, no NaN, overflow rejected.
# ld2string_human: INCRBYFLOAT's "%.17Lf" with trailing zeros removed.
# d2string: "%.17g" (Redis 7.0's double replies), "inf"/"-inf"/"nan".
# double2ll: a double that is an integer of at most +-LLONG_MAX/2 (how a
#   sorted set listpack decides to store a score as an integer).
# parse_cursor: SCAN cursors, strtoul-style (sign, leading zeros, wrap).
# stringmatch: KEYS/SCAN/CONFIG GET glob: * ? [abc] [^a-z] and \ escapes.

cdef extern from "pe_util.h" nogil:
    void pe_errno_clear()           # errno = 0 (see pe_util.h for why)
    int pe_errno_get()

cdef enum:
    LONG_STR_SIZE = 21          # chars of the longest long long, with sign
    MAX_LONG_DOUBLE_CHARS = 5120
    MAX_D2STRING_CHARS = 128

cdef bint string2ll(const char* s, size_t slen, long long* value) noexcept nogil
cdef bint string2ull(const char* s, size_t slen, unsigned long long* value) noexcept nogil
cdef bint parse_cursor(const char* s, size_t slen, unsigned long* value) noexcept nogil
cdef bint string2ld(const char* s, size_t slen, long double* value) noexcept nogil
cdef bint string2d(const char* s, size_t slen, double* value) noexcept nogil
cdef int ll2string(char* buf, long long value) noexcept nogil
cdef int ull2string(char* buf, unsigned long long value) noexcept nogil
cdef int ld2string_human(char* buf, size_t buflen, long double value) noexcept nogil
cdef int d2string(char* buf, size_t buflen, double value) noexcept nogil
cdef bint double2ll(double d, long long* out) noexcept nogil
cdef bint stringmatch(const char* pattern, size_t plen, const char* string, size_t slen,
                      bint nocase) noexcept nogil
cdef int lower_into(char* dst, const char* src, size_t n) noexcept nogil
cdef bint eq_nocase(const char* a, size_t alen, const char* b) noexcept nogil
