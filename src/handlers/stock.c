/*
 * stock.c — GET /api/v1/admin/stock/health?low_stock_threshold=N (admin).
 *
 * How an operator proves stock is right: every product whose stock differs
 * from the sum of its ledger (its stock_movements rows, less the quantities
 * of its order items, which are the sales: sql/013; there should be none),
 * and the active
 * products at or below the threshold (default 5).
 */
#include <string.h>

#include "app.h"
#include "domain/catalog.h"
#include "handlers/handlers.h"
#include "handlers/respond.h"
#include "http/listing.h"
#include "http/problem.h"
#include "http/query.h"
#include "store/db.h"

static const char *const STOCK_HEALTH_PARAMS[] = {"low_stock_threshold", NULL};

void handle_stock_health(struct app *app, struct http_request *req, struct http_response *res)
{
    json_t *errors = json_array();
    if (!errors) {
        problem_internal_error(req, res, "out of memory");
        return;
    }
    query_check_allowed(req, STOCK_HEALTH_PARAMS, NULL, errors);
    int64_t threshold = 5;
    const char *v = http_query_get(req, "low_stock_threshold");
    if (v && parse_int64(v, 0, LOW_STOCK_THRESHOLD_MAX, &threshold) != 0)
        problem_add_error(errors, "low_stock_threshold", "out_of_range", "A whole number from 0 to 1000000");
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return;
    }
    json_decref(errors);
    struct db_rows low, mismatched, total;
    struct db_value p = DBP_INT(threshold);
    int rc = db_query(app->db, STMT_STOCK_LOW, &p, 1, req->arena, &low);
    if (rc == DB_OK)
        rc = db_query(app->db, STMT_STOCK_MISMATCH, NULL, 0, req->arena, &mismatched);
    if (rc == DB_OK)
        rc = db_query_row(app->db, STMT_PRODUCT_COUNT_ALL, NULL, 0, req->arena, &total);
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "stock health");
        return;
    }
    json_t *low_json = json_array(), *mismatch_json = json_array();
    for (size_t r = 0; low_json && r < low.count; r++)
        json_array_append_new(low_json,
                              json_pack("{s:I, s:s, s:s, s:I}", "product_id", (json_int_t)DB_CELL(&low, r, SLOW_ID)->i,
                                        "sku", DB_CELL(&low, r, SLOW_SKU)->s, "name", DB_CELL(&low, r, SLOW_NAME)->s,
                                        "stock", (json_int_t)DB_CELL(&low, r, SLOW_STOCK)->i));
    for (size_t r = 0; mismatch_json && r < mismatched.count; r++)
        json_array_append_new(mismatch_json, json_pack("{s:I, s:s, s:s, s:I, s:I}", "product_id",
                                                       (json_int_t)DB_CELL(&mismatched, r, SMIS_ID)->i, "sku",
                                                       DB_CELL(&mismatched, r, SMIS_SKU)->s, "name",
                                                       DB_CELL(&mismatched, r, SMIS_NAME)->s, "stock",
                                                       (json_int_t)DB_CELL(&mismatched, r, SMIS_STOCK)->i, "ledger_sum",
                                                       (json_int_t)DB_CELL(&mismatched, r, SMIS_LEDGER_SUM)->i));
    json_t *body = json_pack("{s:I, s:I, s:b, s:o, s:o}", "low_stock_threshold", (json_int_t)threshold,
                             "products_checked", (json_int_t)DB_CELL(&total, 0, SINGLE_VALUE)->i, "consistent",
                             mismatched.count == 0, "low_stock", low_json, "ledger_mismatches", mismatch_json);
    respond_json(req, res, 200, body);
}
