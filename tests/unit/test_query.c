/*
 * test_query.c — query string splitting and decoding, percent-decoding and
 * canonical bounded integer parsing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "arena.h"
#include "http/http.h"
#include "http/query.h"

static int setup(void **state)
{
    *state = arena_new();
    return *state == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    arena_free(*state);
    return 0;
}

static void test_parse_basic(void **state)
{
    struct http_param *params;
    size_t count;

    assert_int_equal(query_parse(*state, "a=1&b=two&a=3", 10, &params, &count), 0);
    assert_int_equal(count, 3);
    assert_string_equal(params[0].name, "a");
    assert_string_equal(params[0].value, "1");
    assert_int_equal(params[0].value_len, 1);
    assert_string_equal(params[1].name, "b");
    assert_string_equal(params[1].value, "two");
    assert_string_equal(params[2].name, "a");
    assert_string_equal(params[2].value, "3");
}

static void test_parse_empty_parts_and_missing_equals(void **state)
{
    struct http_param *params;
    size_t count;

    assert_int_equal(query_parse(*state, "&a=1&&flag&b=&", 10, &params, &count), 0);
    assert_int_equal(count, 3);
    assert_string_equal(params[0].name, "a");
    assert_string_equal(params[1].name, "flag");
    assert_string_equal(params[1].value, "");
    assert_int_equal(params[1].value_len, 0);
    assert_string_equal(params[2].name, "b");
    assert_string_equal(params[2].value, "");
}

static void test_parse_empty_and_null(void **state)
{
    struct http_param *params = (struct http_param *)1;
    size_t count = 99;

    assert_int_equal(query_parse(*state, "", 10, &params, &count), 0);
    assert_int_equal(count, 0);
    assert_null(params);
    assert_int_equal(query_parse(*state, NULL, 10, &params, &count), 0);
    assert_int_equal(count, 0);
    assert_int_equal(query_parse(*state, "&&&", 0, &params, &count), 0);
    assert_int_equal(count, 0);
}

/* Names and values are decoded; '+' is a space; '=' after the first is data. */
static void test_parse_decoding(void **state)
{
    struct http_param *params;
    size_t count;

    assert_int_equal(query_parse(*state, "q=red+shoes%21&x%5B0%5D=a=b&n=%00z", 10, &params, &count), 0);
    assert_int_equal(count, 3);
    assert_string_equal(params[0].value, "red shoes!");
    assert_string_equal(params[1].name, "x[0]");
    assert_string_equal(params[1].value, "a=b");
    assert_int_equal(params[2].value_len, 2);
    assert_memory_equal(params[2].value, "\0z", 2);
}

static void test_parse_limit(void **state)
{
    struct http_param *params;
    size_t count;

    assert_int_equal(query_parse(*state, "a=1&b=2&c=3", 3, &params, &count), 0);
    assert_int_equal(count, 3);
    assert_int_equal(query_parse(*state, "a=1&b=2&c=3&d=4", 3, &params, &count), -1);
    /* Empty parts do not count against the limit. */
    assert_int_equal(query_parse(*state, "a=1&&&&b=2", 2, &params, &count), 0);
    assert_int_equal(count, 2);
}

static void test_parse_bad_escape(void **state)
{
    struct http_param *params;
    size_t count;

    assert_int_equal(query_parse(*state, "a=%G1", 10, &params, &count), -1);
    assert_int_equal(query_parse(*state, "a=%", 10, &params, &count), -1);
    assert_int_equal(query_parse(*state, "a=%4", 10, &params, &count), -1);
    assert_int_equal(query_parse(*state, "%zz=1", 10, &params, &count), -1);
    assert_int_equal(query_parse(*state, "ok=1&b=50%", 10, &params, &count), -1);
}

static void test_percent_decode(void **state)
{
    char *out;
    size_t len;

    assert_int_equal(percent_decode(*state, "a%2fb%2Fc+d", 11, 0, &out, &len), 0);
    assert_string_equal(out, "a/b/c+d");
    assert_int_equal(len, 7);
    assert_int_equal(percent_decode(*state, "a+b", 3, 1, &out, &len), 0);
    assert_string_equal(out, "a b");
    /* Only len bytes are looked at. */
    assert_int_equal(percent_decode(*state, "abc%zz", 3, 1, &out, &len), 0);
    assert_string_equal(out, "abc");
    assert_int_equal(percent_decode(*state, "", 0, 1, &out, &len), 0);
    assert_string_equal(out, "");
    assert_int_equal(len, 0);
    assert_int_equal(percent_decode(*state, "%e2%82%ac", 9, 1, &out, &len), 0);
    assert_string_equal(out, "\xe2\x82\xac");
    assert_int_equal(percent_decode(*state, "%-1", 3, 1, &out, &len), -1);
    assert_int_equal(percent_decode(*state, "x%2", 3, 1, &out, &len), -1);
}

static void test_parse_int64_valid(void **state)
{
    int64_t v = -1;

    (void)state;
    assert_int_equal(parse_int64("0", 0, 100, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(parse_int64("42", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(parse_int64("-17", -100, 100, &v), 0);
    assert_int_equal(v, -17);
    assert_int_equal(parse_int64("9223372036854775807", INT64_MIN, INT64_MAX, &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(parse_int64("-9223372036854775808", INT64_MIN, INT64_MAX, &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(parse_int64("100", 0, 100, &v), 0);
    assert_int_equal(v, 100);
}

static void test_parse_int64_invalid(void **state)
{
    int64_t v = 7;
    static const char *const bad[] = {
        "", "-", "+1", " 1", "1 ", "01", "00", "-0", "-01", "1a", "0x10", "1.0",
        "9223372036854775808", "-9223372036854775809", "99999999999999999999", "1e3",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse_int64(bad[i], INT64_MIN, INT64_MAX, &v) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_int_equal(parse_int64(NULL, 0, 10, &v), -1);
    assert_int_equal(parse_int64("101", 0, 100, &v), -1);
    assert_int_equal(parse_int64("0", 1, 100, &v), -1);
    assert_int_equal(parse_int64("-5", 0, 100, &v), -1);
    assert_int_equal(v, 7); /* untouched on failure */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parse_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_empty_parts_and_missing_equals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_empty_and_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_decoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_bad_escape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_percent_decode, setup, teardown),
        cmocka_unit_test(test_parse_int64_valid),
        cmocka_unit_test(test_parse_int64_invalid),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
