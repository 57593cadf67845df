/*
 * order_common.c — shared order plumbing.
 */
#include "handlers/order_common.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "auth/principal.h"
#include "domain/catalog.h"
#include "domain/money.h"
#include "events/relay_wake.h"
#include "http/fields.h"
#include "http/http.h"
#include "http/problem.h"
#include "store/list_cache.h"

int order_load(struct db *db, struct arena *a, const struct principal *p, int64_t id, int for_update,
               struct db_rows *row)
{
    if (p->kind == PRINCIPAL_ADMIN) {
        struct db_value v = DBP_INT(id);
        return db_query_row(db, for_update ? STMT_ORDER_GET_LOCKED : STMT_ORDER_GET, &v, 1, a, row);
    }
    if (p->kind == PRINCIPAL_GUEST) {
        struct db_value v[2] = {DBP_INT(id), DBP_STR(p->phone)};
        return db_query_row(db, for_update ? STMT_ORDER_GET_GUEST_LOCKED : STMT_ORDER_GET_GUEST, v, 2, a, row);
    }
    struct db_value v[2] = {DBP_INT(id), DBP_INT(p->user_id)};
    return db_query_row(db, for_update ? STMT_ORDER_GET_USER_LOCKED : STMT_ORDER_GET_USER, v, 2, a, row);
}

int order_load_with_items(struct db *db, struct arena *a, const struct principal *p, int64_t id,
                          struct db_rows *row, struct db_rows *items)
{
    /* The owner condition is the same as order_load's; every value is bound. */
    const char *owner = p->kind == PRINCIPAL_ADMIN   ? ""
                        : p->kind == PRINCIPAL_GUEST ? " AND guest_phone = ? AND user_id IS NULL"
                                                     : " AND user_id = ?";
    struct db_value v[3] = {DBP_INT(id), DBP_NULL, DBP_INT(id)};
    unsigned n = 2;
    if (p->kind == PRINCIPAL_GUEST) {
        v[1] = DBP_STR(p->phone);
        n = 3;
    } else if (p->kind != PRINCIPAL_ADMIN) {
        v[1] = DBP_INT(p->user_id);
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

int order_items_load(struct db *db, struct arena *a, int64_t order_id, struct db_rows *items)
{
    struct db_value v = DBP_INT(order_id);
    return db_query(db, STMT_ORDER_ITEMS, &v, 1, a, items);
}

static json_t *str_or_null(const struct db_value *v)
{
    return v->type == DBV_STR ? json_string(v->s) : json_null();
}

static json_t *int_or_null(const struct db_value *v)
{
    return v->type == DBV_INT ? json_integer(v->i) : json_null();
}

static json_t *money_json(const struct db_value *v)
{
    char buf[24];
    return json_string(money_format(v->type == DBV_INT ? v->i : 0, buf));
}

static json_t *item_json(const struct db_rows *items, size_t r)
{
    char rate[24];
    return json_pack("{s:I, s:I, s:s, s:s, s:o, s:I, s:o, s:o, s:o, s:s, s:o}", "id",
                     (json_int_t)DB_CELL(items, r, 0)->i, "product_id", (json_int_t)DB_CELL(items, r, 1)->i, "sku",
                     DB_CELL(items, r, 2)->s, "product_name", DB_CELL(items, r, 3)->s, "unit_price",
                     money_json(DB_CELL(items, r, 4)), "quantity", (json_int_t)DB_CELL(items, r, 5)->i, "subtotal",
                     money_json(DB_CELL(items, r, 6)), "tax_amount", money_json(DB_CELL(items, r, 7)),
                     "total_amount", money_json(DB_CELL(items, r, 8)), "tax_rate",
                     tax_rate_format(DB_CELL(items, r, 10)->i, rate), "notes", str_or_null(DB_CELL(items, r, 9)));
}

json_t *order_json(const struct db_rows *o, size_t r, const struct db_rows *items)
{
#define C(col) DB_CELL(o, r, col)
    json_t *address = json_null();
    if (C(OC_SHIPPING_ADDRESS)->type == DBV_STR) {
        json_t *parsed = json_loads(C(OC_SHIPPING_ADDRESS)->s, JSON_DECODE_ANY, NULL);
        if (parsed) {
            json_decref(address);
            address = parsed;
        }
    }
    json_t *j = json_object();
    if (!j) {
        json_decref(address);
        return NULL;
    }
    json_object_set_new(j, "id", json_integer(C(OC_ID)->i));
    json_object_set_new(j, "order_number", json_string(C(OC_NUMBER)->s));
    json_object_set_new(j, "user_id", int_or_null(C(OC_USER_ID)));
    json_object_set_new(j, "status", json_string(C(OC_STATUS)->s));
    json_object_set_new(j, "payment_status", json_string(C(OC_PAYMENT_STATUS)->s));
    json_object_set_new(j, "payment_method", str_or_null(C(OC_PAYMENT_METHOD)));
    json_object_set_new(j, "transaction_ref", str_or_null(C(OC_TRANSACTION_REF)));
    json_object_set_new(j, "priority", json_string(C(OC_PRIORITY)->s));
    json_object_set_new(j, "customer_name", str_or_null(C(OC_CUSTOMER_NAME)));
    json_object_set_new(j, "customer_email", str_or_null(C(OC_CUSTOMER_EMAIL)));
    json_object_set_new(j, "customer_phone", str_or_null(C(OC_CUSTOMER_PHONE)));
    json_object_set_new(j, "shipping_address", address);
    if (items) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < items->count; i++)
            json_array_append_new(arr, item_json(items, i));
        json_object_set_new(j, "items", arr ? arr : json_null());
    }
    json_object_set_new(j, "item_count", json_integer(C(OC_ITEM_COUNT)->i));
    json_object_set_new(j, "total_quantity", json_integer(C(OC_TOTAL_QUANTITY)->i));
    json_object_set_new(j, "subtotal", money_json(C(OC_SUBTOTAL)));
    json_object_set_new(j, "tax_amount", money_json(C(OC_TAX)));
    json_object_set_new(j, "shipping_amount", money_json(C(OC_SHIPPING)));
    json_object_set_new(j, "discount_amount", money_json(C(OC_DISCOUNT)));
    json_object_set_new(j, "total_amount", money_json(C(OC_TOTAL)));
    json_object_set_new(j, "currency", json_string(C(OC_CURRENCY)->s));
    json_object_set_new(j, "notes", str_or_null(C(OC_NOTES)));
    json_object_set_new(j, "version", json_integer(C(OC_VERSION)->i));
    json_object_set_new(j, "created_at", str_or_null(C(OC_CREATED_AT)));
    json_object_set_new(j, "updated_at", str_or_null(C(OC_UPDATED_AT)));
    json_object_set_new(j, "confirmed_at", str_or_null(C(OC_CONFIRMED_AT)));
    json_object_set_new(j, "shipped_at", str_or_null(C(OC_SHIPPED_AT)));
    json_object_set_new(j, "delivered_at", str_or_null(C(OC_DELIVERED_AT)));
    json_object_set_new(j, "completed_at", str_or_null(C(OC_COMPLETED_AT)));
    json_object_set_new(j, "cancelled_at", str_or_null(C(OC_CANCELLED_AT)));
#undef C
    return j;
}

