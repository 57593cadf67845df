/*
 * test_refresh_token.c — refresh tokens (src/auth/refresh_token.c): their
 * shape, that each is new, and the stored hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/refresh_token.h"

static int is_base64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static void test_new_tokens_are_well_formed_and_distinct(void **state)
{
    (void)state;
    char a[REFRESH_TOKEN_LEN + 1], b[REFRESH_TOKEN_LEN + 1];
    assert_int_equal(refresh_token_new(a), 0);
    assert_int_equal(refresh_token_new(b), 0);
    assert_int_equal(strlen(a), REFRESH_TOKEN_LEN);
    for (size_t i = 0; i < REFRESH_TOKEN_LEN; i++)
        assert_true(is_base64url(a[i]));
    assert_true(refresh_token_well_formed(a, strlen(a)));
    assert_string_not_equal(a, b);
    char f[REFRESH_FAMILY_LEN + 1], g[REFRESH_FAMILY_LEN + 1];
    assert_int_equal(refresh_family_new(f), 0);
    assert_int_equal(refresh_family_new(g), 0);
    assert_int_equal(strlen(f), REFRESH_FAMILY_LEN);
    assert_string_not_equal(f, g);
}

static void test_malformed_tokens(void **state)
{
    (void)state;
    char good[REFRESH_TOKEN_LEN + 1];
    assert_int_equal(refresh_token_new(good), 0);
    char bad[REFRESH_TOKEN_LEN + 2];
    memcpy(bad, good, sizeof good);
    assert_false(refresh_token_well_formed(good, REFRESH_TOKEN_LEN - 1)); /* short */
    bad[REFRESH_TOKEN_LEN] = 'A';
    bad[REFRESH_TOKEN_LEN + 1] = '\0';
    assert_false(refresh_token_well_formed(bad, REFRESH_TOKEN_LEN + 1)); /* long */
    const char *replacements = "+/=. \n";
    for (const char *r = replacements; *r; r++) {
        memcpy(bad, good, sizeof good);
        bad[5] = *r;
        assert_false(refresh_token_well_formed(bad, REFRESH_TOKEN_LEN));
    }
    /* 32 bytes leave two unused bits in the last character: set, they make
     * a second spelling of the same bytes, which is refused. */
    memcpy(bad, good, sizeof good);
    bad[REFRESH_TOKEN_LEN - 1] = 'B'; /* 000001: a stray low bit */
    assert_false(refresh_token_well_formed(bad, REFRESH_TOKEN_LEN));
    /* libsodium alone reads a byte over 0x7f as '_' (a second spelling). */
    const char *underscores = "___________________________________________";
    assert_true(refresh_token_well_formed(underscores, REFRESH_TOKEN_LEN) == 0); /* stray bits at the end */
    char high[REFRESH_TOKEN_LEN + 1];
    memcpy(high, "__________________________________________A", sizeof high);
    assert_true(refresh_token_well_formed(high, REFRESH_TOKEN_LEN));
    high[3] = (char)0xff;
    assert_false(refresh_token_well_formed(high, REFRESH_TOKEN_LEN));
    memcpy(bad, good, sizeof good);
    bad[10] = '\0'; /* a NUL inside the claimed length */
    assert_false(refresh_token_well_formed(bad, REFRESH_TOKEN_LEN));
    assert_false(refresh_token_well_formed(NULL, 0));
    char hash[REFRESH_HASH_LEN + 1];
    assert_int_equal(refresh_token_hash(bad, REFRESH_TOKEN_LEN, hash), -1);
}

/* The stored form is BLAKE2b-256 of the token text, in lower-case hex (the
 * e2e tests compute it with Python's hashlib.blake2b(digest_size=32)). */
static void test_hash_is_blake2b_256_hex(void **state)
{
    (void)state;
    const char *token = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    char hash[REFRESH_HASH_LEN + 1];
    assert_int_equal(refresh_token_hash(token, strlen(token), hash), 0);
    assert_string_equal(hash, "6342b384e5d6294c5df1110132b93b97b395a2ff4cca498af637b3e06b3095dd");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_tokens_are_well_formed_and_distinct),
        cmocka_unit_test(test_malformed_tokens),
        cmocka_unit_test(test_hash_is_blake2b_256_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
