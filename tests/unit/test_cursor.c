/*
 * test_cursor.c — list cursors (src/domain/cursor.c): round trip, and that
 * any change, another key or another shape is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "domain/cursor.h"

static const unsigned char KEY[CURSOR_KEY_BYTES] = "unit test key, exactly 32 bytes";
static const unsigned char OTHER[CURSOR_KEY_BYTES] = "another key, also 32 bytes long";

static void test_round_trip(void **state)
{
    (void)state;
    struct list_cursor c = {.sort = 2, .key = -1234567890123LL, .id = INT64_MAX, .tag = cursor_tag("orders:all|x")};
    char text[CURSOR_TEXT_LEN + 1];
    cursor_encode(KEY, &c, text);
    assert_int_equal(strlen(text), CURSOR_TEXT_LEN);
    for (size_t i = 0; i < CURSOR_TEXT_LEN; i++)
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", text[i]));
    struct list_cursor got;
    assert_int_equal(cursor_decode(KEY, text, strlen(text), &got), 0);
    assert_int_equal(got.sort, 2);
    assert_int_equal(got.key, c.key);
    assert_int_equal(got.id, c.id);
    assert_true(got.tag == c.tag);
}

static void test_tampering_is_refused(void **state)
{
    (void)state;
    struct list_cursor c = {.sort = 0, .key = 1764547200000000LL, .id = 42, .tag = cursor_tag("orders:u:7|mine=0|")};
    char text[CURSOR_TEXT_LEN + 1], bad[CURSOR_TEXT_LEN + 2];
    struct list_cursor got;
    cursor_encode(KEY, &c, text);
    assert_int_equal(cursor_decode(OTHER, text, strlen(text), &got), -1);
    for (size_t i = 0; i < CURSOR_TEXT_LEN; i++) {
        memcpy(bad, text, sizeof text);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        if (cursor_decode(KEY, bad, CURSOR_TEXT_LEN, &got) == 0)
            fail_msg("a change at %zu was accepted", i);
    }
    /* libsodium alone reads a byte over 0x7f as '_': a second spelling.
     * All-ones fields make a text with many '_' to stand in for. */
    struct list_cursor ones = {.sort = 3, .key = -1, .id = INT64_MAX, .tag = UINT64_MAX};
    char ones_text[CURSOR_TEXT_LEN + 1];
    cursor_encode(KEY, &ones, ones_text);
    assert_non_null(strchr(ones_text, '_'));
    for (size_t i = 0; i < CURSOR_TEXT_LEN; i++) {
        memcpy(bad, ones_text, sizeof ones_text);
        bad[i] = (char)0xff;
        if (cursor_decode(KEY, bad, CURSOR_TEXT_LEN, &got) == 0)
            fail_msg("a byte 0xff at %zu was accepted", i);
    }
    assert_int_equal(cursor_decode(KEY, text, CURSOR_TEXT_LEN - 1, &got), -1);
    memcpy(bad, text, sizeof text);
    bad[CURSOR_TEXT_LEN] = 'A';
    bad[CURSOR_TEXT_LEN + 1] = '\0';
    assert_int_equal(cursor_decode(KEY, bad, CURSOR_TEXT_LEN + 1, &got), -1);
    assert_int_equal(cursor_decode(KEY, "", 0, &got), -1);
    assert_int_equal(cursor_decode(KEY, NULL, 0, &got), -1);
    /* Tags tell lists apart. */
    assert_true(cursor_tag("orders:u:7|mine=0|") != cursor_tag("orders:u:8|mine=0|"));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_tampering_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
