/*
 * order_read.c — reading orders:
 *
 *   GET /api/v1/orders/{id}             owner, admin   200 + ETag; 404 otherwise
 *   GET /api/v1/orders/status-options   anyone
 *
 * A customer's queries always carry their own user id in the SQL, a
 * guest's their phone.  The lists are order_list.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "auth/principal.h"
#include "domain/money.h"
#include "domain/order_filter.h"
#include "domain/order_rules.h"
#include "handlers/handlers.h"
#include "handlers/order_common.h"
#include "handlers/order_read.h"
#include "handlers/respond.h"
#include "http/etag.h"
#include "json_out.h"
#include "http/listing.h"
#include "http/problem.h"
#include "store/db.h"
#include "store/list_cache.h"

/* A text cell order_json writes with json_string(): text is required. */
static void put_text(struct json_out *o, const struct db_value *v)
{
    if (v->type != DBV_STR || !v->s)
        o->failed = 1;
    else
        json_out_str(o, v->s);
}

/* A cell order_json writes as a string or null. */
static void put_text_or_null(struct json_out *o, const struct db_value *v)
{
    if (v->type == DBV_STR)
        put_text(o, v);
    else
        json_out_lit(o, "null");
}

static void put_int_or_null(struct json_out *o, const struct db_value *v)
{
    if (v->type == DBV_INT)
        json_out_int(o, v->i);
    else
        json_out_lit(o, "null");
}

static void put_money(struct json_out *o, const struct db_value *v)
{
    char buf[24];
    json_out_str(o, money_format(v->type == DBV_INT ? v->i : 0, buf));
}

/* The stored address, parsed and written again as order_json does (null
 * when it does not parse). */
static void put_address(struct json_out *o, const struct db_value *v)
{
    json_t *parsed = v->type == DBV_STR ? json_loads(v->s, JSON_DECODE_ANY, NULL) : NULL;
    if (!parsed) {
        json_out_lit(o, "null");
        return;
    }
    json_out_value(o, parsed);
    json_decref(parsed);
}

/* One item, in item_json's key order. */
static void put_item(struct json_out *o, const struct db_rows *items, size_t r)
{
    char rate[24];
    json_out_lit(o, "{\"id\":");
    json_out_int(o, DB_CELL(items, r, OIC_ID)->i);
    json_out_lit(o, ",\"product_id\":");
    json_out_int(o, DB_CELL(items, r, OIC_PRODUCT_ID)->i);
    json_out_lit(o, ",\"sku\":");
    put_text(o, DB_CELL(items, r, OIC_SKU));
    json_out_lit(o, ",\"product_name\":");
    put_text(o, DB_CELL(items, r, OIC_PRODUCT_NAME));
    json_out_lit(o, ",\"unit_price\":");
    put_money(o, DB_CELL(items, r, OIC_UNIT_PRICE));
    json_out_lit(o, ",\"quantity\":");
    json_out_int(o, DB_CELL(items, r, OIC_QUANTITY)->i);
    json_out_lit(o, ",\"subtotal\":");
    put_money(o, DB_CELL(items, r, OIC_SUBTOTAL));
    json_out_lit(o, ",\"tax_amount\":");
    put_money(o, DB_CELL(items, r, OIC_TAX));
    json_out_lit(o, ",\"total_amount\":");
    put_money(o, DB_CELL(items, r, OIC_TOTAL));
    json_out_lit(o, ",\"tax_rate\":");
    json_out_str(o, tax_rate_format(DB_CELL(items, r, OIC_TAX_RATE)->i, rate));
    json_out_lit(o, ",\"notes\":");
    put_text_or_null(o, DB_CELL(items, r, OIC_NOTES));
    json_out_lit(o, "}");
}

/* The fields before the items, in order_json's key order. */
static void put_order_head(struct json_out *o, const struct db_rows *rows, size_t r)
{
#define C(col) DB_CELL(rows, r, col)
    json_out_lit(o, "{\"id\":");
    json_out_int(o, C(OC_ID)->i);
    json_out_lit(o, ",\"order_number\":");
    put_text(o, C(OC_NUMBER));
    json_out_lit(o, ",\"user_id\":");
    put_int_or_null(o, C(OC_USER_ID));
    json_out_lit(o, ",\"placed_by\":");
    put_int_or_null(o, C(OC_PLACED_BY));
    json_out_lit(o, ",\"status\":");
    put_text(o, C(OC_STATUS));
    json_out_lit(o, ",\"payment_status\":");
    put_text(o, C(OC_PAYMENT_STATUS));
    json_out_lit(o, ",\"payment_method\":");
    put_text_or_null(o, C(OC_PAYMENT_METHOD));
    json_out_lit(o, ",\"transaction_ref\":");
    put_text_or_null(o, C(OC_TRANSACTION_REF));
    json_out_lit(o, ",\"priority\":");
    put_text(o, C(OC_PRIORITY));
    json_out_lit(o, ",\"customer_name\":");
    put_text_or_null(o, C(OC_CUSTOMER_NAME));
    json_out_lit(o, ",\"customer_email\":");
    put_text_or_null(o, C(OC_CUSTOMER_EMAIL));
    json_out_lit(o, ",\"customer_phone\":");
    put_text_or_null(o, C(OC_CUSTOMER_PHONE));
    json_out_lit(o, ",\"shipping_address\":");
    put_address(o, C(OC_SHIPPING_ADDRESS));
#undef C
}

