/* Integer formatting for the reply encoder: no printf on the hot path. */
#ifndef PE_RESP_H
#define PE_RESP_H
#include <stdint.h>

static inline int pe_u64_digits(unsigned long long v) {
    int n = 1;
    while (v >= 10) { v /= 10; n++; }
    return n;
}

/* Write v in decimal at dst (no NUL). Returns the number of bytes. */
static inline int pe_fmt_u64(char *dst, unsigned long long v) {
    int n = pe_u64_digits(v), i = n;
    while (i > 0) { dst[--i] = (char)('0' + v % 10); v /= 10; }
    return n;
}

static inline int pe_fmt_i64(char *dst, long long v) {
    if (v < 0) {
        dst[0] = '-';
        return 1 + pe_fmt_u64(dst + 1, (unsigned long long)(-(v + 1)) + 1);
    }
    return pe_fmt_u64(dst, (unsigned long long)v);
}
#endif
