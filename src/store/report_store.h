/*
 * report_store.h — the queries behind GET /reports/sales and /reports/top-products (admin): sums from the
 * daily aggregates (order_stats_daily, product_sales_daily), so a report
 * reads a few rows per day asked for, however many orders there are.  Days
 * are "YYYY-MM-DD", both ends inclusive.
 */
#ifndef ORDERAPI_REPORT_STORE_H
#define ORDERAPI_REPORT_STORE_H

#include <stdint.h>

struct arena;
struct db;
struct db_rows;

/* Per day: orders and revenue counting toward revenue (enum
 * report_sales_col), and items sold (enum report_items_col).  DB_*. */
int report_store_sales(struct db *db, struct arena *a, const char *from_day, const char *to_day,
                       struct db_rows *sales, struct db_rows *items);

/* The best-selling products (enum report_top_col), by revenue or by
 * quantity, at most limit of them.  DB_*. */
int report_store_top_products(struct db *db, struct arena *a, const char *from_day, const char *to_day,
                              int by_quantity, int64_t limit, struct db_rows *rows);

#endif
