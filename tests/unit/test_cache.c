/*
 * test_cache.c — what a write's reply says about Redis: taken, refused (an
 * error reply, or not what the write answers with), or no reply at all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "store/cache.h"
#include "fake_reply.h"

static void test_expected_type_is_taken(void **state)
{
    (void)state;
    redisReply incr = reply_of(REDIS_REPLY_INTEGER, NULL);
    redisReply set = reply_of(REDIS_REPLY_STATUS, "OK");
    assert_int_equal(cache_write_verdict(&incr, REDIS_REPLY_INTEGER), CACHE_WRITE_OK);
    assert_int_equal(cache_write_verdict(&set, REDIS_REPLY_STATUS), CACHE_WRITE_OK);
}

static void test_error_reply_is_refused(void **state)
{
    (void)state;
    static char *errors[] = {
        "OOM command not allowed when used memory > 'maxmemory'.",
        "READONLY You can't write against a read only replica.",
        "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
    };
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        redisReply r = reply_of(REDIS_REPLY_ERROR, errors[i]);
        assert_int_equal(cache_write_verdict(&r, REDIS_REPLY_INTEGER), CACHE_WRITE_REFUSED);
        assert_int_equal(cache_write_verdict(&r, REDIS_REPLY_STATUS), CACHE_WRITE_REFUSED);
    }
}

static void test_unexpected_type_is_refused(void **state)
{
    (void)state;
    /* INCR of a key holding text answers an error; a nil or a string where an
     * integer belongs is no bump either. */
    redisReply nil = reply_of(REDIS_REPLY_NIL, NULL);
    redisReply text = reply_of(REDIS_REPLY_STRING, "12");
    redisReply status = reply_of(REDIS_REPLY_STATUS, "QUEUED");
    assert_int_equal(cache_write_verdict(&nil, REDIS_REPLY_INTEGER), CACHE_WRITE_REFUSED);
    assert_int_equal(cache_write_verdict(&text, REDIS_REPLY_INTEGER), CACHE_WRITE_REFUSED);
    assert_int_equal(cache_write_verdict(&status, REDIS_REPLY_INTEGER), CACHE_WRITE_REFUSED);
}

static void test_no_reply_is_unreachable(void **state)
{
    (void)state;
    assert_int_equal(cache_write_verdict(NULL, REDIS_REPLY_INTEGER), CACHE_WRITE_UNREACHABLE);
    assert_int_equal(cache_write_verdict(NULL, REDIS_REPLY_STATUS), CACHE_WRITE_UNREACHABLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expected_type_is_taken),
        cmocka_unit_test(test_error_reply_is_refused),
        cmocka_unit_test(test_unexpected_type_is_refused),
        cmocka_unit_test(test_no_reply_is_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
