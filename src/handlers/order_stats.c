/*
 * order_stats.c — GET /api/v1/orders/stats?start_date=&end_date= (admin).
 *
 * Read from aggregates that the event relay keeps from the outbox
 * (events/aggregate.c: order_totals_daily, a row per day, and the running
 * totals order_stats_cum and product_sales_cum at the range's two ends),
 * so the cost follows the days asked for and the products, not the
 * orders.  The aggregates are per UTC day, so the range is whole days
 * (YYYY-MM-DD, both inclusive).  Cached under the "stats" scope, which the
 * relay bumps after each batch of order events it applies: the answer lags
 * the order writes by the relay's delay (README.md, "Statistics").
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "domain/money.h"
#include "domain/order_filter.h"
#include "domain/order_rules.h"
#include "handlers/handlers.h"
#include "handlers/respond.h"
#include "http/listing.h"
#include "http/problem.h"
#include "store/db.h"
#include "store/list_cache.h"
#include "store/order_store.h"

static const char *const STATS_PARAMS[] = {"start_date", "end_date", NULL};

/* Reads a YYYY-MM-DD parameter into out (or keeps the default). */
static void day_param(const struct http_request *req, const char *name, char out[11], json_t *errors)
{
    const char *v = http_query_get(req, name);
    if (!v)
        return;
    int64_t epoch;
    int date_only = 0;
    if (parse_date_or_datetime(v, &epoch, &date_only) != 0) {
        problem_add_error(errors, name, "invalid_date", "A date such as 2026-11-22");
        return;
    }
    if (!date_only) {
        problem_add_error(errors, name, "whole_days_only",
                          "Statistics are kept per UTC day: give a date such as 2026-11-22");
        return;
    }
    snprintf(out, 11, "%s", v);
}

static json_t *money_str(int64_t cents)
{
    char buf[24];
    return json_string(money_format(cents, buf));
}

/* Reads the range; errors appended. */
static void stats_range(const struct http_request *req, char from[11], char to[11], json_t *errors)
{
    query_check_allowed(req, STATS_PARAMS, NULL, errors);
    snprintf(from, 11, "1970-01-01");
    snprintf(to, 11, "9999-12-31");
    day_param(req, "start_date", from, errors);
    day_param(req, "end_date", to, errors);
    if (json_array_size(errors) == 0 && strcmp(from, to) > 0)
        problem_add_error(errors, "start_date", "invalid_range", "start_date must not be after end_date");
}

int prefetch_order_stats(struct app *app, struct http_request *req, struct list_cache_prefetch *pf)
{
    (void)app;
    json_t *errors = json_array();
    char from[11], to[11];
    if (!errors)
        return 0;
    stats_range(req, from, to, errors);
    size_t bad = json_array_size(errors);
    json_decref(errors);
    if (bad)
        return 0;
    pf->scope = "stats";
    pf->variant = arena_printf(req->arena, "from=%s;to=%s", from, to);
    return pf->variant ? 1 : 0;
}

void handle_order_stats(struct app *app, struct http_request *req, struct http_response *res)
{
    json_t *errors = json_array();
    if (!errors) {
        problem_internal_error(req, res, "out of memory");
        return;
    }
    char from[11], to[11];
    stats_range(req, from, to, errors);
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return;
    }
    json_decref(errors);
    char *variant = arena_printf(req->arena, "from=%s;to=%s", from, to);
    struct list_cache_entry entry = {0};
    if (variant && list_cache_get_prefetched(app->cache, req->arena, req->prefetch, "stats", variant, &entry) == 1) {
        respond_cached(res, entry.body, entry.body_len);
        return;
    }
    struct db_rows buckets, daily, top;
    int rc = order_store_stats(app->db, req->arena, from, to, &buckets, &daily, &top);
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "order stats");
        return;
    }
    json_t *by_status = json_object(), *by_payment = json_object();
    for (int s = 0; s < ORDER_STATUS_COUNT; s++)
        json_object_set_new(by_status, order_status_name((enum order_status)s), json_integer(0));
    for (int s = 0; s < PAYMENT_STATUS_COUNT; s++)
        json_object_set_new(by_payment, payment_status_name((enum payment_status)s), json_integer(0));
    int64_t count = 0, counted = 0, revenue = 0;
    for (size_t r = 0; r < buckets.count; r++) {
        const char *status = DB_CELL(&buckets, r, SBUCKET_STATUS)->s,
                   *payment = DB_CELL(&buckets, r, SBUCKET_PAYMENT_STATUS)->s;
        int64_t n = DB_CELL(&buckets, r, SBUCKET_ORDERS)->i, amount = DB_CELL(&buckets, r, SBUCKET_REVENUE)->i;
        json_t *cur = json_object_get(by_status, status);
        json_object_set_new(by_status, status, json_integer(json_integer_value(cur) + n));
        cur = json_object_get(by_payment, payment);
        json_object_set_new(by_payment, payment, json_integer(json_integer_value(cur) + n));
        count += n;
        enum order_status st;
        if (order_status_parse(status, &st) == 0 && order_status_counts_revenue(st)) {
            counted += n;
            revenue += amount;
        }
    }
    /* Average order value, rounded half up to the cent. */
    int64_t average = counted > 0 ? (revenue + counted / 2) / counted : 0;
    json_t *days = json_array();
    for (size_t r = 0; r < daily.count; r++)
        json_array_append_new(days, json_pack("{s:s, s:I, s:o}", "date", DB_CELL(&daily, r, SDAILY_DAY)->s, "orders",
                                              (json_int_t)DB_CELL(&daily, r, SDAILY_ORDERS)->i, "revenue",
                                              money_str(DB_CELL(&daily, r, SDAILY_REVENUE)->i)));
    json_t *products = json_array();
    for (size_t r = 0; r < top.count; r++)
        json_array_append_new(products, json_pack("{s:I, s:s, s:I, s:o}", "product_id",
                                                  (json_int_t)DB_CELL(&top, r, STOP_PRODUCT_ID)->i, "name",
                                                  DB_CELL(&top, r, STOP_NAME)->s, "quantity",
                                                  (json_int_t)DB_CELL(&top, r, STOP_QUANTITY)->i, "revenue",
                                                  money_str(DB_CELL(&top, r, STOP_REVENUE)->i)));
    json_t *body = json_pack("{s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:{s:s, s:s}}", "orders_by_status", by_status,
                             "orders_by_payment_status", by_payment, "order_count", (json_int_t)count, "revenue",
                             money_str(revenue), "average_order_value", money_str(average), "daily", days,
                             "top_products", products, "range", "start_date", from, "end_date", to);
    respond_json_cacheable(app, req, res, body, &entry, app->cfg->list_cache_ttl);
}
