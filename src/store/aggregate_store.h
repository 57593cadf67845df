/*
 * aggregate_store.h — the SQL of the relay's aggregator (events/aggregate.c):
 * the outbox events not yet applied to the daily aggregates, their marking,
 * and the aggregate rows' upserts.
 *
 * Each outbox row is marked applied (aggregated_at) in the same transaction
 * as the deltas it contributes, so an event is counted exactly once: a
 * crash before COMMIT leaves both undone, and a second consumer that read
 * the same rows finds them marked and rolls back.  A mark per row rather
 * than one "last applied id": outbox ids are taken at INSERT and committed
 * in any order, so an id below one already applied may still commit.
 */
#ifndef ORDERAPI_AGGREGATE_STORE_H
#define ORDERAPI_AGGREGATE_STORE_H

#include <stddef.h>

struct arena;
struct db;
struct db_rows;
struct stats_deltas;

/* Up to limit unapplied events in id order (enum outbox_agg_col).  DB_*. */
int aggregate_store_pending(struct db *db, struct arena *a, size_t limit, struct db_rows *rows);
/* Marks the events of rows applied; DB_DUPLICATE (roll back) when any of
 * them already was.  Inside the transaction that applies them. */
int aggregate_store_mark(struct db *db, struct arena *a, const struct db_rows *rows);
/* Adds the merged deltas to order_stats_daily and product_sales_daily, in
 * ascending key order, and what follows from them to order_totals_daily
 * and the running totals (order_stats_cum, sql/011; the products' in
 * product_sales_pack, sql/012, store/sales_pack_store.h):
 * a day not yet there is first materialized from the day before it, and a
 * delta of a day before the latest is carried to every later day.  DB_*. */
int aggregate_store_apply(struct db *db, struct arena *a, const struct stats_deltas *d);

#endif
