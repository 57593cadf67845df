/*
 * order_store.c — every order statement, and the order statements composed
 * at run time (multi-row inserts, the locks over a set of products, the
 * filtered lists).  See order_store.h.
 */
#include "store/order_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "domain/catalog.h"
#include "domain/order_filter.h"
#include "domain/order_rules.h"
#include "domain/sql_dialect.h"
#include "log.h"
#include "store/list_index.h"
#include "store/sales_pack_store.h"
#include "store/sql_text.h"
#include "store/statements.h"

/* --- Composing statements ---------------------------------------------- */

/* The arms of a CASE over product ids. */
static char *when_then(struct arena *a, size_t count)
{
    return sql_repeated(a, count, " WHEN ? THEN ?", "");
}

/* Runs a statement that must change exactly one row (the locked order). */
static int exec_one_row(struct db *db, enum stmt_id id, const struct db_value *params, size_t n, const char *what)
{
    uint64_t affected = 0;
    int rc = db_exec(db, id, params, n, &affected, NULL);
    if (rc != DB_OK)
        return rc;
    if (affected != 1) {
        log_msg("error", "%s changed %" PRIu64 " rows instead of 1", what, affected);
        return DB_ERROR;
    }
    return DB_OK;
}

/* --- Reading orders ---------------------------------------------------- */

int order_store_load(struct db *db, struct arena *a, const struct order_scope *s, int64_t id, int for_update,
                     struct db_rows *row)
{
    if (s->kind == ORDER_SCOPE_ALL) {
        struct db_value v = DBP_INT(id);
        return db_query_row(db, for_update ? STMT_ORDER_GET_LOCKED : STMT_ORDER_GET, &v, 1, a, row);
    }
    if (s->kind == ORDER_SCOPE_GUEST) {
        struct db_value v[2] = {DBP_INT(id), DBP_STR(s->phone)};
        return db_query_row(db, for_update ? STMT_ORDER_GET_GUEST_LOCKED : STMT_ORDER_GET_GUEST, v, 2, a, row);
    }
    struct db_value v[2] = {DBP_INT(id), DBP_INT(s->user_id)};
    return db_query_row(db, for_update ? STMT_ORDER_GET_USER_LOCKED : STMT_ORDER_GET_USER, v, 2, a, row);
}

int order_store_load_with_items(struct db *db, struct arena *a, const struct order_scope *s, int64_t id,
                                struct db_rows *row, struct db_rows *items)
{
    /* The owner condition is the same as order_store_load's; every value is bound. */
    const char *owner = s->kind == ORDER_SCOPE_ALL     ? ""
                        : s->kind == ORDER_SCOPE_GUEST ? " AND guest_phone = ? AND user_id IS NULL"
                                                       : " AND user_id = ?";
    struct db_value v[3] = {DBP_INT(id), DBP_NULL, DBP_INT(id)};
    unsigned n = 2;
    if (s->kind == ORDER_SCOPE_GUEST) {
        v[1] = DBP_STR(s->phone);
        n = 3;
    } else if (s->kind != ORDER_SCOPE_ALL) {
        v[1] = DBP_INT(s->user_id);
        n = 3;
    } else {
        v[1] = DBP_INT(id);
    }
    char *sql = arena_printf(a,
                             "SELECT o.*, i.* FROM (SELECT %s FROM orders WHERE id = ?%s) AS o"
                             " JOIN (SELECT %s FROM order_items WHERE order_id = ?) AS i ORDER BY i.id",
                             ORDER_COLUMNS_SQL, owner, ORDER_ITEM_COLUMNS_SQL);
    if (!sql)
        return DB_ERROR;
    struct db_rows all;
    int rc = db_query_sql(db, sql, n, v, a, &all);
    if (rc != DB_OK)
        return rc;
    if (all.count == 0)
        return DB_NOT_FOUND; /* every order has at least one item */
    /* Views into the joined rows: the order's columns come first. */
    *row = (struct db_rows){.count = 1, .columns = all.columns, .cells = all.cells};
    *items = (struct db_rows){.count = all.count, .columns = all.columns, .cells = all.cells + OC_COUNT};
    return DB_OK;
}

