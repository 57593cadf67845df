/*
 * report_store.h — the queries behind GET /reports/sales and /reports/top-products (admin): from the
 * aggregates the relay keeps (order_totals_daily, a row per day, and the
 * packed running totals of product_sales_pack, a row per 1024 products at
 * each end of the range, ranked in C: store/sales_pack_store.h), however
 * many orders there are.  Days are "YYYY-MM-DD", both ends
 * inclusive.
 */
#ifndef ORDERAPI_REPORT_STORE_H
#define ORDERAPI_REPORT_STORE_H

#include <stdint.h>

struct arena;
struct db;
struct db_rows;

/* Per day: orders, revenue and items sold counting toward revenue (enum
 * report_sales_col).  DB_*. */
int report_store_sales(struct db *db, struct arena *a, const char *from_day, const char *to_day,
                       struct db_rows *sales);

/* The best-selling products (enum report_top_col), by revenue or by
 * quantity, at most limit of them.  DB_*. */
int report_store_top_products(struct db *db, struct arena *a, const char *from_day, const char *to_day,
                              int by_quantity, int64_t limit, struct db_rows *rows);

#endif
