/*
 * aggregate_store.c — see aggregate_store.h.
 */
#include "store/aggregate_store.h"

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "domain/stats_delta.h"
#include "store/db.h"
#include "store/sql_text.h"
#include "store/statements.h"

/* Rows per upsert statement: well under the 65535 placeholders of a
 * prepared statement, and few distinct texts to prepare. */
#define UPSERT_CHUNK 200

int aggregate_store_pending(struct db *db, struct arena *a, size_t limit, struct db_rows *rows)
{
    struct db_value l = DBP_INT((int64_t)limit);
    return db_query(db, STMT_OUTBOX_UNAGGREGATED, &l, 1, a, rows);
}

int aggregate_store_mark(struct db *db, struct arena *a, const struct db_rows *rows)
{
    size_t n = rows->count;
    struct db_value *ids = arena_calloc(a, n, sizeof *ids);
    char *in = sql_in_list(a, n);
    if (!ids || !in)
        return DB_ERROR;
    for (size_t r = 0; r < n; r++)
        ids[r] = DBP_INT(DB_CELL(rows, r, OUTBOX_AGG_ID)->i);
    /* By primary key only: a condition on aggregated_at could have the
     * rows found through ix_outbox_unaggregated, and that locking scan
     * would lock the gap where every new event is inserted, holding the
     * order transactions up for as long as this one.  A row already
     * marked keeps its value, so it does not count as changed. */
    char *sql = arena_printf(a,
                             "UPDATE outbox_events SET aggregated_at = COALESCE(aggregated_at, CURRENT_TIMESTAMP(6))"
                             " WHERE id IN (%s)",
                             in);
    uint64_t affected = 0;
    int rc = sql ? db_exec_sql(db, sql, (unsigned)n, ids, &affected, NULL) : DB_ERROR;
    if (rc == DB_OK && affected != n)
        rc = DB_DUPLICATE; /* another consumer applied some of them */
    return rc;
}

static int stats_chunk(struct db *db, struct arena *a, const struct stats_bucket_delta *b, size_t n)
{
    struct db_value *v = arena_calloc(a, n * 5, sizeof *v);
    char *values = sql_groups(a, n, 5);
    if (!v || !values)
        return DB_ERROR;
    for (size_t i = 0; i < n; i++) {
        v[i * 5] = DBP_STR(b[i].day);
        v[i * 5 + 1] = DBP_STR(order_status_name(b[i].status));
        v[i * 5 + 2] = DBP_STR(payment_status_name(b[i].payment));
        v[i * 5 + 3] = DBP_INT(b[i].orders);
        v[i * 5 + 4] = DBP_INT(b[i].revenue);
    }
    char *sql = arena_printf(a,
                             "INSERT INTO order_stats_daily(day, status, payment_status, orders, revenue) VALUES %s"
                             " ON DUPLICATE KEY UPDATE orders = orders + VALUES(orders),"
                             " revenue = revenue + VALUES(revenue)",
                             values);
    return sql ? db_exec_sql(db, sql, (unsigned)(n * 5), v, NULL, NULL) : DB_ERROR;
}

static int sales_chunk(struct db *db, struct arena *a, const struct sales_delta *s, size_t n)
{
    struct db_value *v = arena_calloc(a, n * 4, sizeof *v);
    char *values = sql_groups(a, n, 4);
    if (!v || !values)
        return DB_ERROR;
    for (size_t i = 0; i < n; i++) {
        v[i * 4] = DBP_STR(s[i].day);
        v[i * 4 + 1] = DBP_INT(s[i].product_id);
        v[i * 4 + 2] = DBP_INT(s[i].quantity);
        v[i * 4 + 3] = DBP_INT(s[i].revenue);
    }
    char *sql = arena_printf(a,
                             "INSERT INTO product_sales_daily(day, product_id, quantity, revenue) VALUES %s"
                             " ON DUPLICATE KEY UPDATE quantity = quantity + VALUES(quantity),"
                             " revenue = revenue + VALUES(revenue)",
                             values);
    return sql ? db_exec_sql(db, sql, (unsigned)(n * 4), v, NULL, NULL) : DB_ERROR;
}

static int items_chunk(struct db *db, struct arena *a, const struct items_day_delta *d, size_t n)
{
    struct db_value *v = arena_calloc(a, n * 2, sizeof *v);
    char *values = sql_groups(a, n, 2);
    if (!v || !values)
        return DB_ERROR;
    for (size_t i = 0; i < n; i++) {
        v[i * 2] = DBP_STR(d[i].day);
        v[i * 2 + 1] = DBP_INT(d[i].quantity);
    }
    char *sql = arena_printf(a,
                             "INSERT INTO items_sold_daily(day, quantity) VALUES %s"
                             " ON DUPLICATE KEY UPDATE quantity = quantity + VALUES(quantity)",
                             values);
    return sql ? db_exec_sql(db, sql, (unsigned)(n * 2), v, NULL, NULL) : DB_ERROR;
}

/* The per-day units of the batch's sales, one row per day. */
static int apply_items(struct db *db, struct arena *a, const struct stats_deltas *d)
{
    if (d->nsales == 0)
        return DB_OK;
    struct items_day_delta *days = arena_calloc(a, d->nsales, sizeof *days);
    if (!days)
        return DB_ERROR;
    size_t n = stats_items_by_day(d->sales, d->nsales, days);
    int rc = DB_OK;
    for (size_t i = 0; rc == DB_OK && i < n; i += UPSERT_CHUNK)
        rc = items_chunk(db, a, days + i, n - i < UPSERT_CHUNK ? n - i : UPSERT_CHUNK);
    return rc;
}

int aggregate_store_apply(struct db *db, struct arena *a, const struct stats_deltas *d)
{
    int rc = DB_OK;
    for (size_t i = 0; rc == DB_OK && i < d->nbuckets; i += UPSERT_CHUNK)
        rc = stats_chunk(db, a, d->buckets + i, d->nbuckets - i < UPSERT_CHUNK ? d->nbuckets - i : UPSERT_CHUNK);
    for (size_t i = 0; rc == DB_OK && i < d->nsales; i += UPSERT_CHUNK)
        rc = sales_chunk(db, a, d->sales + i, d->nsales - i < UPSERT_CHUNK ? d->nsales - i : UPSERT_CHUNK);
    return rc == DB_OK ? apply_items(db, a, d) : rc;
}
