/*
 * order_common.h — what every order handler shares: whose orders the caller
 * may see, the order's JSON and ETag, If-Match, the shipping address, and
 * cache invalidation.  The SQL is in store/order_store.h.
 */
#ifndef ORDERAPI_ORDER_COMMON_H
#define ORDERAPI_ORDER_COMMON_H

#include <jansson.h>
#include <stdint.h>

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

/* Validates a shipping address object (every bad member appended to errors,
 * fields "shipping_address.<name>") and returns its canonical JSON text in
 * the arena, members in a fixed order with absent ones as null; NULL when it
 * is invalid (or out of memory).  Shared by POST and PATCH /orders. */
char *order_address_text(struct arena *a, const json_t *addr, json_t *errors);

/* Appends an error unless method is one of the accepted payment methods. */
void order_check_payment_method(const char *method, json_t *errors);

/* The caller's id for the changed_by columns (NULL for guests → 0). */
int64_t principal_actor(const struct principal *p);

#endif