int order_store_items(struct db *db, struct arena *a, int64_t order_id, struct db_rows *items)
{
    struct db_value v = DBP_INT(order_id);
    return db_query(db, STMT_ORDER_ITEMS, &v, 1, a, items);
}

int order_store_history(struct db *db, struct arena *a, int64_t order_id, struct db_rows *rows)
{
    struct db_value v[2] = {DBP_INT(order_id), DBP_INT(order_id)};
    return db_query(db, STMT_ORDER_HISTORY, v, 2, a, rows);
}

/* STMT_STATS_DAILY's rows split: *start, the day before the range when the
 * first row is one (else NULL); *end, the range's last materialized day
 * (NULL when it has none); daily, the range's days that have orders. */
static int stats_days(struct arena *a, const struct db_rows *rows, const char *from_day, struct db_rows *daily,
                      const char **start, const char **end)
{
    size_t first = 0;
    *start = *end = NULL;
    for (size_t r = 0; r < rows->count; r++)
        if (!DB_CELL(rows, r, SDAILY_DAY)->s)
            return DB_ERROR;
    if (rows->count > 0 && strcmp(DB_CELL(rows, 0, SDAILY_DAY)->s, from_day) < 0) {
        *start = DB_CELL(rows, 0, SDAILY_DAY)->s;
        first = 1;
    }
    if (first < rows->count)
        *end = DB_CELL(rows, rows->count - 1, SDAILY_DAY)->s;
    *daily = (struct db_rows){.columns = STATS_DAILY_NCOLUMNS};
    daily->cells = arena_calloc(a, rows->count + 1, STATS_DAILY_NCOLUMNS * sizeof *daily->cells);
    if (!daily->cells)
        return DB_ERROR;
    for (size_t r = first; r < rows->count; r++) {
        if (DB_CELL(rows, r, SDAILY_ORDERS)->i <= 0)
            continue;
        memcpy(DB_CELL(daily, daily->count, SDAILY_DAY), DB_CELL(rows, r, SDAILY_DAY), STATS_DAILY_NCOLUMNS * sizeof *daily->cells);
        daily->count++;
    }
    return DB_OK;
}

/* The range's buckets from STMT_STATS_CUM_ENDS's rows: each of the end
 * day's running totals minus the start day's of the same bucket. */
static int stats_buckets(struct arena *a, const struct db_rows *cum, struct db_rows *buckets)
{
    *buckets = (struct db_rows){.columns = STATS_BUCKETS_NCOLUMNS};
    buckets->cells = arena_calloc(a, cum->count + 1, STATS_BUCKETS_NCOLUMNS * sizeof *buckets->cells);
    if (!buckets->cells)
        return DB_ERROR;
    for (size_t e = 0; e < cum->count; e++) {
        const struct db_value *end = DB_CELL(cum, e, SCUM_IS_END);
        if (end[SCUM_IS_END].i != 1)
            continue;
        if (!end[SCUM_STATUS].s || !end[SCUM_PAYMENT_STATUS].s)
            return DB_ERROR;
        int64_t orders = end[SCUM_ORDERS].i, revenue = end[SCUM_REVENUE].i;
        for (size_t s = 0; s < cum->count; s++) {
            const struct db_value *start = DB_CELL(cum, s, SCUM_IS_END);
            if (start[SCUM_IS_END].i == 1 || !start[SCUM_STATUS].s || !start[SCUM_PAYMENT_STATUS].s ||
                strcmp(start[SCUM_STATUS].s, end[SCUM_STATUS].s) != 0 ||
                strcmp(start[SCUM_PAYMENT_STATUS].s, end[SCUM_PAYMENT_STATUS].s) != 0)
                continue;
            if (__builtin_sub_overflow(orders, start[SCUM_ORDERS].i, &orders) ||
                __builtin_sub_overflow(revenue, start[SCUM_REVENUE].i, &revenue))
                return DB_ERROR;
        }
        struct db_value *row = DB_CELL(buckets, buckets->count++, SBUCKET_STATUS);
        row[SBUCKET_STATUS] = end[SCUM_STATUS];
        row[SBUCKET_PAYMENT_STATUS] = end[SCUM_PAYMENT_STATUS];
        row[SBUCKET_ORDERS] = DBP_INT(orders);
        row[SBUCKET_REVENUE] = DBP_INT(revenue);
    }
    return DB_OK;
}

