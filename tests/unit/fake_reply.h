/*
 * fake_reply.h — a hiredis reply built on the stack, for the unit tests of
 * the code that judges Redis's answers (no server involved).
 */
#ifndef ORDERAPI_TEST_FAKE_REPLY_H
#define ORDERAPI_TEST_FAKE_REPLY_H

#include <string.h>

#include <hiredis/hiredis.h>

/* A reply of the given type; str (may be NULL) is its text. */
static inline redisReply reply_of(int type, char *str)
{
    redisReply r;
    memset(&r, 0, sizeof r);
    r.type = type;
    if (str) {
        r.str = str;
        r.len = strlen(str);
    }
    return r;
}

#endif
