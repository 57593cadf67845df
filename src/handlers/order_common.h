/*
 * order_common.h — what every order handler shares: whose orders the caller
 * may see, the order's JSON and ETag, If-Match, the shipping address, and
 * cache invalidation.  The SQL is in store/order_store.h.
 */
#ifndef ORDERAPI_ORDER_COMMON_H
#define ORDERAPI_ORDER_COMMON_H

#include <jansson.h>
#include <stdint.h>

#include "http/fields.h"
#include "store/db.h"
#include "store/order_store.h"

struct app;
struct arena;
struct principal;
struct http_request;
struct http_response;

/* Whose orders the principal may see (admin: any; customer: own; guest:
 * own phone's), for the store's queries. */
struct order_scope order_scope_of(const struct principal *p);

/* The contract's order JSON; items may be NULL (lists carry none). */
json_t *order_json(const struct db_rows *orders, size_t r, const struct db_rows *items);
/* The ETag of an order row: "\"<id>-<version>\"" in the arena. */
char *order_etag(struct arena *a, const struct db_rows *row);
/* 412 unless If-Match is absent, "*", or lists the row's ETag. 0 or -1 (answered). */
int order_check_if_match(struct http_request *req, struct http_response *res, const struct db_rows *row);

/* Bumps the cached lists and stats an order change affects (after commit). */
void order_caches_bump(struct app *app, struct arena *a, const struct db_rows *row);

/* Adds to an order event's payload the order's state at the change that the
 * aggregates need (README.md, "Events"): created_at (its UTC day), its
 * total_amount, and status / payment_status when given.  0, or -1. */
int order_event_state(json_t *payload, const struct db_rows *row, const char *status, const char *payment,
                      int64_t total);
/* [{product_id, quantity, total_amount}] of an order's item rows; NULL on
 * failure. */
json_t *order_items_event_json(const struct db_rows *items);

/* Validates a shipping address object (every bad member appended to errors,
 * fields "shipping_address.<name>") and returns its canonical JSON text in
 * the arena, members in a fixed order with absent ones as null; NULL when it
 * is invalid (or out of memory).  Shared by POST and PATCH /orders. */
char *order_address_text(struct arena *a, const json_t *addr, json_t *errors);

/*
 * The members POST /orders and PATCH /orders/{id} (and the payment route)
 * share, declared once: shape and value check (http/fields.h).  The checks
 * return the code and message a bad value is reported with.
 */
#define ORDER_CUSTOMER_NAME_MAX 200
#define ORDER_NOTES_MAX 2000
const char *order_check_customer_name(const json_t *v, const char **message);
const char *order_check_customer_email(const json_t *v, const char **message);
const char *order_check_customer_phone(const json_t *v, const char **message);
const char *order_check_payment_method(const json_t *v, const char **message);
const char *order_check_text(const json_t *v, const char **message); /* printable text */

#define ORDER_FIELD_SHIPPING_ADDRESS {.name = "shipping_address", .type = FIELD_OBJECT, .nullable = 1}
#define ORDER_FIELD_CUSTOMER_NAME                                                                          \
    {.name = "customer_name", .type = FIELD_STRING, .nullable = 1, .max_bytes = ORDER_CUSTOMER_NAME_MAX,  \
     .check = order_check_customer_name}
#define ORDER_FIELD_CUSTOMER_EMAIL                                                                         \
    {.name = "customer_email", .type = FIELD_STRING, .nullable = 1, .max_bytes = 254,                     \
     .check = order_check_customer_email}
#define ORDER_FIELD_CUSTOMER_PHONE                                                                         \
    {.name = "customer_phone", .type = FIELD_STRING, .nullable = 1, .max_bytes = 16,                      \
     .check = order_check_customer_phone}
#define ORDER_FIELD_PAYMENT_METHOD                                                                         \
    {.name = "payment_method", .type = FIELD_STRING, .nullable = 1, .max_bytes = 32,                      \
     .check = order_check_payment_method}
#define ORDER_FIELD_NOTES                                                                                  \
    {.name = "notes", .type = FIELD_STRING, .nullable = 1, .max_bytes = ORDER_NOTES_MAX,                  \
     .check = order_check_text}

/* The caller's id for the changed_by columns (NULL for guests → 0). */
int64_t principal_actor(const struct principal *p);

#endif
