/*
 * aggregate_store.c — see aggregate_store.h.
 */
#include "store/aggregate_store.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "domain/stats_delta.h"
#include "store/db.h"
#include "store/sales_pack_store.h"
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

/* One aggregate table the relay adds deltas to: its columns, the ones a
 * duplicate key adds to, and how a delta row of it is bound. */
struct upsert_table {
    const char *name;
    const char *columns;     /* the key columns first, "day" the first of them */
    const char *const *sums; /* the columns added to, NULL-terminated */
    size_t width;            /* columns (bound values per row) */
    size_t row_size;         /* of the delta struct, which starts with its day */
    void (*bind)(const void *row, struct db_value *v);
};

/* apply_running compares a delta's day at the start of its struct. */
_Static_assert(offsetof(struct stats_bucket_delta, day) == 0, "a bucket delta starts with its day");
_Static_assert(offsetof(struct sales_delta, day) == 0, "a sales delta starts with its day");
_Static_assert(offsetof(struct day_totals_delta, day) == 0, "a day's totals start with the day");

static void bind_bucket(const void *row, struct db_value *v)
{
    const struct stats_bucket_delta *b = row;
    v[0] = DBP_STR(b->day);
    v[1] = DBP_STR(order_status_name(b->status));
    v[2] = DBP_STR(payment_status_name(b->payment));
    v[3] = DBP_INT(b->orders);
    v[4] = DBP_INT(b->revenue);
}

static void bind_sale(const void *row, struct db_value *v)
{
    const struct sales_delta *s = row;
    v[0] = DBP_STR(s->day);
    v[1] = DBP_INT(s->product_id);
    v[2] = DBP_INT(s->quantity);
    v[3] = DBP_INT(s->revenue);
}

static void bind_totals(const void *row, struct db_value *v)
{
    const struct day_totals_delta *t = row;
    v[0] = DBP_STR(t->day);
    v[1] = DBP_INT(t->orders_all);
    v[2] = DBP_INT(t->orders_counted);
    v[3] = DBP_INT(t->revenue_counted);
    v[4] = DBP_INT(t->items);
}

static const char *const BUCKET_SUMS[] = {"orders", "revenue", NULL};
static const char *const SALE_SUMS[] = {"quantity", "revenue", NULL};
static const char *const TOTALS_SUMS[] = {"orders_all", "orders_counted", "revenue_counted", "items_counted", NULL};

static const struct upsert_table STATS_DAILY = {"order_stats_daily", "day, status, payment_status, orders, revenue",
                                                BUCKET_SUMS, 5, sizeof(struct stats_bucket_delta), bind_bucket};
static const struct upsert_table STATS_CUM = {"order_stats_cum", "day, status, payment_status, orders, revenue",
                                              BUCKET_SUMS, 5, sizeof(struct stats_bucket_delta), bind_bucket};
static const struct upsert_table SALES_DAILY = {"product_sales_daily", "day, product_id, quantity, revenue",
                                                SALE_SUMS, 4, sizeof(struct sales_delta), bind_sale};
static const struct upsert_table TOTALS_DAILY = {"order_totals_daily",
                                                 "day, orders_all, orders_counted, revenue_counted, items_counted",
                                                 TOTALS_SUMS, 5, sizeof(struct day_totals_delta), bind_totals};

/* Rows rows[0..n) (n <= UPSERT_CHUNK) added to table t in one statement. */
static int upsert_chunk(struct db *db, struct arena *a, const struct upsert_table *t, const char *rows, size_t n)
{
    struct db_value *v = arena_calloc(a, n * t->width, sizeof *v);
    char *values = sql_groups(a, n, t->width);
    const char *update = "";
    if (!v || !values)
        return DB_ERROR;
    for (size_t i = 0; i < n; i++)
        t->bind(rows + i * t->row_size, v + i * t->width);
    for (size_t k = 0; update && t->sums[k]; k++)
        update = arena_printf(a, "%s%s%s = %s + VALUES(%s)", update, k ? ", " : "", t->sums[k], t->sums[k],
                              t->sums[k]);
    char *sql = update ? arena_printf(a, "INSERT INTO %s(%s) VALUES %s ON DUPLICATE KEY UPDATE %s", t->name,
                                      t->columns, values, update)
                       : NULL;
    return sql ? db_exec_sql(db, sql, (unsigned)(n * t->width), v, NULL, NULL) : DB_ERROR;
}

