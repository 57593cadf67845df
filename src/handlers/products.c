/*
 * products.c — the catalog (API.md, Products and stock):
 *
 *   GET   /api/v1/products                        anyone  list, cached (X-Cache)
 *   GET   /api/v1/products/{id}                   anyone  200 / 404
 *   POST  /api/v1/products                        admin   201; 409 sku_taken; 422
 *   PATCH /api/v1/products/{id}                   admin   200; stock is refused here
 *   POST  /api/v1/products/{id}/stock-adjustments admin   200; 409 insufficient_stock
 *
 * Every stock change here writes a stock_movements row in the same
 * transaction (an order's sales are its items: sql/013), and every write makes the cached product lists stale after it commits.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "auth/principal.h"
#include "domain/catalog.h"
#include "domain/money.h"
#include "events/relay_wake.h"
#include "handlers/handlers.h"
#include "handlers/order_common.h"
#include "handlers/respond.h"
#include "http/fields.h"
#include "http/listing.h"
#include "http/problem.h"
#include "store/db.h"
#include "store/list_cache.h"

static const char *const PRODUCT_SCOPE[] = {"products"};

/* A product row (PRODUCT_COLUMNS order) as the contract's JSON. */
static json_t *product_json(const struct db_rows *rows, size_t r)
{
    char price[24], rate[24];
    const struct db_value *desc = DB_CELL(rows, r, PC_DESCRIPTION);
    return json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:I, s:b, s:s, s:s}", "id",
                     (json_int_t)DB_CELL(rows, r, PC_ID)->i, "sku", DB_CELL(rows, r, PC_SKU)->s, "name",
                     DB_CELL(rows, r, PC_NAME)->s, "description",
                     desc->type == DBV_STR ? json_string(desc->s) : json_null(), "price",
                     money_format(DB_CELL(rows, r, PC_PRICE)->i, price), "tax_rate",
                     tax_rate_format(DB_CELL(rows, r, PC_TAX_RATE)->i, rate), "stock",
                     (json_int_t)DB_CELL(rows, r, PC_STOCK)->i, "active", (int)DB_CELL(rows, r, PC_ACTIVE)->i,
                     "created_at", DB_CELL(rows, r, PC_CREATED_AT)->s, "updated_at",
                     DB_CELL(rows, r, PC_UPDATED_AT)->s);
}

/* Reads one product; DB_OK, DB_NOT_FOUND or an error. */
static int product_load(struct app *app, struct arena *a, enum stmt_id stmt, int64_t id, struct db_rows *rows)
{
    struct db_value p = DBP_INT(id);
    return db_query_row(app->db, stmt, &p, 1, a, rows);
}

void handle_product_get(struct app *app, struct http_request *req, struct http_response *res)
{
    struct db_rows rows;
    int rc = product_load(app, req->arena, STMT_PRODUCT_GET, req->path_ids[0], &rows);
    if (rc == DB_NOT_FOUND) {
        problem_send(req, res, 404, "not_found", "No such product");
        return;
    }
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "product get");
        return;
    }
    respond_json(req, res, 200, product_json(&rows, 0));
}

/* The product fields a create or update may carry, and their values. */
struct product_input {
    const char *sku, *name, *description;
    size_t name_len, description_len;
    int has_description;
    int64_t price, tax_rate, stock;
    int has_price, has_tax_rate, has_stock;
    int active, has_active;
};

/* Checks the values of a product body (shape already checked); appends
 * errors; fills in. */
