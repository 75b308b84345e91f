# CRC-64 with the Jones polynomial, as Redis checksums RDB files and DUMP /
# FUNCTION DUMP payloads. Design notes at the top of crc64.pyx.

from libc.stdint cimport uint64_t

cdef uint64_t crc64(uint64_t crc, const unsigned char* data, size_t n) noexcept nogil
