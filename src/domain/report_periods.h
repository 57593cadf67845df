/*
 * report_periods.h — the periods of GET /reports/sales (API.md "Reporting"):
 * UTC days, ISO 8601 weeks (starting on Monday) and calendar months, and
 * which period each day of a range falls in.  Days are counted from
 * 1970-01-01 (calendar.h).  Pure, no I/O.
 */
#ifndef ORDERAPI_REPORT_PERIODS_H
#define ORDERAPI_REPORT_PERIODS_H

#include <stddef.h>
#include <stdint.h>

enum report_group { REPORT_DAY = 0, REPORT_WEEK, REPORT_MONTH };

/* Whether from..to (inclusive) is longer than three years: to is on or
 * after the same date three years after from (29 February: 1 March). */
int report_range_too_long(int64_t from, int64_t to);

/* "day", "week" or "month"; 0, or -1 for anything else. */
int report_group_parse(const char *text, enum report_group *out);
const char *report_group_name(enum report_group g);

/* The first day of the period that day falls in: itself, the Monday on or
 * before it, or the 1st of its month. */
int64_t report_period_start(int64_t day, enum report_group g);

/* The first day of the period after the one starting at start. */
int64_t report_period_next(int64_t start, enum report_group g);

/* How many periods the days from..to (inclusive, from <= to) touch. */
size_t report_period_count(int64_t from, int64_t to, enum report_group g);

/* YYYY-MM-DD of a day (out has room for 11 bytes). */
void report_day_format(int64_t day, char out[11]);

/* Parses YYYY-MM-DD (a real date, year 1970..9999) into a day; 0 or -1. */
int report_day_parse(const char *text, int64_t *day);

#endif