/* Rows rows[0..n) added to table t, UPSERT_CHUNK rows a statement. */
static int upsert_all(struct db *db, struct arena *a, const struct upsert_table *t, const void *rows, size_t n)
{
    int rc = DB_OK;
    for (size_t i = 0; rc == DB_OK && i < n; i += UPSERT_CHUNK)
        rc = upsert_chunk(db, a, t, (const char *)rows + i * t->row_size, n - i < UPSERT_CHUNK ? n - i : UPSERT_CHUNK);
    return rc;
}

/* Each day of the batch that order_totals_daily lacks is materialized in
 * the running totals: the rows of the latest day before it, copied.  Its
 * own deltas (and those of earlier days) are added afterwards. */
static int materialize_days(struct db *db, struct arena *a, const struct day_totals_delta *days, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct db_value day = DBP_STR(days[i].day), twice[2] = {DBP_STR(days[i].day), DBP_STR(days[i].day)};
        struct db_rows known;
        int rc = db_query_row(db, STMT_AGG_DAY_KNOWN, &day, 1, a, &known);
        if (rc != DB_OK)
            return rc;
        if (DB_CELL(&known, 0, SINGLE_VALUE)->i > 0)
            continue;
        rc = db_exec(db, STMT_AGG_MATERIALIZE_STATS, twice, 2, NULL, NULL);
        if (rc == DB_OK)
            rc = sales_pack_store_materialize(db, days[i].day);
        if (rc != DB_OK)
            return rc;
    }
    return DB_OK;
}

static int carry_bucket(struct db *db, const void *row)
{
    const struct stats_bucket_delta *b = row;
    struct db_value v[5] = {DBP_STR(order_status_name(b->status)), DBP_STR(payment_status_name(b->payment)),
                            DBP_INT(b->orders), DBP_INT(b->revenue), DBP_STR(b->day)};
    return db_exec(db, STMT_AGG_CARRY_STATS, v, 5, NULL, NULL);
}

/* The merged deltas rows[0..n) (ascending by day) added to the buckets'
 * running totals: a delta of the last materialized day to that day's row (the usual
 * case, many rows a statement), a delta of an earlier day to its day's row
 * and every later one (a statement each: a late cancellation, say). */
static int apply_running(struct db *db, struct arena *a, const struct upsert_table *t, const void *rows, size_t n,
                         const char *last_day, int (*carry)(struct db *db, const void *row))
{
    const char *base = rows;
    size_t late = 0;
    while (late < n && strcmp(base + late * t->row_size, last_day) < 0)
        late++;
    int rc = DB_OK;
    for (size_t i = 0; rc == DB_OK && i < late; i++)
        rc = carry(db, base + i * t->row_size);
    return rc == DB_OK ? upsert_all(db, a, t, base + late * t->row_size, n - late) : rc;
}

/* The day totals and the buckets' running totals of the batch
 * (sql/011_running_totals.sql), and the products' packed ones
 * (sql/012_sales_pack.sql; their unpacked table went in 014). */
static int apply_totals(struct db *db, struct arena *a, const struct stats_deltas *d)
{
    struct day_totals_delta *days = arena_calloc(a, d->nbuckets + d->nsales, sizeof *days);
    if (!days)
        return DB_ERROR;
    size_t ndays = stats_day_totals(d, days);
    int rc = materialize_days(db, a, days, ndays);
    if (rc == DB_OK)
        rc = upsert_all(db, a, &TOTALS_DAILY, days, ndays);
    struct db_rows last;
    if (rc == DB_OK)
        rc = db_query_row(db, STMT_AGG_LAST_DAY, NULL, 0, a, &last);
    if (rc != DB_OK)
        return rc;
    const struct db_value *last_day = DB_CELL(&last, 0, SINGLE_VALUE);
    if (last_day->type == DBV_NULL)
        return DB_OK; /* nothing in the batch */
    rc = apply_running(db, a, &STATS_CUM, d->buckets, d->nbuckets, last_day->s, carry_bucket);
    return rc == DB_OK ? sales_pack_store_apply(db, a, d->sales, d->nsales) : rc;
}

int aggregate_store_apply(struct db *db, struct arena *a, const struct stats_deltas *d)
{
    if (d->nbuckets == 0 && d->nsales == 0)
        return DB_OK;
    int rc = upsert_all(db, a, &STATS_DAILY, d->buckets, d->nbuckets);
    if (rc == DB_OK)
        rc = upsert_all(db, a, &SALES_DAILY, d->sales, d->nsales);
    return rc == DB_OK ? apply_totals(db, a, d) : rc;
}
