/*
 * outbox_store.c — see outbox_store.h.
 */
#include "store/outbox_store.h"

#include <stdint.h>

#include "arena.h"
#include "store/db.h"
#include "store/sql_text.h"
#include "store/statements.h"

int outbox_store_pending(struct db *db, struct arena *a, size_t limit, struct db_rows *rows)
{
    struct db_value l = DBP_INT((int64_t)limit);
    return db_query(db, STMT_OUTBOX_PENDING, &l, 1, a, rows);
}

int outbox_store_mark_published(struct db *db, struct arena *a, const struct db_rows *rows)
{
    size_t n = rows->count;
    if (n == 0)
        return DB_OK;
    struct db_value *ids = arena_calloc(a, n, sizeof *ids);
    char *in = sql_in_list(a, n);
    if (!ids || !in)
        return DB_ERROR;
    for (size_t r = 0; r < n; r++)
        ids[r] = DBP_INT(DB_CELL(rows, r, OUTBOX_ID)->i);
    char *sql = arena_printf(a, "UPDATE outbox_events SET published_at = CURRENT_TIMESTAMP(6) WHERE id IN (%s)", in);
    return sql ? db_exec_sql(db, sql, (unsigned)n, ids, NULL, NULL) : DB_ERROR;
}
