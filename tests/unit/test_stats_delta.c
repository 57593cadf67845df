/*
 * test_stats_delta.c — order events into aggregate deltas
 * (src/domain/stats_delta.c): each event type's buckets and sales, an
 * order's whole life summing to its final bucket, merging and dropping
 * zeros, and malformed payloads adding nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domain/stats_delta.h"

static int add(struct stats_deltas *d, const char *type, const char *json)
{
    json_t *p = json_loads(json, 0, NULL);
    assert_non_null(p);
    int rc = stats_deltas_add_event(d, type, p);
    json_decref(p);
    return rc;
}

static void assert_bucket(const struct stats_bucket_delta *b, const char *day, enum order_status status,
                          enum payment_status payment, int64_t orders, int64_t revenue)
{
    assert_string_equal(b->day, day);
    assert_int_equal(b->status, status);
    assert_int_equal(b->payment, payment);
    assert_int_equal(b->orders, orders);
    assert_int_equal(b->revenue, revenue);
}

static void assert_sale(const struct sales_delta *s, const char *day, int64_t product, int64_t quantity,
                        int64_t revenue)
{
    assert_string_equal(s->day, day);
    assert_int_equal(s->product_id, product);
    assert_int_equal(s->quantity, quantity);
    assert_int_equal(s->revenue, revenue);
}

#define CREATED                                                                                          \
    "{\"order_id\": 7, \"status\": \"pending\", \"payment_status\": \"pending\","                        \
    " \"created_at\": \"2026-12-01T23:59:59Z\", \"total_amount\": \"33.00\","                            \
    " \"items\": [{\"product_id\": 5, \"quantity\": 2, \"total_amount\": \"22.00\"},"                    \
    " {\"product_id\": 3, \"quantity\": 1, \"total_amount\": \"11.00\"}]}"

static void test_created_adds_the_order_and_its_lines(void **state)
{
    (void)state;
    struct stats_deltas d = {0};
    assert_int_equal(add(&d, "order.created", CREATED), STATS_DELTA_OK);
    stats_deltas_merge(&d);
    assert_int_equal(d.nbuckets, 1);
    assert_bucket(&d.buckets[0], "2026-12-01", ORDER_PENDING, PAYMENT_PENDING, 1, 3300);
    assert_int_equal(d.nsales, 2);
    assert_sale(&d.sales[0], "2026-12-01", 3, 1, 1100); /* ascending product */
    assert_sale(&d.sales[1], "2026-12-01", 5, 2, 2200);
    stats_deltas_free(&d);
}

static void test_status_change_moves_the_order(void **state)
{
    (void)state;
    struct stats_deltas d = {0};
    assert_int_equal(add(&d, "order.status_changed",
                         "{\"from\": \"pending\", \"to\": \"confirmed\", \"payment_status\": \"paid\","
                         " \"total_amount\": \"10.00\", \"created_at\": \"2026-01-02T00:00:00Z\"}"),
                     STATS_DELTA_OK);
    stats_deltas_merge(&d);
    assert_int_equal(d.nbuckets, 2);
    assert_bucket(&d.buckets[0], "2026-01-02", ORDER_PENDING, PAYMENT_PAID, -1, -1000);
    assert_bucket(&d.buckets[1], "2026-01-02", ORDER_CONFIRMED, PAYMENT_PAID, 1, 1000);
    assert_int_equal(d.nsales, 0); /* still counts toward revenue: no items needed */
    stats_deltas_free(&d);
}

