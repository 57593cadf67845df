/*
 * order_create.c — POST /api/v1/orders: from cart to stock in one transaction.
 *
 * The whole body is validated first (every bad field in one 422).  The
 * order number is taken from the day's sequence with one autocommit upsert,
 * before the transaction, so concurrent orders never queue behind each
 * other's open transactions for it.  Then, in one transaction: every product
 * is locked in ascending id order (one SELECT … FOR UPDATE); if any is
 * unknown, inactive or short, nothing is written (422, or 409 listing every
 * short product); otherwise one guarded UPDATE takes the stock (affected rows
 * checked), and the order, its items (price, name and SKU copied), a ledger
 * row per item, the first history row, the outbox events, the stats
 * aggregates and the idempotency key's response are written, and committed
 * together.  A deadlock or lock-wait timeout runs the whole transaction again.
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
#include "store/db.h"

#define ORDER_NOTES_MAX 2000
#define ITEM_NOTES_MAX 500

static const struct field_spec ORDER_FIELDS[] = {
    {"items", FIELD_ARRAY, 1, 0, 0},
    {"shipping_address", FIELD_OBJECT, 0, 1, 0},
    {"customer_name", FIELD_STRING, 0, 1, 200},
    {"customer_email", FIELD_STRING, 0, 1, 254},
    {"customer_phone", FIELD_STRING, 0, 1, 16},
    {"payment_method", FIELD_STRING, 0, 1, 32},
    {"notes", FIELD_STRING, 0, 1, ORDER_NOTES_MAX},
};
static const struct field_spec ITEM_FIELDS[] = {
    {"product_id", FIELD_INTEGER, 1, 0, 0},
    {"quantity", FIELD_INTEGER, 1, 0, 0},
    {"notes", FIELD_STRING, 0, 1, ITEM_NOTES_MAX},
};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Everything the transaction needs, prepared before it starts. */
struct order_create {
    const struct principal *who;
    struct order_line *lines;
    size_t line_count;
    size_t *line_origin;       /* index in the request's items of each merged line */
    const char *order_number;
    const char *address;       /* canonical JSON text or NULL */
    const char *customer_name, *customer_email, *customer_phone, *payment_method, *notes;
    int64_t shipping_flat, free_shipping_over;
    unsigned low_stock_threshold;
    struct idempotency *idem;
    struct arena *arena;
    /* results */
    json_t *problem_errors;    /* 422 unknown products */
    json_t *stock_issues;      /* 409 */
    int64_t order_id;
    struct db_rows order_row, items;
    char *body;                /* the 201 body, also recorded for the key */
    char *location;
};

/* Builds "(?, ?, …)" groups for a composed statement: count groups of width. */
static char *placeholders(struct arena *a, size_t count, size_t width)
{
    size_t group = 2 + width * 3;
    char *out = arena_alloc(a, count * (group + 2) + 1);
    if (!out)
        return NULL;
    char *p = out;
    for (size_t i = 0; i < count; i++) {
        if (i)
            *p++ = ',';
        *p++ = '(';
        for (size_t k = 0; k < width; k++) {
            if (k)
                *p++ = ',';
            *p++ = '?';
        }
        *p++ = ')';
    }
    *p = '\0';
    return out;
}

/* Locks the products (ascending ids, one statement) and checks each line. */
static int lock_and_check(struct db *db, struct order_create *c, struct db_rows *products)
{
    struct arena *a = c->arena;
    size_t n = c->line_count;
    char *ids = arena_alloc(a, n * 3 + 1);
    struct db_value *params = arena_calloc(a, n, sizeof *params);
    if (!ids || !params)
        return DB_ERROR;
    char *p = ids;
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        *p++ = '?';
        params[i] = DBP_INT(c->lines[i].product_id);
    }
    *p = '\0';
    char *sql = arena_printf(a,
                             "SELECT id, sku, name, price, tax_rate, stock, active FROM products"
                             " WHERE id IN (%s) ORDER BY id FOR UPDATE",
                             ids);
    if (!sql)
        return DB_ERROR;
    int rc = db_query_sql(db, sql, (unsigned)n, params, a, products);
    if (rc != DB_OK)
        return rc;
    /* Lines and rows are both in ascending id order. */
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        struct order_line *l = &c->lines[i];
        while (r < products->count && DB_CELL(products, r, 0)->i < l->product_id)
            r++;
        char field[48];
        snprintf(field, sizeof field, "items[%zu].product_id", c->line_origin[i]);
        if (r == products->count || DB_CELL(products, r, 0)->i != l->product_id) {
            problem_add_error(c->problem_errors, field, "unknown_product", "No such product");
            continue;
        }
        if (DB_CELL(products, r, 6)->i == 0) {
            problem_add_error(c->problem_errors, field, "inactive_product", "This product is not for sale");
            continue;
        }
        l->unit_price = DB_CELL(products, r, 3)->i;
        l->tax_rate = DB_CELL(products, r, 4)->i;
        int64_t stock = DB_CELL(products, r, 5)->i;
        if (stock < l->quantity)
            json_array_append_new(c->stock_issues,
                                  json_pack("{s:I, s:s, s:I, s:I}", "product_id", (json_int_t)l->product_id,
                                            "product_name", DB_CELL(products, r, 2)->s, "requested",
                                            (json_int_t)l->quantity, "available", (json_int_t)stock));
    }
    if (json_array_size(c->problem_errors) > 0 || json_array_size(c->stock_issues) > 0)
        return DB_CONSTRAINT; /* roll back: nothing is written */
    return DB_OK;
}

