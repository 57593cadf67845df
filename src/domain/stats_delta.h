/*
 * stats_delta.h — what an order event changes in the daily aggregates
 * (order_stats_daily, product_sales_daily, items_sold_daily), as pure
 * functions.  The relay derives order_totals_daily and the running totals
 * (order_stats_cum, and the products' packed in product_sales_pack) from
 * the same merged deltas.
 *
 * The relay's aggregator (events/aggregate.c) reads committed outbox events
 * and turns each into deltas here: order.created adds the order to its
 * (day, status, payment status) bucket and its lines to their products'
 * sales; a status or payment change moves it from one bucket to another; a
 * change of the total (order.updated) moves the revenue; an order leaving
 * revenue (cancelled, refunded) takes its lines out of the sales again.
 * Each event carries what that needs (README.md, "Events"): the order's
 * created_at (its UTC day), status, payment status and total at the time of
 * the change, and its items when the change concerns product sales.
 *
 * The deltas of a batch are collected, then merged: sorted by key, equal
 * keys summed, zero rows dropped, so a batch writes each row once, in
 * ascending key order.  Memory is the collector's (stats_deltas_free).
 */
#ifndef ORDERAPI_STATS_DELTA_H
#define ORDERAPI_STATS_DELTA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/order_rules.h"

#define STATS_DAY_LEN 10 /* YYYY-MM-DD */

/* A change of one (day, status, payment status) bucket of order_stats_daily. */
struct stats_bucket_delta {
    char day[STATS_DAY_LEN + 1];
    enum order_status status;
    enum payment_status payment;
    int64_t orders;
    int64_t revenue;
};

/* A change of one (day, product) row of product_sales_daily. */
struct sales_delta {
    char day[STATS_DAY_LEN + 1];
    int64_t product_id;
    int64_t quantity;
    int64_t revenue;
};

/* A change of one day's row of order_totals_daily: every order, the
 * orders and revenue that count (not cancelled or refunded), and their
 * units, so a sales report or the statistics' daily series read a row per
 * day. */
struct day_totals_delta {
    char day[STATS_DAY_LEN + 1];
    int64_t orders_all;
    int64_t orders_counted;
    int64_t revenue_counted;
    int64_t items;
};

struct stats_deltas {
    struct stats_bucket_delta *buckets;
    size_t nbuckets, bucket_cap;
    struct sales_delta *sales;
    size_t nsales, sales_cap;
};

enum stats_delta_result {
    STATS_DELTA_OK = 0,         /* applied (possibly nothing: an event that moves no aggregate) */
    STATS_DELTA_MALFORMED = -1, /* the payload lacks a field the event type needs; nothing added */
    STATS_DELTA_NOMEM = -2,
};

/* Adds what one event changes.  type is the outbox type ("order.created",
 * …); other types (stock.low) change nothing.  On MALFORMED or NOMEM the
 * collector is left as it was before the call. */
int stats_deltas_add_event(struct stats_deltas *d, const char *type, const json_t *payload);
/* Sorts and sums equal keys; drops rows that sum to nothing. */
void stats_deltas_merge(struct stats_deltas *d);
/* The merged deltas of d summed per day into out, which has room for
 * d->nbuckets + d->nsales: a row for every day that has a bucket or sales
 * delta, even one that sums to nothing (the relay materializes every such
 * day).  Returns how many it wrote, in ascending day order. */
size_t stats_day_totals(const struct stats_deltas *d, struct day_totals_delta *out);
/* Frees the arrays; the collector is empty (and reusable) afterwards. */
void stats_deltas_free(struct stats_deltas *d);

/* The UTC day (YYYY-MM-DD) of an RFC 3339 UTC time "YYYY-MM-DDTHH:MM:SSZ"
 * (what the API writes); 0, or -1 when s does not start with a date. */
int stats_day_of(const char *s, char day[STATS_DAY_LEN + 1]);

#endif
