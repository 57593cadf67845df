/*
 * reports.c — the admin reports (API.md "Reporting (admin)"):
 *
 *   GET /api/v1/reports/sales?start_date=&end_date=&group_by=day|week|month
 *   GET /api/v1/reports/top-products?start_date=&end_date=&limit=10&by=revenue|quantity
 *
 * Both read the aggregates the event relay keeps from the outbox (store/
 * report_store.c): a row per day asked for, or for top products the
 * packed totals of the range's two ends (store/sales_pack_store.c).  Days
 * are UTC, both ends inclusive, at most three years; the
 * default is the 30 days ending today.  Revenue and order counts leave out
 * cancelled and refunded orders.  Cached under the "stats" scope, which
 * the relay bumps after it applies order events (events/aggregate.c), as
 * for /orders/stats.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "arena.h"
#include "domain/money.h"
#include "domain/report_periods.h"
#include "domain/sales_series.h"
#include "handlers/handlers.h"
#include "handlers/report_body.h"
#include "handlers/respond.h"
#include "http/listing.h"
#include "http/problem.h"
#include "json_out.h"
#include "store/db.h"
#include "store/list_cache.h"
#include "store/report_store.h"

#define DEFAULT_DAYS 30
#define TOP_LIMIT_DEFAULT 10
#define TOP_LIMIT_MAX 100

static const char *const SALES_PARAMS[] = {"start_date", "end_date", "group_by", NULL};
static const char *const TOP_PARAMS[] = {"start_date", "end_date", "limit", "by", NULL};

/* A report's query, read and checked. */
struct report_query {
    int64_t from, to; /* days since 1970-01-01 */
    char from_text[11], to_text[11];
    enum report_group group; /* sales */
    int by_quantity;         /* top products */
    int64_t limit;           /* top products */
};

static void read_day(const struct http_request *req, const char *name, int64_t *day, json_t *errors)
{
    const char *v = http_query_get(req, name);
    if (v && report_day_parse(v, day) != 0)
        problem_add_error(errors, name, "invalid_date", "A date such as 2026-11-22 (UTC days)");
}

/* The range: both days, or the DEFAULT_DAYS ending today. */
static void read_range(const struct http_request *req, struct report_query *q, json_t *errors)
{
    q->to = (int64_t)(time(NULL) / 86400);
    q->from = q->to - (DEFAULT_DAYS - 1);
    read_day(req, "start_date", &q->from, errors);
    read_day(req, "end_date", &q->to, errors);
    if (json_array_size(errors) > 0)
        return;
    if (q->from > q->to)
        problem_add_error(errors, "start_date", "invalid_range", "start_date must not be after end_date");
    else if (report_range_too_long(q->from, q->to))
        problem_add_error(errors, "end_date", "range_too_long", "A report covers at most three years");
    report_day_format(q->from, q->from_text);
    report_day_format(q->to, q->to_text);
}

static void read_sales(const struct http_request *req, struct report_query *q, json_t *errors)
{
    query_check_allowed(req, SALES_PARAMS, NULL, errors);
    read_range(req, q, errors);
    q->group = REPORT_DAY;
    const char *g = http_query_get(req, "group_by");
    if (g && report_group_parse(g, &q->group) != 0)
        problem_add_error(errors, "group_by", "invalid_group_by", "One of day, week, month");
}

/* limit: 1..TOP_LIMIT_MAX, digits only. */
static void read_limit(const struct http_request *req, struct report_query *q, json_t *errors)
{
    q->limit = TOP_LIMIT_DEFAULT;
    const char *v = http_query_get(req, "limit");
    if (!v)
        return;
    size_t n = strlen(v);
    int ok = n >= 1 && n <= 3 && v[0] != '0';
    for (size_t i = 0; ok && i < n; i++)
        ok = v[i] >= '0' && v[i] <= '9';
    q->limit = ok ? atoi(v) : 0;
    if (q->limit < 1 || q->limit > TOP_LIMIT_MAX)
        problem_add_error(errors, "limit", "out_of_range", "A whole number from 1 to 100");
}

static void read_top(const struct http_request *req, struct report_query *q, json_t *errors)
{
    query_check_allowed(req, TOP_PARAMS, NULL, errors);
    read_range(req, q, errors);
    read_limit(req, q, errors);
    const char *by = http_query_get(req, "by");
    q->by_quantity = by && strcmp(by, "quantity") == 0;
    if (by && !q->by_quantity && strcmp(by, "revenue") != 0)
        problem_add_error(errors, "by", "invalid_by", "One of revenue, quantity");
}

static char *sales_variant(struct arena *a, const struct report_query *q)
{
    return arena_printf(a, "sales:from=%s;to=%s;g=%s", q->from_text, q->to_text, report_group_name(q->group));
}

static char *top_variant(struct arena *a, const struct report_query *q)
{
    return arena_printf(a, "top:from=%s;to=%s;by=%s;limit=%" PRId64, q->from_text, q->to_text,
                        q->by_quantity ? "quantity" : "revenue", q->limit);
}

/* Reads q with read(); 1 when it is valid. */
static int query_valid(const struct http_request *req, struct report_query *q,
                       void (*read)(const struct http_request *, struct report_query *, json_t *))
{
    json_t *errors = json_array();
    if (!errors)
        return 0;
    read(req, q, errors);
    int valid = json_array_size(errors) == 0;
    json_decref(errors);
    return valid;
}