/* Finds the locked product row of a line. */
static size_t product_row(const struct db_rows *products, int64_t id)
{
    for (size_t r = 0; r < products->count; r++)
        if (DB_CELL(products, r, 0)->i == id)
            return r;
    return 0;
}

static int order_create_tx(struct db *db, void *arg)
{
    struct order_create *c = arg;
    struct arena *a = c->arena;
    size_t n = c->line_count;
    json_array_clear(c->problem_errors);
    json_array_clear(c->stock_issues);
    struct db_rows products;
    int rc = lock_and_check(db, c, &products);
    if (rc != DB_OK)
        return rc;
    struct order_totals totals;
    for (size_t i = 0; i < n; i++)
        if (order_line_compute(&c->lines[i]) != 0)
            return DB_CONSTRAINT;
    if (order_totals_compute(c->lines, n, c->address != NULL, c->shipping_flat, c->free_shipping_over, 0,
                             &totals) != 0)
        return DB_CONSTRAINT;

    /* One guarded UPDATE takes every line's stock; it must touch n rows. */
    char *cases = arena_alloc(a, n * 16 + 1), *ids = arena_alloc(a, n * 3 + 1);
    struct db_value *params = arena_calloc(a, n * 6, sizeof *params);
    if (!cases || !ids || !params)
        return DB_ERROR;
    char *cp = cases, *ip = ids;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        cp += sprintf(cp, " WHEN ? THEN ?");
        ip += sprintf(ip, i ? ",?" : "?");
    }
    for (size_t i = 0; i < n; i++) {
        params[k++] = DBP_INT(c->lines[i].product_id);
        params[k++] = DBP_INT(c->lines[i].quantity);
    }
    for (size_t i = 0; i < n; i++)
        params[k++] = DBP_INT(c->lines[i].product_id);
    for (size_t i = 0; i < n; i++) {
        params[k++] = DBP_INT(c->lines[i].product_id);
        params[k++] = DBP_INT(c->lines[i].quantity);
    }
    char *sql = arena_printf(a,
                             "UPDATE products SET stock = stock - CASE id%s END"
                             " WHERE id IN (%s) AND stock >= CASE id%s END",
                             cases, ids, cases);
    uint64_t affected = 0;
    if (!sql)
        return DB_ERROR;
    if ((rc = db_exec_sql(db, sql, (unsigned)k, params, &affected, NULL)) != DB_OK)
        return rc;
    if (affected != n)
        return DB_ERROR; /* rows were locked and checked: this cannot happen */

    const struct principal *who = c->who;
    int64_t actor = principal_actor(who);
    struct db_value order[17] = {
        DBP_STR(c->order_number),
        who->kind == PRINCIPAL_GUEST ? DBP_NULL : DBP_INT(who->user_id),
        who->kind == PRINCIPAL_GUEST ? DBP_STR(who->phone) : DBP_NULL,
        c->payment_method ? DBP_STR(c->payment_method) : DBP_NULL,
        c->customer_name ? DBP_STR(c->customer_name) : DBP_NULL,
        c->customer_email ? DBP_STR(c->customer_email) : DBP_NULL,
        c->customer_phone ? DBP_STR(c->customer_phone) : DBP_NULL,
        c->address ? DBP_STR(c->address) : DBP_NULL,
        DBP_INT(totals.item_count),
        DBP_INT(totals.total_quantity),
        DBP_INT(totals.subtotal),
        DBP_INT(totals.tax_amount),
        DBP_INT(totals.shipping_amount),
        DBP_INT(totals.discount_amount),
        DBP_INT(totals.total_amount),
        c->notes ? DBP_STR(c->notes) : DBP_NULL,
        DBP_STR("normal"),
    };
    /* INSERT … RETURNING hands back the row as written (id, timestamps):
     * the response is built from it without reading the order again. */
    if ((rc = db_query_row(db, STMT_ORDER_INSERT, order, 17, a, &c->order_row)) != DB_OK)
        return rc == DB_NOT_FOUND ? DB_ERROR : rc;
    int64_t id = DB_CELL(&c->order_row, 0, OC_ID)->i;
    c->order_id = id;

    /* Items and ledger rows, each one multi-row INSERT. */
    struct db_value *item = arena_calloc(a, n * 11, sizeof *item);
    struct db_value *ledger = arena_calloc(a, n * 5, sizeof *ledger);
    char *item_groups = placeholders(a, n, 11), *ledger_groups = placeholders(a, n, 5);
    if (!item || !ledger || !item_groups || !ledger_groups)
        return DB_ERROR;
    for (size_t i = 0; i < n; i++) {
        const struct order_line *l = &c->lines[i];
        size_t r = product_row(&products, l->product_id);
        struct db_value *v = &item[i * 11];
        v[0] = DBP_INT(id);
        v[1] = DBP_INT(l->product_id);
        v[2] = *DB_CELL(&products, r, 1);
        v[3] = *DB_CELL(&products, r, 2);
        v[4] = DBP_INT(l->unit_price);
        v[5] = DBP_INT(l->tax_rate);
        v[6] = DBP_INT(l->quantity);
        v[7] = DBP_INT(l->subtotal);
        v[8] = DBP_INT(l->tax_amount);
        v[9] = DBP_INT(l->total_amount);
        v[10] = l->notes ? DBP_STRN(l->notes, l->notes_len) : DBP_NULL;
        struct db_value *m = &ledger[i * 5];
        m[0] = DBP_INT(l->product_id);
        m[1] = DBP_INT(-l->quantity);
        m[2] = DBP_INT(id);
        m[3] = actor > 0 ? DBP_INT(actor) : DBP_NULL;
        m[4] = DBP_STR("order");
    }
    sql = arena_printf(a,
                       "INSERT INTO order_items(order_id, product_id, sku, product_name, unit_price, tax_rate,"
                       " quantity, subtotal, tax_amount, total_amount, notes) VALUES %s RETURNING %s",
                       item_groups, ORDER_ITEM_COLUMNS_SQL);
    if (!sql || (rc = db_query_sql(db, sql, (unsigned)(n * 11), item, a, &c->items)) != DB_OK)
        return sql ? rc : DB_ERROR;
    if (c->items.count != n)
        return DB_ERROR;
    sql = arena_printf(a,
                       "INSERT INTO stock_movements(product_id, delta, order_id, created_by, reason) VALUES %s",
                       ledger_groups);
    if (!sql || (rc = db_exec_sql(db, sql, (unsigned)(n * 5), ledger, NULL, NULL)) != DB_OK)
        return sql ? rc : DB_ERROR;
    if ((rc = order_history_add(db, c->order_id, "status", NULL, "pending", actor, NULL)) != DB_OK)
        return rc;

    /* The response, the event payload and the stats all come from the rows
     * as written (RETURNING above). */
    json_t *body = order_json(&c->order_row, 0, &c->items);
    if (!body)
        return DB_ERROR;
    char *text = json_dumps(body, JSON_COMPACT);
    if (!text) {
        json_decref(body);
        return DB_ERROR;
    }
    c->body = arena_strdup(a, text);
    free(text);
    json_t *event_items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(event_items, json_pack("{s:I, s:I}", "product_id", (json_int_t)c->lines[i].product_id,
                                                     "quantity", (json_int_t)c->lines[i].quantity));
    json_t *payload = json_pack("{s:I, s:s, s:O, s:O, s:O, s:o}", "order_id", (json_int_t)c->order_id,
                                "order_number", c->order_number, "user_id", json_object_get(body, "user_id"),
                                "status", json_object_get(body, "status"), "total_amount",
                                json_object_get(body, "total_amount"), "items", event_items);
    json_decref(body);
    if (!c->body || (rc = order_event_add(db, "order.created", c->order_id, payload)) != DB_OK)
        return c->body ? rc : DB_ERROR;
    /* stock.low once, when a line takes its product from at or above the
     * threshold to below it. */
    for (size_t i = 0; i < n; i++) {
        size_t r = product_row(&products, c->lines[i].product_id);
        int64_t before = DB_CELL(&products, r, 5)->i, after = before - c->lines[i].quantity;
        if (before >= (int64_t)c->low_stock_threshold && after < (int64_t)c->low_stock_threshold) {
            json_t *low = json_pack("{s:I, s:s, s:I, s:I}", "product_id", (json_int_t)c->lines[i].product_id, "sku",
                                    DB_CELL(&products, r, 1)->s, "stock", (json_int_t)after, "threshold",
                                    (json_int_t)c->low_stock_threshold);
            if ((rc = order_event_add(db, "stock.low", c->order_id, low)) != DB_OK)
                return rc;
        }
    }
    if ((rc = order_stats_move(db, &c->order_row, NULL, NULL, "pending", "pending", 0)) != DB_OK)
        return rc;
    const char *day = DB_CELL(&c->order_row, 0, OC_DAY)->s;
    struct db_value *sales = arena_calloc(a, n * 4, sizeof *sales);
    char *sales_groups = placeholders(a, n, 4);
    if (!sales || !sales_groups)
        return DB_ERROR;
    for (size_t i = 0; i < n; i++) {
        struct db_value *v = &sales[i * 4];
        v[0] = DBP_STR(day);
        v[1] = DBP_INT(c->lines[i].product_id);
        v[2] = DBP_INT(c->lines[i].quantity);
        v[3] = DBP_INT(c->lines[i].total_amount);
    }
    sql = arena_printf(a,
                       "INSERT INTO product_sales_daily(day, product_id, quantity, revenue) VALUES %s"
                       " ON DUPLICATE KEY UPDATE quantity = quantity + VALUES(quantity),"
                       " revenue = revenue + VALUES(revenue)",
                       sales_groups);
    if (!sql || (rc = db_exec_sql(db, sql, (unsigned)(n * 4), sales, NULL, NULL)) != DB_OK)
        return sql ? rc : DB_ERROR;
    c->location = arena_printf(a, "/api/v1/orders/%" PRId64, c->order_id);
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
    c->line_origin = arena_calloc(c->arena, count, sizeof *c->line_origin);
    if (!c->lines || !c->line_origin)
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
        c->line_count++;
    }
    if (json_array_size(errors) > 0)
        return;
    /* Remember where each product first appeared, for error fields. */
    for (size_t i = 0; i < c->line_count; i++)
        c->lines[i].tax_rate = (int64_t)i; /* borrowed: the request index, until merged */
    long merged = order_lines_merge(c->lines, c->line_count);
    if (merged < 0) {
        problem_add_error(errors, "items", "too_large", "The merged quantity of a product exceeds 10000");
        return;
    }
    c->line_count = (size_t)merged;
    for (size_t i = 0; i < c->line_count; i++) {
        c->line_origin[i] = (size_t)c->lines[i].tax_rate;
        c->lines[i].tax_rate = 0;
    }
}

