/*
 * sales_pack_store.h — product_sales_pack (sql/012_sales_pack.sql): every
 * product's running sales totals packed in a row per (day, chunk of
 * product ids), so that the top products of any range read the packs of
 * two days (domain/sales_pack.h) and rank them in C, and what the relay
 * writes to keep them.
 */
#ifndef ORDERAPI_SALES_PACK_STORE_H
#define ORDERAPI_SALES_PACK_STORE_H

#include <stddef.h>

struct arena;
struct db;
struct db_rows;
struct sales_delta;

/* The shapes of sales_pack_store_top's rows. */
enum sales_pack_top_shape {
    SALES_TOP_STATS,  /* enum stats_top_col: product id, name, units, revenue */
    SALES_TOP_REPORT, /* enum report_top_col: product id, sku, name, units, revenue */
};

/* The best-selling products of from_day..to_day (inclusive, "YYYY-MM-DD"):
 * those that sold a unit, best first by revenue or units (by_quantity),
 * ties by product id, the first `limit` of them, with their names (a
 * product no longer in products is left out).  DB_*. */
int sales_pack_store_top(struct db *db, struct arena *a, const char *from_day, const char *to_day, int by_quantity,
                         size_t limit, enum sales_pack_top_shape shape, struct db_rows *rows);
/* The same, between two materialized days the caller has found: the
 * totals of end_day minus those of start_day (NULL: nothing before). */
int sales_pack_store_top_between(struct db *db, struct arena *a, const char *start_day, const char *end_day,
                                 int by_quantity, size_t limit, enum sales_pack_top_shape shape, struct db_rows *rows);

/* The relay, in its batch transaction.  A day new to order_totals_daily
 * gets the packs of the latest day before it, copied.  DB_*. */
int sales_pack_store_materialize(struct db *db, const char *day);
/* The merged sales deltas d[0..n) (ascending by day, then product) added
 * to the packs of their day and of every later materialized day (all of
 * them materialized already).  DB_*. */
int sales_pack_store_apply(struct db *db, struct arena *a, const struct sales_delta *d, size_t n);

#endif
