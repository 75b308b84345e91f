/* errno access for Cython code. Assigning to the `errno` that Cython's
 * libc.errno declares inside a function makes Cython create a *local*
 * variable of that name, so `errno = 0; strtod(...); if errno == ERANGE`
 * silently never sees ERANGE. Go through these instead. */
#ifndef PE_UTIL_H
#define PE_UTIL_H
#include <errno.h>
static inline void pe_errno_clear(void) { errno = 0; }
static inline int pe_errno_get(void) { return errno; }
#endif
