/*
 * test_json_body.c — the JSON body gate: UTF-8, depth, duplicate keys,
 * top-level type, trailing garbage, and the Content-Type check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "http/json_body.h"

/* Parses a C string body; returns the reason on failure or NULL on success
 * (and then checks the result is an object and releases it). */
static const char *parse_reason(const char *body, size_t max_depth)
{
    json_t *out = (json_t *)1;
    const char *why = NULL;
    int rc = json_body_parse(body, strlen(body), max_depth, &out, &why);

    if (rc == 0) {
        assert_non_null(out);
        assert_true(json_is_object(out));
        json_decref(out);
        return NULL;
    }
    assert_int_equal(rc, -1);
    assert_null(out);
    assert_non_null(why);
    return why;
}

static void test_valid(void **state)
{
    json_t *out = NULL;
    const char *why = NULL;
    const char *body = "{\"items\":[{\"product_id\":1,\"quantity\":2}],\"notes\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}  \n";

    (void)state;
    assert_int_equal(json_body_parse(body, strlen(body), 8, &out, &why), 0);
    assert_non_null(out);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(out, "items"), 0), "quantity")), 2);
    assert_string_equal(json_string_value(json_object_get(out, "notes")), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    json_decref(out);
    assert_null(parse_reason("{}", 1));
}

static void test_invalid_utf8(void **state)
{
    static const char *const bad[] = {
        "{\"a\":\"\xc0\xaf\"}",             /* overlong '/' */
        "{\"a\":\"\xc1\xbf\"}",             /* overlong */
        "{\"a\":\"\xe0\x80\xaf\"}",         /* overlong 3-byte */
        "{\"a\":\"\xf0\x80\x80\xaf\"}",     /* overlong 4-byte */
        "{\"a\":\"\xed\xa0\x80\"}",         /* surrogate U+D800 */
        "{\"a\":\"\xed\xbf\xbf\"}",         /* surrogate U+DFFF */
        "{\"a\":\"\xf4\x90\x80\x80\"}",     /* U+110000 */
        "{\"a\":\"\xf5\x80\x80\x80\"}",     /* lead F5 */
        "{\"a\":\"\xff\"}",
        "{\"a\":\"\x80\"}",                 /* lone continuation */
        "{\"a\":\"\xc3\"}",                 /* truncated 2-byte */
        "{\"a\":\"\xe2\x82\"}",             /* truncated 3-byte */
        "{\"a\":\"\xf0\x9f\x98\"}",         /* truncated 4-byte */
        "{\"a\":\"\xe2\x28\xa1\"}",         /* bad continuation */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *why = parse_reason(bad[i], 8);

        if (why == NULL || strcmp(why, "body is not valid UTF-8") != 0)
            fail_msg("case %zu: got %s", i, why != NULL ? why : "(accepted)");
    }
}

static void test_utf8_valid_direct(void **state)
{
    (void)state;
    assert_int_equal(utf8_valid("", 0), 1);
    assert_int_equal(utf8_valid("plain", 5), 1);
    assert_int_equal(utf8_valid("\xc2\x80", 2), 1);           /* U+0080 */
    assert_int_equal(utf8_valid("\xdf\xbf", 2), 1);           /* U+07FF */
    assert_int_equal(utf8_valid("\xe0\xa0\x80", 3), 1);       /* U+0800 */
    assert_int_equal(utf8_valid("\xed\x9f\xbf", 3), 1);       /* U+D7FF */
    assert_int_equal(utf8_valid("\xee\x80\x80", 3), 1);       /* U+E000 */
    assert_int_equal(utf8_valid("\xef\xbf\xbf", 3), 1);       /* U+FFFF */
    assert_int_equal(utf8_valid("\xf0\x90\x80\x80", 4), 1);   /* U+10000 */
    assert_int_equal(utf8_valid("\xf4\x8f\xbf\xbf", 4), 1);   /* U+10FFFF */
    assert_int_equal(utf8_valid("\xc0\xaf", 2), 0);
    assert_int_equal(utf8_valid("\xed\xa0\x80", 3), 0);
    assert_int_equal(utf8_valid("\xf4\x90\x80\x80", 4), 0);
    /* Only len bytes count: a sequence cut by len is truncated. */
    assert_int_equal(utf8_valid("\xe2\x82\xac", 2), 0);
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    assert_string_equal(parse_reason("{\"a\":1,\"a\":2}", 8), "duplicate key in JSON object");
    assert_string_equal(parse_reason("{\"x\":{\"b\":1,\"c\":2,\"b\":3}}", 8),
                        "duplicate key in JSON object");
    assert_string_equal(parse_reason("{\"items\":[{\"q\":1},{\"q\":2,\"q\":2}]}", 8),
                        "duplicate key in JSON object");
    /* The same key in sibling objects is fine. */
    assert_null(parse_reason("{\"items\":[{\"q\":1},{\"q\":2}]}", 8));
}

