/*
 * test_etag.c — etag_list_matches: the If-Match and If-None-Match lists of
 * RFC 9110 (§8.8.3, §13.1.1, §13.1.2), strong and weak comparison.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "http/etag.h"

#define TAG "\"12-3\""

static int strong(const char *field)
{
    return etag_list_matches(field, TAG, ETAG_STRONG);
}

static int weak(const char *field)
{
    return etag_list_matches(field, TAG, ETAG_WEAK);
}

static void test_lists(void **state)
{
    (void)state;
    assert_int_equal(strong(TAG), 1);
    assert_int_equal(strong("\"1-1\", " TAG), 1);
    assert_int_equal(strong(" ,\t" TAG " ,"), 1);
    assert_int_equal(strong("\"a,b\", " TAG), 1); /* a comma inside a tag is part of it */
    assert_int_equal(strong("\"12-4\""), 0);
    assert_int_equal(strong("\"12-30\""), 0);
    assert_int_equal(strong("\"1-1\", \"2-2\""), 0);
    assert_int_equal(strong(""), 0);
    assert_int_equal(strong(" , ,"), 0);
    assert_int_equal(strong(NULL), 0);
    assert_int_equal(etag_list_matches(TAG, NULL, ETAG_STRONG), 0);
}

static void test_star_only_as_the_whole_field(void **state)
{
    (void)state;
    assert_int_equal(strong("*"), 1);
    assert_int_equal(weak(" *\t"), 1);
    assert_int_equal(strong("*, \"1-1\""), 0);
    assert_int_equal(weak("\"1-1\", *"), 0);
    assert_int_equal(strong("**"), 0);
    assert_int_equal(strong("\"*\""), 0);
}

static void test_weak_tags(void **state)
{
    (void)state;
    /* If-Match compares strongly: a weak tag never matches. */
    assert_int_equal(strong("W/" TAG), 0);
    assert_int_equal(strong("W/\"1-1\", W/" TAG), 0);
    /* If-None-Match compares weakly: W/ does not matter. */
    assert_int_equal(weak("W/" TAG), 1);
    assert_int_equal(weak(TAG), 1);
    assert_int_equal(weak("W/\"1-1\", W/" TAG), 1);
    assert_int_equal(weak("w/" TAG), 0); /* "W/" is case-sensitive */
    assert_int_equal(weak("W/\"12-4\""), 0);
}

static void test_malformed_elements_match_nothing(void **state)
{
    (void)state;
    assert_int_equal(strong("12-3"), 0);             /* no quotes */
    assert_int_equal(weak("x" TAG "y"), 0);          /* the tag inside other text */
    assert_int_equal(weak(TAG "y"), 0);
    assert_int_equal(strong(TAG " " TAG), 0);        /* two tags without a comma */
    assert_int_equal(strong("\"12-3"), 0);           /* unterminated */
    assert_int_equal(strong("\"12 3\""), 0);         /* a space is not etagc */
    assert_int_equal(strong("W/ " TAG), 0);
    /* The rest of the list still counts after a malformed element. */
    assert_int_equal(strong("junk, " TAG), 1);
    assert_int_equal(weak("\"a b, W/" TAG), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_star_only_as_the_whole_field),
        cmocka_unit_test(test_weak_tags),
        cmocka_unit_test(test_malformed_elements_match_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