/*
 * Three reads: the range's days with the day before it (which give the
 * running totals' two ends), the two ends' status buckets, and their packs
 * (the top ten, named).  A range without a materialized day has nothing
 * to subtract, and reads only the first.
 */
int order_store_stats(struct db *db, struct arena *a, const char *from_day, const char *to_day,
                      struct db_rows *buckets, struct db_rows *daily, struct db_rows *top)
{
    struct db_value range[3] = {DBP_STR(from_day), DBP_STR(from_day), DBP_STR(to_day)};
    struct db_rows days, cum;
    const char *start, *end;
    *buckets = (struct db_rows){.columns = STATS_BUCKETS_NCOLUMNS};
    *top = (struct db_rows){.columns = STATS_TOP_NCOLUMNS};
    int rc = db_query(db, STMT_STATS_DAILY, range, 3, a, &days);
    if (rc == DB_OK)
        rc = stats_days(a, &days, from_day, daily, &start, &end);
    if (rc != DB_OK || !end)
        return rc;
    struct db_value ends[3] = {DBP_STR(end), start ? DBP_STR(start) : DBP_NULL, DBP_STR(end)};
    rc = db_query(db, STMT_STATS_CUM_ENDS, ends, 3, a, &cum);
    if (rc == DB_OK)
        rc = stats_buckets(a, &cum, buckets);
    if (rc == DB_OK)
        rc = sales_pack_store_top_between(db, a, start, end, 1, 10, SALES_TOP_STATS, top);
    return rc;
}

/* --- The filtered lists ------------------------------------------------ */

#define TIMESTAMP_MAX_EPOCH 2147483647LL

/* A growing SQL text and its parameters, composed from fixed fragments. */
struct query_builder {
    struct arena *a;
    char sql[4096];
    size_t len;
    struct db_value params[64];
    unsigned n;
    int failed;
};

static void qb_text(struct query_builder *q, const char *text)
{
    size_t l = strlen(text);
    if (q->len + l >= sizeof q->sql) {
        q->failed = 1;
        return;
    }
    memcpy(q->sql + q->len, text, l + 1);
    q->len += l;
}

static void qb_param(struct query_builder *q, struct db_value v)
{
    if (q->n == sizeof q->params / sizeof q->params[0]) {
        q->failed = 1;
        return;
    }
    q->params[q->n++] = v;
}

/* Appends text and binds one value with it. */
static void qb_bind(struct query_builder *q, const char *text, struct db_value v)
{
    qb_text(q, text);
    qb_param(q, v);
}

/* Appends "AND col IN (?, …)" for the set bits of mask over names[]. */
static void qb_in(struct query_builder *q, const char *column, unsigned mask, const char *(*name)(int), int count)
{
    if (!mask)
        return;
    qb_text(q, " AND ");
    qb_text(q, column);
    qb_text(q, " IN (");
    int first = 1;
    for (int i = 0; i < count; i++) {
        if (!(mask & (1u << i)))
            continue;
        qb_text(q, first ? "?" : ", ?");
        qb_param(q, DBP_STR(name(i)));
        first = 0;
    }
    qb_text(q, ")");
}

static const char *status_name_i(int i) { return order_status_name((enum order_status)i); }
static const char *payment_name_i(int i) { return payment_status_name((enum payment_status)i); }
static const char *priority_name_i(int i) { return priority_name((enum order_priority)i); }

/* The owner condition of the scope (an admin's may name a user). */
static void qb_scope(struct query_builder *q, const struct order_scope *s, const struct order_filter *f)
{
    if (s->kind == ORDER_SCOPE_USER)
        qb_bind(q, " AND user_id = ?", DBP_INT(s->user_id));
    else if (s->kind == ORDER_SCOPE_GUEST)
        qb_bind(q, " AND guest_phone = ? AND user_id IS NULL", DBP_STR(s->phone));
    else if (f->user_id > 0)
        qb_bind(q, " AND user_id = ?", DBP_INT(f->user_id));
}