static void product_input_read(const json_t *body, struct product_input *in, json_t *errors)
{
    const char *why;
    int err;
    memset(in, 0, sizeof *in);
    in->sku = fields_string(body, "sku", NULL);
    if (in->sku && (why = validate_sku(in->sku)))
        problem_add_error(errors, "sku", why, "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    in->name = fields_string(body, "name", &in->name_len);
    if (in->name && (why = validate_product_name(in->name, in->name_len)))
        problem_add_error(errors, "name", why, "Must be 1 to 200 printable characters");
    json_t *desc = json_object_get(body, "description");
    if (desc) {
        in->has_description = 1;
        in->description = fields_string(body, "description", &in->description_len);
        if (in->description && (why = validate_description(in->description, in->description_len)))
            problem_add_error(errors, "description", why, "At most 5000 bytes of text");
    }
    json_t *price = json_object_get(body, "price");
    if (price && (json_is_string(price) || json_is_number(price))) {
        in->has_price = 1;
        if ((err = money_parse_json(price, &in->price)) != MONEY_OK)
            problem_add_error(errors, "price", money_error_code(err),
                              "A non-negative amount with at most two decimals, such as \"12.50\"");
    }
    json_t *rate = json_object_get(body, "tax_rate");
    if (rate && (json_is_string(rate) || json_is_number(rate))) {
        in->has_tax_rate = 1;
        if ((err = tax_rate_parse_json(rate, &in->tax_rate)) != MONEY_OK)
            problem_add_error(errors, "tax_rate", money_error_code(err),
                              "A percentage from 0 to 100 with at most two decimals, such as \"8.25\"");
    }
    json_t *stock = json_object_get(body, "stock");
    if (json_is_integer(stock)) {
        in->has_stock = 1;
        in->stock = json_integer_value(stock);
        if (in->stock < 0 || in->stock > STOCK_MAX)
            problem_add_error(errors, "stock", "out_of_range", "A whole number from 0 to 2147483647");
    }
    json_t *active = json_object_get(body, "active");
    if (json_is_boolean(active)) {
        in->has_active = 1;
        in->active = json_is_true(active);
    }
}

static const struct field_spec PRODUCT_CREATE_FIELDS[] = {
    {.name = "sku", .type = FIELD_STRING, .required = 1},
    {.name = "name", .type = FIELD_STRING, .required = 1},
    {.name = "description", .type = FIELD_STRING, .nullable = 1},
    {.name = "price", .type = FIELD_STRING_OR_NUMBER, .required = 1},
    {.name = "tax_rate", .type = FIELD_STRING_OR_NUMBER},
    {.name = "stock", .type = FIELD_INTEGER},
    {.name = "active", .type = FIELD_BOOLEAN},
};

struct product_create_tx {
    const struct product_input *in;
    int64_t created_by;
    uint64_t id;
};

/* Inserts the product and, for initial stock, its first ledger row. */
static int product_create_tx(struct db *db, void *arg)
{
    struct product_create_tx *t = arg;
    const struct product_input *in = t->in;
    struct db_value p[7] = {
        DBP_STR(in->sku),
        DBP_STRN(in->name, in->name_len),
        in->description ? DBP_STRN(in->description, in->description_len) : DBP_NULL,
        DBP_INT(in->price),
        DBP_INT(in->has_tax_rate ? in->tax_rate : 0),
        DBP_INT(in->has_stock ? in->stock : 0),
        DBP_INT(in->has_active ? in->active : 1),
    };
    int rc = db_exec(db, STMT_PRODUCT_INSERT, p, 7, NULL, &t->id);
    if (rc != DB_OK || !in->has_stock || in->stock == 0)
        return rc;
    struct db_value m[6] = {DBP_INT(t->id), DBP_INT(in->stock), DBP_STR("adjustment"), DBP_NULL,
                            DBP_STR("initial stock"), DBP_INT(t->created_by)};
    return db_exec(db, STMT_STOCK_MOVEMENT_INSERT, m, 6, NULL, NULL);
}

void handle_product_create(struct app *app, struct http_request *req, struct http_response *res)
{
    json_t *errors = respond_body_errors(req, res, PRODUCT_CREATE_FIELDS, sizeof PRODUCT_CREATE_FIELDS / sizeof PRODUCT_CREATE_FIELDS[0]);
    if (!errors)
        return;
    struct product_input in;
    product_input_read(req->json, &in, errors);
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return;
    }
    json_decref(errors);
    struct product_create_tx t = {.in = &in, .created_by = req->principal->user_id};
    int rc = db_tx(app->db, product_create_tx, &t);
    if (rc == DB_DUPLICATE) {
        problem_send(req, res, 409, "sku_taken", "A product with this SKU already exists");
        return;
    }
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "product create");
        return;
    }
    list_cache_bump(app->cache, req->arena, PRODUCT_SCOPE, 1);
    struct db_rows rows;
    rc = product_load(app, req->arena, STMT_PRODUCT_GET, (int64_t)t.id, &rows);
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "product create: read back");
        return;
    }
    respond_json(req, res, 201, product_json(&rows, 0));
    http_response_header(res, "Location", arena_printf(req->arena, "/api/v1/products/%" PRIu64, t.id));
}

