/*
 * test_password.c — Argon2id password hashes: round trips with any bytes,
 * the length limit, unknown users costing a real verification (the dummy
 * hash made on first need, not at initialisation), rehash
 * detection when the cost changes, and malformed stored hashes.
 *
 * Runs with a small cost (1 pass, 8 MiB) so the suite stays fast.
 *
 * Links: src/auth/password.c; libsodium, cmocka.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "auth/password.h"

#define TEST_OPS 1ULL
#define TEST_MEM ((size_t)8 << 20)

static int setup_small_cost(void **state)
{
    (void)state;
    if (password_set_cost(TEST_OPS, TEST_MEM) != 0)
        return -1;
    return password_init();
}

/* Every test starts from the small cost, whatever the previous one set. */
static int reset_cost(void **state)
{
    (void)state;
    return password_set_cost(TEST_OPS, TEST_MEM);
}

static void test_round_trip(void **state)
{
    static const char password[] = "correct horse battery staple";
    char hash[PASSWORD_HASH_MAX];

    (void)state;
    assert_int_equal(password_hash(password, strlen(password), hash), 0);
    assert_true(strncmp(hash, "$argon2id$v=19$m=8192,t=1,p=1$", 30) == 0);
    assert_true(strlen(hash) < PASSWORD_HASH_MAX);
    assert_int_equal(password_verify(hash, password, strlen(password)), 0);
    assert_int_equal(password_verify(hash, "correct horse battery stapl", 27), -1);
    assert_int_equal(password_verify(hash, "Correct horse battery staple", 28), -1);
    assert_int_equal(password_verify(hash, "", 0), -1);
}

/* The same password twice gives two different hashes (fresh salt). */
static void test_salted(void **state)
{
    char first[PASSWORD_HASH_MAX], second[PASSWORD_HASH_MAX];

    (void)state;
    assert_int_equal(password_hash("password123", 11, first), 0);
    assert_int_equal(password_hash("password123", 11, second), 0);
    assert_string_not_equal(first, second);
    assert_int_equal(password_verify(first, "password123", 11), 0);
    assert_int_equal(password_verify(second, "password123", 11), 0);
}

/* Any bytes: UTF-8 (composed vs decomposed é are different passwords),
 * and an embedded NUL is part of the password, not its end. */
static void test_any_bytes(void **state)
{
    static const char composed[] = "p\xc3\xa4ssw\xc3\xb6rd-\xe2\x82\xac-\xf0\x9f\x94\x91";
    static const char decomposed[] = "pa\xcc\x88ssw\xc3\xb6rd-\xe2\x82\xac-\xf0\x9f\x94\x91";
    static const char with_nul[] = "before\0after";
    char hash[PASSWORD_HASH_MAX];

    (void)state;
    assert_int_equal(password_hash(composed, strlen(composed), hash), 0);
    assert_int_equal(password_verify(hash, composed, strlen(composed)), 0);
    assert_int_equal(password_verify(hash, decomposed, strlen(decomposed)), -1);

    assert_int_equal(password_hash(with_nul, sizeof(with_nul) - 1, hash), 0);
    assert_int_equal(password_verify(hash, with_nul, sizeof(with_nul) - 1), 0);
    assert_int_equal(password_verify(hash, "before", 6), -1);
}

/* 1024 bytes is the longest password; 1025 is refused by hash and verify. */
static void test_length_limit(void **state)
{
    char *long_password = malloc(PASSWORD_MAX_LEN + 1);
    char hash[PASSWORD_HASH_MAX];

    (void)state;
    assert_int_equal(PASSWORD_MAX_LEN, 1024);
    assert_non_null(long_password);
    memset(long_password, 'p', PASSWORD_MAX_LEN + 1);
    assert_int_equal(password_hash(long_password, PASSWORD_MAX_LEN, hash), 0);
    assert_int_equal(password_verify(hash, long_password, PASSWORD_MAX_LEN), 0);
    memset(hash, 0, sizeof(hash));
    assert_int_equal(password_hash(long_password, PASSWORD_MAX_LEN + 1, hash), -1);
    assert_int_equal(password_hash(long_password, (size_t)-1, hash), -1);
    /* A hash of the first 1024 bytes never matches a 1025-byte attempt. */
    assert_int_equal(password_hash(long_password, PASSWORD_MAX_LEN, hash), 0);
    assert_int_equal(password_verify(hash, long_password, PASSWORD_MAX_LEN + 1), -1);
    free(long_password);
}

static void test_null_and_empty(void **state)
{
    char hash[PASSWORD_HASH_MAX];

    (void)state;
    assert_int_equal(password_hash(NULL, 5, hash), -1);
    assert_int_equal(password_hash("", 0, hash), 0);
    assert_int_equal(password_verify(hash, "", 0), 0);
    assert_int_equal(password_verify(hash, NULL, 0), 0);
    assert_int_equal(password_verify(hash, NULL, 3), -1);
    assert_int_equal(password_verify(hash, "x", 1), -1);
}

/* An unknown user runs one full Argon2id verification, like a wrong
 * password, at the current cost (the dummy hash is rebuilt when the cost
 * changes).  Counted, not timed: timings belong in benchmarks. */
