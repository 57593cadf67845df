/*
 * order_common.h — what every order handler shares: loading an order the
 * caller may see (ownership is part of the SQL), the order's JSON, its
 * history and outbox rows, the stats aggregates, and cache invalidation.
 */
#ifndef ORDERAPI_ORDER_COMMON_H
#define ORDERAPI_ORDER_COMMON_H

#include <jansson.h>
#include <stdint.h>

#include "store/db.h"

struct app;
struct arena;
struct principal;
struct http_request;
struct http_response;

/* Columns of ORDER_COLUMNS (statements.c), by position. */
enum order_column {
    OC_ID = 0, OC_NUMBER, OC_USER_ID, OC_GUEST_PHONE, OC_STATUS, OC_PAYMENT_STATUS, OC_PAYMENT_METHOD,
    OC_TRANSACTION_REF, OC_PRIORITY, OC_CUSTOMER_NAME, OC_CUSTOMER_EMAIL, OC_CUSTOMER_PHONE,
    OC_SHIPPING_ADDRESS, OC_ITEM_COUNT, OC_TOTAL_QUANTITY, OC_SUBTOTAL, OC_TAX, OC_SHIPPING, OC_DISCOUNT,
    OC_TOTAL, OC_CURRENCY, OC_NOTES, OC_VERSION, OC_CREATED_AT, OC_UPDATED_AT, OC_CONFIRMED_AT,
    OC_SHIPPED_AT, OC_DELIVERED_AT, OC_COMPLETED_AT, OC_CANCELLED_AT, OC_DAY, OC_CREATED_EPOCH,
    OC_COUNT
};

/* Loads order id if the principal may see it (admin: any; customer: own;
 * guest: own phone's), optionally locking it FOR UPDATE.  DB_OK,
 * DB_NOT_FOUND (also for someone else's order) or an error. */
int order_load(struct db *db, struct arena *a, const struct principal *p, int64_t id, int for_update,
               struct db_rows *row);
int order_items_load(struct db *db, struct arena *a, int64_t order_id, struct db_rows *items);
/* order_load (without a lock) and order_items_load in one round trip: one
 * query joins the order row to its items; *row and *items are views into
 * the same result. */
int order_load_with_items(struct db *db, struct arena *a, const struct principal *p, int64_t id,
                          struct db_rows *row, struct db_rows *items);

/* The contract's order JSON; items may be NULL (lists carry none). */
json_t *order_json(const struct db_rows *orders, size_t r, const struct db_rows *items);
/* The ETag of an order row: "\"<id>-<version>\"" in the arena. */
char *order_etag(struct arena *a, const struct db_rows *row);
/* 412 unless If-Match is absent, "*", or lists the row's ETag. 0 or -1 (answered). */
int order_check_if_match(struct http_request *req, struct http_response *res, const struct db_rows *row);

int order_history_add(struct db *db, int64_t order_id, const char *kind, const char *from, const char *to,
                      int64_t changed_by, const char *note);
/* Writes an outbox event row; payload is stolen. */
int order_event_add(struct db *db, const char *type, int64_t order_id, json_t *payload);
/* Moves one order between stats buckets (from NULL: a new order). */
int order_stats_move(struct db *db, const struct db_rows *row, const char *from_status, const char *from_payment,
                     const char *to_status, const char *to_payment, int64_t revenue_delta);

/* Bumps the cached lists and stats an order change affects (after commit). */
void order_caches_bump(struct app *app, struct arena *a, const struct db_rows *row);

/* Validates a shipping address object (every bad member appended to errors,
 * fields "shipping_address.<name>") and returns its canonical JSON text in
 * the arena, members in a fixed order with absent ones as null; NULL when it
 * is invalid (or out of memory).  Shared by POST and PATCH /orders. */
char *order_address_text(struct arena *a, const json_t *addr, json_t *errors);

/*
 * Puts a cancelled order's items back into stock, exactly once: locks the
 * products in ascending id order (the order an order creation locks them
 * in, so the two never deadlock on products), writes one 'cancel' ledger row
 * per item — the ledger's unique key makes a second restock of the same
 * order a DB_DUPLICATE — and adds the quantities back.  items are the
 * order's rows from order_items_load (they never change).
 */
int order_restock(struct db *db, struct arena *a, const struct db_rows *items, int64_t order_id, int64_t actor);

/* Takes an order's items out of the per-product sales aggregates (it no
 * longer counts toward revenue), from the rows in hand: no locking read. */
int order_sales_remove(struct db *db, struct arena *a, const struct db_rows *order, const struct db_rows *items);

/* Appends an error unless method is one of the accepted payment methods. */
void order_check_payment_method(const char *method, json_t *errors);

/* The caller's id for the changed_by columns (NULL for guests → 0). */
int64_t principal_actor(const struct principal *p);

#endif