static const struct field_spec PRODUCT_UPDATE_FIELDS[] = {
    {.name = "sku", .type = FIELD_STRING},
    {.name = "name", .type = FIELD_STRING},
    {.name = "description", .type = FIELD_STRING, .nullable = 1},
    {.name = "price", .type = FIELD_STRING_OR_NUMBER},
    {.name = "tax_rate", .type = FIELD_STRING_OR_NUMBER},
    {.name = "active", .type = FIELD_BOOLEAN},
};

struct product_update_tx {
    const struct product_input *in;
    int64_t id;
    struct arena *arena;
    struct db_rows rows; /* the product after the update */
};

/* Locks the row, merges the changes, writes them back. */
static int product_update_tx(struct db *db, void *arg)
{
    struct product_update_tx *t = arg;
    const struct product_input *in = t->in;
    struct db_rows cur;
    struct db_value idp = DBP_INT(t->id);
    int rc = db_query_row(db, STMT_PRODUCT_GET_LOCKED, &idp, 1, t->arena, &cur);
    if (rc != DB_OK)
        return rc;
    const struct db_value *desc = DB_CELL(&cur, 0, PC_DESCRIPTION);
    struct db_value p[7] = {
        in->sku ? DBP_STR(in->sku) : *DB_CELL(&cur, 0, PC_SKU),
        in->name ? DBP_STRN(in->name, in->name_len) : *DB_CELL(&cur, 0, PC_NAME),
        in->has_description ? (in->description ? DBP_STRN(in->description, in->description_len) : DBP_NULL)
                            : *desc,
        DBP_INT(in->has_price ? in->price : DB_CELL(&cur, 0, PC_PRICE)->i),
        DBP_INT(in->has_tax_rate ? in->tax_rate : DB_CELL(&cur, 0, PC_TAX_RATE)->i),
        DBP_INT(in->has_active ? in->active : DB_CELL(&cur, 0, PC_ACTIVE)->i),
        DBP_INT(t->id),
    };
    rc = db_exec(db, STMT_PRODUCT_UPDATE, p, 7, NULL, NULL);
    if (rc != DB_OK)
        return rc;
    return db_query_row(db, STMT_PRODUCT_GET, &idp, 1, t->arena, &t->rows);
}

void handle_product_update(struct app *app, struct http_request *req, struct http_response *res)
{
    if (problem_require_json(req, res) != 0)
        return;
    json_t *errors = json_array();
    if (!errors) {
        problem_internal_error(req, res, "out of memory");
        return;
    }
    /* Stock is refused with its own code, and the rest of the body is read
     * without it, so it is reported once.  The shallow copy shares its
     * values with req->json, which keeps them alive. */
    json_t *body = json_copy(req->json);
    if (!body) {
        json_decref(errors);
        problem_internal_error(req, res, "out of memory");
        return;
    }
    if (json_object_get(body, "stock")) {
        problem_add_error(errors, "stock", "not_allowed",
                          "Stock changes only through POST /api/v1/products/{id}/stock-adjustments");
        json_object_del(body, "stock");
    }
    fields_check(body, PRODUCT_UPDATE_FIELDS, sizeof PRODUCT_UPDATE_FIELDS / sizeof PRODUCT_UPDATE_FIELDS[0], "",
                 errors);
    struct product_input in;
    product_input_read(body, &in, errors);
    json_decref(body);
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return;
    }
    json_decref(errors);
    struct product_update_tx t = {.in = &in, .id = req->path_ids[0], .arena = req->arena};
    int rc = db_tx(app->db, product_update_tx, &t);
    if (rc == DB_NOT_FOUND) {
        problem_send(req, res, 404, "not_found", "No such product");
        return;
    }
    if (rc == DB_DUPLICATE) {
        problem_send(req, res, 409, "sku_taken", "A product with this SKU already exists");
        return;
    }
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "product update");
        return;
    }
    list_cache_bump(app->cache, req->arena, PRODUCT_SCOPE, 1);
    respond_json(req, res, 200, product_json(&t.rows, 0));
}

