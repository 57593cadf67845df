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
#include "domain/validation.h"
#include "events/relay_wake.h"
#include "http/etag.h"
#include "http/fields.h"
#include "http/http.h"
#include "http/problem.h"
#include "store/list_cache.h"

struct order_scope order_scope_of(const struct principal *p)
{
    if (p->kind == PRINCIPAL_ADMIN)
        return (struct order_scope){.kind = ORDER_SCOPE_ALL};
    if (p->kind == PRINCIPAL_GUEST)
        return (struct order_scope){.kind = ORDER_SCOPE_GUEST, .phone = p->phone};
    return (struct order_scope){.kind = ORDER_SCOPE_USER, .user_id = p->user_id};
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
    return json_pack(
        "{s:I, s:I, s:s, s:s, s:o, s:I, s:o, s:o, s:o, s:s, s:o}", "id", (json_int_t)DB_CELL(items, r, OIC_ID)->i,
        "product_id", (json_int_t)DB_CELL(items, r, OIC_PRODUCT_ID)->i, "sku", DB_CELL(items, r, OIC_SKU)->s,
        "product_name", DB_CELL(items, r, OIC_PRODUCT_NAME)->s, "unit_price",
        money_json(DB_CELL(items, r, OIC_UNIT_PRICE)), "quantity", (json_int_t)DB_CELL(items, r, OIC_QUANTITY)->i,
        "subtotal", money_json(DB_CELL(items, r, OIC_SUBTOTAL)), "tax_amount", money_json(DB_CELL(items, r, OIC_TAX)),
        "total_amount", money_json(DB_CELL(items, r, OIC_TOTAL)), "tax_rate",
        tax_rate_format(DB_CELL(items, r, OIC_TAX_RATE)->i, rate), "notes", str_or_null(DB_CELL(items, r, OIC_NOTES)));
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
    json_object_set_new(j, "placed_by", int_or_null(C(OC_PLACED_BY)));
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

/* RFC 9110 §13.1.1: If-Match is "*" or a list of entity tags, compared
 * strongly (http/etag.c). */
int order_check_if_match(struct http_request *req, struct http_response *res, const struct db_rows *row)
{
    const char *h = http_header_get(req, "if-match");
    if (!h)
        return 0;
    char *etag = order_etag(req->arena, row);
    if (etag && etag_list_matches(h, etag, ETAG_STRONG))
        return 0;
    problem_send(req, res, 412, "precondition_failed", "The order has changed since you read it");
    if (etag)
        http_response_header(res, "ETag", etag);
    return -1;
}

void order_caches_bump(struct app *app, struct arena *a, const struct db_rows *row)
{
    /* Not "stats": the relay's aggregator bumps it once the aggregates
     * have the change (events/aggregate.c). */
    const char *scopes[3] = {"orders:all", NULL, NULL};
    if (DB_CELL(row, 0, OC_USER_ID)->type == DBV_INT)
        scopes[1] = arena_printf(a, "orders:u:%" PRId64, DB_CELL(row, 0, OC_USER_ID)->i);
    else if (DB_CELL(row, 0, OC_GUEST_PHONE)->type == DBV_STR)
        scopes[1] = arena_printf(a, "orders:g:%s", DB_CELL(row, 0, OC_GUEST_PHONE)->s);
    /* The transaction wrote outbox events: the relay's wake-up goes in the
     * bump's round trip, after the INCRs (Redis runs them in order). */
    redisReply *woken[RELAY_WAKE_NCOMMANDS];
    struct list_cache_then wake = {.n = RELAY_WAKE_NCOMMANDS, .replies = woken};
    relay_wake_commands(&wake.argcs, &wake.argvs, &wake.lens);
    list_cache_bump_then(app->cache, a, scopes, scopes[1] ? 2 : 1, &wake);
    relay_wake_check(woken);
}

int order_event_state(json_t *payload, const struct db_rows *row, const char *status, const char *payment,
                      int64_t total)
{
    char money[24];
    if (!payload || json_object_set_new(payload, "created_at", json_string(DB_CELL(row, 0, OC_CREATED_AT)->s)) != 0 ||
        json_object_set_new(payload, "total_amount", json_string(money_format(total, money))) != 0)
        return -1;
    if (status && json_object_set_new(payload, "status", json_string(status)) != 0)
        return -1;
    if (payment && json_object_set_new(payload, "payment_status", json_string(payment)) != 0)
        return -1;
    return 0;
}

json_t *order_items_event_json(const struct db_rows *items)
{
    json_t *list = json_array();
    char money[24];
    for (size_t r = 0; list && r < items->count; r++)
        if (json_array_append_new(list, json_pack("{s:I, s:I, s:s}", "product_id",
                                                  (json_int_t)DB_CELL(items, r, OIC_PRODUCT_ID)->i, "quantity",
                                                  (json_int_t)DB_CELL(items, r, OIC_QUANTITY)->i, "total_amount",
                                                  money_format(DB_CELL(items, r, OIC_TOTAL)->i, money))) != 0) {
            json_decref(list);
            return NULL;
        }
    return list;
}

#define ADDRESS_FIELD_MAX 200

static const struct field_spec ADDRESS_FIELDS[] = {
    {.name = "full_name", .type = FIELD_STRING, .required = 1, .max_bytes = ADDRESS_FIELD_MAX},
    {.name = "line1", .type = FIELD_STRING, .required = 1, .max_bytes = ADDRESS_FIELD_MAX},
    {.name = "line2", .type = FIELD_STRING, .nullable = 1, .max_bytes = ADDRESS_FIELD_MAX},
    {.name = "city", .type = FIELD_STRING, .required = 1, .max_bytes = ADDRESS_FIELD_MAX},
    {.name = "state", .type = FIELD_STRING, .nullable = 1, .max_bytes = ADDRESS_FIELD_MAX},
    {.name = "postal_code", .type = FIELD_STRING, .required = 1, .max_bytes = 32},
    {.name = "country", .type = FIELD_STRING, .required = 1}, /* the ISO check below decides */
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

static const char *const PAYMENT_METHODS[] = {"card", "cash", "bank_transfer", "wallet", "cash_on_delivery", "other",
                                              NULL};

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

const char *order_check_payment_method(const json_t *v, const char **message)
{
    for (const char *const *m = PAYMENT_METHODS; *m; m++)
        if (strcmp(*m, json_string_value(v)) == 0)
            return NULL;
    *message = "One of card, cash, bank_transfer, wallet, cash_on_delivery, other";
    return "invalid_payment_method";
}

const char *order_check_customer_name(const json_t *v, const char **message)
{
    *message = "1 to " STRINGIFY(ORDER_CUSTOMER_NAME_MAX) " printable characters";
    return validate_full_name(json_string_value(v), json_string_length(v));
}

const char *order_check_customer_email(const json_t *v, const char **message)
{
    *message = "A valid email address";
    return validate_email(json_string_value(v)) ? "invalid_email" : NULL;
}

const char *order_check_customer_phone(const json_t *v, const char **message)
{
    *message = "An E.164 number such as +14155550123";
    return validate_phone(json_string_value(v)) ? "invalid_phone" : NULL;
}

const char *order_check_text(const json_t *v, const char **message)
{
    *message = "Printable text only";
    return validate_description(json_string_value(v), json_string_length(v)) ? "invalid_characters" : NULL;
}

int64_t principal_actor(const struct principal *p)
{
    return p->kind == PRINCIPAL_GUEST ? 0 : p->user_id;
}
