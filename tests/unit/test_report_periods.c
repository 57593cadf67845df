/*
 * test_report_periods.c — report periods (src/domain/report_periods.c) and
 * the sales series folded into them (src/domain/sales_series.c), with the
 * calendar's inverse (src/domain/calendar.c): ISO weeks across year ends,
 * months of every length, empty periods, partial first and last periods.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/calendar.h"
#include "domain/report_periods.h"
#include "domain/sales_series.h"

static int64_t day_of(const char *text)
{
    int64_t d = -1;
    assert_int_equal(report_day_parse(text, &d), 0);
    return d;
}

static void assert_day(int64_t day, const char *want)
{
    char got[11];
    report_day_format(day, got);
    assert_string_equal(got, want);
}

static void test_days_round_trip(void **state)
{
    (void)state;
    assert_int_equal(day_of("1970-01-01"), 0);
    assert_int_equal(day_of("2000-03-01"), 11017);
    for (int64_t d = 0; d < 120000; d += 7) { /* to 2298 */
        char text[11];
        report_day_format(d, text);
        assert_int_equal(day_of(text), d);
    }
    assert_day(day_of("2024-02-29"), "2024-02-29");
    int64_t bad;
    const char *refused[] = {"2023-02-29", "1900-02-28", "1969-12-31", "2026-13-01", "2026-00-10", "2026-1-01",
                             "2026-01-1", "2026/01/01", "2026-01-01T00:00:00Z", "", "20260101", "2026-01-32",
                             "+026-01-01"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (report_day_parse(refused[i], &bad) == 0)
            fail_msg("accepted \"%s\"", refused[i]);
}

static void test_iso_weeks(void **state)
{
    (void)state;
    assert_int_equal(calendar_iso_weekday(day_of("1970-01-01")), 4); /* Thursday */
    assert_int_equal(calendar_iso_weekday(day_of("2026-12-01")), 2); /* Tuesday */
    assert_int_equal(calendar_iso_weekday(day_of("2027-01-03")), 7); /* Sunday */
    /* Weeks across a year end start on the Monday of the old year. */
    assert_day(report_period_start(day_of("2027-01-01"), REPORT_WEEK), "2026-12-28");
    assert_day(report_period_start(day_of("2026-12-28"), REPORT_WEEK), "2026-12-28");
    assert_day(report_period_start(day_of("2027-01-04"), REPORT_WEEK), "2027-01-04");
    assert_day(report_period_start(day_of("2021-01-03"), REPORT_WEEK), "2020-12-28");
    assert_day(report_period_next(day_of("2026-12-28"), REPORT_WEEK), "2027-01-04");
}

static void test_months(void **state)
{
    (void)state;
    assert_day(report_period_start(day_of("2024-02-29"), REPORT_MONTH), "2024-02-01");
    assert_day(report_period_next(day_of("2024-02-01"), REPORT_MONTH), "2024-03-01");
    assert_day(report_period_next(day_of("2023-02-01"), REPORT_MONTH), "2023-03-01");
    assert_day(report_period_next(day_of("2026-12-01"), REPORT_MONTH), "2027-01-01");
    assert_day(report_period_next(day_of("2026-04-01"), REPORT_MONTH), "2026-05-01");
    assert_int_equal(report_period_count(day_of("2026-01-31"), day_of("2026-03-01"), REPORT_MONTH), 3);
    assert_int_equal(report_period_count(day_of("2026-01-01"), day_of("2026-12-31"), REPORT_MONTH), 12);
    assert_int_equal(report_period_count(day_of("2026-01-01"), day_of("2026-12-31"), REPORT_DAY), 365);
    /* 2026-12-31 is a Thursday: 2025-12-29 .. 2026-12-28 is 53 Mondays. */
    assert_int_equal(report_period_count(day_of("2026-01-01"), day_of("2026-12-31"), REPORT_WEEK), 53);
    assert_false(report_range_too_long(day_of("2000-01-01"), day_of("2002-12-31")));
    assert_true(report_range_too_long(day_of("2000-01-01"), day_of("2003-01-01")));
    assert_false(report_range_too_long(day_of("2024-02-29"), day_of("2027-02-28")));
    assert_true(report_range_too_long(day_of("2024-02-29"), day_of("2027-03-01")));
    enum report_group g;
    assert_int_equal(report_group_parse("week", &g), 0);
    assert_int_equal(g, REPORT_WEEK);
    assert_int_equal(report_group_parse("Week", &g), -1);
    assert_int_equal(report_group_parse("year", &g), -1);
    assert_int_equal(report_group_parse(NULL, &g), -1);
}

