/*
 * report_body.h — the bodies of GET /reports/sales and GET /orders/stats,
 * two ways: as jansson trees (the reference, and the fallback), and written
 * directly (json_out.h), byte for byte what json_dumps(JSON_COMPACT) writes
 * for those trees, without building them: a 365-day series is some 1 800
 * jansson values to allocate, pack, dump and free per cold answer.
 *
 * The direct writers decline (-1) anything they cannot reproduce exactly
 * (a status name the tree would add as a new key, a NULL or non-UTF-8
 * text, running out of memory); the handlers then answer through the tree,
 * so the behaviour stays the tree's.  Unit tests hold each writer to its
 * tree (tests/unit/test_report_body.c).
 */
#ifndef ORDERAPI_REPORT_BODY_H
#define ORDERAPI_REPORT_BODY_H

#include <jansson.h>
#include <stddef.h>

#include "domain/report_periods.h"
#include "domain/sales_series.h"

struct db_rows;
struct json_out;

/* GET /reports/sales: the range as asked, and its periods (sales_series). */
struct sales_body {
    enum report_group group;
    const char *from_text, *to_text; /* YYYY-MM-DD */
    const struct sales_period *periods;
    size_t count;
};

/* The tree, or NULL without memory. */
json_t *sales_body_json(const struct sales_body *b);
/* Appends the same text to o; 0, or -1 (o->failed) when it declines. */
int sales_body_write(struct json_out *o, const struct sales_body *b);

/* GET /orders/stats: the range and the three results of order_store_stats
 * (statements.h: stats_bucket_col, stats_daily_col, stats_top_col). */
struct stats_body {
    const char *from, *to; /* YYYY-MM-DD */
    const struct db_rows *buckets, *daily, *top;
};

json_t *stats_body_json(const struct stats_body *b);
int stats_body_write(struct json_out *o, const struct stats_body *b);

#endif
