# List commands' C API for other modules (blocking pops, SORT ... STORE,
# RDB loading): list objects and the shared bodies of the pop/move
# commands. Design notes at the top of t_list.pyx.

from engine.object cimport robj
from engine.quicklist cimport quicklist
from pyengine.core cimport Client, Server

# Redis's LIST_HEAD / LIST_TAIL ends (LEFT / RIGHT)
cdef enum:
    LIST_HEAD = 0
    LIST_TAIL = 1

cdef robj* list_object(quicklist* ql) noexcept nogil
cdef robj* list_new(Server srv) noexcept
cdef void add_list_range_reply(Client c, quicklist* ql, long start, long end, bint reverse) noexcept
cdef bint list_position(Client c, int i, int* where) noexcept
cdef int lmove_generic(Client c, int wherefrom, int whereto) noexcept
cdef int mpop_generic(Client c, int first, long long numkeys, int where, long long count) noexcept
