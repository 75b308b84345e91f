# The hash type: encoding-agnostic API (for SORT's BY/GET hash fields and
# other users) and the hash commands. Design at the top of t_hash.pyx.

from engine.object cimport robj
from engine.dict cimport pe_entry
from engine.listpack cimport uchar
from pyengine.core cimport Server

cdef robj* hash_new() noexcept nogil
cdef unsigned long hash_length(robj* o) noexcept nogil
cdef bint hash_get(robj* o, const char* f, size_t flen, const char** vstr, size_t* vlen,
                   long long* vll) noexcept nogil
cdef bint hash_exists(robj* o, const char* f, size_t flen) noexcept nogil
cdef int hash_set(Server srv, robj* o, const char* f, size_t flen, const char* v,
                  size_t vlen) noexcept
cdef bint hash_delete(robj* o, const char* f, size_t flen) noexcept nogil
cdef void hash_convert(robj* o) noexcept nogil

# RDB loading and saving: the encodings built and read directly.
cdef robj* hash_from_listpack(uchar* lp) noexcept nogil
cdef robj* hash_new_ht(size_t presize) noexcept nogil
cdef bint hash_ht_add(robj* o, const char* f, size_t flen, const char* v,
                      size_t vlen) noexcept nogil
cdef const char* hash_ht_value(pe_entry* e, size_t* n) noexcept nogil
