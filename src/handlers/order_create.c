/*
 * order_create.c — POST /api/v1/orders: from cart to stock in one transaction.
 *
 * The whole body is validated first (every bad field in one 422).  The
 * order number is taken from the day's sequence with one autocommit upsert,
 * before the transaction, so concurrent orders never queue behind each
 * other's open transactions for it.  Then, in one transaction: every product
 * is locked in ascending id order (one locking read); if any is
 * unknown, inactive or short, nothing is written (422, or 409 listing every
 * short product); otherwise one guarded update takes the stock (affected rows
 * checked), and the order, its items (price, name and SKU copied; they are
 * also the order's sales in the stock ledger, sql/013), the outbox events and
 * the idempotency key's response are written (the first history step is
 * implied by the order), and committed
 * together (the statistics follow from order.created: events/aggregate.c).
 * A deadlock or lock-wait timeout runs the whole transaction again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "arena.h"
#include "auth/principal.h"
#include "domain/catalog.h"
#include "domain/money.h"
#include "domain/order_rules.h"
#include "domain/validation.h"
#include "handlers/handlers.h"
#include "handlers/idempotency.h"
#include "handlers/order_common.h"
#include "handlers/respond.h"
#include "http/fields.h"
#include "http/problem.h"
#include "log.h"
#include "store/db.h"
#include "store/statements.h"

#define ITEM_NOTES_MAX 500

static const struct field_spec ORDER_FIELDS[] = {
    {.name = "items", .type = FIELD_ARRAY, .required = 1},
    ORDER_FIELD_SHIPPING_ADDRESS,
    ORDER_FIELD_CUSTOMER_NAME,
    ORDER_FIELD_CUSTOMER_EMAIL,
    ORDER_FIELD_CUSTOMER_PHONE,
    ORDER_FIELD_PAYMENT_METHOD,
    ORDER_FIELD_NOTES,
    /* Point of sale: only a cashier (an admin) names the customer. */
    {.name = "user_id", .type = FIELD_INTEGER, .nullable = 1},
};
static const struct field_spec ITEM_FIELDS[] = {
    {.name = "product_id", .type = FIELD_INTEGER, .required = 1},
    {.name = "quantity", .type = FIELD_INTEGER, .required = 1},
    {.name = "notes", .type = FIELD_STRING, .nullable = 1, .max_bytes = ITEM_NOTES_MAX},
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Everything the transaction needs, prepared before it starts. */
struct order_create {
    const struct principal *who;
    struct order_line *lines;  /* merged, ascending product ids */
    size_t line_count;
    const char *order_number;
    const char *address;       /* canonical JSON text or NULL */
    const char *customer_name, *customer_email, *customer_phone, *payment_method, *notes;
    int64_t for_user;          /* point of sale: the customer an admin orders for; 0: a walk-in */
    int64_t shipping_flat, free_shipping_over;
    unsigned low_stock_threshold;
    struct idempotency *idem;
    struct arena *arena;
    /* results */
    json_t *problem_errors;    /* 422 unknown products */
    json_t *stock_issues;      /* 409 */
    struct db_rows products;   /* the locked products (enum locked_product_column) */
    int64_t order_id;
    int number_taken;          /* the order row's insert found its number taken */
    struct db_rows order_row, items;
    char *body;                /* the 201 body, also recorded for the key */
    char *location;
};

/* Checks each line against its locked product (lines and rows are both in
 * ascending id order) and prices it; every unknown, inactive or short
 * product is listed.  DB_CONSTRAINT when any is: nothing is written. */
static int check_products(struct order_create *c)
{
    const struct db_rows *products = &c->products;
    size_t r = 0;
    for (size_t i = 0; i < c->line_count; i++) {
        struct order_line *l = &c->lines[i];
        while (r < products->count && DB_CELL(products, r, LP_ID)->i < l->product_id)
            r++;
        char field[48];
        snprintf(field, sizeof field, "items[%zu].product_id", l->request_index);
        if (r == products->count || DB_CELL(products, r, LP_ID)->i != l->product_id) {
            problem_add_error(c->problem_errors, field, "unknown_product", "No such product");
            continue;
        }
        if (DB_CELL(products, r, LP_ACTIVE)->i == 0) {
            problem_add_error(c->problem_errors, field, "inactive_product", "This product is not for sale");
            continue;
        }
        l->unit_price = DB_CELL(products, r, LP_PRICE)->i;
        l->tax_rate = DB_CELL(products, r, LP_TAX_RATE)->i;
        int64_t stock = DB_CELL(products, r, LP_STOCK)->i;
        if (stock < l->quantity)
            json_array_append_new(c->stock_issues,
                                  json_pack("{s:I, s:s, s:I, s:I}", "product_id", (json_int_t)l->product_id,
                                            "product_name", DB_CELL(products, r, LP_NAME)->s, "requested",
                                            (json_int_t)l->quantity, "available", (json_int_t)stock));
    }
    if (json_array_size(c->problem_errors) > 0 || json_array_size(c->stock_issues) > 0)
        return DB_CONSTRAINT; /* roll back: nothing is written */
    return DB_OK;
}

/* Prices the lines and totals the order; DB_CONSTRAINT on overflow. */
static int price_order(struct order_create *c, struct order_totals *totals)
{
    for (size_t i = 0; i < c->line_count; i++)
        if (order_line_compute(&c->lines[i]) != 0)
            return DB_CONSTRAINT;
    if (order_totals_compute(c->lines, c->line_count, c->address != NULL, c->shipping_flat, c->free_shipping_over,
                             0, totals) != 0)
        return DB_CONSTRAINT;
    return DB_OK;
}

/* Inserts the order row (kept in c->order_row, as written). */
static int insert_order(struct db *db, struct order_create *c, const struct order_totals *totals)
{
    int guest = c->who->kind == PRINCIPAL_GUEST;
    /* A customer's order is theirs; a cashier's is the named customer's
     * or a walk-in's; a guest's belongs to the phone. */
    int64_t owner = c->who->kind == PRINCIPAL_CUSTOMER ? c->who->user_id : c->for_user;
    struct order_store_new o = {
        .number = c->order_number,
        .user_id = guest ? 0 : owner,
        .guest_phone = guest ? c->who->phone : NULL,
        .placed_by = guest ? 0 : c->who->user_id,
        .payment_method = c->payment_method,
        .customer_name = c->customer_name,
        .customer_email = c->customer_email,
        .customer_phone = c->customer_phone,
        .address = c->address,
        .notes = c->notes,
        .totals = totals,
    };
    int rc = order_store_insert(db, c->arena, &o, &c->order_row);
    if (rc == DB_OK)
        c->order_id = DB_CELL(&c->order_row, 0, OC_ID)->i;
    else if (rc == DB_DUPLICATE)
        c->number_taken = 1; /* the number is the row's only unique key */
    return rc;
}

/* The order.created payload, from the response body as written: with the
 * payment status, created_at and each line's total_amount, what the
 * aggregates need (events/aggregate.c). */
static json_t *created_event(const struct order_create *c, json_t *body)
{
    json_t *event_items = json_array();
    char money[24];
    for (size_t i = 0; i < c->line_count; i++)
        json_array_append_new(event_items, json_pack("{s:I, s:I, s:s}", "product_id",
                                                     (json_int_t)c->lines[i].product_id, "quantity",
                                                     (json_int_t)c->lines[i].quantity, "total_amount",
                                                     money_format(c->lines[i].total_amount, money)));
    return json_pack("{s:I, s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:o}", "order_id", (json_int_t)c->order_id,
                     "order_number", c->order_number, "user_id", json_object_get(body, "user_id"), "placed_by",
                     json_object_get(body, "placed_by"), "status", json_object_get(body, "status"),
                     "payment_status", json_object_get(body, "payment_status"), "created_at",
                     json_object_get(body, "created_at"), "total_amount", json_object_get(body, "total_amount"),
                     "items", event_items);
}

/* Renders the 201 body from the rows as written (store/order_store.c) and writes the
 * order.created event from it. */
static int render_and_announce(struct db *db, struct order_create *c)
{
    json_t *body = order_json(&c->order_row, 0, &c->items);
    if (!body)
        return DB_ERROR;
    char *text = json_dumps(body, JSON_COMPACT);
    if (!text) {
        json_decref(body);
        return DB_ERROR;
    }
    c->body = arena_strdup(c->arena, text);
    free(text);
    json_t *payload = created_event(c, body);
    json_decref(body);
    if (!c->body) {
        json_decref(payload);
        return DB_ERROR;
    }
    return order_store_event_add(db, "order.created", c->order_id, payload);
}

/* stock.low once per line that takes its product from at or above the
 * threshold to below it. */
static int announce_low_stock(struct db *db, const struct order_create *c)
{
    int64_t threshold = (int64_t)c->low_stock_threshold;
    for (size_t i = 0, r = 0; i < c->line_count; i++) {
        while (r < c->products.count && DB_CELL(&c->products, r, LP_ID)->i != c->lines[i].product_id)
            r++;
        if (r == c->products.count)
            return DB_ERROR; /* every line's product was locked */
        int64_t before = DB_CELL(&c->products, r, LP_STOCK)->i, after = before - c->lines[i].quantity;
        if (before < threshold || after >= threshold)
            continue;
        json_t *low = json_pack("{s:I, s:s, s:I, s:I}", "product_id", (json_int_t)c->lines[i].product_id, "sku",
                                DB_CELL(&c->products, r, LP_SKU)->s, "stock", (json_int_t)after, "threshold",
                                (json_int_t)threshold);
        int rc = order_store_event_add(db, "stock.low", c->order_id, low);
        if (rc != DB_OK)
            return rc;
    }
    return DB_OK;
}

/* Locks and checks the products, then takes their stock. */
static int reserve_stock(struct db *db, struct order_create *c, struct order_totals *totals)
{
    int rc = order_store_lock_products(db, c->arena, c->lines, c->line_count, &c->products);
    if (rc == DB_OK)
        rc = check_products(c);
    if (rc == DB_OK)
        rc = price_order(c, totals);
    if (rc == DB_OK)
        rc = order_store_take_stock(db, c->arena, c->lines, c->line_count);
    return rc;
}

/* Writes the order and its items, which are also its sales in the stock
 * ledger (no stock_movements row: STMT_STOCK_MISMATCH sums them).  The first
 * history step (NULL -> pending) is not written: the order's created_at and
 * placed_by imply it (STMT_ORDER_HISTORY). */
static int write_order(struct db *db, struct order_create *c, const struct order_totals *totals)
{
    int rc = insert_order(db, c, totals);
    if (rc == DB_OK)
        rc = order_store_insert_items(db, c->arena, c->order_id, c->lines, c->line_count, &c->products, &c->items);
    return rc;
}

/* The whole order, in one transaction (db_tx runs it again after a
 * deadlock or lock-wait timeout, so it starts from a clean slate). */
static int order_create_tx(struct db *db, void *arg)
{
    struct order_create *c = arg;
    struct order_totals totals;
    json_array_clear(c->problem_errors);
    json_array_clear(c->stock_issues);
    int rc = reserve_stock(db, c, &totals);
    if (rc == DB_OK)
        rc = write_order(db, c, &totals);
    if (rc == DB_OK)
        rc = render_and_announce(db, c);
    if (rc == DB_OK)
        rc = announce_low_stock(db, c);
    if (rc != DB_OK)
        return rc;
    c->location = arena_printf(c->arena, "/api/v1/orders/%" PRId64, c->order_id);
    return idempotency_record(db, c->idem, 201, c->body, c->location);
}

/* Reads and checks the items; fills c->lines (merged, ascending). */
static void read_items(const json_t *items, struct order_create *c, json_t *errors)
{
    size_t count = json_array_size(items);
    if (count == 0) {
        problem_add_error(errors, "items", "required", "An order needs at least one item");
        return;
    }
    if (count > ORDER_MAX_LINES) {
        problem_add_error(errors, "items", "too_many_items", "At most 100 lines per order");
        return;
    }
    c->lines = arena_calloc(c->arena, count, sizeof *c->lines);
    if (!c->lines)
        return;
    for (size_t i = 0; i < count; i++) {
        json_t *it = json_array_get(items, i);
        char prefix[32], field[48];
        snprintf(prefix, sizeof prefix, "items[%zu].", i);
        if (!json_is_object(it)) {
            snprintf(field, sizeof field, "items[%zu]", i);
            problem_add_error(errors, field, "invalid_type", "Each item must be an object");
            continue;
        }
        if (fields_check(it, ITEM_FIELDS, COUNT(ITEM_FIELDS), prefix, errors) > 0)
            continue;
        int64_t pid = json_integer_value(json_object_get(it, "product_id"));
        int64_t qty = json_integer_value(json_object_get(it, "quantity"));
        if (pid < 1) {
            snprintf(field, sizeof field, "items[%zu].product_id", i);
            problem_add_error(errors, field, "must_be_positive", "A product id");
        }
        if (qty < 1 || qty > ORDER_MAX_QUANTITY) {
            snprintf(field, sizeof field, "items[%zu].quantity", i);
            problem_add_error(errors, field, qty < 1 ? "must_be_positive" : "too_large", "From 1 to 10000");
        }
        struct order_line *l = &c->lines[c->line_count];
        l->product_id = pid;
        l->quantity = qty;
        l->notes = fields_string(it, "notes", &l->notes_len);
        l->request_index = i; /* merging keeps the first line's, for error fields */
        c->line_count++;
    }
    if (json_array_size(errors) > 0)
        return;
    long merged = order_lines_merge(c->lines, c->line_count);
    if (merged < 0) {
        problem_add_error(errors, "items", "too_large", "The merged quantity of a product exceeds 10000");
        return;
    }
    c->line_count = (size_t)merged;
}

/*
 * Order numbers come from the day's sequence in blocks: a process reserves
 * a block with one autocommit upsert (outside any order transaction, so no
 * order waits on another's lock for it) and hands the numbers out itself.
 * Blocks start at one number and grow to ORDER_NUMBER_BLOCK_MAX as the
 * process creates orders (order_rules.c), so a plain CGI process, which
 * creates one, burns none.  Numbers stay unique per day; numbers a process
 * does not use before it exits or the day ends are a gap, which the
 * contract allows.
 */
static struct order_number_block number_block;

static int order_number_next(struct db *db, const char *day, int64_t *seq)
{
    if (order_number_block_take(&number_block, day, seq))
        return DB_OK;
    int64_t size = order_number_block_want(&number_block), last = 0;
    int rc = order_store_reserve_numbers(db, day, size, &last);
    if (rc != DB_OK)
        return rc;
    if (order_number_block_fill(&number_block, day, last, size) != 0 ||
        !order_number_block_take(&number_block, day, seq))
        return DB_ERROR;
    return DB_OK;
}

/* Today's UTC date as YYYY-MM-DD and the parts of it. */
static void utc_today(char day[11], int *y, int *m, int *d)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    *y = tm.tm_year + 1900;
    *m = tm.tm_mon + 1;
    *d = tm.tm_mday;
    strftime(day, 11, "%Y-%m-%d", &tm);
}

