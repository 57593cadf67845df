/*
 * report_periods.c — days, ISO weeks and months of the sales report (see
 * report_periods.h).
 */
#include "domain/report_periods.h"

#include <stdio.h>
#include <string.h>

#include "domain/calendar.h"

static const char *const NAMES[] = {"day", "week", "month"};

int report_group_parse(const char *text, enum report_group *out)
{
    for (int g = REPORT_DAY; g <= REPORT_MONTH; g++)
        if (text && strcmp(text, NAMES[g]) == 0) {
            *out = (enum report_group)g;
            return 0;
        }
    return -1;
}

const char *report_group_name(enum report_group g)
{
    return (unsigned)g <= REPORT_MONTH ? NAMES[g] : "day";
}

int64_t report_period_start(int64_t day, enum report_group g)
{
    if (g == REPORT_WEEK)
        return day - (calendar_iso_weekday(day) - 1);
    if (g == REPORT_MONTH) {
        int64_t y;
        int m, d;
        calendar_date_of_days(day, &y, &m, &d);
        return day - (d - 1);
    }
    return day;
}

int64_t report_period_next(int64_t start, enum report_group g)
{
    if (g == REPORT_WEEK)
        return start + 7;
    if (g == REPORT_MONTH) {
        int64_t y;
        int m, d;
        calendar_date_of_days(start, &y, &m, &d);
        return start - (d - 1) + calendar_days_in_month(y, m);
    }
    return start + 1;
}

int report_range_too_long(int64_t from, int64_t to)
{
    int64_t y;
    int m, d;
    calendar_date_of_days(from, &y, &m, &d);
    y += 3;
    if (m == 2 && d == 29 && !calendar_is_leap_year(y)) {
        m = 3;
        d = 1;
    }
    return to >= calendar_days_since_epoch(y, m, d);
}

size_t report_period_count(int64_t from, int64_t to, enum report_group g)
{
    size_t n = 0;
    for (int64_t p = report_period_start(from, g); p <= to; p = report_period_next(p, g))
        n++;
    return n;
}

/* Two digits of v (0..99) at out. */
static void two_digits(char *out, int v)
{
    out[0] = (char)('0' + v / 10);
    out[1] = (char)('0' + v % 10);
}

void report_day_format(int64_t day, char out[11])
{
    int64_t y;
    int m, d;
    calendar_date_of_days(day, &y, &m, &d);
    if (y < 0 || y > 9999) { /* not a day of the API; as snprintf would cut it */
        snprintf(out, 11, "%04d-%02d-%02d", (int)y, m, d);
        return;
    }
    two_digits(out, (int)(y / 100));
    two_digits(out + 2, (int)(y % 100));
    out[4] = '-';
    two_digits(out + 5, m);
    out[7] = '-';
    two_digits(out + 8, d);
    out[10] = '\0';
}

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int report_day_parse(const char *text, int64_t *day)
{
    int y, m, d;
    if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-' || digits(text, 4, &y) != 0 ||
        digits(text + 5, 2, &m) != 0 || digits(text + 8, 2, &d) != 0)
        return -1;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > calendar_days_in_month(y, m))
        return -1;
    *day = calendar_days_since_epoch(y, m, d);
    return 0;
}
