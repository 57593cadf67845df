/*
 * report_body.c — the sales report and statistics bodies, as trees and
 * written directly (see report_body.h).
 */
#include "handlers/report_body.h"

#include <string.h>

#include "domain/money.h"
#include "domain/order_rules.h"
#include "domain/sales_series.h"
#include "json_out.h"
#include "store/db.h"
#include "store/statements.h"

static json_t *money_str(int64_t cents)
{
    char buf[24];
    return json_string(money_format(cents, buf));
}

/* An amount as a JSON string: digits, '-' and '.', nothing to escape. */
static void write_money(struct json_out *o, int64_t cents)
{
    char buf[26];
    buf[0] = '"';
    size_t n = strlen(money_format(cents, buf + 1));
    buf[n + 1] = '"';
    json_out_raw(o, buf, n + 2);
}

/* A day as a JSON string, "YYYY-MM-DD". */
static void write_day(struct json_out *o, int64_t day)
{
    char buf[13];
    buf[0] = '"';
    report_day_format(day, buf + 1);
    size_t n = strlen(buf + 1);
    buf[n + 1] = '"';
    json_out_raw(o, buf, n + 2);
}

json_t *sales_body_json(const struct sales_body *b)
{
    json_t *data = json_array();
    for (size_t i = 0; data && i < b->count; i++) {
        const struct sales_period *p = &b->periods[i];
        char start[11];
        report_day_format(p->start, start);
        json_array_append_new(data, json_pack("{s:s, s:I, s:o, s:o, s:I}", "period_start", start, "orders",
                                              (json_int_t)p->orders, "revenue", money_str(p->revenue),
                                              "average_order_value",
                                              money_str(sales_average_order_value(p->revenue, p->orders)),
                                              "items_sold", (json_int_t)p->items));
    }
    return json_pack("{s:s, s:s, s:s, s:o}", "group_by", report_group_name(b->group), "start_date", b->from_text,
                     "end_date", b->to_text, "data", data);
}

int sales_body_write(struct json_out *o, const struct sales_body *b)
{
    if (!b->from_text || !b->to_text) {
        o->failed = 1;
        return -1;
    }
    json_out_lit(o, "{\"group_by\":");
    json_out_str(o, report_group_name(b->group));
    json_out_lit(o, ",\"start_date\":");
    json_out_str(o, b->from_text);
    json_out_lit(o, ",\"end_date\":");
    json_out_str(o, b->to_text);
    json_out_lit(o, ",\"data\":[");
    for (size_t i = 0; i < b->count && !o->failed; i++) {
        const struct sales_period *p = &b->periods[i];
        json_out_lit(o, i ? ",{\"period_start\":" : "{\"period_start\":");
        write_day(o, p->start);
        json_out_lit(o, ",\"orders\":");
        json_out_int(o, p->orders);
        json_out_lit(o, ",\"revenue\":");
        write_money(o, p->revenue);
        json_out_lit(o, ",\"average_order_value\":");
        write_money(o, sales_average_order_value(p->revenue, p->orders));
        json_out_lit(o, ",\"items_sold\":");
        json_out_int(o, p->items);
        json_out_lit(o, "}");
    }
    json_out_lit(o, "]}");
    return o->failed ? -1 : 0;
}

/* The statistics' sums over the status buckets. */
struct stats_sums {
    int64_t by_status[ORDER_STATUS_COUNT], by_payment[PAYMENT_STATUS_COUNT];
    int64_t count, revenue, average;
};

/* Sums the buckets: 0, or -1 for a status name that is not one of ours
 * (the tree would add it as a key of its own). */
