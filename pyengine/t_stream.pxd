# Stream commands (Redis's t_stream.c). Design at the top of t_stream.pyx;
# the structure itself is engine/stream.

from engine.object cimport robj
from engine.stream cimport stream_t

cdef robj* stream_object(stream_t* s) noexcept nogil