static const struct field_spec STOCK_ADJUSTMENT_FIELDS[] = {
    {.name = "delta", .type = FIELD_INTEGER, .required = 1},
    {.name = "reason", .type = FIELD_STRING, .required = 1, .max_bytes = STOCK_REASON_MAX_BYTES},
};

struct stock_adjust_tx {
    int64_t id, delta, by;
    int64_t low_stock_threshold;
    int stock_low; /* a stock.low event was written */
    const char *reason;
    size_t reason_len;
    struct arena *arena;
    int64_t stock_before; /* when refused: the stock the product had */
    struct db_rows rows;
};

/* A guarded update moves the stock; its ledger row goes in the same
 * transaction.  Zero affected rows means: no such product, or the result
 * would leave 0..2147483647 (then stock_before says which way). */
static int stock_adjust_tx(struct db *db, void *arg)
{
    struct stock_adjust_tx *t = arg;
    struct db_value p[4] = {DBP_INT(t->delta), DBP_INT(t->id), DBP_INT(t->delta), DBP_INT(t->delta)};
    uint64_t affected = 0;
    int rc = db_exec(db, STMT_STOCK_ADJUST, p, 4, &affected, NULL);
    if (rc != DB_OK)
        return rc;
    struct db_value idp = DBP_INT(t->id);
    if (affected == 0) {
        rc = db_query_row(db, STMT_PRODUCT_GET, &idp, 1, t->arena, &t->rows);
        if (rc == DB_OK) {
            t->stock_before = DB_CELL(&t->rows, 0, PC_STOCK)->i;
            return DB_CONSTRAINT;
        }
        return rc;
    }
    struct db_value m[6] = {DBP_INT(t->id), DBP_INT(t->delta), DBP_STR("adjustment"), DBP_NULL,
                            DBP_STRN(t->reason, t->reason_len), DBP_INT(t->by)};
    rc = db_exec(db, STMT_STOCK_MOVEMENT_INSERT, m, 6, NULL, NULL);
    if (rc != DB_OK)
        return rc;
    rc = db_query_row(db, STMT_PRODUCT_GET, &idp, 1, t->arena, &t->rows);
    if (rc != DB_OK)
        return rc;
    /* stock.low once, when this change takes the stock below the threshold. */
    int64_t after = DB_CELL(&t->rows, 0, PC_STOCK)->i, before = after - t->delta;
    t->stock_low = before >= t->low_stock_threshold && after < t->low_stock_threshold;
    if (!t->stock_low)
        return DB_OK;
    return order_store_event_add(db, "stock.low", 0,
                           json_pack("{s:I, s:s, s:I, s:I}", "product_id", (json_int_t)t->id, "sku",
                                     DB_CELL(&t->rows, 0, PC_SKU)->s, "stock", (json_int_t)after, "threshold",
                                     (json_int_t)t->low_stock_threshold));
}

void handle_stock_adjustment(struct app *app, struct http_request *req, struct http_response *res)
{
    json_t *errors = respond_body_errors(req, res, STOCK_ADJUSTMENT_FIELDS, sizeof STOCK_ADJUSTMENT_FIELDS / sizeof STOCK_ADJUSTMENT_FIELDS[0]);
    if (!errors)
        return;
    struct stock_adjust_tx t = {.id = req->path_ids[0], .by = req->principal->user_id, .arena = req->arena,
                                .low_stock_threshold = app->cfg->low_stock_threshold};
    json_t *delta = json_object_get(req->json, "delta");
    const char *why;
    if (json_is_integer(delta)) {
        t.delta = json_integer_value(delta);
        if ((why = validate_stock_delta(t.delta)))
            problem_add_error(errors, "delta", why, "A non-zero whole number from -1000000 to 1000000");
    }
    t.reason = fields_string(req->json, "reason", &t.reason_len);
    if (t.reason && (why = validate_description(t.reason, t.reason_len)))
        problem_add_error(errors, "reason", why, "Printable text");
    if (t.reason && t.reason_len == 0)
        problem_add_error(errors, "reason", "required", "Say why the stock changes");
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return;
    }
    json_decref(errors);
    int rc = db_tx(app->db, stock_adjust_tx, &t);
    if (rc == DB_NOT_FOUND) {
        problem_send(req, res, 404, "not_found", "No such product");
        return;
    }
    if (rc == DB_CONSTRAINT && t.stock_before + t.delta < 0) {
        json_t *problem = problem_new(409, "insufficient_stock",
                                      "The adjustment would take the stock below zero", req->request_id);
        if (problem)
            json_object_set_new(problem, "stock_issues",
                                json_pack("[{s:I, s:s, s:I, s:I}]", "product_id", (json_int_t)t.id,
                                          "product_name", DB_CELL(&t.rows, 0, PC_NAME)->s, "requested",
                                          (json_int_t)-t.delta, "available", (json_int_t)t.stock_before));
        problem_respond(req, res, problem);
        return;
    }
    if (rc == DB_CONSTRAINT) {
        json_t *e = json_array();
        problem_add_error(e, "delta", "out_of_range", "The stock would exceed 2147483647");
        problem_validation(req, res, e);
        return;
    }
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "stock adjustment");
        return;
    }
    list_cache_bump(app->cache, req->arena, PRODUCT_SCOPE, 1);
    if (t.stock_low)
        relay_wake(app->cache, req->arena); /* the adjustment wrote a stock.low event */
    respond_json(req, res, 200, product_json(&t.rows, 0));
}

