/*
 * order_stats.c — GET /api/v1/orders/stats?start_date=&end_date= (admin).
 *
 * Read from aggregates that the event relay keeps from the outbox
 * (events/aggregate.c: order_totals_daily, a row per day, the running
 * totals order_stats_cum at the range's two ends, and the top ten from
 * product_sales_pack's packed totals at those ends, store/sales_pack_store.c),
 * so the cost follows the days asked for, not the orders.  The aggregates are per UTC day, so the range is whole days
 * (YYYY-MM-DD, both inclusive).  Cached under the "stats" scope, which the
 * relay bumps after each batch of order events it applies: the answer lags
 * the order writes by the relay's delay (README.md, "Statistics").
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "domain/order_filter.h"
#include "handlers/handlers.h"
#include "handlers/report_body.h"
#include "handlers/respond.h"
#include "http/listing.h"
#include "http/problem.h"
#include "json_out.h"
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
    struct stats_body body = {from, to, &buckets, &daily, &top};
    struct json_out out;
    json_out_init(&out, req->arena, NULL, 1024 + 64 * daily.count + 160 * top.count);
    if (stats_body_write(&out, &body) == 0) {
        respond_body_cacheable(app, req, res, out.buf, out.len, &entry, app->cfg->list_cache_ttl);
        return;
    }
    respond_json_cacheable(app, req, res, stats_body_json(&body), &entry, app->cfg->list_cache_ttl);
}