static void test_unknown_user_costs_the_same(void **state)
{
    char hash[PASSWORD_HASH_MAX];

    (void)state;
    assert_int_equal(password_set_cost(3, (size_t)16 << 20), 0);
    assert_int_equal(password_hash("the real one", 12, hash), 0);
    unsigned long before = password_verifications();
    assert_int_equal(password_verify(hash, "a wrong one", 11), -1);
    assert_int_equal(password_verifications(), before + 1);
    assert_int_equal(password_verify(NULL, "a wrong one", 11), -1);
    assert_int_equal(password_verifications(), before + 2);
    assert_int_equal(password_verify(NULL, "the real one", 12), -1);
    assert_int_equal(password_verify(NULL, "", 0), -1);
    assert_int_equal(password_verifications(), before + 4);
    /* Over-long passwords are refused before any hashing, for every user. */
    char big[PASSWORD_MAX_LEN + 1];
    memset(big, 'x', sizeof big);
    assert_int_equal(password_verify(NULL, big, sizeof big), -1);
    assert_int_equal(password_verify(hash, big, sizeof big), -1);
    assert_int_equal(password_verifications(), before + 4);
}

/* password_init() makes no hash (a plain CGI process calls it for every
 * request); the first unknown-user login makes the dummy hash, and that is
 * its one computation: it is counted once, as a wrong password is.  Runs
 * first, before anything in this process needed the dummy hash. */
static void test_dummy_hash_made_on_first_need(void **state)
{
    (void)state;
    assert_int_equal(password_init(), 0);
    assert_false(password_dummy_ready());
    unsigned long before = password_verifications();
    assert_int_equal(password_verify(NULL, "a wrong one", 11), -1);
    assert_true(password_dummy_ready());
    assert_int_equal(password_verifications(), before + 1);
    assert_int_equal(password_verify(NULL, "a wrong one", 11), -1);
    assert_int_equal(password_verifications(), before + 2);
    assert_int_equal(password_prepare_dummy(), 0);
    assert_true(password_dummy_ready());
    /* A new cost rebuilds an existing dummy hash at once. */
    assert_int_equal(password_set_cost(2, TEST_MEM), 0);
    assert_true(password_dummy_ready());
}

static void test_needs_rehash(void **state)
{
    char hash[PASSWORD_HASH_MAX];
    char argon2i_hash[PASSWORD_HASH_MAX];

    (void)state;
    assert_int_equal(password_hash("some password", 13, hash), 0);
    assert_int_equal(password_needs_rehash(hash), 0);

    /* Cost raised: the old hash should be replaced, and still verifies. */
    assert_int_equal(password_set_cost(2, TEST_MEM), 0);
    assert_int_equal(password_needs_rehash(hash), 1);
    assert_int_equal(password_verify(hash, "some password", 13), 0);
    assert_int_equal(password_set_cost(TEST_OPS, TEST_MEM * 2), 0);
    assert_int_equal(password_needs_rehash(hash), 1);
    assert_int_equal(password_set_cost(TEST_OPS, TEST_MEM), 0);
    assert_int_equal(password_needs_rehash(hash), 0);

    /* Another algorithm with exactly the current cost still needs a rehash,
     * and is not accepted by verify (every hash we store is Argon2id).
     * Argon2i needs at least 3 passes, so the current cost is set to match. */
    assert_int_equal(password_set_cost(3, TEST_MEM), 0);
    assert_int_equal(crypto_pwhash_str_alg(argon2i_hash, "some password", 13, 3, TEST_MEM,
                                           crypto_pwhash_ALG_ARGON2I13), 0);
    assert_int_equal(password_needs_rehash(argon2i_hash), 1);
    assert_int_equal(password_verify(argon2i_hash, "some password", 13), -1);

    assert_int_equal(password_needs_rehash("$argon2id$garbage"), -1);
    assert_int_equal(password_needs_rehash(NULL), -1);
}

/* Stored hashes that are damaged never match and never crash. */
static void test_malformed_hashes(void **state)
{
    char hash[PASSWORD_HASH_MAX];
    char unterminated[PASSWORD_HASH_MAX];

    (void)state;
    assert_int_equal(password_verify("", "pw", 2), -1);
    assert_int_equal(password_verify("plaintext", "plaintext", 9), -1);
    assert_int_equal(password_verify("$argon2id$v=19$m=8192,t=1,p=1$", "pw", 2), -1);
    assert_int_equal(password_hash("pw", 2, hash), 0);
    hash[strlen(hash) - 3] = hash[strlen(hash) - 3] == 'A' ? 'B' : 'A';
    assert_int_equal(password_verify(hash, "pw", 2), -1);
    memset(unterminated, 'a', sizeof(unterminated));
    memcpy(unterminated, "$argon2id$", 10);
    assert_int_equal(password_verify(unterminated, "pw", 2), -1);
    assert_int_equal(password_needs_rehash(unterminated), -1);
}

/* Costs outside libsodium's Argon2id limits are refused and change nothing. */
static void test_cost_limits(void **state)
{
    char hash[PASSWORD_HASH_MAX];

    (void)state;
    assert_int_equal(password_set_cost(0, TEST_MEM), -1);
    assert_int_equal(password_set_cost(TEST_OPS, 1024), -1);
    assert_int_equal(password_hash("still small", 11, hash), 0);
    assert_true(strncmp(hash, "$argon2id$v=19$m=8192,t=1,p=1$", 30) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_dummy_hash_made_on_first_need, reset_cost),
        cmocka_unit_test_setup(test_round_trip, reset_cost),
        cmocka_unit_test_setup(test_salted, reset_cost),
        cmocka_unit_test_setup(test_any_bytes, reset_cost),
        cmocka_unit_test_setup(test_length_limit, reset_cost),
        cmocka_unit_test_setup(test_null_and_empty, reset_cost),
        cmocka_unit_test_setup(test_unknown_user_costs_the_same, reset_cost),
        cmocka_unit_test_setup(test_needs_rehash, reset_cost),
        cmocka_unit_test_setup(test_malformed_hashes, reset_cost),
        cmocka_unit_test_setup(test_cost_limits, reset_cost),
    };

    return cmocka_run_group_tests(tests, setup_small_cost, NULL);
}
