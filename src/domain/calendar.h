/*
 * calendar.h — the proleptic Gregorian calendar, once: leap years, month
 * lengths and day counts from the epoch.  Pure, no I/O.
 */
#ifndef ORDERAPI_CALENDAR_H
#define ORDERAPI_CALENDAR_H

#include <stdint.h>

/* Whether year is a leap year (divisible by 4, not by 100 unless by 400). */
int calendar_is_leap_year(int64_t year);
/* Days in month (1..12) of year; 0 for a month out of range. */
int calendar_days_in_month(int64_t year, int month);
/* Days from 1970-01-01 to year-month-day, which must be a valid date with
 * year >= 1970. */
int64_t calendar_days_since_epoch(int64_t year, int month, int day);
/* The date days after 1970-01-01 (days >= 0): the inverse of
 * calendar_days_since_epoch. */
void calendar_date_of_days(int64_t days, int64_t *year, int *month, int *day);
/* ISO 8601 weekday of the day days after 1970-01-01: 1 Monday .. 7 Sunday. */
int calendar_iso_weekday(int64_t days);

#endif
