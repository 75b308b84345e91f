# CRC-64/Jones as Redis computes it for RDB files and DUMP payloads (and the
# scripting engine for its own uses). Design and parameters in crc64.pyx.

from libc.stdint cimport uint64_t

cdef uint64_t crc64(uint64_t crc, const unsigned char* s, size_t l) noexcept nogil
