/*
 * calendar.c — leap years, month lengths, days since the epoch.
 */
#include "domain/calendar.h"

/* Leap years in 1..year (year >= 0). */
static int64_t leap_years_through(int64_t year)
{
    return year / 4 - year / 100 + year / 400;
}

int calendar_is_leap_year(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int calendar_days_in_month(int64_t year, int month)
{
    static const int DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12)
        return 0;
    return month == 2 && calendar_is_leap_year(year) ? 29 : DAYS[month - 1];
}

/* Whole years of 365 days plus one for each leap year passed, then the
 * months of the year and the day. */
int64_t calendar_days_since_epoch(int64_t year, int month, int day)
{
    static const int DAYS_BEFORE_MONTH[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    int64_t days = (year - 1970) * 365 + (leap_years_through(year - 1) - leap_years_through(1969));
    days += DAYS_BEFORE_MONTH[month - 1];
    if (month > 2 && calendar_is_leap_year(year))
        days++;
    return days + (day - 1);
}

/* Whole years first (a year is 365 or 366 days), then months. */
void calendar_date_of_days(int64_t days, int64_t *year, int *month, int *day)
{
    int64_t y = 1970 + days / 366; /* never past the answer */
    while (calendar_days_since_epoch(y + 1, 1, 1) <= days)
        y++;
    int64_t left = days - calendar_days_since_epoch(y, 1, 1);
    int m = 1;
    while (left >= calendar_days_in_month(y, m)) {
        left -= calendar_days_in_month(y, m);
        m++;
    }
    *year = y;
    *month = m;
    *day = (int)left + 1;
}

/* 1970-01-01 was a Thursday (ISO weekday 4). */
int calendar_iso_weekday(int64_t days)
{
    return (int)((days + 3) % 7) + 1;
}
