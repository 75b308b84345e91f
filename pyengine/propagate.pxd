from pyengine.core cimport Server, Client, Command

cdef void after_call(Client c, Command cmd, long long dirty_before, unsigned long long old_flags) noexcept
cdef void propagate_pending(Server srv, bint may_wrap) noexcept
cdef void propagate_deletion(Server srv, int dbid, const char* key, size_t klen, bint lazy) noexcept
cdef void feed_argv(Server srv, int dbid, list argv) noexcept