static int stats_sum(const struct db_rows *buckets, struct stats_sums *s)
{
    memset(s, 0, sizeof *s);
    int64_t counted = 0;
    for (size_t r = 0; r < buckets->count; r++) {
        const char *status = DB_CELL(buckets, r, SBUCKET_STATUS)->s,
                   *payment = DB_CELL(buckets, r, SBUCKET_PAYMENT_STATUS)->s;
        enum order_status st;
        enum payment_status ps;
        if (!status || !payment || order_status_parse(status, &st) != 0 ||
            strcmp(order_status_name(st), status) != 0 || payment_status_parse(payment, &ps) != 0 ||
            strcmp(payment_status_name(ps), payment) != 0)
            return -1;
        int64_t n = DB_CELL(buckets, r, SBUCKET_ORDERS)->i;
        s->by_status[st] += n;
        s->by_payment[ps] += n;
        s->count += n;
        if (order_status_counts_revenue(st)) {
            counted += n;
            s->revenue += DB_CELL(buckets, r, SBUCKET_REVENUE)->i;
        }
    }
    s->average = sales_average_order_value(s->revenue, counted); /* rounded half up to the cent */
    return 0;
}

/* The status counts as the tree has them: every status of ours, then any
 * other name a bucket brings, in the order first seen. */
static void stats_counts_json(const struct db_rows *buckets, json_t *by_status, json_t *by_payment,
                              int64_t *count, int64_t *revenue, int64_t *average)
{
    for (int s = 0; s < ORDER_STATUS_COUNT; s++)
        json_object_set_new(by_status, order_status_name((enum order_status)s), json_integer(0));
    for (int s = 0; s < PAYMENT_STATUS_COUNT; s++)
        json_object_set_new(by_payment, payment_status_name((enum payment_status)s), json_integer(0));
    int64_t counted = 0;
    *count = *revenue = 0;
    for (size_t r = 0; r < buckets->count; r++) {
        const char *status = DB_CELL(buckets, r, SBUCKET_STATUS)->s,
                   *payment = DB_CELL(buckets, r, SBUCKET_PAYMENT_STATUS)->s;
        int64_t n = DB_CELL(buckets, r, SBUCKET_ORDERS)->i, amount = DB_CELL(buckets, r, SBUCKET_REVENUE)->i;
        json_t *cur = json_object_get(by_status, status);
        json_object_set_new(by_status, status, json_integer(json_integer_value(cur) + n));
        cur = json_object_get(by_payment, payment);
        json_object_set_new(by_payment, payment, json_integer(json_integer_value(cur) + n));
        *count += n;
        enum order_status st;
        if (order_status_parse(status, &st) == 0 && order_status_counts_revenue(st)) {
            counted += n;
            *revenue += amount;
        }
    }
    /* Average order value, rounded half up to the cent. */
    *average = counted > 0 ? (*revenue + counted / 2) / counted : 0;
}

json_t *stats_body_json(const struct stats_body *b)
{
    json_t *by_status = json_object(), *by_payment = json_object();
    int64_t count = 0, revenue = 0, average = 0;
    if (by_status && by_payment)
        stats_counts_json(b->buckets, by_status, by_payment, &count, &revenue, &average);
    json_t *days = json_array();
    for (size_t r = 0; days && r < b->daily->count; r++)
        json_array_append_new(days, json_pack("{s:s, s:I, s:o}", "date", DB_CELL(b->daily, r, SDAILY_DAY)->s,
                                              "orders", (json_int_t)DB_CELL(b->daily, r, SDAILY_ORDERS)->i,
                                              "revenue", money_str(DB_CELL(b->daily, r, SDAILY_REVENUE)->i)));
    json_t *products = json_array();
    for (size_t r = 0; products && r < b->top->count; r++)
        json_array_append_new(products, json_pack("{s:I, s:s, s:I, s:o}", "product_id",
                                                  (json_int_t)DB_CELL(b->top, r, STOP_PRODUCT_ID)->i, "name",
                                                  DB_CELL(b->top, r, STOP_NAME)->s, "quantity",
                                                  (json_int_t)DB_CELL(b->top, r, STOP_QUANTITY)->i, "revenue",
                                                  money_str(DB_CELL(b->top, r, STOP_REVENUE)->i)));
    return json_pack("{s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:{s:s, s:s}}", "orders_by_status", by_status,
                     "orders_by_payment_status", by_payment, "order_count", (json_int_t)count, "revenue",
                     money_str(revenue), "average_order_value", money_str(average), "daily", days, "top_products",
                     products, "range", "start_date", b->from, "end_date", b->to);
}

