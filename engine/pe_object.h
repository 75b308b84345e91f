/* Value objects (Redis's robj), one allocation each:
 *
 *   int     | type enc flags pad | lru (4) | int64 value      |        16 bytes
 *   embstr  | type enc flags pad | lru (4) | len (4) | bytes  |  12 + len bytes
 *   raw     | type enc flags pad | lru (4) | ptr | len | cap |        32 bytes
 *   others  | type enc flags pad | lru (4) | ptr             |        16 bytes
 *
 * Only the bytes an encoding uses are allocated; code reads the union member
 * that matches `encoding` and nothing else.
 */
#ifndef PE_OBJECT_H
#define PE_OBJECT_H
#include <stdint.h>
#include <stddef.h>

typedef struct pe_obj {
    uint8_t type;
    uint8_t encoding;
    uint8_t flags;
    uint8_t pad;
    uint32_t lru;
    union {
        int64_t ival;
        uint32_t emblen;
        struct { char *ptr; size_t len; size_t cap; } raw;
        void *ptr;
    } u;
} pe_obj;

#define PE_OBJ_HEADER offsetof(pe_obj, u)
#define PE_EMB_DATA(o) (((char *)&(o)->u.emblen) + sizeof(uint32_t))
#define PE_EMB_OVERHEAD (offsetof(pe_obj, u) + sizeof(uint32_t))
#endif
