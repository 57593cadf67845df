/*
 * sales_pack_store.c — see sales_pack_store.h.
 */
#include "store/sales_pack_store.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "domain/sales_pack.h"
#include "domain/stats_delta.h"
#include "log.h"
#include "store/db.h"
#include "store/sql_text.h"
#include "store/statements.h"

/* --- Reading: the top products of a range ------------------------------- */

/* One end of a range (the rows whose column `end` is 1): its chunks'
 * packs decoded in row order, which is chunk order and so ascending product
 * id (sales_pack_decode refuses ids that do not ascend, so a chunk twice or
 * out of order is an error).  DB_OK, or DB_ERROR for a pack that is not one. */
static int decode_end(struct arena *a, const struct db_rows *packs, enum sales_pack_col end, struct sales_total **out,
                      size_t *n)
{
    size_t total = 0;
    for (size_t r = 0; r < packs->count; r++) {
        long count = sales_pack_count(DB_CELL(packs, r, SPACK_TOTALS)->len);
        if (count < 0)
            return DB_ERROR;
        if (DB_CELL(packs, r, end)->i == 1)
            total += (size_t)count;
    }
    *n = 0;
    *out = arena_calloc(a, total + 1, sizeof **out);
    if (!*out)
        return DB_ERROR;
    for (size_t r = 0; r < packs->count; r++) {
        if (DB_CELL(packs, r, end)->i != 1)
            continue;
        const struct db_value *totals = DB_CELL(packs, r, SPACK_TOTALS);
        int64_t after = *n ? (*out)[*n - 1].product_id : 0;
        if (sales_pack_decode((const unsigned char *)totals->s, totals->len, after, *out + *n) != 0)
            return DB_ERROR;
        *n += totals->len / SALES_PACK_RECORD;
    }
    return DB_OK;
}

/* The products' id, sku and name, of the n ids. */
static int product_names(struct db *db, struct arena *a, const struct sales_total *top, size_t n,
                         struct db_rows *names)
{
    struct db_value *ids = arena_calloc(a, n, sizeof *ids);
    char *in = sql_in_list(a, n);
    char *sql = in ? arena_printf(a, "SELECT id, sku, name FROM products WHERE id IN (%s)", in) : NULL;
    if (!ids || !sql)
        return DB_ERROR;
    for (size_t i = 0; i < n; i++)
        ids[i] = DBP_INT(top[i].product_id);
    return db_query_sql(db, sql, (unsigned)n, ids, a, names);
}

/* The ranked top[0..n) with their names as rows of the shape asked for. */
static int top_rows(struct arena *a, const struct sales_total *top, size_t n, const struct db_rows *names,
                    enum sales_pack_top_shape shape, struct db_rows *rows)
{
    rows->columns = shape == SALES_TOP_REPORT ? REPORT_TOP_NCOLUMNS : STATS_TOP_NCOLUMNS;
    rows->count = 0;
    rows->cells = arena_calloc(a, (n ? n : 1) * rows->columns, sizeof *rows->cells);
    if (!rows->cells)
        return DB_ERROR;
    for (size_t i = 0; i < n; i++) {
        size_t r = 0;
        while (r < names->count && DB_CELL(names, r, PNAME_ID)->i != top[i].product_id)
            r++;
        if (r == names->count)
            continue; /* no longer a product: left out, as a join would */
        struct db_value *row = DB_CELL(rows, rows->count, 0);
        if (shape == SALES_TOP_REPORT) {
            row[RTOP_PRODUCT_ID] = DBP_INT(top[i].product_id);
            row[RTOP_SKU] = *DB_CELL(names, r, PNAME_SKU);
            row[RTOP_NAME] = *DB_CELL(names, r, PNAME_NAME);
            row[RTOP_QUANTITY] = DBP_INT(top[i].quantity);
            row[RTOP_REVENUE] = DBP_INT(top[i].revenue);
        } else {
            row[STOP_PRODUCT_ID] = DBP_INT(top[i].product_id);
            row[STOP_NAME] = *DB_CELL(names, r, PNAME_NAME);
            row[STOP_QUANTITY] = DBP_INT(top[i].quantity);
            row[STOP_REVENUE] = DBP_INT(top[i].revenue);
        }
        rows->count++;
    }
    return DB_OK;
}

