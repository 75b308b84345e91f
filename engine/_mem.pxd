# The allocator every engine structure goes through (Redis's zmalloc).
#
# Counts the usable size of each live block so that INFO used_memory and the
# maxmemory checks see the real footprint. Like Redis, running out of memory
# is fatal: the process logs the size it could not get and aborts, so no
# caller has to handle a NULL return.

cdef void* mem_alloc(size_t size) noexcept nogil
cdef void* mem_calloc(size_t size) noexcept nogil
cdef void* mem_realloc(void* ptr, size_t size) noexcept nogil
cdef void mem_free(void* ptr) noexcept nogil
cdef size_t mem_usable(void* ptr) noexcept nogil
cdef size_t mem_used() noexcept nogil
