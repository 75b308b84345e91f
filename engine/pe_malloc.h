/* Portable malloc_usable_size, used by engine/_mem to account used_memory. */
#ifndef PE_MALLOC_H
#define PE_MALLOC_H
#include <stdlib.h>
#if defined(__APPLE__)
#include <malloc/malloc.h>
#define pe_usable_size(p) malloc_size(p)
#elif defined(__linux__) || defined(__GLIBC__)
#include <malloc.h>
#define pe_usable_size(p) malloc_usable_size(p)
#else
#define pe_usable_size(p) ((size_t)0)
#endif
#endif
