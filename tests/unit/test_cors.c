/*
 * test_cors.c — ORDERAPI_CORS_ORIGINS (src/http/cors.c): which lists are
 * accepted, and that an origin matches only exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/cors.h"

static void test_good_lists(void **state)
{
    (void)state;
    const char *good[] = {
        "",
        "https://shop.example",
        "http://localhost:5173",
        "https://shop.example,http://localhost:5173",
        "https://shop.example , http://127.0.0.1:8080 ,https://[::1]:8443",
        "https://a-b.example.co.uk:65535",
    };
    char err[256];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (cors_origins_check(good[i], err, sizeof err) != 0)
            fail_msg("refused \"%s\": %s", good[i], err);
}

static void test_bad_lists(void **state)
{
    (void)state;
    const char *bad[] = {
        "*", "null", "shop.example", "ftp://shop.example", "https://", "https://shop.example/",
        "https://shop.example/app", "https://Shop.example", "HTTPS://shop.example", "https://shop.example:0",
        "https://shop.example:65536", "https://shop.example:080", "https://shop.example:", "https://.example",
        "https://shop.example.", "https://shop example", "https://[::1", "https://[]", "https://[zz]",
        "https://shop.example,", ",https://shop.example", "https://a.example,,https://b.example",
        "https://user@shop.example", "https://shop.example?x", "https://shop.example#x",
    };
    char err[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        if (cors_origins_check(bad[i], err, sizeof err) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_non_null(strstr(err, "ORDERAPI_CORS_ORIGINS"));
    }
}

static void test_exact_match(void **state)
{
    (void)state;
    const char *list = "https://shop.example, http://localhost:5173";
    assert_int_equal(cors_origin_listed(list, "https://shop.example"), 1);
    assert_int_equal(cors_origin_listed(list, "http://localhost:5173"), 1);
    const char *no[] = {"", "https://shop.exampl", "https://shop.example.evil.test", "https://shop.example ",
                        " https://shop.example", "http://shop.example", "https://shop.example/",
                        "http://localhost", "http://localhost:51730", "https://shop.example, http://localhost:5173",
                        "null"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (cors_origin_listed(list, no[i]))
            fail_msg("\"%s\" matched", no[i]);
    assert_int_equal(cors_origin_listed(list, NULL), 0);
    assert_int_equal(cors_origin_listed("", "https://shop.example"), 0);
    assert_int_equal(cors_origin_listed(NULL, "https://shop.example"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_lists),
        cmocka_unit_test(test_bad_lists),
        cmocka_unit_test(test_exact_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
