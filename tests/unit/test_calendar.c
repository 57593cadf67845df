/*
 * test_calendar.c — leap years, month lengths and days since the epoch,
 * against the C library's timegm.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <time.h>

#include "domain/calendar.h"

static void test_leap_years(void **state)
{
    (void)state;
    assert_true(calendar_is_leap_year(2024));
    assert_true(calendar_is_leap_year(2000));
    assert_true(calendar_is_leap_year(2400));
    assert_false(calendar_is_leap_year(1900));
    assert_false(calendar_is_leap_year(2100));
    assert_false(calendar_is_leap_year(2026));
}

static void test_month_lengths(void **state)
{
    static const int DAYS_2026[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    (void)state;
    for (int m = 1; m <= 12; m++)
        assert_int_equal(calendar_days_in_month(2026, m), DAYS_2026[m - 1]);
    assert_int_equal(calendar_days_in_month(2024, 2), 29);
    assert_int_equal(calendar_days_in_month(2000, 2), 29);
    assert_int_equal(calendar_days_in_month(1900, 2), 28);
    assert_int_equal(calendar_days_in_month(2026, 0), 0);
    assert_int_equal(calendar_days_in_month(2026, 13), 0);
    assert_int_equal(calendar_days_in_month(2026, -1), 0);
}

/* Every first, 28th and last day of each month from 1970 to 2400 agrees
 * with timegm. */
static void test_days_since_epoch_agree_with_timegm(void **state)
{
    (void)state;
    assert_int_equal(calendar_days_since_epoch(1970, 1, 1), 0);
    for (int y = 1970; y <= 2400; y++) {
        for (int m = 1; m <= 12; m++) {
            int days[3] = {1, 28, calendar_days_in_month(y, m)};
            for (int k = 0; k < 3; k++) {
                struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = days[k]};
                time_t t = timegm(&tm);
                assert_int_equal(calendar_days_since_epoch(y, m, days[k]), (int64_t)t / 86400);
                assert_int_equal(tm.tm_mon, m - 1); /* timegm did not roll over: the day exists */
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_month_lengths),
        cmocka_unit_test(test_days_since_epoch_agree_with_timegm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