/* "daily": the day rows as they come. */
static void stats_daily_write(struct json_out *o, const struct db_rows *daily)
{
    json_out_lit(o, ",\"daily\":[");
    for (size_t r = 0; r < daily->count && !o->failed; r++) {
        const char *day = DB_CELL(daily, r, SDAILY_DAY)->s;
        if (!day) {
            o->failed = 1;
            return;
        }
        json_out_lit(o, r ? ",{\"date\":" : "{\"date\":");
        json_out_str(o, day);
        json_out_lit(o, ",\"orders\":");
        json_out_int(o, DB_CELL(daily, r, SDAILY_ORDERS)->i);
        json_out_lit(o, ",\"revenue\":");
        write_money(o, DB_CELL(daily, r, SDAILY_REVENUE)->i);
        json_out_lit(o, "}");
    }
    json_out_lit(o, "]");
}

/* "top_products": the product rows as they come. */
static void stats_top_write(struct json_out *o, const struct db_rows *top)
{
    json_out_lit(o, ",\"top_products\":[");
    for (size_t r = 0; r < top->count && !o->failed; r++) {
        const char *name = DB_CELL(top, r, STOP_NAME)->s;
        if (!name) {
            o->failed = 1;
            return;
        }
        json_out_lit(o, r ? ",{\"product_id\":" : "{\"product_id\":");
        json_out_int(o, DB_CELL(top, r, STOP_PRODUCT_ID)->i);
        json_out_lit(o, ",\"name\":");
        json_out_str(o, name);
        json_out_lit(o, ",\"quantity\":");
        json_out_int(o, DB_CELL(top, r, STOP_QUANTITY)->i);
        json_out_lit(o, ",\"revenue\":");
        write_money(o, DB_CELL(top, r, STOP_REVENUE)->i);
        json_out_lit(o, "}");
    }
    json_out_lit(o, "]");
}

/* One status count object, the names in enum order. */
static void counts_write(struct json_out *o, const int64_t *counts, int n, const char *(*name)(int))
{
    for (int s = 0; s < n; s++) {
        json_out_lit(o, s ? "," : "{");
        json_out_str(o, name(s));
        json_out_lit(o, ":");
        json_out_int(o, counts[s]);
    }
    json_out_lit(o, "}");
}

static const char *order_status_at(int s)
{
    return order_status_name((enum order_status)s);
}

static const char *payment_status_at(int s)
{
    return payment_status_name((enum payment_status)s);
}

int stats_body_write(struct json_out *o, const struct stats_body *b)
{
    struct stats_sums s;
    if (!b->from || !b->to || stats_sum(b->buckets, &s) != 0) {
        o->failed = 1;
        return -1;
    }
    json_out_lit(o, "{\"orders_by_status\":");
    counts_write(o, s.by_status, ORDER_STATUS_COUNT, order_status_at);
    json_out_lit(o, ",\"orders_by_payment_status\":");
    counts_write(o, s.by_payment, PAYMENT_STATUS_COUNT, payment_status_at);
    json_out_lit(o, ",\"order_count\":");
    json_out_int(o, s.count);
    json_out_lit(o, ",\"revenue\":");
    write_money(o, s.revenue);
    json_out_lit(o, ",\"average_order_value\":");
    write_money(o, s.average);
    stats_daily_write(o, b->daily);
    stats_top_write(o, b->top);
    json_out_lit(o, ",\"range\":{\"start_date\":");
    json_out_str(o, b->from);
    json_out_lit(o, ",\"end_date\":");
    json_out_str(o, b->to);
    json_out_lit(o, "}}");
    return o->failed ? -1 : 0;
}
