/*
 * test_phone_code.c — phone codes (src/auth/phone_code.c): six digits,
 * evenly spread, hashed with a key derived from the signing key, compared
 * in constant time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/phone_code.h"

static void test_codes_are_six_digits_and_spread(void **state)
{
    (void)state;
    unsigned first_digit[10] = {0};
    char seen[8][PHONE_CODE_DIGITS + 1];
    for (int i = 0; i < 2000; i++) {
        char code[PHONE_CODE_DIGITS + 1];
        assert_int_equal(phone_code_new(code), 0);
        assert_int_equal(strlen(code), PHONE_CODE_DIGITS);
        assert_true(phone_code_well_formed(code, strlen(code)));
        first_digit[code[0] - '0']++;
        if (i < 8)
            memcpy(seen[i], code, sizeof code);
    }
    /* Leading zeros are kept and every first digit turns up (2000 draws:
     * each digit expects 200; fewer than 100 is a broken generator). */
    for (int d = 0; d < 10; d++)
        if (first_digit[d] < 100)
            fail_msg("first digit %d came %u times in 2000", d, first_digit[d]);
    int same = 0;
    for (int i = 1; i < 8; i++)
        same += strcmp(seen[0], seen[i]) == 0;
    assert_true(same < 2);
}

static void test_well_formed(void **state)
{
    (void)state;
    assert_true(phone_code_well_formed("000000", 6));
    assert_true(phone_code_well_formed("123456", 6));
    const char *bad[] = {"12345", "1234567", "12345a", " 12345", "12 456", "-12345", "１２３４５６"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (phone_code_well_formed(bad[i], strlen(bad[i])))
            fail_msg("accepted \"%s\"", bad[i]);
    assert_false(phone_code_well_formed("123\0" "56", 6));
    assert_false(phone_code_well_formed(NULL, 0));
}

static void test_hash_depends_on_key_phone_and_code(void **state)
{
    (void)state;
    unsigned char k1[PHONE_CODE_KEY_BYTES], k2[PHONE_CODE_KEY_BYTES];
    const char *secret = "test-secret-of-at-least-thirty-two-bytes!!";
    assert_int_equal(phone_code_key((const unsigned char *)secret, strlen(secret), k1), 0);
    assert_int_equal(phone_code_key((const unsigned char *)"another-secret-of-thirty-two-bytes!!", 36, k2), 0);
    assert_int_equal(phone_code_key(NULL, 0, k2), -1);
    char a[PHONE_CODE_HASH_LEN + 1], b[PHONE_CODE_HASH_LEN + 1], c[PHONE_CODE_HASH_LEN + 1],
        d[PHONE_CODE_HASH_LEN + 1], e[PHONE_CODE_HASH_LEN + 1];
    assert_int_equal(phone_code_hash(k1, "+15551234567", "123456", a), 0);
    assert_int_equal(phone_code_hash(k1, "+15551234567", "123456", b), 0);
    assert_int_equal(phone_code_hash(k2, "+15551234567", "123456", c), 0);
    assert_int_equal(phone_code_hash(k1, "+15551234568", "123456", d), 0);
    assert_int_equal(phone_code_hash(k1, "+15551234567", "123457", e), 0);
    assert_int_equal(strlen(a), PHONE_CODE_HASH_LEN);
    assert_null(strstr(a, "123456"));
    assert_true(phone_code_hash_equal(a, strlen(a), b, strlen(b)));
    assert_false(phone_code_hash_equal(a, strlen(a), c, strlen(c)));
    assert_false(phone_code_hash_equal(a, strlen(a), d, strlen(d)));
    assert_false(phone_code_hash_equal(a, strlen(a), e, strlen(e)));
    assert_false(phone_code_hash_equal(a, strlen(a) - 1, b, strlen(b) - 1));
    assert_false(phone_code_hash_equal(NULL, 0, b, strlen(b)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_are_six_digits_and_spread),
        cmocka_unit_test(test_well_formed),
        cmocka_unit_test(test_hash_depends_on_key_phone_and_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