/* Reads and checks the body's order fields into c; errors appended. */
static void read_order(struct http_request *req, struct order_create *c, json_t *errors)
{
    json_t *items = json_object_get(req->json, "items");
    if (json_is_array(items))
        read_items(items, c, errors);
    json_t *addr = json_object_get(req->json, "shipping_address");
    if (json_is_object(addr))
        c->address = order_address_text(req->arena, addr, errors);
    /* The other members' values, in the table's order. */
    fields_validate(req->json, ORDER_FIELDS, COUNT(ORDER_FIELDS), "", errors);
    c->customer_name = fields_string(req->json, "customer_name", NULL);
    c->customer_email = fields_string(req->json, "customer_email", NULL);
    c->customer_phone = fields_string(req->json, "customer_phone", NULL);
    c->payment_method = fields_string(req->json, "payment_method", NULL);
    c->notes = fields_string(req->json, "notes", NULL);
    /* A guest's order is for the phone the guest proved, whatever the body
     * says (the body's value is still checked). */
    if (req->principal->kind == PRINCIPAL_GUEST)
        c->customer_phone = req->principal->phone;
    json_t *user = json_object_get(req->json, "user_id");
    if (json_is_integer(user) && req->principal->kind != PRINCIPAL_ADMIN)
        problem_add_error(errors, "user_id", "not_allowed", "Only a cashier (an admin) orders for someone else");
    else if (json_is_integer(user) && json_integer_value(user) <= 0)
        problem_add_error(errors, "user_id", "must_be_positive", "A customer's id");
    else if (json_is_integer(user))
        c->for_user = json_integer_value(user);
}