/* The customer name substring, its LIKE metacharacters escaped. */
static void qb_name_like(struct query_builder *q, const char *name)
{
    size_t len = strlen(name);
    char *pattern = arena_alloc(q->a, 2 * len + 3);
    if (!pattern) {
        q->failed = 1;
        return;
    }
    qb_bind(q, " AND customer_name LIKE ?", DBP_STR(like_contains_pattern(name, len, pattern)));
}

/* The creation time and amount bounds.  TIMESTAMP columns end in 2038: a
 * bound past that is open above, or (for a lower bound) matches nothing. */
static void qb_ranges(struct query_builder *q, const struct order_filter *f)
{
    if (f->created_from != INT64_MIN && f->created_from > TIMESTAMP_MAX_EPOCH)
        qb_text(q, " AND 1 = 0");
    else if (f->created_from != INT64_MIN)
        qb_bind(q, " AND created_at >= FROM_UNIXTIME(?)", DBP_INT(f->created_from));
    if (f->created_before != INT64_MAX && f->created_before <= TIMESTAMP_MAX_EPOCH)
        qb_bind(q, " AND created_at < FROM_UNIXTIME(?)", DBP_INT(f->created_before));
    if (f->min_amount >= 0)
        qb_bind(q, " AND total_amount >= ?", DBP_INT(f->min_amount));
    if (f->max_amount >= 0)
        qb_bind(q, " AND total_amount <= ?", DBP_INT(f->max_amount));
}

/* The WHERE clause for the scope and filter. */
static void qb_where(struct query_builder *q, const struct order_scope *s, const struct order_filter *f)
{
    qb_text(q, " WHERE 1 = 1");
    qb_scope(q, s, f);
    qb_in(q, "status", f->statuses, status_name_i, ORDER_STATUS_COUNT);
    qb_in(q, "payment_status", f->payment_statuses, payment_name_i, PAYMENT_STATUS_COUNT);
    qb_in(q, "priority", f->priorities, priority_name_i, PRIORITY_COUNT);
    if (f->order_number)
        qb_bind(q, " AND order_number = ?", DBP_STR(f->order_number));
    if (f->customer_name)
        qb_name_like(q, f->customer_name);
    if (f->customer_phone)
        qb_bind(q, " AND customer_phone = ?", DBP_STR(f->customer_phone));
    qb_ranges(q, f);
}

static const char *sort_sql(enum order_sort s)
{
    switch (s) {
    case SORT_CREATED_ASC: return " ORDER BY created_at ASC, id ASC";
    case SORT_TOTAL_DESC: return " ORDER BY total_amount DESC, id DESC";
    case SORT_TOTAL_ASC: return " ORDER BY total_amount ASC, id ASC";
    case SORT_CREATED_DESC:
    default: return " ORDER BY created_at DESC, id DESC";
    }
}

/* A time in microseconds as FROM_UNIXTIME's argument: "seconds.micros". */
static const char *micros_text(struct arena *a, int64_t us)
{
    int64_t seconds = us / 1000000, micros = us % 1000000;
    if (micros < 0) {
        seconds--;
        micros += 1000000;
    }
    return arena_printf(a, "%" PRId64 ".%06" PRId64, seconds, micros);
}

/* Rows after the cursor's, in the sort's order: "key beyond, or the same key
 * and id beyond", written so that the first condition is a range on the
 * sort's index (whose entries end in the primary key). */
static void qb_after(struct query_builder *q, enum order_sort sort, const struct order_list_after *after)
{
    int created = sort == SORT_CREATED_DESC || sort == SORT_CREATED_ASC;
    int desc = sort == SORT_CREATED_DESC || sort == SORT_TOTAL_DESC;
    const char *col = created ? "created_at" : "total_amount";
    const char *value = created ? "FROM_UNIXTIME(?)" : "?";
    struct db_value key = DBP_INT(after->key);
    if (created) {
        const char *text = micros_text(q->a, after->key);
        if (!text) {
            q->failed = 1;
            return;
        }
        key = DBP_STR(text);
    }
    qb_text(q, " AND ");
    qb_text(q, col);
    qb_bind(q, desc ? " <= " : " >= ", key);
    qb_text(q, value);
    qb_text(q, " AND (");
    qb_text(q, col);
    qb_bind(q, desc ? " < " : " > ", key);
    qb_text(q, value);
    qb_bind(q, desc ? " OR id < ?)" : " OR id > ?)", DBP_INT(after->id));
}