static void test_series_every_period_present(void **state)
{
    (void)state;
    int64_t from = day_of("2026-12-30"), to = day_of("2027-01-12");
    struct sales_day days[] = {
        {day_of("2026-12-29"), 100, 100000, 100}, /* before the range: ignored */
        {day_of("2026-12-31"), 2, 3000, 5},
        {day_of("2027-01-03"), 1, 1001, 1},
        {day_of("2027-01-12"), 3, 999, 4},
        {day_of("2027-01-13"), 100, 100000, 100}, /* after it: ignored */
    };
    struct sales_period weeks[3];
    assert_int_equal(report_period_count(from, to, REPORT_WEEK), 3);
    assert_int_equal(sales_series_fold(from, to, REPORT_WEEK, days, 5, weeks, 3), 0);
    assert_day(weeks[0].start, "2026-12-28");
    assert_int_equal(weeks[0].orders, 3);
    assert_int_equal(weeks[0].revenue, 4001);
    assert_int_equal(weeks[0].items, 6);
    assert_day(weeks[1].start, "2027-01-04");
    assert_int_equal(weeks[1].orders, 0); /* empty, but present */
    assert_int_equal(weeks[1].revenue, 0);
    assert_day(weeks[2].start, "2027-01-11");
    assert_int_equal(weeks[2].orders, 3);
    struct sales_period daily[14];
    assert_int_equal(sales_series_fold(from, to, REPORT_DAY, days, 5, daily, 14), 0);
    assert_day(daily[0].start, "2026-12-30");
    assert_int_equal(daily[1].revenue, 3000);
    assert_int_equal(daily[13].items, 4);
    struct sales_period months[2];
    assert_int_equal(sales_series_fold(from, to, REPORT_MONTH, days, 5, months, 2), 0);
    assert_day(months[0].start, "2026-12-01");
    assert_int_equal(months[0].revenue, 3000);
    assert_int_equal(months[1].revenue, 2000);
    /* A wrong count is refused rather than overrun. */
    assert_int_equal(sales_series_fold(from, to, REPORT_MONTH, days, 5, months, 1), -1);
    assert_int_equal(sales_series_fold(to, from, REPORT_DAY, days, 5, daily, 14), -1);
}

static void test_series_overflow_and_average(void **state)
{
    (void)state;
    struct sales_day days[] = {{10, 1, INT64_MAX, 0}, {10, 1, 1, 0}};
    struct sales_period p[1];
    assert_int_equal(sales_series_fold(10, 10, REPORT_DAY, days, 2, p, 1), -1);
    assert_int_equal(sales_average_order_value(1000, 3), 333);
    assert_int_equal(sales_average_order_value(1001, 2), 501); /* 500.5 rounds up */
    assert_int_equal(sales_average_order_value(5, 0), 0);
    /* Sums near the top of int64 round the same way, without overflow. */
    assert_int_equal(sales_average_order_value(INT64_MAX, 1), INT64_MAX);
    assert_int_equal(sales_average_order_value(INT64_MAX, 2), INT64_MAX / 2 + 1);
    assert_int_equal(sales_average_order_value(INT64_MAX, INT64_MAX / 2), 2);
    assert_int_equal(sales_average_order_value(INT64_MAX - 1, 3), (INT64_MAX - 1) / 3);
    assert_int_equal(sales_average_order_value(-1001, 2), -500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_round_trip),
        cmocka_unit_test(test_iso_weeks),
        cmocka_unit_test(test_months),
        cmocka_unit_test(test_series_every_period_present),
        cmocka_unit_test(test_series_overflow_and_average),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
