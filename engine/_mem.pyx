# cython: freethreading_compatible = False
"""Counting allocator: malloc/realloc/free that keep ``used_memory`` exact.

The count is the sum of ``malloc_usable_size`` of the live blocks, which is
what the allocator really hands out (Redis does the same with jemalloc's
``je_malloc_usable_size``). Allocation failure aborts the process after a log
line, as Redis's ``zmalloc_oom_handler`` does.
"""

from libc.stdlib cimport malloc, calloc, realloc, free, abort
from libc.stdio cimport fprintf, stderr, fflush

cdef extern from "pe_malloc.h" nogil:
    size_t pe_usable_size(void* p)

cdef size_t _used = 0


cdef void _oom(size_t size) noexcept nogil:
    fprintf(stderr, b"pyengine: Out Of Memory allocating %zu bytes!\n", size)
    fflush(stderr)
    abort()


cdef void* mem_alloc(size_t size) noexcept nogil:
    """Return a block of at least ``size`` bytes (uninitialised). Never NULL."""
    global _used
    cdef void* p = malloc(size if size else 1)
    if p == NULL:
        _oom(size)
    _used += pe_usable_size(p)
    return p


cdef void* mem_calloc(size_t size) noexcept nogil:
    """Like mem_alloc, but the block is zeroed."""
    global _used
    cdef void* p = calloc(1, size if size else 1)
    if p == NULL:
        _oom(size)
    _used += pe_usable_size(p)
    return p


cdef void* mem_realloc(void* ptr, size_t size) noexcept nogil:
    """Resize ``ptr`` (which may be NULL). Never NULL; contents are kept."""
    global _used
    cdef size_t old = 0
    if ptr != NULL:
        old = pe_usable_size(ptr)
    cdef void* p = realloc(ptr, size if size else 1)
    if p == NULL:
        _oom(size)
    _used += pe_usable_size(p)
    _used -= old
    return p


cdef void mem_free(void* ptr) noexcept nogil:
    """Free a block from mem_alloc/mem_calloc/mem_realloc; NULL is a no-op."""
    global _used
    if ptr != NULL:
        _used -= pe_usable_size(ptr)
        free(ptr)


cdef size_t mem_usable(void* ptr) noexcept nogil:
    """Bytes really reserved for ``ptr`` (for MEMORY USAGE)."""
    return pe_usable_size(ptr) if ptr != NULL else 0


cdef size_t mem_used() noexcept nogil:
    return _used


def used_memory():
    """Bytes currently allocated through this allocator."""
    return _used
