/*
 * sales_series.h — the series of GET /reports/sales: per-day sums (from the
 * daily aggregates) folded into every period of a range, empty periods
 * included, with the average order value.  Pure, no I/O.
 */
#ifndef ORDERAPI_SALES_SERIES_H
#define ORDERAPI_SALES_SERIES_H

#include <stddef.h>
#include <stdint.h>

#include "domain/report_periods.h"

/* One day's sums: orders and revenue (cents) of the orders that count
 * toward revenue, and the items they sold. */
struct sales_day {
    int64_t day;
    int64_t orders, revenue, items;
};

/* One period of the series. */
struct sales_period {
    int64_t start; /* its first day (before the range's first day for a partial first week or month) */
    int64_t orders, revenue, items;
};

/*
 * Fills out[0..count) with every period of g that the days from..to
 * (inclusive) touch, in order, and adds each day of days[] inside the range
 * to its period; days outside the range are ignored.  count must be
 * report_period_count(from, to, g).  0, or -1 when count is wrong or a sum
 * would overflow.
 */
int sales_series_fold(int64_t from, int64_t to, enum report_group g, const struct sales_day *days, size_t ndays,
                      struct sales_period *out, size_t count);

/* Revenue per order, rounded half up to the cent; 0 without orders. */
int64_t sales_average_order_value(int64_t revenue, int64_t orders);

#endif