static void test_cancel_and_refund_take_the_lines_out(void **state)
{
    (void)state;
    struct stats_deltas d = {0};
    const char *items = "\"items\": [{\"product_id\": 5, \"quantity\": 2, \"total_amount\": \"22.00\"}]";
    char json[512];
    snprintf(json, sizeof json,
             "{\"from\": \"confirmed\", \"to\": \"cancelled\", \"payment_status\": \"pending\","
             " \"total_amount\": \"22.00\", \"created_at\": \"2026-01-02T10:00:00Z\", %s}", items);
    assert_int_equal(add(&d, "order.cancelled", json), STATS_DELTA_OK);
    snprintf(json, sizeof json,
             "{\"from\": \"completed\", \"to\": \"refunded\", \"payment_status\": \"paid\","
             " \"total_amount\": \"22.00\", \"created_at\": \"2026-01-03T10:00:00Z\", %s}", items);
    assert_int_equal(add(&d, "order.status_changed", json), STATS_DELTA_OK);
    stats_deltas_merge(&d);
    assert_int_equal(d.nsales, 2);
    assert_sale(&d.sales[0], "2026-01-02", 5, -2, -2200);
    assert_sale(&d.sales[1], "2026-01-03", 5, -2, -2200);
    /* Leaving revenue without its items cannot be applied. */
    assert_int_equal(add(&d, "order.cancelled",
                         "{\"from\": \"pending\", \"to\": \"cancelled\", \"payment_status\": \"pending\","
                         " \"total_amount\": \"1.00\", \"created_at\": \"2026-01-02T10:00:00Z\"}"),
                     STATS_DELTA_MALFORMED);
    stats_deltas_free(&d);
}

static void test_payment_change_moves_the_order_details_do_not(void **state)
{
    (void)state;
    struct stats_deltas d = {0};
    assert_int_equal(add(&d, "order.payment_updated",
                         "{\"from\": \"pending\", \"to\": \"paid\", \"status\": \"confirmed\","
                         " \"total_amount\": \"5.50\", \"created_at\": \"2026-03-04T05:06:07Z\"}"),
                     STATS_DELTA_OK);
    assert_int_equal(add(&d, "order.payment_updated", "{\"from\": \"paid\", \"to\": \"paid\"}"), STATS_DELTA_OK);
    stats_deltas_merge(&d);
    assert_int_equal(d.nbuckets, 2);
    assert_bucket(&d.buckets[0], "2026-03-04", ORDER_CONFIRMED, PAYMENT_PENDING, -1, -550);
    assert_bucket(&d.buckets[1], "2026-03-04", ORDER_CONFIRMED, PAYMENT_PAID, 1, 550);
    stats_deltas_free(&d);
}

static void test_discount_moves_the_revenue(void **state)
{
    (void)state;
    struct stats_deltas d = {0};
    assert_int_equal(add(&d, "order.updated",
                         "{\"changed\": [\"discount_amount\"], \"status\": \"pending\", \"payment_status\":"
                         " \"pending\", \"total_amount\": \"7.50\", \"previous_total_amount\": \"10.00\","
                         " \"created_at\": \"2026-03-04T05:06:07Z\"}"),
                     STATS_DELTA_OK);
    assert_int_equal(add(&d, "order.updated",
                         "{\"changed\": [\"notes\"], \"status\": \"pending\", \"payment_status\": \"pending\","
                         " \"total_amount\": \"7.50\", \"previous_total_amount\": \"7.50\","
                         " \"created_at\": \"2026-03-04T05:06:07Z\"}"),
                     STATS_DELTA_OK);
    stats_deltas_merge(&d);
    assert_int_equal(d.nbuckets, 1);
    assert_bucket(&d.buckets[0], "2026-03-04", ORDER_PENDING, PAYMENT_PENDING, 0, -250);
    stats_deltas_free(&d);
}

/* An order's whole life, in one batch, sums to the bucket it ends in; the
 * emptied buckets and its sales (it was refunded) drop out entirely. */