static enum list_owner list_owner_of(const struct order_scope *s)
{
    return s->kind == ORDER_SCOPE_USER ? LIST_OWNER_USER : s->kind == ORDER_SCOPE_GUEST ? LIST_OWNER_GUEST
                                                                                         : LIST_OWNER_ANY;
}

int order_store_list(struct db *db, struct arena *a, const struct order_scope *s, const struct order_filter *f,
                     int64_t limit, int64_t offset, const struct order_list_after *after, int want_total,
                     struct db_rows *rows, int64_t *total)
{
    struct query_builder *list = arena_calloc(a, 1, sizeof *list), *count = arena_calloc(a, 1, sizeof *count);
    if (!list || !count)
        return DB_ERROR;
    list->a = count->a = a;
    qb_text(list, "SELECT ");
    qb_text(list, ORDER_COLUMNS_SQL);
    qb_text(list, ", CAST(UNIX_TIMESTAMP(created_at) * 1000000 AS SIGNED) FROM orders");
    const char *index = after ? order_list_ordered_index(list_owner_of(s), f) : NULL;
    if (index) {
        qb_text(list, " FORCE INDEX (");
        qb_text(list, index);
        qb_text(list, ")");
    }
    qb_where(list, s, f);
    if (after)
        qb_after(list, f->sort, after);
    qb_text(list, sort_sql(f->sort));
    qb_bind(list, " LIMIT ?", DBP_INT(limit));
    if (!after)
        qb_bind(list, " OFFSET ?", DBP_INT(offset));
    qb_text(count, "SELECT COUNT(*) FROM orders");
    qb_where(count, s, f);
    if (list->failed || count->failed) {
        log_msg("error", "order list: query too large");
        return DB_ERROR;
    }
    struct db_rows counted;
    int rc = db_query_sql(db, list->sql, list->n, list->params, a, rows);
    *total = 0;
    if (rc == DB_OK && want_total)
        rc = db_query_sql(db, count->sql, count->n, count->params, a, &counted);
    if (rc == DB_OK && want_total)
        *total = counted.count ? DB_CELL(&counted, 0, SINGLE_VALUE)->i : 0;
    return rc;
}

int order_store_export_open(struct db *db, struct arena *a, const struct order_scope *s,
                            const struct order_filter *f, struct db_stream **out)
{
    struct query_builder *q = arena_calloc(a, 1, sizeof *q);
    if (!q)
        return DB_ERROR;
    q->a = a;
    qb_text(q, "SELECT id, order_number, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'), status, payment_status,"
               " customer_name,"
               " customer_email, customer_phone, item_count, subtotal, tax_amount, shipping_amount,"
               " discount_amount, total_amount FROM orders");
    /* In the sort's index order, so rows stream from the first one: without
     * it a million orders were sorted first (filesort), which outlasted the
     * read timeout before a row was sent. */
    const char *index = order_list_ordered_index(list_owner_of(s), f);
    if (index) {
        qb_text(q, " FORCE INDEX (");
        qb_text(q, index);
        qb_text(q, ")");
    }
    qb_where(q, s, f);
    qb_text(q, sort_sql(f->sort));
    if (q->failed) {
        log_msg("error", "order export: query too large");
        return DB_ERROR;
    }
    return db_stream_open(db, q->sql, q->n, q->params, a, out);
}

/* --- Placing an order -------------------------------------------------- */

int order_store_reserve_numbers(struct db *db, const char *day, int64_t block, int64_t *last)
{
    struct db_value p[3] = {DBP_STR(day), DBP_INT(block), DBP_INT(block)};
    uint64_t id = 0;
    int rc = db_exec(db, STMT_ORDER_SEQUENCE_NEXT, p, 3, NULL, &id);
    if (rc == DB_OK)
        *last = (int64_t)id;
    return rc;
}