char *order_etag(struct arena *a, const struct db_rows *row)
{
    return arena_printf(a, "\"%" PRId64 "-%" PRId64 "\"", DB_CELL(row, 0, OC_ID)->i, DB_CELL(row, 0, OC_VERSION)->i);
}

/* RFC 9110 §13.1.1: If-Match is "*" or a list of entity tags; strong
 * comparison.  A weak tag (W/"...") never matches, and "*" means "any" only
 * as the whole field: as one item of a list it is malformed and matches
 * nothing. */
int order_check_if_match(struct http_request *req, struct http_response *res, const struct db_rows *row)
{
    const char *h = http_header_get(req, "if-match");
    if (!h)
        return 0;
    size_t lead = strspn(h, " \t"), field_len = strlen(h + lead);
    while (field_len > 0 && (h[lead + field_len - 1] == ' ' || h[lead + field_len - 1] == '\t'))
        field_len--;
    if (field_len == 1 && h[lead] == '*')
        return 0;
    char *etag = order_etag(req->arena, row);
    const char *p = h;
    size_t etag_len = etag ? strlen(etag) : 0;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (etag && (size_t)(end - start) == etag_len && memcmp(start, etag, etag_len) == 0)
            return 0;
    }
    problem_send(req, res, 412, "precondition_failed", "The order has changed since you read it");
    if (etag)
        http_response_header(res, "ETag", etag);
    return -1;
}