/*
 * Order numbers come from the day's sequence in blocks: a worker reserves
 * ORDER_NUMBER_BLOCK numbers with one autocommit upsert (outside any order
 * transaction, so no order waits on another's lock for it) and hands them
 * out itself.  Numbers stay unique per day; a block a worker does not use
 * up before it exits or the day ends is a gap, which the contract allows.
 */
#define ORDER_NUMBER_BLOCK 50
static struct {
    char day[11];
    int64_t next, last;
} number_block;

static int order_number_next(struct db *db, const char *day, int64_t *seq)
{
    if (strcmp(number_block.day, day) != 0 || number_block.next > number_block.last) {
        struct db_value p[3] = {DBP_STR(day), DBP_INT(ORDER_NUMBER_BLOCK), DBP_INT(ORDER_NUMBER_BLOCK)};
        uint64_t last = 0;
        int rc = db_exec(db, STMT_ORDER_SEQUENCE_NEXT, p, 3, NULL, &last);
        if (rc != DB_OK)
            return rc;
        if (last < ORDER_NUMBER_BLOCK)
            return DB_ERROR;
        snprintf(number_block.day, sizeof number_block.day, "%s", day);
        number_block.last = (int64_t)last;
        number_block.next = (int64_t)last - ORDER_NUMBER_BLOCK + 1;
    }
    *seq = number_block.next++;
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
        json_decref(c.problem_errors);
        json_decref(c.stock_issues);
        problem_internal_error(req, res, "out of memory");
        return;
    }
    json_t *items = json_object_get(req->json, "items");
    if (json_is_array(items))
        read_items(items, &c, errors);
    json_t *addr = json_object_get(req->json, "shipping_address");
    if (json_is_object(addr))
        c.address = order_address_text(req->arena, addr, errors);
    size_t len;
    const char *why;
    c.customer_name = fields_string(req->json, "customer_name", &len);
    if (c.customer_name && (why = validate_full_name(c.customer_name, len)))
        problem_add_error(errors, "customer_name", why, "1 to 200 printable characters");
    c.customer_email = fields_string(req->json, "customer_email", NULL);
    if (c.customer_email && validate_email(c.customer_email))
        problem_add_error(errors, "customer_email", "invalid_email", "A valid email address");
    c.customer_phone = fields_string(req->json, "customer_phone", NULL);
    if (c.customer_phone && validate_phone(c.customer_phone))
        problem_add_error(errors, "customer_phone", "invalid_phone", "An E.164 number such as +14155550123");
    c.payment_method = fields_string(req->json, "payment_method", NULL);
    if (c.payment_method)
        order_check_payment_method(c.payment_method, errors);
    c.notes = fields_string(req->json, "notes", &len);
    if (c.notes && validate_description(c.notes, len))
        problem_add_error(errors, "notes", "invalid_characters", "Printable text only");
    if (json_array_size(errors) > 0) {
        json_decref(c.problem_errors);
        json_decref(c.stock_issues);
        problem_validation(req, res, errors);
        return;
    }
    json_decref(errors);
    if (!c.customer_phone && req->principal->kind == PRINCIPAL_GUEST)
        c.customer_phone = req->principal->phone;

    struct idempotency idem;
    if (idempotency_begin(app, req, res, &idem) != 0) {
        json_decref(c.problem_errors);
        json_decref(c.stock_issues);
        return;
    }
    c.idem = &idem;
    c.shipping_flat = app->cfg->shipping_flat;
    c.free_shipping_over = app->cfg->free_shipping_over;
    c.low_stock_threshold = app->cfg->low_stock_threshold;

    int recorded = 0;
    char day[11];
    int y, m, d;
    utc_today(day, &y, &m, &d);
    int64_t seq = 0;
    int rc = order_number_next(app->db, day, &seq);
    char number[40];
    if (rc == DB_OK && order_number_format(y, m, d, seq, number, sizeof number) != 0)
        rc = DB_ERROR;
    if (rc == DB_OK) {
        c.order_number = number;
        rc = db_tx(app->db, order_create_tx, &c);
    }
    if (rc == DB_OK) {
        recorded = idem.active;
        order_caches_bump(app, req->arena, &c.order_row);
        res->status = 201;
        res->content_type = "application/json";
        res->body = c.body;
        res->body_len = strlen(c.body);
        http_response_header(res, "Location", c.location);
        http_response_header(res, "ETag", order_etag(req->arena, &c.order_row));
    } else if (idem.lost) {
        idempotency_respond_lost(req, res);
    } else if (rc == DB_CONSTRAINT && json_array_size(c.problem_errors) > 0) {
        json_t *problem = problem_new(422, "unknown_product", "Some items name products that cannot be ordered",
                                      req->request_id);
        if (problem)
            json_object_set(problem, "errors", c.problem_errors);
        problem_respond(req, res, problem);
    } else if (rc == DB_CONSTRAINT && json_array_size(c.stock_issues) > 0) {
        json_t *problem = problem_new(409, "insufficient_stock", "Some products have insufficient stock",
                                      req->request_id);
        if (problem)
            json_object_set(problem, "stock_issues", c.stock_issues);
        problem_respond(req, res, problem);
    } else if (rc == DB_CONSTRAINT) {
        json_t *e = json_array();
        problem_add_error(e, "items", "out_of_range", "The order's amounts are too large");
        problem_validation(req, res, e);
    } else {
        respond_storage_failure(app, req, res, rc, "order create");
    }
    json_decref(c.problem_errors);
    json_decref(c.stock_issues);
    idempotency_end(app, &idem, res, recorded);
}
