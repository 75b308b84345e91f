# The set type (Redis's t_set.c): the encoding-agnostic set API other
# modules (SORT, persistence) use, and the set commands. Design in t_set.pyx.

from libc.stdint cimport int64_t, uint32_t
from engine.object cimport robj
from engine.dict cimport dict_iter
from engine.intset cimport intset

ctypedef struct set_iter:
    robj* o
    int encoding             # ENC_INTSET or ENC_HT, fixed at init
    uint32_t ii              # next intset index
    dict_iter di
    char buf[24]             # scratch for formatting an intset member

# Members are passed as bytes (s, n). Iterators and random picks return the
# encoding they read: ENC_INTSET with the int64 in ``ll``, or ENC_HT with
# ``s``/``n`` pointing into the table (valid until that member is removed).
# set_add/set_remove/set_is_member follow Redis's setType* contracts
# (t_set.pyx); ``max_intset`` is the server's set-max-intset-entries.
cdef robj* set_create_intset() noexcept nogil
cdef robj* set_create_ht(size_t presize) noexcept nogil
cdef robj* set_create_for(const char* s, size_t n) noexcept nogil
cdef robj* set_from_intset(intset* s) noexcept nogil
cdef bint set_add(robj* o, const char* s, size_t n, long long max_intset) noexcept nogil
cdef bint set_remove(robj* o, const char* s, size_t n) noexcept nogil
cdef bint set_is_member(robj* o, const char* s, size_t n) noexcept nogil
cdef size_t set_size(robj* o) noexcept nogil
cdef void set_convert_to_ht(robj* o, size_t presize) noexcept nogil
cdef void set_iter_init(set_iter* it, robj* o) noexcept nogil
cdef int set_iter_next(set_iter* it, const char** s, size_t* n, int64_t* ll) noexcept nogil
cdef void set_iter_release(set_iter* it) noexcept nogil
cdef int set_random(robj* o, const char** s, size_t* n, int64_t* ll) noexcept nogil
