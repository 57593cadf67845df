/*
 * test_catalog.c — SKU, name, description and stock-delta rules, and LIKE
 * escaping (a search for "50%" must not match everything).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "domain/catalog.h"

static void test_sku(void **state)
{
    (void)state;
    assert_null(validate_sku("WIDGET-1"));
    assert_null(validate_sku("a.b_c-9"));
    const char *bad[] = {"", "-lead", ".lead", "has space", "semi;colon", "percent%", "ü"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_string_equal(validate_sku(bad[i]), "invalid_sku");
    char sku[70];
    memset(sku, 'A', 64);
    sku[64] = '\0';
    assert_null(validate_sku(sku));
    sku[64] = 'A';
    sku[65] = '\0';
    assert_string_equal(validate_sku(sku), "invalid_sku");
}

static void test_names_and_descriptions(void **state)
{
    (void)state;
    assert_null(validate_product_name("Premium Widget", 14));
    assert_string_equal(validate_product_name("", 0), "required");
    assert_null(validate_description("two\nlines\tand tab", 17));
    assert_string_equal(validate_description("bell\a", 5), "invalid_characters");
    static char big[PRODUCT_DESCRIPTION_MAX_BYTES + 1];
    memset(big, 'd', sizeof big);
    assert_null(validate_description(big, PRODUCT_DESCRIPTION_MAX_BYTES));
    assert_string_equal(validate_description(big, sizeof big), "too_long");
}

static void test_stock_delta(void **state)
{
    (void)state;
    assert_null(validate_stock_delta(1));
    assert_null(validate_stock_delta(-1000000));
    assert_string_equal(validate_stock_delta(0), "must_not_be_zero");
    assert_string_equal(validate_stock_delta(1000001), "out_of_range");
    assert_string_equal(validate_stock_delta(INT64_MIN), "out_of_range");
}

static void test_like_pattern(void **state)
{
    (void)state;
    char out[64];
    assert_string_equal(like_contains_pattern("abc", 3, out), "%abc%");
    assert_string_equal(like_contains_pattern("50%_\\", 5, out), "%50\\%\\_\\\\%");
    assert_string_equal(like_contains_pattern("", 0, out), "%%");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sku),
        cmocka_unit_test(test_names_and_descriptions),
        cmocka_unit_test(test_stock_delta),
        cmocka_unit_test(test_like_pattern),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
