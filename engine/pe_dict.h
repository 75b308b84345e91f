/* Entry layout of engine/dict and the SipHash-1-2 it hashes keys with.
 *
 * An entry is one allocation: chain pointer, an 8-byte value slot, the key
 * length and the key bytes inline (followed by a NUL, so C helpers and the
 * glob matcher may peek one byte past the key):
 *
 *   +--------+--------+------+------------------+----+
 *   | next   | v      | klen | key bytes ...    | \0 |
 *   | 8      | 8      | 4    | klen             | 1  |
 *   +--------+--------+------+------------------+----+
 *
 * Keeping the key inside the entry saves the separate key allocation Redis
 * makes (dictEntry + sds) and one pointer chase per lookup.
 */
#ifndef PE_DICT_H
#define PE_DICT_H
#include <stdint.h>
#include <stddef.h>
#include <string.h>

typedef union pe_val {
    void *ptr;
    int64_t s64;
    uint64_t u64;
    double d;
} pe_val;

typedef struct pe_entry {
    struct pe_entry *next;
    pe_val v;
    uint32_t klen;
    char key[];
} pe_entry;

#define PE_ENTRY_HEADER offsetof(pe_entry, key)

/* SipHash-1-2 (one compression round, two finalization rounds), keyed with a
 * 16-byte secret chosen at start-up so clients cannot aim keys at one bucket.
 * Written from the SipHash paper (Aumasson & Bernstein, 2012). */
#define PE_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define PE_SIPROUND            \
    do {                       \
        v0 += v1; v1 = PE_ROTL(v1, 13); v1 ^= v0; v0 = PE_ROTL(v0, 32); \
        v2 += v3; v3 = PE_ROTL(v3, 16); v3 ^= v2;                        \
        v0 += v3; v3 = PE_ROTL(v3, 21); v3 ^= v0;                        \
        v2 += v1; v1 = PE_ROTL(v1, 17); v1 ^= v2; v2 = PE_ROTL(v2, 32); \
    } while (0)

static inline uint64_t pe_load64_le(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint64_t pe_siphash(const uint8_t *in, size_t inlen, const uint8_t *k) {
    uint64_t k0 = pe_load64_le(k), k1 = pe_load64_le(k + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
    uint64_t v3 = 0x7465646279746573ULL ^ k1;
    const uint8_t *end = in + inlen - (inlen % 8);
    uint64_t m, b = ((uint64_t)inlen) << 56;
    for (; in != end; in += 8) {
        m = pe_load64_le(in);
        v3 ^= m;
        PE_SIPROUND;
        v0 ^= m;
    }
    switch (inlen & 7) {
    case 7: b |= ((uint64_t)in[6]) << 48; /* fall through */
    case 6: b |= ((uint64_t)in[5]) << 40; /* fall through */
    case 5: b |= ((uint64_t)in[4]) << 32; /* fall through */
    case 4: b |= ((uint64_t)in[3]) << 24; /* fall through */
    case 3: b |= ((uint64_t)in[2]) << 16; /* fall through */
    case 2: b |= ((uint64_t)in[1]) << 8;  /* fall through */
    case 1: b |= ((uint64_t)in[0]); break;
    case 0: break;
    }
    v3 ^= b;
    PE_SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    PE_SIPROUND;
    PE_SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* Reverse the bits of a 64-bit word (SCAN's reverse-binary cursor). */
static inline uint64_t pe_rev64(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
    return __builtin_bswap64(v);
}

/* xorshift64* : the engine's cheap PRNG for sampling (not for secrets). */
static inline uint64_t pe_xorshift(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}
#endif