static void test_a_whole_life_merges_to_its_end(void **state)
{
    (void)state;
    struct stats_deltas d = {0};
    const char *day = "\"created_at\": \"2026-12-01T23:59:59Z\"";
    char json[512];
    assert_int_equal(add(&d, "order.created", CREATED), STATS_DELTA_OK);
    const char *steps[][2] = {{"pending", "processing"}, {"processing", "completed"}};
    for (size_t i = 0; i < 2; i++) {
        snprintf(json, sizeof json,
                 "{\"from\": \"%s\", \"to\": \"%s\", \"payment_status\": \"pending\","
                 " \"total_amount\": \"33.00\", %s}", steps[i][0], steps[i][1], day);
        assert_int_equal(add(&d, "order.status_changed", json), STATS_DELTA_OK);
    }
    snprintf(json, sizeof json,
             "{\"from\": \"pending\", \"to\": \"paid\", \"status\": \"completed\", \"total_amount\": \"33.00\", %s}",
             day);
    assert_int_equal(add(&d, "order.payment_updated", json), STATS_DELTA_OK);
    snprintf(json, sizeof json,
             "{\"from\": \"completed\", \"to\": \"refunded\", \"payment_status\": \"paid\", \"total_amount\":"
             " \"33.00\", %s, \"items\": [{\"product_id\": 5, \"quantity\": 2, \"total_amount\": \"22.00\"},"
             " {\"product_id\": 3, \"quantity\": 1, \"total_amount\": \"11.00\"}]}", day);
    assert_int_equal(add(&d, "order.status_changed", json), STATS_DELTA_OK);
    assert_int_equal(add(&d, "stock.low", "{\"product_id\": 5, \"stock\": 1}"), STATS_DELTA_OK);
    stats_deltas_merge(&d);
    assert_int_equal(d.nbuckets, 1);
    assert_bucket(&d.buckets[0], "2026-12-01", ORDER_REFUNDED, PAYMENT_PAID, 1, 3300);
    assert_int_equal(d.nsales, 0);
    stats_deltas_free(&d);
}

