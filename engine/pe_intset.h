/* Byte layout of engine/intset (the same bytes Redis keeps and stores in RDB
 * files as an intset blob):
 *
 *   +----------+----------+-------------------------------------------+
 *   | encoding | length   | length elements of `encoding` bytes each   |
 *   | uint32   | uint32   | little-endian, sorted ascending, no dups   |
 *   +----------+----------+-------------------------------------------+
 *
 * `encoding` is 2, 4 or 8 (bytes per element); header fields are
 * little-endian too. The accessors below read/write one element of a given
 * width with memcpy (the contents are not aligned for 8-byte values in
 * general) and swap bytes on big-endian hosts.
 */
#ifndef PE_INTSET_H
#define PE_INTSET_H
#include <stdint.h>
#include <stddef.h>
#include <string.h>

typedef struct pe_intset {
    uint32_t encoding;
    uint32_t length;
    int8_t contents[];
} pe_intset;

#define PE_INTSET_HEADER offsetof(pe_intset, contents)

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define PE_LE16(x) __builtin_bswap16(x)
#define PE_LE32(x) __builtin_bswap32(x)
#define PE_LE64(x) __builtin_bswap64(x)
#else
#define PE_LE16(x) (x)
#define PE_LE32(x) (x)
#define PE_LE64(x) (x)
#endif

static inline uint32_t pe_is_u32(uint32_t v) { return PE_LE32(v); }

static inline int64_t pe_is_load(const pe_intset *is, uint32_t pos, uint32_t enc) {
    if (enc == 8) {
        uint64_t v;
        memcpy(&v, is->contents + (size_t)pos * 8, 8);
        return (int64_t)PE_LE64(v);
    } else if (enc == 4) {
        uint32_t v;
        memcpy(&v, is->contents + (size_t)pos * 4, 4);
        return (int32_t)PE_LE32(v);
    } else {
        uint16_t v;
        memcpy(&v, is->contents + (size_t)pos * 2, 2);
        return (int16_t)PE_LE16(v);
    }
}

static inline void pe_is_store(pe_intset *is, uint32_t pos, uint32_t enc, int64_t value) {
    if (enc == 8) {
        uint64_t v = PE_LE64((uint64_t)value);
        memcpy(is->contents + (size_t)pos * 8, &v, 8);
    } else if (enc == 4) {
        uint32_t v = PE_LE32((uint32_t)(int32_t)value);
        memcpy(is->contents + (size_t)pos * 4, &v, 4);
    } else {
        uint16_t v = PE_LE16((uint16_t)(int16_t)value);
        memcpy(is->contents + (size_t)pos * 2, &v, 2);
    }
}
#endif
