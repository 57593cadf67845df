/*
 * test_revocation.c — the pure rule of revocation.c: the cached user state
 * never goes back to an earlier logout-everywhere cut-off.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "auth/revocation.h"

static void test_an_empty_cache_takes_any_state(void **state)
{
    (void)state;
    assert_int_equal(revocation_state_keeps(NULL, 0), 0);
    assert_int_equal(revocation_state_keeps(NULL, 1764633600), 0);
}

static void test_a_later_cut_off_is_kept(void **state)
{
    (void)state;
    /* A logout-all at 1764633700 cached; a request that read 1764633600
     * from MySQL before it must not write that back. */
    assert_int_equal(revocation_state_keeps("customer:1764633700", 1764633600), 1);
    assert_int_equal(revocation_state_keeps("admin:1", 0), 1);
}

static void test_the_same_or_an_earlier_cut_off_is_replaced(void **state)
{
    (void)state;
    assert_int_equal(revocation_state_keeps("customer:1764633600", 1764633600), 0);
    assert_int_equal(revocation_state_keeps("customer:1764633600", 1764633700), 0);
    assert_int_equal(revocation_state_keeps("customer:0", 0), 0);
}

static void test_an_unreadable_cached_value_is_replaced(void **state)
{
    (void)state;
    const char *junk[] = {"", "customer", "customer:", ":", "customer:-5", "customer:12x",
                          "a-role-name-too-long-for-us:99", "customer:99999999999999999999"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        assert_int_equal(revocation_state_keeps(junk[i], 5), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_empty_cache_takes_any_state),
        cmocka_unit_test(test_a_later_cut_off_is_kept),
        cmocka_unit_test(test_the_same_or_an_earlier_cut_off_is_replaced),
        cmocka_unit_test(test_an_unreadable_cached_value_is_replaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
