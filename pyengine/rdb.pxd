# RDB at the object level: which value becomes which RDB type and bytes,
# the keyspace walk that writes a snapshot, the loader that rebuilds one, and
# DUMP/RESTORE. Design at the top of rdb.pyx; the byte encoding is
# engine/rdb. Python orchestration (files, fork, cron, INFO) is persist.py.

from engine.object cimport robj
from engine.rdb cimport rdb_writer, rdb_reader
from pyengine.core cimport Server

cdef enum:
    RDBFLAGS_NONE = 0
    RDBFLAGS_AOF_PREAMBLE = 1    # loading: keep expired keys (an AOF tail follows)
    RDBFLAGS_ALLOW_DUP = 2       # loading: a key already there is replaced (DEBUG RELOAD MERGE)

cdef int rdb_object_type(robj* o) noexcept nogil
cdef int rdb_save_value(rdb_writer* w, robj* o) noexcept nogil
cdef robj* rdb_load_value(Server srv, rdb_reader* r, int rdbtype, bint deep,
                          bint* empty) noexcept
cdef void rdb_set_lru_or_lfu(Server srv, robj* o, long long freq, long long idle,
                             long long clock) noexcept