static const char *const PRODUCT_LIST_PARAMS[] = {"q", "active", "page", "page_size", "skip", "limit", NULL};
#define PRODUCT_QUERY_MAX 100

void handle_product_list(struct app *app, struct http_request *req, struct http_response *res)
{
    json_t *errors = json_array();
    if (!errors) {
        problem_internal_error(req, res, "out of memory");
        return;
    }
    query_check_allowed(req, PRODUCT_LIST_PARAMS, NULL, errors);
    struct page_request page;
    pagination_parse(req, &page, errors);
    const char *active = http_query_get(req, "active");
    int active_filter = -1;
    if (active) {
        if (strcmp(active, "true") == 0)
            active_filter = 1;
        else if (strcmp(active, "false") == 0)
            active_filter = 0;
        else
            problem_add_error(errors, "active", "invalid_boolean", "Must be true or false");
    }
    const char *q = http_query_get(req, "q");
    size_t q_len = q ? strlen(q) : 0;
    if (q && (q_len == 0 || q_len > PRODUCT_QUERY_MAX || validate_description(q, q_len)))
        problem_add_error(errors, "q", "invalid_search", "1 to 100 bytes of printable text");
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return;
    }
    json_decref(errors);

    /* q goes last so that no other value can be confused with it. */
    char *variant = arena_printf(req->arena, "a=%d;o=%" PRId64 ";l=%" PRId64 ";s=%d;q=%s", active_filter,
                                 page.offset, page.page_size, page.uses_skip, q ? q : "");
    struct list_cache_entry entry = {0};
    if (variant && list_cache_get(app->cache, req->arena, "products", variant, &entry) == 1) {
        respond_cached(res, entry.body, entry.body_len);
        return;
    }
    char *pattern = q ? arena_alloc(req->arena, 2 * q_len + 3) : NULL;
    if (q && !pattern) {
        problem_internal_error(req, res, "out of memory");
        return;
    }
    if (q)
        like_contains_pattern(q, q_len, pattern);
    struct db_value filter[7] = {
        active_filter < 0 ? DBP_NULL : DBP_INT(active_filter),
        active_filter < 0 ? DBP_NULL : DBP_INT(active_filter),
        q ? DBP_STR(q) : DBP_NULL,
        q ? DBP_STR(pattern) : DBP_NULL,
        q ? DBP_STR(pattern) : DBP_NULL,
        DBP_INT(page.page_size),
        DBP_INT(page.offset),
    };
    struct db_rows rows, count;
    int rc = db_query(app->db, STMT_PRODUCT_LIST, filter, 7, req->arena, &rows);
    if (rc == DB_OK)
        rc = db_query_row(app->db, STMT_PRODUCT_COUNT, filter, 5, req->arena, &count);
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "product list");
        return;
    }
    json_t *data = json_array();
    for (size_t r = 0; data && r < rows.count; r++)
        json_array_append_new(data, product_json(&rows, r));
    json_t *body = pagination_envelope(data, &page, DB_CELL(&count, 0, SINGLE_VALUE)->i);
    respond_json_cacheable(app, req, res, body, &entry, app->cfg->list_cache_ttl);
}
