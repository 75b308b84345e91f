/* Every error reply text pyengine sends, byte-identical to Redis 7.0.
 * One place: C code uses the macros through pyengine/msgs.pxd, Python code
 * the same strings through pyengine.msgs. Texts start with their error code. */
#ifndef PE_MSGS_H
#define PE_MSGS_H
#define MSG_SYNTAX "ERR syntax error"
#define MSG_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"
#define MSG_NOT_INTEGER "ERR value is not an integer or out of range"
#define MSG_NOT_FLOAT "ERR value is not a valid float"
#define MSG_OVERFLOW "ERR increment or decrement would overflow"
#define MSG_NAN_OR_INF "ERR increment would produce NaN or Infinity"
#define MSG_NO_SUCH_KEY "ERR no such key"
#define MSG_SAME_OBJECT "ERR source and destination objects are the same"
#define MSG_OUT_OF_RANGE "ERR index out of range"
#define MSG_DB_INDEX "ERR DB index is out of range"
#define MSG_INVALID_DB_INDEX "ERR invalid DB index"
#define MSG_NOAUTH "NOAUTH Authentication required."
#define MSG_OOM "OOM command not allowed when used memory > 'maxmemory'."
#define MSG_BUSYKEY "BUSYKEY Target key name already exists."
#define MSG_STRING_TOO_LONG "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
#define MSG_OFFSET_RANGE "ERR offset is out of range"
#define MSG_TIMEOUT_NEGATIVE "ERR timeout is negative"
#define MSG_MAX_CLIENTS "ERR max number of clients reached"
#define MSG_MUST_BE_POSITIVE "ERR value is out of range, must be positive"
/* sorted sets */
#define MSG_ZADD_XX_NX "ERR XX and NX options at the same time are not compatible"
#define MSG_ZADD_GT_LT_NX "ERR GT, LT, and/or NX options at the same time are not compatible"
#define MSG_ZADD_INCR_PAIR "ERR INCR option supports a single increment-element pair"
#define MSG_ZSCORE_NAN "ERR resulting score is not a number (NaN)"
#define MSG_ZRANGE_NOT_FLOAT "ERR min or max is not a float"
#define MSG_ZRANGE_NOT_LEX "ERR min or max not valid string range item"
#define MSG_ZRANGE_LIMIT_RANK "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
#define MSG_ZRANGE_WITHSCORES_LEX "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
#define MSG_WEIGHT_NOT_FLOAT "ERR weight value is not a float"
#define MSG_LIMIT_NEGATIVE "ERR LIMIT can't be negative"
#define MSG_NUMKEYS_POSITIVE "ERR numkeys should be greater than 0"
#define MSG_COUNT_POSITIVE "ERR count should be greater than 0"
#define MSG_VALUE_OUT_OF_RANGE "ERR value is out of range"
#endif
