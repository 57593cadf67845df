/*
 * test_validation.c — email, password, name and phone rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "domain/validation.h"

static void test_email(void **state)
{
    (void)state;
    const char *good[] = {"a@b.co", "first.last+tag@example.com", "X_Y@sub.example-shop.org"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_null(validate_email(good[i]));
    const char *bad[] = {"", "plain", "@example.com", "a@", "a@b", "a@@b.com", "a b@c.com", "a@b..com",
                         ".a@b.com", "a.@b.com", "a..b@c.com", "a@-b.com", "a@b-.com", "a@b_c.com",
                         "a\"b@c.com", "ä@b.com", "a@b.com."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_string_equal(validate_email(bad[i]), "invalid_email");
    char longmail[300];
    memset(longmail, 'a', 250);
    memcpy(longmail + 250, "@b.co", 6);
    assert_string_equal(validate_email(longmail), "invalid_email");
    char out[EMAIL_MAX + 1];
    email_normalize("Mixed.Case@Example.COM", out);
    assert_string_equal(out, "mixed.case@example.com");
}

static void test_password(void **state)
{
    (void)state;
    assert_string_equal(validate_password("short", 5), "too_short");
    assert_string_equal(validate_password("123456789", 9), "too_short");
    assert_null(validate_password("1234567890", 10));
    /* Ten characters, but twenty bytes: counted as characters. */
    const char *umlauts = "\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4\xc3\xa4";
    assert_null(validate_password(umlauts, strlen(umlauts)));
    assert_string_equal(validate_password(umlauts, 18), "too_short");
    char big[1100];
    memset(big, 'x', sizeof big);
    assert_null(validate_password(big, 1024));
    assert_string_equal(validate_password(big, 1025), "too_long");
}

static void test_full_name(void **state)
{
    (void)state;
    assert_null(validate_full_name("Ada Lovelace", 12));
    assert_string_equal(validate_full_name("", 0), "required");
    assert_string_equal(validate_full_name("   ", 3), "required");
    assert_string_equal(validate_full_name("a\nb", 3), "invalid_characters");
    char big[210];
    memset(big, 'n', sizeof big);
    assert_null(validate_full_name(big, 200));
    assert_string_equal(validate_full_name(big, 201), "too_long");
}

static void test_phone(void **state)
{
    (void)state;
    assert_null(validate_phone("+14155550123"));
    assert_null(validate_phone("+4930123456"));
    const char *bad[] = {"", "14155550123", "+", "+0123456789", "+1234567", "+1234567890123456", "+1 415 555",
                         "+1415555012a"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_string_equal(validate_phone(bad[i]), "invalid_phone");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_password),
        cmocka_unit_test(test_full_name),
        cmocka_unit_test(test_phone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