int order_history_add(struct db *db, int64_t order_id, const char *kind, const char *from, const char *to,
                      int64_t changed_by, const char *note)
{
    struct db_value v[6] = {DBP_INT(order_id), DBP_STR(kind), from ? DBP_STR(from) : DBP_NULL, DBP_STR(to),
                            changed_by > 0 ? DBP_INT(changed_by) : DBP_NULL, note ? DBP_STR(note) : DBP_NULL};
    return db_exec(db, STMT_ORDER_HISTORY_INSERT, v, 6, NULL, NULL);
}

int order_event_add(struct db *db, const char *type, int64_t order_id, json_t *payload)
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

int order_stats_move(struct db *db, const struct db_rows *row, const char *from_status, const char *from_payment,
                     const char *to_status, const char *to_payment, int64_t revenue_delta)
{
    const char *day = DB_CELL(row, 0, OC_DAY)->s;
    int64_t shard = DB_CELL(row, 0, OC_ID)->i % 8;
    int64_t total = DB_CELL(row, 0, OC_TOTAL)->i;
    int rc;
    if (from_status) {
        struct db_value out[6] = {DBP_STR(day), DBP_STR(from_status), DBP_STR(from_payment), DBP_INT(shard),
                                  DBP_INT(-1), DBP_INT(-total)};
        if ((rc = db_exec(db, STMT_ORDER_STATS_ADD, out, 6, NULL, NULL)) != DB_OK)
            return rc;
    }
    struct db_value in[6] = {DBP_STR(day), DBP_STR(to_status), DBP_STR(to_payment), DBP_INT(shard), DBP_INT(1),
                             DBP_INT(total + revenue_delta)};
    return db_exec(db, STMT_ORDER_STATS_ADD, in, 6, NULL, NULL);
}

void order_caches_bump(struct app *app, struct arena *a, const struct db_rows *row)
{
    const char *scopes[3] = {"orders:all", "stats", NULL};
    if (DB_CELL(row, 0, OC_USER_ID)->type == DBV_INT)
        scopes[2] = arena_printf(a, "orders:u:%" PRId64, DB_CELL(row, 0, OC_USER_ID)->i);
    else if (DB_CELL(row, 0, OC_GUEST_PHONE)->type == DBV_STR)
        scopes[2] = arena_printf(a, "orders:g:%s", DB_CELL(row, 0, OC_GUEST_PHONE)->s);
    list_cache_bump(app->cache, a, scopes, scopes[2] ? 3 : 2);
    relay_wake(app->cache, a); /* the transaction wrote outbox events */
}

#define ADDRESS_FIELD_MAX 200

static const struct field_spec ADDRESS_FIELDS[] = {
    {"full_name", FIELD_STRING, 1, 0, ADDRESS_FIELD_MAX}, {"line1", FIELD_STRING, 1, 0, ADDRESS_FIELD_MAX},
    {"line2", FIELD_STRING, 0, 1, ADDRESS_FIELD_MAX},     {"city", FIELD_STRING, 1, 0, ADDRESS_FIELD_MAX},
    {"state", FIELD_STRING, 0, 1, ADDRESS_FIELD_MAX},     {"postal_code", FIELD_STRING, 1, 0, 32},
    {"country", FIELD_STRING, 1, 0, 0}, /* the ISO check below decides */
};
#define ADDRESS_FIELD_COUNT (sizeof ADDRESS_FIELDS / sizeof ADDRESS_FIELDS[0])

/* The shape is checked against the table first; then the country must be
 * an upper-case ISO 3166-1 alpha-2 code and every member printable text.
 * The canonical text lists the members in the table's order, so two equal
 * addresses are stored as equal strings. */
