# Streams in RDB files and DUMP payloads (RDB_TYPE_STREAM_LISTPACKS_2 as
# Redis 7.0 writes it; the older STREAM_LISTPACKS on load). Design at the
# top of rdb_stream.pyx; pyengine/rdb.pyx calls these for OBJ_STREAM.

from engine.object cimport robj
from engine.rdb cimport rdb_writer, rdb_reader
from engine.stream cimport stream_t
from pyengine.core cimport Server

cdef int rdb_save_stream(rdb_writer* w, stream_t* s) noexcept nogil
cdef robj* rdb_load_stream(Server srv, rdb_reader* r, int rdbtype, bint deep) noexcept