/* Point of sale: the account an admin orders for must be a customer's;
 * 0, or -1 when answered (422, 503). */
static int check_customer(struct app *app, struct http_request *req, struct http_response *res,
                          const struct order_create *c)
{
    if (c->for_user <= 0)
        return 0;
    struct db_rows rows;
    struct db_value id = DBP_INT(c->for_user);
    int rc = db_query_row(app->db, STMT_USER_AUTH_STATE, &id, 1, req->arena, &rows);
    if (rc == DB_OK && strcmp(DB_CELL(&rows, 0, UAUTH_ROLE)->s, "customer") == 0)
        return 0;
    if (rc != DB_OK && rc != DB_NOT_FOUND) {
        respond_storage_failure(app, req, res, rc, "order create: customer");
        return -1;
    }
    json_t *e = json_array();
    problem_add_error(e, "user_id", "unknown_customer", "No customer has this id");
    problem_validation(req, res, e);
    return -1;
}

/* Takes today's next order number and runs the transaction.  A number
 * found taken means the day's sequence was put back under this process
 * (a restored backup, a reseeded database): its block is dropped and the
 * order tried once more with a number newly reserved. */
static int order_place(struct app *app, struct order_create *c, char *number, size_t number_size)
{
    c->shipping_flat = app->cfg->shipping_flat;
    c->free_shipping_over = app->cfg->free_shipping_over;
    c->low_stock_threshold = app->cfg->low_stock_threshold;
    for (int attempt = 0;; attempt++) {
        char day[11];
        int y, m, d;
        utc_today(day, &y, &m, &d);
        int64_t seq = 0;
        int rc = order_number_next(app->db, day, &seq);
        if (rc == DB_OK && order_number_format(y, m, d, seq, number, number_size) != 0)
            rc = DB_ERROR;
        if (rc != DB_OK)
            return rc;
        c->order_number = number;
        c->number_taken = 0;
        rc = db_tx(app->db, order_create_tx, c);
        if (rc != DB_DUPLICATE || !c->number_taken || attempt > 0)
            return rc;
        log_msg("warn", "order number %s was taken already: the day's sequence was put back; reserving anew",
                number);
        order_number_block_drop(&number_block);
    }
}