int order_store_lock_products(struct db *db, struct arena *a, const struct order_line *lines, size_t n,
                              struct db_rows *products)
{
    char *ids = sql_in_list(a, n);
    struct db_value *params = arena_calloc(a, n, sizeof *params);
    if (!ids || !params)
        return DB_ERROR;
    for (size_t i = 0; i < n; i++)
        params[i] = DBP_INT(lines[i].product_id);
    char *sql = arena_printf(a,
                             "SELECT id, sku, name, price, tax_rate, stock, active FROM products"
                             " WHERE id IN (%s) ORDER BY id FOR UPDATE",
                             ids);
    if (!sql)
        return DB_ERROR;
    return db_query_sql(db, sql, (unsigned)n, params, a, products);
}

int order_store_take_stock(struct db *db, struct arena *a, const struct order_line *lines, size_t n)
{
    char *cases = when_then(a, n), *ids = sql_in_list(a, n);
    struct db_value *params = arena_calloc(a, n * 6, sizeof *params);
    if (!cases || !ids || !params)
        return DB_ERROR;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        params[k++] = DBP_INT(lines[i].product_id);
        params[k++] = DBP_INT(lines[i].quantity);
    }
    for (size_t i = 0; i < n; i++)
        params[k++] = DBP_INT(lines[i].product_id);
    for (size_t i = 0; i < n; i++) {
        params[k++] = DBP_INT(lines[i].product_id);
        params[k++] = DBP_INT(lines[i].quantity);
    }
    char *sql = arena_printf(a,
                             "UPDATE products SET stock = stock - CASE id%s END"
                             " WHERE id IN (%s) AND stock >= CASE id%s END",
                             cases, ids, cases);
    if (!sql)
        return DB_ERROR;
    uint64_t affected = 0;
    int rc = db_exec_sql(db, sql, (unsigned)k, params, &affected, NULL);
    if (rc != DB_OK)
        return rc;
    return affected == n ? DB_OK : DB_ERROR;
}

/*
 * Inserts the order of the ORDER_INSERT_NPARAMS values v and hands back its row as written
 * (id, defaults, timestamps).  MariaDB: INSERT … RETURNING.  The portable
 * dialect: the INSERT, then the row read back by the id it was given
 * (mysql_insert_id of a one-row insert), in the same transaction, so that
 * the answer is the same to the byte.
 */
static int order_row_written(struct db *db, struct arena *a, const struct db_value *v, struct db_rows *row)
{
    int rc;
    if (db_dialect(db) == SQL_DIALECT_MARIADB) {
        rc = db_query_row(db, STMT_ORDER_INSERT_RETURNING, v, ORDER_INSERT_NPARAMS, a, row);
    } else {
        uint64_t id = 0;
        rc = db_exec(db, STMT_ORDER_INSERT, v, ORDER_INSERT_NPARAMS, NULL, &id);
        if (rc == DB_OK && (id == 0 || id > INT64_MAX))
            rc = DB_ERROR;
        if (rc == DB_OK) {
            struct db_value key = DBP_INT(id);
            rc = db_query_row(db, STMT_ORDER_GET, &key, 1, a, row);
        }
    }
    return rc == DB_NOT_FOUND ? DB_ERROR : rc;
}

int order_store_insert(struct db *db, struct arena *a, const struct order_store_new *o, struct db_rows *row)
{
#define STR_OR_NULL(s) ((s) ? DBP_STR(s) : DBP_NULL)
    const struct order_totals *t = o->totals;
    struct db_value v[ORDER_INSERT_NPARAMS] = {
        DBP_STR(o->number),
        o->user_id > 0 ? DBP_INT(o->user_id) : DBP_NULL,
        o->user_id > 0 ? DBP_NULL : STR_OR_NULL(o->guest_phone),
        o->placed_by > 0 ? DBP_INT(o->placed_by) : DBP_NULL,
        STR_OR_NULL(o->payment_method),
        STR_OR_NULL(o->customer_name),
        STR_OR_NULL(o->customer_email),
        STR_OR_NULL(o->customer_phone),
        STR_OR_NULL(o->address),
        DBP_INT(t->item_count),
        DBP_INT(t->total_quantity),
        DBP_INT(t->subtotal),
        DBP_INT(t->tax_amount),
        DBP_INT(t->shipping_amount),
        DBP_INT(t->discount_amount),
        DBP_INT(t->total_amount),
        STR_OR_NULL(o->notes),
        DBP_STR("normal"),
    };
#undef STR_OR_NULL
    return order_row_written(db, a, v, row);
}

