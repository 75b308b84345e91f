# Error reply texts for Cython code (the strings live in pe_msgs.h).
cdef extern from "pe_msgs.h":
    const char* MSG_SYNTAX
    const char* MSG_WRONGTYPE
    const char* MSG_NOT_INTEGER
    const char* MSG_NOT_FLOAT
    const char* MSG_OVERFLOW
    const char* MSG_NAN_OR_INF
    const char* MSG_NO_SUCH_KEY
    const char* MSG_SAME_OBJECT
    const char* MSG_OUT_OF_RANGE
    const char* MSG_DB_INDEX
    const char* MSG_INVALID_DB_INDEX
    const char* MSG_NOAUTH
    const char* MSG_OOM
    const char* MSG_BUSYKEY
    const char* MSG_STRING_TOO_LONG
    const char* MSG_OFFSET_RANGE
    const char* MSG_TIMEOUT_NEGATIVE
    const char* MSG_MAX_CLIENTS
    const char* MSG_MUST_BE_POSITIVE
