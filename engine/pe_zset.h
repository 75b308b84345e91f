/* Skiplist node layout of engine/zset (design in zset.pyx).
 *
 * A node is one allocation sized for its level count L (1..32):
 *
 *   +------+-------+----------+---------------------+-----+---------------------+
 *   | ent  | score | backward | level[0]            | ... | level[L-1]          |
 *   |      |       |          | forward   | span    |     | forward   | span    |
 *   | 8    | 8     | 8        | 8         | 8       |     | 8         | 8       |
 *   +------+-------+----------+---------------------+-----+---------------------+
 *
 * `ent` is the member's entry in the zset's dict (engine/dict pe_entry): the
 * member bytes live there, once. `span` of level i is the number of level-0
 * steps from this node to level[i].forward (the distance a rank walk adds).
 */
#ifndef PE_ZSET_H
#define PE_ZSET_H
#include <stddef.h>
#include "pe_dict.h"

#define PE_ZSL_MAXLEVEL 32

struct pe_zslnode;

typedef struct pe_zsllevel {
    struct pe_zslnode *forward;
    unsigned long span;
} pe_zsllevel;

typedef struct pe_zslnode {
    pe_entry *ent;
    double score;
    struct pe_zslnode *backward;
    pe_zsllevel level[];
} pe_zslnode;

#define PE_ZSLNODE_SIZE(lvl) (offsetof(pe_zslnode, level) + (size_t)(lvl) * sizeof(pe_zsllevel))
#endif
