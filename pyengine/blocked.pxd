# Clients blocked on keys (BLPOP & co). Design in blocked.pyx.
from pyengine.core cimport Server, Client, Db

cdef bint may_block(Client c) noexcept
cdef int block_for_keys(Client c, list keys, long long timeout_ms) except -1
cdef bint get_timeout_or_reply(Client c, int i, long long* out) noexcept
cdef bint may_serve_from(Client c, int k) noexcept
cdef int first_ready_key(Client c, int first, int numkeys, int otype) noexcept
cdef list argv_keys(Client c, int first, int numkeys)
