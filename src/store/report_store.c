/*
 * report_store.c — the reports' queries (see report_store.h).
 */
#include "store/report_store.h"

#include <string.h>

#include "store/db.h"
#include "store/sales_pack_store.h"
#include "store/statements.h"

int report_store_sales(struct db *db, struct arena *a, const char *from_day, const char *to_day,
                       struct db_rows *sales)
{
    struct db_value range[2] = {DBP_STR(from_day), DBP_STR(to_day)};
    return db_query(db, STMT_REPORT_SALES_DAILY, range, 2, a, sales);
}

int report_store_top_products(struct db *db, struct arena *a, const char *from_day, const char *to_day,
                              int by_quantity, int64_t limit, struct db_rows *rows)
{
    if (limit < 0)
        return DB_ERROR;
    return sales_pack_store_top(db, a, from_day, to_day, by_quantity, (size_t)limit, SALES_TOP_REPORT, rows);
}