static void test_depth_limit(void **state)
{
    (void)state;
    /* Depth 3: object > array > object. */
    assert_int_equal(json_text_depth("{\"a\":[{\"b\":1}]}", 15), 3);
    assert_null(parse_reason("{\"a\":[{\"b\":1}]}", 3));
    assert_string_equal(parse_reason("{\"a\":[{\"b\":1}]}", 2), "JSON nested too deeply");
    /* Exactly at and one over a limit of 5. */
    assert_null(parse_reason("{\"a\":[[[[1]]]]}", 5));
    assert_string_equal(parse_reason("{\"a\":[[[[[1]]]]]}", 5), "JSON nested too deeply");
}

static void test_depth_ignores_strings(void **state)
{
    const char *text = "{\"a\":\"[[[{{{\\\"[[[\",\"b\":[1]}";

    (void)state;
    assert_int_equal(json_text_depth(text, strlen(text)), 2);
    assert_null(parse_reason(text, 2));
    assert_int_equal(json_text_depth("[]{}[]", 6), 1);
    assert_int_equal(json_text_depth("", 0), 0);
    assert_int_equal(json_text_depth("\"\\\\\"[", 5), 1); /* "\\" ends, then [ */
}

/* A body 100 000 levels deep is refused by the scan, before jansson. */
static void test_depth_huge(void **state)
{
    size_t levels = 100000;
    char *body = malloc(levels * 2 + 1);

    (void)state;
    assert_non_null(body);
    memset(body, '[', levels);
    memset(body + levels, ']', levels);
    body[levels * 2] = '\0';
    assert_int_equal(json_text_depth(body, levels * 2), levels);
    assert_string_equal(parse_reason(body, 32), "JSON nested too deeply");
    free(body);
}

static void test_top_level_must_be_object(void **state)
{
    (void)state;
    assert_string_equal(parse_reason("[1,2]", 8), "body must be a JSON object");
    assert_string_equal(parse_reason("42", 8), "body must be a JSON object");
    assert_string_equal(parse_reason("\"s\"", 8), "body must be a JSON object");
    assert_string_equal(parse_reason("null", 8), "body must be a JSON object");
}

static void test_invalid_json(void **state)
{
    static const char *const bad[] = {
        "{\"a\":1} garbage", "{\"a\":1}{}", "{\"a\":1,}", "{a:1}", "{\"a\":01}",
        "{\"a\":\"\\u0000\"}", "{\"a\":\"x\"", "", "   ", "{\"a\":'x'}", "{\"a\":NaN}",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *why = parse_reason(bad[i], 8);

        if (why == NULL || strcmp(why, "body is not valid JSON") != 0)
            fail_msg("case \"%s\": got %s", bad[i], why != NULL ? why : "(accepted)");
    }
}

/* A raw NUL byte inside the buffer is not JSON even though it is UTF-8. */
static void test_embedded_nul(void **state)
{
    json_t *out = NULL;
    const char *why = NULL;

    (void)state;
    assert_int_equal(json_body_parse("{\"a\":1}\0{}", 10, 8, &out, &why), -1);
    assert_string_equal(why, "body is not valid JSON");
    assert_int_equal(json_body_parse("{\"a\":\"x\0y\"}", 11, 8, &out, &why), -1);
    assert_string_equal(why, "body is not valid JSON");
    assert_null(out);
}

static void test_content_type(void **state)
{
    (void)state;
    assert_int_equal(content_type_is_json("application/json"), 1);
    assert_int_equal(content_type_is_json("Application/JSON"), 1);
    assert_int_equal(content_type_is_json("application/json; charset=utf-8"), 1);
    assert_int_equal(content_type_is_json("application/json;charset=UTF-8"), 1);
    assert_int_equal(content_type_is_json("application/json "), 1);
    assert_int_equal(content_type_is_json("application/json ;charset=utf-8"), 1);
    assert_int_equal(content_type_is_json("application/jsonx"), 0);
    assert_int_equal(content_type_is_json("application/json-patch+json"), 0);
    assert_int_equal(content_type_is_json("text/json"), 0);
    assert_int_equal(content_type_is_json("text/plain"), 0);
    assert_int_equal(content_type_is_json("application/"), 0);
    assert_int_equal(content_type_is_json(""), 0);
    assert_int_equal(content_type_is_json(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_utf8_valid_direct),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_depth_ignores_strings),
        cmocka_unit_test(test_depth_huge),
        cmocka_unit_test(test_top_level_must_be_object),
        cmocka_unit_test(test_invalid_json),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_content_type),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