/* The locked product row of a product id (rows in ascending id order). */
static size_t product_row(const struct db_rows *products, int64_t id)
{
    for (size_t r = 0; r < products->count; r++)
        if (DB_CELL(products, r, LP_ID)->i == id)
            return r;
    return 0;
}

/*
 * Inserts the n items of order_id (their values, 11 each, in the
 * placeholder groups) and hands back their rows as written, in insertion
 * order.  MariaDB: INSERT … RETURNING.  The portable dialect: the INSERT,
 * then the order's items read back by order_id in id order: the ids of one
 * multi-row INSERT rise in row order (not necessarily by one: with
 * innodb_autoinc_lock_mode=2 a concurrent insert may take ids in between),
 * and the order's rows are locked and new, so no other item is among them.
 */
static int items_written(struct db *db, struct arena *a, int64_t order_id, const char *groups,
                         const struct db_value *item, size_t n, struct db_rows *items)
{
    int mariadb = db_dialect(db) == SQL_DIALECT_MARIADB;
    char *sql = arena_printf(a,
                             "INSERT INTO order_items(order_id, product_id, sku, product_name, unit_price, tax_rate,"
                             " quantity, subtotal, tax_amount, total_amount, notes) VALUES %s%s%s",
                             groups, mariadb ? " RETURNING " : "", mariadb ? ORDER_ITEM_COLUMNS_SQL : "");
    if (!sql)
        return DB_ERROR;
    int rc;
    if (mariadb) {
        rc = db_query_sql(db, sql, (unsigned)(n * 11), item, a, items);
    } else {
        uint64_t affected = 0;
        rc = db_exec_sql(db, sql, (unsigned)(n * 11), item, &affected, NULL);
        if (rc == DB_OK && affected != n)
            rc = DB_ERROR;
        if (rc == DB_OK)
            rc = order_store_items(db, a, order_id, items);
    }
    if (rc != DB_OK)
        return rc;
    return items->count == n ? DB_OK : DB_ERROR;
}

int order_store_insert_items(struct db *db, struct arena *a, int64_t order_id, const struct order_line *lines,
                             size_t n, const struct db_rows *products, struct db_rows *items)
{
    struct db_value *item = arena_calloc(a, n * 11, sizeof *item);
    char *groups = sql_groups(a, n, 11);
    if (!item || !groups)
        return DB_ERROR;
    for (size_t i = 0; i < n; i++) {
        const struct order_line *l = &lines[i];
        size_t r = product_row(products, l->product_id);
        struct db_value *v = &item[i * 11];
        v[0] = DBP_INT(order_id);
        v[1] = DBP_INT(l->product_id);
        v[2] = *DB_CELL(products, r, LP_SKU);
        v[3] = *DB_CELL(products, r, LP_NAME);
        v[4] = DBP_INT(l->unit_price);
        v[5] = DBP_INT(l->tax_rate);
        v[6] = DBP_INT(l->quantity);
        v[7] = DBP_INT(l->subtotal);
        v[8] = DBP_INT(l->tax_amount);
        v[9] = DBP_INT(l->total_amount);
        v[10] = l->notes ? DBP_STRN(l->notes, l->notes_len) : DBP_NULL;
    }
    return items_written(db, a, order_id, groups, item, n, items);
}

/* --- Changing an order ------------------------------------------------- */

int order_store_set_status(struct db *db, int64_t order_id, const char *from, const char *to)
{
    struct db_value set[3] = {DBP_STR(to), DBP_INT(order_id), DBP_STR(from)};
    return exec_one_row(db, STMT_ORDER_SET_STATUS, set, 3, "order status update");
}

int order_store_set_payment(struct db *db, int64_t order_id, const char *status, const char *method,
                            const char *transaction_ref)
{
    struct db_value set[4] = {DBP_STR(status), method ? DBP_STR(method) : DBP_NULL,
                              transaction_ref ? DBP_STR(transaction_ref) : DBP_NULL, DBP_INT(order_id)};
    return exec_one_row(db, STMT_ORDER_SET_PAYMENT, set, 4, "order payment update");
}

