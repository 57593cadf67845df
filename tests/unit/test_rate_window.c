/*
 * test_rate_window.c — the Retry-After of a refused attempt.  (The counting
 * itself is a Redis script; tests/e2e/test_auth_limits.py drives it.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "auth/rate_window.h"

static void test_retry_after_is_the_rest_of_the_window(void **state)
{
    (void)state;
    assert_int_equal(rate_window_retry_after(42, 900), 42);
    assert_int_equal(rate_window_retry_after(1, 900), 1);
    /* No TTL reported (-1: none, -2: gone, 0): wait a whole window. */
    assert_int_equal(rate_window_retry_after(-1, 900), 900);
    assert_int_equal(rate_window_retry_after(-2, 3600), 3600);
    assert_int_equal(rate_window_retry_after(0, 60), 60);
    assert_int_equal(rate_window_retry_after(-1, 0), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_after_is_the_rest_of_the_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