/* The top of the packs read (enum sales_pack_col rows), ranked and named. */
static int top_of_packs(struct db *db, struct arena *a, const struct db_rows *packs, int by_quantity, size_t limit,
                        enum sales_pack_top_shape shape, struct db_rows *rows)
{
    struct db_rows names = {0};
    struct sales_total *start, *end, *top = arena_calloc(a, limit + 1, sizeof *top);
    size_t nstart, nend;
    if (!top)
        return DB_ERROR;
    if (decode_end(a, packs, SPACK_IS_START, &start, &nstart) != DB_OK ||
        decode_end(a, packs, SPACK_IS_END, &end, &nend) != DB_OK) {
        log_msg("error", "product_sales_pack: a pack of the range's ends is malformed");
        return DB_ERROR;
    }
    size_t n = sales_pack_top(end, nend, start, nstart, by_quantity, limit, top);
    int rc = n ? product_names(db, a, top, n, &names) : DB_OK;
    return rc == DB_OK ? top_rows(a, top, n, &names, shape, rows) : rc;
}

int sales_pack_store_top(struct db *db, struct arena *a, const char *from_day, const char *to_day, int by_quantity,
                         size_t limit, enum sales_pack_top_shape shape, struct db_rows *rows)
{
    struct db_value range[2] = {DBP_STR(from_day), DBP_STR(to_day)};
    struct db_rows packs;
    int rc = db_query(db, STMT_SALES_PACK_RANGE, range, 2, a, &packs);
    return rc == DB_OK ? top_of_packs(db, a, &packs, by_quantity, limit, shape, rows) : rc;
}

int sales_pack_store_top_between(struct db *db, struct arena *a, const char *start_day, const char *end_day,
                                 int by_quantity, size_t limit, enum sales_pack_top_shape shape, struct db_rows *rows)
{
    struct db_value start = start_day ? DBP_STR(start_day) : DBP_NULL, end = DBP_STR(end_day);
    struct db_value days[4] = {start, end, start, end};
    struct db_rows packs;
    int rc = db_query(db, STMT_SALES_PACK_DAYS, days, 4, a, &packs);
    return rc == DB_OK ? top_of_packs(db, a, &packs, by_quantity, limit, shape, rows) : rc;
}

/* --- Writing: the relay ---------------------------------------------------- */

int sales_pack_store_materialize(struct db *db, const char *day)
{
    struct db_value twice[2] = {DBP_STR(day), DBP_STR(day)};
    return db_exec(db, STMT_AGG_MATERIALIZE_PACK, twice, 2, NULL, NULL);
}

/* Working buffers of one chunk's update, room for a whole chunk plus the
 * batch's deltas (malloc'd: a late change rewrites every later day). */
struct chunk_work {
    struct sales_total *acc, *day, *old, *merged;
    size_t nacc, cap;
    unsigned char *blob;
};

/* The deltas of day `day` in chunk c (d[*i..) onwards, ascending by day)
 * folded into w->acc; *i moves past that day's deltas. */
static void fold_day(struct chunk_work *w, const struct sales_delta *d, size_t n, size_t *i, const char *day,
                     int64_t c)
{
    size_t nday = 0;
    for (; *i < n && strcmp(d[*i].day, day) <= 0; (*i)++)
        if (sales_pack_chunk(d[*i].product_id) == c)
            w->day[nday++] = (struct sales_total){d[*i].product_id, d[*i].quantity, d[*i].revenue};
    if (nday == 0)
        return;
    w->nacc = sales_pack_add(w->acc, w->nacc, w->day, nday, w->merged);
    memcpy(w->acc, w->merged, w->nacc * sizeof *w->acc);
}

/* Chunk c's pack of `day` (old: its row, or NULL when it has none yet)
 * plus the changes accumulated up to that day, written.  DB_*. */