int order_store_update_fields(struct db *db, int64_t order_id, const struct db_value text[ORDER_TEXT_COUNT],
                              int64_t discount, int64_t total)
{
    struct db_value set[ORDER_TEXT_COUNT + 3];
    memcpy(set, text, ORDER_TEXT_COUNT * sizeof *set);
    set[ORDER_TEXT_COUNT] = DBP_INT(discount);
    set[ORDER_TEXT_COUNT + 1] = DBP_INT(total);
    set[ORDER_TEXT_COUNT + 2] = DBP_INT(order_id);
    return exec_one_row(db, STMT_ORDER_UPDATE_FIELDS, set, ORDER_TEXT_COUNT + 3, "order update");
}

int order_store_restock(struct db *db, struct arena *a, const struct db_rows *items, int64_t order_id,
                        int64_t actor)
{
    size_t n = items->count;
    if (n == 0)
        return DB_OK;
    /* Items are stored in ascending product order; keep it for the locks. */
    char *ids = sql_in_list(a, n), *cases = when_then(a, n), *groups = sql_repeated(a, n, "(?,?,'cancel',?,?)", ",");
    struct db_value *lock = arena_calloc(a, n, sizeof *lock);
    struct db_value *ledger = arena_calloc(a, n * 4, sizeof *ledger);
    struct db_value *update = arena_calloc(a, n * 3, sizeof *update);
    if (!ids || !cases || !groups || !lock || !ledger || !update)
        return DB_ERROR;
    for (size_t i = 0; i < n; i++) {
        int64_t product = DB_CELL(items, i, OIC_PRODUCT_ID)->i, quantity = DB_CELL(items, i, OIC_QUANTITY)->i;
        lock[i] = DBP_INT(product);
        update[2 * i] = DBP_INT(product);
        update[2 * i + 1] = DBP_INT(quantity);
        update[2 * n + i] = DBP_INT(product);
        struct db_value *m = &ledger[i * 4];
        m[0] = DBP_INT(product);
        m[1] = DBP_INT(quantity);
        m[2] = DBP_INT(order_id);
        m[3] = actor > 0 ? DBP_INT(actor) : DBP_NULL;
    }
    struct db_rows locked;
    char *sql = arena_printf(a, "SELECT id FROM products WHERE id IN (%s) ORDER BY id FOR UPDATE", ids);
    int rc = sql ? db_query_sql(db, sql, (unsigned)n, lock, a, &locked) : DB_ERROR;
    if (rc != DB_OK)
        return rc;
    sql = arena_printf(a, "INSERT INTO stock_movements(product_id, delta, reason, order_id, created_by) VALUES %s",
                       groups);
    rc = sql ? db_exec_sql(db, sql, (unsigned)(n * 4), ledger, NULL, NULL) : DB_ERROR;
    if (rc != DB_OK)
        return rc;
    sql = arena_printf(a, "UPDATE products SET stock = stock + CASE id%s END WHERE id IN (%s)", cases, ids);
    return sql ? db_exec_sql(db, sql, (unsigned)(n * 3), update, NULL, NULL) : DB_ERROR;
}

/* --- What every change writes ------------------------------------------ */

int order_store_history_add(struct db *db, int64_t order_id, const char *kind, const char *from, const char *to,
                            int64_t changed_by, const char *note)
{
    struct db_value v[6] = {DBP_INT(order_id), DBP_STR(kind), from ? DBP_STR(from) : DBP_NULL, DBP_STR(to),
                            changed_by > 0 ? DBP_INT(changed_by) : DBP_NULL, note ? DBP_STR(note) : DBP_NULL};
    return db_exec(db, STMT_ORDER_HISTORY_INSERT, v, 6, NULL, NULL);
}

int order_store_event_add(struct db *db, const char *type, int64_t order_id, json_t *payload)
{
    char *text = payload ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(payload);
    if (!text)
        return DB_ERROR;
    struct db_value v[3] = {DBP_STR(type), order_id > 0 ? DBP_INT(order_id) : DBP_NULL, DBP_STR(text)};
    int rc = db_exec(db, STMT_OUTBOX_INSERT, v, 3, NULL, NULL);
    free(text);
    return rc;
}