static void test_malformed_events_add_nothing(void **state)
{
    (void)state;
    struct stats_deltas d = {0};
    assert_int_equal(add(&d, "order.created", CREATED), STATS_DELTA_OK);
    size_t buckets = d.nbuckets, sales = d.nsales;
    static const char *const bad[] = {
        /* the old payload: no payment status, created_at or line totals */
        "{\"status\": \"pending\", \"total_amount\": \"33.00\", \"items\": [{\"product_id\": 5, \"quantity\": 2}]}",
        /* a line without its total, after a good one: nothing of either */
        "{\"status\": \"pending\", \"payment_status\": \"pending\", \"created_at\": \"2026-12-01T00:00:00Z\","
        " \"total_amount\": \"1.00\", \"items\": [{\"product_id\": 5, \"quantity\": 2, \"total_amount\": \"1.00\"},"
        " {\"product_id\": 6, \"quantity\": 1}]}",
        "{\"status\": \"shipping\", \"payment_status\": \"pending\", \"created_at\": \"2026-12-01T00:00:00Z\","
        " \"total_amount\": \"1.00\", \"items\": []}",
        "{\"status\": \"pending\", \"payment_status\": \"pending\", \"created_at\": \"2026-12-1T00:00:00Z\","
        " \"total_amount\": \"1.00\", \"items\": []}",
        "{\"status\": \"pending\", \"payment_status\": \"pending\", \"created_at\": \"2026-12-01T00:00:00Z\","
        " \"total_amount\": 1.001, \"items\": []}",
        "{\"status\": \"pending\", \"payment_status\": \"pending\", \"created_at\": \"2026-12-01T00:00:00Z\","
        " \"total_amount\": \"1.00\", \"items\": []}",
        "[]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(add(&d, "order.created", bad[i]), STATS_DELTA_MALFORMED);
    assert_int_equal(stats_deltas_add_event(&d, "order.created", NULL), STATS_DELTA_MALFORMED);
    assert_int_equal(stats_deltas_add_event(&d, "stock.low", NULL), STATS_DELTA_OK);
    assert_int_equal(stats_deltas_add_event(&d, NULL, NULL), STATS_DELTA_MALFORMED);
    assert_int_equal(d.nbuckets, buckets);
    assert_int_equal(d.nsales, sales);
    stats_deltas_free(&d);
    assert_null(d.buckets);
    assert_int_equal(d.nbuckets, 0);
}

/* Many orders on few keys merge to one row per key, however many were
 * collected (the arrays grow past their first capacity). */
static void test_many_orders_merge_per_key(void **state)
{
    (void)state;
    struct stats_deltas d = {0};
    for (int i = 0; i < 300; i++)
        assert_int_equal(add(&d, "order.created", i % 2 ? CREATED
                                                        : "{\"status\": \"pending\", \"payment_status\": \"pending\","
                                                          " \"created_at\": \"2026-12-02T00:00:00Z\","
                                                          " \"total_amount\": \"1.00\", \"items\": [{\"product_id\":"
                                                          " 5, \"quantity\": 1, \"total_amount\": \"1.00\"}]}"),
                         STATS_DELTA_OK);
    stats_deltas_merge(&d);
    assert_int_equal(d.nbuckets, 2);
    assert_bucket(&d.buckets[0], "2026-12-01", ORDER_PENDING, PAYMENT_PENDING, 150, 150 * 3300);
    assert_bucket(&d.buckets[1], "2026-12-02", ORDER_PENDING, PAYMENT_PENDING, 150, 150 * 100);
    assert_int_equal(d.nsales, 3);
    assert_sale(&d.sales[2], "2026-12-02", 5, 150, 150 * 100);
    stats_deltas_free(&d);
}

static void assert_totals(const struct day_totals_delta *t, const char *day, int64_t all, int64_t counted,
                          int64_t revenue, int64_t items)
{
    assert_string_equal(t->day, day);
    assert_int_equal(t->orders_all, all);
    assert_int_equal(t->orders_counted, counted);
    assert_int_equal(t->revenue_counted, revenue);
    assert_int_equal(t->items, items);
}

static void test_day_totals_sum_buckets_and_sales_per_day(void **state)
{
    (void)state;
    /* Merged deltas: buckets sorted by day, then sales sorted by day; a day
     * of each only, and a day whose changes cancel out (2026-12-02: an
     * order cancelled, its lines out) is kept, for the relay materializes
     * every day it is given. */
    struct stats_bucket_delta buckets[] = {
        {"2026-12-01", ORDER_PENDING, PAYMENT_PENDING, 2, 500},
        {"2026-12-01", ORDER_CANCELLED, PAYMENT_PENDING, 1, 300},
        {"2026-12-02", ORDER_PENDING, PAYMENT_PENDING, -1, -700},
        {"2026-12-02", ORDER_REFUNDED, PAYMENT_REFUNDED, 1, 700},
        {"2026-12-04", ORDER_DELIVERED, PAYMENT_PAID, 0, -50},
    };
    struct sales_delta sales[] = {
        {"2026-12-01", 1, 2, 200}, {"2026-12-01", 7, 3, 300}, {"2026-12-02", 1, -4, -700}, {"2026-12-03", 2, 1, 50},
    };
    struct stats_deltas d = {.buckets = buckets, .nbuckets = 5, .sales = sales, .nsales = 4};
    struct day_totals_delta out[9];
    size_t n = stats_day_totals(&d, out);
    assert_int_equal(n, 4);
    assert_totals(&out[0], "2026-12-01", 3, 2, 500, 5);
    assert_totals(&out[1], "2026-12-02", 0, -1, -700, -4);
    assert_totals(&out[2], "2026-12-03", 0, 0, 0, 1);
    assert_totals(&out[3], "2026-12-04", 0, 0, -50, 0);
    d.nbuckets = d.nsales = 0;
    assert_int_equal(stats_day_totals(&d, out), 0);
}

static void test_day_of(void **state)
{
    (void)state;
    char day[STATS_DAY_LEN + 1];
    assert_int_equal(stats_day_of("2026-12-01T23:59:59Z", day), 0);
    assert_string_equal(day, "2026-12-01");
    assert_int_equal(stats_day_of("2026-12-01", day), 0);
    assert_int_equal(stats_day_of("2026-12-01 00:00", day), -1);
    assert_int_equal(stats_day_of("2026/12/01", day), -1);
    assert_int_equal(stats_day_of("2026-12-0", day), -1);
    assert_int_equal(stats_day_of("", day), -1);
    assert_int_equal(stats_day_of(NULL, day), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_created_adds_the_order_and_its_lines),
        cmocka_unit_test(test_status_change_moves_the_order),
        cmocka_unit_test(test_cancel_and_refund_take_the_lines_out),
        cmocka_unit_test(test_payment_change_moves_the_order_details_do_not),
        cmocka_unit_test(test_discount_moves_the_revenue),
        cmocka_unit_test(test_a_whole_life_merges_to_its_end),
        cmocka_unit_test(test_malformed_events_add_nothing),
        cmocka_unit_test(test_many_orders_merge_per_key),
        cmocka_unit_test(test_day_totals_sum_buckets_and_sales_per_day),
        cmocka_unit_test(test_day_of),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
