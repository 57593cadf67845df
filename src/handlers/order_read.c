/*
 * order_read.c — reading orders:
 *
 *   GET /api/v1/orders                  token   list with filters, cached (X-Cache)
 *   GET /api/v1/orders/my-orders        customer the caller's orders (skip/limit)
 *   GET /api/v1/orders/{id}             owner, admin   200 + ETag; 404 otherwise
 *   GET /api/v1/orders/status-options   anyone
 *
 * A customer's queries always carry their own user id in the SQL, a
 * guest's their phone; only an admin may filter by user_id.  The list
 * queries are composed in store/order_store.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "arena.h"
#include "auth/principal.h"
#include "domain/order_filter.h"
#include "domain/order_rules.h"
#include "handlers/handlers.h"
#include "handlers/order_common.h"
#include "handlers/respond.h"
#include "http/etag.h"
#include "http/listing.h"
#include "http/problem.h"
#include "store/db.h"
#include "store/list_cache.h"

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
    respond_json(req, res, 200, order_json(&row, 0, &items));
    if (etag)
        http_response_header(res, "ETag", etag);
}

void handle_order_status_options(struct app *app, struct http_request *req, struct http_response *res)
{
    (void)app;
    respond_json(req, res, 200, order_status_options_json());
}

/* The cache scope a principal's lists live in. */
static char *list_scope(struct arena *a, const struct principal *p)
{
    if (p->kind == PRINCIPAL_CUSTOMER)
        return arena_printf(a, "orders:u:%" PRId64, p->user_id);
    if (p->kind == PRINCIPAL_GUEST)
        return arena_printf(a, "orders:g:%s", p->phone);
    return arena_strdup(a, "orders:all");
}

/* The cache key of a list: the caller's scope, and a variant naming the
 * page and every filter. */
static void order_list_key(struct http_request *req, const struct order_filter *f, const struct page_request *page,
                           const char **scope, const char **variant)
{
    char canonical[1024];
    order_filter_canonical(f, canonical, sizeof canonical);
    *scope = list_scope(req->arena, req->principal);
    *variant = arena_printf(req->arena, "o=%" PRId64 ";l=%" PRId64 ";s=%d;%s", page->offset, page->page_size,
                            page->uses_skip, canonical);
}

/* Runs the list for a parsed filter and page; answers res. */
static void order_list_respond(struct app *app, struct http_request *req, struct http_response *res,
                               const struct order_filter *f, const struct page_request *page)
{
    const char *scope, *variant;
    order_list_key(req, f, page, &scope, &variant);
    struct list_cache_entry entry = {0};
    if (scope && variant &&
        list_cache_get_prefetched(app->cache, req->arena, req->prefetch, scope, variant, &entry) == 1) {
        respond_cached(res, entry.body, entry.body_len);
        return;
    }
    struct order_scope owner = order_scope_of(req->principal);
    struct db_rows rows;
    int64_t total = 0;
    int rc = order_store_list(app->db, req->arena, &owner, f, page->page_size, page->offset, &rows, &total);
    if (rc != DB_OK) {
        respond_storage_failure(app, req, res, rc, "order list");
        return;
    }
    json_t *data = json_array();
    for (size_t r = 0; data && r < rows.count; r++)
        json_array_append_new(data, order_json(&rows, r, NULL));
    json_t *body = pagination_envelope(data, page, total);
    respond_json_cacheable(app, req, res, body, &entry, app->cfg->list_cache_ttl);
}

static const char *const ORDER_LIST_PARAMS[] = {"status", "payment_status", "priority", "user_id", "order_number",
                                                "customer_name", "customer_phone", "start_date", "end_date",
                                                "min_amount", "max_amount", "sort", "page", "page_size", "skip",
                                                "limit", NULL};
static const char *const MY_ORDERS_PARAMS[] = {"skip", "limit", "page", "page_size", NULL};

/* Reads GET /orders' query (or my-orders' with mine set); errors appended. */
static void order_list_parse(const struct http_request *req, int mine, struct order_filter *f,
                             struct page_request *page, json_t *errors)
{
    query_check_allowed(req, mine ? MY_ORDERS_PARAMS : ORDER_LIST_PARAMS, NULL, errors);
    order_filter_init(f);
    for (size_t i = 0; !mine && i < req->query_count; i++) {
        const char *name = req->query[i].name;
        if (strcmp(name, "page") == 0 || strcmp(name, "page_size") == 0 || strcmp(name, "skip") == 0 ||
            strcmp(name, "limit") == 0)
            continue;
        /* A customer's or guest's user_id is ignored: they only ever see their own. */
        if (strcmp(name, "user_id") == 0 && req->principal->kind != PRINCIPAL_ADMIN)
            continue;
        order_filter_set(f, name, req->query[i].value, errors);
    }
    order_filter_finish(f, errors);
    pagination_parse(req, page, errors);
}

static void order_list_handle(struct app *app, struct http_request *req, struct http_response *res, int mine)
{
    json_t *errors = json_array();
    if (!errors) {
        problem_internal_error(req, res, "out of memory");
        return;
    }
    struct order_filter f;
    struct page_request page;
    order_list_parse(req, mine, &f, &page, errors);
    if (json_array_size(errors) > 0) {
        problem_validation(req, res, errors);
        return;
    }
    json_decref(errors);
    order_list_respond(app, req, res, &f, &page);
}

void handle_order_list(struct app *app, struct http_request *req, struct http_response *res)
{
    order_list_handle(app, req, res, 0);
}

void handle_my_orders(struct app *app, struct http_request *req, struct http_response *res)
{
    order_list_handle(app, req, res, 1);
}

/* The lists' prefetch hook (see route_prefetch): a query the handler would
 * refuse prefetches nothing. */
static int order_list_prefetch_kind(struct http_request *req, struct list_cache_prefetch *pf, int mine)
{
    json_t *errors = json_array();
    if (!errors)
        return 0;
    struct order_filter f;
    struct page_request page;
    order_list_parse(req, mine, &f, &page, errors);
    size_t bad = json_array_size(errors);
    json_decref(errors);
    if (bad)
        return 0;
    order_list_key(req, &f, &page, &pf->scope, &pf->variant);
    return pf->scope && pf->variant ? 1 : 0;
}

int prefetch_order_list(struct app *app, struct http_request *req, struct list_cache_prefetch *pf)
{
    (void)app;
    return order_list_prefetch_kind(req, pf, 0);
}

int prefetch_my_orders(struct app *app, struct http_request *req, struct list_cache_prefetch *pf)
{
    (void)app;
    return order_list_prefetch_kind(req, pf, 1);
}