/* 201 with the order as written, its Location and ETag. */
static void respond_created(struct app *app, struct http_request *req, struct http_response *res,
                            struct order_create *c)
{
    order_caches_bump(app, req->arena, &c->order_row);
    res->status = 201;
    res->content_type = "application/json";
    res->body = c->body;
    res->body_len = strlen(c->body);
    http_response_header(res, "Location", c->location);
    http_response_header(res, "ETag", order_etag(req->arena, &c->order_row));
}

/* The problem for a refused order: 422 unknown products, 409 short stock,
 * 422 amounts out of range. */
static void respond_refused(struct http_request *req, struct http_response *res, struct order_create *c)
{
    if (json_array_size(c->problem_errors) > 0) {
        json_t *problem = problem_new(422, "unknown_product", "Some items name products that cannot be ordered",
                                      req->request_id);
        if (problem)
            json_object_set(problem, "errors", c->problem_errors);
        problem_respond(req, res, problem);
    } else if (json_array_size(c->stock_issues) > 0) {
        json_t *problem = problem_new(409, "insufficient_stock", "Some products have insufficient stock",
                                      req->request_id);
        if (problem)
            json_object_set(problem, "stock_issues", c->stock_issues);
        problem_respond(req, res, problem);
    } else {
        json_t *e = json_array();
        problem_add_error(e, "items", "out_of_range", "The order's amounts are too large");
        problem_validation(req, res, e);
    }
}