char *order_address_text(struct arena *a, const json_t *addr, json_t *errors)
{
    size_t before = json_array_size(errors);
    fields_check(addr, ADDRESS_FIELDS, ADDRESS_FIELD_COUNT, "shipping_address.", errors);
    const char *country = fields_string(addr, "country", NULL);
    if (country && !(strlen(country) == 2 && country[0] >= 'A' && country[0] <= 'Z' && country[1] >= 'A' &&
                     country[1] <= 'Z'))
        problem_add_error(errors, "shipping_address.country", "invalid_country",
                          "An ISO 3166-1 alpha-2 code such as \"US\"");
    for (size_t i = 0; i < ADDRESS_FIELD_COUNT; i++) {
        size_t len;
        const char *v = fields_string(addr, ADDRESS_FIELDS[i].name, &len);
        if (v && validate_description(v, len)) {
            char field[64];
            snprintf(field, sizeof field, "shipping_address.%s", ADDRESS_FIELDS[i].name);
            problem_add_error(errors, field, "invalid_characters", "Printable text only");
        }
    }
    if (json_array_size(errors) != before)
        return NULL;
    json_t *canon = json_object();
    if (!canon)
        return NULL;
    for (size_t i = 0; i < ADDRESS_FIELD_COUNT; i++) {
        json_t *v = json_object_get(addr, ADDRESS_FIELDS[i].name);
        json_object_set(canon, ADDRESS_FIELDS[i].name, v ? v : json_null());
    }
    char *text = json_dumps(canon, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(canon);
    char *copy = text ? arena_strdup(a, text) : NULL;
    free(text);
    return copy;
}

int order_restock(struct db *db, struct arena *a, const struct db_rows *items, int64_t order_id, int64_t actor)
{
    size_t n = items->count;
    if (n == 0)
        return DB_OK;
    /* Items are stored in ascending product order; keep it for the locks. */
    char *ids = arena_alloc(a, n * 2 + 1), *cases = arena_alloc(a, n * 16 + 1), *groups = arena_alloc(a, n * 22 + 1);
    struct db_value *lock = arena_calloc(a, n, sizeof *lock);
    struct db_value *ledger = arena_calloc(a, n * 5, sizeof *ledger);
    struct db_value *update = arena_calloc(a, n * 3, sizeof *update);
    if (!ids || !cases || !groups || !lock || !ledger || !update)
        return DB_ERROR;
    char *ip = ids, *cp = cases, *gp = groups;
    for (size_t i = 0; i < n; i++) {
        int64_t product = DB_CELL(items, i, 1)->i, quantity = DB_CELL(items, i, 5)->i;
        ip += sprintf(ip, i ? ",?" : "?");
        cp += sprintf(cp, " WHEN ? THEN ?");
        gp += sprintf(gp, i ? ",(?,?,'cancel',?,?)" : "(?,?,'cancel',?,?)");
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

int order_sales_remove(struct db *db, struct arena *a, const struct db_rows *order, const struct db_rows *items)
{
    size_t n = items->count;
    if (n == 0)
        return DB_OK;
    char *groups = arena_alloc(a, n * 10 + 1);
    struct db_value *v = arena_calloc(a, n * 4, sizeof *v);
    if (!groups || !v)
        return DB_ERROR;
    char *gp = groups;
    for (size_t i = 0; i < n; i++) {
        gp += sprintf(gp, i ? ",(?,?,?,?)" : "(?,?,?,?)");
        v[i * 4] = DBP_STR(DB_CELL(order, 0, OC_DAY)->s);
        v[i * 4 + 1] = DBP_INT(DB_CELL(items, i, 1)->i);
        v[i * 4 + 2] = DBP_INT(-DB_CELL(items, i, 5)->i);
        v[i * 4 + 3] = DBP_INT(-DB_CELL(items, i, 8)->i);
    }
    char *sql = arena_printf(a,
                             "INSERT INTO product_sales_daily(day, product_id, quantity, revenue) VALUES %s"
                             " ON DUPLICATE KEY UPDATE quantity = quantity + VALUES(quantity),"
                             " revenue = revenue + VALUES(revenue)",
                             groups);
    return sql ? db_exec_sql(db, sql, (unsigned)(n * 4), v, NULL, NULL) : DB_ERROR;
}

static const char *const PAYMENT_METHODS[] = {"card", "cash", "bank_transfer", "wallet", "cash_on_delivery", "other",
                                              NULL};

void order_check_payment_method(const char *method, json_t *errors)
{
    for (const char *const *m = PAYMENT_METHODS; *m; m++)
        if (strcmp(*m, method) == 0)
            return;
    problem_add_error(errors, "payment_method", "invalid_payment_method",
                      "One of card, cash, bank_transfer, wallet, cash_on_delivery, other");
}

int64_t principal_actor(const struct principal *p)
{
    return p->kind == PRINCIPAL_GUEST ? 0 : p->user_id;
}
