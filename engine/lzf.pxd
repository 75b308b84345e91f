# LZF compression in liblzf's format (what Redis uses for quicklist nodes
# under list-compress-depth and for RDB/DUMP string compression). Design and
# the byte format at the top of lzf.pyx.

cdef enum:
    LZF_MAX_LIT = 32          # bytes in one literal run
    LZF_MAX_OFF = 8192        # farthest back reference
    LZF_MAX_REF = 264         # longest back reference (8 + 256)

cdef size_t lzf_compress(const void* in_data, size_t in_len, void* out_data,
                         size_t out_len) noexcept nogil
cdef size_t lzf_decompress(const void* in_data, size_t in_len, void* out_data,
                           size_t out_len) noexcept nogil