void handle_order_create(struct app *app, struct http_request *req, struct http_response *res)
{
    struct order_create c = {.who = req->principal, .arena = req->arena};
    json_t *errors = respond_body_errors(req, res, ORDER_FIELDS, COUNT(ORDER_FIELDS));
    if (!errors)
        return;
    c.problem_errors = json_array();
    c.stock_issues = json_array();
    if (!c.problem_errors || !c.stock_issues) {
        json_decref(errors);
        problem_internal_error(req, res, "out of memory");
        goto out;
    }
    read_order(req, &c, errors);
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        goto out;
    }
    json_decref(errors);
    if (check_customer(app, req, res, &c) != 0)
        goto out;
    struct idempotency idem;
    if (idempotency_begin(app, req, res, &idem) != 0)
        goto out;
    c.idem = &idem;
    char number[40];
    int rc = order_place(app, &c, number, sizeof number);
    if (rc == DB_OK)
        respond_created(app, req, res, &c);
    else if (idem.lost)
        idempotency_respond_lost(req, res);
    else if (rc == DB_CONSTRAINT)
        respond_refused(req, res, &c);
    else
        respond_storage_failure(app, req, res, rc, "order create");
    idempotency_end(app, &idem, res, rc == DB_OK && idem.active);
out:
    json_decref(c.problem_errors);
    json_decref(c.stock_issues);
}
