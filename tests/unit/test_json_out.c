/*
 * test_json_out.c — the direct JSON writer against jansson: every string,
 * integer and value must come out as json_dumps(JSON_COMPACT) writes it,
 * and a string jansson refuses (not UTF-8) must mark the output failed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena_fixture.h"
#include "json_out.h"


/* s[0..n) written by both: equal text when jansson takes it, failed when
 * jansson refuses it. */
static void same_as_jansson(const char *s, size_t n)
{
    struct json_out o;
    json_out_init(&o, arena, NULL, 16);
    json_out_strn(&o, s, n);
    json_t *j = json_stringn(s, n);
    if (!j) {
        assert_int_equal(o.failed, 1);
        return;
    }
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    assert_non_null(text);
    assert_int_equal(o.failed, 0);
    assert_int_equal(o.len, strlen(text));
    assert_string_equal(o.buf, text);
    free(text);
}

static void test_strings_match_jansson(void **state)
{
    (void)state;
    static const char *cases[] = {
        "", "plain", "quote \" and backslash \\", "slash / stays", "tab\there\nnewline\rcr\bbs\ffeed",
        "\x01\x02\x1f\x7f", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\xe2\x80\xa8 line separator",
        "trailing \\", "\"", "Jane O'Brien <jane@example.com>",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        same_as_jansson(cases[i], strlen(cases[i]));
}

static void test_invalid_utf8_fails_like_jansson(void **state)
{
    (void)state;
    static const char *bad[] = {
        "\xc3",             /* cut short */
        "\xc0\xaf",         /* overlong '/' */
        "\xe0\x80\xaf",     /* overlong, 3 bytes */
        "\xed\xa0\x80",     /* a surrogate */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\x80",             /* a lone continuation byte */
        "\xff",
        "ok \xe2\x82",      /* cut short at the end */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(json_utf8_valid(bad[i], strlen(bad[i])), 0);
        same_as_jansson(bad[i], strlen(bad[i]));
    }
    /* An embedded NUL is U+0000 to both. */
    same_as_jansson("a\0b", 3);
}

/* Random byte strings, biased towards the interesting ranges. */
static void test_random_strings_match_jansson(void **state)
{
    (void)state;
    static const unsigned char pool[] = {'a', 0x00, '"', '\\', '/', 0x01, 0x1f, 0x7f, 0x80, 0xbf, 0xc2, 0xc3,
                                         0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xa0, 0x9f, 0x8f, ' '};
    srand(17);
    for (int k = 0; k < 20000; k++) {
        char s[8];
        size_t n = (size_t)(rand() % 7) + 1;
        for (size_t i = 0; i < n; i++)
            s[i] = (char)pool[(size_t)rand() % sizeof pool];
        same_as_jansson(s, n);
        if (k % 512 == 0)
            arena_reset(arena);
    }
}

/* Integers as "%" PRId64 prints them, around every power of ten. */
static void test_integers_like_printf(void **state)
{
    (void)state;
    int64_t p = 1;
    for (int k = 0; k < 19; k++, p = k < 19 ? p * 10 : p)
        for (int64_t d = -1; d <= 1; d++)
            for (int sign = -1; sign <= 1; sign += 2) {
                int64_t v = sign * (p + d);
                char want[24];
                snprintf(want, sizeof want, "%" PRId64, v);
                struct json_out o;
                json_out_init(&o, arena, NULL, 0);
                json_out_int(&o, v);
                assert_string_equal(o.buf, want);
            }
}

static void test_integers_and_values(void **state)
{
    (void)state;
    struct json_out o;
    json_out_init(&o, arena, NULL, 0);
    json_out_int(&o, 0);
    json_out_lit(&o, ",");
    json_out_int(&o, INT64_MIN);
    json_out_lit(&o, ",");
    json_out_int(&o, INT64_MAX);
    json_out_lit(&o, ",");
    json_out_str_or_null(&o, NULL);
    json_out_lit(&o, ",");
    json_t *v = json_loads("{\"b\": [1, 2.5, null, \"x\\u00e9\"], \"a\": {\"c\": true}}", 0, NULL);
    assert_non_null(v);
    json_out_value(&o, v);
    json_decref(v);
    assert_int_equal(o.failed, 0);
    assert_string_equal(o.buf, "0,-9223372036854775808,9223372036854775807,null,"
                               "{\"b\":[1,2.5,null,\"x\xc3\xa9\"],\"a\":{\"c\":true}}");
}

static void test_fixed_buffer_overflow_fails(void **state)
{
    (void)state;
    char buf[8];
    struct json_out o;
    json_out_init(&o, NULL, buf, sizeof buf);
    json_out_lit(&o, "1234567");
    assert_int_equal(o.failed, 0);
    assert_string_equal(buf, "1234567");
    json_out_lit(&o, "8");
    assert_int_equal(o.failed, 1);
    assert_int_equal(o.len, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_match_jansson),
        cmocka_unit_test(test_invalid_utf8_fails_like_jansson),
        cmocka_unit_test(test_random_strings_match_jansson),
        cmocka_unit_test(test_integers_like_printf),
        cmocka_unit_test(test_integers_and_values),
        cmocka_unit_test(test_fixed_buffer_overflow_fails),
    };
    return cmocka_run_group_tests(tests, arena_setup, arena_teardown);
}