static int put_day(struct db *db, struct chunk_work *w, const char *day, int64_t c, const struct db_value *old)
{
    long nold = old ? sales_pack_count(old->len) : 0;
    if (nold < 0 || (size_t)nold > w->cap - w->nacc ||
        (old && sales_pack_decode((const unsigned char *)old->s, old->len, c * SALES_PACK_CHUNK - 1, w->old) != 0)) {
        log_msg("error", "product_sales_pack: the pack of %s, chunk %lld, is malformed", day, (long long)c);
        return DB_ERROR;
    }
    size_t n = sales_pack_add(w->old, (size_t)nold, w->acc, w->nacc, w->merged);
    sales_pack_encode(w->merged, n, w->blob);
    struct db_value v[3] = {DBP_STR(day), DBP_INT(c), DBP_STRN((const char *)w->blob, n * SALES_PACK_RECORD)};
    return db_exec(db, STMT_AGG_PACK_PUT, v, 3, NULL, NULL);
}

/* Chunk c of every day in days (ascending, from the first delta's day):
 * its pack plus the deltas of that day and the days before.  DB_*. */
static int apply_chunk(struct db *db, struct arena *a, struct chunk_work *w, const struct sales_delta *d, size_t n,
                       int64_t c, const struct db_rows *days)
{
    struct db_value key[2] = {DBP_INT(c), DBP_STR(d[0].day)};
    struct db_rows packs;
    int rc = db_query(db, STMT_AGG_PACK_LOCKED, key, 2, a, &packs);
    size_t i = 0, p = 0;
    w->nacc = 0;
    for (size_t k = 0; rc == DB_OK && k < days->count; k++) {
        const char *day = DB_CELL(days, k, SINGLE_VALUE)->s;
        fold_day(w, d, n, &i, day, c);
        while (p < packs.count && strcmp(DB_CELL(&packs, p, PDAY_DAY)->s, day) < 0)
            p++;
        const struct db_value *old =
            p < packs.count && strcmp(DB_CELL(&packs, p, PDAY_DAY)->s, day) == 0 ? DB_CELL(&packs, p, PDAY_TOTALS)
                                                                                  : NULL;
        if (w->nacc > 0)
            rc = put_day(db, w, day, c, old);
    }
    return rc;
}

static int cmp_int64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* The distinct chunks of the deltas, ascending, into chunks; how many. */
static size_t delta_chunks(const struct sales_delta *d, size_t n, int64_t *chunks)
{
    for (size_t i = 0; i < n; i++)
        chunks[i] = sales_pack_chunk(d[i].product_id);
    qsort(chunks, n, sizeof *chunks, cmp_int64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || chunks[k - 1] != chunks[i])
            chunks[k++] = chunks[i];
    return k;
}

int sales_pack_store_apply(struct db *db, struct arena *a, const struct sales_delta *d, size_t n)
{
    if (n == 0)
        return DB_OK;
    struct db_value first = DBP_STR(d[0].day);
    struct db_rows days;
    int rc = db_query(db, STMT_AGG_DAYS_FROM, &first, 1, a, &days);
    int64_t *chunks = arena_calloc(a, n, sizeof *chunks);
    struct chunk_work w = {.cap = SALES_PACK_CHUNK + n};
    w.acc = calloc(w.cap, sizeof *w.acc);
    w.day = calloc(w.cap, sizeof *w.day);
    w.old = calloc(w.cap, sizeof *w.old);
    w.merged = calloc(w.cap, sizeof *w.merged);
    w.blob = malloc(w.cap * SALES_PACK_RECORD);
    if (rc == DB_OK && (!chunks || !w.acc || !w.day || !w.old || !w.merged || !w.blob))
        rc = DB_ERROR;
    size_t nchunks = rc == DB_OK ? delta_chunks(d, n, chunks) : 0;
    for (size_t k = 0; rc == DB_OK && k < nchunks; k++)
        rc = apply_chunk(db, a, &w, d, n, chunks[k], &days);
    free(w.acc);
    free(w.day);
    free(w.old);
    free(w.merged);
    free(w.blob);
    return rc;
}