int prefetch_report_sales(struct app *app, struct http_request *req, struct list_cache_prefetch *pf)
{
    (void)app;
    struct report_query q;
    if (!query_valid(req, &q, read_sales))
        return 0;
    pf->scope = "stats";
    pf->variant = sales_variant(req->arena, &q);
    return pf->variant ? 1 : 0;
}

int prefetch_report_top_products(struct app *app, struct http_request *req, struct list_cache_prefetch *pf)
{
    (void)app;
    struct report_query q;
    if (!query_valid(req, &q, read_top))
        return 0;
    pf->scope = "stats";
    pf->variant = top_variant(req->arena, &q);
    return pf->variant ? 1 : 0;
}

/* Reads the query (answering 422) and answers from the cache when it can;
 * 1 when the handler must go on to compute the report. */
static int report_begin(struct app *app, struct http_request *req, struct http_response *res,
                        struct report_query *q, void (*read)(const struct http_request *, struct report_query *, json_t *),
                        char *(*variant_of)(struct arena *, const struct report_query *), struct list_cache_entry *entry)
{
    json_t *errors = json_array();
    if (!errors) {
        problem_internal_error(req, res, "out of memory");
        return 0;
    }
    read(req, q, errors);
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return 0;
    }
    json_decref(errors);
    char *variant = variant_of(req->arena, q);
    if (variant && list_cache_get_prefetched(app->cache, req->arena, req->prefetch, "stats", variant, entry) == 1) {
        respond_cached(res, entry->body, entry->body_len);
        return 0;
    }
    return 1;
}

static json_t *money_str(int64_t cents)
{
    char buf[24];
    return json_string(money_format(cents, buf));
}

/* The aggregate rows, day by day, as sales_day records (arena memory). */
static struct sales_day *sales_days(struct arena *a, const struct db_rows *sales, size_t *n)
{
    size_t count = sales->count, k = 0;
    struct sales_day *days = arena_alloc(a, (count ? count : 1) * sizeof *days);
    if (!days)
        return NULL;
    for (size_t r = 0; r < sales->count; r++) {
        const struct db_value *day = DB_CELL(sales, r, RSALES_DAY);
        if (day->type == DBV_INT)
            days[k++] = (struct sales_day){day->i, DB_CELL(sales, r, RSALES_ORDERS)->i,
                                           DB_CELL(sales, r, RSALES_REVENUE)->i, DB_CELL(sales, r, RSALES_ITEMS)->i};
    }
    *n = k;
    return days;
}

void handle_report_sales(struct app *app, struct http_request *req, struct http_response *res)
{
    struct report_query q;
    struct list_cache_entry entry = {0};
    if (!report_begin(app, req, res, &q, read_sales, sales_variant, &entry))
        return;
    struct db_rows sales;
    int rc = report_store_sales(app->db, req->arena, q.from_text, q.to_text, &sales);
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "sales report");
        return;
    }
    size_t ndays = 0, count = report_period_count(q.from, q.to, q.group);
    struct sales_day *days = sales_days(req->arena, &sales, &ndays);
    struct sales_period *periods = arena_alloc(req->arena, count * sizeof *periods);
    if (!days || !periods || sales_series_fold(q.from, q.to, q.group, days, ndays, periods, count) != 0) {
        problem_internal_error(req, res, "sales report: cannot fold the days");
        return;
    }
    struct sales_body body = {q.group, q.from_text, q.to_text, periods, count};
    struct json_out out;
    json_out_init(&out, req->arena, NULL, 128 + 128 * count);
    if (sales_body_write(&out, &body) == 0)
        respond_body_cacheable(app, req, res, out.buf, out.len, &entry, app->cfg->list_cache_ttl);
    else
        respond_json_cacheable(app, req, res, sales_body_json(&body), &entry, app->cfg->list_cache_ttl);
}

void handle_report_top_products(struct app *app, struct http_request *req, struct http_response *res)
{
    struct report_query q;
    struct list_cache_entry entry = {0};
    if (!report_begin(app, req, res, &q, read_top, top_variant, &entry))
        return;
    struct db_rows rows;
    int rc = report_store_top_products(app->db, req->arena, q.from_text, q.to_text, q.by_quantity, q.limit, &rows);
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "top products report");
        return;
    }
    json_t *data = json_array();
    for (size_t r = 0; data && r < rows.count; r++)
        json_array_append_new(data, json_pack("{s:I, s:s, s:s, s:I, s:o}", "product_id",
                                              (json_int_t)DB_CELL(&rows, r, RTOP_PRODUCT_ID)->i, "sku",
                                              DB_CELL(&rows, r, RTOP_SKU)->s, "name", DB_CELL(&rows, r, RTOP_NAME)->s,
                                              "quantity", (json_int_t)DB_CELL(&rows, r, RTOP_QUANTITY)->i, "revenue",
                                              money_str(DB_CELL(&rows, r, RTOP_REVENUE)->i)));
    json_t *body = json_pack("{s:s, s:s, s:s, s:I, s:o}", "start_date", q.from_text, "end_date", q.to_text, "by",
                             q.by_quantity ? "quantity" : "revenue", "limit", (json_int_t)q.limit, "data", data);
    respond_json_cacheable(app, req, res, body, &entry, app->cfg->list_cache_ttl);
}
