/*
 * test_token_cache.c — verified tokens are found again only byte for byte,
 * and never past their expiry; clearing forgets them all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/jwt.h"
#include "auth/principal.h"
#include "auth/token_cache.h"

static struct principal customer(int64_t exp)
{
    struct principal p = {.kind = PRINCIPAL_CUSTOMER, .user_id = 7, .issued_at = 1000, .expires_at = exp};
    strcpy(p.jti, "abc");
    return p;
}

static void test_found_again_until_expiry(void **state)
{
    (void)state;
    struct principal p = customer(2000), out;
    assert_int_equal(token_cache_lookup("aaa.bbb.ccc", 1500, 30, &out), -1);
    token_cache_store("aaa.bbb.ccc", &p);
    memset(&out, 0, sizeof out);
    assert_int_equal(token_cache_lookup("aaa.bbb.ccc", 1500, 30, &out), JWT_OK);
    assert_int_equal(out.user_id, 7);
    assert_string_equal(out.jti, "abc");
    assert_int_equal(token_cache_lookup("aaa.bbb.ccc", 2030, 30, &out), JWT_OK);
    assert_int_equal(token_cache_lookup("aaa.bbb.ccc", 2031, 30, &out), -1);
    token_cache_clear();
}

static void test_only_identical_tokens_match(void **state)
{
    (void)state;
    struct principal p = customer(5000), out;
    token_cache_store("aaa.bbb.ccc", &p);
    assert_int_equal(token_cache_lookup("aaa.bbb.ccd", 1500, 30, &out), -1);
    assert_int_equal(token_cache_lookup("aaa.bbb.cc", 1500, 30, &out), -1);
    assert_int_equal(token_cache_lookup("aaa.bbb.ccc ", 1500, 30, &out), -1);
    /* Many tokens share slots: each still finds only itself. */
    char token[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(token, sizeof token, "t%d.x.y", i);
        struct principal q = customer(5000);
        q.user_id = i + 1;
        token_cache_store(token, &q);
    }
    int found = 0;
    for (int i = 0; i < 1000; i++) {
        snprintf(token, sizeof token, "t%d.x.y", i);
        if (token_cache_lookup(token, 1500, 30, &out) == JWT_OK) {
            assert_int_equal(out.user_id, i + 1);
            found++;
        }
    }
    assert_true(found > 0 && found <= TOKEN_CACHE_SLOTS);
    token_cache_clear();
    assert_int_equal(token_cache_lookup("t999.x.y", 1500, 30, &out), -1);
}

/* Clearing forgets (and frees: valgrind runs this) every stored token,
 * whichever slots they went to, and the table works again afterwards. */
static void test_clear_forgets_every_slot(void **state)
{
    (void)state;
    struct principal p = customer(5000), out;
    char token[32];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 3 * TOKEN_CACHE_SLOTS; i++) {
            snprintf(token, sizeof token, "c%d.%d.z", round, i);
            token_cache_store(token, &p);
        }
        token_cache_clear();
        for (int i = 0; i < 3 * TOKEN_CACHE_SLOTS; i++) {
            snprintf(token, sizeof token, "c%d.%d.z", round, i);
            assert_int_equal(token_cache_lookup(token, 1500, 30, &out), -1);
        }
    }
    token_cache_store("after.clear.x", &p);
    assert_int_equal(token_cache_lookup("after.clear.x", 1500, 30, &out), JWT_OK);
    token_cache_clear();
    token_cache_clear();
    assert_int_equal(token_cache_lookup("after.clear.x", 1500, 30, &out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_found_again_until_expiry),
        cmocka_unit_test(test_only_identical_tokens_match),
        cmocka_unit_test(test_clear_forgets_every_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
