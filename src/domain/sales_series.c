/*
 * sales_series.c — folding days into report periods (see sales_series.h).
 */
#include "domain/sales_series.h"

/* The index of the period starting at start, or -1 (binary search: out is
 * in order). */
static long period_index(const struct sales_period *out, size_t count, int64_t start)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (out[mid].start < start)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < count && out[lo].start == start ? (long)lo : -1;
}

static int add(int64_t *sum, int64_t v)
{
    return __builtin_add_overflow(*sum, v, sum) ? -1 : 0;
}

int sales_series_fold(int64_t from, int64_t to, enum report_group g, const struct sales_day *days, size_t ndays,
                      struct sales_period *out, size_t count)
{
    if (from > to || count != report_period_count(from, to, g))
        return -1;
    size_t i = 0;
    for (int64_t p = report_period_start(from, g); p <= to; p = report_period_next(p, g))
        out[i++] = (struct sales_period){.start = p};
    for (size_t d = 0; d < ndays; d++) {
        if (days[d].day < from || days[d].day > to)
            continue;
        long k = period_index(out, count, report_period_start(days[d].day, g));
        if (k < 0 || add(&out[k].orders, days[d].orders) != 0 || add(&out[k].revenue, days[d].revenue) != 0 ||
            add(&out[k].items, days[d].items) != 0)
            return -1;
    }
    return 0;
}

int64_t sales_average_order_value(int64_t revenue, int64_t orders)
{
    if (orders <= 0)
        return 0;
    int64_t half = orders / 2;
    /* (revenue + half) / orders, without the sum overflowing near INT64_MAX */
    if (revenue > INT64_MAX - half)
        return revenue / orders + (revenue % orders >= orders - half);
    return (revenue + half) / orders;
}