/* The fields after the items. */
static void put_order_tail(struct json_out *o, const struct db_rows *rows, size_t r)
{
#define C(col) DB_CELL(rows, r, col)
    json_out_lit(o, ",\"item_count\":");
    json_out_int(o, C(OC_ITEM_COUNT)->i);
    json_out_lit(o, ",\"total_quantity\":");
    json_out_int(o, C(OC_TOTAL_QUANTITY)->i);
    static const struct {
        const char *key;
        int col;
    } money[] = {{",\"subtotal\":", OC_SUBTOTAL},
                 {",\"tax_amount\":", OC_TAX},
                 {",\"shipping_amount\":", OC_SHIPPING},
                 {",\"discount_amount\":", OC_DISCOUNT},
                 {",\"total_amount\":", OC_TOTAL}};
    for (size_t i = 0; i < sizeof money / sizeof money[0]; i++) {
        json_out_lit(o, money[i].key);
        put_money(o, C(money[i].col));
    }
    json_out_lit(o, ",\"currency\":");
    put_text(o, C(OC_CURRENCY));
    json_out_lit(o, ",\"notes\":");
    put_text_or_null(o, C(OC_NOTES));
    json_out_lit(o, ",\"version\":");
    json_out_int(o, C(OC_VERSION)->i);
    static const struct {
        const char *key;
        int col;
    } times[] = {{",\"created_at\":", OC_CREATED_AT},     {",\"updated_at\":", OC_UPDATED_AT},
                 {",\"confirmed_at\":", OC_CONFIRMED_AT}, {",\"shipped_at\":", OC_SHIPPED_AT},
                 {",\"delivered_at\":", OC_DELIVERED_AT}, {",\"completed_at\":", OC_COMPLETED_AT},
                 {",\"cancelled_at\":", OC_CANCELLED_AT}};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        json_out_lit(o, times[i].key);
        put_text_or_null(o, C(times[i].col));
    }
    json_out_lit(o, "}");
#undef C
}

void order_write(struct json_out *out, const struct db_rows *o, size_t r, const struct db_rows *items)
{
    put_order_head(out, o, r);
    if (items) {
        json_out_lit(out, ",\"items\":[");
        for (size_t i = 0; i < items->count; i++) {
            if (i > 0)
                json_out_lit(out, ",");
            put_item(out, items, i);
        }
        json_out_lit(out, "]");
    }
    put_order_tail(out, o, r);
}

int order_read_json(struct arena *a, const struct db_rows *o, const struct db_rows *items, const char **body,
                    size_t *len)
{
    struct json_out out;
    json_out_init(&out, a, NULL, 1024 + 512 * items->count);
    order_write(&out, o, 0, items);
    if (out.failed)
        return -1;
    *body = out.buf;
    *len = out.len;
    return 0;
}

/* The order's 200: written directly, or through order_json when the
 * direct writer declines a value. */
static void respond_order(struct http_request *req, struct http_response *res, const struct db_rows *row,
                          const struct db_rows *items)
{
    const char *body;
    size_t len;
    if (order_read_json(req->arena, row, items, &body, &len) != 0) {
        respond_json(req, res, 200, order_json(row, 0, items));
        return;
    }
    res->status = 200;
    res->content_type = "application/json";
    res->body = body;
    res->body_len = len;
}

void handle_order_get(struct app *app, struct http_request *req, struct http_response *res)
{
    struct db_rows row, items;
    struct order_scope scope = order_scope_of(req->principal);
    int rc = order_store_load_with_items(app->db, req->arena, &scope, req->path_ids[0], &row, &items);
    if (rc == DB_NOT_FOUND) {
        problem_send(req, res, 404, "not_found", "No such order");
        return;
    }
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "order get");
        return;
    }
    char *etag = order_etag(req->arena, &row);
    const char *inm = http_header_get(req, "if-none-match");
    if (etag && etag_list_matches(inm, etag, ETAG_WEAK)) { /* RFC 9110 §13.1.2 */
        res->status = 304;
        http_response_header(res, "ETag", etag);
        return;
    }
    respond_order(req, res, &row, &items);
    if (etag)
        http_response_header(res, "ETag", etag);
}

void handle_order_status_options(struct app *app, struct http_request *req, struct http_response *res)
{
    (void)app;
    respond_json(req, res, 200, order_status_options_json());
}
